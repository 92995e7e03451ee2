//! `--format gitlab`: a GitLab Code Quality report, the JSON array a CI job
//! declares under `artifacts: reports: codequality`. GitLab shows its
//! entries in the merge request's widget and on the diff.
//!
//! Each finding is an issue with its `description`, `check_name` (the lint),
//! `fingerprint`, `severity` and `location` (`path` relative to the
//! repository root, as GitLab places it, whatever folder the workspace is
//! in: [`Report::repository_prefix`], and `lines.begin`). GitLab keys issues on the fingerprint, so two findings
//! that share one (the same problem twice in a function) get an occurrence
//! number appended to the second. A file that could not be checked is a
//! `blocker` issue of its own: a report must not look clean because a file
//! was skipped.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::findings::{Finding, Level};
use crate::reporting::github::from_repository_root;
use crate::reporting::{display_path, hash_fields, lint_url};
use crate::source::{FileError, SourceMap};
use crate::Report;

/// Renders the report as one pretty-printed JSON array with a trailing
/// newline.
pub fn render(report: &Report) -> String {
    let prefix = report.repository_prefix();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut issues: Vec<Issue> = report
        .findings
        .iter()
        .map(|finding| finding_issue(finding, &report.sources, &prefix, &mut seen))
        .collect();
    issues.extend(
        report
            .errors
            .iter()
            .map(|error| error_issue(error, &prefix, &mut seen)),
    );
    let mut text = serde_json::to_string_pretty(&issues)
        .expect("the Code Quality report has string keys and no fallible fields");
    text.push('\n');
    text
}

fn finding_issue(
    finding: &Finding,
    sources: &SourceMap,
    prefix: &str,
    seen: &mut BTreeMap<String, usize>,
) -> Issue {
    let mut body = finding.help.clone();
    if let Some(fix) = &finding.fix {
        body.push_str(&format!(
            "\n\nSuggested fix: {}: `{}`",
            fix.message, fix.code
        ));
    }
    body.push_str(&format!("\n\nSee {}", lint_url(finding.lint)));
    Issue {
        kind: "issue",
        description: finding.message.clone(),
        check_name: finding.lint.name(),
        fingerprint: unique(&finding.fingerprint, seen),
        severity: match finding.level {
            Level::Deny => "critical",
            Level::Warn | Level::Allow => "major",
        },
        categories: vec!["Bug Risk"],
        engine_name: "connleak",
        content: Content { body },
        location: IssueLocation {
            path: from_repository_root(prefix, display_path(sources, finding.primary.file)),
            lines: Lines {
                begin: finding.primary.span.start.line.max(1),
                end: finding
                    .primary
                    .span
                    .end
                    .line
                    .max(finding.primary.span.start.line)
                    .max(1),
            },
        },
    }
}

fn error_issue(error: &FileError, prefix: &str, seen: &mut BTreeMap<String, usize>) -> Issue {
    let line = error.line.unwrap_or(1).max(1);
    let fingerprint = hash_fields(&["could-not-check", &error.file, &error.message]);
    Issue {
        kind: "issue",
        description: format!("connleak could not check this file: {}", error.message),
        check_name: "could-not-check",
        fingerprint: unique(&fingerprint, seen),
        severity: "blocker",
        categories: vec!["Bug Risk"],
        engine_name: "connleak",
        content: Content {
            body: String::from(
                "The file was not checked, so findings in it (and in the code that \
                 calls into it) may be missing. Fix the problem named here and run again.",
            ),
        },
        location: IssueLocation {
            path: from_repository_root(prefix, &error.file),
            lines: Lines {
                begin: line,
                end: line,
            },
        },
    }
}

/// The fingerprint, with `-2`, `-3`... on its later occurrences.
fn unique(fingerprint: &str, seen: &mut BTreeMap<String, usize>) -> String {
    let count = seen.entry(fingerprint.to_string()).or_default();
    *count += 1;
    if *count == 1 {
        fingerprint.to_string()
    } else {
        format!("{fingerprint}-{count}")
    }
}

#[derive(Serialize)]
struct Issue {
    #[serde(rename = "type")]
    kind: &'static str,
    description: String,
    check_name: &'static str,
    fingerprint: String,
    severity: &'static str,
    categories: Vec<&'static str>,
    engine_name: &'static str,
    content: Content,
    location: IssueLocation,
}

#[derive(Serialize)]
struct Content {
    body: String,
}

#[derive(Serialize)]
struct IssueLocation {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
    end: u32,
}
