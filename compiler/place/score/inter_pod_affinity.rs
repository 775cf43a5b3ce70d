//! InterPodAffinity's score: per topology key, a sum per domain of the weights of the preferred
//! terms that pods there match — the pod's own terms against running pods, running pods'
//! preferred terms and required affinity terms (weight 1) against the pod; anti-affinity terms
//! subtract. A node scores the domains it is in, normalised between the lowest and the highest
//! score of the feasible nodes.

use std::sync::Arc;

use super::super::filters::pod_topology_spread::NO_DOMAIN;

/// Scores per domain of one topology key.
#[derive(Debug, Clone)]
pub struct Table {
    pub key: String,
    pub domain_of: Arc<Vec<u32>>,
    pub values: Vec<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct InterPodScore {
    pub tables: Vec<Table>,
    /// What each placed replica adds: (table, amount).
    pub on_bind: Vec<(usize, i64)>,
}

impl InterPodScore {
    /// The table of a topology key, made on first use.
    pub fn table(&mut self, key: &str, domains: (Arc<Vec<u32>>, usize)) -> usize {
        if let Some(i) = self.tables.iter().position(|t| t.key == key) {
            return i;
        }
        self.tables.push(Table {
            key: key.to_string(),
            domain_of: domains.0,
            values: vec![0; domains.1],
        });
        self.tables.len() - 1
    }

    /// Whether no term counts anywhere, now or after a replica lands: every node scores 0.
    pub fn is_empty(&self) -> bool {
        self.on_bind.is_empty() && self.tables.iter().all(|t| t.values.iter().all(|&v| v == 0))
    }

    pub fn raw(&self, node: usize) -> i64 {
        self.tables
            .iter()
            .map(|t| {
                let d = t.domain_of[node];
                if d == NO_DOMAIN {
                    0
                } else {
                    t.values[d as usize]
                }
            })
            .sum()
    }

    /// A replica landed on `node` (`labelled`: the node has labels; on one without, running
    /// pods count for nothing).
    pub fn add(&mut self, node: usize, labelled: bool) {
        if !labelled {
            return;
        }
        for &(t, amount) in &self.on_bind {
            let table = &mut self.tables[t];
            let d = table.domain_of[node];
            if d != NO_DOMAIN {
                table.values[d as usize] += amount;
            }
        }
    }
}

/// The normalised score between the feasible nodes' lowest and highest raw score.
pub fn normalize(raw: i64, min: i64, max: i64) -> i64 {
    if max > min {
        (100.0 * ((raw - min) as f64 / (max - min) as f64)) as i64
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_add_up_and_normalise_between_min_and_max() {
        let mut s = InterPodScore::default();
        let zone = s.table("zone", (Arc::new(vec![0, 0, 1, NO_DOMAIN]), 2));
        let host = s.table("host", (Arc::new(vec![0, 1, 2, 3]), 4));
        s.tables[zone].values = vec![5, 0];
        s.tables[host].values = vec![0, 2, 0, 0];
        s.on_bind = vec![(zone, -3)];
        assert_eq!([s.raw(0), s.raw(1), s.raw(2), s.raw(3)], [5, 7, 0, 0]);
        s.add(2, true);
        assert_eq!(s.raw(2), -3);
        assert_eq!(normalize(7, -3, 7), 100);
        assert_eq!(normalize(0, -3, 7), 30);
        assert_eq!(normalize(1, 1, 1), 0);
    }
}
