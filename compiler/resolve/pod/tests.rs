//! The pod's keys end to end: each spec is compiled, and what a key changes is read from the
//! generated objects (as JSON) or the diagnostics.

use serde_json::Value;

use crate::diagnostics::Diagnostics;

use crate::resolve::testing::compiled as build;

/// The codes reported, but the warnings every small test spec gets (one replica, a catalog
/// downloader pinned by tag).
fn codes(d: &Diagnostics) -> Vec<&'static str> {
    d.iter()
        .map(|x| x.code.id)
        .filter(|c| !["W0004", "W0002"].contains(c))
        .collect()
}

/// The object of `kind`, and the pod spec in it when it has one.
fn find<'a>(objects: &'a [Value], kind: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {objects:#?}"))
}

fn pod(objects: &[Value]) -> &Value {
    let o = objects
        .iter()
        .find(|o| ["Deployment", "Job"].contains(&o["kind"].as_str().unwrap_or_default()))
        .or_else(|| objects.iter().find(|o| o["kind"] == "CronJob"))
        .expect("a pod-bearing object");
    o.pointer("/spec/template/spec")
        .or_else(|| o.pointer("/spec/jobTemplate/spec/template/spec"))
        .expect("a pod spec")
}

fn main(objects: &[Value]) -> &Value {
    &pod(objects)["containers"][0]
}

const IMAGE: &str = "registry.example.com/team/app:1.0.0@sha256:0000000000000000000000000000000000000000000000000000000000000000";

fn server(extra: &str) -> String {
    format!("[app]\nname = \"m\"\n\n[serve]\nimage = \"{IMAGE}\"\n{extra}\n")
}

