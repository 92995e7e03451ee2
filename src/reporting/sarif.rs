//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning and other SARIF
//! viewers read it. One run; every lint is a rule (its docs are the rule's
//! help); every finding a result with its primary location, the acquire site
//! as a related location, the witness path as a code flow, and the
//! fingerprint under `partialFingerprints["connleak/v1"]` so that alerts keep
//! their identity when lines move, and a suggested fix as `fixes`. Each rule
//! links its page (`helpUri`). Files that could not be checked become tool
//! execution notifications.
//!
//! Locations are relative to `%SRCROOT%`, the root of the git repository the
//! checked workspace is in (the checked root outside git), so that they name
//! the files GitHub shows even when the Rust code sits in a subfolder.
//! Columns count Unicode code points (`columnKind`), as our positions do.

use serde::Serialize;

use crate::findings::{Finding, Level};
use crate::fixes::{Applicability, Fix};

use crate::reporting::github::from_repository_root;
use crate::reporting::{
    display_path, lint_description, lint_docs, lint_url, one_based_region, uri_path,
};
use crate::rules::Lint;
use crate::source::SourceMap;
use crate::source::{FileError, Location};
use crate::Report;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SARIF_VERSION: &str = "2.1.0";
const SOURCE_ROOT: &str = "%SRCROOT%";

/// Renders the report as one pretty-printed SARIF log with a trailing newline.
pub fn render(report: &Report) -> String {
    let prefix = report.repository_prefix();
    let log = Log {
        schema: SCHEMA,
        version: SARIF_VERSION,
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "connleak",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules: Lint::ALL.iter().map(|&lint| rule(lint)).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results: report
                .findings
                .iter()
                .map(|finding| result(finding, &report.sources, &prefix))
                .collect(),
            invocations: vec![Invocation {
                execution_successful: report.errors.is_empty(),
                tool_execution_notifications: report
                    .errors
                    .iter()
                    .map(|error| notification(error, &prefix))
                    .collect(),
            }],
        }],
    };
    let mut text = serde_json::to_string_pretty(&log)
        .expect("the SARIF log has string keys and no fallible fields");
    text.push('\n');
    text
}

fn rule(lint: Lint) -> Rule {
    let info = lint.info();
    let docs = lint_docs(lint);
    Rule {
        id: info.name,
        short_description: Text {
            text: info.summary.to_string(),
        },
        full_description: Text {
            text: lint_description(lint),
        },
        help_uri: lint_url(lint),
        help: Help {
            text: docs.clone(),
            markdown: docs,
        },
        default_configuration: Configuration {
            level: level_word(info.default_level),
        },
        properties: RuleProperties {
            tags: if lint.is_about_suppressions() {
                vec!["maintainability"]
            } else {
                vec!["reliability", "database"]
            },
        },
    }
}

fn result(finding: &Finding, sources: &SourceMap, prefix: &str) -> SarifResult {
    let mut message = finding.message.clone();
    if !finding.help.is_empty() {
        message.push_str("\nhelp: ");
        message.push_str(&finding.help);
    }
    let related_locations = finding
        .acquired_at
        .map(|acquired_at| {
            vec![SarifLocation {
                id: Some(1),
                physical_location: physical(acquired_at, sources, prefix),
                message: Some(Text {
                    text: finding.acquire_label.clone(),
                }),
            }]
        })
        .unwrap_or_default();
    let code_flows = if finding.path.is_empty() {
        Vec::new()
    } else {
        vec![CodeFlow {
            thread_flows: vec![ThreadFlow {
                locations: finding
                    .path
                    .iter()
                    .map(|step| ThreadFlowLocation {
                        location: SarifLocation {
                            id: None,
                            physical_location: physical(step.at, sources, prefix),
                            message: Some(Text {
                                text: step.note.clone(),
                            }),
                        },
                    })
                    .collect(),
            }],
        }]
    };
    let fixes = finding
        .fix
        .as_ref()
        .map(|fix| vec![sarif_fix(fix, sources, prefix)])
        .unwrap_or_default();
    SarifResult {
        rule_id: finding.lint.name(),
        rule_index: Lint::ALL
            .iter()
            .position(|&lint| lint == finding.lint)
            .unwrap_or(0),
        level: level_word(finding.level),
        message: Text { text: message },
        locations: vec![SarifLocation {
            id: None,
            physical_location: physical(finding.primary, sources, prefix),
            message: Some(Text {
                text: finding.primary_label.clone(),
            }),
        }],
        related_locations,
        code_flows,
        fixes,
        partial_fingerprints: PartialFingerprints {
            connleak: finding.fingerprint.clone(),
        },
        properties: ResultProperties {
            in_test_code: finding.in_test_code,
        },
    }
}

