//! `accumulated-connections`: connections acquired in a loop and kept past
//! the iteration.

use crate::findings::Finding;
use crate::flow::{Fact, FactKind};
use crate::rules::{finding_from, Lint};

declare_lint! {
    /// ## What it does
    /// Finds loops that acquire a connection on each iteration and put it in
    /// a collection that outlives the iteration (`push`, `insert`, `extend`
    /// on a collection declared before the loop, or on a `self` field).
    ///
    /// ## Why is this bad?
    /// The loop holds one connection per iteration, all at once. When the
    /// number of iterations reaches the pool size, the next acquire waits for
    /// a connection that only this same task could give back: it deadlocks on
    /// itself until the acquire timeout, or forever with pools that have none.
    ///
    /// ## Example
    /// ```rust,ignore
    /// let mut conns = Vec::new();
    /// for shard in shards {
    ///     conns.push(pool.acquire().await?);
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust,ignore
    /// let mut conn = pool.acquire().await?;
    /// for shard in shards {
    ///     export(&mut conn, shard).await?; // one connection, reused
    /// }
    /// ```
    ///
    /// ## Known limits
    /// Collections built by iterator adapters (`.map(|_| pool.acquire())
    /// .collect()`) are not followed yet.
    pub static ACCUMULATED_CONNECTIONS = {
        name: "accumulated-connections",
        level: Deny,
        summary: "connections acquired in a loop are kept in a collection that outlives the iteration",
    }
}

pub fn check(facts: &[Fact], findings: &mut Vec<Finding>) {
    for fact in facts {
        let FactKind::Accumulated { collection } = &fact.kind else {
            continue;
        };
        findings.push(finding_from(
            fact,
            Lint::AccumulatedConnections,
            format!("connections acquired in this loop pile up in `{collection}`"),
            format!("kept in `{collection}` past the iteration"),
            String::from(
                "reuse one connection across the loop, or let each go before the next \
                 iteration; the loop otherwise holds one per iteration and deadlocks \
                 once that reaches the pool size",
            ),
        ));
    }
}
