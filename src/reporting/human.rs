//! rustc-style text through codespan-reporting: one diagnostic per finding
//! (primary label where it goes wrong, a secondary label at the acquire, the
//! steps of the witness path that matter as labels and a numbered note),
//! then the files that could not be checked (a configuration error with its
//! snippet, as rustc shows code), then a one-line summary. As rustc does,
//! the level note, the suppression hint and the `--explain` hint are given
//! once per lint, on its first finding.
//!
//! Colour is the caller's choice, made through the `WriteColor` it passes
//! (`NoColor` for tests and pipes); this module only names styles.

use std::collections::BTreeSet;
use std::io;
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic, Label, Severity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::termcolor::{ColorSpec, NoColor, WriteColor};
use codespan_reporting::term::{self, Chars, Config};

use crate::config::ConfigError;
use crate::findings::{Finding, Level};
use crate::fixes::Applicability;
use crate::flow::PathStep;
use crate::lexer;
use crate::reporting::{byte_range, display_path, lint_url};
use crate::rules::Lint;
use crate::source::SourceMap;
use crate::source::{FileError, FileId, Location};
use crate::Report;

/// Path steps shown as labels in the snippet; beyond this the snippet turns
/// into a wall of dashes, and the numbered path note carries the rest.
const MAX_PATH_LABELS: usize = 6;

/// Renders every finding, then every error, then a closing summary line.
pub fn render(report: &Report, out: &mut dyn WriteColor) -> io::Result<()> {
    render_findings(report, out)?;
    write_summary(report, out)
}

/// Every finding, then every error, without the summary line (`-q`).
pub fn render_findings(report: &Report, out: &mut dyn WriteColor) -> io::Result<()> {
    let config = config();
    let mut explained: BTreeSet<Lint> = BTreeSet::new();
    for finding in &report.findings {
        let first_of_its_lint = explained.insert(finding.lint);
        emit(
            out,
            &config,
            &report.sources,
            &finding_diagnostic(finding, &report.sources, first_of_its_lint),
        )?;
    }
    for error in &report.errors {
        let detailed = report
            .configuration_errors
            .iter()
            .find(|detailed| detailed.to_file_error() == *error);
        match detailed {
            Some(detailed) => emit_configuration_error(out, &config, detailed)?,
            None => emit(out, &config, &report.sources, &error_diagnostic(error))?,
        }
    }
    Ok(())
}

/// A configuration error as rustc shows a compile error: the file, the
/// line, the text at fault underlined, and the suggestion.
fn emit_configuration_error(
    out: &mut dyn WriteColor,
    config: &Config,
    error: &ConfigError,
) -> io::Result<()> {
    let Some(snippet) = &error.snippet else {
        return emit(
            out,
            config,
            &SourceMap::default(),
            &error_diagnostic(&error.to_file_error()),
        );
    };
    let file = SimpleFile::new(error.file.as_str(), snippet.text.as_str());
    let span = clamp(snippet.span.clone(), snippet.text.len());
    let mut diagnostic = Diagnostic::error()
        .with_message(&error.message)
        .with_labels(vec![Label::primary((), span)]);
    if let Some(help) = &error.help {
        diagnostic = diagnostic.with_notes(vec![format!("help: {help}")]);
    }
    term::emit_to_write_style(out, config, &file, &diagnostic).map_err(|error| match error {
        codespan_reporting::files::Error::Io(error) => error,
        other => io::Error::other(other.to_string()),
    })
}

fn clamp(span: Range<usize>, length: usize) -> Range<usize> {
    let start = span.start.min(length);
    start..span.end.clamp(start, length)
}

fn config() -> Config {
    Config {
        // `-->` and `|` as rustc and clippy draw them: users know that layout,
        // and editors' problem matchers parse its `--> file:line:col`.
        chars: Chars::ascii(),
        ..Config::default()
    }
}

/// One finding as uncoloured rustc-style text, for formats that carry a
/// rendered diagnostic (cargo's `rendered`).
pub fn render_finding(finding: &Finding, sources: &SourceMap) -> String {
    let mut out = NoColor::new(Vec::new());
    // Writing to a Vec cannot fail, and locations are clamped; if rendering
    // still failed, the message alone is better than nothing.
    match emit(
        &mut out,
        &config(),
        sources,
        &finding_diagnostic(finding, sources, true),
    ) {
        Ok(()) => String::from_utf8_lossy(&out.into_inner()).into_owned(),
        Err(_) => format!("{}: {}\n", finding.level.severity(), finding.message),
    }
}

