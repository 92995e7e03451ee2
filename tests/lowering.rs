//! Which bodies the first parse lowers, as `--timings` counts them: every
//! body of a package that uses a database crate, itself or through a
//! package of the workspace; in the others, only those that name one.

use std::fs;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-connleak");

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().expect("parent")).expect("folders");
    fs::write(path, text).expect("write");
}

fn package(root: &Path, name: &str, dependencies: &str, source: &str) {
    write(
        root,
        &format!("{name}/Cargo.toml"),
        &format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n{dependencies}"
        ),
    );
    write(root, &format!("{name}/src/lib.rs"), source);
}

/// The counts of the `function bodies lowered: N of M (L of them late)` line.
fn lowered(root: &Path) -> (usize, usize, usize) {
    let output = Command::new(BIN)
        .args(["--color", "never", "-j1", "--timings", "."])
        .current_dir(root)
        .output()
        .expect("the binary runs");
    let table = String::from_utf8(output.stderr).expect("UTF-8");
    let line = table
        .lines()
        .find_map(|line| line.strip_prefix("function bodies lowered: "))
        .unwrap_or_else(|| panic!("no count of bodies lowered in:\n{table}"));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .map(|part| part.parse().expect("a number"))
        .collect();
    match numbers.as_slice() {
        [lowered, of, late] => (*lowered, *of, *late),
        _ => panic!("unexpected count line: {line}"),
    }
}

#[test]
fn packages_using_a_database_crate_are_lowered_whole_at_once() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path();
    write(
        root,
        "Cargo.toml",
        "[workspace]\nmembers = [\"storage\", \"service\", \"formatting\"]\n",
    );
    // Uses sqlx: both bodies, though one names nothing of a database.
    package(
        root,
        "storage",
        "sqlx = \"0.8\"\n",
        "pub async fn count(pool: &sqlx::PgPool) -> i64 {\n    let mut conn = pool.acquire().await.unwrap();\n    sqlx::query_scalar(\"SELECT 1\").fetch_one(&mut *conn).await.unwrap()\n}\n\npub fn label(n: i64) -> String {\n    n.to_string()\n}\n",
    );
    // Uses the package above: both bodies.
    package(
        root,
        "service",
        "storage = { path = \"../storage\" }\n",
        "pub fn twice(n: u32) -> u32 {\n    n * 2\n}\n\npub fn greeting() -> &'static str {\n    \"hello\"\n}\n",
    );
    // Uses no database: neither body.
    package(
        root,
        "formatting",
        "",
        "pub fn pad(text: &str) -> String {\n    format!(\" {text} \")\n}\n\npub fn width() -> usize {\n    80\n}\n",
    );
    assert_eq!(lowered(root), (4, 6, 0));
}
