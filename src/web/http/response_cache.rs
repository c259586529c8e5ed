//! A bounded in-memory cache of finished responses. Between two imports every page is a
//! pure function of its address, so a page rendered once can be answered again from memory
//! until the data version changes: the key holds the version, and an import makes every
//! older entry unreachable (they age out as new ones arrive).
//!
//! A burst of requests for a page nobody has asked for yet renders it once: the first
//! request renders while the others for the same key wait for it, then read it from the
//! cache (single flight), so a link shared during breaking news does not render 500 times.
//!
//! Only successful GETs of the routes whose [`CachePolicy`] keeps answers (pages and the
//! API; the layer is attached to those routes only, see [`super::caching::with_policy`])
//! are kept, compressed as they were sent (the key holds `Accept-Encoding`), each at most
//! [`MAX_ENTRY_BYTES`], all of them at most the configured budget; the oldest entries go
//! first. A larger answer is sent as it is, and not kept. Exports (up to 100,000 events) are never kept.

use std::collections::{HashMap, VecDeque};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use hyper::body::Frame;

use super::cache_policy::CachePolicy;

/// Largest response body kept (a timeline page is about 140 KB before compression);
/// larger ones are sent without being kept.
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
    /// One lock per key being rendered right now.
    rendering: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>,
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
            rendering: Mutex::new(HashMap::new()),
        }
    }

    /// The lock of `key`'s rendering, shared by every request for it.
    fn render_lock(&self, key: &Key) -> Option<Arc<tokio::sync::Mutex<()>>> {
        let mut rendering = self.rendering.lock().ok()?;
        Some(rendering.entry(key.clone()).or_default().clone())
    }

    /// Forgets `key`'s lock once no other request holds it.
    fn release(&self, key: &Key, lock: Arc<tokio::sync::Mutex<()>>) {
        if let Ok(mut rendering) = self.rendering.lock() {
            // Ours and the map's: nobody else is waiting.
            if Arc::strong_count(&lock) <= 2 {
                rendering.remove(key);
            }
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

/// The middleware.
pub async fn serve_cached(
    State(cache): State<Arc<ResponseCache>>,
    request: Request,
    next: Next,
) -> Response {
    let cache: &ResponseCache = &cache;
    let version = request.extensions().get::<DataVersion>().copied();
    let eligible = cache.budget > 0 && request.method() == Method::GET;
    let (Some(DataVersion(version)), true) = (version, eligible) else {
        return next.run(request).await;
    };
    // The address as the client sent it: inside the nested `/api` router the request's own
    // URI has lost its prefix, and `/api/events/x` must not share `/events/x`'s entry.
    let uri = request
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map_or_else(|| request.uri(), |original| &original.0);
    let key = Key {
        version,
        target: uri
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
    if let Some(response) = cached(cache, &key) {
        return response;
    }
    let Some(lock) = cache.render_lock(&key) else {
        return next.run(request).await;
    };
    let guard = lock.lock().await;
    // Rendered by the request this one waited for?
    if let Some(response) = cached(cache, &key) {
        drop(guard);
        cache.release(&key, lock);
        return response;
    }
    let response = render_and_keep(cache, key.clone(), request, next).await;
    drop(guard);
    cache.release(&key, lock);
    response
}

fn cached(cache: &ResponseCache, key: &Key) -> Option<Response> {
    let (headers, body) = cache.get(key)?;
    let mut response = Response::new(Body::from(body));
    *response.headers_mut() = headers;
    Some(response)
}

async fn render_and_keep(
    cache: &ResponseCache,
    key: Key,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    // A handler may say that this answer, unlike its route's others, is not to be kept.
    let kept = response
        .extensions()
        .get::<CachePolicy>()
        .is_none_or(|policy| policy.keeps());
    if response.status() != StatusCode::OK || !kept {
        return response;
    }
    let (parts, mut body) = response.into_parts();
    // Known to be too large: sent as it comes, not kept.
    if body
        .size_hint()
        .exact()
        .is_some_and(|n| n > MAX_ENTRY_BYTES as u64)
    {
        return Response::from_parts(parts, body);
    }
    let mut frames = VecDeque::new();
    let mut size = 0;
    loop {
        match std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
            Some(Ok(frame)) => {
                size += frame.data_ref().map_or(0, Bytes::len);
                frames.push_back(frame);
                if size > MAX_ENTRY_BYTES {
                    // Larger than an entry may be: send what was read and the rest as it
                    // comes, and keep nothing.
                    tracing::debug!(at_least = size, "a response too large to keep");
                    let replay = Replay { frames, rest: body };
                    return Response::from_parts(parts, Body::new(replay));
                }
            }
            Some(Err(err)) => {
                // The body failed while it was made: the client gets the same broken
                // body it would have got without the cache, and nothing is kept.
                tracing::warn!(%err, "a response body failed while it was read for the cache");
                frames.clear();
                let failed = Replay {
                    frames,
                    // The rest: a body that fails with the same error.
                    rest: Body::from_stream(futures_util::stream::iter([Err::<Bytes, _>(err)])),
                };
                return Response::from_parts(parts, Body::new(failed));
            }
            None => break,
        }
    }
    let mut bytes = Vec::with_capacity(size);
    for frame in &frames {
        if let Some(data) = frame.data_ref() {
            bytes.extend_from_slice(data);
        }
    }
    let bytes = Bytes::from(bytes);
    cache.put(key, parts.headers.clone(), bytes.clone());
    Response::from_parts(parts, Body::from(bytes))
}

/// A body of which the first frames were already read: those again, then the rest.
struct Replay {
    frames: VecDeque<Frame<Bytes>>,
    rest: Body,
}

impl HttpBody for Replay {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        if let Some(frame) = self.frames.pop_front() {
            return Poll::Ready(Some(Ok(frame)));
        }
        Pin::new(&mut self.rest).poll_frame(cx)
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        let buffered: usize = self
            .frames
            .iter()
            .map(|f| f.data_ref().map_or(0, Bytes::len))
            .sum();
        let rest = self.rest.size_hint();
        let mut hint = hyper::body::SizeHint::new();
        hint.set_lower(rest.lower() + buffered as u64);
        if let Some(upper) = rest.upper() {
            hint.set_upper(upper + buffered as u64);
        }
        hint
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::AppState;

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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_for_one_page_renders_it_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use tower::ServiceExt;

        let renders = Arc::new(AtomicUsize::new(0));
        let counter = renders.clone();
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .connect_lazy("sqlite::memory:")
            .expect("lazy pool");
        let state = AppState::new(pool, crate::web::Config::new("http://x"));
        let app = axum::Router::new()
            .route(
                "/",
                axum::routing::get(move || {
                    let counter = counter.clone();
                    async move {
                        counter.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        "page"
                    }
                }),
            )
            .layer(axum::middleware::from_fn_with_state(
                state.response_cache.clone(),
                serve_cached,
            ))
            .layer(axum::middleware::from_fn(
                |mut request: Request, next: Next| async move {
                    request.extensions_mut().insert(DataVersion(1));
                    next.run(request).await
                },
            ));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let app = app.clone();
            tasks.push(tokio::spawn(async move {
                let request = Request::get("/").body(Body::empty()).expect("request");
                let response = app.oneshot(request).await.expect("infallible");
                axum::body::to_bytes(response.into_body(), 1024)
                    .await
                    .expect("body")
            }));
        }
        for task in tasks {
            assert_eq!(task.await.expect("join"), "page");
        }
        assert_eq!(
            renders.load(Ordering::SeqCst),
            1,
            "rendered once, kept for the rest"
        );
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
