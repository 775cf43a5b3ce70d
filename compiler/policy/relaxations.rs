//! The relaxation registry: one row per way a deployment can weaken mlspec's secure defaults,
//! each a named warning (`W0020` `writable-root-filesystem`, …) that a platform can deny.
//!
//! A row says what weakens, how to see it in a pod template's JSON (or, for a NetworkPolicy, in
//! the policy before and after a change), which spec keys open it on purpose, which scanner
//! checks it trips and how to live with it. The patch stage warns when a row turns true that
//! was false before the patch; a spec key that opens a relaxation reports through its row
//! ([`opened`]: the row's code and help); `docs/security.md` is generated from the table ([`markdown`]).

use serde_json::Value;

use crate::diagnostics::{Code, Diagnostic, codes};
use crate::source::Span;
use crate::values::quantity::Quantity;

/// One way to weaken a secure default.
pub struct Relaxation {
    pub code: &'static Code,
    /// What weakens, for the docs: "`readOnlyRootFilesystem` not true".
    pub weakening: &'static str,
    /// Spec keys that open it on purpose, relative to a workload's section
    /// (`resources.cpu_limit`); empty when only a patch can.
    pub keys: &'static [&'static str],
    /// Scanner checks it trips: checkov IDs and Pod Security Standards controls.
    pub checks: &'static [&'static str],
    /// How to fix it or live with it, the diagnostic's help line.
    pub help: &'static str,
    pub test: Test,
}

/// How a row is seen in objects.
#[derive(Clone, Copy)]
pub enum Test {
    /// Over one pod template's JSON (`{ metadata, spec }`): every place it holds.
    Pod(fn(&Value) -> Vec<Hit>),
    /// Over a NetworkPolicy before and after a change (`None`: there is none): every way the
    /// later one admits more.
    Policy(fn(Option<&Value>, Option<&Value>) -> Vec<Hit>),
}

/// One place a row holds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    /// JSON pointer inside the pod template (or the policy) to the value at fault.
    pub pointer: String,
    /// What holds, as the end of a sentence: "container `server` has a writable root
    /// filesystem (`readOnlyRootFilesystem` is not true)".
    pub what: String,
}

impl Relaxation {
    /// This row's warning at a span: the code, the message and the row's help.
    pub fn warning(&self, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.code, message)
            .at(span, "weakens a secure default")
            .help(self.help)
    }

    /// Where the row holds in a pod template.
    pub fn pod(&self, template: &Value) -> Vec<Hit> {
        match self.test {
            Test::Pod(f) => f(template),
            Test::Policy(_) => Vec::new(),
        }
    }
}

