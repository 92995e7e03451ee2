//! The crates of a run, read from `Cargo.toml` files as TOML: which packages
//! make up a workspace, their targets (cargo's auto-discovery, and the paths
//! a manifest gives) and their dependencies (renamed ones, target-specific
//! tables and `workspace = true` entries included). Also where the file of
//! an out-of-line `mod` declaration lies, by Rust's module file rules.
//!
//! It answers "which crates are there, and what do they depend on" for
//! discovery, and for the stages after it that resolve paths across crates:
//! a [`PackageId`] is an index into [`Workspace::packages`]. It reads
//! manifests and lists folders, nothing else: no cargo, no build script, no
//! network. A manifest that cannot be read or does not parse, or a member
//! that does not exist, becomes a [`ManifestProblem`] and the rest is still
//! read. It must not know about configuration, sources or the analysis.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::model::Name;
use globset::{GlobBuilder, GlobMatcher};
use toml::{Table, Value};

/// Index of a package in [`Workspace::packages`].
pub type PackageId = usize;

/// Every package a run reads: the members of the analysed workspaces, and
/// the packages outside them that members reach through `path`
/// dependencies. Sorted by manifest folder, so ids do not depend on the
/// order in which things were found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Workspace {
    /// The root of the analysed workspace: the folder whose `Cargo.toml`
    /// holds `[workspace]`, or the package's own folder when it stands
    /// alone. When one run covers several workspaces, the folder the file
    /// names are relative to.
    pub root: PathBuf,
    pub packages: Vec<Package>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// `[package] name`.
    pub name: String,
    /// The library target's crate name: `[lib] name`, else `name` with `-`
    /// turned into `_`. What other crates write in paths to reach it.
    pub crate_name: String,
    /// `0.0.0` when the manifest does not say.
    pub version: String,
    /// `2015` when the manifest does not say, as cargo reads it.
    pub edition: String,
    /// The folder of its `Cargo.toml`, absolute.
    pub manifest_dir: PathBuf,
    /// The root of the workspace it belongs to (its own folder when it
    /// stands alone).
    pub workspace_root: PathBuf,
    /// A member of an analysed workspace; `false` for a package reached only
    /// as a `path` dependency from outside the workspace.
    pub is_member: bool,
    /// Library first, then binaries, tests, benches, examples and the build
    /// script, each kind sorted by name.
    pub targets: Vec<Target>,
    /// In manifest order: normal, then dev, then build dependencies, each
    /// table followed by its target-specific ones.
    pub dependencies: Vec<Dependency>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: TargetKind,
    /// The target's name as cargo gives it (a library's is its crate name).
    pub name: String,
    /// Its root source file, absolute.
    pub root: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetKind {
    Lib,
    Bin,
    Test,
    Bench,
    Example,
    BuildScript,
}

