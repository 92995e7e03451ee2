//! Small questions about syntax the lowering asks: spans of calls and
//! tails, what a pattern or an expression says, the bindings of a pattern.

use super::*;

pub(super) trait JoinSpan {
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
pub(super) fn call_span(callee: Span, close: Span) -> Span {
    if close.end.line == callee.start.line {
        Span {
            start: callee.start,
            end: close.end,
        }
    } else {
        callee
    }
}

pub(super) fn with_mode(operand: Operand, mode: Mode) -> Operand {
    match operand {
        Operand::Place { place, .. } => Operand::Place { place, mode },
        other => other,
    }
}

/// An operand read without being moved (binary operators, conditions, format
/// arguments).
pub(super) fn by_ref(operand: Operand) -> Operand {
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
pub(super) fn moves_local(blocks: &[Block], local: LocalId) -> bool {
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

pub(super) fn strip_parens(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(inner) => strip_parens(&inner.expr),
        Expr::Group(inner) => strip_parens(&inner.expr),
        other => other,
    }
}

pub(super) fn flatten_and<'e>(expr: &'e Expr, parts: &mut Vec<&'e Expr>) {
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
pub(super) fn is_err_constructor(expr: &Expr) -> bool {
    every_way_err(expr, 0)
}

/// `Err(..)`, or a branch every way of which ends in one (`if c { Err(a) }
/// else { Err(b) }`, a `match` whose arms all do).
fn every_way_err(expr: &Expr, depth: usize) -> bool {
    if depth > 16 {
        return false;
    }
    let block_is_err = |block: &SynBlock| match block.stmts.last() {
        Some(Stmt::Expr(tail, None)) => every_way_err(tail, depth + 1),
        _ => false,
    };
    match strip_parens(expr) {
        Expr::Call(call) => matches!(
            strip_parens(&call.func),
            Expr::Path(path) if path.path.segments.last().is_some_and(|s| s.ident == "Err")
        ),
        Expr::If(if_expr) => {
            block_is_err(&if_expr.then_branch)
                && if_expr
                    .else_branch
                    .as_ref()
                    .is_some_and(|(_, other)| every_way_err(other, depth + 1))
        }
        Expr::Block(block) if block.label.is_none() => block_is_err(&block.block),
        Expr::Match(match_expr) => {
            !match_expr.arms.is_empty()
                && match_expr
                    .arms
                    .iter()
                    .all(|arm| every_way_err(&arm.body, depth + 1))
        }
        _ => false,
    }
}

/// Where a block's value comes from: its tail expression (followed into
/// nested blocks), or its closing brace when it has none.
pub(super) fn block_tail_span(block: &SynBlock) -> Span {
    match block.stmts.last() {
        Some(Stmt::Expr(expr, None)) => expr_tail_span(expr),
        _ => span_of(block.brace_token.span.close()),
    }
}

pub(super) fn expr_tail_span(expr: &Expr) -> Span {
    match strip_parens(expr) {
        Expr::Block(block) if block.label.is_none() => block_tail_span(&block.block),
        other => spans::of(other),
    }
}

pub(super) fn tail_is_err(block: &SynBlock) -> bool {
    matches!(block.stmts.last(), Some(Stmt::Expr(expr, None)) if is_err_constructor(expr))
}

/// `Err(..)`, or a block that ends with it.
pub(super) fn is_err_value(expr: &Expr) -> bool {
    match strip_parens(expr) {
        Expr::Block(block) if block.label.is_none() => tail_is_err(&block.block),
        other => is_err_constructor(other),
    }
}

pub(super) fn pattern_head(pattern: &Pat) -> Option<Name> {
    match pattern {
        Pat::TupleStruct(tuple_struct) => tuple_struct
            .path
            .segments
            .last()
            .map(|s| Name::of(&s.ident)),
        Pat::Path(path) => path.path.segments.last().map(|s| Name::of(&s.ident)),
        Pat::Ident(ident) if ident.subpat.is_none() && ident.ident == "None" => {
            Some(Name::from("None"))
        }
        _ => None,
    }
}

/// `Ok(..)` / `Some(..)`: when it does not match, the value holds nothing.
pub(super) fn is_success_pattern(pattern: &Pat) -> bool {
    matches!(pattern_head(pattern).as_deref(), Some("Ok" | "Some"))
}

/// `Err(..)`: the path where the value is an error.
pub(super) fn is_error_pattern(pattern: &Pat) -> bool {
    matches!(pattern_head(pattern).as_deref(), Some("Err"))
}

/// `Err(..)` / `None`: the value holds nothing on this arm.
pub(super) fn is_failure_pattern(pattern: &Pat) -> bool {
    matches!(pattern_head(pattern).as_deref(), Some("Err" | "None"))
}

/// The place an assignment writes: `x`, `self.f`, a static. Writing through a
/// deref or an index is not an overwrite of the root.
pub(super) fn assign_place(target: &Expr, lowered: Operand) -> Option<Place> {
    let Operand::Place { mut place, .. } = lowered else {
        return None;
    };
    if writes_through(target) {
        place.push_field(Name::from("*"));
    }
    Some(place)
}

pub(super) fn writes_through(target: &Expr) -> bool {
    match strip_parens(target) {
        Expr::Unary(unary) => matches!(unary.op, syn::UnOp::Deref(_)),
        Expr::Field(field) => writes_through(&field.base),
        _ => false,
    }
}

pub(super) struct Binding {
    pub(super) name: Name,
    pub(super) span: Span,
}

pub(super) fn pattern_bindings(pattern: &Pat, out: &mut Vec<Binding>) {
    struct Collector<'a> {
        out: &'a mut Vec<Binding>,
    }
    impl<'ast> Visit<'ast> for Collector<'_> {
        fn visit_pat_ident(&mut self, ident: &'ast syn::PatIdent) {
            let name = Name::of(&ident.ident);
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
pub(super) fn mentions_of_expr(expr: &Expr, out: &mut Vec<Name>) {
    struct Collector<'a> {
        out: &'a mut Vec<Name>,
    }
    impl<'ast> Visit<'ast> for Collector<'_> {
        fn visit_expr_path(&mut self, path: &'ast syn::ExprPath) {
            if path.qself.is_none() && path.path.segments.len() == 1 {
                self.out.push(Name::of(&path.path.segments[0].ident));
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
                    self.out.push(Name::of(ident));
                }
            }
            syn::visit::visit_field_value(self, field);
        }
        fn visit_item(&mut self, _: &'ast Item) {}
    }
    Collector { out }.visit_expr(expr);
}

pub(super) fn token_idents(tokens: &TokenStream, out: &mut Vec<Name>) {
    for tree in tokens.clone() {
        match tree {
            TokenTree::Ident(ident) => out.push(Name::of(&ident)),
            TokenTree::Group(group) => token_idents(&group.stream(), out),
            _ => {}
        }
    }
}

/// Macro tokens as comma-separated expressions (`format!`, `sqlx::query!`,
/// `join!`); `None` when they are not.
pub(super) fn parse_macro_arguments(tokens: &TokenStream) -> Option<Vec<Expr>> {
    let parser = Punctuated::<Expr, Token![,]>::parse_terminated;
    parser
        .parse2(tokens.clone())
        .ok()
        .map(|arguments| arguments.into_iter().collect())
}
