//! Which files to check, and what each one is. From the PATHs (or `-p`,
//! `--workspace`, `--exclude`, `--manifest-path`), it finds the cargo
//! workspaces that enclose them and reads each one whole (the crate graph
//! in [`crate::workspace`]), because a connection acquired in one member is
//! often leaked in another; and it marks which files were asked for, the
//! only ones whose findings are reported. Also the configuration that
//! applies to each file, the dependency names that switch rule packs on,
//! and the display names of files: relative to the workspace root (or the
//! one folder given, or the current folder when several unrelated things
//! are given).
//!
//! A workspace is what its `Cargo.toml` files say (members, exclude, path
//! dependencies), never what a folder walk happens to meet: a package's
//! files are the `.rs` files of its targets' folders (`src/`, `tests/`,
//! `benches/`, `examples/`, and the folder of any target root a manifest
//! names elsewhere), skipping folders with a `Cargo.toml` of their own. A
//! folder outside every target (fixtures, scripts) is walked as plain files
//! when it is given as a PATH. Walks honour `.gitignore`, `.ignore`, git's
//! global excludes, and skip hidden folders and `target/`; they never follow
//! a symlink out of the repository (or, outside git, the workspace or PATH)
//! unless asked to. Output is sorted: nothing here depends on the order the
//! file system lists things in.
//!
//! Problems with single paths (missing, unreadable, a symlink loop, a
//! manifest that does not parse) become [`FileError`]s and discovery goes
//! on with the rest. Problems with the configuration, and a selection that
//! names no package, are returned apart: they stop the run before it
//! starts. Never runs cargo.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{GlobBuilder, GlobMatcher};
use toml::de::DeTable;

use crate::config::{self, Config, ConfigError};
use crate::source::FileError;
use crate::spelling;
use crate::workspace::{
    self, io_message, normal_path, ManifestProblem, PackageId, TargetKind, Workspace,
    WorkspaceReader,
};

/// What the command line asks to check.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Files, folders or manifests; empty means the current folder.
    pub paths: Vec<PathBuf>,
    pub selection: Selection,
    /// `--config FILE`: the only configuration, instead of those found in
    /// the tree.
    pub config_file: Option<PathBuf>,
    /// Read files that a symlink (or a `path` dependency) places outside
    /// the repository.
    pub follow_external_symlinks: bool,
}

/// cargo's package selection, over the workspace of `--manifest-path` or of
/// the current folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// `-p NAME` (repeatable, globs allowed): these members only.
    pub packages: Vec<String>,
    /// `--workspace`: every member.
    pub workspace: bool,
    /// `--exclude NAME` (with `--workspace`): every member but these.
    pub exclude: Vec<String>,
    pub manifest_path: Option<PathBuf>,
}

impl Selection {
    pub fn is_active(&self) -> bool {
        !self.packages.is_empty() || self.workspace || self.manifest_path.is_some()
    }
}

/// A file to check.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DiscoveredFile {
    /// Absolute and lexically normal (a symlink keeps its own name).
    pub path: PathBuf,
    /// Relative to [`Discovery::display_root`], `/`-separated; absolute
    /// when the file is outside it.
    pub display: String,
    /// The package it belongs to: the nearest package folder above it.
    /// `None` for a file outside every package of the run.
    pub package: Option<PackageId>,
    /// Asked for: its findings are reported. The others are read so that
    /// connections can be followed through them.
    pub reported: bool,
    /// The configuration that applies to it: an index into
    /// [`Discovery::scopes`].
    pub scope: usize,
    /// In an integration test, bench or example folder of its package, or
    /// in a package only dev-dependencies reach (for a file outside every
    /// package: under a folder named `tests`, `benches` or `examples`).
    pub test_area: bool,
}

/// The configuration of a set of files: every source that applies to them,
/// outermost first, so that applying them in order lets the nearer win.
#[derive(Debug, Clone, Default)]
pub struct ConfigScope {
    pub layers: Vec<ConfigLayer>,
    /// Sources that exist but do not apply, and why (`connleak.toml` wins
    /// over the `Cargo.toml` tables of its folder).
    pub overridden: Vec<String>,
    /// What it applies to, for `-v`: package names, or folders.
    pub applies_to: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ConfigLayer {
    /// The file, as the run names it (`crates/app/connleak.toml`).
    pub source: String,
    /// The folder its `exclude` globs are relative to: the file's own.
    pub base: PathBuf,
    pub config: Config,
}

#[derive(Debug, Default)]
pub struct Discovery {
    /// Sorted by display name.
    pub files: Vec<DiscoveredFile>,
    pub errors: Vec<FileError>,
    /// A configuration that cannot be used: the run must not start.
    pub config_errors: Vec<ConfigError>,
    /// `-p` naming no member, a manifest that is not there: the run must
    /// not start.
    pub selection_errors: Vec<String>,
    pub scopes: Vec<ConfigScope>,
    /// Real package names of the dependencies of every package read (for
    /// files outside every package, of the manifests above them).
    pub dependencies: BTreeSet<String>,
    /// Every package read; `files[i].package` indexes it.
    pub workspace: Workspace,
    /// The folder display names are relative to, absolute.
    pub display_root: PathBuf,
    /// The git work tree the display root is in, if any.
    pub repository_root: Option<PathBuf>,
    /// What was left out and why, for `-v`: symlinks that lead out of the
    /// repository, packages inside a workspace that are not its members.
    pub notes: Vec<String>,
}

const CONFIG_FILE: &str = "connleak.toml";
const MANIFEST_FILE: &str = "Cargo.toml";

/// What one input asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Asked {
    /// Every file under this folder (or this file).
    Under(PathBuf),
    /// The files of these packages (their folders).
    Packages(Vec<PathBuf>),
}

/// One input, once its workspace (if any) is known.
#[derive(Debug, Clone)]
struct Input {
    /// As the user wrote it, for messages.
    given: String,
    asked: Asked,
    /// The folder its files are best named from.
    anchor: PathBuf,
}