impl TargetKind {
    /// Integration tests, benches and examples are test code; a library,
    /// a binary and a build script are not.
    pub fn is_test_code(self) -> bool {
        matches!(
            self,
            TargetKind::Test | TargetKind::Bench | TargetKind::Example
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// The name paths in the code use: the table key for a renamed
    /// dependency (`db = { package = "sqlx" }` is `db`), else the crate name
    /// of the library (for a package of this workspace, its `[lib] name`),
    /// with `-` turned into `_`.
    pub name_in_code: String,
    /// The real package name (`sqlx`).
    pub package: String,
    pub kind: DepKind,
    /// The package it is, when that package is read in this run: a `path`
    /// dependency, or a dependency named like a package of the same
    /// workspace.
    pub workspace_package: Option<PackageId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DepKind {
    Normal,
    Dev,
    Build,
}

/// A manifest that could not be read, or a member that is not there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ManifestProblem {
    /// The manifest at fault, absolute.
    pub manifest: PathBuf,
    pub line: Option<u32>,
    pub message: String,
}

impl Workspace {
    /// The package whose folder is the nearest one above `path` (or is
    /// `path`): the package a file belongs to. `path` is absolute and
    /// lexically normal, as discovery gives paths.
    pub fn package_of(&self, path: &Path) -> Option<PackageId> {
        self.packages
            .iter()
            .enumerate()
            .filter(|(_, package)| path.starts_with(&package.manifest_dir))
            .max_by_key(|(_, package)| package.manifest_dir.components().count())
            .map(|(id, _)| id)
    }

    /// The packages of the workspace rooted at `root`, members and not.
    pub fn packages_under_root<'w>(
        &'w self,
        root: &'w Path,
    ) -> impl Iterator<Item = (PackageId, &'w Package)> + 'w {
        self.packages
            .iter()
            .enumerate()
            .filter(move |(_, package)| package.workspace_root == root)
    }

    /// Packages only test code reaches: a package is production code when
    /// it is a member that no package has as a dev-dependency, or a normal
    /// or build dependency of production code; every other package is
    /// reached only through dev-dependencies (a shared test-helpers crate,
    /// and the packages outside the workspace only it uses). A member that
    /// only a test-only crate uses stays production code: when in doubt,
    /// report rather than hide. A member kept in a `tests`, `benches` or
    /// `examples` folder of its workspace (an integration-test crate of its
    /// own) is no root of production code either.
    pub fn test_only_packages(&self) -> BTreeSet<PackageId> {
        let mut dev_dependency_of_someone = BTreeSet::new();
        for package in &self.packages {
            for dependency in &package.dependencies {
                if let (DepKind::Dev, Some(id)) = (dependency.kind, dependency.workspace_package) {
                    dev_dependency_of_someone.insert(id);
                }
            }
        }
        let mut production: BTreeSet<PackageId> = (0..self.packages.len())
            .filter(|id| {
                let package = &self.packages[*id];
                package.is_member
                    && !dev_dependency_of_someone.contains(id)
                    && !in_test_folder(package)
            })
            .collect();
        let mut queue: VecDeque<PackageId> = production.iter().copied().collect();
        while let Some(id) = queue.pop_front() {
            for dependency in &self.packages[id].dependencies {
                if dependency.kind == DepKind::Dev {
                    continue;
                }
                if let Some(next) = dependency.workspace_package {
                    if production.insert(next) {
                        queue.push_back(next);
                    }
                }
            }
        }
        (0..self.packages.len())
            .filter(|id| !production.contains(id))
            .collect()
    }
}

/// Whether `package` sits in a `tests`, `benches` or `examples` folder
/// below its workspace's root (`tests/integration/Cargo.toml`).
fn in_test_folder(package: &Package) -> bool {
    package
        .manifest_dir
        .strip_prefix(&package.workspace_root)
        .is_ok_and(|relative| {
            relative.components().any(|part| {
                matches!(
                    part.as_os_str().to_str(),
                    Some("tests" | "benches" | "examples")
                )
            })
        })
}

/// The root of the workspace the package or workspace manifest in
/// `manifest_dir` belongs to, by cargo's search: `package.workspace` when
/// the manifest names it, else the nearest folder above whose manifest has
/// `[workspace]` and counts this package as a member (not excluded), else
/// the package's own folder. `manifest_dir` is absolute.
pub fn workspace_root_of(manifest_dir: &Path) -> PathBuf {
    let Ok(manifest) = read_manifest(&manifest_dir.join(MANIFEST_FILE)) else {
        return manifest_dir.to_path_buf();
    };
    if manifest.workspace.is_some() {
        return manifest_dir.to_path_buf();
    }
    if let Some(explicit) = manifest
        .package
        .as_ref()
        .and_then(|package| package.workspace.as_ref())
    {
        return normal_path(&manifest_dir.join(explicit));
    }
    for ancestor in manifest_dir.ancestors().skip(1) {
        let candidate = ancestor.join(MANIFEST_FILE);
        if !candidate.is_file() {
            continue;
        }
        let Ok(outer) = read_manifest(&candidate) else {
            continue;
        };
        let Some(section) = &outer.workspace else {
            continue;
        };
        if is_member_of(section, ancestor, manifest_dir) {
            return ancestor.to_path_buf();
        }
        // The nearest `[workspace]` above decides, as for cargo: a package
        // it does not list stands alone.
        return manifest_dir.to_path_buf();
    }
    manifest_dir.to_path_buf()
}

/// Whether the package in `package_dir` is a member of the workspace whose
/// `[workspace]` table is `section` and whose root is `root`: listed by
/// `members` (or the root itself) and not under `exclude`. Path
/// dependencies inside the root become members too; [`WorkspaceReader`]
/// adds those while it reads.
fn is_member_of(section: &WorkspaceSection, root: &Path, package_dir: &Path) -> bool {
    let Ok(relative) = package_dir.strip_prefix(root) else {
        return false;
    };
    if relative.as_os_str().is_empty() {
        return true;
    }
    let relative = slash(relative);
    if is_excluded(section, &relative) {
        return false;
    }
    if section
        .members
        .iter()
        .any(|pattern| member_pattern(pattern).is_some_and(|glob| glob.is_match(&relative)))
    {
        return true;
    }
    // A path dependency of a member, inside the root: a member as well.
    member_dirs(section, root)
        .iter()
        .any(|member| path_dependency_closure(member, root).contains(package_dir))
}

/// The packages every path dependency chain from `start` reaches inside
/// `root` (without `start` itself unless a cycle leads back to it).
fn path_dependency_closure(start: &Path, root: &Path) -> BTreeSet<PathBuf> {
    let mut reached = BTreeSet::new();
    let mut queue = VecDeque::from([start.to_path_buf()]);
    while let Some(dir) = queue.pop_front() {
        let Ok(manifest) = read_manifest(&dir.join(MANIFEST_FILE)) else {
            continue;
        };
        for dependency in manifest.dependencies() {
            let Some(path) = &dependency.path else {
                continue;
            };
            let target = normal_path(&dir.join(path));
            if target.starts_with(root) && reached.insert(target.clone()) {
                queue.push_back(target);
            }
        }
    }
    reached
}

/// Reads workspaces into one [`Workspace`], each package once however many
/// inputs lead to it. Build with [`WorkspaceReader::new`], add workspaces
/// with [`WorkspaceReader::read_workspace`], end with
/// [`WorkspaceReader::finish`].
pub struct WorkspaceReader<'a> {
    /// Folder -> what was read of its package.
    found: BTreeMap<PathBuf, FoundPackage>,
    /// Workspace roots already read.
    roots: BTreeSet<PathBuf>,
    problems: Vec<ManifestProblem>,
    /// Whether a package folder outside every workspace root may be read
    /// (a `path` dependency that leaves the repository may not).
    may_read: &'a dyn Fn(&Path) -> bool,
}

struct FoundPackage {
    manifest: Manifest,
    workspace_root: PathBuf,
    is_member: bool,
}

impl<'a> WorkspaceReader<'a> {
    pub fn new(may_read: &'a dyn Fn(&Path) -> bool) -> WorkspaceReader<'a> {
        WorkspaceReader {
            found: BTreeMap::new(),
            roots: BTreeSet::new(),
            problems: Vec::new(),
            may_read,
        }
    }

    /// Reads the workspace rooted at `root` (absolute, as given by
    /// [`workspace_root_of`]): its members, and the packages their path
    /// dependencies reach. Returns the members' folders, sorted.
    pub fn read_workspace(&mut self, root: &Path) -> Vec<PathBuf> {
        let root_manifest_path = root.join(MANIFEST_FILE);
        let root_manifest = match read_manifest(&root_manifest_path) {
            Ok(manifest) => manifest,
            Err(problem) => {
                if self.roots.insert(root.to_path_buf()) {
                    self.problems.push(problem);
                }
                return Vec::new();
            }
        };
        let mut members: BTreeSet<PathBuf> = BTreeSet::new();
        if let Some(section) = &root_manifest.workspace {
            for pattern in &section.members {
                let dirs = expand_member_pattern(root, pattern);
                if dirs.is_empty() && !has_glob_characters(pattern) {
                    self.problem_once(
                        &root_manifest_path,
                        format!("workspace member `{pattern}` has no Cargo.toml"),
                    );
                }
                for dir in dirs {
                    let relative = slash(dir.strip_prefix(root).unwrap_or(&dir));
                    if !is_excluded(section, &relative) {
                        members.insert(dir);
                    }
                }
            }
        }
        if root_manifest.package.is_some() {
            members.insert(root.to_path_buf());
        }
        let first_time = self.roots.insert(root.to_path_buf());

        // Path dependencies: inside the root they are members too (unless
        // excluded), outside it they are read as packages of their own.
        let mut queue: VecDeque<PathBuf> = members.iter().cloned().collect();
        let mut seen: BTreeSet<PathBuf> = members.clone();
        while let Some(dir) = queue.pop_front() {
            let inside = dir.starts_with(root)
                && root_manifest.workspace.as_ref().is_none_or(|section| {
                    !is_excluded(section, &slash(dir.strip_prefix(root).unwrap_or(&dir)))
                });
            let is_member = members.contains(&dir) || (inside && root_manifest.workspace.is_some());
            if !inside && !(self.may_read)(&dir) {
                continue;
            }
            let manifest = if dir == root {
                root_manifest.clone()
            } else {
                match read_manifest(&dir.join(MANIFEST_FILE)) {
                    Ok(manifest) => manifest,
                    Err(problem) => {
                        if first_time {
                            self.problems.push(problem);
                        }
                        continue;
                    }
                }
            };
            if manifest.package.is_none() {
                continue;
            }
            if is_member {
                members.insert(dir.clone());
            }
            for dependency in manifest.dependencies() {
                let path = match (&dependency.path, dependency.inherits) {
                    (Some(path), _) => Some(normal_path(&dir.join(path))),
                    (None, true) => root_manifest
                        .workspace
                        .as_ref()
                        .and_then(|section| section.dependencies.get(&dependency.key))
                        .and_then(|spec| spec.path.as_ref())
                        .map(|path| normal_path(&root.join(path))),
                    (None, false) => None,
                };
                if let Some(path) = path {
                    if path.join(MANIFEST_FILE).is_file() && seen.insert(path.clone()) {
                        queue.push_back(path);
                    }
                }
            }
            let entry = self.found.entry(dir.clone()).or_insert(FoundPackage {
                manifest,
                workspace_root: root.to_path_buf(),
                is_member,
            });
            entry.is_member |= is_member;
        }
        members
            .into_iter()
            .filter(|dir| self.found.contains_key(dir))
            .collect()
    }

    fn problem_once(&mut self, manifest: &Path, message: String) {
        let problem = ManifestProblem {
            manifest: manifest.to_path_buf(),
            line: None,
            message,
        };
        if !self.problems.contains(&problem) {
            self.problems.push(problem);
        }
    }

    /// The packages read, sorted by folder, with their targets and resolved
    /// dependencies; and the problems met, sorted.
    pub fn finish(self, root: PathBuf) -> (Workspace, Vec<ManifestProblem>) {
        let workspace = self.build(root);
        let mut problems = self.problems;
        problems.sort();
        problems.dedup();
        (workspace, problems)
    }

    /// What [`WorkspaceReader::finish`] would give now, reading on after.
    /// Ids may change as more packages are read: compare folders, not ids.
    pub fn snapshot(&self) -> Workspace {
        self.build(PathBuf::new())
    }

    fn build(&self, root: PathBuf) -> Workspace {
        let ids: BTreeMap<&Path, PackageId> = self
            .found
            .keys()
            .enumerate()
            .map(|(id, dir)| (dir.as_path(), id))
            .collect();
        let root_sections: BTreeMap<&Path, Option<WorkspaceSection>> = self
            .found
            .values()
            .map(|found| {
                let section = read_manifest(&found.workspace_root.join(MANIFEST_FILE))
                    .ok()
                    .and_then(|manifest| manifest.workspace);
                (found.workspace_root.as_path(), section)
            })
            .collect();
        // Crate names first: a dependency on a workspace package is named
        // in code by that package's library name.
        let crate_names: Vec<String> = self
            .found
            .values()
            .map(|found| crate_name_of(&found.manifest))
            .collect();

        let mut packages = Vec::new();
        for (dir, found) in &self.found {
            let Some(section) = &found.manifest.package else {
                continue;
            };
            let inherited = root_sections
                .get(found.workspace_root.as_path())
                .and_then(Option::as_ref);
            let mut dependencies = Vec::new();
            for raw in found.manifest.dependencies() {
                let spec = if raw.inherits {
                    inherited.and_then(|ws| ws.dependencies.get(&raw.key))
                } else {
                    None
                };
                let real_name = raw
                    .package
                    .clone()
                    .or_else(|| spec.and_then(|spec| spec.package.clone()))
                    .unwrap_or_else(|| raw.key.clone());
                let path = match (&raw.path, spec.and_then(|spec| spec.path.as_ref())) {
                    (Some(path), _) => Some(normal_path(&dir.join(path))),
                    (None, Some(path)) => Some(normal_path(&found.workspace_root.join(path))),
                    (None, None) => None,
                };
                let workspace_package = match path {
                    Some(path) => ids.get(path.as_path()).copied(),
                    None => self.found.iter().enumerate().find_map(|(id, (_, other))| {
                        let same_workspace = other.workspace_root == found.workspace_root;
                        let named = other
                            .manifest
                            .package
                            .as_ref()
                            .is_some_and(|package| package.name == real_name);
                        (same_workspace && named && other.is_member).then_some(id)
                    }),
                };
                let renamed = real_name != raw.key;
                let name_in_code = match workspace_package {
                    Some(id) if !renamed => crate_names[id].clone(),
                    _ => raw.key.replace('-', "_"),
                };
                dependencies.push(Dependency {
                    name_in_code,
                    package: real_name,
                    kind: raw.kind,
                    workspace_package,
                });
            }
            let inherited_field = |field: &Option<Field>, key: &str, default: &str| match field {
                Some(Field::Text(text)) => text.clone(),
                Some(Field::Inherited) => inherited
                    .and_then(|ws| ws.package_fields.get(key))
                    .cloned()
                    .unwrap_or_else(|| default.to_string()),
                None => default.to_string(),
            };
            packages.push(Package {
                name: section.name.clone(),
                crate_name: crate_name_of(&found.manifest),
                version: inherited_field(&section.version, "version", "0.0.0"),
                edition: inherited_field(&section.edition, "edition", "2015"),
                manifest_dir: dir.clone(),
                workspace_root: found.workspace_root.clone(),
                is_member: found.is_member,
                targets: targets_of(dir, &found.manifest),
                dependencies,
            });
        }
        Workspace { root, packages }
    }
}

const MANIFEST_FILE: &str = "Cargo.toml";

/// What connleak reads of a `Cargo.toml`.
#[derive(Debug, Clone, Default)]
struct Manifest {
    package: Option<PackageSection>,
    workspace: Option<WorkspaceSection>,
    lib: Option<TargetSpec>,
    bins: Vec<TargetSpec>,
    tests: Vec<TargetSpec>,
    benches: Vec<TargetSpec>,
    examples: Vec<TargetSpec>,
    raw_dependencies: Vec<RawDependency>,
}

impl Manifest {
    fn dependencies(&self) -> &[RawDependency] {
        &self.raw_dependencies
    }
}

#[derive(Debug, Clone, Default)]
struct PackageSection {
    name: String,
    version: Option<Field>,
    edition: Option<Field>,
    /// `package.workspace`: the path to the workspace root.
    workspace: Option<String>,
    autobins: bool,
    autotests: bool,
    autobenches: bool,
    autoexamples: bool,
    /// `build = "path"`; `None` when `build = false`.
    build: Option<String>,
}

#[derive(Debug, Clone)]
enum Field {
    Text(String),
    /// `field.workspace = true`.
    Inherited,
}

#[derive(Debug, Clone, Default)]
struct WorkspaceSection {
    members: Vec<String>,
    exclude: Vec<String>,
    /// `[workspace.dependencies]`.
    dependencies: BTreeMap<String, WorkspaceDependency>,
    /// `[workspace.package]`: the fields members inherit, as text.
    package_fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default)]
struct WorkspaceDependency {
    package: Option<String>,
    path: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct TargetSpec {
    name: Option<String>,
    path: Option<String>,
}

#[derive(Debug, Clone)]
struct RawDependency {
    key: String,
    package: Option<String>,
    path: Option<String>,
    /// `workspace = true`: the rest comes from `[workspace.dependencies]`.
    inherits: bool,
    kind: DepKind,
}

/// The dependency tables of a manifest, as cargo spells them.
const DEPENDENCY_TABLES: [(&str, DepKind); 5] = [
    ("dependencies", DepKind::Normal),
    ("dev-dependencies", DepKind::Dev),
    ("dev_dependencies", DepKind::Dev),
    ("build-dependencies", DepKind::Build),
    ("build_dependencies", DepKind::Build),
];

fn read_manifest(path: &Path) -> Result<Manifest, ManifestProblem> {
    let problem = |line: Option<u32>, message: String| ManifestProblem {
        manifest: path.to_path_buf(),
        line,
        message,
    };
    let text = fs::read_to_string(path)
        .map_err(|error| problem(None, format!("cannot read: {}", io_message(&error))))?;
    let document: Table = toml::from_str(&text).map_err(|error| {
        problem(
            error.span().map(|span| line_of(&text, span.start)),
            format!("invalid TOML: {}", error.message().trim_end()),
        )
    })?;
    parse_manifest(&document).map_err(|message| problem(None, message))
}

fn parse_manifest(document: &Table) -> Result<Manifest, String> {
    let mut manifest = Manifest::default();
    if let Some(package) = document.get("package").and_then(Value::as_table) {
        let name = package
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| String::from("[package] has no `name`"))?;
        let flag = |key: &str| package.get(key).and_then(Value::as_bool).unwrap_or(true);
        manifest.package = Some(PackageSection {
            name: name.to_string(),
            version: field(package.get("version")),
            edition: field(package.get("edition")),
            workspace: package
                .get("workspace")
                .and_then(Value::as_str)
                .map(str::to_string),
            autobins: flag("autobins"),
            autotests: flag("autotests"),
            autobenches: flag("autobenches"),
            autoexamples: flag("autoexamples"),
            build: match package.get("build") {
                Some(Value::String(path)) => Some(path.clone()),
                Some(Value::Boolean(false)) => None,
                _ => Some(String::from("build.rs")),
            },
        });
    }
    if let Some(workspace) = document.get("workspace").and_then(Value::as_table) {
        let strings = |key: &str| -> Vec<String> {
            workspace
                .get(key)
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        let dependencies = workspace
            .get("dependencies")
            .and_then(Value::as_table)
            .map(|table| {
                table
                    .iter()
                    .map(|(key, value)| {
                        let spec = value.as_table();
                        let text = |name: &str| {
                            spec.and_then(|spec| spec.get(name))
                                .and_then(Value::as_str)
                                .map(str::to_string)
                        };
                        (
                            key.clone(),
                            WorkspaceDependency {
                                package: text("package"),
                                path: text("path"),
                            },
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let package_fields = workspace
            .get("package")
            .and_then(Value::as_table)
            .map(|table| {
                table
                    .iter()
                    .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        manifest.workspace = Some(WorkspaceSection {
            members: strings("members"),
            exclude: strings("exclude"),
            dependencies,
            package_fields,
        });
    }
    let spec = |value: &Value| -> TargetSpec {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
        TargetSpec {
            name: text("name"),
            path: text("path"),
        }
    };
    manifest.lib = document.get("lib").filter(|v| v.is_table()).map(spec);
    let specs = |key: &str| -> Vec<TargetSpec> {
        document
            .get(key)
            .and_then(Value::as_array)
            .map(|items| items.iter().filter(|v| v.is_table()).map(spec).collect())
            .unwrap_or_default()
    };
    manifest.bins = specs("bin");
    manifest.tests = specs("test");
    manifest.benches = specs("bench");
    manifest.examples = specs("example");

    let mut holders = vec![document];
    if let Some(targets) = document.get("target").and_then(Value::as_table) {
        holders.extend(targets.values().filter_map(Value::as_table));
    }
    for (table_name, kind) in DEPENDENCY_TABLES {
        for holder in &holders {
            let Some(table) = holder.get(table_name).and_then(Value::as_table) else {
                continue;
            };
            for (key, value) in table {
                let spec = value.as_table();
                let text = |name: &str| {
                    spec.and_then(|spec| spec.get(name))
                        .and_then(Value::as_str)
                        .map(str::to_string)
                };
                manifest.raw_dependencies.push(RawDependency {
                    key: key.clone(),
                    package: text("package"),
                    path: text("path"),
                    inherits: spec
                        .and_then(|spec| spec.get("workspace"))
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    kind,
                });
            }
        }
    }
    Ok(manifest)
}

/// The real package names of every dependency a manifest declares (its
/// `[workspace.dependencies]` too), for a file outside every package that
/// sits below it.
pub fn declared_dependency_names(manifest: &Path) -> Result<BTreeSet<String>, ManifestProblem> {
    let read = read_manifest(manifest)?;
    let mut names: BTreeSet<String> = read
        .raw_dependencies
        .iter()
        .map(|dependency| {
            dependency
                .package
                .clone()
                .unwrap_or_else(|| dependency.key.clone())
        })
        .collect();
    if let Some(section) = &read.workspace {
        for (key, spec) in &section.dependencies {
            names.insert(spec.package.clone().unwrap_or_else(|| key.clone()));
        }
    }
    Ok(names)
}

/// `version = "1.0"` or `version.workspace = true`.
fn field(value: Option<&Value>) -> Option<Field> {
    match value? {
        Value::String(text) => Some(Field::Text(text.clone())),
        Value::Table(table) if table.get("workspace").and_then(Value::as_bool) == Some(true) => {
            Some(Field::Inherited)
        }
        _ => None,
    }
}

fn crate_name_of(manifest: &Manifest) -> String {
    manifest
        .lib
        .as_ref()
        .and_then(|lib| lib.name.clone())
        .or_else(|| {
            manifest
                .package
                .as_ref()
                .map(|package| package.name.clone())
        })
        .unwrap_or_default()
        .replace('-', "_")
}

/// The targets of the package in `dir`, as cargo finds them: the ones the
/// manifest declares (with their default paths), then, unless switched off
/// (`autobins = false`...), the conventional files: `src/lib.rs`,
/// `src/main.rs`, `src/bin/*.rs`, `src/bin/*/main.rs`, the same two shapes
/// under `tests/`, `benches/` and `examples/`, and `build.rs`. A declared
/// target whose file does not exist is left out.
fn targets_of(dir: &Path, manifest: &Manifest) -> Vec<Target> {
    let Some(package) = &manifest.package else {
        return Vec::new();
    };
    let mut targets = Vec::new();
    let lib_path = manifest
        .lib
        .as_ref()
        .and_then(|lib| lib.path.clone())
        .unwrap_or_else(|| String::from("src/lib.rs"));
    let lib_root = normal_path(&dir.join(&lib_path));
    if lib_root.is_file() {
        targets.push(Target {
            kind: TargetKind::Lib,
            name: crate_name_of(manifest),
            root: lib_root,
        });
    }

    let kinds = [
        (TargetKind::Bin, &manifest.bins, package.autobins, "src/bin"),
        (
            TargetKind::Test,
            &manifest.tests,
            package.autotests,
            "tests",
        ),
        (
            TargetKind::Bench,
            &manifest.benches,
            package.autobenches,
            "benches",
        ),
        (
            TargetKind::Example,
            &manifest.examples,
            package.autoexamples,
            "examples",
        ),
    ];
    for (kind, declared, auto, folder) in kinds {
        // name -> root; declared entries win over discovered ones.
        let mut by_name: BTreeMap<String, PathBuf> = BTreeMap::new();
        if auto {
            if kind == TargetKind::Bin {
                let main = dir.join("src/main.rs");
                if main.is_file() {
                    by_name.insert(package.name.clone(), main);
                }
            }
            for (name, root) in conventional_targets(&dir.join(folder)) {
                by_name.insert(name, root);
            }
        }
        for spec in declared.iter() {
            let name = match (&spec.name, &spec.path) {
                (Some(name), _) => name.clone(),
                (None, Some(path)) => file_stem(Path::new(path)),
                (None, None) => continue,
            };
            let root = match &spec.path {
                Some(path) => normal_path(&dir.join(path)),
                None => {
                    let candidates = [
                        (kind == TargetKind::Bin && name == package.name)
                            .then(|| dir.join("src/main.rs")),
                        Some(dir.join(folder).join(format!("{name}.rs"))),
                        Some(dir.join(folder).join(&name).join("main.rs")),
                    ];
                    match candidates.into_iter().flatten().find(|path| path.is_file()) {
                        Some(path) => path,
                        None => continue,
                    }
                }
            };
            // A declared target at a discovered one's path replaces it.
            by_name.retain(|_, existing| *existing != root);
            by_name.insert(name, root);
        }
        for (name, root) in by_name {
            if root.is_file() {
                targets.push(Target { kind, name, root });
            }
        }
    }
    if let Some(build) = &package.build {
        let root = normal_path(&dir.join(build));
        if root.is_file() {
            targets.push(Target {
                kind: TargetKind::BuildScript,
                name: String::from("build-script-build"),
                root,
            });
        }
    }
    targets
}

/// `folder/*.rs` and `folder/*/main.rs`, by name, sorted.
fn conventional_targets(folder: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            let main = path.join("main.rs");
            if main.is_file() {
                found.push((name, main));
            }
        } else if let Some(stem) = name.strip_suffix(".rs") {
            found.push((stem.to_string(), path));
        }
    }
    found.sort();
    found
}

fn file_stem(path: &Path) -> String {
    path.file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The folders `pattern` (a `members` entry, relative to `root`, globs
/// allowed: `crates/*`, `libs/**`) names that hold a `Cargo.toml`, sorted.
fn expand_member_pattern(root: &Path, pattern: &str) -> Vec<PathBuf> {
    let Some(glob) = member_pattern(pattern) else {
        return Vec::new();
    };
    if !has_glob_characters(pattern) {
        let dir = normal_path(&root.join(pattern));
        return if dir.join(MANIFEST_FILE).is_file() {
            vec![dir]
        } else {
            Vec::new()
        };
    }
    // Walk only as deep as the pattern can reach, below its literal start.
    let literal: Vec<&str> = pattern
        .split('/')
        .take_while(|part| !has_glob_characters(part))
        .collect();
    let start = root.join(literal.join("/"));
    let depth = if pattern.contains("**") {
        usize::MAX
    } else {
        pattern.split('/').count() - literal.len()
    };
    let mut found = Vec::new();
    let mut stack = vec![(start, 0usize)];
    while let Some((dir, level)) = stack.pop() {
        if level > 0 {
            let relative = slash(dir.strip_prefix(root).unwrap_or(&dir));
            if glob.is_match(&relative) && dir.join(MANIFEST_FILE).is_file() {
                found.push(normal_path(&dir));
            }
        }
        if level >= depth {
            continue;
        }
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || name == "target" {
                continue;
            }
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                stack.push((entry.path(), level + 1));
            }
        }
    }
    found.sort();
    found
}

fn member_dirs(section: &WorkspaceSection, root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = section
        .members
        .iter()
        .flat_map(|pattern| expand_member_pattern(root, pattern))
        .filter(|dir| !is_excluded(section, &slash(dir.strip_prefix(root).unwrap_or(dir))))
        .collect();
    dirs.push(root.to_path_buf());
    dirs.sort();
    dirs.dedup();
    dirs
}

fn has_glob_characters(text: &str) -> bool {
    text.contains(['*', '?', '[', '{'])
}

/// A `members` or `exclude` entry as a glob over `/`-separated paths
/// relative to the root (`*` does not cross a `/`).
fn member_pattern(pattern: &str) -> Option<GlobMatcher> {
    let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .ok()
        .map(|glob| glob.compile_matcher())
}

/// `exclude` entries are paths (or globs): a folder is excluded when it, or
/// a folder above it, is one of them.
fn is_excluded(section: &WorkspaceSection, relative: &str) -> bool {
    let globs: Vec<GlobMatcher> = section
        .exclude
        .iter()
        .filter_map(|pattern| member_pattern(pattern))
        .collect();
    let mut prefix = String::new();
    for part in relative.split('/') {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(part);
        if globs.iter().any(|glob| glob.is_match(&prefix)) {
            return true;
        }
    }
    false
}

/// The files an out-of-line `mod NAME;` may be in, by Rust's rules, most
/// likely first (the first that exists is the one):
///
/// - `declaring_file` is the file the declaration is written in.
///   `owns_its_folder` says whether its child modules live next to it: true
///   for a crate root (`lib.rs`, `main.rs`, any target root), a `mod.rs`,
///   and a file reached through `#[path]`; false for `foo.rs`, whose child
///   modules live in `foo/`.
/// - `inline_modules` are the inline `mod a { ... }` blocks the declaration
///   sits in, outermost first, each with its own `#[path]` if it has one.
/// - `path_attribute` is the declaration's `#[path = "..."]`: relative to
///   the declaring file's folder at the top of a file, and to the folder
///   the inline modules lead to inside them.
pub fn module_file_candidates(
    declaring_file: &Path,
    owns_its_folder: bool,
    inline_modules: &[(Name, Option<Name>)],
    name: &str,
    path_attribute: Option<&str>,
) -> Vec<PathBuf> {
    let folder = declaring_file.parent().unwrap_or(Path::new(""));
    if let (Some(path), true) = (path_attribute, inline_modules.is_empty()) {
        return vec![normal_path(&folder.join(path))];
    }
    let mut base = if owns_its_folder {
        folder.to_path_buf()
    } else {
        folder.join(file_stem(declaring_file))
    };
    for (inline_name, inline_path) in inline_modules {
        base = base.join(inline_path.as_deref().unwrap_or(inline_name.as_str()));
    }
    match path_attribute {
        Some(path) => vec![normal_path(&base.join(path))],
        None => vec![
            normal_path(&base.join(format!("{name}.rs"))),
            normal_path(&base.join(name).join("mod.rs")),
        ],
    }
}

/// `dir/..` and `.` folded away, without touching the file system (a
/// symlink is not resolved: the path stays the one the user sees).
pub fn normal_path(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !normal.pop() {
                    normal.push("..");
                }
            }
            other => normal.push(other.as_os_str()),
        }
    }
    normal
}

/// A relative path with `/` separators.
fn slash(path: &Path) -> String {
    path.components()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> u32 {
    let end = offset.min(text.len());
    let newlines = text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

/// An io error without the "(os error N)" suffix, lowercase like our messages.
pub(crate) fn io_message(error: &std::io::Error) -> String {
    let text = error.to_string();
    let text = match text.find(" (os error") {
        Some(end) => text[..end].to_string(),
        None => text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `files` (path, content) under a fresh temporary folder, and
    /// returns it with its canonical path (the reader works on those).
    fn tree(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("temporary folder");
        for (path, content) in files {
            let path = dir.path().join(path);
            fs::create_dir_all(path.parent().expect("has a parent")).expect("create folders");
            fs::write(path, content).expect("write file");
        }
        let root = fs::canonicalize(dir.path()).expect("canonical");
        (dir, root)
    }

    fn read(root: &Path) -> Workspace {
        let anywhere = |_: &Path| true;
        let mut reader = WorkspaceReader::new(&anywhere);
        reader.read_workspace(&workspace_root_of(root));
        let (workspace, problems) = reader.finish(root.to_path_buf());
        assert!(problems.is_empty(), "{problems:?}");
        workspace
    }

    fn package<'w>(workspace: &'w Workspace, name: &str) -> &'w Package {
        workspace
            .packages
            .iter()
            .find(|package| package.name == name)
            .unwrap_or_else(|| panic!("no package {name}"))
    }

    fn names(workspace: &Workspace) -> Vec<(&str, bool)> {
        workspace
            .packages
            .iter()
            .map(|package| (package.name.as_str(), package.is_member))
            .collect()
    }

    #[test]
    fn members_and_exclude_globs_decide_the_workspace() {
        let (_dir, root) = tree(&[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"crates/*\", \"apps/**\"]\nexclude = [\"crates/old*\"]\n",
            ),
            ("crates/a/Cargo.toml", "[package]\nname = \"a\"\n"),
            ("crates/old-b/Cargo.toml", "[package]\nname = \"old-b\"\n"),
            ("crates/notes/README.md", ""),
            (
                "apps/web/server/Cargo.toml",
                "[package]\nname = \"server\"\n",
            ),
            (
                "nested/Cargo.toml",
                "[workspace]\n[package]\nname = \"nested\"\n",
            ),
        ]);
        let workspace = read(&root);
        assert_eq!(names(&workspace), [("server", true), ("a", true)]);
        // A workspace of its own below the root is not a member; nor is an
        // excluded crate, which stands alone.
        assert_eq!(workspace_root_of(&root.join("nested")), root.join("nested"));
        assert_eq!(
            workspace_root_of(&root.join("crates/old-b")),
            root.join("crates/old-b")
        );
        assert_eq!(workspace_root_of(&root.join("crates/a")), root);
    }

    #[test]
    fn path_dependencies_inside_the_root_are_members_outside_they_are_not() {
        let (_dir, root) = tree(&[
            ("ws/Cargo.toml", "[workspace]\nmembers = [\"app\"]\n"),
            (
                "ws/app/Cargo.toml",
                "[package]\nname = \"app\"\n[dependencies]\nutil = { path = \"../util\" }\nshared = { path = \"../../shared\" }\n",
            ),
            ("ws/util/Cargo.toml", "[package]\nname = \"util\"\n"),
            ("shared/Cargo.toml", "[package]\nname = \"shared\"\n"),
        ]);
        let workspace = read(&root.join("ws"));
        assert_eq!(
            names(&workspace),
            [("shared", false), ("app", true), ("util", true)]
        );
        assert_eq!(workspace_root_of(&root.join("ws/util")), root.join("ws"));
        // Not read at all where the caller forbids it.
        let nowhere_else = |dir: &Path| dir.starts_with(root.join("ws"));
        let mut reader = WorkspaceReader::new(&nowhere_else);
        reader.read_workspace(&root.join("ws"));
        let (workspace, _) = reader.finish(root.join("ws"));
        assert_eq!(names(&workspace), [("app", true), ("util", true)]);
    }

    #[test]
    fn dependencies_renamed_inherited_target_specific_and_of_every_kind() {
        let (_dir, root) = tree(&[
            (
                "Cargo.toml",
                r#"[workspace]
members = ["app", "db-layer"]
[workspace.dependencies]
sqlx = { version = "0.8", features = ["postgres"] }
pg = { package = "tokio-postgres", version = "0.7" }
db-layer = { path = "db-layer" }
"#,
            ),
            (
                "app/Cargo.toml",
                r#"[package]
name = "app"
[dependencies]
sqlx = { workspace = true }
db = { package = "db-layer", path = "../db-layer" }
pg.workspace = true
serde-json = "1"
[dev-dependencies]
tempfile = "3"
[build-dependencies]
cc = "1"
[target.'cfg(unix)'.dependencies]
mysql_async = "0.34"
"#,
            ),
            (
                "db-layer/Cargo.toml",
                "[package]\nname = \"db-layer\"\n[lib]\nname = \"storage\"\n",
            ),
            ("db-layer/src/lib.rs", ""),
        ]);
        let workspace = read(&root);
        let app = package(&workspace, "app");
        let db_layer = workspace
            .packages
            .iter()
            .position(|package| package.name == "db-layer");
        let rows: Vec<(&str, &str, DepKind, Option<PackageId>)> = app
            .dependencies
            .iter()
            .map(|d| {
                (
                    d.name_in_code.as_str(),
                    d.package.as_str(),
                    d.kind,
                    d.workspace_package,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("db", "db-layer", DepKind::Normal, db_layer),
                ("pg", "tokio-postgres", DepKind::Normal, None),
                ("serde_json", "serde-json", DepKind::Normal, None),
                ("sqlx", "sqlx", DepKind::Normal, None),
                ("mysql_async", "mysql_async", DepKind::Normal, None),
                ("tempfile", "tempfile", DepKind::Dev, None),
                ("cc", "cc", DepKind::Build, None),
            ]
        );
        assert_eq!(package(&workspace, "db-layer").crate_name, "storage");
    }

    #[test]
    fn a_workspace_package_is_named_by_its_library_name_and_found_by_name() {
        let (_dir, root) = tree(&[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"a\", \"b-crate\"]\n",
            ),
            (
                "a/Cargo.toml",
                "[package]\nname = \"a\"\n[dependencies]\nb-crate = \"0.1\"\n",
            ),
            (
                "b-crate/Cargo.toml",
                "[package]\nname = \"b-crate\"\n[lib]\nname = \"bee\"\n",
            ),
        ]);
        let workspace = read(&root);
        let dependency = &package(&workspace, "a").dependencies[0];
        assert_eq!(dependency.name_in_code, "bee");
        assert_eq!(
            dependency.workspace_package,
            workspace.packages.iter().position(|p| p.name == "b-crate")
        );
    }

    #[test]
    fn targets_follow_cargo_discovery_and_declared_paths() {
        let (_dir, root) = tree(&[
            (
                "Cargo.toml",
                r#"[package]
name = "my-app"
version = "1.2.3"
edition = "2024"
[lib]
path = "lib/root.rs"
[[bin]]
name = "tool"
path = "tools/tool.rs"
[[bin]]
name = "extra"
"#,
            ),
            ("lib/root.rs", ""),
            ("src/main.rs", ""),
            ("src/bin/admin.rs", ""),
            ("src/bin/big/main.rs", ""),
            ("src/bin/extra.rs", ""),
            ("tools/tool.rs", ""),
            ("tests/api.rs", ""),
            ("tests/suite/main.rs", ""),
            ("tests/suite/helper.rs", ""),
            ("benches/load.rs", ""),
            ("examples/demo.rs", ""),
            ("build.rs", ""),
        ]);
        let workspace = read(&root);
        let app = package(&workspace, "my-app");
        assert_eq!(
            (app.version.as_str(), app.edition.as_str()),
            ("1.2.3", "2024")
        );
        let targets: Vec<(TargetKind, &str, String)> = app
            .targets
            .iter()
            .map(|t| {
                let root_file = t.root.strip_prefix(&root).expect("inside");
                (t.kind, t.name.as_str(), slash(root_file))
            })
            .collect();
        let expected: Vec<(TargetKind, &str, String)> = [
            (TargetKind::Lib, "my_app", "lib/root.rs"),
            (TargetKind::Bin, "admin", "src/bin/admin.rs"),
            (TargetKind::Bin, "big", "src/bin/big/main.rs"),
            (TargetKind::Bin, "extra", "src/bin/extra.rs"),
            (TargetKind::Bin, "my-app", "src/main.rs"),
            (TargetKind::Bin, "tool", "tools/tool.rs"),
            (TargetKind::Test, "api", "tests/api.rs"),
            (TargetKind::Test, "suite", "tests/suite/main.rs"),
            (TargetKind::Bench, "load", "benches/load.rs"),
            (TargetKind::Example, "demo", "examples/demo.rs"),
            (TargetKind::BuildScript, "build-script-build", "build.rs"),
        ]
        .into_iter()
        .map(|(kind, name, path)| (kind, name, path.to_string()))
        .collect();
        assert_eq!(targets, expected);
    }

    #[test]
    fn auto_discovery_can_be_switched_off_and_versions_inherited() {
        let (_dir, root) = tree(&[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"a\"]\n[workspace.package]\nversion = \"2.0.0\"\nedition = \"2021\"\n",
            ),
            (
                "a/Cargo.toml",
                "[package]\nname = \"a\"\nversion.workspace = true\nedition = { workspace = true }\nautobins = false\nautotests = false\nbuild = false\n",
            ),
            ("a/src/lib.rs", ""),
            ("a/src/bin/hidden.rs", ""),
            ("a/tests/t.rs", ""),
            ("a/build.rs", ""),
        ]);
        let workspace = read(&root);
        let a = package(&workspace, "a");
        assert_eq!((a.version.as_str(), a.edition.as_str()), ("2.0.0", "2021"));
        let kinds: Vec<TargetKind> = a.targets.iter().map(|t| t.kind).collect();
        assert_eq!(kinds, [TargetKind::Lib]);
    }

    #[test]
    fn crates_only_dev_dependencies_reach_are_test_only() {
        let (_dir, root) = tree(&[
            ("ws/Cargo.toml", "[workspace]\nmembers = [\"*\"]\n"),
            (
                "ws/app/Cargo.toml",
                "[package]\nname = \"app\"\n[dependencies]\ncore = { path = \"../core\" }\n[dev-dependencies]\nfixtures = { path = \"../fixtures\" }\n",
            ),
            // The library and its test helpers depend on each other.
            (
                "ws/core/Cargo.toml",
                "[package]\nname = \"core\"\n[dev-dependencies]\nfixtures = { path = \"../fixtures\" }\n",
            ),
            (
                "ws/fixtures/Cargo.toml",
                "[package]\nname = \"fixtures\"\n[dependencies]\ncore = { path = \"../core\" }\nmocks = { path = \"../../mocks\" }\n",
            ),
            // Outside the workspace, used by the helpers alone.
            ("mocks/Cargo.toml", "[package]\nname = \"mocks\"\n"),
        ]);
        let workspace = read(&root.join("ws"));
        let test_only: Vec<&str> = workspace
            .test_only_packages()
            .into_iter()
            .map(|id| workspace.packages[id].name.as_str())
            .collect();
        assert_eq!(test_only, ["mocks", "fixtures"]);
    }

    #[test]
    fn a_broken_manifest_is_a_problem_with_its_line_and_the_rest_is_read() {
        let (_dir, root) = tree(&[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"a\", \"b\", \"missing\"]\n",
            ),
            ("a/Cargo.toml", "[package]\nname = \"a\"\n"),
            ("b/Cargo.toml", "[package]\nname = \"b\"\n[dependencies\n"),
        ]);
        let anywhere = |_: &Path| true;
        let mut reader = WorkspaceReader::new(&anywhere);
        reader.read_workspace(&root);
        let (workspace, problems) = reader.finish(root.clone());
        assert_eq!(names(&workspace), [("a", true)]);
        let described: Vec<(String, Option<u32>, bool)> = problems
            .iter()
            .map(|p| {
                (
                    slash(p.manifest.strip_prefix(&root).expect("inside")),
                    p.line,
                    p.message.starts_with("invalid TOML") || p.message.contains("`missing`"),
                )
            })
            .collect();
        assert_eq!(
            described,
            [
                (String::from("Cargo.toml"), None, true),
                (String::from("b/Cargo.toml"), Some(3), true),
            ]
        );
    }

    #[test]
    fn module_files_follow_rusts_rules() {
        let file = |path: &str| PathBuf::from(path);
        let inline = |parts: &[(&str, Option<&str>)]| -> Vec<(Name, Option<Name>)> {
            parts
                .iter()
                .map(|(name, path)| (Name::from(*name), path.map(Name::from)))
                .collect()
        };
        // A crate root or mod.rs keeps its children beside it.
        assert_eq!(
            module_file_candidates(&file("/c/src/lib.rs"), true, &[], "db", None),
            [file("/c/src/db.rs"), file("/c/src/db/mod.rs")]
        );
        // `foo.rs` keeps them in `foo/`.
        assert_eq!(
            module_file_candidates(&file("/c/src/db.rs"), false, &[], "pool", None),
            [file("/c/src/db/pool.rs"), file("/c/src/db/pool/mod.rs")]
        );
        // `#[path]` at the top of a file: beside the file, whatever it is.
        assert_eq!(
            module_file_candidates(
                &file("/c/src/db.rs"),
                false,
                &[],
                "t",
                Some("../tests/t.rs")
            ),
            [file("/c/tests/t.rs")]
        );
        // Inside inline modules: their names are folders, or their own
        // `#[path]`; a non-mod-rs file adds its own name first.
        assert_eq!(
            module_file_candidates(
                &file("/c/src/db.rs"),
                false,
                &inline(&[("a", None), ("b", Some("bee"))]),
                "c",
                None
            ),
            [
                file("/c/src/db/a/bee/c.rs"),
                file("/c/src/db/a/bee/c/mod.rs")
            ]
        );
        assert_eq!(
            module_file_candidates(
                &file("/c/src/lib.rs"),
                true,
                &inline(&[("tests", None)]),
                "x",
                Some("x_tests.rs")
            ),
            [file("/c/src/tests/x_tests.rs")]
        );
    }
}