fn emit(
    out: &mut dyn WriteColor,
    config: &Config,
    sources: &SourceMap,
    diagnostic: &Diagnostic<FileId>,
) -> io::Result<()> {
    term::emit_to_write_style(out, config, sources, diagnostic).map_err(|error| match error {
        codespan_reporting::files::Error::Io(error) => error,
        other => io::Error::other(other.to_string()),
    })
}

/// One finding; `with_lint_notes` adds the level note and the hints that
/// are given once per lint.
fn finding_diagnostic(
    finding: &Finding,
    sources: &SourceMap,
    with_lint_notes: bool,
) -> Diagnostic<FileId> {
    let lint = finding.lint.name();
    let severity = match finding.level {
        Level::Deny => Severity::Error,
        Level::Warn | Level::Allow => Severity::Warning,
    };
    let mut labels = Vec::new();
    let mut notes = Vec::new();

    match byte_range(sources, finding.primary) {
        Some(range) => labels
            .push(Label::primary(finding.primary.file, range).with_message(&finding.primary_label)),
        // Without its file there is nothing to point at; say where it was.
        None => notes.push(format!(
            "note: at {}: {}",
            describe_location(sources, finding.primary),
            finding.primary_label
        )),
    }

    // Locations that already carry a label: a path step there adds nothing
    // but a second underline on the same text.
    let mut labelled_at = vec![finding.primary];
    if let Some(acquired_at) = finding.acquired_at.filter(|at| *at != finding.primary) {
        match byte_range(sources, acquired_at) {
            Some(range) => labels.push(
                Label::secondary(acquired_at.file, range).with_message(&finding.acquire_label),
            ),
            None => notes.push(format!(
                "note: acquired at {}: {}",
                describe_location(sources, acquired_at),
                finding.acquire_label
            )),
        }
        labelled_at.push(acquired_at);
    }

    let steps = steps_that_matter(finding, sources);
    let mut path_labels = 0;
    let mut every_step_labelled = true;
    for step in steps.iter().copied() {
        if labelled_at.contains(&step.at) {
            continue;
        }
        let range = byte_range(sources, first_line_of(step.at, sources));
        match range {
            Some(range)
                if step.at.file == finding.primary.file && path_labels < MAX_PATH_LABELS =>
            {
                labels.push(Label::secondary(step.at.file, range).with_message(&step.note));
                labelled_at.push(step.at);
                path_labels += 1;
            }
            _ => every_step_labelled = false,
        }
    }
    if !every_step_labelled {
        notes.push(path_note(finding, &steps, sources));
    }

    if !finding.help.is_empty() {
        notes.push(format!("help: {}", finding.help));
    }
    if let Some(fix) = &finding.fix {
        // rustc's inline form of a suggestion: `help: <what>: `<code>``.
        notes.push(format!("help: {}: `{}`", fix.message, fix.code));
    }
    if with_lint_notes {
        notes.push(level_note(finding));
        notes.push(format!(
            "help: for details, run `cargo connleak --explain {lint}` or see {}",
            lint_url(finding.lint)
        ));
    }

    Diagnostic::new(severity)
        .with_code(lint)
        .with_message(&finding.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// The whole witness path as a numbered list, for when the labels cannot show
/// all of it (steps in other files, or too many steps). Steps in the finding's
/// own file give only the line, others the file as well.
fn path_note(finding: &Finding, steps: &[&PathStep], sources: &SourceMap) -> String {
    let mut note = String::from("note: path:");
    for (index, step) in steps.iter().enumerate() {
        let same_file = step.at.file == finding.primary.file && sources.get(step.at.file).is_some();
        let place = if same_file {
            format!("line {}", step.at.span.start.line)
        } else {
            describe_location(sources, step.at)
        };
        note.push_str(&format!("\n{}. {}: {}", index + 1, place, step.note));
    }
    note
}

/// Why this finding is shown at this level and how to silence one, in the
/// manner of clippy's "`#[warn(...)]` on by default".
fn level_note(finding: &Finding) -> String {
    let lint = finding.lint.name();
    let level = match finding.level {
        Level::Deny => "deny",
        Level::Warn => "warn",
        Level::Allow => "allow",
    };
    let origin = if finding.level == finding.lint.info().default_level {
        "by default"
    } else {
        "by configuration"
    };
    if finding.lint.is_about_suppressions() {
        // Comments cannot suppress these; only levels can.
        return format!(
            "note: `{lint}` is {level} {origin}; set its level under `[lints]` in connleak.toml"
        );
    }
    format!(
        "note: `{lint}` is {level} {origin}; silence one with \
         `// connleak: allow({lint}) -- <reason>`"
    )
}

/// The steps of the witness path worth reading: every step but the
/// conditions that do not decide whether the problem happens. A condition
/// that holds matters when what follows it on the path lies in its `if`
/// block; one that does not hold, when what follows lies in its `else`.
/// The others (`if x { log }` passed on the way) are left out; the machine
/// formats keep the whole path.
fn steps_that_matter<'f>(finding: &'f Finding, sources: &SourceMap) -> Vec<&'f PathStep> {
    let steps = &finding.path;
    let mut kept = Vec::with_capacity(steps.len());
    for (index, step) in steps.iter().enumerate() {
        let Some(holds) = condition_outcome(step) else {
            kept.push(step);
            continue;
        };
        let next = steps[index + 1..]
            .iter()
            .find(|later| condition_outcome(later).is_none())
            .map_or(finding.primary, |later| later.at);
        if next.file != step.at.file {
            kept.push(step);
            continue;
        }
        let Some(source) = sources.get(step.at.file) else {
            kept.push(step);
            continue;
        };
        let Some((then_block, else_part)) =
            branch_extents(&source.text, source.offset(step.at.span.end))
        else {
            kept.push(step);
            continue;
        };
        let target = source.offset(next.span.start);
        let leads_there = if holds {
            then_block.contains(&target)
        } else {
            else_part.is_some_and(|part| part.contains(&target))
        };
        if leads_there {
            kept.push(step);
        }
    }
    kept
}

