//! `--format cargo` (also `--message-format=json`): cargo's JSON message
//! stream, one object a line, so that tools built for `cargo check` read
//! connleak's findings: rust-analyzer's `check.overrideCommand` shows them
//! in the editor, and CI helpers that parse cargo output take them as they
//! are.
//!
//! Each finding is a `compiler-message` holding a rustc diagnostic: the
//! primary span, the acquire site as a secondary span, the help and each
//! witness-path step as children, and the rustc-style text as `rendered`.
//! A file that could not be checked is an `error` diagnostic. The stream
//! ends with `build-finished`, whose `success` is the run's verdict.
//!
//! `file_name` is the finding's file as the other formats name it: relative
//! to the checked root, which is what rust-analyzer resolves against its
//! workspace root. Files outside any cargo package get the bare rustc
//! diagnostic, without the cargo envelope (rust-analyzer reads both).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::discovery::CargoTarget;
use crate::findings::{Finding, Level};
use crate::reporting::{byte_range, display_path, human, lint_url, one_based_region, uri_path};
use crate::source::SourceMap;
use crate::source::{FileError, Location, Pos};
use crate::Report;

/// Renders the stream. `targets` maps a file's display name to the package
/// and target that own it; files missing from it get bare diagnostics.
pub fn render(report: &Report, targets: &BTreeMap<String, CargoTarget>) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        let file = display_path(&report.sources, finding.primary.file);
        push_line(
            &mut out,
            targets.get(file),
            finding_diagnostic(finding, &report.sources),
        );
    }
    for error in &report.errors {
        push_line(
            &mut out,
            targets.get(&error.file),
            error_diagnostic(error, &report.sources),
        );
    }
    let finished = BuildFinished {
        reason: "build-finished",
        success: report.exit_code() == 0,
    };
    out.push_str(&to_json(&finished));
    out.push('\n');
    out
}

fn push_line(out: &mut String, target: Option<&CargoTarget>, diagnostic: RustcDiagnostic) {
    let line = match target {
        Some(target) => to_json(&CompilerMessage {
            reason: "compiler-message",
            package_id: package_id(target),
            manifest_path: target.manifest_path.to_string_lossy().into_owned(),
            target: TargetDto {
                kind: vec![target.kind],
                crate_types: vec![crate_type(target.kind)],
                name: target.name.clone(),
                src_path: target.src_path.to_string_lossy().into_owned(),
                edition: target.edition.clone(),
                doc: target.kind == "lib" || target.kind == "bin",
                doctest: target.kind == "lib",
                test: target.kind != "custom-build",
            },
            message: diagnostic,
        }),
        None => to_json(&diagnostic),
    };
    out.push_str(&line);
    out.push('\n');
}

/// Cargo's package id spec for a path package: `path+file:///dir#name@1.0.0`.
fn package_id(target: &CargoTarget) -> String {
    format!(
        "path+file://{}#{}@{}",
        uri_path(&target.package_dir.to_string_lossy()),
        target.package_name,
        target.package_version
    )
}

fn crate_type(kind: &str) -> &'static str {
    if kind == "lib" {
        "lib"
    } else {
        "bin"
    }
}

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("cargo messages have string keys and no fallible fields")
}

fn finding_diagnostic(finding: &Finding, sources: &SourceMap) -> RustcDiagnostic {
    let mut spans = Vec::new();
    spans.extend(span(
        finding.primary,
        sources,
        true,
        Some(finding.primary_label.clone()),
    ));
    if let Some(acquired_at) = finding.acquired_at.filter(|at| *at != finding.primary) {
        spans.extend(span(
            acquired_at,
            sources,
            false,
            Some(finding.acquire_label.clone()),
        ));
    }
    let mut children = Vec::new();
    if !finding.help.is_empty() {
        children.push(child("help", finding.help.clone(), Vec::new()));
    }
    // A suggestion as rustc writes one: a `help` child whose spans carry
    // the replacement text; rust-analyzer offers it as a quick fix.
    if let Some(fix) = &finding.fix {
        let spans = fix
            .edits
            .iter()
            .filter_map(|edit| {
                let location = Location {
                    file: edit.file,
                    span: edit.span,
                };
                let mut span = span(location, sources, true, None)?;
                span.suggested_replacement = Some(edit.replacement.clone());
                span.suggestion_applicability = Some(fix.applicability.rustc_name().to_string());
                Some(span)
            })
            .collect();
        children.push(child("help", fix.message.clone(), spans));
    }
    // One note per step: editors show each as related information that
    // jumps to its line.
    for (index, step) in finding.path.iter().enumerate() {
        children.push(child(
            "note",
            format!("path, step {}: {}", index + 1, step.note),
            span(step.at, sources, true, None).into_iter().collect(),
        ));
    }
    children.push(child(
        "help",
        format!("for further information visit {}", lint_url(finding.lint)),
        Vec::new(),
    ));
    let lint = finding.lint.name();
    RustcDiagnostic {
        message_type: "diagnostic",
        message: finding.message.clone(),
        code: Some(Code {
            code: format!("connleak::{lint}"),
            explanation: None,
        }),
        level: level_word(finding.level),
        spans,
        children,
        rendered: Some(human::render_finding(finding, sources)),
    }
}

