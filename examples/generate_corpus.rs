//! Writes a large synthetic workspace for benchmarks: `FILES` source files
//! of service-style Rust (handlers, repositories, plain logic), about one in
//! ten functions touching a database and a few of them leaking. The same
//! arguments always give the same bytes.
//!
//! Each crate (one per hundred files) also gets `src/shapes.rs`, the shapes
//! that once made the cost blow up: long chains of `if` and `match` with
//! connections live across them (a number of paths exponential in their
//! length), closures nested deep with a connection moved through them, and
//! names every crate shares (`Store`, `get`, a blanket extension trait), so
//! that a lookup by name across the workspace grows with the crate count.
//!
//!     cargo run --release --example generate_corpus -- OUT_DIR [FILES]
//!
//! The corpus is generated, never committed: `scripts/bench.sh` makes it.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(out) = args.next() else {
        eprintln!("usage: generate_corpus OUT_DIR [FILES]");
        std::process::exit(2);
    };
    let files: usize = match args.next().map(|n| n.parse()) {
        None => 1000,
        Some(Ok(n)) => n,
        Some(Err(error)) => {
            eprintln!("FILES: {error}");
            std::process::exit(2);
        }
    };
    if let Err(error) = generate(Path::new(&out), files) {
        eprintln!("cannot write the corpus: {error}");
        std::process::exit(1);
    }
}

fn generate(out: &Path, files: usize) -> std::io::Result<()> {
    let crates = files.div_ceil(100).max(1);
    let members: Vec<String> = (0..crates).map(|c| format!("\"crates/c{c}\"")).collect();
    fs::create_dir_all(out)?;
    fs::write(
        out.join("Cargo.toml"),
        format!(
            "[workspace]\nmembers = [{}]\n\n[workspace.dependencies]\nsqlx = \"0.8\"\ntokio = \"1\"\n",
            members.join(", ")
        ),
    )?;
    let mut random = Lcg(0x5eed);
    for index in 0..files {
        let crate_dir = out.join(format!("crates/c{}", index / 100));
        if index % 100 == 0 {
            fs::create_dir_all(crate_dir.join("src"))?;
            fs::write(
                crate_dir.join("Cargo.toml"),
                format!(
                    "[package]\nname = \"c{}\"\nversion = \"0.1.0\"\n\n[dependencies]\nsqlx = {{ workspace = true }}\ntokio = {{ workspace = true }}\n",
                    index / 100
                ),
            )?;
        }
        let name = if index % 100 == 0 {
            String::from("lib")
        } else {
            format!("module_{index}")
        };
        fs::write(
            crate_dir.join(format!("src/{name}.rs")),
            source_file(index, &mut random),
        )?;
        if index % 100 == 0 {
            fs::write(crate_dir.join("src/shapes.rs"), shapes_file())?;
        }
    }
    Ok(())
}

/// A small deterministic generator (Knuth's MMIX constants).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

fn source_file(index: usize, random: &mut Lcg) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "//! Generated module {index}.\n\nuse std::collections::HashMap;\nuse std::time::Duration;\n\nuse sqlx::{{PgPool, Postgres, Transaction}};\n"
    );
    let _ = writeln!(
        text,
        "#[derive(Debug, Clone, PartialEq)]\npub struct Record{index} {{\n    pub id: i64,\n    pub name: String,\n    pub tags: Vec<String>,\n    pub score: Option<f64>,\n}}\n"
    );
    let _ = writeln!(
        text,
        "pub struct Repo{index} {{\n    pool: PgPool,\n    cache: HashMap<i64, Record{index}>,\n}}\n"
    );
    let _ = writeln!(text, "impl Repo{index} {{");
    for method in 0..6 {
        let kind = random.below(20);
        text.push_str(&repo_method(index, method, kind));
    }
    let _ = writeln!(text, "}}\n");
    for function in 0..8 {
        let kind = random.below(6);
        text.push_str(&plain_function(index, function, kind, random));
    }
    text
}

