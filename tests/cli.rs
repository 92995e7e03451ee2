//! Command-line behaviour, through the built binary: exit codes, both ways of
//! invoking it, `--list-lints`, `--explain`, the JSON document, determinism
//! across thread counts, and which files are checked.
//!
//! Tests marked "Needs: ..." only become meaningful (or only pass) once that
//! part of the pipeline is in: they are written for the finished tool, so they
//! fail loudly rather than being skipped.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use connleak::rules::Lint;

mod common;
use common::{code, json_of, stderr, stdout};

const BIN: &str = env!("CARGO_BIN_EXE_cargo-connleak");

/// The lint names are a contract with users' configuration and CI scripts.
const LINT_NAMES: [&str; 8] = [
    "leaked-connection",
    "held-forever",
    "accumulated-connections",
    "held-across-await",
    "nested-acquire",
    "uncommitted-transaction",
    "temporary-pool",
    "unclosed-connection",
];

/// Writes `files` (path, content) under a fresh temporary folder.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    for (path, content) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().expect("has a parent")).expect("create folders");
        fs::write(path, content).expect("write file");
    }
    dir
}

/// Runs the binary in `cwd` with `args`, colour off unless asked.
fn run_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .output()
        .expect("the binary runs")
}

const CLEAN_CRATE: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        "[package]\nname = \"clean\"\nversion = \"0.1.0\"\n",
    ),
    (
        "src/lib.rs",
        "pub fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n",
    ),
];

/// A pooled connection that never goes back to the pool: `leaked-connection`
/// (deny by default) fires on line 5.
const LEAKING_CRATE: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        "[package]\nname = \"leaky\"\nversion = \"0.1.0\"\n\n[dependencies]\nsqlx = { version = \"0.8\", features = [\"postgres\"] }\n",
    ),
    (
        "src/lib.rs",
        "use sqlx::PgPool;\n\npub async fn leak(pool: &PgPool) {\n    let conn = pool.acquire().await.unwrap();\n    std::mem::forget(conn);\n}\n",
    ),
];

#[test]
fn clean_folder_exits_0() {
    let dir = tree(CLEAN_CRATE);
    let output = run_in(dir.path(), &["."]);
    assert_eq!(code(&output), 0, "stderr: {}", stderr(&output));
}

#[test]
fn no_path_means_the_current_folder() {
    let dir = tree(CLEAN_CRATE);
    let output = run_in(dir.path(), &["--format", "json"]);
    assert_eq!(code(&output), 0, "stderr: {}", stderr(&output));
}

#[test]
fn missing_path_exits_2() {
    let dir = tree(CLEAN_CRATE);
    let output = run_in(dir.path(), &["does-not-exist"]);
    assert_eq!(code(&output), 2);
}

#[test]
fn missing_path_is_named_in_the_json_errors() {
    // Needs: the JSON reporter.
    let dir = tree(CLEAN_CRATE);
    let output = run_in(dir.path(), &["--format", "json", ".", "does-not-exist"]);
    assert_eq!(code(&output), 2);
    let errors = &json_of(&output)["errors"];
    assert_eq!(errors[0]["file"], "does-not-exist");
    assert_eq!(errors[0]["message"], "no such file or directory");
}

#[test]
fn both_invocation_forms_behave_the_same() {
    let dir = tree(CLEAN_CRATE);
    let as_subcommand = run_in(dir.path(), &["connleak", "--format", "json", "."]);
    let direct = run_in(dir.path(), &["--format", "json", "."]);
    assert_eq!(code(&as_subcommand), 0, "{}", stderr(&as_subcommand));
    assert_eq!(code(&direct), 0, "{}", stderr(&direct));
    assert_eq!(
        json_without_timing(&as_subcommand),
        json_without_timing(&direct)
    );

    let missing = run_in(dir.path(), &["connleak", "does-not-exist"]);
    assert_eq!(code(&missing), 2);
    let listed = run_in(dir.path(), &["connleak", "--list-lints"]);
    assert_eq!(code(&listed), 0);
    assert_eq!(
        stdout(&listed),
        stdout(&run_in(dir.path(), &["--list-lints"]))
    );
}

