//! A container's environment: the runtime's variables, literal `env` (a value that looks like a
//! secret is refused), `secret_env` references to Secret keys, `field_env` from the pod's own
//! fields, `env_from` whole ConfigMaps and Secrets, and the order they are written in — by name,
//! unless a `$(NAME)` reference needs its variable earlier (E0160 when it names none).

use std::collections::{BTreeMap, BTreeSet};

use super::super::check;
use crate::app::{Env, EnvFrom, EnvValue};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;
use crate::spec::pod::EnvFromSpec;
use crate::spec::read::{Pairs, Sp};
use crate::values::limits::CONFIG_MAP_MAX_BYTES;
use crate::values::{names, secret};

/// The environment keys of one container, as the spec wrote them.
pub(super) struct Spec<'a> {
    /// `serve`, `serve.sidecars[0]`: where the keys are.
    pub path: &'a str,
    pub env: &'a Pairs,
    pub secret_env: &'a Pairs,
    pub field_env: &'a Pairs,
    pub env_from: Option<&'a [EnvFromSpec]>,
}

/// Fields of the pod a variable may read (`fieldRef`), besides `metadata.labels['KEY']` and
/// `metadata.annotations['KEY']`.
pub const FIELDS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];

/// The container's variables, in the order they are written, and its `envFrom`. `preset` is the
/// runtime's (the spec's `env` overrides it).
pub(super) fn resolve(
    d: &mut Diagnostics,
    s: &Spec,
    preset: BTreeMap<String, String>,
) -> (Vec<Env>, Vec<EnvFrom>) {
    // Each variable's value and, for what the spec wrote, the span of its value.
    let mut vars: BTreeMap<String, (EnvValue, Option<Span>)> = preset
        .into_iter()
        .map(|(k, v)| (k, (EnvValue::Literal(v), None)))
        .collect();
    for (k, v) in s.env {
        let path = format!("{}.env.{}", s.path, k.v);
        if name(d, &path, k).is_none() {
            continue;
        }
        if let Some(why) = secret::looks_like_secret(&k.v, &v.v) {
            d.push(
                Diagnostic::new(&codes::E0126, format!("`{path}` looks like a secret: {why}"))
                    .at(v.span, "literal value committed in the spec")
                    .help(format!(
                        "store it in a Secret and reference it: `secret_env = {{ {} = \"secret-name/key\" }}`",
                        k.v
                    )),
            );
            continue;
        }
        vars.insert(k.v.clone(), (EnvValue::Literal(v.v.clone()), Some(v.span)));
    }
    // What each key's variables are, for "set twice".
    let what = |key: &str| match key {
        "env" => "as a literal",
        "secret_env" => "from a Secret",
        _ => "from the pod",
    };
    let mut seen: Vec<(&Sp<String>, &str)> = s.env.iter().map(|(k, _)| (k, "env")).collect();
    for (key, pairs) in [("secret_env", s.secret_env), ("field_env", s.field_env)] {
        for (k, v) in pairs {
            let path = format!("{}.{key}.{}", s.path, k.v);
            let name_ok = name(d, &path, k);
            if let Some((twin, where_)) = seen.iter().find(|(e, _)| e.v == k.v) {
                d.push(
                    Diagnostic::new(
                        &codes::E0128,
                        format!("`{}` is set in both `{where_}` and `{key}`", k.v),
                    )
                    .at(k.span, format!("{} here", what(key)))
                    .also(twin.span, format!("and {} here", what(where_)))
                    .help("keep one of the two"),
                );
                continue;
            }
            seen.push((k, key));
            let value = if key == "secret_env" {
                secret_ref(d, &path, v).map(|(name, key)| EnvValue::Secret { name, key })
            } else {
                field(d, &path, v).map(EnvValue::Field)
            };
            if let (Some(()), Some(value)) = (name_ok, value) {
                vars.insert(k.v.clone(), (value, None));
            }
        }
    }
    let env_from: Vec<EnvFrom> = s
        .env_from
        .iter()
        .flat_map(|list| list.iter().enumerate())
        .filter_map(|(i, e)| env_from(d, &format!("{}.env_from[{i}]", s.path), e))
        .collect();
    let order = order(d, s.path, &vars, !env_from.is_empty());
    let env = order
        .into_iter()
        .filter_map(|n| {
            let (value, _) = vars.remove(&n)?;
            Some(Env { name: n, value })
        })
        .collect();
    (env, env_from)
}

