//! The NAT types the lab emulates, in the terms of RFC 4787 (mapping and filtering), and
//! the nftables ruleset of each router.
//!
//! | type | mapping | filtering | how |
//! |---|---|---|---|
//! | `public` | none (a public address) | none | no router: the host sits on the internet |
//! | `full-cone` | endpoint-independent | endpoint-independent | port-preserving `masquerade`; a dynamic set remembers the host's mapped ports and inbound packets to them are forwarded to the host |
//! | `port-restricted` | endpoint-independent | address-and-port-dependent | port-preserving `masquerade`; only replies (conntrack) come in |
//! | `symmetric` | address-and-port-dependent | address-and-port-dependent | `masquerade fully-random`: a new random port per destination |
//! | `strict-firewall` | none (the host keeps its routed address) | nothing comes in | no translation; UDP is blocked both ways (as on many corporate networks: a simultaneous UDP exchange would otherwise pass as a "reply"), TCP goes out, and only replies come in, never a SYN (no simultaneous open either) |
//!
//! Every router drops unsolicited packets to itself from the internet, like a home router.

use std::net::Ipv4Addr;
use std::str::FromStr;

use serde::Serialize;

/// A kind of network a user's node sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NatType {
    /// A public address, no NAT and no firewall.
    Public,
    /// Endpoint-independent mapping and filtering.
    FullCone,
    /// Endpoint-independent mapping, address-and-port-dependent filtering (the usual home
    /// router).
    PortRestricted,
    /// Address-and-port-dependent mapping (many carrier NATs).
    Symmetric,
    /// No translation, no UDP, no inbound connection of any kind (hole punching included).
    StrictFirewall,
}

impl NatType {
    /// Every type, the open ones first.
    pub const ALL: [NatType; 5] = [
        NatType::Public,
        NatType::FullCone,
        NatType::PortRestricted,
        NatType::Symmetric,
        NatType::StrictFirewall,
    ];

    /// Its name in reports and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            NatType::Public => "public",
            NatType::FullCone => "full-cone",
            NatType::PortRestricted => "port-restricted",
            NatType::Symmetric => "symmetric",
            NatType::StrictFirewall => "strict-firewall",
        }
    }

    /// Whether a router stands between the host and the internet.
    pub fn has_router(self) -> bool {
        self != NatType::Public
    }

    /// Whether the router translates addresses (the host has a private address).
    pub fn translates(self) -> bool {
        matches!(self, NatType::FullCone | NatType::PortRestricted | NatType::Symmetric)
    }

    /// What the self-test must observe.
    pub fn expected(self) -> Behaviour {
        use Filtering as F;
        use Mapping as M;
        let (mapping, filtering, inbound_tcp) = match self {
            NatType::Public => (M::None, F::Open, true),
            NatType::FullCone => (M::EndpointIndependent, F::EndpointIndependent, true),
            NatType::PortRestricted => (M::EndpointIndependent, F::AddressAndPortDependent, false),
            NatType::Symmetric => (M::AddressAndPortDependent, F::AddressAndPortDependent, false),
            NatType::StrictFirewall => (M::Blocked, F::Blocked, false),
        };
        Behaviour {
            mapping,
            filtering,
            inbound_tcp,
        }
    }

    /// The router's nftables ruleset (`nft -f`), for a router whose internet side is
    /// `wan`, LAN side `lan`, and whose one host is `host`. `None` for public hosts.
    pub fn ruleset(self, wan: &str, lan: &str, host: Ipv4Addr) -> Option<String> {
        let (prerouting, postrouting, forward_first, set) = match self {
            NatType::Public => return None,
            NatType::FullCone => (
                format!("iifname \"{wan}\" meta l4proto . th dport @mapped dnat to {host}"),
                format!("oifname \"{wan}\" masquerade"),
                format!("iifname \"{wan}\" ct status dnat accept"),
                "set mapped { type inet_proto . inet_service; flags timeout; timeout 120s; }".to_owned(),
            ),
            NatType::PortRestricted => (
                String::new(),
                format!("oifname \"{wan}\" masquerade"),
                String::new(),
                String::new(),
            ),
            NatType::Symmetric => (
                String::new(),
                format!("oifname \"{wan}\" masquerade fully-random"),
                String::new(),
                String::new(),
            ),
            NatType::StrictFirewall => (
                String::new(),
                String::new(),
                format!("meta l4proto udp drop\n    iifname \"{wan}\" tcp flags & (syn | ack) == syn drop"),
                String::new(),
            ),
        };
        let remember = if self == NatType::FullCone {
            " update @mapped { meta l4proto . th sport }"
        } else {
            ""
        };
        Some(format!(
            "table ip chingu_lab {{
  {set}
  chain prerouting {{ type nat hook prerouting priority dstnat; policy accept;
    {prerouting}
  }}
  chain postrouting {{ type nat hook postrouting priority srcnat; policy accept;
    {postrouting}
  }}
  chain forward {{ type filter hook forward priority filter; policy drop;
    {forward_first}
    iifname \"{lan}\" oifname \"{wan}\"{remember} accept
    iifname \"{wan}\" oifname \"{lan}\" ct state established,related accept
  }}
  chain input {{ type filter hook input priority filter; policy accept;
    iifname \"{wan}\" ct state established,related accept
    iifname \"{wan}\" drop
  }}
}}
"
        ))
    }
}

