//! The command line (clap): accepts the extra `connleak` word cargo passes.
//!
//! `cargo connleak ARGS` runs `cargo-connleak connleak ARGS`; run directly,
//! the binary gets `cargo-connleak ARGS`. Both forms work. This module owns
//! argument parsing (cargo's package selectors, and clippy's `-D/-W/-A` after
//! `--`), `--explain` / `--list-lints`, the choice of colour (`--color`,
//! `CARGO_TERM_COLOR`, `NO_COLOR`, `CLICOLOR`, `CLICOLOR_FORCE`), where the
//! output goes (`--output`), the exit code, and the order of the steps
//! around a run: inputs that can be wrong (`--baseline`, `--changed-since`)
//! are checked before it, then the baseline and the changed lines filter
//! its report, then test code is left out unless asked for. The checking is
//! [`crate::run`], the filters are [`crate::baseline`] and
//! [`crate::changes`], the rendering is [`crate::reporting`].

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::builder::PossibleValuesParser;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, ValueEnum};
use codespan_reporting::term::termcolor::{Ansi, ColorChoice, NoColor, StandardStream, WriteColor};

use crate::baseline::{self, Baseline};
use crate::bounds::Bound;
use crate::changes::ChangedLines;
use crate::discovery::{self, CargoTarget};
use crate::findings::Level;
use crate::rules::Lint;
use crate::{fixes, reporting, spelling, write_guard, Options, Report};

/// Exit status of a usage error, as clap uses for its own.
const USAGE_ERROR: i32 = 2;

