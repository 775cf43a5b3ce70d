//! What the API server enforces in code, beyond the JSON schemas, and the references a bundle
//! must resolve within itself.
//!
//! The schemas say a name is a string; the API server says it is a DNS-1123 label of at most 63
//! characters. These rules restate apimachinery's and the controllers' validation for the fields
//! mlspec writes, and check that every Service, Ingress, HTTPRoute, HPA, ScaledObject, PDB and
//! NetworkPolicy points at something the same bundle creates.
//!
//! One file per family, each adding methods to `Check`, which records one object's findings:
//! `metadata.rs` (names, namespaces, labels, annotations), `data.rs` (ConfigMap,
//! PersistentVolumeClaim), `pod.rs` (pod templates and their containers), `resources.rs`
//! (quantities, requests and limits), `workloads.rs` (Deployment, StatefulSet, Job, JobSet,
//! CronJob), `bundle.rs`
//! (the index references resolve against), `services.rs` (Service, Ingress, HTTPRoute) and
//! `targets.rs` (HPA, ScaledObject, PDB, NetworkPolicy, the monitors).

mod bundle;
mod data;
mod metadata;
mod pod;
mod resources;
mod services;
mod targets;
mod workloads;

#[cfg(test)]
mod tests;

use super::{Finding, Rule};
use crate::generate::Object;
use bundle::Bundle;

/// Every rule over every object; `objects` pairs each object with its index in the bundle.
/// `complete` says whether every document of the bundle is among them: when one could not be
/// read back (its schema check has already failed), references to it are not reported again.
pub fn check(objects: &[(usize, Object)], complete: bool) -> Vec<(usize, Finding)> {
    let mut bundle = Bundle::new(objects);
    bundle.complete = complete;
    let mut out = Vec::new();
    for (index, object) in objects {
        let mut c = Check {
            out: &mut out,
            index: *index,
        };
        c.metadata(object);
        match object {
            Object::Namespace(_) | Object::ServiceAccount(_) | Object::Role(_) => {}
            Object::RoleBinding(o) => c.role_binding(o, &bundle),
            Object::ConfigMap(o) => c.config_map(o),
            Object::PersistentVolumeClaim(o) => c.claim(o),
            Object::Service(o) => c.service(o, &bundle),
            Object::Deployment(o) => c.deployment(o, &bundle),
            Object::StatefulSet(o) => c.stateful_set(o, &bundle),
            Object::LeaderWorkerSet(o) => c.leader_worker_set(o, &bundle),
            Object::HorizontalPodAutoscaler(o) => c.hpa(o, &bundle),
            Object::PodDisruptionBudget(o) => c.pdb(o, &bundle),
            Object::NetworkPolicy(o) => c.network_policy(o, &bundle),
            Object::Ingress(o) => c.ingress(o, &bundle),
            Object::ScaledObject(o) => c.scaled_object(o, &bundle),
            Object::HttpRoute(o) => c.http_route(o, &bundle),
            Object::PodMonitor(o) => c.monitor(&o.metadata, &o.spec.selector, false, &bundle),
            Object::ServiceMonitor(o) => c.monitor(&o.metadata, &o.spec.selector, true, &bundle),
            Object::PodMonitoring(o) => c.monitor(&o.metadata, &o.spec.selector, false, &bundle),
            Object::Job(o) => c.job(o, &bundle),
            Object::JobSet(o) => c.job_set(o, &bundle),
            Object::CronJob(o) => c.cron_job(o, &bundle),
        }
    }
    out
}

/// A JSON pointer segment: `~` and `/` escaped, so `nvidia.com/gpu` stays one segment.
fn seg(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// Where one object's findings go.
struct Check<'o> {
    out: &'o mut Vec<(usize, Finding)>,
    index: usize,
}

impl Check<'_> {
    fn fail(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.record(Rule::Api, pointer.into(), message.into(), Vec::new());
    }

    /// A finding that depends on other values too (`related`: object index, JSON pointer).
    fn fail_with(
        &mut self,
        pointer: impl Into<String>,
        message: impl Into<String>,
        related: Vec<(usize, String)>,
    ) {
        self.record(Rule::Api, pointer.into(), message.into(), related);
    }

    fn record(
        &mut self,
        rule: Rule,
        pointer: String,
        message: String,
        related: Vec<(usize, String)>,
    ) {
        self.out.push((
            self.index,
            Finding {
                rule,
                pointer,
                message,
                related,
            },
        ));
    }

    /// A reference that resolves to nothing in the bundle, reported only when the bundle is
    /// complete; `related` are the values it was matched against.
    fn dangling(
        &mut self,
        b: &Bundle,
        pointer: impl Into<String>,
        message: impl Into<String>,
        related: Vec<(usize, String)>,
    ) {
        if b.complete {
            self.record(Rule::Reference, pointer.into(), message.into(), related);
        }
    }
}
