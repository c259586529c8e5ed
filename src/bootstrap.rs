//! First run: migrate the database and, when nothing was ever imported into it, load the
//! bundled dataset. `cli` calls it before serving; it lives above both `db` and `import` so
//! that the database layer never depends on the importer (`cli -> import -> db`).

use std::path::{Path, PathBuf};

use sqlx::SqlitePool;

use crate::db::{self, DbError};
use crate::import::{self, ImportError, ImportOptions, Input};

/// Why the database could not be made ready for serving. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("cannot load the bundled dataset into {}: {source}", .path.display())]
    Seed {
        path: PathBuf,
        #[source]
        source: ImportError,
    },
}

/// Migrates the database at `path` (creating it if needed) and, when nothing has ever been
/// imported into it, loads the bundled dataset. Returns whether it seeded.
pub async fn prepare(path: &Path) -> Result<bool, BootstrapError> {
    let pool = db::open_read_write(path).await?;
    db::migrate(&pool, path).await?;
    let seeded = seed_if_empty(&pool, path).await;
    pool.close().await;
    seeded
}

async fn seed_if_empty(pool: &SqlitePool, path: &Path) -> Result<bool, BootstrapError> {
    let conflicts: i64 = sqlx::query_scalar("SELECT count(*) FROM conflict")
        .fetch_one(pool)
        .await
        .map_err(DbError::query(path))?;
    if conflicts > 0 {
        return Ok(false);
    }
    import::import(pool, &[Input::bundled()], ImportOptions::default())
        .await
        .map_err(|source| BootstrapError::Seed {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(true)
}
