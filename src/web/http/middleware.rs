//! The middleware stack, outermost first:
//! 1. request id: every request gets `x-request-id` (kept if the client or a proxy sent a
//!    sane one: see [`acceptable_request_id`]; otherwise replaced by a fresh one);
//! 2. trace: one span per request with method, path and request id, and a log line with
//!    status and latency;
//! 3. propagate the request id to the response;
//! 4. security headers on every response, whichever layer below produced it (refusals,
//!    timeouts and panic pages included);
//! 5. catch panics: a bug becomes a logged 500 page, never a dropped connection;
//! 6. the cache policy: `Cache-Control`, ETag and 304 (see [`super::caching`]);
//! 7. limits: methods, address length, request bodies, requests in flight (see
//!    [`super::limits`]);
//! 8. timeout: a request that takes longer than the configured timeout (by default
//!    [`super::limits::REQUEST_TIMEOUT`]) is dropped and answers [`AppError::TimedOut`], a 503.
//!    The body is not timed: an export's download streams for as long as the client
//!    reads, each page of it under its own budget (see `api::exports`).
//! 9. the query budget: every statement the request runs stops when the request is
//!    abandoned (timed out, or its client gone) or has spent its budget (see
//!    [`crate::db::budget`]), so no connection works for nobody.
//!
//! Per route, below these, come the layers its cache policy calls for (the response
//! cache, compression: see [`super::caching::with_policy`]); above all of them, the
//! router renders errors as pages or problem documents (see [`super::error`]).

use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Request, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use super::error::AppError;
use super::state::AppState;
use super::{caching, limits};
use crate::db::budget::Budget;

/// The timeout layer: the request's future is dropped when its time is up (which stops
/// its work at the next await), and the client gets the error core's 503.
async fn time_limit(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(state.config.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => AppError::TimedOut.into_response(),
    }
}

/// No inline script or style anywhere (JSON-LD is a data block, which CSP does not treat as
/// script); nothing loaded from other origins; the site cannot be framed (the embed view
/// sends its own policy, which [`allows_framing`] recognises).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; \
     base-uri 'none'; frame-ancestors 'none'";

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Request ids: a per-process prefix (start time) and a counter, short and unique enough to
/// find one request in the logs.
#[derive(Clone)]
struct CountingRequestId {
    prefix: u32,
}

static REQUEST_COUNTER: AtomicU64 = AtomicU64::new(0);

impl MakeRequestId for CountingRequestId {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        let n = REQUEST_COUNTER.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{:08x}-{n:x}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

/// Longest request id kept from a client or proxy.
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// Whether a request id sent by a client or proxy is kept: 1 to [`MAX_REQUEST_ID_LEN`]
/// bytes of letters, digits and `-_.:/+=` (UUIDs, hex and base64 ids, trace ids), nothing
/// that could forge a log line or bloat every response.
pub fn acceptable_request_id(value: &[u8]) -> bool {
    (1..=MAX_REQUEST_ID_LEN).contains(&value.len())
        && value
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(b))
}

/// Drops every `x-request-id` the client sent unless there is exactly one and it is
/// acceptable: the next layer then makes a fresh one.
async fn screen_request_id(
    mut request: Request<axum::body::Body>,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let headers = request.headers();
    let mut values = headers.get_all(&X_REQUEST_ID).iter();
    let keep = match (values.next(), values.next()) {
        (None, _) => true,
        (Some(one), None) => acceptable_request_id(one.as_bytes()),
        (Some(_), Some(_)) => false,
    };
    if !keep {
        request.headers_mut().remove(&X_REQUEST_ID);
    }
    next.run(request).await
}

/// `X-Frame-Options: DENY`, unless the response's own policy allows framing.
fn deny_framing<B>(response: &axum::http::Response<B>) -> Option<HeaderValue> {
    (!allows_framing(response.headers())).then(|| HeaderValue::from_static("DENY"))
}

/// Whether a response has said other sites may frame it (its policy allows any ancestor);
/// the security-header layer then sends no `X-Frame-Options`, which would forbid it.
pub fn allows_framing(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|policy| {
            policy
                .split(';')
                .any(|directive| directive.trim() == "frame-ancestors *")
        })
}

/// Wraps the routes in the stack described at the top of this module.
pub fn apply(routes: Router, state: AppState) -> Router {
    let prefix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as u32)
        .unwrap_or(0);
    let trace = TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
        let request_id = request
            .headers()
            .get(&X_REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id)
    });
    let security_headers = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(
                "camera=(), microphone=(), geolocation=(), interest-cohort=()",
            ),
        ))
        // Only a response whose own policy lets any site frame it (the embed view) goes
        // without; everything else is DENY.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            deny_framing,
        ));
    routes.layer(
        ServiceBuilder::new()
            .layer(axum::middleware::from_fn(screen_request_id))
            .layer(SetRequestIdLayer::new(
                X_REQUEST_ID,
                CountingRequestId { prefix },
            ))
            .layer(trace)
            .layer(PropagateRequestIdLayer::new(X_REQUEST_ID))
            .layer(security_headers)
            .layer(CatchPanicLayer::custom(
                |_panic: Box<dyn std::any::Any + Send>| {
                    tracing::error!("a request handler panicked");
                    AppError::Internal.into_response()
                },
            ))
            .layer(axum::middleware::from_fn(caching::apply_policy))
            .layer(axum::middleware::from_fn_with_state(
                state.in_flight.clone(),
                limits::enforce,
            ))
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                time_limit,
            ))
            .layer(axum::middleware::from_fn_with_state(
                state,
                |State(state): State<AppState>,
                 request: Request<axum::body::Body>,
                 next: axum::middleware::Next| {
                    Budget::new(state.config.request_timeout).scope(next.run(request))
                },
            )),
    )
}
