//! Items: modules, functions and methods, impls and traits, structs,
//! enums, aliases, statics and `use` items, as the workspace index and the
//! semantic layer read them; types as written; attributes that give a
//! function its role.

use super::*;
use crate::model::ThinVec;

// ----- items --------------------------------------------------------------

/// What the enclosing items say about the items inside them.
#[derive(Debug, Clone, Default)]
pub(super) struct ItemScope {
    pub(super) in_test: bool,
    /// Inside a module (not the file's top level): `fn main` there is no entry point.
    pub(super) nested: bool,
    /// The module the items are written in.
    pub(super) module: ModuleIndex,
}

/// Where a function is written and whose it is.
#[derive(Debug, Clone, Default)]
pub(super) struct FnPlace {
    pub(super) module: ModuleIndex,
    pub(super) owner: FnOwner,
    /// The last segment of the impl's self type, for names (`Repo::save`).
    pub(super) self_type: Option<Name>,
    pub(super) generics: Vec<Name>,
}

pub(super) struct FileLowerer<'c> {
    pub(super) core: &'c CoreRoles,
    pub(super) selection: BodySelection<'c>,
    pub(super) ir: FileIr,
    /// Inline modules met so far: they are numbered in the order
    /// [`collect_modules`] numbered them.
    pub(super) modules_seen: ModuleIndex,
}

