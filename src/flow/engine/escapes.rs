//! Where a connection goes for good: a collection that outlives its loop, a
//! task that never ends, static storage, a leak.

use super::*;

impl<'s, 'f, 'a> Explorer<'s, 'f, 'a> {
    pub(super) fn accumulates(
        &self,
        instance: &Instance,
        receiver: &Operand,
        block: BlockId,
    ) -> bool {
        let tracked = &self.shared.tracked[instance.tracked as usize];
        let Some(acquire_loop) = tracked.loop_id else {
            return false;
        };
        if tracked.body != self.body {
            return false;
        }
        let ir = self.ir();
        if !ir.loop_within(ir.blocks[block as usize].loop_id, acquire_loop) {
            return false;
        }
        match receiver {
            Operand::Place {
                place:
                    Place {
                        root: PlaceRoot::Local(local),
                        ..
                    },
                ..
            } => {
                let declared_in = ir.locals.get(*local as usize).and_then(|l| l.loop_id);
                !ir.loop_within(declared_in, acquire_loop)
            }
            Operand::Place {
                place:
                    Place {
                        root: PlaceRoot::Path(_),
                        ..
                    },
                ..
            } => true,
            _ => false,
        }
    }

    pub(super) fn spawn(
        &mut self,
        state: &mut State,
        arg: &Operand,
        span: Span,
        path: &Rc<PathNode>,
    ) {
        let Some(root) = operand_root(arg) else {
            return;
        };
        let mut moved = Vec::new();
        state.instances.retain(|i| {
            if i.held_by(root) {
                moved.push(i.clone());
                false
            } else {
                true
            }
        });
        for mut instance in moved {
            let Some((body, _)) = instance.in_closure else {
                // A driver future spawned directly, or something opaque.
                continue;
            };
            let tracked = &self.shared.tracked[instance.tracked as usize];
            let pooled = matches!(
                tracked.connection,
                ConnectionKind::Resource(ResourceKind::Pooled | ResourceKind::Transaction)
            );
            if pooled && never_ends(&self.file.file.functions[body as usize]) {
                self.fact(
                    FactKind::SpawnedForever,
                    &instance,
                    span,
                    path,
                    String::from("moved into a task that never ends"),
                );
                instance.quiet_await = true;
            }
            self.hand_over(instance);
        }
    }

    /// Static storage keeps a value for the life of the process. For a pooled
    /// connection or a transaction that is a slot gone for good; a pool or a
    /// dedicated connection kept there is what statics are for.
    pub(super) fn store_static(
        &mut self,
        instance: &Instance,
        target: &str,
        span: Span,
        path: &Rc<PathNode>,
    ) {
        let tracked = &self.shared.tracked[instance.tracked as usize];
        if !matches!(
            tracked.connection,
            ConnectionKind::Resource(ResourceKind::Pooled | ResourceKind::Transaction)
        ) {
            return;
        }
        self.fact(
            FactKind::StoredInStatic {
                target: target.to_string(),
            },
            instance,
            span,
            path,
            format!("stored in the static `{target}` here"),
        );
    }

    /// The path enters a loop it never leaves: a connection it holds and
    /// the loop does not use is held for good. One the loop works with is
    /// the loop's own (a listener, a worker's connection), and a pool kept
    /// by a server's main loop is what pools are for.
    pub(super) fn enter_endless(
        &mut self,
        state: &mut State,
        target: BlockId,
        path: &Rc<PathNode>,
        used: &FxHashSet<LocalId>,
    ) {
        let ir = self.ir();
        let Some(block) = ir.blocks.get(target as usize) else {
            return;
        };
        let span = block
            .ops
            .first()
            .map(|op| op.span)
            .unwrap_or(block.term_span);
        let mut held = Vec::new();
        state.instances.retain(|instance| {
            let tracked = &self.shared.tracked[instance.tracked as usize];
            let connection = holds_a_session(tracked);
            let idle = match instance.holder {
                Root::Local(local) => {
                    !used.contains(&local)
                        && instance.borrowers.iter().all(|b| match b {
                            Root::Local(other) => !used.contains(other),
                            _ => true,
                        })
                }
                _ => false,
            };
            if connection && idle && !instance.borrowed && instance.in_closure.is_none() {
                held.push(instance.clone());
                false
            } else {
                true
            }
        });
        // What a job kept by a value of this body holds is held as long.
        for (instance, job_path) in std::mem::take(&mut self.stored_jobs) {
            let tracked = &self.shared.tracked[instance.tracked as usize];
            if holds_a_session(tracked) {
                let step = push_step(&job_path, span, Name::from("this loop never ends"));
                self.fact(
                    FactKind::HeldInEndlessLoop,
                    &instance,
                    span,
                    &step,
                    String::from("this loop never ends, and the job that holds it lives as long"),
                );
            }
        }
        for instance in held {
            self.fact(
                FactKind::HeldInEndlessLoop,
                &instance,
                span,
                path,
                String::from("this loop never ends, and nothing in it uses the connection"),
            );
        }
    }

