//! `chingu init` and `chingu run`: creating a home (a person's, or an operator's node with
//! a role and no phone number) and running its node in the foreground, with logs that say
//! what the node is doing.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;
use futures::StreamExt;
use serde::Serialize;

use chingu::api::dispatch::ApiContext;
use chingu::api::limits::ApiLimits;
use chingu::api::server::UnixServer;
use chingu::config::{ReachabilityMode, Role};
use chingu::home::{Home, InitOptions};
use chingu::metrics::{ApiMetrics, HttpServer};
use chingu::node::metrics::SwarmMetrics;
use chingu::node::{parse_addrs, Event, Exit};
use chingu::phone::{normalize, Region};
use chingu::{tr, Node, NodeConfig, NodeError, NodeHandle};

use super::contacts::parse_region;
use super::errors::{PhoneProblem, ServeError};
use super::output::{errln, outln, print_json, print_json_line, LogFormat};

/// How often a running node logs a one-line summary of its state.
const SUMMARY_EVERY: Duration = Duration::from_secs(300);

/// `--reachability`: skip detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReachabilityFlag {
    /// Reachable: listen addresses are external addresses.
    Public,
    /// Behind a NAT or firewall: reserve relays at once.
    Private,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Your phone number (any local format; normalised to E.164)
    #[arg(long, value_name = "NUMBER", required_unless_present_any = ["role", "link"])]
    phone: Option<String>,
    /// The name your friends see
    #[arg(long, default_value = "")]
    name: String,
    /// Region for numbers without a country code (ISO 3166 code, e.g. KR, JP, US)
    #[arg(long, value_name = "CC", value_parser = parse_region)]
    region: Option<Region>,
    /// An operator's always-on node with no phone number: bootstrap, mailbox or relay
    #[arg(long, value_enum, conflicts_with = "phone")]
    role: Option<Role>,
    /// Join your account as a new device with the code `chingu link` shows on your first device
    #[arg(long, value_name = "CODE", conflicts_with_all = ["phone", "role"])]
    link: Option<String>,
    /// This device's name in your account (with --link) [default: this machine's host name]
    #[arg(long, value_name = "NAME", requires = "link")]
    device: Option<String>,
    /// Replace an existing home (the old one is kept in a backup folder)
    #[arg(long)]
    force: bool,
}

/// What `init --json` prints.
#[derive(Serialize)]
struct Created {
    home: String,
    phone: Option<String>,
    role: Option<Role>,
    region: Region,
    peer_id: String,
    backup: Option<String>,
}

pub async fn init(home: &Home, args: InitArgs, json: bool) -> anyhow::Result<()> {
    let region = match args.region {
        Some(region) => region,
        None => home.load_config().map(|c| c.region).unwrap_or_default(),
    };
    if let Some(code) = &args.link {
        let device = match args.device {
            Some(device) => device,
            None => nix::unistd::gethostname()
                .ok()
                .and_then(|name| name.into_string().ok())
                .filter(|name| !name.is_empty())
                .unwrap_or_else(|| "device".to_owned()),
        };
        return super::devices::init_linked(home, code, &device, region, args.force, json).await;
    }
    let (phone, report) = match (args.role, args.phone) {
        (Some(role), _) => (None, home.init_role(role, &args.name, region.clone(), args.force)?),
        (None, phone) => {
            let input = phone.unwrap_or_default();
            let phone = normalize(&input, &region).map_err(|reason| PhoneProblem {
                input,
                region: region.clone(),
                reason,
            })?;
            let options = InitOptions {
                phone: phone.clone(),
                name: args.name,
                region: region.clone(),
                force: args.force,
            };
            (Some(phone), home.init(&options)?)
        }
    };
    let created = Created {
        home: home.dir().display().to_string(),
        phone: phone.as_ref().map(ToString::to_string),
        role: args.role,
        region,
        peer_id: report.peer_id.to_string(),
        backup: report.backup.map(|b| b.display().to_string()),
    };
    if json {
        return print_json(&created);
    }
    if let Some(backup) = &created.backup {
        outln!("{}", tr!("init-backup", path = backup.clone()))?;
    }
    let text = match (&created.phone, args.role) {
        (Some(phone), _) => tr!(
            "init-done",
            home = created.home.clone(),
            phone = phone.clone(),
            peer_id = created.peer_id.clone()
        ),
        (None, role) => tr!(
            "init-done-role",
            home = created.home.clone(),
            role = role.map_or("", Role::as_str),
            peer_id = created.peer_id.clone()
        ),
    };
    outln!("{text}")?;
    Ok(())
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Listen on this multiaddr (repeatable; replaces the configured ones)
    #[arg(long, value_name = "MULTIADDR")]
    listen: Vec<String>,
    /// Bootstrap from this peer (repeatable; added to the configured ones)
    #[arg(long, value_name = "MULTIADDR")]
    bootstrap: Vec<String>,
    /// Find peers on the local network with mDNS
    #[arg(long)]
    mdns: bool,
    /// Serve as a mailbox: hold sealed messages for offline users who register here
    #[arg(long)]
    mailbox: bool,
    /// Preset for an operator's always-on node [default: the home's, from init --role]
    #[arg(long, value_enum)]
    role: Option<Role>,
    /// Do not test reachability: take this node as reachable (`public`) or not (`private`)
    #[arg(long, value_enum, value_name = "public|private")]
    reachability: Option<ReachabilityFlag>,
    /// Serve the API over WebSocket at ws://ADDR/api for app tokens (see `chingu apps`)
    #[cfg(feature = "websocket")]
    #[arg(long, value_name = "ADDR")]
    api: Option<SocketAddr>,
    /// Serve Prometheus metrics at http://ADDR/metrics, and /health and /ready
    #[arg(long, value_name = "ADDR")]
    metrics: Option<SocketAddr>,
    /// Allow --api and --metrics on addresses other than loopback (reachable from the network)
    #[arg(long)]
    allow_remote: bool,
    /// Log line format on stderr: text or json
    #[arg(long, value_enum, default_value_t = LogFormat::Text, value_name = "FORMAT")]
    log_format: LogFormat,
}

