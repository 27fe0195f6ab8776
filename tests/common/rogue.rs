//! A rogue peer for the attack tests: a bare libp2p swarm that sends raw bytes on one
//! chingu request-response protocol and reads the framed answer.

use std::time::Duration;

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, StreamExt};
use libp2p::identity::{ed25519, Keypair};
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::SwarmEvent;
use libp2p::{noise, tcp, yamux, Multiaddr, PeerId, StreamProtocol, Swarm};

const DEADLINE: Duration = Duration::from_secs(60);

/// Writes requests as given (the caller frames them, or not); reads framed responses.
#[derive(Clone, Default)]
pub struct RawCodec;

impl request_response::Codec for RawCodec {
    type Protocol = StreamProtocol;
    type Request = Vec<u8>;
    type Response = Vec<u8>;

    async fn read_request<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        _: &mut T,
    ) -> std::io::Result<Vec<u8>> {
        Err(std::io::Error::other("the rogue serves nothing"))
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
    ) -> std::io::Result<Vec<u8>> {
        let mut len = [0u8; 4];
        io.read_exact(&mut len).await?;
        let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
        io.read_exact(&mut body).await?;
        Ok(body)
    }

    async fn write_request<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: Vec<u8>,
    ) -> std::io::Result<()> {
        io.write_all(&req).await?;
        io.close().await
    }

    async fn write_response<T: AsyncWrite + Unpin + Send>(
        &mut self,
        _: &StreamProtocol,
        _: &mut T,
        _: Vec<u8>,
    ) -> std::io::Result<()> {
        Ok(())
    }
}

pub type Rogue = Swarm<request_response::Behaviour<RawCodec>>;

/// A rogue speaking `protocol` (outbound only) under `identity`.
pub fn rogue(identity: ed25519::Keypair, protocol: &'static str) -> Rogue {
    libp2p::SwarmBuilder::with_existing_identity(Keypair::from(identity))
        .with_tokio()
        .with_tcp(tcp::Config::default(), noise::Config::new, yamux::Config::default)
        .unwrap()
        .with_behaviour(|_| {
            request_response::Behaviour::with_codec(
                RawCodec,
                [(StreamProtocol::new(protocol), ProtocolSupport::Outbound)],
                request_response::Config::default(),
            )
        })
        .unwrap()
        .build()
}

/// `body` with the 4-byte length prefix of the stream framing.
pub fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

/// Sends one raw request and returns the raw response, or None if the stream failed.
pub async fn ask_raw(rogue: &mut Rogue, peer: PeerId, addr: &Multiaddr, raw: Vec<u8>) -> Option<Vec<u8>> {
    rogue.add_peer_address(peer, addr.clone());
    let id = rogue.behaviour_mut().send_request(&peer, raw);
    tokio::time::timeout(DEADLINE, async {
        loop {
            match rogue.select_next_some().await {
                SwarmEvent::Behaviour(request_response::Event::Message {
                    message: request_response::Message::Response { request_id, response },
                    ..
                }) if request_id == id => return Some(response),
                SwarmEvent::Behaviour(request_response::Event::OutboundFailure { request_id, .. })
                    if request_id == id =>
                {
                    return None
                }
                _ => {}
            }
        }
    })
    .await
    .expect("an answer or a failure in time")
}

/// A peer speaking plain gossipsub (anonymous, content-addressed messages, every
/// subscription allowed) under `identity`.
pub type GossipRogue = Swarm<libp2p::gossipsub::Behaviour>;

/// A [`GossipRogue`] under `identity`.
pub fn gossip_rogue(identity: Keypair) -> GossipRogue {
    use libp2p::gossipsub;
    libp2p::SwarmBuilder::with_existing_identity(identity)
        .with_tokio()
        .with_tcp(tcp::Config::default(), noise::Config::new, yamux::Config::default)
        .unwrap()
        .with_behaviour(|_| {
            let config = gossipsub::ConfigBuilder::default()
                .validation_mode(gossipsub::ValidationMode::Anonymous)
                // Anonymous messages have no source or sequence number: without a content
                // id every garbage message would be the same message.
                .message_id_fn(|m: &gossipsub::Message| gossipsub::MessageId::from(m.data.clone()))
                .build()
                .unwrap();
            gossipsub::Behaviour::new(gossipsub::MessageAuthenticity::Anonymous, config).unwrap()
        })
        .unwrap()
        .build()
}

/// A holder that serves the file protocol with data failing verification: under
/// `identity`, listening on `addr`, it answers every request `sending` and then bytes that
/// match nothing. Runs until the test ends.
pub async fn corrupt_file_holder(identity: Keypair, addr: Multiaddr) {
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(identity)
        .with_tokio()
        .with_tcp(tcp::Config::default(), noise::Config::new, yamux::Config::default)
        .unwrap()
        .with_behaviour(|_| libp2p_stream::Behaviour::new())
        .unwrap()
        .build();
    let mut incoming = swarm
        .behaviour()
        .new_control()
        .accept(StreamProtocol::new("/chingu/file/1"))
        .unwrap();
    swarm.listen_on(addr).unwrap();
    loop {
        match swarm.select_next_some().await {
            SwarmEvent::NewListenAddr { .. } => break,
            SwarmEvent::ListenerError { error, .. } => panic!("the rogue cannot listen: {error}"),
            _ => {}
        }
    }
    tokio::spawn(async move {
        loop {
            swarm.select_next_some().await;
        }
    });
    tokio::spawn(async move {
        while let Some((_, mut stream)) = incoming.next().await {
            tokio::spawn(async move {
                let mut len = [0u8; 4];
                if stream.read_exact(&mut len).await.is_err() {
                    return;
                }
                let mut request = vec![0u8; u32::from_be_bytes(len) as usize];
                if stream.read_exact(&mut request).await.is_err() {
                    return;
                }
                let answer = chingu::wire::to_cbor(&chingu::files::wire::FileAnswer::Sending);
                let _ = stream.write_all(&framed(&answer)).await;
                let _ = stream.write_all(&[0x5a; 64 * 1024]).await;
                let _ = stream.close().await;
            });
        }
    });
}
