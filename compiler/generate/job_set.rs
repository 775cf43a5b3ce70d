//! A job of TPU slices (`slices`) as a JobSet: one replicated Job of one Indexed Job per slice,
//! each with one pod per host of the slice. The JobSet controller creates the Jobs and their
//! headless Service (named like the JobSet, the pods' `subdomain`), and recreates the whole set
//! when a Job fails, up to the job's `retries`: a slice that lost a host cannot go on, so each
//! Job's own backoff limit is 0. With more than one slice every container gets the variables that
//! join the slices (MEGASCALE_*: `stdlib/defaults.toml` `[jobset]`).

use k8s_openapi::api::batch::v1::{JobSpec, JobTemplateSpec};
use k8s_openapi::api::core::v1::{EnvVar, EnvVarSource, ObjectFieldSelector};

use super::crd::{JobSet, JobSetFailurePolicy, JobSetNetwork, JobSetSpec, ReplicatedJob};
use super::{job, labels, pod};
use crate::app::{App, Batch};

pub fn generate(app: &App, b: &Batch) -> Option<JobSet> {
    let set = b.slices.as_ref()?;
    let w = &b.workload;
    let mut template = pod::template(app, w, Some(&b.restart_policy));
    // The main container gets the variables that join the slices (sidecars do not train).
    if let Some(container) = template
        .spec
        .as_mut()
        .and_then(|spec| spec.containers.first_mut())
    {
        // First, so the spec's own variables may refer to them as `$(NAME)`; the rest keep the
        // order the pod stage gave them (which such references need).
        let mut env: Vec<EnvVar> = set
            .env
            .iter()
            .map(|(k, v)| EnvVar {
                name: k.clone(),
                value: Some(v.clone()),
                ..Default::default()
            })
            .collect();
        env.extend(set.label_env.iter().map(|(k, label)| EnvVar {
            name: k.clone(),
            value_from: Some(EnvVarSource {
                field_ref: Some(ObjectFieldSelector {
                    field_path: format!("metadata.labels['{label}']"),
                    api_version: None,
                }),
                ..Default::default()
            }),
            ..Default::default()
        }));
        env.extend(container.env.take().unwrap_or_default());
        container.env = (!env.is_empty()).then_some(env);
    }
    let slice = JobSpec {
        backoff_limit: Some(0),
        active_deadline_seconds: b.active_deadline_seconds,
        parallelism: b.hosts,
        completions: b.hosts,
        completion_mode: Some("Indexed".to_string()),
        template,
        ..Default::default()
    };
    Some(JobSet {
        metadata: job::queued(labels::workload_meta(app, w), b),
        spec: JobSetSpec {
            failure_policy: Some(JobSetFailurePolicy {
                max_restarts: Some(b.backoff_limit),
            }),
            network: Some(JobSetNetwork {
                enable_dns_hostnames: Some(true),
                publish_not_ready_addresses: Some(true),
                subdomain: None,
            }),
            replicated_jobs: vec![ReplicatedJob {
                name: set.replicated_job.clone(),
                replicas: set.slices,
                template: JobTemplateSpec {
                    metadata: None,
                    spec: Some(slice),
                },
            }],
            // Kueue admits the JobSet as a whole.
            suspend: b.queue.as_ref().map(|_| true),
            ttl_seconds_after_finished: b.ttl_seconds,
        },
    })
}

#[cfg(test)]
mod tests {
    use crate::compile_str;
    use crate::resolve::testing::documents;
    use serde_json::Value;

    fn build(extra: &str) -> Vec<Value> {
        let spec = format!(
            "[app]\nname = \"gemma\"\n[jobs.train]\nimage = \"busybox:1.36\"\ndeadline = \"4h\"\n{extra}resources = {{ accelerator = {{ type = \"tpu-v6e\", topology = \"2x4\" }}, gpus = 4 }}\n"
        );
        documents(&spec)
    }

    fn kinds(objects: &[Value]) -> Vec<&str> {
        objects.iter().filter_map(|o| o["kind"].as_str()).collect()
    }

