//! Parse stage: TOML text → `Spec`, what the user wrote, every value with its span.
//!
//! Syntax errors, unknown keys and wrong types are all reported here, as many as the file has.
//! `--env NAME` merges `[overlays.NAME]` over the file first (see `overlay`). The spec records
//! every overlay's name and extent so `compile` can check the others too.

pub mod app;
pub mod architecture;
pub mod batch;
pub mod group;
pub mod model;
pub mod overlay;
pub mod patch;
pub mod pod;
pub mod read;
pub mod serve;
pub mod state;
pub mod traffic;
pub mod tree;
pub mod workload;

use std::collections::BTreeMap;

use schemars::JsonSchema;

use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::{SourceFile, Span};
use crate::values::suggest::suggest;
pub use app::{AppSection, Placement, TolerationSpec};
pub use batch::{Batch, History, Schedule};
pub use patch::Patch;
use read::{Fields, Pairs, Sp};
pub use serve::{
    Cron, Health, Ingress, Keda, PortSpec, Prometheus, Rollout, Route, Scaling, Serve, Target, Tls,
};
use tree::{Node, Value};
pub use workload::{AcceleratorRef, Container, Resources};

/// Files larger than this are refused before parsing.
pub const MAX_SPEC_BYTES: usize = 4 * 1024 * 1024;

/// One application, as written: an mlspec spec (`app.toml`), compiled by `mlspec build` into
/// Kubernetes manifests.
// The doc comments of the spec types are the JSON Schema's descriptions: editors show them.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(title = "mlspec spec", deny_unknown_fields)]
pub struct Spec {
    /// The application's identity, shared by every object: its name, namespace, version and
    /// labels.
    pub app: AppSection,
    /// The long-running model server: a Deployment and a Service, with its probes, autoscaler,
    /// disruption budget and ingress. Its objects are named after the app.
    pub serve: Option<Serve>,
    /// More servers of the same app, one Deployment and Service per `[servers.NAME]` table
    /// (named `APP-NAME`), with the keys of `[serve]`: a router and its engines, a web front end,
    /// a model API and a cache. They share the app's identity and `[placement]`, and reach each
    /// other only as their `callers` declare.
    #[schemars(with = "Option<BTreeMap<String, Serve>>")]
    pub servers: Vec<(Sp<String>, Serve)>,
    /// One-off batch work, one Job per `[jobs.NAME]` table.
    #[schemars(with = "Option<BTreeMap<String, Batch>>")]
    pub jobs: Vec<(Sp<String>, Batch)>,
    /// Scheduled batch work, one CronJob per `[schedules.NAME]` table.
    #[schemars(with = "Option<BTreeMap<String, Schedule>>")]
    pub schedules: Vec<(Sp<String>, Schedule)>,
    /// Where every workload's pods may run: node selector, tolerations, topology spread.
    pub placement: Option<Placement>,
    /// `[lint]`: warning code or name → `allow`, `warn` or `deny` (the command line's
    /// `--allow`/`--warn`/`--deny` win).
    #[schemars(with = "Option<crate::schema::Lints>")]
    pub lint: Pairs,
    /// `[waivers]`: scanner check ID → the reason the workload needs the exception, written
    /// as a `checkov.io/skipN` annotation and reported as W0008.
    #[schemars(with = "Option<crate::schema::Waivers>")]
    pub waivers: Pairs,
    /// `[patches.NAME]`: changes to generated objects for what no key covers, applied in name
    /// order before verification; the patched objects pass the same checks.
    #[schemars(with = "Option<BTreeMap<String, Patch>>")]
    pub patches: Vec<(Sp<String>, Patch)>,
    /// The overlay that was applied, if any.
    #[schemars(skip)]
    pub env: Option<String>,
    /// `[overlays.NAME]`: a partial spec that `--env NAME` deep-merges over the file (dotted
    /// keys such as `serve.scaling = { min = 4 }` allowed). Every overlay is checked on every
    /// build.
    // Held here as each overlay's name and the span its keys and values cover.
    #[schemars(with = "Option<crate::schema::Overlays>")]
    pub overlays: Vec<(String, Span)>,
}

