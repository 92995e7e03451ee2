//! The ops that move, bind, borrow and drop values: how a connection goes
//! from one holder to another within a body.

use super::*;

impl<'s, 'f, 'a> Explorer<'s, 'f, 'a> {
    // ----- ops -----------------------------------------------------------

    pub(super) fn apply(
        &mut self,
        op: &OpKind,
        span: Span,
        block: BlockId,
        state: &mut State,
        path: &mut Rc<PathNode>,
    ) {
        match op {
            OpKind::Call { dest, callee, args } => {
                self.apply_call(*dest, callee, args, span, block, state, path)
            }
            OpKind::Aggregate { dest, kind, fields } => {
                for (position, field) in fields.iter().enumerate() {
                    // A connection built into a tuple is one of its
                    // elements: `let (outcome, tx) = (Err(e), begin())` binds
                    // it to `tx`, not to `outcome`.
                    let element = (*kind == AggregateKind::Tuple && fields.len() > 1)
                        .then_some(position as u32);
                    let before: Vec<bool> = match element {
                        Some(_) => state
                            .instances
                            .iter()
                            .map(|i| i.holder == Root::Temp(*dest))
                            .collect(),
                        None => Vec::new(),
                    };
                    self.move_into(state, field, Root::Temp(*dest));
                    if let Some(element) = element {
                        for (n, instance) in state.instances.iter_mut().enumerate() {
                            let moved_here = instance.holder == Root::Temp(*dest)
                                && !before.get(n).copied().unwrap_or(false);
                            if moved_here && instance.element.is_none() {
                                instance.element = Some(element);
                            }
                        }
                    }
                }
            }
            OpKind::Field { dest, base, field } => {
                for instance in &mut state.instances {
                    // A part of a value that borrows the connection (the
                    // stream of `let (sql, rows) = (q, query.fetch(tx))`) may
                    // borrow it too.
                    if instance.borrowers.contains(&Root::Temp(*base))
                        && !instance.borrowers.contains(&Root::Temp(*dest))
                    {
                        instance.borrowers.push(Root::Temp(*dest));
                    }
                    if instance.holder != Root::Temp(*base) {
                        continue;
                    }
                    match instance.element {
                        None => instance.holder = Root::Temp(*dest),
                        Some(element) if element.to_string() == *field => {
                            instance.holder = Root::Temp(*dest);
                            instance.element = None;
                        }
                        Some(_) => {}
                    }
                }
            }
            OpKind::Move { dest, value } => self.move_into(state, value, Root::Temp(*dest)),
            OpKind::Await {
                dest,
                future,
                mentions,
            } => {
                self.check_await(future, mentions, span, state, path);
                // Awaiting a driver future is what runs it; awaiting the
                // connect future that yields it (an element of its result)
                // is not.
                if let Some(root) = operand_root(future) {
                    let tracked = &self.shared.tracked;
                    state.instances.retain(|i| {
                        !(i.held_by(root)
                            && i.element.is_none()
                            && tracked[i.tracked as usize].connection
                                == ConnectionKind::Resource(ResourceKind::Driver))
                    });
                }
                if let Operand::Temp(temp) = future {
                    // What a future yields is its own value: a query's rows do
                    // not borrow the connection the future used.
                    for instance in &mut state.instances {
                        if instance.holder == Root::Temp(*temp) {
                            instance.holder = Root::Temp(*dest);
                        }
                        if let RawTx::Pending(pending, opens) = instance.raw_tx {
                            if pending == *temp {
                                instance.raw_tx = RawTx::Pending(*dest, opens);
                            }
                        }
                    }
                } else {
                    self.move_into(state, future, Root::Temp(*dest));
                }
            }
            OpKind::Let { local, value } => self.bind(state, *local, value),
            OpKind::Assign { place, value } => self.assign(state, place, value, span, path),
            OpKind::StoreThrough { target, value } => {
                // Through a guard on a static (`*CACHE.lock().unwrap() = v`)
                // it is a static store; through anything else, an unknown place.
                if let TempFact::Static(name) = self.fcx.temp_fact(*target).clone() {
                    for n in self.owned(state, value).into_iter().rev() {
                        let instance = state.instances.remove(n);
                        self.store_static(&instance, &name, span, path);
                    }
                }
                self.escape(state, value);
            }
            OpKind::Closure { dest, body } => self.capture(state, *dest, *body),
            // A loop item: typed for the semantic layer, holding nothing the
            // analysis follows (the loop's use of the iterable is a `Use`).
            OpKind::Element { .. } => {}
            OpKind::Use { operands } => {
                for operand in operands {
                    self.mark_used(state, operand);
                }
            }
            OpKind::Vanish(temp) => state.instances.retain(|i| !i.held_by(Root::Temp(*temp))),
            OpKind::Failed(value) => self.failed(state, value),
            OpKind::VanishLocal(local) => {
                state.instances.retain(|i| !i.held_by(Root::Local(*local)))
            }
            OpKind::StorageDead(local) => {
                let root = Root::Local(*local);
                self.drop_where(
                    state,
                    |i| i.held_by(root),
                    span,
                    path,
                    ExitHow::ScopeEnd,
                    true,
                );
                for instance in &mut state.instances {
                    instance.borrowers.retain(|b| *b != root);
                }
            }
            OpKind::StmtEnd { first_temp } => {
                let first = *first_temp;
                let dies = |root: Root| matches!(root, Root::Temp(t) if t >= first);
                for instance in &mut state.instances {
                    if let RawTx::Pending(temp, opens) = instance.raw_tx {
                        if temp >= first {
                            instance.raw_tx = if opens { RawTx::Open } else { RawTx::Closed };
                        }
                    }
                    instance.borrowers.retain(|b| !dies(*b));
                }
                let _ = block;
                self.drop_where(
                    state,
                    |i| dies(i.holder),
                    span,
                    path,
                    ExitHow::StatementEnd,
                    true,
                );
            }
        }
    }