/// Every relaxation, by code.
pub static ALL: &[Relaxation] = &[
    Relaxation {
        code: &codes::W0003,
        weakening: "a CPU request without a limit, or below it",
        keys: &["resources.cpu_limit", "resources.requests.cpu"],
        checks: &["CKV_K8S_11"],
        help: "keep requests equal to limits (Guaranteed QoS: evicted last, CPU pinning), or say why the container needs to burst in `[waivers]` (CKV_K8S_11) and allow `no-cpu-limit`",
        test: Test::Pod(cpu_without_limit),
    },
    Relaxation {
        code: &codes::W0020,
        weakening: "`readOnlyRootFilesystem` not true",
        keys: &["security.writable_root"],
        checks: &["CKV_K8S_22"],
        help: "give the directories the container writes a volume instead (`volumes = [{ path = \"/work\", size = \"10Gi\" }]`) and keep its root filesystem read-only; if it must write everywhere, waive CKV_K8S_22 with the reason",
        test: Test::Pod(writable_root),
    },
    Relaxation {
        code: &codes::W0021,
        weakening: "`capabilities.add`, or `drop` without `ALL`",
        keys: &["security.capabilities"],
        checks: &[
            "CKV_K8S_25",
            "CKV_K8S_28",
            "CKV_K8S_37",
            "CKV_K8S_39",
            "PSS Capabilities",
        ],
        help: "drop `ALL` and add back only the capability the process needs (`IPC_LOCK` to pin memory for RDMA, `NET_BIND_SERVICE` for a port below 1024, the only one Pod Security \"restricted\" allows), and waive CKV_K8S_25 with the reason",
        test: Test::Pod(capabilities),
    },
    Relaxation {
        code: &codes::W0022,
        weakening: "`hostNetwork`, `hostIPC` or `hostPID` true",
        keys: &["security.host_network", "security.host_ipc"],
        checks: &[
            "CKV_K8S_17",
            "CKV_K8S_18",
            "CKV_K8S_19",
            "PSS Host Namespaces",
        ],
        help: "the pods see the node's network, IPC objects or processes, and their NetworkPolicy no longer isolates them: use a Service, a shared volume or the platform's RDMA device plugin instead; keep a host namespace only for what needs it (multi-node NCCL over the host's interfaces), and waive CKV_K8S_19 or CKV_K8S_18 with the reason",
        test: Test::Pod(host_namespaces),
    },
    Relaxation {
        code: &codes::W0023,
        weakening: "UID 0, or `runAsNonRoot` not true",
        keys: &["security.run_as_user"],
        checks: &["CKV_K8S_23", "CKV_K8S_40", "PSS Running as Non-root"],
        help: "run as a numeric non-root UID the image can use (the default is 10001) with `runAsNonRoot: true`; an image that needs root can usually be rebuilt with a `USER` line, else waive CKV_K8S_23 and CKV_K8S_40 with the reason",
        test: Test::Pod(root),
    },
    Relaxation {
        code: &codes::W0024,
        weakening: "a ServiceAccount token mounted in the pod",
        keys: &["service_account.token"],
        checks: &["CKV_K8S_38"],
        help: "anyone who gets code running in the pod can call the API as its account: mount a token only into a pod that watches or changes objects (a router, an operator), give its account only the `rules` it needs, and waive CKV_K8S_38 with the reason",
        test: Test::Pod(mounted_token),
    },
    Relaxation {
        code: &codes::W0025,
        weakening: "a memory (or other non-CPU) request below its limit, or a limit removed",
        keys: &[
            "resources.requests.memory",
            "resources.requests.ephemeral_storage",
        ],
        checks: &["CKV_K8S_12", "CKV_K8S_13"],
        help: "keep every request equal to its limit (Guaranteed QoS): under memory or disk pressure the kubelet evicts a Burstable pod first, and the node can be overcommitted; drop the request unless packing more pods is worth it",
        test: Test::Pod(requests_below_limits),
    },
    Relaxation {
        code: &codes::W0026,
        weakening: "a `hostPath` volume",
        keys: &["volumes.host_path"],
        checks: &["CKV_K8S_27", "PSS HostPath Volumes"],
        help: "a node path gives the pod the node's files and ties it to one node; use a PersistentVolumeClaim, a ConfigMap, an emptyDir, or the platform's CSI driver or device plugin instead, and allow this warning only where the platform documents the path",
        test: Test::Pod(host_path),
    },
    Relaxation {
        code: &codes::W0027,
        weakening: "`privileged: true`, or `allowPrivilegeEscalation` not false",
        keys: &[],
        checks: &[
            "CKV_K8S_16",
            "CKV_K8S_20",
            "PSS Privileged Containers",
            "PSS Privilege Escalation",
        ],
        help: "a privileged container is root on the node; grant the one capability or device the workload needs instead",
        test: Test::Pod(privileged),
    },
    Relaxation {
        code: &codes::W0028,
        weakening: "a NetworkPolicy rule removed or widened, or the policy removed",
        keys: &[],
        checks: &[],
        help: "admit only the sources and ports the app needs: add a rule for the new caller instead of widening or removing the policy",
        test: Test::Policy(widened),
    },
    Relaxation {
        code: &codes::W0029,
        weakening: "seccomp profile not `RuntimeDefault` or `Localhost`",
        keys: &[],
        checks: &["CKV_K8S_31", "PSS Seccomp"],
        help: "keep `seccompProfile: { type: RuntimeDefault }`, or write a `Localhost` profile that allows the system calls the workload needs",
        test: Test::Pod(seccomp),
    },
    Relaxation {
        code: &codes::W0030,
        weakening: "`imagePullPolicy` not `Always`",
        keys: &["pull_policy"],
        checks: &["CKV_K8S_15"],
        help: "with `Always` each start checks the pull secret, so no pod runs a private image another tenant left on the node (a digest makes it cost one manifest request); keep another policy only for images preloaded on the nodes, and waive CKV_K8S_15 with the reason",
        test: Test::Pod(pull_policy),
    },
    Relaxation {
        code: &codes::W0061,
        weakening: "a container port bound to the node (`hostPort`)",
        keys: &[],
        checks: &["CKV_K8S_26", "PSS Host Ports"],
        help: "reach the pods through their Service; a host port also limits the pods to one per node",
        test: Test::Pod(host_ports),
    },
];

