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
//! ([`model::relevance`]). In a package that depends on a database crate,
//! itself or through a workspace package, that is nearly every body, so all
//! of them are lowered with the first parse. Elsewhere a first pass picks
//! the bodies that name a database crate or an imported database name; once
//! summaries exist, a body that names a workspace type or function found to
//! lead to a connection is lowered from its own text, and summaries are
//! built again, to a fixpoint.
//!
//! Discovery reads the cargo workspaces around what was asked, whole
//! ([`workspace`]): a connection acquired in one member is often leaked in
//! another, so every member is analysed, and findings are kept for the files
//! asked about only. Each file has the configuration of its own package
//! ([`discovery::ConfigScope`]). A configuration that cannot be used stops
//! the run before anything is checked.
//!
//! Around a run, the command line may filter the report (a baseline, the
//! lines changed since a git revision), then leave test code out
//! ([`Report::leave_out_test_code`]); reporters render what is left.
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
//! - **Nothing outside the repository is read** unless asked
//!   (`--follow-external-symlinks`): a symlink or a `path` dependency that
//!   leads out of the git work tree (or the workspace, outside git) is
//!   skipped and named in `-v`, so no output can carry such a file's text.
//! - **No input crashes the run.** Bytes that are not UTF-8 or hold NULs are
//!   refused before parsing, and so is a text whose syntax tree would be
//!   deeper than a worker's stack allows ([`nesting`]); everything recursive
//!   downstream (syn, its `Drop`, lowering) is bounded by that depth. The
//!   bad-input suite, the property tests and `fuzz/` hold this.
//! - **Memory follows the IR, not the syntax.** Each tree is dropped after
//!   lowering and proc-macro2's span table after each file, and bodies that
//!   cannot reach a connection keep no IR; the per-phase cost is printed by
//!   `--timings` (see BENCHMARKS.md).
//! - **Every input's cost is bounded** ([`bounds`]): a file's size, the
//!   steps of its flow analysis, and both over the run, counted in units of
//!   work so that the cut is the same on any machine and thread count. A
//!   file over a bound has its findings withheld and an error naming it and
//!   the bound; nothing is cut silently.
//! - **Selecting bodies changes no result.** The selection only skips work:
//!   `--lower-all` gives byte-identical output, and a test holds it.

pub mod baseline;
pub mod bounds;
pub mod changes;
pub mod cli;
pub mod config;
pub mod discovery;
pub mod findings;
pub mod fixes;
pub mod flow;
pub mod lexer;
pub mod model;
pub mod nesting;
pub mod packs;
pub mod parsing;
pub mod reporting;
pub mod rules;
pub mod semantics;
pub mod source;
pub mod spelling;
pub mod suppressions;
pub mod test_code;
pub mod workspace;
pub mod write_guard;

use std::collections::BTreeMap;
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
    /// Files, folders or manifests; empty means the current folder. The
    /// workspace around each is analysed whole; findings are reported for
    /// what the paths name.
    pub paths: Vec<PathBuf>,
    /// `-p`, `--workspace`, `--exclude`, `--manifest-path`.
    pub selection: discovery::Selection,
    /// `--config FILE`: the only configuration, instead of those found.
    pub config_file: Option<PathBuf>,
    /// Worker threads; 0 means rayon's default.
    pub threads: usize,
    /// Lint levels from the command line, applied over configuration.
    pub level_overrides: Vec<(String, Level)>,
    /// `-D warnings` (`Deny`) or `-A warnings` (`Allow`) after `--`: what
    /// becomes of every lint whose level ends up at `warn`.
    pub warnings: Option<Level>,
    /// `--fail-on`, applied over configuration's `fail-on`.
    pub fail_on: Option<Level>,
    /// `--include-tests`: report findings in test code, whatever the
    /// configuration's `test-code` says.
    pub include_tests: bool,
    /// `--follow-external-symlinks`: read files a symlink or a `path`
    /// dependency places outside the repository.
    pub follow_external_symlinks: bool,
    /// `--max-file-size` and the other bounds (see [`bounds`]) given on the
    /// command line: they replace the defaults and any configuration.
    pub bounds: Vec<(bounds::Bound, u64)>,
    /// `--timings`: the run is timed, and the JSON document says how long it
    /// took (without it the document is the same bytes run after run).
    pub timed: bool,
    /// Stop after parsing: read and parse every file, report their errors,
    /// check nothing. The baseline of the benchmarks.
    pub parse_only: bool,
    /// Lower every function body, not only those that mention a
    /// connection's words (`model::relevance`): the same findings, slower.
    /// For checking that the selection loses nothing.
    pub lower_all: bool,
}

