//! A workload's pod, resolved: its containers (the main one, native sidecars, init containers),
//! its volumes, identity and security, and where it may run. Every pod-bearing object (a
//! Deployment, a Job, a CronJob) is built from one `Workload`.

use std::collections::BTreeMap;

use super::Port;

/// What every pod-bearing workload has.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// Object name (`sentiment`, `sentiment-retrain`) and `app.kubernetes.io/name`.
    pub name: String,
    /// `app.kubernetes.io/component`.
    pub component: String,
    pub pod: Pod,
    /// The workload's own `waivers` (check ID, reason), beside the app's.
    pub waivers: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pod {
    /// The workload's own container: the model server, the job's program.
    pub main: Container,
    /// Containers that start before `main` and run beside it for the pod's life (native
    /// sidecars: init containers with `restartPolicy: Always`), in start order.
    pub sidecars: Vec<Container>,
    /// Containers that run to completion before `main` starts, in order: the model's downloader,
    /// then the spec's own.
    pub init: Vec<Container>,
    /// Every volume of the pod, by name.
    pub volumes: Vec<Volume>,
    /// The spec's `files`, served from a ConfigMap.
    pub files: Option<Files>,
    /// Size of the memory-backed /dev/shm, when one is mounted.
    pub shm: Option<String>,
    /// The model's files (`model = { uri = … }`), when the spec names a source.
    pub model: Option<Model>,
    pub scheduling: Scheduling,
    pub security: PodSecurity,
    pub identity: Identity,
    /// Annotations on the pod template (`pod_annotations`).
    pub annotations: BTreeMap<String, String>,
    /// Secrets holding registry credentials (`pull_secrets`).
    pub pull_secrets: Vec<String>,
}

impl Pod {
    /// Every container of the pod: sidecars, init containers, then the main one.
    pub fn containers(&self) -> impl Iterator<Item = &Container> {
        self.sidecars
            .iter()
            .chain(&self.init)
            .chain(std::iter::once(&self.main))
    }
}

/// A workload's `files`: the ConfigMap that holds them, named after their content so that an
/// edit rolls the pods out, and each file by its key.
#[derive(Debug, Clone, PartialEq)]
pub struct Files {
    pub config_map: String,
    /// Key → (mount path, content).
    pub entries: BTreeMap<String, (String, String)>,
}

/// One container, whatever its role in the pod.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    pub name: String,
    pub image: String,
    pub pull_policy: String,
    pub command: Vec<String>,
    pub args: Vec<String>,
    /// `workingDir`, when the spec sets `work_dir`.
    pub work_dir: Option<String>,
    /// In the order Kubernetes defines them: a variable may use `$(NAME)` of any before it.
    pub env: Vec<Env>,
    pub env_from: Vec<EnvFrom>,
    pub resources: Resources,
    pub mounts: Vec<Mount>,
    /// Container ports (the main container's are the server's, before the sidecars').
    pub ports: Vec<Port>,
    pub probes: Probes,
    pub security: ContainerSecurity,
}

