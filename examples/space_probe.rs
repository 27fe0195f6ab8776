use rand::{Rng, SeedableRng};
use std::path::Path;

fn dir_bytes(dir: &Path) -> u64 {
    let mut t = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let m = e.metadata().unwrap();
        t += if m.is_dir() { dir_bytes(&e.path()) } else { m.len() };
    }
    t
}

fn run(name: &str, n: usize, seg: usize, compact: bool, fixed: bool, flush_every: usize, zstd: bool) {
    let dir = tempfile::tempdir().unwrap();
    let db = sled::Config::new().path(dir.path()).cache_capacity(16 << 20).segment_size(seg).flush_every_ms(None).use_compression(zstd).compression_factor(std::env::var("ZL").map(|v| v.parse().unwrap()).unwrap_or(3)).open().unwrap();
    let t = db.open_tree("history").unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut text_bytes = 0u64;
    let mut hlc = vec![1u64 << 40; 100];
    for i in 0..n {
        let c = rng.gen_range(0..100usize);
        hlc[c] += 1;
        let len = if fixed { 100 } else { rng.gen_range(10..=200) };
        let text: String = (0..len).map(|_| rng.gen_range(b'a'..=b'z') as char).collect();
        text_bytes += len as u64;
        let id = uuid::Uuid::now_v7().into_bytes();
        let mut conv = [0u8; 16];
        conv[0] = c as u8;
        let mut key = vec![b'm'];
        key.extend_from_slice(&conv);
        key.extend_from_slice(&hlc[c].to_be_bytes());
        key.extend_from_slice(&id);
        let value: Vec<u8> = if compact {
            let mut v = vec![1u8, 3];
            v.extend_from_slice(&(1_700_000_000_000u64 + i as u64).to_be_bytes()[2..]);
            v.extend_from_slice(&[0, 0]);
            v.extend_from_slice(&(len as u16).to_be_bytes());
            v.extend_from_slice(text.as_bytes());
            v
        } else {
            let m = chingu::model::StoredMessage {
                id: chingu::model::MsgId(id),
                conv: chingu::model::ConvId(conv),
                hlc: hlc[c],
                direction: chingu::model::Direction::Incoming,
                sender: "+821012345678".parse().unwrap(),
                body: chingu::model::Body::Text { text: text.clone() },
                state: chingu::model::MessageState::Seen,
                sent_ms: 1_700_000_000_000,
                stored_ms: 1_700_000_000_000,
            };
            chingu::wire::to_cbor(&m)
        };
        t.insert(key, value).unwrap();
        let mut ik = vec![b'i'];
        ik.extend_from_slice(&id);
        let mut iv = conv.to_vec();
        iv.extend_from_slice(&hlc[c].to_be_bytes());
        t.insert(ik, iv).unwrap();
        if (i + 1) % flush_every == 0 {
            db.flush().unwrap();
        }
    }
    db.flush().unwrap();
    let sled_size = db.size_on_disk().unwrap();
    drop(t);
    drop(db);
    let t = std::time::Instant::now();
    let db = sled::Config::new().path(dir.path()).cache_capacity(16 << 20).segment_size(seg).flush_every_ms(None).use_compression(zstd).compression_factor(1).open().unwrap();
    let first = t.elapsed();
    drop(db);
    let t = std::time::Instant::now();
    let db = sled::Config::new().path(dir.path()).cache_capacity(16 << 20).segment_size(seg).flush_every_ms(None).use_compression(zstd).compression_factor(1).open().unwrap();
    let second = t.elapsed();
    drop(db);
    println!("reopen {first:?} then {second:?}");
    let bytes = dir_bytes(dir.path());
    let blobs = std::fs::read_dir(dir.path().join("blobs")).map(|d| d.count()).unwrap_or(0);
    println!("{name:40} n={n} seg={}K compact={compact}: {bytes} B ({:.1} B/msg), {:.2}x text, sled {sled_size}, blobs {blobs}", seg >> 10, bytes as f64 / n as f64, bytes as f64 / text_bytes as f64);
}

fn main() {
    let n: usize = std::env::args().nth(1).map(|a| a.parse().unwrap()).unwrap_or(30000);
    for (name, seg, compact, fixed, zstd) in [
        ("baseline 64K", 64 << 10, false, false, false),
        ("compact 512K", 512 << 10, true, false, false),
        ("compact 512K zstd", 512 << 10, true, false, true),
    ] {
        run(name, n, seg, compact, fixed, 1000, zstd);
    }
}
