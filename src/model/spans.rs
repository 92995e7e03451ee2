//! Spans of expressions, statements and blocks from their first and last
//! tokens, without printing them.
//!
//! syn's `Spanned::span()` prints a node back into a token stream to find its
//! first and last tokens: on a statement or a `match` that costs the size of
//! everything inside it, and lowering asks for the span of every expression,
//! so the cost grew with size times nesting and was most of the lowering
//! time. Here the first and last tokens are read off the tree (delimiters
//! keep their own spans), which gives the same span in constant time for
//! each level. Rare forms fall back to syn.

use std::cell::Cell;

use proc_macro2::Span as TokenSpan;
use syn::spanned::Spanned;
use syn::{Attribute, Block, Expr, Local, Member, RangeLimits, Stmt, StmtMacro};

use crate::source::{Pos, Span};

/// A node whose span can be read from its first and last tokens.
pub trait Ends {
    fn first(&self) -> TokenSpan;
    fn last(&self) -> TokenSpan;
}

/// The span from a node's first token to its last, as the model stores it;
/// the same as `span_of(node.span())`.
pub fn of(node: &impl Ends) -> Span {
    Span {
        start: pos(node.first().start()),
        end: pos(node.last().end()),
    }
}

/// A proc-macro2 position (1-based line, 0-based char column) as the model
/// stores it, moved to where the parsed text sits in its file (see
/// [`placed_at`]).
pub fn pos(at: proc_macro2::LineColumn) -> Pos {
    let (lines_before, columns_before) = PLACE.with(Cell::get);
    let line = at.line as u32;
    Pos {
        line: line + lines_before,
        column: at.column as u32 + if line == 1 { columns_before } else { 0 },
    }
}

thread_local! {
    /// Lines before the text being lowered, and characters before it on
    /// its first line: zero for a whole file.
    static PLACE: Cell<(u32, u32)> = const { Cell::new((0, 0)) };
}

/// Runs `lower` with positions read as those of a text that starts at
/// `start` of its file: an item parsed alone, from its own text, gets the
/// spans a parse of the whole file gives, without parsing (or even
/// building) the text before it.
pub fn placed_at<T>(start: Pos, columns_before: u32, lower: impl FnOnce() -> T) -> T {
    let before = PLACE.with(|place| place.replace((start.line.saturating_sub(1), columns_before)));
    let result = lower();
    PLACE.with(|place| place.set(before));
    result
}

/// The first outer attribute: inner ones (`#![..]`) sit inside the body.
fn first_attribute(attrs: &[Attribute]) -> Option<TokenSpan> {
    attrs
        .iter()
        .find(|attr| matches!(attr.style, syn::AttrStyle::Outer))
        .map(|attr| attr.pound_token.span)
}

fn visibility_start(visibility: &syn::Visibility) -> Option<TokenSpan> {
    match visibility {
        syn::Visibility::Public(public) => Some(public.span),
        syn::Visibility::Restricted(restricted) => Some(restricted.pub_token.span),
        syn::Visibility::Inherited => None,
    }
}

fn signature_start(signature: &syn::Signature) -> TokenSpan {
    signature
        .constness
        .map(|token| token.span)
        .or(signature.asyncness.map(|token| token.span))
        .or(signature.unsafety.map(|token| token.span))
        .or(signature.abi.as_ref().map(|abi| abi.extern_token.span))
        .unwrap_or(signature.fn_token.span)
}

impl Ends for syn::ItemFn {
    fn first(&self) -> TokenSpan {
        first_attribute(&self.attrs)
            .or(visibility_start(&self.vis))
            .unwrap_or_else(|| signature_start(&self.sig))
    }
    fn last(&self) -> TokenSpan {
        self.block.last()
    }
}

impl Ends for syn::ImplItemFn {
    fn first(&self) -> TokenSpan {
        first_attribute(&self.attrs)
            .or(visibility_start(&self.vis))
            .or(self.defaultness.map(|token| token.span))
            .unwrap_or_else(|| signature_start(&self.sig))
    }
    fn last(&self) -> TokenSpan {
        self.block.last()
    }
}

impl Ends for syn::TraitItemFn {
    fn first(&self) -> TokenSpan {
        first_attribute(&self.attrs).unwrap_or_else(|| signature_start(&self.sig))
    }
    fn last(&self) -> TokenSpan {
        match (&self.default, &self.semi_token) {
            (Some(block), _) => block.last(),
            (None, Some(semi)) => semi.span,
            (None, None) => self.sig.span(),
        }
    }
}

