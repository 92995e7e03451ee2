//! `held-across-await`

use crate::findings::Finding;
use crate::flow::Fact;

declare_lint! {
    /// ## What it does
    /// TODO
    pub static HELD_ACROSS_AWAIT = {
        name: "held-across-await",
        level: Warn,
        summary: "TODO",
    }
}

pub fn check(facts: &[Fact], findings: &mut Vec<Finding>) {
    let _ = (facts, findings);
}
