//! `docs/lints/` holds one page per lint, generated from its declaration
//! (the doc comment of `declare_lint!`), and an index. This test fails when
//! a page is stale, missing, or left over from a lint that is gone, and
//! says how to regenerate: `CONNLEAK_UPDATE_DOCS=1 cargo test --test lint_docs`.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use connleak::reporting::{lint_index, lint_page, lint_url};
use connleak::rules::Lint;

fn expected_pages() -> BTreeMap<String, String> {
    let mut pages: BTreeMap<String, String> = Lint::ALL
        .iter()
        .map(|lint| (format!("{}.md", lint.name()), lint_page(*lint)))
        .collect();
    pages.insert(String::from("README.md"), lint_index());
    pages
}

#[test]
fn lint_pages_match_the_declarations() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/lints");
    let expected = expected_pages();
    if std::env::var_os("CONNLEAK_UPDATE_DOCS").is_some() {
        fs::create_dir_all(&folder).expect("create docs/lints");
        for entry in fs::read_dir(&folder).expect("read docs/lints") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            if !expected.contains_key(&name) {
                fs::remove_file(&path).expect("remove a stale page");
            }
        }
        for (name, text) in &expected {
            fs::write(folder.join(name), text).expect("write a page");
        }
    }
    let mut problems = Vec::new();
    for (name, text) in &expected {
        match fs::read_to_string(folder.join(name)) {
            Ok(found) if &found == text => {}
            Ok(_) => problems.push(format!("docs/lints/{name} is stale")),
            Err(_) => problems.push(format!("docs/lints/{name} is missing")),
        }
    }
    for entry in fs::read_dir(&folder).expect("docs/lints exists") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if !expected.contains_key(&name) {
            problems.push(format!("docs/lints/{name} belongs to no lint"));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\nregenerate with: CONNLEAK_UPDATE_DOCS=1 cargo test --test lint_docs",
        problems.join("\n")
    );
}

/// The URL every format links to names a page that exists, in the
/// repository that Cargo.toml names.
#[test]
fn lint_urls_point_at_the_pages() {
    for lint in Lint::ALL {
        let url = lint_url(lint);
        assert_eq!(
            url,
            format!(
                "{}/blob/main/docs/lints/{}.md",
                env!("CARGO_PKG_REPOSITORY"),
                lint.name()
            )
        );
        let page = url.rsplit("/blob/main/").next().expect("a path");
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(page).is_file(),
            "{page}"
        );
    }
    assert!(env!("CARGO_PKG_REPOSITORY").starts_with("https://github.com/"));
}