impl Ends for syn::ItemImpl {
    fn first(&self) -> TokenSpan {
        first_attribute(&self.attrs)
            .or(self.defaultness.map(|token| token.span))
            .or(self.unsafety.map(|token| token.span))
            .unwrap_or(self.impl_token.span)
    }
    fn last(&self) -> TokenSpan {
        self.brace_token.span.close()
    }
}

impl Ends for syn::ItemTrait {
    fn first(&self) -> TokenSpan {
        first_attribute(&self.attrs)
            .or(visibility_start(&self.vis))
            .or(self.unsafety.map(|token| token.span))
            .or(self.auto_token.map(|token| token.span))
            .unwrap_or(self.trait_token.span)
    }
    fn last(&self) -> TokenSpan {
        self.brace_token.span.close()
    }
}

impl Ends for syn::ItemMod {
    fn first(&self) -> TokenSpan {
        first_attribute(&self.attrs)
            .or(visibility_start(&self.vis))
            .or(self.unsafety.map(|token| token.span))
            .unwrap_or(self.mod_token.span)
    }
    fn last(&self) -> TokenSpan {
        match (&self.content, &self.semi) {
            (Some((brace, _)), _) => brace.span.close(),
            (None, Some(semi)) => semi.span,
            (None, None) => self.ident.span(),
        }
    }
}

fn label_start(label: &Option<syn::Label>) -> Option<TokenSpan> {
    label.as_ref().map(|label| label.name.apostrophe)
}

impl Ends for Block {
    fn first(&self) -> TokenSpan {
        self.brace_token.span.open()
    }
    fn last(&self) -> TokenSpan {
        self.brace_token.span.close()
    }
}

impl Ends for syn::ExprIf {
    fn first(&self) -> TokenSpan {
        first_attribute(&self.attrs).unwrap_or(self.if_token.span)
    }
    fn last(&self) -> TokenSpan {
        match &self.else_branch {
            Some((_, else_branch)) => else_branch.last(),
            None => self.then_branch.last(),
        }
    }
}

impl Ends for syn::ExprMatch {
    fn first(&self) -> TokenSpan {
        first_attribute(&self.attrs).unwrap_or(self.match_token.span)
    }
    fn last(&self) -> TokenSpan {
        self.brace_token.span.close()
    }
}

impl Ends for syn::ExprLoop {
    fn first(&self) -> TokenSpan {
        first_attribute(&self.attrs)
            .or(label_start(&self.label))
            .unwrap_or(self.loop_token.span)
    }
    fn last(&self) -> TokenSpan {
        self.body.last()
    }
}

impl Ends for syn::ExprWhile {
    fn first(&self) -> TokenSpan {
        first_attribute(&self.attrs)
            .or(label_start(&self.label))
            .unwrap_or(self.while_token.span)
    }
    fn last(&self) -> TokenSpan {
        self.body.last()
    }
}

impl Ends for syn::ExprForLoop {
    fn first(&self) -> TokenSpan {
        first_attribute(&self.attrs)
            .or(label_start(&self.label))
            .unwrap_or(self.for_token.span)
    }
    fn last(&self) -> TokenSpan {
        self.body.last()
    }
}

impl Ends for syn::ExprCall {
    fn first(&self) -> TokenSpan {
        first_attribute(&self.attrs).unwrap_or_else(|| self.func.first())
    }
    fn last(&self) -> TokenSpan {
        self.paren_token.span.close()
    }
}

impl Ends for Local {
    fn first(&self) -> TokenSpan {
        first_attribute(&self.attrs).unwrap_or(self.let_token.span)
    }
    fn last(&self) -> TokenSpan {
        self.semi_token.span
    }
}

impl Ends for StmtMacro {
    fn first(&self) -> TokenSpan {
        first_attribute(&self.attrs).unwrap_or_else(|| path_first(&self.mac.path))
    }
    fn last(&self) -> TokenSpan {
        match &self.semi_token {
            Some(semi) => semi.span,
            None => delimiter_close(&self.mac.delimiter),
        }
    }
}