    /// Instances an operand owns (by value) or reaches (by reference or as a
    /// borrower), as indices into the state.
    pub(super) fn reached(&self, state: &State, operand: &Operand) -> Vec<usize> {
        let Some(root) = operand_root(operand) else {
            return Vec::new();
        };
        state
            .instances
            .iter()
            .enumerate()
            .filter(|(_, i)| i.reached_by(root))
            .map(|(n, _)| n)
            .collect()
    }

    /// Instances moved by a by-value operand.
    pub(super) fn owned(&self, state: &State, operand: &Operand) -> Vec<usize> {
        let moves = match operand {
            Operand::Temp(_) => true,
            Operand::Place { mode, .. } => matches!(mode, Mode::Value | Mode::Receiver),
            _ => false,
        };
        if !moves || !self.moves_a_connection(operand) {
            return Vec::new();
        }
        let Some(root) = operand_root(operand) else {
            return Vec::new();
        };
        state
            .instances
            .iter()
            .enumerate()
            .filter(|(_, i)| i.held_by(root))
            .map(|(n, _)| n)
            .collect()
    }

    /// Whether giving a place by value gives what it holds away: a
    /// reference binding is reborrowed (`helper(txn)` with `txn: &mut
    /// PgConnection` still holds it after), and a field that holds no
    /// connection is read or copied (`.bind(guard.tenant)` leaves `guard`
    /// whole).
    fn moves_a_connection(&self, operand: &Operand) -> bool {
        let Operand::Place {
            place:
                place @ Place {
                    root: PlaceRoot::Local(local),
                    fields,
                },
            ..
        } = operand
        else {
            return true;
        };
        if fields.is_empty() {
            return !matches!(self.fcx.local_ty(*local), crate::semantics::Ty::Ref(..));
        }
        let ty = self.fcx.place_ty(place);
        ty.is_unknown()
            || self.file.resource_type(&ty).is_some()
            || self.file.pool_of(&ty).is_some()
    }

    pub(super) fn move_into(&mut self, state: &mut State, operand: &Operand, to: Root) {
        let by_value = !matches!(
            operand,
            Operand::Place {
                mode: Mode::Ref | Mode::RefMut,
                ..
            }
        );
        let Some(from) = operand_root(operand) else {
            return;
        };
        // A field that holds no connection is copied or moved out alone
        // (`Ok(unit.count)`): the value and its connection stay.
        if matches!(operand, Operand::Place { place, .. } if !place.fields.is_empty())
            && !self.moves_a_connection(operand)
        {
            return;
        }
        for instance in &mut state.instances {
            if by_value && instance.holder == from {
                instance.holder = to;
            } else if instance.reached_by(from) {
                instance.used = true;
                if !instance.borrowers.contains(&to) {
                    instance.borrowers.push(to);
                }
            }
        }
    }

    pub(super) fn mark_used(&self, state: &mut State, operand: &Operand) {
        if let Some(root) = operand_root(operand) {
            for instance in &mut state.instances {
                if instance.reached_by(root) {
                    instance.used = true;
                }
            }
        }
    }

