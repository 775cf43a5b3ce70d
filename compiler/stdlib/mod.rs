//! The catalog: accelerators, serving runtimes and documented defaults, read from the
//! `stdlib/*.toml` files embedded in the binary.
//!
//! The catalog is data, not code: every probe path, toleration or size the compiler adds by
//! itself comes from an entry here.

pub mod check;
pub mod memory;
pub mod models;
pub mod show;
pub mod user;

use std::collections::BTreeMap;

use serde::Deserialize;

const ACCELERATORS: &str = include_str!("../../stdlib/accelerators.toml");
const RUNTIMES: &str = include_str!("../../stdlib/runtimes.toml");
const DEFAULTS: &str = include_str!("../../stdlib/defaults.toml");
const PROVIDERS: &str = include_str!("../../stdlib/providers.toml");
const SOURCES: &str = include_str!("../../stdlib/sources.toml");
const MODELS: &str = include_str!("../../stdlib/models.toml");

/// The URI scheme of a model already on an existing PersistentVolumeClaim (`pvc://CLAIM/PATH`):
/// mounted, never downloaded, so it has no entry in `stdlib/sources.toml`.
pub const PVC_SCHEME: &str = "pvc";

/// The provider a spec or inventory gets when it names none.
pub const DEFAULT_PROVIDER: &str = "generic";

/// The runtime a `[serve]` gets when it names none.
pub const DEFAULT_RUNTIME: &str = "http";

/// A cloud provider's node-label conventions (`stdlib/providers.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    pub description: String,
    /// The label naming a node's pool.
    pub pool_label: Option<String>,
    /// Accelerator name → the labels such nodes carry under this provider.
    #[serde(default)]
    pub accelerators: BTreeMap<String, BTreeMap<String, String>>,
    /// The Service annotation(s) that make its load balancer internal (`service.internal`).
    #[serde(default)]
    pub internal_load_balancer: BTreeMap<String, String>,
    /// What collects servers' metrics by default (`[metrics] monitor` of defaults.toml).
    pub monitor: Option<String>,
    /// Taints this provider's nodes of the accelerators in `accelerators` carry, tolerated by
    /// pods of them beside the accelerator's own (`key[=value]:Effect`).
    #[serde(default)]
    pub tolerations: Vec<String>,
    /// `false`: accelerator nodes carry no label a pod could select (a device plugin alone, or
    /// one GPU type), so pods ask for the device and select nothing. `true` when not given.
    pub accelerator_labels: Option<bool>,
}

impl Provider {
    /// Whether the provider changes any accelerator entry.
    pub fn changes_accelerators(&self) -> bool {
        !self.accelerators.is_empty() || self.accelerator_labels == Some(false)
    }

    /// The accelerator `name` as this provider's nodes carry it: the provider's labels in place
    /// of its own (none without `accelerator_labels`), and the provider's tolerations added.
    pub fn accelerator(&self, name: &str, a: &Accelerator) -> Accelerator {
        let mut a = a.clone();
        if self.accelerator_labels == Some(false) {
            a.node_selector.clear();
        }
        if let Some(labels) = self.accelerators.get(name) {
            a.node_selector = labels.clone();
            for t in &self.tolerations {
                if !a.tolerations.contains(t) {
                    a.tolerations.push(t.clone());
                }
            }
        }
        a
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accelerator {
    pub description: String,
    pub resource: String,
    pub memory: String,
    pub max_per_node: u32,
    #[serde(default)]
    pub node_selector: BTreeMap<String, String>,
    #[serde(default)]
    pub tolerations: Vec<String>,
    #[serde(default)]
    pub mig: Vec<String>,
    #[serde(default)]
    pub shm: bool,
    /// TPUs: the host machine types, each with its chips and the slice topologies it forms.
    #[serde(default)]
    pub hosts: Vec<HostShape>,
    pub topology_label: Option<String>,
    /// TPUs: the node label that names a host's machine type, selected when another host shape
    /// forms the same topology with more chips per host (a pod of the smaller one fits there).
    pub machine_label: Option<String>,
    /// The tensor-parallel ranks one device holds (the NeuronCores of an AWS Neuron device):
    /// tensor parallelism counts these, and each has `memory` / `cores_per_device`. 1 when not
    /// given.
    pub cores_per_device: Option<u32>,
    /// What CUDA (or ROCm) reports as the device's total memory, below `memory` by what the
    /// driver reserves: the memory a server's share is taken of. `memory` when not given.
    pub usable_memory: Option<String>,
    /// A board with no GPU-to-GPU link (no NVLink connector): devices of it talk over PCIe only,
    /// where a runtime holds less for tensor parallelism (`pcie_parallel_overhead`).
    #[serde(default)]
    pub pcie_only: bool,
}

/// One TPU host machine type: its chips, and the slice topologies hosts of it form. A
/// topology's chips / `chips` is the number of hosts (one pod on each).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostShape {
    pub machine: String,
    pub chips: u32,
    pub topologies: Vec<String>,
}

/// A TPU slice of one topology: how many hosts, and how many chips each host's pod asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slice {
    pub chips: i64,
    pub hosts: i64,
    pub chips_per_pod: i64,
}