impl Ends for Stmt {
    fn first(&self) -> TokenSpan {
        match self {
            Stmt::Local(local) => local.first(),
            Stmt::Expr(expr, _) => expr.first(),
            Stmt::Macro(mac) => mac.first(),
            Stmt::Item(item) => item.span(),
        }
    }
    fn last(&self) -> TokenSpan {
        match self {
            Stmt::Local(local) => local.last(),
            Stmt::Expr(_, Some(semi)) => semi.span,
            Stmt::Expr(expr, None) => expr.last(),
            Stmt::Macro(mac) => mac.last(),
            Stmt::Item(item) => item.span(),
        }
    }
}

fn path_first(path: &syn::Path) -> TokenSpan {
    match (&path.leading_colon, path.segments.first()) {
        (Some(colon), _) => colon.spans[0],
        (None, Some(segment)) => segment.ident.span(),
        (None, None) => path.span(),
    }
}

fn delimiter_close(delimiter: &syn::MacroDelimiter) -> TokenSpan {
    match delimiter {
        syn::MacroDelimiter::Paren(paren) => paren.span.close(),
        syn::MacroDelimiter::Brace(brace) => brace.span.close(),
        syn::MacroDelimiter::Bracket(bracket) => bracket.span.close(),
    }
}

impl Ends for Expr {
    fn first(&self) -> TokenSpan {
        if let Some(attribute) = expr_attrs(self).and_then(first_attribute) {
            return attribute;
        }
        match self {
            Expr::Array(e) => e.bracket_token.span.open(),
            Expr::Assign(e) => e.left.first(),
            Expr::Async(e) => e.async_token.span,
            Expr::Await(e) => e.base.first(),
            Expr::Binary(e) => e.left.first(),
            Expr::Block(e) => label_start(&e.label).unwrap_or(e.block.first()),
            Expr::Break(e) => e.break_token.span,
            Expr::Call(e) => e.first(),
            Expr::Cast(e) => e.expr.first(),
            Expr::Const(e) => e.const_token.span,
            Expr::Continue(e) => e.continue_token.span,
            Expr::Field(e) => e.base.first(),
            Expr::ForLoop(e) => e.first(),
            Expr::If(e) => e.first(),
            Expr::Index(e) => e.expr.first(),
            Expr::Infer(e) => e.underscore_token.span,
            Expr::Let(e) => e.let_token.span,
            Expr::Lit(e) => e.lit.span(),
            Expr::Loop(e) => e.first(),
            Expr::Macro(e) => path_first(&e.mac.path),
            Expr::Match(e) => e.first(),
            Expr::MethodCall(e) => e.receiver.first(),
            Expr::Paren(e) => e.paren_token.span.open(),
            Expr::Path(e) => match &e.qself {
                Some(qself) => qself.lt_token.span,
                None => path_first(&e.path),
            },
            Expr::Range(e) => match (&e.start, &e.limits) {
                (Some(start), _) => start.first(),
                (None, RangeLimits::HalfOpen(dots)) => dots.spans[0],
                (None, RangeLimits::Closed(dots)) => dots.spans[0],
            },
            Expr::Reference(e) => e.and_token.span,
            Expr::Repeat(e) => e.bracket_token.span.open(),
            Expr::Return(e) => e.return_token.span,
            Expr::Struct(e) => match &e.qself {
                Some(qself) => qself.lt_token.span,
                None => path_first(&e.path),
            },
            Expr::Try(e) => e.expr.first(),
            Expr::TryBlock(e) => e.try_token.span,
            Expr::Tuple(e) => e.paren_token.span.open(),
            Expr::Unary(e) => e.op.span(),
            Expr::Unsafe(e) => e.unsafe_token.span,
            Expr::While(e) => e.first(),
            Expr::Yield(e) => e.yield_token.span,
            Expr::Closure(e) => closure_first(e),
            other => other.span(),
        }
    }

