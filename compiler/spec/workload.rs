//! What every workload section shares: the container (image, command, env, secrets, files) and
//! its resources, including the accelerator.

use schemars::JsonSchema;

use super::read::{Fields, Pairs, Sp, wrong_type};
use super::tree::Value;
use crate::diagnostics::Diagnostics;

/// The container of a server, job or schedule.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
pub struct Container {
    /// `name:tag`, `name@sha256:…`, or both; a moving tag (`latest`, none) is W0001, a tag
    /// without a digest W0002.
    #[schemars(required, extend("examples" = ["tensorflow/serving:2.15.0"]))]
    pub image: Option<Sp<String>>,
    /// The container's entrypoint (replaces the image's).
    #[schemars(extend("examples" = [["python", "train.py"]]))]
    pub command: Option<Vec<Sp<String>>>,
    /// The container's arguments.
    pub args: Option<Vec<Sp<String>>>,
    /// Literal environment variables; numbers and booleans are written as strings. Secrets go
    /// in `secret_env`.
    #[schemars(with = "Option<crate::schema::ScalarMap>", extend("examples" = [{ "MODEL_NAME": "sentiment" }]))]
    pub env: Pairs,
    /// `NAME = "secret-name/key"`: a variable from a Secret, never a literal.
    #[schemars(with = "Option<crate::schema::ScalarMap>", extend("examples" = [{ "API_KEY": "sentiment-keys/api-key" }]))]
    pub secret_env: Pairs,
    /// Absolute path in the container → file content, served from a ConfigMap.
    #[schemars(with = "Option<crate::schema::ScalarMap>", extend("examples" = [{ "/etc/app/config.yaml": "threshold: 0.8\n" }]))]
    pub files: Pairs,
    /// Requests (equal to limits) and the accelerator.
    pub resources: Option<Resources>,
    /// Where the model's files come from: `{ uri = "hf://org/name@revision" }`, `gs://`,
    /// `s3://` (downloaded by an init container) or `pvc://CLAIM/PATH` (mounted).
    pub model: Option<super::model::Model>,
    /// Scanner checks waived for this workload's pods only, beside the app's `[waivers]`
    /// (whose reason it replaces for a check both name): checkov check ID → the reason,
    /// written as a `checkov.io/skipN` annotation on its objects and reported as W0008.
    #[schemars(with = "Option<crate::schema::Waivers>")]
    pub waivers: Pairs,
    /// `Always` (default) re-checks the registry at each start, so the pull secret is checked
    /// too; `IfNotPresent` (a node's cached image, W0030) or `Never` (a preloaded one, W0030).
    #[schemars(extend("enum" = crate::resolve::pod::PULL_POLICIES))]
    pub pull_policy: Option<Sp<String>>,
    /// Secrets with the registry credentials the images are pulled with.
    #[schemars(extend("examples" = [["regcred"]]))]
    pub pull_secrets: Option<Vec<Sp<String>>>,
    /// The container's working directory (on a writable volume, when it writes there).
    #[schemars(extend("examples" = ["/work"]))]
    pub work_dir: Option<Sp<String>>,
    /// `NAME = "status.podIP"`: variables from the pod's own fields (the downward API):
    /// `metadata.name`, `metadata.namespace`, `metadata.uid`, `metadata.labels['KEY']`,
    /// `metadata.annotations['KEY']`, `spec.nodeName`, `spec.serviceAccountName`,
    /// `status.hostIP`, `status.podIP` and their plural forms.
    #[schemars(with = "Option<crate::schema::ScalarMap>", extend("examples" = [{ "POD_IP": "status.podIP" }]))]
    pub field_env: Pairs,
    /// Every key of a ConfigMap or a Secret as a variable: `[{ config_map = "NAME" }]`.
    pub env_from: Option<Vec<super::pod::EnvFromSpec>>,
    /// Volumes: scratch space (`size`), Secrets and ConfigMaps as files, claims, ephemeral
    /// claims, CSI volumes and node directories, each at a `path`.
    pub volumes: Option<Vec<super::pod::VolumeSpec>>,
    /// Who the pod runs as, and what it may do beyond the hardened default.
    pub security: Option<super::pod::SecuritySpec>,
    /// The pod's ServiceAccount: the bundle's own (with annotations, RBAC rules) or an existing
    /// one, and whether its API token is mounted.
    pub service_account: Option<super::pod::ServiceAccountSpec>,
    /// Containers that run beside the main one for the pod's life, started before it.
    pub sidecars: Option<Vec<super::pod::ExtraContainer>>,
    /// Containers that run to completion, in order, before the main one starts (after the
    /// model's downloader).
    #[schemars(with = "Option<Vec<super::pod::InitContainer>>")]
    pub init: Option<Vec<super::pod::ExtraContainer>>,
    /// Annotations on the pods (not on the objects): `gke-gcsfuse/volumes`, a mesh's injection.
    #[schemars(with = "Option<crate::schema::ScalarMap>", extend("examples" = [{ "gke-gcsfuse/volumes": "true" }]))]
    pub pod_annotations: Pairs,
}

