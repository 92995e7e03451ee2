//! Suggested fixes: every fix in the fixtures, applied on a copy, leaves
//! code that parses and makes its finding go away without bringing a new
//! one; the fixes graded for the patterns of `fixtures/sqlx/fix_*.rs`;
//! `--fix` and `--diff` end to end on a copy of the demo service, in a real
//! git repository, with the dirty-tree guard.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use connleak::findings::Finding;
use connleak::fixes::{self, Applicability};

mod common;
use common::{code, json_of, stderr, stdout};

const BIN: &str = env!("CARGO_BIN_EXE_cargo-connleak");

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Fixture crates and loose fixture files, as the fixture suite sees them.
fn units(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .expect("fixtures/ is readable")
        .map(|entry| entry.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path.join("Cargo.toml").is_file() {
                out.push(path);
            } else {
                units(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    if from.is_file() {
        fs::copy(from, to).expect("copy file");
        return;
    }
    fs::create_dir_all(to).expect("create folder");
    for entry in fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

fn run(path: &Path) -> connleak::Report {
    connleak::run(&connleak::Options {
        paths: vec![path.to_path_buf()],
        threads: 1,
        ..connleak::Options::default()
    })
}

fn fingerprints(report: &connleak::Report) -> BTreeSet<String> {
    report
        .findings
        .iter()
        .map(|finding| format!("{} {}", finding.lint.name(), finding.fingerprint))
        .collect()
}

fn key(finding: &Finding) -> String {
    format!("{} {}", finding.lint.name(), finding.fingerprint)
}

/// Each fix of each fixture, alone, on a fresh copy: the text parses, the
/// finding it fixes is gone, and no finding appears that was not there.
#[test]
fn every_fix_in_the_fixtures_parses_and_removes_its_finding() {
    let mut all = Vec::new();
    units(&fixtures_root(), &mut all);
    let mut applied = [0usize; 2];
    let mut problems = Vec::new();
    for unit in &all {
        let scratch = tempfile::tempdir().expect("temporary folder");
        let copy = scratch.path().join(unit.file_name().expect("a name"));
        copy_tree(unit, &copy);
        let before = run(&copy);
        let known = fingerprints(&before);
        for finding in &before.findings {
            let Some(fix) = &finding.fix else { continue };
            let edits: Vec<&fixes::Edit> = fix.edits.iter().collect();
            let file = edits[0].file;
            let source = before.sources.get(file).expect("the fixed file is known");
            let Some(text) = fixes::apply_edits(source, &edits) else {
                problems.push(format!("{}: edits overlap: {fix:?}", source.display));
                continue;
            };
            let place = format!(
                "{}:{} ({})",
                unit.display(),
                finding.primary.span.start.line,
                fix.message
            );
            if let Err(error) = syn::parse_file(&text) {
                problems.push(format!(
                    "{place}: the fixed text does not parse: {error}\n{text}"
                ));
                continue;
            }
            let target = if copy.is_file() {
                copy.clone()
            } else {
                copy.join(&source.display)
            };
            let original = fs::read_to_string(&target).expect("read");
            fs::write(&target, &text).expect("write the fix");
            let after = fingerprints(&run(&copy));
            fs::write(&target, original).expect("restore");
            if after.contains(&key(finding)) {
                problems.push(format!("{place}: the finding is still reported\n{text}"));
            }
            let new: Vec<&String> = after.difference(&known).collect();
            if !new.is_empty() {
                problems.push(format!(
                    "{place}: the fix brings new findings {new:?}\n{text}"
                ));
            }
            applied[usize::from(fix.applicability == Applicability::MaybeIncorrect)] += 1;
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    // The suite must exercise both kinds, or it proves nothing.
    assert!(
        applied[0] >= 6 && applied[1] >= 3,
        "fixes applied (machine-applicable, maybe-incorrect): {applied:?}"
    );
}

/// (fixture, line of the finding, the fix expected: `None` for no fix).
type Grade = (&'static str, u32, Option<(Applicability, &'static str)>);

const GRADES: &[Grade] = &[
    (
        "fix_drop_before_unrelated_await.rs",
        13,
        Some((Applicability::MachineApplicable, "drop(conn);")),
    ),
    (
        "fix_drop_before_unrelated_await.rs",
        26,
        Some((Applicability::MachineApplicable, "drop(conn);")),
    ),
    (
        "fix_acquire_after_slow_call.rs",
        23,
        Some((
            Applicability::MachineApplicable,
            "let mut conn = pool.acquire().await?;",
        )),
    ),
    (
        "fix_acquire_after_slow_call.rs",
        37,
        Some((
            Applicability::MachineApplicable,
            "let mut tx = pool.begin().await?;",
        )),
    ),
    (
        "fix_needs_a_person.rs",
        19,
        Some((Applicability::MaybeIncorrect, "drop(conn);")),
    ),
    ("fix_needs_a_person.rs", 27, None),
    ("fix_needs_a_person.rs", 42, None),
    (
        "fix_needs_a_person.rs",
        43,
        Some((Applicability::MaybeIncorrect, "tx.commit().await?;")),
    ),
    (
        "fix_needs_a_person.rs",
        55,
        Some((Applicability::MaybeIncorrect, "tx.commit().await?;")),
    ),
];

#[test]
fn fixes_are_graded_as_certain_only_where_they_are() {
    for (file, line, expected) in GRADES {
        let report = run(&fixtures_root().join("sqlx").join(file));
        let finding = report
            .findings
            .iter()
            .find(|finding| finding.primary.span.start.line == *line)
            .unwrap_or_else(|| panic!("{file}:{line}: no finding"));
        let got = finding
            .fix
            .as_ref()
            .map(|fix| (fix.applicability, fix.code.as_str()));
        assert_eq!(got, *expected, "{file}:{line}");
    }
}

fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=connleak tests",
            "-c",
            "user.email=tests@connleak.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git {args:?}: {output:?}");
}

/// A copy of the demo service in a fresh git repository, committed.
fn demo_repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    copy_tree(&fixtures_root().join("demo-service"), dir.path());
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "demo"]);
    dir
}

