//! Types as the analysis reads them, lowered from the written ones in the
//! scope they are written in.
//!
//! A path resolves in the module it is written in: a workspace struct or
//! enum is an [`Ty::Adt`] (never a pack's type, whatever its name); an
//! external one keeps its path, crate first (`sqlx::PgPool`), for the packs
//! to match. A type alias is expanded where it is in scope, its parameters
//! substituted (`type Result<T> = std::result::Result<T, Error>` makes
//! `Result<Conn>` a `Result` of `Conn`, and touches no other `Result`).
//! Futures are read through: `impl Future<Output = T>`, `dyn Future`,
//! `BoxFuture<'_, T>`, `Pin<Box<..>>` and an `async fn`'s result all await
//! to `T`.

use crate::model::Name;
use rayon::prelude::*;
use std::sync::Arc;

use rustc_hash::FxHashMap;

pub use super::scopes::ExtPath;
use super::scopes::{Def, Ns, View};
use super::{FileItems, Item, ItemLoc, ModuleId, Semantics};
use crate::model::{FnOwner, TypeRef};

/// A type, as far as the analysis follows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum Ty {
    /// A workspace struct, enum or union, with its generic arguments.
    Adt(ItemLoc, Vec<Ty>),
    /// A type of another crate (the standard library's included), by its
    /// path, crate first.
    External(ExtPath, Vec<Ty>),
    Ref(bool, Box<Ty>),
    Tuple(Vec<Ty>),
    Slice(Box<Ty>),
    /// A type parameter of the item it is written in.
    Param(Arc<str>),
    /// What awaiting it gives: `impl Future<Output = T>`, an `async fn`'s
    /// call, `BoxFuture<'_, T>`.
    Future(Box<Ty>),
    /// `impl Trait` / `dyn Trait` (not a future): the workspace traits it
    /// names, whose methods can be called on it.
    Opaque(Vec<ItemLoc>),
    /// `T::Name` or `Self::Name`: an associated type of a type that is
    /// not known yet. Once the parameter is bound to a workspace type,
    /// [`crate::semantics::Semantics::normalize`] finds it in that type's
    /// trait impls (`type Services = AppServices;`).
    Projection(Box<Ty>, Arc<str>),
    #[default]
    Unknown,
}

/// Type parameters bound to types: built for every field and method
/// looked up, so hashed cheaply (and never iterated).
pub type Bindings = FxHashMap<Arc<str>, Ty>;

/// The names a type is written with, and where.
#[derive(Debug, Clone)]
pub struct TypeScope {
    pub module: ModuleId,
    pub generics: Vec<Name>,
    pub self_ty: Option<Ty>,
}

/// A function's signature, lowered in its own scope.
#[derive(Debug, Clone)]
pub struct Signature {
    pub scope: Option<TypeScope>,
    pub params: Vec<Ty>,
    /// What a call gives: for an `async fn`, a future of the declared type.
    pub ret: Ty,
}

/// Alias expansions nested deeper than this are cut (aliases can be
/// cyclic in code that does not compile).
const ALIAS_DEPTH: u32 = 8;

/// Wrappers that deref to their first argument.
const SMART_POINTERS: &[&str] = &[
    "Arc",
    "Rc",
    "Box",
    "Cow",
    "Pin",
    "ManuallyDrop",
    "MutexGuard",
    "RwLockReadGuard",
    "RwLockWriteGuard",
    "MappedMutexGuard",
    "OwnedMutexGuard",
    "Ref",
    "RefMut",
    // Web frameworks' extractors: `State<AppState>`, `web::Data<Pool>`.
    "State",
    "Data",
    "Extension",
];

impl Ty {
    pub fn strip_refs(&self) -> &Ty {
        let mut ty = self;
        while let Ty::Ref(_, inner) = ty {
            ty = inner;
        }
        ty
    }

    /// The path of an external type.
    pub fn external_path(&self) -> Option<&[Name]> {
        match self.strip_refs() {
            Ty::External(path, _) => Some(path),
            _ => None,
        }
    }

    /// The last segment of an external type's path.
    pub fn external_name(&self) -> Option<&str> {
        self.external_path()?.last().map(Name::as_str)
    }

    /// The generic arguments of an external or workspace type.
    pub fn args(&self) -> &[Ty] {
        match self.strip_refs() {
            Ty::External(_, args) | Ty::Adt(_, args) => args,
            _ => &[],
        }
    }

    /// The value behind references, smart pointers and guards:
    /// `&Arc<Vec<T>>` gives `Vec<T>`.
    pub fn behind_pointers(&self) -> &Ty {
        let mut ty = self.strip_refs();
        while let Some(inner) = ty.smart_pointee() {
            ty = inner.strip_refs();
        }
        ty
    }