/// `Some(true)` for "the condition holds", `Some(false)` for "does not
/// hold", `None` for any other step (lowering's words for an `if` or a
/// `while` condition).
fn condition_outcome(step: &PathStep) -> Option<bool> {
    match step.note.as_str() {
        "the condition holds" => Some(true),
        "the condition does not hold" => Some(false),
        _ => None,
    }
}

/// After the condition of an `if` (`after_condition` is where it ends):
/// the byte range of its block, and of its `else` part (the `else` block,
/// or the whole `else if` chain). `None` when no block follows the
/// condition at once (a match guard, say).
fn branch_extents(
    text: &str,
    after_condition: usize,
) -> Option<(Range<usize>, Option<Range<usize>>)> {
    let open = lexer::skip_trivia(text, after_condition);
    let close = lexer::matching_close(text, open).filter(|_| text.as_bytes()[open] == b'{')?;
    let then_block = open..close + 1;
    let after = lexer::skip_trivia(text, close + 1);
    if !text[after..].starts_with("else") {
        return Some((then_block, None));
    }
    // The else part runs to the end of the last block of the chain.
    let mut end = after;
    let mut cursor = after + "else".len();
    loop {
        let next = lexer::skip_trivia(text, cursor);
        let block_start = if text[next..].starts_with("if") {
            text[next..].find('{').map(|found| next + found)
        } else {
            Some(next)
        };
        let Some(block_start) = block_start else {
            break;
        };
        let Some(block_end) = lexer::matching_close(text, block_start) else {
            break;
        };
        end = block_end + 1;
        let following = lexer::skip_trivia(text, end);
        if !text[next..].starts_with("if") || !text[following..].starts_with("else") {
            break;
        }
        cursor = following + "else".len();
    }
    Some((then_block, Some(after..end)))
}

