//! `--format short`: one line per finding, as clippy's `--message-format
//! short` prints them (`file:line:column: level[lint]: message`), then one
//! line per file that could not be checked. Editors and `grep` read it;
//! the closing summary is the human format's.

use std::io;

use codespan_reporting::term::termcolor::{Color, ColorSpec, WriteColor};

use crate::findings::Level;
use crate::reporting::display_path;
use crate::Report;

/// One line per finding, then one per error.
pub fn render_findings(report: &Report, out: &mut dyn WriteColor) -> io::Result<()> {
    for finding in &report.findings {
        let start = finding.primary.span.start;
        write!(
            out,
            "{}:{}:{}: ",
            display_path(&report.sources, finding.primary.file),
            start.line.max(1),
            start.column.saturating_add(1)
        )?;
        let colour = match finding.level {
            Level::Deny => Color::Red,
            Level::Warn | Level::Allow => Color::Yellow,
        };
        out.set_color(ColorSpec::new().set_fg(Some(colour)).set_bold(true))?;
        write!(out, "{}[{}]", finding.level.severity(), finding.lint.name())?;
        out.reset()?;
        writeln!(out, ": {}", finding.message)?;
    }
    for error in &report.errors {
        let place = match error.line {
            Some(line) => format!("{}:{line}", error.file),
            None => error.file.clone(),
        };
        write!(out, "{place}: ")?;
        out.set_color(ColorSpec::new().set_fg(Some(Color::Red)).set_bold(true))?;
        write!(out, "error")?;
        out.reset()?;
        writeln!(out, ": {}", error.message)?;
    }
    Ok(())
}
