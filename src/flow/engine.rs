//! Path exploration: a breadth-first walk over (block, state) pairs of each
//! body, where the state is the set of live connections with where they are
//! held and what has happened to them. Identical states at the same block are
//! merged, so loops terminate and the first path to reach a point is the
//! shortest witness. Bodies of closures and async blocks are explored after
//! the body that creates them, seeded with the connections moved into them.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use super::resolve::{is_executor_method, FileContext, FnContext, PoolInfo, TempFact};
use super::summaries::{call_operands, callee_key, FnSummary, Summaries, SummaryAcquire};
use super::table::{name_matches, split_method_entry, PackTable, PoolId, ResourceId};
use super::PathStep;
use super::{Analysis, ConnectionKind, ConnectionRef, ExitHow, Fact, FactKind, ParamAwait, Pass};
use crate::model::index::Index;
use crate::model::{
    BlockId, BodyKind, Callee, EdgeKind, ExitKind, FileIr, FnId, FnIr, LocalId, LoopId, Mode,
    OpKind, Operand, Place, PlaceRoot, TempId, Terminator,
};
use crate::packs::ResourceKind;
use crate::source::{Location, Span};

/// Block visits allowed per body before the exploration gives up (what was
/// found so far is kept).
const VISIT_BUDGET: usize = 40_000;
/// Steps kept in a witness path (the acquire and the last ones).
const MAX_PATH_STEPS: usize = 14;

