//! What SQL text does to a transaction: whether it writes (work a missing
//! commit loses), only takes locks, or only reads.
//!
//! A small lexer, not a parser: comments, string literals, quoted
//! identifiers and dollar-quoted bodies are skipped, so a keyword inside them
//! (`SELECT 'DELETE'`) means nothing. Statements are split on `;` and each
//! is judged by its leading keyword and the few shapes that change that
//! verdict (`FOR UPDATE`, a data-modifying `WITH`, `nextval(..)`,
//! `EXPLAIN ANALYZE`). Dialects: PostgreSQL, MySQL, SQLite, SQL Server and
//! CQL, as far as their statements start with the same words.

/// What a piece of SQL does, from least to most. Several statements do the
/// most any of them does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SqlEffect {
    /// Changes nothing a commit would keep: queries (`SELECT`, `SHOW`,
    /// `EXPLAIN` without `ANALYZE`), session settings (`SET`, `SET LOCAL`),
    /// transaction control (`BEGIN`, `SAVEPOINT`, `RELEASE`, `COMMIT`),
    /// prepared statements and cursors.
    Reads,
    /// Takes locks and writes nothing: `SELECT .. FOR UPDATE` / `FOR SHARE`,
    /// `LOCK TABLE`, advisory locks. The locks end with the transaction,
    /// committed or not.
    Locks,
    /// Cannot tell: `CALL`, `DO`, `EXECUTE`, a statement this module does
    /// not know. Counts as a write.
    Unknown,
    /// Writes data or schema: `INSERT`, `UPDATE`, `DELETE`, `MERGE`,
    /// `UPSERT`, `REPLACE`, DDL, `COPY .. FROM`, `nextval(..)`, `NOTIFY`.
    Writes,
}

/// Whether the text may write: a transaction that ran it has work to lose.
/// Unknown statements count as writes.
pub fn sql_writes(sql: &str) -> bool {
    sql_effect(sql) >= SqlEffect::Unknown
}

/// The opposite of [`sql_writes`]: reads, settings, transaction control
/// and locks only (a `SELECT .. FOR UPDATE` loses nothing when rolled back).
pub fn is_read_only_sql(sql: &str) -> bool {
    !sql_writes(sql)
}

/// What the text does: the most any of its statements does; empty text
/// reads.
pub fn sql_effect(sql: &str) -> SqlEffect {
    let tokens = tokenize(sql);
    tokens
        .split(|token| *token == Token::Semicolon)
        .filter(|statement| !statement.is_empty())
        .map(statement_effect)
        .max()
        .unwrap_or(SqlEffect::Reads)
}

/// What the lexer keeps of the text. Literals and quoted names are kept as
/// `Opaque`, so that the words around them stay apart.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// An unquoted word, upper-cased.
    Word(String),
    /// A string, number, quoted identifier, placeholder or dollar-quoted body.
    Opaque,
    Open,
    Close,
    Semicolon,
    Punct(char),
}

fn tokenize(sql: &str) -> Vec<Token> {
    let chars: Vec<char> = sql.chars().collect();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        let next = chars.get(at + 1).copied();
        match c {
            _ if c.is_whitespace() => at += 1,
            '-' if next == Some('-') => {
                while at < chars.len() && chars[at] != '\n' {
                    at += 1;
                }
            }
            '/' if next == Some('*') => at = skip_block_comment(&chars, at),
            '\'' => {
                at = skip_quoted(&chars, at, '\'', false);
                tokens.push(Token::Opaque);
            }
            '"' | '`' => {
                at = skip_quoted(&chars, at, c, false);
                tokens.push(Token::Opaque);
            }
            '[' => match bracketed_name_end(&chars, at) {
                Some(end) => {
                    at = end;
                    tokens.push(Token::Opaque);
                }
                None => {
                    at += 1;
                    tokens.push(Token::Punct('['));
                }
            },
            '$' => {
                at = skip_dollar(&chars, at);
                tokens.push(Token::Opaque);
            }
            '(' => {
                at += 1;
                tokens.push(Token::Open);
            }
            ')' => {
                at += 1;
                tokens.push(Token::Close);
            }
            ';' => {
                at += 1;
                tokens.push(Token::Semicolon);
            }
            _ if c.is_ascii_digit() => {
                while at < chars.len() && (chars[at].is_alphanumeric() || chars[at] == '.') {
                    at += 1;
                }
                tokens.push(Token::Opaque);
            }
            _ if is_word_start(c) => {
                let start = at;
                while at < chars.len() && is_word_char(chars[at]) {
                    at += 1;
                }
                let word: String = chars[start..at].iter().collect();
                // `E'..'`: a PostgreSQL string with backslash escapes.
                if chars.get(at) == Some(&'\'') && word.eq_ignore_ascii_case("e") {
                    at = skip_quoted(&chars, at, '\'', true);
                    tokens.push(Token::Opaque);
                } else {
                    tokens.push(Token::Word(word.to_ascii_uppercase()));
                }
            }
            _ => {
                at += 1;
                tokens.push(Token::Punct(c));
            }
        }
    }
    tokens
}

