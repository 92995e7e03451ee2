//! Which files to check: from each PATH (a file, a crate, a workspace, any
//! folder), every regular `.rs` file, skipping `target/` and hidden folders and
//! the configured `exclude` globs, in sorted order. Also finds the
//! configuration and the dependency names (from `Cargo.toml`, read as TOML)
//! that switch rule packs on. Never runs cargo.
//!
//! Problems with single paths (missing, unreadable, a symlink loop, a
//! `Cargo.toml` that does not parse) become [`FileError`]s and discovery goes
//! on with the rest: the run reports everything it can.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use toml::de::DeTable;
use walkdir::WalkDir;

use crate::config::{self, Config};
use crate::source::FileError;

/// A file to check.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DiscoveredFile {
    pub path: PathBuf,
    /// Relative to the checked root, `/`-separated.
    pub display: String,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<DiscoveredFile>,
    pub errors: Vec<FileError>,
    /// One entry per configuration found (or failed to load), outermost
    /// first, so that applying them in order lets the nearer one win.
    pub configs: Vec<Result<Config, FileError>>,
    /// Dependency names of every `Cargo.toml` found under or above the roots.
    pub dependencies: BTreeSet<String>,
}

const CONFIG_FILE: &str = "connleak.toml";
const MANIFEST_FILE: &str = "Cargo.toml";

