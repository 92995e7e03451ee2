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
    AggregateKind, Block, BlockId, BodyKind, Callee, Capture, Edge, EdgeKind, ExitKind, FieldDef,
    FileIr, FnId, FnIr, FnRole, ItemExtent, Local, LocalId, LoopId, LoopInfo, ModDecl, Mode, Op,
    OpKind, Operand, Place, PlaceRoot, StaticDef, StructDef, TempId, Terminator, TypeAlias,
    TypeRef, UseItem,
};
use crate::packs::CoreRoles;
use crate::source::SourceFile;
use crate::source::{FileId, Span};

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
    let mut uses = Vec::new();
    let mut inline = Vec::new();
    collect_uses(&syntax.items, false, &mut uses, &mut inline);
    let imported = vocabulary.map(|words| {
        // `use super::*` in an inline module (`mod tests`) brings what this
        // file already imports: not a glob from elsewhere.
        let from_elsewhere = uses
            .iter()
            .zip(&inline)
            .filter(|(item, inline)| {
                !(**inline && item.glob && item.path.first().is_some_and(|s| s == "super"))
            })
            .map(|(item, _)| item);
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
            ..FileIr::default()
        },
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
/// function's own text is parsed, laid out at its place in the file so that
/// every span is the one a whole-file parse gives. Their closures and async
/// blocks are added at the end of the file's functions.
pub fn lower_skipped_bodies(
    ir: &mut FileIr,
    source: &SourceFile,
    core: &CoreRoles,
    wanted: &[FnId],
) {
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
        let (name, self_type, role) = (
            function.name.clone(),
            function.self_type.clone(),
            function.role,
        );
        let text = text_in_place(source, extent.span);
        if let Ok(item) = syn::parse_str::<syn::ImplItemFn>(&text) {
            let mut lowerer = FileLowerer {
                core,
                selection: BodySelection {
                    vocabulary: None,
                    imported: None,
                    source,
                },
                ir: FileIr {
                    functions: std::mem::take(&mut ir.functions),
                    ..FileIr::default()
                },
            };
            let name_span = item.sig.ident.span();
            lowerer.function(
                Some(id),
                name,
                self_type,
                &item.sig,
                &item.block,
                role,
                name_span,
            );
            ir.functions = lowerer.ir.functions;
        }
        proc_macro2::extra::invalidate_current_thread_spans();
    }
}

/// The text of `span` preceded by blank lines and spaces up to where it
/// starts in the file: parsed alone, it gets the positions it has there.
fn text_in_place(source: &SourceFile, span: Span) -> String {
    let line_start = source.offset(crate::source::Pos {
        line: span.start.line,
        column: 0,
    });
    let start = source.offset(span.start);
    let end = source.offset(span.end).max(start);
    let lines_before = span.start.line.saturating_sub(1) as usize;
    let columns_before = source.text[line_start..start].chars().count();
    let mut text = String::with_capacity(lines_before + columns_before + end - start);
    text.extend(std::iter::repeat_n('\n', lines_before));
    text.extend(std::iter::repeat_n(' ', columns_before));
    text.push_str(&source.text[start..end]);
    text
}

/// The IR of every file stays alive until the end of the run, while vectors
/// grown by pushing keep up to half their capacity unused: give it back.
fn release_spare_capacity(ir: &mut FileIr) {
    for function in &mut ir.functions {
        for block in &mut function.blocks {
            block.ops.shrink_to_fit();
        }
        function.blocks.shrink_to_fit();
        function.locals.shrink_to_fit();
    }
    ir.functions.shrink_to_fit();
    ir.uses.shrink_to_fit();
    ir.items.shrink_to_fit();
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

// ----- items --------------------------------------------------------------

/// What the enclosing items say about the functions inside them.
#[derive(Debug, Clone, Default)]
struct ItemScope {
    in_test: bool,
    /// Inside a module (not the file's top level): `fn main` there is no entry point.
    nested: bool,
    /// The inline modules around, outermost first, with their `#[path]`.
    inline_modules: Vec<(String, Option<String>)>,
}

struct FileLowerer<'c> {
    core: &'c CoreRoles,
    selection: BodySelection<'c>,
    ir: FileIr,
}

impl FileLowerer<'_> {
    fn items(&mut self, items: &[Item], scope: &ItemScope) {
        for item in items {
            self.item(item, scope);
        }
    }

    fn extent(&mut self, name: String, span: Span) {
        self.ir.items.push(ItemExtent { name, span });
    }

    fn item(&mut self, item: &Item, scope: &ItemScope) {
        match item {
            Item::Fn(function) => {
                let name = function.sig.ident.to_string();
                self.extent(name.clone(), spans::of(function));
                let role = FnRole {
                    is_main: (name == "main" && !scope.nested)
                        || has_attribute(&function.attrs, &self.core.main_attributes),
                    is_test: scope.in_test || is_test_item(&function.attrs, self.core),
                };
                self.function(
                    None,
                    name,
                    None,
                    &function.sig,
                    &function.block,
                    role,
                    function.sig.ident.span(),
                );
            }
            Item::Impl(block) => {
                let self_type = type_last_segment(&block.self_ty);
                let scope = ItemScope {
                    in_test: scope.in_test || is_test_item(&block.attrs, self.core),
                    nested: true,
                    inline_modules: scope.inline_modules.clone(),
                };
                self.extent(
                    format!("impl {}", self_type.clone().unwrap_or_default()),
                    spans::of(block),
                );
                for impl_item in &block.items {
                    if let syn::ImplItem::Fn(method) = impl_item {
                        let name = match &self_type {
                            Some(owner) => format!("{owner}::{}", method.sig.ident),
                            None => method.sig.ident.to_string(),
                        };
                        self.extent(name.clone(), spans::of(method));
                        let role = FnRole {
                            is_main: false,
                            is_test: scope.in_test || is_test_item(&method.attrs, self.core),
                        };
                        self.function(
                            None,
                            name,
                            self_type.clone(),
                            &method.sig,
                            &method.block,
                            role,
                            method.sig.ident.span(),
                        );
                    }
                }
            }
            Item::Trait(definition) => {
                let owner = definition.ident.to_string();
                self.extent(format!("trait {owner}"), spans::of(definition));
                let in_test = scope.in_test || is_test_item(&definition.attrs, self.core);
                for trait_item in &definition.items {
                    if let syn::TraitItem::Fn(method) = trait_item {
                        let Some(body) = &method.default else {
                            continue;
                        };
                        let name = format!("{owner}::{}", method.sig.ident);
                        self.extent(name.clone(), spans::of(method));
                        let role = FnRole {
                            is_main: false,
                            is_test: in_test,
                        };
                        self.function(
                            None,
                            name,
                            None,
                            &method.sig,
                            body,
                            role,
                            method.sig.ident.span(),
                        );
                    }
                }
            }
            Item::Mod(module) => {
                self.extent(format!("mod {}", module.ident), spans::of(module));
                let in_test = scope.in_test || is_test_item(&module.attrs, self.core);
                let path_attribute = path_attribute(&module.attrs);
                match &module.content {
                    Some((_, items)) => {
                        let mut inline_modules = scope.inline_modules.clone();
                        inline_modules.push((module.ident.to_string(), path_attribute));
                        let inner = ItemScope {
                            in_test,
                            nested: true,
                            inline_modules,
                        };
                        self.items(items, &inner);
                    }
                    None => self.ir.modules.push(ModDecl {
                        name: module.ident.to_string(),
                        path_attribute,
                        inline_modules: scope.inline_modules.clone(),
                        is_test: in_test,
                        span: spanned(&module.ident),
                    }),
                }
            }
            Item::Struct(definition) => {
                self.extent(format!("struct {}", definition.ident), spanned(definition));
                let fields = fields_of(&definition.fields);
                self.ir.structs.push(StructDef {
                    name: definition.ident.to_string(),
                    fields,
                    span: spanned(&definition.ident),
                });
            }
            Item::Enum(definition) => {
                self.extent(format!("enum {}", definition.ident), spanned(definition));
                let fields = definition
                    .variants
                    .iter()
                    .flat_map(|variant| fields_of(&variant.fields))
                    .collect();
                self.ir.structs.push(StructDef {
                    name: definition.ident.to_string(),
                    fields,
                    span: spanned(&definition.ident),
                });
            }
            Item::Type(alias) => {
                self.ir.aliases.push(TypeAlias {
                    name: alias.ident.to_string(),
                    ty: type_ref(&alias.ty),
                });
            }
            Item::Static(definition) => {
                self.extent(format!("static {}", definition.ident), spanned(definition));
                self.ir.statics.push(StaticDef {
                    name: definition.ident.to_string(),
                    ty: Some(type_ref(&definition.ty)),
                    thread_local: false,
                    span: spanned(&definition.ident),
                });
            }
            // Collected before the items (`collect_uses`): they decide which
            // bodies are lowered.
            Item::Use(_) => {}
            Item::Macro(item_macro) => self.item_macro(item_macro),
            _ => {}
        }
    }

    /// `lazy_static! { static ref X: T = ..; }` and `thread_local! { static X: T = ..; }`.
    fn item_macro(&mut self, item_macro: &syn::ItemMacro) {
        let Some(name) = item_macro.mac.path.segments.last() else {
            return;
        };
        let thread_local = match name.ident.to_string().as_str() {
            "lazy_static" => false,
            "thread_local" => true,
            _ => return,
        };
        let Ok(declarations) = MacroStatics::parse.parse2(item_macro.mac.tokens.clone()) else {
            return;
        };
        for (ident, ty) in declarations.0 {
            self.ir.statics.push(StaticDef {
                name: ident.to_string(),
                ty: Some(type_ref(&ty)),
                thread_local,
                span: span_of(ident.span()),
            });
        }
    }

    /// Lowers a function into a new slot of the file's functions, or into
    /// the slot `id` of one lowered late.
    #[allow(clippy::too_many_arguments)]
    fn function(
        &mut self,
        id: Option<FnId>,
        name: String,
        self_type: Option<String>,
        signature: &syn::Signature,
        body: &SynBlock,
        role: FnRole,
        name_span: proc_macro2::Span,
    ) {
        let id = id.unwrap_or_else(|| self.reserve());
        let mut builder = BodyBuilder::new(
            self.core,
            self.selection,
            id,
            name,
            self_type,
            BodyKind::Fn,
            signature.asyncness.is_some(),
            role,
            span_of(name_span),
            None,
        );
        for input in &signature.inputs {
            match input {
                syn::FnArg::Receiver(receiver) => {
                    let ty = if receiver.colon_token.is_some() {
                        type_ref(&receiver.ty)
                    } else if receiver.reference.is_some() {
                        TypeRef::Ref {
                            mutable: receiver.mutability.is_some(),
                            inner: Box::new(self_path()),
                        }
                    } else {
                        self_path()
                    };
                    let local = builder.declare("self", Some(ty), spanned(receiver));
                    builder.ir.params.push(local);
                }
                syn::FnArg::Typed(typed) => builder.parameter(&typed.pat, Some(&typed.ty)),
            }
        }
        builder.ir.ret = match &signature.output {
            syn::ReturnType::Default => None,
            syn::ReturnType::Type(_, ty) => Some(type_ref(ty)),
        };
        let end_span = span_of(body.brace_token.span.close());
        let name_span = span_of(name_span);
        if !self
            .selection
            .wants(name_span, end_span, builder.ir.self_type.as_deref())
        {
            let mut ir = builder.finish();
            ir.blocks.clear();
            ir.end_span = end_span;
            self.ir.functions[id as usize] = ir;
            return;
        }
        let mut functions = std::mem::take(&mut self.ir.functions);
        builder.body_block(body, &mut functions);
        functions[id as usize] = builder.finish();
        self.ir.functions = functions;
    }

    fn reserve(&mut self) -> FnId {
        self.ir.functions.push(placeholder());
        (self.ir.functions.len() - 1) as FnId
    }
}

