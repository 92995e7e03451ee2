//! What the flow analysis needs to know about values, asked of the semantic
//! layer and the packs: which calls are a pack's (by the path they resolve
//! to), which types are pools or connections, which place a pool is (its
//! identity), and what each temporary holds as far as pools, builders,
//! queries and statics go. Evidence only: a value is a pool when its type
//! says so, never because of its name.

use crate::model::Name;
use std::cell::RefCell;
use std::sync::{Mutex, RwLock};

use rustc_hash::FxHashMap;

use super::summaries::Summaries;
use super::table::{name_matches, split_method_entry, PackId, PackTable, PoolId, ResourceId};
use crate::model::{
    BlockId, Callee, FileIr, FnId, FnIr, LocalId, OpKind, Operand, Place, PlaceRoot, TempId,
    Terminator,
};
use crate::semantics::infer::{CallTarget, Inference};
use crate::semantics::scopes::{Def, Ns};
use crate::semantics::{BodyTypes, Item, ItemLoc, Semantics, Ty};

/// A pool, and the place that identifies it within a function
/// (`self.pool`, `state.db`, `pool`), fields reached through `Deref`
/// included (`store.0.pool`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PoolInfo {
    pub id: PoolId,
    pub key: String,
}

/// What the pre-pass knows about a temporary's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TempFact {
    Unknown,
    /// An existing pool (a clone or reference of one).
    Pool(PoolInfo),
    /// A pool built here (or the future / result of building one).
    NewPool(PoolId),
    /// A pool builder (`PgPoolOptions::new().max_connections(5)`).
    Builder(PoolId),
    /// A query made from a SQL string (`sqlx::query("BEGIN")`).
    Query(Name),
    /// Something reached from a static (`CACHE.lock()`): storing into it stores
    /// into static storage.
    Static(String),
}

/// Wrappers whose content a pool or connection question looks through:
/// what holds one of these holds what is inside.
const HOLDING_WRAPPERS: &[&str] = &["Option", "Mutex", "RwLock", "RefCell", "Cell", "OnceCell"];

/// Per-file resolution context.
pub struct FileContext<'a> {
    pub file: &'a FileIr,
    pub semantics: &'a Semantics,
    pub table: &'a PackTable,
    pub active: Vec<PackId>,
    /// What the workspace's functions do with pools and connections.
    pub summaries: &'a Summaries,
    /// By type: the resource it holds, if any (asked for every typed
    /// receiver and parameter).
    resource_types: RefCell<FxHashMap<Ty, Option<ResourceId>>>,
    /// The same for a workspace type without generic arguments, by the
    /// depth of fields still to look into and whether only a surely held
    /// connection counts: asked again for every struct that has it as a
    /// field, and cheap to key.
    adt_resources: RefCell<FxHashMap<(ItemLoc, u32, bool), Option<ResourceId>>>,
    /// The same answers, shared with the other files of the run that have
    /// the same packs active (by the id of that set).
    shared: Option<(&'a SharedResources, u32)>,
}

/// What the workspace's types without generic arguments hold, shared by the
/// files of a run: each file asks again about the same structs. An answer
/// depends on the type and on the packs active for the file, nothing else.
#[derive(Default)]
pub struct SharedResources {
    /// Each set of active packs seen, by its id.
    active_sets: Mutex<FxHashMap<Vec<PackId>, u32>>,
    /// By set of active packs, type, depth and whether only a surely held
    /// connection counts.
    adts: RwLock<FxHashMap<SharedAdtKey, Option<ResourceId>>>,
}

/// A set of active packs (its id), a type, a depth and whether only a
/// surely held connection counts.
type SharedAdtKey = (u32, ItemLoc, u32, bool);

