//! Human durations in specs: `90s`, `10m`, `1h30m`, `2d`.

use std::time::Duration;

const UNITS: [(&str, u64); 4] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)];

/// Parse `<integer><unit>` groups in descending unit order, units d, h, m, s.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    if s.is_empty() {
        return Err("an empty string is not a duration".to_string());
    }
    let mut total: u64 = 0;
    let mut rest = s;
    let mut last_rank: Option<usize> = None;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!(
                "`{s}` is not a duration: expected a whole number before each unit (e.g. `90s`, `1h30m`)"
            ));
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("`{s}` is too long"))?;
        rest = &rest[digits..];
        let Some(rank) = UNITS.iter().position(|(u, _)| rest.starts_with(u)) else {
            let unit: String = rest.chars().take_while(|c| !c.is_ascii_digit()).collect();
            return Err(if unit.is_empty() {
                format!("`{s}` has no unit: write `{s}s` for seconds or `{s}m` for minutes")
            } else {
                format!("`{s}` has an unknown unit `{unit}` (expected d, h, m or s)")
            });
        };
        if last_rank.is_some_and(|l| rank <= l) {
            return Err(format!(
                "`{s}`: write units once each, largest first (e.g. `1h30m`)"
            ));
        }
        last_rank = Some(rank);
        let (unit, secs) = UNITS[rank];
        rest = &rest[unit.len()..];
        total = n
            .checked_mul(secs)
            .and_then(|x| total.checked_add(x))
            .ok_or_else(|| format!("`{s}` is too long"))?;
    }
    Ok(Duration::from_secs(total))
}

/// The canonical text of a whole-second duration (`5400s` → `1h30m`).
pub fn format_duration(d: Duration) -> String {
    let mut secs = d.as_secs();
    if secs == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, n) in UNITS {
        if secs >= n {
            out.push_str(&format!("{}{unit}", secs / n));
            secs %= n;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(format_duration(Duration::from_secs(5400)), "1h30m");
        for bad in [
            "",
            "10",
            "1.5h",
            "-1m",
            "5m1h",
            "1h1h",
            "10 m",
            "1w",
            "99999999999999999999d",
            "ms",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }
}
