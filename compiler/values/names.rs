//! Kubernetes name rules (apimachinery's validation): DNS-1123 labels and subdomains, label keys
//! and values, environment variable names, port names, Ingress hostnames, and a fixed-up name
//! to suggest when one is wrong.

fn alnum_lower(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// Why `s` breaks the DNS-1123 label pattern `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, if it does.
fn label_fault(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("it is empty".to_string());
    }
    if let Some(c) = s.chars().find(|c| !alnum_lower(*c) && *c != '-') {
        return Some(if c.is_ascii_uppercase() {
            "uppercase letters are not allowed".to_string()
        } else {
            format!("`{}` is not allowed", c.escape_debug())
        });
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Some("it must start and end with a letter or digit".to_string());
    }
    None
}

/// A DNS-1123 label: at most 63 characters of `a-z`, `0-9` and `-`, alphanumeric at both ends.
pub fn dns1123_label(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("a name cannot be empty".to_string());
    }
    if s.len() > 63 {
        return Err(format!("`{s}` has {} characters; the limit is 63", s.len()));
    }
    match label_fault(s) {
        Some(why) => Err(format!("`{s}` is not a DNS-1123 label: {why}")),
        None => Ok(()),
    }
}

/// A DNS-1123 subdomain: at most 253 characters, labels joined by `.` (as upstream, a single
/// label is not limited to 63 characters here).
pub fn dns1123_subdomain(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("a name cannot be empty".to_string());
    }
    if s.len() > 253 {
        return Err(format!(
            "`{s}` has {} characters; the limit is 253",
            s.len()
        ));
    }
    for part in s.split('.') {
        if let Some(why) = label_fault(part) {
            let why = if part.is_empty() {
                "it has an empty part between dots".to_string()
            } else {
                format!("in `{part}`, {why}")
            };
            return Err(format!("`{s}` is not a DNS-1123 subdomain: {why}"));
        }
    }
    Ok(())
}

/// Why `s` is not a qualified name's name part, if it is not.
fn name_fault(s: &str) -> Option<String> {
    let ok = |c: char| c.is_ascii_alphanumeric();
    if s.len() > 63 {
        Some(format!("it has {} characters; the limit is 63", s.len()))
    } else if s.is_empty()
        || !s.starts_with(ok)
        || !s.ends_with(ok)
        || !s.chars().all(|c| ok(c) || "-_.".contains(c))
    {
        Some("letters, digits, `-`, `_` or `.`, alphanumeric at both ends".to_string())
    } else {
        None
    }
}

/// A label or annotation key: an optional DNS-subdomain prefix and `/`, then a name of at most
/// 63 characters (`A-Za-z0-9`, `-`, `_`, `.`, alphanumeric at both ends).
pub fn label_key(s: &str) -> Result<(), String> {
    let mut parts = s.split('/');
    let (prefix, name) = match (parts.next(), parts.next(), parts.next()) {
        (Some(name), None, _) => (None, name),
        (Some(prefix), Some(name), None) => (Some(prefix), name),
        _ => {
            return Err(format!(
                "`{s}` is not a valid key: it has more than one `/`"
            ));
        }
    };
    match prefix {
        Some("") => {
            return Err(format!(
                "`{s}` is not a valid key: the prefix before `/` is empty"
            ));
        }
        Some(p) if dns1123_subdomain(p).is_err() => {
            return Err(format!(
                "`{s}` has an invalid prefix `{p}`: it must be a DNS subdomain"
            ));
        }
        _ => {}
    }
    match name_fault(name) {
        Some(why) if prefix.is_some() => {
            Err(format!("`{s}` has an invalid name part `{name}`: {why}"))
        }
        Some(why) => Err(format!("`{s}` is not a valid key: {why}")),
        None => Ok(()),
    }
}

/// A label value: empty, or like a key's name part.
pub fn label_value(s: &str) -> Result<(), String> {
    if s.len() > 63 {
        return Err(format!(
            "`{s}` has {} characters; label values are limited to 63",
            s.len()
        ));
    }
    match name_fault(s) {
        Some(why) if !s.is_empty() => Err(format!("`{s}` is not a valid label value: {why}")),
        _ => Ok(()),
    }
}

/// An environment variable name as Kubernetes accepts it, `[-._a-zA-Z][-._a-zA-Z0-9]*`, and
/// not `.`, `..` or anything starting with `..`.
/// A key of a Secret's or ConfigMap's data: 1 to 253 letters, digits, `-`, `_` or `.`.
pub fn data_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 253
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
}

/// `secret-name/key`: a Secret's name and a key of its data, each valid.
pub fn secret_key_ref(s: &str) -> Option<(&str, &str)> {
    s.split_once('/')
        .filter(|(n, k)| dns1123_subdomain(n).is_ok() && data_key(k))
}

