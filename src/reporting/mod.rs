//! Output formats, one module per format, plus what every format shares: the
//! fingerprint, display names and the conversion of our (line, column)
//! positions to what a printer needs.
//!
//! Reporters only read a [`crate::Report`]; they never sort, filter or change
//! findings (the pipeline does that), and they never fail on a position that
//! lies outside its file or a file id that is unknown: such positions are
//! clamped or dropped, because a broken location must not hide the finding.

pub mod cargo;
pub mod github;
pub mod gitlab;
pub mod html;
pub mod human;
pub mod json;
pub mod sarif;
pub mod short;
pub mod statistics;
pub mod timings;

use std::ops::Range;

use crate::findings::Finding;

use crate::rules::Lint;
use crate::source::SourceMap;
use crate::source::{FileId, Location, Pos};

/// A hash of what the finding is about that does not move with line numbers.
///
/// It covers the lint, the file, the enclosing item and the source text of the
/// primary and acquire spans with whitespace collapsed, so that re-indenting or
/// inserting lines above leaves it unchanged, while a different lint or a
/// different statement gives a different value. 16 lowercase hex digits of
/// 64-bit FNV-1a: written out here because std's `DefaultHasher` is not
/// guaranteed to give the same value across Rust releases, and baselines keyed
/// on fingerprints must survive a toolchain upgrade.
pub fn fingerprint(finding: &Finding, sources: &SourceMap) -> String {
    let mut hash = Fnv1a::new();
    hash.field(finding.lint.name());
    hash.field(display_path(sources, finding.primary.file));
    hash.field(&finding.enclosing_item);
    hash.field(&span_text(sources, finding.primary));
    match finding.acquired_at {
        Some(acquired_at) => {
            hash.field(display_path(sources, acquired_at.file));
            hash.field(&span_text(sources, acquired_at));
        }
        None => hash.field(""),
    }
    format!("{:016x}", hash.finish())
}

/// The display path of a file, or a placeholder when the id is unknown (a bug
/// upstream, but the finding is still worth showing).
pub(crate) fn display_path(sources: &SourceMap, file: FileId) -> &str {
    sources
        .get(file)
        .map(|source| source.display.as_str())
        .unwrap_or("<unknown file>")
}

/// Byte range of a location, clamped to its file; `None` when the file is
/// unknown. The end never precedes the start.
pub(crate) fn byte_range(sources: &SourceMap, location: Location) -> Option<Range<usize>> {
    let source = sources.get(location.file)?;
    let start = source.offset(location.span.start);
    let end = source.offset(location.span.end).max(start);
    Some(start..end)
}

