//! The middleware stack, outermost first:
//! 1. request id: every request gets `x-request-id` (kept if the client or a proxy sent one);
//! 2. trace: one span per request with method, path and request id, and a log line with
//!    status and latency;
//! 3. propagate the request id to the response;
//! 4. security headers on every response, whichever layer below produced it (refusals,
//!    timeouts and panic pages included);
//! 5. catch panics: a bug becomes a logged 500 page, never a dropped connection;
//! 6. limits: methods, address length, request bodies, requests in flight (see
//!    [`super::limits`]);
//! 7. timeout: a request that takes longer than [`REQUEST_TIMEOUT`] gets a 503;
//! 8. conditional GET: ETag, Cache-Control and 304 (see [`super::caching`]);
//! 9. the response cache: pages already rendered for this data version (see
//!    [`super::response_cache`]);
//! 10. compression (brotli, gzip) of HTML and other text, static files excepted (they
//!     are precompressed).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use axum::response::IntoResponse;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use super::AppState;
use super::error::AppError;
use super::{caching, limits, response_cache};

/// Longest time a request may take before the server gives up on it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// No inline script or style anywhere (JSON-LD is a data block, which CSP does not treat as
/// script); nothing loaded from other origins; the site cannot be framed (the embed view
/// sends its own policy, see [`super::embed`]).
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

/// `X-Frame-Options: DENY`, unless the response's own policy allows framing.
fn deny_framing<B>(response: &axum::http::Response<B>) -> Option<HeaderValue> {
    (!super::embed::allows_framing(response.headers())).then(|| HeaderValue::from_static("DENY"))
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
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                limits::enforce,
            ))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                REQUEST_TIMEOUT,
            ))
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                caching::conditional_get,
            ))
            .layer(axum::middleware::from_fn_with_state(
                state,
                response_cache::serve_cached,
            ))
            .layer(CompressionLayer::new()),
    )
}
