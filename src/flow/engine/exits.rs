//! Exits and drops, and the facts they make: what it means for each kind of
//! connection to end here, and the witness path to it.

use super::*;

impl<'s, 'f, 'a> Explorer<'s, 'f, 'a> {
    // ----- drops and exits ------------------------------------------------

    pub(super) fn exit(
        &mut self,
        mut state: State,
        kind: ExitKind,
        value: Option<&Operand>,
        span: Span,
        path: &Rc<PathNode>,
        how: ExitHow,
    ) {
        if let Some(root) = value.and_then(operand_root) {
            state.instances.retain(|i| !i.held_by(root));
        }
        if kind == ExitKind::Panic {
            return;
        }
        let normal = kind == ExitKind::Normal;
        let all: Vec<usize> = (0..state.instances.len()).collect();
        self.drop_indices(&mut state, all, span, path, how, normal);
    }

    pub(super) fn drop_where(
        &mut self,
        state: &mut State,
        predicate: impl Fn(&Instance) -> bool,
        span: Span,
        path: &Rc<PathNode>,
        how: ExitHow,
        normal: bool,
    ) {
        let chosen: Vec<usize> = state
            .instances
            .iter()
            .enumerate()
            .filter(|(_, i)| predicate(i))
            .map(|(n, _)| n)
            .collect();
        self.drop_indices(state, chosen, span, path, how, normal);
    }

    /// Drops instances (scope end, statement end, `drop`, exits) and records
    /// what dropping them means.
    pub(super) fn drop_indices(
        &mut self,
        state: &mut State,
        mut chosen: Vec<usize>,
        span: Span,
        path: &Rc<PathNode>,
        how: ExitHow,
        normal: bool,
    ) {
        chosen.sort_unstable();
        for n in chosen.into_iter().rev() {
            let instance = state.instances.remove(n);
            self.dropped(&instance, span, path, how, normal);
        }
    }

    pub(super) fn dropped(
        &mut self,
        instance: &Instance,
        span: Span,
        path: &Rc<PathNode>,
        how: ExitHow,
        normal: bool,
    ) {
        if instance.in_closure.is_some() {
            // The closure was never run or handed anywhere: it dies with it.
            return;
        }
        let tracked = self.shared.tracked[instance.tracked as usize].clone();
        if let Some(site) = instance.manually_dropped {
            self.fact(
                FactKind::Leaked {
                    how: String::from("`ManuallyDrop`"),
                    detached: false,
                },
                instance,
                site,
                path,
                String::from("wrapped in `ManuallyDrop` and never dropped"),
            );
            return;
        }
        match tracked.connection {
            ConnectionKind::Pool => {
                // Giving up on an error path closes the pool, as it should.
                if !normal {
                    return;
                }
                let role = self.root_role();
                let in_loop = tracked.loop_id.is_some();
                if in_loop || !(role.is_main || role.is_test || instance.shared) {
                    self.fact(
                        FactKind::TemporaryPool { in_loop },
                        instance,
                        tracked.site,
                        path,
                        String::from("the pool is dropped here, closing its connections"),
                    );
                }
            }
            ConnectionKind::Resource(kind) => {
                if instance.raw_tx == RawTx::Open {
                    self.fact(
                        FactKind::RawTransactionOpen { how },
                        instance,
                        span,
                        path,
                        exit_note(how, "goes back to the pool with the transaction still open"),
                    );
                    return;
                }
                let deliberate = how == ExitHow::ExplicitDrop;
                if kind == ResourceKind::Transaction && instance.used && normal && !deliberate {
                    self.fact(
                        FactKind::UncommittedTransaction { how },
                        instance,
                        span,
                        path,
                        exit_note(how, "is dropped without commit, so its work is rolled back"),
                    );
                    return;
                }
                if !tracked.drop_releases {
                    self.fact(
                        FactKind::Unclosed { how },
                        instance,
                        span,
                        path,
                        exit_note(how, "is dropped without being released"),
                    );
                }
            }
        }
    }

