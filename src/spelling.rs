//! Which known name a misspelt one most likely meant, for the "did you mean
//! `held-across-await`?" of configuration errors, suppression comments and
//! command-line names. Knows nothing of what the names are.

/// The candidate closest to `written`, when it is close enough to be worth
/// suggesting: a few edits away for its length (a transposition counts as
/// one edit), or the same name with `_` for `-` or another case.
pub fn closest<'c>(
    written: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let normalised = normalise(written);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if normalise(candidate) == normalised {
            return Some(candidate);
        }
        let distance = strsim::damerau_levenshtein(&normalised, &normalise(candidate));
        let allowed = (candidate.chars().count().max(written.chars().count()) / 3).max(1);
        if distance <= allowed && best.is_none_or(|(known, _)| distance < known) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// `; did you mean `x`?`, or nothing when no candidate is close.
pub fn did_you_mean<'c>(written: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    match closest(written, candidates) {
        Some(candidate) => format!("did you mean `{candidate}`?"),
        None => String::new(),
    }
}

fn normalise(name: &str) -> String {
    name.to_lowercase().replace('_', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINTS: [&str; 3] = ["held-across-await", "nested-acquire", "leaked-connection"];

    #[test]
    fn suggests_the_near_name_only() {
        assert_eq!(
            closest("held-acros-await", LINTS),
            Some("held-across-await")
        );
        assert_eq!(
            closest("leaked-conection", LINTS),
            Some("leaked-connection")
        );
        assert_eq!(closest("nested_acquire", LINTS), Some("nested-acquire"));
        assert_eq!(closest("Nested-Acquire", LINTS), Some("nested-acquire"));
        assert_eq!(closest("nestde-acquire", LINTS), Some("nested-acquire"));
        assert_eq!(closest("unwrap-used", LINTS), None);
        assert_eq!(closest("x", LINTS), None);
        assert_eq!(
            did_you_mean("exlude", ["exclude", "lints"]),
            "did you mean `exclude`?"
        );
        assert_eq!(did_you_mean("colour", ["exclude", "lints"]), "");
    }
}
