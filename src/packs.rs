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
    ("awaits.toml", include_str!("../lints/awaits.toml")),
    ("bb8.toml", include_str!("../lints/bb8.toml")),
    ("deadpool.toml", include_str!("../lints/deadpool.toml")),
    ("diesel.toml", include_str!("../lints/diesel.toml")),
    (
        "diesel-async.toml",
        include_str!("../lints/diesel-async.toml"),
    ),
    ("mobc.toml", include_str!("../lints/mobc.toml")),
    ("mongodb.toml", include_str!("../lints/mongodb.toml")),
    ("mysql.toml", include_str!("../lints/mysql.toml")),
    (
        "mysql_async.toml",
        include_str!("../lints/mysql_async.toml"),
    ),
    ("postgres.toml", include_str!("../lints/postgres.toml")),
    ("r2d2.toml", include_str!("../lints/r2d2.toml")),
    ("redis.toml", include_str!("../lints/redis.toml")),
    ("rusqlite.toml", include_str!("../lints/rusqlite.toml")),
    ("scylla.toml", include_str!("../lints/scylla.toml")),
    ("sea-orm.toml", include_str!("../lints/sea-orm.toml")),
    ("sqlx.toml", include_str!("../lints/sqlx.toml")),
    ("tiberius.toml", include_str!("../lints/tiberius.toml")),
    (
        "tokio-postgres.toml",
        include_str!("../lints/tokio-postgres.toml"),
    ),
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
    /// What awaited calls wait on (`awaits.toml`).
    #[serde(default, rename = "await")]
    pub awaits: Vec<AwaitSpec>,
    /// Which query calls write (the database packs).
    #[serde(default, rename = "query")]
    pub queries: Vec<QuerySpec>,
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
    /// Methods that close the pool (`close`): a pool closed before it goes
    /// is not a temporary pool left to the server to clean up.
    #[serde(default)]
    pub close_methods: Vec<String>,
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
    /// Of `leak`, the calls that free the pool's slot as they take the
    /// connection out (`detach`, deadpool's `Object::take`): the pool may
    /// open another, so the process can hold more connections than the pool
    /// allows. Reported at warn, and not at all when the connection is kept
    /// to `LISTEN` for notifications.
    #[serde(default)]
    pub detach: Vec<String>,
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
    /// Functions that move the value out of the place their first argument
    /// borrows and leave an empty one (`std::mem::take`, `std::mem::replace`).
    #[serde(default)]
    pub take: Vec<String>,
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

/// What an awaited call waits on, which decides whether holding a
/// connection across it starves the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AwaitKind {
    /// Another machine: HTTP, SMTP, gRPC, object storage, Redis, brokers.
    Network,
    /// A sleep, an interval tick, a deadline.
    Timer,
    /// A child process.
    Process,
    /// The local file system.
    Storage,
    /// An operation retried with back-off: its attempts and the sleeps
    /// between them.
    Retry,
    /// Memory shared with other tasks: a bounded channel's send, a lock, a
    /// local cache, a yield.
    InMemory,
    /// A message or signal from another task (a channel's receive, a
    /// notification): as long as that task takes.
    ChannelReceive,
    /// A spawned task's end: as long as the task runs.
    Task,
}

impl AwaitKind {
    /// The spelling in pack files.
    pub fn name(self) -> &'static str {
        match self {
            AwaitKind::Network => "network",
            AwaitKind::Timer => "timer",
            AwaitKind::Process => "process",
            AwaitKind::Storage => "storage",
            AwaitKind::Retry => "retry",
            AwaitKind::InMemory => "in-memory",
            AwaitKind::ChannelReceive => "channel-receive",
            AwaitKind::Task => "task",
        }
    }

    /// Whether awaiting it takes long enough to matter to a pool:
    /// `Some(true)` slow, `Some(false)` fast, `None` as slow as another
    /// task makes it (`channel-receive`, `task`), for the caller to decide.
    pub fn is_slow(self) -> Option<bool> {
        match self {
            AwaitKind::Network
            | AwaitKind::Timer
            | AwaitKind::Process
            | AwaitKind::Storage
            | AwaitKind::Retry => Some(true),
            AwaitKind::InMemory => Some(false),
            AwaitKind::ChannelReceive | AwaitKind::Task => None,
        }
    }
}