impl Accelerator {
    /// The extended resource a MIG profile is asked for by (`nvidia.com/mig-3g.40gb`).
    pub fn mig_resource(&self, profile: &str) -> String {
        let vendor = self.resource.split('/').next().unwrap_or("nvidia.com");
        format!("{vendor}/mig-{profile}")
    }

    pub fn is_tpu(&self) -> bool {
        !self.hosts.is_empty()
    }

    /// Every host shape that forms `topology`, with the slice it makes: fewest hosts first, so
    /// the first is the default (one host, when a single host forms it).
    pub fn shapes(&self, topology: &str) -> Vec<(Slice, &HostShape)> {
        let Some(chips) = topology_chips(topology) else {
            return Vec::new();
        };
        let mut out: Vec<(Slice, &HostShape)> = self
            .hosts
            .iter()
            .filter(|h| h.topologies.iter().any(|t| t == topology))
            .map(|h| {
                let per_host = i64::from(h.chips).max(1);
                let slice = Slice {
                    chips,
                    hosts: (chips / per_host).max(1),
                    chips_per_pod: per_host.min(chips),
                };
                (slice, h)
            })
            .collect();
        out.sort_by_key(|(s, _)| s.hosts);
        out
    }

    /// The slice a topology names on its default host shape, if this TPU offers it.
    pub fn slice(&self, topology: &str) -> Option<Slice> {
        self.shapes(topology).first().map(|(s, _)| *s)
    }

    /// Every topology offered, each once, in the order of the host shapes.
    pub fn all_topologies(&self) -> Vec<&String> {
        let mut out: Vec<&String> = Vec::new();
        for t in self.hosts.iter().flat_map(|h| &h.topologies) {
            if !out.contains(&t) {
                out.push(t);
            }
        }
        out
    }

    /// The topologies one host forms on its own.
    pub fn single_host_topologies(&self) -> Vec<&String> {
        self.all_topologies()
            .into_iter()
            .filter(|t| self.slice(t).is_some_and(|s| s.hosts == 1))
            .collect()
    }

    /// Tensor-parallel ranks per device (`cores_per_device`, else 1).
    pub fn cores(&self) -> u32 {
        self.cores_per_device.unwrap_or(1).max(1)
    }

    /// Bytes of one device (a whole GPU, a MIG slice of it, or a TPU chip) a server can use:
    /// `usable_memory` (else `memory`), and for a MIG profile the share its name gives of the
    /// largest profile's (`3g.40gb` of `7g.80gb`: a half), in eighths as MIG splits memory.
    pub fn device_bytes(&self, mig: Option<&str>) -> Option<f64> {
        let whole = memory::bytes(self.usable_memory.as_deref().unwrap_or(&self.memory))?;
        let Some(profile) = mig else {
            return Some(whole);
        };
        let gb = |p: &str| -> Option<f64> { p.split_once('.')?.1.strip_suffix("gb")?.parse().ok() };
        let full = self.mig.iter().filter_map(|p| gb(p)).fold(0.0, f64::max);
        let eighths = (gb(profile)? / full * 8.0).round().clamp(1.0, 8.0);
        (full > 0.0).then_some(whole * eighths / 8.0)
    }
}

