//! Container image references (the distribution reference grammar): `name`, `name:tag`,
//! `name@sha256:<hex>`, `registry:5000/path/name:tag@sha256:<hex>`.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    pub registry: Option<String>,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageRef {
    /// No fixed version: no tag and no digest, or the `latest` tag without a digest.
    pub fn is_latest(&self) -> bool {
        self.digest.is_none() && self.tag.as_deref().is_none_or(|t| t == "latest")
    }

    pub fn has_digest(&self) -> bool {
        self.digest.is_some()
    }
}

pub fn parse_image(s: &str) -> Result<ImageRef, String> {
    if s.is_empty() {
        return Err("an empty string is not an image reference".to_string());
    }
    if s.len() > 512 {
        return Err("image references are limited to 512 characters".to_string());
    }
    if s.chars().any(|c| c.is_whitespace()) {
        return Err(format!("`{s}` contains whitespace"));
    }
    let (rest, digest) = match s.split_once('@') {
        Some((r, d)) => (r, Some(digest(s, d)?)),
        None => (s, None),
    };
    // A tag follows the last ':' after the last '/' (a ':' before it is a registry port).
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(t) = tag {
        let ok = !t.is_empty()
            && t.len() <= 128
            && t.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if !ok {
            return Err(format!(
                "`{s}` has an invalid tag `{t}`: letters, digits, `_`, `.` and `-`, at most 128"
            ));
        }
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    let registry = match parts.first() {
        Some(first)
            if parts.len() > 1
                && (first.contains('.') || first.contains(':') || *first == "localhost") =>
        {
            let host = first.split(':').next().unwrap_or_default();
            let port = first.split_once(':').map(|(_, p)| p);
            if host.is_empty()
                || !host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
                || port.is_some_and(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(format!("`{s}` has an invalid registry `{first}`"));
            }
            let r = first.to_string();
            parts.remove(0);
            Some(r)
        }
        _ => None,
    };
    for p in &parts {
        if !path_component(p) {
            let why = if p.chars().any(|c| c.is_ascii_uppercase()) {
                "repository names are lowercase"
            } else {
                "lowercase letters, digits and `.`, `_`, `-` separators"
            };
            return Err(format!("`{s}` has an invalid repository part `{p}`: {why}"));
        }
    }
    Ok(ImageRef {
        registry,
        repository: parts.join("/"),
        tag: tag.map(str::to_string),
        digest,
    })
}

fn path_component(p: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if p.is_empty() || !p.starts_with(alnum) || !p.ends_with(alnum) {
        return false;
    }
    // Separators: `.`, `_`, `__`, or one or more `-`.
    let mut prev_sep = String::new();
    for c in p.chars() {
        if alnum(c) {
            if !(prev_sep.is_empty()
                || prev_sep == "."
                || prev_sep == "_"
                || prev_sep == "__"
                || prev_sep.chars().all(|x| x == '-'))
            {
                return false;
            }
            prev_sep.clear();
        } else if ".-_".contains(c) {
            prev_sep.push(c);
        } else {
            return false;
        }
    }
    true
}

fn digest(s: &str, d: &str) -> Result<String, String> {
    let (alg, hex) = d
        .split_once(':')
        .ok_or_else(|| format!("`{s}` has a digest without an algorithm (`sha256:…`)"))?;
    let len = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => {
            return Err(format!(
                "`{s}` has an unknown digest algorithm `{alg}` (expected sha256)"
            ));
        }
    };
    if hex.len() != len
        || !hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(format!(
            "`{s}`: a {alg} digest is {len} lowercase hex characters"
        ));
    }
    Ok(d.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:4f1c2a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a19";

    #[test]
    fn accepts_real_references() {
        let r = parse_image("registry.example.com:5000/ml/llm-server:1.4.2").expect("ok");
        assert_eq!(r.registry.as_deref(), Some("registry.example.com:5000"));
        assert_eq!(r.repository, "ml/llm-server");
        assert_eq!(r.tag.as_deref(), Some("1.4.2"));
        assert!(parse_image("tensorflow/serving:2.15.0-gpu").is_ok());
        let r = parse_image(&format!("vllm/vllm-openai:v0.6.3@{D}")).expect("ok");
        assert!(r.has_digest() && !r.is_latest());
        assert!(parse_image(&format!("busybox@{D}")).is_ok());
        assert!(parse_image("localhost/x").is_ok());
    }

    #[test]
    fn latest_and_untagged() {
        assert!(parse_image("python").expect("ok").is_latest());
        assert!(parse_image("python:latest").expect("ok").is_latest());
        assert!(!parse_image("python:3.12").expect("ok").is_latest());
    }

    #[test]
    fn rejects_bad_references() {
        for bad in [
            "",
            "My/Image:1",
            "a b",
            "x:",
            "x:-bad",
            "x@sha256:abc",
            "x@md5:abcd",
            "x//y",
            "-x",
            "x:1@sha256:ZZ",
        ] {
            assert!(parse_image(bad).is_err(), "{bad:?}");
        }
    }
}
