//! What a multiaddr says about reachability: relayed or direct, its IP and scope, and
//! whether it is worth dialling at all. Pure functions.

use std::net::IpAddr;

use libp2p::multiaddr::Protocol;
use libp2p::{Multiaddr, PeerId};

/// Longest address accepted from a record or a peer (as in records, SPEC.md §5.3).
pub const MAX_ADDR_BYTES: usize = 256;

/// How far an address reaches, narrowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// This machine only.
    Loopback,
    /// A private or link-local network (RFC 1918, RFC 4193, CGNAT's 100.64/10…).
    Local,
    /// The internet.
    Global,
}

/// Whether `addr` goes through a circuit relay (`…/p2p-circuit…`).
pub fn is_relayed(addr: &Multiaddr) -> bool {
    addr.iter().any(|p| p == Protocol::P2pCircuit)
}

/// Whether `addr` listens on every interface (`0.0.0.0`, `::`): not an address to dial.
pub fn is_unspecified(addr: &Multiaddr) -> bool {
    ip_of(addr).is_some_and(|ip| ip.is_unspecified())
}

/// The first IP address in `addr`.
pub fn ip_of(addr: &Multiaddr) -> Option<IpAddr> {
    addr.iter().find_map(|p| match p {
        Protocol::Ip4(ip) => Some(IpAddr::V4(ip)),
        Protocol::Ip6(ip) => Some(IpAddr::V6(ip)),
        _ => None,
    })
}

/// The transport port of `addr` with its kind (`"tcp"` or `"udp"`).
pub fn port_of(addr: &Multiaddr) -> Option<(&'static str, u16)> {
    addr.iter().find_map(|p| match p {
        Protocol::Tcp(port) => Some(("tcp", port)),
        Protocol::Udp(port) => Some(("udp", port)),
        _ => None,
    })
}

/// The scope of an IP address.
pub fn scope(ip: IpAddr) -> Scope {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_loopback() {
                Scope::Loopback
            } else if v4.is_private() || v4.is_link_local() || (a == 100 && (64..128).contains(&b)) {
                Scope::Local
            } else {
                Scope::Global
            }
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Scope::Loopback
            } else if (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80 {
                Scope::Local
            } else if let Some(v4) = v6.to_ipv4_mapped() {
                scope(IpAddr::V4(v4))
            } else {
                Scope::Global
            }
        }
    }
}

/// Whether two IPs are on one network segment (same IPv4 /24 or IPv6 /64), or either is
/// loopback: an inbound connection between them says nothing about reachability from
/// elsewhere.
pub fn same_segment(a: IpAddr, b: IpAddr) -> bool {
    match (a, b) {
        (a, b) if a.is_loopback() || b.is_loopback() => true,
        (IpAddr::V4(a), IpAddr::V4(b)) => a.octets()[..3] == b.octets()[..3],
        (IpAddr::V6(a), IpAddr::V6(b)) => a.segments()[..4] == b.segments()[..4],
        _ => false,
    }
}

/// The network an IP address belongs to: the internet, or one kind of local network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Network {
    Internet,
    Loopback,
    /// 10/8, 172.16/12, 192.168/16 (by their first octet), CGNAT's 100.64/10,
    /// link-local, IPv6 unique-local.
    Local(u16),
}

fn network(ip: IpAddr) -> Network {
    match (scope(ip), ip) {
        (Scope::Global, _) => Network::Internet,
        (Scope::Loopback, _) => Network::Loopback,
        (Scope::Local, IpAddr::V4(v4)) => Network::Local(u16::from(v4.octets()[0])),
        (Scope::Local, IpAddr::V6(v6)) => Network::Local(match v6.to_ipv4_mapped() {
            Some(v4) => u16::from(v4.octets()[0]),
            None => v6.segments()[0] & 0xffc0,
        }),
    }
}

/// Whether `listed`, an address a peer gives for itself (identify), reaches the peer from
/// where we are, judged by `seen`, the remote address of our connection to it. An
/// internet address does. One on a narrower network — loopback, a private or link-local
/// range, CGNAT's 100.64/10 — reaches the peer only from inside that network, so it is
/// kept only if we reach the peer over the same kind of network (two nodes on one
/// machine, or on one LAN), and not if we see the peer from the internet, from another
/// private range or through a relay: a node behind a NAT lists its LAN and loopback
/// addresses, and handing those to others makes their DHT lookups wait on dials that
/// cannot succeed. Addresses without an IP are kept.
pub fn reachable_from(listed: &Multiaddr, seen: &Multiaddr) -> bool {
    let Some(listed) = ip_of(listed).map(network) else {
        return true;
    };
    if listed == Network::Internet {
        return true;
    }
    !is_relayed(seen) && ip_of(seen).map(network) == Some(listed)
}

