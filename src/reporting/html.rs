//! `--format html`: one self-contained page for a reviewer. A summary by
//! lint and by crate (each row filters the list), then every finding with
//! the code around it and its witness path drawn over the lines: numbered
//! steps joined by a rail in the margin, the acquire, each branch taken,
//! the point where it goes wrong; then the help, the suggested fix and the
//! lint's documentation.
//!
//! The page loads nothing: styles and script are inline, and its content
//! security policy forbids every other source, so opening a report from
//! CI cannot reach the network. The findings travel as one JSON document
//! inside the page and are drawn by its script, a page at a time, and a
//! finding's code only when it is opened: 5,000 findings stay quick.
//!
//! Only lines the findings point at (with a little context) are embedded,
//! and only from files that really lie inside the repository: a file
//! reached through a link to elsewhere is named, never shown.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::findings::{Finding, Level};
use crate::reporting::{display_path, lint_docs, lint_url};
use crate::rules::Lint;
use crate::source::{Location, SourceMap};
use crate::Report;

/// Lines of context around each step of a path.
const CONTEXT_LINES: u32 = 2;
/// Steps this close (in lines) are shown with every line between them, so
/// the rail joins them; further apart, the lines between are folded.
const JOIN_GAP: u32 = 12;

const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

/// Renders the page. `crates` maps a file's display name to its cargo
/// package; `display_root` is the folder display names are relative to.
pub fn render(report: &Report, crates: &BTreeMap<String, String>, display_root: &Path) -> String {
    let data = page_data(report, crates, display_root);
    let json = serde_json::to_string(&data).expect("the page data has string keys");
    let mut page = String::with_capacity(json.len() + STYLE.len() + SCRIPT.len() + 4096);
    let title = format!(
        "connleak: {} in {}",
        counts_phrase(report),
        escape_html(&root_name(display_root))
    );
    page.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    // Nothing but what is inline: no fetch, no image, no font from anywhere.
    page.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n",
    );
    page.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    page.push_str(&format!(
        "<title>{title}</title>\n<style>\n{STYLE}</style>\n</head>\n"
    ));
    page.push_str("<body>\n<header>\n");
    page.push_str(&format!("<h1>{title}</h1>\n"));
    page.push_str(&format!(
        "<p class=\"meta\">connleak {} &middot; {} files, {} lines checked</p>\n",
        env!("CARGO_PKG_VERSION"),
        report.stats.files,
        report.stats.lines
    ));
    page.push_str("</header>\n<main id=\"report\">\n");
    page.push_str(
        "<noscript><p class=\"noscript\">This report draws its findings with JavaScript, \
         which is turned off. The same findings are in <code>--format json</code>.</p></noscript>\n",
    );
    page.push_str("</main>\n");
    for lint in Lint::ALL {
        page.push_str(&format!(
            "<template id=\"docs-{}\">{}</template>\n",
            lint.name(),
            docs_html(lint)
        ));
    }
    page.push_str("<script type=\"application/json\" id=\"connleak-data\">");
    page.push_str(&escape_json_for_script(&json));
    page.push_str("</script>\n<script>\n");
    page.push_str(SCRIPT);
    page.push_str("</script>\n</body>\n</html>\n");
    page
}

fn counts_phrase(report: &Report) -> String {
    let errors = report
        .findings
        .iter()
        .filter(|f| f.level == Level::Deny)
        .count();
    let warnings = report
        .findings
        .iter()
        .filter(|f| f.level == Level::Warn)
        .count();
    match (errors, warnings) {
        (0, 0) => String::from("no findings"),
        (errors, 0) => plural(errors, "error"),
        (0, warnings) => plural(warnings, "warning"),
        (errors, warnings) => format!(
            "{}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        ),
    }
}

fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("1 {word}")
    } else {
        format!("{count} {word}s")
    }
}

/// The name of the checked folder, for the title.
fn root_name(display_root: &Path) -> String {
    let real = std::fs::canonicalize(display_root).unwrap_or_else(|_| display_root.to_path_buf());
    real.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| real.to_string_lossy().into_owned())
}

/// A lint's documentation as HTML (from our own Markdown, so trusted).
fn docs_html(lint: Lint) -> String {
    let docs = lint_docs(lint);
    let parser = pulldown_cmark::Parser::new(&docs);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    html
}

pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// JSON inside a `<script>` element: nothing in it may close the element
/// or open a comment, so `<`, `>` and `&` are written as JSON escapes (the
/// same string to `JSON.parse`); so are the two line separators old
/// JavaScript parsers choke on.
fn escape_json_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for character in json.chars() {
        match character {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            other => out.push(other),
        }
    }
    out
}

