//! What an awaited future waits on: a network call, a timer, a process, a
//! retry (slow: a connection held meanwhile starves its pool), an
//! in-memory channel, lock or yield (fast: not worth a report), or
//! something no pack knows (reported, as before). Another crate's call is
//! classified by the packs' `[[await]]` groups; a workspace function by
//! what its own body awaits, through its callees (see
//! [`crate::flow::summaries`]).

use super::resolve::{FileContext, FnContext};
use super::summaries::Summaries;
use crate::model::Name;
use crate::model::{Callee, OpKind, Operand, PlaceRoot, TempId};
use crate::packs::AwaitKind;
use crate::semantics::infer::CallTarget;

/// Calls followed back from an awaited value to the chain it came from.
const CHAIN_DEPTH: usize = 16;

/// What a future waits on, from the most to the least telling.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Wait {
    /// It awaits nothing.
    #[default]
    Nothing,
    /// Only in-memory waits: channels, locks, yields, local caches.
    Fast,
    /// Something no pack knows: another crate's async call, a body that
    /// was not read.
    Unknown,
    /// A network call, a timer, a process, storage or a retry: `what` names
    /// it ("HTTP request"), `inside` the workspace function it is written
    /// in when it is reached through calls.
    Slow {
        what: String,
        inside: Option<String>,
    },
}

impl Wait {
    /// Two waits one after the other: the slow one tells most.
    pub fn join(self, other: Wait) -> Wait {
        match (self, other) {
            (slow @ Wait::Slow { .. }, _) | (_, slow @ Wait::Slow { .. }) => slow,
            (Wait::Unknown, _) | (_, Wait::Unknown) => Wait::Unknown,
            (Wait::Fast, _) | (_, Wait::Fast) => Wait::Fast,
            _ => Wait::Nothing,
        }
    }

    /// Whether holding a connection across it starves the pool, as far as
    /// can be told: slow, or not known.
    pub fn matters(&self) -> bool {
        matches!(self, Wait::Slow { .. } | Wait::Unknown)
    }

    /// "the HTTP request in `push::send`", for messages.
    pub fn describe(&self) -> Option<String> {
        match self {
            Wait::Slow {
                what,
                inside: Some(inside),
            } => Some(format!("the {what} in `{inside}`")),
            Wait::Slow { what, inside: None } => Some(format!("the {what}")),
            _ => None,
        }
    }
}

/// What the awaited value `future` waits on.
pub fn classify_await(
    fcx: &FnContext,
    file: &FileContext,
    summaries: &Summaries,
    future: &Operand,
) -> Wait {
    let Some(call) = origin_call(fcx, future) else {
        return by_future_type(fcx, file, future);
    };
    classify_call(fcx, file, summaries, call, 0)
}

/// What the call defining `dest` waits on when its result is awaited.
fn classify_call(
    fcx: &FnContext,
    file: &FileContext,
    summaries: &Summaries,
    dest: TempId,
    depth: usize,
) -> Wait {
    let Some(OpKind::Call { callee, args, .. }) = fcx.def_of(dest) else {
        return Wait::Unknown;
    };
    match fcx.call_target(dest) {
        Some(CallTarget::Func(func, _)) => {
            let Some(summary) = summaries.get(*func) else {
                return Wait::Unknown;
            };
            match &summary.waits {
                Wait::Slow { what, inside: None } => Wait::Slow {
                    what: what.clone(),
                    inside: Some(display_name(file, *func).to_string()),
                },
                other => other.clone(),
            }
        }
        Some(CallTarget::Constructor(_)) => Wait::Nothing,
        Some(CallTarget::External(path)) => {
            let class = file
                .table
                .await_kind(path)
                .or_else(|| chain_class(fcx, file, callee, dest));
            from_class(fcx, file, summaries, class, args, depth)
        }
        None => {
            // A path the semantic layer could not resolve (a crate the
            // manifests do not list), as written.
            let class = fcx
                .call_path(callee, dest, file)
                .and_then(|path| file.table.await_kind(&path))
                .or_else(|| chain_class(fcx, file, callee, dest));
            match class {
                Some(_) => from_class(fcx, file, summaries, class, args, depth),
                None => Wait::Unknown,
            }
        }
    }
}

/// A workspace function's name as a reader finds it: `mail::send_invite`.
fn display_name(file: &FileContext, func: crate::semantics::FuncLoc) -> crate::model::Name {
    let path = file.semantics.function_path(func);
    // Without the crate's own name: the module and the function.
    let start = path.len().saturating_sub(2);
    crate::model::Name::from(path[start..].join("::"))
}