pub fn discover(paths: &[PathBuf]) -> Discovery {
    let default_root = [PathBuf::from(".")];
    let roots = if paths.is_empty() {
        &default_root[..]
    } else {
        paths
    };
    // With one PATH, names are relative to it (`src/lib.rs`). With several,
    // the same relative name could come from two roots, so each name keeps
    // its PATH as a prefix.
    let prefix_roots = roots.len() > 1;

    let mut state = State::default();
    for root in roots {
        state.discover_root(root, prefix_roots);
    }

    let State {
        mut files,
        errors,
        configs,
        dependencies,
        ..
    } = state;
    files.sort();
    files.dedup();
    // The same file reached twice (overlapping PATHs such as `.` and `src`,
    // or a symlink to a file of the tree) is checked once, or every finding
    // in it would be reported twice. Its own name beats a link's; otherwise
    // the first name in sorted order is kept.
    let mut chosen: HashMap<PathBuf, usize> = HashMap::new();
    for (index, file) in files.iter().enumerate() {
        match chosen.entry(identity(&file.path)) {
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
    let mut index = 0;
    files.retain(|_| {
        index += 1;
        kept.contains(&(index - 1))
    });
    Discovery {
        files,
        errors,
        configs,
        dependencies,
    }
}

/// The folder that the display names of [`discover`] are relative to: the
/// PATH itself when there is one PATH and it is a folder, else the current
/// folder (several PATHs keep their PATH as a prefix; a single file is named
/// as given). `display_root(paths).join(display)` is the file.
pub fn display_root(paths: &[PathBuf]) -> PathBuf {
    match paths {
        [] => PathBuf::from("."),
        [only] if only.is_dir() => only.clone(),
        _ => PathBuf::from("."),
    }
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

#[derive(Default)]
struct State {
    files: Vec<DiscoveredFile>,
    errors: Vec<FileError>,
    configs: Vec<Result<Config, FileError>>,
    dependencies: BTreeSet<String>,
    /// Manifests and configuration files already read (canonical paths), so
    /// overlapping roots neither read them twice nor report their errors twice.
    read: HashSet<PathBuf>,
}

impl State {
    fn discover_root(&mut self, root: &Path, prefix_roots: bool) {
        let given = normalise(root);
        let metadata = match fs::metadata(root) {
            Ok(metadata) => metadata,
            Err(error) => {
                let message = if error.kind() == std::io::ErrorKind::NotFound {
                    String::from("no such file or directory")
                } else {
                    format!("cannot read: {}", io_message(&error))
                };
                self.error(given, message);
                return;
            }
        };

        if metadata.is_file() {
            // A file named explicitly is checked whatever its name or the
            // exclude globs say: the user asked for it.
            let parent = match root.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
                _ => PathBuf::from("."),
            };
            self.load_ancestors(&parent, &given_prefix(&parent));
            self.files.push(DiscoveredFile {
                path: root.to_path_buf(),
                display: given,
            });
            return;
        }
        if !metadata.is_dir() {
            self.error(given, String::from("not a file or directory"));
            return;
        }

        let prefix = if prefix_roots && given != "." {
            format!("{given}/")
        } else {
            String::new()
        };
        let root_configs = self.load_ancestors(root, &prefix);
        let exclude = self.exclude_set(&root_configs);
        self.walk(root, &prefix, &exclude);
    }

    /// Reads `connleak.toml` and `Cargo.toml` in `dir` and its ancestors up
    /// to the workspace root: configurations go to `configs` (outermost
    /// first) and are also returned for this root's excludes; dependencies go
    /// to `dependencies`.
    fn load_ancestors(&mut self, dir: &Path, prefix: &str) -> Vec<Config> {
        let start = match fs::canonicalize(dir) {
            Ok(start) => start,
            Err(error) => {
                self.error(
                    normalise(dir),
                    format!("cannot read: {}", io_message(&error)),
                );
                return Vec::new();
            }
        };
        let ancestors: Vec<&Path> = start.ancestors().collect();
        let manifests: Vec<Option<Manifest>> = ancestors
            .iter()
            .map(|dir| Manifest::peek(&dir.join(MANIFEST_FILE)))
            .collect();
        let stop = manifests
            .iter()
            .position(|m| m.as_ref().is_some_and(|m| m.is_workspace))
            .or_else(|| manifests.iter().position(Option::is_some))
            .unwrap_or(0);

        let mut found = Vec::new();
        for depth in (0..=stop).rev() {
            let dir = ancestors[depth];
            let display_dir = match tidy(&format!("{prefix}{}", "../".repeat(depth))) {
                dir if dir.is_empty() || dir.ends_with('/') => dir,
                dir => format!("{dir}/"),
            };
            let manifest_path = dir.join(MANIFEST_FILE);
            let manifest_config = if manifests[depth].is_some() {
                self.read_manifest(&manifest_path, &format!("{display_dir}{MANIFEST_FILE}"))
            } else {
                None
            };
            let config_path = dir.join(CONFIG_FILE);
            // connleak.toml wins over the Cargo.toml tables of the same folder.
            let loaded = if config_path.is_file() {
                self.read_config(&config_path, &format!("{display_dir}{CONFIG_FILE}"))
            } else {
                manifest_config
            };
            if let Some(loaded) = loaded {
                if let Ok(config) = &loaded {
                    found.push(config.clone());
                }
                self.configs.push(loaded);
            }
        }
        found
    }

    /// Reads a manifest once: its dependencies, and its connleak tables.
    fn read_manifest(&mut self, path: &Path, display: &str) -> Option<Result<Config, FileError>> {
        if !self.read.insert(identity(path)) {
            return None;
        }
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) => {
                self.error(
                    display.to_string(),
                    format!("cannot read: {}", io_message(&error)),
                );
                return None;
            }
        };
        let document = match config::parse_document(display, &text) {
            Ok(document) => document,
            Err(error) => {
                self.errors.push(error);
                return None;
            }
        };
        collect_dependencies(document.get_ref(), &mut self.dependencies);
        config::parse_cargo_config(display, &text).transpose()
    }

    fn read_config(&mut self, path: &Path, display: &str) -> Option<Result<Config, FileError>> {
        if !self.read.insert(identity(path)) {
            return None;
        }
        Some(match fs::read_to_string(path) {
            Ok(text) => config::parse_config(display, &text),
            Err(error) => Err(FileError {
                file: display.to_string(),
                line: None,
                message: format!("cannot read: {}", io_message(&error)),
            }),
        })
    }

    fn exclude_set(&mut self, configs: &[Config]) -> GlobSet {
        let mut builder = GlobSetBuilder::new();
        for pattern in configs.iter().flat_map(|config| &config.exclude) {
            // Patterns were validated when the configuration was read.
            if let Ok(glob) = Glob::new(pattern) {
                builder.add(glob);
            }
        }
        builder.build().unwrap_or_else(|_| GlobSet::empty())
    }

    fn walk(&mut self, root: &Path, prefix: &str, exclude: &GlobSet) {
        let relative_display = |path: &Path| -> String {
            let relative = path.strip_prefix(root).unwrap_or(path);
            slash_path(relative)
        };
        let walker = WalkDir::new(root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|entry| {
                if entry.depth() == 0 || !entry.file_type().is_dir() {
                    return true;
                }
                let name = entry.file_name().to_string_lossy();
                if name.starts_with('.') || name == "target" {
                    return false;
                }
                !exclude.is_match(relative_display(entry.path()))
            });
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    let file = error
                        .path()
                        .map(|path| format!("{prefix}{}", relative_display(path)))
                        .unwrap_or_else(|| normalise(root));
                    let message = match error.io_error() {
                        Some(io) => format!("cannot read: {}", io_message(io)),
                        None => error.to_string(),
                    };
                    self.error(file, message);
                    continue;
                }
            };
            let name = entry.file_name().to_string_lossy();
            let relative = relative_display(entry.path());
            let display = format!("{prefix}{relative}");
            let file_type = entry.file_type();
            if name == MANIFEST_FILE
                && entry.depth() > 0
                && !file_type.is_dir()
                && !exclude.is_match(&relative)
            {
                if let Some(Err(error)) = self.read_manifest_dependencies(entry.path(), &display) {
                    self.errors.push(error);
                }
                continue;
            }
            if !name.ends_with(".rs") || file_type.is_dir() || exclude.is_match(&relative) {
                continue;
            }
            let is_regular = if file_type.is_symlink() {
                // A link is checked when it resolves to a regular file; a
                // loop or a dangling link named `.rs` is worth reporting.
                match fs::metadata(entry.path()) {
                    Ok(target) => target.is_file(),
                    Err(error) => {
                        self.error(display, format!("cannot read: {}", io_message(&error)));
                        continue;
                    }
                }
            } else {
                file_type.is_file()
            };
            if is_regular {
                self.files.push(DiscoveredFile {
                    path: entry.into_path(),
                    display,
                });
            }
        }
    }

    /// A manifest inside the tree: only its dependencies matter (its
    /// connleak tables configure that crate, which is not this root).
    fn read_manifest_dependencies(
        &mut self,
        path: &Path,
        display: &str,
    ) -> Option<Result<(), FileError>> {
        if !self.read.insert(identity(path)) {
            return None;
        }
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) => {
                return Some(Err(FileError {
                    file: display.to_string(),
                    line: None,
                    message: format!("cannot read: {}", io_message(&error)),
                }))
            }
        };
        Some(config::parse_document(display, &text).map(|document| {
            collect_dependencies(document.get_ref(), &mut self.dependencies);
        }))
    }

    fn error(&mut self, file: String, message: String) {
        self.errors.push(FileError {
            file,
            line: None,
            message,
        });
    }
}

