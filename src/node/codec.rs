//! The request-response codec shared by chingu's stream protocols: one length-prefixed
//! frame per request and per response (SPEC.md §3.4). The codec only moves bounded
//! frames; decoding them is the protocol's job, so malformed input surfaces as a typed,
//! counted rejection rather than a stream error.
//!
//! A request whose header announces more than the limit is not read; the codec hands the
//! protocol an empty request instead (no valid envelope is empty), so the oversized frame
//! is refused and counted like any other bad input — libp2p itself would drop a failed
//! read silently.

use futures::{AsyncRead, AsyncWrite, AsyncWriteExt};
use libp2p::request_response;
use libp2p::StreamProtocol;

use crate::wire::frame::{read_frame, write_frame, FrameError};
use crate::wire::MAX_ENVELOPE_BYTES;

/// What [`FrameCodec`] hands over in place of an oversized request.
pub const OVERSIZED: &[u8] = &[];

/// Moves one frame each way.
#[derive(Debug, Clone, Copy, Default)]
pub struct FrameCodec;

impl request_response::Codec for FrameCodec {
    type Protocol = StreamProtocol;
    type Request = Vec<u8>;
    type Response = Vec<u8>;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> std::io::Result<Vec<u8>>
    where
        T: AsyncRead + Unpin + Send,
    {
        match read_frame(io, MAX_ENVELOPE_BYTES).await {
            Ok(frame) => Ok(frame),
            Err(FrameError::Oversized { .. }) => Ok(OVERSIZED.to_vec()),
            Err(e) => Err(e.into()),
        }
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> std::io::Result<Vec<u8>>
    where
        T: AsyncRead + Unpin + Send,
    {
        Ok(read_frame(io, MAX_ENVELOPE_BYTES).await?)
    }

    async fn write_request<T>(&mut self, _: &StreamProtocol, io: &mut T, req: Vec<u8>) -> std::io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_frame(io, &req).await?;
        io.close().await
    }

    async fn write_response<T>(&mut self, _: &StreamProtocol, io: &mut T, res: Vec<u8>) -> std::io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_frame(io, &res).await?;
        io.close().await
    }
}
