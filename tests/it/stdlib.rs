//! User catalogs (`--stdlib DIR`, `[app] stdlib`) built end to end, `mlspec stdlib list|show`,
//! and the catalog kept honest: every entry used by a test, the README's tables current.

use crate::support::{mlspec, root, stderr, stdout};

const APP: &str = "tests/stdlib/app.toml";
const PLATFORM: &str = "tests/stdlib/platform";

#[test]
fn a_spec_builds_on_its_own_catalog() {
    let out = mlspec(&root(), &["build", "-A", "warnings", APP]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let yaml = stdout(&out);
    assert!(
        yaml.contains("habana.ai/gaudi: \"1\""),
        "the user accelerator's resource"
    );
    assert!(
        yaml.contains("platform.example.com/accelerator: gaudi2"),
        "its node label"
    );
    assert!(
        yaml.contains("containerPort: 3000"),
        "the user runtime's port"
    );
    assert!(yaml.contains("path: /readyz"), "its readiness path");
    assert!(
        yaml.contains("- models/summarizer/bart-large-cnn/2024-11"),
        "the user model source's location"
    );
    assert!(
        yaml.contains("name: MC_HOST_models"),
        "its credentials variable"
    );
    insta::assert_snapshot!(yaml);
}

#[test]
fn the_command_line_catalog_gives_the_same_objects() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let text = std::fs::read_to_string(root().join(APP)).expect("the spec");
    let without = text.replace("stdlib = \"platform\"\n", "");
    std::fs::write(dir.path().join("app.toml"), &without).expect("write");
    let platform = root().join(PLATFORM);
    let platform = platform.to_str().expect("a UTF-8 path");
    let flag = mlspec(
        dir.path(),
        &["build", "-A", "warnings", "--stdlib", platform, "app.toml"],
    );
    assert_eq!(flag.status.code(), Some(0), "{}", stderr(&flag));
    let own = mlspec(&root(), &["build", "-A", "warnings", APP]);
    assert_eq!(stdout(&flag), stdout(&own));
    // Without the team's catalog, its runtime is unknown, and said so (Gaudi 2 is built in).
    let none = mlspec(dir.path(), &["check", "-A", "warnings", "app.toml"]);
    assert_eq!(none.status.code(), Some(1));
    assert!(
        stderr(&none).contains("unknown runtime `bentoml`"),
        "{}",
        stderr(&none)
    );
}

