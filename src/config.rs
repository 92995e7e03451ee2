//! Configuration: `connleak.toml` at the workspace root, or
//! `[workspace.metadata.connleak]` / `[package.metadata.connleak]` in
//! `Cargo.toml` (DESIGN §4). Errors name the file, the line and the key.
//!
//! The documents are read with toml's spanned parser rather than a plain serde
//! struct, so that every error can point at the key or value at fault: a typo
//! in a lint name should say which line to fix, not only that something is
//! wrong somewhere in the file. Only `[[resource]]` entries go through serde
//! (their schema is [`ResourceSpec`], shared with the built-in packs); their
//! errors still carry spans because the deserializer keeps them.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;

use crate::bounds::Bound;
use crate::findings::Level;

use crate::packs::ResourceSpec;
use crate::rules::Lint;
use crate::source::FileError;
use crate::spelling;

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub exclude: Vec<String>,
    pub lints: BTreeMap<String, Level>,
    pub resources: Vec<ResourceSpec>,
    /// `fail-on = "warn" | "deny"`: the lowest level that fails the run.
    pub fail_on: Option<Level>,
    /// `test-code = "skip" | "report"`: whether findings in test code are
    /// shown (by default they are left out, and counted).
    pub test_code: Option<TestCode>,
    /// `test-code-fails = true | false`: whether findings in test code can
    /// fail the run (`true` also shows them).
    pub test_code_fails: Option<bool>,
    /// `[limits]`: bounds on the work of a run (see [`crate::bounds`]); a
    /// configuration can lower them, never raise them.
    pub limits: BTreeMap<Bound, u64>,
}

/// What to do with findings in test code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestCode {
    /// Leave them out of the report, and say how many were left out.
    Skip,
    /// Report them like any other (they still do not fail the run unless
    /// `test-code-fails = true`).
    Report,
}

/// A configuration that cannot be used: what is wrong and where, with the
/// file's text so that it can be shown as rustc shows code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file as the run names it.
    pub file: String,
    pub line: Option<u32>,
    pub message: String,
    /// "did you mean `held-across-await`?", when a known name is close.
    pub help: Option<String>,
    /// The text at fault, when there is a place to point at.
    pub snippet: Option<Box<Snippet>>,
}

/// A configuration file's text and the bytes of it at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    pub text: String,
    pub span: Range<usize>,
}

impl ConfigError {
    fn at(file: &str, text: &str, span: Range<usize>, message: String) -> ConfigError {
        ConfigError {
            file: file.to_string(),
            line: Some(line_of(text, span.start)),
            message,
            help: None,
            snippet: Some(Box::new(Snippet {
                text: text.to_string(),
                span,
            })),
        }
    }

    /// Without a place in the file (it could not be read).
    pub fn whole_file(file: &str, message: String) -> ConfigError {
        ConfigError {
            file: file.to_string(),
            line: None,
            message,
            help: None,
            snippet: None,
        }
    }

    fn with_help(mut self, help: String) -> ConfigError {
        if !help.is_empty() {
            self.help = Some(help);
        }
        self
    }

    /// The one-line form the machine formats carry: the message, then the
    /// suggestion.
    pub fn to_file_error(&self) -> FileError {
        let message = match &self.help {
            Some(help) => format!("{}; {help}", self.message),
            None => self.message.clone(),
        };
        FileError {
            file: self.file.clone(),
            line: self.line,
            message,
        }
    }
}

/// The keys a configuration table may hold.
const KNOWN_KEYS: [&str; 7] = [
    "exclude",
    "fail-on",
    "limits",
    "lints",
    "resource",
    "test-code",
    "test-code-fails",
];

/// Parses a `connleak.toml`. `display_name` is how errors name the file.
/// Every error is reported, in the order of the file, as rustc does.
pub fn parse_config(display_name: &str, text: &str) -> Result<Config, Vec<ConfigError>> {
    let document = parse_document(display_name, text).map_err(|error| vec![error])?;
    read_config_table(display_name, text, document.get_ref(), None)
}

