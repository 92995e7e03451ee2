//! Bounds on the work a run may do, so that no input (a crafted file in a
//! pull request, a huge generated one) can take unbounded time or memory.
//!
//! Every bound is counted in units of work, not in seconds or bytes of the
//! heap, so that whether a file is over one does not depend on the machine,
//! its load or the thread count, and the output stays the same bytes:
//!
//! - the size of a file's source, checked before it is read (and while it is
//!   read, in case it grows), since parsing and lowering cost memory in
//!   proportion to it;
//! - the steps of the flow analysis in one file: each block it walks counts
//!   its operations and terminator, each once and once more per connection
//!   state the walk carries through it (the work of applying them, which is
//!   what its time and memory follow). The engine counts them and stops the file's walk
//!   when its budget is spent; `--timings` prints them;
//! - the source read by the whole run, and the steps of the whole run, over
//!   the files in their (sorted) order.
//!
//! A file over a bound is never cut silently: its findings are withheld and
//! an error entry names it and the bound (exit status 2).

use crate::source::FileError;

/// The bounds of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Bytes of source in one file.
    pub file_size: u64,
    /// Steps the flow analysis may take in one file.
    pub file_steps: u64,
    /// Bytes of source over the whole run.
    pub run_size: u64,
    /// Steps the flow analysis may take over the whole run.
    pub run_steps: u64,
}

impl Default for Bounds {
    /// Far above real code (a generated corpus of 5,000 service files takes
    /// 1.3 million steps in all, none of its files more than 800), while a
    /// step costs about a tenth of a microsecond, so that a file at the
    /// per-file bound still ends within a minute or so.
    fn default() -> Bounds {
        Bounds {
            file_size: 16 << 20,
            file_steps: 500_000_000,
            run_size: 512 << 20,
            run_steps: 5_000_000_000,
        }
    }
}

/// Which bound a file reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bound {
    FileSize,
    FileSteps,
    RunSize,
    RunSteps,
}

impl Bound {
    pub const ALL: [Bound; 4] = [
        Bound::FileSize,
        Bound::FileSteps,
        Bound::RunSize,
        Bound::RunSteps,
    ];

    /// The command-line flag that sets it.
    pub fn flag(self) -> &'static str {
        match self {
            Bound::FileSize => "--max-file-size",
            Bound::FileSteps => "--max-file-steps",
            Bound::RunSize => "--max-run-size",
            Bound::RunSteps => "--max-run-steps",
        }
    }

    /// Its key in the `[limits]` table of a configuration.
    pub fn key(self) -> &'static str {
        match self {
            Bound::FileSize => "file-size",
            Bound::FileSteps => "file-steps",
            Bound::RunSize => "run-size",
            Bound::RunSteps => "run-steps",
        }
    }

    pub fn from_key(key: &str) -> Option<Bound> {
        Bound::ALL.into_iter().find(|bound| bound.key() == key)
    }

    pub fn of(self, bounds: &Bounds) -> u64 {
        match self {
            Bound::FileSize => bounds.file_size,
            Bound::FileSteps => bounds.file_steps,
            Bound::RunSize => bounds.run_size,
            Bound::RunSteps => bounds.run_steps,
        }
    }

    pub fn set(self, bounds: &mut Bounds, value: u64) {
        match self {
            Bound::FileSize => bounds.file_size = value,
            Bound::FileSteps => bounds.file_steps = value,
            Bound::RunSize => bounds.run_size = value,
            Bound::RunSteps => bounds.run_steps = value,
        }
    }

    /// The error entry of a file that reached this bound.
    pub fn error(self, file: &str, limit: u64) -> FileError {
        let message = match self {
            Bound::FileSize => format!(
                "the file is larger than the bound of {limit} bytes of source per file; it is not checked"
            ),
            Bound::FileSteps => format!(
                "the flow analysis of this file reached the bound of {limit} steps per file; its findings are withheld"
            ),
            Bound::RunSize => format!(
                "the run reached its bound of {limit} bytes of source before this file; it is not checked"
            ),
            Bound::RunSteps => format!(
                "the run reached its bound of {limit} steps of the flow analysis at or before this file; its findings are withheld"
            ),
        };
        FileError {
            file: file.to_string(),
            line: None,
            message: format!(
                "{message} (raise it with `{}` if the code is trusted)",
                self.flag()
            ),
        }
    }
}

/// The first position in `costs` (in order) at which their running sum
/// exceeds `limit`: that item and every later one are over a run's bound.
pub fn first_over(costs: impl IntoIterator<Item = u64>, limit: u64) -> Option<usize> {
    let mut spent: u64 = 0;
    for (index, cost) in costs.into_iter().enumerate() {
        spent = spent.saturating_add(cost);
        if spent > limit {
            return Some(index);
        }
    }
    None
}

/// Which files are not to be read, from their sizes in file order: those
/// larger than the per-file bound, and, once the files read so far add up
/// to more than the run's bound, every later one.
pub fn refuse_by_size(sizes: &[u64], bounds: &Bounds) -> Vec<Option<Bound>> {
    let mut refused: Vec<Option<Bound>> = sizes
        .iter()
        .map(|size| (*size > bounds.file_size).then_some(Bound::FileSize))
        .collect();
    let read = sizes
        .iter()
        .zip(&refused)
        .map(|(size, refused)| if refused.is_some() { 0 } else { *size });
    if let Some(first) = first_over(read, bounds.run_size) {
        for slot in &mut refused[first..] {
            slot.get_or_insert(Bound::RunSize);
        }
    }
    refused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_bound_cuts_at_the_first_file_that_crosses_it() {
        assert_eq!(first_over([3, 3, 3], 10), None);
        assert_eq!(first_over([3, 3, 3], 9), None);
        assert_eq!(first_over([3, 3, 3, 1], 9), Some(3));
        assert_eq!(first_over([11, 0], 10), Some(0));
        assert_eq!(first_over([u64::MAX, u64::MAX], u64::MAX), None);
        assert_eq!(first_over([u64::MAX, 1], u64::MAX - 1), Some(0));
    }

    #[test]
    fn files_too_large_are_refused_and_do_not_count_towards_the_run() {
        let bounds = Bounds {
            file_size: 10,
            run_size: 15,
            ..Bounds::default()
        };
        assert_eq!(
            refuse_by_size(&[5, 11, 10, 1, 0], &bounds),
            vec![
                None,
                Some(Bound::FileSize),
                None,
                Some(Bound::RunSize),
                Some(Bound::RunSize)
            ]
        );
        assert_eq!(refuse_by_size(&[5, 10], &bounds), vec![None, None]);
    }

    #[test]
    fn every_bound_has_a_flag_a_key_and_an_error_naming_them() {
        let bounds = Bounds::default();
        for bound in Bound::ALL {
            assert_eq!(Bound::from_key(bound.key()), Some(bound));
            let mut changed = bounds;
            bound.set(&mut changed, 7);
            assert_eq!(bound.of(&changed), 7);
            let error = bound.error("src/big.rs", 7);
            assert_eq!(error.file, "src/big.rs");
            assert!(error.message.contains(" 7 "), "{}", error.message);
            assert!(error.message.contains(bound.flag()), "{}", error.message);
        }
    }
}
