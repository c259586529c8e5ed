//! HTTP caching of pages, API answers and exports. Everything they show derives from the
//! database, which changes only when an import commits and bumps `dataset_version`.
//!
//! Each route says how its answers may be stored: a [`CachePolicy`] attached in the route
//! table ([`with_policy`]), which a handler may override by putting another one in its
//! response's extensions. One middleware, [`apply_policy`], turns the policy into headers;
//! handlers never write `Cache-Control` themselves (a debug assertion checks it). So:
//! * every successful answer that follows the data carries a weak ETag made of the data
//!   version and the build (a new binary may render the same data differently), and
//!   `Cache-Control` lets browsers and shared caches (nginx, a CDN) reuse it for a minute
//!   and then revalidate;
//! * a request whose `If-None-Match` holds the current ETag gets 304, but only where the
//!   answer would have been 200: a 404 or a 400 is answered as such, never as "not
//!   modified" (kept pages come from the response cache, so revalidating them stays cheap);
//! * errors, refusals, redirects and probes are never stored.
//!
//! Several servers over one database file compute the same ETag, so a cache in front of
//! any number of them revalidates against whichever answers.

use std::io::Read;
use std::sync::OnceLock;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use sha2::{Digest, Sha256};
use tower_http::compression::CompressionLayer;

pub use super::cache_policy::{CachePolicy, NO_STORE};
use super::response_cache::{self, DataVersion};
use super::state::AppState;

/// Attaches `policy` to `route`, with the layers it calls for: the data version read
/// before the handler (for the ETag and the response cache's key), the response cache
/// where the policy keeps answers, and compression where the handler does not compress.
pub fn with_policy(
    state: &AppState,
    policy: CachePolicy,
    route: MethodRouter<AppState>,
) -> MethodRouter<AppState> {
    let route = if policy.follows_data() {
        // Compressing is work too: it takes its turn with the handler.
        route
            .layer(CompressionLayer::new())
            .layer(axum::middleware::from_fn_with_state(
                state.turns.clone(),
                super::limits::take_turns,
            ))
    } else {
        route
    };
    let route = if policy.keeps() {
        route.layer(axum::middleware::from_fn_with_state(
            state.response_cache.clone(),
            response_cache::serve_cached,
        ))
    } else {
        route
    };
    route.layer(axum::middleware::from_fn_with_state(
        state.clone(),
        move |state: State<AppState>, request: Request, next: Next| {
            attach(policy, state, request, next)
        },
    ))
}

/// The route's side of [`with_policy`]: the policy and data version go into the request
/// (for the layers below) and into the response (for [`apply_policy`]).
async fn attach(
    policy: CachePolicy,
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    request.extensions_mut().insert(policy);
    let version = if policy.follows_data() {
        // No version, no validator: answer normally and let the handler report the fault.
        state.data_version.current(&state.db).await.ok()
    } else {
        None
    };
    if let Some(version) = version {
        request.extensions_mut().insert(DataVersion(version));
    }
    let mut response = next.run(request).await;
    let extensions = response.extensions_mut();
    // A handler's own policy wins over its route's.
    if extensions.get::<CachePolicy>().is_none() {
        extensions.insert(policy);
    }
    if let Some(version) = version {
        extensions.insert(DataVersion(version));
    }
    response
}

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

/// Whether an `If-None-Match` header value names `etag` (weak comparison, lists and `*`).
fn matches(if_none_match: &str, etag: &str) -> bool {
    let bare = etag.trim_start_matches("W/");
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == bare)
}

/// The middleware: turns each response's [`CachePolicy`] into `Cache-Control`, `ETag` and
/// `Vary`, and answers 304 to a revalidation of what would have been a 200.
pub async fn apply_policy(request: Request, next: Next) -> Response {
    let method = request.method();
    let conditional = method == Method::GET || method == Method::HEAD;
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    let mut response = next.run(request).await;
    debug_assert!(
        !response.headers().contains_key(header::CACHE_CONTROL),
        "a handler set Cache-Control itself; attach a CachePolicy instead"
    );
    let policy = match response.extensions().get::<CachePolicy>() {
        Some(&policy) if response.status().is_success() => policy,
        _ => CachePolicy::NoStore,
    };
    let version = response.extensions().get::<DataVersion>().copied();
    let tag = match version {
        Some(DataVersion(version)) if policy.follows_data() => {
            build_id_ready().await;
            etag(version)
        }
        _ => {
            let value = HeaderValue::from_static(policy.cache_control());
            response.headers_mut().insert(header::CACHE_CONTROL, value);
            return response;
        }
    };
    let revalidated = conditional
        && response.status() == StatusCode::OK
        && if_none_match
            .as_ref()
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| matches(v, &tag));
    if revalidated {
        // The answer is dropped unsent: for a streamed download that stops its work.
        response = StatusCode::NOT_MODIFIED.into_response();
    }
    set_validators(&mut response, &tag, policy);
    response
}

