//! `--statistics`: how many findings of each lint, and in each crate,
//! instead of the findings one by one; errors are still listed. For a first
//! look at a large codebase, and for tracking progress.

use std::collections::BTreeMap;
use std::io;

use crate::Report;

/// Two tables, each sorted by count (most first), then by name.
pub fn render(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    let mut per_lint: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    let mut per_crate: BTreeMap<String, usize> = BTreeMap::new();
    for finding in &report.findings {
        let entry = per_lint
            .entry(finding.lint.name())
            .or_insert((0, finding.level.severity()));
        entry.0 += 1;
        let crate_name = report
            .file_packages
            .get(finding.primary.file)
            .copied()
            .flatten()
            .and_then(|id| report.workspace.packages.get(id))
            .map(|package| package.name.clone())
            .unwrap_or_else(|| String::from("(no crate)"));
        *per_crate.entry(crate_name).or_default() += 1;
    }
    let width = report.findings.len().to_string().len();
    let mut lints: Vec<(&str, usize, &str)> = per_lint
        .into_iter()
        .map(|(lint, (count, severity))| (lint, count, severity))
        .collect();
    lints.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    if !lints.is_empty() {
        writeln!(out, "findings per lint:")?;
        let name_width = lints.iter().map(|(name, ..)| name.len()).max().unwrap_or(0);
        for (lint, count, severity) in lints {
            writeln!(out, "  {count:>width$}  {lint:name_width$}  {severity}")?;
        }
        let mut crates: Vec<(String, usize)> = per_crate.into_iter().collect();
        crates.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        writeln!(out, "findings per crate:")?;
        for (name, count) in crates {
            writeln!(out, "  {count:>width$}  {name}")?;
        }
    }
    if report.stats.over_bounds > 0 {
        writeln!(
            out,
            "files over a bound (not checked, or their findings withheld): {}",
            report.stats.over_bounds
        )?;
    }
    for error in &report.errors {
        match error.line {
            Some(line) => writeln!(out, "error: {}:{line}: {}", error.file, error.message)?,
            None => writeln!(out, "error: {}: {}", error.file, error.message)?,
        }
    }
    Ok(())
}
