//! Right the first time in any repository, through the built binary: the
//! workspace around what is asked is analysed whole and only what was asked
//! is reported; cargo's selectors; configuration errors stop the run; empty
//! inputs are errors; `.gitignore`, colour variables, clippy's arguments
//! after `--`, `-q`, `--output`; paths from the repository root in SARIF and
//! GitHub output; symlinks out of the tree; the shape of the human output.
//!
//! Most cases are data: a tree (or a fixture), a folder to run in, the
//! arguments and environment, and what must and must not come out. Each one
//! reproduces a silent failure users met, and shows it fixed.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{code, json_of, stderr, stdout};

const BIN: &str = env!("CARGO_BIN_EXE_cargo-connleak");

/// The workspace fixture whose helper crate acquires and whose other
/// members leak (see its Cargo.toml).
fn member_crates() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/member_crates")
}

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

/// Runs the binary in `cwd` with no colour variables but those given.
fn run(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    command.args(args).current_dir(cwd);
    for variable in [
        "NO_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "CARGO_TERM_COLOR",
        "CI",
    ] {
        command.env_remove(variable);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the binary runs")
}

/// One command-line behaviour.
struct Case {
    name: &'static str,
    /// Folder to run in, relative to the tree (or the fixture).
    cwd: &'static str,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    exit: i32,
    stdout_has: &'static [&'static str],
    stdout_lacks: &'static [&'static str],
    stderr_has: &'static [&'static str],
}

const NO_ENV: &[(&str, &str)] = &[];

fn check(root: &Path, case: &Case) {
    let output = run(&root.join(case.cwd), case.args, case.env);
    let (out, err) = (stdout(&output), stderr(&output));
    let context = format!(
        "case `{}` ({:?} in {}):\n--- stdout\n{out}\n--- stderr\n{err}",
        case.name, case.args, case.cwd
    );
    assert_eq!(code(&output), case.exit, "exit code of {context}");
    for text in case.stdout_has {
        assert!(out.contains(text), "stdout lacks {text:?} in {context}");
    }
    for text in case.stdout_lacks {
        assert!(!out.contains(text), "stdout has {text:?} in {context}");
    }
    for text in case.stderr_has {
        assert!(err.contains(text), "stderr lacks {text:?} in {context}");
    }
}

const ORDERS_LEAK: &str = "crates/orders/src/lib.rs:11:5: error[leaked-connection]";
/// `deny` in the member's own connleak.toml (warn by default).
const ORDERS_AWAIT: &str = "crates/orders/src/lib.rs:5:5: error[held-across-await]";
/// `deny` in the workspace's metadata (warn by default).
const BILLING_NESTED: &str = "services/billing/src/main.rs:5:17: error[nested-acquire]";

