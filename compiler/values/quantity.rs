//! Kubernetes resource quantities (`resource.Quantity`), exactly: `500m`, `2`, `1.5`, `8Gi`,
//! `800M`, `1e3`. Values are kept in nano-units, rounding up, as the API server rounds.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity {
    nanos: i128,
}

const NANO: i128 = 1_000_000_000;

impl Quantity {
    /// Parse the Kubernetes quantity grammar: a signed decimal number, then a binary suffix
    /// (Ki … Ei), a decimal suffix (n u m k M G T P E) or a decimal exponent (`e3`, `E-2`).
    pub fn parse(s: &str) -> Result<Quantity, String> {
        if s.is_empty() {
            return Err("an empty string is not a quantity".to_string());
        }
        let bytes = s.as_bytes();
        let mut i = 0;
        let negative = match bytes.first() {
            Some(b'-') => {
                i = 1;
                true
            }
            Some(b'+') => {
                i = 1;
                false
            }
            _ => false,
        };
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let int_part = &s[start..i];
        let mut frac_part = "";
        if i < bytes.len() && bytes[i] == b'.' {
            let f = i + 1;
            i = f;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            frac_part = &s[f..i];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(format!(
                "`{s}` is not a quantity: it must start with a number"
            ));
        }
        let suffix = &s[i..];
        // value = digits × 10^exp10 × 2^exp2
        let (exp10, exp2): (i32, u32) = match suffix {
            "" => (0, 0),
            "n" => (-9, 0),
            "u" => (-6, 0),
            "m" => (-3, 0),
            "k" => (3, 0),
            "M" => (6, 0),
            "G" => (9, 0),
            "T" => (12, 0),
            "P" => (15, 0),
            "E" => (18, 0),
            "Ki" => (0, 10),
            "Mi" => (0, 20),
            "Gi" => (0, 30),
            "Ti" => (0, 40),
            "Pi" => (0, 50),
            "Ei" => (0, 60),
            _ => match suffix.strip_prefix(['e', 'E']) {
                Some(e) if is_signed_int(e) => {
                    let n: i32 = e
                        .parse()
                        .map_err(|_| format!("`{s}`: the exponent is too large"))?;
                    (n, 0)
                }
                _ => {
                    return Err(format!(
                        "`{s}` is not a quantity: unknown suffix `{suffix}` (expected one of m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei)"
                    ));
                }
            },
        };
        let too_big = || format!("`{s}` is too large for a Kubernetes quantity");
        let digits = format!("{int_part}{frac_part}");
        let digits = digits.trim_start_matches('0');
        if digits.len() > 30 {
            return Err(too_big());
        }
        let mantissa: i128 = if digits.is_empty() {
            0
        } else {
            digits.parse().map_err(|_| too_big())?
        };
        // nanos = mantissa × 10^(exp10 + 9 - frac_len) × 2^exp2, rounded up.
        let scale = exp10 + 9 - i32::try_from(frac_part.len()).map_err(|_| too_big())?;
        let mut value = mantissa.checked_mul(1i128 << exp2).ok_or_else(too_big)?;
        if scale >= 0 {
            let p = 10i128
                .checked_pow(u32::try_from(scale).map_err(|_| too_big())?)
                .ok_or_else(too_big)?;
            value = value.checked_mul(p).ok_or_else(too_big)?;
        } else {
            let p = 10i128
                .checked_pow(scale.unsigned_abs())
                .unwrap_or(i128::MAX);
            let q = value / p;
            value = if value % p != 0 { q + 1 } else { q };
        }
        // Kubernetes caps quantities at 2^63-1 units; beyond that they do not round-trip.
        if value / NANO > i128::from(i64::MAX) {
            return Err(too_big());
        }
        Ok(Quantity {
            nanos: if negative { -value } else { value },
        })
    }

    pub fn from_nanos(nanos: i128) -> Self {
        Quantity { nanos }
    }

    pub fn nanos(self) -> i128 {
        self.nanos
    }

    pub fn zero() -> Self {
        Quantity { nanos: 0 }
    }

    pub fn is_negative(self) -> bool {
        self.nanos < 0
    }