fn is_word_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// Past a `/* .. */` comment; PostgreSQL nests them.
fn skip_block_comment(chars: &[char], start: usize) -> usize {
    let mut depth = 0;
    let mut at = start;
    while at < chars.len() {
        match (chars[at], chars.get(at + 1)) {
            ('/', Some('*')) => {
                depth += 1;
                at += 2;
            }
            ('*', Some('/')) => {
                depth -= 1;
                at += 2;
                if depth == 0 {
                    return at;
                }
            }
            _ => at += 1,
        }
    }
    at
}

/// Past a quoted string or name; a doubled quote is a quote inside it.
fn skip_quoted(chars: &[char], start: usize, quote: char, backslash_escapes: bool) -> usize {
    let mut at = start + 1;
    while at < chars.len() {
        let c = chars[at];
        if backslash_escapes && c == '\\' {
            at += 2;
        } else if c == quote {
            if chars.get(at + 1) == Some(&quote) {
                at += 2;
            } else {
                return at + 1;
            }
        } else {
            at += 1;
        }
    }
    at
}

/// `[Order Details]`, a SQL Server name: a bracket holding only name
/// characters and spaces. Anything else (`ARRAY[1, 2]`) is punctuation.
fn bracketed_name_end(chars: &[char], start: usize) -> Option<usize> {
    let mut at = start + 1;
    while at < chars.len() {
        match chars[at] {
            ']' => return (at > start + 1).then_some(at + 1),
            c if is_word_char(c) || c == ' ' => at += 1,
            _ => return None,
        }
    }
    None
}

/// Past `$1` (a placeholder) or a dollar-quoted body `$$ .. $$` /
/// `$tag$ .. $tag$` (a PostgreSQL function body or string).
fn skip_dollar(chars: &[char], start: usize) -> usize {
    let mut at = start + 1;
    if chars.get(at).is_some_and(|c| c.is_ascii_digit()) {
        while at < chars.len() && chars[at].is_ascii_digit() {
            at += 1;
        }
        return at;
    }
    while at < chars.len() && is_word_char(chars[at]) && chars[at] != '$' {
        at += 1;
    }
    if chars.get(at) != Some(&'$') {
        // A lone `$`: not a quote.
        return start + 1;
    }
    let tag = &chars[start..=at];
    at += 1;
    while at < chars.len() {
        if chars[at..].starts_with(tag) {
            return at + tag.len();
        }
        at += 1;
    }
    at
}

fn word(token: Option<&Token>) -> Option<&str> {
    match token {
        Some(Token::Word(word)) => Some(word.as_str()),
        _ => None,
    }
}

