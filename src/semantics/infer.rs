//! The type of every local and temporary of a body, without annotations:
//! from declared types, the callee's signature (through `?` and `.await`),
//! method calls on typed receivers, fields, tuple and struct patterns,
//! `.clone()` and the like, and for closures and async blocks the types of
//! what they capture. Also which function a call calls.

use crate::model::Name;
use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::sync::Arc;

use super::impls::MethodMatch;
use super::scopes::{Def, Ns};
use super::types::{Ty, TypeScope};
use super::{FuncLoc, Item, ItemLoc, Semantics};
use crate::model::{
    AggregateKind, Callee, ExitKind, FileIr, FnId, FnIr, OpKind, Operand, Place, PlaceRoot,
    Terminator,
};

/// Types of a body's locals and temporaries, by id.
#[derive(Debug, Clone, Default)]
pub struct BodyTypes {
    pub locals: Vec<Ty>,
    pub temps: Vec<Ty>,
    /// What each call (by its destination temporary) calls.
    pub calls: Vec<Option<CallTarget>>,
}

/// What a call calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallTarget {
    /// A workspace function or method; for a method, how the receiver was
    /// reached (auto-deref fields).
    Func(FuncLoc, Option<MethodMatch>),
    /// A workspace struct's or variant's constructor (`Wrapper(x)`).
    Constructor(ItemLoc),
    /// Another crate's function, or a method of another crate's type, by
    /// path (`["sqlx", "query"]`, `["sqlx", "Pool", "acquire"]`).
    External(Vec<Name>),
}

/// Rounds over the body: a value typed late (in a loop, through a local
/// typed later) is picked up in the next round.
const ROUNDS: usize = 2;

/// Methods of the standard library that hand back their receiver, or what
/// it holds by reference.
const SELF_METHODS: &[&str] = &[
    "clone",
    "to_owned",
    "as_ref",
    "as_mut",
    "borrow",
    "borrow_mut",
    "deref",
    "deref_mut",
    "get_ref",
    "get_mut",
    "by_ref",
    "as_deref",
    "as_deref_mut",
    "map_err",
    "context",
    "with_context",
    "wrap_err",
    "wrap_err_with",
    "inspect",
    "inspect_err",
    "err_into",
    "in_current_span",
    "instrument",
    "boxed",
];

/// Methods that unwrap a `Result` or an `Option`.
const UNWRAP_METHODS: &[&str] = &[
    "unwrap",
    "expect",
    "unwrap_or",
    "unwrap_or_else",
    "unwrap_or_default",
    "unwrap_unchecked",
    "expect_err",
];

/// Types a body's types come from.
pub struct Inference<'a> {
    pub semantics: &'a Semantics,
    pub scope: Option<TypeScope>,
}

impl Semantics {
    /// The scope a body is written in: its function's (a closure's is its
    /// enclosing function's).
    pub fn body_scope(&self, file: &FileIr, body: FnId) -> Option<TypeScope> {
        let owner = super::owner_of(file, body);
        self.scope_of(ItemLoc {
            file: file.file,
            index: owner,
        })
    }

    /// Types of a body. `captured`: the types of its enclosing body, for
    /// what a closure or async block captures.
    pub fn infer(&self, file: &FileIr, body: FnId, captured: Option<&BodyTypes>) -> BodyTypes {
        let Some(ir) = file.functions.get(body as usize) else {
            return BodyTypes::default();
        };
        let inference = Inference {
            semantics: self,
            scope: self.body_scope(file, body),
        };
        inference.body(file, body, ir, captured)
    }
}

