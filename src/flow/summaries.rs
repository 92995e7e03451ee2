//! Function summaries: what each workspace function does with the pools it is
//! given and what it hands back, so that a call can be judged where it is
//! written. The two shapes that hurt in practice cross a function boundary:
//! a handler holding a transaction calls a method that checks out another
//! connection from the same pool, and project helpers (`get_conn(pool)`,
//! `app.db_write()`) return connections that must be followed like any other.
//!
//! A summary records, per function:
//! - the pools it acquires from (or runs a query on) that it reaches through
//!   a parameter or `self` (`self.pool`, `db`, `state.db`), with where;
//! - the connection its declared return type holds, if any;
//! - the pool parameters it keeps a clone of.
//!
//! Acquires propagate through calls to a fixpoint over the call graph:
//! `handler -> Repo::find -> Repo::conn -> self.pool.acquire()` gives
//! `handler` nothing (it holds no pool), `Repo::find` an acquire from
//! `self.pool` through `Repo::conn`. Recursion terminates: a summary only
//! grows, and field paths are bounded.
//!
//! Calls are resolved by the semantic layer (paths by name resolution,
//! methods by the receiver's type, through `Deref` and traits): a summary
//! belongs to one function, never to every function sharing a name.

use crate::model::{Name, Slice};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::VecDeque;
use std::sync::Arc;

use rayon::prelude::*;

use super::resolve::{is_executor_method, FileContext, FnContext, SharedResources, TempFact};
use super::table::{PackTable, PoolId, ResourceId};
use super::waits::{self, AwaitItem, Wait};
use super::writes;
use crate::model::{
    BodyKind, Callee, FileIr, FnId, FnIr, LocalId, OpKind, Operand, Place, PlaceRoot, TempId,
    Terminator, TypeRef,
};
use crate::packs::ResourceKind;
use crate::semantics::infer::CallTarget;
use crate::semantics::{FuncLoc, Semantics, Ty};
use crate::source::Location;

/// Field paths longer than this are not followed through calls.
const MAX_FIELDS: usize = 4;
/// Rounds of propagation over the call graph (call chains deeper than this
/// are not followed).
const MAX_ROUNDS: usize = 12;

/// A pool a function reaches through one of its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryAcquire {
    /// Index into the function's parameters (`self` is 0 for methods).
    pub param: usize,
    /// Fields from the parameter to the pool (`["pool"]` for `self.pool`),
    /// those `Deref` impls go through included.
    pub fields: Vec<Name>,
    /// `None`: a generic executor parameter (`E: PgExecutor`) a query runs
    /// on; it acquires only where a caller passes a pool.
    pub pool: Option<PoolId>,
    /// Where the connection is checked out (in the callee, or deeper).
    pub at: Location,
    /// Running a query on the pool itself rather than an explicit acquire.
    pub implicit: bool,
    /// Functions the acquire is reached through, outermost first.
    pub via: Vec<Name>,
    /// The parameter whose connection the acquired one replaces (`db =
    /// pool.acquire().await?` on a parameter `db`, a reconnect): a caller
    /// that hands its connection over by value there holds no second one.
    pub replaces: Option<usize>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FnSummary {
    pub name: Name,
    /// Whether parameter 0 is `self`.
    pub has_self: bool,
    pub acquires: Vec<SummaryAcquire>,
    /// The connection the declared return type holds (`-> Result<PoolConnection<Postgres>>`).
    pub returns: Option<ResourceId>,
    /// Pool parameters it clones (to keep in what it builds or returns).
    pub keeps: Vec<usize>,
    /// It opens a connection itself (an acquire in its body, or a call of a
    /// function that hands one out); a function that only passes one on
    /// (`fn with_txn(self, txn) -> Self`) or builds a value that could hold
    /// one but does not (`Outcome::done()`) returns none of its own. A
    /// trait method without a body is taken at its word.
    pub opens: bool,
    /// By parameter position: every statement run through it (here or in
    /// the functions it is passed to) only reads. A transaction lent to such
    /// a function has lost nothing if it is dropped.
    pub reads_only: Vec<bool>,
    /// What awaiting a call of it waits on (its slowest await, through
    /// its callees).
    pub waits: Wait,
    /// It has a body that was not lowered (it names nothing of a database).
    pub unread: bool,
    /// It returns a connection it opened nowhere: one its first operand
    /// held (`outcome.take_transaction()`, `Wrapper::into_inner(w)`), which
    /// the caller now holds in the result.
    pub hands_out: bool,
    /// A method taking `self` by value whose result is `Self` (in a
    /// `Result`, `Option` or future): `fn in_txn(mut self, ..) ->
    /// Result<Self>`. What the receiver holds goes on in the result,
    /// whatever the method opens for it.
    pub returns_receiver: bool,
    /// A method taking `self` by value: a value it is called on is its.
    pub takes_self: bool,
    /// Left unlowered, it awaits something whose type only its body can
    /// tell (a method on a loop variable): what it waits on is unknown
    /// until the body is lowered.
    pub wait_needs_body: bool,
    /// It builds a new pool and returns it (`async fn open_pool() ->
    /// Result<PgPool>` around `PgPoolOptions::new()..connect(..)`): each
    /// call is a new pool, the caller's to keep or to close.
    pub builds_pool: Option<PoolId>,
    /// Where the function is written (its name), for paths through it.
    pub site: Option<Location>,
}

/// Summaries by function.
#[derive(Debug, Default)]
pub struct Summaries {
    by_function: FxHashMap<FuncLoc, Arc<FnSummary>>,
    /// Functions that run once per run of the program: an entry point, and
    /// what only such functions call, in line (see [`Summaries::one_shot`]).
    one_shot: FxHashSet<FuncLoc>,
    /// Fixpoints over the calls stopped by their round limit
    /// ([`MAX_ROUNDS`]) while their last round still changed something:
    /// what lies deeper in a call chain may not have been followed.
    /// Counted in the stats and named by `-v`.
    pub rounds_cut: usize,
}

/// A call from one summarised function to another, with the caller's
/// operands in the callee's parameter order.
struct CallEdge {
    caller: FuncLoc,
    callee: FuncLoc,
    operands: Slice<Option<(u32, Slice<Name>)>>,
    /// The caller runs the callee to its end before it goes on: the call's
    /// result is awaited at once, or handed to nothing else (not spawned,
    /// not kept in a value).
    in_line: bool,
    /// The call is inside a `loop` or `while` of the body that makes it
    /// (see [`repeats`]).
    in_loop: bool,
    /// The call is made in a task the function spawns: it runs apart from
    /// the function's course, alongside the rest of the program.
    spawned: bool,
}

