//! The pod template shared by Deployments, Jobs and CronJobs: its containers (`container.rs`
//! builds each), its volumes, the hardened pod security context, the ServiceAccount and whether
//! its token is mounted, and accelerator scheduling.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    CSIVolumeSource, ConfigMapVolumeSource, EphemeralVolumeSource, HostPathVolumeSource, KeyToPath,
    LocalObjectReference, PersistentVolumeClaimSpec, PersistentVolumeClaimTemplate,
    PersistentVolumeClaimVolumeSource, PodSecurityContext, PodSpec, PodTemplateSpec,
    SecretVolumeSource, Toleration as K8sToleration, Volume as K8sVolume,
    VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::container::{self, empty_dir, runtime_default};
use super::labels;
use crate::app::{App, Volume, VolumeSource, Workload};

/// The pod template of `w`, with `restart` as its restart policy when its owner needs one.
pub fn template(app: &App, w: &Workload, restart: Option<&str>) -> PodTemplateSpec {
    let pod = &w.pod;
    let s = &pod.scheduling;
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
    let init: Vec<_> = pod
        .sidecars
        .iter()
        .map(|c| container::container(c, &pod.security, true))
        .chain(
            pod.init
                .iter()
                .map(|c| container::container(c, &pod.security, false)),
        )
        .collect();
    let volumes: Vec<K8sVolume> = pod.volumes.iter().map(volume).collect();

    let mut pod_labels = labels::workload(app, &w.name, &w.component);
    pod_labels.remove("app.kubernetes.io/managed-by");
    let sec = &pod.security;
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(pod_labels),
            annotations: (!pod.annotations.is_empty()).then(|| pod.annotations.clone()),
            ..Default::default()
        }),
        spec: Some(PodSpec {
            init_containers: (!init.is_empty()).then_some(init),
            containers: vec![container::container(&pod.main, sec, false)],
            service_account_name: Some(pod.identity.account.clone()),
            automount_service_account_token: Some(pod.identity.token),
            enable_service_links: Some(false),
            restart_policy: restart.map(str::to_string),
            host_network: sec.host_network.then_some(true),
            host_ipc: sec.host_ipc.then_some(true),
            // On the node's network, cluster DNS is only reached by asking for it.
            dns_policy: sec
                .host_network
                .then(|| "ClusterFirstWithHostNet".to_string()),
            image_pull_secrets: (!pod.pull_secrets.is_empty()).then(|| {
                pod.pull_secrets
                    .iter()
                    .map(|n| LocalObjectReference { name: n.clone() })
                    .collect()
            }),
            security_context: Some(PodSecurityContext {
                run_as_non_root: Some(sec.non_root()),
                run_as_user: Some(sec.run_as_user),
                run_as_group: Some(sec.run_as_group),
                fs_group: Some(sec.fs_group),
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

fn volume(v: &Volume) -> K8sVolume {
    let named = |f: &dyn Fn(&mut K8sVolume)| {
        let mut out = K8sVolume {
            name: v.name.clone(),
            ..Default::default()
        };
        f(&mut out);
        out
    };
    let items = |items: &[(String, String)]| {
        (!items.is_empty()).then(|| {
            items
                .iter()
                .map(|(key, path)| KeyToPath {
                    key: key.clone(),
                    path: path.clone(),
                    mode: None,
                })
                .collect()
        })
    };
    match &v.source {
        VolumeSource::EmptyDir { size, memory } => {
            empty_dir(&v.name, memory.then_some("Memory"), size)
        }
        VolumeSource::ConfigMap { name, items: i } => named(&|o| {
            o.config_map = Some(ConfigMapVolumeSource {
                name: name.clone(),
                items: items(i),
                ..Default::default()
            });
        }),
        VolumeSource::Secret {
            name,
            items: i,
            mode,
        } => named(&|o| {
            o.secret = Some(SecretVolumeSource {
                secret_name: Some(name.clone()),
                items: items(i),
                default_mode: Some(*mode),
                optional: None,
            });
        }),
        VolumeSource::Claim { name, read_only } => named(&|o| {
            o.persistent_volume_claim = Some(PersistentVolumeClaimVolumeSource {
                claim_name: name.clone(),
                read_only: read_only.then_some(true),
            });
        }),
        VolumeSource::Ephemeral {
            size,
            storage_class,
            access,
        } => named(&|o| {
            o.ephemeral = Some(EphemeralVolumeSource {
                volume_claim_template: Some(PersistentVolumeClaimTemplate {
                    metadata: None,
                    spec: PersistentVolumeClaimSpec {
                        access_modes: Some(vec![access.clone()]),
                        storage_class_name: storage_class.clone(),
                        resources: Some(VolumeResourceRequirements {
                            requests: Some(BTreeMap::from([(
                                "storage".to_string(),
                                Quantity(size.clone()),
                            )])),
                            limits: None,
                        }),
                        ..Default::default()
                    },
                }),
            });
        }),
        VolumeSource::Csi {
            driver,
            attributes,
            read_only,
        } => named(&|o| {
            o.csi = Some(CSIVolumeSource {
                driver: driver.clone(),
                read_only: read_only.then_some(true),
                volume_attributes: (!attributes.is_empty()).then(|| attributes.clone()),
                ..Default::default()
            });
        }),
        VolumeSource::HostPath { path, kind } => named(&|o| {
            o.host_path = Some(HostPathVolumeSource {
                path: path.clone(),
                type_: kind.clone(),
            });
        }),
    }
}
