//! What a spread net's coordinator and its workers say to each other: one JSON object a
//! line, on the worker's stdin and stdout.

use serde::{Deserialize, Serialize};

/// From the coordinator to a worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ToWorker {
    /// A node started in another worker (its address with `/p2p/`): one to bootstrap from.
    Node {
        /// Where it listens.
        addr: String,
    },
    /// Every worker's nodes are ready: run the DHT check, this many pairs at once.
    Check {
        /// Pairs at once in this worker.
        concurrency: usize,
    },
    /// Once the check's connections have timed out, say how much memory is resident and
    /// in use, then hand the free memory back to the system.
    Measure,
    /// Shut the nodes down and end.
    Stop,
}

/// From a worker to the coordinator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FromWorker {
    /// One of its nodes started.
    Started {
        /// The node's number in the whole net.
        number: usize,
        /// Where it listens, with `/p2p/`.
        addr: String,
    },
    /// Its readiness wait ended: this many of its nodes are ready.
    Ready {
        /// Its ready nodes.
        ready: usize,
    },
    /// Its wait for every node's first Kademlia bootstrap ended: this many finished theirs.
    Joined {
        /// Its nodes whose first bootstrap finished.
        joined: usize,
    },
    /// Its part of the DHT check: each pair's put and get times (ms), `None` where it failed.
    Checked {
        /// One entry per pair.
        pairs: Vec<Option<(f64, f64)>>,
    },
    /// Its memory once idle; its free memory is now handed back.
    Measured {
        /// Resident bytes (before handing back).
        rss_bytes: u64,
        /// Peak resident bytes, read at the same moment (the kernel's high-water mark can
        /// trail a resident size that handing back later lowers).
        peak_rss_bytes: u64,
        /// Heap in use (allocated and not freed, bytes).
        heap_bytes: Option<u64>,
        /// Tries of its nodes to bootstrap again because their routing tables were thin.
        dht_rejoins: u64,
    },
}

/// One line of JSON (without the newline).
pub fn line<T: Serialize>(message: &T) -> String {
    serde_json::to_string(message).expect("wire messages serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line_each_and_read_back() {
        let started = FromWorker::Started {
            number: 7,
            addr: "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW".into(),
        };
        assert_eq!(
            line(&started),
            r#"{"kind":"started","number":7,"addr":"/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW"}"#
        );
        let checked = FromWorker::Checked {
            pairs: vec![Some((1.5, 2.0)), None],
        };
        assert_eq!(serde_json::from_str::<FromWorker>(&line(&checked)).unwrap(), checked);
        let measured = FromWorker::Measured {
            rss_bytes: 3 << 20,
            peak_rss_bytes: 4 << 20,
            heap_bytes: None,
            dht_rejoins: 2,
        };
        assert_eq!(serde_json::from_str::<FromWorker>(&line(&measured)).unwrap(), measured);
        assert_eq!(line(&ToWorker::Stop), r#"{"kind":"stop"}"#);
        assert_eq!(
            serde_json::from_str::<ToWorker>(r#"{"kind":"check","concurrency":2}"#).unwrap(),
            ToWorker::Check { concurrency: 2 }
        );
    }
}