    #[test]
    fn slices_make_a_jobset_in_place_of_the_indexed_job_and_its_service() {
        let objects = build("slices = 2\n");
        assert_eq!(
            kinds(&objects),
            ["ServiceAccount", "NetworkPolicy", "JobSet"]
        );
        let set = &objects[2];
        assert_eq!(set["apiVersion"], "jobset.x-k8s.io/v1alpha2");
        let rj = &set["spec"]["replicatedJobs"][0];
        assert_eq!(
            (rj["name"].as_str(), rj["replicas"].as_i64()),
            (Some("slice"), Some(2))
        );
        let job = &rj["template"]["spec"];
        assert_eq!(job["completionMode"], "Indexed");
        assert_eq!(
            (job["parallelism"].as_i64(), job["completions"].as_i64()),
            (Some(2), Some(2))
        );
        assert_eq!(
            job["backoffLimit"], 0,
            "a slice that lost a host restarts as a whole"
        );
        assert_eq!(
            set["spec"]["failurePolicy"]["maxRestarts"], 2,
            "the job's retries"
        );
        let env = &job["template"]["spec"]["containers"][0]["env"];
        let names: Vec<&str> = env
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["name"].as_str())
            .collect();
        assert_eq!(
            names,
            [
                "MEGASCALE_COORDINATOR_ADDRESS",
                "MEGASCALE_NUM_SLICES",
                "MEGASCALE_SLICE_ID"
            ]
        );
        assert_eq!(env[0]["value"], "gemma-train-slice-0-0.gemma-train");
        assert_eq!(env[1]["value"], "2");
        assert_eq!(
            env[2]["valueFrom"]["fieldRef"]["fieldPath"],
            "metadata.labels['jobset.sigs.k8s.io/job-index']"
        );
        assert!(set["spec"].get("suspend").is_none());
    }

    #[test]
    fn one_slice_is_a_jobset_without_the_multislice_variables() {
        let objects = build("slices = 1\nqueue = \"tpu\"\n");
        let set = objects
            .iter()
            .find(|o| o["kind"] == "JobSet")
            .expect("a JobSet");
        let pod = &set["spec"]["replicatedJobs"][0]["template"]["spec"]["template"]["spec"];
        assert!(pod["containers"][0].get("env").is_none(), "{pod}");
        assert_eq!(set["spec"]["suspend"], true, "Kueue admits the JobSet");
        assert_eq!(
            set["metadata"]["labels"]["kueue.x-k8s.io/queue-name"],
            "tpu"
        );
        assert_eq!(set["spec"]["ttlSecondsAfterFinished"], 86400);
    }

    #[test]
    fn the_slices_variables_are_not_set_twice() {
        let (_, d) = compile_str(
            "[app]\nname = \"g\"\n[jobs.t]\nimage = \"busybox:1.36\"\ndeadline = \"1h\"\nslices = 2\nenv = { MEGASCALE_NUM_SLICES = \"3\" }\nresources = { accelerator = { type = \"tpu-v5e\", topology = \"4x4\" } }\n",
        );
        assert!(d.iter().any(|x| x.code.id == "E0128"), "{d:?}");
    }

    #[test]
    fn slices_need_a_multi_host_slice_and_no_schedule() {
        for (accelerator, code) in [
            ("{ type = \"tpu-v6e\", topology = \"2x4\" }", "E0240"),
            ("\"nvidia-l4\"", "E0240"),
        ] {
            let (_, d) = compile_str(&format!(
                "[app]\nname = \"g\"\n[jobs.t]\nimage = \"busybox:1.36\"\ndeadline = \"1h\"\nslices = 2\nresources = {{ accelerator = {accelerator} }}\n"
            ));
            assert!(d.iter().any(|x| x.code.id == code), "{accelerator}: {d:?}");
        }
        let (_, d) = compile_str(
            "[app]\nname = \"g\"\n[schedules.t]\ncron = \"0 3 * * *\"\nimage = \"busybox:1.36\"\ndeadline = \"1h\"\nslices = 2\nresources = { accelerator = { type = \"tpu-v5e\", topology = \"4x4\" } }\n",
        );
        assert!(
            d.iter()
                .any(|x| x.code.id == "E0002" && x.message.contains("slices")),
            "{d:?}"
        );
    }

    #[test]
    fn pod_names_over_63_characters_are_refused_before_the_webhook_does() {
        let name = "a".repeat(40);
        let (_, d) = compile_str(&format!(
            "[app]\nname = \"{name}\"\n[jobs.pretraining]\nimage = \"busybox:1.36\"\ndeadline = \"1h\"\nslices = 16\nresources = {{ accelerator = {{ type = \"tpu-v5e\", topology = \"16x16\" }} }}\n"
        ));
        assert!(
            d.iter()
                .any(|x| x.code.id == "E0125" && x.message.contains("JobSet")),
            "{d:?}"
        );
    }
}