/// What each file contributes to the summaries: its functions' own
/// summaries and calls. Kept between builds, so that lowering a few more
/// bodies redoes only theirs.
#[derive(Default)]
pub struct SummaryParts {
    per_file: Vec<FileParts>,
    /// What the workspace's types hold, kept across builds.
    resources: SharedResources,
    /// For each file (by [`FileId`]), whether all of it is test code
    /// (see [`crate::test_code`]); empty when not known.
    pub test_files: Vec<bool>,
}

/// One file's parts, by function index (`None` for closures, async blocks
/// and functions not summarised).
#[derive(Default)]
struct FileParts {
    /// Boxed: most slots (closures, bodies not lowered yet) are empty.
    functions: Vec<Option<Box<FnParts>>>,
}

/// One function's own summary, its calls, the parameters it passes on, and
/// its awaits. What it holds depends on its own body (and the closures
/// written in it) alone, so lowering another body leaves it as it is.
struct FnParts {
    /// Shared with the summaries built from it: most are never changed
    /// by the propagation, and a copy of each would double their bytes.
    direct: (FuncLoc, Arc<FnSummary>),
    /// A program's entry point (`main`, `#[tokio::main]`), outside tests:
    /// a test may call what production code reaches only as a value (a
    /// handler given to a router).
    entry: bool,
    /// Marked as test code (`#[test]`, inside `#[cfg(test)]`).
    test: bool,
    /// The segment before its name in its path: its type, or its module.
    qualifier: Option<Name>,
    /// Names of functions that may run apart from its own course (see
    /// [`detached_names`]): the workspace functions it names, and the
    /// names it could not resolve, as a path's last segment or a method
    /// (`true`).
    detached: Detached,
    edges: Vec<CallEdge>,
    passes: Vec<ParamPass>,
    awaits: (FuncLoc, Vec<AwaitItem>),
}

/// A parameter of one function passed on to another's.
type ParamPass = ((FuncLoc, usize), (FuncLoc, usize));

impl SummaryParts {
    pub fn new(files: &[FileIr], semantics: &Semantics, table: &PackTable) -> SummaryParts {
        let resources = SharedResources::default();
        let per_file = files
            .par_iter()
            .map(|file| {
                let mut parts = FileParts::default();
                parts.redo(file, semantics, table, &resources, None);
                parts
            })
            .collect();
        SummaryParts {
            per_file,
            resources,
            test_files: Vec::new(),
        }
    }

    /// Redoes the parts of the functions `lowered` names in each file (by
    /// position): the bodies lowered since the parts were made.
    pub fn redo(
        &mut self,
        files: &[FileIr],
        semantics: &Semantics,
        table: &PackTable,
        lowered: &[Vec<FnId>],
    ) {
        let resources = &self.resources;
        self.per_file
            .par_iter_mut()
            .zip(files.par_iter().zip(lowered.par_iter()))
            .filter(|(_, (_, ids))| !ids.is_empty())
            .for_each(|(parts, (file, ids))| {
                parts.redo(file, semantics, table, resources, Some(ids))
            });
    }

    /// The unlowered functions that lowered bodies call, or sketched ones
    /// await, and whose waits only their bodies can tell, by file position:
    /// lowering them says whether awaiting them is slow.
    pub fn bodies_for_waits(&self, summaries: &Summaries, files: &[FileIr]) -> Vec<Vec<FnId>> {
        let position: FxHashMap<_, usize> = files
            .iter()
            .enumerate()
            .map(|(at, file)| (file.file, at))
            .collect();
        let parts_of = |func: FuncLoc| {
            let at = *position.get(&func.file)?;
            self.per_file
                .get(at)?
                .functions
                .get(func.index as usize)?
                .as_ref()
        };
        // From the calls of lowered bodies, through what sketched bodies
        // await, in order.
        let mut queue: VecDeque<FuncLoc> = self
            .per_file
            .iter()
            .flat_map(|file| file.functions.iter().flatten())
            .flat_map(|parts| parts.edges.iter().map(|edge| edge.callee))
            .collect();
        let mut seen: FxHashSet<FuncLoc> = FxHashSet::default();
        let mut wanted: Vec<Vec<FnId>> = vec![Vec::new(); files.len()];
        while let Some(func) = queue.pop_front() {
            if !seen.insert(func) {
                continue;
            }
            let Some(summary) = summaries.get(func) else {
                continue;
            };
            if !summary.unread {
                continue;
            }
            if summary.wait_needs_body {
                if let Some(ids) = position.get(&func.file).and_then(|&at| wanted.get_mut(at)) {
                    ids.push(func.index);
                }
            }
            if let Some(parts) = parts_of(func) {
                queue.extend(parts.awaits.1.iter().filter_map(|item| match item {
                    AwaitItem::Calls(callee, _) => Some(*callee),
                    AwaitItem::Known(_) => None,
                }));
            }
        }
        for ids in &mut wanted {
            ids.sort_unstable();
            ids.dedup();
        }
        wanted
    }

    /// The summaries, propagated over the calls.
    pub fn summaries(&self, table: &PackTable) -> Summaries {
        let mut summaries = Summaries::default();
        let mut edges = Vec::new();
        let mut passes = Vec::new();
        let mut awaits = Vec::new();
        let mut entries = Vec::new();
        let mut tests = FxHashSet::default();
        let mut detached: FxHashSet<(bool, Option<&str>, &str)> = FxHashSet::default();
        let mut detached_funcs: FxHashSet<FuncLoc> = FxHashSet::default();
        let mut qualifiers: FxHashMap<FuncLoc, Name> = FxHashMap::default();
        for parts in self
            .per_file
            .iter()
            .flat_map(|file| file.functions.iter().flatten())
        {
            let func = parts.direct.0;
            if parts.entry {
                entries.push(func);
            }
            if parts.test || self.test_files.get(func.file).copied().unwrap_or(false) {
                tests.insert(func);
            }
            detached.extend(
                parts
                    .detached
                    .names
                    .iter()
                    .map(|(method, qualifier, name)| {
                        (*method, qualifier.as_ref().map(Name::as_str), name.as_str())
                    }),
            );
            detached_funcs.extend(&parts.detached.funcs);
            if let Some(qualifier) = &parts.qualifier {
                qualifiers.insert(func, *qualifier);
            }
            awaits.push(&parts.awaits);
            let (func, summary) = &parts.direct;
            summaries.by_function.insert(*func, Arc::clone(summary));
            edges.extend(&parts.edges);
            passes.extend(&parts.passes);
        }
        summaries.propagate(&edges);
        summaries.settle_returns(&edges);
        if summaries.receivers_as_pools(table) {
            summaries.propagate(&edges);
        }
        summaries.settle_reads(&passes);
        summaries.settle_waits(&awaits);
        summaries.one_shot = one_shot(&entries, &edges, &tests, |func| {
            let Some(summary) = summaries.get(func) else {
                return false;
            };
            let name = summary.name.rsplit("::").next().unwrap_or_default();
            let qualifier = qualifiers.get(&func).map(Name::as_str);
            // Only a method with a receiver is called as one.
            let as_method = summary.has_self && detached.contains(&(true, None, name));
            let as_path = detached.contains(&(false, None, name))
                || qualifier.is_some_and(|q| detached.contains(&(false, Some(q), name)));
            !detached_funcs.contains(&func) && !as_method && !as_path
        });
        summaries
    }
}

