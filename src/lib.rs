//! connleak finds database-connection leaks, pool starvation and self-deadlocks
//! in Rust source, without compiling or running it.
//!
//! The pipeline:
//!
//! ```text
//! discover -> read + parse + lower (per file, in parallel) -> index
//!          -> summaries (lowering late the bodies they show to matter) -> analyse
//!          -> rules -> suppression comments -> report
//! ```
//!
//! Only the bodies that can reach a connection are lowered
//! ([`model::relevance`]): a first pass picks those that name a database
//! crate or an imported database name; once summaries exist, a body that
//! names a workspace type or function found to lead to a connection is
//! lowered from its own text, and summaries are built again, to a fixpoint.
//!
//! Around a run, the command line may filter the report (a baseline, the
//! lines changed since a git revision); reporters render what is left.
//!
//! Architecture invariants:
//!
//! - **syn stops at lowering.** `proc_macro2` spans are not `Send`: a file is
//!   read, parsed and lowered on one worker, and only plain data
//!   ([`model::FileIr`]) crosses threads. Rules never see syn. The one
//!   later reader is [`fixes`]: where a statement ends is syntax, so a file
//!   with a fix to suggest is parsed again, on a worker, and only edits
//!   leave it.
//! - **Analysis never fails.** It returns findings plus errors; only discovery,
//!   configuration and the command line deal in `Result`.
//! - **Packs are the only place a database crate is named.** The flow analysis
//!   and the rules speak of roles: acquire, release, leak, store, pool.
//! - **Output is deterministic.** Files are sorted at discovery, results are
//!   collected in file order, and findings are sorted before rendering, whatever
//!   the thread count.
//! - **Nothing of the checked code runs.** No build scripts, no proc macros, no
//!   cargo invocation: `Cargo.toml` files are read as TOML.
//! - **No input crashes the run.** Bytes that are not UTF-8 or hold NULs are
//!   refused before parsing, and so is a text whose syntax tree would be
//!   deeper than a worker's stack allows ([`nesting`]); everything recursive
//!   downstream (syn, its `Drop`, lowering) is bounded by that depth. The
//!   bad-input suite, the property tests and `fuzz/` hold this.
//! - **Memory follows the IR, not the syntax.** Each tree is dropped after
//!   lowering and proc-macro2's span table after each file, and bodies that
//!   cannot reach a connection keep no IR; the per-phase cost is printed by
//!   `--timings` (see BENCHMARKS.md).
//! - **Selecting bodies changes no result.** The selection only skips work:
//!   `--lower-all` gives byte-identical output, and a test holds it.

pub mod baseline;
pub mod changes;
pub mod cli;
pub mod config;
pub mod discovery;
pub mod findings;
pub mod fixes;
pub mod flow;
pub mod model;
pub mod nesting;
pub mod packs;
pub mod parsing;
pub mod reporting;
pub mod rules;
pub mod source;
pub mod suppressions;
pub mod write_guard;

use std::path::PathBuf;
use std::time::Instant;

use findings::{Finding, Level, Stats, Timings};
use model::relevance::Vocabulary;
use model::FileIr;
use rayon::prelude::*;
use source::FileError;
use source::SourceMap;

/// What to check and how; built by the CLI or by tests.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Files or directories; empty means the current directory.
    pub paths: Vec<PathBuf>,
    /// Worker threads; 0 means rayon's default.
    pub threads: usize,
    /// Lint levels from the command line, applied over configuration.
    pub level_overrides: Vec<(String, Level)>,
    /// `--fail-on`, applied over configuration's `fail-on`.
    pub fail_on: Option<Level>,
    /// Stop after parsing: read and parse every file, report their errors,
    /// check nothing. The baseline of the benchmarks.
    pub parse_only: bool,
    /// Lower every function body, not only those that mention a
    /// connection's words (`model::relevance`): the same findings, slower.
    /// For checking that the selection loses nothing.
    pub lower_all: bool,
}

/// Which findings fail the run (exit status 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailPolicy {
    /// The lowest level that fails: `Deny` (the default) or `Warn`.
    pub fail_on: Level,
    /// Whether a finding in test code can fail the run; by default it is
    /// reported but does not, since a test's connection dies with the test.
    pub test_code_fails: bool,
}

impl Default for FailPolicy {
    fn default() -> FailPolicy {
        FailPolicy {
            fail_on: Level::Deny,
            test_code_fails: false,
        }
    }
}

