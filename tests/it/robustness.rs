//! No input makes mlspec panic or stall: empty, binary, nested, enormous.

use std::fmt::Write;

use mlspec::compile_str;

#[test]
fn empty_file_reports_a_missing_app() {
    let (objects, d) = compile_str("");
    assert!(objects.is_empty());
    assert!(d.iter().any(|x| x.code.id == "E0004"));
}

#[test]
fn binary_garbage_is_a_syntax_error() {
    let text: String = (0u8..=255).map(char::from).cycle().take(4096).collect();
    let (_, d) = compile_str(&text);
    assert!(d.iter().any(|x| x.code.id == "E0001"));
}

#[test]
fn deeply_nested_arrays_are_refused_without_overflowing_the_stack() {
    for depth in [100, 10_000, 100_000] {
        let text = format!(
            "[app]\nname = \"a\"\nx = {}{}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let (objects, d) = compile_str(&text);
        assert!(objects.is_empty());
        assert!(d.has_errors(), "depth {depth}");
    }
}

#[test]
fn a_hundred_thousand_env_entries_compile() {
    let mut text = String::from("[app]\nname = \"big\"\n[serve]\nimage = \"x/y:1\"\n[serve.env]\n");
    for i in 0..100_000 {
        let _ = writeln!(text, "VAR_{i} = \"value-{i}\"");
    }
    let (objects, d) = compile_str(&text);
    assert!(!d.has_errors(), "{:?}", d.iter().next());
    assert!(!objects.is_empty());
}

#[test]
fn hostile_values_never_panic() {
    let values = [
        "\"\"",
        "\"\\u0000\"",
        "\"🦀\"",
        "-9223372036854775808",
        "9223372036854775807",
        "1e308",
        "nan",
        "-inf",
        "[]",
        "{}",
        "\"Gi\"",
        "\"9999999999999999999999Ei\"",
        "\"* * * * * * *\"",
        "\"::::\"",
        "\"a/b/c/d\"",
        "true",
    ];
    let keys = [
        "app.name",
        "app.namespace",
        "serve.image",
        "serve.port",
        "serve.resources.cpu",
        "serve.resources.memory",
        "serve.resources.gpus",
        "serve.resources.accelerator",
        "serve.resources.shm",
        "serve.scaling.min",
        "serve.scaling.max",
        "serve.rollout.max_surge",
        "serve.health.startup_timeout",
        "serve.ingress.host",
        "schedules.x.cron",
        "schedules.x.timezone",
        "jobs.y.deadline",
        "placement.tolerations",
    ];
    for key in keys {
        for v in values {
            let mut text = String::from(
                "[app]\nname = \"a\"\n[serve]\nimage = \"x/y:1\"\n[schedules.x]\nimage = \"x/y:1\"\ncron = \"0 * * * *\"\n[jobs.y]\nimage = \"x/y:1\"\n",
            );
            let (table, field) = key.rsplit_once('.').unwrap_or(("", key));
            let _ = write!(text, "[overlays.t.{table}]\n{field} = {v}\n");
            let _ =
                std::panic::catch_unwind(|| compile_str(&text)).map_err(|_| panic!("{key} = {v}"));
            let c = mlspec::compile(
                &mlspec::source::SourceFile::new("a.toml", text.clone()),
                &mlspec::stdlib::Catalog::builtin().expect("catalog"),
                &mlspec::Options {
                    env: Some("t".to_string()),
                    ..Default::default()
                },
            );
            let _ = c;
        }
    }
}

#[test]
fn mistakes_in_overlays_not_being_built_are_still_reported_inside_them() {
    let text = "[app]\nname = \"a\"\n[serve]\nimage = \"x/y:1\"\n\n[overlays.staging]\nserve.scaling = { mni = 2, max = 3 }\n\n[overlays.prod]\nserve.resources.memory = \"8GB\"\n";
    let (objects, d) = compile_str(text);
    assert!(objects.is_empty(), "errors in any overlay fail the build");
    let found: Vec<(&str, usize)> = d
        .iter()
        .filter(|x| x.is_error())
        .map(|x| (x.code.id, x.primary.as_ref().map_or(0, |l| l.span.start)))
        .collect();
    let staging = text.find("mni").expect("mni");
    let prod = text.find("\"8GB\"").expect("8GB");
    assert_eq!(found, vec![("E0002", staging), ("E0104", prod)]);
}

#[test]
fn gpu_workloads_with_default_memory_build_with_a_smaller_shm() {
    let (objects, d) = compile_str(
        "[app]\nname = \"a\"\n[jobs.train]\nimage = \"x/y:1\"\nresources = { accelerator = \"nvidia-t4\" }\n",
    );
    assert!(
        !d.has_errors(),
        "{:?}",
        d.iter().map(|x| &x.message).collect::<Vec<_>>()
    );
    let yaml = mlspec::emit::yaml(&mlspec::document::documents(&objects)).expect("yaml");
    let flat: Vec<&str> = yaml.lines().map(str::trim).collect();
    assert!(
        flat.windows(2)
            .any(|w| w == ["medium: Memory", "sizeLimit: 512Mi"]),
        "{yaml}"
    );
}
