//! Inputs that must neither crash the run nor hide the other files' results:
//! syntax errors, bytes that are not UTF-8, binaries named `.rs`, odd line
//! endings, pathological nesting, a very large file, and paths that are loops,
//! unreadable, folders or missing.
//!
//! Each case sits beside a file with a known finding, run through the built
//! binary: the bad input gets an error naming the file and the reason (exit 2)
//! or a correct result, and the good file's finding is still reported.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-connleak");

/// A crate whose `src/lib.rs` leaks a pooled connection on line 5.
const LEAKING_CRATE: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        "[package]\nname = \"leaky\"\nversion = \"0.1.0\"\n\n[dependencies]\nsqlx = \"0.8\"\n",
    ),
    (
        "src/lib.rs",
        "use sqlx::PgPool;\n\npub async fn leak(pool: &PgPool) {\n    let conn = pool.acquire().await.unwrap();\n    std::mem::forget(conn);\n}\n",
    ),
];

/// The same leak as `src/lib.rs`, as a template for line-ending and
/// indentation variants: `{nl}` is the line ending, `{in}` one indent level.
const LEAK_TEMPLATE: &str = "use sqlx::PgPool;{nl}{nl}pub async fn leak(pool: &PgPool) {{nl}{in}let conn = pool.acquire().await.unwrap();{nl}{in}std::mem::forget(conn);{nl}}{nl}";

fn leak_source(newline: &str, indent: &str) -> String {
    LEAK_TEMPLATE
        .replace("{nl}", newline)
        .replace("{in}", indent)
}

/// Writes the leaking crate under a fresh temporary folder.
fn leaking_crate() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    for (path, content) in LEAKING_CRATE {
        write(dir.path(), path, content.as_bytes());
    }
    dir
}

fn write(root: &Path, path: &str, content: &[u8]) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().expect("has a parent")).expect("create folders");
    fs::write(path, content).expect("write file");
}

