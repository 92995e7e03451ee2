//! `accumulated-connections`

use crate::findings::Finding;
use crate::flow::Fact;

declare_lint! {
    /// ## What it does
    /// TODO
    pub static ACCUMULATED_CONNECTIONS = {
        name: "accumulated-connections",
        level: Deny,
        summary: "TODO",
    }
}

pub fn check(facts: &[Fact], findings: &mut Vec<Finding>) {
    let _ = (facts, findings);
}
