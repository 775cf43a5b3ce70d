//! Literal values in `env` that look like credentials: by a known token shape in the value, or
//! by a name that says "token", "secret", "password" or "key" for a value that is not obviously
//! harmless.

/// Why `name = value` looks like a secret, or `None`.
pub fn looks_like_secret(name: &str, value: &str) -> Option<&'static str> {
    if let Some(why) = by_value(value) {
        return Some(why);
    }
    if value.is_empty() || harmless(value) {
        return None;
    }
    let words: Vec<String> = name
        .split(['_', '-', '.'])
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase)
        .collect();
    let single = [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "PWD",
        "APIKEY",
        "CREDENTIAL",
        "CREDENTIALS",
        "PRIVATEKEY",
    ];
    let pairs = [
        ("API", "KEY"),
        ("ACCESS", "KEY"),
        ("PRIVATE", "KEY"),
        ("SECRET", "KEY"),
        ("AUTH", "KEY"),
    ];
    // `SECRET_NAME`, `PASSWORD_FILE`, `ACCESS_KEY_ID`: about a credential, not the credential.
    let about = [
        "NAME", "FILE", "PATH", "DIR", "ID", "URL", "HEADER", "TYPE", "LENGTH", "LEN", "SIZE",
        "TTL", "REF",
    ];
    if words.last().is_some_and(|w| about.contains(&w.as_str())) {
        return None;
    }
    let hit = words.iter().any(|w| single.contains(&w.as_str()))
        || words
            .windows(2)
            .any(|w| pairs.contains(&(w[0].as_str(), w[1].as_str())));
    hit.then_some("its name says it holds a credential")
}

fn by_value(v: &str) -> Option<&'static str> {
    let tail_ok = |t: &str, min: usize| {
        t.len() >= min
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if v.strip_prefix("hf_").is_some_and(|t| tail_ok(t, 20)) {
        return Some("the value looks like a Hugging Face token (`hf_…`)");
    }
    if v.strip_prefix("sk-").is_some_and(|t| tail_ok(t, 20)) {
        return Some("the value looks like an API key (`sk-…`)");
    }
    for p in ["ghp_", "gho_", "ghs_", "ghu_", "github_pat_"] {
        if v.strip_prefix(p).is_some_and(|t| tail_ok(t, 20)) {
            return Some("the value looks like a GitHub token");
        }
    }
    if v.strip_prefix("glpat-").is_some_and(|t| tail_ok(t, 20)) {
        return Some("the value looks like a GitLab token");
    }
    if ["xoxb-", "xoxp-", "xoxa-"].iter().any(|p| v.starts_with(p)) && v.len() > 20 {
        return Some("the value looks like a Slack token");
    }
    if (v.starts_with("AKIA") || v.starts_with("ASIA"))
        && v.len() == 20
        && v.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Some("the value looks like an AWS access key id");
    }
    if v.contains("-----BEGIN") && v.contains("PRIVATE KEY") {
        return Some("the value is a private key");
    }
    let jwt: Vec<&str> = v.split('.').collect();
    if jwt.len() == 3 && v.starts_with("eyJ") && jwt.iter().all(|p| tail_ok(p, 8)) {
        return Some("the value looks like a JSON Web Token");
    }
    if let Some((scheme, rest)) = v.split_once("://") {
        let userinfo = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if !scheme.is_empty()
            && userinfo.contains('@')
            && userinfo.split('@').next().is_some_and(|u| u.contains(':'))
        {
            return Some("the URL has a password in it");
        }
    }
    None
}

/// Values no one would store as a secret: numbers, booleans, paths, references.
fn harmless(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    v.parse::<f64>().is_ok()
        || ["true", "false", "yes", "no", "on", "off", "none", "null"].contains(&lower.as_str())
        || v.starts_with('/')
        || v.starts_with("$(")
        || v.starts_with("file:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catches_credentials() {
        assert!(looks_like_secret("HF_TOKEN", "hf_abcdefghijklmnopqrstuvwxyz").is_some());
        assert!(looks_like_secret("X", "hf_abcdefghijklmnopqrstuvwxyz").is_some());
        assert!(looks_like_secret("DB_PASSWORD", "hunter2").is_some());
        assert!(looks_like_secret("OPENAI_API_KEY", "anything").is_some());
        assert!(looks_like_secret("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE").is_some());
        assert!(looks_like_secret("DATABASE_URL", "postgres://u:p@db/x").is_some());
    }

    #[test]
    fn leaves_ordinary_settings_alone() {
        for (k, v) in [
            ("MAX_TOKENS", "4096"),
            ("TOKENIZERS_PARALLELISM", "false"),
            ("NUM_TOKENS", "abc"),
            ("HF_HOME", "/cache"),
            ("PASSWORD_FILE", "/run/secrets/pw"),
            ("TOKEN", ""),
            ("SECRET_NAME", "my-secret"),
            ("AWS_ACCESS_KEY_ID", "not-an-aws-key"),
            ("DATABASE_URL", "postgres://db/x"),
            ("MODEL_NAME", "sentiment"),
        ] {
            assert_eq!(looks_like_secret(k, v), None, "{k}={v}");
        }
    }
}
