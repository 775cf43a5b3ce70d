//! A server over several nodes (`[serve.group]`) as a LeaderWorkerSet: each replica a group of
//! `size` pods, a leader with the server's pod template (ports, probes, metrics) and workers
//! that run the same container without them. The LeaderWorkerSet controller names the pods
//! (`NAME-GROUP`, `NAME-GROUP-WORKER`), gives them `LWS_LEADER_ADDRESS`, `LWS_GROUP_SIZE` and
//! `LWS_WORKER_INDEX`, and recreates a group as a whole when one of its pods restarts.

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::crd::{
    LeaderWorkerSet, LeaderWorkerSetSpec, LeaderWorkerTemplate, LwsRollingUpdate,
    LwsRolloutStrategy,
};
use super::{deployment, labels};
use crate::app::{App, Rollout, Server};

/// The label the LeaderWorkerSet controller gives each pod: its index in its group, `0` for
/// the leader. The server's Service selects the leaders by it.
pub const WORKER_INDEX: &str = "leaderworkerset.sigs.k8s.io/worker-index";

pub fn generate(app: &App, s: &Server) -> Option<LeaderWorkerSet> {
    let g = s.group.as_ref()?;
    let w = &s.workload;
    // The workers run the server's pod without the ports and probes only the leader serves.
    let mut plain = w.clone();
    plain.pod.main.ports.clear();
    plain.pod.main.probes = Default::default();
    if let Some(command) = &g.worker_command {
        plain.pod.main.command = command.clone();
        plain.pod.main.args.clear();
    }
    let mut worker = deployment::server_template(app, s, &plain);
    // No Service sends them requests to drain (no preStop sleep), and they serve no metrics (no
    // scrape annotations).
    if let Some(main) = worker.spec.as_mut().and_then(|p| p.containers.first_mut()) {
        main.lifecycle = None;
    }
    if let Some(a) = worker
        .metadata
        .as_mut()
        .and_then(|m| m.annotations.as_mut())
    {
        a.retain(|k, _| !k.starts_with("prometheus.io/"));
    }
    let rolling = match &s.rollout {
        Rollout::Rolling {
            max_surge,
            max_unavailable,
        } => LwsRollingUpdate {
            max_surge: Some(deployment::int_or_percent(max_surge)),
            max_unavailable: Some(deployment::int_or_percent(max_unavailable)),
        },
        // Every old group goes before a new one starts.
        Rollout::Recreate => LwsRollingUpdate {
            max_surge: Some(IntOrString::Int(0)),
            max_unavailable: Some(IntOrString::String("100%".to_string())),
        },
    };
    Some(LeaderWorkerSet {
        metadata: labels::workload_meta(app, w),
        spec: LeaderWorkerSetSpec {
            leader_worker_template: LeaderWorkerTemplate {
                leader_template: Some(deployment::template(app, s)),
                restart_policy: Some("RecreateGroupOnPodRestart".to_string()),
                size: Some(g.size),
                worker_template: worker,
            },
            replicas: deployment::replicas(s),
            rollout_strategy: Some(LwsRolloutStrategy {
                rolling_update_configuration: Some(rolling),
                type_: "RollingUpdate".to_string(),
            }),
        },
    })
}

#[cfg(test)]
mod tests {
    use crate::resolve::testing::compiled;
    use serde_json::Value;

    const SGLANG: &str = "[app]\nname = \"ds\"\n[serve]\nimage = \"lmsysorg/sglang:v0.4.0-cu124\"\nruntime = \"sglang\"\nmodel_name = \"org/model\"\n";

    fn build(extra: &str) -> (Vec<Value>, crate::diagnostics::Diagnostics) {
        compiled(&format!("{SGLANG}{extra}"))
    }

