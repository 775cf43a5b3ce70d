//! The catalog: accelerators, serving runtimes and documented defaults, read from the
//! `stdlib/*.toml` files embedded in the binary.
//!
//! The catalog is data, not code: every probe path, toleration or size the compiler adds by
//! itself comes from an entry here.

use std::collections::BTreeMap;

use serde::Deserialize;

const ACCELERATORS: &str = include_str!("../../stdlib/accelerators.toml");
const RUNTIMES: &str = include_str!("../../stdlib/runtimes.toml");
const DEFAULTS: &str = include_str!("../../stdlib/defaults.toml");

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
    pub chips_per_host: Option<u32>,
    #[serde(default)]
    pub topologies: Vec<String>,
    pub topology_label: Option<String>,
}

impl Accelerator {
    /// The extended resource a MIG profile is asked for by (`nvidia.com/mig-3g.40gb`).
    pub fn mig_resource(&self, profile: &str) -> String {
        let vendor = self.resource.split('/').next().unwrap_or("nvidia.com");
        format!("{vendor}/mig-{profile}")
    }

    pub fn is_tpu(&self) -> bool {
        self.chips_per_host.is_some()
    }
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
    /// What `mlspec init --runtime NAME` writes into a new spec.
    pub starter: Starter,
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
    pub service_port: u16,
    pub revision_history_limit: i32,
    pub progress_deadline: String,
    pub termination_grace: String,
    pub pre_stop_sleep: String,
    pub max_surge: toml::Value,
    pub max_unavailable: toml::Value,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobDefaults {
    pub backoff_limit: i32,
    pub ttl: String,
    pub restart: String,
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
    /// The namespace the Prometheus server runs in, admitted to the metrics port.
    pub namespace: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngressDefaults {
    pub path: String,
    pub controllers: BTreeMap<String, String>,
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
    pub jobs: JobDefaults,
    pub schedules: ScheduleDefaults,
    pub ingress: IngressDefaults,
    pub metrics: MetricsDefaults,
}

/// Everything the compiler may add by itself, by name.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub accelerators: BTreeMap<String, Accelerator>,
    pub runtimes: BTreeMap<String, Runtime>,
    pub defaults: Defaults,
}

impl Catalog {
    /// The catalog embedded in the binary. An error here is a bug in `stdlib/`, caught by tests.
    pub fn builtin() -> Result<Catalog, String> {
        Ok(Catalog {
            accelerators: parse("stdlib/accelerators.toml", ACCELERATORS)?,
            runtimes: parse("stdlib/runtimes.toml", RUNTIMES)?,
            defaults: parse("stdlib/defaults.toml", DEFAULTS)?,
        })
    }

    pub fn accelerator(&self, name: &str) -> Option<&Accelerator> {
        self.accelerators.get(name)
    }

    pub fn runtime(&self, name: &str) -> Option<&Runtime> {
        self.runtimes.get(name)
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
            "tpu-v5e",
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
        for rt in c.runtimes.values() {
            sizes.extend(rt.volumes.iter().map(|v| &v.size));
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
