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

/// `GET /readyz`: the database file is there and readable and the database answers, so
/// requests can be served; 503 once the server is stopping (during its drain period it
/// still serves everything else). Open connections go on reading a deleted file, so the
/// file itself is looked at: a server whose file is gone is not ready, whatever it still
/// has open.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    if state.stopping.load(std::sync::atomic::Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n");
    }
    if let Some(path) = &state.config.db_path
        && let Err(err) = std::fs::File::open(path)
    {
        tracing::warn!(%err, db = %path.display(), "readiness check failed: the database file");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "database file missing or unreadable\n",
        );
    }
    // A query that reads the file (through a connection on the file now at the path).
    match queries::dataset_stamp(&state.db).await.map(|_| ()) {
        Ok(()) => (StatusCode::OK, "ready\n"),
        Err(err) => {
            tracing::warn!(%err, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}
