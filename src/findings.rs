//! What a run produces: findings with their witness paths, per-file errors and
//! run statistics. Plain data shared by the rules (which create findings) and
//! the reporters (which render them); nothing here knows about syn or packs.

use std::time::Duration;

use crate::fixes::{Fix, Remedy};
use crate::flow::PathStep;
use crate::rules::Lint;
use crate::source::Location;

/// How a finding is reported; `Allow` never reaches a reporter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    /// The word used in rustc-style headers and in JSON `severity`.
    pub fn severity(self) -> &'static str {
        match self {
            Level::Deny => "error",
            Level::Warn => "warning",
            Level::Allow => "allow",
        }
    }

    pub fn parse(word: &str) -> Option<Level> {
        match word {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }
}

/// One reported problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub lint: Lint,
    pub level: Level,
    /// Where it goes wrong (the leak, the await, the exit...).
    pub primary: Location,
    pub primary_label: String,
    /// Starts lowercase, no trailing period.
    pub message: String,
    pub help: String,
    /// Where the connection involved was acquired, when there is one.
    pub acquired_at: Option<Location>,
    pub acquire_label: String,
    /// Acquire, branches and exits taken, escape point: in path order.
    pub path: Vec<PathStep>,
    /// The function (or `Type::method`) the finding is in; part of the fingerprint.
    pub enclosing_item: String,
    /// Stable across unrelated line moves; filled in by the pipeline.
    pub fingerprint: String,
    /// In test code: a test function (`#[test]`, any `#[..::test]` or
    /// `#[.._test]` attribute), a `#[cfg(test)]` item or module file, an
    /// integration test, bench or example, or a crate only dev-dependencies
    /// reach. Left out of the report by default, and never fails the run
    /// unless configured to.
    pub in_test_code: bool,
    /// What would fix it, as its rule sees it; [`crate::fixes`] works out
    /// the edits in the text.
    pub remedy: Option<Remedy>,
    /// The suggested edits, when the text allows them; filled in by the
    /// pipeline.
    pub fix: Option<Fix>,
    /// The most this finding is reported at, whatever its lint's level: a
    /// connection detached from its pool is a warning.
    pub at_most: Option<Level>,
}

/// Counters for the closing summary and `stats` in JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Files asked about (their findings are reported), and their lines.
    pub files: usize,
    pub lines: usize,
    /// Every file read: the whole workspaces around what was asked.
    pub files_read: usize,
    pub elapsed_ms: u128,
    /// `--timings` was asked for: only then does the JSON document carry
    /// `elapsed_ms`, so that it is otherwise the same bytes run after run.
    pub timed: bool,
    /// Connections whose path could not be followed (moved into something
    /// opaque); counted, not reported.
    pub untracked_connections: usize,
    /// Files not checked, or whose findings are withheld, because they
    /// reached a bound on the work of a run (each also has an error).
    pub over_bounds: usize,
    /// Fixpoints of the function summaries stopped by their round limit
    /// while still changing (`flow::summaries`): call chains deeper than
    /// the limit may not have been followed. Named by `-v`.
    pub summary_rounds_cut: usize,
    /// Where the time went, for `--timings`. Not in the JSON document: it
    /// differs from run to run, and the document must not.
    pub timings: Timings,
}

/// Wall time of each phase of a run. The per-file phases (read, parse +
/// lower) run in parallel, so they also have their time summed over files:
/// the work done, whatever the thread count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timings {
    /// Worker threads the run used.
    pub threads: usize,
    pub discover: Duration,
    /// Wall time of the parallel read + parse + lower phase as a whole.
    pub read_parse_lower: Duration,
    /// Reading files, summed over files.
    pub read_summed: Duration,
    /// Parsing and lowering files, summed over files.
    pub parse_lower_summed: Duration,
    pub index: Duration,
    /// Function summaries, and lowering the bodies they show to matter
    /// (files lowered again, in parallel).
    pub summaries: Duration,
    /// The flow analysis and the rules (parallel over files).
    pub analyse: Duration,
    /// Sorting, fingerprints and rendering; filled in by the command line,
    /// which renders.
    pub report: Duration,
    /// Function bodies in the parsed files, and how many were lowered (the
    /// others cannot reach a connection: `model::relevance`).
    pub bodies: usize,
    pub bodies_lowered: usize,
    /// Of those, the bodies found to matter only once the summaries showed
    /// which workspace names lead to a connection (parsed a second time).
    pub bodies_lowered_late: usize,
    /// Blocks the flow analysis walked, over all bodies.
    pub blocks_walked: usize,
    /// Its steps: each block walked counted as its operations and
    /// terminator times one plus the connection states it carried (what the bounds count, see [`crate::bounds`]).
    pub analysis_steps: u64,
}
