//! What connleak writes stays in the repository: each test builds the hole
//! a pull request could dig (a symbolic link where a file is expected) and
//! shows that `--fix`, `--write-baseline` and `--output` refuse it, leaving the target
//! outside untouched. (`--fix` on a file changed since it was checked is in
//! `tests/fixes.rs`; the HTML page's embedding in `tests/html_report.rs`.)

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_cargo-connleak");

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// A handler whose fix is certain: `drop(conn)` before the post.
const FIXABLE: &str = "use sqlx::PgPool;

pub async fn notify(pool: &PgPool, http: &reqwest::Client) -> anyhow::Result<()> {
    let mut conn = pool.acquire().await?;
    let url: String = sqlx::query_scalar(\"SELECT url FROM hooks\")
        .fetch_one(&mut *conn)
        .await?;
    http.post(&url).send().await?;
    Ok(())
}
";

const MANIFEST: &str = "[package]
name = \"hooks\"
version = \"0.1.0\"
edition = \"2021\"

[dependencies]
sqlx = \"0.8\"
";

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=connleak tests",
            "-c",
            "user.email=tests@connleak.invalid",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

fn connleak_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("the binary runs")
}

/// A committed crate whose `src/hooks.rs` is a link to a file outside it.
fn crate_with_linked_file(outside: &Path) -> tempfile::TempDir {
    let repo = tempfile::tempdir().expect("temporary folder");
    fs::create_dir_all(repo.path().join("src")).expect("src");
    fs::write(repo.path().join("Cargo.toml"), MANIFEST).expect("manifest");
    fs::write(repo.path().join("src/lib.rs"), "pub mod hooks;\n").expect("lib");
    symlink(outside, repo.path().join("src/hooks.rs")).expect("link");
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "crate"]);
    repo
}

#[test]
fn fix_never_writes_through_a_link_to_outside() {
    let outside = tempfile::tempdir().expect("temporary folder");
    let target = outside.path().join("hooks.rs");
    fs::write(&target, FIXABLE).expect("write");
    let repo = crate_with_linked_file(&target);
    let output = connleak_in(repo.path(), &["--fix"]);
    // Whether or not the link is followed for checking, nothing is written
    // through it.
    assert_eq!(
        fs::read_to_string(&target).expect("read"),
        FIXABLE,
        "the file outside was changed: {}",
        stderr(&output)
    );
    if stderr(&output).contains("fixed") {
        panic!("a fix was written: {}", stderr(&output));
    }
    if code(&output) == 2 {
        assert!(
            stderr(&output).contains("symbolic link"),
            "{}",
            stderr(&output)
        );
    }
    assert!(fs::symlink_metadata(repo.path().join("src/hooks.rs"))
        .expect("the link")
        .file_type()
        .is_symlink());
}

#[test]
fn fix_never_writes_through_a_link_inside_the_tree() {
    let repo = tempfile::tempdir().expect("temporary folder");
    fs::create_dir_all(repo.path().join("src/real")).expect("src");
    fs::write(repo.path().join("Cargo.toml"), MANIFEST).expect("manifest");
    fs::write(repo.path().join("src/lib.rs"), "pub mod hooks;\n").expect("lib");
    fs::write(repo.path().join("src/real/hooks.rs"), FIXABLE).expect("real");
    // A folder link: src/hooks.rs is reached through it.
    symlink("real/hooks.rs", repo.path().join("src/hooks.rs")).expect("link");
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "crate"]);
    let output = connleak_in(repo.path(), &["--fix"]);
    // Either the real file is fixed under its own name, or the link is
    // refused; the link itself stays a link.
    assert!(fs::symlink_metadata(repo.path().join("src/hooks.rs"))
        .expect("the link")
        .file_type()
        .is_symlink());
    let real = fs::read_to_string(repo.path().join("src/real/hooks.rs")).expect("read");
    if real.contains("drop(conn)") {
        assert!(
            stderr(&output).contains("src/real/hooks.rs"),
            "{}",
            stderr(&output)
        );
    } else {
        assert_eq!(code(&output), 2, "{}", stderr(&output));
        assert!(
            stderr(&output).contains("symbolic link"),
            "{}",
            stderr(&output)
        );
    }
}

