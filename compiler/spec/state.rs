//! `[serve.state]`: a server whose replicas each keep their own state (a StatefulSet).

use schemars::JsonSchema;

use super::read::{Fields, Sp};
use crate::diagnostics::Diagnostics;
use crate::source::Span;

/// `[serve.state]`: run the server as a StatefulSet: each replica a stable name
/// (`NAME-0`, `NAME-1`, …) in a headless Service, and its own claims, kept when it restarts
/// or moves. For per-replica caches and data (a model cache, Redis, a vector store).
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct State {
    /// `parallel` (default: every replica starts at once) or `ordered` (one at a time, each
    /// after the one before is ready, and stopped in reverse): the podManagementPolicy.
    #[schemars(extend("enum" = crate::resolve::state::STARTS))]
    pub start: Option<Sp<String>>,
    /// A claim per replica: `[{ name = "cache", path = "/opt/nim/.cache", size = "100Gi" }]`.
    pub claims: Option<Vec<ClaimSpec>>,
    #[schemars(skip)]
    pub span: Span,
}

impl State {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> State {
        State {
            start: f.string(d, "start"),
            claims: f.tables(
                d,
                "claims",
                "an array of tables `{ name, path, size }`",
                |c, d, span| ClaimSpec {
                    name: c.required(d, "name", |c, d, k| c.string(d, k), "\"cache\""),
                    path: c.required(d, "path", |c, d, k| c.string(d, k), "\"/cache\""),
                    size: c.required(d, "size", |c, d, k| c.string(d, k), "\"50Gi\""),
                    storage_class: c.string(d, "storage_class"),
                    access: c.string(d, "access"),
                    span,
                },
            ),
            span: f.span(),
        }
    }
}

/// One claim of each replica: a volumeClaimTemplate, mounted read-write at `path`.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ClaimSpec {
    /// The claim's name (a DNS label); each replica's claim is `NAME-SERVER-INDEX`.
    #[schemars(required, extend("examples" = ["cache", "data"]))]
    pub name: Option<Sp<String>>,
    /// Where the server's container mounts it.
    #[schemars(required, extend("examples" = ["/opt/nim/.cache"]))]
    pub path: Option<Sp<String>>,
    /// The claim's size.
    #[schemars(required, extend("examples" = ["100Gi"]))]
    pub size: Option<Sp<String>>,
    /// Its StorageClass (default: the cluster's default class).
    #[schemars(extend("examples" = ["premium-rwo"]))]
    pub storage_class: Option<Sp<String>>,
    /// `read-write-once` (default), `read-write-many` or `read-write-once-pod`.
    #[schemars(extend("enum" = crate::resolve::check::ACCESS_MODES))]
    pub access: Option<Sp<String>>,
    #[schemars(skip)]
    pub span: Span,
}
