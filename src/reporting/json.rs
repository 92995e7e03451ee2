//! `--format json`: one document, DESIGN §3. The field names and meanings are
//! a contract with users' CI scripts: add fields if needed, never rename or
//! drop one. Lines and columns are 1-based here (our [`Pos`] columns are
//! 0-based, so they are shifted on the way out).

use serde::Serialize;

use crate::findings::Finding;

use crate::source::{FileError, Location, Pos};

use crate::flow::PathStep;
use crate::reporting::{display_path, lint_url};
use crate::source::SourceMap;
use crate::Report;

/// The version of the document's shape; bumped only on an incompatible change.
const FORMAT_VERSION: u32 = 1;

/// Renders the whole report as pretty-printed JSON with a trailing newline.
/// The output depends only on the report, in the report's order.
pub fn render(report: &Report) -> String {
    let document = Document {
        version: FORMAT_VERSION,
        findings: report
            .findings
            .iter()
            .map(|finding| FindingDto::new(finding, &report.sources))
            .collect(),
        errors: report.errors.iter().map(ErrorDto::new).collect(),
        stats: StatsDto {
            files: report.stats.files,
            lines: report.stats.lines,
            // Time differs from run to run: only when asked for.
            elapsed_ms: report
                .stats
                .timed
                .then(|| u64::try_from(report.stats.elapsed_ms).unwrap_or(u64::MAX)),
            in_baseline: report.hidden.in_baseline,
            fixed_since_baseline: report.hidden.fixed_since_baseline,
            outside_changes: report.hidden.outside_changes,
            in_test_code: report.hidden.in_test_code,
        },
    };
    let mut text = serde_json::to_string_pretty(&document)
        .expect("the JSON document has string keys and no fallible fields");
    text.push('\n');
    text
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    findings: Vec<FindingDto<'a>>,
    errors: Vec<ErrorDto<'a>>,
    stats: StatsDto,
}

#[derive(Serialize)]
struct FindingDto<'a> {
    lint: &'static str,
    severity: &'static str,
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
    help: &'a str,
    acquired_at: Option<PointDto<'a>>,
    path: Vec<PathStepDto<'a>>,
    fingerprint: &'a str,
    in_test_code: bool,
    /// The lint's page.
    docs_url: String,
    /// A suggested fix, only on findings that have one.
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<FixDto<'a>>,
}

#[derive(Serialize)]
struct FixDto<'a> {
    message: &'a str,
    /// `machine-applicable` (`--fix` applies it) or `maybe-incorrect`.
    applicability: &'static str,
    edits: Vec<EditDto<'a>>,
}

/// Replace the text from (line, column) to (end_line, end_column), 1-based
/// with the end exclusive, by `replacement`; an empty range inserts.
#[derive(Serialize)]
struct EditDto<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    replacement: &'a str,
}

impl<'a> FindingDto<'a> {
    fn new(finding: &'a Finding, sources: &'a SourceMap) -> FindingDto<'a> {
        let span = finding.primary.span;
        FindingDto {
            lint: finding.lint.name(),
            severity: finding.level.severity(),
            file: display_path(sources, finding.primary.file),
            line: span.start.line,
            column: one_based_column(span.start),
            end_line: span.end.line,
            end_column: one_based_column(span.end),
            message: &finding.message,
            help: &finding.help,
            acquired_at: finding
                .acquired_at
                .map(|location| PointDto::new(location, sources)),
            path: finding
                .path
                .iter()
                .map(|step| PathStepDto::new(step, sources))
                .collect(),
            fingerprint: &finding.fingerprint,
            in_test_code: finding.in_test_code,
            docs_url: lint_url(finding.lint),
            fix: finding.fix.as_ref().map(|fix| FixDto {
                message: &fix.message,
                applicability: fix.applicability.name(),
                edits: fix
                    .edits
                    .iter()
                    .map(|edit| EditDto {
                        file: display_path(sources, edit.file),
                        line: edit.span.start.line,
                        column: one_based_column(edit.span.start),
                        end_line: edit.span.end.line,
                        end_column: one_based_column(edit.span.end),
                        replacement: &edit.replacement,
                    })
                    .collect(),
            }),
        }
    }
}

#[derive(Serialize)]
struct PointDto<'a> {
    file: &'a str,
    line: u32,
    column: u32,
}

impl<'a> PointDto<'a> {
    fn new(location: Location, sources: &'a SourceMap) -> PointDto<'a> {
        PointDto {
            file: display_path(sources, location.file),
            line: location.span.start.line,
            column: one_based_column(location.span.start),
        }
    }
}

#[derive(Serialize)]
struct PathStepDto<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    note: &'a str,
}

impl<'a> PathStepDto<'a> {
    fn new(step: &'a PathStep, sources: &'a SourceMap) -> PathStepDto<'a> {
        let point = PointDto::new(step.at, sources);
        PathStepDto {
            file: point.file,
            line: point.line,
            column: point.column,
            note: &step.note,
        }
    }
}

#[derive(Serialize)]
struct ErrorDto<'a> {
    file: &'a str,
    /// `null` when the problem is not tied to a line (an unreadable file).
    line: Option<u32>,
    message: &'a str,
}

impl<'a> ErrorDto<'a> {
    fn new(error: &'a FileError) -> ErrorDto<'a> {
        ErrorDto {
            file: &error.file,
            line: error.line,
            message: &error.message,
        }
    }
}

/// The counts of hidden findings appear only when `--baseline`,
/// `--changed-since` or the test-code setting hid some, and the time only
/// with `--timings`, so that a plain run's document is the same bytes run
/// after run.
#[derive(Serialize)]
struct StatsDto {
    files: usize,
    lines: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    elapsed_ms: Option<u64>,
    #[serde(skip_serializing_if = "is_zero")]
    in_baseline: usize,
    #[serde(skip_serializing_if = "is_zero")]
    fixed_since_baseline: usize,
    #[serde(skip_serializing_if = "is_zero")]
    outside_changes: usize,
    #[serde(skip_serializing_if = "is_zero")]
    in_test_code: usize,
}

fn is_zero(count: &usize) -> bool {
    *count == 0
}

fn one_based_column(pos: Pos) -> u32 {
    pos.column.saturating_add(1)
}
