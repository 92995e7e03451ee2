//! Suppression comments, DESIGN §4:
//!
//! ```text
//! // connleak: allow(held-across-await, nested-acquire) -- the lock must span the upload
//! ```
//!
//! A suppression at the end of a line (or a `/* connleak: ... */` with code
//! on its line) covers that line. On a line of its own it covers the next
//! line that is not another plain `//` comment (so several can be stacked);
//! when an item (fn, impl, mod...) starts on that line, with its attributes
//! and doc comments, it covers the whole item, and so it does when written
//! between an item's attributes and the item (`#[instrument]`, the comment,
//! `fn`). A finding is covered when any line of its primary span is.
//!
//! Comments are not in the syntax tree, so they are found in the source text
//! by [`crate::lexer`], which knows strings, raw strings, character literals
//! and block comments: a `// connleak:` inside a string literal is text, not
//! a suppression. This module decides what is suppressed and records which
//! suppressions were used; the pseudo-lints in `rules` turn unused ones and
//! ones without a reason into findings. It never touches levels or order.

use std::collections::BTreeMap;

use crate::findings::Finding;

use crate::lexer::{self, CommentKind};
use crate::model::ItemExtent;
use crate::rules::Lint;
use crate::source::{FileId, Pos, Span};

/// What every suppression comment starts with, after `//`.
const MARKER: &str = "connleak:";

/// One `// connleak: ...` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub file: FileId,
    /// The comment, from `//` to the end of its line.
    pub comment: Span,
    pub directive: Directive,
    /// The lines it covers, inclusive.
    pub first_line: u32,
    pub last_line: u32,
    /// The item it covers whole, when it is written above the item or
    /// between its attributes and the item itself.
    pub covered_item: Option<String>,
    /// The innermost item the comment is written in (empty at file level),
    /// for the fingerprint of findings about the comment itself.
    pub enclosing_item: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Directive {
    Allow {
        lints: Vec<NamedLint>,
        reason: Reason,
    },
    /// `// connleak:` followed by something that is not `allow(...)`: it
    /// suppresses nothing, and is reported so the typo does not go unseen.
    Malformed { problem: String },
}

/// One name in `allow(...)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedLint {
    pub name: String,
    pub span: Span,
    /// `None` when no lint has this name.
    pub lint: Option<Lint>,
    /// Set when it covered at least one finding.
    pub used: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    Given(String),
    Missing,
    /// Text after the list without the `--` that introduces a reason.
    WithoutSeparator(String),
}

/// Every suppression comment of one file.
pub fn scan(file: FileId, text: &str, items: &[ItemExtent]) -> Vec<Suppression> {
    // Most files have none: skip the lexer for them.
    if !text.contains(MARKER) {
        return Vec::new();
    }
    let lines = LineIndex::new(text);
    let mut suppressions = Vec::new();
    for comment in lexer::comments(text) {
        let body = comment.body(text);
        if is_doc_comment(comment.kind, body) {
            // Documentation is text for readers, not a directive.
            continue;
        }
        let leading = body.len() - body.trim_start().len();
        let Some(directive_text) = body.trim_start().strip_prefix(MARKER) else {
            continue;
        };
        let directive_offset = comment.start + 2 + leading + MARKER.len();
        let directive = parse_directive(directive_text, directive_offset, &lines);

        let line = lines.pos(comment.start).line;
        let last_comment_line = lines.pos(comment.end).line;
        let code_before = !text[lines.start_of(line)..comment.start].trim().is_empty();
        let code_after = !text[comment.end..lines.end_of(last_comment_line)]
            .trim()
            .is_empty();
        let mut covered_item = None;
        let (first_line, last_line) = if code_before || code_after {
            (line, last_comment_line)
        } else if let Some(item) =
            item_with_comment_in_its_attributes(items, text, &lines, comment.start)
        {
            // Between an item's attributes and its `fn`: the whole item,
            // as it would be written above the attributes.
            covered_item = Some(item.name.to_string());
            (item.span.start.line, item.span.end.line)
        } else {
            let target = target_line(&lines, last_comment_line);
            match outermost_item_starting_at(items, target) {
                Some(item) => {
                    covered_item = Some(item.name.to_string());
                    (target, item.span.end.line.max(target))
                }
                None => (target, target),
            }
        };
        suppressions.push(Suppression {
            file,
            comment: Span {
                start: lines.pos(comment.start),
                end: lines.pos(comment.end),
            },
            directive,
            first_line,
            last_line,
            covered_item,
            enclosing_item: innermost_item_around(items, line)
                .map(|item| item.name.to_string())
                .unwrap_or_default(),
        });
    }
    suppressions
}

