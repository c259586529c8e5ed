//! What a long-lived database needs after large imports (`conflict-timeline optimize`):
//! the full-text index's segments merged into one, the planner's statistics refreshed, and
//! the file compacted when enough of it is free pages. Safe while servers read it: the
//! database is in WAL mode, so readers go on answering from their snapshots while each step
//! writes.

use sqlx::SqlitePool;

/// What [`optimize`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OptimizeReport {
    /// Bytes of the file before.
    pub bytes_before: i64,
    /// Bytes of the file after.
    pub bytes_after: i64,
    /// Bytes in free pages before.
    pub free_bytes_before: i64,
    /// Whether `VACUUM` ran (free pages above the threshold).
    pub vacuumed: bool,
}

impl OptimizeReport {
    /// Bytes given back (never negative).
    pub fn reclaimed(&self) -> i64 {
        (self.bytes_before - self.bytes_after).max(0)
    }
}

async fn pages(pool: &SqlitePool) -> Result<(i64, i64, i64), sqlx::Error> {
    let count: i64 = sqlx::query_scalar("PRAGMA page_count")
        .fetch_one(pool)
        .await?;
    let free: i64 = sqlx::query_scalar("PRAGMA freelist_count")
        .fetch_one(pool)
        .await?;
    let size: i64 = sqlx::query_scalar("PRAGMA page_size")
        .fetch_one(pool)
        .await?;
    Ok((count, free, size))
}

/// Merges the search index (FTS5 `optimize`), runs `PRAGMA optimize`, and runs `VACUUM`
/// when free pages are more than `vacuum_percent` of the file.
pub async fn optimize(
    pool: &SqlitePool,
    vacuum_percent: u8,
) -> Result<OptimizeReport, sqlx::Error> {
    let (count, free, size) = pages(pool).await?;
    let mut report = OptimizeReport {
        bytes_before: count * size,
        free_bytes_before: free * size,
        ..OptimizeReport::default()
    };
    // One b-tree of merged segments: searches read one segment, not one per import, and
    // the entries deleted by corrections are dropped.
    sqlx::query("INSERT INTO event_fts (event_fts) VALUES ('optimize')")
        .execute(pool)
        .await?;
    sqlx::query("PRAGMA optimize=0x10002").execute(pool).await?;
    let (count, free, _) = pages(pool).await?;
    if count > 0 && free * 100 > count * i64::from(vacuum_percent) {
        // In WAL mode readers keep their snapshot while VACUUM rewrites the file through
        // the log; they see the compacted file from their next transaction.
        sqlx::query("VACUUM").execute(pool).await?;
        report.vacuumed = true;
    }
    sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .execute(pool)
        .await?;
    let (count, _, size) = pages(pool).await?;
    report.bytes_after = count * size;
    Ok(report)
}
