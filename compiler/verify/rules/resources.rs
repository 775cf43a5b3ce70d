//! Quantities, and a container's requests and limits: extended resources whole and request =
//! limit, no request above its limit.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ResourceRequirements;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;

use super::{Check, seg};
use crate::values::quantity::Quantity;

/// Requests and limits are Kubernetes' own resource names or extended ones such as
/// `nvidia.com/gpu`, which must be whole numbers with request equal to limit.
pub(super) fn is_extended(resource: &str) -> bool {
    resource.contains('/') && !resource.starts_with("kubernetes.io/")
}

impl Check<'_> {
    pub(super) fn quantity(&mut self, at: &str, q: &K8sQuantity) -> Option<Quantity> {
        match Quantity::parse(&q.0) {
            Ok(v) if v.is_negative() => {
                self.fail(at, format!("`{}` is negative", q.0));
                None
            }
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(at, e);
                None
            }
        }
    }

    pub(super) fn resources(&mut self, at: &str, r: &ResourceRequirements) {
        let requests = r.requests.clone().unwrap_or_default();
        let limits = r.limits.clone().unwrap_or_default();
        let mut parsed = BTreeMap::new();
        for (side, map) in [("requests", &requests), ("limits", &limits)] {
            for (name, q) in map {
                let p = format!("{at}/{side}/{}", seg(name));
                if let Some(v) = self.quantity(&p, q) {
                    if is_extended(name) && !v.is_whole() {
                        self.fail(&p, format!("{name} must be a whole number, not `{}`", q.0));
                    }
                    parsed.insert((side, name.as_str()), v);
                }
            }
        }
        for (name, q) in &requests {
            let p = format!("{at}/requests/{}", seg(name));
            let request = parsed.get(&("requests", name.as_str()));
            let limit = parsed.get(&("limits", name.as_str()));
            if is_extended(name) {
                match limit {
                    None => self.fail(&p, format!("{name} is requested without a limit; extended resources need both, equal")),
                    Some(l) if Some(l) != request && request.is_some() => self.fail(
                        &p,
                        format!("{name} request `{}` must equal its limit", q.0),
                    ),
                    Some(_) => {}
                }
            } else if let (Some(req), Some(lim)) = (request, limit)
                && req > lim
            {
                self.fail(&p, format!("{name} request `{}` is above its limit", q.0));
            }
        }
    }
}
