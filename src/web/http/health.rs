//! Probes for operators and orchestrators.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use super::state::AppState;
use crate::db::queries;

/// `GET /healthz`: the process is up and answering.
pub async fn healthz() -> impl IntoResponse {
    "ok\n"
}

/// `GET /readyz`: the database answers, so requests can be served; 503 once the server is
/// stopping (during its drain period it still serves everything else).
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.stopping.load(std::sync::atomic::Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n");
    }
    match queries::ping(&state.db).await {
        Ok(()) => (StatusCode::OK, "ready\n"),
        Err(err) => {
            tracing::warn!(%err, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}
