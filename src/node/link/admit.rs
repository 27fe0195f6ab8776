//! The existing device's side of one link run over `/chingu/link/1`: the handshake, the
//! account's introduction, the new device's hello, both people's confirmations, the
//! history, then the grant with the stored list. A run that resumes one whose history was
//! cut skips the confirmations (both people gave them for this device key) and sends what
//! the cut run had not. Every step has a deadline; whatever ends a run without a device is
//! reported to the actor as [`LinkEvent::Failed`].

use futures::{AsyncWriteExt, FutureExt};
use libp2p::PeerId;
use tokio::sync::{mpsc, oneshot};

use super::io::{history_since, read_value, write_value};
use super::{LinkEvent, STEP_TIMEOUT};
use crate::account::history;
use crate::account::link::{Admitter, LinkChannel, LinkCode, LinkFrame, LinkMessage, MAX_LINK_FRAME};
use crate::account::AccountError;
use crate::identity::NoiseKeypair;
use crate::model::now_ms;
use crate::wire::{Bytes, Fixed, List, Text};

/// Who the new device is joining, and what history it gets.
pub(super) struct AccountInfo {
    pub(super) account: [u8; 32],
    pub(super) phone: String,
    pub(super) name: String,
    /// The window of history sent (days).
    pub(super) history_days: u32,
    pub(super) store: crate::store::Store,
    /// The device both people confirmed in an earlier run of this offer, if any.
    pub(super) confirmed: Option<Confirmed>,
}

/// A device both people confirmed, and the history window its runs send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Confirmed {
    /// Its identity key.
    pub(crate) device: [u8; 32],
    /// Messages from this time on (ms) are in its history.
    pub(crate) since_ms: u64,
}

/// Writes a refusal in clear and closes.
pub(super) async fn refuse(stream: libp2p::Stream, error: AccountError) {
    super::io::refuse(stream, error, LinkFrame::Refused).await
}

/// Runs one link run for `peer` on `stream` with the open offer's `code`.
pub(super) async fn admit(
    peer: PeerId,
    mut stream: libp2p::Stream,
    code: LinkCode,
    noise: NoiseKeypair,
    account: AccountInfo,
    events: mpsc::UnboundedSender<LinkEvent>,
) {
    let mut confirmed = false;
    match run(&mut stream, &code, &noise, &account, &events, &mut confirmed).await {
        Ok(()) => {
            let _ = stream.close().await;
        }
        Err(error) => {
            refuse(stream, error.clone()).await;
            let _ = events.send(LinkEvent::Failed {
                offer: *code.secret.as_bytes(),
                peer,
                error,
                confirmed,
            });
        }
    }
}

/// Reads one Noise frame within `wait`; a refusal in clear becomes its error.
pub(crate) async fn read_noise(
    stream: &mut libp2p::Stream,
    wait: std::time::Duration,
) -> Result<Vec<u8>, AccountError> {
    match read_value(stream, MAX_LINK_FRAME + 64, Some(wait)).await? {
        LinkFrame::Noise(bytes) => Ok(bytes.into_vec()),
        LinkFrame::Refused(reason) => Err(AccountError::from_reason(reason.as_str())),
    }
}

/// Writes one Noise frame.
pub(crate) async fn write_noise(stream: &mut libp2p::Stream, bytes: Vec<u8>) -> Result<(), AccountError> {
    let frame =
        LinkFrame::Noise(Bytes::new(bytes).map_err(|_| AccountError::Malformed("a link message over its limit"))?);
    write_value(stream, &frame).await
}

/// Reads and opens one channel message.
pub(crate) async fn read_message(
    stream: &mut libp2p::Stream,
    channel: &mut LinkChannel,
    wait: std::time::Duration,
) -> Result<LinkMessage, AccountError> {
    let bytes = read_noise(stream, wait).await?;
    channel.open(&bytes)
}

/// Sends the history from `since_ms` on (after the message `after`, for a resumed run)
/// and waits until the new device says it arrived whole.
async fn send_history(
    stream: &mut libp2p::Stream,
    channel: &mut LinkChannel,
    account: &AccountInfo,
    since_ms: u64,
    after: Option<Vec<u8>>,
) -> Result<(), AccountError> {
    let window = crate::store::Window::WrittenSince(since_ms);
    let (batches, digest, skipped) = history::batches(history_since(&account.store, window, after).await?);
    if skipped > 0 {
        tracing::warn!(skipped, "history entries too large for a new device were left out");
    }
    let mut sent = 0;
    for batch in batches {
        sent += batch.len() as u64;
        write_noise(stream, channel.seal(&LinkMessage::History(List::truncating(batch)))?).await?;
    }
    let end = LinkMessage::HistoryEnd {
        entries: sent,
        digest: Fixed(digest.value()),
    };
    write_noise(stream, channel.seal(&end)?).await?;
    match read_message(stream, channel, STEP_TIMEOUT).await? {
        LinkMessage::HistoryOk => Ok(()),
        _ => Err(AccountError::Malformed(
            "expected the new device's receipt of the history",
        )),
    }
}

