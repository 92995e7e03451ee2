//! Impls: the methods of each type (inherent, from trait impls, a trait's
//! default methods), the traits a workspace implements for other crates'
//! types (`impl Vending for PgPool`), and `Deref` targets with the field a
//! `deref` hands out. Fields and methods are found through auto-deref:
//! references, smart pointers and guards, then the workspace's own `Deref`
//! impls, each of which adds its field to the path of the place reached
//! (`store.pool` on a newtype over `Arc<Inner>` is `store.0.pool`).

use crate::model::Name;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::scopes::{Def, Ns};
use super::types::{function_scope, Bindings, Ty, TypeScope};
use super::{FuncLoc, Item, ItemLoc, Semantics};
use crate::model::FnOwner;

/// How many derefs auto-deref follows.
const DEREF_STEPS: usize = 8;

/// The field path element of a `Deref` whose `deref` body is not a plain
/// field access: the place reached is still one place.
pub const DEREF_FIELD: &str = "*";

#[derive(Debug, Default)]
pub struct ImplIndex {
    impls: Vec<ImplData>,
    by_adt: FxHashMap<ItemLoc, Vec<usize>>,
    /// Impls the workspace writes for other crates' types, by the type's
    /// last path segment.
    by_external: FxHashMap<Name, Vec<usize>>,
    /// `impl<T: Bound> Trait for T`: methods any type may have.
    blanket: Vec<usize>,
    derefs: FxHashMap<ItemLoc, Deref>,
    /// The associated types of the trait impls written for each workspace
    /// type, by name, with the impl's self type to bind its parameters
    /// from; `None` where two impls give the name different types.
    assoc_types: FxHashMap<(ItemLoc, Name), Option<(Ty, Ty)>>,
    /// What [`Semantics::method_in`] finds, by method name, for each list
    /// of `by_adt` and `by_external`: a lookup costs one hash, however many
    /// impls the workspace writes for a type (every crate of a large
    /// workspace may implement a trait for `String`).
    adt_methods: FxHashMap<ItemLoc, MethodTable>,
    external_methods: FxHashMap<Name, MethodTable>,
    /// [`Semantics::extension_method`] by name, settled once: `None` where
    /// two impls disagree.
    extension: FxHashMap<Name, Option<FuncLoc>>,
    /// Each workspace trait's methods by name (the first declared wins).
    trait_methods: FxHashMap<ItemLoc, MethodTable>,
}

/// Methods by name.
type MethodTable = FxHashMap<Name, FuncLoc>;

#[derive(Debug)]
struct ImplData {
    /// The workspace trait it implements, if it is one.
    local_trait: Option<ItemLoc>,
    /// `(name, function)` of its methods.
    methods: Vec<(Name, FuncLoc)>,
}

/// `impl Deref for T { type Target = U; fn deref(&self) -> &U { &self.f } }`.
#[derive(Debug, Clone)]
struct Deref {
    /// `T` with the impl's parameters, to bind them from an actual type.
    pattern: Ty,
    target: Ty,
    field: Vec<Name>,
}

/// A method found for a receiver type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodMatch {
    pub func: FuncLoc,
    /// The receiver's type where the method was found, after auto-deref.
    pub receiver: Ty,
    /// Fields the derefs went through, for the place of the receiver.
    pub via: Vec<Name>,
}

