//! The whole URL space in one place. Each path maps to a handler in the module named for
//! the page; [`router`] also installs the middleware stack.

use axum::Router;
use axum::http::Method;
use axum::routing::get;
use tower_http::cors::{Any, CorsLayer};

use super::{
    AppState, api, assets, cite, embed, error, event_page, exports, health, histogram_api,
    middleware, oembed, openapi, problem, share_image, timeline,
};

/// Builds the application: routes, fallback, state and middleware.
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .route("/", get(timeline::show_timeline))
        .route("/search", get(timeline::redirect_search))
        .route("/events/{slug}", get(event_page::show_event))
        .route("/events/{slug}/cite.bib", get(cite::event_bib))
        .route("/events/{slug}/cite.ris", get(cite::event_ris))
        .route("/events/{slug}/cite.json", get(cite::event_json))
        .route("/events/{slug}/card.png", get(share_image::event_card))
        .route("/cite.bib", get(cite::dataset_bib))
        .route("/cite.ris", get(cite::dataset_ris))
        .route("/cite.json", get(cite::dataset_json))
        .route("/embed", get(embed::show_embed))
        .route("/oembed", get(oembed::oembed))
        .route("/share/view.png", get(share_image::view_card))
        .route("/export/events.csv", get(exports::events_csv))
        .route("/export/events.ics", get(exports::events_ics))
        .route("/export/events.atom", get(exports::events_atom))
        .route("/export/timelinejs.json", get(exports::timelinejs))
        .nest("/api", api_routes())
        .route("/static/{file}", get(assets::serve_asset))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .fallback(error::not_found)
        .with_state(state.clone());
    middleware::apply(routes, state)
}

/// `/api/…`: JSON only (problem documents for errors and unknown paths), readable from any
/// origin. CORS is set here and nowhere else, so the HTML pages stay same-origin.
fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/events", get(api::list_events))
        .route("/events/{slug}", get(api::show_event))
        .route("/conflicts", get(api::list_conflicts))
        .route("/histogram", get(histogram_api::histogram))
        .route("/openapi.json", get(openapi::openapi_json))
        .fallback(problem::api_not_found)
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::HEAD]),
        )
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_route_table_builds() {
        // A malformed path pattern panics when the router is built; building it here turns
        // that into a test failure instead of a crash at start-up.
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .connect_lazy("sqlite::memory:")
            .expect("lazy pool");
        let _ = super::router(super::AppState::new(
            pool,
            super::super::Config::new("http://x"),
        ));
    }
}