/// Finds database-connection leaks, pool starvation and self-deadlocks in Rust
/// source, without compiling it.
#[derive(Debug, Parser)]
#[command(name = "cargo-connleak", bin_name = "cargo connleak", version)]
struct Args {
    /// Crates, workspaces, folders, files or Cargo.toml manifests to report on
    /// [default: the current folder]; the workspace around them is analysed whole
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// Report on this package of the workspace (repeatable; globs allowed)
    #[arg(
        short = 'p',
        long = "package",
        value_name = "SPEC",
        conflicts_with = "paths"
    )]
    packages: Vec<String>,

    /// Report on every member of the workspace
    #[arg(long, alias = "all", conflicts_with = "paths")]
    workspace: bool,

    /// With --workspace: leave out this package (repeatable; globs allowed)
    #[arg(long, value_name = "SPEC", requires = "workspace")]
    exclude: Vec<String>,

    /// The workspace or package of this Cargo.toml [default: the one around the current folder]
    #[arg(long, value_name = "PATH", conflicts_with = "paths")]
    manifest_path: Option<PathBuf>,

    /// Use only this configuration file (connleak.toml, or a Cargo.toml with
    /// connleak tables), not those found in the tree; its globs are relative
    /// to the workspace root
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Report findings in test code too (tests, `#[cfg(test)]`, benches,
    /// examples, crates only dev-dependencies reach)
    #[arg(long)]
    include_tests: bool,

    /// Read files that a symlink (or a `path` dependency) places outside the
    /// repository; by default they are skipped
    #[arg(long)]
    follow_external_symlinks: bool,

    /// Bytes of source in one file; a larger file is not checked (an error, exit 2) [default: 16 MiB]
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    max_file_size: Option<u64>,

    /// Steps the flow analysis may take in one file (see `--timings`); past it the file's findings are withheld (an error, exit 2) [default: 500,000,000]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_file_steps: Option<u64>,

    /// Bytes of source the whole run may read; the files after it are not checked (an error, exit 2) [default: 512 MiB]
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    max_run_size: Option<u64>,

    /// Steps the flow analysis may take over the whole run; the files from where it is crossed are withheld (an error, exit 2) [default: 5,000,000,000]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_run_steps: Option<u64>,

    /// Write the report to FILE instead of stdout
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Print the findings counted per lint and per crate instead of one by one
    #[arg(long)]
    statistics: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,

    /// The same as `--format cargo`, for tools that pass cargo's flag
    #[arg(
        long,
        value_name = "FMT",
        value_parser = ["json", "json-diagnostic-short", "json-diagnostic-rendered-ansi", "json-render-diagnostics"],
        conflicts_with = "format"
    )]
    message_format: Option<String>,

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

    /// Lowest level that fails the run (exit 1) [default: `fail-on` in configuration, else deny]
    #[arg(long, value_enum, value_name = "LEVEL")]
    fail_on: Option<FailOn>,

    /// Report only findings that are not recorded in this baseline file
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// Record every current finding in FILE as a new baseline, and exit
    #[arg(long, value_name = "FILE", conflicts_with_all = ["baseline", "changed_since"])]
    write_baseline: Option<PathBuf>,

    /// Apply the machine-applicable fixes to the files, then report what is left
    #[arg(long, conflicts_with_all = ["write_baseline", "diff"])]
    fix: bool,

    /// With --fix: fix even when the tree has uncommitted changes or is not in git
    #[arg(long, requires = "fix")]
    allow_dirty: bool,

    /// Print the machine-applicable fixes as a unified diff instead of the report
    #[arg(long, conflicts_with = "write_baseline")]
    diff: bool,

    /// With --baseline: list on stderr the entries that match no finding any more
    #[arg(long, requires = "baseline")]
    list_fixed: bool,

    /// Report only findings on lines added or changed since the git revision REF
    #[arg(long, value_name = "REF")]
    changed_since: Option<String>,

    /// When to colour the output [default: CARGO_TERM_COLOR, else auto]
    #[arg(long, value_enum, value_name = "WHEN")]
    color: Option<ColorWhen>,

    /// Also print on stderr the configuration in force, what was read and
    /// left out, and how many connections could not be followed
    #[arg(short, long, conflicts_with = "quiet")]
    verbose: bool,

    /// Print the findings and errors only: no summary line, no notes
    #[arg(short, long)]
    quiet: bool,

    /// As for clippy: `-D LINT`, `-W LINT`, `-A LINT` (also `warnings`, and
    /// `--deny/--warn/--allow`), after the other arguments
    #[arg(last = true, value_name = "LINT-ARGS", allow_hyphen_values = true)]
    lint_args: Vec<String>,

    /// Print the time each phase took to stderr
    #[arg(long)]
    timings: bool,

    /// Read and parse the files, check nothing: the benchmarks' baseline
    #[arg(long, hide = true)]
    parse_only: bool,

    /// Lower every function body, not only those that can touch a
    /// connection: the same findings, slower (checks the selection)
    #[arg(long, hide = true)]
    lower_all: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// rustc-style diagnostics
    Human,
    /// one line per finding
    Short,
    /// one JSON document
    Json,
    /// SARIF 2.1.0 (GitHub code scanning)
    Sarif,
    /// GitHub Actions workflow commands (annotations)
    Github,
    /// cargo's JSON messages (rust-analyzer, cargo tooling)
    Cargo,
    /// one self-contained HTML page, with each path drawn over its code
    Html,
    /// a GitLab Code Quality report
    Gitlab,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    /// warnings and errors fail the run
    Warn,
    /// only errors fail the run
    Deny,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorWhen {
    /// on a terminal, unless NO_COLOR or CLICOLOR=0 (CLICOLOR_FORCE forces it)
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

    let format = if parsed.message_format.is_some() {
        Format::Cargo
    } else {
        parsed.format
    };
    if parsed.statistics && !matches!(format, Format::Human | Format::Short) {
        return usage_error("--statistics goes with --format human or short");
    }
    // After `--`: what clippy users pass there, or a clear refusal.
    let (after_dash_levels, warnings) = match lint_arguments(&parsed.lint_args) {
        Ok(read) => read,
        Err(message) => return usage_error(&message),
    };

    // Both inputs are checked before the analysis, so that a typo in CI
    // fails at once, with a message, rather than after the whole run.
    let baseline = match &parsed.baseline {
        Some(path) => match Baseline::read(path) {
            Ok(baseline) => Some(baseline),
            Err(message) => return usage_error(&message),
        },
        None => None,
    };
    let changed = match &parsed.changed_since {
        Some(revision) => match ChangedLines::since(&git_workdir(&parsed.paths), revision) {
            Ok(changed) => Some(changed),
            Err(message) => return usage_error(&message),
        },
        None => None,
    };

    let mut level_overrides = level_overrides(&matches);
    level_overrides.extend(after_dash_levels);
    let options = Options {
        paths: parsed.paths.clone(),
        selection: discovery::Selection {
            packages: parsed.packages.clone(),
            workspace: parsed.workspace,
            exclude: parsed.exclude.clone(),
            manifest_path: parsed.manifest_path.clone(),
        },
        config_file: parsed.config.clone(),
        threads: parsed.threads,
        level_overrides,
        warnings,
        fail_on: parsed.fail_on.map(|fail_on| match fail_on {
            FailOn::Warn => Level::Warn,
            FailOn::Deny => Level::Deny,
        }),
        include_tests: parsed.include_tests,
        follow_external_symlinks: parsed.follow_external_symlinks,
        bounds: [
            (Bound::FileSize, parsed.max_file_size),
            (Bound::FileSteps, parsed.max_file_steps),
            (Bound::RunSize, parsed.max_run_size),
            (Bound::RunSteps, parsed.max_run_steps),
        ]
        .into_iter()
        .filter_map(|(bound, limit)| Some((bound, limit?)))
        .collect(),
        timed: parsed.timings,
        parse_only: parsed.parse_only,
        lower_all: parsed.lower_all,
    };
    // Like `cargo fix`: edits land only where git can show and undo them.
    if parsed.fix && !parsed.allow_dirty {
        if let Err(message) = fixes::applying::check_clean(&git_workdir(&parsed.paths)) {
            return usage_error(&message);
        }
    }
    let mut report = crate::run(&options);
    let mut reporting_started = Instant::now();

    // A run that could not start says why, and nothing else.
    if !report.selection_errors.is_empty() {
        for message in &report.selection_errors {
            eprintln!("error: {message}");
        }
        return USAGE_ERROR;
    }
    if parsed.verbose {
        eprint!("{}", verbose_configuration(&report));
    }

    if let Some(path) = &parsed.write_baseline {
        // A run that could not start has no findings: recording them would
        // write an empty baseline over a good one.
        if !report.configuration_errors.is_empty() {
            for error in &report.errors {
                print_error_line(error);
            }
            return USAGE_ERROR;
        }
        return write_baseline(&report, path, parsed.quiet);
    }
    let mut fixed = filter(&mut report, baseline.as_ref(), changed.as_ref());

    let mut fix_failed = false;
    if parsed.fix {
        let mut total = fixes::applying::Written::default();
        // A fix waits when another one in its function comes first; each
        // round checks the tree again, so it is worked out on the new text.
        for _ in 0..MAX_FIX_ROUNDS {
            let round = fixes::applying::write_round(&report, &report.display_root);
            let progressed = round.fixed > 0 && round.errors.is_empty();
            total.fixed += round.fixed;
            total.files.extend(round.files);
            total.errors.extend(round.errors);
            total.held_back = round.held_back;
            if !progressed {
                break;
            }
            report = crate::run(&options);
            reporting_started = Instant::now();
            fixed = filter(&mut report, baseline.as_ref(), changed.as_ref());
        }
        eprint!("{}", fix_summary(&total));
        fix_failed = !total.errors.is_empty();
    }
    if parsed.diff {
        let (diff, count, held_back, needs_a_person) = fixes::applying::diff_round(&report);
        eprint!("{}", diff_summary(count, held_back, needs_a_person));
        return match finish(write_stdout(&diff)) {
            0 => report.exit_code(),
            failed => failed,
        };
    }

    let to_terminal = match &parsed.output {
        Some(_) => false,
        None => std::io::stdout().is_terminal(),
    };
    let colour = color_choice(parsed.color, to_terminal);
    let written = match format {
        Format::Human | Format::Short => {
            let render = |out: &mut dyn WriteColor| -> std::io::Result<()> {
                if parsed.statistics {
                    reporting::statistics::render(&report, out)?;
                } else if format == Format::Short {
                    reporting::short::render_findings(&report, out)?;
                } else {
                    reporting::human::render_findings(&report, out)?;
                }
                if !parsed.quiet {
                    reporting::human::write_summary(&report, out)?;
                }
                out.flush()
            };
            match &parsed.output {
                Some(path) => {
                    let mut bytes = Vec::new();
                    let rendered = if colour == ColorChoice::Always {
                        render(&mut Ansi::new(&mut bytes))
                    } else {
                        render(&mut NoColor::new(&mut bytes))
                    };
                    rendered.and_then(|()| write_output(path, &bytes))
                }
                None => {
                    let stdout = StandardStream::stdout(colour);
                    let mut lock = stdout.lock();
                    render(&mut lock)
                }
            }
        }
        Format::Json => write_text(&parsed.output, &reporting::json::render(&report)),
        Format::Sarif => write_text(&parsed.output, &reporting::sarif::render(&report)),
        Format::Github => write_text(&parsed.output, &reporting::github::render(&report)),
        Format::Cargo => {
            let targets = cargo_targets(&report);
            write_text(&parsed.output, &reporting::cargo::render(&report, &targets))
        }
        Format::Html => {
            let crates = cargo_targets(&report)
                .into_iter()
                .map(|(file, target)| (file, target.package_name))
                .collect();
            write_text(
                &parsed.output,
                &reporting::html::render(&report, &crates, &report.display_root),
            )
        }
        Format::Gitlab => write_text(&parsed.output, &reporting::gitlab::render(&report)),
    };
    report.stats.timings.report += reporting_started.elapsed();
    if parsed.timings {
        eprint!("{}", reporting::timings::render(&report.stats));
    }
    if parsed.list_fixed {
        eprint!("{}", list_fixed(&fixed));
    }
    if parsed.verbose {
        eprintln!("{}", verbose_summary(&report));
    }
    // A file that failed to check is named on stderr too when the report
    // went to a file: CI logs must say why the step failed.
    if parsed.output.is_some() && !parsed.quiet {
        for error in &report.errors {
            print_error_line(error);
        }
    }
    match finish(written) {
        0 if fix_failed => USAGE_ERROR,
        0 => report.exit_code(),
        failed => failed,
    }
}

