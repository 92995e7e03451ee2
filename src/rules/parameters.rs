//! Findings about a connection the function received as a parameter: the
//! function did not acquire it, its caller did, so the finding says
//! "received here" and its help speaks of what this function can change.
//! Not a lint: wording applied to the findings of the others.

use crate::findings::Finding;
use crate::model::FileIr;
use crate::rules::Lint;

/// Rewords the findings whose connection is a parameter of the function it
/// is in (its acquire site is the parameter's own span).
pub fn word_received_connections(findings: &mut [Finding], files: &[FileIr]) {
    for finding in findings.iter_mut() {
        let Some(acquired_at) = finding.acquired_at else {
            continue;
        };
        let Some(file) = files.iter().find(|file| file.file == acquired_at.file) else {
            continue;
        };
        let parameter = file.functions.iter().find_map(|function| {
            function.params.iter().find_map(|&param| {
                let local = function.locals.get(param as usize)?;
                (local.span == acquired_at.span).then_some(local.name)
            })
        });
        let Some(name) = parameter else {
            continue;
        };
        finding.acquire_label = format!("`{name}` received here");
        if let Some(first) = finding.path.first_mut() {
            if first.at == acquired_at {
                first.note = String::from("received here");
            }
        }
        if let Some(help) = help_for_parameter(finding.lint, &name, &finding.help) {
            finding.help = help;
        }
    }
}

/// A help line that fits a connection the caller handed in, where the
/// lint's own help speaks of acquiring it.
fn help_for_parameter(lint: Lint, name: &str, current: &str) -> Option<String> {
    let transaction = current.contains("commit");
    match lint {
        Lint::HeldAcrossAwait if transaction => Some(format!(
            "the caller's transaction `{name}` stays open, holding its pool slot and row locks, \
             while this waits: do this wait in the caller, before the transaction begins or after \
             it commits, or pass what it needs instead of `{name}`"
        )),
        Lint::HeldAcrossAwait => Some(format!(
            "`{name}` comes from the caller, and its pool slot stays taken while this waits: \
             if this function owns `{name}`, drop it before this `.await`; otherwise do the wait \
             in the caller, before it acquires or after it is done"
        )),
        Lint::NestedAcquire => Some(format!(
            "run this on `{name}`, the connection this function was given, instead of taking a \
             second one from the pool"
        )),
        Lint::UncommittedTransaction => Some(format!(
            "commit or roll back `{name}` on this path, or take it as `&mut` and let the caller \
             that began it finish it"
        )),
        Lint::UnclosedConnection => Some(format!(
            "close `{name}` on this path, or take it by reference and let the caller that opened \
             it close it"
        )),
        _ => None,
    }
}