impl<'a> FileContext<'a> {
    /// Shares what the file learns about its types with the other files of
    /// the run, through `shared`.
    pub fn with_shared(mut self, shared: &'a SharedResources) -> FileContext<'a> {
        let mut sets = shared
            .active_sets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let next = sets.len() as u32;
        let id = *sets.entry(self.active.clone()).or_insert(next);
        self.shared = Some((shared, id));
        self
    }

    /// The text of the string static or constant a one-segment path names
    /// (`sqlx::query(&QUERY)`): one declared in the body's function wins
    /// (each function may have its own `lazy_static! { static ref query .. }`),
    /// else the file's, when all of that name agree. A `format!` template
    /// gets the texts of the file's statics it puts in, where known.
    pub fn static_text(&self, body: &FnIr, operand: &Operand) -> Option<String> {
        let Operand::Place { place, .. } = operand else {
            return None;
        };
        let (PlaceRoot::Path(segments), true) = (&place.root, place.fields.is_empty()) else {
            return None;
        };
        let [name] = &segments[..] else {
            return None;
        };
        self.named_text(Some(body), name, 0)
    }

    fn named_text(&self, body: Option<&FnIr>, name: &str, depth: usize) -> Option<String> {
        if depth > 4 {
            return None;
        }
        let named = || {
            self.file
                .statics
                .iter()
                .filter(move |item| item.name == name)
        };
        let own = body.and_then(|body| {
            let (start, end) = (body.span.start, body.end_span.end);
            named().find(|item| item.span.start >= start && item.span.end <= end)
        });
        let found = match own {
            Some(item) => item,
            None => {
                let mut all = named();
                let first = all.next()?;
                if !all.all(|item| item.text == first.text && item.arguments == first.arguments) {
                    return None;
                }
                first
            }
        };
        let template = found.text.as_ref()?;
        if found.arguments.is_empty() {
            return Some(template.to_string());
        }
        // `{}` placeholders in order; a `{` doubled is text.
        let mut text = String::with_capacity(template.len());
        let mut arguments = found.arguments.iter();
        let mut rest = template.as_str();
        while let Some(at) = rest.find("{}") {
            text.push_str(&rest[..at]);
            let put = arguments
                .next()
                .and_then(|argument| argument.as_deref())
                .and_then(|argument| self.named_text(None, argument, depth + 1));
            text.push_str(put.as_deref().unwrap_or("{}"));
            rest = &rest[at + 2..];
        }
        text.push_str(rest);
        Some(text)
    }

    pub fn new(
        file: &'a FileIr,
        semantics: &'a Semantics,
        table: &'a PackTable,
        summaries: &'a Summaries,
    ) -> FileContext<'a> {
        FileContext {
            file,
            semantics,
            table,
            active: table.active_for(&file.crate_roots),
            summaries,
            resource_types: RefCell::new(FxHashMap::default()),
            adt_resources: RefCell::new(FxHashMap::default()),
            shared: None,
        }
    }

    /// A path as written, without its `crate::` / `self::` / `super::`:
    /// what the packs match when the semantic layer cannot say more.
    pub fn written_path(&self, written: &[Name]) -> Vec<Name> {
        let start = written
            .iter()
            .position(|s| !matches!(s.as_str(), "crate" | "self" | "super" | "$crate"))
            .unwrap_or(written.len());
        let trimmed = &written[start..];
        if trimmed.is_empty() {
            written.to_vec()
        } else {
            trimmed.to_vec()
        }
    }

