//! `unused-suppression`: a `// connleak: allow(...)` comment that suppresses
//! nothing (a pseudo-lint: it reads suppressions, not flow facts).

use std::collections::BTreeMap;

use crate::findings::{Finding, Level};

use crate::rules::{suppression_finding, Lint};
use crate::source::Location;
use crate::spelling;
use crate::suppressions::{Directive, Suppression};

declare_lint! {
    /// ## What it does
    /// Reports a suppression comment, or one lint name in it, that covers no
    /// finding: the code it was written for has changed or moved, the comment
    /// sits too far from the finding, the lint name is misspelt, or the
    /// comment after `connleak:` is not an `allow(...)` list.
    ///
    /// ## Why is this bad?
    /// A stale suppression is a hole waiting for a real leak: the next
    /// connection bug written on that line (or in that item) is silenced
    /// without anyone having looked at it, and the pool runs dry in
    /// production instead of failing review. A misspelt one silences nothing
    /// while its reader believes it does.
    ///
    /// ## Example
    /// ```rust,ignore
    /// // connleak: allow(held-across-await) -- the upload must see the row lock
    /// let body = fetch_upload(&client).await?; // no connection is held here any more
    /// ```
    ///
    /// ## Use instead
    /// Delete the comment, or move it to the line of the finding or the line
    /// above it. Written directly above an item (`fn`, `impl`, `mod`, above
    /// its attributes too), or between the item's attributes and the item,
    /// it covers the whole item.
    ///
    /// ## Known limits
    /// A name whose lint is set to `allow` is not reported: with nothing
    /// reported for that lint, connleak cannot tell whether it would fire.
    /// Suppression comments cannot suppress this lint or
    /// `suppression-without-reason`; set their level under `[lints]`.
    pub static UNUSED_SUPPRESSION = {
        name: "unused-suppression",
        level: Warn,
        summary: "a suppression comment suppresses nothing",
    }
}

pub fn check(
    suppressions: &[Suppression],
    levels: &BTreeMap<String, Level>,
    findings: &mut Vec<Finding>,
) {
    for suppression in suppressions {
        match &suppression.directive {
            Directive::Malformed { problem } => findings.push(suppression_finding(
                suppression,
                Lint::UnusedSuppression,
                Location {
                    file: suppression.file,
                    span: suppression.comment,
                },
                format!("this `connleak:` comment is not a suppression: {problem}"),
                String::from("suppresses nothing"),
                String::from("write it as `// connleak: allow(LINT, ...) -- reason`"),
            )),
            Directive::Allow { lints, .. } => {
                for named in lints.iter().filter(|named| !named.used) {
                    let at = Location {
                        file: suppression.file,
                        span: named.span,
                    };
                    let (message, label, help) = match named.lint {
                        None => {
                            let suggestion =
                                spelling::did_you_mean(&named.name, Lint::ALL.map(Lint::name));
                            let help = if suggestion.is_empty() {
                                String::from("`cargo connleak --list-lints` lists the lint names")
                            } else {
                                suggestion
                            };
                            (
                                format!("unknown lint `{}` in a suppression", named.name),
                                String::from("no lint has this name"),
                                help,
                            )
                        }
                        Some(lint) if lint.is_about_suppressions() => (
                            format!("`{}` cannot be suppressed by a comment", named.name),
                            String::from("suppresses nothing"),
                            format!(
                                "set its level under `[lints]` in connleak.toml, or pass `--allow {}`",
                                named.name
                            ),
                        ),
                        Some(lint) => {
                            // An allowed lint reports nothing to cover: the
                            // suppression may well be needed once it is on.
                            if levels.get(lint.name()) == Some(&Level::Allow) {
                                continue;
                            }
                            // Say what it does cover, so that the advice
                            // never tells to do what was already done.
                            let (label, help) = match &suppression.covered_item {
                                Some(item) => (
                                    format!("no `{}` finding in `{item}`, which this covers whole", named.name),
                                    format!(
                                        "remove `{}` from it: nothing in `{item}` needs it",
                                        named.name
                                    ),
                                ),
                                None => (
                                    format!("no `{}` finding on the line this covers", named.name),
                                    String::from(
                                        "remove it, or move it onto the finding's line or the line above it; \
                                         written above an item or between its attributes and the item, it \
                                         covers the whole item",
                                    ),
                                ),
                            };
                            (
                                format!("`allow({})` suppresses nothing", named.name),
                                label,
                                help,
                            )
                        }
                    };
                    findings.push(suppression_finding(
                        suppression,
                        Lint::UnusedSuppression,
                        at,
                        message,
                        label,
                        help,
                    ));
                }
            }
        }
    }
}
