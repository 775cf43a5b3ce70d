//! The memory check against published startup figures (tests/memory/fixtures.toml): each fixture
//! is compiled as a spec, and for a server that started mlspec's KV cache prediction must be
//! within ±10% of what it logged; a published failure must be E0220 or E0221. `cargo test --test it memory --
//! --nocapture` prints the accuracy table.

use mlspec::source::SourceFile;
use mlspec::stdlib::{Catalog, user};
use mlspec::{Options, compile};
use serde::Deserialize;

use crate::support::root;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixtures {
    fixture: Vec<Fixture>,
    excluded: Vec<Excluded>,
}

/// A published figure the rules do not reproduce, and why.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Excluded {
    name: String,
    source: String,
    published: String,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixture {
    name: String,
    source: String,
    runtime: String,
    version: String,
    model: Option<String>,
    architecture: Option<String>,
    accelerator: String,
    gpus: u32,
    #[serde(default)]
    args: Vec<String>,
    published: String,
    tokens: Option<f64>,
    kv_cache: Option<String>,
    #[serde(default)]
    fails: bool,
}

const IMAGES: [(&str, &str); 3] = [
    ("vllm", "vllm/vllm-openai:v"),
    ("sglang", "lmsysorg/sglang:v"),
    ("tgi", "ghcr.io/huggingface/text-generation-inference:"),
];

fn catalog() -> Catalog {
    let dir = root().join("tests/memory/stdlib");
    let files: Vec<SourceFile> = ["accelerators.toml"]
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(dir.join(f)).expect("the fixture catalog");
            SourceFile::new(format!("tests/memory/stdlib/{f}"), text)
        })
        .collect();
    let (c, diags) = user::extend(&crate::support::catalog(), &files);
    assert!(diags.iter().all(|d| d.is_empty()), "{diags:?}");
    c
}

/// The fixture as the spec a user would write.
fn spec(f: &Fixture) -> String {
    let image = IMAGES
        .iter()
        .find(|(r, _)| *r == f.runtime)
        .map(|(_, i)| format!("{i}{}", f.version))
        .expect("a known runtime");
    let quote = |s: &String| format!("{s:?}");
    let mut out = format!(
        "[app]\nname = \"fixture\"\n\n[serve]\nimage = \"{image}\"\nruntime = \"{}\"\n",
        f.runtime
    );
    if let Some(m) = &f.model {
        out.push_str(&format!("model_name = {}\n", quote(m)));
    } else {
        // A quantized copy the catalog lists by its base: named by a path, as it is loaded.
        out.push_str("args = [\"--model\", \"/models/checkpoint\"");
        for a in &f.args {
            out.push_str(&format!(", {}", quote(a)));
        }
        out.push_str("]\n");
    }
    if let Some(a) = &f.architecture {
        out.push_str(&format!("architecture = {}\n", quote(a)));
    }
    if f.model.is_some() && !f.args.is_empty() {
        let args: Vec<String> = f.args.iter().map(quote).collect();
        out.push_str(&format!("args = [{}]\n", args.join(", ")));
    }
    out.push_str(&format!(
        "\n[serve.resources]\nmemory = \"64Gi\"\naccelerator = \"{}\"\ngpus = {}\n",
        f.accelerator, f.gpus
    ));
    if f.gpus > 1 {
        out.push_str("shm = \"16Gi\"\n");
    }
    out
}