    /// The packs a path may match: a workspace item's path only the
    /// configuration's own entries.
    pub fn packs_for(&self, workspace: bool) -> impl Iterator<Item = PackId> + '_ {
        self.active
            .iter()
            .copied()
            .filter(move |&pack| !workspace || self.table.packs[pack].workspace_items)
    }

    /// Acquires written as path calls (`PgConnection::connect(url)`), with the
    /// tuple element each resource is.
    pub fn path_acquire(&self, resolved: &[Name]) -> Option<Vec<(ResourceId, Option<u32>)>> {
        self.path_acquire_in(resolved, false)
    }

    /// [`FileContext::path_acquire`] for a path of the workspace's own
    /// (`workspace`) or another crate's.
    pub fn path_acquire_in(
        &self,
        resolved: &[Name],
        workspace: bool,
    ) -> Option<Vec<(ResourceId, Option<u32>)>> {
        if !self.table.may_name(resolved) {
            return None;
        }
        let mut found = Vec::new();
        for pack in self.packs_for(workspace) {
            for (index, spec) in self.table.packs[pack].resources.iter().enumerate() {
                let matches = spec.acquire.iter().any(|entry| {
                    name_matches(resolved, entry, false)
                        && (resolved.len() >= 2 || !entry.contains("::"))
                });
                if matches {
                    found.push((ResourceId { pack, index }, spec.tuple_index));
                }
            }
        }
        (!found.is_empty()).then_some(found)
    }

    /// `pool.acquire()`: the resource an acquire entry `Pool::acquire` gives.
    pub fn acquire_from_pool(&self, pool: PoolId, method: &str) -> Option<ResourceId> {
        let spec_pack = &self.table.packs[pool.pack];
        spec_pack
            .resources
            .iter()
            .enumerate()
            .find_map(|(index, spec)| {
                spec.acquire
                    .iter()
                    .filter_map(|e| split_method_entry(e))
                    .any(|(type_name, m)| m == method && self.pool_named(pool, type_name))
                    .then_some(ResourceId {
                        pack: pool.pack,
                        index,
                    })
            })
    }

    /// Whether a resolved path is one of `entries` (core roles are always on).
    pub fn core_role(&self, resolved: &[Name], entries: &[String]) -> bool {
        entries
            .iter()
            .any(|entry| name_matches(resolved, entry, false))
    }

    /// The pool a type is, and the fields its `Deref` impls hand out on the
    /// way (`SqlxDatabase` deref'ing to its `pool` field is `["pool"]`).
    pub fn pool_of(&self, ty: &Ty) -> Option<(PoolId, Vec<Name>)> {
        let mut current = ty.clone();
        let mut via = Vec::new();
        for _ in 0..8 {
            if let Some(path) = current.external_path() {
                if let Some(id) = self.pack_pool(path) {
                    return Some((id, via));
                }
            }
            current = match peel_holder(&current) {
                Some(inner) => inner,
                None => {
                    let (next, fields) = self.semantics.deref_step(current.strip_refs())?;
                    via.extend(fields);
                    next
                }
            };
        }
        None
    }

    fn pack_pool(&self, path: &[Name]) -> Option<PoolId> {
        if !self.table.may_name(path) {
            return None;
        }
        self.active.iter().find_map(|&pack| {
            self.table.packs[pack]
                .pools
                .iter()
                .position(|pool| pool.types.iter().any(|t| name_matches(path, t, true)))
                .map(|index| PoolId { pack, index })
        })
    }

    fn pack_resource(&self, path: &[Name], workspace: bool) -> Option<ResourceId> {
        if !self.table.may_name(path) {
            return None;
        }
        self.packs_for(workspace).find_map(|pack| {
            self.table.packs[pack]
                .resources
                .iter()
                .position(|r| r.types.iter().any(|t| name_matches(path, t, true)))
                .map(|index| ResourceId { pack, index })
        })
    }

    /// The resource a type is or owns: a pack's connection type (through
    /// references, smart pointers and holders), a workspace type that
    /// derefs to one, or a workspace struct or enum that owns one in a
    /// field (a request guard `DbConn(PoolConnection<..>)`).
    pub fn resource_type(&self, ty: &Ty) -> Option<ResourceId> {
        if let Some(known) = self.resource_types.borrow().get(ty) {
            return *known;
        }
        let found = self.resource_within(ty, 3, false);
        self.resource_types.borrow_mut().insert(ty.clone(), found);
        found
    }

    /// Whether a value of type `ty` surely holds its connection: a workspace
    /// type that only may carry one, in an `Option` field (an outcome with
    /// `txn: Option<Transaction>`), does not.
    pub fn surely_holds(&self, ty: &Ty) -> bool {
        self.resource_within(ty, 3, true).is_some()
    }

    fn resource_within(&self, ty: &Ty, depth: u32, surely: bool) -> Option<ResourceId> {
        if let Ty::Adt(adt, args) = ty.strip_refs() {
            if args.is_empty() {
                let key = (*adt, depth, surely);
                if let Some(known) = self.adt_resources.borrow().get(&key) {
                    return *known;
                }
                let shared_key = self
                    .shared
                    .map(|(shared, set)| (shared, (set, *adt, depth, surely)));
                let known = shared_key.and_then(|(shared, key)| {
                    let adts = shared.adts.read().unwrap_or_else(|p| p.into_inner());
                    adts.get(&key).copied()
                });
                let found = match known {
                    Some(found) => found,
                    None => {
                        let found = self.resource_walk(ty, depth, surely);
                        if let Some((shared, key)) = shared_key {
                            let mut adts = shared.adts.write().unwrap_or_else(|p| p.into_inner());
                            adts.insert(key, found);
                        }
                        found
                    }
                };
                self.adt_resources.borrow_mut().insert(key, found);
                return found;
            }
        }
        self.resource_walk(ty, depth, surely)
    }

    fn resource_walk(&self, ty: &Ty, depth: u32, surely: bool) -> Option<ResourceId> {
        let mut current = ty.strip_refs().clone();
        for _ in 0..8 {
            if let Some(path) = current.external_path() {
                return match self.pack_resource(path, false) {
                    Some(found) => Some(found),
                    None => {
                        let inner = peel_holder(&current)?;
                        current = inner.strip_refs().clone();
                        continue;
                    }
                };
            }
            let Ty::Adt(adt, args) = &current else {
                return None;
            };
            // A type of the workspace the configuration declares.
            if let Some(found) = self.pack_resource(&self.semantics.adt_path(*adt), true) {
                return Some(found);
            }
            if depth > 0 {
                // A field that borrows a connection (`&'a mut Transaction`)
                // lends it: the struct does not own what it points to.
                let owned = self
                    .semantics
                    .fields_of(*adt, args)
                    .into_iter()
                    .filter(|(_, field)| !matches!(field, Ty::Ref(..)))
                    .filter(|(_, field)| !(surely && field.external_name() == Some("Option")))
                    .find_map(|(_, field)| self.resource_within(&field, depth - 1, surely));
                if owned.is_some() {
                    return owned;
                }
            }
            let (next, _) = self.semantics.deref_step(&current)?;
            current = next.strip_refs().clone();
        }
        None
    }

    /// Whether `type_name` (the type part of a `Type::method` entry) names the
    /// pool `pool`: directly, or as any type of the same `[[pool]]`.
    pub fn pool_named(&self, pool: PoolId, type_name: &str) -> bool {
        self.table
            .pool(pool)
            .types
            .iter()
            .any(|t| t.rsplit("::").next() == Some(type_name))
    }

    /// Whether `type_name` names the resource `resource`.
    pub fn resource_named(&self, resource: ResourceId, type_name: &str) -> bool {
        self.table
            .resource(resource)
            .types
            .iter()
            .any(|t| t.rsplit("::").next() == Some(type_name))
    }
}

