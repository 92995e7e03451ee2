//! Property tests over random programs built from connection operations
//! (acquire, use, drop, forget, await, branch, loop, `?`, return, commit...):
//!
//! - the pipeline never panics on them, and every format renders;
//! - findings do not depend on formatting: the same program re-indented and
//!   reflowed gives the same lints at the same statements.
//!
//! The programs need not compile (a variable may be used after it moved or
//! outside its block): connleak reads code that does not compile yet, too.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use proptest::prelude::*;

use connleak::{Options, Report};

/// One operation; variables are numbered in order of acquisition and chosen
/// modulo how many there are.
#[derive(Debug, Clone)]
enum Op {
    Acquire,
    AcquireThroughHelper,
    Begin,
    Use(usize),
    UsePoolDirectly,
    Drop(usize),
    Forget(usize),
    Commit(usize),
    Rollback(usize),
    UnrelatedAwait,
    AwaitUsing(usize),
    Question,
    Return,
    Push(usize),
    Spawn(usize),
    Branch(Vec<Op>, Vec<Op>),
    Loop(Vec<Op>),
    Match(Vec<Op>, Vec<Op>),
    Closure(Vec<Op>),
}

fn op() -> impl Strategy<Value = Op> {
    let leaf = prop_oneof![
        3 => Just(Op::Acquire),
        1 => Just(Op::AcquireThroughHelper),
        2 => Just(Op::Begin),
        3 => (0..4usize).prop_map(Op::Use),
        1 => Just(Op::UsePoolDirectly),
        1 => (0..4usize).prop_map(Op::Drop),
        1 => (0..4usize).prop_map(Op::Forget),
        2 => (0..4usize).prop_map(Op::Commit),
        1 => (0..4usize).prop_map(Op::Rollback),
        2 => Just(Op::UnrelatedAwait),
        1 => (0..4usize).prop_map(Op::AwaitUsing),
        2 => Just(Op::Question),
        1 => Just(Op::Return),
        1 => (0..4usize).prop_map(Op::Push),
        1 => (0..4usize).prop_map(Op::Spawn),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let block = || prop::collection::vec(inner.clone(), 0..6);
        prop_oneof![
            (block(), block()).prop_map(|(a, b)| Op::Branch(a, b)),
            block().prop_map(Op::Loop),
            (block(), block()).prop_map(|(a, b)| Op::Match(a, b)),
            block().prop_map(Op::Closure),
        ]
    })
}

fn program() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), 1..12)
}

/// How a program is laid out: both layouts print the same tokens.
#[derive(Debug, Clone, Copy)]
enum Layout {
    /// rustfmt-like: four spaces, one statement a line.
    Plain,
    /// Tabs, Allman braces, blank lines and comments between statements,
    /// method chains and arguments broken over lines.
    Reflowed,
}

/// A rendered program, and for each statement (numbered in pre-order, the
/// function itself being statement 0) its byte range in the text.
struct Rendered {
    text: String,
    statements: Vec<(usize, usize)>,
}

struct Printer {
    layout: Layout,
    text: String,
    statements: Vec<(usize, usize)>,
    variables: usize,
}

impl Printer {
    fn indent(&mut self, depth: usize) {
        let unit = match self.layout {
            Layout::Plain => "    ",
            Layout::Reflowed => "\t",
        };
        self.text.push_str(&unit.repeat(depth));
    }

    /// `pool.acquire().await?` as `pool`, then one link a line.
    fn chain(&mut self, depth: usize, head: &str, links: &[&str]) {
        self.text.push_str(head);
        for link in links {
            if let Layout::Reflowed = self.layout {
                self.text.push('\n');
                self.indent(depth + 1);
            }
            self.text.push_str(link);
        }
    }

    fn variable(&self, index: usize) -> String {
        if self.variables == 0 {
            String::from("pool")
        } else {
            format!("c{}", index % self.variables)
        }
    }

    fn open_brace(&mut self, depth: usize) {
        match self.layout {
            Layout::Plain => self.text.push_str(" {\n"),
            Layout::Reflowed => {
                self.text.push('\n');
                self.indent(depth);
                self.text.push_str("{\n");
            }
        }
    }

    fn block(&mut self, ops: &[Op], depth: usize) {
        for (i, op) in ops.iter().enumerate() {
            if let Layout::Reflowed = self.layout {
                if i % 2 == 1 {
                    self.text.push('\n');
                    self.indent(depth);
                    self.text.push_str("// reflowed\n");
                }
            }
            self.statement(op, depth);
        }
    }

