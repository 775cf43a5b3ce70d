//! Scoring like the default profile: every default score plugin with its default weight, each
//! normalised to 0–100 over the feasible nodes as upstream normalises it.
//!
//! | plugin | weight | raw score | normalised |
//! | --- | --- | --- | --- |
//! | TaintToleration | 3 | intolerable `PreferNoSchedule` taints | reversed against the highest |
//! | NodeAffinity | 2 | weights of matching preferred terms | against the highest |
//! | NodeResourcesFit | 1 | LeastAllocated (MostAllocated for binpack) | — |
//! | PodTopologySpread | 2 | weighted matching pods in the node's domains | reversed, `topology_spread` |
//! | InterPodAffinity | 2 | weights of matching preferred terms per domain | min to max |
//! | NodeResourcesBalancedAllocation | 1 | 1 − std of cpu and memory fractions | — |
//! | ImageLocality | 1 | size of the pod's images on the node | — |

pub mod image_locality;
pub mod inter_pod_affinity;
pub mod resources;
pub mod topology_spread;

pub const TAINT_TOLERATION: i64 = 3;
pub const NODE_AFFINITY: i64 = 2;
pub const POD_TOPOLOGY_SPREAD: i64 = 2;
pub const INTER_POD_AFFINITY: i64 = 2;

/// DefaultNormalizeScore: `raw` scaled so the highest of the feasible nodes is 100 (reversed:
/// the highest is 0); when every node scores 0, reversed scores are all 100.
pub fn default_normalize(raw: i64, max: i64, reverse: bool) -> i64 {
    let scaled = if max == 0 { 0 } else { 100 * raw / max };
    if reverse { 100 - scaled } else { scaled }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_normalisation_scales_to_the_highest() {
        assert_eq!(default_normalize(1, 2, true), 50);
        assert_eq!(default_normalize(0, 0, true), 100);
        assert_eq!(default_normalize(3, 4, false), 75);
        assert_eq!(default_normalize(0, 0, false), 0);
    }
}
