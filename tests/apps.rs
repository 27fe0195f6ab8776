//! The open platform and operator metrics, against real `chingu run` daemons on
//! 127.0.0.1: `chingu apps` tokens, the WebSocket API (authentication, scopes, revocation
//! closing open connections, garbage, disconnects), the loopback rule, `/metrics`, and the
//! Python echo bot in `examples/bot.py` answering a real friend.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use tungstenite::client::IntoClientRequest;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use crate::common::api::{metric, printed_url, ws_url};
use crate::common::{chingu, eventually, found, http_get, init_home, Daemon};

const DEADLINE: Duration = Duration::from_secs(60);

type Ws = WebSocket<MaybeTlsStream<TcpStream>>;

/// Runs `chingu` on `home` and returns (success, stdout, stderr).
fn run(home: &Path, args: &[&str]) -> (bool, String, String) {
    let out = chingu(home).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Runs `chingu` on `home`, which must succeed, and returns its stdout.
fn ok(home: &Path, args: &[&str]) -> String {
    let (success, stdout, stderr) = run(home, args);
    assert!(success, "chingu {args:?} failed: {stderr}");
    stdout
}

/// Adds an app and returns its token.
fn add_app(home: &Path, name: &str, scopes: &str) -> String {
    ok(home, &["apps", "add", name, "--scopes", scopes]).trim().to_owned()
}

/// Opens a WebSocket with `token` as a bearer token (or none).
fn connect(url: &str, token: Option<&str>) -> Result<Ws, tungstenite::Error> {
    let mut request = url.into_client_request().unwrap();
    if let Some(token) = token {
        request
            .headers_mut()
            .insert("Authorization", format!("Bearer {token}").parse().unwrap());
    }
    let (ws, _) = tungstenite::connect(request)?;
    if let MaybeTlsStream::Plain(stream) = ws.get_ref() {
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
    }
    Ok(ws)
}

/// The HTTP status a refused upgrade got.
fn refused_status(result: Result<Ws, tungstenite::Error>) -> u16 {
    match result {
        Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("expected an HTTP refusal, got a connection"),
    }
}

/// The next JSON message (a response or a notification).
fn next(ws: &mut Ws) -> Value {
    loop {
        match ws.read().unwrap() {
            Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
            Message::Close(frame) => panic!("closed: {frame:?}"),
            _ => {}
        }
    }
}

/// Reads until the server closes the connection and returns its close frame; every
/// answer before it must refuse the revoked token.
fn closed_by_server(ws: &mut Ws) -> tungstenite::protocol::CloseFrame {
    loop {
        match ws.read() {
            Ok(Message::Text(text)) => {
                let value: Value = serde_json::from_str(text.as_str()).unwrap();
                if value.get("method").is_none() {
                    assert_eq!(value["error"]["data"]["reason"], "unknown_token", "{value}");
                }
            }
            Ok(Message::Close(Some(frame))) => return frame,
            Ok(Message::Close(None)) => panic!("closed without a code"),
            Ok(_) => {}
            Err(e) => panic!("no close frame: {e}"),
        }
    }
}

/// Sends `message` as a text frame and returns the response to `id` (skipping events).
fn ask(ws: &mut Ws, message: Message, id: Value) -> Value {
    ws.send(message).unwrap();
    loop {
        let value = next(ws);
        if value.get("method").is_none() && value["id"] == id {
            return value;
        }
    }
}

/// Calls `method` with `params` and returns the whole response.
fn call(ws: &mut Ws, id: u64, method: &str, params: Value) -> Value {
    let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    ask(ws, Message::text(request.to_string()), json!(id))
}

#[test]
fn apps_commands_add_list_and_revoke_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "010-1234-5678", "민지");

    let token = add_app(&home, "echo-bot", "send,read");
    assert!(token.starts_with("chg_") && token.len() == 56, "{token}");
    let file = std::fs::read_to_string(home.join("apps.json")).unwrap();
    assert!(!file.contains(&token), "only a digest of the token is stored");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(home.join("apps.json")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    let (success, _, stderr) = run(&home, &["apps", "add", "echo-bot", "--scopes", "read"]);
    assert!(!success && stderr.contains("already exists"), "{stderr}");
    let (success, _, stderr) = run(&home, &["apps", "add", "other", "--scopes", "read,admin"]);
    assert!(!success && stderr.contains("Unknown scope \"admin\""), "{stderr}");
    let (success, _, stderr) = run(&home, &["apps", "add", "bad name", "--scopes", "read"]);
    assert!(!success && stderr.contains("cannot be an app name"), "{stderr}");

    let listed: Value = serde_json::from_str(&ok(&home, &["apps", "list", "--json"])).unwrap();
    assert_eq!(listed[0]["name"], "echo-bot");
    assert_eq!(listed[0]["scopes"], json!(["read", "send"]));
    assert!(listed[0]["created_ms"].as_u64().unwrap() > 0);
    assert!(!listed.to_string().contains(&token));
    let table = ok(&home, &["apps", "list"]);
    assert!(table.contains("echo-bot") && table.contains("read,send"), "{table}");

    assert!(ok(&home, &["apps", "revoke", "echo-bot"]).contains("Revoked"));
    let (success, _, stderr) = run(&home, &["apps", "revoke", "echo-bot"]);
    assert!(!success && stderr.contains("no app named"), "{stderr}");
    assert!(ok(&home, &["apps", "list"]).contains("No apps yet"));
}