fn connleak_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("the binary runs")
}

#[test]
fn fix_on_the_demo_leaves_only_what_has_no_certain_fix() {
    let demo = demo_repository();
    let before = json_of(&connleak_in(demo.path(), &["--format", "json"]));
    let lints_before: Vec<String> = before["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| format!("{} {}", f["lint"], f["file"]))
        .collect();
    assert_eq!(lints_before.len(), 8, "{lints_before:?}");

    let fixed = connleak_in(demo.path(), &["--fix", "--color", "never"]);
    assert_eq!(
        code(&fixed),
        1,
        "deny-level findings remain: {}",
        stderr(&fixed)
    );
    assert_eq!(
        stderr(&fixed),
        "connleak: fixed 2 findings in 2 files: src/routes/receipts.rs, src/routes/shipping.rs\n"
    );
    // What is printed is the report after the fixes.
    assert!(
        stdout(&fixed).ends_with("connleak: 3 errors, 3 warnings in 16 files\n"),
        "{}",
        stdout(&fixed)
    );

    let receipts = fs::read_to_string(demo.path().join("src/routes/receipts.rs")).expect("read");
    assert!(
        receipts.contains(
            "        .await?;\n    drop(conn);\n    // The provider answers in seconds when a newsletter goes out.\n"
        ),
        "{receipts}"
    );
    let shipping = fs::read_to_string(demo.path().join("src/routes/shipping.rs")).expect("read");
    let label = shipping.find("let label =").expect("label");
    let begin = shipping.find("let mut tx =").expect("begin");
    assert!(
        label < begin,
        "the transaction begins after the label:\n{shipping}"
    );

    let after = json_of(&connleak_in(demo.path(), &["--format", "json"]));
    let findings = after["findings"].as_array().expect("findings");
    let remaining: Vec<String> = findings
        .iter()
        .map(|f| format!("{} {}", f["lint"], f["file"]))
        .collect();
    assert_eq!(remaining.len(), 6, "{remaining:?}");
    for finding in findings {
        assert_ne!(
            finding["fix"]["applicability"], "machine-applicable",
            "a certain fix was left: {finding}"
        );
    }
    // Running it again finds nothing more to do.
    let again = connleak_in(demo.path(), &["--fix", "--allow-dirty"]);
    assert_eq!(stderr(&again), "connleak: nothing to fix\n");
}

#[test]
fn fix_refuses_a_dirty_tree_or_no_git_unless_allowed() {
    let demo = demo_repository();
    fs::write(demo.path().join("notes.txt"), "work in progress\n").expect("write");
    let refused = connleak_in(demo.path(), &["--fix"]);
    assert_eq!(code(&refused), 2);
    assert!(
        stderr(&refused).contains("uncommitted changes (notes.txt)"),
        "{}",
        stderr(&refused)
    );
    let receipts = demo.path().join("src/routes/receipts.rs");
    let untouched = fs::read_to_string(&receipts).expect("read");
    assert!(!untouched.contains("drop(conn)"));

    let allowed = connleak_in(demo.path(), &["--fix", "--allow-dirty"]);
    assert_eq!(code(&allowed), 1, "{}", stderr(&allowed));
    assert!(fs::read_to_string(&receipts)
        .expect("read")
        .contains("drop(conn)"));

    let loose = tempfile::tempdir().expect("temporary folder");
    copy_tree(&fixtures_root().join("demo-service"), loose.path());
    let no_git = connleak_in(loose.path(), &["--fix"]);
    assert_eq!(code(&no_git), 2);
    assert!(
        stderr(&no_git).contains("not in a git repository"),
        "{}",
        stderr(&no_git)
    );
}

#[test]
fn diff_shows_the_fixes_and_writes_nothing() {
    let demo = demo_repository();
    let output = connleak_in(demo.path(), &["--diff"]);
    assert_eq!(code(&output), 1);
    let diff = stdout(&output);
    assert!(
        diff.starts_with("--- a/src/routes/receipts.rs\n+++ b/src/routes/receipts.rs\n@@"),
        "{diff}"
    );
    assert!(diff.contains("\n+    drop(conn);\n"), "{diff}");
    assert!(diff.contains("--- a/src/routes/shipping.rs\n"), "{diff}");
    // The diff may show the label moving up rather than the `begin` down.
    assert!(
        diff.contains("\n+    let label = state.carrier.create_label(id).await?;")
            || diff.contains("\n-    let mut tx = state.pool.begin().await?;\n"),
        "{diff}"
    );
    assert_eq!(
        stderr(&output),
        "connleak: 2 fixes; `--fix` applies them\n\
         connleak: 1 suggestion(s) need a person and are not in the diff (see the report)\n"
    );
    let status = Command::new("git")
        .args(["status", "--porcelain"])
        .current_dir(demo.path())
        .output()
        .expect("git");
    assert!(status.stdout.is_empty(), "--diff wrote something");
}

/// `--fix` writes a file only if it still holds the text that was checked.
#[test]
fn a_file_changed_since_it_was_checked_is_not_fixed() {
    let demo = demo_repository();
    let report = run(demo.path());
    let receipts = demo.path().join("src/routes/receipts.rs");
    let edited = fs::read_to_string(&receipts)
        .expect("read")
        .replace("seconds", "minutes");
    fs::write(&receipts, &edited).expect("edit meanwhile");
    let written = fixes::applying::write_round(&report, demo.path());
    assert_eq!(written.files, ["src/routes/shipping.rs"]);
    assert_eq!(written.errors.len(), 1, "{:?}", written.errors);
    assert!(
        written.errors[0].contains("changed since it was checked"),
        "{:?}",
        written.errors
    );
    assert_eq!(fs::read_to_string(&receipts).expect("read"), edited);
}