impl Inference<'_> {
    fn lower(&self, written: &crate::model::TypeRef) -> Ty {
        match &self.scope {
            Some(scope) => self.semantics.lower_type(written, scope),
            None => Ty::Unknown,
        }
    }

    fn body(
        &self,
        file: &FileIr,
        body: FnId,
        ir: &FnIr,
        captured: Option<&BodyTypes>,
    ) -> BodyTypes {
        let _ = body;
        let typed = RefCell::new(FxHashMap::default());
        self.typed_body(file, ir, captured, None, &typed)
    }

    /// Types of `ir`, given what its enclosing body knows (`captured`) and,
    /// for a closure run by a call, the type of its first parameter.
    fn typed_body(
        &self,
        file: &FileIr,
        ir: &FnIr,
        captured: Option<&BodyTypes>,
        first_param: Option<Ty>,
        typed: &RefCell<FxHashMap<FnId, Option<Ty>>>,
    ) -> BodyTypes {
        let mut types = BodyTypes {
            locals: ir
                .locals
                .iter()
                .map(|local| match &local.ty {
                    Some(written) => self.lower(written),
                    None => Ty::Unknown,
                })
                .collect(),
            temps: vec![Ty::Unknown; ir.temps as usize],
            calls: vec![None; ir.temps as usize],
        };
        // `self` without a written type is the impl's type.
        if let (Some(&first), Some(self_ty)) = (
            ir.params.first(),
            self.scope.as_ref().and_then(|s| s.self_ty.as_ref()),
        ) {
            if ir.local_name(first) == "self" && types.locals[first as usize].is_unknown() {
                types.locals[first as usize] = self_ty.clone();
            }
        }
        if let (Some(&first), Some(given)) = (ir.params.first(), first_param) {
            if let Some(slot) = types.locals.get_mut(first as usize) {
                if slot.is_unknown() {
                    *slot = given;
                }
            }
        }
        if let Some(outer) = captured {
            for capture in &ir.captures {
                let known = outer
                    .locals
                    .get(capture.outer as usize)
                    .cloned()
                    .unwrap_or(Ty::Unknown);
                if let Some(slot) = types.locals.get_mut(capture.inner as usize) {
                    if slot.is_unknown() {
                        *slot = known;
                    }
                }
            }
        }
        let closures = Closures::of(file, ir, typed);
        for _ in 0..ROUNDS {
            for block in &ir.blocks {
                for op in &block.ops {
                    self.op(&op.kind, &mut types, &closures);
                }
                if let Terminator::Try { operand, dest, .. } = &block.term {
                    let unwrapped = temp_type(&types, *operand).try_output();
                    set_temp(&mut types, *dest, unwrapped);
                }
            }
        }
        types
    }

    fn op(&self, op: &OpKind, types: &mut BodyTypes, closures: &Closures) {
        match op {
            OpKind::Call { dest, callee, args } => {
                let (target, ty) = self.call(callee, args, types);
                // `option.map(|v| v.clone())`: what the closure makes of
                // the payload.
                let ty = match (ty.is_unknown(), callee) {
                    (true, Callee::Method { receiver, name }) => self
                        .mapped(receiver, name, args, types, closures)
                        .unwrap_or(ty),
                    _ => ty,
                };
                if let Some(slot) = types.calls.get_mut(*dest as usize) {
                    if slot.is_none() {
                        *slot = target;
                    }
                }
                set_temp(types, *dest, ty);
            }
            OpKind::Aggregate { dest, kind, fields } => {
                let ty = match kind {
                    AggregateKind::Tuple => Ty::Tuple(
                        fields
                            .iter()
                            .map(|field| self.operand(field, types))
                            .collect(),
                    ),
                    AggregateKind::Array => Ty::Slice(Box::new(
                        fields
                            .first()
                            .map(|field| self.operand(field, types))
                            .unwrap_or(Ty::Unknown),
                    )),
                    AggregateKind::Struct(path) => self.struct_literal(path),
                };
                set_temp(types, *dest, ty);
            }
            OpKind::Field { dest, base, field } => {
                let base_ty = temp_type(types, *base);
                let ty = self
                    .semantics
                    .field_type(&base_ty, field)
                    .map(|(ty, _)| ty)
                    .or_else(|| {
                        // A variant's one field (`Some(x)`, `Ok(x)`) is what it wraps.
                        (field == "0" || field.ends_with("#0"))
                            .then(|| wrapped(&base_ty))
                            .flatten()
                    })
                    .unwrap_or(Ty::Unknown);
                set_temp(types, *dest, ty);
            }
            OpKind::Move { dest, value } => {
                let ty = self.operand(value, types);
                set_temp(types, *dest, ty);
            }
            OpKind::Await { dest, future, .. } => {
                let awaited = self.operand(future, types);
                let ty = awaited.future_output().unwrap_or(awaited);
                set_temp(types, *dest, ty);
            }
            OpKind::Element { dest, of } => {
                let ty = element_of(&self.operand(of, types));
                set_temp(types, *dest, ty);
            }
            OpKind::Let { local, value } => {
                let ty = self.operand(value, types);
                if let Some(slot) = types.locals.get_mut(*local as usize) {
                    if slot.is_unknown() {
                        *slot = ty;
                    }
                }
            }
            _ => {}
        }
    }

    /// `receiver.map(closure)` / `.and_then(closure)` on an `Option` or a
    /// `Result`: the closure's result, given the payload, wrapped again
    /// (`map`) or as it is (`and_then`).
    fn mapped(
        &self,
        receiver: &Operand,
        name: &str,
        args: &[Operand],
        types: &BodyTypes,
        closures: &Closures,
    ) -> Option<Ty> {
        if !matches!(name, "map" | "and_then") {
            return None;
        }
        let Some(Operand::Temp(closure)) = args.first() else {
            return None;
        };
        let body = closures.body_of(*closure)?;
        let receiver_ty = self.operand(receiver, types);
        let wrapper = receiver_ty.strip_refs().clone();
        if !matches!(wrapper.external_name(), Some("Option" | "Result")) {
            return None;
        }
        let payload = wrapper.args().first()?.clone();
        let result = self.closure_result(closures, body, payload, types)?;
        Some(match name {
            "map" => match &wrapper {
                Ty::External(path, wrapped) => {
                    let mut wrapped = wrapped.clone();
                    wrapped[0] = result;
                    Ty::External(path.clone(), wrapped)
                }
                _ => return None,
            },
            _ => result,
        })
    }

    /// What a closure returns when its first parameter is `param`: the
    /// type of what its normal exits give.
    fn closure_result(
        &self,
        closures: &Closures,
        body: FnId,
        param: Ty,
        outer: &BodyTypes,
    ) -> Option<Ty> {
        // Each closure is typed once, the first time a call asks: its body
        // is nested in the one asking, so this ends, and a closure asked
        // about on every round of every enclosing body costs nothing more.
        if let Some(known) = closures.typed.borrow().get(&body) {
            return known.clone();
        }
        closures.typed.borrow_mut().insert(body, None);
        let ir = closures.file.functions.get(body as usize)?;
        let types = self.typed_body(closures.file, ir, Some(outer), Some(param), closures.typed);
        let result = ir.blocks.iter().find_map(|block| match &block.term {
            Terminator::Exit {
                kind: ExitKind::Normal,
                value: Some(value),
            } => Some(self.operand(value, &types)).filter(|ty| !ty.is_unknown()),
            _ => None,
        });
        closures.typed.borrow_mut().insert(body, result.clone());
        result
    }

    /// The type of an operand: a place's, through its fields.
    pub fn operand(&self, operand: &Operand, types: &BodyTypes) -> Ty {
        match operand {
            Operand::Temp(temp) => temp_type(types, *temp),
            Operand::Place { place, mode } => {
                let ty = self.place(place, types);
                match mode {
                    crate::model::Mode::Ref => Ty::Ref(false, Box::new(ty)),
                    crate::model::Mode::RefMut => Ty::Ref(true, Box::new(ty)),
                    _ => ty,
                }
            }
            _ => Ty::Unknown,
        }
    }

    pub fn place(&self, place: &Place, types: &BodyTypes) -> Ty {
        let mut ty = match &place.root {
            PlaceRoot::Local(local) => types
                .locals
                .get(*local as usize)
                .cloned()
                .unwrap_or(Ty::Unknown),
            PlaceRoot::Path(path) => self.static_type(path),
        };
        for field in &place.fields {
            ty = match self.semantics.field_type(&ty, field) {
                Some((next, _)) => next,
                None => return Ty::Unknown,
            };
        }
        ty
    }

    /// The type of a static (or a unit struct) named by a path.
    fn static_type(&self, path: &[Name]) -> Ty {
        let Some(scope) = &self.scope else {
            return Ty::Unknown;
        };
        let view = self.semantics.view();
        match view.resolve(scope.module, path, Ns::Values) {
            Some(resolved) if resolved.rest.is_empty() => match resolved.def {
                Def::Item(Item::Static(loc)) => {
                    let Some(definition) = self.semantics.static_def(loc) else {
                        return Ty::Unknown;
                    };
                    let Some(module) = self.semantics.item_module(loc.file, definition.module)
                    else {
                        return Ty::Unknown;
                    };
                    let static_scope = TypeScope {
                        module,
                        generics: Vec::new(),
                        self_ty: None,
                    };
                    match &definition.ty {
                        Some(written) => self.semantics.lower_type(written, &static_scope),
                        None => Ty::Unknown,
                    }
                }
                Def::Item(Item::Adt(loc)) => Ty::Adt(loc, Vec::new()),
                _ => Ty::Unknown,
            },
            _ => Ty::Unknown,
        }
    }

    fn struct_literal(&self, path: &[Name]) -> Ty {
        let Some(scope) = &self.scope else {
            return Ty::Unknown;
        };
        self.semantics
            .resolve_type_path(path, scope)
            .unwrap_or(Ty::Unknown)
    }

    /// What a call calls and what it gives.
    fn call(
        &self,
        callee: &Callee,
        args: &[Operand],
        types: &BodyTypes,
    ) -> (Option<CallTarget>, Ty) {
        match callee {
            Callee::Path(written) => self.path_call(written, args, types),
            Callee::Method { receiver, name } => {
                let receiver_ty = self.operand(receiver, types);
                self.method_call(&receiver_ty, name, args, types)
            }
            Callee::Macro(_) | Callee::Value(_) => (None, Ty::Unknown),
        }
    }

    /// A call written as a path: a workspace function, a constructor, an
    /// associated function (`Type::new`, `Self::open`), or another crate's.
    pub fn path_target(&self, written: &[Name]) -> Option<CallTarget> {
        let scope = self.scope.as_ref()?;
        if let [first, name] = written {
            if first == "Self" {
                let self_ty = scope.self_ty.as_ref()?;
                return self.associated(self_ty, name);
            }
            if scope.generics.iter().any(|g| g == first) {
                return None;
            }
        }
        let view = self.semantics.view();
        let resolved = view.resolve(scope.module, written, Ns::Values)?;
        match (resolved.def, resolved.rest.as_slice()) {
            (Def::Item(Item::Fn(func)), []) => Some(CallTarget::Func(func, None)),
            (Def::Item(Item::Adt(adt)), []) => Some(CallTarget::Constructor(adt)),
            (Def::Item(Item::Variant(adt, _)), []) => Some(CallTarget::Constructor(adt)),
            (Def::External(path), []) => Some(CallTarget::External(path.to_vec())),
            (Def::Item(Item::Adt(adt)), [name]) => self.associated(&Ty::Adt(adt, Vec::new()), name),
            (Def::Item(Item::Alias(alias)), [name]) => {
                let ty = self
                    .semantics
                    .resolve_type_path(&written[..written.len() - 1], scope)?;
                let _ = alias;
                self.associated(&ty, name)
            }
            (Def::Item(Item::Trait(trait_loc)), [name]) => self
                .semantics
                .trait_method(trait_loc, name)
                .map(|func| CallTarget::Func(func, None)),
            _ => None,
        }
    }

    fn associated(&self, ty: &Ty, name: &str) -> Option<CallTarget> {
        if let Some(found) = self.semantics.method(ty, name) {
            return Some(CallTarget::Func(found.func, Some(found)));
        }
        let path = ty.external_path()?;
        Some(CallTarget::External(
            path.iter().cloned().chain([Name::from(name)]).collect(),
        ))
    }

    fn path_call(
        &self,
        written: &[Name],
        args: &[Operand],
        types: &BodyTypes,
    ) -> (Option<CallTarget>, Ty) {
        let target = self.path_target(written);
        let ty = match &target {
            Some(CallTarget::Func(func, found)) => match found {
                Some(found) => self.semantics.method_result(found),
                None => self
                    .semantics
                    .signature(*func)
                    .map(|s| s.ret.clone())
                    .unwrap_or(Ty::Unknown),
            },
            Some(CallTarget::Constructor(adt)) => Ty::Adt(*adt, Vec::new()),
            Some(CallTarget::External(path)) => {
                let first_arg = || {
                    args.first()
                        .map(|arg| self.operand(arg, types))
                        .unwrap_or(Ty::Unknown)
                };
                let segments: Vec<&str> = path.iter().map(Name::as_str).collect();
                match segments.as_slice() {
                    [.., "Some"] => std_type("Option", vec![first_arg()]),
                    [.., "Ok"] => std_type("Result", vec![first_arg(), Ty::Unknown]),
                    [.., "Err"] => std_type("Result", vec![Ty::Unknown, first_arg()]),
                    [.., wrapper, "new"]
                        if matches!(
                            *wrapper,
                            "Box" | "Arc" | "Rc" | "Mutex" | "RwLock" | "RefCell" | "Cell"
                        ) =>
                    {
                        std_type(wrapper, vec![first_arg()])
                    }
                    [.., "Box", "pin"] => std_type("Pin", vec![std_type("Box", vec![first_arg()])]),
                    [.., "Arc" | "Rc", "clone"] => match first_arg() {
                        Ty::Ref(_, inner) => *inner,
                        other => other,
                    },
                    _ => Ty::Unknown,
                }
            }
            None => Ty::Unknown,
        };
        (target, ty)
    }

    fn method_call(
        &self,
        receiver: &Ty,
        name: &str,
        args: &[Operand],
        types: &BodyTypes,
    ) -> (Option<CallTarget>, Ty) {
        if let Some(found) = self.semantics.method(receiver, name) {
            let ty = self.semantics.method_result(&found);
            return (Some(CallTarget::Func(found.func, Some(found))), ty);
        }
        // A project's extension method on a value whose type is unknown
        // (the result of another crate's call): `.into_core()`.
        if receiver.is_unknown() && !SELF_METHODS.contains(&name) && !UNWRAP_METHODS.contains(&name)
        {
            if let Some(func) = self.semantics.extension_method(name) {
                let ty = match self.semantics.passed_through(func) {
                    Some(0) => Ty::Unknown,
                    _ => self
                        .semantics
                        .signature(func)
                        .map(|s| s.ret.clone())
                        .unwrap_or(Ty::Unknown),
                };
                return (Some(CallTarget::Func(func, None)), ty);
            }
        }
        let stripped = receiver.strip_refs().clone();
        // A container behind `Arc`/`Box`/`Rc` answers its own methods
        // (`self.map.get(k)` on an `Arc<DashMap<..>>`).
        let container = stripped.behind_pointers();
        let target = stripped.external_path().map(|path| {
            CallTarget::External(path.iter().cloned().chain([Name::from(name)]).collect())
        });
        let ty = if SELF_METHODS.contains(&name) {
            stripped
        } else if UNWRAP_METHODS.contains(&name) {
            match stripped.try_output() {
                Ty::Unknown => stripped,
                inner => inner,
            }
        } else {
            match name {
                "ok" => std_type("Option", vec![stripped.try_output()]),
                "lock" | "read" | "write" | "try_lock" => stripped
                    .args()
                    .first()
                    .cloned()
                    .map(|inner| std_type("MutexGuard", vec![inner]))
                    .unwrap_or(Ty::Unknown),
                "get" | "get_mut" | "first" | "last" | "remove" => {
                    let held = match container.external_name() {
                        Some("HashMap" | "BTreeMap" | "IndexMap" | "DashMap") => {
                            container.args().get(1).cloned()
                        }
                        Some("Vec" | "VecDeque") => container.args().first().cloned(),
                        _ => match container {
                            Ty::Slice(inner) => Some((**inner).clone()),
                            _ => None,
                        },
                    };
                    match held {
                        Some(held) => std_type("Option", vec![Ty::Ref(false, Box::new(held))]),
                        None => Ty::Unknown,
                    }
                }
                "take" if stripped.external_name() == Some("Option") => stripped,
                "map" | "and_then" if !args.is_empty() => {
                    let _ = types;
                    Ty::Unknown
                }
                _ => Ty::Unknown,
            }
        };
        (target, ty)
    }
}