impl FileLowerer<'_> {
    pub(super) fn items(&mut self, items: &[Item], scope: &ItemScope) {
        for item in items {
            self.item(item, scope);
        }
    }

    pub(super) fn extent(&mut self, name: Name, span: Span) {
        self.ir.items.push(ItemExtent { name, span });
    }

    pub(super) fn item(&mut self, item: &Item, scope: &ItemScope) {
        match item {
            Item::Fn(function) => {
                let name = Name::of(&function.sig.ident);
                self.extent(name, spans::of(function));
                let role = FnRole {
                    is_main: (name == "main" && !scope.nested)
                        || has_attribute(&function.attrs, &self.core.main_attributes),
                    is_test: scope.in_test
                        || is_test_item(&function.attrs, self.core)
                        || named_for_tests(&name),
                };
                let place = FnPlace {
                    module: scope.module,
                    owner: FnOwner::Free,
                    self_type: None,
                    generics: generic_names(&function.sig.generics),
                };
                self.function(
                    None,
                    name,
                    place,
                    &function.sig,
                    Some(&function.block),
                    role,
                    function.sig.ident.span(),
                );
            }
            Item::Impl(block) => self.impl_block(block, scope),
            Item::Trait(definition) => self.trait_definition(definition, scope),
            Item::Mod(module) => {
                self.extent(
                    crate::format_name!("mod {}", module.ident),
                    spans::of(module),
                );
                if let Some((_, items)) = &module.content {
                    self.modules_seen += 1;
                    let inner = ItemScope {
                        in_test: scope.in_test || is_test_item(&module.attrs, self.core),
                        nested: true,
                        module: self.modules_seen,
                    };
                    self.items(items, &inner);
                }
            }
            Item::Struct(definition) => {
                self.extent(
                    crate::format_name!("struct {}", definition.ident),
                    spanned(definition),
                );
                let fields = fields_of(&definition.fields);
                self.ir.structs.push(StructDef {
                    name: Name::of(&definition.ident),
                    module: scope.module,
                    generics: generic_names(&definition.generics),
                    variants: None,
                    fields,
                    span: spanned(&definition.ident),
                });
            }
            Item::Union(definition) => {
                let fields = definition
                    .fields
                    .named
                    .iter()
                    .map(|field| FieldDef {
                        name: field.ident.as_ref().map(Name::of).unwrap_or_default(),
                        ty: type_ref(&field.ty),
                    })
                    .collect();
                self.ir.structs.push(StructDef {
                    name: Name::of(&definition.ident),
                    module: scope.module,
                    generics: generic_names(&definition.generics),
                    variants: None,
                    fields,
                    span: spanned(&definition.ident),
                });
            }
            Item::Enum(definition) => {
                self.extent(
                    crate::format_name!("enum {}", definition.ident),
                    spanned(definition),
                );
                // Named after their variant, as patterns name them (`Pool#0`).
                let fields = definition
                    .variants
                    .iter()
                    .flat_map(|variant| {
                        fields_of(&variant.fields)
                            .into_iter()
                            .map(move |field| FieldDef {
                                name: crate::format_name!("{}#{}", variant.ident, field.name),
                                ty: field.ty,
                            })
                    })
                    .collect();
                self.ir.structs.push(StructDef {
                    name: Name::of(&definition.ident),
                    module: scope.module,
                    generics: generic_names(&definition.generics),
                    variants: Some(
                        definition
                            .variants
                            .iter()
                            .map(|variant| Name::of(&variant.ident))
                            .collect(),
                    ),
                    fields,
                    span: spanned(&definition.ident),
                });
            }
            Item::Type(alias) => {
                self.ir.aliases.push(TypeAlias {
                    name: Name::of(&alias.ident),
                    module: scope.module,
                    generics: generic_names(&alias.generics),
                    ty: type_ref(&alias.ty),
                });
            }
            Item::Static(definition) => {
                self.extent(
                    crate::format_name!("static {}", definition.ident),
                    spanned(definition),
                );
                self.ir.statics.push(StaticDef {
                    name: Name::of(&definition.ident),
                    module: scope.module,
                    ty: Some(type_ref(&definition.ty)),
                    thread_local: false,
                    span: spanned(&definition.ident),
                    text: string_text(&definition.expr, 0).map(Name::from),
                    arguments: format_arguments(&definition.expr),
                });
            }
            // A string constant is kept for the SQL it may hold.
            Item::Const(definition) => {
                if let Some(text) = string_text(&definition.expr, 0) {
                    self.ir.statics.push(StaticDef {
                        name: Name::of(&definition.ident),
                        module: scope.module,
                        ty: Some(type_ref(&definition.ty)),
                        thread_local: false,
                        span: spanned(&definition.ident),
                        text: Some(Name::from(text)),
                        arguments: format_arguments(&definition.expr),
                    });
                }
            }
            // Collected before the items (`collect_modules`): they decide
            // which bodies are lowered.
            Item::Use(_) => {}
            Item::Macro(item_macro) => self.item_macro(item_macro, scope),
            _ => {}
        }
    }

    fn impl_block(&mut self, block: &syn::ItemImpl, scope: &ItemScope) {
        let self_type = type_last_segment(&block.self_ty);
        let scope = ItemScope {
            in_test: scope.in_test || is_test_item(&block.attrs, self.core),
            nested: true,
            module: scope.module,
        };
        self.extent(
            crate::format_name!("impl {}", self_type.unwrap_or_default()),
            spans::of(block),
        );
        let index = self.ir.impls.len() as ImplIndex;
        let assoc_types = block
            .items
            .iter()
            .filter_map(|item| match item {
                syn::ImplItem::Type(assoc) => Some((Name::of(&assoc.ident), type_ref(&assoc.ty))),
                _ => None,
            })
            .collect();
        self.ir.impls.push(ImplDef {
            module: scope.module,
            generics: generic_names(&block.generics),
            self_ty: type_ref(&block.self_ty),
            trait_ref: block.trait_.as_ref().map(|(_, path, _)| path_type(path)),
            assoc_types,
            methods: Vec::new(),
        });
        for impl_item in &block.items {
            if let syn::ImplItem::Fn(method) = impl_item {
                let name = match &self_type {
                    Some(owner) => crate::format_name!("{owner}::{}", method.sig.ident),
                    None => Name::of(&method.sig.ident),
                };
                self.extent(name, spans::of(method));
                let role = FnRole {
                    is_main: false,
                    is_test: scope.in_test
                        || is_test_item(&method.attrs, self.core)
                        || named_for_tests(&Name::of(&method.sig.ident)),
                };
                let place = FnPlace {
                    module: scope.module,
                    owner: FnOwner::Impl(index),
                    self_type,
                    generics: generic_names(&method.sig.generics),
                };
                let id = self.function(
                    None,
                    name,
                    place,
                    &method.sig,
                    Some(&method.block),
                    role,
                    method.sig.ident.span(),
                );
                self.ir.impls[index as usize].methods.push(id);
            }
        }
    }

    fn trait_definition(&mut self, definition: &syn::ItemTrait, scope: &ItemScope) {
        let owner = Name::of(&definition.ident);
        self.extent(crate::format_name!("trait {owner}"), spans::of(definition));
        let in_test = scope.in_test || is_test_item(&definition.attrs, self.core);
        let index = self.ir.traits.len() as TraitIndex;
        self.ir.traits.push(TraitDef {
            name: owner,
            module: scope.module,
            generics: generic_names(&definition.generics),
            methods: Vec::new(),
            supertraits: definition
                .supertraits
                .iter()
                .filter_map(|bound| match bound {
                    syn::TypeParamBound::Trait(bound) => Some(path_segments(&bound.path)),
                    _ => None,
                })
                .collect(),
        });
        for trait_item in &definition.items {
            let syn::TraitItem::Fn(method) = trait_item else {
                continue;
            };
            let name = crate::format_name!("{owner}::{}", method.sig.ident);
            if method.default.is_some() {
                self.extent(name, spans::of(method));
            }
            let role = FnRole {
                is_main: false,
                is_test: in_test,
            };
            let place = FnPlace {
                module: scope.module,
                owner: FnOwner::Trait(index),
                self_type: None,
                generics: generic_names(&method.sig.generics),
            };
            let id = self.function(
                None,
                name,
                place,
                &method.sig,
                method.default.as_ref(),
                role,
                method.sig.ident.span(),
            );
            self.ir.traits[index as usize].methods.push(id);
        }
    }

    /// `lazy_static! { static ref X: T = ..; }` and `thread_local! { static X: T = ..; }`.
    pub(super) fn item_macro(&mut self, item_macro: &syn::ItemMacro, scope: &ItemScope) {
        let Some(name) = item_macro.mac.path.segments.last() else {
            return;
        };
        let thread_local = match Name::of(&name.ident).as_str() {
            "lazy_static" => false,
            "thread_local" => true,
            _ => return,
        };
        let Ok(declarations) = MacroStatics::parse.parse2(item_macro.mac.tokens.clone()) else {
            return;
        };
        for (ident, ty, expr) in declarations.0 {
            self.ir.statics.push(StaticDef {
                name: Name::of(&ident),
                module: scope.module,
                ty: Some(type_ref(&ty)),
                thread_local,
                span: span_of(ident.span()),
                text: string_text(&expr, 0).map(Name::from),
                arguments: format_arguments(&expr),
            });
        }
    }

    /// Lowers a function into a new slot of the file's functions, or into
    /// the slot `id` of one lowered late; returns its id. A trait method
    /// without a default body keeps its signature only.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn function(
        &mut self,
        id: Option<FnId>,
        name: Name,
        place: FnPlace,
        signature: &syn::Signature,
        body: Option<&SynBlock>,
        role: FnRole,
        name_span: proc_macro2::Span,
    ) -> FnId {
        let id = id.unwrap_or_else(|| self.reserve());
        let mut builder = BodyBuilder::new(
            self.core,
            self.selection,
            id,
            name,
            place.self_type,
            BodyKind::Fn,
            signature.asyncness.is_some(),
            role,
            span_of(name_span),
            None,
        );
        builder.ir.module = place.module;
        builder.ir.owner = place.owner;
        builder.ir.generics = place.generics.into_iter().collect();
        builder.ir.has_body = body.is_some();
        builder.ir.returns_field = body.and_then(returned_field);
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
        let name_span = span_of(name_span);
        let Some(body) = body else {
            let mut ir = builder.finish();
            ir.blocks.clear();
            ir.end_span = spanned(signature);
            self.ir.functions[id as usize] = ir;
            return id;
        };
        let end_span = span_of(body.brace_token.span.close());
        if !self
            .selection
            .wants(name_span, end_span, builder.ir.self_type.as_deref())
        {
            let mut ir = builder.finish();
            ir.blocks.clear();
            ir.end_span = end_span;
            if ir.is_async {
                ir.await_sketches = sketch_awaits(body).into_iter().collect();
            }
            self.ir.functions[id as usize] = ir;
            return id;
        }
        let mut functions = std::mem::take(&mut self.ir.functions);
        builder.body_block(body, &mut functions);
        let nested = std::mem::take(&mut builder.nested_items);
        functions[id as usize] = builder.finish();
        self.ir.functions = functions;
        self.adopt(nested);
        id
    }

    /// Items written inside a body (`impl` blocks, structs, aliases of a
    /// function's own): they join the file's, in the function's module.
    fn adopt(&mut self, nested: NestedItems) {
        let impl_offset = self.ir.impls.len() as ImplIndex;
        let trait_offset = self.ir.traits.len() as TraitIndex;
        for definition in nested
            .impls
            .iter()
            .map(|d| &d.methods)
            .chain(nested.traits.iter().map(|d| &d.methods))
        {
            for &method in definition {
                if let Some(function) = self.ir.functions.get_mut(method as usize) {
                    function.owner = match function.owner {
                        FnOwner::Impl(index) => FnOwner::Impl(index + impl_offset),
                        FnOwner::Trait(index) => FnOwner::Trait(index + trait_offset),
                        FnOwner::Free => FnOwner::Free,
                    };
                }
            }
        }
        self.ir.impls.extend(nested.impls);
        self.ir.traits.extend(nested.traits);
        self.ir.structs.extend(nested.structs);
        self.ir.aliases.extend(nested.aliases);
        self.ir.statics.extend(nested.statics);
    }

    pub(super) fn reserve(&mut self) -> FnId {
        self.ir.functions.push(placeholder());
        (self.ir.functions.len() - 1) as FnId
    }
}

