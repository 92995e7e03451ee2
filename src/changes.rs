//! `--changed-since REF`: which lines were added or changed since a git
//! revision, and the filter that keeps only findings touching them.
//!
//! The lines come from `git diff --unified=0 REF` (the working tree against
//! REF, so staged and unstaged edits both count), run as a subprocess; files
//! git does not track yet (untracked, not ignored) count as changed
//! throughout. Renames are followed (`-M`), so a moved file only brings the
//! lines edited in the move. A deletion marks the lines on either side of it,
//! since removing a `commit()` or a `drop` is a change to what surrounds it.
//!
//! A finding touches the change when its primary span, its acquire site or
//! the first line of any step of its witness path is on a changed line.
//! This module runs git and reads its output; it never runs anything else.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::source::{FileId, Location};
use crate::Report;

/// Changed lines per file, keyed by the file's canonical path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangedLines {
    files: BTreeMap<PathBuf, FileChange>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum FileChange {
    /// New to git: every line counts.
    Whole,
    /// Inclusive 1-based line ranges.
    Lines(Vec<(u32, u32)>),
}

impl ChangedLines {
    /// Asks git, in `workdir`, what changed since `revision`. Errors (not in
    /// a repository, unknown revision, git missing) are one clear sentence.
    pub fn since(workdir: &Path, revision: &str) -> Result<ChangedLines, String> {
        if revision.starts_with('-') || revision.is_empty() {
            // It would be read as an option by git.
            return Err(format!("invalid revision `{revision}` for --changed-since"));
        }
        let toplevel = git(workdir, &["rev-parse", "--show-toplevel"]).map_err(|problem| {
            format!(
                "--changed-since needs a git repository, and {} is not in one ({problem})",
                shown(workdir)
            )
        })?;
        let toplevel = PathBuf::from(toplevel.trim_end_matches(['\n', '\r']));
        let commit = format!("{revision}^{{commit}}");
        git(&toplevel, &["rev-parse", "--verify", "--quiet", &commit]).map_err(|_| {
            format!(
                "unknown revision `{revision}` for --changed-since (a branch, tag or commit of the repository; in CI, fetch it first)"
            )
        })?;
        // Explicit prefixes and no colour, whatever the user's git config says.
        let diff = git(
            &toplevel,
            &[
                "-c",
                "core.quotePath=false",
                "diff",
                "--no-color",
                "--no-ext-diff",
                "--no-textconv",
                "--unified=0",
                "-M",
                "--src-prefix=a/",
                "--dst-prefix=b/",
                revision,
                "--",
            ],
        )
        .map_err(|problem| format!("git diff {revision} failed: {problem}"))?;
        let untracked = git(
            &toplevel,
            &[
                "-c",
                "core.quotePath=false",
                "ls-files",
                "--others",
                "--exclude-standard",
                "-z",
            ],
        )
        .map_err(|problem| format!("git ls-files failed: {problem}"))?;

        let mut changed = ChangedLines::default();
        for (path, ranges) in parse_diff(&diff) {
            changed
                .files
                .insert(canonical(&toplevel.join(path)), FileChange::Lines(ranges));
        }
        for path in untracked.split('\0').filter(|path| !path.is_empty()) {
            changed
                .files
                .insert(canonical(&toplevel.join(path)), FileChange::Whole);
        }
        Ok(changed)
    }

    /// Keeps only the report's findings that touch a changed line, counting
    /// the others in `report.hidden`. `display_root` is the folder the
    /// report's file names are relative to ([`crate::Report::display_root`]).
    pub fn retain_touching(&self, report: &mut Report, display_root: &Path) {
        let mut paths: HashMap<FileId, Option<&FileChange>> = HashMap::new();
        let mut change_of = |file: FileId| -> Option<&FileChange> {
            *paths.entry(file).or_insert_with(|| {
                let source = report.sources.get(file)?;
                self.files
                    .get(&canonical(&display_root.join(&source.display)))
            })
        };
        let mut keep = Vec::with_capacity(report.findings.len());
        for finding in &report.findings {
            let mut places: Vec<(FileId, u32, u32)> = Vec::new();
            let whole = |location: Location| {
                let first = location.span.start.line;
                (location.file, first, location.span.end.line.max(first))
            };
            places.push(whole(finding.primary));
            places.extend(finding.acquired_at.map(whole));
            // A step can be a whole loop or match; its first line says
            // where it is, as the human output shows it.
            places.extend(finding.path.iter().map(|step| {
                (
                    step.at.file,
                    step.at.span.start.line,
                    step.at.span.start.line,
                )
            }));
            keep.push(places.into_iter().any(|(file, first, last)| {
                change_of(file).is_some_and(|change| change.touches(first, last))
            }));
        }
        let before = report.findings.len();
        let mut index = 0;
        report.findings.retain(|_| {
            index += 1;
            keep[index - 1]
        });
        report.hidden.outside_changes += before - report.findings.len();
    }
}

impl FileChange {
    fn touches(&self, first: u32, last: u32) -> bool {
        match self {
            FileChange::Whole => true,
            FileChange::Lines(ranges) => ranges
                .iter()
                .any(|&(start, end)| start <= last && first <= end),
        }
    }
}

/// Runs git; its stdout on success, else its first stderr line.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|error| format!("cannot run git: {error}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().next().unwrap_or("").trim();
        Err(if first.is_empty() {
            format!("git exited with {}", output.status)
        } else {
            first.to_string()
        })
    }
}

