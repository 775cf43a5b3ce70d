//! The pod's identity across an app of several specs: vLLM's production-stack router watches
//! pods through the API (its own ServiceAccount, a Role on `pods`, a RoleBinding, a mounted
//! token), while its engines keep no token. Both bundles verify, and `place` reads past the RBAC
//! objects.

use mlspec::{emit, place};
use serde_json::Value;

use crate::support::{compile_file, rendered, root};

/// The spec's objects as JSON, after checking it builds.
fn build(name: &str) -> (Vec<Value>, Vec<&'static str>) {
    let (source, compiled) = compile_file(&root().join("tests/pod").join(name), None);
    assert!(
        !compiled.diagnostics.has_errors(),
        "{name}:\n{}",
        rendered(&source, &compiled)
    );
    let codes = compiled.diagnostics.iter().map(|d| d.code.id).collect();
    let json = compiled.objects.iter().map(|o| o.value.clone()).collect();
    (json, codes)
}

fn kind<'a>(objects: &'a [Value], kind: &str) -> Option<&'a Value> {
    objects.iter().find(|o| o["kind"] == kind)
}

#[test]
fn the_router_watches_pods_with_its_own_role_and_token() {
    let (o, codes) = build("vllm-router.toml");
    assert_eq!(
        codes,
        ["W0024", "W0008"],
        "the token and its waiver stay visible"
    );
    let role = kind(&o, "Role").expect("a Role");
    assert_eq!(role["metadata"]["name"], "vllm-router");
    assert_eq!(role["metadata"]["namespace"], "llm");
    assert_eq!(
        role["rules"],
        serde_json::json!([{ "apiGroups": [""], "resources": ["pods"], "verbs": ["get", "watch", "list", "patch"] }])
    );
    let binding = kind(&o, "RoleBinding").expect("a RoleBinding");
    assert_eq!(
        binding["roleRef"],
        serde_json::json!({ "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "vllm-router" })
    );
    assert_eq!(
        binding["subjects"],
        serde_json::json!([{ "kind": "ServiceAccount", "name": "vllm-router", "namespace": "llm" }])
    );
    let sa = kind(&o, "ServiceAccount").expect("its account");
    assert_eq!(
        sa["automountServiceAccountToken"], false,
        "only the pod asks for it"
    );
    let pod = &kind(&o, "Deployment").expect("a Deployment")["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], "vllm-router");
    assert_eq!(pod["automountServiceAccountToken"], true);
}

#[test]
fn the_engines_keep_no_token_and_no_role() {
    let (o, _) = build("vllm-engine.toml");
    assert!(kind(&o, "Role").is_none() && kind(&o, "RoleBinding").is_none());
    let pod = &kind(&o, "Deployment").expect("a Deployment")["spec"]["template"]["spec"];
    assert_eq!(pod["automountServiceAccountToken"], false);
}

#[test]
fn both_verify_for_every_version_and_place_reads_past_the_rbac_objects() {
    for name in ["vllm-router.toml", "vllm-engine.toml"] {
        let path = root().join("tests/pod").join(name);
        let text = std::fs::read_to_string(&path).expect("spec");
        for version in mlspec::verify::KubeVersion::ALL {
            let options = mlspec::Options {
                k8s_version: version,
                ..Default::default()
            };
            let c = mlspec::compile(
                &mlspec::source::SourceFile::new(name, text.clone()),
                &crate::support::catalog(),
                &options,
            );
            assert!(
                !c.diagnostics.has_errors(),
                "{name} {version}: {:?}",
                c.diagnostics
            );
        }
    }
    let (_, compiled) = compile_file(&root().join("tests/pod/vllm-router.toml"), None);
    let (manifests, d) = place::manifests::from_objects(&compiled.objects);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(manifests.len(), 1, "the Deployment only");
    let yaml = emit::yaml(&compiled.objects).expect("YAML");
    let kinds: Vec<&str> = yaml
        .lines()
        .filter_map(|l| l.strip_prefix("kind: "))
        .collect();
    assert_eq!(
        kinds,
        [
            "ServiceAccount",
            "Role",
            "RoleBinding",
            "Service",
            "Deployment",
            "PodDisruptionBudget",
            "NetworkPolicy"
        ]
    );
}
