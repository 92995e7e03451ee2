//! Items: modules, functions and methods, impls and traits, structs,
//! enums, aliases, statics and `use` items, as the workspace index and the
//! semantic layer read them; types as written; attributes that give a
//! function its role.

use super::*;

// ----- items --------------------------------------------------------------

/// What the enclosing items say about the functions inside them.
#[derive(Debug, Clone, Default)]
pub(super) struct ItemScope {
    pub(super) in_test: bool,
    /// Inside a module (not the file's top level): `fn main` there is no entry point.
    pub(super) nested: bool,
    /// The inline modules around, outermost first, with their `#[path]`.
    pub(super) inline_modules: Vec<(String, Option<String>)>,
}

pub(super) struct FileLowerer<'c> {
    pub(super) core: &'c CoreRoles,
    pub(super) selection: BodySelection<'c>,
    pub(super) ir: FileIr,
}

impl FileLowerer<'_> {
    pub(super) fn items(&mut self, items: &[Item], scope: &ItemScope) {
        for item in items {
            self.item(item, scope);
        }
    }

    pub(super) fn extent(&mut self, name: String, span: Span) {
        self.ir.items.push(ItemExtent { name, span });
    }

    pub(super) fn item(&mut self, item: &Item, scope: &ItemScope) {
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
                    // Out of line: which file holds it is decided later,
                    // with the crate's layout (`workspace::module_file_candidates`).
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
    pub(super) fn item_macro(&mut self, item_macro: &syn::ItemMacro) {
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
    pub(super) fn function(
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

    pub(super) fn reserve(&mut self) -> FnId {
        self.ir.functions.push(placeholder());
        (self.ir.functions.len() - 1) as FnId
    }
}

pub(super) fn placeholder() -> FnIr {
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

pub(super) fn self_path() -> TypeRef {
    TypeRef::Path {
        segments: vec![String::from("Self")],
        args: Vec::new(),
    }
}

/// Declarations inside `lazy_static!` / `thread_local!`.
pub(super) struct MacroStatics(Vec<(syn::Ident, Type)>);

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

pub(super) fn fields_of(fields: &syn::Fields) -> Vec<FieldDef> {
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
pub(super) fn collect_uses(
    items: &[Item],
    in_module: bool,
    out: &mut Vec<UseItem>,
    inline: &mut Vec<bool>,
) {
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

pub(super) fn flatten_use(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<UseItem>) {
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

pub(super) fn path_type(path: &syn::Path) -> TypeRef {
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

pub(super) fn trait_paths(bounds: &Punctuated<syn::TypeParamBound, Token![+]>) -> Vec<Vec<String>> {
    bounds
        .iter()
        .filter_map(|bound| match bound {
            syn::TypeParamBound::Trait(bound) => Some(path_segments(&bound.path)),
            _ => None,
        })
        .collect()
}

pub(super) fn path_segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

pub(super) fn type_last_segment(ty: &Type) -> Option<String> {
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
pub(super) fn has_attribute(attributes: &[Attribute], names: &[String]) -> bool {
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
pub(super) fn is_test_item(attributes: &[Attribute], core: &CoreRoles) -> bool {
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
pub(super) fn path_attribute(attributes: &[Attribute]) -> Option<String> {
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

pub(super) fn tokens_mention(tokens: &TokenStream, word: &str) -> bool {
    tokens.clone().into_iter().any(|tree| match tree {
        TokenTree::Ident(ident) => ident == word,
        TokenTree::Group(group) => tokens_mention(&group.stream(), word),
        _ => false,
    })
}

/// First segments of paths with two or more segments, and of `use` trees: the
/// crates a file names, for pack gating.
pub(super) struct RootCollector<'a> {
    pub(super) roots: &'a mut BTreeSet<String>,
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
pub(super) fn collect_token_roots(tokens: &TokenStream, roots: &mut BTreeSet<String>) {
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
