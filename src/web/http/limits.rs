//! What the server refuses before any handler runs, so that no client can make it queue
//! without bound, read a body it does not want, or parse an enormous address:
//! * methods other than GET and HEAD (and the CORS preflight `OPTIONS` under `/api/`): 405
//!   with `Allow`;
//! * request targets over [`MAX_URI_BYTES`]: 414;
//! * request bodies (a `Content-Length` above zero, or any `Transfer-Encoding`): 413;
//! * more than the configured number of requests in flight: a request waits at most
//!   [`QUEUE_WAIT`] for a slot, then gets 503 with `Retry-After` (load shedding).
//!
//! Of the requests in flight, only a few work out a page or an answer at once
//! ([`take_turns`], [`default_working_at_once`]); the rest wait their turn, in order.
//!
//! A refusal is an [`AppError`] like any other: a problem document under `/api/`, a page
//! in the site's layout elsewhere (see [`super::error`]).

use std::sync::Arc;
use std::time::Duration;

use axum::body::HttpBody;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use tokio::sync::Semaphore;

use super::error::AppError;

/// Longest request target (path and query) accepted, in bytes. The query string has its
/// own, smaller limit (see `params`), with an error naming it.
pub const MAX_URI_BYTES: usize = 8192;

/// Longest a request waits for a slot when the server is at its limit of requests in
/// flight, before it is shed.
pub const QUEUE_WAIT: Duration = Duration::from_millis(500);

/// Longest time a request may take before the server gives up on it, when not configured
/// (the timeout layer is in [`super::middleware`]).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Requests in flight when not configured: enough to keep every database connection and
/// both cores busy while others render, few enough that a burst is shed, not queued.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 128;

/// Requests that work out an answer at once when not configured: two per core. The work
/// is CPU-bound (bitmaps, the search index, rendering) with short SQLite reads between, so
/// more at once only makes each one slower: with 32 connections sharing two cores, taking
/// turns kept the throughput and halved the slowest answers (p99 308 → 146 ms at a million
/// events, see BENCHMARKS.md).
pub fn default_working_at_once() -> usize {
    2 * std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The middleware that has a route's handler wait its turn among
/// [`default_working_at_once`] (or the configured number); attached below the response
/// cache (see [`super::caching::with_policy`]), so that a kept answer never waits.
pub async fn take_turns(
    State(turns): State<Arc<Semaphore>>,
    request: Request,
    next: Next,
) -> Response {
    // A closed semaphore (never closed today) lets the request through rather than fail.
    let _turn = turns.acquire_owned().await;
    next.run(request).await
}

/// The middleware: refuses what this module describes, then runs the request holding a
/// slot.
pub async fn enforce(
    State(in_flight): State<Arc<Semaphore>>,
    request: Request,
    next: Next,
) -> Response {
    let api = request.uri().path().starts_with("/api/");
    if let Err(err) = check(&request, api) {
        return refuse(err);
    }
    // A free slot is taken at once; only a full server sets a timer and waits.
    let permit = match in_flight.clone().try_acquire_owned() {
        Ok(permit) => Ok(Ok(permit)),
        Err(_) => tokio::time::timeout(QUEUE_WAIT, in_flight.acquire_owned()).await,
    };
    match permit {
        Ok(Ok(permit)) => {
            let response = next.run(request).await;
            drop(permit);
            response
        }
        // Timed out waiting, or the semaphore was closed (shutting down).
        _ => refuse(AppError::Overloaded),
    }
}

fn check(request: &Request, api: bool) -> Result<(), AppError> {
    let method = request.method();
    let allowed =
        method == Method::GET || method == Method::HEAD || (api && method == Method::OPTIONS);
    if !allowed {
        return Err(AppError::MethodNotAllowed);
    }
    let target_len = request
        .uri()
        .path_and_query()
        .map_or(0, |pq| pq.as_str().len());
    if target_len > MAX_URI_BYTES {
        return Err(AppError::UriTooLong {
            len: target_len,
            max: MAX_URI_BYTES,
        });
    }
    let headers = request.headers();
    // The headers say so, or the body itself does (hyper knows an exact length of 0 for a
    // request that declares no body).
    let hint = request.body().size_hint();
    let has_body = headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0")
        || hint.lower() > 0
        || hint.upper() != Some(0);
    if has_body {
        return Err(AppError::BodyNotAllowed);
    }
    Ok(())
}

fn refuse(err: AppError) -> Response {
    let mut response = err.into_response();
    // A refused request's body (if any) was never read: close the connection rather
    // than try to skip it.
    if response.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        response.headers_mut().insert(
            header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    response
}
