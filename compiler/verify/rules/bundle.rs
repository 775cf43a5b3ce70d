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
    /// Every pod template of the bundle.
    pub(super) templates: Vec<Template<'a>>,
    /// Every document is here, so a reference that resolves to nothing is a finding.
    pub(super) complete: bool,
}

/// A pod template: its namespace, object index and JSON pointer, and the labels its pods carry
/// (the template's, and those its controller adds that a selector may name: a LeaderWorkerSet's
/// worker index).
pub(super) struct Template<'a> {
    ns: String,
    index: usize,
    at: &'static str,
    template: &'a PodTemplateSpec,
    labels: BTreeMap<String, String>,
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
                    for (at, t, extra) in templates(o) {
                        let mut pod = labels(t);
                        pod.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
                        b.templates.push(Template {
                            ns: ns.clone(),
                            index: *index,
                            at,
                            template: t,
                            labels: pod,
                        });
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
            .filter(|t| t.ns == namespace && sel.matches(&t.labels))
            .map(|t| (t.index, t.at, t.template))
            .collect()
    }

    /// The labels of every pod template in `namespace`, as (object index, pointer): what a
    /// selector that matches nothing was matched against.
    pub(super) fn pod_labels(&self, namespace: &str) -> Vec<(usize, String)> {
        self.templates
            .iter()
            .filter(|t| t.ns == namespace)
            .map(|t| (t.index, format!("{}/metadata/labels", t.at)))
            .collect()
    }
}

/// A label a controller adds to the pods of a template, as (key, value).
type Added = &'static [(&'static str, &'static str)];

/// The pod templates of a pod-bearing object, with the JSON pointer to each (a JobSet's first
/// replicated Job's: mlspec writes one) and the labels its controller adds that selectors use.
fn templates(o: &Object) -> Vec<(&'static str, &PodTemplateSpec, Added)> {
    const LEADER: Added = &[(crate::generate::leader_worker_set::WORKER_INDEX, "0")];
    const WORKER: Added = &[(crate::generate::leader_worker_set::WORKER_INDEX, "1")];
    let one = match o {
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
        Object::LeaderWorkerSet(l) => {
            let t = &l.spec.leader_worker_template;
            let mut out = vec![(
                "/spec/leaderWorkerTemplate/workerTemplate",
                &t.worker_template,
                WORKER,
            )];
            // Without a leader template the leader is made from the worker template.
            let leader = t.leader_template.as_ref().map_or(
                (
                    "/spec/leaderWorkerTemplate/workerTemplate",
                    &t.worker_template,
                ),
                |l| ("/spec/leaderWorkerTemplate/leaderTemplate", l),
            );
            out.insert(0, (leader.0, leader.1, LEADER));
            return out;
        }
        _ => None,
    };
    one.into_iter().map(|(at, t)| (at, t, &[][..])).collect()
}

pub(super) fn labels(t: &PodTemplateSpec) -> BTreeMap<String, String> {
    t.metadata
        .as_ref()
        .and_then(|m| m.labels.clone())
        .unwrap_or_default()
}