fn placeholder() -> FnIr {
    FnIr {
        name: String::new(),
        self_type: None,
        kind: BodyKind::Fn,
        is_async: false,
        role: FnRole::default(),
        span: Span::default(),
        parent: None,
        locals: Vec::new(),
        params: Vec::new(),
        ret: None,
        temps: 0,
        blocks: Vec::new(),
        loops: Vec::new(),
        captures: Vec::new(),
        end_span: Span::default(),
    }
}

fn self_path() -> TypeRef {
    TypeRef::Path {
        segments: vec![String::from("Self")],
        args: Vec::new(),
    }
}

/// Declarations inside `lazy_static!` / `thread_local!`.
struct MacroStatics(Vec<(syn::Ident, Type)>);

impl Parse for MacroStatics {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut found = Vec::new();
        while !input.is_empty() {
            input.call(Attribute::parse_outer)?;
            input.parse::<syn::Visibility>()?;
            input.parse::<Token![static]>()?;
            if input.peek(Token![ref]) {
                input.parse::<Token![ref]>()?;
            }
            let ident: syn::Ident = input.parse()?;
            input.parse::<Token![:]>()?;
            let ty: Type = input.parse()?;
            input.parse::<Token![=]>()?;
            if input.peek(Token![const]) && input.peek2(syn::token::Brace) {
                input.parse::<Token![const]>()?;
            }
            input.parse::<Expr>()?;
            if input.peek(Token![;]) {
                input.parse::<Token![;]>()?;
            }
            found.push((ident, ty));
        }
        Ok(MacroStatics(found))
    }
}

fn fields_of(fields: &syn::Fields) -> Vec<FieldDef> {
    fields
        .iter()
        .enumerate()
        .map(|(position, field)| FieldDef {
            name: field
                .ident
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_else(|| position.to_string()),
            ty: type_ref(&field.ty),
        })
        .collect()
}

/// The `use` items of a file, nested modules included, in order, and for
/// each whether it is inside an inline module.
fn collect_uses(items: &[Item], in_module: bool, out: &mut Vec<UseItem>, inline: &mut Vec<bool>) {
    for item in items {
        match item {
            Item::Use(item_use) => {
                flatten_use(&item_use.tree, &mut Vec::new(), out);
                inline.resize(out.len(), in_module);
            }
            Item::Mod(module) => {
                if let Some((_, items)) = &module.content {
                    collect_uses(items, true, out, inline);
                }
            }
            _ => {}
        }
    }
}

fn flatten_use(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<UseItem>) {
    match tree {
        syn::UseTree::Path(path) => {
            prefix.push(path.ident.to_string());
            flatten_use(&path.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(name) => {
            let ident = name.ident.to_string();
            if ident == "self" {
                if let Some(last) = prefix.last() {
                    out.push(UseItem {
                        alias: last.clone(),
                        path: prefix.clone(),
                        glob: false,
                    });
                }
                return;
            }
            let mut path = prefix.clone();
            path.push(ident.clone());
            out.push(UseItem {
                alias: ident,
                path,
                glob: false,
            });
        }
        syn::UseTree::Rename(rename) => {
            let mut path = prefix.clone();
            let ident = rename.ident.to_string();
            if ident != "self" {
                path.push(ident);
            }
            out.push(UseItem {
                alias: rename.rename.to_string(),
                path,
                glob: false,
            });
        }
        syn::UseTree::Glob(_) => out.push(UseItem {
            alias: String::from("*"),
            path: prefix.clone(),
            glob: true,
        }),
        syn::UseTree::Group(group) => {
            for item in &group.items {
                flatten_use(item, prefix, out);
            }
        }
    }
}

/// A type as written, generics of the last segment kept.
pub fn type_ref(ty: &Type) -> TypeRef {
    match ty {
        Type::Path(path) if path.qself.is_none() => path_type(&path.path),
        Type::Reference(reference) => TypeRef::Ref {
            mutable: reference.mutability.is_some(),
            inner: Box::new(type_ref(&reference.elem)),
        },
        Type::Tuple(tuple) => TypeRef::Tuple(tuple.elems.iter().map(type_ref).collect()),
        Type::Slice(slice) => TypeRef::Slice(Box::new(type_ref(&slice.elem))),
        Type::Array(array) => TypeRef::Slice(Box::new(type_ref(&array.elem))),
        Type::Paren(inner) => type_ref(&inner.elem),
        Type::Group(inner) => type_ref(&inner.elem),
        Type::ImplTrait(bounds) => TypeRef::Bounds(trait_paths(&bounds.bounds)),
        Type::TraitObject(bounds) => TypeRef::Bounds(trait_paths(&bounds.bounds)),
        _ => TypeRef::Other,
    }
}

fn path_type(path: &syn::Path) -> TypeRef {
    let segments = path.segments.iter().map(|s| s.ident.to_string()).collect();
    let args = match path.segments.last().map(|s| &s.arguments) {
        Some(syn::PathArguments::AngleBracketed(generic)) => generic
            .args
            .iter()
            .filter_map(|arg| match arg {
                syn::GenericArgument::Type(ty) => Some(type_ref(ty)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    TypeRef::Path { segments, args }
}

fn trait_paths(bounds: &Punctuated<syn::TypeParamBound, Token![+]>) -> Vec<Vec<String>> {
    bounds
        .iter()
        .filter_map(|bound| match bound {
            syn::TypeParamBound::Trait(bound) => Some(path_segments(&bound.path)),
            _ => None,
        })
        .collect()
}

fn path_segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

fn type_last_segment(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        Type::Reference(reference) => type_last_segment(&reference.elem),
        Type::Paren(inner) => type_last_segment(&inner.elem),
        Type::Group(inner) => type_last_segment(&inner.elem),
        _ => None,
    }
}

/// Whether an attribute list has one of `names` (`tokio::main`, `test`...).
/// A one-word entry (`test`, `main`) also matches any path ending in it
/// (`sqlx_macros::test`, `test_log::test`): test and entry-point attribute
/// macros are named after what they wrap.
fn has_attribute(attributes: &[Attribute], names: &[String]) -> bool {
    attributes.iter().any(|attribute| {
        let segments = path_segments(attribute.path());
        let written = segments.join("::");
        names.iter().any(|name| {
            *name == written
                || (!name.contains("::") && segments.last().is_some_and(|last| last == name))
        })
    })
}

/// `#[test]`-style attributes, or `#[cfg(test)]` (also inside `all(..)`).
/// A test attribute is one the core pack lists, or any whose last path
/// segment is `test` or ends in `_test` (`#[tokio::test]`,
/// `#[crate::db_test]`): projects name their own test macros that way.
fn is_test_item(attributes: &[Attribute], core: &CoreRoles) -> bool {
    has_attribute(attributes, &core.test_attributes)
        || attributes.iter().any(|attribute| {
            attribute.path().segments.last().is_some_and(|last| {
                let name = last.ident.to_string();
                name == "test" || name.ends_with("_test")
            })
        })
        || attributes.iter().any(|attribute| {
            attribute.path().is_ident("cfg")
                && match &attribute.meta {
                    syn::Meta::List(list) => tokens_mention(&list.tokens, "test"),
                    _ => false,
                }
                && !matches!(&attribute.meta, syn::Meta::List(list) if tokens_mention(&list.tokens, "not"))
        })
}

/// `#[path = "..."]`, as written.
fn path_attribute(attributes: &[Attribute]) -> Option<String> {
    attributes
        .iter()
        .find_map(|attribute| match &attribute.meta {
            syn::Meta::NameValue(pair) if pair.path.is_ident("path") => match &pair.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(text),
                    ..
                }) => Some(text.value()),
                _ => None,
            },
            _ => None,
        })
}

fn tokens_mention(tokens: &TokenStream, word: &str) -> bool {
    tokens.clone().into_iter().any(|tree| match tree {
        TokenTree::Ident(ident) => ident == word,
        TokenTree::Group(group) => tokens_mention(&group.stream(), word),
        _ => false,
    })
}

/// First segments of paths with two or more segments, and of `use` trees: the
/// crates a file names, for pack gating.
struct RootCollector<'a> {
    roots: &'a mut BTreeSet<String>,
}

impl<'ast> Visit<'ast> for RootCollector<'_> {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.segments.len() >= 2 {
            if let Some(first) = path.segments.first() {
                self.roots.insert(first.ident.to_string());
            }
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_use_tree(&mut self, tree: &'ast syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => {
                self.roots.insert(path.ident.to_string());
            }
            syn::UseTree::Name(name) => {
                self.roots.insert(name.ident.to_string());
            }
            syn::UseTree::Rename(rename) => {
                self.roots.insert(rename.ident.to_string());
            }
            syn::UseTree::Group(group) => {
                for item in &group.items {
                    self.visit_use_tree(item);
                }
            }
            syn::UseTree::Glob(_) => {}
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.visit_path(&mac.path);
        collect_token_roots(&mac.tokens, self.roots);
    }
}

