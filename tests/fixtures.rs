//! The fixture suite: every file under `fixtures/` is checked, and its
//! findings must match the marks written in it exactly.
//!
//! A mark is a comment `//~ lint-name` at the end of the line where the
//! finding's primary span starts (several lints: `//~ a b`). A line without a
//! mark must stay silent. A missing finding and an extra finding both fail,
//! and every mismatch is printed with its file and line.
//!
//! A folder with a `Cargo.toml` is one fixture crate (or workspace), checked
//! as a whole; any other `.rs` file is a fixture of its own. Findings in
//! test code are left out, as they are by default: a mark in a test says
//! the fixture's configuration reports test code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// (file relative to fixtures/, line) -> lints, sorted.
type Marks = BTreeMap<(String, u32), Vec<String>>;

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The units to check: fixture crates and loose files, sorted.
fn fixture_units(dir: &Path, units: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixtures/ is readable")
        .map(|entry| entry.expect("fixture entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path.join("Cargo.toml").is_file() {
                units.push(path);
            } else {
                fixture_units(&path, units);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            units.push(path);
        }
    }
}

/// (file relative to fixtures/, line) -> lints, from the marks.
fn expected_marks(unit: &Path) -> Marks {
    let mut files = Vec::new();
    if unit.is_dir() {
        for entry in walk(unit) {
            files.push(entry);
        }
    } else {
        files.push(unit.to_path_buf());
    }
    let mut marks = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("fixture is UTF-8");
        for (index, line) in text.lines().enumerate() {
            let Some((_, mark)) = line.split_once("//~") else {
                continue;
            };
            let mut lints: Vec<String> = mark.split_whitespace().map(str::to_owned).collect();
            lints.sort();
            marks.insert((relative(&file), index as u32 + 1), lints);
        }
    }
    marks
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixture crate is readable")
        .map(|entry| entry.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

fn relative(file: &Path) -> String {
    file.strip_prefix(fixtures_root())
        .unwrap_or(file)
        .to_string_lossy()
        .replace('\\', "/")
}

/// (file relative to fixtures/, line) -> lints, from a run of the library,
/// with test code left out as the command line leaves it out by default.
fn actual_findings(unit: &Path) -> (Marks, Vec<String>) {
    let mut report = connleak::run(&connleak::Options {
        paths: vec![unit.to_path_buf()],
        threads: 1,
        ..connleak::Options::default()
    });
    report.leave_out_test_code();
    let mut found = Marks::new();
    for finding in &report.findings {
        let display = &report.sources.files[finding.primary.file].display;
        let file = if unit.is_dir() {
            relative(&unit.join(display))
        } else {
            relative(unit)
        };
        found
            .entry((file, finding.primary.span.start.line))
            .or_default()
            .push(finding.lint.name().to_string());
    }
    for lints in found.values_mut() {
        lints.sort();
    }
    let errors = report
        .errors
        .iter()
        .map(|e| format!("{}:{}: {}", e.file, e.line.unwrap_or(0), e.message))
        .collect();
    (found, errors)
}

#[test]
fn every_fixture_matches_its_marks() {
    let mut units = Vec::new();
    fixture_units(&fixtures_root(), &mut units);
    assert!(
        units.len() > 50,
        "the fixture suite is there ({} units)",
        units.len()
    );
    let mut problems = Vec::new();
    for unit in &units {
        let expected = expected_marks(unit);
        let (actual, errors) = actual_findings(unit);
        for error in errors {
            problems.push(format!("{}: error entry: {error}", relative(unit)));
        }
        for (key, lints) in &expected {
            let got = actual.get(key).cloned().unwrap_or_default();
            if &got != lints {
                problems.push(format!(
                    "{}:{}: expected {:?}, found {:?}",
                    key.0, key.1, lints, got
                ));
            }
        }
        for (key, lints) in &actual {
            if !expected.contains_key(key) {
                problems.push(format!(
                    "{}:{}: unexpected {:?} (no mark on this line)",
                    key.0, key.1, lints
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} fixture mismatch(es):\n{}",
        problems.len(),
        problems.join("\n")
    );
}
