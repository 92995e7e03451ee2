//! Which function bodies are worth lowering.
//!
//! Most functions of a workspace never touch a database: lowering them to a
//! control-flow graph, keeping that graph for the whole run and exploring it
//! costs as much as parsing the file, for nothing. A body can only matter to
//! the analysis if its text names something that makes or hands out a
//! connection: a database crate (`sqlx::query`), a pack's name the file
//! imports (`PgPool` after `use sqlx::PgPool`), or a workspace name found to
//! lead to one (a function whose summary acquires, a struct that holds a
//! pool, a static of a connection type). So a body is lowered only when its
//! text mentions a word of the [`Vocabulary`] (distinctive acquire methods
//! and the usual names of pools and connections are words too: they spare
//! a second parse); the others keep their signature (calls still resolve to
//! them, and their summary is what their signature says) and an empty body.
//!
//! The workspace words are only known once summaries exist, so the caller
//! grows the vocabulary and lowers the skipped bodies that now mention one,
//! until nothing changes (`crate::lib`'s pipeline). The result is the same
//! as lowering every body; `--lower-all` checks it.

use crate::model::Name;
use rustc_hash::FxHashSet as HashSet;

use super::UseItem;
use crate::source::SourceFile;
use crate::source::Span;

/// Identifiers whose mention makes a body worth lowering.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    words: HashSet<String>,
    /// Methods that reach a connection, of types that hold none themselves
    /// (`Store::save` given a pool): a call to one resolves only through a
    /// receiver of its declared type, so they count with a receiver word
    /// beside them, or in a method of a receiver type (`self.store.save()`).
    methods: HashSet<String>,
    receivers: HashSet<String>,
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
    pub fn is_pack_path(&self, resolved: &[Name]) -> bool {
        let Some((last, before)) = resolved.split_last() else {
            return false;
        };
        self.import_words.contains(last.as_str())
            && (before.is_empty()
                || before
                    .iter()
                    .any(|s| self.import_words.contains(s.as_str())))
    }

    /// The names `uses` bring into a file from a path with a word or an
    /// import word (`use crate::state::AppState as St` gives `St` once
    /// `AppState` is a word); a glob from such a path brings every import word.
    pub fn imported_by<'u>(&self, uses: impl IntoIterator<Item = &'u UseItem>) -> Vocabulary {
        let mut imported = Vocabulary::default();
        for item in uses {
            let from_words = item.path.iter().any(|segment| {
                self.import_words.contains(segment.as_str())
                    || self.words.contains(segment.as_str())
            });
            if item.glob && (from_words || !is_external_non_pack(&item.path, self)) {
                // What a glob brings is not written here: any pack name may be.
                for word in &self.import_words {
                    imported.insert(word);
                }
            } else if from_words && !item.glob {
                imported.insert(&item.alias);
            }
        }
        imported
    }

    /// The names non-glob `uses` bring in from a path with a word
    /// (`use crate::state::AppState as St` gives `St` once `AppState` is
    /// one): what a grown vocabulary adds to a file's imports.
    pub fn aliases_of_words(&self, uses: &[UseItem]) -> Vocabulary {
        let mut aliases = Vocabulary::default();
        for item in uses.iter().filter(|item| !item.glob) {
            if item
                .path
                .iter()
                .any(|segment| self.words.contains(segment.as_str()))
            {
                aliases.insert(&item.alias);
            }
        }
        aliases
    }

    pub fn insert(&mut self, word: &str) -> bool {
        !word.is_empty() && !self.words.contains(word) && self.words.insert(word.to_string())
    }

    /// Adds the words (not the import words) of `other`.
    pub fn extend(&mut self, other: &Vocabulary) {
        for word in &other.words {
            self.insert(word);
        }
    }

    /// A method that reaches a connection, of a type that holds none.
    pub fn insert_method(&mut self, method: &str) {
        if !self.methods.contains(method) {
            self.methods.insert(method.to_string());
        }
    }

    /// A type whose values can be the receiver of such a method: its owner,
    /// or a type that holds one.
    pub fn insert_receiver(&mut self, type_name: &str) -> bool {
        !self.receivers.contains(type_name) && self.receivers.insert(type_name.to_string())
    }

    pub fn is_receiver(&self, type_name: &str) -> bool {
        self.receivers.contains(type_name)
    }

    /// How many words of every kind (import words aside): it only grows.
    pub fn size(&self) -> usize {
        self.words.len() + self.methods.len() + self.receivers.len()
    }

    pub fn contains(&self, word: &str) -> bool {
        self.words.contains(word)
    }

    /// Whether `text` mentions a word of the vocabulary (or of
    /// `imported`), or a method beside a receiver word (in a method of a
    /// receiver type `self_type`, `self` is one), or declares an item.
    /// Comments and strings are scanned too: a false hit only costs a
    /// lowering.
    pub fn mentioned_in(
        &self,
        text: &str,
        imported: Option<&Vocabulary>,
        self_type: Option<&str>,
    ) -> bool {
        let mut method = false;
        let mut receiver = self_type.is_some_and(|owner| self.receivers.contains(owner));
        for word in identifiers(text) {
            if self.words.contains(word)
                || imported.is_some_and(|i| i.words.contains(word))
                // An item inside the body (`fn helper()` in a function) is
                // declared only when the body is lowered, and calls
                // elsewhere resolve against every declared name.
                || word == "fn"
            {
                return true;
            }
            method |= self.methods.contains(word);
            receiver |= self.receivers.contains(word);
            if method && receiver {
                return true;
            }
        }
        false
    }
}

