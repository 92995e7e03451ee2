//! What a name or a value *is*: the semantic layer between the lowered model
//! and the flow analysis, built once per run from the item trees of every
//! file (signatures only; bodies change nothing here).
//!
//! - [`crates`]: the crate graph read from the workspace model, and each
//!   crate's module tree (`mod` declarations followed to their files with
//!   Rust's rules, `#[path]` included; inline modules).
//! - [`scopes`]: what each module's names mean (its items, its `use` items
//!   with renames and globs, `crate`/`self`/`super`, the crates it depends
//!   on, the prelude), and path resolution from a module. A workspace type
//!   is never taken for a pack's or another crate's type because they share
//!   a last segment.
//! - [`types`]: types as the analysis reads them ([`Ty`]), lowered from the
//!   written ones in the scope they are written in, type aliases expanded
//!   where they are in scope with their parameters substituted, futures read
//!   through (`async fn`, `impl Future<Output = T>`, `BoxFuture`).
//! - [`impls`]: impls by self type, trait default methods, `Deref` targets
//!   and the field a `deref` hands out; fields and methods found through
//!   auto-deref.
//! - [`infer`]: the type of every local and temporary of a body, from
//!   declarations, callee signatures, `?`, `.await`, fields and patterns.
//!
//! The flow analysis asks; this layer never looks at connections or packs,
//! and never fails: what it cannot tell is [`Ty::Unknown`] or `None`.
//! Everything is keyed by ids, so it can be shared by the workers of a run.

pub mod crates;
pub mod impls;
pub mod infer;
pub mod scopes;
pub mod types;

use crate::model::Name;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::path::PathBuf;

use crate::model::{
    FileIr, FnId, FnIr, FnOwner, ImplDef, ModuleIndex, StaticDef, StructDef, TraitDef, TypeAlias,
    TypeRef,
};
use crate::source::FileId;
use crate::workspace::{PackageId, Workspace};

pub use infer::BodyTypes;
pub use types::{ExtPath, Ty};

/// A module of the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleId(pub u32);

/// A crate: one target of a package, or a file checked on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CrateId(pub u32);

/// An item of one file's item tree: `index` into the file's structs,
/// aliases, traits, statics or functions, as the kind says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemLoc {
    pub file: FileId,
    pub index: u32,
}

/// A workspace function or method: its file and [`FnId`].
pub type FuncLoc = ItemLoc;

/// What a name denotes in the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Item {
    /// A struct, enum or union.
    Adt(ItemLoc),
    Alias(ItemLoc),
    Trait(ItemLoc),
    Fn(FuncLoc),
    Static(ItemLoc),
    Module(ModuleId),
    /// A variant of an enum, by position.
    Variant(ItemLoc, u32),
}

/// The item tree of one file, as the semantic layer keeps it: bodies are
/// lowered (and late-lowered) apart from it, so it holds its own copy of
/// what it reads.
#[derive(Debug, Clone, Default)]
pub(crate) struct FileItems {
    pub(crate) file: FileId,
    pub(crate) structs: Vec<StructDef>,
    pub(crate) aliases: Vec<TypeAlias>,
    pub(crate) traits: Vec<TraitDef>,
    pub(crate) impls: Vec<ImplDef>,
    pub(crate) statics: Vec<StaticDef>,
    /// By [`FnId`], for the functions that existed when it was built.
    pub(crate) functions: Vec<FnItem>,
}

/// What the semantic layer reads of a function: its signature and place.
#[derive(Debug, Clone)]
pub(crate) struct FnItem {
    pub(crate) name: Name,
    pub(crate) module: ModuleIndex,
    pub(crate) owner: FnOwner,
    pub(crate) generics: Vec<Name>,
    pub(crate) is_async: bool,
    pub(crate) params: Vec<Option<TypeRef>>,
    pub(crate) param_names: Vec<Name>,
    pub(crate) ret: Option<TypeRef>,
    pub(crate) returns_field: Option<Vec<Name>>,
}

