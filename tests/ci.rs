//! Command-line behaviour for CI and code review, through the built binary:
//! which findings fail the run (`--fail-on`, `fail-on`, `test-code-fails`),
//! baselines (`--write-baseline`, `--baseline`, `--list-fixed`),
//! `--changed-since` in a real git repository, suppression comments, and the
//! machine formats end to end.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use connleak::rules::Lint;

mod common;
use common::{code, json_of, stderr, stdout};

const BIN: &str = env!("CARGO_BIN_EXE_cargo-connleak");

/// Writes `files` (path, content) under a fresh temporary folder.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    for (path, content) in files {
        write(dir.path(), path, content);
    }
    dir
}

fn write(root: &Path, path: &str, content: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().expect("has a parent")).expect("create folders");
    fs::write(path, content).expect("write file");
}

/// Runs the binary in `cwd`; git may not look above `cwd`'s parent, so a
/// temporary folder is never taken for part of an enclosing repository.
fn run_in(cwd: &Path, args: &[&str]) -> Output {
    let ceiling = cwd.parent().unwrap_or(cwd);
    Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .env("GIT_CEILING_DIRECTORIES", ceiling)
        .output()
        .expect("the binary runs")
}

/// (lint, file, line) of every finding in a JSON report.
fn findings_of(output: &Output) -> Vec<(String, String, u64)> {
    json_of(output)["findings"]
        .as_array()
        .expect("a findings array")
        .iter()
        .map(|finding| {
            (
                finding["lint"].as_str().expect("lint").to_string(),
                finding["file"].as_str().expect("file").to_string(),
                finding["line"].as_u64().expect("line"),
            )
        })
        .collect()
}

fn finding(lint: &str, file: &str, line: u64) -> (String, String, u64) {
    (lint.to_string(), file.to_string(), line)
}

const MANIFEST: &str = "[package]\nname = \"leaky\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nsqlx = { version = \"0.8\", features = [\"postgres\"] }\n";

/// `leaked-connection` (deny) on line 5.
const LEAK: &str = "use sqlx::PgPool;\n\npub async fn leak(pool: &PgPool) {\n    let conn = pool.acquire().await.unwrap();\n    std::mem::forget(conn);\n}\n";

/// A function with one more leak, to append to a file that has the `use`.
fn another_leak(name: &str) -> String {
    format!(
        "\npub async fn {name}(pool: &PgPool) {{\n    let conn = pool.acquire().await.unwrap();\n    std::mem::forget(conn);\n}}\n"
    )
}

fn leaking_crate() -> tempfile::TempDir {
    tree(&[("Cargo.toml", MANIFEST), ("src/lib.rs", LEAK)])
}

// ---------------------------------------------------------------- levels

#[test]
fn fail_on_decides_which_level_fails() {
    let dir = leaking_crate();
    assert_eq!(code(&run_in(dir.path(), &[])), 1, "deny fails by default");
    let warned = ["--warn", "leaked-connection"];
    assert_eq!(code(&run_in(dir.path(), &warned)), 0);
    assert_eq!(
        code(&run_in(
            dir.path(),
            &[&warned[..], &["--fail-on", "warn"]].concat()
        )),
        1
    );
    assert_eq!(
        code(&run_in(
            dir.path(),
            &[&warned[..], &["--fail-on", "deny"]].concat()
        )),
        0
    );
    assert_eq!(code(&run_in(dir.path(), &["--fail-on", "allow"])), 2);
}

#[test]
fn fail_on_from_configuration_and_the_command_line_over_it() {
    let dir = leaking_crate();
    write(dir.path(), "connleak.toml", "fail-on = \"warn\"\n");
    let warned = ["--warn", "leaked-connection"];
    assert_eq!(code(&run_in(dir.path(), &warned)), 1);
    assert_eq!(
        code(&run_in(
            dir.path(),
            &[&warned[..], &["--fail-on", "deny"]].concat()
        )),
        0
    );
}