impl Container {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> Container {
        Container {
            image: f.required(
                d,
                "image",
                |f, d, k| f.string(d, k),
                "\"registry/name:1.0\"",
            ),
            command: f.strings(d, "command"),
            args: f.strings(d, "args"),
            env: f.pairs(d, "env").unwrap_or_default(),
            secret_env: f.pairs(d, "secret_env").unwrap_or_default(),
            files: f.pairs(d, "files").unwrap_or_default(),
            resources: f.table(d, "resources", Resources::read),
            model: f.table(d, "model", super::model::Model::read),
            pull_policy: f.string(d, "pull_policy"),
            pull_secrets: f.strings(d, "pull_secrets"),
            work_dir: f.string(d, "work_dir"),
            field_env: f.pairs(d, "field_env").unwrap_or_default(),
            env_from: f.tables(d, "env_from", "an array of tables", |f, d, _| {
                super::pod::EnvFromSpec::read(f, d)
            }),
            volumes: f.tables(d, "volumes", "an array of tables", |f, d, _| {
                super::pod::VolumeSpec::read(f, d)
            }),
            security: f.table(d, "security", super::pod::SecuritySpec::read),
            service_account: f.table(d, "service_account", super::pod::ServiceAccountSpec::read),
            sidecars: f.tables(d, "sidecars", "an array of tables", |f, d, _| {
                super::pod::ExtraContainer::read_sidecar(f, d)
            }),
            init: f.tables(d, "init", "an array of tables", |f, d, _| {
                super::pod::ExtraContainer::read(f, d)
            }),
            pod_annotations: f.pairs(d, "pod_annotations").unwrap_or_default(),
            waivers: f.pairs(d, "waivers").unwrap_or_default(),
        }
    }
}

/// The container's resources: requests equal to limits (Guaranteed QoS).
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Resources {
    /// CPU cores, a Kubernetes quantity (`"2"`, `"500m"`).
    #[schemars(with = "Option<crate::schema::ScalarString>", extend("examples" = ["2", "500m"]))]
    pub cpu: Option<Sp<String>>,
    /// Memory, a Kubernetes quantity (`"8Gi"`).
    #[schemars(extend("examples" = ["8Gi", "512Mi"]))]
    pub memory: Option<Sp<String>>,
    /// Ephemeral storage; defaults to the pod's emptyDir sizes plus 1Gi for logs.
    #[schemars(extend("examples" = ["10Gi"]))]
    pub ephemeral_storage: Option<Sp<String>>,
    /// An accelerator from the catalog (stdlib/accelerators.toml): its node labels,
    /// tolerations and resource name come with it.
    pub accelerator: Option<AcceleratorRef>,
    /// Devices per pod: GPUs, AWS Neuron devices, or TPU chips (default 1 with an accelerator;
    /// with a TPU topology, the chips of one host, which picks the host type of a topology two
    /// form). Whole numbers.
    // Kept as written so a fraction can be reported.
    #[schemars(with = "Option<u32>", extend("examples" = [1]))]
    pub gpus: Option<Sp<f64>>,
    /// The size of a memory-backed `/dev/shm` (defaulted for GPUs and runtimes that need it).
    #[schemars(extend("examples" = ["2Gi"]))]
    pub shm: Option<Sp<String>>,
    /// `false` keeps the CPU request but drops the limit (Burstable QoS); W0003.
    pub cpu_limit: Option<Sp<bool>>,
    /// Requests below the limits above (Burstable QoS; W0025 for memory and storage, W0003
    /// for CPU). Devices always request what they limit.
    pub requests: Option<super::pod::Requests>,
}

