//! Expressions: places, calls, method calls, awaits, `?`, literals and
//! aggregates.

use super::*;

impl<'c> BodyBuilder<'c> {
    // ----- expressions ----------------------------------------------------

    pub(super) fn expr(&mut self, expr: &Expr, functions: &mut Vec<FnIr>) -> Operand {
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
    pub(super) fn tail_branch_exit(
        &mut self,
        tail: bool,
        is_error: bool,
        value: &Operand,
        span: Span,
    ) {
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

    pub(super) fn expr_inner(&mut self, expr: &Expr, functions: &mut Vec<FnIr>) -> Operand {
        let span = spans::of(expr);
        match expr {
            Expr::Path(path) => self.path_operand(&path.path),
            Expr::Field(field) => {
                let base = self.expr(&field.base, functions);
                let name = match &field.member {
                    syn::Member::Named(ident) => Name::of(ident),
                    syn::Member::Unnamed(index) => Name::of(index.index),
                };
                match base {
                    Operand::Place { mut place, .. } => {
                        place.push_field(name);
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
                                operands: vec![Operand::Temp(temp)].into(),
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
                syn::Lit::Str(text) => Operand::Str(Name::from(text.value())),
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
                            name: Name::of(&call.method),
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
                        mentions: mentions.into(),
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
                        &Name::of(&label.name.ident),
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
                let label = break_expr.label.as_ref().map(|l| Name::of(&l.ident));
                self.break_to(label, value, span);
                Operand::Other
            }
            Expr::Continue(continue_expr) => {
                let label = continue_expr.label.as_ref().map(|l| Name::of(&l.ident));
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
                    (Some(place), _) => self.op(
                        OpKind::Assign {
                            place: Box::new(place),
                            value,
                        },
                        span,
                    ),
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
                    AggregateKind::Struct(path_segments(&literal.path).into()),
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

    pub(super) fn use_operands(&mut self, operands: Vec<Operand>, span: Span) {
        let operands: Vec<Operand> = operands
            .into_iter()
            .filter(|operand| !matches!(operand, Operand::Other | Operand::Str(_)))
            .collect();
        if !operands.is_empty() {
            self.op(
                OpKind::Use {
                    operands: operands.into(),
                },
                span,
            );
        }
    }

    pub(super) fn aggregate(
        &mut self,
        kind: AggregateKind,
        fields: Vec<Operand>,
        span: Span,
    ) -> Operand {
        let dest = self.temp();
        self.op(
            OpKind::Aggregate {
                dest,
                kind,
                fields: fields.into(),
            },
            span,
        );
        Operand::Temp(dest)
    }

    pub(super) fn temp_holding(&mut self, value: Operand, span: Span) -> TempId {
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
    pub(super) fn path_operand(&mut self, path: &syn::Path) -> Operand {
        let segments = path_segments(path);
        if path.leading_colon.is_none() && segments.len() == 1 {
            if let Some(local) = self.lookup(&segments[0]) {
                return Operand::Place {
                    place: Place {
                        root: PlaceRoot::Local(local),
                        fields: crate::model::Slice::default(),
                    },
                    mode: Mode::Value,
                };
            }
        }
        Operand::Place {
            place: Place {
                root: PlaceRoot::Path(segments.into()),
                fields: crate::model::Slice::default(),
            },
            mode: Mode::Value,
        }
    }

    pub(super) fn call(&mut self, call: &syn::ExprCall, functions: &mut Vec<FnIr>) -> Operand {
        let span = call_span(
            spans::of(&*call.func),
            span_of(call.paren_token.span.close()),
        );
        let callee = match strip_parens(&call.func) {
            Expr::Path(path)
                if path.qself.is_none()
                    && !(path.path.segments.len() == 1
                        && self
                            .lookup(&Name::of(&path.path.segments[0].ident))
                            .is_some()) =>
            {
                Callee::Path(path_segments(&path.path).into())
            }
            other => Callee::Value(self.expr(other, functions)),
        };
        let args: crate::model::Slice<Operand> = call
            .args
            .iter()
            .map(|arg| self.expr(arg, functions))
            .collect();
        let dest = self.temp();
        self.op(OpKind::Call { dest, callee, args }, span);
        Operand::Temp(dest)
    }
}