/// A fix as SARIF writes one: per file, the regions to delete (empty for
/// an insertion) and the text to put there. Whether it is certain goes in
/// the description and the properties: SARIF has no field for it.
fn sarif_fix(fix: &Fix, sources: &SourceMap, prefix: &str) -> SarifFix {
    let mut by_file: Vec<ArtifactChange> = Vec::new();
    for edit in &fix.edits {
        let location = Location {
            file: edit.file,
            span: edit.span,
        };
        let ((start_line, start_column), (end_line, end_column)) = one_based_region(location);
        let replacement = Replacement {
            deleted_region: Region {
                start_line,
                start_column: Some(start_column),
                end_line: Some(end_line),
                end_column: Some(end_column),
            },
            inserted_content: (!edit.replacement.is_empty()).then(|| ArtifactContent {
                text: edit.replacement.clone(),
            }),
        };
        let uri = artifact(&from_repository_root(
            prefix,
            display_path(sources, edit.file),
        ));
        match by_file
            .iter_mut()
            .find(|change| change.artifact_location.uri == uri.uri)
        {
            Some(change) => change.replacements.push(replacement),
            None => by_file.push(ArtifactChange {
                artifact_location: uri,
                replacements: vec![replacement],
            }),
        }
    }
    let certainty = match fix.applicability {
        Applicability::MachineApplicable => "certain; `cargo connleak --fix` applies it",
        Applicability::MaybeIncorrect => "check it before applying",
    };
    SarifFix {
        description: Text {
            text: format!("{} ({certainty})", fix.message),
        },
        artifact_changes: by_file,
        properties: FixProperties {
            applicability: fix.applicability.name(),
        },
    }
}

fn notification(error: &FileError, prefix: &str) -> Notification {
    Notification {
        level: "error",
        message: Text {
            text: format!("{}: {}", error.file, error.message),
        },
        locations: vec![NotificationLocation {
            physical_location: PhysicalLocation {
                artifact_location: artifact(&from_repository_root(prefix, &error.file)),
                region: error.line.map(|line| Region {
                    start_line: line.max(1),
                    start_column: None,
                    end_line: None,
                    end_column: None,
                }),
            },
        }],
    }
}

fn physical(location: Location, sources: &SourceMap, prefix: &str) -> PhysicalLocation {
    let ((start_line, start_column), (end_line, end_column)) = one_based_region(location);
    PhysicalLocation {
        artifact_location: artifact(&from_repository_root(
            prefix,
            display_path(sources, location.file),
        )),
        region: Some(Region {
            start_line,
            start_column: Some(start_column),
            end_line: Some(end_line),
            end_column: Some(end_column),
        }),
    }
}

/// Relative names hang off `%SRCROOT%`; an absolute one (a PATH given as
/// such) is a `file:` URI of its own.
fn artifact(display: &str) -> ArtifactLocation {
    if display.starts_with('/') {
        ArtifactLocation {
            uri: format!("file://{}", uri_path(display)),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: uri_path(display),
            uri_base_id: Some(SOURCE_ROOT),
        }
    }
}

/// SARIF's names for our levels; `none` is what SARIF calls a rule that is
/// off by default.
fn level_word(level: Level) -> &'static str {
    match level {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => "none",
    }
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult>,
    invocations: Vec<Invocation>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    short_description: Text,
    full_description: Text,
    help_uri: String,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    code_flows: Vec<CodeFlow>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
    partial_fingerprints: PartialFingerprints,
    properties: ResultProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<u32>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CodeFlow {
    thread_flows: Vec<ThreadFlow>,
}

#[derive(Serialize)]
struct ThreadFlow {
    locations: Vec<ThreadFlowLocation>,
}

#[derive(Serialize)]
struct ThreadFlowLocation {
    location: SarifLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Text,
    artifact_changes: Vec<ArtifactChange>,
    properties: FixProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    #[serde(skip_serializing_if = "Option::is_none")]
    inserted_content: Option<ArtifactContent>,
}

#[derive(Serialize)]
struct ArtifactContent {
    text: String,
}

#[derive(Serialize)]
struct FixProperties {
    applicability: &'static str,
}

/// The key is versioned: bump it if the fingerprint's recipe ever changes,
/// so that viewers do not match old alerts to new ones by accident.
#[derive(Serialize)]
struct PartialFingerprints {
    #[serde(rename = "connleak/v1")]
    connleak: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties {
    in_test_code: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    locations: Vec<NotificationLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationLocation {
    physical_location: PhysicalLocation,
}