/// Variables by name, each after the ones its `$(NAME)` references name: Kubernetes expands a
/// reference only to a variable defined before it (or by `envFrom`), and leaves any other as
/// written. A reference to no variable is E0160, unless `env_from` may define it; so is a cycle.
fn order(
    d: &mut Diagnostics,
    path: &str,
    vars: &BTreeMap<String, (EnvValue, Option<Span>)>,
    env_from: bool,
) -> Vec<String> {
    let mut needs: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (n, (value, span)) in vars {
        let mut deps = BTreeSet::new();
        let text = match value {
            EnvValue::Literal(text) => text.as_str(),
            _ => "",
        };
        for r in references(text) {
            if vars.contains_key(r) && r != n {
                deps.insert(r);
            } else if !env_from && let Some(span) = span {
                let what = if r == n {
                    format!("`{n}` refers to itself")
                } else {
                    format!("`$({r})` names no variable of this container")
                };
                d.push(
                    Diagnostic::new(
                        &codes::E0160,
                        format!("`{path}.env.{n}`: {what}, so Kubernetes leaves it as written"),
                    )
                    .at(*span, "unexpanded reference")
                    .help(format!(
                        "define `{r}` in `env`, `secret_env` or `field_env`, or escape a literal `$(` as `$$(`"
                    )),
                );
            }
        }
        needs.insert(n.as_str(), deps);
    }
    // Kahn's algorithm, taking the first ready variable by name each time: with no references
    // this is name order.
    let mut waiting: BTreeMap<&str, usize> = BTreeMap::new();
    let mut users: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut ready: BTreeSet<&str> = BTreeSet::new();
    for (n, deps) in &needs {
        if deps.is_empty() {
            ready.insert(n);
        } else {
            waiting.insert(n, deps.len());
        }
        for dep in deps {
            users.entry(dep).or_default().push(n);
        }
    }
    let mut placed: Vec<String> = Vec::with_capacity(vars.len());
    while let Some(n) = ready.pop_first() {
        placed.push(n.to_string());
        for user in users.get(n).into_iter().flatten() {
            if let Some(left) = waiting.get_mut(user) {
                *left -= 1;
                if *left == 0 {
                    waiting.remove(user);
                    ready.insert(user);
                }
            }
        }
    }
    if !waiting.is_empty() {
        let stuck: Vec<&str> = waiting.keys().copied().collect();
        let span = stuck
            .iter()
            .find_map(|n| vars.get(*n).and_then(|(_, s)| *s))
            .unwrap_or_default();
        d.push(
            Diagnostic::new(
                &codes::E0160,
                format!(
                    "`{path}.env`: {} refer to each other, so no order defines them all first",
                    stuck
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .at(span, "a reference cycle")
            .help("break the cycle: give one of them a literal value"),
        );
        placed.extend(stuck.iter().map(|n| n.to_string()));
    }
    placed
}

/// The names in a value's `$(NAME)` references (`$$(` is an escaped `$(`).
pub fn references(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("$(") {
        if rest[..i].ends_with('$') {
            rest = &rest[i + 2..];
            continue;
        }
        let after = &rest[i + 2..];
        match after.find(')') {
            Some(j) if names::env_var_name(&after[..j]).is_ok() => {
                out.push(&after[..j]);
                rest = &after[j + 1..];
            }
            _ => rest = after,
        }
    }
    out
}

/// A variable name of `env`, `secret_env` or `field_env` (E0115).
fn name(d: &mut Diagnostics, path: &str, k: &Sp<String>) -> Option<()> {
    check::ok(
        d,
        &codes::E0115,
        path,
        k,
        names::env_var_name(&k.v),
        "names are letters, digits, `_`, `-` and `.`, not starting with a digit",
    )
}

fn secret_ref(d: &mut Diagnostics, path: &str, sp: &Sp<String>) -> Option<(String, String)> {
    match names::secret_key_ref(&sp.v) {
        Some((n, k)) => Some((n.to_string(), k.to_string())),
        None => {
            d.push(
                Diagnostic::new(
                    &codes::E0110,
                    format!(
                        "`{path}` must name a Secret and a key as `secret-name/key`, found {:?}",
                        sp.v
                    ),
                )
                .at(sp.span, "not `secret-name/key`")
                .help("the Secret name is a DNS name; the key is letters, digits, `-`, `_` or `.`"),
            );
            None
        }
    }
}

/// A field of the pod a variable may read (E0161).
fn field(d: &mut Diagnostics, path: &str, sp: &Sp<String>) -> Option<String> {
    let quoted_key = |prefix: &str| {
        sp.v.strip_prefix(prefix)
            .and_then(|r| r.strip_prefix("['"))
            .and_then(|r| r.strip_suffix("']"))
            .is_some_and(|k| names::label_key(k).is_ok())
    };
    if FIELDS.contains(&sp.v.as_str())
        || quoted_key("metadata.labels")
        || quoted_key("metadata.annotations")
    {
        return Some(sp.v.clone());
    }
    d.push(
        Diagnostic::new(
            &codes::E0162,
            format!("`{path}` is not a field a variable can read: {:?}", sp.v),
        )
        .at(sp.span, "not a pod field")
        .help(format!(
            "use one of {}, `metadata.labels['KEY']` or `metadata.annotations['KEY']`",
            FIELDS
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    );
    None
}

fn env_from(d: &mut Diagnostics, path: &str, e: &EnvFromSpec) -> Option<EnvFrom> {
    if !check::exactly_one(
        d,
        path,
        e.span,
        &[("config_map", &e.config_map), ("secret", &e.secret)],
        "`{ config_map = \"settings\" }` or `{ secret = \"credentials\" }`",
    ) {
        return None;
    }
    let (secret, sp) = match (&e.config_map, &e.secret) {
        (Some(c), _) => (false, c),
        (None, Some(s)) => (true, s),
        (None, None) => return None,
    };
    let key = if secret { "secret" } else { "config_map" };
    let name = check::subdomain_name(d, &format!("{path}.{key}"), sp)?;
    let prefix = match &e.prefix {
        Some(p) => {
            check::ok(
                d,
                &codes::E0115,
                &format!("{path}.prefix"),
                p,
                names::env_var_name(&format!("{}X", p.v)),
                "a prefix is the start of a variable name: letters, digits, `_`, `-` and `.`",
            )?;
            Some(p.v.clone())
        }
        None => None,
    };
    Some(EnvFrom {
        secret,
        name,
        prefix,
    })
}

/// Literal variables and variables from Secret keys (variable → (Secret, key)), by name: a
/// preset environment (the model downloader's) that has no references.
pub fn sorted(
    literal: &BTreeMap<String, String>,
    secret: &BTreeMap<String, (String, String)>,
) -> Vec<Env> {
    let mut env: Vec<Env> = literal
        .iter()
        .map(|(k, v)| Env {
            name: k.clone(),
            value: EnvValue::Literal(v.clone()),
        })
        .chain(secret.iter().map(|(k, (name, key))| Env {
            name: k.clone(),
            value: EnvValue::Secret {
                name: name.clone(),
                key: key.clone(),
            },
        }))
        .collect();
    env.sort_by(|a, b| a.name.cmp(&b.name));
    env
}

pub(super) fn resolve_files(
    d: &mut Diagnostics,
    path: &str,
    files: &[(Sp<String>, Sp<String>)],
) -> BTreeMap<String, (String, String)> {
    let mut out: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut seen: BTreeMap<String, Span> = BTreeMap::new();
    for (k, v) in files {
        let base = k.v.rsplit('/').next().unwrap_or_default();
        if !k.v.starts_with('/')
            || !names::data_key(base)
            || k.v.contains("//")
            || k.v.split('/').any(|s| s == "..")
        {
            d.push(
                Diagnostic::new(
                    &codes::E0130,
                    format!("`{path}` key {:?} is not an absolute file path", k.v),
                )
                .at(k.span, "not an absolute path to a file")
                .help(
                    "write the path the file has in the container, e.g. `\"/etc/app/config.yaml\"`",
                ),
            );
            continue;
        }
        if let Some(first) = seen.get(base) {
            d.push(
                Diagnostic::new(
                    &codes::E0130,
                    format!("two files in `{path}` are named `{base}`"),
                )
                .at(k.span, "second file with this name")
                .also(*first, "first one here")
                .help("file names become ConfigMap keys and must differ"),
            );
            continue;
        }
        seen.insert(base.to_string(), k.span);
        out.insert(base.to_string(), (k.v.clone(), v.v.clone()));
    }
    let total: usize = out.iter().map(|(k, (_, text))| k.len() + text.len()).sum();
    let largest = files.iter().max_by_key(|(_, v)| v.v.len());
    if let Some((k, v)) = largest.filter(|_| total > CONFIG_MAP_MAX_BYTES) {
        d.push(
            Diagnostic::new(
                &codes::E0009,
                format!(
                    "`{path}` hold {total} bytes; they become one ConfigMap, which Kubernetes limits to {CONFIG_MAP_MAX_BYTES} bytes"
                ),
            )
            .at(v.span, format!("`{}` alone is {} bytes", k.v, v.v.len()))
            .help("mount large files from a volume or bake them into the image; `files` is for small configuration"),
        );
        out.clear();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_skip_escapes_and_non_names() {
        assert_eq!(
            references("$(A)/x/$(B_C)$$(D) $(date +%s) $(E"),
            vec!["A", "B_C"]
        );
    }
}
