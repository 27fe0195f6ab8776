//! Bytes carried by relayed connections: the relay client's connections wrapped in a
//! counter before Noise and Yamux (so the figures include their overhead, as the relay
//! counts them against `relay.circuit_bytes`).

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::{AsyncRead, AsyncWrite};
use serde::{Deserialize, Serialize};

/// Counters shared by every relayed connection of a node.
#[derive(Debug, Default)]
pub struct RelayedBytes {
    sent: AtomicU64,
    received: AtomicU64,
}

/// A snapshot of [`RelayedBytes`] (status `nat.relayed_bytes`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayedTotals {
    /// Bytes written to relayed connections.
    pub sent: u64,
    /// Bytes read from relayed connections.
    pub received: u64,
}

impl RelayedBytes {
    /// The totals so far.
    pub fn totals(&self) -> RelayedTotals {
        RelayedTotals {
            sent: self.sent.load(Ordering::Relaxed),
            received: self.received.load(Ordering::Relaxed),
        }
    }
}

/// A connection whose traffic is added to shared counters.
pub struct Metered<C> {
    inner: C,
    counters: Arc<RelayedBytes>,
}

impl<C> Metered<C> {
    /// Wraps `inner`.
    pub fn new(inner: C, counters: Arc<RelayedBytes>) -> Self {
        Self { inner, counters }
    }
}

impl<C: AsyncRead + Unpin> AsyncRead for Metered<C> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(n)) = poll {
            self.counters.received.fetch_add(n as u64, Ordering::Relaxed);
        }
        poll
    }
}

impl<C: AsyncWrite + Unpin> AsyncWrite for Metered<C> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = poll {
            self.counters.sent.fetch_add(n as u64, Ordering::Relaxed);
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_close(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn counts_both_directions() {
        let counters = Arc::new(RelayedBytes::default());
        let mut conn = Metered::new(futures::io::Cursor::new(vec![0u8; 10]), counters.clone());
        let mut buf = [0u8; 4];
        conn.read_exact(&mut buf).await.unwrap();
        conn.write_all(b"hello").await.unwrap();
        assert_eq!(counters.totals(), RelayedTotals { sent: 5, received: 4 });
    }
}