/// Which findings fail the run (exit status 1), and whether findings in
/// test code are shown at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailPolicy {
    /// The lowest level that fails: `Deny` (the default) or `Warn`.
    pub fail_on: Level,
    /// Whether a finding in test code can fail the run; by default it does
    /// not, since a test's connection dies with the test.
    pub test_code_fails: bool,
    /// Whether findings in test code are reported; by default they are left
    /// out and counted (`--include-tests`, `test-code = "report"`).
    pub show_test_code: bool,
}

impl Default for FailPolicy {
    fn default() -> FailPolicy {
        FailPolicy {
            fail_on: Level::Deny,
            test_code_fails: false,
            show_test_code: false,
        }
    }
}

impl FailPolicy {
    /// Whether the finding is reported: one in test code only when asked.
    pub fn shows(&self, finding: &Finding) -> bool {
        !finding.in_test_code || self.show_test_code
    }

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
    /// In test code, left out by default.
    pub in_test_code: usize,
}

/// Everything a run produced, ready for a reporter.
#[derive(Debug, Default)]
pub struct Report {
    pub sources: SourceMap,
    pub findings: Vec<Finding>,
    pub errors: Vec<FileError>,
    pub stats: Stats,
    /// The policy of files without a configuration of their own.
    pub policy: FailPolicy,
    pub hidden: Hidden,
    /// The folder file names are relative to, absolute (empty for reports
    /// built in memory).
    pub display_root: PathBuf,
    /// The git work tree the display root is in: SARIF and GitHub name
    /// files from there, as GitHub shows them.
    pub repository_root: Option<PathBuf>,
    /// The crates read, and the package of each file (by [`source::FileId`]).
    pub workspace: workspace::Workspace,
    pub file_packages: Vec<Option<workspace::PackageId>>,
    /// Each file's configuration scope, and each scope's policy: a member
    /// crate's own configuration applies to its files.
    pub file_scopes: Vec<usize>,
    pub scope_policies: Vec<FailPolicy>,
    /// Why the run did not start: a configuration that cannot be used
    /// (also in `errors`, in one line), or a selection that names nothing.
    pub configuration_errors: Vec<config::ConfigError>,
    pub selection_errors: Vec<String>,
    /// For `-v`: the configuration in force, and what discovery left out.
    pub configuration: Vec<ScopeSummary>,
    pub notes: Vec<String>,
    /// The bounds in force, and the files withheld for reaching one.
    pub bounds: bounds::Bounds,
    /// Where each bound in force was set: `default`, a configuration
    /// file, or `command line`.
    pub bound_origins: Vec<(bounds::Bound, String)>,
    pub over_bounds: Vec<(source::FileId, bounds::Bound)>,
}

/// The configuration of a set of files, as `-v` shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeSummary {
    /// Packages or folders it applies to.
    pub applies_to: Vec<String>,
    /// Sources, outermost first: the later win.
    pub sources: Vec<String>,
    pub overridden: Vec<String>,
    /// Lint levels in force that differ from the defaults, with the source
    /// that set each (`command line` for flags).
    pub levels: Vec<(String, Level, String)>,
    pub policy: FailPolicy,
    pub exclude: Vec<String>,
    pub resources: Vec<String>,
}

