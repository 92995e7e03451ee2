//! Which statements surround a connection's binding: the block that declares
//! it, its sibling statements, which of them name it, and what a statement
//! could do to the names another one reads. Fixes move and insert whole
//! statements, and where one statement ends is syntax, which the flow model
//! deliberately does not keep; so the file is parsed again here, for the
//! files that have a fix to suggest only, on a worker of the run's pool as
//! lowering is. Nothing syn leaves this module: callers get indices and
//! spans.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::ToTokens;
use syn::visit::Visit;
use syn::{Block, Expr, Pat, ReturnType, Stmt, Type};

use crate::model::spans;
use crate::source::{Pos, Span};

/// A parsed file, kept for the fixes of its findings.
pub struct ParsedFile {
    syntax: syn::File,
}

impl ParsedFile {
    /// `None` when the text no longer parses (it did when it was checked,
    /// so this only happens to text changed since).
    pub fn parse(text: &str) -> Option<ParsedFile> {
        syn::parse_file(text)
            .ok()
            .map(|syntax| ParsedFile { syntax })
    }

    /// The block that declares the binding whose name is written at
    /// `declared_at`, as a plain `let [mut] name [: T] = init;`.
    pub fn binding_block(&self, declared_at: Span) -> Option<BindingBlock<'_>> {
        let mut finder = BindingFinder {
            declared_at: declared_at.start,
            bodies: Vec::new(),
            found: None,
        };
        finder.visit_file(&self.syntax);
        finder.found
    }
}

/// What a fix knows of the body a binding is declared in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyReturns {
    /// A `Result` of some kind, by the last segment of its declared type.
    Result,
    /// Something else, or nothing written (closures, async blocks).
    Other,
}

/// The block that declares a binding, and the binding's statement in it.
pub struct BindingBlock<'ast> {
    block: &'ast Block,
    /// Index of the `let` among the block's statements.
    pub binding: usize,
    pub name: String,
    /// Whether its initializer awaits (an async acquire).
    pub init_awaits: bool,
    pub body_returns: BodyReturns,
}

impl<'ast> BindingBlock<'ast> {
    /// How many statements the block has.
    pub fn statement_count(&self) -> usize {
        self.block.stmts.len()
    }

    /// A statement's span, attributes included.
    pub fn span(&self, index: usize) -> Span {
        spans::of(&self.block.stmts[index])
    }

    /// The sibling statement that contains `at`, if any.
    pub fn containing(&self, at: Span) -> Option<usize> {
        (0..self.statement_count()).find(|&index| {
            let span = self.span(index);
            span.start <= at.start && at.end <= span.end
        })
    }

    /// Whether the statement names `name` anywhere: as an identifier, in a
    /// macro's tokens, or as an inline argument of a format string.
    pub fn mentions(&self, index: usize, name: &str) -> bool {
        mentions(&self.block.stmts[index].to_token_stream(), name)
    }

    /// Whether the statement's outermost expression is an `.await` (with
    /// `?` or parentheses around it at most), as a `let` initializer or an
    /// expression statement ended by `;`: what it yields is the future's
    /// own output, which borrows nothing from a connection the future used.
    pub fn is_awaited_use(&self, index: usize) -> bool {
        match &self.block.stmts[index] {
            Stmt::Local(local) => local
                .init
                .as_ref()
                .is_some_and(|init| init.diverge.is_none() && is_awaited(&init.expr)),
            Stmt::Expr(expr, Some(_)) => is_awaited(expr),
            _ => false,
        }
    }

    /// Whether the statement is a `let` that binds `name` again.
    pub fn rebinds(&self, index: usize, name: &str) -> bool {
        match &self.block.stmts[index] {
            Stmt::Local(local) => pattern_binds(&local.pat, name),
            _ => false,
        }
    }

    /// The exit that starts at `at` inside the statement (or is the
    /// statement): a `return` or a block's value, written as a statement
    /// of a block of this body (closures and async blocks are other
    /// bodies). Says where that statement starts and whether what it
    /// returns is `Ok(..)`.
    pub fn exit_within(&self, index: usize, at: Pos) -> Option<ExitStatement> {
        if let Some(exit) = exit_statement(self.block, index, at) {
            return Some(exit);
        }
        let mut finder = ExitFinder { at, found: None };
        finder.visit_stmt(&self.block.stmts[index]);
        finder.found
    }

    /// The names the binding's initializer reads: identifiers that are not
    /// a field, a method or a later path segment.
    pub fn initializer_names(&self) -> Vec<String> {
        let Stmt::Local(local) = &self.block.stmts[self.binding] else {
            return Vec::new();
        };
        let Some(init) = &local.init else {
            return Vec::new();
        };
        let mut names = Vec::new();
        collect_read_names(&init.expr.to_token_stream(), &mut names);
        names.sort();
        names.dedup();
        names
    }

