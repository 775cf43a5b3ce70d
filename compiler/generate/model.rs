//! The PersistentVolumeClaim a workload's `model.cache` creates. (The model's volume, its mount
//! and its downloader are parts of the pod, resolved with it.)

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    PersistentVolumeClaim, PersistentVolumeClaimSpec, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::labels;
use crate::app::{App, ModelVolume, Workload};

pub fn claim(app: &App, w: &Workload) -> Option<PersistentVolumeClaim> {
    let ModelVolume::Claim {
        name,
        new: Some(new),
        ..
    } = &w.pod.model.as_ref()?.volume
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
