//! Group chats between real nodes on loopback: creation, messages from every member,
//! removal (the removed member reads nothing after), repair by history sync for a member
//! that was offline, and a welcome from a stranger refused. Every wait is on an event or
//! a state, with a deadline.

use std::collections::HashSet;
use std::time::Duration;

use crate::common::net::{
    befriend, found, group_changed, group_of_three, net, never, settings, wait_history, DEADLINE,
};
use chingu::config::Discoverable;
use chingu::rendezvous::{CodeSecret, Epoch, RendezvousValue};
use chingu::testnet::{TestNet, TestNetOptions};
use chingu::{Event, NodeError, NodeHandle};

/// How long a check that a message did *not* arrive waits after it reached the others.
const QUIET_WINDOW: Duration = Duration::from_secs(5);

/// Copies a directory tree (a stopped node's database).
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

fn unique_ids(history: &[chingu::node::MessageView]) -> usize {
    history.iter().map(|m| m.id.clone()).collect::<HashSet<_>>().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_talks_and_a_removed_member_reads_nothing_after() {
    let (mut net, group) = group_of_three("친구들").await;
    let (alice, bob, carol) = (
        net.nodes[0].node().clone(),
        net.nodes[1].node().clone(),
        net.nodes[2].node().clone(),
    );
    let mut bob_events = bob.events();
    assert_eq!((group.members, group.epoch, group.is_admin), (3, 0, true));
    let id = group.group_id.clone();
    assert_eq!(bob.groups().await.unwrap()[0].group_id, id);
    assert_eq!(carol.groups().await.unwrap()[0].group_id, id);

    // Everyone talks at once, before all sender keys may have arrived: early messages
    // wait in the pending buffer or are repaired by history sync.
    for i in 0..10 {
        alice.group_send(&id, &format!("alice {i}")).await.unwrap();
    }
    for i in 0..5 {
        bob.group_send(&id, &format!("bob {i}")).await.unwrap();
        carol.group_send(&id, &format!("carol {i}")).await.unwrap();
    }
    for node in [&alice, &bob, &carol] {
        let history = wait_history(node, &id, 20).await;
        assert_eq!(history.len(), 20, "every message exactly once");
        assert_eq!(unique_ids(&history), 20);
    }
    // Bob and Carol are not each other's contacts; they learned each other from the log.
    let members = bob.group_members(&id).await.unwrap();
    assert_eq!(members.len(), 3);
    assert_eq!(members.iter().filter(|m| m.admin).count(), 1);

    // Carol keeps a copy of everything she holds before her removal: her keys, her
    // sender-key rings, her view of the group.
    let keys_kept = tempfile::tempdir().unwrap();
    net.stop_node(2).await.unwrap();
    copy_dir(&net.nodes[2].home.db_path(), keys_kept.path());
    net.restart_node(2).await.unwrap();
    let carol = net.nodes[2].node().clone();
    let mut carol_events = carol.events();

    // Carol is removed: a new epoch that she cannot read.
    let carol_phone = net.nodes[2].phone.to_string();
    let after = alice.group_remove(&id, &carol_phone).await.unwrap();
    assert_eq!((after.members, after.epoch), (2, 1));
    let removed = group_changed(&mut carol_events, "removed").await;
    assert!(!removed.active);
    // The commit that removed her carried no share of the new epoch's secret (a share
    // would be refused and counted as `share_after_removal`).
    let rejected = carol.status().await.unwrap().rejected;
    assert_eq!(rejected.get("group.share_after_removal"), None, "{rejected:?}");
    match carol.group_send(&id, "still here?").await {
        Err(e) if e.reason() == Some("group_closed") => assert!(e.to_string().contains("no longer"), "{e}"),
        other => panic!("a removed member cannot send: {other:?}"),
    }
    tokio::time::timeout(DEADLINE, async {
        loop {
            let groups = bob.groups().await.unwrap();
            if groups.iter().any(|g| g.group_id == id && g.epoch == 1) {
                return;
            }
            let _ = tokio::time::timeout(Duration::from_secs(1), futures::StreamExt::next(&mut bob_events)).await;
        }
    })
    .await
    .expect("bob reaches epoch 1");
    // A removed member who keeps listening and keeps her keys: Carol's node runs again
    // from the copy made before her removal, so it still believes itself a member,
    // listens on the old epoch's topic and holds every key it had.
    net.stop_node(2).await.unwrap();
    let db = net.nodes[2].home.db_path();
    std::fs::remove_dir_all(&db).unwrap();
    copy_dir(keys_kept.path(), &db);
    net.restart_node(2).await.unwrap();
    let listener = net.nodes[2].node().clone();
    assert!(
        listener
            .groups()
            .await
            .unwrap()
            .iter()
            .any(|g| g.group_id == id && g.active && g.epoch == 0),
        "the kept state is from before the removal"
    );
    let mut listener_events = listener.events();
    alice.group_send(&id, "after carol left").await.unwrap();
    bob.group_send(&id, "bob, after carol left").await.unwrap();
    let history = wait_history(&bob, &id, 22).await;
    assert!(history.iter().any(|m| m.text == "after carol left"));
    // She decrypts nothing sent after, however long she listens.
    never(
        &mut listener_events,
        QUIET_WINDOW,
        "the removed member read a later message",
        |e| matches!(e, Event::MessageReceived { message } if message.text.contains("after carol left")),
    )
    .await;
    let carol_history = listener.group_history(&id, 1000, None).await.unwrap();
    assert!(
        carol_history.iter().all(|m| !m.text.contains("after carol left")),
        "the removed member reads nothing sent after"
    );
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_back_from_offline_gets_what_it_missed_by_history_sync() {
    // Carol stays: what Alice sends while Bob is away goes out to her at once, so Bob
    // can only get it from someone's history (a lone member's messages would wait for
    // him and go out when he subscribes again).
    let mut net = net(3, false).await;
    befriend(&net, 0, 1).await;
    befriend(&net, 0, 2).await;
    let alice = net.nodes[0].node().clone();
    let mut bob_events = net.nodes[1].node().events();
    let mut carol_events = net.nodes[2].node().events();
    let group = alice.group_create("study", &["n1", "n2"], None).await.unwrap();
    group_changed(&mut bob_events, "joined").await;
    group_changed(&mut carol_events, "joined").await;
    alice.group_send(&group.group_id, "before").await.unwrap();
    wait_history(net.nodes[1].node(), &group.group_id, 1).await;
    wait_history(net.nodes[2].node(), &group.group_id, 1).await;

    net.stop_node(1).await.unwrap();
    for i in 0..5 {
        alice
            .group_send(&group.group_id, &format!("while away {i}"))
            .await
            .unwrap();
    }
    net.restart_node(1).await.unwrap();
    let bob = net.nodes[1].node().clone();
    let history = wait_history(&bob, &group.group_id, 6).await;
    assert_eq!(history.len(), 6);
    assert_eq!(unique_ids(&history), 6);
    assert!(
        bob.status().await.unwrap().groups.repaired >= 5,
        "fetched by history sync"
    );
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_welcome_from_a_stranger_is_refused_and_counted() {
    // Bob can be found by anyone who knows his number.
    let mut net = TestNet::start(TestNetOptions::new(0), |_| {}).await.unwrap();
    net.add_node_with(settings(false)).await.unwrap();
    let mut public = settings(false);
    public.discovery.discoverable = Discoverable::Everyone;
    net.add_node_with(public).await.unwrap();
    net.wait_ready(DEADLINE, |_| {}).await;
    net.wait_joined(DEADLINE).await;
    let (stranger, bob) = (net.nodes[0].node().clone(), net.nodes[1].node().clone());
    // Only the stranger has Bob in its address book.
    stranger
        .add_contact(&net.nodes[1].phone.to_string(), "bob")
        .await
        .unwrap();
    found(&stranger, "bob", 0).await;
    stranger.group_create("spam", &["bob"], None).await.unwrap();
    tokio::time::timeout(DEADLINE, async {
        let mut events = bob.events();
        loop {
            let status = bob.status().await.unwrap();
            if status.rejected.get("group.welcome_from_stranger").copied().unwrap_or(0) > 0 {
                return;
            }
            let _ = tokio::time::timeout(Duration::from_secs(1), futures::StreamExt::next(&mut events)).await;
        }
    })
    .await
    .expect("the welcome is refused and counted");
    assert!(bob.groups().await.unwrap().is_empty(), "bob joined nothing");
    assert!(bob.status().await.is_ok(), "bob's node keeps running");
    net.shutdown().await;
}

/// A meetup's code is handed out only once its entry is stored in the DHT (a joiner told
/// the code at once then finds it): a node no DHT node takes the entry from gets
/// `dht_failed`, and the meetup it began is closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meetup_whose_code_nobody_could_find_is_not_handed_out() {
    let net = net(1, false).await;
    let alone = net.nodes[0].node().clone();
    match alone.meetup_create("혼자 번개", 3600).await {
        Err(NodeError::Dht { op: "put", .. }) => {}
        other => panic!("a code nobody could find is refused: {other:?}"),
    }
    let groups = alone.groups().await.unwrap();
    assert!(
        matches!(groups.as_slice(), [g] if g.kind == "meetup" && g.closed),
        "the meetup begun is closed: {groups:?}"
    );
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_join_a_flash_meetup_by_code_until_it_expires() {
    let net = net(4, false).await;
    let nodes: Vec<NodeHandle> = net.nodes.iter().map(|n| n.node().clone()).collect();
    let mut creator_events = nodes[0].events();
    let meetup = nodes[0].meetup_create("번개 치킨", 3600).await.unwrap();
    assert_eq!(meetup.code.len(), 11, "XXXXX-XXXXX");
    assert!(meetup.link.starts_with("chingu://meetup/"));

    // Nobody is anybody's contact: the code is all they have (typed loosely).
    let typed = meetup.code.to_lowercase().replace('-', " ");
    let joined = nodes[1].meetup_join(&typed).await.unwrap();
    assert_eq!(joined.group_id, meetup.group_id);
    assert_eq!(joined.kind, "meetup");
    nodes[2].meetup_join(&meetup.link).await.unwrap();

    nodes[1].group_send(&meetup.group_id, "치킨 먹을 사람?").await.unwrap();
    for node in [&nodes[0], &nodes[2]] {
        let history = wait_history(node, &meetup.group_id, 1).await;
        assert_eq!(history[0].text, "치킨 먹을 사람?");
        assert_eq!(
            (history[0].sender_name.as_str(), history[0].sender.as_str()),
            ("node 1", ""),
            "shown by name, never by number"
        );
    }

    // Meetup members share no number: strangers see each other by name and a short
    // fingerprint, the same on every node; no node filed anyone under a number.
    let mut fingerprints = Vec::new();
    for (index, node) in nodes[..3].iter().enumerate() {
        let members = node.group_members(&meetup.group_id).await.unwrap();
        assert_eq!(members.len(), 3);
        for m in &members {
            assert_eq!(m.fingerprint.len(), 11, "{m:?}");
            if m.me {
                assert_eq!(m.phone, net.nodes[index].phone.to_string());
            } else {
                assert!(m.phone.is_empty(), "a stranger's number is shown: {m:?}");
            }
        }
        let mut seen: Vec<(String, String)> = members.into_iter().map(|m| (m.peer_id, m.fingerprint)).collect();
        seen.sort();
        fingerprints.push(seen);
        assert!(node.contacts().await.unwrap().is_empty(), "nobody became a contact");
    }
    assert!(fingerprints.windows(2).all(|w| w[0] == w[1]), "{fingerprints:?}");

    // A mistyped code finds nothing; a malformed one is refused at once.
    let mut wrong = meetup.code.clone();
    let last = if wrong.ends_with('0') { "1" } else { "0" };
    wrong.replace_range(10..11, last);
    match nodes[3].meetup_join(&wrong).await {
        Err(e) if e.reason() == Some("no_such_meetup") => assert!(e.to_string().contains("no meetup"), "{e}"),
        other => panic!("a mistyped code finds nothing: {other:?}"),
    }
    assert!(
        nodes[3].meetup_join("not a code!").await.unwrap_err().reason() == Some("bad_meetup_code"),
        "a malformed code is invalid input"
    );

    // One member asks for its history to go when the meetup ends (`--forget`).
    nodes[2].meetup_forget_at_end(&meetup.group_id).await.unwrap();
    let mut forgetful_events = nodes[2].events();

    // Closed early by its creator: members forget its keys; the code admits nobody.
    nodes[0].group_close(&meetup.group_id).await.unwrap();
    group_changed(&mut creator_events, "expired").await;
    group_changed(&mut forgetful_events, "expired").await;
    let forgotten = nodes[2].group_history(&meetup.group_id, 10, None).await.unwrap();
    assert!(forgotten.is_empty(), "--forget deletes the history: {forgotten:?}");
    let conversations = nodes[2].conversations().await.unwrap();
    assert!(
        conversations.iter().all(|c| c.title != "번개 치킨"),
        "and the conversation: {conversations:?}"
    );
    match nodes[3].meetup_join(&meetup.code).await {
        // The creator forgot the code's key with the meetup, or refuses the join.
        Err(e) if e.reason() == Some("no_such_meetup") => {}
        Err(e) if e.reason() == Some("meetup_refused") => assert!(e.to_string().contains("refused"), "{e}"),
        other => panic!("a closed meetup admits nobody: {other:?}"),
    }
    assert_eq!(
        nodes[0]
            .group_send(&meetup.group_id, "late")
            .await
            .unwrap_err()
            .reason(),
        Some("group_closed")
    );
    let history = nodes[0].group_history(&meetup.group_id, 10, None).await.unwrap();
    assert_eq!(history.len(), 1, "the history stays");

    // A meetup that ends without a message, forgotten by its creator: no row is left.
    let quiet = nodes[0].meetup_create("조용한 번개", 3600).await.unwrap();
    nodes[0].meetup_forget_at_end(&quiet.group_id).await.unwrap();
    nodes[0].group_close(&quiet.group_id).await.unwrap();
    group_changed(&mut creator_events, "expired").await;
    let conversations = nodes[0].conversations().await.unwrap();
    assert!(
        conversations.iter().all(|c| c.title != "조용한 번개"),
        "an empty forgotten meetup leaves no conversation: {conversations:?}"
    );
    net.shutdown().await;
}

/// The port of the TCP address `addr`.
fn tcp_port(addr: &libp2p::Multiaddr) -> u16 {
    addr.iter()
        .find_map(|p| match p {
            libp2p::multiaddr::Protocol::Tcp(port) => Some(port),
            _ => None,
        })
        .expect("a TCP address")
}

/// The TCP ports a meetup code's newest entry lists, as `reader` finds it in the DHT.
async fn code_entry_ports(reader: &NodeHandle, code: &str) -> Vec<u16> {
    let code = chingu::group::MeetupCode::parse(code).unwrap();
    let now = chingu::model::now_ms() / 1000;
    let mut newest: Option<chingu::rendezvous::Candidate> = None;
    for epoch in Epoch::to_look_up(now) {
        let keys = CodeSecret::derive(code.as_bytes(), epoch).keys();
        for value in reader.dht_get(keys.dht_key.to_vec(), 1).await.unwrap_or_default() {
            let Ok(value) = RendezvousValue::decode(&value) else {
                continue;
            };
            for entry in value.entries.iter() {
                if let Ok(found) = chingu::rendezvous::open_entry(entry, &keys, now) {
                    if newest.as_ref().is_none_or(|n| n.seq < found.seq) {
                        newest = Some(found);
                    }
                }
            }
        }
    }
    let addrs = newest
        .map(|c| c.body.addrs.iter().cloned().collect::<Vec<_>>())
        .unwrap_or_default();
    addrs
        .iter()
        .filter_map(|a| libp2p::Multiaddr::try_from(a.as_ref().to_vec()).ok())
        .filter(|a| a.iter().any(|p| matches!(p, libp2p::multiaddr::Protocol::Tcp(_))))
        .map(|a| tcp_port(&a))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meetup_code_leads_to_where_its_creator_listens_after_it_moved() {
    let mut net = net(3, false).await;
    let meetup = net.nodes[0].node().meetup_create("이사 간 번개", 3600).await.unwrap();
    let reader = net.nodes[1].node().clone();
    let before = tcp_port(&net.nodes[0].addr);
    assert!(code_entry_ports(&reader, &meetup.code).await.contains(&before));

    // The creator comes back on another port: the code's entry is published again with
    // the address it has now (as when a relay reservation or a NAT mapping changes).
    net.stop_node(0).await.unwrap();
    net.restart_node(0).await.unwrap();
    let after = tcp_port(&net.nodes[0].addr);
    assert_ne!(before, after, "a restarted node listens on a new port");
    tokio::time::timeout(DEADLINE, async {
        let mut changes = net.nodes[0].node().events();
        while !code_entry_ports(&reader, &meetup.code).await.contains(&after) {
            // Wake on the creator's next event (a record published) or every second.
            let _ = tokio::time::timeout(Duration::from_secs(1), futures::StreamExt::next(&mut changes)).await;
        }
    })
    .await
    .expect("the code's entry lists the creator's new address");
    let joined = net.nodes[2].node().meetup_join(&meetup.code).await.unwrap();
    assert_eq!(joined.group_id, meetup.group_id);
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_waits_for_join_or_decline_when_auto_join_is_off() {
    let mut net = TestNet::start(TestNetOptions::new(0), |_| {}).await.unwrap();
    net.add_node_with(settings(false)).await.unwrap();
    let mut asks = settings(false);
    asks.groups.auto_join = false;
    net.add_node_with(asks).await.unwrap();
    net.add_node_with(settings(false)).await.unwrap();
    net.wait_ready(DEADLINE, |_| {}).await;
    net.wait_joined(DEADLINE).await;
    befriend(&net, 0, 1).await;
    befriend(&net, 0, 2).await;
    let (alice, carol) = (net.nodes[0].node().clone(), net.nodes[2].node().clone());
    let mut bob_events = net.nodes[1].node().events();
    let mut carol_events = carol.events();

    let group = alice.group_create("picnic", &["n1", "n2"], None).await.unwrap();
    group_changed(&mut carol_events, "joined").await;
    let invited = group_changed(&mut bob_events, "invited").await;
    assert_eq!((invited.name.as_str(), invited.active), ("picnic", false));
    let bob = net.nodes[1].node().clone();
    assert!(bob.groups().await.unwrap().is_empty(), "not a member before joining");
    carol.group_send(&group.group_id, "before bob answers").await.unwrap();

    // The invitation survives a restart.
    net.stop_node(1).await.unwrap();
    net.restart_node(1).await.unwrap();
    let bob = net.nodes[1].node().clone();
    let invitations = bob.group_invitations().await.unwrap();
    assert_eq!(invitations.len(), 1);
    assert_eq!(invitations[0].group.group_id, group.group_id);
    assert_eq!(invitations[0].from, net.nodes[0].phone.to_string());
    assert_eq!(
        bob.group_join("no such group").await.unwrap_err().reason(),
        Some("no_such_invitation")
    );

    match alice.meetup_forget_at_end("picnic").await {
        Err(e) if e.reason() == Some("not_a_meetup") => assert!(e.to_string().contains("only a meetup"), "{e}"),
        other => panic!("only a meetup's history is forgotten at its end: {other:?}"),
    }
    let joined = bob.group_join("picnic").await.unwrap();
    assert!(joined.active);
    assert!(bob.group_invitations().await.unwrap().is_empty());
    carol.group_send(&group.group_id, "after bob joined").await.unwrap();
    let history = wait_history(&bob, &group.group_id, 2).await;
    assert!(history.iter().any(|m| m.text == "after bob joined"));
    bob.group_send(&group.group_id, "hello from bob").await.unwrap();
    let history = wait_history(&alice, &group.group_id, 3).await;
    assert!(history.iter().any(|m| m.text == "hello from bob"));

    // A second invitation, declined: forgotten, and the group stays unknown.
    let mut bob_events = bob.events();
    alice.group_create("chores", &["n1"], None).await.unwrap();
    group_changed(&mut bob_events, "invited").await;
    let declined = bob.group_decline("chores").await.unwrap();
    assert_eq!(declined.name, "chores");
    assert!(bob.group_invitations().await.unwrap().is_empty());
    let names: Vec<String> = bob.groups().await.unwrap().into_iter().map(|g| g.name).collect();
    assert_eq!(names, ["picnic"]);
    net.shutdown().await;
}
