//! Closures and async blocks: bodies of their own, with the outer locals
//! they capture.

use super::*;

impl<'c> BodyBuilder<'c> {
    // ----- closures and async blocks -------------------------------------

    pub(super) fn closure(
        &mut self,
        closure: &syn::ExprClosure,
        functions: &mut Vec<FnIr>,
    ) -> Operand {
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
        let name = crate::format_name!("{}::{{closure}}", self.ir.name);
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

    pub(super) fn async_block(
        &mut self,
        async_block: &syn::ExprAsync,
        functions: &mut Vec<FnIr>,
    ) -> Operand {
        let is_move = async_block.capture.is_some();
        let span = span_of(async_block.async_token.span);
        let name = crate::format_name!("{}::{{async block}}", self.ir.name);
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
    pub(super) fn nested_body(
        &mut self,
        name: Name,
        kind: BodyKind,
        is_async: bool,
        span: Span,
        body: &Expr,
        parameter_names: &[Name],
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
            self.ir.self_type,
            kind,
            is_async,
            self.ir.role,
            span,
            Some(self.id),
        );
        inner.depth = self.depth;
        inner.ir.module = self.ir.module;
        inner.ir.owner = self.ir.owner;
        inner.ir.generics = self.ir.generics.clone();
        let mut mentioned = Vec::new();
        mentions_of_expr(body, &mut mentioned);
        let mut seen = BTreeSet::new();
        for name in mentioned {
            if parameter_names.contains(&name) || !seen.insert(name) {
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
}
