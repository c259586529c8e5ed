//! The whole URL space in one place. Each path maps to a handler in the module named for
//! the page, with the cache policy its answers follow; [`router`] also installs the
//! middleware stack and, above it, the one place where errors become pages or problem
//! documents.

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{MethodRouter, get};
use tower_http::cors::{Any, CorsLayer};

use super::api::{
    changes, conflicts, events, exports, histogram_api, oembed, openapi, places_api, problem,
};
use super::http::caching::{self, CachePolicy};
use super::http::error::{self, ErrorInfo};
use super::http::state::AppState;
use super::http::{assets, health, middleware};
use super::pages::{
    about, cite, embed, error_page, event_page, history, places, share_image, timeline,
};

/// Where the JSON API lives: errors under it are problem documents.
pub const API_PREFIX: &str = "/api";

/// Builds the application: routes, fallback, state and middleware.
pub fn router(state: AppState) -> Router {
    let page = |route| caching::with_policy(&state, CachePolicy::FollowsData, route);
    let mut routes = Router::new()
        .route("/", page(get(timeline::show_timeline)))
        .route("/search", get(timeline::redirect_search))
        .route("/events/{slug}", page(get(event_page::show_event)))
        .route("/events/{slug}/history", page(get(history::show_history)))
        .route("/changes", page(get(history::show_changes)))
        .route("/changes.atom", page(get(history::changes_atom)))
        .route("/about", page(get(about::show_about)))
        .route("/places", page(get(places::list_places)))
        .route("/places/{slug}", page(get(places::show_place)))
        .route("/events/{slug}/cite.bib", get(cite::event_bib))
        .route("/events/{slug}/cite.ris", get(cite::event_ris))
        .route("/events/{slug}/cite.json", get(cite::event_json))
        .route(
            "/events/{slug}/card.png",
            page(get(share_image::event_card)),
        )
        .route("/cite.bib", get(cite::dataset_bib))
        .route("/cite.ris", get(cite::dataset_ris))
        .route("/cite.json", get(cite::dataset_json))
        .route("/embed", page(get(embed::show_embed)))
        .route("/share/view.png", page(get(share_image::view_card)));
    for (path, route) in documented_routes(&state) {
        if !path.starts_with(API_PREFIX) {
            routes = routes.route(path, route);
        }
    }
    let routes = routes
        .nest(API_PREFIX, api_routes(&state))
        .route(
            "/static/{file}",
            caching::with_policy(&state, CachePolicy::Immutable, get(assets::serve_asset)),
        )
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .fallback(error::not_found)
        .with_state(state.clone());
    with_stack(routes, state)
}

/// The middleware stack around `routes`, and the error renderer around the stack.
fn with_stack(routes: Router, state: AppState) -> Router {
    middleware::apply(routes, state).layer(axum::middleware::from_fn(render_errors))
}

/// Every route the OpenAPI document describes, with its full path (the API's and the
/// exports): the router is built from this list, and a test holds the document to it.
fn documented_routes(state: &AppState) -> Vec<(&'static str, MethodRouter<AppState>)> {
    let answer = |route| caching::with_policy(state, CachePolicy::FollowsData, route);
    let download = |route| caching::with_policy(state, CachePolicy::Download, route);
    vec![
        ("/api/events", answer(get(events::list_events))),
        ("/api/events/{slug}", answer(get(events::show_event))),
        ("/api/conflicts", answer(get(conflicts::list_conflicts))),
        ("/api/places", answer(get(places_api::list_places))),
        ("/api/places/{slug}", answer(get(places_api::show_place))),
        ("/api/changes", answer(get(changes::list_changes))),
        ("/api/histogram", answer(get(histogram_api::histogram))),
        ("/api/openapi.json", answer(get(openapi::openapi_json))),
        ("/oembed", answer(get(oembed::oembed))),
        ("/export/events.csv", download(get(exports::events_csv))),
        ("/export/events.ics", download(get(exports::events_ics))),
        ("/export/events.atom", download(get(exports::events_atom))),
        (
            "/export/timelinejs.json",
            download(get(exports::timelinejs)),
        ),
    ]
}