/// The row of a warning code.
pub fn row(code: &Code) -> Option<&'static Relaxation> {
    ALL.iter().find(|r| std::ptr::eq(r.code, code))
}

/// The warning of a spec key that opens the relaxation `code` on purpose, through its row: the
/// row's code and help, the key's message and label. (A code without a row gets no help; a
/// test holds every code the resolve stage opens to a row.)
pub fn opened(
    code: &'static Code,
    span: Span,
    label: &str,
    message: impl Into<String>,
) -> Diagnostic {
    let d = Diagnostic::new(code, message).at(span, label);
    match row(code) {
        Some(r) => d.help(r.help),
        None => d,
    }
}

/// `docs/security.md`: the secure defaults' relaxations, from the table.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Relaxations\n\n\
         <!-- generated from compiler/policy/relaxations.rs; a test keeps it current \
         (`MLSPEC_UPDATE_DOCS=1 cargo test --test it security_doc` rewrites it) -->\n\n\
         mlspec's pods run as non-root with a read-only root filesystem, every capability \
         dropped, no privilege escalation, seccomp `RuntimeDefault`, no ServiceAccount token, \
         requests equal to limits, images pulled `Always`, and a NetworkPolicy that admits only \
         what the spec declares. \
         Each way of weakening that is a named warning, reported wherever it comes from: a spec \
         key that opens it on purpose, or a `[patches]` entry that turns it on. A platform \
         refuses any of them in CI with `--deny NAME` (or `[lint] NAME = \"deny\"`); \
         `mlspec explain CODE` has the long form.\n\n\
         | code | name | weakening | opened by | scanner checks |\n\
         | --- | --- | --- | --- | --- |\n",
    );
    for r in ALL {
        let keys = if r.keys.is_empty() {
            "a patch".to_string()
        } else {
            let keys: Vec<String> = r.keys.iter().map(|k| format!("`{k}`")).collect();
            format!("{}, a patch", keys.join(", "))
        };
        let checks = if r.checks.is_empty() {
            "—".to_string()
        } else {
            r.checks.join(", ")
        };
        out.push_str(&format!(
            "| {} | `{}` | {} | {keys} | {checks} |\n",
            r.code.id, r.code.name, r.weakening
        ));
    }
    out.push_str("\n## How to live with one\n\n");
    for r in ALL {
        out.push_str(&format!(
            "- **{} `{}`**: {}.\n",
            r.code.id, r.code.name, r.help
        ));
    }
    out
}

/// Each container of a pod template: its pointer, and how a message names it.
fn containers(t: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (list, what) in [
        ("initContainers", "init container"),
        ("containers", "container"),
    ] {
        let items = t
            .pointer(&format!("/spec/{list}"))
            .and_then(Value::as_array);
        for (i, c) in items.into_iter().flatten().enumerate() {
            let name = c.get("name").and_then(Value::as_str).unwrap_or("?");
            out.push((format!("/spec/{list}/{i}"), format!("{what} `{name}`"), c));
        }
    }
    out
}

fn hit(pointer: String, what: String) -> Hit {
    Hit { pointer, what }
}

/// A container's security setting, else the pod's (`runAsNonRoot`, `runAsUser`,
/// `seccompProfile` may be set on either, and the container's wins).
fn effective<'a>(t: &'a Value, c: &'a Value, field: &str) -> Option<&'a Value> {
    c.pointer(&format!("/securityContext/{field}"))
        .or_else(|| t.pointer(&format!("/spec/securityContext/{field}")))
}

