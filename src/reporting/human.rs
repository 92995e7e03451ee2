//! rustc-style text through codespan-reporting.

use codespan_reporting::term::termcolor::WriteColor;

use crate::Report;

/// Renders every error and finding, then a closing summary line.
pub fn render(report: &Report, out: &mut dyn WriteColor) -> std::io::Result<()> {
    let _ = (report, out);
    Ok(())
}