impl std::fmt::Display for NatType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for NatType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        NatType::ALL.into_iter().find(|t| t.name() == s).ok_or_else(|| {
            let names: Vec<_> = NatType::ALL.iter().map(|t| t.name()).collect();
            format!("unknown NAT type {s:?} (one of {})", names.join(", "))
        })
    }
}

/// How a NAT chooses the outside address of a flow (RFC 4787 §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mapping {
    /// UDP does not get out at all.
    Blocked,
    /// No translation: the outside sees the host's own address.
    None,
    /// The same outside address and port for every destination.
    EndpointIndependent,
    /// Another outside port for another destination address or port.
    AddressAndPortDependent,
}

/// Which unsolicited packets a NAT or firewall lets in (RFC 4787 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Filtering {
    /// UDP does not get in at all.
    Blocked,
    /// Everything (no firewall).
    Open,
    /// Anyone may send to a mapped address.
    EndpointIndependent,
    /// Only addresses the host sent to.
    AddressDependent,
    /// Only the exact address and port the host sent to.
    AddressAndPortDependent,
}

/// What a NAT does, as the self-test observes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Behaviour {
    /// UDP mapping.
    pub mapping: Mapping,
    /// UDP filtering.
    pub filtering: Filtering,
    /// Whether a stranger's TCP connection reaches the host (at its mapped port).
    pub inbound_tcp: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in NatType::ALL {
            assert_eq!(t.name().parse::<NatType>(), Ok(t));
        }
        assert!("cone".parse::<NatType>().unwrap_err().contains("full-cone"));
    }

    #[test]
    fn rulesets_say_what_each_type_does() {
        let host = Ipv4Addr::new(192, 168, 1, 2);
        assert!(NatType::Public.ruleset("wan0", "lan0", host).is_none());
        let cone = NatType::FullCone.ruleset("wan0", "lan0", host).unwrap();
        assert!(cone.contains("update @mapped") && cone.contains("dnat to 192.168.1.2"));
        let restricted = NatType::PortRestricted.ruleset("wan0", "lan0", host).unwrap();
        assert!(restricted.contains("masquerade") && !restricted.contains("dnat"));
        let symmetric = NatType::Symmetric.ruleset("wan0", "lan0", host).unwrap();
        assert!(symmetric.contains("masquerade fully-random"));
        let strict = NatType::StrictFirewall.ruleset("wan0", "lan0", host).unwrap();
        assert!(!strict.contains("masquerade") && strict.contains("syn | ack) == syn drop"));
        assert!(strict.contains("meta l4proto udp drop"));
    }
}
