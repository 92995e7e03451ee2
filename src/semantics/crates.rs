//! The crate graph and each crate's module tree.
//!
//! Every target of a package (its library, binaries, tests, benches,
//! examples, build script) is a crate, as rustc sees it; a non-library
//! target also reaches its package's library by name. A dependency is the
//! name the code writes (`db` for `db = { package = "sqlx" }`), standing for
//! a crate of the workspace or for an external crate by its real name.
//!
//! A crate's modules are found from its root file by following `mod name;`
//! to the files Rust's rules give ([`module_file_candidates`]), inline
//! modules included. A file no crate reaches this way (a module behind a
//! macro or a `cfg` the declaration hides, a root that did not parse) is
//! still placed, by its path below its package's `src/`, so that what it
//! names resolves as well as can be. A file outside any package is a crate
//! of its own.

use rustc_hash::FxHashMap;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use super::{CrateId, Layout, ModuleId};
use crate::model::{FileIr, ModuleIndex};
use crate::workspace::{module_file_candidates, TargetKind};

#[derive(Debug, Clone)]
pub struct CrateData {
    /// The name other crates write to reach it.
    pub name: String,
    pub root: ModuleId,
    /// The names its paths may start with to reach another crate.
    pub deps: FxHashMap<String, CrateDep>,
    /// A file outside every package, which reaches the other such files by
    /// name (see [`ModuleTree::loose_crates`]).
    pub loose: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrateDep {
    Local(CrateId),
    /// An external crate, by the name its own code uses (`sqlx`,
    /// `deadpool_postgres`): what the packs name.
    External(String),
}

#[derive(Debug, Clone)]
pub struct ModuleData {
    pub krate: CrateId,
    pub parent: Option<ModuleId>,
    pub name: String,
    /// The file (by position in the run's files) and the module of that
    /// file it is; `None` for a folder between a package and a placed file.
    pub file: Option<(usize, ModuleIndex)>,
    pub children: FxHashMap<String, ModuleId>,
}

/// What [`build`] makes.
pub struct ModuleTree {
    pub crates: Vec<CrateData>,
    pub modules: Vec<ModuleData>,
    pub file_modules: Vec<Vec<ModuleId>>,
    /// The crates of files outside every package, by name, in the order
    /// the files come: one table for all of them, not a copy in each (a
    /// folder of a thousand loose files is not a million names).
    pub loose_crates: FxHashMap<String, Vec<CrateId>>,
}

pub fn build(files: &[FileIr], layout: &Layout<'_>) -> ModuleTree {
    let mut builder = Builder {
        files,
        layout,
        slots: FxHashMap::default(),
        tree: ModuleTree {
            crates: Vec::new(),
            modules: Vec::new(),
            file_modules: vec![Vec::new(); files.len()],
            loose_crates: FxHashMap::default(),
        },
    };
    for (slot, file) in files.iter().enumerate() {
        if let Some(path) = layout.paths.get(file.file) {
            builder.slots.insert(path.clone(), slot);
        }
    }
    builder.package_crates();
    builder.loose_files();
    builder.tree
}

struct Builder<'a> {
    files: &'a [FileIr],
    layout: &'a Layout<'a>,
    /// Path to position in `files`.
    slots: FxHashMap<PathBuf, usize>,
    tree: ModuleTree,
}

