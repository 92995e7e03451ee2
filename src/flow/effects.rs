//! What a call does besides holding a connection, as the packs say it:
//! what an awaited call waits on (`lints/awaits.toml`), and whether a query
//! call writes (`[[query]]` in the database packs). Pure questions on
//! resolved paths: no syntax, no flow, no crate named.
//!
//! A path is what the resolver gives for a callee: a function
//! (`["tokio", "time", "sleep"]`), or a method as its receiver's resolved
//! type followed by the method (`["reqwest", "RequestBuilder", "send"]`),
//! or a trait followed by the method when the call is known only through a
//! trait (`["redis", "AsyncCommands", "get"]`). Matching is by suffix, as
//! for the other pack entries:
//!
//! - a path that ends with an entry matches it, and the longest such entry
//!   wins;
//! - a path shorter than an entry, that the entry ends with (the type
//!   reached through a glob import or a prelude: `["RequestBuilder",
//!   "send"]`), matches when every entry it matches says the same kind;
//! - a single segment (a bare method `["send"]`, a bare type `["Client"]`)
//!   never matches.

use super::sql::sql_writes;
use super::table::name_matches;
use crate::model::Name;
use crate::packs::{expanded_calls, path_matches, AwaitKind, AwaitSpec, QueryEffect, QuerySpec};
use rustc_hash::FxHashMap;

/// What an awaited call waits on, and how a message names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwaitClass<'t> {
    pub kind: AwaitKind,
    /// "HTTP request", "sleep": "the {what} in `{function}`".
    pub what: &'t str,
    /// The argument (0-based, receiver not counted) whose future or closure
    /// does the waiting (`timeout(d, future)`): classify it when possible,
    /// and fall back on this class.
    pub waits_on_argument: Option<usize>,
}

/// An entry and the group it belongs to.
#[derive(Debug, Clone)]
struct Entry {
    path: String,
    group: usize,
}

/// Entries by their last segment: a callee is compared with the few
/// entries that end like it, not with all of them.
#[derive(Debug, Clone, Default)]
struct EntryIndex {
    by_last: FxHashMap<String, Vec<Entry>>,
}

impl EntryIndex {
    fn insert(&mut self, path: String, group: usize) {
        let last = path.rsplit("::").next().unwrap_or_default().to_string();
        self.by_last
            .entry(last)
            .or_default()
            .push(Entry { path, group });
    }

    /// The groups of the entries `written` matches, by the rules of the
    /// module docs; `agree` says whether two groups give the same answer.
    fn find(&self, written: &[Name], agree: impl Fn(usize, usize) -> bool) -> Option<usize> {
        self.find_where(written, |_| true, agree)
    }

    fn find_where(
        &self,
        written: &[Name],
        keep: impl Fn(usize) -> bool,
        agree: impl Fn(usize, usize) -> bool,
    ) -> Option<usize> {
        if written.len() < 2 {
            return None;
        }
        let entries = self.by_last.get(written.last()?.as_str())?;
        let mut longest: Option<(usize, usize)> = None;
        let mut shortened: Vec<usize> = Vec::new();
        for entry in entries.iter().filter(|entry| keep(entry.group)) {
            if !name_matches(written, &entry.path, false) {
                continue;
            }
            if path_matches(written, &entry.path) {
                let length = entry.path.split("::").count();
                if longest.is_none_or(|(best, _)| length > best) {
                    longest = Some((length, entry.group));
                }
            } else {
                shortened.push(entry.group);
            }
        }
        if let Some((_, group)) = longest {
            return Some(group);
        }
        let (&first, rest) = shortened.split_first()?;
        rest.iter()
            .all(|&other| agree(first, other))
            .then_some(first)
    }
}

/// The `[[await]]` groups of every pack, ready to be asked.
#[derive(Debug, Clone, Default)]
pub struct AwaitTable {
    groups: Vec<AwaitSpec>,
    calls: EntryIndex,
    chains: EntryIndex,
    futures: EntryIndex,
}

