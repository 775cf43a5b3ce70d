//! The pod-bearing kinds: a Deployment's selector, replicas and rollout; a Job's restart policy,
//! completion mode and counts; a JobSet's replicated Jobs and the names its webhook generates; a
//! CronJob's schedule, time zone and job template.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::bundle::labels;
use super::{Bundle, Check};
use crate::place::pod::Selector;
use crate::values::cron::parse_cron;
use crate::values::names;
use crate::values::timezone::timezone;

/// Names the JobSet webhook generates are RFC 1035 labels of at most 63 characters.
const JOB_SET_NAME_MAX: usize = 63;

impl Check<'_> {
    /// `at` is the selector's pointer, `template` the template's.
    fn selector_matches_template(
        &mut self,
        at: &str,
        selector: &LabelSelector,
        template: &str,
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
            self.fail_with(
                at,
                "the selector does not match the pod template's labels",
                vec![(self.index, format!("{template}/metadata/labels"))],
            );
        }
    }

    /// What a Deployment and a StatefulSet share: a selector of their template's pods and a
    /// replica count not below 0.
    fn replicated(
        &mut self,
        selector: &LabelSelector,
        template: &PodTemplateSpec,
        replicas: Option<i32>,
    ) {
        self.selector_matches_template("/spec/selector", selector, "/spec/template", template);
        if replicas.is_some_and(|r| r < 0) {
            self.fail("/spec/replicas", "replicas is negative");
        }
    }

    /// A field that takes one of a few words: `value`, if set, must be one of `allowed`.
    fn one_of(&mut self, at: &str, field: &str, value: Option<&str>, allowed: &[&str]) {
        if let Some(v) = value
            && !allowed.contains(&v)
        {
            self.fail(
                at,
                format!("{field} `{v}` is not one of {}", allowed.join(", ")),
            );
        }
    }

    pub(super) fn deployment(&mut self, o: &k8s_openapi::api::apps::v1::Deployment, b: &Bundle) {
        let Some(spec) = &o.spec else { return };
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        self.replicated(&spec.selector, &spec.template, spec.replicas);
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

    /// A StatefulSet: its selector, counts and policies, its claim templates (each a claim), its
    /// `serviceName` (a headless Service of the bundle), and its pods as the controller makes
    /// them: with a volume per claim template, which the containers mount by name.
    pub(super) fn stateful_set(&mut self, o: &k8s_openapi::api::apps::v1::StatefulSet, b: &Bundle) {
        let Some(spec) = &o.spec else { return };
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        self.replicated(&spec.selector, &spec.template, spec.replicas);
        self.one_of(
            "/spec/podManagementPolicy",
            "podManagementPolicy",
            spec.pod_management_policy.as_deref(),
            &["OrderedReady", "Parallel"],
        );
        self.one_of(
            "/spec/updateStrategy/type",
            "updateStrategy",
            spec.update_strategy
                .as_ref()
                .and_then(|u| u.type_.as_deref()),
            &["RollingUpdate", "OnDelete"],
        );
        if let Some(name) = spec.service_name.as_deref().filter(|n| !n.is_empty()) {
            match b.services.get(&(ns.to_string(), name.to_string())) {
                None => self.dangling(
                    b,
                    "/spec/serviceName",
                    format!("the Service `{name}` is not in the bundle"),
                    Vec::new(),
                ),
                Some(svc) => {
                    let headless =
                        svc.spec.as_ref().and_then(|s| s.cluster_ip.as_deref()) == Some("None");
                    if !headless {
                        self.fail(
                            "/spec/serviceName",
                            format!("the Service `{name}` has a cluster IP; a StatefulSet's pods get their DNS names from a headless one (`clusterIP: None`)"),
                        );
                    }
                }
            }
        }
        let mut template = spec.template.clone();
        let mut seen = std::collections::BTreeSet::new();
        for (i, c) in spec.volume_claim_templates.iter().flatten().enumerate() {
            let at = format!("/spec/volumeClaimTemplates/{i}");
            let name = c.metadata.name.clone().unwrap_or_default();
            if let Err(e) = names::dns1123_label(&name) {
                self.fail(format!("{at}/metadata/name"), e);
            }
            if !seen.insert(name.clone()) {
                self.fail(
                    format!("{at}/metadata/name"),
                    format!("claim template `{name}` is named twice"),
                );
            }
            self.claim_spec(&at, c);
            // The controller's `updateStorage`: the claim replaces a pod volume of its name.
            if let Some(pod) = template.spec.as_mut() {
                let volumes = pod.volumes.get_or_insert_with(Vec::new);
                volumes.retain(|v| v.name != name);
                volumes.push(k8s_openapi::api::core::v1::Volume {
                    name: name.clone(),
                    persistent_volume_claim: Some(
                        k8s_openapi::api::core::v1::PersistentVolumeClaimVolumeSource {
                            claim_name: format!(
                                "{name}-{}-0",
                                o.metadata.name.as_deref().unwrap_or_default()
                            ),
                            read_only: None,
                        },
                    ),
                    ..Default::default()
                });
            }
        }
        self.pod("/spec/template", &template, ns, &["Always"], b);
    }

    /// A LeaderWorkerSet (the LWS webhook's rules for the fields mlspec writes): a group of at
    /// least one pod, replicas not negative, a known restart policy, and its leader and worker
    /// templates each a pod's.
    pub(super) fn leader_worker_set(
        &mut self,
        o: &crate::generate::crd::LeaderWorkerSet,
        b: &Bundle,
    ) {
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        let t = &o.spec.leader_worker_template;
        if t.size.is_some_and(|n| n < 1) {
            self.fail(
                "/spec/leaderWorkerTemplate/size",
                "a group has at least 1 pod",
            );
        }
        if o.spec.replicas.is_some_and(|r| r < 0) {
            self.fail("/spec/replicas", "replicas is negative");
        }
        self.one_of(
            "/spec/leaderWorkerTemplate/restartPolicy",
            "restartPolicy",
            t.restart_policy.as_deref(),
            &["RecreateGroupOnPodRestart", "None"],
        );
        if let Some(leader) = &t.leader_template {
            self.pod(
                "/spec/leaderWorkerTemplate/leaderTemplate",
                leader,
                ns,
                &["Always"],
                b,
            );
        }
        self.pod(
            "/spec/leaderWorkerTemplate/workerTemplate",
            &t.worker_template,
            ns,
            &["Always"],
            b,
        );
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
            self.selector_matches_template(&format!("{at}/selector"), sel, &tpl, &spec.template);
        }
    }

    pub(super) fn job(&mut self, o: &k8s_openapi::api::batch::v1::Job, b: &Bundle) {
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        if let Some(spec) = &o.spec {
            self.job_spec("/spec", spec, ns, b);
        }
    }

    /// The JobSet webhook's rules for the fields mlspec writes: replicated Job names are unique
    /// RFC 1035 labels, replicas at least 0, and the Job and pod names it generates
    /// (`JOBSET-RJ-INDEX`, `JOBSET-RJ-INDEX-POD-xxxxx`) valid labels; each Job template is a Job's.
    pub(super) fn job_set(&mut self, o: &crate::generate::crd::JobSet, b: &Bundle) {
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        let name = o.metadata.name.as_deref().unwrap_or_default();
        let mut seen = std::collections::BTreeSet::new();
        if o.spec.replicated_jobs.is_empty() {
            self.fail("/spec/replicatedJobs", "a JobSet needs a replicated Job");
        }
        for (i, r) in o.spec.replicated_jobs.iter().enumerate() {
            let at = format!("/spec/replicatedJobs/{i}");
            if let Err(e) = names::dns1123_label(&r.name) {
                self.fail(format!("{at}/name"), e);
            }
            if !seen.insert(r.name.as_str()) {
                self.fail(format!("{at}/name"), format!("`{}` is named twice", r.name));
            }
            if r.replicas < 0 {
                self.fail(format!("{at}/replicas"), "replicas is negative");
            }
            let last = (r.replicas - 1).max(0);
            let job = format!("{name}-{}-{last}", r.name);
            if job.len() > JOB_SET_NAME_MAX {
                self.fail(
                    format!("{at}/name"),
                    format!("the Job name `{job}` the JobSet generates has over 63 characters"),
                );
            }
            let Some(spec) = &r.template.spec else {
                self.fail(
                    format!("{at}/template/spec"),
                    "the Job template has no spec",
                );
                continue;
            };
            if spec.completion_mode.as_deref() == Some("Indexed")
                && let Some(c) = spec.completions
            {
                let pod = format!("{job}-{}-xxxxx", (c - 1).max(0));
                if pod.len() > JOB_SET_NAME_MAX {
                    self.fail(
                        format!("{at}/name"),
                        format!("the pod name `{pod}` the JobSet generates has over 63 characters"),
                    );
                }
            }
            self.job_spec(&format!("{at}/template/spec"), spec, ns, b);
        }
        if o.spec
            .failure_policy
            .as_ref()
            .and_then(|f| f.max_restarts)
            .is_some_and(|m| m < 0)
        {
            self.fail("/spec/failurePolicy/maxRestarts", "maxRestarts is negative");
        }
    }

    pub(super) fn cron_job(&mut self, o: &k8s_openapi::api::batch::v1::CronJob, b: &Bundle) {
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
}