    fn statement(&mut self, op: &Op, depth: usize) {
        let id = self.statements.len();
        self.statements.push((0, 0));
        self.indent(depth);
        let start = self.text.len();
        match op {
            Op::Acquire | Op::AcquireThroughHelper | Op::Begin => {
                let name = format!("c{}", self.variables);
                self.variables += 1;
                self.text.push_str(&format!("let mut {name} = "));
                match op {
                    Op::Acquire => self.chain(depth, "pool", &[".acquire()", ".await?"]),
                    Op::AcquireThroughHelper => self.chain(depth, "get_conn(pool)", &[".await?"]),
                    _ => self.chain(depth, "pool", &[".begin()", ".await?"]),
                }
                self.text.push(';');
            }
            Op::Use(v) => {
                let target = self.variable(*v);
                let executor = if target == "pool" {
                    String::from(".execute(pool)")
                } else {
                    format!(".execute(&mut *{target})")
                };
                self.chain(depth, "sqlx::query(\"SELECT 1\")", &[&executor, ".await?"]);
                self.text.push(';');
            }
            Op::UsePoolDirectly => {
                self.chain(
                    depth,
                    "sqlx::query(\"SELECT 2\")",
                    &[".fetch_one(pool)", ".await?"],
                );
                self.text.push(';');
            }
            Op::Drop(v) => {
                let target = self.variable(*v);
                self.text.push_str(&format!("drop({target});"));
            }
            Op::Forget(v) => {
                let target = self.variable(*v);
                self.text.push_str(&format!("std::mem::forget({target});"));
            }
            Op::Commit(v) | Op::Rollback(v) => {
                let target = self.variable(*v);
                let method = if let Op::Commit(_) = op {
                    ".commit()"
                } else {
                    ".rollback()"
                };
                self.chain(depth, &target, &[method, ".await?"]);
                self.text.push(';');
            }
            Op::UnrelatedAwait => {
                self.chain(
                    depth,
                    "tokio::time::sleep(std::time::Duration::from_millis(5))",
                    &[".await"],
                );
                self.text.push(';');
            }
            Op::AwaitUsing(v) => {
                let target = self.variable(*v);
                self.chain(depth, &format!("audit(&mut {target})"), &[".await?"]);
                self.text.push(';');
            }
            Op::Question => self.text.push_str("check(flag)?;"),
            Op::Return => self.text.push_str("return Ok(());"),
            Op::Push(v) => {
                let target = self.variable(*v);
                self.text.push_str(&format!("held.push({target});"));
            }
            Op::Spawn(v) => {
                let target = self.variable(*v);
                self.text.push_str("tokio::spawn(async move");
                self.open_brace(depth);
                self.indent(depth + 1);
                self.text.push_str("loop");
                self.open_brace(depth + 1);
                self.indent(depth + 2);
                self.text.push_str(&format!(
                    "let _ = sqlx::query(\"SELECT 3\").execute(&mut *{target}).await;\n"
                ));
                self.indent(depth + 1);
                self.text.push_str("}\n");
                self.indent(depth);
                self.text.push_str("});");
            }
            Op::Branch(yes, no) => {
                self.text.push_str("if flag");
                self.nested(yes, depth);
                match self.layout {
                    Layout::Plain => self.text.push_str(" else"),
                    Layout::Reflowed => {
                        self.text.push('\n');
                        self.indent(depth);
                        self.text.push_str("else");
                    }
                }
                self.nested(no, depth);
            }
            Op::Loop(body) => {
                self.text.push_str("for _ in 0..n");
                self.nested(body, depth);
            }
            Op::Match(some, none) => {
                self.text.push_str("match lookup(n)");
                self.open_brace(depth);
                self.indent(depth + 1);
                self.text.push_str("Some(_) =>");
                self.nested(some, depth + 1);
                self.text.push('\n');
                self.indent(depth + 1);
                self.text.push_str("None =>");
                self.nested(none, depth + 1);
                self.text.push('\n');
                self.indent(depth);
                self.text.push('}');
            }
            Op::Closure(body) => {
                self.text.push_str("let work = async");
                self.nested(body, depth);
                self.text.push_str(";\n");
                self.indent(depth);
                self.text.push_str("work.await;");
            }
        }
        self.statements[id] = (start, self.text.len());
        self.text.push('\n');
    }

    /// A `{ ... }` block whose closing brace ends the current statement.
    fn nested(&mut self, ops: &[Op], depth: usize) {
        self.open_brace(depth);
        self.block(ops, depth + 1);
        self.indent(depth);
        self.text.push('}');
    }
}