fn statement_effect(tokens: &[Token]) -> SqlEffect {
    // `(SELECT ..) UNION (SELECT ..)`: the first word decides, at any depth.
    let Some(first_at) = tokens.iter().position(|t| matches!(t, Token::Word(_))) else {
        return SqlEffect::Reads;
    };
    let first = word(tokens.get(first_at)).unwrap_or_default();
    let rest = &tokens[first_at + 1..];
    match first {
        "SELECT" | "VALUES" | "TABLE" | "WITH" | "DECLARE" => query_effect(tokens),
        "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "UPSERT" | "REPLACE" | "TRUNCATE" | "CREATE"
        | "ALTER" | "DROP" | "GRANT" | "REVOKE" | "COMMENT" | "RENAME" | "REINDEX" | "CLUSTER"
        | "VACUUM" | "ANALYZE" | "ANALYSE" | "OPTIMIZE" | "REFRESH" | "IMPORT" | "SECURITY"
        | "REASSIGN" | "NOTIFY" | "BULK" => SqlEffect::Writes,
        "COPY" => copy_effect(rest),
        "LOAD" => match word(rest.first()) {
            Some("DATA" | "XML") => SqlEffect::Writes,
            _ => SqlEffect::Reads,
        },
        "EXPLAIN" => explain_effect(rest),
        "BEGIN" => begin_effect(rest),
        "LOCK" => SqlEffect::Locks,
        "PRAGMA" => {
            // `PRAGMA user_version = 3` writes to the database file;
            // `PRAGMA table_info(t)` reads.
            if rest.contains(&Token::Punct('=')) {
                SqlEffect::Unknown
            } else {
                SqlEffect::Reads
            }
        }
        "SET" | "RESET" | "SHOW" | "DESCRIBE" | "DESC" | "USE" | "START" | "COMMIT" | "END"
        | "ROLLBACK" | "ABORT" | "SAVEPOINT" | "RELEASE" | "PREPARE" | "DEALLOCATE" | "FETCH"
        | "MOVE" | "CLOSE" | "LISTEN" | "UNLISTEN" | "DISCARD" | "UNLOCK" | "ATTACH" | "DETACH"
        | "CHECKPOINT" | "HELP" | "WAITFOR" | "PRINT" => SqlEffect::Reads,
        // `CALL`, `DO`, `EXEC`, `EXECUTE`, `IF`, and anything not known.
        _ => SqlEffect::Unknown,
    }
}

/// `COPY t FROM ..` loads rows; `COPY t TO ..` and `COPY (query) TO ..`
/// read them out.
fn copy_effect(rest: &[Token]) -> SqlEffect {
    let mut depth = 0usize;
    for token in rest {
        match token {
            Token::Open => depth += 1,
            Token::Close => depth = depth.saturating_sub(1),
            Token::Word(direction) if depth == 0 && direction == "FROM" => {
                return SqlEffect::Writes
            }
            Token::Word(direction) if depth == 0 && direction == "TO" => return SqlEffect::Reads,
            _ => {}
        }
    }
    SqlEffect::Unknown
}

/// `BEGIN` opens a transaction; CQL's `BEGIN BATCH .. APPLY BATCH` holds
/// writes; a T-SQL `BEGIN .. END` block holds anything.
fn begin_effect(rest: &[Token]) -> SqlEffect {
    match word(rest.first()) {
        None => SqlEffect::Reads,
        Some("BATCH" | "UNLOGGED" | "COUNTER" | "LOGGED") => SqlEffect::Writes,
        Some(
            "TRANSACTION" | "TRAN" | "WORK" | "ISOLATION" | "READ" | "DEFERRED" | "IMMEDIATE"
            | "EXCLUSIVE" | "DISTRIBUTED" | "NOT",
        ) => SqlEffect::Reads,
        Some(_) => SqlEffect::Unknown,
    }
}

/// `EXPLAIN` plans a statement without running it, unless `ANALYZE` (or
/// `ANALYZE true`) asks it to run: then the statement decides.
fn explain_effect(rest: &[Token]) -> SqlEffect {
    let mut analyze = false;
    let mut depth = 0usize;
    for (at, token) in rest.iter().enumerate() {
        match token {
            Token::Open => depth += 1,
            Token::Close => depth = depth.saturating_sub(1),
            Token::Word(option) if option == "ANALYZE" || option == "ANALYSE" => {
                let negated = depth > 0 && matches!(word(rest.get(at + 1)), Some("FALSE" | "OFF"));
                analyze = !negated;
            }
            Token::Word(verb) if depth == 0 && is_explained_verb(verb) => {
                return if analyze {
                    statement_effect(&rest[at..])
                } else {
                    SqlEffect::Reads
                };
            }
            _ => {}
        }
    }
    SqlEffect::Reads
}

fn is_explained_verb(word: &str) -> bool {
    matches!(
        word,
        "SELECT"
            | "INSERT"
            | "UPDATE"
            | "DELETE"
            | "MERGE"
            | "WITH"
            | "VALUES"
            | "TABLE"
            | "REPLACE"
            | "CREATE"
            | "EXECUTE"
            | "DECLARE"
    )
}

