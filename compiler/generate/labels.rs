//! The standard `app.kubernetes.io/*` labels, and the selector that ties pods to their objects.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use crate::app::{App, Workload};

/// The app a pod belongs to: its `[app] name`.
pub const INSTANCE: &str = "app.kubernetes.io/instance";
/// The workload a pod belongs to: `APP`, or `APP-NAME` for a `[servers.NAME]`, job or schedule.
pub const NAME: &str = "app.kubernetes.io/name";
/// The label the API server puts on every namespace, with its name (immutable).
pub const NAMESPACE: &str = "kubernetes.io/metadata.name";

/// Labels that identify a workload's pods; stable across versions, so selectors never change.
pub fn selector(app: &App, workload: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (INSTANCE.to_string(), app.name.clone()),
        (NAME.to_string(), workload.to_string()),
    ])
}

pub fn label_selector(app: &App, workload: &str) -> LabelSelector {
    LabelSelector {
        match_labels: Some(selector(app, workload)),
        ..Default::default()
    }
}

/// Every label of a workload's objects and pods: the user's, then the standard ones (which win).
pub fn workload(app: &App, workload: &str, component: &str) -> BTreeMap<String, String> {
    let mut l = app.labels.clone();
    l.extend(selector(app, workload));
    l.insert(
        "app.kubernetes.io/component".to_string(),
        component.to_string(),
    );
    l.insert("app.kubernetes.io/part-of".to_string(), app.name.clone());
    l.insert(
        "app.kubernetes.io/managed-by".to_string(),
        app.managed_by.clone(),
    );
    if let Some(v) = &app.version {
        l.insert("app.kubernetes.io/version".to_string(), v.clone());
    }
    l
}

/// Metadata of a namespaced object that belongs to one workload.
pub fn meta(app: &App, name: &str, workload_name: &str, component: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: Some(app.namespace.clone()),
        labels: Some(workload(app, workload_name, component)),
        annotations: (!app.annotations.is_empty()).then(|| app.annotations.clone()),
        ..Default::default()
    }
}

/// Metadata of an object that runs pods (Deployment, Job, CronJob): also carries the spec's
/// `[waivers]` and the workload's own as checkov's suppression annotations,
/// `checkov.io/skipN: ID=reason`.
pub fn workload_meta(app: &App, w: &Workload) -> ObjectMeta {
    let mut m = meta(app, &w.name, &w.name, &w.component);
    let waivers = crate::app::waivers_of(&app.waivers, &w.waivers);
    if !waivers.is_empty() {
        let annotations = m.annotations.get_or_insert_with(Default::default);
        for (i, (check, reason)) in waivers.iter().enumerate() {
            annotations.insert(
                format!("checkov.io/skip{}", i + 1),
                format!("{check}={reason}"),
            );
        }
    }
    m
}
