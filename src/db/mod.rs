//! The database: opening it on purpose (pragmas, pools), migrating, and the queries the
//! pages need ([`queries`]). Handlers never write SQL; they call here.
//! Seeding the bundled dataset on first run is [`crate::bootstrap`]'s: `db` is called by the
//! importer, never the other way round.

pub mod aggregates;
pub mod budget;
pub mod catalog;
pub mod derived;
pub mod event_index;
pub mod file_identity;
pub mod history;
pub mod maintenance;
pub mod models;
pub mod queries;
pub mod text_index;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, SqlitePool};

/// The migrations in `migrations/`, compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The data version of a database: its import counter combined with the time of its last
/// import (stored to the millisecond), the counter in the high half and 32 bits of a digest
/// of the time in the low half. Two files that have each had the same number of imports
/// answer with different versions; copies of one file agree. The ETags, the response cache
/// and the in-memory event index all key on it.
pub fn combined_version(version: i64, imported_at: Option<&str>) -> i64 {
    use sha2::{Digest, Sha256};
    let Some(at) = imported_at else {
        return version << 32;
    };
    let digest = Sha256::digest(at.as_bytes());
    let low = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    (version << 32) | i64::from(low)
}

/// Why the database could not be made ready. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot open the database {}: {source}", .path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot create the directory for the database {}: {source}", .path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot migrate the database {}: {source}", .path.display())]
    Migrate {
        path: PathBuf,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    #[error(
        "the database {} is read-only and its schema is older than this build: run `serve` or \
         `import` once with write access to migrate it",
        .path.display()
    )]
    NeedsMigration { path: PathBuf },
    #[error("the database {} is not usable: {source}", .path.display())]
    Query {
        path: PathBuf,
        #[source]
        source: sqlx::Error,
    },
}

impl DbError {
    /// For `map_err`: the database at `path` cannot be opened.
    pub fn open(path: &Path) -> impl FnOnce(sqlx::Error) -> DbError + '_ {
        |source| DbError::Open {
            path: path.to_path_buf(),
            source,
        }
    }

    /// For `map_err`: a query on the database at `path` failed.
    pub fn query(path: &Path) -> impl FnOnce(sqlx::Error) -> DbError + '_ {
        |source| DbError::Query {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Options shared by every connection. WAL lets readers go on while an import writes, and
/// readers never see a half-written import (they read the last committed snapshot);
/// `synchronous=NORMAL` is durable across application crashes in WAL mode and much faster
/// than FULL; foreign keys are off by default in SQLite and must be switched on per
/// connection.
fn base_options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
}

/// Opens (creating if needed) a read-write pool, for migrations and imports.
pub async fn open_read_write(path: &Path) -> Result<SqlitePool, DbError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| DbError::CreateDir {
            path: path.to_path_buf(),
            source,
        })?;
    }
    let options = base_options(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        // Building the search index or an index of a large import takes seconds by
        // design; the importer logs its phases itself (at debug level) and shows progress.
        // sqlx's slow-statement warnings stay on for the server's reads.
        .log_slow_statements(log::LevelFilter::Debug, Duration::from_secs(1));
    // One writer at a time is all SQLite allows; a single connection avoids lock waits.
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(DbError::open(path))
}

/// How the server may treat its database file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// The file and its folder can be written: it is created, migrated and seeded if
    /// needed, and may change under the server (imports, replacements).
    Writable,
    /// The file cannot be written, its folder can (SQLite's shared-memory and log files can
    /// still be made): served as it is.
    ReadOnlyFile,
    /// The folder cannot be written: SQLite cannot make its lock and log files, so the
    /// file is opened `immutable` (nothing may change it while it is served).
    ReadOnlyFolder,
}