/// `/api/…`: JSON only (problem documents for errors and unknown paths), readable from any
/// origin. CORS is set here and nowhere else, so the HTML pages stay same-origin.
fn api_routes(state: &AppState) -> Router<AppState> {
    let mut routes = Router::new();
    for (path, route) in documented_routes(state) {
        if let Some(rest) = path.strip_prefix(API_PREFIX) {
            routes = routes.route(rest, route);
        }
    }
    routes.fallback(problem::api_not_found).layer(
        CorsLayer::new()
            .allow_origin(Any)
            .allow_methods([Method::GET, Method::HEAD]),
    )
}

/// The renderer of every error, whichever layer or handler it came from: an answer
/// carrying an [`ErrorInfo`] gets its body here, a problem document under
/// [`API_PREFIX`] and the HTML error page elsewhere, and is never stored.
async fn render_errors(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    // oEmbed is read by programs, like the API: its errors are problem documents too.
    let api = path == "/oembed"
        || path
            .strip_prefix(API_PREFIX)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    let response = next.run(request).await;
    let Some(info) = response.extensions().get::<ErrorInfo>().cloned() else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    let (media_type, body) = if api {
        problem::render(&info)
    } else {
        error_page::render(&info)
    };
    let headers = &mut parts.headers;
    headers.remove(header::CONTENT_ENCODING);
    headers.remove(header::CONTENT_LENGTH);
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(caching::NO_STORE),
    );
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::time::Duration;

    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use tower::ServiceExt;

    fn state_with(config: crate::web::Config) -> super::AppState {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .connect_lazy("sqlite::memory:")
            .expect("lazy pool");
        super::AppState::new(pool, config)
    }

    fn state() -> super::AppState {
        state_with(crate::web::Config::new("http://x"))
    }

    async fn slow() -> &'static str {
        tokio::time::sleep(Duration::from_secs(30)).await;
        "too late"
    }

    /// Issue 14, item 7: the timeout answers through the error core, as a page or, under
    /// `/api/`, as a problem document; never stored, with `Retry-After`.
    #[tokio::test]
    async fn a_timed_out_request_answers_a_proper_503() {
        let config = crate::web::Config {
            request_timeout: Duration::from_millis(50),
            ..crate::web::Config::new("http://x")
        };
        let state = state_with(config);
        let routes = Router::new()
            .route("/slow", get(slow))
            .nest(super::API_PREFIX, Router::new().route("/slow", get(slow)))
            .with_state(state.clone());
        let app = super::with_stack(routes, state);
        for (uri, media_type) in [
            ("/slow", "text/html; charset=utf-8"),
            ("/api/slow", "application/problem+json"),
        ] {
            let started = std::time::Instant::now();
            let request = Request::get(uri).body(Body::empty()).expect("request");
            let response = app.clone().oneshot(request).await.expect("infallible");
            assert!(started.elapsed() < Duration::from_secs(10), "{uri}");
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE, "{uri}");
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            assert_eq!(header("content-type").as_deref(), Some(media_type), "{uri}");
            assert_eq!(
                header("cache-control").as_deref(),
                Some("no-store"),
                "{uri}"
            );
            assert_eq!(header("retry-after").as_deref(), Some("1"), "{uri}");
            let body = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .expect("body");
            let body = String::from_utf8(body.to_vec()).expect("utf-8");
            assert!(body.contains("took too long"), "{uri}: {body}");
            if uri.starts_with("/api/") {
                let problem: serde_json::Value = serde_json::from_str(&body).expect("json");
                assert_eq!(problem["status"], 503);
                assert_eq!(problem["title"], "Service Unavailable");
                assert_eq!(problem["type"], "about:blank");
            } else {
                assert!(body.contains("<h1 id=\"error-heading\">Service Unavailable</h1>"));
            }
        }
    }

    #[tokio::test]
    async fn the_route_table_builds() {
        // A malformed path pattern panics when the router is built; building it here turns
        // that into a test failure instead of a crash at start-up.
        let _ = super::router(state());
    }

    #[tokio::test]
    async fn the_openapi_document_lists_exactly_the_documented_routes() {
        let routed: BTreeSet<String> = super::documented_routes(&state())
            .into_iter()
            .map(|(path, _)| path.to_string())
            .collect();
        let documented: BTreeSet<String> = crate::web::api::openapi::document("http://x")
            .paths
            .paths
            .keys()
            .cloned()
            .collect();
        assert_eq!(routed, documented);
    }
}