    fn last(&self) -> TokenSpan {
        match self {
            Expr::Array(e) => e.bracket_token.span.close(),
            Expr::Assign(e) => e.right.last(),
            Expr::Async(e) => e.block.last(),
            Expr::Await(e) => e.await_token.span,
            Expr::Binary(e) => e.right.last(),
            Expr::Block(e) => e.block.last(),
            Expr::Break(e) => match (&e.expr, &e.label) {
                (Some(value), _) => value.last(),
                (None, Some(label)) => label.ident.span(),
                (None, None) => e.break_token.span,
            },
            Expr::Call(e) => e.last(),
            Expr::Cast(e) => e.ty.span(),
            Expr::Closure(e) => e.body.last(),
            Expr::Const(e) => e.block.last(),
            Expr::Continue(e) => match &e.label {
                Some(label) => label.ident.span(),
                None => e.continue_token.span,
            },
            Expr::Field(e) => match &e.member {
                Member::Named(ident) => ident.span(),
                Member::Unnamed(index) => index.span,
            },
            Expr::ForLoop(e) => e.last(),
            Expr::If(e) => e.last(),
            Expr::Index(e) => e.bracket_token.span.close(),
            Expr::Infer(e) => e.underscore_token.span,
            Expr::Let(e) => e.expr.last(),
            Expr::Lit(e) => e.lit.span(),
            Expr::Loop(e) => e.last(),
            Expr::Macro(e) => delimiter_close(&e.mac.delimiter),
            Expr::Match(e) => e.last(),
            Expr::MethodCall(e) => e.paren_token.span.close(),
            Expr::Paren(e) => e.paren_token.span.close(),
            Expr::Range(e) => match (&e.end, &e.limits) {
                (Some(end), _) => end.last(),
                (None, RangeLimits::HalfOpen(dots)) => dots.spans[1],
                (None, RangeLimits::Closed(dots)) => dots.spans[2],
            },
            Expr::Reference(e) => e.expr.last(),
            Expr::Repeat(e) => e.bracket_token.span.close(),
            Expr::Return(e) => match &e.expr {
                Some(value) => value.last(),
                None => e.return_token.span,
            },
            Expr::Struct(e) => e.brace_token.span.close(),
            Expr::Try(e) => e.question_token.span,
            Expr::TryBlock(e) => e.block.last(),
            Expr::Tuple(e) => e.paren_token.span.close(),
            Expr::Unary(e) => e.expr.last(),
            Expr::Unsafe(e) => e.block.last(),
            Expr::While(e) => e.last(),
            Expr::Yield(e) => match &e.expr {
                Some(value) => value.last(),
                None => e.yield_token.span,
            },
            // Paths are short: printing one costs little.
            other => other.span(),
        }
    }
}

/// A closure's first token: `for<..>`, `const`, `static`, `async`, `move`
/// or its opening `|`, whichever comes first.
fn closure_first(closure: &syn::ExprClosure) -> TokenSpan {
    if let Some(lifetimes) = &closure.lifetimes {
        return lifetimes.for_token.span;
    }
    if let Some(constness) = &closure.constness {
        return constness.span;
    }
    if let Some(movability) = &closure.movability {
        return movability.span;
    }
    if let Some(asyncness) = &closure.asyncness {
        return asyncness.span;
    }
    if let Some(capture) = &closure.capture {
        return capture.span;
    }
    closure.or1_token.span
}

