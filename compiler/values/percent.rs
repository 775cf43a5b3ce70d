//! Percentages (`70%`) and the int-or-percent values of rollout fenceposts (`1`, `25%`).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntOrPercent {
    Int(i32),
    Percent(u32),
}

/// `70%` → 70. Whole percentages from 0 to 1000 (utilisation may exceed 100% of the request).
pub fn parse_percent(s: &str) -> Result<u32, String> {
    let Some(n) = s.strip_suffix('%') else {
        return Err(format!(
            "`{s}` is not a percentage: write it with `%`, e.g. `70%`"
        ));
    };
    match n.parse::<u32>() {
        Ok(v) if v <= 1000 && n.bytes().all(|b| b.is_ascii_digit()) => Ok(v),
        Ok(_) => Err(format!("`{s}` is over 1000%")),
        Err(_) => Err(format!("`{s}` is not a whole percentage")),
    }
}

/// `3` or `25%`.
pub fn parse_int_or_percent(s: &str) -> Result<IntOrPercent, String> {
    if s.ends_with('%') {
        return parse_percent(s).map(IntOrPercent::Percent);
    }
    match s.parse::<i32>() {
        Ok(n) if n >= 0 && s.bytes().all(|b| b.is_ascii_digit()) => Ok(IntOrPercent::Int(n)),
        _ => Err(format!("`{s}` is not a pod count or a percentage")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        assert_eq!(parse_percent("70%"), Ok(70));
        assert!(parse_percent("70").is_err());
        assert!(parse_percent("-5%").is_err());
        assert!(parse_percent("70.5%").is_err());
        assert!(parse_percent("1001%").is_err());
        assert_eq!(parse_int_or_percent("1"), Ok(IntOrPercent::Int(1)));
        assert_eq!(parse_int_or_percent("25%"), Ok(IntOrPercent::Percent(25)));
        assert!(parse_int_or_percent("-1").is_err());
        assert!(parse_int_or_percent("one").is_err());
    }
}
