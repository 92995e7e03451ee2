//! A second connection from a pool a held one came from: directly, or
//! through a workspace function's summary; and what a summarised callee
//! returns or keeps.

use super::*;
use crate::model::Name;

impl<'s, 'f, 'a> Explorer<'s, 'f, 'a> {
    /// `into`: the temporary the acquired connection is made into, when
    /// it is one: a connection assigned back to the binding that holds the
    /// old one (`db = pool.acquire().await?`, a reconnect) replaces it.
    pub(super) fn nested_check(
        &mut self,
        state: &State,
        pool_key: &str,
        span: Span,
        path: &Rc<PathNode>,
        implicit: bool,
        into: Option<TempId>,
    ) {
        self.nested_check_through(state, pool_key, span, path, implicit, None, &[], into);
    }

    /// `through`: the workspace function that acquires, with where it does.
    /// `replaced`: bindings whose connection the new one replaces; `into`,
    /// the temporary the new connection is made into, whose bindings it
    /// replaces too (looked for only when a connection of the pool is held).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn nested_check_through(
        &mut self,
        state: &State,
        pool_key: &str,
        span: Span,
        path: &Rc<PathNode>,
        implicit: bool,
        through: Option<(&SummaryAcquire, &str)>,
        replaced: &[LocalId],
        into: Option<TempId>,
    ) {
        let mut held: Vec<Instance> = state
            .instances
            .iter()
            .filter(|i| !matches!(i.holder, Root::Local(local) if replaced.contains(&local)))
            .filter(|i| {
                let tracked = &self.shared.tracked[i.tracked as usize];
                matches!(
                    tracked.connection,
                    ConnectionKind::Resource(ResourceKind::Pooled | ResourceKind::Transaction)
                ) && tracked.pool.as_ref().is_some_and(|p| p.key == pool_key)
                    && matches!(i.holder, Root::Local(_))
                    && i.in_closure.is_none()
                    && i.manually_dropped.is_none()
            })
            .cloned()
            .collect();
        if let (Some(dest), false) = (into, held.is_empty()) {
            let assigned = self.ir().locals_assigned_from(dest);
            held.retain(|i| !matches!(i.holder, Root::Local(local) if assigned.contains(&local)));
        }
        if let Some(instance) = held.first() {
            let note = match through {
                Some((_, callee)) => {
                    format!("`{callee}` checks out another connection from `{pool_key}`")
                }
                None if implicit => format!("`{pool_key}` checks out another connection here"),
                None => format!("a second connection is acquired from `{pool_key}` here"),
            };
            let before = self.shared.facts.len();
            self.fact(
                FactKind::NestedAcquire { implicit },
                instance,
                span,
                path,
                note,
            );
            if let (Some((acquire, _)), true) = (through, self.shared.facts.len() > before) {
                // Show where, inside the callee, the connection is taken.
                if let Some(fact) = self.shared.facts.last_mut() {
                    let mut chain = acquire.via.join(" -> ");
                    if !chain.is_empty() {
                        chain = format!(" (through {chain})");
                    }
                    let verb = if acquire.implicit {
                        "runs a query on the pool"
                    } else {
                        "acquires"
                    };
                    fact.path.push(PathStep {
                        at: acquire.at,
                        note: format!("it {verb} here{chain}"),
                    });
                }
            }
        }
    }

    /// A call to a workspace function: a second acquire from a pool the
    /// caller holds a connection of, through the callee's summary.
    /// Pools lent to a function that keeps a clone of them live on.
    pub(super) fn summary_keeps(
        &self,
        state: &mut State,
        summary: &FnSummary,
        operands: &[&Operand],
    ) {
        for &param in &summary.keeps {
            let Some(operand) = operands.get(param) else {
                continue;
            };
            for n in self.reached(state, operand) {
                let tracked = &self.shared.tracked[state.instances[n].tracked as usize];
                if tracked.connection == ConnectionKind::Pool {
                    state.instances[n].shared = true;
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn summary_acquires(
        &mut self,
        state: &State,
        summary: &FnSummary,
        operands: &[&Operand],
        dest: TempId,
        span: Span,
        path: &Rc<PathNode>,
    ) {
        for acquire in &summary.acquires {
            let Some(key) = self.caller_pool_key(operands, acquire, dest) else {
                continue;
            };
            // The callee replaces the connection it is handed by value.
            let replaced: Vec<LocalId> = acquire
                .replaces
                .and_then(|param| operands.get(param))
                .and_then(|operand| match operand {
                    Operand::Place {
                        place:
                            Place {
                                root: PlaceRoot::Local(local),
                                fields,
                            },
                        mode: Mode::Value,
                    } if fields.is_empty() => Some(*local),
                    _ => None,
                })
                .into_iter()
                .collect();
            self.nested_check_through(
                state,
                &key,
                span,
                path,
                acquire.implicit,
                Some((acquire, &summary.name)),
                &replaced,
                None,
            );
        }
    }

    /// The caller's name for a pool the callee reaches through a parameter:
    /// `state.repo` + `pool` for `state.repo.find()` acquiring from `self.pool`.
    /// A method reached through `Deref` (`store.load()` on a newtype over
    /// `Arc<Inner>`) gets the fields of those derefs before the callee's.
    pub(super) fn caller_pool_key(
        &self,
        operands: &[&Operand],
        acquire: &SummaryAcquire,
        dest: TempId,
    ) -> Option<String> {
        let operand = operands.get(acquire.param)?;
        let receiver_via: &[Name] = match self.fcx.call_target(dest) {
            Some(CallTarget::Func(_, Some(found))) if acquire.param == 0 => &found.via,
            _ => &[],
        };
        if acquire.fields.is_empty() && receiver_via.is_empty() {
            if let TempFact::Pool(info) = self.fcx.operand_fact(operand, self.file) {
                return Some(info.key);
            }
        }
        // A generic executor acquires only when given a pool.
        acquire.pool?;
        let Operand::Place { place, .. } = operand else {
            return None;
        };
        let mut key = self.fcx.place_key(place);
        for field in receiver_via.iter().chain(&acquire.fields) {
            key.push('.');
            key.push_str(field);
        }
        Some(key)
    }

    /// A connection returned by a workspace function (`get_conn(&pool)`,
    /// `app.db_write()`): acquired at the call.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn summary_returns(
        &mut self,
        state: &mut State,
        summary: &FnSummary,
        operands: &[&Operand],
        dest: TempId,
        span: Span,
        block: BlockId,
        path: &mut Rc<PathNode>,
    ) {
        if let Some(pool) = summary.builds_pool {
            self.build_pool(state, dest, pool, span, block, path);
            return;
        }
        let Some(resource) = summary.returns else {
            if summary.hands_out {
                // What the first operand held is the result's now.
                if let Some(root) = operands.first().and_then(|first| operand_root(first)) {
                    for instance in &mut state.instances {
                        if instance.held_by(root) && instance.element.is_none() {
                            instance.holder = Root::Temp(dest);
                        }
                    }
                }
            }
            return;
        };
        let pool = summary.acquires.iter().find_map(|acquire| {
            let key = self.caller_pool_key(operands, acquire, dest)?;
            Some(PoolInfo {
                id: acquire.pool?,
                key,
            })
        });
        self.acquire(state, dest, None, Some(resource), pool, span, block, path);
    }

    /// The summary of the workspace function the call defining `dest`
    /// calls (not this body's own: recursion adds nothing).
    pub(super) fn summary_for(&self, dest: TempId) -> Option<&'a FnSummary> {
        let func = called_function(&self.fcx, dest)?;
        if func.file == self.file.file.file && func.index == self.body {
            return None;
        }
        self.file.summaries.get(func)
    }
}
