//! The workspace's own words for [`crate::model::relevance`]: once the
//! summaries exist, the names that lead to a connection are known, and a
//! body that mentions one of them must be lowered after all.

use std::collections::BTreeSet;

use super::resolve::FileContext;
use super::summaries::Summaries;
use super::table::PackTable;
use crate::model::index::Index;
use crate::model::relevance::Vocabulary;
use crate::model::{BodyKind, FileIr, TypeRef};

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
    index: &Index,
    table: &PackTable,
    summaries: &Summaries,
    base: &Vocabulary,
) -> Vocabulary {
    let mut words = base.clone();
    // A pack no file can have (not a dependency, its crate never named)
    // matches nothing in the analysis: its types lead nowhere.
    let named: BTreeSet<&String> = files.iter().flat_map(|f| &f.crate_roots).collect();
    let pack_words = table.vocabulary_of(|pack| {
        pack.active_by_dependency || pack.crates.iter().any(|root| named.contains(root))
    });
    // Type paths are resolved in the files that declare types.
    let contexts: Vec<FileContext> = files
        .iter()
        .filter(|f| !(f.structs.is_empty() && f.aliases.is_empty() && f.statics.is_empty()))
        .map(|file| FileContext::new(file, index, table, summaries))
        .collect();
    let mut types: Vec<(&FileContext, &String, Vec<&TypeRef>)> = Vec::new();
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
        for function in &file.functions {
            if function.kind != BodyKind::Fn {
                continue;
            }
            let has_facts = summaries.get(&function.name).is_some_and(|summary| {
                !summary.acquires.is_empty()
                    || summary.returns.is_some()
                    || !summary.keeps.is_empty()
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
fn leads_to(ty: &TypeRef, context: &FileContext, words: &Vocabulary, packs: &Vocabulary) -> bool {
    ty.any_path(&|path| {
        path.iter().any(|segment| words.contains(segment))
            || packs.is_pack_path(&context.resolve_path(path))
    })
}
