//! "Did you mean": the closest candidate by edit distance, if it is close enough. General: used
//! for unknown keys, choices and time zones alike.

/// Inputs or candidates longer than this are not compared (no typo of a key is that long, and
/// it bounds the work per pair).
const MAX_CHARS: usize = 64;

/// The candidate closest to `input` by case-insensitive optimal-string-alignment distance
/// (insertions, deletions, substitutions, adjacent transpositions), when that distance is at
/// most a third of the input's length and at least 1, as rustc's threshold. Ties go to the
/// earliest candidate, so the result depends only on the candidates' order. An input equal to a
/// candidate (ignoring case) suggests that candidate.
pub fn suggest<I, S>(input: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let needle: Vec<char> = input.to_lowercase().chars().collect();
    if needle.is_empty() || needle.len() > MAX_CHARS {
        return None;
    }
    let limit = (needle.len() / 3).max(1);
    let mut best: Option<(usize, String)> = None;
    for c in candidates {
        let c = c.as_ref();
        let hay: Vec<char> = c.to_lowercase().chars().collect();
        if hay.len() > MAX_CHARS || hay.len().abs_diff(needle.len()) > limit {
            continue;
        }
        let d = distance(&needle, &hay);
        if d <= limit && best.as_ref().is_none_or(|(b, _)| d < *b) {
            best = Some((d, c.to_string()));
        }
    }
    best.map(|(_, s)| s)
}

/// Optimal string alignment distance, kept in three rolling rows.
fn distance(a: &[char], b: &[char]) -> usize {
    let mut before: Vec<usize> = Vec::new();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let at = |row: &[usize], k: usize| row.get(k).copied().unwrap_or(usize::MAX);
            let deletion = at(&prev, j + 1).saturating_add(1);
            let insertion = at(&cur, j).saturating_add(1);
            let substitution = at(&prev, j).saturating_add(usize::from(ca != cb));
            let mut v = deletion.min(insertion).min(substitution);
            let swapped = i > 0 && j > 0 && a.get(i - 1) == Some(cb) && b.get(j - 1) == Some(ca);
            if swapped {
                v = v.min(at(&before, j - 1).saturating_add(1));
            }
            cur.push(v);
        }
        before = std::mem::replace(&mut prev, cur);
    }
    prev.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(a: &str, b: &str) -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        distance(&a, &b)
    }

    #[test]
    fn distances() {
        assert_eq!(d("", ""), 0);
        assert_eq!(d("abc", ""), 3);
        assert_eq!(d("", "abc"), 3);
        assert_eq!(d("kitten", "sitting"), 3);
        assert_eq!(d("imgae", "image"), 1);
        assert_eq!(d("ab", "ba"), 1);
        assert_eq!(d("ca", "abc"), 3);
        assert_eq!(d("flaw", "lawn"), 2);
        assert_eq!(d("日本語", "日本"), 1);
    }

    #[test]
    fn finds_typos_and_transpositions() {
        let keys = ["image", "port", "ports", "runtime"];
        assert_eq!(suggest("imgae", keys).as_deref(), Some("image"));
        assert_eq!(suggest("prot", keys).as_deref(), Some("port"));
        assert_eq!(suggest("RUNTIME", keys).as_deref(), Some("runtime"));
        assert_eq!(suggest("runtim", keys).as_deref(), Some("runtime"));
        assert_eq!(suggest("replicas", keys), None);
        assert_eq!(suggest("", keys), None);
        assert_eq!(suggest("x", Vec::<String>::new()), None);
        assert_eq!(suggest("gpu", ["gpus", "cpu"]).as_deref(), Some("gpus"));
    }

    #[test]
    fn the_threshold_grows_with_the_input() {
        assert_eq!(suggest("ab", ["xy"]), None);
        assert_eq!(suggest("a", ["b"]).as_deref(), Some("b"));
        assert_eq!(suggest("abcdef", ["abcxyf"]).as_deref(), Some("abcxyf"));
        assert_eq!(suggest("abcdef", ["axyzef"]), None);
    }

    #[test]
    fn ties_go_to_the_first_candidate() {
        assert_eq!(suggest("pot", ["port", "post"]).as_deref(), Some("port"));
        assert_eq!(suggest("pot", ["post", "port"]).as_deref(), Some("post"));
        assert_eq!(suggest("porx", ["pory", "port"]).as_deref(), Some("pory"));
    }

    #[test]
    fn survives_long_and_odd_input() {
        let long = "a".repeat(10_000);
        assert_eq!(suggest(&long, [long.as_str()]), None);
        assert_eq!(suggest("a", [long.as_str()]), None);
        assert_eq!(suggest("İ", ["i̇"]).as_deref(), Some("i̇"));
        assert_eq!(suggest("\u{0}", ["\u{0}"]).as_deref(), Some("\u{0}"));
    }
}
