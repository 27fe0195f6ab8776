//! Finding friends by phone number on real nodes: mutual and one-sided contacts, the
//! three discoverability modes, a forged record under a victim's number, invite codes and
//! address-book import. Every wait is on an event or a finished lookup, with a deadline.

use crate::common;
use std::time::Duration;

use futures::StreamExt;

use chingu::config::{Config, Discoverable};
use chingu::testnet::{TestNet, TestNetOptions};
use chingu::{Event, NodeHandle};

const DEADLINE: Duration = Duration::from_secs(60);
/// How long a check that something is *not* found keeps looking.
const QUIET_WINDOW: Duration = Duration::from_secs(5);

fn mode(discoverable: Discoverable) -> Config {
    let mut config = Config::default();
    config.discovery.discoverable = discoverable;
    config
}

/// Waits until `node` reports that `count` of its records are in the DHT.
async fn published(node: &NodeHandle, count: u64) {
    let mut events = node.events();
    if node.status().await.unwrap().discovery.records_published >= count {
        return;
    }
    tokio::time::timeout(DEADLINE, async {
        while let Some(event) = events.next().await {
            if matches!(event, Event::RecordPublished { total } if total >= count) {
                return;
            }
        }
    })
    .await
    .expect("records published in time");
}

/// Looks `contact` up from `node` until its state is `want` (each round is a full DHT
/// lookup; a record published a moment ago may need a second round to propagate).
async fn lookup_until(node: &NodeHandle, contact: &str, want: &str) -> chingu::node::ContactView {
    tokio::time::timeout(DEADLINE, async {
        loop {
            let view = node.lookup_contact(contact).await.unwrap();
            if view.state == want {
                return view;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{contact} did not become {want}"))
}

async fn net_of(modes: &[Discoverable]) -> TestNet {
    let mut net = TestNet::start(TestNetOptions::new(0), |_| {}).await.unwrap();
    for m in modes {
        net.add_node_with(mode(*m)).await.unwrap();
    }
    net.wait_ready(DEADLINE, |_| {}).await;
    net.wait_joined(DEADLINE).await;
    net
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_contacts_find_each_other_and_one_sided_ones_stay_hidden() {
    use Discoverable::*;
    let net = net_of(&[Contacts, Contacts, Contacts, Everyone, Nobody]).await;
    let (a, b, c, d, e) = (0, 1, 2, 3, 4);
    let node = |i: usize| net.nodes[i].node().clone();
    let phone = |i: usize| net.nodes[i].phone.to_string();

    node(a).add_contact(&phone(b), "B").await.unwrap();
    node(b).add_contact(&phone(a), "A").await.unwrap();
    node(a).add_contact(&phone(c), "C").await.unwrap();
    node(a).add_contact(&phone(d), "D").await.unwrap();
    node(a).add_contact(&phone(e), "E").await.unwrap();
    // C holds A's number too, but only one-sided from C's side matters: C never added A.
    published(&node(b), 1).await;
    published(&node(d), 1).await;

    let found_b = lookup_until(&node(a), "B", "found").await;
    assert_eq!(
        found_b.peer_id.unwrap(),
        node(b).peer_id().to_string(),
        "the right identity"
    );
    let found_a = lookup_until(&node(b), &phone(a), "found").await;
    assert_eq!(found_a.peer_id.unwrap(), node(a).peer_id().to_string());
    let found_d = lookup_until(&node(a), "D", "found").await;
    assert_eq!(
        found_d.peer_id.unwrap(),
        node(d).peer_id().to_string(),
        "everyone mode: the number alone finds D"
    );
    // Hidden and `nobody` stay unfound however often A asks: lookups over a window
    // (each a full DHT lookup) while B's and D's records are found in the same net.
    for (contact, why) in [("C", "C never added A: hidden"), ("E", "nobody mode publishes nothing")] {
        let deadline = tokio::time::Instant::now() + QUIET_WINDOW;
        let mut lookups = 0;
        while tokio::time::Instant::now() < deadline || lookups < 3 {
            let view = node(a).lookup_contact(contact).await.unwrap();
            assert_eq!(view.state, "not_found", "{why}");
            assert!(view.peer_id.is_none() && view.candidates == 0, "{why}");
            lookups += 1;
        }
    }
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_record_under_a_pinned_number_is_only_an_unverified_candidate() {
    let net = net_of(&[Discoverable::Everyone, Discoverable::Everyone, Discoverable::Everyone]).await;
    let (alice, bob, mallory) = (
        net.nodes[0].node().clone(),
        net.nodes[1].node().clone(),
        net.nodes[2].node().clone(),
    );
    let bob_phone = net.nodes[1].phone.to_string();
    alice.add_contact(&bob_phone, "Bob").await.unwrap();
    published(&bob, 1).await;
    let pinned = lookup_until(&alice, "Bob", "found").await;
    assert_eq!(pinned.peer_id.clone().unwrap(), bob.peer_id().to_string());

    // Mallory knows Bob's number and publishes her own identity under it.
    let identity = net.nodes[2].home.load_identity().unwrap();
    let (key, value) = common::forge::claim(&identity, &bob_phone, Vec::new(), "Bob (real, trust me)");
    mallory.dht_put(key, value).await.unwrap();

    let mut events = alice.events();
    let after = tokio::time::timeout(DEADLINE, async {
        loop {
            let view = alice.lookup_contact("Bob").await.unwrap();
            if view.candidates > 0 {
                return view;
            }
        }
    })
    .await
    .expect("the forged identity shows up");
    assert_eq!(after.peer_id, pinned.peer_id, "the pinned key is never replaced");
    assert_eq!(after.state, "found");
    let warned = tokio::time::timeout(DEADLINE, async {
        while let Some(event) = events.next().await {
            if let Event::CandidateSeen { phone, .. } = event {
                return phone;
            }
        }
        String::new()
    })
    .await
    .unwrap();
    assert_eq!(warned, bob_phone);
    let verification = alice.verify_contact("Bob", false, None).await.unwrap();
    assert_eq!(verification.candidates.len(), 1);
    assert_eq!(verification.candidates[0].peer_id, mallory.peer_id().to_string());
    assert_ne!(
        verification.candidates[0].safety_number,
        verification.pinned.unwrap().safety_number
    );
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invite_codes_add_a_verified_friend_even_when_they_hide() {
    let net = net_of(&[Discoverable::Nobody, Discoverable::Contacts]).await;
    let (host, guest) = (net.nodes[0].node().clone(), net.nodes[1].node().clone());
    // The code is handed out once its entry is stored: usable at once, no wait.
    let invite = host.create_invite(3600).await.unwrap();
    let added = guest.add_contact_from_invite(&invite.code, "Host").await.unwrap();
    assert_eq!(added.state, "verified", "an invite code is a verification");
    assert_eq!(added.peer_id.unwrap(), host.peer_id().to_string());
    // The invite record makes the hidden host reachable: its record is found, and the
    // two exchange profiles end to end (a record carries no name).
    let mut events = guest.events();
    let found = guest.lookup_contact("Host").await.unwrap();
    assert_eq!(found.state, "verified");
    tokio::time::timeout(DEADLINE, async {
        while guest.contacts().await.unwrap()[0].profile_name.as_deref() != Some("node 0") {
            events.next().await;
        }
    })
    .await
    .expect("the host's profile arrives");
    match guest.add_contact_from_invite("CHINGU-NOTACODE", "x").await {
        Err(e) if e.reason() == Some("bad_invite") => assert!(!e.to_string().is_empty()),
        other => panic!("a malformed invite code is invalid input: {other:?}"),
    }
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_address_book_is_discovered_in_the_background() {
    let net = net_of(&[Discoverable::Contacts, Discoverable::Everyone]).await;
    let (me, friend) = (net.nodes[0].node().clone(), net.nodes[1].node().clone());
    let friend_phone = net.nodes[1].phone.to_string();
    let national = format!("0{}", &friend_phone[3..]);
    let vcard = format!(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Friend\r\nTEL;TYPE=CELL:{national}\r\nEND:VCARD\r\n\
         BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Nobody Here\r\nTEL:+82 10 9999 0001\r\nTEL:12\r\nEND:VCARD\r\n"
    );
    published(&friend, 1).await;
    let mut events = me.events();
    let summary = me.import_contacts(vcard).await.unwrap();
    assert_eq!(summary.added, 2);
    assert_eq!(summary.issues.len(), 1, "the bad number is reported, the rest imported");
    assert_eq!(summary.issues[0].line, 10, "reported with the line of the bad number");
    let found = tokio::time::timeout(DEADLINE, async {
        while let Some(event) = events.next().await {
            if let Event::ContactUpdated { phone, state, .. } = event {
                if phone == friend_phone && state == "found" {
                    return true;
                }
            }
        }
        false
    })
    .await
    .expect("the friend is found in the background");
    assert!(found);
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_no_dht_node_would_store_is_refused_not_handed_out() {
    let mut net = TestNet::start(TestNetOptions::new(0), |_| {}).await.unwrap();
    net.add_node_with(mode(Discoverable::Contacts)).await.unwrap();
    let lone = net.nodes[0].node().clone();
    let refused = lone.create_invite(3600).await.unwrap_err();
    assert!(refused.to_string().contains("nobody could use it"), "{refused}");
    net.shutdown().await;
}

/// A node whose record no DHT node took (it was alone) publishes it again after a short
/// back-off, not at the 12-hour republication: once a DHT node joins it, a third node
/// finds it by its number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_nobody_took_is_published_again_once_a_dht_node_can_take_it() {
    use common::lone::{start, status_until};
    let dir = tempfile::tempdir().unwrap();
    let listen = ["/ip4/127.0.0.1/tcp/0"];
    let alone = start(dir.path(), 1, mode(Discoverable::Everyone), &listen, &[], None).await;
    let failed = status_until(&alone.node, "a publication nobody took", |s| {
        s.discovery.publications_failed >= 1
    })
    .await;
    assert_eq!(failed.discovery.records_published, 0);
    let alone_addr = alone.addr.clone().unwrap();
    let storer = start(
        dir.path(),
        2,
        Config::default(),
        &listen,
        &[&alone_addr],
        Some(chingu::config::Role::Bootstrap),
    )
    .await;
    published(&alone.node, 1).await;
    let storer_addr = storer.addr.clone().unwrap();
    let mut client = Config::default();
    client.network.dht_mode = chingu::config::DhtMode::Client;
    let finder = start(dir.path(), 3, client, &listen, &[&storer_addr], None).await;
    finder.node.add_contact(&alone.phone, "alone").await.unwrap();
    lookup_until(&finder.node, &alone.phone, "found").await;
    for node in [&alone.node, &storer.node, &finder.node] {
        node.shutdown().await.unwrap();
    }
}
