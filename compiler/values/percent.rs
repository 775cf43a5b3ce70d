//! Percentages (`70%`) and the int-or-percent values of rollout fenceposts (`1`, `25%`).
//!
//! Both are whole, non-negative and written with ASCII digits only; a percentage may go up to
//! 1000% (utilisation can exceed the request). Tighter ranges are the caller's to check.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntOrPercent {
    Int(i32),
    Percent(u32),
}

const MAX_PERCENT: u32 = 1000;

/// `70%` → 70. Whole percentages from 0 to 1000.
pub fn parse_percent(s: &str) -> Result<u32, String> {
    let Some(n) = s.strip_suffix('%') else {
        return Err(format!(
            "`{s}` is not a percentage: write it with `%`, e.g. `70%`"
        ));
    };
    if n.starts_with('-') {
        return Err(format!("`{s}` is not a percentage: it cannot be negative"));
    }
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "`{s}` is not a whole percentage (write digits then `%`, e.g. `70%`)"
        ));
    }
    match n.parse::<u32>() {
        Ok(v) if v <= MAX_PERCENT => Ok(v),
        _ => Err(format!("`{s}` is over {MAX_PERCENT}%")),
    }
}

/// `3` or `25%`: a pod count or a percentage of the replicas.
pub fn parse_int_or_percent(s: &str) -> Result<IntOrPercent, String> {
    if s.ends_with('%') {
        return parse_percent(s).map(IntOrPercent::Percent);
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "`{s}` is not a pod count or a percentage (e.g. `1` or `25%`)"
        ));
    }
    s.parse::<i32>()
        .map(IntOrPercent::Int)
        .map_err(|_| format!("`{s}` is too large a pod count (at most {})", i32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages() {
        assert_eq!(parse_percent("70%"), Ok(70));
        assert_eq!(parse_percent("0%"), Ok(0));
        assert_eq!(parse_percent("007%"), Ok(7));
        assert_eq!(parse_percent("1000%"), Ok(1000));
        for (bad, why) in [
            ("70", "write it with `%`"),
            ("", "write it with `%`"),
            ("%", "whole percentage"),
            ("-5%", "negative"),
            ("+5%", "whole percentage"),
            ("70.5%", "whole percentage"),
            ("70 %", "whole percentage"),
            ("70%%", "whole percentage"),
            ("٧٠%", "whole percentage"),
            ("1001%", "over 1000%"),
            ("99999999999999999999%", "over 1000%"),
        ] {
            let e = parse_percent(bad).expect_err(bad);
            assert!(e.contains(why), "{bad:?}: {e}");
        }
        assert_eq!(
            parse_percent("70"),
            Err("`70` is not a percentage: write it with `%`, e.g. `70%`".into())
        );
    }

    #[test]
    fn ints_or_percentages() {
        assert_eq!(parse_int_or_percent("1"), Ok(IntOrPercent::Int(1)));
        assert_eq!(parse_int_or_percent("0"), Ok(IntOrPercent::Int(0)));
        assert_eq!(parse_int_or_percent("25%"), Ok(IntOrPercent::Percent(25)));
        assert_eq!(
            parse_int_or_percent("2147483647"),
            Ok(IntOrPercent::Int(i32::MAX))
        );
        for (bad, why) in [
            ("-1", "not a pod count"),
            ("one", "not a pod count"),
            ("", "not a pod count"),
            ("1.5", "not a pod count"),
            (" 1", "not a pod count"),
            ("2147483648", "too large"),
            ("-1%", "negative"),
        ] {
            let e = parse_int_or_percent(bad).expect_err(bad);
            assert!(e.contains(why), "{bad:?}: {e}");
        }
    }
}
