//! Control flow: conditions, `if`, `match`, loops, labelled blocks,
//! `break` and `continue`.

use super::*;

impl<'c> BodyBuilder<'c> {
    // ----- control flow ---------------------------------------------------

    /// Conditions of an `if` / `while`: `let` parts bind in the taken branch.
    pub(super) fn condition(
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

    pub(super) fn branch_notes(condition: &Expr, lets: &[(Pat, Expr, Operand)]) -> (Name, Name) {
        match lets.first() {
            Some((pattern, _, _)) if lets.len() == 1 && !matches!(condition, Expr::Binary(_)) => (
                crate::format_name!("`{}` matches", short_text(pattern)),
                crate::format_name!("`{}` does not match", short_text(pattern)),
            ),
            _ => (
                Name::from("the condition holds"),
                Name::from("the condition does not hold"),
            ),
        }
    }

    /// Locals a condition proves empty: `(when true, when false)`.
    /// `x.is_ok()` / `x.is_some()` false, `x.is_err()` / `x.is_none()` true:
    /// the `Result` or `Option` holds no connection on that branch.
    pub(super) fn tested_emptiness(&self, condition: &Expr) -> (Vec<LocalId>, Vec<LocalId>) {
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
                    .and_then(|ident| self.lookup(&Name::of(ident)))
                else {
                    return (Vec::new(), Vec::new());
                };
                match Name::of(&call.method).as_str() {
                    "is_ok" | "is_some" => (Vec::new(), vec![local]),
                    "is_err" | "is_none" => (vec![local], Vec::new()),
                    _ => (Vec::new(), Vec::new()),
                }
            }
            _ => (Vec::new(), Vec::new()),
        }
    }

    pub(super) fn if_expr(
        &mut self,
        if_expr: &syn::ExprIf,
        tail: bool,
        functions: &mut Vec<FnIr>,
    ) -> Operand {
        let span = spans::of(if_expr);
        let result = self.temp();
        let lets = self.condition(&if_expr.cond, functions);
        let condition_span = spans::of(&*if_expr.cond);
        let (taken, not_taken) = Self::branch_notes(&if_expr.cond, &lets);
        let then_block = self.new_block();
        let else_block = self.new_block();
        let join = self.new_block();
        self.terminate(
            Terminator::Jump(thin_vec::thin_vec![
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
        let then_start = self.next_block();
        self.switch_to(then_block);
        for local in empty_when_true {
            self.op(OpKind::VanishLocal(local), condition_span);
        }
        self.push_scope();
        for (pattern, _, value) in &lets {
            if is_error_pattern(pattern) {
                self.op(OpKind::Failed(value.clone()), condition_span);
            }
            if let (Some(local), true) = (whole_local(value), is_failure_pattern(pattern)) {
                self.op(OpKind::VanishLocal(local), condition_span);
            }
        }
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
        self.arm(then_block, then_start, join);

        let else_start = self.next_block();
        self.switch_to(else_block);
        for local in empty_when_false {
            self.op(OpKind::VanishLocal(local), condition_span);
        }
        for (pattern, _, value) in &lets {
            if is_success_pattern(pattern) && pattern_head(pattern).as_deref() == Some("Ok") {
                self.op(OpKind::Failed(value.clone()), condition_span);
            }
            if let (Operand::Temp(temp), true) = (value, is_success_pattern(pattern)) {
                self.op(OpKind::Vanish(*temp), condition_span);
            }
            // `if let Some(tx) = pending { .. } else { .. }`: in the `else`
            // the binding is `None` (or an `Err`), and holds nothing.
            if let (Some(local), true) = (whole_local(value), is_success_pattern(pattern)) {
                self.op(OpKind::VanishLocal(local), condition_span);
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
        self.arm(else_block, else_start, join);
        self.switch_to(join);
        Operand::Temp(result)
    }

    pub(super) fn match_expr(
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
                    crate::format_name!("match arm `{}` is taken", short_text(&arm.pat)),
                )),
            })
            .collect();
        self.terminate(Terminator::Jump(edges), spans::of(&*match_expr.expr));
        for (arm, &block) in match_expr.arms.iter().zip(&arm_blocks) {
            let start = self.next_block();
            self.switch_to(block);
            self.push_scope();
            if is_error_pattern(&arm.pat) {
                self.op(OpKind::Failed(scrutinee.clone()), spanned(&arm.pat));
            }
            if let (Operand::Temp(temp), true) = (&scrutinee, is_failure_pattern(&arm.pat)) {
                self.op(OpKind::Vanish(*temp), spanned(&arm.pat));
            } else {
                // `match result { Err(e) => .. }`: on this arm the binding
                // holds only the error, not what its `Ok` would have held.
                if let (Some(local), true) = (whole_local(&scrutinee), is_failure_pattern(&arm.pat))
                {
                    self.op(OpKind::VanishLocal(local), spanned(&arm.pat));
                }
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
            self.arm(block, start, join);
        }
        self.switch_to(join);
        Operand::Temp(result)
    }

    pub(super) fn enter_loop(
        &mut self,
        label: Option<&syn::Label>,
        span: Span,
        over_items: bool,
    ) -> (BlockId, BlockId, TempId) {
        let id = self.ir.loops.len() as LoopId;
        self.ir.loops.push(LoopInfo {
            parent: self.current_loop(),
            span,
            over_items,
        });
        let result = self.temp();
        let exit = self.new_block();
        self.loops.push(LoopFrame {
            id: Some(id),
            is_block: false,
            label: label.map(|l| Name::of(&l.name.ident)),
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

    pub(super) fn leave_loop(&mut self, exit: BlockId) {
        self.loops.pop();
        self.switch_to(exit);
    }

    pub(super) fn loop_expr(
        &mut self,
        loop_expr: &syn::ExprLoop,
        functions: &mut Vec<FnIr>,
    ) -> Operand {
        let span = spans::of(loop_expr);
        let (head, exit, result) = self.enter_loop(loop_expr.label.as_ref(), span, false);
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

    pub(super) fn while_expr(
        &mut self,
        while_expr: &syn::ExprWhile,
        functions: &mut Vec<FnIr>,
    ) -> Operand {
        let span = spans::of(while_expr);
        let (head, exit, _) = self.enter_loop(while_expr.label.as_ref(), span, false);
        let lets = self.condition(&while_expr.cond, functions);
        let condition_span = spans::of(&*while_expr.cond);
        let body = self.new_block();
        let done = self.new_block();
        let (taken, not_taken) = Self::branch_notes(&while_expr.cond, &lets);
        let _ = taken;
        self.terminate(
            Terminator::Jump(thin_vec::thin_vec![
                Edge {
                    target: body,
                    kind: EdgeKind::Branch,
                    step: None,
                },
                Edge {
                    target: done,
                    kind: EdgeKind::Branch,
                    step: Some((
                        condition_span,
                        crate::format_name!("{not_taken}: the loop ends"),
                    )),
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

    pub(super) fn for_loop(
        &mut self,
        for_loop: &syn::ExprForLoop,
        functions: &mut Vec<FnIr>,
    ) -> Operand {
        let span = spans::of(for_loop);
        let iterable = self.expr(&for_loop.expr, functions);
        let iterable_copy = iterable.clone();
        // The iterator is consumed by the loop: its items are not followed.
        self.use_operands(vec![by_ref(iterable)], spans::of(&*for_loop.expr));
        let (head, exit, _) = self.enter_loop(for_loop.label.as_ref(), span, true);
        let body = self.new_block();
        let pattern_span = spanned(&*for_loop.pat);
        self.terminate(
            Terminator::Jump(thin_vec::thin_vec![
                Edge {
                    target: body,
                    kind: EdgeKind::Branch,
                    step: None,
                },
                Edge {
                    target: exit,
                    kind: EdgeKind::Branch,
                    step: Some((pattern_span, Name::from("the loop ends"))),
                },
            ]),
            pattern_span,
        );
        self.switch_to(body);
        self.push_scope();
        let item = self.temp();
        self.op(
            OpKind::Element {
                dest: item,
                of: iterable_copy,
            },
            pattern_span,
        );
        self.bind_pattern(&for_loop.pat, None, None, Operand::Temp(item), functions);
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
    pub(super) fn labelled_block(
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
            label: Some(Name::of(label)),
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
    pub(super) fn loop_frame(&self, label: &Option<Name>) -> Option<usize> {
        match label {
            None => self.loops.iter().rposition(|frame| !frame.is_block),
            Some(name) => self
                .loops
                .iter()
                .rposition(|frame| frame.label.as_deref() == Some(name.as_str())),
        }
    }

    pub(super) fn break_to(&mut self, label: Option<Name>, value: Option<Operand>, span: Span) {
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
            Some((span, Name::from("`break` leaves the loop"))),
            span,
        );
        self.start_unreachable();
    }

    pub(super) fn continue_to(&mut self, label: Option<Name>, span: Span) {
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
            Some((span, Name::from("`continue` goes round again"))),
            span,
        );
        self.start_unreachable();
    }
}

/// The local an operand names whole (`result`, not `result.field`).
fn whole_local(operand: &Operand) -> Option<LocalId> {
    match operand {
        Operand::Place {
            place:
                Place {
                    root: PlaceRoot::Local(local),
                    fields,
                },
            ..
        } if fields.is_empty() => Some(*local),
        _ => None,
    }
}