/// `Option<T>`, `Mutex<T>`, smart pointers, guards: `T`.
fn peel_holder(ty: &Ty) -> Option<Ty> {
    let stripped = ty.strip_refs();
    if let Some(pointee) = stripped.smart_pointee() {
        return Some(pointee.clone());
    }
    let name = stripped.external_name()?;
    if HOLDING_WRAPPERS.contains(&name) {
        return stripped.args().first().cloned();
    }
    None
}

/// Per-function facts computed once before exploration.
pub struct FnContext<'a> {
    pub ir: &'a FnIr,
    pub body: FnId,
    pub types: BodyTypes,
    pub inference: Inference<'a>,
    pub temp_facts: Vec<TempFact>,
    pub local_pools: Vec<Option<PoolInfo>>,
    /// Where each temporary is defined: (block, op index); `None` for temps
    /// defined by a terminator.
    pub temp_defs: Vec<Option<(BlockId, usize)>>,
    /// What a temporary made by `.await`, `?` or a move holds the value of.
    sources: Vec<Option<Operand>>,
    /// What each local was first bound to.
    local_values: Vec<Option<Operand>>,
}

impl<'a> FnContext<'a> {
    /// `captured`: the types of the enclosing body, for a closure's or an
    /// async block's captures.
    pub fn new(body: FnId, file: &FileContext<'a>, captured: Option<&BodyTypes>) -> FnContext<'a> {
        let ir = &file.file.functions[body as usize];
        let semantics = file.semantics;
        let types = semantics.infer(file.file, body, captured);
        let mut context = FnContext {
            ir,
            body,
            types,
            inference: Inference {
                semantics,
                scope: semantics.body_scope(file.file, body),
            },
            temp_facts: vec![TempFact::Unknown; ir.temps as usize],
            local_pools: vec![None; ir.locals.len()],
            temp_defs: vec![None; ir.temps as usize],
            sources: vec![None; ir.temps as usize],
            local_values: vec![None; ir.locals.len()],
        };
        for (block_id, block) in ir.blocks.iter().enumerate() {
            for (op_index, op) in block.ops.iter().enumerate() {
                context.prepass_op(block_id as BlockId, op_index, &op.kind, file);
            }
            if let Terminator::Try { operand, dest, .. } = &block.term {
                let fact = context.temp_fact(*operand).clone();
                context.set_temp(*dest, fact);
                context.set_source(*dest, Operand::Temp(*operand));
            }
        }
        context
    }

    fn set_source(&mut self, temp: TempId, value: Operand) {
        if let Some(slot) = self.sources.get_mut(temp as usize) {
            if slot.is_none() {
                *slot = Some(value);
            }
        }
    }

    /// What a temporary made by `.await`, `?` or a move holds the value of.
    pub fn source_of(&self, temp: TempId) -> Option<Operand> {
        self.sources.get(temp as usize)?.clone()
    }

    /// What a local was first bound to.
    pub fn local_value(&self, local: LocalId) -> Option<&Operand> {
        self.local_values.get(local as usize)?.as_ref()
    }

    /// The text of a string literal, given directly or through a local
    /// bound to one (`let query = "SELECT ..";`).
    pub fn string_value(&self, operand: &Operand) -> Option<String> {
        match operand {
            Operand::Str(text) => Some(text.to_string()),
            Operand::Place { place, .. } if place.fields.is_empty() => match &place.root {
                PlaceRoot::Local(local) => match self.local_value(*local)? {
                    Operand::Str(text) => Some(text.to_string()),
                    _ => None,
                },
                PlaceRoot::Path(_) => None,
            },
            _ => None,
        }
    }

    fn set_temp(&mut self, temp: TempId, fact: TempFact) {
        if let Some(slot) = self.temp_facts.get_mut(temp as usize) {
            *slot = fact;
        }
    }

    pub fn temp_fact(&self, temp: TempId) -> &TempFact {
        self.temp_facts
            .get(temp as usize)
            .unwrap_or(&TempFact::Unknown)
    }

    fn record_def(&mut self, temp: TempId, block: BlockId, op_index: usize) {
        if let Some(slot) = self.temp_defs.get_mut(temp as usize) {
            *slot = Some((block, op_index));
        }
    }

    /// What the call defining `dest` calls, as the semantic layer resolved it.
    pub fn call_target(&self, dest: TempId) -> Option<&CallTarget> {
        self.types.calls.get(dest as usize)?.as_ref()
    }

    /// The path the packs match for a call: another crate's function or
    /// method by its resolved path, a path the semantic layer could not
    /// resolve as written; `None` for the workspace's own functions and
    /// constructors, which no built-in pack names (see
    /// [`FnContext::workspace_call_path`]).
    pub fn call_path(
        &self,
        callee: &Callee,
        dest: TempId,
        file: &FileContext,
    ) -> Option<Vec<Name>> {
        match self.call_target(dest) {
            Some(CallTarget::External(path)) => Some(path.clone()),
            Some(CallTarget::Func(..) | CallTarget::Constructor(_)) => None,
            None => match callee {
                Callee::Path(written) | Callee::Macro(written) => Some(file.written_path(written)),
                _ => None,
            },
        }
    }

    /// The path of the workspace function a call calls, for the
    /// configuration's own entries (`Registry::checkout`).
    pub fn workspace_call_path(&self, dest: TempId) -> Option<Vec<Name>> {
        match self.call_target(dest)? {
            CallTarget::Func(func, _) => Some(self.inference.semantics.function_path(*func)),
            _ => None,
        }
    }

    fn prepass_op(&mut self, block: BlockId, op_index: usize, op: &OpKind, file: &FileContext) {
        match op {
            OpKind::Call { dest, callee, args } => {
                self.record_def(*dest, block, op_index);
                let fact = self.call_fact(*dest, callee, args, file);
                self.set_temp(*dest, fact);
            }
            OpKind::Await { dest, future, .. } => {
                self.record_def(*dest, block, op_index);
                self.set_source(*dest, future.clone());
                let fact = self.operand_fact(future, file);
                let fact = match fact {
                    TempFact::Query(_) | TempFact::Builder(_) => TempFact::Unknown,
                    other => other,
                };
                self.set_temp(*dest, fact);
            }
            OpKind::Move { dest, value } => {
                self.record_def(*dest, block, op_index);
                self.set_source(*dest, value.clone());
                let fact = self.operand_fact(value, file);
                self.set_temp(*dest, fact);
            }
            OpKind::Aggregate { dest, .. }
            | OpKind::Field { dest, .. }
            | OpKind::Closure { dest, .. }
            | OpKind::Element { dest, .. } => {
                self.record_def(*dest, block, op_index);
            }
            OpKind::Let { local, value } => {
                if let Some(slot) = self.local_values.get_mut(*local as usize) {
                    if slot.is_none() {
                        *slot = Some(value.clone());
                    }
                }
                let pool = match self.operand_fact(value, file) {
                    TempFact::Pool(info) => Some(info),
                    TempFact::NewPool(id) => Some(PoolInfo {
                        id,
                        key: self.ir.local_name(*local).to_string(),
                    }),
                    _ => None,
                };
                if let Some(slot) = self.local_pools.get_mut(*local as usize) {
                    if slot.is_none() {
                        *slot = pool;
                    }
                }
            }
            _ => {}
        }
    }

    /// What an operand is, as far as pools, builders, queries and statics go.
    pub fn operand_fact(&self, operand: &Operand, file: &FileContext) -> TempFact {
        match operand {
            Operand::Temp(temp) => self.temp_fact(*temp).clone(),
            Operand::Place { place, .. } => {
                if let Some(info) = self.place_pool(place, file) {
                    TempFact::Pool(info)
                } else if let PlaceRoot::Path(path) = &place.root {
                    if self.is_static_path(path) {
                        TempFact::Static(path.join("::"))
                    } else {
                        TempFact::Unknown
                    }
                } else {
                    TempFact::Unknown
                }
            }
            _ => TempFact::Unknown,
        }
    }

    fn call_fact(
        &self,
        dest: TempId,
        callee: &Callee,
        args: &[Operand],
        file: &FileContext,
    ) -> TempFact {
        let core = &file.table.core;
        match callee {
            Callee::Path(_) | Callee::Macro(_) => {
                let Some(resolved) = self.call_path(callee, dest, file) else {
                    return self.returned_pool(dest, None, file);
                };
                let active: &[PackId] = if file.table.may_name(&resolved) {
                    &file.active
                } else {
                    &[]
                };
                for &pack in active {
                    let pack_def = &file.table.packs[pack];
                    for (index, pool) in pack_def.pools.iter().enumerate() {
                        let id = PoolId { pack, index };
                        if pool
                            .constructors
                            .iter()
                            .any(|c| name_matches(&resolved, c, false))
                        {
                            return TempFact::NewPool(id);
                        }
                        if pool
                            .builders
                            .iter()
                            .any(|c| name_matches(&resolved, c, false))
                        {
                            return TempFact::Builder(id);
                        }
                    }
                    if let Some(raw) = &pack_def.raw_sql {
                        if raw
                            .query_functions
                            .iter()
                            .any(|q| name_matches(&resolved, q, true))
                        {
                            // `query!("..")`, `query_as!(Row, "..")`: the
                            // first string argument is the statement.
                            let sql = args.iter().find_map(|arg| match arg {
                                Operand::Str(sql) => Some(*sql),
                                _ => None,
                            });
                            if let Some(sql) = sql {
                                return TempFact::Query(sql);
                            }
                        }
                    }
                }
                if file.core_role(&resolved, &core.wrap) {
                    if let Some(first) = args.first() {
                        return match self.operand_fact(first, file) {
                            TempFact::Pool(info) => TempFact::Pool(info),
                            _ => TempFact::Unknown,
                        };
                    }
                }
                TempFact::Unknown
            }
            Callee::Method { receiver, name } => {
                // `config.create_pool(..)`, `client.get_connection_manager()`:
                // pack entries written as `Type::method` on a typed receiver.
                if let Some(CallTarget::External(written)) = self.call_target(dest) {
                    if file.table.may_name(std::slice::from_ref(name)) {
                        for &pack in &file.active {
                            for (index, pool) in file.table.packs[pack].pools.iter().enumerate() {
                                let id = PoolId { pack, index };
                                let listed = |entries: &[String]| {
                                    entries.iter().any(|c| name_matches(written, c, false))
                                };
                                if listed(&pool.constructors) {
                                    return TempFact::NewPool(id);
                                }
                                if listed(&pool.builders) {
                                    return TempFact::Builder(id);
                                }
                            }
                        }
                    }
                }
                let receiver_fact = self.operand_fact(receiver, file);
                match receiver_fact {
                    TempFact::Pool(info)
                        if matches!(
                            name.as_str(),
                            "clone" | "as_ref" | "deref" | "borrow" | "get_ref" | "to_owned"
                        ) || core.passthrough_methods.iter().any(|m| m == name) =>
                    {
                        TempFact::Pool(info)
                    }
                    TempFact::NewPool(id) if core.passthrough_methods.iter().any(|m| m == name) => {
                        TempFact::NewPool(id)
                    }
                    TempFact::Builder(id) => {
                        if file.table.pool(id).build_methods.iter().any(|m| m == name) {
                            TempFact::NewPool(id)
                        } else {
                            TempFact::Builder(id)
                        }
                    }
                    TempFact::Query(sql) if !is_executor_method(file, name) => TempFact::Query(sql),
                    TempFact::Static(path) => TempFact::Static(path),
                    _ => self.returned_pool(dest, Some((receiver, name)), file),
                }
            }
            Callee::Value(_) => TempFact::Unknown,
        }
    }

    /// A workspace function handing out an existing pool (`ctx.pool()`,
    /// `state.db()`): the pool is the receiver's field the accessor
    /// returns, or, when its body is more than that, the accessor on that
    /// receiver, which gives the same pool each time.
    fn returned_pool(
        &self,
        dest: TempId,
        method: Option<(&Operand, &str)>,
        file: &FileContext,
    ) -> TempFact {
        let Some(CallTarget::Func(func, found)) = self.call_target(dest) else {
            return TempFact::Unknown;
        };
        let result = self
            .types
            .temps
            .get(dest as usize)
            .cloned()
            .unwrap_or(Ty::Unknown);
        // `fn pool(&self) -> Result<&PgPool>`: the pool is what `?` or
        // `.unwrap()` gives; the fact follows the value through them.
        let pool = file.pool_of(&result).or_else(|| {
            let ok = result.try_output();
            (!ok.is_unknown()).then(|| file.pool_of(&ok)).flatten()
        });
        let Some((id, via)) = pool else {
            return TempFact::Unknown;
        };
        let Some((receiver, name)) = method else {
            return TempFact::Unknown;
        };
        let Operand::Place { place, .. } = receiver else {
            return TempFact::Unknown;
        };
        let mut key = self.place_key(place);
        if let Some(found) = found {
            for field in &found.via {
                key.push('.');
                key.push_str(field);
            }
        }
        match file
            .semantics
            .function(*func)
            .and_then(|f| f.returns_field.as_ref())
        {
            Some(fields) => {
                for field in fields.iter().chain(&via) {
                    key.push('.');
                    key.push_str(field);
                }
            }
            None => {
                key.push('.');
                key.push_str(name);
                key.push_str("()");
            }
        }
        TempFact::Pool(PoolInfo { id, key })
    }

    /// The inferred type of a local.
    pub fn local_ty(&self, local: LocalId) -> Ty {
        self.types
            .locals
            .get(local as usize)
            .cloned()
            .unwrap_or(Ty::Unknown)
    }

    /// The type of a place: a local's followed through its fields.
    pub fn place_ty(&self, place: &Place) -> Ty {
        self.inference.place(place, &self.types)
    }

    /// The type of an operand.
    pub fn operand_ty(&self, operand: &Operand) -> Ty {
        self.inference.operand(operand, &self.types)
    }

    /// The resource an operand's type is or owns (`client: &mut Client`).
    pub fn operand_resource(&self, operand: &Operand, file: &FileContext) -> Option<ResourceId> {
        let ty = self.operand_ty(operand);
        if ty.is_unknown() {
            return None;
        }
        file.resource_type(&ty)
    }

    /// The pool a place denotes, with its identity key.
    pub fn place_pool(&self, place: &Place, file: &FileContext) -> Option<PoolInfo> {
        if let (PlaceRoot::Local(local), true) = (&place.root, place.fields.is_empty()) {
            if let Some(Some(info)) = self.local_pools.get(*local as usize) {
                return Some(info.clone());
            }
        }
        let ty = self.place_ty(place);
        if ty.is_unknown() {
            return None;
        }
        let (id, via) = file.pool_of(&ty)?;
        let mut key = self.place_key(place);
        for field in via {
            key.push('.');
            key.push_str(&field);
        }
        Some(PoolInfo { id, key })
    }

    /// `self.pool`, `state.db`: a place as an identity, with the fields the
    /// workspace's `Deref` impls go through spelled out (`store.0.pool` for
    /// `store.pool` on a newtype that derefs to its `0`), so that two
    /// spellings of one place are one key.
    pub fn place_key(&self, place: &Place) -> String {
        let mut key = match &place.root {
            PlaceRoot::Local(local) => self.ir.local_name(*local).to_string(),
            PlaceRoot::Path(path) => path.join("::"),
        };
        let mut ty = match &place.root {
            PlaceRoot::Local(local) => self.local_ty(*local),
            PlaceRoot::Path(_) => Ty::Unknown,
        };
        for field in &place.fields {
            match self.inference.semantics.field_type(&ty, field) {
                Some((next, via)) => {
                    for through in via {
                        key.push('.');
                        key.push_str(&through);
                    }
                    ty = next;
                }
                None => ty = Ty::Unknown,
            }
            key.push('.');
            key.push_str(field);
        }
        key
    }

    /// Whether a path names a static of the workspace.
    pub fn is_static_path(&self, path: &[Name]) -> bool {
        let Some(scope) = &self.inference.scope else {
            return false;
        };
        let view = self.inference.semantics.view();
        matches!(
            view.resolve(scope.module, path, Ns::Values),
            Some(resolved) if resolved.rest.is_empty()
                && matches!(resolved.def, Def::Item(Item::Static(_)))
        )
    }

    /// The resolved path of an operand's type (references, smart pointers
    /// and holders peeled): `["redis", "Client"]`.
    pub fn operand_type_path(&self, operand: &Operand) -> Option<Vec<Name>> {
        let mut ty = self.operand_ty(operand).strip_refs().clone();
        for _ in 0..4 {
            match peel_holder(&ty) {
                Some(inner) => ty = inner.strip_refs().clone(),
                None => break,
            }
        }
        ty.external_path().map(<[Name]>::to_vec)
    }

    /// The op defining a temporary.
    pub fn def_of(&self, temp: TempId) -> Option<&'a OpKind> {
        let (block, index) = (*self.temp_defs.get(temp as usize)?)?;
        self.ir
            .blocks
            .get(block as usize)?
            .ops
            .get(index)
            .map(|op| &op.kind)
    }
}

/// Whether `name` runs a query in any active pack.
pub fn is_executor_method(file: &FileContext, name: &str) -> bool {
    file.active.iter().any(|&pack| {
        file.table.packs[pack]
            .pools
            .iter()
            .any(|pool| pool.executor_methods.iter().any(|m| m == name))
    })
}
