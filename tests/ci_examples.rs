//! The CI recipes this repository ships: `action.yml`, the example
//! workflows and the GitLab pipeline under `examples/ci/`, and the
//! pre-commit hooks. Each must pass its format's public JSON schema
//! (vendored under `tests/data/schemas/`, see the README there), and be
//! safe to run on a pull request from anyone: `pull_request`, never
//! `pull_request_target`; no more permission than `contents: read` and
//! `security-events: write`; no input or event field pasted into a shell
//! script; connleak never built or run through cargo inside the checkout.

use std::fs;
use std::path::Path;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn yaml(path: &str) -> Value {
    let text = fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{path} is not YAML: {e}"))
}

fn assert_valid(document: &Value, schema_file: &str, path: &str) {
    let schema_text = fs::read_to_string(root().join("tests/data/schemas").join(schema_file))
        .expect("the schema is vendored");
    let schema: Value = serde_json::from_str(&schema_text).expect("the schema is JSON");
    let validator = jsonschema::options()
        .build(&schema)
        .unwrap_or_else(|e| panic!("{schema_file} compiles: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(document)
        .map(|error| format!("{} at {}", error, error.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{path} against {schema_file}:\n{}",
        errors.join("\n")
    );
}

const WORKFLOWS: [&str; 2] = [
    "examples/ci/github-action.yml",
    "examples/ci/github-cargo-install.yml",
];

#[test]
fn the_action_and_the_workflows_pass_their_schemas() {
    assert_valid(&yaml("action.yml"), "github-action.json", "action.yml");
    for workflow in WORKFLOWS {
        assert_valid(&yaml(workflow), "github-workflow.json", workflow);
    }
    assert_valid(
        &yaml("examples/ci/.gitlab-ci.yml"),
        "gitlab-ci.json",
        "examples/ci/.gitlab-ci.yml",
    );
}

/// The schemas really reject what they should: a check that cannot fail
/// proves nothing.
#[test]
fn the_schemas_reject_broken_documents() {
    let schema_text =
        fs::read_to_string(root().join("tests/data/schemas/github-action.json")).expect("schema");
    let schema: Value = serde_json::from_str(&schema_text).expect("JSON");
    let validator = jsonschema::options().build(&schema).expect("compiles");
    let mut broken = yaml("action.yml");
    broken["runs"]["using"] = Value::from("cobol");
    assert!(!validator.is_valid(&broken));

    let schema_text =
        fs::read_to_string(root().join("tests/data/schemas/gitlab-ci.json")).expect("schema");
    let schema: Value = serde_json::from_str(&schema_text).expect("JSON");
    let validator = jsonschema::options().build(&schema).expect("compiles");
    let mut broken = yaml("examples/ci/.gitlab-ci.yml");
    broken["connleak"]["artifacts"]["when"] = Value::from("sometimes");
    assert!(!validator.is_valid(&broken));
}

/// Every `run:` script of a document, with where it is.
fn scripts(value: &Value, place: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let here = format!("{place}.{key}");
                if key == "run" || key == "script" || key == "before_script" {
                    match inner {
                        Value::String(text) => out.push((here.clone(), text.clone())),
                        Value::Array(lines) => {
                            for line in lines.iter().filter_map(Value::as_str) {
                                out.push((here.clone(), line.to_string()));
                            }
                        }
                        _ => {}
                    }
                }
                scripts(inner, &here, out);
            }
        }
        Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                scripts(inner, &format!("{place}[{index}]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_workflows_run_on_pull_request_with_the_least_permissions() {
    for workflow in WORKFLOWS {
        let document = yaml(workflow);
        // serde_norway reads the `on` key as the string "on" (YAML 1.2).
        let on = document["on"].as_object().expect("`on` lists events");
        assert!(
            on.contains_key("pull_request"),
            "{workflow}: runs on pull_request"
        );
        assert!(
            !on.contains_key("pull_request_target"),
            "{workflow}: pull_request_target runs with a write token and secrets"
        );
        let permissions = document["permissions"]
            .as_object()
            .expect("permissions are set");
        let granted: Vec<(String, String)> = permissions
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
            .collect();
        assert_eq!(
            granted,
            [
                ("contents".to_string(), "read".to_string()),
                ("security-events".to_string(), "write".to_string())
            ],
            "{workflow}"
        );
        for (_, job) in document["jobs"].as_object().expect("jobs") {
            assert!(
                job.get("permissions").is_none(),
                "{workflow}: no job widens them"
            );
        }
    }
}

#[test]
fn no_script_pastes_an_expression_or_runs_connleak_through_cargo() {
    let documents = [
        "action.yml",
        WORKFLOWS[0],
        WORKFLOWS[1],
        "examples/ci/.gitlab-ci.yml",
    ];
    let mut checked = 0;
    for path in documents {
        let mut found = Vec::new();
        scripts(&yaml(path), "", &mut found);
        for (place, script) in found {
            checked += 1;
            // An expression in a script is pasted in before the shell reads
            // it: a branch name could then run commands. Use `env:`.
            assert!(!script.contains("${{"), "{path}{place}: {script}");
            // `cargo connleak` in the checkout obeys the checkout's cargo
            // configuration, which could alias it to anything.
            assert!(
                !script.contains("cargo connleak"),
                "{path}{place} runs connleak through cargo: {script}"
            );
            if script.contains("cargo install") {
                let builds_outside = script.contains("cd \"$RUNNER_TEMP\"")
                    || script.contains("(cd / &&")
                    || place.contains("steps");
                assert!(
                    builds_outside,
                    "{path}{place} builds in the checkout: {script}"
                );
            }
        }
    }
    assert!(checked >= 10, "scripts were found ({checked})");
    // The plain recipe builds from the runner's temporary folder.
    let recipe = fs::read_to_string(root().join(WORKFLOWS[1])).expect("read");
    assert!(recipe.contains("working-directory: ${{ runner.temp }}"));
}

#[test]
fn the_action_installs_by_version_and_decides_on_exit_1_and_2() {
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_array().expect("steps");
    let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
    assert!(uses.contains(&"actions/cache@v4"), "{uses:?}");
    assert!(
        uses.contains(&"github/codeql-action/upload-sarif@v3"),
        "{uses:?}"
    );
    let cache = steps
        .iter()
        .find(|s| s["uses"] == "actions/cache@v4")
        .expect("cache");
    assert!(cache["with"]["key"]
        .as_str()
        .expect("key")
        .contains("steps.version.outputs.version"));
    let text = fs::read_to_string(root().join("action.yml")).expect("read");
    for needed in [
        "--changed-since \"origin/$BASE_REF\"",
        "--format sarif",
        "--format github",
        "CONNLEAK_FAIL_ON_FINDINGS",
        "CONNLEAK_FAIL_ON_ERRORS",
    ] {
        assert!(text.contains(needed), "action.yml lacks {needed}");
    }
    for input in [
        "fail-on",
        "fail-on-findings",
        "fail-on-errors",
        "path",
        "args",
    ] {
        assert!(action["inputs"].get(input).is_some(), "input {input}");
    }
    // The examples use the Action at the release that Cargo.toml names.
    let example = fs::read_to_string(root().join(WORKFLOWS[0])).expect("read");
    let repository = env!("CARGO_PKG_REPOSITORY").trim_start_matches("https://github.com/");
    assert!(example.contains(&format!(
        "uses: {repository}@v{}",
        env!("CARGO_PKG_VERSION")
    )));
}

/// The repository URL in every recipe is the one Cargo.toml names.
#[test]
fn recipes_name_the_repository_of_cargo_toml() {
    let repository = env!("CARGO_PKG_REPOSITORY");
    for path in [
        "README.md",
        "examples/ci/github-cargo-install.yml",
        "examples/ci/.gitlab-ci.yml",
    ] {
        let text = fs::read_to_string(root().join(path)).expect("read");
        assert!(!text.contains("<owner>"), "{path} has a placeholder");
        for url in text
            .split_whitespace()
            .filter(|w| w.starts_with("https://github.com/"))
        {
            let url = url.trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
            if url.contains("/connleak") {
                assert!(url.starts_with(repository), "{path}: {url}");
            }
        }
    }
}

/// The GitLab report has what GitLab reads, for every finding and error.
#[test]
fn gitlab_report_has_the_code_quality_fields() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-connleak"))
        .args(["--format", "gitlab", "fixtures/demo-service"])
        .current_dir(root())
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let issues = report.as_array().expect("an array");
    assert_eq!(issues.len(), 8);
    let mut fingerprints = std::collections::BTreeSet::new();
    for issue in issues {
        for field in ["description", "check_name", "fingerprint", "severity"] {
            assert!(
                issue[field].as_str().is_some_and(|s| !s.is_empty()),
                "{field}: {issue}"
            );
        }
        assert!(["info", "minor", "major", "critical", "blocker"]
            .contains(&issue["severity"].as_str().expect("severity")));
        // From the repository root, as GitLab places files: the demo
        // sits in `fixtures/demo-service/` of this repository.
        assert!(issue["location"]["path"]
            .as_str()
            .expect("path")
            .starts_with("fixtures/demo-service/src/"));
        assert!(issue["location"]["lines"]["begin"].as_u64().expect("begin") >= 1);
        assert!(fingerprints.insert(issue["fingerprint"].as_str().expect("fp").to_string()));
    }
}

/// The README's pre-commit recipe names hooks that `.pre-commit-hooks.yaml`
/// declares, at a real release tag, and the local form runs the binary.
#[test]
fn the_pre_commit_recipe_matches_the_hooks() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let ids: Vec<&str> = hooks
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|hook| hook["id"].as_str())
        .collect();
    let readme = fs::read_to_string(root().join("README.md")).expect("README.md");
    let section = readme
        .split("### pre-commit")
        .nth(1)
        .expect("a pre-commit section");
    let mut blocks = section.split("```yaml").skip(1);
    let remote: Value = serde_norway::from_str(
        blocks
            .next()
            .expect("the remote recipe")
            .split("```")
            .next()
            .expect("block"),
    )
    .expect("YAML");
    let repo = &remote["repos"][0];
    assert_eq!(repo["repo"], env!("CARGO_PKG_REPOSITORY"));
    assert_eq!(repo["rev"], format!("v{}", env!("CARGO_PKG_VERSION")));
    for hook in repo["hooks"].as_array().expect("hooks") {
        assert!(ids.contains(&hook["id"].as_str().expect("id")), "{hook}");
    }
    let local: Value = serde_norway::from_str(
        blocks
            .next()
            .expect("the local recipe")
            .split("```")
            .next()
            .expect("block"),
    )
    .expect("YAML");
    let local_hook = &local["repos"][0]["hooks"][0];
    assert_eq!(local["repos"][0]["repo"], "local");
    assert_eq!(local_hook["language"], "system");
    assert!(local_hook["entry"]
        .as_str()
        .expect("entry")
        .starts_with("cargo-connleak"));
}
