//! "Did you mean": the closest candidate by edit distance, if it is close enough.

/// The candidate closest to `input` (case-insensitive Damerau–Levenshtein distance), when the
/// distance is at most a third of the input's length (at least 1). Ties go to the first candidate.
pub fn suggest<I, S>(input: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let needle: Vec<char> = input.to_lowercase().chars().collect();
    if needle.is_empty() || needle.len() > 64 {
        return None;
    }
    let limit = (needle.len() / 3).max(1);
    let mut best: Option<(usize, String)> = None;
    for c in candidates {
        let c = c.as_ref();
        let hay: Vec<char> = c.to_lowercase().chars().collect();
        if hay.len() > 64 {
            continue;
        }
        let d = distance(&needle, &hay);
        if d <= limit && best.as_ref().is_none_or(|(b, _)| d < *b) {
            best = Some((d, c.to_string()));
        }
    }
    best.map(|(_, s)| s)
}

/// Optimal string alignment distance: insertions, deletions, substitutions, transpositions.
fn distance(a: &[char], b: &[char]) -> usize {
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_typos_and_transpositions() {
        let keys = ["image", "port", "ports", "runtime"];
        assert_eq!(suggest("imgae", keys).as_deref(), Some("image"));
        assert_eq!(suggest("prot", keys).as_deref(), Some("port"));
        assert_eq!(suggest("RUNTIME", keys).as_deref(), Some("runtime"));
        assert_eq!(suggest("replicas", keys), None);
        assert_eq!(suggest("", keys), None);
    }

    #[test]
    fn ties_go_to_the_first_candidate() {
        assert_eq!(suggest("pot", ["port", "post"]).as_deref(), Some("port"));
    }
}
