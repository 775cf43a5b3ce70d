//! One container of a pod, whatever its role (the main one, a sidecar, the model's downloader,
//! an init container): its command, env, resources (requests = limits unless the spec lowers a
//! request), mounts, ports, probes and hardened security context. The leaf every pod-bearing
//! generator shares.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMapEnvSource, Container as K8sContainer, ContainerPort,
    EmptyDirVolumeSource, EnvFromSource, EnvVar, EnvVarSource, ExecAction, GRPCAction,
    HTTPGetAction, ObjectFieldSelector, Probe as K8sProbe, ResourceRequirements, SeccompProfile,
    SecretEnvSource, SecretKeySelector, SecurityContext, TCPSocketAction, Volume as K8sVolume,
    VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::app::{
    Container, Env, EnvValue, Mount, PodSecurity, PortRef, Probe, ProbeAction, Resources,
};

/// `c` as Kubernetes writes it; a sidecar (`sidecar`) restarts always, beside the main one.
pub fn container(c: &Container, pod: &PodSecurity, sidecar: bool) -> K8sContainer {
    let env = env(&c.env);
    let env_from: Vec<EnvFromSource> = c
        .env_from
        .iter()
        .map(|e| EnvFromSource {
            prefix: e.prefix.clone(),
            config_map_ref: (!e.secret).then(|| ConfigMapEnvSource {
                name: e.name.clone(),
                optional: None,
            }),
            secret_ref: e.secret.then(|| SecretEnvSource {
                name: e.name.clone(),
                optional: None,
            }),
        })
        .collect();
    let mounts: Vec<VolumeMount> = c.mounts.iter().map(volume_mount).collect();
    K8sContainer {
        name: c.name.clone(),
        image: Some(c.image.clone()),
        image_pull_policy: Some(c.pull_policy.clone()),
        command: (!c.command.is_empty()).then(|| c.command.clone()),
        args: (!c.args.is_empty()).then(|| c.args.clone()),
        working_dir: c.work_dir.clone(),
        env: (!env.is_empty()).then_some(env),
        env_from: (!env_from.is_empty()).then_some(env_from),
        ports: (!c.ports.is_empty()).then(|| {
            c.ports
                .iter()
                .map(|p| ContainerPort {
                    name: Some(p.name.clone()),
                    container_port: p.port,
                    protocol: Some("TCP".to_string()),
                    ..Default::default()
                })
                .collect()
        }),
        readiness_probe: c.probes.readiness.as_ref().map(probe),
        liveness_probe: c.probes.liveness.as_ref().map(probe),
        startup_probe: c.probes.startup.as_ref().map(probe),
        resources: Some(resources(&c.resources)),
        restart_policy: sidecar.then(|| "Always".to_string()),
        security_context: Some(security_context(pod, c)),
        volume_mounts: (!mounts.is_empty()).then_some(mounts),
        ..Default::default()
    }
}

/// Variables in their resolved order.
pub fn env(env: &[Env]) -> Vec<EnvVar> {
    env.iter()
        .map(|e| {
            let from = |s: EnvVarSource| EnvVar {
                name: e.name.clone(),
                value_from: Some(s),
                ..Default::default()
            };
            match &e.value {
                EnvValue::Literal(v) => EnvVar {
                    name: e.name.clone(),
                    value: Some(v.clone()),
                    ..Default::default()
                },
                EnvValue::Secret { name, key } => from(EnvVarSource {
                    secret_key_ref: Some(SecretKeySelector {
                        name: name.clone(),
                        key: key.clone(),
                        optional: None,
                    }),
                    ..Default::default()
                }),
                EnvValue::Field(path) => from(EnvVarSource {
                    field_ref: Some(ObjectFieldSelector {
                        field_path: path.clone(),
                        api_version: None,
                    }),
                    ..Default::default()
                }),
            }
        })
        .collect()
}

/// Requests equal limits (Guaranteed QoS, and extended resources require it), unless the spec
/// lowers a request (`requests`) or drops the CPU limit (`cpu_limit = false`).
fn resources(r: &Resources) -> ResourceRequirements {
    let mut limits = BTreeMap::from([
        ("cpu".to_string(), Quantity(r.cpu.clone())),
        ("memory".to_string(), Quantity(r.memory.clone())),
    ]);
    if let Some(e) = &r.ephemeral_storage {
        limits.insert("ephemeral-storage".to_string(), Quantity(e.clone()));
    }
    for (name, count) in &r.devices {
        limits.insert(name.clone(), Quantity(count.to_string()));
    }
    let mut requests = limits.clone();
    for (k, v) in &r.requests {
        requests.insert(k.clone(), Quantity(v.clone()));
    }
    if !r.cpu_limit {
        limits.remove("cpu");
    }
    ResourceRequirements {
        limits: Some(limits),
        requests: Some(requests),
        ..Default::default()
    }
}

pub fn volume_mount(m: &Mount) -> VolumeMount {
    VolumeMount {
        name: m.volume.clone(),
        mount_path: m.path.clone(),
        sub_path: m.sub_path.clone(),
        read_only: m.read_only.then_some(true),
        ..Default::default()
    }
}

/// Non-root, no privilege escalation, every capability dropped, a read-only root: what each
/// container keeps unless its spec opens a part of it (W0020, W0021, W0023).
pub fn security_context(pod: &PodSecurity, c: &Container) -> SecurityContext {
    let add = &c.security.capabilities;
    SecurityContext {
        allow_privilege_escalation: Some(false),
        privileged: Some(false),
        read_only_root_filesystem: Some(!c.security.writable_root),
        run_as_non_root: Some(pod.non_root()),
        run_as_user: Some(pod.run_as_user),
        run_as_group: Some(pod.run_as_group),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".to_string()]),
            add: (!add.is_empty()).then(|| add.clone()),
        }),
        seccomp_profile: Some(runtime_default()),
        ..Default::default()
    }
}

pub fn runtime_default() -> SeccompProfile {
    SeccompProfile {
        type_: "RuntimeDefault".to_string(),
        localhost_profile: None,
    }
}

fn probe(p: &Probe) -> K8sProbe {
    let port = |r: &PortRef| match r {
        PortRef::Name(n) => IntOrString::String(n.clone()),
        PortRef::Number(n) => IntOrString::Int(*n),
    };
    let mut out = K8sProbe {
        period_seconds: Some(p.period_seconds),
        timeout_seconds: Some(p.timeout_seconds),
        failure_threshold: Some(p.failure_threshold),
        ..Default::default()
    };
    match &p.action {
        ProbeAction::Http { path, port: r } => {
            out.http_get = Some(HTTPGetAction {
                path: Some(path.clone()),
                port: port(r),
                ..Default::default()
            });
        }
        ProbeAction::Tcp(r) => {
            out.tcp_socket = Some(TCPSocketAction {
                port: port(r),
                host: None,
            });
        }
        ProbeAction::Grpc { port, service } => {
            out.grpc = Some(GRPCAction {
                port: *port,
                service: service.clone(),
            });
        }
        ProbeAction::Exec(command) => {
            out.exec = Some(ExecAction {
                command: Some(command.clone()),
            });
        }
    }
    out
}

pub fn empty_dir(name: &str, medium: Option<&str>, size: &str) -> K8sVolume {
    K8sVolume {
        name: name.to_string(),
        empty_dir: Some(EmptyDirVolumeSource {
            medium: medium.map(str::to_string),
            size_limit: Some(Quantity(size.to_string())),
        }),
        ..Default::default()
    }
}