    pub(super) fn root_role(&self) -> crate::model::FnRole {
        self.file
            .file
            .functions
            .get(self.root_body() as usize)
            .map(|f| f.role)
            .unwrap_or_default()
    }

    /// The function this body is written in: itself, or the function
    /// around its closures and async blocks.
    fn root_body(&self) -> FnId {
        let functions = &self.file.file.functions;
        let mut body = self.body;
        for _ in 0..functions.len() {
            match functions.get(body as usize) {
                Some(f) if f.kind != BodyKind::Fn => match f.parent {
                    Some(parent) => body = parent,
                    None => break,
                },
                _ => break,
            }
        }
        body
    }

    /// Whether this body runs once per run of the program (see
    /// [`crate::flow::summaries::Summaries::is_one_shot`]).
    pub(super) fn in_one_shot(&self) -> bool {
        self.file.summaries.is_one_shot(crate::semantics::FuncLoc {
            file: self.file.file.file,
            index: self.root_body(),
        })
    }

    // ----- facts ----------------------------------------------------------

    pub(super) fn fact(
        &mut self,
        kind: FactKind,
        instance: &Instance,
        at: Span,
        path: &Rc<PathNode>,
        note: String,
    ) {
        let Some(fact) = self.build_fact(kind, instance, at, path, note) else {
            return;
        };
        match self.shared.tracked[instance.tracked as usize].param {
            Some(param) => {
                if fact.kind == FactKind::HeldAcrossAwait {
                    self.shared.param_awaits.push(ParamAwait {
                        function: self.ir().name,
                        param,
                        fact,
                    });
                }
            }
            None => self.shared.facts.push(fact),
        }
    }

    /// A connection (or one followed for the callers) passed to a workspace
    /// function: the callee's awaits on it are joined in after the analysis.
    pub(super) fn record_passes(
        &mut self,
        state: &State,
        callee: &FnSummary,
        operands: &[&Operand],
        span: Span,
        path: &Rc<PathNode>,
    ) {
        if self.in_one_shot() {
            return;
        }
        for (position, operand) in operands.iter().enumerate() {
            for n in self.reached(state, operand) {
                let instance = state.instances[n].clone();
                let tracked = &self.shared.tracked[instance.tracked as usize];
                let relevant = tracked.param.is_some()
                    || matches!(
                        tracked.connection,
                        ConnectionKind::Resource(ResourceKind::Pooled | ResourceKind::Transaction)
                    );
                if !relevant || instance.in_closure.is_some() {
                    continue;
                }
                let from_param = tracked.param;
                let note = format!("passed to `{}` here", callee.name);
                // Built outside the fact dedupe: one connection may be passed
                // to several functions at one call.
                let Some(fact) = self.build_fact_unchecked(
                    FactKind::HeldAcrossAwait,
                    &instance,
                    span,
                    path,
                    note,
                ) else {
                    continue;
                };
                self.shared.passes.push(Pass {
                    from_param: from_param.map(|param| (self.ir().name, param)),
                    callee: callee.name,
                    param: position as u32,
                    fact,
                });
            }
        }
    }

    pub(super) fn build_fact(
        &mut self,
        kind: FactKind,
        instance: &Instance,
        at: Span,
        path: &Rc<PathNode>,
        note: String,
    ) -> Option<Fact> {
        if instance.borrowed
            && !matches!(
                kind,
                FactKind::HeldAcrossAwait | FactKind::NestedAcquire { .. }
            )
        {
            return None;
        }
        let discriminant = fact_discriminant(&kind);
        if !self
            .shared
            .seen_facts
            .insert((discriminant, instance.tracked, at))
        {
            return None;
        }
        self.build_fact_unchecked(kind, instance, at, path, note)
    }