/// Why an address is not worth dialling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    /// Longer than [`MAX_ADDR_BYTES`].
    TooLong,
    /// No IP to dial, or an unspecified, multicast or broadcast IP.
    NoHost,
    /// Port 0 or no TCP/UDP port.
    NoPort,
    /// A transport this node does not speak (only TCP and QUIC v1 over IP, and circuits
    /// through relays reached that way; no DNS names).
    Transport,
    /// It names another peer than the one it is given for.
    WrongPeer,
}

impl Unusable {
    /// Stable reason name (counted as `dial.<reason>` rejections).
    pub fn reason(self) -> &'static str {
        match self {
            Self::TooLong => "addr_too_long",
            Self::NoHost => "addr_no_host",
            Self::NoPort => "addr_no_port",
            Self::Transport => "addr_transport",
            Self::WrongPeer => "addr_wrong_peer",
        }
    }
}

/// Checks that `addr`, given as an address of `peer`, could be dialled: a TCP or QUIC v1
/// address on a unicast IP with a port, or a circuit through a relay reached that way,
/// ending (if it names a peer) with `peer`.
pub fn check_dialable(addr: &Multiaddr, peer: &PeerId) -> Result<(), Unusable> {
    if addr.len() > MAX_ADDR_BYTES {
        return Err(Unusable::TooLong);
    }
    // The part before `/p2p-circuit` is the relay's address: it must be dialable itself.
    let hop: Multiaddr = addr.iter().take_while(|p| *p != Protocol::P2pCircuit).collect();
    match hop.iter().next() {
        Some(Protocol::Ip4(ip)) if ip.is_unspecified() || ip.is_multicast() || ip.is_broadcast() => {
            return Err(Unusable::NoHost)
        }
        Some(Protocol::Ip6(ip)) if ip.is_unspecified() || ip.is_multicast() => return Err(Unusable::NoHost),
        Some(Protocol::Ip4(_) | Protocol::Ip6(_)) => {}
        Some(Protocol::Dns(_) | Protocol::Dns4(_) | Protocol::Dns6(_) | Protocol::Dnsaddr(_)) => {
            return Err(Unusable::Transport)
        }
        _ => return Err(Unusable::NoHost),
    }
    match port_of(&hop) {
        Some((_, 0)) | None => return Err(Unusable::NoPort),
        Some(_) => {}
    }
    let rest: Vec<Protocol> = hop.iter().skip(2).collect();
    let only_peer = |ps: &[Protocol]| ps.iter().all(|p| matches!(p, Protocol::P2p(_)));
    let transport_ok = match port_of(&hop) {
        Some(("udp", _)) => rest.first() == Some(&Protocol::QuicV1) && only_peer(&rest[1..]),
        _ => only_peer(&rest),
    };
    let after_circuit: Vec<Protocol> = addr.iter().skip_while(|p| *p != Protocol::P2pCircuit).skip(1).collect();
    if !transport_ok || after_circuit.len() > 1 || !only_peer(&after_circuit) {
        return Err(Unusable::Transport);
    }
    match addr.iter().last() {
        Some(Protocol::P2p(last)) if last != *peer => Err(Unusable::WrongPeer),
        _ => Ok(()),
    }
}

