//! The packs, compiled into one lookup table: which packs a file gets (by
//! its crate's dependencies or the crates it names), and role queries over
//! resolved paths and method names.

use std::collections::BTreeSet;

use crate::model::relevance::{identifiers, Vocabulary};
use crate::packs::{
    builtin_packs, crate_path_name, path_matches, CoreRoles, LoadedPack, PoolSpec, RawSqlSpec,
    ResourceKind, ResourceSpec,
};

/// Method names of pack entries that most Rust code calls on other types
/// too: they do not make a body worth lowering by themselves.
const COMMON_METHOD_NAMES: &[&str] = &[
    "new",
    "get",
    "take",
    "all",
    "any",
    "one",
    "open",
    "unwrap",
    "build",
    "builder",
    "into_inner",
    "close",
    "exec",
    "fetch",
    "query",
    "connect",
    "transaction",
    "try_get",
];

/// Names people give pools and connections (`state.pool()`, `&mut conn`,
/// `tx`). Not needed for the result: a body that reaches a connection
/// through a workspace name is lowered once the summaries show it. A body
/// that says these is likely to, and lowering it at once spares parsing it
/// a second time.
const CONNECTION_NAMES: &[&str] = &["pool", "conn", "connection", "tx", "txn", "transaction"];

/// Index of a pack in [`PackTable::packs`].
pub type PackId = usize;

/// A resource with the pack it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceId {
    pub pack: PackId,
    pub index: usize,
}

/// A pool kind with the pack it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PoolId {
    pub pack: PackId,
    pub index: usize,
}

#[derive(Debug, Clone)]
pub struct Pack {
    pub name: String,
    /// Path roots (`sqlx`, `deadpool_postgres`); empty: always active.
    pub crates: Vec<String>,
    pub pools: Vec<PoolSpec>,
    pub resources: Vec<ResourceSpec>,
    pub raw_sql: Option<RawSqlSpec>,
    /// Switched on by a dependency of the checked workspace.
    pub active_by_dependency: bool,
    /// The configuration's own resources: its entries name the workspace's
    /// types and functions (`Handle`, `Registry::checkout`), which no
    /// built-in pack may.
    pub workspace_items: bool,
}

impl Pack {
    /// Every type, call and method name the pack lists.
    fn entries(&self) -> impl Iterator<Item = &String> {
        let pool_entries = self.pools.iter().flat_map(|pool| {
            pool.types
                .iter()
                .chain(&pool.constructors)
                .chain(&pool.builders)
                .chain(&pool.build_methods)
                .chain(&pool.executor_methods)
        });
        let resource_entries = self.resources.iter().flat_map(|resource| {
            resource
                .types
                .iter()
                .chain(&resource.acquire)
                .chain(&resource.release)
                .chain(&resource.leak)
        });
        let query_functions = self.raw_sql.iter().flat_map(|raw| &raw.query_functions);
        pool_entries.chain(resource_entries).chain(query_functions)
    }
}

#[derive(Debug, Clone, Default)]
pub struct PackTable {
    pub packs: Vec<Pack>,
    pub core: CoreRoles,
    /// The last segment of every type and call any pack names: a path whose
    /// last segment is not here matches no entry, which spares the entry
    /// scans on the hot path (most calls and types are not databases').
    last_segments: BTreeSet<String>,
}

impl PackTable {
    /// Loads the built-in packs and the user's resources (always active).
    pub fn build(
        dependencies: &BTreeSet<String>,
        user: &[ResourceSpec],
    ) -> Result<PackTable, String> {
        let loaded = builtin_packs()?;
        PackTable::from_loaded(loaded, dependencies, user)
    }

    pub fn from_loaded(
        loaded: Vec<LoadedPack>,
        dependencies: &BTreeSet<String>,
        user: &[ResourceSpec],
    ) -> Result<PackTable, String> {
        let dependency_roots: BTreeSet<String> =
            dependencies.iter().map(|d| crate_path_name(d)).collect();
        let mut table = PackTable::default();
        for pack in loaded {
            if let Some(roles) = pack.file.roles {
                table.core = roles;
            }
            let header = pack.file.pack.unwrap_or_default();
            let crates: Vec<String> = header.crates.iter().map(|c| crate_path_name(c)).collect();
            let active_by_dependency =
                crates.is_empty() || crates.iter().any(|c| dependency_roots.contains(c));
            table.packs.push(Pack {
                name: header.name,
                crates,
                pools: pack.file.pool,
                resources: pack.file.resource,
                raw_sql: pack.file.raw_sql,
                active_by_dependency,
                workspace_items: false,
            });
        }
        // A user entry for a type a pack already knows (`sqlx::PgConnection`
        // with `drop_releases = false`, for a project that wants raw
        // connections closed) is that project's policy for the type: it takes
        // the pack entry's place, so that one acquire makes one connection and
        // the pack's gating and derived acquires (`conn.begin()`) still apply.
        // The pack entry's other types (`sqlx::MySqlConnection` beside
        // `sqlx::PgConnection`) keep the pack's rules.
        let mut own_types = Vec::new();
        for resource in user {
            let Some(id) = table.known_resource(&resource.types) else {
                own_types.push(resource.clone());
                continue;
            };
            let pack = &mut table.packs[id.pack];
            let mut rest = std::mem::replace(&mut pack.resources[id.index], resource.clone());
            rest.types
                .retain(|known| !resource.types.iter().any(|t| same_type(t, known)));
            rest.acquire
                .retain(|entry| !resource.acquire.iter().any(|a| same_call(a, entry)));
            if !rest.types.is_empty() && !rest.acquire.is_empty() {
                pack.resources.push(rest);
            }
        }
        if !own_types.is_empty() {
            table.packs.push(Pack {
                name: String::from("configuration"),
                crates: Vec::new(),
                pools: Vec::new(),
                resources: own_types,
                raw_sql: None,
                active_by_dependency: true,
                workspace_items: true,
            });
        }
        table.last_segments = table.entry_last_segments();
        Ok(table)
    }

