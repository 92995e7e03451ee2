//! Where code decides not to commit: a branch whose other arm commits or
//! rolls back the transaction and then goes on with the code after the
//! branch, taken on a path that does no more work on it. `if ok {
//! tx.commit().await? }` lets the transaction roll back when `ok` is false,
//! on purpose; a commit forgotten after the branch, work done after it, or
//! an arm that commits and returns (`if all { tx.commit()?; return Ok(n) }
//! Ok(n)`, where the other path's exit is its own) is still reported.

use super::*;
use crate::model::{Edge, FnIr};

/// The method calls of a body on a whole local (`tx.commit()`), by local
/// then block: what an arm does to a binding is a range of it.
pub(super) struct LocalCalls<'a> {
    calls: Vec<(LocalId, BlockId, &'a str)>,
    /// Whether the arm entered at a block can reach the code after its
    /// branch, per arm asked about.
    falls_through: FxHashMap<BlockId, bool>,
}

impl<'a> LocalCalls<'a> {
    pub(super) fn of(ir: &'a FnIr) -> Self {
        let mut calls = Vec::new();
        for (block_id, block) in ir.blocks.iter().enumerate() {
            for op in &block.ops {
                let OpKind::Call {
                    callee: Callee::Method { receiver, name },
                    ..
                } = &op.kind
                else {
                    continue;
                };
                if let Operand::Place { place, .. } = receiver {
                    if let (PlaceRoot::Local(local), true) = (&place.root, place.fields.is_empty())
                    {
                        calls.push((*local, block_id as BlockId, name.as_str()));
                    }
                }
            }
        }
        calls.sort_unstable();
        LocalCalls {
            calls,
            falls_through: FxHashMap::default(),
        }
    }

    /// Whether the arm entered at `entry` can go on past its branch: some
    /// path through its own blocks reaches the join.
    fn falls_through(&mut self, ir: &FnIr, entry: BlockId) -> bool {
        if let Some(&known) = self.falls_through.get(&entry) {
            return known;
        }
        let Some(arm) = ir.arm(entry).copied() else {
            return false;
        };
        let inside = |block: BlockId| block == entry || (arm.inner.0..arm.inner.1).contains(&block);
        let mut seen = FxHashSet::default();
        let mut stack = vec![entry];
        let mut reaches = false;
        while let Some(block) = stack.pop() {
            if !seen.insert(block) {
                continue;
            }
            let Some(at) = ir.blocks.get(block as usize) else {
                continue;
            };
            let next: Vec<BlockId> = match &at.term {
                Terminator::Jump(edges) => edges.iter().map(|e| e.target).collect(),
                Terminator::Try { ok, .. } => vec![*ok],
                Terminator::Exit { .. } | Terminator::Unreachable => Vec::new(),
            };
            for target in next {
                if target == arm.join {
                    reaches = true;
                } else if inside(target) {
                    stack.push(target);
                }
            }
            if reaches {
                break;
            }
        }
        self.falls_through.insert(entry, reaches);
        reaches
    }

    /// Whether a method named in `methods` is called on `local` in the arm
    /// entered at `entry`.
    fn in_arm(&self, ir: &FnIr, entry: BlockId, local: LocalId, methods: &[String]) -> bool {
        let Some(arm) = ir.arm(entry) else {
            return false;
        };
        let from = self.calls.partition_point(|c| c.0 < local);
        let to = self.calls.partition_point(|c| c.0 <= local);
        let of_local = &self.calls[from..to];
        // The entry block, then the range lowered after it.
        let within = |start: BlockId, end: BlockId| {
            let at = of_local.partition_point(|c| c.1 < start);
            of_local[at..]
                .iter()
                .take_while(|c| c.1 < end)
                .any(|c| calls::method_listed(methods, c.2))
        };
        within(entry, entry + 1) || within(arm.inner.0, arm.inner.1)
    }
}

impl<'s, 'f, 'a> Explorer<'s, 'f, 'a> {
    /// On the edge `taken` of a branch: a transaction with work that another
    /// arm commits or rolls back, and this arm does not, is let go on purpose
    /// here, unless more work is done on it later.
    pub(super) fn decline(&mut self, state: &mut State, edges: &[Edge], taken: usize) {
        if edges.len() < 2 {
            return;
        }
        let ir = self.ir();
        for n in 0..state.instances.len() {
            let instance = &state.instances[n];
            let Some(local) = instance.binding else {
                continue;
            };
            if !instance.used || instance.holder != Root::Local(local) {
                continue;
            }
            let tracked = &self.shared.tracked[instance.tracked as usize];
            let (ConnectionKind::Resource(ResourceKind::Transaction), Some(resource)) =
                (tracked.connection, tracked.resource)
            else {
                continue;
            };
            let release = &self.table().resource(resource).release;
            let calls = self.local_calls.get_or_insert_with(|| LocalCalls::of(ir));
            if calls.in_arm(ir, edges[taken].target, local, release) {
                continue;
            }
            let decided = edges.iter().enumerate().any(|(other, edge)| {
                other != taken
                    && calls.in_arm(ir, edge.target, local, release)
                    && calls.falls_through(ir, edge.target)
            });
            if decided {
                state.instances[n].used = false;
            }
        }
    }
}
