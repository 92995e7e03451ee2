//! `--timings`: a table of phases on stderr; stdout and the exit code are
//! those of the same run without it. No timed assertion: only the shape.

use std::fs;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-connleak");

#[test]
fn timings_go_to_stderr_and_leave_stdout_alone() {
    let dir = tempfile::tempdir().expect("temporary folder");
    fs::create_dir(dir.path().join("src")).expect("folder");
    fs::write(
        dir.path().join("src/lib.rs"),
        "use sqlx::PgPool;\n\npub async fn leak(pool: &PgPool) {\n    let conn = pool.acquire().await.unwrap();\n    std::mem::forget(conn);\n}\n",
    )
    .expect("write");
    let run = |extra: &[&str]| {
        Command::new(BIN)
            .args(["--color", "never", "-j2"])
            .args(extra)
            .arg(".")
            .current_dir(dir.path())
            .output()
            .expect("the binary runs")
    };
    let plain = run(&[]);
    let timed = run(&["--timings"]);
    assert_eq!(timed.status.code(), plain.status.code());
    assert_eq!(timed.stdout, plain.stdout);
    assert!(plain.stderr.is_empty());

    let table = String::from_utf8(timed.stderr).expect("UTF-8");
    assert!(
        table.starts_with("timings: 1 files, 7 lines, 2 threads\n"),
        "{table}"
    );
    for phase in [
        "discover",
        "read + parse + lower",
        "  read",
        "  parse + lower",
        "index",
        "summaries",
        "analyse",
        "report",
        "total",
    ] {
        assert!(
            table
                .lines()
                .any(|line| line.starts_with(phase) && line.ends_with(" ms")),
            "no {phase:?} row in:\n{table}"
        );
    }
}
