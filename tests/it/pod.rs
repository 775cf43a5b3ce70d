//! The pod's identity in examples/vllm-production-stack: the router watches the engines' pods
//! through the API (its own ServiceAccount, a Role on `pods`, a RoleBinding, a mounted token),
//! while the engines keep no token. The bundle verifies for every Kubernetes version, and `place`
//! reads past the RBAC objects.

use mlspec::{emit, place};
use serde_json::Value;

use crate::support::{compile_file, rendered, root};

const EXAMPLE: &str = "examples/vllm-production-stack/app.toml";

/// The example's objects as JSON and its diagnostics' codes, after checking it builds.
fn build() -> (Vec<Value>, Vec<&'static str>) {
    let (source, compiled) = compile_file(&root().join(EXAMPLE), None);
    assert!(
        !compiled.diagnostics.has_errors(),
        "{}",
        rendered(&source, &compiled)
    );
    let codes = compiled.diagnostics.iter().map(|d| d.code.id).collect();
    let json = compiled.objects.iter().map(|o| o.value.clone()).collect();
    (json, codes)
}

/// The object of `kind` named `name`.
fn object<'a>(objects: &'a [Value], kind: &str, name: &str) -> Option<&'a Value> {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
}

fn kind<'a>(objects: &'a [Value], kind: &str) -> Vec<&'a Value> {
    objects.iter().filter(|o| o["kind"] == kind).collect()
}

#[test]
fn the_router_watches_pods_with_its_own_role_and_token() {
    let (o, codes) = build();
    assert_eq!(
        codes,
        ["W0024", "W0008", "W0008"],
        "the token and the waivers stay visible"
    );
    let role = object(&o, "Role", "vllm-router").expect("the router's Role");
    assert_eq!(role["metadata"]["namespace"], "vllm");
    assert_eq!(
        role["rules"],
        serde_json::json!([{ "apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch", "patch"] }])
    );
    let binding = object(&o, "RoleBinding", "vllm-router").expect("its RoleBinding");
    assert_eq!(
        binding["roleRef"],
        serde_json::json!({ "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "vllm-router" })
    );
    assert_eq!(
        binding["subjects"],
        serde_json::json!([{ "kind": "ServiceAccount", "name": "vllm-router", "namespace": "vllm" }])
    );
    let sa = object(&o, "ServiceAccount", "vllm-router").expect("its account");
    assert_eq!(
        sa["automountServiceAccountToken"], false,
        "only the pod asks for it"
    );
    let pod =
        &object(&o, "Deployment", "vllm-router").expect("a Deployment")["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], "vllm-router");
    assert_eq!(pod["automountServiceAccountToken"], true);
    let args: Vec<&str> = pod["containers"][0]["args"]
        .as_array()
        .expect("args")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let selector = args
        .windows(2)
        .find(|w| w[0] == "--k8s-label-selector")
        .map(|w| w[1]);
    assert_eq!(
        selector,
        Some("app.kubernetes.io/name=vllm-llama3"),
        "the router selects the engines' pods by the label they carry"
    );
    let engine = object(&o, "Deployment", "vllm-llama3").expect("the engines");
    assert_eq!(
        engine["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"],
        "vllm-llama3"
    );
}

#[test]
fn the_engines_keep_no_token_and_no_role() {
    let (o, _) = build();
    assert_eq!(kind(&o, "Role").len(), 1, "the router's only");
    assert_eq!(kind(&o, "RoleBinding").len(), 1, "the router's only");
    let pod =
        &object(&o, "Deployment", "vllm-llama3").expect("a Deployment")["spec"]["template"]["spec"];
    assert_eq!(pod["automountServiceAccountToken"], false);
}

#[test]
fn it_verifies_for_every_version_and_place_reads_past_the_rbac_objects() {
    let path = root().join(EXAMPLE);
    let text = std::fs::read_to_string(&path).expect("spec");
    for version in mlspec::verify::KubeVersion::ALL {
        let options = mlspec::Options {
            k8s_version: version,
            ..Default::default()
        };
        let c = mlspec::compile(
            &mlspec::source::SourceFile::new("app.toml", text.clone()),
            &crate::support::catalog(),
            &options,
        );
        assert!(
            !c.diagnostics.has_errors(),
            "{version}: {:?}",
            c.diagnostics
        );
    }
    let (_, compiled) = compile_file(&path, None);
    let (manifests, d) = place::manifests::from_objects(&compiled.objects);
    assert!(d.is_empty(), "{d:?}");
    // Placement keeps the Deployments and, for default spreading, the Services; the ServiceAccount,
    // Role and RoleBinding are passed over.
    let kinds_read: Vec<&str> = manifests
        .iter()
        .map(|m| match m {
            place::Manifest::Deployment(_) => "Deployment",
            place::Manifest::Service(_) => "Service",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds_read,
        ["Service", "Service", "Deployment", "Deployment"],
        "the two Deployments and their Services only"
    );
    let yaml = emit::yaml(&compiled.objects).expect("YAML");
    let kinds: Vec<&str> = yaml
        .lines()
        .filter_map(|l| l.strip_prefix("kind: "))
        .collect();
    let first = |k: &str| kinds.iter().position(|x| *x == k).expect(k);
    let last = |k: &str| kinds.iter().rposition(|x| *x == k).expect(k);
    assert!(last("ServiceAccount") < first("Role"), "{kinds:?}");
    assert!(last("Role") < first("RoleBinding"), "{kinds:?}");
    assert!(last("RoleBinding") < first("Service"), "{kinds:?}");
}
