//! Lines of a source text as fixes see them: where a statement's line
//! starts, its indentation, the comments above it, the line ending the file
//! uses. Positions are the model's: 1-based lines, 0-based char columns.

use crate::source::{Pos, SourceFile};

/// The byte offset of a position, or `None` when it lies past the text
/// (one past the last line is allowed: the end of the text).
pub fn offset(source: &SourceFile, pos: Pos) -> Option<usize> {
    let lines = u32::try_from(source.line_count()).unwrap_or(u32::MAX);
    if pos.line == 0 || pos.line > lines + 1 {
        return None;
    }
    if pos.line == lines + 1 {
        return (pos.column == 0).then_some(source.text.len());
    }
    let line = source.line_text(pos.line);
    if pos.column as usize > line.chars().count() {
        return None;
    }
    Some(source.offset(pos))
}

/// The position where a line starts, or the end of the text for the line
/// after the last one.
pub fn line_start(line: u32) -> Pos {
    Pos { line, column: 0 }
}

/// The whitespace a line starts with.
pub fn indent(source: &SourceFile, line: u32) -> &str {
    let text = source.line_text(line);
    &text[..text.len() - text.trim_start().len()]
}

/// Whether only whitespace stands before `pos` on its line.
pub fn starts_line(source: &SourceFile, pos: Pos) -> bool {
    source
        .line_text(pos.line)
        .chars()
        .take(pos.column as usize)
        .all(char::is_whitespace)
}

/// Whether only whitespace, or a `//` comment, follows `pos` on its line.
pub fn ends_line(source: &SourceFile, pos: Pos) -> bool {
    let rest: String = source
        .line_text(pos.line)
        .chars()
        .skip(pos.column as usize)
        .collect();
    let rest = rest.trim();
    rest.is_empty() || (rest.starts_with("//") && !rest.contains("*/"))
}

/// The first line of the `//` comments directly above `line` (not doc
/// comments, which belong to items), or `line` itself: a statement moves
/// with its comments, and an insertion goes above them.
pub fn comments_above(source: &SourceFile, line: u32) -> u32 {
    let mut first = line;
    while first > 1 {
        let above = source.line_text(first - 1).trim_start();
        let plain_comment = above.starts_with("//") && !above.starts_with("///");
        if !plain_comment {
            break;
        }
        first -= 1;
    }
    first
}

/// The line ending the file uses.
pub fn line_ending(source: &SourceFile) -> &'static str {
    if source.text.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    }
}

/// Lines `first..=last` as they are written, each with its line ending.
pub fn lines(source: &SourceFile, first: u32, last: u32) -> Vec<String> {
    let ending = line_ending(source);
    (first..=last)
        .map(|line| format!("{}{ending}", source.line_text(line)))
        .collect()
}

/// Text collapsed to one line: runs of whitespace become one space.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_indents_and_comments() {
        let source = SourceFile::new(
            String::from("a.rs"),
            String::from("fn f() {\n    // why\n    // more\n    let x = 1; // note\n}\n"),
        );
        assert_eq!(indent(&source, 4), "    ");
        assert_eq!(comments_above(&source, 4), 2);
        assert!(starts_line(&source, Pos { line: 4, column: 4 }));
        assert!(ends_line(
            &source,
            Pos {
                line: 4,
                column: 14
            }
        ));
        assert!(!ends_line(&source, Pos { line: 4, column: 8 }));
        assert_eq!(
            offset(&source, Pos { line: 6, column: 0 }),
            Some(source.text.len())
        );
        assert_eq!(
            offset(&source, Pos { line: 7, column: 0 }),
            Some(source.text.len())
        );
        assert_eq!(offset(&source, Pos { line: 8, column: 0 }), None);
        assert_eq!(one_line("let  x =\n    1;"), "let x = 1;");
    }
}
