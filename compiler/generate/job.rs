//! Jobs and CronJobs: run to completion with bounded retries, a deadline, a TTL, and — for
//! schedules — a time zone, a concurrency policy and a history limit. A job on a multi-host TPU
//! slice is an Indexed Job with one pod per host, named through the headless Service of
//! `service::headless`. A job with a Kueue `queue` carries its label and is created suspended.

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
        // Kueue starts a queued Job by unsuspending it once the queue admits it.
        suspend: b.queue.as_ref().map(|_| true),
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

/// The label that names the Kueue LocalQueue a Job (or JobSet) waits in.
pub const QUEUE_LABEL: &str = "kueue.x-k8s.io/queue-name";

/// `meta` with the batch's Kueue queue label, if it has a queue.
pub fn queued(mut meta: ObjectMeta, b: &Batch) -> ObjectMeta {
    if let Some(q) = &b.queue {
        meta.labels
            .get_or_insert_with(Default::default)
            .insert(QUEUE_LABEL.to_string(), q.clone());
    }
    meta
}

pub fn job(app: &App, b: &Batch) -> Option<Job> {
    // A job of slices is a JobSet (`job_set.rs`).
    if b.schedule.is_some() || b.slices.is_some() {
        return None;
    }
    let w = &b.workload;
    Some(Job {
        metadata: queued(labels::workload_meta(app, w), b),
        spec: Some(job_spec(app, b)),
        ..Default::default()
    })
}

pub fn cron_job(app: &App, b: &Batch) -> Option<CronJob> {
    let s = b.schedule.as_ref()?;
    let w = &b.workload;
    Some(CronJob {
        metadata: labels::workload_meta(app, w),
        spec: Some(CronJobSpec {
            schedule: s.cron.clone(),
            time_zone: s.timezone.clone(),
            concurrency_policy: Some(s.concurrency.clone()),
            starting_deadline_seconds: s.starting_deadline_seconds,
            successful_jobs_history_limit: Some(s.successful_history),
            failed_jobs_history_limit: Some(s.failed_history),
            suspend: s.suspend.then_some(true),
            job_template: JobTemplateSpec {
                // Kueue reads the queue from each run's Job, so the label is on the template.
                metadata: Some(queued(
                    ObjectMeta {
                        labels: Some(labels::selector(app, &w.name)),
                        ..Default::default()
                    },
                    b,
                )),
                spec: Some(job_spec(app, b)),
            },
        }),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use crate::compile_str;

    fn object(spec: &str, kind: &str) -> serde_json::Value {
        let objects = crate::resolve::testing::documents(spec);
        let o = objects.iter().find(|o| o["kind"] == kind).expect(kind);
        o.clone()
    }

    const JOB: &str =
        "[app]\nname = \"a\"\n[jobs.train]\nimage = \"busybox:1.36\"\ndeadline = \"1h\"\n";

    #[test]
    fn a_queued_job_is_labelled_for_kueue_and_created_suspended() {
        let job = object(&format!("{JOB}queue = \"team-a\"\n"), "Job");
        assert_eq!(
            job.pointer("/metadata/labels/kueue.x-k8s.io~1queue-name"),
            Some(&"team-a".into())
        );
        assert_eq!(job.pointer("/spec/suspend"), Some(&true.into()));
        let plain = object(JOB, "Job");
        assert_eq!(plain.pointer("/spec/suspend"), None);
        assert!(!plain.to_string().contains("kueue"));
    }

    #[test]
    fn a_queued_schedule_labels_each_runs_job() {
        let spec = "[app]\nname = \"a\"\n[schedules.nightly]\ncron = \"0 3 * * *\"\ndeadline = \"1h\"\nimage = \"busybox:1.36\"\nqueue = \"batch\"\n";
        let cron = object(spec, "CronJob");
        let template = cron.pointer("/spec/jobTemplate").expect("a template");
        assert_eq!(
            template.pointer("/metadata/labels/kueue.x-k8s.io~1queue-name"),
            Some(&"batch".into())
        );
        assert_eq!(template.pointer("/spec/suspend"), Some(&true.into()));
        assert_eq!(
            cron.pointer("/spec/suspend"),
            None,
            "the schedule itself runs"
        );
    }

    #[test]
    fn a_queue_name_kubernetes_would_reject_is_an_error() {
        let (_, d) = compile_str(&format!("{JOB}queue = \"Team_A\"\n"));
        assert!(
            d.iter()
                .any(|x| x.code.id == "E0101" && x.message.contains("jobs.train.queue")),
            "{d:?}"
        );
    }
}
