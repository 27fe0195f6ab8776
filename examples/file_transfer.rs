//! File transfer between two nodes on loopback (SPEC.md §6.11) against a raw libp2p stream
//! in the same harness, each side in its own process so that its memory is its own: wall
//! time from the receiver's request to the file complete on disk, throughput, peak RSS
//! (`VmHWM`, and `VmRSS` sampled every 200 ms during the transfer) and CPU seconds per side,
//! the sender's TCP bytes acknowledged by the receiver's kernel (`ss`); the received file
//! is checked against the source by BLAKE3. `--kill receiver|sender` SIGKILLs that side of a
//! chingu transfer at ≥ 40 %, restarts it on the same home and reports what was sent twice.
//!
//! ```text
//! cargo build --release --example file_transfer
//! target/release/examples/file_transfer [--size-mib 1024] [--runs 1] [--kill receiver|sender] [--json]
//! ```
//!
//! `t_full`: for chingu, `save_file` called → plaintext written (after the verified
//! ciphertext was fsynced); for raw, stream opened → data written and fsynced. `t_data`: for
//! chingu, → `FileReady` (verified ciphertext fsynced); for raw, → last byte written (no
//! fsync). The raw baseline is TCP + Noise + Yamux + `libp2p-stream`, the file copied in
//! 256 KiB reads: no encryption or hashing beyond Noise. Linux only (`/proc`, `ss`).
//!
//! Child modes (the example runs itself; JSON command lines on stdin, answers on stdout):
//! `node <home> <phone> <name> <port> [bootstrap]`, `raw-serve <file>`,
//! `raw-fetch <multiaddr> <out-file>`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{AsyncWriteExt as _, StreamExt};
use libp2p::multiaddr::Protocol;
use libp2p::swarm::SwarmEvent;
use libp2p::{noise, tcp, yamux, Multiaddr, StreamProtocol, Swarm};
use nix::sys::signal::Signal;
use serde_json::{json, Value};
use tokio::io::AsyncBufReadExt;
use tokio_util::compat::{TokioAsyncReadCompatExt, TokioAsyncWriteCompatExt};