/// Items a body declares, gathered while it is lowered; their impl and
/// trait indices count from 0 until the file adopts them.
#[derive(Debug, Default)]
pub(super) struct NestedItems {
    pub(super) impls: Vec<ImplDef>,
    pub(super) traits: Vec<TraitDef>,
    pub(super) structs: Vec<StructDef>,
    pub(super) aliases: Vec<TypeAlias>,
    pub(super) statics: Vec<StaticDef>,
}

/// The names of the type parameters of an item.
pub(super) fn generic_names(generics: &syn::Generics) -> Vec<Name> {
    generics
        .type_params()
        .map(|param| Name::of(&param.ident))
        .collect()
}

/// The field path a body hands out, when its whole body is one: `&self.a`,
/// `&mut self.a.b`, `&*self.a`, `self.a.clone()`, `self.a.as_ref()`,
/// `self.0`.
fn returned_field(body: &SynBlock) -> Option<Vec<Name>> {
    let [Stmt::Expr(tail, None)] = body.stmts.as_slice() else {
        return None;
    };
    let mut expr = tail;
    loop {
        expr = match expr {
            Expr::Reference(reference) => &reference.expr,
            Expr::Paren(inner) => &inner.expr,
            Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Deref(_)) => &unary.expr,
            Expr::MethodCall(call)
                if call.args.is_empty()
                    && matches!(
                        Name::of(&call.method).as_str(),
                        "clone"
                            | "as_ref"
                            | "as_mut"
                            | "deref"
                            | "deref_mut"
                            | "borrow"
                            | "borrow_mut"
                            | "get_ref"
                            | "get_mut"
                    ) =>
            {
                &call.receiver
            }
            _ => break,
        };
    }
    let mut fields = Vec::new();
    loop {
        match expr {
            Expr::Field(field) => {
                fields.push(match &field.member {
                    syn::Member::Named(ident) => Name::of(ident),
                    syn::Member::Unnamed(index) => Name::of(index.index),
                });
                expr = &field.base;
            }
            Expr::Path(path) if path.path.is_ident("self") && !fields.is_empty() => {
                fields.reverse();
                return Some(fields);
            }
            _ => return None,
        }
    }
}