/// `a::b` inside macro tokens (`sqlx::query!(..)` arguments, `tokio::select!`).
fn collect_token_roots(tokens: &TokenStream, roots: &mut BTreeSet<String>) {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    for (position, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) => {
                let joint = |offset: usize| matches!(trees.get(position + offset), Some(TokenTree::Punct(p)) if p.as_char() == ':');
                let after_path = position >= 1
                    && matches!(trees.get(position - 1), Some(TokenTree::Punct(p)) if p.as_char() == ':');
                if joint(1) && joint(2) && !after_path {
                    roots.insert(ident.to_string());
                }
            }
            TokenTree::Group(group) => collect_token_roots(&group.stream(), roots),
            _ => {}
        }
    }
}

// ----- bodies -------------------------------------------------------------

/// A lexical scope: the locals declared in it, in order.
#[derive(Debug, Default)]
struct Scope {
    locals: Vec<LocalId>,
}

/// A loop being lowered: where `break` and `continue` go.
#[derive(Debug)]
struct LoopFrame {
    /// The innermost real loop (a labelled block has its enclosing loop's).
    id: Option<LoopId>,
    /// A labelled block: only `break 'label` targets it.
    is_block: bool,
    label: Option<String>,
    head: BlockId,
    exit: BlockId,
    /// Scope depth outside the loop: `break` ends the scopes above it.
    scope_depth: usize,
    /// Where a `break value` is joined.
    result: TempId,
}

struct BodyBuilder<'c> {
    core: &'c CoreRoles,
    selection: BodySelection<'c>,
    id: FnId,
    ir: FnIr,
    current: BlockId,
    scopes: Vec<Scope>,
    loops: Vec<LoopFrame>,
    depth: u32,
    /// The expression about to be lowered is the body's value: a `match`
    /// arm or `if` branch there that evaluates to `Err(..)` leaves the body
    /// as an error, like `return Err(..)`. Read (and cleared) by `expr` and
    /// `block_contents`.
    tail: bool,
}

/// How a macro call is treated.
enum MacroShape {
    Panic,
    Join,
    Select,
    /// `format!`, `println!`, `assert!`, logging: arguments are read by reference.
    Format,
    /// `bail!`: returns an error.
    Bail,
    /// `ensure!(cond, ..)`: returns an error when the condition is false.
    Ensure,
    Vec,
    Matches,
    Other,
}

const FORMAT_MACROS: &[&str] = &[
    "format",
    "format_args",
    "print",
    "println",
    "eprint",
    "eprintln",
    "write",
    "writeln",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "dbg",
    "trace",
    "debug",
    "info",
    "warn",
    "error",
    "event",
    "anyhow",
    "eyre",
    "log",
];