fn from_class(
    fcx: &FnContext,
    file: &FileContext,
    summaries: &Summaries,
    class: Option<super::effects::AwaitClass<'_>>,
    args: &[Operand],
    depth: usize,
) -> Wait {
    let Some(class) = class else {
        return Wait::Unknown;
    };
    // `timeout(d, future)`: what the future waits on, when that is known.
    if let Some(position) = class.waits_on_argument {
        if depth < CHAIN_DEPTH {
            if let Some(inner) = args.get(position).and_then(|arg| origin_call(fcx, arg)) {
                let wait = classify_call(fcx, file, summaries, inner, depth + 1);
                if wait != Wait::Unknown {
                    return wait;
                }
            }
        }
    }
    match class.kind.is_slow() {
        Some(true) => Wait::Slow {
            what: class.what.to_string(),
            inside: None,
        },
        Some(false) => Wait::Fast,
        None => waiting_on_a_task(class),
    }
}

/// Waiting for another task: for a message on a channel, which may not come
/// for minutes (a transaction left open meanwhile is the classic outbox
/// mistake); for a task's end, as long as the task takes.
fn waiting_on_a_task(class: super::effects::AwaitClass<'_>) -> Wait {
    match class.kind {
        AwaitKind::ChannelReceive => Wait::Slow {
            what: class.what.to_string(),
            inside: None,
        },
        _ => Wait::Unknown,
    }
}

/// A builder chain whose middle types are not known: its first call and the
/// awaited method (`client.post(url).json(&body).send()`).
fn chain_class<'t>(
    fcx: &FnContext,
    file: &FileContext<'t>,
    callee: &Callee,
    dest: TempId,
) -> Option<super::effects::AwaitClass<'t>> {
    let Callee::Method { receiver, name } = callee else {
        return None;
    };
    let start = chain_start(fcx, file, receiver, 0).or_else(|| {
        // A chain of one call on a value whose type is known.
        let path = fcx.operand_type_path(receiver)?;
        Some(path)
    })?;
    let _ = dest;
    file.table.await_kind_of_chain(&start, name)
}

/// The resolved path of the first call of a chain.
fn chain_start(
    fcx: &FnContext,
    file: &FileContext,
    operand: &Operand,
    depth: usize,
) -> Option<Vec<Name>> {
    if depth > CHAIN_DEPTH {
        return None;
    }
    let temp = match operand {
        Operand::Temp(temp) => *temp,
        Operand::Place { place, .. } if place.fields.is_empty() => match &place.root {
            PlaceRoot::Local(local) => match fcx.local_value(*local)? {
                Operand::Temp(temp) => *temp,
                _ => return None,
            },
            PlaceRoot::Path(_) => return None,
        },
        _ => return None,
    };
    match fcx.def_of(temp)? {
        OpKind::Call { callee, .. } => {
            if let Callee::Method { receiver, .. } = callee {
                if let Some(start) = chain_start(fcx, file, receiver, depth + 1) {
                    return Some(start);
                }
            }
            match fcx.call_target(temp) {
                Some(CallTarget::External(path)) => Some(path.clone()),
                _ => fcx.call_path(callee, temp, file),
            }
        }
        _ => chain_start(fcx, file, &fcx.source_of(temp)?, depth + 1),
    }
}

/// The call whose result an awaited operand is: through moves and locals.
fn origin_call(fcx: &FnContext, operand: &Operand) -> Option<TempId> {
    let mut cursor = operand.clone();
    for _ in 0..CHAIN_DEPTH {
        let temp = match &cursor {
            Operand::Temp(temp) => *temp,
            Operand::Place { place, .. } if place.fields.is_empty() => match &place.root {
                PlaceRoot::Local(local) => match fcx.local_value(*local)? {
                    next @ Operand::Temp(_) => {
                        cursor = next.clone();
                        continue;
                    }
                    _ => return None,
                },
                PlaceRoot::Path(_) => return None,
            },
            _ => return None,
        };
        match fcx.def_of(temp) {
            Some(OpKind::Call { .. }) => return Some(temp),
            _ => cursor = fcx.source_of(temp)?,
        }
    }
    None
}

/// A value awaited as it is (a join handle, a oneshot receiver).
fn by_future_type(fcx: &FnContext, file: &FileContext, future: &Operand) -> Wait {
    let Some(path) = fcx.operand_type_path(future) else {
        return Wait::Unknown;
    };
    match file.table.await_kind_of_future(&path) {
        Some(class) => match class.kind.is_slow() {
            Some(true) => Wait::Slow {
                what: class.what.to_string(),
                inside: None,
            },
            Some(false) => Wait::Fast,
            None => waiting_on_a_task(class),
        },
        None => Wait::Unknown,
    }
}

/// One await of a body, for its function's summary: what another crate's
/// call waits on, or the workspace function awaited (whose own summary
/// decides, once every summary is known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwaitItem {
    Known(Wait),
    Calls(crate::semantics::FuncLoc, crate::model::Name),
}

