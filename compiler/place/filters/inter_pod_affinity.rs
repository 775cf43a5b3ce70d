//! InterPodAffinity (required terms only): the pod's affinity terms need a matching pod in the
//! node's domain, its anti-affinity terms need none, and no running pod's anti-affinity term may
//! match the pod in that domain. Counts are kept incrementally while replicas are placed.

use std::rc::Rc;

use super::pod_topology_spread::NO_DOMAIN;

pub const AFFINITY: &str = "node(s) didn't match pod affinity rules";
pub const ANTI_AFFINITY: &str = "node(s) didn't match pod anti-affinity rules";
pub const EXISTING_ANTI_AFFINITY: &str = "node(s) didn't satisfy existing pods anti-affinity rules";

/// Matching pods per domain of one term's topology key.
#[derive(Debug, Clone)]
pub struct TermCounts {
    pub domain_of: Rc<Vec<u32>>,
    pub counts: Vec<i64>,
    /// Whether the pod being placed matches this term itself.
    pub self_match: bool,
}

impl TermCounts {
    fn at(&self, node: usize) -> Option<i64> {
        let d = self.domain_of[node];
        (d != NO_DOMAIN).then(|| self.counts[d as usize])
    }

    fn total(&self) -> i64 {
        self.counts.iter().sum()
    }
}

/// The inter-pod state for one workload.
#[derive(Debug, Clone, Default)]
pub struct InterPodState {
    pub affinity: Vec<TermCounts>,
    pub anti_affinity: Vec<TermCounts>,
    /// Running pods' anti-affinity terms that match this pod: (domains, blocked domain flags).
    pub existing: Vec<(Rc<Vec<u32>>, Vec<bool>)>,
}

impl InterPodState {
    pub fn is_empty(&self) -> bool {
        self.affinity.is_empty() && self.anti_affinity.is_empty() && self.existing.is_empty()
    }

    /// The first failing rule on this node, in the plugin's order.
    pub fn check(&self, node: usize) -> Option<&'static str> {
        if !self.affinity.is_empty() {
            let found = self
                .affinity
                .iter()
                .all(|t| t.at(node).is_some_and(|c| c > 0));
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

    /// Whether a failure of `check` on this node is for good (anti-affinity only grows while one
    /// workload is placed) rather than until another replica lands elsewhere.
    pub fn permanent(reason: &str) -> bool {
        reason != AFFINITY
    }

    /// A replica landed on `node`; returns whether an affinity domain opened up.
    pub fn add(&mut self, node: usize) -> bool {
        let mut opened = false;
        for t in self.affinity.iter_mut().filter(|t| t.self_match) {
            let d = t.domain_of[node];
            if d != NO_DOMAIN {
                opened |= t.counts[d as usize] == 0;
                t.counts[d as usize] += 1;
            }
        }
        for t in self.anti_affinity.iter_mut().filter(|t| t.self_match) {
            let d = t.domain_of[node];
            if d != NO_DOMAIN {
                t.counts[d as usize] += 1;
            }
        }
        opened
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostname_anti_affinity_allows_one_replica_per_node() {
        let dom = Rc::new(vec![0, 1, NO_DOMAIN]);
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
    fn affinity_lets_the_first_self_matching_pod_through() {
        let dom = Rc::new(vec![0, 1]);
        let mut s = InterPodState {
            affinity: vec![TermCounts {
                domain_of: dom,
                counts: vec![0, 0],
                self_match: true,
            }],
            ..Default::default()
        };
        assert_eq!(s.check(1), None);
        assert!(s.add(0));
        assert_eq!(s.check(1), Some(AFFINITY));
        assert_eq!(s.check(0), None);
    }

    #[test]
    fn existing_pods_block_their_domains() {
        let dom = Rc::new(vec![0, 1]);
        let s = InterPodState {
            existing: vec![(dom, vec![true, false])],
            ..Default::default()
        };
        assert_eq!(s.check(0), Some(EXISTING_ANTI_AFFINITY));
        assert_eq!(s.check(1), None);
    }
}
