//! What SQL text does to a transaction: whether a statement only reads.

/// A statement that reads and changes nothing a rollback would undo:
/// `SELECT`, including `SELECT .. FOR UPDATE` (its locks end with the
/// transaction either way), `SHOW`, `EXPLAIN` without `ANALYZE`, and `WITH`
/// queries that modify nothing.
pub fn is_read_only_sql(sql: &str) -> bool {
    // `FOR UPDATE` names UPDATE as a lock mode, not a write.
    let statement = sql
        .to_ascii_uppercase()
        .replace("FOR NO KEY UPDATE", " ")
        .replace("FOR UPDATE", " ");
    let mut words = statement
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty());
    let reads = matches!(
        words.next(),
        Some("SELECT" | "SHOW" | "EXPLAIN" | "WITH" | "VALUES")
    );
    reads
        && !words.any(|w| {
            matches!(
                w,
                "INSERT"
                    | "UPDATE"
                    | "DELETE"
                    | "MERGE"
                    | "UPSERT"
                    | "REPLACE"
                    | "CREATE"
                    | "DROP"
                    | "ALTER"
                    | "TRUNCATE"
                    | "GRANT"
                    | "REVOKE"
                    | "COPY"
                    | "CALL"
                    | "ANALYZE"
                    | "NEXTVAL"
                    | "SETVAL"
                    | "LOCK"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::is_read_only_sql;

    #[test]
    fn read_only_statements_are_told_from_writes() {
        assert!(is_read_only_sql("SELECT id FROM jobs WHERE done = false"));
        assert!(is_read_only_sql("  select * from t for update skip locked"));
        assert!(is_read_only_sql(
            "WITH recent AS (SELECT 1) SELECT * FROM recent"
        ));
        assert!(!is_read_only_sql("INSERT INTO t VALUES (1)"));
        assert!(!is_read_only_sql(
            "WITH moved AS (DELETE FROM a RETURNING *) SELECT * FROM moved"
        ));
        assert!(!is_read_only_sql("SELECT nextval('ids')"));
        assert!(!is_read_only_sql("EXPLAIN ANALYZE DELETE FROM t"));
        assert!(!is_read_only_sql("UPDATE t SET x = 1"));
    }
}
