//! Whether a statement run on a connection writes: what a rollback would
//! lose. A transaction dropped on a success path matters only if its path
//! wrote.
//!
//! A statement is the chain of calls that builds and runs it
//! (`sqlx::query("..").bind(x).fetch_one(&mut *tx)`,
//! `diesel::insert_into(t).values(v).execute(conn)`,
//! `Builder::new("SELECT ..").filter(f).build().fetch_all(tx)`), followed
//! back from the call that runs it through temporaries and locals: the
//! packs say what each call does ([`QueryEffect`]), and the text the chain
//! starts from says what the SQL does. What cannot be told writes.

use super::effects::{statement_writes, StatementStep};
use super::resolve::{FileContext, FnContext};
use crate::model::{Callee, LocalId, OpKind, Operand, PlaceRoot, TempId};
use crate::packs::QueryEffect;
use crate::semantics::infer::CallTarget;

/// Calls followed back from the one that runs a statement.
const CHAIN_DEPTH: usize = 16;

/// Whether the call defining `dest` writes, as a statement: `Some(false)`
/// when what it runs is known to only read (or lock), `Some(true)` when it
/// writes, `None` when nothing decides.
pub fn statement_writes_at(fcx: &FnContext, file: &FileContext, dest: TempId) -> Option<bool> {
    let mut steps: Vec<(Option<QueryEffect>, Option<String>)> = Vec::new();
    collect_call(fcx, file, dest, true, &mut steps, 0);
    let borrowed: Vec<StatementStep<'_>> = steps
        .iter()
        .map(|(effect, sql)| StatementStep {
            effect: *effect,
            sql: sql.as_deref(),
        })
        .collect();
    statement_writes(&borrowed)
}

/// The steps of the call defining `temp`, its receiver's chain, and the
/// statements given to it as arguments.
fn collect_call(
    fcx: &FnContext,
    file: &FileContext,
    temp: TempId,
    running: bool,
    steps: &mut Vec<(Option<QueryEffect>, Option<String>)>,
    depth: usize,
) {
    if depth > CHAIN_DEPTH {
        return;
    }
    let Some(OpKind::Call { callee, args, .. }) = fcx.def_of(temp) else {
        // `.await`, `?`, a move: the value of what it wraps.
        if let Some(Operand::Temp(inner)) = fcx.source_of(temp) {
            collect_call(fcx, file, inner, running, steps, depth + 1);
        }
        return;
    };
    let effect = call_effect(fcx, file, temp, callee);
    let text = args.iter().find_map(|arg| sql_text(fcx, file, arg, 0));
    // A chain's root gives the statement's text; so does a call the packs
    // say takes SQL text.
    let mut root = true;
    if let Callee::Method { receiver, .. } = callee {
        if let Some(inner) = chain_temp(fcx, receiver) {
            root = false;
            collect_call(fcx, file, inner, false, steps, depth + 1);
        }
    }
    let takes_text = root || effect == Some(QueryEffect::SqlText);
    steps.push((effect, if takes_text { text } else { None }));
    if running {
        // A statement given to the call that runs it: `tx.fetch_one(query)`.
        for arg in args {
            if let Some(inner) = chain_temp(fcx, arg) {
                collect_call(fcx, file, inner, false, steps, depth + 1);
            }
        }
    }
}

/// What the packs say of a call: by its resolved path, or, on a receiver
/// whose type is not known, by a database crate's executor method name
/// (`fetch_*` reads the rows of its statement, the others run it).
fn call_effect(
    fcx: &FnContext,
    file: &FileContext,
    dest: TempId,
    callee: &Callee,
) -> Option<QueryEffect> {
    if let Some(CallTarget::External(path)) = fcx.call_target(dest) {
        if let Some(effect) = file.table.query_effect_in(&file.active, path) {
            return Some(effect);
        }
    }
    if let Some(path) = fcx.call_path(callee, dest, file) {
        if let Some(effect) = file.table.query_effect_in(&file.active, &path) {
            return Some(effect);
        }
    }
    match callee {
        Callee::Method { name, .. } if super::resolve::is_executor_method(file, name) => {
            Some(if name.starts_with("fetch") {
                QueryEffect::Reads
            } else {
                QueryEffect::Runs
            })
        }
        _ => None,
    }
}

