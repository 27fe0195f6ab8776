//! The lab's address plan and building it: the internet namespace, public hosts, and
//! sites (a NAT router with one host behind it). Only private ranges are used, and no
//! namespace has a link to the root namespace.
//!
//! | what | addresses |
//! |---|---|
//! | probe servers, in the internet namespace | 172.16.0.1/32, 172.16.0.2/32 |
//! | public host *k* (k ≥ 1) | 172.16.*k*.2/24, internet side 172.16.*k*.1 |
//! | site *n*'s router uplink (n ≥ 1) | 172.17.*n*.2/24, internet side 172.17.*n*.1 |
//! | host behind a full-cone or port-restricted router (home) | 192.168.*n*.2/24, router 192.168.*n*.1 |
//! | host behind a symmetric NAT (carrier) | 100.64.*n*.2/24, router 100.64.*n*.1 |
//! | host behind a strict firewall (office, routed) | 172.18.*n*.2/24, router 172.18.*n*.1 |
//!
//! Namespaces: `chl-<id>-inet`, a public host's `chl-<id>-<label>`, site *n*'s router
//! `chl-<id>-s<n>r` and host `chl-<id>-s<n>h`. Uplinks (public hosts' and routers') carry
//! the link parameters; the LAN cable between a router and its host does not.

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::link::{self, Backend, End, Link, LinkParams};
use super::nat::NatType;
use super::netns::{Netns, Run};
use super::LabError;

/// The probe servers' addresses (on the internet namespace's loopback).
pub const PROBE_ADDRS: [Ipv4Addr; 2] = [Ipv4Addr::new(172, 16, 0, 1), Ipv4Addr::new(172, 16, 0, 2)];

/// A host a node can run on.
#[derive(Debug, Clone, Serialize)]
pub struct Host {
    /// Its label (`boot`, `s3h`…).
    pub label: String,
    /// Its namespace.
    #[serde(rename = "netns", serialize_with = "ns_name")]
    pub ns: Netns,
    /// Its address.
    pub ip: Ipv4Addr,
    /// The network it sits in.
    pub nat: NatType,
    /// Its router's internet-side address (its own address for public hosts).
    pub public_ip: Ipv4Addr,
    /// Its router's namespace (none for public hosts).
    #[serde(skip)]
    pub router: Option<Netns>,
}

fn ns_name<S: serde::Serializer>(ns: &Netns, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(ns.name())
}

/// What to build.
#[derive(Debug, Clone, Default)]
pub struct TopologySpec {
    /// Labels of public hosts (the operators' nodes: `boot`, `mbox`, `relay`).
    pub public: Vec<String>,
    /// User sites, one host each: public hosts or hosts behind a router of the type.
    pub sites: Vec<NatType>,
}

/// A built topology. Links forward while it lives; the run's namespaces go when the run
/// is dropped.
pub struct Topology {
    /// The internet namespace.
    pub inet: Netns,
    /// Public hosts, in the order of the spec.
    pub public: Vec<Host>,
    /// User sites' hosts, in the order of the spec.
    pub sites: Vec<Host>,
    /// How links are emulated.
    pub backend: Backend,
    /// The link parameters.
    pub params: LinkParams,
    /// How long building took.
    pub build_time: Duration,
    _links: Vec<Link>,
}

impl Topology {
    /// Builds `spec` in `run`'s namespaces (inside a tokio runtime: userspace links
    /// forward on it). `backend` `None` picks netem when the kernel has it.
    pub fn build(
        run: &Run,
        spec: &TopologySpec,
        params: LinkParams,
        backend: Option<Backend>,
    ) -> Result<Self, LabError> {
        let started = Instant::now();
        let inet = run.add_netns("inet")?;
        inet.sysctl("net.ipv4.ip_forward", "1")?;
        for addr in PROBE_ADDRS {
            inet.ip(&["addr", "add", &format!("{addr}/32"), "dev", "lo"])?;
        }
        let backend = match backend {
            Some(b) => {
                b.check(&inet)?;
                b
            }
            None => Backend::detect(&inet),
        };
        let mut builder = Builder {
            run,
            inet: &inet,
            params,
            backend,
            links: Vec::new(),
            next_public: 1,
            next_site: 1,
        };
        let mut public = Vec::new();
        for label in &spec.public {
            public.push(builder.public_host(label)?);
        }
        let mut sites = Vec::new();
        for nat in &spec.sites {
            let host = match nat {
                NatType::Public => {
                    let label = format!("pub{}", builder.next_public);
                    builder.public_host(&label)?
                }
                nat => builder.site(*nat)?,
            };
            sites.push(host);
        }
        let links = builder.links;
        Ok(Self {
            inet,
            public,
            sites,
            backend,
            params,
            build_time: started.elapsed(),
            _links: links,
        })
    }
}

