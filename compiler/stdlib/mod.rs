//! The catalog: accelerators, serving runtimes and documented defaults, read from the
//! `stdlib/*.toml` files embedded in the binary.
//!
//! The catalog is data, not code: every probe path, toleration or size the compiler adds by
//! itself comes from an entry here.

pub mod check;
pub mod show;
pub mod user;

use std::collections::BTreeMap;

use serde::Deserialize;

const ACCELERATORS: &str = include_str!("../../stdlib/accelerators.toml");
const RUNTIMES: &str = include_str!("../../stdlib/runtimes.toml");
const DEFAULTS: &str = include_str!("../../stdlib/defaults.toml");
const PROVIDERS: &str = include_str!("../../stdlib/providers.toml");

/// The provider a spec or inventory gets when it names none.
pub const DEFAULT_PROVIDER: &str = "generic";

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
    /// What `mlspec init --runtime NAME` writes into a new spec.
    pub starter: Starter,
}

/// A first, buildable `[serve]` for a runtime: a public image and what it needs to start.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Starter {
    pub image: String,
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngressDefaults {
    pub path: String,
    pub controllers: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KedaDefaults {
    pub polling: String,
    pub cooldown: String,
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
    pub keda: KedaDefaults,
}

/// Everything the compiler may add by itself, by name.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub accelerators: BTreeMap<String, Accelerator>,
    pub runtimes: BTreeMap<String, Runtime>,
    pub providers: BTreeMap<String, Provider>,
    pub defaults: Defaults,
}

impl Catalog {
    /// The catalog embedded in the binary. An error here is a bug in `stdlib/`, caught by tests.
    pub fn builtin() -> Result<Catalog, String> {
        Ok(Catalog {
            accelerators: parse("stdlib/accelerators.toml", ACCELERATORS)?,
            runtimes: parse("stdlib/runtimes.toml", RUNTIMES)?,
            providers: parse("stdlib/providers.toml", PROVIDERS)?,
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
        for r in ["tf-serving", "vllm", "http"] {
            assert!(c.runtime(r).is_some(), "{r}");
        }
    }

    #[test]
    fn every_quantity_and_pull_policy_in_the_catalog_is_valid() {
        use crate::values::quantity::Quantity;
        let c = Catalog::builtin().expect("stdlib");
        let r = &c.defaults.resources;
        let mut sizes = vec![&r.cpu, &r.memory, &r.gpu_shm, &r.ephemeral_headroom];
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
    fn mig_resource_names_follow_the_device_plugin() {
        let c = Catalog::builtin().expect("stdlib");
        let a100 = c.accelerator("nvidia-a100-80gb").expect("a100");
        assert_eq!(a100.mig_resource("3g.40gb"), "nvidia.com/mig-3g.40gb");
    }
}
