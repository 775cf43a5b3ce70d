//! CronJob schedules as the Kubernetes controller parses them (robfig/cron's standard parser):
//! five fields, or one of the `@yearly`-style descriptors.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    /// The allowed values of each field: minute, hour, day of month, month, day of week.
    pub fields: [Vec<u8>; 5],
}

struct Field {
    name: &'static str,
    min: u8,
    max: u8,
    names: &'static [&'static str],
}

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
        names: &[
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ],
    },
    Field {
        name: "day of week",
        min: 0,
        max: 6,
        names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    },
];

pub fn parse_cron(s: &str) -> Result<Cron, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("an empty schedule".to_string());
    }
    if t.starts_with("TZ=") || t.starts_with("CRON_TZ=") {
        return Err(format!(
            "`{s}`: Kubernetes rejects a time zone in the schedule; use the `timezone` key"
        ));
    }
    let expanded = match t {
        "@yearly" | "@annually" => "0 0 1 1 *",
        "@monthly" => "0 0 1 * *",
        "@weekly" => "0 0 * * 0",
        "@daily" | "@midnight" => "0 0 * * *",
        "@hourly" => "0 * * * *",
        d if d.starts_with('@') => {
            return Err(format!(
                "`{s}` is not a schedule descriptor (expected @yearly, @monthly, @weekly, @daily or @hourly)"
            ));
        }
        other => other,
    };
    let parts: Vec<&str> = expanded.split_whitespace().collect();
    if parts.len() != 5 {
        let extra = if parts.len() == 6 {
            " (a seconds field is not supported)"
        } else {
            ""
        };
        return Err(format!(
            "`{s}` has {} fields; a schedule has 5: minute hour day-of-month month day-of-week{extra}",
            parts.len()
        ));
    }
    let mut fields: [Vec<u8>; 5] = Default::default();
    for (i, (part, f)) in parts.iter().zip(FIELDS.iter()).enumerate() {
        fields[i] = field(part, f, i >= 2)?;
    }
    Ok(Cron { fields })
}

fn field(text: &str, f: &Field, allow_question: bool) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, st)) => {
                let step: u8 = st.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                    format!("{} step `{st}` must be a whole number above 0", f.name)
                })?;
                (r, Some(step))
            }
            None => (item, None),
        };
        let (lo, hi) = if range == "*" || (allow_question && range == "?") {
            (f.min, f.max)
        } else if let Some((a, b)) = range.split_once('-') {
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
        let mut v = lo;
        while v <= hi {
            out.push(v);
            match v.checked_add(step) {
                Some(n) => v = n,
                None => break,
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn value(s: &str, f: &Field) -> Result<u8, String> {
    let upper = s.to_ascii_uppercase();
    if let Some(i) = f.names.iter().position(|n| *n == upper) {
        return Ok(f.min + i as u8);
    }
    let n: u32 = s.parse().map_err(|_| {
        format!(
            "{} `{s}` is not a number{}",
            f.name,
            if f.names.is_empty() { "" } else { " or a name" }
        )
    })?;
    match u8::try_from(n) {
        Ok(v) if (f.min..=f.max).contains(&v) => Ok(v),
        _ => Err(format!(
            "{} `{s}` is out of range {}-{}",
            f.name, f.min, f.max
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_standard_schedules() {
        for ok in [
            "0 3 * * *",
            "*/15 * * * *",
            "0 9-17 * * MON-FRI",
            "30 2 1,15 * *",
            "0 0 ? * sun",
            "@daily",
            "5 4 * jan-mar 1/2",
        ] {
            assert!(parse_cron(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            parse_cron("*/20 * * * *").expect("ok").fields[0],
            vec![0, 20, 40]
        );
    }

    #[test]
    fn rejects_with_the_field_named() {
        let e = parse_cron("61 * * * *").expect_err("bad");
        assert!(e.contains("minute `61` is out of range 0-59"), "{e}");
        assert!(
            parse_cron("0 0 * * * *")
                .expect_err("6")
                .contains("seconds")
        );
        assert!(parse_cron("*/0 * * * *").is_err());
        assert!(parse_cron("5-1 * * * *").is_err());
        assert!(parse_cron("TZ=UTC 0 * * * *").is_err());
        assert!(parse_cron("@every 5m").is_err());
        assert!(parse_cron("0 0 ? * *").is_ok());
        assert!(parse_cron("? 0 * * *").is_err());
        assert!(parse_cron("0 0 * * 7").is_err());
    }
}