fn temp_type(types: &BodyTypes, temp: u32) -> Ty {
    types
        .temps
        .get(temp as usize)
        .cloned()
        .unwrap_or(Ty::Unknown)
}

fn set_temp(types: &mut BodyTypes, temp: u32, ty: Ty) {
    if let Some(slot) = types.temps.get_mut(temp as usize) {
        if slot.is_unknown() {
            *slot = ty;
        }
    }
}

/// Closures and async blocks made in a body, by the temporary they are
/// made into: what `.map(closure)` runs.
struct Closures<'f> {
    file: &'f FileIr,
    by_temp: Vec<(u32, FnId)>,
    /// What each closure of the body being typed, at any depth, returns,
    /// once asked (`None` while it is being typed, or when nothing says).
    typed: &'f RefCell<FxHashMap<FnId, Option<Ty>>>,
}

impl<'f> Closures<'f> {
    fn of(
        file: &'f FileIr,
        ir: &FnIr,
        typed: &'f RefCell<FxHashMap<FnId, Option<Ty>>>,
    ) -> Closures<'f> {
        let mut by_temp: Vec<(u32, FnId)> = ir
            .blocks
            .iter()
            .flat_map(|block| &block.ops)
            .filter_map(|op| match &op.kind {
                OpKind::Closure { dest, body } => Some((*dest, *body)),
                _ => None,
            })
            .collect();
        by_temp.sort_unstable();
        Closures {
            file,
            by_temp,
            typed,
        }
    }

    fn body_of(&self, temp: u32) -> Option<FnId> {
        let at = self.by_temp.binary_search_by_key(&temp, |c| c.0).ok()?;
        Some(self.by_temp[at].1)
    }
}

