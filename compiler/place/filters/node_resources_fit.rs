//! NodeResourcesFit: the pod count, then cpu, memory, ephemeral-storage and every other requested
//! resource, each compared as integers (millicores for cpu, whole units otherwise). A node may
//! give several reasons; a pod that requests nothing stops after the pod count.

/// Whether `n` more of a resource fits beside `used` within `alloc`, without overflow: three
/// 3Ei pods never fit a 7Ei node by wrapping around.
fn room(alloc: i64, used: i64, n: i64) -> bool {
    i128::from(used) + i128::from(n) <= i128::from(alloc)
}

/// `request` is (resource index, amount) for every non-zero request.
pub fn fits(
    alloc: &[i64],
    used: &[i64],
    pods: i64,
    max_pods: i64,
    request: &[(usize, i64)],
) -> bool {
    pods < max_pods && request.iter().all(|&(r, n)| room(alloc[r], used[r], n))
}

/// Every reason the node gives, in the plugin's order.
pub fn reasons(
    alloc: &[i64],
    used: &[i64],
    pods: i64,
    max_pods: i64,
    request: &[(usize, i64)],
    names: &[String],
) -> Vec<String> {
    let mut out = Vec::new();
    if pods >= max_pods {
        out.push("Too many pods".to_string());
        if request.is_empty() {
            return out;
        }
    }
    for &(r, n) in request {
        if !room(alloc[r], used[r], n) {
            out.push(format!("Insufficient {}", names[r]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["cpu", "memory", "nvidia.com/gpu"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    #[test]
    fn exact_fits_fit_and_every_shortfall_is_named() {
        let alloc = [10, 20, 1];
        assert!(fits(&alloc, &[5, 10, 0], 0, 32, &[(0, 5), (1, 10)]));
        assert!(reasons(&alloc, &[5, 10, 0], 0, 32, &[(0, 5), (1, 10)], &names()).is_empty());
        assert_eq!(
            reasons(
                &alloc,
                &[8, 19, 1],
                0,
                32,
                &[(0, 3), (1, 2), (2, 1)],
                &names()
            ),
            [
                "Insufficient cpu",
                "Insufficient memory",
                "Insufficient nvidia.com/gpu"
            ]
        );
    }

    #[test]
    fn pod_count_comes_first_and_stops_for_empty_pods() {
        let alloc = [10, 20, 0];
        assert_eq!(
            reasons(&alloc, &[0, 0, 0], 1, 1, &[], &names()),
            ["Too many pods"]
        );
        assert_eq!(
            reasons(&alloc, &[10, 0, 0], 1, 1, &[(0, 1)], &names()),
            ["Too many pods", "Insufficient cpu"]
        );
        assert_eq!(
            reasons(&alloc, &[0, 0, 0], 0, 1, &[(2, 1)], &names()),
            ["Insufficient nvidia.com/gpu"]
        );
        assert!(!fits(&alloc, &[0, 0, 0], 0, 0, &[]));
    }
}
