//! `chingu init` and `chingu run`: creating a home and running its node in the foreground.

use std::net::SocketAddr;

use clap::Args;

use chingu::api::dispatch::ApiContext;
use chingu::api::limits::ApiLimits;
use chingu::api::server::UnixServer;
use chingu::home::{Home, InitOptions};
use chingu::metrics::{ApiMetrics, HttpServer};
use chingu::node::metrics::SwarmMetrics;
use chingu::node::parse_addrs;
use chingu::node::Exit;
use chingu::phone::{normalize, Region};
use chingu::{tr, Node, NodeConfig, NodeError};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Your phone number (any local format; normalised to E.164)
    #[arg(long, value_name = "NUMBER")]
    phone: String,
    /// The name your friends see
    #[arg(long, default_value = "")]
    name: String,
    /// Region for numbers without a country code (ISO 3166 code, e.g. KR, JP, US)
    #[arg(long, value_name = "CC")]
    region: Option<String>,
    /// Replace an existing home (the old one is kept in a backup folder)
    #[arg(long)]
    force: bool,
}

pub fn init(home: &Home, args: InitArgs) -> anyhow::Result<()> {
    let region = match args.region {
        Some(code) => code.parse::<Region>()?,
        None => home.load_config().map(|c| c.region).unwrap_or_default(),
    };
    let phone = normalize(&args.phone, &region)?;
    let report = home.init(&InitOptions {
        phone: phone.clone(),
        name: args.name,
        region,
        force: args.force,
    })?;
    if let Some(backup) = report.backup {
        println!("{}", tr!("init-backup", path = backup.display().to_string()));
    }
    println!(
        "{}",
        tr!(
            "init-done",
            home = home.dir().display().to_string(),
            phone = phone.to_string(),
            peer_id = report.peer_id.to_string()
        )
    );
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
    /// Preset for an operator's always-on node (see README, "Operators")
    #[arg(long, value_enum)]
    role: Option<Role>,
    /// Serve the API over WebSocket at ws://ADDR/api for app tokens (see `chingu apps`)
    #[cfg(feature = "websocket")]
    #[arg(long, value_name = "ADDR")]
    api: Option<SocketAddr>,
    /// Serve Prometheus metrics at http://ADDR/metrics
    #[arg(long, value_name = "ADDR")]
    metrics: Option<SocketAddr>,
    /// Allow --api and --metrics on addresses other than loopback (reachable from the network)
    #[arg(long)]
    allow_remote: bool,
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

/// Presets for operators' always-on nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// A DHT server with room for many connections that publishes no personal record.
    Bootstrap,
    /// A bootstrap node that also serves as a mailbox.
    Mailbox,
}

/// Connections an operator's node accepts (ordinary nodes: the config's value).
const OPERATOR_MAX_CONNECTIONS: u32 = 2048;

/// Applies a role preset on top of the home's configuration.
fn apply_role(config: &mut NodeConfig, role: Role) {
    config.dht_mode = chingu::config::DhtMode::Server;
    config.max_connections = config.max_connections.max(OPERATOR_MAX_CONNECTIONS);
    config.settings.discovery.discoverable = chingu::config::Discoverable::Nobody;
    config.settings.mailbox.serve |= role == Role::Mailbox;
}

pub async fn run(home: &Home, args: RunArgs) -> anyhow::Result<()> {
    super::output::init_logging();
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
    if let Some(role) = args.role {
        apply_role(&mut config, role);
    }
    let mut registry = prometheus_client::registry::Registry::default();
    if args.metrics.is_some() {
        config.metrics = Some(SwarmMetrics::register(&mut registry));
    }
    let node = Node::start(config).await?;
    let phone = node.status().await?.phone;
    let context = ApiContext {
        node: node.clone(),
        metrics: ApiMetrics::default(),
        limits: ApiLimits::default(),
    };
    let server = UnixServer::bind(&socket, context.clone())?;
    let peer_id = node.peer_id();
    println!("{}", tr!("run-started", peer_id = peer_id.to_string(), phone = phone));
    for addr in node.listen_addrs().await? {
        println!("{}", tr!("run-listening", addr = format!("{addr}/p2p/{peer_id}")));
    }
    let mut http = Vec::new();
    #[cfg(feature = "websocket")]
    if let Some(addr) = args.api {
        use chingu::api::apps::{AppStore, TokenVerifier};
        use chingu::api::ws;
        use std::sync::Arc;
        let verifier = Arc::new(TokenVerifier::new(AppStore::at(home.apps_path())));
        let api = ws::serve(addr, context.clone(), verifier).await?;
        let url = format!("ws://{}{}", api.local_addr(), ws::PATH);
        println!("{}", tr!("run-api", url = url));
        http.push(api);
    }
    if let Some(addr) = args.metrics {
        context.metrics.register(&mut registry);
        let metrics = HttpServer::serve(addr, chingu::metrics::router(node.clone(), registry)).await?;
        let url = format!("http://{}/metrics", metrics.local_addr());
        println!("{}", tr!("run-metrics", url = url));
        http.push(metrics);
    }
    println!("{}", tr!("run-socket", path = server.path().display().to_string()));

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
    eprintln!("{}", tr!("run-stopping"));
    drop(http);
    drop(server);
    node.shutdown().await?;
    println!("{}", tr!("run-stopped"));
    Ok(())
}
