//! The workspace index: items of every file (structs and their field types,
//! type aliases, statics) by name, so that types can be followed across files.

use super::FileIr;

#[derive(Debug, Default)]
pub struct Index {}

impl Index {
    pub fn build(files: &[FileIr]) -> Index {
        let _ = files;
        Index {}
    }
}
