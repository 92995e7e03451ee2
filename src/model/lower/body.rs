//! The body builder: blocks, scopes, locals, statements, `let` and the
//! patterns that bind.

use super::*;
use crate::model::ThinVec;

// ----- bodies -------------------------------------------------------------

/// A lexical scope: the locals declared in it, in order.
#[derive(Debug, Default)]
pub(super) struct Scope {
    pub(super) locals: Vec<LocalId>,
}

/// A loop being lowered: where `break` and `continue` go.
#[derive(Debug)]
pub(super) struct LoopFrame {
    /// The innermost real loop (a labelled block has its enclosing loop's).
    pub(super) id: Option<LoopId>,
    /// A labelled block: only `break 'label` targets it.
    pub(super) is_block: bool,
    pub(super) label: Option<Name>,
    pub(super) head: BlockId,
    pub(super) exit: BlockId,
    /// Scope depth outside the loop: `break` ends the scopes above it.
    pub(super) scope_depth: usize,
    /// Where a `break value` is joined.
    pub(super) result: TempId,
}

pub(super) struct BodyBuilder<'c> {
    pub(super) core: &'c CoreRoles,
    pub(super) selection: BodySelection<'c>,
    pub(super) id: FnId,
    pub(super) ir: FnIr,
    pub(super) current: BlockId,
    pub(super) scopes: Vec<Scope>,
    pub(super) loops: Vec<LoopFrame>,
    pub(super) depth: u32,
    /// The expression about to be lowered is the body's value: a `match`
    /// arm or `if` branch there that evaluates to `Err(..)` leaves the body
    /// as an error, like `return Err(..)`. Read (and cleared) by `expr` and
    /// `block_contents`.
    pub(super) tail: bool,
    /// Items written inside the body, for the file to adopt.
    pub(super) nested_items: NestedItems,
}

/// How a macro call is treated.
pub(super) enum MacroShape {
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

pub(super) const FORMAT_MACROS: &[&str] = &[
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
    pub(super) fn new(
        core: &'c CoreRoles,
        selection: BodySelection<'c>,
        id: FnId,
        name: Name,
        self_type: Option<Name>,
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
            ops: ThinVec::new(),
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
            nested_items: NestedItems::default(),
        }
    }

    pub(super) fn finish(mut self) -> FnIr {
        self.ir.arms.sort_by_key(|arm| arm.entry);
        self.ir
    }

    /// The next block to be made: arms record the range lowered for them.
    pub(super) fn next_block(&self) -> BlockId {
        self.ir.blocks.len() as BlockId
    }

    pub(super) fn arm(&mut self, entry: BlockId, start: BlockId, join: BlockId) {
        let end = self.next_block();
        self.ir.arms.push(crate::model::ArmExtent {
            entry,
            inner: (start, end),
            join,
        });
    }

    // ----- building blocks ----------------------------------------------

    pub(super) fn temp(&mut self) -> TempId {
        self.ir.temps += 1;
        self.ir.temps - 1
    }

    pub(super) fn new_block(&mut self) -> BlockId {
        let loop_id = self.current_loop();
        self.ir.blocks.push(Block {
            ops: ThinVec::new(),
            term: Terminator::Unreachable,
            term_span: Span::default(),
            loop_id,
        });
        (self.ir.blocks.len() - 1) as BlockId
    }

    pub(super) fn op(&mut self, kind: OpKind, span: Span) {
        if let Some(block) = self.ir.blocks.get_mut(self.current as usize) {
            block.ops.push(Op { kind, span });
        }
    }

    /// Ends the current block; later ops go to a fresh block nothing reaches
    /// unless the caller switches to another one.
    pub(super) fn terminate(&mut self, term: Terminator, span: Span) {
        if let Some(block) = self.ir.blocks.get_mut(self.current as usize) {
            block.term = term;
            block.term_span = span;
        }
    }

    pub(super) fn jump(
        &mut self,
        target: BlockId,
        kind: EdgeKind,
        step: Option<(Span, Name)>,
        span: Span,
    ) {
        self.terminate(
            Terminator::Jump(thin_vec::thin_vec![Edge { target, kind, step }]),
            span,
        );
    }

    pub(super) fn current_loop(&self) -> Option<LoopId> {
        self.loops.last().and_then(|frame| frame.id)
    }

    pub(super) fn switch_to(&mut self, block: BlockId) {
        self.current = block;
    }

    /// After `return`, `break`, a panic: code that follows is unreachable.
    pub(super) fn start_unreachable(&mut self) {
        let block = self.new_block();
        self.switch_to(block);
    }

