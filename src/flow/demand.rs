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
/// structs, enums and aliases with a field or target of a pack's type or of
/// such a workspace type (to a fixpoint: `AppState { db: Db }` joins once
/// `Db { pool: PgPool }` has), statics of such types, and functions whose
/// summary acquires, keeps a pool or returns a connection, or whose return
/// type is such a type. Types are read as their declaring file resolves
/// them, so a project's own `Config` is not deadpool's.
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
    let contexts: Vec<FileContext> = files
        .iter()
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
    loop {
        let mut grown = false;
        for (context, name, fields) in &types {
            if !words.contains(name)
                && fields
                    .iter()
                    .any(|ty| leads_to(ty, context, &words, &pack_words))
            {
                grown |= words.insert(name);
            }
        }
        if !grown {
            break;
        }
    }
    for context in &contexts {
        for definition in &context.file.statics {
            let typed = definition.ty.as_ref();
            if typed.is_some_and(|ty| leads_to(ty, context, &words, &pack_words)) {
                words.insert(&definition.name);
            }
        }
        for function in &context.file.functions {
            if function.kind != BodyKind::Fn {
                continue;
            }
            let has_facts = summaries.get(&function.name).is_some_and(|summary| {
                !summary.acquires.is_empty()
                    || summary.returns.is_some()
                    || !summary.keeps.is_empty()
            });
            let returns = function.ret.as_ref();
            if has_facts || returns.is_some_and(|ty| leads_to(ty, context, &words, &pack_words)) {
                let called_as = function.name.rsplit("::").next().unwrap_or(&function.name);
                words.insert(called_as);
            }
        }
    }
    words
}

/// Whether a path anywhere in the type is a pack's path as the file
/// resolves it (`PgPool` after `use sqlx::PgPool`), or names a word.
fn leads_to(ty: &TypeRef, context: &FileContext, words: &Vocabulary, packs: &Vocabulary) -> bool {
    match ty {
        TypeRef::Path { segments, args } => {
            segments.iter().any(|segment| words.contains(segment))
                || packs.is_pack_path(&context.resolve_path(segments))
                || args.iter().any(|arg| leads_to(arg, context, words, packs))
        }
        TypeRef::Ref { inner, .. } | TypeRef::Slice(inner) => {
            leads_to(inner, context, words, packs)
        }
        TypeRef::Tuple(elements) => elements.iter().any(|e| leads_to(e, context, words, packs)),
        TypeRef::Bounds(paths) => paths.iter().any(|path| {
            path.iter().any(|segment| words.contains(segment))
                || packs.is_pack_path(&context.resolve_path(path))
        }),
        TypeRef::Other => false,
    }
}
