//! The web layer: state, the route table ([`routes`]), one module per page, and the
//! middleware stack. Handlers call [`crate::db::queries`] and render askama templates.

mod api;
mod assets;
mod caching;
mod cite;
mod data_version;
mod dates;
mod embed;
mod error;
mod event_page;
mod exports;
mod facets;
mod health;
mod histogram_api;
mod layout;
mod limits;
mod middleware;
mod oembed;
mod openapi;
mod overview;
mod params;
mod problem;
mod response_cache;
mod routes;
mod share;
mod share_image;
mod timeline;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use sqlx::SqlitePool;

pub use error::AppError;
pub use routes::router;

/// Settings the pages need.
#[derive(Clone, Debug)]
pub struct Config {
    /// Absolute base URL without a trailing slash, for canonical links and share previews.
    pub public_url: String,
    /// Most requests handled at once; more wait briefly, then get 503 (see [`limits`]).
    pub max_in_flight: usize,
    /// Memory for finished responses kept until the data changes (see
    /// [`response_cache`]); 0 turns the cache off.
    pub response_cache_bytes: usize,
    /// The database file, when the server knows it: the data version is then read again
    /// only when the file changes (see [`data_version`]).
    pub db_path: Option<std::path::PathBuf>,
    /// How long to go on serving after a stop signal, with `/readyz` answering 503.
    pub drain: std::time::Duration,
}

impl Config {
    /// The defaults, serving at `public_url`.
    pub fn new(public_url: impl Into<String>) -> Self {
        Config {
            public_url: public_url.into(),
            max_in_flight: limits::DEFAULT_MAX_IN_FLIGHT,
            response_cache_bytes: response_cache::DEFAULT_BUDGET_BYTES,
            db_path: None,
            drain: std::time::Duration::ZERO,
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
    /// Finished responses of the current data version.
    pub response_cache: Arc<response_cache::ResponseCache>,
    /// Where the current data version comes from.
    pub data_version: Arc<data_version::VersionSource>,
    /// Set when a stop signal has come: `/readyz` then answers 503.
    pub stopping: Arc<std::sync::atomic::AtomicBool>,
}

impl AppState {
    /// Builds the state; trims a trailing slash from the public URL.
    pub fn new(db: SqlitePool, mut config: Config) -> Self {
        while config.public_url.ends_with('/') {
            config.public_url.pop();
        }
        AppState {
            db,
            in_flight: Arc::new(tokio::sync::Semaphore::new(config.max_in_flight.max(1))),
            response_cache: Arc::new(response_cache::ResponseCache::new(
                config.response_cache_bytes,
            )),
            data_version: Arc::new(data_version::VersionSource::new(config.db_path.as_deref())),
            stopping: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            config: Arc::new(config),
        }
    }
}

/// Why the server stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Serves until Ctrl-C or SIGTERM (and the drain period after it, see [`Config::drain`]),
/// then lets requests in flight finish.
pub async fn serve(state: AppState, addr: SocketAddr, db_path: &Path) -> Result<(), ServeError> {
    // Before the address is announced: from then on a stop signal is a graceful stop.
    let signalled = shutdown_signal();
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })?;
    let local = listener.local_addr()?;
    println!(
        "conflict-timeline is serving http://{local}/ (database: {})",
        db_path.display()
    );
    tracing::info!(%local, db = %db_path.display(), "listening");
    // Reading the executable for the build id takes a moment (longer in a debug build):
    // done beside the first requests, not before them.
    tokio::task::spawn_blocking(caching::warm_up);
    let pool = state.db.clone();
    let stopping = Arc::clone(&state.stopping);
    let drain = state.config.drain;
    let stop = async move {
        signalled.await;
        stopping.store(true, std::sync::atomic::Ordering::SeqCst);
        if !drain.is_zero() {
            // Connections a client opened but the server has not accepted yet are reset
            // when the listener closes: keep it open while a load balancer, seeing
            // `/readyz` fail, moves the traffic elsewhere. A second signal ends the wait.
            tracing::info!(?drain, "draining: /readyz answers 503, still serving");
            tokio::select! {
                () = tokio::time::sleep(drain) => {},
                () = shutdown_signal() => {},
            }
        }
        tracing::info!("shutting down: finishing requests in flight");
    };
    axum::serve(listener, router(state))
        .with_graceful_shutdown(stop)
        .await?;
    pool.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed when this is called, not
/// when the future is first polled: a signal that comes while the server is still starting
/// is a graceful stop too, not the default action (the process killed).
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let terminate = signal(SignalKind::terminate());
        let interrupt = signal(SignalKind::interrupt());
        async move {
            match (terminate, interrupt) {
                (Ok(mut terminate), Ok(mut interrupt)) => {
                    tokio::select! {
                        _ = terminate.recv() => {},
                        _ = interrupt.recv() => {},
                    }
                }
                (Err(err), _) | (_, Err(err)) => {
                    tracing::error!(%err, "cannot listen for SIGTERM and Ctrl-C");
                    std::future::pending::<()>().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    }
}