impl ImplIndex {
    pub fn build(semantics: &Semantics) -> ImplIndex {
        let mut index = ImplIndex::default();
        for items in &semantics.items {
            for (impl_index, definition) in items.impls.iter().enumerate() {
                let Some(module) = semantics.item_module(items.file, definition.module) else {
                    continue;
                };
                let scope = TypeScope {
                    module,
                    generics: definition.generics.clone(),
                    self_ty: None,
                };
                let self_ty = semantics.lower_type(&definition.self_ty, &scope);
                let trait_path = match &definition.trait_ref {
                    Some(crate::model::TypeRef::Path { segments, .. }) => Some(segments.clone()),
                    _ => None,
                };
                let trait_def = trait_path
                    .as_ref()
                    .and_then(|path| semantics.view().resolve(module, path, Ns::Types));
                let local_trait = match &trait_def {
                    Some(resolved) if resolved.rest.is_empty() => match resolved.def {
                        Def::Item(Item::Trait(loc)) => Some(loc),
                        _ => None,
                    },
                    _ => None,
                };
                let methods: Vec<(Name, FuncLoc)> = definition
                    .methods
                    .iter()
                    .filter_map(|&method| {
                        let function = items.functions.get(method as usize)?;
                        let name = Name::from(method_name(&function.name));
                        Some((
                            name,
                            ItemLoc {
                                file: items.file,
                                index: method,
                            },
                        ))
                    })
                    .collect();
                let is_deref = local_trait.is_none()
                    && trait_path
                        .as_ref()
                        .and_then(|path| path.last())
                        .is_some_and(|last| last == "Deref");
                if let (true, Ty::Adt(adt, _)) = (is_deref, &self_ty) {
                    let target = definition
                        .assoc_types
                        .iter()
                        .find(|(name, _)| name == "Target")
                        .map(|(_, ty)| {
                            let mut with_self = scope.clone();
                            with_self.self_ty = Some(self_ty.clone());
                            semantics.lower_type(ty, &with_self)
                        })
                        .unwrap_or(Ty::Unknown);
                    let field = methods
                        .iter()
                        .find(|(name, _)| name == "deref")
                        .and_then(|(_, func)| semantics.function(*func))
                        .and_then(|function| function.returns_field.clone())
                        .unwrap_or_else(|| vec![Name::from(DEREF_FIELD)]);
                    index.derefs.entry(*adt).or_insert(Deref {
                        pattern: self_ty.clone(),
                        target,
                        field,
                    });
                }
                let _ = impl_index;
                if let (Some(_), Ty::Adt(adt, _)) = (&trait_path, &self_ty) {
                    let mut with_self = scope.clone();
                    with_self.self_ty = Some(self_ty.clone());
                    for (name, written) in &definition.assoc_types {
                        let ty = semantics.lower_type(written, &with_self);
                        let entry = (self_ty.clone(), ty);
                        index
                            .assoc_types
                            .entry((*adt, *name))
                            .and_modify(|known| {
                                if known.as_ref() != Some(&entry) {
                                    *known = None;
                                }
                            })
                            .or_insert(Some(entry));
                    }
                }
                let slot = index.impls.len();
                match &self_ty {
                    Ty::Adt(adt, _) => index.by_adt.entry(*adt).or_default().push(slot),
                    Ty::External(path, _) => {
                        if let Some(last) = path.last() {
                            index.by_external.entry(*last).or_default().push(slot);
                        }
                    }
                    Ty::Param(_) => index.blanket.push(slot),
                    _ => {}
                }
                index.impls.push(ImplData {
                    local_trait,
                    methods,
                });
            }
        }
        index.settle_tables(semantics);
        index
    }

    /// The name tables: each gives, for every name, what a scan of the
    /// impls in their order would find first.
    fn settle_tables(&mut self, semantics: &Semantics) {
        for items in &semantics.items {
            for trait_index in 0..items.traits.len() {
                let trait_loc = ItemLoc {
                    file: items.file,
                    index: trait_index as u32,
                };
                let Some(definition) = semantics.trait_def(trait_loc) else {
                    continue;
                };
                let mut table = MethodTable::default();
                for &method in &definition.methods {
                    let loc = ItemLoc {
                        file: items.file,
                        index: method,
                    };
                    if let Some(function) = semantics.function(loc) {
                        table
                            .entry(Name::from(method_name(&function.name)))
                            .or_insert(loc);
                    }
                }
                self.trait_methods.insert(trait_loc, table);
            }
        }
        self.adt_methods = self
            .by_adt
            .iter()
            .map(|(adt, slots)| (*adt, self.method_table(slots)))
            .collect();
        self.external_methods = self
            .by_external
            .iter()
            .map(|(key, slots)| (*key, self.method_table(slots)))
            .collect();
        // Every impl for `Result`, `Option` or any `T`: a name is that
        // method's when all of them that have it agree.
        let slots: Vec<usize> = ["Result", "Option"]
            .iter()
            .filter_map(|key| self.by_external.get(*key))
            .flatten()
            .chain(&self.blanket)
            .copied()
            .collect();
        let mut extension: FxHashMap<Name, Option<FuncLoc>> = FxHashMap::default();
        for slot in slots {
            let data = &self.impls[slot];
            // Per name, the impl's own method, else its trait's.
            let mut candidates: FxHashMap<&str, FuncLoc> = FxHashMap::default();
            for (name, func) in &data.methods {
                candidates.entry(name.as_str()).or_insert(*func);
            }
            if let Some(table) = data.local_trait.and_then(|t| self.trait_methods.get(&t)) {
                for (name, func) in table {
                    candidates.entry(name.as_str()).or_insert(*func);
                }
            }
            for (name, func) in candidates {
                extension
                    .entry(Name::from(name))
                    .and_modify(|known| {
                        if *known != Some(func) {
                            *known = None;
                        }
                    })
                    .or_insert(Some(func));
            }
        }
        self.extension = extension;
    }

