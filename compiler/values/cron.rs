//! CronJob schedules as the Kubernetes controller parses them (robfig/cron v3's standard
//! parser): five whitespace-separated fields, or one of the `@yearly`-style descriptors.
//!
//! Choices, where robfig and Kubernetes leave room:
//! - day of week is 0-6 (robfig's bounds); `7` is refused with a hint to write 0 or SUN;
//! - `?` is accepted in day of month and day of week only (robfig takes it anywhere);
//! - `@every <duration>` is refused: robfig accepts it, but Kubernetes documents only the
//!   calendar descriptors and a CronJob counts such an interval from odd starting points;
//! - numbers are plain ASCII digits (robfig's `Atoi` also takes `+5`), and `*-5` is refused;
//! - any `TZ` in the schedule is refused, as API validation does: use the `timezone` key.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    /// The allowed values of each field, ascending: minute, hour, day of month, month, day of
    /// week (0 = Sunday).
    pub fields: [Vec<u8>; 5],
    /// Day of month was `*` or `?` (not `*/2`). With robfig's semantics, when both day fields
    /// are restricted a day matches if either matches; otherwise both must.
    pub dom_any: bool,
    /// Day of week was `*` or `?` (not `*/2`).
    pub dow_any: bool,
}

struct Field {
    name: &'static str,
    min: u8,
    max: u8,
    names: &'static [&'static str],
}

const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: [Field; 5] = [
    Field {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
    },
    Field {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
    },
    Field {
        name: "day of month",
        min: 1,
        max: 31,
        names: &[],
    },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: MONTHS,
    },
    Field {
        name: "day of week",
        min: 0,
        max: 6,
        names: DAYS,
    },
];

const DESCRIPTORS: [(&str, &str); 7] = [
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 1 *"),
    ("@monthly", "0 0 1 * *"),
    ("@weekly", "0 0 * * 0"),
    ("@daily", "0 0 * * *"),
    ("@midnight", "0 0 * * *"),
    ("@hourly", "0 * * * *"),
];

/// Parse a CronJob schedule into the values each field allows.
pub fn parse_cron(s: &str) -> Result<Cron, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("an empty schedule".to_string());
    }
    if s.contains("TZ") {
        return Err(format!(
            "`{s}`: Kubernetes rejects a time zone in the schedule; use the `timezone` key"
        ));
    }
    let expanded = if t.starts_with('@') {
        if t.starts_with("@every") {
            return Err(format!(
                "`{s}`: `@every` intervals are not supported; write five fields, e.g. `*/5 * * * *`"
            ));
        }
        let Some((_, fields)) = DESCRIPTORS.iter().find(|(d, _)| *d == t) else {
            return Err(format!(
                "`{s}` is not a schedule descriptor (expected @yearly, @monthly, @weekly, @daily or @hourly)"
            ));
        };
        if t != s {
            return Err(format!(
                "`{s}`: write the descriptor without spaces around it"
            ));
        }
        fields
    } else {
        t
    };
    let parts: Vec<&str> = expanded.split_whitespace().collect();
    let [minute, hour, dom, month, dow] = parts.as_slice() else {
        let extra = if parts.len() == 6 {
            " (a seconds field is not supported)"
        } else {
            ""
        };
        return Err(format!(
            "`{s}` has {} fields; a schedule has 5: minute hour day-of-month month day-of-week{extra}",
            parts.len()
        ));
    };
    let [f_min, f_hour, f_dom, f_month, f_dow] = &FIELDS;
    let (dom, dom_any) = field(dom, f_dom, true)?;
    let (dow, dow_any) = field(dow, f_dow, true)?;
    Ok(Cron {
        fields: [
            field(minute, f_min, false)?.0,
            field(hour, f_hour, false)?.0,
            dom,
            field(month, f_month, false)?.0,
            dow,
        ],
        dom_any,
        dow_any,
    })
}