#[test]
fn list_lints_shows_every_lint_with_its_level() {
    let output = run_in(Path::new("."), &["--list-lints"]);
    assert_eq!(code(&output), 0);
    let text = stdout(&output);
    for (lint, name) in Lint::ALL.into_iter().zip(LINT_NAMES) {
        assert_eq!(lint.name(), name);
        let line = text
            .lines()
            .find(|line| line.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} is listed:\n{text}"));
        let level = line.split_whitespace().nth(1);
        let expected = match lint.info().default_level {
            connleak::findings::Level::Allow => "allow",
            connleak::findings::Level::Warn => "warn",
            connleak::findings::Level::Deny => "deny",
        };
        assert_eq!(level, Some(expected), "{line}");
    }
    // Aligned: the level column starts at the same place on every line.
    let columns: Vec<usize> = text.lines().map(level_column).collect();
    assert!(columns.windows(2).all(|pair| pair[0] == pair[1]), "{text}");
}

/// Byte offset of the second column of a `--list-lints` line.
fn level_column(line: &str) -> usize {
    let name_end = line.find(' ').expect("two columns");
    name_end + line[name_end..].find(|c: char| c != ' ').expect("a level")
}

#[test]
fn explain_prints_the_lint_docs() {
    let output = run_in(Path::new("."), &["--explain", "held-across-await"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let text = stdout(&output);
    let title = text.lines().next().expect("a title line");
    assert!(title.contains("held-across-await"), "{title}");
    let docs = Lint::HeldAcrossAwait.info().docs;
    for line in docs.lines().filter(|line| !line.trim().is_empty()) {
        // Example fences are shown as plain `rust` fences.
        let shown = line.trim().replace("```rust,ignore", "```rust");
        assert!(text.contains(&shown), "missing {line:?} in:\n{text}");
    }
    assert!(
        !text.contains(",ignore"),
        "rustdoc markers are not shown:\n{text}"
    );
}

#[test]
fn explain_unknown_lint_exits_2_listing_valid_names() {
    let output = run_in(Path::new("."), &["--explain", "held-acros-await"]);
    assert_eq!(code(&output), 2);
    assert!(stdout(&output).is_empty());
    let message = stderr(&output);
    for name in LINT_NAMES {
        assert!(message.contains(name), "{name} missing in:\n{message}");
    }
}

#[test]
fn unknown_lint_in_level_flags_exits_2() {
    for flag in ["--deny", "--warn", "--allow"] {
        let output = run_in(Path::new("."), &[flag, "no-such-lint", "."]);
        assert_eq!(code(&output), 2, "{flag}");
        assert!(stderr(&output).contains("no-such-lint"), "{flag}");
    }
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let cwd = Path::new(".");
    assert_eq!(code(&run_in(cwd, &["--no-such-flag"])), 2);
    assert_eq!(code(&run_in(cwd, &["--format", "xml"])), 2);
    assert_eq!(code(&run_in(cwd, &["--color", "sometimes"])), 2);
    assert_eq!(code(&run_in(cwd, &["-j", "many"])), 2);
    let help = run_in(cwd, &["--help"]);
    assert_eq!(code(&help), 0);
    assert!(stdout(&help).contains("--list-lints"));
    assert_eq!(code(&run_in(cwd, &["connleak", "--version"])), 0);
}

#[test]
fn bad_config_exits_2() {
    let dir = tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\n",
        ),
        ("connleak.toml", "[lints]\nheld-acros-await = \"deny\"\n"),
        ("src/lib.rs", ""),
    ]);
    assert_eq!(code(&run_in(dir.path(), &["."])), 2);
    assert_eq!(code(&run_in(dir.path(), &[])), 2);
}

#[test]
fn bad_config_error_names_file_line_and_key() {
    let dir = tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\n",
        ),
        ("connleak.toml", "[lints]\nheld-acros-await = \"deny\"\n"),
        ("src/lib.rs", ""),
    ]);
    let report = connleak::run(&connleak::Options {
        paths: vec![dir.path().to_path_buf()],
        ..connleak::Options::default()
    });
    assert_eq!(report.exit_code(), 2);
    let error = &report.errors[0];
    assert_eq!(error.file, "connleak.toml");
    assert_eq!(error.line, Some(2));
    assert!(error.message.contains("\"held-acros-await\""), "{error:?}");
}