impl FailPolicy {
    pub fn fails(&self, finding: &Finding) -> bool {
        finding.level != Level::Allow
            && finding.level >= self.fail_on
            && (self.test_code_fails || !finding.in_test_code)
    }
}

/// Findings a run found but does not show, by reason; for the summaries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hidden {
    /// Matched an entry of `--baseline`.
    pub in_baseline: usize,
    /// Entries of `--baseline` that matched nothing: fixed since.
    pub fixed_since_baseline: usize,
    /// Outside the lines changed since `--changed-since`.
    pub outside_changes: usize,
}

/// Everything a run produced, ready for a reporter.
#[derive(Debug, Default)]
pub struct Report {
    pub sources: SourceMap,
    pub findings: Vec<Finding>,
    pub errors: Vec<FileError>,
    pub stats: Stats,
    pub policy: FailPolicy,
    pub hidden: Hidden,
}

impl Report {
    /// Exit status per DESIGN §3: 2 when a file could not be checked or the
    /// configuration is bad, else 1 when a finding fails the run under
    /// [`FailPolicy`], else 0.
    pub fn exit_code(&self) -> i32 {
        if !self.errors.is_empty() {
            2
        } else if self.findings.iter().any(|f| self.policy.fails(f)) {
            1
        } else {
            0
        }
    }
}

/// Runs the whole pipeline. Problems with single files become entries in
/// `errors`; the run goes on with the other files.
pub fn run(options: &Options) -> Report {
    let started = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .stack_size(parsing::WORKER_STACK_BYTES)
        .build();
    let mut report = match pool {
        Ok(pool) => {
            let threads = pool.current_num_threads();
            let mut report = pool.install(|| run_on_current_pool(options));
            report.stats.timings.threads = threads;
            report
        }
        Err(error) => Report {
            errors: vec![FileError {
                file: String::from("<threads>"),
                line: None,
                message: format!("cannot start worker threads: {error}"),
            }],
            ..Report::default()
        },
    };
    report.stats.elapsed_ms = started.elapsed().as_millis();
    report
}

fn run_on_current_pool(options: &Options) -> Report {
    let mut timings = Timings::default();
    let phase = Instant::now();
    let discovered = discovery::discover(&options.paths);
    timings.discover = phase.elapsed();
    let mut errors = discovered.errors.clone();
    let settings = Settings::new(
        &discovered.configs,
        &discovered.dependencies,
        options,
        &mut errors,
    );

    let phase = Instant::now();
    if options.parse_only {
        let parsed = parsing::read_and_parse(&discovered.files);
        timings.read_parse_lower = phase.elapsed();
        return parse_report(parsed, errors, timings);
    }
    let parsed = parsing::read_parse_lower(&discovered.files, settings.lowering());
    timings.read_parse_lower = phase.elapsed();
    check_parsed(parsed, errors, &settings, timings)
}

/// Checks texts held in memory (display name, bytes) as the files of one
/// crate that depends on every database crate the built-in packs know: no
/// discovery, no configuration. For fuzzing and property tests, where
/// touching the disk would be most of the time.
///
/// Runs on the current rayon pool: call it inside one whose threads have
/// [`parsing::WORKER_STACK_BYTES`] of stack, as [`run`] does.
pub fn run_in_memory(texts: &[(String, Vec<u8>)], options: &Options) -> Report {
    let mut errors = Vec::new();
    let dependencies = packs::builtin_packs()
        .map(|loaded| {
            loaded
                .iter()
                .filter_map(|pack| pack.file.pack.as_ref())
                .flat_map(|header| header.crates.clone())
                .collect()
        })
        .unwrap_or_default();
    let settings = Settings::new(&[], &dependencies, options, &mut errors);
    let mut timings = Timings::default();
    let phase = Instant::now();
    let parsed = parsing::parse_lower_texts(texts, settings.lowering());
    timings.read_parse_lower = phase.elapsed();
    check_parsed(parsed, errors, &settings, timings)
}

/// What configuration and the command line decide for a run.
struct Settings {
    levels: std::collections::BTreeMap<String, Level>,
    policy: FailPolicy,
    packs: flow::PackTable,
    /// The words a body must mention to be lowered; `None`: lower all.
    vocabulary: Option<Vocabulary>,
}

