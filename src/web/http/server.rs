//! The listener: accepting connections, what a connection may cost, and stopping.
//!
//! hyper's HTTP/1 connection builder is used directly (not `axum::serve`) because the
//! server must bound what a client can hold without sending anything useful:
//! * a request's head must arrive within [`HEADER_READ_TIMEOUT`], and a kept-alive
//!   connection that sends no new request within it is closed (hyper's header-read timer
//!   runs from the moment the connection waits for a request);
//! * at most [`Limits::max_connections`] connections are open at once, below the process's
//!   file limit (see [`connection_limit`]): the next client waits in the kernel's accept
//!   queue instead of the process failing to open its database files;
//! * a client that hangs up while its request is being answered is noticed within
//!   [`GONE_CHECK`], and the request is dropped, which stops its statements (see
//!   [`crate::db::budget`]); hyper alone notices only when it next reads or writes;
//! * on a stop signal, idle connections and connections with only part of a request are
//!   closed at once; requests being answered finish, bodies included (a streamed export
//!   is sent to its end), for up to [`STOP_GRACE`].

use std::future::Future;
use std::mem::MaybeUninit;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// Longest a client may take to send a request's head, and longest a kept-alive
/// connection may wait for its next request.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How often a request in flight checks that its client is still connected.
pub const GONE_CHECK: Duration = Duration::from_millis(50);

/// Connections at once when not configured.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
/// Longest a stop waits for answers still being sent (a long download to a slow client);
/// then their connections are closed. Below the systemd unit's `TimeoutStopSec`.
pub const STOP_GRACE: Duration = Duration::from_secs(20);

/// File descriptors kept for everything but client connections: the listener, the
/// database file, its log and shared memory per pooled connection, the executable read
/// for the build id, standard streams and some slack.
const RESERVED_FILES: u64 = 64;

/// What a connection may hold.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
}

/// The number of connections to allow: `wanted`, or fewer when the process's file limit
/// (raised to its hard limit first) leaves less room, with a warning then.
pub fn connection_limit(wanted: usize) -> usize {
    let limit = rlimit::increase_nofile_limit(u64::MAX).ok().or_else(|| {
        rlimit::getrlimit(rlimit::Resource::NOFILE)
            .ok()
            .map(|(soft, _hard)| soft)
    });
    let Some(files) = limit else {
        return wanted;
    };
    let room = usize::try_from(files.saturating_sub(RESERVED_FILES)).unwrap_or(usize::MAX);
    if room < wanted {
        tracing::warn!(
            file_limit = files,
            max_connections = room.max(1),
            wanted,
            "the file limit is low: fewer connections are allowed at once than configured \
             (raise it with `ulimit -n` or LimitNOFILE=)"
        );
        room.max(1)
    } else {
        wanted
    }
}

/// Counts one connection's requests in flight, so that a stop knows which connections
/// are only idle or half-sent.
#[derive(Clone, Default)]
struct InFlight(Arc<AtomicUsize>);

struct InFlightGuard(Arc<AtomicUsize>);

impl InFlight {
    fn enter(&self) -> InFlightGuard {
        self.0.fetch_add(1, Ordering::SeqCst);
        InFlightGuard(Arc::clone(&self.0))
    }
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A response body that holds its request's place in [`InFlight`] until it has been sent
/// or dropped.
struct Answering {
    body: Body,
    _guard: InFlightGuard,
}

impl http_body::Body for Answering {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::pin::Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// Serves `router` on `listener` until `stop` resolves, then closes idle and half-sent
/// connections and waits for the requests being answered.
pub async fn run(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    stop: impl Future<Output = ()>,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let (stopping_tx, stopping_rx) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut stop => break,
        };
        let (stream, _peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, or a connection reset before it was
                    // accepted: wait a moment rather than spin.
                    tracing::warn!(%err, "accept error");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let watch = stream.as_fd().try_clone_to_owned().ok().map(Arc::new);
        let in_flight = InFlight::default();
        let service = {
            let router = router.clone();
            let in_flight = in_flight.clone();
            hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
                let router = router.clone();
                let watch = watch.clone();
                let guard = in_flight.enter();
                async move {
                    let request = request.map(Body::new);
                    let answer = router.oneshot(request);
                    let response = match watch {
                        Some(fd) => tokio::select! {
                            response = answer => response,
                            // Dropping the answer stops its statements; the client will
                            // read nothing, so what is returned here goes nowhere.
                            () = client_gone(&fd) => {
                                tracing::info!("the client hung up: its request is dropped");
                                Ok(hyper::StatusCode::from_u16(499)
                                    .map(|status| {
                                        let mut r = axum::response::Response::new(Body::empty());
                                        *r.status_mut() = status;
                                        r
                                    })
                                    .unwrap_or_default())
                            }
                        },
                        None => answer.await,
                    };
                    // The request counts as being answered until its body is sent (or
                    // dropped): a streamed export is still in flight after its handler
                    // has returned, and a stop waits for it.
                    response.map(|response| {
                        response.map(|body| {
                            Body::new(Answering {
                                body,
                                _guard: guard,
                            })
                        })
                    })
                }
            })
        };
        let conn = builder.serve_connection(TokioIo::new(stream), service);
        let mut stopping = stopping_rx.clone();
        connections.spawn(async move {
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => return,
                _ = stopping.wait_for(|s| *s) => {}
            }
            // Ends the connection after the response being written, if any; an idle one
            // ends now.
            conn.as_mut().graceful_shutdown();
            let mut quiet_checks = 0;
            let grace = tokio::time::sleep(STOP_GRACE);
            tokio::pin!(grace);
            loop {
                tokio::select! {
                    _ = conn.as_mut() => break,
                    () = &mut grace => {
                        tracing::warn!("an answer was still being sent at the end of the stop's grace period");
                        break;
                    }
                    () = tokio::time::sleep(GONE_CHECK) => {
                        // No request being answered twice in a row: the connection is idle
                        // or has sent only part of a request. Nobody waits for it.
                        quiet_checks = if in_flight.count() == 0 { quiet_checks + 1 } else { 0 };
                        if quiet_checks >= 2 {
                            break;
                        }
                    }
                }
            }
            drop(permit);
        });
        // Reap finished connections so the set does not grow.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = stopping_tx.send(true);
    while connections.join_next().await.is_some() {}
}

/// Resolves once the peer of `fd` has closed or reset its side of the connection.
async fn client_gone(fd: &OwnedFd) {
    let socket = socket2::SockRef::from(fd);
    let mut byte = [MaybeUninit::<u8>::uninit(); 1];
    loop {
        tokio::time::sleep(GONE_CHECK).await;
        // The socket is non-blocking (tokio made it so; the duplicate shares that): a peek
        // answers at once. 0 bytes is the end of the stream: the client closed.
        match socket.peek(&mut byte) {
            Ok(0) => return,
            Ok(_) => {}
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}
