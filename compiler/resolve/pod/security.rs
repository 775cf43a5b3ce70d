//! Who a pod runs as and what its containers may do beyond the hardened default: each key that
//! weakens it is a named warning (W0020 a writable root, W0021 an added capability, W0022 a host
//! namespace, W0023 root); capabilities that amount to the node are refused (E0167). A port
//! below 1024 that a non-root container cannot bind is W0031.

use super::super::check;
use crate::app::{ContainerSecurity, PodSecurity, Port};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::policy::relaxations;
use crate::source::Span;
use crate::spec::pod::SecuritySpec;
use crate::spec::read::Sp;
use crate::stdlib::Catalog;

/// The pod's identity and namespaces: the catalog's UID/GID unless the spec's `security` says.
pub(super) fn pod(
    d: &mut Diagnostics,
    catalog: &Catalog,
    path: &str,
    s: Option<&SecuritySpec>,
) -> PodSecurity {
    let defaults = &catalog.defaults.security;
    let id = |d: &mut Diagnostics, key: &str, v: Option<&Sp<i64>>, default: i64| match v {
        Some(sp) if (0..=i64::from(i32::MAX)).contains(&sp.v) => sp.v,
        Some(sp) => {
            d.push(
                Diagnostic::new(
                    &codes::E0113,
                    format!("`{path}.security.{key}` must be from 0 to {}, found {}", i32::MAX, sp.v),
                )
                .at(sp.span, "not an ID")
                .help("user and group IDs are whole numbers from 0; above 10000 keeps clear of the node's own users"),
            );
            default
        }
        None => default,
    };
    let out = PodSecurity {
        run_as_user: id(
            d,
            "run_as_user",
            s.and_then(|s| s.run_as_user.as_ref()),
            defaults.run_as_user,
        ),
        run_as_group: id(
            d,
            "run_as_group",
            s.and_then(|s| s.run_as_group.as_ref()),
            defaults.run_as_group,
        ),
        fs_group: id(
            d,
            "fs_group",
            s.and_then(|s| s.fs_group.as_ref()),
            defaults.fs_group,
        ),
        host_network: s.and_then(|s| s.host_network.as_ref()).is_some_and(|b| b.v),
        host_ipc: s.and_then(|s| s.host_ipc.as_ref()).is_some_and(|b| b.v),
    };
    let Some(s) = s else { return out };
    if let Some(u) = s.run_as_user.as_ref().filter(|u| u.v == 0) {
        d.push(relaxations::opened(
            &codes::W0023,
            u.span,
            "root",
            format!("`{path}.security.run_as_user = 0`: every container of the pod runs as root"),
        ));
    }
    for (key, v, namespace) in [
        ("host_network", &s.host_network, "network"),
        ("host_ipc", &s.host_ipc, "IPC"),
    ] {
        if let Some(v) = v.as_ref().filter(|v| v.v) {
            d.push(relaxations::opened(
                &codes::W0022,
                v.span,
                "a host namespace",
                format!(
                    "`{path}.security.{key} = true`: the pod shares the node's {namespace} namespace"
                ),
            ));
        }
    }
    out
}

/// One container's relaxations (`writable_root`, `capabilities`) at `path.security`.
pub(super) fn container(
    d: &mut Diagnostics,
    catalog: &Catalog,
    path: &str,
    writable_root: Option<&Sp<bool>>,
    capabilities: Option<&Vec<Sp<String>>>,
) -> ContainerSecurity {
    let mut out = ContainerSecurity::default();
    if let Some(w) = writable_root.filter(|w| w.v) {
        out.writable_root = true;
        d.push(relaxations::opened(
            &codes::W0020,
            w.span,
            "a writable root filesystem",
            format!(
                "`{path}.security.writable_root = true`: the container can change its own files"
            ),
        ));
    }
    let refused = &catalog.defaults.security.refused_capabilities;
    for c in capabilities.into_iter().flatten() {
        let at = format!("{path}.security.capabilities");
        let name_ok = !c.v.is_empty()
            && !c.v.starts_with("CAP_")
            && c.v
                .chars()
                .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '_');
        if !name_ok {
            let plain = c.v.trim_start_matches("CAP_").to_ascii_uppercase();
            d.push(
                Diagnostic::new(
                    &codes::E0167,
                    format!("`{at}` has {:?}, which is not a capability name", c.v),
                )
                .at(c.span, "not a capability")
                .help(format!(
                    "write it as Kubernetes does, upper case without `CAP_`: `{plain}`"
                )),
            );
            continue;
        }
        if refused.contains(&c.v) {
            d.push(
                Diagnostic::new(
                    &codes::E0167,
                    format!("`{at}` adds `{}`, which is refused in every case", c.v),
                )
                .at(c.span, "as good as privileged")
                .help("add only the capability the program needs (`IPC_LOCK` to pin memory for RDMA, `NET_BIND_SERVICE` for a port below 1024)"),
            );
            continue;
        }
        if out.capabilities.contains(&c.v) {
            continue;
        }
        d.push(relaxations::opened(
            &codes::W0021,
            c.span,
            "an added capability",
            format!(
                "`{at}` adds `{}` to a container that drops every other",
                c.v
            ),
        ));
        out.capabilities.push(c.v.clone());
    }
    out.capabilities.sort();
    out
}

/// W0031 for each port below 1024 a non-root container without `NET_BIND_SERVICE` listens on.
pub(super) fn privileged_ports(
    d: &mut Diagnostics,
    path: &str,
    ports: &[(Port, Span)],
    pod: &PodSecurity,
    c: &ContainerSecurity,
) {
    if !pod.non_root() || c.capabilities.iter().any(|x| x == "NET_BIND_SERVICE") {
        return;
    }
    for (p, span) in ports.iter().filter(|(p, _)| p.port < 1024) {
        d.push(
            Diagnostic::new(
                &codes::W0031,
                format!(
                    "`{path}` listens on port {} as UID {}: a non-root process may not be able to bind a port below 1024",
                    p.port, pod.run_as_user
                ),
            )
            .at(*span, "a privileged port")
            .help("serve on a port from 1024 (the Service still publishes it as the front port), or add `NET_BIND_SERVICE` to `security.capabilities`"),
        );
    }
}

/// `pull_policy` (W0030 when not `Always`).
pub(super) fn pull_policy(
    d: &mut Diagnostics,
    path: &str,
    given: Option<&Sp<String>>,
    default: &str,
) -> String {
    let Some(sp) = given else {
        return default.to_string();
    };
    let Some(p) = check::choice(d, &format!("{path}.pull_policy"), sp, super::PULL_POLICIES) else {
        return default.to_string();
    };
    if p != "Always" {
        d.push(
            relaxations::opened(&codes::W0030, sp.span, "not `Always`", format!("`{path}.pull_policy = \"{p}\"` runs an image the node already has without asking the registry")),
        );
    }
    p.to_string()
}
