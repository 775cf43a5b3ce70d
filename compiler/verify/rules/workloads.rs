//! The pod-bearing kinds: a Deployment's selector, replicas and rollout; a Job's restart policy,
//! completion mode and counts; a CronJob's schedule, time zone and job template.

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

    pub(super) fn deployment(&mut self, o: &k8s_openapi::api::apps::v1::Deployment, b: &Bundle) {
        let Some(spec) = &o.spec else { return };
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        self.selector_matches_template(
            "/spec/selector",
            &spec.selector,
            "/spec/template",
            &spec.template,
        );
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
            self.selector_matches_template(&format!("{at}/selector"), sel, &tpl, &spec.template);
        }
    }

    pub(super) fn job(&mut self, o: &k8s_openapi::api::batch::v1::Job, b: &Bundle) {
        let ns = o.metadata.namespace.as_deref().unwrap_or_default();
        if let Some(spec) = &o.spec {
            self.job_spec("/spec", spec, ns, b);
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
