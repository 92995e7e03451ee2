//! Which files are test code as a whole: the files of integration tests,
//! benches and examples, of crates only dev-dependencies reach, and the
//! module files of out-of-line `#[cfg(test)] mod x;` declarations (and
//! every module below them). Functions marked `#[test]` or inside
//! `#[cfg(test)]` items are known from lowering ([`crate::model::FnRole`]);
//! this module adds the files, by following `mod` declarations from each
//! target's root file with Rust's module file rules
//! ([`crate::workspace::module_file_candidates`]).
//!
//! A file reached both as test code and as normal code counts as normal
//! code: its findings matter to production. It reads the model and the
//! crate graph; it decides nothing about findings.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;

use crate::model::FileIr;
use crate::source::FileId;
use crate::workspace::{module_file_candidates, Workspace};

/// A file the run checks, as far as this module needs it.
pub struct FileFacts<'a> {
    pub path: &'a std::path::Path,
    /// Test code by where it is (see [`crate::discovery::DiscoveredFile`]).
    pub test_area: bool,
}

/// For each file (indexed by [`FileId`]), whether all of it is test code.
/// `irs` are the files that parsed, each knowing its id.
pub fn test_files(files: &[FileFacts<'_>], irs: &[FileIr], workspace: &Workspace) -> Vec<bool> {
    let ids: HashMap<PathBuf, FileId> = files
        .iter()
        .enumerate()
        .map(|(id, file)| (file.path.to_path_buf(), id))
        .collect();
    let declarations: HashMap<FileId, &FileIr> = irs.iter().map(|ir| (ir.file, ir)).collect();

    // Per file: (owns its folder, reached as test code only).
    let mut reached: Vec<Option<(bool, bool)>> = vec![None; files.len()];
    let mut queue: VecDeque<FileId> = VecDeque::new();
    let visit = |reached: &mut Vec<Option<(bool, bool)>>,
                 queue: &mut VecDeque<FileId>,
                 id: FileId,
                 owns: bool,
                 test: bool| {
        match reached[id] {
            None => {
                reached[id] = Some((owns, test));
                queue.push_back(id);
            }
            // Reached again as normal code: normal code wins, and what it
            // declares is normal code too.
            Some((known_owns, true)) if !test => {
                reached[id] = Some((known_owns, false));
                queue.push_back(id);
            }
            Some(_) => {}
        }
    };

    let mut roots: Vec<(FileId, bool)> = Vec::new();
    for package in &workspace.packages {
        for target in &package.targets {
            if let Some(&id) = ids.get(&target.root) {
                roots.push((id, target.kind.is_test_code()));
            }
        }
    }
    roots.sort_unstable();
    for &(id, test) in &roots {
        visit(
            &mut reached,
            &mut queue,
            id,
            true,
            test || files[id].test_area,
        );
    }
    let children_of = |id: FileId, owns: bool, test: bool| -> Vec<(FileId, bool, bool)> {
        let Some(ir) = declarations.get(&id) else {
            return Vec::new();
        };
        ir.out_of_line_mods()
            .into_iter()
            .filter_map(|found| {
                let declaration = found.declaration;
                let candidates = module_file_candidates(
                    files[id].path,
                    owns,
                    &found.inline_modules,
                    &declaration.name,
                    declaration.path.as_deref(),
                );
                let child = candidates.iter().find_map(|path| ids.get(path).copied())?;
                // A file reached through `#[path]`, or a `mod.rs`, keeps
                // its child modules beside it.
                let child_owns = declaration.path.is_some()
                    || files[child]
                        .path
                        .file_name()
                        .is_some_and(|name| name == "mod.rs");
                Some((child, child_owns, test || declaration.is_test))
            })
            .collect()
    };
    let drain = |reached: &mut Vec<Option<(bool, bool)>>, queue: &mut VecDeque<FileId>| {
        while let Some(id) = queue.pop_front() {
            let Some((owns, test)) = reached[id] else {
                continue;
            };
            for (child, child_owns, child_test) in children_of(id, owns, test) {
                visit(reached, queue, child, child_owns, child_test);
            }
        }
    };
    drain(&mut reached, &mut queue);

    // Files no target reaches (their crate root did not parse, or they are
    // not in a package): each one nobody declares is a root of its own, so
    // that a `#[cfg(test)] mod` below it still counts.
    let declared: Vec<bool> = {
        let mut declared = vec![false; files.len()];
        for (id, file) in files.iter().enumerate() {
            let owns = owns_by_name(file.path);
            for (child, _, _) in children_of(id, owns, false) {
                if child != id {
                    declared[child] = true;
                }
            }
        }
        declared
    };
    for pass_declared in [false, true] {
        for (id, file) in files.iter().enumerate() {
            if reached[id].is_none() && declared[id] == pass_declared {
                visit(
                    &mut reached,
                    &mut queue,
                    id,
                    owns_by_name(file.path),
                    file.test_area,
                );
                drain(&mut reached, &mut queue);
            }
        }
    }
    (0..files.len())
        .map(|id| files[id].test_area || reached[id].is_some_and(|(_, test)| test))
        .collect()
}

/// A file whose child modules live beside it by its name alone: a crate
/// root or a `mod.rs`.
fn owns_by_name(path: &std::path::Path) -> bool {
    path.file_name()
        .is_some_and(|name| name == "mod.rs" || name == "lib.rs" || name == "main.rs")
}
