//! One ServiceAccount per workload, with no API token mounted: model servers and training jobs
//! do not talk to the Kubernetes API.

use k8s_openapi::api::core::v1::ServiceAccount;

use super::labels;
use crate::app::{App, Workload};

pub fn generate(app: &App, w: &Workload) -> ServiceAccount {
    ServiceAccount {
        metadata: labels::meta(app, &w.name, &w.name, &w.component),
        automount_service_account_token: Some(false),
        ..Default::default()
    }
}
