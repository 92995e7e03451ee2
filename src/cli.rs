//! The command line (clap): accepts the extra `connleak` word cargo passes.
//!
//! `cargo connleak ARGS` runs `cargo-connleak connleak ARGS`; run directly,
//! the binary gets `cargo-connleak ARGS`. Both forms work. This module owns
//! argument parsing, `--explain` / `--list-lints`, the choice of colour and
//! the exit code; the checking is [`crate::run`], the rendering is
//! [`crate::reporting`].

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

use clap::builder::PossibleValuesParser;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, ValueEnum};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};

use crate::findings::Level;
use crate::rules::Lint;
use crate::{reporting, Options};

/// Exit status of a usage error, as clap uses for its own.
const USAGE_ERROR: i32 = 2;

/// Finds database-connection leaks, pool starvation and self-deadlocks in Rust
/// source, without compiling it.
#[derive(Debug, Parser)]
#[command(name = "cargo-connleak", bin_name = "cargo connleak", version)]
struct Args {
    /// Crates, workspaces, folders or files to check [default: the current folder]
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    /// Print a lint's documentation and exit
    #[arg(long, value_name = "LINT", value_parser = lint_name_parser(), hide_possible_values = true)]
    explain: Option<String>,

    /// Print every lint with its default level and exit
    #[arg(long, conflicts_with = "explain")]
    list_lints: bool,

    /// Worker threads [default: one per core]
    #[arg(
        short = 'j',
        long = "threads",
        value_name = "N",
        default_value_t = 0,
        hide_default_value = true
    )]
    threads: usize,

    /// Report LINT as an error (repeatable; the last level given for a lint wins)
    #[arg(long, value_name = "LINT", value_parser = lint_name_parser(), hide_possible_values = true)]
    deny: Vec<String>,

    /// Report LINT as a warning (repeatable)
    #[arg(long, value_name = "LINT", value_parser = lint_name_parser(), hide_possible_values = true)]
    warn: Vec<String>,

    /// Do not report LINT (repeatable)
    #[arg(long, value_name = "LINT", value_parser = lint_name_parser(), hide_possible_values = true)]
    allow: Vec<String>,

    /// When to colour the output
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    color: ColorWhen,

    /// Print the time each phase took to stderr
    #[arg(long)]
    timings: bool,

    /// Read and parse the files, check nothing: the benchmarks' baseline
    #[arg(long, hide = true)]
    parse_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// rustc-style diagnostics
    Human,
    /// one JSON document
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorWhen {
    /// when stdout is a terminal and NO_COLOR is unset
    Auto,
    Always,
    Never,
}

/// Runs the command line and returns the process exit code: 0 no finding at
/// a failing level, 1 findings, 2 usage error or a file that could not be
/// checked.
pub fn main_with_args(mut args: Vec<OsString>) -> i32 {
    if args.get(1).is_some_and(|word| word == "connleak") {
        args.remove(1);
    }
    let matches = match Args::command().try_get_matches_from(args) {
        Ok(matches) => matches,
        // --help and --version come here too, with exit code 0.
        Err(error) => return print_clap_error(&error),
    };
    let parsed = match Args::from_arg_matches(&matches) {
        Ok(parsed) => parsed,
        Err(error) => return print_clap_error(&error),
    };

    if parsed.list_lints {
        return finish(write_stdout(&list_lints()));
    }
    if let Some(name) = &parsed.explain {
        // The value parser only lets known names through.
        let Some(lint) = Lint::from_name(name) else {
            return USAGE_ERROR;
        };
        return finish(write_stdout(&explain(lint)));
    }

    let options = Options {
        paths: parsed.paths.clone(),
        threads: parsed.threads,
        level_overrides: level_overrides(&matches),
        parse_only: parsed.parse_only,
    };
    let mut report = crate::run(&options);
    let rendering = Instant::now();
    let written = match parsed.format {
        Format::Human => {
            let stdout = StandardStream::stdout(color_choice(parsed.color));
            let mut lock = stdout.lock();
            reporting::human::render(&report, &mut lock).and_then(|()| lock.flush())
        }
        Format::Json => {
            let mut document = reporting::json::render(&report);
            if !document.ends_with('\n') {
                document.push('\n');
            }
            write_stdout(&document)
        }
    };
    report.stats.timings.report += rendering.elapsed();
    if parsed.timings {
        eprint!("{}", reporting::timings::render(&report.stats));
    }
    match finish(written) {
        0 => report.exit_code(),
        failed => failed,
    }
}

fn print_clap_error(error: &clap::Error) -> i32 {
    // If even the error cannot be printed there is nobody left to tell.
    let _ = error.print();
    error.exit_code()
}

/// `--deny/--warn/--allow` in command-line order, so that the last one given
/// for a lint wins, as with rustc's `-D/-W/-A`.
fn level_overrides(matches: &ArgMatches) -> Vec<(String, Level)> {
    let mut overrides = Vec::new();
    for (id, level) in [
        ("deny", Level::Deny),
        ("warn", Level::Warn),
        ("allow", Level::Allow),
    ] {
        let (Some(indices), Some(values)) =
            (matches.indices_of(id), matches.get_many::<String>(id))
        else {
            continue;
        };
        for (index, name) in indices.zip(values) {
            overrides.push((index, name.clone(), level));
        }
    }
    overrides.sort_by_key(|(index, _, _)| *index);
    overrides
        .into_iter()
        .map(|(_, name, level)| (name, level))
        .collect()
}

fn lint_name_parser() -> PossibleValuesParser {
    PossibleValuesParser::new(Lint::ALL.map(Lint::name))
}

fn color_choice(when: ColorWhen) -> ColorChoice {
    match when {
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
        ColorWhen::Auto => {
            if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
                // Auto, not Always: termcolor still honours TERM=dumb.
                ColorChoice::Auto
            } else {
                ColorChoice::Never
            }
        }
    }
}

fn level_word(level: Level) -> &'static str {
    match level {
        Level::Allow => "allow",
        Level::Warn => "warn",
        Level::Deny => "deny",
    }
}

/// `--list-lints`: one lint a line, columns aligned.
fn list_lints() -> String {
    let name_width = Lint::ALL
        .iter()
        .map(|lint| lint.name().len())
        .max()
        .unwrap_or(0)
        .max("LINT".len());
    let level_width = "DEFAULT".len();
    let mut text = format!(
        "{:name_width$}  {:level_width$}  SUMMARY\n",
        "LINT", "DEFAULT"
    );
    for lint in Lint::ALL {
        let info = lint.info();
        let line = format!(
            "{:name_width$}  {:level_width$}  {}",
            info.name,
            level_word(info.default_level),
            info.summary
        );
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// `--explain LINT`: a title line, then the lint's own documentation.
fn explain(lint: Lint) -> String {
    let info = lint.info();
    let mut text = format!(
        "{} (default: {})\n\n",
        info.name,
        level_word(info.default_level)
    );
    // Doc comments keep the space after `///`: drop it.
    for line in info.docs.lines() {
        text.push_str(line.strip_prefix(' ').unwrap_or(line));
        text.push('\n');
    }
    text
}

fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

/// Exit code for a failed write: a closed pipe (`| head`) is the reader's
/// choice, not an error; anything else is reported.
fn finish(written: std::io::Result<()>) -> i32 {
    match written {
        Ok(()) => 0,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(error) => {
            eprintln!("error: cannot write output: {error}");
            USAGE_ERROR
        }
    }
}