/// One group of calls that wait on the same kind of thing
/// (`[[await]]` in `lints/awaits.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwaitSpec {
    pub kind: AwaitKind,
    /// How a message names the wait: "the {what} in `{function}`".
    pub what: String,
    /// `Type::method` or function paths whose call is awaited
    /// (`reqwest::RequestBuilder::send`, `tokio::time::sleep`).
    #[serde(default)]
    pub calls: Vec<String>,
    /// Types and traits each of `methods` is called on: the group holds
    /// every `receiver::method` pair.
    #[serde(default)]
    pub receivers: Vec<String>,
    #[serde(default)]
    pub methods: Vec<String>,
    /// Where a builder chain starts whose awaited end waits, when the types
    /// in between are not known: a type (any method called on a value of
    /// it) or a call (`surf::get`, `opendal::Operator::read_with`).
    #[serde(default)]
    pub chains: Vec<String>,
    /// The methods that end such a chain with the wait (`send`). Empty: the
    /// chain's value is itself the future, whatever method is awaited last.
    #[serde(default)]
    pub chain_ends: Vec<String>,
    /// Types whose values are futures awaited as they are
    /// (`tokio::time::Sleep`, `tokio::task::JoinHandle`).
    #[serde(default)]
    pub futures: Vec<String>,
    /// The argument (0-based, the receiver not counted) holding the future
    /// or the closure that does the waiting (`timeout(duration, future)`:
    /// 1). When it can be classified, it says more than the group's kind.
    #[serde(default)]
    pub waits_on_argument: Option<usize>,
}

/// What a query call does to the database (`[[query]]` in the database
/// packs): whether a transaction that made it has work to lose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QueryEffect {
    /// Writes, or builds a statement that writes when it runs
    /// (`diesel::insert_into`, sea-orm `ActiveModel::save`).
    Writes,
    /// Runs or builds a statement from SQL text (`sqlx::query`,
    /// `diesel::sql_query`): the text decides.
    SqlText,
    /// Runs the statement it is given or called on, whose text or builder
    /// decides; a write when that statement is not known (`execute`: these
    /// calls exist to run commands).
    Runs,
    /// Reads the rows of the statement it is given or called on, or builds
    /// a reading query; a write only when that statement writes
    /// (`INSERT .. RETURNING` through `fetch_one`).
    Reads,
}

impl QueryEffect {
    /// The spelling in pack files.
    pub fn name(self) -> &'static str {
        match self {
            QueryEffect::Writes => "writes",
            QueryEffect::SqlText => "sql-text",
            QueryEffect::Runs => "runs",
            QueryEffect::Reads => "reads",
        }
    }
}

/// One group of query calls with the same effect.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuerySpec {
    pub effect: QueryEffect,
    /// `Type::method` or function paths.
    #[serde(default)]
    pub calls: Vec<String>,
    /// Types and traits each of `methods` is called on.
    #[serde(default)]
    pub receivers: Vec<String>,
    #[serde(default)]
    pub methods: Vec<String>,
}

/// A group's `calls`, then every `receiver::method` pair it names.
pub fn expanded_calls<'s>(
    calls: &'s [String],
    receivers: &'s [String],
    methods: &'s [String],
) -> impl Iterator<Item = String> + 's {
    let pairs = receivers.iter().flat_map(move |receiver| {
        methods
            .iter()
            .map(move |method| format!("{receiver}::{method}"))
    });
    calls.iter().cloned().chain(pairs)
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
///
/// Parsed once per process: they are compiled in, and parsing the TOML took
/// more time than checking a small crate (library users and the fuzzer call
/// the pipeline many times).
pub fn builtin_packs() -> Result<Vec<LoadedPack>, String> {
    static PARSED: std::sync::OnceLock<Result<Vec<LoadedPack>, String>> =
        std::sync::OnceLock::new();
    PARSED
        .get_or_init(|| {
            BUILTIN_PACKS
                .iter()
                .map(|(name, text)| parse_pack(&format!("lints/{name}"), text))
                .collect()
        })
        .clone()
}