#[test]
fn bad_policy_configuration_exits_2_naming_file_line_and_key() {
    let dir = leaking_crate();
    write(
        dir.path(),
        "connleak.toml",
        "exclude = []\ntest-code-fails = \"sometimes\"\n",
    );
    let output = run_in(dir.path(), &["--format", "json"]);
    assert_eq!(code(&output), 2);
    let error = &json_of(&output)["errors"][0];
    assert_eq!(error["file"], "connleak.toml");
    assert_eq!(error["line"], 2);
    let message = error["message"].as_str().expect("a message");
    assert!(message.contains("\"test-code-fails\""), "{message}");
}

#[test]
fn findings_in_test_code_are_left_out_shown_when_asked_and_fail_only_when_configured() {
    let dir = tree(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", "pub fn nothing() {}\n"),
        ("tests/pool.rs", LEAK),
    ]);
    // Left out by default, counted, and the run passes.
    let output = run_in(dir.path(), &["--format", "json"]);
    assert_eq!(findings_of(&output), []);
    assert_eq!(json_of(&output)["stats"]["in_test_code"], 1);
    assert_eq!(code(&output), 0, "test code does not fail by default");
    let human = run_in(dir.path(), &["--color", "never"]);
    assert_eq!(code(&human), 0);
    assert!(
        stdout(&human).contains("not shown: 1 in test code (--include-tests"),
        "{}",
        stdout(&human)
    );

    // Shown with --include-tests or `test-code = "report"`, still passing,
    // and marked as test code in JSON and SARIF.
    let output = run_in(dir.path(), &["--format", "json", "--include-tests"]);
    assert_eq!(
        findings_of(&output),
        [finding("leaked-connection", "tests/pool.rs", 5)]
    );
    assert_eq!(json_of(&output)["findings"][0]["in_test_code"], true);
    assert_eq!(code(&output), 0);
    let sarif = run_in(dir.path(), &["--format", "sarif", "--include-tests"]);
    assert_eq!(
        json_of(&sarif)["runs"][0]["results"][0]["properties"]["inTestCode"],
        true
    );
    write(dir.path(), "connleak.toml", "test-code = \"report\"\n");
    let output = run_in(dir.path(), &["--format", "json"]);
    assert_eq!(findings_of(&output).len(), 1);
    assert_eq!(code(&output), 0);

    // test-code-fails shows them too: a finding that fails the run is
    // never hidden.
    write(dir.path(), "connleak.toml", "test-code-fails = true\n");
    let output = run_in(dir.path(), &["--format", "json"]);
    assert_eq!(findings_of(&output).len(), 1);
    assert_eq!(code(&output), 1);
}

// -------------------------------------------------------------- baseline

#[test]
fn baseline_round_trip() {
    let dir = leaking_crate();
    let written = run_in(dir.path(), &["--write-baseline", "connleak-baseline.json"]);
    assert_eq!(code(&written), 0, "{}", stderr(&written));
    assert!(stdout(&written).is_empty());
    assert!(
        stderr(&written).contains("recorded 1 finding"),
        "{}",
        stderr(&written)
    );

    let baseline: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(dir.path().join("connleak-baseline.json")).expect("written"),
    )
    .expect("JSON");
    assert_eq!(baseline["version"], 1);
    let entry = &baseline["entries"][0];
    assert_eq!(entry["lint"], "leaked-connection");
    assert_eq!(entry["file"], "src/lib.rs");
    assert_eq!(entry["item"], "leak");
    assert_eq!(entry["fingerprint"].as_str().map(str::len), Some(16));
    assert!(entry["message"].as_str().is_some_and(|m| !m.is_empty()));

    let with_baseline = ["--format", "json", "--baseline", "connleak-baseline.json"];
    let clean = run_in(dir.path(), &with_baseline);
    assert_eq!(code(&clean), 0, "{}", stdout(&clean));
    assert!(findings_of(&clean).is_empty());
    assert_eq!(json_of(&clean)["stats"]["in_baseline"], 1);

    // Lines move: a header, blank lines and comments above the finding.
    let shifted = format!("//! The pool helpers.\n\n// moved down\n\n\n{LEAK}");
    write(dir.path(), "src/lib.rs", &shifted);
    let still_clean = run_in(dir.path(), &with_baseline);
    assert_eq!(code(&still_clean), 0, "{}", stdout(&still_clean));
    assert!(findings_of(&still_clean).is_empty());

    // A new leak is the one finding reported.
    write(
        dir.path(),
        "src/lib.rs",
        &format!("{shifted}{}", another_leak("fresh")),
    );
    let new_leak = run_in(dir.path(), &with_baseline);
    assert_eq!(code(&new_leak), 1);
    assert_eq!(
        findings_of(&new_leak),
        [finding("leaked-connection", "src/lib.rs", 15)]
    );
    let human = run_in(
        dir.path(),
        &["--color", "never", "--baseline", "connleak-baseline.json"],
    );
    assert!(
        stdout(&human).contains("not shown: 1 in the baseline"),
        "{}",
        stdout(&human)
    );
}

