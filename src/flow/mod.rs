//! Flow analysis: follows every connection from its acquire site along every
//! path of its body's control-flow graph, and records what happens to it as
//! [`Fact`]s (leaked, stored, held across an unrelated await, dropped on a
//! success path while a transaction is open...). Rules turn facts into
//! findings; this module decides nothing about wording or levels.
//!
//! Owns: pack lookup (`table`), what calls wait on and write (`effects`,
//! `sql`), resolution without types (`resolve`), the path exploration
//! (`engine`). Must not touch syntax.

pub mod demand;
pub mod effects;
mod engine;
pub mod resolve;
pub mod sql;
pub mod summaries;
pub mod table;
pub mod waits;
pub mod writes;

use rayon::prelude::*;

pub use table::PackTable;

use crate::model::{FileIr, FnId, LocalId, Name};
use crate::packs::ResourceKind;
use crate::semantics::Semantics;
use crate::source::{Location, Span};

/// One step of the witness path: where it happened and what happened there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathStep {
    pub at: Location,
    pub note: String,
}

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
    /// `mem::forget`, `Box::leak`, `ManuallyDrop` never dropped, a pack leak
    /// call. `detached`: the call takes it out of its pool and frees the
    /// slot (`detach`, `Object::take`): the pool may open another.
    Leaked { how: String, detached: bool },
    /// Moved into static storage.
    StoredInStatic { target: String },
    /// Moved into a spawned task or thread whose body never ends normally.
    SpawnedForever,
    /// Held, unused, by a path that enters a loop no exit is reachable
    /// from, or while a closure that may never return runs on it.
    HeldInEndlessLoop,
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
    /// The binding that holds the connection where the fact happens, when
    /// it is a local of the body that acquired it (not a parameter followed
    /// for the callers, not a capture): what a suggested fix starts from.
    pub holder: Option<Holder>,
    /// For an await: what it waits on, as a message names it ("the SMTP
    /// send in `mail::send_invite`"), when the packs know.
    pub waits_on: Option<String>,
}

/// A local binding of one body holding a connection at some point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder {
    /// The body, as an index into its file's functions.
    pub body: FnId,
    pub local: LocalId,
    /// The binding's name in its pattern: tells it from a shadowing one.
    pub declared_at: Span,
}

#[derive(Debug, Default)]
pub struct Analysis {
    pub facts: Vec<Fact>,
    /// Connections moved into something the analysis cannot follow.
    pub untracked: usize,
    /// Blocks walked by the exploration, over all bodies: the measure of its
    /// cost, which follows the size of the code (see `engine`).
    pub blocks_walked: usize,
    /// The blocks walked, each counted as its operations (and terminator)
    /// times the connection states it carries plus one: the work of the
    /// exploration, which bounds its time and
    /// memory (see [`crate::bounds`]).
    pub steps: u64,
    /// The walk of a file stopped at its budget of steps (see `engine`).
    pub over_budget: bool,
    /// Files whose walk reached a bound, in file order: their facts are
    /// left out, and the caller reports them (see [`crate::bounds`]).
    pub withheld: Vec<(crate::source::FileId, crate::bounds::Bound)>,
    /// Unrelated awaits in a function while it holds a connection parameter
    /// that only its callers can say is pooled.
    pub param_awaits: Vec<ParamAwait>,
    /// Connections passed to workspace functions, with the path to the call.
    pub passes: Vec<Pass>,
}

/// An unrelated await in `function` while parameter `param` is held.
#[derive(Debug, Clone)]
pub struct ParamAwait {
    pub function: Name,
    pub param: u32,
    pub fact: Fact,
}

/// A connection passed as parameter `param` of `callee`. `from_param`: it
/// is itself the caller's parameter (followed on behalf of its callers).
#[derive(Debug, Clone)]
pub struct Pass {
    pub from_param: Option<(Name, u32)>,
    pub callee: Name,
    pub param: u32,
    /// The connection and the path up to the call.
    pub fact: Fact,
}

/// Calls deeper than this are not followed when joining awaits to callers.
const MAX_PASS_DEPTH: usize = 8;

