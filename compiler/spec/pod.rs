//! The keys that open a workload's pod past its hardened defaults: volumes, security, the
//! ServiceAccount, variables from elsewhere, probes of any kind, sidecars and init containers.
//! Each relaxation is its own key; resolve warns at it.

use schemars::JsonSchema;

use super::read::{Fields, Pairs, Sp, wrong_type};
use super::serve::{Health, PortSpec};
use super::tree::Value;
use crate::diagnostics::Diagnostics;
use crate::source::Span;

/// One entry of `volumes`: a path in the container and where its files come from — scratch
/// space (`size`), a Secret, a ConfigMap, an existing claim, a claim made with the pod
/// (`ephemeral`), a CSI driver or, where a platform needs it, a node directory (`host_path`).
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct VolumeSpec {
    /// The volume's name (default: from the path, `/data/work` → `data-work`). In a sidecar or
    /// init container, a name alone mounts a volume the pod already has.
    #[schemars(extend("examples" = ["scratch"]))]
    pub name: Option<Sp<String>>,
    /// Where the container sees it (an absolute directory).
    #[schemars(extend("examples" = ["/work"]))]
    pub path: Option<Sp<String>>,
    /// Scratch space of this size (an emptyDir, counted in ephemeral storage); at a path the
    /// runtime or the defaults already give scratch space (`/tmp`, `/cache`), its new size.
    #[schemars(extend("examples" = ["100Gi"]))]
    pub size: Option<Sp<String>>,
    /// A Secret's keys as read-only files (mode 0440).
    #[schemars(extend("examples" = ["hf-token"]))]
    pub secret: Option<Sp<String>>,
    /// A ConfigMap's keys as read-only files.
    #[schemars(extend("examples" = ["gcs-buckets"]))]
    pub config_map: Option<Sp<String>>,
    /// An existing PersistentVolumeClaim (read-only unless `read_only = false`).
    #[schemars(extend("examples" = ["datasets"]))]
    pub claim: Option<Sp<String>>,
    /// A claim created with each pod and deleted with it (a generic ephemeral volume).
    pub ephemeral: Option<EphemeralSpec>,
    /// An inline CSI volume: `{ driver = "gcsfuse.csi.storage.gke.io", attributes = { … } }`.
    pub csi: Option<CsiSpec>,
    /// A directory of the node (W0026): only where a platform needs one (`/dev/infiniband`).
    /// `/`, the container runtime's socket and the node's system directories are refused.
    #[schemars(extend("examples" = ["/dev/infiniband"]))]
    pub host_path: Option<Sp<String>>,
    /// `false` lets the container write to a claim, CSI volume or node directory (read-only by
    /// default); scratch and ephemeral volumes are always writable, Secrets and ConfigMaps never.
    pub read_only: Option<Sp<bool>>,
    #[schemars(skip)]
    pub span: Span,
}

impl VolumeSpec {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> VolumeSpec {
        VolumeSpec {
            name: f.string(d, "name"),
            path: f.string(d, "path"),
            size: f.string(d, "size"),
            secret: f.string(d, "secret"),
            config_map: f.string(d, "config_map"),
            claim: f.string(d, "claim"),
            ephemeral: f.table(d, "ephemeral", EphemeralSpec::read),
            csi: f.table(d, "csi", CsiSpec::read),
            host_path: f.string(d, "host_path"),
            read_only: f.bool(d, "read_only"),
            span: f.span(),
        }
    }
}

/// `ephemeral = { size, storage_class, access }`: a claim made with the pod.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct EphemeralSpec {
    /// The claim's size.
    #[schemars(required, extend("examples" = ["500Gi"]))]
    pub size: Option<Sp<String>>,
    /// The StorageClass (default: the cluster's default class).
    #[schemars(extend("examples" = ["premium-rwo"]))]
    pub storage_class: Option<Sp<String>>,
    /// `read-write-once` (default) or `read-write-once-pod`.
    #[schemars(extend("enum" = crate::resolve::check::ACCESS_MODES))]
    pub access: Option<Sp<String>>,
    #[schemars(skip)]
    pub span: Span,
}

