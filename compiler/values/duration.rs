//! Human durations in specs: `90s`, `10m`, `1h30m`, `2d`, and their canonical text.
//!
//! A duration is one or more `<whole number><unit>` groups, units `d`, `h`, `m`, `s`, each at
//! most once and largest first. No sign, fraction, space or other unit (`ms`, `w`) is accepted.

use std::time::Duration;

const UNITS: [(&str, u64); 4] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)];

/// Parse `<integer><unit>` groups in descending unit order, units d, h, m, s.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    if s.is_empty() {
        return Err("an empty string is not a duration".to_string());
    }
    if s.starts_with('-') {
        return Err(format!("`{s}` is not a duration: it cannot be negative"));
    }
    if s.chars().any(char::is_whitespace) {
        return Err(format!(
            "`{s}` is not a duration: write it without spaces, e.g. `1h30m`"
        ));
    }
    let too_long = || format!("`{s}` is too long a duration");
    let mut total: u64 = 0;
    let mut rest = s;
    let mut last_rank: Option<usize> = None;
    while !rest.is_empty() {
        let n_digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (digits, after) = rest.split_at_checked(n_digits).unwrap_or((rest, ""));
        if digits.is_empty() {
            return Err(format!(
                "`{s}` is not a duration: expected a whole number before each unit (e.g. `90s`, `1h30m`)"
            ));
        }
        let n: u64 = digits.parse().map_err(|_| too_long())?;
        let unit_len = after
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit())
            .map_or(after.len(), |(i, _)| i);
        let (unit, after) = after.split_at_checked(unit_len).unwrap_or((after, ""));
        if unit.is_empty() {
            return Err(format!(
                "`{s}` has no unit: write `{s}s` for seconds or `{s}m` for minutes"
            ));
        }
        let Some((rank, (_, secs))) = UNITS.iter().enumerate().find(|(_, (u, _))| *u == unit)
        else {
            return Err(format!(
                "`{s}` has an unknown unit `{unit}` (expected d, h, m or s)"
            ));
        };
        if last_rank.is_some_and(|l| rank <= l) {
            return Err(format!(
                "`{s}`: write units once each, largest first (e.g. `1h30m`)"
            ));
        }
        last_rank = Some(rank);
        total = n
            .checked_mul(*secs)
            .and_then(|x| total.checked_add(x))
            .ok_or_else(too_long)?;
        rest = after;
    }
    Ok(Duration::from_secs(total))
}

/// The canonical text of a duration in whole seconds (`5400s` → `1h30m`, zero → `0s`); parts
/// below a second are dropped.
pub fn format_duration(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, n) in UNITS {
        if secs >= n {
            out.push_str(&(secs / n).to_string());
            out.push_str(unit);
            secs %= n;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(n: u64) -> Result<Duration, String> {
        Ok(Duration::from_secs(n))
    }

    #[test]
    fn parses_each_unit_and_combinations() {
        assert_eq!(parse_duration("90s"), secs(90));
        assert_eq!(parse_duration("10m"), secs(600));
        assert_eq!(parse_duration("1h30m"), secs(5400));
        assert_eq!(parse_duration("2d"), secs(172_800));
        assert_eq!(parse_duration("1d2h3m4s"), secs(93_784));
        assert_eq!(parse_duration("0s"), secs(0));
        assert_eq!(parse_duration("007m"), secs(420));
        assert_eq!(parse_duration("90m"), secs(5400));
        assert_eq!(parse_duration("1d1s"), secs(86_401));
    }

    #[test]
    fn formats_canonically_and_round_trips() {
        assert_eq!(format_duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(format_duration(Duration::from_secs(0)), "0s");
        assert_eq!(format_duration(Duration::from_millis(1500)), "1s");
        assert_eq!(format_duration(Duration::from_secs(93_784)), "1d2h3m4s");
        assert_eq!(format_duration(Duration::MAX), "213503982334601d7h15s");
        for n in [1, 59, 60, 61, 3599, 3600, 86_399, 86_400, 90_061, u64::MAX] {
            let d = Duration::from_secs(n);
            assert_eq!(parse_duration(&format_duration(d)), Ok(d), "{n}");
        }
    }

    #[test]
    fn rejects_with_a_reason() {
        let cases = [
            ("", "empty"),
            ("10", "has no unit"),
            ("1.5h", "unknown unit `.`"),
            ("-1m", "negative"),
            ("+1m", "whole number"),
            ("5m1h", "largest first"),
            ("1h1h", "largest first"),
            ("1h 30m", "without spaces"),
            ("1w", "unknown unit `w`"),
            ("5ms", "unknown unit `ms`"),
            ("1H", "unknown unit `H`"),
            ("99999999999999999999d", "too long"),
            ("213503982334602d", "too long"),
            ("ms", "whole number"),
            ("1h30", "has no unit"),
            ("٣s", "whole number"),
            ("3秒", "unknown unit `秒`"),
        ];
        for (text, why) in cases {
            match parse_duration(text) {
                Ok(d) => panic!("{text:?} parsed as {d:?}"),
                Err(e) => assert!(e.contains(why), "{text:?}: {e}"),
            }
        }
    }
}