/// What may be written of the database at `path`. A missing file is writable (it will be
/// created, or creating it fails with its own error).
pub fn access(path: &Path) -> Access {
    use rustix::fs::{Access as Mode, access};
    if !path.exists() {
        return Access::Writable;
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if access(dir, Mode::WRITE_OK).is_err() {
        Access::ReadOnlyFolder
    } else if access(path, Mode::WRITE_OK).is_err() {
        Access::ReadOnlyFile
    } else {
        Access::Writable
    }
}

/// Checks, without writing, that every migration of this build has been applied to the
/// database at `path`.
pub async fn check_migrated(pool: &SqlitePool, path: &Path) -> Result<(), DbError> {
    let applied: Option<i64> =
        sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(pool)
            .await
            .map_err(DbError::query(path))?;
    let latest = MIGRATOR.iter().map(|m| m.version).max();
    if latest > applied {
        return Err(DbError::NeedsMigration {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Opens the pool the web server reads through. The server never writes: opening the file
/// read-only makes that a guarantee, and lets several servers share one file.
pub async fn open_read_only(path: &Path, max_connections: u32) -> Result<SqlitePool, DbError> {
    open_serving(path, max_connections, Access::Writable).await
}

/// As [`open_read_only`], for a file that may be in a folder the server cannot write
/// (see [`Access`]).
pub async fn open_serving(
    path: &Path,
    max_connections: u32,
    access: Access,
) -> Result<SqlitePool, DbError> {
    let options = base_options(path)
        .read_only(true)
        .immutable(access == Access::ReadOnlyFolder)
        // No memory mapping: with it every pooled connection maps the file, the mapped
        // pages count as the server's memory (a 1 GB database showed as 1 GB resident), and
        // an I/O error on a mapped page is a signal, not an error code. Reads go through
        // the kernel's page cache, which all servers on the machine share, and each
        // connection keeps its own hot pages:
        .pragma("mmap_size", "0")
        // 4 MiB of page cache per connection (negative = KiB): the upper levels of the
        // indexes a request walks stay in memory; 4 x 4 MiB with the default pool. Pages
        // rendered once are kept whole by the response cache, so this is not the hot path.
        .pragma("cache_size", "-4096")
        .pragma("query_only", "1")
        .statement_cache_capacity(64);
    let files = Arc::new(file_identity::OpenedFiles::new(path));
    let pool = SqlitePoolOptions::new()
        .max_connections(max_connections)
        .min_connections(1)
        // Every statement runs under the budget of the request that asked for it, and
        // stops when that request is abandoned (see `budget`); a connection whose file
        // has been replaced is closed and a new one opened (see `file_identity`).
        .after_connect({
            let files = Arc::clone(&files);
            move |conn, _| {
                let files = Arc::clone(&files);
                Box::pin(async move {
                    let mut handle = conn.lock_handle().await?;
                    files.opened(handle.as_raw_handle().as_ptr() as usize);
                    budget::install_on(&mut handle);
                    Ok(())
                })
            }
        })
        .before_acquire(move |conn, _| {
            let files = Arc::clone(&files);
            Box::pin(async move {
                let mut handle = conn.lock_handle().await?;
                if !files.is_current(handle.as_raw_handle().as_ptr() as usize) {
                    tracing::info!("the database file was replaced: opening it afresh");
                    return Ok(false);
                }
                budget::install_on(&mut handle);
                Ok(true)
            })
        })
        .connect_with(options)
        .await
        .map_err(DbError::open(path))?;
    // Fail at start-up, not on the first request, if the file is not a usable database.
    sqlx::query_scalar::<_, i64>("SELECT version FROM dataset_version WHERE id = 1")
        .fetch_one(&pool)
        .await
        .map_err(DbError::query(path))?;
    Ok(pool)
}

/// Runs the embedded migrations; idempotent.
pub async fn migrate(pool: &SqlitePool, path: &Path) -> Result<(), DbError> {
    MIGRATOR.run(pool).await.map_err(|source| DbError::Migrate {
        path: path.to_path_buf(),
        source,
    })
}

/// Parses a `--db` value that may be a path or a `sqlite:` URL.
pub fn path_from_arg(arg: &str) -> PathBuf {
    let trimmed = arg
        .strip_prefix("sqlite://")
        .or_else(|| arg.strip_prefix("sqlite:"))
        .unwrap_or(arg);
    PathBuf::from(trimmed)
}
