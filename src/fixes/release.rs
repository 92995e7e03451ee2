//! Fixes for `held-across-await`: give the connection back before the
//! unrelated `.await` when nothing uses it after, or take it only after the
//! `.await` when nothing used it before.
//!
//! Both work on the block that declares the connection's binding: the
//! `.await` must lie in a later statement of that same block (so the edit
//! runs once per pass through the block, never inside a loop the binding
//! is outside of), and the name must not be bound again in between.

use crate::findings::Finding;
use crate::fixes::statements::{BindingBlock, ParsedFile};
use crate::fixes::text;
use crate::fixes::{Applicability, Edit, Fix};
use crate::flow::Holder;
use crate::source::{Pos, SourceFile, Span};

pub fn suggest(
    parsed: &ParsedFile,
    source: &SourceFile,
    finding: &Finding,
    holder: Holder,
    transaction: bool,
) -> Option<Fix> {
    let block = parsed.binding_block(holder.declared_at)?;
    let name = block.name.clone();
    let waits = block.containing(finding.primary.span)?;
    if waits <= block.binding {
        return None;
    }
    if (block.binding + 1..=waits).any(|index| block.rebinds(index, &name)) {
        return None;
    }
    let used_from_the_await =
        (waits..block.statement_count()).any(|index| block.mentions(index, &name));
    if !used_from_the_await {
        // Dropping a transaction rolls it back: whether that is what the
        // code means is for its author to say.
        if transaction {
            return None;
        }
        return drop_before(source, &block, waits, finding.primary.file);
    }
    let first_use =
        (block.binding + 1..block.statement_count()).find(|&index| block.mentions(index, &name))?;
    if first_use <= waits {
        // Used before the `.await` and after it: no edit is certain.
        return None;
    }
    move_below(source, &block, first_use, transaction, finding.primary.file)
}

/// `drop(name);` before the statement that holds the `.await`. Certain when
/// every use between the binding and there is an awaited call (what it
/// yields borrows nothing from the connection); otherwise a value made
/// from the connection may still borrow it, and a person checks.
fn drop_before(
    source: &SourceFile,
    block: &BindingBlock<'_>,
    waits: usize,
    file: usize,
) -> Option<Fix> {
    let name = &block.name;
    let borrow_free = (block.binding + 1..waits)
        .all(|index| !block.mentions(index, name) || block.is_awaited_use(index));
    let code = format!("drop({name});");
    let edit = insert_before(source, block.span(waits).start, &code, file);
    let (applicability, message) = if borrow_free {
        (
            Applicability::MachineApplicable,
            format!("drop `{name}` before this `.await`, nothing uses it after"),
        )
    } else {
        (
            Applicability::MaybeIncorrect,
            format!("drop `{name}` before this `.await`, if no value taken from it is used after"),
        )
    };
    Some(Fix {
        message,
        code,
        applicability,
        edits: vec![edit],
    })
}

/// The binding's statement moved, with the comments above it, to just
/// before the first statement that uses it. Certain when the statements
/// it moves past cannot change what its initializer reads.
fn move_below(
    source: &SourceFile,
    block: &BindingBlock<'_>,
    first_use: usize,
    transaction: bool,
    file: usize,
) -> Option<Fix> {
    let binding = block.span(block.binding);
    let target = block.span(first_use);
    if !text::starts_line(source, binding.start)
        || !text::ends_line(source, binding.end)
        || !text::starts_line(source, target.start)
    {
        return None;
    }
    let names = block.initializer_names();
    if (block.binding + 1..first_use).any(|index| block.may_disturb(index, &names)) {
        return None;
    }
    let first_line = text::comments_above(source, binding.start.line);
    let last_line = binding.end.line;
    // Between two blank lines, the statement's going would leave two: take
    // the one after it along.
    let blank = |line: u32| line >= 1 && source.line_text(line).trim().is_empty();
    let deleted_last = if blank(first_line - 1) && blank(last_line + 1) {
        last_line + 1
    } else {
        last_line
    };
    let from_indent = text::indent(source, binding.start.line).to_string();
    let to_indent = text::indent(source, target.start.line).to_string();
    let moved: String = text::lines(source, first_line, last_line)
        .into_iter()
        .map(|line| match line.strip_prefix(from_indent.as_str()) {
            Some(rest) if !line.trim().is_empty() => format!("{to_indent}{rest}"),
            _ => line,
        })
        .collect();
    let insert_at = text::line_start(text::comments_above(source, target.start.line));
    let code = text::one_line(source.snippet(binding.start, binding.end));
    let verb = if transaction { "begin" } else { "acquire" };
    Some(Fix {
        message: format!(
            "{verb} `{}` after this `.await`, just before its first use",
            block.name
        ),
        code,
        applicability: Applicability::MachineApplicable,
        edits: vec![
            Edit {
                file,
                span: Span {
                    start: text::line_start(first_line),
                    end: text::line_start(deleted_last + 1),
                },
                replacement: String::new(),
            },
            Edit {
                file,
                span: Span {
                    start: insert_at,
                    end: insert_at,
                },
                replacement: moved,
            },
        ],
    })
}

/// An insertion of `code` as a statement before the one starting at
/// `start`: on a line of its own above the statement's comments, indented
/// like it, when the statement starts its line; else just before it.
pub fn insert_before(source: &SourceFile, start: Pos, code: &str, file: usize) -> Edit {
    if text::starts_line(source, start) {
        let at = text::line_start(text::comments_above(source, start.line));
        Edit {
            file,
            span: Span { start: at, end: at },
            replacement: format!(
                "{}{code}{}",
                text::indent(source, start.line),
                text::line_ending(source)
            ),
        }
    } else {
        Edit {
            file,
            span: Span { start, end: start },
            replacement: format!("{code} "),
        }
    }
}