/// One field: a comma-separated list of `*`, `?`, values, ranges, each with an optional step.
/// Also says whether the field was unrestricted (`*` or `?`, step 1).
fn field(text: &str, f: &Field, allow_question: bool) -> Result<(Vec<u8>, bool), String> {
    let mut out = Vec::new();
    let mut any = false;
    for item in text.split(',') {
        if item.is_empty() {
            return Err(format!("{} `{text}` has an empty list item", f.name));
        }
        let mut pieces = item.split('/');
        let range = pieces.next().unwrap_or_default();
        let step = match (pieces.next(), pieces.next()) {
            (None, _) => None,
            (Some(st), None) => Some(step(st, f)?),
            (Some(_), Some(_)) => {
                return Err(format!("{} `{item}` has more than one `/`", f.name));
            }
        };
        let (lo, hi) = if range == "*" || range == "?" {
            if range == "?" && !allow_question {
                return Err(format!(
                    "{} `?` is only allowed in day of month and day of week",
                    f.name
                ));
            }
            any |= step.unwrap_or(1) == 1;
            (f.min, f.max)
        } else if let Some((a, b)) = range.split_once('-') {
            if a.is_empty() || b.is_empty() {
                return Err(format!(
                    "{} range `{range}` needs a start and an end",
                    f.name
                ));
            }
            let (a, b) = (value(a, f)?, value(b, f)?);
            if a > b {
                return Err(format!("{} range `{range}` starts after it ends", f.name));
            }
            (a, b)
        } else {
            let v = value(range, f)?;
            // `a/n` means from a to the end, every n.
            (v, if step.is_some() { f.max } else { v })
        };
        let step = step.unwrap_or(1);
        let mut v = u32::from(lo);
        while v <= u32::from(hi) {
            out.extend(u8::try_from(v).ok());
            v = v.saturating_add(step);
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok((out, any))
}

fn step(st: &str, f: &Field) -> Result<u32, String> {
    if st.is_empty() || !st.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{} step `{st}` must be a whole number above 0",
            f.name
        ));
    }
    // A step longer than the field just keeps its first value, as in robfig.
    let n = st.bytes().fold(0u32, |acc, b| {
        acc.saturating_mul(10).saturating_add(u32::from(b - b'0'))
    });
    if n == 0 {
        return Err(format!(
            "{} step `{st}` must be a whole number above 0",
            f.name
        ));
    }
    Ok(n)
}

