//! Where comments, literals and brackets are in Rust source text, without
//! parsing it: what reads comments (suppressions) or finds a block's extent
//! (the human report's witness paths) needs to skip string, raw string and
//! character literals and nested block comments, and nothing more. Knows
//! nothing of what the text means; never fails (unterminated literals and
//! comments run to the end of the text, as in rustc's lexer).

/// A comment, as byte offsets: `//` to the end of its line (line ending
/// excluded), or `/*` to just after its matching `*/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comment {
    pub start: usize,
    pub end: usize,
    pub kind: CommentKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentKind {
    Line,
    Block,
}

impl Comment {
    /// The text between the delimiters: after `//`, or between `/*` and
    /// `*/` (an unterminated block comment has no `*/`).
    pub fn body<'t>(&self, text: &'t str) -> &'t str {
        let inner = &text[self.start + 2..self.end];
        match self.kind {
            CommentKind::Line => inner,
            CommentKind::Block => inner.strip_suffix("*/").unwrap_or(inner),
        }
    }
}

/// Every comment of a Rust source, skipping what only looks like one:
/// string, byte string and raw string literals, character literals (told
/// apart from lifetimes). A block comment is one comment with the ones
/// nested in it.
pub fn comments(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        let next = bytes.get(index + 1).copied();
        index = match byte {
            b'/' if next == Some(b'/') => {
                let line_end = text[index..]
                    .find('\n')
                    .map_or(text.len(), |found| index + found);
                let end = if text[..line_end].ends_with('\r') {
                    line_end - 1
                } else {
                    line_end
                };
                comments.push(Comment {
                    start: index,
                    end,
                    kind: CommentKind::Line,
                });
                line_end
            }
            b'/' if next == Some(b'*') => {
                let end = skip_block_comment(bytes, index);
                comments.push(Comment {
                    start: index,
                    end,
                    kind: CommentKind::Block,
                });
                end
            }
            _ => skip_token(text, index),
        };
    }
    comments
}

/// The offset of the bracket that closes the `{`, `[` or `(` at `open`,
/// skipping literals and comments; `None` when `open` is not an opening
/// bracket or nothing closes it.
pub fn matching_close(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let (opening, closing) = match bytes.get(open)? {
        b'{' => (b'{', b'}'),
        b'[' => (b'[', b']'),
        b'(' => (b'(', b')'),
        _ => return None,
    };
    let mut depth = 0usize;
    let mut index = open;
    while index < bytes.len() {
        let byte = bytes[index];
        let next = bytes.get(index + 1).copied();
        index = match byte {
            _ if byte == opening => {
                depth += 1;
                index + 1
            }
            _ if byte == closing => {
                depth -= 1;
                if depth == 0 {
                    return Some(index);
                }
                index + 1
            }
            b'/' if next == Some(b'/') => text[index..]
                .find('\n')
                .map_or(text.len(), |found| index + found),
            b'/' if next == Some(b'*') => skip_block_comment(bytes, index),
            _ => skip_token(text, index),
        };
    }
    None
}

/// The offset of the first character at or after `offset` that is neither
/// whitespace nor part of a comment.
pub fn skip_trivia(text: &str, mut offset: usize) -> usize {
    let bytes = text.as_bytes();
    loop {
        while offset < bytes.len() && bytes[offset].is_ascii_whitespace() {
            offset += 1;
        }
        match (bytes.get(offset), bytes.get(offset + 1)) {
            (Some(b'/'), Some(b'/')) => {
                offset = text[offset..]
                    .find('\n')
                    .map_or(text.len(), |found| offset + found);
            }
            (Some(b'/'), Some(b'*')) => offset = skip_block_comment(bytes, offset),
            _ => return offset.min(text.len()),
        }
    }
}

/// Past one literal, identifier or punctuation byte starting at `index`.
fn skip_token(text: &str, index: usize) -> usize {
    let bytes = text.as_bytes();
    let byte = bytes[index];
    match byte {
        b'"' => skip_quoted(bytes, index + 1, b'"'),
        b'\'' => skip_char_or_lifetime(text, index),
        b'r' | b'b' | b'c' => skip_prefixed(text, index),
        _ if is_identifier_byte(byte) => skip_identifier(bytes, index),
        _ => index + 1,
    }
}

/// Identifier bytes, non-ASCII included (identifiers may be Unicode; the
/// lexer only needs to know that such a byte is not punctuation).
fn is_identifier_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

fn skip_identifier(bytes: &[u8], mut index: usize) -> usize {
    while index < bytes.len() && is_identifier_byte(bytes[index]) {
        index += 1;
    }
    index
}

/// After an opening quote: past the closing one, honouring backslashes.
fn skip_quoted(bytes: &[u8], mut index: usize, quote: u8) -> usize {
    while index < bytes.len() {
        match bytes[index] {
            b'\\' => index += 2,
            byte if byte == quote => return index + 1,
            _ => index += 1,
        }
    }
    bytes.len()
}

