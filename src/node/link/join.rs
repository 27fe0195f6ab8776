//! The new device's side of a link run (`chingu init --link CODE`): before it has a home
//! or a node, it dials the code's device with its fresh keys on a small swarm of its own
//! (TCP and QUIC, the link protocol only), runs the handshake, introduces itself, shows
//! the string to compare, and comes back with the account's signed device list.

use std::future::Future;

use futures::StreamExt;
use libp2p::swarm::dial_opts::DialOpts;
use libp2p::swarm::SwarmEvent;
use libp2p::{noise, tcp, yamux, Multiaddr, PeerId};
use tokio::sync::oneshot;

use super::admit::{read_message, read_noise, write_noise};
use super::{protocol, AbortOnDrop, STEP_TIMEOUT};
use crate::account::history::{HistoryEntry, HistoryReceiver};
use crate::account::link::{Joiner, LinkCode, LinkMessage};
use crate::account::{AccountError, SignedDeviceList};
use crate::identity::Identity;
use crate::model::now_ms;
use crate::wire::Bytes;

/// What the new device's person is asked to confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinPrompt {
    /// The account's display name.
    pub account_name: String,
    /// The account's number.
    pub phone: String,
    /// The string both screens show.
    pub sas: String,
}

/// A device that joined.
#[derive(Debug, Clone)]
pub struct Joined {
    /// The account's list, with this device in it.
    pub list: SignedDeviceList,
    /// The account's number.
    pub phone: String,
    /// The account's display name.
    pub account_name: String,
    /// The history it got, verified: database entries for its new home.
    pub history: Vec<HistoryEntry>,
    /// Where the first device was reached (the code's addresses).
    pub first_addrs: Vec<String>,
}

impl Joined {
    /// What the new device's home is made of, with its keys `identity`.
    pub fn home(&self, identity: Identity) -> crate::home::LinkedHome<'_> {
        crate::home::LinkedHome {
            identity,
            list: &self.list,
            history: &self.history,
            first_addrs: &self.first_addrs,
            name: &self.account_name,
            phone: &self.phone,
        }
    }
}

/// Joins the account whose device showed `code`, as the device `identity` called
/// `device_name`; `confirm` asks this device's person whether both screens show the same
/// string. A run cut while the history streams (a dropped connection) resumes with a new
/// run of the same code, without asking again (SPEC.md §8.5).
pub async fn join<F, Fut>(
    code: &LinkCode,
    identity: &Identity,
    device_name: &str,
    confirm: F,
) -> Result<Joined, AccountError>
where
    F: FnOnce(JoinPrompt) -> Fut,
    Fut: Future<Output = bool>,
{
    join_with_cuts(code, identity, device_name, confirm, &[]).await
}

/// [`join`], dropping the connection once after each of `cuts` batches of history (the
/// runs resume), as a network that fails would: how the tests and benchmarks interrupt a
/// link.
pub async fn join_with_cuts<F, Fut>(
    code: &LinkCode,
    identity: &Identity,
    device_name: &str,
    confirm: F,
    cuts: &[usize],
) -> Result<Joined, AccountError>
where
    F: FnOnce(JoinPrompt) -> Fut,
    Fut: Future<Output = bool>,
{
    crate::account::devices::device_name(device_name)?;
    let addrs: Vec<Multiaddr> = code
        .addrs
        .iter()
        .filter_map(|a| Multiaddr::try_from(a.as_ref().to_vec()).ok())
        .collect();
    let mut state = JoinState {
        confirm: Some(confirm),
        prompt: None,
        receiver: HistoryReceiver::default(),
        resume: None,
    };
    let mut cuts = cuts.iter().copied();
    let mut tries = 0;
    loop {
        let cut = cuts.next();
        let (driver, mut stream) = match open_stream(code, identity, addrs.clone()).await {
            Ok(opened) => opened,
            Err(e) if state.resume.is_some() && tries < MAX_RESUME_TRIES => {
                tries += 1;
                tokio::time::sleep(RESUME_PAUSE).await;
                tracing::debug!(error = %e, "cannot reach the first device to resume the link");
                continue;
            }
            Err(e) => return Err(e),
        };
        let outcome = run(&mut stream, code, identity, device_name, &mut state, cut).await;
        match outcome {
            Err(e) if state.resumable(&e) && tries < MAX_RESUME_TRIES => {
                tries += 1;
                tracing::debug!(error = %e, "the link was cut; resuming");
                state.resume = Some(state.receiver.cut());
                // The first device notices the cut when this connection goes.
                drop(stream);
                drop(driver);
                tokio::time::sleep(RESUME_PAUSE).await;
            }
            outcome => {
                // The swarm under the stream stops with `driver`: first let the other
                // device have what we wrote last (a hello followed by a "no" would
                // otherwise be lost with it).
                super::io::close_and_drain(&mut stream).await;
                return outcome.map(|(list, history)| {
                    let prompt = state.prompt.expect("a run that ends with a device was confirmed");
                    Joined {
                        list,
                        phone: prompt.phone,
                        account_name: prompt.account_name,
                        history,
                        first_addrs: addrs.iter().map(ToString::to_string).collect(),
                    }
                });
            }
        }
    }
}