#[test]
fn identical_findings_in_one_item_are_counted() {
    let twice = "use sqlx::PgPool;\n\npub async fn twice(pool: &PgPool) {\n    let conn = pool.acquire().await.unwrap();\n    std::mem::forget(conn);\n    let conn = pool.acquire().await.unwrap();\n    std::mem::forget(conn);\n}\n";
    let dir = tree(&[("Cargo.toml", MANIFEST), ("src/lib.rs", twice)]);
    let written = run_in(dir.path(), &["--write-baseline", "base.json"]);
    assert_eq!(code(&written), 0, "{}", stderr(&written));
    assert!(stderr(&written).contains("recorded 2 findings"));

    let thrice = twice.replace(
        "}\n",
        "    let conn = pool.acquire().await.unwrap();\n    std::mem::forget(conn);\n}\n",
    );
    write(dir.path(), "src/lib.rs", &thrice);
    let output = run_in(dir.path(), &["--format", "json", "--baseline", "base.json"]);
    assert_eq!(
        findings_of(&output),
        [finding("leaked-connection", "src/lib.rs", 9)],
        "the third of three identical findings is new"
    );
}

#[test]
fn fixed_entries_are_counted_and_listed() {
    let dir = tree(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", &format!("{LEAK}{}", another_leak("other"))),
    ]);
    assert_eq!(
        code(&run_in(dir.path(), &["--write-baseline", "base.json"])),
        0
    );
    // `leak` is fixed: its connection now goes back to the pool.
    write(
        dir.path(),
        "src/lib.rs",
        &format!(
            "{}{}",
            LEAK.replace("std::mem::forget(conn)", "drop(conn)"),
            another_leak("other")
        ),
    );
    let output = run_in(
        dir.path(),
        &[
            "--color",
            "never",
            "--baseline",
            "base.json",
            "--list-fixed",
        ],
    );
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    assert!(
        stdout(&output).contains("1 baseline entry fixed"),
        "{}",
        stdout(&output)
    );
    let listed = stderr(&output);
    assert!(
        listed.contains("1 baseline entry matches no finding any more"),
        "{listed}"
    );
    assert!(
        listed.contains("src/lib.rs [leaked-connection] in `leak`"),
        "{listed}"
    );
    assert!(!listed.contains("`other`"), "{listed}");
}