pub fn discover(request: &Request) -> Discovery {
    let mut discovery = Discovery::default();
    let cwd = match std::env::current_dir() {
        Ok(cwd) => cwd,
        Err(error) => {
            discovery.selection_errors.push(format!(
                "cannot read the current folder: {}",
                io_message(&error)
            ));
            return discovery;
        }
    };
    let follow = request.follow_external_symlinks;

    // Which repositories the inputs are in: what symlinks and path
    // dependencies may lead into.
    let mut allowed_roots: BTreeSet<PathBuf> = BTreeSet::new();
    let start_points: Vec<PathBuf> = if request.selection.is_active() {
        vec![request
            .selection
            .manifest_path
            .as_ref()
            .map(|path| absolute(&cwd, path))
            .unwrap_or_else(|| cwd.clone())]
    } else if request.paths.is_empty() {
        vec![cwd.clone()]
    } else {
        request
            .paths
            .iter()
            .map(|path| absolute(&cwd, path))
            .collect()
    };
    for start in &start_points {
        if let Some(repository) = repository_root_of(start) {
            allowed_roots.insert(repository);
        }
    }
    let may_read = |dir: &Path| follow || allowed_roots.iter().any(|root| dir.starts_with(root));
    let mut reader = WorkspaceReader::new(&may_read);

    let mut inputs: Vec<Input> = Vec::new();
    // Folders walked as plain files (no package covers them): folder ->
    // what was given, and files given that no target covers.
    let mut plain_folders: Vec<(PathBuf, String)> = Vec::new();
    let mut loose_files: Vec<(PathBuf, String)> = Vec::new();

    if request.selection.is_active() {
        if let Some(input) = select_packages(request, &cwd, &mut reader, &mut discovery) {
            inputs.push(input);
        }
    } else {
        let given_paths = if request.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            request.paths.clone()
        };
        for given_path in &given_paths {
            let given = normalise(given_path);
            let path = absolute(&cwd, given_path);
            let metadata = match fs::metadata(&path) {
                Ok(metadata) => metadata,
                Err(error) => {
                    let message = if error.kind() == std::io::ErrorKind::NotFound {
                        String::from("no such file or directory")
                    } else {
                        format!("cannot read: {}", io_message(&error))
                    };
                    discovery.errors.push(file_error(given, None, message));
                    continue;
                }
            };
            if metadata.is_file() && path.file_name().is_some_and(|name| name == MANIFEST_FILE) {
                // A manifest given as PATH means that manifest, as
                // `--manifest-path` does.
                let dir = parent_of(&path);
                if let Some(input) = manifest_input(&dir, given, &mut reader, &mut discovery) {
                    inputs.push(input);
                }
                continue;
            }
            if !metadata.is_file() && !metadata.is_dir() {
                discovery.errors.push(file_error(
                    given,
                    None,
                    String::from("not a file or directory"),
                ));
                continue;
            }
            let folder = if metadata.is_dir() {
                path.clone()
            } else {
                parent_of(&path)
            };
            // Read the workspace for good only when it owns the path: a
            // folder of fixtures inside a crate is not that crate.
            let covering = nearest_manifest_dir(&folder).and_then(|manifest_dir| {
                let root = workspace::workspace_root_of(&manifest_dir);
                let mut probe = WorkspaceReader::new(&may_read);
                probe.read_workspace(&root);
                covers(&probe.snapshot(), &root, &path, metadata.is_dir()).then_some(root)
            });
            match covering {
                Some(root) => {
                    reader.read_workspace(&root);
                    inputs.push(Input {
                        given,
                        asked: Asked::Under(path),
                        anchor: root,
                    });
                }
                None if metadata.is_dir() => plain_folders.push((path, given)),
                None => loose_files.push((path, given)),
            }
        }
    }

    // A folder that no package covers is walked as it is; a package met
    // in it is read with its workspace, and reported for what lies under
    // the folder.
    let mut plain_files: Vec<(PathBuf, PathBuf)> = Vec::new(); // (file, folder given)
                                                               // Named once the display root is known.
    let mut plain_walk_problems: Vec<WalkResult> = Vec::new();
    for (folder, given) in &plain_folders {
        let boundary: Vec<PathBuf> = allowed_roots
            .iter()
            .cloned()
            .chain(std::iter::once(folder.clone()))
            .collect();
        let walked = walk(
            folder,
            true,
            follow,
            &boundary,
            repository_root_of(folder).is_some(),
        );
        for manifest_dir in &walked.package_dirs {
            reader.read_workspace(&workspace::workspace_root_of(manifest_dir));
        }
        for file in walked.files {
            plain_files.push((file, folder.clone()));
        }
        plain_walk_problems.push(WalkResult {
            errors: walked.errors,
            external_symlinks: walked.external_symlinks,
            ..WalkResult::default()
        });
        // The folder itself is an input too: for its display anchor and
        // for "nothing under it".
        inputs.push(Input {
            given: given.clone(),
            asked: Asked::Under(folder.clone()),
            anchor: folder.clone(),
        });
    }
    for (file, given) in &loose_files {
        inputs.push(Input {
            given: given.clone(),
            asked: Asked::Under(file.clone()),
            anchor: cwd.clone(),
        });
    }

    let mut anchors: Vec<&PathBuf> = inputs.iter().map(|input| &input.anchor).collect();
    anchors.sort();
    anchors.dedup();
    let display_root = match anchors.as_slice() {
        [only] => (*only).clone(),
        _ => cwd.clone(),
    };
    let (graph, problems) = reader.finish(display_root.clone());
    discovery.display_root = display_root.clone();
    discovery.repository_root = repository_root_of(&display_root);
    for problem in problems {
        discovery
            .errors
            .push(manifest_error(&problem, &display_root));
    }
    for walked in &plain_walk_problems {
        absorb_walk_problems(walked, &display_root, &mut discovery);
    }

    let mut boundary: Vec<PathBuf> = allowed_roots.iter().cloned().collect();
    boundary.extend(graph.packages.iter().map(|p| p.workspace_root.clone()));
    boundary.extend(plain_folders.iter().map(|(folder, _)| folder.clone()));

    // Configuration, per package and per plain file.
    let mut configs = ConfigReader {
        display_root: &display_root,
        folders: BTreeMap::new(),
        errors: Vec::new(),
        only: request
            .config_file
            .as_ref()
            .map(|file| absolute(&cwd, file)),
        scopes: Vec::new(),
        scope_ids: BTreeMap::new(),
    };
    let package_scopes: Vec<usize> = graph
        .packages
        .iter()
        .map(|package| {
            let chain = folder_chain(&package.workspace_root, &package.manifest_dir);
            configs.scope_of(&chain, &package.name)
        })
        .collect();

    // The files of every package read: its targets' folders.
    let test_only = graph.test_only_packages();
    let mut files: Vec<DiscoveredFile> = Vec::new();
    for (id, package) in graph.packages.iter().enumerate() {
        let repository = repository_root_of(&package.manifest_dir).is_some();
        for area in source_areas(package) {
            let walked = if area.is_file() {
                WalkResult {
                    files: vec![area.clone()],
                    ..WalkResult::default()
                }
            } else {
                walk(&area, true, follow, &boundary, repository)
            };
            absorb_walk_problems(&walked, &display_root, &mut discovery);
            for file in walked.files {
                let scope = package_scopes[id];
                if configs.excludes(scope, &file) {
                    continue;
                }
                let test_area = test_only.contains(&id)
                    || ["tests", "benches", "examples"]
                        .iter()
                        .any(|folder| file.starts_with(package.manifest_dir.join(folder)));
                files.push(DiscoveredFile {
                    display: display_name(&file, &display_root),
                    path: file,
                    package: Some(id),
                    reported: false,
                    scope,
                    test_area,
                });
            }
        }
    }

    // Plain files: those of walked folders that no package of the run owns,
    // and files given that no target covers. Their configuration is that of
    // the folders above them, up to the nearest manifest.
    let mut plain: Vec<(PathBuf, bool)> = plain_files
        .into_iter()
        .map(|(file, _)| (file, false))
        .collect();
    plain.extend(loose_files.iter().map(|(file, _)| (file.clone(), true)));
    // Many plain files share a folder, and folders share manifests.
    let mut tops: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    let mut manifests_read: BTreeSet<PathBuf> = BTreeSet::new();
    for (file, explicit) in plain {
        if !explicit
            && graph
                .package_of(&file)
                .is_some_and(|id| in_source_area(&graph.packages[id], &file))
        {
            continue;
        }
        let folder = parent_of(&file);
        let top = tops
            .entry(folder.clone())
            .or_insert_with(|| plain_config_top(&folder))
            .clone();
        let chain = folder_chain(&top, &folder);
        let scope = configs.scope_of(&chain, &display_name(&folder, &display_root));
        // A file named explicitly is checked whatever the exclude globs say:
        // the user asked for it.
        if !explicit && configs.excludes(scope, &file) {
            continue;
        }
        for manifest_dir in manifest_dirs_above(&folder, &top) {
            if !manifests_read.insert(manifest_dir.clone()) {
                continue;
            }
            match workspace::declared_dependency_names(&manifest_dir.join(MANIFEST_FILE)) {
                Ok(names) => discovery.dependencies.extend(names),
                Err(problem) => discovery
                    .errors
                    .push(manifest_error(&problem, &display_root)),
            }
        }
        let display = display_name(&file, &display_root);
        let test_area = display
            .split('/')
            .any(|part| matches!(part, "tests" | "benches" | "examples"));
        files.push(DiscoveredFile {
            display,
            path: file,
            package: None,
            reported: false,
            scope,
            test_area,
        });
    }

    // A file given explicitly is checked even when a walk skipped it
    // (ignored, excluded, not named `.rs`).
    for input in &inputs {
        if let Asked::Under(path) = &input.asked {
            if path.is_file() && !files.iter().any(|file| file.path == *path) {
                let package = graph.package_of(path);
                let scope = package.map(|id| package_scopes[id]).unwrap_or_else(|| {
                    let folder = parent_of(path);
                    let top = plain_config_top(&folder);
                    configs.scope_of(&folder_chain(&top, &folder), &input.given)
                });
                files.push(DiscoveredFile {
                    display: display_name(path, &display_root),
                    path: path.clone(),
                    package,
                    reported: false,
                    scope,
                    test_area: package.is_some_and(|id| test_only.contains(&id)),
                });
            }
        }
    }

    files.sort_by(|a, b| (&a.display, &a.path).cmp(&(&b.display, &b.path)));
    files.dedup_by(|a, b| a.path == b.path);
    discovery.files = same_file_once(files);

    for input in &inputs {
        let mut any = false;
        for file in &mut discovery.files {
            let asked = match &input.asked {
                Asked::Under(path) => file.path.starts_with(path),
                Asked::Packages(dirs) => file
                    .package
                    .is_some_and(|id| dirs.contains(&graph.packages[id].manifest_dir)),
            };
            if asked {
                file.reported = true;
                any = true;
            }
        }
        if !any {
            discovery.errors.push(file_error(
                input.given.clone(),
                None,
                format!("no Rust files under {}", input.given),
            ));
        }
    }

    for package in &graph.packages {
        for dependency in &package.dependencies {
            if dependency.workspace_package.is_none() {
                discovery.dependencies.insert(dependency.package.clone());
            }
        }
    }
    discovery.config_errors = configs.errors;
    discovery.scopes = configs.scopes;
    discovery.workspace = graph;
    discovery.errors.sort();
    discovery.errors.dedup();
    discovery.notes.sort();
    discovery.notes.dedup();
    discovery
}