impl<'c> BodyBuilder<'c> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        core: &'c CoreRoles,
        selection: BodySelection<'c>,
        id: FnId,
        name: String,
        self_type: Option<String>,
        kind: BodyKind,
        is_async: bool,
        role: FnRole,
        span: Span,
        parent: Option<FnId>,
    ) -> BodyBuilder<'c> {
        let mut ir = placeholder();
        ir.name = name;
        ir.self_type = self_type;
        ir.kind = kind;
        ir.is_async = is_async;
        ir.role = role;
        ir.span = span;
        ir.parent = parent;
        ir.blocks.push(Block {
            ops: Vec::new(),
            term: Terminator::Unreachable,
            term_span: span,
            loop_id: None,
        });
        BodyBuilder {
            core,
            selection,
            id,
            ir,
            current: 0,
            scopes: vec![Scope::default()],
            loops: Vec::new(),
            depth: 0,
            tail: false,
        }
    }

    fn finish(self) -> FnIr {
        self.ir
    }

    // ----- building blocks ----------------------------------------------

    fn temp(&mut self) -> TempId {
        self.ir.temps += 1;
        self.ir.temps - 1
    }

    fn new_block(&mut self) -> BlockId {
        let loop_id = self.current_loop();
        self.ir.blocks.push(Block {
            ops: Vec::new(),
            term: Terminator::Unreachable,
            term_span: Span::default(),
            loop_id,
        });
        (self.ir.blocks.len() - 1) as BlockId
    }

    fn op(&mut self, kind: OpKind, span: Span) {
        if let Some(block) = self.ir.blocks.get_mut(self.current as usize) {
            block.ops.push(Op { kind, span });
        }
    }

    /// Ends the current block; later ops go to a fresh block nothing reaches
    /// unless the caller switches to another one.
    fn terminate(&mut self, term: Terminator, span: Span) {
        if let Some(block) = self.ir.blocks.get_mut(self.current as usize) {
            block.term = term;
            block.term_span = span;
        }
    }

    fn jump(&mut self, target: BlockId, kind: EdgeKind, step: Option<(Span, String)>, span: Span) {
        self.terminate(Terminator::Jump(vec![Edge { target, kind, step }]), span);
    }

    fn current_loop(&self) -> Option<LoopId> {
        self.loops.last().and_then(|frame| frame.id)
    }

    fn switch_to(&mut self, block: BlockId) {
        self.current = block;
    }

    /// After `return`, `break`, a panic: code that follows is unreachable.
    fn start_unreachable(&mut self) {
        let block = self.new_block();
        self.switch_to(block);
    }

    fn declare(&mut self, name: &str, ty: Option<TypeRef>, span: Span) -> LocalId {
        let loop_id = self.current_loop();
        self.ir.locals.push(Local {
            name: name.to_string(),
            ty,
            span,
            loop_id,
        });
        let id = (self.ir.locals.len() - 1) as LocalId;
        if let Some(scope) = self.scopes.last_mut() {
            scope.locals.push(id);
        }
        id
    }

    fn lookup(&self, name: &str) -> Option<LocalId> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|scope| scope.locals.iter().rev())
            .copied()
            .find(|&local| self.ir.locals[local as usize].name == name)
    }

    fn push_scope(&mut self) {
        self.scopes.push(Scope::default());
    }

    /// Ends the innermost scope: its locals die at `span`, last declared first.
    fn pop_scope(&mut self, span: Span) {
        if let Some(scope) = self.scopes.pop() {
            for &local in scope.locals.iter().rev() {
                self.op(OpKind::StorageDead(local), span);
            }
        }
    }

    /// The locals of every scope deeper than `depth`, innermost first, die
    /// at `span` (before a `break` or `continue` leaves them).
    fn kill_scopes_above(&mut self, depth: usize, span: Span) {
        let dying: Vec<LocalId> = self.scopes[depth.min(self.scopes.len())..]
            .iter()
            .rev()
            .flat_map(|scope| scope.locals.iter().rev().copied())
            .collect();
        for local in dying {
            self.op(OpKind::StorageDead(local), span);
        }
    }

    // ----- bodies and statements ------------------------------------------

    /// A function body: its tail is what it returns; leaving it drops every
    /// local (the exit does that, so no scope-end ops here).
    fn body_block(&mut self, block: &SynBlock, functions: &mut Vec<FnIr>) {
        self.ir.end_span = span_of(block.brace_token.span.close());
        self.tail = true;
        let (value, tail_span) = self.block_contents(block, functions);
        let span = tail_span.unwrap_or(self.ir.end_span);
        let kind = match &value {
            Some(operand) if tail_is_err(block) => {
                let _ = operand;
                ExitKind::Error
            }
            _ => ExitKind::Normal,
        };
        self.terminate(Terminator::Exit { kind, value }, span);
    }

    /// A body that is one expression (a closure without braces).
    fn body_expr(&mut self, expr: &Expr, functions: &mut Vec<FnIr>) {
        if let Expr::Block(block) = expr {
            if block.label.is_none() {
                self.body_block(&block.block, functions);
                return;
            }
        }
        self.ir.end_span = spans::of(expr);
        self.tail = true;
        let value = self.expr(expr, functions);
        let kind = if is_err_constructor(expr) {
            ExitKind::Error
        } else {
            ExitKind::Normal
        };
        self.terminate(
            Terminator::Exit {
                kind,
                value: Some(value),
            },
            spans::of(expr),
        );
    }

    /// Statements of a block in the current scope; returns the tail value and
    /// its span.
    fn block_contents(
        &mut self,
        block: &SynBlock,
        functions: &mut Vec<FnIr>,
    ) -> (Option<Operand>, Option<Span>) {
        let tail = std::mem::take(&mut self.tail);
        let count = block.stmts.len();
        for (position, stmt) in block.stmts.iter().enumerate() {
            let last = position + 1 == count;
            match stmt {
                Stmt::Expr(expr, None) if last => {
                    self.tail = tail;
                    let value = self.expr(expr, functions);
                    return (Some(value), Some(spans::of(expr)));
                }
                _ => self.stmt(stmt, functions),
            }
        }
        (None, None)
    }

    /// A block expression with its own scope; its value outlives the scope.
    fn scoped_block(&mut self, block: &SynBlock, functions: &mut Vec<FnIr>) -> Operand {
        self.push_scope();
        let (value, _) = self.block_contents(block, functions);
        let value = match value {
            Some(value @ Operand::Place { .. }) => {
                // The value leaves the scope before its locals die.
                let temp = self.temp();
                self.op(OpKind::Move { dest: temp, value }, spans::of(block));
                Operand::Temp(temp)
            }
            Some(value) => value,
            None => Operand::Other,
        };
        self.pop_scope(span_of(block.brace_token.span.close()));
        value
    }

    fn stmt(&mut self, stmt: &Stmt, functions: &mut Vec<FnIr>) {
        let first_temp = self.ir.temps;
        let span = spans::of(stmt);
        match stmt {
            Stmt::Local(local) => self.let_stmt(local, functions),
            Stmt::Expr(expr, _) => {
                self.expr(expr, functions);
            }
            Stmt::Macro(stmt_macro) => {
                self.macro_call(&stmt_macro.mac, spans::of(stmt_macro), functions);
            }
            Stmt::Item(item) => self.nested_item(item, functions),
        }
        self.op(OpKind::StmtEnd { first_temp }, span);
    }

    /// Functions declared inside a body are bodies of their own.
    fn nested_item(&mut self, item: &Item, functions: &mut Vec<FnIr>) {
        let mut lowerer = FileLowerer {
            core: self.core,
            selection: self.selection,
            ir: FileIr {
                functions: std::mem::take(functions),
                ..FileIr::default()
            },
        };
        let scope = ItemScope {
            in_test: self.ir.role.is_test,
            nested: true,
            inline_modules: Vec::new(),
        };
        lowerer.item(item, &scope);
        *functions = lowerer.ir.functions;
    }

    fn let_stmt(&mut self, local: &syn::Local, functions: &mut Vec<FnIr>) {
        let (pattern, declared) = match &local.pat {
            Pat::Type(typed) => (&*typed.pat, Some(type_ref(&typed.ty))),
            other => (other, None),
        };
        let Some(init) = &local.init else {
            self.bind_pattern(pattern, None, declared, Operand::Other, functions);
            return;
        };
        let value = match strip_parens(&init.expr) {
            // `let conn = &mut get_conn(pool).await?;`: the temporary lives
            // as long as the binding (temporary lifetime extension), so the
            // binding holds it.
            Expr::Reference(reference) => match self.expr(&reference.expr, functions) {
                Operand::Temp(temp) => Operand::Temp(temp),
                Operand::Place { place, .. } => Operand::Place {
                    place,
                    mode: if reference.mutability.is_some() {
                        Mode::RefMut
                    } else {
                        Mode::Ref
                    },
                },
                other => other,
            },
            _ => self.expr(&init.expr, functions),
        };
        match &init.diverge {
            None => self.bind_pattern(pattern, Some(&init.expr), declared, value, functions),
            Some((_, else_branch)) => {
                let matched = self.new_block();
                let otherwise = self.new_block();
                let pattern_span = spanned(pattern);
                self.terminate(
                    Terminator::Jump(vec![
                        Edge {
                            target: matched,
                            kind: EdgeKind::Branch,
                            step: None,
                        },
                        Edge {
                            target: otherwise,
                            kind: EdgeKind::Branch,
                            step: Some((
                                spans::of(&**else_branch),
                                format!(
                                    "`{}` does not match: the `else` runs",
                                    short_text(pattern)
                                ),
                            )),
                        },
                    ]),
                    pattern_span,
                );
                self.switch_to(otherwise);
                if let Operand::Temp(temp) = value {
                    self.op(OpKind::Vanish(temp), pattern_span);
                }
                self.expr(else_branch, functions);
                // `else` must diverge; if the lowering could not see how, stop here.
                self.terminate(Terminator::Unreachable, spans::of(&**else_branch));
                self.switch_to(matched);
                self.bind_pattern(pattern, Some(&init.expr), declared, value, functions);
            }
        }
    }

    fn parameter(&mut self, pattern: &Pat, ty: Option<&Type>) {
        let declared = ty.map(type_ref);
        let mut bindings = Vec::new();
        pattern_bindings(pattern, &mut bindings);
        // `State(pool): State<PgPool>`: the one binding is the wrapped type.
        let unwrapped = match (pattern, &declared) {
            (Pat::TupleStruct(_), Some(TypeRef::Path { args, .. })) if args.len() == 1 => {
                Some(args[0].clone())
            }
            _ => None,
        };
        let direct = matches!(pattern, Pat::Ident(_));
        for binding in bindings {
            let ty = if direct {
                declared.clone()
            } else if unwrapped.is_some() {
                unwrapped.clone()
            } else {
                None
            };
            let local = self.declare(&binding.name, ty, binding.span);
            self.ir.params.push(local);
        }
    }

    /// Binds `pattern` to `value`. Tuple patterns against tuple expressions are
    /// bound element by element; other destructuring goes through fields.
    fn bind_pattern(
        &mut self,
        pattern: &Pat,
        init: Option<&Expr>,
        declared: Option<TypeRef>,
        value: Operand,
        functions: &mut Vec<FnIr>,
    ) {
        let _ = functions;
        let span = spanned(pattern);
        match pattern {
            Pat::Ident(ident) => {
                if let Some((_, sub)) = &ident.subpat {
                    self.bind_pattern(sub, init, None, Operand::Other, functions);
                }
                let value = if ident.by_ref.is_some() {
                    with_mode(
                        value,
                        if ident.mutability.is_some() {
                            Mode::RefMut
                        } else {
                            Mode::Ref
                        },
                    )
                } else {
                    value
                };
                let local = self.declare(&ident.ident.to_string(), declared, span);
                self.op(OpKind::Let { local, value }, span);
            }
            Pat::Type(typed) => self.bind_pattern(
                &typed.pat,
                init,
                Some(type_ref(&typed.ty)),
                value,
                functions,
            ),
            Pat::Reference(reference) => {
                self.bind_pattern(&reference.pat, init, None, value, functions)
            }
            Pat::Paren(inner) => self.bind_pattern(&inner.pat, init, declared, value, functions),
            Pat::Tuple(tuple) => {
                let elements: Vec<&Pat> = tuple.elems.iter().collect();
                let element_types = match &declared {
                    Some(TypeRef::Tuple(types)) => types.clone(),
                    _ => Vec::new(),
                };
                if let Some(Expr::Tuple(source)) = init.map(strip_parens) {
                    if source.elems.len() == elements.len() {
                        // Already lowered as an aggregate: bind through fields.
                    }
                }
                self.bind_fields(
                    elements
                        .iter()
                        .enumerate()
                        .map(|(n, p)| (n.to_string(), *p, element_types.get(n).cloned()))
                        .collect(),
                    value,
                    functions,
                );
            }
            Pat::TupleStruct(tuple_struct) => {
                let elements: Vec<(String, &Pat, Option<TypeRef>)> = tuple_struct
                    .elems
                    .iter()
                    .enumerate()
                    .map(|(n, p)| (n.to_string(), p, None))
                    .collect();
                // `Some(x)`, `Ok(x)`, `Wrapper(x)`: one field holds the value.
                if elements.len() == 1 {
                    self.bind_pattern(elements[0].1, None, None, value, functions);
                } else {
                    self.bind_fields(elements, value, functions);
                }
            }
            Pat::Struct(pattern_struct) => {
                let elements = pattern_struct
                    .fields
                    .iter()
                    .map(|field| {
                        let name = match &field.member {
                            syn::Member::Named(ident) => ident.to_string(),
                            syn::Member::Unnamed(index) => index.index.to_string(),
                        };
                        (name, &*field.pat, None)
                    })
                    .collect();
                self.bind_fields(elements, value, functions);
            }
            Pat::Or(alternatives) => {
                if let Some(first) = alternatives.cases.first() {
                    self.bind_pattern(first, init, declared, value, functions);
                }
            }
            Pat::Wild(_) => {}
            // Slices, literals, ranges, paths: what they bind is not followed.
            _ => {
                let mut bindings = Vec::new();
                pattern_bindings(pattern, &mut bindings);
                for binding in bindings {
                    let local = self.declare(&binding.name, None, binding.span);
                    self.op(
                        OpKind::Let {
                            local,
                            value: Operand::Other,
                        },
                        binding.span,
                    );
                }
            }
        }
    }

    fn bind_fields(
        &mut self,
        elements: Vec<(String, &Pat, Option<TypeRef>)>,
        value: Operand,
        functions: &mut Vec<FnIr>,
    ) {
        for (field, pattern, ty) in elements {
            if matches!(pattern, Pat::Wild(_) | Pat::Rest(_)) {
                continue;
            }
            let element = match &value {
                Operand::Temp(base) => {
                    let dest = self.temp();
                    self.op(
                        OpKind::Field {
                            dest,
                            base: *base,
                            field: field.clone(),
                        },
                        spanned(pattern),
                    );
                    Operand::Temp(dest)
                }
                Operand::Place { place, mode } => {
                    let mut place = place.clone();
                    place.fields.push(field.clone());
                    Operand::Place { place, mode: *mode }
                }
                _ => Operand::Other,
            };
            self.bind_pattern(pattern, None, ty, element, functions);
        }
    }

    // ----- expressions ----------------------------------------------------

    fn expr(&mut self, expr: &Expr, functions: &mut Vec<FnIr>) -> Operand {
        let tail = std::mem::take(&mut self.tail);
        if self.depth >= MAX_EXPR_DEPTH {
            return Operand::Other;
        }
        self.depth += 1;
        let operand = match (tail, strip_parens(expr)) {
            (true, Expr::Block(block)) if block.label.is_none() => {
                self.tail = true;
                self.scoped_block(&block.block, functions)
            }
            (true, Expr::If(if_expr)) => self.if_expr(if_expr, true, functions),
            (true, Expr::Match(match_expr)) => self.match_expr(match_expr, true, functions),
            _ => self.expr_inner(expr, functions),
        };
        self.depth -= 1;
        operand
    }

    /// In tail position each branch leaves the body itself, so that a
    /// finding at the exit points at the branch taken (`Ok(None)` in the
    /// `else`), not at the whole `if`; a branch whose value is `Err(..)` is
    /// an error exit: its locals are dropped on an error path.
    fn tail_branch_exit(&mut self, tail: bool, is_error: bool, value: &Operand, span: Span) {
        if !tail {
            return;
        }
        let kind = if is_error {
            ExitKind::Error
        } else {
            ExitKind::Normal
        };
        self.terminate(
            Terminator::Exit {
                kind,
                value: Some(value.clone()),
            },
            span,
        );
        self.start_unreachable();
    }

    fn expr_inner(&mut self, expr: &Expr, functions: &mut Vec<FnIr>) -> Operand {
        let span = spans::of(expr);
        match expr {
            Expr::Path(path) => self.path_operand(&path.path),
            Expr::Field(field) => {
                let base = self.expr(&field.base, functions);
                let name = match &field.member {
                    syn::Member::Named(ident) => ident.to_string(),
                    syn::Member::Unnamed(index) => index.index.to_string(),
                };
                match base {
                    Operand::Place { mut place, .. } => {
                        place.fields.push(name);
                        Operand::Place {
                            place,
                            mode: Mode::Value,
                        }
                    }
                    Operand::Temp(base) => {
                        let dest = self.temp();
                        self.op(
                            OpKind::Field {
                                dest,
                                base,
                                field: name,
                            },
                            span,
                        );
                        Operand::Temp(dest)
                    }
                    _ => Operand::Other,
                }
            }
            Expr::Reference(reference) => {
                let inner = self.expr(&reference.expr, functions);
                let mode = if reference.mutability.is_some() {
                    Mode::RefMut
                } else {
                    Mode::Ref
                };
                match inner {
                    Operand::Place { place, .. } => Operand::Place { place, mode },
                    Operand::Temp(temp) => {
                        // A borrow of a temporary: it is used, and still dies
                        // with the statement.
                        self.op(
                            OpKind::Use {
                                operands: vec![Operand::Temp(temp)],
                            },
                            span,
                        );
                        Operand::Other
                    }
                    other => other,
                }
            }
            Expr::Unary(unary) => {
                let inner = self.expr(&unary.expr, functions);
                match unary.op {
                    syn::UnOp::Deref(_) => inner,
                    _ => {
                        self.use_operands(vec![inner], span);
                        Operand::Other
                    }
                }
            }
            Expr::Paren(inner) => self.expr(&inner.expr, functions),
            Expr::Group(inner) => self.expr(&inner.expr, functions),
            Expr::Lit(literal) => match &literal.lit {
                syn::Lit::Str(text) => Operand::Str(text.value()),
                _ => Operand::Other,
            },
            Expr::Call(call) => self.call(call, functions),
            Expr::MethodCall(call) => {
                let receiver = self.expr(&call.receiver, functions);
                let receiver = with_mode(receiver, Mode::Receiver);
                let args = call
                    .args
                    .iter()
                    .map(|arg| self.expr(arg, functions))
                    .collect();
                let dest = self.temp();
                let span = call_span(
                    span_of(call.method.span()),
                    span_of(call.paren_token.span.close()),
                );
                self.op(
                    OpKind::Call {
                        dest,
                        callee: Callee::Method {
                            receiver,
                            name: call.method.to_string(),
                        },
                        args,
                    },
                    span,
                );
                Operand::Temp(dest)
            }
            Expr::Await(awaited) => {
                let future = self.expr(&awaited.base, functions);
                let mentions = self.mentions_in_expr(&awaited.base);
                let dest = self.temp();
                // From the awaited call's method name: on a chain spread
                // over lines, the line of the call that waits.
                let span = match strip_parens(&awaited.base) {
                    Expr::MethodCall(call) => span_of(call.method.span()).join_to(span),
                    _ => span,
                };
                self.op(
                    OpKind::Await {
                        dest,
                        future,
                        mentions,
                    },
                    span,
                );
                Operand::Temp(dest)
            }
            Expr::Try(tried) => {
                let value = self.expr(&tried.expr, functions);
                let operand = self.temp_holding(value, span);
                let dest = self.temp();
                let ok = self.new_block();
                self.terminate(
                    Terminator::Try { operand, dest, ok },
                    span_of(tried.question_token.span),
                );
                self.switch_to(ok);
                Operand::Temp(dest)
            }
            Expr::Block(block) => {
                if let Some(label) = &block.label {
                    return self.labelled_block(
                        &label.name.ident.to_string(),
                        &block.block,
                        functions,
                    );
                }
                self.scoped_block(&block.block, functions)
            }
            Expr::Unsafe(block) => self.scoped_block(&block.block, functions),
            Expr::Const(block) => self.scoped_block(&block.block, functions),
            Expr::If(if_expr) => self.if_expr(if_expr, false, functions),
            Expr::Match(match_expr) => self.match_expr(match_expr, false, functions),
            Expr::Loop(loop_expr) => self.loop_expr(loop_expr, functions),
            Expr::While(while_expr) => self.while_expr(while_expr, functions),
            Expr::ForLoop(for_loop) => self.for_loop(for_loop, functions),
            Expr::Break(break_expr) => {
                let value = break_expr
                    .expr
                    .as_ref()
                    .map(|value| self.expr(value, functions));
                let label = break_expr.label.as_ref().map(|l| l.ident.to_string());
                self.break_to(label, value, span);
                Operand::Other
            }
            Expr::Continue(continue_expr) => {
                let label = continue_expr.label.as_ref().map(|l| l.ident.to_string());
                self.continue_to(label, span);
                Operand::Other
            }
            Expr::Return(return_expr) => {
                let value = return_expr
                    .expr
                    .as_ref()
                    .map(|value| self.expr(value, functions));
                let kind = if return_expr.expr.as_deref().is_some_and(is_err_constructor) {
                    ExitKind::Error
                } else {
                    ExitKind::Normal
                };
                self.terminate(Terminator::Exit { kind, value }, span);
                self.start_unreachable();
                Operand::Other
            }
            Expr::Assign(assign) => {
                let value = self.expr(&assign.right, functions);
                let target = self.expr(&assign.left, functions);
                match (assign_place(&assign.left, target.clone()), target) {
                    (Some(place), _) => self.op(OpKind::Assign { place, value }, span),
                    (None, Operand::Temp(target)) if writes_through(&assign.left) => {
                        self.op(OpKind::StoreThrough { target, value }, span)
                    }
                    (None, _) => self.use_operands(vec![value], span),
                }
                Operand::Other
            }
            Expr::Binary(binary) => {
                let left = self.expr(&binary.left, functions);
                let right = self.expr(&binary.right, functions);
                let left = by_ref(left);
                let right = by_ref(right);
                self.use_operands(vec![left, right], span);
                Operand::Other
            }
            Expr::Cast(cast) => {
                let inner = self.expr(&cast.expr, functions);
                self.use_operands(vec![inner], span);
                Operand::Other
            }
            Expr::Index(index) => {
                let base = self.expr(&index.expr, functions);
                let position = self.expr(&index.index, functions);
                self.use_operands(vec![by_ref(base), by_ref(position)], span);
                Operand::Other
            }
            Expr::Range(range) => {
                let mut operands = Vec::new();
                if let Some(start) = &range.start {
                    operands.push(self.expr(start, functions));
                }
                if let Some(end) = &range.end {
                    operands.push(self.expr(end, functions));
                }
                self.use_operands(operands, span);
                Operand::Other
            }
            Expr::Tuple(tuple) => {
                if tuple.elems.is_empty() {
                    return Operand::Other;
                }
                let fields = tuple
                    .elems
                    .iter()
                    .map(|element| self.expr(element, functions))
                    .collect();
                self.aggregate(AggregateKind::Tuple, fields, span)
            }
            Expr::Array(array) => {
                let fields = array
                    .elems
                    .iter()
                    .map(|element| self.expr(element, functions))
                    .collect();
                self.aggregate(AggregateKind::Array, fields, span)
            }
            Expr::Repeat(repeat) => {
                let value = self.expr(&repeat.expr, functions);
                self.use_operands(vec![value], span);
                Operand::Other
            }
            Expr::Struct(literal) => {
                let mut fields: Vec<Operand> = literal
                    .fields
                    .iter()
                    .map(|field| self.expr(&field.expr, functions))
                    .collect();
                if let Some(rest) = &literal.rest {
                    fields.push(self.expr(rest, functions));
                }
                self.aggregate(
                    AggregateKind::Struct(path_segments(&literal.path)),
                    fields,
                    span,
                )
            }
            Expr::Closure(closure) => self.closure(closure, functions),
            Expr::Async(async_block) => self.async_block(async_block, functions),
            Expr::Macro(expr_macro) => self.macro_call(&expr_macro.mac, span, functions),
            Expr::Let(let_expr) => {
                // A `let` outside an `if` / `while` condition (let chains
                // in odd places): bind, assuming the pattern matches.
                let value = self.expr(&let_expr.expr, functions);
                self.bind_pattern(&let_expr.pat, Some(&let_expr.expr), None, value, functions);
                Operand::Other
            }
            Expr::TryBlock(block) => self.scoped_block(&block.block, functions),
            Expr::Yield(yield_expr) => {
                if let Some(value) = &yield_expr.expr {
                    let value = self.expr(value, functions);
                    self.use_operands(vec![value], span);
                }
                Operand::Other
            }
            _ => Operand::Other,
        }
    }

    fn use_operands(&mut self, operands: Vec<Operand>, span: Span) {
        let operands: Vec<Operand> = operands
            .into_iter()
            .filter(|operand| !matches!(operand, Operand::Other | Operand::Str(_)))
            .collect();
        if !operands.is_empty() {
            self.op(OpKind::Use { operands }, span);
        }
    }

    fn aggregate(&mut self, kind: AggregateKind, fields: Vec<Operand>, span: Span) -> Operand {
        let dest = self.temp();
        self.op(OpKind::Aggregate { dest, kind, fields }, span);
        Operand::Temp(dest)
    }

    fn temp_holding(&mut self, value: Operand, span: Span) -> TempId {
        match value {
            Operand::Temp(temp) => temp,
            other => {
                let dest = self.temp();
                self.op(OpKind::Move { dest, value: other }, span);
                dest
            }
        }
    }

    /// A path as an operand: a local (innermost binding of that name) or a
    /// path kept as written.
    fn path_operand(&mut self, path: &syn::Path) -> Operand {
        let segments = path_segments(path);
        if path.leading_colon.is_none() && segments.len() == 1 {
            if let Some(local) = self.lookup(&segments[0]) {
                return Operand::Place {
                    place: Place {
                        root: PlaceRoot::Local(local),
                        fields: Vec::new(),
                    },
                    mode: Mode::Value,
                };
            }
        }
        Operand::Place {
            place: Place {
                root: PlaceRoot::Path(segments),
                fields: Vec::new(),
            },
            mode: Mode::Value,
        }
    }

    fn call(&mut self, call: &syn::ExprCall, functions: &mut Vec<FnIr>) -> Operand {
        let span = call_span(
            spans::of(&*call.func),
            span_of(call.paren_token.span.close()),
        );
        let callee = match strip_parens(&call.func) {
            Expr::Path(path)
                if path.qself.is_none()
                    && !(path.path.segments.len() == 1
                        && self
                            .lookup(&path.path.segments[0].ident.to_string())
                            .is_some()) =>
            {
                Callee::Path(path_segments(&path.path))
            }
            other => Callee::Value(self.expr(other, functions)),
        };
        let args: Vec<Operand> = call
            .args
            .iter()
            .map(|arg| self.expr(arg, functions))
            .collect();
        let dest = self.temp();
        self.op(OpKind::Call { dest, callee, args }, span);
        Operand::Temp(dest)
    }

    // ----- control flow ---------------------------------------------------

    /// Conditions of an `if` / `while`: `let` parts bind in the taken branch.
    fn condition(
        &mut self,
        condition: &Expr,
        functions: &mut Vec<FnIr>,
    ) -> Vec<(Pat, Expr, Operand)> {
        let mut parts = Vec::new();
        flatten_and(condition, &mut parts);
        let mut lets = Vec::new();
        for part in parts {
            match part {
                Expr::Let(let_expr) => {
                    let value = self.expr(&let_expr.expr, functions);
                    lets.push(((*let_expr.pat).clone(), (*let_expr.expr).clone(), value));
                }
                other => {
                    let value = self.expr(other, functions);
                    self.use_operands(vec![by_ref(value)], spans::of(other));
                }
            }
        }
        lets
    }

    fn branch_notes(condition: &Expr, lets: &[(Pat, Expr, Operand)]) -> (String, String) {
        match lets.first() {
            Some((pattern, _, _)) if lets.len() == 1 && !matches!(condition, Expr::Binary(_)) => (
                format!("`{}` matches", short_text(pattern)),
                format!("`{}` does not match", short_text(pattern)),
            ),
            _ => (
                String::from("the condition holds"),
                String::from("the condition does not hold"),
            ),
        }
    }

    /// Locals a condition proves empty: `(when true, when false)`.
    /// `x.is_ok()` / `x.is_some()` false, `x.is_err()` / `x.is_none()` true:
    /// the `Result` or `Option` holds no connection on that branch.
    fn tested_emptiness(&self, condition: &Expr) -> (Vec<LocalId>, Vec<LocalId>) {
        match strip_parens(condition) {
            Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Not(_)) => {
                let (when_true, when_false) = self.tested_emptiness(&unary.expr);
                (when_false, when_true)
            }
            Expr::MethodCall(call) if call.args.is_empty() => {
                let Expr::Path(path) = strip_parens(&call.receiver) else {
                    return (Vec::new(), Vec::new());
                };
                let Some(local) = path
                    .path
                    .get_ident()
                    .and_then(|ident| self.lookup(&ident.to_string()))
                else {
                    return (Vec::new(), Vec::new());
                };
                match call.method.to_string().as_str() {
                    "is_ok" | "is_some" => (Vec::new(), vec![local]),
                    "is_err" | "is_none" => (vec![local], Vec::new()),
                    _ => (Vec::new(), Vec::new()),
                }
            }
            _ => (Vec::new(), Vec::new()),
        }
    }

    fn if_expr(&mut self, if_expr: &syn::ExprIf, tail: bool, functions: &mut Vec<FnIr>) -> Operand {
        let span = spans::of(if_expr);
        let result = self.temp();
        let lets = self.condition(&if_expr.cond, functions);
        let condition_span = spans::of(&*if_expr.cond);
        let (taken, not_taken) = Self::branch_notes(&if_expr.cond, &lets);
        let then_block = self.new_block();
        let else_block = self.new_block();
        let join = self.new_block();
        self.terminate(
            Terminator::Jump(vec![
                Edge {
                    target: then_block,
                    kind: EdgeKind::Branch,
                    step: Some((condition_span, taken)),
                },
                Edge {
                    target: else_block,
                    kind: EdgeKind::Branch,
                    step: Some((condition_span, not_taken)),
                },
            ]),
            condition_span,
        );

        let (empty_when_true, empty_when_false) = self.tested_emptiness(&if_expr.cond);
        self.switch_to(then_block);
        for local in empty_when_true {
            self.op(OpKind::VanishLocal(local), condition_span);
        }
        self.push_scope();
        for (pattern, init, value) in &lets {
            self.bind_pattern(pattern, Some(init), None, value.clone(), functions);
        }
        self.tail = tail;
        let value = self.scoped_block(&if_expr.then_branch, functions);
        self.tail_branch_exit(
            tail,
            tail_is_err(&if_expr.then_branch),
            &value,
            block_tail_span(&if_expr.then_branch),
        );
        self.op(
            OpKind::Move {
                dest: result,
                value,
            },
            span,
        );
        self.pop_scope(span_of(if_expr.then_branch.brace_token.span.close()));
        self.jump(join, EdgeKind::Normal, None, span);

        self.switch_to(else_block);
        for local in empty_when_false {
            self.op(OpKind::VanishLocal(local), condition_span);
        }
        for (pattern, _, value) in &lets {
            if let (Operand::Temp(temp), true) = (value, is_success_pattern(pattern)) {
                self.op(OpKind::Vanish(*temp), condition_span);
            }
        }
        if let Some((_, else_branch)) = &if_expr.else_branch {
            self.tail = tail;
            let value = self.expr(else_branch, functions);
            self.tail_branch_exit(
                tail,
                is_err_value(else_branch),
                &value,
                expr_tail_span(else_branch),
            );
            self.op(
                OpKind::Move {
                    dest: result,
                    value,
                },
                span,
            );
        }
        self.jump(join, EdgeKind::Normal, None, span);
        self.switch_to(join);
        Operand::Temp(result)
    }

    fn match_expr(
        &mut self,
        match_expr: &syn::ExprMatch,
        tail: bool,
        functions: &mut Vec<FnIr>,
    ) -> Operand {
        let span = spans::of(match_expr);
        let result = self.temp();
        let scrutinee = self.expr(&match_expr.expr, functions);
        let join = self.new_block();
        let arm_blocks: Vec<BlockId> = match_expr.arms.iter().map(|_| self.new_block()).collect();
        let edges = match_expr
            .arms
            .iter()
            .zip(&arm_blocks)
            .map(|(arm, &target)| Edge {
                target,
                kind: EdgeKind::Branch,
                step: Some((
                    spanned(&arm.pat),
                    format!("match arm `{}` is taken", short_text(&arm.pat)),
                )),
            })
            .collect();
        self.terminate(Terminator::Jump(edges), spans::of(&*match_expr.expr));
        for (arm, &block) in match_expr.arms.iter().zip(&arm_blocks) {
            self.switch_to(block);
            self.push_scope();
            if let (Operand::Temp(temp), true) = (&scrutinee, is_failure_pattern(&arm.pat)) {
                self.op(OpKind::Vanish(*temp), spanned(&arm.pat));
            } else {
                self.bind_pattern(
                    &arm.pat,
                    Some(&match_expr.expr),
                    None,
                    scrutinee.clone(),
                    functions,
                );
            }
            if let Some((_, guard)) = &arm.guard {
                let value = self.expr(guard, functions);
                self.use_operands(vec![by_ref(value)], spans::of(&**guard));
            }
            self.tail = tail;
            let value = self.expr(&arm.body, functions);
            self.tail_branch_exit(
                tail,
                is_err_value(&arm.body),
                &value,
                expr_tail_span(&arm.body),
            );
            let value = match value {
                Operand::Place { .. } => {
                    let temp = self.temp();
                    self.op(OpKind::Move { dest: temp, value }, spans::of(&*arm.body));
                    Operand::Temp(temp)
                }
                other => other,
            };
            self.op(
                OpKind::Move {
                    dest: result,
                    value,
                },
                spans::of(&*arm.body),
            );
            self.pop_scope(spans::of(&*arm.body));
            self.jump(join, EdgeKind::Normal, None, span);
        }
        self.switch_to(join);
        Operand::Temp(result)
    }

    fn enter_loop(&mut self, label: Option<&syn::Label>, span: Span) -> (BlockId, BlockId, TempId) {
        let id = self.ir.loops.len() as LoopId;
        self.ir.loops.push(LoopInfo {
            parent: self.current_loop(),
            span,
        });
        let result = self.temp();
        let exit = self.new_block();
        self.loops.push(LoopFrame {
            id: Some(id),
            is_block: false,
            label: label.map(|l| l.name.ident.to_string()),
            head: 0,
            exit,
            scope_depth: self.scopes.len(),
            result,
        });
        let head = self.new_block();
        if let Some(frame) = self.loops.last_mut() {
            frame.head = head;
        }
        self.jump(head, EdgeKind::Normal, None, span);
        self.switch_to(head);
        (head, exit, result)
    }

    fn leave_loop(&mut self, exit: BlockId) {
        self.loops.pop();
        self.switch_to(exit);
    }

    fn loop_expr(&mut self, loop_expr: &syn::ExprLoop, functions: &mut Vec<FnIr>) -> Operand {
        let span = spans::of(loop_expr);
        let (head, exit, result) = self.enter_loop(loop_expr.label.as_ref(), span);
        let value = self.scoped_block(&loop_expr.body, functions);
        self.use_operands(vec![value], span);
        self.jump(
            head,
            EdgeKind::LoopBack,
            None,
            span_of(loop_expr.body.brace_token.span.close()),
        );
        self.leave_loop(exit);
        Operand::Temp(result)
    }

    fn while_expr(&mut self, while_expr: &syn::ExprWhile, functions: &mut Vec<FnIr>) -> Operand {
        let span = spans::of(while_expr);
        let (head, exit, _) = self.enter_loop(while_expr.label.as_ref(), span);
        let lets = self.condition(&while_expr.cond, functions);
        let condition_span = spans::of(&*while_expr.cond);
        let body = self.new_block();
        let done = self.new_block();
        let (taken, not_taken) = Self::branch_notes(&while_expr.cond, &lets);
        let _ = taken;
        self.terminate(
            Terminator::Jump(vec![
                Edge {
                    target: body,
                    kind: EdgeKind::Branch,
                    step: None,
                },
                Edge {
                    target: done,
                    kind: EdgeKind::Branch,
                    step: Some((condition_span, format!("{not_taken}: the loop ends"))),
                },
            ]),
            condition_span,
        );
        self.switch_to(done);
        for (pattern, _, value) in &lets {
            if let (Operand::Temp(temp), true) = (value, is_success_pattern(pattern)) {
                self.op(OpKind::Vanish(*temp), condition_span);
            }
        }
        self.jump(exit, EdgeKind::Normal, None, condition_span);

        self.switch_to(body);
        self.push_scope();
        for (pattern, init, value) in &lets {
            self.bind_pattern(pattern, Some(init), None, value.clone(), functions);
        }
        let value = self.scoped_block(&while_expr.body, functions);
        self.use_operands(vec![value], span);
        let close = span_of(while_expr.body.brace_token.span.close());
        self.pop_scope(close);
        self.jump(head, EdgeKind::LoopBack, None, close);
        self.leave_loop(exit);
        Operand::Other
    }

    fn for_loop(&mut self, for_loop: &syn::ExprForLoop, functions: &mut Vec<FnIr>) -> Operand {
        let span = spans::of(for_loop);
        let iterable = self.expr(&for_loop.expr, functions);
        // The iterator is consumed by the loop: its items are not followed.
        self.use_operands(vec![by_ref(iterable)], spans::of(&*for_loop.expr));
        let (head, exit, _) = self.enter_loop(for_loop.label.as_ref(), span);
        let body = self.new_block();
        let pattern_span = spanned(&*for_loop.pat);
        self.terminate(
            Terminator::Jump(vec![
                Edge {
                    target: body,
                    kind: EdgeKind::Branch,
                    step: None,
                },
                Edge {
                    target: exit,
                    kind: EdgeKind::Branch,
                    step: Some((pattern_span, String::from("the loop ends"))),
                },
            ]),
            pattern_span,
        );
        self.switch_to(body);
        self.push_scope();
        self.bind_pattern(&for_loop.pat, None, None, Operand::Other, functions);
        let value = self.scoped_block(&for_loop.body, functions);
        self.use_operands(vec![value], span);
        let close = span_of(for_loop.body.brace_token.span.close());
        self.pop_scope(close);
        self.jump(head, EdgeKind::LoopBack, None, close);
        self.leave_loop(exit);
        Operand::Other
    }

    /// `'label: { .. }`: `break 'label` leaves the block; the block does not
    /// repeat, so it keeps the enclosing loop's identity.
    fn labelled_block(
        &mut self,
        label: &str,
        block: &SynBlock,
        functions: &mut Vec<FnIr>,
    ) -> Operand {
        let result = self.temp();
        let exit = self.new_block();
        self.loops.push(LoopFrame {
            id: self.current_loop(),
            is_block: true,
            label: Some(label.to_string()),
            head: self.current,
            exit,
            scope_depth: self.scopes.len(),
            result,
        });
        let value = self.scoped_block(block, functions);
        self.op(
            OpKind::Move {
                dest: result,
                value,
            },
            spans::of(block),
        );
        self.jump(exit, EdgeKind::Normal, None, spans::of(block));
        self.loops.pop();
        self.switch_to(exit);
        Operand::Temp(result)
    }

    /// The frame `break` / `continue` targets: the innermost loop, or the
    /// frame with that label.
    fn loop_frame(&self, label: &Option<String>) -> Option<usize> {
        match label {
            None => self.loops.iter().rposition(|frame| !frame.is_block),
            Some(name) => self
                .loops
                .iter()
                .rposition(|frame| frame.label.as_deref() == Some(name.as_str())),
        }
    }

    fn break_to(&mut self, label: Option<String>, value: Option<Operand>, span: Span) {
        let Some(position) = self.loop_frame(&label) else {
            self.terminate(Terminator::Unreachable, span);
            self.start_unreachable();
            return;
        };
        let (exit, depth, result) = {
            let frame = &self.loops[position];
            (frame.exit, frame.scope_depth, frame.result)
        };
        if let Some(value) = value {
            self.op(
                OpKind::Move {
                    dest: result,
                    value,
                },
                span,
            );
        }
        self.kill_scopes_above(depth, span);
        self.jump(
            exit,
            EdgeKind::Break,
            Some((span, String::from("`break` leaves the loop"))),
            span,
        );
        self.start_unreachable();
    }

    fn continue_to(&mut self, label: Option<String>, span: Span) {
        let Some(position) = self.loop_frame(&label) else {
            self.terminate(Terminator::Unreachable, span);
            self.start_unreachable();
            return;
        };
        let (head, depth) = {
            let frame = &self.loops[position];
            (frame.head, frame.scope_depth)
        };
        self.kill_scopes_above(depth, span);
        self.jump(
            head,
            EdgeKind::Continue,
            Some((span, String::from("`continue` goes round again"))),
            span,
        );
        self.start_unreachable();
    }

    // ----- closures and async blocks -------------------------------------

    fn closure(&mut self, closure: &syn::ExprClosure, functions: &mut Vec<FnIr>) -> Operand {
        let is_move = closure.capture.is_some();
        let kind = if closure.asyncness.is_some() {
            BodyKind::AsyncBlock { is_move }
        } else {
            BodyKind::Closure { is_move }
        };
        let mut parameter_names = Vec::new();
        for input in &closure.inputs {
            let mut bindings = Vec::new();
            pattern_bindings(input, &mut bindings);
            parameter_names.extend(bindings.into_iter().map(|b| b.name));
        }
        let span = span_of(closure.or1_token.span);
        let body = &*closure.body;
        let name = format!("{}::{{closure}}", self.ir.name);
        self.nested_body(
            name,
            kind,
            closure.asyncness.is_some(),
            span,
            body,
            &parameter_names,
            functions,
            |builder| {
                for input in &closure.inputs {
                    match input {
                        Pat::Type(typed) => builder.parameter(&typed.pat, Some(&typed.ty)),
                        other => builder.parameter(other, None),
                    }
                }
            },
        )
    }

    fn async_block(&mut self, async_block: &syn::ExprAsync, functions: &mut Vec<FnIr>) -> Operand {
        let is_move = async_block.capture.is_some();
        let span = span_of(async_block.async_token.span);
        let name = format!("{}::{{async block}}", self.ir.name);
        let body = Expr::Block(syn::ExprBlock {
            attrs: Vec::new(),
            label: None,
            block: async_block.block.clone(),
        });
        self.nested_body(
            name,
            BodyKind::AsyncBlock { is_move },
            true,
            span,
            &body,
            &[],
            functions,
            |_| {},
        )
    }

    /// Lowers a closure or async block as a body of its own, capturing the
    /// outer locals it names.
    #[allow(clippy::too_many_arguments)]
    fn nested_body(
        &mut self,
        name: String,
        kind: BodyKind,
        is_async: bool,
        span: Span,
        body: &Expr,
        parameter_names: &[String],
        functions: &mut Vec<FnIr>,
        declare_parameters: impl FnOnce(&mut BodyBuilder<'c>),
    ) -> Operand {
        let by_move = matches!(
            kind,
            BodyKind::Closure { is_move: true } | BodyKind::AsyncBlock { is_move: true }
        );
        functions.push(placeholder());
        let id = (functions.len() - 1) as FnId;
        let mut inner = BodyBuilder::new(
            self.core,
            self.selection,
            id,
            name,
            self.ir.self_type.clone(),
            kind,
            is_async,
            self.ir.role,
            span,
            Some(self.id),
        );
        inner.depth = self.depth;
        let mut mentioned = Vec::new();
        mentions_of_expr(body, &mut mentioned);
        let mut seen = BTreeSet::new();
        for name in mentioned {
            if parameter_names.contains(&name) || !seen.insert(name.clone()) {
                continue;
            }
            let Some(outer) = self.lookup(&name) else {
                continue;
            };
            let outer_local = &self.ir.locals[outer as usize];
            let local = inner.declare(&name, outer_local.ty.clone(), outer_local.span);
            inner.ir.captures.push(Capture {
                outer,
                inner: local,
                by_move,
            });
        }
        inner.push_scope();
        declare_parameters(&mut inner);
        inner.body_expr(body, functions);
        let mut ir = inner.finish();
        // Without `move`, a closure still captures by value what its body
        // moves (`|slot| *slot.borrow_mut() = Some(conn)`), as rustc does.
        for capture in &mut ir.captures {
            capture.by_move |= moves_local(&ir.blocks, capture.inner);
        }
        functions[id as usize] = ir;
        let dest = self.temp();
        self.op(OpKind::Closure { dest, body: id }, span);
        Operand::Temp(dest)
    }

    // ----- macros ---------------------------------------------------------

    fn macro_shape(&self, mac: &syn::Macro) -> MacroShape {
        let written = path_segments(&mac.path);
        let joined = written.join("::");
        let last = written.last().map(String::as_str).unwrap_or("");
        let listed = |entries: &[String]| {
            entries
                .iter()
                .any(|entry| *entry == joined || (!entry.contains("::") && entry == last))
        };
        if listed(&self.core.panic_macros) {
            MacroShape::Panic
        } else if last == "select" || last == "select_biased" {
            MacroShape::Select
        } else if listed(&self.core.join_macros) {
            MacroShape::Join
        } else if last == "bail" {
            MacroShape::Bail
        } else if last == "ensure" {
            MacroShape::Ensure
        } else if last == "vec" {
            MacroShape::Vec
        } else if last == "matches" || last == "assert_matches" {
            MacroShape::Matches
        } else if FORMAT_MACROS.contains(&last) {
            MacroShape::Format
        } else {
            MacroShape::Other
        }
    }

    fn macro_call(&mut self, mac: &syn::Macro, span: Span, functions: &mut Vec<FnIr>) -> Operand {
        let arguments = parse_macro_arguments(&mac.tokens);
        match self.macro_shape(mac) {
            MacroShape::Panic => {
                let operands = self.read_arguments(arguments.as_deref(), functions);
                self.use_operands(operands, span);
                self.terminate(
                    Terminator::Exit {
                        kind: ExitKind::Panic,
                        value: None,
                    },
                    span,
                );
                self.start_unreachable();
                Operand::Other
            }
            MacroShape::Bail => {
                let operands = self.read_arguments(arguments.as_deref(), functions);
                self.use_operands(operands, span);
                self.terminate(
                    Terminator::Exit {
                        kind: ExitKind::Error,
                        value: None,
                    },
                    span,
                );
                self.start_unreachable();
                Operand::Other
            }
            MacroShape::Ensure => {
                let operands = self.read_arguments(arguments.as_deref(), functions);
                self.use_operands(operands, span);
                let fails = self.new_block();
                let holds = self.new_block();
                self.terminate(
                    Terminator::Jump(vec![
                        Edge {
                            target: holds,
                            kind: EdgeKind::Branch,
                            step: None,
                        },
                        Edge {
                            target: fails,
                            kind: EdgeKind::Branch,
                            step: Some((span, String::from("the condition does not hold"))),
                        },
                    ]),
                    span,
                );
                self.switch_to(fails);
                self.terminate(
                    Terminator::Exit {
                        kind: ExitKind::Error,
                        value: None,
                    },
                    span,
                );
                self.switch_to(holds);
                Operand::Other
            }
            MacroShape::Join => {
                let Some(arguments) = arguments else {
                    return self.opaque_await(mac, span);
                };
                let mut results = Vec::new();
                for argument in &arguments {
                    let future = self.expr(argument, functions);
                    let mentions = self.mentions_in_expr(argument);
                    let dest = self.temp();
                    self.op(
                        OpKind::Await {
                            dest,
                            future,
                            mentions,
                        },
                        span,
                    );
                    results.push(Operand::Temp(dest));
                }
                self.aggregate(AggregateKind::Tuple, results, span)
            }
            MacroShape::Select => self.opaque_await(mac, span),
            MacroShape::Format | MacroShape::Matches => {
                let operands = self.read_arguments(arguments.as_deref(), functions);
                match operands.is_empty() && arguments.is_none() {
                    true => self.mention_tokens(&mac.tokens, span),
                    false => self.use_operands(operands, span),
                }
                Operand::Other
            }
            MacroShape::Vec => match arguments {
                Some(arguments) => {
                    let fields = arguments
                        .iter()
                        .map(|argument| self.expr(argument, functions))
                        .collect();
                    self.aggregate(AggregateKind::Array, fields, span)
                }
                None => {
                    self.mention_tokens(&mac.tokens, span);
                    Operand::Other
                }
            },
            MacroShape::Other => match arguments {
                Some(arguments) => {
                    let args = arguments
                        .iter()
                        .map(|argument| self.expr(argument, functions))
                        .collect();
                    let dest = self.temp();
                    self.op(
                        OpKind::Call {
                            dest,
                            callee: Callee::Macro(path_segments(&mac.path)),
                            args,
                        },
                        span,
                    );
                    Operand::Temp(dest)
                }
                None => {
                    self.mention_tokens(&mac.tokens, span);
                    Operand::Other
                }
            },
        }
    }

    /// Macro arguments read by reference.
    fn read_arguments(
        &mut self,
        arguments: Option<&[Expr]>,
        functions: &mut Vec<FnIr>,
    ) -> Vec<Operand> {
        arguments
            .unwrap_or_default()
            .iter()
            .map(|argument| {
                let value = self.expr(argument, functions);
                by_ref(value)
            })
            .collect()
    }

    /// A macro whose tokens are not expressions: the locals it names are used.
    fn mention_tokens(&mut self, tokens: &TokenStream, span: Span) {
        let mut names = Vec::new();
        token_idents(tokens, &mut names);
        let operands = self.local_operands(&names);
        self.use_operands(operands, span);
    }

    fn local_operands(&self, names: &[String]) -> Vec<Operand> {
        let mut seen = BTreeSet::new();
        names
            .iter()
            .filter_map(|name| self.lookup(name))
            .filter(|local| seen.insert(*local))
            .map(|local| Operand::Place {
                place: Place {
                    root: PlaceRoot::Local(local),
                    fields: Vec::new(),
                },
                mode: Mode::Ref,
            })
            .collect()
    }

    /// `select!`: awaits branches written in its own syntax; every local it
    /// names counts as used by that await.
    fn opaque_await(&mut self, mac: &syn::Macro, span: Span) -> Operand {
        let mut names = Vec::new();
        token_idents(&mac.tokens, &mut names);
        let mut mentions: Vec<LocalId> = names.iter().filter_map(|n| self.lookup(n)).collect();
        mentions.sort_unstable();
        mentions.dedup();
        let dest = self.temp();
        self.op(
            OpKind::Await {
                dest,
                future: Operand::Other,
                mentions,
            },
            span,
        );
        Operand::Other
    }

    fn mentions_in_expr(&self, expr: &Expr) -> Vec<LocalId> {
        let mut names = Vec::new();
        mentions_of_expr(expr, &mut names);
        let mut locals: Vec<LocalId> = names.iter().filter_map(|n| self.lookup(n)).collect();
        locals.sort_unstable();
        locals.dedup();
        locals
    }
}

