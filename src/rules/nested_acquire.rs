//! `nested-acquire`

use crate::findings::Finding;
use crate::flow::Fact;

declare_lint! {
    /// ## What it does
    /// TODO
    pub static NESTED_ACQUIRE = {
        name: "nested-acquire",
        level: Warn,
        summary: "TODO",
    }
}

pub fn check(facts: &[Fact], findings: &mut Vec<Finding>) {
    let _ = (facts, findings);
}
