//! `nested-acquire`: a second connection from the pool a live one came from.

use crate::findings::Finding;
use crate::flow::{ConnectionKind, Fact, FactKind};
use crate::packs::ResourceKind;
use crate::rules::{connection_name, finding_from, Lint};

declare_lint! {
    /// ## What it does
    /// Finds a second acquire from the same pool (the same receiver path:
    /// `pool`, `self.pool`, `state.db`, or a clone of one) while a connection
    /// or transaction from it is still live. Running a query on the pool
    /// itself (`.fetch_one(&pool)`, `.execute(&self.pool)`) acquires too.
    ///
    /// ## Why is this bad?
    /// Each task needs two connections at once. With a pool of N and N
    /// concurrent requests, every request holds one and waits for a second
    /// that never comes: a deadlock until the acquire timeout, at once with a
    /// pool of one. Inside a transaction it is also a correctness bug: the
    /// query on the pool runs outside the transaction and does not see its
    /// writes.
    ///
    /// ## Example
    /// ```rust,ignore
    /// let mut tx = state.pool.begin().await?;
    /// insert_order(&mut tx, &order).await?;
    /// let count: i64 = sqlx::query_scalar("select count(*) from orders")
    ///     .fetch_one(&state.pool) // a second connection, outside the transaction
    ///     .await?;
    /// ```
    ///
    /// ## Use instead
    /// ```rust,ignore
    /// let count: i64 = sqlx::query_scalar("select count(*) from orders")
    ///     .fetch_one(&mut *tx)
    ///     .await?;
    /// ```
    ///
    /// ## Known limits
    /// Pool identity is the receiver path as written (`self.pool`,
    /// `state.db`, a parameter), followed through `clone()` and references
    /// within a function and mapped through calls: a method on `self` or a
    /// helper given the pool that acquires from it (directly or through
    /// further calls) counts, with the callee's acquire in the path. Two
    /// different variables holding the same pool through other means are
    /// not matched, nor are calls whose target cannot be resolved by its
    /// path or its receiver's declared type (generic executors, trait
    /// objects).
    ///
    /// A connection assigned back to the binding that holds the old one
    /// (`conn = pool.acquire().await?` after a failed ping) replaces it and
    /// is not reported, in the function or where its caller hands the old
    /// connection over by value; for the moment both are live, which
    /// matters only to a pool of one.
    pub static NESTED_ACQUIRE = {
        name: "nested-acquire",
        level: Warn,
        summary: "a second connection is acquired from a pool while one from it is held",
    }
}

pub fn check(facts: &[Fact], findings: &mut Vec<Finding>) {
    for fact in facts {
        let FactKind::NestedAcquire { implicit } = fact.kind else {
            continue;
        };
        let name = connection_name(fact);
        let pool = fact.connection.pool.as_deref().unwrap_or("the pool");
        let in_transaction =
            fact.connection.kind == ConnectionKind::Resource(ResourceKind::Transaction);
        let message = if implicit {
            format!("`{pool}` checks out a second connection while {name} from it is held")
        } else {
            format!("a second connection is acquired from `{pool}` while {name} from it is held")
        };
        let mut help = format!(
            "run this on {name} instead, or release {name} first; with a small pool this waits forever"
        );
        if implicit && in_transaction {
            help.push_str(", and this query runs outside the transaction");
        }
        findings.push(finding_from(
            fact,
            Lint::NestedAcquire,
            message,
            format!("needs a second connection from `{pool}`"),
            help,
        ));
    }
}