trait JoinSpan {
    fn join_to(self, whole: Span) -> Span;
}

impl JoinSpan for Span {
    /// From the method name to the end of the call: `.acquire()` rather than
    /// the whole receiver chain.
    fn join_to(self, whole: Span) -> Span {
        Span {
            start: self.start,
            end: whole.end,
        }
    }
}

/// A call's span: the callee through the closing parenthesis when it fits
/// on one line; for a call spread over lines (`tokio::spawn(async move {
/// .. })`), the callee alone, so a finding underlines one line.
fn call_span(callee: Span, close: Span) -> Span {
    if close.end.line == callee.start.line {
        Span {
            start: callee.start,
            end: close.end,
        }
    } else {
        callee
    }
}

fn with_mode(operand: Operand, mode: Mode) -> Operand {
    match operand {
        Operand::Place { place, .. } => Operand::Place { place, mode },
        other => other,
    }
}

/// An operand read without being moved (binary operators, conditions, format
/// arguments).
fn by_ref(operand: Operand) -> Operand {
    match operand {
        Operand::Place {
            place,
            mode: Mode::Value | Mode::Receiver,
        } => Operand::Place {
            place,
            mode: Mode::Ref,
        },
        other => other,
    }
}

/// Whether a body moves `local` out: gives it by value to a call, a
/// constructor, a binding, an assignment or its result.
fn moves_local(blocks: &[Block], local: LocalId) -> bool {
    let moved = |operand: &Operand| {
        matches!(
            operand,
            Operand::Place {
                place: Place { root: PlaceRoot::Local(l), fields },
                mode: Mode::Value,
            } if *l == local && fields.is_empty()
        )
    };
    blocks.iter().any(|block| {
        let in_ops = block.ops.iter().any(|op| match &op.kind {
            OpKind::Call { args, .. } => args.iter().any(moved),
            OpKind::Aggregate { fields, .. } => fields.iter().any(moved),
            OpKind::Let { value, .. }
            | OpKind::Assign { value, .. }
            | OpKind::Move { value, .. } => moved(value),
            _ => false,
        });
        in_ops || matches!(&block.term, Terminator::Exit { value: Some(value), .. } if moved(value))
    })
}

