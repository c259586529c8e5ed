//! The whole URL space in one place. Each path maps to a handler in the module named for
//! the page; [`router`] also installs the middleware stack.

use axum::Router;
use axum::routing::get;

use super::{AppState, assets, error, event_page, health, middleware, timeline};

/// Builds the application: routes, fallback, state and middleware.
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .route("/", get(timeline::show_timeline))
        .route("/events/{slug}", get(event_page::show_event))
        .route("/static/{file}", get(assets::serve_asset))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .fallback(error::not_found)
        .with_state(state);
    middleware::apply(routes)
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
            super::super::Config {
                public_url: "http://x".into(),
            },
        ));
    }
}
