//! `leaked-connection`: a connection made never to go back to its pool.

use crate::findings::{Finding, Level};
use crate::flow::{Fact, FactKind};
use crate::rules::{connection_name, finding_from, Lint};

declare_lint! {
    /// ## What it does
    /// Finds connections that are made never to return to their pool:
    /// `std::mem::forget`, `Box::leak`, `ManuallyDrop` that is never dropped,
    /// and the pools' own escape hatches such as sqlx `PoolConnection::leak` /
    /// `detach` or deadpool `Object::take`.
    ///
    /// ## Why is this bad?
    /// Pools get their connections back only from `Drop`. A forgotten or
    /// leaked connection keeps its slot for the life of the process: every
    /// leak shrinks the pool by one (sqlx `leak`), or lets the process open
    /// more server connections than the pool allows (`detach`). Under load the
    /// pool runs dry, requests wait for the acquire timeout and fail, and the
    /// database reports "too many connections". A call that frees the slot
    /// as it takes the connection out (`detach`, `Object::take`) is reported
    /// at warn at most, and not at all in a function that runs `LISTEN` on
    /// it: a connection kept apart for notifications is what they are for.
    ///
    /// ## Example
    /// ```rust,ignore
    /// let conn = pool.acquire().await?;
    /// if let Err(error) = check(&mut conn).await {
    ///     std::mem::forget(conn); // the slot is gone for good
    ///     return Err(error);
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```rust,ignore
    /// let conn = pool.acquire().await?;
    /// check(&mut conn).await?; // dropping `conn` returns it
    /// ```
    /// For a connection that must live for the whole process (LISTEN, a
    /// long stream), open a dedicated one instead of taking it from the pool.
    ///
    /// ## Known limits
    /// A connection moved into something connleak cannot follow (a generic
    /// container that escapes, an unknown function taking it by value) is not
    /// reported; `--verbose` output counts such cases.
    pub static LEAKED_CONNECTION = {
        name: "leaked-connection",
        level: Deny,
        summary: "a connection is forgotten or leaked and never returns to its pool",
    }
}

pub fn check(facts: &[Fact], findings: &mut Vec<Finding>) {
    for fact in facts {
        let FactKind::Leaked { how, detached } = &fact.kind else {
            continue;
        };
        let name = connection_name(fact);
        if *detached {
            let mut finding = finding_from(
                fact,
                Lint::LeakedConnection,
                format!("{name} is taken out of its pool, which may open another in its place"),
                format!("{how} frees its pool slot here"),
                String::from(
                    "keep the connection in the pool and let it drop; the process can now hold \
                     more connections than the pool allows, so open a dedicated one if it must \
                     live for good",
                ),
            );
            finding.at_most = Some(Level::Warn);
            findings.push(finding);
            continue;
        }
        findings.push(finding_from(
            fact,
            Lint::LeakedConnection,
            format!("{name} is leaked and never goes back to its pool"),
            format!("{how} leaks it here"),
            String::from(
                "let the connection drop at the end of its scope (or close it); \
                 open a dedicated connection if one must live for good",
            ),
        ));
    }
}
