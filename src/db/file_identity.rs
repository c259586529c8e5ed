//! Which database file a connection has open. A file replaced under a running server
//! (`mv new.db db`, the usual way to publish a new build of the data) keeps its old inode
//! open in every connection, which would go on reading the old data for ever. The pool
//! remembers the identity (device and inode) of the file each connection opened, and
//! refuses to hand out a connection whose file is no longer the one at the path: the pool
//! then opens a new connection, on the new file.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Device and inode of a file.
pub type FileId = (u64, u64);

/// The identity of the file at `path` now, if there is one.
pub fn file_id(path: &Path) -> Option<FileId> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.dev(), meta.ino()))
}

/// The files the connections of one pool opened, by connection.
#[derive(Debug)]
pub struct OpenedFiles {
    path: PathBuf,
    /// Keyed by the address of the connection's SQLite handle, which is stable for the
    /// connection's life (a new connection at a reused address overwrites its entry).
    by_connection: Mutex<HashMap<usize, FileId>>,
}

impl OpenedFiles {
    /// For connections to `path`.
    pub fn new(path: &Path) -> Self {
        OpenedFiles {
            path: path.to_path_buf(),
            by_connection: Mutex::new(HashMap::new()),
        }
    }

    /// Notes that the connection at `handle` has just opened the file at the path.
    pub fn opened(&self, handle: usize) {
        if let (Some(id), Ok(mut map)) = (file_id(&self.path), self.by_connection.lock()) {
            map.insert(handle, id);
        }
    }

    /// Whether the connection at `handle` reads the file now at the path. A missing file
    /// is not a replacement: connections go on with what they have (`/readyz` reports it).
    pub fn is_current(&self, handle: usize) -> bool {
        let Some(now) = file_id(&self.path) else {
            return true;
        };
        let Ok(mut map) = self.by_connection.lock() else {
            return true;
        };
        match map.get(&handle) {
            Some(opened) if *opened != now => {
                map.remove(&handle);
                false
            }
            _ => true,
        }
    }
}
