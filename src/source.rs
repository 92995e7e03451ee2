//! Source texts and their line index: file ids, display names, and the
//! conversion between `(line, column)` positions from proc-macro2 and byte
//! offsets for codespan-reporting. Owns no analysis.

use std::ops::Range;

use codespan_reporting::files::{Error as FilesError, Files};

/// Index of a file in [`crate::source::SourceMap`].
pub type FileId = usize;

/// A point in a source file: 1-based line, 0-based column counted in chars
/// (the convention of `proc_macro2::LineColumn`). Reporters convert columns to
/// 1-based on output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// A range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

/// A span in a known file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub file: FileId,
    pub span: Span,
}

/// A file that could not be checked, or a problem with configuration.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FileError {
    /// Display path, relative to the checked root where possible.
    pub file: String,
    pub line: Option<u32>,
    pub message: String,
}

/// One checked file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the checked root, with `/` separators.
    pub display: String,
    pub text: String,
    line_starts: LineStarts,
}

/// Where each line starts, as byte offsets: four bytes each for a text
/// under 4 GiB (every real one), kept at their exact count for the whole
/// run.
#[derive(Debug, Clone)]
enum LineStarts {
    Short(Box<[u32]>),
    Long(Box<[usize]>),
}

impl LineStarts {
    fn of(text: &str) -> LineStarts {
        let starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1));
        match u32::try_from(text.len()) {
            Ok(_) => {
                let mut exact =
                    Vec::with_capacity(text.bytes().filter(|&b| b == b'\n').count() + 1);
                exact.extend(starts.map(|start| start as u32));
                LineStarts::Short(exact.into_boxed_slice())
            }
            Err(_) => LineStarts::Long(starts.collect::<Vec<_>>().into_boxed_slice()),
        }
    }

    fn len(&self) -> usize {
        match self {
            LineStarts::Short(starts) => starts.len(),
            LineStarts::Long(starts) => starts.len(),
        }
    }

    fn get(&self, index: usize) -> Option<usize> {
        match self {
            LineStarts::Short(starts) => starts.get(index).map(|&start| start as usize),
            LineStarts::Long(starts) => starts.get(index).copied(),
        }
    }

    /// The index of the line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        let found = match self {
            LineStarts::Short(starts) => match u32::try_from(offset) {
                Ok(offset) => starts.binary_search(&offset),
                Err(_) => Err(starts.len()),
            },
            LineStarts::Long(starts) => starts.binary_search(&offset),
        };
        found.unwrap_or_else(|next| next.saturating_sub(1))
    }
}

impl SourceFile {
    pub fn new(display: String, text: String) -> SourceFile {
        let line_starts = LineStarts::of(&text);
        SourceFile {
            display,
            text,
            line_starts,
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte offset of a 1-based line and 0-based char column, clamped to the text.
    pub fn offset(&self, pos: Pos) -> usize {
        let line_index = (pos.line.max(1) as usize - 1).min(self.line_starts.len() - 1);
        let start = self.line_starts.get(line_index).unwrap_or(0);
        let end = self
            .line_starts
            .get(line_index + 1)
            .unwrap_or(self.text.len());
        let line = &self.text[start..end];
        let column_bytes = line
            .char_indices()
            .nth(pos.column as usize)
            .map(|(i, _)| i)
            .unwrap_or(line.trim_end_matches(['\n', '\r']).len());
        start + column_bytes
    }

    /// The text of a 1-based line without its line ending.
    pub fn line_text(&self, line: u32) -> &str {
        let index = line.max(1) as usize - 1;
        let Some(start) = self.line_starts.get(index) else {
            return "";
        };
        let end = self.line_starts.get(index + 1).unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// The source text between two positions.
    pub fn snippet(&self, start: Pos, end: Pos) -> &str {
        let from = self.offset(start);
        let to = self.offset(end).max(from);
        &self.text[from..to]
    }
}

/// All files of a run, indexed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    pub files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id)
    }
}

impl<'a> Files<'a> for SourceMap {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.get(id)
            .map(|f| f.display.as_str())
            .ok_or(FilesError::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.get(id)
            .map(|f| f.text.as_str())
            .ok_or(FilesError::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let file = self.get(id).ok_or(FilesError::FileMissing)?;
        Ok(file.line_starts.line_of(byte_index))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let file = self.get(id).ok_or(FilesError::FileMissing)?;
        let start = file
            .line_starts
            .get(line_index)
            .ok_or(FilesError::LineTooLarge {
                given: line_index,
                max: file.line_starts.len() - 1,
            })?;
        let end = file
            .line_starts
            .get(line_index + 1)
            .unwrap_or(file.text.len());
        Ok(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_found_from_their_starts() {
        let text = "fn a() {}\r\n  let é = 1;\nlast";
        let file = SourceFile::new("lib.rs".to_string(), text.to_string());
        assert_eq!(file.line_count(), 3);
        assert_eq!(file.line_text(1), "fn a() {}");
        assert_eq!(file.line_text(2), "  let é = 1;");
        assert_eq!(file.line_text(3), "last");
        assert_eq!(file.line_text(4), "");
        // Columns count chars: `=` follows `é`, two bytes but one column.
        let offset = file.offset(Pos { line: 2, column: 8 });
        assert_eq!(&text[offset..offset + 1], "=");
        // Past the end of a line or of the file, clamped.
        assert_eq!(
            file.offset(Pos {
                line: 1,
                column: 99
            }),
            9
        );
        assert_eq!(file.offset(Pos { line: 9, column: 0 }), text.len() - 4);
        let map = SourceMap { files: vec![file] };
        assert_eq!(map.line_index(0, 0).unwrap(), 0);
        assert_eq!(map.line_index(0, 11).unwrap(), 1);
        assert_eq!(map.line_index(0, text.len()).unwrap(), 2);
        assert_eq!(map.line_range(0, 1).unwrap(), 11..25);
        assert!(map.line_range(0, 3).is_err());
    }
}