/// Refuses a non-loopback address for an HTTP listener unless remote access was allowed.
fn check_local(addr: Option<SocketAddr>, flag: &str, allow_remote: bool) -> anyhow::Result<()> {
    match addr {
        Some(addr) if !addr.ip().is_loopback() && !allow_remote => Err(anyhow::anyhow!(tr!(
            "run-not-loopback",
            flag = flag.to_owned(),
            addr = addr.to_string()
        ))),
        _ => Ok(()),
    }
}

/// What `run --json` prints once the node serves: one JSON line (and `{"event":
/// "stopped"}` at the end).
#[derive(Serialize)]
struct Started {
    event: &'static str,
    peer_id: String,
    phone: Option<String>,
    role: Option<Role>,
    listen: Vec<String>,
    socket: String,
    api: Option<String>,
    metrics: Option<String>,
}

pub async fn run(home: &Home, args: RunArgs, json: bool) -> anyhow::Result<()> {
    super::output::init_logging(args.log_format);
    home.check_ownership()?;
    let _lock = home.lock()?;
    let socket = home.checked_socket_path()?;
    #[cfg(feature = "websocket")]
    check_local(args.api, "--api", args.allow_remote)?;
    check_local(args.metrics, "--metrics", args.allow_remote)?;
    let mut config = NodeConfig::from_home(home)?;
    if !args.listen.is_empty() {
        config.listen = parse_addrs(&args.listen)?;
    }
    config.bootstrap.extend(parse_addrs(&args.bootstrap)?);
    config.mdns |= args.mdns;
    config.settings.mailbox.serve |= args.mailbox;
    let role = args.role.or(config.settings.role);
    if let Some(role) = role {
        config.apply_role(role);
    }
    if let Some(reachability) = args.reachability {
        config.reachability = match reachability {
            ReachabilityFlag::Public => ReachabilityMode::Public,
            ReachabilityFlag::Private => ReachabilityMode::Private,
        };
    }
    let mut registry = prometheus_client::registry::Registry::default();
    if args.metrics.is_some() {
        config.metrics = Some(SwarmMetrics::register(&mut registry));
    }
    let bootstrap_peers = config.bootstrap.len();
    let node = Node::start(config).await?;
    let logger = tokio::spawn(log_activity(node.clone(), bootstrap_peers));
    let phone = node.status().await?.phone;
    let context = ApiContext {
        node: node.clone(),
        metrics: ApiMetrics::default(),
        limits: ApiLimits::default(),
    };
    let server = UnixServer::bind(&socket, context.clone())?;
    let peer_id = node.peer_id();
    let listen: Vec<String> = node
        .listen_addrs()
        .await?
        .iter()
        .map(|addr| format!("{addr}/p2p/{peer_id}"))
        .collect();
    let mut http = Vec::new();
    #[cfg(feature = "websocket")]
    let api_url = match args.api {
        Some(addr) => {
            use chingu::api::apps::{AppStore, TokenVerifier};
            use chingu::api::ws;
            let verifier = std::sync::Arc::new(TokenVerifier::new(AppStore::at(home.apps_path())));
            let api = ws::serve(addr, context.clone(), verifier)
                .await
                .map_err(|source| ServeError { flag: "--api", source })?;
            let url = format!("ws://{}{}", api.local_addr(), ws::PATH);
            http.push(api);
            Some(url)
        }
        None => None,
    };
    #[cfg(not(feature = "websocket"))]
    let api_url: Option<String> = None;
    let mut metrics_url = None;
    if let Some(addr) = args.metrics {
        context.metrics.register(&mut registry);
        let metrics = HttpServer::serve(addr, chingu::metrics::router(node.clone(), registry))
            .await
            .map_err(|source| ServeError {
                flag: "--metrics",
                source,
            })?;
        metrics_url = Some(format!("http://{}/metrics", metrics.local_addr()));
        http.push(metrics);
    }
    tracing::info!(%peer_id, role = role.map_or("person", Role::as_str), listen = ?listen, "node started");
    let started = Started {
        event: "started",
        peer_id: peer_id.to_string(),
        phone: (!phone.is_empty()).then(|| phone.clone()),
        role,
        listen,
        socket: server.path().display().to_string(),
        api: api_url,
        metrics: metrics_url,
    };
    // A reader that went away (`chingu run | head -1`) does not stop the node.
    let _ = print_started(&started, json);

    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let exit = tokio::select! {
        _ = tokio::signal::ctrl_c() => None,
        _ = terminate.recv() => None,
        exit = node.stopped() => exit,
    };
    if let Some(Exit::Panicked(panic)) = exit {
        // The supervisor logged it; the process ends with an error.
        drop(http);
        drop(server);
        return Err(NodeError::Stopped { panic: Some(panic) }.into());
    }
    if !json {
        errln!("{}", tr!("run-stopping"));
    }
    logger.abort();
    drop(http);
    drop(server);
    node.shutdown().await?;
    tracing::info!("node stopped; the store is flushed");
    // The reader may be gone by now (the node was stopped from a pipeline): not a failure.
    let _ = if json {
        print_json_line(&serde_json::json!({ "event": "stopped" }))
    } else {
        outln!("{}", tr!("run-stopped")).map_err(Into::into)
    };
    Ok(())
}