/// Drops the findings a suppression covers, and marks the names that covered
/// something as used. Findings of the suppression pseudo-lints themselves are
/// never suppressed: their level is set in configuration.
pub fn apply(findings: &mut Vec<Finding>, suppressions: &mut [Suppression]) {
    let mut by_file: BTreeMap<FileId, Vec<usize>> = BTreeMap::new();
    for (index, suppression) in suppressions.iter().enumerate() {
        by_file.entry(suppression.file).or_default().push(index);
    }
    findings.retain(|finding| {
        if finding.lint.is_about_suppressions() {
            return true;
        }
        let Some(candidates) = by_file.get(&finding.primary.file) else {
            return true;
        };
        let first = finding.primary.span.start.line;
        let last = finding.primary.span.end.line.max(first);
        let mut covered = false;
        for &index in candidates {
            let suppression = &mut suppressions[index];
            if suppression.last_line < first || suppression.first_line > last {
                continue;
            }
            let Directive::Allow { lints, .. } = &mut suppression.directive else {
                continue;
            };
            for named in lints.iter_mut() {
                if named.lint == Some(finding.lint) {
                    // Every suppression that covers it counts as used, so
                    // an item-level one is not called unused because a
                    // line-level one also matched.
                    named.used = true;
                    covered = true;
                }
            }
        }
        !covered
    });
}

/// `allow(a, b) -- reason`, as written after `connleak:`. `offset` is the byte
/// offset of `text` in the file, for the spans of the names.
fn parse_directive(text: &str, offset: usize, lines: &LineIndex<'_>) -> Directive {
    let malformed = |problem: &str| Directive::Malformed {
        problem: problem.to_string(),
    };
    let after_marker = text.trim_start();
    let Some(after_allow) = after_marker.strip_prefix("allow") else {
        return malformed("expected `allow(LINT, ...)` after `connleak:`");
    };
    let after_allow_trimmed = after_allow.trim_start();
    let Some(list_and_rest) = after_allow_trimmed.strip_prefix('(') else {
        return malformed("expected `(` after `allow`");
    };
    let Some(close) = list_and_rest.find(')') else {
        return malformed("expected `)` to close the list of lints");
    };
    let list = &list_and_rest[..close];
    let list_offset = offset + (text.len() - list_and_rest.len());

    let mut lints = Vec::new();
    let mut cursor = 0;
    for piece in list.split(',') {
        let piece_start = cursor;
        cursor += piece.len() + 1;
        let name = piece.trim();
        if name.is_empty() {
            // `allow(a,)` is harmless; `allow()` is caught below.
            continue;
        }
        let name_start = list_offset + piece_start + (piece.len() - piece.trim_start().len());
        lints.push(NamedLint {
            name: name.to_string(),
            span: Span {
                start: lines.pos(name_start),
                end: lines.pos(name_start + name.len()),
            },
            lint: Lint::from_name(name),
            used: false,
        });
    }
    if lints.is_empty() {
        return malformed("the list of lints is empty");
    }

    let rest = list_and_rest[close + 1..].trim();
    let reason = match rest.strip_prefix("--") {
        Some(reason) if !reason.trim().is_empty() => Reason::Given(reason.trim().to_string()),
        Some(_) => Reason::Missing,
        None if rest.is_empty() => Reason::Missing,
        None => Reason::WithoutSeparator(rest.to_string()),
    };
    Directive::Allow { lints, reason }
}