impl Settings {
    /// Lint levels and failure policy (defaults, then configurations
    /// outermost first, then the command line) and the pack table; problems
    /// go to `errors`.
    fn new(
        configs: &[Result<config::Config, FileError>],
        dependencies: &std::collections::BTreeSet<String>,
        options: &Options,
        errors: &mut Vec<FileError>,
    ) -> Settings {
        let mut levels = rules::default_levels();
        let mut user_resources = Vec::new();
        let mut policy = FailPolicy::default();
        for loaded in configs {
            match loaded {
                Ok(config) => {
                    for (lint, level) in &config.lints {
                        levels.insert(lint.clone(), *level);
                    }
                    user_resources.extend(config.resources.iter().cloned());
                    policy.fail_on = config.fail_on.unwrap_or(policy.fail_on);
                    policy.test_code_fails =
                        config.test_code_fails.unwrap_or(policy.test_code_fails);
                }
                Err(error) => errors.push(error.clone()),
            }
        }
        for (lint, level) in &options.level_overrides {
            levels.insert(lint.clone(), *level);
        }
        policy.fail_on = options.fail_on.unwrap_or(policy.fail_on);

        let packs = match flow::PackTable::build(dependencies, &user_resources) {
            Ok(packs) => packs,
            Err(error) => {
                errors.push(FileError {
                    file: String::from("lints/"),
                    line: None,
                    message: error,
                });
                flow::PackTable::default()
            }
        };
        let vocabulary = (!options.lower_all).then(|| packs.vocabulary());
        Settings {
            levels,
            policy,
            packs,
            vocabulary,
        }
    }

    fn lowering(&self) -> parsing::Lowering<'_> {
        parsing::Lowering::Bodies {
            core: &self.packs.core,
            vocabulary: self.vocabulary.as_ref(),
        }
    }
}

/// The report of a parse-only run: sources and errors, no findings.
fn parse_report(
    parsed: Vec<parsing::ParseOutcome>,
    mut errors: Vec<FileError>,
    mut timings: Timings,
) -> Report {
    let mut sources = SourceMap::default();
    for outcome in parsed {
        timings.read_summed += outcome.read_time;
        timings.parse_lower_summed += outcome.parse_time;
        sources.files.push(outcome.source);
        if let Err(error) = outcome.result {
            errors.push(error);
        }
    }
    errors.sort();
    errors.dedup();
    let stats = Stats {
        files: sources.files.len(),
        lines: sources.files.iter().map(|f| f.line_count()).sum(),
        timings,
        ..Stats::default()
    };
    Report {
        sources,
        errors,
        stats,
        ..Report::default()
    }
}

/// Everything after parsing: index, analysis, rules, suppressions, then
/// findings and errors in their deterministic order.
fn check_parsed(
    parsed: Vec<parsing::ParseOutcome>,
    mut errors: Vec<FileError>,
    settings: &Settings,
    mut timings: Timings,
) -> Report {
    let mut sources = SourceMap::default();
    let mut files = Vec::new();
    for outcome in parsed {
        timings.read_summed += outcome.read_time;
        timings.parse_lower_summed += outcome.parse_time;
        sources.files.push(outcome.source);
        match outcome.result {
            Ok(ir) => files.push(ir),
            Err(error) => errors.push(error),
        }
    }

    let phase = Instant::now();
    let index = model::index::Index::build(&files);
    timings.index = phase.elapsed();
    let phase = Instant::now();
    let (summaries, bodies_lowered_late) = lower_on_demand(&mut files, &sources, &index, settings);
    timings.bodies_lowered_late = bodies_lowered_late;
    for function in files.iter().flat_map(|file| &file.functions) {
        if function.kind == model::BodyKind::Fn && function.has_body {
            timings.bodies += 1;
            timings.bodies_lowered += usize::from(!function.blocks.is_empty());
        }
    }
    timings.summaries = phase.elapsed();
    let phase = Instant::now();
    let analysis = flow::analyse_all(&files, &index, &settings.packs, &summaries);
    let mut findings = rules::check_all(&analysis.facts, &files, &settings.levels);
    timings.blocks_walked = analysis.blocks_walked;
    timings.analyse = phase.elapsed();
    let phase = Instant::now();

    // Comments are read from the text, items from the model: both exist
    // only for files that parsed, which are the only ones with findings.
    let mut suppressions = Vec::new();
    for file in &files {
        if let Some(source) = sources.get(file.file) {
            suppressions.extend(suppressions::scan(file.file, &source.text, &file.items));
        }
    }
    suppressions::apply(&mut findings, &mut suppressions);
    findings.extend(rules::check_suppressions(&suppressions, &settings.levels));

    for finding in &mut findings {
        finding.fingerprint = reporting::fingerprint(finding, &sources);
        if let Some(file) = sources.get(finding.primary.file) {
            finding.in_test_code |= is_test_path(&file.display);
        }
    }
    findings.sort_by(|a, b| {
        (a.primary, a.lint.name(), &a.message).cmp(&(b.primary, b.lint.name(), &b.message))
    });
    findings.dedup_by(|a, b| a.primary == b.primary && a.lint == b.lint);
    fixes::suggest_all(&mut findings, &sources);
    errors.sort();
    errors.dedup();
    timings.report = phase.elapsed();

    let stats = Stats {
        files: sources.files.len(),
        lines: sources.files.iter().map(|f| f.line_count()).sum(),
        elapsed_ms: 0,
        untracked_connections: analysis.untracked,
        timings,
    };
    Report {
        sources,
        findings,
        errors,
        stats,
        policy: settings.policy,
        hidden: Hidden::default(),
    }
}

