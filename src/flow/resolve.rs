//! Name and type resolution without a type checker: paths through `use`
//! items, receivers through declared types, struct fields and constructors,
//! pool identity through clones and references. Everything here is evidence
//! based: a receiver is a pool only when a declared type, a field type, a
//! parameter type or a constructor says so, never because of its name.

use std::cell::RefCell;
use std::collections::HashMap;

use super::summaries::Summaries;
use super::table::{name_matches, split_method_entry, PackId, PackTable, PoolId, ResourceId};
use crate::model::index::Index;
use crate::model::{
    BlockId, Callee, FileIr, FnIr, LocalId, OpKind, Operand, Place, PlaceRoot, TempId, Terminator,
    TypeRef,
};

/// A pool, and the receiver path that identifies it within a function
/// (`self.pool`, `state.db`, `pool`).
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
    Query(String),
    /// Something reached from a static (`CACHE.lock()`): storing into it stores
    /// into static storage.
    Static(String),
}

/// Per-file resolution context.
pub struct FileContext<'a> {
    pub file: &'a FileIr,
    pub index: &'a Index,
    pub table: &'a PackTable,
    pub active: Vec<PackId>,
    /// What the workspace's functions do with pools and connections.
    pub summaries: &'a Summaries,
    uses: HashMap<&'a str, &'a [String]>,
    /// By type and how many struct levels may still be followed.
    resource_types: RefCell<HashMap<TypeRef, [Option<Option<ResourceId>>; 4]>>,
}