use chingu::home::{Home, InitOptions};
use chingu::node::SavedFile;
use chingu::{Event, Node, NodeConfig, NodeError, NodeHandle};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const MIB: u64 = 1 << 20;
const BUF: usize = 256 * 1024;
const RAW: StreamProtocol = StreamProtocol::new("/bench/raw/1");
/// The two people: (phone, name); 0 sends, 1 receives.
const PEOPLE: [(&str, &str); 2] = [("010-1111-2222", "Sender"), ("010-3333-4444", "Receiver")];
const SIDES: [&str; 2] = ["sender", "receiver"];
/// Longest wait for anything (a whole transfer included).
const DEADLINE: Duration = Duration::from_secs(900);

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt().with_writer(std::io::stderr).init();
    }
    let runtime = || tokio::runtime::Builder::new_multi_thread().enable_all().build();
    match args.first().map(String::as_str) {
        Some("node") => runtime()?.block_on(node_child(&args[1..])),
        Some("raw-serve") => runtime()?.block_on(raw_serve(&args[1..])),
        Some("raw-fetch") => runtime()?.block_on(raw_fetch(&args[1..])),
        _ => orchestrate(&args),
    }
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// Answers stdin's JSON command lines with `answer` until `quit` or the end of input.
async fn serve_stdin(mut answer: impl AsyncFnMut(&Value) -> Res<Value>) -> Res<()> {
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        let cmd: Value = serde_json::from_str(&line)?;
        let out = answer(&cmd).await.unwrap_or_else(|e| json!({ "error": e.to_string() }));
        println!("{out}");
        if cmd["cmd"] == "quit" {
            break;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------- child: a chingu node

async fn node_child(args: &[String]) -> Res<()> {
    let [home, phone, name, port, bootstrap @ ..] = args else {
        return Err("usage: node <home> <phone> <name> <port> [bootstrap]".into());
    };
    let home = Home::at(home);
    // A home killed with SIGKILL is reused as it is: that is how resuming is tested.
    let store = if home.is_initialized() {
        None
    } else {
        let region = "KR".parse()?;
        let phone = chingu::phone::normalize(phone, &region)?;
        let name = name.clone();
        Some(
            home.init(&InitOptions {
                phone,
                name,
                region,
                force: false,
            })?
            .store,
        )
    };
    let mut config = NodeConfig::from_home(&home)?;
    config.listen = vec![format!("/ip4/127.0.0.1/tcp/{port}").parse()?];
    config.bootstrap = bootstrap.iter().map(|a| a.parse()).collect::<Result<_, _>>()?;
    config.open_store = store;
    // Fetched only when asked (`save`), so the start of a transfer is ours to choose.
    config.settings.files.auto_fetch_bytes = 0;
    let node = Node::start(config).await?;
    let ready = Arc::new(Mutex::new(HashMap::<String, Instant>::new()));
    let (mut events, seen) = (node.events(), ready.clone());
    tokio::spawn(async move {
        while let Some(event) = events.next().await {
            if let Event::FileReady { id, .. } = event {
                seen.lock().unwrap().insert(id, Instant::now());
            }
        }
    });
    let mut addrs = node.listen_addrs().await?;
    let addr = addrs.remove(0).with_p2p(node.peer_id()).map_err(|_| "p2p")?;
    println!("{}", json!({ "addr": addr.to_string() }));
    let mut saving = None;
    serve_stdin(async |cmd| node_command(&node, cmd, &ready, &mut saving).await).await?;
    node.shutdown().await?;
    Ok(())
}

type Saving = (String, Instant, tokio::task::JoinHandle<Result<SavedFile, NodeError>>);

async fn node_command(
    node: &NodeHandle,
    cmd: &Value,
    ready: &Mutex<HashMap<String, Instant>>,
    saving: &mut Option<Saving>,
) -> Res<Value> {
    let arg = |key: &str| cmd[key].as_str().unwrap_or_default().to_owned();
    Ok(match cmd["cmd"].as_str().unwrap_or_default() {
        "add_contact" => json!(node.add_contact(&arg("phone"), &arg("name")).await?.state),
        "wait_found" => {
            node.wait_joined().await?;
            let deadline = Instant::now() + Duration::from_secs(60);
            while node.lookup_contact(&arg("name")).await?.state != "found" {
                if Instant::now() > deadline {
                    return Err("not found".into());
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            json!("found")
        }
        "send_file" => {
            let started = Instant::now();
            let file = node.send_file(&arg("to"), arg("path")).await?.file.ok_or("no file")?;
            json!({ "id": file.id, "size": file.size, "seal_ms": ms(started) })
        }
        "files" => serde_json::to_value(node.files().await?)?,
        "status" => serde_json::to_value(node.status().await?.files)?,
        "save" => {
            let (node, id, path) = (node.clone(), arg("id"), arg("path"));
            let task = tokio::spawn({
                let id = id.clone();
                async move { node.save_file(&id, path).await }
            });
            *saving = Some((id, Instant::now(), task));
            json!("saving")
        }
        "wait_saved" => {
            let (id, started, task) = saving.take().ok_or("nothing being saved")?;
            let saved = tokio::time::timeout(DEADLINE, task).await???;
            let saved_ms = ms(started);
            let ready = ready
                .lock()
                .unwrap()
                .get(&id)
                .map(|t| (*t - started).as_secs_f64() * 1000.0);
            json!({ "size": saved.size, "saved_ms": saved_ms, "ready_ms": ready })
        }
        "quit" => json!("bye"),
        other => return Err(format!("unknown command {other:?}").into()),
    })
}

// ---------------------------------------------------------------- children: raw libp2p

fn raw_swarm() -> Res<Swarm<libp2p_stream::Behaviour>> {
    Ok(libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )?
        .with_behaviour(|_| libp2p_stream::Behaviour::new())?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build())
}

fn drive(mut swarm: Swarm<libp2p_stream::Behaviour>) {
    tokio::spawn(async move {
        loop {
            swarm.select_next_some().await;
        }
    });
}

async fn raw_serve(args: &[String]) -> Res<()> {
    let [file] = args else {
        return Err("usage: raw-serve <file>".into());
    };
    let mut swarm = raw_swarm()?;
    let mut incoming = swarm.behaviour().new_control().accept(RAW)?;
    swarm.listen_on("/ip4/127.0.0.1/tcp/0".parse()?)?;
    let addr = loop {
        if let SwarmEvent::NewListenAddr { address, .. } = swarm.select_next_some().await {
            break address.with_p2p(*swarm.local_peer_id()).map_err(|_| "p2p")?;
        }
    };
    drive(swarm);
    println!("{}", json!({ "addr": addr.to_string() }));
    let file = file.clone();
    tokio::spawn(async move {
        let (_, mut stream) = incoming.next().await.ok_or("no stream")?;
        let input = tokio::fs::File::open(&file).await?.compat();
        futures::io::copy_buf(futures::io::BufReader::with_capacity(BUF, input), &mut stream).await?;
        stream.close().await?;
        Res::Ok(())
    });
    serve_stdin(async |_| Ok(json!("ok"))).await
}

async fn raw_fetch(args: &[String]) -> Res<()> {
    let [addr, out] = args else {
        return Err("usage: raw-fetch <multiaddr> <out-file>".into());
    };
    let addr: Multiaddr = addr.parse()?;
    let Some(Protocol::P2p(peer)) = addr.iter().last() else {
        return Err("the address has no /p2p".into());
    };
    let mut swarm = raw_swarm()?;
    let mut control = swarm.behaviour().new_control();
    swarm.dial(addr)?;
    loop {
        match swarm.select_next_some().await {
            SwarmEvent::ConnectionEstablished { .. } => break,
            SwarmEvent::OutgoingConnectionError { error, .. } => return Err(error.into()),
            _ => {}
        }
    }
    drive(swarm);
    println!("{}", json!({ "connected": true }));
    serve_stdin(async |cmd| {
        if cmd["cmd"] != "go" {
            return Ok(json!("ok"));
        }
        let started = Instant::now();
        let stream = control.open_stream(peer, RAW).await?;
        let mut output = tokio::fs::File::create(out).await?.compat_write();
        let input = futures::io::BufReader::with_capacity(BUF, stream);
        let bytes = futures::io::copy_buf(input, &mut output).await?;
        output.flush().await?;
        let data_ms = ms(started);
        output.into_inner().sync_all().await?;
        Ok(json!({ "bytes": bytes, "data_ms": data_ms, "full_ms": ms(started) }))
    })
    .await
}

// ---------------------------------------------------------------- the orchestrator

/// A child process speaking JSON lines; `first` is the line it printed when ready.
struct Proc {
    child: Child,
    stdin: ChildStdin,
    out: BufReader<ChildStdout>,
    first: Value,
}

impl Proc {
    fn spawn(args: &[&str]) -> Res<Proc> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let (stdin, out) = (child.stdin.take().ok_or("stdin")?, child.stdout.take().ok_or("stdout")?);
        let mut proc = Proc {
            child,
            stdin,
            out: BufReader::new(out),
            first: Value::Null,
        };
        proc.first = proc.read()?;
        Ok(proc)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn read(&mut self) -> Res<Value> {
        let mut line = String::new();
        if self.out.read_line(&mut line)? == 0 {
            return Err(format!("child {} ended", self.pid()).into());
        }
        let value: Value = serde_json::from_str(&line)?;
        match value.get("error") {
            Some(error) => Err(format!("child {}: {error}", self.pid()).into()),
            None => Ok(value),
        }
    }

    fn call(&mut self, cmd: Value) -> Res<Value> {
        writeln!(self.stdin, "{cmd}")?;
        self.read()
    }

    /// Peak RSS (KiB) read just before it ends; then quits it cleanly or SIGKILLs it.
    fn finish(&mut self, kill: bool) -> Res<u64> {
        let hwm = proc_number(self.pid(), "status", "VmHWM:");
        if kill {
            self.child.kill()?;
        } else {
            self.call(json!({ "cmd": "quit" }))?;
        }
        self.child.wait()?;
        Ok(hwm)
    }

    fn signal(&self, signal: Signal) -> Res<()> {
        let pid = nix::unistd::Pid::from_raw(self.pid() as i32);
        Ok(nix::sys::signal::kill(pid, signal)?)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The number after `key` in `/proc/<pid>/<file>` (0 if gone).
fn proc_number(pid: u32, file: &str, key: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).unwrap_or_default();
    let value = text.lines().find_map(|l| l.strip_prefix(key));
    value
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// CPU seconds (user + system) of `pid` so far.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_comm = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    // After `comm`, state is field 3: utime (14) and stime (15) are at 11 and 12.
    let fields: Vec<u64> = after_comm.split_whitespace().map(|f| f.parse().unwrap_or(0)).collect();
    let ticks = fields.get(11).zip(fields.get(12)).map_or(0, |(u, s)| u + s);
    ticks as f64 / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
}

/// Bytes the peer's kernel acknowledged on the TCP connections of the side whose local
/// port is `port` or whose remote port is `peer` (`ss`'s `bytes_acked`, a SYN included).
fn tcp_acked(port: u16, peer: u16) -> u64 {
    let filter = format!("( sport = :{port} or dport = :{peer} )");
    let out = Command::new("ss").args(["-tinH", &filter]).output().map(|o| o.stdout);
    let text = String::from_utf8_lossy(out.as_deref().unwrap_or_default()).into_owned();
    let acked = text.split_whitespace().filter_map(|w| w.strip_prefix("bytes_acked:"));
    acked.filter_map(|n| n.parse::<u64>().ok()).sum()
}

/// Bytes waiting in the receive queues (`Recv-Q`) of the same connections as [`tcp_acked`].
fn tcp_recv_q(port: u16, peer: u16) -> u64 {
    let filter = format!("( sport = :{port} or dport = :{peer} )");
    let out = Command::new("ss").args(["-tnH", &filter]).output().map(|o| o.stdout);
    let text = String::from_utf8_lossy(out.as_deref().unwrap_or_default()).into_owned();
    text.lines()
        .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum()
}

/// Samples `VmRSS` of `pids` every 200 ms until the function it gives is called, which
/// gives the maxima (KiB).
fn sample_rss(pids: [u32; 2]) -> impl FnOnce() -> [u64; 2] {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::spawn(move || {
        let mut max = [0; 2];
        while !flag.load(Ordering::Relaxed) {
            for (m, pid) in max.iter_mut().zip(pids) {
                *m = (*m).max(proc_number(pid, "status", "VmRSS:"));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        max
    });
    move || {
        stop.store(true, Ordering::Relaxed);
        thread.join().unwrap_or_default()
    }
}

/// Writes `mib` MiB of xorshift bytes in 1 MiB blocks; returns their BLAKE3 hash.
fn write_source(path: &Path, mib: u64) -> Res<String> {
    let mut file = std::fs::File::create(path)?;
    let (mut state, mut block) = (0x2545_f491_4f6c_dd1du64, vec![0u8; MIB as usize]);
    let mut hasher = blake3::Hasher::new();
    for _ in 0..mib {
        for word in block.chunks_exact_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
        hasher.update(&block);
        file.write_all(&block)?;
    }
    Ok(hasher.finalize().to_hex().to_string())
}

fn hash_file(path: &Path) -> Res<String> {
    let file = BufReader::with_capacity(MIB as usize, std::fs::File::open(path)?);
    let hash = blake3::Hasher::new().update_reader(file)?.finalize();
    Ok(hash.to_hex().to_string())
}

fn load() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.trim().to_owned()
}

/// Polls `check` every 50 ms until it gives something.
fn poll<T>(what: &str, mut check: impl FnMut() -> Res<Option<T>>) -> Res<T> {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(found) = check()? {
            return Ok(found);
        }
        if Instant::now() > deadline {
            return Err(format!("timed out waiting for {what}").into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A chingu pair that found each other, after the sender sent the file `id`: the nodes,
/// their homes, ports and addresses, the id and how long sealing took.
type Pair = ([Proc; 2], [PathBuf; 2], [u16; 2], [String; 2], String, f64);

/// Starts person `who` on `home`, listening on `port`.
fn start_node(home: &Path, who: usize, port: u16, bootstrap: Option<&str>) -> Res<Proc> {
    let (phone, name) = PEOPLE[who];
    let port = port.to_string();
    let mut args = vec!["node", home.to_str().ok_or("path")?, phone, name, &port];
    args.extend(bootstrap);
    Proc::spawn(&args)
}

fn start_pair(dir: &Path, source: &Path) -> Res<Pair> {
    let homes = [dir.join("sender"), dir.join("receiver")];
    let free = || Res::Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port());
    let ports = [free()?, free()?];
    let mut sender = start_node(&homes[0], 0, ports[0], None)?;
    let first = sender.first["addr"].as_str().ok_or("no addr")?.to_owned();
    let mut receiver = start_node(&homes[1], 1, ports[1], Some(&first))?;
    let addrs = [first, receiver.first["addr"].as_str().ok_or("no addr")?.to_owned()];
    for (node, other) in [(&mut sender, PEOPLE[1]), (&mut receiver, PEOPLE[0])] {
        node.call(json!({ "cmd": "add_contact", "phone": other.0, "name": other.1 }))?;
    }
    sender.call(json!({ "cmd": "wait_found", "name": PEOPLE[1].1 }))?;
    receiver.call(json!({ "cmd": "wait_found", "name": PEOPLE[0].1 }))?;
    let sent = sender.call(json!({ "cmd": "send_file", "to": PEOPLE[1].1, "path": source }))?;
    let id = sent["id"].as_str().ok_or("no id")?.to_owned();
    poll("the file message", || Ok(progress(&mut receiver, &id).ok()))?;
    let seal_ms = sent["seal_ms"].as_f64().unwrap_or(0.0);
    Ok(([sender, receiver], homes, ports, addrs, id, seal_ms))
}

/// The receiver's `received` bytes and state of `id`.
fn progress(receiver: &mut Proc, id: &str) -> Res<(u64, String)> {
    let files = receiver.call(json!({ "cmd": "files" }))?;
    let file = files
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["id"] == id)
        .ok_or("no such file")?;
    let (received, state) = (file["received"].as_u64().unwrap_or(0), file["state"].as_str());
    Ok((received, state.unwrap_or_default().into()))
}

/// One chingu transfer; with `kill`, that side is SIGKILLed at ≥ 40 % and restarted on
/// its home.
fn chingu_run(dir: &Path, source: &Path, hash: &str, size: u64, run: usize, kill: Option<usize>) -> Res<Value> {
    let work = dir.join(format!("chingu-{run}"));
    let (mut nodes, homes, ports, addrs, id, seal_ms) = start_pair(&work, source)?;
    let out = work.join("out.bin");
    let mut extra = json!({ "seal_s": seal_ms / 1000.0, "load": load() });
    let pids = |nodes: &[Proc; 2]| [nodes[0].pid(), nodes[1].pid()];
    let mut cpu = pids(&nodes).map(|pid| -cpu_secs(pid));
    let (mut hwm, mut rss, mut acked) = ([0; 2], [0; 2], 0);
    let mut stop_sampler = sample_rss(pids(&nodes));
    let started = Instant::now();
    let save = json!({ "cmd": "save", "id": id, "path": out });
    nodes[1].call(save.clone())?;
    if let Some(victim) = kill {
        let at = poll("40 %", || {
            let (received, _) = progress(&mut nodes[1], &id)?;
            Ok((received * 10 >= size * 4).then_some(received))
        })?;
        // Both freeze as at one instant and the kernels settle; what the receiver's kernel
        // had taken by then is read; then the victim dies, with what it had in flight.
        nodes[1].signal(Signal::SIGSTOP)?;
        nodes[0].signal(Signal::SIGSTOP)?;
        std::thread::sleep(Duration::from_millis(100));
        acked = tcp_acked(ports[0], ports[1]);
        extra["receiver_recv_q_at_kill"] = json!(tcp_recv_q(ports[1], ports[0]));
        cpu[victim] += cpu_secs(nodes[victim].pid());
        hwm[victim] = nodes[victim].finish(true)?;
        nodes[1 - victim].signal(Signal::SIGCONT)?;
        extra["killed_at_s"] = json!(started.elapsed().as_secs_f64());
        rss = stop_sampler();
        let other = addrs[1 - victim].clone();
        nodes[victim] = start_node(&homes[victim], victim, ports[victim], Some(&other))?;
        let restarted = Instant::now();
        cpu[victim] -= cpu_secs(nodes[victim].pid());
        stop_sampler = sample_rss(pids(&nodes));
        if victim == 1 {
            // The wanted file resumes by itself; its `save` waiter died with the process. A want
            // not yet flushed when it died is lost (`not_fetched`): then it is asked again.
            let state = poll("the resumed file", || {
                let state = progress(&mut nodes[1], &id)?.1;
                Ok((state != "fetching").then_some(state))
            })?;
            extra["want_lost_on_kill"] = json!(state == "not_fetched");
            if state == "here" {
                extra["here_s"] = json!(started.elapsed().as_secs_f64());
            }
            extra["resaved_at_s"] = json!(started.elapsed().as_secs_f64());
            nodes[1].call(save)?;
        }
        extra["restarted_after_s"] = json!(restarted.duration_since(started).as_secs_f64());
        extra["killed"] = json!(SIDES[victim]);
        extra["received_at_kill"] = json!(at);
        extra["sender_tcp_acked_at_kill"] = json!(acked);
    }
    let saved = nodes[1].call(json!({ "cmd": "wait_saved" }))?;
    let t_full = started.elapsed().as_secs_f64();
    for (r, m) in rss.iter_mut().zip(stop_sampler()) {
        *r = (*r).max(m);
    }
    acked += tcp_acked(ports[0], ports[1]);
    let mut stats = Vec::new();
    for side in 0..2 {
        stats.push(nodes[side].call(json!({ "cmd": "status" }))?);
        cpu[side] += cpu_secs(nodes[side].pid());
        hwm[side] = hwm[side].max(nodes[side].finish(false)?);
    }
    let hash_ok = hash_file(&out)? == hash;
    let (uploaded, downloaded) = (&stats[0]["uploaded_bytes"], &stats[1]["downloaded_bytes"]);
    extra["sender_uploaded_bytes"] = uploaded.clone();
    extra["receiver_downloaded_bytes"] = downloaded.clone();
    // The encoding of the whole file: the data and a 64-byte hash pair per group but one.
    extra["encoding_bytes"] = json!(size + 64 * (size.div_ceil(16 << 10).max(1) - 1));
    let downloaded = downloaded.as_i64().unwrap_or(0);
    match kill {
        // The receiver lived throughout: verified data bytes it received twice.
        Some(0) => extra["resent_verified_bytes"] = json!(downloaded - size as i64),
        // The restarted receiver counts only what it fetched after its restart.
        Some(_) => extra["kept_at_restart"] = json!(size as i64 - downloaded),
        None => {}
    }
    drop(nodes);
    std::fs::remove_dir_all(&work)?;
    let ready_s = saved["ready_ms"].as_f64().map(|m| m / 1000.0);
    let kind = kill.map_or("chingu".into(), |v| format!("chingu kill {}", SIDES[v]));
    let resaved_at = extra["resaved_at_s"].as_f64().unwrap_or(0.0);
    let t_data = extra["here_s"].as_f64().or(ready_s.map(|ready| resaved_at + ready));
    Ok(json!({
        "kind": kind, "run": run, "bytes": saved["size"], "t_full_s": t_full, "t_data_s": t_data,
        "hwm_kib": hwm, "rss_max_kib": rss, "cpu_s": cpu, "sender_tcp_acked": acked, "hash_ok": hash_ok,
        "extra": extra,
    }))
}

/// One raw libp2p stream transfer.
fn raw_run(dir: &Path, source: &Path, hash: &str, run: usize) -> Res<Value> {
    let out = dir.join(format!("raw-{run}.bin"));
    let mut server = Proc::spawn(&["raw-serve", source.to_str().ok_or("path")?])?;
    let addr = server.first["addr"].as_str().ok_or("no addr")?.to_owned();
    let port = addr.split('/').nth(4).and_then(|p| p.parse().ok()).ok_or("port")?;
    let mut fetcher = Proc::spawn(&["raw-fetch", &addr, out.to_str().ok_or("path")?])?;
    let pids = [server.pid(), fetcher.pid()];
    let (before, sampler, load) = (pids.map(cpu_secs), sample_rss(pids), load());
    let got = fetcher.call(json!({ "cmd": "go" }))?;
    let (after, acked, rss) = (pids.map(cpu_secs), tcp_acked(port, 0), sampler());
    let hwm_kib = [server.finish(false)?, fetcher.finish(false)?];
    let hash_ok = hash_file(&out)? == hash;
    std::fs::remove_file(&out)?;
    let cpu = [after[0] - before[0], after[1] - before[1]];
    let time = |key: &str| got[key].as_f64().map(|ms| ms / 1000.0);
    Ok(json!({
        "kind": "raw", "run": run, "bytes": got["bytes"], "t_full_s": time("full_ms"), "t_data_s": time("data_ms"),
        "hwm_kib": hwm_kib, "rss_max_kib": rss, "cpu_s": cpu, "sender_tcp_acked": acked, "hash_ok": hash_ok,
        "extra": { "load": load },
    }))
}

fn print_report(rows: &[Value], size: u64) {
    let num = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let rate = |s: f64| (size / MIB) as f64 / s;
    println!("\nS = sender, R = receiver; HWM = VmHWM, RSSmax = VmRSS sampled during the transfer (MiB)");
    println!("| kind | run | t_full s | MiB/s | t_data s | MiB/s | S HWM | S RSSmax | S CPU s | S TCP MiB | R HWM | R RSSmax | R CPU s | hash |");
    println!("|{}", "---|".repeat(14));
    for r in rows {
        let (kind, run) = (r["kind"].as_str().unwrap_or_default(), &r["run"]);
        let (full, data) = (num(&r["t_full_s"]), num(&r["t_data_s"]));
        let (full_rate, data_rate, tcp) = (rate(full), rate(data), num(&r["sender_tcp_acked"]) / MIB as f64);
        let (hwm, rss, cpu) = (&r["hwm_kib"], &r["rss_max_kib"], &r["cpu_s"]);
        let (s_hwm, s_rss, s_cpu) = (num(&hwm[0]) / 1024.0, num(&rss[0]) / 1024.0, num(&cpu[0]));
        let (r_hwm, r_rss, r_cpu) = (num(&hwm[1]) / 1024.0, num(&rss[1]) / 1024.0, num(&cpu[1]));
        let ok = ["MISMATCH", "ok"][usize::from(r["hash_ok"] == true && r["bytes"] == size)];
        println!("| {kind} | {run} | {full:.2} | {full_rate:.1} | {data:.2} | {data_rate:.1} | {s_hwm:.1} | {s_rss:.1} | {s_cpu:.2} | {tcp:.1} | {r_hwm:.1} | {r_rss:.1} | {r_cpu:.2} | {ok} |");
    }
    for r in rows.iter().filter(|r| r["kind"] != "raw") {
        println!("{} run {}: {}", r["kind"], r["run"], r["extra"]);
    }
    for key in ["t_full_s", "t_data_s"] {
        let median = |kind: &str| {
            let of_kind = rows.iter().filter(|r| r["kind"] == kind);
            let mut times: Vec<f64> = of_kind.map(|r| num(&r[key])).collect();
            times.sort_by(f64::total_cmp);
            times.get(times.len() / 2).copied().unwrap_or(f64::NAN)
        };
        let (chingu, raw) = (rate(median("chingu")), rate(median("raw")));
        if chingu.is_finite() && raw.is_finite() {
            let ratio = chingu / raw;
            println!("median {key}: chingu {chingu:.1} MiB/s, raw {raw:.1} MiB/s: chingu / raw = {ratio:.2}×");
        }
    }
}

fn orchestrate(args: &[String]) -> Res<()> {
    let (mut size_mib, mut runs, mut kill, mut as_json) = (1024u64, 1usize, None, false);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--size-mib" => size_mib = value()?.parse()?,
            "--runs" => runs = value()?.parse()?,
            "--kill" => {
                let side = value()?;
                kill = Some(SIDES.iter().position(|s| s == side).ok_or("--kill sender|receiver")?);
            }
            "--json" => as_json = true,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let dir = tempfile::Builder::new().prefix("file-bench").tempdir()?;
    let source = dir.path().join("source.bin");
    let (hash, size) = (write_source(&source, size_mib)?, size_mib * MIB);
    println!("{size_mib} MiB file, {runs} run(s), load {}", load());
    let mut rows = Vec::new();
    for run in 0..runs {
        rows.push(chingu_run(dir.path(), &source, &hash, size, run, kill)?);
        if kill.is_none() {
            rows.push(raw_run(dir.path(), &source, &hash, run)?);
        }
        for row in &rows[rows.len() - 1 - usize::from(kill.is_none())..] {
            println!("  {} run {run}: {} s", row["kind"], row["t_full_s"]);
        }
    }
    print_report(&rows, size);
    if as_json {
        for row in &rows {
            println!("{row}");
        }
    }
    Ok(())
}
