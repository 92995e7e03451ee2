//! Lowering: syn syntax trees to the plain-data model.
//!
//! Owns the translation of one parsed file into a [`FileIr`]: items for the
//! workspace index, and one control-flow graph per body (functions, methods,
//! closures, async blocks). It records calls, places, string literals and
//! types as written and decides nothing about databases: which call acquires
//! or releases is the packs' business, in `flow`. The only roles it knows are
//! the language's own (panic macros, join macros, entry-point and test
//! attributes), read from the core pack.
//!
//! Runs on the worker that parsed the file; nothing it returns holds syn.

use crate::model::ThinVec;
use std::collections::BTreeSet;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;

use crate::model::relevance::{BodySelection, Vocabulary};
use crate::model::spans;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Attribute, Block as SynBlock, Expr, Item, Pat, Stmt, Token, Type};

use super::{
    AggregateKind, AwaitSketch, Block, BlockId, BodyKind, Callee, Capture, Edge, EdgeKind,
    ExitKind, FieldDef, FileIr, FnId, FnIr, FnOwner, FnRole, ImplDef, ImplIndex, ItemExtent, Local,
    LocalId, LoopId, LoopInfo, ModDecl, Mode, ModuleDef, ModuleIndex, Name, Op, OpKind, Operand,
    Place, PlaceRoot, SketchStart, StaticDef, StructDef, TempId, Terminator, TraitDef, TraitIndex,
    TypeAlias, TypeBound, TypeRef, UseItem,
};
use crate::packs::CoreRoles;
use crate::source::SourceFile;
use crate::source::{FileId, Span};

mod body;
mod control;
mod exprs;
mod items;
mod macros;
mod nested;
mod syntax;

use body::*;
use items::*;
use syntax::*;

pub use items::type_ref;

/// Expressions nested deeper than this are not followed further: the rest of
/// such an expression is treated as opaque, so that lowering never recurses
/// without bound on generated code.
const MAX_EXPR_DEPTH: u32 = 400;

/// Lowers a parsed file: its items, and the bodies that mention a word of
/// `vocabulary` (`None`: every body); the others keep their signature and
/// no blocks (see [`crate::model::relevance`]).
pub fn lower_file(
    syntax: &syn::File,
    file: FileId,
    source: &SourceFile,
    core: &CoreRoles,
    vocabulary: Option<&Vocabulary>,
) -> FileIr {
    let (modules, uses) = collect_modules(&syntax.items, core);
    let imported = vocabulary.map(|words| {
        // `use super::*` in an inline module (`mod tests`) brings what this
        // file already imports: not a glob from elsewhere.
        let from_elsewhere = uses.iter().filter(|item| {
            !(item.module != 0 && item.glob && item.path.first().is_some_and(|s| s == "super"))
        });
        words.imported_by(from_elsewhere)
    });
    let selection = BodySelection {
        vocabulary,
        imported: imported.as_ref(),
        source,
    };
    let mut lowerer = FileLowerer {
        core,
        selection,
        ir: FileIr {
            file,
            lines: source.line_count(),
            uses,
            modules,
            ..FileIr::default()
        },
        modules_seen: 0,
    };
    let mut roots = BTreeSet::new();
    RootCollector { roots: &mut roots }.visit_file(syntax);
    let scope = ItemScope::default();
    lowerer.items(&syntax.items, &scope);
    lowerer.ir.crate_roots = roots.into_iter().collect();
    let mut ir = lowerer.ir;
    release_spare_capacity(&mut ir);
    ir
}

/// Lowers bodies a first lowering skipped (`wanted`: their ids), once the
/// workspace shows they matter (see [`crate::model::relevance`]). Only each
/// function's own text is parsed, its positions moved to its place in the
/// file so that every span is the one a whole-file parse gives. Their closures and async
/// blocks are added at the end of the file's functions.
pub fn lower_skipped_bodies(
    ir: &mut FileIr,
    source: &SourceFile,
    core: &CoreRoles,
    wanted: &[FnId],
) {
    let lowered_before = ir.functions.len();
    for &id in wanted {
        let Some(function) = ir.functions.get(id as usize) else {
            continue;
        };
        if !function.blocks.is_empty() {
            continue;
        }
        let extent = ir.items.iter().find(|extent| {
            extent.name == function.name
                && extent.span.start <= function.span.start
                && function.end_span.end <= extent.span.end
        });
        let Some(extent) = extent else {
            continue;
        };
        let (name, role) = (function.name, function.role);
        let place = FnPlace {
            module: function.module,
            owner: function.owner,
            self_type: function.self_type,
            generics: function.generics.to_vec(),
        };
        let (text, columns_before) = text_in_place(source, extent.span);
        let parsed = spans::placed_at(extent.span.start, columns_before, || {
            syn::parse_str::<syn::ImplItemFn>(text).map(|item| (item.sig.ident.span(), item))
        });
        if let Ok((name_span, item)) = parsed {
            let mut lowerer = FileLowerer {
                core,
                selection: BodySelection {
                    vocabulary: None,
                    imported: None,
                    source,
                },
                ir: FileIr {
                    functions: std::mem::take(&mut ir.functions),
                    impls: std::mem::take(&mut ir.impls),
                    traits: std::mem::take(&mut ir.traits),
                    structs: std::mem::take(&mut ir.structs),
                    aliases: std::mem::take(&mut ir.aliases),
                    statics: std::mem::take(&mut ir.statics),
                    ..FileIr::default()
                },
                modules_seen: 0,
            };
            spans::placed_at(extent.span.start, columns_before, || {
                lowerer.function(
                    Some(id),
                    name,
                    place,
                    &item.sig,
                    Some(&item.block),
                    role,
                    name_span,
                )
            });
            ir.functions = lowerer.ir.functions;
            ir.impls = lowerer.ir.impls;
            ir.traits = lowerer.ir.traits;
            ir.structs = lowerer.ir.structs;
            ir.aliases = lowerer.ir.aliases;
            ir.statics = lowerer.ir.statics;
        }
        proc_macro2::extra::invalidate_current_thread_spans();
    }
    // The bodies lowered here, and the closures and async blocks they added.
    for &id in wanted {
        if let Some(function) = ir.functions.get_mut(id as usize) {
            release_body_capacity(function);
        }
    }
    for function in ir.functions.iter_mut().skip(lowered_before) {
        release_body_capacity(function);
    }
    to_length(&mut ir.functions);
}