/// Issue 12, item 1: part of a workspace is reported with what the whole
/// workspace knows (the helper that acquires lives in another member).
#[test]
fn part_of_a_workspace_reports_what_the_whole_workspace_finds_there() {
    const SHORT: &[&str] = &["--format", "short"];
    let cases = [
        Case {
            name: "inside a member, no argument",
            cwd: "crates/orders",
            args: SHORT,
            env: NO_ENV,
            exit: 1,
            stdout_has: &[ORDERS_LEAK, ORDERS_AWAIT, "in 1 file"],
            stdout_lacks: &["billing", "db-helpers"],
            stderr_has: &[],
        },
        Case {
            name: "a member folder from the root",
            cwd: ".",
            args: &["--format", "short", "crates/orders"],
            env: NO_ENV,
            exit: 1,
            stdout_has: &[ORDERS_LEAK, ORDERS_AWAIT],
            stdout_lacks: &["billing"],
            stderr_has: &[],
        },
        Case {
            name: "one file of a member",
            cwd: "crates/orders/src",
            args: &["--format", "short", "lib.rs"],
            env: NO_ENV,
            exit: 1,
            stdout_has: &[ORDERS_LEAK],
            stdout_lacks: &["billing"],
            stderr_has: &[],
        },
        Case {
            name: "-p from anywhere in the workspace",
            cwd: "crates/orders",
            args: &["--format", "short", "-p", "billing"],
            env: NO_ENV,
            exit: 1,
            stdout_has: &[BILLING_NESTED],
            stdout_lacks: &["orders"],
            stderr_has: &[],
        },
        Case {
            name: "--workspace --exclude",
            cwd: ".",
            args: &["--format", "short", "--workspace", "--exclude", "billing"],
            env: NO_ENV,
            exit: 1,
            stdout_has: &[ORDERS_LEAK],
            stdout_lacks: &["billing"],
            stderr_has: &[],
        },
        Case {
            name: "--manifest-path",
            cwd: "services",
            args: &["--format", "short", "--manifest-path", "billing/Cargo.toml"],
            env: NO_ENV,
            exit: 1,
            stdout_has: &[BILLING_NESTED],
            stdout_lacks: &["orders"],
            stderr_has: &[],
        },
        Case {
            name: "a Cargo.toml given as PATH means that manifest",
            cwd: ".",
            args: &["--format", "short", "crates/orders/Cargo.toml"],
            env: NO_ENV,
            exit: 1,
            stdout_has: &[ORDERS_LEAK],
            stdout_lacks: &["billing"],
            stderr_has: &[],
        },
        Case {
            name: "the whole workspace: members only, test-only crates left out",
            cwd: ".",
            args: SHORT,
            env: NO_ENV,
            exit: 1,
            stdout_has: &[ORDERS_LEAK, BILLING_NESTED, "1 in test code"],
            stdout_lacks: &["legacy", "standalone", "test-support"],
            stderr_has: &[],
        },
        Case {
            name: "a nested standalone workspace when asked",
            cwd: ".",
            args: &["--format", "short", "tools/standalone"],
            env: NO_ENV,
            exit: 1,
            stdout_has: &["src/main.rs:5:5: error[leaked-connection]"],
            stdout_lacks: &["orders"],
            stderr_has: &[],
        },
        Case {
            name: "an unknown package is refused with a suggestion",
            cwd: ".",
            args: &["-p", "order"],
            env: NO_ENV,
            exit: 2,
            stdout_has: &[],
            stdout_lacks: &["leaked"],
            stderr_has: &["package `order` is not a member of the workspace; did you mean `orders`?"],
        },
        Case {
            name: "selectors and PATHs do not mix",
            cwd: ".",
            args: &["-p", "orders", "crates/orders"],
            env: NO_ENV,
            exit: 2,
            stdout_has: &[],
            stdout_lacks: &[],
            stderr_has: &["cannot be used with"],
        },
        Case {
            name: "-v says which configuration applies where, and which wins",
            cwd: ".",
            args: &["-v", "--format", "short"],
            env: NO_ENV,
            exit: 1,
            stdout_has: &[],
            stdout_lacks: &[],
            stderr_has: &[
                "configuration for orders:",
                "sources, the later winning over the earlier: Cargo.toml, crates/orders/connleak.toml",
                "held-across-await = deny (from crates/orders/connleak.toml)",
                "nested-acquire = deny (from Cargo.toml)",
            ],
        },
    ];
    for case in &cases {
        check(&member_crates(), case);
    }
}