fn set_validators(response: &mut Response, tag: &str, policy: CachePolicy) {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(tag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(policy.cache_control()),
    );
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
    use crate::web::http::cache_policy::PAGE_CACHE_CONTROL;

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

    /// A real database (migrated, empty) behind a state, and a router of test routes
    /// under the policy layers and [`apply_policy`].
    async fn app_with(
        routes: impl FnOnce(&AppState) -> axum::Router<AppState>,
    ) -> (axum::Router, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("test.db");
        let pool = crate::db::open_read_write(&path).await.expect("open");
        crate::db::migrate(&pool, &path).await.expect("migrate");
        let state = AppState::new(pool, crate::web::Config::new("http://x"));
        let app = routes(&state)
            .with_state(state)
            .layer(axum::middleware::from_fn(apply_policy));
        (app, dir)
    }

    async fn send(app: &axum::Router, uri: &str, if_none_match: Option<&str>) -> Response {
        use tower::ServiceExt;
        let mut request = Request::get(uri);
        if let Some(tag) = if_none_match {
            request = request.header(header::IF_NONE_MATCH, tag);
        }
        let request = request.body(axum::body::Body::empty()).expect("request");
        app.clone().oneshot(request).await.expect("infallible")
    }

    fn cache_control(response: &Response) -> Option<&str> {
        response
            .headers()
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
    }

    #[tokio::test]
    async fn the_route_policy_decides_keeping_and_a_handler_may_override_it() {
        use axum::routing::get;
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        // A route that counts how often its handler runs.
        let counted = |renders: &Arc<AtomicUsize>| {
            let renders = renders.clone();
            get(move || async move {
                renders.fetch_add(1, Ordering::SeqCst);
                "answer"
            })
        };
        let page_renders = Arc::new(AtomicUsize::new(0));
        let download_renders = Arc::new(AtomicUsize::new(0));
        let (pages, downloads) = (page_renders.clone(), download_renders.clone());
        let (app, _dir) = app_with(move |state| {
            axum::Router::new()
                .route(
                    "/page",
                    with_policy(state, CachePolicy::FollowsData, counted(&pages)),
                )
                .route(
                    "/download",
                    with_policy(state, CachePolicy::Download, counted(&downloads)),
                )
                .route(
                    "/private",
                    with_policy(
                        state,
                        CachePolicy::FollowsData,
                        get(|| async {
                            let mut response = "mine".into_response();
                            response.extensions_mut().insert(CachePolicy::NoStore);
                            response
                        }),
                    ),
                )
                .route(
                    "/missing",
                    with_policy(
                        state,
                        CachePolicy::FollowsData,
                        get(|| async { StatusCode::NOT_FOUND }),
                    ),
                )
        })
        .await;
        for _ in 0..3 {
            for uri in ["/page", "/download"] {
                let response = send(&app, uri, None).await;
                assert_eq!(response.status(), StatusCode::OK);
                assert_eq!(cache_control(&response), Some(PAGE_CACHE_CONTROL), "{uri}");
                assert!(response.headers().contains_key(header::ETAG), "{uri}");
            }
        }
        assert_eq!(page_renders.load(Ordering::SeqCst), 1, "a page is kept");
        assert_eq!(
            download_renders.load(Ordering::SeqCst),
            3,
            "a download is not"
        );

        let private = send(&app, "/private", None).await;
        assert_eq!(cache_control(&private), Some(NO_STORE));
        assert!(!private.headers().contains_key(header::ETAG));

        for tag in ["*", "W/\"0-x\""] {
            let missing = send(&app, "/missing", Some(tag)).await;
            assert_eq!(missing.status(), StatusCode::NOT_FOUND, "never 304");
            assert_eq!(cache_control(&missing), Some(NO_STORE));
        }
        let revalidated = send(&app, "/download", Some("*")).await;
        assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);
        assert!(revalidated.headers().contains_key(header::ETAG));
    }

    #[cfg(debug_assertions)]
    #[tokio::test]
    #[should_panic(expected = "attach a CachePolicy instead")]
    async fn a_handler_that_sets_cache_control_itself_trips_the_debug_assertion() {
        use axum::routing::get;
        let (app, _dir) = app_with(|state| {
            axum::Router::new().route(
                "/",
                with_policy(
                    state,
                    CachePolicy::FollowsData,
                    get(|| async { ([(header::CACHE_CONTROL, "max-age=5")], "mine") }),
                ),
            )
        })
        .await;
        let _ = send(&app, "/", None).await;
    }
}
