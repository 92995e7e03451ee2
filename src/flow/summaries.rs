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
//! - the connection its declared return type holds, if any.
//!
//! Acquires propagate through calls to a fixpoint over the call graph:
//! `handler -> Repo::find -> Repo::conn -> self.pool.acquire()` gives
//! `handler` nothing (it holds no pool), `Repo::find` an acquire from
//! `self.pool` through `Repo::conn`. Recursion terminates: a summary only
//! grows, and field paths are bounded.
//!
//! Calls are resolved by evidence only: a path call by its resolved path, a
//! method call by its receiver's declared type (`self`, a typed parameter or
//! field). A name shared by several functions is ambiguous and resolves to
//! nothing: silence over a guess.

use std::collections::HashMap;

use rayon::prelude::*;

use super::resolve::{is_executor_method, FileContext, FnContext, TempFact};
use super::table::{PackTable, PoolId, ResourceId};
use crate::model::index::Index;
use crate::model::{BodyKind, Callee, FileIr, FnIr, OpKind, Operand, Place, PlaceRoot, TypeRef};
use crate::packs::ResourceKind;
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
    /// Fields from the parameter to the pool (`["pool"]` for `self.pool`).
    pub fields: Vec<String>,
    /// `None`: a generic executor parameter (`E: PgExecutor`) a query runs
    /// on; it acquires only where a caller passes a pool.
    pub pool: Option<PoolId>,
    /// Where the connection is checked out (in the callee, or deeper).
    pub at: Location,
    /// Running a query on the pool itself rather than an explicit acquire.
    pub implicit: bool,
    /// Functions the acquire is reached through, outermost first.
    pub via: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FnSummary {
    pub name: String,
    /// Whether parameter 0 is `self`.
    pub has_self: bool,
    pub acquires: Vec<SummaryAcquire>,
    /// The connection the declared return type holds (`-> Result<PoolConnection<Postgres>>`).
    pub returns: Option<ResourceId>,
    /// Pool parameters it clones (to keep in what it builds or returns).
    pub keeps: Vec<usize>,
}

/// Summaries by function key (`name`, `Type::method`).
#[derive(Debug, Default)]
pub struct Summaries {
    /// `None`: several functions share the key.
    by_key: HashMap<String, Option<FnSummary>>,
}

/// A call from one summarised function to another, with the caller's
/// operands in the callee's parameter order.
struct CallEdge {
    caller: String,
    callee: String,
    operands: Vec<Option<(usize, Vec<String>)>>,
    at: Location,
}

/// What each file contributes to the summaries: its functions' own
/// summaries and calls. Kept between builds, so that lowering a few more
/// bodies redoes only their files.
#[derive(Default)]
pub struct SummaryParts {
    per_file: Vec<(Vec<FnSummary>, Vec<CallEdge>)>,
}

impl SummaryParts {
    pub fn new(files: &[FileIr], index: &Index, table: &PackTable) -> SummaryParts {
        let per_file = files
            .par_iter()
            .map(|file| file_parts(file, index, table))
            .collect();
        SummaryParts { per_file }
    }

    /// Redoes the parts of the files `changed` says (by position).
    pub fn redo(&mut self, files: &[FileIr], index: &Index, table: &PackTable, changed: &[bool]) {
        self.per_file
            .par_iter_mut()
            .zip(files.par_iter().zip(changed.par_iter()))
            .filter(|(_, (_, changed))| **changed)
            .for_each(|(parts, (file, _))| *parts = file_parts(file, index, table));
    }

    /// The summaries, propagated over the calls. Parts are merged in file
    /// order, so that which of two same-named functions comes first never
    /// depends on threads.
    pub fn summaries(&self) -> Summaries {
        let mut summaries = Summaries::default();
        let mut edges = Vec::new();
        for (direct, file_edges) in &self.per_file {
            for summary in direct {
                summaries
                    .by_key
                    .entry(summary.name.clone())
                    .and_modify(|slot| *slot = None)
                    .or_insert_with(|| Some(summary.clone()));
            }
            edges.extend(file_edges);
        }
        summaries.propagate(&edges);
        summaries
    }
}

