//! `uncommitted-transaction`: a transaction that a success path drops, or a
//! raw `BEGIN` left open on a pooled connection.

use crate::findings::Finding;
use crate::fixes::Remedy;
use crate::flow::{ExitHow, Fact, FactKind};
use crate::rules::{connection_name, finding_from, Lint};

declare_lint! {
    /// ## What it does
    /// Finds transactions that reach a normal exit (`return Ok(..)`, falling
    /// off the end, `break`, `continue`, the end of their block) on some path
    /// after work was done in them, with neither commit nor rollback. Also
    /// finds a raw `BEGIN` run on a pooled connection where some path, `?`
    /// included, gives the connection back with the transaction still open.
    ///
    /// ## Why is this bad?
    /// Dropping a transaction guard rolls it back: the success path silently
    /// loses its writes. A raw `BEGIN` is worse: the connection goes back to
    /// the pool "idle in transaction", keeps its locks, and the next borrower
    /// runs inside someone else's transaction.
    ///
    /// ## Example
    /// ```rust,ignore
    /// let mut tx = pool.begin().await?;
    /// insert(&mut tx, &row).await?;
    /// if row.is_draft {
    ///     return Ok(()); // rolled back
    /// }
    /// tx.commit().await?;
    /// ```
    ///
    /// ## Use instead
    /// ```rust,ignore
    /// let mut tx = pool.begin().await?;
    /// insert(&mut tx, &row).await?;
    /// tx.commit().await?;
    /// if row.is_draft {
    ///     return Ok(());
    /// }
    /// ```
    /// For raw SQL, use the pool's transaction API (`pool.begin()`), which
    /// rolls back on drop, instead of `BEGIN` strings.
    ///
    /// ## Known limits
    /// Error exits (`?`, `return Err(..)`) are not reported for transaction
    /// guards: their rollback is usually what is wanted. A success path that
    /// did nothing in the transaction yet is not reported either, nor one
    /// that only read. A commit written inside a branch that then goes on
    /// with the code after it (`if ok { tx.commit().await?; }`, one arm of a
    /// `match`) is a decision: the path that skips that branch and does no
    /// more work in the transaction rolls back on purpose. An arm that
    /// commits and returns decides nothing for the code after the branch,
    /// which is still reported if it ends without commit. The analysis does not correlate conditions, so a
    /// path that no input can take (`if done { commit } else if !done {
    /// rollback }`) is judged like any other.
    ///
    /// Whether a statement writes is read from its SQL text: a literal or a
    /// `format!` template (its `{}` are opaque), a local bound to one, or a
    /// string `const`, `static` or `lazy_static!` of the same file (a
    /// `format!` template with the file's constants put in, or a constant
    /// edited by `.replace(..)`), also through `.deref()`/`.as_str()` and
    /// an `if` or `match` that picks one of several (any that writes
    /// counts). SQL built at run time, or kept in another file, is assumed
    /// to write. A `return` whose every branch is `Err(..)` is an error exit.
    pub static UNCOMMITTED_TRANSACTION = {
        name: "uncommitted-transaction",
        level: Deny,
        summary: "a transaction is dropped on a success path without commit, or a raw BEGIN is left open",
    }
}

pub fn check(facts: &[Fact], findings: &mut Vec<Finding>) {
    for fact in facts {
        let name = connection_name(fact);
        let finding = match &fact.kind {
            FactKind::UncommittedTransaction { how } => {
                let mut finding = finding_from(
                    fact,
                    Lint::UncommittedTransaction,
                    format!(
                        "transaction {name} is rolled back on this path: no commit before it ends"
                    ),
                    format!("{} without commit or rollback", exit_words(*how)),
                    format!(
                        "call `.commit().await?` on {name} on this path, or `.rollback().await?` \
                         if dropping the work is intended"
                    ),
                );
                // Only a written `return` or block value has a place before
                // it for a statement; whether to commit is the author's call.
                if *how == ExitHow::Return {
                    finding.remedy = fact
                        .holder
                        .map(|holder| Remedy::CommitBeforeExit { holder });
                }
                finding
            }
            FactKind::RawTransactionOpen { how } => finding_from(
                fact,
                Lint::UncommittedTransaction,
                format!("{name} goes back to the pool inside an open `BEGIN`"),
                format!("{} with the transaction open", exit_words(*how)),
                String::from(
                    "run COMMIT or ROLLBACK on every path, errors included, or use the \
                     pool's transaction API, which rolls back on drop",
                ),
            ),
            _ => continue,
        };
        findings.push(finding);
    }
}

fn exit_words(how: ExitHow) -> &'static str {
    match how {
        ExitHow::Return => "returns here",
        ExitHow::Question => "`?` returns early here",
        ExitHow::ReturnErr => "returns an error here",
        ExitHow::ScopeEnd => "goes out of scope here",
        ExitHow::StatementEnd => "dropped at the end of this statement",
        ExitHow::ExplicitDrop => "dropped here",
        ExitHow::Overwritten => "overwritten here",
    }
}

/// Shared with `unclosed-connection`.
pub(crate) fn exit_label(how: ExitHow) -> &'static str {
    exit_words(how)
}