impl AwaitTable {
    pub fn new(groups: Vec<AwaitSpec>) -> AwaitTable {
        let mut table = AwaitTable::default();
        for (group, spec) in groups.iter().enumerate() {
            for call in expanded_calls(&spec.calls, &spec.receivers, &spec.methods) {
                table.calls.insert(call, group);
            }
            for start in &spec.chains {
                table.chains.insert(start.clone(), group);
            }
            for future in &spec.futures {
                table.futures.insert(future.clone(), group);
            }
        }
        table.groups = groups;
        table
    }

    fn class(&self, group: usize) -> AwaitClass<'_> {
        let spec = &self.groups[group];
        AwaitClass {
            kind: spec.kind,
            what: &spec.what,
            waits_on_argument: spec.waits_on_argument,
        }
    }

    fn same_kind(&self, a: usize, b: usize) -> bool {
        self.groups[a].kind == self.groups[b].kind
    }

    /// An awaited call: `callee(..).await` or `receiver.method(..).await`.
    pub fn call(&self, callee: &[Name]) -> Option<AwaitClass<'_>> {
        let group = self.calls.find(callee, |a, b| self.same_kind(a, b))?;
        Some(self.class(group))
    }

    /// The awaited end `awaited` of a builder chain whose types in between
    /// are not known: `start` is the chain's first call, a function
    /// (`["surf", "get"]`) or a method on a value of a known type
    /// (`["reqwest", "Client", "post"]`), and `awaited` the method the
    /// `.await` applies to (`"send"`).
    pub fn chain(&self, start: &[Name], awaited: &str) -> Option<AwaitClass<'_>> {
        let ends_here = |group: usize| {
            let ends = &self.groups[group].chain_ends;
            ends.is_empty() || ends.iter().any(|end| end == awaited)
        };
        let same_kind = |a: usize, b: usize| self.same_kind(a, b);
        // The first call itself is an entry (`surf::get`), or it is a
        // method of an entry type (`reqwest::Client`); the type needs its
        // crate or module too, as a bare `Client` says nothing.
        let as_call = self.chains.find_where(start, ends_here, same_kind);
        let as_type = start
            .split_last()
            .and_then(|(_, type_path)| self.chains.find_where(type_path, ends_here, same_kind));
        let group = as_call.or(as_type)?;
        Some(self.class(group))
    }

    /// A value awaited as it is (`handle.await`, `delay.await`), by its type.
    pub fn future(&self, ty: &[Name]) -> Option<AwaitClass<'_>> {
        let group = self.futures.find(ty, |a, b| self.same_kind(a, b))?;
        Some(self.class(group))
    }

    pub fn groups(&self) -> &[AwaitSpec] {
        &self.groups
    }
}

/// One pack's `[[query]]` groups, ready to be asked.
#[derive(Debug, Clone, Default)]
pub struct QueryTable {
    groups: Vec<QuerySpec>,
    calls: EntryIndex,
}

impl QueryTable {
    pub fn new(groups: Vec<QuerySpec>) -> QueryTable {
        let mut table = QueryTable::default();
        for (group, spec) in groups.iter().enumerate() {
            for call in expanded_calls(&spec.calls, &spec.receivers, &spec.methods) {
                table.calls.insert(call, group);
            }
        }
        table.groups = groups;
        table
    }

    /// What a call does to the database, by the same path rules as awaits.
    pub fn effect(&self, callee: &[Name]) -> Option<QueryEffect> {
        let same = |a: usize, b: usize| self.groups[a].effect == self.groups[b].effect;
        let group = self.calls.find(callee, same)?;
        Some(self.groups[group].effect)
    }

    pub fn groups(&self) -> &[QuerySpec] {
        &self.groups
    }
}

/// One call of the chain that builds and runs a statement
/// (`diesel::insert_into(t).values(v).execute(conn)`,
/// `sqlx::query("..").fetch_one(&mut *tx)`), or of the calls that handed
/// the statement to the one that runs it (`tx.prepare("..")` then
/// `tx.execute(&statement, ..)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementStep<'s> {
    /// What the packs say of the call; `None` when it is not listed.
    pub effect: Option<QueryEffect>,
    /// The SQL text the call was given, when known (a string literal or a
    /// constant).
    pub sql: Option<&'s str>,
}