/// What a `for` loop over a value of type `ty` binds: a collection's
/// element (`&Vec<T>` gives `&T`), a map's `(key, value)`, an option's
/// payload.
fn element_of(ty: &Ty) -> Ty {
    let borrowed = matches!(ty, Ty::Ref(..));
    let collection = ty.behind_pointers();
    let element = match (collection, collection.external_name()) {
        (Ty::Slice(inner), _) => (**inner).clone(),
        (
            _,
            Some(
                "Vec" | "VecDeque" | "HashSet" | "BTreeSet" | "IndexSet" | "Option" | "LinkedList"
                | "BinaryHeap",
            ),
        ) => match collection.args().first() {
            Some(inner) => inner.clone(),
            None => return Ty::Unknown,
        },
        (_, Some("HashMap" | "BTreeMap" | "IndexMap" | "DashMap")) => match collection.args() {
            [key, value, ..] => Ty::Tuple(vec![key.clone(), value.clone()]),
            _ => return Ty::Unknown,
        },
        _ => return Ty::Unknown,
    };
    if borrowed {
        Ty::Ref(false, Box::new(element))
    } else {
        element
    }
}

/// What `Some(x)` / `Ok(x)` wraps, for a pattern taking its field.
fn wrapped(ty: &Ty) -> Option<Ty> {
    match ty.external_name()? {
        "Option" | "Result" | "Poll" => ty.args().first().cloned(),
        _ => None,
    }
}

/// A standard library type by name.
fn std_type(name: &str, args: Vec<Ty>) -> Ty {
    Ty::External(Arc::from(vec![Name::from("std"), Name::from(name)]), args)
}