/// What the ancestor search needs to know of a manifest before reading it fully.
struct Manifest {
    is_workspace: bool,
}

impl Manifest {
    fn peek(path: &Path) -> Option<Manifest> {
        if !path.is_file() {
            return None;
        }
        // A manifest that does not parse still marks a crate boundary; its
        // error is reported when it is read for dependencies.
        let text = fs::read_to_string(path).unwrap_or_default();
        let is_workspace = DeTable::parse(&text)
            .map(|document| {
                document
                    .get_ref()
                    .get("workspace")
                    .is_some_and(|value| value.get_ref().is_table())
            })
            .unwrap_or(false);
        Some(Manifest { is_workspace })
    }
}

/// The dependency tables of a manifest, as cargo spells them.
const DEPENDENCY_TABLES: [&str; 5] = [
    "dependencies",
    "dev-dependencies",
    "build-dependencies",
    "dev_dependencies",
    "build_dependencies",
];

/// Adds every dependency key, and the real name of a renamed one
/// (`db = { package = "sqlx" }` adds both `db` and `sqlx`): packs are gated
/// on the real name, paths in the code use the key.
fn collect_dependencies(document: &DeTable<'_>, names: &mut BTreeSet<String>) {
    let mut tables = Vec::new();
    dependency_tables_of(document, &mut tables);
    if let Some(targets) = document.get("target").and_then(|v| v.get_ref().as_table()) {
        for (_, target) in targets.iter() {
            if let Some(target) = target.get_ref().as_table() {
                dependency_tables_of(target, &mut tables);
            }
        }
    }
    if let Some(workspace) = document
        .get("workspace")
        .and_then(|v| v.get_ref().as_table())
    {
        dependency_tables_of(workspace, &mut tables);
    }
    for table in tables {
        for (key, value) in table.iter() {
            names.insert(key.get_ref().to_string());
            let renamed = value
                .get_ref()
                .as_table()
                .and_then(|spec| spec.get("package"))
                .and_then(|package| package.get_ref().as_str());
            if let Some(real_name) = renamed {
                names.insert(real_name.to_string());
            }
        }
    }
}