/// The text of `span`, and the characters before it on its first line:
/// parsed alone under [`spans::placed_at`], it gets the positions it has in
/// the file (no padding is built or tokenized, whatever its place).
fn text_in_place(source: &SourceFile, span: Span) -> (&str, u32) {
    let line_start = source.offset(crate::source::Pos {
        line: span.start.line,
        column: 0,
    });
    let start = source.offset(span.start);
    let end = source.offset(span.end).max(start);
    let columns_before = source.text[line_start..start].chars().count() as u32;
    (&source.text[start..end], columns_before)
}

fn release_spare_capacity(ir: &mut FileIr) {
    for function in &mut ir.functions {
        release_body_capacity(function);
    }
    to_length(&mut ir.functions);
    to_length(&mut ir.uses);
    to_length(&mut ir.items);
}

/// A body is kept for the whole run: the vectors grown while lowering it
/// keep only what they hold.
fn release_body_capacity(function: &mut FnIr) {
    for block in &mut function.blocks {
        thin_to_length(&mut block.ops);
        if let Terminator::Jump(edges) = &mut block.term {
            thin_to_length(edges);
        }
    }
    thin_to_length(&mut function.blocks);
    thin_to_length(&mut function.locals);
    thin_to_length(&mut function.params);
    thin_to_length(&mut function.loops);
    thin_to_length(&mut function.captures);
    thin_to_length(&mut function.arms);
    thin_to_length(&mut function.generics);
    thin_to_length(&mut function.await_sketches);
}

/// Moves what `vector` holds to an allocation of its length. Shrinking in
/// place would leave the freed tail as a sliver between blocks that live
/// for the run, and slivers by the million make every later allocation
/// search the allocator's lists (a third more time on a large tree).
fn to_length<T>(vector: &mut Vec<T>) {
    if vector.capacity() > vector.len() {
        let mut exact = Vec::with_capacity(vector.len());
        exact.append(vector);
        *vector = exact;
    }
}

/// [`to_length`] for the model's thin vectors.
fn thin_to_length<T>(vector: &mut ThinVec<T>) {
    if vector.capacity() > vector.len() {
        let mut exact = ThinVec::with_capacity(vector.len());
        exact.extend(vector.drain(..));
        *vector = exact;
    }
}

/// `(line, column)` of a proc-macro2 span, as the model stores it.
pub fn span_of(span: proc_macro2::Span) -> Span {
    Span {
        start: super::spans::pos(span.start()),
        end: super::spans::pos(span.end()),
    }
}

fn spanned(node: &impl Spanned) -> Span {
    span_of(node.span())
}

/// Text of a syntax node for witness notes, shortened.
fn short_text(node: &impl ToTokens) -> String {
    let text = tidy_tokens(&node.to_token_stream().to_string());
    if text.chars().count() > 40 {
        let cut: String = text.chars().take(37).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// Token text as people write it: proc-macro2 prints `Some (x)`,
/// `a :: b`, `& conn`; notes quote it, so close those gaps.
fn tidy_tokens(text: &str) -> String {
    let mut tidy = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for (spaced, tight) in [
        (" :: ", "::"),
        (" ( ", "("),
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        (" [ ", "["),
        (" ]", "]"),
        (" ,", ","),
        (" . ", "."),
        (" ?", "?"),
        (" ! ", "!"),
        ("& ", "&"),
    ] {
        tidy = tidy.replace(spaced, tight);
    }
    tidy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_quote_patterns_as_written() {
        let pattern: Pat = syn::parse_quote!(Some(Event { kind, .. }));
        assert_eq!(short_text(&pattern), "Some(Event { kind, .. })");
        let pattern: Pat = syn::parse_quote!(&Ok((id, name)));
        assert_eq!(short_text(&pattern), "&Ok((id, name))");
        let pattern: Pat = syn::parse_quote!(Status::Failed(_));
        assert_eq!(short_text(&pattern), "Status::Failed(_)");
    }
}
