//! Attach spans to the span-less errors of the small-value parsers in `values`.

use crate::diagnostics::{Code, Diagnostic, Diagnostics, codes};
use crate::spec::read::Sp;
use crate::values::{duration, image, names, quantity::Quantity};

/// Turn a parser's `Result` into an `Option`, reporting the error at the value's span.
pub fn ok<T>(
    d: &mut Diagnostics,
    code: &'static Code,
    path: &str,
    sp: &Sp<String>,
    r: Result<T, String>,
    help: impl Into<String>,
) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            d.push(
                Diagnostic::new(code, format!("invalid `{path}`: {e}"))
                    .at(sp.span, label_for(code))
                    .help(help),
            );
            None
        }
    }
}

fn label_for(code: &Code) -> String {
    code.name.replace('-', " ")
}

pub fn quantity(d: &mut Diagnostics, path: &str, sp: &Sp<String>) -> Option<Quantity> {
    let q = ok(
        d,
        &codes::E0104,
        path,
        sp,
        Quantity::parse(&sp.v),
        "write a Kubernetes quantity such as `500m`, `2`, `512Mi` or `8Gi` (`Gi` is 2^30 bytes, `G` is 10^9)",
    )?;
    if q.is_negative() {
        d.push(
            Diagnostic::new(
                &codes::E0104,
                format!("invalid `{path}`: `{}` is negative", sp.v),
            )
            .at(sp.span, "negative")
            .help("resource amounts are zero or more"),
        );
        return None;
    }
    Some(q)
}

/// A duration in whole seconds.
pub fn seconds(d: &mut Diagnostics, path: &str, sp: &Sp<String>) -> Option<i64> {
    let dur = ok(
        d,
        &codes::E0106,
        path,
        sp,
        duration::parse_duration(&sp.v),
        "write a duration such as `90s`, `10m`, `1h30m` or `2d`",
    )?;
    match i64::try_from(dur.as_secs()) {
        Ok(s) if s <= i64::from(i32::MAX) => Some(s),
        _ => {
            d.push(
                Diagnostic::new(
                    &codes::E0106,
                    format!("invalid `{path}`: `{}` is too long", sp.v),
                )
                .at(sp.span, "too long")
                .help("Kubernetes stores these durations as 32-bit seconds (about 68 years)"),
            );
            None
        }
    }
}

/// A name that becomes (part of) an object name: a DNS-1123 label.
pub fn label_name(d: &mut Diagnostics, path: &str, sp: &Sp<String>) -> Option<String> {
    let help = match names::suggest_label(&sp.v) {
        Some(s) if s != sp.v => format!("names are lowercase letters, digits and `-`; try `{s}`"),
        _ => "names are lowercase letters, digits and `-`, starting and ending with a letter or digit"
            .to_string(),
    };
    ok(
        d,
        &codes::E0101,
        path,
        sp,
        names::dns1123_label(&sp.v),
        help,
    )?;
    Some(sp.v.clone())
}

/// A reference to another object by name (a PriorityClass, RuntimeClass, Secret).
pub fn subdomain_name(d: &mut Diagnostics, path: &str, sp: &Sp<String>) -> Option<String> {
    ok(
        d,
        &codes::E0101,
        path,
        sp,
        names::dns1123_subdomain(&sp.v),
        "object names are lowercase letters, digits, `-` and `.`",
    )?;
    Some(sp.v.clone())
}

/// An HTTP path (a probe's, an Ingress's or an HTTPRoute's): it starts with `/` (E0117).
pub fn http_path(d: &mut Diagnostics, path: &str, sp: &Sp<String>) -> Option<String> {
    if sp.v.starts_with('/') {
        return Some(sp.v.clone());
    }
    d.push(
        Diagnostic::new(
            &codes::E0117,
            format!("`{path}` must start with `/`, found {:?}", sp.v),
        )
        .at(sp.span, "not an absolute path")
        .help(format!("write `\"/{}\"`", sp.v.trim_start_matches('/'))),
    );
    None
}

/// Validate `key = value` label pairs (also used for node selectors).
pub fn labels(
    d: &mut Diagnostics,
    path: &str,
    pairs: &[(Sp<String>, Sp<String>)],
    values_too: bool,
) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    for (k, v) in pairs {
        let kp = format!("{path}.{}", k.v);
        let key_ok = ok(
            d,
            &codes::E0102,
            &kp,
            k,
            names::label_key(&k.v),
            "keys are an optional DNS prefix and `/`, then up to 63 letters, digits, `-`, `_` or `.`",
        )
        .is_some();
        let value_ok = !values_too
            || ok(
                d,
                &codes::E0102,
                &kp,
                v,
                names::label_value(&v.v),
                "label values are up to 63 letters, digits, `-`, `_` or `.`, starting and ending alphanumeric",
            )
            .is_some();
        if key_ok && value_ok {
            out.insert(k.v.clone(), v.v.clone());
        }
    }
    out
}

