//! `held-across-await`: a pooled connection or transaction kept while the
//! task waits on something else.

use std::collections::BTreeMap;

use crate::findings::Finding;
use crate::fixes::Remedy;

use crate::source::Location;

use crate::flow::PathStep;
use crate::flow::{ConnectionKind, Fact, FactKind};
use crate::packs::ResourceKind;
use crate::rules::{connection_name, finding_from, Lint};

declare_lint! {
    /// ## What it does
    /// Finds a pooled connection or a transaction that is live across an
    /// `.await` whose future does not use it: an HTTP call, a sleep, a channel
    /// receive, another service. An await is related when the awaited call
    /// receives the connection (by value, `&`, `&mut`, `&mut *`) or a value
    /// borrowed from it. Only the first unrelated await of each connection is
    /// reported; later ones are listed in the path.
    ///
    /// ## Why is this bad?
    /// The connection is checked out but idle for as long as the other work
    /// takes. Throughput is capped at pool size divided by that time: under
    /// load every slot is held by tasks waiting on something else, and new
    /// requests time out waiting for the pool (or hang, with pools that have
    /// no acquire timeout). A transaction also keeps its row locks meanwhile.
    ///
    /// ## Example
    /// ```rust,ignore
    /// let mut tx = pool.begin().await?;
    /// let order = load(&mut tx, id).await?;
    /// let receipt = payments.charge(&order).await?; // tx idle during the HTTP call
    /// save(&mut tx, &receipt).await?;
    /// tx.commit().await?;
    /// ```
    ///
    /// ## Use instead
    /// ```rust,ignore
    /// let order = load(&pool, id).await?;
    /// let receipt = payments.charge(&order).await?; // nothing held
    /// let mut tx = pool.begin().await?;
    /// save(&mut tx, &receipt).await?;
    /// tx.commit().await?;
    /// ```
    /// Or `drop(conn)` before the await and acquire again after it.
    ///
    /// ## Known limits
    /// Awaits on database work through a pool are left to `nested-acquire`.
    /// A call that receives neither the connection nor a pool counts as
    /// unrelated even if it is quick. Through function boundaries: a
    /// parameter declared as a pooled connection or transaction is held for
    /// the whole callee; a borrowed raw connection parameter (`&mut
    /// PgConnection`) is followed for the callers that pass a pooled one in,
    /// and the finding lands at the callee's await with the call chain.
    /// Generic executors (`impl Executor`) are not followed.
    ///
    /// Code that runs once per run of the program is not reported: `main`,
    /// and a function every caller of which is such code and runs it in
    /// line (an operator command, start-up work), since no request waits
    /// for the pool meanwhile. What `main` runs with `block_on`, a task
    /// spawned once (outside every loop), and a closure bound to a local
    /// and called once run in line; inside a spawned task, a call in a
    /// `loop` or `while` is periodic work and is reported (a `for` makes
    /// one pass over its items). Calls from test code (tests, and a
    /// workspace member in a `tests` folder) count neither way. A function
    /// also spawned in a loop, called from any other closure, or handed on
    /// by name (a router's handler) is not one-shot. Callers in bodies
    /// connleak did not lower (they name nothing of a database) are not
    /// seen.
    pub static HELD_ACROSS_AWAIT = {
        name: "held-across-await",
        level: Warn,
        summary: "a pooled connection or transaction is held across an unrelated `.await`",
    }
}

pub fn check(facts: &[Fact], findings: &mut Vec<Finding>) {
    // One finding per connection: its first unrelated await, with the others as notes.
    let mut by_connection: BTreeMap<Location, Vec<&Fact>> = BTreeMap::new();
    for fact in facts {
        if fact.kind == FactKind::HeldAcrossAwait {
            by_connection
                .entry(fact.connection.acquired_at)
                .or_default()
                .push(fact);
        }
    }
    for (_, mut group) in by_connection {
        group.sort_by_key(|fact| fact.at);
        let first = group[0];
        let name = connection_name(first);
        // Dropping a transaction rolls it back: the way out is to finish it.
        let help = if first.connection.kind == ConnectionKind::Resource(ResourceKind::Transaction) {
            format!(
                "commit {name} before this `.await` or begin it after; until then it keeps \
                 its pool slot, and any row locks, while this waits"
            )
        } else {
            format!(
                "drop {name} before this `.await` or acquire it after; the pool slot stays \
                 taken while this waits"
            )
        };
        let transaction =
            first.connection.kind == ConnectionKind::Resource(ResourceKind::Transaction);
        let mut finding = finding_from(
            first,
            Lint::HeldAcrossAwait,
            match &first.waits_on {
                Some(what) => format!("{name} is held across {what}"),
                None => format!("{name} is held across an unrelated `.await`"),
            },
            format!("this `.await` does not use {name}"),
            help,
        );
        finding.remedy = first.holder.map(|holder| Remedy::ReleaseBeforeAwait {
            holder,
            transaction,
        });
        for later in &group[1..] {
            finding.path.push(PathStep {
                at: later.at,
                note: format!("{name} is also held across this `.await`"),
            });
        }
        findings.push(finding);
    }
}