#[test]
fn missing_or_invalid_baseline_exits_2_with_a_message() {
    let dir = leaking_crate();
    let missing = run_in(dir.path(), &["--baseline", "nope.json"]);
    assert_eq!(code(&missing), 2);
    assert!(stdout(&missing).is_empty());
    assert!(
        stderr(&missing).starts_with("error: cannot read baseline nope.json"),
        "{}",
        stderr(&missing)
    );

    write(dir.path(), "bad.json", "{\"version\": 1, \"entries\": [");
    let invalid = run_in(dir.path(), &["--format", "json", "--baseline", "bad.json"]);
    assert_eq!(code(&invalid), 2);
    assert!(stdout(&invalid).is_empty());
    assert!(
        stderr(&invalid).starts_with("error: invalid baseline bad.json: invalid JSON at line 1"),
        "{}",
        stderr(&invalid)
    );

    write(dir.path(), "report.json", "{\"findings\": []}");
    let not_a_baseline = run_in(dir.path(), &["--baseline", "report.json"]);
    assert_eq!(code(&not_a_baseline), 2);
    assert!(stderr(&not_a_baseline).contains("not a connleak baseline"));

    // --list-fixed means nothing without a baseline.
    assert_eq!(code(&run_in(dir.path(), &["--list-fixed"])), 2);
}

// --------------------------------------------------------- changed lines

/// Runs git in `dir` with an identity and settings of its own, so that it
/// works the same on a bare CI machine and on a developer's.
fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .args([
            "-c",
            "user.name=connleak tests",
            "-c",
            "user.email=tests@connleak.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CEILING_DIRECTORIES", dir.parent().unwrap_or(dir))
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A repository whose first commit has two files with one leak each.
fn repository() -> tempfile::TempDir {
    let dir = tree(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", LEAK),
        ("src/old.rs", &LEAK.replace("leak(", "old_leak(")),
    ]);
    git(dir.path(), &["init", "--quiet"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "--quiet", "-m", "first"]);
    dir
}