pub(super) fn placeholder() -> FnIr {
    FnIr {
        name: Name::default(),
        self_type: None,
        kind: BodyKind::Fn,
        is_async: false,
        role: FnRole::default(),
        span: Span::default(),
        parent: None,
        locals: ThinVec::new(),
        params: ThinVec::new(),
        ret: None,
        temps: 0,
        blocks: ThinVec::new(),
        loops: ThinVec::new(),
        captures: ThinVec::new(),
        end_span: Span::default(),
        await_sketches: ThinVec::new(),
        module: 0,
        owner: FnOwner::Free,
        generics: ThinVec::new(),
        has_body: true,
        returns_field: None,
        arms: ThinVec::new(),
    }
}

pub(super) fn self_path() -> TypeRef {
    TypeRef::Path {
        segments: crate::model::Slice::from(vec![Name::from("Self")]),
        args: crate::model::Slice::default(),
    }
}

/// Declarations inside `lazy_static!` / `thread_local!`.
pub(super) struct MacroStatics(Vec<(syn::Ident, Type, Expr)>);

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
            let expr = input.parse::<Expr>()?;
            if input.peek(Token![;]) {
                input.parse::<Token![;]>()?;
            }
            found.push((ident, ty, expr));
        }
        Ok(MacroStatics(found))
    }
}