fn dependency_tables_of<'a, 'i>(holder: &'a DeTable<'i>, tables: &mut Vec<&'a DeTable<'i>>) {
    for key in DEPENDENCY_TABLES {
        if let Some(table) = holder.get(key).and_then(|v| v.get_ref().as_table()) {
            tables.push(table);
        }
    }
}

/// How a manifest found above a file's folder is named: relative to that folder.
fn given_prefix(parent: &Path) -> String {
    let parent = normalise(parent);
    if parent == "." {
        String::new()
    } else {
        format!("{parent}/")
    }
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
            Component::CurDir => {}
            Component::Prefix(prefix) => text.push_str(&prefix.as_os_str().to_string_lossy()),
            Component::RootDir => text.push('/'),
            Component::ParentDir | Component::Normal(_) => {
                if !text.is_empty() && !text.ends_with('/') {
                    text.push('/');
                }
                text.push_str(&component.as_os_str().to_string_lossy());
            }
        }
    }
    text
}

/// Folds `dir/..` in a display name (`src/../connleak.toml` is shown as
/// `connleak.toml`). Display names only: the files are opened by real path.
fn tidy(display: &str) -> String {
    let absolute = display.starts_with('/');
    let mut segments: Vec<&str> = Vec::new();
    for segment in display.split('/') {
        match segment {
            "" | "." => {}
            ".." if segments.last().is_some_and(|last| *last != "..") => {
                segments.pop();
            }
            ".." if absolute => {}
            other => segments.push(other),
        }
    }
    let joined = segments.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

fn is_symlink(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|metadata| metadata.file_type().is_symlink())
}