/// `addr` without a trailing `/p2p/<peer>`.
pub fn without_peer(addr: &Multiaddr) -> Multiaddr {
    let mut addr = addr.clone();
    if matches!(addr.iter().last(), Some(Protocol::P2p(_))) {
        addr.pop();
    }
    addr
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(text: &str) -> Multiaddr {
        text.parse().unwrap()
    }

    #[test]
    fn listed_addresses_count_only_where_they_reach() {
        let lab_router = a("/ip4/172.17.2.2/tcp/4005");
        for (listed, seen, reaches) in [
            // From the internet only internet addresses reach a peer.
            ("/ip4/8.8.4.4/tcp/1", "/ip4/1.2.3.4/tcp/9", true),
            ("/ip4/192.168.1.2/tcp/1", "/ip4/1.2.3.4/tcp/9", false),
            ("/ip4/127.0.0.1/udp/1/quic-v1", "/ip4/1.2.3.4/tcp/9", false),
            ("/ip6/fd00::1/tcp/1", "/ip6/2001:db8::1/tcp/9", false),
            // One machine, one LAN.
            ("/ip4/127.0.0.1/tcp/1", "/ip4/127.0.0.1/tcp/9", true),
            ("/ip6/::1/tcp/1", "/ip4/127.0.0.1/tcp/9", true),
            ("/ip4/192.168.1.7/tcp/1", "/ip4/192.168.1.2/tcp/9", true),
            ("/ip6/fd00::7/tcp/1", "/ip6/fd12::2/tcp/9", true),
            // Another private range: the lab's NAT'd node seen at its router's outside.
            ("/ip4/192.168.1.2/tcp/4005", lab_router.to_string().as_str(), false),
            ("/ip4/100.64.3.2/tcp/4007", lab_router.to_string().as_str(), false),
            (
                "/ip4/172.17.2.2/udp/4005/quic-v1",
                lab_router.to_string().as_str(),
                true,
            ),
            // Through a relay nothing local reaches the peer.
            (
                "/ip4/172.16.2.2/tcp/1",
                "/ip4/172.16.1.2/tcp/4001/p2p/12D3KooWKf2cXbSQuY5iuF2qW6onr3bZcxmpeuCSAgmdtf7NZZwF/p2p-circuit",
                false,
            ),
            ("/dns4/example.org/tcp/1", "/ip4/1.2.3.4/tcp/9", true),
        ] {
            assert_eq!(reachable_from(&a(listed), &a(seen)), reaches, "{listed} seen at {seen}");
        }
    }

    #[test]
    fn scopes() {
        for (ip, expected) in [
            ("127.0.0.1", Scope::Loopback),
            ("::1", Scope::Loopback),
            ("10.1.2.3", Scope::Local),
            ("192.168.0.7", Scope::Local),
            ("100.72.0.1", Scope::Local),
            ("169.254.1.1", Scope::Local),
            ("fd00::1", Scope::Local),
            ("fe80::1", Scope::Local),
            ("8.8.8.8", Scope::Global),
            ("2001:db8::1", Scope::Global),
        ] {
            assert_eq!(scope(ip.parse().unwrap()), expected, "{ip}");
        }
        assert!(same_segment("10.0.0.1".parse().unwrap(), "10.0.0.200".parse().unwrap()));
        assert!(!same_segment("10.0.0.1".parse().unwrap(), "10.0.1.1".parse().unwrap()));
        assert!(same_segment("127.0.0.1".parse().unwrap(), "8.8.8.8".parse().unwrap()));
    }

    #[test]
    fn dialable_addresses() {
        let peer = PeerId::random();
        let relay = PeerId::random();
        for ok in [
            "/ip4/127.0.0.1/tcp/4001".to_owned(),
            "/ip4/203.0.113.5/udp/4001/quic-v1".to_owned(),
            format!("/ip4/203.0.113.5/tcp/4001/p2p/{peer}"),
            format!("/ip4/203.0.113.5/tcp/4001/p2p/{relay}/p2p-circuit"),
            format!("/ip4/203.0.113.5/tcp/4001/p2p/{relay}/p2p-circuit/p2p/{peer}"),
        ] {
            assert_eq!(check_dialable(&a(&ok), &peer), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("/ip4/0.0.0.0/tcp/4001".to_owned(), Unusable::NoHost),
            ("/ip4/224.0.0.1/tcp/4001".to_owned(), Unusable::NoHost),
            ("/ip6/::/tcp/4001".to_owned(), Unusable::NoHost),
            ("/ip4/10.0.0.1/tcp/0".to_owned(), Unusable::NoPort),
            ("/ip4/10.0.0.1/udp/4001".to_owned(), Unusable::Transport),
            ("/ip4/10.0.0.1/tcp/80/ws".to_owned(), Unusable::Transport),
            ("/tcp/4001".to_owned(), Unusable::NoHost),
            ("/dns4/relay.example/tcp/4001".to_owned(), Unusable::Transport),
            (format!("/ip4/10.0.0.1/tcp/4001/p2p/{relay}"), Unusable::WrongPeer),
            (format!("/ip4/0.0.0.0/tcp/1/p2p/{relay}/p2p-circuit"), Unusable::NoHost),
        ] {
            assert_eq!(check_dialable(&a(&bad), &peer), Err(why), "{bad}");
        }
        let long = format!("/dns4/{}/tcp/1", "x".repeat(300));
        assert_eq!(check_dialable(&a(&long), &peer), Err(Unusable::TooLong));
    }

    #[test]
    fn address_parts() {
        let peer = PeerId::random();
        let addr = a(&format!("/ip4/10.0.0.1/tcp/4001/p2p/{peer}"));
        assert_eq!(without_peer(&addr), a("/ip4/10.0.0.1/tcp/4001"));
        assert_eq!(port_of(&addr), Some(("tcp", 4001)));
        assert_eq!(ip_of(&addr), Some("10.0.0.1".parse().unwrap()));
        assert!(!is_relayed(&addr));
        assert!(is_relayed(&a(&format!("/ip4/10.0.0.1/tcp/1/p2p/{peer}/p2p-circuit"))));
    }
}