#[test]
fn write_baseline_refuses_links_and_the_outside() {
    let outside = tempfile::tempdir().expect("temporary folder");
    let precious = outside.path().join("precious");
    fs::write(&precious, "keep me\n").expect("write");
    let repo = tempfile::tempdir().expect("temporary folder");
    fs::create_dir_all(repo.path().join("src")).expect("src");
    fs::write(repo.path().join("Cargo.toml"), MANIFEST).expect("manifest");
    fs::write(repo.path().join("src/lib.rs"), FIXABLE).expect("lib");
    git(repo.path(), &["init", "-q"]);
    // The pull request's links: a file and a folder pointing outside.
    symlink(&precious, repo.path().join("connleak-baseline.json")).expect("file link");
    symlink(outside.path(), repo.path().join("reports")).expect("folder link");

    for (target, why) in [
        ("connleak-baseline.json", "symbolic link"),
        ("reports/baseline.json", "symbolic link"),
    ] {
        let output = connleak_in(repo.path(), &["--write-baseline", target]);
        assert_eq!(code(&output), 2, "{target}: {}", stderr(&output));
        assert!(
            stderr(&output).contains(why),
            "{target}: {}",
            stderr(&output)
        );
    }
    let outside_path = outside.path().join("baseline.json");
    let output = connleak_in(
        repo.path(),
        &["--write-baseline", outside_path.to_str().expect("UTF-8")],
    );
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("outside the repository"),
        "{}",
        stderr(&output)
    );
    assert_eq!(fs::read_to_string(&precious).expect("read"), "keep me\n");
    assert!(!outside_path.exists());

    // A plain file inside the repository is written as before.
    let output = connleak_in(repo.path(), &["--write-baseline", "baseline.json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(repo.path().join("baseline.json").is_file());
}

/// `--output FILE`, the HTML report included, obeys the same rules as the
/// baseline: never through a link, never outside the repository.
#[test]
fn output_refuses_links_and_the_outside() {
    let outside = tempfile::tempdir().expect("temporary folder");
    let precious = outside.path().join("precious");
    fs::write(&precious, "keep me\n").expect("write");
    let repo = tempfile::tempdir().expect("temporary folder");
    fs::create_dir_all(repo.path().join("src")).expect("src");
    fs::write(repo.path().join("Cargo.toml"), MANIFEST).expect("manifest");
    fs::write(repo.path().join("src/lib.rs"), FIXABLE).expect("lib");
    git(repo.path(), &["init", "-q"]);
    symlink(&precious, repo.path().join("connleak.html")).expect("file link");
    symlink(outside.path(), repo.path().join("reports")).expect("folder link");
    let outside_path = outside.path().join("report.html");

    for format in ["html", "json", "sarif"] {
        for (target, why) in [
            ("connleak.html", "symbolic link"),
            ("reports/report.html", "symbolic link"),
            (
                outside_path.to_str().expect("UTF-8"),
                "outside the repository",
            ),
        ] {
            let output = connleak_in(repo.path(), &["--format", format, "--output", target]);
            assert_eq!(code(&output), 2, "{format} {target}: {}", stderr(&output));
            assert!(
                stderr(&output).contains(why),
                "{format} {target}: {}",
                stderr(&output)
            );
        }
    }
    assert_eq!(fs::read_to_string(&precious).expect("read"), "keep me\n");
    assert!(!outside_path.exists());
    assert_eq!(
        fs::read_dir(outside.path()).expect("list").count(),
        1,
        "nothing new outside"
    );

    // A plain file inside the repository is written.
    let output = connleak_in(
        repo.path(),
        &["--format", "html", "--output", "report.html"],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(fs::read_to_string(repo.path().join("report.html"))
        .expect("written")
        .contains("<html"));
}