/// The text a string initializer gives: a literal; a `format!` template;
/// either through `.to_string()`, `String::from`, `&`, a block or the
/// closure of `LazyLock::new(|| ..)`.
fn string_text(expr: &Expr, depth: usize) -> Option<String> {
    if depth > 8 {
        return None;
    }
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) => Some(text.value()),
        Expr::Macro(mac) => {
            let name = Name::of(&mac.mac.path.segments.last()?.ident);
            if name != "format" && name != "concat" {
                return None;
            }
            let arguments = mac
                .mac
                .parse_body_with(syn::punctuated::Punctuated::<Expr, Token![,]>::parse_terminated)
                .ok()?;
            let texts: Option<Vec<String>> = if name == "format" {
                arguments
                    .first()
                    .map(|first| vec![string_text(first, depth + 1)])
                    .into_iter()
                    .flatten()
                    .collect()
            } else {
                arguments
                    .iter()
                    .map(|argument| string_text(argument, depth + 1))
                    .collect()
            };
            Some(texts?.concat())
        }
        // Calls that keep what the text says (`TEMPLATE.replace("__X__", "")`);
        // a text that starts from a named one stands for it (`{}`, see
        // `format_arguments`).
        Expr::MethodCall(call) if keeps_text(&call.method) => {
            string_text(&call.receiver, depth + 1)
                .or_else(|| format_arguments(expr).first().map(|_| String::from("{}")))
        }
        Expr::Call(call) => {
            let Expr::Path(function) = call.func.as_ref() else {
                return None;
            };
            let last = Name::of(&function.path.segments.last()?.ident);
            match (last.as_str(), call.args.first()) {
                ("from" | "new", Some(argument)) => string_text(argument, depth + 1),
                _ => None,
            }
        }
        Expr::Closure(closure) => string_text(&closure.body, depth + 1),
        Expr::Reference(reference) => string_text(&reference.expr, depth + 1),
        Expr::Paren(inner) => string_text(&inner.expr, depth + 1),
        Expr::Group(inner) => string_text(&inner.expr, depth + 1),
        Expr::Block(block) => match block.block.stmts.last()? {
            syn::Stmt::Expr(tail, None) => string_text(tail, depth + 1),
            _ => None,
        },
        _ => None,
    }
}

/// Methods on a string whose result says what the string says, for SQL.
fn keeps_text(method: &syn::Ident) -> bool {
    matches!(
        Name::of(method).as_str(),
        "to_string"
            | "to_owned"
            | "into"
            | "as_str"
            | "as_ref"
            | "deref"
            | "replace"
            | "replacen"
            | "trim"
            | "trim_start"
            | "trim_end"
            | "to_uppercase"
            | "to_lowercase"
    )
}