    /// A closure that may never return run in place on a connection
    /// (`conn.transaction(|c| .. loop { .. } ..)`): the connection is held
    /// for as long.
    pub(super) fn runs_endless_closure(
        &mut self,
        state: &mut State,
        on_connection: &[usize],
        args: &[Operand],
        span: Span,
        path: &Rc<PathNode>,
    ) {
        let endless = args.iter().any(|arg| match arg {
            Operand::Temp(temp) => match self.fcx.def_of(*temp) {
                Some(OpKind::Closure { body, .. }) => self
                    .file
                    .file
                    .functions
                    .get(*body as usize)
                    .is_some_and(may_never_end),
                _ => false,
            },
            _ => false,
        });
        if !endless {
            return;
        }
        for &n in on_connection {
            let instance = state.instances[n].clone();
            let tracked = &self.shared.tracked[instance.tracked as usize];
            if instance.borrowed || tracked.connection == ConnectionKind::Pool {
                continue;
            }
            self.fact(
                FactKind::HeldInEndlessLoop,
                &instance,
                span,
                path,
                String::from("this runs a closure on it that may never return"),
            );
            state.instances[n].quiet_await = true;
        }
    }

    pub(super) fn leak(&mut self, instance: &Instance, how: &str, span: Span, path: &Rc<PathNode>) {
        self.fact(
            FactKind::Leaked {
                how: how.to_string(),
                detached: false,
            },
            instance,
            span,
            path,
            format!("{how} keeps it from ever going back"),
        );
    }

    /// A pack's leak call `name` on `instance`: one its resource lists as
    /// detaching frees the pool's slot (said at warn), and a connection
    /// taken out to LISTEN for notifications is what detaching is for.
    pub(super) fn leak_by_call(
        &mut self,
        instance: &Instance,
        name: &str,
        how: &str,
        span: Span,
        path: &Rc<PathNode>,
    ) {
        let tracked = &self.shared.tracked[instance.tracked as usize];
        let detaches = tracked.resource.is_some_and(|resource| {
            let spec = self.table().resource(resource);
            spec.detach
                .iter()
                .any(|entry| entry.rsplit("::").next() == Some(name))
        });
        if !detaches {
            self.leak(instance, how, span, path);
            return;
        }
        if self.listens() {
            return;
        }
        self.fact(
            FactKind::Leaked {
                how: how.to_string(),
                detached: true,
            },
            instance,
            span,
            path,
            format!("{how} takes it out of its pool, which may open another in its place"),
        );
    }

    /// Whether this body runs `LISTEN` (a statement, or a `format!`
    /// template, that starts with it): a connection kept for notifications.
    fn listens(&self) -> bool {
        let listen = |operand: &Operand| {
            matches!(operand, Operand::Str(text)
                if text.trim_start().get(..6).is_some_and(|head| head.eq_ignore_ascii_case("LISTEN")))
        };
        self.ir()
            .blocks
            .iter()
            .flat_map(|block| &block.ops)
            .any(|op| match &op.kind {
                OpKind::Call { args, .. } => args.iter().any(listen),
                OpKind::Use { operands } => operands.iter().any(listen),
                OpKind::Move { value, .. } | OpKind::Let { value, .. } => listen(value),
                _ => false,
            })
    }
}

/// A body with no way to end normally: every exit is an error, a panic, or
/// none is reachable at all (`loop { .. }` with no `break`).
pub(super) fn never_ends(body: &FnIr) -> bool {
    let mut seen = vec![false; body.blocks.len()];
    let mut stack = vec![0usize];
    while let Some(block) = stack.pop() {
        if block >= seen.len() || seen[block] {
            continue;
        }
        seen[block] = true;
        match &body.blocks[block].term {
            Terminator::Jump(edges) => stack.extend(edges.iter().map(|e| e.target as usize)),
            Terminator::Try { ok, .. } => stack.push(*ok as usize),
            Terminator::Exit { kind, .. } => {
                if *kind == ExitKind::Normal {
                    return false;
                }
            }
            Terminator::Unreachable => {}
        }
    }
    true
}