fn strip_parens(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(inner) => strip_parens(&inner.expr),
        Expr::Group(inner) => strip_parens(&inner.expr),
        other => other,
    }
}

fn flatten_and<'e>(expr: &'e Expr, parts: &mut Vec<&'e Expr>) {
    match expr {
        Expr::Binary(binary) if matches!(binary.op, syn::BinOp::And(_)) => {
            flatten_and(&binary.left, parts);
            flatten_and(&binary.right, parts);
        }
        Expr::Paren(inner) if matches!(&*inner.expr, Expr::Let(_)) => parts.push(&inner.expr),
        other => parts.push(other),
    }
}

/// `Err(..)` as written: a return of it is an error exit.
fn is_err_constructor(expr: &Expr) -> bool {
    match strip_parens(expr) {
        Expr::Call(call) => matches!(
            strip_parens(&call.func),
            Expr::Path(path) if path.path.segments.last().is_some_and(|s| s.ident == "Err")
        ),
        _ => false,
    }
}

/// Where a block's value comes from: its tail expression (followed into
/// nested blocks), or its closing brace when it has none.
fn block_tail_span(block: &SynBlock) -> Span {
    match block.stmts.last() {
        Some(Stmt::Expr(expr, None)) => expr_tail_span(expr),
        _ => span_of(block.brace_token.span.close()),
    }
}