/// Issue 12, item 2: a configuration error stops the run before any
/// analysis, shown as rustc shows code, with a suggestion.
#[test]
fn configuration_errors_stop_the_run_before_any_analysis() {
    let dir = tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"app\"\n\n[dependencies]\nsqlx = \"0.8\"\n",
        ),
        (
            "connleak.toml",
            "exclude = []\n\n[lints]\nheld-acros-await = \"deny\"\n",
        ),
        (
            "src/lib.rs",
            "use sqlx::PgPool;\n\npub async fn leak(pool: &PgPool) {\n    let conn = pool.acquire().await.unwrap();\n    std::mem::forget(conn);\n}\n",
        ),
    ]);
    let cases = [
        Case {
            name: "human: file, line, snippet, suggestion; no findings",
            cwd: ".",
            args: &["--color", "never"],
            env: NO_ENV,
            exit: 2,
            stdout_has: &[
                "error: unknown lint \"held-acros-await\" in [lints]",
                "--> connleak.toml:4:1",
                "4 | held-acros-await = \"deny\"",
                "  | ^^^^^^^^^^^^^^^^",
                "= help: did you mean `held-across-await`?",
            ],
            stdout_lacks: &["error[leaked-connection]"],
            stderr_has: &[],
        },
        Case {
            name: "json: the error in the document, no findings",
            cwd: ".",
            args: &["--format", "json"],
            env: NO_ENV,
            exit: 2,
            stdout_has: &["did you mean `held-across-await`?", "\"line\": 4"],
            stdout_lacks: &["\"lint\": \"leaked-connection\""],
            stderr_has: &[],
        },
    ];
    for case in &cases {
        check(dir.path(), case);
    }

    // A baseline is not written from a run that could not start.
    fs::write(dir.path().join("baseline.json"), "kept").expect("write");
    let output = run(dir.path(), &["--write-baseline", "baseline.json"], NO_ENV);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("held-acros-await"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("baseline.json")).expect("read"),
        "kept"
    );

    // --config FILE replaces the configuration found in the tree.
    write(
        dir.path(),
        "ci/connleak.toml",
        "[lints]\nleaked-connection = \"allow\"\n",
    );
    let output = run(dir.path(), &["--config", "ci/connleak.toml"], NO_ENV);
    assert_eq!(code(&output), 0, "{}", stdout(&output));
    let output = run(dir.path(), &["--config", "ci/missing.toml"], NO_ENV);
    assert_eq!(code(&output), 2);
    assert!(
        stdout(&output).contains("cannot read the configuration file"),
        "{}",
        stdout(&output)
    );
}

/// Issue 12, item 4: nothing to check is not success.
#[test]
fn nothing_to_check_is_an_error() {
    let dir = tree(&[("docs/README.md", "# docs\n"), ("empty/.keep", "")]);
    let cases = [
        Case {
            name: "a folder without Rust files",
            cwd: ".",
            args: &["docs"],
            env: NO_ENV,
            exit: 2,
            stdout_has: &[
                "error: no Rust files under docs",
                "connleak: nothing checked",
            ],
            stdout_lacks: &["no findings"],
            stderr_has: &[],
        },
        Case {
            name: "an empty folder as the current one",
            cwd: "empty",
            args: &[],
            env: NO_ENV,
            exit: 2,
            stdout_has: &["error: no Rust files under ."],
            stdout_lacks: &[],
            stderr_has: &[],
        },
        Case {
            name: "a missing path",
            cwd: ".",
            args: &["nowhere"],
            env: NO_ENV,
            exit: 2,
            stdout_has: &["nowhere: no such file or directory"],
            stdout_lacks: &[],
            stderr_has: &[],
        },
    ];
    for case in &cases {
        check(dir.path(), case);
    }
}

const LEAK: &str = "use sqlx::PgPool;\n\npub async fn leak(pool: &PgPool) {\n    let conn = pool.acquire().await.unwrap();\n    std::mem::forget(conn);\n}\n";
const HELD: &str = "use sqlx::PgPool;\n\npub async fn held(pool: &PgPool) {\n    let conn = pool.acquire().await.unwrap();\n    tokio::time::sleep(std::time::Duration::from_secs(1)).await;\n    drop(conn);\n}\n";
const MANIFEST: &str =
    "[package]\nname = \"app\"\nversion = \"0.1.0\"\n\n[dependencies]\nsqlx = \"0.8\"\n";

