//! Stream framing: each envelope on a libp2p stream is preceded by its length as a
//! 4-byte big-endian integer (SPEC.md §3.4). The length is checked against the limit
//! before a single byte of the body is read or allocated.

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::MAX_ENVELOPE_BYTES;

/// Why a frame could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The length prefix announced more than the limit.
    #[error("frame of {len} bytes exceeds the limit of {max}")]
    Oversized {
        /// The announced length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The stream failed or ended early.
    #[error("stream error: {0}")]
    Io(#[from] std::io::Error),
}

impl From<FrameError> for std::io::Error {
    fn from(e: FrameError) -> Self {
        match e {
            FrameError::Io(e) => e,
            other => std::io::Error::new(std::io::ErrorKind::InvalidData, other),
        }
    }
}

/// Reads one frame of at most `max` bytes (never more than [`MAX_ENVELOPE_BYTES`]).
pub async fn read_frame<R: AsyncRead + Unpin>(io: &mut R, max: usize) -> Result<Vec<u8>, FrameError> {
    let max = max.min(MAX_ENVELOPE_BYTES);
    let mut len = [0u8; 4];
    io.read_exact(&mut len).await?;
    let len = u32::from_be_bytes(len) as usize;
    if len > max {
        return Err(FrameError::Oversized { len, max });
    }
    let mut buf = vec![0u8; len];
    io.read_exact(&mut buf).await?;
    Ok(buf)
}

/// Writes one frame.
pub async fn write_frame<W: AsyncWrite + Unpin>(io: &mut W, frame: &[u8]) -> std::io::Result<()> {
    if frame.len() > MAX_ENVELOPE_BYTES {
        return Err(FrameError::Oversized {
            len: frame.len(),
            max: MAX_ENVELOPE_BYTES,
        }
        .into());
    }
    io.write_all(&(frame.len() as u32).to_be_bytes()).await?;
    io.write_all(frame).await?;
    io.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::io::Cursor;

    #[tokio::test]
    async fn frames_round_trip_and_limits_hold() {
        let mut buf = Cursor::new(Vec::new());
        write_frame(&mut buf, b"hello").await.unwrap();
        let mut rd = Cursor::new(buf.into_inner());
        assert_eq!(read_frame(&mut rd, 100).await.unwrap(), b"hello");

        let mut rd = Cursor::new(vec![0xff, 0xff, 0xff, 0xff, 1, 2, 3]);
        assert!(matches!(
            read_frame(&mut rd, 100).await,
            Err(FrameError::Oversized { .. })
        ));

        let mut rd = Cursor::new(vec![0, 0, 0, 9, 1, 2, 3]);
        assert!(matches!(read_frame(&mut rd, 100).await, Err(FrameError::Io(_))));
    }
}
