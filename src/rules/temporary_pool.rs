//! `temporary-pool`

use crate::findings::Finding;
use crate::flow::Fact;

declare_lint! {
    /// ## What it does
    /// TODO
    pub static TEMPORARY_POOL = {
        name: "temporary-pool",
        level: Warn,
        summary: "TODO",
    }
}

pub fn check(facts: &[Fact], findings: &mut Vec<Finding>) {
    let _ = (facts, findings);
}