impl EphemeralSpec {
    fn read(f: &mut Fields, d: &mut Diagnostics) -> EphemeralSpec {
        EphemeralSpec {
            size: f.required(d, "size", |f, d, k| f.string(d, k), "\"100Gi\""),
            storage_class: f.string(d, "storage_class"),
            access: f.string(d, "access"),
            span: f.span(),
        }
    }
}

/// `csi = { driver, attributes }`: an inline CSI volume.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CsiSpec {
    /// The CSI driver's name.
    #[schemars(required, extend("examples" = ["gcsfuse.csi.storage.gke.io"]))]
    pub driver: Option<Sp<String>>,
    /// The driver's volume attributes.
    #[schemars(with = "Option<crate::schema::ScalarMap>", extend("examples" = [{ "bucketName": "training-data" }]))]
    pub attributes: Pairs,
    #[schemars(skip)]
    pub span: Span,
}

impl CsiSpec {
    fn read(f: &mut Fields, d: &mut Diagnostics) -> CsiSpec {
        CsiSpec {
            driver: f.required(
                d,
                "driver",
                |f, d, k| f.string(d, k),
                "\"gcsfuse.csi.storage.gke.io\"",
            ),
            attributes: f.pairs(d, "attributes").unwrap_or_default(),
            span: f.span(),
        }
    }
}

/// `[serve.security]`: who the pod runs as and what it may do beyond the hardened default.
/// Every key that weakens the default is a named warning.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SecuritySpec {
    /// The UID every container runs as (default 10001); 0 is root (W0023).
    #[schemars(range(min = 0), extend("examples" = [1000]))]
    pub run_as_user: Option<Sp<i64>>,
    /// The primary GID (default 10001).
    #[schemars(range(min = 0), extend("examples" = [1000]))]
    pub run_as_group: Option<Sp<i64>>,
    /// The group that owns the pod's volumes (default 10001).
    #[schemars(range(min = 0), extend("examples" = [1000]))]
    pub fs_group: Option<Sp<i64>>,
    /// `true`: the main container's root filesystem is writable (W0020).
    pub writable_root: Option<Sp<bool>>,
    /// Linux capabilities added to the main container after every one is dropped (W0021), such
    /// as `IPC_LOCK` for RDMA; `SYS_ADMIN` and `ALL` are refused.
    #[schemars(extend("examples" = [["IPC_LOCK"]]))]
    pub capabilities: Option<Vec<Sp<String>>>,
    /// `true`: the pod uses the node's network namespace (W0022), as multi-node NCCL over the
    /// host's interfaces may need.
    pub host_network: Option<Sp<bool>>,
    /// `true`: the pod uses the node's IPC namespace (W0022).
    pub host_ipc: Option<Sp<bool>>,
    #[schemars(skip)]
    pub span: Span,
}

impl SecuritySpec {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> SecuritySpec {
        SecuritySpec {
            run_as_user: f.int(d, "run_as_user"),
            run_as_group: f.int(d, "run_as_group"),
            fs_group: f.int(d, "fs_group"),
            writable_root: f.bool(d, "writable_root"),
            capabilities: f.strings(d, "capabilities"),
            host_network: f.bool(d, "host_network"),
            host_ipc: f.bool(d, "host_ipc"),
            span: f.span(),
        }
    }
}

/// A sidecar's or init container's own `security`: what only one container may do.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ContainerSecuritySpec {
    /// `true`: this container's root filesystem is writable (W0020).
    pub writable_root: Option<Sp<bool>>,
    /// Linux capabilities added to this container (W0021); `SYS_ADMIN` and `ALL` are refused.
    #[schemars(extend("examples" = [["NET_BIND_SERVICE"]]))]
    pub capabilities: Option<Vec<Sp<String>>>,
    #[schemars(skip)]
    pub span: Span,
}