/// Functions that change the database when a query calls them.
const WRITING_FUNCTIONS: &[&str] = &[
    "NEXTVAL",
    "SETVAL",
    "PG_NOTIFY",
    "LO_IMPORT",
    "LO_UNLINK",
    "LO_CREATE",
    "LO_FROM_BYTEA",
    "LO_PUT",
];

/// Functions that take a lock and nothing else.
const LOCKING_FUNCTIONS: &[&str] = &[
    "PG_ADVISORY_LOCK",
    "PG_ADVISORY_LOCK_SHARED",
    "PG_ADVISORY_XACT_LOCK",
    "PG_ADVISORY_XACT_LOCK_SHARED",
    "PG_TRY_ADVISORY_LOCK",
    "PG_TRY_ADVISORY_LOCK_SHARED",
    "PG_TRY_ADVISORY_XACT_LOCK",
    "PG_TRY_ADVISORY_XACT_LOCK_SHARED",
    "GET_LOCK",
];

/// SQL Server table hints that lock (`WITH (UPDLOCK, ROWLOCK)`).
const LOCKING_HINTS: &[&str] = &["UPDLOCK", "XLOCK", "HOLDLOCK", "TABLOCKX"];

/// A query (`SELECT`, `WITH`, `VALUES`, `TABLE`, `DECLARE .. CURSOR FOR`):
/// it reads, unless something in it writes or locks.
fn query_effect(tokens: &[Token]) -> SqlEffect {
    let mut effect = SqlEffect::Reads;
    let mut depth = 0usize;
    for (at, token) in tokens.iter().enumerate() {
        let previous = at.checked_sub(1).and_then(|p| tokens.get(p));
        let next = tokens.get(at + 1);
        let Token::Word(word_here) = token else {
            match token {
                Token::Open => depth += 1,
                Token::Close => depth = depth.saturating_sub(1),
                _ => {}
            }
            continue;
        };
        let word_here = word_here.as_str();
        let after_open = previous == Some(&Token::Open);
        let lock_mode = matches!(word(previous), Some("FOR" | "KEY"));
        match word_here {
            // `WITH moved AS (DELETE ..) SELECT ..`, or the statement after
            // the `WITH` list (`WITH x AS (..) UPDATE ..`); `FOR UPDATE`
            // and `FOR NO KEY UPDATE` name a lock mode.
            "INSERT" | "UPDATE" | "DELETE" | "MERGE"
                if (after_open || depth == 0) && !lock_mode =>
            {
                return SqlEffect::Writes;
            }
            "FOR" if matches!(word(next), Some("UPDATE" | "SHARE" | "NO" | "KEY")) => {
                effect = effect.max(SqlEffect::Locks);
            }
            // MySQL's `LOCK IN SHARE MODE`.
            "LOCK" if word(next) == Some("IN") => effect = effect.max(SqlEffect::Locks),
            _ if LOCKING_HINTS.contains(&word_here) => effect = effect.max(SqlEffect::Locks),
            _ if next == Some(&Token::Open) && WRITING_FUNCTIONS.contains(&word_here) => {
                return SqlEffect::Writes;
            }
            _ if next == Some(&Token::Open) && LOCKING_FUNCTIONS.contains(&word_here) => {
                effect = effect.max(SqlEffect::Locks);
            }
            // `NEXT VALUE FOR seq`: a sequence step, as `nextval`.
            "NEXT" if word(next) == Some("VALUE") => return SqlEffect::Writes,
            // `SELECT .. INTO new_table FROM ..` creates a table (a query's
            // only `INTO`); MySQL's `INTO @variable` and `INTO OUTFILE` do
            // not write to the database.
            "INTO" if depth == 0 => {
                let into_variable = matches!(next, Some(Token::Punct('@')))
                    || matches!(word(next), Some("OUTFILE" | "DUMPFILE"));
                if !into_variable {
                    return SqlEffect::Writes;
                }
            }
            _ => {}
        }
    }
    effect
}

#[cfg(test)]
mod tests {
    use super::*;

    fn effect(sql: &str) -> SqlEffect {
        sql_effect(sql)
    }

