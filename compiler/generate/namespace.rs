//! Namespace, when `[app] create_namespace = true`: labelled to enforce Pod Security "restricted".

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::app::App;

pub fn generate(app: &App) -> Option<Namespace> {
    if !app.create_namespace {
        return None;
    }
    let mut labels = app.labels.clone();
    labels.extend(BTreeMap::from([
        ("app.kubernetes.io/part-of".to_string(), app.name.clone()),
        (
            "app.kubernetes.io/managed-by".to_string(),
            app.managed_by.clone(),
        ),
        (
            "pod-security.kubernetes.io/enforce".to_string(),
            "restricted".to_string(),
        ),
        (
            "pod-security.kubernetes.io/enforce-version".to_string(),
            "latest".to_string(),
        ),
        (
            "pod-security.kubernetes.io/audit".to_string(),
            "restricted".to_string(),
        ),
        (
            "pod-security.kubernetes.io/warn".to_string(),
            "restricted".to_string(),
        ),
    ]));
    Some(Namespace {
        metadata: ObjectMeta {
            name: Some(app.namespace.clone()),
            labels: Some(labels),
            ..Default::default()
        },
        ..Default::default()
    })
}