fn repo_method(index: usize, method: usize, kind: u64) -> String {
    match kind {
        // Fine: one connection, used and given back.
        0..=5 => format!(
            r#"    pub async fn load_{method}(&self, id: i64) -> sqlx::Result<Option<Record{index}>> {{
        if let Some(hit) = self.cache.get(&id) {{
            return Ok(Some(hit.clone()));
        }}
        let mut conn = self.pool.acquire().await?;
        let row: Option<(i64, String)> = sqlx::query_as("SELECT id, name FROM t{index} WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        Ok(row.map(|(id, name)| Record{index} {{ id, name, tags: Vec::new(), score: None }}))
    }}

"#
        ),
        // Fine: a committed transaction over several statements.
        6..=10 => format!(
            r#"    pub async fn save_{method}(&self, records: &[Record{index}]) -> sqlx::Result<u64> {{
        let mut tx: Transaction<'_, Postgres> = self.pool.begin().await?;
        let mut written = 0;
        for record in records {{
            let result = sqlx::query("INSERT INTO t{index} (id, name) VALUES ($1, $2)")
                .bind(record.id)
                .bind(&record.name)
                .execute(&mut *tx)
                .await?;
            written += result.rows_affected();
        }}
        tx.commit().await?;
        Ok(written)
    }}

"#
        ),
        // Fine: the pool as executor, no connection held.
        11..=15 => format!(
            r#"    pub async fn count_{method}(&self) -> sqlx::Result<i64> {{
        let (count,): (i64,) = sqlx::query_as("SELECT count(*) FROM t{index}")
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }}

"#
        ),
        // held-across-await.
        16 | 17 => format!(
            r#"    pub async fn slow_{method}(&self, id: i64) -> sqlx::Result<()> {{
        let mut conn = self.pool.acquire().await?;
        sqlx::query("UPDATE t{index} SET seen = now() WHERE id = $1").bind(id).execute(&mut *conn).await?;
        tokio::time::sleep(Duration::from_millis(50)).await;
        sqlx::query("UPDATE t{index} SET done = true WHERE id = $1").bind(id).execute(&mut *conn).await?;
        Ok(())
    }}

"#
        ),
        // uncommitted-transaction on an early return.
        18 => format!(
            r#"    pub async fn maybe_{method}(&self, id: i64, dry_run: bool) -> sqlx::Result<()> {{
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM t{index} WHERE id = $1").bind(id).execute(&mut *tx).await?;
        if dry_run {{
            return Ok(());
        }}
        tx.commit().await?;
        Ok(())
    }}

"#
        ),
        // leaked-connection.
        _ => format!(
            r#"    pub async fn pin_{method}(&self) -> sqlx::Result<()> {{
        let conn = self.pool.acquire().await?;
        std::mem::forget(conn);
        Ok(())
    }}

"#
        ),
    }
}

fn plain_function(index: usize, function: usize, kind: u64, random: &mut Lcg) -> String {
    match kind {
        0 | 1 => {
            let mut arms = String::new();
            for arm in 0..(8 + random.below(16)) {
                let _ = writeln!(
                    arms,
                    "        {arm} => format!(\"{{}}-{{}}\", input.len(), {arm} * factor),"
                );
            }
            format!(
                r#"pub fn describe_{index}_{function}(input: &str, code: u32, factor: u32) -> String {{
    match code {{
{arms}        _ => input.chars().rev().collect(),
    }}
}}

"#
            )
        }
        2 => format!(
            r#"pub fn summarise_{index}_{function}(records: &[Record{index}]) -> HashMap<String, (usize, f64)> {{
    let mut summary: HashMap<String, (usize, f64)> = HashMap::new();
    for record in records.iter().filter(|r| !r.name.is_empty()) {{
        for tag in &record.tags {{
            let entry = summary.entry(tag.clone()).or_insert((0, 0.0));
            entry.0 += 1;
            entry.1 += record.score.unwrap_or_default();
        }}
    }}
    summary.retain(|_, (count, total)| *count > 1 || *total > 0.5);
    summary
}}

"#
        ),
        3 => format!(
            r#"pub fn parse_{index}_{function}(line: &str) -> Result<Record{index}, String> {{
    let mut parts = line.split(',').map(str::trim);
    let id = parts
        .next()
        .ok_or_else(|| String::from("no id"))?
        .parse::<i64>()
        .map_err(|e| e.to_string())?;
    let name = parts.next().unwrap_or_default().to_string();
    let tags = parts.clone().take_while(|p| !p.starts_with('#')).map(String::from).collect();
    let score = parts.find_map(|p| p.strip_prefix('#')).and_then(|s| s.parse().ok());
    Ok(Record{index} {{ id, name, tags, score }})
}}

