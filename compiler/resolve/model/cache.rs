//! Where a downloaded model goes: the pod's own emptyDir, a claim the bundle creates
//! (`cache = { size, storage_class, access }`), or an existing claim (`cache = { claim }`).

use super::super::check;
use super::Around;
use crate::app::MODEL_VOLUME;
use crate::app::{ModelVolume, NewClaim};
use crate::diagnostics::{Diagnostic, Diagnostics, codes};
use crate::spec::model::{Cache, Model as Spec};
use crate::stdlib::ModelDefaults;

/// The volume the files are downloaded into: an emptyDir, a new claim, or an existing one.
pub(super) fn volume(
    d: &mut Diagnostics,
    at: &Around,
    m: &Spec,
    p: &dyn Fn(&str) -> String,
    defaults: &ModelDefaults,
) -> Option<ModelVolume> {
    let Some(cache) = &m.cache else {
        let size = match &m.size {
            Some(sp) => {
                check::quantity(d, &p("size"), sp)?;
                sp.v.clone()
            }
            None => defaults.size.clone(),
        };
        return Some(ModelVolume::EmptyDir(size));
    };
    if let Some(size) = &m.size {
        d.push(
            Diagnostic::new(
                &codes::E0007,
                format!("`{}` and `{}` both size the model", p("size"), p("cache")),
            )
            .at(size.span, "the download emptyDir's size")
            .also(cache.span, "but the files go to this claim")
            .help("move the size into the cache: `cache = { size = \"…\" }`"),
        );
        return None;
    }
    if let Some(claim) = &cache.claim {
        let extra = [
            ("size", &cache.size),
            ("storage_class", &cache.storage_class),
            ("access", &cache.access),
        ];
        let mut ok = true;
        for (key, v) in extra {
            if let Some(v) = v {
                ok = false;
                d.push(
                    Diagnostic::new(
                        &codes::E0007,
                        format!(
                            "`{}.{key}` describes a new claim, but `claim` names an existing one",
                            p("cache")
                        ),
                    )
                    .at(v.span, "for a new claim")
                    .also(claim.span, "an existing claim")
                    .help(format!(
                        "drop `{key}` (the claim has its own), or drop `claim` to create one"
                    )),
                );
            }
        }
        let name = check::subdomain_name(d, &format!("{}.claim", p("cache")), claim)?;
        return ok.then_some(ModelVolume::Claim {
            name,
            sub_path: None,
            new: None,
        });
    }
    new_claim(d, at, cache, p, defaults)
}

fn new_claim(
    d: &mut Diagnostics,
    at: &Around,
    cache: &Cache,
    p: &dyn Fn(&str) -> String,
    defaults: &ModelDefaults,
) -> Option<ModelVolume> {
    let Some(size) = &cache.size else {
        d.push(
            Diagnostic::new(
                &codes::E0004,
                format!("`{}` needs `size` (a new claim) or `claim` (an existing one)", p("cache")),
            )
            .at(cache.span, "how big, or which claim?")
            .help("write `cache = { size = \"40Gi\" }` (room for the model's files), or `cache = { claim = \"NAME\" }`"),
        );
        return None;
    };
    check::quantity(d, &format!("{}.size", p("cache")), size)?;
    let class = match &cache.storage_class {
        Some(sp) => Some(check::subdomain_name(
            d,
            &format!("{}.storage_class", p("cache")),
            sp,
        )?),
        None => None,
    };
    let access = match &cache.access {
        Some(sp) => check::access_mode(d, &format!("{}.access", p("cache")), sp)?,
        None => check::default_access(defaults),
    };
    Some(ModelVolume::Claim {
        name: claim_name(at.workload),
        sub_path: None,
        new: Some(NewClaim {
            size: size.v.clone(),
            storage_class: class,
            access: access.to_string(),
        }),
    })
}

/// The PersistentVolumeClaim a workload's model cache gets.
pub fn claim_name(workload: &str) -> String {
    format!("{workload}-{MODEL_VOLUME}")
}