/// The function summaries, once every body they depend on is lowered: the
/// first lowering built only the bodies that mention a pack's words; a body
/// that mentions a workspace name found to lead to a connection (a function
/// whose summary acquires, a struct holding a pool) is lowered now, and the
/// summaries are built again, until no skipped body mentions a new word.
/// Also says how many bodies were lowered this late.
fn lower_on_demand(
    files: &mut [FileIr],
    sources: &SourceMap,
    index: &model::index::Index,
    settings: &Settings,
) -> (flow::summaries::Summaries, usize) {
    let mut parts = flow::summaries::SummaryParts::new(files, index, &settings.packs);
    let mut summaries = parts.summaries();
    let mut lowered_late = 0;
    let Some(mut vocabulary) = settings.vocabulary.clone() else {
        return (summaries, lowered_late);
    };
    loop {
        let wider =
            flow::demand::workspace_words(files, index, &settings.packs, &summaries, &vocabulary);
        let grown = wider.size() > vocabulary.size();
        vocabulary = wider;
        if !grown {
            return (summaries, lowered_late);
        }
        // Every skipped body was not wanted before: those wanted now are new.
        let wanted: Vec<Vec<model::FnId>> = files
            .par_iter()
            .map(|file| match sources.get(file.file) {
                Some(source) => skipped_bodies_mentioning(file, source, &vocabulary),
                None => Vec::new(),
            })
            .collect();
        let count: usize = wanted.iter().map(Vec::len).sum();
        if count == 0 {
            return (summaries, lowered_late);
        }
        lowered_late += count;
        files
            .par_iter_mut()
            .zip(wanted.par_iter())
            .filter(|(_, ids)| !ids.is_empty())
            .for_each(|(file, ids)| {
                if let Some(source) = sources.get(file.file) {
                    model::lower::lower_skipped_bodies(file, source, &settings.packs.core, ids);
                }
            });
        let changed: Vec<bool> = wanted.iter().map(|ids| !ids.is_empty()).collect();
        parts.redo(files, index, &settings.packs, &changed);
        summaries = parts.summaries();
    }
}

/// The bodies left unlowered in `file` that mention one of `words`.
fn skipped_bodies_mentioning(
    file: &FileIr,
    source: &source::SourceFile,
    words: &Vocabulary,
) -> Vec<model::FnId> {
    // Names imported through pack paths were read at the first lowering;
    // only aliases of the workspace's new words are new.
    let imported = words.aliases_of_words(&file.uses);
    let selection = model::relevance::BodySelection {
        vocabulary: Some(words),
        imported: Some(&imported),
        source,
    };
    file.functions
        .iter()
        .enumerate()
        .filter(|(_, function)| {
            function.blocks.is_empty()
                && function.has_body
                && function.kind == model::BodyKind::Fn
                && selection.wants(
                    function.span,
                    function.end_span,
                    function.self_type.as_deref(),
                )
        })
        .map(|(id, _)| id as model::FnId)
        .collect()
}

/// Files under `tests/`, `benches/` or `examples/` are test code.
fn is_test_path(display: &str) -> bool {
    display
        .split('/')
        .any(|part| matches!(part, "tests" | "benches" | "examples"))
}