/// Runs the binary in `cwd` with `args` and JSON output.
fn run_json(cwd: &Path, args: &[&str]) -> (i32, Value) {
    let output = Command::new(BIN)
        .args(["--format", "json"])
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the binary runs");
    (code(&output), json_of(&output))
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or_else(|| {
        panic!(
            "killed by a signal (a crash): {:?}\nstderr:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "stdout is not JSON ({error}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn errors(document: &Value) -> &Vec<Value> {
    document["errors"].as_array().expect("errors array")
}

fn findings(document: &Value) -> &Vec<Value> {
    document["findings"].as_array().expect("findings array")
}

/// The one error of the run: it names `file` and its message contains one of
/// `reasons` (lowercase).
fn assert_single_error(document: &Value, file: &str, reasons: &[&str]) {
    let errors = errors(document);
    assert_eq!(errors.len(), 1, "one error expected: {document:#}");
    assert_eq!(errors[0]["file"], file, "{document:#}");
    let message = errors[0]["message"]
        .as_str()
        .expect("message")
        .to_lowercase();
    assert!(
        reasons.iter().any(|reason| message.contains(reason)),
        "the message should say why ({reasons:?}): {message:?}"
    );
}

/// The good file beside the bad one was still checked.
fn assert_leak_still_found(document: &Value) {
    let found = findings(document).iter().any(|finding| {
        finding["file"] == "src/lib.rs"
            && finding["lint"] == "leaked-connection"
            && finding["line"] == 5
    });
    assert!(
        found,
        "the leak in src/lib.rs is still reported: {document:#}"
    );
}

/// A bad file `path` beside the leaking crate: exit 2, an error naming it
/// with one of `reasons`, and the leak still found.
fn assert_refused_beside_leak(path: &str, content: &[u8], reasons: &[&str]) {
    let dir = leaking_crate();
    write(dir.path(), path, content);
    let (code, document) = run_json(dir.path(), &["."]);
    assert_eq!(code, 2, "{document:#}");
    assert_single_error(&document, path, reasons);
    assert_leak_still_found(&document);
}

#[test]
fn syntax_error_names_file_and_line() {
    let dir = leaking_crate();
    write(
        dir.path(),
        "src/broken.rs",
        b"pub fn fine() {}\n\npub fn oops( {\n",
    );
    let (code, document) = run_json(dir.path(), &["."]);
    assert_eq!(code, 2);
    assert_single_error(
        &document,
        "src/broken.rs",
        &["expected", "unexpected", "delimiter"],
    );
    let line = errors(&document)[0]["line"].as_u64().expect("a line");
    assert!(
        (3..=4).contains(&line),
        "the error is on the broken line: {line}"
    );
    assert_leak_still_found(&document);
}

#[test]
fn non_utf8_file_is_refused() {
    let mut content = b"pub fn fine() {}\n// caf".to_vec();
    content.extend([0xe9, b'\n', 0xff, 0xfe, b'\n']);
    assert_refused_beside_leak("src/latin1.rs", &content, &["utf-8"]);
}

#[test]
fn binary_file_named_rs_is_refused() {
    // The binary itself: an ELF file full of NULs and invalid UTF-8.
    let binary = fs::read(BIN).expect("read the binary");
    let head = &binary[..binary.len().min(256 * 1024)];
    assert_refused_beside_leak("src/blob.rs", head, &["utf-8", "binary"]);
}

#[test]
fn binary_but_valid_utf8_file_is_refused() {
    // NULs and control characters are valid UTF-8 but not Rust.
    let content = b"\0\0\0\x01\x02ELF\0\x7f\0fn\0";
    let dir = leaking_crate();
    write(dir.path(), "src/zeros.rs", content);
    let (code, document) = run_json(dir.path(), &["."]);
    assert_eq!(code, 2, "{document:#}");
    assert_eq!(errors(&document).len(), 1, "{document:#}");
    assert_eq!(errors(&document)[0]["file"], "src/zeros.rs");
    assert_leak_still_found(&document);
}

#[test]
fn empty_file_is_checked_and_clean() {
    let dir = leaking_crate();
    write(dir.path(), "src/empty.rs", b"");
    write(dir.path(), "src/blank.rs", b"\n\n   \n");
    let (code, document) = run_json(dir.path(), &["."]);
    assert_eq!(code, 1, "{document:#}");
    assert!(errors(&document).is_empty(), "{document:#}");
    assert_eq!(document["stats"]["files"], 3);
    assert_eq!(findings(&document).len(), 1, "{document:#}");
    assert_leak_still_found(&document);
}

/// Findings of a run with the fingerprint kept: positions and texts must match
/// exactly between the variants of one program.
fn findings_of_single_file(source: &[u8]) -> Vec<Value> {
    let dir = tempfile::tempdir().expect("temporary folder");
    write(dir.path(), "src/lib.rs", source);
    let (code, document) = run_json(dir.path(), &["src/lib.rs"]);
    assert!(errors(&document).is_empty(), "{document:#}");
    assert_eq!(code, 1, "{document:#}");
    findings(&document).clone()
}

#[test]
fn byte_order_mark_does_not_shift_lines_or_columns() {
    let plain = leak_source("\n", "    ");
    let mut with_bom = "\u{feff}".as_bytes().to_vec();
    with_bom.extend(plain.as_bytes());
    let expected = findings_of_single_file(plain.as_bytes());
    assert_eq!(expected.len(), 1);
    assert_eq!(findings_of_single_file(&with_bom), expected);

    // A finding on the first line, where the mark sits: its column is counted
    // as an editor shows it, without the invisible mark.
    let one_line = "use sqlx::PgPool; pub async fn f(pool: &PgPool) { let c = pool.acquire().await.unwrap(); std::mem::forget(c); }\n";
    let expected = findings_of_single_file(one_line.as_bytes());
    assert_eq!(expected.len(), 1);
    let column = one_line.find("std::mem::forget").expect("present") + 1;
    assert_eq!(expected[0]["column"], column);
    let mut with_bom = "\u{feff}".as_bytes().to_vec();
    with_bom.extend(one_line.as_bytes());
    assert_eq!(findings_of_single_file(&with_bom), expected);
}

#[test]
fn crlf_line_endings_keep_lines_and_columns() {
    let lf = findings_of_single_file(leak_source("\n", "    ").as_bytes());
    let crlf = findings_of_single_file(leak_source("\r\n", "    ").as_bytes());
    assert_eq!(lf.len(), 1);
    assert_eq!(lf[0]["line"], 5);
    assert_eq!(lf[0]["column"], 5);
    // Fingerprints included: a checkout with CRLF endings must keep the
    // baseline of one with LF endings.
    assert_eq!(crlf, lf);
}

#[test]
fn crlf_file_renders_without_carriage_returns() {
    let dir = tempfile::tempdir().expect("temporary folder");
    write(
        dir.path(),
        "src/lib.rs",
        leak_source("\r\n", "    ").as_bytes(),
    );
    let output = Command::new(BIN)
        .args(["--color", "never", "src/lib.rs"])
        .current_dir(dir.path())
        .output()
        .expect("the binary runs");
    assert_eq!(code(&output), 1);
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(text.contains("src/lib.rs:5:5"), "{text}");
    assert!(!text.contains('\r'), "a stray carriage return: {text:?}");
}

#[test]
fn tabs_count_as_one_column() {
    let spaces = findings_of_single_file(leak_source("\n", "    ").as_bytes());
    let tabs = findings_of_single_file(leak_source("\n", "\t\t").as_bytes());
    assert_eq!(tabs.len(), 1);
    assert_eq!(tabs[0]["line"], 5);
    // Columns are characters, 1-based: two tabs are two columns, where the
    // same statement indented with four spaces starts on column 5.
    assert_eq!(spaces[0]["column"], 5);
    assert_eq!(tabs[0]["column"], 3);
    let column = |findings: &[Value], key: &str| findings[0][key]["column"].as_u64();
    assert_eq!(
        column(&tabs, "acquired_at"),
        column(&spaces, "acquired_at").map(|c| c - 2)
    );
}

/// How deep the pathological inputs nest.
const DEEP: usize = 20_000;

/// Every kind of deep nesting, each written as its own file beside the
/// leaking crate: each must either be refused with an error that names the
/// file and says why, or be checked; never a crash, and the rest is checked.
#[test]
fn deep_nesting_never_overflows_the_stack() {
    let cases: Vec<(&str, String)> = vec![
        (
            "parens",
            format!(
                "fn f() {{ let x = {}1{}; }}\n",
                "(".repeat(DEEP),
                ")".repeat(DEEP)
            ),
        ),
        (
            "blocks",
            format!("fn f() {}{}\n", "{".repeat(DEEP), "}".repeat(DEEP)),
        ),
        (
            "arrays",
            format!(
                "const X: () = {{ let _ = {}0{}; }};\n",
                "[".repeat(DEEP),
                "]".repeat(DEEP)
            ),
        ),
        (
            "unary",
            format!("fn f(x: bool) -> bool {{ {}x }}\n", "!".repeat(DEEP)),
        ),
        (
            "references",
            format!("fn f(x: u8) {{ let _ = {}x; }}\n", "&".repeat(DEEP)),
        ),
        (
            "binary",
            format!("fn f() -> u32 {{ 1{} }}\n", " + 1".repeat(DEEP)),
        ),
        (
            "method_chain",
            format!("fn f(x: X) {{ x{}; }}\n", ".m()".repeat(DEEP)),
        ),
        (
            "await_chain",
            format!("async fn f(x: X) {{ x{}; }}\n", ".await".repeat(DEEP)),
        ),
        (
            "else_if",
            format!(
                "fn f(x: u32) {{ if x == 0 {{}}{} }}\n",
                " else if x == 1 {}".repeat(DEEP)
            ),
        ),
        (
            "closures",
            format!("fn f() {{ let _ = {}0; }}\n", "|| ".repeat(DEEP)),
        ),
        (
            "types",
            format!("type T = {}u8{};\n", "Vec<".repeat(DEEP), ">".repeat(DEEP)),
        ),
        (
            "modules",
            format!("{}{}\n", "mod m { ".repeat(DEEP), "}".repeat(DEEP)),
        ),
        (
            "patterns",
            format!(
                "fn f(x: X) {{ let {}a{} = x; }}\n",
                "(".repeat(DEEP),
                ",)".repeat(DEEP)
            ),
        ),
        (
            "brackets_unclosed",
            format!("fn f() {{ {}\n", "(".repeat(DEEP)),
        ),
    ];
    let dir = leaking_crate();
    for (name, source) in &cases {
        write(
            dir.path(),
            &format!("src/deep_{name}.rs"),
            source.as_bytes(),
        );
    }
    let (code, document) = run_json(dir.path(), &["."]);
    assert_leak_still_found(&document);
    let files: Vec<&str> = errors(&document)
        .iter()
        .map(|error| error["file"].as_str().expect("file"))
        .collect();
    for error in errors(&document) {
        let message = error["message"].as_str().expect("message");
        assert!(
            error["file"]
                .as_str()
                .is_some_and(|f| f.starts_with("src/deep_")),
            "an error in a file that is fine: {error}"
        );
        assert!(!message.is_empty(), "an error says why: {error}");
    }
    // The unclosed one cannot parse at any depth.
    assert!(
        files.contains(&"src/deep_brackets_unclosed.rs"),
        "{files:?}"
    );
    assert_eq!(code, 2);
    // All files were looked at: the leaking crate's one plus every case.
    assert_eq!(document["stats"]["files"], cases.len() + 1);
}

#[test]
fn deep_nesting_error_says_it_is_too_deep() {
    let source = format!(
        "fn f() {{ let x = {}1{}; }}\n",
        "(".repeat(DEEP),
        ")".repeat(DEEP)
    );
    let dir = leaking_crate();
    write(dir.path(), "src/deep.rs", source.as_bytes());
    let (code, document) = run_json(dir.path(), &["."]);
    if code == 2 {
        assert_single_error(&document, "src/deep.rs", &["nest", "deep", "recursion"]);
    } else {
        // Checked instead of refused: then it is clean.
        assert_eq!(code, 1, "{document:#}");
        assert!(errors(&document).is_empty());
    }
    assert_leak_still_found(&document);
}

/// Just under the guard's limit, every kind of nesting is checked without a
/// crash, even in a debug build (where stack frames are largest).
#[test]
fn nesting_just_under_the_limit_is_checked() {
    let depth = connleak::nesting::MAX_DEPTH - 20;
    let cases = [
        (
            "parens",
            format!(
                "fn f() {{ let x = {}1{}; }}\n",
                "(".repeat(depth),
                ")".repeat(depth)
            ),
        ),
        (
            "unary",
            format!("fn f(x: bool) -> bool {{ {}x }}\n", "!".repeat(depth)),
        ),
        (
            "closures",
            format!("fn f() {{ let _ = {}0; }}\n", "|| ".repeat(depth)),
        ),
        (
            "types",
            format!(
                "type T = {}u8{};\n",
                "Vec<".repeat(depth),
                ">".repeat(depth)
            ),
        ),
        (
            "reference_types",
            format!("type T = {}u8;\n", "&".repeat(depth)),
        ),
        (
            "binary",
            format!("fn f() -> u32 {{ 1{} }}\n", " + 1".repeat(depth)),
        ),
        (
            "returns",
            format!("fn f() {{ {}x; }}\n", "return ".repeat(depth)),
        ),
        (
            "modules",
            format!("{}{}\n", "mod m { ".repeat(depth), "}".repeat(depth)),
        ),
    ];
    let dir = leaking_crate();
    for (name, source) in &cases {
        write(
            dir.path(),
            &format!("src/deep_{name}.rs"),
            source.as_bytes(),
        );
    }
    let (code, document) = run_json(dir.path(), &["."]);
    assert!(errors(&document).is_empty(), "{:#}", document["errors"]);
    assert_eq!(code, 1);
    assert_eq!(document["stats"]["files"], cases.len() + 1);
    assert_leak_still_found(&document);
}

#[test]
fn moderate_nesting_is_checked() {
    // Real code nests a few dozen levels at most; a hundred must be fine.
    let depth = 100;
    let source = format!(
        "use sqlx::PgPool;\npub async fn f(pool: &PgPool) {{\n    let conn = pool.acquire().await.unwrap();\n    {}std::mem::forget(conn);{}\n}}\n",
        "{ ".repeat(depth),
        " }".repeat(depth)
    );
    let found = findings_of_single_file(source.as_bytes());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["lint"], "leaked-connection");
    assert_eq!(found[0]["line"], 4);
}

/// A very large generated file, one leak every hundred functions: 20 MB with
/// `CONNLEAK_SLOW_TESTS=1`, else 2 MB, which a debug build checks in
/// seconds (20 MB takes about a minute there, and 13 s in release).
#[test]
fn very_large_file_is_checked() {
    let megabytes = if std::env::var_os("CONNLEAK_SLOW_TESTS").is_some() {
        20
    } else {
        2
    };
    let mut source = String::from("use sqlx::PgPool;\n\n");
    let mut leaks = 0;
    let mut index = 0;
    while source.len() < megabytes * 1024 * 1024 {
        if index % 100 == 0 {
            leaks += 1;
            source.push_str(&format!(
                "pub async fn leak_{index}(pool: &PgPool) {{\n    let conn = pool.acquire().await.unwrap();\n    std::mem::forget(conn);\n}}\n\n"
            ));
        } else {
            source.push_str(&format!(
                "pub async fn fine_{index}(pool: &PgPool, id: i64) -> sqlx::Result<i64> {{\n    let mut conn = pool.acquire().await?;\n    let row: (i64,) = sqlx::query_as(\"SELECT $1\").bind(id).fetch_one(&mut *conn).await?;\n    Ok(row.0 + {index})\n}}\n\n"
            ));
        }
        index += 1;
    }
    let dir = leaking_crate();
    write(dir.path(), "src/huge.rs", source.as_bytes());
    let (code, document) = run_json(dir.path(), &["."]);
    assert_eq!(code, 1, "errors: {:#}", document["errors"]);
    let in_huge = findings(&document)
        .iter()
        .filter(|finding| finding["file"] == "src/huge.rs")
        .inspect(|finding| assert_eq!(finding["lint"], "leaked-connection"))
        .count();
    assert_eq!(in_huge, leaks);
    assert_leak_still_found(&document);
    assert_eq!(
        document["stats"]["lines"].as_u64().expect("lines") as usize,
        source.lines().count() + 7 + 1,
        "lines of both files, each counted with its last (empty) line"
    );
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_reported() {
    use std::os::unix::fs::symlink;
    let dir = leaking_crate();
    symlink("b.rs", dir.path().join("src/a.rs")).expect("link");
    symlink("a.rs", dir.path().join("src/b.rs")).expect("link");
    // A folder link back to the root is not followed, so it loops nowhere.
    symlink("..", dir.path().join("src/up")).expect("link");
    let (code, document) = run_json(dir.path(), &["."]);
    assert_eq!(code, 2, "{document:#}");
    let errors = errors(&document);
    assert_eq!(errors.len(), 2, "{document:#}");
    for (error, file) in errors.iter().zip(["src/a.rs", "src/b.rs"]) {
        assert_eq!(error["file"], file);
        let message = error["message"].as_str().expect("message");
        assert!(message.contains("symbolic links"), "{message}");
    }
    assert_leak_still_found(&document);
}

#[cfg(unix)]
#[test]
fn symlink_loop_given_as_path_is_reported() {
    use std::os::unix::fs::symlink;
    let dir = leaking_crate();
    symlink("loop.rs", dir.path().join("loop.rs")).expect("link");
    let (code, document) = run_json(dir.path(), &["loop.rs", "src/lib.rs"]);
    assert_eq!(code, 2, "{document:#}");
    assert_eq!(errors(&document).len(), 1, "{document:#}");
    assert_eq!(errors(&document)[0]["file"], "loop.rs");
    assert_eq!(findings(&document).len(), 1, "{document:#}");
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_reported_or_read_when_privileged() {
    use std::os::unix::fs::PermissionsExt;
    let dir = leaking_crate();
    let locked = dir.path().join("src/locked.rs");
    fs::write(
        &locked,
        "use sqlx::PgPool;\npub async fn f(pool: &PgPool) {\n    let c = pool.acquire().await.unwrap();\n    std::mem::forget(c);\n}\n",
    )
    .expect("write");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod 000");
    // Root (as in CI containers) reads through permissions: then the file is
    // checked like any other. Anyone else gets an error naming it.
    let privileged = fs::read(&locked).is_ok();
    let (code, document) = run_json(dir.path(), &["."]);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o644)).expect("chmod back");
    if privileged {
        assert_eq!(code, 1, "{document:#}");
        assert!(errors(&document).is_empty(), "{document:#}");
        assert!(
            findings(&document)
                .iter()
                .any(|finding| finding["file"] == "src/locked.rs" && finding["line"] == 4),
            "{document:#}"
        );
    } else {
        assert_eq!(code, 2, "{document:#}");
        assert_single_error(&document, "src/locked.rs", &["permission denied"]);
    }
    assert_leak_still_found(&document);
}

#[cfg(unix)]
#[test]
fn unreadable_folder_is_reported_or_read_when_privileged() {
    use std::os::unix::fs::PermissionsExt;
    let dir = leaking_crate();
    write(dir.path(), "src/closed/inner.rs", b"fn broken( {\n");
    let closed = dir.path().join("src/closed");
    fs::set_permissions(&closed, fs::Permissions::from_mode(0o000)).expect("chmod 000");
    let privileged = fs::read_dir(&closed).is_ok();
    let (code, document) = run_json(dir.path(), &["."]);
    fs::set_permissions(&closed, fs::Permissions::from_mode(0o755)).expect("chmod back");
    assert_eq!(code, 2, "{document:#}");
    if privileged {
        // Read anyway: its broken file is the error.
        assert_single_error(&document, "src/closed/inner.rs", &["delimiter", "expected"]);
    } else {
        assert_single_error(&document, "src/closed", &["permission denied"]);
    }
    assert_leak_still_found(&document);
}

#[test]
fn folder_named_rs_is_walked_not_read() {
    let dir = leaking_crate();
    fs::create_dir(dir.path().join("src/x.rs")).expect("folder named x.rs");
    write(dir.path(), "src/y.rs/inner.rs", b"pub fn inner() {}\n");
    let (code, document) = run_json(dir.path(), &["."]);
    assert_eq!(code, 1, "{document:#}");
    assert!(errors(&document).is_empty(), "{document:#}");
    // lib.rs and the file inside the folder named y.rs.
    assert_eq!(document["stats"]["files"], 2);

    // Named explicitly, it is walked like any folder.
    let (code, document) = run_json(dir.path(), &["src/y.rs", "src/lib.rs"]);
    assert_eq!(code, 1, "{document:#}");
    assert_eq!(document["stats"]["files"], 2);
}

#[test]
fn missing_path_is_an_error_and_the_others_are_checked() {
    let dir = leaking_crate();
    let (code, document) = run_json(dir.path(), &["src/lib.rs", "no/such/path.rs"]);
    assert_eq!(code, 2, "{document:#}");
    assert_single_error(&document, "no/such/path.rs", &["no such file"]);
    assert_eq!(findings(&document).len(), 1, "{document:#}");
    assert_eq!(findings(&document)[0]["lint"], "leaked-connection");
}

#[test]
fn every_kind_of_bad_input_at_once() {
    let dir = leaking_crate();
    write(dir.path(), "src/broken.rs", b"fn oops( {\n");
    write(dir.path(), "src/latin1.rs", b"// caf\xe9\n");
    write(dir.path(), "src/empty.rs", b"");
    write(
        dir.path(),
        "src/deep.rs",
        format!("fn f() {}{}\n", "{".repeat(DEEP), "}".repeat(DEEP)).as_bytes(),
    );
    let (code, document) = run_json(dir.path(), &[".", "missing"]);
    assert_eq!(code, 2);
    let files: Vec<&str> = errors(&document)
        .iter()
        .map(|error| error["file"].as_str().expect("file"))
        .collect();
    for expected in ["missing", "src/broken.rs", "src/latin1.rs"] {
        assert!(files.contains(&expected), "{expected} in {files:?}");
    }
    assert!(!files.contains(&"src/empty.rs"), "{files:?}");
    assert_leak_still_found(&document);
}
