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

    pub(super) fn leak(&mut self, instance: &Instance, how: &str, span: Span, path: &Rc<PathNode>) {
        self.fact(
            FactKind::Leaked {
                how: how.to_string(),
            },
            instance,
            span,
            path,
            format!("{how} keeps it from ever going back"),
        );
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