/// A glob from the standard library or a crate no pack is about
/// (`std::io::*`, `proptest::prelude::*`) cannot bring a pack's names; one
/// from the workspace (`crate::db::*`, `super::*`) may re-export them.
fn is_external_non_pack(path: &[Name], vocabulary: &Vocabulary) -> bool {
    match path.first().map(Name::as_str) {
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
                    || vocabulary.mentioned_in(text, self.imported, self_type)
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
        assert!(vocabulary.mentioned_in("self.pool.acquire().await", None, None));
        assert!(!vocabulary.mentioned_in("self.pool.acquired_at()", None, None));
        assert!(!vocabulary.mentioned_in("reacquire()", None, None));
    }

    #[test]
    fn a_method_counts_beside_a_receiver_word() {
        let mut vocabulary = Vocabulary::default();
        vocabulary.insert_method("save");
        vocabulary.insert_receiver("Store");
        vocabulary.insert_receiver("Desk");
        // A body's text starts at its name, after `fn`.
        let text = "f(&self) { self.store.save() }";
        assert!(vocabulary.mentioned_in("f(s: &Store) { s.save() }", None, None));
        assert!(vocabulary.mentioned_in(text, None, Some("Desk")));
        assert!(!vocabulary.mentioned_in(text, None, Some("Editor")));
        assert!(!vocabulary.mentioned_in("f(doc: &Doc) { doc.save() }", None, None));
        assert!(vocabulary.mentioned_in("f() { fn inner() {} }", None, None));
    }

    #[test]
    fn imports_from_pack_paths_become_words() {
        let mut vocabulary = Vocabulary::default();
        for word in ["sqlx", "PgPool"] {
            vocabulary.insert_import_word(word);
        }
        let item = |alias: &str, path: &[&str], glob: bool| UseItem {
            alias: Name::from(alias),
            path: path.iter().map(|s| Name::from(*s)).collect(),
            glob,
            module: 0,
        };
        let imported = vocabulary.imported_by(&[
            item("Db", &["sqlx", "PgPool"], false),
            item("HashMap", &["std", "collections", "HashMap"], false),
            item("*", &["std", "io"], true),
        ]);
        assert!(imported.contains("Db"));
        assert!(!imported.contains("HashMap"));
        assert!(!imported.contains("PgPool"));
        let imported = vocabulary.imported_by(&[item("*", &["crate", "db"], true)]);
        assert!(imported.contains("PgPool"));
    }
}
