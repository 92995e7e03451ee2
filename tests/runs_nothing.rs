//! connleak reads the code it checks and runs none of it: no build script, no
//! proc macro, no cargo, no toolchain. A crate whose build script, proc macro
//! and toolchain file would each leave a marker (and fail) if run is checked
//! like any other, and no marker appears.

use std::fs;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-connleak");

fn write(root: &Path, path: &str, content: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().expect("has a parent")).expect("create folders");
    fs::write(path, content).expect("write file");
}

#[test]
fn build_scripts_and_proc_macros_are_never_run() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let root = dir.path();
    let marker = root.join("MARKER");
    let marker_literal = format!("{:?}", marker.display().to_string());
    write(
        root,
        "Cargo.toml",
        "[workspace]\nmembers = [\"app\", \"macros\"]\n",
    );
    write(
        root,
        "app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nbuild = \"build.rs\"\n\n[dependencies]\nsqlx = \"0.8\"\nmacros = { path = \"../macros\" }\n",
    );
    write(
        root,
        "app/build.rs",
        &format!(
            "fn main() {{\n    std::fs::write({marker_literal}, \"build script ran\").unwrap();\n    panic!(\"this build script must never run\");\n}}\n"
        ),
    );
    write(
        root,
        "app/src/lib.rs",
        "use sqlx::PgPool;\n\nmacros::boom!();\n\npub async fn leak(pool: &PgPool) {\n    let conn = pool.acquire().await.unwrap();\n    std::mem::forget(conn);\n}\n",
    );
    write(
        root,
        "macros/Cargo.toml",
        "[package]\nname = \"macros\"\nversion = \"0.1.0\"\n\n[lib]\nproc-macro = true\n",
    );
    write(
        root,
        "macros/src/lib.rs",
        &format!(
            "use proc_macro::TokenStream;\n\n#[proc_macro]\npub fn boom(_input: TokenStream) -> TokenStream {{\n    std::fs::write({marker_literal}, \"proc macro ran\").unwrap();\n    panic!(\"this proc macro must never run\");\n}}\n"
        ),
    );
    // A toolchain that does not exist: invoking cargo or rustc through rustup
    // here would fail.
    write(
        root,
        "rust-toolchain.toml",
        "[toolchain]\nchannel = \"no-such-toolchain\"\n",
    );
    write(
        root,
        ".cargo/config.toml",
        "[build]\nrustc-wrapper = \"/no/such/wrapper\"\n",
    );

    let output = Command::new(BIN)
        .args(["--format", "json"])
        .current_dir(root)
        .output()
        .expect("the binary runs");
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    });

    assert!(
        !marker.exists(),
        "something of the checked code ran: {:?}",
        fs::read_to_string(&marker)
    );
    // And the crate was really checked: its leak is found, its build script
    // and proc macro were read as source like any other file.
    assert_eq!(output.status.code(), Some(1), "{document:#}");
    assert_eq!(document["errors"], serde_json::json!([]), "{document:#}");
    assert_eq!(document["stats"]["files"], 3, "{document:#}");
    assert_eq!(document["findings"][0]["file"], "app/src/lib.rs");
    assert_eq!(document["findings"][0]["lint"], "leaked-connection");
}
