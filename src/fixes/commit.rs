//! The fix for `uncommitted-transaction`: commit before the success exit
//! that drops the transaction. Always `MaybeIncorrect`: only the author
//! knows whether this path means to keep the work (commit) or to drop it
//! (then `rollback` says so), so `--fix` never applies it.

use crate::findings::Finding;
use crate::fixes::release::insert_before;
use crate::fixes::statements::{BodyReturns, ParsedFile};
use crate::fixes::{Applicability, Fix};
use crate::flow::Holder;
use crate::source::SourceFile;

pub fn suggest(
    parsed: &ParsedFile,
    source: &SourceFile,
    finding: &Finding,
    holder: Holder,
) -> Option<Fix> {
    let block = parsed.binding_block(holder.declared_at)?;
    let name = block.name.clone();
    let exit_at = finding.primary.span.start;
    let holding = block.containing(finding.primary.span)?;
    if holding <= block.binding
        || (block.binding + 1..=holding).any(|index| block.rebinds(index, &name))
    {
        return None;
    }
    let exit = block.exit_within(holding, exit_at)?;
    // `?` needs a body that returns a `Result`; without one, the way to
    // handle a failed commit is not for a suggestion to guess.
    if block.body_returns != BodyReturns::Result && !exit.returns_ok {
        return None;
    }
    let awaited = if block.init_awaits { ".await" } else { "" };
    let code = format!("{name}.commit(){awaited}?;");
    let edit = insert_before(source, exit.start, &code, finding.primary.file);
    Some(Fix {
        message: format!("commit `{name}` before returning, if this path keeps its work"),
        code,
        applicability: Applicability::MaybeIncorrect,
        edits: vec![edit],
    })
}
