//! The web layer: the route table ([`routes`]) and three rooms, importing one way: `http`
//! (the plumbing: the listener, state, errors, parameters, limits, caching, middleware),
//! `pages` (the HTML) and `api` (the JSON and the exports), which use the plumbing and not
//! each other's handlers. Handlers call [`crate::db::queries`] and render askama templates.

mod api;
mod http;
mod pages;
mod routes;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

pub use http::caching::warm_up;
pub use http::error::AppError;
pub use http::state::{AppState, Config};
pub use routes::router;

use http::{caching, server};

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
    // done beside the first requests, not before them. On a thread of its own, not the
    // runtime's blocking pool: the runtime waits for its blocking tasks when it shuts
    // down, and a stop signal right after start-up then waited for the whole digest (over
    // 15 s for a debug build on a loaded machine).
    std::thread::spawn(caching::warm_up);
    // The event index is built beside the first requests too (SQLite answers until then).
    let warm = state.clone();
    tokio::spawn(async move {
        warm.reader().await;
    });
    let pool = state.db.clone();
    let stopping = Arc::clone(&state.stopping);
    let drain = state.config.drain;
    let limits = server::Limits {
        max_connections: server::connection_limit(state.config.max_connections),
        header_read_timeout: server::HEADER_READ_TIMEOUT,
    };
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
    server::run(listener, router(state), limits, stop).await;
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