/// One environment variable.
#[derive(Debug, Clone, PartialEq)]
pub struct Env {
    pub name: String,
    pub value: EnvValue,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EnvValue {
    Literal(String),
    /// A key of a Secret.
    Secret {
        name: String,
        key: String,
    },
    /// A field of the pod (the downward API: `status.podIP`, `metadata.labels['…']`).
    Field(String),
}

/// Every key of a ConfigMap or a Secret as variables (`envFrom`), optionally prefixed.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvFrom {
    pub secret: bool,
    pub name: String,
    pub prefix: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resources {
    pub cpu: String,
    pub memory: String,
    pub ephemeral_storage: Option<String>,
    /// Extended resource name → whole count (`nvidia.com/gpu` → 1).
    pub devices: BTreeMap<String, i64>,
    /// Whether the CPU request is also the limit (the default).
    pub cpu_limit: bool,
    /// Requests below their limit (`resources.requests`), by resource name (`memory`).
    pub requests: BTreeMap<String, String>,
}

/// A volume of the pod.
#[derive(Debug, Clone, PartialEq)]
pub struct Volume {
    pub name: String,
    pub source: VolumeSource,
}

#[derive(Debug, Clone, PartialEq)]
pub enum VolumeSource {
    /// Scratch space: an emptyDir with this sizeLimit, on disk or in memory.
    EmptyDir { size: String, memory: bool },
    /// A ConfigMap's keys as files (`items`: only these keys, each at its own path).
    ConfigMap {
        name: String,
        items: Vec<(String, String)>,
    },
    /// A Secret's keys as files, readable by owner and group (`mode`).
    Secret {
        name: String,
        items: Vec<(String, String)>,
        mode: i32,
    },
    /// An existing PersistentVolumeClaim.
    Claim { name: String, read_only: bool },
    /// A claim created with the pod and deleted with it (a generic ephemeral volume).
    Ephemeral {
        size: String,
        storage_class: Option<String>,
        access: String,
    },
    /// An inline CSI volume (GCS FUSE, secrets-store, …).
    Csi {
        driver: String,
        attributes: BTreeMap<String, String>,
        read_only: bool,
    },
    /// A directory of the node (W0026).
    HostPath { path: String, kind: Option<String> },
}

/// Where a container sees a volume.
#[derive(Debug, Clone, PartialEq)]
pub struct Mount {
    pub volume: String,
    pub path: String,
    pub sub_path: Option<String>,
    pub read_only: bool,
}

/// How the kubelet checks a container.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Probes {
    pub readiness: Option<Probe>,
    pub liveness: Option<Probe>,
    pub startup: Option<Probe>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub action: ProbeAction,
    pub period_seconds: i32,
    pub timeout_seconds: i32,
    pub failure_threshold: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProbeAction {
    /// An HTTP GET of `path` on a container port.
    Http { path: String, port: PortRef },
    /// The port accepts TCP connections.
    Tcp(PortRef),
    /// The gRPC health-checking protocol (`grpc.health.v1.Health/Check`) on a port number.
    Grpc { port: i32, service: Option<String> },
    /// A command in the container exits 0.
    Exec(Vec<String>),
}

/// A container port by name or by number.
#[derive(Debug, Clone, PartialEq)]
pub enum PortRef {
    Name(String),
    Number(i32),
}

/// Where a workload's model files come from and where its containers see them.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The directory the containers mount the files at (read-only for the workload).
    pub path: String,
    pub volume: ModelVolume,
    /// Whether an init container downloads the files (not for a `pvc://` model).
    pub downloaded: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ModelVolume {
    /// An emptyDir with this sizeLimit, filled at every pod start.
    EmptyDir(String),
    /// A PersistentVolumeClaim: `new` when the bundle creates it (`cache = { size, … }`), else
    /// an existing one; `sub_path` is the folder of a `pvc://CLAIM/PATH`.
    Claim {
        name: String,
        sub_path: Option<String>,
        new: Option<NewClaim>,
    },
    /// A claim per replica of a stateful server (`[serve.state]` with `cache = { size }`): the
    /// StatefulSet's claim template named like the volume, each replica downloading once.
    PerReplica(NewClaim),
}

/// A PersistentVolumeClaim the bundle creates as a model cache.
#[derive(Debug, Clone, PartialEq)]
pub struct NewClaim {
    pub size: String,
    pub storage_class: Option<String>,
    /// `ReadWriteOnce`, `ReadWriteMany` or `ReadWriteOncePod`.
    pub access: String,
}

/// The name of the volume holding the model, in every container that mounts it.
pub const MODEL_VOLUME: &str = "model";
/// The volume of the model downloader's credentials file.
pub const CREDENTIALS_VOLUME: &str = "model-credentials";
/// The memory-backed volume mounted at /dev/shm.
pub const SHM_VOLUME: &str = "dshm";
/// The ConfigMap volume holding the workload's `files`.
pub const FILES_VOLUME: &str = "files";

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scheduling {
    pub node_selector: BTreeMap<String, String>,
    pub tolerations: Vec<Toleration>,
    pub priority_class: Option<String>,
    pub runtime_class: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Toleration {
    pub key: Option<String>,
    /// "Exists" or "Equal".
    pub operator: String,
    pub value: Option<String>,
    pub effect: Option<String>,
}

/// The pod's identity on the node and its namespaces.
#[derive(Debug, Clone, PartialEq)]
pub struct PodSecurity {
    pub run_as_user: i64,
    pub run_as_group: i64,
    pub fs_group: i64,
    /// The node's network namespace (W0022); DNS then goes through `ClusterFirstWithHostNet`.
    pub host_network: bool,
    /// The node's IPC namespace (W0022).
    pub host_ipc: bool,
}

impl PodSecurity {
    /// UID 0 (W0023) is the only identity that is not `runAsNonRoot`.
    pub fn non_root(&self) -> bool {
        self.run_as_user != 0
    }
}

/// What one container may do beyond the hardened default.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContainerSecurity {
    /// A writable root filesystem (W0020).
    pub writable_root: bool,
    /// Capabilities added back after dropping all (W0021).
    pub capabilities: Vec<String>,
}

/// The ServiceAccount the pod runs as, and whether its API token is mounted.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    /// The account's name: the workload's own, or an existing one (`service_account.name`).
    pub account: String,
    /// The account the bundle creates (`None`: an existing one is used).
    pub own: Option<OwnAccount>,
    /// The API token is mounted into the pod (W0024).
    pub token: bool,
}

/// The ServiceAccount the bundle creates for a workload, and the Role bound to it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OwnAccount {
    /// On the ServiceAccount: Workload Identity's or IRSA's role binding.
    pub annotations: BTreeMap<String, String>,
    /// A Role with these rules and a RoleBinding to the account (none when empty).
    pub rules: Vec<Rule>,
}

/// One rule of a Role.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub verbs: Vec<String>,
    pub names: Vec<String>,
}
