//! CIDR blocks (`10.0.0.0/8`, `2001:db8::/32`), as a NetworkPolicy's `ipBlock` and a Service's
//! `loadBalancerSourceRanges` take them: an address, `/`, and a prefix length, with no bits set
//! after the prefix (the canonical form the API server asks for).

use std::net::IpAddr;

/// A parsed block: its first address and prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    /// Whether `ip` is inside the block.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(a), IpAddr::V4(b)) => {
                masked(u128::from(u32::from(a)), 32, self.prefix)
                    == masked(u128::from(u32::from(b)), 32, self.prefix)
            }
            (IpAddr::V6(a), IpAddr::V6(b)) => {
                masked(u128::from(a), 128, self.prefix) == masked(u128::from(b), 128, self.prefix)
            }
            _ => false,
        }
    }

    /// Whether `other` lies inside this block and is smaller than it (an `except` must).
    pub fn strictly_contains(&self, other: &Cidr) -> bool {
        other.prefix > self.prefix && self.contains(other.addr)
    }

    /// Every address of its family (`0.0.0.0/0`, `::/0`).
    pub fn is_everything(&self) -> bool {
        self.prefix == 0
    }
}

/// The top `prefix` bits of a `bits`-wide address.
fn masked(v: u128, bits: u8, prefix: u8) -> u128 {
    if prefix == 0 {
        return 0;
    }
    let shift = u32::from(bits - prefix.min(bits));
    (v >> shift) << shift
}

/// `10.0.0.0/8` → the block; an address without a prefix, a prefix too long for its family
/// or host bits after the prefix are errors.
pub fn parse_cidr(s: &str) -> Result<Cidr, String> {
    let Some((addr, prefix)) = s.split_once('/') else {
        return Err(format!(
            "`{s}` is not a CIDR block: it has no prefix length"
        ));
    };
    let addr: IpAddr = addr
        .parse()
        .map_err(|_| format!("`{s}` is not a CIDR block: `{addr}` is not an IP address"))?;
    let bits: u8 = if addr.is_ipv4() { 32 } else { 128 };
    let prefix: u8 = prefix
        .parse()
        .ok()
        .filter(|p: &u8| *p <= bits && !prefix.starts_with('+'))
        .ok_or_else(|| {
            format!(
                "`{s}` is not a CIDR block: the prefix length must be a number from 0 to {bits}"
            )
        })?;
    let block = Cidr { addr, prefix };
    let canonical = match addr {
        IpAddr::V4(a) => {
            let v = masked(u128::from(u32::from(a)), 32, prefix);
            IpAddr::from(std::net::Ipv4Addr::from(
                u32::try_from(v).unwrap_or_default(),
            ))
        }
        IpAddr::V6(a) => IpAddr::from(std::net::Ipv6Addr::from(masked(u128::from(a), 128, prefix))),
    };
    if canonical != addr {
        return Err(format!(
            "`{s}` has address bits set after its /{prefix} prefix; the block is `{canonical}/{prefix}`"
        ));
    }
    Ok(block)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_parse_in_canonical_form_only() {
        let b = parse_cidr("10.0.0.0/8").expect("a block");
        assert!(b.contains("10.200.3.4".parse().expect("ip")));
        assert!(!b.contains("11.0.0.1".parse().expect("ip")));
        assert!(!b.contains("::1".parse().expect("ip")));
        assert!(parse_cidr("0.0.0.0/0").expect("all").is_everything());
        assert!(parse_cidr("2001:db8::/32").is_ok());
        assert!(
            parse_cidr("::/0")
                .expect("all v6")
                .contains("2001:db8::1".parse().expect("ip"))
        );
        let host_bits = parse_cidr("10.1.2.3/8").unwrap_err();
        assert!(host_bits.contains("`10.0.0.0/8`"), "{host_bits}");
        for bad in [
            "10.0.0.0",
            "10.0.0.0/33",
            "10.0.0/8",
            "x/8",
            "10.0.0.0/-1",
            "10.0.0.0/+8",
            "::/129",
            "",
        ] {
            assert!(parse_cidr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_except_lies_strictly_inside() {
        let vpc = parse_cidr("10.0.0.0/16").expect("vpc");
        assert!(vpc.strictly_contains(&parse_cidr("10.0.1.0/24").expect("subnet")));
        assert!(!vpc.strictly_contains(&vpc));
        assert!(!vpc.strictly_contains(&parse_cidr("10.1.0.0/24").expect("elsewhere")));
    }
}
