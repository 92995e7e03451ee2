//! What the names of each module mean, and path resolution.
//!
//! A module's scope holds its own items, then what its `use` items bring
//! (renames, globs of modules and enums, `self`/`super`/`crate` paths); a
//! name not found there is looked up through glob imports, then among the
//! crates the module's crate depends on, then in the standard prelude. Use
//! items that lean on each other are resolved in rounds until nothing
//! changes. A path whose first segment names nothing of the workspace is an
//! external crate's: it stays a path (`sqlx::PgPool`), with the crate's real
//! name when the dependency is renamed, for the packs to match.

use crate::model::Name;
use rustc_hash::FxHashMap;
use std::sync::Arc;

use super::crates::CrateDep;
use super::{CrateId, Item, ItemLoc, ModuleId, Semantics};
use crate::model::{BodyKind, FileIr, FnOwner, UseItem};

/// A path of an external crate, crate name first (`["sqlx", "PgPool"]`);
/// a bare name (`["PgPool"]`) when a glob of some crate brought it and it
/// cannot be told which.
pub type ExtPath = Arc<[Name]>;

/// What a name is bound to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Def {
    Item(Item),
    External(ExtPath),
}

/// `use path::*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Glob {
    Module(ModuleId),
    Enum(ItemLoc),
    External(ExtPath),
}

/// The two namespaces a name can live in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ns {
    Types,
    Values,
}

#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub types: FxHashMap<Name, Def>,
    pub values: FxHashMap<Name, Def>,
    pub globs: Vec<Glob>,
}

/// A resolved path: the definition its resolved prefix reaches, and the
/// segments after it that name an associated item (`Type::new`,
/// `Trait::method`), if any. An external path takes every segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub def: Def,
    pub rest: Vec<Name>,
}

/// Names the standard prelude brings into every module.
const PRELUDE_TYPES: &[(&str, &[&str])] = &[
    ("Option", &["std", "option", "Option"]),
    ("Result", &["std", "result", "Result"]),
    ("Vec", &["std", "vec", "Vec"]),
    ("String", &["std", "string", "String"]),
    ("Box", &["std", "boxed", "Box"]),
    ("Iterator", &["std", "iter", "Iterator"]),
    ("IntoIterator", &["std", "iter", "IntoIterator"]),
    ("ToString", &["std", "string", "ToString"]),
    ("ToOwned", &["std", "borrow", "ToOwned"]),
    ("Clone", &["std", "clone", "Clone"]),
    ("Default", &["std", "default", "Default"]),
    ("Send", &["std", "marker", "Send"]),
    ("Sync", &["std", "marker", "Sync"]),
    ("Sized", &["std", "marker", "Sized"]),
    ("Fn", &["std", "ops", "Fn"]),
    ("FnMut", &["std", "ops", "FnMut"]),
    ("FnOnce", &["std", "ops", "FnOnce"]),
    ("Drop", &["std", "ops", "Drop"]),
    ("From", &["std", "convert", "From"]),
    ("Into", &["std", "convert", "Into"]),
    ("AsRef", &["std", "convert", "AsRef"]),
    ("AsMut", &["std", "convert", "AsMut"]),
    ("TryFrom", &["std", "convert", "TryFrom"]),
    ("TryInto", &["std", "convert", "TryInto"]),
    ("PartialEq", &["std", "cmp", "PartialEq"]),
    ("Eq", &["std", "cmp", "Eq"]),
];
const PRELUDE_VALUES: &[(&str, &[&str])] = &[
    ("Some", &["std", "option", "Option", "Some"]),
    ("None", &["std", "option", "Option", "None"]),
    ("Ok", &["std", "result", "Result", "Ok"]),
    ("Err", &["std", "result", "Result", "Err"]),
    ("drop", &["std", "mem", "drop"]),
];
/// Crates every crate reaches without a dependency.
const BUILTIN_CRATES: &[&str] = &["std", "core", "alloc", "proc_macro"];

/// Glob imports followed through this many modules at most (globs can form
/// cycles: `a` imports `b::*` and `b` imports `a::*`).
const GLOB_DEPTH: usize = 6;
/// Rounds of `use` resolution: a chain of imports of imports longer than
/// this is rare; what is left is read as an external path.
const IMPORT_ROUNDS: usize = 16;