/// Rounds of `--fix` at most: each fixes at most one finding per function.
const MAX_FIX_ROUNDS: usize = 8;

/// The baseline and the changed lines, applied to a run's report, then
/// test code left out unless asked for; returns the baseline entries that
/// matched nothing. Fixes and every format see what is left.
fn filter(
    report: &mut Report,
    baseline: Option<&Baseline>,
    changed: Option<&ChangedLines>,
) -> Vec<baseline::Entry> {
    let mut fixed = Vec::new();
    if let Some(baseline) = baseline {
        fixed = baseline.apply(report);
    }
    if let Some(changed) = changed {
        let display_root = report.display_root.clone();
        changed.retain_touching(report, &display_root);
    }
    report.leave_out_test_code();
    fixed
}

/// What `--fix` did, for stderr.
fn fix_summary(written: &fixes::applying::Written) -> String {
    let mut text = if written.fixed == 0 && !written.errors.is_empty() {
        String::from("connleak: no fix could be written\n")
    } else if written.fixed == 0 {
        String::from("connleak: nothing to fix\n")
    } else {
        let mut files = written.files.clone();
        files.sort();
        files.dedup();
        format!(
            "connleak: fixed {} in {}: {}\n",
            match written.fixed {
                1 => String::from("1 finding"),
                count => format!("{count} findings"),
            },
            match files.len() {
                1 => String::from("1 file"),
                count => format!("{count} files"),
            },
            files.join(", ")
        )
    };
    if written.held_back > 0 {
        text.push_str(&format!(
            "connleak: {} more could not be applied in {MAX_FIX_ROUNDS} rounds; run --fix again\n",
            written.held_back
        ));
    }
    for error in &written.errors {
        text.push_str(&format!("error: {error}\n"));
    }
    text
}

