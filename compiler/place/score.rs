//! Scoring like the default profile: NodeResourcesFit (LeastAllocated, or MostAllocated for
//! binpack) plus NodeResourcesBalancedAllocation, over cpu and memory, weight 1 each. Other
//! score plugins (taint, affinity and spread preferences, image locality) are not modelled.

use super::Strategy;

/// `requested` is the node's scoring usage after this pod; `alloc` its allocatable. Computed in
/// `i128`: `alloc × 100` overflows `i64` for exabytes of memory.
fn fit(requested: i128, alloc: i64, strategy: Strategy) -> i64 {
    if alloc <= 0 {
        return 0;
    }
    let alloc = i128::from(alloc);
    let score = match strategy {
        Strategy::Spread if requested > alloc => 0,
        Strategy::Spread => (alloc - requested.max(0)) * 100 / alloc,
        Strategy::Binpack => requested.clamp(0, alloc) * 100 / alloc,
    };
    // 0 to 100 by construction.
    i64::try_from(score).unwrap_or(0)
}

/// BalancedAllocation: 100 × (1 − the standard deviation of the cpu and memory fractions).
fn balanced(cpu: (i128, i64), memory: (i128, i64)) -> i64 {
    let frac = |(req, alloc): (i128, i64)| {
        if alloc <= 0 {
            None
        } else {
            Some((req as f64 / alloc as f64).min(1.0))
        }
    };
    match (frac(cpu), frac(memory)) {
        (Some(a), Some(b)) => ((1.0 - (a - b).abs() / 2.0) * 100.0) as i64,
        _ => 100,
    }
}

/// The node's score for a pod: `score_used` and `used` are the node's cpu/memory usage before it.
pub fn score(
    alloc: [i64; 2],
    score_used: [i64; 2],
    used: [i64; 2],
    pod_score: [i64; 2],
    pod_req: [i64; 2],
    strategy: Strategy,
) -> i64 {
    let sum = |a: i64, b: i64| i128::from(a) + i128::from(b);
    let cpu = fit(sum(score_used[0], pod_score[0]), alloc[0], strategy);
    let mem = fit(sum(score_used[1], pod_score[1]), alloc[1], strategy);
    let bal = balanced(
        (sum(used[0], pod_req[0]), alloc[0]),
        (sum(used[1], pod_req[1]), alloc[1]),
    );
    (cpu + mem) / 2 + bal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_allocated_prefers_the_emptier_node() {
        // Empty, or half used: 2000m of 4000m cpu and 4 of 8 GiB.
        let at = |half: i64, strategy| {
            let used = [2000 * half, (4 << 30) * half];
            score(
                [4000, 8 << 30],
                used,
                used,
                [1000, 1 << 30],
                [1000, 1 << 30],
                strategy,
            )
        };
        assert!(at(0, Strategy::Spread) > at(1, Strategy::Spread));
        assert!(at(1, Strategy::Binpack) > at(0, Strategy::Binpack));
    }

    #[test]
    fn the_upstream_example_scores() {
        // LeastAllocated: cpu (4000-3000)/4000 = 25, memory (10000-5000)/10000 = 50 → 37;
        // balanced: |0.75 - 0.5| / 2 = 0.125 → 87.
        assert_eq!(
            score(
                [4000, 10000],
                [0, 0],
                [0, 0],
                [3000, 5000],
                [3000, 5000],
                Strategy::Spread
            ),
            37 + 87
        );
    }
}