/// Whether the path `written` (already resolved) ends with the entry `entry`
/// (`a::b::C::m` ends with `C::m`).
pub fn path_matches(written: &[crate::model::Name], entry: &str) -> bool {
    // Compared from the end, without collecting the entry's segments: this
    // runs for every call of every body against every pack entry.
    if !last_segments_agree(written, entry) {
        return false;
    }
    let mut written_from_end = written.iter().rev();
    entry_segments_from_end(entry)
        .all(|segment| written_from_end.next().is_some_and(|w| w == segment))
}

/// Whether `entry` ends with the last segment of `written`: a comparison of
/// a few bytes that rejects almost every entry before any splitting.
pub(crate) fn last_segments_agree(written: &[crate::model::Name], entry: &str) -> bool {
    let Some(last) = written.last() else {
        return false;
    };
    entry
        .strip_suffix(last.as_str())
        .is_some_and(|head| head.is_empty() || head.ends_with(':'))
}

/// The `::`-separated segments of a pack entry, last first. Split on the
/// character: a `"::"` pattern builds a substring searcher on every call.
pub(crate) fn entry_segments_from_end(entry: &str) -> impl Iterator<Item = &str> {
    entry.rsplit(':').filter(|segment| !segment.is_empty())
}

/// Crate names as they appear in paths: `sqlx-core` is written `sqlx_core`.
pub fn crate_path_name(dependency: &str) -> String {
    dependency.replace('-', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    fn packs() -> Vec<LoadedPack> {
        builtin_packs().expect("built-in packs parse")
    }

    fn manifest_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    #[test]
    fn every_builtin_pack_parses() {
        let packs = packs();
        assert_eq!(packs.len(), BUILTIN_PACKS.len());
    }

    #[test]
    fn builtin_packs_are_registered_sorted_and_named_after_their_file() {
        let names: Vec<&str> = BUILTIN_PACKS.iter().map(|(name, _)| *name).collect();
        assert_eq!(names.first(), Some(&"core.toml"), "core comes first");
        let stems: Vec<&str> = names[1..]
            .iter()
            .map(|name| name.trim_end_matches(".toml"))
            .collect();
        let mut sorted = stems.clone();
        sorted.sort_unstable();
        assert_eq!(
            stems, sorted,
            "packs after core are in alphabetical order of their names"
        );

        // Every file in lints/ is embedded: a pack written but not registered
        // would silently never apply.
        let mut on_disk: Vec<String> = std::fs::read_dir(manifest_dir().join("lints"))
            .expect("lints/ is readable")
            .map(|entry| {
                entry
                    .expect("lints/ entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|name| name.ends_with(".toml"))
            .collect();
        on_disk.sort_unstable();
        let mut registered: Vec<String> = names.iter().map(|name| name.to_string()).collect();
        registered.sort_unstable();
        assert_eq!(on_disk, registered);

        for (file, pack) in BUILTIN_PACKS.iter().zip(packs()) {
            let header = pack
                .file
                .pack
                .as_ref()
                .unwrap_or_else(|| panic!("{}: no [pack]", file.0));
            assert_eq!(
                format!("{}.toml", header.name),
                file.0,
                "pack name matches its file"
            );
        }
    }

    #[test]
    fn every_resource_has_a_type_and_an_acquire() {
        for pack in packs() {
            for resource in &pack.file.resource {
                assert!(
                    !resource.types.is_empty(),
                    "{}: resource {:?} has no type",
                    pack.source,
                    resource.name
                );
                assert!(
                    !resource.acquire.is_empty(),
                    "{}: resource {:?} has no acquire",
                    pack.source,
                    resource.name
                );
            }
            for pool in &pack.file.pool {
                assert!(
                    !pool.types.is_empty(),
                    "{}: pool {:?} has no type",
                    pack.source,
                    pool.name
                );
            }
        }
    }

    #[test]
    fn resource_kinds_are_checked_when_parsing() {
        let text = "[[resource]]\nname = \"x\"\nkind = \"pooledd\"\ntypes = [\"a::B\"]\nacquire = [\"B::open\"]\n";
        assert!(
            parse_pack("test.toml", text).is_err(),
            "an unknown kind is rejected"
        );
        for pack in packs() {
            for resource in &pack.file.resource {
                if resource.kind == ResourceKind::Driver {
                    assert!(
                        !resource.drop_releases,
                        "{}: a driver must be spawned or awaited, not dropped",
                        pack.source
                    );
                    assert!(
                        resource.tuple_index.is_some(),
                        "{}: a driver is one half of a tuple",
                        pack.source
                    );
                }
            }
        }
    }

    /// Bare method names (`get`, `take`, `unwrap`) match far too much; every
    /// entry but builder/executor method names and raw SQL carries a `Type::`.
    #[test]
    fn entries_are_paths_not_bare_method_names() {
        for pack in packs() {
            let mut entries: Vec<(&str, &String)> = Vec::new();
            for pool in &pack.file.pool {
                entries.extend(pool.types.iter().map(|e| ("pool types", e)));
                entries.extend(pool.constructors.iter().map(|e| ("constructors", e)));
                entries.extend(pool.builders.iter().map(|e| ("builders", e)));
            }
            for resource in &pack.file.resource {
                entries.extend(resource.types.iter().map(|e| ("types", e)));
                entries.extend(resource.acquire.iter().map(|e| ("acquire", e)));
                entries.extend(resource.release.iter().map(|e| ("release", e)));
                entries.extend(resource.leak.iter().map(|e| ("leak", e)));
            }
            for (key, entry) in entries {
                // A bare type name (`PgListener`) is a type, not a method: it
                // is matched as a type, never as a call.
                let bare_type =
                    key.ends_with("types") && entry.starts_with(|c: char| c.is_ascii_uppercase());
                assert!(
                    entry.contains("::") || bare_type,
                    "{}: {key} entry {entry:?} is a bare name",
                    pack.source
                );
                assert!(
                    entry.split("::").all(
                        |segment| !segment.is_empty() && !segment.contains(char::is_whitespace)
                    ),
                    "{}: {key} entry {entry:?} is not a path",
                    pack.source
                );
            }
        }
    }

    #[test]
    fn no_two_packs_claim_the_same_crate() {
        let mut owner: BTreeMap<String, String> = BTreeMap::new();
        for pack in packs() {
            let Some(header) = &pack.file.pack else {
                continue;
            };
            for name in &header.crates {
                if let Some(previous) = owner.insert(crate_path_name(name), pack.source.clone()) {
                    panic!(
                        "crate {name:?} is claimed by {previous} and {}",
                        pack.source
                    );
                }
            }
        }
    }

    /// `fixtures/<pack>/`: at least two files that must fire and two `ok_*`
    /// files that must stay silent, every one valid Rust, every mark naming a
    /// known lint. Whether the marks are met is the fixture runner's job.
    #[test]
    fn every_database_pack_has_fixtures() {
        for pack in packs() {
            let Some(header) = &pack.file.pack else {
                continue;
            };
            if header.crates.is_empty() {
                continue;
            }
            let dir = manifest_dir().join("fixtures").join(&header.name);
            let (firing, silent) = check_fixture_dir(&dir);
            assert!(
                firing >= 2,
                "{}: {firing} firing fixtures, want 2",
                dir.display()
            );
            assert!(
                silent >= 2,
                "{}: {silent} silent fixtures, want 2",
                dir.display()
            );
        }
    }

    fn check_fixture_dir(dir: &Path) -> (usize, usize) {
        let mut firing = 0;
        let mut silent = 0;
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("fixture entry").path();
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("fixture is readable");
            if let Err(error) = syn::parse_file(&text) {
                panic!("{}: does not parse: {error}", path.display());
            }
            let mut marks = 0;
            for (number, line) in text.lines().enumerate() {
                if let Some(at) = line.find("//~") {
                    let lint = line[at + 3..].trim();
                    assert!(
                        crate::rules::Lint::from_name(lint).is_some(),
                        "{}:{}: unknown lint {lint:?}",
                        path.display(),
                        number + 1
                    );
                    marks += 1;
                }
            }
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            // A known miss keeps today's marks and says what it should do,
            // so that it fails the day it is fixed; it counts for neither side.
            let known_miss = if name.starts_with("ok_") {
                text.contains("// FIXME: should be silent")
            } else {
                text.contains("// FIXME: should fire")
            };
            if known_miss {
                continue;
            }
            if name.starts_with("ok_") {
                assert_eq!(marks, 0, "{}: an ok_ fixture has marks", path.display());
                silent += 1;
            } else {
                assert!(
                    marks > 0,
                    "{}: a firing fixture has no mark",
                    path.display()
                );
                firing += 1;
            }
        }
        (firing, silent)
    }

    /// A path entry: `::`-separated identifiers. `min_segments` is 2 for
    /// calls (a type or module, then the name) and 1 for receiver types,
    /// which are joined to a method before they are matched.
    fn assert_path(source: &str, key: &str, entry: &str, min_segments: usize) {
        let segments: Vec<&str> = entry.split("::").collect();
        assert!(
            segments.len() >= min_segments,
            "{source}: {key} entry {entry:?} is a bare name"
        );
        assert!(
            segments.iter().all(|s| is_identifier(s)),
            "{source}: {key} entry {entry:?} is not a path"
        );
    }

    fn is_identifier(text: &str) -> bool {
        text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    }

    /// Every `[[await]]` group says what it is and holds something to
    /// match; paths are paths and method names are names.
    #[test]
    fn every_await_group_is_well_formed() {
        let mut groups = 0;
        for pack in packs() {
            for group in &pack.file.awaits {
                groups += 1;
                let source = &pack.source;
                assert!(
                    !group.what.trim().is_empty(),
                    "{source}: an [[await]] without `what`"
                );
                assert!(
                    !group.calls.is_empty()
                        || !group.receivers.is_empty()
                        || !group.chains.is_empty()
                        || !group.futures.is_empty(),
                    "{source}: [[await]] {:?} matches nothing",
                    group.what
                );
                assert_eq!(
                    group.receivers.is_empty(),
                    group.methods.is_empty(),
                    "{source}: [[await]] {:?}: receivers and methods go together",
                    group.what
                );
                assert!(
                    group.chain_ends.is_empty() || !group.chains.is_empty(),
                    "{source}: [[await]] {:?}: chain_ends without chains",
                    group.what
                );
                for entry in group
                    .calls
                    .iter()
                    .chain(&group.chains)
                    .chain(&group.futures)
                {
                    assert_path(source, "await", entry, 2);
                }
                for receiver in &group.receivers {
                    assert_path(source, "await receivers", receiver, 1);
                }
                for name in group.methods.iter().chain(&group.chain_ends) {
                    assert!(
                        is_identifier(name),
                        "{source}: {name:?} is not a method name"
                    );
                }
            }
        }
        assert!(groups > 0, "the built-in packs say what awaits wait on");
    }

    /// Awaits are matched on paths only, whichever crates the workspace
    /// uses: the pack that holds them is always on.
    #[test]
    fn awaits_live_in_an_always_on_pack() {
        for pack in packs() {
            if pack.file.awaits.is_empty() {
                continue;
            }
            let header = pack.file.pack.as_ref().expect("a [pack] header");
            assert!(
                header.crates.is_empty(),
                "{}: [[await]] groups in a pack switched on by crates",
                pack.source
            );
        }
    }

    /// The same call under two kinds would make the answer depend on the
    /// order of the file; an entry that ends another one of a different
    /// kind would make it depend on how much of the path is known.
    #[test]
    fn no_await_entry_is_listed_under_two_kinds() {
        let mut calls: Vec<(String, AwaitKind)> = Vec::new();
        let mut chains: Vec<(String, String, AwaitKind)> = Vec::new();
        let mut futures: Vec<(String, AwaitKind)> = Vec::new();
        for pack in packs() {
            for group in &pack.file.awaits {
                for call in expanded_calls(&group.calls, &group.receivers, &group.methods) {
                    calls.push((call, group.kind));
                }
                let ends: Vec<String> = if group.chain_ends.is_empty() {
                    vec![String::from("*")]
                } else {
                    group.chain_ends.clone()
                };
                for start in &group.chains {
                    for end in &ends {
                        chains.push((start.clone(), end.clone(), group.kind));
                    }
                }
                futures.extend(group.futures.iter().map(|f| (f.clone(), group.kind)));
            }
        }
        for entries in [&calls, &futures] {
            for (at, (a, a_kind)) in entries.iter().enumerate() {
                for (b, b_kind) in &entries[at + 1..] {
                    assert!(a != b, "{a:?} is listed twice");
                    let nested = a.ends_with(&format!("::{b}")) || b.ends_with(&format!("::{a}"));
                    assert!(
                        !nested || a_kind == b_kind,
                        "{a:?} ({}) and {b:?} ({}) end alike under two kinds",
                        a_kind.name(),
                        b_kind.name()
                    );
                }
            }
        }
        for (at, (start, end, kind)) in chains.iter().enumerate() {
            for (other_start, other_end, other_kind) in &chains[at + 1..] {
                let same_end = end == other_end || end == "*" || other_end == "*";
                if start == other_start && same_end {
                    assert_eq!(
                        kind, other_kind,
                        "the chain from {start:?} to {end:?} has two kinds"
                    );
                }
            }
        }
    }

    /// Every `[[query]]` group holds paths and names, and no call has two
    /// effects, within a pack or across packs (a file may use several).
    #[test]
    fn every_query_group_is_well_formed_and_says_one_thing_per_call() {
        let mut effects: BTreeMap<String, (QueryEffect, String)> = BTreeMap::new();
        let mut groups = 0;
        for pack in packs() {
            let source = &pack.source;
            for group in &pack.file.queries {
                groups += 1;
                assert!(
                    !group.calls.is_empty() || !group.receivers.is_empty(),
                    "{source}: a [[query]] group matches nothing"
                );
                assert_eq!(
                    group.receivers.is_empty(),
                    group.methods.is_empty(),
                    "{source}: [[query]] receivers and methods go together"
                );
                for call in &group.calls {
                    assert_path(source, "query", call, 2);
                }
                for receiver in &group.receivers {
                    assert_path(source, "query receivers", receiver, 1);
                }
                for name in &group.methods {
                    assert!(
                        is_identifier(name),
                        "{source}: {name:?} is not a method name"
                    );
                }
                for call in expanded_calls(&group.calls, &group.receivers, &group.methods) {
                    let here = (group.effect, source.clone());
                    if let Some((effect, other)) = effects.insert(call.clone(), here) {
                        assert_eq!(
                            effect,
                            group.effect,
                            "{call:?} is {} in {other} and {} in {source}",
                            effect.name(),
                            group.effect.name()
                        );
                        assert_ne!(&other, source, "{source}: {call:?} is listed twice");
                    }
                }
            }
        }
        assert!(groups > 0, "the database packs say which calls write");
    }

    #[test]
    fn await_kinds_and_query_effects_are_checked_when_parsing() {
        let await_text = "[[await]]\nkind = \"networkk\"\nwhat = \"x\"\ncalls = [\"a::b\"]\n";
        assert!(parse_pack("test.toml", await_text).is_err());
        let query_text = "[[query]]\neffect = \"deletes\"\ncalls = [\"a::b\"]\n";
        assert!(parse_pack("test.toml", query_text).is_err());
        let unknown_key = "[[await]]\nkind = \"timer\"\nwhat = \"x\"\ncall = [\"a::b\"]\n";
        assert!(parse_pack("test.toml", unknown_key).is_err());
        let good = "[[await]]\nkind = \"channel-receive\"\nwhat = \"x\"\ncalls = [\"a::b\"]\n\n[[query]]\neffect = \"sql-text\"\ncalls = [\"a::c\"]\n";
        let parsed = parse_pack("test.toml", good).expect("parses");
        assert_eq!(parsed.file.awaits[0].kind, AwaitKind::ChannelReceive);
        assert_eq!(parsed.file.queries[0].effect, QueryEffect::SqlText);
    }

    #[test]
    fn suffix_matching() {
        let written: Vec<crate::model::Name> = ["sqlx", "postgres", "PgConnection", "connect"]
            .iter()
            .map(|s| crate::model::Name::from(*s))
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
