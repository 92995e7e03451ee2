//! The bounds on a run's work (see `src/bounds.rs`): a generated file over a
//! bound is never cut silently nor left to exhaust the machine; it is an
//! error entry naming the file and the bound, in every output format, with
//! exit status 2, its findings withheld, and the other files checked as
//! usual. Bounds are counted in work units, so the output is the same
//! whatever the thread count.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use common::{code, json_of, stderr, stdout};

const BIN: &str = env!("CARGO_BIN_EXE_cargo-connleak");

const MANIFEST: &str =
    "[package]\nname = \"bounded\"\nversion = \"0.1.0\"\n\n[dependencies]\nsqlx = \"0.8\"\n";

/// A leak of its own, which must still be reported whatever happens to the
/// generated file.
const LEAK: &str = "use sqlx::PgPool;\n\npub async fn forget(pool: &PgPool) {\n    let conn = pool.acquire().await.unwrap();\n    std::mem::forget(conn);\n}\n";

/// A generated body that costs the flow analysis much: `count` transactions
/// open at once, one `if` per transaction that writes on it or not, then a
/// leak (line 3 of the file is where the leaked connection is acquired).
fn heavy(count: usize) -> String {
    let mut text = String::from(
        "use sqlx::PgPool;\npub async fn heavy(pool: &PgPool, flags: &[bool]) -> sqlx::Result<()> {\n    let lost = pool.acquire().await?;\n    std::mem::forget(lost);\n",
    );
    for n in 0..count {
        text.push_str(&format!("    let mut t{n} = pool.begin().await?;\n"));
    }
    for n in 0..count {
        text.push_str(&format!(
            "    if flags[{n}] {{\n        sqlx::query(\"UPDATE jobs SET n = {n}\").execute(&mut *t{n}).await?;\n    }}\n"
        ));
    }
    for n in 0..count {
        text.push_str(&format!("    t{n}.commit().await?;\n"));
    }
    text.push_str("    Ok(())\n}\n");
    text
}

/// A crate with `src/a_leak.rs` (one finding) and `src/heavy.rs` (a
/// generated file with a finding of its own).
fn crate_with_heavy_file(count: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path();
    fs::create_dir_all(root.join("src")).expect("folder");
    fs::write(root.join("Cargo.toml"), MANIFEST).expect("manifest");
    fs::write(root.join("src/lib.rs"), "pub mod a_leak;\npub mod heavy;\n").expect("lib");
    fs::write(root.join("src/a_leak.rs"), LEAK).expect("leak");
    fs::write(root.join("src/heavy.rs"), heavy(count)).expect("heavy");
    dir
}

fn run(cwd: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(BIN);
    command.args(args).current_dir(cwd);
    for variable in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "CARGO_TERM_COLOR"] {
        command.env_remove(variable);
    }
    command.output().expect("the binary runs")
}

/// The steps of the flow analysis over the whole crate, from `--timings`.
fn steps(dir: &Path) -> u64 {
    let output = run(dir, &["--timings", "-j1"]);
    let text = stderr(&output);
    let line = text
        .lines()
        .find_map(|line| line.strip_prefix("blocks walked by the flow analysis: "))
        .unwrap_or_else(|| panic!("no blocks walked in:\n{text}"));
    let (_, steps) = line.split_once(" (").expect("steps in brackets");
    let (steps, _) = steps.split_once(' ').expect("a number of steps");
    steps.parse().expect("a number")
}

/// The files of a JSON report's findings and errors.
fn files_of(json: &serde_json::Value, list: &str) -> Vec<String> {
    json[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {json}"))
        .iter()
        .map(|entry| {
            entry["file"]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| entry.to_string())
        })
        .collect()
}

