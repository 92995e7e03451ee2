//! The lints: one module per lint, each with its documentation (shown by
//! `--explain`) and a check that turns flow facts into findings. Rules only
//! read the facts computed by `flow`; they never see syntax.

use std::collections::BTreeMap;

use crate::findings::{Finding, Level};

use crate::flow::{ConnectionKind, Fact};
use crate::model::FileIr;
use crate::packs::ResourceKind;
use crate::source::Location;
use crate::suppressions::Suppression;

/// A lint's identity and documentation.
#[derive(Debug)]
pub struct LintInfo {
    pub name: &'static str,
    pub default_level: Level,
    /// One line for `--list-lints` and SARIF short descriptions.
    pub summary: &'static str,
    /// The module's documentation: What it does / Why is this bad? / Example /
    /// Use instead / Known limits. Shown by `--explain`.
    pub docs: &'static str,
}

/// Declares a lint: its doc comment *is* its user documentation.
macro_rules! declare_lint {
    ($(#[doc = $doc:expr])* pub static $ident:ident = {
        name: $name:literal,
        level: $level:ident,
        summary: $summary:literal $(,)?
    }) => {
        $(#[doc = $doc])*
        pub static $ident: $crate::rules::LintInfo = $crate::rules::LintInfo {
            name: $name,
            default_level: $crate::findings::Level::$level,
            summary: $summary,
            docs: concat!($($doc, "\n"),*),
        };
    };
}

/// Every lint, in the order of DESIGN §1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lint {
    LeakedConnection,
    HeldForever,
    AccumulatedConnections,
    HeldAcrossAwait,
    NestedAcquire,
    UncommittedTransaction,
    TemporaryPool,
    UnclosedConnection,
    /// Pseudo-lints about suppression comments, found by
    /// [`crate::suppressions`] rather than the flow analysis.
    UnusedSuppression,
    SuppressionWithoutReason,
}

impl Lint {
    pub const ALL: [Lint; 10] = [
        Lint::LeakedConnection,
        Lint::HeldForever,
        Lint::AccumulatedConnections,
        Lint::HeldAcrossAwait,
        Lint::NestedAcquire,
        Lint::UncommittedTransaction,
        Lint::TemporaryPool,
        Lint::UnclosedConnection,
        Lint::UnusedSuppression,
        Lint::SuppressionWithoutReason,
    ];

    pub fn info(self) -> &'static LintInfo {
        match self {
            Lint::LeakedConnection => &leaked_connection::LEAKED_CONNECTION,
            Lint::HeldForever => &held_forever::HELD_FOREVER,
            Lint::AccumulatedConnections => &accumulated_connections::ACCUMULATED_CONNECTIONS,
            Lint::HeldAcrossAwait => &held_across_await::HELD_ACROSS_AWAIT,
            Lint::NestedAcquire => &nested_acquire::NESTED_ACQUIRE,
            Lint::UncommittedTransaction => &uncommitted_transaction::UNCOMMITTED_TRANSACTION,
            Lint::TemporaryPool => &temporary_pool::TEMPORARY_POOL,
            Lint::UnclosedConnection => &unclosed_connection::UNCLOSED_CONNECTION,
            Lint::UnusedSuppression => &unused_suppression::UNUSED_SUPPRESSION,
            Lint::SuppressionWithoutReason => {
                &suppression_without_reason::SUPPRESSION_WITHOUT_REASON
            }
        }
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn from_name(name: &str) -> Option<Lint> {
        Lint::ALL.into_iter().find(|lint| lint.name() == name)
    }

    /// The pseudo-lints about suppression comments: comments cannot
    /// suppress them (that would be circular), only levels can.
    pub fn is_about_suppressions(self) -> bool {
        matches!(
            self,
            Lint::UnusedSuppression | Lint::SuppressionWithoutReason
        )
    }
}

pub mod accumulated_connections;
pub mod held_across_await;
pub mod held_forever;
pub mod leaked_connection;
pub mod nested_acquire;
pub mod parameters;
pub mod suppression_without_reason;
pub mod temporary_pool;
pub mod unclosed_connection;
pub mod uncommitted_transaction;
pub mod unused_suppression;

