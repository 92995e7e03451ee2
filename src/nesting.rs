//! How deep a source text nests, measured on its tokens before syn sees it,
//! and where its delimiters fail to match (to explain syn's lexer errors).
//!
//! syn's parser, its `Drop`, and our lowering all recurse once per level of
//! the syntax tree, and a worker's stack is finite: a file whose tree would
//! be too deep is refused with an error instead of crashing the process. The
//! tree gets deep not only through brackets but through chains: prefix
//! operators (`!!!!x`, `&&&&x`), closures (`|| || || x`), keywords (`return
//! return x`), generics (`Vec<Vec<..>>`), function types (`fn() -> fn() ->`),
//! and left-leaning chains (`a + b + ...`, `x.m().m()...`, `f()()()...`),
//! whose trees are as deep as they are long.
//!
//! The measure is an over-estimate that is cheap and safe: the open brackets
//! and generics, plus, at each of them, the operators and chain keywords of
//! the current statement or list element (a `,`, `;` or `=>` starts a new
//! one, and so does the end of a block that is not continued by an operator).
//! Hand-written code stays far below the limit; only generated or hostile
//! input reaches it.

/// The limit of the nesting measure; a file that exceeds it is not checked. Workers
/// have [`crate::parsing::WORKER_STACK_BYTES`] of stack, enough for this
/// many levels of syn's deepest recursion (types, in a debug build) several
/// times over.
pub const MAX_DEPTH: usize = 1024;

/// What a scan found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scan {
    /// The first line where the nesting measure exceeds [`MAX_DEPTH`].
    pub too_deep_at: Option<u32>,
    /// The first delimiter that does not match, as (line, message).
    pub delimiter_problem: Option<(u32, String)>,
}

/// Scans `text` once. Stops at the first line that nests too deep.
pub fn scan(text: &str) -> Scan {
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        text,
        i: 0,
        line: 1,
        levels: vec![Level::top()],
        total: 0,
        previous: Previous::Separator,
        in_closure_params: false,
        result: Scan::default(),
    };
    scanner.run();
    scanner.result
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LevelKind {
    Top,
    Bracket(u8),
    Angle,
}

#[derive(Debug, Clone, Copy)]
struct Level {
    kind: LevelKind,
    line: u32,
    /// Operators and chain keywords in the current statement or element.
    count: usize,
}

impl Level {
    fn top() -> Level {
        Level {
            kind: LevelKind::Top,
            line: 1,
            count: 0,
        }
    }
}

/// What the previous token was, to tell a closure's `|` from a binary one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Previous {
    /// An identifier, literal, closing bracket or `?`: a `|` after it is `or`.
    Operand,
    /// An operator, keyword, opening bracket or separator: a `|` after it
    /// starts a closure.
    Separator,
}

/// Keywords that start or continue a chain in the syntax tree.
const CHAIN_KEYWORDS: &[&str] = &[
    "as", "async", "box", "break", "const", "dyn", "else", "impl", "let", "move", "mut", "raw",
    "ref", "return", "static", "yield", "become", "unsafe", "if", "match", "while", "for", "loop",
];

struct Scanner<'a> {
    bytes: &'a [u8],
    text: &'a str,
    i: usize,
    line: u32,
    levels: Vec<Level>,
    /// Sum of the levels beyond the top one and of every level's count.
    total: usize,
    previous: Previous,
    in_closure_params: bool,
    result: Scan,
}