/// The scope of every module: items first, then imports to a fixpoint.
pub fn build(semantics: &Semantics, files: &[FileIr]) -> Vec<Scope> {
    let mut scopes = vec![Scope::default(); semantics.modules.len()];
    for (index, module) in semantics.modules.iter().enumerate() {
        let scope = &mut scopes[index];
        for (name, child) in &module.children {
            scope
                .types
                .entry(Name::from(name.as_str()))
                .or_insert(Def::Item(Item::Module(*child)));
        }
    }
    for (slot, file) in files.iter().enumerate() {
        let Some(modules) = semantics.file_modules.get(slot).filter(|m| !m.is_empty()) else {
            continue;
        };
        let module_of = |index: u32| modules.get(index as usize).copied();
        let loc = |index: usize| ItemLoc {
            file: file.file,
            index: index as u32,
        };
        for (index, definition) in file.structs.iter().enumerate() {
            let Some(module) = module_of(definition.module) else {
                continue;
            };
            let scope = &mut scopes[module.0 as usize];
            let item = Def::Item(Item::Adt(loc(index)));
            scope.types.entry(definition.name).or_insert(item.clone());
            // A tuple or unit struct is also its constructor.
            let constructor = definition.variants.is_none()
                && definition
                    .fields
                    .first()
                    .is_none_or(|field| field.name == "0");
            if constructor {
                scope.values.entry(definition.name).or_insert(item);
            }
        }
        for (index, alias) in file.aliases.iter().enumerate() {
            if let Some(module) = module_of(alias.module) {
                scopes[module.0 as usize]
                    .types
                    .entry(alias.name)
                    .or_insert(Def::Item(Item::Alias(loc(index))));
            }
        }
        for (index, definition) in file.traits.iter().enumerate() {
            if let Some(module) = module_of(definition.module) {
                scopes[module.0 as usize]
                    .types
                    .entry(definition.name)
                    .or_insert(Def::Item(Item::Trait(loc(index))));
            }
        }
        for (index, definition) in file.statics.iter().enumerate() {
            if let Some(module) = module_of(definition.module) {
                scopes[module.0 as usize]
                    .values
                    .entry(definition.name)
                    .or_insert(Def::Item(Item::Static(loc(index))));
            }
        }
        for (index, function) in file.functions.iter().enumerate() {
            if function.kind != BodyKind::Fn || function.owner != FnOwner::Free {
                continue;
            }
            if let Some(module) = module_of(function.module) {
                scopes[module.0 as usize]
                    .values
                    .entry(function.name)
                    .or_insert(Def::Item(Item::Fn(loc(index))));
            }
        }
    }
    resolve_imports(semantics, files, &mut scopes);
    scopes
}

fn resolve_imports(semantics: &Semantics, files: &[FileIr], scopes: &mut [Scope]) {
    let mut pending: Vec<(ModuleId, &UseItem)> = Vec::new();
    for (slot, file) in files.iter().enumerate() {
        let Some(modules) = semantics.file_modules.get(slot) else {
            continue;
        };
        for item in &file.uses {
            if let Some(&module) = modules.get(item.module as usize) {
                pending.push((module, item));
            }
        }
    }
    for _ in 0..IMPORT_ROUNDS {
        let before = pending.len();
        let mut left = Vec::new();
        for (module, item) in pending {
            let view = View { semantics, scopes };
            if item.glob {
                match view.resolve_container(module, &item.path) {
                    Some(glob) => {
                        let scope = &mut scopes[module.0 as usize];
                        if !scope.globs.contains(&glob) {
                            scope.globs.push(glob);
                        }
                    }
                    None => left.push((module, item)),
                }
                continue;
            }
            let types = view.resolve_use(module, &item.path, Ns::Types);
            let values = view.resolve_use(module, &item.path, Ns::Values);
            if types.is_none() && values.is_none() {
                left.push((module, item));
                continue;
            }
            bind(&mut scopes[module.0 as usize], &item.alias, types, values);
        }
        pending = left;
        if pending.len() == before {
            break;
        }
    }
    // What is left names something no module of the workspace has: an
    // external crate's item (one the manifests do not list, or one a
    // macro makes), unless it starts in this crate.
    for (module, item) in pending {
        let Some(first) = item.path.first() else {
            continue;
        };
        if matches!(first.as_str(), "crate" | "self" | "super" | "$crate") {
            continue;
        }
        let path: ExtPath = item.path.iter().cloned().collect();
        let scope = &mut scopes[module.0 as usize];
        if item.glob {
            let glob = Glob::External(path);
            if !scope.globs.contains(&glob) {
                scope.globs.push(glob);
            }
        } else {
            let def = Some(Def::External(path));
            bind(scope, &item.alias, def.clone(), def);
        }
    }
}