/// Chips in a TPU topology such as `2x4` or `2x2x1`; `None` when it does not parse.
pub fn topology_chips(t: &str) -> Option<i64> {
    t.split('x').try_fold(1i64, |acc, part| {
        let n: i64 = part.parse().ok().filter(|n| *n > 0)?;
        acc.checked_mul(n)
    })
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimePort {
    pub name: String,
    pub port: u16,
    pub app_protocol: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeHealth {
    pub readiness: Option<String>,
    pub liveness: Option<String>,
    pub startup: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Volume {
    pub name: String,
    pub path: String,
    pub size: String,
    /// The size when the spec's `model` is mounted: the server downloads nothing here then.
    pub with_model: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    pub cpu: Option<String>,
    pub memory: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runtime {
    pub description: String,
    pub ports: Vec<RuntimePort>,
    #[serde(default)]
    pub health: RuntimeHealth,
    pub startup_timeout: String,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    #[serde(default)]
    pub resources: Resources,
    pub shm: Option<String>,
    #[serde(default)]
    pub volumes: Vec<Volume>,
    /// The server's entrypoint, when the image has none that serves (`tritonserver`); used
    /// when the spec sets no `command`.
    #[serde(default)]
    pub command: Vec<String>,
    /// Flags every start needs (`--port {port}`), before the spec's `args`; used when the
    /// spec sets no `command`.
    #[serde(default)]
    pub args: Vec<String>,
    /// Flags that name the model (`--model {model}`), added after `args` when the spec sets
    /// `serve.model_name`.
    #[serde(default)]
    pub model_args: Vec<String>,
    /// Where the server serves Prometheus metrics, when it does by default.
    pub metrics: Option<RuntimeMetrics>,
    /// How the spec's args or env ask for tensor parallelism, checked against the GPU count.
    pub tensor_parallel: Option<TensorParallel>,
    /// How the server loads a model from the directory the spec's `model` mounts.
    #[serde(default)]
    pub model_source: RuntimeModelSource,
    /// What `mlspec init --runtime NAME` writes into a new spec (a runtime without one cannot
    /// start a spec).
    pub starter: Option<Starter>,
    /// How the server spends accelerator memory, for LLM servers whose model mlspec knows.
    pub memory: Option<memory::RuntimeMemory>,
    /// How the server runs over several nodes (`[serve.group]`), if it can.
    pub group: Option<RuntimeGroup>,
}

/// A runtime's multi-node preset: what each pod of a LeaderWorkerSet group adds to the
/// runtime's start, and the ports the pods of a group open to each other.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeGroup {
    /// Flags every pod of a group adds after the runtime's args (`$(LWS_…)` filled by the
    /// kubelet from the variables the LeaderWorkerSet sets).
    #[serde(default)]
    pub args: Vec<String>,
    /// The leader's command, in place of the runtime's: it starts what the group needs and then
    /// runs the runtime's command line, which follows as its arguments (`exec "$@"`).
    #[serde(default)]
    pub leader_command: Vec<String>,
    /// The workers' whole command line, when they do not run the server (a Ray worker).
    #[serde(default)]
    pub worker_command: Vec<String>,
    /// The ports the pods of a group listen on for each other, by name; `end_port` makes a
    /// range (NCCL's sockets bind ephemeral ports).
    pub ports: Vec<GroupPort>,
}

/// A port (or a range of ports) the pods of a group reach each other on.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupPort {
    pub name: String,
    pub port: u16,
    pub end_port: Option<u16>,
}

impl Runtime {
    /// The flags that name the model, in order: with a mounted `model` source, its
    /// `model_source.args` (which load the directory); then `model_args`, unless those source
    /// args replace them (`keep_model_args` keeps them, as Triton needs). The second part is used
    /// only when the spec sets `serve.model_name`.
    pub fn model_flags(&self, with_source: bool) -> (&[String], &[String]) {
        let src = &self.model_source;
        let source: &[String] = if with_source { &src.args } else { &[] };
        let replaced = !source.is_empty() && !src.keep_model_args;
        let model: &[String] = if replaced { &[] } else { &self.model_args };
        (source, model)
    }
}

/// A Prometheus endpoint: a port of the runtime's `ports`, by name, and an HTTP path.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeMetrics {
    pub port: String,
    pub path: String,
}

/// The flags (`--tensor-parallel-size`, `-tp`) and the environment variable (`NUM_SHARD`)
/// that set a server's tensor-parallel degree.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TensorParallel {
    #[serde(default)]
    pub flags: Vec<String>,
    pub env: Option<String>,
}

