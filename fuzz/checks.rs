//! What each fuzz target checks, on any bytes. Shared by the fuzz targets (`fuzz_targets/`) and
//! by `cargo test` (`tests/it/fuzz.rs`), which runs every saved crash in `fuzz/regressions/` and
//! every seed input through the same checks. A check panics when the property breaks.

use std::sync::OnceLock;

use mlspec::diagnostics::Diagnostics;
use mlspec::diagnostics::render::{Style, human};
use mlspec::inventory::{self, Inventory};
use mlspec::place::{self, Options as PlaceOptions, Strategy};
use mlspec::source::SourceFile;
use mlspec::stdlib::Catalog;
use mlspec::values::cron::parse_cron;
use mlspec::values::duration::{format_duration, parse_duration};
use mlspec::values::image::parse_image;
use mlspec::values::percent::{parse_int_or_percent, parse_percent};
use mlspec::values::quantity::Quantity;
use mlspec::{Options, compile as compile_spec, emit};

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::builtin().expect("the built-in catalog loads"))
}

/// Every diagnostic renders against its file: its spans are in bounds.
fn render_all(diags: &Diagnostics, source: &SourceFile) {
    for d in diags.iter() {
        human(d, Some(source), Style::plain());
    }
}

/// The spec parser and the whole compiler. A spec without errors emits YAML, and no spec ever
/// produces an internal error (E0300, E0301): whatever the checks accept, the verify stage
/// accepts (E0310–E0319 are errors of a patch, which the verify stage points at).
pub fn compile(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = SourceFile::new("app.toml", text);
    let out = compile_spec(&source, catalog(), &Options::default());
    render_all(&out.diagnostics, &source);
    if let Some(d) = out
        .diagnostics
        .iter()
        .find(|d| d.code.id.starts_with("E030"))
    {
        panic!(
            "an accepted spec generated objects the verify stage rejects:\n{}",
            human(d, Some(&source), Style::plain())
        );
    }
    if !out.diagnostics.has_errors() {
        emit::yaml(&out.objects).expect("accepted objects serialize");
    }
}

/// The inventory reader: TOML pools, or a NodeList / List as JSON or YAML, auto-detected.
pub fn inventory(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The name only labels diagnostics: the format is detected from the text.
    let source = SourceFile::new("inventory", text);
    let (inv, diags) = inventory::parse(&source, catalog());
    render_all(&diags, &source);
    if let Some(inv) = inv {
        assert!(
            inv.nodes.iter().all(|n| !n.name.is_empty()),
            "a node without a name was accepted"
        );
    }
}

/// The running-pods reader (`kubectl get pods -A -o json|yaml`).
pub fn existing(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = SourceFile::new("pods.json", text);
    let (pods, diags) = inventory::parse_existing(&source);
    render_all(&diags, &source);
    render_all(
        &inventory::unknown_nodes(&source, &pods, cluster()),
        &source,
    );
    assert!(
        pods.iter().all(|p| !p.node.is_empty()),
        "a pod on no node holds resources"
    );
}

const POOLS: &str = r#"
[[pool]]
name = "cpu"
count = 3
cpu = "8"
memory = "32Gi"
zones = ["a", "b"]

[[pool]]
name = "gpu"
count = 1
cpu = "48"
memory = "192Gi"
accelerator = "nvidia-l4"
gpus = 4
zones = ["a"]
"#;

fn cluster() -> &'static Inventory {
    static INV: OnceLock<Inventory> = OnceLock::new();
    INV.get_or_init(|| {
        let (inv, diags) = inventory::parse(&SourceFile::new("pools.toml", POOLS), catalog());
        assert!(diags.is_empty(), "{diags:?}");
        inv.expect("the fuzz cluster parses")
    })
}

