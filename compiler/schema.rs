//! The JSON Schemas of mlspec's two TOML formats, generated from their Rust types: the spec
//! (`spec::Spec`) and the node-pool inventory (`inventory::pool_file::PoolFile`).
//!
//! Editors read them through a `#:schema` line; `schemas/*.schema.json` are these, committed,
//! and a test fails when they are stale. The spec types hold spans and are read by hand
//! (`spec::read`), not by serde, so their `JsonSchema` derives say by attribute what the reader
//! accepts: `Sp<T>` is `T`, spans are skipped, `[jobs.NAME]` tables are maps, and every table
//! the reader checks for unknown keys has `additionalProperties: false`. Names from the catalog
//! (runtimes, accelerators) are marked `x-catalog` in the derives and become enums here, from
//! the catalog given. Draft-07, the draft editors' TOML tooling reads.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::transform::{Transform, transform_subschemas};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value, json};

use crate::diagnostics::codes::ALL;
use crate::diagnostics::lint::Level;
use crate::inventory::pool_file::PoolFile;
use crate::spec::Spec;
use crate::stdlib::Catalog;

/// The schema of an app spec (`app.toml`), with the catalog's runtime and accelerator names.
pub fn spec(catalog: &Catalog) -> Value {
    let mut root = generate::<Spec>(catalog);
    describe_overlays(&mut root);
    root
}

/// The schema of the TOML node-pool inventory (`mlspec place --inventory pools.toml`).
pub fn inventory(catalog: &Catalog) -> Value {
    generate::<PoolFile>(catalog)
}

/// A schema as the committed file holds it: pretty JSON and a final newline.
pub fn render(schema: &Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
    text.push('\n');
    text
}

fn generate<T: JsonSchema>(catalog: &Catalog) -> Value {
    let names = CatalogNames {
        runtimes: catalog.runtimes.keys().cloned().collect(),
        accelerators: catalog.accelerators.keys().cloned().collect(),
        providers: catalog.providers.keys().cloned().collect(),
        models: catalog.models.keys().cloned().collect(),
        sources: catalog
            .sources
            .keys()
            .map(String::as_str)
            .chain([crate::stdlib::PVC_SCHEME])
            .collect::<Vec<_>>()
            .join("|"),
    };
    SchemaSettings::draft07()
        .with_transform(names)
        .with_transform(NoNull)
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}

/// `[overlays.NAME]` holds a partial spec: each top-level section of the spec (but `overlays`)
/// as a table of any keys, with the section's description. What the overlay's keys mean is
/// checked once it is merged, as `--env NAME` does.
fn describe_overlays(root: &mut Value) {
    let Some(props) = root.get("properties").and_then(Value::as_object) else {
        return;
    };
    let sections: Map<String, Value> = props
        .iter()
        .filter(|(k, _)| k.as_str() != "overlays")
        .map(|(k, v)| {
            let mut section = json!({ "type": "object" });
            if let Some(d) = v.get("description") {
                section["description"] = d.clone();
            }
            (k.clone(), section)
        })
        .collect();
    if let Some(overlay) = root.pointer_mut("/properties/overlays/additionalProperties") {
        overlay["properties"] = Value::Object(sections);
        overlay["additionalProperties"] = Value::Bool(false);
    }
}

/// Replaces each `"x-catalog": "runtimes" | "accelerators" | "providers" | "models"` marker with the catalog's
/// names, and `"x-catalog": "sources"` with a pattern of the URI schemes a model may have.
#[derive(Clone)]
struct CatalogNames {
    runtimes: Vec<String>,
    accelerators: Vec<String>,
    providers: Vec<String>,
    models: Vec<String>,
    /// `gs|hf|s3|pvc`.
    sources: String,
}

impl Transform for CatalogNames {
    fn transform(&mut self, schema: &mut Schema) {
        if let Some(kind) = schema.remove("x-catalog") {
            if kind.as_str() == Some("sources") {
                let pattern = format!("^({})://.", self.sources);
                schema.insert("pattern".into(), json!(pattern));
                transform_subschemas(self, schema);
                return;
            }
            let names = match kind.as_str() {
                Some("runtimes") => &self.runtimes,
                Some("providers") => &self.providers,
                Some("models") => &self.models,
                _ => &self.accelerators,
            };
            schema.insert("enum".into(), json!(names));
        }
        transform_subschemas(self, schema);
    }
}

/// TOML has no null: an optional key is one that may be left out, so `Option`'s `null` goes.
#[derive(Clone)]
struct NoNull;

impl Transform for NoNull {
    fn transform(&mut self, schema: &mut Schema) {
        if let Some(Value::Array(types)) = schema.get_mut("type") {
            types.retain(|t| t != "null");
            if let [one] = types.as_slice() {
                let one = one.clone();
                schema.insert("type".into(), one);
            }
        }
        if let Some(Value::Array(any)) = schema.get_mut("anyOf") {
            any.retain(|s| s.get("type").is_none_or(|t| t != "null"));
            if let [one] = any.as_slice() {
                let one = one.clone();
                schema.remove("anyOf");
                schema.insert("allOf".into(), json!([one]));
            }
        }
        transform_subschemas(self, schema);
    }
}