impl ContainerSecuritySpec {
    fn read(f: &mut Fields, d: &mut Diagnostics) -> ContainerSecuritySpec {
        ContainerSecuritySpec {
            writable_root: f.bool(d, "writable_root"),
            capabilities: f.strings(d, "capabilities"),
            span: f.span(),
        }
    }
}

/// `[serve.service_account]`: the identity the pod runs as. The bundle's own ServiceAccount
/// (with `annotations` and `rules`), or an existing one (`name`); the API token is mounted only
/// with `token = true`.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ServiceAccountSpec {
    /// An existing ServiceAccount to run as (Workload Identity, IRSA); the bundle creates none.
    /// Not with `annotations` or `rules`, which describe the bundle's own.
    #[schemars(extend("examples" = ["bert-trainer"]))]
    pub name: Option<Sp<String>>,
    /// Annotations on the bundle's ServiceAccount: Workload Identity's
    /// `iam.gke.io/gcp-service-account`, IRSA's `eks.amazonaws.com/role-arn`.
    #[schemars(with = "Option<crate::schema::ScalarMap>", extend("examples" = [{ "iam.gke.io/gcp-service-account": "trainer@my-project.iam.gserviceaccount.com" }]))]
    pub annotations: Pairs,
    /// What the pod may do through the Kubernetes API in its namespace: a Role with these rules,
    /// bound to the bundle's ServiceAccount.
    pub rules: Option<Vec<RuleSpec>>,
    /// `true` mounts the ServiceAccount's API token (W0024), for a pod that calls the API.
    pub token: Option<Sp<bool>>,
    #[schemars(skip)]
    pub span: Span,
}

impl ServiceAccountSpec {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> ServiceAccountSpec {
        ServiceAccountSpec {
            name: f.string(d, "name"),
            annotations: f.pairs(d, "annotations").unwrap_or_default(),
            rules: f.tables(d, "rules", "an array of tables", |f, d, _| {
                RuleSpec::read(f, d)
            }),
            token: f.bool(d, "token"),
            span: f.span(),
        }
    }
}

/// One rule of the workload's Role: verbs on resources of API groups.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RuleSpec {
    /// API groups (default `[""]`, the core group: pods, services, configmaps).
    #[schemars(extend("examples" = [[""]]))]
    pub api_groups: Option<Vec<Sp<String>>>,
    /// Resources (`pods`, `pods/log`, `leases`); no `*`.
    #[schemars(required, extend("examples" = [["pods"]]))]
    pub resources: Option<Vec<Sp<String>>>,
    /// Verbs: `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
    /// `deletecollection`; no `*`.
    #[schemars(required, extend("examples" = [["get", "list", "watch"]]))]
    pub verbs: Option<Vec<Sp<String>>>,
    /// Only these objects, by name.
    pub names: Option<Vec<Sp<String>>>,
    #[schemars(skip)]
    pub span: Span,
}

impl RuleSpec {
    fn read(f: &mut Fields, d: &mut Diagnostics) -> RuleSpec {
        RuleSpec {
            api_groups: f.strings(d, "api_groups"),
            resources: f.required(d, "resources", |f, d, k| f.strings(d, k), "[\"pods\"]"),
            verbs: f.required(d, "verbs", |f, d, k| f.strings(d, k), "[\"get\", \"list\"]"),
            names: f.strings(d, "names"),
            span: f.span(),
        }
    }
}

/// One entry of `env_from`: every key of a ConfigMap or a Secret as a variable.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(
    deny_unknown_fields,
    transform = crate::schema::exactly_one(&[&["config_map"], &["secret"]])
)]
pub struct EnvFromSpec {
    /// A ConfigMap's keys.
    #[schemars(extend("examples" = ["gcs-buckets"]))]
    pub config_map: Option<Sp<String>>,
    /// A Secret's keys.
    pub secret: Option<Sp<String>>,
    /// Put before each key's name.
    #[schemars(extend("examples" = ["DB_"]))]
    pub prefix: Option<Sp<String>>,
    #[schemars(skip)]
    pub span: Span,
}