/// A multi-line path step (a whole loop, a match) would be drawn as a tall
/// bracket; its first line is enough to say where it is.
fn first_line_of(location: Location, sources: &SourceMap) -> Location {
    let mut clipped = location;
    if location.span.end.line > location.span.start.line {
        if let Some(source) = sources.get(location.file) {
            let line = source.line_text(location.span.start.line);
            clipped.span.end.line = location.span.start.line;
            clipped.span.end.column = u32::try_from(line.trim_end().chars().count())
                .unwrap_or(u32::MAX)
                .max(location.span.start.column);
        }
    }
    clipped
}

/// `file:line:column`, 1-based, as the `-->` line writes it.
fn describe_location(sources: &SourceMap, location: Location) -> String {
    format!(
        "{}:{}:{}",
        display_path(sources, location.file),
        location.span.start.line,
        location.span.start.column.saturating_add(1)
    )
}

fn error_diagnostic(error: &FileError) -> Diagnostic<FileId> {
    let message = match error.line {
        Some(line) => format!("{}:{}: {}", error.file, line, error.message),
        // "no Rust files under PATH" already names its file.
        None if error.message.ends_with(&format!(" {}", error.file)) => error.message.clone(),
        None => format!("{}: {}", error.file, error.message),
    };
    Diagnostic::error().with_message(message)
}

/// `connleak: 2 errors, 1 warning in 14 files (1 file could not be checked)`.
pub fn write_summary(report: &Report, out: &mut dyn WriteColor) -> io::Result<()> {
    out.set_color(ColorSpec::new().set_bold(true))?;
    write!(out, "{}", summary_line(report))?;
    out.reset()?;
    writeln!(out)
}

/// The closing summary, without its styling: also what `--format short`
/// ends with.
pub fn summary_line(report: &Report) -> String {
    let errors = count_at(report, Level::Deny);
    let warnings = count_at(report, Level::Warn);
    let mut counts = Vec::new();
    if errors > 0 {
        counts.push(plural(errors, "error", "errors"));
    }
    if warnings > 0 {
        counts.push(plural(warnings, "warning", "warnings"));
    }
    let found = if counts.is_empty() {
        String::from("no findings")
    } else {
        counts.join(", ")
    };
    if report.stats.files == 0 && !report.errors.is_empty() {
        return format!(
            "connleak: nothing checked ({})",
            plural(report.errors.len(), "error", "errors")
        );
    }
    let mut summary = {
        format!(
            "connleak: {found} in {}",
            plural(report.stats.files, "file", "files")
        )
    };
    let mut unchecked: Vec<&str> = report.errors.iter().map(|e| e.file.as_str()).collect();
    unchecked.sort_unstable();
    unchecked.dedup();
    if !unchecked.is_empty() {
        summary.push_str(&format!(
            " ({} could not be checked)",
            plural(unchecked.len(), "file", "files")
        ));
    }
    let hidden = &report.hidden;
    let mut not_shown = Vec::new();
    if hidden.in_baseline > 0 {
        not_shown.push(format!("{} in the baseline", hidden.in_baseline));
    }
    if hidden.outside_changes > 0 {
        not_shown.push(format!(
            "{} outside the changed lines",
            hidden.outside_changes
        ));
    }
    if hidden.in_test_code > 0 {
        not_shown.push(format!(
            "{} in test code (--include-tests, or `test-code = \"report\"` in the configuration, shows {})",
            hidden.in_test_code,
            if hidden.in_test_code == 1 { "it" } else { "them" }
        ));
    }
    if !not_shown.is_empty() {
        summary.push_str(&format!("; not shown: {}", not_shown.join(", ")));
    }
    let fixable = report
        .findings
        .iter()
        .filter(|finding| {
            finding
                .fix
                .as_ref()
                .is_some_and(|fix| fix.applicability == Applicability::MachineApplicable)
        })
        .count();
    if fixable > 0 {
        summary.push_str(&format!(
            "; {} with `--fix`",
            plural(fixable, "can be fixed", "can be fixed")
        ));
    }
    if hidden.fixed_since_baseline > 0 {
        summary.push_str(&format!(
            "; {} fixed (--list-fixed lists them)",
            plural(
                hidden.fixed_since_baseline,
                "baseline entry",
                "baseline entries"
            )
        ));
    }
    summary
}

fn count_at(report: &Report, level: Level) -> usize {
    report.findings.iter().filter(|f| f.level == level).count()
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}