/// Reads the connleak tables of a `Cargo.toml`: `Ok(None)` when it has none.
/// When both `[workspace.metadata.connleak]` and `[package.metadata.connleak]`
/// are present, the package's settings apply over the workspace's (lint
/// levels replace, excludes and resources add up).
pub fn parse_cargo_config(
    display_name: &str,
    text: &str,
) -> Result<Option<Config>, Vec<ConfigError>> {
    let document = parse_document(display_name, text).map_err(|error| vec![error])?;
    let mut merged: Option<Config> = None;
    for section in ["workspace", "package"] {
        let Some(table) = metadata_table(document.get_ref(), section) else {
            continue;
        };
        let context = format!("[{section}.metadata.connleak]");
        let table =
            expect_table(display_name, text, table, &context).map_err(|error| vec![error])?;
        let config = read_config_table(display_name, text, table, Some(&context))?;
        merged = Some(match merged {
            None => config,
            Some(mut base) => {
                base.exclude.extend(config.exclude);
                base.lints.extend(config.lints);
                base.resources.extend(config.resources);
                base.fail_on = config.fail_on.or(base.fail_on);
                base.test_code = config.test_code.or(base.test_code);
                base.test_code_fails = config.test_code_fails.or(base.test_code_fails);
                base
            }
        });
    }
    Ok(merged)
}