    #[test]
    fn plain_statements_by_their_verb() {
        for sql in [
            "INSERT INTO jobs (id) VALUES ($1)",
            "update jobs set done = true where id = ?",
            "DELETE FROM sessions WHERE expires < now()",
            "MERGE INTO stock s USING delivery d ON s.item = d.item WHEN MATCHED THEN UPDATE SET qty = s.qty + d.qty",
            "UPSERT INTO kv (k, v) VALUES ('a', 1)",
            "REPLACE INTO kv (k, v) VALUES ('a', 1)",
            "INSERT OR REPLACE INTO kv VALUES (1, 2)",
            "INSERT INTO counters (name, n) VALUES ('x', 1) ON CONFLICT (name) DO UPDATE SET n = counters.n + 1",
            "INSERT INTO t SELECT * FROM u",
        ] {
            assert_eq!(effect(sql), SqlEffect::Writes, "{sql}");
            assert!(sql_writes(sql), "{sql}");
            assert!(!is_read_only_sql(sql), "{sql}");
        }
        for sql in [
            "SELECT id FROM jobs WHERE done = false",
            "  select * from t",
            "VALUES (1), (2)",
            "TABLE accounts",
            "SHOW search_path",
            "DESCRIBE users",
        ] {
            assert_eq!(effect(sql), SqlEffect::Reads, "{sql}");
            assert!(!sql_writes(sql), "{sql}");
            assert!(is_read_only_sql(sql), "{sql}");
        }
    }

    #[test]
    fn schema_changes_and_grants_write() {
        for sql in [
            "CREATE TABLE t (id int)",
            "create temporary table scratch as select 1",
            "ALTER TABLE t ADD COLUMN x int",
            "DROP INDEX IF EXISTS t_x",
            "TRUNCATE audit_log",
            "GRANT SELECT ON t TO reporting",
            "REVOKE ALL ON t FROM public",
            "COMMENT ON TABLE t IS 'jobs'",
            "RENAME TABLE a TO b",
            "REFRESH MATERIALIZED VIEW totals",
            "VACUUM ANALYZE t",
            "LOAD DATA INFILE 'x.csv' INTO TABLE t",
        ] {
            assert_eq!(effect(sql), SqlEffect::Writes, "{sql}");
        }
    }

    #[test]
    fn copy_writes_only_when_it_loads() {
        assert_eq!(
            effect("COPY items (id, name) FROM STDIN"),
            SqlEffect::Writes
        );
        assert_eq!(
            effect("COPY items FROM '/tmp/items.csv' WITH (FORMAT csv)"),
            SqlEffect::Writes
        );
        assert_eq!(effect("COPY items TO STDOUT"), SqlEffect::Reads);
        assert_eq!(
            effect("COPY (SELECT * FROM items WHERE x FROM y) TO STDOUT"),
            SqlEffect::Reads,
            "a FROM inside the query does not make the copy a load"
        );
    }

    #[test]
    fn procedures_and_anonymous_blocks_are_unknown_and_count_as_writes() {
        for sql in [
            "CALL archive_orders(30)",
            "DO $$ BEGIN PERFORM 1; END $$",
            "EXEC dbo.refresh_totals",
            "EXECUTE prepared_update(1)",
            "FROBNICATE everything",
        ] {
            assert_eq!(effect(sql), SqlEffect::Unknown, "{sql}");
            assert!(sql_writes(sql), "{sql}");
        }
    }

    #[test]
    fn sequences_and_notifications_write_from_a_select() {
        assert_eq!(effect("SELECT nextval('ids')"), SqlEffect::Writes);
        assert_eq!(
            effect("select pg_catalog.setval('ids', 10)"),
            SqlEffect::Writes
        );
        assert_eq!(effect("SELECT NEXT VALUE FOR ids"), SqlEffect::Writes);
        assert_eq!(effect("SELECT pg_notify('jobs', 'new')"), SqlEffect::Writes);
        assert_eq!(effect("NOTIFY jobs, 'new'"), SqlEffect::Writes);
        assert_eq!(
            effect("SELECT nextval FROM columns_named_oddly"),
            SqlEffect::Reads,
            "a column with a function's name is not a call"
        );
    }

