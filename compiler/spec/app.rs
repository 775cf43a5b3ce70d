//! `[app]` (identity shared by every object) and `[placement]` (where pods may run).

use schemars::JsonSchema;

use super::read::{Fields, Pairs, Sp, wrong_type};
use super::tree::Value;
use crate::diagnostics::Diagnostics;
use crate::source::Span;

/// `[app]`: the application's identity, shared by every object.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct AppSection {
    /// A DNS label of at most 40 characters, starting with a letter: every object is named from
    /// it.
    #[schemars(required, extend("examples" = ["sentiment", "llm-chat"]))]
    pub name: Option<Sp<String>>,
    /// The namespace of every object; defaults to `name`.
    #[schemars(extend("examples" = ["ml"]))]
    pub namespace: Option<Sp<String>>,
    /// The app's version, written as the `app.kubernetes.io/version` label.
    #[schemars(with = "Option<crate::schema::ScalarString>", extend("examples" = ["1.4.0"]))]
    pub version: Option<Sp<String>>,
    /// Labels added to every object and pod.
    #[schemars(with = "Option<crate::schema::ScalarMap>", extend("examples" = [{ "team": "nlp" }]))]
    pub labels: Pairs,
    /// Annotations added to every object.
    #[schemars(with = "Option<crate::schema::ScalarMap>")]
    pub annotations: Pairs,
    /// `true` emits a Namespace that enforces Pod Security "restricted".
    pub create_namespace: Option<Sp<bool>>,
    /// A folder with the platform team's own `accelerators.toml`, `providers.toml`,
    /// `runtimes.toml` and/or `sources.toml`, relative to this file; its entries add to the built-in catalog or replace entries of the
    /// same name (over `--stdlib`). Read by the command line, before compiling.
    #[schemars(extend("examples" = ["../platform/stdlib"]))]
    pub stdlib: Option<Sp<String>>,
    /// The cloud provider whose node labels accelerator selectors use (stdlib/providers.toml):
    /// `gke` selects `cloud.google.com/gke-accelerator`, `eks` Karpenter's GPU labels. Default:
    /// `--provider`, else `generic` (NVIDIA GPU feature discovery labels).
    #[schemars(extend("x-catalog" = "providers"))]
    pub provider: Option<Sp<String>>,
    #[schemars(skip)]
    pub span: Span,
}

impl AppSection {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> AppSection {
        AppSection {
            name: f.required(d, "name", |f, d, k| f.string(d, k), "\"my-model\""),
            namespace: f.string(d, "namespace"),
            version: f.scalar_string(d, "version"),
            labels: f.pairs(d, "labels").unwrap_or_default(),
            annotations: f.pairs(d, "annotations").unwrap_or_default(),
            create_namespace: f.bool(d, "create_namespace"),
            stdlib: f.string(d, "stdlib"),
            provider: f.string(d, "provider"),
            span: f.span(),
        }
    }
}

/// The value and span of `[app] stdlib` in a spec's text, if it has a string there: the
/// command line reads that catalog before compiling.
pub fn stdlib_of(text: &str) -> Option<(String, Span)> {
    // Most specs name no catalog: spare them a second parse on the build path.
    if !text.contains("stdlib") {
        return None;
    }
    let mut scratch = Diagnostics::default();
    let root = super::tree::parse(text, &mut scratch);
    let Value::Table(top) = &root.value else {
        return None;
    };
    let Value::Table(app) = &top.get("app")?.node.value else {
        return None;
    };
    let node = &app.get("stdlib")?.node;
    match &node.value {
        Value::Str(s) => Some((s.clone(), node.span)),
        _ => None,
    }
}

/// `[placement]`: where every workload's pods may run.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Placement {
    /// Labels nodes must carry (nodeSelector), merged with the accelerator's.
    #[schemars(with = "Option<crate::schema::ScalarMap>", extend("examples" = [{ "pool": "inference" }]))]
    pub node_selector: Pairs,
    /// Taints the pods tolerate, besides those of the accelerator, which are added by
    /// themselves.
    #[schemars(with = "Option<Vec<TolerationSpec>>")]
    pub tolerations: Vec<TolerationSpec>,
    /// Topology spread of replicas: across zones (the default with more than one replica), one
    /// per node, or none.
    #[schemars(extend("enum" = crate::resolve::serve::SPREADS))]
    pub spread: Option<Sp<String>>,
    /// The pods' PriorityClass.
    pub priority_class: Option<Sp<String>>,
    /// The pods' RuntimeClass (e.g. `nvidia`, `gvisor`).
    pub runtime_class: Option<Sp<String>>,
}

impl Placement {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> Placement {
        Placement {
            node_selector: f.pairs(d, "node_selector").unwrap_or_default(),
            tolerations: read_tolerations(f, d),
            spread: f.string(d, "spread"),
            priority_class: f.string(d, "priority_class"),
            runtime_class: f.string(d, "runtime_class"),
        }
    }
}

/// A toleration: `"key=value:Effect"` (as `kubectl taint` writes a taint), or a table
/// `{ key, operator, value, effect }`.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[schemars(untagged, deny_unknown_fields)]
pub enum TolerationSpec {
    /// `key=value:Effect`, `key:Effect`, `key=value`, `key` or `:Effect`.
    #[schemars(extend("examples" = ["dedicated=batch:NoSchedule"]))]
    Short(Sp<String>),
    /// A toleration as Kubernetes writes it.
    Table {
        /// The taint key; none tolerates every taint (with operator `Exists`).
        key: Option<Sp<String>>,
        /// `Exists` (any value) or `Equal` (the default with a value); any case.
        #[schemars(extend("enum" = crate::resolve::toleration::OPERATORS))]
        operator: Option<Sp<String>>,
        /// The taint value, with operator `Equal`.
        value: Option<Sp<String>>,
        /// The taint effect tolerated; none tolerates every effect.
        #[schemars(extend("enum" = crate::resolve::toleration::EFFECTS))]
        effect: Option<Sp<String>>,
        #[schemars(skip)]
        span: Span,
    },
}

fn read_tolerations(f: &mut Fields, d: &mut Diagnostics) -> Vec<TolerationSpec> {
    let path = f.key_path("tolerations");
    let Some(e) = f.entry("tolerations") else {
        return Vec::new();
    };
    let Value::Array(items) = &e.node.value else {
        d.push(wrong_type(&path, "an array of tolerations", &e.node));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let item_path = format!("{path}[{i}]");
        match &item.value {
            Value::Str(s) => out.push(TolerationSpec::Short(Sp::new(s.clone(), item.span))),
            Value::Table(_) => {
                if let Some(mut t) = Fields::new(item, &item_path, d) {
                    out.push(TolerationSpec::Table {
                        key: t.string(d, "key"),
                        operator: t.string(d, "operator"),
                        value: t.string(d, "value"),
                        effect: t.string(d, "effect"),
                        span: item.span,
                    });
                    t.finish(d);
                }
            }
            _ => d.push(wrong_type(
                &item_path,
                "a string `key=value:Effect` or a table",
                item,
            )),
        }
    }
    out
}