fn file_parts(file: &FileIr, index: &Index, table: &PackTable) -> (Vec<FnSummary>, Vec<CallEdge>) {
    let empty = Summaries::default();
    let context = FileContext::new(file, index, table, &empty);
    let mut direct = Vec::new();
    let mut edges = Vec::new();
    for ir in &file.functions {
        if ir.kind != BodyKind::Fn {
            continue;
        }
        let fcx = FnContext::new(ir, &context);
        direct.push(direct_summary(ir, &fcx, &context));
        collect_edges(ir, &fcx, &context, &mut edges);
    }
    (direct, edges)
}

impl Summaries {
    pub fn build(files: &[FileIr], index: &Index, table: &PackTable) -> Summaries {
        SummaryParts::new(files, index, table).summaries()
    }

    pub fn get(&self, key: &str) -> Option<&FnSummary> {
        self.by_key.get(key).and_then(Option::as_ref)
    }

    fn propagate(&mut self, edges: &[&CallEdge]) {
        for _ in 0..MAX_ROUNDS {
            let mut added = Vec::new();
            for edge in edges {
                let Some(callee) = self.get(&edge.callee) else {
                    continue;
                };
                let Some(caller) = self.get(&edge.caller) else {
                    continue;
                };
                for acquire in &callee.acquires {
                    let Some(Some((param, fields))) = edge.operands.get(acquire.param) else {
                        continue;
                    };
                    let mut fields = fields.clone();
                    fields.extend(acquire.fields.iter().cloned());
                    if fields.len() > MAX_FIELDS || acquire.via.contains(&edge.caller) {
                        continue;
                    }
                    let derived = SummaryAcquire {
                        param: *param,
                        fields,
                        pool: acquire.pool,
                        at: acquire.at,
                        implicit: acquire.implicit,
                        via: std::iter::once(callee.name.clone())
                            .chain(acquire.via.iter().cloned())
                            .collect(),
                    };
                    let known = caller.acquires.iter().any(|a| {
                        a.param == derived.param
                            && a.fields == derived.fields
                            && a.pool == derived.pool
                    });
                    if !known {
                        added.push((edge.caller.clone(), derived));
                    }
                }
                let _ = edge.at;
            }
            if added.is_empty() {
                return;
            }
            for (caller, derived) in added {
                if let Some(Some(summary)) = self.by_key.get_mut(&caller) {
                    let known = summary.acquires.iter().any(|a| {
                        a.param == derived.param
                            && a.fields == derived.fields
                            && a.pool == derived.pool
                    });
                    if !known {
                        summary.acquires.push(derived);
                    }
                }
            }
        }
    }
}