impl Report {
    /// Exit status per DESIGN §3: 2 when a file could not be checked, the
    /// configuration is bad or the selection names nothing, else 1 when a
    /// finding fails the run under its files' [`FailPolicy`], else 0.
    pub fn exit_code(&self) -> i32 {
        if !self.errors.is_empty() || !self.selection_errors.is_empty() {
            2
        } else if self
            .findings
            .iter()
            .any(|finding| self.policy_of(finding).fails(finding))
        {
            1
        } else {
            0
        }
    }

    /// The policy of the configuration that applies to the finding's file.
    pub fn policy_of(&self, finding: &Finding) -> FailPolicy {
        self.file_scopes
            .get(finding.primary.file)
            .and_then(|scope| self.scope_policies.get(*scope))
            .copied()
            .unwrap_or(self.policy)
    }

    /// Leaves out the findings in test code whose configuration does not
    /// ask to see them, counting them in `hidden`. The command line calls it
    /// after the baseline and the changed lines have filtered the report, so
    /// that a baseline records and matches test findings too.
    pub fn leave_out_test_code(&mut self) {
        let before = self.findings.len();
        let findings = std::mem::take(&mut self.findings);
        self.findings = findings
            .into_iter()
            .filter(|finding| self.policy_of(finding).shows(finding))
            .collect();
        self.hidden.in_test_code += before - self.findings.len();
    }

