//! What the API server enforces in code, beyond the JSON schemas, and the references a bundle
//! must resolve within itself.
//!
//! The schemas say a name is a string; the API server says it is a DNS-1123 label of at most 63
//! characters. These rules restate apimachinery's and the controllers' validation for the fields
//! mlspec writes, and check that every Service, Ingress, HTTPRoute, HPA, ScaledObject, PDB and
//! NetworkPolicy points at something the same bundle creates.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{PodTemplateSpec, ResourceRequirements};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{Finding, Rule};
use crate::generate::Object;
use crate::place::pod::Selector;
use crate::values::cron::parse_cron;
use crate::values::names;
use crate::values::quantity::Quantity;
use crate::values::timezone::timezone;

/// The most a CronJob name may have: the controller appends an 11-character suffix to name Jobs.
const CRON_JOB_NAME_MAX: usize = 52;
/// A Job's name becomes the value of its pods' `job-name` label, so it is at most 63.
const JOB_NAME_MAX: usize = 63;
/// All annotations of one object together (apimachinery's TotalAnnotationSizeLimitB).
const ANNOTATIONS_MAX_BYTES: usize = 256 * 1024;
/// A ConfigMap's data (the etcd object limit the API server enforces).
const CONFIG_MAP_MAX_BYTES: usize = 1024 * 1024;

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
            Object::Namespace(_) | Object::ServiceAccount(_) => {}
            Object::ConfigMap(o) => c.config_map(o),
            Object::PersistentVolumeClaim(o) => c.claim(o),
            Object::Service(o) => c.service(o, &bundle),
            Object::Deployment(o) => c.deployment(o, &bundle),
            Object::HorizontalPodAutoscaler(o) => c.hpa(o, &bundle),
            Object::PodDisruptionBudget(o) => c.pdb(o, &bundle),
            Object::NetworkPolicy(o) => c.network_policy(o, &bundle),
            Object::Ingress(o) => c.ingress(o, &bundle),
            Object::ScaledObject(o) => c.scaled_object(o, &bundle),
            Object::HttpRoute(o) => c.http_route(o, &bundle),
            Object::Job(o) => c.job(o, &bundle),
            Object::CronJob(o) => c.cron_job(o, &bundle),
        }
    }
    out
}

/// What objects can refer to, indexed once.
struct Bundle<'a> {
    /// `(kind, namespace, name)` of every object.
    names: BTreeSet<(&'static str, String, String)>,
    config_maps: BTreeMap<(String, String), BTreeSet<String>>,
    services: BTreeMap<(String, String), &'a k8s_openapi::api::core::v1::Service>,
    /// Namespace and template of every pod-bearing object.
    templates: Vec<(String, &'a PodTemplateSpec)>,
    /// Every document is here, so a reference that resolves to nothing is a finding.
    complete: bool,
}

impl<'a> Bundle<'a> {
    fn new(objects: &'a [(usize, Object)]) -> Self {
        let mut b = Bundle {
            names: BTreeSet::new(),
            config_maps: BTreeMap::new(),
            services: BTreeMap::new(),
            templates: Vec::new(),
            complete: true,
        };
        for (_, o) in objects {
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
                    if let Some((_, t)) = template(o) {
                        b.templates.push((ns, t));
                    }
                }
            }
        }
        b
    }

    fn has(&self, kind: &str, namespace: &str, name: &str) -> bool {
        self.names
            .iter()
            .any(|(k, ns, n)| *k == kind && ns == namespace && n == name)
    }

    /// Pod templates in `namespace` whose labels the selector matches.
    fn selected(&self, namespace: &str, selector: &LabelSelector) -> Vec<&'a PodTemplateSpec> {
        let sel = Selector(Some(selector.clone()));
        self.templates
            .iter()
            .filter(|(ns, t)| ns == namespace && sel.matches(&labels(t)))
            .map(|(_, t)| *t)
            .collect()
    }
}

/// The pod template of a pod-bearing object, with the JSON pointer to it.
fn template(o: &Object) -> Option<(&'static str, &PodTemplateSpec)> {
    match o {
        Object::Deployment(d) => d.spec.as_ref().map(|s| ("/spec/template", &s.template)),
        Object::Job(j) => j.spec.as_ref().map(|s| ("/spec/template", &s.template)),
        Object::CronJob(c) => c
            .spec
            .as_ref()
            .and_then(|s| s.job_template.spec.as_ref())
            .map(|s| ("/spec/jobTemplate/spec/template", &s.template)),
        _ => None,
    }
}