fn error_diagnostic(error: &FileError, sources: &SourceMap) -> RustcDiagnostic {
    let source = sources
        .files
        .iter()
        .position(|source| source.display == error.file);
    let spans = match (source, error.line) {
        (Some(file), Some(line)) => {
            let whole_line = Location {
                file,
                span: crate::source::Span {
                    start: Pos { line, column: 0 },
                    end: Pos {
                        line,
                        column: u32::try_from(
                            sources
                                .get(file)
                                .map_or(0, |source| source.line_text(line).chars().count()),
                        )
                        .unwrap_or(u32::MAX),
                    },
                },
            };
            span(whole_line, sources, true, None).into_iter().collect()
        }
        _ => Vec::new(),
    };
    let place = match error.line {
        Some(line) => format!("{}:{line}", error.file),
        None => error.file.clone(),
    };
    RustcDiagnostic {
        message_type: "diagnostic",
        message: format!("{place}: {}", error.message),
        code: None,
        level: "error",
        spans,
        children: Vec::new(),
        rendered: Some(format!("error: {place}: {}\n", error.message)),
    }
}

fn child(level: &'static str, message: String, spans: Vec<Span>) -> RustcDiagnostic {
    RustcDiagnostic {
        message_type: "diagnostic",
        message,
        code: None,
        level,
        spans,
        children: Vec::new(),
        rendered: None,
    }
}

/// A rustc span: byte offsets into the file, 1-based lines and char
/// columns (end exclusive), and the text of every line it covers. `None`
/// when the file is unknown: there is nothing to point at.
fn span(
    location: Location,
    sources: &SourceMap,
    is_primary: bool,
    label: Option<String>,
) -> Option<Span> {
    let source = sources.get(location.file)?;
    let bytes = byte_range(sources, location)?;
    let ((line_start, column_start), (line_end, column_end)) = one_based_region(location);
    // Lines past the end of the file have no text to show.
    let last_line = u32::try_from(source.line_count()).unwrap_or(u32::MAX);
    let text = (line_start.min(last_line)..=line_end.min(last_line))
        .map(|line| {
            let line_text = source.line_text(line);
            let width = u32::try_from(line_text.chars().count())
                .unwrap_or(u32::MAX)
                .saturating_add(1);
            SpanLine {
                text: line_text.to_string(),
                highlight_start: if line == line_start {
                    column_start.min(width)
                } else {
                    1
                },
                highlight_end: if line == line_end {
                    column_end.min(width)
                } else {
                    width
                },
            }
        })
        .collect();
    Some(Span {
        file_name: source.display.clone(),
        byte_start: u32::try_from(bytes.start).unwrap_or(u32::MAX),
        byte_end: u32::try_from(bytes.end).unwrap_or(u32::MAX),
        line_start,
        line_end,
        column_start,
        column_end,
        is_primary,
        text,
        label,
        suggested_replacement: None,
        suggestion_applicability: None,
        expansion: None,
    })
}

fn level_word(level: Level) -> &'static str {
    match level {
        Level::Deny => "error",
        Level::Warn | Level::Allow => "warning",
    }
}

#[derive(Serialize)]
struct CompilerMessage {
    reason: &'static str,
    package_id: String,
    manifest_path: String,
    target: TargetDto,
    message: RustcDiagnostic,
}

#[derive(Serialize)]
struct TargetDto {
    kind: Vec<&'static str>,
    crate_types: Vec<&'static str>,
    name: String,
    src_path: String,
    edition: String,
    doc: bool,
    doctest: bool,
    test: bool,
}

#[derive(Serialize)]
struct BuildFinished {
    reason: &'static str,
    success: bool,
}

#[derive(Serialize)]
struct RustcDiagnostic {
    #[serde(rename = "$message_type")]
    message_type: &'static str,
    message: String,
    code: Option<Code>,
    level: &'static str,
    spans: Vec<Span>,
    children: Vec<RustcDiagnostic>,
    rendered: Option<String>,
}

#[derive(Serialize)]
struct Code {
    code: String,
    explanation: Option<String>,
}

#[derive(Serialize)]
struct Span {
    file_name: String,
    byte_start: u32,
    byte_end: u32,
    line_start: u32,
    line_end: u32,
    column_start: u32,
    column_end: u32,
    is_primary: bool,
    text: Vec<SpanLine>,
    label: Option<String>,
    suggested_replacement: Option<String>,
    suggestion_applicability: Option<String>,
    expansion: Option<()>,
}

#[derive(Serialize)]
struct SpanLine {
    text: String,
    highlight_start: u32,
    highlight_end: u32,
}
