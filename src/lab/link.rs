//! Links between the lab's namespaces, with delay, jitter and loss.
//!
//! A LAN link (host ↔ its router) is a plain veth pair. A link that crosses the
//! "internet" (a router's or public host's uplink) gets the configured delay, jitter and
//! loss in each direction, in one of two ways:
//! - [`Backend::Netem`]: a veth pair with a `tc netem` qdisc on both ends.
//! - [`Backend::Userspace`]: two TUN devices, one in each namespace, joined by the lab
//!   process, which holds every packet for its delay (plus a uniform jitter, never
//!   reordering: a packet leaves no earlier than the one before it), drops it with the
//!   loss probability, and queues at most [`QUEUE_LIMIT`] packets per direction (netem's
//!   default limit). For kernels built without `sch_netem` (as on the CI machines);
//!   the devices vanish with the lab process.
//!
//! [`Backend::detect`] picks netem when the kernel has it.

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use serde::Serialize;
use tokio::io::unix::AsyncFd;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::netns::Netns;
use super::LabError;

/// Packets queued per direction of a userspace link before new ones are dropped.
pub const QUEUE_LIMIT: usize = 1000;
/// Largest packet a TUN device hands over (its MTU is 1,500).
const MAX_PACKET: usize = 65_536;

/// What every link that crosses the internet does to packets, in each direction.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LinkParams {
    /// One-way delay.
    #[serde(rename = "delay_ms", serialize_with = "as_ms")]
    pub delay: Duration,
    /// Added to the delay: uniform in 0..=jitter.
    #[serde(rename = "jitter_ms", serialize_with = "as_ms")]
    pub jitter: Duration,
    /// Packets lost, in percent.
    pub loss_pct: f64,
}

fn as_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1000.0)
}

impl Default for LinkParams {
    /// 40 ms one way per hop, no jitter, 0.5 % loss.
    fn default() -> Self {
        Self {
            delay: Duration::from_millis(40),
            jitter: Duration::ZERO,
            loss_pct: 0.5,
        }
    }
}

/// How links with delay and loss are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// veth pairs with `tc netem`.
    Netem,
    /// TUN devices joined by the lab process.
    Userspace,
}

impl Backend {
    /// Its name in reports and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Netem => "netem",
            Backend::Userspace => "userspace",
        }
    }

    /// Netem if the kernel has it (tried on the loopback of `ns`), else userspace.
    pub fn detect(ns: &Netns) -> Self {
        match ns.exec(
            "tc",
            &["qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"],
            None,
        ) {
            Ok(_) => {
                let _ = ns.exec("tc", &["qdisc", "del", "dev", "lo", "root"], None);
                Backend::Netem
            }
            Err(_) => Backend::Userspace,
        }
    }

    /// Checks that this backend works here (netem needs the kernel's qdisc).
    pub fn check(self, ns: &Netns) -> Result<(), LabError> {
        if self == Backend::Netem {
            ns.exec(
                "tc",
                &["qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"],
                None,
            )
            .map_err(|e| LabError::NoNetem(e.to_string()))?;
            let _ = ns.exec("tc", &["qdisc", "del", "dev", "lo", "root"], None);
        }
        Ok(())
    }
}

/// One end of a link: a namespace, an interface name and an address with its prefix.
#[derive(Debug, Clone)]
pub struct End<'a> {
    /// The namespace.
    pub ns: &'a Netns,
    /// The interface's name in it.
    pub ifname: &'a str,
    /// Its address.
    pub addr: Ipv4Addr,
    /// The prefix length of the link's subnet.
    pub prefix: u8,
}

impl End<'_> {
    fn configure(&self) -> Result<(), LabError> {
        let cidr = format!("{}/{}", self.addr, self.prefix);
        self.ns.ip(&["addr", "add", &cidr, "dev", self.ifname])?;
        self.ns.ip(&["link", "set", self.ifname, "up"])?;
        Ok(())
    }
}

/// A live link. Userspace links forward packets while this lives.
pub struct Link {
    forwarders: Vec<JoinHandle<()>>,
}

impl Drop for Link {
    fn drop(&mut self) {
        for task in &self.forwarders {
            task.abort();
        }
    }
}

/// A plain veth pair between `a` and `b` (a LAN cable).
pub fn lan(a: &End<'_>, b: &End<'_>) -> Result<Link, LabError> {
    veth(a, b)?;
    Ok(Link { forwarders: Vec::new() })
}

/// A link across the internet between `a` and `b` with `params` in each direction.
/// Userspace links need a tokio runtime.
pub fn wan(a: &End<'_>, b: &End<'_>, params: LinkParams, backend: Backend) -> Result<Link, LabError> {
    match backend {
        Backend::Netem => {
            veth(a, b)?;
            for end in [a, b] {
                end.ns.exec(
                    "tc",
                    &netem_args(end.ifname, params)
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>(),
                    None,
                )?;
            }
            Ok(Link { forwarders: Vec::new() })
        }
        Backend::Userspace => {
            let fa = Arc::new(open_tun(a)?);
            let fb = Arc::new(open_tun(b)?);
            a.configure()?;
            b.configure()?;
            Ok(Link {
                forwarders: vec![
                    tokio::spawn(forward(fa.clone(), fb.clone(), params)),
                    tokio::spawn(forward(fb, fa, params)),
                ],
            })
        }
    }
}

