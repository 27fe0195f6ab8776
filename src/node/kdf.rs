//! The process-wide key-derivation pools: threads that run the slow rendezvous KDF
//! (argon2id, 16 MiB) for every node of the process. Fixed sets of threads keep both CPU
//! and memory bounded however many nodes (a test net runs hundreds) ask at once; each
//! thread reuses its 16 MiB working memory while it is busy.
//!
//! Two pools of one thread per core: derivations someone waits for (a contact added by
//! hand, a friend's hello to check) run at normal priority; background ones (an imported
//! address book, republication) run at the lowest scheduling priority (nice 19), so they
//! use idle cycles and a node's event loop — delivering messages — always runs first: an
//! import never starves conversations, and never delays what the owner is waiting for.
//! A thread idle for a second gives its working memory back (a node holds none of it
//! between bursts of derivations).

use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use tokio::sync::oneshot;

use crate::rendezvous::{derive_secret, Epoch, KdfParams, RendezvousKeys};

/// A derivation to run.
struct Job {
    input: Vec<u8>,
    epoch: Epoch,
    reply: oneshot::Sender<(RendezvousKeys, f64)>,
}

/// How long a KDF thread waits idle before it gives its working memory back.
const IDLE_RELEASE: std::time::Duration = std::time::Duration::from_secs(1);
/// Scheduling niceness of the background pool's threads (the lowest priority).
const BACKGROUND_NICENESS: i32 = 19;

/// Threads in each pool: one per core.
pub(crate) fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |c| c.get())
}

/// Lowers the calling thread's scheduling priority (Linux: `setpriority` on a thread id
/// applies to that thread only). Failure only costs responsiveness, so it is logged.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        let tid = nix::unistd::gettid().as_raw();
        // SAFETY: setpriority has no memory effects; it only reads its integer arguments.
        let result = unsafe { libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, BACKGROUND_NICENESS) };
        if result != 0 {
            tracing::debug!(error = %std::io::Error::last_os_error(), "cannot lower the KDF threads' priority");
        }
    }
}

/// Starts a pool's threads; `background` ones at the lowest priority.
fn start_pool(background: bool) -> mpsc::Sender<Job> {
    let (tx, rx) = mpsc::channel::<Job>();
    let rx = Arc::new(Mutex::new(rx));
    let kind = if background { "bg" } else { "fg" };
    for n in 0..threads() {
        let rx = rx.clone();
        std::thread::Builder::new()
            .name(format!("chingu-kdf-{kind}-{n}"))
            .spawn(move || {
                if background {
                    lower_priority();
                }
                loop {
                    let next = match rx.lock() {
                        Ok(rx) => rx.recv_timeout(IDLE_RELEASE),
                        Err(_) => return,
                    };
                    let job = match next {
                        Ok(job) => job,
                        // Idle: the 16 MiB go back to the system until the next burst.
                        Err(mpsc::RecvTimeoutError::Timeout) => {
                            crate::rendezvous::kdf::release_working_memory();
                            let next = match rx.lock() {
                                Ok(rx) => rx.recv(),
                                Err(_) => return,
                            };
                            match next {
                                Ok(job) => job,
                                Err(_) => return,
                            }
                        }
                        Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    };
                    let started = Instant::now();
                    let keys = RendezvousKeys::from_secret(&derive_secret(&job.input, job.epoch, KdfParams::V1));
                    let _ = job.reply.send((keys, started.elapsed().as_secs_f64() * 1000.0));
                }
            })
            .expect("the KDF threads start");
    }
    tx
}

fn pool(background: bool) -> &'static mpsc::Sender<Job> {
    static FOREGROUND: OnceLock<mpsc::Sender<Job>> = OnceLock::new();
    static BACKGROUND: OnceLock<mpsc::Sender<Job>> = OnceLock::new();
    if background {
        BACKGROUND.get_or_init(|| start_pool(true))
    } else {
        FOREGROUND.get_or_init(|| start_pool(false))
    }
}

/// Derives the rendezvous keys of `input` in `epoch` on a pool (the low-priority one when
/// `background`); resolves to the keys and the milliseconds the derivation itself took
/// (`None` if the pool is gone).
pub(crate) async fn derive(input: Vec<u8>, epoch: Epoch, background: bool) -> Option<(RendezvousKeys, f64)> {
    let (reply, rx) = oneshot::channel();
    pool(background).send(Job { input, epoch, reply }).ok()?;
    rx.await.ok()
}
