//! NodeResourcesFit's score (LeastAllocated, or MostAllocated for binpack) and
//! NodeResourcesBalancedAllocation, over cpu and memory, weight 1 each.
//!
//! LeastAllocated counts what is requested as scoring does (100m / 200Mi for containers that set
//! no request); BalancedAllocation counts actual requests and skips a pod that requests neither
//! cpu nor memory (it scores 0 everywhere).

use crate::place::Strategy;

/// What a pod asks, as the two scorers count it.
#[derive(Debug, Clone, Copy)]
pub struct Ask {
    /// cpu and memory with the scoring defaults.
    pub scored: [i64; 2],
    /// cpu and memory as requested.
    pub requested: [i64; 2],
    pub best_effort: bool,
    pub strategy: Strategy,
}

/// One resource: `requested` is the node's usage with this pod, `alloc` its allocatable (above
/// zero). Computed in `i128`: `alloc × 100` overflows `i64` for exabytes of memory.
fn fit(requested: i128, alloc: i64, strategy: Strategy) -> i64 {
    let alloc = i128::from(alloc);
    let score = match strategy {
        Strategy::Spread if requested > alloc => 0,
        Strategy::Spread => (alloc - requested.max(0)) * 100 / alloc,
        Strategy::Binpack => requested.clamp(0, alloc) * 100 / alloc,
    };
    // 0 to 100 by construction.
    i64::try_from(score).unwrap_or(0)
}

/// NodeResourcesFit: the weighted mean over the resources the node has any of.
fn fit_score(alloc: [i64; 2], requested: [i128; 2], strategy: Strategy) -> i64 {
    let (mut sum, mut weights) = (0, 0);
    for r in 0..2 {
        if alloc[r] > 0 {
            sum += fit(requested[r], alloc[r], strategy);
            weights += 1;
        }
    }
    if weights == 0 { 0 } else { sum / weights }
}

/// BalancedAllocation: 100 × (1 − the standard deviation of the cpu and memory fractions); a
/// resource the node has none of is left out, and one fraction alone has no deviation.
fn balanced(alloc: [i64; 2], requested: [i128; 2]) -> i64 {
    let fraction = |r: usize| (requested[r] as f64 / alloc[r] as f64).min(1.0);
    let std = if alloc[0] != 0 && alloc[1] != 0 {
        ((fraction(0) - fraction(1)) / 2.0).abs()
    } else {
        0.0
    };
    ((1.0 - std) * 100.0) as i64
}

/// The node's two resource scores for a pod, summed: `score_used` and `used` are the node's
/// cpu/memory usage before it, as each scorer counts it. Sums are `i128`, so no quantity an
/// inventory can hold wraps round.
pub fn score(alloc: [i64; 2], score_used: [i64; 2], used: [i64; 2], ask: Ask) -> i64 {
    let add = |a: [i64; 2], b: [i64; 2]| [0, 1].map(|r| i128::from(a[r]) + i128::from(b[r]));
    let fit = fit_score(alloc, add(score_used, ask.scored), ask.strategy);
    if ask.best_effort {
        return fit;
    }
    fit + balanced(alloc, add(used, ask.requested))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(cpu: i64, memory: i64, strategy: Strategy) -> Ask {
        Ask {
            scored: [cpu, memory],
            requested: [cpu, memory],
            best_effort: false,
            strategy,
        }
    }

    #[test]
    fn least_allocated_prefers_the_emptier_node() {
        // Empty, or half used: 2000m of 4000m cpu and 4 of 8 GiB.
        let at = |half: i64, strategy| {
            let used = [2000 * half, (4 << 30) * half];
            score([4000, 8 << 30], used, used, ask(1000, 1 << 30, strategy))
        };
        assert!(at(0, Strategy::Spread) > at(1, Strategy::Spread));
        assert!(at(1, Strategy::Binpack) > at(0, Strategy::Binpack));
    }

    #[test]
    fn the_upstream_example_scores() {
        // LeastAllocated: cpu (4000-3000)/4000 = 25, memory (10000-5000)/10000 = 50 → 37;
        // balanced: |0.75 - 0.5| / 2 = 0.125 → 87.
        let a = ask(3000, 5000, Strategy::Spread);
        assert_eq!(score([4000, 10000], [0, 0], [0, 0], a), 37 + 87);
    }

    #[test]
    fn a_resource_the_node_lacks_is_left_out_and_best_effort_skips_balance() {
        // No memory allocatable: cpu alone, (4000-1000)/4000 = 75; one fraction → balanced 100.
        assert_eq!(
            score([4000, 0], [0, 0], [0, 0], ask(1000, 0, Strategy::Spread)),
            75 + 100
        );
        let mut idle = ask(0, 0, Strategy::Spread);
        idle.scored = [100, 200 << 20];
        idle.best_effort = true;
        assert_eq!(score([1000, 1 << 30], [0, 0], [0, 0], idle), (90 + 80) / 2);
    }
}
