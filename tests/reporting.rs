//! Output snapshots: every format's rendering of a hand-built report, the
//! SARIF log against the SARIF 2.1.0 schema, the cargo stream through the
//! parser rust-analyzer uses, the fingerprint's stability, and robustness
//! against locations that point outside their file.

use std::collections::BTreeMap;
use std::path::PathBuf;

use codespan_reporting::term::termcolor::NoColor;

use connleak::discovery::CargoTarget;
use connleak::findings::{Finding, Level, Stats};
use connleak::fixes::{Applicability, Edit, Fix};
use connleak::flow::PathStep;
use connleak::reporting::{self, cargo, github, human, json, sarif};
use connleak::rules::Lint;
use connleak::source::{FileError, Location, Pos, Span};
use connleak::source::{SourceFile, SourceMap};
use connleak::Report;

const JOBS: &str = r#"use sqlx::PgPool;

use crate::db;

pub async fn sync_user(pool: &PgPool, client: &reqwest::Client, id: i64) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await?;
    let user = sqlx::query_as::<_, User>("SELECT * FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    let profile = client.get(&user.profile_url).send().await?;
    sqlx::query("UPDATE users SET synced = true WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn archive_orders(pool: &PgPool, ids: &[i64]) -> anyhow::Result<()> {
    let mut tx = db::begin_batch(pool).await?;
    for id in ids {
        let order = fetch_order(&mut tx, *id).await?;
        if order.archived {
            continue;
        }
        if order.total == 0 {
            return Ok(());
        }
        archive(&mut tx, &order).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn open_report(pool: &PgPool) -> anyhow::Result<Report> {
    let conn = pool.acquire().await?;
    let report = Report::new(&conn);
    std::mem::forget(conn);
    Ok(report)
}
"#;

const DB: &str = r#"use sqlx::{PgPool, Postgres, Transaction};

pub async fn begin_batch(pool: &PgPool) -> sqlx::Result<Transaction<'static, Postgres>> {
    let tx = pool.begin().await?;
    Ok(tx)
}
"#;

/// The span of the `nth` (0-based) occurrence of `needle` in `text`, with
/// proc-macro2's conventions: 1-based lines, 0-based char columns.
fn span_of(text: &str, needle: &str, nth: usize) -> Span {
    let (start_byte, _) = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` occurs fewer than {} times", nth + 1));
    let end_byte = start_byte + needle.len();
    Span {
        start: pos_at(text, start_byte),
        end: pos_at(text, end_byte),
    }
}

fn pos_at(text: &str, byte: usize) -> Pos {
    let before = &text[..byte];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Pos {
        line: line as u32,
        column: text[line_start..byte].chars().count() as u32,
    }
}

const JOBS_ID: usize = 0;
const DB_ID: usize = 1;

fn at(file: usize, text: &str, needle: &str, nth: usize) -> Location {
    Location {
        file,
        span: span_of(text, needle, nth),
    }
}

fn step(location: Location, note: &str) -> PathStep {
    PathStep {
        at: location,
        note: note.to_string(),
    }
}

fn sources(jobs: &str) -> SourceMap {
    SourceMap {
        files: vec![
            SourceFile::new("src/jobs.rs".to_string(), jobs.to_string()),
            SourceFile::new("src/db.rs".to_string(), DB.to_string()),
        ],
    }
}

fn held_across_await(jobs: &str) -> Finding {
    let acquire = at(JOBS_ID, jobs, "pool.acquire().await?", 0);
    Finding {
        lint: Lint::HeldAcrossAwait,
        level: Level::Warn,
        primary: at(
            JOBS_ID,
            jobs,
            "client.get(&user.profile_url).send().await",
            0,
        ),
        primary_label: "this await does not use `conn`".to_string(),
        message: "`conn` is held across an unrelated `.await`".to_string(),
        help: "acquire `conn` after the HTTP call, or drop it before and acquire again".to_string(),
        acquired_at: Some(acquire),
        acquire_label: "`conn` acquired here".to_string(),
        path: vec![
            step(acquire, "`conn` acquired"),
            step(
                at(JOBS_ID, jobs, ".fetch_one(&mut *conn)", 0),
                "`conn` used",
            ),
            step(
                at(
                    JOBS_ID,
                    jobs,
                    "client.get(&user.profile_url).send().await",
                    0,
                ),
                "awaits an HTTP request with `conn` live",
            ),
            step(
                at(JOBS_ID, jobs, ".execute(&mut *conn)", 0),
                "`conn` still needed here",
            ),
        ],
        enclosing_item: "sync_user".to_string(),
        fingerprint: String::new(),
        in_test_code: false,
        remedy: None,
        fix: None,
        at_most: None,
    }
}

fn uncommitted_transaction(jobs: &str) -> Finding {
    let acquire = at(JOBS_ID, jobs, "db::begin_batch(pool).await?", 0);
    let loop_start = at(JOBS_ID, jobs, "for id in ids {", 0);
    // The loop statement as the parser sees it: from `for` to its closing brace.
    let loop_end = at(JOBS_ID, jobs, "    }\n    tx.commit()", 0);
    let whole_loop = Location {
        file: JOBS_ID,
        span: Span {
            start: loop_start.span.start,
            end: Pos {
                line: loop_end.span.start.line,
                column: 5,
            },
        },
    };
    let exit = at(JOBS_ID, jobs, "return Ok(());", 0);
    Finding {
        lint: Lint::UncommittedTransaction,
        level: Level::Deny,
        primary: exit,
        primary_label: "returns with `tx` neither committed nor rolled back".to_string(),
        message: "transaction `tx` is silently rolled back on this path".to_string(),
        help: "call `tx.commit().await?` before returning, or `tx.rollback().await?` if this is an abort".to_string(),
        acquired_at: Some(acquire),
        acquire_label: "`tx` begun here".to_string(),
        path: vec![
            step(at(DB_ID, DB, "pool.begin().await?", 0), "transaction begun in `begin_batch`"),
            step(acquire, "`tx` returned to `archive_orders`"),
            step(whole_loop, "loop entered"),
            step(at(JOBS_ID, jobs, "if order.archived", 0), "`order.archived` is false"),
            step(at(JOBS_ID, jobs, "if order.total == 0", 0), "`order.total == 0` is true"),
            step(exit, "returns `Ok`"),
        ],
        enclosing_item: "archive_orders".to_string(),
        fingerprint: String::new(),
        in_test_code: false,
        remedy: None,
        fix: Some(Fix {
            message: "commit `tx` before returning, if this path keeps its work".to_string(),
            code: "tx.commit().await?;".to_string(),
            applicability: Applicability::MaybeIncorrect,
            edits: vec![Edit {
                file: JOBS_ID,
                span: Span {
                    start: Pos {
                        line: exit.span.start.line,
                        column: 0,
                    },
                    end: Pos {
                        line: exit.span.start.line,
                        column: 0,
                    },
                },
                replacement: "            tx.commit().await?;\n".to_string(),
            }],
        }),
        at_most: None,
    }
}

fn leaked_connection(jobs: &str) -> Finding {
    let acquire = at(JOBS_ID, jobs, "pool.acquire().await?", 1);
    Finding {
        lint: Lint::LeakedConnection,
        level: Level::Deny,
        primary: at(JOBS_ID, jobs, "std::mem::forget(conn)", 0),
        primary_label: "`conn` is forgotten: it never goes back to the pool".to_string(),
        message: "connection `conn` is leaked".to_string(),
        help: "let `conn` drop at the end of the scope, or call `drop(conn)`".to_string(),
        acquired_at: Some(acquire),
        acquire_label: "`conn` acquired here".to_string(),
        path: vec![
            step(acquire, "`conn` acquired"),
            step(
                at(JOBS_ID, jobs, "std::mem::forget(conn)", 0),
                "`conn` forgotten",
            ),
        ],
        enclosing_item: "open_report".to_string(),
        fingerprint: String::new(),
        in_test_code: false,
        remedy: None,
        fix: None,
        at_most: None,
    }
}

fn with_fingerprint(mut finding: Finding, sources: &SourceMap) -> Finding {
    finding.fingerprint = reporting::fingerprint(&finding, sources);
    finding
}

/// Two files, three findings (one per shape of path), two unreadable files.
fn sample_report() -> Report {
    let sources = sources(JOBS);
    let findings = vec![
        held_across_await(JOBS),
        uncommitted_transaction(JOBS),
        leaked_connection(JOBS),
    ]
    .into_iter()
    .map(|finding| with_fingerprint(finding, &sources))
    .collect();
    Report {
        sources,
        findings,
        errors: vec![
            FileError {
                file: "src/broken.rs".to_string(),
                line: Some(3),
                message: "expected `;`, found keyword `let`".to_string(),
            },
            FileError {
                file: "src/unreadable.rs".to_string(),
                line: None,
                message: "cannot read: permission denied".to_string(),
            },
        ],
        stats: Stats {
            files: 14,
            lines: 812,
            elapsed_ms: 85,
            ..Stats::default()
        },
        ..Report::default()
    }
}

fn render_human(report: &Report) -> String {
    let mut out = NoColor::new(Vec::new());
    human::render(report, &mut out).expect("writing to a Vec cannot fail");
    String::from_utf8(out.into_inner()).expect("the renderer writes UTF-8")
}

#[test]
fn human_output() {
    insta::assert_snapshot!("human", render_human(&sample_report()));
}

#[test]
fn json_output() {
    insta::assert_snapshot!("json", json::render(&sample_report()));
}

#[test]
fn json_output_is_valid_and_follows_the_contract() {
    let report = sample_report();
    let text = json::render(&report);
    assert!(text.ends_with("}\n"));
    let document: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(document["version"], 1);
    let first = &document["findings"][0];
    let primary = report.findings[0].primary.span.start;
    assert_eq!(first["line"], primary.line);
    assert_eq!(first["column"], primary.column + 1, "columns are 1-based");
    assert_eq!(first["severity"], "warning");
    assert_eq!(document["findings"][1]["severity"], "error");
    assert_eq!(document["errors"][1]["line"], serde_json::Value::Null);
    assert_eq!(document["stats"]["files"], 14);
}

#[test]
fn clean_run_summary() {
    let report = Report {
        stats: Stats {
            files: 14,
            lines: 812,
            ..Stats::default()
        },
        ..Report::default()
    };
    assert_eq!(render_human(&report), "connleak: no findings in 14 files\n");
}

#[test]
fn summary_says_what_was_not_shown() {
    let report = Report {
        stats: Stats {
            files: 3,
            ..Stats::default()
        },
        hidden: connleak::Hidden {
            in_baseline: 4,
            fixed_since_baseline: 2,
            outside_changes: 1,
            in_test_code: 0,
        },
        ..Report::default()
    };
    assert_eq!(
        render_human(&report),
        "connleak: no findings in 3 files; not shown: 4 in the baseline, 1 outside the changed lines; \
         2 baseline entries fixed (--list-fixed lists them)\n"
    );
}

/// A path longer than the labels allow: the first steps are labelled, and the
/// whole path is listed in a note.
#[test]
fn long_path_is_listed_in_a_note() {
    let sources = sources(JOBS);
    let mut finding = held_across_await(JOBS);
    finding.path = (0..10)
        .map(|line| {
            let location = Location {
                file: JOBS_ID,
                span: Span {
                    start: Pos {
                        line: 20 + line,
                        column: 4,
                    },
                    end: Pos {
                        line: 20 + line,
                        column: 6,
                    },
                },
            };
            step(location, &format!("step {}", line + 1))
        })
        .collect();
    let report = Report {
        findings: vec![with_fingerprint(finding, &sources)],
        sources,
        ..Report::default()
    };
    insta::assert_snapshot!("long_path", render_human(&report));
}

#[test]
fn fingerprint_ignores_lines_moving_down() {
    let shifted = format!("// a\n// licence\n// header\n// moved\n// everything\n{JOBS}");
    let before_sources = sources(JOBS);
    let after_sources = sources(&shifted);
    for (before, after) in [
        (held_across_await(JOBS), held_across_await(&shifted)),
        (
            uncommitted_transaction(JOBS),
            uncommitted_transaction(&shifted),
        ),
        (leaked_connection(JOBS), leaked_connection(&shifted)),
    ] {
        assert_eq!(
            before.primary.span.start.line + 5,
            after.primary.span.start.line
        );
        let before = reporting::fingerprint(&before, &before_sources);
        let after = reporting::fingerprint(&after, &after_sources);
        assert_eq!(before, after);
        assert_eq!(before.len(), 16);
        assert!(before
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}

#[test]
fn fingerprint_differs_across_lints_and_items() {
    let sources = sources(JOBS);
    let finding = held_across_await(JOBS);
    let original = reporting::fingerprint(&finding, &sources);

    let other_lint = Finding {
        lint: Lint::NestedAcquire,
        ..finding.clone()
    };
    assert_ne!(original, reporting::fingerprint(&other_lint, &sources));

    let other_item = Finding {
        enclosing_item: "Worker::sync_user".to_string(),
        ..finding.clone()
    };
    assert_ne!(original, reporting::fingerprint(&other_item, &sources));

    let all: Vec<String> = sample_report()
        .findings
        .iter()
        .map(|finding| finding.fingerprint.clone())
        .collect();
    assert!(all[0] != all[1] && all[1] != all[2] && all[0] != all[2]);
}

#[test]
fn fingerprint_is_pinned() {
    // Baselines store fingerprints: a change here invalidates every user's
    // baseline, so it must be deliberate.
    let sources = sources(JOBS);
    insta::assert_snapshot!(
        "fingerprints",
        sample_report()
            .findings
            .iter()
            .map(|finding| format!(
                "{} {}",
                finding.lint.name(),
                reporting::fingerprint(finding, &sources)
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Findings whose locations point past their file's end, past a line's
/// end, or into a file nobody knows.
fn out_of_range_report() -> Report {
    let sources = sources(JOBS);
    let beyond = Location {
        file: JOBS_ID,
        span: Span {
            start: Pos {
                line: 999,
                column: 999,
            },
            end: Pos { line: 2, column: 0 },
        },
    };
    let unknown_file = Location {
        file: 42,
        span: Span {
            start: Pos { line: 3, column: 1 },
            end: Pos { line: 3, column: 4 },
        },
    };
    let past_line_end = Location {
        file: DB_ID,
        span: Span {
            start: Pos {
                line: 4,
                column: 200,
            },
            end: Pos {
                line: 0,
                column: u32::MAX,
            },
        },
    };
    let mut findings = Vec::new();
    for (primary, acquired_at) in [
        (beyond, Some(unknown_file)),
        (unknown_file, Some(beyond)),
        (past_line_end, None),
    ] {
        let mut finding = leaked_connection(JOBS);
        finding.primary = primary;
        finding.acquired_at = acquired_at;
        finding.path = vec![
            step(beyond, "beyond the end"),
            step(unknown_file, "in a file nobody knows"),
            step(past_line_end, "past the end of a line"),
        ];
        findings.push(with_fingerprint(finding, &sources));
    }
    Report {
        sources,
        findings,
        ..Report::default()
    }
}

#[test]
fn locations_outside_their_file_do_not_panic() {
    let report = out_of_range_report();
    let human = render_human(&report);
    assert!(human.contains("error[leaked-connection]"));
    assert!(human.contains("<unknown file>:3:2"));
    insta::assert_snapshot!("out_of_range", human);
    let json = json::render(&report);
    assert!(json.contains("\"file\": \"<unknown file>\""));
}

/// The SARIF log with the version number and the lints' documentation
/// replaced by placeholders, so that a release or an edit to a lint's docs
/// does not change the snapshot (the validity test checks the docs are in).
fn render_sarif(report: &Report) -> String {
    let mut text = sarif::render(report).replace(
        &format!("\"{}\"", env!("CARGO_PKG_VERSION")),
        "\"[version]\"",
    );
    for lint in Lint::ALL {
        let as_json = |value: String| serde_json::to_string(&value).expect("a JSON string");
        text = text
            .replace(
                &as_json(reporting::lint_docs(lint)),
                &format!("\"[docs of {}]\"", lint.name()),
            )
            .replace(
                &as_json(reporting::lint_description(lint)),
                &format!("\"[what {} does]\"", lint.name()),
            );
    }
    text
}

#[test]
fn sarif_output() {
    insta::assert_snapshot!("sarif", render_sarif(&sample_report()));
}

#[test]
fn github_output() {
    insta::assert_snapshot!("github", github::render(&sample_report()));
}

/// What a real workspace would give: `src/jobs.rs` and `src/db.rs` in the
/// library of package `jobs`; the files that could not be checked are
/// outside any package and get bare diagnostics.
fn sample_targets() -> BTreeMap<String, CargoTarget> {
    let package_dir = PathBuf::from("/project/jobs");
    ["src/jobs.rs", "src/db.rs"]
        .into_iter()
        .map(|file| {
            (
                file.to_string(),
                CargoTarget {
                    package_name: "jobs".to_string(),
                    package_version: "0.3.1".to_string(),
                    package_dir: package_dir.clone(),
                    manifest_path: package_dir.join("Cargo.toml"),
                    kind: "lib",
                    name: "jobs".to_string(),
                    src_path: package_dir.join("src/lib.rs"),
                    edition: "2021".to_string(),
                },
            )
        })
        .collect()
}

#[test]
fn cargo_output() {
    insta::assert_snapshot!("cargo", cargo::render(&sample_report(), &sample_targets()));
}

/// How rust-analyzer reads each line of a check command: a cargo message
/// (parsed by the `cargo_metadata` crate), or else a bare rustc diagnostic.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum CheckLine {
    Cargo(cargo_metadata::Message),
    Rustc(cargo_metadata::diagnostic::Diagnostic),
}

#[test]
fn cargo_output_parses_as_rust_analyzer_parses_it() {
    let report = sample_report();
    let text = cargo::render(&report, &sample_targets());
    let mut compiler_messages = Vec::new();
    let mut finished = Vec::new();
    let mut bare = Vec::new();
    for line in text.lines() {
        let parsed: CheckLine = serde_json::from_str(line)
            .unwrap_or_else(|error| panic!("not a check message ({error}): {line}"));
        match parsed {
            CheckLine::Cargo(cargo_metadata::Message::CompilerMessage(message)) => {
                compiler_messages.push(message)
            }
            CheckLine::Cargo(cargo_metadata::Message::BuildFinished(done)) => {
                finished.push(done.success)
            }
            CheckLine::Cargo(other) => panic!("unexpected message {other:?}"),
            CheckLine::Rustc(diagnostic) => bare.push(diagnostic),
        }
    }
    // The files that could not be checked are outside any package here.
    assert_eq!(bare.len(), report.errors.len());
    assert!(bare
        .iter()
        .all(|d| d.level == cargo_metadata::diagnostic::DiagnosticLevel::Error));
    assert_eq!(compiler_messages.len(), report.findings.len());
    assert_eq!(finished, [false], "exactly one build-finished, last");
    assert!(text
        .lines()
        .last()
        .expect("lines")
        .contains("build-finished"));

    let first = &compiler_messages[0].message;
    assert_eq!(
        first.code.as_ref().map(|code| code.code.as_str()),
        Some("connleak::held-across-await")
    );
    let primary = first
        .spans
        .iter()
        .find(|span| span.is_primary)
        .expect("a primary span");
    let expected = report.findings[0].primary.span;
    assert_eq!(primary.file_name, "src/jobs.rs");
    assert_eq!(primary.line_start, expected.start.line as usize);
    assert_eq!(primary.column_start, expected.start.column as usize + 1);
    let source = &report.sources.files[0].text;
    assert_eq!(
        &source[primary.byte_start as usize..primary.byte_end as usize],
        "client.get(&user.profile_url).send().await"
    );
    assert!(first.rendered.as_deref().is_some_and(|text| text
        .starts_with("warning[held-across-await]: `conn` is held across an unrelated `.await`")));
}

#[test]
fn machine_formats_survive_locations_outside_their_file() {
    let report = out_of_range_report();
    let sarif = sarif::render(&report);
    assert_sarif_is_valid(&sarif);
    let github = github::render(&report);
    assert_eq!(github.lines().count(), 3);
    for line in cargo::render(&report, &BTreeMap::new()).lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("JSON lines");
    }
}

/// The SARIF 2.1.0 schema, as the `serde-sarif` crate ships it in its
/// source (it generates its types from it). Found through `cargo metadata`,
/// so that no copy of the schema lives in this repository.
fn sarif_schema() -> serde_json::Value {
    let metadata = cargo_metadata::MetadataCommand::new()
        .cargo_path(env!("CARGO"))
        .manifest_path(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .other_options(vec![String::from("--locked")])
        .exec()
        .expect("cargo metadata runs");
    let package = metadata
        .packages
        .iter()
        .find(|package| package.name.as_str() == "serde-sarif")
        .expect("serde-sarif is a dev-dependency");
    let schema_path = package
        .manifest_path
        .parent()
        .expect("a manifest has a folder")
        .join("src/schema.json");
    let text = std::fs::read_to_string(&schema_path)
        .unwrap_or_else(|error| panic!("cannot read {schema_path}: {error}"));
    let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    assert_eq!(
        schema["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
    schema
}

/// Validates against the SARIF 2.1.0 JSON schema (formats included), then
/// deserializes into serde-sarif's typed model.
fn assert_sarif_is_valid(text: &str) {
    let log: serde_json::Value = serde_json::from_str(text).expect("SARIF is JSON");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&sarif_schema())
        .expect("the schema compiles");
    let problems: Vec<String> = validator
        .iter_errors(&log)
        .map(|error| format!("{} at {}", error, error.instance_path))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let typed: serde_sarif::sarif::Sarif =
        serde_json::from_str(text).expect("serde-sarif reads it");
    assert_eq!(typed.runs.len(), 1);
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let report = sample_report();
    let text = sarif::render(&report);
    assert_sarif_is_valid(&text);

    let log: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), Lint::ALL.len());
    for (rule, lint) in rules.iter().zip(Lint::ALL) {
        assert_eq!(rule["id"], lint.name());
        assert_eq!(rule["shortDescription"]["text"], lint.info().summary);
        let help = rule["help"]["text"].as_str().expect("help text");
        assert!(help.contains("## What it does"), "{help}");
        assert_eq!(help, reporting::lint_docs(lint));
        assert_eq!(rule["help"]["markdown"], help);
        assert_eq!(
            rule["fullDescription"]["text"],
            reporting::lint_description(lint)
        );
    }
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), report.findings.len());
    for (result, finding) in results.iter().zip(&report.findings) {
        let index = result["ruleIndex"].as_u64().expect("an index") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert_eq!(result["ruleId"], finding.lint.name());
        assert_eq!(
            result["partialFingerprints"]["connleak/v1"],
            finding.fingerprint.as_str()
        );
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], finding.primary.span.start.line);
        assert_eq!(region["startColumn"], finding.primary.span.start.column + 1);
        let steps = &result["codeFlows"][0]["threadFlows"][0]["locations"];
        assert_eq!(
            steps.as_array().map(Vec::len),
            Some(finding.path.len()),
            "{result}"
        );
    }
    assert_eq!(
        run["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
}

#[test]
fn sarif_uris_are_encoded_and_absolute_paths_are_file_uris() {
    let mut report = sample_report();
    report.sources.files[0].display = "src/a dir/jobs,#1.rs".to_string();
    report.sources.files[1].display = "/abs/db.rs".to_string();
    let text = sarif::render(&report);
    assert_sarif_is_valid(&text);
    assert!(
        text.contains("\"uri\": \"src/a%20dir/jobs%2C%231.rs\""),
        "{text}"
    );
    assert!(text.contains("\"uri\": \"file:///abs/db.rs\""), "{text}");
}

#[test]
fn github_commands_escape_data_and_properties() {
    let mut report = sample_report();
    report.sources.files[0].display = "src/odd,name:1%.rs".to_string();
    report.findings[0].message = "50% of the pool\nis gone".to_string();
    let text = github::render(&report);
    let first = text.lines().next().expect("a line");
    assert!(
        first.starts_with("::warning file=src/odd%2Cname%3A1%25.rs,line=11,col=19,endLine=11,endColumn=60,title=connleak(held-across-await)::50%25 of the pool%0Ais gone%0Anote: `conn` acquired here at src/odd,name:1%25.rs:6:20%0Ahelp: "),
        "{first}"
    );
    // One command per finding and per error, nothing else.
    assert_eq!(text.lines().count(), 5);
    assert!(text
        .lines()
        .all(|line| line.starts_with("::error ") || line.starts_with("::warning ")));
}
