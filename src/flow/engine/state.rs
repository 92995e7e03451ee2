//! What the exploration carries: the connections tracked in a body, one
//! live connection on one path (an [`Instance`]), a path's state, and the
//! witness path as a shared linked list.

use super::*;

/// What is known about one acquire site, shared by every path.
#[derive(Debug, Clone)]
pub(super) struct Tracked {
    pub(super) connection: ConnectionKind,
    pub(super) resource: Option<ResourceId>,
    pub(super) resource_name: String,
    pub(super) site: Span,
    pub(super) pool: Option<PoolInfo>,
    pub(super) loop_id: Option<LoopId>,
    pub(super) drop_releases: bool,
    /// The body the acquire is written in.
    pub(super) body: FnId,
    /// A connection parameter followed on behalf of the callers (`conn: &mut
    /// PgConnection`): what happens to it matters only where a caller passes
    /// a pooled connection or transaction in.
    pub(super) param: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Root {
    Local(LocalId),
    Temp(TempId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum RawTx {
    Closed,
    Open,
    /// A `BEGIN` (true) or `COMMIT` (false) whose result is the temporary:
    /// it takes effect once the statement succeeds.
    Pending(TempId, bool),
}

/// One live connection on one path.
#[derive(Debug, Clone)]
pub(super) struct Instance {
    pub(super) tracked: u32,
    pub(super) holder: Root,
    /// Which element of a tuple the holder's value this is.
    pub(super) element: Option<u32>,
    pub(super) binding: Option<LocalId>,
    pub(super) borrowers: Vec<Root>,
    pub(super) used: bool,
    pub(super) raw_tx: RawTx,
    pub(super) manually_dropped: Option<Span>,
    /// Captured by move into this closure / async block (held by its value).
    pub(super) in_closure: Option<(FnId, LocalId)>,
    pub(super) quiet_await: bool,
    /// A pool cloned, or lent to a function that keeps a clone: it lives on
    /// after this body, so it is not a temporary pool.
    pub(super) shared: bool,
    /// Reached through a reference parameter: the caller owns it, so drops
    /// and exits here mean nothing for it.
    pub(super) borrowed: bool,
    /// Path depth at the acquire: witness paths start there.
    pub(super) path_start: u32,
}

/// What makes two instances the same connection state at a block: all but
/// who borrows from it (joined where paths meet) and the path depth (which
/// differs between paths that are otherwise the same, and must not keep
/// loops from converging).
pub(super) type InstanceCore = (
    u32,
    Root,
    Option<u32>,
    Option<LocalId>,
    bool,
    RawTx,
    Option<Span>,
    Option<(FnId, LocalId)>,
    bool,
    bool,
    bool,
);

impl Instance {
    pub(super) fn core(&self) -> InstanceCore {
        (
            self.tracked,
            self.holder,
            self.element,
            self.binding,
            self.used,
            self.raw_tx,
            self.manually_dropped,
            self.in_closure,
            self.quiet_await,
            self.borrowed,
            self.shared,
        )
    }

    pub(super) fn held_by(&self, root: Root) -> bool {
        self.holder == root
    }

    pub(super) fn reached_by(&self, root: Root) -> bool {
        self.holder == root || self.borrowers.contains(&root)
    }
}

#[derive(Debug, Clone, Default)]
pub(super) struct State {
    pub(super) instances: Vec<Instance>,
}

/// A witness path as a shared linked list: paths fork at branches.
#[derive(Debug)]
pub(super) struct PathNode {
    pub(super) step: Option<(Span, Name)>,
    pub(super) parent: Option<Rc<PathNode>>,
    pub(super) depth: u32,
}

pub(super) fn push_step(path: &Rc<PathNode>, span: Span, note: Name) -> Rc<PathNode> {
    Rc::new(PathNode {
        step: Some((span, note)),
        parent: Some(path.clone()),
        depth: path.depth + 1,
    })
}

/// A connection moved into a closure or async block, to be followed inside it.
#[derive(Debug, Clone)]
pub(super) struct Seed {
    pub(super) inner: LocalId,
    pub(super) instance: Instance,
}

pub(super) fn operand_root(operand: &Operand) -> Option<Root> {
    match operand {
        Operand::Temp(temp) => Some(Root::Temp(*temp)),
        Operand::Place {
            place:
                Place {
                    root: PlaceRoot::Local(local),
                    ..
                },
            ..
        } => Some(Root::Local(*local)),
        _ => None,
    }
}

pub(super) fn rename_borrower(instance: &mut Instance, from: Root, to: Root) {
    for borrower in &mut instance.borrowers {
        if *borrower == from {
            *borrower = to;
        }
    }
}