/// How a runtime is pointed at a model directory the spec's `model` provides.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeModelSource {
    /// Where the model is mounted when the spec's `model.path` says nothing (`{model}` filled).
    pub path: Option<String>,
    /// Flags that load the model from `{model_path}`; they take the place of `model_args`
    /// unless `keep_model_args`.
    #[serde(default)]
    pub args: Vec<String>,
    /// `model_args` still follow `args` (Triton: the repository, then the model to load).
    #[serde(default)]
    pub keep_model_args: bool,
    /// Environment that points the server at `{model_path}`.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// How a model source (`gs`, `s3`, `hf`: a URI scheme) is downloaded (`stdlib/sources.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub description: String,
    pub image: String,
    #[serde(default)]
    pub command: Vec<String>,
    #[serde(default)]
    pub args: Vec<String>,
    /// The URI in the downloader's form: `{path}` after `SCHEME://`, `{revision}`.
    pub location: String,
    /// The revision a URI without `@REVISION` gets; `None`: the source takes no revision.
    pub revision: Option<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Variable → key of the spec's `model.secret`.
    #[serde(default)]
    pub secret_env: BTreeMap<String, String>,
    /// A key of the spec's `model.secret` mounted as a file, and the variable naming its path.
    pub secret_file: Option<SecretFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretFile {
    pub key: String,
    /// Where the downloader finds the file (an absolute path).
    pub path: String,
    /// A variable the downloader reads the path from, if it needs one.
    pub env: Option<String>,
}

/// A first, buildable `[serve]` for a runtime: a public image and what it needs to start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Starter {
    pub image: String,
    /// `serve.model_name`: the model the server loads.
    pub model_name: Option<String>,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// The accelerator the server needs to be useful (one device), if any.
    pub accelerator: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Security {
    pub run_as_user: i64,
    pub run_as_group: i64,
    pub fs_group: i64,
    /// Capabilities no spec may add (E0167): each amounts to the node.
    pub refused_capabilities: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageDefaults {
    pub pull_policy: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultResources {
    pub cpu: String,
    pub memory: String,
    pub gpu_shm: String,
    pub ephemeral_headroom: String,
    /// The least /dev/shm a tensor-parallel server (NCCL) is given without an error.
    pub tensor_parallel_shm: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultVolumes {
    pub tmp: Volume,
    pub host_path: HostPathRules,
}

/// The node directories a `host_path` volume may never mount (E0166).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostPathRules {
    /// Refused, with everything below them.
    pub refused: Vec<String>,
    /// Refused themselves; a directory below them may be allowed (`/dev/infiniband`).
    pub refused_exactly: Vec<String>,
}

/// A sidecar's or extra init container's resources when the spec gives none.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerDefaults {
    pub cpu: String,
    pub memory: String,
    pub ephemeral_storage: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Probes {
    pub period_seconds: i32,
    pub timeout_seconds: i32,
    pub readiness_failure_threshold: i32,
    pub liveness_failure_threshold: i32,
    pub liveness_period_seconds: i32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeDefaults {
    pub replicas: i32,
    pub cpu_target: String,
    pub revision_history_limit: i32,
    pub progress_deadline: String,
    pub termination_grace: String,
    pub pre_stop_sleep: String,
    pub max_surge: toml::Value,
    pub max_unavailable: toml::Value,
}

/// A server's Service: its default port, traffic policy and the ranges of a public one; the
/// provider's internal load balancer annotation, once resolve has applied the provider.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceDefaults {
    pub port: u16,
    pub external_traffic_policy: String,
    pub public_ranges: Vec<String>,
    /// Filled from the spec's provider (`internal_load_balancer` in providers.toml).
    #[serde(skip)]
    pub internal: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobDefaults {
    pub backoff_limit: i32,
    pub ttl: String,
    pub restart: String,
}

/// `[state]`: a stateful server's start order and headless Service.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateDefaults {
    /// `parallel` or `ordered`.
    pub start: String,
    pub headless_suffix: String,
}

/// `[jobset]`: how a job of several TPU slices becomes a JobSet.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSetDefaults {
    /// The name of the JobSet's one replicated Job (a pod is `JOBSET-NAME-SLICE-HOST`).
    pub replicated_job: String,
    /// Variables set when there is more than one slice: `{slices}`, `{coordinator}` filled.
    pub slice_env: BTreeMap<String, String>,
    /// The variable that holds the pod's slice index, read from `slice_index_label`.
    pub slice_index_env: String,
    pub slice_index_label: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleDefaults {
    pub concurrency: String,
    pub successful_history: i32,
    pub failed_history: i32,
    pub starting_deadline: String,
}

/// Who scrapes the metrics a runtime serves.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsDefaults {
    /// What tells the collector (`annotations`, `pod-monitor`, …); the provider's, once resolve
    /// has applied it.
    pub monitor: String,
    /// A monitor object's scrape interval.
    pub interval: String,
    /// Monitor → the namespace its collector runs in, admitted to the metrics port.
    pub namespaces: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngressDefaults {
    pub path: String,
    /// The class the NetworkPolicy assumes when an Ingress names none.
    pub class: String,
    /// `app_protocol`s of backend ports that speak gRPC.
    pub grpc_protocols: Vec<String>,
    pub classes: BTreeMap<String, IngressClass>,
}

/// What one IngressClass needs: where its proxies connect from, its annotations.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngressClass {
    /// The namespace its proxies run in.
    pub namespace: Option<String>,
    /// The address blocks its proxies connect from.
    #[serde(default)]
    pub ranges: Vec<String>,
    /// `"spec"`: the spec must give the blocks (`proxy_ranges`).
    pub proxy_ranges: Option<String>,
    /// On every Ingress of the class.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// On every Service the class routes to.
    #[serde(default)]
    pub service_annotations: BTreeMap<String, String>,
    /// Only where a path routes to a gRPC port.
    #[serde(default)]
    pub grpc: GrpcAnnotations,
}

/// The annotations that make a class speak gRPC (HTTP/2) to a backend: on the Ingress, or on
/// the Service, where `{port}` is the backend port's name.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrpcAnnotations {
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub service_annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KedaDefaults {
    pub polling: String,
    pub cooldown: String,
}

/// `[model]`: where a model is mounted, the download volume's size, the cache's access mode,
/// and the downloader's resources and cache script.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelDefaults {
    pub path: String,
    pub size: String,
    pub access: String,
    pub downloader: DownloaderResources,
    /// Larger downloads get more CPU and memory (more parallel streams), from each tier's size.
    pub downloader_large: Vec<DownloaderTier>,
    pub cache_script: String,
}

