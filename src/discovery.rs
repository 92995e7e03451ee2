//! Which files to check: from each PATH (a file, a crate, a workspace, any
//! folder), every regular `.rs` file, skipping `target/` and hidden folders and
//! the configured `exclude` globs, in sorted order. Also finds the
//! configuration and the dependency names (from `Cargo.toml`, read as TOML)
//! that switch rule packs on. Never runs cargo.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::config::Config;
use crate::findings::FileError;

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
    /// One entry per configuration found (or failed to load).
    pub configs: Vec<Result<Config, FileError>>,
    /// Dependency names of every `Cargo.toml` found under or above the roots.
    pub dependencies: BTreeSet<String>,
}

pub fn discover(paths: &[PathBuf]) -> Discovery {
    let _ = paths;
    Discovery::default()
}
