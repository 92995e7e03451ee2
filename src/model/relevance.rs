//! Which function bodies are worth lowering.
//!
//! Most functions of a workspace never touch a database: lowering them to a
//! control-flow graph, keeping that graph for the whole run and exploring it
//! costs as much as parsing the file, for nothing. A body can only matter to
//! the analysis if its text names something that makes or hands out a
//! connection: a pack entry (`acquire`, `PgPool`, `execute`...), or a
//! workspace name found to lead to one (a function whose summary acquires, a
//! struct that holds a pool, a static of a connection type). So a body is
//! lowered only when its text mentions a word of the [`Vocabulary`]; the
//! others keep their signature (calls still resolve to them, and their
//! summary is what their signature says) and an empty body.
//!
//! The workspace words are only known once summaries exist, so the caller
//! grows the vocabulary and lowers again the files whose skipped bodies
//! mention a new word, until nothing changes (`crate::lib`'s pipeline). The
//! result is the same as lowering every body; `--lower-all` checks it.

use std::collections::HashSet;

use super::UseItem;
use crate::findings::Span;
use crate::source::SourceFile;

/// Identifiers whose mention makes a body worth lowering.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    words: HashSet<String>,
    /// A `use` of a path with one of these segments makes the name it
    /// imports a word in that file (`use sqlx::PgPool as Db` gives `Db`).
    import_words: HashSet<String>,
}

impl Vocabulary {
    pub fn insert_import_word(&mut self, word: &str) {
        if !self.import_words.contains(word) {
            self.import_words.insert(word.to_string());
        }
    }

    /// Whether a resolved path can be a pack's: its last segment is a
    /// segment of some entry, and so is one before it (`sqlx::PgPool`,
    /// `deadpool_postgres::Config`), or it stands alone (a bare `PgPool`
    /// from a glob import). `crate::config::Config` is not.
    pub fn is_pack_path(&self, resolved: &[String]) -> bool {
        let Some((last, before)) = resolved.split_last() else {
            return false;
        };
        self.import_words.contains(last)
            && (before.is_empty() || before.iter().any(|s| self.import_words.contains(s)))
    }

    /// The names `uses` bring into a file from a path with a word or an
    /// import word (`use crate::state::AppState as St` gives `St` once
    /// `AppState` is a word); a glob from such a path brings every import word.
    pub fn imported_by(&self, uses: &[UseItem]) -> Vocabulary {
        let mut imported = Vocabulary::default();
        for item in uses {
            let from_words = item
                .path
                .iter()
                .any(|segment| self.import_words.contains(segment) || self.words.contains(segment));
            if item.glob && (from_words || !is_external_non_pack(&item.path, self)) {
                // What a glob brings is not written here: any pack name may be.
                for word in &self.import_words {
                    imported.insert(word);
                }
                continue;
            }
            if !from_words {
                continue;
            }
            if item.glob {
                for word in &self.import_words {
                    imported.insert(word);
                }
            } else {
                imported.insert(&item.alias);
            }
        }
        imported
    }

    pub fn insert(&mut self, word: &str) -> bool {
        !word.is_empty() && !self.words.contains(word) && self.words.insert(word.to_string())
    }

    pub fn contains(&self, word: &str) -> bool {
        self.words.contains(word)
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The words of `self` that `older` lacks (import words aside).
    pub fn since(&self, older: &Vocabulary) -> Vocabulary {
        Vocabulary {
            words: self.words.difference(&older.words).cloned().collect(),
            import_words: HashSet::new(),
        }
    }

    /// Whether any identifier of `text` is a word of the vocabulary.
    /// Comments and strings are scanned too: a false hit only costs a
    /// lowering.
    pub fn mentioned_in(&self, text: &str) -> bool {
        identifiers(text).any(|word| self.words.contains(word))
    }
}

/// A glob from the standard library or a crate no pack is about
/// (`std::io::*`, `proptest::prelude::*`) cannot bring a pack's names; one
/// from the workspace (`crate::db::*`, `super::*`) may re-export them.
fn is_external_non_pack(path: &[String], vocabulary: &Vocabulary) -> bool {
    match path.first().map(String::as_str) {
        None | Some("crate" | "self" | "super") => false,
        Some(root) => !vocabulary.import_words.contains(root),
    }
}

/// Which bodies a lowering builds: all of them, or those that mention a
/// word of the vocabulary or one the file imports from a pack's path.
#[derive(Clone, Copy)]
pub struct BodySelection<'a> {
    pub vocabulary: Option<&'a Vocabulary>,
    pub imported: Option<&'a Vocabulary>,
    pub source: &'a SourceFile,
}

impl BodySelection<'_> {
    /// Whether the body of the function named at `name` and ending at
    /// `end` (its closing brace), a method of `self_type` if any, is lowered.
    pub fn wants(&self, name: Span, end: Span, self_type: Option<&str>) -> bool {
        match self.vocabulary {
            None => true,
            Some(vocabulary) => {
                let text = self.source.snippet(name.start, end.end);
                let imported = self.imported.unwrap_or(vocabulary);
                self_type
                    .is_some_and(|owner| vocabulary.contains(owner) || imported.contains(owner))
                    || identifiers(text).any(|word| {
                        vocabulary.contains(word)
                            || imported.contains(word)
                            // An item inside the body (`fn helper()` in a
                            // function) is declared only when the body is
                            // lowered, and calls elsewhere resolve against
                            // every declared name.
                            || word == "fn"
                    })
            }
        }
    }
}

/// The identifier-like words of a text, keywords included; numbers skipped.
pub fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() {
            let start = at;
            let first = bytes[at];
            if is_word_byte(first) {
                while at < bytes.len() && is_word_byte(bytes[at]) {
                    at += 1;
                }
                // Word boundaries fall on ASCII bytes, so these are char boundaries.
                if !first.is_ascii_digit() {
                    return Some(&text[start..at]);
                }
            } else {
                at += 1;
            }
        }
        None
    })
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_words_and_skips_numbers() {
        let words: Vec<&str> =
            identifiers("let x1 = 0x1f + pool.acquire()?; // größe r#type").collect();
        assert_eq!(
            words,
            ["let", "x1", "pool", "acquire", "größe", "r", "type"]
        );
    }

    #[test]
    fn a_vocabulary_word_anywhere_counts() {
        let mut vocabulary = Vocabulary::default();
        vocabulary.insert("acquire");
        assert!(vocabulary.mentioned_in("self.pool.acquire().await"));
        assert!(!vocabulary.mentioned_in("self.pool.acquired_at()"));
        assert!(!vocabulary.mentioned_in("reacquire()"));
    }
}