/// The lines `run` prints once the node serves (or one JSON line).
fn print_started(started: &Started, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json_line(started);
    }
    let who = match (&started.phone, started.role) {
        (Some(phone), _) => phone.clone(),
        (None, role) => role.map_or("", Role::as_str).to_owned(),
    };
    outln!("{}", tr!("run-started", peer_id = started.peer_id.clone(), phone = who))?;
    for addr in &started.listen {
        outln!("{}", tr!("run-listening", addr = addr.clone()))?;
    }
    if let Some(url) = &started.api {
        outln!("{}", tr!("run-api", url = url.clone()))?;
    }
    if let Some(url) = &started.metrics {
        outln!("{}", tr!("run-metrics", url = url.clone()))?;
    }
    outln!("{}", tr!("run-socket", path = started.socket.clone()))?;
    Ok(())
}

/// Logs what the node does at `info` (and routine traffic at `debug`): joining the DHT,
/// listeners, contacts found, messages, groups, and a summary every [`SUMMARY_EVERY`].
/// Logs carry no message text, names or numbers.
async fn log_activity(node: NodeHandle, bootstrap_peers: usize) {
    let mut events = node.events();
    let joined = node.clone();
    tokio::spawn(async move {
        if bootstrap_peers > 0 {
            tracing::info!(bootstrap_peers, "joining the DHT");
        }
        if joined.wait_joined().await.is_ok() {
            let routing = joined.status().await.map(|s| s.routing_table_size).unwrap_or_default();
            tracing::info!(routing_table = routing, "joined the DHT");
        }
    });
    let mut summary = tokio::time::interval(SUMMARY_EVERY);
    summary.tick().await;
    loop {
        tokio::select! {
            event = events.next() => match event {
                Some(event) => log_event(&event),
                None => return,
            },
            _ = summary.tick() => {
                if let Ok(s) = node.status().await {
                    tracing::info!(
                        peers = s.connected_peers,
                        routing_table = s.routing_table_size,
                        dht_records = s.dht_records,
                        outbox = s.messages.outbox,
                        delivered = s.messages.delivered,
                        received = s.messages.received,
                        rejected = s.rejected.values().sum::<u64>(),
                        "status"
                    );
                }
            }
        }
    }
}

fn log_event(event: &Event) {
    match event {
        Event::Listening { addr } => tracing::info!(%addr, "listening"),
        Event::PeerConnected { peer_id } => tracing::debug!(%peer_id, "peer connected"),
        Event::PeerDisconnected { peer_id } => tracing::debug!(%peer_id, "peer disconnected"),
        Event::Rejected {
            peer_id,
            protocol,
            reason,
        } => tracing::debug!(peer_id = ?peer_id, %protocol, %reason, "rejected input"),
        Event::ContactUpdated { state, .. } => tracing::info!(%state, "contact discovery"),
        Event::KeyChanged { .. } => tracing::warn!("a contact's key changed; messages to them wait for verification"),
        Event::CandidateSeen { .. } => tracing::warn!("another identity claims a contact's number"),
        Event::RecordPublished { total } => tracing::debug!(total, "rendezvous record published"),
        Event::MessageReceived { .. } => tracing::info!("message received"),
        Event::MessageState { state, .. } => tracing::debug!(state = state.as_str(), "message state"),
        Event::Typing { .. } => {}
        Event::GroupChanged { change, .. } => tracing::info!(%change, "group changed"),
        Event::Lagged { missed } => tracing::debug!(missed, "log follower lagged"),
        _ => tracing::debug!(?event, "event"),
    }
}