/// The blocks of a body from which no exit of any kind (a return, an error,
/// a panic, a `?`) is reachable: the inside of a `loop` with no `break`.
pub(super) fn endless_blocks(body: &FnIr) -> Vec<bool> {
    let count = body.blocks.len();
    let mut predecessors: Vec<Vec<usize>> = vec![Vec::new(); count];
    let mut ends = vec![false; count];
    let mut stack = Vec::new();
    for (index, block) in body.blocks.iter().enumerate() {
        match &block.term {
            Terminator::Jump(edges) => {
                for edge in edges {
                    if let Some(list) = predecessors.get_mut(edge.target as usize) {
                        list.push(index);
                    }
                }
            }
            Terminator::Try { ok, .. } => {
                if let Some(list) = predecessors.get_mut(*ok as usize) {
                    list.push(index);
                }
                stack.push(index);
            }
            // What the lowering could not follow counts as a way out.
            Terminator::Exit { .. } | Terminator::Unreachable => stack.push(index),
        }
    }
    while let Some(index) = stack.pop() {
        if ends[index] {
            continue;
        }
        ends[index] = true;
        stack.extend(predecessors[index].iter().copied().filter(|&p| !ends[p]));
    }
    ends.iter().map(|&end| !end).collect()
}

/// Whether some path through a body (a closure run in place) never ends.
pub(super) fn may_never_end(body: &FnIr) -> bool {
    if body.blocks.is_empty() {
        return false;
    }
    let endless = endless_blocks(body);
    let mut seen = vec![false; body.blocks.len()];
    let mut stack = vec![0usize];
    while let Some(block) = stack.pop() {
        if block >= seen.len() || seen[block] {
            continue;
        }
        if endless[block] {
            return true;
        }
        seen[block] = true;
        match &body.blocks[block].term {
            Terminator::Jump(edges) => stack.extend(edges.iter().map(|e| e.target as usize)),
            Terminator::Try { ok, .. } => stack.push(*ok as usize),
            _ => {}
        }
    }
    false
}

/// The locals the given blocks mention.
pub(super) fn locals_used_in(body: &FnIr, blocks: &[bool]) -> FxHashSet<LocalId> {
    let mut used = FxHashSet::default();
    let mut note = |operand: &Operand| {
        if let Operand::Place {
            place:
                Place {
                    root: PlaceRoot::Local(local),
                    ..
                },
            ..
        } = operand
        {
            used.insert(*local);
        }
    };
    for (block, _) in body.blocks.iter().zip(blocks).filter(|(_, &on)| on) {
        for op in &block.ops {
            match &op.kind {
                OpKind::Call { callee, args, .. } => {
                    match callee {
                        Callee::Method { receiver, .. } => note(receiver),
                        Callee::Value(value) => note(value),
                        _ => {}
                    }
                    args.iter().for_each(&mut note);
                }
                OpKind::Aggregate { fields, .. } => fields.iter().for_each(&mut note),
                OpKind::Move { value, .. }
                | OpKind::Let { value, .. }
                | OpKind::StoreThrough { value, .. }
                | OpKind::Failed(value) => note(value),
                OpKind::Await {
                    future, mentions, ..
                } => {
                    note(future);
                    for &local in mentions {
                        note(&Operand::Place {
                            place: Place {
                                root: PlaceRoot::Local(local),
                                fields: crate::model::Slice::default(),
                            },
                            mode: Mode::Ref,
                        });
                    }
                }
                OpKind::Assign { place, value } => {
                    note(value);
                    note(&Operand::Place {
                        place: (**place).clone(),
                        mode: Mode::Ref,
                    });
                }
                OpKind::Use { operands } => operands.iter().for_each(&mut note),
                _ => {}
            }
        }
    }
    used
}

/// A connection that keeps a server session while it is held (not a pool,
/// not a driver half).
fn holds_a_session(tracked: &Tracked) -> bool {
    matches!(
        tracked.connection,
        ConnectionKind::Resource(
            ResourceKind::Pooled | ResourceKind::Transaction | ResourceKind::Raw
        )
    )
}
