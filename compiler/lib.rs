//! mlspec: compile a short TOML spec of an ML application into validated, deterministic
//! Kubernetes objects.
//!
//! The library is pure: text and a catalog in, objects and diagnostics out. Only `cli` reads
//! files, the environment or the clock, and only it prints. See ARCHITECTURE.md for the map.

#![deny(clippy::print_stdout, clippy::print_stderr, clippy::disallowed_methods)]

pub mod app;
pub mod diagnostics;
pub mod document;
pub mod emit;
pub mod generate;
pub mod inventory;
pub mod kinds;
pub mod link;
pub mod memory;
pub mod patch;
pub mod place;
pub mod pointer;
pub mod policy;
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
use document::Document;
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
}

/// The outcome of compiling one spec: objects (empty when any error was found) and every
/// diagnostic, sorted by position.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The objects as JSON documents, in bundle order.
    pub objects: Vec<Document>,
    pub diagnostics: Diagnostics,
    /// Each LLM server's memory account, for `mlspec memory` (empty when the spec has none).
    pub memory: Vec<memory::Assessment>,
    /// What the link stage needs to check this app against the rest of a build (when it built).
    pub link: Option<link::Unit>,
    /// Origins the generators know of values an object cannot tell (`generate::origins`), for
    /// `build --annotate`.
    pub origins: Vec<(String, String, String)>,
}

/// Compile one spec: parse → resolve → validate → generate → verify → patch → verify. What it
/// says about other apps is left for [`link::check`] over the whole build.
///
/// Every overlay the build does not use is checked too, and its findings that lie inside it are
/// reported, so a mistake in `[overlays.staging]` is caught while building prod. Lint levels
/// apply last, so a warning the patch stage finds can be denied like any other.
pub fn compile(source: &SourceFile, catalog: &Catalog, options: &Options) -> Compiled {
    let provider = options.provider.as_deref();
    let version = options.k8s_version;
    let (spec, mut diagnostics, app) = check(source, catalog, options.env.as_deref(), provider);
    // The validate stage reported what the accounts mean; the report wants the accounts.
    let memory = match (&spec, &app) {
        (Some(spec), Some(app)) => memory::assess(spec, app, catalog).0,
        _ => Vec::new(),
    };
    let mut objects = Vec::new();
    let mut link = None;
    let mut origins = Vec::new();
    let Some(spec) = &spec else {
        return Compiled {
            objects,
            diagnostics: diagnostics.sorted(),
            memory,
            link,
            origins,
        };
    };
    for (name, extent) in &spec.overlays {
        if options.env.as_deref() == Some(name.as_str()) {
            continue;
        }
        let (other, mut found, other_app) = check(source, catalog, Some(name), provider);
        // An overlay's patches are checked against what that overlay builds.
        if let (Some(other), Some(other_app)) = (&other, &other_app)
            && !found.has_errors()
            && other.patches.iter().any(|(_, p)| p.touches(*extent))
        {
            build(source, other, other_app, version, &mut found);
        }
        for d in found {
            if d.primary.as_ref().is_some_and(|l| extent.contains(l.span)) {
                diagnostics.push(d);
            }
        }
    }
    let levels = resolve::lint::levels(&mut diagnostics, spec, &source.name);
    if let Some(app) = app
        && !diagnostics.has_errors()
    {
        objects = build(source, spec, &app, version, &mut diagnostics);
        link = Some(link::unit(spec, &app, levels.clone()));
        origins = generate::origins(&app);
    }
    diagnostics = diagnostics::lint::apply(diagnostics, &levels, &options.lint);
    if diagnostics.has_errors() {
        objects.clear();
        link = None;
        origins.clear();
    }
    Compiled {
        objects,
        diagnostics: diagnostics.sorted(),
        memory,
        link,
        origins,
    }
}

/// Generate, verify, patch and verify again: the bundle's objects, or none after an error.
///
/// The generated objects are verified before any patch, so a finding there is mlspec's bug
/// (E0300/E0301) and one after is a patch's (E0313–E0315).
fn build(
    source: &SourceFile,
    spec: &spec::Spec,
    app: &app::App,
    version: verify::KubeVersion,
    diagnostics: &mut Diagnostics,
) -> Vec<Document> {
    let mut docs = document::documents(&generate::generate(app));
    let found = verify::verify(&docs, version);
    if !found.is_empty() {
        let values = verify::documents(&docs);
        diagnostics.extend(verify::diagnostics(source, &values, &found, version));
        return Vec::new();
    }
    if spec.patches.is_empty() {
        return docs;
    }
    let mut patched = Diagnostics::default();
    let applied = patch::apply(spec, &mut docs, &mut patched);
    let failed = patched.has_errors();
    diagnostics.extend(patched);
    if failed {
        return Vec::new();
    }
    let found = verify::verify(&docs, version);
    if !found.is_empty() {
        diagnostics.extend(patch::blame::findings(
            spec, &docs, &applied, &found, version,
        ));
        return Vec::new();
    }
    docs
}

/// Everything but generation, for one choice of overlay.
fn check(
    source: &SourceFile,
    catalog: &Catalog,
    env: Option<&str>,
    provider: Option<&str>,
) -> (Option<spec::Spec>, Diagnostics, Option<app::App>) {
    let (spec, mut diagnostics) = spec::parse(source, env);
    let Some(spec) = spec else {
        return (None, diagnostics, None);
    };
    let (catalog, d) = resolve::provider::catalog(&spec, catalog, provider);
    diagnostics.extend(d);
    let (app, d) = resolve::resolve(&spec, &catalog);
    diagnostics.extend(d);
    if let Some(app) = &app {
        diagnostics.extend(validate::validate(&spec, app, &catalog));
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
    let objects = c.objects.iter().filter_map(|d| d.typed().ok()).collect();
    (objects, c.diagnostics)
}