/// The file behind a path, to recognise it when reached twice.
fn identity(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// An io error without the "(os error N)" suffix, lowercase like our messages.
fn io_message(error: &std::io::Error) -> String {
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

    /// Writes `files` (path, content) under a fresh temporary folder.
    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temporary folder");
        for (path, content) in files {
            let path = dir.path().join(path);
            fs::create_dir_all(path.parent().expect("has a parent")).expect("create folders");
            fs::write(path, content).expect("write file");
        }
        dir
    }

    fn displays(discovery: &Discovery) -> Vec<&str> {
        discovery.files.iter().map(|f| f.display.as_str()).collect()
    }

    #[test]
    fn walks_rs_files_in_order_skipping_target_and_hidden() {
        let dir = tree(&[
            ("src/lib.rs", ""),
            ("src/b/mod.rs", ""),
            ("src/a.rs", ""),
            ("target/debug/build.rs", ""),
            (".hidden/x.rs", ""),
            ("src/.cache/y.rs", ""),
            ("README.md", ""),
            ("src/notes.rs.txt", ""),
        ]);
        fs::create_dir(dir.path().join("folder.rs")).expect("create folder");
        let discovery = discover(&[dir.path().to_path_buf()]);
        assert_eq!(
            displays(&discovery),
            ["src/a.rs", "src/b/mod.rs", "src/lib.rs"]
        );
        assert!(discovery.errors.is_empty(), "{:?}", discovery.errors);
    }

    #[test]
    fn hidden_root_is_still_walked() {
        let dir = tree(&[(".config/src/lib.rs", "")]);
        let discovery = discover(&[dir.path().join(".config")]);
        assert_eq!(displays(&discovery), ["src/lib.rs"]);
    }

    #[test]
    fn missing_path_is_an_error_naming_it() {
        let dir = tree(&[("src/lib.rs", "")]);
        let missing = dir.path().join("nope");
        let discovery = discover(&[dir.path().to_path_buf(), missing.clone()]);
        assert_eq!(discovery.errors.len(), 1);
        assert_eq!(discovery.errors[0].file, normalise(&missing));
        assert_eq!(discovery.errors[0].message, "no such file or directory");
        // The other PATH is still checked.
        assert_eq!(discovery.files.len(), 1);
    }

    #[test]
    fn single_file_keeps_the_path_as_given() {
        let dir = tree(&[("src/main.rs", ""), ("src/other.rs", "")]);
        let file = dir.path().join("src/./main.rs");
        let discovery = discover(&[file]);
        assert_eq!(discovery.files.len(), 1);
        assert_eq!(
            discovery.files[0].display,
            normalise(&dir.path().join("src/main.rs"))
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_to_files_count_and_loops_are_reported() {
        use std::os::unix::fs::symlink;
        let dir = tree(&[("real/lib.rs", ""), ("elsewhere/deep.rs", "")]);
        let link = |target: PathBuf, name: &str| {
            symlink(target, dir.path().join("real").join(name)).expect("link");
        };
        link(dir.path().join("elsewhere/deep.rs"), "link.rs");
        link(PathBuf::from("loop.rs"), "loop.rs");
        link(dir.path().join("elsewhere"), "dir_link");
        link(dir.path().join("elsewhere"), "dir_link.rs");
        let discovery = discover(&[dir.path().join("real")]);
        assert_eq!(displays(&discovery), ["lib.rs", "link.rs"]);
        assert_eq!(discovery.errors.len(), 1, "{:?}", discovery.errors);
        assert_eq!(discovery.errors[0].file, "loop.rs");
    }

    #[cfg(unix)]
    #[test]
    fn a_file_reached_twice_is_checked_once() {
        use std::os::unix::fs::symlink;
        let dir = tree(&[("src/lib.rs", "")]);
        symlink(
            dir.path().join("src/lib.rs"),
            dir.path().join("src/alias.rs"),
        )
        .expect("link");
        let discovery = discover(&[dir.path().to_path_buf()]);
        // Checking it under both names would report every finding twice.
        assert_eq!(displays(&discovery), ["src/lib.rs"]);
    }

    #[test]
    fn exclude_globs_from_the_workspace_config() {
        let dir = tree(&[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"app\"]\n\n[workspace.metadata.connleak]\nexclude = [\"**/generated/**\"]\n",
            ),
            ("app/Cargo.toml", "[package]\nname = \"app\"\n"),
            ("app/connleak.toml", "exclude = [\"src/skip.rs\"]\n"),
            ("app/src/lib.rs", ""),
            ("app/src/skip.rs", ""),
            ("app/src/generated/db.rs", ""),
        ]);
        let discovery = discover(&[dir.path().join("app")]);
        assert_eq!(displays(&discovery), ["src/lib.rs"]);
        // Outermost first, so that the nearer configuration is applied last.
        assert_eq!(discovery.configs.len(), 2);
        let excludes: Vec<&str> = discovery
            .configs
            .iter()
            .map(|c| c.as_ref().expect("valid").exclude[0].as_str())
            .collect();
        assert_eq!(excludes, ["**/generated/**", "src/skip.rs"]);
    }

    #[test]
    fn connleak_toml_wins_over_cargo_metadata_in_the_same_folder() {
        let dir = tree(&[
            (
                "Cargo.toml",
                "[package]\nname = \"app\"\n[package.metadata.connleak]\nexclude = [\"a.rs\"]\n",
            ),
            ("connleak.toml", "exclude = [\"b.rs\"]\n"),
            ("a.rs", ""),
            ("b.rs", ""),
        ]);
        let discovery = discover(&[dir.path().to_path_buf()]);
        assert_eq!(displays(&discovery), ["a.rs"]);
        assert_eq!(discovery.configs.len(), 1);
    }

    #[test]
    fn config_search_stops_at_the_nearest_crate_without_a_workspace() {
        let dir = tree(&[
            ("connleak.toml", "exclude = [\"**\"]\n"),
            ("outer/Cargo.toml", "[package]\nname = \"outer\"\n"),
            ("outer/src/lib.rs", ""),
        ]);
        let discovery = discover(&[dir.path().join("outer")]);
        assert!(discovery.configs.is_empty());
        assert_eq!(displays(&discovery), ["src/lib.rs"]);
    }

    #[test]
    fn bad_config_is_an_error_entry_with_file_and_line() {
        let dir = tree(&[
            ("Cargo.toml", "[package]\nname = \"app\"\n"),
            ("connleak.toml", "[lints]\nheld-acros-await = \"deny\"\n"),
            ("src/lib.rs", ""),
        ]);
        let discovery = discover(&[dir.path().to_path_buf()]);
        let error = discovery.configs[0].as_ref().expect_err("rejected");
        assert_eq!(error.file, "connleak.toml");
        assert_eq!(error.line, Some(2));
        assert_eq!(displays(&discovery), ["src/lib.rs"]);
    }

    #[test]
    fn dependencies_from_every_manifest_and_renames() {
        let dir = tree(&[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"crates/*\"]\n[workspace.dependencies]\nsqlx = \"0.8\"\n",
            ),
            (
                "crates/app/Cargo.toml",
                r#"[package]
name = "app"
[dependencies]
pg = { package = "tokio-postgres", version = "0.7" }
serde = "1"
[dev-dependencies]
tempfile = "3"
[build-dependencies]
cc = "1"
[target.'cfg(unix)'.dependencies]
mysql_async = "0.34"
"#,
            ),
            ("crates/app/src/lib.rs", ""),
            (
                "crates/app/target/Cargo.toml",
                "[dependencies]\nignored = \"1\"\n",
            ),
        ]);
        let discovery = discover(&[dir.path().to_path_buf()]);
        let names: Vec<&str> = discovery.dependencies.iter().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "cc",
                "mysql_async",
                "pg",
                "serde",
                "sqlx",
                "tempfile",
                "tokio-postgres"
            ]
        );
        assert!(discovery.errors.is_empty(), "{:?}", discovery.errors);
    }

    #[test]
    fn member_dependencies_reach_up_to_the_workspace() {
        let dir = tree(&[
            (
                "Cargo.toml",
                "[workspace]\n[workspace.dependencies]\ndeadpool-postgres = \"0.14\"\n",
            ),
            (
                "app/Cargo.toml",
                "[package]\nname = \"app\"\n[dependencies]\ndeadpool-postgres = { workspace = true }\n",
            ),
            ("app/src/main.rs", ""),
        ]);
        let discovery = discover(&[dir.path().join("app/src/main.rs")]);
        assert!(discovery.dependencies.contains("deadpool-postgres"));
        assert_eq!(discovery.files.len(), 1);
    }

    #[test]
    fn broken_manifest_is_reported_with_its_line() {
        let dir = tree(&[
            ("Cargo.toml", "[workspace]\nmembers = [\"b\"]\n"),
            (
                "b/Cargo.toml",
                "[package]\nname = \"b\"\n[dependencies\nsqlx = \"0.8\"\n",
            ),
            ("b/src/lib.rs", ""),
        ]);
        let discovery = discover(&[dir.path().to_path_buf()]);
        assert_eq!(discovery.errors.len(), 1, "{:?}", discovery.errors);
        assert_eq!(discovery.errors[0].file, "b/Cargo.toml");
        assert_eq!(discovery.errors[0].line, Some(3));
        assert_eq!(displays(&discovery), ["b/src/lib.rs"]);
    }

    #[test]
    fn several_roots_keep_names_unique_and_files_single() {
        let dir = tree(&[("a/src/lib.rs", ""), ("b/src/lib.rs", "")]);
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        let discovery = discover(&[b.clone(), a.clone(), a.join("src")]);
        let expected_a = format!("{}/src/lib.rs", normalise(&a));
        let expected_b = format!("{}/src/lib.rs", normalise(&b));
        assert_eq!(displays(&discovery), [expected_a, expected_b]);
    }

    #[test]
    fn display_root_joined_with_display_names_gives_the_files() {
        let dir = tree(&[
            ("a/src/lib.rs", ""),
            ("a/src/x.rs", ""),
            ("b/src/lib.rs", ""),
        ]);
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        for paths in [
            vec![a.clone()],
            vec![a.join("src/x.rs")],
            vec![a.clone(), b.clone()],
            vec![a.join("src"), b.join("src/lib.rs")],
        ] {
            let discovery = discover(&paths);
            assert!(!discovery.files.is_empty(), "{paths:?}");
            let root = display_root(&paths);
            for file in &discovery.files {
                assert_eq!(
                    identity(&root.join(&file.display)),
                    identity(&file.path),
                    "{paths:?}: {}",
                    file.display
                );
            }
        }
    }

    #[test]
    fn cargo_targets_follow_the_conventional_layout() {
        let dir = tree(&[
            (
                "app/Cargo.toml",
                "[package]\nname = \"my-app\"\nversion = \"1.2.3\"\nedition = \"2024\"\n",
            ),
            ("app/src/lib.rs", ""),
            ("app/src/db/pool.rs", ""),
            ("app/src/main.rs", ""),
            ("app/src/bin/tool.rs", ""),
            ("app/src/bin/big/main.rs", ""),
            ("app/src/bin/big/helper.rs", ""),
            ("app/tests/api.rs", ""),
            ("app/examples/demo/util.rs", ""),
            ("app/build.rs", ""),
            ("virtual/Cargo.toml", "[workspace]\nmembers = []\n"),
            ("virtual/loose.rs", ""),
            ("bare/src/helpers.rs", ""),
            ("bare/Cargo.toml", "[package]\nname = \"bare\"\n"),
            ("bare/src/main.rs", ""),
        ]);
        let app = fs::canonicalize(dir.path().join("app")).expect("canonical");
        let target = |path: &str| {
            cargo_target_of(&dir.path().join(path)).map(|t| {
                (
                    t.kind,
                    t.name,
                    slash_path(t.src_path.strip_prefix(&app).unwrap_or(&t.src_path)),
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
            target("app/src/bin/tool.rs"),
            expect("bin", "tool", "src/bin/tool.rs")
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
            target("app/examples/demo/util.rs"),
            expect("example", "demo", "examples/demo/main.rs")
        );
        assert_eq!(
            target("app/build.rs"),
            expect("custom-build", "build-script-build", "build.rs")
        );
        let lib = cargo_target_of(&dir.path().join("app/src/lib.rs")).expect("a package");
        assert_eq!(lib.package_name, "my-app");
        assert_eq!(lib.package_version, "1.2.3");
        assert_eq!(lib.edition, "2024");
        assert_eq!(lib.manifest_path, app.join("Cargo.toml"));
        assert_eq!(cargo_target_of(&dir.path().join("virtual/loose.rs")), None);
        let bare = cargo_target_of(&dir.path().join("bare/src/helpers.rs")).expect("a package");
        assert_eq!((bare.kind, bare.package_version.as_str()), ("bin", "0.0.0"));
    }

    #[test]
    fn display_names_fold_parent_steps() {
        assert_eq!(tidy("src/../"), "");
        assert_eq!(tidy("a/b/../../../"), "..");
        assert_eq!(tidy("../../"), "../..");
        assert_eq!(tidy("/x/../"), "/");
    }
}
