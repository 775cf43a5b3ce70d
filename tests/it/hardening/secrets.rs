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
        // An item of a list is named by its index, down to the argument.
        (
            "",
            format!("[[serve.sidecars]]\nname = \"proxy\"\nimage = \"registry.example.com/proxy:1.0\"\nargs = [\"--port\", \"9000\"]\n[[serve.sidecars]]\nname = \"auth\"\nimage = \"registry.example.com/auth:1.0\"\nargs = [\"--hf-token\", \"{HF}\"]"),
            "serve.sidecars[1].args[1]`",
        ),
        ("", format!("args = [\"--port\", \"8000\", \"--token={HF}\"]"), "serve.args[2]`"),
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

/// A spec that loads its own catalog (`[app] stdlib`) with these runtimes and accelerators.
fn with_catalog(runtimes: &str, accelerators: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let platform = dir.path().join("platform");
    std::fs::create_dir(&platform).expect("mkdir");
    std::fs::write(platform.join("runtimes.toml"), runtimes).expect("write");
    if !accelerators.is_empty() {
        std::fs::write(platform.join("accelerators.toml"), accelerators).expect("write");
    }
    std::fs::write(
        dir.path().join("app.toml"),
        "[app]\nname = \"srv\"\nstdlib = \"platform\"\n[serve]\nimage = \"registry.example.com/srv:1.0.0\"\nruntime = \"mine\"\n[serve.resources]\ncpu = \"1\"\nmemory = \"1Gi\"\nACC",
    )
    .expect("write");
    if !accelerators.is_empty() {
        let spec = dir.path().join("app.toml");
        let text = std::fs::read_to_string(&spec).expect("read");
        std::fs::write(
            &spec,
            text.replace("ACC", "accelerator = \"acme-x1\"\ngpus = 1\n"),
        )
        .expect("write");
    } else {
        let spec = dir.path().join("app.toml");
        let text = std::fs::read_to_string(&spec).expect("read");
        std::fs::write(&spec, text.replace("ACC", "")).expect("write");
    }
    dir
}

const RUNTIME: &str = "[mine]\ndescription = \"mine\"\nports = [{ name = \"http\", port = 8080 }]\nstartup_timeout = \"1m\"\nstarter = { image = \"registry.example.com/srv:1.0.0\" }\n";

const ACCELERATOR: &str = "[acme-x1]\ndescription = \"Acme X1\"\nresource = \"acme.com/x1\"\nmemory = \"32Gi\"\nmax_per_node = 4\nnode_selector = { \"acme.com/card\" = \"x1\" }\ntolerations = [\"acme.com/x1:NoSchedule\"]\n";

#[test]
fn item_18_a_user_catalog_gets_the_checks_a_spec_gets() {
    use crate::support::{mlspec, stderr};
    let errors = [
        (
            format!("{RUNTIME}env = {{ HF_TOKEN = \"{HF}\" }}\n"),
            "`HF_TOKEN` looks like a secret",
        ),
        (
            format!("{RUNTIME}volumes = [{{ name = \"root\", path = \"/\", size = \"1Gi\" }}]\n"),
            "would hide the whole image",
        ),
        (
            format!("{RUNTIME}volumes = [{{ name = \"etc\", path = \"/etc\", size = \"1Gi\" }}]\n"),
            "`/etc` would hide the image's configuration",
        ),
        (
            format!(
                "{RUNTIME}volumes = [{{ name = \"p\", path = \"/proc/self\", size = \"1Gi\" }}]\n"
            ),
            "the process file system",
        ),
        (
            format!(
                "{RUNTIME}volumes = [{{ name = \"sa\", path = \"/var/run/secrets/kubernetes.io/serviceaccount\", size = \"1Gi\" }}]\n"
            ),
            "service-account token",
        ),
        (
            RUNTIME.replace(
                "ports = [{ name = \"http\", port = 8080 }]",
                "ports = [{ name = \"http\", port = 8080 }, { name = \"http\", port = 9090 }]",
            ),
            "share a name or a number",
        ),
        (
            format!(
                "{RUNTIME}volumes = [{{ name = \"a\", path = \"/cache\", size = \"1Gi\" }}, {{ name = \"b\", path = \"/cache\", size = \"2Gi\" }}]\n"
            ),
            "share a name or a path",
        ),
    ];
    for (runtimes, says) in &errors {
        let dir = with_catalog(runtimes, "");
        let o = mlspec(dir.path(), &["build", "app.toml", "-A", "warnings"]);
        assert_eq!(o.status.code(), Some(1), "{says}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("E0010") && err.contains(says), "{says}: {err}");
        assert!(!err.contains("E0301"), "{says}: {err}");
        assert!(
            err.contains("platform/runtimes.toml"),
            "at the catalog: {err}"
        );
    }

    // What only a platform should do is a warning, which a spec cannot allow but the command
    // line can deny.
    for (accelerators, code) in [
        (
            ACCELERATOR.replace("acme.com/x1:NoSchedule", ":NoSchedule"),
            "W0201",
        ),
        (ACCELERATOR.replace("acme.com/x1:NoSchedule", ""), "W0201"),
        (
            ACCELERATOR.replace(
                "\"acme.com/card\" = \"x1\"",
                "\"node-role.kubernetes.io/control-plane\" = \"\"",
            ),
            "W0202",
        ),
    ] {
        let dir = with_catalog(RUNTIME, &accelerators);
        let o = mlspec(dir.path(), &["build", "app.toml"]);
        assert_eq!(o.status.code(), Some(0), "{code}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(&format!("warning[{code}]")), "{code}: {err}");
        assert!(err.contains("platform/accelerators.toml"), "{code}: {err}");
        let o = mlspec(dir.path(), &["build", "app.toml", "--deny", code]);
        assert_eq!(o.status.code(), Some(1), "{code}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("error[{code}]")),
            "{}",
            stderr(&o)
        );
        let o = mlspec(dir.path(), &["build", "app.toml", "--allow", code]);
        assert!(!stderr(&o).contains(code), "{}", stderr(&o));
        // The spec that loads the catalog cannot silence what is said about it.
        let spec = dir.path().join("app.toml");
        let text = std::fs::read_to_string(&spec).expect("read");
        std::fs::write(&spec, format!("{text}[lint]\n{code} = \"allow\"\n")).expect("write");
        let o = mlspec(dir.path(), &["build", "app.toml"]);
        assert_eq!(o.status.code(), Some(1), "{code}: {}", stderr(&o));
        assert!(stderr(&o).contains("E0131"), "{}", stderr(&o));
    }
}

/// The warnings a platform's catalog gets, as a user sees them.
#[test]
fn item_18_catalog_warnings_as_people_read_them() {
    use crate::support::{mlspec, stderr};
    let accelerators = ACCELERATOR
        .replace("acme.com/x1:NoSchedule", ":NoSchedule")
        .replace(
            "\"acme.com/card\" = \"x1\"",
            "\"node-role.kubernetes.io/control-plane\" = \"\"",
        );
    let dir = with_catalog(RUNTIME, &accelerators);
    let o = mlspec(dir.path(), &["check", "app.toml", "-A", "W0002"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Beside the other snapshots, where the registry test looks for every code being shown.
    insta::with_settings!({ snapshot_path => "../snapshots" }, {
        insta::assert_snapshot!("catalog_warnings", stderr(&o));
    });
}