fn page_data<'a>(
    report: &'a Report,
    crates: &'a BTreeMap<String, String>,
    display_root: &Path,
) -> PageData<'a> {
    let sources = &report.sources;
    let inside = inside_files(sources, display_root);
    // Which lines of which file the findings need.
    let mut wanted: BTreeMap<usize, BTreeSet<u32>> = BTreeMap::new();
    for finding in &report.findings {
        for (file, lines) in wanted_lines(finding) {
            wanted.entry(file).or_default().extend(lines);
        }
    }
    let mut file_slots: BTreeMap<usize, usize> = BTreeMap::new();
    let mut files = Vec::new();
    for (&file, lines) in &wanted {
        let Some(source) = sources.get(file) else {
            continue;
        };
        let shown = inside.contains(&file);
        let last = u32::try_from(source.line_count()).unwrap_or(u32::MAX);
        let text = if shown {
            lines
                .iter()
                .filter(|&&line| line >= 1 && line <= last)
                .map(|&line| (line, source.line_text(line)))
                .collect()
        } else {
            BTreeMap::new()
        };
        file_slots.insert(file, files.len());
        files.push(FileData {
            path: &source.display,
            krate: crates.get(&source.display).map(String::as_str),
            hidden: !shown,
            lines: text,
        });
    }
    let slot = |location: Location| file_slots.get(&location.file).copied();
    let findings = report
        .findings
        .iter()
        .map(|finding| FindingData {
            lint: finding.lint.name(),
            severity: finding.level.severity(),
            file: slot(finding.primary),
            path: display_path(sources, finding.primary.file),
            at: Place::of(finding.primary),
            message: &finding.message,
            label: &finding.primary_label,
            help: &finding.help,
            acquired: finding.acquired_at.map(|acquired_at| Acquired {
                file: slot(acquired_at),
                path: display_path(sources, acquired_at.file),
                at: Place::of(acquired_at),
                label: &finding.acquire_label,
            }),
            steps: steps(finding, sources, &slot),
            fix: finding.fix.as_ref().map(|fix| FixData {
                message: &fix.message,
                code: &fix.code,
                applicability: fix.applicability.name(),
                edits: fix
                    .edits
                    .iter()
                    .map(|edit| EditData {
                        path: display_path(sources, edit.file),
                        at: Place::of(Location {
                            file: edit.file,
                            span: edit.span,
                        }),
                        removed: if inside.contains(&edit.file) {
                            sources
                                .get(edit.file)
                                .map(|source| source.snippet(edit.span.start, edit.span.end))
                                .unwrap_or("")
                        } else {
                            ""
                        },
                        inserted: &edit.replacement,
                    })
                    .collect(),
            }),
            fingerprint: &finding.fingerprint,
            test: finding.in_test_code,
        })
        .collect();
    let lints = Lint::ALL
        .iter()
        .map(|&lint| LintData {
            name: lint.name(),
            level: match lint.info().default_level {
                Level::Deny => "deny",
                Level::Warn => "warn",
                Level::Allow => "allow",
            },
            summary: lint.info().summary,
            url: lint_url(lint),
        })
        .collect();
    PageData {
        version: env!("CARGO_PKG_VERSION"),
        files,
        findings,
        lints,
        errors: report
            .errors
            .iter()
            .map(|error| ErrorData {
                file: &error.file,
                line: error.line,
                message: &error.message,
            })
            .collect(),
        hidden: HiddenData {
            in_baseline: report.hidden.in_baseline,
            outside_changes: report.hidden.outside_changes,
        },
    }
}

/// The files whose real location lies inside the repository around
/// `display_root`; a link to a file elsewhere is not among them.
fn inside_files(sources: &SourceMap, display_root: &Path) -> BTreeSet<usize> {
    let Ok(root) = crate::write_guard::repository_root(display_root) else {
        return BTreeSet::new();
    };
    (0..sources.files.len())
        .filter(|&file| {
            let Some(source) = sources.get(file) else {
                return false;
            };
            let path = display_root.join(&source.display);
            std::fs::canonicalize(path).is_ok_and(|real| real.starts_with(&root))
        })
        .collect()
}

/// The lines a finding's excerpt shows, by file: context around each
/// location, and the lines between steps close enough to be joined.
fn wanted_lines(finding: &Finding) -> BTreeMap<usize, BTreeSet<u32>> {
    let mut locations: Vec<Location> = finding.path.iter().map(|step| step.at).collect();
    locations.push(finding.primary);
    locations.extend(finding.acquired_at);
    if let Some(fix) = &finding.fix {
        for edit in &fix.edits {
            locations.push(Location {
                file: edit.file,
                span: edit.span,
            });
        }
    }
    let mut by_file: BTreeMap<usize, BTreeSet<u32>> = BTreeMap::new();
    for location in &locations {
        let first = location.span.start.line.max(1);
        let last = location.span.end.line.max(first).min(first + 40);
        by_file
            .entry(location.file)
            .or_default()
            .extend(first.saturating_sub(CONTEXT_LINES).max(1)..=last + CONTEXT_LINES);
    }
    for lines in by_file.values_mut() {
        let sorted: Vec<u32> = lines.iter().copied().collect();
        for pair in sorted.windows(2) {
            if pair[1] - pair[0] <= JOIN_GAP {
                lines.extend(pair[0]..pair[1]);
            }
        }
    }
    by_file
}

