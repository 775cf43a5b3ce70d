//! JSON-pointer patterns matched by whole segments: the tables that map a generated field back
//! to where it came from (`provenance::RULES`, `verify::origin`'s `FIELDS`) are written in them.
//!
//! A pattern is `[kind:KIND ][^]/SEGMENT/SEGMENT…[$]`. Its segments must equal a contiguous run
//! of the pointer's segments; a pattern never matches part of a segment, so `/image` does not
//! match `/imagePullPolicy` and `/metadata/name` does not match `/metadata/namespace`.
//!
//! - `^` anchors the run at the start of the pointer (`^/spec/replicas` is the object's own
//!   `spec`, not a pod template's), `$` at its end (`/host$` is the value itself, not what is
//!   under it). Without `$` the pattern also matches everything under the run, which is how a
//!   rule for a list or a map covers its items.
//! - A segment is written as in the pointer (`app.kubernetes.io~1name` for the label key
//!   `app.kubernetes.io/name`); `*` is any one segment (a list index, a resource name);
//!   `{a,b}` is any one of the listed segments.
//! - `kind:KIND ` limits the pattern to objects of that kind.

/// Whether `pattern` matches `pointer` in an object of kind `kind`.
pub fn matches(pattern: &str, kind: &str, pointer: &str) -> bool {
    Pattern::parse(pattern).is_some_and(|p| p.matches(kind, pointer))
}

/// A table of `(pattern, value)` rows, its patterns parsed once: the first row whose pattern
/// matches decides. A malformed pattern matches nothing.
pub struct Table<T: 'static> {
    rows: Vec<(Pattern<'static>, T)>,
}

impl<T: Copy> Table<T> {
    pub fn new(rows: &'static [(&'static str, T)]) -> Self {
        Table {
            rows: rows
                .iter()
                .filter_map(|(pattern, value)| Some((Pattern::parse(pattern)?, *value)))
                .collect(),
        }
    }

    /// The value of the first row whose pattern matches `pointer` in an object of kind `kind`.
    pub fn find(&self, kind: &str, pointer: &str) -> Option<T> {
        self.rows
            .iter()
            .find(|(pattern, _)| pattern.matches(kind, pointer))
            .map(|(_, value)| *value)
    }
}

/// A pattern taken apart: `kind:KIND ^/a/b$` is `KIND`, both anchors, and `a/b`.
struct Pattern<'a> {
    kind: Option<&'a str>,
    start: bool,
    end: bool,
    /// The segments, without the leading `/`.
    path: &'a str,
}

impl<'a> Pattern<'a> {
    fn parse(pattern: &'a str) -> Option<Self> {
        let (kind, rest) = match pattern.strip_prefix("kind:") {
            Some(rest) => rest.split_once(' ').map(|(k, rest)| (Some(k), rest))?,
            None => (None, pattern),
        };
        let (start, rest) = rest.strip_prefix('^').map_or((false, rest), |r| (true, r));
        let (end, rest) = rest.strip_suffix('$').map_or((false, rest), |r| (true, r));
        Some(Pattern {
            kind,
            start,
            end,
            path: rest.strip_prefix('/')?,
        })
    }

    fn matches(&self, kind: &str, pointer: &str) -> bool {
        if self.kind.is_some_and(|k| k != kind) {
            return false;
        }
        let want = self.path.split('/').count();
        let Some(last) = segments(pointer).count().checked_sub(want) else {
            return false;
        };
        let at = match (self.start, self.end) {
            (true, true) if last > 0 => return false,
            (true, _) => 0..=0,
            (false, true) => last..=last,
            (false, false) => 0..=last,
        };
        at.into_iter().any(|at| {
            self.path
                .split('/')
                .zip(segments(pointer).skip(at))
                .all(|(p, s)| segment_matches(p, s))
        })
    }
}

/// The segments of a JSON pointer, still escaped (`""` has none, `/a/b` has `a` and `b`).
pub fn segments(pointer: &str) -> impl Iterator<Item = &str> {
    pointer.split('/').skip(1)
}

/// The pointer of the list item `pointer` is in: its prefix through the segment after the first
/// segment `list` (`/a/env/2` for `/a/env/2/name` and `env`).
pub fn item<'p>(pointer: &'p str, list: &str) -> Option<&'p str> {
    let mut end = 0;
    let mut in_list = false;
    for segment in segments(pointer) {
        end += 1 + segment.len();
        if in_list {
            return Some(&pointer[..end]);
        }
        in_list = segment == list;
    }
    None
}

/// A pointer segment as the key it stands for: `~1` is `/`, `~0` is `~`.
pub fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

fn segment_matches(pattern: &str, segment: &str) -> bool {
    match pattern.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        Some(choices) => choices.split(',').any(|c| c == segment),
        None => pattern == "*" || pattern == segment,
    }
}