/// Runs that may resume a cut one, at most.
const MAX_RESUME_TRIES: usize = 5;
/// The pause before a resuming run (the first device must notice the cut first).
const RESUME_PAUSE: std::time::Duration = std::time::Duration::from_millis(500);

/// What a join keeps from one run to the next.
struct JoinState<F> {
    /// Asks the person (once).
    confirm: Option<F>,
    /// What the person confirmed (set once they did).
    prompt: Option<JoinPrompt>,
    /// The history so far.
    receiver: HistoryReceiver,
    /// The last message held, once a run after the confirmations was cut.
    resume: Option<Vec<u8>>,
}

impl<F> JoinState<F> {
    /// Whether a run that failed with `error` may resume: the person confirmed, and the
    /// connection failed (not a refusal or a malformed message).
    fn resumable(&self, error: &AccountError) -> bool {
        self.prompt.is_some() && matches!(error, AccountError::Handshake(_) | AccountError::NoOffer)
    }
}

/// One run: the handshake, then the confirmation (or the resume of a cut run), the
/// history, and the list. `cut`: drop the connection after this many batches.
async fn run<F, Fut>(
    stream: &mut libp2p::Stream,
    code: &LinkCode,
    identity: &Identity,
    device_name: &str,
    state: &mut JoinState<F>,
    cut: Option<usize>,
) -> Result<(SignedDeviceList, Vec<HistoryEntry>), AccountError>
where
    F: FnOnce(JoinPrompt) -> Fut,
    Fut: Future<Output = bool>,
{
    let entropy = crate::session::keys::draw_entropy(&mut rand::rngs::OsRng);
    let (joiner, msg1) = Joiner::start(code, identity.noise(), entropy)?;
    write_noise(stream, msg1).await?;
    let msg2 = read_noise(stream, STEP_TIMEOUT).await?;
    let (mut channel, msg3) = joiner.finish(&msg2)?;
    write_noise(stream, msg3).await?;
    let LinkMessage::Account { account, phone, name } = read_message(stream, &mut channel, STEP_TIMEOUT).await? else {
        return Err(AccountError::Malformed("expected the account's introduction"));
    };
    if let Some(after) = &state.resume {
        let after = Bytes::new(after.clone()).map_err(|_| AccountError::Malformed("a message key over its limit"))?;
        write_noise(stream, channel.seal(&LinkMessage::Resume { after })?).await?;
    }
    let hello = channel.hello(
        identity.ed25519(),
        &identity.noise().public,
        account.as_bytes(),
        device_name,
    )?;
    write_noise(stream, channel.seal(&hello)?).await?;
    if let Some(confirm) = state.confirm.take() {
        let prompt = JoinPrompt {
            account_name: crate::text::for_terminal(name.as_str()).into_owned(),
            phone: crate::text::for_terminal(phone.as_str()).into_owned(),
            sas: channel.sas(),
        };
        if !confirm(prompt.clone()).await {
            return Err(AccountError::NotConfirmed);
        }
        write_noise(stream, channel.seal(&LinkMessage::Confirm)?).await?;
        state.prompt = Some(prompt);
    }
    // The other person may still be comparing: wait until the code expires.
    let wait = std::time::Duration::from_millis(code.expires_ms.saturating_sub(now_ms())) + STEP_TIMEOUT;
    let mut batches = 0;
    let history = loop {
        match read_message(stream, &mut channel, wait).await? {
            LinkMessage::History(batch) => {
                state.receiver.add(batch)?;
                batches += 1;
                if cut == Some(batches) {
                    return Err(AccountError::Handshake("the connection was cut".into()));
                }
            }
            LinkMessage::HistoryEnd { entries, digest } => {
                break std::mem::take(&mut state.receiver).finish(entries, &digest)?;
            }
            _ => return Err(AccountError::Malformed("expected the account's history")),
        }
    };
    write_noise(stream, channel.seal(&LinkMessage::HistoryOk)?).await?;
    let LinkMessage::Granted(list) = read_message(stream, &mut channel, STEP_TIMEOUT).await? else {
        return Err(AccountError::Malformed("expected the account's device list"));
    };
    let verified = list.verify(account.as_bytes())?;
    let me = identity.public_key();
    let listed = verified.devices.iter().find(|d| d.device.as_bytes() == &me);
    if listed.is_none_or(|d| d.noise.as_bytes() != &identity.noise().public) {
        return Err(AccountError::Malformed("the device list does not hold this device"));
    }
    Ok((list, history))
}

