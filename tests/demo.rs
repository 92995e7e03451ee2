//! The demo service as a maintainer first sees it: the human output of
//! `cargo-connleak --color never fixtures/demo-service`, snapshotted, so that
//! every change to what it reports or how it words it is reviewed here.

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_cargo-connleak");

#[test]
fn demo_service_human_output() {
    let output = Command::new(BIN)
        .args(["--color", "never", "fixtures/demo-service"])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env_remove("NO_COLOR")
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8(output.stdout).expect("stdout is UTF-8");
    let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
    assert_eq!(
        output.status.code(),
        Some(1),
        "the demo has deny-level findings\n{stdout}{stderr}"
    );
    assert!(stderr.is_empty(), "nothing on stderr: {stderr}");
    insta::assert_snapshot!("demo_service_human", stdout);
}