/// Binds an imported name; the module's own items keep their names.
fn bind(scope: &mut Scope, alias: &str, types: Option<Def>, values: Option<Def>) {
    if alias == "_" {
        return;
    }
    if let Some(def) = types {
        scope.types.entry(Name::from(alias)).or_insert(def);
    }
    if let Some(def) = values {
        scope.values.entry(Name::from(alias)).or_insert(def);
    }
}

/// Resolution over a set of scopes, finished or being built.
pub struct View<'a> {
    pub semantics: &'a Semantics,
    pub scopes: &'a [Scope],
}

impl View<'_> {
    fn krate(&self, module: ModuleId) -> CrateId {
        self.semantics.modules[module.0 as usize].krate
    }

    fn root_of(&self, module: ModuleId) -> ModuleId {
        self.semantics.crates[self.krate(module).0 as usize].root
    }

    /// The definition a name has in a module: its own items and imports,
    /// then what its globs bring.
    pub fn lookup(&self, module: ModuleId, name: &str, ns: Ns) -> Option<Def> {
        self.lookup_within(module, name, ns, 0)
    }

    fn lookup_within(&self, module: ModuleId, name: &str, ns: Ns, depth: usize) -> Option<Def> {
        let scope = self.scopes.get(module.0 as usize)?;
        let direct = match ns {
            Ns::Types => scope.types.get(name),
            Ns::Values => scope.values.get(name),
        };
        if let Some(def) = direct {
            return Some(def.clone());
        }
        if depth >= GLOB_DEPTH {
            return None;
        }
        for glob in &scope.globs {
            match glob {
                Glob::Module(from) if *from != module => {
                    if let Some(def) = self.lookup_within(*from, name, ns, depth + 1) {
                        return Some(def);
                    }
                }
                Glob::Enum(adt) => {
                    if let Some(variant) = self.variant(*adt, name) {
                        return Some(Def::Item(variant));
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// A name in a module, or reached from it without a path: its scope,
    /// the crates it depends on, the prelude, an external glob.
    pub fn name_in_scope(&self, module: ModuleId, name: &str, ns: Ns) -> Option<Def> {
        if let Some(def) = self.lookup(module, name, ns) {
            return Some(def);
        }
        if ns == Ns::Types {
            if let Some(def) = self.extern_crate(module, name) {
                return Some(def);
            }
        }
        let prelude = match ns {
            Ns::Types => PRELUDE_TYPES,
            Ns::Values => PRELUDE_VALUES,
        };
        if let Some((_, path)) = prelude.iter().find(|(known, _)| *known == name) {
            return Some(Def::External(path.iter().map(|s| Name::from(*s)).collect()));
        }
        // A glob of an external crate may bring it: with one such glob it is
        // that crate's; with several, a bare name.
        let scope = self.scopes.get(module.0 as usize)?;
        let external: Vec<&ExtPath> = scope
            .globs
            .iter()
            .filter_map(|glob| match glob {
                Glob::External(path) => Some(path),
                _ => None,
            })
            .collect();
        match external.as_slice() {
            [] => None,
            [only] => Some(Def::External(
                only.iter().cloned().chain([Name::from(name)]).collect(),
            )),
            _ => Some(Def::External(Arc::from(vec![Name::from(name)]))),
        }
    }

    /// A crate a module's crate reaches by name.
    fn extern_crate(&self, module: ModuleId, name: &str) -> Option<Def> {
        let id = self.krate(module);
        let krate = &self.semantics.crates[id.0 as usize];
        let loose = || {
            let others = self.semantics.loose_crates.get(name)?;
            let other = others.iter().find(|&&other| other != id)?;
            Some(CrateDep::Local(*other))
        };
        let dep = match krate.deps.get(name) {
            Some(dep) => Some(dep.clone()),
            None if krate.loose => loose(),
            None => None,
        };
        match dep.as_ref() {
            Some(CrateDep::Local(other)) => Some(Def::Item(Item::Module(
                self.semantics.crates[other.0 as usize].root,
            ))),
            Some(CrateDep::External(real)) => {
                Some(Def::External(Arc::from(vec![Name::from(real.as_str())])))
            }
            None if BUILTIN_CRATES.contains(&name) => {
                Some(Def::External(Arc::from(vec![Name::from(name)])))
            }
            None if krate.name == name => Some(Def::Item(Item::Module(krate.root))),
            None => None,
        }
    }

    /// Where a path starts: `crate`, `self`, `super`, or its first name.
    fn start(&self, module: ModuleId, first: &str, ns: Ns) -> Option<Def> {
        match first {
            "crate" | "$crate" => Some(Def::Item(Item::Module(self.root_of(module)))),
            "self" => Some(Def::Item(Item::Module(module))),
            "super" => {
                let parent = self.semantics.modules[module.0 as usize].parent?;
                Some(Def::Item(Item::Module(parent)))
            }
            name => self.name_in_scope(module, name, ns),
        }
    }

    /// Resolves a path from a module: `ns` for its last segment (the others
    /// are types or modules). `None` when its start names nothing known.
    pub fn resolve(&self, module: ModuleId, path: &[Name], ns: Ns) -> Option<Resolved> {
        let (first, rest) = path.split_first()?;
        let first_ns = if rest.is_empty() { ns } else { Ns::Types };
        let mut def = self.start(module, first, first_ns)?;
        let mut index = 0;
        // `super::super::x`
        while let (Def::Item(Item::Module(current)), Some("super")) =
            (&def, rest.get(index).map(Name::as_str))
        {
            let parent = self.semantics.modules[current.0 as usize].parent?;
            def = Def::Item(Item::Module(parent));
            index += 1;
        }
        while index < rest.len() {
            let segment = &rest[index];
            let last = index + 1 == rest.len();
            let segment_ns = if last { ns } else { Ns::Types };
            def = match def {
                Def::External(path) => {
                    let full: ExtPath = path.iter().chain(&rest[index..]).cloned().collect();
                    return Some(Resolved {
                        def: Def::External(full),
                        rest: Vec::new(),
                    });
                }
                Def::Item(Item::Module(current)) => {
                    match self.lookup(current, segment, segment_ns) {
                        Some(found) => found,
                        // A module's child named like a type (`crate::db`
                        // for `mod db` and `struct Db`): types first, then
                        // values for the last segment.
                        None if last && ns == Ns::Values => {
                            self.lookup(current, segment, Ns::Types)?
                        }
                        None => return None,
                    }
                }
                Def::Item(Item::Adt(adt)) => match self.variant(adt, segment) {
                    Some(variant) if last || ns == Ns::Types => Def::Item(variant),
                    _ => {
                        return Some(Resolved {
                            def: Def::Item(Item::Adt(adt)),
                            rest: rest[index..].to_vec(),
                        })
                    }
                },
                other => {
                    return Some(Resolved {
                        def: other,
                        rest: rest[index..].to_vec(),
                    })
                }
            };
            index += 1;
        }
        Some(Resolved {
            def,
            rest: Vec::new(),
        })
    }

    /// A `use` path: as [`View::resolve`], the whole path one definition.
    fn resolve_use(&self, module: ModuleId, path: &[Name], ns: Ns) -> Option<Def> {
        let resolved = self.resolve(module, path, ns)?;
        resolved.rest.is_empty().then_some(resolved.def)
    }

    /// What a glob import takes its names from.
    fn resolve_container(&self, module: ModuleId, path: &[Name]) -> Option<Glob> {
        match self.resolve_use(module, path, Ns::Types)? {
            Def::Item(Item::Module(from)) => Some(Glob::Module(from)),
            Def::Item(Item::Adt(adt)) => Some(Glob::Enum(adt)),
            Def::External(path) => Some(Glob::External(path)),
            Def::Item(_) => None,
        }
    }

    /// `Enum::Variant`.
    fn variant(&self, adt: ItemLoc, name: &str) -> Option<Item> {
        let definition = self.semantics.adt(adt)?;
        let position = definition
            .variants
            .as_ref()?
            .iter()
            .position(|variant| variant == name)?;
        Some(Item::Variant(adt, position as u32))
    }
}