/// The SQL text an operand holds: a literal, a local bound to one, a string
/// static or constant of the file (see [`FileContext::static_text`]), seen
/// through `.deref()`/`.as_str()`-like calls and through the arms of an
/// `if`/`match` that picks one of several texts (all of them, as one text
/// of several statements, so that any that writes counts).
fn sql_text(
    fcx: &FnContext,
    file: &FileContext,
    operand: &Operand,
    depth: usize,
) -> Option<String> {
    if depth > CHAIN_DEPTH {
        return None;
    }
    if let Some(text) = fcx
        .string_value(operand)
        .or_else(|| file.static_text(fcx.ir, operand))
    {
        return Some(text);
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
    if let Some(OpKind::Call {
        callee: Callee::Method { receiver, name },
        args,
        ..
    }) = fcx.def_of(temp)
    {
        let passes_text = matches!(
            name.as_str(),
            "deref" | "as_str" | "as_ref" | "to_string" | "to_owned" | "clone" | "into"
        );
        return (passes_text && args.is_empty())
            .then(|| sql_text(fcx, file, receiver, depth + 1))
            .flatten();
    }
    // A temporary the arms of a branch move their values into.
    let mut texts = Vec::new();
    for op in fcx.ir.blocks.iter().flat_map(|block| &block.ops) {
        if let OpKind::Move { dest, value } = &op.kind {
            if *dest == temp {
                texts.push(sql_text(fcx, file, value, depth + 1)?);
            }
        }
    }
    (!texts.is_empty()).then(|| texts.join(";\n"))
}

/// The temporary an operand's value was made by: a temporary itself, or
/// the one a local was bound from.
fn chain_temp(fcx: &FnContext, operand: &Operand) -> Option<TempId> {
    match operand {
        Operand::Temp(temp) => Some(*temp),
        Operand::Place { place, .. } if place.fields.is_empty() => match &place.root {
            PlaceRoot::Local(local) => match fcx.local_value(*local)? {
                Operand::Temp(temp) => Some(*temp),
                _ => None,
            },
            PlaceRoot::Path(_) => None,
        },
        _ => None,
    }
}

/// Whether a function only reads through each of its parameters: every
/// call that receives one (or a reborrow of it: `&mut *p`, `p.as_mut()`)
/// runs a statement known to read, or passes it to a workspace function,
/// which the summaries decide. By parameter position.
pub fn params_reading(fcx: &FnContext, file: &FileContext) -> Vec<ParamUse> {
    let ir = fcx.ir;
    let mut uses = vec![ParamUse::default(); ir.params.len()];
    for (position, &param) in ir.params.iter().enumerate() {
        let aliases = reborrows_of(fcx, param);
        let mine = |operand: &Operand| match operand {
            Operand::Place { place, .. } => {
                matches!(place.root, PlaceRoot::Local(local) if aliases.locals.contains(&local))
            }
            Operand::Temp(temp) => aliases.temps.contains(temp),
            _ => false,
        };
        let use_of = &mut uses[position];
        for block in &ir.blocks {
            for op in &block.ops {
                let OpKind::Call { dest, callee, args } = &op.kind else {
                    continue;
                };
                let operands = super::summaries::call_operands(callee, args);
                let mut positions = operands
                    .iter()
                    .enumerate()
                    .filter(|(_, operand)| mine(operand))
                    .map(|(at, _)| at)
                    .peekable();
                if positions.peek().is_none() {
                    continue;
                }
                if aliases.temps.contains(dest) {
                    // `p.as_mut()` itself: a reborrow, not a use.
                    continue;
                }
                match fcx.call_target(*dest) {
                    Some(CallTarget::Func(func, _)) => {
                        for at in positions {
                            use_of.passed_to.push((*func, at));
                        }
                    }
                    _ => {
                        if statement_writes_at(fcx, file, *dest) != Some(false) {
                            use_of.writes = true;
                        }
                    }
                }
            }
        }
    }
    uses
}

/// How a function uses one of its parameters, for whether it writes
/// through it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParamUse {
    /// A statement run on it may write.
    pub writes: bool,
    /// Workspace functions it is passed to, with the parameter position.
    pub passed_to: Vec<(crate::semantics::FuncLoc, usize)>,
}

struct Aliases {
    locals: Vec<LocalId>,
    temps: Vec<TempId>,
}

/// A parameter and what reborrows it within the body: `&mut *p`,
/// `p.as_mut()`, `p.deref_mut()`, a local bound to one of these.
fn reborrows_of(fcx: &FnContext, param: LocalId) -> Aliases {
    let mut aliases = Aliases {
        locals: vec![param],
        temps: Vec::new(),
    };
    for _ in 0..2 {
        for op in fcx.ir.blocks.iter().flat_map(|block| &block.ops) {
            match &op.kind {
                OpKind::Call {
                    dest,
                    callee: Callee::Method { receiver, name },
                    ..
                } if matches!(
                    name.as_str(),
                    "as_mut"
                        | "as_ref"
                        | "deref"
                        | "deref_mut"
                        | "borrow"
                        | "borrow_mut"
                        | "by_ref"
                        | "as_deref_mut"
                ) =>
                {
                    let of_param = match receiver {
                        Operand::Place { place, .. } => matches!(place.root,
                            PlaceRoot::Local(local) if aliases.locals.contains(&local)),
                        Operand::Temp(temp) => aliases.temps.contains(temp),
                        _ => false,
                    };
                    if of_param && !aliases.temps.contains(dest) {
                        aliases.temps.push(*dest);
                    }
                }
                OpKind::Let { local, value } => {
                    let of_param = match value {
                        Operand::Place { place, .. } => matches!(place.root,
                            PlaceRoot::Local(from) if aliases.locals.contains(&from)),
                        Operand::Temp(temp) => aliases.temps.contains(temp),
                        _ => false,
                    };
                    if of_param && !aliases.locals.contains(local) {
                        aliases.locals.push(*local);
                    }
                }
                OpKind::Assign { place, value } => {
                    let PlaceRoot::Local(local) = place.root else {
                        continue;
                    };
                    let of_param = match value {
                        Operand::Place { place, .. } => matches!(place.root,
                            PlaceRoot::Local(from) if aliases.locals.contains(&from)),
                        Operand::Temp(temp) => aliases.temps.contains(temp),
                        _ => false,
                    };
                    if of_param && !aliases.locals.contains(&local) {
                        aliases.locals.push(local);
                    }
                }
                OpKind::Move { dest, value } => {
                    let of_param = match value {
                        Operand::Place { place, .. } => matches!(place.root,
                            PlaceRoot::Local(from) if aliases.locals.contains(&from)),
                        Operand::Temp(temp) => aliases.temps.contains(temp),
                        _ => false,
                    };
                    if of_param && !aliases.temps.contains(dest) {
                        aliases.temps.push(*dest);
                    }
                }
                _ => {}
            }
        }
    }
    aliases
}
