//! Issue 21, items 17, 18 and NUL in args (24): a secret is caught wherever it would reach the
//! bundle, and a user catalog gets the checks a spec gets.

use mlspec::compile_str;

const HF: &str = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345";

const BASE: &str = r#"[app]
name = "chat"
APP
[serve]
image = "registry.example.com/chat:1.0.0"
SERVE
"#;

/// The one error of a spec (warnings aside), as `CODE message` and the text its label is on.
fn error(app: &str, serve: &str) -> (String, String) {
    let text = BASE.replace("APP", app).replace("SERVE", serve);
    let (objects, d) = compile_str(&text);
    let errors: Vec<_> = d.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{app} {serve}: {errors:#?}");
    assert!(objects.is_empty());
    let at = errors[0].primary.as_ref().expect("a label").span;
    (
        format!("{} {}", errors[0].code.id, errors[0].message),
        text[at.start..at.end].to_string(),
    )
}

#[test]
fn item_17_a_secret_is_caught_in_every_string_that_reaches_the_bundle() {
    let cases = [
        ("", format!("args = [\"--hf-token\", \"{HF}\"]"), "serve.args"),
        ("", format!("args = [\"--token={HF}\"]"), "serve.args"),
        ("", "args = [\"--api-key\", \"abc123\"]".to_string(), "serve.args"),
        (
            "",
            format!("command = [\"sh\", \"-c\", \"serve --hf-token {HF}\"]"),
            "serve.command",
        ),
        ("", format!("files = {{ \"/etc/app/env\" = \"HF_TOKEN={HF}\\n\" }}"), "serve.files"),
        (
            "",
            "files = { \"/etc/app/db.yaml\" = \"db:\\n  password: hunter2\\n\" }".to_string(),
            "serve.files",
        ),
        (
            &format!("annotations = {{ note = \"token {HF}\" }}"),
            String::new(),
            "app.annotations",
        ),
        (&format!("labels = {{ who = \"{HF}\" }}"), String::new(), "app.labels"),
        (
            "",
            "[serve.ingress]\nhost = \"chat.example.com\"\ntls = { secret = \"chat-tls\" }\nannotations = { \"nginx.ingress.kubernetes.io/auth-url\" = \"https://admin:s3cret@auth.example.com/check\" }".to_string(),
            "serve.ingress.annotations",
        ),
    ];
    for (app, serve, path) in &cases {
        let (message, at) = error(app, serve);
        assert!(
            message.starts_with("E0012") && message.contains(&format!("`{path}")),
            "{serve}{app}: {message}"
        );
        assert!(
            at.contains(HF)
                || at.contains("hunter2")
                || at.contains("s3cret")
                || at.contains("abc123"),
            "{serve}{app}: the label is on the value: {at}"
        );
    }
    // In `env` it is E0126, as it always was.
    let (message, _) = error("", &format!("env = {{ HF_TOKEN = \"{HF}\" }}"));
    assert!(message.starts_with("E0126"), "{message}");
    // A reference to a Secret is fine.
    let text = BASE.replace("APP", "").replace(
        "SERVE",
        "secret_env = { HF_TOKEN = \"hf/token\" }\nargs = [\"--hf-token\", \"$(HF_TOKEN)\", \"--max-tokens\", \"4096\"]",
    );
    let (_, d) = compile_str(&text);
    assert!(!d.has_errors(), "{d:?}");
}

#[test]
fn item_17_an_overlay_that_is_not_built_is_checked_too() {
    let text = format!(
        "{}\n[overlays.prod]\nserve.args = [\"--hf-token\", \"{HF}\"]\n",
        BASE.replace("APP", "").replace("SERVE", "")
    );
    let (_, d) = compile_str(&text);
    let errors: Vec<_> = d.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].code.id, "E0012");
}

#[test]
fn item_24_nul_in_args_command_or_env_is_refused() {
    for serve in [
        "args = [\"a\\u0000b\"]",
        "command = [\"/bin/x\\u0000\"]",
        "env = { GREETING = \"a\\u0000b\" }",
    ] {
        let (message, at) = error("", serve);
        assert!(message.starts_with("E0011"), "{serve}: {message}");
        assert!(at.contains("\\u0000"), "{serve}: {at}");
    }
}
