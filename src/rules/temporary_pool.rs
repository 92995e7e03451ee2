//! `temporary-pool`: a pool built per call or per iteration.

use crate::findings::Finding;
use crate::flow::{Fact, FactKind};
use crate::rules::{finding_from, Lint};

declare_lint! {
    /// ## What it does
    /// Finds pools (and pooling clients) built inside a loop, or built and
    /// dropped within one call of a function that is not `main`, a test, or
    /// an initialiser that returns or stores the pool. A helper that builds a
    /// pool in its own body and returns it makes a new pool at every call, so
    /// the finding is at each caller that drops it; `main`, a
    /// `OnceCell`/`LazyLock` initialiser, a constructor that keeps the pool,
    /// and a pool closed with `close()` before it goes are not reported.
    ///
    /// ## Why is this bad?
    /// Every call opens fresh server connections and background tasks, and
    /// dropping a pool does not close its server sessions at once. Called per
    /// request, the server runs out of connections ("too many connections",
    /// "sorry, too many clients already") long before the application is
    /// busy.
    ///
    /// ## Example
    /// ```rust,ignore
    /// async fn handler(url: &str) -> Result<i64> {
    ///     let pool = PgPoolOptions::new().connect(url).await?; // per request
    ///     Ok(sqlx::query_scalar("select 1").fetch_one(&pool).await?)
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust,ignore
    /// async fn handler(pool: &PgPool) -> Result<i64> {
    ///     Ok(sqlx::query_scalar("select 1").fetch_one(pool).await?)
    /// }
    /// ```
    /// Build the pool once at start-up and share it: pools are cheap to clone.
    ///
    /// ## Known limits
    /// A pool handed to an unknown function by value counts as kept. A
    /// helper whose pool is built in a closure it runs (a cache's
    /// `get_or_init`) counts as building none.
    pub static TEMPORARY_POOL = {
        name: "temporary-pool",
        level: Warn,
        summary: "a pool is built inside a loop or built and dropped within one call",
    }
}

pub fn check(facts: &[Fact], findings: &mut Vec<Finding>) {
    for fact in facts {
        let FactKind::TemporaryPool { in_loop } = fact.kind else {
            continue;
        };
        let (message, label) = if in_loop {
            (
                String::from("a pool is built on every iteration of this loop"),
                String::from("a new pool, with new connections, each iteration"),
            )
        } else {
            (
                format!("a pool is built and dropped within `{}`", fact.function),
                String::from("a new pool, with new connections, on every call"),
            )
        };
        let mut finding = finding_from(
            fact,
            Lint::TemporaryPool,
            message,
            label,
            String::from(
                "build the pool once at start-up and pass it in (it is cheap to clone); \
                 each new pool opens its own server connections",
            ),
        );
        finding.acquired_at = None;
        findings.push(finding);
    }
}
