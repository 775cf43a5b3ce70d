//! One ServiceAccount per workload, with no API token mounted unless the spec asks
//! (`service_account.token`), annotated for Workload Identity or IRSA when the spec says. A
//! workload that runs as an existing account (`service_account.name`) gets none.

use k8s_openapi::api::core::v1::ServiceAccount;

use super::labels;
use crate::app::{App, Workload};

pub fn generate(app: &App, w: &Workload) -> Option<ServiceAccount> {
    let own = w.pod.identity.own.as_ref()?;
    let mut metadata = labels::meta(app, &w.pod.identity.account, &w.name, &w.component);
    if !own.annotations.is_empty() {
        metadata
            .annotations
            .get_or_insert_default()
            .extend(own.annotations.clone());
    }
    Some(ServiceAccount {
        metadata,
        automount_service_account_token: Some(false),
        ..Default::default()
    })
}
