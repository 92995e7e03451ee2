//! Suggested fixes: for a finding whose rule names a remedy ([`Remedy`]),
//! the edits in the text that carry it out, and how sure they are
//! ([`Applicability`]), as rustc and clippy grade their suggestions.
//!
//! A fix is machine-applicable only where it is certain: the connection is
//! a plain local binding of the body that acquired it (the flow analysis
//! says which: [`crate::flow::Holder`]), the statements around it are
//! siblings of one block, and no statement after the point of the fix names
//! it. Where a person must judge (committing a transaction, a value that may
//! borrow from the connection), the fix is `MaybeIncorrect`: shown,
//! never applied by `--fix`. Where the text leaves any doubt, there is no
//! fix, only the finding's help.
//!
//! Owns the edits and their selection for `--fix` and `--diff`
//! ([`applying`] writes them); reads findings, source text and the syntax
//! of the statements involved ([`statements`]), and nothing of the flow
//! analysis beyond what a finding carries.

pub mod applying;
mod commit;
mod release;
pub mod statements;
mod text;

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::findings::Finding;
use crate::flow::Holder;
use crate::source::{FileId, SourceFile, SourceMap, Span};

/// What would fix a finding, as the rule that made it sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remedy {
    /// Give the connection back before the unrelated `.await` (when nothing
    /// uses it after), or take it only after (when nothing used it before).
    ReleaseBeforeAwait {
        holder: Holder,
        /// A transaction: dropping it rolls it back, so only moving its
        /// `begin` is offered.
        transaction: bool,
    },
    /// Commit the transaction before this success exit.
    CommitBeforeExit { holder: Holder },
}

/// How sure a fix is, in rustc's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Applicability {
    /// Certain: `--fix` applies it.
    MachineApplicable,
    /// Likely right, but a person decides: shown, never applied.
    MaybeIncorrect,
}

impl Applicability {
    /// rustc's name, as cargo's JSON messages carry it.
    pub fn rustc_name(self) -> &'static str {
        match self {
            Applicability::MachineApplicable => "MachineApplicable",
            Applicability::MaybeIncorrect => "MaybeIncorrect",
        }
    }

    /// The name in connleak's own JSON and HTML.
    pub fn name(self) -> &'static str {
        match self {
            Applicability::MachineApplicable => "machine-applicable",
            Applicability::MaybeIncorrect => "maybe-incorrect",
        }
    }
}

/// One replacement in one file: `span` (possibly empty: an insertion) is
/// replaced by `replacement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub file: FileId,
    pub span: Span,
    pub replacement: String,
}

/// A suggested fix: what it does, the code it writes (for one-line
/// displays), how sure it is, and its edits, in text order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// Starts lowercase, no trailing period: "drop `conn` before this `.await`".
    pub message: String,
    /// The code written, on one line: `drop(conn);`.
    pub code: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
}

/// Works out the fix of every finding that has a remedy and is `wanted`, in
/// parallel over files. Each file is parsed once, on a worker of the current
/// pool.
pub fn suggest_all(
    findings: &mut [Finding],
    sources: &SourceMap,
    wanted: impl Fn(&Finding) -> bool,
) {
    let mut by_file: BTreeMap<FileId, Vec<usize>> = BTreeMap::new();
    for (index, finding) in findings.iter().enumerate() {
        if finding.remedy.is_some() && wanted(finding) {
            by_file.entry(finding.primary.file).or_default().push(index);
        }
    }
    let groups: Vec<(FileId, Vec<usize>)> = by_file.into_iter().collect();
    let suggested: Vec<Vec<(usize, Fix)>> = groups
        .par_iter()
        .map(|(file, indices)| {
            let Some(source) = sources.get(*file) else {
                return Vec::new();
            };
            let fixes = suggest_in_file(source, indices, findings);
            // The spans of this parse are no longer needed (see parsing).
            proc_macro2::extra::invalidate_current_thread_spans();
            fixes
        })
        .collect();
    for (index, fix) in suggested.into_iter().flatten() {
        findings[index].fix = Some(fix);
    }
}