impl Spec {
    /// Every server with its spec path (`serve`, `servers.NAME`) and its name (the app's for
    /// `[serve]`, else NAME), in the order of `App::servers`: `[serve]` first, then the
    /// `[servers.NAME]` tables by name.
    pub fn servers(&self) -> impl Iterator<Item = SpecServer<'_>> {
        let app = self.app.name.as_ref().map_or("", |n| n.v.as_str());
        self.serve
            .iter()
            .map(move |s| SpecServer {
                path: "serve".to_string(),
                name: app.to_string(),
                key: None,
                serve: s,
            })
            .chain(self.servers.iter().map(|(k, s)| SpecServer {
                path: format!("servers.{}", k.v),
                name: k.v.clone(),
                key: Some(k),
                serve: s,
            }))
    }

    /// The server at a spec path (`serve`, `servers.NAME`).
    pub fn server(&self, path: &str) -> Option<&Serve> {
        self.servers().find(|s| s.path == path).map(|s| s.serve)
    }
}

/// One server table of a spec, as [`Spec::servers`] yields it.
#[derive(Debug, Clone)]
pub struct SpecServer<'a> {
    pub path: String,
    pub name: String,
    /// The `NAME` key of `[servers.NAME]`; `None` for `[serve]`.
    pub key: Option<&'a Sp<String>>,
    pub serve: &'a Serve,
}

/// Parse a spec, applying `[overlays.<env>]` when `env` is given.
pub fn parse(source: &SourceFile, env: Option<&str>) -> (Option<Spec>, Diagnostics) {
    let mut d = Diagnostics::default();
    let Some(tree) = Tree::parse(source, &mut d) else {
        return (None, d);
    };
    let (spec, more) = tree.read(env);
    d.extend(more);
    let spec = spec.map(|mut s| {
        s.overlays = tree.extents;
        s
    });
    (spec, d)
}

/// A spec's value tree with its overlays taken off: parsed once, then read with each overlay in
/// turn (`compile` checks every overlay on every build), so the cost of a file with many
/// overlays grows with their number, not with its square.
pub struct Tree {
    root: Node,
    overlays: Vec<(Sp<String>, Node)>,
    /// Each overlay's name and the span its keys and values cover, worked out once.
    extents: Vec<(String, Span)>,
    /// Each overlay's position by name, so reading one never scans them all.
    index: BTreeMap<String, usize>,
}

impl Tree {
    /// The tree of a file, with its syntax and overlay-shape diagnostics; `None` when the file
    /// is over the size limit.
    pub fn parse(source: &SourceFile, d: &mut Diagnostics) -> Option<Tree> {
        if source.text.len() > MAX_SPEC_BYTES {
            d.push(
                Diagnostic::new(
                    &codes::E0009,
                    format!(
                        "the file is {} bytes; specs are limited to {MAX_SPEC_BYTES} bytes",
                        source.text.len()
                    ),
                )
                .at(Span::file_start(), "file starts here")
                .help("a spec describes one application in a few dozen lines; split generated content out"),
            );
            return None;
        }
        let mut root = tree::parse(&source.text, d);
        let overlays = take_overlays(&mut root, d);
        let extents = overlays
            .iter()
            .map(|(n, node)| (n.v.clone(), Span::new(n.span.start, node.extent().end)))
            .collect();
        let index = overlays
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (n.v.clone(), i))
            .collect();
        Some(Tree {
            root,
            overlays,
            extents,
            index,
        })
    }

    /// Each overlay's name and the span its keys and values cover, in key order.
    pub fn overlays(&self) -> &[(String, Span)] {
        &self.extents
    }

    /// The value tree with `[overlays.<env>]` merged over the file when `env` names one.
    pub fn merged(&self, env: Option<&str>) -> std::borrow::Cow<'_, Node> {
        let overlay = env
            .and_then(|env| self.index.get(env))
            .and_then(|&i| self.overlays.get(i));
        match overlay {
            Some((_, node)) => {
                let mut root = self.root.clone();
                overlay::merge(&mut root, node);
                std::borrow::Cow::Owned(root)
            }
            None => std::borrow::Cow::Borrowed(&self.root),
        }
    }

    /// The spec with `[overlays.<env>]` merged over the file when `env` is given (its
    /// `overlays` are left empty: they are the tree's, [`Tree::overlays`]).
    pub fn read(&self, env: Option<&str>) -> (Option<Spec>, Diagnostics) {
        let mut d = Diagnostics::default();
        if let Some(env) = env.filter(|env| !self.index.contains_key(*env)) {
            d.push(unknown_env(env, &self.overlays));
        }
        let merged = self.merged(env);
        let root = merged.as_ref();
        let spec = read_spec(root, &mut d).map(|mut s| {
            s.env = env.map(str::to_string);
            s
        });
        (spec, d)
    }
}

