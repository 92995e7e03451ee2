//! `leaked-connection`

use crate::findings::Finding;
use crate::flow::Fact;

declare_lint! {
    /// ## What it does
    /// TODO
    pub static LEAKED_CONNECTION = {
        name: "leaked-connection",
        level: Deny,
        summary: "TODO",
    }
}

pub fn check(facts: &[Fact], findings: &mut Vec<Finding>) {
    let _ = (facts, findings);
}