/// The key a call resolves to, by evidence: `Type::method` from the receiver's
/// declared type or a `Type::f` path, a free function's name otherwise.
pub fn callee_key(callee: &Callee, fcx: &FnContext, file: &FileContext) -> Option<String> {
    match callee {
        Callee::Path(written) => {
            let resolved = file.resolve_path(written);
            let name = resolved.last()?;
            match resolved.len() {
                0 => None,
                1 => Some(name.clone()),
                n => {
                    let owner = &resolved[n - 2];
                    if owner == "Self" {
                        Some(format!("{}::{name}", fcx.ir.self_type.as_ref()?))
                    } else if owner.chars().next().is_some_and(char::is_uppercase) {
                        Some(format!("{owner}::{name}"))
                    } else {
                        Some(name.clone())
                    }
                }
            }
        }
        Callee::Method { receiver, name } => {
            let owner = fcx.operand_type_path(receiver, file)?;
            Some(format!("{}::{name}", owner.last()?))
        }
        Callee::Macro(_) | Callee::Value(_) => None,
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

/// A parameter-rooted place: which parameter, and the fields below it.
fn param_path(ir: &FnIr, operand: &Operand) -> Option<(usize, Vec<String>)> {
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
    Some((param, fields.clone()))
}

fn direct_summary(ir: &FnIr, fcx: &FnContext, file: &FileContext) -> FnSummary {
    let has_self = ir
        .params
        .first()
        .is_some_and(|&p| ir.local_name(p) == "self");
    let mut summary = FnSummary {
        name: ir.name.clone(),
        has_self,
        acquires: Vec::new(),
        returns: ir.ret.as_ref().and_then(|ty| returned_resource(ty, file)),
        keeps: Vec::new(),
    };
    let mut keeps = Vec::new();
    let mut record = |operand: &Operand, pool: Option<PoolId>, at: Location, implicit: bool| {
        if let Some((param, fields)) = param_path(ir, operand) {
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
                });
            }
        }
    };
    for block in &ir.blocks {
        for op in &block.ops {
            let OpKind::Call { callee, args, .. } = &op.kind else {
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
                        if let Some((param, fields)) = param_path(ir, receiver) {
                            if fields.is_empty() && !keeps.contains(&param) {
                                keeps.push(param);
                            }
                        }
                    }
                    if let TempFact::Pool(info) = fcx.operand_fact(receiver, file) {
                        if file.acquire_from_pool(info.id, name).is_some() {
                            record(receiver, Some(info.id), at, false);
                        } else if file.table.pool(info.id).executor_methods.contains(name) {
                            record(receiver, Some(info.id), at, true);
                        }
                    }
                    if is_executor_method(file, name) {
                        for arg in args {
                            match fcx.operand_fact(arg, file) {
                                TempFact::Pool(info) => record(arg, Some(info.id), at, true),
                                // A parameter that is neither a pool nor a
                                // connection by its type: a generic executor.
                                _ if is_generic_executor(ir, fcx, file, arg) => {
                                    record(arg, None, at, true)
                                }
                                _ => {}
                            }
                        }
                    }
                }
                Callee::Path(written) => {
                    let resolved = file.resolve_path(written);
                    if file.path_acquire(&resolved).is_some() {
                        for arg in args {
                            if let TempFact::Pool(info) = fcx.operand_fact(arg, file) {
                                record(arg, Some(info.id), at, false);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    summary.keeps = keeps;
    summary
}

/// A parameter passed whole whose declared type names neither a pool nor a
/// connection (`executor: E`, `db: impl PgExecutor<'_>`).
fn is_generic_executor(ir: &FnIr, fcx: &FnContext, file: &FileContext, operand: &Operand) -> bool {
    let Some((_, fields)) = param_path(ir, operand) else {
        return false;
    };
    let Operand::Place { place, .. } = operand else {
        return false;
    };
    let Some(ty) = fcx.place_type(place, file) else {
        return false;
    };
    let generic = match file.index.peel(&ty) {
        TypeRef::Bounds(_) => true,
        // A single capitalised segment with no `use` behind it: a type parameter.
        TypeRef::Path { segments, args } => {
            segments.len() == 1
                && args.is_empty()
                && file.resolve_path(segments) == *segments
                && file.index.struct_fields(&segments[0]).next().is_none()
        }
        _ => false,
    };
    fields.is_empty()
        && generic
        && file.resource_type(&ty).is_none()
        && file.pool_type(&ty).is_none()
}

fn collect_edges(ir: &FnIr, fcx: &FnContext, file: &FileContext, edges: &mut Vec<CallEdge>) {
    for block in &ir.blocks {
        for op in &block.ops {
            let OpKind::Call { callee, args, .. } = &op.kind else {
                continue;
            };
            let Some(key) = callee_key(callee, fcx, file) else {
                continue;
            };
            if key == ir.name {
                continue;
            }
            let operands = call_operands(callee, args)
                .into_iter()
                .map(|operand| param_path(ir, operand))
                .collect();
            edges.push(CallEdge {
                caller: ir.name.clone(),
                callee: key,
                operands,
                at: Location {
                    file: file.file.file,
                    span: op.span,
                },
            });
        }
    }
}

/// The connection a declared return type holds: `PoolConnection<Postgres>`,
/// `Result<Transaction<'_, Postgres>, Error>`, `Option<Object>`, a workspace
/// alias of one. Pools and drivers are not connections to follow.
fn returned_resource(ty: &TypeRef, file: &FileContext) -> Option<ResourceId> {
    let mut ty = file.index.expand_alias(ty);
    // A getter handing out a reference lends a connection; it opens none.
    if matches!(ty, TypeRef::Ref { .. }) {
        return None;
    }
    for _ in 0..4 {
        match ty {
            TypeRef::Path { segments, args }
                if matches!(segments.last().map(String::as_str), Some("Result"))
                    && !args.is_empty() =>
            {
                ty = file.index.expand_alias(&args[0]);
            }
            _ => break,
        }
    }
    if matches!(ty, TypeRef::Ref { .. }) {
        return None;
    }
    let resource = file.resource_type(ty)?;
    match file.table.resource(resource).kind {
        ResourceKind::Driver => None,
        _ => Some(resource),
    }
}
