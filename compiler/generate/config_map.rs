//! The ConfigMap holding a workload's `files`, mounted file by file (subPath) at their paths. Its
//! name carries a hash of the content, so an edit is a new ConfigMap that the pod template names
//! and the pods roll out; it is immutable, so running pods never see it change.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;

use super::labels;
use crate::app::{App, Workload};

pub fn generate(app: &App, w: &Workload) -> Option<ConfigMap> {
    let files = w.pod.files.as_ref()?;
    let data: BTreeMap<String, String> = files
        .entries
        .iter()
        .map(|(k, (_, content))| (k.clone(), content.clone()))
        .collect();
    Some(ConfigMap {
        metadata: labels::meta(app, &files.config_map, &w.name, &w.component),
        data: Some(data),
        immutable: Some(true),
        ..Default::default()
    })
}