fn expr_tail_span(expr: &Expr) -> Span {
    match strip_parens(expr) {
        Expr::Block(block) if block.label.is_none() => block_tail_span(&block.block),
        other => spans::of(other),
    }
}

fn tail_is_err(block: &SynBlock) -> bool {
    matches!(block.stmts.last(), Some(Stmt::Expr(expr, None)) if is_err_constructor(expr))
}

/// `Err(..)`, or a block that ends with it.
fn is_err_value(expr: &Expr) -> bool {
    match strip_parens(expr) {
        Expr::Block(block) if block.label.is_none() => tail_is_err(&block.block),
        other => is_err_constructor(other),
    }
}

fn pattern_head(pattern: &Pat) -> Option<String> {
    match pattern {
        Pat::TupleStruct(tuple_struct) => tuple_struct
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string()),
        Pat::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        Pat::Ident(ident) if ident.subpat.is_none() && ident.ident == "None" => {
            Some(String::from("None"))
        }
        _ => None,
    }
}

/// `Ok(..)` / `Some(..)`: when it does not match, the value holds nothing.
fn is_success_pattern(pattern: &Pat) -> bool {
    matches!(pattern_head(pattern).as_deref(), Some("Ok" | "Some"))
}

/// `Err(..)` / `None`: the value holds nothing on this arm.
fn is_failure_pattern(pattern: &Pat) -> bool {
    matches!(pattern_head(pattern).as_deref(), Some("Err" | "None"))
}