pub fn env_var_name(s: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._".contains(c);
    if s.is_empty() {
        return Err("an environment variable name cannot be empty".to_string());
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) || !s.chars().all(allowed) {
        return Err(format!("`{s}` is not a valid environment variable name"));
    }
    if s == "." || s.starts_with("..") {
        return Err(format!(
            "`{s}` is not a valid environment variable name: it must not be `.` or start with `..`"
        ));
    }
    Ok(())
}

/// A port name (IANA service name): at most 15 characters, `a-z0-9-`, at least one letter, no
/// `-` at either end and no `--`.
pub fn port_name(s: &str) -> Result<(), String> {
    let why = if s.is_empty() {
        "it is empty".to_string()
    } else if s.len() > 15 {
        format!("it has {} characters; the limit is 15", s.len())
    } else if let Some(c) = s.chars().find(|c| !alnum_lower(*c) && *c != '-') {
        if c.is_ascii_uppercase() {
            "uppercase letters are not allowed".to_string()
        } else {
            format!(
                "`{}` is not allowed (only a-z, 0-9 and `-`)",
                c.escape_debug()
            )
        }
    } else if !s.chars().any(|c| c.is_ascii_lowercase()) {
        "it needs at least one letter".to_string()
    } else if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
        "`-` may not start or end it or come twice in a row".to_string()
    } else {
        return Ok(());
    };
    Err(format!("`{s}` is not a valid port name: {why}"))
}

/// An Ingress host: a lowercase DNS subdomain, optionally with a leading `*.` wildcard; no
/// scheme, port, path, trailing dot or IP address. Stricter than the API server in one way:
/// each label is at most 63 characters, as DNS requires.
pub fn hostname(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("an empty string is not a hostname".to_string());
    }
    if s.contains("://") {
        return Err(format!("`{s}` has a scheme; write the host name only"));
    }
    let unbracketed = s.trim_start_matches('[').trim_end_matches(']');
    if unbracketed.parse::<std::net::Ipv6Addr>().is_ok() || is_ipv4(s) {
        return Err(format!(
            "`{s}` is an IP address; an Ingress host must be a DNS name"
        ));
    }
    if s.contains('/') || s.contains(':') {
        return Err(format!(
            "`{s}` has a port or path; write the host name only"
        ));
    }
    if s.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!("`{s}`: hostnames are lowercase"));
    }
    if s.len() > 1 && s.ends_with('.') {
        return Err(format!("`{s}` ends with a dot; write the name without it"));
    }
    let bare = s.strip_prefix("*.").unwrap_or(s);
    if bare.contains('*') {
        return Err(format!(
            "`{s}`: a wildcard must be the whole first label, as in `*.example.com`"
        ));
    }
    if let Some(long) = bare.split('.').find(|l| l.len() > 63) {
        return Err(format!(
            "`{s}` has a label of {} characters; DNS allows 63",
            long.len()
        ));
    }
    dns1123_subdomain(bare).map_err(|e| format!("`{s}` is not a valid DNS name ({e})"))
}

/// Four dot-separated decimal numbers up to 255 (leading zeros allowed, as Go's sloppy parse).
fn is_ipv4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.parse::<u16>().is_ok_and(|n| n <= 255)
                && p.bytes().all(|b| b.is_ascii_digit())
        })
}

/// A custom or external metric's name: apimachinery's path segment name, as the HPA validation
/// asks (not empty, not `.` or `..`, no `/` or `%`).
pub fn metric_name(s: &str) -> Result<(), String> {
    match s {
        "" => Err("a metric name cannot be empty".to_string()),
        "." | ".." => Err(format!("`{s}` is not a metric name")),
        _ => match s.chars().find(|c| matches!(c, '/' | '%')) {
            Some(c) => Err(format!("`{s}` contains `{c}`, which a metric name may not")),
            None => Ok(()),
        },
    }
}

