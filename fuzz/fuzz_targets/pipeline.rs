//! Arbitrary bytes through the whole pipeline: read checks (UTF-8, binary),
//! the nesting guard, parse, lower, index, flow analysis, rules, and every
//! output format. Any panic or crash is a bug.
//!
//! The input is split into files at each `\0\0` (two NULs, which never occur
//! in Rust source), so that one input can exercise the cross-file index too.

#![no_main]

use std::sync::OnceLock;

use connleak::{Options, Report};

fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .stack_size(connleak::parsing::WORKER_STACK_BYTES)
            .build()
            .expect("one worker thread")
    })
}

/// Every output format; a new one is one more line here. SARIF carries every
/// lint's documentation, the same each time, and writing it out was most of
/// an execution: it is rendered for one input in eight (chosen by the input,
/// so that a crash reproduces).
fn render_every_format(report: &Report, with_sarif: bool) {
    use connleak::reporting;
    let json = reporting::json::render(report);
    serde_json::from_str::<serde_json::Value>(&json).expect("the JSON output is JSON");
    if with_sarif {
        let sarif = reporting::sarif::render(report);
        serde_json::from_str::<serde_json::Value>(&sarif).expect("the SARIF output is JSON");
    }
    for line in reporting::cargo::render(report, &Default::default()).lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("each cargo message is JSON");
    }
    let _ = reporting::github::render(report);
    let mut human = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
    reporting::human::render(report, &mut human).expect("human output renders");
    let _ = reporting::timings::render(&report.stats);
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut texts = Vec::new();
    for (index, part) in split_files(data).into_iter().enumerate() {
        texts.push((format!("src/f{index}.rs"), part.to_vec()));
    }
    let report = pool().install(|| connleak::run_in_memory(&texts, &Options::default()));
    render_every_format(&report, data.first().is_some_and(|byte| byte % 8 == 0));
});

fn split_files(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + 1 < data.len() {
        if data[i] == 0 && data[i + 1] == 0 {
            parts.push(&data[start..i]);
            start = i + 2;
            i += 2;
        } else {
            i += 1;
        }
    }
    parts.push(&data[start..]);
    parts
}
