//! The workspace's own words for [`crate::model::relevance`]: once the
//! summaries exist, the names that lead to a connection are known, and a
//! body that mentions one of them must be lowered after all.

use crate::model::Name;
use rustc_hash::FxHashMap;
use std::collections::BTreeSet;

use super::summaries::Summaries;
use super::table::PackTable;
use crate::model::relevance::Vocabulary;
use crate::model::{BodyKind, FileIr, TypeRef};
use crate::semantics::FuncLoc;

/// `base` with the workspace names that lead to a connection or a pool:
/// - holders: structs, enums and aliases with a field or target of a pack's
///   type or of another holder (`AppState { db: Db }` once
///   `Db { pool: PgPool }` is one), read as their declaring file resolves
///   them, so a project's own `Config` is not deadpool's;
/// - statics of such types;
/// - functions whose summary acquires, keeps a pool or returns a
///   connection (the analysis reads nothing else of a callee): a free
///   function by its name; a method of a type that is no holder by its name
///   beside a receiver word (its owner, a type holding an owner), or in a
///   method of a receiver type.
pub fn workspace_words(
    files: &[FileIr],
    table: &PackTable,
    summaries: &Summaries,
    base: &Vocabulary,
) -> Vocabulary {
    let mut words = base.clone();
    // A pack no file can have (not a dependency, its crate never named)
    // matches nothing in the analysis: its types lead nowhere.
    let named: BTreeSet<&str> = files
        .iter()
        .flat_map(|f| f.crate_roots.iter().map(Name::as_str))
        .collect();
    let pack_words = table.vocabulary_of(|pack| {
        pack.active_by_dependency || pack.crates.iter().any(|root| named.contains(root.as_str()))
    });
    // Type paths are resolved through the `use` items of the files that
    // declare types: a filter for lowering, wider than the analysis.
    let contexts: Vec<UseMap> = files
        .iter()
        .filter(|f| !(f.structs.is_empty() && f.aliases.is_empty() && f.statics.is_empty()))
        .map(UseMap::of)
        .collect();
    let mut types: Vec<(&UseMap, &Name, Vec<&TypeRef>)> = Vec::new();
    for context in &contexts {
        for definition in &context.file.structs {
            let fields = definition.fields.iter().map(|f| &f.ty).collect();
            types.push((context, &definition.name, fields));
        }
        for alias in &context.file.aliases {
            types.push((context, &alias.name, vec![&alias.ty]));
        }
    }
    // Workspace types that hold a connection or a pool, read by name like
    // the analysis reads a field's type (`AppState { db: Db }` once
    // `Db { pool: PgPool }` is one).
    let mut holders = Vocabulary::default();
    loop {
        let mut grown = false;
        for (context, name, fields) in &types {
            if !holders.contains(name)
                && fields
                    .iter()
                    .any(|ty| leads_to(ty, context, &holders, &pack_words))
            {
                grown |= holders.insert(name);
            }
        }
        if !grown {
            break;
        }
    }
    for file in files {
        for (index, function) in file.functions.iter().enumerate() {
            if function.kind != BodyKind::Fn {
                continue;
            }
            let func = FuncLoc {
                file: file.file,
                index: index as u32,
            };
            let has_facts = summaries.get(func).is_some_and(|summary| {
                !summary.acquires.is_empty()
                    || summary.returns.is_some()
                    || !summary.keeps.is_empty()
                    || summary.builds_pool.is_some()
            });
            if !has_facts {
                continue;
            }
            match function.name.rsplit_once("::") {
                // A holder's own name is a word already.
                Some((owner, method)) if !holders.contains(owner) => {
                    words.insert_method(method);
                    words.insert_receiver(owner);
                }
                Some(_) => {}
                // A free function is called by its name.
                None => {
                    words.insert(&function.name);
                }
            }
        }
    }
    // A receiver of such a method is typed by its owner, or reached through
    // a value of a type that holds one (`state.store.save()`, or
    // `self.store.save()` in a method of such a type).
    loop {
        let mut grown = false;
        for (_, name, fields) in &types {
            if !words.is_receiver(name) && fields.iter().any(|ty| names_receiver(ty, &words)) {
                grown |= words.insert_receiver(name);
            }
        }
        if !grown {
            break;
        }
    }
    for context in &contexts {
        for definition in &context.file.statics {
            let typed = definition.ty.as_ref();
            if typed.is_some_and(|ty| leads_to(ty, context, &holders, &pack_words)) {
                words.insert(&definition.name);
            }
        }
    }
    words.extend(&holders);
    words
}

/// Whether a path anywhere in the type names a receiver type.
fn names_receiver(ty: &TypeRef, words: &Vocabulary) -> bool {
    ty.any_path(&|path| path.iter().any(|segment| words.is_receiver(segment)))
}

/// Whether a path anywhere in the type is a pack's path as the file
/// resolves it (`PgPool` after `use sqlx::PgPool`; not `sqlx::Result`), or
/// names a relevant workspace type.
fn leads_to(ty: &TypeRef, context: &UseMap, words: &Vocabulary, packs: &Vocabulary) -> bool {
    ty.any_path(&|path| {
        path.iter().any(|segment| words.contains(segment))
            || packs.is_pack_path(&context.resolve_path(path))
    })
}

/// A file's `use` items by the name they bind.
struct UseMap<'a> {
    file: &'a FileIr,
    uses: FxHashMap<&'a str, &'a [Name]>,
}

impl<'a> UseMap<'a> {
    fn of(file: &'a FileIr) -> UseMap<'a> {
        UseMap {
            file,
            uses: file
                .uses
                .iter()
                .filter(|u| !u.glob)
                .map(|u| (u.alias.as_str(), u.path.as_slice()))
                .collect(),
        }
    }

    /// A written path with its first segment replaced by what a `use`
    /// names, and `crate::` / `self::` / `super::` dropped.
    fn resolve_path(&self, written: &[Name]) -> Vec<Name> {
        let skip = |path: &[Name]| {
            path.iter()
                .position(|s| !matches!(s.as_str(), "crate" | "self" | "super" | "$crate"))
                .unwrap_or(0)
        };
        let segments = &written[skip(written)..];
        let Some(first) = segments.first() else {
            return Vec::new();
        };
        match self.uses.get(first.as_str()) {
            Some(target) if !target.is_empty() => {
                let mut resolved: Vec<Name> = target[skip(target)..].to_vec();
                resolved.extend(segments[1..].iter().cloned());
                resolved
            }
            _ => segments.to_vec(),
        }
    }
}
