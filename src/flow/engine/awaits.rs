//! Awaits: which ones wait on something other than the connections held.

use super::*;

impl<'s, 'f, 'a> Explorer<'s, 'f, 'a> {
    // ----- awaits ---------------------------------------------------------

    pub(super) fn check_await(
        &mut self,
        future: &Operand,
        mentions: &[LocalId],
        span: Span,
        state: &mut State,
        path: &Rc<PathNode>,
    ) {
        let future_root = operand_root(future);
        let related_to = |instance: &Instance| {
            future_root.is_some_and(|root| instance.reached_by(root))
                || mentions
                    .iter()
                    .any(|l| instance.reached_by(Root::Local(*l)))
        };
        // Work on another connection is database work too: a second
        // connection from the same pool is `nested-acquire`'s business.
        let database_work = self.is_database_work(future, mentions)
            || state.instances.iter().any(|i| {
                i.in_closure.is_none()
                    && matches!(
                        self.shared.tracked[i.tracked as usize].connection,
                        ConnectionKind::Resource(_)
                    )
                    && related_to(i)
            });
        let mut unrelated = Vec::new();
        for instance in &mut state.instances {
            let tracked = &self.shared.tracked[instance.tracked as usize];
            let held_for_callers = tracked.param.is_some();
            if !held_for_callers
                && !matches!(
                    tracked.connection,
                    ConnectionKind::Resource(ResourceKind::Pooled | ResourceKind::Transaction)
                )
            {
                continue;
            }
            if instance.in_closure.is_some() || !matches!(instance.holder, Root::Local(_)) {
                continue;
            }
            if related_to(instance) {
                let reads = matches!(future, Operand::Temp(t) if self.read_only_temps.contains(t));
                instance.used |= !reads;
                continue;
            }
            if !database_work && !instance.quiet_await {
                unrelated.push(instance.clone());
            }
        }
        // A program's start-up or an operator command: nothing else waits
        // for the pool while it runs.
        if unrelated.is_empty() || self.in_one_shot() {
            return;
        }
        // Only a slow wait (network, timer, process, storage, retry) or one
        // no pack knows starves the pool; an in-memory one is over at once.
        let wait =
            crate::flow::waits::classify_await(&self.fcx, self.file, self.file.summaries, future);
        if !wait.matters() {
            return;
        }
        let waits_on = wait.describe();
        let note = match &waits_on {
            Some(what) => format!("still held while this `.await` waits on {what}"),
            None => String::from("still held while this `.await` waits on something else"),
        };
        for instance in unrelated {
            let before = self.shared.facts.len();
            let awaits_before = self.shared.param_awaits.len();
            self.fact(
                FactKind::HeldAcrossAwait,
                &instance,
                span,
                path,
                note.clone(),
            );
            if let Some(fact) = self.shared.facts.get_mut(before) {
                fact.waits_on.clone_from(&waits_on);
            }
            if let Some(held) = self.shared.param_awaits.get_mut(awaits_before) {
                held.fact.waits_on.clone_from(&waits_on);
            }
        }
    }

    /// Awaiting a query or an acquire is database work, not an unrelated wait:
    /// the nested-acquire lint speaks for a second connection from the same pool.
    pub(super) fn is_database_work(&self, future: &Operand, mentions: &[LocalId]) -> bool {
        if mentions.iter().any(|l| {
            self.fcx
                .local_pools
                .get(*l as usize)
                .is_some_and(Option::is_some)
        }) {
            return true;
        }
        let Operand::Temp(temp) = future else {
            return false;
        };
        if self.database_temps.contains(temp) {
            return true;
        }
        let mut cursor = *temp;
        for _ in 0..8 {
            match self.fcx.temp_fact(cursor) {
                TempFact::Pool(_)
                | TempFact::NewPool(_)
                | TempFact::Builder(_)
                | TempFact::Query(_) => return true,
                _ => {}
            }
            let Some(OpKind::Call { callee, args, .. }) = self.fcx.def_of(cursor) else {
                return false;
            };
            // A workspace function that queries a pool: `nested-acquire`
            // speaks for it when it is the same pool.
            if self
                .summary_for(cursor)
                .is_some_and(|summary| !summary.acquires.is_empty())
            {
                return true;
            }
            let mentions_pool = args
                .iter()
                .any(|arg| matches!(self.fcx.operand_fact(arg, self.file), TempFact::Pool(_)));
            if mentions_pool {
                return true;
            }
            match callee {
                Callee::Method { receiver, name } => {
                    if is_executor_method(self.file, name) {
                        return true;
                    }
                    if let TempFact::Pool(_) | TempFact::Query(_) =
                        self.fcx.operand_fact(receiver, self.file)
                    {
                        return true;
                    }
                    match receiver {
                        Operand::Temp(next) => cursor = *next,
                        _ => return false,
                    }
                }
                Callee::Path(_) | Callee::Macro(_) => {
                    return self
                        .fcx
                        .call_path(callee, cursor, self.file)
                        .is_some_and(|resolved| self.file.path_acquire(&resolved).is_some());
                }
                Callee::Value(_) => return false,
            }
        }
        false
    }
}
