//! `[lint]` → lint levels, and `[waivers]` → the scanner suppressions written into the output.

use crate::diagnostics::lint::{Level, Levels, Target};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::spec::Spec;
use crate::spec::read::Pairs;
use crate::values::suggest::suggest;

/// The spec's lint levels; `file` names the spec in "denied by `[lint]` in app.toml".
pub fn levels(d: &mut Diagnostics, spec: &Spec, file: &str) -> Levels {
    let mut out = Levels::default();
    for (key, value) in &spec.lint {
        let Some(target) = Target::parse(&key.v) else {
            let mut diag =
                Diagnostic::new(&codes::E0131, format!("`lint.{}` names no warning", key.v))
                    .at(key.span, "unknown lint");
            diag = match suggest(&key.v, Target::names()).or_else(|| by_words(&key.v)) {
                Some(s) => diag.help(format!("did you mean `{s}`?")),
                None => diag.help(
                    "name a warning by code (`W0002`) or name (`image-without-digest`), or `warnings` for all; errors have no level",
                ),
            };
            d.push(diag);
            continue;
        };
        if let Target::Code(id) = target
            && !codes::find(id).is_some_and(codes::Code::in_spec_lint)
        {
            d.push(
                Diagnostic::new(
                    &codes::E0131,
                    format!(
                        "`lint.{}` is about a file no spec owns (an inventory, running pods, a catalog), not a spec",
                        key.v
                    ),
                )
                .at(key.span, "not a spec's lint")
                .help(format!(
                    "set its level on the command line: `-A {id}` (or `-D {id}` to refuse it)"
                )),
            );
            continue;
        }
        let Some(level) = Level::parse(&value.v) else {
            d.push(
                Diagnostic::new(
                    &codes::E0131,
                    format!("`lint.{}` is `{}`, which is not a level", key.v, value.v),
                )
                .at(value.span, "not a level")
                .help("write `allow`, `warn` or `deny`"),
            );
            continue;
        };
        out.set(target, level, format!("`[lint]` in {file}"));
    }
    out
}

/// The one lint name that has every `-`-separated word of `input` (`image-digest` →
/// `image-without-digest`), for names too far from any by edit distance.
fn by_words(input: &str) -> Option<String> {
    let words: Vec<String> = input
        .to_ascii_lowercase()
        .split(['-', '_'])
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    if words.is_empty() {
        return None;
    }
    let mut hits = Target::names().filter(|n| words.iter().all(|w| n.split('-').any(|p| p == w)));
    match (hits.next(), hits.next()) {
        (Some(one), None) => Some(one.to_string()),
        _ => None,
    }
}

/// `CKV_K8S_35`, `CKV2_K8S_6`: checkov's Kubernetes check IDs.
fn is_check_id(s: &str) -> bool {
    let digits = s
        .strip_prefix("CKV_K8S_")
        .or_else(|| s.strip_prefix("CKV2_K8S_"));
    digits.is_some_and(|n| !n.is_empty() && n.len() <= 4 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The waivers of the table at `path` (`waivers`, `servers.router.waivers`) as (check ID,
/// reason), each reported as W0008 so the exception stays visible.
pub fn waivers(d: &mut Diagnostics, path: &str, table: &Pairs) -> Vec<(String, String)> {
    let whom = match path.strip_suffix(".waivers") {
        Some(section) => format!("`{section}`'s objects"),
        None => "every workload".to_string(),
    };
    let mut out = Vec::new();
    for (key, reason) in table {
        if !is_check_id(&key.v) {
            let upper = key.v.to_ascii_uppercase();
            let help = if is_check_id(&upper) {
                format!("check IDs are upper case: `{upper}`")
            } else {
                "name a checkov Kubernetes check, such as `CKV_K8S_35` (secrets as environment variables)".to_string()
            };
            d.push(
                Diagnostic::new(
                    &codes::E0131,
                    format!("`{path}.{}` is not a checkov check ID", key.v),
                )
                .at(key.span, "not a check ID")
                .help(help),
            );
            continue;
        }
        let why = reason.v.trim();
        if why.is_empty() || why.contains(['\n', '\r']) {
            d.push(
                Diagnostic::new(
                    &codes::E0131,
                    format!("the waiver of `{}` gives no reason on one line", key.v),
                )
                .at(reason.span, "say why")
                .help("the reason is written into the manifests for reviewers: one line, e.g. \"vLLM reads HF_TOKEN from the environment\""),
            );
            continue;
        }
        d.push(
            Diagnostic::new(
                &codes::W0008,
                format!("`{}` is waived: {why}", key.v),
            )
            .at(key.span, "exception")
            .help(format!("the waiver is written as a `checkov.io/skip` annotation on {whom}; allow `waived-check` to silence this")),
        );
        out.push((key.v.clone(), why.to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{by_words, is_check_id};

    #[test]
    fn a_lint_named_by_some_of_its_words_is_suggested() {
        assert_eq!(
            by_words("image-digest").as_deref(),
            Some("image-without-digest")
        );
        assert_eq!(by_words("cpu_limit").as_deref(), Some("no-cpu-limit"));
        assert_eq!(by_words("image"), None, "two lints have `image`");
        assert_eq!(by_words("gpu"), None);
    }

    #[test]
    fn check_ids() {
        assert!(is_check_id("CKV_K8S_35"));
        assert!(is_check_id("CKV2_K8S_6"));
        assert!(!is_check_id("CKV_K8S_"));
        assert!(!is_check_id("ckv_k8s_35"));
        assert!(!is_check_id("CKV_AWS_1"));
    }
}
