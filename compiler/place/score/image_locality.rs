//! ImageLocality: a node that already holds the pod's images scores higher, the more so the
//! larger the images and the more nodes hold them (so one node holding a rare image does not
//! draw every pod). Each image name counts with the size of the first node's image of that name.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::inventory::Node;

const MB: i64 = 1024 * 1024;
const MIN_THRESHOLD: i64 = 23 * MB;
const MAX_CONTAINER_THRESHOLD: i64 = 1000 * MB;

/// Every image name of the cluster: its size and how many nodes hold it.
#[derive(Debug, Clone, Default)]
pub struct Images {
    by_name: BTreeMap<Arc<str>, (i64, i64)>,
    nodes: i64,
}

impl Images {
    pub fn new(nodes: &[Node]) -> Self {
        let mut by_name: BTreeMap<Arc<str>, (i64, i64)> = BTreeMap::new();
        for n in nodes {
            let mut seen: Vec<&Arc<str>> = Vec::new();
            for (name, size) in &n.images {
                if seen.contains(&name) {
                    continue;
                }
                seen.push(name);
                by_name.entry(name.clone()).or_insert((*size, 0)).1 += 1;
            }
        }
        Images {
            by_name,
            nodes: i64::try_from(nodes.len()).unwrap_or(i64::MAX),
        }
    }

    /// Whether any node holds any of these images (if not, every node scores 0).
    pub fn any(&self, images: &[String]) -> bool {
        images.iter().any(|i| self.by_name.contains_key(i.as_str()))
    }

    /// The node's score for a pod running `images` (init containers and containers).
    pub fn score(&self, node: &Node, images: &[String]) -> i64 {
        let mut sum = 0;
        for image in images {
            let held = node.images.iter().any(|(n, _)| **n == **image);
            if let (true, Some(&(size, holders))) = (held, self.by_name.get(image.as_str())) {
                sum += (size as f64 * (holders as f64 / self.nodes as f64)) as i64;
            }
        }
        let containers = i64::try_from(images.len()).unwrap_or(i64::MAX);
        let max = MAX_CONTAINER_THRESHOLD.saturating_mul(containers);
        if max <= MIN_THRESHOLD {
            return 0;
        }
        let sum = sum.clamp(MIN_THRESHOLD, max);
        100 * (sum - MIN_THRESHOLD) / (max - MIN_THRESHOLD)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(images: &[(&str, i64)]) -> Node {
        Node {
            name: "n".into(),
            labels: Default::default(),
            taints: Vec::new(),
            allocatable: Default::default(),
            unschedulable: false,
            images: images.iter().map(|(n, s)| (Arc::from(*n), *s)).collect(),
        }
    }

    #[test]
    fn big_images_held_by_many_nodes_score() {
        let a = node(&[("r/big:1", 500 * MB), ("r/small:1", 10 * MB)]);
        let b = node(&[("r/big:1", 500 * MB)]);
        let images = Images::new(&[a.clone(), b.clone(), node(&[])]);
        let pod = vec!["r/big:1".to_string()];
        // 500 MB × 2/3 nodes = 333 MB: (333 - 23) × 100 / (1000 - 23) = 31.
        assert_eq!(images.score(&a, &pod), 31);
        assert_eq!(images.score(&node(&[]), &pod), 0);
        assert_eq!(images.score(&a, &["r/small:1".to_string()]), 0);
        assert!(!images.any(&["r/other:1".to_string()]));
    }
}