    /// What a smart pointer, a guard or an extractor derefs to.
    pub fn smart_pointee(&self) -> Option<&Ty> {
        let name = self.external_name()?;
        if SMART_POINTERS.contains(&name) {
            self.args().first()
        } else {
            None
        }
    }

    /// What awaiting a value of this type gives, when it is a future.
    pub fn future_output(&self) -> Option<Ty> {
        match self.strip_refs() {
            Ty::Future(output) => Some((**output).clone()),
            Ty::External(path, args) => {
                let name = path.last()?.as_str();
                match name {
                    "Pin" | "Box" => args.first()?.future_output(),
                    "BoxFuture" | "LocalBoxFuture" => Some(args.last()?.clone()),
                    "Ready" => args.first().cloned(),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// What `?` unwraps: the `Ok` of a `Result`, the `Some` of an `Option`
    /// (`Poll<Result<T>>` too).
    pub fn try_output(&self) -> Ty {
        match self.strip_refs() {
            Ty::External(path, args)
                if matches!(
                    path.last().map(Name::as_str),
                    Some("Result" | "Option" | "Poll")
                ) =>
            {
                match args.first() {
                    Some(inner) if path.last().is_some_and(|s| s == "Poll") => inner.try_output(),
                    Some(inner) => inner.clone(),
                    None => Ty::Unknown,
                }
            }
            _ => Ty::Unknown,
        }
    }

    /// Whether an associated type is written anywhere in it.
    pub fn has_projection(&self) -> bool {
        match self {
            Ty::Projection(..) => true,
            Ty::Adt(_, args) | Ty::External(_, args) => args.iter().any(Ty::has_projection),
            Ty::Ref(_, inner) | Ty::Slice(inner) | Ty::Future(inner) => inner.has_projection(),
            Ty::Tuple(elements) => elements.iter().any(Ty::has_projection),
            Ty::Param(_) | Ty::Opaque(_) | Ty::Unknown => false,
        }
    }

    /// The same type with parameters replaced.
    pub fn substitute(&self, bindings: &Bindings) -> Ty {
        if bindings.is_empty() {
            return self.clone();
        }
        match self {
            Ty::Param(name) => bindings.get(name).cloned().unwrap_or_else(|| self.clone()),
            Ty::Adt(loc, args) => {
                Ty::Adt(*loc, args.iter().map(|a| a.substitute(bindings)).collect())
            }
            Ty::External(path, args) => Ty::External(
                path.clone(),
                args.iter().map(|a| a.substitute(bindings)).collect(),
            ),
            Ty::Ref(mutable, inner) => Ty::Ref(*mutable, Box::new(inner.substitute(bindings))),
            Ty::Tuple(elements) => {
                Ty::Tuple(elements.iter().map(|e| e.substitute(bindings)).collect())
            }
            Ty::Slice(inner) => Ty::Slice(Box::new(inner.substitute(bindings))),
            Ty::Future(inner) => Ty::Future(Box::new(inner.substitute(bindings))),
            Ty::Projection(base, name) => {
                Ty::Projection(Box::new(base.substitute(bindings)), name.clone())
            }
            Ty::Opaque(_) | Ty::Unknown => self.clone(),
        }
    }

    /// Parameters of `pattern` bound to the matching parts of `self`
    /// (`Repo<T>` against `Repo<PgPool>` binds `T`).
    pub fn bind_params(&self, pattern: &Ty, bindings: &mut Bindings) {
        match (pattern, self) {
            (Ty::Param(name), actual) => {
                bindings
                    .entry(name.clone())
                    .or_insert_with(|| actual.clone());
            }
            (Ty::Adt(a, pattern_args), Ty::Adt(b, args)) if a == b => {
                for (p, actual) in pattern_args.iter().zip(args) {
                    actual.bind_params(p, bindings);
                }
            }
            (Ty::External(a, pattern_args), Ty::External(b, args)) if a.last() == b.last() => {
                for (p, actual) in pattern_args.iter().zip(args) {
                    actual.bind_params(p, bindings);
                }
            }
            (Ty::Ref(_, p), Ty::Ref(_, actual)) => actual.bind_params(p, bindings),
            (Ty::Ref(_, p), actual) => actual.bind_params(p, bindings),
            (p, Ty::Ref(_, actual)) => actual.bind_params(p, bindings),
            (Ty::Tuple(ps), Ty::Tuple(actuals)) => {
                for (p, actual) in ps.iter().zip(actuals) {
                    actual.bind_params(p, bindings);
                }
            }
            _ => {}
        }
    }

    /// Nothing known: an associated type not resolved yet (`Self::Conn` in
    /// a signature, `T::Item` of an unbound `T`) tells no more than that.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Ty::Unknown | Ty::Projection(..))
    }
}

impl Semantics {
    pub(crate) fn view(&self) -> View<'_> {
        View {
            semantics: self,
            scopes: &self.scopes,
        }
    }

    /// Lowers a written type in a scope.
    pub fn lower_type(&self, written: &TypeRef, scope: &TypeScope) -> Ty {
        lower(&self.view(), written, scope, 0)
    }

    /// A written path in a scope, as a type (`None` when it names no type).
    pub fn resolve_type_path(&self, segments: &[Name], scope: &TypeScope) -> Option<Ty> {
        let written = TypeRef::Path {
            segments: segments.into(),
            args: crate::model::Slice::default(),
        };
        match lower(&self.view(), &written, scope, 0) {
            Ty::Unknown => None,
            ty => Some(ty),
        }
    }

    /// The type an alias of the workspace stands for, its parameters
    /// replaced by `args`.
    fn expand_alias(&self, loc: ItemLoc, args: Vec<Ty>, depth: u32) -> Ty {
        let Some(alias) = self.alias(loc) else {
            return Ty::Unknown;
        };
        let Some(module) = self.item_module(loc.file, alias.module) else {
            return Ty::Unknown;
        };
        let scope = TypeScope {
            module,
            generics: alias.generics.clone(),
            self_ty: None,
        };
        let target = lower(&self.view(), &alias.ty, &scope, depth + 1);
        let bindings: Bindings = alias
            .generics
            .iter()
            .map(|name| Arc::from(name.as_str()))
            .zip(args)
            .collect();
        target.substitute(&bindings)
    }
}

fn lower(view: &View<'_>, written: &TypeRef, scope: &TypeScope, depth: u32) -> Ty {
    if depth > ALIAS_DEPTH {
        return Ty::Unknown;
    }
    match written {
        TypeRef::Path { segments, args } => {
            let args: Vec<Ty> = args
                .iter()
                .map(|arg| lower(view, arg, scope, depth))
                .collect();
            lower_path(view, segments, args, scope, depth)
        }
        TypeRef::Ref { mutable, inner } => {
            Ty::Ref(*mutable, Box::new(lower(view, inner, scope, depth)))
        }
        TypeRef::Tuple(elements) => Ty::Tuple(
            elements
                .iter()
                .map(|e| lower(view, e, scope, depth))
                .collect(),
        ),
        TypeRef::Slice(inner) => Ty::Slice(Box::new(lower(view, inner, scope, depth))),
        TypeRef::Bounds(bounds) => {
            let mut traits = Vec::new();
            for bound in bounds {
                let last = bound.path.last().map(Name::as_str);
                if matches!(last, Some("Future" | "IntoFuture")) {
                    let output = bound
                        .bindings
                        .iter()
                        .find(|(name, _)| name == "Output")
                        .map(|(_, ty)| lower(view, ty, scope, depth))
                        .unwrap_or(Ty::Unknown);
                    return Ty::Future(Box::new(output));
                }
                if let Some(resolved) = view.resolve(scope.module, &bound.path, Ns::Types) {
                    if let (Def::Item(Item::Trait(loc)), true) =
                        (&resolved.def, resolved.rest.is_empty())
                    {
                        traits.push(*loc);
                    }
                }
            }
            Ty::Opaque(traits)
        }
        TypeRef::Other => Ty::Unknown,
    }
}

fn lower_path(
    view: &View<'_>,
    segments: &[Name],
    args: Vec<Ty>,
    scope: &TypeScope,
    depth: u32,
) -> Ty {
    // `T::Services`, `Self::Target`: resolved once `T` or `Self` is known.
    if let [first, name] = segments {
        let base = if first == "Self" {
            scope.self_ty.clone()
        } else if scope.generics.iter().any(|g| g == first) {
            Some(Ty::Param(Arc::from(first.as_str())))
        } else {
            None
        };
        if let Some(base) = base {
            return Ty::Projection(Box::new(base), Arc::from(name.as_str()));
        }
    }
    if let [only] = segments {
        if only == "Self" {
            return scope.self_ty.clone().unwrap_or(Ty::Unknown);
        }
        if scope.generics.iter().any(|g| g == only) {
            return Ty::Param(Arc::from(only.as_str()));
        }
        if let Some(primitive) = primitive(only) {
            return primitive;
        }
    }
    match view.resolve(scope.module, segments, Ns::Types) {
        Some(resolved) if resolved.rest.is_empty() => match resolved.def {
            Def::Item(Item::Adt(loc)) => Ty::Adt(loc, args),
            Def::Item(Item::Alias(loc)) => view.semantics.expand_alias(loc, args, depth),
            Def::Item(Item::Trait(loc)) => Ty::Opaque(vec![loc]),
            Def::Item(Item::Variant(loc, _)) => Ty::Adt(loc, args),
            Def::External(path) => external(path, args),
            Def::Item(_) => Ty::Unknown,
        },
        // `Self::Assoc`, `T::Item`, `<..>::Name`: not followed.
        Some(_) => Ty::Unknown,
        None => {
            // A name nothing in scope defines (a macro's item, a crate the
            // manifests do not list): kept as written, for the packs.
            let start = segments
                .iter()
                .position(|s| !matches!(s.as_str(), "crate" | "self" | "super" | "$crate"))
                .unwrap_or(segments.len());
            if start > 0 || segments.is_empty() {
                Ty::Unknown
            } else {
                external(segments.iter().cloned().collect(), args)
            }
        }
    }
}

/// An external type; the futures crate's boxed futures are futures.
fn external(path: ExtPath, args: Vec<Ty>) -> Ty {
    match path.last().map(Name::as_str) {
        Some("BoxFuture" | "LocalBoxFuture") => {
            Ty::Future(Box::new(args.last().cloned().unwrap_or(Ty::Unknown)))
        }
        _ => Ty::External(path, args),
    }
}

fn primitive(name: &str) -> Option<Ty> {
    const PRIMITIVES: &[&str] = &[
        "bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32",
        "i64", "i128", "isize", "f32", "f64",
    ];
    PRIMITIVES
        .contains(&name)
        .then(|| Ty::External(Arc::from(vec![Name::from(name)]), Vec::new()))
}

/// The scope a function's signature is written in: its module, its own
/// type parameters and its impl's or trait's, and what `Self` is.
pub(crate) fn function_scope(
    semantics: &Semantics,
    items: &FileItems,
    index: usize,
) -> Option<TypeScope> {
    let function = items.functions.get(index)?;
    let module = semantics.item_module(items.file, function.module)?;
    let mut generics = function.generics.clone();
    let self_ty = match function.owner {
        FnOwner::Free => None,
        FnOwner::Impl(impl_index) => {
            let definition = items.impls.get(impl_index as usize)?;
            generics.extend(definition.generics.iter().cloned());
            let impl_scope = TypeScope {
                module: semantics.item_module(items.file, definition.module)?,
                generics: definition.generics.clone(),
                self_ty: None,
            };
            Some(semantics.lower_type(&definition.self_ty, &impl_scope))
        }
        FnOwner::Trait(trait_index) => {
            let definition = items.traits.get(trait_index as usize)?;
            generics.extend(definition.generics.iter().cloned());
            Some(Ty::Opaque(vec![ItemLoc {
                file: items.file,
                index: trait_index,
            }]))
        }
    };
    Some(TypeScope {
        module,
        generics,
        self_ty,
    })
}

pub(crate) fn lower_signatures(semantics: &Semantics) -> Vec<Vec<Signature>> {
    semantics
        .items
        .par_iter()
        .map(|items| {
            (0..items.functions.len())
                .map(|index| {
                    let function = &items.functions[index];
                    let Some(scope) = function_scope(semantics, items, index) else {
                        return Signature {
                            scope: None,
                            params: vec![Ty::Unknown; function.params.len()],
                            ret: Ty::Unknown,
                        };
                    };
                    let params = function
                        .params
                        .iter()
                        .map(|param| match param {
                            Some(written) => semantics.lower_type(written, &scope),
                            None => Ty::Unknown,
                        })
                        .collect();
                    let declared = match &function.ret {
                        Some(written) => semantics.lower_type(written, &scope),
                        None => Ty::Tuple(Vec::new()),
                    };
                    let ret = if function.is_async {
                        Ty::Future(Box::new(declared))
                    } else {
                        declared
                    };
                    Signature {
                        scope: Some(scope),
                        params,
                        ret,
                    }
                })
                .collect()
        })
        .collect()
}

/// Every struct's (and enum's) fields, lowered in its own module with its
/// type parameters.
pub(crate) fn lower_fields(semantics: &Semantics) -> Vec<Vec<Vec<(Name, Ty)>>> {
    semantics
        .items
        .par_iter()
        .map(|items| {
            items
                .structs
                .iter()
                .map(|definition| {
                    let Some(module) = semantics.item_module(items.file, definition.module) else {
                        return Vec::new();
                    };
                    let scope = TypeScope {
                        module,
                        generics: definition.generics.clone(),
                        self_ty: None,
                    };
                    definition
                        .fields
                        .iter()
                        .map(|field| (field.name, semantics.lower_type(&field.ty, &scope)))
                        .collect()
                })
                .collect()
        })
        .collect()
}
