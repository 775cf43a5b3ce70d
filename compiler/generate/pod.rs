//! The pod template shared by Deployments, Jobs and CronJobs: the hardened security context,
//! resources (requests = limits), accelerator scheduling, /dev/shm, writable volumes and files,
//! and the model (`model.rs`: its volume and the init container that downloads it).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMapVolumeSource, Container, EmptyDirVolumeSource, EnvVar, EnvVarSource,
    PodSecurityContext, PodSpec, PodTemplateSpec, ResourceRequirements, SeccompProfile,
    SecretKeySelector, SecurityContext, Toleration as K8sToleration, Volume as K8sVolume,
    VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::config_map;
use super::labels;
use super::model;
use crate::app::{App, Volume, Workload};

/// Literal variables, then variables from Secrets (variable → (Secret, key)), by name.
pub fn env(
    literal: &BTreeMap<String, String>,
    secret: &BTreeMap<String, (String, String)>,
) -> Vec<EnvVar> {
    let mut env: Vec<EnvVar> = literal
        .iter()
        .map(|(k, v)| EnvVar {
            name: k.clone(),
            value: Some(v.clone()),
            ..Default::default()
        })
        .collect();
    env.extend(secret.iter().map(|(k, (secret, key))| EnvVar {
        name: k.clone(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: secret.clone(),
                key: key.clone(),
                optional: None,
            }),
            ..Default::default()
        }),
        ..Default::default()
    }));
    env.sort_by(|a, b| a.name.cmp(&b.name));
    env
}

/// The memory-backed volume mounted at /dev/shm.
pub const SHM_VOLUME: &str = "dshm";
/// The ConfigMap volume holding the workload's `files`.
pub const FILES_VOLUME: &str = "files";

/// The container with everything but ports and probes, which only servers have.
pub fn container(w: &Workload) -> Container {
    let env = env(&w.env, &w.secret_env);

    let mut amounts = BTreeMap::from([
        ("cpu".to_string(), Quantity(w.resources.cpu.clone())),
        ("memory".to_string(), Quantity(w.resources.memory.clone())),
    ]);
    if let Some(e) = &w.resources.ephemeral_storage {
        amounts.insert("ephemeral-storage".to_string(), Quantity(e.clone()));
    }
    for (name, count) in &w.resources.devices {
        amounts.insert(name.clone(), Quantity(count.to_string()));
    }

    let mut mounts: Vec<VolumeMount> = w.volumes.iter().map(volume_mount).collect();
    if w.shm.is_some() {
        mounts.push(VolumeMount {
            name: SHM_VOLUME.to_string(),
            mount_path: "/dev/shm".to_string(),
            ..Default::default()
        });
    }
    mounts.extend(w.model.as_ref().map(model::mount));
    for (key, (path, _)) in &w.files {
        mounts.push(VolumeMount {
            name: FILES_VOLUME.to_string(),
            mount_path: path.clone(),
            sub_path: Some(key.clone()),
            read_only: Some(true),
            ..Default::default()
        });
    }
    mounts.sort_by(|a, b| a.mount_path.cmp(&b.mount_path));

    Container {
        name: w.container.clone(),
        image: Some(w.image.clone()),
        image_pull_policy: Some(w.pull_policy.clone()),
        command: (!w.command.is_empty()).then(|| w.command.clone()),
        args: (!w.args.is_empty()).then(|| w.args.clone()),
        env: (!env.is_empty()).then_some(env),
        resources: Some(ResourceRequirements {
            // Requests equal limits: Guaranteed QoS, and extended resources require it. Only
            // the CPU limit can be dropped (`cpu_limit = false`).
            limits: Some(
                amounts
                    .iter()
                    .filter(|(k, _)| w.resources.cpu_limit || k.as_str() != "cpu")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            requests: Some(amounts),
            ..Default::default()
        }),
        security_context: Some(security_context(w)),
        volume_mounts: (!mounts.is_empty()).then_some(mounts),
        ..Default::default()
    }
}

/// The mount of one of the workload's writable volumes, at its path.
pub fn volume_mount(v: &Volume) -> VolumeMount {
    VolumeMount {
        name: v.name.clone(),
        mount_path: v.path.clone(),
        ..Default::default()
    }
}

/// The hardened context of every container: non-root, read-only root, no capabilities.
pub fn security_context(w: &Workload) -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        privileged: Some(false),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        run_as_user: Some(w.security.run_as_user),
        run_as_group: Some(w.security.run_as_group),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".to_string()]),
            add: None,
        }),
        seccomp_profile: Some(runtime_default()),
        ..Default::default()
    }
}

/// The pod template around `container`.
pub fn template(
    app: &App,
    w: &Workload,
    container: Container,
    restart: Option<&str>,
) -> PodTemplateSpec {
    let mut volumes: Vec<K8sVolume> = w
        .volumes
        .iter()
        .map(|v| empty_dir(&v.name, None, &v.size))
        .collect();
    if let Some(size) = &w.shm {
        volumes.push(empty_dir(SHM_VOLUME, Some("Memory"), size));
    }
    volumes.extend(w.model.iter().flat_map(model::volumes));
    if !w.files.is_empty() {
        volumes.push(K8sVolume {
            name: FILES_VOLUME.to_string(),
            config_map: Some(ConfigMapVolumeSource {
                name: config_map::name(w),
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    volumes.sort_by(|a, b| a.name.cmp(&b.name));

    let s = &w.scheduling;
    let tolerations: Vec<K8sToleration> = s
        .tolerations
        .iter()
        .map(|t| K8sToleration {
            key: t.key.clone(),
            operator: Some(t.operator.clone()),
            value: t.value.clone(),
            effect: t.effect.clone(),
            toleration_seconds: None,
        })
        .collect();

    let mut pod_labels = labels::workload(app, &w.name, &w.component);
    pod_labels.remove("app.kubernetes.io/managed-by");
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(pod_labels),
            ..Default::default()
        }),
        spec: Some(PodSpec {
            init_containers: model::init_container(w).map(|c| vec![c]),
            containers: vec![container],
            service_account_name: Some(w.name.clone()),
            automount_service_account_token: Some(false),
            enable_service_links: Some(false),
            restart_policy: restart.map(str::to_string),
            security_context: Some(PodSecurityContext {
                run_as_non_root: Some(true),
                run_as_user: Some(w.security.run_as_user),
                run_as_group: Some(w.security.run_as_group),
                fs_group: Some(w.security.fs_group),
                fs_group_change_policy: Some("OnRootMismatch".to_string()),
                seccomp_profile: Some(runtime_default()),
                ..Default::default()
            }),
            node_selector: (!s.node_selector.is_empty()).then(|| s.node_selector.clone()),
            tolerations: (!tolerations.is_empty()).then_some(tolerations),
            priority_class_name: s.priority_class.clone(),
            runtime_class_name: s.runtime_class.clone(),
            volumes: (!volumes.is_empty()).then_some(volumes),
            ..Default::default()
        }),
    }
}

fn runtime_default() -> SeccompProfile {
    SeccompProfile {
        type_: "RuntimeDefault".to_string(),
        localhost_profile: None,
    }
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