/// What `--diff` shows and leaves out, for stderr.
fn diff_summary(count: usize, held_back: usize, needs_a_person: usize) -> String {
    let mut text = match count {
        0 => String::from("connleak: no fix to apply\n"),
        1 => String::from("connleak: 1 fix; `--fix` applies it\n"),
        count => format!("connleak: {count} fixes; `--fix` applies them\n"),
    };
    if held_back > 0 {
        text.push_str(&format!(
            "connleak: {held_back} more come after these (another fix in the same function goes first)\n"
        ));
    }
    if needs_a_person > 0 {
        text.push_str(&format!(
            "connleak: {needs_a_person} suggestion(s) need a person and are not in the diff (see the report)\n"
        ));
    }
    text
}

/// One error on stderr, `error: file:line: message`.
fn print_error_line(error: &crate::source::FileError) {
    match error.line {
        Some(line) => eprintln!("error: {}:{line}: {}", error.file, error.message),
        None => eprintln!("error: {}: {}", error.file, error.message),
    }
}

/// Writes a whole text to `--output FILE`, or to stdout.
fn write_text(output: &Option<PathBuf>, text: &str) -> std::io::Result<()> {
    match output {
        Some(path) => write_output(path, text.as_bytes()),
        None => write_stdout(text),
    }
}

