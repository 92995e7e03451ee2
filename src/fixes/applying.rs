//! `--fix` and `--diff`: one round of machine-applicable fixes
//! ([`super::round`]) written to the files, or shown as a diff.
//!
//! Like `cargo fix`, `--fix` refuses to touch a tree with uncommitted
//! changes (or one outside git), so that every edit it makes can be seen
//! with `git diff` and undone, unless `--allow-dirty` says otherwise. Each
//! fixed text must still parse before it is written, and every write goes
//! through [`crate::write_guard`]: inside the repository, never through a
//! symbolic link, and never over a file that changed since it was checked.

use std::path::Path;
use std::process::Command;

use crate::fixes::{self, Applicability};
use crate::parsing::WORKER_STACK_BYTES;
use crate::write_guard;
use crate::Report;

/// What a round of `--fix` did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Written {
    /// Findings fixed, and the files changed (display names, in order).
    pub fixed: usize,
    pub files: Vec<String>,
    /// Fixes kept for a later round (another fix in the same function).
    pub held_back: usize,
    /// Files that could not be written, and why.
    pub errors: Vec<String>,
}

/// Refuses when the tree at `root` has changes git does not have yet, or
/// is not in a git repository at all.
pub fn check_clean(root: &Path) -> Result<(), String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args([
            "-c",
            "core.fsmonitor=false",
            "status",
            "--porcelain=v1",
            "--untracked-files=all",
            "--",
            ".",
        ])
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|error| {
            format!(
                "--fix: cannot run git to see whether the tree is committed ({error}); \
                 pass --allow-dirty to fix anyway"
            )
        })?;
    if !output.status.success() {
        return Err(format!(
            "--fix: {} is not in a git repository, so the fixes could not be reviewed or undone; \
             pass --allow-dirty to fix anyway",
            std::fs::canonicalize(root)
                .unwrap_or_else(|_| root.to_path_buf())
                .display()
        ));
    }
    let status = String::from_utf8_lossy(&output.stdout);
    let dirty: Vec<&str> = status.lines().filter_map(|line| line.get(3..)).collect();
    if dirty.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = dirty.iter().take(8).copied().collect();
    let more = if dirty.len() > shown.len() {
        format!(" and {} more", dirty.len() - shown.len())
    } else {
        String::new()
    };
    Err(format!(
        "--fix: the working tree has uncommitted changes ({}{more}); commit or stash them \
         first, or pass --allow-dirty",
        shown.join(", ")
    ))
}

/// Writes one round of fixes of `report`, whose display names are
/// relative to `display_root`.
pub fn write_round(report: &Report, display_root: &Path) -> Written {
    let (chosen, held_back) = fixes::round(&report.findings);
    let mut written = Written {
        held_back,
        ..Written::default()
    };
    if chosen.is_empty() {
        return written;
    }
    let root = match write_guard::repository_root(display_root) {
        Ok(root) => root,
        Err(error) => {
            written.errors.push(error);
            return written;
        }
    };
    let texts = fixes::fixed_texts(&chosen, &report.sources);
    for (file, text) in texts {
        let Some(source) = report.sources.get(file) else {
            continue;
        };
        if !parses(&text) {
            written.errors.push(format!(
                "{}: the fixed text would not parse; not fixed (please report this)",
                source.display
            ));
            continue;
        }
        let path = if display_root == Path::new(".") {
            Path::new(&source.display).to_path_buf()
        } else {
            display_root.join(&source.display)
        };
        match write_guard::rewrite_file(&path, &source.text, &text, &root) {
            Ok(()) => {
                written.fixed += chosen
                    .iter()
                    .filter(|finding| finding.primary.file == file)
                    .count();
                written.files.push(source.display.clone());
            }
            Err(error) => written.errors.push(error),
        }
    }
    written
}

/// `--diff`: the unified diff of one round, and how many fixes it holds,
/// were held back, or need a person.
pub fn diff_round(report: &Report) -> (String, usize, usize, usize) {
    let (chosen, held_back) = fixes::round(&report.findings);
    let texts = fixes::fixed_texts(&chosen, &report.sources);
    let needs_a_person = report
        .findings
        .iter()
        .filter(|finding| {
            finding
                .fix
                .as_ref()
                .is_some_and(|fix| fix.applicability == Applicability::MaybeIncorrect)
        })
        .count();
    (
        fixes::unified_diff(&texts, &report.sources),
        chosen.len(),
        held_back,
        needs_a_person,
    )
}

/// Whether a fixed text parses, on a thread with the stack the parser
/// had for the original (deeply nested code needs it).
fn parses(text: &str) -> bool {
    let text = text.to_string();
    let parsed = std::thread::Builder::new()
        .stack_size(WORKER_STACK_BYTES)
        .spawn(move || {
            let ok = syn::parse_file(&text).is_ok();
            proc_macro2::extra::invalidate_current_thread_spans();
            ok
        })
        .and_then(|handle| {
            handle
                .join()
                .map_err(|_| std::io::Error::other("parser panicked"))
        });
    parsed.unwrap_or(false)
}
