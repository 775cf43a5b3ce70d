//! A container's environment and files: literal `env` (a value that looks like a secret is
//! refused), `secret_env` references to Secret keys, and `files` mounted from a ConfigMap.

use std::collections::BTreeMap;

use super::check;
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::spec::Container;
use crate::spec::read::Sp;
use crate::values::limits::CONFIG_MAP_MAX_BYTES;
use crate::values::{names, secret};

/// Adds the spec's literal `env` (at `path`) to `env`, over the runtime's.
pub(super) fn resolve_env(
    d: &mut Diagnostics,
    path: &str,
    c: &Container,
    env: &mut BTreeMap<String, String>,
) {
    for (k, v) in &c.env {
        let path = format!("{path}.{}", k.v);
        if env_name(d, &path, k).is_none() {
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
        env.insert(k.v.clone(), v.v.clone());
    }
}

/// The spec's `secret_env` (at `path`): each variable's Secret name and key.
pub(super) fn resolve_secret_env(
    d: &mut Diagnostics,
    path: &str,
    c: &Container,
) -> BTreeMap<String, (String, String)> {
    let mut secret_env = BTreeMap::new();
    for (k, v) in &c.secret_env {
        let path = format!("{path}.{}", k.v);
        let name_ok = env_name(d, &path, k);
        if let Some(twin) = c.env.iter().find(|(e, _)| e.v == k.v) {
            d.push(
                Diagnostic::new(
                    &codes::E0128,
                    format!("`{}` is set in both `env` and `secret_env`", k.v),
                )
                .at(k.span, "from a Secret here")
                .also(twin.0.span, "and as a literal here")
                .help("keep one of the two"),
            );
            continue;
        }
        if let (Some(()), Some(r)) = (name_ok, secret_ref(d, &path, v)) {
            secret_env.insert(k.v.clone(), r);
        }
    }
    secret_env
}

/// A variable name of `env` or `secret_env` (E0115).
fn env_name(d: &mut Diagnostics, path: &str, k: &Sp<String>) -> Option<()> {
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
    let parsed =
        sp.v.split_once('/')
            .filter(|(n, k)| names::dns1123_subdomain(n).is_ok() && is_data_key(k));
    match parsed {
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

pub(super) fn resolve_files(
    d: &mut Diagnostics,
    path: &str,
    files: &[(Sp<String>, Sp<String>)],
) -> BTreeMap<String, (String, String)> {
    let mut out: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut seen: BTreeMap<String, crate::source::Span> = BTreeMap::new();
    for (k, v) in files {
        let base = k.v.rsplit('/').next().unwrap_or_default();
        if !k.v.starts_with('/')
            || !is_data_key(base)
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

/// A key of a Secret's or ConfigMap's data: 1 to 253 letters, digits, `-`, `_` or `.`.
fn is_data_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 253
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
}