#[test]
fn predictions_are_within_ten_percent_of_published_figures() {
    let text =
        std::fs::read_to_string(root().join("tests/memory/fixtures.toml")).expect("fixtures");
    let fixtures: Fixtures = toml::from_str(&text).expect("the fixtures parse");
    let catalog = catalog();
    let mut table = vec![format!(
        "{:<34} {:>14} {:>14} {:>8}  {}",
        "fixture", "published", "predicted", "error", "verdict"
    )];
    let mut markdown = vec![
        "| fixture | server | GPUs | published | predicted | error | verdict | source |"
            .to_string(),
        "| --- | --- | --- | --- | --- | ---: | --- | --- |".to_string(),
    ];
    let mut bad = Vec::new();
    for f in &fixtures.fixture {
        assert!(f.source.starts_with("https://"), "{}: a source URL", f.name);
        assert!(!f.published.is_empty(), "{}", f.name);
        let source = SourceFile::new(format!("{}.toml", f.name), spec(f));
        let compiled = compile(&source, &catalog, &Options::default());
        let Some(a) = compiled.memory.first() else {
            bad.push(format!("{}: no memory account\n{}", f.name, source.text));
            continue;
        };
        let codes: Vec<&str> = compiled.diagnostics.iter().map(|d| d.code.id).collect();
        let failed = codes.iter().any(|c| ["E0220", "E0221"].contains(c));
        let gib = (1u64 << 30) as f64;
        let (published, predicted, unit) = match (&f.tokens, &f.kv_cache) {
            (Some(t), _) => (*t, a.account.tokens, "tokens"),
            (None, Some(q)) => {
                let b = mlspec::stdlib::memory::bytes(q).expect("a quantity");
                (b / gib, a.account.kv_cache / gib, "GiB")
            }
            (None, None) => (0.0, a.account.kv_cache / gib, "GiB"),
        };
        let error = if published > 0.0 {
            100.0 * (predicted - published) / published
        } else {
            0.0
        };
        let verdict = if failed { "does not fit" } else { "fits" };
        let shown = |v: f64| {
            if unit == "GiB" {
                format!("{v:.2} GiB")
            } else {
                format!("{v:.0}")
            }
        };
        table.push(format!(
            "{:<34} {:>14} {:>14} {:>7.1}%  {verdict}{}",
            f.name,
            if published > 0.0 {
                shown(published)
            } else {
                "-".into()
            },
            shown(predicted),
            error,
            if f.fails { " (published: fails)" } else { "" }
        ));
        markdown.push(format!(
            "| `{}` | {} {} | {} × `{}` | {} | {} | {} | {}{} | {} |",
            f.name,
            f.runtime,
            f.version,
            f.gpus,
            f.accelerator,
            if published > 0.0 {
                shown(published)
            } else {
                "—".into()
            },
            shown(predicted),
            if published > 0.0 && !f.fails {
                format!("{error:+.1}%")
            } else {
                "—".into()
            },
            verdict,
            if f.fails { " (failed)" } else { "" },
            f.source
        ));
        // A server that starts is held to ±10%; for one that fails, its verdict is what counts
        // (what is left of a GPU that does not fit is a few GiB either way).
        if !f.fails && published > 0.0 && error.abs() > 10.0 {
            bad.push(format!(
                "{}: predicted {predicted:.0}, published {published:.0} ({error:+.1}%)",
                f.name
            ));
        }
        if f.fails != failed {
            bad.push(format!(
                "{}: the server {} but mlspec says it {verdict} ({codes:?})",
                f.name,
                if f.fails { "failed" } else { "started" }
            ));
        }
    }
    for e in &fixtures.excluded {
        assert!(e.source.starts_with("https://"), "{}: a source URL", e.name);
        assert!(
            !e.published.is_empty() && e.reason.len() > 40,
            "{}: say why",
            e.name
        );
        table.push(format!("{:<34} excluded: {}", e.name, e.reason));
    }
    markdown.push(String::new());
    markdown.push("| not held to ±10% | source | why |".to_string());
    markdown.push("| --- | --- | --- |".to_string());
    for e in &fixtures.excluded {
        markdown.push(format!("| `{}` | {} | {} |", e.name, e.source, e.reason));
    }
    // docs/memory.md shows the same table.
    let markdown = markdown.join("\n") + "\n";
    let doc = std::fs::read_to_string(root().join("docs/memory.md")).expect("docs/memory.md");
    let begin = "<!-- accuracy (generated by tests/it/memory.rs; a test keeps it current) -->\n";
    let start = doc
        .find(begin)
        .expect("docs/memory.md has the accuracy table")
        + begin.len();
    let stop = doc[start..]
        .find("<!-- end of accuracy -->")
        .expect("the end marker")
        + start;
    assert_eq!(
        &doc[start..stop],
        markdown,
        "docs/memory.md's accuracy table is stale; it should read:\n{markdown}"
    );
    println!("{}", table.join("\n"));
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    assert!(fixtures.fixture.len() >= 8);
}