fn render(ops: &[Op], layout: Layout) -> Rendered {
    let mut printer = Printer {
        layout,
        text: String::new(),
        statements: vec![(0, 0)],
        variables: 0,
    };
    printer.text.push_str(
        "use sqlx::pool::PoolConnection;\nuse sqlx::{PgPool, Postgres};\n\nasync fn get_conn(pool: &PgPool) -> sqlx::Result<PoolConnection<Postgres>> {\n    pool.acquire().await\n}\n\n",
    );
    let start = printer.text.len();
    match layout {
        Layout::Plain => printer.text.push_str(
            "pub async fn handler(pool: &PgPool, flag: bool, n: u32) -> sqlx::Result<()> {\n",
        ),
        Layout::Reflowed => printer.text.push_str(
            "pub async fn handler(\n\tpool: &PgPool,\n\tflag: bool,\n\tn: u32,\n) -> sqlx::Result<()>\n{\n",
        ),
    }
    printer.indent(1);
    printer.text.push_str("let mut held = Vec::new();\n");
    printer.block(ops, 1);
    printer.indent(1);
    printer.text.push_str("let _ = held;\n");
    printer.indent(1);
    printer.text.push_str("Ok(())\n}\n");
    printer.statements[0] = (start, printer.text.len());
    Rendered {
        text: printer.text,
        statements: printer.statements,
    }
}

/// A finding as the layout-independent facts: lint, message, and the
/// statements of its primary span and of its acquire site.
type Fact = (String, String, Option<usize>, Option<usize>);

fn facts(report: &Report, rendered: &Rendered) -> Vec<Fact> {
    let source = &report.sources.files[0];
    let statement_at = |pos: connleak::source::Pos| -> Option<usize> {
        let offset = source.offset(pos);
        rendered
            .statements
            .iter()
            .enumerate()
            .filter(|(_, (start, end))| *start <= offset && offset <= *end)
            .min_by_key(|(_, (start, end))| end - start)
            .map(|(id, _)| id)
    };
    let mut facts: Vec<Fact> = report
        .findings
        .iter()
        .map(|finding| {
            (
                finding.lint.name().to_string(),
                finding.message.clone(),
                statement_at(finding.primary.span.start),
                finding
                    .acquired_at
                    .and_then(|at| statement_at(at.span.start)),
            )
        })
        .collect();
    facts.sort();
    facts
}

/// Checks one program text through the whole pipeline and renders every
/// format, so that a panic anywhere fails the property.
fn check(dir: &Path, text: &str) -> Report {
    let file = dir.join("lib.rs");
    fs::write(&file, text).expect("write program");
    let report = connleak::run(&Options {
        paths: vec![file],
        threads: 1,
        ..Options::default()
    });
    let mut human = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
    connleak::reporting::human::render(&report, &mut human).expect("human output");
    let json = connleak::reporting::json::render(&report);
    serde_json::from_str::<serde_json::Value>(&json).expect("valid JSON");
    report
}

fn describe(report: &Report) -> String {
    let mut text = String::new();
    for finding in &report.findings {
        let _ = writeln!(
            text,
            "{}:{}:{} {} {}",
            finding.primary.span.start.line,
            finding.primary.span.start.column,
            finding.lint.name(),
            finding.message,
            finding.acquired_at.map_or(0, |at| at.span.start.line)
        );
    }
    for error in &report.errors {
        let _ = writeln!(text, "error {:?}: {}", error.line, error.message);
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn findings_do_not_depend_on_layout(ops in program()) {
        let dir = tempfile::tempdir().expect("temporary folder");
        let plain = render(&ops, Layout::Plain);
        let reflowed = render(&ops, Layout::Reflowed);
        let plain_report = check(dir.path(), &plain.text);
        prop_assert!(plain_report.errors.is_empty(), "{}\n{}", plain.text, describe(&plain_report));
        let reflowed_report = check(dir.path(), &reflowed.text);
        prop_assert!(reflowed_report.errors.is_empty(), "{}\n{}", reflowed.text, describe(&reflowed_report));
        prop_assert_eq!(
            facts(&plain_report, &plain),
            facts(&reflowed_report, &reflowed),
            "\n{}\n{}\n{}\n{}",
            plain.text,
            describe(&plain_report),
            reflowed.text,
            describe(&reflowed_report)
        );
    }
}

/// Not vacuous: the generator's programs do produce findings, of several
/// lints, on the plain layout.
#[test]
fn generated_programs_produce_findings() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRng, TestRunner};

    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha),
    );
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut lints = std::collections::BTreeSet::new();
    for _ in 0..40 {
        let ops = program()
            .new_tree(&mut runner)
            .expect("a program")
            .current();
        let report = check(dir.path(), &render(&ops, Layout::Plain).text);
        lints.extend(report.findings.iter().map(|f| f.lint.name()));
    }
    assert!(lints.len() >= 4, "{lints:?}");
}
