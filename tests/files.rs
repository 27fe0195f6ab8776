//! Photos and files between real nodes on loopback (SPEC.md §6.11): a file sent to a
//! friend arrives verified and saves to its plaintext; a big one waits for `save` and
//! resumes where it was cut when its holder goes away and comes back; a group's members
//! fetch from each other; a holder that sends data failing verification is refused and
//! penalised. Every wait is on an event, with a deadline.

use crate::common;
use std::path::Path;

use crate::common::net::{befriend, net, settings, wait_event, DEADLINE};
use chingu::Event;

/// Writes `len` bytes of varied content to `path`.
fn write_sample(path: &Path, len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let bytes: Vec<u8> = (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    std::fs::write(path, &bytes).unwrap();
    bytes
}

/// Two friends whose nodes fetch nothing unasked and upload at most `upload_rate` bytes
/// per second (0: no limit).
async fn two_friends(upload_rate: u64) -> chingu::testnet::TestNet {
    let mut net = chingu::testnet::TestNet::start(chingu::testnet::TestNetOptions::new(0), |_| {})
        .await
        .unwrap();
    let mut config = settings(false);
    config.files.auto_fetch_bytes = 0;
    config.files.upload_bytes_per_second = upload_rate;
    for _ in 0..2 {
        net.add_node_with(config.clone()).await.unwrap();
    }
    net.wait_ready(DEADLINE, |_| {}).await;
    net.wait_joined(DEADLINE).await;
    befriend(&net, 0, 1).await;
    net
}

/// Waits until the file `id` is ready.
async fn ready(events: &mut chingu::node::EventStream, id: &str) {
    wait_event(events, |e| match e {
        Event::FileReady { id: ready, .. } if ready == id => Some(()),
        _ => None,
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_sent_to_a_friend_arrives_verified_and_saves_to_its_plaintext() {
    let net = net(2, false).await;
    befriend(&net, 0, 1).await;
    let (alice, bob) = (net.nodes[0].node().clone(), net.nodes[1].node().clone());
    let mut bob_events = bob.events();
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("서울 야경.jpg");
    let plain = write_sample(&photo, 3 << 20);

    let sent = alice.send_file("n1", &photo).await.unwrap();
    assert_eq!(sent.kind, "file");
    let file = sent.file.clone().unwrap();
    assert_eq!(
        (file.name.as_str(), file.size, file.mime.as_str()),
        ("서울 야경.jpg", 3 << 20, "image/jpeg")
    );

    // Small enough to be fetched as soon as the message arrives.
    let arrived = wait_event(&mut bob_events, |e| match e {
        Event::MessageReceived { message } if message.kind == "file" => Some(message.clone()),
        _ => None,
    })
    .await;
    assert_eq!(arrived.file.as_ref().unwrap().id, file.id);
    ready(&mut bob_events, &file.id).await;
    let listed = bob.files().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0].state.as_str(), listed[0].received), ("here", 3 << 20));

    // Saved into a directory: under the sender's name for it.
    let out = tempfile::tempdir().unwrap();
    let saved = bob.save_file(&file.id[..10], out.path()).await.unwrap();
    assert_eq!(Path::new(&saved.path), out.path().join("서울 야경.jpg"));
    assert_eq!(std::fs::read(&saved.path).unwrap(), plain);
    // By the message's id too.
    let again = out.path().join("again.jpg");
    bob.save_file(&arrived.id, &again).await.unwrap();
    assert_eq!(std::fs::read(&again).unwrap(), plain);

    // What travelled and what the holder keeps is ciphertext.
    let status = bob.status().await.unwrap();
    assert_eq!(status.files.received, 1);
    assert_eq!(status.files.downloaded_bytes, 3 << 20);
    let kept = net.nodes[0].home.dir().join("files").join(format!("{}.data", file.id));
    assert_ne!(std::fs::read(kept).unwrap(), plain);
    assert!(alice.status().await.unwrap().files.uploaded_bytes > 3 << 20);

    // Someone else's id, a bad id and a missing source are refused with a reason.
    for bad in ["0123456789abcdef", "xyz"] {
        let error = bob.save_file(bad, out.path()).await.unwrap_err();
        assert!(error.to_string().contains("no file"), "{error}");
    }
    let error = alice.send_file("n1", dir.path().join("missing.png")).await.unwrap_err();
    assert!(error.to_string().contains("No such file"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_file_waits_for_save_and_resumes_where_it_was_cut() {
    // Nothing is fetched unasked, and uploads are slow enough to be cut halfway.
    let mut net = two_friends(8 << 20).await;
    let (alice, bob) = (net.nodes[0].node().clone(), net.nodes[1].node().clone());
    let mut bob_events = bob.events();
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("trip.mp4");
    let size = 24usize << 20;
    let plain = write_sample(&video, size);
    let file = alice.send_file("n1", &video).await.unwrap().file.unwrap();
    wait_event(&mut bob_events, |e| {
        matches!(e, Event::MessageReceived { .. }).then_some(())
    })
    .await;
    assert_eq!(bob.files().await.unwrap()[0].state, "not_fetched");

    let out = dir.path().join("saved.mp4");
    let save = tokio::spawn({
        let (bob, id, out) = (bob.clone(), file.id.clone(), out.clone());
        async move { bob.save_file(&id, &out).await }
    });
    // Part of it arrives; then its only holder goes away.
    wait_event(&mut bob_events, |e| match e {
        Event::FileProgress { received, .. } if *received >= 4 << 20 => Some(()),
        _ => None,
    })
    .await;
    net.stop_node(0).await.unwrap();
    let cut_at = tokio::time::timeout(DEADLINE, async {
        loop {
            let received = bob.status().await.unwrap().files.downloaded_bytes;
            if received > 0 {
                return received;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the cut fetch reports what it kept");
    assert!(cut_at < size as u64, "{cut_at}");
    net.restart_node(0).await.unwrap();

    let saved = tokio::time::timeout(DEADLINE * 2, save)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(std::fs::read(&saved.path).unwrap(), plain);
    // Resumed, not restarted: what had arrived was not sent again.
    let total = bob.status().await.unwrap().files.downloaded_bytes;
    assert!(total <= size as u64 + 16 * 1024, "{total} bytes received for {size}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_s_members_fetch_a_photo_from_each_other() {
    let members = 5;
    let net = net(members + 1, false).await;
    for i in 1..=members {
        befriend(&net, 0, i).await;
    }
    let mut events: Vec<_> = (1..=members).map(|i| net.nodes[i].node().events()).collect();
    let names: Vec<String> = (1..=members).map(|i| format!("n{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let alice = net.nodes[0].node().clone();
    let group = alice.group_create("사진방", &names, None).await.unwrap();
    for e in events.iter_mut() {
        common::net::group_changed(e, "joined").await;
    }
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("단체사진.png");
    let size = 2usize << 20;
    let plain = write_sample(&photo, size);
    let file = alice.send_file(&group.group_id, &photo).await.unwrap().file.unwrap();
    for e in events.iter_mut() {
        ready(e, &file.id).await;
    }
    for i in 1..=members {
        let node = net.nodes[i].node();
        let out = dir.path().join(format!("from-{i}.png"));
        node.save_file(&file.id, &out).await.unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), plain);
    }
    // The sender served about two copies; the members served the rest to each other.
    let uploaded = alice.status().await.unwrap().files.uploaded_bytes;
    assert!(
        uploaded <= 3 * size as u64,
        "the sender uploaded {uploaded} bytes of a {size} byte file"
    );
    let mut by_members = 0;
    for i in 1..=members {
        by_members += net.nodes[i].node().status().await.unwrap().files.uploaded_bytes;
    }
    assert!(by_members >= size as u64, "members uploaded {by_members}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_sending_data_that_fails_verification_is_refused_and_penalised() {
    let mut net = two_friends(0).await;
    let (alice, bob) = (net.nodes[0].node().clone(), net.nodes[1].node().clone());
    let mut bob_events = bob.events();
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("photo.jpg");
    write_sample(&photo, 1 << 20);
    let file = alice.send_file("n1", &photo).await.unwrap().file.unwrap();
    wait_event(&mut bob_events, |e| {
        matches!(e, Event::MessageReceived { .. }).then_some(())
    })
    .await;

    // Alice's node goes away; something with her keys takes her address and serves junk.
    let identity = net.nodes[0].home.load_identity().unwrap();
    let addr: libp2p::Multiaddr = net.nodes[0]
        .addr
        .iter()
        .filter(|p| !matches!(p, libp2p::multiaddr::Protocol::P2p(_)))
        .collect();
    net.stop_node(0).await.unwrap();
    common::rogue::corrupt_file_holder(identity.keypair(), addr).await;

    let save = tokio::spawn({
        let (bob, id, out) = (bob.clone(), file.id.clone(), dir.path().join("out.jpg"));
        async move { bob.save_file(&id, &out).await }
    });
    wait_event(&mut bob_events, |e| match e {
        Event::Rejected { protocol, reason, .. } if protocol == "files" && reason == "corrupt_data" => Some(()),
        _ => None,
    })
    .await;
    let status = bob.status().await.unwrap();
    assert_eq!(status.files.corrupt, 1);
    assert_eq!(status.files.received, 0);
    assert_eq!(status.rejected.get("files.corrupt_data"), Some(&1));
    // Nothing of the junk is kept, and the node carries on.
    let listed = bob.files().await.unwrap();
    assert_eq!((listed[0].state.as_str(), listed[0].received), ("fetching", 0));
    assert!(!save.is_finished());
    save.abort();
    bob.send("n0", "still here").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_loses_its_gps_position_and_arrives_with_a_preview() {
    use img_parts::ImageEXIF;
    let net = net(2, false).await;
    befriend(&net, 0, 1).await;
    let (alice, bob) = (net.nodes[0].node().clone(), net.nodes[1].node().clone());
    let mut bob_events = bob.events();
    let dir = tempfile::tempdir().unwrap();
    // A camera photo: pixels, and an EXIF segment saying where it was taken.
    let pixels = image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([(x / 3) as u8, (y / 2) as u8, 128]));
    let mut plain = Vec::new();
    pixels
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 85))
        .unwrap();
    let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(plain.into()).unwrap();
    jpeg.set_exif(Some(b"II*\0\x08\0\0\0GPS 37.5665N 126.9780E".to_vec().into()));
    let photo = dir.path().join("camera.jpg");
    std::fs::write(&photo, jpeg.encoder().bytes()).unwrap();

    let sent = alice.send_file("n1", &photo).await.unwrap().file.unwrap();
    assert!(sent.preview.is_some());
    let arrived = wait_event(&mut bob_events, |e| match e {
        Event::MessageReceived { message } if message.kind == "file" => Some(message.clone()),
        _ => None,
    })
    .await;
    let preview = arrived
        .file
        .as_ref()
        .unwrap()
        .preview
        .clone()
        .expect("a preview travels with the message");
    let preview = data_encoding::BASE64.decode(preview.as_bytes()).unwrap();
    let small = image::load_from_memory(&preview).unwrap();
    assert_eq!((small.width(), small.height()), (96, 72));
    ready(&mut bob_events, &sent.id).await;
    let out = dir.path().join("saved.jpg");
    bob.save_file(&sent.id, &out).await.unwrap();
    let saved = std::fs::read(&out).unwrap();
    assert!(!saved.windows(3).any(|w| w == b"GPS"), "the position did not travel");
    let decoded = image::load_from_memory(&saved).unwrap().into_rgb8();
    let original = image::load_from_memory(&std::fs::read(&photo).unwrap())
        .unwrap()
        .into_rgb8();
    assert_eq!(decoded, original, "the pixels did");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_file_reaches_an_offline_friend_through_a_mailbox() {
    let mut net = net(2, true).await;
    let (alice_i, bob_i) = (1, 2);
    befriend(&net, alice_i, bob_i).await;
    let alice = net.nodes[alice_i].node().clone();
    common::net::found(&alice, "n2", 1).await;
    net.stop_node(bob_i).await.unwrap();

    // Bob is away when Alice sends; then Alice goes away too.
    let dir = tempfile::tempdir().unwrap();
    let note = dir.path().join("메모.txt");
    let plain = write_sample(&note, 200_000);
    let mut alice_events = alice.events();
    let sent = alice.send_file("n2", &note).await.unwrap();
    common::net::wait_states(
        &mut alice_events,
        std::slice::from_ref(&sent.id),
        chingu::model::MessageState::Sent,
    )
    .await;
    // The message and the file's five parts wait on the mailbox.
    let mailbox = net.nodes[0].node().clone();
    tokio::time::timeout(DEADLINE, async {
        while mailbox.status().await.unwrap().mailbox.unwrap().items < 1 + 5 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the parts are deposited");
    net.stop_node(alice_i).await.unwrap();

    net.restart_node(bob_i).await.unwrap();
    let bob = net.nodes[bob_i].node().clone();
    let id = sent.file.unwrap().id;
    tokio::time::timeout(DEADLINE, async {
        loop {
            if bob.files().await.unwrap().first().is_some_and(|f| f.state == "here") {
                return;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the file arrives with its message, with its sender away");
    let out = dir.path().join("out.txt");
    bob.save_file(&id, &out).await.unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), plain);
}
