//! The accelerator catalog: every entry builds and verifies in every shape it offers (whole
//! devices, each MIG profile, each TPU topology, multi-host slices as Indexed Jobs). README's
//! catalog tables are checked in `stdlib.rs`.

use mlspec::compile_str;
use mlspec::generate::Object;

use crate::support::catalog;

fn job(accelerator: &str) -> String {
    format!(
        "[app]\nname = \"cat\"\n\n[jobs.run]\nimage = \"registry.example.com/run:1.0@sha256:{}\"\ndeadline = \"1h\"\nresources = {{ accelerator = {accelerator} }}\n",
        "0".repeat(64)
    )
}

fn build(spec: &str) -> Vec<Object> {
    let (objects, d) = compile_str(spec);
    assert!(!d.has_errors(), "{spec}\n{d:?}");
    objects
}

#[test]
fn every_accelerator_builds_in_every_shape_it_offers() {
    for (name, a) in &catalog().accelerators {
        if !a.is_tpu() {
            build(&job(&format!("\"{name}\"")));
        }
        for p in &a.mig {
            let objects = build(&job(&format!("{{ type = \"{name}\", mig = \"{p}\" }}")));
            let yaml = mlspec::emit::yaml(&objects).expect("yaml");
            assert!(
                yaml.contains(&format!("nvidia.com/mig-{p}: \"1\"")),
                "{name} {p}"
            );
        }
        for t in a.all_topologies() {
            let slice = a.slice(t).expect("offered");
            let objects = build(&job(&format!(
                "{{ type = \"{name}\", topology = \"{t}\" }}"
            )));
            let job = objects.iter().find_map(|o| match o {
                Object::Job(j) => j.spec.clone(),
                _ => None,
            });
            let job = job.expect("a Job");
            let headless = objects.iter().any(|o| {
                matches!(o, Object::Service(s) if s.spec.as_ref().and_then(|s| s.cluster_ip.as_deref()) == Some("None"))
            });
            let pod = job.template.spec.expect("pod");
            let chips = pod.containers[0]
                .resources
                .as_ref()
                .and_then(|r| r.limits.as_ref())
                .and_then(|l| l.get(&a.resource))
                .map(|q| q.0.clone());
            assert_eq!(chips, Some(slice.chips_per_pod.to_string()), "{name} {t}");
            if slice.hosts > 1 {
                let hosts = i32::try_from(slice.hosts).ok();
                assert_eq!(
                    job.completion_mode.as_deref(),
                    Some("Indexed"),
                    "{name} {t}"
                );
                assert_eq!((job.completions, job.parallelism), (hosts, hosts));
                assert_eq!(pod.subdomain.as_deref(), Some("cat-run"));
                assert!(headless, "{name} {t}: no headless Service");
            } else {
                assert!(job.completion_mode.is_none() && pod.subdomain.is_none() && !headless);
            }
        }
    }
}

#[test]
fn a_schedule_on_a_multi_host_slice_runs_an_indexed_job_per_run() {
    let spec = format!(
        "[app]\nname = \"nightly\"\n\n[schedules.pretrain]\ncron = \"0 2 * * *\"\ndeadline = \"6h\"\nimage = \"registry.example.com/run:1.0@sha256:{}\"\nresources = {{ accelerator = {{ type = \"tpu-v6e\", topology = \"4x8\" }} }}\n",
        "0".repeat(64)
    );
    let objects = build(&spec);
    let job = objects
        .iter()
        .find_map(|o| match o {
            Object::CronJob(c) => c.spec.as_ref().and_then(|s| s.job_template.spec.clone()),
            _ => None,
        })
        .expect("a CronJob");
    assert_eq!(job.completion_mode.as_deref(), Some("Indexed"));
    assert_eq!((job.completions, job.parallelism), (Some(8), Some(8)));
    let pod = job.template.spec.expect("pod");
    assert_eq!(pod.subdomain.as_deref(), Some("nightly-pretrain"));
    assert!(objects.iter().any(|o| matches!(o, Object::Service(s)
        if s.metadata.name.as_deref() == Some("nightly-pretrain"))));
}