/// The path's steps with what kind each is, for colour: the acquire, a
/// branch taken, the problem, or a plain step.
fn steps<'a>(
    finding: &'a Finding,
    sources: &'a SourceMap,
    slot: &impl Fn(Location) -> Option<usize>,
) -> Vec<StepData<'a>> {
    let count = finding.path.len();
    finding
        .path
        .iter()
        .enumerate()
        .map(|(index, step)| {
            let kind = if index + 1 == count && step.at == finding.primary {
                "problem"
            } else if Some(step.at) == finding.acquired_at
                || (index == 0 && step.note.contains("acquired"))
            {
                "acquire"
            } else if is_branch(&step.note) {
                "branch"
            } else {
                "step"
            };
            StepData {
                file: slot(step.at),
                path: display_path(sources, step.at.file),
                at: Place::of(step.at),
                note: &step.note,
                kind,
            }
        })
        .collect()
}

/// Whether a step's note tells of a choice the path made.
fn is_branch(note: &str) -> bool {
    const WORDS: [&str; 9] = [
        "branch",
        "condition",
        "arm",
        "match",
        "`else`",
        "`?`",
        "loop",
        "does not match",
        "is taken",
    ];
    WORDS.iter().any(|word| note.contains(word))
}

#[derive(Serialize)]
struct PageData<'a> {
    version: &'static str,
    files: Vec<FileData<'a>>,
    findings: Vec<FindingData<'a>>,
    lints: Vec<LintData>,
    errors: Vec<ErrorData<'a>>,
    hidden: HiddenData,
}

#[derive(Serialize)]
struct FileData<'a> {
    path: &'a str,
    #[serde(rename = "crate")]
    krate: Option<&'a str>,
    /// A file outside the repository: its lines are not embedded.
    hidden: bool,
    lines: BTreeMap<u32, &'a str>,
}

/// A span as 1-based lines and columns, end exclusive.
#[derive(Serialize)]
struct Place {
    line: u32,
    col: u32,
    end_line: u32,
    end_col: u32,
}

impl Place {
    fn of(location: Location) -> Place {
        let ((line, col), (end_line, end_col)) = super::one_based_region(location);
        Place {
            line,
            col,
            end_line,
            end_col,
        }
    }
}

#[derive(Serialize)]
struct FindingData<'a> {
    lint: &'static str,
    severity: &'static str,
    file: Option<usize>,
    path: &'a str,
    at: Place,
    message: &'a str,
    label: &'a str,
    help: &'a str,
    acquired: Option<Acquired<'a>>,
    steps: Vec<StepData<'a>>,
    fix: Option<FixData<'a>>,
    fingerprint: &'a str,
    test: bool,
}

#[derive(Serialize)]
struct Acquired<'a> {
    file: Option<usize>,
    path: &'a str,
    at: Place,
    label: &'a str,
}

#[derive(Serialize)]
struct StepData<'a> {
    file: Option<usize>,
    path: &'a str,
    at: Place,
    note: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
struct FixData<'a> {
    message: &'a str,
    code: &'a str,
    applicability: &'static str,
    edits: Vec<EditData<'a>>,
}

#[derive(Serialize)]
struct EditData<'a> {
    path: &'a str,
    at: Place,
    removed: &'a str,
    inserted: &'a str,
}

#[derive(Serialize)]
struct LintData {
    name: &'static str,
    level: &'static str,
    summary: &'static str,
    url: String,
}

#[derive(Serialize)]
struct ErrorData<'a> {
    file: &'a str,
    line: Option<u32>,
    message: &'a str,
}

#[derive(Serialize)]
struct HiddenData {
    in_baseline: usize,
    outside_changes: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_data_cannot_close_its_element() {
        let escaped = escape_json_for_script("{\"a\":\"</script><!-- & \u{2028}\"}");
        assert!(!escaped.contains("</"));
        assert!(!escaped.contains("<!--"));
        assert!(!escaped.contains('\u{2028}'));
        let back: serde_json::Value = serde_json::from_str(&escaped).expect("still JSON");
        assert_eq!(back["a"], "</script><!-- & \u{2028}");
    }

    #[test]
    fn html_escapes_markup() {
        assert_eq!(
            escape_html("<a href='x'>&</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
        );
    }
}
