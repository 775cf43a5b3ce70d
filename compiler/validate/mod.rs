//! Validate stage: checks across fields of the resolved `App`, pointing at the `Spec` spans of the
//! values involved. Checks of a single value live in `resolve`, where the value is parsed. Whether
//! each LLM server's model fits its GPUs is `crate::memory`'s, run beside this stage by `check`
//! in lib.rs (once: its accounts are the report's too); with an inventory, whether each
//! workload's node selector matches any node (`nodes.rs`).

pub mod model;
pub mod nodes;
pub mod resources;
pub mod runtime;
pub mod scaling;

use crate::app::App;
use crate::diagnostics::Diagnostics;
use crate::spec::Spec;
use crate::stdlib::Catalog;

/// `nodes`: the inventory given with `--inventory`, whose nodes every workload's selector must
/// match (W0080), and the catalog before the spec's provider relabelled it.
pub fn validate(
    spec: &Spec,
    app: &App,
    catalog: &Catalog,
    nodes: Option<(&crate::inventory::Inventory, &Catalog)>,
) -> Diagnostics {
    let mut d = Diagnostics::default();
    if let Some((inv, base)) = nodes {
        nodes::check(&mut d, spec, app, inv, base);
    }
    scaling::check(&mut d, spec, app);
    resources::check(&mut d, spec, app);
    runtime::check(&mut d, spec, app, catalog);
    model::check(&mut d, spec, app);
    d
}

/// Each `[jobs.NAME]` then `[schedules.NAME]` with its spec path (and a schedule's own keys), in
/// the order of `App::batches`.
fn batches(
    spec: &Spec,
) -> impl Iterator<Item = (String, &crate::spec::Batch, Option<&crate::spec::Schedule>)> {
    spec.jobs
        .iter()
        .map(|(k, b)| (format!("jobs.{}", k.v), b, None))
        .chain(
            spec.schedules
                .iter()
                .map(|(k, s)| (format!("schedules.{}", k.v), &s.batch, Some(s))),
        )
}