/// E0102 when the annotations that objects carry — the spec's `app.annotations` and the
/// `[waivers]` written as `checkov.io/skipN` — hold more than Kubernetes allows on one object.
pub fn annotations_fit(
    d: &mut Diagnostics,
    written: &[(Sp<String>, Sp<String>)],
    annotations: &std::collections::BTreeMap<String, String>,
    waivers: &[(String, String)],
) {
    use crate::values::limits::ANNOTATIONS_MAX_BYTES;
    let own: usize = annotations.iter().map(|(k, v)| k.len() + v.len()).sum();
    let skips: usize = waivers
        .iter()
        .enumerate()
        .map(|(i, (id, reason))| {
            format!("checkov.io/skip{}", i + 1).len() + id.len() + 1 + reason.len()
        })
        .sum();
    let total = own + skips;
    let largest = written.iter().max_by_key(|(k, v)| k.v.len() + v.v.len());
    if total <= ANNOTATIONS_MAX_BYTES {
        return;
    }
    let Some((key, value)) = largest else {
        return;
    };
    d.push(
        Diagnostic::new(
            &codes::E0102,
            format!(
                "`app.annotations` hold {total} bytes with the `[waivers]` mlspec writes beside them; Kubernetes allows {ANNOTATIONS_MAX_BYTES} bytes of annotations on an object"
            ),
        )
        .at(value.span, format!("`{}` alone is {} bytes", key.v, value.v.len()))
        .help("annotations are for small metadata: mount large content as a file (`files`) instead"),
    );
}

/// One of a fixed set of words (`concurrency = "forbid"`), case-insensitive.
pub fn choice<'a>(
    d: &mut Diagnostics,
    path: &str,
    sp: &Sp<String>,
    allowed: &[&'a str],
) -> Option<&'a str> {
    if let Some(a) = allowed.iter().find(|a| a.eq_ignore_ascii_case(&sp.v)) {
        return Some(a);
    }
    let list = allowed
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut diag = Diagnostic::new(
        &codes::E0008,
        format!("`{path}` must be one of {list}, found `{}`", sp.v),
    )
    .at(sp.span, "not an allowed value");
    diag = match crate::values::suggest::suggest(&sp.v, allowed.iter()) {
        Some(s) => diag.help(format!("did you mean `{s}`?")),
        None => diag.help(format!("use one of {list}")),
    };
    d.push(diag);
    None
}

/// Exactly one of several mutually exclusive keys of a table must be set; reports
/// `conflicting-keys` (with every extra key labelled) otherwise.
pub fn exactly_one(
    d: &mut Diagnostics,
    path: &str,
    table: crate::source::Span,
    keys: &[(&str, &Option<Sp<String>>)],
    example: &str,
) -> bool {
    let given: Vec<&Sp<String>> = keys.iter().filter_map(|(_, v)| v.as_ref()).collect();
    if given.len() == 1 {
        return true;
    }
    let names = keys
        .iter()
        .map(|(k, _)| format!("`{k}`"))
        .collect::<Vec<_>>();
    let (last, rest) = names
        .split_last()
        .map_or((String::new(), &[][..]), |(l, r)| (l.clone(), r));
    let mut diag = Diagnostic::new(
        &codes::E0007,
        format!(
            "`{path}` must name exactly one of {} or {last}",
            rest.join(", ")
        ),
    )
    .at(table, path.rsplit('.').next().unwrap_or(path).to_string());
    for g in given.iter().skip(1) {
        diag = diag.also(g.span, "another one");
    }
    d.push(diag.help(format!("e.g. {example}")));
    false
}

/// An image reference (E0103): a moving tag is W0001, a tag without a digest W0002.
pub fn image(d: &mut Diagnostics, path: &str, sp: &Sp<String>) -> String {
    let parsed = ok(
        d,
        &codes::E0103,
        path,
        sp,
        image::parse_image(&sp.v),
        "write `registry/name:tag`, `name@sha256:<digest>` or both",
    );
    let Some(r) = parsed else {
        return sp.v.clone();
    };
    if r.is_latest() {
        d.push(
            Diagnostic::new(
                &codes::W0001,
                format!(
                    "`{path}` uses a moving tag: `{}` can change under a running deployment",
                    sp.v
                ),
            )
            .at(sp.span, "no fixed version")
            .help("pin a version tag (`name:1.4.0`) or a digest (`name@sha256:…`)"),
        );
    } else if !r.has_digest() {
        d.push(
            Diagnostic::new(
                &codes::W0002,
                format!("`{path}` is pinned by tag only: `{}` can be re-pushed", sp.v),
            )
            .at(sp.span, "no digest")
            .help("add the digest: `name:tag@sha256:…` (`crane digest IMAGE` prints it); the tag stays for people"),
        );
    }
    sp.v.clone()
}

/// `model.cache.access` and `ephemeral.access`, spelled as a spec writes them, and the
/// Kubernetes access mode of each.
pub const ACCESS_MODES: &[&str] = &["read-write-once", "read-write-many", "read-write-once-pod"];
const K8S_ACCESS_MODES: [&str; 3] = ["ReadWriteOnce", "ReadWriteMany", "ReadWriteOncePod"];

/// The Kubernetes access mode a spelling names (`read-write-many`; `ReadWriteMany` too).
fn k8s_access(s: &str) -> Option<&'static str> {
    let plain = s.replace('-', "");
    ACCESS_MODES
        .iter()
        .position(|a| a.replace('-', "").eq_ignore_ascii_case(&plain))
        .map(|i| K8S_ACCESS_MODES[i])
}

/// A claim's access mode (E0008 for another word).
pub fn access_mode(d: &mut Diagnostics, path: &str, sp: &Sp<String>) -> Option<&'static str> {
    k8s_access(&sp.v).or_else(|| {
        choice(d, path, sp, ACCESS_MODES);
        None
    })
}

/// The catalog's access mode for a claim the spec gives none.
pub fn default_access(defaults: &crate::stdlib::ModelDefaults) -> &'static str {
    k8s_access(&defaults.access).unwrap_or(K8S_ACCESS_MODES[0])
}
