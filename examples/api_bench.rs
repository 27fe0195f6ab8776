//! API round-trip times: `messages.send` (and `api.version`, the transport alone) over
//! the owner's Unix socket and over the WebSocket API, against a real node that has a
//! found friend on a two-node local net. Prints p50/p99 per transport and method.
//!
//! ```text
//! cargo run --release --example api_bench -- [CALLS]     # default 2000 calls each
//! ```
//!
//! `messages.send` answers once the message is durably in the outbox (a group-committed
//! fsync), so its time is mostly the disk's; `api.version` does not touch the node's task.

use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::client::IntoClientRequest;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use chingu::api::apps::{AppStore, TokenVerifier};
use chingu::api::client::ApiClient;
use chingu::api::dispatch::ApiContext;
use chingu::api::server::UnixServer;
use chingu::api::{ws, Scope};
use chingu::metrics::ApiMetrics;
use chingu::testnet::{TestNet, TestNetOptions};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Calls made before timing starts.
const WARM_UP: usize = 100;

/// Prints the percentiles of `samples` (sorted here).
fn report(transport: &str, method: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1000.0;
    let mean = samples.iter().sum::<Duration>().as_secs_f64() * 1000.0 / samples.len() as f64;
    println!(
        "{transport:<10} {method:<16} n={:<6} p50={:.3} ms  p99={:.3} ms  mean={mean:.3} ms  max={:.3} ms",
        samples.len(),
        at(0.50),
        at(0.99),
        at(1.0)
    );
}

/// The parameters of call `i` of `method`.
fn params(method: &str, i: usize) -> Value {
    match method {
        "messages.send" => json!({"contact": "Friend", "text": format!("bench {i}")}),
        _ => json!({}),
    }
}

/// Times `calls` sequential calls of `method` over a WebSocket (blocking client).
fn over_websocket(url: &str, token: &str, method: &str, calls: usize) -> Result<Vec<Duration>, BoxError> {
    let mut request = url.into_client_request()?;
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {token}").parse()?);
    let (mut socket, _): (WebSocket<MaybeTlsStream<TcpStream>>, _) = tungstenite::connect(request)?;
    if let MaybeTlsStream::Plain(stream) = socket.get_ref() {
        stream.set_nodelay(true)?;
    }
    let mut samples = Vec::with_capacity(calls);
    for i in 0..WARM_UP + calls {
        let started = Instant::now();
        let request = json!({"jsonrpc": "2.0", "id": i, "method": method, "params": params(method, i)});
        socket.send(Message::text(request.to_string()))?;
        let answer: Value = loop {
            if let Message::Text(text) = socket.read()? {
                break serde_json::from_str(text.as_str())?;
            }
        };
        if let Some(error) = answer.get("error") {
            return Err(format!("{method}: {error}").into());
        }
        if i >= WARM_UP {
            samples.push(started.elapsed());
        }
    }
    Ok(samples)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let calls: usize = std::env::args().nth(1).map(|n| n.parse()).transpose()?.unwrap_or(2000);
    let net = TestNet::start(TestNetOptions::new(2), |_| {}).await?;
    let (me, friend) = (&net.nodes[0], &net.nodes[1]);
    me.node().add_contact(&friend.phone.to_string(), "Friend").await?;
    friend.node().add_contact(&me.phone.to_string(), "Me").await?;
    while me.node().lookup_contact("Friend").await?.state != "found" {}

    let context = ApiContext {
        node: me.node().clone(),
        metrics: ApiMetrics::default(),
        limits: Default::default(),
    };
    let dir = tempfile::tempdir()?;
    let unix = UnixServer::bind(&dir.path().join("bench.sock"), context.clone())?;
    let apps = AppStore::at(dir.path().join("apps.json"));
    let token = apps.add("bench", &[Scope::Read, Scope::Send])?.token;
    let verifier = Arc::new(TokenVerifier::new(apps));
    let http = ws::serve("127.0.0.1:0".parse()?, context, verifier).await?;
    let url = format!("ws://{}{}", http.local_addr(), ws::PATH);

    println!("{calls} sequential calls per row after {WARM_UP} warm-up calls");
    for method in ["api.version", "messages.send"] {
        let mut client = ApiClient::connect(unix.path()).await?;
        let mut samples = Vec::with_capacity(calls);
        for i in 0..WARM_UP + calls {
            let started = Instant::now();
            client.call(method, params(method, i)).await?;
            if i >= WARM_UP {
                samples.push(started.elapsed());
            }
        }
        report("unix", method, samples);
        let (url, token) = (url.clone(), token.clone());
        let samples = tokio::task::spawn_blocking(move || over_websocket(&url, &token, method, calls)).await??;
        report("websocket", method, samples);
    }
    net.shutdown().await;
    Ok(())
}
