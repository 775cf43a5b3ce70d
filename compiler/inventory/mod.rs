//! The node inventory: which nodes a cluster has, what they carry and what already runs on them.
//!
//! Three inputs, each in its own file: a `kubectl get nodes -o json|yaml` document (`nodes`), the
//! short TOML pool format of DESIGN.md (`pools`), and `kubectl get pods -A -o json|yaml` for the
//! pods already running (`pods`). `parse` tells the first two apart by their first significant
//! character: `{` is JSON, a TOML pool file has `[[pool]]` or `provider =`, anything else is YAML.
//!
//! Quantities are held as integers the way kube-scheduler compares them: `cpu` in millicores,
//! every other resource (memory, ephemeral-storage, pods, extended resources) in whole units,
//! rounded up.

mod list_stream;
pub mod nodes;
pub mod pods;
pub mod pool_file;
pub mod pools;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::diagnostics::Diagnostics;
use crate::source::SourceFile;
use crate::stdlib::Catalog;

pub use pods::{ExistingPod, parse_existing, unknown_nodes};

/// The label every node carries with its own name.
pub const HOSTNAME_LABEL: &str = "kubernetes.io/hostname";
/// The well-known zone label.
pub const ZONE_LABEL: &str = "topology.kubernetes.io/zone";
/// The label mlspec puts on nodes made from a TOML pool: the pool's name.
pub const POOL_LABEL: &str = "mlspec.dev/pool";

/// The most nodes an inventory may hold: ten times Kubernetes' tested limit of 5,000 per
/// cluster, so that a typo (`count = 1000000`) is a diagnostic, not minutes of placement.
pub const MAX_NODES: usize = 50_000;

/// How to fix an inventory over `MAX_NODES` (E0009), for both formats.
pub(crate) const TOO_MANY_NODES_HELP: &str = "describe the cluster you deploy to (Kubernetes supports 5,000 nodes); split a larger fleet into one inventory per cluster";

/// A node taint: `key=value:Effect`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Taint {
    pub key: String,
    pub value: String,
    /// `NoSchedule`, `PreferNoSchedule` or `NoExecute`.
    pub effect: String,
}

impl Taint {
    /// Parse the `key[=value]:Effect` form used by `kubectl taint` and the stdlib.
    pub fn parse(text: &str) -> Result<Taint, String> {
        let (kv, effect) = text
            .rsplit_once(':')
            .ok_or_else(|| format!("`{text}` has no `:Effect`"))?;
        if !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
            return Err(format!(
                "effect `{effect}` is not NoSchedule, PreferNoSchedule or NoExecute"
            ));
        }
        let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
        if key.is_empty() {
            return Err(format!("`{text}` has an empty key"));
        }
        Ok(Taint {
            key: key.to_string(),
            value: value.to_string(),
            effect: effect.to_string(),
        })
    }
}

/// One schedulable node, as the scheduler sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    /// `status.allocatable`: `cpu` in millicores, everything else in whole units.
    pub allocatable: BTreeMap<String, i64>,
    /// `spec.unschedulable` (cordoned).
    pub unschedulable: bool,
    /// `status.images`: each name of each image, with the image's size in bytes (ImageLocality).
    pub images: Vec<(Arc<str>, i64)>,
}

/// Image names shared between nodes: a 5,000-node list names the same forty images 5,000 times.
#[derive(Debug, Default)]
pub struct ImageNames(BTreeMap<String, Arc<str>>);

impl ImageNames {
    pub fn intern(&mut self, name: &str) -> Arc<str> {
        if let Some(n) = self.0.get(name) {
            return n.clone();
        }
        let n: Arc<str> = Arc::from(name);
        self.0.insert(name.to_string(), n.clone());
        n
    }
}

/// Every node of a cluster, in input order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    pub nodes: Vec<Node>,
}

/// Which of the inventory forms a text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
    Pools,
}

/// Guess the form of an inventory file from its first significant line (a byte-order mark
/// aside): `{` or a JSON array (`[` then `{`, `]` or the end of the line) is JSON, a TOML table
/// header or `provider` is the pool format, anything else YAML.
pub fn detect(text: &str) -> Format {
    for line in text.trim_start_matches('\u{feff}').lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line == "---" {
            continue;
        }
        if line.starts_with('{') {
            return Format::Json;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let next = rest.trim_start();
            if next.is_empty() || next.starts_with(['{', ']']) {
                return Format::Json;
            }
            return Format::Pools;
        }
        if line.starts_with("provider") {
            return Format::Pools;
        }
        return Format::Yaml;
    }
    Format::Yaml
}

/// Read an inventory: a NodeList/List (JSON or YAML) or the TOML pool format.
pub fn parse(source: &SourceFile, catalog: &Catalog) -> (Option<Inventory>, Diagnostics) {
    match detect(&source.text) {
        Format::Pools => pools::parse(source, catalog),
        Format::Json | Format::Yaml => nodes::parse(source),
    }
}

/// Parse a Kubernetes quantity into the integer the scheduler compares: millicores for `cpu`,
/// whole units (rounded up) for everything else. Negative amounts and amounts beyond what the
/// scheduler's 64-bit integers hold are errors, never clamped: clamped, they would fit.
pub fn quantity_units(resource: &str, text: &str) -> Result<i64, String> {
    let q = crate::values::quantity::Quantity::parse(text)?;
    if q.is_negative() {
        return Err(format!("`{text}` is negative"));
    }
    q.scheduler_units(resource).ok_or_else(|| {
        format!("`{text}` is beyond the largest amount the scheduler counts (2^63 - 1 units)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taints_parse_with_and_without_values() {
        let t = Taint::parse("nvidia.com/gpu:NoSchedule").unwrap();
        assert_eq!((t.key.as_str(), t.value.as_str()), ("nvidia.com/gpu", ""));
        let t = Taint::parse("google.com/tpu=present:NoSchedule").unwrap();
        assert_eq!(t.value, "present");
        assert!(Taint::parse("a=b").is_err());
        assert!(Taint::parse("a:Sometimes").is_err());
        assert!(Taint::parse("=b:NoSchedule").is_err());
    }

    #[test]
    fn formats_are_detected() {
        assert_eq!(detect("{\"kind\": \"List\"}"), Format::Json);
        assert_eq!(detect("# pools\nprovider = \"gke\"\n"), Format::Pools);
        assert_eq!(detect("[[pool]]\nname = \"a\"\n"), Format::Pools);
        assert_eq!(detect("apiVersion: v1\nkind: List\n"), Format::Yaml);
        assert_eq!(detect("\u{feff}[[pool]]\nname = \"a\"\n"), Format::Pools);
        assert_eq!(detect("\u{feff}provider = \"gke\"\n"), Format::Pools);
        assert_eq!(detect("[]"), Format::Json);
        assert_eq!(detect("[\n  {\"kind\": \"Node\"}\n]"), Format::Json);
        assert_eq!(detect("[ {\"kind\": \"Node\"} ]"), Format::Json);
        assert_eq!(detect("\u{feff}{\"kind\": \"List\"}"), Format::Json);
    }
}