/// `-p`, `--workspace`, `--exclude` and `--manifest-path`: the members of
/// the workspace of the manifest (or of the current folder) they name.
fn select_packages(
    request: &Request,
    cwd: &Path,
    reader: &mut WorkspaceReader<'_>,
    discovery: &mut Discovery,
) -> Option<Input> {
    let selection = &request.selection;
    let manifest_dir = match &selection.manifest_path {
        Some(path) => {
            let path = absolute(cwd, path);
            if !path.is_file() {
                discovery.selection_errors.push(format!(
                    "manifest path `{}` does not exist",
                    normalise(selection.manifest_path.as_deref().unwrap_or(&path))
                ));
                return None;
            }
            if path.file_name().is_none_or(|name| name != MANIFEST_FILE) {
                discovery.selection_errors.push(format!(
                    "the manifest path must be a path to a Cargo.toml file, not `{}`",
                    normalise(&path)
                ));
                return None;
            }
            parent_of(&path)
        }
        None => match nearest_manifest_dir(cwd) {
            Some(dir) => dir,
            None => {
                discovery.selection_errors.push(format!(
                    "could not find `Cargo.toml` in `{}` or any folder above it",
                    cwd.display()
                ));
                return None;
            }
        },
    };
    let root = workspace::workspace_root_of(&manifest_dir);
    let members = reader.read_workspace(&root);
    let graph = reader.snapshot();
    let member_names: Vec<(String, PathBuf)> = graph
        .packages
        .iter()
        .filter(|package| package.is_member && members.contains(&package.manifest_dir))
        .map(|package| (package.name.clone(), package.manifest_dir.clone()))
        .collect();
    let names: Vec<&str> = member_names.iter().map(|(name, _)| name.as_str()).collect();
    let matching = |pattern: &str| -> Vec<PathBuf> {
        let glob = package_pattern(pattern);
        member_names
            .iter()
            .filter(|(name, _)| match &glob {
                Some(glob) => glob.is_match(name),
                None => name == pattern,
            })
            .map(|(_, dir)| dir.clone())
            .collect()
    };
    let mut chosen: BTreeSet<PathBuf> = BTreeSet::new();
    if selection.workspace
        || (selection.packages.is_empty() && !graph_has_package_at(&graph, &manifest_dir))
    {
        chosen.extend(member_names.iter().map(|(_, dir)| dir.clone()));
    } else if selection.packages.is_empty() {
        chosen.insert(manifest_dir.clone());
    }
    for pattern in &selection.packages {
        let found = matching(pattern);
        if found.is_empty() {
            discovery
                .selection_errors
                .push(no_such_package(pattern, &names));
        }
        chosen.extend(found);
    }
    for pattern in &selection.exclude {
        let found = matching(pattern);
        if found.is_empty() {
            discovery
                .selection_errors
                .push(no_such_package(pattern, &names));
        }
        for dir in found {
            chosen.remove(&dir);
        }
    }
    let given = match &selection.manifest_path {
        Some(path) => normalise(path),
        None if selection.packages.is_empty() => String::from("the workspace"),
        None => selection
            .packages
            .iter()
            .map(|name| format!("package `{name}`"))
            .collect::<Vec<_>>()
            .join(", "),
    };
    if chosen.is_empty() && discovery.selection_errors.is_empty() {
        discovery
            .selection_errors
            .push(String::from("the selection leaves no package to check"));
    }
    Some(Input {
        given,
        asked: Asked::Packages(chosen.into_iter().collect()),
        anchor: root,
    })
}

fn no_such_package(pattern: &str, names: &[&str]) -> String {
    let suggestion = spelling::did_you_mean(pattern, names.iter().copied());
    let mut message = format!("package `{pattern}` is not a member of the workspace");
    if !suggestion.is_empty() {
        message.push_str("; ");
        message.push_str(&suggestion);
    }
    message
}

fn graph_has_package_at(graph: &Workspace, dir: &Path) -> bool {
    graph
        .packages
        .iter()
        .any(|package| package.manifest_dir == dir)
}

/// A `-p` pattern with glob characters, as a glob over package names.
fn package_pattern(pattern: &str) -> Option<GlobMatcher> {
    if !pattern.contains(['*', '?', '[']) {
        return None;
    }
    GlobBuilder::new(pattern)
        .build()
        .ok()
        .map(|glob| glob.compile_matcher())
}