fn job(extra: &str) -> String {
    format!("[app]\nname = \"m\"\n\n[jobs.train]\nimage = \"{IMAGE}\"\n{extra}\n")
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

fn env_names(c: &Value) -> Vec<&str> {
    c["env"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["name"].as_str())
        .collect()
}

#[test]
fn vllm_listens_on_the_port_the_spec_gives() {
    let (o, d) = build(&server(
        "runtime = \"vllm\"\nmodel_name = \"org/m\"\nport = 9000",
    ));
    assert!(!d.has_errors(), "{d:?}");
    let c = main(&o);
    let args = strings(&c["args"]);
    assert!(args.windows(2).any(|w| w == ["--port", "9000"]), "{args:?}");
    assert_eq!(c["ports"][0]["containerPort"], 9000);
    assert_eq!(c["readinessProbe"]["httpGet"]["port"], "http");
}

#[test]
fn a_port_flag_in_args_must_be_the_container_port() {
    let (_, d) = build(&server("runtime = \"vllm\"\nargs = [\"--port\", \"9000\"]"));
    assert_eq!(codes(&d), ["E0165"], "{d:?}");
    let (_, d) = build(&server("runtime = \"tgi\"\nenv = { PORT = \"80\" }"));
    assert!(codes(&d).contains(&"E0165"), "{d:?}");
    // The same port, or the flag written with `=`, is fine: it is passed once, from `args`.
    let (o, d) = build(&server("runtime = \"vllm\"\nargs = [\"--port=8000\"]"));
    assert!(!d.has_errors(), "{d:?}");
    let args = strings(&main(&o)["args"]);
    assert_eq!(
        args.iter().filter(|a| a.starts_with("--port")).count(),
        1,
        "{args:?}"
    );
}

#[test]
fn a_runtime_flag_repeated_in_args_is_passed_once_with_the_specs_value() {
    let (o, d) = build(&server(
        "runtime = \"sglang\"\nmodel_name = \"org/m\"\nargs = [\"--host\", \"127.0.0.1\", \"--enable-metrics\"]",
    ));
    assert!(!d.has_errors(), "{d:?}");
    let args = strings(&main(&o)["args"]);
    assert_eq!(
        args.iter().filter(|a| **a == "--host").count(),
        1,
        "{args:?}"
    );
    assert_eq!(
        args.iter().filter(|a| **a == "0.0.0.0").count(),
        0,
        "{args:?}"
    );
    assert_eq!(
        args.iter().filter(|a| **a == "--enable-metrics").count(),
        1,
        "{args:?}"
    );
    assert!(
        args.windows(2).any(|w| w == ["--port", "30000"]),
        "{args:?}"
    );
}

#[test]
fn editing_files_renames_the_config_map_so_pods_roll_out() {
    let name = |content: &str| {
        let (o, d) = build(&server(&format!(
            "files = {{ \"/etc/app/config.yaml\" = \"{content}\" }}"
        )));
        assert!(!d.has_errors(), "{d:?}");
        let cm = find(&o, "ConfigMap");
        assert_eq!(cm["immutable"], true);
        let volume = pod(&o)["volumes"]
            .as_array()
            .and_then(|v| v.iter().find(|v| v["name"] == "files"))
            .expect("files volume")["configMap"]["name"]
            .clone();
        assert_eq!(cm["metadata"]["name"], volume);
        volume.as_str().unwrap_or_default().to_string()
    };
    let a = name("threshold: 0.8");
    assert_eq!(a, name("threshold: 0.8"), "the same content keeps its name");
    let b = name("threshold: 0.9");
    assert_ne!(a, b);
    assert!(
        a.starts_with("m-files-") && a.len() == "m-files-".len() + 10,
        "{a}"
    );
}

#[test]
fn the_downloader_grows_with_the_model_or_takes_the_specs_resources() {
    let downloader = |model: &str| {
        let (o, d) = build(&server(&format!("model = {model}")));
        assert!(!d.has_errors(), "{d:?}");
        let init = &pod(&o)["initContainers"][0];
        assert_eq!(init["name"], "model-download");
        (
            init["resources"]["limits"]["cpu"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            init["resources"]["limits"]["memory"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    };
    let small = downloader("{ uri = \"gs://b/m\" }");
    assert_eq!(small, ("1".to_string(), "2Gi".to_string()));
    let large = downloader("{ uri = \"gs://b/m\", size = \"200Gi\" }");
    assert_eq!(large, ("2".to_string(), "4Gi".to_string()));
    let cached = downloader(
        "{ uri = \"gs://b/m\", cache = { size = \"500Gi\", access = \"read-write-many\" } }",
    );
    assert_eq!(cached, ("4".to_string(), "8Gi".to_string()));
    let given = downloader("{ uri = \"gs://b/m\", size = \"200Gi\", resources = { cpu = \"8\" } }");
    assert_eq!(given, ("8".to_string(), "4Gi".to_string()));
}

#[test]
fn a_mounted_model_shrinks_the_cache_the_server_would_have_downloaded_into() {
    let cache = |extra: &str| {
        let (o, d) = build(&server(&format!(
            "runtime = \"vllm\"\nmodel_name = \"org/m\"\n{extra}"
        )));
        assert!(!d.has_errors(), "{d:?}");
        let p = pod(&o);
        let size = p["volumes"]
            .as_array()
            .and_then(|v| v.iter().find(|v| v["name"] == "cache"))
            .expect("cache")["emptyDir"]["sizeLimit"]
            .clone();
        let storage = p["containers"][0]["resources"]["limits"]["ephemeral-storage"].clone();
        (size, storage)
    };
    assert_eq!(cache(""), (Value::from("50Gi"), Value::from("53Gi")));
    // With the model on a claim, only the compile caches are left in /cache.
    assert_eq!(
        cache("model = { uri = \"pvc://weights/m\" }"),
        (Value::from("5Gi"), Value::from("8Gi"))
    );
}

#[test]
fn env_is_in_name_order_unless_a_reference_needs_another() {
    let (o, d) = build(&job(
        "env = { B_DIR = \"$(Z_ROOT)/b\", A = \"1\", Z_ROOT = \"/data\", LITERAL = \"$$(Z_ROOT)\" }",
    ));
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(env_names(main(&o)), ["A", "LITERAL", "Z_ROOT", "B_DIR"]);
    // Without references, name order as always.
    let (o, _) = build(&job("env = { B = \"1\", A = \"2\" }"));
    assert_eq!(env_names(main(&o)), ["A", "B"]);
}

#[test]
fn a_reference_to_no_variable_or_a_cycle_is_an_error() {
    let (_, d) = build(&job("env = { DIR = \"$(ROOT)/x\" }"));
    assert_eq!(codes(&d), ["E0160"], "{d:?}");
    let (_, d) = build(&job("env = { A = \"$(B)\", B = \"$(A)\" }"));
    assert_eq!(codes(&d), ["E0160"], "{d:?}");
    // `env_from` may define it: mlspec cannot know, so it lets it pass.
    let (o, d) = build(&job(
        "env = { DIR = \"$(ROOT)/x\" }\nenv_from = [{ config_map = \"paths\" }]",
    ));
    assert!(!d.has_errors(), "{d:?}");
    assert_eq!(main(&o)["envFrom"][0]["configMapRef"]["name"], "paths");
}

#[test]
fn field_env_reads_the_pod_and_secret_env_any_key() {
    let (o, d) = build(&job(
        "field_env = { POD_IP = \"status.podIP\", INDEX = \"metadata.labels['batch.kubernetes.io/job-completion-index']\" }",
    ));
    assert!(!d.has_errors(), "{d:?}");
    let env = &main(&o)["env"];
    assert_eq!(env[1]["name"], "POD_IP");
    assert_eq!(env[1]["valueFrom"]["fieldRef"]["fieldPath"], "status.podIP");
    let (_, d) = build(&job("field_env = { IP = \"status.ip\" }"));
    assert_eq!(codes(&d), ["E0162"], "{d:?}");
    let (_, d) = build(&job(
        "env = { IP = \"x\" }\nfield_env = { IP = \"status.podIP\" }",
    ));
    assert_eq!(codes(&d), ["E0128"], "{d:?}");
}

#[test]
fn volumes_mount_every_source_and_resize_scratch_space() {
    let (o, d) = build(&job(r#"volumes = [
  { path = "/tmp", size = "10Gi" },
  { path = "/work", size = "100Gi" },
  { path = "/secrets/hf", secret = "hf-token" },
  { path = "/etc/buckets", config_map = "buckets" },
  { path = "/datasets", claim = "datasets" },
  { path = "/checkpoints", claim = "ckpt", read_only = false },
  { path = "/scratch", ephemeral = { size = "500Gi", storage_class = "premium-rwo" } },
  { name = "gcs", path = "/gcs", csi = { driver = "gcsfuse.csi.storage.gke.io", attributes = { bucketName = "b" } } },
]
work_dir = "/work""#));
    assert!(!d.has_errors(), "{d:?}");
    let p = pod(&o);
    let volumes: Vec<&str> = p["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["name"].as_str())
        .collect();
    assert_eq!(
        volumes,
        [
            "checkpoints",
            "datasets",
            "etc-buckets",
            "gcs",
            "scratch",
            "secrets-hf",
            "tmp",
            "work"
        ]
    );
    let volume = |name: &str| {
        p["volumes"]
            .as_array()
            .and_then(|v| v.iter().find(|v| v["name"] == name))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(volume("tmp")["emptyDir"]["sizeLimit"], "10Gi");
    assert_eq!(
        volume("datasets")["persistentVolumeClaim"]["readOnly"],
        true
    );
    assert_eq!(
        volume("checkpoints")["persistentVolumeClaim"].get("readOnly"),
        None
    );
    assert_eq!(volume("secrets-hf")["secret"]["defaultMode"], 0o440);
    assert_eq!(volume("gcs")["csi"]["readOnly"], true);
    assert_eq!(
        volume("scratch")["ephemeral"]["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"],
        "500Gi"
    );
    let c = main(&o);
    assert_eq!(c["workingDir"], "/work");
    // 1Gi headroom + 10Gi /tmp + 100Gi /work.
    assert_eq!(c["resources"]["limits"]["ephemeral-storage"], "111Gi");
    let read_only: Vec<(&str, bool)> = c["volumeMounts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            (
                m["mountPath"].as_str().unwrap_or_default(),
                m["readOnly"] == true,
            )
        })
        .collect();
    assert!(read_only.contains(&("/secrets/hf", true)), "{read_only:?}");
    assert!(
        read_only.contains(&("/checkpoints", false)),
        "{read_only:?}"
    );
}

#[test]
fn volume_misuse_is_coded() {
    let cases = [
        (
            "{ path = \"/cache\", claim = \"c\" }",
            "E0161",
            "runtime = \"vllm\"",
        ),
        (
            "{ path = \"/data\", size = \"1Gi\", claim = \"c\" }",
            "E0169",
            "",
        ),
        ("{ path = \"/data\" }", "E0169", ""),
        (
            "{ path = \"/data\", secret = \"s\", read_only = false }",
            "E0169",
            "",
        ),
        ("{ path = \"data\", size = \"1Gi\" }", "E0130", ""),
        (
            "{ path = \"/sock\", host_path = \"/var/run/docker.sock\" }",
            "E0166",
            "",
        ),
        ("{ path = \"/\", size = \"1Gi\" }", "E0130", ""),
    ];
    for (volume, code, extra) in cases {
        let (_, d) = build(&server(&format!("{extra}\nvolumes = [{volume}]")));
        assert!(codes(&d).contains(&code), "{volume}: {d:?}");
    }
    let (_, d) = build(&server(
        "volumes = [{ path = \"/a\", size = \"1Gi\" }, { path = \"/a\", claim = \"c\" }]",
    ));
    assert_eq!(codes(&d), ["E0161"], "{d:?}");
    let (o, d) = build(&server(
        "volumes = [{ path = \"/dev/infiniband\", host_path = \"/dev/infiniband\" }]",
    ));
    assert_eq!(codes(&d), ["W0026"], "{d:?}");
    assert!(o.is_empty() || pod(&o)["volumes"].to_string().contains("hostPath"));
}

#[test]
fn relaxations_are_named_warnings_and_reach_the_security_context() {
    let (o, d) = build(&job(
        "[jobs.train.security]\nrun_as_user = 1000\nwritable_root = true\ncapabilities = [\"IPC_LOCK\"]\nhost_network = true\nhost_ipc = true",
    ));
    assert_eq!(codes(&d), ["W0020", "W0021", "W0022", "W0022"], "{d:?}");
    let p = pod(&o);
    assert_eq!(p["hostNetwork"], true);
    assert_eq!(p["hostIPC"], true);
    assert_eq!(p["dnsPolicy"], "ClusterFirstWithHostNet");
    assert_eq!(p["securityContext"]["runAsUser"], 1000);
    let sc = &main(&o)["securityContext"];
    assert_eq!(sc["readOnlyRootFilesystem"], false);
    assert_eq!(sc["capabilities"]["add"][0], "IPC_LOCK");
    assert_eq!(sc["capabilities"]["drop"][0], "ALL");
    assert_eq!(sc["allowPrivilegeEscalation"], false);
    let (o, d) = build(&job("security = { run_as_user = 0 }"));
    assert_eq!(codes(&d), ["W0023"], "{d:?}");
    assert_eq!(pod(&o)["securityContext"]["runAsNonRoot"], false);
    let (_, d) = build(&job(
        "security = { capabilities = [\"SYS_ADMIN\", \"CAP_NET_RAW\"] }",
    ));
    assert_eq!(codes(&d), ["E0167", "E0167"], "{d:?}");
}

#[test]
fn a_port_below_1024_without_net_bind_service_is_warned() {
    let (_, d) = build(&server("port = 80"));
    assert!(codes(&d).contains(&"W0031"), "{d:?}");
    let (_, d) = build(&server(
        "port = 80\nsecurity = { capabilities = [\"NET_BIND_SERVICE\"] }",
    ));
    assert!(!codes(&d).contains(&"W0031"), "{d:?}");
}

#[test]
fn requests_below_limits_are_burstable_and_warned() {
    let (o, d) = build(&server(
        "[serve.resources]\ncpu = \"4\"\nmemory = \"16Gi\"\nrequests = { cpu = \"1\", memory = \"8Gi\" }",
    ));
    assert!(
        codes(&d).contains(&"W0003") && codes(&d).contains(&"W0025"),
        "{d:?}"
    );
    let r = &main(&o)["resources"];
    assert_eq!(r["requests"]["memory"], "8Gi");
    assert_eq!(r["limits"]["memory"], "16Gi");
    assert_eq!(r["requests"]["cpu"], "1");
    assert_eq!(r["limits"]["cpu"], "4");
    let (_, d) = build(&server(
        "[serve.resources]\nmemory = \"16Gi\"\nrequests = { memory = \"32Gi\" }",
    ));
    assert!(codes(&d).contains(&"E0104"), "{d:?}");
    // Ephemeral storage's default limit (2Gi: /tmp and headroom) is known once the volumes are.
    let (o, d) = build(&job(
        "resources = { requests = { ephemeral_storage = \"1Gi\" } }",
    ));
    assert_eq!(codes(&d), ["W0025"], "{d:?}");
    assert_eq!(
        main(&o)["resources"]["requests"]["ephemeral-storage"],
        "1Gi"
    );
    let (_, d) = build(&job(
        "resources = { requests = { ephemeral_storage = \"2Gi\" } }",
    ));
    assert_eq!(codes(&d), Vec::<&str>::new(), "{d:?}");
    let (_, d) = build(&job(
        "resources = { requests = { ephemeral_storage = \"3Gi\" } }",
    ));
    assert_eq!(codes(&d), ["E0104"], "{d:?}");
}

#[test]
fn a_service_account_binds_its_rules_and_mounts_its_token_only_when_asked() {
    let (o, d) = build(&server(
        "[serve.service_account]\nrules = [{ resources = [\"pods\"], verbs = [\"get\", \"list\", \"watch\", \"patch\"] }]\ntoken = true",
    ));
    assert_eq!(codes(&d), ["W0024"], "{d:?}");
    let role = find(&o, "Role");
    assert_eq!(role["rules"][0]["apiGroups"][0], "");
    assert_eq!(
        strings(&role["rules"][0]["verbs"]),
        ["get", "list", "watch", "patch"]
    );
    let binding = find(&o, "RoleBinding");
    assert_eq!(binding["roleRef"]["name"], "m");
    assert_eq!(binding["subjects"][0]["name"], "m");
    assert_eq!(pod(&o)["automountServiceAccountToken"], true);
    // The kind order: the account, then its Role and binding, before the workload.
    let kinds: Vec<&str> = o.iter().filter_map(|x| x["kind"].as_str()).collect();
    let at = |k: &str| kinds.iter().position(|x| *x == k).unwrap_or(usize::MAX);
    assert!(at("ServiceAccount") < at("Role") && at("Role") < at("RoleBinding"));
    assert!(at("RoleBinding") < at("Deployment"));
}

#[test]
fn an_existing_account_is_used_as_it_is() {
    let (o, d) = build(&job("service_account = { name = \"trainer\" }"));
    assert!(!d.has_errors(), "{d:?}");
    assert!(!o.iter().any(|x| x["kind"] == "ServiceAccount"));
    assert_eq!(pod(&o)["serviceAccountName"], "trainer");
    assert_eq!(pod(&o)["automountServiceAccountToken"], false);
    let (_, d) = build(&job(
        "service_account = { name = \"trainer\", rules = [{ resources = [\"pods\"], verbs = [\"get\"] }] }",
    ));
    assert_eq!(codes(&d), ["E0164"], "{d:?}");
    let (_, d) = build(&job(
        "service_account = { rules = [{ resources = [\"*\"], verbs = [\"get\", \"steal\"] }] }",
    ));
    assert_eq!(codes(&d), ["E0168", "E0168"], "{d:?}");
    let (o, _) = build(&job(
        "service_account = { annotations = { \"iam.gke.io/gcp-service-account\" = \"t@p.iam.gserviceaccount.com\" } }",
    ));
    assert_eq!(
        find(&o, "ServiceAccount")["metadata"]["annotations"]["iam.gke.io/gcp-service-account"],
        "t@p.iam.gserviceaccount.com"
    );
}

#[test]
fn probes_of_every_kind_on_the_containers_own_ports() {
    let (o, d) = build(&server(
        "ports = [{ name = \"grpc\", port = 9000 }, { name = \"http\", port = 8080 }]\n[serve.health]\nreadiness = { grpc = \"grpc\", service = \"inference\" }\nliveness = { exec = [\"cat\", \"/tmp/alive\"] }\nstartup = { http = \"/ready\", port = 8080 }",
    ));
    assert!(!d.has_errors(), "{d:?}");
    let c = main(&o);
    assert_eq!(c["readinessProbe"]["grpc"]["port"], 9000);
    assert_eq!(c["readinessProbe"]["grpc"]["service"], "inference");
    assert_eq!(c["livenessProbe"]["exec"]["command"][1], "/tmp/alive");
    assert_eq!(c["startupProbe"]["httpGet"]["port"], 8080);
    let (_, d) = build(&server("[serve.health]\nreadiness = { tcp = 9999 }"));
    assert_eq!(codes(&d), ["E0163"], "{d:?}");
    let (o, d) = build(&server("[serve.health]\nliveness = false"));
    assert!(!d.has_errors(), "{d:?}");
    assert!(main(&o).get("livenessProbe").is_none());
    // A gRPC readiness check used again for liveness becomes a TCP check of its port.
    let (o, _) = build(&server(
        "ports = [{ name = \"grpc\", port = 9000 }]\nhealth = { readiness = { grpc = 9000 }, liveness = { grpc = 9000 } }",
    ));
    assert_eq!(main(&o)["livenessProbe"]["tcpSocket"]["port"], 9000);
}

#[test]
fn sidecars_run_beside_the_main_container_and_publish_their_ports() {
    let (o, d) = build(&server(
        r#"ports = [{ name = "grpc", port = 9000 }]
health = { readiness = { tcp = "grpc" }, liveness = false }

[[serve.sidecars]]
name = "http"
image = "registry.example.com/front:1.0.0"
ports = [{ name = "http", port = 8000 }]
health = { readiness = "/healthcheck" }
volumes = [{ name = "tmp", path = "/scratch" }]

[[serve.init]]
name = "prepare"
image = "registry.example.com/prepare:1.0.0"
command = ["prepare"]"#,
    ));
    assert!(!d.has_errors(), "{d:?}");
    let p = pod(&o);
    let init: Vec<(&str, Option<&str>)> = p["initContainers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default(),
                c["restartPolicy"].as_str(),
            )
        })
        .collect();
    assert_eq!(init, [("http", Some("Always")), ("prepare", None)]);
    let sidecar = &p["initContainers"][0];
    assert_eq!(sidecar["readinessProbe"]["httpGet"]["port"], "http");
    assert_eq!(sidecar["resources"]["limits"]["memory"], "256Mi");
    let mounts: Vec<&str> = sidecar["volumeMounts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["mountPath"].as_str())
        .collect();
    assert_eq!(mounts, ["/scratch", "/tmp"]);
    let service = find(&o, "Service");
    assert_eq!(service["spec"]["ports"][1]["targetPort"], 8000);
    assert_eq!(service["spec"]["ports"][1]["port"], 8000);
    let (_, d) = build(&server(
        "[[serve.sidecars]]\nname = \"server\"\nimage = \"registry.example.com/front:1.0.0\"",
    ));
    assert!(codes(&d).contains(&"E0170"), "{d:?}");
    // The downloader's name is taken only when there is one.
    let init = "[[serve.init]]\nname = \"prepare\"\nimage = \"registry.example.com/prepare:1.0.0\"";
    let (_, d) = build(&server(&format!(
        "model = {{ uri = \"pvc://weights/m\" }}\n{init}"
    )));
    assert!(!d.has_errors(), "{d:?}");
    let (_, d) = build(&server(&format!(
        "model = {{ uri = \"gs://b/m\" }}\n{}",
        init.replace("prepare\"", "model-download\"")
    )));
    assert!(codes(&d).contains(&"E0170"), "{d:?}");
    let (_, d) = build(&server(
        "[[serve.sidecars]]\nname = \"web\"\nimage = \"registry.example.com/front:1.0.0\"\nports = [{ name = \"http\", port = 8000 }]",
    ));
    assert!(codes(&d).contains(&"E0123"), "{d:?}");
}

#[test]
fn pulls_and_pod_annotations() {
    let (o, d) = build(&job(
        "pull_policy = \"IfNotPresent\"\npull_secrets = [\"regcred\"]\npod_annotations = { \"gke-gcsfuse/volumes\" = \"true\" }",
    ));
    assert_eq!(codes(&d), ["W0030"], "{d:?}");
    let cron_or_job = o.iter().find(|x| x["kind"] == "Job").expect("a Job");
    assert_eq!(
        cron_or_job["spec"]["template"]["metadata"]["annotations"]["gke-gcsfuse/volumes"],
        "true"
    );
    assert_eq!(pod(&o)["imagePullSecrets"][0]["name"], "regcred");
    assert_eq!(main(&o)["imagePullPolicy"], "IfNotPresent");
}

#[test]
fn model_secret_takes_the_key_the_existing_secret_uses() {
    let (o, d) = build(&server(
        "model = { uri = \"hf://org/m@abc\", secret = \"hf/HF_TOKEN\" }",
    ));
    assert!(!d.has_errors(), "{d:?}");
    let p = pod(&o);
    let creds = p["volumes"]
        .as_array()
        .and_then(|v| v.iter().find(|v| v["name"] == "model-credentials"))
        .expect("credentials");
    assert_eq!(creds["secret"]["items"][0]["key"], "HF_TOKEN");
    let mount = p["initContainers"][0]["volumeMounts"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["name"] == "model-credentials"))
        .expect("mount");
    assert_eq!(mount["subPath"], "HF_TOKEN");
    let (_, d) = build(&server(
        "model = { uri = \"hf://org/m@abc\", secret = \"hf/\" }",
    ));
    assert_eq!(codes(&d), ["E0110"], "{d:?}");
}

#[test]
fn scale_down_behaviour_reaches_the_hpa() {
    let (o, d) = build(&server(
        "[serve.scaling]\nmin = 2\nmax = 8\nscale_down = { stabilization = \"10m\", max = 1, period = \"2m\" }",
    ));
    assert!(!d.has_errors(), "{d:?}");
    let b = &find(&o, "HorizontalPodAutoscaler")["spec"]["behavior"]["scaleDown"];
    assert_eq!(b["stabilizationWindowSeconds"], 600);
    assert_eq!(b["policies"][0]["type"], "Pods");
    assert_eq!(b["policies"][0]["value"], 1);
    assert_eq!(b["policies"][0]["periodSeconds"], 120);
    let (_, d) = build(&server(
        "[serve.scaling]\nreplicas = 2\nscale_down = { max = \"10%\" }",
    ));
    assert!(codes(&d).contains(&"E0007"), "{d:?}");
    let (_, d) = build(&server(
        "[serve.scaling]\nmin = 2\nmax = 4\nscale_down = { max = 0 }",
    ));
    assert!(codes(&d).contains(&"E0116"), "{d:?}");
}

#[test]
fn a_spec_with_none_of_the_new_keys_keeps_every_default() {
    let (o, d) = build(&job(""));
    assert!(!d.has_errors(), "{d:?}");
    let p = pod(&o);
    for key in [
        "hostNetwork",
        "hostIPC",
        "dnsPolicy",
        "imagePullSecrets",
        "initContainers",
    ] {
        assert!(p.get(key).is_none(), "{key}: {p}");
    }
    assert_eq!(p["automountServiceAccountToken"], false);
    let sc = &main(&o)["securityContext"];
    assert_eq!(sc["readOnlyRootFilesystem"], true);
    assert_eq!(sc["runAsNonRoot"], true);
    assert!(sc["capabilities"].get("add").is_none());
    assert!(
        !o.iter()
            .any(|x| x["kind"] == "Role" || x["kind"] == "RoleBinding")
    );
}
