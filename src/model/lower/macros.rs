//! Macro calls: which ones panic, format, join futures or wrap queries,
//! and how their arguments are read.

use super::*;

impl<'c> BodyBuilder<'c> {
    // ----- macros ---------------------------------------------------------

    pub(super) fn macro_shape(&self, mac: &syn::Macro) -> MacroShape {
        let written = path_segments(&mac.path);
        let joined = written.join("::");
        let last = written.last().map(Name::as_str).unwrap_or("");
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

    pub(super) fn macro_call(
        &mut self,
        mac: &syn::Macro,
        span: Span,
        functions: &mut Vec<FnIr>,
    ) -> Operand {
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
                    Terminator::Jump(thin_vec::thin_vec![
                        Edge {
                            target: holds,
                            kind: EdgeKind::Branch,
                            step: None,
                        },
                        Edge {
                            target: fails,
                            kind: EdgeKind::Branch,
                            step: Some((span, Name::from("the condition does not hold"))),
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
                            mentions: mentions.into(),
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
                // A format string is kept for what it says (`format!("LISTEN
                // {channel}")` is a LISTEN statement), not as a value.
                let template = operands
                    .first()
                    .filter(|first| matches!(first, Operand::Str(_)))
                    .cloned();
                match operands.is_empty() && arguments.is_none() {
                    true => self.mention_tokens(&mac.tokens, span),
                    false => self.use_operands(operands, span),
                }
                let Some(template) = template else {
                    return Operand::Other;
                };
                self.op(
                    OpKind::Use {
                        operands: vec![template.clone()].into(),
                    },
                    span,
                );
                // `format!` makes a string: its value is its template, as far
                // as what it says goes (`let query = format!("SELECT ..
                // FROM {table}")` is a SELECT).
                let makes_string = mac
                    .path
                    .segments
                    .last()
                    .is_some_and(|last| last.ident == "format");
                if makes_string {
                    template
                } else {
                    Operand::Other
                }
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
                            callee: Callee::Macro(path_segments(&mac.path).into()),
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
    pub(super) fn read_arguments(
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
    pub(super) fn mention_tokens(&mut self, tokens: &TokenStream, span: Span) {
        let mut names = Vec::new();
        token_idents(tokens, &mut names);
        let operands = self.local_operands(&names);
        self.use_operands(operands, span);
    }

    pub(super) fn local_operands(&self, names: &[Name]) -> Vec<Operand> {
        let mut seen = BTreeSet::new();
        names
            .iter()
            .filter_map(|name| self.lookup(name))
            .filter(|local| seen.insert(*local))
            .map(|local| Operand::Place {
                place: Place {
                    root: PlaceRoot::Local(local),
                    fields: crate::model::Slice::default(),
                },
                mode: Mode::Ref,
            })
            .collect()
    }

    /// `select!`: awaits branches written in its own syntax; every local it
    /// names counts as used by that await.
    pub(super) fn opaque_await(&mut self, mac: &syn::Macro, span: Span) -> Operand {
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
                mentions: mentions.into(),
            },
            span,
        );
        Operand::Other
    }

    pub(super) fn mentions_in_expr(&self, expr: &Expr) -> Vec<LocalId> {
        let mut names = Vec::new();
        mentions_of_expr(expr, &mut names);
        let mut locals: Vec<LocalId> = names.iter().filter_map(|n| self.lookup(n)).collect();
        locals.sort_unstable();
        locals.dedup();
        locals
    }
}