    /// In thousandths of a unit (millicores for cpu), rounding up.
    pub fn milli_ceil(self) -> i64 {
        saturate(div_ceil(self.nanos, 1_000_000))
    }

    /// In whole units (bytes, devices), rounding up.
    pub fn units_ceil(self) -> i64 {
        saturate(div_ceil(self.nanos, NANO))
    }

    /// A whole number of units (GPUs must be).
    pub fn is_whole(self) -> bool {
        self.nanos % NANO == 0
    }

    pub fn checked_add(self, o: Self) -> Option<Self> {
        self.nanos.checked_add(o.nanos).map(Quantity::from_nanos)
    }

    pub fn saturating_add(self, o: Self) -> Self {
        Quantity::from_nanos(self.nanos.saturating_add(o.nanos))
    }

    pub fn saturating_sub(self, o: Self) -> Self {
        Quantity::from_nanos(self.nanos.saturating_sub(o.nanos))
    }
}

fn is_signed_int(s: &str) -> bool {
    let d = s.strip_prefix(['+', '-']).unwrap_or(s);
    !d.is_empty() && d.len() <= 4 && d.bytes().all(|b| b.is_ascii_digit())
}

fn div_ceil(a: i128, b: i128) -> i128 {
    let q = a / b;
    if a % b != 0 && a > 0 { q + 1 } else { q }
}

fn saturate(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// Canonical text for messages: whole units with the largest exact binary suffix (`8Gi`),
/// millis (`1500m`), or a plain number.
impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nanos % NANO == 0 {
            let units = self.nanos / NANO;
            for (suffix, shift) in [
                ("Ei", 60),
                ("Pi", 50),
                ("Ti", 40),
                ("Gi", 30),
                ("Mi", 20),
                ("Ki", 10),
            ] {
                let unit = 1i128 << shift;
                if units != 0 && units % unit == 0 {
                    return write!(f, "{}{suffix}", units / unit);
                }
            }
            return write!(f, "{units}");
        }
        if self.nanos % 1_000_000 == 0 {
            return write!(f, "{}m", self.nanos / 1_000_000);
        }
        write!(f, "{}n", self.nanos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        Quantity::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn decimal_and_binary_suffixes_differ() {
        assert_eq!(q("800M").units_ceil(), 800_000_000);
        assert_eq!(q("800Mi").units_ceil(), 800 * 1024 * 1024);
        assert_eq!(q("1G").units_ceil(), 1_000_000_000);
        assert_eq!(q("1Gi").units_ceil(), 1 << 30);
        assert_eq!(q("0.5Gi"), q("512Mi"));
        assert_eq!(q("1Ei").units_ceil(), 1 << 60);
    }

    #[test]
    fn cpu_and_rounding() {
        assert_eq!(q("1.5").milli_ceil(), 1500);
        assert_eq!(q("500m").milli_ceil(), 500);
        assert_eq!(q("0.0005").milli_ceil(), 1);
        assert_eq!(q("100m").units_ceil(), 1);
        assert_eq!(q("1e3").units_ceil(), 1000);
        assert_eq!(q("1E-3").milli_ceil(), 1);
        assert_eq!(q(".5").milli_ceil(), 500);
        assert_eq!(q("5.").units_ceil(), 5);
        assert_eq!(q("+2").units_ceil(), 2);
        assert!(q("-1").is_negative());
        assert!(q("2").is_whole() && !q("1.5").is_whole());
    }

    #[test]
    fn rejects_what_the_api_server_rejects() {
        for bad in [
            "", " 1", "1 Gi", "1gi", "1GB", "1.2.3", "Gi", "--1", "1Ki1", "e3", "1e", "1e99999",
            "٣", "1_000",
        ] {
            assert!(Quantity::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(Quantity::parse("99999999999999999999999999999999999999Ei").is_err());
        assert!(Quantity::parse("9999999999Ei").is_err());
    }

    #[test]
    fn display_is_canonical() {
        assert_eq!(q("8Gi").to_string(), "8Gi");
        assert_eq!(q("1.5").to_string(), "1500m");
        assert_eq!(q("1000").to_string(), "1000");
    }
}
