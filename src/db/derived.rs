//! The cell that holds a structure derived from the database (the in-memory event index,
//! the search index) for one data version: handed out only while the database is at that
//! version, and built again in the background, once, when the data has changed. Until the
//! new one is there, and when a build fails, the caller answers from SQLite.

use std::future::Future;
use std::sync::{Arc, Mutex};

/// A structure built from one data version of the database.
pub trait Derived: Send + Sync + 'static {
    /// The data version it was built from.
    fn version(&self) -> i64;
}

/// The current derived structure of a server (see the module documentation).
pub struct DerivedCell<T> {
    /// What it is, for the log ("in-memory event index").
    what: &'static str,
    /// What answers without it, for the log ("answering from SQLite").
    meanwhile: &'static str,
    state: Mutex<CellState<T>>,
}

struct CellState<T> {
    current: Option<Arc<T>>,
    /// The version a build is under way for.
    building: Option<i64>,
    /// A version whose build failed: not tried again.
    failed: Option<i64>,
}

impl<T: Derived> DerivedCell<T> {
    /// An empty cell; `what` and `meanwhile` name it and its fallback in the log.
    pub fn new(what: &'static str, meanwhile: &'static str) -> Self {
        DerivedCell {
            what,
            meanwhile,
            state: Mutex::new(CellState {
                current: None,
                building: None,
                failed: None,
            }),
        }
    }

    /// The structure if it is at `version`; otherwise `None` and, unless one is under way
    /// or this version's build already failed, `build()` started in the background.
    pub fn get<F, Fut, E>(self: &Arc<Self>, version: i64, build: F) -> Option<Arc<T>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
        E: std::fmt::Display + Send + 'static,
    {
        let Ok(mut state) = self.state.lock() else {
            return None;
        };
        if let Some(current) = &state.current
            && current.version() == version
        {
            return Some(Arc::clone(current));
        }
        if state.building.is_none() && state.failed != Some(version) {
            state.building = Some(version);
            // The old one can never be used again: free its memory now.
            state.current = None;
            let cell = Arc::clone(self);
            let built = build();
            tokio::spawn(async move {
                let started = std::time::Instant::now();
                let built = built.await;
                let Ok(mut state) = cell.state.lock() else {
                    return;
                };
                state.building = None;
                match built {
                    Ok(value) => {
                        tracing::info!(
                            version = value.version(),
                            ms = started.elapsed().as_millis() as u64,
                            "{} ready",
                            cell.what
                        );
                        state.current = Some(Arc::new(value));
                    }
                    Err(err) => {
                        tracing::warn!(%err, "no {}: {}", cell.what, cell.meanwhile);
                        state.failed = Some(version);
                    }
                }
            });
        }
        None
    }
}
