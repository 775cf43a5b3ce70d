//! What objects can refer to: every object's kind and name, ConfigMaps' keys, Services, and the
//! pod templates selectors are matched against.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use crate::generate::Object;
use crate::place::pod::Selector;

/// What objects can refer to, indexed once.
pub(super) struct Bundle<'a> {
    /// `(kind, namespace, name)` of every object.
    pub(super) names: BTreeSet<(&'static str, String, String)>,
    pub(super) config_maps: BTreeMap<(String, String), BTreeSet<String>>,
    pub(super) services: BTreeMap<(String, String), &'a k8s_openapi::api::core::v1::Service>,
    /// Every pod template: its namespace, object index and JSON pointer, and the template.
    pub(super) templates: Vec<(String, usize, &'static str, &'a PodTemplateSpec)>,
    /// Every document is here, so a reference that resolves to nothing is a finding.
    pub(super) complete: bool,
}

impl<'a> Bundle<'a> {
    pub(super) fn new(objects: &'a [(usize, Object)]) -> Self {
        let mut b = Bundle {
            names: BTreeSet::new(),
            config_maps: BTreeMap::new(),
            services: BTreeMap::new(),
            templates: Vec::new(),
            complete: true,
        };
        for (index, o) in objects {
            let m = o.metadata();
            let ns = m.namespace.clone().unwrap_or_default();
            let name = m.name.clone().unwrap_or_default();
            b.names.insert((o.kind(), ns.clone(), name.clone()));
            match o {
                Object::ConfigMap(cm) => {
                    let keys = cm.data.iter().flatten().map(|(k, _)| k.clone());
                    let binary = cm.binary_data.iter().flatten().map(|(k, _)| k.clone());
                    b.config_maps
                        .insert((ns, name), keys.chain(binary).collect());
                }
                Object::Service(s) => {
                    b.services.insert((ns, name), s);
                }
                _ => {
                    if let Some((at, t)) = template(o) {
                        b.templates.push((ns, *index, at, t));
                    }
                }
            }
        }
        b
    }

    pub(super) fn has(&self, kind: &str, namespace: &str, name: &str) -> bool {
        self.names
            .iter()
            .any(|(k, ns, n)| *k == kind && ns == namespace && n == name)
    }

    /// Pod templates in `namespace` whose labels the selector matches, with where they are
    /// (object index, pointer).
    pub(super) fn selected(
        &self,
        namespace: &str,
        selector: &LabelSelector,
    ) -> Vec<(usize, &'static str, &'a PodTemplateSpec)> {
        let sel = Selector(Some(selector.clone()));
        self.templates
            .iter()
            .filter(|(ns, _, _, t)| ns == namespace && sel.matches(&labels(t)))
            .map(|(_, i, at, t)| (*i, *at, *t))
            .collect()
    }

    /// The labels of every pod template in `namespace`, as (object index, pointer): what a
    /// selector that matches nothing was matched against.
    pub(super) fn pod_labels(&self, namespace: &str) -> Vec<(usize, String)> {
        self.templates
            .iter()
            .filter(|(ns, ..)| ns == namespace)
            .map(|(_, i, at, _)| (*i, format!("{at}/metadata/labels")))
            .collect()
    }
}

/// The pod template of a pod-bearing object, with the JSON pointer to it (a JobSet's first
/// replicated Job's: mlspec writes one).
fn template(o: &Object) -> Option<(&'static str, &PodTemplateSpec)> {
    match o {
        Object::JobSet(j) => j
            .spec
            .replicated_jobs
            .first()
            .and_then(|r| r.template.spec.as_ref())
            .map(|s| ("/spec/replicatedJobs/0/template/spec/template", &s.template)),
        Object::Deployment(d) => d.spec.as_ref().map(|s| ("/spec/template", &s.template)),
        Object::StatefulSet(d) => d.spec.as_ref().map(|s| ("/spec/template", &s.template)),
        Object::Job(j) => j.spec.as_ref().map(|s| ("/spec/template", &s.template)),
        Object::CronJob(c) => c
            .spec
            .as_ref()
            .and_then(|s| s.job_template.spec.as_ref())
            .map(|s| ("/spec/jobTemplate/spec/template", &s.template)),
        _ => None,
    }
}

pub(super) fn labels(t: &PodTemplateSpec) -> BTreeMap<String, String> {
    t.metadata
        .as_ref()
        .and_then(|m| m.labels.clone())
        .unwrap_or_default()
}
