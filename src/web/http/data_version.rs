//! The data version every request is answered at (ETags and the response cache key on it).
//! Asking the database costs a pooled connection and a query per request; instead, when the
//! server knows its database file, it remembers the version together with the identity
//! (device, inode), size and modification time of the file and the size and time of its
//! write-ahead log, and asks again only when one of them has changed. An import that
//! commits writes to the log (and a checkpoint to the file), so a changed version is always
//! seen by the next request; a file replaced by another (`mv new.db db`) has another inode.
//!
//! The version is the import counter of the file combined with the time of its last
//! import, so that two files that have each had the same number of imports still answer
//! with different ETags, while copies of one file agree.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use sqlx::SqlitePool;

use crate::db::queries;

/// What the file system says about the database and its log.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stamp {
    db: Option<(u64, u64, u64, SystemTime)>,
    wal: Option<(u64, u64, u64, SystemTime)>,
}

fn file_stamp(path: &Path) -> Option<(u64, u64, u64, SystemTime)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.dev(), meta.ino(), meta.len(), meta.modified().ok()?))
}

/// Remembers the last version read and the file stamp it was read at.
pub struct VersionSource {
    files: Option<(PathBuf, PathBuf)>,
    last: Mutex<Option<(Stamp, i64)>>,
}

impl VersionSource {
    /// For a database at `path`; `None` (an unknown file) asks the database every time.
    pub fn new(path: Option<&Path>) -> Self {
        let files = path.map(|p| {
            let mut wal = p.as_os_str().to_owned();
            wal.push("-wal");
            (p.to_path_buf(), PathBuf::from(wal))
        });
        VersionSource {
            files,
            last: Mutex::new(None),
        }
    }

    fn stamp(&self) -> Option<Stamp> {
        let (db, wal) = self.files.as_ref()?;
        Some(Stamp {
            db: file_stamp(db),
            wal: file_stamp(wal),
        })
    }

    /// The current data version.
    pub async fn current(&self, pool: &SqlitePool) -> Result<i64, sqlx::Error> {
        let stamp = self.stamp();
        if let (Some(stamp), Ok(last)) = (&stamp, self.last.lock())
            && let Some((seen, version)) = last.as_ref()
            && seen == stamp
        {
            return Ok(*version);
        }
        let (count, imported_at) = queries::dataset_stamp(pool).await?;
        let version = crate::db::combined_version(count, imported_at.as_deref());
        if let (Some(stamp), Ok(mut last)) = (stamp, self.last.lock()) {
            *last = Some((stamp, version));
        }
        Ok(version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_commit_is_seen_by_the_next_read() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("v.db");
        crate::bootstrap::prepare(&path).await.expect("prepare");
        let rw = crate::db::open_read_write(&path).await.expect("rw");
        let ro = crate::db::open_read_only(&path, 1).await.expect("ro");
        let source = VersionSource::new(Some(&path));
        let before = source.current(&ro).await.expect("version");
        assert_eq!(source.current(&ro).await.expect("again"), before);
        sqlx::query("UPDATE dataset_version SET version = version + 1")
            .execute(&rw)
            .await
            .expect("bump");
        let after = source.current(&ro).await.expect("after");
        assert_eq!(after >> 32, (before >> 32) + 1);
    }
}