    /// The methods of a list of impls by name: inherent methods win over
    /// trait methods, and the methods an impl writes over its trait's
    /// default ones; among equals, the first impl.
    fn method_table(&self, slots: &[usize]) -> MethodTable {
        let mut table = MethodTable::default();
        let inherent = slots
            .iter()
            .filter(|&&i| self.impls[i].local_trait.is_none());
        let of_traits = slots
            .iter()
            .filter(|&&i| self.impls[i].local_trait.is_some());
        for &i in inherent.chain(of_traits.clone()) {
            for (name, func) in &self.impls[i].methods {
                table.entry(*name).or_insert(*func);
            }
        }
        for &i in of_traits {
            let trait_table = self.impls[i]
                .local_trait
                .and_then(|t| self.trait_methods.get(&t));
            for (name, func) in trait_table.into_iter().flatten() {
                table.entry(*name).or_insert(*func);
            }
        }
        table
    }
}

/// `Repo::save` → `save`.
pub fn method_name(function_name: &str) -> &str {
    function_name.rsplit("::").next().unwrap_or(function_name)
}

impl Semantics {
    /// One auto-deref step: through a reference, a smart pointer or guard,
    /// or a workspace `Deref` impl (with the field it hands out).
    pub fn deref_step(&self, ty: &Ty) -> Option<(Ty, Vec<Name>)> {
        if let Ty::Ref(_, inner) = ty {
            return Some(((**inner).clone(), Vec::new()));
        }
        if let Some(pointee) = ty.smart_pointee() {
            return Some((pointee.clone(), Vec::new()));
        }
        let Ty::Adt(adt, _) = ty else {
            return None;
        };
        let deref = self.impls.derefs.get(adt)?;
        let mut bindings = Bindings::default();
        ty.bind_params(&deref.pattern, &mut bindings);
        Some((deref.target.substitute(&bindings), deref.field.clone()))
    }

    /// The type of field `name` of a value of type `ty`, found through
    /// auto-deref, with the fields the derefs went through before it.
    pub fn field_type(&self, ty: &Ty, name: &str) -> Option<(Ty, Vec<Name>)> {
        let mut current = ty.clone();
        let mut via = Vec::new();
        for _ in 0..DEREF_STEPS {
            match &current {
                Ty::Adt(adt, args) => {
                    if let Some(found) = self.own_field(*adt, args, name) {
                        return Some((found, via));
                    }
                }
                Ty::Tuple(elements) => {
                    let position: usize = name.parse().ok()?;
                    return Some((elements.get(position)?.clone(), via));
                }
                Ty::External(path, args) => {
                    // A pattern's `Some(x)`, `Ok(x)`, `Err(e)`.
                    let wrapped = match (path.last().map(Name::as_str), name) {
                        (Some("Option"), "Some#0")
                        | (Some("Result" | "Poll"), "Ok#0" | "Ready#0") => args.first(),
                        (Some("Result"), "Err#0") => args.get(1),
                        _ => None,
                    };
                    if let Some(wrapped) = wrapped {
                        return Some((wrapped.clone(), via));
                    }
                }
                _ => {}
            }
            let (next, fields) = self.deref_step(&current)?;
            via.extend(fields);
            current = next;
        }
        None
    }

    fn own_field(&self, adt: ItemLoc, args: &[Ty], name: &str) -> Option<Ty> {
        let slot = self.slot(adt.file)?;
        let fields = self.fields.get(slot)?.get(adt.index as usize)?;
        // A struct pattern names its fields after the struct (`Wrapper#0`);
        // an enum's are named after their variant already.
        let plain = name.split_once('#').map(|(_, field)| field);
        let (_, ty) = fields.iter().find(|(field, _)| field == name).or_else(|| {
            let plain = plain?;
            self.adt(adt)?.variants.is_none().then_some(())?;
            fields.iter().find(|(field, _)| field == plain)
        })?;
        let definition = self.adt(adt)?;
        let bindings: Bindings = definition
            .generics
            .iter()
            .map(|g| Arc::from(g.as_str()))
            .zip(args.iter().cloned())
            .collect();
        Some(self.normalize(ty.substitute(&bindings)))
    }

