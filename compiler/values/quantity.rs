//! Kubernetes resource quantities (`resource.Quantity`), exactly: `500m`, `2`, `1.5`, `8Gi`,
//! `800M`, `1e3`. Values are kept in nano-units with the magnitude rounded up, as the API
//! server rounds (`3.001n` → 4n, `-3.001n` → -4n).
//!
//! Grammar (apimachinery's `ParseQuantity`): an optional sign, then digits with an optional `.`
//! fraction (`5`, `5.`, `.5`, `5.25`), then a binary suffix (`Ki` … `Ei`), a decimal suffix
//! (`n u m k M G T P E`) or a decimal exponent (`e3`, `E-2`, `e+6`). Two deliberate differences:
//! a number needs at least one digit (upstream reads `.` and `-` as zero), and a value above
//! 2^63-1 units is an error (upstream silently clamps it).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity {
    nanos: i128,
}

const NANO: i128 = 1_000_000_000;
/// Upstream's largest quantity: 2^63-1 whole units.
const MAX_NANOS: i128 = i64::MAX as i128 * NANO;
/// Longer text is refused before any arithmetic (no real quantity comes close).
const MAX_LEN: usize = 256;
const SUFFIXES: &str = "m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei";

impl Quantity {
    /// Parse the Kubernetes quantity grammar (see the module documentation).
    pub fn parse(s: &str) -> Result<Quantity, String> {
        if s.is_empty() {
            return Err("an empty string is not a quantity".to_string());
        }
        if s.len() > MAX_LEN {
            let head: String = s.chars().take(24).collect();
            return Err(format!(
                "`{head}…` is too long to be a quantity ({} characters; at most {MAX_LEN})",
                s.len()
            ));
        }
        let (negative, body) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (int_part, rest) = split_digits(body);
        let (frac_part, suffix) = match rest.strip_prefix('.') {
            Some(r) => split_digits(r),
            None => ("", rest),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(format!(
                "`{s}` is not a quantity: it must start with a number"
            ));
        }
        let (exp10, exp2) = suffix_exponents(suffix).ok_or_else(|| {
            format!(
                "`{s}` is not a quantity: unknown suffix `{suffix}` (expected one of {SUFFIXES})"
            )
        })?;
        let too_big = || format!("`{s}` is too large for a Kubernetes quantity (at most 2^63-1)");
        // value = digits × 10^(exp10 − frac_len) × 2^exp2; keep nanos = value × 10^9.
        let frac_len = i64::try_from(frac_part.len()).map_err(|_| too_big())?;
        let mut scale = exp10 - frac_len + 9;
        let mut digits: Vec<u8> = int_part
            .bytes()
            .chain(frac_part.bytes())
            .map(|b| b - b'0')
            .skip_while(|d| *d == 0)
            .collect();
        if digits.is_empty() {
            return Ok(Quantity::zero());
        }
        for _ in 0..exp2 {
            double(&mut digits);
        }
        while digits.last() == Some(&0) {
            digits.pop();
            scale += 1;
        }
        // Now the last digit is not zero, so any digit cut off below a nano makes it round up.
        let len = i64::try_from(digits.len()).map_err(|_| too_big())?;
        let magnitude = if scale >= 0 {
            if len + scale > 40 {
                return Err(too_big());
            }
            let m = to_int(&digits).ok_or_else(too_big)?;
            let p = u32::try_from(scale)
                .ok()
                .and_then(|e| 10i128.checked_pow(e))
                .ok_or_else(too_big)?;
            m.checked_mul(p).ok_or_else(too_big)?
        } else {
            let keep = usize::try_from((len + scale).max(0)).map_err(|_| too_big())?;
            let whole = to_int(digits.get(..keep).unwrap_or_default()).ok_or_else(too_big)?;
            whole + 1
        };
        if magnitude > MAX_NANOS {
            return Err(too_big());
        }
        Ok(Quantity {
            nanos: if negative { -magnitude } else { magnitude },
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

    /// In thousandths of a unit (millicores for cpu), rounding up, saturating.
    pub fn milli_ceil(self) -> i64 {
        saturate(div_ceil(self.nanos, 1_000_000))
    }

    /// In the units the scheduler counts `resource` in (millicores for `cpu`, whole units
    /// otherwise), rounding up; `None` beyond what an `i64` holds, as kube-scheduler's
    /// integers cannot either.
    pub fn scheduler_units(self, resource: &str) -> Option<i64> {
        let scale = if resource == "cpu" { 1_000_000 } else { NANO };
        i64::try_from(div_ceil(self.nanos, scale)).ok()
    }

    /// In whole units (bytes, devices), rounding up, saturating.
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

/// The leading ASCII digits of `s`, and the rest.
fn split_digits(s: &str) -> (&str, &str) {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    s.split_at_checked(n).unwrap_or((s, ""))
}

/// The power of ten and the power of two a suffix stands for.
fn suffix_exponents(suffix: &str) -> Option<(i64, u32)> {
    Some(match suffix {
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
        _ => {
            let e = suffix.strip_prefix(['e', 'E'])?;
            let (negative, digits) = match e.strip_prefix('-') {
                Some(d) => (true, d),
                None => (false, e.strip_prefix('+').unwrap_or(e)),
            };
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            // Anything past a million is as good as infinite here; saturate instead of failing.
            let n = digits.bytes().fold(0i64, |acc, b| {
                (acc * 10 + i64::from(b - b'0')).min(1_000_000)
            });
            (if negative { -n } else { n }, 0)
        }
    })
}

/// Double a big-endian decimal digit string in place.
fn double(digits: &mut Vec<u8>) {
    let mut carry = 0;
    for d in digits.iter_mut().rev() {
        let v = *d * 2 + carry;
        *d = v % 10;
        carry = v / 10;
    }
    if carry > 0 {
        digits.insert(0, carry);
    }
}

/// Big-endian decimal digits as an integer, if they fit.
fn to_int(digits: &[u8]) -> Option<i128> {
    digits.iter().try_fold(0i128, |acc, d| {
        acc.checked_mul(10)?.checked_add(i128::from(*d))
    })
}

/// Division rounding toward +∞.
fn div_ceil(a: i128, b: i128) -> i128 {
    let q = a / b;
    if a % b != 0 && a > 0 { q + 1 } else { q }
}

fn saturate(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// Canonical text for messages: whole units with the largest exact binary suffix (`8Gi`), else
/// the whole number (`1000`), else millis (`1500m`), else nanos (`3n`).
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
        assert_eq!(q("100.035Ki").nanos(), 102_435_840_000_000);
        assert_eq!(q("0.025Ti").units_ceil(), 27_487_790_695);
        assert_eq!(q("50k"), q("5e4"));
        assert_eq!(q("1E"), q("1e18"));
    }

    #[test]
    fn cpu_and_rounding() {
        assert_eq!(q("1.5").milli_ceil(), 1500);
        assert_eq!(q("500m").milli_ceil(), 500);
        assert_eq!(q("0.0005").milli_ceil(), 1);
        assert_eq!(q("100m").units_ceil(), 1);
        assert_eq!(q("1e3").units_ceil(), 1000);
        assert_eq!(q("1E-3").milli_ceil(), 1);
        assert_eq!(q("1.3E+6").units_ceil(), 1_300_000);
        assert_eq!(q(".5").milli_ceil(), 500);
        assert_eq!(q("5.").units_ceil(), 5);
        assert_eq!(q("1.G").units_ceil(), 1_000_000_000);
        assert_eq!(q("+2").units_ceil(), 2);
        assert!(q("-1").is_negative());
        assert!(q("2").is_whole() && !q("1.5").is_whole());
    }

    #[test]
    fn rounds_the_magnitude_up_to_a_nano_like_the_api_server() {
        for (text, nanos) in [
            ("3.001n", 4),
            ("1.1E-9", 2),
            ("0.0000000001", 1),
            ("0.00000000050", 1),
            ("0.5e-9", 1),
            ("0.9n", 1),
            ("0.00000012345", 124),
            ("0.000000000001Ki", 2),
            (".000000001Ki", 1024),
            ("1e-999999999999", 1),
            ("-3.001n", -4),
            (
                "1.0000000000000000000000000000000000000000000001",
                1_000_000_001,
            ),
            (
                "0.000000000000000000000000000000000000000000000000000000000001",
                1,
            ),
        ] {
            assert_eq!(q(text).nanos(), nanos, "{text}");
        }
        assert_eq!(q("0").nanos(), 0);
        assert_eq!(q("-0").nanos(), 0);
        assert_eq!(q("0e999999999999999999999").nanos(), 0);
        assert_eq!(
            q("000000000000000000000000000000000000000000000001Ki").nanos(),
            1024 * NANO
        );
    }

    #[test]
    fn milli_and_units_round_toward_positive_infinity_and_saturate() {
        assert_eq!(Quantity::from_nanos(1).milli_ceil(), 1);
        assert_eq!(Quantity::from_nanos(-1).milli_ceil(), 0);
        assert_eq!(Quantity::from_nanos(-1_500_000_000).units_ceil(), -1);
        assert_eq!(Quantity::from_nanos(i128::MAX).units_ceil(), i64::MAX);
        assert_eq!(Quantity::from_nanos(i128::MIN).milli_ceil(), i64::MIN);
        let max = Quantity::from_nanos(i128::MAX);
        assert_eq!(max.checked_add(Quantity::from_nanos(1)), None);
        assert_eq!(max.saturating_add(max), max);
        assert_eq!(
            Quantity::from_nanos(i128::MIN).saturating_sub(max).nanos(),
            i128::MIN
        );
        assert_eq!(q("1").checked_add(q("500m")), Some(q("1.5")));
    }

    #[test]
    fn the_largest_value_is_two_to_the_63_minus_one_units() {
        assert_eq!(q("9223372036854775807").units_ceil(), i64::MAX);
        for big in [
            "9223372036854775808",
            "9Ei",
            "9223372036854775807Ki",
            "1e19",
            "1e1000000",
            "99999999999999999999999999999999999999Ei",
            "-9223372036854775808",
        ] {
            let e = Quantity::parse(big).expect_err(big);
            assert!(e.contains("too large"), "{big}: {e}");
        }
    }

    #[test]
    fn rejects_what_the_api_server_rejects() {
        for bad in [
            "", " 1", "1 ", "1 Gi", "1gi", "1GB", "1.2.3", "1.1.M", "1+1.0M", "0.1mi", "0.1am",
            "aoeu", ".5i", "1i", "-3.01i", "-3.01e-", "Gi", "--1", "+-1", "1Ki1", "e3", "1e",
            "1e+", "1K", "1KiB", ".", "-", "+", "-.", "٣", "1_000", "1,5", "0x10", "1e3.5", "１",
            "1\u{0}",
        ] {
            assert!(Quantity::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        let e = Quantity::parse("1.5x").expect_err("x");
        assert_eq!(
            e,
            "`1.5x` is not a quantity: unknown suffix `x` (expected one of m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei)"
        );
        assert!(Quantity::parse(&"1".repeat(10_000)).is_err());
    }

    #[test]
    fn display_is_canonical() {
        assert_eq!(q("8Gi").to_string(), "8Gi");
        assert_eq!(q("1024Mi").to_string(), "1Gi");
        assert_eq!(q("1.5").to_string(), "1500m");
        assert_eq!(q("1000").to_string(), "1000");
        assert_eq!(q("0").to_string(), "0");
        assert_eq!(q("3n").to_string(), "3n");
        assert_eq!(q("-2Ki").to_string(), "-2Ki");
    }
}