    #[test]
    fn data_modifying_ctes_write() {
        assert_eq!(
            effect("WITH moved AS (DELETE FROM a RETURNING *) SELECT * FROM moved"),
            SqlEffect::Writes
        );
        assert_eq!(
            effect(
                "with x as materialized (update t set y = 1 returning id) select count(*) from x"
            ),
            SqlEffect::Writes
        );
        assert_eq!(
            effect("WITH src AS (SELECT id FROM a) INSERT INTO b SELECT id FROM src"),
            SqlEffect::Writes,
            "the statement after the WITH list writes"
        );
        assert_eq!(
            effect("WITH RECURSIVE tree(id, parent) AS (SELECT id, parent FROM n UNION ALL SELECT n.id, n.parent FROM n JOIN tree ON n.parent = tree.id) SELECT * FROM tree"),
            SqlEffect::Reads
        );
    }

    #[test]
    fn several_statements_do_the_most_any_does() {
        assert_eq!(
            effect("SET LOCAL statement_timeout = 1000; SELECT 1"),
            SqlEffect::Reads
        );
        assert_eq!(
            effect("SELECT 1; UPDATE t SET x = 1; SELECT 2;"),
            SqlEffect::Writes
        );
        assert_eq!(
            effect("BEGIN; INSERT INTO t VALUES (1); COMMIT;"),
            SqlEffect::Writes
        );
        assert_eq!(
            effect("SELECT * FROM t FOR UPDATE; SELECT 1"),
            SqlEffect::Locks
        );
        assert_eq!(effect(";;"), SqlEffect::Reads);
        assert_eq!(effect(""), SqlEffect::Reads);
    }

    #[test]
    fn comments_literals_and_quoted_names_hide_keywords() {
        assert_eq!(effect("SELECT 'DELETE'"), SqlEffect::Reads);
        assert_eq!(
            effect("SELECT 'it''s; DELETE FROM t' AS note"),
            SqlEffect::Reads,
            "a doubled quote stays inside the string, and so does the `;`"
        );
        assert_eq!(effect("SELECT E'a\\'; DROP TABLE t'"), SqlEffect::Reads);
        assert_eq!(
            effect("SELECT \"update\" FROM \"delete\""),
            SqlEffect::Reads
        );
        assert_eq!(effect("SELECT `insert` FROM `t`"), SqlEffect::Reads);
        assert_eq!(
            effect("SELECT [Update] FROM [Order Details]"),
            SqlEffect::Reads
        );
        assert_eq!(
            effect("SELECT $body$ DELETE FROM t $body$"),
            SqlEffect::Reads
        );
        assert_eq!(effect("SELECT $$ DROP TABLE t $$"), SqlEffect::Reads);
        assert_eq!(
            effect("SELECT x FROM t WHERE id = $1 AND y = $2"),
            SqlEffect::Reads
        );
        assert_eq!(effect("-- DELETE FROM t\nSELECT 1"), SqlEffect::Reads);
        assert_eq!(
            effect("/* UPDATE /* nested */ t */ SELECT 1"),
            SqlEffect::Reads
        );
        assert_eq!(
            effect("/* a read */ DELETE FROM t -- not really"),
            SqlEffect::Writes
        );
        assert_eq!(effect("SELECT 1 -- ; DELETE FROM t"), SqlEffect::Reads);
        assert_eq!(
            effect("SELECT updated_at, deleted FROM t"),
            SqlEffect::Reads,
            "words that start like a verb are not the verb"
        );
        assert_eq!(effect("SELECT ARRAY[1, 2][1]"), SqlEffect::Reads);
    }

    #[test]
    fn row_locks_are_not_writes() {
        for sql in [
            "SELECT * FROM jobs WHERE id = $1 FOR UPDATE",
            "select * from t for update skip locked",
            "SELECT * FROM t FOR NO KEY UPDATE",
            "SELECT * FROM t FOR SHARE",
            "SELECT * FROM t FOR KEY SHARE NOWAIT",
            "SELECT * FROM t WHERE id = 1 LOCK IN SHARE MODE",
            "SELECT * FROM t WITH (UPDLOCK, ROWLOCK) WHERE id = 1",
            "SELECT pg_advisory_xact_lock(42)",
            "LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE",
            "LOCK TABLES t WRITE",
            "WITH due AS (SELECT id FROM jobs FOR UPDATE SKIP LOCKED) SELECT * FROM due",
        ] {
            assert_eq!(effect(sql), SqlEffect::Locks, "{sql}");
            assert!(!sql_writes(sql), "{sql}");
            assert!(is_read_only_sql(sql), "{sql}");
        }
    }