/// A `Cargo.toml` given as PATH: its package, or every member of the
/// workspace a virtual manifest declares.
fn manifest_input(
    manifest_dir: &Path,
    given: String,
    reader: &mut WorkspaceReader<'_>,
    discovery: &mut Discovery,
) -> Option<Input> {
    let root = workspace::workspace_root_of(manifest_dir);
    let members = reader.read_workspace(&root);
    let graph = reader.snapshot();
    let asked = if graph_has_package_at(&graph, manifest_dir) {
        vec![manifest_dir.to_path_buf()]
    } else {
        members
    };
    if asked.is_empty() {
        discovery.errors.push(file_error(
            given.clone(),
            None,
            format!("no Rust files under {given}: it declares no package"),
        ));
        return None;
    }
    Some(Input {
        given,
        asked: Asked::Packages(asked),
        anchor: root,
    })
}

/// Whether the workspace rooted at `root` owns `path`: a package folder
/// (or the root) under it when it is a folder, or a target's folder of one
/// of its packages holds it.
fn covers(graph: &Workspace, root: &Path, path: &Path, is_folder: bool) -> bool {
    graph.packages_under_root(root).any(|(_, package)| {
        (is_folder && package.manifest_dir.starts_with(path)) || in_source_area(package, path)
    })
}

/// The folders (and single files) a package's files are found in: the
/// folder of each target root (the conventional `tests/`, `benches/` and
/// `examples/` folders whole), only the file of a build script, and `src/`
/// when it exists. Folders inside others are left out.
fn source_areas(package: &workspace::Package) -> Vec<PathBuf> {
    let mut areas: Vec<PathBuf> = Vec::new();
    let dir = &package.manifest_dir;
    for target in &package.targets {
        let conventional = match target.kind {
            TargetKind::Test => Some("tests"),
            TargetKind::Bench => Some("benches"),
            TargetKind::Example => Some("examples"),
            _ => None,
        };
        let area = match conventional {
            Some(folder) if target.root.starts_with(dir.join(folder)) => dir.join(folder),
            _ if target.kind == TargetKind::BuildScript => target.root.clone(),
            _ => parent_of(&target.root),
        };
        areas.push(area);
    }
    if dir.join("src").is_dir() && !package.targets.is_empty() {
        areas.push(dir.join("src"));
    }
    areas.sort();
    areas.dedup();
    let all = areas.clone();
    areas.retain(|area| {
        !all.iter()
            .any(|other| other != area && area.starts_with(other) && other.is_dir())
    });
    areas
}

fn in_source_area(package: &workspace::Package, path: &Path) -> bool {
    source_areas(package)
        .iter()
        .any(|area| path.starts_with(area))
}

/// What a walk found.
#[derive(Debug, Default)]
struct WalkResult {
    files: Vec<PathBuf>,
    /// Folders below the start that hold a `Cargo.toml` (not walked).
    package_dirs: Vec<PathBuf>,
    /// (path, message)
    errors: Vec<(PathBuf, String)>,
    /// Symlinks left alone because they lead out of the boundary.
    external_symlinks: Vec<PathBuf>,
}

/// Every `.rs` file under `start` (absolute): not hidden, not ignored by
/// `.gitignore` / `.ignore` / git's global excludes, not in `target/` nor,
/// when `stop_at_manifests`, in a folder below `start` with a `Cargo.toml`
/// of its own. A symlink is followed only to a file inside `boundary`,
/// unless `follow` says to follow any (loops are then reported).
fn walk(
    start: &Path,
    stop_at_manifests: bool,
    follow: bool,
    boundary: &[PathBuf],
    in_repository: bool,
) -> WalkResult {
    let mut result = WalkResult::default();
    let package_dirs = Arc::new(Mutex::new(Vec::new()));
    let seen_by_filter = Arc::clone(&package_dirs);
    let mut builder = ignore::WalkBuilder::new(start);
    builder
        .hidden(true)
        .ignore(true)
        .git_ignore(true)
        .git_global(true)
        .git_exclude(true)
        .parents(true)
        // Outside a repository `.gitignore` still says what the project
        // does not want read; inside one, only the repository's own apply.
        .require_git(in_repository)
        .follow_links(follow)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry(move |entry| {
            if entry.depth() == 0 || !entry.file_type().is_some_and(|kind| kind.is_dir()) {
                return true;
            }
            if entry.file_name() == "target" {
                return false;
            }
            if stop_at_manifests && entry.path().join(MANIFEST_FILE).is_file() {
                if let Ok(mut found) = seen_by_filter.lock() {
                    found.push(entry.path().to_path_buf());
                }
                return false;
            }
            true
        });
    for entry in builder.build() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                if let Some((path, message)) = walk_error(&error, start) {
                    result.errors.push((path, message));
                }
                continue;
            }
        };
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        let path = normal_path(entry.path());
        let is_rust = path.extension().is_some_and(|ext| ext == "rs");
        if file_type.is_symlink() {
            // Not followed by the walker: decide here. A link to a folder
            // inside the tree adds nothing (the folder is walked where it
            // is); one out of the tree is named in `-v`.
            match fs::canonicalize(&path) {
                Ok(target) => {
                    let inside = boundary
                        .iter()
                        .any(|root| target.starts_with(canonical(root)));
                    if !inside && (is_rust || target.is_dir()) {
                        result.external_symlinks.push(path);
                    } else if inside && is_rust && target.is_file() {
                        result.files.push(path);
                    }
                }
                Err(error) if is_rust => result
                    .errors
                    .push((path, format!("cannot read: {}", io_message(&error)))),
                Err(_) => {}
            }
            continue;
        }
        if file_type.is_file() && is_rust {
            result.files.push(path);
        }
    }
    result.package_dirs = package_dirs
        .lock()
        .map(|found| found.iter().map(|dir| normal_path(dir)).collect())
        .unwrap_or_default();
    result.package_dirs.sort();
    result
}

/// A walk error worth reporting: a folder or file that cannot be read, a
/// symlink loop. A malformed ignore file is not one (the walk reads the
/// rest of it).
fn walk_error(error: &ignore::Error, start: &Path) -> Option<(PathBuf, String)> {
    match error {
        ignore::Error::WithPath { path, err } => {
            let (_, message) = walk_error(err, start)?;
            Some((path.clone(), message))
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error(err, start)
        }
        ignore::Error::Loop { child, .. } => Some((
            child.clone(),
            String::from("cannot read: a symlink loop leads back to a folder above it"),
        )),
        ignore::Error::Io(io) => Some((
            start.to_path_buf(),
            format!("cannot read: {}", io_message(io)),
        )),
        ignore::Error::Partial(_)
        | ignore::Error::Glob { .. }
        | ignore::Error::UnrecognizedFileType(_)
        | ignore::Error::InvalidDefinition => None,
    }
}

fn absorb_walk_problems(walked: &WalkResult, display_root: &Path, discovery: &mut Discovery) {
    for (path, message) in &walked.errors {
        discovery.errors.push(file_error(
            display_name(path, display_root),
            None,
            message.clone(),
        ));
    }
    for link in &walked.external_symlinks {
        discovery.notes.push(format!(
            "skipped {}: a symlink to a {} outside the repository (--follow-external-symlinks reads it)",
            display_name(link, display_root),
            if link.is_dir() { "folder" } else { "file" }
        ));
    }
}

