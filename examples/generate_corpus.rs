//! Writes a large synthetic workspace for benchmarks: `FILES` source files
//! of service-style Rust (handlers, repositories, plain logic), about one in
//! ten functions touching a database and a few of them leaking. The same
//! arguments always give the same bytes.
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
