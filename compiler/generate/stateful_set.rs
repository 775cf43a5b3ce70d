//! A stateful server's StatefulSet (`[serve.state]`): the server's pod template, a claim per
//! replica (`volumeClaimTemplates`), the headless Service that names each replica
//! (`serviceName`, written by `service::headless_server`), and how replicas start.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetSpec, StatefulSetUpdateStrategy};
use k8s_openapi::api::core::v1::{
    PersistentVolumeClaim, PersistentVolumeClaimSpec, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{deployment, labels};
use crate::app::{App, Server};

pub fn generate(app: &App, s: &Server) -> Option<StatefulSet> {
    let st = s.state.as_ref()?;
    let w = &s.workload;
    let claims: Vec<PersistentVolumeClaim> = st
        .claims
        .iter()
        .map(|c| PersistentVolumeClaim {
            metadata: ObjectMeta {
                name: Some(c.name.clone()),
                labels: Some(labels::selector(app, &w.name)),
                ..Default::default()
            },
            spec: Some(PersistentVolumeClaimSpec {
                access_modes: Some(vec![c.claim.access.clone()]),
                storage_class_name: c.claim.storage_class.clone(),
                resources: Some(VolumeResourceRequirements {
                    requests: Some(BTreeMap::from([(
                        "storage".to_string(),
                        Quantity(c.claim.size.clone()),
                    )])),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        })
        .collect();
    Some(StatefulSet {
        metadata: labels::workload_meta(app, w),
        spec: Some(StatefulSetSpec {
            replicas: deployment::replicas(s),
            revision_history_limit: Some(s.revision_history_limit),
            selector: labels::label_selector(app, &w.name),
            service_name: Some(st.service.clone()),
            pod_management_policy: Some(st.pod_management.clone()),
            update_strategy: Some(StatefulSetUpdateStrategy {
                type_: Some("RollingUpdate".to_string()),
                rolling_update: None,
            }),
            template: deployment::template(app, s),
            volume_claim_templates: (!claims.is_empty()).then_some(claims),
            ..Default::default()
        }),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use crate::compile_str;
    use crate::resolve::testing::{compiled, documents};
    use serde_json::Value;

    fn build(extra: &str) -> Vec<Value> {
        let spec = format!(
            "[app]\nname = \"kv\"\n[serve]\nimage = \"redis:7.4\"\nport = 6379\n{extra}[serve.state]\nstart = \"ordered\"\nclaims = [{{ name = \"data\", path = \"/data\", size = \"10Gi\", access = \"read-write-once-pod\" }}]\n"
        );
        documents(&spec)
    }

    #[test]
    fn a_stateful_server_is_a_statefulset_with_a_headless_service_and_a_claim_per_replica() {
        let objects = build("scaling = { min = 2, max = 4 }\n");
        let kinds: Vec<&str> = objects.iter().filter_map(|o| o["kind"].as_str()).collect();
        assert!(!kinds.contains(&"Deployment"), "{kinds:?}");
        let set = objects
            .iter()
            .find(|o| o["kind"] == "StatefulSet")
            .expect("a StatefulSet");
        let spec = &set["spec"];
        assert_eq!(spec["podManagementPolicy"], "OrderedReady");
        assert_eq!(spec["serviceName"], "kv-pods");
        assert!(spec.get("replicas").is_none(), "the HPA owns replicas");
        let claim = &spec["volumeClaimTemplates"][0];
        assert_eq!(claim["metadata"]["name"], "data");
        assert_eq!(claim["spec"]["accessModes"][0], "ReadWriteOncePod");
        assert_eq!(claim["spec"]["resources"]["requests"]["storage"], "10Gi");
        let mounts = &spec["template"]["spec"]["containers"][0]["volumeMounts"];
        assert!(
            mounts
                .as_array()
                .expect("mounts")
                .iter()
                .any(|m| m["name"] == "data" && m["mountPath"] == "/data"),
            "{mounts}"
        );
        let headless = objects
            .iter()
            .find(|o| o["kind"] == "Service" && o["metadata"]["name"] == "kv-pods")
            .expect("a headless Service");
        assert_eq!(headless["spec"]["clusterIP"], "None");
        assert_eq!(headless["spec"]["ports"][0]["port"], 6379);
        let hpa = objects
            .iter()
            .find(|o| o["kind"] == "HorizontalPodAutoscaler")
            .expect("an HPA");
        assert_eq!(hpa["spec"]["scaleTargetRef"]["kind"], "StatefulSet");
        let pdb = objects
            .iter()
            .find(|o| o["kind"] == "PodDisruptionBudget")
            .expect("a PDB");
        assert_eq!(
            pdb["spec"]["selector"]["matchLabels"],
            spec["selector"]["matchLabels"]
        );
    }

    #[test]
    fn keda_targets_the_statefulset_too() {
        let objects = build(
            "[serve.scaling]\nmin = 0\nmax = 2\nkeda = { prometheus = { server = \"http://prometheus.monitoring:9090\", query = \"sum(x)\", threshold = 5 } }\n",
        );
        let so = objects
            .iter()
            .find(|o| o["kind"] == "ScaledObject")
            .expect("a ScaledObject");
        assert_eq!(so["spec"]["scaleTargetRef"]["kind"], "StatefulSet");
    }

    #[test]
    fn a_model_cache_becomes_a_claim_per_replica() {
        let (objects, d) = compiled(
            "[app]\nname = \"llm\"\n[serve]\nimage = \"vllm/vllm-openai:v0.6.3\"\nruntime = \"vllm\"\nmodel_name = \"qwen\"\nmodel = { uri = \"hf://Qwen/Qwen2.5-0.5B-Instruct@7ae557604adf67be50417f59c2c2f167def9a775\", cache = { size = \"40Gi\" } }\nscaling = { replicas = 2 }\nresources = { accelerator = \"nvidia-l4\" }\n[serve.state]\n",
        );
        assert!(!d.has_errors(), "{d:?}");
        assert!(!d.iter().any(|x| x.code.id == "E0151"), "{d:?}");
        assert!(
            objects.iter().all(|o| o["kind"] != "PersistentVolumeClaim"),
            "no shared claim"
        );
        let set = objects
            .iter()
            .find(|o| o["kind"] == "StatefulSet")
            .expect("a StatefulSet");
        let claim = &set["spec"]["volumeClaimTemplates"][0];
        assert_eq!(claim["metadata"]["name"], "model");
        assert_eq!(claim["spec"]["resources"]["requests"]["storage"], "40Gi");
        let pod = &set["spec"]["template"]["spec"];
        let volumes = pod["volumes"].as_array().expect("volumes");
        assert!(volumes.iter().all(|v| v["name"] != "model"), "{volumes:?}");
        let init = &pod["initContainers"][0]["volumeMounts"];
        assert!(
            init.as_array()
                .expect("mounts")
                .iter()
                .any(|m| m["name"] == "model"),
            "the downloader fills the replica's claim: {init}"
        );
    }

    #[test]
    fn claims_need_a_path_of_their_own_and_an_absolute_one() {
        for (claim, code) in [
            ("{ name = \"x\", path = \"/tmp\", size = \"1Gi\" }", "E0130"),
            ("{ name = \"x\", path = \"data\", size = \"1Gi\" }", "E0130"),
            ("{ name = \"x\", path = \"/x\", size = \"lots\" }", "E0104"),
            (
                "{ name = \"x\", path = \"/x\", size = \"1Gi\", access = \"rw\" }",
                "E0008",
            ),
        ] {
            let (_, d) = compile_str(&format!(
                "[app]\nname = \"kv\"\n[serve]\nimage = \"redis:7.4\"\n[serve.state]\nclaims = [{claim}]\n"
            ));
            assert!(d.iter().any(|x| x.code.id == code), "{claim}: {d:?}");
        }
    }
}
