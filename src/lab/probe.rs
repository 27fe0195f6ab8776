//! The lab's self-test: checks with UDP and TCP probes that each site's router behaves as
//! its NAT type is named (RFC 4787's mapping and filtering, and inbound TCP).
//!
//! Probe servers are sockets on the internet namespace's two probe addresses; the client
//! is a socket in the site's host namespace. All are made here, in this process, by
//! threads that joined those namespaces.
//! - **Mapping**: the client sends from one port to A:3478, A:3479 and B:3478; the
//!   servers see its outside address. The same everywhere is endpoint-independent; the
//!   host's own address means no translation.
//! - **Filtering**: a fresh client sends to A:3478 only. Then B:3480 (an address it never
//!   sent to) and A:3481 (a port it never sent to) send to its outside address, three
//!   times each, followed by a marker from A:3478. Links keep packets in order, so
//!   whatever arrived before the marker got through.
//! - **Inbound TCP**: the client connects out to A:3478 from a port it also listens on;
//!   a stranger on B then connects to the outside address the server saw.
//!
//! Where no UDP datagram gets out at all, mapping and filtering are `blocked`.
//!
//! Every wait has a deadline; nothing sleeps.

use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use serde::Serialize;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::nat::{Behaviour, Filtering, Mapping, NatType};
use super::netns::Netns;
use super::topology::{Host, Topology, PROBE_ADDRS};
use super::LabError;

/// What the self-test saw at one site.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeReport {
    /// The host probed.
    pub host: String,
    /// Its NAT type.
    pub nat: NatType,
    /// What the type should do.
    pub expected: Behaviour,
    /// What it did.
    pub observed: Behaviour,
    /// Whether they agree.
    pub ok: bool,
    /// Outside addresses the servers saw for one client port (A:3478, A:3479, B:3478;
    /// none where UDP is blocked), then for TCP.
    pub mapped: Vec<String>,
}

/// Probes every site of `topology` (public hosts included).
pub fn selftest(topology: &Topology) -> Result<Vec<ProbeReport>, LabError> {
    topology.sites.iter().map(|host| probe(topology, host)).collect()
}

/// Probes one host.
pub fn probe(topology: &Topology, host: &Host) -> Result<ProbeReport, LabError> {
    let p = topology.params;
    // Longest time a packet may take across the lab (two uplinks), with margin.
    let one_way = (p.delay + p.jitter) * 2 + Duration::from_millis(20);
    let deadline = one_way * 20 + Duration::from_secs(2);
    let err = |what: &str| LabError::io(format!("probing {} ({what})", host.label));
    let [a, b] = PROBE_ADDRS;

    // Mapping.
    let client = udp_in(&host.ns, SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)).map_err(err("client"))?;
    let mut mapped = Vec::new();
    for server in [(a, 3478), (a, 3479), (b, 3478)] {
        let server = udp_in(&topology.inet, SocketAddrV4::new(server.0, server.1)).map_err(err("server"))?;
        match observe(&client, &server, deadline) {
            Ok(outside) => mapped.push(outside),
            Err(e) if e.kind() == ErrorKind::TimedOut && mapped.is_empty() => break,
            Err(e) => return Err(err("mapping")(e)),
        }
    }
    let (tcp_outside, inbound_tcp) = tcp_inbound(topology, host, deadline, one_way).map_err(err("tcp"))?;
    if mapped.is_empty() {
        // Not one UDP datagram got out.
        let observed = Behaviour {
            mapping: Mapping::Blocked,
            filtering: Filtering::Blocked,
            inbound_tcp,
        };
        return Ok(report(host, observed, vec![tcp_outside]));
    }
    let mapping = if mapped.iter().all(|m| m.ip() == std::net::IpAddr::V4(host.ip)) {
        Mapping::None
    } else if mapped.iter().all(|m| *m == mapped[0]) {
        Mapping::EndpointIndependent
    } else {
        Mapping::AddressAndPortDependent
    };

    // Filtering.
    let client = udp_in(&host.ns, SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)).map_err(err("client"))?;
    let known = udp_in(&topology.inet, SocketAddrV4::new(a, 3478)).map_err(err("server"))?;
    let outside = observe(&client, &known, deadline).map_err(err("filtering"))?;
    let other_addr = udp_in(&topology.inet, SocketAddrV4::new(b, 3480)).map_err(err("server"))?;
    let other_port = udp_in(&topology.inet, SocketAddrV4::new(a, 3481)).map_err(err("server"))?;
    for _ in 0..3 {
        other_addr.send_to(b"stranger", outside).map_err(err("send"))?;
        other_port.send_to(b"neighbour", outside).map_err(err("send"))?;
    }
    let arrived = until_marker(
        &client,
        &known,
        outside,
        deadline,
        p.jitter * 2 + Duration::from_millis(50),
    )
    .map_err(err("filtering"))?;
    let filtering = match (
        arrived.contains(&"stranger".to_owned()),
        arrived.contains(&"neighbour".to_owned()),
    ) {
        (true, _) if mapping == Mapping::None => Filtering::Open,
        (true, _) => Filtering::EndpointIndependent,
        (false, true) => Filtering::AddressDependent,
        (false, false) => Filtering::AddressAndPortDependent,
    };

    mapped.push(tcp_outside);
    let observed = Behaviour {
        mapping,
        filtering,
        inbound_tcp,
    };
    Ok(report(host, observed, mapped))
}

