//! Configuration: `connleak.toml` at the workspace root, or
//! `[workspace.metadata.connleak]` / `[package.metadata.connleak]` in
//! `Cargo.toml` (DESIGN §4). Errors name the file, the line and the key.

use std::collections::BTreeMap;

use crate::findings::Level;
use crate::packs::ResourceSpec;

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub exclude: Vec<String>,
    pub lints: BTreeMap<String, Level>,
    pub resources: Vec<ResourceSpec>,
}
