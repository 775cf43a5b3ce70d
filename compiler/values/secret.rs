//! Literal values in `env` that look like credentials: by a known token shape in the value, or
//! by a name that says "token", "secret", "password" or "key" for a value that is not obviously
//! harmless (a number, a boolean, a path, a `$(VAR)` reference).

/// Why `name = value` looks like a secret, or `None`.
pub fn looks_like_secret(name: &str, value: &str) -> Option<&'static str> {
    if let Some(why) = by_value(value) {
        return Some(why);
    }
    if value.is_empty() || harmless(value) {
        return None;
    }
    let words = words(name);
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
        "TTL", "REF", "MOUNT",
    ];
    if words.last().is_some_and(|w| about.contains(&w.as_str())) {
        return None;
    }
    let hit = words.iter().any(|w| single.contains(&w.as_str()))
        || words.windows(2).any(|w| match w {
            [a, b] => pairs.contains(&(a.as_str(), b.as_str())),
            _ => false,
        });
    hit.then_some("its name says it holds a credential")
}

/// A name's words, uppercased: split at `_`, `-`, `.` and at lower-to-upper case changes
/// (`dbPassword` → `DB`, `PASSWORD`).
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if matches!(c, '_' | '-' | '.') || (prev_lower && c.is_uppercase()) {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current).to_uppercase());
            }
            prev_lower = false;
            if matches!(c, '_' | '-' | '.') {
                continue;
            }
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        current.push(c);
    }
    if !current.is_empty() {
        out.push(current.to_uppercase());
    }
    out
}

fn by_value(v: &str) -> Option<&'static str> {
    let alnum =
        |t: &str, min: usize| t.len() >= min && t.chars().all(|c| c.is_ascii_alphanumeric());
    let token = |t: &str, min: usize| {
        t.len() >= min
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    if v.strip_prefix("hf_").is_some_and(|t| alnum(t, 20)) {
        return Some("the value looks like a Hugging Face token (`hf_…`)");
    }
    if v.strip_prefix("sk-").is_some_and(|t| token(t, 20)) {
        return Some("the value looks like an API key (`sk-…`)");
    }
    for p in ["ghp_", "gho_", "ghs_", "ghu_", "ghr_", "github_pat_"] {
        if v.strip_prefix(p).is_some_and(|t| token(t, 20)) {
            return Some("the value looks like a GitHub token");
        }
    }
    if v.strip_prefix("glpat-").is_some_and(|t| token(t, 20)) {
        return Some("the value looks like a GitLab token");
    }
    if ["xoxb-", "xoxp-", "xoxa-"]
        .iter()
        .any(|p| v.strip_prefix(p).is_some_and(|t| token(t, 10)))
    {
        return Some("the value looks like a Slack token");
    }
    if (v.starts_with("AKIA") || v.starts_with("ASIA"))
        && v.len() == 20
        && v.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return Some("the value looks like an AWS access key id");
    }
    if v.contains("-----BEGIN") && v.contains("PRIVATE KEY-----") {
        return Some("the value is a private key");
    }
    let mut parts = v.split('.');
    if let (Some(h), Some(p), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
        && h.starts_with("eyJ")
        && [h, p, sig].iter().all(|x| token(x, 8))
    {
        return Some("the value looks like a JSON Web Token");
    }
    if let Some((scheme, rest)) = v.split_once("://") {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let password = authority
            .rsplit_once('@')
            .and_then(|(userinfo, _)| userinfo.split_once(':'))
            .map(|(_, pw)| pw);
        // `$(DB_PASSWORD)` is Kubernetes filling the password in from another variable.
        if !scheme.is_empty() && password.is_some_and(|p| !p.is_empty() && !p.starts_with("$(")) {
            return Some("the URL has a password in it");
        }
    }
    None
}