/// The line an own-line suppression on `line` is about: the next one that is
/// not a plain `//` comment (doc comments belong to the item below them).
fn target_line(lines: &LineIndex<'_>, line: u32) -> u32 {
    let mut target = line + 1;
    while target <= lines.line_count() {
        let trimmed = lines.text(target).trim_start();
        match trimmed.strip_prefix("//") {
            Some(body) if !is_doc_comment(CommentKind::Line, body) => {}
            _ => break,
        }
        target += 1;
    }
    target
}

/// `///` and `//!` comments (but not `////`), `/** */` and `/*! */` (but
/// not `/***`), given the text after the opening `//` or `/*`.
fn is_doc_comment(kind: CommentKind, body: &str) -> bool {
    let marker = match kind {
        CommentKind::Line => '/',
        CommentKind::Block => '*',
    };
    body.starts_with('!') || (body.starts_with(marker) && !body[1..].starts_with(marker))
}

/// The item whose attributes the comment at `comment_start` is written
/// among: from the item's start to the comment there are only attributes,
/// comments and whitespace (`#[instrument]`, then the comment, then `fn`).
fn item_with_comment_in_its_attributes<'i>(
    items: &'i [ItemExtent],
    text: &str,
    lines: &LineIndex<'_>,
    comment_start: usize,
) -> Option<&'i ItemExtent> {
    items
        .iter()
        .filter(|item| {
            let start = lines.offset(item.span.start);
            let end = lines.offset(item.span.end);
            start < comment_start
                && comment_start < end
                && only_attributes(text, start, comment_start)
        })
        .max_by_key(|item| (item.span.end, std::cmp::Reverse(&item.name)))
}

/// Whether `text[from..to]` holds only attributes (`#[..]`, `#![..]`),
/// comments and whitespace.
fn only_attributes(text: &str, from: usize, to: usize) -> bool {
    let bytes = text.as_bytes();
    let mut at = from;
    loop {
        at = lexer::skip_trivia(text, at);
        if at >= to {
            return true;
        }
        if bytes.get(at) != Some(&b'#') {
            return false;
        }
        let mut open = at + 1;
        if bytes.get(open) == Some(&b'!') {
            open += 1;
        }
        match lexer::matching_close(text, open) {
            Some(close) if bytes[open] == b'[' => at = close + 1,
            _ => return false,
        }
    }
}

fn outermost_item_starting_at(items: &[ItemExtent], line: u32) -> Option<&ItemExtent> {
    items
        .iter()
        .filter(|item| item.span.start.line == line)
        .max_by_key(|item| (item.span.end, std::cmp::Reverse(&item.name)))
}

fn innermost_item_around(items: &[ItemExtent], line: u32) -> Option<&ItemExtent> {
    items
        .iter()
        .filter(|item| item.span.start.line <= line && line <= item.span.end.line)
        .min_by_key(|item| {
            (
                item.span.end.line - item.span.start.line,
                item.span.start,
                &item.name,
            )
        })
}

