//! Path exploration: a breadth-first walk over the control-flow graph of
//! each body, carrying the set of live connections with where they are held
//! and what has happened to them. The walk is path-sensitive in each
//! connection's own state and nothing else (see [`Reached`]): a block is
//! walked once per connection state that reaches it, so the cost follows the
//! size of the body, not the number of its paths, and no path is cut by a
//! budget. The first path to bring a state to a block is the shortest, and
//! its predecessor links are the witness. Bodies of closures and async
//! blocks are explored after the body that creates them, seeded with the
//! connections moved into them.

use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::hash_map::Entry;
use std::collections::VecDeque;
use std::rc::Rc;

use super::resolve::{
    is_executor_method, FileContext, FnContext, PoolInfo, SharedResources, TempFact,
};
use super::summaries::{call_operands, called_function, FnSummary, Summaries, SummaryAcquire};
use super::table::{name_matches, split_method_entry, PackTable, PoolId, ResourceId};
use super::PathStep;
use super::{
    Analysis, ConnectionKind, ConnectionRef, ExitHow, Fact, FactKind, Holder, ParamAwait, Pass,
};
use crate::model::{
    AggregateKind, BlockId, BodyKind, Callee, EdgeKind, ExitKind, FileIr, FnId, FnIr, LocalId,
    LoopId, Mode, Name, OpKind, Operand, Place, PlaceRoot, TempId, Terminator,
};
use crate::semantics::infer::CallTarget;
use crate::semantics::{BodyTypes, Semantics};

use crate::packs::ResourceKind;
use crate::source::{Location, Span};

mod awaits;
mod calls;
mod decisions;
mod escapes;
mod exits;
mod nested;
mod ops;
mod state;

use state::*;

/// Steps kept in a witness path (the acquire and the last ones).
const MAX_PATH_STEPS: usize = 14;

/// Analyses every body of one file, in at most `budget` steps (a block
/// walked costs its operations and its terminator, each once plus once per
/// connection state it carries: the work of applying them). Past the budget the walk stops and the
/// analysis says so (`over_budget`), so that no file can take unbounded time
/// or memory; its facts are then incomplete and the caller withholds them.
pub fn analyse_file(
    file: &FileIr,
    semantics: &Semantics,
    table: &PackTable,
    summaries: &Summaries,
    resources: &SharedResources,
    budget: u64,
) -> Analysis {
    let context = FileContext::new(file, semantics, table, summaries).with_shared(resources);
    let mut analysis = Analysis::default();
    let mut order: Vec<(usize, FnId)> = file
        .functions
        .iter()
        .enumerate()
        .map(|(id, _)| (nesting_depth(file, id as FnId), id as FnId))
        .collect();
    order.sort();
    let mut shared = Shared {
        tracked: Vec::new(),
        tracked_ids: FxHashMap::default(),
        seeds: FxHashMap::default(),
        facts: Vec::new(),
        seen_facts: FxHashSet::default(),
        untracked: 0,
        blocks_walked: 0,
        steps: 0,
        budget,
        over_budget: false,
        param_awaits: Vec::new(),
        passes: Vec::new(),
    };
    // Types of the bodies explored so far, for what closures capture.
    let mut body_types: FxHashMap<FnId, BodyTypes> = FxHashMap::default();
    for (_, body) in order {
        if shared.over_budget {
            break;
        }
        let seeds = shared.seeds.remove(&body).unwrap_or_default();
        let function = &file.functions[body as usize];
        if function.blocks.is_empty() {
            continue;
        }
        let captured = function.parent.and_then(|parent| body_types.get(&parent));
        let fcx = FnContext::new(body, &context, captured);
        let mut explorer = Explorer {
            file: &context,
            body,
            fcx,
            shared: &mut shared,
            database_temps: FxHashSet::default(),
            read_only_temps: FxHashSet::default(),
            work_results: FxHashMap::default(),
            stored_jobs: Vec::new(),
            local_calls: None,
        };
        explorer.explore(seeds);
        let types = explorer.fcx.types;
        if file.functions.iter().any(|f| f.parent == Some(body)) {
            body_types.insert(body, types);
        }
    }
    analysis.facts = shared.facts;
    analysis.untracked = shared.untracked;
    analysis.blocks_walked = shared.blocks_walked;
    analysis.steps = shared.steps;
    analysis.over_budget = shared.over_budget;
    analysis.param_awaits = shared.param_awaits;
    analysis.passes = shared.passes;
    analysis
}

