//! Container image references (the distribution reference grammar): `name`, `name:tag`,
//! `name@sha256:<hex>`, `registry:5000/path/name:tag@sha256:<hex>`.
//!
//! The first path component is a registry when it has a `.` or a `:` or is `localhost`, as
//! Docker decides. One deliberate difference: Docker also takes a first component with an
//! uppercase letter for a registry (`MyOrg/app`), which only fails later at pull time; here it
//! is a repository part and so an error ("repository names are lowercase").

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

/// Parse and check a reference; the parts are returned exactly as written.
pub fn parse_image(s: &str) -> Result<ImageRef, String> {
    if s.is_empty() {
        return Err("an empty string is not an image reference".to_string());
    }
    if s.len() > 512 {
        return Err("image references are limited to 512 characters".to_string());
    }
    if s.chars().any(char::is_whitespace) {
        return Err(format!("`{s}` contains whitespace"));
    }
    let (rest, digest) = match s.split_once('@') {
        Some((r, d)) => (r, Some(digest(s, d)?)),
        None => (s, None),
    };
    // A tag follows the last ':' after the last '/' (a ':' before it is a registry port).
    let after_slash = rest.rsplit('/').next().unwrap_or(rest);
    let (name, tag) = match after_slash.rsplit_once(':') {
        Some((_, t)) => (
            rest.strip_suffix(t)
                .and_then(|n| n.strip_suffix(':'))
                .unwrap_or(rest),
            Some(t),
        ),
        None => (rest, None),
    };
    if let Some(t) = tag {
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let ok = !t.is_empty()
            && t.len() <= 128
            && t.starts_with(word)
            && t.chars().all(|c| word(c) || c == '.' || c == '-');
        if !ok {
            return Err(format!(
                "`{s}` has an invalid tag `{t}`: letters, digits, `_`, `.` and `-`, at most 128, not starting with `.` or `-`"
            ));
        }
    }
    if name.is_empty() {
        return Err(format!("`{s}` has no repository name"));
    }
    if name.len() > 255 {
        return Err(format!(
            "`{s}` has a name of {} characters; the limit is 255",
            name.len()
        ));
    }
    let (registry, path) = match name.split_once('/') {
        Some((first, path))
            if first.contains('.') || first.contains(':') || first == "localhost" =>
        {
            if !registry_ok(first) {
                return Err(format!("`{s}` has an invalid registry `{first}`"));
            }
            (Some(first.to_string()), path)
        }
        _ => (None, name),
    };
    for p in path.split('/') {
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
        repository: path.to_string(),
        tag: tag.map(str::to_string),
        digest,
    })
}

/// `host[:port]`: dot-separated components of letters, digits and inner `-`, or `[ipv6]`.
fn registry_ok(r: &str) -> bool {
    let (host, port) = if let Some(v6) = r.strip_prefix('[') {
        match v6.split_once(']') {
            Some((addr, tail)) if addr.parse::<std::net::Ipv6Addr>().is_ok() => {
                match tail.strip_prefix(':') {
                    Some(p) => ("ipv6", Some(p)),
                    None if tail.is_empty() => ("ipv6", None),
                    None => return false,
                }
            }
            _ => return false,
        }
    } else {
        match r.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (r, None),
        }
    };
    let component = |c: &str| {
        !c.is_empty()
            && !c.starts_with('-')
            && !c.ends_with('-')
            && c.chars().all(|x| x.is_ascii_alphanumeric() || x == '-')
    };
    host.split('.').all(component)
        && port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `[a-z0-9]+` runs joined by one separator each: `.`, `_`, `__`, or any number of `-`.