fn skip_block_comment(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut index = start;
    while index + 1 < bytes.len() {
        match (bytes[index], bytes[index + 1]) {
            (b'/', b'*') => {
                depth += 1;
                index += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                index += 2;
                if depth == 0 {
                    return index;
                }
            }
            _ => index += 1,
        }
    }
    bytes.len()
}

/// `'x'`, `'\n'`, `'\''`, `'"'` are literals; `'a` and `'label:` are not.
fn skip_char_or_lifetime(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    if bytes.get(start + 1) == Some(&b'\\') {
        // An escape: skip the escaped character, then up to the closing
        // quote (`\u{1F600}` has several characters before it).
        let mut index = start + 3;
        while index < bytes.len() && bytes[index] != b'\'' && bytes[index] != b'\n' {
            index += 1;
        }
        return (index + 1).min(bytes.len());
    }
    let Some(character) = text.get(start + 1..).and_then(|rest| rest.chars().next()) else {
        return start + 1;
    };
    let after = start + 1 + character.len_utf8();
    if character != '\'' && bytes.get(after) == Some(&b'\'') {
        after + 1
    } else {
        // A lifetime or a label: the quote alone, the name is an identifier.
        start + 1
    }
}

/// `r"..."`, `r#"..."#`, `b"..."`, `br#"..."#`, `b'x'`, `c"..."`, `cr"..."`,
/// or an identifier that merely starts with one of these letters.
fn skip_prefixed(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    if start > 0 && is_identifier_byte(bytes[start - 1]) {
        return skip_identifier(bytes, start);
    }
    let mut index = start;
    if matches!(bytes[index], b'b' | b'c') {
        index += 1;
        match bytes.get(index) {
            Some(b'"') => return skip_quoted(bytes, index + 1, b'"'),
            Some(b'\'') if bytes[start] == b'b' => return skip_char_or_lifetime(text, index),
            Some(b'r') => {}
            _ => return skip_identifier(bytes, start),
        }
    }
    // At an `r`: a raw string if hashes (or none) and a quote follow.
    let mut hashes = 0;
    let mut cursor = index + 1;
    while bytes.get(cursor) == Some(&b'#') {
        hashes += 1;
        cursor += 1;
    }
    if bytes.get(cursor) != Some(&b'"') {
        // `r#ident` or a plain identifier.
        return skip_identifier(bytes, cursor.max(start + 1));
    }
    let mut index = cursor + 1;
    while index < bytes.len() {
        if bytes[index] == b'"'
            && bytes.len() >= index + 1 + hashes
            && bytes[index + 1..index + 1 + hashes]
                .iter()
                .all(|&b| b == b'#')
        {
            return index + 1 + hashes;
        }
        index += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<&str> {
        comments(text)
            .into_iter()
            .map(|comment| &text[comment.start..comment.end])
            .collect()
    }

    #[test]
    fn literals_that_look_like_comments_are_skipped() {
        let text = r####"let a = "// connleak: allow(x) -- in a string";
let b = r#"a "quoted" // not a comment"#; // real one
let c = '"'; // after a quote char
let d = b"//"; let e = br##"x"# // still raw"##; // after raw bytes
fn f<'a>(x: &'a str) -> &'a str { x } // after lifetimes
let g = '\''; let h = '\u{1F600}'; // after escapes
/* block /* nested // no */ still block // no */ let i = 1; // after block
let r#type = 1; // raw identifier
let s = "unterminated \" // escaped quote, still a string";
"####;
        assert_eq!(
            texts(text),
            [
                "// real one",
                "// after a quote char",
                "// after raw bytes",
                "// after lifetimes",
                "// after escapes",
                "/* block /* nested // no */ still block // no */",
                "// after block",
                "// raw identifier",
            ]
        );
    }

    #[test]
    fn crlf_line_endings_are_not_part_of_the_comment() {
        assert_eq!(texts("a(); // x\r\nb();\r\n"), ["// x"]);
    }

    #[test]
    fn block_comment_bodies() {
        let text = "/* connleak: allow(x) */ f(); /* open";
        let found = comments(text);
        assert_eq!(found[0].body(text), " connleak: allow(x) ");
        assert_eq!(found[1].body(text), " open");
    }

    #[test]
    fn braces_match_across_literals_and_comments() {
        let text = "if x { let s = \"}\"; let c = '}'; /* } */ // }\n { } r#\"}\"# }; tail";
        let open = text.find('{').expect("an opening brace");
        let close = matching_close(text, open).expect("closed");
        assert_eq!(&text[close..], "}; tail");
        assert_eq!(matching_close(text, 0), None);
        assert_eq!(matching_close("{ {", 0), None);
        assert_eq!(matching_close("#[a(\"]\")] fn", 1), Some(8));
        assert_eq!(skip_trivia("  // c\n /* d */ else", 0), 16);
    }
}