/// A lint's documentation as Markdown: its doc comment without the space
/// that follows each `///`. What `--explain` prints and SARIF's rule help.
pub fn lint_docs(lint: Lint) -> String {
    let mut text = String::new();
    for line in lint.info().docs.lines() {
        let line = line.strip_prefix(' ').unwrap_or(line);
        // Doc examples are marked for rustdoc not to compile them; readers
        // only need to know they are Rust.
        let line = if line == "```rust,ignore" {
            "```rust"
        } else {
            line
        };
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// Where a lint's page is published: `docs/lints/<name>.md` in the
/// repository named by `repository` in Cargo.toml.
pub fn lint_url(lint: Lint) -> String {
    format!(
        "{}/blob/main/docs/lints/{}.md",
        env!("CARGO_PKG_REPOSITORY"),
        lint.name()
    )
}

/// A lint's page under `docs/lints/`, generated from its declaration (a
/// test keeps the files in step): title, default level, summary, the docs.
pub fn lint_page(lint: Lint) -> String {
    let info = lint.info();
    let level = match info.default_level {
        crate::findings::Level::Deny => "deny",
        crate::findings::Level::Warn => "warn",
        crate::findings::Level::Allow => "allow",
    };
    let silence = if lint.is_about_suppressions() {
        String::from(
            "Comments cannot suppress it; set its level under `[lints]` in `connleak.toml`.",
        )
    } else {
        format!(
            "Silence one finding with `// connleak: allow({}) -- <reason>`, or set the level \
             under `[lints]` in `connleak.toml`.",
            info.name
        )
    };
    let mut page = format!(
        "<!-- Generated from the lint's declaration in src/rules/; do not edit. \
         Regenerate with: CONNLEAK_UPDATE_DOCS=1 cargo test --test lint_docs -->\n\n\
         # `{}`\n\n**Default level:** {level}. {}.\n\n{silence} \
         `cargo connleak --explain {}` prints the same documentation.\n\n",
        info.name,
        capitalised(info.summary),
        info.name
    );
    // The docs' sections are `##` headings already: they sit under the title.
    page.push_str(lint_docs(lint).trim_end());
    page.push('\n');
    page
}

/// The index of `docs/lints/`: every lint with its level and summary.
pub fn lint_index() -> String {
    let mut page = String::from(
        "<!-- Generated from the lints' declarations in src/rules/; do not edit. \
         Regenerate with: CONNLEAK_UPDATE_DOCS=1 cargo test --test lint_docs -->\n\n\
         # Lints\n\n| lint | default | what it finds |\n|---|---|---|\n",
    );
    for lint in Lint::ALL {
        let info = lint.info();
        let level = match info.default_level {
            crate::findings::Level::Deny => "deny",
            crate::findings::Level::Warn => "warn",
            crate::findings::Level::Allow => "allow",
        };
        page.push_str(&format!(
            "| [`{0}`]({0}.md) | {level} | {1} |\n",
            info.name, info.summary
        ));
    }
    page
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The "What it does" section of a lint's docs as one paragraph.
pub fn lint_description(lint: Lint) -> String {
    let docs = lint_docs(lint);
    let section = docs
        .split("## ")
        .find_map(|section| section.strip_prefix("What it does"))
        .unwrap_or(lint.info().summary);
    section.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A location's start and end as 1-based (line, column) pairs with the end
/// exclusive, clamped so that lines are at least 1 and the end never
/// precedes the start: what every machine format needs, whatever the
/// location holds.
pub(crate) fn one_based_region(location: Location) -> ((u32, u32), (u32, u32)) {
    let start = location.span.start;
    let start = (start.line.max(1), start.column.saturating_add(1));
    let end: Pos = location.span.end;
    let end = (end.line.max(1), end.column.saturating_add(1));
    (start, end.max(start))
}

/// A path as a URI reference: `/` kept, unreserved characters kept,
/// everything else percent-encoded as UTF-8.
pub(crate) fn uri_path(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

/// The text a fingerprint sees for a span: its source with whitespace runs
/// collapsed to one space. A zero-width span (a fall-through exit, say) has no
/// text of its own, so its trimmed line stands in for it; that keeps two such
/// findings in one function apart without bringing the line number in.
fn span_text(sources: &SourceMap, location: Location) -> String {
    let Some(source) = sources.get(location.file) else {
        return String::new();
    };
    let snippet = collapse_whitespace(source.snippet(location.span.start, location.span.end));
    if snippet.is_empty() {
        collapse_whitespace(source.line_text(location.span.start.line))
    } else {
        snippet
    }
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// 16 hex digits of the fingerprint's hash over `fields`: for entries that
/// have no finding to take a fingerprint from (files that could not be
/// checked).
pub(crate) fn hash_fields(fields: &[&str]) -> String {
    let mut hash = Fnv1a::new();
    for field in fields {
        hash.field(field);
    }
    format!("{:016x}", hash.finish())
}

/// 64-bit FNV-1a (<http://www.isthe.com/chongo/tech/comp/fnv/>).
struct Fnv1a(u64);

impl Fnv1a {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Fnv1a {
        Fnv1a(Self::OFFSET_BASIS)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    /// One field followed by a separator byte that cannot occur in UTF-8, so
    /// that ("ab", "c") and ("a", "bc") hash differently.
    fn field(&mut self, text: &str) {
        self.bytes(text.as_bytes());
        self.bytes(&[0xff]);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Fnv1a;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        let mut empty = Fnv1a::new();
        empty.bytes(b"");
        assert_eq!(empty.finish(), 0xcbf2_9ce4_8422_2325);
        let mut a = Fnv1a::new();
        a.bytes(b"a");
        assert_eq!(a.finish(), 0xaf63_dc4c_8601_ec8c);
        let mut foobar = Fnv1a::new();
        foobar.bytes(b"foobar");
        assert_eq!(foobar.finish(), 0x8594_4171_f739_67e8);
    }
}