/// The downloader's CPU and memory for a model of `from` or more.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DownloaderTier {
    pub from: String,
    pub cpu: String,
    pub memory: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DownloaderResources {
    pub cpu: String,
    pub memory: String,
    pub ephemeral_storage: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    pub managed_by: String,
    pub images: ImageDefaults,
    pub security: Security,
    pub resources: DefaultResources,
    pub volumes: DefaultVolumes,
    pub probes: Probes,
    pub serve: ServeDefaults,
    pub service: ServiceDefaults,
    pub jobs: JobDefaults,
    pub jobset: JobSetDefaults,
    pub state: StateDefaults,
    pub schedules: ScheduleDefaults,
    pub ingress: IngressDefaults,
    pub keda: KedaDefaults,
    pub metrics: MetricsDefaults,
    pub model: ModelDefaults,
    pub memory: MemoryDefaults,
    pub containers: ContainerDefaults,
}

/// `[memory]`: when a server's KV cache is too small to be worth a warning.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryDefaults {
    /// Fewer sequences of the maximum context than this fitting the KV cache is W0070.
    pub few_sequences: u32,
}

/// Everything the compiler may add by itself, by name.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub accelerators: BTreeMap<String, Accelerator>,
    pub runtimes: BTreeMap<String, Runtime>,
    pub providers: BTreeMap<String, Provider>,
    /// Model sources by URI scheme.
    pub sources: BTreeMap<String, Source>,
    /// Model architectures (stdlib/models.toml), by the name a spec gives them.
    pub models: BTreeMap<String, models::ModelEntry>,
    pub defaults: Defaults,
}

impl Catalog {
    /// The catalog embedded in the binary. An error here is a bug in `stdlib/`, caught by tests.
    pub fn builtin() -> Result<Catalog, String> {
        Ok(Catalog {
            accelerators: parse("stdlib/accelerators.toml", ACCELERATORS)?,
            runtimes: parse("stdlib/runtimes.toml", RUNTIMES)?,
            providers: parse("stdlib/providers.toml", PROVIDERS)?,
            sources: parse("stdlib/sources.toml", SOURCES)?,
            models: parse("stdlib/models.toml", MODELS)?,
            defaults: parse("stdlib/defaults.toml", DEFAULTS)?,
        })
    }