/// Byte offsets of each line start, to turn offsets into (line, column).
struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    fn new(text: &'t str) -> LineIndex<'t> {
        LineIndex {
            text,
            starts: std::iter::once(0)
                .chain(text.match_indices('\n').map(|(index, _)| index + 1))
                .collect(),
        }
    }

    fn line_count(&self) -> u32 {
        u32::try_from(self.starts.len()).unwrap_or(u32::MAX)
    }

    fn start_of(&self, line: u32) -> usize {
        let index = (line.max(1) as usize - 1).min(self.starts.len() - 1);
        self.starts[index]
    }

    /// Where a line ends, its line ending excluded.
    fn end_of(&self, line: u32) -> usize {
        let start = self.start_of(line);
        start
            + self.text[start..]
                .find('\n')
                .unwrap_or(self.text.len() - start)
    }

    /// The byte offset of a (line, char column) position, clamped to its line.
    fn offset(&self, pos: Pos) -> usize {
        let start = self.start_of(pos.line);
        let line = &self.text[start..self.end_of(pos.line)];
        start
            + line
                .char_indices()
                .nth(pos.column as usize)
                .map_or(line.len(), |(index, _)| index)
    }

    /// The text of a 1-based line without its line ending.
    fn text(&self, line: u32) -> &'t str {
        let index = line.max(1) as usize - 1;
        let Some(&start) = self.starts.get(index) else {
            return "";
        };
        let end = self
            .starts
            .get(index + 1)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// 1-based line, 0-based char column (our `Pos` convention) of a byte
    /// offset that lies on a char boundary.
    fn pos(&self, offset: usize) -> Pos {
        let index = self
            .starts
            .binary_search(&offset)
            .unwrap_or_else(|next| next - 1);
        let column = self
            .text
            .get(self.starts[index]..offset)
            .map_or(0, |before| before.chars().count());
        Pos {
            line: u32::try_from(index + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Level;
    use crate::source::Location;

    fn item(name: &str, first: u32, last: u32) -> ItemExtent {
        ItemExtent {
            name: name.into(),
            span: Span {
                start: Pos {
                    line: first,
                    column: 0,
                },
                end: Pos {
                    line: last,
                    column: 1,
                },
            },
        }
    }

    fn allowed(suppression: &Suppression) -> (Vec<&str>, &Reason) {
        match &suppression.directive {
            Directive::Allow { lints, reason } => {
                (lints.iter().map(|l| l.name.as_str()).collect(), reason)
            }
            Directive::Malformed { problem } => panic!("malformed: {problem}"),
        }
    }

    #[test]
    fn parses_lists_reasons_and_scopes() {
        let text = "\
fn a() {
    f(); // connleak: allow(leaked-connection) -- trailing
    // connleak: allow(held-across-await, nested-acquire) -- own line
    // a plain comment in between
    g().await;
    //connleak:allow(held-forever)
    h();
}

// connleak: allow(temporary-pool) because reasons
/// Docs belong to the item.
#[inline]
fn b() {
    i();
}
";
        let items = [item("a", 1, 8), item("b", 11, 15)];
        let found = scan(0, text, &items);
        assert_eq!(found.len(), 4);

        assert_eq!(
            allowed(&found[0]),
            (
                vec!["leaked-connection"],
                &Reason::Given(String::from("trailing"))
            )
        );
        assert_eq!((found[0].first_line, found[0].last_line), (2, 2));
        assert_eq!(found[0].enclosing_item, "a");
        // The name's span, for the unused-suppression finding.
        let name = match &found[0].directive {
            Directive::Allow { lints, .. } => lints[0].span,
            Directive::Malformed { .. } => unreachable!(),
        };
        assert_eq!((name.start.line, name.start.column), (2, 28));
        assert_eq!(name.end.column, 28 + "leaked-connection".len() as u32);

        assert_eq!(
            allowed(&found[1]).0,
            ["held-across-await", "nested-acquire"]
        );
        assert_eq!((found[1].first_line, found[1].last_line), (5, 5));

        assert_eq!(allowed(&found[2]), (vec!["held-forever"], &Reason::Missing));
        assert_eq!((found[2].first_line, found[2].last_line), (7, 7));

        // Above the doc comment and the attribute: the whole item.
        assert_eq!(
            allowed(&found[3]),
            (
                vec!["temporary-pool"],
                &Reason::WithoutSeparator(String::from("because reasons"))
            )
        );
        assert_eq!((found[3].first_line, found[3].last_line), (11, 15));
        assert_eq!(found[3].enclosing_item, "");
    }

    #[test]
    fn malformed_directives_are_kept_to_be_reported() {
        let text = "// connleak: alow(x)\n// connleak: allow()\n// connleak: allow(x\n// connleak is great\n";
        let problems: Vec<String> = scan(0, text, &[])
            .into_iter()
            .map(|s| match s.directive {
                Directive::Malformed { problem } => problem,
                Directive::Allow { .. } => String::from("allow"),
            })
            .collect();
        assert_eq!(
            problems,
            [
                "expected `allow(LINT, ...)` after `connleak:`",
                "the list of lints is empty",
                "expected `)` to close the list of lints",
            ]
        );
    }

    #[test]
    fn doc_comments_and_strings_are_not_directives() {
        let text = "/// connleak: allow(leaked-connection) -- docs\n//! connleak: allow(held-forever)\nlet s = \"// connleak: allow(nested-acquire)\";\n";
        assert!(scan(0, text, &[]).is_empty());
    }

    fn finding(lint: Lint, first: u32, last: u32) -> Finding {
        Finding {
            lint,
            level: Level::Deny,
            primary: Location {
                file: 0,
                span: Span {
                    start: Pos {
                        line: first,
                        column: 4,
                    },
                    end: Pos {
                        line: last,
                        column: 9,
                    },
                },
            },
            primary_label: String::new(),
            message: String::new(),
            help: String::new(),
            acquired_at: None,
            acquire_label: String::new(),
            path: Vec::new(),
            enclosing_item: String::from("a"),
            fingerprint: String::new(),
            in_test_code: false,
            remedy: None,
            fix: None,
            at_most: None,
        }
    }

    #[test]
    fn apply_drops_covered_findings_and_marks_names_used() {
        let text = "\
fn a() {
    // connleak: allow(leaked-connection, nested-acquire) -- r
    std::mem::forget(conn);
    x(
      y) // connleak: allow(held-across-await) -- on the last line of a span
}
";
        let mut suppressions = scan(0, text, &[item("a", 1, 6)]);
        let mut findings = vec![
            finding(Lint::LeakedConnection, 3, 3),
            finding(Lint::HeldAcrossAwait, 4, 5),
            finding(Lint::LeakedConnection, 4, 4),
            finding(Lint::UnusedSuppression, 3, 3),
        ];
        apply(&mut findings, &mut suppressions);
        let left: Vec<(Lint, u32)> = findings
            .iter()
            .map(|f| (f.lint, f.primary.span.start.line))
            .collect();
        assert_eq!(
            left,
            [(Lint::LeakedConnection, 4), (Lint::UnusedSuppression, 3)]
        );
        let used: Vec<(&str, bool)> = suppressions
            .iter()
            .flat_map(|s| match &s.directive {
                Directive::Allow { lints, .. } => lints.clone(),
                Directive::Malformed { .. } => Vec::new(),
            })
            .map(|named| {
                (
                    if named.used { "used" } else { "unused" },
                    named.lint.is_some(),
                )
            })
            .collect();
        assert_eq!(used, [("used", true), ("unused", true), ("used", true)]);
    }

    /// Any text, however broken, scans without panicking: truncations of a
    /// tricky sample at every char boundary, and pseudo-random soups of the
    /// characters the lexer cares about (a fixed seed, so it is repeatable).
    #[test]
    fn never_panics_on_broken_text() {
        let sample = "fn f<'a>() { let s = r##\"x\"# \"##; let c = '\\''; /* /* */ */ \
                      let b = br\"é\"; // connleak: allow(held-forever, x) -- why\r\n\
                      // connleak: allow( -- \n 'é' b'\\x00' c\"\" r#type }";
        let items = [item("f", 1, 3)];
        for (end, _) in sample.char_indices() {
            scan(0, &sample[..end], &items);
        }
        let pieces = [
            "/",
            "*",
            "\"",
            "'",
            "r",
            "#",
            "b",
            "c",
            "\\",
            "\n",
            "\r",
            "é",
            " ",
            "a",
            ",",
            ")",
            "(",
            "--",
            "connleak:",
            " allow(",
            "leaked-connection",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..2000 {
            let mut text = String::new();
            for _ in 0..40 {
                // xorshift64: deterministic, no dependency.
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(pieces[(state % pieces.len() as u64) as usize]);
            }
            let found = scan(0, &text, &items);
            for suppression in &found {
                assert!(suppression.first_line <= suppression.last_line, "{text:?}");
            }
        }
    }
}