impl Builder<'_> {
    fn new_module(
        &mut self,
        krate: CrateId,
        parent: Option<ModuleId>,
        name: &str,
        file: Option<(usize, ModuleIndex)>,
    ) -> ModuleId {
        let id = ModuleId(self.tree.modules.len() as u32);
        self.tree.modules.push(ModuleData {
            krate,
            parent,
            name: name.to_string(),
            file,
            children: FxHashMap::default(),
        });
        if let Some(parent) = parent {
            self.tree.modules[parent.0 as usize]
                .children
                .entry(name.to_string())
                .or_insert(id);
        }
        id
    }

    fn new_crate(&mut self, name: &str) -> CrateId {
        let krate = CrateId(self.tree.crates.len() as u32);
        let root = self.new_module(krate, None, "", None);
        self.tree.crates.push(CrateData {
            name: name.to_string(),
            root,
            deps: FxHashMap::default(),
            loose: false,
        });
        krate
    }

    /// A file placed as module `module`: its inline modules become children.
    fn place_file(&mut self, slot: usize, module: ModuleId) {
        if !self.tree.file_modules[slot].is_empty() {
            return;
        }
        let krate = self.tree.modules[module.0 as usize].krate;
        self.tree.modules[module.0 as usize].file = Some((slot, 0));
        let definitions = &self.files[slot].modules;
        let mut ids = vec![module];
        for (index, definition) in definitions.iter().enumerate().skip(1) {
            let parent = definition
                .parent
                .and_then(|parent| ids.get(parent as usize).copied())
                .unwrap_or(module);
            let id = self.new_module(
                krate,
                Some(parent),
                &definition.name,
                Some((slot, index as ModuleIndex)),
            );
            ids.push(id);
        }
        self.tree.file_modules[slot] = ids;
    }

    /// One crate per target of every package, modules followed from each
    /// root; then the package's files no `mod` reached.
    fn package_crates(&mut self) {
        let workspace = self.layout.workspace;
        let mut library_of: Vec<Option<CrateId>> = vec![None; workspace.packages.len()];
        let mut crates_of: Vec<Vec<CrateId>> = vec![Vec::new(); workspace.packages.len()];
        for (package_id, package) in workspace.packages.iter().enumerate() {
            for target in &package.targets {
                let name = match target.kind {
                    TargetKind::Lib => package.crate_name.clone(),
                    _ => target.name.replace('-', "_"),
                };
                let krate = self.new_crate(&name);
                if target.kind == TargetKind::Lib {
                    library_of[package_id] = Some(krate);
                }
                crates_of[package_id].push(krate);
                if let Some(&slot) = self.slots.get(&target.root) {
                    let root = self.tree.crates[krate.0 as usize].root;
                    self.follow_modules(slot, root, true);
                }
            }
        }
        for (package_id, package) in workspace.packages.iter().enumerate() {
            for &krate in &crates_of[package_id] {
                let deps = &mut self.tree.crates[krate.0 as usize].deps;
                for dependency in &package.dependencies {
                    let target = match dependency.workspace_package.and_then(|p| library_of[p]) {
                        Some(local) => CrateDep::Local(local),
                        None => CrateDep::External(dependency.package.replace('-', "_")),
                    };
                    deps.entry(dependency.name_in_code.clone())
                        .or_insert(target);
                }
                if let Some(library) = library_of[package_id] {
                    if library != krate {
                        deps.entry(package.crate_name.clone())
                            .or_insert(CrateDep::Local(library));
                    }
                }
            }
        }
        // Files of a package that no declaration reached.
        for slot in 0..self.files.len() {
            if !self.tree.file_modules[slot].is_empty() {
                continue;
            }
            let file_id = self.files[slot].file;
            let Some(Some(package_id)) = self.layout.packages.get(file_id) else {
                continue;
            };
            let Some(&krate) = library_of[*package_id]
                .as_ref()
                .or_else(|| crates_of[*package_id].first())
            else {
                continue;
            };
            let Some(path) = self.layout.paths.get(file_id) else {
                continue;
            };
            let package = &workspace.packages[*package_id];
            let names = module_names_by_path(path, &package.manifest_dir);
            self.place_by_names(slot, krate, &names);
        }
    }

    /// Files outside every package: each one a crate of its own, named after
    /// the file, whose paths reach every other such crate by name.
    fn loose_files(&mut self) {
        let mut loose = Vec::new();
        for slot in 0..self.files.len() {
            if !self.tree.file_modules[slot].is_empty() {
                continue;
            }
            let file_id = self.files[slot].file;
            let stem = self
                .layout
                .paths
                .get(file_id)
                .and_then(|path| path.file_stem())
                .map(|stem| stem.to_string_lossy().replace('-', "_"))
                .unwrap_or_default();
            let krate = self.new_crate(&stem);
            let root = self.tree.crates[krate.0 as usize].root;
            self.follow_modules(slot, root, true);
            loose.push(krate);
        }
        for krate in loose {
            let data = &mut self.tree.crates[krate.0 as usize];
            data.loose = true;
            self.tree
                .loose_crates
                .entry(data.name.clone())
                .or_default()
                .push(krate);
        }
    }

    /// Places a file as `module` and follows its `mod name;` declarations,
    /// breadth first.
    fn follow_modules(&mut self, slot: usize, module: ModuleId, owns_its_folder: bool) {
        let mut queue = VecDeque::new();
        if self.tree.file_modules[slot].is_empty() {
            self.place_file(slot, module);
            queue.push_back((slot, owns_its_folder));
        }
        while let Some((slot, owns)) = queue.pop_front() {
            let file = &self.files[slot];
            let Some(path) = self.layout.paths.get(file.file) else {
                continue;
            };
            let path = path.clone();
            let mut children = Vec::new();
            for found in file.out_of_line_mods() {
                let declaration = found.declaration;
                let candidates = module_file_candidates(
                    &path,
                    owns,
                    &found.inline_modules,
                    &declaration.name,
                    declaration.path.as_deref(),
                );
                let child = candidates
                    .iter()
                    .find_map(|candidate| self.slots.get(candidate).copied());
                let child_owns = declaration.path.is_some()
                    || child.is_some_and(|child| {
                        self.layout
                            .paths
                            .get(self.files[child].file)
                            .and_then(|p| p.file_name())
                            .is_some_and(|name| name == "mod.rs")
                    });
                children.push((found.module, declaration.name, child, child_owns));
            }
            for (declared_in, name, child, child_owns) in children {
                let Some(&parent) = self.tree.file_modules[slot].get(declared_in as usize) else {
                    continue;
                };
                match child {
                    Some(child) if self.tree.file_modules[child].is_empty() => {
                        let krate = self.tree.modules[parent.0 as usize].krate;
                        let id = self.new_module(krate, Some(parent), &name, None);
                        self.place_file(child, id);
                        queue.push_back((child, child_owns));
                    }
                    // Declared again (a binary and the library sharing a
                    // file): the same module.
                    Some(child) => {
                        let existing = self.tree.file_modules[child][0];
                        self.tree.modules[parent.0 as usize]
                            .children
                            .entry(name.to_string())
                            .or_insert(existing);
                    }
                    None => {}
                }
            }
        }
    }

    /// Places a file at the module path `names` below the crate's root,
    /// making the folders between; a name already taken gets a module of
    /// its own beside the root.
    fn place_by_names(&mut self, slot: usize, krate: crate::semantics::CrateId, names: &[String]) {
        let mut module = self.tree.crates[krate.0 as usize].root;
        let Some((last, folders)) = names.split_last() else {
            let id = self.new_module(krate, Some(module), "", None);
            self.follow_modules(slot, id, true);
            return;
        };
        for folder in folders {
            module = match self.tree.modules[module.0 as usize].children.get(folder) {
                Some(&child) => child,
                None => self.new_module(krate, Some(module), folder, None),
            };
        }
        let taken = self.tree.modules[module.0 as usize]
            .children
            .get(last)
            .is_some_and(|&child| self.tree.modules[child.0 as usize].file.is_some());
        let id = match self.tree.modules[module.0 as usize].children.get(last) {
            Some(&child) if !taken => child,
            _ => self.new_module(krate, Some(module), last, None),
        };
        let owns = names.is_empty() || last == "mod";
        self.follow_modules(slot, id, owns);
    }
}

/// `src/a/b.rs` → `a::b`, `src/a/mod.rs` → `a`, below the package folder.
fn module_names_by_path(path: &Path, package_dir: &Path) -> Vec<String> {
    let relative = path.strip_prefix(package_dir).unwrap_or(path);
    let mut names: Vec<String> = relative
        .components()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .collect();
    if names.first().is_some_and(|first| first == "src") {
        names.remove(0);
    }
    if let Some(last) = names.pop() {
        let stem = last.strip_suffix(".rs").unwrap_or(&last).to_string();
        if stem != "mod" && stem != "lib" && stem != "main" {
            names.push(stem);
        }
    }
    names
}
