//! `chingu init` and `chingu run`: creating a home and running its node in the foreground.

use clap::Args;

use chingu::api::server::UnixServer;
use chingu::home::{Home, InitOptions};
use chingu::node::parse_addrs;
use chingu::phone::{normalize, Region};
use chingu::{tr, Node, NodeConfig};

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
    let node = Node::start(config).await?;
    let phone = node.status().await?.phone;
    let server = UnixServer::bind(&socket, node.clone())?;
    let peer_id = node.peer_id();
    println!("{}", tr!("run-started", peer_id = peer_id.to_string(), phone = phone));
    for addr in node.listen_addrs().await? {
        println!("{}", tr!("run-listening", addr = format!("{addr}/p2p/{peer_id}")));
    }
    println!("{}", tr!("run-socket", path = server.path().display().to_string()));

    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
        _ = node.stopped() => {}
    }
    eprintln!("{}", tr!("run-stopping"));
    drop(server);
    node.shutdown().await?;
    println!("{}", tr!("run-stopped"));
    Ok(())
}