/// Issue 12, item 5: the repository's conventions.
#[test]
fn repository_conventions_are_honoured() {
    let dir = tree(&[
        ("Cargo.toml", MANIFEST),
        (".gitignore", "src/generated.rs\n"),
        ("src/lib.rs", "pub mod held;\npub mod generated;\n"),
        ("src/held.rs", HELD),
        ("src/generated.rs", LEAK),
    ]);
    const ESCAPE: &str = "\u{1b}[";
    let cases = [
        Case {
            name: "a .gitignore'd file is not checked",
            cwd: ".",
            args: &["--format", "short"],
            env: NO_ENV,
            exit: 0,
            stdout_has: &["src/held.rs:5:5: warning[held-across-await]", "in 2 files"],
            stdout_lacks: &["generated", ESCAPE],
            stderr_has: &[],
        },
        Case {
            name: "CLICOLOR_FORCE colours a pipe",
            cwd: ".",
            args: &[],
            env: &[("CLICOLOR_FORCE", "1")],
            exit: 0,
            stdout_has: &[ESCAPE],
            stdout_lacks: &[],
            stderr_has: &[],
        },
        Case {
            name: "NO_COLOR wins over CLICOLOR_FORCE",
            cwd: ".",
            args: &[],
            env: &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
            exit: 0,
            stdout_has: &[],
            stdout_lacks: &[ESCAPE],
            stderr_has: &[],
        },
        Case {
            name: "CARGO_TERM_COLOR=always",
            cwd: ".",
            args: &[],
            env: &[("CARGO_TERM_COLOR", "always"), ("NO_COLOR", "1")],
            exit: 0,
            stdout_has: &[ESCAPE],
            stdout_lacks: &[],
            stderr_has: &[],
        },
        Case {
            name: "--color never wins over CARGO_TERM_COLOR",
            cwd: ".",
            args: &["--color", "never"],
            env: &[("CARGO_TERM_COLOR", "always")],
            exit: 0,
            stdout_has: &[],
            stdout_lacks: &[ESCAPE],
            stderr_has: &[],
        },
        Case {
            name: "`-- -D warnings` as for clippy",
            cwd: ".",
            args: &["--format", "short", "--", "-D", "warnings"],
            env: NO_ENV,
            exit: 1,
            stdout_has: &["error[held-across-await]"],
            stdout_lacks: &[],
            stderr_has: &[],
        },
        Case {
            name: "`-- -Aheld_across_await` as for clippy",
            cwd: ".",
            args: &["--format", "short", "--", "-Aheld_across_await"],
            env: NO_ENV,
            exit: 0,
            stdout_has: &["no findings"],
            stdout_lacks: &[],
            stderr_has: &[],
        },
        Case {
            name: "what clippy would take but connleak cannot is refused",
            cwd: ".",
            args: &["--", "-D", "clippy::pedantic"],
            env: NO_ENV,
            exit: 2,
            stdout_has: &[],
            stdout_lacks: &["held"],
            stderr_has: &["`clippy::pedantic` after `--` is a lint of another tool"],
        },
        Case {
            name: "anything else after `--` is refused",
            cwd: ".",
            args: &["--", "--cfg", "test"],
            env: NO_ENV,
            exit: 2,
            stdout_has: &[],
            stdout_lacks: &[],
            stderr_has: &["`--cfg` after `--` is not something connleak understands"],
        },
        Case {
            name: "-q: findings without the summary",
            cwd: ".",
            args: &["-q", "--format", "short"],
            env: NO_ENV,
            exit: 0,
            stdout_has: &["warning[held-across-await]"],
            stdout_lacks: &["connleak:"],
            stderr_has: &[],
        },
        Case {
            name: "--statistics: counts per lint and per crate",
            cwd: ".",
            args: &["--statistics"],
            env: NO_ENV,
            exit: 0,
            stdout_has: &[
                "findings per lint:\n  1  held-across-await  warning\n",
                "findings per crate:\n  1  app\n",
            ],
            stdout_lacks: &["-->"],
            stderr_has: &[],
        },
    ];
    for case in &cases {
        check(dir.path(), case);
    }

    // --output FILE: nothing on stdout, the report in the file.
    let output = run(
        dir.path(),
        &["--format", "json", "--output", "report.json"],
        NO_ENV,
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
    let written = fs::read_to_string(dir.path().join("report.json")).expect("written");
    assert!(written.contains("held-across-await"), "{written}");

    // JSON is the same bytes run after run; time only with --timings.
    let first = run(dir.path(), &["--format", "json"], NO_ENV);
    let second = run(dir.path(), &["--format", "json", "-j1"], NO_ENV);
    assert_eq!(first.stdout, second.stdout);
    assert!(json_of(&first)["stats"].get("elapsed_ms").is_none());
    let timed = run(dir.path(), &["--format", "json", "--timings"], NO_ENV);
    assert!(json_of(&timed)["stats"]["elapsed_ms"].is_u64());
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// Issue 12, item 1: a repository whose Rust code sits in `backend/`: SARIF
/// and GitHub name files as GitHub shows them, from the repository root.
#[test]
fn sarif_and_github_name_files_from_the_repository_root() {
    let dir = tree(&[
        ("backend/Cargo.toml", MANIFEST),
        ("backend/src/lib.rs", LEAK),
    ]);
    git(dir.path(), &["init", "--quiet"]);
    let backend = dir.path().join("backend");
    let sarif = json_of(&run(&backend, &["--format", "sarif"], NO_ENV));
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "backend/src/lib.rs");
    assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    let github = stdout(&run(dir.path(), &["--format", "github", "backend"], NO_ENV));
    assert!(
        github.contains("file=backend/src/lib.rs,line=5"),
        "{github}"
    );
    // The human output and JSON stay relative to the workspace root.
    let json = json_of(&run(dir.path(), &["--format", "json", "backend"], NO_ENV));
    assert_eq!(json["findings"][0]["file"], "src/lib.rs");
}

/// Issue 15, item 1: a symlink to a file outside the repository is not
/// read, so nothing of it reaches any output; `--follow-external-symlinks`
/// reads it.
#[cfg(unix)]
#[test]
fn symlinks_out_of_the_repository_are_not_followed() {
    let dir = tree(&[
        ("crate/Cargo.toml", MANIFEST),
        ("crate/src/lib.rs", "pub mod link;\npub fn fine() {}\n"),
        (
            "outside/secret.rs",
            "// API_KEY=marker-4f1c\nuse sqlx::PgPool;\n\npub async fn leak(pool: &PgPool) {\n    let conn = pool.acquire().await.unwrap();\n    std::mem::forget(conn);\n}\n",
        ),
    ]);
    std::os::unix::fs::symlink(
        dir.path().join("outside/secret.rs"),
        dir.path().join("crate/src/link.rs"),
    )
    .expect("link");
    let krate = dir.path().join("crate");
    for format in [
        "human", "short", "json", "sarif", "github", "cargo", "html", "gitlab",
    ] {
        let output = run(&krate, &["--format", format, "--include-tests"], NO_ENV);
        let everything = format!("{}{}", stdout(&output), stderr(&output));
        assert!(
            !everything.contains("marker-4f1c"),
            "{format}:\n{everything}"
        );
        assert!(!everything.contains("link.rs"), "{format}:\n{everything}");
        assert_eq!(code(&output), 0, "{format}:\n{everything}");
    }
    let verbose = run(&krate, &["-v"], NO_ENV);
    assert!(
        stderr(&verbose)
            .contains("skipped src/link.rs: a symlink to a file outside the repository"),
        "{}",
        stderr(&verbose)
    );
    let followed = run(
        &krate,
        &["--format", "short", "--follow-external-symlinks"],
        NO_ENV,
    );
    assert_eq!(code(&followed), 1);
    assert!(
        stdout(&followed).contains("src/link.rs:6:5: error[leaked-connection]"),
        "{}",
        stdout(&followed)
    );
}

/// The human output: boilerplate once per lint, witness paths without the
/// conditions that do not matter, a parameter is "received here".
#[test]
fn human_output_says_each_thing_once() {
    let dir = tree(&[
        ("Cargo.toml", MANIFEST),
        (
            "src/lib.rs",
            r#"use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres};

pub async fn first(pool: &PgPool) {
    let conn = pool.acquire().await.unwrap();
    std::mem::forget(conn);
}

pub async fn second(pool: &PgPool, verbose: bool) {
    let conn = pool.acquire().await.unwrap();
    if verbose {
        println!("forgetting");
    }
    std::mem::forget(conn);
}

pub async fn third(pool: &PgPool, bad: bool) {
    let conn = pool.acquire().await.unwrap();
    if bad {
        std::mem::forget(conn);
    }
}

pub async fn notify(conn: PoolConnection<Postgres>, client: &reqwest::Client) {
    client.get("https://example.com").send().await.unwrap();
    drop(conn);
}
"#,
        ),
    ]);
    let output = run(dir.path(), &["--color", "never"], NO_ENV);
    let text = stdout(&output);
    assert_eq!(code(&output), 1, "{text}");
    assert_eq!(
        text.matches("error[leaked-connection]").count(),
        3,
        "{text}"
    );
    assert_eq!(
        text.matches("run `cargo connleak --explain leaked-connection`")
            .count(),
        1,
        "{text}"
    );
    assert_eq!(
        text.matches("`leaked-connection` is deny by default")
            .count(),
        1,
        "{text}"
    );
    // `if verbose { println!(..) }` passed on the way is not a step; the
    // branch the leak is in is.
    assert_eq!(text.matches("the condition holds").count(), 1, "{text}");
    assert!(text.contains("`conn` received here"), "{text}");
    assert!(text.contains("`conn` comes from the caller"), "{text}");
    // The machine formats keep the whole path.
    let json = stdout(&run(dir.path(), &["--format", "json"], NO_ENV));
    assert_eq!(json.matches("the condition holds").count(), 2, "{json}");
}

/// Issue 12, item 6: `cargo connleak` goes through rustup's proxy, which
/// fails (exit 1, read as "findings") in a repository that pins a toolchain
/// that is not installed. Every recipe runs the binary directly: the
/// README's, the example CI files, the Action and the pre-commit hooks.
#[test]
fn every_recipe_runs_the_binary_directly() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |path: &str| fs::read_to_string(root.join(path)).expect(path);
    let readme = read("README.md");
    assert!(
        readme.contains("### When the repository pins a toolchain"),
        "the README explains the direct form"
    );
    let recipes = readme
        .split("## In CI and in code review")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("a section of recipes");
    let mut sources = vec![(String::from("README.md"), recipes.to_string())];
    for path in [
        "action.yml",
        ".pre-commit-hooks.yaml",
        "examples/ci/github-action.yml",
        "examples/ci/github-cargo-install.yml",
        "examples/ci/.gitlab-ci.yml",
    ] {
        sources.push((path.to_string(), read(path)));
    }
    let mut direct = 0;
    for (path, text) in &sources {
        for line in text.lines() {
            let command = line
                .trim_start()
                .trim_start_matches("- ")
                .trim_start_matches("run: ")
                .trim_start_matches("entry: ");
            if command.starts_with('#') {
                continue;
            }
            let through_cargo = command.starts_with("cargo connleak")
                || ["; ", "&& ", "| ", "$( ", "\"cargo\", \""]
                    .iter()
                    .any(|before| line.contains(&format!("{before}cargo connleak")))
                || line.contains("\"cargo\", \"connleak\"");
            assert!(!through_cargo, "{path} runs `cargo connleak`: {line}");
            direct += usize::from(command.starts_with("cargo-connleak"));
        }
    }
    assert!(
        direct >= 5,
        "the recipes run cargo-connleak ({direct} commands)"
    );
}

/// Issue 12, item 3: a suppression between an attribute and the `fn` covers
/// the fn, and when it covers nothing its help does not tell to put it
/// where it already is.
#[test]
fn a_suppression_after_the_attributes_covers_the_item_and_its_help_fits() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/suppressions/attributes_and_block_comments.rs");
    let output = run(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["--color", "never", fixture.to_str().expect("UTF-8 path")],
        NO_ENV,
    );
    let text = stdout(&output);
    // Of the eight leaks, only the two whose comment does not apply are
    // reported: the fns after their attributes are covered.
    assert_eq!(
        text.matches("error[leaked-connection]").count(),
        2,
        "{text}"
    );
    let stale = text
        .split("\n\n")
        .find(|diagnostic| diagnostic.contains("stale_after_the_attribute"))
        .unwrap_or_else(|| panic!("the stale suppression is reported:\n{text}"));
    assert!(
        stale.contains("help: remove `held-across-await` from it: nothing in `stale_after_the_attribute` needs it"),
        "{stale}"
    );
    assert!(!stale.contains("move it"), "{stale}");
}
