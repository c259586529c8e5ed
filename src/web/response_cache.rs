//! A bounded in-memory cache of finished responses. Between two imports every page is a
//! pure function of its address, so a page rendered once can be answered again from memory
//! until the data version changes: the key holds the version, and an import makes every
//! older entry unreachable (they age out as new ones arrive).
//!
//! Only successful GETs of pages and API answers are kept, compressed as they were sent
//! (the key holds `Accept-Encoding`), each at most [`MAX_ENTRY_BYTES`], all of them at most
//! the configured budget; the oldest entries go first. Exports (up to 100,000 events) are
//! streamed and never kept.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;

/// Largest response body kept (a timeline page is about 140 KB before compression).
pub const MAX_ENTRY_BYTES: usize = 512 * 1024;

/// Memory for cached responses when not configured.
pub const DEFAULT_BUDGET_BYTES: usize = 32 * 1024 * 1024;

/// The data version of a request, set by the conditional-GET layer for the layers below.
#[derive(Clone, Copy, Debug)]
pub struct DataVersion(pub i64);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    version: i64,
    target: String,
    accept_encoding: String,
}

struct Entry {
    headers: HeaderMap,
    body: Bytes,
}

/// The cache: entries and their arrival order, under one lock held only to look up or
/// insert.
pub struct ResponseCache {
    budget: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<Key, Entry>,
    order: VecDeque<Key>,
    bytes: usize,
}

impl ResponseCache {
    /// A cache holding at most `budget` bytes of bodies; 0 turns it off.
    pub fn new(budget: usize) -> Self {
        ResponseCache {
            budget,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn get(&self, key: &Key) -> Option<(HeaderMap, Bytes)> {
        let inner = self.inner.lock().ok()?;
        inner
            .entries
            .get(key)
            .map(|e| (e.headers.clone(), e.body.clone()))
    }

    fn put(&self, key: Key, headers: HeaderMap, body: Bytes) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if inner.entries.contains_key(&key) {
            return;
        }
        inner.bytes += body.len();
        inner.order.push_back(key.clone());
        inner.entries.insert(key, Entry { headers, body });
        while inner.bytes > self.budget {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            if let Some(gone) = inner.entries.remove(&oldest) {
                inner.bytes -= gone.body.len();
            }
        }
    }
}

/// Whether responses at `path` may be kept: pages and the API, not exports, probes or
/// static files (which have their own caching).
fn cacheable_path(path: &str) -> bool {
    path == "/" || path.starts_with("/events/") || path.starts_with("/api/")
}

/// The middleware.
pub async fn serve_cached(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let cache = &state.response_cache;
    let version = request.extensions().get::<DataVersion>().copied();
    let eligible =
        cache.budget > 0 && request.method() == Method::GET && cacheable_path(request.uri().path());
    let (Some(DataVersion(version)), true) = (version, eligible) else {
        return next.run(request).await;
    };
    let key = Key {
        version,
        target: request
            .uri()
            .path_and_query()
            .map_or_else(String::new, |pq| pq.as_str().to_string()),
        accept_encoding: request
            .headers()
            .get(axum::http::header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    };
    if let Some((headers, body)) = cache.get(&key) {
        let mut response = Response::new(Body::from(body));
        *response.headers_mut() = headers;
        return response;
    }
    let response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (parts, body) = response.into_parts();
    match axum::body::to_bytes(body, MAX_ENTRY_BYTES).await {
        Ok(bytes) => {
            cache.put(key, parts.headers.clone(), bytes.clone());
            Response::from_parts(parts, Body::from(bytes))
        }
        // Larger than an entry may be: the body was consumed, so say so rather than send
        // half of it. Pages never come near the limit; this is a guard, not a path.
        Err(err) => {
            tracing::error!(%err, "a response was too large to keep and could not be sent");
            axum::response::IntoResponse::into_response(super::error::AppError::Internal)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: i64) -> Key {
        Key {
            version: 1,
            target: format!("/?n={n}"),
            accept_encoding: String::new(),
        }
    }

    #[test]
    fn the_oldest_entries_go_when_the_budget_is_spent() {
        let cache = ResponseCache::new(10);
        cache.put(key(1), HeaderMap::new(), Bytes::from_static(b"aaaa"));
        cache.put(key(2), HeaderMap::new(), Bytes::from_static(b"bbbb"));
        assert!(cache.get(&key(1)).is_some());
        cache.put(key(3), HeaderMap::new(), Bytes::from_static(b"cccc"));
        assert!(cache.get(&key(1)).is_none(), "the oldest went");
        assert!(cache.get(&key(2)).is_some());
        assert!(cache.get(&key(3)).is_some());
    }

    #[test]
    fn another_version_is_another_entry() {
        let cache = ResponseCache::new(100);
        cache.put(key(1), HeaderMap::new(), Bytes::from_static(b"old"));
        let newer = Key {
            version: 2,
            ..key(1)
        };
        assert!(cache.get(&newer).is_none());
    }
}