/// Every example that serves an LLM shows its memory account: the report `mlspec memory` prints,
/// pinned as text and JSON (the examples' comments point here). An example without one (no LLM
/// runtime, or no accelerator) has nothing to account for.
#[test]
fn every_llm_example_memory_report_matches_its_snapshot() {
    let mut reported = 0;
    insta::glob!("../../examples", "*/app.toml", |path| {
        let (source, compiled) = crate::support::compile_file(path, None);
        if compiled.memory.is_empty() {
            return;
        }
        reported += 1;
        assert!(
            compiled
                .diagnostics
                .iter()
                .all(|d| !d.code.id.starts_with("E022") && !d.code.id.starts_with("W007")),
            "{}: an example fits its GPUs",
            source.name
        );
        // The example's comment quotes the report: its tokens and sequences stay true.
        let a = &compiled.memory[0];
        let quoted = format!(
            "{} tokens of KV cache,",
            mlspec::memory::report::count(a.account.tokens.floor())
        );
        let sequences = format!("{:.1} sequences of", a.account.sequences);
        assert!(
            source.text.contains(&quoted) && source.text.contains(&sequences),
            "{}: its comment should say `{quoted}` and `{sequences}`",
            source.name
        );
        insta::assert_snapshot!(
            "text",
            mlspec::memory::report::text(&source.name, &compiled.memory)
        );
        let json: Vec<serde_json::Value> = compiled
            .memory
            .iter()
            .map(|a| mlspec::memory::report::json(&source.name, a))
            .collect();
        insta::assert_json_snapshot!("json", json);
    });
    assert!(reported >= 7, "the LLM examples each have a report");
}

