//! The registry of diagnostic codes: one entry per code, with its name, severity and the long
//! explanation that `mlspec explain CODE` prints (from `explain/CODE.md`).
//!
//! Codes are stable: never reuse or renumber one. `E0001`–`E0099` are about the file's shape
//! (syntax, keys, types), `E0100`–`E0199` about values and how they fit together, `E0200`–`E0219`
//! about inventories and manifests for `place`, `E0220`–`E0229` about whether a model fits the
//! memory of its accelerators, `E0300`–`E0399` what the verify stage finds: in generated objects
//! an internal error (`E0300`, `E0301`), in patched ones the patch's (`E0310`–`E0319`, with the
//! other errors a `[patches]` entry can cause). `W0xxx` are warnings, grouped the same way: `W0001`–`W0199`
//! about a spec, `W0200`–`W0299` about files no spec owns: the inventory and running-pods files
//! of `place`, and user catalogs (which a spec may load, but must not silence).

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct Code {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub explanation: &'static str,
}

impl Code {
    /// Whether a spec's `[lint]` can set this warning's level: W02xx are about files a spec
    /// does not own (`place`'s inputs, a catalog), so only the command line reaches them.
    pub fn in_spec_lint(&self) -> bool {
        self.severity == Severity::Warning && !self.id.starts_with("W02")
    }
}

macro_rules! codes {
    ($($id:ident $name:literal $sev:ident $summary:literal;)*) => {
        $(
            pub static $id: Code = Code {
                id: stringify!($id),
                name: $name,
                severity: Severity::$sev,
                summary: $summary,
                explanation: include_str!(concat!("explain/", stringify!($id), ".md")),
            };
        )*
        /// Every code, in order.
        pub static ALL: &[&Code] = &[$(&$id),*];
    };
}