struct Builder<'a> {
    run: &'a Run,
    inet: &'a Netns,
    params: LinkParams,
    backend: Backend,
    links: Vec<Link>,
    next_public: u8,
    next_site: u8,
}

impl Builder<'_> {
    fn public_host(&mut self, label: &str) -> Result<Host, LabError> {
        let k = self.next_public;
        self.next_public = k.checked_add(1).ok_or_else(too_many)?;
        let ns = self.run.add_netns(label)?;
        let ip = Ipv4Addr::new(172, 16, k, 2);
        let gateway = Ipv4Addr::new(172, 16, k, 1);
        self.uplink(&ns, ip, &format!("p{k}"), gateway)?;
        Ok(Host {
            label: label.to_owned(),
            ns,
            ip,
            nat: NatType::Public,
            public_ip: ip,
            router: None,
        })
    }

    fn site(&mut self, nat: NatType) -> Result<Host, LabError> {
        let n = self.next_site;
        self.next_site = n.checked_add(1).ok_or_else(too_many)?;
        let router = self.run.add_netns(&format!("s{n}r"))?;
        let host_label = format!("s{n}h");
        let host_ns = self.run.add_netns(&host_label)?;
        router.sysctl("net.ipv4.ip_forward", "1")?;
        let wan_ip = Ipv4Addr::new(172, 17, n, 2);
        self.uplink(&router, wan_ip, &format!("s{n}"), Ipv4Addr::new(172, 17, n, 1))?;
        let lan_net = match nat {
            NatType::Symmetric => [100, 64, n],
            NatType::StrictFirewall => [172, 18, n],
            _ => [192, 168, n],
        };
        let lan_ip = |last| Ipv4Addr::new(lan_net[0], lan_net[1], lan_net[2], last);
        let (router_ip, host_ip) = (lan_ip(1), lan_ip(2));
        self.links.push(link::lan(
            &End {
                ns: &router,
                ifname: "lan0",
                addr: router_ip,
                prefix: 24,
            },
            &End {
                ns: &host_ns,
                ifname: "eth0",
                addr: host_ip,
                prefix: 24,
            },
        )?);
        host_ns.ip(&["route", "add", "default", "via", &router_ip.to_string()])?;
        if !nat.translates() {
            // The office's addresses are routed: the internet knows the way to them.
            let subnet = format!("{}/24", lan_ip(0));
            self.inet.ip(&["route", "add", &subnet, "via", &wan_ip.to_string()])?;
        }
        if let Some(rules) = nat.ruleset("wan0", "lan0", host_ip) {
            router.exec("nft", &["-f", "-"], Some(&rules))?;
        }
        Ok(Host {
            label: host_label,
            ns: host_ns,
            ip: host_ip,
            nat,
            public_ip: if nat.translates() { wan_ip } else { host_ip },
            router: Some(router),
        })
    }

    /// Links `ns` (as `wan0` with `ip`/24) to the internet namespace (as `inet_if`, with
    /// the subnet's `.1`), and routes `ns`'s default traffic there.
    fn uplink(&mut self, ns: &Netns, ip: Ipv4Addr, inet_if: &str, gateway: Ipv4Addr) -> Result<(), LabError> {
        let link = link::wan(
            &End {
                ns,
                ifname: "wan0",
                addr: ip,
                prefix: 24,
            },
            &End {
                ns: self.inet,
                ifname: inet_if,
                addr: gateway,
                prefix: 24,
            },
            self.params,
            self.backend,
        )?;
        self.links.push(link);
        ns.ip(&["route", "add", "default", "via", &gateway.to_string()])?;
        Ok(())
    }
}

fn too_many() -> LabError {
    LabError::Node {
        label: "topology".into(),
        reason: "at most 254 public hosts and 254 sites".into(),
    }
}