fn labels(t: &PodTemplateSpec) -> BTreeMap<String, String> {
    t.metadata
        .as_ref()
        .and_then(|m| m.labels.clone())
        .unwrap_or_default()
}

/// A JSON pointer segment: `~` and `/` escaped, so `nvidia.com/gpu` stays one segment.
fn seg(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// Requests and limits are Kubernetes' own resource names or extended ones such as
/// `nvidia.com/gpu`, which must be whole numbers with request equal to limit.
fn is_extended(resource: &str) -> bool {
    resource.contains('/') && !resource.starts_with("kubernetes.io/")
}

struct Check<'o> {
    out: &'o mut Vec<(usize, Finding)>,
    index: usize,
}

impl Check<'_> {
    fn fail(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.out.push((
            self.index,
            Finding {
                rule: Rule::Api,
                pointer: pointer.into(),
                message: message.into(),
            },
        ));
    }

    /// A reference that resolves to nothing in the bundle, reported only when the bundle is
    /// complete.
    fn dangling(&mut self, b: &Bundle, pointer: impl Into<String>, message: impl Into<String>) {
        if b.complete {
            self.fail(pointer, message);
        }
    }

    fn metadata(&mut self, o: &Object) {
        let m = o.metadata();
        match m.name.as_deref() {
            None | Some("") => self.fail("/metadata/name", "metadata.name is required"),
            Some(name) => {
                let format = match o {
                    Object::Namespace(_) => names::dns1123_label(name),
                    // Services are RFC 1035 labels: they also become DNS names of pods' env.
                    Object::Service(_) => names::dns1123_label(name).and_then(|()| {
                        if name.starts_with(|c: char| c.is_ascii_lowercase()) {
                            Ok(())
                        } else {
                            Err(format!(
                                "`{name}` must start with a letter (RFC 1035 label)"
                            ))
                        }
                    }),
                    _ => names::dns1123_subdomain(name),
                };
                if let Err(e) = format {
                    self.fail("/metadata/name", e);
                }
                let max = match o {
                    Object::CronJob(_) => Some(CRON_JOB_NAME_MAX),
                    Object::Job(_) => Some(JOB_NAME_MAX),
                    _ => None,
                };
                if let Some(max) = max.filter(|max| name.len() > *max) {
                    self.fail(
                        "/metadata/name",
                        format!(
                            "a {} name must be at most {max} characters; `{name}` has {}",
                            o.kind(),
                            name.len()
                        ),
                    );
                }
            }
        }
        match (&m.namespace, o) {
            (None, Object::Namespace(_)) => {}
            (Some(_), Object::Namespace(_)) => {
                self.fail("/metadata/namespace", "a Namespace is not namespaced")
            }
            (None, _) => self.fail("/metadata/namespace", "the object names no namespace"),
            (Some(ns), _) => {
                if let Err(e) = names::dns1123_label(ns) {
                    self.fail("/metadata/namespace", e);
                }
            }
        }
        self.labels_and_annotations("/metadata", m);
    }

    fn labels_and_annotations(&mut self, at: &str, m: &ObjectMeta) {
        for (k, v) in m.labels.iter().flatten() {
            let p = format!("{at}/labels/{}", seg(k));
            if let Err(e) = names::label_key(k) {
                self.fail(&p, e);
            }
            if let Err(e) = names::label_value(v) {
                self.fail(&p, e);
            }
        }
        let mut size = 0;
        for (k, v) in m.annotations.iter().flatten() {
            size += k.len() + v.len();
            if let Err(e) = names::label_key(k) {
                self.fail(format!("{at}/annotations/{}", seg(k)), e);
            }
        }
        if size > ANNOTATIONS_MAX_BYTES {
            self.fail(
                format!("{at}/annotations"),
                format!("annotations total {size} bytes; the limit is {ANNOTATIONS_MAX_BYTES}"),
            );
        }
    }

    fn config_map(&mut self, o: &k8s_openapi::api::core::v1::ConfigMap) {
        let mut size = 0;
        for (k, v) in o.data.iter().flatten() {
            size += k.len() + v.len();
            let valid = !k.is_empty()
                && k.len() <= 253
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                && k != "."
                && k != "..";
            if !valid {
                self.fail(
                    format!("/data/{}", seg(k)),
                    format!("`{k}` is not a valid ConfigMap key (a-z, A-Z, 0-9, `-`, `_`, `.`)"),
                );
            }
        }
        if size > CONFIG_MAP_MAX_BYTES {
            self.fail(
                "/data",
                format!(
                    "the data is {size} bytes; a ConfigMap holds at most {CONFIG_MAP_MAX_BYTES}"
                ),
            );
        }
    }

    /// A claim asks for some storage, in access modes that exist and combine
    /// (`ReadWriteOncePod` only alone).
    fn claim(&mut self, o: &k8s_openapi::api::core::v1::PersistentVolumeClaim) {
        let Some(spec) = &o.spec else {
            self.fail("/spec", "the claim has no spec");
            return;
        };
        let modes = spec.access_modes.as_deref().unwrap_or_default();
        if modes.is_empty() {
            self.fail(
                "/spec/accessModes",
                "a claim needs at least one access mode",
            );
        }
        for (i, m) in modes.iter().enumerate() {
            let known = [
                "ReadWriteOnce",
                "ReadOnlyMany",
                "ReadWriteMany",
                "ReadWriteOncePod",
            ];
            if !known.contains(&m.as_str()) {
                self.fail(
                    format!("/spec/accessModes/{i}"),
                    format!("`{m}` is not an access mode"),
                );
            } else if m == "ReadWriteOncePod" && modes.len() > 1 {
                self.fail(
                    format!("/spec/accessModes/{i}"),
                    "ReadWriteOncePod cannot be combined with other access modes",
                );
            }
        }
        let storage = spec
            .resources
            .as_ref()
            .and_then(|r| r.requests.as_ref())
            .and_then(|r| r.get("storage"));
        match storage {
            None => self.fail("/spec/resources/requests", "a claim must request `storage`"),
            Some(q) => {
                if self
                    .quantity("/spec/resources/requests/storage", q)
                    .is_some_and(|v| v.nanos() <= 0)
                {
                    self.fail(
                        "/spec/resources/requests/storage",
                        "the storage request must be more than zero",
                    );
                }
            }
        }
    }

    /// Everything about a pod template; `restart` lists the restart policies its owner allows.
    fn pod(&mut self, at: &str, t: &PodTemplateSpec, ns: &str, restart: &[&str], b: &Bundle) {
        if let Some(m) = &t.metadata {
            self.labels_and_annotations(&format!("{at}/metadata"), m);
        }
        let Some(spec) = &t.spec else {
            self.fail(format!("{at}/spec"), "the pod template has no spec");
            return;
        };
        let at = format!("{at}/spec");
        let policy = spec.restart_policy.as_deref().unwrap_or("Always");
        if !restart.contains(&policy) {
            self.fail(
                format!("{at}/restartPolicy"),
                format!(
                    "restartPolicy `{policy}` is not allowed here; use {}",
                    restart.join(" or ")
                ),
            );
        }
        if spec.containers.is_empty() {
            self.fail(
                format!("{at}/containers"),
                "a pod needs at least one container",
            );
        }
        let volumes: BTreeSet<&str> = spec
            .volumes
            .iter()
            .flatten()
            .map(|v| v.name.as_str())
            .collect();
        let mut container_names = BTreeSet::new();
        let mut port_names = BTreeSet::new();
        let groups = [
            (
                "initContainers",
                spec.init_containers.as_deref().unwrap_or_default(),
            ),
            ("containers", spec.containers.as_slice()),
        ];
        for (field, list) in groups {
            for (i, c) in list.iter().enumerate() {
                let cat = format!("{at}/{field}/{i}");
                if let Err(e) = names::dns1123_label(&c.name) {
                    self.fail(format!("{cat}/name"), e);
                }
                if !container_names.insert(c.name.as_str()) {
                    self.fail(
                        format!("{cat}/name"),
                        format!("container name `{}` is used twice", c.name),
                    );
                }
                if c.image.as_deref().is_none_or(str::is_empty) {
                    self.fail(format!("{cat}/image"), "a container needs an image");
                }
                let own_ports: BTreeSet<&str> = c
                    .ports
                    .iter()
                    .flatten()
                    .filter_map(|p| p.name.as_deref())
                    .collect();
                for (j, p) in c.ports.iter().flatten().enumerate() {
                    if !(1..=65535).contains(&p.container_port) {
                        self.fail(
                            format!("{cat}/ports/{j}/containerPort"),
                            format!("port {} is outside 1–65535", p.container_port),
                        );
                    }
                    if let Some(n) = &p.name {
                        if let Err(e) = names::port_name(n) {
                            self.fail(format!("{cat}/ports/{j}/name"), e);
                        }
                        if !port_names.insert(n.clone()) {
                            self.fail(
                                format!("{cat}/ports/{j}/name"),
                                format!("port name `{n}` is used twice in the pod"),
                            );
                        }
                    }
                }
                for (j, e) in c.env.iter().flatten().enumerate() {
                    if let Err(why) = names::env_var_name(&e.name) {
                        self.fail(format!("{cat}/env/{j}/name"), why);
                    }
                    if e.value.is_some() && e.value_from.is_some() {
                        self.fail(
                            format!("{cat}/env/{j}"),
                            "an env var may have a value or valueFrom, not both",
                        );
                    }
                }
                if let Some(r) = &c.resources {
                    self.resources(&format!("{cat}/resources"), r);
                }
                let mut paths = BTreeSet::new();
                for (j, m) in c.volume_mounts.iter().flatten().enumerate() {
                    if !volumes.contains(m.name.as_str()) {
                        self.fail(
                            format!("{cat}/volumeMounts/{j}/name"),
                            format!(
                                "the mount names volume `{}`, which the pod does not have",
                                m.name
                            ),
                        );
                    }
                    if !m.mount_path.starts_with('/') {
                        self.fail(
                            format!("{cat}/volumeMounts/{j}/mountPath"),
                            format!("mount path `{}` is not absolute", m.mount_path),
                        );
                    }
                    if !paths.insert(m.mount_path.as_str()) {
                        self.fail(
                            format!("{cat}/volumeMounts/{j}/mountPath"),
                            format!("two mounts at `{}`", m.mount_path),
                        );
                    }
                }
                let probes = [
                    ("startupProbe", &c.startup_probe),
                    ("readinessProbe", &c.readiness_probe),
                    ("livenessProbe", &c.liveness_probe),
                ];
                for (name, probe) in probes {
                    let port = probe
                        .as_ref()
                        .and_then(|p| p.http_get.as_ref().map(|h| &h.port));
                    if let Some(IntOrString::String(n)) = port
                        && !own_ports.contains(n.as_str())
                    {
                        self.fail(
                            format!("{cat}/{name}/httpGet/port"),
                            format!("the probe uses port `{n}`, which the container does not name"),
                        );
                    }
                }
            }
        }
        let mut seen = BTreeSet::new();
        for (i, v) in spec.volumes.iter().flatten().enumerate() {
            let vat = format!("{at}/volumes/{i}");
            if let Err(e) = names::dns1123_label(&v.name) {
                self.fail(format!("{vat}/name"), e);
            }
            if !seen.insert(v.name.as_str()) {
                self.fail(
                    format!("{vat}/name"),
                    format!("volume `{}` is defined twice", v.name),
                );
            }
            if let Some(size) = v.empty_dir.as_ref().and_then(|e| e.size_limit.as_ref()) {
                self.quantity(&format!("{vat}/emptyDir/sizeLimit"), size);
            }
            if let Some(pvc) = &v.persistent_volume_claim
                && let Err(e) = names::dns1123_subdomain(&pvc.claim_name)
            {
                self.fail(format!("{vat}/persistentVolumeClaim/claimName"), e);
            }
            if let Some(cm) = &v.config_map
                && !cm.optional.unwrap_or(false)
            {
                match b.config_maps.get(&(ns.to_string(), cm.name.clone())) {
                    None => self.dangling(
                        b,
                        format!("{vat}/configMap/name"),
                        format!("ConfigMap `{}` is not in the bundle", cm.name),
                    ),
                    Some(keys) => {
                        for (j, item) in cm.items.iter().flatten().enumerate() {
                            if !keys.contains(&item.key) {
                                self.fail(
                                    format!("{vat}/configMap/items/{j}/key"),
                                    format!("ConfigMap `{}` has no key `{}`", cm.name, item.key),
                                );
                            }
                        }
                    }
                }
            }
        }
        if let Some(sa) = spec.service_account_name.as_deref()
            && sa != "default"
            && !b.has("ServiceAccount", ns, sa)
        {
            self.dangling(
                b,
                format!("{at}/serviceAccountName"),
                format!("ServiceAccount `{sa}` is not in the bundle"),
            );
        }
    }

    fn quantity(&mut self, at: &str, q: &K8sQuantity) -> Option<Quantity> {
        match Quantity::parse(&q.0) {
            Ok(v) if v.is_negative() => {
                self.fail(at, format!("`{}` is negative", q.0));
                None
            }
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(at, e);
                None
            }
        }
    }

    fn resources(&mut self, at: &str, r: &ResourceRequirements) {
        let requests = r.requests.clone().unwrap_or_default();
        let limits = r.limits.clone().unwrap_or_default();
        let mut parsed = BTreeMap::new();
        for (side, map) in [("requests", &requests), ("limits", &limits)] {
            for (name, q) in map {
                let p = format!("{at}/{side}/{}", seg(name));
                if let Some(v) = self.quantity(&p, q) {
                    if is_extended(name) && !v.is_whole() {
                        self.fail(&p, format!("{name} must be a whole number, not `{}`", q.0));
                    }
                    parsed.insert((side, name.as_str()), v);
                }
            }
        }
        for (name, q) in &requests {
            let p = format!("{at}/requests/{}", seg(name));
            let request = parsed.get(&("requests", name.as_str()));
            let limit = parsed.get(&("limits", name.as_str()));
            if is_extended(name) {
                match limit {
                    None => self.fail(&p, format!("{name} is requested without a limit; extended resources need both, equal")),
                    Some(l) if Some(l) != request && request.is_some() => self.fail(
                        &p,
                        format!("{name} request `{}` must equal its limit", q.0),
                    ),
                    Some(_) => {}
                }
            } else if let (Some(req), Some(lim)) = (request, limit)
                && req > lim
            {
                self.fail(&p, format!("{name} request `{}` is above its limit", q.0));
            }
        }
    }

    fn selector_matches_template(
        &mut self,
        at: &str,
        selector: &LabelSelector,
        t: &PodTemplateSpec,
    ) {
        let empty = selector
            .match_labels
            .as_ref()
            .is_none_or(BTreeMap::is_empty)
            && selector
                .match_expressions
                .as_ref()
                .is_none_or(Vec::is_empty);
        if empty {
            self.fail(at, "the selector is empty, so it would select every pod");
        } else if !Selector(Some(selector.clone())).matches(&labels(t)) {
            self.fail(at, "the selector does not match the pod template's labels");
        }
    }

    fn deployment(&mut self, o: &k8s_openapi::api::apps::v1::Deployment, b: &Bundle) {
        let Some(spec) = &o.spec else { return };
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        self.selector_matches_template("/spec/selector", &spec.selector, &spec.template);
        if spec.replicas.is_some_and(|r| r < 0) {
            self.fail("/spec/replicas", "replicas is negative");
        }
        if let Some(ru) = spec
            .strategy
            .as_ref()
            .and_then(|s| s.rolling_update.as_ref())
        {
            let zero = |v: &Option<IntOrString>| match v {
                Some(IntOrString::Int(0)) => true,
                Some(IntOrString::String(s)) => s == "0%",
                _ => false,
            };
            if zero(&ru.max_surge) && zero(&ru.max_unavailable) {
                self.fail(
                    "/spec/strategy/rollingUpdate",
                    "maxSurge and maxUnavailable cannot both be 0",
                );
            }
        }
        self.pod("/spec/template", &spec.template, ns, &["Always"], b);
    }

    fn job_spec(
        &mut self,
        at: &str,
        spec: &k8s_openapi::api::batch::v1::JobSpec,
        ns: &str,
        b: &Bundle,
    ) {
        let tpl = format!("{at}/template");
        self.pod(&tpl, &spec.template, ns, &["Never", "OnFailure"], b);
        let on_failure = spec
            .template
            .spec
            .as_ref()
            .and_then(|s| s.restart_policy.as_deref())
            == Some("OnFailure");
        match spec.completion_mode.as_deref() {
            None | Some("NonIndexed") => {}
            Some("Indexed") => {
                if spec.completions.is_none() {
                    self.fail(
                        format!("{at}/completions"),
                        "an Indexed Job needs completions",
                    );
                }
            }
            Some(other) => self.fail(
                format!("{at}/completionMode"),
                format!("completionMode `{other}` is neither NonIndexed nor Indexed"),
            ),
        }
        if let Some(sub) = spec
            .template
            .spec
            .as_ref()
            .and_then(|p| p.subdomain.as_ref())
            && let Err(e) = names::dns1123_label(sub)
        {
            self.fail(format!("{at}/template/spec/subdomain"), e);
        }
        if spec.pod_failure_policy.is_some() && on_failure {
            self.fail(
                format!("{at}/podFailurePolicy"),
                "podFailurePolicy needs the pod's restartPolicy to be Never",
            );
        }
        let counts = [
            ("parallelism", spec.parallelism.map(i64::from)),
            ("completions", spec.completions.map(i64::from)),
            ("backoffLimit", spec.backoff_limit.map(i64::from)),
            (
                "ttlSecondsAfterFinished",
                spec.ttl_seconds_after_finished.map(i64::from),
            ),
        ];
        for (field, v) in counts {
            if v.is_some_and(|v| v < 0) {
                self.fail(format!("{at}/{field}"), format!("{field} is negative"));
            }
        }
        if spec.active_deadline_seconds.is_some_and(|v| v <= 0) {
            self.fail(
                format!("{at}/activeDeadlineSeconds"),
                "activeDeadlineSeconds must be positive",
            );
        }
        if let Some(sel) = &spec.selector
            && spec.manual_selector == Some(true)
        {
            self.selector_matches_template(&format!("{at}/selector"), sel, &spec.template);
        }
    }

    fn job(&mut self, o: &k8s_openapi::api::batch::v1::Job, b: &Bundle) {
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        if let Some(spec) = &o.spec {
            self.job_spec("/spec", spec, ns, b);
        }
    }

    fn cron_job(&mut self, o: &k8s_openapi::api::batch::v1::CronJob, b: &Bundle) {
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        let Some(spec) = &o.spec else { return };
        if let Err(e) = parse_cron(&spec.schedule) {
            self.fail("/spec/schedule", e);
        }
        if let Some(tz) = &spec.time_zone
            && let Err(e) = timezone(tz)
        {
            self.fail("/spec/timeZone", e);
        }
        if spec.starting_deadline_seconds.is_some_and(|v| v < 0) {
            self.fail(
                "/spec/startingDeadlineSeconds",
                "startingDeadlineSeconds is negative",
            );
        }
        if let Some(m) = &spec.job_template.metadata {
            self.labels_and_annotations("/spec/jobTemplate/metadata", m);
        }
        match &spec.job_template.spec {
            Some(js) => self.job_spec("/spec/jobTemplate/spec", js, ns, b),
            None => self.fail("/spec/jobTemplate/spec", "the job template has no spec"),
        }
    }

    fn service(&mut self, o: &k8s_openapi::api::core::v1::Service, b: &Bundle) {
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        let Some(spec) = &o.spec else { return };
        let selector = LabelSelector {
            match_labels: spec.selector.clone(),
            match_expressions: None,
        };
        let pods = if spec.selector.as_ref().is_none_or(BTreeMap::is_empty) {
            Vec::new()
        } else {
            let pods = b.selected(ns, &selector);
            if pods.is_empty() {
                self.dangling(
                    b,
                    "/spec/selector",
                    "the selector matches no pod template in the bundle",
                );
            }
            pods
        };
        let ports = spec.ports.as_deref().unwrap_or_default();
        let mut names = BTreeSet::new();
        let mut numbers = BTreeSet::new();
        for (i, p) in ports.iter().enumerate() {
            let at = format!("/spec/ports/{i}");
            match &p.name {
                Some(n) => {
                    if let Err(e) = names::dns1123_label(n) {
                        self.fail(format!("{at}/name"), e);
                    }
                    if !names.insert(n.as_str()) {
                        self.fail(
                            format!("{at}/name"),
                            format!("port name `{n}` is used twice"),
                        );
                    }
                }
                None if ports.len() > 1 => self.fail(
                    format!("{at}/name"),
                    "a Service with several ports must name each",
                ),
                None => {}
            }
            if !(1..=65535).contains(&p.port) {
                self.fail(
                    format!("{at}/port"),
                    format!("port {} is outside 1–65535", p.port),
                );
            }
            if !numbers.insert((p.port, p.protocol.clone())) {
                self.fail(
                    format!("{at}/port"),
                    format!("port {} is used twice", p.port),
                );
            }
            if let Some(IntOrString::String(target)) = &p.target_port {
                let found = pods.iter().any(|t| {
                    t.spec.iter().flat_map(|s| &s.containers).any(|c| {
                        c.ports
                            .iter()
                            .flatten()
                            .any(|cp| cp.name.as_deref() == Some(target.as_str()))
                    })
                });
                if !pods.is_empty() && !found {
                    self.fail(
                        format!("{at}/targetPort"),
                        format!("no selected pod has a container port named `{target}`"),
                    );
                }
            }
        }
    }

    fn ingress(&mut self, o: &k8s_openapi::api::networking::v1::Ingress, b: &Bundle) {
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        let Some(spec) = &o.spec else { return };
        let mut backends = Vec::new();
        if let Some(d) = &spec.default_backend {
            backends.push(("/spec/defaultBackend".to_string(), d));
        }
        for (i, rule) in spec.rules.iter().flatten().enumerate() {
            if let Some(host) = &rule.host
                && let Err(e) = names::hostname(host)
            {
                self.fail(format!("/spec/rules/{i}/host"), e);
            }
            for (j, path) in rule.http.iter().flat_map(|h| &h.paths).enumerate() {
                let at = format!("/spec/rules/{i}/http/paths/{j}");
                let p = path.path.as_deref().unwrap_or_default();
                if matches!(path.path_type.as_str(), "Prefix" | "Exact") && !p.starts_with('/') {
                    self.fail(
                        format!("{at}/path"),
                        format!("path `{p}` must start with `/`"),
                    );
                }
                backends.push((format!("{at}/backend"), &path.backend));
            }
        }
        for (i, tls) in spec.tls.iter().flatten().enumerate() {
            if let Some(secret) = &tls.secret_name
                && let Err(e) = names::dns1123_subdomain(secret)
            {
                self.fail(format!("/spec/tls/{i}/secretName"), e);
            }
            for (j, host) in tls.hosts.iter().flatten().enumerate() {
                if let Err(e) = names::hostname(host) {
                    self.fail(format!("/spec/tls/{i}/hosts/{j}"), e);
                }
            }
        }
        for (at, backend) in backends {
            let Some(svc) = &backend.service else {
                continue;
            };
            let Some(target) = b.services.get(&(ns.to_string(), svc.name.clone())) else {
                self.dangling(
                    b,
                    format!("{at}/service/name"),
                    format!("Service `{}` is not in the bundle", svc.name),
                );
                continue;
            };
            let ports = target.spec.iter().flat_map(|s| s.ports.iter().flatten());
            let wanted = svc.port.as_ref();
            let ok = match (
                wanted.and_then(|p| p.name.as_deref()),
                wanted.and_then(|p| p.number),
            ) {
                (Some(name), _) => ports.clone().any(|p| p.name.as_deref() == Some(name)),
                (None, Some(n)) => ports.clone().any(|p| p.port == n),
                (None, None) => false,
            };
            if !ok {
                self.fail(
                    format!("{at}/service/port"),
                    format!("Service `{}` has no such port", svc.name),
                );
            }
        }
    }

    fn hpa(&mut self, o: &k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler, b: &Bundle) {
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        let Some(spec) = &o.spec else { return };
        let target = &spec.scale_target_ref;
        let known = matches!(
            (target.api_version.as_deref(), target.kind.as_str()),
            (Some("apps/v1"), "Deployment")
        );
        if !known || !b.has(&target.kind, ns, &target.name) {
            self.dangling(
                b,
                "/spec/scaleTargetRef",
                format!(
                    "the target {} `{}` is not in the bundle",
                    target.kind, target.name
                ),
            );
        }
        let min = spec.min_replicas.unwrap_or(1);
        if min < 1 {
            self.fail("/spec/minReplicas", "minReplicas must be at least 1");
        }
        if spec.max_replicas < min {
            self.fail(
                "/spec/maxReplicas",
                format!(
                    "maxReplicas {} is below minReplicas {min}",
                    spec.max_replicas
                ),
            );
        }
        for (i, m) in spec.metrics.iter().flatten().enumerate() {
            let util = m
                .resource
                .as_ref()
                .and_then(|r| r.target.average_utilization);
            if util.is_some_and(|u| u <= 0) {
                self.fail(
                    format!("/spec/metrics/{i}/resource/target/averageUtilization"),
                    "averageUtilization must be positive",
                );
            }
        }
    }

    fn scaled_object(&mut self, o: &crate::generate::crd::ScaledObject, b: &Bundle) {
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        let spec = &o.spec;
        let target = &spec.scale_target_ref;
        let kind = target.kind.as_deref().unwrap_or("Deployment");
        let known = matches!(
            (target.api_version.as_deref().unwrap_or("apps/v1"), kind),
            ("apps/v1", "Deployment")
        );
        if !known || !b.has(kind, ns, &target.name) {
            self.dangling(
                b,
                "/spec/scaleTargetRef",
                format!("the target {kind} `{}` is not in the bundle", target.name),
            );
        }
        // KEDA's admission webhook: 0 ≤ min ≤ max, and at least one trigger.
        let min = spec.min_replica_count.unwrap_or(0);
        let max = spec.max_replica_count.unwrap_or(100);
        if min < 0 || max < min || max < 1 {
            self.fail(
                "/spec/maxReplicaCount",
                format!("replica counts {min}..{max} are not 0 ≤ min ≤ max with max ≥ 1"),
            );
        }
        if spec.triggers.is_empty() {
            self.fail(
                "/spec/triggers",
                "a ScaledObject needs at least one trigger",
            );
        }
    }

    fn http_route(&mut self, o: &crate::generate::crd::HttpRoute, b: &Bundle) {
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        for (i, host) in o.spec.hostnames.iter().flatten().enumerate() {
            if let Err(e) = names::hostname(host) {
                self.fail(format!("/spec/hostnames/{i}"), e);
            }
        }
        for (i, rule) in o.spec.rules.iter().enumerate() {
            for (j, m) in rule.matches.iter().enumerate() {
                if !m.path.value.starts_with('/') {
                    self.fail(
                        format!("/spec/rules/{i}/matches/{j}/path/value"),
                        format!("path `{}` must start with `/`", m.path.value),
                    );
                }
            }
            for (j, backend) in rule.backend_refs.iter().enumerate() {
                let at = format!("/spec/rules/{i}/backendRefs/{j}");
                let Some(svc) = b.services.get(&(ns.to_string(), backend.name.clone())) else {
                    self.dangling(
                        b,
                        format!("{at}/name"),
                        format!("Service `{}` is not in the bundle", backend.name),
                    );
                    continue;
                };
                let mut ports = svc.spec.iter().flat_map(|s| s.ports.iter().flatten());
                if !ports.any(|p| Some(p.port) == backend.port) {
                    self.fail(
                        format!("{at}/port"),
                        format!("Service `{}` has no such port", backend.name),
                    );
                }
            }
        }
    }

    fn pdb(&mut self, o: &k8s_openapi::api::policy::v1::PodDisruptionBudget, b: &Bundle) {
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        let Some(spec) = &o.spec else { return };
        if spec.min_available.is_some() && spec.max_unavailable.is_some() {
            self.fail(
                "/spec",
                "minAvailable and maxUnavailable cannot both be set",
            );
        }
        match &spec.selector {
            Some(sel) if !b.selected(ns, sel).is_empty() => {}
            _ => self.dangling(
                b,
                "/spec/selector",
                "the selector matches no pod template in the bundle",
            ),
        }
    }

    fn network_policy(&mut self, o: &k8s_openapi::api::networking::v1::NetworkPolicy, b: &Bundle) {
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        let Some(spec) = &o.spec else { return };
        let sel = spec.pod_selector.clone().unwrap_or_default();
        if b.selected(ns, &sel).is_empty() {
            self.dangling(
                b,
                "/spec/podSelector",
                "the selector matches no pod template in the bundle",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_segments_escape_slashes_and_tildes() {
        assert_eq!(seg("nvidia.com/gpu"), "nvidia.com~1gpu");
        assert_eq!(seg("a~b"), "a~0b");
    }

    #[test]
    fn extended_resources_are_the_prefixed_ones() {
        assert!(is_extended("nvidia.com/gpu"));
        assert!(is_extended("nvidia.com/mig-3g.40gb"));
        assert!(is_extended("google.com/tpu"));
        assert!(!is_extended("cpu"));
        assert!(!is_extended("ephemeral-storage"));
        assert!(!is_extended("kubernetes.io/something"));
    }
}
