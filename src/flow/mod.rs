//! Flow analysis: follows every connection from its acquire site along every
//! path of its body's control-flow graph, and records what happens to it as
//! [`Fact`]s (leaked, stored, held across an unrelated await, dropped on a
//! success path while a transaction is open...). Rules turn facts into
//! findings; this module decides nothing about wording or levels.
//!
//! Owns: pack lookup (`table`), resolution without types (`resolve`), the
//! path exploration (`engine`). Must not touch syntax.

mod engine;
pub mod resolve;
pub mod summaries;
pub mod table;

use rayon::prelude::*;

pub use table::PackTable;

use crate::findings::{Location, PathStep};
use crate::model::index::Index;
use crate::model::FileIr;
use crate::packs::ResourceKind;

/// The connection a fact is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRef {
    /// The pack's name for it ("pooled connection", "transaction").
    pub resource: String,
    pub kind: ConnectionKind,
    pub acquired_at: Location,
    /// The binding that held it, when it was bound.
    pub binding: Option<String>,
    /// The pool's identity (`self.pool`), when it came from one.
    pub pool: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionKind {
    Resource(ResourceKind),
    /// A pool being built (for `temporary-pool`).
    Pool,
}

/// How a body is left or a value dropped, for facts found at exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitHow {
    /// `return` / tail expression.
    Return,
    /// The error edge of `?`.
    Question,
    /// `return Err(..)`.
    ReturnErr,
    /// End of the binding's scope (a closing brace).
    ScopeEnd,
    /// End of the statement that made a temporary.
    StatementEnd,
    /// `drop(x)`
    ExplicitDrop,
    /// Replaced by an assignment.
    Overwritten,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactKind {
    /// `mem::forget`, `Box::leak`, `ManuallyDrop` never dropped, a pack leak call.
    Leaked { how: String },
    /// Moved into static storage.
    StoredInStatic { target: String },
    /// Moved into a spawned task or thread whose body never ends normally.
    SpawnedForever,
    /// Put into a collection that outlives the loop that acquired it.
    Accumulated { collection: String },
    /// Live across an await that does not use it. `also` lists later awaits on
    /// the same path.
    HeldAcrossAwait,
    /// A second acquire from the same pool while this one is live.
    NestedAcquire { implicit: bool },
    /// A used transaction dropped on a success path without commit or rollback.
    UncommittedTransaction { how: ExitHow },
    /// A raw `BEGIN` left open when the connection goes back.
    RawTransactionOpen { how: ExitHow },
    /// A resource Drop does not release reached an exit unreleased.
    Unclosed { how: ExitHow },
    /// A pool built here and dropped before the function returns, or built in a loop.
    TemporaryPool { in_loop: bool },
}

/// One thing the analysis saw happen to a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub kind: FactKind,
    pub connection: ConnectionRef,
    /// Where it happens.
    pub at: Location,
    /// The witness path: acquire, branches taken, the point itself.
    pub path: Vec<PathStep>,
    /// The function it happens in.
    pub function: String,
    /// The function is a test or inside `#[cfg(test)]`.
    pub in_test: bool,
}

#[derive(Debug, Default)]
pub struct Analysis {
    pub facts: Vec<Fact>,
    /// Connections moved into something the analysis cannot follow.
    pub untracked: usize,
}

/// Analyses every body of every file, in parallel, in file order.
pub fn analyse_all(files: &[FileIr], index: &Index, packs: &PackTable) -> Analysis {
    let summaries = summaries::Summaries::build(files, index, packs);
    let per_file: Vec<Analysis> = files
        .par_iter()
        .map(|file| engine::analyse_file(file, index, packs, &summaries))
        .collect();
    let mut analysis = Analysis::default();
    for file in per_file {
        analysis.facts.extend(file.facts);
        analysis.untracked += file.untracked;
    }
    analysis
}
