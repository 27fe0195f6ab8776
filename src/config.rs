//! `config.toml`: a node's settings, with defaults for everything.
//!
//! Unknown keys are an error (a typo must not silently fall back to a default), and a
//! malformed file is reported with its line and column, the offending line and a caret
//! under the spot. SPEC.md §8.2 lists every key.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::home::{write_private, HomeError};
use crate::phone::Region;

/// Problems reading `config.toml`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not a valid chingu configuration.
    #[error("{path} is not a valid chingu configuration{}: {message}{}", at.as_ref().map(Spot::position).unwrap_or_default(), at.as_ref().map(Spot::excerpt).unwrap_or_default())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
        /// Where, when the parser knows.
        at: Option<Spot>,
    },
}

/// A place in a file: its line and column (1-based) and that line's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spot {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// How many characters the problem spans (at least 1).
    pub width: usize,
    /// The text of the line.
    pub text: String,
}

impl Spot {
    /// The spot of byte range `span` in `text`.
    pub fn of(text: &str, span: std::ops::Range<usize>) -> Self {
        let start = span.start.min(text.len());
        let start = (0..=start).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line_text = text[line_start..line_end].trim_end_matches('\r');
        let end = span.end.clamp(start, line_start + line_text.len());
        let end = (end..=text.len())
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(text.len());
        Self {
            line: text[..start].matches('\n').count() + 1,
            column: text[line_start..start].chars().count() + 1,
            width: text[start..end].chars().count().max(1),
            text: line_text.to_owned(),
        }
    }

    /// ` (line L, column C)`.
    fn position(&self) -> String {
        format!(" (line {}, column {})", self.line, self.column)
    }

    /// The line, numbered, with a caret line under the spot (on lines of their own).
    pub fn excerpt(&self) -> String {
        let number = self.line.to_string();
        let gutter = " ".repeat(number.len());
        let shown: String = self
            .text
            .chars()
            .map(|c| if crate::text::is_unsafe(c) { ' ' } else { c })
            .collect();
        let before: usize = shown
            .chars()
            .take(self.column - 1)
            .map(|c| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0))
            .sum();
        format!(
            "\n {gutter} |\n {number} | {shown}\n {gutter} | {}{}",
            " ".repeat(before),
            "^".repeat(
                self.width
                    .min(shown.chars().count().saturating_sub(self.column - 1))
                    .max(1)
            )
        )
    }
}

/// Who may find this node by phone number (SPEC.md §5.2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Discoverable {
    /// Only people whose number is in my contacts and who have mine (mutual records).
    #[default]
    Contacts,
    /// Anyone who knows my number.
    Everyone,
    /// Nobody: only invite codes work.
    Nobody,
}

/// Whether this node serves the DHT.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DhtMode {
    /// Serve unless the node found itself private (unreachable from outside).
    #[default]
    Auto,
    /// Always answer DHT queries and store records.
    Server,
    /// Only query.
    Client,
}

/// How a node learns whether others can dial it (SPEC.md §12.2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReachabilityMode {
    /// Find out with AutoNAT (and inbound connections).
    #[default]
    Auto,
    /// Take it as reachable: its listen addresses are its external addresses.
    Public,
    /// Take it as unreachable (behind a NAT or firewall): reserve relays at once.
    Private,
}

/// Presets for operators' always-on nodes (`chingu run --role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A DHT server and circuit relay with room for many connections that publishes no
    /// personal record.
    Bootstrap,
    /// A bootstrap node that also serves as a mailbox.
    Mailbox,
    /// A circuit relay (and DHT server) for nodes behind NATs.
    Relay,
}

impl Role {
    /// Its name in the configuration and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Bootstrap => "bootstrap",
            Role::Mailbox => "mailbox",
            Role::Relay => "relay",
        }
    }
}