impl FileParts {
    /// Makes the parts of every function of `file`, or of those in `only`.
    fn redo(
        &mut self,
        file: &FileIr,
        semantics: &Semantics,
        table: &PackTable,
        resources: &SharedResources,
        only: Option<&[FnId]>,
    ) {
        let empty = Summaries::default();
        let context = FileContext::new(file, semantics, table, &empty).with_shared(resources);
        // Closures and async blocks, by the body they are written in.
        let mut nested: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        for (index, ir) in file.functions.iter().enumerate() {
            if let Some(parent) = ir.parent {
                nested.entry(parent).or_default().push(index as u32);
            }
        }
        self.functions.resize_with(file.functions.len(), || None);
        let indices: Vec<u32> = match only {
            Some(ids) => ids.to_vec(),
            None => (0..file.functions.len() as u32).collect(),
        };
        for index in indices {
            let Some(ir) = file.functions.get(index as usize) else {
                continue;
            };
            if ir.kind != BodyKind::Fn {
                continue;
            }
            self.functions[index as usize] =
                Some(Box::new(fn_parts(file, index, ir, &context, &nested)));
        }
    }
}

fn fn_parts(
    file: &FileIr,
    index: u32,
    ir: &FnIr,
    context: &FileContext,
    nested: &FxHashMap<u32, Vec<u32>>,
) -> FnParts {
    let func = FuncLoc {
        file: file.file,
        index,
    };
    let fcx = FnContext::new(index, context, None);
    let mut summary = direct_summary(ir, &fcx, context);
    // A body not lowered may await anything.
    let items = if !ir.has_body {
        // A trait method without a body: an implementation may wait on
        // anything.
        vec![AwaitItem::Known(Wait::Unknown)]
    } else if ir.blocks.is_empty() {
        let (items, needs_body) = waits::sketched_awaits(context, func, &ir.await_sketches);
        summary.wait_needs_body = needs_body;
        items
    } else {
        waits::body_awaits(&fcx, context)
    };
    let uses = writes::params_reading(&fcx, context);
    // A body left unlowered cannot be read: it may write.
    let lowered = !ir.has_body || !ir.blocks.is_empty();
    summary.reads_only = uses.iter().map(|u| lowered && !u.writes).collect();
    let mut passes = Vec::new();
    for (position, param_use) in uses.into_iter().enumerate() {
        for target in param_use.passed_to {
            passes.push(((func, position), target));
        }
    }
    let mut edges = Vec::new();
    collect_edges(func, ir, &fcx, &mut edges);
    let mut detached = Detached::default();
    body_detached(ir, &fcx, false, &mut detached);
    // What its closures and async blocks open, it opens (a pool's `get` run
    // on a blocking thread, in a retry closure).
    let mut nested_facts = NestedFacts {
        edges: &mut edges,
        detached: &mut detached,
        opens: summary.opens,
    };
    nested_calls(
        func,
        index,
        &fcx,
        nested,
        context,
        Above::default(),
        &mut nested_facts,
    );
    summary.opens = nested_facts.opens;
    detached.funcs.sort_unstable();
    detached.funcs.dedup();
    detached.names.sort_unstable();
    detached.names.dedup();
    FnParts {
        direct: (func, Arc::new(summary)),
        entry: ir.role.is_main && !ir.role.is_test,
        test: ir.role.is_test,
        qualifier: {
            let path = context.semantics.function_path(func);
            path.len().checked_sub(2).map(|at| path[at])
        },
        detached,
        edges,
        passes,
        awaits: (func, items),
    }
}

impl Summaries {
    pub fn build(files: &[FileIr], semantics: &Semantics, table: &PackTable) -> Summaries {
        SummaryParts::new(files, semantics, table).summaries(table)
    }

    pub fn get(&self, func: FuncLoc) -> Option<&FnSummary> {
        self.by_function.get(&func).map(|summary| &**summary)
    }

    /// Whether `func` runs once per run of the program: it is an entry
    /// point, or every call to it is from such a function and runs in line
    /// (an operator command, start-up work). A connection held there across
    /// a slow wait keeps no request waiting.
    pub fn is_one_shot(&self, func: FuncLoc) -> bool {
        self.one_shot.contains(&func)
    }