impl EnvFromSpec {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> EnvFromSpec {
        EnvFromSpec {
            config_map: f.string(d, "config_map"),
            secret: f.string(d, "secret"),
            prefix: f.string(d, "prefix"),
            span: f.span(),
        }
    }
}

/// A probe: an HTTP path (`"/health"`, on the container's first port), a table naming one
/// kind of check: `{ http = "/health", port = "http" }`, `{ grpc = 9000 }`, `{ tcp = "grpc" }`,
/// `{ exec = ["cat", "/tmp/ready"] }`, or `false` for none (not even the runtime's).
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(
    deny_unknown_fields,
    transform = crate::schema::exactly_one(&[&["http"], &["grpc"], &["tcp"], &["exec"]]),
    transform = crate::schema::probe_forms
)]
pub struct ProbeSpec {
    /// An HTTP GET of this path.
    #[schemars(extend("examples" = ["/health"]))]
    pub http: Option<Sp<String>>,
    /// The port of an `http` probe: a name or number of the container's ports (default its
    /// first).
    #[schemars(with = "Option<crate::schema::PortRef>")]
    pub port: Option<Sp<PortValue>>,
    /// The gRPC health-checking protocol on this port (a number or a name of the container's
    /// ports); the server must implement `grpc.health.v1.Health`.
    #[schemars(with = "Option<crate::schema::PortRef>")]
    pub grpc: Option<Sp<PortValue>>,
    /// The gRPC service to ask about (default: the server as a whole).
    pub service: Option<Sp<String>>,
    /// The port accepts a TCP connection (a name or number of the container's ports).
    #[schemars(with = "Option<crate::schema::PortRef>")]
    pub tcp: Option<Sp<PortValue>>,
    /// A command run in the container that exits 0 when it is healthy.
    #[schemars(extend("examples" = [["cat", "/tmp/ready"]]))]
    pub exec: Option<Vec<Sp<String>>>,
    /// `false` was written: no probe of this kind, not even the runtime's.
    #[schemars(skip)]
    pub off: bool,
    #[schemars(skip)]
    pub span: Span,
}

/// A port as a probe names it.
#[derive(Debug, Clone, PartialEq)]
pub enum PortValue {
    Name(String),
    Number(i64),
}

impl ProbeSpec {
    /// The probe at `key`: a path, or a table.
    pub fn read(f: &mut Fields, d: &mut Diagnostics, key: &'static str) -> Option<ProbeSpec> {
        let path = f.key_path(key);
        let e = f.entry(key)?;
        match &e.node.value {
            Value::Str(s) => Some(ProbeSpec {
                http: Some(Sp::new(s.clone(), e.node.span)),
                span: e.node.span,
                ..ProbeSpec::default()
            }),
            Value::Table(_) => {
                let mut t = Fields::new(&e.node, &path, d)?;
                let probe = ProbeSpec {
                    http: t.string(d, "http"),
                    port: port_value(&mut t, d, "port"),
                    grpc: port_value(&mut t, d, "grpc"),
                    service: t.string(d, "service"),
                    tcp: port_value(&mut t, d, "tcp"),
                    exec: t.strings(d, "exec"),
                    off: false,
                    span: e.node.span,
                };
                t.finish(d);
                Some(probe)
            }
            Value::Bool(false) => Some(ProbeSpec {
                off: true,
                span: e.node.span,
                ..ProbeSpec::default()
            }),
            _ => {
                d.push(wrong_type(
                    &path,
                    "an HTTP path, a table `{ http | grpc | tcp | exec = … }` or `false`",
                    &e.node,
                ));
                None
            }
        }
    }
}