/// Joins the awaits that functions make while holding a connection
/// parameter to the callers that pass a pooled connection or transaction in:
/// the finding lands at the await, with the caller's connection and the
/// call chain in its path.
fn join_awaits_to_callers(analysis: &mut Analysis) {
    use std::collections::{BTreeMap, BTreeSet};
    // (function, param) -> awaits, growing through parameters passed on.
    let mut awaits: BTreeMap<(Name, u32), Vec<Fact>> = BTreeMap::new();
    for held in &analysis.param_awaits {
        awaits
            .entry((held.function, held.param))
            .or_default()
            .push(held.fact.clone());
    }
    for _ in 0..MAX_PASS_DEPTH {
        let mut grown = false;
        for pass in &analysis.passes {
            let Some(from) = &pass.from_param else {
                continue;
            };
            let Some(inner) = awaits.get(&(pass.callee, pass.param)).cloned() else {
                continue;
            };
            let entry = awaits.entry(*from).or_default();
            for fact in inner {
                if entry.iter().any(|known| known.at == fact.at) {
                    continue;
                }
                let mut joined = fact.clone();
                joined.path = splice(&pass.fact.path, &fact.path);
                joined.in_test |= pass.fact.in_test;
                entry.push(joined);
                grown = true;
            }
        }
        if !grown {
            break;
        }
    }
    let mut seen = BTreeSet::new();
    for pass in &analysis.passes {
        if pass.from_param.is_some() {
            continue;
        }
        let Some(inner) = awaits.get(&(pass.callee, pass.param)) else {
            continue;
        };
        for fact in inner {
            if !seen.insert((pass.fact.connection.acquired_at, fact.at)) {
                continue;
            }
            analysis.facts.push(Fact {
                waits_on: fact.waits_on.clone(),
                kind: FactKind::HeldAcrossAwait,
                connection: pass.fact.connection.clone(),
                at: fact.at,
                path: splice(&pass.fact.path, &fact.path),
                function: fact.function.clone(),
                // A test's connection, held in a helper: it happens only when
                // the test runs.
                in_test: fact.in_test || pass.fact.in_test,
                // The connection is the caller's: no local of this body holds it.
                holder: None,
            });
        }
    }
}

/// The caller's path up to the call, then the callee's path after its
/// parameter's own "acquired here" step.
fn splice(caller: &[PathStep], callee: &[PathStep]) -> Vec<PathStep> {
    caller
        .iter()
        .chain(callee.iter().skip(1))
        .cloned()
        .collect()
}

/// Files analysed between two checks of the run's bound: the same for any
/// thread count, so that where the run stops does not depend on it.
const RUN_BOUND_CHUNK: usize = 256;

/// Analyses every body of every file, in parallel, in file order. Each file
/// may take `bounds.file_steps` steps, and the files in order
/// `bounds.run_steps` together: a file over either is withheld whole (its
/// facts left out, named in `withheld`), and once the run's bound is
/// crossed, so is every later file, which is then not analysed at all.
pub fn analyse_all(
    files: &[FileIr],
    semantics: &Semantics,
    packs: &PackTable,
    summaries: &summaries::Summaries,
    bounds: &crate::bounds::Bounds,
) -> Analysis {
    use crate::bounds::{first_over, Bound};
    let mut per_file: Vec<Analysis> = Vec::with_capacity(files.len());
    let mut cut = None;
    let resources = resolve::SharedResources::default();
    for chunk in files.chunks(RUN_BOUND_CHUNK) {
        per_file.extend(
            chunk
                .par_iter()
                .map(|file| {
                    engine::analyse_file(
                        file,
                        semantics,
                        packs,
                        summaries,
                        &resources,
                        bounds.file_steps,
                    )
                })
                .collect::<Vec<_>>(),
        );
        cut = first_over(per_file.iter().map(|file| file.steps), bounds.run_steps);
        if cut.is_some() {
            break;
        }
    }
    let mut analysis = Analysis::default();
    for (index, file) in files.iter().enumerate() {
        let Some(walked) = per_file
            .get_mut(index)
            .filter(|_| cut.is_none_or(|at| index < at))
        else {
            analysis.withheld.push((file.file, Bound::RunSteps));
            continue;
        };
        let walked = std::mem::take(walked);
        analysis.blocks_walked += walked.blocks_walked;
        analysis.steps += walked.steps;
        if walked.over_budget {
            analysis.withheld.push((file.file, Bound::FileSteps));
            continue;
        }
        analysis.facts.extend(walked.facts);
        analysis.untracked += walked.untracked;
        analysis.param_awaits.extend(walked.param_awaits);
        analysis.passes.extend(walked.passes);
    }
    join_awaits_to_callers(&mut analysis);
    analysis
}