/// Parses a TOML document; a syntax error names the file and line.
pub(crate) fn parse_document<'i>(
    display_name: &str,
    text: &'i str,
) -> Result<Spanned<DeTable<'i>>, ConfigError> {
    DeTable::parse(text).map_err(|error| {
        let message = format!("invalid TOML: {}", error.message().trim_end());
        match error.span() {
            Some(span) => ConfigError::at(display_name, text, span, message),
            None => ConfigError::whole_file(display_name, message),
        }
    })
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> u32 {
    let end = offset.min(text.len());
    let newlines = text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

fn metadata_table<'a, 'i>(
    document: &'a DeTable<'i>,
    section: &str,
) -> Option<&'a Spanned<DeValue<'i>>> {
    let section = document.get(section)?.get_ref().as_table()?;
    let metadata = section.get("metadata")?.get_ref().as_table()?;
    metadata.get("connleak")
}

fn read_config_table(
    file: &str,
    text: &str,
    table: &DeTable<'_>,
    context: Option<&str>,
) -> Result<Config, Vec<ConfigError>> {
    let mut config = Config::default();
    let mut errors = Vec::new();
    for (key, value) in table.iter() {
        if let Err(found) = read_key(&mut config, file, text, key, value, context) {
            errors.extend(found);
        }
    }
    if errors.is_empty() {
        Ok(config)
    } else {
        errors.sort_by_key(|error| error.snippet.as_ref().map(|snippet| snippet.span.start));
        Err(errors)
    }
}

/// One key of a configuration table, into `config`.
fn read_key(
    config: &mut Config,
    file: &str,
    text: &str,
    key: &Spanned<std::borrow::Cow<'_, str>>,
    value: &Spanned<DeValue<'_>>,
    context: Option<&str>,
) -> Result<(), Vec<ConfigError>> {
    let error_at =
        |span: Range<usize>, message: String| vec![ConfigError::at(file, text, span, message)];
    {
        match key.get_ref().as_ref() {
            "exclude" => config.exclude = read_exclude(file, text, value).map_err(|e| vec![e])?,
            "lints" => {
                let lints = expect_table(file, text, value, "[lints]").map_err(|e| vec![e])?;
                config.lints = read_lints(file, text, lints)?;
            }
            "limits" => {
                let limits = expect_table(file, text, value, "[limits]").map_err(|e| vec![e])?;
                config.limits = read_limits(file, text, limits)?;
            }
            "resource" => {
                config.resources = read_resources(file, text, value).map_err(|e| vec![e])?
            }
            "fail-on" => {
                config.fail_on = Some(match value.get_ref().as_str() {
                    Some("warn") => Level::Warn,
                    Some("deny") => Level::Deny,
                    found => {
                        let found = match found {
                            Some(word) => format!("\"{word}\""),
                            None => String::from(value.get_ref().type_str()),
                        };
                        return Err(error_at(
                            value.span(),
                            format!("invalid value {found} for \"fail-on\": expected \"warn\" or \"deny\""),
                        ));
                    }
                })
            }
            "test-code" => {
                config.test_code = Some(match value.get_ref().as_str() {
                    Some("skip") => TestCode::Skip,
                    Some("report") => TestCode::Report,
                    found => {
                        let found = match found {
                            Some(word) => format!("\"{word}\""),
                            None => String::from(value.get_ref().type_str()),
                        };
                        return Err(error_at(
                            value.span(),
                            format!("invalid value {found} for \"test-code\": expected \"skip\" or \"report\""),
                        ));
                    }
                })
            }
            "test-code-fails" => match value.get_ref() {
                DeValue::Boolean(fails) => config.test_code_fails = Some(*fails),
                other => {
                    return Err(error_at(
                        value.span(),
                        format!(
                        "invalid value for \"test-code-fails\": expected true or false, found {}",
                        other.type_str()
                    ),
                    ))
                }
            },
            other => {
                let place = context.map(|c| format!(" in {c}")).unwrap_or_default();
                let help = match spelling::closest(other, KNOWN_KEYS) {
                    Some(known) => format!("did you mean `{known}`?"),
                    None => format!("the keys are {}", KNOWN_KEYS.join(", ")),
                };
                return Err(vec![ConfigError::at(
                    file,
                    text,
                    key.span(),
                    format!("unknown key \"{other}\"{place}"),
                )
                .with_help(help)]);
            }
        }
    }
    Ok(())
}

fn expect_table<'a, 'i>(
    file: &str,
    text: &str,
    value: &'a Spanned<DeValue<'i>>,
    what: &str,
) -> Result<&'a DeTable<'i>, ConfigError> {
    value.get_ref().as_table().ok_or_else(|| {
        ConfigError::at(
            file,
            text,
            value.span(),
            format!(
                "{what} must be a table, found {}",
                value.get_ref().type_str()
            ),
        )
    })
}

fn read_exclude(
    file: &str,
    text: &str,
    value: &Spanned<DeValue<'_>>,
) -> Result<Vec<String>, ConfigError> {
    let error_at = |span: Range<usize>, message: String| ConfigError::at(file, text, span, message);
    let Some(items) = value.get_ref().as_array() else {
        return Err(error_at(
            value.span(),
            format!(
                "exclude must be an array of glob strings, found {}",
                value.get_ref().type_str()
            ),
        ));
    };
    let mut globs = Vec::new();
    for item in items.iter() {
        let Some(pattern) = item.get_ref().as_str() else {
            return Err(error_at(
                item.span(),
                format!(
                    "exclude must hold glob strings, found {}",
                    item.get_ref().type_str()
                ),
            ));
        };
        if let Err(error) = globset::Glob::new(pattern) {
            return Err(error_at(
                item.span(),
                format!("invalid glob \"{pattern}\" in exclude: {}", error.kind()),
            ));
        }
        globs.push(pattern.to_string());
    }
    Ok(globs)
}

fn read_lints(
    file: &str,
    text: &str,
    table: &DeTable<'_>,
) -> Result<BTreeMap<String, Level>, Vec<ConfigError>> {
    let error_at = |span: Range<usize>, message: String| ConfigError::at(file, text, span, message);
    let mut lints = BTreeMap::new();
    let mut errors = Vec::new();
    for (key, value) in table.iter() {
        let name: &str = key.get_ref().as_ref();
        if Lint::from_name(name).is_none() {
            // Say what was meant: a near lint name, a key written below
            // `[lints]` that belongs above it, or the list of lints.
            let help = if KNOWN_KEYS.contains(&name) {
                format!("`{name}` is not a lint but a key of its own: write it above `[lints]`")
            } else {
                match spelling::closest(name, Lint::ALL.map(Lint::name)) {
                    Some(lint) => format!("did you mean `{lint}`?"),
                    None => format!("the lints are {}", lint_names()),
                }
            };
            errors.push(
                error_at(key.span(), format!("unknown lint \"{name}\" in [lints]")).with_help(help),
            );
            continue;
        }
        let level = value.get_ref().as_str().and_then(Level::parse);
        let Some(level) = level else {
            let found = match value.get_ref().as_str() {
                Some(word) => format!("\"{word}\""),
                None => String::from(value.get_ref().type_str()),
            };
            errors.push(error_at(
                value.span(),
                format!(
                    "invalid level {found} for \"{name}\" in [lints]: expected \"allow\", \"warn\" or \"deny\""
                ),
            ));
            continue;
        };
        lints.insert(name.to_string(), level);
    }
    if errors.is_empty() {
        Ok(lints)
    } else {
        Err(errors)
    }
}

fn read_limits(
    file: &str,
    text: &str,
    table: &DeTable<'_>,
) -> Result<BTreeMap<Bound, u64>, Vec<ConfigError>> {
    let keys = Bound::ALL.map(Bound::key);
    let mut limits = BTreeMap::new();
    let mut errors = Vec::new();
    for (key, value) in table.iter() {
        let name: &str = key.get_ref().as_ref();
        let Some(bound) = Bound::from_key(name) else {
            let help = match spelling::closest(name, keys) {
                Some(known) => format!("did you mean `{known}`?"),
                None => format!("the limits are {}", keys.join(", ")),
            };
            errors.push(
                ConfigError::at(
                    file,
                    text,
                    key.span(),
                    format!("unknown limit \"{name}\" in [limits]"),
                )
                .with_help(help),
            );
            continue;
        };
        let limit = match value.get_ref() {
            DeValue::Integer(number) => u64::from_str_radix(number.as_str(), number.radix()).ok(),
            _ => None,
        };
        match limit {
            Some(limit) if limit > 0 => {
                limits.insert(bound, limit);
            }
            _ => errors.push(ConfigError::at(
                file,
                text,
                value.span(),
                format!(
                    "invalid value {} for \"{name}\" in [limits]: expected a whole number above 0",
                    text.get(value.span()).unwrap_or_default().trim()
                ),
            )),
        }
    }
    if errors.is_empty() {
        Ok(limits)
    } else {
        Err(errors)
    }
}

fn read_resources(
    file: &str,
    text: &str,
    value: &Spanned<DeValue<'_>>,
) -> Result<Vec<ResourceSpec>, ConfigError> {
    let error_at = |span: Range<usize>, message: String| ConfigError::at(file, text, span, message);
    let Some(items) = value.get_ref().as_array() else {
        return Err(error_at(
            value.span(),
            format!(
                "resource must be an array of tables ([[resource]]), found {}",
                value.get_ref().type_str()
            ),
        ));
    };
    let mut resources = Vec::new();
    for item in items.iter() {
        let deserializer = ValueDeserializer::from(item.clone());
        match ResourceSpec::deserialize(deserializer) {
            Ok(resource) => resources.push(resource),
            Err(error) => {
                let span = error.span().unwrap_or_else(|| item.span());
                // serde names the field only when it is unknown or missing;
                // for a bad value, find the key whose value is at fault.
                let key = item.get_ref().as_table().and_then(|table| {
                    table
                        .iter()
                        .find(|(_, value)| value.span().contains(&span.start))
                        .map(|(key, _)| key.get_ref().to_string())
                });
                let (message, help) = resource_message(error.message(), key.as_deref());
                return Err(error_at(span, message).with_help(help));
            }
        }
    }
    Ok(resources)
}

/// serde's messages speak of "fields" and backquotes; ours speak of TOML keys
/// and say which table they are in. Also a suggestion for a misspelt key.
fn resource_message(message: &str, key: Option<&str>) -> (String, String) {
    let message = message.trim_end();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        if let Some((key, expected)) = rest.split_once('`') {
            let expected = expected.trim_start_matches(", expected ").replace('`', "");
            let known = expected.split([',', ' ']).filter(|word| {
                !word.is_empty() && *word != "or" && *word != "one" && *word != "of"
            });
            let help = spelling::did_you_mean(key, known);
            return (
                format!("unknown key \"{key}\" in [[resource]]: expected {expected}"),
                help,
            );
        }
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let key = rest.trim_end_matches('`');
        return (
            format!("missing key \"{key}\" in [[resource]]"),
            String::new(),
        );
    }
    let message = match key {
        Some(key) => format!("invalid value for \"{key}\" in [[resource]]: {message}"),
        None => format!("in [[resource]]: {message}"),
    };
    (message, String::new())
}

