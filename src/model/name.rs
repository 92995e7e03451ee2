//! Names of the model: identifiers, path segments, fields. A run meets the
//! same few thousand names again and again (`self`, `conn`, `sqlx`,
//! `execute`), in millions of places; each is kept once, and a [`Name`] is
//! one pointer to that copy: copied without an allocation, compared by
//! the pointer first, and hashed and ordered by its text, so that maps and
//! orders keyed by names behave as with `String`s.
//!
//! The copies are kept per thread and for the life of the process: a run
//! checks one workspace, and its names are what it is made of.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::fmt;
use std::ops::Deref;

use bumpalo::Bump;
use rustc_hash::FxHashMap;
use thin_vec::ThinVec;

/// One pointer: to the kept reference to the kept text.
#[derive(Clone, Copy)]
pub struct Name(&'static &'static str);

static EMPTY: &str = "";

thread_local! {
    static NAMES: RefCell<FxHashMap<&'static str, Name>> = RefCell::new(FxHashMap::default());
    /// Where the texts are kept: in large blocks of their own, not among
    /// the short-lived allocations of the run, whose freed space they would
    /// keep apart.
    static TEXTS: &'static Bump = Box::leak(Box::new(Bump::new()));
    static SCRATCH: RefCell<String> = const { RefCell::new(String::new()) };
}

impl Name {
    /// The name with this text.
    pub fn new(text: &str) -> Name {
        if text.is_empty() {
            return Name(&EMPTY);
        }
        NAMES.with(|names| {
            let mut names = names.borrow_mut();
            if let Some(&name) = names.get(text) {
                return name;
            }
            let name = TEXTS.with(|texts| {
                let kept: &'static str = texts.alloc_str(text);
                Name(texts.alloc(kept))
            });
            names.insert(*name.0, name);
            name
        })
    }

    /// The name a value displays as (`ident`, `format_args!(..)`), without
    /// a `String` of its own when the name is already known.
    pub fn of(value: impl fmt::Display) -> Name {
        use fmt::Write;
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut text) => {
                text.clear();
                let _ = write!(text, "{value}");
                Name::new(&text)
            }
            // Displaying `value` made a name itself.
            Err(_) => Name::new(&value.to_string()),
        })
    }

    pub fn as_str(&self) -> &str {
        self.0
    }
}

impl Default for Name {
    fn default() -> Name {
        Name(&EMPTY)
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        // Names of one thread are one copy each; a name made on another
        // thread is compared by its text.
        std::ptr::eq(self.0, other.0) || *self.0 == *other.0
    }
}

impl Eq for Name {}

impl std::hash::Hash for Name {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (*self.0).hash(state)
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Name) -> std::cmp::Ordering {
        (*self.0).cmp(*other.0)
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl From<&str> for Name {
    fn from(text: &str) -> Name {
        Name::new(text)
    }
}

impl From<&String> for Name {
    fn from(text: &String) -> Name {
        Name::new(text)
    }
}

impl From<String> for Name {
    fn from(text: String) -> Name {
        Name::new(&text)
    }
}

impl From<&Name> for Name {
    fn from(name: &Name) -> Name {
        *name
    }
}

impl From<Name> for String {
    fn from(name: Name) -> String {
        name.as_str().to_string()
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == other.as_str()
    }
}

/// `format!` for a [`Name`].
#[macro_export]
macro_rules! format_name {
    ($($arg:tt)*) => {
        $crate::model::Name::of(format_args!($($arg)*))
    };
}

/// A list of the model that does not grow once built (a path's segments, a
/// place's fields, a call's arguments): one pointer wide, its length kept
/// in its allocation, which is exactly its length; an empty one allocates
/// nothing. Most operations hold a place or a path, so this makes them a
/// quarter smaller than with boxed slices.
///
/// Built from a vector, the items move to an allocation of their length:
/// shrinking a vector in place leaves the freed tail as a sliver between
/// blocks that live for the whole run, and with millions of slivers every
/// later allocation searches the allocator's lists (a third more time on a
/// large tree).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slice<T>(ThinVec<T>);

impl<T> Default for Slice<T> {
    fn default() -> Slice<T> {
        Slice(ThinVec::new())
    }
}

impl<T> Deref for Slice<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Slice<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.0
    }
}

impl<T> From<Vec<T>> for Slice<T> {
    fn from(items: Vec<T>) -> Slice<T> {
        let mut exact = ThinVec::with_capacity(items.len());
        exact.extend(items);
        Slice(exact)
    }
}

impl<T: Clone> From<&[T]> for Slice<T> {
    fn from(items: &[T]) -> Slice<T> {
        let mut exact = ThinVec::with_capacity(items.len());
        exact.extend_from_slice(items);
        Slice(exact)
    }
}

impl<T> FromIterator<T> for Slice<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Slice<T> {
        let items = items.into_iter();
        match items.size_hint() {
            (low, Some(high)) if low == high => {
                let mut exact = ThinVec::with_capacity(low);
                exact.extend(items);
                Slice(exact)
            }
            _ => Slice::from(items.collect::<Vec<T>>()),
        }
    }
}

impl<'a, T> IntoIterator for &'a Slice<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T: fmt::Debug> fmt::Debug for Slice<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_kept_once_and_compare_by_text() {
        let a = Name::new("connection");
        let b = Name::from(String::from("connection"));
        assert!(std::ptr::eq(a.as_str(), b.as_str()));
        assert_eq!(a, "connection");
        assert!(Name::new("a") < Name::new("b"));
        assert_eq!(Name::of(format_args!("{}#{}", "Some", 0)), "Some#0");
        let set: rustc_hash::FxHashSet<Name> = [a].into_iter().collect();
        assert!(set.contains("connection"));
    }

    #[test]
    fn names_from_other_threads_are_equal() {
        let here = Name::new("pool");
        let there = std::thread::spawn(|| Name::new("pool")).join().unwrap();
        assert_eq!(here, there);
    }

    #[test]
    fn slices_are_allocated_at_their_length() {
        let mut grown = Vec::with_capacity(16);
        grown.extend(["a", "b", "c"].map(Name::new));
        let slice = Slice::from(grown);
        assert_eq!(&slice[..], &["a", "b", "c"].map(Name::new)[..]);
        assert_eq!(slice.0.capacity(), 3);
        // An iterator of unknown length goes through a vector first.
        let filtered: Slice<u32> = (0..100).filter(|n| n % 7 == 0).collect();
        assert_eq!(filtered.len(), 15);
        assert_eq!(filtered.0.capacity(), 15);
        let empty: Slice<u32> = Vec::with_capacity(8).into();
        assert_eq!(empty.0.capacity(), 0);
    }
}
