//! The objects that hold a pod's data: a ConfigMap's keys and size, a PersistentVolumeClaim's
//! access modes and storage request.

use super::{Check, seg};

use crate::values::limits::CONFIG_MAP_MAX_BYTES;

impl Check<'_> {
    pub(super) fn config_map(&mut self, o: &k8s_openapi::api::core::v1::ConfigMap) {
        let mut size = 0;
        for (k, v) in o.data.iter().flatten() {
            size += k.len() + v.len();
            let valid = !k.is_empty()
                && k.len() <= 253
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                && k != "."
                && k != "..";
            if !valid {
                self.fail(
                    format!("/data/{}", seg(k)),
                    format!("`{k}` is not a valid ConfigMap key (a-z, A-Z, 0-9, `-`, `_`, `.`)"),
                );
            }
        }
        if size > CONFIG_MAP_MAX_BYTES {
            self.fail(
                "/data",
                format!(
                    "the data is {size} bytes; a ConfigMap holds at most {CONFIG_MAP_MAX_BYTES}"
                ),
            );
        }
    }

    /// A claim asks for some storage, in access modes that exist and combine
    /// (`ReadWriteOncePod` only alone).
    pub(super) fn claim(&mut self, o: &k8s_openapi::api::core::v1::PersistentVolumeClaim) {
        self.claim_spec("", o);
    }

    /// A claim, or a StatefulSet's claim template at `at`.
    pub(super) fn claim_spec(
        &mut self,
        at: &str,
        o: &k8s_openapi::api::core::v1::PersistentVolumeClaim,
    ) {
        let Some(spec) = &o.spec else {
            self.fail(format!("{at}/spec"), "the claim has no spec");
            return;
        };
        let modes = spec.access_modes.as_deref().unwrap_or_default();
        if modes.is_empty() {
            self.fail(
                format!("{at}/spec/accessModes"),
                "a claim needs at least one access mode",
            );
        }
        for (i, m) in modes.iter().enumerate() {
            let known = [
                "ReadWriteOnce",
                "ReadOnlyMany",
                "ReadWriteMany",
                "ReadWriteOncePod",
            ];
            if !known.contains(&m.as_str()) {
                self.fail(
                    format!("{at}/spec/accessModes/{i}"),
                    format!("`{m}` is not an access mode"),
                );
            } else if m == "ReadWriteOncePod" && modes.len() > 1 {
                self.fail(
                    format!("{at}/spec/accessModes/{i}"),
                    "ReadWriteOncePod cannot be combined with other access modes",
                );
            }
        }
        let storage = spec
            .resources
            .as_ref()
            .and_then(|r| r.requests.as_ref())
            .and_then(|r| r.get("storage"));
        match storage {
            None => self.fail(
                format!("{at}/spec/resources/requests"),
                "a claim must request `storage`",
            ),
            Some(q) => {
                if self
                    .quantity(&format!("{at}/spec/resources/requests/storage"), q)
                    .is_some_and(|v| v.nanos() <= 0)
                {
                    self.fail(
                        format!("{at}/spec/resources/requests/storage"),
                        "the storage request must be more than zero",
                    );
                }
            }
        }
    }
}