    #[test]
    fn settings_savepoints_and_transaction_control_are_not_writes() {
        for sql in [
            "SET search_path TO app",
            "SET LOCAL lock_timeout = '5s'",
            "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            "SAVEPOINT before_import",
            "RELEASE SAVEPOINT before_import",
            "ROLLBACK TO SAVEPOINT before_import",
            "BEGIN",
            "BEGIN ISOLATION LEVEL REPEATABLE READ",
            "BEGIN TRAN",
            "START TRANSACTION READ ONLY",
            "COMMIT",
            "END",
            "LISTEN jobs",
            "PREPARE find_user AS SELECT * FROM users WHERE id = $1",
            "DEALLOCATE find_user",
            "PRAGMA table_info(users)",
            "RESET ALL",
            "UNLOCK TABLES",
        ] {
            assert_eq!(effect(sql), SqlEffect::Reads, "{sql}");
        }
        assert_eq!(effect("PRAGMA user_version = 3"), SqlEffect::Unknown);
    }

    #[test]
    fn explain_runs_its_statement_only_with_analyze() {
        assert_eq!(effect("EXPLAIN DELETE FROM t"), SqlEffect::Reads);
        assert_eq!(effect("EXPLAIN ANALYZE DELETE FROM t"), SqlEffect::Writes);
        assert_eq!(
            effect("EXPLAIN (ANALYZE, BUFFERS) UPDATE t SET x = 1"),
            SqlEffect::Writes
        );
        assert_eq!(
            effect("EXPLAIN (ANALYZE false, FORMAT JSON) UPDATE t SET x = 1"),
            SqlEffect::Reads
        );
        assert_eq!(
            effect("EXPLAIN (FORMAT JSON) INSERT INTO t VALUES (1)"),
            SqlEffect::Reads
        );
        assert_eq!(effect("EXPLAIN ANALYZE SELECT * FROM t"), SqlEffect::Reads);
        assert_eq!(effect("EXPLAIN QUERY PLAN DELETE FROM t"), SqlEffect::Reads);
        assert_eq!(
            effect("explain analyze verbose insert into t values (1)"),
            SqlEffect::Writes
        );
    }

    #[test]
    fn select_into_a_table_writes_but_into_a_variable_does_not() {
        assert_eq!(
            effect("SELECT * INTO archive_2024 FROM orders"),
            SqlEffect::Writes
        );
        assert_eq!(
            effect("SELECT count(*) INTO @n FROM orders"),
            SqlEffect::Reads
        );
        assert_eq!(
            effect("WITH o AS (SELECT * FROM orders) SELECT * INTO copy_of_orders FROM o"),
            SqlEffect::Writes
        );
        assert_eq!(
            effect("SELECT * FROM orders INTO OUTFILE '/tmp/o.csv'"),
            SqlEffect::Reads
        );
    }

    #[test]
    fn cql_batches_write() {
        assert_eq!(
            effect("BEGIN BATCH INSERT INTO a (k) VALUES (1); APPLY BATCH"),
            SqlEffect::Writes
        );
        assert_eq!(
            effect("BEGIN UNLOGGED BATCH UPDATE a SET v = 1 WHERE k = 1 APPLY BATCH"),
            SqlEffect::Writes
        );
    }

    #[test]
    fn unterminated_text_does_not_panic() {
        for sql in [
            "SELECT 'open",
            "SELECT \"open",
            "/* open",
            "SELECT $tag$ open",
            "SELECT $",
            "[",
            "E'",
            "((((",
            "))))",
            "EXPLAIN (",
            "COPY",
        ] {
            let _ = sql_effect(sql);
        }
        assert_eq!(effect("SELECT 'open"), SqlEffect::Reads);
    }

    #[test]
    fn effects_are_ordered_from_reading_to_writing() {
        assert!(SqlEffect::Reads < SqlEffect::Locks);
        assert!(SqlEffect::Locks < SqlEffect::Unknown);
        assert!(SqlEffect::Unknown < SqlEffect::Writes);
    }
}