fn nesting_depth(file: &FileIr, mut body: FnId) -> usize {
    let mut depth = 0;
    while let Some(parent) = file.functions.get(body as usize).and_then(|f| f.parent) {
        depth += 1;
        body = parent;
        if depth > file.functions.len() {
            break;
        }
    }
    depth
}

/// What makes an acquire site one tracked connection: body, site, resource,
/// tuple element, and whether it is a pool being built.
type TrackedKey = (FnId, Span, Option<ResourceId>, Option<u32>, bool);

/// State shared by the bodies of one file.
struct Shared {
    tracked: Vec<Tracked>,
    tracked_ids: FxHashMap<TrackedKey, u32>,
    seeds: FxHashMap<FnId, Vec<Seed>>,
    facts: Vec<Fact>,
    seen_facts: FxHashSet<(u8, u32, Span)>,
    untracked: usize,
    blocks_walked: usize,
    /// Blocks walked, each counted as its operations (and terminator) times
    /// the connection states it carries, plus one.
    steps: u64,
    /// The most steps the file may take; reaching it stops the walk.
    budget: u64,
    over_budget: bool,
    param_awaits: Vec<ParamAwait>,
    passes: Vec<Pass>,
}

/// What has reached one block so far. The exploration is path-sensitive in
/// each connection's own state only (property simulation, as in ESP, Das,
/// Lerner and Seigle, PLDI 2002): a path goes on past a block only if it
/// brings a connection state that no earlier path brought there, so each
/// block is walked at most once per connection state, however many
/// combinations of them the paths make. Who borrows from a connection is
/// joined where paths meet instead of told apart.
#[derive(Default)]
struct Reached {
    /// Some path got here (with no connection at all, acquires still start here).
    any: bool,
    /// Each connection state seen here, with every borrower seen with it.
    instances: FxHashMap<InstanceCore, Vec<Root>>,
}

impl Reached {
    /// Whether `state` brings something new here. Its borrowers are widened
    /// to all those seen with the same connection state, so that what goes
    /// on from here is the join of the paths.
    fn admit(&mut self, state: &mut State) -> bool {
        let mut new = !self.any;
        self.any = true;
        for instance in &mut state.instances {
            match self.instances.entry(instance.core()) {
                Entry::Vacant(slot) => {
                    slot.insert(instance.borrowers.clone());
                    new = true;
                }
                Entry::Occupied(mut slot) => {
                    let joined = slot.get_mut();
                    for borrower in &instance.borrowers {
                        if !joined.contains(borrower) {
                            joined.push(*borrower);
                            new = true;
                        }
                    }
                    instance.borrowers.clone_from(joined);
                }
            }
        }
        new
    }
}

/// An edge into a loop that no path leaves.
fn enters_endless_loop(ir: &FnIr, endless: &[bool], from: BlockId, to: BlockId) -> bool {
    if endless.get(to as usize) != Some(&true) {
        return false;
    }
    let (Some(from_block), Some(to_block)) =
        (ir.blocks.get(from as usize), ir.blocks.get(to as usize))
    else {
        return false;
    };
    match to_block.loop_id {
        Some(target_loop) => !ir.loop_within(from_block.loop_id, target_loop),
        None => false,
    }
}

fn admit(reached: &mut [Reached], block: BlockId, state: &mut State) -> bool {
    reached
        .get_mut(block as usize)
        .is_some_and(|at| at.admit(state))
}