/// The place an assignment writes: `x`, `self.f`, a static. Writing through a
/// deref or an index is not an overwrite of the root.
fn assign_place(target: &Expr, lowered: Operand) -> Option<Place> {
    let Operand::Place { mut place, .. } = lowered else {
        return None;
    };
    if writes_through(target) {
        place.fields.push(String::from("*"));
    }
    Some(place)
}

fn writes_through(target: &Expr) -> bool {
    match strip_parens(target) {
        Expr::Unary(unary) => matches!(unary.op, syn::UnOp::Deref(_)),
        Expr::Field(field) => writes_through(&field.base),
        _ => false,
    }
}

struct Binding {
    name: String,
    span: Span,
}

fn pattern_bindings(pattern: &Pat, out: &mut Vec<Binding>) {
    struct Collector<'a> {
        out: &'a mut Vec<Binding>,
    }
    impl<'ast> Visit<'ast> for Collector<'_> {
        fn visit_pat_ident(&mut self, ident: &'ast syn::PatIdent) {
            let name = ident.ident.to_string();
            // `None` and unit variants parse as identifiers.
            let looks_like_variant = name.chars().next().is_some_and(char::is_uppercase)
                && ident.by_ref.is_none()
                && ident.mutability.is_none();
            if !looks_like_variant {
                self.out.push(Binding {
                    name,
                    span: span_of(ident.ident.span()),
                });
            }
            syn::visit::visit_pat_ident(self, ident);
        }
        fn visit_expr(&mut self, _: &'ast Expr) {}
    }
    Collector { out }.visit_pat(pattern);
}

/// Every single-segment path and macro-token identifier in an expression,
/// closures and nested blocks included: what a future or closure may use.
fn mentions_of_expr(expr: &Expr, out: &mut Vec<String>) {
    struct Collector<'a> {
        out: &'a mut Vec<String>,
    }
    impl<'ast> Visit<'ast> for Collector<'_> {
        fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
            if path.qself.is_none() && path.path.segments.len() == 1 {
                self.out.push(path.path.segments[0].ident.to_string());
            }
            syn::visit::visit_expr_path(self, path);
        }
        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            token_idents(&mac.tokens, self.out);
        }
        fn visit_field_value(&mut self, field: &'ast syn::FieldValue) {
            // `S { conn }` shorthand names the local `conn`.
            if field.colon_token.is_none() {
                if let syn::Member::Named(ident) = &field.member {
                    self.out.push(ident.to_string());
                }
            }
            syn::visit::visit_field_value(self, field);
        }
        fn visit_item(&mut self, _: &'ast Item) {}
    }
    Collector { out }.visit_expr(expr);
}

fn token_idents(tokens: &TokenStream, out: &mut Vec<String>) {
    for tree in tokens.clone() {
        match tree {
            TokenTree::Ident(ident) => out.push(ident.to_string()),
            TokenTree::Group(group) => token_idents(&group.stream(), out),
            _ => {}
        }
    }
}

/// Macro tokens as comma-separated expressions (`format!`, `sqlx::query!`,
/// `join!`); `None` when they are not.
fn parse_macro_arguments(tokens: &TokenStream) -> Option<Vec<Expr>> {
    let parser = Punctuated::<Expr, Token![,]>::parse_terminated;
    parser
        .parse2(tokens.clone())
        .ok()
        .map(|arguments| arguments.into_iter().collect())
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