impl<'a> FileContext<'a> {
    pub fn new(
        file: &'a FileIr,
        index: &'a Index,
        table: &'a PackTable,
        summaries: &'a Summaries,
    ) -> FileContext<'a> {
        let uses = file
            .uses
            .iter()
            .filter(|u| !u.glob)
            .map(|u| (u.alias.as_str(), u.path.as_slice()))
            .collect();
        FileContext {
            file,
            index,
            table,
            active: table.active_for(&file.crate_roots),
            summaries,
            uses,
            resource_types: RefCell::new(HashMap::new()),
        }
    }

    /// A written path with its first segment resolved through `use` items and
    /// `crate::` / `self::` / `super::` dropped.
    pub fn resolve_path(&self, written: &[String]) -> Vec<String> {
        let mut segments: &[String] = written;
        while let Some(first) = segments.first() {
            if matches!(first.as_str(), "crate" | "self" | "super" | "$crate") && segments.len() > 1
            {
                segments = &segments[1..];
            } else {
                break;
            }
        }
        let Some(first) = segments.first() else {
            return Vec::new();
        };
        match self.uses.get(first.as_str()) {
            Some(target) if !target.is_empty() => {
                let mut resolved: Vec<String> = target.to_vec();
                while resolved
                    .first()
                    .is_some_and(|s| matches!(s.as_str(), "crate" | "self" | "super" | "$crate"))
                    && resolved.len() > 1
                {
                    resolved.remove(0);
                }
                resolved.extend(segments[1..].iter().cloned());
                resolved
            }
            _ => segments.to_vec(),
        }
    }

    /// Acquires written as path calls (`PgConnection::connect(url)`), with the
    /// tuple element each resource is.
    pub fn path_acquire(&self, resolved: &[String]) -> Option<Vec<(ResourceId, Option<u32>)>> {
        if !self.table.may_name(resolved) {
            return None;
        }
        let mut found = Vec::new();
        for &pack in &self.active {
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
    pub fn core_role(&self, resolved: &[String], entries: &[String]) -> bool {
        entries
            .iter()
            .any(|entry| name_matches(resolved, entry, false))
    }

    /// The pool kind a type denotes, after aliases and wrappers.
    pub fn pool_type(&self, ty: &TypeRef) -> Option<PoolId> {
        let peeled = self.index.peel(ty);
        let TypeRef::Path { segments, .. } = peeled else {
            return None;
        };
        let resolved = self.resolve_path(segments);
        if !self.table.may_name(&resolved) {
            return None;
        }
        self.active.iter().find_map(|&pack| {
            self.table.packs[pack]
                .pools
                .iter()
                .position(|pool| pool.types.iter().any(|t| name_matches(&resolved, t, true)))
                .map(|index| PoolId { pack, index })
        })
    }

    /// The resource kind a type denotes, after aliases and wrappers; a
    /// workspace struct that owns one (a request guard `DbConn(PoolConnection<..>)`)
    /// stands for what it holds.
    pub fn resource_type(&self, ty: &TypeRef) -> Option<ResourceId> {
        // Asked for every typed receiver and parameter, with struct fields
        // followed: remembered per file.
        self.resource_type_remembered(ty, 3)
    }

    /// Fields are followed for every struct that names a field's type, at
    /// each level: remembered per level too.
    fn resource_type_remembered(&self, ty: &TypeRef, depth: u32) -> Option<ResourceId> {
        let level = (depth as usize).min(3);
        let known = self
            .resource_types
            .borrow()
            .get(ty)
            .and_then(|levels| levels[level]);
        if let Some(known) = known {
            return known;
        }
        let found = self.resource_type_within(ty, depth);
        self.resource_types
            .borrow_mut()
            .entry(ty.clone())
            .or_default()[level] = Some(found);
        found
    }

    fn resource_type_within(&self, ty: &TypeRef, depth: u32) -> Option<ResourceId> {
        let peeled = self.index.peel(ty);
        let TypeRef::Path { segments, .. } = peeled else {
            return None;
        };
        let resolved = self.resolve_path(segments);
        let direct = self
            .table
            .may_name(&resolved)
            .then(|| {
                self.active.iter().find_map(|&pack| {
                    self.table.packs[pack]
                        .resources
                        .iter()
                        .position(|r| r.types.iter().any(|t| name_matches(&resolved, t, true)))
                        .map(|index| ResourceId { pack, index })
                })
            })
            .flatten();
        if direct.is_some() || depth == 0 {
            return direct;
        }
        // A field that borrows a connection (`&'a mut Transaction`) lends it:
        // the struct does not own what it points to.
        let name = segments.last()?;
        self.index
            .struct_fields(name)
            .filter(|field| !matches!(field, TypeRef::Ref { .. }))
            .find_map(|field| self.resource_type_remembered(field, depth - 1))
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

    pub fn is_static_path(&self, path: &[String]) -> bool {
        match path {
            [name] => self.index.is_static(name),
            [.., name] => {
                self.index.is_static(name)
                    && name
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            }
            [] => false,
        }
    }
}

/// Per-function facts computed once before exploration.
pub struct FnContext<'a> {
    pub ir: &'a FnIr,
    pub temp_facts: Vec<TempFact>,
    pub local_pools: Vec<Option<PoolInfo>>,
    /// Where each temporary is defined: (block, op index); `None` for temps
    /// defined by a terminator.
    pub temp_defs: Vec<Option<(BlockId, usize)>>,
}

impl<'a> FnContext<'a> {
    pub fn new(ir: &'a FnIr, file: &FileContext) -> FnContext<'a> {
        let mut context = FnContext {
            ir,
            temp_facts: vec![TempFact::Unknown; ir.temps as usize],
            local_pools: vec![None; ir.locals.len()],
            temp_defs: vec![None; ir.temps as usize],
        };
        for (block_id, block) in ir.blocks.iter().enumerate() {
            for (op_index, op) in block.ops.iter().enumerate() {
                context.prepass_op(block_id as BlockId, op_index, &op.kind, file);
            }
            if let Terminator::Try { operand, dest, .. } = &block.term {
                let fact = context.temp_fact(*operand).clone();
                context.set_temp(*dest, fact);
            }
        }
        context
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

    fn prepass_op(&mut self, block: BlockId, op_index: usize, op: &OpKind, file: &FileContext) {
        match op {
            OpKind::Call { dest, callee, args } => {
                self.record_def(*dest, block, op_index);
                let fact = self.call_fact(callee, args, file);
                self.set_temp(*dest, fact);
            }
            OpKind::Await { dest, future, .. } => {
                self.record_def(*dest, block, op_index);
                let fact = self.operand_fact(future, file);
                let fact = match fact {
                    TempFact::Query(_) | TempFact::Builder(_) => TempFact::Unknown,
                    other => other,
                };
                self.set_temp(*dest, fact);
            }
            OpKind::Move { dest, value } => {
                self.record_def(*dest, block, op_index);
                let fact = self.operand_fact(value, file);
                self.set_temp(*dest, fact);
            }
            OpKind::Aggregate { dest, .. }
            | OpKind::Field { dest, .. }
            | OpKind::Closure { dest, .. } => {
                self.record_def(*dest, block, op_index);
            }
            OpKind::Let { local, value } => {
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
                    if file.is_static_path(path) {
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

    fn call_fact(&self, callee: &Callee, args: &[Operand], file: &FileContext) -> TempFact {
        let core = &file.table.core;
        match callee {
            Callee::Path(written) | Callee::Macro(written) => {
                let resolved = file.resolve_path(written);
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
                                Operand::Str(sql) => Some(sql.clone()),
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
                let typed = self
                    .operand_type_path(receiver, file)
                    .filter(|_| file.table.may_name(std::slice::from_ref(name)));
                if let Some(mut written) = typed {
                    written.push(name.clone());
                    for &pack in &file.active {
                        for (index, pool) in file.table.packs[pack].pools.iter().enumerate() {
                            let id = PoolId { pack, index };
                            let listed = |entries: &[String]| {
                                entries.iter().any(|c| name_matches(&written, c, false))
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
                let receiver_fact = self.operand_fact(receiver, file);
                match receiver_fact {
                    TempFact::Pool(info)
                        if matches!(
                            name.as_str(),
                            "clone" | "as_ref" | "deref" | "borrow" | "get_ref" | "to_owned"
                        ) || core.passthrough_methods.contains(name) =>
                    {
                        TempFact::Pool(info)
                    }
                    TempFact::NewPool(id) if core.passthrough_methods.contains(name) => {
                        TempFact::NewPool(id)
                    }
                    TempFact::Builder(id) => {
                        if file.table.pool(id).build_methods.contains(name) {
                            TempFact::NewPool(id)
                        } else {
                            TempFact::Builder(id)
                        }
                    }
                    TempFact::Query(sql) if !is_executor_method(file, name) => TempFact::Query(sql),
                    TempFact::Static(path) => TempFact::Static(path),
                    _ => TempFact::Unknown,
                }
            }
            Callee::Value(_) => TempFact::Unknown,
        }
    }

    /// The declared (or self) type of a local, `Self` replaced by the impl's type.
    pub fn local_type(&self, local: LocalId) -> Option<TypeRef> {
        let info = self.ir.locals.get(local as usize)?;
        if let Some(ty) = &info.ty {
            return Some(match self.self_type() {
                Some(owner) => substitute_self(ty, &owner),
                None => ty.clone(),
            });
        }
        if info.name == "self" {
            return self.self_type();
        }
        None
    }

    fn self_type(&self) -> Option<TypeRef> {
        self.ir.self_type.as_ref().map(|name| TypeRef::Path {
            segments: vec![name.clone()],
            args: Vec::new(),
        })
    }

    /// The declared type of a place: a local's type followed through fields.
    pub fn place_type(&self, place: &Place, file: &FileContext) -> Option<TypeRef> {
        let mut ty = match &place.root {
            PlaceRoot::Local(local) => self.local_type(*local)?,
            PlaceRoot::Path(path) => file.index.static_def(path.last()?)?.ty.clone()?,
        };
        for field in &place.fields {
            ty = file.index.field_type(&ty, field)?.clone();
        }
        Some(ty)
    }

    /// The resolved path of an operand's declared type (wrappers and
    /// references peeled): `["redis", "Client"]`.
    pub fn operand_type_path(&self, operand: &Operand, file: &FileContext) -> Option<Vec<String>> {
        let Operand::Place { place, .. } = operand else {
            return None;
        };
        let ty = self.place_type(place, file)?;
        match file.index.peel(&ty) {
            TypeRef::Path { segments, .. } => Some(file.resolve_path(segments)),
            _ => None,
        }
    }

    /// The resource an operand's declared type is (`client: &mut Client`).
    pub fn operand_resource(&self, operand: &Operand, file: &FileContext) -> Option<ResourceId> {
        let Operand::Place { place, .. } = operand else {
            return None;
        };
        file.resource_type(&self.place_type(place, file)?)
    }

    /// The pool a place denotes, with its identity key.
    pub fn place_pool(&self, place: &Place, file: &FileContext) -> Option<PoolInfo> {
        let key = self.place_key(place);
        match &place.root {
            PlaceRoot::Local(local) => {
                if place.fields.is_empty() {
                    if let Some(Some(info)) = self.local_pools.get(*local as usize) {
                        return Some(info.clone());
                    }
                }
                let mut ty = self.local_type(*local)?;
                for field in &place.fields {
                    ty = file.index.field_type(&ty, field)?.clone();
                }
                file.pool_type(&ty).map(|id| PoolInfo { id, key })
            }
            PlaceRoot::Path(path) => {
                let name = path.last()?;
                let def = file.index.static_def(name)?;
                let mut ty = def.ty.clone()?;
                for field in &place.fields {
                    ty = file.index.field_type(&ty, field)?.clone();
                }
                file.pool_type(&ty).map(|id| PoolInfo { id, key })
            }
        }
    }

    /// `self.pool`, `state.db`: how a place is written, as an identity.
    pub fn place_key(&self, place: &Place) -> String {
        let mut key = match &place.root {
            PlaceRoot::Local(local) => self.ir.local_name(*local).to_string(),
            PlaceRoot::Path(path) => path.join("::"),
        };
        for field in &place.fields {
            key.push('.');
            key.push_str(field);
        }
        key
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

/// `&Self`, `Arc<Self>`, `Self`: the same with the impl's type for `Self`.
fn substitute_self(ty: &TypeRef, owner: &TypeRef) -> TypeRef {
    ty.map_paths(&|segments, args| {
        if segments.len() == 1 && segments[0] == "Self" && args.is_empty() {
            owner.clone()
        } else {
            TypeRef::Path {
                segments: segments.to_vec(),
                args,
            }
        }
    })
}
