//! Reading, parsing and lowering files on rayon workers: one task per file,
//! parse and lower in the same closure (syn values are not `Send`), so only
//! plain data leaves the worker. A file that cannot be read, is not UTF-8,
//! nests too deeply or does not parse becomes an error entry; the others go on.

use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::bounds::{Bound, Bounds};
use crate::discovery::DiscoveredFile;
use crate::model::lower::lower_file;
use crate::model::relevance::Vocabulary;
use crate::model::FileIr;
use crate::nesting;
use crate::packs::CoreRoles;
use crate::source::SourceFile;
use crate::source::{FileError, FileId};

/// syn recurses on nesting: workers get large stacks, enough for the
/// deepest file [`crate::nesting`] lets through even in a debug build (only
/// the pages a thread touches are ever committed).
pub const WORKER_STACK_BYTES: usize = 256 * 1024 * 1024;

pub struct ParseOutcome {
    pub source: SourceFile,
    pub result: Result<FileIr, FileError>,
    /// The file was not checked because it is over a bound (the error
    /// says which).
    pub over_bound: Option<Bound>,
    /// Time spent reading the file.
    pub read_time: Duration,
    /// Time spent parsing and lowering it.
    pub parse_time: Duration,
}

/// What a worker builds of a parsed file: nothing (`--parse-only`), or its
/// IR with the bodies a vocabulary mentions (`None`: every body).
#[derive(Clone, Copy)]
pub enum Lowering<'a> {
    None,
    Bodies {
        core: &'a CoreRoles,
        vocabulary: Option<&'a Vocabulary>,
        /// By [`FileId`]: files whose every body is lowered at once, the
        /// vocabulary aside (a package that uses a database crate).
        every_body: &'a [bool],
    },
}

impl<'a> Lowering<'a> {
    /// The lowering of file `id`: every body of a file marked in
    /// `every_body`.
    fn of_file(self, id: FileId) -> Lowering<'a> {
        match self {
            Lowering::Bodies {
                core,
                vocabulary: _,
                every_body,
            } if every_body.get(id).copied().unwrap_or(false) => Lowering::Bodies {
                core,
                vocabulary: None,
                every_body,
            },
            other => other,
        }
    }
}

/// What may be read: the files refused before reading (by
/// [`crate::bounds::refuse_by_size`], by [`FileId`]), and the bounds, of
/// which a file that grew past `file_size` since is refused too.
#[derive(Clone, Copy)]
pub struct ReadBounds<'a> {
    pub refused: &'a [Option<Bound>],
    pub bounds: &'a Bounds,
}

/// Reads, parses and lowers every file, in parallel, results in file order.
pub fn read_parse_lower(
    files: &[DiscoveredFile],
    lowering: Lowering,
    bounds: ReadBounds,
) -> Vec<ParseOutcome> {
    files
        .par_iter()
        .enumerate()
        .map(|(id, file)| process(id, file, lowering, bounds))
        .collect()
}

/// Reads and parses every file like [`read_parse_lower`] but does not lower:
/// each tree is dropped at once and the IR is left empty. The baseline the
/// benchmarks compare a whole run with (`--parse-only`).
pub fn read_and_parse(files: &[DiscoveredFile], bounds: ReadBounds) -> Vec<ParseOutcome> {
    files
        .par_iter()
        .enumerate()
        .map(|(id, file)| process(id, file, Lowering::None, bounds))
        .collect()
}

/// Checks texts already in memory (display name, bytes) like files read
/// from disk, in parallel, results in order.
pub fn parse_lower_texts(texts: &[(String, Vec<u8>)], lowering: Lowering) -> Vec<ParseOutcome> {
    texts
        .par_iter()
        .enumerate()
        .map(|(id, (display, bytes))| {
            let started = Instant::now();
            let text = text_of(bytes.clone());
            check_text(id, display, text, started.elapsed(), lowering)
        })
        .collect()
}