fn report(host: &Host, observed: Behaviour, mapped: Vec<SocketAddr>) -> ProbeReport {
    let expected = host.nat.expected();
    ProbeReport {
        host: host.label.clone(),
        nat: host.nat,
        expected,
        observed,
        ok: expected == observed,
        mapped: mapped.iter().map(ToString::to_string).collect(),
    }
}

/// A UDP socket bound to `addr` inside `ns`.
fn udp_in(ns: &Netns, addr: SocketAddrV4) -> std::io::Result<UdpSocket> {
    ns.enter(move || UdpSocket::bind(addr))
}

/// How long one wait for a datagram lasts before the sender repeats itself.
const RESEND_EVERY: Duration = Duration::from_millis(300);

/// Receives one datagram on `socket` within [`RESEND_EVERY`]: `Ok(None)` if none came
/// (or a signal interrupted the wait) and `until` has not passed; `TimedOut` once it has.
fn recv_or_resend(
    socket: &UdpSocket,
    buf: &mut [u8],
    until: Instant,
    what: &str,
) -> std::io::Result<Option<(usize, SocketAddr)>> {
    socket.set_read_timeout(Some(RESEND_EVERY))?;
    match socket.recv_from(buf) {
        Ok(got) => Ok(Some(got)),
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
            ) =>
        {
            if Instant::now() > until {
                Err(std::io::Error::new(ErrorKind::TimedOut, what.to_owned()))
            } else {
                Ok(None)
            }
        }
        Err(e) => Err(e),
    }
}

/// Sends from `client` to `server` until the server hears it (or `deadline` passes);
/// returns the address the server saw.
fn observe(client: &UdpSocket, server: &UdpSocket, deadline: Duration) -> std::io::Result<SocketAddr> {
    let until = Instant::now() + deadline;
    let target = server.local_addr()?;
    let what = format!("{target} never heard the client");
    let mut buf = [0u8; 64];
    loop {
        client.send_to(b"probe", target)?;
        if let Some((_, from)) = recv_or_resend(server, &mut buf, until, &what)? {
            return Ok(from);
        }
    }
}

/// Has `marker_from` send a marker to `outside` until `client` gets it; returns every
/// payload that arrived before it, and stragglers within `grace` after it.
fn until_marker(
    client: &UdpSocket,
    marker_from: &UdpSocket,
    outside: SocketAddr,
    deadline: Duration,
    grace: Duration,
) -> std::io::Result<Vec<String>> {
    let until = Instant::now() + deadline;
    let mut arrived = Vec::new();
    let mut buf = [0u8; 64];
    loop {
        marker_from.send_to(b"marker", outside)?;
        // Everything that arrives before the next resend is read first.
        while let Some((n, _)) = recv_or_resend(client, &mut buf, until, "the marker never arrived")? {
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            if text == "marker" {
                client.set_read_timeout(Some(grace))?;
                while let Ok((n, _)) = client.recv_from(&mut buf) {
                    arrived.push(String::from_utf8_lossy(&buf[..n]).into_owned());
                }
                return Ok(arrived);
            }
            arrived.push(text);
        }
    }
}

/// Connects out from a port the host also listens on, then has a stranger connect to the
/// outside address seen. Returns that address and whether the stranger got in.
fn tcp_inbound(
    topology: &Topology,
    host: &Host,
    deadline: Duration,
    one_way: Duration,
) -> std::io::Result<(SocketAddr, bool)> {
    let [a, b] = PROBE_ADDRS;
    let server = topology
        .inet
        .enter(move || std::net::TcpListener::bind(SocketAddrV4::new(a, 3478)))?;
    let (listener, client) = host.ns.enter(move || {
        let listener = reusable_tcp(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0))?;
        listener.listen(8)?;
        let port = listener.local_addr()?.as_socket().map(|a| a.port()).unwrap_or(0);
        let client = reusable_tcp(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port))?;
        Ok((listener, client))
    })?;
    client.connect_timeout(&SockAddr::from(SocketAddrV4::new(a, 3478)), deadline)?;
    let (_accepted, outside) = server.accept()?;
    let stranger = topology.inet.enter(move || {
        let s = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
        s.bind(&SockAddr::from(SocketAddrV4::new(b, 0)))?;
        Ok(s)
    })?;
    // A refused or dropped SYN is retried after 1 s: wait long enough for one retry.
    let wait = one_way * 4 + Duration::from_millis(1500);
    let inbound = stranger.connect_timeout(&SockAddr::from(outside), wait).is_ok();
    if inbound {
        listener.set_nonblocking(false)?;
        let _ = TcpStream::from(listener.accept()?.0);
    }
    Ok((outside, inbound))
}

fn reusable_tcp(addr: SocketAddrV4) -> std::io::Result<Socket> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    socket.bind(&SockAddr::from(addr))?;
    Ok(socket)
}