/// One run; `confirmed` turns true once both people confirmed its device (from then on a
/// cut run can be resumed).
async fn run(
    stream: &mut libp2p::Stream,
    code: &LinkCode,
    noise: &NoiseKeypair,
    account: &AccountInfo,
    events: &mpsc::UnboundedSender<LinkEvent>,
    confirmed: &mut bool,
) -> Result<(), AccountError> {
    let msg1 = read_noise(stream, STEP_TIMEOUT).await?;
    let entropy = crate::session::keys::draw_entropy(&mut rand::rngs::OsRng);
    let (admitter, msg2) = Admitter::start(code, noise, &msg1, entropy)?;
    write_noise(stream, msg2).await?;
    let msg3 = read_noise(stream, STEP_TIMEOUT).await?;
    let mut channel = admitter.finish(&msg3)?;
    let intro = LinkMessage::Account {
        account: Fixed(account.account),
        phone: Text::new(account.phone.as_str()).map_err(|_| AccountError::Malformed("a number over its limit"))?,
        name: Text::new(account.name.as_str()).map_err(|_| AccountError::Malformed("a name over its limit"))?,
    };
    write_noise(stream, channel.seal(&intro)?).await?;
    let (resume, hello) = match read_message(stream, &mut channel, STEP_TIMEOUT).await? {
        LinkMessage::Resume { after } => (Some(after), read_message(stream, &mut channel, STEP_TIMEOUT).await?),
        hello => (None, hello),
    };
    let device = channel.check_hello(&account.account, &hello)?;
    let (since_ms, after) = match resume {
        // Resuming: only the device both people confirmed before, with its window.
        Some(after) => {
            let earlier = account
                .confirmed
                .filter(|c| &c.device == device.device.as_bytes())
                .ok_or(AccountError::NotConfirmed)?;
            *confirmed = true;
            (earlier.since_ms, Some(after.into_vec()))
        }
        None => {
            confirm(stream, &mut channel, code, &device, events).await?;
            let since_ms = now_ms().saturating_sub(u64::from(account.history_days) * 24 * 3600 * 1000);
            let _ = events.send(LinkEvent::Confirmed {
                offer: *code.secret.as_bytes(),
                confirmed: Confirmed {
                    device: *device.device.as_bytes(),
                    since_ms,
                },
            });
            *confirmed = true;
            (since_ms, None)
        }
    };
    send_history(stream, &mut channel, account, since_ms, after).await?;
    let (reply, granted) = oneshot::channel();
    let _ = events.send(LinkEvent::Grant {
        offer: *code.secret.as_bytes(),
        device,
        reply,
    });
    let list = granted
        .await
        .map_err(|_| AccountError::Handshake("the node stopped".into()))??;
    write_noise(stream, channel.seal(&LinkMessage::Granted(list))?).await
}

/// Both people compare the string: the run waits for both answers until the code
/// expires.
async fn confirm(
    stream: &mut libp2p::Stream,
    channel: &mut LinkChannel,
    code: &LinkCode,
    device: &crate::account::Device,
    events: &mpsc::UnboundedSender<LinkEvent>,
) -> Result<(), AccountError> {
    let until_expiry = std::time::Duration::from_millis(code.expires_ms.saturating_sub(now_ms()));
    // Both people compare the string; the run waits for both answers until the code
    // expires. The new device's answer arrives as `Confirm`, or as the stream closing.
    let (decide, decided) = oneshot::channel();
    let _ = events.send(LinkEvent::Pending {
        offer: *code.secret.as_bytes(),
        sas: channel.sas(),
        name: device.name.as_str().to_owned(),
        decide,
    });
    let mut local = decided.map(|answer| answer.unwrap_or(false)).boxed();
    let mut remote = Box::pin(read_message(stream, channel, until_expiry));
    let (mut local_ok, mut remote_ok) = (None, None);
    let deadline = tokio::time::sleep(until_expiry);
    tokio::pin!(deadline);
    while local_ok.is_none() || remote_ok.is_none() {
        tokio::select! {
            answer = &mut local, if local_ok.is_none() => {
                if !answer {
                    return Err(AccountError::NotConfirmed);
                }
                local_ok = Some(true);
            }
            message = &mut remote, if remote_ok.is_none() => match message {
                Ok(LinkMessage::Confirm) => remote_ok = Some(true),
                Ok(_) => return Err(AccountError::Malformed("expected the new device's confirmation")),
                Err(_) => return Err(AccountError::NotConfirmed),
            },
            _ = &mut deadline => return Err(AccountError::CodeExpired),
        }
    }
    Ok(())
}