impl FileItems {
    fn of(file: &FileIr) -> FileItems {
        FileItems {
            file: file.file,
            structs: file.structs.clone(),
            aliases: file.aliases.clone(),
            traits: file.traits.clone(),
            impls: file.impls.clone(),
            statics: file.statics.clone(),
            functions: file
                .functions
                .iter()
                .map(|function| FnItem {
                    name: function.name,
                    module: function.module,
                    owner: function.owner,
                    generics: function.generics.to_vec(),
                    is_async: function.is_async,
                    params: function
                        .params
                        .iter()
                        .map(|&param| {
                            function
                                .locals
                                .get(param as usize)
                                .and_then(|local| local.ty.clone())
                        })
                        .collect(),
                    param_names: function
                        .params
                        .iter()
                        .map(|&param| Name::from(function.local_name(param)))
                        .collect(),
                    ret: function.ret.clone(),
                    returns_field: function.returns_field.clone(),
                })
                .collect(),
        }
    }
}

/// Everything the semantic layer knows, built once per run.
pub struct Semantics {
    /// By position in the run's files.
    pub(crate) items: Vec<FileItems>,
    pub(crate) crates: Vec<crates::CrateData>,
    /// The crates of files outside every package, by name.
    pub(crate) loose_crates: FxHashMap<String, Vec<CrateId>>,
    pub(crate) modules: Vec<crates::ModuleData>,
    /// By position in the run's files: for each module index of the file,
    /// its module; empty for a file no crate reaches.
    pub(crate) file_modules: Vec<Vec<ModuleId>>,
    /// By file id: its position in `files`.
    pub(crate) file_slots: FxHashMap<FileId, usize>,
    pub(crate) scopes: Vec<scopes::Scope>,
    pub(crate) impls: impls::ImplIndex,
    /// Lowered signatures of every function, by file position and [`FnId`].
    pub(crate) signatures: Vec<Vec<types::Signature>>,
    /// Lowered field types of every struct, by file position and index.
    pub(crate) fields: Vec<Vec<Vec<(Name, Ty)>>>,
}

/// What [`Semantics::build`] reads besides the item trees.
pub struct Layout<'a> {
    /// By file id: the file's path, as discovery found it.
    pub paths: &'a [PathBuf],
    /// By file id: the package it belongs to.
    pub packages: &'a [Option<PackageId>],
    pub workspace: &'a Workspace,
}

impl Semantics {
    /// Builds the crate graph, module trees, scopes, impls and signatures of
    /// `files`. Linear in the size of the item trees (imports take a few
    /// rounds when they lean on each other).
    pub fn build(files: &[FileIr], layout: &Layout<'_>) -> Semantics {
        let file_slots = files
            .iter()
            .enumerate()
            .map(|(slot, file)| (file.file, slot))
            .collect();
        let tree = crates::build(files, layout);
        let mut semantics = Semantics {
            // Each file's items are its own, like the field and signature
            // types lowered from them below: built in parallel, collected
            // in file order.
            items: files.par_iter().map(FileItems::of).collect(),
            crates: tree.crates,
            loose_crates: tree.loose_crates,
            modules: tree.modules,
            file_modules: tree.file_modules,
            file_slots,
            scopes: Vec::new(),
            impls: impls::ImplIndex::default(),
            signatures: Vec::new(),
            fields: Vec::new(),
        };
        semantics.scopes = scopes::build(&semantics, files);
        semantics.fields = types::lower_fields(&semantics);
        semantics.signatures = types::lower_signatures(&semantics);
        semantics.impls = impls::ImplIndex::build(&semantics);
        semantics
    }

    /// The module a function (or any item of the file) at `module` of `file`
    /// is in, when a crate reaches the file.
    pub fn module_of(&self, file: FileId, module: ModuleIndex) -> Option<ModuleId> {
        let slot = *self.file_slots.get(&file)?;
        self.file_modules.get(slot)?.get(module as usize).copied()
    }

    /// The lowered signature of a function.
    pub fn signature(&self, func: FuncLoc) -> Option<&types::Signature> {
        let slot = *self.file_slots.get(&func.file)?;
        self.signatures.get(slot)?.get(func.index as usize)
    }

