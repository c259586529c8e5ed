//! What every handler can reach ([`AppState`]) and the settings it is built from
//! ([`Config`]).

use std::sync::Arc;

use sqlx::SqlitePool;

use crate::db::catalog::{Catalog, CatalogCell};
use crate::db::event_index::{self, IndexCell};
use crate::db::queries::Reader;
use crate::db::text_index::{self, TextIndexCell};

/// Settings the pages need.
#[derive(Clone, Debug)]
pub struct Config {
    /// Absolute base URL without a trailing slash, for canonical links and share previews.
    pub public_url: String,
    /// Most requests handled at once; more wait briefly, then get 503 (see [`super::limits`]).
    pub max_in_flight: usize,
    /// Requests working out a page or an answer at once; the others in flight wait their
    /// turn (see [`super::limits::take_turns`]).
    pub working_at_once: usize,
    /// Memory for finished responses kept until the data changes (see
    /// [`super::response_cache`]); 0 turns the cache off.
    pub response_cache_bytes: usize,
    /// The database file, when the server knows it: the data version is then read again
    /// only when the file changes (see [`super::data_version`]).
    pub db_path: Option<std::path::PathBuf>,
    /// How long to go on serving after a stop signal, with `/readyz` answering 503.
    pub drain: std::time::Duration,
    /// Most client connections open at once (lowered to fit the file limit, see
    /// [`crate::web::http::server::connection_limit`]).
    pub max_connections: usize,
    /// Longest time a request may take; then it is dropped and answers 503.
    pub request_timeout: std::time::Duration,
    /// Whether to keep the in-memory event index ([`crate::db::event_index`]) for counts,
    /// facets, histograms and timeline pages; without it every query goes to SQLite. The
    /// index is built from [`Config::db_path`], so a server that does not know its file
    /// has none.
    pub event_index: bool,
    /// Whether to keep the search index ([`crate::db::text_index`]) beside the database
    /// for searches' hits and best matches; without it (or until it is built) searches go
    /// to SQLite's full-text table. It needs the event index and [`Config::db_path`].
    pub text_index: bool,
}

impl Config {
    /// The defaults, serving at `public_url`.
    pub fn new(public_url: impl Into<String>) -> Self {
        Config {
            public_url: public_url.into(),
            max_in_flight: super::limits::DEFAULT_MAX_IN_FLIGHT,
            working_at_once: super::limits::default_working_at_once(),
            response_cache_bytes: super::response_cache::DEFAULT_BUDGET_BYTES,
            db_path: None,
            drain: std::time::Duration::ZERO,
            max_connections: crate::web::http::server::DEFAULT_MAX_CONNECTIONS,
            request_timeout: super::limits::REQUEST_TIMEOUT,
            event_index: true,
            text_index: true,
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Read-only pool.
    pub db: SqlitePool,
    pub config: Arc<Config>,
    /// One permit per request in flight.
    pub in_flight: Arc<tokio::sync::Semaphore>,
    /// One permit per request working out its answer (see [`super::limits::take_turns`]).
    pub turns: Arc<tokio::sync::Semaphore>,
    /// Finished responses of the current data version.
    pub response_cache: Arc<super::response_cache::ResponseCache>,
    /// Where the current data version comes from.
    pub data_version: Arc<super::data_version::VersionSource>,
    /// Set when a stop signal has come: `/readyz` then answers 503.
    pub stopping: Arc<std::sync::atomic::AtomicBool>,
    /// The in-memory event index of the current data version, when built.
    pub event_index: Arc<IndexCell>,
    /// The search index of the current data version, when opened or built.
    pub text_index: Arc<TextIndexCell>,
    /// The collection as a whole at the current data version.
    pub catalog: Arc<CatalogCell>,
    /// One permit per export page being read (see [`export_page_readers`]): downloads take
    /// turns for the pool, so the other requests always find a connection.
    pub export_pages: Arc<tokio::sync::Semaphore>,
}

/// How many export pages may be read at once from a pool of `pool_size` connections: half
/// the pool, at least one. Eight downloads at once then hold two of the default four
/// connections, not all of them, and a cheap request does not wait behind their pages
/// (one turn instead of two kept the cheap request as fast and made downloads 1.3x slower).
pub fn export_page_readers(pool_size: u32) -> usize {
    usize::try_from(pool_size / 2).unwrap_or(1).max(1)
}

impl AppState {
    /// Builds the state; trims a trailing slash from the public URL.
    pub fn new(db: SqlitePool, mut config: Config) -> Self {
        while config.public_url.ends_with('/') {
            config.public_url.pop();
        }
        let export_pages = export_page_readers(db.options().get_max_connections());
        AppState {
            db,
            export_pages: Arc::new(tokio::sync::Semaphore::new(export_pages)),
            in_flight: Arc::new(tokio::sync::Semaphore::new(config.max_in_flight.max(1))),
            turns: Arc::new(tokio::sync::Semaphore::new(config.working_at_once.max(1))),
            response_cache: Arc::new(super::response_cache::ResponseCache::new(
                config.response_cache_bytes,
            )),
            data_version: Arc::new(super::data_version::VersionSource::new(
                config.db_path.as_deref(),
            )),
            stopping: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            event_index: Arc::new(event_index::cell()),
            text_index: Arc::new(text_index::cell()),
            catalog: Arc::default(),
            config: Arc::new(config),
        }
    }

    /// The collection's conflicts, eras, total, span, place points and facet totals at
    /// the data's current version (read once per version, see [`crate::db::catalog`]).
    pub async fn catalog(&self) -> Result<Arc<Catalog>, sqlx::Error> {
        let version = self.data_version.current(&self.db).await?;
        self.catalog
            .get(&self.db, version, || async {
                self.data_version.current(&self.db).await.ok() == Some(version)
            })
            .await
    }

    /// Where this request's queries go: the event and search indexes when they are at the
    /// data's current version (starting builds in the background when they are not),
    /// SQLite otherwise.
    pub async fn reader(&self) -> Reader<'_> {
        let mut reader = Reader::sqlite(&self.db);
        if self.config.event_index
            && let Some(path) = &self.config.db_path
            && let Ok(version) = self.data_version.current(&self.db).await
        {
            let owned = path.clone();
            reader.index = self.event_index.get(version, move || async move {
                event_index::build_from(&owned).await
            });
            if self.config.text_index {
                let owned = path.clone();
                reader.text = self.text_index.get(version, move || async move {
                    text_index::open_or_build(&owned, version).await
                });
            }
        }
        reader
    }
}

#[cfg(test)]
mod tests {
    use super::export_page_readers;

    #[test]
    fn downloads_leave_half_the_pool_to_other_requests() {
        assert_eq!(export_page_readers(1), 1);
        assert_eq!(export_page_readers(2), 1);
        assert_eq!(export_page_readers(4), 2);
        assert_eq!(export_page_readers(5), 2);
        assert_eq!(export_page_readers(16), 8);
    }
}