fn suggest_in_file(
    source: &SourceFile,
    indices: &[usize],
    findings: &[Finding],
) -> Vec<(usize, Fix)> {
    let Some(parsed) = statements::ParsedFile::parse(&source.text) else {
        return Vec::new();
    };
    let mut fixes = Vec::new();
    for &index in indices {
        let finding = &findings[index];
        let fix = match finding.remedy {
            Some(Remedy::ReleaseBeforeAwait {
                holder,
                transaction,
            }) => release::suggest(&parsed, source, finding, holder, transaction),
            Some(Remedy::CommitBeforeExit { holder }) => {
                commit::suggest(&parsed, source, finding, holder)
            }
            None => None,
        };
        if let Some(fix) = fix {
            fixes.push((index, fix));
        }
    }
    fixes
}

/// The text with the edits applied; `None` when two edits overlap (or an
/// edit lies outside the text), so that nothing half-applied is written.
pub fn apply_edits(source: &SourceFile, edits: &[&Edit]) -> Option<String> {
    let mut ranges: Vec<(usize, usize, &str)> = Vec::new();
    for edit in edits {
        let start = text::offset(source, edit.span.start)?;
        let end = text::offset(source, edit.span.end)?;
        if end < start {
            return None;
        }
        ranges.push((start, end, edit.replacement.as_str()));
    }
    ranges.sort_by_key(|&(start, end, _)| (start, end));
    let mut out = String::with_capacity(source.text.len() + 64);
    let mut cursor = 0;
    for (start, end, replacement) in ranges {
        if start < cursor {
            return None;
        }
        out.push_str(&source.text[cursor..start]);
        out.push_str(replacement);
        cursor = end;
    }
    out.push_str(&source.text[cursor..]);
    Some(out)
}

/// The fixes one `--fix` or `--diff` round applies: machine-applicable
/// ones, at most one per function (two fixes in one body were each worked
/// out on the text as it was, so the second waits for the next round), and
/// none whose edits overlap another's. Returns them in report order, with
/// how many were held back for a later round.
pub fn round(findings: &[Finding]) -> (Vec<&Finding>, usize) {
    let mut chosen = Vec::new();
    let mut functions = BTreeSet::new();
    let mut taken: BTreeMap<FileId, Vec<Span>> = BTreeMap::new();
    let mut held_back = 0;
    for finding in findings {
        let Some(fix) = &finding.fix else { continue };
        if fix.applicability != Applicability::MachineApplicable {
            continue;
        }
        let key = (finding.primary.file, finding.enclosing_item.clone());
        let spans = taken.entry(finding.primary.file).or_default();
        let overlaps = fix.edits.iter().any(|edit| {
            spans
                .iter()
                .any(|span| edit.span.start < span.end && span.start < edit.span.end)
        });
        if functions.contains(&key) || overlaps {
            held_back += 1;
            continue;
        }
        functions.insert(key);
        spans.extend(fix.edits.iter().map(|edit| edit.span));
        chosen.push(finding);
    }
    (chosen, held_back)
}

/// The new text of every file a set of fixes touches, in file order;
/// files whose edits do not apply cleanly are left out.
pub fn fixed_texts(fixes: &[&Finding], sources: &SourceMap) -> Vec<(FileId, String)> {
    let mut by_file: BTreeMap<FileId, Vec<&Edit>> = BTreeMap::new();
    for finding in fixes {
        if let Some(fix) = &finding.fix {
            for edit in &fix.edits {
                by_file.entry(edit.file).or_default().push(edit);
            }
        }
    }
    by_file
        .into_iter()
        .filter_map(|(file, edits)| {
            let source = sources.get(file)?;
            Some((file, apply_edits(source, &edits)?))
        })
        .collect()
}

/// A unified diff of each fixed file against its text as checked, in the
/// form `git diff` prints (`a/` and `b/` prefixes), for `--diff`.
pub fn unified_diff(fixed: &[(FileId, String)], sources: &SourceMap) -> String {
    let mut out = String::new();
    for (file, new_text) in fixed {
        let Some(source) = sources.get(*file) else {
            continue;
        };
        let diff = similar::TextDiff::from_lines(source.text.as_str(), new_text.as_str());
        let old_name = format!("a/{}", source.display);
        let new_name = format!("b/{}", source.display);
        out.push_str(&format!("--- {old_name}\n+++ {new_name}\n"));
        for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
            out.push_str(&hunk.to_string());
        }
    }
    out
}
