//! Rule packs: which calls acquire, release or leak connections, which types
//! are pools, per database crate, as data (`lints/*.toml`), plus the user's own
//! `[[resource]]` declarations from configuration. This is the only place a
//! database crate is named; the analysis speaks of roles.
//!
//! Matching is by path *suffix* on paths already resolved through `use`
//! items: the entry `PgConnection::connect` matches `sqlx::PgConnection::connect`
//! and `sqlx::postgres::PgConnection::connect`.

use serde::Deserialize;

/// The built-in packs, embedded so the binary works from any directory.
pub const BUILTIN_PACKS: &[(&str, &str)] = &[
    ("core.toml", include_str!("../lints/core.toml")),
    ("sqlx.toml", include_str!("../lints/sqlx.toml")),
];

/// One pack file (`lints/<crate>.toml`) or a user configuration's resources.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackFile {
    pub pack: Option<PackHeader>,
    #[serde(default)]
    pub pool: Vec<PoolSpec>,
    #[serde(default)]
    pub resource: Vec<ResourceSpec>,
    pub raw_sql: Option<RawSqlSpec>,
    /// Only in `core.toml`: language and runtime roles.
    pub roles: Option<CoreRoles>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackHeader {
    pub name: String,
    /// Dependency names (as in `Cargo.toml`, `-` or `_`) and path roots that
    /// switch the pack on. Empty: always on.
    #[serde(default)]
    pub crates: Vec<String>,
    #[serde(default)]
    pub docs: Option<String>,
}

/// A pool type: where pooled connections come from.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSpec {
    pub name: String,
    /// Paths of the pool type and its aliases (`sqlx::Pool`, `sqlx::PgPool`).
    pub types: Vec<String>,
    /// Calls that build a pool (`PgPool::connect`): for `temporary-pool`.
    #[serde(default)]
    pub constructors: Vec<String>,
    /// Calls that start a pool builder (`PgPoolOptions::new`).
    #[serde(default)]
    pub builders: Vec<String>,
    /// Builder methods that finish a pool (`connect`, `build`).
    #[serde(default)]
    pub build_methods: Vec<String>,
    /// Methods that run a query on an executor: a pool given to them (as the
    /// receiver or an argument) checks a connection out for the call.
    #[serde(default)]
    pub executor_methods: Vec<String>,
}

/// What a connection is, for the lints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ResourceKind {
    /// Checked out of a pool; Drop gives it back.
    Pooled,
    /// A transaction; it holds its connection.
    Transaction,
    /// A connection opened directly, not from a pool.
    #[default]
    Raw,
    /// A background driver half that must be spawned or awaited
    /// (tokio-postgres `Connection`).
    Driver,
}

/// A connection type (DESIGN §4 format, shared with user configuration).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceSpec {
    pub name: String,
    #[serde(default)]
    pub kind: ResourceKind,
    #[serde(default)]
    pub types: Vec<String>,
    /// `Type::method` on a receiver of that type (a pool type stands for
    /// every type of its `[[pool]]`), or a path call such as `PgConnection::connect`.
    #[serde(default)]
    pub acquire: Vec<String>,
    /// Calls that give it back or close it (`close`, `commit`, `rollback`),
    /// as a method on it or a call taking it.
    #[serde(default)]
    pub release: Vec<String>,
    /// Calls that take it out of its pool for good (`leak`, `detach`).
    #[serde(default)]
    pub leak: Vec<String>,
    /// Whether dropping it releases it. `false`: it must be released on every path.
    #[serde(default = "default_true")]
    pub drop_releases: bool,
    /// When the acquire returns a tuple, which element is this resource.
    #[serde(default)]
    pub tuple_index: Option<u32>,
}

fn default_true() -> bool {
    true
}

/// Raw transaction control through SQL strings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSqlSpec {
    /// Statements (prefix, case-insensitive) that open a transaction.
    pub begin: Vec<String>,
    /// Statements that end one.
    pub end: Vec<String>,
    /// Functions and macros that turn a string into a query (`sqlx::query`).
    pub query_functions: Vec<String>,
}

/// Language and runtime roles (`lints/core.toml`): not database crates.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoreRoles {
    pub forget: Vec<String>,
    pub box_leak: Vec<String>,
    pub manually_drop: Vec<String>,
    pub manually_drop_release: Vec<String>,
    pub drop: Vec<String>,
    pub spawn: Vec<String>,
    /// Wrappers whose result holds the argument (`Box::new`, `Arc::new`, `Some`).
    pub wrap: Vec<String>,
    /// Methods whose result is the receiver's value (`unwrap`, `expect`, `map_err`).
    pub passthrough_methods: Vec<String>,
    /// Methods that put the argument into a collection (`push`, `insert`).
    pub collection_insert_methods: Vec<String>,
    /// Methods on a static that store their argument (`set`, `get_or_init`).
    pub static_store_methods: Vec<String>,
    /// Macros that await all their arguments (`join!`, `try_join!`).
    pub join_macros: Vec<String>,
    /// Macros that never return (`panic!`, `unreachable!`).
    pub panic_macros: Vec<String>,
    /// Attributes that mark an entry point (`tokio::main`).
    pub main_attributes: Vec<String>,
    /// Attributes that mark a test (`test`, `tokio::test`, `sqlx::test`).
    pub test_attributes: Vec<String>,
}

/// A loaded pack with where it came from, for error messages.
#[derive(Debug, Clone)]
pub struct LoadedPack {
    pub source: String,
    pub file: PackFile,
}

/// Parses one pack file; the error names the file, line and key.
pub fn parse_pack(source: &str, text: &str) -> Result<LoadedPack, String> {
    match toml::from_str::<PackFile>(text) {
        Ok(file) => Ok(LoadedPack {
            source: source.to_string(),
            file,
        }),
        Err(error) => Err(format!("{source}: {error}")),
    }
}

/// The built-in packs. A broken built-in pack is a bug caught by the test suite,
/// so this reports it as an error string rather than panicking.
pub fn builtin_packs() -> Result<Vec<LoadedPack>, String> {
    BUILTIN_PACKS
        .iter()
        .map(|(name, text)| parse_pack(&format!("lints/{name}"), text))
        .collect()
}

/// Whether the path `written` (already resolved) ends with the entry `entry`
/// (`a::b::C::m` ends with `C::m`).
pub fn path_matches(written: &[String], entry: &str) -> bool {
    let entry_segments: Vec<&str> = entry.split("::").collect();
    if entry_segments.len() > written.len() {
        return false;
    }
    written[written.len() - entry_segments.len()..]
        .iter()
        .zip(&entry_segments)
        .all(|(a, b)| a == b)
}

/// Crate names as they appear in paths: `sqlx-core` is written `sqlx_core`.
pub fn crate_path_name(dependency: &str) -> String {
    dependency.replace('-', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_pack_parses() {
        let packs = builtin_packs().expect("built-in packs parse");
        assert_eq!(packs.len(), BUILTIN_PACKS.len());
    }

    #[test]
    fn suffix_matching() {
        let written: Vec<String> = ["sqlx", "postgres", "PgConnection", "connect"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert!(path_matches(&written, "PgConnection::connect"));
        assert!(path_matches(
            &written,
            "sqlx::postgres::PgConnection::connect"
        ));
        assert!(!path_matches(&written, "MySqlConnection::connect"));
        assert!(!path_matches(&written[..1], "PgConnection::connect"));
    }
}