    pub fn accelerator(&self, name: &str) -> Option<&Accelerator> {
        self.accelerators.get(name)
    }

    pub fn runtime(&self, name: &str) -> Option<&Runtime> {
        self.runtimes.get(name)
    }

    pub fn provider(&self, name: &str) -> Option<&Provider> {
        self.providers.get(name)
    }

    pub fn source(&self, scheme: &str) -> Option<&Source> {
        self.sources.get(scheme)
    }

    pub fn model(&self, name: &str) -> Option<&models::ModelEntry> {
        self.models.get(name)
    }
}

fn parse<T: serde::de::DeserializeOwned>(name: &str, text: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| format!("{name}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_parses_and_has_the_v1_entries() {
        let c = Catalog::builtin().expect("the embedded stdlib parses");
        for a in [
            "nvidia-t4",
            "nvidia-l4",
            "nvidia-a100-80gb",
            "nvidia-h100-80gb",
            "nvidia-a10g",
            "nvidia-l40s",
            "nvidia-a100-40gb",
            "nvidia-h200",
            "nvidia-b200",
            "amd-mi300x",
            "amd-mi250",
            "amd-mi325x",
            "aws-inferentia2",
            "aws-trainium1",
            "aws-trainium2",
            "intel-gaudi2",
            "intel-gaudi3",
            "tpu-v4",
            "tpu-v5e",
            "tpu-v5p",
            "tpu-v6e",
        ] {
            assert!(c.accelerator(a).is_some(), "{a}");
        }
        for r in [
            "http",
            "mlflow",
            "sglang",
            "tf-serving",
            "tgi",
            "torchserve",
            "triton",
            "vllm",
        ] {
            assert!(c.runtime(r).is_some(), "{r}");
        }
    }

    #[test]
    fn every_quantity_and_pull_policy_in_the_catalog_is_valid() {
        use crate::values::quantity::Quantity;
        let c = Catalog::builtin().expect("stdlib");
        let r = &c.defaults.resources;
        let mut sizes = vec![
            &r.cpu,
            &r.memory,
            &r.gpu_shm,
            &r.ephemeral_headroom,
            &r.tensor_parallel_shm,
        ];
        sizes.push(&c.defaults.volumes.tmp.size);
        let m = &c.defaults.model;
        sizes.extend([
            &m.size,
            &m.downloader.cpu,
            &m.downloader.memory,
            &m.downloader.ephemeral_storage,
        ]);
        for t in &m.downloader_large {
            sizes.extend([&t.from, &t.cpu, &t.memory]);
        }
        let k = &c.defaults.containers;
        sizes.extend([&k.cpu, &k.memory, &k.ephemeral_storage]);
        assert!(m.path.starts_with('/'), "{}", m.path);
        assert!(
            crate::resolve::check::ACCESS_MODES.contains(&m.access.as_str()),
            "{}",
            m.access
        );
        for rt in c.runtimes.values() {
            sizes.extend(rt.volumes.iter().map(|v| &v.size));
            sizes.extend(rt.volumes.iter().filter_map(|v| v.with_model.as_ref()));
            sizes.extend(rt.shm.iter());
            sizes.extend(rt.resources.cpu.iter().chain(rt.resources.memory.iter()));
        }
        for q in sizes {
            assert!(
                Quantity::parse(q).is_ok(),
                "`{q}` in the stdlib is not a quantity"
            );
        }
        let policy = c.defaults.images.pull_policy.as_str();
        assert!(
            ["Always", "IfNotPresent", "Never"].contains(&policy),
            "{policy}"
        );
    }

    #[test]
    fn every_tpu_topology_fits_its_hosts() {
        let c = Catalog::builtin().expect("stdlib");
        for (name, a) in c.accelerators.iter().filter(|(_, a)| a.is_tpu()) {
            assert!(a.topology_label.is_some(), "{name}");
            assert!(
                !a.single_host_topologies().is_empty(),
                "{name} has no single-host topology"
            );
            for h in &a.hosts {
                assert!(h.chips <= a.max_per_node, "{name} {}", h.machine);
                for t in &h.topologies {
                    let chips = topology_chips(t).expect("a topology");
                    assert_eq!(chips % i64::from(h.chips), 0, "{name} {t} on {}", h.machine);
                }
            }
            for t in a.all_topologies() {
                let shapes = a.shapes(t);
                // Two shapes of one topology are told apart by the machine type.
                assert!(shapes.len() == 1 || a.machine_label.is_some(), "{name} {t}");
                let s = a.slice(t).expect("offered");
                assert_eq!(s.hosts * s.chips_per_pod, s.chips, "{name} {t}");
            }
        }
        let v5e = c.accelerator("tpu-v5e").expect("v5e");
        assert_eq!(
            v5e.slice("4x4"),
            Some(Slice {
                chips: 16,
                hosts: 4,
                chips_per_pod: 4
            })
        );
        assert_eq!(v5e.slice("2x4").map(|s| s.hosts), Some(1));
        assert_eq!(v5e.slice("3x3"), None);
        // v6e 2x4: one 8-chip host by default, or two 4-chip hosts.
        let v6e = c.accelerator("tpu-v6e").expect("v6e");
        let shapes: Vec<(i64, &str)> = v6e
            .shapes("2x4")
            .iter()
            .map(|(s, h)| (s.hosts, h.machine.as_str()))
            .collect();
        assert_eq!(shapes, [(1, "ct6e-standard-8t"), (2, "ct6e-standard-4t")]);
    }

    #[test]
    fn every_mig_profile_fits_its_gpu() {
        use crate::values::quantity::Quantity;
        let c = Catalog::builtin().expect("stdlib");
        for (name, a) in &c.accelerators {
            let memory = Quantity::parse(&a.memory).expect("memory is a quantity");
            for p in &a.mig {
                let (compute, mem) = p.split_once('.').expect("`Ng.Mgb`");
                let slices: u32 = compute.trim_end_matches('g').parse().expect("compute");
                let gb: i128 = mem.trim_end_matches("gb").parse().expect("memory");
                assert!((1..=7).contains(&slices), "{name} {p}");
                assert!(
                    gb * 1_000_000_000 * 1_000_000_000 <= memory.nanos() * 11 / 10,
                    "{name} {p} has more memory than the GPU"
                );
            }
        }
    }

    #[test]
    fn every_runtime_is_consistent() {
        let c = Catalog::builtin().expect("stdlib");
        for (name, rt) in &c.runtimes {
            if let Some(m) = &rt.metrics {
                assert!(
                    rt.ports.iter().any(|p| p.name == m.port),
                    "{name}: metrics port `{}` is not one of its ports",
                    m.port
                );
                assert!(m.path.starts_with('/'), "{name}: {}", m.path);
            }
            for path in [
                &rt.health.readiness,
                &rt.health.liveness,
                &rt.health.startup,
            ]
            .into_iter()
            .flatten()
            {
                assert!(path.starts_with('/'), "{name}: {path}");
            }
            assert!(
                crate::values::duration::parse_duration(&rt.startup_timeout).is_ok(),
                "{name}: {}",
                rt.startup_timeout
            );
            // `{model_path}` has a value only where a model source is mounted.
            let elsewhere = rt
                .args
                .iter()
                .chain(&rt.model_args)
                .chain(&rt.command)
                .chain(rt.env.values())
                .any(|a| a.contains("{model_path}"));
            assert!(
                !elsewhere,
                "{name}: `{{model_path}}` outside `model_source`"
            );
            let src = &rt.model_source;
            assert!(
                src.path.as_deref().is_none_or(|p| p.starts_with('/')),
                "{name}: model_source.path"
            );
            assert!(
                src.args.is_empty() || src.args.iter().any(|a| a.contains("{model_path}")),
                "{name}: model_source.args that do not load {{model_path}}"
            );
            let model = rt.model_args.iter().any(|a| a.contains("{model}"));
            assert!(
                rt.model_args.is_empty() || model,
                "{name}: model_args that do not name the model"
            );
        }
    }

    #[test]
    fn mig_resource_names_follow_the_device_plugin() {
        let c = Catalog::builtin().expect("stdlib");
        let a100 = c.accelerator("nvidia-a100-80gb").expect("a100");
        assert_eq!(a100.mig_resource("3g.40gb"), "nvidia.com/mig-3g.40gb");
    }
}