#[test]
fn the_websocket_api_serves_token_holders_within_their_scopes() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "+81 90 1234 5678", "Yuki");
    let reader = add_app(&home, "dashboard", "read");
    let writer = add_app(&home, "bot", "read,send,contacts");
    let daemon = Daemon::start(&home, &["--api", "127.0.0.1:0", "--metrics", "127.0.0.1:0"]);
    let url = ws_url(&daemon);
    let metrics_url = printed_url(&daemon, "Prometheus metrics:");

    // No token, an unknown token: refused before the upgrade.
    assert_eq!(refused_status(connect(&url, None)), 401);
    assert_eq!(
        refused_status(connect(
            &url,
            Some("chg_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        )),
        401
    );

    // A read-only token reads, and is refused everything else with the scope named.
    let mut ws = connect(&url, Some(&reader)).unwrap();
    assert_eq!(
        call(&mut ws, 1, "node.status", json!({}))["result"]["phone"],
        "+819012345678"
    );
    let refused = call(&mut ws, 2, "messages.send", json!({"contact": "x", "text": "hi"}));
    assert_eq!(refused["error"]["code"], -32003, "{refused}");
    assert!(
        refused["error"]["message"].as_str().unwrap().contains("the send scope"),
        "{refused}"
    );
    assert_eq!(call(&mut ws, 3, "contacts.list", json!({}))["error"]["code"], -32003);
    let shutdown = call(&mut ws, 4, "node.shutdown", json!({}));
    assert!(shutdown["error"]["message"].as_str().unwrap().contains("owner"));
    let methods = call(&mut ws, 5, "api.methods", json!({}))["result"].clone();
    assert!(
        !methods.to_string().contains("messages.send"),
        "lists only allowed methods"
    );

    // Garbage: answered, counted, and the connection carries on.
    let parse = ask(&mut ws, Message::text("{not json"), Value::Null);
    assert_eq!(parse["error"]["code"], -32700);
    let binary = ask(&mut ws, Message::binary(vec![1u8, 2, 3]), Value::Null);
    assert_eq!(binary["error"]["data"]["reason"], "binary_frame");
    assert_eq!(call(&mut ws, 6, "api.version", json!({}))["result"]["api"], 1);
    // A request over the limit is refused from its frame header: a typed error (with a null
    // id: nothing of the frame was read), then the connection closes with 1009 (message
    // too big).
    let huge = format!(
        r#"{{"jsonrpc":"2.0","id":9,"pad":"{}"}}"#,
        "x".repeat(2 * chingu::api::MAX_REQUEST_BYTES)
    );
    let too_large = ask(&mut ws, Message::text(huge), Value::Null);
    assert_eq!(too_large["error"]["data"]["reason"], "too_large");
    match ws.read() {
        Ok(Message::Close(Some(frame))) => assert_eq!(u16::from(frame.code), 1009, "{frame:?}"),
        other => panic!("expected a close frame, got {other:?}"),
    }
    let mut ws = connect(&url, Some(&reader)).unwrap();

    // The token may also come as a query parameter (browsers cannot set headers).
    let mut by_query = connect(&format!("{url}?token={writer}"), None).unwrap();
    let added = call(
        &mut by_query,
        1,
        "contacts.add",
        json!({"phone": "+82 10 5555 6666", "name": "Bo"}),
    );
    assert_eq!(added["result"]["name"], "Bo", "{added}");

    // Revoking an app refuses its calls and closes its open connections, also silent
    // ones, with close code 1008 and a reason; new connections are refused at once.
    let mut silent = connect(&url, Some(&writer)).unwrap();
    ok(&home, &["apps", "revoke", "bot"]);
    let request = json!({"jsonrpc": "2.0", "id": 2, "method": "contacts.list", "params": {}});
    let _ = by_query.send(Message::text(request.to_string()));
    for ws in [&mut by_query, &mut silent] {
        let frame = closed_by_server(ws);
        assert_eq!(u16::from(frame.code), 1008);
        assert_eq!(frame.reason.as_str(), "app token revoked");
    }
    assert_eq!(refused_status(connect(&url, Some(&writer))), 401);

    // A subscriber that vanishes mid-stream is cleaned up; the node and others carry on.
    let mut subscriber = connect(&url, Some(&reader)).unwrap();
    assert_eq!(
        call(&mut subscriber, 1, "events.subscribe", json!({}))["result"]["subscribed"],
        true
    );
    ok(&home, &["contacts", "add", "+1 201-555-0123", "--name", "Alex"]);
    let event = next(&mut subscriber);
    assert_eq!(event["method"], "event", "{event}");
    drop(subscriber);
    ok(&home, &["contacts", "add", "+1 201-555-0199", "--name", "Sam"]);
    assert!(run(&home, &["status"]).0, "the node keeps running");
    assert_eq!(call(&mut ws, 7, "api.version", json!({}))["result"]["api"], 1);

    // Metrics: libp2p's and ours, with the refusals above counted.
    let open = r#"chingu_api_open_connections{transport="websocket"}"#;
    eventually("the vanished and the revoked connections are closed", || {
        (metric(&http_get(&metrics_url).1, open) == Some(1.0)).then_some(())
    });
    let (status, body) = http_get(&metrics_url);
    assert_eq!(status, 200);
    for family in [
        "# TYPE libp2p_swarm_new_listen_addr counter",
        "# TYPE libp2p_identify_received counter",
        "# TYPE libp2p_kad_query_result_get_record_ok counter",
        "# TYPE libp2p_ping_rtt_seconds histogram",
        "# TYPE chingu_messages counter",
        "# TYPE chingu_discovery_lookups counter",
        "# TYPE chingu_connected_peers gauge",
        "# TYPE chingu_mailbox_registrations gauge",
    ] {
        assert!(body.contains(family), "{family} missing from:\n{body}");
    }
    let forbidden = r#"chingu_api_calls_total{transport="websocket",method="messages.send",outcome="forbidden"}"#;
    assert_eq!(metric(&body, forbidden), Some(1.0), "{body}");
    let binary = r#"chingu_api_calls_total{transport="websocket",method="-",outcome="binary_frame"}"#;
    assert_eq!(metric(&body, binary), Some(1.0), "{body}");
    assert_eq!(
        metric(&body, r#"chingu_api_refused_total{reason="no_token"}"#),
        Some(1.0)
    );
    assert_eq!(
        metric(&body, r#"chingu_api_refused_total{reason="unknown_token"}"#),
        Some(2.0)
    );
    let revoked = r#"chingu_api_calls_total{transport="websocket",method="-",outcome="token_revoked"}"#;
    assert_eq!(metric(&body, revoked), Some(2.0), "{body}");
    // The probes: the node answers, listens and (with no bootstrap peer) has joined.
    let base = metrics_url.trim_end_matches("/metrics");
    let (status, health) = http_get(&format!("{base}/health"));
    assert_eq!(
        (status, &serde_json::from_str::<Value>(&health).unwrap()["status"]),
        (200, &json!("ok"))
    );
    let (status, ready) = http_get(&format!("{base}/ready"));
    let ready: Value = serde_json::from_str(&ready).unwrap();
    assert_eq!(
        (status, &ready["status"], &ready["joined_dht"]),
        (200, &json!("ready"), &json!(true))
    );
    assert!(body.ends_with("# EOF\n"));
}

/// A refused upgrade's body says why as the JSON-RPC errors do (a reason and details), and
/// in the language the request accepts (English when it accepts none of ours).
#[test]
fn a_refused_upgrade_says_why_in_the_language_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "+81 90 1234 5678", "Yuki");
    let daemon = Daemon::start(&home, &["--api", "127.0.0.1:0"]);
    let url = ws_url(&daemon);
    let refused = |token: Option<&str>, accepted: Option<&str>| {
        let mut request = url.as_str().into_client_request().unwrap();
        if let Some(token) = token {
            request
                .headers_mut()
                .insert("Authorization", format!("Bearer {token}").parse().unwrap());
        }
        if let Some(accepted) = accepted {
            request
                .headers_mut()
                .insert("Accept-Language", accepted.parse().unwrap());
        }
        let response = match tungstenite::connect(request) {
            Err(tungstenite::Error::Http(response)) => response,
            Err(e) => panic!("expected an HTTP refusal, got {e}"),
            Ok(_) => panic!("expected an HTTP refusal, got a connection"),
        };
        assert_eq!(response.status().as_u16(), 401);
        let body: Value = serde_json::from_slice(response.body().as_deref().expect("a body")).unwrap();
        assert_eq!(response.headers()["content-language"], body["lang"].as_str().unwrap());
        assert_eq!(body["error"]["code"], -32003, "{body}");
        body
    };
    let unknown = Some("chg_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    // No token at all has a reason of its own; a language we do not speak is passed over.
    let cases = [
        (
            unknown,
            Some("ko-KR,ko;q=0.9,en;q=0.8"),
            "unknown_token",
            "ko",
            "모르는 앱 토큰이거나 취소된 토큰이에요.",
        ),
        (
            unknown,
            None,
            "unknown_token",
            "en",
            "This app token is unknown or was revoked",
        ),
        (
            None,
            Some("fr-FR, ja;q=0.5, ko;q=0"),
            "no_token",
            "ja",
            "この接続にはアプリトークンが必要です。",
        ),
    ];
    for (token, accepted, reason, lang, text) in cases {
        let body = refused(token, accepted);
        assert_eq!(body["error"]["data"]["reason"], reason, "{body}");
        assert_eq!(body["lang"], lang, "{body}");
        assert!(body["text"].as_str().unwrap().starts_with(text), "{body}");
    }
}

#[test]
fn api_and_metrics_refuse_non_loopback_addresses_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    init_home(&home, "010-9876-5432", "지훈");
    for flag in ["--api", "--metrics"] {
        let (success, _, stderr) = run(&home, &["run", "--listen", "/ip4/127.0.0.1/tcp/0", flag, "0.0.0.0:0"]);
        assert!(!success, "{flag} on 0.0.0.0 must be refused");
        assert!(
            stderr.contains("not a loopback address") && stderr.contains("--allow-remote"),
            "{stderr}"
        );
    }
    let daemon = Daemon::start(&home, &["--metrics", "0.0.0.0:0", "--allow-remote"]);
    let url = printed_url(&daemon, "Prometheus metrics:");
    let port = url.rsplit(':').next().unwrap().trim_end_matches("/metrics");
    assert_eq!(http_get(&format!("http://127.0.0.1:{port}/metrics")).0, 200);
}

fn python3() -> Option<PathBuf> {
    let found = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    found.then(|| PathBuf::from("python3"))
}

/// A running `examples/bot.py`; killed on drop.
struct Bot(std::process::Child);

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_python_bot_echoes_a_friends_message_over_the_websocket_api() {
    let python = python3().expect("this test needs python3 on PATH (.ci/run installs it): install python3");
    let dir = tempfile::tempdir().unwrap();
    let (bot_home, friend_home) = (dir.path().join("bot"), dir.path().join("friend"));
    init_home(&bot_home, "010-1111-2222", "Echo");
    init_home(&friend_home, "010-3333-4444", "민지");
    let token = add_app(&bot_home, "echo", "read,send");
    let bot_node = Daemon::start(&bot_home, &["--api", "127.0.0.1:0"]);
    let _friend = Daemon::start(&friend_home, &["--bootstrap", &bot_node.listen_addr()]);
    ok(&bot_home, &["contacts", "add", "010-3333-4444", "--name", "Minji"]);
    ok(&friend_home, &["contacts", "add", "010-1111-2222", "--name", "Echo"]);
    for (home, contact) in [(&bot_home, "Minji"), (&friend_home, "Echo")] {
        found(home, contact, DEADLINE);
    }

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/bot.py");
    let mut child = Command::new(python)
        .arg(script)
        .arg(ws_url(&bot_node))
        .env("CHINGU_TOKEN", &token)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let bot = Bot(child);
    let mut ready = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut ready).unwrap();
    assert!(ready.contains("ready"), "bot said {ready:?}");

    ok(&friend_home, &["send", "Echo", "안녕, 봇!"]);
    eventually("the echo arrives", || {
        let history: Value = serde_json::from_str(&ok(&friend_home, &["history", "Echo", "--json"])).unwrap();
        history
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["direction"] == "incoming" && m["text"] == "echo: 안녕, 봇!")
            .then_some(())
    });
    drop(bot);
}

