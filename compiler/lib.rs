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
    /// The cluster's nodes (`--inventory`): each workload's node selector must match one (W0080).
    pub inventory: Option<std::sync::Arc<inventory::Inventory>>,
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

impl Compiled {
    /// A file that could not be read as a spec: only what was found.
    fn unread(diagnostics: Diagnostics) -> Compiled {
        Compiled {
            objects: Vec::new(),
            diagnostics: diagnostics.sorted(),
            memory: Vec::new(),
            link: None,
            origins: Vec::new(),
        }
    }
}

/// Compile one spec: parse → resolve → validate → generate → verify → patch → verify. What it
/// says about other apps is left for [`link::check`] over the whole build.
///
/// Every overlay the build does not use is checked too, and its findings that lie inside it are
/// reported, so a mistake in `[overlays.staging]` is caught while building prod. The file is
/// parsed once for all of them. Lint levels apply last, so a warning the patch stage finds can
/// be denied like any other.
pub fn compile(source: &SourceFile, catalog: &Catalog, options: &Options) -> Compiled {
    let provider = options.provider.as_deref();
    let version = options.k8s_version;
    let env = options.env.as_deref();
    let nodes = options.inventory.as_deref();
    let mut diagnostics = Diagnostics::default();
    let Some(tree) = spec::Tree::parse(source, &mut diagnostics) else {
        return Compiled::unread(diagnostics);
    };
    let Checked {
        spec,
        diagnostics: found,
        app,
        memory,
    } = check(&tree, catalog, env, provider, nodes);
    diagnostics.extend(found);
    let Some(spec) = &spec else {
        return Compiled::unread(diagnostics);
    };
    let mut objects = Vec::new();
    let mut link = None;
    let mut origins = Vec::new();
    for (name, extent) in tree.overlays() {
        if env == Some(name.as_str()) {
            continue;
        }
        let Checked {
            spec: other,
            diagnostics: mut found,
            app: other_app,
            ..
        } = check(&tree, catalog, Some(name), provider, nodes);
        if let (Some(other), Some(other_app)) = (&other, &other_app)
            && !found.has_errors()
        {
            if other.patches.iter().any(|(_, p)| p.touches(*extent)) {
                // An overlay's patches are checked against what that overlay builds.
                let target = Target {
                    source,
                    tree: &tree,
                    env: Some(name),
                    version,
                };
                build(&target, other, other_app, &mut found);
            } else {
                // What this overlay would put in the bundle, checked too (a secret in its args).
                let docs = document::documents(&generate::generate(other_app));
                let values = docs.iter().map(|d| &d.value);
                found.extend(verify::strings::check(&tree.merged(Some(name)), values));
            }
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
        let target = Target {
            source,
            tree: &tree,
            env,
            version,
        };
        objects = build(&target, spec, &app, &mut diagnostics);
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

/// What [`build`] builds for: the file, its parsed tree and overlay, the Kubernetes version.
struct Target<'a> {
    source: &'a SourceFile,
    tree: &'a spec::Tree,
    env: Option<&'a str>,
    version: verify::KubeVersion,
}

/// Generate, verify, patch and verify again, then look for literal secrets in every string of
/// the result and for volumes larger than a pod's disk limit: the bundle's objects, or none
/// after an error.
///
/// The generated objects are verified before any patch, so a finding there is mlspec's bug
/// (E0300/E0301) and one after is a patch's (E0313–E0315). Secrets are looked for last, in the
/// patched objects, so one a patch brings is caught too.
fn build(
    target: &Target,
    spec: &spec::Spec,
    app: &app::App,
    diagnostics: &mut Diagnostics,
) -> Vec<Document> {
    let version = target.version;
    let mut docs = document::documents(&generate::generate(app));
    let found = verify::verify(&docs, version);
    if !found.is_empty() {
        let values = verify::documents(&docs);
        // A literal secret is the user's error, and may be what broke an object (a 3 MB value).
        let leaks = verify::strings::check(&target.tree.merged(target.env), &values);
        if leaks.has_errors() {
            diagnostics.extend(leaks);
        } else {
            diagnostics.extend(verify::diagnostics(target.source, &values, &found, version));
        }
        return Vec::new();
    }
    if !spec.patches.is_empty() {
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
    }
    let tree = target.tree.merged(target.env);
    let leaks = verify::strings::check(&tree, docs.iter().map(|d| &d.value));
    let failed = leaks.has_errors();
    diagnostics.extend(leaks);
    if failed {
        return Vec::new();
    }
    diagnostics.extend(verify::ephemeral::check(&tree, &docs));
    docs
}

/// What [`check`] found for one choice of overlay.
struct Checked {
    spec: Option<spec::Spec>,
    diagnostics: Diagnostics,
    app: Option<app::App>,
    /// Each LLM server's memory account (its findings are in `diagnostics`).
    memory: Vec<memory::Assessment>,
}

/// Everything but generation, for one choice of overlay.
fn check(
    tree: &spec::Tree,
    catalog: &Catalog,
    env: Option<&str>,
    provider: Option<&str>,
    nodes: Option<&inventory::Inventory>,
) -> Checked {
    let (spec, mut diagnostics) = tree.read(env);
    let Some(spec) = spec else {
        return Checked {
            spec: None,
            diagnostics,
            app: None,
            memory: Vec::new(),
        };
    };
    let base = catalog;
    let (catalog, d) = resolve::provider::catalog(&spec, base, provider);
    diagnostics.extend(d);
    let (app, d) = resolve::resolve(&spec, &catalog);
    diagnostics.extend(d);
    let mut memory = Vec::new();
    if let Some(app) = &app {
        let nodes = nodes.map(|inv| (inv, base));
        diagnostics.extend(validate::validate(&spec, app, &catalog, nodes));
        let (assessed, d) = memory::assess(&spec, app, &catalog);
        diagnostics.extend(d);
        memory = assessed;
    }
    Checked {
        spec: Some(spec),
        diagnostics,
        app,
        memory,
    }
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