fn cpu_without_limit(t: &Value) -> Vec<Hit> {
    let mut out = Vec::new();
    let quantity = |v: Option<&Value>| v?.as_str().and_then(|s| Quantity::parse(s).ok());
    for (at, who, c) in containers(t) {
        let request = c.pointer("/resources/requests/cpu");
        let limit = c.pointer("/resources/limits/cpu");
        if request.is_some() && limit.is_none() {
            out.push(hit(
                format!("{at}/resources/limits"),
                format!("{who} has a CPU request but no CPU limit"),
            ));
        } else if let (Some(r), Some(l)) = (quantity(request), quantity(limit))
            && r < l
        {
            out.push(hit(
                format!("{at}/resources/requests/cpu"),
                format!("{who} requests less CPU than its limit"),
            ));
        }
    }
    out
}

fn pull_policy(t: &Value) -> Vec<Hit> {
    containers(t)
        .into_iter()
        .filter_map(|(at, who, c)| {
            let p = c.get("imagePullPolicy").and_then(Value::as_str)?;
            (p != "Always").then(|| {
                hit(
                    format!("{at}/imagePullPolicy"),
                    format!("{who} pulls its image `{p}`, not `Always`"),
                )
            })
        })
        .collect()
}

fn writable_root(t: &Value) -> Vec<Hit> {
    containers(t)
        .into_iter()
        .filter(|(_, _, c)| {
            c.pointer("/securityContext/readOnlyRootFilesystem") != Some(&Value::Bool(true))
        })
        .map(|(at, who, _)| {
            hit(
                format!("{at}/securityContext/readOnlyRootFilesystem"),
                format!(
                    "{who} has a writable root filesystem (`readOnlyRootFilesystem` is not true)"
                ),
            )
        })
        .collect()
}

fn capabilities(t: &Value) -> Vec<Hit> {
    let mut out = Vec::new();
    for (at, who, c) in containers(t) {
        let caps = c.pointer("/securityContext/capabilities");
        let list = |k: &str| -> Vec<&str> {
            caps.and_then(|c| c.get(k))
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default()
        };
        let added = list("add");
        if !added.is_empty() {
            out.push(hit(
                format!("{at}/securityContext/capabilities/add"),
                format!("{who} adds the capabilities {}", added.join(", ")),
            ));
        }
        if !list("drop").contains(&"ALL") {
            out.push(hit(
                format!("{at}/securityContext/capabilities/drop"),
                format!("{who} keeps the runtime's default capabilities (`drop` lacks `ALL`)"),
            ));
        }
    }
    out
}

fn host_namespaces(t: &Value) -> Vec<Hit> {
    [
        ("hostNetwork", "network namespace"),
        ("hostIPC", "IPC namespace"),
        ("hostPID", "process ID namespace"),
    ]
    .into_iter()
    .filter(|(field, _)| t.pointer(&format!("/spec/{field}")) == Some(&Value::Bool(true)))
    .map(|(field, what)| {
        hit(
            format!("/spec/{field}"),
            format!("its pods share the node's {what} (`{field}: true`)"),
        )
    })
    .collect()
}

fn root(t: &Value) -> Vec<Hit> {
    let mut out = Vec::new();
    for (at, who, c) in containers(t) {
        if effective(t, c, "runAsUser").and_then(Value::as_i64) == Some(0) {
            out.push(hit(
                format!("{at}/securityContext/runAsUser"),
                format!("{who} runs as UID 0 (root)"),
            ));
        } else if effective(t, c, "runAsNonRoot") != Some(&Value::Bool(true)) {
            out.push(hit(
                format!("{at}/securityContext/runAsNonRoot"),
                format!("{who} may run as root (`runAsNonRoot` is not true)"),
            ));
        }
    }
    out
}