#[test]
fn the_python_shop_issues_a_voucher_and_sees_it_redeemed_once() {
    let python = python3().expect("this test needs python3 on PATH (.ci/run installs it): install python3");
    let dir = tempfile::tempdir().unwrap();
    let (shop_home, friend_home) = (dir.path().join("shop"), dir.path().join("friend"));
    init_home(&shop_home, "010-1111-2222", "카페");
    init_home(&friend_home, "010-3333-4444", "민지");
    let token = add_app(&shop_home, "shop", "read,issue");
    let shop_node = Daemon::start(&shop_home, &["--api", "127.0.0.1:0"]);
    let _friend = Daemon::start(&friend_home, &["--bootstrap", &shop_node.listen_addr()]);
    ok(&shop_home, &["contacts", "add", "010-3333-4444", "--name", "Minji"]);
    ok(&friend_home, &["contacts", "add", "010-1111-2222", "--name", "Cafe"]);
    for (home, contact) in [(&shop_home, "Minji"), (&friend_home, "Cafe")] {
        found(home, contact, DEADLINE);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/shop.py");
    let shop = |args: &[&str]| {
        let mut command = Command::new(&python);
        command
            .arg(&script)
            .arg(ws_url(&shop_node))
            .args(args)
            .env("CHINGU_TOKEN", &token);
        command
    };
    // An app without the issue scope cannot mint.
    let reader = add_app(&shop_home, "reader", "read,send");
    let refused = shop(&["issue", "Minji", "x", "y"])
        .env("CHINGU_TOKEN", &reader)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&refused.stderr).contains("refused"));

    let mut counter = shop(&["counter"]).stdout(Stdio::piped()).spawn().unwrap();
    let mut lines = std::io::BufReader::new(counter.stdout.take().unwrap());
    let counter = Bot(counter);
    let mut line = String::new();
    std::io::BufRead::read_line(&mut lines, &mut line).unwrap();
    assert!(line.contains("counter open"), "{line:?}");
    let issued = shop(&["issue", "Minji", "아메리카노", "₩4,500"]).output().unwrap();
    assert!(String::from_utf8_lossy(&issued.stdout).contains("sent"), "{issued:?}");

    let serial = eventually("the voucher arrives", || {
        let list: Value = serde_json::from_str(&ok(&friend_home, &["vouchers", "list", "--json"])).unwrap();
        list.as_array()?
            .first()
            .map(|v| v["serial"].as_str().unwrap().to_owned())
    });
    assert!(ok(&friend_home, &["history", "Cafe"]).contains("아메리카노 (₩4,500)"));
    assert!(ok(&friend_home, &["vouchers", "redeem", &serial]).contains("Redeemed"));
    line.clear();
    std::io::BufRead::read_line(&mut lines, &mut line).unwrap();
    assert!(line.contains(&serial) && line.contains("아메리카노"), "{line:?}");
    let again = run(&friend_home, &["vouchers", "redeem", &serial]);
    assert!(!again.0 && again.2.contains("redeemed already"), "{again:?}");
    drop(counter);
}
