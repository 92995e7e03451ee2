//! Reading, parsing and lowering files on rayon workers: one task per file,
//! parse and lower in the same closure (syn values are not `Send`), so only
//! plain data leaves the worker. A file that cannot be read, is not UTF-8,
//! nests too deeply or does not parse becomes an error entry; the others go on.

use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::discovery::DiscoveredFile;
use crate::findings::{FileError, FileId};
use crate::model::lower::lower_file;
use crate::model::FileIr;
use crate::packs::CoreRoles;
use crate::source::SourceFile;

/// syn recurses on nesting: workers get large stacks.
pub const WORKER_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Brackets nested deeper than this are refused before parsing: syn (and
/// dropping its tree) recurse once per level, and no hand-written code comes
/// near it.
pub const MAX_NESTING: usize = 512;

pub struct ParseOutcome {
    pub source: SourceFile,
    pub result: Result<FileIr, FileError>,
    /// Time spent reading the file.
    pub read_time: Duration,
    /// Time spent parsing and lowering it.
    pub parse_time: Duration,
}

/// Reads, parses and lowers every file, in parallel, results in file order.
pub fn read_parse_lower(files: &[DiscoveredFile], core: &CoreRoles) -> Vec<ParseOutcome> {
    files
        .par_iter()
        .enumerate()
        .map(|(id, file)| process(id, file, core))
        .collect()
}

fn process(id: FileId, file: &DiscoveredFile, core: &CoreRoles) -> ParseOutcome {
    let started = Instant::now();
    let text = read_text(file);
    let read_time = started.elapsed();
    let started = Instant::now();
    let (source, result) = match text {
        Ok(text) => {
            let source = SourceFile::new(file.display.clone(), text);
            let result = parse_and_lower(id, &source, core).map_err(|(line, message)| FileError {
                file: file.display.clone(),
                line,
                message,
            });
            (source, result)
        }
        Err(message) => (
            SourceFile::new(file.display.clone(), String::new()),
            Err(FileError {
                file: file.display.clone(),
                line: None,
                message,
            }),
        ),
    };
    ParseOutcome {
        source,
        result,
        read_time,
        parse_time: started.elapsed(),
    }
}

fn read_text(file: &DiscoveredFile) -> Result<String, String> {
    let bytes =
        std::fs::read(&file.path).map_err(|error| format!("cannot read the file: {error}"))?;
    let text = String::from_utf8(bytes).map_err(|error| {
        let offset = error.utf8_error().valid_up_to();
        if error.as_bytes().contains(&0) {
            String::from("not a Rust source file: it holds binary data")
        } else {
            format!("not valid UTF-8 (first bad byte at offset {offset})")
        }
    })?;
    if text.contains('\0') {
        return Err(String::from("not a Rust source file: it holds NUL bytes"));
    }
    // A byte-order mark is not part of the code; columns count from after it.
    Ok(text
        .strip_prefix('\u{feff}')
        .map(str::to_owned)
        .unwrap_or(text))
}

/// Parses and lowers one file; on failure, the line and the reason.
fn parse_and_lower(
    id: FileId,
    source: &SourceFile,
    core: &CoreRoles,
) -> Result<FileIr, (Option<u32>, String)> {
    if let Some((line, depth)) = too_deep(&source.text) {
        return Err((
            Some(line),
            format!("brackets nest {depth} levels deep here (more than {MAX_NESTING}); the file is not checked"),
        ));
    }
    let outcome = match syn::parse_file(&source.text) {
        Ok(syntax) => Ok(lower_file(&syntax, id, source.line_count(), core)),
        Err(error) => {
            let line = error.span().start().line as u32;
            Err((Some(line.max(1)), format!("syntax error: {error}")))
        }
    };
    // Spans of this file are no longer needed: keep the thread's span table
    // from growing with every file it parses.
    proc_macro2::extra::invalidate_current_thread_spans();
    outcome
}

/// The first line where brackets nest deeper than [`MAX_NESTING`], skipping
/// comments, strings and character literals.
fn too_deep(text: &str) -> Option<(u32, usize)> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut line = 1u32;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some((line, depth));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut nested = 0usize;
                while i < bytes.len() {
                    if bytes[i] == b'\n' {
                        line += 1;
                    }
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        nested += 1;
                        i += 2;
                        continue;
                    }
                    if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        nested -= 1;
                        i += 2;
                        if nested == 0 {
                            break;
                        }
                        continue;
                    }
                    i += 1;
                }
                continue;
            }
            b'r' if matches!(bytes.get(i + 1), Some(b'#' | b'"'))
                && (i == 0 || !is_ident_byte(bytes[i - 1])) =>
            {
                let mut hashes = 0;
                let mut j = i + 1;
                while bytes.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                if bytes.get(j) == Some(&b'"') {
                    j += 1;
                    while j < bytes.len() {
                        if bytes[j] == b'\n' {
                            line += 1;
                        }
                        if bytes[j] == b'"'
                            && bytes[j + 1..]
                                .iter()
                                .take(hashes)
                                .filter(|b| **b == b'#')
                                .count()
                                == hashes
                        {
                            j += 1 + hashes;
                            break;
                        }
                        j += 1;
                    }
                    i = j;
                    continue;
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    if bytes.get(i) == Some(&b'\n') {
                        line += 1;
                    }
                    i += 1;
                }
            }
            b'\'' => {
                // A character literal ('x', '\n', '\u{..}'), not a lifetime.
                if bytes.get(i + 1) == Some(&b'\\') {
                    if let Some(end) = bytes[i + 2..].iter().take(12).position(|b| *b == b'\'') {
                        i += end + 3;
                        continue;
                    }
                } else if let Some(len) = text[i + 1..].chars().next().map(char::len_utf8) {
                    if bytes.get(i + 1 + len) == Some(&b'\'') {
                        i += len + 2;
                        continue;
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn is_ident_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_counts_brackets_outside_strings_and_comments() {
        let shallow = "fn f() { let s = \"((((\"; // ((((\n /* [[[[ */ let c = '('; }";
        assert_eq!(too_deep(shallow), None);
        let deep = format!("fn f() {{ {} }}", "(".repeat(MAX_NESTING + 1));
        assert_eq!(too_deep(&deep).map(|(line, _)| line), Some(1));
        let raw = "fn f() { let s = r#\"(((\"#; }";
        assert_eq!(too_deep(raw), None);
    }
}