/// The awaits of a body (its closures run elsewhere; its async blocks
/// awaited in it are awaited here).
pub fn body_awaits(fcx: &FnContext, file: &FileContext) -> Vec<AwaitItem> {
    let empty = Summaries::default();
    let mut items = Vec::new();
    for op in fcx.ir.blocks.iter().flat_map(|block| &block.ops) {
        let OpKind::Await { future, .. } = &op.kind else {
            continue;
        };
        let item = match origin_call(fcx, future) {
            Some(call) => match fcx.call_target(call) {
                Some(CallTarget::Func(func, _)) => {
                    AwaitItem::Calls(*func, display_name(file, *func))
                }
                _ => AwaitItem::Known(classify_call(fcx, file, &empty, call, 0)),
            },
            None => AwaitItem::Known(by_future_type(fcx, file, future)),
        };
        if !items.contains(&item) {
            items.push(item);
        }
    }
    items
}

/// The awaits of a function whose body was not lowered, from its sketches
/// (a path call resolved in the function's scope, a chain on `self` or a
/// parameter typed by the signature and fields), and whether one
/// of them starts at a local binding (`for sender in &senders {
/// sender.send(..).await }`) and so cannot be told without the body: its
/// type comes from code the sketch does not keep.
pub fn sketched_awaits(
    file: &FileContext,
    func: crate::semantics::FuncLoc,
    sketches: &[crate::model::AwaitSketch],
) -> (Vec<AwaitItem>, bool) {
    use crate::model::SketchStart;
    let semantics = file.semantics;
    let scope = semantics.scope_of(func);
    let inference = crate::semantics::infer::Inference {
        semantics,
        scope: scope.clone(),
    };
    let mut items = Vec::new();
    let mut needs_body = false;
    for sketch in sketches {
        let item = match &sketch.start {
            SketchStart::Call(path) => {
                let target = inference.path_target(path);
                match (target, sketch.methods.as_slice()) {
                    (Some(CallTarget::Func(callee, _)), []) => {
                        AwaitItem::Calls(callee, display_name(file, callee))
                    }
                    (Some(CallTarget::External(resolved)), methods) => {
                        AwaitItem::Known(external_wait(file, &resolved, methods))
                    }
                    (None, methods) => {
                        let written = file.written_path(path);
                        AwaitItem::Known(external_wait(file, &written, methods))
                    }
                    _ => AwaitItem::Known(Wait::Unknown),
                }
            }
            SketchStart::Place(segments) => {
                let Some((root, fields)) = segments.split_first() else {
                    continue;
                };
                let param = semantics.param_type(func, root);
                let local = param.is_none() && root != "self";
                let mut ty = param.unwrap_or_default();
                for field in fields {
                    ty = semantics
                        .field_type(&ty, field)
                        .map(|(next, _)| next)
                        .unwrap_or_default();
                }
                let item = place_wait(file, &ty, &sketch.methods);
                needs_body |= local && item == AwaitItem::Known(Wait::Unknown);
                item
            }
            SketchStart::Other => AwaitItem::Known(Wait::Unknown),
        };
        if !items.contains(&item) {
            items.push(item);
        }
    }
    (items, needs_body)
}

/// Methods called on a value of type `ty`, the last one awaited.
fn place_wait(file: &FileContext, ty: &crate::semantics::Ty, methods: &[Name]) -> AwaitItem {
    let Some(first) = methods.first() else {
        // The value itself is awaited: a join handle, a receiver.
        let class = ty
            .external_path()
            .and_then(|path| file.table.await_kind_of_future(path));
        return AwaitItem::Known(match class {
            Some(class) => wait_of(class),
            None => Wait::Unknown,
        });
    };
    if let Some(found) = file.semantics.method(ty, first) {
        return match methods.len() {
            1 => AwaitItem::Calls(found.func, display_name(file, found.func)),
            _ => AwaitItem::Known(Wait::Unknown),
        };
    }
    let Some(path) = ty.external_path() else {
        return AwaitItem::Known(Wait::Unknown);
    };
    let mut start = path.to_vec();
    start.push(*first);
    AwaitItem::Known(external_wait(file, &start, &methods[1..]))
}

/// Another crate's call `start`, then `methods`, the last one awaited.
fn external_wait(file: &FileContext, start: &[Name], methods: &[Name]) -> Wait {
    let class = match methods.last() {
        None => file.table.await_kind(start),
        Some(last) => file.table.await_kind_of_chain(start, last),
    };
    match class {
        Some(class) => wait_of(class),
        None => Wait::Unknown,
    }
}

fn wait_of(class: super::effects::AwaitClass<'_>) -> Wait {
    match class.kind.is_slow() {
        Some(true) => Wait::Slow {
            what: class.what.to_string(),
            inside: None,
        },
        Some(false) => Wait::Fast,
        None => waiting_on_a_task(class),
    }
}