fn port_value(f: &mut Fields, d: &mut Diagnostics, key: &'static str) -> Option<Sp<PortValue>> {
    let path = f.key_path(key);
    let e = f.entry(key)?;
    match &e.node.value {
        Value::Str(s) => Some(Sp::new(PortValue::Name(s.clone()), e.node.span)),
        Value::Int(i) => Some(Sp::new(PortValue::Number(*i), e.node.span)),
        _ => {
            d.push(wrong_type(&path, "a port name or number", &e.node));
            None
        }
    }
}

/// A container's own resources (a sidecar's, an init container's, the model downloader's):
/// requests equal to limits unless `requests` lowers them.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ContainerResources {
    /// CPU cores, a Kubernetes quantity.
    #[schemars(with = "Option<crate::schema::ScalarString>", extend("examples" = ["500m"]))]
    pub cpu: Option<Sp<String>>,
    /// Memory, a Kubernetes quantity.
    #[schemars(extend("examples" = ["512Mi"]))]
    pub memory: Option<Sp<String>>,
    /// Ephemeral storage: the container's logs and writable layer.
    #[schemars(extend("examples" = ["1Gi"]))]
    pub ephemeral_storage: Option<Sp<String>>,
    /// Requests below the limits above (Burstable QoS; W0025 for memory and storage, W0003
    /// for CPU).
    pub requests: Option<Requests>,
    #[schemars(skip)]
    pub span: Span,
}

impl ContainerResources {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> ContainerResources {
        ContainerResources {
            cpu: f.scalar_string(d, "cpu"),
            memory: f.string(d, "memory"),
            ephemeral_storage: f.string(d, "ephemeral_storage"),
            requests: f.table(d, "requests", Requests::read),
            span: f.span(),
        }
    }
}

/// `requests = { cpu, memory, ephemeral_storage }`: what the scheduler reserves, below the
/// limits; the pod becomes Burstable.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Requests {
    /// The CPU request (W0003).
    #[schemars(with = "Option<crate::schema::ScalarString>", extend("examples" = ["1"]))]
    pub cpu: Option<Sp<String>>,
    /// The memory request (W0025).
    #[schemars(extend("examples" = ["4Gi"]))]
    pub memory: Option<Sp<String>>,
    /// The ephemeral-storage request (W0025).
    #[schemars(extend("examples" = ["2Gi"]))]
    pub ephemeral_storage: Option<Sp<String>>,
}

impl Requests {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> Requests {
        Requests {
            cpu: f.scalar_string(d, "cpu"),
            memory: f.string(d, "memory"),
            ephemeral_storage: f.string(d, "ephemeral_storage"),
        }
    }
}

/// `[[serve.sidecars]]`: a container that starts before the main one and runs beside it (a
/// native sidecar), or `[[serve.init]]`: one that runs to completion before it starts.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ExtraContainer {
    /// The container's name (a DNS label, unique in the pod).
    #[schemars(required, extend("examples" = ["http"]))]
    pub name: Option<Sp<String>>,
    /// Its image, as the main container's.
    #[schemars(required, extend("examples" = ["busybox:1.36"]))]
    pub image: Option<Sp<String>>,
    /// `Always` (default) re-checks the registry at each start; `IfNotPresent` is W0030.
    #[schemars(extend("enum" = crate::resolve::pod::PULL_POLICIES))]
    pub pull_policy: Option<Sp<String>>,
    /// Its entrypoint.
    pub command: Option<Vec<Sp<String>>>,
    /// Its arguments.
    pub args: Option<Vec<Sp<String>>>,
    /// Its working directory.
    pub work_dir: Option<Sp<String>>,
    /// Literal environment variables.
    #[schemars(with = "Option<crate::schema::ScalarMap>")]
    pub env: Pairs,
    /// `NAME = "secret-name/key"`: variables from Secrets.
    #[schemars(with = "Option<crate::schema::ScalarMap>")]
    pub secret_env: Pairs,
    /// `NAME = "status.podIP"`: variables from the pod's own fields (the downward API).
    #[schemars(with = "Option<crate::schema::ScalarMap>")]
    pub field_env: Pairs,
    /// Every key of a ConfigMap or Secret as a variable.
    pub env_from: Option<Vec<EnvFromSpec>>,
    /// Its resources (default: stdlib defaults `[containers]`).
    pub resources: Option<ContainerResources>,
    /// Its volumes; a name alone mounts one the pod already has.
    pub volumes: Option<Vec<VolumeSpec>>,
    /// What this container may do beyond the hardened default.
    pub security: Option<ContainerSecuritySpec>,
    /// Sidecars only: its ports, published by the server's Service after the main
    /// container's: `[{ name = "http", port = 8000 }]`.
    pub ports: Option<Vec<PortSpec>>,
    /// Sidecars only: its probes.
    pub health: Option<Health>,
    #[schemars(skip)]
    pub span: Span,
}