/// Each lint's default level, by name.
pub fn default_levels() -> BTreeMap<String, Level> {
    Lint::ALL
        .into_iter()
        .map(|lint| (lint.name().to_string(), lint.info().default_level))
        .collect()
}

/// Runs every lint over the facts and applies the configured levels.
pub fn check_all(
    facts: &[Fact],
    files: &[FileIr],
    levels: &BTreeMap<String, Level>,
) -> Vec<Finding> {
    let _ = files;
    let mut findings = Vec::new();
    leaked_connection::check(facts, &mut findings);
    held_forever::check(facts, &mut findings);
    accumulated_connections::check(facts, &mut findings);
    held_across_await::check(facts, &mut findings);
    nested_acquire::check(facts, &mut findings);
    uncommitted_transaction::check(facts, &mut findings);
    temporary_pool::check(facts, &mut findings);
    unclosed_connection::check(facts, &mut findings);
    apply_levels(&mut findings, levels);
    findings
}

/// Findings about suppression comments, once [`crate::suppressions::apply`]
/// has marked which ones were used; levels applied as for the other lints.
pub fn check_suppressions(
    suppressions: &[Suppression],
    levels: &BTreeMap<String, Level>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    unused_suppression::check(suppressions, levels, &mut findings);
    suppression_without_reason::check(suppressions, &mut findings);
    apply_levels(&mut findings, levels);
    findings
}

/// Sets each finding's configured level and drops the allowed ones.
fn apply_levels(findings: &mut Vec<Finding>, levels: &BTreeMap<String, Level>) {
    findings.retain_mut(|finding| {
        let level = levels
            .get(finding.lint.name())
            .copied()
            .unwrap_or(finding.lint.info().default_level);
        finding.level = level;
        level != Level::Allow
    });
}

/// The parts of a finding every lint fills the same way from a fact.
pub(crate) fn finding_from(
    fact: &Fact,
    lint: Lint,
    message: String,
    primary_label: String,
    help: String,
) -> Finding {
    let connection = &fact.connection;
    // How each kind comes to be, in the words its API uses: a pool hands out
    // (`acquire`), a transaction begins (`begin`), a raw connection opens.
    let came = match connection.kind {
        ConnectionKind::Resource(ResourceKind::Transaction) => "begun",
        ConnectionKind::Resource(ResourceKind::Raw | ResourceKind::Driver) => "opened",
        _ => "acquired",
    };
    let acquire_label = match &connection.binding {
        Some(name) => format!("`{name}` {came} here"),
        None => format!("{} {came} here", connection.resource),
    };
    Finding {
        lint,
        level: lint.info().default_level,
        primary: fact.at,
        primary_label,
        message,
        help,
        acquired_at: Some(connection.acquired_at),
        acquire_label,
        path: fact.path.clone(),
        enclosing_item: fact.function.clone(),
        fingerprint: String::new(),
        in_test_code: fact.in_test,
        remedy: None,
        fix: None,
        at_most: None,
    }
}

/// A finding about a suppression comment: no connection, no path.
pub(crate) fn suppression_finding(
    suppression: &Suppression,
    lint: Lint,
    primary: Location,
    message: String,
    primary_label: String,
    help: String,
) -> Finding {
    Finding {
        lint,
        level: lint.info().default_level,
        primary,
        primary_label,
        message,
        help,
        acquired_at: None,
        acquire_label: String::new(),
        path: Vec::new(),
        enclosing_item: suppression.enclosing_item.clone(),
        fingerprint: String::new(),
        in_test_code: false,
        remedy: None,
        fix: None,
        at_most: None,
    }
}

/// "`conn`" when the connection was bound, else "the pooled connection".
pub(crate) fn connection_name(fact: &Fact) -> String {
    match &fact.connection.binding {
        Some(name) => format!("`{name}`"),
        None => format!("the {}", fact.connection.resource),
    }
}