fn process(
    id: FileId,
    file: &DiscoveredFile,
    lowering: Lowering,
    bounds: ReadBounds,
) -> ParseOutcome {
    let started = Instant::now();
    let size_bound = |bound: Bound| bound.error(&file.display, bound.of(bounds.bounds)).message;
    // A file that grew past the bound after it was measured is refused
    // while it is read.
    let (text, over_bound) = match bounds.refused.get(id).copied().flatten() {
        Some(bound) => (Err(size_bound(bound)), Some(bound)),
        None => match read_at_most(&file.path, bounds.bounds.file_size) {
            Ok(Some(bytes)) => (text_of(bytes), None),
            Ok(None) => (Err(size_bound(Bound::FileSize)), Some(Bound::FileSize)),
            Err(message) => (Err(message), None),
        },
    };
    let mut outcome = check_text(id, &file.display, text, started.elapsed(), lowering);
    outcome.over_bound = over_bound;
    outcome
}

/// The bytes of a file, or `None` when it holds more than `limit`: never
/// more than `limit + 1` bytes are read.
fn read_at_most(path: &std::path::Path, limit: u64) -> Result<Option<Vec<u8>>, String> {
    use std::io::Read;
    let file =
        std::fs::File::open(path).map_err(|error| format!("cannot read the file: {error}"))?;
    // Sized from the file's length, so that the text kept for the whole run
    // has no spare capacity; the bound applies all the same.
    let expected = file
        .metadata()
        .map(|metadata| metadata.len().min(limit).saturating_add(1))
        .unwrap_or(0);
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|error| format!("cannot read the file: {error}"))?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

fn check_text(
    id: FileId,
    display: &str,
    text: Result<String, String>,
    read_time: Duration,
    lowering: Lowering,
) -> ParseOutcome {
    let started = Instant::now();
    let (source, result) = match text {
        Ok(text) => {
            let source = SourceFile::new(display.to_string(), text);
            let result =
                parse_and_lower(id, &source, lowering).map_err(|(line, message)| FileError {
                    file: display.to_string(),
                    line,
                    message,
                });
            (source, result)
        }
        Err(message) => (
            SourceFile::new(display.to_string(), String::new()),
            Err(FileError {
                file: display.to_string(),
                line: None,
                message,
            }),
        ),
    };
    ParseOutcome {
        source,
        result,
        over_bound: None,
        read_time,
        parse_time: started.elapsed(),
    }
}

/// The text of a file's bytes, or why it is not Rust source.
fn text_of(bytes: Vec<u8>) -> Result<String, String> {
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
    lowering: Lowering,
) -> Result<FileIr, (Option<u32>, String)> {
    let scan = nesting::scan(&source.text);
    if let Some(line) = scan.too_deep_at {
        return Err((
            Some(line),
            format!(
                "the code nests too deep here (brackets, generics or chained operators more than {} levels); the file is not checked",
                nesting::MAX_DEPTH
            ),
        ));
    }
    let lowering = lowering.of_file(id);
    let outcome = match syn::parse_file(&source.text) {
        Ok(syntax) => Ok(match lowering {
            Lowering::Bodies {
                core, vocabulary, ..
            } => lower_file(&syntax, id, source, core, vocabulary),
            Lowering::None => FileIr {
                file: id,
                lines: source.line_count(),
                ..FileIr::default()
            },
        }),
        Err(error) => Err(describe_syntax_error(&error, &scan)),
    };
    // Spans of this file are no longer needed: keep the thread's span table
    // from growing with every file it parses.
    proc_macro2::extra::invalidate_current_thread_spans();
    outcome
}

/// The line and message of a syntax error. syn reports every lexer error as
/// "cannot parse string into token stream"; a delimiter that does not match
/// is by far the most common cause, and the scan knows where it is.
fn describe_syntax_error(error: &syn::Error, scan: &nesting::Scan) -> (Option<u32>, String) {
    let line = (error.span().start().line as u32).max(1);
    let message = error.to_string();
    if message != LEXER_ERROR {
        return (Some(line), format!("syntax error: {message}"));
    }
    match &scan.delimiter_problem {
        Some((line, problem)) => (Some(*line), format!("syntax error: {problem}")),
        None => (
            Some(line),
            String::from(
                "syntax error: cannot split the text into tokens (an unterminated string, character or comment, or a character Rust does not allow)",
            ),
        ),
    }
}

/// syn's message for any error of proc-macro2's lexer.
const LEXER_ERROR: &str = "cannot parse string into token stream";