/// The manifest reader of `mlspec place` and the simulation behind it, on a small fixed cluster
/// (CPU nodes in two zones, a tainted GPU node): the report's counts add up, per moment placed +
/// unplaced = pods, and feasible exactly when nothing is unplaced.
pub fn place(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = SourceFile::new("manifests.yaml", text);
    let (manifests, diags) = place::read_manifests(&source);
    render_all(&diags, &source);
    let strategy = if data.len().is_multiple_of(2) {
        Strategy::Spread
    } else {
        Strategy::Binpack
    };
    let report = place::simulate(
        cluster(),
        &[],
        &manifests,
        &PlaceOptions {
            strategy,
            ..Default::default()
        },
    );
    let json = report.to_json();
    let moments = json["moments"].as_object().expect("moments");
    for (name, m) in moments {
        let n = |k: &str| m[k].as_u64().expect("a count");
        assert_eq!(n("placed") + n("unplaced"), n("pods"), "{name}: {m}");
        assert_eq!(
            m["feasible"].as_bool(),
            Some(n("unplaced") == 0),
            "{name}: {m}"
        );
    }
    report.to_text();
}

/// Kubernetes quantities, cron schedules, image references, durations and percentages: what
/// parses formats back into text that parses to the same value.
pub fn values(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(q) = Quantity::parse(s) {
        let text = q.to_string();
        match Quantity::parse(&text) {
            Ok(again) => assert_eq!(again, q, "{s:?} does not survive formatting as {text:?}"),
            Err(e) => panic!("{s:?} formats as {text:?}, which does not parse: {e}"),
        }
        q.milli_ceil();
        q.units_ceil();
    }
    if let Ok(d) = parse_duration(s) {
        let text = format_duration(d);
        assert_eq!(
            parse_duration(&text).ok(),
            Some(d),
            "{s:?} formats as {text:?}"
        );
    }
    let _ = parse_cron(s);
    let _ = parse_image(s);
    let _ = parse_percent(s);
    let _ = parse_int_or_percent(s);
}

/// The `--out-dir` planner (`emit::gitops`), on a folder and a plan described by the input's
/// lines: `plan PATH`, `owned PATH`, `foreign PATH`, `folder PATH`, `link PATH` (what the CLI
/// finds), and `doc KIND NAME APP` (a rendered object). Whatever the folder holds, nothing is
/// written through a link or a file, nothing in the way goes unreported, only mlspec's own files
/// at paths of its layout are removed, and what `plan` lays out is all in that layout.
pub fn outdir(data: &[u8]) {
    use std::collections::BTreeMap;

    use mlspec::emit::Rendered;
    use mlspec::emit::gitops::{self, Found};

    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut plan = gitops::Plan::new();
    let mut found = BTreeMap::new();
    let mut docs = Vec::new();
    for line in text.lines() {
        let mut words = line.split(' ');
        let (Some(tag), Some(path)) = (words.next(), words.next()) else {
            continue;
        };
        let rest = words.collect::<Vec<_>>().join(" ");
        let entry = match tag {
            "plan" => {
                plan.insert(path.to_string(), format!("{}{rest}", gitops::HEADER));
                continue;
            }
            "doc" => {
                let mut parts = rest.splitn(2, ' ');
                let (name, app) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                docs.push(Rendered {
                    id: format!("{path}/{name}"),
                    rank: 0,
                    kind: if path.is_empty() {
                        "Service".to_string()
                    } else {
                        "Deployment".to_string()
                    },
                    name: format!("{path}{name}"),
                    app: app.to_string(),
                    text: rest.clone(),
                });
                continue;
            }
            "owned" => Found::Owned(format!("{}{rest}", gitops::HEADER)),
            "foreign" => Found::Foreign,
            "folder" => Found::Folder,
            "link" => Found::Special("a symbolic link"),
            _ => continue,
        };
        found.insert(path.to_string(), entry);
    }
    if let Ok(laid_out) = gitops::plan(&docs) {
        for path in laid_out.keys() {
            assert!(
                gitops::in_layout(path),
                "plan writes {path:?} outside its layout"
            );
        }
    }
    let c = gitops::changes(&plan, &found);
    let folder_of = |p: &str| p.split_once('/').map(|(f, _)| f.to_string());
    for path in c.create.iter().chain(&c.update) {
        assert!(plan.contains_key(path), "{path} is written but not planned");
        if let Some(folder) = folder_of(path) {
            assert!(
                matches!(found.get(&folder), None | Some(Found::Folder)),
                "{path} is written through {folder:?}, which is {:?}",
                found.get(&folder)
            );
        }
        assert!(
            matches!(found.get(path), None | Some(Found::Owned(_))),
            "{path} replaces {:?}",
            found.get(path)
        );
    }
    for path in &c.remove {
        assert!(
            matches!(found.get(path), Some(Found::Owned(_))),
            "{path} is not mlspec's"
        );
        assert!(gitops::in_layout(path), "{path} is outside the layout");
        assert!(!plan.contains_key(path), "{path} is planned and removed");
    }
    for folder in &c.folders {
        assert!(
            !found.contains_key(folder),
            "{folder} exists and is made again"
        );
    }
    // Everything in the way of a planned file is reported.
    for path in plan.keys() {
        let in_the_way = |p: &str| !matches!(found.get(p), None | Some(Found::Owned(_)));
        let folder_blocked =
            folder_of(path).is_some_and(|f| !matches!(found.get(&f), None | Some(Found::Folder)));
        if in_the_way(path) || folder_blocked {
            assert!(
                c.blocked
                    .iter()
                    .any(|b| b.path == *path || Some(b.path.clone()) == folder_of(path)),
                "{path} is in the way but not reported: {c:?}"
            );
        }
    }
}