    pub(super) fn declare(&mut self, name: &str, ty: Option<TypeRef>, span: Span) -> LocalId {
        let loop_id = self.current_loop();
        self.ir.locals.push(Local {
            name: Name::of(name),
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

    pub(super) fn lookup(&self, name: &str) -> Option<LocalId> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|scope| scope.locals.iter().rev())
            .copied()
            .find(|&local| self.ir.locals[local as usize].name == name)
    }

    pub(super) fn push_scope(&mut self) {
        self.scopes.push(Scope::default());
    }

    /// Ends the innermost scope: its locals die at `span`, last declared first.
    pub(super) fn pop_scope(&mut self, span: Span) {
        if let Some(scope) = self.scopes.pop() {
            for &local in scope.locals.iter().rev() {
                self.op(OpKind::StorageDead(local), span);
            }
        }
    }

    /// The locals of every scope deeper than `depth`, innermost first, die
    /// at `span` (before a `break` or `continue` leaves them).
    pub(super) fn kill_scopes_above(&mut self, depth: usize, span: Span) {
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
    pub(super) fn body_block(&mut self, block: &SynBlock, functions: &mut Vec<FnIr>) {
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
    pub(super) fn body_expr(&mut self, expr: &Expr, functions: &mut Vec<FnIr>) {
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
    pub(super) fn block_contents(
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
    pub(super) fn scoped_block(&mut self, block: &SynBlock, functions: &mut Vec<FnIr>) -> Operand {
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

    pub(super) fn stmt(&mut self, stmt: &Stmt, functions: &mut Vec<FnIr>) {
        let first_temp = self.ir.temps;
        let span = spans::of(stmt);
        match stmt {
            Stmt::Local(local) => self.let_stmt(local, functions),
            Stmt::Expr(expr, _) => {
                self.expr(expr, functions);
            }
            // Statics declared by `lazy_static!` in a body are the body's
            // items.
            Stmt::Macro(stmt_macro)
                if stmt_macro
                    .mac
                    .path
                    .segments
                    .last()
                    .is_some_and(|last| last.ident == "lazy_static") =>
            {
                let item = Item::Macro(syn::ItemMacro {
                    attrs: Vec::new(),
                    ident: None,
                    mac: stmt_macro.mac.clone(),
                    semi_token: stmt_macro.semi_token,
                });
                self.nested_item(&item, functions);
            }
            Stmt::Macro(stmt_macro) => {
                self.macro_call(&stmt_macro.mac, spans::of(stmt_macro), functions);
            }
            Stmt::Item(item) => self.nested_item(item, functions),
        }
        self.op(OpKind::StmtEnd { first_temp }, span);
    }

    /// Functions declared inside a body are bodies of their own.
    pub(super) fn nested_item(&mut self, item: &Item, functions: &mut Vec<FnIr>) {
        let gathered = &mut self.nested_items;
        let mut lowerer = FileLowerer {
            core: self.core,
            selection: self.selection,
            ir: FileIr {
                functions: std::mem::take(functions),
                impls: std::mem::take(&mut gathered.impls),
                traits: std::mem::take(&mut gathered.traits),
                structs: std::mem::take(&mut gathered.structs),
                aliases: std::mem::take(&mut gathered.aliases),
                statics: std::mem::take(&mut gathered.statics),
                ..FileIr::default()
            },
            // Inline modules inside a body are not numbered: their items
            // count as the function's module's.
            modules_seen: ModuleIndex::MAX / 2,
        };
        let scope = ItemScope {
            in_test: self.ir.role.is_test,
            nested: true,
            module: self.ir.module,
        };
        match item {
            Item::Mod(_) => {}
            other => lowerer.item(other, &scope),
        }
        *functions = lowerer.ir.functions;
        gathered.impls = lowerer.ir.impls;
        gathered.traits = lowerer.ir.traits;
        gathered.structs = lowerer.ir.structs;
        gathered.aliases = lowerer.ir.aliases;
        gathered.statics = lowerer.ir.statics;
    }

    pub(super) fn let_stmt(&mut self, local: &syn::Local, functions: &mut Vec<FnIr>) {
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
                    Terminator::Jump(thin_vec::thin_vec![
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
                                crate::format_name!(
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

    pub(super) fn parameter(&mut self, pattern: &Pat, ty: Option<&Type>) {
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
    pub(super) fn bind_pattern(
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
                let local = self.declare(&Name::of(&ident.ident), declared, span);
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
                    _ => crate::model::Slice::default(),
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
                        .map(|(n, p)| (Name::of(n), *p, element_types.get(n).cloned()))
                        .collect(),
                    value,
                    functions,
                );
            }
            Pat::TupleStruct(tuple_struct) => {
                // Fields are named after the variant (`Pool#0`), so that
                // their types are the variant's.
                let variant = pattern_variant(&tuple_struct.path);
                let elements: Vec<(Name, &Pat, Option<TypeRef>)> = tuple_struct
                    .elems
                    .iter()
                    .enumerate()
                    .map(|(n, p)| (crate::format_name!("{variant}#{n}"), p, None))
                    .collect();
                self.bind_fields(elements, value, functions);
            }
            Pat::Struct(pattern_struct) => {
                let variant = pattern_variant(&pattern_struct.path);
                let elements = pattern_struct
                    .fields
                    .iter()
                    .map(|field| {
                        let name = match &field.member {
                            syn::Member::Named(ident) => Name::of(ident),
                            syn::Member::Unnamed(index) => Name::of(index.index),
                        };
                        (crate::format_name!("{variant}#{name}"), &*field.pat, None)
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

    pub(super) fn bind_fields(
        &mut self,
        elements: Vec<(Name, &Pat, Option<TypeRef>)>,
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
                            field,
                        },
                        spanned(pattern),
                    );
                    Operand::Temp(dest)
                }
                Operand::Place { place, mode } => {
                    let mut place = place.clone();
                    place.push_field(field);
                    Operand::Place { place, mode: *mode }
                }
                _ => Operand::Other,
            };
            self.bind_pattern(pattern, None, ty, element, functions);
        }
    }
}

/// The last segment of a pattern's path: the variant (or struct) whose
/// fields it binds.
pub(super) fn pattern_variant(path: &syn::Path) -> Name {
    path.segments
        .last()
        .map(|segment| Name::of(&segment.ident))
        .unwrap_or_default()
}