#[test]
fn a_file_over_the_steps_bound_is_an_error_in_every_format_and_its_findings_are_withheld() {
    let dir = crate_with_heavy_file(40);
    let root = dir.path();
    // Unbounded, both files report their leak, and nothing is over a bound.
    let whole = run(root, &["--format", "json"]);
    assert_eq!(code(&whole), 1, "{}", stderr(&whole));
    let json = json_of(&whole);
    assert!(files_of(&json, "findings").contains(&String::from("src/heavy.rs")));
    assert!(files_of(&json, "findings").contains(&String::from("src/a_leak.rs")));
    let walked = steps(root);
    assert!(walked > 10_000, "the generated file takes {walked} steps");

    let bound = (walked / 2).to_string();
    let mut seen = Vec::new();
    for format in [
        "human", "short", "json", "sarif", "github", "cargo", "html", "gitlab",
    ] {
        let output = run(root, &["--format", format, "--max-file-steps", &bound]);
        let everything = format!("{}{}", stdout(&output), stderr(&output));
        assert_eq!(code(&output), 2, "{format}:\n{everything}");
        assert!(everything.contains("heavy.rs"), "{format}:\n{everything}");
        assert!(
            everything.contains(&format!("bound of {bound} steps per file")),
            "{format}:\n{everything}"
        );
        assert!(
            everything.contains("--max-file-steps"),
            "{format}:\n{everything}"
        );
        seen.push((format, everything));
    }
    let json = json_of(&run(
        root,
        &["--format", "json", "--max-file-steps", &bound],
    ));
    assert_eq!(
        files_of(&json, "findings"),
        vec![String::from("src/a_leak.rs")]
    );
    assert_eq!(
        files_of(&json, "errors"),
        vec![String::from("src/heavy.rs")]
    );
    // The short format names each finding by file: only the other file's.
    let short = &seen
        .iter()
        .find(|(format, _)| *format == "short")
        .unwrap()
        .1;
    assert!(
        short.contains("src/a_leak.rs:5:5: error[leaked-connection]"),
        "{short}"
    );
    assert!(!short.contains("src/heavy.rs:4"), "{short}");

    // The same bound from the configuration.
    fs::write(
        root.join("connleak.toml"),
        format!("[limits]\nfile-steps = {bound}\n"),
    )
    .expect("config");
    let configured = run(root, &["--format", "json"]);
    assert_eq!(code(&configured), 2, "{}", stderr(&configured));
    assert_eq!(
        files_of(&json_of(&configured), "errors"),
        vec![String::from("src/heavy.rs")]
    );
    // The command line sets a bound whatever the configuration says.
    let raised = run(
        root,
        &["--format", "json", "--max-file-steps", "1000000000"],
    );
    assert_eq!(code(&raised), 1, "{}", stderr(&raised));
}

#[test]
fn a_configuration_can_lower_a_bound_but_never_raise_it() {
    let dir = crate_with_heavy_file(40);
    let root = dir.path();
    fs::write(
        root.join("connleak.toml"),
        "[limits]\nfile-steps = 50\nrun-size = 99999999999999\nrun-steps = 4_000_000_000\n",
    )
    .expect("config");
    let output = run(root, &["-v", "--format", "short"]);
    let text = stderr(&output);
    assert_eq!(code(&output), 2, "{text}");
    assert!(text.contains("file-steps = 50 (connleak.toml)"), "{text}");
    assert!(
        text.contains(&format!("run-size = {} (default)", 512u64 << 20)),
        "{text}"
    );
    assert!(
        text.contains("run-steps = 4000000000 (connleak.toml)"),
        "{text}"
    );
    // -v names each file over a bound, and which.
    assert!(
        text.contains("connleak: src/heavy.rs reached the bound file-steps = 50 (`--max-file-steps`): its findings are withheld"),
        "{text}"
    );

    // A bad limit is a configuration error, before anything is checked.
    for (config, expected) in [
        ("[limits]\nfile-step = 5\n", "did you mean `file-steps`?"),
        (
            "[limits]\nfile-size = 0\n",
            "invalid value 0 for \"file-size\"",
        ),
        (
            "[limits]\nrun-size = \"1G\"\n",
            "expected a whole number above 0",
        ),
        ("limits = 5\n", "[limits] must be a table"),
    ] {
        fs::write(root.join("connleak.toml"), config).expect("config");
        let output = run(root, &[]);
        assert_eq!(code(&output), 2, "{config}");
        let text = format!("{}{}", stdout(&output), stderr(&output));
        assert!(text.contains(expected), "{config}:\n{text}");
        assert!(text.contains("connleak.toml"), "{config}:\n{text}");
    }
}