    fn entry_last_segments(&self) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        for entry in self.packs.iter().flat_map(Pack::entries) {
            if let Some(last) = entry.rsplit("::").next() {
                names.insert(last.to_string());
            }
        }
        names
    }

    /// The words that make a body worth lowering (see
    /// [`crate::model::relevance`]), from every pack, active or not: crate
    /// roots (`sqlx::query(..)`, `sqlx::PgPool`), and acquire and executor
    /// method names unless common in all Rust code (`pool.acquire()`, not
    /// `pool.get()`). A method call needs a receiver whose type the text or
    /// a workspace word shows, so the method names only spare a second
    /// lowering of the common case.
    ///
    /// Every segment of every entry is an import word: a `use` of a path
    /// with one of them makes the name it imports a word in that file
    /// (`use sqlx::PgPool` makes `PgPool` one).
    pub fn vocabulary(&self) -> Vocabulary {
        let mut vocabulary = self.vocabulary_of(|_| true);
        for word in CONNECTION_NAMES {
            vocabulary.insert(word);
        }
        vocabulary
    }

    /// [`PackTable::vocabulary`] of the packs `keep` says.
    pub fn vocabulary_of(&self, keep: impl Fn(&Pack) -> bool) -> Vocabulary {
        let mut vocabulary = Vocabulary::default();
        for pack in self.packs.iter().filter(|pack| keep(pack)) {
            for root in &pack.crates {
                vocabulary.insert(root);
                vocabulary.insert_import_word(root);
            }
            for entry in pack.entries() {
                for word in identifiers(entry) {
                    vocabulary.insert_import_word(word);
                }
            }
            let acquires = pack.resources.iter().flat_map(|r| &r.acquire);
            let executors = pack.pools.iter().flat_map(|p| &p.executor_methods);
            for entry in acquires.chain(executors) {
                if let Some(method) = identifiers(entry).last() {
                    if !COMMON_METHOD_NAMES.contains(&method) {
                        vocabulary.insert(method);
                    }
                }
            }
        }
        vocabulary
    }

    /// Whether any pack entry ends with this segment.
    pub fn may_name(&self, resolved: &[String]) -> bool {
        resolved
            .last()
            .is_some_and(|last| self.last_segments.contains(last))
    }

    /// The pack resource one of `types` names by a crate path.
    fn known_resource(&self, types: &[String]) -> Option<ResourceId> {
        self.packs.iter().enumerate().find_map(|(pack, spec)| {
            spec.resources
                .iter()
                .position(|resource| {
                    resource
                        .types
                        .iter()
                        .any(|known| types.iter().any(|t| same_type(t, known)))
                })
                .map(|index| ResourceId { pack, index })
        })
    }

    /// The packs that apply to a file naming `crate_roots`.
    pub fn active_for(&self, crate_roots: &[String]) -> Vec<PackId> {
        self.packs
            .iter()
            .enumerate()
            .filter(|(_, pack)| {
                pack.active_by_dependency || pack.crates.iter().any(|c| crate_roots.contains(c))
            })
            .map(|(id, _)| id)
            .collect()
    }

    pub fn resource(&self, id: ResourceId) -> &ResourceSpec {
        &self.packs[id.pack].resources[id.index]
    }

    pub fn pool(&self, id: PoolId) -> &PoolSpec {
        &self.packs[id.pack].pools[id.index]
    }

    pub fn resource_kind(&self, id: ResourceId) -> ResourceKind {
        self.resource(id).kind
    }
}