    /// What SARIF and GitHub put before a display name so that it is
    /// relative to the repository root (`backend/` for a workspace in
    /// `backend/`): empty outside git or at its root.
    pub fn repository_prefix(&self) -> String {
        let Some(repository) = &self.repository_root else {
            return String::new();
        };
        match self.display_root.strip_prefix(repository) {
            Ok(relative) if !relative.as_os_str().is_empty() => {
                let mut prefix = relative
                    .components()
                    .map(|part| part.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                prefix.push('/');
                prefix
            }
            _ => String::new(),
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
    let discovered = discovery::discover(&discovery::Request {
        paths: options.paths.clone(),
        selection: options.selection.clone(),
        config_file: options.config_file.clone(),
        follow_external_symlinks: options.follow_external_symlinks,
    });
    timings.discover = phase.elapsed();

    // A configuration that cannot be used, or a selection that names
    // nothing, stops the run before it starts: a typo must not quietly
    // fall back to defaults or check something else.
    if !discovered.config_errors.is_empty() || !discovered.selection_errors.is_empty() {
        let mut errors: Vec<FileError> = discovered
            .config_errors
            .iter()
            .map(config::ConfigError::to_file_error)
            .collect();
        errors.sort();
        errors.dedup();
        return Report {
            errors,
            configuration_errors: discovered.config_errors,
            selection_errors: discovered.selection_errors,
            display_root: discovered.display_root,
            repository_root: discovered.repository_root,
            stats: Stats {
                timings,
                timed: options.timed,
                ..Stats::default()
            },
            ..Report::default()
        };
    }

    let mut errors = discovered.errors.clone();
    let settings = Settings::new(
        &discovered.scopes,
        &discovered.dependencies,
        options,
        &mut errors,
    );
    let layout = Layout {
        paths: discovered
            .files
            .iter()
            .map(|file| file.path.clone())
            .collect(),
        reported: discovered.files.iter().map(|file| file.reported).collect(),
        scopes: discovered.files.iter().map(|file| file.scope).collect(),
        test_areas: discovered.files.iter().map(|file| file.test_area).collect(),
        packages: discovered.files.iter().map(|file| file.package).collect(),
        workspace: discovered.workspace.clone(),
    };

    // Sizes are measured before anything is read, in file order, so that
    // which files a bound refuses does not depend on the thread count.
    let sizes: Vec<u64> = discovered
        .files
        .iter()
        .map(|file| std::fs::metadata(&file.path).map_or(0, |meta| meta.len()))
        .collect();
    let refused = bounds::refuse_by_size(&sizes, &settings.bounds);
    let read_bounds = parsing::ReadBounds {
        refused: &refused,
        bounds: &settings.bounds,
    };
    let phase = Instant::now();
    let mut report = if options.parse_only {
        let parsed = parsing::read_and_parse(&discovered.files, read_bounds);
        timings.read_parse_lower = phase.elapsed();
        parse_report(parsed, errors, timings, &layout)
    } else {
        let uses_database = database_packages(&layout.workspace, &settings.packs);
        let every_body: Vec<bool> = layout
            .packages
            .iter()
            .map(|package| package.is_some_and(|id| uses_database[id]))
            .collect();
        let parsed = parsing::read_parse_lower(
            &discovered.files,
            settings.lowering(&every_body),
            read_bounds,
        );
        timings.read_parse_lower = phase.elapsed();
        check_parsed(parsed, errors, &settings, timings, &layout)
    };
    report.stats.timed = options.timed;
    report.display_root = discovered.display_root;
    report.repository_root = discovered.repository_root;
    report.notes = discovered.notes;
    report.configuration = settings.summaries.clone();
    report.bounds = settings.bounds;
    report.bound_origins = settings.bound_origins.clone();
    report.workspace = discovered.workspace;
    report.file_packages = layout.packages;
    report
}

/// What discovery says of each file (by [`source::FileId`]), for the steps
/// after parsing.
struct Layout {
    paths: Vec<PathBuf>,
    /// Findings in it are reported.
    reported: Vec<bool>,
    scopes: Vec<usize>,
    test_areas: Vec<bool>,
    packages: Vec<Option<workspace::PackageId>>,
    workspace: workspace::Workspace,
}

impl Layout {
    /// Every file reported, one scope, test code known by folder names
    /// alone: for texts checked in memory.
    fn in_memory(texts: &[(String, Vec<u8>)]) -> Layout {
        Layout {
            paths: texts.iter().map(|(name, _)| PathBuf::from(name)).collect(),
            reported: vec![true; texts.len()],
            scopes: vec![0; texts.len()],
            test_areas: texts
                .iter()
                .map(|(name, _)| {
                    name.split('/')
                        .any(|part| matches!(part, "tests" | "benches" | "examples"))
                })
                .collect(),
            packages: vec![None; texts.len()],
            workspace: workspace::Workspace::default(),
        }
    }
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
    let settings = Settings::new(
        &[discovery::ConfigScope::default()],
        &dependencies,
        options,
        &mut errors,
    );
    let mut timings = Timings::default();
    let phase = Instant::now();
    let parsed = parsing::parse_lower_texts(texts, settings.lowering(&[]));
    timings.read_parse_lower = phase.elapsed();
    check_parsed(
        parsed,
        errors,
        &settings,
        timings,
        &Layout::in_memory(texts),
    )
}

/// What configuration and the command line decide for a run.
struct Settings {
    /// Per configuration scope (see [`discovery::ConfigScope`]).
    scopes: Vec<ScopeSettings>,
    summaries: Vec<ScopeSummary>,
    packs: flow::PackTable,
    /// The words a body must mention to be lowered; `None`: lower all.
    vocabulary: Option<Vocabulary>,
    bounds: bounds::Bounds,
    bound_origins: Vec<(bounds::Bound, String)>,
}

struct ScopeSettings {
    levels: BTreeMap<String, Level>,
    policy: FailPolicy,
}

impl Settings {
    /// Lint levels and policy per scope (defaults, then the scope's
    /// configurations outermost first, then the command line), and the pack
    /// table with every scope's resources; problems go to `errors`.
    fn new(
        scopes: &[discovery::ConfigScope],
        dependencies: &std::collections::BTreeSet<String>,
        options: &Options,
        errors: &mut Vec<FileError>,
    ) -> Settings {
        let mut user_resources = Vec::new();
        let mut seen_sources = std::collections::BTreeSet::new();
        let mut per_scope = Vec::new();
        let mut summaries = Vec::new();
        // A configuration can lower a bound, never raise it: checked code
        // must not be able to lift the guard against itself. The command
        // line sets a bound to anything.
        let mut run_bounds = bounds::Bounds::default();
        let mut bound_origins: BTreeMap<bounds::Bound, String> = bounds::Bound::ALL
            .into_iter()
            .map(|bound| (bound, String::from("default")))
            .collect();
        let defaults = rules::default_levels();
        for scope in scopes {
            let mut levels = defaults.clone();
            let mut origins: BTreeMap<String, String> = BTreeMap::new();
            let mut policy = FailPolicy::default();
            let mut test_code = None;
            let mut exclude = Vec::new();
            let mut resources = Vec::new();
            for layer in &scope.layers {
                let config = &layer.config;
                for (lint, level) in &config.lints {
                    levels.insert(lint.clone(), *level);
                    origins.insert(lint.clone(), layer.source.clone());
                }
                // Resources are types: declared anywhere, they are the same
                // types everywhere, so the pack table has them all once.
                if seen_sources.insert(layer.source.clone()) {
                    user_resources.extend(config.resources.iter().cloned());
                }
                resources.extend(config.resources.iter().map(|r| r.name.clone()));
                exclude.extend(
                    config
                        .exclude
                        .iter()
                        .map(|glob| format!("{glob} ({})", layer.source)),
                );
                for (bound, limit) in &config.limits {
                    if *limit < bound.of(&run_bounds) {
                        bound.set(&mut run_bounds, *limit);
                        bound_origins.insert(*bound, layer.source.clone());
                    }
                }
                policy.fail_on = config.fail_on.unwrap_or(policy.fail_on);
                policy.test_code_fails = config.test_code_fails.unwrap_or(policy.test_code_fails);
                test_code = config.test_code.or(test_code);
            }
            for (lint, level) in &options.level_overrides {
                levels.insert(lint.clone(), *level);
                origins.insert(lint.clone(), String::from("command line"));
            }
            if let Some(warnings) = options.warnings {
                for (lint, level) in levels.iter_mut() {
                    if *level == Level::Warn {
                        *level = warnings;
                        origins.insert(lint.clone(), String::from("command line (`warnings`)"));
                    }
                }
            }
            policy.fail_on = options.fail_on.unwrap_or(policy.fail_on);
            // A finding that may fail the run is never hidden.
            policy.show_test_code = options.include_tests
                || policy.test_code_fails
                || test_code == Some(config::TestCode::Report);
            summaries.push(ScopeSummary {
                applies_to: scope.applies_to.clone(),
                sources: scope
                    .layers
                    .iter()
                    .map(|layer| layer.source.clone())
                    .collect(),
                overridden: scope.overridden.clone(),
                levels: levels
                    .iter()
                    .filter(|(lint, level)| defaults.get(*lint) != Some(level))
                    .map(|(lint, level)| {
                        let origin = origins.get(lint).cloned().unwrap_or_default();
                        (lint.clone(), *level, origin)
                    })
                    .collect(),
                policy,
                exclude,
                resources,
            });
            per_scope.push(ScopeSettings { levels, policy });
        }
        if per_scope.is_empty() {
            per_scope.push(ScopeSettings {
                levels: defaults,
                policy: FailPolicy::default(),
            });
        }

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
        for (bound, limit) in &options.bounds {
            bound.set(&mut run_bounds, *limit);
            bound_origins.insert(*bound, String::from("command line"));
        }
        let vocabulary = (!options.lower_all).then(|| packs.vocabulary());
        Settings {
            scopes: per_scope,
            summaries,
            packs,
            vocabulary,
            bounds: run_bounds,
            bound_origins: bound_origins.into_iter().collect(),
        }
    }

    fn scope(&self, id: usize) -> &ScopeSettings {
        self.scopes.get(id).unwrap_or(&self.scopes[0])
    }

    /// How files are lowered: the bodies the vocabulary names, and every
    /// body of the files marked in `every_body`.
    fn lowering<'a>(&'a self, every_body: &'a [bool]) -> parsing::Lowering<'a> {
        parsing::Lowering::Bodies {
            core: &self.packs.core,
            vocabulary: self.vocabulary.as_ref(),
            every_body,
        }
    }
}

/// By [`workspace::PackageId`]: whether the package depends on a database
/// crate of the packs, itself or through a package of the workspace. Nearly
/// every body of such a package turns out to matter once the workspace's own
/// words are known, and lowering them with the first parse costs less than
/// parsing them a second time later; the other packages keep to the bodies
/// their words call for.
fn database_packages(
    workspace: &workspace::Workspace,
    table: &flow::table::PackTable,
) -> Vec<bool> {
    let database_crates: std::collections::HashSet<&str> = table
        .packs
        .iter()
        .flat_map(|pack| &pack.crates)
        .map(String::as_str)
        .collect();
    let packages = &workspace.packages;
    let mut uses: Vec<bool> = packages
        .iter()
        .map(|package| {
            package.dependencies.iter().any(|dependency| {
                dependency.kind != workspace::DepKind::Build
                    && database_crates
                        .contains(packs::crate_path_name(&dependency.package).as_str())
            })
        })
        .collect();
    // Through workspace packages, to a fixpoint: each round marks at least
    // one more package or stops.
    loop {
        let mut changed = false;
        for (id, package) in packages.iter().enumerate() {
            if uses[id] {
                continue;
            }
            let through = package.dependencies.iter().any(|dependency| {
                dependency.kind != workspace::DepKind::Build
                    && dependency
                        .workspace_package
                        .is_some_and(|other| uses.get(other).copied().unwrap_or(false))
            });
            if through {
                uses[id] = true;
                changed = true;
            }
        }
        if !changed {
            return uses;
        }
    }
}

/// The report of a parse-only run: sources and errors, no findings.
fn parse_report(
    parsed: Vec<parsing::ParseOutcome>,
    mut errors: Vec<FileError>,
    mut timings: Timings,
    layout: &Layout,
) -> Report {
    let mut sources = SourceMap::default();
    let mut over_bounds = Vec::new();
    for (id, outcome) in parsed.into_iter().enumerate() {
        timings.read_summed += outcome.read_time;
        timings.parse_lower_summed += outcome.parse_time;
        sources.files.push(outcome.source);
        if let Some(bound) = outcome.over_bound {
            over_bounds.push((id, bound));
        }
        if let Err(error) = outcome.result {
            errors.push(error);
        }
    }
    errors.sort();
    errors.dedup();
    let stats = Stats {
        files: count_reported(&layout.reported, &sources, |_| 1),
        lines: count_reported(&layout.reported, &sources, |file| file.line_count()),
        files_read: sources.files.len(),
        over_bounds: over_bounds.len(),
        timings,
        ..Stats::default()
    };
    Report {
        sources,
        errors,
        stats,
        file_scopes: layout.scopes.clone(),
        over_bounds,
        ..Report::default()
    }
}

/// A sum over the files whose findings are reported.
fn count_reported(
    reported: &[bool],
    sources: &SourceMap,
    count: impl Fn(&source::SourceFile) -> usize,
) -> usize {
    sources
        .files
        .iter()
        .enumerate()
        .filter(|(id, _)| reported.get(*id).copied().unwrap_or(true))
        .map(|(_, file)| count(file))
        .sum()
}

/// Everything after parsing: index, analysis, rules, suppressions, then
/// findings and errors in their deterministic order. Every file is
/// analysed; only the findings of files the run was asked about are kept.
fn check_parsed(
    parsed: Vec<parsing::ParseOutcome>,
    mut errors: Vec<FileError>,
    settings: &Settings,
    mut timings: Timings,
    layout: &Layout,
) -> Report {
    let mut sources = SourceMap::default();
    let mut files = Vec::new();
    let mut over_bounds = Vec::new();
    for (id, outcome) in parsed.into_iter().enumerate() {
        timings.read_summed += outcome.read_time;
        timings.parse_lower_summed += outcome.parse_time;
        sources.files.push(outcome.source);
        if let Some(bound) = outcome.over_bound {
            over_bounds.push((id, bound));
        }
        match outcome.result {
            Ok(ir) => files.push(ir),
            Err(error) => errors.push(error),
        }
    }

    let phase = Instant::now();
    let semantics = semantics::Semantics::build(
        &files,
        &semantics::Layout {
            paths: &layout.paths,
            packages: &layout.packages,
            workspace: &layout.workspace,
        },
    );
    timings.index = phase.elapsed();
    let file_facts: Vec<test_code::FileFacts<'_>> = layout
        .paths
        .iter()
        .zip(&layout.test_areas)
        .map(|(path, test_area)| test_code::FileFacts {
            path,
            test_area: *test_area,
        })
        .collect();
    let test_files = test_code::test_files(&file_facts, &files, &layout.workspace);
    let phase = Instant::now();
    let (summaries, bodies_lowered_late) =
        lower_on_demand(&mut files, &sources, &semantics, settings, &test_files);
    timings.bodies_lowered_late = bodies_lowered_late;
    for function in files.iter().flat_map(|file| &file.functions) {
        if function.kind == model::BodyKind::Fn && function.has_body {
            timings.bodies += 1;
            timings.bodies_lowered += usize::from(!function.blocks.is_empty());
        }
    }
    timings.summaries = phase.elapsed();
    let phase = Instant::now();
    let analysis = flow::analyse_all(
        &files,
        &semantics,
        &settings.packs,
        &summaries,
        &settings.bounds,
    );
    // A file whose walk reached a bound has incomplete facts: none of its
    // findings is shown (not even its suppressions' verdicts), and an
    // error names it and the bound.
    let withheld: std::collections::BTreeSet<source::FileId> =
        analysis.withheld.iter().map(|(file, _)| *file).collect();
    for (file, bound) in &analysis.withheld {
        let display = sources
            .get(*file)
            .map(|source| source.display.as_str())
            .unwrap_or("<unknown>");
        errors.push(bound.error(display, bound.of(&settings.bounds)));
    }
    over_bounds.extend(analysis.withheld.iter().copied());
    over_bounds.sort();
    // Every lint on: each file's own configuration sets its levels below.
    let every_lint_on: BTreeMap<String, Level> = rules::default_levels()
        .into_keys()
        .map(|lint| (lint, Level::Warn))
        .collect();
    let mut findings = rules::check_all(&analysis.facts, &files, &every_lint_on);
    findings.retain(|finding| !withheld.contains(&finding.primary.file));
    let scope_of = |file: source::FileId| layout.scopes.get(file).copied().unwrap_or(0);
    findings.retain_mut(|finding| {
        let levels = &settings.scope(scope_of(finding.primary.file)).levels;
        finding.level = levels
            .get(finding.lint.name())
            .copied()
            .unwrap_or(finding.lint.info().default_level);
        if let Some(at_most) = finding.at_most {
            finding.level = finding.level.min(at_most);
        }
        finding.level != Level::Allow
    });
    rules::parameters::word_received_connections(&mut findings, &files);
    timings.blocks_walked = analysis.blocks_walked;
    timings.analysis_steps = analysis.steps;
    timings.analyse = phase.elapsed();
    let phase = Instant::now();

    // Comments are read from the text, items from the model: both exist
    // only for files that parsed, which are the only ones with findings.
    let mut suppressions = Vec::new();
    for file in files.iter().filter(|file| !withheld.contains(&file.file)) {
        if let Some(source) = sources.get(file.file) {
            suppressions.extend(suppressions::scan(file.file, &source.text, &file.items));
        }
    }
    suppressions::apply(&mut findings, &mut suppressions);
    let mut by_scope: BTreeMap<usize, Vec<suppressions::Suppression>> = BTreeMap::new();
    for suppression in suppressions {
        by_scope
            .entry(scope_of(suppression.file))
            .or_default()
            .push(suppression);
    }
    for (scope, group) in &by_scope {
        findings.extend(rules::check_suppressions(
            group,
            &settings.scope(*scope).levels,
        ));
    }

    findings.retain(|finding| {
        layout
            .reported
            .get(finding.primary.file)
            .copied()
            .unwrap_or(true)
    });
    let in_test_file = |file: source::FileId| test_files.get(file).copied().unwrap_or(false);
    for finding in &mut findings {
        finding.fingerprint = reporting::fingerprint(finding, &sources);
        // A connection a test acquired, held wrong in a helper, is the
        // test's finding.
        finding.in_test_code |= in_test_file(finding.primary.file)
            || finding
                .acquired_at
                .is_some_and(|acquired| in_test_file(acquired.file));
    }
    // Of the findings at one place, the one kept is outside test code when
    // there is one: production code reaches the helper too.
    findings.sort_by(|a, b| {
        (a.primary, a.lint.name(), a.in_test_code, &a.message).cmp(&(
            b.primary,
            b.lint.name(),
            b.in_test_code,
            &b.message,
        ))
    });
    findings.dedup_by(|a, b| a.primary == b.primary && a.lint == b.lint);
    // Findings in test code that will be left out need no fix: finding one
    // parses the file again.
    fixes::suggest_all(&mut findings, &sources, |finding| {
        settings
            .scope(scope_of(finding.primary.file))
            .policy
            .shows(finding)
    });
    errors.sort();
    errors.dedup();
    timings.report = phase.elapsed();

    let stats = Stats {
        files: count_reported(&layout.reported, &sources, |_| 1),
        lines: count_reported(&layout.reported, &sources, |file| file.line_count()),
        files_read: sources.files.len(),
        elapsed_ms: 0,
        timed: false,
        untracked_connections: analysis.untracked,
        over_bounds: over_bounds.len(),
        summary_rounds_cut: summaries.rounds_cut,
        timings,
    };
    Report {
        sources,
        findings,
        errors,
        stats,
        policy: settings.scope(0).policy,
        file_scopes: layout.scopes.clone(),
        scope_policies: settings.scopes.iter().map(|scope| scope.policy).collect(),
        bounds: settings.bounds,
        bound_origins: settings.bound_origins.clone(),
        over_bounds,
        ..Report::default()
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
    semantics: &semantics::Semantics,
    settings: &Settings,
    test_files: &[bool],
) -> (flow::summaries::Summaries, usize) {
    let mut parts = flow::summaries::SummaryParts::new(files, semantics, &settings.packs);
    parts.test_files = test_files.to_vec();
    let mut summaries = parts.summaries(&settings.packs);
    let mut lowered_late = 0;
    let Some(mut vocabulary) = settings.vocabulary.clone() else {
        return (summaries, lowered_late);
    };
    let mut tried_for_waits: std::collections::HashSet<(usize, model::FnId)> =
        std::collections::HashSet::new();
    loop {
        let wider = flow::demand::workspace_words(files, &settings.packs, &summaries, &vocabulary);
        let grown = wider.size() > vocabulary.size();
        vocabulary = wider;
        // Bodies whose waits only they can tell, called from lowered ones;
        // each is tried once (a body whose text does not parse stays
        // unlowered).
        let mut wanted = parts.bodies_for_waits(&summaries, files);
        for (at, ids) in wanted.iter_mut().enumerate() {
            ids.retain(|&id| tried_for_waits.insert((at, id)));
        }
        if grown {
            // Every skipped body was not wanted before: those wanted now
            // are new.
            let mentioning: Vec<Vec<model::FnId>> = files
                .par_iter()
                .map(|file| match sources.get(file.file) {
                    Some(source) => skipped_bodies_mentioning(file, source, &vocabulary),
                    None => Vec::new(),
                })
                .collect();
            for (ids, more) in wanted.iter_mut().zip(mentioning) {
                ids.extend(more);
                ids.sort_unstable();
                ids.dedup();
            }
        }
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
        parts.redo(files, semantics, &settings.packs, &wanted);
        // The old summaries go before the new ones are built: never two at once.
        drop(summaries);
        summaries = parts.summaries(&settings.packs);
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