/// `tc qdisc add dev IF root netem …` for `params`.
fn netem_args(ifname: &str, params: LinkParams) -> Vec<String> {
    let ms = |d: Duration| format!("{}ms", d.as_secs_f64() * 1000.0);
    let mut args: Vec<String> = ["qdisc", "add", "dev", ifname, "root", "netem", "delay"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push(ms(params.delay));
    if !params.jitter.is_zero() {
        args.push(ms(params.jitter));
    }
    if params.loss_pct > 0.0 {
        args.push("loss".into());
        args.push(format!("{}%", params.loss_pct));
    }
    args
}

fn veth(a: &End<'_>, b: &End<'_>) -> Result<(), LabError> {
    // Created inside `a`'s namespace with its peer in `b`'s: the root namespace never
    // sees either end.
    a.ns.ip(&[
        "link",
        "add",
        a.ifname,
        "type",
        "veth",
        "peer",
        "name",
        b.ifname,
        "netns",
        b.ns.name(),
    ])?;
    a.configure()?;
    b.configure()
}

/// `TUNSETIFF`, `_IOW('T', 202, int)` (it takes a `struct ifreq`).
const TUNSETIFF: u64 = 0x4004_54ca;
const IFF_TUN: i16 = 0x0001;
const IFF_NO_PI: i16 = 0x1000;

/// `struct ifreq` with the flags member of its union.
#[repr(C)]
struct IfReq {
    name: [u8; 16],
    flags: i16,
    _pad: [u8; 22],
}

nix::ioctl_write_ptr_bad!(tun_set_iff, TUNSETIFF, IfReq);

/// Creates a TUN device (layer 3, no packet info) named `end.ifname` in `end.ns`.
fn open_tun(end: &End<'_>) -> Result<AsyncFd<OwnedFd>, LabError> {
    let name = end.ifname.to_owned();
    let what = format!("creating TUN device {} in {}", end.ifname, end.ns.name());
    let fd = end
        .ns
        .enter(move || {
            use nix::fcntl::OFlag;
            let fd = nix::fcntl::open(
                "/dev/net/tun",
                OFlag::O_RDWR | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC,
                nix::sys::stat::Mode::empty(),
            )?;
            let mut req = IfReq {
                name: [0; 16],
                flags: IFF_TUN | IFF_NO_PI,
                _pad: [0; 22],
            };
            req.name[..name.len().min(15)].copy_from_slice(&name.as_bytes()[..name.len().min(15)]);
            // SAFETY: `req` is a valid `struct ifreq` that outlives the call.
            unsafe { tun_set_iff(fd.as_raw_fd(), &req) }?;
            Ok(fd)
        })
        .map_err(LabError::io(what.clone()))?;
    // SAFETY: the `OwnedFd` is open and moves into the `AsyncFd`, which owns it from then on.
    unsafe { AsyncFd::register_with_interest(fd, tokio::io::Interest::READABLE) }
        .map_err(|e| LabError::io(what)(e.into()))
}

/// Moves packets from `from` to `to`: each waits for its delay (never overtaking the one
/// before), some are lost, and at most [`QUEUE_LIMIT`] wait at once.
async fn forward(from: Arc<AsyncFd<OwnedFd>>, to: Arc<AsyncFd<OwnedFd>>, params: LinkParams) {
    let mut queue: VecDeque<(Instant, Vec<u8>)> = VecDeque::new();
    let mut last_due = Instant::now();
    let mut buf = vec![0u8; MAX_PACKET];
    loop {
        let next_due = queue.front().map(|(due, _)| *due);
        tokio::select! {
            ready = from.readable() => {
                let Ok(mut guard) = ready else { return };
                loop {
                    match guard.try_io(|fd| nix::unistd::read(fd.get_ref().as_fd(), &mut buf).map_err(Into::into)) {
                        Ok(Ok(0)) => return,
                        Ok(Ok(n)) => {
                            let mut rng = rand::thread_rng();
                            if rng.gen_bool((params.loss_pct / 100.0).clamp(0.0, 1.0)) || queue.len() >= QUEUE_LIMIT {
                                continue;
                            }
                            let jitter = params.jitter.mul_f64(rng.gen::<f64>());
                            let due = (Instant::now() + params.delay + jitter).max(last_due);
                            last_due = due;
                            queue.push_back((due, buf[..n].to_vec()));
                        }
                        Ok(Err(_)) => return,
                        Err(_would_block) => break,
                    }
                }
            }
            _ = tokio::time::sleep_until(next_due.unwrap_or_else(Instant::now)), if next_due.is_some() => {
                let now = Instant::now();
                while queue.front().is_some_and(|(due, _)| *due <= now) {
                    let (_, packet) = queue.pop_front().expect("checked");
                    // A TUN write never blocks; a packet the kernel refuses is lost.
                    let _ = nix::unistd::write(to.get_ref().as_fd(), &packet);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netem_command() {
        let params = LinkParams {
            delay: Duration::from_millis(40),
            jitter: Duration::from_millis(5),
            loss_pct: 0.5,
        };
        assert_eq!(
            netem_args("wan0", params).join(" "),
            "qdisc add dev wan0 root netem delay 40ms 5ms loss 0.5%"
        );
        let quiet = LinkParams {
            loss_pct: 0.0,
            jitter: Duration::ZERO,
            ..params
        };
        assert_eq!(
            netem_args("p1", quiet).join(" "),
            "qdisc add dev p1 root netem delay 40ms"
        );
    }
}