/// The changed line ranges of every file in a `--unified=0` diff, by path
/// relative to the repository root. Deleted files are left out.
fn parse_diff(diff: &str) -> Vec<(String, Vec<(u32, u32)>)> {
    let mut files: Vec<(String, Vec<(u32, u32)>)> = Vec::new();
    let mut current: Option<usize> = None;
    for line in diff.lines() {
        if line.starts_with("diff --git ") {
            current = None;
        } else if let Some(name) = line.strip_prefix("+++ ") {
            // git ends the name with a tab when it contains a space.
            let name = unquote(name.strip_suffix('\t').unwrap_or(name));
            current = match name.strip_prefix("b/") {
                Some(path) => {
                    files.push((path.to_string(), Vec::new()));
                    Some(files.len() - 1)
                }
                // `+++ /dev/null`: the file is deleted.
                None => None,
            };
        } else if line.starts_with("@@ ") {
            if let (Some(index), Some(range)) = (current, new_side_of_hunk(line)) {
                files[index].1.push(range);
            }
        }
    }
    files
}

/// `@@ -a,b +c,d @@`: the new side's lines `c..c+d-1`; with `d = 0` (only a
/// deletion, after line `c`) the lines on either side of the cut.
fn new_side_of_hunk(header: &str) -> Option<(u32, u32)> {
    let new_side = header.split(' ').find(|part| part.starts_with('+'))?;
    let mut numbers = new_side[1..].splitn(2, ',');
    let start: u32 = numbers.next()?.parse().ok()?;
    let count: u32 = match numbers.next() {
        Some(count) => count.parse().ok()?,
        None => 1,
    };
    if count == 0 {
        Some((start.max(1), start.saturating_add(1)))
    } else {
        Some((start, start.saturating_add(count - 1)))
    }
}

/// git quotes names with unusual characters C-style (`"b/a\"b"`, octal
/// escapes for raw bytes); plain names come through as they are.
fn unquote(name: &str) -> String {
    let Some(inner) = name
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    else {
        return name.to_string();
    };
    let mut bytes = Vec::new();
    let mut chars = inner.bytes().peekable();
    while let Some(byte) = chars.next() {
        if byte != b'\\' {
            bytes.push(byte);
            continue;
        }
        match chars.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(b'r') => bytes.push(b'\r'),
            Some(b'a') => bytes.push(0x07),
            Some(b'b') => bytes.push(0x08),
            Some(b'f') => bytes.push(0x0c),
            Some(b'v') => bytes.push(0x0b),
            Some(digit @ b'0'..=b'7') => {
                let mut value = u32::from(digit - b'0');
                for _ in 0..2 {
                    match chars.peek() {
                        Some(&next @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(next - b'0');
                            chars.next();
                        }
                        _ => break,
                    }
                }
                bytes.push(u8::try_from(value).unwrap_or(b'?'));
            }
            Some(other) => bytes.push(other),
            None => bytes.push(b'\\'),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The file behind a path, so that names from git and from discovery meet
/// whatever symlinks or `..` lie between them.
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

fn shown(path: &Path) -> String {
    let text = path.display().to_string();
    if text.is_empty() {
        String::from(".")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIFF: &str = "\
diff --git a/src/lib.rs b/src/lib.rs
index 1111111..2222222 100644
--- a/src/lib.rs
+++ b/src/lib.rs
@@ -3,0 +4,2 @@ fn a() {
+    let x = 1;
+    let y = 2;
@@ -10 +12 @@ fn b() {
-    old();
+    new();
@@ -20,2 +21,0 @@ fn c() {
-    tx.commit().await?;
-    Ok(())
diff --git a/old name.rs b/new name.rs
similarity index 90%
rename from old name.rs
rename to new name.rs
--- a/old name.rs\t
+++ b/new name.rs\t
@@ -1 +1 @@
-a
+b
diff --git a/gone.rs b/gone.rs
deleted file mode 100644
--- a/gone.rs
+++ /dev/null
@@ -1,3 +0,0 @@
-x
diff --git a/moved.rs b/elsewhere/moved.rs
similarity index 100%
rename from moved.rs
rename to elsewhere/moved.rs
diff --git \"a/q\\\"uote\\303\\251.rs\" \"b/q\\\"uote\\303\\251.rs\"
--- \"a/q\\\"uote\\303\\251.rs\"
+++ \"b/q\\\"uote\\303\\251.rs\"
@@ -0,0 +1,3 @@
+a
";

    #[test]
    fn reads_hunks_renames_deletions_and_quoted_names() {
        let files = parse_diff(DIFF);
        assert_eq!(
            files,
            [
                (String::from("src/lib.rs"), vec![(4, 5), (12, 12), (21, 22)]),
                (String::from("new name.rs"), vec![(1, 1)]),
                (String::from("q\"uoteé.rs"), vec![(1, 3)]),
            ]
        );
    }

    #[test]
    fn a_deletion_at_the_top_marks_the_first_line() {
        assert_eq!(new_side_of_hunk("@@ -1,2 +0,0 @@"), Some((1, 1)));
        assert_eq!(new_side_of_hunk("@@ -5 +7 @@ fn x"), Some((7, 7)));
        assert_eq!(new_side_of_hunk("@@ garbage"), None);
    }

    #[test]
    fn ranges_touch_inclusively() {
        let change = FileChange::Lines(vec![(4, 5), (12, 12)]);
        assert!(change.touches(5, 9));
        assert!(change.touches(1, 4));
        assert!(change.touches(12, 12));
        assert!(!change.touches(6, 11));
        assert!(!change.touches(13, 40));
        assert!(FileChange::Whole.touches(1000, 1000));
    }
}