codes! {
    E0001 "toml-syntax" Error "the file is not valid TOML";
    E0002 "unknown-key" Error "a key that mlspec does not know";
    E0003 "wrong-type" Error "a value of the wrong type";
    E0004 "missing-key" Error "a required key is missing";
    E0005 "not-text" Error "the file is not UTF-8 text";
    E0006 "unknown-env" Error "`--env` names an overlay the file does not define";
    E0007 "conflicting-keys" Error "two keys that cannot be used together";
    E0008 "invalid-choice" Error "a value outside the allowed set";
    E0009 "input-too-large" Error "the input is beyond mlspec's limits";
    E0010 "invalid-catalog" Error "an entry of a user catalog (`--stdlib`) that mlspec cannot use";
    E0011 "nul-character" Error "a program argument or variable with a NUL character in it";
    E0012 "secret-in-bundle" Error "a literal that looks like a secret in args, command, annotations, labels, files or a URL";
    E0101 "invalid-name" Error "a name that Kubernetes would reject";
    E0102 "invalid-label" Error "a label or annotation key or value that Kubernetes would reject";
    E0103 "invalid-image" Error "an image reference that does not parse";
    E0104 "invalid-quantity" Error "a resource quantity that Kubernetes would reject";
    E0105 "invalid-port" Error "a port outside 1–65535 or with a bad name";
    E0106 "invalid-duration" Error "a duration that does not parse";
    E0107 "invalid-cron" Error "a cron schedule that Kubernetes would reject";
    E0108 "unknown-timezone" Error "a time zone that is not in the IANA database";
    E0109 "invalid-hostname" Error "an Ingress host that is not a valid DNS name";
    E0110 "invalid-secret-ref" Error "a Secret reference that is not `secret-name/key`, or a key the source cannot take";
    E0111 "unknown-accelerator" Error "an accelerator that the catalog does not know";
    E0112 "unknown-runtime" Error "a serving runtime that the catalog does not know";
    E0113 "invalid-count" Error "a count that is negative or too large";
    E0114 "fractional-gpus" Error "a GPU or TPU count that is not a whole number";
    E0115 "invalid-env-name" Error "an environment variable name that Kubernetes would reject";
    E0116 "invalid-percent" Error "a percentage that does not parse or is out of range";
    E0117 "invalid-path" Error "an HTTP path that does not start with `/`";
    E0118 "invalid-scaling" Error "scaling bounds that cannot hold";
    E0119 "accelerator-count" Error "an accelerator count without an accelerator, or a count the accelerator cannot give";
    E0120 "unknown-mig-profile" Error "a MIG profile the GPU does not offer";
    E0121 "shm-exceeds-memory" Error "`/dev/shm` larger than the memory it is taken from";
    E0122 "rollout-cannot-progress" Error "a rolling update with no surge and no unavailability";
    E0123 "duplicate-port" Error "two ports with the same name or number";
    E0124 "nothing-to-deploy" Error "a spec with no `[serve]`, `[jobs]` or `[schedules]`";
    E0125 "name-too-long" Error "a generated object name over its Kubernetes limit";
    E0126 "secret-in-env" Error "a literal value in `env` that looks like a secret";
    E0127 "invalid-toleration" Error "a toleration that does not parse";
    E0128 "duplicate-env" Error "the same environment variable set twice";
    E0129 "invalid-topology" Error "a TPU topology that does not parse or does not fit the accelerator";
    E0130 "invalid-file-path" Error "a mounted file path that is not absolute or clashes with another mount";
    E0131 "invalid-lint" Error "a `[lint]` or `[waivers]` entry that mlspec cannot use";
    E0132 "tensor-parallel-gpus" Error "a tensor-parallel degree that is not the pod's GPU count";
    E0133 "tensor-parallel-shm" Error "tensor parallelism without a sized `/dev/shm` for NCCL";
    E0134 "model-name-not-applied" Error "a `serve.model_name` the runtime cannot use, or that `args` repeat";
    E0140 "invalid-metric" Error "an autoscaling metric name the HPA would reject";
    E0141 "invalid-trigger" Error "a KEDA trigger or setting KEDA would reject";
    E0150 "invalid-model-source" Error "a `model.uri` mlspec cannot fetch or mount";
    E0151 "shared-read-write-once-cache" Error "a ReadWriteOnce model cache that more than one pod would mount";
    E0160 "unresolved-env-reference" Error "a `$(NAME)` in `env` that names no variable defined before it";
    E0161 "mount-conflict" Error "a volume over another mount or a path mlspec or the runtime mounts, or a volume name used twice";
    E0162 "invalid-field-ref" Error "a `field_env` field the downward API does not offer";
    E0163 "probe-port-missing" Error "a probe on a port its container does not have";
    E0164 "service-account-conflict" Error "an existing ServiceAccount given rules or annotations";
    E0165 "port-flag-mismatch" Error "a port flag or variable in `args` or `env` that differs from the container port";
    E0166 "refused-host-path" Error "a `host_path` volume of a node directory the node itself depends on";
    E0167 "refused-capability" Error "a capability that is not a capability name, or one refused in every case";
    E0168 "invalid-rbac-rule" Error "a ServiceAccount rule with a wildcard, an unknown verb or nothing to grant";
    E0169 "invalid-volume" Error "a volume with no source, several sources, or a key its source cannot use";
    E0170 "duplicate-container" Error "two containers of one pod with the same name";
    E0180 "duplicate-name" Error "two servers, or a server and a job, schedule or Service, with one name";
    E0181 "unknown-port" Error "a port a server does not have, named where its ports are published or admitted";
    E0182 "no-service-port" Error "a Service that publishes no port";
    E0183 "unknown-server" Error "a caller or an ingress path that names no server of the spec";
    E0184 "invalid-caller" Error "a `callers` entry that names no caller, or several";
    E0185 "invalid-cidr" Error "an address block that is not a CIDR in canonical form";
    E0186 "no-internal-load-balancer" Error "an internal load balancer on a provider that has no annotation for one";
    E0187 "caller-in-other-namespace" Error "a caller app that the build runs in another namespace than the entry admits";
    E0188 "mixed-ingress-protocols" Error "an Ingress whose class switches gRPC per Ingress, routing to gRPC and HTTP ports";
    E0189 "ingress-proxies-unknown" Error "an ingress class whose proxies connect from addresses the spec must give, and does not";
    E0190 "no-metrics-port" Error "`[serve.metrics]` on a server whose runtime serves no metrics, without a port";
    E0200 "invalid-inventory" Error "an inventory or running-pods file that does not parse or holds a bad node";
    E0201 "unknown-inventory-key" Error "a key the TOML pool format does not know";
    E0202 "invalid-manifest" Error "a Kubernetes object that does not parse";
    E0203 "duplicate-node" Error "two nodes with the same name";
    E0204 "unknown-provider" Error "a cloud provider whose node-label conventions the catalog does not have";
    E0205 "does-not-fit" Error "a workload whose pods do not all fit the inventory";
    E0220 "weights-do-not-fit" Error "model weights larger than what the runtime may use of one pod's GPUs";
    E0221 "kv-cache-too-small" Error "a KV cache that cannot hold one sequence of the maximum context";
    E0222 "model-download-too-large" Error "a model larger than the volume it is downloaded into";
    E0223 "unknown-model-architecture" Error "a `serve.architecture` the model catalog does not have";
    E0224 "invalid-model-architecture" Error "model numbers no config.json would have";
    E0225 "invalid-memory-setting" Error "a runtime memory flag with a value the server would refuse";
    E0226 "heads-not-divisible" Error "a tensor-parallel degree that does not divide the model's attention heads";
    E0227 "context-longer-than-model" Error "a maximum context longer than the model's";
    E0240 "slices-without-multi-host-slice" Error "`slices` on a job that asks for no multi-host TPU slice";
    E0241 "rollout-on-stateful-server" Error "`[serve.rollout]` on a server that runs as a StatefulSet";
    E0242 "claim-name-taken" Error "a per-replica claim named like another volume of the pod";
    E0243 "group-too-small" Error "a `[serve.group]` of fewer than 2 pods";
    E0244 "runtime-without-multi-node" Error "`[serve.group]` on a runtime with no multi-node preset";
    E0300 "schema-violation" Error "internal error: a generated object fails its Kubernetes JSON schema";
    E0301 "api-rule-violation" Error "internal error: a generated object breaks a rule the API server enforces";
    E0310 "unknown-patch-target" Error "a patch names an object or workload the spec does not generate";
    E0311 "patch-changes-identity" Error "a patch changes an object's apiVersion, kind, name, namespace or the labels mlspec files it by";
    E0312 "patch-cannot-apply" Error "a patch that cannot be applied as written";
    E0313 "patched-schema-violation" Error "a patch makes an object fail its Kubernetes JSON schema";
    E0314 "patched-api-rule-violation" Error "a patch makes an object break a rule the API server enforces";
    E0315 "patch-breaks-reference" Error "a patch leaves a reference in the bundle pointing at nothing";
    W0001 "mutable-image-tag" Warning "an image by `latest` or no tag";
    W0002 "image-without-digest" Warning "an image pinned by a tag, not a digest";
    W0003 "no-cpu-limit" Warning "a container without a CPU limit";
    W0004 "single-replica" Warning "a server with one replica and so no disruption budget";
    W0005 "ingress-without-tls" Warning "a public Ingress without TLS";
    W0006 "schedule-without-deadline" Warning "a schedule whose runs have no deadline";
    W0007 "job-without-ttl" Warning "a finished Job that is never cleaned up";
    W0008 "waived-check" Warning "a security check waived in the spec";
    W0010 "short-startup-budget" Warning "a startup budget below the runtime's default";
    W0011 "unpinned-model-revision" Warning "a model source without a fixed revision";
    W0012 "scratch-over-storage-limit" Warning "emptyDir volumes on disk larger than the pod's ephemeral-storage limit";
    W0020 "writable-root-filesystem" Warning "a container whose root filesystem is writable";
    W0021 "added-capability" Warning "a container that adds Linux capabilities or keeps some";
    W0022 "host-namespace" Warning "a pod in the host's network, IPC or PID namespace";
    W0023 "runs-as-root" Warning "a container that may run as root";
    W0024 "mounted-token" Warning "a pod with a ServiceAccount token mounted";
    W0025 "requests-below-limits" Warning "a memory or device request below its limit, or a removed limit";
    W0026 "host-path-volume" Warning "a pod that mounts a path of the node";
    W0027 "privileged" Warning "a privileged container, or one that may gain privileges";
    W0028 "network-policy-widened" Warning "a NetworkPolicy that admits more than the spec declares, or none";
    W0029 "seccomp-unconfined" Warning "a container without a RuntimeDefault or Localhost seccomp profile";
    W0030 "pull-policy-not-always" Warning "an image pull policy other than `Always`";
    W0031 "privileged-port" Warning "a port below 1024 in a container that runs as non-root without NET_BIND_SERVICE";
    W0040 "public-load-balancer" Warning "a public load balancer that accepts every address";
    W0041 "app-outside-build" Warning "a caller app that the build does not contain, so its namespace cannot be checked";
    W0042 "node-port" Warning "a Service that opens its ports on every node";
    W0043 "caller-from-anywhere" Warning "a caller entry that admits every namespace or every address";
    W0044 "unknown-ingress-class" Warning "an ingress class whose proxies mlspec cannot locate, so every namespace is admitted";
    W0060 "patch-changes-nothing" Warning "a patch that leaves its objects as they were";
    W0061 "host-port" Warning "a container port bound to a port of the node";
    W0070 "few-sequences" Warning "a KV cache that holds only a few sequences of the maximum context";
    W0071 "unknown-model" Warning "a model mlspec does not know, so its memory is not checked";
    W0080 "selector-matches-no-node" Warning "a workload whose node selector matches no node of the inventory";
    W0081 "parallel-single-host-slices" Warning "several pods at once on a single-host TPU slice, each training alone";
    W0082 "not-placed" Warning "a JobSet or LeaderWorkerSet asking for what `place` does not model, so its pods are in no moment";
    W0200 "pod-on-unknown-node" Warning "a running pod bound to a node the inventory does not list";
    W0201 "tolerates-every-taint" Warning "a catalog toleration without a key, which tolerates every taint";
    W0202 "control-plane-placement" Warning "a catalog entry that selects or tolerates the control plane";
}

/// Look a code up by id, case-insensitively (`e0101` works too).
pub fn find(id: &str) -> Option<&'static Code> {
    ALL.iter()
        .copied()
        .find(|c| c.id.eq_ignore_ascii_case(id) || c.name == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_sorted_and_match_their_severity() {
        for pair in ALL.windows(2) {
            assert!(
                pair[0].id < pair[1].id,
                "{} before {}",
                pair[0].id,
                pair[1].id
            );
        }
        for c in ALL {
            let prefix = if c.severity == Severity::Error {
                'E'
            } else {
                'W'
            };
            assert!(c.id.starts_with(prefix), "{} has the wrong prefix", c.id);
            assert!(
                c.explanation.starts_with(&format!("# {}", c.id)),
                "{}.md header",
                c.id
            );
        }
    }

    #[test]
    fn find_accepts_ids_and_names() {
        assert_eq!(find("e0101").map(|c| c.id), Some("E0101"));
        assert_eq!(find("invalid-name").map(|c| c.id), Some("E0101"));
        assert!(find("E9999").is_none());
    }
}
