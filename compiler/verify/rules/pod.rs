//! A pod template: its restart policy, containers (names, images, ports, env, mounts, probes)
//! and volumes, and the ConfigMaps and ServiceAccount it uses from the bundle.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{Bundle, Check};
use crate::values::names;

impl Check<'_> {
    /// Everything about a pod template; `restart` lists the restart policies its owner allows.
    pub(super) fn pod(
        &mut self,
        at: &str,
        t: &PodTemplateSpec,
        ns: &str,
        restart: &[&str],
        b: &Bundle,
    ) {
        if let Some(m) = &t.metadata {
            self.labels_and_annotations(&format!("{at}/metadata"), m);
        }
        let Some(spec) = &t.spec else {
            self.fail(format!("{at}/spec"), "the pod template has no spec");
            return;
        };
        let at = format!("{at}/spec");
        let policy = spec.restart_policy.as_deref().unwrap_or("Always");
        if !restart.contains(&policy) {
            self.fail(
                format!("{at}/restartPolicy"),
                format!(
                    "restartPolicy `{policy}` is not allowed here; use {}",
                    restart.join(" or ")
                ),
            );
        }
        if spec.containers.is_empty() {
            self.fail(
                format!("{at}/containers"),
                "a pod needs at least one container",
            );
        }
        let volumes: BTreeSet<&str> = spec
            .volumes
            .iter()
            .flatten()
            .map(|v| v.name.as_str())
            .collect();
        let mut container_names = BTreeSet::new();
        let mut port_names = BTreeSet::new();
        let groups = [
            (
                "initContainers",
                spec.init_containers.as_deref().unwrap_or_default(),
            ),
            ("containers", spec.containers.as_slice()),
        ];
        for (field, list) in groups {
            for (i, c) in list.iter().enumerate() {
                let cat = format!("{at}/{field}/{i}");
                if let Err(e) = names::dns1123_label(&c.name) {
                    self.fail(format!("{cat}/name"), e);
                }
                if !container_names.insert(c.name.as_str()) {
                    self.fail(
                        format!("{cat}/name"),
                        format!("container name `{}` is used twice", c.name),
                    );
                }
                if c.image.as_deref().is_none_or(str::is_empty) {
                    self.fail(format!("{cat}/image"), "a container needs an image");
                }
                let own_ports: BTreeSet<&str> = c
                    .ports
                    .iter()
                    .flatten()
                    .filter_map(|p| p.name.as_deref())
                    .collect();
                for (j, p) in c.ports.iter().flatten().enumerate() {
                    if !(1..=65535).contains(&p.container_port) {
                        self.fail(
                            format!("{cat}/ports/{j}/containerPort"),
                            format!("port {} is outside 1–65535", p.container_port),
                        );
                    }
                    if let Some(n) = &p.name {
                        if let Err(e) = names::port_name(n) {
                            self.fail(format!("{cat}/ports/{j}/name"), e);
                        }
                        if !port_names.insert(n.clone()) {
                            self.fail(
                                format!("{cat}/ports/{j}/name"),
                                format!("port name `{n}` is used twice in the pod"),
                            );
                        }
                    }
                }
                for (j, e) in c.env.iter().flatten().enumerate() {
                    if let Err(why) = names::env_var_name(&e.name) {
                        self.fail(format!("{cat}/env/{j}/name"), why);
                    }
                    if e.value.is_some() && e.value_from.is_some() {
                        self.fail(
                            format!("{cat}/env/{j}"),
                            "an env var may have a value or valueFrom, not both",
                        );
                    }
                }
                if let Some(r) = &c.resources {
                    self.resources(&format!("{cat}/resources"), r);
                }
                if let Some(sc) = &c.security_context {
                    self.escalation(&cat, sc);
                }
                let mut paths = BTreeSet::new();
                for (j, m) in c.volume_mounts.iter().flatten().enumerate() {
                    if !volumes.contains(m.name.as_str()) {
                        self.fail_with(
                            format!("{cat}/volumeMounts/{j}/name"),
                            format!(
                                "the mount names volume `{}`, which the pod does not have",
                                m.name
                            ),
                            vec![(self.index, format!("{at}/volumes"))],
                        );
                    }
                    if !m.mount_path.starts_with('/') {
                        self.fail(
                            format!("{cat}/volumeMounts/{j}/mountPath"),
                            format!("mount path `{}` is not absolute", m.mount_path),
                        );
                    }
                    if !paths.insert(m.mount_path.as_str()) {
                        self.fail(
                            format!("{cat}/volumeMounts/{j}/mountPath"),
                            format!("two mounts at `{}`", m.mount_path),
                        );
                    }
                }
                let probes = [
                    ("startupProbe", &c.startup_probe),
                    ("readinessProbe", &c.readiness_probe),
                    ("livenessProbe", &c.liveness_probe),
                ];
                for (name, probe) in probes {
                    let port = probe
                        .as_ref()
                        .and_then(|p| p.http_get.as_ref().map(|h| &h.port));
                    if let Some(IntOrString::String(n)) = port
                        && !own_ports.contains(n.as_str())
                    {
                        self.fail_with(
                            format!("{cat}/{name}/httpGet/port"),
                            format!("the probe uses port `{n}`, which the container does not name"),
                            vec![(self.index, format!("{cat}/ports"))],
                        );
                    }
                }
            }
        }
        let mut seen = BTreeSet::new();
        for (i, v) in spec.volumes.iter().flatten().enumerate() {
            let vat = format!("{at}/volumes/{i}");
            if let Err(e) = names::dns1123_label(&v.name) {
                self.fail(format!("{vat}/name"), e);
            }
            if !seen.insert(v.name.as_str()) {
                self.fail(
                    format!("{vat}/name"),
                    format!("volume `{}` is defined twice", v.name),
                );
            }
            if let Some(size) = v.empty_dir.as_ref().and_then(|e| e.size_limit.as_ref()) {
                self.quantity(&format!("{vat}/emptyDir/sizeLimit"), size);
            }
            if let Some(pvc) = &v.persistent_volume_claim
                && let Err(e) = names::dns1123_subdomain(&pvc.claim_name)
            {
                self.fail(format!("{vat}/persistentVolumeClaim/claimName"), e);
            }
            // The workload's `files` are the bundle's own ConfigMap; a ConfigMap a spec mounts
            // by name (`volumes = [{ config_map = … }]`) is created elsewhere.
            if let Some(cm) = &v.config_map
                && !cm.optional.unwrap_or(false)
                && v.name == crate::app::FILES_VOLUME
            {
                match b.config_maps.get(&(ns.to_string(), cm.name.clone())) {
                    None => self.dangling(
                        b,
                        format!("{vat}/configMap/name"),
                        format!("ConfigMap `{}` is not in the bundle", cm.name),
                        Vec::new(),
                    ),
                    Some(keys) => {
                        for (j, item) in cm.items.iter().flatten().enumerate() {
                            if !keys.contains(&item.key) {
                                self.fail(
                                    format!("{vat}/configMap/items/{j}/key"),
                                    format!("ConfigMap `{}` has no key `{}`", cm.name, item.key),
                                );
                            }
                        }
                    }
                }
            }
        }
        // The workload's own account (named like it) is in the bundle; an existing one a spec
        // names (`service_account.name`) is created elsewhere.
        let workload = t
            .metadata
            .as_ref()
            .and_then(|m| m.labels.as_ref())
            .and_then(|l| l.get("app.kubernetes.io/name"));
        if let Some(sa) = spec.service_account_name.as_deref()
            && sa != "default"
            && workload.is_none_or(|w| w == sa)
            && !b.has("ServiceAccount", ns, sa)
        {
            self.dangling(
                b,
                format!("{at}/serviceAccountName"),
                format!("ServiceAccount `{sa}` is not in the bundle"),
                Vec::new(),
            );
        }
    }

    /// The API server refuses `allowPrivilegeEscalation: false` beside what grants privilege
    /// anyway: a privileged container, or `CAP_SYS_ADMIN`.
    fn escalation(&mut self, at: &str, sc: &k8s_openapi::api::core::v1::SecurityContext) {
        if sc.allow_privilege_escalation != Some(false) {
            return;
        }
        let admin = sc
            .capabilities
            .as_ref()
            .and_then(|c| c.add.as_ref())
            .is_some_and(|add| add.iter().any(|c| c == "SYS_ADMIN" || c == "CAP_SYS_ADMIN"));
        let why = if sc.privileged == Some(true) {
            "a privileged container"
        } else if admin {
            "a container with CAP_SYS_ADMIN"
        } else {
            return;
        };
        self.fail_with(
            format!("{at}/securityContext/allowPrivilegeEscalation"),
            format!("allowPrivilegeEscalation cannot be false in {why}"),
            vec![(self.index, format!("{at}/securityContext"))],
        );
    }
}
