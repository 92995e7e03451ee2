//! Calls: the ones that acquire, release, leak, drop, spawn or build a pool,
//! and the ones that only pass a connection along.

use super::*;

impl<'s, 'f, 'a> Explorer<'s, 'f, 'a> {
    // ----- calls ----------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    pub(super) fn apply_call(
        &mut self,
        dest: TempId,
        callee: &Callee,
        args: &[Operand],
        span: Span,
        block: BlockId,
        state: &mut State,
        path: &mut Rc<PathNode>,
    ) {
        match callee {
            Callee::Path(_) | Callee::Macro(_) => {
                // The workspace's own functions and constructors match no
                // pack entry: an empty path.
                let resolved = self
                    .fcx
                    .call_path(callee, dest, self.file)
                    .unwrap_or_default();
                self.apply_path_call(dest, &resolved, args, span, block, state, path);
            }
            Callee::Method { receiver, name } => {
                self.apply_method_call(dest, receiver, name, args, span, block, state, path)
            }
            Callee::Value(function) => {
                self.mark_used(state, function);
                for arg in args {
                    self.escape(state, arg);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn apply_path_call(
        &mut self,
        dest: TempId,
        resolved: &[Name],
        args: &[Operand],
        span: Span,
        block: BlockId,
        state: &mut State,
        path: &mut Rc<PathNode>,
    ) {
        let core = &self.table().core;
        let name = resolved.join("::");
        if let Some(summary) = self.summary_for(dest) {
            let operands: Vec<&Operand> = args.iter().collect();
            self.summary_keeps(state, summary, &operands);
        }
        if self.file.core_role(resolved, &core.drop) {
            for arg in args {
                let owned = self.owned(state, arg);
                self.drop_indices(state, owned, span, path, ExitHow::ExplicitDrop, true);
            }
            return;
        }
        if self.file.core_role(resolved, &core.forget)
            || self.file.core_role(resolved, &core.box_leak)
        {
            for arg in args {
                for n in self.owned(state, arg).into_iter().rev() {
                    let instance = state.instances.remove(n);
                    self.leak(&instance, &format!("`{name}`"), span, path);
                }
            }
            return;
        }
        // `std::mem::take(&mut pending)`: what `pending` held is the
        // result's now, and `pending` is empty.
        if self.file.core_role(resolved, &core.take) {
            if let Some(from) = args.first().and_then(operand_root) {
                for instance in &mut state.instances {
                    if instance.held_by(from) {
                        instance.holder = Root::Temp(dest);
                    }
                }
            }
            return;
        }
        if self.file.core_role(resolved, &core.manually_drop) {
            for arg in args {
                for n in self.owned(state, arg) {
                    state.instances[n].manually_dropped = Some(span);
                    state.instances[n].holder = Root::Temp(dest);
                }
            }
            return;
        }
        if self.file.core_role(resolved, &core.manually_drop_release) {
            let keeps_value = resolved.last().is_some_and(|s| s != "drop");
            for arg in args {
                for n in self.reached(state, arg).into_iter().rev() {
                    state.instances[n].manually_dropped = None;
                    if keeps_value {
                        state.instances[n].holder = Root::Temp(dest);
                    } else {
                        state.instances.remove(n);
                    }
                }
            }
            return;
        }
        if self.file.core_role(resolved, &core.spawn) {
            for arg in args {
                self.spawn(state, arg, span, path);
            }
            return;
        }
        // Pack calls written as paths: `Object::take(conn)`, `Transaction::commit(tx)`.
        let mut handled = false;
        for arg in args {
            for n in self.reached(state, arg).into_iter().rev() {
                let Some(resource) =
                    self.shared.tracked[state.instances[n].tracked as usize].resource
                else {
                    continue;
                };
                let spec = self.table().resource(resource);
                if spec.leak.iter().any(|e| name_matches(resolved, e, false)) {
                    let instance = state.instances.remove(n);
                    let method = resolved.last().map_or(name.as_str(), Name::as_str);
                    self.leak_by_call(&instance, method, &format!("`{name}`"), span, path);
                    handled = true;
                } else if spec
                    .release
                    .iter()
                    .any(|e| name_matches(resolved, e, false))
                {
                    state.instances.remove(n);
                    handled = true;
                }
            }
        }
        if handled {
            return;
        }
        // The configuration's own acquire entries name workspace functions.
        let acquired = self.file.path_acquire(resolved).or_else(|| {
            let own = self.fcx.workspace_call_path(dest)?;
            self.file.path_acquire_in(&own, true)
        });
        if let Some(acquired) = acquired {
            let pool = args
                .iter()
                .find_map(|arg| match self.fcx.operand_fact(arg, self.file) {
                    TempFact::Pool(info) => Some(info),
                    _ => None,
                });
            if let Some(pool) = &pool {
                self.nested_check(state, &pool.key, span, path, false, Some(dest));
            }
            for arg in args {
                self.mark_used(state, arg);
            }
            self.acquire_each(state, dest, acquired, pool, span, block, path);
            return;
        }
        if let TempFact::NewPool(pool) = self.fcx.temp_fact(dest).clone() {
            self.build_pool(state, dest, pool, span, block, path);
            return;
        }
        if let Some(summary) = self.summary_for(dest) {
            let operands: Vec<&Operand> = args.iter().collect();
            self.summary_acquires(state, summary, &operands, dest, span, path);
            self.record_passes(state, summary, &operands, span, path);
            for (position, arg) in args.iter().enumerate() {
                let reads = summary.reads_only.get(position).copied().unwrap_or(false);
                self.pass_to_callee(state, arg, dest, reads);
            }
            self.summary_returns(state, summary, &operands, dest, span, block, path);
            return;
        }
        let constructs = matches!(self.fcx.call_target(dest), Some(CallTarget::Constructor(_)))
            || self.file.core_role(resolved, &core.wrap)
            || resolved
                .last()
                .and_then(|s| s.chars().next())
                .is_some_and(|c| c.is_uppercase());
        for (position, arg) in args.iter().enumerate() {
            if constructs {
                self.move_into(state, arg, Root::Temp(dest));
            } else {
                let reads = self.only_reads(dest, position);
                self.pass_to_callee(state, arg, dest, reads);
            }
        }
    }

    /// Whether the call defining `dest` only reads through the operand at
    /// `position` (in the callee's parameter order): a workspace function
    /// whose summary says so, or a statement known to only read.
    pub(super) fn only_reads(&self, dest: TempId, position: usize) -> bool {
        if let Some(summary) = self.summary_for(dest) {
            return summary.reads_only.get(position).copied().unwrap_or(false);
        }
        if matches!(self.fcx.call_target(dest), Some(CallTarget::Func(..))) {
            return false;
        }
        crate::flow::writes::statement_writes_at(&self.fcx, self.file, dest) == Some(false)
    }

    /// Whether a method called on a value that holds a connection hands the
    /// value on to its result: error conversions (`map_err`, `context`),
    /// wrapping (`.map(Some)`, `.map(Wrapper)`, `.map(|inner| Self { inner })`),
    /// and the workspace's own functions whose result is what they were
    /// given (`.into_core()` on a `Result<T, _>` giving `Result<T, _>`).
    pub(super) fn passes_on(&self, dest: TempId, name: &str, args: &[Operand]) -> bool {
        let core = &self.table().core;
        if core.passthrough_methods.iter().any(|m| m == name) {
            return true;
        }
        if let Some(CallTarget::Func(func, _)) = self.fcx.call_target(dest) {
            return self.file.semantics.passed_through(*func) == Some(0)
                || self
                    .file
                    .summaries
                    .get(*func)
                    .is_some_and(|summary| summary.hands_out || summary.returns_receiver);
        }
        if !matches!(name, "map" | "and_then" | "map_or_else" | "then") {
            return false;
        }
        match args.first() {
            Some(Operand::Place {
                place:
                    Place {
                        root: PlaceRoot::Path(path),
                        fields,
                    },
                ..
            }) if fields.is_empty() => {
                let resolved = self.file.written_path(path);
                self.file.core_role(&resolved, &core.wrap)
                    || resolved
                        .last()
                        .and_then(|s| s.chars().next())
                        .is_some_and(char::is_uppercase)
            }
            // A closure given the value: what it makes of it is the result.
            Some(Operand::Temp(temp)) => {
                matches!(self.fcx.def_of(*temp), Some(OpKind::Closure { .. }))
            }
            _ => false,
        }
    }

    /// An unknown function: a connection given by value is no longer ours; one
    /// given by reference is used, and the result may borrow from it.
    /// A connection given to a function: given by value, it is no longer
    /// ours; by reference, it is used (a statement that may write, unless
    /// `reads`), and the result may borrow from it.
    pub(super) fn pass_to_callee(
        &mut self,
        state: &mut State,
        arg: &Operand,
        dest: TempId,
        reads: bool,
    ) {
        let owned = self.owned(state, arg);
        for n in owned.into_iter().rev() {
            let instance = state.instances.remove(n);
            self.hand_over(instance);
        }
        let reached = self.reached(state, arg);
        if reads && !reached.is_empty() {
            // Awaiting what it returns reads too.
            self.read_only_temps.insert(dest);
        }
        if !reads {
            let tracked: Vec<u32> = reached
                .iter()
                .map(|&n| state.instances[n].tracked)
                .collect();
            self.record_work(dest, tracked);
        }
        for n in reached {
            let instance = &mut state.instances[n];
            instance.used |= !reads;
            if !instance.borrowers.contains(&Root::Temp(dest)) {
                instance.borrowers.push(Root::Temp(dest));
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn apply_method_call(
        &mut self,
        dest: TempId,
        receiver: &Operand,
        name: &str,
        args: &[Operand],
        span: Span,
        block: BlockId,
        state: &mut State,
        path: &mut Rc<PathNode>,
    ) {
        let core = &self.table().core;
        // 1. A method on a connection.
        let on_connection = self.reached(state, receiver);
        if matches!(name, "clone" | "to_owned") {
            for &n in &on_connection {
                let tracked = &self.shared.tracked[state.instances[n].tracked as usize];
                if tracked.connection == ConnectionKind::Pool {
                    state.instances[n].shared = true;
                }
            }
        }
        if !on_connection.is_empty() {
            self.runs_endless_closure(state, &on_connection, args, span, path);
        }
        if let Some(&n) = on_connection.first() {
            self.database_temps.insert(dest);
            let tracked = self.shared.tracked[state.instances[n].tracked as usize].clone();
            // Leaks and releases take the connection itself; a value that
            // only borrows from it (rows, a statement) has its own methods.
            let holds = state.instances[n]
                .held_by(operand_root(receiver).unwrap_or(Root::Temp(u32::MAX)))
                || matches!(receiver, Operand::Place { mode: Mode::Receiver | Mode::Value, place: Place { root: PlaceRoot::Local(local), .. } } if state.instances[n].binding == Some(*local));
            // `pool.close().await`: a pool closed before it goes.
            if tracked.connection == ConnectionKind::Pool
                && self
                    .table()
                    .packs
                    .iter()
                    .flat_map(|pack| &pack.pools)
                    .any(|pool| pool.close_methods.iter().any(|m| m == name))
            {
                state.instances.remove(n);
                return;
            }
            if let (Some(resource), true) = (tracked.resource, holds) {
                let spec = self.table().resource(resource);
                if method_listed(&spec.leak, name) {
                    let instance = state.instances.remove(n);
                    self.leak_by_call(&instance, name, &format!("`.{name}()`"), span, path);
                    return;
                }
                if method_listed(&spec.release, name) {
                    state.instances.remove(n);
                    return;
                }
                if let Some(derived) = self
                    .acquire_from_resource(resource, name)
                    .filter(|_| !self.takes_closure(args))
                {
                    state.instances[n].used = true;
                    self.acquire(
                        state,
                        dest,
                        None,
                        Some(derived),
                        tracked.pool.clone(),
                        span,
                        block,
                        path,
                    );
                    return;
                }
            }
            let owns =
                state.instances[n].holder == operand_root(receiver).unwrap_or(Root::Temp(u32::MAX));
            // A pool being built, still a temporary, is only ever wrapped
            // on its way to a binding (`.build(m).map_res("..")?`): a
            // project's own error conversions pass it on too.
            let pool_in_temporary =
                tracked.connection == ConnectionKind::Pool && matches!(receiver, Operand::Temp(_));
            let callee = match self.fcx.call_target(dest) {
                Some(CallTarget::Func(func, _)) => self.file.summaries.get(*func),
                _ => None,
            };
            if owns && (pool_in_temporary || self.passes_on(dest, name, args)) {
                // A workspace method that works in the value on its way
                // through (`note.add(text)` giving back `Self`) did work.
                let worked = callee
                    .is_some_and(|summary| !summary.reads_only.first().copied().unwrap_or(false));
                // Every connection the value holds goes along (both halves
                // of `connect(..).await.map_err(..)`).
                let from = operand_root(receiver);
                for instance in &mut state.instances {
                    if from.is_some_and(|root| instance.held_by(root)) {
                        instance.holder = Root::Temp(dest);
                        instance.used |= worked;
                    }
                }
                return;
            }
            // A workspace method that takes the value by `self` and gives
            // back something else consumes it (`unit.finish()` commits
            // inside): what happens to it is the method's.
            if owns && callee.is_some_and(|summary| summary.takes_self) {
                self.escape(state, receiver);
                return;
            }
            if is_executor_method(self.file, name) {
                let sql = args.iter().find_map(|a| match a {
                    Operand::Str(sql) => Some(*sql),
                    _ => None,
                });
                if let Some(sql) = &sql {
                    self.raw_sql(&mut state.instances[n], sql, dest);
                }
            }
            // A reborrow (`tx.as_mut()`) is not a use: what the borrow is
            // given to decides.
            let reborrow = matches!(
                name,
                "as_mut" | "as_ref" | "deref" | "deref_mut" | "borrow" | "borrow_mut" | "by_ref"
            );
            let reads_only = reborrow || self.only_reads(dest, 0);
            if !reads_only {
                let tracked: Vec<u32> = on_connection
                    .iter()
                    .map(|&m| state.instances[m].tracked)
                    .collect();
                self.record_work(dest, tracked);
            }
            if reads_only {
                self.read_only_temps.insert(dest);
            }
            for &m in &on_connection {
                let instance = &mut state.instances[m];
                instance.used |= !reads_only;
                if !instance.borrowers.contains(&Root::Temp(dest)) {
                    instance.borrowers.push(Root::Temp(dest));
                }
            }
            if !reads_only {
                for arg in args {
                    self.mark_used(state, arg);
                }
            }
            return;
        }

        // 2. A method on a pool or a pool builder.
        match self.fcx.operand_fact(receiver, self.file) {
            TempFact::Pool(info) => {
                if let Some(resource) = self.file.acquire_from_pool(info.id, name) {
                    self.nested_check(state, &info.key, span, path, false, Some(dest));
                    self.acquire(
                        state,
                        dest,
                        None,
                        Some(resource),
                        Some(info),
                        span,
                        block,
                        path,
                    );
                    return;
                }
                if self
                    .table()
                    .pool(info.id)
                    .executor_methods
                    .iter()
                    .any(|m| m == name)
                {
                    self.nested_check(state, &info.key, span, path, true, None);
                    return;
                }
            }
            TempFact::Builder(_) => {
                if let TempFact::NewPool(pool) = self.fcx.temp_fact(dest).clone() {
                    self.build_pool(state, dest, pool, span, block, path);
                    return;
                }
            }
            TempFact::NewPool(_) => {
                // `.await`ed later, or unwrapped: the instance follows the value.
                self.move_into(state, receiver, Root::Temp(dest));
                return;
            }
            _ => {}
        }
        if let TempFact::NewPool(pool) = self.fcx.temp_fact(dest).clone() {
            // A pool-like handle made by a method (`client.get_connection_manager()`).
            self.build_pool(state, dest, pool, span, block, path);
            return;
        }
        // `config.connect(..)`: an acquire entry written as a path call on
        // the receiver's declared type.
        let acquired = match self.fcx.operand_type_path(receiver) {
            Some(mut written) => {
                written.push(Name::from(name));
                self.file.path_acquire(&written)
            }
            None => self
                .fcx
                .workspace_call_path(dest)
                .and_then(|own| self.file.path_acquire_in(&own, true)),
        };
        if let Some(acquired) = acquired {
            self.mark_used(state, receiver);
            self.acquire_each(state, dest, acquired, None, span, block, path);
            return;
        }
        // A connection the caller owns, known by its declared type
        // (`client: &mut Client`): what it opens is ours.
        if let Some(owner) = self.fcx.operand_resource(receiver, self.file) {
            if let Some(derived) = self
                .acquire_from_resource(owner, name)
                .filter(|_| !self.takes_closure(args))
            {
                self.database_temps.insert(dest);
                self.acquire(state, dest, None, Some(derived), None, span, block, path);
                return;
            }
        }

        // A workspace function with a summary: what it acquires from the
        // pools it is given, and the connection it returns.
        let method_callee = Callee::Method {
            receiver: receiver.clone(),
            name: Name::from(name),
        };
        let summary = self.summary_for(dest);
        if let Some(summary) = summary {
            let operands = call_operands(&method_callee, args);
            self.summary_keeps(state, summary, &operands);
            self.summary_acquires(state, summary, &operands, dest, span, path);
            self.record_passes(state, summary, &operands, span, path);
        }

        // 3. Connections given as arguments.
        let receiver_fact = self.fcx.operand_fact(receiver, self.file);
        let receiver_is_static = matches!(receiver_fact, TempFact::Static(_));
        let executor = is_executor_method(self.file, name);
        for (position, arg) in args.iter().enumerate() {
            let owned = self.owned(state, arg);
            for n in owned.into_iter().rev() {
                let tracked = self.shared.tracked[state.instances[n].tracked as usize].clone();
                let listed = |entries: &[String]| method_listed(entries, name);
                let release = tracked
                    .resource
                    .is_some_and(|r| listed(&self.table().resource(r).release));
                let leak = tracked
                    .resource
                    .is_some_and(|r| listed(&self.table().resource(r).leak));
                let instance = state.instances.remove(n);
                // A static's cell or collection (`CELL.set(conn)`,
                // `PARKED.lock().unwrap().push(conn)`) outlives everything.
                let stores = core.static_store_methods.iter().any(|m| m == name)
                    || core.collection_insert_methods.iter().any(|m| m == name);
                if receiver_is_static && stores {
                    let TempFact::Static(target) = &receiver_fact else {
                        unreachable!()
                    };
                    self.store_static(&instance, target, span, path);
                } else if core.collection_insert_methods.iter().any(|m| m == name)
                    && self.accumulates(&instance, receiver, block)
                {
                    let collection = operand_text(self.ir(), receiver);
                    self.fact(
                        FactKind::Accumulated {
                            collection: collection.clone(),
                        },
                        &instance,
                        span,
                        path,
                        format!("kept in `{collection}`, which outlives the loop"),
                    );
                } else if leak {
                    self.leak_by_call(&instance, name, &format!("`.{name}()`"), span, path);
                } else if release {
                    // given back explicitly
                } else {
                    if instance.in_closure.is_some() && self.rooted_in_local(receiver) {
                        let step = push_step(path, span, Name::from("kept by this job"));
                        self.stored_jobs.push((instance.clone(), step));
                    }
                    self.hand_over(instance);
                }
            }
            let reads_only = self.only_reads(dest, position + 1);
            if reads_only {
                self.read_only_temps.insert(dest);
            } else {
                let tracked: Vec<u32> = self
                    .reached(state, arg)
                    .iter()
                    .map(|&n| state.instances[n].tracked)
                    .collect();
                self.record_work(dest, tracked);
            }
            for n in self.reached(state, arg) {
                // A query given a connection runs on it, whatever the
                // method is called (`sql_query("BEGIN").execute(&mut conn)`).
                if executor || matches!(receiver_fact, TempFact::Query(_)) {
                    if let TempFact::Query(sql) = &receiver_fact {
                        let sql = *sql;
                        self.raw_sql(&mut state.instances[n], &sql, dest);
                    }
                }
                let instance = &mut state.instances[n];
                instance.used |= !reads_only;
                if !instance.borrowers.contains(&Root::Temp(dest)) {
                    instance.borrowers.push(Root::Temp(dest));
                }
            }
            if executor {
                if let TempFact::Pool(info) = self.fcx.operand_fact(arg, self.file) {
                    self.nested_check(state, &info.key, span, path, true, None);
                }
            }
        }
        if let Some(summary) = summary {
            let operands = call_operands(&method_callee, args);
            self.summary_returns(state, summary, &operands, dest, span, block, path);
        }
    }

    /// An acquire written as a path call: one connection per resource it
    /// gives (both halves of a `(client, connection)` tuple).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn acquire_each(
        &mut self,
        state: &mut State,
        dest: TempId,
        acquired: Vec<(ResourceId, Option<u32>)>,
        pool: Option<PoolInfo>,
        span: Span,
        block: BlockId,
        path: &mut Rc<PathNode>,
    ) {
        for (resource, element) in acquired {
            self.acquire(
                state,
                dest,
                element,
                Some(resource),
                pool.clone(),
                span,
                block,
                path,
            );
        }
    }

    /// A receiver that is, or is made by calls on, a local of this body
    /// (`scheduler.every(h).run(..)`).
    fn rooted_in_local(&self, receiver: &Operand) -> bool {
        let mut cursor = receiver.clone();
        for _ in 0..8 {
            match cursor {
                Operand::Place {
                    place:
                        Place {
                            root: PlaceRoot::Local(local),
                            ..
                        },
                    ..
                } => return self.ir().local_name(local) != "self",
                Operand::Temp(temp) => match self.fcx.def_of(temp) {
                    Some(OpKind::Call {
                        callee: Callee::Method { receiver, .. },
                        ..
                    }) => cursor = receiver.clone(),
                    _ => return false,
                },
                _ => return false,
            }
        }
        false
    }

    /// `conn.transaction(|tx| ..)`: a call given a closure scopes what it
    /// opens to the closure (commit on `Ok`, rollback on `Err`) and returns
    /// the closure's result, never a handle to finish.
    fn takes_closure(&self, args: &[Operand]) -> bool {
        args.iter().any(|arg| {
            matches!(arg, Operand::Temp(temp)
                if matches!(self.fcx.def_of(*temp), Some(OpKind::Closure { .. })))
        })
    }

    /// `conn.begin()`: a resource acquired from another one.
    pub(super) fn acquire_from_resource(
        &self,
        from: ResourceId,
        method: &str,
    ) -> Option<ResourceId> {
        let pack = &self.table().packs[from.pack];
        pack.resources.iter().enumerate().find_map(|(index, spec)| {
            spec.acquire
                .iter()
                .filter_map(|e| split_method_entry(e))
                .any(|(type_name, m)| m == method && self.file.resource_named(from, type_name))
                .then_some(ResourceId {
                    pack: from.pack,
                    index,
                })
        })
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn acquire(
        &mut self,
        state: &mut State,
        dest: TempId,
        element: Option<u32>,
        resource: Option<ResourceId>,
        pool: Option<PoolInfo>,
        span: Span,
        block: BlockId,
        path: &mut Rc<PathNode>,
    ) {
        let Some(resource) = resource else { return };
        let spec = self.table().resource(resource);
        let tracked = Tracked {
            connection: ConnectionKind::Resource(spec.kind),
            resource: Some(resource),
            resource_name: spec.name.clone(),
            site: span,
            pool,
            loop_id: self.ir().blocks[block as usize].loop_id,
            drop_releases: spec.drop_releases,
            body: self.body,
            param: None,
        };
        let id = self.track(tracked, element, false);
        *path = push_step(path, span, Name::from("acquired here"));
        self.start_instance(state, id, dest, element, path.depth);
    }

    pub(super) fn build_pool(
        &mut self,
        state: &mut State,
        dest: TempId,
        pool: PoolId,
        span: Span,
        block: BlockId,
        path: &mut Rc<PathNode>,
    ) {
        let tracked = Tracked {
            connection: ConnectionKind::Pool,
            resource: None,
            resource_name: self.table().pool(pool).name.clone(),
            site: span,
            pool: None,
            loop_id: self.ir().blocks[block as usize].loop_id,
            drop_releases: true,
            body: self.body,
            param: None,
        };
        let id = self.track(tracked, None, true);
        *path = push_step(path, span, Name::from("pool built here"));
        self.start_instance(state, id, dest, None, path.depth);
    }

    pub(super) fn track(&mut self, tracked: Tracked, element: Option<u32>, is_pool: bool) -> u32 {
        let key = (
            tracked.body,
            tracked.site,
            tracked.resource,
            element,
            is_pool,
        );
        if let Some(&id) = self.shared.tracked_ids.get(&key) {
            return id;
        }
        let id = self.shared.tracked.len() as u32;
        self.shared.tracked.push(tracked);
        self.shared.tracked_ids.insert(key, id);
        id
    }

    pub(super) fn start_instance(
        &mut self,
        state: &mut State,
        tracked: u32,
        dest: TempId,
        element: Option<u32>,
        depth: u32,
    ) {
        // A loop that comes back to the same acquire: the previous one is gone.
        state.instances.retain(|i| i.tracked != tracked);
        state.instances.push(Instance {
            tracked,
            holder: Root::Temp(dest),
            element,
            binding: None,
            borrowers: Vec::new(),
            used: false,
            raw_tx: RawTx::Closed,
            manually_dropped: None,
            in_closure: None,
            quiet_await: false,
            shared: false,
            borrowed: false,
            path_start: depth,
        });
        state.instances.sort_by_key(|i| i.tracked);
    }

    pub(super) fn raw_sql(&self, instance: &mut Instance, sql: &str, dest: TempId) {
        let tracked = &self.shared.tracked[instance.tracked as usize];
        if tracked.connection != ConnectionKind::Resource(ResourceKind::Pooled) {
            return;
        }
        let Some(resource) = tracked.resource else {
            return;
        };
        let Some(raw) = &self.table().packs[resource.pack].raw_sql else {
            return;
        };
        let statement = sql.trim_start().to_ascii_uppercase();
        let starts = |words: &[String]| {
            words.iter().any(|w| {
                statement.starts_with(w.as_str())
                    && statement[w.len()..]
                        .chars()
                        .next()
                        .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_')
            })
        };
        if starts(&raw.begin) {
            instance.raw_tx = RawTx::Pending(dest, true);
        } else if starts(&raw.end) {
            instance.raw_tx = RawTx::Pending(dest, false);
        }
    }
}

pub(super) fn operand_text(ir: &FnIr, operand: &Operand) -> String {
    match operand {
        Operand::Place { place, .. } => {
            let mut text = match &place.root {
                PlaceRoot::Local(local) => ir.local_name(*local).to_string(),
                PlaceRoot::Path(path) => path.join("::"),
            };
            for field in &place.fields {
                text.push('.');
                text.push_str(field);
            }
            text
        }
        _ => String::from("a collection"),
    }
}

/// Whether a pack entry list names this method (`Type::method` entries).
pub(super) fn method_listed(entries: &[String], method: &str) -> bool {
    entries
        .iter()
        .any(|e| e.rsplit("::").next() == Some(method))
}