/// `--output FILE`: only inside the repository and never through a link
/// ([`write_guard`]), as every file connleak writes.
fn write_output(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let written = std::env::current_dir()
        .map_err(|error| format!("cannot read the current folder: {error}"))
        .and_then(|folder| write_guard::repository_root(&folder))
        .and_then(|root| write_guard::write_file(path, bytes, &root));
    written.map_err(|message| std::io::Error::other(format!("--output: {message}")))
}

/// Levels for named lints in command-line order, and what becomes of
/// `warnings`.
type LintArguments = (Vec<(String, Level)>, Option<Level>);

/// The arguments after `--`, read as clippy reads them: `-D LINT`,
/// `-DLINT`, `--deny LINT`, `--deny=LINT` (and W/A, warn/allow, F/forbid
/// as deny). A lint is a connleak lint name (`held_across_await` and a
/// `connleak::` prefix are accepted) or `warnings`. Anything else is
/// refused, with what is accepted.
fn lint_arguments(arguments: &[String]) -> Result<LintArguments, String> {
    let mut levels = Vec::new();
    let mut warnings = None;
    let mut index = 0;
    while index < arguments.len() {
        let argument = &arguments[index];
        let flags: [(&str, &str, Level); 4] = [
            ("-D", "--deny", Level::Deny),
            ("-F", "--forbid", Level::Deny),
            ("-W", "--warn", Level::Warn),
            ("-A", "--allow", Level::Allow),
        ];
        let mut matched = None;
        for (short, long, level) in flags {
            if argument == short || argument == long {
                let Some(name) = arguments.get(index + 1) else {
                    return Err(format!("`{argument}` after `--` needs a lint name"));
                };
                index += 1;
                matched = Some((name.clone(), level));
            } else if let Some(name) = argument.strip_prefix(&format!("{long}=")) {
                matched = Some((name.to_string(), level));
            } else if let Some(name) = argument.strip_prefix(short).filter(|name| !name.is_empty())
            {
                matched = Some((name.to_string(), level));
            }
            if matched.is_some() {
                break;
            }
        }
        let Some((name, level)) = matched else {
            return Err(format!(
                "`{argument}` after `--` is not something connleak understands: only `-D`, `-W` \
                 and `-A` (or `--deny`, `--warn`, `--allow`) with a connleak lint or `warnings` \
                 go there, as for clippy"
            ));
        };
        let written = name.strip_prefix("connleak::").unwrap_or(&name);
        if written == "warnings" {
            warnings = match level {
                Level::Warn => None,
                other => Some(other),
            };
        } else {
            let lint_name = written.replace('_', "-");
            if written.contains("::") {
                return Err(format!(
                    "`{name}` after `--` is a lint of another tool: connleak takes its own lints \
                     there (`cargo connleak --list-lints` lists them) and `warnings`"
                ));
            }
            let Some(lint) = Lint::from_name(&lint_name) else {
                let suggestion = spelling::did_you_mean(written, Lint::ALL.map(Lint::name));
                let mut message = format!(
                    "unknown lint `{name}` after `--`: `cargo connleak --list-lints` lists them"
                );
                if !suggestion.is_empty() {
                    message.push_str("; ");
                    message.push_str(&suggestion);
                }
                return Err(message);
            };
            levels.push((lint.name().to_string(), level));
        }
        index += 1;
    }
    Ok((levels, warnings))
}