/// A lowercase, dash-separated version of a bad name, for help lines ("My_App" → "my-app");
/// `None` when the name is already a valid label or nothing usable is left.
pub fn suggest_label(s: &str) -> Option<String> {
    if dns1123_label(s).is_ok() {
        return None;
    }
    let mut out = String::new();
    for c in s.chars() {
        let c = c.to_ascii_lowercase();
        if alnum_lower(c) {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out: String = out.chars().take(63).collect();
    let out = out.trim_end_matches('-').to_string();
    dns1123_label(&out).is_ok().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_subdomains() {
        for ok in ["a", "0", "sentiment-api", "a--b", "1a", &"a".repeat(63)] {
            assert_eq!(dns1123_label(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "Sentiment",
            "-a",
            "a-",
            "a_b",
            "a.b",
            "a b",
            "ä",
            &"a".repeat(64),
        ] {
            assert!(dns1123_label(bad).is_err(), "{bad}");
        }
        assert_eq!(
            dns1123_label("Sentiment_API"),
            Err(
                "`Sentiment_API` is not a DNS-1123 label: uppercase letters are not allowed".into()
            )
        );
        for ok in [
            "letsencrypt.prod",
            "a.b.c",
            "1.2.3.4",
            "a-1.b-2",
            &"a".repeat(64),
        ] {
            assert_eq!(dns1123_subdomain(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "a..b",
            ".a",
            "a.",
            "A.b",
            "a_b.c",
            "a.-b",
            &"a.".repeat(127),
        ] {
            assert!(dns1123_subdomain(bad).is_err(), "{bad}");
        }
        assert!(
            dns1123_subdomain("a..b")
                .unwrap_err()
                .contains("empty part")
        );
    }

    #[test]
    fn label_keys_and_values() {
        for ok in [
            "app.kubernetes.io/name",
            "team",
            "A_b.C-9",
            "example.com/X",
            "a",
        ] {
            assert_eq!(label_key(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("Bad Key", "not a valid key"),
            ("/name", "prefix before `/` is empty"),
            ("a/b/c", "more than one `/`"),
            ("Example.com/x", "invalid prefix"),
            ("example.com/", "invalid name part ``"),
            ("example.com/-x", "alphanumeric at both ends"),
            ("", "not a valid key"),
            ("_a", "not a valid key"),
        ] {
            let e = label_key(bad).expect_err(bad);
            assert!(e.contains(why), "{bad}: {e}");
        }
        assert!(
            label_key(&"a".repeat(64))
                .unwrap_err()
                .contains("64 characters")
        );
        assert!(label_key(&format!("{}/a", "a".repeat(254))).is_err());
        for ok in ["", "v1.4.0", "A", "a_b-c.d", &"z".repeat(63)] {
            assert_eq!(label_value(ok), Ok(()), "{ok}");
        }
        for bad in ["-a", "a-", "a b", "a/b", ".", &"z".repeat(64)] {
            assert!(label_value(bad).is_err(), "{bad}");
        }
        assert_eq!(
            label_value("1.4.0+cuda12"),
            Err("`1.4.0+cuda12` is not a valid label value: letters, digits, `-`, `_` or `.`, alphanumeric at both ends".into())
        );
    }

    #[test]
    fn env_var_names() {
        for ok in [
            "HF_HOME",
            "my.env-name",
            "MY_ENV.NAME",
            "MyEnvName1",
            "_",
            "-x",
            ".a",
        ] {
            assert_eq!(env_var_name(ok), Ok(()), "{ok}");
        }
        for bad in ["", "1X", "A=B", "A B", "Ä", ".", "..", "..a", "a$"] {
            assert!(env_var_name(bad).is_err(), "{bad}");
        }
        assert_eq!(
            env_var_name("1ST_STAGE"),
            Err("`1ST_STAGE` is not a valid environment variable name".into())
        );
    }

    #[test]
    fn port_names() {
        for ok in [
            "http",
            "h2c",
            "grpc-web",
            "a",
            "metrics-9090",
            "abcdefghijklmno",
        ] {
            assert_eq!(port_name(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("http-metrics-port", "17 characters"),
            ("8080", "at least one letter"),
            ("HTTP", "uppercase"),
            ("a_b", "`_` is not allowed"),
            ("-a", "`-`"),
            ("a-", "`-`"),
            ("a--b", "`-`"),
        ] {
            let e = port_name(bad).expect_err(bad);
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn ingress_hosts() {
        for ok in [
            "model.example.com",
            "*.example.com",
            "localhost",
            "a-b.c",
            "123",
            "*.com",
        ] {
            assert_eq!(hostname(ok), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("https://model.example.com", "has a scheme"),
            ("10.0.0.1", "IP address"),
            ("::1", "IP address"),
            ("[2001:db8::1]", "IP address"),
            ("Model.example.com", "hostnames are lowercase"),
            ("model.example.com:443", "port or path"),
            ("model.example.com/v1", "port or path"),
            ("example.com.", "ends with a dot"),
            ("a.*.com", "wildcard"),
            ("*", "wildcard"),
            ("**.example.com", "wildcard"),
            ("under_score.com", "not a valid DNS name"),
            ("a..b", "not a valid DNS name"),
            (".", "not a valid DNS name"),
        ] {
            let e = hostname(bad).expect_err(bad);
            assert!(e.contains(why), "{bad}: {e}");
        }
        let long = format!("{}.example.com", "a".repeat(64));
        assert!(hostname(&long).unwrap_err().contains("DNS allows 63"));
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest_label("My_App").as_deref(), Some("my-app"));
        assert_eq!(
            suggest_label("Sentiment API v2").as_deref(),
            Some("sentiment-api-v2")
        );
        assert_eq!(suggest_label("__x__").as_deref(), Some("x"));
        assert_eq!(suggest_label("ok-already"), None);
        assert_eq!(suggest_label("___"), None);
        assert_eq!(suggest_label("日本"), None);
        let long = suggest_label(&format!("{}_", "A".repeat(100))).unwrap_or_default();
        assert_eq!(long.len(), 63);
        assert_eq!(dns1123_label(&long), Ok(()));
    }
}