fn value(s: &str, f: &Field) -> Result<u8, String> {
    let upper = s.to_ascii_uppercase();
    if let Some(v) = f
        .names
        .iter()
        .zip(f.min..=f.max)
        .find_map(|(n, v)| (*n == upper).then_some(v))
    {
        return Ok(v);
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        let names = match (f.names.first(), f.names.last()) {
            (Some(a), Some(b)) => format!(" or a name {a}-{b}"),
            _ => String::new(),
        };
        return Err(format!("{} `{s}` is not a number{names}", f.name));
    }
    let digits = s.trim_start_matches('0');
    // All digits: only a number too long for u32 fails to parse, and it is out of range anyway.
    let n = if digits.is_empty() {
        Ok(0)
    } else {
        digits.parse::<u32>()
    };
    match n.ok().and_then(|n| u8::try_from(n).ok()) {
        Some(v) if (f.min..=f.max).contains(&v) => Ok(v),
        _ => {
            let hint = if f.max == 6 && digits == "7" {
                " (write 0 or SUN for Sunday)"
            } else {
                ""
            };
            Err(format!(
                "{} `{s}` is out of range {}-{}{hint}",
                f.name, f.min, f.max
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Cron {
        parse_cron(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn err(s: &str) -> String {
        match parse_cron(s) {
            Ok(c) => panic!("{s:?} parsed as {c:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn accepts_standard_schedules() {
        for s in [
            "0 3 * * *",
            "*/15 * * * *",
            "0 9-17 * * MON-FRI",
            "30 2 1,15 * *",
            "0 0 ? * sun",
            "5 4 * jan-mar 1/2",
            "  0   3 * *\t*  ",
            "59 23 31 12 6",
            "0-59/7 0-23/5 1-31/10 1-12/3 0-6/2",
            "1,2,3-5,*/30 * * * *",
            "*/100 * * * *",
            "0 0 * * Mon,wEd,FRI",
            "05 07 09 01 00",
        ] {
            ok(s);
        }
    }

    #[test]
    fn normalizes_values() {
        assert_eq!(ok("*/20 * * * *").fields[0], vec![0, 20, 40]);
        assert_eq!(ok("5/15 * * * *").fields[0], vec![5, 20, 35, 50]);
        assert_eq!(ok("0 0 * * MON-FRI").fields[4], vec![1, 2, 3, 4, 5]);
        assert_eq!(ok("0 0 * NOV,feb *").fields[3], vec![2, 11]);
        assert_eq!(ok("*/100 * * * *").fields[0], vec![0]);
        assert_eq!(ok("3,1,2,1 * * * *").fields[0], vec![1, 2, 3]);
        assert_eq!(ok("@weekly"), ok("0 0 * * 0"));
        assert_eq!(ok("@annually"), ok("@yearly"));
        assert_eq!(ok("@midnight"), ok("0 0 * * *"));
        assert_eq!(ok("@hourly").fields[0], vec![0]);
        assert_eq!(ok("@monthly").fields[2], vec![1]);
        let c = ok("0 0 * * 1");
        assert!(c.dom_any && !c.dow_any);
        let c = ok("0 0 */2 * ?");
        assert!(!c.dom_any && c.dow_any);
    }

    #[test]
    fn rejects_with_the_field_named() {
        for (s, why) in [
            ("61 * * * *", "minute `61` is out of range 0-59"),
            ("0 24 * * *", "hour `24` is out of range 0-23"),
            ("0 0 0 * *", "day of month `0` is out of range 1-31"),
            ("0 0 32 * *", "day of month `32` is out of range 1-31"),
            ("0 0 * 13 *", "month `13` is out of range 1-12"),
            ("0 0 * 0 *", "month `0` is out of range 1-12"),
            ("0 0 * * 7", "(write 0 or SUN for Sunday)"),
            (
                "0 0 * * SUNDAY",
                "day of week `SUNDAY` is not a number or a name SUN-SAT",
            ),
            ("0 0 * JANUARY *", "or a name JAN-DEC"),
            ("JAN * * * *", "minute `JAN` is not a number"),
            (
                "*/0 * * * *",
                "minute step `0` must be a whole number above 0",
            ),
            ("*/x * * * *", "step `x`"),
            ("*/ * * * *", "step ``"),
            ("5-1 * * * *", "minute range `5-1` starts after it ends"),
            ("1-2-3 * * * *", "minute `2-3` is not a number"),
            ("*/2/3 * * * *", "more than one `/`"),
            ("1,,2 * * * *", "empty list item"),
            ("? 0 * * *", "only allowed in day of month and day of week"),
            ("*-5 * * * *", "minute `*` is not a number"),
            ("-1 * * * *", "minute range `-1` needs a start and an end"),
            ("1- * * * *", "needs a start and an end"),
            ("+5 * * * *", "minute `+5` is not a number"),
            ("99999999999999999999 * * * *", "out of range 0-59"),
            ("٣ * * * *", "is not a number"),
        ] {
            let e = err(s);
            assert!(e.contains(why), "{s:?}: {e}");
        }
    }

    #[test]
    fn rejects_other_shapes() {
        let e = err("0 30 2 * * *");
        assert!(e.contains("has 6 fields") && e.contains("seconds"), "{e}");
        assert!(err("0 0 *").contains("has 3 fields"));
        assert!(err("0 0 * * * * *").contains("has 7 fields"));
        assert_eq!(err(""), "an empty schedule");
        assert_eq!(err(" \t "), "an empty schedule");
        assert!(err("TZ=UTC 0 * * * *").contains("`timezone` key"));
        assert!(err("CRON_TZ=Europe/Berlin 0 3 * * *").contains("`timezone` key"));
        assert!(err("@every 5m").contains("`@every`"));
        assert!(err("@reboot").contains("not a schedule descriptor"));
        assert!(err("@Daily").contains("not a schedule descriptor"));
        assert!(err(" @daily").contains("without spaces"));
        assert!(err("@daily ").contains("without spaces"));
        assert!(err("@").contains("not a schedule descriptor"));
    }
}