/// Reads the configuration files of folders once, and groups files whose
/// folders have the same sources into one scope.
struct ConfigReader<'a> {
    display_root: &'a Path,
    /// Folder -> its configuration (`None`: it has none).
    folders: BTreeMap<PathBuf, Option<FolderConfig>>,
    errors: Vec<ConfigError>,
    /// `--config FILE`: the only source.
    only: Option<PathBuf>,
    scopes: Vec<ConfigScope>,
    /// The folders with a configuration in a chain -> scope.
    scope_ids: BTreeMap<Vec<PathBuf>, usize>,
}

#[derive(Debug, Clone)]
struct FolderConfig {
    layer: ConfigLayer,
    overridden: Option<String>,
}

impl ConfigReader<'_> {
    /// The scope of files whose folders from the top down are `chain`.
    fn scope_of(&mut self, chain: &[PathBuf], applies_to: &str) -> usize {
        if let Some(only) = self.only.clone() {
            let key = vec![only.clone()];
            if let Some(&id) = self.scope_ids.get(&key) {
                self.scopes[id].applies_to.push(applies_to.to_string());
                return id;
            }
            let layer = self.read_given(&only);
            let id = self.scopes.len();
            self.scopes.push(ConfigScope {
                layers: layer.into_iter().collect(),
                overridden: Vec::new(),
                applies_to: vec![applies_to.to_string()],
            });
            self.scope_ids.insert(key, id);
            return id;
        }
        let mut with_config = Vec::new();
        for folder in chain {
            if self.folder_config(folder).is_some() {
                with_config.push(folder.clone());
            }
        }
        if let Some(&id) = self.scope_ids.get(&with_config) {
            let scope = &mut self.scopes[id];
            if !scope.applies_to.iter().any(|known| known == applies_to) {
                scope.applies_to.push(applies_to.to_string());
            }
            return id;
        }
        let mut scope = ConfigScope {
            applies_to: vec![applies_to.to_string()],
            ..ConfigScope::default()
        };
        for folder in &with_config {
            if let Some(Some(found)) = self.folders.get(folder) {
                scope.layers.push(found.layer.clone());
                scope.overridden.extend(found.overridden.clone());
            }
        }
        let id = self.scopes.len();
        self.scopes.push(scope);
        self.scope_ids.insert(with_config, id);
        id
    }

    /// `connleak.toml` in `folder`, else the connleak tables of its
    /// `Cargo.toml`.
    fn folder_config(&mut self, folder: &Path) -> Option<FolderConfig> {
        if let Some(known) = self.folders.get(folder) {
            return known.clone();
        }
        let config_path = folder.join(CONFIG_FILE);
        let manifest_path = folder.join(MANIFEST_FILE);
        let manifest_tables = if manifest_path.is_file() {
            let display = display_name(&manifest_path, self.display_root);
            match fs::read_to_string(&manifest_path) {
                // A manifest that does not parse is reported by the
                // workspace reader; it configures nothing.
                Ok(text) if toml::from_str::<toml::Table>(&text).is_ok() => {
                    match config::parse_cargo_config(&display, &text) {
                        Ok(Some(config)) => Some((display, config)),
                        Ok(None) => None,
                        Err(errors) => {
                            self.errors.extend(errors);
                            None
                        }
                    }
                }
                _ => None,
            }
        } else {
            None
        };
        let found = if config_path.is_file() {
            let display = display_name(&config_path, self.display_root);
            let config = match fs::read_to_string(&config_path) {
                Ok(text) => config::parse_config(&display, &text),
                Err(error) => Err(vec![ConfigError::whole_file(
                    &display,
                    format!("cannot read: {}", io_message(&error)),
                )]),
            };
            match config {
                Ok(config) => Some(FolderConfig {
                    layer: ConfigLayer {
                        source: display.clone(),
                        base: folder.to_path_buf(),
                        config,
                    },
                    overridden: manifest_tables.map(|(manifest, _)| {
                        format!(
                            "the connleak tables of {manifest} are ignored: {display} in the same folder wins"
                        )
                    }),
                }),
                Err(errors) => {
                    self.errors.extend(errors);
                    None
                }
            }
        } else {
            manifest_tables.map(|(display, config)| FolderConfig {
                layer: ConfigLayer {
                    source: display,
                    base: folder.to_path_buf(),
                    config,
                },
                overridden: None,
            })
        };
        self.folders.insert(folder.to_path_buf(), found.clone());
        found
    }

    /// `--config FILE`: a `connleak.toml`, or a `Cargo.toml` with connleak
    /// tables. Its globs are relative to the display root.
    fn read_given(&mut self, path: &Path) -> Option<ConfigLayer> {
        let display = display_name(path, self.display_root);
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) => {
                self.errors.push(ConfigError::whole_file(
                    &display,
                    format!("cannot read the configuration file: {}", io_message(&error)),
                ));
                return None;
            }
        };
        let is_manifest = path.file_name().is_some_and(|name| name == MANIFEST_FILE);
        let config = if is_manifest {
            config::parse_cargo_config(&display, &text).map(Option::unwrap_or_default)
        } else {
            config::parse_config(&display, &text)
        };
        match config {
            Ok(config) => Some(ConfigLayer {
                source: display,
                base: self.display_root.to_path_buf(),
                config,
            }),
            Err(errors) => {
                self.errors.extend(errors);
                None
            }
        }
    }

    /// Whether an `exclude` glob of the scope matches the file, or a folder
    /// above it, relative to the folder of the configuration that has it.
    fn excludes(&self, scope: usize, file: &Path) -> bool {
        let Some(scope) = self.scopes.get(scope) else {
            return false;
        };
        scope.layers.iter().any(|layer| {
            let Ok(relative) = file.strip_prefix(&layer.base) else {
                return false;
            };
            let globs: Vec<GlobMatcher> = layer
                .config
                .exclude
                .iter()
                .filter_map(|pattern| {
                    globset::Glob::new(pattern)
                        .ok()
                        .map(|glob| glob.compile_matcher())
                })
                .collect();
            let mut prefix = PathBuf::new();
            for component in relative.components() {
                prefix.push(component);
                let text = slash_path(&prefix);
                if globs.iter().any(|glob| glob.is_match(&text)) {
                    return true;
                }
            }
            false
        })
    }
}

/// The folders from `top` down to `bottom`, both included (only `bottom`
/// when it is not under `top`).
fn folder_chain(top: &Path, bottom: &Path) -> Vec<PathBuf> {
    let mut chain: Vec<PathBuf> = bottom
        .ancestors()
        .take_while(|dir| dir.starts_with(top))
        .map(Path::to_path_buf)
        .collect();
    if chain.is_empty() {
        chain.push(bottom.to_path_buf());
    }
    chain.reverse();
    chain
}

/// Where the configuration of a file outside every package starts: the
/// nearest folder above with a `[workspace]` manifest, else the nearest
/// with any manifest, else its own folder.
fn plain_config_top(folder: &Path) -> PathBuf {
    let mut nearest_manifest = None;
    for dir in folder.ancestors() {
        let manifest = dir.join(MANIFEST_FILE);
        if !manifest.is_file() {
            continue;
        }
        let text = fs::read_to_string(&manifest).unwrap_or_default();
        let is_workspace = DeTable::parse(&text).is_ok_and(|document| {
            document
                .get_ref()
                .get("workspace")
                .is_some_and(|value| value.get_ref().is_table())
        });
        if is_workspace {
            return dir.to_path_buf();
        }
        nearest_manifest.get_or_insert_with(|| dir.to_path_buf());
    }
    nearest_manifest.unwrap_or_else(|| folder.to_path_buf())
}