impl Resources {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> Resources {
        Resources {
            cpu: f.scalar_string(d, "cpu"),
            memory: f.string(d, "memory"),
            ephemeral_storage: f.string(d, "ephemeral_storage"),
            accelerator: AcceleratorRef::read(f, d),
            gpus: read_number(f, d, "gpus"),
            shm: f.string(d, "shm"),
            cpu_limit: f.bool(d, "cpu_limit"),
            requests: f.table(d, "requests", super::pod::Requests::read),
        }
    }
}

/// `accelerator = "nvidia-l4"`, or a table: `{ type = "nvidia-a100-80gb", mig = "3g.40gb" }`,
/// `{ type = "tpu-v5e", topology = "2x4" }`.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[schemars(
    deny_unknown_fields,
    transform = crate::schema::or_catalog_name("accelerators", "an accelerator's name in the catalog")
)]
pub struct AcceleratorRef {
    /// The accelerator's name in the catalog.
    #[schemars(rename = "type", extend("x-catalog" = "accelerators"))]
    pub name: Sp<String>,
    /// A MIG profile of the GPU, instead of whole GPUs.
    #[schemars(extend("examples" = ["3g.40gb", "1g.10gb"]))]
    pub mig: Option<Sp<String>>,
    /// A TPU slice topology: on one host (`2x4`), or on several (`4x4` of `tpu-v5e` is four
    /// hosts), which makes a job an Indexed Job with one pod per host.
    #[schemars(extend("examples" = ["2x4", "4x4"]))]
    pub topology: Option<Sp<String>>,
    /// A TPU host machine type, for a topology several form (`ct6e-standard-4t`: `2x4` of
    /// `tpu-v6e` on two 4-chip hosts, not one 8-chip host); `gpus` (chips per host) chooses too.
    #[schemars(extend("examples" = ["ct6e-standard-4t"]))]
    pub machine: Option<Sp<String>>,
    #[schemars(skip)]
    pub span: crate::source::Span,
}

impl AcceleratorRef {
    fn read(f: &mut Fields, d: &mut Diagnostics) -> Option<AcceleratorRef> {
        let path = f.key_path("accelerator");
        let entry = f.entry("accelerator")?;
        match &entry.node.value {
            Value::Str(s) => Some(AcceleratorRef {
                name: Sp::new(s.clone(), entry.node.span),
                mig: None,
                topology: None,
                machine: None,
                span: entry.node.span,
            }),
            Value::Table(_) => {
                let mut t = Fields::new(&entry.node, &path, d)?;
                let name = t.required(d, "type", |t, d, k| t.string(d, k), "\"nvidia-a100-80gb\"");
                let mig = t.string(d, "mig");
                let topology = t.string(d, "topology");
                let machine = t.string(d, "machine");
                t.finish(d);
                Some(AcceleratorRef {
                    name: name?,
                    mig,
                    topology,
                    machine,
                    span: entry.node.span,
                })
            }
            _ => {
                d.push(wrong_type(
                    &path,
                    "a string or a table `{ type = …, mig = … }`",
                    &entry.node,
                ));
                None
            }
        }
    }
}

/// An integer or a float, kept as a float so validation can say "1.5 is not a whole number".
fn read_number(f: &mut Fields, d: &mut Diagnostics, key: &'static str) -> Option<Sp<f64>> {
    let path = f.key_path(key);
    let e = f.entry(key)?;
    match e.node.value {
        Value::Int(i) => Some(Sp::new(i as f64, e.node.span)),
        Value::Float(x) => Some(Sp::new(x, e.node.span)),
        _ => {
            d.push(wrong_type(&path, "a whole number", &e.node));
            None
        }
    }
}
