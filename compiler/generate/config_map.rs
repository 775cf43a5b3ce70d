//! The ConfigMap holding a workload's `files`, mounted file by file (subPath) at their paths.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;

use super::labels;
use crate::app::{App, Workload};

pub fn name(w: &Workload) -> String {
    format!("{}-files", w.name)
}

pub fn generate(app: &App, w: &Workload) -> Option<ConfigMap> {
    if w.files.is_empty() {
        return None;
    }
    let data: BTreeMap<String, String> = w
        .files
        .iter()
        .map(|(k, (_, content))| (k.clone(), content.clone()))
        .collect();
    Some(ConfigMap {
        metadata: labels::meta(app, &name(w), &w.name, &w.component),
        data: Some(data),
        ..Default::default()
    })
}