/// What is known about one acquire site, shared by every path.
#[derive(Debug, Clone)]
struct Tracked {
    connection: ConnectionKind,
    resource: Option<ResourceId>,
    resource_name: String,
    site: Span,
    pool: Option<PoolInfo>,
    loop_id: Option<LoopId>,
    drop_releases: bool,
    /// The body the acquire is written in.
    body: FnId,
    /// A connection parameter followed on behalf of the callers (`conn: &mut
    /// PgConnection`): what happens to it matters only where a caller passes
    /// a pooled connection or transaction in.
    param: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Root {
    Local(LocalId),
    Temp(TempId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum RawTx {
    Closed,
    Open,
    /// A `BEGIN` (true) or `COMMIT` (false) whose result is the temporary:
    /// it takes effect once the statement succeeds.
    Pending(TempId, bool),
}

/// One live connection on one path.
#[derive(Debug, Clone)]
struct Instance {
    tracked: u32,
    holder: Root,
    /// Which element of a tuple the holder's value this is.
    element: Option<u32>,
    binding: Option<LocalId>,
    borrowers: Vec<Root>,
    used: bool,
    raw_tx: RawTx,
    manually_dropped: Option<Span>,
    /// Captured by move into this closure / async block (held by its value).
    in_closure: Option<(FnId, LocalId)>,
    quiet_await: bool,
    /// A pool cloned, or lent to a function that keeps a clone: it lives on
    /// after this body, so it is not a temporary pool.
    shared: bool,
    /// Reached through a reference parameter: the caller owns it, so drops
    /// and exits here mean nothing for it.
    borrowed: bool,
    /// Path depth at the acquire: witness paths start there.
    path_start: u32,
}

impl PartialEq for Instance {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Instance {}

impl Hash for Instance {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

type InstanceKey<'a> = (
    u32,
    Root,
    Option<u32>,
    Option<LocalId>,
    &'a [Root],
    bool,
    RawTx,
    Option<Span>,
    Option<(FnId, LocalId)>,
    bool,
    bool,
);

impl Instance {
    /// Everything but the path depth, which differs between paths that are
    /// otherwise the same and must not keep loops from converging.
    fn key(&self) -> InstanceKey<'_> {
        (
            self.tracked,
            self.holder,
            self.element,
            self.binding,
            &self.borrowers,
            self.used,
            self.raw_tx,
            self.manually_dropped,
            self.in_closure,
            self.borrowed,
            self.shared,
        )
    }

    fn held_by(&self, root: Root) -> bool {
        self.holder == root
    }

    fn reached_by(&self, root: Root) -> bool {
        self.holder == root || self.borrowers.contains(&root)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
struct State {
    instances: Vec<Instance>,
}

/// A witness path as a shared linked list: paths fork at branches.
#[derive(Debug)]
struct PathNode {
    step: Option<(Span, String)>,
    parent: Option<Rc<PathNode>>,
    depth: u32,
}

fn push_step(path: &Rc<PathNode>, span: Span, note: String) -> Rc<PathNode> {
    Rc::new(PathNode {
        step: Some((span, note)),
        parent: Some(path.clone()),
        depth: path.depth + 1,
    })
}

/// A connection moved into a closure or async block, to be followed inside it.
#[derive(Debug, Clone)]
struct Seed {
    inner: LocalId,
    instance: Instance,
}

/// Analyses every body of one file.
pub fn analyse_file(
    file: &FileIr,
    index: &Index,
    table: &PackTable,
    summaries: &Summaries,
) -> Analysis {
    let context = FileContext::new(file, index, table, summaries);
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
        tracked_ids: HashMap::new(),
        seeds: HashMap::new(),
        facts: Vec::new(),
        seen_facts: HashSet::new(),
        untracked: 0,
        param_awaits: Vec::new(),
        passes: Vec::new(),
    };
    for (_, body) in order {
        let seeds = shared.seeds.remove(&body).unwrap_or_default();
        let mut explorer = Explorer {
            file: &context,
            body,
            fcx: FnContext::new(&file.functions[body as usize], &context),
            shared: &mut shared,
            database_temps: HashSet::new(),
            read_only_temps: HashSet::new(),
        };
        explorer.explore(seeds);
    }
    analysis.facts = shared.facts;
    analysis.untracked = shared.untracked;
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
    tracked_ids: HashMap<TrackedKey, u32>,
    seeds: HashMap<FnId, Vec<Seed>>,
    facts: Vec<Fact>,
    seen_facts: HashSet<(u8, u32, Span)>,
    untracked: usize,
    param_awaits: Vec<ParamAwait>,
    passes: Vec<Pass>,
}

struct Explorer<'s, 'f, 'a> {
    file: &'f FileContext<'a>,
    body: FnId,
    fcx: FnContext<'a>,
    shared: &'s mut Shared,
    /// Temporaries made by a call on a connection (`tx.commit()`): awaiting
    /// them is database work even once the connection is gone.
    database_temps: HashSet<TempId>,
    /// Temporaries made by running a read-only query (`SELECT ..`) on a
    /// connection: the work a rollback would lose does not include them.
    read_only_temps: HashSet<TempId>,
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
        let mut queue: VecDeque<(BlockId, State, Rc<PathNode>)> = VecDeque::new();
        let mut visited: HashSet<(BlockId, State)> = HashSet::new();
        visited.insert((0, initial.clone()));
        queue.push_back((0, initial, root));
        let mut visits = 0usize;
        while let Some((block_id, mut state, mut path)) = queue.pop_front() {
            visits += 1;
            if visits > VISIT_BUDGET {
                break;
            }
            let Some(block) = ir.blocks.get(block_id as usize) else {
                continue;
            };
            for op in &block.ops {
                self.apply(&op.kind, op.span, block_id, &mut state, &mut path);
            }
            match &block.term {
                Terminator::Jump(edges) => {
                    for edge in edges {
                        let next_path = match &edge.step {
                            Some((span, note)) => push_step(&path, *span, note.clone()),
                            None if edge.kind == EdgeKind::LoopBack => {
                                push_step(&path, block.term_span, String::from("the loop repeats"))
                            }
                            None => path.clone(),
                        };
                        if visited.insert((edge.target, state.clone())) {
                            queue.push_back((edge.target, state.clone(), next_path));
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
                            String::from("`?` returns the error here"),
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
                    if visited.insert((*ok, state.clone())) {
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
            let Some(ty) = &local.ty else { continue };
            let Some(resource) = self.file.resource_type(ty) else {
                continue;
            };
            let spec = self.table().resource(resource);
            let borrowed = matches!(ty, crate::model::TypeRef::Ref { .. });
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

    // ----- ops -----------------------------------------------------------

    fn apply(
        &mut self,
        op: &OpKind,
        span: Span,
        block: BlockId,
        state: &mut State,
        path: &mut Rc<PathNode>,
    ) {
        match op {
            OpKind::Call { dest, callee, args } => {
                self.apply_call(*dest, callee, args, span, block, state, path)
            }
            OpKind::Aggregate { dest, fields, .. } => {
                for field in fields {
                    self.move_into(state, field, Root::Temp(*dest));
                }
            }
            OpKind::Field { dest, base, field } => {
                for instance in &mut state.instances {
                    if instance.holder != Root::Temp(*base) {
                        continue;
                    }
                    match instance.element {
                        None => instance.holder = Root::Temp(*dest),
                        Some(element) if element.to_string() == *field => {
                            instance.holder = Root::Temp(*dest);
                            instance.element = None;
                        }
                        Some(_) => {}
                    }
                }
            }
            OpKind::Move { dest, value } => self.move_into(state, value, Root::Temp(*dest)),
            OpKind::Await {
                dest,
                future,
                mentions,
            } => {
                self.check_await(future, mentions, span, state, path);
                // Awaiting a driver future is what runs it; awaiting the
                // connect future that yields it (an element of its result)
                // is not.
                if let Some(root) = operand_root(future) {
                    let tracked = &self.shared.tracked;
                    state.instances.retain(|i| {
                        !(i.held_by(root)
                            && i.element.is_none()
                            && tracked[i.tracked as usize].connection
                                == ConnectionKind::Resource(ResourceKind::Driver))
                    });
                }
                if let Operand::Temp(temp) = future {
                    // What a future yields is its own value: a query's rows do
                    // not borrow the connection the future used.
                    for instance in &mut state.instances {
                        if instance.holder == Root::Temp(*temp) {
                            instance.holder = Root::Temp(*dest);
                        }
                        if let RawTx::Pending(pending, opens) = instance.raw_tx {
                            if pending == *temp {
                                instance.raw_tx = RawTx::Pending(*dest, opens);
                            }
                        }
                    }
                } else {
                    self.move_into(state, future, Root::Temp(*dest));
                }
            }
            OpKind::Let { local, value } => self.bind(state, *local, value),
            OpKind::Assign { place, value } => self.assign(state, place, value, span, path),
            OpKind::StoreThrough { target, value } => {
                // Through a guard on a static (`*CACHE.lock().unwrap() = v`)
                // it is a static store; through anything else, an unknown place.
                if let TempFact::Static(name) = self.fcx.temp_fact(*target).clone() {
                    for n in self.owned(state, value).into_iter().rev() {
                        let instance = state.instances.remove(n);
                        self.store_static(&instance, &name, span, path);
                    }
                }
                self.escape(state, value);
            }
            OpKind::Closure { dest, body } => self.capture(state, *dest, *body),
            OpKind::Use { operands } => {
                for operand in operands {
                    self.mark_used(state, operand);
                }
            }
            OpKind::Vanish(temp) => state.instances.retain(|i| !i.held_by(Root::Temp(*temp))),
            OpKind::VanishLocal(local) => {
                state.instances.retain(|i| !i.held_by(Root::Local(*local)))
            }
            OpKind::StorageDead(local) => {
                let root = Root::Local(*local);
                self.drop_where(
                    state,
                    |i| i.held_by(root),
                    span,
                    path,
                    ExitHow::ScopeEnd,
                    true,
                );
                for instance in &mut state.instances {
                    instance.borrowers.retain(|b| *b != root);
                }
            }
            OpKind::StmtEnd { first_temp } => {
                let first = *first_temp;
                let dies = |root: Root| matches!(root, Root::Temp(t) if t >= first);
                for instance in &mut state.instances {
                    if let RawTx::Pending(temp, opens) = instance.raw_tx {
                        if temp >= first {
                            instance.raw_tx = if opens { RawTx::Open } else { RawTx::Closed };
                        }
                    }
                    instance.borrowers.retain(|b| !dies(*b));
                }
                let _ = block;
                self.drop_where(
                    state,
                    |i| dies(i.holder),
                    span,
                    path,
                    ExitHow::StatementEnd,
                    true,
                );
            }
        }
    }

    /// Instances an operand owns (by value) or reaches (by reference or as a
    /// borrower), as indices into the state.
    fn reached(&self, state: &State, operand: &Operand) -> Vec<usize> {
        let Some(root) = operand_root(operand) else {
            return Vec::new();
        };
        state
            .instances
            .iter()
            .enumerate()
            .filter(|(_, i)| i.reached_by(root))
            .map(|(n, _)| n)
            .collect()
    }

    /// Instances moved by a by-value operand.
    fn owned(&self, state: &State, operand: &Operand) -> Vec<usize> {
        let moves = match operand {
            Operand::Temp(_) => true,
            Operand::Place { mode, .. } => matches!(mode, Mode::Value | Mode::Receiver),
            _ => false,
        };
        if !moves {
            return Vec::new();
        }
        let Some(root) = operand_root(operand) else {
            return Vec::new();
        };
        state
            .instances
            .iter()
            .enumerate()
            .filter(|(_, i)| i.held_by(root))
            .map(|(n, _)| n)
            .collect()
    }

    fn move_into(&mut self, state: &mut State, operand: &Operand, to: Root) {
        let by_value = !matches!(
            operand,
            Operand::Place {
                mode: Mode::Ref | Mode::RefMut,
                ..
            }
        );
        let Some(from) = operand_root(operand) else {
            return;
        };
        for instance in &mut state.instances {
            if by_value && instance.holder == from {
                instance.holder = to;
            } else if instance.reached_by(from) {
                instance.used = true;
                if !instance.borrowers.contains(&to) {
                    instance.borrowers.push(to);
                }
            }
        }
    }

    fn mark_used(&self, state: &mut State, operand: &Operand) {
        if let Some(root) = operand_root(operand) {
            for instance in &mut state.instances {
                if instance.reached_by(root) {
                    instance.used = true;
                }
            }
        }
    }

    fn bind(&mut self, state: &mut State, local: LocalId, value: &Operand) {
        let target = Root::Local(local);
        let by_reference = matches!(
            value,
            Operand::Place {
                mode: Mode::Ref | Mode::RefMut,
                ..
            }
        );
        let Some(from) = operand_root(value) else {
            return;
        };
        for instance in &mut state.instances {
            if !by_reference && instance.holder == from {
                instance.holder = target;
                if instance.binding.is_none() || matches!(from, Root::Temp(_)) {
                    instance.binding = Some(local);
                }
            } else if instance.reached_by(from) && !instance.borrowers.contains(&target) {
                instance.borrowers.push(target);
            }
        }
    }

    fn assign(
        &mut self,
        state: &mut State,
        place: &Place,
        value: &Operand,
        span: Span,
        path: &Rc<PathNode>,
    ) {
        match &place.root {
            PlaceRoot::Local(local) if place.fields.is_empty() => {
                let root = Root::Local(*local);
                self.drop_where(
                    state,
                    |i| i.held_by(root),
                    span,
                    path,
                    ExitHow::Overwritten,
                    true,
                );
                self.move_into(state, value, root);
                for instance in &mut state.instances {
                    if instance.holder == root {
                        instance.binding = Some(*local);
                    }
                }
            }
            PlaceRoot::Path(written) if self.file.is_static_path(written) => {
                let target = written.join("::");
                for n in self.owned(state, value).into_iter().rev() {
                    let instance = state.instances.remove(n);
                    self.store_static(&instance, &target, span, path);
                }
            }
            _ => {
                // Moved into a field of something we do not follow.
                self.escape(state, value);
            }
        }
    }

    fn capture(&mut self, state: &mut State, dest: TempId, body: FnId) {
        let Some(closure) = self.file.file.functions.get(body as usize) else {
            return;
        };
        for capture in &closure.captures {
            for instance in &mut state.instances {
                if instance.holder == Root::Local(capture.outer) {
                    if capture.by_move {
                        instance.holder = Root::Temp(dest);
                        instance.in_closure = Some((body, capture.inner));
                    } else {
                        instance.used = true;
                    }
                } else if instance.borrowers.contains(&Root::Local(capture.outer)) {
                    instance.used = true;
                }
            }
        }
    }

    /// Moved into something the analysis does not follow: silence, counted.
    fn escape(&mut self, state: &mut State, operand: &Operand) {
        for n in self.owned(state, operand).into_iter().rev() {
            let instance = state.instances.remove(n);
            self.hand_over(instance);
        }
        self.mark_used(state, operand);
    }

    /// A connection leaves this body into an unknown place; a closure's
    /// captures are followed inside the closure.
    fn hand_over(&mut self, instance: Instance) {
        if let Some((body, inner)) = instance.in_closure {
            self.shared
                .seeds
                .entry(body)
                .or_default()
                .push(Seed { inner, instance });
        } else {
            self.shared.untracked += 1;
        }
    }

    // ----- calls ----------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    fn apply_call(
        &mut self,
        dest: TempId,
        callee: &Callee,
        args: &[Operand],
        span: Span,
        block: BlockId,
        state: &mut State,
        path: &mut Rc<PathNode>,
    ) {
        match callee {
            Callee::Path(written) | Callee::Macro(written) => {
                let resolved = self.file.resolve_path(written);
                self.apply_path_call(dest, &resolved, args, span, block, state, path);
            }
            Callee::Method { receiver, name } => {
                self.apply_method_call(dest, receiver, name, args, span, block, state, path)
            }
            Callee::Value(function) => {
                self.mark_used(state, function);
                for arg in args {
                    self.escape(state, arg);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_path_call(
        &mut self,
        dest: TempId,
        resolved: &[String],
        args: &[Operand],
        span: Span,
        block: BlockId,
        state: &mut State,
        path: &mut Rc<PathNode>,
    ) {
        let core = &self.table().core;
        let name = resolved.join("::");
        if let Some(summary) = self.summary_for(&Callee::Path(resolved.to_vec())) {
            let operands: Vec<&Operand> = args.iter().collect();
            self.summary_keeps(state, summary, &operands);
        }
        if self.file.core_role(resolved, &core.drop) {
            for arg in args {
                let owned = self.owned(state, arg);
                self.drop_indices(state, owned, span, path, ExitHow::ExplicitDrop, true);
            }
            return;
        }
        if self.file.core_role(resolved, &core.forget)
            || self.file.core_role(resolved, &core.box_leak)
        {
            for arg in args {
                for n in self.owned(state, arg).into_iter().rev() {
                    let instance = state.instances.remove(n);
                    self.leak(&instance, &format!("`{name}`"), span, path);
                }
            }
            return;
        }
        if self.file.core_role(resolved, &core.manually_drop) {
            for arg in args {
                for n in self.owned(state, arg) {
                    state.instances[n].manually_dropped = Some(span);
                    state.instances[n].holder = Root::Temp(dest);
                }
            }
            return;
        }
        if self.file.core_role(resolved, &core.manually_drop_release) {
            let keeps_value = resolved.last().is_some_and(|s| s != "drop");
            for arg in args {
                for n in self.reached(state, arg).into_iter().rev() {
                    state.instances[n].manually_dropped = None;
                    if keeps_value {
                        state.instances[n].holder = Root::Temp(dest);
                    } else {
                        state.instances.remove(n);
                    }
                }
            }
            return;
        }
        if self.file.core_role(resolved, &core.spawn) {
            for arg in args {
                self.spawn(state, arg, span, path);
            }
            return;
        }
        // Pack calls written as paths: `Object::take(conn)`, `Transaction::commit(tx)`.
        let mut handled = false;
        for arg in args {
            for n in self.reached(state, arg).into_iter().rev() {
                let Some(resource) =
                    self.shared.tracked[state.instances[n].tracked as usize].resource
                else {
                    continue;
                };
                let spec = self.table().resource(resource);
                if spec.leak.iter().any(|e| name_matches(resolved, e, false)) {
                    let instance = state.instances.remove(n);
                    self.leak(&instance, &format!("`{name}`"), span, path);
                    handled = true;
                } else if spec
                    .release
                    .iter()
                    .any(|e| name_matches(resolved, e, false))
                {
                    state.instances.remove(n);
                    handled = true;
                }
            }
        }
        if handled {
            return;
        }
        if let Some(acquired) = self.file.path_acquire(resolved) {
            let pool = args
                .iter()
                .find_map(|arg| match self.fcx.operand_fact(arg, self.file) {
                    TempFact::Pool(info) => Some(info),
                    _ => None,
                });
            if let Some(pool) = &pool {
                self.nested_check(state, &pool.key, span, path, false);
            }
            for arg in args {
                self.mark_used(state, arg);
            }
            self.acquire_each(state, dest, acquired, pool, span, block, path);
            return;
        }
        if let TempFact::NewPool(pool) = self.fcx.temp_fact(dest).clone() {
            self.build_pool(state, dest, pool, span, block, path);
            return;
        }
        let callee = Callee::Path(resolved.to_vec());
        if let Some(summary) = self.summary_for(&callee) {
            let operands: Vec<&Operand> = args.iter().collect();
            self.summary_acquires(state, summary, &operands, span, path);
            self.record_passes(state, summary, &operands, span, path);
            for arg in args {
                self.pass_to_unknown(state, arg, dest);
            }
            self.summary_returns(state, summary, &operands, dest, span, block, path);
            return;
        }
        let constructs = self.file.core_role(resolved, &core.wrap)
            || resolved
                .last()
                .and_then(|s| s.chars().next())
                .is_some_and(|c| c.is_uppercase());
        for arg in args {
            if constructs {
                self.move_into(state, arg, Root::Temp(dest));
            } else {
                self.pass_to_unknown(state, arg, dest);
            }
        }
    }

    /// An unknown function: a connection given by value is no longer ours; one
    /// given by reference is used, and the result may borrow from it.
    fn pass_to_unknown(&mut self, state: &mut State, arg: &Operand, dest: TempId) {
        let owned = self.owned(state, arg);
        for n in owned.into_iter().rev() {
            let instance = state.instances.remove(n);
            self.hand_over(instance);
        }
        for n in self.reached(state, arg) {
            let instance = &mut state.instances[n];
            instance.used = true;
            if !instance.borrowers.contains(&Root::Temp(dest)) {
                instance.borrowers.push(Root::Temp(dest));
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_method_call(
        &mut self,
        dest: TempId,
        receiver: &Operand,
        name: &str,
        args: &[Operand],
        span: Span,
        block: BlockId,
        state: &mut State,
        path: &mut Rc<PathNode>,
    ) {
        let core = &self.table().core;
        // 1. A method on a connection.
        let on_connection = self.reached(state, receiver);
        if matches!(name, "clone" | "to_owned") {
            for &n in &on_connection {
                let tracked = &self.shared.tracked[state.instances[n].tracked as usize];
                if tracked.connection == ConnectionKind::Pool {
                    state.instances[n].shared = true;
                }
            }
        }
        if let Some(&n) = on_connection.first() {
            self.database_temps.insert(dest);
            let tracked = self.shared.tracked[state.instances[n].tracked as usize].clone();
            // Leaks and releases take the connection itself; a value that
            // only borrows from it (rows, a statement) has its own methods.
            let holds = state.instances[n]
                .held_by(operand_root(receiver).unwrap_or(Root::Temp(u32::MAX)))
                || matches!(receiver, Operand::Place { mode: Mode::Receiver | Mode::Value, place: Place { root: PlaceRoot::Local(local), .. } } if state.instances[n].binding == Some(*local));
            if let (Some(resource), true) = (tracked.resource, holds) {
                let spec = self.table().resource(resource);
                if method_listed(&spec.leak, name) {
                    let instance = state.instances.remove(n);
                    self.leak(&instance, &format!("`.{name}()`"), span, path);
                    return;
                }
                if method_listed(&spec.release, name) {
                    state.instances.remove(n);
                    return;
                }
                if let Some(derived) = self.acquire_from_resource(resource, name) {
                    state.instances[n].used = true;
                    self.acquire(
                        state,
                        dest,
                        None,
                        Some(derived),
                        tracked.pool.clone(),
                        span,
                        block,
                        path,
                    );
                    return;
                }
            }
            let owns =
                state.instances[n].holder == operand_root(receiver).unwrap_or(Root::Temp(u32::MAX));
            // A pool being built, still a temporary, is only ever wrapped
            // on its way to a binding (`.build(m).map_res("..")?`): a
            // project's own error conversions pass it on too.
            let pool_in_temporary =
                tracked.connection == ConnectionKind::Pool && matches!(receiver, Operand::Temp(_));
            // `.map(Some)`, `.map(Box::new)`, `.map(Wrapper)`: the value is
            // wrapped, not consumed.
            let wrapped = name == "map"
                && args.first().is_some_and(|arg| match arg {
                    Operand::Place {
                        place:
                            Place {
                                root: PlaceRoot::Path(path),
                                fields,
                            },
                        ..
                    } if fields.is_empty() => {
                        let resolved = self.file.resolve_path(path);
                        self.file.core_role(&resolved, &core.wrap)
                            || resolved
                                .last()
                                .and_then(|s| s.chars().next())
                                .is_some_and(char::is_uppercase)
                    }
                    _ => false,
                });
            if owns
                && (pool_in_temporary
                    || wrapped
                    || core.passthrough_methods.iter().any(|m| m == name))
            {
                // Every connection the value holds goes along (both halves
                // of `connect(..).await.map_err(..)`).
                let from = operand_root(receiver);
                for instance in &mut state.instances {
                    if from.is_some_and(|root| instance.held_by(root)) {
                        instance.holder = Root::Temp(dest);
                    }
                }
                return;
            }
            let mut reads_only = false;
            if is_executor_method(self.file, name) {
                let sql = args.iter().find_map(|a| match a {
                    Operand::Str(sql) => Some(sql.clone()),
                    _ => None,
                });
                if let Some(sql) = &sql {
                    self.raw_sql(&mut state.instances[n], sql, dest);
                }
                // `tx.fetch_one(sqlx::query("SELECT .."))`: the query text is
                // an argument, or the argument is a query built from one.
                let queries: Vec<Option<String>> = args
                    .iter()
                    .map(|arg| match arg {
                        Operand::Str(sql) => Some(sql.clone()),
                        other => match self.fcx.operand_fact(other, self.file) {
                            TempFact::Query(sql) => Some(sql),
                            _ => None,
                        },
                    })
                    .collect();
                reads_only = !queries.is_empty()
                    && queries
                        .iter()
                        .all(|q| q.as_deref().is_some_and(is_read_only_sql));
            }
            if reads_only {
                self.read_only_temps.insert(dest);
            }
            for &m in &on_connection {
                let instance = &mut state.instances[m];
                instance.used |= !reads_only;
                if !instance.borrowers.contains(&Root::Temp(dest)) {
                    instance.borrowers.push(Root::Temp(dest));
                }
            }
            if !reads_only {
                for arg in args {
                    self.mark_used(state, arg);
                }
            }
            return;
        }

        // 2. A method on a pool or a pool builder.
        match self.fcx.operand_fact(receiver, self.file) {
            TempFact::Pool(info) => {
                if let Some(resource) = self.file.acquire_from_pool(info.id, name) {
                    self.nested_check(state, &info.key, span, path, false);
                    self.acquire(
                        state,
                        dest,
                        None,
                        Some(resource),
                        Some(info),
                        span,
                        block,
                        path,
                    );
                    return;
                }
                if self
                    .table()
                    .pool(info.id)
                    .executor_methods
                    .iter()
                    .any(|m| m == name)
                {
                    self.nested_check(state, &info.key, span, path, true);
                    return;
                }
            }
            TempFact::Builder(_) => {
                if let TempFact::NewPool(pool) = self.fcx.temp_fact(dest).clone() {
                    self.build_pool(state, dest, pool, span, block, path);
                    return;
                }
            }
            TempFact::NewPool(_) => {
                // `.await`ed later, or unwrapped: the instance follows the value.
                self.move_into(state, receiver, Root::Temp(dest));
                return;
            }
            _ => {}
        }
        if let TempFact::NewPool(pool) = self.fcx.temp_fact(dest).clone() {
            // A pool-like handle made by a method (`client.get_connection_manager()`).
            self.build_pool(state, dest, pool, span, block, path);
            return;
        }
        // `config.connect(..)`: an acquire entry written as a path call on
        // the receiver's declared type.
        if let Some(mut written) = self.fcx.operand_type_path(receiver, self.file) {
            written.push(name.to_string());
            if let Some(acquired) = self.file.path_acquire(&written) {
                self.mark_used(state, receiver);
                self.acquire_each(state, dest, acquired, None, span, block, path);
                return;
            }
        }
        // A connection the caller owns, known by its declared type
        // (`client: &mut Client`): what it opens is ours.
        if let Some(owner) = self.fcx.operand_resource(receiver, self.file) {
            if let Some(derived) = self.acquire_from_resource(owner, name) {
                self.database_temps.insert(dest);
                self.acquire(state, dest, None, Some(derived), None, span, block, path);
                return;
            }
        }

        // A workspace function with a summary: what it acquires from the
        // pools it is given, and the connection it returns.
        let method_callee = Callee::Method {
            receiver: receiver.clone(),
            name: name.to_string(),
        };
        let summary = self.summary_for(&method_callee);
        if let Some(summary) = summary {
            let operands = call_operands(&method_callee, args);
            self.summary_keeps(state, summary, &operands);
            self.summary_acquires(state, summary, &operands, span, path);
            self.record_passes(state, summary, &operands, span, path);
        }

        // 3. Connections given as arguments.
        let receiver_fact = self.fcx.operand_fact(receiver, self.file);
        let receiver_is_static = matches!(receiver_fact, TempFact::Static(_));
        let executor = is_executor_method(self.file, name);
        for arg in args {
            let owned = self.owned(state, arg);
            for n in owned.into_iter().rev() {
                let tracked = self.shared.tracked[state.instances[n].tracked as usize].clone();
                let listed = |entries: &[String]| method_listed(entries, name);
                let release = tracked
                    .resource
                    .is_some_and(|r| listed(&self.table().resource(r).release));
                let leak = tracked
                    .resource
                    .is_some_and(|r| listed(&self.table().resource(r).leak));
                let instance = state.instances.remove(n);
                // A static's cell or collection (`CELL.set(conn)`,
                // `PARKED.lock().unwrap().push(conn)`) outlives everything.
                let stores = core.static_store_methods.iter().any(|m| m == name)
                    || core.collection_insert_methods.iter().any(|m| m == name);
                if receiver_is_static && stores {
                    let TempFact::Static(target) = &receiver_fact else {
                        unreachable!()
                    };
                    self.store_static(&instance, target, span, path);
                } else if core.collection_insert_methods.iter().any(|m| m == name)
                    && self.accumulates(&instance, receiver, block)
                {
                    let collection = operand_text(self.ir(), receiver);
                    self.fact(
                        FactKind::Accumulated {
                            collection: collection.clone(),
                        },
                        &instance,
                        span,
                        path,
                        format!("kept in `{collection}`, which outlives the loop"),
                    );
                } else if leak {
                    self.leak(&instance, &format!("`.{name}()`"), span, path);
                } else if release {
                    // given back explicitly
                } else {
                    self.hand_over(instance);
                }
            }
            let reads_only =
                matches!(&receiver_fact, TempFact::Query(sql) if is_read_only_sql(sql));
            if reads_only {
                self.read_only_temps.insert(dest);
            }
            for n in self.reached(state, arg) {
                // A query given a connection runs on it, whatever the
                // method is called (`sql_query("BEGIN").execute(&mut conn)`).
                if executor || matches!(receiver_fact, TempFact::Query(_)) {
                    if let TempFact::Query(sql) = &receiver_fact {
                        let sql = sql.clone();
                        self.raw_sql(&mut state.instances[n], &sql, dest);
                    }
                }
                let instance = &mut state.instances[n];
                instance.used |= !reads_only;
                if !instance.borrowers.contains(&Root::Temp(dest)) {
                    instance.borrowers.push(Root::Temp(dest));
                }
            }
            if executor {
                if let TempFact::Pool(info) = self.fcx.operand_fact(arg, self.file) {
                    self.nested_check(state, &info.key, span, path, true);
                }
            }
        }
        if let Some(summary) = summary {
            let operands = call_operands(&method_callee, args);
            self.summary_returns(state, summary, &operands, dest, span, block, path);
        }
    }

    /// An acquire written as a path call: one connection per resource it
    /// gives (both halves of a `(client, connection)` tuple).
    #[allow(clippy::too_many_arguments)]
    fn acquire_each(
        &mut self,
        state: &mut State,
        dest: TempId,
        acquired: Vec<(ResourceId, Option<u32>)>,
        pool: Option<PoolInfo>,
        span: Span,
        block: BlockId,
        path: &mut Rc<PathNode>,
    ) {
        for (resource, element) in acquired {
            self.acquire(
                state,
                dest,
                element,
                Some(resource),
                pool.clone(),
                span,
                block,
                path,
            );
        }
    }

    /// `conn.begin()`: a resource acquired from another one.
    fn acquire_from_resource(&self, from: ResourceId, method: &str) -> Option<ResourceId> {
        let pack = &self.table().packs[from.pack];
        pack.resources.iter().enumerate().find_map(|(index, spec)| {
            spec.acquire
                .iter()
                .filter_map(|e| split_method_entry(e))
                .any(|(type_name, m)| m == method && self.file.resource_named(from, type_name))
                .then_some(ResourceId {
                    pack: from.pack,
                    index,
                })
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn acquire(
        &mut self,
        state: &mut State,
        dest: TempId,
        element: Option<u32>,
        resource: Option<ResourceId>,
        pool: Option<PoolInfo>,
        span: Span,
        block: BlockId,
        path: &mut Rc<PathNode>,
    ) {
        let Some(resource) = resource else { return };
        let spec = self.table().resource(resource);
        let tracked = Tracked {
            connection: ConnectionKind::Resource(spec.kind),
            resource: Some(resource),
            resource_name: spec.name.clone(),
            site: span,
            pool,
            loop_id: self.ir().blocks[block as usize].loop_id,
            drop_releases: spec.drop_releases,
            body: self.body,
            param: None,
        };
        let id = self.track(tracked, element, false);
        *path = push_step(path, span, String::from("acquired here"));
        self.start_instance(state, id, dest, element, path.depth);
    }

    fn build_pool(
        &mut self,
        state: &mut State,
        dest: TempId,
        pool: PoolId,
        span: Span,
        block: BlockId,
        path: &mut Rc<PathNode>,
    ) {
        let tracked = Tracked {
            connection: ConnectionKind::Pool,
            resource: None,
            resource_name: self.table().pool(pool).name.clone(),
            site: span,
            pool: None,
            loop_id: self.ir().blocks[block as usize].loop_id,
            drop_releases: true,
            body: self.body,
            param: None,
        };
        let id = self.track(tracked, None, true);
        *path = push_step(path, span, String::from("pool built here"));
        self.start_instance(state, id, dest, None, path.depth);
    }

    fn track(&mut self, tracked: Tracked, element: Option<u32>, is_pool: bool) -> u32 {
        let key = (
            tracked.body,
            tracked.site,
            tracked.resource,
            element,
            is_pool,
        );
        if let Some(&id) = self.shared.tracked_ids.get(&key) {
            return id;
        }
        let id = self.shared.tracked.len() as u32;
        self.shared.tracked.push(tracked);
        self.shared.tracked_ids.insert(key, id);
        id
    }

    fn start_instance(
        &mut self,
        state: &mut State,
        tracked: u32,
        dest: TempId,
        element: Option<u32>,
        depth: u32,
    ) {
        // A loop that comes back to the same acquire: the previous one is gone.
        state.instances.retain(|i| i.tracked != tracked);
        state.instances.push(Instance {
            tracked,
            holder: Root::Temp(dest),
            element,
            binding: None,
            borrowers: Vec::new(),
            used: false,
            raw_tx: RawTx::Closed,
            manually_dropped: None,
            in_closure: None,
            quiet_await: false,
            shared: false,
            borrowed: false,
            path_start: depth,
        });
        state.instances.sort_by_key(|i| i.tracked);
    }

    fn raw_sql(&self, instance: &mut Instance, sql: &str, dest: TempId) {
        let tracked = &self.shared.tracked[instance.tracked as usize];
        if tracked.connection != ConnectionKind::Resource(ResourceKind::Pooled) {
            return;
        }
        let Some(resource) = tracked.resource else {
            return;
        };
        let Some(raw) = &self.table().packs[resource.pack].raw_sql else {
            return;
        };
        let statement = sql.trim_start().to_ascii_uppercase();
        let starts = |words: &[String]| {
            words.iter().any(|w| {
                statement.starts_with(w.as_str())
                    && statement[w.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_')
            })
        };
        if starts(&raw.begin) {
            instance.raw_tx = RawTx::Pending(dest, true);
        } else if starts(&raw.end) {
            instance.raw_tx = RawTx::Pending(dest, false);
        }
    }

    fn nested_check(
        &mut self,
        state: &State,
        pool_key: &str,
        span: Span,
        path: &Rc<PathNode>,
        implicit: bool,
    ) {
        self.nested_check_through(state, pool_key, span, path, implicit, None);
    }

    /// `through`: the workspace function that acquires, with where it does.
    fn nested_check_through(
        &mut self,
        state: &State,
        pool_key: &str,
        span: Span,
        path: &Rc<PathNode>,
        implicit: bool,
        through: Option<(&SummaryAcquire, &str)>,
    ) {
        let held: Vec<Instance> = state
            .instances
            .iter()
            .filter(|i| {
                let tracked = &self.shared.tracked[i.tracked as usize];
                matches!(
                    tracked.connection,
                    ConnectionKind::Resource(ResourceKind::Pooled | ResourceKind::Transaction)
                ) && tracked.pool.as_ref().is_some_and(|p| p.key == pool_key)
                    && matches!(i.holder, Root::Local(_))
                    && i.in_closure.is_none()
                    && i.manually_dropped.is_none()
            })
            .cloned()
            .collect();
        if let Some(instance) = held.first() {
            let note = match through {
                Some((_, callee)) => {
                    format!("`{callee}` checks out another connection from `{pool_key}`")
                }
                None if implicit => format!("`{pool_key}` checks out another connection here"),
                None => format!("a second connection is acquired from `{pool_key}` here"),
            };
            let before = self.shared.facts.len();
            self.fact(
                FactKind::NestedAcquire { implicit },
                instance,
                span,
                path,
                note,
            );
            if let (Some((acquire, _)), true) = (through, self.shared.facts.len() > before) {
                // Show where, inside the callee, the connection is taken.
                if let Some(fact) = self.shared.facts.last_mut() {
                    let mut chain = acquire.via.join(" -> ");
                    if !chain.is_empty() {
                        chain = format!(" (through {chain})");
                    }
                    let verb = if acquire.implicit {
                        "runs a query on the pool"
                    } else {
                        "acquires"
                    };
                    fact.path.push(PathStep {
                        at: acquire.at,
                        note: format!("it {verb} here{chain}"),
                    });
                }
            }
        }
    }

    /// A call to a workspace function: a second acquire from a pool the
    /// caller holds a connection of, through the callee's summary.
    /// Pools lent to a function that keeps a clone of them live on.
    fn summary_keeps(&self, state: &mut State, summary: &FnSummary, operands: &[&Operand]) {
        for &param in &summary.keeps {
            let Some(operand) = operands.get(param) else {
                continue;
            };
            for n in self.reached(state, operand) {
                let tracked = &self.shared.tracked[state.instances[n].tracked as usize];
                if tracked.connection == ConnectionKind::Pool {
                    state.instances[n].shared = true;
                }
            }
        }
    }

    fn summary_acquires(
        &mut self,
        state: &State,
        summary: &FnSummary,
        operands: &[&Operand],
        span: Span,
        path: &Rc<PathNode>,
    ) {
        for acquire in &summary.acquires {
            let Some(key) = self.caller_pool_key(operands, acquire) else {
                continue;
            };
            self.nested_check_through(
                state,
                &key,
                span,
                path,
                acquire.implicit,
                Some((acquire, &summary.name)),
            );
        }
    }

    /// The caller's name for a pool the callee reaches through a parameter:
    /// `state.repo` + `pool` for `state.repo.find()` acquiring from `self.pool`.
    fn caller_pool_key(&self, operands: &[&Operand], acquire: &SummaryAcquire) -> Option<String> {
        let operand = operands.get(acquire.param)?;
        if acquire.fields.is_empty() {
            if let TempFact::Pool(info) = self.fcx.operand_fact(operand, self.file) {
                return Some(info.key);
            }
        }
        // A generic executor acquires only when given a pool.
        acquire.pool?;
        let Operand::Place { place, .. } = operand else {
            return None;
        };
        let mut key = self.fcx.place_key(place);
        for field in &acquire.fields {
            key.push('.');
            key.push_str(field);
        }
        Some(key)
    }

    /// A connection returned by a workspace function (`get_conn(&pool)`,
    /// `app.db_write()`): acquired at the call.
    #[allow(clippy::too_many_arguments)]
    fn summary_returns(
        &mut self,
        state: &mut State,
        summary: &FnSummary,
        operands: &[&Operand],
        dest: TempId,
        span: Span,
        block: BlockId,
        path: &mut Rc<PathNode>,
    ) {
        let Some(resource) = summary.returns else {
            return;
        };
        let pool = summary.acquires.iter().find_map(|acquire| {
            let key = self.caller_pool_key(operands, acquire)?;
            Some(PoolInfo {
                id: acquire.pool?,
                key,
            })
        });
        self.acquire(state, dest, None, Some(resource), pool, span, block, path);
    }

    fn summary_for(&self, callee: &Callee) -> Option<&'a FnSummary> {
        let key = callee_key(callee, &self.fcx, self.file)?;
        if key == self.ir().name {
            return None;
        }
        self.file.summaries.get(&key)
    }

    fn accumulates(&self, instance: &Instance, receiver: &Operand, block: BlockId) -> bool {
        let tracked = &self.shared.tracked[instance.tracked as usize];
        let Some(acquire_loop) = tracked.loop_id else {
            return false;
        };
        if tracked.body != self.body {
            return false;
        }
        let ir = self.ir();
        if !ir.loop_within(ir.blocks[block as usize].loop_id, acquire_loop) {
            return false;
        }
        match receiver {
            Operand::Place {
                place:
                    Place {
                        root: PlaceRoot::Local(local),
                        ..
                    },
                ..
            } => {
                let declared_in = ir.locals.get(*local as usize).and_then(|l| l.loop_id);
                !ir.loop_within(declared_in, acquire_loop)
            }
            Operand::Place {
                place:
                    Place {
                        root: PlaceRoot::Path(_),
                        ..
                    },
                ..
            } => true,
            _ => false,
        }
    }

    fn spawn(&mut self, state: &mut State, arg: &Operand, span: Span, path: &Rc<PathNode>) {
        let Some(root) = operand_root(arg) else {
            return;
        };
        let mut moved = Vec::new();
        state.instances.retain(|i| {
            if i.held_by(root) {
                moved.push(i.clone());
                false
            } else {
                true
            }
        });
        for mut instance in moved {
            let Some((body, _)) = instance.in_closure else {
                // A driver future spawned directly, or something opaque.
                continue;
            };
            let tracked = &self.shared.tracked[instance.tracked as usize];
            let pooled = matches!(
                tracked.connection,
                ConnectionKind::Resource(ResourceKind::Pooled | ResourceKind::Transaction)
            );
            if pooled && never_ends(&self.file.file.functions[body as usize]) {
                self.fact(
                    FactKind::SpawnedForever,
                    &instance,
                    span,
                    path,
                    String::from("moved into a task that never ends"),
                );
                instance.quiet_await = true;
            }
            self.hand_over(instance);
        }
    }

    /// Static storage keeps a value for the life of the process. For a pooled
    /// connection or a transaction that is a slot gone for good; a pool or a
    /// dedicated connection kept there is what statics are for.
    fn store_static(&mut self, instance: &Instance, target: &str, span: Span, path: &Rc<PathNode>) {
        let tracked = &self.shared.tracked[instance.tracked as usize];
        if !matches!(
            tracked.connection,
            ConnectionKind::Resource(ResourceKind::Pooled | ResourceKind::Transaction)
        ) {
            return;
        }
        self.fact(
            FactKind::StoredInStatic {
                target: target.to_string(),
            },
            instance,
            span,
            path,
            format!("stored in the static `{target}` here"),
        );
    }

    fn leak(&mut self, instance: &Instance, how: &str, span: Span, path: &Rc<PathNode>) {
        self.fact(
            FactKind::Leaked {
                how: how.to_string(),
            },
            instance,
            span,
            path,
            format!("{how} keeps it from ever going back"),
        );
    }

    // ----- awaits ---------------------------------------------------------

    fn check_await(
        &mut self,
        future: &Operand,
        mentions: &[LocalId],
        span: Span,
        state: &mut State,
        path: &Rc<PathNode>,
    ) {
        let future_root = operand_root(future);
        let related_to = |instance: &Instance| {
            future_root.is_some_and(|root| instance.reached_by(root))
                || mentions
                    .iter()
                    .any(|l| instance.reached_by(Root::Local(*l)))
        };
        // Work on another connection is database work too: a second
        // connection from the same pool is `nested-acquire`'s business.
        let database_work = self.is_database_work(future, mentions)
            || state.instances.iter().any(|i| {
                i.in_closure.is_none()
                    && matches!(
                        self.shared.tracked[i.tracked as usize].connection,
                        ConnectionKind::Resource(_)
                    )
                    && related_to(i)
            });
        let mut unrelated = Vec::new();
        for instance in &mut state.instances {
            let tracked = &self.shared.tracked[instance.tracked as usize];
            let held_for_callers = tracked.param.is_some();
            if !held_for_callers
                && !matches!(
                    tracked.connection,
                    ConnectionKind::Resource(ResourceKind::Pooled | ResourceKind::Transaction)
                )
            {
                continue;
            }
            if instance.in_closure.is_some() || !matches!(instance.holder, Root::Local(_)) {
                continue;
            }
            if related_to(instance) {
                let reads = matches!(future, Operand::Temp(t) if self.read_only_temps.contains(t));
                instance.used |= !reads;
                continue;
            }
            if !database_work && !instance.quiet_await {
                unrelated.push(instance.clone());
            }
        }
        for instance in unrelated {
            self.fact(
                FactKind::HeldAcrossAwait,
                &instance,
                span,
                path,
                String::from("still held while this `.await` waits on something else"),
            );
        }
    }

    /// Awaiting a query or an acquire is database work, not an unrelated wait:
    /// the nested-acquire lint speaks for a second connection from the same pool.
    fn is_database_work(&self, future: &Operand, mentions: &[LocalId]) -> bool {
        if mentions.iter().any(|l| {
            self.fcx
                .local_pools
                .get(*l as usize)
                .is_some_and(Option::is_some)
        }) {
            return true;
        }
        let Operand::Temp(temp) = future else {
            return false;
        };
        if self.database_temps.contains(temp) {
            return true;
        }
        let mut cursor = *temp;
        for _ in 0..8 {
            match self.fcx.temp_fact(cursor) {
                TempFact::Pool(_)
                | TempFact::NewPool(_)
                | TempFact::Builder(_)
                | TempFact::Query(_) => return true,
                _ => {}
            }
            let Some(OpKind::Call { callee, args, .. }) = self.fcx.def_of(cursor) else {
                return false;
            };
            // A workspace function that queries a pool: `nested-acquire`
            // speaks for it when it is the same pool.
            if self
                .summary_for(callee)
                .is_some_and(|summary| !summary.acquires.is_empty())
            {
                return true;
            }
            let mentions_pool = args
                .iter()
                .any(|arg| matches!(self.fcx.operand_fact(arg, self.file), TempFact::Pool(_)));
            if mentions_pool {
                return true;
            }
            match callee {
                Callee::Method { receiver, name } => {
                    if is_executor_method(self.file, name) {
                        return true;
                    }
                    if let TempFact::Pool(_) | TempFact::Query(_) =
                        self.fcx.operand_fact(receiver, self.file)
                    {
                        return true;
                    }
                    match receiver {
                        Operand::Temp(next) => cursor = *next,
                        _ => return false,
                    }
                }
                Callee::Path(written) | Callee::Macro(written) => {
                    let resolved = self.file.resolve_path(written);
                    return self.file.path_acquire(&resolved).is_some();
                }
                Callee::Value(_) => return false,
            }
        }
        false
    }

    // ----- drops and exits ------------------------------------------------

    fn exit(
        &mut self,
        mut state: State,
        kind: ExitKind,
        value: Option<&Operand>,
        span: Span,
        path: &Rc<PathNode>,
        how: ExitHow,
    ) {
        if let Some(root) = value.and_then(operand_root) {
            state.instances.retain(|i| !i.held_by(root));
        }
        if kind == ExitKind::Panic {
            return;
        }
        let normal = kind == ExitKind::Normal;
        let all: Vec<usize> = (0..state.instances.len()).collect();
        self.drop_indices(&mut state, all, span, path, how, normal);
    }

    fn drop_where(
        &mut self,
        state: &mut State,
        predicate: impl Fn(&Instance) -> bool,
        span: Span,
        path: &Rc<PathNode>,
        how: ExitHow,
        normal: bool,
    ) {
        let chosen: Vec<usize> = state
            .instances
            .iter()
            .enumerate()
            .filter(|(_, i)| predicate(i))
            .map(|(n, _)| n)
            .collect();
        self.drop_indices(state, chosen, span, path, how, normal);
    }

    /// Drops instances (scope end, statement end, `drop`, exits) and records
    /// what dropping them means.
    fn drop_indices(
        &mut self,
        state: &mut State,
        mut chosen: Vec<usize>,
        span: Span,
        path: &Rc<PathNode>,
        how: ExitHow,
        normal: bool,
    ) {
        chosen.sort_unstable();
        for n in chosen.into_iter().rev() {
            let instance = state.instances.remove(n);
            self.dropped(&instance, span, path, how, normal);
        }
    }

    fn dropped(
        &mut self,
        instance: &Instance,
        span: Span,
        path: &Rc<PathNode>,
        how: ExitHow,
        normal: bool,
    ) {
        if instance.in_closure.is_some() {
            // The closure was never run or handed anywhere: it dies with it.
            return;
        }
        let tracked = self.shared.tracked[instance.tracked as usize].clone();
        if let Some(site) = instance.manually_dropped {
            self.fact(
                FactKind::Leaked {
                    how: String::from("`ManuallyDrop`"),
                },
                instance,
                site,
                path,
                String::from("wrapped in `ManuallyDrop` and never dropped"),
            );
            return;
        }
        match tracked.connection {
            ConnectionKind::Pool => {
                // Giving up on an error path closes the pool, as it should.
                if !normal {
                    return;
                }
                let role = self.root_role();
                let in_loop = tracked.loop_id.is_some();
                if in_loop || !(role.is_main || role.is_test || instance.shared) {
                    self.fact(
                        FactKind::TemporaryPool { in_loop },
                        instance,
                        tracked.site,
                        path,
                        String::from("the pool is dropped here, closing its connections"),
                    );
                }
            }
            ConnectionKind::Resource(kind) => {
                if instance.raw_tx == RawTx::Open {
                    self.fact(
                        FactKind::RawTransactionOpen { how },
                        instance,
                        span,
                        path,
                        exit_note(how, "goes back to the pool with the transaction still open"),
                    );
                    return;
                }
                let deliberate = how == ExitHow::ExplicitDrop;
                if kind == ResourceKind::Transaction && instance.used && normal && !deliberate {
                    self.fact(
                        FactKind::UncommittedTransaction { how },
                        instance,
                        span,
                        path,
                        exit_note(how, "is dropped without commit, so its work is rolled back"),
                    );
                    return;
                }
                if !tracked.drop_releases {
                    self.fact(
                        FactKind::Unclosed { how },
                        instance,
                        span,
                        path,
                        exit_note(how, "is dropped without being released"),
                    );
                }
            }
        }
    }

    fn root_role(&self) -> crate::model::FnRole {
        let functions = &self.file.file.functions;
        let mut body = self.body;
        for _ in 0..functions.len() {
            match functions.get(body as usize) {
                Some(f) if f.kind != BodyKind::Fn => match f.parent {
                    Some(parent) => body = parent,
                    None => break,
                },
                _ => break,
            }
        }
        functions
            .get(body as usize)
            .map(|f| f.role)
            .unwrap_or_default()
    }

    // ----- facts ----------------------------------------------------------

    fn fact(
        &mut self,
        kind: FactKind,
        instance: &Instance,
        at: Span,
        path: &Rc<PathNode>,
        note: String,
    ) {
        let Some(fact) = self.build_fact(kind, instance, at, path, note) else {
            return;
        };
        match self.shared.tracked[instance.tracked as usize].param {
            Some(param) => {
                if fact.kind == FactKind::HeldAcrossAwait {
                    self.shared.param_awaits.push(ParamAwait {
                        function: self.ir().name.clone(),
                        param,
                        fact,
                    });
                }
            }
            None => self.shared.facts.push(fact),
        }
    }

    /// A connection (or one followed for the callers) passed to a workspace
    /// function: the callee's awaits on it are joined in after the analysis.
    fn record_passes(
        &mut self,
        state: &State,
        callee: &FnSummary,
        operands: &[&Operand],
        span: Span,
        path: &Rc<PathNode>,
    ) {
        for (position, operand) in operands.iter().enumerate() {
            for n in self.reached(state, operand) {
                let instance = state.instances[n].clone();
                let tracked = &self.shared.tracked[instance.tracked as usize];
                let relevant = tracked.param.is_some()
                    || matches!(
                        tracked.connection,
                        ConnectionKind::Resource(ResourceKind::Pooled | ResourceKind::Transaction)
                    );
                if !relevant || instance.in_closure.is_some() {
                    continue;
                }
                let from_param = tracked.param;
                let note = format!("passed to `{}` here", callee.name);
                // Built outside the fact dedupe: one connection may be passed
                // to several functions at one call.
                let Some(fact) = self.build_fact_unchecked(
                    FactKind::HeldAcrossAwait,
                    &instance,
                    span,
                    path,
                    note,
                ) else {
                    continue;
                };
                self.shared.passes.push(Pass {
                    from_param: from_param.map(|param| (self.ir().name.clone(), param)),
                    callee: callee.name.clone(),
                    param: position as u32,
                    fact,
                });
            }
        }
    }

    fn build_fact(
        &mut self,
        kind: FactKind,
        instance: &Instance,
        at: Span,
        path: &Rc<PathNode>,
        note: String,
    ) -> Option<Fact> {
        if instance.borrowed
            && !matches!(
                kind,
                FactKind::HeldAcrossAwait | FactKind::NestedAcquire { .. }
            )
        {
            return None;
        }
        let discriminant = fact_discriminant(&kind);
        if !self
            .shared
            .seen_facts
            .insert((discriminant, instance.tracked, at))
        {
            return None;
        }
        self.build_fact_unchecked(kind, instance, at, path, note)
    }

    fn build_fact_unchecked(
        &self,
        kind: FactKind,
        instance: &Instance,
        at: Span,
        path: &Rc<PathNode>,
        note: String,
    ) -> Option<Fact> {
        let tracked = &self.shared.tracked[instance.tracked as usize];
        let file = self.file.file.file;
        let acquired_at = Location {
            file,
            span: tracked.site,
        };
        let mut steps = Vec::new();
        let mut cursor = Some(path.clone());
        while let Some(node) = cursor {
            if node.depth < instance.path_start.max(1) {
                break;
            }
            if let Some((span, step_note)) = &node.step {
                steps.push(PathStep {
                    at: Location { file, span: *span },
                    note: step_note.clone(),
                });
            }
            cursor = node.parent.clone();
        }
        steps.reverse();
        if steps.first().is_none_or(|s| s.at.span != tracked.site) {
            steps.insert(
                0,
                PathStep {
                    at: acquired_at,
                    note: String::from("acquired here"),
                },
            );
        }
        if steps.len() > MAX_PATH_STEPS {
            let keep_tail = MAX_PATH_STEPS - 1;
            let tail = steps.split_off(steps.len() - keep_tail);
            steps.truncate(1);
            steps.extend(tail);
        }
        steps.push(PathStep {
            at: Location { file, span: at },
            note,
        });
        let binding = instance
            .binding
            .map(|local| self.ir().local_name(local).to_string())
            .filter(|name| !name.starts_with('_') || name.len() > 1);
        let binding = match (binding, tracked.body == self.body) {
            (Some(name), _) => Some(name),
            (None, _) => None,
        };
        let holder = self.holder_of(instance, tracked);
        Some(Fact {
            kind,
            connection: ConnectionRef {
                resource: tracked.resource_name.clone(),
                kind: tracked.connection,
                acquired_at,
                binding,
                pool: tracked.pool.as_ref().map(|p| p.key.clone()),
            },
            at: Location { file, span: at },
            path: steps,
            function: self.ir().name.clone(),
            in_test: self.root_role().is_test,
            holder,
        })
    }

    /// The local that holds the instance, when it is one of this body's
    /// own bindings holding a connection acquired here; `None` for a
    /// connection followed for the callers, borrowed, or in a closure.
    fn holder_of(&self, instance: &Instance, tracked: &Tracked) -> Option<super::Holder> {
        let Root::Local(local) = instance.holder else {
            return None;
        };
        if tracked.body != self.body
            || tracked.param.is_some()
            || instance.borrowed
            || instance.in_closure.is_some()
        {
            return None;
        }
        let declared = self.ir().locals.get(local as usize)?;
        Some(super::Holder {
            body: self.body,
            local,
            declared_at: declared.span,
        })
    }
}

fn fact_discriminant(kind: &FactKind) -> u8 {
    match kind {
        FactKind::Leaked { .. } => 0,
        FactKind::StoredInStatic { .. } => 1,
        FactKind::SpawnedForever => 2,
        FactKind::Accumulated { .. } => 3,
        FactKind::HeldAcrossAwait => 4,
        FactKind::NestedAcquire { .. } => 5,
        FactKind::UncommittedTransaction { .. } => 6,
        FactKind::RawTransactionOpen { .. } => 7,
        FactKind::Unclosed { .. } => 8,
        FactKind::TemporaryPool { .. } => 9,
    }
}

/// A statement that reads and changes nothing a rollback would undo:
/// `SELECT`, including `SELECT .. FOR UPDATE` (its locks end with the
/// transaction either way), `SHOW`, `EXPLAIN` without `ANALYZE`, and `WITH`
/// queries that modify nothing.
fn is_read_only_sql(sql: &str) -> bool {
    // `FOR UPDATE` names UPDATE as a lock mode, not a write.
    let statement = sql
        .to_ascii_uppercase()
        .replace("FOR NO KEY UPDATE", " ")
        .replace("FOR UPDATE", " ");
    let mut words = statement
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty());
    let reads = matches!(
        words.next(),
        Some("SELECT" | "SHOW" | "EXPLAIN" | "WITH" | "VALUES")
    );
    reads
        && !words.any(|w| {
            matches!(
                w,
                "INSERT"
                    | "UPDATE"
                    | "DELETE"
                    | "MERGE"
                    | "UPSERT"
                    | "REPLACE"
                    | "CREATE"
                    | "DROP"
                    | "ALTER"
                    | "TRUNCATE"
                    | "GRANT"
                    | "REVOKE"
                    | "COPY"
                    | "CALL"
                    | "ANALYZE"
                    | "NEXTVAL"
                    | "SETVAL"
                    | "LOCK"
            )
        })
}

fn exit_note(how: ExitHow, what: &str) -> String {
    let prefix = match how {
        ExitHow::Return => "returns here: the connection",
        ExitHow::Question => "`?` returns early here: the connection",
        ExitHow::ReturnErr => "returns an error here: the connection",
        ExitHow::ScopeEnd => "goes out of scope here and",
        ExitHow::StatementEnd => "dropped at the end of this statement: it",
        ExitHow::ExplicitDrop => "dropped here: it",
        ExitHow::Overwritten => "overwritten here: the old one",
    };
    format!("{prefix} {what}")
}

fn operand_root(operand: &Operand) -> Option<Root> {
    match operand {
        Operand::Temp(temp) => Some(Root::Temp(*temp)),
        Operand::Place {
            place:
                Place {
                    root: PlaceRoot::Local(local),
                    ..
                },
            ..
        } => Some(Root::Local(*local)),
        _ => None,
    }
}

fn operand_text(ir: &FnIr, operand: &Operand) -> String {
    match operand {
        Operand::Place { place, .. } => {
            let mut text = match &place.root {
                PlaceRoot::Local(local) => ir.local_name(*local).to_string(),
                PlaceRoot::Path(path) => path.join("::"),
            };
            for field in &place.fields {
                text.push('.');
                text.push_str(field);
            }
            text
        }
        _ => String::from("a collection"),
    }
}

fn rename_borrower(instance: &mut Instance, from: Root, to: Root) {
    for borrower in &mut instance.borrowers {
        if *borrower == from {
            *borrower = to;
        }
    }
}

/// Whether a pack entry list names this method (`Type::method` entries).
fn method_listed(entries: &[String], method: &str) -> bool {
    entries
        .iter()
        .any(|e| e.rsplit("::").next() == Some(method))
}

/// A body with no way to end normally: every exit is an error, a panic, or
/// none is reachable at all (`loop { .. }` with no `break`).
fn never_ends(body: &FnIr) -> bool {
    let mut seen = vec![false; body.blocks.len()];
    let mut stack = vec![0usize];
    while let Some(block) = stack.pop() {
        if block >= seen.len() || seen[block] {
            continue;
        }
        seen[block] = true;
        match &body.blocks[block].term {
            Terminator::Jump(edges) => stack.extend(edges.iter().map(|e| e.target as usize)),
            Terminator::Try { ok, .. } => stack.push(*ok as usize),
            Terminator::Exit { kind, .. } => {
                if *kind == ExitKind::Normal {
                    return false;
                }
            }
            Terminator::Unreachable => {}
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::is_read_only_sql;

    #[test]
    fn read_only_statements_are_told_from_writes() {
        assert!(is_read_only_sql("SELECT id FROM jobs WHERE done = false"));
        assert!(is_read_only_sql("  select * from t for update skip locked"));
        assert!(is_read_only_sql(
            "WITH recent AS (SELECT 1) SELECT * FROM recent"
        ));
        assert!(!is_read_only_sql("INSERT INTO t VALUES (1)"));
        assert!(!is_read_only_sql(
            "WITH moved AS (DELETE FROM a RETURNING *) SELECT * FROM moved"
        ));
        assert!(!is_read_only_sql("SELECT nextval('ids')"));
        assert!(!is_read_only_sql("EXPLAIN ANALYZE DELETE FROM t"));
        assert!(!is_read_only_sql("UPDATE t SET x = 1"));
    }
}