    /// Whether the statement could change what one of `names` holds, or
    /// move it: binds it again, assigns to it (or to a field of it), takes
    /// it `&mut`, uses it as a whole value (which may move it), or names it
    /// inside a `move` closure or block. Reading a field or calling a
    /// method on it is allowed.
    pub fn may_disturb(&self, index: usize, names: &[String]) -> bool {
        let stmt = &self.block.stmts[index];
        if let Stmt::Local(local) = stmt {
            if names.iter().any(|name| pattern_binds(&local.pat, name)) {
                return true;
            }
        }
        let tokens = stmt.to_token_stream();
        if names.iter().any(|name| disturbs_in_tokens(&tokens, name)) {
            return true;
        }
        let mut assignments = AssignmentFinder {
            names,
            found: false,
        };
        assignments.visit_stmt(stmt);
        assignments.found
    }
}

/// A statement that leaves the body: where it starts, and whether it
/// returns `Ok(..)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitStatement {
    pub start: Pos,
    pub returns_ok: bool,
}

/// Statement `index` of `block` when it starts at `at` and is a `return`
/// or the block's value.
fn exit_statement(block: &Block, index: usize, at: Pos) -> Option<ExitStatement> {
    let stmt = &block.stmts[index];
    if spans::of(stmt).start != at {
        return None;
    }
    let is_tail = index + 1 == block.stmts.len();
    let value = match stmt {
        Stmt::Expr(Expr::Return(ret), _) => ret.expr.as_deref(),
        Stmt::Expr(expr, None) if is_tail => Some(expr),
        _ => return None,
    };
    Some(ExitStatement {
        start: at,
        returns_ok: value.is_some_and(is_ok_call),
    })
}

/// Looks for an exit statement in the blocks of one body.
struct ExitFinder {
    at: Pos,
    found: Option<ExitStatement>,
}

impl<'ast> Visit<'ast> for ExitFinder {
    fn visit_block(&mut self, block: &'ast Block) {
        for index in 0..block.stmts.len() {
            if let Some(exit) = exit_statement(block, index, self.at) {
                self.found = Some(exit);
                return;
            }
        }
        syn::visit::visit_block(self, block);
    }

    // Other bodies: a `return` there leaves the closure, not this body.
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Finds the `let` whose binding name starts at a position, with the kind
/// of body around it.
struct BindingFinder<'ast> {
    declared_at: Pos,
    /// What each enclosing body returns, innermost last.
    bodies: Vec<BodyReturns>,
    found: Option<BindingBlock<'ast>>,
}

impl<'ast> Visit<'ast> for BindingFinder<'ast> {
    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        self.bodies.push(returns_of(&item.sig.output));
        syn::visit::visit_item_fn(self, item);
        self.bodies.pop();
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        self.bodies.push(returns_of(&item.sig.output));
        syn::visit::visit_impl_item_fn(self, item);
        self.bodies.pop();
    }

    fn visit_trait_item_fn(&mut self, item: &'ast syn::TraitItemFn) {
        self.bodies.push(returns_of(&item.sig.output));
        syn::visit::visit_trait_item_fn(self, item);
        self.bodies.pop();
    }

    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        self.bodies.push(returns_of(&closure.output));
        syn::visit::visit_expr_closure(self, closure);
        self.bodies.pop();
    }

    fn visit_expr_async(&mut self, block: &'ast syn::ExprAsync) {
        self.bodies.push(BodyReturns::Other);
        syn::visit::visit_expr_async(self, block);
        self.bodies.pop();
    }

    fn visit_block(&mut self, block: &'ast Block) {
        if self.found.is_some() {
            return;
        }
        for (index, stmt) in block.stmts.iter().enumerate() {
            let Stmt::Local(local) = stmt else { continue };
            let Some(init) = &local.init else { continue };
            if init.diverge.is_some() {
                continue;
            }
            let Some(binding) = plain_binding(&local.pat) else {
                continue;
            };
            let ident = &binding.ident;
            // The model records the binding's pattern: `mut conn` starts at `mut`.
            let starts = [
                binding.mutability.map(|token| token.span),
                Some(ident.span()),
            ];
            if !starts
                .iter()
                .flatten()
                .any(|span| spans::pos(span.start()) == self.declared_at)
            {
                continue;
            }
            let mut awaits = AwaitFinder { found: false };
            awaits.visit_expr(&init.expr);
            self.found = Some(BindingBlock {
                block,
                binding: index,
                name: ident.to_string(),
                init_awaits: awaits.found,
                body_returns: self.bodies.last().copied().unwrap_or(BodyReturns::Other),
            });
            return;
        }
        syn::visit::visit_block(self, block);
    }
}