    fn find<'a>(objects: &'a [Value], kind: &str) -> &'a Value {
        objects
            .iter()
            .find(|o| o["kind"] == kind)
            .unwrap_or_else(|| panic!("a {kind}"))
    }

    #[test]
    fn a_group_is_a_leader_worker_set_whose_leaders_serve() {
        let (objects, d) = build(
            "args = [\"--tp\", \"4\"]\nresources = { accelerator = \"nvidia-l4\", gpus = 2, shm = \"4Gi\" }\nscaling = { min = 2, max = 3 }\n[serve.group]\nsize = 2\n",
        );
        assert!(!d.has_errors(), "{d:?}");
        assert!(objects.iter().all(|o| o["kind"] != "Deployment"));
        let lws = find(&objects, "LeaderWorkerSet");
        assert_eq!(lws["apiVersion"], "leaderworkerset.x-k8s.io/v1");
        let t = &lws["spec"]["leaderWorkerTemplate"];
        assert_eq!(t["size"], 2);
        assert_eq!(t["restartPolicy"], "RecreateGroupOnPodRestart");
        assert!(lws["spec"].get("replicas").is_none(), "the HPA owns groups");
        let leader = &t["leaderTemplate"]["spec"]["containers"][0];
        let worker = &t["workerTemplate"]["spec"]["containers"][0];
        assert!(leader.get("readinessProbe").is_some() && leader.get("ports").is_some());
        assert!(worker.get("readinessProbe").is_none() && worker.get("ports").is_none());
        let args = worker["args"].as_array().expect("args");
        let joined: Vec<&str> = args.iter().filter_map(Value::as_str).collect();
        assert!(
            joined
                .windows(2)
                .any(|w| w == ["--dist-init-addr", "$(LWS_LEADER_ADDRESS):20000"])
                && joined
                    .windows(2)
                    .any(|w| w == ["--node-rank", "$(LWS_WORKER_INDEX)"]),
            "{joined:?}"
        );
        assert_eq!(leader["args"], worker["args"]);
        let svc = find(&objects, "Service");
        assert_eq!(
            svc["spec"]["selector"]["leaderworkerset.sigs.k8s.io/worker-index"],
            "0"
        );
        let hpa = find(&objects, "HorizontalPodAutoscaler");
        assert_eq!(hpa["spec"]["scaleTargetRef"]["kind"], "LeaderWorkerSet");
        assert_eq!(
            hpa["spec"]["scaleTargetRef"]["apiVersion"],
            "leaderworkerset.x-k8s.io/v1"
        );
        let np = find(&objects, "NetworkPolicy");
        let group_rule = np["spec"]["ingress"]
            .as_array()
            .expect("rules")
            .iter()
            .find(|r| {
                r["ports"]
                    .as_array()
                    .is_some_and(|p| p.iter().any(|p| p.get("endPort").is_some()))
            })
            .expect("a rule for the group's ports");
        assert_eq!(
            group_rule["from"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"],
            "ds"
        );
        assert_eq!(group_rule["ports"][0]["port"], 20000);
        assert_eq!(
            (
                group_rule["ports"][1]["port"].as_i64(),
                group_rule["ports"][1]["endPort"].as_i64()
            ),
            (Some(32768), Some(60999))
        );
    }

    #[test]
    fn tensor_parallelism_counts_the_gpus_of_the_whole_group() {
        let spec = |tp: u32| {
            format!(
                "args = [\"--tp\", \"{tp}\"]\nresources = {{ accelerator = \"nvidia-l4\", gpus = 2, shm = \"4Gi\" }}\n[serve.group]\nsize = 2\n"
            )
        };
        let (_, d) = build(&spec(4));
        assert!(!d.iter().any(|x| x.code.id == "E0132"), "{d:?}");
        let (_, d) = build(&spec(2));
        let e = d.iter().find(|x| x.code.id == "E0132").expect("E0132");
        assert!(
            e.message.contains("each group of 2 pods gets 4"),
            "{}",
            e.message
        );
    }

    #[test]
    fn vllm_groups_start_ray_and_pin_its_ports() {
        let (objects, d) = compiled(
            "[app]\nname = \"big\"\n[serve]\nimage = \"vllm/vllm-openai:v0.8.5\"\nruntime = \"vllm\"\nmodel_name = \"org/model\"\nargs = [\"--tensor-parallel-size\", \"2\", \"--pipeline-parallel-size\", \"2\"]\nresources = { accelerator = \"nvidia-l4\", gpus = 2, shm = \"4Gi\" }\n[serve.group]\nsize = 2\n",
        );
        assert!(!d.iter().any(|x| x.code.id.starts_with('E')), "{d:?}");
        let t = &find(&objects, "LeaderWorkerSet")["spec"]["leaderWorkerTemplate"];
        let leader = &t["leaderTemplate"]["spec"]["containers"][0];
        let worker = &t["workerTemplate"]["spec"]["containers"][0];
        let script = |c: &Value| c["command"][2].as_str().unwrap_or_default().to_string();
        assert!(
            script(leader).contains("leader --ray_cluster_size=$(LWS_GROUP_SIZE)")
                && script(leader).ends_with("&& exec \"$@\""),
            "{leader}"
        );
        assert_eq!(leader["command"][4], "python3");
        assert_eq!(leader["args"][0], "--port");
        assert!(
            script(worker).contains("worker --ray_address=$(LWS_LEADER_ADDRESS)"),
            "{worker}"
        );
        assert!(worker.get("args").is_none(), "{worker}");
        let np = find(&objects, "NetworkPolicy");
        let ports = &np["spec"]["ingress"][1]["ports"];
        assert_eq!(ports[0]["port"], 6379);
        assert_eq!(
            (ports[2]["port"].as_i64(), ports[2]["endPort"].as_i64()),
            (Some(10002), Some(19999))
        );
    }

    #[test]
    fn a_pods_patch_reaches_the_leader_and_the_workers() {
        let (objects, d) = build(
            "resources = { accelerator = \"nvidia-l4\" }\n[serve.group]\nsize = 2\n[patches.p]\npods = \"serve\"\nmerge.spec.priorityClassName = \"inference\"\n",
        );
        assert!(!d.has_errors(), "{d:?}");
        let t = &find(&objects, "LeaderWorkerSet")["spec"]["leaderWorkerTemplate"];
        for role in ["leaderTemplate", "workerTemplate"] {
            assert_eq!(t[role]["spec"]["priorityClassName"], "inference", "{role}");
        }
    }

    #[test]
    fn a_group_and_a_state_conflict() {
        let (_, d) = build(
            "[serve.group]\nsize = 2\n[serve.state]\nclaims = [{ name = \"data\", path = \"/data\", size = \"1Gi\" }]\n",
        );
        assert!(d.iter().any(|x| x.code.id == "E0007"), "{d:?}");
    }
}
