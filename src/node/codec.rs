//! The request-response codec shared by chingu's stream protocols: one length-prefixed
//! frame per request and per response (SPEC.md §3.4). The codec only moves bounded
//! frames; decoding them is the protocol's job, so malformed input surfaces as a typed,
//! counted rejection rather than a stream error.

use futures::{AsyncRead, AsyncWrite, AsyncWriteExt};
use libp2p::request_response;
use libp2p::StreamProtocol;

use crate::wire::frame::{read_frame, write_frame};
use crate::wire::MAX_ENVELOPE_BYTES;

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
        Ok(read_frame(io, MAX_ENVELOPE_BYTES).await?)
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