struct AwaitFinder {
    found: bool,
}

impl<'ast> Visit<'ast> for AwaitFinder {
    fn visit_expr_await(&mut self, _: &'ast syn::ExprAwait) {
        self.found = true;
    }
}

/// Assignments (plain or compound) whose left side names one of `names`.
struct AssignmentFinder<'n> {
    names: &'n [String],
    found: bool,
}

impl<'ast> Visit<'ast> for AssignmentFinder<'_> {
    fn visit_expr_assign(&mut self, assign: &'ast syn::ExprAssign) {
        let target = assign.left.to_token_stream();
        self.found |= self.names.iter().any(|name| mentions(&target, name));
        syn::visit::visit_expr_assign(self, assign);
    }

    fn visit_expr_binary(&mut self, binary: &'ast syn::ExprBinary) {
        use syn::BinOp;
        let compound = matches!(
            binary.op,
            BinOp::AddAssign(_)
                | BinOp::SubAssign(_)
                | BinOp::MulAssign(_)
                | BinOp::DivAssign(_)
                | BinOp::RemAssign(_)
                | BinOp::BitXorAssign(_)
                | BinOp::BitAndAssign(_)
                | BinOp::BitOrAssign(_)
                | BinOp::ShlAssign(_)
                | BinOp::ShrAssign(_)
        );
        if compound {
            let target = binary.left.to_token_stream();
            self.found |= self.names.iter().any(|name| mentions(&target, name));
        }
        syn::visit::visit_expr_binary(self, binary);
    }
}

/// `name`, `mut name`, `name: T`, `mut name: T`: the binding a fix can
/// drop or move. `ref name` (a reference) and destructuring are not.
fn plain_binding(pat: &Pat) -> Option<&syn::PatIdent> {
    match pat {
        Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => Some(ident),
        Pat::Type(typed) => plain_binding(&typed.pat),
        _ => None,
    }
}

fn pattern_binds(pat: &Pat, name: &str) -> bool {
    struct Binder<'n> {
        name: &'n str,
        found: bool,
    }
    impl<'ast> Visit<'ast> for Binder<'_> {
        fn visit_pat_ident(&mut self, ident: &'ast syn::PatIdent) {
            self.found |= ident.ident == self.name;
            syn::visit::visit_pat_ident(self, ident);
        }
    }
    let mut binder = Binder { name, found: false };
    binder.visit_pat(pat);
    binder.found
}

fn returns_of(output: &ReturnType) -> BodyReturns {
    let ReturnType::Type(_, ty) = output else {
        return BodyReturns::Other;
    };
    let Type::Path(path) = ty.as_ref() else {
        return BodyReturns::Other;
    };
    match path.path.segments.last() {
        Some(last) if last.ident.to_string().ends_with("Result") => BodyReturns::Result,
        _ => BodyReturns::Other,
    }
}

fn is_awaited(expr: &Expr) -> bool {
    match expr {
        Expr::Await(_) => true,
        Expr::Try(inner) => is_awaited(&inner.expr),
        Expr::Paren(inner) => is_awaited(&inner.expr),
        _ => false,
    }
}

fn is_ok_call(expr: &Expr) -> bool {
    match expr {
        Expr::Call(call) => matches!(
            call.func.as_ref(),
            Expr::Path(path) if path.path.is_ident("Ok")
        ),
        Expr::Paren(inner) => is_ok_call(&inner.expr),
        _ => false,
    }
}

/// Whether a token stream names `name`: an identifier token, or `{name}` /
/// `{name:..}` in a string literal (format strings capture by name).
pub fn mentions(tokens: &TokenStream, name: &str) -> bool {
    let inline = format!("{{{name}}}");
    let inline_spec = format!("{{{name}:");
    tokens.clone().into_iter().any(|tree| match tree {
        TokenTree::Ident(ident) => ident == name,
        TokenTree::Group(group) => mentions(&group.stream(), name),
        TokenTree::Literal(literal) => {
            let text = literal.to_string();
            text.contains(&inline) || text.contains(&inline_spec)
        }
        TokenTree::Punct(_) => false,
    })
}

