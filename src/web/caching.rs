//! HTTP caching of pages, API answers and exports. Everything they show derives from the
//! database, which changes only when an import commits and bumps `dataset_version`. So:
//! * every successful GET carries a weak ETag made of the data version and the build (a new
//!   binary may render the same data differently);
//! * a request whose `If-None-Match` holds the current ETag gets 304 without running its
//!   handler, so revalidation costs one indexed read;
//! * `Cache-Control` lets browsers and shared caches (nginx, a CDN) reuse an answer for a
//!   minute and then revalidate; errors and probes are not stored.
//!
//! Several servers over one database file compute the same ETag, so a cache in front of
//! any number of them revalidates against whichever answers.

use std::io::Read;
use std::sync::OnceLock;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::AppState;

/// How long pages, API answers and exports may be reused before revalidating.
pub const PAGE_CACHE_CONTROL: &str = "public, max-age=60, stale-while-revalidate=60";
/// Errors, health probes, shed requests: always asked afresh.
pub const NO_STORE: &str = "no-store";

/// Identifies the running build: a digest of the executable, so two copies of the same
/// binary agree and a rebuilt one differs. Falls back to the package version.
static BUILD_ID: OnceLock<String> = OnceLock::new();

fn build_id() -> &'static str {
    BUILD_ID.get_or_init(|| {
        std::env::current_exe()
            .and_then(std::fs::File::open)
            .and_then(|mut file| {
                let mut hasher = Sha256::new();
                let mut buffer = vec![0u8; 1 << 16];
                loop {
                    let n = file.read(&mut buffer)?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buffer[..n]);
                }
                Ok(hasher.finalize()[..4]
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect())
            })
            .unwrap_or_else(|_| env!("CARGO_PKG_VERSION").to_string())
    })
}

/// Computes the build id now (it reads the executable once), so that the first request
/// does not pay for it.
pub fn warm_up() {
    build_id();
}

/// Waits, off the runtime's threads, for the build id: a request must not block a worker
/// thread (and every other request and timer on it) while the executable is read.
async fn build_id_ready() {
    if BUILD_ID.get().is_none() {
        let _ = tokio::task::spawn_blocking(warm_up).await;
    }
}

/// The ETag of every page at data version `version`.
pub fn etag(version: i64) -> String {
    format!("W/\"{version}-{}\"", build_id())
}

fn is_probe_or_asset(path: &str) -> bool {
    path.starts_with("/static/") || path == "/healthz" || path == "/readyz"
}

/// Whether an `If-None-Match` header value names `etag` (weak comparison, lists and `*`).
fn matches(if_none_match: &str, etag: &str) -> bool {
    let bare = etag.trim_start_matches("W/");
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == bare)
}

/// The middleware.
pub async fn conditional_get(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let cacheable = (request.method() == Method::GET || request.method() == Method::HEAD)
        && !is_probe_or_asset(path);
    if !cacheable {
        let mut response = next.run(request).await;
        if !response.headers().contains_key(header::CACHE_CONTROL) {
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static(NO_STORE));
        }
        return response;
    }
    build_id_ready().await;
    let (tag, version) = match state.data_version.current(&state.db).await {
        Ok(version) => (etag(version), version),
        // No version, no validator: answer normally and let the handler report the fault.
        Err(_) => return next.run(request).await,
    };
    let revalidating = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| matches(v, &tag));
    if revalidating {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        set_validators(&mut response, &tag);
        return response;
    }
    let mut request = request;
    request
        .extensions_mut()
        .insert(super::response_cache::DataVersion(version));
    let mut response = next.run(request).await;
    if response.status().is_success() {
        set_validators(&mut response, &tag);
    } else if !response.headers().contains_key(header::CACHE_CONTROL) {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(NO_STORE));
    }
    response
}

fn set_validators(response: &mut Response, tag: &str) {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(tag) {
        headers.insert(header::ETAG, value);
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(PAGE_CACHE_CONTROL),
        );
    }
    let varies = headers.get_all(header::VARY).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
    });
    if !varies {
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_and_reads_lists() {
        let tag = etag(7);
        assert!(matches(&tag, &tag));
        assert!(matches(tag.trim_start_matches("W/"), &tag));
        assert!(matches(&format!("\"other\", {tag}"), &tag));
        assert!(matches("*", &tag));
        assert!(!matches(&etag(8), &tag));
        assert!(!matches("", &tag));
    }
}