impl Scanner<'_> {
    fn run(&mut self) {
        while self.i < self.bytes.len() {
            if self.result.too_deep_at.is_some() {
                return;
            }
            let byte = self.bytes[self.i];
            match byte {
                b'\n' => {
                    self.line += 1;
                    self.i += 1;
                }
                b' ' | b'\t' | b'\r' => self.i += 1,
                b'/' if self.peek(1) == Some(b'/') => self.skip_line_comment(),
                b'/' if self.peek(1) == Some(b'*') => self.skip_block_comment(),
                b'"' => {
                    self.skip_string();
                    self.previous = Previous::Operand;
                }
                b'\'' => self.quote(),
                b'0'..=b'9' => {
                    self.skip_number();
                    self.previous = Previous::Operand;
                }
                b'(' | b'[' | b'{' => {
                    if byte != b'{' && self.previous == Previous::Operand {
                        // A call or an index: a link of a postfix chain.
                        self.count(1);
                    }
                    self.open(LevelKind::Bracket(byte));
                    self.previous = Previous::Separator;
                    self.i += 1;
                }
                b')' | b']' | b'}' => {
                    self.close(byte);
                    self.previous = Previous::Operand;
                    self.i += 1;
                }
                b',' => {
                    if !self.in_closure_params {
                        self.reset_count();
                    }
                    self.previous = Previous::Separator;
                    self.i += 1;
                }
                b';' => {
                    self.close_angles();
                    self.reset_count();
                    self.in_closure_params = false;
                    self.previous = Previous::Separator;
                    self.i += 1;
                }
                b':' | b'#' | b'$' => {
                    self.previous = Previous::Separator;
                    self.i += 1;
                }
                b'<' => {
                    if self.peek(1) == Some(b'=') {
                        self.count(2);
                        self.i += 2;
                    } else {
                        self.open(LevelKind::Angle);
                        self.i += 1;
                    }
                    self.previous = Previous::Separator;
                }
                b'>' => {
                    self.greater_than();
                    self.i += 1;
                }
                b'|' => {
                    if self.in_closure_params {
                        self.in_closure_params = false;
                        self.previous = Previous::Separator;
                    } else if self.previous == Previous::Separator {
                        // A closure: `||` has no parameters, `|` opens them.
                        self.count(1);
                        if self.peek(1) == Some(b'|') {
                            self.i += 1;
                        } else {
                            self.in_closure_params = true;
                        }
                    } else {
                        self.count(1);
                        self.previous = Previous::Separator;
                    }
                    self.i += 1;
                }
                b'?' => {
                    self.count(1);
                    self.previous = Previous::Operand;
                    self.i += 1;
                }
                b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'!' | b'&' | b'=' | b'.' | b'@'
                | b'~' => {
                    self.count(1);
                    self.previous = Previous::Separator;
                    self.i += 1;
                }
                _ if byte == b'_' || byte.is_ascii_alphabetic() || byte >= 0x80 => self.word(),
                _ => {
                    self.previous = Previous::Separator;
                    self.i += 1;
                }
            }
        }
        if let Some(level) = self
            .levels
            .iter()
            .rev()
            .find(|level| matches!(level.kind, LevelKind::Bracket(_)))
        {
            if self.result.delimiter_problem.is_none() {
                let LevelKind::Bracket(open) = level.kind else {
                    return;
                };
                self.result.delimiter_problem = Some((
                    level.line,
                    format!(
                        "unclosed delimiter `{}` opened on line {}",
                        open as char, level.line
                    ),
                ));
            }
        }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.i + ahead).copied()
    }

    fn count(&mut self, amount: usize) {
        if let Some(level) = self.levels.last_mut() {
            level.count += amount;
        }
        self.total += amount;
        self.check_depth();
    }

    fn check_depth(&mut self) {
        if self.total > MAX_DEPTH && self.result.too_deep_at.is_none() {
            self.result.too_deep_at = Some(self.line);
        }
    }

    fn reset_count(&mut self) {
        if let Some(level) = self.levels.last_mut() {
            self.total -= level.count;
            level.count = 0;
        }
    }

    fn open(&mut self, kind: LevelKind) {
        self.levels.push(Level {
            kind,
            line: self.line,
            count: 0,
        });
        self.total += 1;
        self.in_closure_params = false;
        self.check_depth();
    }

    fn pop(&mut self) -> Option<Level> {
        if self.levels.len() <= 1 {
            return None;
        }
        let level = self.levels.pop()?;
        self.total -= level.count + 1;
        Some(level)
    }

    /// Generics end where their statement or bracket does, closed or not
    /// (`a < b` in an expression opens one that never closes).
    fn close_angles(&mut self) {
        while self
            .levels
            .last()
            .is_some_and(|level| level.kind == LevelKind::Angle)
        {
            self.pop();
        }
    }

    fn close(&mut self, close: u8) {
        self.close_angles();
        self.in_closure_params = false;
        let open = match close {
            b')' => b'(',
            b']' => b'[',
            _ => b'{',
        };
        match self.levels.last().map(|level| level.kind) {
            Some(LevelKind::Bracket(top)) if top == open => {
                self.pop();
            }
            Some(LevelKind::Bracket(top)) => {
                let opened_on = self.levels.last().map_or(self.line, |level| level.line);
                self.note_delimiter(format!(
                    "mismatched closing delimiter `{}`: `{}` opened on line {opened_on} is not closed",
                    close as char, top as char
                ));
                // Recover as rustc does: close up to a matching opener if
                // there is one, else ignore this closer.
                if self
                    .levels
                    .iter()
                    .any(|level| level.kind == LevelKind::Bracket(open))
                {
                    while let Some(level) = self.pop() {
                        if level.kind == LevelKind::Bracket(open) {
                            break;
                        }
                    }
                }
            }
            _ => {
                self.note_delimiter(format!("unexpected closing delimiter `{}`", close as char));
            }
        }
        if close == b'}' && !self.continues_expression() {
            self.reset_count();
        }
    }

    fn note_delimiter(&mut self, message: String) {
        if self.result.delimiter_problem.is_none() {
            self.result.delimiter_problem = Some((self.line, message));
        }
    }

    /// Whether the token after a `}` continues the same expression (an
    /// operator, `.`, `?`, `else`, `as`) rather than starting a statement.
    fn continues_expression(&self) -> bool {
        let rest = &self.bytes[self.i + 1..];
        let Some(offset) = rest.iter().position(|b| !b.is_ascii_whitespace()) else {
            return false;
        };
        let rest = &rest[offset..];
        match rest[0] {
            b'/' => !matches!(rest.get(1), Some(b'/' | b'*')),
            b'+' | b'-' | b'*' | b'%' | b'^' | b'!' | b'&' | b'|' | b'=' | b'.' | b'?' | b'<'
            | b'>' | b'@' | b'~' => true,
            _ => {
                let word_end = rest
                    .iter()
                    .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                    .unwrap_or(rest.len());
                matches!(&rest[..word_end], b"else" | b"as")
            }
        }
    }

    fn greater_than(&mut self) {
        let after_arrow = self.i > 0 && matches!(self.bytes[self.i - 1], b'-' | b'=');
        if after_arrow && self.bytes[self.i - 1] == b'=' {
            // `=>`: the `=` was counted as an operator; an arm starts here.
            self.close_angles();
            self.reset_count();
            self.previous = Previous::Separator;
        } else if after_arrow {
            // `->`: the `-` is counted; a return type follows.
            self.count(1);
            self.previous = Previous::Separator;
        } else if self
            .levels
            .last()
            .is_some_and(|level| level.kind == LevelKind::Angle)
        {
            self.pop();
            self.previous = Previous::Operand;
        } else {
            self.count(1);
            self.previous = Previous::Separator;
        }
    }

    fn word(&mut self) {
        let start = self.i;
        // Raw strings and byte or C strings: r"..", r#".."#, br"..", b"..", c"..", b'x'.
        let prefix_end = self.bytes[start..]
            .iter()
            .take(2)
            .take_while(|b| matches!(b, b'b' | b'c' | b'r'))
            .count();
        let after_prefix = self.bytes.get(start + prefix_end).copied();
        let prefix = &self.bytes[start..start + prefix_end];
        if prefix.last() == Some(&b'r') && matches!(after_prefix, Some(b'"' | b'#')) {
            if self.skip_raw_string(start + prefix_end) {
                self.previous = Previous::Operand;
                return;
            }
        } else if prefix_end == 1 && matches!(prefix, b"b" | b"c") && after_prefix == Some(b'"') {
            self.i = start + 1;
            self.skip_string();
            self.previous = Previous::Operand;
            return;
        } else if prefix == b"b" && after_prefix == Some(b'\'') {
            self.i = start + 1;
            self.quote();
            return;
        }
        // `r#ident` is an identifier.
        if self.bytes[start..].starts_with(b"r#") {
            self.i += 2;
        }
        let word_start = self.i;
        while self.i < self.bytes.len() {
            let byte = self.bytes[self.i];
            if byte == b'_' || byte.is_ascii_alphanumeric() || byte >= 0x80 {
                self.i += 1;
            } else {
                break;
            }
        }
        let word = self.text.get(word_start..self.i).unwrap_or("");
        if CHAIN_KEYWORDS.contains(&word) {
            self.count(1);
            self.previous = Previous::Separator;
        } else {
            // A name, or a keyword that is a value (`self`, `true`...).
            self.previous = Previous::Operand;
        }
        if self.i == start {
            // Cannot happen (the first byte is a word byte), but never loop.
            self.i += 1;
        }
    }

    /// A `'`: a character literal, or a lifetime or label.
    fn quote(&mut self) {
        let rest = &self.text[self.i + 1..];
        if let Some(escaped) = rest.strip_prefix('\\') {
            // '\n', '\'', '\u{1F600}': the closing quote is near.
            let close = escaped
                .char_indices()
                .skip(1)
                .take(10)
                .find(|(_, c)| *c == '\'')
                .map(|(offset, _)| offset);
            self.i += match close {
                Some(offset) => 1 + 1 + offset + 1,
                None => 1,
            };
            self.previous = Previous::Operand;
            return;
        }
        let mut chars = rest.chars();
        match (chars.next(), chars.next()) {
            (Some(c), Some('\'')) if c != '\n' => {
                self.i += 1 + c.len_utf8() + 1;
                self.previous = Previous::Operand;
            }
            _ => {
                // A lifetime or label: skip its name.
                self.i += 1;
                while self.i < self.bytes.len()
                    && (self.bytes[self.i] == b'_' || self.bytes[self.i].is_ascii_alphanumeric())
                {
                    self.i += 1;
                }
                self.previous = Previous::Separator;
            }
        }
    }

    fn skip_line_comment(&mut self) {
        while self.i < self.bytes.len() && self.bytes[self.i] != b'\n' {
            self.i += 1;
        }
    }

    fn skip_block_comment(&mut self) {
        let mut depth = 0usize;
        while self.i < self.bytes.len() {
            match (self.bytes[self.i], self.peek(1)) {
                (b'/', Some(b'*')) => {
                    depth += 1;
                    self.i += 2;
                }
                (b'*', Some(b'/')) => {
                    depth = depth.saturating_sub(1);
                    self.i += 2;
                    if depth == 0 {
                        return;
                    }
                }
                (b'\n', _) => {
                    self.line += 1;
                    self.i += 1;
                }
                _ => self.i += 1,
            }
        }
    }

    /// A string from its opening quote at `self.i`, escapes honoured.
    fn skip_string(&mut self) {
        self.i += 1;
        while self.i < self.bytes.len() {
            match self.bytes[self.i] {
                b'"' => {
                    self.i += 1;
                    return;
                }
                b'\\' => {
                    if self.peek(1) == Some(b'\n') {
                        self.line += 1;
                    }
                    self.i += 2;
                }
                b'\n' => {
                    self.line += 1;
                    self.i += 1;
                }
                _ => self.i += 1,
            }
        }
    }

    /// A raw string whose `#`s or quote start at `at`; false if it is not one
    /// (`r#ident`), leaving the position alone.
    fn skip_raw_string(&mut self, at: usize) -> bool {
        let hashes = self.bytes[at..].iter().take_while(|b| **b == b'#').count();
        if self.bytes.get(at + hashes) != Some(&b'"') {
            return false;
        }
        let mut j = at + hashes + 1;
        while j < self.bytes.len() {
            if self.bytes[j] == b'\n' {
                self.line += 1;
            }
            if self.bytes[j] == b'"'
                && self.bytes[j + 1..]
                    .iter()
                    .take(hashes)
                    .take_while(|b| **b == b'#')
                    .count()
                    == hashes
            {
                self.i = j + 1 + hashes;
                return true;
            }
            j += 1;
        }
        self.i = self.bytes.len();
        true
    }

    fn skip_number(&mut self) {
        while self.i < self.bytes.len() {
            let byte = self.bytes[self.i];
            let decimal_point =
                byte == b'.' && self.peek(1).is_some_and(|next| next.is_ascii_digit());
            if byte.is_ascii_alphanumeric() || byte == b'_' || decimal_point {
                self.i += 1;
            } else {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deep(text: &str) -> bool {
        scan(text).too_deep_at.is_some()
    }

    #[test]
    fn ordinary_code_is_shallow() {
        let code = r##"
            use std::collections::HashMap;
            pub fn f<'a, T: Clone + Send + 'static>(x: &'a mut Vec<HashMap<String, Option<T>>>) -> Option<&'a T> {
                let c = 'x'; let s = "(((("; let r = r#"[[[["#; let b = b'{';
                // ((((
                /* [[[[ /* nested */ */
                if x.is_empty() && !x.iter().any(|m| m.len() > 3 || m.is_empty()) { return None; }
                for i in 0..10 { let _ = i * 2 + 1 - 3 / 4 % 5; }
                match x.len() { 0 => None, n if n > 2 => x.first().and_then(|m| m.values().next()?.as_ref()), _ => None }
            }
        "##;
        assert_eq!(scan(code), Scan::default());
    }

    #[test]
    fn many_statements_and_items_do_not_add_up() {
        let statements = "let a = b + c * d;\n".repeat(5000);
        assert!(!deep(&format!("fn f() {{ {statements} }}")));
        let loops = "for i in 0..n { x += i; }\n".repeat(5000);
        assert!(!deep(&format!("fn f() {{ {loops} }}")));
        let items = "pub fn g() -> Vec<u8> { Vec::new() }\n".repeat(5000);
        assert!(!deep(&items));
        let arms = "A => {}\n".repeat(5000);
        assert!(!deep(&format!("fn f() {{ match x {{ {arms} }} }}")));
        let elements = "1 + 2, ".repeat(5000);
        assert!(!deep(&format!("const X: [u8; 5000] = [{elements}];")));
    }

    #[test]
    fn every_kind_of_chain_is_deep() {
        let n = MAX_DEPTH + 1;
        for text in [
            format!("fn f() {{ {}x }}", "!".repeat(n)),
            format!("fn f() {{ {}x }}", "&".repeat(n)),
            format!("fn f() {{ {}x }}", "return ".repeat(n)),
            format!("fn f() {{ {}x }}", "|| ".repeat(n)),
            format!("fn f() {{ {}x }}", "|a, b| ".repeat(n)),
            format!("fn f() {{ 1{} }}", " + 1".repeat(n)),
            format!("fn f() {{ x{} }}", ".m()".repeat(n)),
            format!("fn f() {{ x{} }}", "()".repeat(n)),
            format!("fn f() {{ x = {}; }}", "{1} + ".repeat(n) + "{1}"),
            format!("type T = {}u8{};", "Vec<".repeat(n), ">".repeat(n)),
            format!("type T = {}u8{};", "A<u8, ".repeat(n), ">".repeat(n)),
            format!("type T = {}u8;", "fn() -> ".repeat(n)),
            format!("fn f() {{ if a {{}}{} }}", " else if a {}".repeat(n)),
            format!("fn f() {{ {}1{} }}", "(".repeat(n), ")".repeat(n)),
            "mod m { ".repeat(n),
        ] {
            assert!(deep(&text), "{}", &text[..80.min(text.len())]);
        }
    }

    #[test]
    fn delimiters_that_do_not_match_are_described() {
        let unclosed = scan("pub fn fine() {}\n\npub fn oops( {\n");
        assert_eq!(
            unclosed.delimiter_problem,
            Some((3, String::from("unclosed delimiter `{` opened on line 3")))
        );
        let mismatched = scan("fn f() {\n    g(1, 2];\n}\n");
        assert_eq!(
            mismatched.delimiter_problem,
            Some((
                2,
                String::from(
                    "mismatched closing delimiter `]`: `(` opened on line 2 is not closed"
                )
            ))
        );
        let unexpected = scan("fn f() {}\n}\n");
        assert_eq!(
            unexpected.delimiter_problem,
            Some((2, String::from("unexpected closing delimiter `}`")))
        );
        assert_eq!(scan("fn f() { let s = \"}\"; }").delimiter_problem, None);
    }

    #[test]
    fn odd_bytes_never_panic() {
        for text in [
            "'", "r#", "b'", "br#\"", "\"\\", "'\\", "/*", "r\"", "'é", "'\\u{", ">", ")",
        ] {
            let _ = scan(text);
        }
    }
}