#[test]
fn bad_config_error_in_json_names_file_line_and_key() {
    // Needs: the JSON reporter.
    let dir = tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\n",
        ),
        ("connleak.toml", "[lints]\nheld-acros-await = \"deny\"\n"),
        ("src/lib.rs", ""),
    ]);
    let output = run_in(dir.path(), &["--format", "json", "."]);
    assert_eq!(code(&output), 2);
    let error = &json_of(&output)["errors"][0];
    assert_eq!(error["file"], "connleak.toml");
    assert_eq!(error["line"], 2);
    let message = error["message"].as_str().expect("a message");
    assert!(message.contains("held-acros-await"), "{message}");
}

#[test]
fn bad_cargo_metadata_config_exits_2() {
    let dir = tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[package.metadata.connleak]\nexclude = [\"[\"]\n",
        ),
        ("src/lib.rs", ""),
    ]);
    assert_eq!(code(&run_in(dir.path(), &["."])), 2);
}

#[test]
fn syntax_error_exits_2_and_other_files_are_still_checked() {
    // Needs: parsing (read_parse_lower) and the JSON reporter.
    let dir = tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\n",
        ),
        ("src/lib.rs", "pub mod broken;\npub fn fine() {}\n"),
        ("src/broken.rs", "pub fn oops( {\n"),
    ]);
    let output = run_in(dir.path(), &["--format", "json", "."]);
    assert_eq!(code(&output), 2, "stdout: {}", stdout(&output));
    let document = json_of(&output);
    let errors = document["errors"].as_array().expect("errors array");
    assert_eq!(errors.len(), 1, "{document}");
    assert_eq!(errors[0]["file"], "src/broken.rs");
    assert_eq!(errors[0]["line"], 1);
    // The broken file does not stop the others.
    assert_eq!(document["stats"]["files"], 2, "{document}");
}

#[test]
fn syntax_error_with_findings_elsewhere_reports_both() {
    // Needs: parsing, the analysis, the JSON reporter.
    let mut files = LEAKING_CRATE.to_vec();
    files.push(("src/broken.rs", "fn oops( {\n"));
    let dir = tree(&files);
    let output = run_in(dir.path(), &["--format", "json", "."]);
    // A file error outranks findings in the exit code.
    assert_eq!(code(&output), 2);
    let document = json_of(&output);
    assert_eq!(document["errors"][0]["file"], "src/broken.rs");
    assert_eq!(document["findings"][0]["lint"], "leaked-connection");
}

#[test]
fn findings_at_deny_exit_1() {
    // Needs: the analysis (sqlx pack, leaked-connection).
    let dir = tree(LEAKING_CRATE);
    let output = run_in(dir.path(), &["--format", "json", "."]);
    assert_eq!(code(&output), 1, "stdout: {}", stdout(&output));
    let finding = &json_of(&output)["findings"][0];
    assert_eq!(finding["lint"], "leaked-connection");
    assert_eq!(finding["file"], "src/lib.rs");
    assert_eq!(finding["line"], 5);
}

#[test]
fn a_detached_connection_is_a_warning_and_a_listener_is_silent() {
    // Needs: the `detach` entries of the sqlx pack and the LISTEN check.
    let dir = tree(&[
        LEAKING_CRATE[0],
        (
            "src/lib.rs",
            "use sqlx::PgPool;\n\n\
             pub async fn export(pool: &PgPool) -> sqlx::Result<sqlx::PgConnection> {\n\
             \x20   let conn = pool.acquire().await?;\n\
             \x20   Ok(conn.detach())\n}\n\n\
             pub async fn listener(pool: &PgPool) -> sqlx::Result<()> {\n\
             \x20   let mut conn = pool.acquire().await?.detach();\n\
             \x20   sqlx::query(\"LISTEN jobs\").execute(&mut conn).await?;\n\
             \x20   Ok(())\n}\n",
        ),
    ]);
    let output = run_in(dir.path(), &["--format", "json", "."]);
    // A warning does not fail the run.
    assert_eq!(code(&output), 0, "stdout: {}", stdout(&output));
    let findings = json_of(&output)["findings"].as_array().cloned().unwrap();
    assert_eq!(findings.len(), 1, "stdout: {}", stdout(&output));
    assert_eq!(findings[0]["lint"], "leaked-connection");
    assert_eq!(findings[0]["severity"], "warning");
    assert_eq!(findings[0]["line"], 5);
}

