//! mlspec: compile a short TOML spec of an ML application into validated, deterministic
//! Kubernetes objects.
//!
//! The library is pure: text and a catalog in, objects and diagnostics out. Only `cli` reads
//! files, the environment or the clock, and only it prints. See ARCHITECTURE.md for the map.

#![deny(clippy::print_stdout, clippy::print_stderr, clippy::disallowed_methods)]

pub mod app;
pub mod diagnostics;
pub mod emit;
pub mod generate;
pub mod inventory;
pub mod memory;
pub mod place;
pub mod pointer;
pub mod provenance;
pub mod resolve;
pub mod schema;
pub mod source;
pub mod spec;
pub mod stdlib;
pub mod validate;
pub mod values;
pub mod verify;

use diagnostics::Diagnostics;
use generate::Object;
use source::SourceFile;
use stdlib::Catalog;

/// What a compile asks for beyond the text.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The `[overlays.NAME]` to merge over the file.
    pub env: Option<String>,
    /// Lint levels from the command line; they win over the spec's `[lint]`.
    pub lint: diagnostics::lint::Levels,
    /// The Kubernetes version the objects are verified against.
    pub k8s_version: verify::KubeVersion,
    /// The cloud provider for specs that name none in `[app] provider` (`--provider`).
    pub provider: Option<String>,
    /// The cluster's nodes (`--inventory`): each workload's node selector must match one (W0080).
    pub inventory: Option<std::sync::Arc<inventory::Inventory>>,
}

/// The outcome of compiling one spec: objects (empty when any error was found) and every
/// diagnostic, sorted by position.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub objects: Vec<Object>,
    pub diagnostics: Diagnostics,
    /// Each LLM server's memory account, for `mlspec memory` (empty when the spec has none).
    pub memory: Vec<memory::Assessment>,
}

/// Compile one spec: parse → resolve → validate → generate → verify.
///
/// Every overlay the build does not use is checked too, and its findings that lie inside it are
/// reported, so a mistake in `[overlays.staging]` is caught while building prod.
pub fn compile(source: &SourceFile, catalog: &Catalog, options: &Options) -> Compiled {
    let provider = options.provider.as_deref();
    let nodes = options.inventory.as_deref();
    let (spec, mut diagnostics, app) =
        check(source, catalog, options.env.as_deref(), provider, nodes);
    // The validate stage reported what the accounts mean; the report wants the accounts.
    let memory = match (&spec, &app) {
        (Some(spec), Some(app)) => memory::assess(spec, app, catalog).0,
        _ => Vec::new(),
    };
    let mut objects = Vec::new();
    if let Some(spec) = &spec {
        for (name, extent) in &spec.overlays {
            if options.env.as_deref() == Some(name.as_str()) {
                continue;
            }
            let (_, found, _) = check(source, catalog, Some(name), provider, nodes);
            for d in found {
                if d.primary.as_ref().is_some_and(|l| extent.contains(l.span)) {
                    diagnostics.push(d);
                }
            }
        }
    }
    if let Some(spec) = &spec {
        let levels = resolve::lint::levels(&mut diagnostics, spec, &source.name);
        diagnostics = diagnostics::lint::apply(diagnostics, &levels, &options.lint);
    }
    if let Some(app) = app
        && !diagnostics.has_errors()
    {
        objects = generate::generate(&app);
        let docs = verify::documents(&objects);
        let found = verify::verify_documents(&docs, options.k8s_version);
        if !found.is_empty() {
            diagnostics.extend(verify::diagnostics(
                source,
                &docs,
                &found,
                options.k8s_version,
            ));
            objects.clear();
        }
    }
    Compiled {
        objects,
        diagnostics: diagnostics.sorted(),
        memory,
    }
}

/// Everything but generation, for one choice of overlay.
fn check(
    source: &SourceFile,
    catalog: &Catalog,
    env: Option<&str>,
    provider: Option<&str>,
    nodes: Option<&inventory::Inventory>,
) -> (Option<spec::Spec>, Diagnostics, Option<app::App>) {
    let (spec, mut diagnostics) = spec::parse(source, env);
    let Some(spec) = spec else {
        return (None, diagnostics, None);
    };
    let base = catalog;
    let (catalog, d) = resolve::provider::catalog(&spec, base, provider);
    diagnostics.extend(d);
    let (app, d) = resolve::resolve(&spec, &catalog);
    diagnostics.extend(d);
    if let Some(app) = &app {
        let nodes = nodes.map(|inv| (inv, base));
        diagnostics.extend(validate::validate(&spec, app, &catalog, nodes));
    }
    (Some(spec), diagnostics, app)
}

/// Compile text with the built-in catalog and no options (handy in tests).
pub fn compile_str(text: &str) -> (Vec<Object>, Diagnostics) {
    let catalog = match Catalog::builtin() {
        Ok(c) => c,
        Err(e) => panic!("the built-in catalog is broken: {e}"),
    };
    let c = compile(
        &SourceFile::new("app.toml", text),
        &catalog,
        &Options::default(),
    );
    (c.objects, c.diagnostics)
}
