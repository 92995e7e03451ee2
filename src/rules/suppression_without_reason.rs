//! `suppression-without-reason`: a `// connleak: allow(...)` comment that does
//! not say why (a pseudo-lint: it reads suppressions, not flow facts).

use crate::findings::Finding;

use crate::rules::{suppression_finding, Lint};
use crate::source::Location;
use crate::suppressions::{Directive, Reason, Suppression};

declare_lint! {
    /// ## What it does
    /// Reports a suppression comment without a reason after `--`:
    /// `// connleak: allow(LINT)` instead of
    /// `// connleak: allow(LINT) -- why this is safe`. The suppression still
    /// works; this finding only asks for the reason.
    ///
    /// ## Why is this bad?
    /// A suppression silences a possible pool leak or starvation for good.
    /// Whoever changes the code next must be able to tell whether the reason
    /// still holds (the connection is dedicated, the await is bounded, the
    /// pool is sized for it); without one, the suppression is either kept
    /// forever out of caution or removed and the finding argued over again.
    ///
    /// ## Example
    /// ```rust,ignore
    /// // connleak: allow(held-across-await)
    /// let receipt = payments.charge(&order).await?;
    /// ```
    ///
    /// ## Use instead
    /// ```rust,ignore
    /// // connleak: allow(held-across-await) -- the charge and the insert must share the row lock
    /// let receipt = payments.charge(&order).await?;
    /// ```
    ///
    /// ## Known limits
    /// Any text after `--` counts as a reason; connleak cannot judge it.
    pub static SUPPRESSION_WITHOUT_REASON = {
        name: "suppression-without-reason",
        level: Warn,
        summary: "a suppression comment gives no reason after `--`",
    }
}

pub fn check(suppressions: &[Suppression], findings: &mut Vec<Finding>) {
    for suppression in suppressions {
        let Directive::Allow { lints, reason } = &suppression.directive else {
            continue;
        };
        let names = lints
            .iter()
            .map(|named| named.name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let (message, help) = match reason {
            Reason::Given(_) => continue,
            Reason::Missing => (
                String::from("suppression without a reason"),
                format!("say why after `--`: `// connleak: allow({names}) -- <why this is safe>`"),
            ),
            Reason::WithoutSeparator(text) => (
                String::from("suppression reason is not introduced by `--`"),
                format!("write `// connleak: allow({names}) -- {text}`"),
            ),
        };
        findings.push(suppression_finding(
            suppression,
            Lint::SuppressionWithoutReason,
            Location {
                file: suppression.file,
                span: suppression.comment,
            },
            message,
            String::from("no reason given"),
            help,
        ));
    }
}
