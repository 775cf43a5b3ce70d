//! NodePorts: a host port the pod wants must not clash with one already taken on the node.

use super::super::pod::{HostPort, PodShape};

pub const REASON: &str = "node(s) didn't have free ports for the requested pod ports";

pub fn filter(used: &[HostPort], pod: &PodShape) -> Option<&'static str> {
    pod.host_ports
        .iter()
        .any(|want| used.iter().any(|have| want.conflicts(have)))
        .then_some(REASON)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hp(ip: &str, protocol: &str, port: i32) -> HostPort {
        HostPort {
            ip: ip.into(),
            protocol: protocol.into(),
            port,
        }
    }

    #[test]
    fn ports_clash_on_protocol_port_and_overlapping_ip() {
        let pod = PodShape {
            host_ports: vec![hp("127.0.0.1", "TCP", 8080)],
            ..Default::default()
        };
        assert_eq!(filter(&[hp("127.0.0.1", "UDP", 8080)], &pod), None);
        assert_eq!(filter(&[hp("127.0.0.2", "TCP", 8080)], &pod), None);
        assert_eq!(filter(&[hp("127.0.0.1", "TCP", 8081)], &pod), None);
        assert_eq!(filter(&[hp("127.0.0.1", "TCP", 8080)], &pod), Some(REASON));
        assert_eq!(filter(&[hp("0.0.0.0", "TCP", 8080)], &pod), Some(REASON));
    }
}
