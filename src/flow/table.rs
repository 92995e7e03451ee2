//! The packs, compiled into one lookup table: which packs a file gets (by
//! its crate's dependencies or the crates it names), and role queries over
//! resolved paths and method names.

use crate::model::Name;
use std::collections::BTreeSet;

use super::effects::{AwaitClass, AwaitTable, QueryTable};
use crate::model::relevance::{identifiers, Vocabulary};
use crate::packs::{
    builtin_packs, crate_path_name, path_matches, CoreRoles, LoadedPack, PoolSpec, QueryEffect,
    RawSqlSpec, ResourceKind, ResourceSpec,
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
    /// Which of the crate's calls write (`[[query]]`).
    pub queries: QueryTable,
    /// Switched on by a dependency of the checked workspace.
    pub active_by_dependency: bool,
    /// The configuration's own resources: its entries name the workspace's
    /// types and functions (`Handle`, `Registry::checkout`), which no
    /// built-in pack may.
    pub workspace_items: bool,
}

impl Pack {
    /// Every type, call and method name the pack lists as a role. Awaits
    /// and queries are not roles: they say what a call does once a body is
    /// analysed, and must not make one worth analysing.
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
    /// What awaited calls wait on, from every pack (`awaits.toml`).
    awaits: AwaitTable,
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
        let mut awaits = Vec::new();
        for pack in loaded {
            if let Some(roles) = pack.file.roles {
                table.core = roles;
            }
            awaits.extend(pack.file.awaits);
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
                queries: QueryTable::new(pack.file.queries),
                active_by_dependency,
                workspace_items: false,
            });
        }
        table.awaits = AwaitTable::new(awaits);
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
                queries: QueryTable::default(),
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
    pub fn may_name(&self, resolved: &[Name]) -> bool {
        resolved
            .last()
            .is_some_and(|last| self.last_segments.contains(last.as_str()))
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
    pub fn active_for(&self, crate_roots: &[Name]) -> Vec<PackId> {
        self.packs
            .iter()
            .enumerate()
            .filter(|(_, pack)| {
                pack.active_by_dependency
                    || pack
                        .crates
                        .iter()
                        .any(|c| crate_roots.iter().any(|r| r == c))
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

    /// What an awaited call outside the workspace waits on (a workspace
    /// function's summary speaks for itself). `callee` is the resolved
    /// path of the awaited call: a function (`["tokio", "time", "sleep"]`),
    /// a method as its receiver's type then the method
    /// (`["reqwest", "RequestBuilder", "send"]`), or, for a call known only
    /// through a trait (a generic receiver bounded by it, or `Trait::m(x)`),
    /// the trait then the method (`["redis", "AsyncCommands", "get"]`).
    /// Give the longest path known; a type known only by its name
    /// (`["RequestBuilder", "send"]`) matches when the packs agree on it,
    /// and a bare method (`["send"]`) never does. See [`crate::flow::effects`].
    pub fn await_kind(&self, callee: &[Name]) -> Option<AwaitClass<'_>> {
        self.awaits.call(callee)
    }

    /// What the awaited end of a builder chain waits on when the types in
    /// between are not known: `start` is the chain's first call, with the
    /// same path shapes as [`PackTable::await_kind`]
    /// (`["reqwest", "Client", "post"]`, `["surf", "get"]`), and `awaited`
    /// the name of the method whose result is awaited (`"send"`). Ask
    /// [`PackTable::await_kind`] first when the awaited method's receiver
    /// type is known.
    pub fn await_kind_of_chain(&self, start: &[Name], awaited: &str) -> Option<AwaitClass<'_>> {
        self.awaits.chain(start, awaited)
    }

    /// What awaiting a value of type `ty` waits on (`handle.await` on a
    /// `tokio::task::JoinHandle`, `rx.await` on a oneshot receiver).
    pub fn await_kind_of_future(&self, ty: &[Name]) -> Option<AwaitClass<'_>> {
        self.awaits.future(ty)
    }

    /// The `[[await]]` groups of every pack.
    pub fn await_groups(&self) -> &[crate::packs::AwaitSpec] {
        self.awaits.groups()
    }

    /// What a call does to the database according to `pack`'s
    /// `[[query]]` groups, with the path shapes of
    /// [`PackTable::await_kind`] (`["diesel", "insert_into"]`,
    /// `["tokio_postgres", "Transaction", "execute"]`,
    /// `["diesel", "RunQueryDsl", "execute"]`). Combine the answers for a
    /// statement's calls with [`crate::flow::effects::statement_writes`].
    pub fn query_effect(&self, pack: PackId, callee: &[Name]) -> Option<QueryEffect> {
        self.packs.get(pack)?.queries.effect(callee)
    }

    /// [`PackTable::query_effect`] over the packs active in a file; when
    /// two of them say different things of the same path, nothing is said.
    pub fn query_effect_in(&self, active: &[PackId], callee: &[Name]) -> Option<QueryEffect> {
        let mut found = active
            .iter()
            .filter_map(|&pack| self.query_effect(pack, callee));
        let first = found.next()?;
        found.all(|other| other == first).then_some(first)
    }
}