    /// What each function waits on: its own awaits, and through the
    /// workspace functions it awaits, to a fixpoint (waits only grow).
    fn settle_waits(&mut self, awaits: &[&(FuncLoc, Vec<AwaitItem>)]) {
        for round in 0..=MAX_ROUNDS {
            if round == MAX_ROUNDS {
                self.rounds_cut += 1;
                break;
            }
            let mut changed = false;
            for (func, items) in awaits {
                let mut wait = Wait::Nothing;
                for item in items {
                    let next = match item {
                        AwaitItem::Known(known) => known.clone(),
                        AwaitItem::Calls(callee, name) => match self.get(*callee) {
                            Some(summary) => match &summary.waits {
                                Wait::Slow { what, inside: None } => Wait::Slow {
                                    what: what.clone(),
                                    inside: Some(name.to_string()),
                                },
                                other => other.clone(),
                            },
                            None => Wait::Unknown,
                        },
                    };
                    wait = wait.join(next);
                }
                if let Some(summary) = self.by_function.get_mut(func) {
                    if summary.waits != wait {
                        Arc::make_mut(summary).waits = wait;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// A parameter reads only if every function it is passed to reads only
    /// through it (a greatest fixpoint: recursion alone writes nothing).
    fn settle_reads(&mut self, passes: &[&ParamPass]) {
        let rounds = passes.len().min(MAX_ROUNDS * 4);
        for round in 0..=rounds {
            let mut changed = false;
            for &&((caller, position), (callee, at)) in passes {
                let callee_reads = self
                    .get(callee)
                    .is_some_and(|summary| summary.reads_only.get(at).copied().unwrap_or(false));
                if callee_reads {
                    continue;
                }
                if let Some(summary) = self.by_function.get_mut(&caller) {
                    if summary.reads_only.get(position).copied().unwrap_or(false) {
                        Arc::make_mut(summary).reads_only[position] = false;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
            if round == rounds {
                self.rounds_cut += 1;
            }
        }
    }

    /// Which functions open what they return, through calls; a function
    /// that opens nothing returns no connection of its own.
    fn settle_returns(&mut self, edges: &[&CallEdge]) {
        for round in 0..MAX_ROUNDS {
            let mut opened = Vec::new();
            for edge in edges {
                let callee_opens = self
                    .get(edge.callee)
                    .is_some_and(|callee| callee.opens && callee.returns.is_some());
                let caller_knows = self.get(edge.caller).is_some_and(|caller| caller.opens);
                if callee_opens && !caller_knows {
                    opened.push(edge.caller);
                }
            }
            if opened.is_empty() {
                break;
            }
            if round + 1 == MAX_ROUNDS {
                self.rounds_cut += 1;
            }
            for caller in opened {
                if let Some(summary) = self.by_function.get_mut(&caller) {
                    if !summary.opens {
                        Arc::make_mut(summary).opens = true;
                    }
                }
            }
        }
        for summary in self.by_function.values_mut() {
            let hands_out = summary.returns.is_some();
            if !summary.opens && (summary.hands_out != hands_out || summary.returns.is_some()) {
                let summary = Arc::make_mut(summary);
                summary.hands_out = hands_out;
                summary.returns = None;
            }
        }
    }

    /// A method that hands out a connection it opened, from no pool a
    /// parameter leads to (the pool sits behind a lock or an enum in its
    /// receiver: `self.ready()?.get().await`): its receiver stands for the
    /// pool, so two calls on the same receiver draw from the same pool.
    /// Only where the connection's crate has one kind of pool. Whether any
    /// was added.
    fn receivers_as_pools(&mut self, table: &PackTable) -> bool {
        let mut added = false;
        for summary in self.by_function.values_mut() {
            let Some(resource) = summary.returns else {
                continue;
            };
            if !summary.has_self || !summary.opens || summary.unread {
                continue;
            }
            if summary.acquires.iter().any(|a| a.pool.is_some()) {
                continue;
            }
            let pools = &table.packs[resource.pack].pools;
            if pools.len() != 1 {
                continue;
            }
            let Some(at) = summary.site else {
                continue;
            };
            Arc::make_mut(summary).acquires.push(SummaryAcquire {
                param: 0,
                fields: Vec::new(),
                pool: Some(PoolId {
                    pack: resource.pack,
                    index: 0,
                }),
                at,
                implicit: false,
                via: Vec::new(),
                replaces: None,
            });
            added = true;
        }
        added
    }

    fn propagate(&mut self, edges: &[&CallEdge]) {
        // An edge whose callee gained nothing in the last round derives
        // nothing new: all it could derive is known to its caller by now.
        // So after the first round only the edges of changed callees are
        // walked, in the same order.
        let mut changed: Option<FxHashSet<FuncLoc>> = None;
        for round in 0..=MAX_ROUNDS {
            let mut added = Vec::new();
            for edge in edges {
                if changed
                    .as_ref()
                    .is_some_and(|changed| !changed.contains(&edge.callee))
                {
                    continue;
                }
                let Some(callee) = self.get(edge.callee) else {
                    continue;
                };
                let Some(caller) = self.get(edge.caller) else {
                    continue;
                };
                for acquire in &callee.acquires {
                    let Some(Some((param, prefix))) = edge.operands.get(acquire.param) else {
                        continue;
                    };
                    let length = prefix.len() + acquire.fields.len();
                    if length > MAX_FIELDS || acquire.via.contains(&caller.name) {
                        continue;
                    }
                    let known = caller.acquires.iter().any(|a| {
                        a.param == *param as usize
                            && a.pool == acquire.pool
                            && a.fields.len() == length
                            && a.fields[..prefix.len()] == prefix[..]
                            && a.fields[prefix.len()..] == acquire.fields[..]
                    });
                    if known {
                        continue;
                    }
                    let mut fields = prefix.to_vec();
                    fields.extend(acquire.fields.iter().cloned());
                    let derived = SummaryAcquire {
                        param: *param as usize,
                        fields,
                        pool: acquire.pool,
                        at: acquire.at,
                        implicit: acquire.implicit,
                        via: std::iter::once(callee.name)
                            .chain(acquire.via.iter().cloned())
                            .collect(),
                        replaces: None,
                    };
                    added.push((edge.caller, derived));
                }
            }
            if added.is_empty() {
                return;
            }
            if round == MAX_ROUNDS {
                // Not applied: the rounds are spent.
                self.rounds_cut += 1;
                return;
            }
            let mut now_changed = FxHashSet::default();
            for (caller, derived) in added {
                if let Some(summary) = self.by_function.get_mut(&caller) {
                    let known = summary.acquires.iter().any(|a| {
                        a.param == derived.param
                            && a.fields == derived.fields
                            && a.pool == derived.pool
                    });
                    if !known {
                        Arc::make_mut(summary).acquires.push(derived);
                        now_changed.insert(caller);
                    }
                }
            }
            changed = Some(now_changed);
        }
    }
}

/// The workspace function a call calls, as the semantic layer resolved it.
pub fn called_function(fcx: &FnContext, dest: u32) -> Option<FuncLoc> {
    match fcx.call_target(dest)? {
        CallTarget::Func(func, _) => Some(*func),
        _ => None,
    }
}

/// The caller's operands in the callee's parameter order: the receiver comes
/// first for a method call.
pub fn call_operands<'o>(callee: &'o Callee, args: &'o [Operand]) -> Vec<&'o Operand> {
    match callee {
        Callee::Method { receiver, .. } => std::iter::once(receiver).chain(args).collect(),
        _ => args.iter().collect(),
    }
}

/// A parameter-rooted place: which parameter, and the fields below it, with
/// those the workspace's `Deref` impls go through.
fn param_path(ir: &FnIr, fcx: &FnContext, operand: &Operand) -> Option<(usize, Vec<Name>)> {
    let Operand::Place {
        place: Place {
            root: PlaceRoot::Local(local),
            fields,
        },
        ..
    } = operand
    else {
        return None;
    };
    let param = ir.params.iter().position(|p| p == local)?;
    Some((param, canonical_fields(fcx, *local, fields)))
}

/// `fields` below a local, with the fields `Deref` impls go through spelled
/// out (as [`FnContext::place_key`] spells them).
fn canonical_fields(fcx: &FnContext, local: u32, fields: &[Name]) -> Vec<Name> {
    let mut ty = fcx.local_ty(local);
    let mut canonical = Vec::new();
    for field in fields {
        match fcx.inference.semantics.field_type(&ty, field) {
            Some((next, via)) => {
                canonical.extend(via);
                ty = next;
            }
            None => ty = Ty::Unknown,
        }
        canonical.push(*field);
    }
    canonical
}

/// Whether `ir` takes `self` by value and gives back `Self`: its declared
/// result, through `Result`, `Option` and `impl Future<Output = ..>`, is
/// `Self` or the impl's type.
fn returns_receiver(ir: &FnIr) -> bool {
    if !takes_self_by_value(ir) {
        return false;
    }
    let mut ty = ir.ret.as_ref();
    for _ in 0..4 {
        ty = match ty {
            Some(TypeRef::Path { segments, args }) => {
                let last = segments.last().map(Name::as_str);
                if last == Some("Self") || (last.is_some() && last == ir.self_type.as_deref()) {
                    return true;
                }
                if !matches!(last, Some("Result" | "Option")) {
                    return false;
                }
                args.first()
            }
            Some(TypeRef::Bounds(bounds)) => bounds
                .iter()
                .find(|bound| bound.path.last().map(Name::as_str) == Some("Future"))
                .and_then(|bound| bound.bindings.iter().find(|(name, _)| name == "Output"))
                .map(|(_, output)| output),
            _ => return false,
        };
    }
    false
}

/// Whether `ir` is a method taking `self` by value (`self`, `mut self`).
fn takes_self_by_value(ir: &FnIr) -> bool {
    ir.params.first().is_some_and(|&p| {
        ir.locals.get(p as usize).is_some_and(|local| {
            local.name == "self"
                && matches!(&local.ty, Some(TypeRef::Path { segments, .. }) if segments[..] == ["Self"])
        })
    })
}

fn direct_summary(ir: &FnIr, fcx: &FnContext, file: &FileContext) -> FnSummary {
    let has_self = ir
        .params
        .first()
        .is_some_and(|&p| ir.local_name(p) == "self");
    let func = FuncLoc {
        file: file.file.file,
        index: fcx.body,
    };
    let returns = file
        .semantics
        .signature(func)
        .and_then(|signature| returned_resource(&signature.ret, file));
    let mut summary = FnSummary {
        name: ir.name,
        has_self,
        acquires: Vec::new(),
        returns,
        keeps: Vec::new(),
        opens: !ir.has_body,
        reads_only: Vec::new(),
        waits: Wait::Nothing,
        unread: ir.has_body && ir.blocks.is_empty(),
        hands_out: false,
        returns_receiver: returns_receiver(ir),
        takes_self: takes_self_by_value(ir),
        wait_needs_body: false,
        builds_pool: None,
        site: Some(Location {
            file: file.file.file,
            span: ir.span,
        }),
    };
    let mut opens = false;
    let mut keeps = Vec::new();
    // Whether any parameter is assigned anew: only then can an acquire
    // replace one.
    let reassigns_param = ir.blocks.iter().flat_map(|block| &block.ops).any(|op| {
        matches!(&op.kind, OpKind::Assign { place, .. }
            if matches!(place.root, PlaceRoot::Local(local) if ir.params.contains(&local)))
    });
    let replaced_param = |dest: TempId| {
        if !reassigns_param {
            return None;
        }
        let assigned = ir.locals_assigned_from(dest);
        ir.params.iter().position(|param| assigned.contains(param))
    };
    let mut record = |operand: &Operand,
                      pool: Option<PoolId>,
                      at: Location,
                      implicit: bool,
                      replaces: Option<usize>| {
        if let Some((param, mut fields)) = param_path(ir, fcx, operand) {
            // A pool reached through a wrapper's `Deref`: the wrapper's
            // field is the pool.
            if let (Some(_), Operand::Place { place, .. }) = (pool, operand) {
                if let Some(info) = fcx.place_pool(place, file) {
                    let written = fcx.place_key(place);
                    if let Some(extra) = info.key.strip_prefix(&written) {
                        fields.extend(extra.split('.').filter(|s| !s.is_empty()).map(Name::from));
                    }
                }
            }
            let known = summary
                .acquires
                .iter()
                .any(|a| a.param == param && a.fields == fields && a.pool == pool);
            if !known {
                summary.acquires.push(SummaryAcquire {
                    param,
                    fields,
                    pool,
                    at,
                    implicit,
                    via: Vec::new(),
                    replaces,
                });
            }
        }
    };
    for block in &ir.blocks {
        for op in &block.ops {
            let OpKind::Call { dest, callee, args } = &op.kind else {
                continue;
            };
            let at = Location {
                file: file.file.file,
                span: op.span,
            };
            match callee {
                Callee::Method { receiver, name } => {
                    if matches!(name.as_str(), "clone" | "to_owned")
                        && matches!(fcx.operand_fact(receiver, file), TempFact::Pool(_))
                    {
                        if let Some((param, fields)) = param_path(ir, fcx, receiver) {
                            if fields.is_empty() && !keeps.contains(&param) {
                                keeps.push(param);
                            }
                        }
                    }
                    if let TempFact::Pool(info) = fcx.operand_fact(receiver, file) {
                        if file.acquire_from_pool(info.id, name).is_some() {
                            opens = true;
                            record(receiver, Some(info.id), at, false, replaced_param(*dest));
                        } else if file
                            .table
                            .pool(info.id)
                            .executor_methods
                            .iter()
                            .any(|m| m == name)
                        {
                            record(receiver, Some(info.id), at, true, None);
                        }
                    }
                    if is_executor_method(file, name) {
                        for arg in args {
                            match fcx.operand_fact(arg, file) {
                                TempFact::Pool(info) => record(arg, Some(info.id), at, true, None),
                                // A parameter that is neither a pool nor a
                                // connection by its type: a generic executor.
                                _ if is_generic_executor(ir, fcx, file, arg) => {
                                    record(arg, None, at, true, None)
                                }
                                _ => {}
                            }
                        }
                    }
                }
                Callee::Path(_) => {
                    let acquires = fcx
                        .call_path(callee, *dest, file)
                        .is_some_and(|resolved| file.path_acquire(&resolved).is_some());
                    opens |= acquires;
                    if acquires {
                        for arg in args {
                            if let TempFact::Pool(info) = fcx.operand_fact(arg, file) {
                                record(arg, Some(info.id), at, false, replaced_param(*dest));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    summary.keeps = keeps;
    summary.opens |= opens || opens_through_types(ir, fcx, file);
    summary.builds_pool = built_and_returned_pool(func, fcx, file);
    summary
}

/// The pool a function builds in its own body and declares it returns: a
/// getter (`self.pool.clone()`) builds none, and one built in a closure
/// (`OnceCell::get_or_init`) is built once, not per call.
fn built_and_returned_pool(func: FuncLoc, fcx: &FnContext, file: &FileContext) -> Option<PoolId> {
    let declared = owned_return(&file.semantics.signature(func)?.ret)?;
    let (returned, via) = file.pool_of(&declared)?;
    if !via.is_empty() {
        return None;
    }
    let built = fcx
        .temp_facts
        .iter()
        .any(|fact| matches!(fact, TempFact::NewPool(id) if *id == returned));
    built.then_some(returned)
}

/// An acquire from a pool or a pack's acquire path in a body.
fn body_opens(ir: &FnIr, fcx: &FnContext, file: &FileContext) -> bool {
    ir.blocks.iter().flat_map(|block| &block.ops).any(|op| {
        let OpKind::Call { dest, callee, .. } = &op.kind else {
            return false;
        };
        match callee {
            Callee::Method { receiver, name } => {
                matches!(fcx.operand_fact(receiver, file), TempFact::Pool(info)
                    if file.acquire_from_pool(info.id, name).is_some())
            }
            Callee::Path(_) => fcx
                .call_path(callee, *dest, file)
                .is_some_and(|resolved| file.path_acquire(&resolved).is_some()),
            _ => false,
        }
    })
}

/// An acquire written as a method on a typed value: a pack's `Type::method`
/// entry (`config.connect()`), or a connection opened from another
/// (`conn.begin()`, `client.transaction()`).
fn opens_through_types(ir: &FnIr, fcx: &FnContext, file: &FileContext) -> bool {
    ir.blocks.iter().flat_map(|block| &block.ops).any(|op| {
        let OpKind::Call {
            dest,
            callee: Callee::Method { receiver, name },
            ..
        } = &op.kind
        else {
            return false;
        };
        if let Some(CallTarget::External(path)) = fcx.call_target(*dest) {
            if file.path_acquire(path).is_some() {
                return true;
            }
        }
        fcx.operand_resource(receiver, file)
            .is_some_and(|resource| {
                let pack = &file.table.packs[resource.pack];
                pack.resources.iter().any(|spec| {
                    spec.acquire.iter().any(|entry| {
                        super::table::split_method_entry(entry).is_some_and(
                            |(type_name, method)| {
                                method == name && file.resource_named(resource, type_name)
                            },
                        )
                    })
                })
            })
    })
}

/// A parameter passed whole whose type is a type parameter or `impl Trait`
/// naming neither a pool nor a connection (`executor: E`,
/// `db: impl PgExecutor<'_>`).
fn is_generic_executor(ir: &FnIr, fcx: &FnContext, file: &FileContext, operand: &Operand) -> bool {
    let Some((_, fields)) = param_path(ir, fcx, operand) else {
        return false;
    };
    let ty = fcx.operand_ty(operand);
    let generic = matches!(ty.strip_refs(), Ty::Param(_) | Ty::Opaque(_));
    fields.is_empty() && generic && file.resource_type(&ty).is_none() && file.pool_of(&ty).is_none()
}

fn collect_edges(caller: FuncLoc, ir: &FnIr, fcx: &FnContext, edges: &mut Vec<CallEdge>) {
    let handed_on = temps_handed_on(ir);
    for block in &ir.blocks {
        for op in &block.ops {
            let OpKind::Call { dest, callee, args } = &op.kind else {
                continue;
            };
            let Some(target) = called_function(fcx, *dest) else {
                continue;
            };
            if target == caller {
                continue;
            }
            let operands = call_operands(callee, args)
                .into_iter()
                .map(|operand| {
                    param_path(ir, fcx, operand)
                        .map(|(param, fields)| (param as u32, Slice::from(fields)))
                })
                .collect();
            edges.push(CallEdge {
                caller,
                callee: target,
                operands,
                in_line: !handed_on.contains(dest),
                in_loop: repeats(ir, block.loop_id),
                spawned: false,
            });
        }
    }
}

/// Whether a block in `innermost` runs again and again: some loop around
/// it is a `loop` or a `while`, which go on until something happens. A
/// `for` loop makes one pass over its items (the chains configured, the
/// files given).
fn repeats(ir: &FnIr, innermost: Option<crate::model::LoopId>) -> bool {
    let mut cursor = innermost;
    for _ in 0..=ir.loops.len() {
        let Some(info) = cursor.and_then(|id| ir.loops.get(id as usize)) else {
            return false;
        };
        if !info.over_items {
            return true;
        }
        cursor = info.parent;
    }
    true
}

/// The entry points, then every function all of whose callers are known,
/// one-shot and call it in line, to a fixpoint. `callable` says whether a
/// function may be one-shot at all (no closure anywhere calls its name).
/// Calls from test code (`tests`) count neither way: a test runs start-up
/// work again on purpose, and a function only tests call is not known to
/// run once (production code may reach it as a value the analysis does not
/// see). A function reached through a spawned task runs alongside the rest
/// of the program: there, a call in a loop is periodic work (a metrics
/// loop), not a step of start-up.
fn one_shot(
    entries: &[FuncLoc],
    edges: &[&CallEdge],
    tests: &FxHashSet<FuncLoc>,
    callable: impl Fn(FuncLoc) -> bool,
) -> FxHashSet<FuncLoc> {
    let mut callers: FxHashMap<FuncLoc, Vec<&CallEdge>> = FxHashMap::default();
    for edge in edges {
        if !tests.contains(&edge.caller) {
            callers.entry(edge.callee).or_default().push(edge);
        }
    }
    // Each one-shot function, and whether it runs in a spawned task.
    let mut found: FxHashMap<FuncLoc, bool> = entries.iter().map(|&entry| (entry, false)).collect();
    let mut queue: Vec<FuncLoc> = entries.to_vec();
    let mut callees_of: FxHashMap<FuncLoc, Vec<FuncLoc>> = FxHashMap::default();
    for edge in edges {
        callees_of.entry(edge.caller).or_default().push(edge.callee);
    }
    // Each function enters at most once; each time, only its callees are
    // looked at again.
    while let Some(func) = queue.pop() {
        for &callee in callees_of.get(&func).into_iter().flatten() {
            if found.contains_key(&callee) || !callable(callee) {
                continue;
            }
            let Some(incoming) = callers.get(&callee) else {
                continue;
            };
            let mut spawned = false;
            let all = incoming.iter().all(|edge| {
                let Some(&caller_spawned) = found.get(&edge.caller) else {
                    return false;
                };
                let in_task = caller_spawned || edge.spawned;
                spawned |= in_task;
                edge.in_line && !(in_task && edge.in_loop)
            });
            if all {
                found.insert(callee, spawned);
                queue.push(callee);
            }
        }
    }
    found.into_keys().collect()
}

/// The temporaries handed to another call or value: a future spawned,
/// wrapped or stored may run apart from its caller; one awaited at once, or
/// a plain call, runs in line. One walk of the body for all its calls.
fn temps_handed_on(ir: &FnIr) -> FxHashSet<TempId> {
    let mut handed_on = FxHashSet::default();
    for op in ir.blocks.iter().flat_map(|block| &block.ops) {
        let (receiver, values) = match &op.kind {
            OpKind::Call { callee, args, .. } => match callee {
                Callee::Method { receiver, .. } | Callee::Value(receiver) => {
                    (Some(receiver), &args[..])
                }
                _ => (None, &args[..]),
            },
            OpKind::Aggregate { fields, .. } => (None, &fields[..]),
            _ => continue,
        };
        for value in values.iter().chain(receiver) {
            if let Operand::Temp(temp) = value {
                handed_on.insert(*temp);
            }
        }
    }
    handed_on
}

/// The closures and async blocks of `ir` that run once each time `ir`
/// runs:
/// - handed straight to a `block_on` (`runtime.block_on(async {
///   serve().await })`), which runs them to their end before it returns,
///   or to a `spawn` outside every loop (`spawn(async move {
///   node.run().await })`), which starts one task;
/// - a closure bound to a local that is used once, in a call whose result
///   is run that way, or awaited (`let launch = |..| async move { .. };
///   spawn(launch(..))`);
/// - the async block `ir` returns (`|..| async move { .. }`,
///   `Box::pin(async move { .. })`): it runs when what `ir` returned does.
fn bodies_run_once(ir: &FnIr, file: &FileIr) -> Vec<RunOnce> {
    let temp_of = |operand: &Operand| match operand {
        Operand::Temp(temp) => Some(*temp),
        _ => None,
    };
    let mut made: FxHashMap<TempId, FnId> = FxHashMap::default();
    let mut bound: FxHashMap<LocalId, FnId> = FxHashMap::default();
    let mut uses: FxHashMap<LocalId, usize> = FxHashMap::default();
    // A closure local's calls: (result, in a loop).
    let mut called: FxHashMap<LocalId, (TempId, bool)> = FxHashMap::default();
    // Temporaries given to a `block_on` or a `spawn`: (spawned, in a loop).
    let mut run: FxHashMap<TempId, (bool, bool)> = FxHashMap::default();
    // A future boxed or pinned: the temporary it was made from.
    let mut wrapped: FxHashMap<TempId, TempId> = FxHashMap::default();
    let note_use = |operand: &Operand, uses: &mut FxHashMap<LocalId, usize>| {
        if let Operand::Place { place, .. } = operand {
            if let PlaceRoot::Local(local) = place.root {
                *uses.entry(local).or_default() += 1;
            }
        }
    };
    for block in &ir.blocks {
        let in_loop = block.loop_id.is_some();
        for op in &block.ops {
            match &op.kind {
                OpKind::Closure { dest, body } => {
                    made.insert(*dest, *body);
                }
                OpKind::Let { local, value } => {
                    if let Some(&body) =
                        temp_of(value).and_then(|temp| made.get(&origin_now(&wrapped, temp)))
                    {
                        bound.insert(*local, body);
                    }
                    note_use(value, &mut uses);
                }
                OpKind::Call { dest, callee, args } => {
                    let name = match callee {
                        Callee::Method { name, receiver } => {
                            note_use(receiver, &mut uses);
                            if name == "boxed" {
                                if let Some(temp) = temp_of(receiver) {
                                    wrapped.insert(*dest, temp);
                                }
                            }
                            name.as_str()
                        }
                        Callee::Path(segments) => segments.last().map_or("", Name::as_str),
                        Callee::Value(value) => {
                            note_use(value, &mut uses);
                            if let Operand::Place { place, .. } = value {
                                if let (PlaceRoot::Local(local), true) =
                                    (&place.root, place.fields.is_empty())
                                {
                                    called.insert(*local, (*dest, repeats(ir, block.loop_id)));
                                }
                            }
                            ""
                        }
                        _ => "",
                    };
                    for arg in args {
                        note_use(arg, &mut uses);
                    }
                    let first = args.first().and_then(temp_of);
                    match name {
                        "block_on" => {
                            let again = repeats(ir, block.loop_id);
                            run.extend(first.map(|temp| (temp, (false, again))))
                        }
                        "spawn" | "spawn_local" | "spawn_blocking" if !in_loop => {
                            run.extend(first.map(|temp| (temp, (true, false))))
                        }
                        "pin" => wrapped.extend(first.map(|temp| (*dest, temp))),
                        _ => {}
                    }
                }
                OpKind::Aggregate { fields, .. } => {
                    fields.iter().for_each(|f| note_use(f, &mut uses))
                }
                OpKind::Move { dest, value } => {
                    if let Some(temp) = temp_of(value) {
                        wrapped.insert(*dest, temp);
                    }
                    note_use(value, &mut uses);
                }
                OpKind::Assign { value, .. } | OpKind::Await { future: value, .. } => {
                    note_use(value, &mut uses)
                }
                OpKind::Use { operands } => operands.iter().for_each(|o| note_use(o, &mut uses)),
                _ => {}
            }
        }
    }
    let origin = |temp: TempId| origin_now(&wrapped, temp);
    let handed_on = temps_handed_on(ir);
    let mut bodies = Vec::new();
    for (&temp, &(spawned, in_loop)) in &run {
        let temp = origin(temp);
        if let Some(&body) = made.get(&temp) {
            bodies.push(RunOnce {
                body,
                spawned,
                in_loop,
            });
        }
    }
    for (local, &body) in &bound {
        let (Some(&(result, call_in_loop)), Some(1)) = (called.get(local), uses.get(local)) else {
            continue;
        };
        let once = match run.get(&result) {
            Some(&(spawned, in_loop)) => Some((spawned, in_loop || call_in_loop)),
            None if !handed_on.contains(&result) => Some((false, call_in_loop)),
            None => None,
        };
        if let Some((spawned, in_loop)) = once {
            bodies.push(RunOnce {
                body,
                spawned,
                in_loop,
            });
        }
    }
    for block in &ir.blocks {
        if let Terminator::Exit {
            value: Some(Operand::Temp(temp)),
            ..
        } = &block.term
        {
            if let Some(&body) = made.get(&origin(*temp)) {
                let is_async = file
                    .functions
                    .get(body as usize)
                    .is_some_and(|f| matches!(f.kind, BodyKind::AsyncBlock { .. }));
                if is_async {
                    bodies.push(RunOnce {
                        body,
                        spawned: false,
                        in_loop: false,
                    });
                }
            }
        }
    }
    bodies.sort_unstable_by_key(|run| run.body);
    bodies.dedup_by_key(|run| run.body);
    bodies
}

/// What `temp` was made from, through the moves, boxes and pins seen so far.
fn origin_now(wrapped: &FxHashMap<TempId, TempId>, mut temp: TempId) -> TempId {
    for _ in 0..8 {
        match wrapped.get(&temp) {
            Some(&from) => temp = from,
            None => break,
        }
    }
    temp
}

/// What a function may have run apart from its own course.
#[derive(Default)]
struct Detached {
    /// The workspace functions, where the path resolves.
    funcs: Vec<FuncLoc>,
    /// The names left: a method (`true`), or a path's last segment with
    /// the one before it (`ps::run`: a column of a table the macros make,
    /// which names no function `launcher::run`).
    names: Vec<(bool, Option<Name>, Name)>,
}

/// The calls that `parent`'s closures and async blocks make, as calls of
/// `func`: in line only in a body run once each time its parent runs (see
/// [`bodies_run_once`]), under parents that run in line; a closure may run
/// many times, or apart from `func`'s course (a handler, a spawned task).
/// What they call and the analysis cannot resolve goes to `detached` by
/// name.
fn nested_calls(
    func: FuncLoc,
    parent: u32,
    parent_context: &FnContext,
    nested: &FxHashMap<u32, Vec<u32>>,
    context: &FileContext,
    above: Above,
    facts: &mut NestedFacts,
) {
    let Some(children) = nested.get(&parent) else {
        return;
    };
    let once = bodies_run_once(parent_context.ir, context.file);
    for &child in children {
        if context.file.functions.get(child as usize).is_none() {
            continue;
        }
        let fcx = FnContext::new(child, context, Some(&parent_context.types));
        let run = once.iter().find(|run| run.body == child);
        let here = Above {
            apart: above.apart || run.is_none(),
            spawned: above.spawned || run.is_some_and(|run| run.spawned),
            in_loop: above.in_loop || run.is_some_and(|run| run.in_loop),
        };
        let start = facts.edges.len();
        collect_edges(func, fcx.ir, &fcx, facts.edges);
        for edge in &mut facts.edges[start..] {
            edge.in_line &= !here.apart;
            edge.spawned = here.spawned;
            edge.in_loop |= here.in_loop;
        }
        body_detached(fcx.ir, &fcx, here.apart, facts.detached);
        facts.opens = facts.opens
            || body_opens(fcx.ir, &fcx, context)
            || opens_through_types(fcx.ir, &fcx, context);
        nested_calls(func, child, &fcx, nested, context, here, facts);
    }
}

/// What a function's closures and async blocks add to its parts.
struct NestedFacts<'a> {
    edges: &'a mut Vec<CallEdge>,
    detached: &'a mut Detached,
    /// It, or one of them, opens a connection.
    opens: bool,
}

/// How the bodies a closure is written in run, seen from the function.
#[derive(Clone, Copy, Default)]
struct Above {
    /// One of them may run many times, or apart from the function's course.
    apart: bool,
    /// One of them is a spawned task.
    spawned: bool,
    /// One of them is made in a loop.
    in_loop: bool,
}

/// A closure or async block that runs once each time its parent body runs.
struct RunOnce {
    body: FnId,
    /// Handed to a `spawn`, not to a `block_on`.
    spawned: bool,
    /// Made in a loop of its parent (a `block_on` in a loop).
    in_loop: bool,
}

/// What one body hands on as a value (`.route("/", post(handler))`,
/// `spawn(task)`), and, in a body that runs `apart`, what it calls without
/// the call resolving to a workspace function.
fn body_detached(ir: &FnIr, fcx: &FnContext, apart: bool, detached: &mut Detached) {
    let add_path =
        |detached: &mut Detached, segments: &[Name]| match fcx.inference.path_target(segments) {
            Some(CallTarget::Func(func, _)) => detached.funcs.push(func),
            Some(_) => {}
            None => detached.names.extend(segments.last().map(|name| {
                let qualifier = segments.len().checked_sub(2).map(|at| segments[at]);
                (false, qualifier, *name)
            })),
        };
    for op in ir.blocks.iter().flat_map(|block| &block.ops) {
        let (call, values) = match &op.kind {
            OpKind::Call { dest, callee, args } => (Some((dest, callee)), &args[..]),
            OpKind::Aggregate { fields, .. } => (None, &fields[..]),
            _ => continue,
        };
        for value in values {
            if let Operand::Place { place, .. } = value {
                if let (PlaceRoot::Path(segments), true) = (&place.root, place.fields.is_empty()) {
                    add_path(detached, segments);
                }
            }
        }
        let Some((dest, callee)) = call else {
            continue;
        };
        if !apart || fcx.call_target(*dest).is_some() {
            continue;
        }
        // A method whose receiver's type is not known is not kept by its
        // name: a name like `store` or `run` is on too many types.
        if let Callee::Path(segments) = callee {
            add_path(detached, segments);
        }
    }
}

/// The connection a function's result holds: `PoolConnection<Postgres>`,
/// `Result<Transaction<'_, Postgres>, Error>`, `Option<Object>`, a future of
/// one, a workspace alias of one, a workspace struct that owns or derefs to
/// one. Pools and drivers are not connections to follow; a reference lends
/// a connection and opens none.
/// What a declared return hands over by value: the output of a future,
/// inside `Result`/`Option`; `None` for a reference.
fn owned_return(ty: &Ty) -> Option<Ty> {
    let mut ty = ty.clone();
    for _ in 0..6 {
        if let Some(output) = ty.future_output() {
            ty = output;
            continue;
        }
        match ty.external_name() {
            Some("Result" | "Option") if !matches!(ty, Ty::Ref(..)) => {
                ty = ty.args().first()?.clone();
            }
            _ => break,
        }
    }
    (!matches!(ty, Ty::Ref(..))).then_some(ty)
}

fn returned_resource(ty: &Ty, file: &FileContext) -> Option<ResourceId> {
    let ty = owned_return(ty)?;
    let resource = file.resource_type(&ty)?;
    match file.table.resource(resource).kind {
        ResourceKind::Driver => None,
        _ => Some(resource),
    }
}
