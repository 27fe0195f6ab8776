//! Helpers for tests of a daemon's HTTP side (WebSocket API, metrics): the URLs it printed,
//! plain HTTP GETs, metric lines, a minimal WebSocket client that can also misbehave, and
//! the daemon's resident memory.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::{http_get, Daemon};

/// How long any wait here may take.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// The URL a daemon printed after `prefix`.
pub fn printed_url(daemon: &Daemon, prefix: &str) -> String {
    let line = daemon
        .output
        .iter()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} line in {:?}", daemon.output));
    line[prefix.len()..].trim().to_owned()
}

/// The WebSocket API's URL.
pub fn ws_url(daemon: &Daemon) -> String {
    printed_url(daemon, "WebSocket API for app tokens:")
}

/// The metrics URL.
pub fn metrics_url(daemon: &Daemon) -> String {
    printed_url(daemon, "Prometheus metrics:")
}

/// The value of the metric line starting with `series` (name and labels), if present.
pub fn metric(body: &str, series: &str) -> Option<f64> {
    body.lines()
        .find_map(|line| line.strip_prefix(series)?.trim().parse().ok())
}

/// The value of `series` in a fresh scrape of `metrics_url` (0 when absent).
pub fn scrape(metrics_url: &str, series: &str) -> f64 {
    metric(&http_get(metrics_url).1, series).unwrap_or(0.0)
}

/// Resident memory of process `pid`, in KiB (`VmRSS` in /proc).
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

/// A WebSocket client written by hand, so that it can also send what a well-behaved
/// library never would (frames announcing more than they carry, endless pipelines).
pub struct RawWs {
    pub stream: TcpStream,
}

impl RawWs {
    /// Opens `ws://…/api` with `token` as bearer token; panics unless upgraded.
    pub fn connect(url: &str, token: &str) -> RawWs {
        let ws = Self::start_upgrade(url, token, true);
        let mut reader = BufReader::new(ws.stream.try_clone().unwrap());
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.contains(" 101 "), "not upgraded: {status}");
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
        }
        assert!(reader.buffer().is_empty(), "no frame before the first request");
        ws.stream.set_read_timeout(Some(DEADLINE)).unwrap();
        ws
    }

    /// Connects and sends the upgrade request, whole or (`complete` false) without its
    /// final blank line.
    pub fn start_upgrade(url: &str, token: &str, complete: bool) -> RawWs {
        let rest = url.strip_prefix("ws://").unwrap();
        let (addr, path) = rest.split_at(rest.find('/').unwrap());
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
             Authorization: Bearer {token}\r\n{}",
            if complete { "\r\n" } else { "" }
        )
        .unwrap();
        RawWs { stream }
    }

    /// The header of a masked text frame of `len` bytes, and its mask.
    pub fn header(len: usize) -> (Vec<u8>, [u8; 4]) {
        let mask = [0x5a, 0x17, 0xc3, 0x08];
        let mut header = vec![0x81];
        match len {
            0..=125 => header.push(0x80 | len as u8),
            126..=0xffff => {
                header.push(0x80 | 126);
                header.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                header.push(0x80 | 127);
                header.extend_from_slice(&(len as u64).to_be_bytes());
            }
        }
        header.extend_from_slice(&mask);
        (header, mask)
    }

    /// A whole masked text frame carrying `text`.
    pub fn frame(text: &str) -> Vec<u8> {
        let (mut frame, mask) = Self::header(text.len());
        frame.extend(text.bytes().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        frame
    }

    /// Reads one frame: (opcode, payload).
    pub fn read_frame(&mut self) -> std::io::Result<(u8, Vec<u8>)> {
        let mut head = [0u8; 2];
        self.stream.read_exact(&mut head)?;
        let len = match head[1] & 0x7f {
            126 => {
                let mut b = [0u8; 2];
                self.stream.read_exact(&mut b)?;
                u16::from_be_bytes(b) as usize
            }
            127 => {
                let mut b = [0u8; 8];
                self.stream.read_exact(&mut b)?;
                u64::from_be_bytes(b) as usize
            }
            n => n as usize,
        };
        let mut payload = vec![0u8; len];
        self.stream.read_exact(&mut payload)?;
        Ok((head[0] & 0x0f, payload))
    }
}
