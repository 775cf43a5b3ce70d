//! The Role a workload's `service_account.rules` grant in its namespace, and the RoleBinding of
//! it to the workload's own ServiceAccount.

use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};

use super::labels;
use crate::app::{App, Workload};

pub fn role(app: &App, w: &Workload) -> Option<Role> {
    let own = w
        .pod
        .identity
        .own
        .as_ref()
        .filter(|o| !o.rules.is_empty())?;
    Some(Role {
        metadata: labels::meta(app, &w.pod.identity.account, &w.name, &w.component),
        rules: Some(
            own.rules
                .iter()
                .map(|r| PolicyRule {
                    api_groups: Some(r.api_groups.clone()),
                    resources: Some(r.resources.clone()),
                    verbs: r.verbs.clone(),
                    resource_names: (!r.names.is_empty()).then(|| r.names.clone()),
                    non_resource_urls: None,
                })
                .collect(),
        ),
    })
}

pub fn binding(app: &App, w: &Workload) -> Option<RoleBinding> {
    let account = &w.pod.identity.account;
    role(app, w)?;
    Some(RoleBinding {
        metadata: labels::meta(app, account, &w.name, &w.component),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".to_string(),
            kind: "Role".to_string(),
            name: account.clone(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".to_string(),
            name: account.clone(),
            namespace: Some(app.namespace.clone()),
            api_group: None,
        }]),
    })
}
