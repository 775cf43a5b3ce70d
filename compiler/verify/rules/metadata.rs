//! Names, namespaces, labels and annotations: the metadata every object has, and the one a
//! pod template or job template carries.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Check, seg};
use crate::generate::Object;
use crate::values::limits::ANNOTATIONS_MAX_BYTES;
use crate::values::names;

/// The most a CronJob name may have: the controller appends an 11-character suffix to name Jobs.
const CRON_JOB_NAME_MAX: usize = 52;
/// A Job's name becomes the value of its pods' `job-name` label, so it is at most 63.
const JOB_NAME_MAX: usize = 63;

impl Check<'_> {
    pub(super) fn metadata(&mut self, o: &Object) {
        let m = o.metadata();
        match m.name.as_deref() {
            None | Some("") => self.fail("/metadata/name", "metadata.name is required"),
            Some(name) => {
                let format = match o {
                    Object::Namespace(_) => names::dns1123_label(name),
                    // Services are RFC 1035 labels: they also become DNS names of pods' env.
                    Object::Service(_) => names::dns1123_label(name).and_then(|()| {
                        if name.starts_with(|c: char| c.is_ascii_lowercase()) {
                            Ok(())
                        } else {
                            Err(format!(
                                "`{name}` must start with a letter (RFC 1035 label)"
                            ))
                        }
                    }),
                    _ => names::dns1123_subdomain(name),
                };
                if let Err(e) = format {
                    self.fail("/metadata/name", e);
                }
                let max = match o {
                    Object::CronJob(_) => Some(CRON_JOB_NAME_MAX),
                    Object::Job(_) => Some(JOB_NAME_MAX),
                    _ => None,
                };
                if let Some(max) = max.filter(|max| name.len() > *max) {
                    self.fail(
                        "/metadata/name",
                        format!(
                            "a {} name must be at most {max} characters; `{name}` has {}",
                            o.kind(),
                            name.len()
                        ),
                    );
                }
            }
        }
        match (&m.namespace, o) {
            (None, Object::Namespace(_)) => {}
            (Some(_), Object::Namespace(_)) => {
                self.fail("/metadata/namespace", "a Namespace is not namespaced")
            }
            (None, _) => self.fail("/metadata/namespace", "the object names no namespace"),
            (Some(ns), _) => {
                if let Err(e) = names::dns1123_label(ns) {
                    self.fail("/metadata/namespace", e);
                }
            }
        }
        self.labels_and_annotations("/metadata", m);
    }

    pub(super) fn labels_and_annotations(&mut self, at: &str, m: &ObjectMeta) {
        for (k, v) in m.labels.iter().flatten() {
            let p = format!("{at}/labels/{}", seg(k));
            if let Err(e) = names::label_key(k) {
                self.fail(&p, e);
            }
            if let Err(e) = names::label_value(v) {
                self.fail(&p, e);
            }
        }
        let mut size = 0;
        for (k, v) in m.annotations.iter().flatten() {
            size += k.len() + v.len();
            if let Err(e) = names::label_key(k) {
                self.fail(format!("{at}/annotations/{}", seg(k)), e);
            }
        }
        if size > ANNOTATIONS_MAX_BYTES {
            self.fail(
                format!("{at}/annotations"),
                format!("annotations total {size} bytes; the limit is {ANNOTATIONS_MAX_BYTES}"),
            );
        }
    }
}