/// `-v`, before the findings: the configuration in force for each set of
/// files (which sources, which wins, the levels they set) and what
/// discovery left out.
fn verbose_configuration(report: &Report) -> String {
    let mut text = String::new();
    text.push_str(&format!(
        "connleak: file names are relative to {}\n",
        report.display_root.display()
    ));
    if let Some(repository) = &report.repository_root {
        if report.repository_prefix().is_empty() {
            text.push_str("connleak: the git repository starts there too\n");
        } else {
            text.push_str(&format!(
                "connleak: SARIF and GitHub name files from the git repository at {} (prefix `{}`)\n",
                repository.display(),
                report.repository_prefix()
            ));
        }
    }
    let members = report
        .workspace
        .packages
        .iter()
        .filter(|p| p.is_member)
        .count();
    if !report.workspace.packages.is_empty() {
        text.push_str(&format!(
            "connleak: {} package(s) read ({members} workspace member(s)): {}\n",
            report.workspace.packages.len(),
            some_of(
                &report
                    .workspace
                    .packages
                    .iter()
                    .map(|package| package.name.clone())
                    .collect::<Vec<_>>()
            )
        ));
    }
    for scope in &report.configuration {
        text.push_str(&format!(
            "connleak: configuration for {}:\n",
            some_of(&scope.applies_to)
        ));
        if scope.sources.is_empty() {
            text.push_str("  sources: none, the defaults apply\n");
        } else {
            text.push_str(&format!(
                "  sources, the later winning over the earlier: {}\n",
                scope.sources.join(", ")
            ));
        }
        for overridden in &scope.overridden {
            text.push_str(&format!("  {overridden}\n"));
        }
        for (lint, level, origin) in &scope.levels {
            text.push_str(&format!(
                "  {lint} = {} (from {origin})\n",
                level_word(*level)
            ));
        }
        text.push_str(&format!(
            "  fail-on = {}; test code {}{}\n",
            level_word(scope.policy.fail_on),
            if scope.policy.show_test_code {
                "reported"
            } else {
                "left out"
            },
            if scope.policy.test_code_fails {
                " and may fail the run"
            } else {
                ""
            }
        ));
        if !scope.exclude.is_empty() {
            text.push_str(&format!("  exclude: {}\n", scope.exclude.join(", ")));
        }
        if !scope.resources.is_empty() {
            text.push_str(&format!("  resources: {}\n", scope.resources.join(", ")));
        }
    }
    for note in &report.notes {
        text.push_str(&format!("connleak: {note}\n"));
    }
    text.push_str(&format!(
        "connleak: bounds: {}\n",
        report
            .bound_origins
            .iter()
            .map(|(bound, origin)| format!(
                "{} = {} ({origin})",
                bound.key(),
                bound.of(&report.bounds)
            ))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    text
}

/// A list for one line: the first few names, then how many more.
fn some_of(names: &[String]) -> String {
    const SHOWN: usize = 8;
    if names.len() <= SHOWN {
        return names.join(", ");
    }
    format!(
        "{} and {} more",
        names[..SHOWN].join(", "),
        names.len() - SHOWN
    )
}

/// `--verbose`: what was checked, and what the analysis had to let go.
fn verbose_summary(report: &Report) -> String {
    let stats = &report.stats;
    let mut text = format!(
        "connleak: reported on {} files ({} lines) of {} read, in {} ms; {} connection(s) moved where they could not be followed, not reported",
        stats.files, stats.lines, stats.files_read, stats.elapsed_ms, stats.untracked_connections
    );
    if stats.summary_rounds_cut > 0 {
        text.push_str(&format!(
            "; {} fixpoint(s) of the function summaries stopped at their round limit: call chains deeper than that were not followed",
            stats.summary_rounds_cut
        ));
    }
    for (file, bound) in &report.over_bounds {
        let name = report
            .sources
            .get(*file)
            .map(|source| source.display.as_str())
            .unwrap_or("<unknown>");
        text.push_str(&format!(
            "\nconnleak: {name} reached the bound {} = {} (`{}`): {}",
            bound.key(),
            bound.of(&report.bounds),
            bound.flag(),
            match bound {
                Bound::FileSize | Bound::RunSize => "not checked",
                Bound::FileSteps | Bound::RunSteps => "its findings are withheld",
            }
        ));
    }
    text
}

/// `--write-baseline`: records the findings and prints nothing on stdout.
/// Files that could not be checked are reported, and fail the run: their
/// findings are missing from the baseline.
fn write_baseline(report: &Report, path: &Path, quiet: bool) -> i32 {
    let baseline = Baseline::from_report(report);
    let written = std::env::current_dir()
        .map_err(|error| format!("cannot read the current folder: {error}"))
        .and_then(|folder| write_guard::repository_root(&folder))
        .and_then(|root| baseline.write(path, &root));
    if let Err(message) = written {
        return usage_error(&message);
    }
    if !quiet {
        eprintln!(
            "connleak: recorded {} in {}",
            match baseline.entries.len() {
                1 => String::from("1 finding"),
                count => format!("{count} findings"),
            },
            path.display()
        );
    }
    for error in &report.errors {
        print_error_line(error);
    }
    if report.errors.is_empty() {
        0
    } else {
        USAGE_ERROR
    }
}

/// `--list-fixed`: the baseline entries that matched nothing.
fn list_fixed(fixed: &[baseline::Entry]) -> String {
    let mut text = match fixed.len() {
        0 => String::from("connleak: no baseline entry is fixed\n"),
        1 => String::from("connleak: 1 baseline entry matches no finding any more (fixed):\n"),
        count => format!("connleak: {count} baseline entries match no finding any more (fixed):\n"),
    };
    for entry in fixed {
        let item = if entry.item.is_empty() {
            String::new()
        } else {
            format!(" in `{}`", entry.item)
        };
        text.push_str(&format!(
            "  {} [{}]{item}: {} ({})\n",
            entry.file, entry.lint, entry.message, entry.fingerprint
        ));
    }
    text
}

/// Where to ask git: the one folder given, the folder of the one file
/// given, else the current folder.
fn git_workdir(paths: &[PathBuf]) -> PathBuf {
    match paths {
        [only] if only.is_file() => match only.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        },
        [only] if only.is_dir() => only.clone(),
        _ => PathBuf::from("."),
    }
}

/// The cargo package and target of every file a cargo message will name.
fn cargo_targets(report: &Report) -> BTreeMap<String, CargoTarget> {
    let display_root = &report.display_root;
    let mut names: Vec<&str> = report
        .findings
        .iter()
        .filter_map(|finding| report.sources.get(finding.primary.file))
        .map(|source| source.display.as_str())
        .chain(report.errors.iter().map(|error| error.file.as_str()))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let target = discovery::cargo_target_of(&display_root.join(name))?;
            Some((name.to_string(), target))
        })
        .collect()
}

fn usage_error(message: &str) -> i32 {
    eprintln!("error: {message}");
    USAGE_ERROR
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

/// `--color`, else cargo's `CARGO_TERM_COLOR`, else auto: `NO_COLOR` set
/// turns colour off, `CLICOLOR_FORCE` on, `CLICOLOR=0` off; otherwise
/// colour when the output is a terminal that can show it (or CI).
fn color_choice(flag: Option<ColorWhen>, to_terminal: bool) -> ColorChoice {
    let from_cargo = std::env::var("CARGO_TERM_COLOR")
        .ok()
        .and_then(|value| ColorWhen::from_str(value.trim(), true).ok());
    match flag.or(from_cargo).unwrap_or(ColorWhen::Auto) {
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
        ColorWhen::Auto => {
            if anstyle_query::no_color() {
                ColorChoice::Never
            } else if anstyle_query::clicolor_force() {
                ColorChoice::Always
            } else if anstyle_query::clicolor() == Some(false) {
                ColorChoice::Never
            } else if to_terminal
                && (anstyle_query::term_supports_color()
                    || anstyle_query::clicolor() == Some(true)
                    || anstyle_query::is_ci())
            {
                ColorChoice::Always
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
    text.push_str(&reporting::lint_docs(lint));
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