/// Whether running the statement those calls make writes: `Some(true)`,
/// `Some(false)`, or `None` when nothing known decides (the caller's
/// policy: a callee that may write).
///
/// In this order: a `writes` call or a text that writes decides; else a
/// known text decides (it reads), unless another call's text is unknown; a
/// `sql-text` call whose text is unknown leaves it open, unless a `runs`
/// call runs it (an unknown command); a `runs` call with nothing else known
/// writes; a `reads` call with nothing else known reads.
pub fn statement_writes(steps: &[StatementStep<'_>]) -> Option<bool> {
    let mut text_reads = false;
    let mut text_unknown = false;
    let mut runs = false;
    let mut reads = false;
    for step in steps {
        if let Some(sql) = step.sql {
            if sql_writes(sql) {
                return Some(true);
            }
            text_reads = true;
        }
        match step.effect {
            Some(QueryEffect::Writes) => return Some(true),
            Some(QueryEffect::SqlText) => text_unknown |= step.sql.is_none(),
            Some(QueryEffect::Runs) => runs = true,
            Some(QueryEffect::Reads) => reads = true,
            None => {}
        }
    }
    if text_unknown {
        return runs.then_some(true);
    }
    if text_reads {
        return Some(false);
    }
    if runs {
        return Some(true);
    }
    reads.then_some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> Vec<Name> {
        text.split("::").map(Name::from).collect()
    }

    fn group(kind: AwaitKind, what: &str) -> AwaitSpec {
        AwaitSpec {
            kind,
            what: what.to_string(),
            calls: Vec::new(),
            receivers: Vec::new(),
            methods: Vec::new(),
            chains: Vec::new(),
            chain_ends: Vec::new(),
            futures: Vec::new(),
            waits_on_argument: None,
        }
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    /// A small table of its own, so that these tests say what the rules
    /// are whatever the built-in pack holds.
    fn table() -> AwaitTable {
        let mut http = group(AwaitKind::Network, "HTTP request");
        http.calls = strings(&["web::Client::execute", "web::RequestBuilder::send"]);
        http.chains = strings(&["web::Client", "web::get"]);
        http.chain_ends = strings(&["send"]);
        let mut sleep = group(AwaitKind::Timer, "sleep");
        sleep.calls = strings(&["rt::time::sleep"]);
        sleep.futures = strings(&["rt::time::Sleep"]);
        let mut timeout = group(AwaitKind::Timer, "timeout");
        timeout.calls = strings(&["rt::time::timeout"]);
        timeout.waits_on_argument = Some(1);
        let mut channel = group(AwaitKind::InMemory, "channel send");
        channel.receivers = strings(&["rt::sync::mpsc::Sender", "chan::Sender"]);
        channel.methods = strings(&["send"]);
        let mut mail = group(AwaitKind::Network, "SMTP send");
        mail.receivers = strings(&["mail::Transport"]);
        mail.methods = strings(&["send"]);
        let mut special = group(AwaitKind::Process, "special send");
        special.calls = strings(&["special::chan::Sender::send"]);
        let mut store = group(AwaitKind::Network, "object storage request");
        store.chains = strings(&["blob::Operator::read_with"]);
        let mut join = group(AwaitKind::Task, "task join");
        join.futures = strings(&["rt::task::JoinHandle"]);
        AwaitTable::new(vec![
            http, sleep, timeout, channel, mail, special, store, join,
        ])
    }

    fn kind_of(table: &AwaitTable, callee: &str) -> Option<AwaitKind> {
        table.call(&path(callee)).map(|class| class.kind)
    }

    #[test]
    fn calls_are_classified_by_their_full_path() {
        let table = table();
        let class = table
            .call(&path("web::RequestBuilder::send"))
            .expect("known");
        assert_eq!(class.kind, AwaitKind::Network);
        assert_eq!(class.what, "HTTP request");
        assert_eq!(class.waits_on_argument, None);
        assert_eq!(kind_of(&table, "rt::time::sleep"), Some(AwaitKind::Timer));
        assert_eq!(
            kind_of(&table, "rt::sync::mpsc::Sender::send"),
            Some(AwaitKind::InMemory)
        );
        assert_eq!(
            kind_of(&table, "mail::Transport::send"),
            Some(AwaitKind::Network)
        );
        assert_eq!(
            table
                .call(&path("rt::time::timeout"))
                .and_then(|c| c.waits_on_argument),
            Some(1)
        );
        assert_eq!(kind_of(&table, "rt::time::interval"), None);
    }

    #[test]
    fn a_longer_path_ending_with_an_entry_matches_it() {
        let table = table();
        assert_eq!(
            kind_of(&table, "vendored::web::RequestBuilder::send"),
            Some(AwaitKind::Network)
        );
        // Same last segments under another crate: not the entry.
        assert_eq!(kind_of(&table, "other::RequestBuilder::send"), None);
        assert_eq!(kind_of(&table, "app::mail::Mailer::send"), None);
    }

    #[test]
    fn the_longest_entry_shadows_a_shorter_one_it_ends_with() {
        let table = table();
        // Both `chan::Sender::send` and `special::chan::Sender::send` end
        // this path: the longer one says more.
        assert_eq!(
            kind_of(&table, "special::chan::Sender::send"),
            Some(AwaitKind::Process)
        );
        assert_eq!(
            kind_of(&table, "other::chan::Sender::send"),
            Some(AwaitKind::InMemory)
        );
        // A full match beats a shortened one.
        assert_eq!(
            kind_of(&table, "chan::Sender::send"),
            Some(AwaitKind::InMemory)
        );
    }

    #[test]
    fn a_shortened_path_matches_when_every_entry_it_fits_agrees() {
        let table = table();
        // Only the type's name is known (a glob import).
        assert_eq!(
            kind_of(&table, "RequestBuilder::send"),
            Some(AwaitKind::Network)
        );
        assert_eq!(kind_of(&table, "time::sleep"), Some(AwaitKind::Timer));
        // `Sender::send` fits the mpsc and chan senders (in-memory) and the
        // special chan one (process): they disagree, so nothing is said.
        assert_eq!(kind_of(&table, "Sender::send"), None);
        // `mpsc::Sender::send` fits only the plain mpsc entry.
        assert_eq!(
            kind_of(&table, "mpsc::Sender::send"),
            Some(AwaitKind::InMemory)
        );
    }

    #[test]
    fn a_bare_name_never_matches() {
        let table = table();
        for bare in ["send", "sleep", "execute", "Sleep", "JoinHandle"] {
            assert_eq!(table.call(&path(bare)), None, "{bare}");
            assert_eq!(table.future(&path(bare)), None, "{bare}");
            assert_eq!(table.chain(&path(bare), "send"), None, "{bare}");
        }
        assert_eq!(table.call(&[]), None);
    }

    #[test]
    fn chains_start_at_a_type_or_a_call_and_end_where_the_group_says() {
        let table = table();
        let start = path("web::Client::post");
        assert_eq!(
            table.chain(&start, "send").map(|c| c.what),
            Some("HTTP request")
        );
        assert_eq!(
            table.chain(&start, "header"),
            None,
            "not an end of the chain"
        );
        assert_eq!(
            table.chain(&path("web::get"), "send").map(|c| c.kind),
            Some(AwaitKind::Network)
        );
        // A type known by its name alone is not evidence enough.
        assert_eq!(table.chain(&path("Client::post"), "send"), None);
        // A chain whose value is itself the future ends anywhere.
        assert_eq!(
            table
                .chain(&path("blob::Operator::read_with"), "range")
                .map(|c| c.kind),
            Some(AwaitKind::Network)
        );
        assert_eq!(
            table.chain(&path("blob::Operator::write_with"), "range"),
            None
        );
    }

    #[test]
    fn futures_are_classified_by_their_type() {
        let table = table();
        assert_eq!(
            table.future(&path("rt::time::Sleep")).map(|c| c.kind),
            Some(AwaitKind::Timer)
        );
        assert_eq!(
            table.future(&path("task::JoinHandle")).map(|c| c.kind),
            Some(AwaitKind::Task)
        );
        assert_eq!(table.future(&path("rt::time::Instant")), None);
        // A call is not a future and a future is not a call.
        assert_eq!(table.call(&path("rt::time::Sleep")), None);
        assert_eq!(table.future(&path("rt::time::sleep")), None);
    }

    fn queries() -> QueryTable {
        let spec =
            |effect: QueryEffect, calls: &[&str], receivers: &[&str], methods: &[&str]| QuerySpec {
                effect,
                calls: strings(calls),
                receivers: strings(receivers),
                methods: strings(methods),
            };
        QueryTable::new(vec![
            spec(
                QueryEffect::Writes,
                &["orm::insert_into", "orm::update"],
                &[],
                &[],
            ),
            spec(QueryEffect::SqlText, &["orm::sql_query"], &[], &[]),
            spec(QueryEffect::Runs, &["RunDsl::execute"], &[], &[]),
            spec(
                QueryEffect::Reads,
                &[],
                &["RunDsl", "pg::Client"],
                &["load", "query"],
            ),
            spec(QueryEffect::Runs, &[], &["pg::Client"], &["execute"]),
        ])
    }

    #[test]
    fn query_calls_are_classified_by_the_same_rules() {
        let table = queries();
        let effect = |callee: &str| table.effect(&path(callee));
        assert_eq!(effect("orm::insert_into"), Some(QueryEffect::Writes));
        assert_eq!(effect("orm::dsl::update"), None, "another module");
        assert_eq!(effect("orm::sql_query"), Some(QueryEffect::SqlText));
        assert_eq!(effect("orm::RunDsl::execute"), Some(QueryEffect::Runs));
        assert_eq!(effect("pg::Client::query"), Some(QueryEffect::Reads));
        assert_eq!(effect("Client::execute"), Some(QueryEffect::Runs));
        assert_eq!(effect("update"), None, "a bare name never matches");
        assert_eq!(effect("execute"), None);
        assert_eq!(effect("mail::Client::execute"), None);
    }

    fn step(effect: Option<QueryEffect>, sql: Option<&str>) -> StatementStep<'_> {
        StatementStep { effect, sql }
    }

    #[test]
    fn a_statement_writes_when_a_builder_or_its_text_says_so() {
        use QueryEffect::*;
        // diesel::insert_into(t).values(v).execute(conn)
        assert_eq!(
            statement_writes(&[
                step(Some(Writes), None),
                step(None, None),
                step(Some(Runs), None)
            ]),
            Some(true)
        );
        // sqlx::query("INSERT .. RETURNING id").fetch_one(&mut *tx)
        assert_eq!(
            statement_writes(&[
                step(
                    Some(SqlText),
                    Some("INSERT INTO t DEFAULT VALUES RETURNING id")
                ),
                step(Some(Reads), None)
            ]),
            Some(true)
        );
        // sqlx::query("SELECT ..").execute(&mut *tx): the text decides.
        assert_eq!(
            statement_writes(&[
                step(Some(SqlText), Some("SELECT pg_advisory_xact_lock(1)")),
                step(Some(Runs), None)
            ]),
            Some(false)
        );
        // conn.execute("SET search_path TO app")
        assert_eq!(
            statement_writes(&[step(Some(Runs), Some("SET search_path TO app"))]),
            Some(false)
        );
        // users.filter(..).load(conn)
        assert_eq!(
            statement_writes(&[step(None, None), step(Some(Reads), None)]),
            Some(false)
        );
        // a statement built elsewhere, run: a command
        assert_eq!(statement_writes(&[step(Some(Runs), None)]), Some(true));
        // sqlx::query(&built_at_runtime).execute(..): an unknown command
        assert_eq!(
            statement_writes(&[step(Some(SqlText), None), step(Some(Runs), None)]),
            Some(true)
        );
        // sqlx::query(&built_at_runtime).fetch_all(..): nothing decides
        assert_eq!(
            statement_writes(&[step(Some(SqlText), None), step(Some(Reads), None)]),
            None
        );
        // a known read beside an unknown text: still open
        assert_eq!(
            statement_writes(&[step(None, Some("SELECT 1")), step(Some(SqlText), None)]),
            None
        );
        assert_eq!(statement_writes(&[step(None, None)]), None);
        assert_eq!(statement_writes(&[]), None);
    }
}
