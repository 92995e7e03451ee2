//! `--format html`: the page is self-contained (no network, no external
//! asset), embeds nothing from outside the repository, and, in a real
//! browser, draws each finding's path over its code and stays usable at
//! 5,000 findings.
//!
//! The browser checks run headless Chromium when one is installed
//! (`chromium`, `chromium-browser`, `google-chrome`, or the path in
//! `CONNLEAK_CHROMIUM`) and are skipped, saying so on stderr, when none is:
//! Debian's package is `chromium`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use connleak::findings::{Finding, Level, Stats};
use connleak::flow::PathStep;
use connleak::reporting::html;
use connleak::rules::Lint;
use connleak::source::{Location, Pos, SourceFile, SourceMap, Span};
use connleak::Report;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-connleak");

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited normally")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn demo_page() -> String {
    let output = Command::new(BIN)
        .args(["--format", "html", "fixtures/demo-service"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs");
    assert_eq!(code(&output), 1);
    stdout(&output)
}

/// The JSON document the page carries.
fn page_data(page: &str) -> serde_json::Value {
    let start = page
        .find("<script type=\"application/json\" id=\"connleak-data\">")
        .expect("the data element");
    let rest = &page[start..];
    let open = rest.find('>').expect("tag end") + 1;
    let close = rest.find("</script>").expect("element end");
    serde_json::from_str(&rest[open..close]).expect("the data is JSON")
}

#[test]
fn the_page_is_self_contained() {
    let page = demo_page();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains(
        "content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\""
    ));
    for external in [
        "<link",
        "<script src",
        "<img",
        "<iframe",
        "@import",
        "url(",
        "fetch(",
    ] {
        assert!(
            !page.contains(external),
            "the page loads something: {external}"
        );
    }
    let data = page_data(&page);
    assert_eq!(data["findings"].as_array().expect("findings").len(), 8);
    // Each lint's documentation is in the page, as inert templates.
    for lint in Lint::ALL {
        assert!(page.contains(&format!("<template id=\"docs-{}\">", lint.name())));
    }
    let refund = data["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["path"] == "src/routes/refunds.rs")
        .expect("the refund finding");
    let kinds: Vec<&str> = refund["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ["acquire", "branch", "problem"]);
    assert_eq!(refund["fix"]["code"], "tx.commit().await?;");
}

/// A file reached through a link to outside the repository is named, but
/// not one byte of it is in the page.
#[test]
fn the_page_embeds_nothing_from_outside_the_repository() {
    let outside = tempfile::tempdir().expect("temporary folder");
    let secret = outside.path().join("secret.rs");
    std::fs::write(
        &secret,
        "// API_KEY=marker-5f1c2a\nuse sqlx::PgPool;\n\npub async fn leak(pool: &PgPool) -> sqlx::Result<()> {\n    let conn = pool.acquire().await?;\n    let _query = \"SELECT secret_column_7c3e\";\n    std::mem::forget(conn);\n    Ok(())\n}\n",
    )
    .expect("write");
    let repo = tempfile::tempdir().expect("temporary folder");
    std::fs::create_dir_all(repo.path().join("src")).expect("src");
    std::fs::write(
        repo.path().join("Cargo.toml"),
        "[package]\nname = \"linked\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nsqlx = \"0.8\"\n",
    )
    .expect("manifest");
    std::fs::write(repo.path().join("src/lib.rs"), "mod link;\n").expect("lib");
    std::os::unix::fs::symlink(&secret, repo.path().join("src/link.rs")).expect("link");
    let output = Command::new(BIN)
        .args(["--format", "html", "."])
        .current_dir(repo.path())
        .output()
        .expect("runs");
    let page = stdout(&output);
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(
        !page.contains("marker-5f1c2a"),
        "the outside file's text is in the page"
    );
    assert!(
        !page.contains("secret_column_7c3e"),
        "a line of the outside file is in the page"
    );
    let data = page_data(&page);
    for file in data["files"].as_array().expect("files") {
        if file["path"] == "src/link.rs" {
            assert_eq!(file["hidden"], true);
            assert!(file["lines"].as_object().expect("lines").is_empty());
        }
    }
}

/// A report of `count` findings over files of generated code, for the
/// size test: every finding with a path of several steps.
fn large_report(count: usize) -> (Report, BTreeMap<String, String>) {
    let mut files = Vec::new();
    let mut crates = BTreeMap::new();
    let per_file = 10;
    for index in 0..count.div_ceil(per_file) {
        let mut text = String::new();
        for function in 0..per_file {
            text.push_str(&format!(
                "pub async fn handler_{function}(pool: &PgPool, http: &Client) -> Result<()> {{\n    let mut conn = pool.acquire().await?;\n    let row = load(&mut conn).await?;\n    if row.flag {{\n        http.post(\"/x\").send().await?;\n    }}\n    save(&mut conn, row).await?;\n    Ok(())\n}}\n\n"
            ));
        }
        let display = format!("crates/c{}/src/m{index}.rs", index % 7);
        crates.insert(display.clone(), format!("c{}", index % 7));
        files.push(SourceFile::new(display, text));
    }
    let at = |file: usize, line: u32, column: u32, end: u32| Location {
        file,
        span: Span {
            start: Pos { line, column },
            end: Pos { line, column: end },
        },
    };
    let mut findings = Vec::new();
    for index in 0..count {
        let file = index / per_file;
        let base = (index % per_file) as u32 * 10;
        let acquire = at(file, base + 2, 24, 33);
        let primary = at(file, base + 5, 8, 38);
        findings.push(Finding {
            lint: if index % 3 == 0 {
                Lint::UncommittedTransaction
            } else {
                Lint::HeldAcrossAwait
            },
            level: if index % 3 == 0 {
                Level::Deny
            } else {
                Level::Warn
            },
            primary,
            primary_label: String::from("this `.await` does not use `conn`"),
            message: format!("`conn` is held across an unrelated `.await` ({index})"),
            help: String::from("drop `conn` before this `.await` or acquire it after"),
            acquired_at: Some(acquire),
            acquire_label: String::from("`conn` acquired here"),
            path: vec![
                PathStep {
                    at: acquire,
                    note: String::from("acquired here"),
                },
                PathStep {
                    at: at(file, base + 4, 7, 15),
                    note: String::from("the condition holds"),
                },
                PathStep {
                    at: primary,
                    note: String::from("still held while this `.await` waits"),
                },
            ],
            enclosing_item: format!("handler_{}", index % per_file),
            fingerprint: format!("{index:016x}"),
            in_test_code: false,
            remedy: None,
            fix: None,
            at_most: None,
        });
    }
    let report = Report {
        sources: SourceMap { files },
        findings,
        stats: Stats {
            files: count.div_ceil(per_file),
            lines: count * 10,
            ..Stats::default()
        },
        ..Report::default()
    };
    (report, crates)
}

#[test]
fn five_thousand_findings_make_a_page_of_reasonable_size() {
    let (report, crates) = large_report(5000);
    let page = html::render(&report, &crates, Path::new("."));
    let data = page_data(&page);
    assert_eq!(data["findings"].as_array().expect("findings").len(), 5000);
    // Lines are embedded once per file, not once per finding.
    assert!(page.len() < 8_000_000, "{} bytes", page.len());
}

// ------------------------------------------------------------ the browser

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CONNLEAK_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in [
            "chromium",
            "chromium-browser",
            "google-chrome",
            "google-chrome-stable",
        ] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// Says on the terminal that a browser check did not run. Written to the
/// stderr handle itself, which the test harness does not capture, so the
/// skip is seen even when the test passes.
fn say_skipped(test: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: no Chromium found (install Debian's `chromium`, or set CONNLEAK_CHROMIUM)"
    );
}

/// Runs headless Chromium on a page with the flags that keep it off the
/// network and out of any profile, with extra arguments.
fn browse(browser: &Path, page: &Path, fragment: &str, extra: &[&str]) -> std::process::Output {
    let profile = tempfile::tempdir().expect("a fresh profile");
    let url = format!("file://{}{fragment}", page.display());
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("Chromium runs")
}

#[test]
fn chromium_draws_the_demo_path_over_its_code() {
    let Some(browser) = chromium() else {
        say_skipped("chromium_draws_the_demo_path_over_its_code");
        return;
    };
    let folder = tempfile::tempdir().expect("temporary folder");
    let page = folder.path().join("demo.html");
    std::fs::write(&page, demo_page()).expect("write the page");
    let data = page_data(&std::fs::read_to_string(&page).expect("read"));
    let refund = data["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .position(|f| f["path"] == "src/routes/refunds.rs")
        .expect("the refund finding");

    let dom = browse(&browser, &page, &format!("#f{refund}"), &["--dump-dom"]);
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
    assert!(dom.contains("data-ready=\"1\""), "the script ran:\n{dom}");
    assert_eq!(dom.matches("<details class=\"finding ").count(), 8, "{dom}");
    assert!(dom.contains("showing 8 of 8"), "{dom}");
    // The opened finding: its code, the numbered steps, the fix, the docs.
    let opened = dom
        .split(&format!("id=\"f{refund}\""))
        .nth(1)
        .expect("the opened finding")
        .split("</details>")
        .next()
        .expect("its body");
    for needed in [
        "<table class=\"source mono\">",
        "class=\"num k-acquire\">1<",
        "class=\"num k-branch\">2<",
        "class=\"num k-problem\">3<",
        "class=\"mark k-problem\">return Ok(Json(refund_id))</span>",
        "the condition holds",
        "suggested fix: ",
        "tx.commit().await?;",
        "About uncommitted-transaction",
    ] {
        assert!(opened.contains(needed), "missing {needed:?} in:\n{opened}");
    }
    assert!(opened.contains("open=\"\""), "the finding is open");

    let shot = folder.path().join("demo.png");
    let output = browse(
        &browser,
        &page,
        &format!("#f{refund}"),
        &[
            "--window-size=1200,1400",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    assert!(shot.is_file(), "no screenshot: {output:?}");
    let colours = colours_of(&shot);
    // The rail's markers and marks: the acquire's blue, the branch's purple,
    // the problem's red (light theme, as headless Chromium draws it).
    for (name, rgb) in [
        ("acquire", (0x09, 0x69, 0xda)),
        ("branch", (0x82, 0x50, 0xdf)),
        ("problem", (0xcf, 0x22, 0x2e)),
    ] {
        let pixels = colours.get(&rgb).copied().unwrap_or(0);
        assert!(pixels > 20, "{name} is drawn ({pixels} pixels of {rgb:?})");
    }
}

/// How many pixels of each colour a PNG has.
fn colours_of(path: &Path) -> BTreeMap<(u8, u8, u8), usize> {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(path).expect("open the screenshot"),
    ));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut buffer).expect("a frame");
    let channels = info.color_type.samples();
    assert!(channels >= 3, "colour image");
    let mut counts = BTreeMap::new();
    for pixel in buffer[..info.buffer_size()].chunks(channels) {
        *counts.entry((pixel[0], pixel[1], pixel[2])).or_default() += 1;
    }
    counts
}

#[test]
fn chromium_keeps_five_thousand_findings_usable() {
    let Some(browser) = chromium() else {
        say_skipped("chromium_keeps_five_thousand_findings_usable");
        return;
    };
    let (report, crates) = large_report(5000);
    // The files must exist inside the checked folder for their lines to be
    // embedded.
    let folder = tempfile::tempdir().expect("temporary folder");
    for source in &report.sources.files {
        let path = folder.path().join(&source.display);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("folders");
        std::fs::write(&path, &source.text).expect("write a source");
    }
    let page = folder.path().join("large.html");
    std::fs::write(&page, html::render(&report, &crates, folder.path())).expect("write");

    let dom = browse(&browser, &page, "", &["--dump-dom"]);
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
    assert!(dom.contains("data-ready=\"1\""), "the script ran");
    // One page of rows is drawn, not five thousand, and no code yet.
    assert_eq!(dom.matches("<details class=\"finding ").count(), 200);
    assert!(dom.contains("showing 200 of 5000"), "counts");
    assert!(
        !dom.contains("<table class=\"source"),
        "code is drawn on opening only"
    );
    assert!(dom.contains("Show 200 more (4800 not shown)"));
    // By crate: seven crates in the summary.
    for krate in 0..7 {
        assert!(
            dom.contains(&format!("<td class=\"mono\">c{krate}</td>")),
            "crate c{krate}"
        );
    }

    // The last finding opens from a link, with its code drawn.
    let dom = browse(&browser, &page, "#f4999", &["--dump-dom"]);
    let dom = String::from_utf8_lossy(&dom.stdout).into_owned();
    let opened = dom
        .split("id=\"f4999\"")
        .nth(1)
        .expect("the last finding is on the page")
        .split("</details>")
        .next()
        .expect("its body");
    assert!(opened.contains("<table class=\"source mono\">"), "{opened}");
    assert!(opened.contains("class=\"num k-problem\">3<"), "{opened}");
}
