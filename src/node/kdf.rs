//! The process-wide key-derivation pool: one thread per core runs the slow rendezvous
//! KDF (argon2id, 16 MiB) for every node of the process. A fixed set of threads keeps both
//! CPU and memory bounded however many nodes (a test net runs hundreds) ask at once; each
//! thread reuses its 16 MiB working memory.
//!
//! The threads run at the lowest scheduling priority (nice 19): derivations use every
//! idle cycle, but a node's event loop — delivering messages — always runs first, so an
//! address-book import never starves conversations.

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

/// Scheduling niceness of the pool's threads (the lowest priority).
const KDF_NICENESS: i32 = 19;

/// Threads in the pool: one per core.
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
        let result = unsafe { libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, KDF_NICENESS) };
        if result != 0 {
            tracing::debug!(error = %std::io::Error::last_os_error(), "cannot lower the KDF threads' priority");
        }
    }
}

fn pool() -> &'static mpsc::Sender<Job> {
    static POOL: OnceLock<mpsc::Sender<Job>> = OnceLock::new();
    POOL.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for n in 0..threads() {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("chingu-kdf-{n}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        let job = match rx.lock() {
                            Ok(rx) => match rx.recv() {
                                Ok(job) => job,
                                Err(_) => return,
                            },
                            Err(_) => return,
                        };
                        let started = Instant::now();
                        let keys = RendezvousKeys::from_secret(&derive_secret(&job.input, job.epoch, KdfParams::V1));
                        let _ = job.reply.send((keys, started.elapsed().as_secs_f64() * 1000.0));
                    }
                })
                .expect("the KDF threads start");
        }
        tx
    })
}

/// Derives the rendezvous keys of `input` in `epoch` on the pool; resolves to the keys
/// and the milliseconds the derivation itself took (`None` if the pool is gone).
pub(crate) async fn derive(input: Vec<u8>, epoch: Epoch) -> Option<(RendezvousKeys, f64)> {
    let (reply, rx) = oneshot::channel();
    pool().send(Job { input, epoch, reply }).ok()?;
    rx.await.ok()
}