/// The user catalog reader (`stdlib::user`), on the input as each of the four catalog files.
/// Diagnostics render; a file with errors adds nothing; every entry it adds passes the catalog
/// checks without an error; and a spec that uses an added runtime or accelerator never yields
/// an internal error (E03xx): what the catalog checks accept, the pipeline accepts.
pub fn catalog_file(data: &[u8]) {
    use mlspec::stdlib::check::catalog as problems;
    use mlspec::stdlib::user;

    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for name in user::FILES {
        let file = SourceFile::new(format!("platform/{name}"), text);
        let (c, diags) = user::extend(catalog(), std::slice::from_ref(&file));
        render_all(&diags[0], &file);
        let added: Vec<(String, String)> = match name {
            "accelerators.toml" => {
                new_keys(&c.accelerators, &catalog().accelerators, "accelerator")
            }
            "runtimes.toml" => new_keys(&c.runtimes, &catalog().runtimes, "runtime"),
            "providers.toml" => new_keys(&c.providers, &catalog().providers, "provider"),
            _ => new_keys(&c.sources, &catalog().sources, "source"),
        };
        if diags[0].has_errors() {
            assert!(added.is_empty(), "a file with errors added {added:?}");
            continue;
        }
        let errors: Vec<_> = problems(&c)
            .into_iter()
            .filter(|p| p.code.id == "E0010")
            .collect();
        assert!(
            errors.is_empty(),
            "an accepted catalog fails its checks: {errors:?}"
        );
        for (kind, entry) in added.iter().take(4) {
            let resources = match kind.as_str() {
                "accelerator" => format!("[serve.resources]\naccelerator = {entry:?}\ngpus = 1\n"),
                _ => String::new(),
            };
            let runtime = match kind.as_str() {
                "runtime" => format!("runtime = {entry:?}\n"),
                _ => String::new(),
            };
            let spec = format!(
                "[app]\nname = \"fuzz\"\n[serve]\nimage = \"registry.example.com/fuzz:1.0.0\"\n{runtime}{resources}"
            );
            let source = SourceFile::new("app.toml", spec);
            let out = compile_spec(&source, &c, &Options::default());
            if let Some(d) = out
                .diagnostics
                .iter()
                .find(|d| d.code.id.starts_with("E03"))
            {
                panic!(
                    "a spec on an accepted catalog entry is an internal error:\n{}",
                    human(d, Some(&source), Style::plain())
                );
            }
        }
    }
}

/// The names `now` has that `before` has not, or whose entry it replaced, with what they are.
fn new_keys<T: std::fmt::Debug>(
    now: &std::collections::BTreeMap<String, T>,
    before: &std::collections::BTreeMap<String, T>,
    kind: &str,
) -> Vec<(String, String)> {
    now.iter()
        .filter(|(k, v)| {
            before
                .get(*k)
                .is_none_or(|b| format!("{b:?}") != format!("{v:?}"))
        })
        .map(|(k, _)| (kind.to_string(), k.clone()))
        .collect()
}
