//! TEMPORARY stand-in for `compiler/values/quantity.rs` from the `values` branch: Kubernetes
//! quantities as exact nanounits. Take the `values` branch's file when merging.

/// An exact quantity in nanounits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Quantity {
    nanos: i128,
}

const LIMIT: i128 = 1 << 100;

impl Quantity {
    pub fn zero() -> Self {
        Quantity { nanos: 0 }
    }

    /// Parse `<sign><digits>[.<digits>][suffix]`; sub-nano fractions round up.
    pub fn parse(text: &str) -> Result<Quantity, String> {
        let s = text.trim();
        let (neg, s) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let end = s
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(s.len());
        let (num, suffix) = s.split_at(end);
        let (int, frac) = num.split_once('.').unwrap_or((num, ""));
        if (int.is_empty() && frac.is_empty()) || frac.contains('.') {
            return Err(format!("`{text}` is not a number"));
        }
        let (base, exp): (i128, i32) = match suffix {
            "Ki" => (1 << 10, 0),
            "Mi" => (1 << 20, 0),
            "Gi" => (1 << 30, 0),
            "Ti" => (1 << 40, 0),
            "Pi" => (1 << 50, 0),
            "Ei" => (1 << 60, 0),
            "n" => (1, -9),
            "u" => (1, -6),
            "m" => (1, -3),
            "" => (1, 0),
            "k" => (1, 3),
            "M" => (1, 6),
            "G" => (1, 9),
            "T" => (1, 12),
            "P" => (1, 15),
            "E" => (1, 18),
            e if e.starts_with(['e', 'E']) => (
                1,
                e[1..]
                    .parse::<i32>()
                    .map_err(|_| format!("bad exponent in `{text}`"))?,
            ),
            other => return Err(format!("unknown suffix `{other}` in `{text}`")),
        };
        if !(-40..=40).contains(&exp) || int.len() + frac.len() > 30 {
            return Err(format!("`{text}` is out of range"));
        }
        let digits: i128 = format!("{int}{frac}").parse().unwrap_or(0);
        // value = digits * 10^(exp - frac.len()) * base, in nanos: * 10^9
        let scale = exp + 9 - i32::try_from(frac.len()).unwrap_or(40);
        let mut v = digits.checked_mul(base).ok_or("too large")?;
        if scale >= 0 {
            v = v
                .checked_mul(10i128.pow(scale.unsigned_abs()))
                .ok_or("too large")?;
        } else {
            let d = 10i128
                .checked_pow(scale.unsigned_abs())
                .ok_or("too small")?;
            v = (v + d - 1) / d;
        }
        if v > LIMIT {
            return Err(format!("`{text}` is too large"));
        }
        Ok(Quantity {
            nanos: if neg { -v } else { v },
        })
    }

    pub fn milli_ceil(&self) -> i64 {
        let m =
            self.nanos.div_euclid(1_000_000) + i128::from(self.nanos.rem_euclid(1_000_000) != 0);
        i64::try_from(m).unwrap_or(i64::MAX)
    }

    pub fn units_ceil(&self) -> i64 {
        let u = self.nanos.div_euclid(1_000_000_000)
            + i128::from(self.nanos.rem_euclid(1_000_000_000) != 0);
        i64::try_from(u).unwrap_or(i64::MAX)
    }

    pub fn is_whole(&self) -> bool {
        self.nanos % 1_000_000_000 == 0
    }

    pub fn checked_add(self, other: Quantity) -> Option<Quantity> {
        self.nanos
            .checked_add(other.nanos)
            .map(|nanos| Quantity { nanos })
    }

    pub fn saturating_add(self, other: Quantity) -> Quantity {
        Quantity {
            nanos: self.nanos.saturating_add(other.nanos),
        }
    }

    pub fn saturating_sub(self, other: Quantity) -> Quantity {
        Quantity {
            nanos: self.nanos.saturating_sub(other.nanos),
        }
    }
}
