//! What a request may spend in SQLite, and the stop when nobody waits any more.
//!
//! sqlx runs each connection's statements on a thread of its own. When the future that
//! asked for a statement is dropped (a request timed out, its client went away), that
//! thread does not know: a statement that sorts every match before its first row goes on
//! for as long as it takes, its connection stays busy, and shutdown waits for it. So every
//! connection of the serving pool carries a SQLite progress handler, installed each time
//! the pool hands the connection out ([`install`]). The handler belongs to the
//! [`Budget`] of whoever acquired the connection: the request's when it runs inside
//! [`Budget::scope`], else a fresh one per acquisition. It stops the statement (SQLite
//! answers `SQLITE_INTERRUPT`, the connection stays healthy) as soon as the budget is
//! cancelled, its deadline has passed, or its statements together have run more than
//! [`MAX_STEPS`] virtual-machine instructions (the cost of the rows examined).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sqlx::sqlite::{LockedSqliteHandle, SqliteConnection};

/// VM instructions between two calls of the progress handler. A call is a few atomic
/// loads and a clock read; at a few hundred million instructions a second, a cancelled
/// statement stops within a few microseconds of work.
const STEPS_PER_CHECK: i32 = 1000;

/// Most VM instructions one request's statements may run together: far above what any
/// page of a million events needs (the heaviest, a 100,000-event export, runs under a
/// tenth of it), low enough that no single request occupies a connection for minutes.
pub const MAX_STEPS: u64 = 4_000_000_000;

/// Longest a statement may run when it is not part of a request (a probe, a background
/// read): the same as a request's time limit.
pub const DEFAULT_TIME: Duration = Duration::from_secs(10);

/// One request's allowance, shared by every statement it runs.
#[derive(Debug)]
pub struct Budget {
    cancelled: AtomicBool,
    deadline: Instant,
    /// Progress-handler calls so far (each one [`STEPS_PER_CHECK`] instructions).
    checks: AtomicU64,
    max_checks: u64,
}

tokio::task_local! {
    static CURRENT: Arc<Budget>;
}

impl Budget {
    /// A budget of `time` from now and [`MAX_STEPS`] instructions.
    pub fn new(time: Duration) -> Arc<Budget> {
        Self::with_steps(time, MAX_STEPS)
    }

    /// A budget of `time` from now and `steps` instructions.
    pub fn with_steps(time: Duration, steps: u64) -> Arc<Budget> {
        Arc::new(Budget {
            cancelled: AtomicBool::new(false),
            deadline: Instant::now() + time,
            checks: AtomicU64::new(0),
            max_checks: steps / STEPS_PER_CHECK as u64,
        })
    }

    /// Runs `work` with this budget for every connection it acquires from a pool with
    /// the handler (see [`install`]). When the returned future is dropped before it
    /// finishes, the budget is cancelled: statements still running for it stop.
    pub async fn scope<F: Future>(self: Arc<Self>, work: F) -> F::Output {
        let guard = CancelOnDrop(Some(Arc::clone(&self)));
        let out = CURRENT.scope(self, work).await;
        guard.disarm();
        out
    }

    /// Stops every statement running for this budget, and any it would start.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }

    /// VM instructions run so far (to the nearest [`STEPS_PER_CHECK`]).
    pub fn steps(&self) -> u64 {
        self.checks.load(Ordering::Relaxed) * STEPS_PER_CHECK as u64
    }

    /// Whether a statement may go on: called by SQLite every [`STEPS_PER_CHECK`] steps.
    fn proceed(&self) -> bool {
        if self.cancelled.load(Ordering::Relaxed) {
            return false;
        }
        let checks = self.checks.fetch_add(1, Ordering::Relaxed);
        checks < self.max_checks && Instant::now() < self.deadline
    }

    /// The budget of the task running now, or a fresh one of [`DEFAULT_TIME`].
    fn current() -> Arc<Budget> {
        CURRENT
            .try_with(Arc::clone)
            .unwrap_or_else(|_| Budget::new(DEFAULT_TIME))
    }
}

/// Cancels the budget unless disarmed: the scope's future was dropped mid-way.
struct CancelOnDrop(Option<Arc<Budget>>);

impl CancelOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(budget) = self.0.take() {
            budget.cancel();
            tracing::debug!(
                steps = budget.steps(),
                "abandoned: its statements are stopped"
            );
        }
    }
}

/// Gives `conn` the progress handler of the budget of the task acquiring it. Called by
/// the pool when it opens a connection and each time it hands one out, so it runs on the
/// acquiring task (where [`Budget::scope`] is visible). It waits for the connection's
/// thread to be free: a statement still running there for an abandoned request is
/// stopped by that request's handler first.
pub async fn install(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    install_on(&mut handle);
    Ok(())
}

/// As [`install`], on a connection already locked out from its thread.
pub fn install_on(handle: &mut LockedSqliteHandle<'_>) {
    let budget = Budget::current();
    handle.set_progress_handler(STEPS_PER_CHECK, move || budget.proceed());
}

/// Whether `err` is a statement stopped by its budget (or another interruption).
pub fn is_interrupted(err: &sqlx::Error) -> bool {
    // SQLITE_INTERRUPT; sqlx gives SQLite's extended result code as text.
    matches!(err, sqlx::Error::Database(db) if db.code().as_deref() == Some("9"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::SqlitePoolOptions;

    /// A statement that counts to a billion: minutes of work unless stopped.
    const ENDLESS: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
                           WHERE i < 1000000000) SELECT count(*) FROM n";

    async fn pool() -> sqlx::SqlitePool {
        SqlitePoolOptions::new()
            .max_connections(1)
            .after_connect(|conn, _| Box::pin(install(conn)))
            .before_acquire(|conn, _| Box::pin(async move { install(conn).await.map(|()| true) }))
            .connect("sqlite::memory:")
            .await
            .expect("pool")
    }

    #[tokio::test]
    async fn a_statement_past_its_steps_is_interrupted_and_the_connection_is_fine() {
        let pool = pool().await;
        let budget = Budget::with_steps(Duration::from_secs(60), 5_000_000);
        let started = Instant::now();
        let err = budget
            .clone()
            .scope(sqlx::query_scalar::<_, i64>(ENDLESS).fetch_one(&pool))
            .await
            .expect_err("stopped");
        assert!(is_interrupted(&err), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(budget.steps() >= 5_000_000);
        let one: i64 = sqlx::query_scalar("SELECT 1")
            .fetch_one(&pool)
            .await
            .expect("the connection still answers");
        assert_eq!(one, 1);
    }

    #[tokio::test]
    async fn dropping_the_scope_stops_its_statement() {
        let pool = pool().await;
        let budget = Budget::new(Duration::from_secs(60));
        let work = budget
            .clone()
            .scope(sqlx::query_scalar::<_, i64>(ENDLESS).fetch_one(&pool));
        assert!(
            tokio::time::timeout(Duration::from_millis(200), work)
                .await
                .is_err()
        );
        // The only connection is free again at once, not when the count would end.
        let started = Instant::now();
        let one: i64 = sqlx::query_scalar("SELECT 1")
            .fetch_one(&pool)
            .await
            .expect("answers");
        assert_eq!(one, 1);
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
    }
}
