//! The cloud provider a spec targets (`[app] provider`, else `--provider`, else `generic`):
//! its labels replace the accelerators' own in the catalog the rest of resolve reads, so every
//! node selector an accelerator adds is the one that provider's nodes carry, and its internal
//! load balancer annotation becomes the Services' (`service.internal`) and its `monitor` the
//! servers' default collector.

use std::borrow::Cow;

use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::source::Span;
use crate::spec::Spec;
use crate::stdlib::{Catalog, DEFAULT_PROVIDER};
use crate::values::suggest::suggest;

/// The catalog as seen from the spec's provider; an unknown provider is E0204 (and leaves the
/// catalog as it is), whether the spec names it or `--provider` (`default`) does.
pub fn catalog<'a>(
    spec: &Spec,
    catalog: &'a Catalog,
    default: Option<&str>,
) -> (Cow<'a, Catalog>, Diagnostics) {
    let mut d = Diagnostics::default();
    if let Some(flag) = default.filter(|n| catalog.provider(n).is_none()) {
        d.push(
            unknown(
                catalog,
                flag,
                format!("`--provider {flag}` names no provider the catalog has"),
            )
            .at(Span::file_start(), "built with this flag"),
        );
    }
    let name = match &spec.app.provider {
        Some(p) => {
            if catalog.provider(&p.v).is_none() {
                d.push(
                    unknown(
                        catalog,
                        &p.v,
                        format!("the catalog has no provider `{}`", p.v),
                    )
                    .at(p.span, "unknown provider"),
                );
                return (Cow::Borrowed(catalog), d);
            }
            p.v.as_str()
        }
        None if !d.is_empty() => return (Cow::Borrowed(catalog), d),
        None => default.unwrap_or(DEFAULT_PROVIDER),
    };
    match catalog.provider(name) {
        Some(p)
            if p.changes_accelerators()
                || !p.internal_load_balancer.is_empty()
                || p.monitor.is_some() =>
        {
            let mut own = catalog.clone();
            for (acc, entry) in own.accelerators.iter_mut() {
                *entry = p.accelerator(acc, entry);
            }
            own.defaults.service.internal = p.internal_load_balancer.clone();
            if let Some(m) = &p.monitor {
                own.defaults.metrics.monitor = m.clone();
            }
            (Cow::Owned(own), d)
        }
        _ => (Cow::Borrowed(catalog), d),
    }
}

/// E0204 for `name`, with the providers the catalog has (the caller adds the label).
fn unknown(catalog: &Catalog, name: &str, message: String) -> Diagnostic {
    let names: Vec<&String> = catalog.providers.keys().collect();
    let hint =
        suggest(name, names.iter()).map_or(String::new(), |s| format!("did you mean `{s}`? "));
    Diagnostic::new(&codes::E0204, message).help(format!(
        "{hint}providers: {} (`mlspec stdlib list`); a user catalog's providers.toml can add yours",
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use crate::compile_str;

    fn pod(spec: &str) -> serde_json::Value {
        let (objects, d) = compile_str(spec);
        assert!(!d.has_errors(), "{d:?}");
        let job = objects.iter().find(|o| o.kind() == "Job").expect("a Job");
        let v = serde_json::to_value(job).expect("json");
        v.pointer("/spec/template/spec").cloned().expect("a pod")
    }

    fn spec(provider: &str, accelerator: &str) -> String {
        format!(
            "[app]\nname = \"p\"\nprovider = \"{provider}\"\n[jobs.run]\nimage = \"busybox:1.36\"\ndeadline = \"1h\"\nresources = {{ accelerator = \"{accelerator}\" }}\n"
        )
    }

    #[test]
    fn eks_managed_node_groups_select_cluster_autoscalers_gpu_label() {
        let p = pod(&spec("eks-managed", "nvidia-l4"));
        assert_eq!(
            p["nodeSelector"],
            serde_json::json!({"k8s.amazonaws.com/accelerator": "nvidia-l4"})
        );
    }

    #[test]
    fn the_aks_docs_gpu_pools_are_selected_by_aks_label_and_their_taint_tolerated() {
        let p = pod(&spec("aks-device-plugin", "nvidia-a100-80gb"));
        assert_eq!(
            p["nodeSelector"],
            serde_json::json!({"kubernetes.azure.com/accelerator": "nvidia"})
        );
        let tolerations = p["tolerations"].as_array().expect("tolerations");
        assert!(
            tolerations
                .iter()
                .any(|t| t["key"] == "sku" && t["value"] == "gpu" && t["operator"] == "Equal"),
            "{tolerations:?}"
        );
        assert!(
            tolerations.iter().any(|t| t["key"] == "nvidia.com/gpu"),
            "{tolerations:?}"
        );
    }

    #[test]
    fn device_only_asks_for_the_device_and_selects_nothing() {
        let p = pod(&spec("device-only", "nvidia-h100-80gb"));
        assert!(p.get("nodeSelector").is_none(), "{p}");
        assert_eq!(
            p["containers"][0]["resources"]["limits"]["nvidia.com/gpu"],
            "1"
        );
        assert!(p["tolerations"].is_array(), "the taint is still tolerated");
    }

    #[test]
    fn karpenter_selects_neuron_nodes_by_accelerator_name() {
        let p = pod(&spec("eks", "aws-trainium2"));
        assert_eq!(
            p["nodeSelector"],
            serde_json::json!({"karpenter.k8s.aws/instance-accelerator-name": "trainium2"})
        );
    }
}
