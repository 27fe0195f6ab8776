//! The process-wide key-derivation pool: one thread per core runs the slow rendezvous
//! KDF (argon2id, 16 MiB) for every node of the process. A fixed set of threads keeps both
//! CPU and memory bounded however many nodes (a test net runs hundreds) ask at once; each
//! thread reuses its 16 MiB working memory.

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

fn pool() -> &'static mpsc::Sender<Job> {
    static POOL: OnceLock<mpsc::Sender<Job>> = OnceLock::new();
    POOL.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for n in 0..std::thread::available_parallelism().map_or(2, |c| c.get()) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("chingu-kdf-{n}"))
                .spawn(move || loop {
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