fn manifest_dirs_above(folder: &Path, top: &Path) -> Vec<PathBuf> {
    folder_chain(top, folder)
        .into_iter()
        .filter(|dir| dir.join(MANIFEST_FILE).is_file())
        .collect()
}

/// The nearest folder at or above `folder` with a `Cargo.toml`.
fn nearest_manifest_dir(folder: &Path) -> Option<PathBuf> {
    folder
        .ancestors()
        .find(|dir| dir.join(MANIFEST_FILE).is_file())
        .map(Path::to_path_buf)
}

/// The git work tree `path` is in: the nearest folder above with `.git`
/// (a folder, or a file for worktrees and submodules). Found without git.
pub fn repository_root_of(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .find(|dir| dir.join(".git").exists())
        .map(Path::to_path_buf)
}

/// The same file reached twice (a symlink to a file of the tree, or two
/// inputs that overlap) is checked once, or every finding in it would be
/// reported twice. Its own name beats a link's; otherwise the first name in
/// sorted order is kept.
fn same_file_once(files: Vec<DiscoveredFile>) -> Vec<DiscoveredFile> {
    let mut chosen: HashMap<PathBuf, usize> = HashMap::new();
    for (index, file) in files.iter().enumerate() {
        match chosen.entry(canonical(&file.path)) {
            Entry::Vacant(slot) => {
                slot.insert(index);
            }
            Entry::Occupied(mut slot) => {
                if is_symlink(&files[*slot.get()].path) && !is_symlink(&file.path) {
                    slot.insert(index);
                }
            }
        }
    }
    let kept: HashSet<usize> = chosen.into_values().collect();
    files
        .into_iter()
        .enumerate()
        .filter(|(index, _)| kept.contains(index))
        .map(|(_, file)| file)
        .collect()
}

fn manifest_error(problem: &ManifestProblem, display_root: &Path) -> FileError {
    file_error(
        display_name(&problem.manifest, display_root),
        problem.line,
        problem.message.clone(),
    )
}

fn file_error(file: String, line: Option<u32>, message: String) -> FileError {
    FileError {
        file,
        line,
        message,
    }
}

/// How the run names a path: relative to the display root when it is under
/// it, else absolute; `/`-separated.
pub fn display_name(path: &Path, display_root: &Path) -> String {
    match path.strip_prefix(display_root) {
        Ok(relative) if relative.as_os_str().is_empty() => String::from("."),
        Ok(relative) => slash_path(relative),
        Err(_) => slash_path(path),
    }
}

/// `path` made absolute against `cwd`, `.` and `..` folded.
fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    normal_path(&cwd.join(path))
}

fn parent_of(path: &Path) -> PathBuf {
    path.parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"))
}

fn is_symlink(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|metadata| metadata.file_type().is_symlink())
}

/// The file behind a path, to recognise it when reached twice.
fn canonical(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// A path as the user gave it, `/`-separated, without `.` components.
fn normalise(path: &Path) -> String {
    let text = slash_path(path);
    if text.is_empty() {
        String::from(".")
    } else {
        text
    }
}

fn slash_path(path: &Path) -> String {
    let mut text = String::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::Prefix(prefix) => {
                text.push_str(&prefix.as_os_str().to_string_lossy())
            }
            std::path::Component::RootDir => text.push('/'),
            std::path::Component::ParentDir | std::path::Component::Normal(_) => {
                if !text.is_empty() && !text.ends_with('/') {
                    text.push('/');
                }
                text.push_str(&component.as_os_str().to_string_lossy());
            }
        }
    }
    text
}

/// The cargo package and target a file belongs to, as far as the manifest
/// and cargo's conventional layout tell: what cargo's JSON messages name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CargoTarget {
    pub package_name: String,
    /// `0.0.0` when the manifest does not say (or inherits it).
    pub package_version: String,
    /// The package's folder, absolute.
    pub package_dir: PathBuf,
    pub manifest_path: PathBuf,
    /// `lib`, `bin`, `test`, `example`, `bench` or `custom-build`.
    pub kind: &'static str,
    /// The target's name (for a library: the package name with `_`).
    pub name: String,
    /// The target's root file, absolute.
    pub src_path: PathBuf,
    pub edition: String,
}

