//! `unclosed-connection`: a connection Drop does not release reaches an exit.

use crate::findings::Finding;
use crate::flow::{ConnectionKind, Fact, FactKind};
use crate::packs::ResourceKind;
use crate::rules::uncommitted_transaction::exit_label;
use crate::rules::{connection_name, finding_from, Lint};

declare_lint! {
    /// ## What it does
    /// Finds resources that dropping does not release (`drop_releases =
    /// false` in a pack or in your configuration) reaching an exit of their
    /// owner on some path, `?` included, without their release call. Also
    /// finds the driver half of a connection (tokio-postgres `Connection`)
    /// that is never spawned or awaited.
    ///
    /// ## Why is this bad?
    /// The server keeps the session until a TCP timeout notices it, so every
    /// such path costs a server connection for minutes. An unpolled driver is
    /// worse: every query on its client waits forever.
    ///
    /// ## Example
    /// ```rust,ignore
    /// let handle = LegacyHandle::open(&config)?;
    /// let rows = handle.query("select 1")?; // `?` leaves `handle` open
    /// handle.close()?;
    /// ```
    ///
    /// ## Use instead
    /// ```rust,ignore
    /// let handle = LegacyHandle::open(&config)?;
    /// let rows = handle.query("select 1");
    /// handle.close()?;
    /// let rows = rows?;
    /// ```
    /// Or wrap the resource in a guard type whose `Drop` releases it.
    ///
    /// ## Known limits
    /// Declare your own types in `connleak.toml` (`[[resource]]` with
    /// `drop_releases = false`) for this lint to know them.
    pub static UNCLOSED_CONNECTION = {
        name: "unclosed-connection",
        level: Deny,
        summary: "a connection that Drop does not release reaches an exit without being closed",
    }
}

pub fn check(facts: &[Fact], findings: &mut Vec<Finding>) {
    for fact in facts {
        let FactKind::Unclosed { how } = fact.kind else {
            continue;
        };
        let name = connection_name(fact);
        let finding = if fact.connection.kind == ConnectionKind::Resource(ResourceKind::Driver) {
            finding_from(
                fact,
                Lint::UnclosedConnection,
                format!("{name} is never spawned or awaited, so its client never gets answers"),
                format!("{} without being spawned", exit_label(how)),
                String::from("spawn it: `tokio::spawn(async move { connection.await })`"),
            )
        } else {
            finding_from(
                fact,
                Lint::UnclosedConnection,
                format!("{name} ({}) is not released on this path", fact.connection.resource),
                format!("{} without release", exit_label(how)),
                format!("release {name} on every path, `?` included, or wrap it in a guard whose Drop releases it"),
            )
        };
        findings.push(finding);
    }
}