/// The names a `format!` initializer puts into its template, in order:
/// the last segment of each argument that is a path, through `&`, `*` and
/// `.as_str()`/`.deref()`/`.to_string()`.
fn format_arguments(expr: &Expr) -> Vec<Option<Name>> {
    fn named(expr: &Expr, depth: usize) -> Option<Name> {
        if depth > 4 {
            return None;
        }
        match expr {
            Expr::Path(path) => Some(Name::of(&path.path.segments.last()?.ident)),
            Expr::Reference(reference) => named(&reference.expr, depth + 1),
            Expr::Unary(unary) => named(&unary.expr, depth + 1),
            Expr::MethodCall(call) if keeps_text(&call.method) => named(&call.receiver, depth + 1),
            _ => None,
        }
    }
    let mut expr = expr;
    for _ in 0..4 {
        match expr {
            Expr::Closure(closure) => expr = &closure.body,
            Expr::Call(call) if call.args.len() == 1 => expr = &call.args[0],
            _ => break,
        }
    }
    // `NAMED.replace(..)`: the named text, edited.
    if let Expr::MethodCall(call) = expr {
        if keeps_text(&call.method) {
            return named(expr, 0)
                .map(|name| vec![Some(name)])
                .unwrap_or_default();
        }
    }
    let Expr::Macro(mac) = expr else {
        return Vec::new();
    };
    let is_format = mac
        .mac
        .path
        .segments
        .last()
        .is_some_and(|last| last.ident == "format");
    if !is_format {
        return Vec::new();
    }
    let Ok(arguments) = mac
        .mac
        .parse_body_with(syn::punctuated::Punctuated::<Expr, Token![,]>::parse_terminated)
    else {
        return Vec::new();
    };
    arguments
        .iter()
        .skip(1)
        .map(|argument| named(argument, 0))
        .collect()
}

pub(super) fn fields_of(fields: &syn::Fields) -> Vec<FieldDef> {
    fields
        .iter()
        .enumerate()
        .map(|(position, field)| FieldDef {
            name: field
                .ident
                .as_ref()
                .map(Name::of)
                .unwrap_or_else(|| Name::of(position)),
            ty: type_ref(&field.ty),
        })
        .collect()
}

/// The modules of a file (itself first, then its inline modules in the
/// order they are written, each before its own) and every `use` item with
/// the module it is written in.
pub(super) fn collect_modules(items: &[Item], core: &CoreRoles) -> (Vec<ModuleDef>, Vec<UseItem>) {
    let mut modules = vec![ModuleDef::default()];
    let mut uses = Vec::new();
    collect_module_items(items, 0, core, &mut modules, &mut uses);
    (modules, uses)
}

fn collect_module_items(
    items: &[Item],
    module: ModuleIndex,
    core: &CoreRoles,
    modules: &mut Vec<ModuleDef>,
    uses: &mut Vec<UseItem>,
) {
    for item in items {
        match item {
            Item::Use(item_use) => {
                let first = uses.len();
                flatten_use(&item_use.tree, &mut Vec::new(), uses);
                for added in &mut uses[first..] {
                    added.module = module;
                }
            }
            Item::Mod(declaration) => {
                let is_test =
                    modules[module as usize].is_test || is_test_item(&declaration.attrs, core);
                match &declaration.content {
                    Some((_, inner)) => {
                        let index = modules.len() as ModuleIndex;
                        modules.push(ModuleDef {
                            name: Name::of(&declaration.ident),
                            parent: Some(module),
                            is_test,
                            path: path_attribute(&declaration.attrs),
                            declared: Vec::new(),
                        });
                        collect_module_items(inner, index, core, modules, uses);
                    }
                    None => modules[module as usize].declared.push(ModDecl {
                        name: Name::of(&declaration.ident),
                        path: path_attribute(&declaration.attrs),
                        is_test,
                        span: spanned(&declaration.ident),
                    }),
                }
            }
            _ => {}
        }
    }
}