/// E0006: `--env` names an overlay the file does not have.
fn unknown_env(env: &str, overlays: &[(Sp<String>, Node)]) -> Diagnostic {
    let names: Vec<&str> = overlays.iter().map(|(n, _)| n.v.as_str()).collect();
    let diag = Diagnostic::new(
        &codes::E0006,
        format!("`--env {env}` names no overlay: there is no `[overlays.{env}]`"),
    )
    .at(Span::file_start(), "in this file");
    match (suggest(env, names.iter()), names.is_empty()) {
        (Some(s), _) => diag.help(format!("did you mean `--env {s}`?")),
        (None, true) => diag.help(format!("add an `[overlays.{env}]` table, or drop `--env`")),
        (None, false) => diag.help(format!("the overlays defined are: {}", names.join(", "))),
    }
}

/// Remove `overlays` from the root and return each overlay by name.
fn take_overlays(root: &mut Node, d: &mut Diagnostics) -> Vec<(Sp<String>, Node)> {
    let Value::Table(t) = &mut root.value else {
        return Vec::new();
    };
    let Some(entry) = t.entries.remove("overlays") else {
        return Vec::new();
    };
    let Value::Table(envs) = entry.node.value else {
        d.push(read::wrong_type(
            "overlays",
            "a table of `[overlays.NAME]` tables",
            &entry.node,
        ));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, e) in envs.entries {
        if e.node.as_table().is_none() {
            d.push(read::wrong_type(
                &format!("overlays.{name}"),
                "a table",
                &e.node,
            ));
            continue;
        }
        if name.contains("overlays")
            || e.node
                .as_table()
                .is_some_and(|t| t.get("overlays").is_some())
        {
            d.push(
                Diagnostic::new(
                    &codes::E0007,
                    format!("overlay `{name}` contains `overlays`"),
                )
                .at(e.key_span, "overlays cannot nest")
                .help("write each environment as its own `[overlays.NAME]` table"),
            );
            continue;
        }
        out.push((Sp::new(name, e.key_span), e.node));
    }
    out
}

fn read_spec(root: &Node, d: &mut Diagnostics) -> Option<Spec> {
    let mut f = Fields::new(root, "", d)?;
    f.asked_overlays();
    let app = f.required(
        d,
        "app",
        |f, d, k| f.table(d, k, AppSection::read),
        "{ name = \"my-model\" }  (or an `[app]` table)",
    );
    let spec = Spec {
        serve: f.table(d, "serve", Serve::read),
        servers: f.named_tables(d, "servers", Serve::read),
        jobs: f.named_tables(d, "jobs", Batch::read),
        schedules: f.named_tables(d, "schedules", Schedule::read),
        placement: f.table(d, "placement", Placement::read),
        lint: f.pairs(d, "lint").unwrap_or_default(),
        waivers: f.pairs(d, "waivers").unwrap_or_default(),
        patches: f.named_tables(d, "patches", Patch::read),
        app: app.unwrap_or_default(),
        env: None,
        overlays: Vec::new(),
    };
    f.finish(d);
    Some(spec)
}

impl Fields<'_> {
    /// `overlays` is taken off the root before reading; keep it a known key for suggestions.
    fn asked_overlays(&mut self) {
        let _ = self.entry("overlays");
    }
}
