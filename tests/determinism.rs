//! The output is a function of the input alone: the same bytes for `-j1` and
//! `-j2`, and from one run to the next, on a tree with findings from every
//! pack's fixtures and with files that cannot be checked.

use std::fs;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-connleak");

/// Copies `fixtures/` into `into`, then adds files that produce errors.
fn tree_with_findings_and_errors(into: &Path) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    copy_tree(&fixtures, into);
    let errors: [(&str, &[u8]); 4] = [
        ("broken/syntax.rs", b"pub fn oops( {\n"),
        ("broken/latin1.rs", b"// caf\xe9\n"),
        ("broken/unclosed.rs", b"fn f() { (\n"),
        ("sqlx/z_broken_last.rs", b"impl {\n"),
    ];
    for (path, content) in errors {
        let path = into.join(path);
        fs::create_dir_all(path.parent().expect("parent")).expect("folders");
        fs::write(path, content).expect("write");
    }
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("folders");
    for entry in fs::read_dir(from).expect("read fixtures") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// stdout and exit code of one run; in JSON the one timing field is blanked.
fn run(root: &Path, args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(BIN)
        .args(args)
        .args(["--color", "never", "."])
        .current_dir(root)
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let stdout = stdout
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("\"elapsed_ms\":") {
                "\"elapsed_ms\": <timing>"
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    (output.status.code(), stdout)
}

#[test]
fn output_is_byte_identical_across_threads_and_runs() {
    let dir = tempfile::tempdir().expect("temporary folder");
    tree_with_findings_and_errors(dir.path());

    for format in ["human", "json"] {
        let reference = run(dir.path(), &["--format", format, "-j1"]);
        assert_eq!(reference.0, Some(2), "{}", reference.1);
        for threads in ["-j1", "-j2", "-j2", "-j3", "-j1"] {
            let again = run(dir.path(), &["--format", format, threads]);
            assert!(
                again == reference,
                "{format} output with {threads} differs from -j1:\n--- -j1\n{}\n--- {threads}\n{}",
                reference.1,
                again.1
            );
        }
    }

    // Not vacuous: the tree has findings of several lints, and errors.
    let (_, json) = run(dir.path(), &["--format", "json"]);
    let document: serde_json::Value =
        serde_json::from_str(&json.replace("<timing>", "0")).expect("JSON");
    let findings = document["findings"].as_array().expect("findings");
    let mut lints: Vec<&str> = findings
        .iter()
        .map(|f| f["lint"].as_str().expect("lint"))
        .collect();
    lints.sort_unstable();
    lints.dedup();
    assert!(findings.len() >= 20, "{} findings", findings.len());
    assert!(lints.len() >= 6, "{lints:?}");
    assert_eq!(document["errors"].as_array().expect("errors").len(), 4);
}

/// Only the bodies that can reach a connection are lowered; lowering every
/// body (`--lower-all`) must give the very same output.
#[test]
fn lowering_only_relevant_bodies_changes_nothing() {
    let dir = tempfile::tempdir().expect("temporary folder");
    tree_with_findings_and_errors(dir.path());

    for format in ["human", "json"] {
        let selected = run(dir.path(), &["--format", format]);
        let everything = run(dir.path(), &["--format", format, "--lower-all"]);
        assert!(
            selected == everything,
            "{format} output differs with --lower-all:\n--- selected\n{}\n--- all\n{}",
            selected.1,
            everything.1
        );
    }
}