    pub(super) fn bind(&mut self, state: &mut State, local: LocalId, value: &Operand) {
        let target = Root::Local(local);
        let by_reference = matches!(
            value,
            Operand::Place {
                mode: Mode::Ref | Mode::RefMut,
                ..
            }
        );
        let Some(from) = operand_root(value) else {
            return;
        };
        for instance in &mut state.instances {
            if !by_reference && instance.holder == from {
                instance.holder = target;
                if instance.binding.is_none() || matches!(from, Root::Temp(_)) {
                    instance.binding = Some(local);
                }
            } else if instance.reached_by(from) && !instance.borrowers.contains(&target) {
                instance.borrowers.push(target);
            }
        }
    }

    pub(super) fn assign(
        &mut self,
        state: &mut State,
        place: &Place,
        value: &Operand,
        span: Span,
        path: &Rc<PathNode>,
    ) {
        match &place.root {
            PlaceRoot::Local(local) if place.fields.is_empty() => {
                let root = Root::Local(*local);
                self.drop_where(
                    state,
                    |i| i.held_by(root),
                    span,
                    path,
                    ExitHow::Overwritten,
                    true,
                );
                self.move_into(state, value, root);
                for instance in &mut state.instances {
                    if instance.holder == root {
                        instance.binding = Some(*local);
                    }
                }
            }
            PlaceRoot::Path(written) if self.fcx.is_static_path(written) => {
                let target = written.join("::");
                for n in self.owned(state, value).into_iter().rev() {
                    let instance = state.instances.remove(n);
                    self.store_static(&instance, &target, span, path);
                }
            }
            _ => {
                // Moved into a field of something we do not follow.
                self.escape(state, value);
            }
        }
    }

    pub(super) fn capture(&mut self, state: &mut State, dest: TempId, body: FnId) {
        let Some(closure) = self.file.file.functions.get(body as usize) else {
            return;
        };
        for capture in &closure.captures {
            for instance in &mut state.instances {
                if instance.holder == Root::Local(capture.outer) {
                    if capture.by_move {
                        instance.holder = Root::Temp(dest);
                        instance.in_closure = Some((body, capture.inner));
                    } else {
                        instance.used = true;
                    }
                } else if instance.borrowers.contains(&Root::Local(capture.outer)) {
                    instance.used = true;
                }
            }
        }
    }

    /// Moved into something the analysis does not follow: silence, counted.
    pub(super) fn escape(&mut self, state: &mut State, operand: &Operand) {
        for n in self.owned(state, operand).into_iter().rev() {
            let instance = state.instances.remove(n);
            self.hand_over(instance);
        }
        self.mark_used(state, operand);
    }

    /// A connection leaves this body into an unknown place; a closure's
    /// captures are followed inside the closure.
    pub(super) fn hand_over(&mut self, instance: Instance) {
        if let Some((body, inner)) = instance.in_closure {
            self.shared
                .seeds
                .entry(body)
                .or_default()
                .push(Seed { inner, instance });
        } else {
            self.shared.untracked += 1;
        }
    }

    /// The path where a statement's result is an error: the transaction it
    /// ran on is aborted, and what it wrote before is lost whatever happens
    /// next, so dropping it here loses nothing more.
    pub(super) fn failed(&mut self, state: &mut State, value: &Operand) {
        let mut cursor = value.clone();
        for _ in 0..16 {
            let next = match &cursor {
                Operand::Temp(temp) => {
                    if let Some(tracked) = self.work_results.get(temp) {
                        for instance in &mut state.instances {
                            if tracked.contains(&instance.tracked) {
                                instance.used = false;
                            }
                        }
                        return;
                    }
                    self.fcx.source_of(*temp)
                }
                Operand::Place { place, .. } if place.fields.is_empty() => match &place.root {
                    PlaceRoot::Local(local) => self.fcx.local_value(*local).cloned(),
                    PlaceRoot::Path(_) => None,
                },
                _ => None,
            };
            match next {
                Some(next) => cursor = next,
                None => return,
            }
        }
    }

    /// The statement the call defining `dest` runs used these connections.
    pub(super) fn record_work(&mut self, dest: TempId, tracked: impl IntoIterator<Item = u32>) {
        let entry = self.work_results.entry(dest).or_default();
        for id in tracked {
            if !entry.contains(&id) {
                entry.push(id);
            }
        }
    }
}