/// Values no one would store as a secret: numbers, booleans, paths and file names (a mounted
/// secret file is fine), references to other variables.
fn harmless(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    let file_name = !v.contains(char::is_whitespace)
        && [
            ".json", ".txt", ".pem", ".key", ".crt", ".yaml", ".yml", ".env",
        ]
        .iter()
        .any(|ext| lower.ends_with(ext));
    v.parse::<f64>().is_ok()
        || ["true", "false", "yes", "no", "on", "off", "none", "null"].contains(&lower.as_str())
        || ["/", "./", "../", "~/", "$(", "file:"]
            .iter()
            .any(|p| v.starts_with(p))
        || file_name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catches_credentials_by_their_shape() {
        let hf = "hf_abcdefghijklmnopqrstuvwxyz0123";
        for (k, v, why) in [
            ("HF_TOKEN", hf, "Hugging Face"),
            ("X", hf, "Hugging Face"),
            ("OPENAI", "sk-proj-abcdefghijklmnopqrstuvwxyz", "`sk-…`"),
            ("GH", "ghp_abcdefghijklmnopqrstuvwxyz012345", "GitHub"),
            ("GH", "github_pat_11ABCDEFG0123456789_abcdefghij", "GitHub"),
            ("GL", "glpat-abcdefghijklmnopqrst", "GitLab"),
            ("SLACK", "xoxb-1234567890-abcdefghij", "Slack"),
            ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "AWS"),
            ("K", "-----BEGIN RSA PRIVATE KEY-----\nMIIE", "private key"),
            ("K", "-----BEGIN OPENSSH PRIVATE KEY-----", "private key"),
            (
                "J",
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27uhbUJU1p1r",
                "JSON Web Token",
            ),
            ("DATABASE_URL", "postgres://u:p@db/x", "password"),
            ("BROKER", "amqp://guest:guest@rabbit:5672/", "password"),
        ] {
            assert_eq!(
                looks_like_secret(k, v).map(|w| w.contains(why)),
                Some(true),
                "{k}={v}"
            );
        }
        assert_eq!(
            looks_like_secret("HF_TOKEN", hf),
            Some("the value looks like a Hugging Face token (`hf_…`)")
        );
    }

    #[test]
    fn catches_credentials_by_their_name() {
        for (k, v) in [
            ("DB_PASSWORD", "hunter2"),
            ("OPENAI_API_KEY", "anything"),
            ("WANDB_API_KEY", "0123abcd"),
            ("GITHUB_TOKEN", "x"),
            ("secret", "s3cr3t"),
            ("dbPassword", "hunter2"),
            ("apiKey", "abc"),
            ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG"),
            ("PRIVATE_KEY", "abc"),
            ("GOOGLE_APPLICATION_CREDENTIALS", "inline-json"),
            ("API.KEY", "abc"),
        ] {
            assert_eq!(
                looks_like_secret(k, v),
                Some("its name says it holds a credential"),
                "{k}={v}"
            );
        }
    }

    #[test]
    fn leaves_ordinary_settings_alone() {
        for (k, v) in [
            ("MAX_TOKENS", "4096"),
            ("MAX_NEW_TOKENS", "abc"),
            ("TOKENIZERS_PARALLELISM", "false"),
            ("TOKENIZER", "bert-base-uncased"),
            ("NUM_TOKENS", "abc"),
            ("HF_HOME", "/cache"),
            ("HF_HUB_ENABLE_HF_TRANSFER", "1"),
            ("HF_TOKEN_PATH", "/run/secrets/hf"),
            ("PASSWORD_FILE", "/run/secrets/pw"),
            (
                "GOOGLE_APPLICATION_CREDENTIALS",
                "/var/secrets/google/key.json",
            ),
            ("CREDENTIALS", "creds.json"),
            ("TOKEN", ""),
            ("TOKEN", "true"),
            ("SECRET", "0.5"),
            ("PWD", "/app"),
            ("SECRET_NAME", "my-secret"),
            ("AWS_ACCESS_KEY_ID", "not-an-aws-key"),
            ("DATABASE_URL", "postgres://db/x"),
            ("DATABASE_URL", "postgres://user@db/x"),
            ("DATABASE_URL", "postgres://user:$(DB_PASSWORD)@db/x"),
            ("API_KEY", "$(OPENAI_API_KEY)"),
            ("MODEL_NAME", "sentiment"),
            ("KEY", "value"),
            ("MONKEY", "banana"),
            ("SK", "sk-short"),
            ("X", "hf_short"),
            ("X", "AKIA-not-a-key"),
            ("X", "eyJ.only.dots"),
            ("X", "https://example.com/a@b"),
        ] {
            assert_eq!(looks_like_secret(k, v), None, "{k}={v}");
        }
    }

    #[test]
    fn splits_names_into_words() {
        assert_eq!(words("HF_TOKEN"), ["HF", "TOKEN"]);
        assert_eq!(words("dbPassword"), ["DB", "PASSWORD"]);
        assert_eq!(words("a--b..c"), ["A", "B", "C"]);
        assert_eq!(words("API2Key"), ["API2", "KEY"]);
        assert!(words("").is_empty() && words("_-.").is_empty());
    }
}