/// The whole configuration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Region for numbers written without a country code (ISO 3166 alpha-2).
    pub region: Region,
    /// An operator's node role (set by `init --role`; such a home has no phone number);
    /// absent for a person's node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Networking.
    pub network: NetworkConfig,
    /// Discovery by phone number.
    pub discovery: DiscoveryConfig,
    /// Messaging behaviour.
    pub messaging: MessagingConfig,
    /// `[groups]`.
    pub groups: GroupsConfig,
    /// Mailboxes (store-and-forward for offline friends).
    pub mailbox: MailboxConfig,
    /// Circuit relays: serving as one, and using them when private.
    pub relay: RelayConfig,
    /// Local storage.
    pub storage: StorageConfig,
    /// `[files]`: photos and files.
    pub files: FilesConfig,
}

/// `[network]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkConfig {
    /// Multiaddrs to listen on.
    pub listen: Vec<String>,
    /// Multiaddrs of bootstrap nodes (ideally with a `/p2p/<peer id>` suffix).
    pub bootstrap: Vec<String>,
    /// Find peers on the local network with mDNS.
    pub mdns: bool,
    /// Most established connections in total.
    pub max_connections: u32,
    /// Most established connections to one peer (one each way, plus a short-lived AutoNAT
    /// dial-back or hole punch).
    pub max_connections_per_peer: u32,
    /// Seconds an idle connection is kept open.
    pub idle_timeout_secs: u64,
    /// Serve the DHT or only query it.
    pub dht_mode: DhtMode,
    /// How reachability is learnt.
    pub reachability: ReachabilityMode,
    /// Addresses to take as this node's external addresses without testing them (a
    /// host behind a 1:1 NAT, such as a cloud VM, announces its public address).
    pub announce: Vec<String>,
    /// Ask the router for a port mapping (UPnP IGD).
    pub upnp: bool,
    /// Seconds between refreshes of the DHT routing table (a lookup of the node's own id,
    /// then of a random id in each farther bucket); 0 = only when the table runs low.
    pub dht_refresh_secs: u64,
    /// Inbound handshakes in progress at once, in all.
    pub max_pending_incoming: u32,
    /// Inbound handshakes in progress from one IP address (IPv6: one /64).
    pub max_pending_per_ip: u32,
    /// Inbound connections, in progress or established, from one IP address.
    pub max_connections_per_ip: u32,
    /// Seconds an inbound handshake may take.
    pub handshake_timeout_secs: u64,
    /// Apply the per-address limits to loopback addresses too (a test net runs all its
    /// nodes on 127.0.0.1, so they are exempt by default).
    pub limit_loopback: bool,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        Self {
            listen: vec!["/ip4/0.0.0.0/tcp/0".into(), "/ip4/0.0.0.0/udp/0/quic-v1".into()],
            bootstrap: Vec::new(),
            mdns: false,
            max_connections: 512,
            max_connections_per_peer: 3,
            idle_timeout_secs: 300,
            dht_mode: DhtMode::Auto,
            reachability: ReachabilityMode::Auto,
            announce: Vec::new(),
            upnp: false,
            dht_refresh_secs: 300,
            max_pending_incoming: 128,
            max_pending_per_ip: 8,
            max_connections_per_ip: 32,
            handshake_timeout_secs: 5,
            limit_loopback: false,
        }
    }
}

/// `[discovery]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiscoveryConfig {
    /// Who may find me by number.
    pub discoverable: Discoverable,
}

/// `[messaging]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MessagingConfig {
    /// Send read receipts to friends.
    pub receipts: bool,
    /// Send typing indicators to friends.
    pub typing: bool,
}

impl Default for MessagingConfig {
    fn default() -> Self {
        Self {
            receipts: true,
            typing: true,
        }
    }
}

/// `[groups]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GroupsConfig {
    /// Join a group at once when a contact adds us (as most messengers do); when false,
    /// the invitation waits for `group join` or `group decline`.
    pub auto_join: bool,
}

impl Default for GroupsConfig {
    fn default() -> Self {
        Self { auto_join: true }
    }
}

