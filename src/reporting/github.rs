//! `--format github`: GitHub Actions workflow commands, one line per finding
//! (`::error` for deny, `::warning` for warn) and one `::error` per file that
//! could not be checked. The runner turns them into annotations on the pull
//! request's diff.
//!
//! GitHub's escaping: in the message, `%`, `\r` and `\n` become `%25`, `%0D`
//! and `%0A`; in properties (`file=`, `title=`...) `:` and `,` are escaped
//! too, as `%3A` and `%2C`. `col` is 1-based; `endColumn` is the 1-based
//! column of the last character, inclusive, as GitHub draws it.

use crate::findings::{Finding, Level};

use crate::reporting::{display_path, lint_url, one_based_region};
use crate::source::FileError;
use crate::source::SourceMap;
use crate::Report;

/// Renders every finding, then every error, one command per line.
pub fn render(report: &Report) -> String {
    let prefix = report.repository_prefix();
    let mut out = String::new();
    for finding in &report.findings {
        out.push_str(&finding_command(finding, &report.sources, &prefix));
        out.push('\n');
    }
    for error in &report.errors {
        out.push_str(&error_command(error, &prefix));
        out.push('\n');
    }
    out
}

/// A display name from the repository root: relative names get the
/// prefix, absolute ones stay as they are.
pub(crate) fn from_repository_root(prefix: &str, display: &str) -> String {
    if display.starts_with('/') || prefix.is_empty() {
        display.to_string()
    } else if display == "." {
        prefix.trim_end_matches('/').to_string()
    } else {
        format!("{prefix}{display}")
    }
}

fn finding_command(finding: &Finding, sources: &SourceMap, prefix: &str) -> String {
    let command = match finding.level {
        Level::Deny => "error",
        Level::Warn | Level::Allow => "warning",
    };
    let ((line, column), (end_line, end_column_exclusive)) = one_based_region(finding.primary);
    // Inclusive end; an empty span still marks the character it starts at.
    let end_column = if end_line == line {
        end_column_exclusive.saturating_sub(1).max(column)
    } else {
        end_column_exclusive.saturating_sub(1).max(1)
    };
    let file = from_repository_root(prefix, display_path(sources, finding.primary.file));
    let mut message = finding.message.clone();
    if let Some(acquired_at) = finding.acquired_at {
        if acquired_at != finding.primary {
            message.push_str(&format!(
                "\nnote: {} at {}:{}:{}",
                finding.acquire_label,
                from_repository_root(prefix, display_path(sources, acquired_at.file)),
                acquired_at.span.start.line,
                acquired_at.span.start.column.saturating_add(1)
            ));
        }
    }
    if !finding.help.is_empty() {
        message.push_str("\nhelp: ");
        message.push_str(&finding.help);
    }
    if let Some(fix) = &finding.fix {
        message.push_str(&format!("\nhelp: {}: `{}`", fix.message, fix.code));
    }
    message.push_str(&format!("\nsee {}", lint_url(finding.lint)));
    format!(
        "::{command} file={},line={line},col={column},endLine={end_line},endColumn={end_column},title={}::{}",
        escape_property(&file),
        escape_property(&format!("connleak({})", finding.lint.name())),
        escape_data(&message)
    )
}

fn error_command(error: &FileError, prefix: &str) -> String {
    let line = error
        .line
        .map(|line| format!(",line={}", line.max(1)))
        .unwrap_or_default();
    format!(
        "::error file={}{line},title=connleak::{}",
        escape_property(&from_repository_root(prefix, &error.file)),
        escape_data(&error.message)
    )
}

/// The message part of a workflow command.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value of a workflow command: also `:` and `,`, which
/// separate the command from its message and properties from each other.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_runner_expects() {
        assert_eq!(
            escape_data("100% done\r\nnext: a, b"),
            "100%25 done%0D%0Anext: a, b"
        );
        assert_eq!(escape_property("src/a,b:c%.rs\n"), "src/a%2Cb%3Ac%25.rs%0A");
        // `%` first: escaping must not escape its own escapes.
        assert_eq!(escape_property(":"), "%3A");
        assert_eq!(escape_data("%0A"), "%250A");
    }
}