    pub(crate) fn slot(&self, file: FileId) -> Option<usize> {
        self.file_slots.get(&file).copied()
    }

    fn file_items(&self, file: FileId) -> Option<&FileItems> {
        self.items.get(self.slot(file)?)
    }

    /// A struct, enum or union.
    pub(crate) fn adt(&self, loc: ItemLoc) -> Option<&StructDef> {
        self.file_items(loc.file)?.structs.get(loc.index as usize)
    }

    pub(crate) fn alias(&self, loc: ItemLoc) -> Option<&TypeAlias> {
        self.file_items(loc.file)?.aliases.get(loc.index as usize)
    }

    pub(crate) fn trait_def(&self, loc: ItemLoc) -> Option<&TraitDef> {
        self.file_items(loc.file)?.traits.get(loc.index as usize)
    }

    pub(crate) fn static_def(&self, loc: ItemLoc) -> Option<&StaticDef> {
        self.file_items(loc.file)?.statics.get(loc.index as usize)
    }

    pub(crate) fn function(&self, loc: FuncLoc) -> Option<&FnItem> {
        self.file_items(loc.file)?.functions.get(loc.index as usize)
    }

    /// The path of a module from its crate's name: `["app", "db", "pool"]`.
    pub fn module_path(&self, module: ModuleId) -> Vec<Name> {
        let mut names = Vec::new();
        let mut cursor = Some(module);
        let mut krate = None;
        for _ in 0..self.modules.len() {
            let Some(current) = cursor else {
                break;
            };
            let data = &self.modules[current.0 as usize];
            krate = Some(data.krate);
            if data.parent.is_some() && !data.name.is_empty() {
                names.push(Name::from(data.name.as_str()));
            }
            cursor = data.parent;
        }
        if let Some(krate) = krate {
            names.push(Name::from(self.crates[krate.0 as usize].name.as_str()));
        }
        names.reverse();
        names
    }

    /// The path of a workspace struct or enum: `["app", "legacy", "Handle"]`.
    pub fn adt_path(&self, loc: ItemLoc) -> Vec<Name> {
        let Some(definition) = self.adt(loc) else {
            return Vec::new();
        };
        let mut path = self
            .item_module(loc.file, definition.module)
            .map(|module| self.module_path(module))
            .unwrap_or_default();
        path.push(definition.name);
        path
    }

    /// The path of a workspace function or method: `["app", "db", "get_conn"]`,
    /// `["app", "legacy", "Registry", "checkout"]`.
    pub fn function_path(&self, func: FuncLoc) -> Vec<Name> {
        let Some(function) = self.function(func) else {
            return Vec::new();
        };
        let mut path = self
            .item_module(func.file, function.module)
            .map(|module| self.module_path(module))
            .unwrap_or_default();
        path.extend(function.name.split("::").map(Name::from));
        path
    }

    /// The lowered type of a function's parameter, by name (`self`
    /// included).
    pub fn param_type(&self, func: FuncLoc, name: &str) -> Option<Ty> {
        let function = self.function(func)?;
        let position = function.param_names.iter().position(|p| p == name)?;
        let signature = self.signature(func)?;
        match signature.params.get(position)? {
            Ty::Unknown if name == "self" => signature.scope.as_ref()?.self_ty.clone(),
            ty => Some(ty.clone()),
        }
    }

    /// The module of an item written at `module` of the file `file`.
    pub(crate) fn item_module(&self, file: FileId, module: ModuleIndex) -> Option<ModuleId> {
        self.module_of(file, module)
    }
}

/// The function a body belongs to for naming: closures and async blocks
/// speak for their enclosing function.
pub fn owner_of(file: &FileIr, mut body: FnId) -> FnId {
    for _ in 0..file.functions.len() {
        match file.functions.get(body as usize).and_then(|f| f.parent) {
            Some(parent) => body = parent,
            None => break,
        }
    }
    body
}

/// Whether a function is a method of an impl or a trait.
pub fn is_method(function: &FnIr) -> bool {
    !matches!(function.owner, FnOwner::Free)
}

#[cfg(test)]
mod tests;