pub(super) fn flatten_use(tree: &syn::UseTree, prefix: &mut Vec<Name>, out: &mut Vec<UseItem>) {
    match tree {
        syn::UseTree::Path(path) => {
            prefix.push(Name::of(&path.ident));
            flatten_use(&path.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(name) => {
            let ident = Name::of(&name.ident);
            if ident == "self" {
                if let Some(last) = prefix.last() {
                    out.push(UseItem {
                        alias: *last,
                        path: prefix.clone(),
                        glob: false,
                        module: 0,
                    });
                }
                return;
            }
            let mut path = prefix.clone();
            path.push(ident);
            out.push(UseItem {
                alias: ident,
                path,
                glob: false,
                module: 0,
            });
        }
        syn::UseTree::Rename(rename) => {
            let mut path = prefix.clone();
            let ident = Name::of(&rename.ident);
            if ident != "self" {
                path.push(ident);
            }
            out.push(UseItem {
                alias: Name::of(&rename.rename),
                path,
                glob: false,
                module: 0,
            });
        }
        syn::UseTree::Glob(_) => out.push(UseItem {
            alias: Name::from("*"),
            path: prefix.clone(),
            glob: true,
            module: 0,
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
        Type::ImplTrait(bounds) => TypeRef::Bounds(trait_paths(&bounds.bounds).into()),
        Type::TraitObject(bounds) => TypeRef::Bounds(trait_paths(&bounds.bounds).into()),
        _ => TypeRef::Other,
    }
}

pub(super) fn path_type(path: &syn::Path) -> TypeRef {
    let segments = path.segments.iter().map(|s| Name::of(&s.ident)).collect();
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
    TypeRef::Path {
        segments,
        args: args.into(),
    }
}

pub(super) fn trait_paths(bounds: &Punctuated<syn::TypeParamBound, Token![+]>) -> Vec<TypeBound> {
    bounds
        .iter()
        .filter_map(|bound| match bound {
            syn::TypeParamBound::Trait(bound) => Some(type_bound(&bound.path)),
            _ => None,
        })
        .collect()
}

/// A trait bound with its generic arguments and associated type bindings
/// (`Future<Output = T>`, `Fn(A) -> B` as arguments `A` and `Output = B`).
fn type_bound(path: &syn::Path) -> TypeBound {
    let mut args = Vec::new();
    let mut bindings = Vec::new();
    match path.segments.last().map(|s| &s.arguments) {
        Some(syn::PathArguments::AngleBracketed(generic)) => {
            for arg in &generic.args {
                match arg {
                    syn::GenericArgument::Type(ty) => args.push(type_ref(ty)),
                    syn::GenericArgument::AssocType(assoc) => {
                        bindings.push((Name::of(&assoc.ident), type_ref(&assoc.ty)))
                    }
                    _ => {}
                }
            }
        }
        Some(syn::PathArguments::Parenthesized(function)) => {
            args.extend(function.inputs.iter().map(type_ref));
            if let syn::ReturnType::Type(_, output) = &function.output {
                bindings.push((Name::from("Output"), type_ref(output)));
            }
        }
        _ => {}
    }
    TypeBound {
        path: path_segments(path).into(),
        args: args.into(),
        bindings: bindings.into(),
    }
}

pub(super) fn path_segments(path: &syn::Path) -> Vec<Name> {
    path.segments.iter().map(|s| Name::of(&s.ident)).collect()
}

pub(super) fn type_last_segment(ty: &Type) -> Option<Name> {
    match ty {
        Type::Path(path) => path.path.segments.last().map(|s| Name::of(&s.ident)),
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
                let name = Name::of(&last.ident);
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

/// A function whose name says it is there for tests: its words (split at
/// `_`) hold `for test`, `for tests`, `for testing`, `test only` or
/// `testing only` (`new_for_test`, `reset_for_testing`,
/// `drop_all_for_test_use_only`, `test_only_seed`). Projects mark helpers
/// that production code must not call that way when they cannot put them
/// behind `#[cfg(test)]` (another crate's tests call them).
pub(super) fn named_for_tests(name: &str) -> bool {
    let is = |word: &str, one_of: &[&str]| one_of.iter().any(|w| word.eq_ignore_ascii_case(w));
    let mut words = name
        .trim_start_matches("r#")
        .split('_')
        .filter(|word| !word.is_empty());
    let Some(mut word) = words.next() else {
        return false;
    };
    for next in words {
        if (is(word, &["for"]) && is(next, &["test", "tests", "testing"]))
            || (is(word, &["test", "testing"]) && is(next, &["only"]))
        {
            return true;
        }
        word = next;
    }
    false
}

/// `#[path = "..."]`, as written.
pub(super) fn path_attribute(attributes: &[Attribute]) -> Option<Name> {
    attributes
        .iter()
        .find_map(|attribute| match &attribute.meta {
            syn::Meta::NameValue(pair) if pair.path.is_ident("path") => match &pair.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(text),
                    ..
                }) => Some(Name::from(text.value())),
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
    pub(super) roots: &'a mut BTreeSet<Name>,
}

impl<'ast> Visit<'ast> for RootCollector<'_> {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.segments.len() >= 2 {
            if let Some(first) = path.segments.first() {
                self.roots.insert(Name::of(&first.ident));
            }
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_use_tree(&mut self, tree: &'ast syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => {
                self.roots.insert(Name::of(&path.ident));
            }
            syn::UseTree::Name(name) => {
                self.roots.insert(Name::of(&name.ident));
            }
            syn::UseTree::Rename(rename) => {
                self.roots.insert(Name::of(&rename.ident));
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
pub(super) fn collect_token_roots(tokens: &TokenStream, roots: &mut BTreeSet<Name>) {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    for (position, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) => {
                let joint = |offset: usize| matches!(trees.get(position + offset), Some(TokenTree::Punct(p)) if p.as_char() == ':');
                let after_path = position >= 1
                    && matches!(trees.get(position - 1), Some(TokenTree::Punct(p)) if p.as_char() == ':');
                if joint(1) && joint(2) && !after_path {
                    roots.insert(Name::of(ident));
                }
            }
            TokenTree::Group(group) => collect_token_roots(&group.stream(), roots),
            _ => {}
        }
    }
}

/// The `.await`s of a body that is not lowered, sketched (see
/// [`AwaitSketch`]).
fn sketch_awaits(body: &SynBlock) -> Vec<AwaitSketch> {
    struct Sketcher(Vec<AwaitSketch>);
    impl<'ast> Visit<'ast> for Sketcher {
        fn visit_expr_await(&mut self, awaited: &'ast syn::ExprAwait) {
            // Inner awaits run first: keep the list in evaluation order.
            syn::visit::visit_expr_await(self, awaited);
            let mut methods = Vec::new();
            let mut expr = &*awaited.base;
            let start = loop {
                match expr {
                    Expr::MethodCall(call) => {
                        methods.push(Name::of(&call.method));
                        expr = &call.receiver;
                    }
                    Expr::Paren(inner) => expr = &inner.expr,
                    Expr::Try(tried) => expr = &tried.expr,
                    Expr::Await(inner) => expr = &inner.base,
                    Expr::Call(call) => match &*call.func {
                        Expr::Path(path) => break SketchStart::Call(path_segments(&path.path)),
                        _ => break SketchStart::Other,
                    },
                    other => {
                        break place_segments(other)
                            .map(SketchStart::Place)
                            .unwrap_or(SketchStart::Other)
                    }
                }
            };
            methods.reverse();
            let sketch = AwaitSketch { start, methods };
            if !self.0.contains(&sketch) {
                self.0.push(sketch);
            }
        }
        // Closures run elsewhere; nested items are bodies of their own.
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast Item) {}
    }
    let mut sketcher = Sketcher(Vec::new());
    sketcher.visit_block(body);
    sketcher.0
}

/// `self.a.b`, `client`: a binding with fields.
fn place_segments(expr: &Expr) -> Option<Vec<Name>> {
    match expr {
        Expr::Path(path) if path.path.segments.len() == 1 => Some(path_segments(&path.path)),
        Expr::Field(field) => {
            let mut segments = place_segments(&field.base)?;
            segments.push(match &field.member {
                syn::Member::Named(ident) => Name::of(ident),
                syn::Member::Unnamed(index) => Name::of(index.index),
            });
            Some(segments)
        }
        Expr::Reference(reference) => place_segments(&reference.expr),
        Expr::Paren(inner) => place_segments(&inner.expr),
        _ => None,
    }
}
