//! The flow analysis is bounded by design: shapes whose number of paths grows
//! exponentially with their size cost it a number of block walks that grows
//! with the size only. Counted in blocks walked (`--timings` prints it), never
//! timed. The one bound left, the rounds of the function summaries'
//! fixpoints, is counted in the stats when it stops one.

use std::fs;

use connleak::{run, Options};

/// Blocks walked, and findings, for one file in a crate that uses sqlx.
fn walk(source: &str) -> (usize, usize) {
    let report = check(source);
    (report.stats.timings.blocks_walked, report.findings.len())
}

/// The report on one file in a crate that uses sqlx.
fn check(source: &str) -> connleak::Report {
    let dir = tempfile::tempdir().expect("temporary folder");
    fs::create_dir(dir.path().join("src")).expect("folder");
    fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"shapes\"\nversion = \"0.1.0\"\n\n[dependencies]\nsqlx = \"0.8\"\n",
    )
    .expect("manifest");
    fs::write(dir.path().join("src/lib.rs"), source).expect("source");
    let report = run(&Options {
        paths: vec![dir.path().to_path_buf()],
        threads: 1,
        ..Options::default()
    });
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    report
}

/// A handler calling down a chain of `depth` functions, the last of which
/// acquires from the pool it is handed.
fn call_chain(depth: usize) -> String {
    let mut text = String::from("use sqlx::PgPool;\n\n");
    text.push_str(&format!(
        "pub async fn step{depth}(pool: &PgPool) -> sqlx::Result<()> {{\n    let mut conn = pool.acquire().await?;\n    sqlx::query(\"SELECT 1\").execute(&mut *conn).await?;\n    Ok(())\n}}\n\n"
    ));
    for n in (0..depth).rev() {
        let next = n + 1;
        text.push_str(&format!(
            "pub async fn step{n}(pool: &PgPool) -> sqlx::Result<()> {{\n    step{next}(pool).await\n}}\n\n"
        ));
    }
    text
}

/// `count` transactions open at once, then one `if` per transaction that
/// writes on it or not: 2^count combinations of "used" reach the end.
fn independent_branches(count: usize) -> String {
    let mut text = String::from(
        "use sqlx::PgPool;\n\npub async fn many(pool: &PgPool, flags: &[bool]) -> sqlx::Result<()> {\n",
    );
    for n in 0..count {
        text.push_str(&format!("    let mut t{n} = pool.begin().await?;\n"));
    }
    for n in 0..count {
        text.push_str(&format!(
            "    if flags[{n}] {{\n        sqlx::query(\"UPDATE jobs SET n = {n}\").execute(&mut *t{n}).await?;\n    }}\n"
        ));
    }
    text.push_str("    Ok(())\n}\n");
    text
}

/// One connection, and a chain of `match`es whose arms each either use it,
/// move it into a local, or leave it alone: every arm combination is a path.
fn match_chain(count: usize) -> String {
    let mut text = String::from(
        "use sqlx::PgPool;\n\npub async fn chain(pool: &PgPool, picks: &[u8]) -> sqlx::Result<()> {\n    let mut conn = pool.acquire().await?;\n",
    );
    for n in 0..count {
        text.push_str(&format!(
            "    let kept{n} = match picks[{n}] {{\n        0 => {{ sqlx::query(\"DELETE FROM t\").execute(&mut *conn).await?; 0 }}\n        1 => {{ tokio::time::sleep(std::time::Duration::from_millis({n})).await; 1 }}\n        _ => 2,\n    }};\n"
        ));
    }
    text.push_str("    drop(conn);\n    Ok(())\n}\n");
    text
}

/// Closures nested in closures, each capturing the connection.
fn deep_closures(depth: usize) -> String {
    let mut text = String::from(
        "use sqlx::PgPool;\n\npub async fn nest(pool: &PgPool) -> sqlx::Result<()> {\n    let conn = pool.acquire().await?;\n    let f0 = move || {\n        let c = conn;\n",
    );
    for n in 1..depth {
        text.push_str(&format!(
            "        let f{n} = move || {{\n        let c = c;\n"
        ));
    }
    text.push_str("        drop(c);\n");
    for n in (1..depth).rev() {
        text.push_str(&format!("        }};\n        f{n}();\n"));
    }
    text.push_str("    };\n    f0();\n    Ok(())\n}\n");
    text
}

#[test]
fn independent_connections_cost_their_own_states_not_their_combinations() {
    let (small, small_findings) = walk(&independent_branches(10));
    let (large, large_findings) = walk(&independent_branches(20));
    // 2^20 paths reach the end of the large one; the walk is quadratic at
    // most (twice the blocks, each with twice the connection states).
    assert!(large < 5 * small, "{small} blocks walked, then {large}");
    // Each `begin` after the first is a second connection from the pool, and
    // the transactions that wrote are dropped uncommitted at `Ok(())`: one
    // finding at that exit.
    assert_eq!(small_findings, 9 + 1);
    assert_eq!(large_findings, 19 + 1);
}

#[test]
fn long_match_chains_cost_their_length() {
    let (small, _) = walk(&match_chain(12));
    let (large, large_findings) = walk(&match_chain(24));
    assert!(large < 5 * small, "{small} blocks walked, then {large}");
    // The sleeps while `conn` is held: one finding, at the first, with the
    // others in its path.
    assert_eq!(large_findings, 1);
}

#[test]
fn deep_closures_cost_their_depth() {
    let (small, _) = walk(&deep_closures(8));
    let (large, _) = walk(&deep_closures(16));
    assert!(large < 5 * small, "{small} blocks walked, then {large}");
}

#[test]
fn summary_rounds_stopped_by_their_limit_are_counted() {
    // Each round of propagation carries the acquire one call up.
    assert_eq!(check(&call_chain(4)).stats.summary_rounds_cut, 0);
    assert!(check(&call_chain(40)).stats.summary_rounds_cut > 0);
}
