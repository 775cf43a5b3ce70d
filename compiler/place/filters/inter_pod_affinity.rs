//! InterPodAffinity (required terms): on a node without one of the pod's affinity topology keys,
//! or whose domain holds no pod matching every affinity term, the pod does not fit — unless no
//! pod anywhere matches them all and it matches them itself (the first of a group); a domain
//! holding a pod that matches one of its anti-affinity terms is closed; and so is a domain where
//! a running pod's anti-affinity term matches the pod. Counts are kept incrementally while
//! replicas are placed.

use std::sync::Arc;

use super::pod_topology_spread::NO_DOMAIN;

pub const AFFINITY: &str = "node(s) didn't match pod affinity rules";
pub const ANTI_AFFINITY: &str = "node(s) didn't match pod anti-affinity rules";
pub const EXISTING_ANTI_AFFINITY: &str = "node(s) didn't satisfy existing pods anti-affinity rules";

/// Matching pods per domain of one term's topology key.
#[derive(Debug, Clone)]
pub struct TermCounts {
    pub domain_of: Arc<Vec<u32>>,
    pub counts: Vec<i64>,
    /// Whether the pod being placed matches this term (for affinity: all of its terms) itself.
    pub self_match: bool,
}

impl TermCounts {
    pub fn at(&self, node: usize) -> Option<i64> {
        let d = self.domain_of[node];
        (d != NO_DOMAIN).then(|| self.counts[d as usize])
    }

    fn total(&self) -> i64 {
        self.counts.iter().sum()
    }

    fn add(&mut self, node: usize) {
        let d = self.domain_of[node];
        if self.self_match && d != NO_DOMAIN {
            self.counts[d as usize] += 1;
        }
    }
}

/// The inter-pod state for one workload.
#[derive(Debug, Clone, Default)]
pub struct InterPodState {
    /// Per affinity term, the pods that match every affinity term.
    pub affinity: Vec<TermCounts>,
    pub anti_affinity: Vec<TermCounts>,
    /// Running pods' anti-affinity terms that match this pod: (domains, blocked domain flags).
    pub existing: Vec<(Arc<Vec<u32>>, Vec<bool>)>,
}

impl InterPodState {
    pub fn is_empty(&self) -> bool {
        self.affinity.is_empty() && self.anti_affinity.is_empty() && self.existing.is_empty()
    }

    /// The first failing rule on this node, in the plugin's order.
    pub fn check(&self, node: usize) -> Option<&'static str> {
        if !self.affinity.is_empty() {
            let mut found = true;
            for t in &self.affinity {
                match t.at(node) {
                    None => return Some(AFFINITY),
                    Some(c) => found &= c > 0,
                }
            }
            // The first replica of a group whose terms match itself may go anywhere.
            let first = self.affinity.iter().all(|t| t.total() == 0 && t.self_match);
            if !found && !first {
                return Some(AFFINITY);
            }
        }
        if self
            .anti_affinity
            .iter()
            .any(|t| t.at(node).is_some_and(|c| c > 0))
        {
            return Some(ANTI_AFFINITY);
        }
        let blocked = self.existing.iter().any(|(dom, blocked)| {
            let d = dom[node];
            d != NO_DOMAIN && blocked[d as usize]
        });
        blocked.then_some(EXISTING_ANTI_AFFINITY)
    }

    /// A replica landed on `node`.
    pub fn add(&mut self, node: usize) {
        for t in self.affinity.iter_mut().chain(&mut self.anti_affinity) {
            t.add(node);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostname_anti_affinity_allows_one_replica_per_node() {
        let dom = Arc::new(vec![0, 1, NO_DOMAIN]);
        let mut s = InterPodState {
            anti_affinity: vec![TermCounts {
                domain_of: dom,
                counts: vec![0, 0],
                self_match: true,
            }],
            ..Default::default()
        };
        assert_eq!(s.check(0), None);
        s.add(0);
        assert_eq!(s.check(0), Some(ANTI_AFFINITY));
        assert_eq!(s.check(1), None);
        assert_eq!(s.check(2), None, "a node without the key ignores the term");
    }

    #[test]
    fn affinity_lets_the_first_self_matching_pod_through_on_nodes_with_the_key() {
        let dom = Arc::new(vec![0, 1, NO_DOMAIN]);
        let mut s = InterPodState {
            affinity: vec![TermCounts {
                domain_of: dom,
                counts: vec![0, 0],
                self_match: true,
            }],
            ..Default::default()
        };
        assert_eq!(s.check(1), None);
        assert_eq!(
            s.check(2),
            Some(AFFINITY),
            "a node without the key never fits"
        );
        s.add(0);
        assert_eq!(s.check(1), Some(AFFINITY));
        assert_eq!(s.check(0), None);
    }

    #[test]
    fn existing_pods_block_their_domains() {
        let dom = Arc::new(vec![0, 1]);
        let s = InterPodState {
            existing: vec![(dom, vec![true, false])],
            ..Default::default()
        };
        assert_eq!(s.check(0), Some(EXISTING_ANTI_AFFINITY));
        assert_eq!(s.check(1), None);
    }
}
