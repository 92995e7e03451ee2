//! Flow analysis.

use std::collections::BTreeSet;

use crate::model::index::Index;
use crate::model::FileIr;
use crate::packs::ResourceSpec;

#[derive(Debug, Default)]
pub struct PackTable {}

impl PackTable {
    pub fn build(dependencies: &BTreeSet<String>, user: &[ResourceSpec]) -> Result<PackTable, String> {
        let _ = (dependencies, user);
        Ok(PackTable {})
    }
}

#[derive(Debug, Clone)]
pub struct Fact {}

#[derive(Debug, Default)]
pub struct Analysis {
    pub facts: Vec<Fact>,
    pub untracked: usize,
}

pub fn analyse_all(files: &[FileIr], index: &Index, packs: &PackTable) -> Analysis {
    let _ = (files, index, packs);
    Analysis::default()
}