/// For a table that may also be written as a name (`accelerator = "nvidia-l4"`): the schema
/// becomes `anyOf` the catalog's names and the table.
pub(crate) fn or_catalog_name(catalog: &'static str, name: &'static str) -> impl Fn(&mut Schema) {
    move |schema: &mut Schema| {
        let table = schema.clone().to_value();
        let description = table.get("description").cloned();
        let mut out = json_schema!({
            "anyOf": [
                { "type": "string", "description": name, "x-catalog": catalog },
                table,
            ]
        });
        if let Some(d) = description {
            out.insert("description".into(), d);
        }
        *schema = out;
    }
}

/// A probe: an HTTP path, `false` (none), or the table.
pub(crate) fn probe_forms(schema: &mut Schema) {
    let table = schema.clone().to_value();
    let description = table.get("description").cloned();
    let mut out = json_schema!({
        "anyOf": [
            { "type": "string", "description": "an HTTP path on the container's first port", "examples": ["/health"] },
            { "const": false, "description": "no probe, not even the runtime's" },
            table,
        ]
    });
    if let Some(d) = description {
        out.insert("description".into(), d);
    }
    *schema = out;
}

/// A key that names exactly one of `keys` (`tls`, an autoscaling target): `oneOf` requirements.
pub(crate) fn exactly_one(keys: &'static [&'static [&'static str]]) -> impl Fn(&mut Schema) {
    move |schema: &mut Schema| {
        let choices: Vec<Value> = keys.iter().map(|k| json!({ "required": k })).collect();
        schema.insert("oneOf".into(), Value::Array(choices));
    }
}

macro_rules! schema_type {
    ($(#[$doc:meta])* $name:ident, $id:literal, $schema:expr) => {
        $(#[$doc])*
        pub(crate) struct $name;

        impl JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> Cow<'static, str> {
                $id.into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                $schema
            }
        }
    };
}

schema_type!(
    /// A string, or a number the reader takes as written (`version = 2`, `cpu = 0.5`).
    ScalarString,
    "ScalarString",
    json_schema!({ "type": ["string", "number"] })
);

schema_type!(
    /// A table of names to strings; numbers and booleans are taken as written (`WORKERS = 4`).
    ScalarMap,
    "ScalarMap",
    json_schema!({
        "type": "object",
        "additionalProperties": { "type": ["string", "number", "boolean"] }
    })
);

schema_type!(
    /// A container port by name (`"http"`) or number (`8000`).
    PortRef,
    "PortRef",
    json_schema!({ "type": ["string", "integer"], "examples": ["http", 9000] })
);

schema_type!(
    /// `[overlays.NAME]`: filled in by `describe_overlays` from the spec's own sections.
    Overlays,
    "Overlays",
    json_schema!({
        "type": "object",
        "additionalProperties": { "type": "object" },
        "examples": [{ "prod": { "serve": { "scaling": { "min": 4, "max": 20 } } } }]
    })
);

schema_type!(
    /// A patch's `merge`: any table of Kubernetes fields; the kind's own schema checks it once
    /// applied.
    PatchMerge,
    "PatchMerge",
    json_schema!({
        "type": "object",
        "examples": [{ "spec": { "containers": [{ "name": "server", "workingDir": "/srv" }] } }]
    })
);

schema_type!(
    /// `[waivers]`: a checkov Kubernetes check ID → the reason the workload needs it waived.
    Waivers,
    "Waivers",
    json_schema!({
        "type": "object",
        "propertyNames": { "pattern": "^CKV2?_K8S_[0-9]{1,4}$" },
        "additionalProperties": {
            "type": "string",
            "description": "why this workload needs the check waived; written into the annotation",
            "examples": ["the legacy client library reads API_KEY from the environment"]
        }
    })
);

/// `[lint]`: every warning, by code and by name, and `warnings` for all of them, each a level.
pub(crate) struct Lints;

impl JsonSchema for Lints {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Lints".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let level =
            |description: String| json!({ "enum": Level::NAMES, "description": description });
        let mut props = Map::new();
        props.insert(
            "warnings".into(),
            level("the level of every warning (a named one wins)".into()),
        );
        for c in ALL.iter().filter(|c| c.in_spec_lint()) {
            let about = format!("{} ({}): {}", c.id, c.name, c.summary);
            props.insert(c.id.into(), level(about.clone()));
            props.insert(c.name.into(), level(about));
        }
        json_schema!({
            "type": "object",
            "properties": props,
            "additionalProperties": false,
            "examples": [{ "single-replica": "allow", "warnings": "deny" }]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::builtin().expect("the built-in catalog parses")
    }

    #[test]
    fn catalog_names_become_enums() {
        let s = spec(&catalog());
        let text = render(&s);
        assert!(!text.contains("x-catalog"), "a marker was left");
        let runtime = s
            .pointer("/definitions/Serve/properties/runtime/enum")
            .expect("runtime enum");
        assert!(
            runtime
                .as_array()
                .is_some_and(|a| a.contains(&json!("vllm")))
        );
    }

    #[test]
    fn overlays_hold_the_spec_sections_but_not_overlays() {
        let s = spec(&catalog());
        let overlay = s
            .pointer("/properties/overlays/additionalProperties/properties")
            .and_then(Value::as_object)
            .expect("overlay sections");
        assert!(overlay.contains_key("serve") && overlay.contains_key("app"));
        assert!(!overlay.contains_key("overlays"));
    }
}