#[test]
fn changed_since_reports_only_findings_on_changed_lines() {
    let dir = repository();
    let everything = run_in(dir.path(), &["--format", "json"]);
    assert_eq!(findings_of(&everything).len(), 2);

    // Nothing changed yet: nothing to report, and the run passes.
    let unchanged = run_in(dir.path(), &["--format", "json", "--changed-since", "HEAD"]);
    assert_eq!(code(&unchanged), 0, "{}", stderr(&unchanged));
    assert!(findings_of(&unchanged).is_empty());

    // A leak added to a tracked file, and a new file git does not know yet.
    write(
        dir.path(),
        "src/lib.rs",
        &format!("{LEAK}{}", another_leak("added")),
    );
    write(
        dir.path(),
        "src/new.rs",
        &LEAK.replace("leak(", "new_leak("),
    );
    // The old file moves (staged rename, same content): not a change.
    git(dir.path(), &["mv", "src/old.rs", "src/renamed.rs"]);

    let output = run_in(dir.path(), &["--format", "json", "--changed-since", "HEAD"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert_eq!(json_of(&output)["stats"]["outside_changes"], 2);
    assert_eq!(
        findings_of(&output),
        [
            finding("leaked-connection", "src/lib.rs", 10),
            finding("leaked-connection", "src/new.rs", 5),
        ]
    );

    let human = run_in(dir.path(), &["--color", "never", "--changed-since", "HEAD"]);
    assert!(
        stdout(&human).contains("not shown: 2 outside the changed lines"),
        "{}",
        stdout(&human)
    );
}

#[test]
fn changed_since_counts_a_change_to_the_acquire_site() {
    let dir = repository();
    // Only the acquire line of the old leak changes.
    write(
        dir.path(),
        "src/lib.rs",
        &LEAK.replace(".unwrap()", ".expect(\"a connection\")"),
    );
    let output = run_in(dir.path(), &["--format", "json", "--changed-since", "HEAD"]);
    assert_eq!(
        findings_of(&output),
        [finding("leaked-connection", "src/lib.rs", 5)]
    );
    // A sub-folder of the crate asked for: names are relative to the
    // workspace root, git's to the repository; they still meet.
    let output = run_in(
        dir.path(),
        &["--format", "json", "--changed-since", "HEAD", "src"],
    );
    assert_eq!(
        findings_of(&output),
        [finding("leaked-connection", "src/lib.rs", 5)]
    );
}

#[test]
fn changed_since_with_github_annotations() {
    let dir = repository();
    write(
        dir.path(),
        "src/lib.rs",
        &format!("{LEAK}{}", another_leak("added")),
    );
    let output = run_in(
        dir.path(),
        &["--format", "github", "--changed-since", "HEAD"],
    );
    assert_eq!(code(&output), 1);
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.starts_with(
            "::error file=src/lib.rs,line=10,col=5,endLine=10,endColumn=26,title=connleak(leaked-connection)::"
        ),
        "{text}"
    );
}

#[test]
fn changed_since_outside_a_repository_or_with_an_unknown_ref_exits_2() {
    let outside = leaking_crate();
    let output = run_in(outside.path(), &["--changed-since", "main"]);
    assert_eq!(code(&output), 2);
    assert!(stdout(&output).is_empty());
    assert!(
        stderr(&output).contains("--changed-since needs a git repository"),
        "{}",
        stderr(&output)
    );

    let dir = repository();
    let output = run_in(dir.path(), &["--changed-since", "no-such-branch"]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("unknown revision `no-such-branch`"),
        "{}",
        stderr(&output)
    );
    let output = run_in(dir.path(), &["--changed-since=--output=x"]);
    assert_eq!(code(&output), 2);
    assert!(!dir.path().join("x").exists());
}

// ------------------------------------------------------------ suppressions

#[test]
fn suppressions_used_unused_without_reason_and_item_level() {
    let source = "\
use sqlx::PgPool;

pub async fn used(pool: &PgPool) {
    let conn = pool.acquire().await.unwrap();
    // connleak: allow(leaked-connection) -- kept for LISTEN
    std::mem::forget(conn);
}

// connleak: allow(leaked-connection) -- the whole function hands them over
#[allow(unused)]
pub async fn whole(pool: &PgPool) {
    let a = pool.acquire().await.unwrap();
    std::mem::forget(a);
    let b = pool.acquire().await.unwrap();
    std::mem::forget(b);
}

pub async fn stale(pool: &PgPool) {
    // connleak: allow(held-across-await) -- no longer needed
    let conn = pool.acquire().await.unwrap();
    drop(conn);
}

pub async fn unexplained(pool: &PgPool) {
    let conn = pool.acquire().await.unwrap();
    std::mem::forget(conn); // connleak: allow(leaked-connection)
}
";
    let dir = tree(&[("Cargo.toml", MANIFEST), ("src/lib.rs", source)]);
    let output = run_in(dir.path(), &["--format", "json"]);
    assert_eq!(
        findings_of(&output),
        [
            finding("unused-suppression", "src/lib.rs", 19),
            finding("suppression-without-reason", "src/lib.rs", 26),
        ]
    );
    // Both are warnings: the run passes unless warnings fail it.
    assert_eq!(code(&output), 0);
    assert_eq!(code(&run_in(dir.path(), &["--fail-on", "warn"])), 1);
    // Their levels are set like any lint's.
    let quiet = run_in(
        dir.path(),
        &[
            "--format",
            "json",
            "--allow",
            "unused-suppression",
            "--allow",
            "suppression-without-reason",
        ],
    );
    assert!(findings_of(&quiet).is_empty());
}

#[test]
fn suppression_lints_are_listed_and_explained() {
    let listed = stdout(&run_in(Path::new("."), &["--list-lints"]));
    for lint in [Lint::UnusedSuppression, Lint::SuppressionWithoutReason] {
        let name = lint.name();
        assert!(
            listed
                .lines()
                .any(|line| line.split_whitespace().take(2).eq([name, "warn"])),
            "{listed}"
        );
        let explained = run_in(Path::new("."), &["--explain", name]);
        assert_eq!(code(&explained), 0);
        assert!(stdout(&explained).contains("## Why is this bad?"));
    }
}

/// STYLE: every lint's docs are its user documentation, with these sections.
#[test]
fn every_lint_has_the_documentation_sections() {
    for lint in Lint::ALL {
        let docs = lint.info().docs;
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
        ] {
            assert!(docs.contains(section), "{} lacks {section}", lint.name());
        }
    }
}

