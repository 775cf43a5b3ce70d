//! `[serve.group]`: one model served by a group of pods on several nodes (a LeaderWorkerSet).

use schemars::JsonSchema;

use super::read::{Fields, Sp};
use crate::diagnostics::Diagnostics;
use crate::source::Span;

/// `[serve.group]`: serve one model over several nodes, as a LeaderWorkerSet
/// (leaderworkerset.x-k8s.io/v1): each replica is a group of `size` pods — a leader, which
/// serves, and `size - 1` workers — that start, restart and scale together. The runtime's
/// multi-node preset (stdlib/runtimes.toml `group`) joins them through the variables the
/// LeaderWorkerSet sets (`LWS_LEADER_ADDRESS`, `LWS_GROUP_SIZE`, `LWS_WORKER_INDEX`).
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Group {
    /// Pods per group, the leader included (at least 2); each gets `resources` (its node's GPUs).
    #[schemars(required, range(min = 2), extend("examples" = [2]))]
    pub size: Option<Sp<i32>>,
    #[schemars(skip)]
    pub span: Span,
}

impl Group {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> Group {
        Group {
            size: f.required(d, "size", |f, d, k| f.count(d, k), "2"),
            span: f.span(),
        }
    }
}
