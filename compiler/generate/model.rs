//! A workload's model: the volume holding its files, the downloader init container that fills
//! it, and the PersistentVolumeClaim a `cache` creates.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Container, EnvVar, KeyToPath, PersistentVolumeClaim, PersistentVolumeClaimSpec,
    PersistentVolumeClaimVolumeSource, ResourceRequirements, SecretVolumeSource, Volume,
    VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::{labels, pod};
use crate::app::{App, Model, ModelVolume, Workload};
use crate::resolve::model::VOLUME;

/// The volume of the downloader's credentials file.
pub const CREDENTIALS: &str = "model-credentials";
/// Owner and group may read (the pod's fsGroup owns the files), nobody else.
const CREDENTIALS_MODE: i32 = 0o440;

/// The workload container's mount of the model: read-only, the claim's folder for `pvc://`.
pub fn mount(m: &Model) -> VolumeMount {
    let sub_path = match &m.volume {
        ModelVolume::Claim { sub_path, .. } => sub_path.clone(),
        ModelVolume::EmptyDir(_) => None,
    };
    VolumeMount {
        name: VOLUME.to_string(),
        mount_path: m.path.clone(),
        sub_path,
        read_only: Some(true),
        ..Default::default()
    }
}

/// The pod's volumes for the model: its files, and the downloader's credentials file.
pub fn volumes(m: &Model) -> Vec<Volume> {
    let files = match &m.volume {
        ModelVolume::EmptyDir(size) => pod::empty_dir(VOLUME, None, size),
        ModelVolume::Claim { name, new, .. } => Volume {
            name: VOLUME.to_string(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: name.clone(),
                // Nothing writes to a claim mlspec only mounts (`pvc://`).
                read_only: (m.download.is_none() && new.is_none()).then_some(true),
            }),
            ..Default::default()
        },
    };
    let mut out = vec![files];
    if let Some(f) = m.download.as_ref().and_then(|d| d.secret_file.as_ref()) {
        out.push(Volume {
            name: CREDENTIALS.to_string(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(f.secret.clone()),
                items: Some(vec![KeyToPath {
                    key: f.key.clone(),
                    path: f.key.clone(),
                    mode: None,
                }]),
                default_mode: Some(CREDENTIALS_MODE),
                optional: None,
            }),
            ..Default::default()
        });
    }
    out
}

/// The init container that downloads the model into its volume, when it is downloaded.
pub fn init_container(w: &Workload) -> Option<Container> {
    let m = w.model.as_ref()?;
    let dl = m.download.as_ref()?;
    let mut env = pod::env(&dl.env, &dl.secret_env);
    let mut mounts = vec![VolumeMount {
        name: VOLUME.to_string(),
        mount_path: m.path.clone(),
        ..Default::default()
    }];
    if let Some(f) = &dl.secret_file {
        env.extend(f.env.iter().map(|var| EnvVar {
            name: var.clone(),
            value: Some(f.path.clone()),
            ..Default::default()
        }));
        // One file at the path the downloader reads, wherever that is.
        mounts.push(VolumeMount {
            name: CREDENTIALS.to_string(),
            mount_path: f.path.clone(),
            sub_path: Some(f.key.clone()),
            read_only: Some(true),
            ..Default::default()
        });
    }
    env.sort_by(|a, b| a.name.cmp(&b.name));
    // The pod's /tmp, for the downloader's own scratch files on a read-only root.
    mounts.extend(
        w.volumes
            .iter()
            .filter(|v| v.path == "/tmp")
            .map(pod::volume_mount),
    );
    mounts.sort_by(|a, b| a.mount_path.cmp(&b.mount_path));
    let amounts = BTreeMap::from([
        ("cpu".to_string(), Quantity(dl.cpu.clone())),
        ("memory".to_string(), Quantity(dl.memory.clone())),
        (
            "ephemeral-storage".to_string(),
            Quantity(dl.ephemeral_storage.clone()),
        ),
    ]);
    Some(Container {
        name: format!("{VOLUME}-download"),
        image: Some(dl.image.clone()),
        image_pull_policy: Some(dl.pull_policy.clone()),
        command: (!dl.command.is_empty()).then(|| dl.command.clone()),
        args: (!dl.args.is_empty()).then(|| dl.args.clone()),
        env: (!env.is_empty()).then_some(env),
        resources: Some(ResourceRequirements {
            limits: Some(amounts.clone()),
            requests: Some(amounts),
            ..Default::default()
        }),
        security_context: Some(pod::security_context(w)),
        volume_mounts: Some(mounts),
        ..Default::default()
    })
}

/// The PersistentVolumeClaim a workload's `model.cache` asks the bundle to create.
pub fn claim(app: &App, w: &Workload) -> Option<PersistentVolumeClaim> {
    let ModelVolume::Claim {
        name,
        new: Some(new),
        ..
    } = &w.model.as_ref()?.volume
    else {
        return None;
    };
    Some(PersistentVolumeClaim {
        metadata: labels::meta(app, name, &w.name, &w.component),
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec![new.access.clone()]),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([(
                    "storage".to_string(),
                    Quantity(new.size.clone()),
                )])),
                limits: None,
            }),
            storage_class_name: new.storage_class.clone(),
            ..Default::default()
        }),
        ..Default::default()
    })
}