"#
        ),
        4 => format!(
            r#"impl std::fmt::Display for Record{index} {{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{
        write!(f, "{{}}: {{}}", self.id, self.name)?;
        if !self.tags.is_empty() {{
            write!(f, " [{{}}]", self.tags.join(", "))?;
        }}
        match self.score {{
            Some(score) if score > 0.9 => write!(f, " (top)"),
            Some(score) => write!(f, " ({{score:.2}})"),
            None => Ok(()),
        }}
    }}
}}

pub fn top_{index}_{function}(mut records: Vec<Record{index}>, n: usize) -> Vec<String> {{
    records.sort_by(|a, b| b.score.partial_cmp(&a.score).unwrap_or(std::cmp::Ordering::Equal));
    records.into_iter().take(n).map(|r| r.to_string()).collect()
}}

"#
        ),
        _ => format!(
            r#"pub async fn retry_{index}_{function}<F, Fut, T, E>(mut attempt: F, tries: u32) -> Result<T, E>
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{{
    let mut delay = Duration::from_millis(10);
    let mut last = None;
    for n in 0..tries {{
        match attempt(n).await {{
            Ok(value) => return Ok(value),
            Err(error) => {{
                last = Some(error);
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(1));
            }}
        }}
    }}
    Err(last.expect("at least one try"))
}}

"#
        ),
    }
}

/// Chains and nesting that are exponential in paths, and names shared by
/// every crate of the workspace; the same text in every crate.
fn shapes_file() -> String {
    let mut text = String::from(
        "//! Generated shapes.\n\nuse sqlx::PgPool;\n\n\
pub struct Store {\n    pool: PgPool,\n}\n\n\
impl Store {\n    pub async fn get(&self, id: i64) -> sqlx::Result<i64> {\n        \
let mut conn = self.pool.acquire().await?;\n        \
let (n,): (i64,) = sqlx::query_as(\"SELECT n FROM t WHERE id = $1\").bind(id).fetch_one(&mut *conn).await?;\n        \
Ok(n)\n    }\n}\n\n\
pub trait Ext {\n    fn tidy(self) -> Self;\n}\n\n\
impl<T: Clone> Ext for T {\n    fn tidy(self) -> Self {\n        self\n    }\n}\n\n",
    );
    // Independent branches: 2^12 combinations of which transaction wrote.
    text.push_str("pub async fn branches(pool: &PgPool, flags: &[bool]) -> sqlx::Result<()> {\n");
    for n in 0..12 {
        let _ = writeln!(text, "    let mut t{n} = pool.begin().await?;");
    }
    for n in 0..12 {
        let _ = writeln!(
            text,
            "    if flags[{n}] {{\n        sqlx::query(\"UPDATE jobs SET n = {n}\").execute(&mut *t{n}).await?;\n    }}"
        );
    }
    for n in 0..12 {
        let _ = writeln!(text, "    t{n}.commit().await?;");
    }
    text.push_str("    Ok(())\n}\n\n");
    // A chain of matches with one connection live: 3^30 paths.
    text.push_str(
        "pub async fn chain(pool: &PgPool, picks: &[u8]) -> sqlx::Result<()> {\n    let mut conn = pool.acquire().await?;\n",
    );
    for n in 0..30 {
        let _ = writeln!(
            text,
            "    let kept{n} = match picks[{n}] {{\n        0 => {{ sqlx::query(\"DELETE FROM t\").execute(&mut *conn).await?; 0 }}\n        1 => {{ tokio::time::sleep(std::time::Duration::from_millis({n})).await; 1 }}\n        _ => usize::from(picks[{n}]).tidy(),\n    }};"
        );
    }
    text.push_str("    drop(conn);\n    Ok(())\n}\n\n");
    // Closures nested 12 deep, the connection moved through each.
    text.push_str(
        "pub async fn nest(pool: &PgPool) -> sqlx::Result<()> {\n    let conn = pool.acquire().await?;\n    let f0 = move || {\n        let c = conn;\n",
    );
    for n in 1..12 {
        let _ = writeln!(text, "        let f{n} = move || {{\n        let c = c;");
    }
    text.push_str("        drop(c);\n");
    for n in (1..12).rev() {
        let _ = writeln!(text, "        }};\n        f{n}();");
    }
    text.push_str("    };\n    f0();\n    Ok(())\n}\n\n");
    // Callers of the shared names, resolved per crate.
    text.push_str(
        "pub async fn use_store(store: &Store, ids: &[i64]) -> sqlx::Result<i64> {\n    let mut total = 0;\n    for id in ids {\n        total += store.get(*id).await?.tidy();\n    }\n    Ok(total)\n}\n",
    );
    text
}