fn lint_names() -> String {
    Lint::ALL
        .iter()
        .map(|lint| lint.name())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> ConfigError {
        parse_config("connleak.toml", text)
            .expect_err("configuration is rejected")
            .remove(0)
    }

    #[test]
    fn reads_every_key() {
        let text = r#"
exclude = ["migrations/**", "tests/fixtures/**"]

[lints]
held-across-await = "deny"
temporary-pool = "allow"

[[resource]]
name = "legacy handle"
types = ["Handle"]
acquire = ["Handle::open"]
release = ["Handle::close"]
drop_releases = false
"#;
        let config = parse_config("connleak.toml", text).expect("valid configuration");
        assert_eq!(config.exclude, ["migrations/**", "tests/fixtures/**"]);
        assert_eq!(config.lints["held-across-await"], Level::Deny);
        assert_eq!(config.lints["temporary-pool"], Level::Allow);
        assert_eq!(config.resources.len(), 1);
        assert_eq!(config.resources[0].name, "legacy handle");
        assert!(!config.resources[0].drop_releases);
    }

    #[test]
    fn empty_file_is_an_empty_configuration() {
        let config = parse_config("connleak.toml", "").expect("valid configuration");
        assert!(config.exclude.is_empty() && config.lints.is_empty());
    }

    #[test]
    fn unknown_lint_names_file_line_and_lint() {
        let error =
            error_of("[lints]\nheld-across-await = \"deny\"\nheld-acros-await = \"deny\"\n");
        assert_eq!(error.file, "connleak.toml");
        assert_eq!(error.line, Some(3));
        assert!(
            error
                .message
                .starts_with("unknown lint \"held-acros-await\" in [lints]"),
            "{}",
            error.message
        );
    }

    #[test]
    fn bad_level_names_the_lint_and_the_level() {
        let error = error_of("\n[lints]\nnested-acquire = \"error\"\n");
        assert_eq!(error.line, Some(3));
        assert!(
            error
                .message
                .starts_with("invalid level \"error\" for \"nested-acquire\" in [lints]"),
            "{}",
            error.message
        );
        let error = error_of("[lints]\nnested-acquire = 2\n");
        assert_eq!(error.line, Some(2));
        assert!(
            error.message.contains("invalid level integer"),
            "{}",
            error.message
        );
    }

    #[test]
    fn unknown_top_level_key() {
        let error = error_of("# comment\nexlude = [\"a\"]\n");
        assert_eq!(error.line, Some(2));
        assert!(
            error.message.starts_with("unknown key \"exlude\""),
            "{}",
            error.message
        );
    }

    #[test]
    fn bad_glob_names_the_pattern() {
        let error = error_of("exclude = [\n  \"ok/**\",\n  \"bad[\",\n]\n");
        assert_eq!(error.line, Some(3));
        assert!(
            error
                .message
                .starts_with("invalid glob \"bad[\" in exclude"),
            "{}",
            error.message
        );
    }

    #[test]
    fn exclude_must_be_strings() {
        let error = error_of("exclude = \"target\"\n");
        assert_eq!(error.line, Some(1));
        assert!(
            error.message.contains("exclude must be an array"),
            "{}",
            error.message
        );
    }

    #[test]
    fn unknown_resource_key_names_the_key() {
        let text = "[[resource]]\nname = \"h\"\ntypes = [\"H\"]\nacquires = [\"H::open\"]\n";
        let error = error_of(text);
        assert_eq!(error.line, Some(4));
        assert!(
            error
                .message
                .starts_with("unknown key \"acquires\" in [[resource]]"),
            "{}",
            error.message
        );
    }

    #[test]
    fn resource_without_name() {
        let error = error_of("\n[[resource]]\ntypes = [\"H\"]\n");
        assert!(error.line.is_some());
        assert!(
            error
                .message
                .contains("missing key \"name\" in [[resource]]"),
            "{}",
            error.message
        );
    }

    #[test]
    fn bad_resource_value_names_the_key() {
        let error = error_of("[[resource]]\nname = \"h\"\nkind = \"pooledd\"\n");
        assert_eq!(error.line, Some(3));
        assert!(
            error
                .message
                .starts_with("invalid value for \"kind\" in [[resource]]"),
            "{}",
            error.message
        );
    }

    #[test]
    fn reads_the_failing_policy() {
        let config = parse_config(
            "connleak.toml",
            "fail-on = \"warn\"\ntest-code-fails = true\n",
        )
        .expect("valid configuration");
        assert_eq!(config.fail_on, Some(Level::Warn));
        assert_eq!(config.test_code_fails, Some(true));
        let config = parse_config("connleak.toml", "").expect("valid configuration");
        assert_eq!((config.fail_on, config.test_code_fails), (None, None));
    }

    #[test]
    fn bad_fail_on_names_the_key_and_value() {
        let error = error_of("exclude = []\nfail-on = \"allow\"\n");
        assert_eq!(error.line, Some(2));
        assert_eq!(
            error.message,
            "invalid value \"allow\" for \"fail-on\": expected \"warn\" or \"deny\""
        );
        let error = error_of("\nfail-on = 1\n");
        assert_eq!(error.line, Some(2));
        assert!(error.message.contains("integer"), "{}", error.message);
    }

    #[test]
    fn bad_test_code_fails_names_the_key() {
        let error = error_of("\n\ntest-code-fails = \"yes\"\n");
        assert_eq!(error.line, Some(3));
        assert_eq!(
            error.message,
            "invalid value for \"test-code-fails\": expected true or false, found string"
        );
    }

    #[test]
    fn package_policy_overrides_the_workspace_one() {
        let text = "[workspace.metadata.connleak]\nfail-on = \"warn\"\ntest-code-fails = true\n\n[package.metadata.connleak]\nfail-on = \"deny\"\n";
        let config = parse_cargo_config("Cargo.toml", text)
            .expect("valid")
            .expect("has tables");
        assert_eq!(config.fail_on, Some(Level::Deny));
        assert_eq!(config.test_code_fails, Some(true));
    }

    #[test]
    fn syntax_error_has_a_line() {
        let error = error_of("exclude = [\"a\"]\n[lints\n");
        assert_eq!(error.line, Some(2));
        assert!(
            error.message.starts_with("invalid TOML"),
            "{}",
            error.message
        );
    }

    #[test]
    fn cargo_metadata_tables() {
        let text = r#"
[package]
name = "app"

[package.metadata.connleak]
exclude = ["generated/**"]
lints = { held-across-await = "deny" }

[workspace.metadata.connleak]
exclude = ["migrations/**"]
lints = { held-across-await = "allow", nested-acquire = "deny" }
"#;
        let config = parse_cargo_config("Cargo.toml", text)
            .expect("valid manifest")
            .expect("has a connleak table");
        // The package's settings apply over the workspace's.
        assert_eq!(config.exclude, ["migrations/**", "generated/**"]);
        assert_eq!(config.lints["held-across-await"], Level::Deny);
        assert_eq!(config.lints["nested-acquire"], Level::Deny);
    }

    #[test]
    fn cargo_without_metadata_is_none() {
        let text = "[package]\nname = \"app\"\n[package.metadata.other]\nx = 1\n";
        assert!(parse_cargo_config("Cargo.toml", text)
            .expect("valid manifest")
            .is_none());
    }

    #[test]
    fn cargo_metadata_error_names_table() {
        let text = "[package]\nname = \"app\"\n\n[package.metadata.connleak]\nexlude = []\n";
        let error = parse_cargo_config("app/Cargo.toml", text)
            .expect_err("rejected")
            .remove(0);
        assert_eq!(error.file, "app/Cargo.toml");
        assert_eq!(error.line, Some(5));
        assert!(
            error
                .message
                .starts_with("unknown key \"exlude\" in [package.metadata.connleak]"),
            "{}",
            error.message
        );
    }

    #[test]
    fn every_error_is_reported_with_a_suggestion_in_file_order() {
        let errors = parse_config(
            "connleak.toml",
            "exlude = []\n\n[lints]\nheld-acros-await = \"deny\"\nfail-on = \"warn\"\nunwrap-used = \"allow\"\nnested-acquire = \"error\"\n",
        )
        .expect_err("rejected");
        let described: Vec<(Option<u32>, &str, Option<&str>)> = errors
            .iter()
            .map(|e| (e.line, e.message.as_str(), e.help.as_deref()))
            .collect();
        assert_eq!(
            described,
            [
                (Some(1), "unknown key \"exlude\"", Some("did you mean `exclude`?")),
                (
                    Some(4),
                    "unknown lint \"held-acros-await\" in [lints]",
                    Some("did you mean `held-across-await`?")
                ),
                (
                    Some(5),
                    "unknown lint \"fail-on\" in [lints]",
                    Some("`fail-on` is not a lint but a key of its own: write it above `[lints]`")
                ),
                (
                    Some(6),
                    "unknown lint \"unwrap-used\" in [lints]",
                    Some("the lints are leaked-connection, held-forever, accumulated-connections, held-across-await, nested-acquire, uncommitted-transaction, temporary-pool, unclosed-connection, unused-suppression, suppression-without-reason")
                ),
                (
                    Some(7),
                    "invalid level \"error\" for \"nested-acquire\" in [lints]: expected \"allow\", \"warn\" or \"deny\"",
                    None
                ),
            ]
        );
        // The one-line form carries the suggestion too.
        assert_eq!(
            errors[0].to_file_error().message,
            "unknown key \"exlude\"; did you mean `exclude`?"
        );
    }

    #[test]
    fn reads_the_test_code_choice() {
        let config = parse_config("connleak.toml", "test-code = \"report\"\n").expect("valid");
        assert_eq!(config.test_code, Some(TestCode::Report));
        let error = error_of("test-code = \"hide\"\n");
        assert_eq!(
            error.message,
            "invalid value \"hide\" for \"test-code\": expected \"skip\" or \"report\""
        );
    }

    #[test]
    fn a_misspelt_resource_key_gets_a_suggestion() {
        let error = error_of("[[resource]]\nname = \"h\"\nacquires = [\"H::open\"]\n");
        assert_eq!(error.help.as_deref(), Some("did you mean `acquire`?"));
    }
}