#[test]
fn a_generated_file_over_the_default_size_bound_is_not_read() {
    let dir = crate_with_heavy_file(1);
    let root = dir.path();
    // 17 MiB of plain functions: over the default of 16 MiB.
    let mut big = String::with_capacity(17 << 20);
    let mut n = 0;
    while big.len() <= 17 << 20 {
        big.push_str(&format!("pub fn f{n}() -> u64 {{ {n} }}\n"));
        n += 1;
    }
    fs::write(root.join("src/big.rs"), &big).expect("big file");
    fs::write(
        root.join("src/lib.rs"),
        "pub mod a_leak;\npub mod big;\npub mod heavy;\n",
    )
    .expect("lib");
    for format in ["human", "json", "sarif", "gitlab"] {
        let output = run(root, &["--format", format]);
        let everything = format!("{}{}", stdout(&output), stderr(&output));
        assert_eq!(code(&output), 2, "{format}");
        assert!(
            everything.contains(&format!(
                "larger than the bound of {} bytes of source per file",
                16 << 20
            )),
            "{format}:\n{}",
            &everything[..everything.len().min(4000)]
        );
        assert!(everything.contains("src/big.rs"), "{format}");
    }
    let json = json_of(&run(root, &["--format", "json"]));
    assert_eq!(files_of(&json, "errors"), vec![String::from("src/big.rs")]);
    let mut findings = files_of(&json, "findings");
    findings.sort();
    assert_eq!(findings, vec!["src/a_leak.rs", "src/heavy.rs"]);
    // A lower bound from the command line refuses a smaller file.
    let small = run(root, &["--format", "json", "--max-file-size", "300"]);
    let errors = files_of(&json_of(&small), "errors");
    assert!(errors.contains(&String::from("src/heavy.rs")), "{errors:?}");
    assert!(errors.contains(&String::from("src/big.rs")), "{errors:?}");
}

#[test]
fn the_run_bounds_withhold_the_files_from_where_they_are_crossed() {
    let dir = crate_with_heavy_file(40);
    let root = dir.path();
    // Files are taken in their sorted order: a_leak.rs, heavy.rs, lib.rs.
    let leak_size = LEAK.len().to_string();
    let output = run(root, &["--format", "json", "--max-run-size", &leak_size]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    let json = json_of(&output);
    assert_eq!(
        files_of(&json, "findings"),
        vec![String::from("src/a_leak.rs")]
    );
    assert_eq!(
        files_of(&json, "errors"),
        vec![String::from("src/heavy.rs"), String::from("src/lib.rs")]
    );
    assert!(json.to_string().contains(&format!(
        "the run reached its bound of {leak_size} bytes of source before this file"
    )));

    let walked = steps(root);
    let output = run(root, &["--format", "json", "--max-run-steps", "20"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    let json = json_of(&output);
    assert_eq!(
        files_of(&json, "findings"),
        vec![String::from("src/a_leak.rs")]
    );
    assert_eq!(
        files_of(&json, "errors"),
        vec![String::from("src/heavy.rs"), String::from("src/lib.rs")]
    );
    // At exactly what the run walks, nothing is over.
    let exact = run(
        root,
        &["--format", "json", "--max-run-steps", &walked.to_string()],
    );
    assert_eq!(code(&exact), 1, "{}", stderr(&exact));
    let over = run(
        root,
        &[
            "--format",
            "json",
            "--max-run-steps",
            &(walked - 1).to_string(),
        ],
    );
    assert_eq!(code(&over), 2, "{}", stderr(&over));
}

#[test]
fn bounds_are_counted_in_statistics_and_timings_and_do_not_depend_on_threads() {
    let dir = crate_with_heavy_file(40);
    let root = dir.path();
    let statistics = run(root, &["--statistics", "--max-file-steps", "50"]);
    assert_eq!(code(&statistics), 2);
    assert!(
        stdout(&statistics)
            .contains("files over a bound (not checked, or their findings withheld): 1"),
        "{}",
        stdout(&statistics)
    );
    let timings = run(root, &["--timings", "--max-file-steps", "50"]);
    assert!(
        stderr(&timings)
            .contains("files over a bound (not checked, or their findings withheld): 1"),
        "{}",
        stderr(&timings)
    );
    for bound in [
        ["--max-file-steps", "50"],
        ["--max-run-steps", "30"],
        ["--max-run-size", "200"],
    ] {
        let one = run(root, &["--format", "json", "-j1", bound[0], bound[1]]);
        let two = run(root, &["--format", "json", "-j2", bound[0], bound[1]]);
        assert_eq!(code(&one), 2);
        assert_eq!(stdout(&one), stdout(&two), "{bound:?}");
    }
}