    /// The same type with each associated type whose base is now a
    /// workspace type replaced by what that type's trait impl says
    /// (`&mut T::Services` with `T = MachineCtx` is `&mut AppServices`
    /// when `impl Objects for MachineCtx { type Services = AppServices; }`).
    /// One the impls do not say, or say two ways, is unknown.
    pub fn normalize(&self, ty: Ty) -> Ty {
        if ty.has_projection() {
            self.normalize_at(&ty, 0)
        } else {
            ty
        }
    }

    fn normalize_at(&self, ty: &Ty, depth: usize) -> Ty {
        if depth > DEREF_STEPS {
            return Ty::Unknown;
        }
        let next = |inner: &Ty| self.normalize_at(inner, depth + 1);
        match ty {
            Ty::Projection(base, name) => {
                let base = next(base);
                let Ty::Adt(adt, _) = base.strip_refs() else {
                    return Ty::Projection(Box::new(base), name.clone());
                };
                let Some(Some((pattern, assoc))) =
                    self.impls.assoc_types.get(&(*adt, Name::new(name)))
                else {
                    return Ty::Unknown;
                };
                let mut bindings = Bindings::default();
                base.strip_refs().bind_params(pattern, &mut bindings);
                next(&assoc.substitute(&bindings))
            }
            Ty::Adt(loc, args) if args.iter().any(Ty::has_projection) => {
                Ty::Adt(*loc, args.iter().map(next).collect())
            }
            Ty::External(path, args) if args.iter().any(Ty::has_projection) => {
                Ty::External(path.clone(), args.iter().map(next).collect())
            }
            Ty::Ref(mutable, inner) if inner.has_projection() => {
                Ty::Ref(*mutable, Box::new(next(inner)))
            }
            Ty::Tuple(elements) if elements.iter().any(Ty::has_projection) => {
                Ty::Tuple(elements.iter().map(next).collect())
            }
            Ty::Slice(inner) if inner.has_projection() => Ty::Slice(Box::new(next(inner))),
            Ty::Future(inner) if inner.has_projection() => Ty::Future(Box::new(next(inner))),
            _ => ty.clone(),
        }
    }

    /// Every field type of a workspace struct or enum (variants' fields
    /// included), with its arguments substituted.
    pub fn fields_of(&self, adt: ItemLoc, args: &[Ty]) -> Vec<(Name, Ty)> {
        let Some(slot) = self.slot(adt.file) else {
            return Vec::new();
        };
        let Some(fields) = self
            .fields
            .get(slot)
            .and_then(|f| f.get(adt.index as usize))
        else {
            return Vec::new();
        };
        let Some(definition) = self.adt(adt) else {
            return Vec::new();
        };
        let bindings: Bindings = definition
            .generics
            .iter()
            .map(|g| Arc::from(g.as_str()))
            .zip(args.iter().cloned())
            .collect();
        fields
            .iter()
            .map(|(name, ty)| (*name, self.normalize(ty.substitute(&bindings))))
            .collect()
    }

    /// The workspace method `name` a receiver of type `ty` calls, found
    /// through auto-deref: inherent methods first, then trait impls and
    /// their traits' default methods; on `impl Trait` / `dyn Trait`, the
    /// trait's own.
    pub fn method(&self, ty: &Ty, name: &str) -> Option<MethodMatch> {
        // The workspace's own types first, through every deref; the
        // traits it implements for other crates' types (`impl Ext for
        // Arc<T>`) only then: whether such a trait is in scope where the
        // call is written is not known here, and a method of the type the
        // pointer leads to is what the code almost always means.
        self.method_through_derefs(ty, name, false)
            .or_else(|| self.method_through_derefs(ty, name, true))
    }

