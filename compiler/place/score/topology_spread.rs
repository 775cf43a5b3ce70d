//! PodTopologySpread's score: the pod's own `ScheduleAnyway` constraints, or the system default
//! spreading (hostname skew 3, zone skew 5) for a pod without constraints that a Service,
//! ReplicaSet or StatefulSet selects. A node scores the matching pods of its domains, each
//! domain's count weighted by the log of how many domains the feasible nodes span, so that the
//! emptiest domains win after normalising.
//!
//! With the pod's own constraints, a feasible node without one of their keys is left out (it
//! scores 0); with the system default, a node scores the keys it has.

use std::sync::Arc;

use super::super::filters::pod_topology_spread::NO_DOMAIN;

/// One soft constraint's counts for the workload being placed.
#[derive(Debug, Clone)]
pub struct SoftConstraint {
    pub hostname: bool,
    pub max_skew: i64,
    pub domain_of: Arc<Vec<u32>>,
    /// Matching pods per domain, on the nodes the constraint includes.
    pub counts: Vec<i64>,
    /// For the hostname key: matching pods per node.
    pub per_node: Vec<i64>,
    /// Whether a placed replica counts.
    pub counted: bool,
}

impl SoftConstraint {
    /// The count a node scores, `None` without the key.
    pub fn count(&self, node: usize) -> Option<i64> {
        let d = self.domain_of[node];
        if d == NO_DOMAIN {
            None
        } else if self.hostname {
            Some(self.per_node[node])
        } else {
            Some(self.counts[d as usize])
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct SoftSpreadState {
    pub constraints: Vec<SoftConstraint>,
    /// The pod's own constraints: a node must have every key to be scored.
    pub require_all: bool,
}

impl SoftSpreadState {
    pub fn is_empty(&self) -> bool {
        self.constraints.is_empty()
    }

    pub fn ignored(&self, node: usize) -> bool {
        self.require_all
            && self
                .constraints
                .iter()
                .any(|c| c.domain_of[node] == NO_DOMAIN)
    }

    /// The node's score before normalising, given each constraint's weight.
    pub fn raw(&self, node: usize, weights: &[f64]) -> i64 {
        let mut score = 0.0;
        for (c, w) in self.constraints.iter().zip(weights) {
            if let Some(n) = c.count(node) {
                score += n as f64 * w + (c.max_skew - 1) as f64;
            }
        }
        score.round() as i64
    }

    /// A replica landed on `node` (a feasible node, so one every constraint includes).
    pub fn add(&mut self, node: usize) {
        for c in self.constraints.iter_mut().filter(|c| c.counted) {
            let d = c.domain_of[node];
            if d == NO_DOMAIN {
                continue;
            }
            if c.hostname {
                c.per_node[node] += 1;
            }
            c.counts[d as usize] += 1;
        }
    }
}

/// A constraint's weight from the number of its domains among the feasible nodes.
pub fn weight(domains: usize) -> f64 {
    (domains as f64 + 2.0).ln()
}

/// The normalised score of a node with raw score `raw`, given the lowest and highest raw score
/// of the feasible nodes that are scored.
pub fn normalize(raw: i64, min: i64, max: i64) -> i64 {
    if max == 0 {
        100
    } else {
        100 * (max + min - raw) / max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emptier_domains_score_higher() {
        // Three nodes: zone 0, zone 0, zone 1; zone 0 has 2 matching pods.
        let c = SoftConstraint {
            hostname: false,
            max_skew: 5,
            domain_of: Arc::new(vec![0, 0, 1]),
            counts: vec![2, 0],
            per_node: Vec::new(),
            counted: true,
        };
        let mut s = SoftSpreadState {
            constraints: vec![c],
            require_all: false,
        };
        let w = [weight(2)];
        // 2 × ln 4 + 4 = 6.77 → 7; 0 + 4 = 4.
        assert_eq!((s.raw(0, &w), s.raw(2, &w)), (7, 4));
        assert_eq!(normalize(7, 4, 7), 100 * 4 / 7);
        assert_eq!(normalize(4, 4, 7), 100);
        s.add(2);
        assert_eq!(s.constraints[0].counts, [2, 1]);
    }
}
