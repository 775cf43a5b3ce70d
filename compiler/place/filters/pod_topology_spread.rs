//! PodTopologySpread (`DoNotSchedule` constraints): a node passes when its domain's count of
//! matching pods, plus one if the pod matches itself, minus the global minimum is at most
//! `maxSkew`. Counts are kept incrementally while a workload's replicas are placed.

use std::collections::BTreeMap;

use super::super::pod::Spread;

pub const REASON: &str = "node(s) didn't match pod topology spread constraints";
pub const MISSING: &str =
    "node(s) didn't match pod topology spread constraints (missing required label)";

/// Marks a node that lacks the topology key.
pub const NO_DOMAIN: u32 = u32::MAX;

/// One constraint's counts for the workload being placed.
#[derive(Debug, Clone)]
pub struct SpreadState {
    pub max_skew: i64,
    pub min_domains: i64,
    pub self_match: bool,
    /// Whether a placed replica counts (same namespace, a selector with requirements that
    /// match it).
    pub counted: bool,
    /// Domain of each node (`NO_DOMAIN` without the key).
    pub domain_of: std::sync::Arc<Vec<u32>>,
    /// Matching pods per domain.
    pub counts: Vec<i64>,
    /// Whether each domain is eligible (has a node the pod may select).
    pub eligible: Vec<bool>,
    /// Eligible domains by count: count → how many.
    by_count: BTreeMap<i64, u32>,
    domains: i64,
}

impl SpreadState {
    pub fn new(
        c: &Spread,
        (self_match, counted): (bool, bool),
        domain_of: std::sync::Arc<Vec<u32>>,
        counts: Vec<i64>,
        eligible: Vec<bool>,
    ) -> Self {
        let mut by_count = BTreeMap::new();
        let mut domains = 0;
        for (d, &ok) in eligible.iter().enumerate() {
            if ok {
                *by_count.entry(counts[d]).or_insert(0) += 1;
                domains += 1;
            }
        }
        SpreadState {
            max_skew: c.max_skew,
            min_domains: c.min_domains,
            self_match,
            counted,
            domain_of,
            counts,
            eligible,
            by_count,
            domains,
        }
    }

    /// The global minimum, 0 with fewer eligible domains than `minDomains`.
    pub fn min(&self) -> i64 {
        if self.domains < self.min_domains {
            return 0;
        }
        self.by_count.keys().next().copied().unwrap_or(0)
    }

    pub fn check(&self, node: usize) -> Option<&'static str> {
        let d = self.domain_of[node];
        if d == NO_DOMAIN {
            return Some(MISSING);
        }
        let count = self.counts[d as usize];
        (count + i64::from(self.self_match) - self.min() > self.max_skew).then_some(REASON)
    }

    /// A replica that matches the constraint's selector landed on `node`.
    pub fn add(&mut self, node: usize) {
        let d = self.domain_of[node];
        if !self.counted || d == NO_DOMAIN {
            return;
        }
        let d = d as usize;
        if self.eligible[d] {
            let c = self.counts[d];
            if let Some(n) = self.by_count.get_mut(&c) {
                *n -= 1;
                if *n == 0 {
                    self.by_count.remove(&c);
                }
            }
            *self.by_count.entry(c + 1).or_insert(0) += 1;
        }
        self.counts[d] += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::place::pod::Selector;

    fn spread(max_skew: i64, min_domains: i64) -> Spread {
        Spread {
            key: "zone".into(),
            max_skew,
            min_domains,
            selector: Selector::default(),
            honor_affinity: true,
            honor_taints: false,
        }
    }

    #[test]
    fn skew_is_measured_against_the_global_minimum() {
        // nodes 0,1 in zone 0, node 2 in zone 1, node 3 lacks the key
        let dom = std::sync::Arc::new(vec![0, 0, 1, NO_DOMAIN]);
        let mut s = SpreadState::new(
            &spread(1, 1),
            (true, true),
            dom,
            vec![1, 0],
            vec![true, true],
        );
        assert_eq!(s.check(0), Some(REASON));
        assert_eq!(s.check(2), None);
        assert_eq!(s.check(3), Some(MISSING));
        s.add(2);
        assert_eq!(s.check(0), None);
    }

    #[test]
    fn too_few_domains_pin_the_minimum_at_zero() {
        let dom = std::sync::Arc::new(vec![0, 1]);
        let s = SpreadState::new(
            &spread(1, 3),
            (true, true),
            dom,
            vec![1, 1],
            vec![true, true],
        );
        assert_eq!(s.min(), 0);
        assert_eq!(s.check(0), Some(REASON));
    }
}