fn path_component(p: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if !p.starts_with(alnum) || !p.ends_with(alnum) {
        return false;
    }
    p.split(alnum).all(|sep| {
        sep.is_empty() || sep == "." || sep == "_" || sep == "__" || sep.chars().all(|c| c == '-')
    })
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

    fn ok(s: &str) -> ImageRef {
        parse_image(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn splits_real_references() {
        let r = ok("registry.example.com:5000/ml/llm-server:1.4.2");
        assert_eq!(r.registry.as_deref(), Some("registry.example.com:5000"));
        assert_eq!(r.repository, "ml/llm-server");
        assert_eq!(r.tag.as_deref(), Some("1.4.2"));
        let r = ok(&format!("vllm/vllm-openai:v0.6.3@{D}"));
        assert_eq!(
            (r.registry, r.repository.as_str()),
            (None, "vllm/vllm-openai")
        );
        assert_eq!(
            (r.tag.as_deref(), r.digest.as_deref()),
            (Some("v0.6.3"), Some(D))
        );
        let r = ok(&format!("busybox@{D}"));
        assert!(r.tag.is_none() && r.has_digest() && !r.is_latest());
        let r = ok("localhost:5000/a/b:1");
        assert_eq!(
            (r.registry.as_deref(), r.repository.as_str()),
            (Some("localhost:5000"), "a/b")
        );
        assert_eq!(ok("localhost/x").registry.as_deref(), Some("localhost"));
        assert_eq!(ok("localhost").registry, None);
        assert_eq!(ok("[::1]:5000/x").registry.as_deref(), Some("[::1]:5000"));
        assert_eq!(
            ok("Registry.Example.com/x").registry.as_deref(),
            Some("Registry.Example.com")
        );
        assert_eq!(ok("a/b/c/d/e").repository, "a/b/c/d/e");
        for s in [
            "tensorflow/serving:2.15.0-gpu",
            "nvcr.io/nvidia/tritonserver:24.08-py3",
            "ghcr.io/huggingface/text-generation-inference:2.4.1",
            "a__b/c---d/e.f/g_h:_tag",
            "x:TAG_1.0-rc",
            "127.0.0.1:5000/x",
        ] {
            ok(s);
        }
        let sha512 = format!("x@sha512:{}", "a".repeat(128));
        ok(&sha512);
        ok(&format!("x:{}", "t".repeat(128)));
    }

    #[test]
    fn latest_and_untagged() {
        assert!(ok("python").is_latest());
        assert!(ok("python:latest").is_latest());
        assert!(!ok("python:3.12").is_latest());
        assert!(!ok(&format!("python:latest@{D}")).is_latest());
        assert!(!ok("python").has_digest());
    }

    #[test]
    fn rejects_bad_references() {
        for (bad, why) in [
            ("", "empty"),
            ("My/Image:1", "repository names are lowercase"),
            ("myorg/App", "repository names are lowercase"),
            ("a b", "whitespace"),
            ("x:", "invalid tag ``"),
            ("x:-bad", "invalid tag"),
            ("x:.bad", "invalid tag"),
            ("x:a+b", "invalid tag"),
            ("x@sha256:abc", "64 lowercase hex"),
            ("x@md5:abcd", "unknown digest algorithm"),
            ("x@", "without an algorithm"),
            ("x@sha256", "without an algorithm"),
            ("x@@sha256:abc", "unknown digest algorithm"),
            ("x//y", "invalid repository part ``"),
            ("x/", "invalid repository part ``"),
            ("/x", "invalid repository part ``"),
            ("-x", "invalid repository part"),
            ("x_", "invalid repository part"),
            ("x___y", "invalid repository part"),
            ("x._y", "invalid repository part"),
            (":tag", "no repository name"),
            ("reg.io:/x", "invalid registry"),
            ("reg.io:50a/x", "invalid registry"),
            ("-reg.io/x", "invalid registry"),
            ("reg..io/x", "invalid registry"),
            ("[zz]:5000/x", "invalid registry"),
            ("x:1@sha256:ZZ", "64 lowercase hex"),
            ("ünïcode", "invalid repository part"),
        ] {
            let e = parse_image(bad).expect_err(bad);
            assert!(e.contains(why), "{bad:?}: {e}");
        }
        let upper = format!("x@sha256:{}", "A".repeat(64));
        assert!(parse_image(&upper).is_err());
        assert!(parse_image(&format!("x:{}", "t".repeat(129))).is_err());
        assert!(parse_image(&format!("{}:1", "a".repeat(256))).is_err());
        assert!(parse_image(&"a".repeat(600)).is_err());
        assert_eq!(
            parse_image("Registry.example.com/ML/Sentiment:1.4.0"),
            Err("`Registry.example.com/ML/Sentiment:1.4.0` has an invalid repository part `ML`: repository names are lowercase".into())
        );
    }
}