/// The package of the nearest `Cargo.toml` above `file`, and which of its
/// targets `file` is most likely part of. `None` outside any package (a
/// loose file, or a virtual workspace manifest is the nearest).
pub fn cargo_target_of(file: &Path) -> Option<CargoTarget> {
    let file = fs::canonicalize(file).ok()?;
    let package_dir = file
        .ancestors()
        .skip(1)
        .find(|dir| dir.join(MANIFEST_FILE).is_file())?
        .to_path_buf();
    let manifest_path = package_dir.join(MANIFEST_FILE);
    let text = fs::read_to_string(&manifest_path).ok()?;
    let document = DeTable::parse(&text).ok()?;
    let package = document.get_ref().get("package")?.get_ref().as_table()?;
    let field = |key: &str| {
        package
            .get(key)
            .and_then(|value| value.get_ref().as_str())
            .map(str::to_string)
    };
    let package_name = field("name")?;
    let relative = slash_path(file.strip_prefix(&package_dir).ok()?);
    let stem = |path: &str| {
        Path::new(path)
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let segments: Vec<&str> = relative.split('/').collect();
    // Cargo's auto-discovered targets: `dir/name.rs` or `dir/name/main.rs`.
    let (kind, name, root) = match segments.as_slice() {
        ["build.rs"] => (
            "custom-build",
            String::from("build-script-build"),
            relative.clone(),
        ),
        ["src", "main.rs"] => ("bin", package_name.clone(), relative.clone()),
        ["src", "bin", one] => ("bin", stem(one), relative.clone()),
        ["src", "bin", dir, ..] => ("bin", dir.to_string(), format!("src/bin/{dir}/main.rs")),
        [folder @ ("tests" | "examples" | "benches"), rest @ ..] => {
            let kind = match *folder {
                "tests" => "test",
                "examples" => "example",
                _ => "bench",
            };
            match rest {
                [one] => (kind, stem(one), relative.clone()),
                [dir, ..] => (kind, dir.to_string(), format!("{folder}/{dir}/main.rs")),
                [] => (kind, package_name.clone(), relative.clone()),
            }
        }
        _ if package_dir.join("src/lib.rs").is_file()
            || !package_dir.join("src/main.rs").is_file() =>
        {
            (
                "lib",
                package_name.replace('-', "_"),
                String::from("src/lib.rs"),
            )
        }
        _ => ("bin", package_name.clone(), String::from("src/main.rs")),
    };
    Some(CargoTarget {
        package_version: field("version").unwrap_or_else(|| String::from("0.0.0")),
        edition: field("edition").unwrap_or_else(|| String::from("2021")),
        package_name,
        manifest_path,
        kind,
        name,
        src_path: package_dir.join(root),
        package_dir,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `files` (path, content) under a fresh temporary folder;
    /// returns it and its canonical path.
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

    fn discover_paths(paths: &[PathBuf]) -> Discovery {
        discover(&Request {
            paths: paths.to_vec(),
            ..Request::default()
        })
    }

    fn displays(discovery: &Discovery) -> Vec<&str> {
        discovery.files.iter().map(|f| f.display.as_str()).collect()
    }

    fn reported(discovery: &Discovery) -> Vec<&str> {
        discovery
            .files
            .iter()
            .filter(|f| f.reported)
            .map(|f| f.display.as_str())
            .collect()
    }

    const WORKSPACE: &[(&str, &str)] = &[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\"]\n[workspace.dependencies]\nsqlx = \"0.8\"\n",
        ),
        (
            "crates/api/Cargo.toml",
            "[package]\nname = \"api\"\n[dependencies]\nstore = { path = \"../store\" }\npg = { package = \"tokio-postgres\", version = \"0.7\" }\n",
        ),
        ("crates/api/src/lib.rs", ""),
        ("crates/api/src/routes/mod.rs", ""),
        ("crates/api/tests/it.rs", ""),
        ("crates/api/fixtures/sample.rs", ""),
        (
            "crates/store/Cargo.toml",
            "[package]\nname = \"store\"\n[dependencies]\nsqlx = { workspace = true }\n",
        ),
        ("crates/store/src/lib.rs", ""),
        ("crates/store/target/debug/out.rs", ""),
        ("crates/store/src/.cache/x.rs", ""),
        ("scripts/tool.rs", ""),
    ];

    #[test]
    fn a_member_folder_reads_the_whole_workspace_and_reports_the_member() {
        let (_dir, root) = tree(WORKSPACE);
        let discovery = discover_paths(&[root.join("crates/api")]);
        assert!(discovery.errors.is_empty(), "{:?}", discovery.errors);
        assert_eq!(discovery.display_root, root);
        // The targets' folders of every member: no fixtures, scripts,
        // target/ or hidden folders.
        assert_eq!(
            displays(&discovery),
            [
                "crates/api/src/lib.rs",
                "crates/api/src/routes/mod.rs",
                "crates/api/tests/it.rs",
                "crates/store/src/lib.rs",
            ]
        );
        assert_eq!(
            reported(&discovery),
            [
                "crates/api/src/lib.rs",
                "crates/api/src/routes/mod.rs",
                "crates/api/tests/it.rs",
            ]
        );
        let test_areas: Vec<bool> = discovery.files.iter().map(|f| f.test_area).collect();
        assert_eq!(test_areas, [false, false, true, false]);
        let packages: Vec<&str> = discovery
            .files
            .iter()
            .map(|f| {
                discovery.workspace.packages[f.package.expect("a package")]
                    .name
                    .as_str()
            })
            .collect();
        assert_eq!(packages, ["api", "api", "api", "store"]);
        // Real package names of what is not in the workspace.
        let names: Vec<&str> = discovery.dependencies.iter().map(String::as_str).collect();
        assert_eq!(names, ["sqlx", "tokio-postgres"]);
    }

    #[test]
    fn a_file_or_a_folder_inside_a_member_reports_only_itself() {
        let (_dir, root) = tree(WORKSPACE);
        let discovery = discover_paths(&[root.join("crates/api/src/routes/mod.rs")]);
        assert_eq!(reported(&discovery), ["crates/api/src/routes/mod.rs"]);
        assert_eq!(discovery.files.len(), 4);
        let discovery = discover_paths(&[root.join("crates/api/src/routes")]);
        assert_eq!(reported(&discovery), ["crates/api/src/routes/mod.rs"]);
        let discovery = discover_paths(std::slice::from_ref(&root));
        assert_eq!(reported(&discovery).len(), 4);
    }

    #[test]
    fn a_folder_outside_every_target_is_checked_as_plain_files() {
        let (_dir, root) = tree(WORKSPACE);
        // Fixtures inside a crate are not that crate: it is not read.
        let discovery = discover_paths(&[root.join("crates/api/fixtures")]);
        assert_eq!(displays(&discovery), ["sample.rs"]);
        assert_eq!(discovery.files[0].package, None);
        assert!(discovery.workspace.packages.is_empty());
        let discovery = discover_paths(&[root.join("scripts/tool.rs")]);
        assert_eq!(reported(&discovery).len(), 1);
        assert!(discovery.workspace.packages.is_empty());
    }

    #[test]
    fn a_manifest_as_path_and_the_selectors_choose_packages() {
        let (_dir, root) = tree(WORKSPACE);
        let discovery = discover_paths(&[root.join("crates/store/Cargo.toml")]);
        assert_eq!(reported(&discovery), ["crates/store/src/lib.rs"]);
        let select = |selection: Selection| {
            discover(&Request {
                selection: Selection {
                    manifest_path: Some(root.join("Cargo.toml")),
                    ..selection
                },
                ..Request::default()
            })
        };
        let discovery = select(Selection {
            packages: vec![String::from("st*")],
            ..Selection::default()
        });
        assert_eq!(reported(&discovery), ["crates/store/src/lib.rs"]);
        let discovery = select(Selection {
            workspace: true,
            exclude: vec![String::from("store")],
            ..Selection::default()
        });
        assert_eq!(reported(&discovery).len(), 3);
        let discovery = select(Selection {
            packages: vec![String::from("stor")],
            ..Selection::default()
        });
        assert_eq!(
            discovery.selection_errors,
            ["package `stor` is not a member of the workspace; did you mean `store`?"]
        );
    }

    #[test]
    fn missing_and_empty_paths_are_errors_naming_them() {
        let (_dir, root) = tree(&[("src/lib.rs", ""), ("empty/README.md", "")]);
        let discovery = discover_paths(&[root.join("src"), root.join("nope"), root.join("empty")]);
        let errors: Vec<(&str, &str)> = discovery
            .errors
            .iter()
            .map(|e| (e.file.as_str(), e.message.as_str()))
            .collect();
        let empty = normalise(&root.join("empty"));
        let nope = normalise(&root.join("nope"));
        assert_eq!(
            errors,
            [
                (
                    empty.as_str(),
                    format!("no Rust files under {empty}").as_str()
                ),
                (nope.as_str(), "no such file or directory"),
            ]
        );
        // The other PATH is still checked.
        assert_eq!(reported(&discovery).len(), 1);
    }

    #[test]
    fn ignore_files_are_honoured() {
        let (_dir, root) = tree(&[
            ("Cargo.toml", "[package]\nname = \"app\"\n"),
            (".gitignore", "src/generated/\n"),
            ("src/.ignore", "scratch.rs\n"),
            ("src/lib.rs", ""),
            ("src/scratch.rs", ""),
            ("src/generated/schema.rs", ""),
        ]);
        let discovery = discover_paths(std::slice::from_ref(&root));
        assert_eq!(displays(&discovery), ["src/lib.rs"]);
        // Named explicitly, an ignored file is still checked.
        let discovery = discover_paths(&[root.join("src/scratch.rs")]);
        assert_eq!(reported(&discovery), ["src/scratch.rs"]);
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_tree_are_skipped_unless_asked_and_loops_reported() {
        use std::os::unix::fs::symlink;
        let (_dir, root) = tree(&[
            ("crate/Cargo.toml", "[package]\nname = \"app\"\n"),
            ("crate/src/lib.rs", ""),
            ("crate/src/real.rs", ""),
            ("outside/secret.rs", ""),
        ]);
        let src = root.join("crate/src");
        symlink(root.join("outside/secret.rs"), src.join("link.rs")).expect("link");
        symlink(src.join("real.rs"), src.join("alias.rs")).expect("link");
        symlink(PathBuf::from("loop.rs"), src.join("loop.rs")).expect("link");
        symlink(root.join("outside"), src.join("vendored")).expect("link");
        symlink(src.join("real.rs"), root.join("crate/src_alias.rs")).expect("link");
        let discovery = discover_paths(&[root.join("crate")]);
        // Inside the tree a link works, and the file is checked once.
        assert_eq!(displays(&discovery), ["src/lib.rs", "src/real.rs"]);
        assert_eq!(discovery.errors.len(), 1, "{:?}", discovery.errors);
        assert_eq!(discovery.errors[0].file, "src/loop.rs");
        assert_eq!(
            discovery.notes,
            [
                "skipped src/link.rs: a symlink to a file outside the repository (--follow-external-symlinks reads it)",
                "skipped src/vendored: a symlink to a folder outside the repository (--follow-external-symlinks reads it)",
            ]
        );
        let discovery = discover(&Request {
            paths: vec![root.join("crate")],
            follow_external_symlinks: true,
            ..Request::default()
        });
        // The outside file, once: reached through the linked folder too, it
        // keeps the name that is not itself a link.
        assert!(displays(&discovery).contains(&"src/vendored/secret.rs"));
        assert!(!displays(&discovery).contains(&"src/link.rs"));
    }

    #[test]
    fn each_member_has_its_own_configuration_over_the_workspace_one() {
        let (_dir, root) = tree(&[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"a\", \"b\"]\n[workspace.metadata.connleak]\nexclude = [\"**/generated/**\"]\n",
            ),
            (
                "a/Cargo.toml",
                "[package]\nname = \"a\"\n[package.metadata.connleak]\nexclude = [\"src/gone.rs\"]\n",
            ),
            ("a/connleak.toml", "exclude = [\"src/skip.rs\"]\n"),
            ("a/src/lib.rs", ""),
            ("a/src/skip.rs", ""),
            ("a/src/gone.rs", ""),
            ("a/src/generated/db.rs", ""),
            ("b/Cargo.toml", "[package]\nname = \"b\"\n"),
            ("b/src/lib.rs", ""),
            ("b/src/skip.rs", ""),
        ]);
        let discovery = discover_paths(std::slice::from_ref(&root));
        assert!(
            discovery.config_errors.is_empty(),
            "{:?}",
            discovery.config_errors
        );
        // connleak.toml wins over the Cargo.toml tables of its folder; the
        // member's globs are relative to the member.
        assert_eq!(
            displays(&discovery),
            [
                "a/src/gone.rs",
                "a/src/lib.rs",
                "b/src/lib.rs",
                "b/src/skip.rs"
            ]
        );
        let scope_of = |display: &str| {
            let file = discovery
                .files
                .iter()
                .find(|f| f.display == display)
                .expect("a file");
            &discovery.scopes[file.scope]
        };
        let sources: Vec<&str> = scope_of("a/src/lib.rs")
            .layers
            .iter()
            .map(|layer| layer.source.as_str())
            .collect();
        assert_eq!(sources, ["Cargo.toml", "a/connleak.toml"]);
        assert_eq!(
            scope_of("a/src/lib.rs").overridden,
            ["the connleak tables of a/Cargo.toml are ignored: a/connleak.toml in the same folder wins"]
        );
        assert_eq!(scope_of("b/src/lib.rs").layers.len(), 1);
    }

    #[test]
    fn a_bad_configuration_is_returned_apart_with_its_place() {
        let (_dir, root) = tree(&[
            ("Cargo.toml", "[package]\nname = \"app\"\n"),
            ("connleak.toml", "[lints]\nheld-acros-await = \"deny\"\n"),
            ("src/lib.rs", ""),
        ]);
        let discovery = discover_paths(std::slice::from_ref(&root));
        let error = &discovery.config_errors[0];
        assert_eq!(
            (error.file.as_str(), error.line),
            ("connleak.toml", Some(2))
        );
        assert_eq!(
            error.help.as_deref(),
            Some("did you mean `held-across-await`?")
        );
    }

    #[test]
    fn a_plain_file_gets_the_dependencies_and_configuration_above_it() {
        let (_dir, root) = tree(&[
            ("Cargo.toml", "[package]\nname = \"tool\"\n[dependencies]\npg = { package = \"tokio-postgres\", version = \"0.7\" }\n"),
            ("connleak.toml", "[lints]\nnested-acquire = \"deny\"\n"),
            ("fixtures/case.rs", ""),
        ]);
        let discovery = discover_paths(&[root.join("fixtures/case.rs")]);
        assert!(discovery.dependencies.contains("tokio-postgres"));
        assert_eq!(discovery.scopes[discovery.files[0].scope].layers.len(), 1);
    }

    #[test]
    fn several_unrelated_roots_keep_names_unique_and_files_single() {
        let (_dir, root) = tree(&[("a/src/lib.rs", ""), ("b/src/lib.rs", "")]);
        let a = root.join("a");
        let b = root.join("b");
        let discovery = discover_paths(&[b.clone(), a.clone(), a.join("src")]);
        let expected_a = format!("{}/src/lib.rs", normalise(&a));
        let expected_b = format!("{}/src/lib.rs", normalise(&b));
        assert_eq!(displays(&discovery), [expected_a, expected_b]);
        for file in &discovery.files {
            assert_eq!(
                canonical(&discovery.display_root.join(&file.display)),
                canonical(&file.path)
            );
        }
    }

    #[test]
    fn cargo_targets_follow_the_conventional_layout() {
        let (_dir, root) = tree(&[
            (
                "app/Cargo.toml",
                "[package]\nname = \"my-app\"\nversion = \"1.2.3\"\nedition = \"2024\"\n",
            ),
            ("app/src/lib.rs", ""),
            ("app/src/db/pool.rs", ""),
            ("app/src/main.rs", ""),
            ("app/src/bin/big/helper.rs", ""),
            ("app/tests/api.rs", ""),
            ("app/build.rs", ""),
            ("virtual/Cargo.toml", "[workspace]\nmembers = []\n"),
            ("virtual/loose.rs", ""),
        ]);
        let target = |path: &str| {
            cargo_target_of(&root.join(path)).map(|t| {
                (
                    t.kind,
                    t.name,
                    slash_path(
                        t.src_path
                            .strip_prefix(root.join("app"))
                            .unwrap_or(&t.src_path),
                    ),
                )
            })
        };
        let expect =
            |kind, name: &str, root: &str| Some((kind, name.to_string(), root.to_string()));
        assert_eq!(
            target("app/src/db/pool.rs"),
            expect("lib", "my_app", "src/lib.rs")
        );
        assert_eq!(
            target("app/src/main.rs"),
            expect("bin", "my-app", "src/main.rs")
        );
        assert_eq!(
            target("app/src/bin/big/helper.rs"),
            expect("bin", "big", "src/bin/big/main.rs")
        );
        assert_eq!(
            target("app/tests/api.rs"),
            expect("test", "api", "tests/api.rs")
        );
        assert_eq!(
            target("app/build.rs"),
            expect("custom-build", "build-script-build", "build.rs")
        );
        assert_eq!(cargo_target_of(&root.join("virtual/loose.rs")), None);
    }
}