/// `[mailbox]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailboxConfig {
    /// Serve as a mailbox for others.
    pub serve: bool,
    /// Mailbox nodes to use (multiaddrs ending in `/p2p/<peer id>`); empty = choose
    /// automatically among reachable mailbox nodes.
    #[serde(rename = "use")]
    pub use_nodes: Vec<String>,
    /// Seconds between pickups from a mailbox that holds no watch of ours (at least 1);
    /// with a live watch, at least this and normally 4 minutes (`protocol/mailbox.md` §8.6).
    pub pickup_secs: u64,
    /// Ask our mailboxes to tell us of deposits at once (push watches).
    pub push: bool,
}

impl Default for MailboxConfig {
    fn default() -> Self {
        Self {
            serve: false,
            use_nodes: Vec::new(),
            pickup_secs: 15,
            push: true,
        }
    }
}

/// `[relay]`: limits of the relay service (when it serves) and relays to use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RelayConfig {
    /// Serve as a circuit relay (operators' roles turn it on).
    pub serve: bool,
    /// Relays to reserve on when private (multiaddrs ending in `/p2p/<peer id>`), before
    /// bootstrap and mailbox nodes and relays found through identify.
    #[serde(rename = "use")]
    pub use_nodes: Vec<String>,
    /// Reservations held at once.
    pub max_reservations: usize,
    /// Reservations held at once for peers connecting from one IP address.
    pub max_reservations_per_ip: usize,
    /// Lifetime of a reservation in seconds (clients renew before it ends).
    pub reservation_secs: u64,
    /// Reservation requests (new or renewals) one peer may make per minute.
    pub reservation_rate_per_peer: u32,
    /// Circuits open at once.
    pub max_circuits: usize,
    /// Circuits open at once with one peer at either end.
    pub max_circuits_per_peer: usize,
    /// Circuits open at once from one source IP address.
    pub max_circuits_per_ip: usize,
    /// Circuit requests one peer may make per minute.
    pub circuit_rate_per_peer: u32,
    /// Longest life of a circuit in seconds.
    pub circuit_secs: u64,
    /// Most bytes relayed through one circuit, both directions together.
    pub circuit_bytes: u64,
}

impl Default for RelayConfig {
    fn default() -> Self {
        Self {
            serve: false,
            use_nodes: Vec::new(),
            max_reservations: 1024,
            max_reservations_per_ip: 8,
            reservation_secs: 3600,
            reservation_rate_per_peer: 4,
            max_circuits: 256,
            max_circuits_per_peer: 16,
            max_circuits_per_ip: 32,
            circuit_rate_per_peer: 30,
            circuit_secs: 600,
            circuit_bytes: 1 << 20,
        }
    }
}

/// `[storage]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// sled page cache size in MiB.
    pub cache_mib: u64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self { cache_mib: 16 }
    }
}

/// `[files]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FilesConfig {
    /// Files up to this size are fetched as soon as their message arrives; bigger ones
    /// when asked for (`chingu save`).
    pub auto_fetch_bytes: u64,
    /// The most this node uploads per second, over every upload (0: no limit).
    pub upload_bytes_per_second: u64,
}

impl Default for FilesConfig {
    fn default() -> Self {
        Self {
            auto_fetch_bytes: 32 << 20,
            upload_bytes_per_second: 0,
        }
    }
}