#[test]
fn the_user_accelerator_places_on_an_inventory_of_it() {
    let out = mlspec(
        &root(),
        &[
            "place",
            "-A",
            "warnings",
            "--stdlib",
            PLATFORM,
            "--inventory",
            "tests/stdlib/inventory.toml",
            APP,
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("habana.ai/gaudi"), "{}", stdout(&out));
}

#[test]
fn list_and_show_say_where_entries_come_from() {
    let out = mlspec(&root(), &["stdlib", "list", "--stdlib", PLATFORM]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let list = stdout(&out);
    for name in ["intel-gaudi2", "nvidia-l4", "bentoml"] {
        let line = list
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .expect(name);
        assert!(line.ends_with(".toml") && line.contains(PLATFORM), "{line}");
    }
    let vllm = list.lines().find(|l| l.starts_with("vllm ")).expect("vllm");
    assert!(vllm.ends_with("built-in"), "{vllm}");

    let out = mlspec(
        &root(),
        &["stdlib", "show", "bentoml", "--stdlib", PLATFORM],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with(&format!("# {PLATFORM}/runtimes.toml\n[bentoml]\n")));
    let out = mlspec(&root(), &["stdlib", "show", "nvidia-t4"]);
    assert!(stdout(&out).starts_with("# stdlib/accelerators.toml\n[nvidia-t4]\n"));
    let out = mlspec(&root(), &["stdlib", "show", "nvidia-l5"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("did you mean"), "{}", stderr(&out));
    let out = mlspec(&root(), &["stdlib", "show", "gk"]);
    assert!(
        stderr(&out).contains("did you mean `gke`?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_broken_user_catalog_is_a_diagnostic_in_its_file() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let platform = dir.path().join("platform");
    std::fs::create_dir(&platform).expect("mkdir");
    let text = std::fs::read_to_string(root().join(PLATFORM).join("accelerators.toml"))
        .expect("the catalog");
    std::fs::write(
        platform.join("accelerators.toml"),
        text.replace("\"96Gi\"", "\"96 GB\""),
    )
    .expect("write");
    std::fs::write(platform.join("notes.toml"), "").expect("write");
    std::fs::copy(root().join(APP), dir.path().join("app.toml")).expect("copy");
    let out = mlspec(dir.path(), &["check", "-A", "warnings", "app.toml"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stderr(&out));

    // A folder that is not there: the diagnostic points at the spec's `stdlib` value.
    let spec = std::fs::read_to_string(root().join(APP)).expect("the spec");
    std::fs::write(
        dir.path().join("app.toml"),
        spec.replace("\"platform\"", "\"platfrom\""),
    )
    .expect("write");
    let out = mlspec(dir.path(), &["check", "-A", "warnings", "app.toml"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("E0010") && err.contains("app.toml:8:10"),
        "{err}"
    );

    let out = mlspec(dir.path(), &["check", "--stdlib", "nowhere", "app.toml"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unreadable --stdlib is a usage error"
    );
}

/// Each of README's catalog tables is what `mlspec stdlib list --markdown` prints for it.
#[test]
fn the_readme_catalog_tables_are_current() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    for (name, table) in mlspec::stdlib::show::markdown_tables(&crate::support::catalog()) {
        let begin = format!(
            "<!-- catalog:{name} (generated: `mlspec stdlib list --markdown`; a test keeps it current) -->\n"
        );
        let end = format!("<!-- end of catalog:{name} -->");
        let start = readme
            .find(&begin)
            .unwrap_or_else(|| panic!("README has no {name} table"))
            + begin.len();
        let stop = readme[start..].find(&end).expect("the end marker") + start;
        assert_eq!(
            &readme[start..stop],
            table,
            "README.md's {name} table is stale: paste it from `cargo run -q -- stdlib list --markdown`"
        );
    }
    let out = mlspec(&root(), &["stdlib", "list", "--markdown"]);
    let all = mlspec::stdlib::show::markdown(&crate::support::catalog());
    assert_eq!(stdout(&out), all);
}

#[test]
fn init_starts_a_spec_on_a_user_runtime_that_names_its_catalog() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let platform = root().join(PLATFORM);
    let platform = platform.to_str().expect("a UTF-8 path");
    std::fs::create_dir_all(dir.path().join("apps/sum")).expect("mkdir");
    let out = mlspec(
        dir.path(),
        &[
            "init",
            "apps/sum/app.toml",
            "--runtime",
            "bentoml",
            "--stdlib",
            platform,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let spec = std::fs::read_to_string(dir.path().join("apps/sum/app.toml")).expect("written");
    assert!(
        spec.contains("runtime = \"bentoml\"") && spec.contains("accelerator = \"intel-gaudi2\"")
    );
    // The spec names its catalog, relative to itself, so it builds with no flag.
    let out = mlspec(
        dir.path(),
        &["build", "-A", "warnings", "apps/sum/app.toml"],
    );
    assert_eq!(out.status.code(), Some(0), "{}\n{spec}", stderr(&out));
    assert!(stdout(&out).contains("habana.ai/gaudi"));
    // And the schema for it offers the user entries.
    let out = mlspec(dir.path(), &["schema", "--stdlib", platform]);
    assert!(stdout(&out).contains("\"bentoml\"") && stdout(&out).contains("\"intel-gaudi2\""));
}

/// A user runtime needs no `starter`: a spec on it builds, and only `init` says it has none to
/// start from.
#[test]
fn a_user_runtime_without_a_starter_builds_and_init_says_why_it_cannot_start_one() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir_all(dir.path().join("platform")).expect("mkdir");
    std::fs::write(
        dir.path().join("platform/runtimes.toml"),
        "[ray]\ndescription = \"Ray Serve\"\nports = [{ name = \"http\", port = 8000 }]\nhealth = { readiness = \"/-/healthz\" }\nstartup_timeout = \"5m\"\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("app.toml"),
        "[app]\nname = \"ray\"\nstdlib = \"platform\"\n\n[serve]\nimage = \"registry.example.com/ray/serve:2.0.0\"\nruntime = \"ray\"\n",
    )
    .expect("write");
    let out = mlspec(dir.path(), &["build", "-A", "warnings", "app.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("path: /-/healthz"));
    let out = mlspec(
        dir.path(),
        &[
            "init",
            "new.toml",
            "--runtime",
            "ray",
            "--stdlib",
            "platform",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("has no `starter`"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("new.toml").exists());
}

/// A spec's provider picks the node labels its accelerator selector uses: `[app] provider`,
/// else `--provider`, else `generic`.
#[test]
fn the_provider_picks_the_accelerator_labels() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let spec = |provider: &str| {
        format!(
            "[app]\nname = \"chat\"\n{provider}\n[serve]\nimage = \"r.example.com/chat:1.0\"\n\
             resources = {{ cpu = \"4\", memory = \"16Gi\", accelerator = \"nvidia-l4\", gpus = 1 }}\n\
             scaling = {{ replicas = 2 }}\n"
        )
    };
    let selector = |args: &[&str], text: &str| {
        std::fs::write(dir.path().join("app.toml"), text).expect("write");
        let mut all = vec!["build", "-A", "warnings"];
        all.extend(args);
        all.push("app.toml");
        let out = mlspec(dir.path(), &all);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let yaml = stdout(&out);
        let at = yaml.find("nodeSelector:\n").expect("a node selector") + 14;
        yaml[at..]
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    assert_eq!(
        selector(&[], &spec("")),
        "nvidia.com/gpu.product: NVIDIA-L4"
    );
    let gke = spec("provider = \"gke\"");
    assert_eq!(
        selector(&[], &gke),
        "cloud.google.com/gke-accelerator: nvidia-l4"
    );
    assert_eq!(
        selector(&["--provider", "eks"], &spec("")),
        "karpenter.k8s.aws/instance-gpu-name: l4"
    );
    assert_eq!(
        selector(&["--provider", "eks"], &gke),
        "cloud.google.com/gke-accelerator: nvidia-l4",
        "the spec's own provider wins over the command line's default"
    );
}

#[test]
fn a_user_catalog_can_describe_its_own_provider() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let platform = dir.path().join("platform");
    std::fs::create_dir(&platform).expect("mkdir");
    std::fs::write(
        platform.join("providers.toml"),
        "[onprem]\ndescription = \"our racks\"\npool_label = \"racks.example.com/pool\"\n\
         [onprem.accelerators]\nnvidia-l4 = { \"racks.example.com/gpu\" = \"l4\" }\n",
    )
    .expect("write");
    let spec = "[app]\nname = \"chat\"\nprovider = \"onprem\"\nstdlib = \"platform\"\n[serve]\n\
                image = \"r.example.com/chat:1.0\"\nresources = { accelerator = \"nvidia-l4\", gpus = 1 }\n\
                scaling = { replicas = 2 }\n";
    std::fs::write(dir.path().join("app.toml"), spec).expect("write");
    let out = mlspec(dir.path(), &["build", "-A", "warnings", "app.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("racks.example.com/gpu: l4"),
        "{}",
        stdout(&out)
    );
    // Naming an accelerator no catalog has is E0010 in the provider's file.
    std::fs::write(
        platform.join("providers.toml"),
        "[onprem]\ndescription = \"our racks\"\n[onprem.accelerators]\nnvidia-l5 = { \"a\" = \"b\" }\n",
    )
    .expect("write");
    let out = mlspec(dir.path(), &["check", "-A", "warnings", "app.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("E0010") && stderr(&out).contains("nvidia-l5"),
        "{}",
        stderr(&out)
    );
}

/// Every provider in the catalog: a GPU server written for it places on a pool inventory of the
/// same provider, and its pool label is on the nodes.
#[test]
fn every_provider_places_its_own_specs_on_its_own_pools() {
    let catalog = crate::support::catalog();
    assert!(catalog.providers.len() >= 4, "generic, gke, eks, aks");
    for (name, provider) in &catalog.providers {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let spec = format!(
            "[app]\nname = \"chat\"\nprovider = \"{name}\"\n[serve]\nimage = \"r.example.com/chat:1.0\"\n\
             resources = {{ cpu = \"4\", memory = \"16Gi\", accelerator = \"nvidia-l4\", gpus = 1 }}\n\
             rollout = {{ max_surge = 0, max_unavailable = 1 }}\nscaling = {{ replicas = 2 }}\n"
        );
        let pools = format!(
            "provider = \"{name}\"\n[[pool]]\nname = \"l4\"\ncount = 2\ncpu = \"15\"\n\
             memory = \"58Gi\"\naccelerator = \"nvidia-l4\"\ngpus = 1\n"
        );
        std::fs::write(dir.path().join("app.toml"), spec).expect("write");
        std::fs::write(dir.path().join("pools.toml"), &pools).expect("write");
        let out = mlspec(
            dir.path(),
            &[
                "place",
                "-A",
                "warnings",
                "--format",
                "json",
                "--inventory",
                "pools.toml",
                "app.toml",
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}{}",
            stdout(&out),
            stderr(&out)
        );
        let yaml = stdout(&mlspec(
            dir.path(),
            &["build", "-A", "warnings", "app.toml"],
        ));
        let l4 = catalog.accelerator("nvidia-l4").expect("l4");
        let wanted = provider.accelerator("nvidia-l4", l4).node_selector;
        if provider.accelerator_labels == Some(false) {
            assert!(wanted.is_empty(), "{name}: nothing to select");
            assert!(!yaml.contains("nodeSelector"), "{name}: {yaml}");
        }
        let source = mlspec::source::SourceFile::new("pools.toml", pools);
        let (inventory, _) = mlspec::inventory::parse(&source, &catalog);
        let node = &inventory.expect("the pools parse").nodes[0];
        for (k, v) in &wanted {
            assert!(
                yaml.contains(&format!("{k}: {v}")),
                "{name}: the selector asks for {k}"
            );
            assert_eq!(node.labels.get(k), Some(v), "{name}: the node carries {k}");
        }
        if let Some(label) = &provider.pool_label {
            assert_eq!(
                node.labels.get(label).map(String::as_str),
                Some("l4"),
                "{name}"
            );
        }
    }
}