impl ExtraContainer {
    pub fn read_sidecar(f: &mut Fields, d: &mut Diagnostics) -> ExtraContainer {
        let mut c = Self::read(f, d);
        c.ports = super::serve::read_ports(f, d);
        c.health = f.table(d, "health", Health::read);
        c
    }

    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> ExtraContainer {
        ExtraContainer {
            name: f.required(d, "name", |f, d, k| f.string(d, k), "\"http\""),
            image: f.required(
                d,
                "image",
                |f, d, k| f.string(d, k),
                "\"registry/name:1.0\"",
            ),
            pull_policy: f.string(d, "pull_policy"),
            command: f.strings(d, "command"),
            args: f.strings(d, "args"),
            work_dir: f.string(d, "work_dir"),
            env: f.pairs(d, "env").unwrap_or_default(),
            secret_env: f.pairs(d, "secret_env").unwrap_or_default(),
            field_env: f.pairs(d, "field_env").unwrap_or_default(),
            env_from: f.tables(d, "env_from", "an array of tables", |f, d, _| {
                EnvFromSpec::read(f, d)
            }),
            resources: f.table(d, "resources", ContainerResources::read),
            volumes: f.tables(d, "volumes", "an array of tables", |f, d, _| {
                VolumeSpec::read(f, d)
            }),
            security: f.table(d, "security", ContainerSecuritySpec::read),
            ports: None,
            health: None,
            span: f.span(),
        }
    }
}

/// `[[serve.init]]`'s schema: a sidecar's keys but `ports` and `health`.
pub(crate) struct InitContainer;

impl JsonSchema for InitContainer {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "InitContainer".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = ExtraContainer::json_schema(generator);
        if let Some(props) = schema
            .get_mut("properties")
            .and_then(serde_json::Value::as_object_mut)
        {
            props.remove("ports");
            props.remove("health");
        }
        schema.insert(
            "description".into(),
            "A container that runs to completion before the main one starts.".into(),
        );
        schema
    }
}

/// `[serve.scaling.scale_down]`: how fast the autoscaler removes pods.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ScaleDown {
    /// How long the load must stay low before pods are removed (default 5m, the HPA's).
    #[schemars(extend("examples" = ["10m"]))]
    pub stabilization: Option<Sp<String>>,
    /// At most this many pods (or percent of them) removed per `period`.
    #[schemars(with = "Option<crate::schema::ScalarString>", extend("examples" = [1, "10%"]))]
    pub max: Option<Sp<String>>,
    /// The period of `max` (default 1m).
    #[schemars(extend("examples" = ["1m"]))]
    pub period: Option<Sp<String>>,
    #[schemars(skip)]
    pub span: Span,
}

impl ScaleDown {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> ScaleDown {
        ScaleDown {
            stabilization: f.string(d, "stabilization"),
            max: f.scalar_string(d, "max"),
            period: f.string(d, "period"),
            span: f.span(),
        }
    }
}