/// Suffix matching in both directions, for names written shorter or longer
/// than the pack entry: `PgPool` against `sqlx::PgPool`, and
/// `sqlx::postgres::PgPool` against `sqlx::PgPool`'s last segment.
/// A one-segment name only matches a one-segment entry or an entry's last
/// segment when `allow_bare` (types: a bare `PgPool` is evidence; a bare
/// function name `connect` is not).
pub fn name_matches(written: &[String], entry: &str, allow_bare: bool) -> bool {
    if written.is_empty() {
        return false;
    }
    // No allocation: this runs for every call against every pack entry.
    // Both ways to match below compare the last segments first.
    if !crate::packs::last_segments_agree(written, entry) {
        return false;
    }
    let entry_length = crate::packs::entry_segments_from_end(entry).count();
    if path_matches(written, entry) {
        return entry_length >= 2 || written.len() == 1 || allow_bare;
    }
    if written.len() < entry_length {
        let matches = crate::packs::entry_segments_from_end(entry)
            .zip(written.iter().rev())
            .all(|(segment, w)| w == segment);
        return matches && (written.len() >= 2 || allow_bare);
    }
    // Same last segment but a different crate path (`crate_a::Pool` vs
    // `crate_b::Pool`): only when the written crate root is one we cannot
    // tell apart, which we refuse: prefer silence.
    false
}

/// Two type paths for the same type: same crate, same name
/// (`sqlx::PgConnection`, `sqlx::postgres::PgConnection`). A bare name
/// (`Client`) is a project's own type, whatever the packs list.
fn same_type(a: &str, b: &str) -> bool {
    let ends = |written: &str| {
        let segments: Vec<&str> = written.split("::").collect();
        match segments.as_slice() {
            [first, .., last] => Some((crate_path_name(first), last.to_string())),
            _ => None,
        }
    };
    ends(a).is_some_and(|a| Some(a) == ends(b))
}

/// Two entries for the same call: `PgConnection::connect` and
/// `sqlx::PgConnection::connect`.
fn same_call(a: &str, b: &str) -> bool {
    a == b || (split_method_entry(a).is_some() && split_method_entry(a) == split_method_entry(b))
}

/// `Type::method` entry split into its type and method parts.
pub fn split_method_entry(entry: &str) -> Option<(&str, &str)> {
    let (type_part, method) = entry.rsplit_once("::")?;
    let type_name = type_part.rsplit("::").next().unwrap_or(type_part);
    Some((type_name, method))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> Vec<String> {
        text.split("::").map(String::from).collect()
    }

    #[test]
    fn names_match_by_suffix_both_ways() {
        assert!(name_matches(&path("sqlx::PgPool"), "sqlx::PgPool", false));
        assert!(name_matches(&path("PgPool"), "sqlx::PgPool", true));
        assert!(!name_matches(
            &path("connect"),
            "tokio_postgres::connect",
            false
        ));
        assert!(name_matches(
            &path("tokio_postgres::connect"),
            "tokio_postgres::connect",
            false
        ));
        assert!(name_matches(
            &path("PgConnection::connect"),
            "sqlx::PgConnection::connect",
            false
        ));
        assert!(!name_matches(
            &path("deadpool_postgres::Pool"),
            "sqlx::Pool",
            true
        ));
        assert!(name_matches(&path("drop"), "drop", false));
    }

    #[test]
    fn user_resource_with_a_crate_path_replaces_the_pack_entry() {
        let dependencies: BTreeSet<String> = [String::from("sqlx")].into_iter().collect();
        let strict = ResourceSpec {
            name: String::from("raw connection"),
            types: vec![String::from("sqlx::PgConnection")],
            acquire: vec![String::from("PgConnection::connect")],
            release: vec![String::from("PgConnection::close")],
            drop_releases: false,
            ..ResourceSpec::default()
        };
        let own = ResourceSpec {
            name: String::from("legacy client"),
            types: vec![String::from("PgConnection")],
            acquire: vec![String::from("Legacy::open")],
            ..ResourceSpec::default()
        };
        let table = PackTable::build(&dependencies, &[strict, own]).expect("packs load");
        let sqlx = table
            .packs
            .iter()
            .find(|p| p.name == "sqlx")
            .expect("sqlx pack");
        let raw: Vec<&ResourceSpec> = sqlx
            .resources
            .iter()
            .filter(|r| r.types.iter().any(|t| t == "sqlx::PgConnection"))
            .collect();
        assert_eq!(raw.len(), 1);
        assert!(!raw[0].drop_releases);
        // The pack entry's other raw connections keep the pack's rules.
        let mysql = sqlx
            .resources
            .iter()
            .find(|r| r.types.iter().any(|t| t == "sqlx::MySqlConnection"))
            .expect("MySqlConnection still known");
        assert!(mysql.drop_releases);
        assert!(!mysql.acquire.iter().any(|a| a == "PgConnection::connect"));
        let configuration = table.packs.last().expect("user pack");
        assert_eq!(configuration.name, "configuration");
        assert_eq!(configuration.resources.len(), 1);
        assert_eq!(configuration.resources[0].name, "legacy client");
    }

    #[test]
    fn method_entries_split() {
        assert_eq!(
            split_method_entry("Pool::acquire"),
            Some(("Pool", "acquire"))
        );
        assert_eq!(
            split_method_entry("sqlx::pool::PoolConnection::leak"),
            Some(("PoolConnection", "leak"))
        );
        assert_eq!(split_method_entry("drop"), None);
    }
}
