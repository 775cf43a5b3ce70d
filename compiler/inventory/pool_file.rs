//! The TOML pool format (`pools.rs`) as types, for its JSON Schema: what each key is and
//! which values it takes. `pools.rs` reads the TOML itself, spans and all; a test holds the two
//! to the same keys.

use std::collections::BTreeMap;

use schemars::JsonSchema;

use crate::schema::{ScalarMap, ScalarString};

/// A cluster as a short list of node pools, for `mlspec place --inventory FILE` (or `build
/// --inventory`): each `[[pool]]` becomes `count` identical nodes.
#[derive(JsonSchema)]
#[schemars(title = "mlspec node-pool inventory", deny_unknown_fields)]
pub struct PoolFile {
    /// Whose label conventions the nodes carry (stdlib/providers.toml): its pool label, and its
    /// own labels on accelerator nodes. Default `generic`.
    #[schemars(extend("x-catalog" = "providers"))]
    pub provider: Option<String>,
    /// The node pools, each a `[[pool]]` table.
    #[schemars(length(min = 1))]
    pub pool: Vec<Pool>,
}

/// One node pool: `count` nodes named `NAME-0`, `NAME-1`, …, labelled `mlspec.dev/pool=NAME`,
/// `kubernetes.io/hostname` and, with zones, `topology.kubernetes.io/zone`.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Pool {
    /// The pool's name; its nodes are NAME-0, NAME-1, …
    #[schemars(with = "ScalarString", extend("examples" = ["gpu-l4"]))]
    pub name: String,
    /// How many nodes (default 1).
    #[schemars(range(min = 0, max = super::MAX_NODES), extend("examples" = [3]))]
    pub count: Option<i64>,
    /// Allocatable CPU per node, not capacity: a quantity (`"47"`, `"3920m"`).
    #[schemars(with = "ScalarString", extend("examples" = ["47", "3920m"]))]
    pub cpu: String,
    /// Allocatable memory per node: a quantity (`"180Gi"`).
    #[schemars(with = "ScalarString", extend("examples" = ["180Gi"]))]
    pub memory: String,
    /// Allocatable ephemeral storage per node; without it, pods' ephemeral storage is not
    /// limited.
    #[schemars(with = "Option<ScalarString>", extend("examples" = ["100Gi"]))]
    pub ephemeral_storage: Option<String>,
    /// Pods per node (default 110).
    #[schemars(range(min = 0, max = super::MAX_NODES))]
    pub pods: Option<i64>,
    /// An accelerator from the catalog (stdlib/accelerators.toml): adds its node labels and,
    /// unless `taints` is given, its taints.
    #[schemars(extend("x-catalog" = "accelerators"))]
    pub accelerator: Option<String>,
    /// Devices of the accelerator's resource per node; default its `max_per_node` (with a TPU
    /// `topology`, the chips of one host of that slice).
    #[schemars(range(min = 0, max = super::MAX_NODES), extend("examples" = [4]))]
    pub gpus: Option<i64>,
    /// MIG devices per node instead of whole GPUs: profile → count.
    #[schemars(extend("examples" = [{ "1g.10gb": 7 }]))]
    pub mig: Option<BTreeMap<String, u32>>,
    /// TPUs: the slice topology the nodes form (`"4x4"`); adds the accelerator's topology label,
    /// and `gpus` defaults to the chips of one host of that slice.
    #[schemars(extend("examples" = ["2x4", "4x4"]))]
    pub topology: Option<String>,
    /// Zones the nodes go round-robin over.
    #[schemars(extend("examples" = [["us-central1-a", "us-central1-b"]]))]
    pub zones: Option<Vec<String>>,
    /// Node labels, besides the ones every node gets.
    #[schemars(with = "Option<ScalarMap>", extend("examples" = [{ "pool": "inference" }]))]
    pub labels: Option<BTreeMap<String, String>>,
    /// Node taints, `key[=value]:Effect`; replaces the accelerator's.
    #[schemars(extend("examples" = [["nvidia.com/gpu=present:NoSchedule"]]))]
    pub taints: Option<Vec<String>>,
    /// `true` cordons every node of the pool.
    pub unschedulable: Option<bool>,
}
