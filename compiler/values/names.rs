//! Kubernetes name rules (apimachinery's validation): DNS-1123 labels and subdomains, label keys
//! and values, environment variable names, port names, Ingress hostnames.

fn alnum_lower(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// A DNS-1123 label: at most 63 characters of `a-z`, `0-9` and `-`, alphanumeric at both ends.
pub fn dns1123_label(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("a name cannot be empty".to_string());
    }
    if s.len() > 63 {
        return Err(format!("`{s}` has {} characters; the limit is 63", s.len()));
    }
    if let Some(c) = s.chars().find(|c| !alnum_lower(*c) && *c != '-') {
        let why = if c.is_ascii_uppercase() {
            "uppercase letters are not allowed".to_string()
        } else {
            format!("`{c}` is not allowed")
        };
        return Err(format!("`{s}` is not a DNS-1123 label: {why}"));
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Err(format!(
            "`{s}` is not a DNS-1123 label: it must start and end with a letter or digit"
        ));
    }
    Ok(())
}

/// A DNS-1123 subdomain: at most 253 characters, dot-separated labels.
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
        if part.is_empty() || dns1123_label(part).is_err() {
            return Err(format!(
                "`{s}` is not a DNS-1123 subdomain: lowercase letters, digits, `-` and `.`, alphanumeric at both ends"
            ));
        }
    }
    Ok(())
}

fn qualified_name(s: &str) -> bool {
    let ok = |c: char| c.is_ascii_alphanumeric();
    !s.is_empty()
        && s.len() <= 63
        && s.starts_with(ok)
        && s.ends_with(ok)
        && s.chars().all(|c| ok(c) || "-_.".contains(c))
}

/// A label or annotation key: an optional DNS-subdomain prefix and `/`, then a name of at most
/// 63 characters (`A-Za-z0-9`, `-`, `_`, `.`, alphanumeric at both ends).
pub fn label_key(s: &str) -> Result<(), String> {
    let (prefix, name) = match s.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    if let Some(p) = prefix {
        dns1123_subdomain(p).map_err(|_| {
            format!("`{s}` has an invalid prefix `{p}`: it must be a DNS subdomain")
        })?;
    }
    if !qualified_name(name) {
        return Err(format!(
            "`{s}` is not a valid key: the name part must be 1–63 letters, digits, `-`, `_` or `.`, alphanumeric at both ends"
        ));
    }
    Ok(())
}

/// A label value: empty, or like a key's name part.
pub fn label_value(s: &str) -> Result<(), String> {
    if s.is_empty() || qualified_name(s) {
        Ok(())
    } else if s.len() > 63 {
        Err(format!(
            "`{s}` has {} characters; label values are limited to 63",
            s.len()
        ))
    } else {
        Err(format!(
            "`{s}` is not a valid label value: letters, digits, `-`, `_` or `.`, alphanumeric at both ends"
        ))
    }
}

/// An environment variable name as Kubernetes accepts it: `[-._a-zA-Z][-._a-zA-Z0-9]*`.
pub fn env_var_name(s: &str) -> Result<(), String> {
    let first_ok = s.starts_with(|c: char| c.is_ascii_alphabetic() || "-._".contains(c));
    if first_ok
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
    {
        Ok(())
    } else {
        Err(format!("`{s}` is not a valid environment variable name"))
    }
}

/// A port name (IANA service name): at most 15 characters, `a-z0-9-`, at least one letter, no
/// `-` at either end and no `--`.
pub fn port_name(s: &str) -> Result<(), String> {
    let valid = !s.is_empty()
        && s.len() <= 15
        && s.chars().all(|c| alnum_lower(c) || c == '-')
        && s.chars().any(|c| c.is_ascii_lowercase())
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--");
    if valid {
        Ok(())
    } else {
        Err(format!("`{s}` is not a valid port name"))
    }
}

/// An Ingress host: a lowercase DNS subdomain, optionally with a leading `*.` wildcard; no
/// scheme, port, path or IP address.
pub fn hostname(s: &str) -> Result<(), String> {
    if s.contains("://") {
        return Err(format!("`{s}` has a scheme; write the host name only"));
    }
    if s.contains('/') || s.contains(':') {
        return Err(format!(
            "`{s}` has a port or path; write the host name only"
        ));
    }
    if s.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!("`{s}`: hostnames are lowercase"));
    }
    let bare = s.strip_prefix("*.").unwrap_or(s);
    if !bare.is_empty()
        && bare
            .split('.')
            .all(|p| p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!(
            "`{s}` is an IP address; an Ingress host must be a DNS name"
        ));
    }
    dns1123_subdomain(bare).map_err(|_| format!("`{s}` is not a valid DNS name"))
}

/// A lowercase, dash-separated version of a bad name, for help lines ("My_App" → "my-app").
pub fn suggest_label(s: &str) -> Option<String> {
    let mut out = String::new();
    for c in s.chars() {
        let c = c.to_ascii_lowercase();
        if alnum_lower(c) {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out: String = out.trim_matches('-').chars().take(63).collect();
    let out = out.trim_end_matches('-').to_string();
    (dns1123_label(&out).is_ok()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_subdomains() {
        assert!(dns1123_label("sentiment-api").is_ok());
        assert!(dns1123_label("Sentiment").is_err());
        assert!(dns1123_label("-a").is_err());
        assert!(dns1123_label(&"a".repeat(64)).is_err());
        assert!(dns1123_subdomain("letsencrypt.prod").is_ok());
        assert!(dns1123_subdomain("a..b").is_err());
    }

    #[test]
    fn label_keys_and_values() {
        assert!(label_key("app.kubernetes.io/name").is_ok());
        assert!(label_key("team").is_ok());
        assert!(label_key("Bad Key").is_err());
        assert!(label_value("1.0+cuda12").is_err());
        assert!(label_value("").is_ok());
        assert!(label_value("v1.4.0").is_ok());
    }

    #[test]
    fn ports_envs_hosts() {
        assert!(port_name("http").is_ok());
        assert!(port_name("http-metrics-port").is_err());
        assert!(port_name("8080").is_err());
        assert!(env_var_name("HF_HOME").is_ok());
        assert!(env_var_name("1X").is_err());
        assert!(hostname("model.example.com").is_ok());
        assert!(hostname("*.example.com").is_ok());
        assert!(hostname("https://model.example.com").is_err());
        assert!(hostname("10.0.0.1").is_err());
        assert!(hostname("Model.example.com").is_err());
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest_label("My_App").as_deref(), Some("my-app"));
        assert_eq!(suggest_label("___"), None);
    }
}