fn expr_attrs(expr: &Expr) -> Option<&[Attribute]> {
    let attrs = match expr {
        Expr::Array(e) => &e.attrs,
        Expr::Assign(e) => &e.attrs,
        Expr::Async(e) => &e.attrs,
        Expr::Await(e) => &e.attrs,
        Expr::Binary(e) => &e.attrs,
        Expr::Block(e) => &e.attrs,
        Expr::Break(e) => &e.attrs,
        Expr::Call(e) => &e.attrs,
        Expr::Cast(e) => &e.attrs,
        Expr::Closure(e) => &e.attrs,
        Expr::Const(e) => &e.attrs,
        Expr::Continue(e) => &e.attrs,
        Expr::Field(e) => &e.attrs,
        Expr::ForLoop(e) => &e.attrs,
        Expr::Group(e) => &e.attrs,
        Expr::If(e) => &e.attrs,
        Expr::Index(e) => &e.attrs,
        Expr::Infer(e) => &e.attrs,
        Expr::Let(e) => &e.attrs,
        Expr::Lit(e) => &e.attrs,
        Expr::Loop(e) => &e.attrs,
        Expr::Macro(e) => &e.attrs,
        Expr::Match(e) => &e.attrs,
        Expr::MethodCall(e) => &e.attrs,
        Expr::Paren(e) => &e.attrs,
        Expr::Path(e) => &e.attrs,
        Expr::Range(e) => &e.attrs,
        Expr::RawAddr(e) => &e.attrs,
        Expr::Reference(e) => &e.attrs,
        Expr::Repeat(e) => &e.attrs,
        Expr::Return(e) => &e.attrs,
        Expr::Struct(e) => &e.attrs,
        Expr::Try(e) => &e.attrs,
        Expr::TryBlock(e) => &e.attrs,
        Expr::Tuple(e) => &e.attrs,
        Expr::Unary(e) => &e.attrs,
        Expr::Unsafe(e) => &e.attrs,
        Expr::While(e) => &e.attrs,
        Expr::Yield(e) => &e.attrs,
        _ => return None,
    };
    Some(attrs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::lower::span_of;

    /// Every expression, statement and block of a varied file has the span
    /// syn would give it.
    #[test]
    fn spans_match_syn_on_every_node() {
        let source = r#"
            #[allow(unused)]
            fn f(pool: &Pool, items: Vec<u8>) -> Result<(), E> {
                let mut conn = pool.acquire().await?;
                #[cfg(x)] let y = &mut *conn;
                let z = [1, 2, 3][0] as u64 + (a, b).0 - -x * !y;
                'outer: for i in 0..10 { if i > 2 { break 'outer; } else if i < 1 { continue; } else { loop { break 5; } } }
                while let Some(x) = it.next() { x.f::<u8>(1).g()?; }
                let c = move |a: u8, b| async move { a + b };
                let d = || 1;
                match conn.get() { Some(x) if x > 1 => {}, None => return Err(e), _ => unsafe { g() } }
                S { a: 1, ..Default::default() };
                <T as Tr>::f();
                ::std::mem::forget(conn);
                let r = ..; let r2 = ..=5; let r3 = 1..;
                vec![1, 2];
                println!("{}", x)
            }
        "#;
        let file = syn::parse_file(source).expect("parses");
        let syn::Item::Fn(function) = &file.items[0] else {
            panic!("a function");
        };
        assert_eq!(of(function), span_of(function.span()));
        struct Check;
        impl<'ast> syn::visit::Visit<'ast> for Check {
            fn visit_expr(&mut self, expr: &'ast Expr) {
                assert_eq!(of(expr), span_of(expr.span()), "{expr:?}");
                syn::visit::visit_expr(self, expr);
            }
            fn visit_stmt(&mut self, stmt: &'ast Stmt) {
                assert_eq!(of(stmt), span_of(stmt.span()), "{stmt:?}");
                syn::visit::visit_stmt(self, stmt);
            }
            fn visit_block(&mut self, block: &'ast Block) {
                assert_eq!(of(block), span_of(block.span()));
                syn::visit::visit_block(self, block);
            }
        }
        syn::visit::Visit::visit_item_fn(&mut Check, function);
    }

    #[test]
    fn item_spans_match_syn() {
        let source = r#"
            //! Inner docs.
            #![allow(dead_code)]
            /// Docs.
            pub(crate) async unsafe fn a() { #![allow(unused)] }
            const fn b() {}
            extern "C" fn c() {}
            #[derive(Debug)] struct S;
            unsafe impl<T> Send for S<T> { pub fn m(&self) {} default fn n() {} }
            impl S { #![allow(x)] async fn o() {} }
            pub unsafe trait T { fn p(); fn q() {} }
            auto trait U {}
            pub mod m { #![allow(y)] fn r() {} }
            mod n;
            unsafe mod o {}
        "#;
        let file = syn::parse_file(source).expect("parses");
        for item in &file.items {
            match item {
                syn::Item::Fn(f) => assert_eq!(of(f), span_of(f.span())),
                syn::Item::Impl(i) => {
                    assert_eq!(of(i), span_of(i.span()));
                    for inner in &i.items {
                        if let syn::ImplItem::Fn(f) = inner {
                            assert_eq!(of(f), span_of(f.span()));
                        }
                    }
                }
                syn::Item::Trait(t) => {
                    assert_eq!(of(t), span_of(t.span()));
                    for inner in &t.items {
                        if let syn::TraitItem::Fn(f) = inner {
                            assert_eq!(of(f), span_of(f.span()));
                        }
                    }
                }
                syn::Item::Mod(m) => assert_eq!(of(m), span_of(m.span())),
                _ => {}
            }
        }
    }
}
