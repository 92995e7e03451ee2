//! `held-forever`: a connection pinned in static storage, in a task that
//! never ends, or on a path that never ends.

use crate::findings::Finding;
use crate::flow::{Fact, FactKind};
use crate::rules::{connection_name, finding_from, Lint};

declare_lint! {
    /// ## What it does
    /// Finds pooled connections stored in static storage (`static`,
    /// `OnceCell`, `OnceLock`, `LazyLock`, `lazy_static!`, `thread_local!`),
    /// and pooled connections moved into a spawned task or thread whose body
    /// loops with no normal way out. Also a connection a path still holds
    /// when it enters a loop with no way out at all (no `break`, `return` or
    /// `?`) that does not use it; one captured by a job handed to a local
    /// value (a scheduler's `every(..).run(move || ..)`) that such a loop then
    /// keeps alive; and one a closure that may never return runs on
    /// (`conn.transaction(|c| .. loop { .. } ..)`).
    ///
    /// ## Why is this bad?
    /// The connection never goes back: its slot is taken for the life of the
    /// process. With `thread_local!` it is one slot per worker thread, which
    /// can be the whole pool. The rest of the application competes for what
    /// is left, and a small pool starves.
    ///
    /// ## Example
    /// ```rust,ignore
    /// static WARM: OnceLock<Mutex<PoolConnection<Postgres>>> = OnceLock::new();
    /// WARM.set(Mutex::new(pool.acquire().await?)).ok();
    ///
    /// let mut conn = pool.acquire().await?;
    /// tokio::spawn(async move {
    ///     loop { let job = jobs.recv().await; run(&mut conn, job).await; }
    /// });
    /// ```
    ///
    /// ## Use instead
    /// ```rust,ignore
    /// static POOL: OnceLock<PgPool> = OnceLock::new(); // store the pool
    ///
    /// tokio::spawn(async move {
    ///     loop {
    ///         let job = jobs.recv().await;
    ///         let mut conn = pool.acquire().await?; // one per job
    ///         run(&mut conn, job).await;
    ///     }
    /// });
    /// ```
    ///
    /// ## Known limits
    /// Only `loop`s with no normal exit count as never ending; a
    /// `while let Some(job) = rx.recv().await` loop ends when the channel
    /// closes and is not reported here (held-across-await may still fire).
    /// A loop that uses the connection it holds is taken as its own (a
    /// listener, a worker's dedicated connection) and is not reported. A
    /// function that never returns because a callee loops forever is not
    /// followed into the callee. Several connections held into the same
    /// endless loop give one finding.
    pub static HELD_FOREVER = {
        name: "held-forever",
        level: Deny,
        summary: "a connection is stored in a static, moved into a task that never ends, or held into an endless loop",
    }
}

pub fn check(facts: &[Fact], findings: &mut Vec<Finding>) {
    for fact in facts {
        let name = connection_name(fact);
        let (message, label, help) = match &fact.kind {
            FactKind::StoredInStatic { target } => (
                format!(
                    "{name} is stored in the static `{target}` and never goes back to its pool"
                ),
                format!("stored in `{target}` here"),
                String::from("store the pool in the static and acquire a connection for each use"),
            ),
            FactKind::SpawnedForever => (
                format!("{name} is moved into a task that never ends"),
                String::from("this task loops forever holding it"),
                String::from(
                    "acquire inside the loop for each unit of work, or open a dedicated \
                     connection for the task instead of pinning a pooled one",
                ),
            ),
            FactKind::HeldInEndlessLoop => (
                format!("{name} is held by a path that never ends"),
                String::from("no path returns from here, and it is still held"),
                String::from(
                    "release it before the endless loop, or acquire one for each unit of \
                     work inside it",
                ),
            ),
            _ => continue,
        };
        findings.push(finding_from(fact, Lint::HeldForever, message, label, help));
    }
}