    fn method_through_derefs(&self, ty: &Ty, name: &str, external: bool) -> Option<MethodMatch> {
        let mut current = ty.clone();
        let mut via = Vec::new();
        for _ in 0..DEREF_STEPS {
            let found = match &current {
                Ty::Adt(adt, _) => self.method_in(self.impls.adt_methods.get(adt), name),
                Ty::External(path, _) if external => {
                    let key = path.last().map(Name::as_str).unwrap_or("");
                    self.method_in(self.impls.external_methods.get(key), name)
                }
                Ty::Opaque(traits) => traits
                    .iter()
                    .find_map(|&trait_loc| self.trait_method(trait_loc, name)),
                _ => None,
            };
            if let Some(func) = found {
                return Some(MethodMatch {
                    func,
                    receiver: current,
                    via,
                });
            }
            let (next, fields) = self.deref_step(&current)?;
            via.extend(fields);
            current = next;
        }
        None
    }

    /// A method of the workspace's extension traits (impls for `Result`,
    /// `Option`, or any `T`) called on a value whose type is not known:
    /// when exactly one such method has the name, it is the one.
    pub fn extension_method(&self, name: &str) -> Option<FuncLoc> {
        self.impls.extension.get(name).copied().flatten()
    }

    /// The parameter whose value a function hands back: its result (a
    /// future's output, a `Result`'s or `Option`'s payload) is a type
    /// parameter that is also that parameter's payload
    /// (`fn into_core(self) -> Result<T, Error>` on `Result<T, sqlx::Error>`).
    pub fn passed_through(&self, func: FuncLoc) -> Option<usize> {
        let signature = self.signature(func)?;
        let Ty::Param(returned) = payload(&signature.ret) else {
            return None;
        };
        let self_ty = signature.scope.as_ref().and_then(|s| s.self_ty.as_ref());
        let function = self.function(func)?;
        signature
            .params
            .iter()
            .enumerate()
            .position(|(index, param)| {
                // `self` without a written type is the impl's type.
                let param = match (param, self_ty) {
                    (Ty::Unknown, Some(self_ty)) if index == 0 && function.params[0].is_none() => {
                        self_ty
                    }
                    (other, _) => other,
                };
                matches!(payload(param), Ty::Param(name) if name == returned)
            })
    }

    fn method_in(&self, table: Option<&MethodTable>, name: &str) -> Option<FuncLoc> {
        table?.get(name).copied()
    }

    /// A trait's method (with or without a default body).
    pub fn trait_method(&self, trait_loc: ItemLoc, name: &str) -> Option<FuncLoc> {
        self.impls.trait_methods.get(&trait_loc)?.get(name).copied()
    }

    /// What a call of `func` on a receiver of type `receiver` gives: the
    /// signature's result with the impl's parameters bound from the receiver.
    pub fn method_result(&self, found: &MethodMatch) -> Ty {
        let Some(signature) = self.signature(found.func) else {
            return Ty::Unknown;
        };
        let mut bindings = Bindings::default();
        if let Some(self_ty) = signature.scope.as_ref().and_then(|s| s.self_ty.as_ref()) {
            found.receiver.bind_params(self_ty, &mut bindings);
        }
        let ret = self.normalize(signature.ret.substitute(&bindings));
        // A trait's `Self` in a default method's result is the receiver.
        match (&ret, self.function(found.func).map(|f| f.owner)) {
            (Ty::Opaque(_), Some(FnOwner::Trait(_))) => found.receiver.clone(),
            _ => ret,
        }
    }

    /// The scope of a function's signature (its module, type parameters,
    /// `Self`), for the types written in its body.
    pub fn scope_of(&self, func: FuncLoc) -> Option<TypeScope> {
        if let Some(signature) = self.signature(func) {
            return signature.scope.clone();
        }
        let slot = self.slot(func.file)?;
        function_scope(self, self.items.get(slot)?, func.index as usize)
    }
}

/// What a value carries: a future's output, a `Result`'s or an `Option`'s
/// payload, through references.
fn payload(ty: &Ty) -> &Ty {
    let mut ty = ty.strip_refs();
    for _ in 0..4 {
        ty = match ty {
            Ty::Future(output) => output.strip_refs(),
            Ty::External(path, args)
                if matches!(path.last().map(Name::as_str), Some("Result" | "Option")) =>
            {
                match args.first() {
                    Some(inner) => inner.strip_refs(),
                    None => return ty,
                }
            }
            _ => return ty,
        };
    }
    ty
}
