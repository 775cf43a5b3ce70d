//! Jobs and CronJobs: run to completion with bounded retries, a deadline, a TTL, and — for
//! schedules — a time zone, a concurrency policy and a history limit. A job on a multi-host TPU
//! slice is an Indexed Job with one pod per host, named through the headless Service of
//! `service::headless`.

use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, Job, JobSpec, JobTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{labels, pod};
use crate::app::{App, Batch};

fn job_spec(app: &App, b: &Batch) -> JobSpec {
    let w = &b.workload;
    let mut template = pod::template(app, w, Some(&b.restart_policy));
    if b.hosts.is_some()
        && let Some(spec) = template.spec.as_mut()
    {
        // Pods get `JOB-INDEX.SUBDOMAIN` names from the headless Service of the same name.
        spec.subdomain = Some(w.name.clone());
    }
    JobSpec {
        backoff_limit: Some(b.backoff_limit),
        active_deadline_seconds: b.active_deadline_seconds,
        ttl_seconds_after_finished: b.ttl_seconds,
        parallelism: b.parallelism,
        completions: b.completions,
        completion_mode: b.hosts.map(|_| "Indexed".to_string()),
        template,
        ..Default::default()
    }
}

pub fn job(app: &App, b: &Batch) -> Option<Job> {
    if b.schedule.is_some() {
        return None;
    }
    let w = &b.workload;
    Some(Job {
        metadata: labels::workload_meta(app, &w.name, &w.component),
        spec: Some(job_spec(app, b)),
        ..Default::default()
    })
}

pub fn cron_job(app: &App, b: &Batch) -> Option<CronJob> {
    let s = b.schedule.as_ref()?;
    let w = &b.workload;
    Some(CronJob {
        metadata: labels::workload_meta(app, &w.name, &w.component),
        spec: Some(CronJobSpec {
            schedule: s.cron.clone(),
            time_zone: s.timezone.clone(),
            concurrency_policy: Some(s.concurrency.clone()),
            starting_deadline_seconds: s.starting_deadline_seconds,
            successful_jobs_history_limit: Some(s.successful_history),
            failed_jobs_history_limit: Some(s.failed_history),
            suspend: s.suspend.then_some(true),
            job_template: JobTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels::selector(app, &w.name)),
                    ..Default::default()
                }),
                spec: Some(job_spec(app, b)),
            },
        }),
        ..Default::default()
    })
}