/// The command: text by default, `--format json` an array of servers; a server whose weights do
/// not fit its pod's GPUs exits 1 with E0220 and its account.
#[test]
fn the_memory_command_prints_each_server_and_fails_on_a_model_that_does_not_fit() {
    use crate::support::{mlspec, stderr, stdout};
    let root = root();
    let o = mlspec(&root, &["memory", "examples/llm-chat/app.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("examples/llm-chat/app.toml: serve `llm-chat`: fits\n"),
        "{out}"
    );
    for row in [
        "model",
        "weights",
        "overhead",
        "KV cache",
        "tokens",
        "sequences",
    ] {
        assert!(out.contains(&format!("\n  {row} ")), "{row}: {out}");
    }

    let o = mlspec(
        &root,
        &[
            "memory",
            "--format",
            "json",
            "examples/sglang-qwen/app.toml",
            "examples/tgi-mistral/app.toml",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let servers: Vec<serde_json::Value> = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(servers.len(), 2);
    assert_eq!(servers[0]["runtime"], "sglang");
    assert_eq!(servers[1]["runtime"], "tgi");
    assert!(servers.iter().all(|s| s["verdict"] == "fits"
        && s["kv_bytes_per_token"].as_u64().is_some_and(|b| b > 0)
        && s["kv_tokens"].as_u64().is_some_and(|t| t > 0)));

    let bad = "tests/bad/E0220-70b-on-one-h100.toml";
    let o = mlspec(&root, &["memory", bad]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("error[E0220]"), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("the weights do not fit (E0220)"),
        "{}",
        stdout(&o)
    );
    let o = mlspec(&root, &["check", bad]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("error[E0220]"));

    let o = mlspec(&root, &["memory", "examples/sentiment/app.toml"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("nothing to account for"),
        "{}",
        stdout(&o)
    );
}

/// A platform's `models.toml` adds an architecture (found by its repository, like a built-in
/// one) and replaces a built-in entry, through `--stdlib` or the spec's `[app] stdlib`; its
/// entries get the built-in catalog's checks.
#[test]
fn a_user_models_toml_adds_and_replaces_architectures_with_the_same_checks() {
    use crate::support::{mlspec, stderr, stdout};
    let dir = tempfile::tempdir().expect("a temporary directory");
    let platform = dir.path().join("platform");
    std::fs::create_dir(&platform).expect("mkdir");
    let models = r#"# Our fine-tunes.
["acme-support-8b"]
description = "Acme's support assistant: Llama 3.1 8B with a 16K context"
huggingface = ["acme/support-8b"]
parameters = "8.03B"
layers = 32
hidden_size = 4096
intermediate_size = 14336
attention_heads = 32
kv_heads = 8
head_dim = 128
vocab_size = 128256
dtype = "bfloat16"
max_context = 16384

# The built-in entry, as our mirror serves it: only 8K of context.
["qwen2.5-7b"]
description = "Qwen2.5 7B, our mirror"
huggingface = ["mirror/qwen2.5-7b"]
parameters = "7.62B"
layers = 28
hidden_size = 3584
intermediate_size = 18944
attention_heads = 28
kv_heads = 4
head_dim = 128
vocab_size = 152064
dtype = "bfloat16"
max_context = 8192
"#;
    std::fs::write(platform.join("models.toml"), models).expect("write");
    let spec = |model: &str, args: &str| {
        format!(
            "[app]\nname = \"support\"\nstdlib = \"platform\"\n[serve]\nimage = \"vllm/vllm-openai:v0.11.0\"\nruntime = \"vllm\"\nmodel_name = \"{model}\"\nargs = [{args}]\n[serve.resources]\nmemory = \"32Gi\"\naccelerator = \"nvidia-l4\"\n"
        )
    };
    std::fs::write(dir.path().join("app.toml"), spec("acme/support-8b", "")).expect("write");
    let o = mlspec(dir.path(), &["memory", "app.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("acme-support-8b (acme/support-8b): 8.03B parameters")
            && out.contains("maximum context of 16,384 tokens"),
        "{out}"
    );
    assert!(!stderr(&o).contains("W0071"), "{}", stderr(&o));

    // The replaced entry's context is the user's, and so is E0227's limit.
    std::fs::write(
        dir.path().join("app.toml"),
        spec("Qwen/Qwen2.5-7B-Instruct", "\"--max-model-len\", \"16384\""),
    )
    .expect("write");
    let o = mlspec(dir.path(), &["check", "app.toml"]);
    assert!(
        stderr(&o).contains("W0071"),
        "the replaced entry no longer lists the public repository: {}",
        stderr(&o)
    );
    std::fs::write(
        dir.path().join("app.toml"),
        spec("mirror/qwen2.5-7b", "\"--max-model-len\", \"16384\""),
    )
    .expect("write");
    let o = mlspec(dir.path(), &["check", "app.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("E0227") && stderr(&o).contains("qwen2.5-7b's 8,192 tokens"),
        "{}",
        stderr(&o)
    );

    // `--stdlib` lists the user's entries with their file.
    let o = mlspec(
        dir.path(),
        &[
            "stdlib",
            "list",
            "--stdlib",
            platform.to_str().expect("UTF-8"),
        ],
    );
    let list = stdout(&o);
    let line = list
        .lines()
        .find(|l| l.starts_with("acme-support-8b "))
        .expect("the user's model is listed");
    assert!(line.ends_with("models.toml"), "{line}");

    // A broken entry is a catalog diagnostic in its file, as for the built-in catalog.
    std::fs::write(
        platform.join("models.toml"),
        models.replace("kv_heads = 8\n", "kv_heads = 5\n"),
    )
    .expect("write");
    std::fs::write(dir.path().join("app.toml"), spec("acme/support-8b", "")).expect("write");
    let o = mlspec(dir.path(), &["check", "app.toml"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("models.toml") && err.contains("kv_heads"),
        "{err}"
    );
}

/// Llama 3.1 70B on vLLM with an 8192-token context, `resources` and tensor parallelism `tp`.
fn llama_70b(resources: &str, tp: u32) -> mlspec::Compiled {
    let spec = format!(
        "[app]\nname = \"llm\"\n[serve]\nimage = \"vllm/vllm-openai:v0.11.0\"\nruntime = \"vllm\"\nmodel_name = \"meta-llama/Llama-3.1-70B-Instruct\"\nargs = [\"--tensor-parallel-size\", \"{tp}\", \"--max-model-len\", \"8192\"]\nvolumes = [{{ path = \"/cache\", size = \"150Gi\" }}]\n[serve.resources]\nmemory = \"64Gi\"\n{resources}"
    );
    compile(
        &SourceFile::new("llm.toml", spec),
        &crate::support::catalog(),
        &Options::default(),
    )
}

/// E0220's message and help.
fn weights_do_not_fit(c: &mlspec::Compiled) -> (String, String) {
    let e = c
        .diagnostics
        .iter()
        .find(|d| d.code.id == "E0220")
        .expect("E0220");
    (e.message.clone(), e.help.clone().unwrap_or_default())
}

/// The compile fits: no memory error, no tensor-parallel error.
fn fits(c: &mlspec::Compiled) {
    let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code.id).collect();
    assert!(
        !codes.iter().any(|c| c.starts_with("E02") || *c == "E0132"),
        "{codes:?}"
    );
    assert_eq!(c.memory[0].verdict, mlspec::memory::Verdict::Fits);
}

/// A TPU's memory is its HBM per chip, and a pod gets a topology's chips: a 70B model in
/// bfloat16 does not fit four v6e chips, and the help names the slice that holds it.
#[test]
fn a_tpu_slice_is_accounted_per_chip_and_the_help_names_a_larger_topology() {
    let tpu = |t: &str| format!("accelerator = {{ type = \"tpu-v6e\", topology = \"{t}\" }}\n");
    let compiled = llama_70b(&tpu("2x2"), 4);
    let (message, help) = weights_do_not_fit(&compiled);
    assert!(message.contains("per chip on 4 × `tpu-v6e`"), "{message}");
    assert!(
        help.contains("topology = \"2x4\"") && help.contains("--tensor-parallel-size 8"),
        "{help}"
    );
    let a = &compiled.memory[0];
    assert_eq!((a.devices, a.device_word), (4, "chip"));
    assert!((a.device_bytes - 32.0 * (1u64 << 30) as f64).abs() < 1.0);
    fits(&llama_70b(&tpu("2x4"), 8));
}

/// An AWS Neuron device holds several NeuronCores, and tensor parallelism counts cores: the
/// account is per core (a device's memory over its cores), and the help asks for more devices
/// with the degree in cores.
#[test]
fn a_neuron_device_is_accounted_per_core() {
    let neuron =
        |n: u32| format!("shm = \"16Gi\"\naccelerator = \"aws-inferentia2\"\ngpus = {n}\n");
    let compiled = llama_70b(&neuron(2), 4);
    let (message, help) = weights_do_not_fit(&compiled);
    assert!(
        message.contains("per core on 4 cores of 2 × `aws-inferentia2`"),
        "{message}"
    );
    assert!(
        help.contains("`gpus = 8`") && help.contains("--tensor-parallel-size 16"),
        "{help}"
    );
    let a = &compiled.memory[0];
    assert_eq!((a.devices, a.device_word), (4, "core"));
    assert!((a.device_bytes - 16.0 * (1u64 << 30) as f64).abs() < 1.0);
    fits(&llama_70b(&neuron(8), 16));
}

/// docs/memory.md's table of the model catalog is what `mlspec stdlib list --markdown` prints.
#[test]
fn the_docs_model_table_is_current() {
    let doc = std::fs::read_to_string(root().join("docs/memory.md")).expect("docs/memory.md");
    let begin = "<!-- catalog:models (generated: `mlspec stdlib list --markdown`; a test keeps it current) -->\n";
    let start = doc.find(begin).expect("docs/memory.md has the model table") + begin.len();
    let stop = doc[start..]
        .find("<!-- end of catalog:models -->")
        .expect("the end marker")
        + start;
    let table = mlspec::stdlib::models::markdown(&crate::support::catalog().models);
    assert_eq!(
        &doc[start..stop],
        table,
        "docs/memory.md's model table is stale: paste it from `cargo run -q -- stdlib list --markdown`"
    );
}

/// The reports README.md and docs/memory.md show are what the command prints.
#[test]
fn the_documented_reports_are_what_the_command_prints() {
    use crate::support::{mlspec, stdout};
    for (page, example) in [
        ("README.md", "examples/sglang-qwen/app.toml"),
        ("docs/memory.md", "examples/llm-chat/app.toml"),
    ] {
        let text = std::fs::read_to_string(root().join(page)).expect(page);
        let o = mlspec(&root(), &["memory", example]);
        let shown = format!("$ mlspec memory {example}\n{}```", stdout(&o));
        assert!(
            text.contains(&shown),
            "{page}'s report of {example} is stale; it should read:\n{shown}"
        );
    }
}

/// A server that downloads the model itself (no `model` source) fills its cache directory's
/// scratch space: E0222 at the model's name, and resizing that directory with `volumes` fixes
/// it (the error then points at the size set too small).
#[test]
fn a_server_downloading_its_model_needs_room_in_its_cache_directory() {
    let spec = |volumes: &str| {
        format!(
            "[app]\nname = \"llm\"\n[serve]\nimage = \"vllm/vllm-openai:v0.11.0\"\nruntime = \"vllm\"\nmodel_name = \"meta-llama/Llama-3.1-70B-Instruct\"\nargs = [\"--tensor-parallel-size\", \"4\", \"--max-model-len\", \"8192\"]\n{volumes}[serve.resources]\nmemory = \"64Gi\"\naccelerator = \"nvidia-h100-80gb\"\ngpus = 4\nshm = \"16Gi\"\n"
        )
    };
    let check = |text: String| {
        let source = SourceFile::new("llm.toml", text);
        let c = compile(&source, &crate::support::catalog(), &Options::default());
        let e = c.diagnostics.iter().find(|d| d.code.id == "E0222").cloned();
        (source, c, e)
    };
    let (source, _, e) = check(spec(""));
    let e = e.expect("E0222 with the runtime's 50Gi /cache");
    assert!(
        e.message.contains("into `/cache`, scratch space of 50Gi"),
        "{}",
        e.message
    );
    let at = e.primary.as_ref().expect("a span").span;
    assert_eq!(
        &source.text[at.start..at.end],
        "\"meta-llama/Llama-3.1-70B-Instruct\""
    );
    assert!(
        e.help.as_deref().unwrap_or("").contains("size = \"145Gi\""),
        "{e:?}"
    );

    let (source, _, e) = check(spec(
        "volumes = [{ path = \"/cache\", size = \"100Gi\" }]\n",
    ));
    let e = e.expect("E0222: 100Gi is still too small");
    let at = e.primary.as_ref().expect("a span").span;
    assert_eq!(&source.text[at.start..at.end], "\"100Gi\"");

    let (_, c, e) = check(spec(
        "volumes = [{ path = \"/cache\", size = \"150Gi\" }]\n",
    ));
    assert!(e.is_none(), "{:?}", c.diagnostics);
    let download = c.memory[0].download.as_ref().expect("the download");
    assert_eq!(
        download.volume.as_ref().map(|v| v.0.as_str()),
        Some("150Gi")
    );
}

/// A KV cache shorter than the context: vLLM refuses to start (E0221), SGLang starts and caps
/// requests at the pool (W0070); an SGLang pool with nothing in it is still an error.
#[test]
fn a_short_cache_stops_vllm_but_only_warns_for_sglang() {
    let build = |image: &str, runtime: &str, gpu: &str| {
        let spec = format!(
            "[app]\nname = \"llm\"\n[serve]\nimage = \"{image}\"\nruntime = \"{runtime}\"\nmodel_name = \"deepseek-ai/DeepSeek-R1-Distill-Qwen-7B\"\nvolumes = [{{ path = \"/cache\", size = \"40Gi\" }}]\n[serve.resources]\nmemory = \"32Gi\"\naccelerator = \"{gpu}\"\n"
        );
        let c = compile(
            &SourceFile::new("llm.toml", spec),
            &crate::support::catalog(),
            &Options::default(),
        );
        let codes: Vec<&str> = c.diagnostics.iter().map(|d| d.code.id).collect();
        (c, codes)
    };
    let (_, codes) = build("vllm/vllm-openai:v0.11.0", "vllm", "nvidia-l4");
    assert!(codes.contains(&"E0221"), "{codes:?}");
    let (c, codes) = build("lmsysorg/sglang:v0.4.4-cu124", "sglang", "nvidia-l4");
    assert!(!codes.contains(&"E0221"), "{codes:?}");
    let w = c
        .diagnostics
        .iter()
        .find(|d| d.code.id == "W0070")
        .expect("W0070");
    assert!(
        w.message
            .contains("less than one sequence of its 131,072-token context")
            && w.message
                .contains("sglang starts, but refuses every request longer"),
        "{}",
        w.message
    );
    assert_eq!(c.memory[0].verdict, mlspec::memory::Verdict::FewSequences);
    // The weights alone fill a T4: no pool at all, and SGLang does not start either.
    let (_, codes) = build("lmsysorg/sglang:v0.4.4-cu124", "sglang", "nvidia-t4");
    assert!(
        codes.contains(&"E0220") || codes.contains(&"E0221"),
        "{codes:?}"
    );
}

/// TGI 3 holds the warmup prompt's logits only with `--enable-prefill-logprobs` (or its
/// variable): then the KV cache is smaller by them.
#[test]
fn tgi_3_counts_the_prompt_logits_only_when_asked_to_keep_them() {
    let tokens = |extra: &str| {
        let spec = format!(
            "[app]\nname = \"llm\"\n[serve]\nimage = \"ghcr.io/huggingface/text-generation-inference:3.0.1\"\nruntime = \"tgi\"\nmodel_name = \"meta-llama/Llama-3.1-8B-Instruct\"\n{extra}volumes = [{{ path = \"/data\", size = \"40Gi\" }}]\n[serve.resources]\nmemory = \"32Gi\"\naccelerator = \"nvidia-l4\"\n"
        );
        let c = compile(
            &SourceFile::new("llm.toml", spec),
            &crate::support::catalog(),
            &Options::default(),
        );
        let a = c.memory.first().expect("an account");
        (a.account.tokens, a.account.activations)
    };
    let (plain, forward) = tokens("");
    let (flag, with_logits) = tokens("args = [\"--enable-prefill-logprobs\"]\n");
    let (var, _) = tokens("env = { ENABLE_PREFILL_LOGPROBS = \"true\" }\n");
    // 4,096 prompt tokens × 128,256 vocabulary entries × (2 + 2) bytes.
    assert_eq!(with_logits - forward, 4096.0 * 128256.0 * 4.0);
    assert!(flag < plain && flag == var, "{plain} {flag} {var}");
}