/// Dials the device that showed `code` at `addrs` from a swarm of its own (TCP and QUIC,
/// the link protocol only) and opens the link stream; the swarm runs until the returned
/// guard drops.
async fn open_stream(
    code: &LinkCode,
    identity: &Identity,
    addrs: Vec<Multiaddr>,
) -> Result<(AbortOnDrop, libp2p::Stream), AccountError> {
    let peer = PeerId::from_bytes(code.peer.as_ref()).map_err(|_| AccountError::BadCode)?;
    let io = |e: &dyn std::fmt::Display| AccountError::Handshake(e.to_string());
    let mut swarm = libp2p::SwarmBuilder::with_existing_identity(identity.keypair())
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| io(&e))?
        .with_quic()
        .with_behaviour(|_| libp2p_stream::Behaviour::new())
        .map_err(|e| io(&e))?
        .build();
    let mut control = swarm.behaviour().new_control();
    swarm
        .dial(DialOpts::peer_id(peer).addresses(addrs).build())
        .map_err(|e| io(&e))?;
    let (connected_tx, connected) = oneshot::channel();
    let driver = AbortOnDrop(tokio::spawn(async move {
        let mut connected_tx = Some(connected_tx);
        loop {
            match swarm.select_next_some().await {
                SwarmEvent::ConnectionEstablished { peer_id, .. } if peer_id == peer => {
                    if let Some(tx) = connected_tx.take() {
                        let _ = tx.send(Ok(()));
                    }
                }
                SwarmEvent::OutgoingConnectionError {
                    peer_id: Some(p),
                    error,
                    ..
                } if p == peer => {
                    if let Some(tx) = connected_tx.take() {
                        let _ = tx.send(Err(error.to_string()));
                    }
                }
                _ => {}
            }
        }
    }));
    tokio::time::timeout(STEP_TIMEOUT, connected)
        .await
        .map_err(|_| AccountError::Handshake("the device that showed the code did not answer".into()))?
        .map_err(|_| AccountError::Handshake("the link client stopped".into()))?
        .map_err(|e| AccountError::Handshake(format!("cannot reach the device that showed the code: {e}")))?;
    let stream = tokio::time::timeout(STEP_TIMEOUT, control.open_stream(peer, protocol()))
        .await
        .map_err(|_| AccountError::Handshake("the device that showed the code did not answer".into()))?
        .map_err(|e| io(&e))?;
    Ok((driver, stream))
}