/// Suffix matching in both directions, for names written shorter or longer
/// than the pack entry: `PgPool` against `sqlx::PgPool`, and
/// `sqlx::postgres::PgPool` against `sqlx::PgPool`'s last segment.
/// A one-segment name only matches a one-segment entry or an entry's last
/// segment when `allow_bare` (types: a bare `PgPool` is evidence; a bare
/// function name `connect` is not).
pub fn name_matches(written: &[Name], entry: &str, allow_bare: bool) -> bool {
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
    use crate::packs::AwaitKind;

    fn path(text: &str) -> Vec<Name> {
        text.split("::").map(Name::from).collect()
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

    fn builtin() -> PackTable {
        let dependencies: BTreeSet<String> =
            ["sqlx", "diesel", "sea-orm", "tokio-postgres", "mongodb"]
                .iter()
                .map(|d| d.to_string())
                .collect();
        PackTable::build(&dependencies, &[]).expect("packs load")
    }

    fn await_kind(table: &PackTable, callee: &str) -> Option<AwaitKind> {
        table.await_kind(&path(callee)).map(|class| class.kind)
    }

    #[test]
    fn the_builtin_awaits_say_what_each_kind_of_call_waits_on() {
        let table = builtin();
        let request = table
            .await_kind(&path("reqwest::RequestBuilder::send"))
            .expect("an HTTP send");
        assert_eq!(request.kind, AwaitKind::Network);
        assert_eq!(request.what, "HTTP request");
        assert_eq!(request.kind.is_slow(), Some(true));
        for (callee, kind) in [
            ("lettre::AsyncSmtpTransport::send", AwaitKind::Network),
            (
                "lettre::transport::smtp::AsyncSmtpTransport::send",
                AwaitKind::Network,
            ),
            ("tonic::client::Grpc::unary", AwaitKind::Network),
            (
                "aws_sdk_s3::primitives::ByteStream::collect",
                AwaitKind::Network,
            ),
            ("tokio::net::TcpStream::connect", AwaitKind::Network),
            ("tokio::time::sleep", AwaitKind::Timer),
            ("actix_web::rt::time::sleep", AwaitKind::Timer),
            ("tokio::time::Interval::tick", AwaitKind::Timer),
            ("tokio::process::Command::output", AwaitKind::Process),
            ("lettre::AsyncSendmailTransport::send", AwaitKind::Process),
            ("tokio::fs::read_to_string", AwaitKind::Storage),
            ("backoff::future::retry", AwaitKind::Retry),
            ("tokio::sync::Mutex::lock", AwaitKind::InMemory),
            ("tokio::sync::mpsc::Sender::send", AwaitKind::InMemory),
            ("tokio::task::yield_now", AwaitKind::InMemory),
            ("moka::future::Cache::get", AwaitKind::InMemory),
            (
                "tokio::sync::mpsc::Receiver::recv",
                AwaitKind::ChannelReceive,
            ),
            ("tokio::sync::Notify::notified", AwaitKind::ChannelReceive),
            ("tokio::task::JoinSet::join_next", AwaitKind::Task),
        ] {
            assert_eq!(await_kind(&table, callee), Some(kind), "{callee}");
        }
        assert_eq!(AwaitKind::InMemory.is_slow(), Some(false));
        assert_eq!(AwaitKind::ChannelReceive.is_slow(), None);
        assert_eq!(AwaitKind::Task.is_slow(), None);
    }

    #[test]
    fn a_timeout_points_at_the_future_it_waits_on() {
        let table = builtin();
        let timeout = table
            .await_kind(&path("tokio::time::timeout"))
            .expect("a timeout");
        assert_eq!(timeout.kind, AwaitKind::Timer);
        assert_eq!(timeout.waits_on_argument, Some(1));
        assert_eq!(
            table
                .await_kind(&path("tokio::sync::OnceCell::get_or_init"))
                .and_then(|c| c.waits_on_argument),
            Some(0)
        );
        assert_eq!(
            table
                .await_kind(&path("tokio::time::sleep"))
                .and_then(|c| c.waits_on_argument),
            None
        );
    }

    #[test]
    fn trait_calls_and_their_implementors_are_both_known() {
        let table = builtin();
        for callee in [
            "redis::AsyncCommands::get",
            "redis::aio::MultiplexedConnection::get",
            "redis::aio::ConnectionManager::set_ex",
            "deadpool_redis::Connection::hgetall",
            "fred::interfaces::KeysInterface::get",
            "object_store::ObjectStore::put",
            "object_store::ObjectStoreExt::get",
            "lettre::AsyncTransport::send",
        ] {
            assert_eq!(
                await_kind(&table, callee),
                Some(AwaitKind::Network),
                "{callee}"
            );
        }
        // The same method on an implementor that stays local.
        assert_eq!(
            await_kind(&table, "object_store::local::LocalFileSystem::put"),
            Some(AwaitKind::Storage)
        );
        assert_eq!(
            await_kind(&table, "object_store::memory::InMemory::get"),
            Some(AwaitKind::InMemory)
        );
        assert_eq!(
            await_kind(&table, "opendal::Operator::presign_read"),
            Some(AwaitKind::InMemory)
        );
        assert_eq!(
            await_kind(&table, "opendal::Operator::read"),
            Some(AwaitKind::Network)
        );
        // A pool's `get` is an acquire, not a Redis GET.
        assert_eq!(await_kind(&table, "deadpool_redis::Pool::get"), None);
    }

    #[test]
    fn builtin_awaits_match_short_paths_but_never_a_bare_method() {
        let table = builtin();
        assert_eq!(
            await_kind(&table, "RequestBuilder::send"),
            Some(AwaitKind::Network)
        );
        assert_eq!(await_kind(&table, "time::sleep"), Some(AwaitKind::Timer));
        assert_eq!(
            await_kind(&table, "Receiver::recv"),
            Some(AwaitKind::ChannelReceive)
        );
        assert_eq!(
            await_kind(&table, "Sender::send"),
            Some(AwaitKind::InMemory)
        );
        for bare in ["send", "sleep", "get", "recv", "lock", "execute", "tick"] {
            assert_eq!(table.await_kind(&path(bare)), None, "{bare}");
        }
        // A workspace type with a known method name is not the crate's.
        assert_eq!(await_kind(&table, "crate::mail::Mailer::send"), None);
        assert_eq!(await_kind(&table, "app::cache::Cache::get"), None);
        assert_eq!(await_kind(&table, "std::thread::sleep"), None);
    }

    #[test]
    fn builtin_chains_and_futures() {
        let table = builtin();
        let chain = |start: &str, end: &str| {
            table
                .await_kind_of_chain(&path(start), end)
                .map(|class| (class.kind, class.what))
        };
        assert_eq!(
            chain("reqwest::Client::post", "send"),
            Some((AwaitKind::Network, "HTTP request"))
        );
        assert_eq!(
            chain("reqwest::Client::get", "json"),
            Some((AwaitKind::Network, "HTTP response read"))
        );
        assert_eq!(chain("reqwest::Client::get", "header"), None);
        assert_eq!(
            chain("aws_sdk_s3::Client::put_object", "send").map(|c| c.0),
            Some(AwaitKind::Network)
        );
        assert_eq!(
            chain("redis::cmd", "query_async").map(|c| c.0),
            Some(AwaitKind::Network)
        );
        assert_eq!(
            chain("opendal::Operator::read_with", "range").map(|c| c.0),
            Some(AwaitKind::Network)
        );
        assert_eq!(
            chain(
                "opendal::Operator::presign_read_with",
                "override_content_type"
            )
            .map(|c| c.0),
            Some(AwaitKind::InMemory)
        );
        assert_eq!(
            chain("tonic::transport::Channel::from_static", "connect").map(|c| c.1),
            Some("gRPC connect")
        );
        let future = |ty: &str| table.await_kind_of_future(&path(ty)).map(|c| c.kind);
        assert_eq!(future("tokio::task::JoinHandle"), Some(AwaitKind::Task));
        assert_eq!(future("tokio::time::Sleep"), Some(AwaitKind::Timer));
        assert_eq!(
            future("tokio::sync::oneshot::Receiver"),
            Some(AwaitKind::ChannelReceive)
        );
        assert_eq!(future("JoinHandle"), None);
    }

    #[test]
    fn builtin_query_calls_say_whether_they_write() {
        let table = builtin();
        let pack = |name: &str| {
            table
                .packs
                .iter()
                .position(|p| p.name == name)
                .expect("a built-in pack")
        };
        let effect = |name: &str, callee: &str| table.query_effect(pack(name), &path(callee));
        assert_eq!(
            effect("diesel", "diesel::insert_into"),
            Some(QueryEffect::Writes)
        );
        assert_eq!(
            effect("diesel", "diesel::sql_query"),
            Some(QueryEffect::SqlText)
        );
        assert_eq!(
            effect("diesel", "diesel::query_dsl::RunQueryDsl::execute"),
            Some(QueryEffect::Runs)
        );
        assert_eq!(
            effect("diesel", "diesel::RunQueryDsl::load"),
            Some(QueryEffect::Reads)
        );
        assert_eq!(effect("sqlx", "sqlx::query"), Some(QueryEffect::SqlText));
        assert_eq!(
            effect("sqlx", "sqlx::Transaction::execute"),
            Some(QueryEffect::Runs)
        );
        assert_eq!(
            effect("tokio-postgres", "tokio_postgres::Transaction::query_one"),
            Some(QueryEffect::Reads)
        );
        // sea-orm's generated types live in the workspace, under its own path.
        assert_eq!(
            effect("sea-orm", "crate::entity::user::ActiveModel::insert"),
            Some(QueryEffect::Writes)
        );
        assert_eq!(
            effect("sea-orm", "entity::user::Entity::delete_many"),
            Some(QueryEffect::Writes)
        );
        assert_eq!(
            effect("sea-orm", "entity::user::Entity::find"),
            Some(QueryEffect::Reads)
        );
        assert_eq!(
            effect("mongodb", "mongodb::Collection::insert_one"),
            Some(QueryEffect::Writes)
        );
        // Not in that pack, or not a query at all.
        assert_eq!(effect("sqlx", "diesel::insert_into"), None);
        assert_eq!(effect("diesel", "insert_into"), None);
        assert_eq!(
            table.query_effect(usize::MAX, &path("diesel::insert_into")),
            None
        );
        let active: Vec<PackId> = (0..table.packs.len()).collect();
        assert_eq!(
            table.query_effect_in(&active, &path("tokio_postgres::Client::execute")),
            Some(QueryEffect::Runs)
        );
        assert_eq!(
            table.query_effect_in(&active, &path("std::fs::write")),
            None
        );
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