fn mounted_token(t: &Value) -> Vec<Hit> {
    let mut out = Vec::new();
    if t.pointer("/spec/automountServiceAccountToken") != Some(&Value::Bool(false)) {
        out.push(hit(
            "/spec/automountServiceAccountToken".to_string(),
            "its pods mount their ServiceAccount token (`automountServiceAccountToken` is not false)"
                .to_string(),
        ));
    }
    let volumes = t.pointer("/spec/volumes").and_then(Value::as_array);
    for (i, v) in volumes.into_iter().flatten().enumerate() {
        let sources = v.pointer("/projected/sources").and_then(Value::as_array);
        if sources
            .into_iter()
            .flatten()
            .any(|s| s.get("serviceAccountToken").is_some())
        {
            let name = v.get("name").and_then(Value::as_str).unwrap_or("?");
            out.push(hit(
                format!("/spec/volumes/{i}"),
                format!("volume `{name}` mounts a ServiceAccount token"),
            ));
        }
    }
    out
}

fn requests_below_limits(t: &Value) -> Vec<Hit> {
    let mut out = Vec::new();
    for (at, who, c) in containers(t) {
        let map = |k: &str| {
            c.pointer(&format!("/resources/{k}"))
                .and_then(Value::as_object)
        };
        let quantity = |v: &Value| v.as_str().and_then(|s| Quantity::parse(s).ok());
        let limits = map("limits");
        for (name, request) in map("requests").into_iter().flatten() {
            if name == "cpu" {
                continue;
            }
            match limits.and_then(|l| l.get(name)) {
                None => out.push(hit(
                    format!("{at}/resources/limits"),
                    format!("{who} requests {name} without a limit"),
                )),
                Some(limit) => {
                    if let (Some(r), Some(l)) = (quantity(request), quantity(limit))
                        && r < l
                    {
                        out.push(hit(
                            format!("{at}/resources/requests/{}", name.replace('/', "~1")),
                            format!(
                                "{who} requests less {name} than its limit ({} < {})",
                                request.as_str().unwrap_or_default(),
                                limit.as_str().unwrap_or_default()
                            ),
                        ));
                    }
                }
            }
        }
    }
    out
}

fn host_path(t: &Value) -> Vec<Hit> {
    let volumes = t.pointer("/spec/volumes").and_then(Value::as_array);
    let mut out = Vec::new();
    for (i, v) in volumes.into_iter().flatten().enumerate() {
        if let Some(path) = v.pointer("/hostPath/path") {
            let name = v.get("name").and_then(Value::as_str).unwrap_or("?");
            out.push(hit(
                format!("/spec/volumes/{i}/hostPath"),
                format!(
                    "volume `{name}` mounts the node's `{}`",
                    path.as_str().unwrap_or("?")
                ),
            ));
        }
    }
    out
}

fn privileged(t: &Value) -> Vec<Hit> {
    let mut out = Vec::new();
    for (at, who, c) in containers(t) {
        if c.pointer("/securityContext/privileged") == Some(&Value::Bool(true)) {
            out.push(hit(
                format!("{at}/securityContext/privileged"),
                format!("{who} is privileged"),
            ));
        } else if c.pointer("/securityContext/allowPrivilegeEscalation")
            != Some(&Value::Bool(false))
        {
            out.push(hit(
                format!("{at}/securityContext/allowPrivilegeEscalation"),
                format!("{who} may gain privileges (`allowPrivilegeEscalation` is not false)"),
            ));
        }
    }
    out
}

fn seccomp(t: &Value) -> Vec<Hit> {
    let mut out = Vec::new();
    for (at, who, c) in containers(t) {
        let profile = effective(t, c, "seccompProfile/type").and_then(Value::as_str);
        if !matches!(profile, Some("RuntimeDefault" | "Localhost")) {
            out.push(hit(
                format!("{at}/securityContext/seccompProfile"),
                format!(
                    "{who} runs without a seccomp profile ({})",
                    profile.map_or("none set".to_string(), |p| format!("`{p}`"))
                ),
            ));
        }
    }
    out
}

fn host_ports(t: &Value) -> Vec<Hit> {
    let mut out = Vec::new();
    for (at, who, c) in containers(t) {
        let ports = c.get("ports").and_then(Value::as_array);
        for (i, p) in ports.into_iter().flatten().enumerate() {
            if let Some(port) = p.get("hostPort") {
                out.push(hit(
                    format!("{at}/ports/{i}/hostPort"),
                    format!("{who} binds port {port} of the node"),
                ));
            }
        }
    }
    out
}

