//! Baselines, for adopting connleak on a codebase that already has findings:
//! `--write-baseline FILE` records today's findings, `--baseline FILE` then
//! shows only findings that are not in it, and counts the entries that no
//! longer match anything as fixed.
//!
//! Entries are keyed on the finding's fingerprint
//! ([`crate::reporting::fingerprint`]): lint, file, enclosing item and the
//! normalised code of the escape and acquire sites, never a line number, so
//! editing code above a finding does not turn it into a new one. Identical
//! findings in one item share a fingerprint; they are matched as a multiset,
//! so a baseline with two entries hides two such findings and a third is new.
//!
//! This module reads and writes the file and filters a report; it never
//! changes how findings are made.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::reporting::display_path;
use crate::Report;

/// The version of the file's shape; bumped only on an incompatible change.
pub const FORMAT_VERSION: u32 = 1;

/// The baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub entries: Vec<Entry>,
}

/// One recorded finding. Only `fingerprint` is matched; the other fields are
/// there for the people who read the file and for `--list-fixed`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub fingerprint: String,
    pub lint: String,
    pub file: String,
    /// The enclosing function or item, as in the finding.
    pub item: String,
    pub message: String,
    /// In test code: recorded whether or not the run shows test code, so
    /// that a baseline serves runs with `--include-tests` too. Absent in
    /// baselines written before it was recorded.
    #[serde(default)]
    pub in_test_code: bool,
}

impl Baseline {
    /// Every finding of the report. Entries are sorted by what they are about
    /// rather than by line, so that rewriting a baseline after unrelated edits
    /// gives a small diff.
    pub fn from_report(report: &Report) -> Baseline {
        let mut entries: Vec<Entry> = report
            .findings
            .iter()
            .map(|finding| Entry {
                fingerprint: finding.fingerprint.clone(),
                lint: finding.lint.name().to_string(),
                file: display_path(&report.sources, finding.primary.file).to_string(),
                item: finding.enclosing_item.clone(),
                message: finding.message.clone(),
                in_test_code: finding.in_test_code,
            })
            .collect();
        entries.sort_by(|a, b| {
            (&a.file, &a.item, &a.lint, &a.fingerprint, &a.message).cmp(&(
                &b.file,
                &b.item,
                &b.lint,
                &b.fingerprint,
                &b.message,
            ))
        });
        Baseline {
            version: FORMAT_VERSION,
            entries,
        }
    }

    /// Pretty JSON with a trailing newline, one key per line: readable in
    /// review, and diffs line by line.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self)
            .expect("the baseline has string keys and no fallible fields");
        text.push('\n');
        text
    }

    /// Parses a baseline; the error says what is wrong and where.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        // Check the version before the shape, so that a file from a newer
        // connleak gets a message about versions rather than about fields.
        let value: serde_json::Value = serde_json::from_str(text).map_err(|error| {
            format!(
                "invalid JSON at line {}, column {}: {}",
                error.line(),
                error.column(),
                without_position(&error)
            )
        })?;
        match value.get("version").map(serde_json::Value::as_u64) {
            Some(Some(version)) if version == u64::from(FORMAT_VERSION) => {}
            Some(Some(version)) => {
                return Err(format!(
                    "unsupported version {version}: this connleak reads version {FORMAT_VERSION}"
                ))
            }
            Some(None) => return Err(String::from("\"version\" must be a number")),
            None => {
                return Err(String::from(
                    "not a connleak baseline: no \"version\" key (write one with --write-baseline)",
                ))
            }
        }
        serde_json::from_value(value).map_err(|error| error.to_string())
    }

    /// Reads a baseline file. A missing or invalid file is an error: silently
    /// treating it as empty would report every old finding as new, or, worse,
    /// a typo in CI would pass.
    pub fn read(path: &Path) -> Result<Baseline, String> {
        let text = fs::read_to_string(path)
            .map_err(|error| format!("cannot read baseline {}: {}", path.display(), error))?;
        Baseline::parse(&text)
            .map_err(|problem| format!("invalid baseline {}: {problem}", path.display()))
    }

    /// Writes the baseline to `path`, which must lie inside the repository
    /// `root` and not through a symbolic link ([`crate::write_guard`]).
    pub fn write(&self, path: &Path, root: &Path) -> Result<(), String> {
        crate::write_guard::write_file(path, self.to_json().as_bytes(), root)
            .map_err(|error| format!("cannot write baseline: {error}"))
    }

    /// Drops the report's findings that the baseline records, counting them
    /// in `report.hidden`, and returns the entries that matched nothing (in
    /// the baseline's order): findings fixed since it was written.
    pub fn apply(&self, report: &mut Report) -> Vec<Entry> {
        let mut remaining: BTreeMap<&str, usize> = BTreeMap::new();
        for entry in &self.entries {
            *remaining.entry(entry.fingerprint.as_str()).or_default() += 1;
        }
        let before = report.findings.len();
        report.findings.retain(
            |finding| match remaining.get_mut(finding.fingerprint.as_str()) {
                Some(count) if *count > 0 => {
                    *count -= 1;
                    false
                }
                _ => true,
            },
        );
        report.hidden.in_baseline += before - report.findings.len();

        // The unmatched count of a fingerprint is how many of its entries
        // are fixed; take them from the end, as the first ones were matched.
        let mut fixed = Vec::new();
        for entry in self.entries.iter().rev() {
            if let Some(count) = remaining.get_mut(entry.fingerprint.as_str()) {
                if *count > 0 {
                    *count -= 1;
                    fixed.push(entry.clone());
                }
            }
        }
        fixed.reverse();
        report.hidden.fixed_since_baseline += fixed.len();
        fixed
    }
}

/// serde_json's message ends with " at line L column C", which we already say.
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(end) => text[..end].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(fingerprint: &str) -> Entry {
        Entry {
            fingerprint: fingerprint.to_string(),
            lint: String::from("leaked-connection"),
            file: String::from("src/lib.rs"),
            item: String::from("leak"),
            message: String::from("`conn` is leaked"),
            in_test_code: false,
        }
    }

    #[test]
    fn round_trips_through_json() {
        let baseline = Baseline {
            version: FORMAT_VERSION,
            entries: vec![entry("00000000000000aa"), entry("00000000000000bb")],
        };
        assert_eq!(Baseline::parse(&baseline.to_json()), Ok(baseline));
    }

    #[test]
    fn invalid_files_say_what_is_wrong() {
        let error = Baseline::parse("{\"version\": 1,\n \"entries\": [}").expect_err("invalid");
        assert!(
            error.starts_with("invalid JSON at line 2, column"),
            "{error}"
        );
        let error = Baseline::parse("{\"version\": 7, \"entries\": []}").expect_err("newer");
        assert_eq!(
            error,
            "unsupported version 7: this connleak reads version 1"
        );
        let error = Baseline::parse("{\"findings\": []}").expect_err("a report, not a baseline");
        assert!(error.starts_with("not a connleak baseline"), "{error}");
        let error = Baseline::parse("{\"version\": 1, \"entries\": [{\"lint\": \"x\"}]}")
            .expect_err("no fp");
        assert!(error.contains("fingerprint"), "{error}");
    }

    #[test]
    fn missing_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("nope.json");
        let error = Baseline::read(&path).expect_err("missing");
        assert!(error.starts_with("cannot read baseline "), "{error}");
        assert!(error.contains("nope.json"), "{error}");
    }
}