/// Identifiers a stream reads as names: not after `.` (fields, methods)
/// or `::` (later path segments), and not keywords.
fn collect_read_names(tokens: &TokenStream, names: &mut Vec<String>) {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    for (index, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) => {
                let text = ident.to_string();
                let after_path = index > 0 && is_path_punct(&trees[..index]);
                if !after_path && !starts_path(&trees[index + 1..]) && !is_keyword(&text) {
                    names.push(text);
                }
            }
            TokenTree::Group(group) => collect_read_names(&group.stream(), names),
            _ => {}
        }
    }
}

/// Whether the tokens before a position end with `.` or `::`.
fn is_path_punct(before: &[TokenTree]) -> bool {
    match before.last() {
        Some(TokenTree::Punct(punct)) if punct.as_char() == '.' => true,
        Some(TokenTree::Punct(punct)) if punct.as_char() == ':' => {
            matches!(before.iter().rev().nth(1), Some(TokenTree::Punct(p)) if p.as_char() == ':')
        }
        _ => false,
    }
}

/// Whether the tokens after an identifier make it the root of a path
/// (`Type::f`, `module::item`) or a macro's name (`name!`): not a local.
fn starts_path(after: &[TokenTree]) -> bool {
    match after {
        [TokenTree::Punct(first), TokenTree::Punct(second), ..]
            if first.as_char() == ':' && second.as_char() == ':' =>
        {
            true
        }
        [TokenTree::Punct(bang), ..] => bang.as_char() == '!',
        _ => false,
    }
}

/// Whether `name` occurs where it may be moved, borrowed mutably, or
/// captured by a `move` closure: everywhere except `name.field`,
/// `name.method(..)` and `&name`.
fn disturbs_in_tokens(tokens: &TokenStream, name: &str) -> bool {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let has_move = trees
        .iter()
        .any(|tree| matches!(tree, TokenTree::Ident(ident) if ident == "move"));
    for (index, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) if ident == name => {
                if index > 0 && is_path_punct(&trees[..index]) {
                    continue;
                }
                if starts_path(&trees[index + 1..]) {
                    continue;
                }
                if has_move {
                    return true;
                }
                let next_is_dot = matches!(
                    trees.get(index + 1),
                    Some(TokenTree::Punct(punct)) if punct.as_char() == '.'
                );
                let shared_borrow = matches!(
                    index.checked_sub(1).and_then(|before| trees.get(before)),
                    Some(TokenTree::Punct(punct)) if punct.as_char() == '&'
                );
                if !(next_is_dot || shared_borrow) {
                    return true;
                }
            }
            TokenTree::Group(group) => {
                // A `move` closure's body is a group after `move |..|`:
                // anything named inside it is captured by value.
                let inner = group.stream();
                if has_move && group.delimiter() != Delimiter::None && mentions(&inner, name) {
                    return true;
                }
                if disturbs_in_tokens(&inner, name) {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "as" | "async"
            | "await"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "else"
            | "enum"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> TokenStream {
        text.parse().expect("tokens")
    }

    #[test]
    fn mentions_see_identifiers_macros_and_inline_format_arguments() {
        assert!(mentions(&tokens("run(&mut *conn).await"), "conn"));
        assert!(mentions(&tokens("tracing::info!(?conn)"), "conn"));
        assert!(mentions(&tokens(r#"println!("{conn}")"#), "conn"));
        assert!(mentions(&tokens(r#"println!("{conn:?}")"#), "conn"));
        assert!(!mentions(&tokens(r#"println!("connection")"#), "conn"));
        assert!(!mentions(&tokens("self.connection.ping()"), "conn"));
    }

    #[test]
    fn reading_fields_and_methods_does_not_disturb_a_name() {
        assert!(!disturbs_in_tokens(
            &tokens("state.payments.charge(&c)"),
            "state"
        ));
        assert!(!disturbs_in_tokens(&tokens("log(&state)"), "state"));
        assert!(disturbs_in_tokens(&tokens("consume(state)"), "state"));
        assert!(disturbs_in_tokens(&tokens("touch(&mut state)"), "state"));
        assert!(disturbs_in_tokens(
            &tokens("spawn(async move { state.x() })"),
            "state"
        ));
        assert!(!disturbs_in_tokens(&tokens("other::state::f()"), "state"));
        assert!(!disturbs_in_tokens(&tokens("Pool::connect(url)"), "Pool"));
    }

    #[test]
    fn initializer_names_skip_fields_methods_and_path_tails() {
        let mut names = Vec::new();
        collect_read_names(&tokens("state.pool.acquire().await?"), &mut names);
        assert_eq!(names, ["state"]);
        names.clear();
        collect_read_names(&tokens("sqlx::Pool::begin(&self.db, id)"), &mut names);
        assert_eq!(names, ["self", "id"]);
    }
}