struct Explorer<'s, 'f, 'a> {
    file: &'f FileContext<'a>,
    body: FnId,
    fcx: FnContext<'a>,
    shared: &'s mut Shared,
    /// Temporaries made by a call on a connection (`tx.commit()`): awaiting
    /// them is database work even once the connection is gone.
    database_temps: FxHashSet<TempId>,
    /// Temporaries made by running a read-only query (`SELECT ..`) on a
    /// connection: the work a rollback would lose does not include them.
    read_only_temps: FxHashSet<TempId>,
    /// Results of statements that may write, with the connections they ran
    /// on: an `Err` of one aborts its transaction.
    work_results: FxHashMap<TempId, Vec<u32>>,
    /// Connections captured by closures handed to a value of this body
    /// (`scheduler.every(h).run(move || .. conn ..)`): the value keeps the
    /// closure, and the connection with it, for as long as it lives.
    stored_jobs: Vec<(Instance, Rc<PathNode>)>,
    /// Method calls on locals, made when a branch first needs them.
    local_calls: Option<decisions::LocalCalls<'a>>,
}

impl<'s, 'f, 'a> Explorer<'s, 'f, 'a> {
    fn ir(&self) -> &'a FnIr {
        self.fcx.ir
    }

    fn table(&self) -> &'a PackTable {
        self.file.table
    }

    fn explore(&mut self, seeds: Vec<Seed>) {
        let ir = self.ir();
        if ir.blocks.is_empty() {
            return;
        }
        let root = Rc::new(PathNode {
            step: None,
            parent: None,
            depth: 0,
        });
        let mut initial = State::default();
        for seed in seeds {
            let mut instance = seed.instance;
            instance.holder = Root::Local(seed.inner);
            instance.binding = Some(seed.inner);
            instance.borrowers.clear();
            instance.in_closure = None;
            instance.path_start = 0;
            initial.instances.push(instance);
        }
        self.seed_parameters(&mut initial);
        let endless = escapes::endless_blocks(ir);
        let used_in_endless = if endless.contains(&true) {
            // What the endless loops use (not what leads into them).
            let in_loops: Vec<bool> = endless
                .iter()
                .zip(&ir.blocks)
                .map(|(&endless, block)| endless && block.loop_id.is_some())
                .collect();
            escapes::locals_used_in(ir, &in_loops)
        } else {
            FxHashSet::default()
        };
        let mut reached: Vec<Reached> = Vec::new();
        reached.resize_with(ir.blocks.len(), Reached::default);
        let mut queue: VecDeque<(BlockId, State, Rc<PathNode>)> = VecDeque::new();
        reached[0].admit(&mut initial);
        queue.push_back((0, initial, root));
        while let Some((block_id, mut state, mut path)) = queue.pop_front() {
            let ops = ir
                .blocks
                .get(block_id as usize)
                .map_or(0, |block| block.ops.len());
            let cost = (1 + ops as u64) * (1 + state.instances.len() as u64);
            if self.shared.steps + cost > self.shared.budget {
                self.shared.over_budget = true;
                return;
            }
            self.shared.steps += cost;
            self.shared.blocks_walked += 1;
            let Some(block) = ir.blocks.get(block_id as usize) else {
                continue;
            };
            for op in &block.ops {
                self.apply(&op.kind, op.span, block_id, &mut state, &mut path);
            }
            match &block.term {
                Terminator::Jump(edges) => {
                    for (taken, edge) in edges.iter().enumerate() {
                        let next_path = match &edge.step {
                            Some((span, note)) => push_step(&path, *span, *note),
                            None if edge.kind == EdgeKind::LoopBack => {
                                push_step(&path, block.term_span, Name::from("the loop repeats"))
                            }
                            None => path.clone(),
                        };
                        let mut next = state.clone();
                        self.decline(&mut next, edges, taken);
                        let into_endless = enters_endless_loop(ir, &endless, block_id, edge.target);
                        if into_endless {
                            self.enter_endless(
                                &mut next,
                                edge.target,
                                &next_path,
                                &used_in_endless,
                            );
                        }
                        if admit(&mut reached, edge.target, &mut next) {
                            queue.push_back((edge.target, next, next_path));
                        }
                    }
                }
                Terminator::Try { operand, dest, ok } => {
                    let mut error_state = state.clone();
                    error_state
                        .instances
                        .retain(|i| !i.held_by(Root::Temp(*operand)));
                    for instance in &mut error_state.instances {
                        if let RawTx::Pending(temp, _) = instance.raw_tx {
                            if temp == *operand {
                                instance.raw_tx = RawTx::Closed;
                            }
                        }
                    }
                    if !error_state.instances.is_empty() {
                        let error_path = push_step(
                            &path,
                            block.term_span,
                            Name::from("`?` returns the error here"),
                        );
                        self.exit(
                            error_state,
                            ExitKind::Error,
                            None,
                            block.term_span,
                            &error_path,
                            ExitHow::Question,
                        );
                    }
                    for instance in &mut state.instances {
                        if instance.holder == Root::Temp(*operand) {
                            instance.holder = Root::Temp(*dest);
                        }
                        if let RawTx::Pending(temp, opens) = instance.raw_tx {
                            if temp == *operand {
                                instance.raw_tx = if opens { RawTx::Open } else { RawTx::Closed };
                            }
                        }
                        rename_borrower(instance, Root::Temp(*operand), Root::Temp(*dest));
                    }
                    if enters_endless_loop(ir, &endless, block_id, *ok) {
                        self.enter_endless(&mut state, *ok, &path, &used_in_endless);
                    }
                    if admit(&mut reached, *ok, &mut state) {
                        queue.push_back((*ok, state, path));
                    }
                }
                Terminator::Exit { kind, value } => {
                    let how = match kind {
                        ExitKind::Error => ExitHow::ReturnErr,
                        _ => ExitHow::Return,
                    };
                    self.exit(state, *kind, value.as_ref(), block.term_span, &path, how);
                }
                Terminator::Unreachable => {}
            }
        }
    }

    /// A parameter declared as a pooled connection or a transaction is live
    /// for the whole body: the caller holds it (by reference) or hands it over
    /// (by value), so an unrelated await here holds it too.
    fn seed_parameters(&mut self, state: &mut State) {
        let ir = self.ir();
        for (position, &param) in ir.params.iter().enumerate() {
            let Some(local) = ir.locals.get(param as usize) else {
                continue;
            };
            // A method of a connection type holds nothing of its own: its
            // callers hold the receiver.
            if local.ty.is_none() || local.name == "self" {
                continue;
            }
            let ty = self.fcx.local_ty(param);
            let Some(resource) = self.file.resource_type(&ty) else {
                continue;
            };
            // A value that only may carry a connection (an outcome with an
            // optional transaction) is not known to hold one when it comes in.
            if !self.file.surely_holds(&ty) {
                continue;
            }
            let spec = self.table().resource(resource);
            let borrowed = matches!(ty, crate::semantics::Ty::Ref(..));
            // Pooled connections and transactions are held by whoever calls;
            // a borrowed raw connection may be one of them (`&mut *tx`
            // derefs to it): followed for the callers that pass one.
            let on_behalf = match spec.kind {
                ResourceKind::Pooled | ResourceKind::Transaction => None,
                ResourceKind::Raw if borrowed => Some(position as u32),
                _ => continue,
            };
            let tracked = Tracked {
                connection: ConnectionKind::Resource(spec.kind),
                resource: Some(resource),
                resource_name: spec.name.clone(),
                site: local.span,
                pool: None,
                loop_id: None,
                drop_releases: spec.drop_releases,
                body: self.body,
                param: on_behalf,
            };
            let id = self.track(tracked, None, false);
            state.instances.push(Instance {
                tracked: id,
                holder: Root::Local(param),
                element: None,
                binding: Some(param),
                borrowers: Vec::new(),
                used: false,
                raw_tx: RawTx::Closed,
                manually_dropped: None,
                in_closure: None,
                quiet_await: false,
                shared: false,
                borrowed,
                path_start: 0,
            });
        }
        state.instances.sort_by_key(|i| i.tracked);
    }
}
