//! `--format json`: one document, DESIGN §3.

use crate::Report;

pub fn render(report: &Report) -> String {
    let _ = report;
    String::from("{}")
}
