//! The accelerator catalog: every entry builds and verifies in every shape it offers (whole
//! devices, each MIG profile, each TPU topology, multi-host slices as Indexed Jobs). The docs'
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
            let yaml = mlspec::emit::yaml(&mlspec::document::documents(&objects)).expect("yaml");
            assert!(
                yaml.contains(&format!("nvidia.com/mig-{p}: \"1\"")),
                "{name} {p}"
            );
        }
        for (t, slice, machine) in a.all_topologies().into_iter().flat_map(|t| {
            let shapes = a.shapes(t);
            let several = shapes.len() > 1;
            shapes
                .into_iter()
                .map(move |(s, h)| (t, s, several.then(|| h.machine.clone())))
        }) {
            // A topology two machine types form is built on each, named by `machine`.
            let machine_key = machine
                .as_ref()
                .map_or(String::new(), |m| format!(", machine = \"{m}\""));
            let objects = build(&job(&format!(
                "{{ type = \"{name}\", topology = \"{t}\"{machine_key} }}"
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
            let selected = pod
                .node_selector
                .as_ref()
                .and_then(|s| s.get("node.kubernetes.io/instance-type"))
                .cloned();
            let larger = a
                .shapes(t)
                .iter()
                .any(|(s, _)| s.chips_per_pod > slice.chips_per_pod);
            assert_eq!(selected, machine.filter(|_| larger), "{name} {t}");
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

/// The pod spec of the one Job a spec builds.
fn job_pod(objects: &[Object]) -> k8s_openapi::api::core::v1::PodSpec {
    objects
        .iter()
        .find_map(|o| match o {
            Object::Job(j) => j.spec.as_ref()?.template.spec.clone(),
            _ => None,
        })
        .expect("a Job with a pod")
}

fn model_job(model: &str) -> String {
    format!(
        "[app]\nname = \"cat\"\n\n[jobs.run]\nimage = \"registry.example.com/run:1.0@sha256:{}\"\ndeadline = \"1h\"\nmodel = {model}\n",
        "0".repeat(64)
    )
}

#[test]
fn every_model_source_builds_in_every_shape() {
    for (scheme, source) in &catalog().sources {
        let uri = format!("{scheme}://bucket-or-org/model@v1");
        for (shape, extra) in [
            ("emptyDir", ""),
            ("secret", ", secret = \"model-creds\""),
            ("new cache", ", cache = { size = \"10Gi\" }"),
            ("existing cache", ", cache = { claim = \"weights\" }"),
        ] {
            let objects = build(&model_job(&format!("{{ uri = \"{uri}\"{extra} }}")));
            let pod = job_pod(&objects);
            let init = &pod.init_containers.as_ref().expect("a downloader")[0];
            assert_eq!(init.image.as_deref(), Some(source.image.as_str()));
            let argv: Vec<&String> = init.command.iter().chain(&init.args).flatten().collect();
            assert!(
                argv.iter().any(|a| *a == "/models"),
                "{scheme} {shape}: {argv:?}"
            );
            let volume = pod
                .volumes
                .iter()
                .flatten()
                .find(|v| v.name == "model")
                .expect("the model volume");
            let claims = objects
                .iter()
                .filter(|o| matches!(o, Object::PersistentVolumeClaim(_)))
                .count();
            match shape {
                "new cache" => {
                    assert_eq!(claims, 1, "{scheme}");
                    let claim = volume.persistent_volume_claim.as_ref().expect("a claim");
                    assert_eq!(claim.claim_name, "cat-run-model");
                    assert_eq!(
                        init.command.as_deref(),
                        Some(&["/bin/sh".to_string(), "-c".to_string()][..])
                    );
                }
                "existing cache" => {
                    assert_eq!(claims, 0);
                    let claim = volume.persistent_volume_claim.as_ref().expect("a claim");
                    assert_eq!(claim.claim_name, "weights");
                }
                _ => {
                    assert_eq!(claims, 0);
                    assert!(volume.empty_dir.is_some(), "{scheme} {shape}");
                }
            }
            if shape == "secret" {
                let secret = source
                    .secret_file
                    .as_ref()
                    .expect("built-in sources read a file");
                let mount = init
                    .volume_mounts
                    .iter()
                    .flatten()
                    .find(|m| m.mount_path == secret.path)
                    .expect("the credentials file");
                assert_eq!(mount.sub_path.as_deref(), Some(secret.key.as_str()));
                assert_eq!(mount.read_only, Some(true));
            }
            let main = &pod.containers[0];
            let mount = main
                .volume_mounts
                .iter()
                .flatten()
                .find(|m| m.name == "model")
                .expect("the workload mounts the model");
            assert_eq!(
                (mount.mount_path.as_str(), mount.read_only),
                ("/models", Some(true))
            );
        }
    }
}

#[test]
fn a_pvc_model_is_mounted_read_only_without_a_download() {
    let objects = build(&model_job(
        "{ uri = \"pvc://model-store/scorer/v3\", path = \"/opt/model\" }",
    ));
    let pod = job_pod(&objects);
    assert!(pod.init_containers.is_none());
    let volume = pod
        .volumes
        .iter()
        .flatten()
        .find(|v| v.name == "model")
        .expect("volume");
    let claim = volume.persistent_volume_claim.as_ref().expect("the claim");
    assert_eq!(
        (claim.claim_name.as_str(), claim.read_only),
        ("model-store", Some(true))
    );
    let mount = pod.containers[0]
        .volume_mounts
        .iter()
        .flatten()
        .find(|m| m.name == "model")
        .expect("mount");
    assert_eq!(mount.mount_path, "/opt/model");
    assert_eq!(mount.sub_path.as_deref(), Some("scorer/v3"));
}