/// Why `pattern` is not written as the module says, for the tables' tests.
#[cfg(test)]
pub fn check(pattern: &str) -> Result<(), String> {
    let p = Pattern::parse(pattern)
        .ok_or_else(|| format!("`{pattern}`: write `[kind:KIND ][^]/SEGMENT/…[$]`"))?;
    if p.kind
        .is_some_and(|k| k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err(format!(
            "`{pattern}`: a kind is a name such as `Deployment`"
        ));
    }
    for s in p.path.split('/') {
        let choices = s.strip_prefix('{').and_then(|c| c.strip_suffix('}'));
        let names: Vec<&str> = choices.map_or(vec![s], |c| c.split(',').collect());
        let bad = |n: &&str| {
            n.is_empty()
                || n.contains(['{', '}', '^', '$', ' ', ','])
                || (n.contains('*') && *n != "*")
        };
        if names.iter().any(bad) || (choices.is_some() && names.contains(&"*")) {
            return Err(format!("`{pattern}`: bad segment `{s}`"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const POD: &str = "/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu";

    #[test]
    fn a_pattern_matches_a_run_of_whole_segments() {
        assert!(matches("/resources/limits", "Deployment", POD));
        assert!(matches("/containers/0/resources", "Deployment", POD));
        assert!(matches("/nvidia.com~1gpu", "Deployment", POD));
        assert!(matches("/spec/template", "Deployment", POD));
        assert!(!matches("/limits/resources", "Deployment", POD));
        assert!(matches("/spec/containers", "Deployment", POD));
        assert!(!matches("/template/containers", "Deployment", POD));
    }

    #[test]
    fn a_pattern_never_matches_part_of_a_segment() {
        assert!(!matches("/metadata/name", "Service", "/metadata/namespace"));
        assert!(!matches(
            "/image",
            "Job",
            "/spec/containers/0/imagePullPolicy"
        ));
        assert!(!matches("/memory", "Job", "/spec/memoryLimit"));
        assert!(!matches("/gpu", "Deployment", POD));
        assert!(!matches("/host", "Ingress", "/spec/tls/0/hosts"));
        assert!(!matches("/limits/nvidia", "Deployment", POD));
        assert!(!matches("/mits/nvidia.com~1gpu", "Deployment", POD));
    }

    #[test]
    fn anchors_pin_the_run_to_the_start_or_the_end() {
        assert!(matches("^/spec/replicas", "Deployment", "/spec/replicas"));
        assert!(!matches(
            "^/spec/replicas",
            "X",
            "/spec/jobTemplate/spec/replicas"
        ));
        assert!(matches(
            "/spec/replicas",
            "X",
            "/spec/jobTemplate/spec/replicas"
        ));
        assert!(matches("/host$", "Ingress", "/spec/rules/0/host"));
        assert!(!matches("/rules$", "Ingress", "/spec/rules/0/host"));
        assert!(matches("/rules", "Ingress", "/spec/rules/0/host"));
        assert!(matches(
            "^/spec/rules/0/host$",
            "Ingress",
            "/spec/rules/0/host"
        ));
        assert!(!matches("^/spec/rules/0$", "Ingress", "/spec/rules/0/host"));
        assert!(!matches("^/rules/0/host$", "Ingress", "/spec/rules/0/host"));
        assert!(matches("^/spec$", "Ingress", "/spec"));
        assert!(!matches("/spec", "Ingress", ""));
    }

    #[test]
    fn a_star_is_one_segment_and_braces_are_a_choice() {
        assert!(matches("/resources/*/*", "Deployment", POD));
        assert!(matches("/containers/*/resources", "Deployment", POD));
        assert!(!matches("^/*/resources", "Deployment", POD));
        assert!(matches(
            "/resources/{requests,limits}/*$",
            "Deployment",
            POD
        ));
        assert!(!matches("/{requests,claims}", "Deployment", POD));
        assert!(!matches("/{limit,s}", "Deployment", POD));
    }

    #[test]
    fn a_kind_limits_the_pattern_to_that_kind() {
        let name = "/metadata/name";
        assert!(matches("kind:Namespace ^/metadata/name", "Namespace", name));
        assert!(!matches("kind:Namespace ^/metadata/name", "Service", name));
        assert!(!matches("kind:Namespace", "Namespace", name));
    }

    #[test]
    fn malformed_patterns_are_named() {
        for good in ["/a", "^/a/*$", "kind:Job ^/spec", "/{a,b}/c~1d"] {
            assert_eq!(check(good), Ok(()), "{good}");
        }
        for bad in [
            "a/b",
            "/a//b",
            "/a/",
            "kind:Job/spec",
            "/{a,}",
            "/{a,*}",
            "/a$/b",
            "^^/a",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_item_is_the_segment_after_its_list() {
        let env = "/spec/containers/0/env/2/valueFrom/secretKeyRef";
        assert_eq!(item(env, "env"), Some("/spec/containers/0/env/2"));
        assert_eq!(item(env, "containers"), Some("/spec/containers/0"));
        assert_eq!(item("/spec/containers/0/env", "env"), None);
        assert_eq!(item("/data/environment/1", "env"), None);
    }

    #[test]
    fn segments_are_unescaped_into_keys() {
        assert_eq!(segments("").count(), 0);
        assert_eq!(segments("/a/b~1c").collect::<Vec<_>>(), ["a", "b~1c"]);
        assert_eq!(unescape("a~1b~0c"), "a/b~c");
    }
}