impl Config {
    /// Parses a configuration from TOML text.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: path.to_owned(),
            message: e.message().trim().to_owned(),
            at: e.span().map(|span| Spot::of(text, span)),
        })
    }

    /// Reads `path`, or returns the defaults if it does not exist.
    pub fn load_or_default(path: &Path) -> Result<Self, ConfigError> {
        match std::fs::read(path) {
            Ok(bytes) => {
                let text = String::from_utf8(bytes).map_err(|_| ConfigError::Invalid {
                    path: path.to_owned(),
                    message: "the file is not UTF-8 text".into(),
                    at: None,
                })?;
                Self::parse(&text, path)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(ConfigError::Read {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Writes the configuration with a short header.
    pub fn save(&self, path: &Path) -> Result<(), HomeError> {
        let body = toml::to_string_pretty(self).expect("the configuration is always serialisable");
        let text = format!("# chingu node configuration (see SPEC.md §8.2)\n\n{body}");
        write_private(path, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_in_the_spec_table() {
        let spec = include_str!("../SPEC.md");
        let table = &spec[spec.find("### 8.2").unwrap()..spec.find("### 8.3").unwrap()];
        let defaults = toml::Value::try_from(Config::default()).unwrap();
        let mut keys = Vec::new();
        for (name, value) in defaults.as_table().unwrap() {
            match value.as_table() {
                Some(section) => keys.extend(section.keys().map(|key| format!("{name}.{key}"))),
                None => keys.push(name.clone()),
            }
        }
        assert!(keys.len() > 10, "{keys:?}");
        for key in keys {
            assert!(table.contains(&format!("| `{key}` |")), "SPEC.md §8.2 lacks `{key}`");
        }
    }

    #[test]
    fn defaults_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        Config::default().save(&path).unwrap();
        assert_eq!(Config::load_or_default(&path).unwrap(), Config::default());
    }

    #[test]
    fn partial_files_take_defaults() {
        let config = Config::parse("[network]\nmdns = true\n", Path::new("c")).unwrap();
        assert!(config.network.mdns);
        assert_eq!(config.discovery.discoverable, Discoverable::Contacts);
        let config = Config::parse(
            "[network]\nreachability = \"private\"\nupnp = true\n[relay]\nuse = [\"/ip4/198.51.100.1/tcp/4001\"]\ncircuit_bytes = 4096\n",
            Path::new("c"),
        )
        .unwrap();
        assert_eq!(config.network.reachability, ReachabilityMode::Private);
        assert_eq!(config.network.dht_mode, DhtMode::Auto);
        assert!(config.network.upnp);
        assert_eq!(config.relay.use_nodes.len(), 1);
        assert_eq!(config.relay.circuit_bytes, 4096);
        assert_eq!(config.relay.circuit_secs, RelayConfig::default().circuit_secs);
    }

    #[test]
    fn errors_show_the_line_and_a_caret() {
        let text = "region = \"KR\"\n\n[network]\nlisten = 5\n";
        let err = Config::parse(text, Path::new("config.toml")).unwrap_err();
        let ConfigError::Invalid { at: Some(spot), .. } = &err else {
            panic!("no position: {err}");
        };
        assert_eq!((spot.line, spot.column, spot.width), (4, 10, 1));
        assert_eq!(spot.text, "listen = 5");
        let shown = err.to_string();
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines.len(), 4, "{shown}");
        assert!(
            lines[0].starts_with("config.toml is not a valid chingu configuration (line 4, column 10): "),
            "{shown}"
        );
        assert_eq!(lines[1], "   |");
        assert_eq!(lines[2], " 4 | listen = 5");
        assert_eq!(lines[3], "   |          ^");
        // Unknown keys point at the key; wide characters keep the caret aligned.
        let err = Config::parse("[network]\n# 설정\nmdsn = true\n", Path::new("c")).unwrap_err();
        let ConfigError::Invalid {
            at: Some(spot),
            message,
            ..
        } = &err
        else {
            panic!("no position: {err}");
        };
        assert_eq!((spot.line, spot.column, spot.width), (3, 1, 4), "{message}");
        assert!(message.contains("mdsn"), "{message}");
        let spot = Spot::of("이름 = 5\n", 9..10);
        assert_eq!(spot.column, 6);
        assert!(spot.excerpt().ends_with("|        ^"), "{}", spot.excerpt());
    }

    #[test]
    fn foreign_and_corrupt_files_are_clear_errors() {
        for text in [
            "[server]\nport = 80\n",
            "[relay]\nmax_reservation = 1\n",
            "[network]\nreachability = \"maybe\"\n",
            "region = 5\n",
            "[network\n",
            "\u{0}\u{1}",
        ] {
            let err = Config::parse(text, Path::new("config.toml")).unwrap_err();
            assert!(err.to_string().contains("config.toml"), "{err}");
        }
    }
}