/// Every way `after` admits more than `before` (`None`: no policy, so everything is admitted).
fn widened(before: Option<&Value>, after: Option<&Value>) -> Vec<Hit> {
    let Some(before) = before else {
        return Vec::new();
    };
    let Some(after) = after else {
        return vec![hit(
            String::new(),
            "the NetworkPolicy is removed, so its pods admit any traffic".to_string(),
        )];
    };
    let mut out = Vec::new();
    if before.pointer("/spec/podSelector") != after.pointer("/spec/podSelector") {
        out.push(hit(
            "/spec/podSelector".to_string(),
            "the NetworkPolicy selects other pods, so the ones it protected admit any traffic"
                .to_string(),
        ));
    }
    let types = |v: &Value| -> Vec<String> {
        v.pointer("/spec/policyTypes")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let (was, is) = (types(before), types(after));
    for (kind, field, peers) in [("Ingress", "ingress", "from"), ("Egress", "egress", "to")] {
        if !was.iter().any(|t| t == kind) {
            continue;
        }
        if !is.iter().any(|t| t == kind) {
            out.push(hit(
                "/spec/policyTypes".to_string(),
                format!("the NetworkPolicy no longer restricts {field} traffic"),
            ));
            continue;
        }
        let rules = |v: &Value| -> Vec<Value> {
            v.pointer(&format!("/spec/{field}"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let old = rules(before);
        for (i, rule) in rules(after).iter().enumerate() {
            if !old.iter().any(|o| covers(o, rule, peers)) {
                out.push(hit(
                    format!("/spec/{field}/{i}"),
                    format!("the NetworkPolicy's {field} rule {i} admits traffic it did not"),
                ));
            }
        }
    }
    out
}

/// Whether rule `wide` admits everything `narrow` does: each of its lists (peers, ports) is
/// empty (anything) or holds every entry of `narrow`'s.
fn covers(wide: &Value, narrow: &Value, peers: &str) -> bool {
    [peers, "ports"].iter().all(|k| {
        let list = |v: &Value| v.get(*k).and_then(Value::as_array).cloned();
        match (list(wide), list(narrow)) {
            (None, _) => true,
            (Some(w), _) if w.is_empty() => true,
            (Some(_), None) => false,
            (Some(w), Some(n)) => !n.is_empty() && n.iter().all(|x| w.contains(x)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A pod template as mlspec writes one.
    fn hardened() -> Value {
        json!({"metadata": {"labels": {"a": "b"}}, "spec": {
            "automountServiceAccountToken": false,
            "securityContext": {"runAsNonRoot": true, "runAsUser": 10001,
                                "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "server", "image": "x",
                "resources": {"limits": {"cpu": "1", "memory": "1Gi"},
                              "requests": {"cpu": "1", "memory": "1Gi"}},
                "securityContext": {"allowPrivilegeEscalation": false, "privileged": false,
                    "readOnlyRootFilesystem": true, "runAsNonRoot": true,
                    "capabilities": {"drop": ["ALL"]}}}]}})
    }

    fn fired(t: &Value) -> Vec<&'static str> {
        ALL.iter()
            .filter(|r| !r.pod(t).is_empty())
            .map(|r| r.code.id)
            .collect()
    }

    #[test]
    fn a_hardened_pod_fires_nothing() {
        assert_eq!(fired(&hardened()), Vec::<&str>::new());
    }

    #[test]
    fn each_weakening_fires_its_own_row() {
        let cases: &[(&str, &str, Value)] = &[
            (
                "W0003",
                "/spec/containers/0/resources/limits/cpu",
                Value::Null,
            ),
            (
                "W0003",
                "/spec/containers/0/resources/requests/cpu",
                json!("500m"),
            ),
            (
                "W0020",
                "/spec/containers/0/securityContext/readOnlyRootFilesystem",
                json!(false),
            ),
            (
                "W0021",
                "/spec/containers/0/securityContext/capabilities/add",
                json!(["NET_ADMIN"]),
            ),
            ("W0022", "/spec/hostIPC", json!(true)),
            (
                "W0023",
                "/spec/containers/0/securityContext/runAsUser",
                json!(0),
            ),
            ("W0024", "/spec/automountServiceAccountToken", json!(true)),
            (
                "W0025",
                "/spec/containers/0/resources/requests/memory",
                json!("512Mi"),
            ),
            (
                "W0026",
                "/spec/volumes",
                json!([{"name": "logs", "hostPath": {"path": "/var/log"}}]),
            ),
            (
                "W0027",
                "/spec/containers/0/securityContext/privileged",
                json!(true),
            ),
            (
                "W0029",
                "/spec/securityContext/seccompProfile/type",
                json!("Unconfined"),
            ),
            (
                "W0030",
                "/spec/containers/0/imagePullPolicy",
                json!("IfNotPresent"),
            ),
            (
                "W0061",
                "/spec/containers/0/ports",
                json!([{"containerPort": 80, "hostPort": 80}]),
            ),
        ];
        for (code, pointer, value) in cases {
            let mut t = hardened();
            let (parent, last) = pointer.rsplit_once('/').unwrap();
            let map = t
                .pointer_mut(parent)
                .and_then(Value::as_object_mut)
                .unwrap();
            if value.is_null() {
                map.remove(last);
            } else {
                map.insert(last.to_string(), value.clone());
            }
            assert_eq!(fired(&t), [*code], "{pointer}");
        }
    }

    /// Each spec key that opens a relaxation is listed in its row, so `docs/security.md` names
    /// it and [`opened`] gives the row's help.
    #[test]
    fn every_relaxing_spec_key_has_its_row() {
        let keys: &[(&Code, &str)] = &[
            (&codes::W0003, "resources.cpu_limit"),
            (&codes::W0003, "resources.requests.cpu"),
            (&codes::W0020, "security.writable_root"),
            (&codes::W0021, "security.capabilities"),
            (&codes::W0022, "security.host_network"),
            (&codes::W0022, "security.host_ipc"),
            (&codes::W0023, "security.run_as_user"),
            (&codes::W0024, "service_account.token"),
            (&codes::W0025, "resources.requests.memory"),
            (&codes::W0025, "resources.requests.ephemeral_storage"),
            (&codes::W0026, "volumes.host_path"),
            (&codes::W0030, "pull_policy"),
        ];
        for (code, key) in keys {
            let r = row(code).unwrap_or_else(|| panic!("{} has no row", code.id));
            assert!(r.keys.contains(key), "{}: {key}", code.id);
            let d = opened(code, Span::default(), "here", "m");
            assert_eq!(d.help.as_deref(), Some(r.help), "{}", code.id);
        }
    }

    #[test]
    fn a_policy_widens_when_a_rule_or_the_policy_goes() {
        let np = json!({"spec": {"podSelector": {"matchLabels": {"a": "b"}},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"podSelector": {}}], "ports": [{"port": 80}, {"port": 81}]}]}});
        assert_eq!(widened(Some(&np), Some(&np)), vec![]);
        assert_eq!(widened(Some(&np), None).len(), 1);
        let mut narrower = np.clone();
        narrower["spec"]["ingress"][0]["ports"] = json!([{"port": 80}]);
        assert_eq!(widened(Some(&np), Some(&narrower)), vec![]);
        let mut any_port = np.clone();
        any_port["spec"]["ingress"][0]
            .as_object_mut()
            .unwrap()
            .remove("ports");
        assert_eq!(widened(Some(&np), Some(&any_port)).len(), 1);
        let mut open = np.clone();
        open["spec"]["policyTypes"] = json!([]);
        assert_eq!(widened(Some(&np), Some(&open)).len(), 1);
    }

    #[test]
    fn every_row_names_a_warning_with_a_help_line() {
        for r in ALL {
            assert_eq!(r.code.severity, crate::diagnostics::Severity::Warning);
            assert!(
                !r.help.ends_with('.') && !r.help.is_empty(),
                "{}",
                r.code.id
            );
            assert!(std::ptr::eq(row(r.code).unwrap(), r));
        }
    }
}