    pub(super) fn build_fact_unchecked(
        &self,
        kind: FactKind,
        instance: &Instance,
        at: Span,
        path: &Rc<PathNode>,
        note: String,
    ) -> Option<Fact> {
        let tracked = &self.shared.tracked[instance.tracked as usize];
        let file = self.file.file.file;
        let acquired_at = Location {
            file,
            span: tracked.site,
        };
        let mut steps = Vec::new();
        let mut cursor = Some(path.clone());
        while let Some(node) = cursor {
            if node.depth < instance.path_start.max(1) {
                break;
            }
            if let Some((span, step_note)) = &node.step {
                steps.push(PathStep {
                    at: Location { file, span: *span },
                    note: step_note.to_string(),
                });
            }
            cursor = node.parent.clone();
        }
        steps.reverse();
        if steps.first().is_none_or(|s| s.at.span != tracked.site) {
            steps.insert(
                0,
                PathStep {
                    at: acquired_at,
                    note: String::from("acquired here"),
                },
            );
        }
        if steps.len() > MAX_PATH_STEPS {
            let keep_tail = MAX_PATH_STEPS - 1;
            let tail = steps.split_off(steps.len() - keep_tail);
            steps.truncate(1);
            steps.extend(tail);
        }
        steps.push(PathStep {
            at: Location { file, span: at },
            note,
        });
        let binding = instance
            .binding
            .map(|local| self.ir().local_name(local).to_string())
            .filter(|name| !name.starts_with('_') || name.len() > 1);
        let binding = match (binding, tracked.body == self.body) {
            (Some(name), _) => Some(name),
            (None, _) => None,
        };
        let holder = self.holder_of(instance, tracked);
        Some(Fact {
            kind,
            connection: ConnectionRef {
                resource: tracked.resource_name.clone(),
                kind: tracked.connection,
                acquired_at,
                binding,
                pool: tracked.pool.as_ref().map(|p| p.key.clone()),
            },
            at: Location { file, span: at },
            path: steps,
            function: self.ir().name.to_string(),
            in_test: self.root_role().is_test,
            holder,
            waits_on: None,
        })
    }

    /// The local that holds the instance, when it is one of this body's
    /// own bindings holding a connection acquired here; `None` for a
    /// connection followed for the callers, borrowed, or in a closure.
    fn holder_of(&self, instance: &Instance, tracked: &Tracked) -> Option<Holder> {
        let Root::Local(local) = instance.holder else {
            return None;
        };
        if tracked.body != self.body
            || tracked.param.is_some()
            || instance.borrowed
            || instance.in_closure.is_some()
        {
            return None;
        }
        let declared = self.ir().locals.get(local as usize)?;
        Some(Holder {
            body: self.body,
            local,
            declared_at: declared.span,
        })
    }
}

pub(super) fn fact_discriminant(kind: &FactKind) -> u8 {
    match kind {
        FactKind::Leaked { .. } => 0,
        FactKind::StoredInStatic { .. } => 1,
        FactKind::SpawnedForever => 2,
        FactKind::Accumulated { .. } => 3,
        FactKind::HeldAcrossAwait => 4,
        FactKind::NestedAcquire { .. } => 5,
        FactKind::UncommittedTransaction { .. } => 6,
        FactKind::RawTransactionOpen { .. } => 7,
        FactKind::Unclosed { .. } => 8,
        FactKind::TemporaryPool { .. } => 9,
        FactKind::HeldInEndlessLoop => 10,
    }
}

pub(super) fn exit_note(how: ExitHow, what: &str) -> String {
    let prefix = match how {
        ExitHow::Return => "returns here: the connection",
        ExitHow::Question => "`?` returns early here: the connection",
        ExitHow::ReturnErr => "returns an error here: the connection",
        ExitHow::ScopeEnd => "goes out of scope here and",
        ExitHow::StatementEnd => "dropped at the end of this statement: it",
        ExitHow::ExplicitDrop => "dropped here: it",
        ExitHow::Overwritten => "overwritten here: the old one",
    };
    format!("{prefix} {what}")
}