#[test]
fn level_flags_apply_in_order() {
    // Needs: the analysis (the first and last cases pass trivially before it).
    let dir = tree(LEAKING_CRATE);
    let allowed = run_in(dir.path(), &["--allow", "leaked-connection", "."]);
    assert_eq!(code(&allowed), 0, "{}", stdout(&allowed));
    let warned = run_in(dir.path(), &["--warn", "leaked-connection", "."]);
    assert_eq!(code(&warned), 0, "a warning does not fail the run");
    let last_wins = run_in(
        dir.path(),
        &[
            "--allow",
            "leaked-connection",
            "--deny",
            "leaked-connection",
            ".",
        ],
    );
    assert_eq!(code(&last_wins), 1);
    let last_wins = run_in(
        dir.path(),
        &[
            "--deny",
            "leaked-connection",
            "--allow",
            "leaked-connection",
            ".",
        ],
    );
    assert_eq!(code(&last_wins), 0);
}

#[test]
fn json_document_has_the_documented_keys() {
    // Needs: the JSON reporter.
    let dir = tree(CLEAN_CRATE);
    let output = run_in(dir.path(), &["--format", "json", "."]);
    assert_eq!(code(&output), 0);
    let document = json_of(&output);
    for key in ["version", "findings", "errors", "stats"] {
        assert!(document.get(key).is_some(), "no {key:?} in {document}");
    }
    assert_eq!(document["version"], 1);
    assert!(document["findings"].as_array().is_some_and(Vec::is_empty));
    assert!(document["errors"].as_array().is_some_and(Vec::is_empty));
    assert_eq!(document["stats"]["files"], 1);
}

/// The JSON document with the one field that may differ between runs.
fn json_without_timing(output: &Output) -> serde_json::Value {
    let mut document = json_of(output);
    if let Some(stats) = document.get_mut("stats").and_then(|s| s.as_object_mut()) {
        stats.remove("elapsed_ms");
    }
    document
}

#[test]
fn output_does_not_depend_on_the_thread_count() {
    let mut files = LEAKING_CRATE.to_vec();
    files.extend([
        ("src/a.rs", "pub fn a() {}\n"),
        ("src/b/mod.rs", "pub fn b() {}\n"),
        ("src/b/c.rs", "pub fn c() {}\n"),
        ("src/broken.rs", "fn oops( {\n"),
        ("tests/t.rs", "#[test]\nfn t() {}\n"),
    ]);
    let dir = tree(&files);
    let human = |threads: &str| run_in(dir.path(), &[threads, "--color", "never", "."]);
    let (one, two) = (human("-j1"), human("-j2"));
    assert_eq!(code(&one), code(&two));
    assert_eq!(stdout(&one), stdout(&two));

    let json = |threads: &str| run_in(dir.path(), &[threads, "--format", "json", "."]);
    let (one, two) = (json("-j1"), json("-j2"));
    assert_eq!(code(&one), code(&two));
    assert_eq!(json_without_timing(&one), json_without_timing(&two));
}

#[test]
fn skips_target_hidden_folders_and_folders_named_rs() {
    // Broken files where nothing must be read: if any of them were checked,
    // parsing it would fail and the run would exit 2.
    let mut files = CLEAN_CRATE.to_vec();
    files.extend([
        ("target/debug/build/out.rs", "fn broken( {\n"),
        (".hidden/bad.rs", "fn broken( {\n"),
        ("src/.generated/bad.rs", "fn broken( {\n"),
    ]);
    let dir = tree(&files);
    fs::create_dir(dir.path().join("src/x.rs")).expect("folder named x.rs");
    let output = run_in(dir.path(), &["--format", "json", "."]);
    assert_eq!(code(&output), 0, "stdout: {}", stdout(&output));

    // Needs: the JSON reporter (stats).
    assert_eq!(json_of(&output)["stats"]["files"], 1);
}

#[test]
fn exclude_globs_are_not_checked() {
    let mut files = CLEAN_CRATE.to_vec();
    files.extend([
        ("connleak.toml", "exclude = [\"migrations/**\"]\n"),
        ("migrations/bad.rs", "fn broken( {\n"),
    ]);
    let dir = tree(&files);
    let output = run_in(dir.path(), &["."]);
    assert_eq!(code(&output), 0, "stdout: {}", stdout(&output));
}