// ------------------------------------------------------------- formats

#[test]
fn sarif_from_the_binary() {
    let dir = leaking_crate();
    let output = run_in(dir.path(), &["--format", "sarif"]);
    assert_eq!(code(&output), 1);
    let log = json_of(&output);
    assert_eq!(log["version"], "2.1.0");
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "leaked-connection");
    assert_eq!(result["level"], "error");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "src/lib.rs");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(location["region"]["startLine"], 5);
    assert_eq!(
        result["relatedLocations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
}

#[test]
fn message_format_json_is_the_cargo_format() {
    let dir = leaking_crate();
    let cargo = run_in(dir.path(), &["--format", "cargo"]);
    let alias = run_in(dir.path(), &["connleak", "--message-format=json"]);
    assert_eq!(code(&cargo), 1);
    assert_eq!(code(&alias), 1);
    assert_eq!(stdout(&cargo), stdout(&alias));

    let lines: Vec<serde_json::Value> = stdout(&cargo)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object a line"))
        .collect();
    assert_eq!(lines.len(), 2);
    let message = &lines[0];
    assert_eq!(message["reason"], "compiler-message");
    assert_eq!(message["target"]["name"], "leaky");
    assert!(message["manifest_path"]
        .as_str()
        .is_some_and(|path| path.ends_with("Cargo.toml")));
    assert_eq!(
        message["message"]["code"]["code"],
        "connleak::leaked-connection"
    );
    assert_eq!(message["message"]["spans"][0]["file_name"], "src/lib.rs");
    assert_eq!(message["message"]["spans"][0]["line_start"], 5);
    assert_eq!(lines[1]["reason"], "build-finished");
    assert_eq!(lines[1]["success"], false);

    assert_eq!(
        code(&run_in(
            dir.path(),
            &["--format", "json", "--message-format", "json"]
        )),
        2,
        "two formats at once is a usage error"
    );
}

#[test]
fn github_errors_for_files_that_cannot_be_parsed() {
    let dir = tree(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", "pub mod broken;\n"),
        ("src/broken.rs", "pub fn oops( {\n"),
    ]);
    let output = run_in(dir.path(), &["--format", "github"]);
    assert_eq!(code(&output), 2);
    let text = stdout(&output);
    assert!(
        text.starts_with("::error file=src/broken.rs,line=1,title=connleak::"),
        "{text}"
    );
}

// ------------------------------------------------------------ documents

/// The hooks name the binary this package builds, with arguments it accepts.
#[test]
fn pre_commit_hooks_run_the_binary_with_valid_arguments() {
    let hooks = fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/.pre-commit-hooks.yaml"
    ))
    .expect("the hooks file is at the repository root");
    let entries: Vec<&str> = hooks
        .lines()
        .filter_map(|line| line.trim().strip_prefix("entry:"))
        .map(str::trim)
        .collect();
    assert_eq!(entries.len(), 2, "{hooks}");
    for entry in entries {
        let mut words = entry.split_whitespace();
        assert_eq!(words.next(), Some("cargo-connleak"), "{entry}");
        let mut args: Vec<&str> = words.collect();
        args.push("--help");
        let output = run_in(Path::new("."), &args);
        assert_eq!(code(&output), 0, "{entry}: {}", stderr(&output));
    }
}

/// Every long option of `--help` is in the README's Options table.
#[test]
fn readme_options_table_lists_every_option() {
    let readme =
        fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md");
    let table = readme
        .split("## Options")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("an Options section");
    let help = stdout(&run_in(Path::new("."), &["--help"]));
    for word in help.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
        let Some(option) = word.strip_prefix("--").filter(|o| !o.is_empty()) else {
            continue;
        };
        if matches!(option, "help" | "version") {
            continue;
        }
        assert!(
            table.contains(&format!("--{option}")),
            "--{option} is missing from README's Options table"
        );
    }
}
