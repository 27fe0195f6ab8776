//! Friends in a second and the everyday address book, between real nodes on loopback:
//! two people adding each other at once (the first adder hears a hello instead of
//! waiting for its next lookup), a reinstall with the same number (a key change within
//! seconds, messages held until accepted), blocking, muting, profiles, message requests
//! and one person with several numbers. Every wait is on an event or a state, with a
//! deadline; durations are printed, never asserted.

use crate::common;
use std::time::{Duration, Instant};

use futures::StreamExt;

use crate::common::net::{befriend, net, wait_event, wait_states, DEADLINE};
use chingu::contacts::import::{checked_persons, PersonInput};
use chingu::model::MessageState;
use chingu::text::{NameError, MAX_NAME_CHARS};
use chingu::{Event, NodeError};

/// Waits until `node` reports `contact` (its number) in one of `states`.
async fn state_of(events: &mut chingu::node::EventStream, phone: &str, states: &[&str]) -> String {
    wait_event(events, |e| match e {
        Event::ContactUpdated { phone: p, state, .. } if p == phone && states.contains(&state.as_str()) => {
            Some(state.clone())
        }
        _ => None,
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_people_adding_each_other_find_each_other_at_once_in_either_order() {
    let net = net(4, false).await;
    let node = |i: usize| net.nodes[i].node().clone();
    let phone = |i: usize| net.nodes[i].phone.to_string();

    // Within the same second.
    let (a, b) = (node(1), node(2));
    let (mut a_events, mut b_events) = (a.events(), b.events());
    let started = Instant::now();
    a.add_contact(&phone(2), "B").await.unwrap();
    b.add_contact(&phone(1), "A").await.unwrap();
    let second_add = Instant::now();
    state_of(&mut a_events, &phone(2), &["found"]).await;
    let a_ms = second_add.elapsed().as_millis();
    state_of(&mut b_events, &phone(1), &["found"]).await;
    println!(
        "same second: both found {} ms after the second add (a: {a_ms} ms; {} ms after the first)",
        second_add.elapsed().as_millis(),
        started.elapsed().as_millis()
    );

    // The first adder's lookup misses and backs off; the second add is what finds them.
    let (c, d) = (node(3), node(0));
    let (mut c_events, mut d_events) = (c.events(), d.events());
    c.add_contact(&phone(0), "D").await.unwrap();
    let waiting = state_of(&mut c_events, &phone(0), &["not_found"]).await;
    let view = &c.contacts().await.unwrap()[0];
    assert_eq!(view.reason, "waiting_for_them");
    assert!(
        view.explanation.contains("Waiting for D to add you back"),
        "{}",
        view.explanation
    );
    assert!(view.next_lookup_s.is_some(), "a retry is scheduled");
    assert_eq!(waiting, "not_found");
    let hellos_before = c.status().await.unwrap().discovery.hellos_received;
    let second_add = Instant::now();
    d.add_contact(&phone(3), "C").await.unwrap();
    state_of(&mut d_events, &phone(3), &["found"]).await;
    state_of(&mut c_events, &phone(0), &["found"]).await;
    println!(
        "later: both found {} ms after the second add",
        second_add.elapsed().as_millis()
    );
    // Whether its own retry or the hello found D first, the hello arrives.
    tokio::time::timeout(DEADLINE, async {
        while c.status().await.unwrap().discovery.hellos_received <= hellos_before {
            c_events.next().await;
        }
    })
    .await
    .expect("the first adder heard a hello");
    assert!(d.status().await.unwrap().discovery.hellos_sent >= 1);

    // Profiles travel with the hello (end to end, never in the record).
    let mut c_events = c.events();
    // Names have the limits of every name the owner gives, with typed refusals.
    let long = "가".repeat(MAX_NAME_CHARS + 1);
    match d.set_profile(Some(&long), None).await {
        Err(NodeError::Name(NameError::TooLong { chars, .. })) => assert_eq!(chars, MAX_NAME_CHARS + 1),
        other => panic!("a name too long is refused: {other:?}"),
    }
    match d.set_profile(Some("a\u{1b}[2Jb"), None).await {
        Err(NodeError::Name(NameError::Unprintable)) => {}
        other => panic!("a name with an escape sequence is refused: {other:?}"),
    }
    match d.set_profile(None, Some(&"s".repeat(1_000))).await {
        Err(NodeError::Refused(refusal)) => assert_eq!(refusal.reason, "status_too_long"),
        other => panic!("a status too long is refused: {other:?}"),
    }
    d.set_profile(Some("디"), Some("여행 중 ✈")).await.unwrap();
    // (Other updates of the contact, from discovery, may come first: wait for this one.)
    let seen = loop {
        let seen = c.contacts().await.unwrap().remove(0);
        if seen.status.as_deref() == Some("여행 중 ✈") {
            break seen;
        }
        wait_event(&mut c_events, |e| match e {
            Event::ContactUpdated { phone: p, .. } if *p == phone(0) => Some(()),
            _ => None,
        })
        .await;
    };
    assert_eq!(seen.profile_name.as_deref(), Some("디"));
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reinstall_is_a_key_change_within_seconds_and_messages_wait_for_accept() {
    let mut net = net(3, false).await;
    let (minji_i, yuki_i) = (1, 2);
    befriend(&net, minji_i, yuki_i).await;
    let minji = net.nodes[minji_i].node().clone();
    let minji_phone = net.nodes[minji_i].phone.to_string();
    let yuki_phone = net.nodes[yuki_i].phone.to_string();
    minji.rename_contact(&yuki_phone, "Yuki").await.unwrap();
    minji.verify_contact("Yuki", true, None).await.unwrap();
    let old_peer = net.nodes[yuki_i].node().peer_id();

    // Yuki reinstalls with the same number and adds 민지 again.
    net.reinstall_node(yuki_i).await.unwrap();
    let yuki = net.nodes[yuki_i].node().clone();
    assert_ne!(yuki.peer_id(), old_peer);
    let mut minji_events = minji.events();
    let reinstalled = Instant::now();
    yuki.add_contact(&minji_phone, "민지").await.unwrap();
    wait_event(&mut minji_events, |e| match e {
        Event::KeyChanged { phone, name } if *phone == yuki_phone => Some(name.clone()),
        _ => None,
    })
    .await;
    println!(
        "key change seen {} ms after the re-add",
        reinstalled.elapsed().as_millis()
    );

    // Yuki's new node: 민지 found, no conflict, its own old key not a candidate.
    let mut yuki_events = yuki.events();
    let seen = tokio::time::timeout(DEADLINE, async {
        loop {
            let view = yuki.contacts().await.unwrap().remove(0);
            if view.state != "pending" {
                return view;
            }
            yuki_events.next().await;
        }
    })
    .await
    .unwrap();
    assert_eq!(seen.state, "found", "{seen:?}");
    assert_eq!(seen.candidates, 0, "a device's own old key is never a candidate");

    // 민지's node explains, names the contact, and holds messages.
    let view = minji.contacts().await.unwrap().remove(0);
    assert_eq!((view.state.as_str(), view.reason.as_str()), ("conflict", "key_changed"));
    assert!(view.explanation.starts_with("Yuki's key changed (new install?)"));
    let refused = minji.send("Yuki", "are you there?").await.unwrap_err().to_string();
    assert!(refused.contains("Yuki") && !refused.contains(&yuki_phone), "{refused}");
    let waiting = yuki.send("민지", "새 폰이야").await.unwrap();

    // Accepted: both ways resume.
    let accepted = minji.accept_key("Yuki").await.unwrap();
    assert_eq!(accepted.contact.peer_id, Some(yuki.peer_id().to_string()));
    assert_eq!(accepted.contact.state, "found");
    wait_states(&mut yuki_events, &[waiting.id], MessageState::Delivered).await;
    let mut yuki_events = yuki.events();
    let reply = minji.send("Yuki", "어서 와").await.unwrap();
    wait_event(&mut yuki_events, |e| match e {
        Event::MessageReceived { message } if message.id == reply.id => Some(()),
        _ => None,
    })
    .await;
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocked_people_can_neither_write_nor_find_us_and_muted_ones_are_marked() {
    let net = net(4, false).await;
    befriend(&net, 1, 2).await;
    befriend(&net, 1, 3).await;
    let (a, b, c) = (
        net.nodes[1].node().clone(),
        net.nodes[2].node().clone(),
        net.nodes[3].node().clone(),
    );
    let a_phone = net.nodes[1].phone.to_string();

    // Muted: delivered, marked.
    a.mute_contact("n3", true).await.unwrap();
    let mut a_events = a.events();
    c.send("n1", "조용히").await.unwrap();
    let muted = wait_event(&mut a_events, |e| match e {
        Event::MessageReceived { message } => Some(message.muted),
        _ => None,
    })
    .await;
    assert!(muted);
    assert!(a.conversations().await.unwrap().iter().any(|c| c.muted));

    // Blocked: nothing either way.
    let published = a.status().await.unwrap().discovery.records_published;
    let view = a.block_contact("n2", true).await.unwrap();
    assert_eq!(view.reason, "blocked");
    assert!(a.send("n2", "hi").await.is_err());
    let held = b.send("n1", "let me in").await.unwrap();
    let mut b_events = b.events();
    tokio::time::timeout(DEADLINE, async {
        while a
            .status()
            .await
            .unwrap()
            .rejected
            .get("dm.blocked")
            .copied()
            .unwrap_or(0)
            == 0
        {
            b_events.next().await;
        }
    })
    .await
    .expect("b's delivery attempt refused");
    assert!(a.history("n2", 10, None).await.unwrap().is_empty());
    let still = b.history("n1", 10, None).await.unwrap();
    assert_eq!(still[0].id, held.id);
    assert_eq!(still[0].state, MessageState::Queued, "never acknowledged");

    // Not discoverable: once the withdrawal is stored, a fresh lookup by b finds nothing.
    tokio::time::timeout(DEADLINE, async {
        while a.status().await.unwrap().discovery.records_published <= published {
            a_events.next().await;
        }
    })
    .await
    .expect("withdrawn");
    b.remove_contact("n1").await.unwrap();
    b.add_contact(&a_phone, "A").await.unwrap();
    // (A republish for another reason — e.g. reachability confirmed — also counts above,
    // and copies of the old record may linger where the withdrawal has not reached yet:
    // fresh lookups must come to find nothing.)
    tokio::time::timeout(DEADLINE, async {
        while b.lookup_contact("A").await.unwrap().state != "not_found" {
            tokio::time::sleep(Duration::from_millis(100)).await; // polled: no event says "withdrawn"
        }
    })
    .await
    .expect("our record for them is withdrawn: a fresh lookup finds nothing");

    // Unblocked: found again, and the held message goes through.
    a.block_contact("n2", false).await.unwrap();
    tokio::time::timeout(DEADLINE, async {
        while b.lookup_contact("A").await.unwrap().state != "found" {}
    })
    .await
    .expect("found again after unblock");
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_requests_are_listed_accepted_or_blocked() {
    let mut net = net(0, false).await;
    let mut everyone = common::net::settings(false);
    everyone.discovery.discoverable = chingu::config::Discoverable::Everyone;
    let alice_i = net.add_node_with(everyone).await.unwrap();
    let carol_i = net.add_node_with(common::net::settings(false)).await.unwrap();
    let dave_i = net.add_node_with(common::net::settings(false)).await.unwrap();
    net.wait_ready(DEADLINE, |_| {}).await;
    net.wait_joined(DEADLINE).await;
    let alice = net.nodes[alice_i].node().clone();
    let alice_phone = net.nodes[alice_i].phone.to_string();
    let carol_phone = net.nodes[carol_i].phone.to_string();
    let mut alice_events = alice.events();
    let mut sent = Vec::new();
    for i in [carol_i, dave_i] {
        let stranger = net.nodes[i].node().clone();
        stranger.add_contact(&alice_phone, "Alice").await.unwrap();
        common::net::found(&stranger, "Alice", 0).await;
        sent.push(
            stranger
                .send("Alice", &format!("안녕하세요, {i}번입니다"))
                .await
                .unwrap(),
        );
    }
    let mut requests = Vec::new();
    while requests.len() < 2 {
        wait_event(&mut alice_events, |e| match e {
            Event::MessageReceived { message } if message.state == MessageState::Request => Some(()),
            _ => None,
        })
        .await;
        requests = alice.requests().await.unwrap();
    }
    assert!(requests.iter().all(|r| r.messages == 1));

    // Accepted: Carol becomes a contact, her message moves over and is acknowledged.
    let carol = net.nodes[carol_i].node().clone();
    let mut carol_events = carol.events();
    let contact = alice.accept_request(&carol_phone, "Carol").await.unwrap();
    assert_eq!(contact.name, "Carol");
    let history = alice.history("Carol", 10, None).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].state, MessageState::Received);
    wait_states(&mut carol_events, &[sent[0].id.clone()], MessageState::Delivered).await;

    // Blocked: Dave's request disappears and his retries are refused.
    let dave_peer = net.nodes[dave_i].node().peer_id().to_string();
    alice.block_request(&dave_peer).await.unwrap();
    assert!(alice.requests().await.unwrap().is_empty());
    let conversations = alice.conversations().await.unwrap();
    assert!(conversations.iter().all(|c| c.kind != "request"));
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_person_with_several_numbers_is_one_contact() {
    let net = net(3, false).await;
    let (a, b) = (net.nodes[1].node().clone(), net.nodes[2].node().clone());
    let b_phone = net.nodes[2].phone.to_string();
    b.add_contact(&net.nodes[1].phone.to_string(), "A").await.unwrap();
    let summary = a
        .import_persons(checked_persons(vec![PersonInput {
            name: "Bora".into(),
            numbers: vec!["+821099990001".into(), b_phone.clone(), "not a number".into()],
            line: 7,
        }]))
        .await
        .unwrap();
    assert_eq!((summary.persons, summary.added), (1, 2));
    assert_eq!(summary.issues.len(), 1);
    assert_eq!(summary.issues[0].line, 7);
    let mut events = a.events();
    let view = tokio::time::timeout(DEADLINE, async {
        loop {
            let view = a.contacts().await.unwrap().remove(0);
            if view.state == "found" {
                return view;
            }
            events.next().await;
        }
    })
    .await
    .expect("one of Bora's numbers is found");
    assert_eq!(view.phone, b_phone, "the number in use is the found one");
    assert_eq!(view.numbers.len(), 2);
    assert_eq!(a.contacts().await.unwrap().len(), 1, "one person, one entry");
    a.send("Bora", "보라야").await.unwrap();

    match a.rename_contact("Bora", &"b".repeat(MAX_NAME_CHARS + 1)).await {
        Err(NodeError::Name(NameError::TooLong { .. })) => {}
        other => panic!("a new name too long is refused: {other:?}"),
    }
    match a.rename_contact("Bora", " ").await {
        Err(NodeError::Refused(refusal)) => assert_eq!(refusal.reason, "empty_name"),
        other => panic!("an empty new name is refused: {other:?}"),
    }
    let renamed = a.rename_contact("Bora", "보라").await.unwrap();
    assert_eq!(renamed.name, "보라");
    a.add_number("+82 10-9999-0002", "보라").await.unwrap();
    assert_eq!(a.contacts().await.unwrap()[0].numbers.len(), 3);
    a.remove_contact("보라").await.unwrap();
    assert!(
        a.contacts().await.unwrap().is_empty(),
        "removing by name removes every number"
    );
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_is_searchable_pageable_and_exportable() {
    let net = net(3, false).await;
    befriend(&net, 1, 2).await;
    let (a, b) = (net.nodes[1].node().clone(), net.nodes[2].node().clone());
    let texts = [
        "오늘 저녁에 치킨 먹을래?",
        "明日の会議は10時から",
        "Chicken tonight?",
        "좋아, 치킨!",
    ];
    let mut ids = Vec::new();
    let mut events = a.events();
    for text in texts {
        ids.push(a.send("n2", text).await.unwrap().id);
    }
    wait_states(&mut events, &ids, MessageState::Delivered).await;
    let mut b_history = Vec::new();
    let mut b_events = b.events();
    while b_history.len() < texts.len() {
        b_history = b.history("n1", 10, None).await.unwrap();
        if b_history.len() < texts.len() {
            b_events.next().await;
        }
    }

    for node in [&a, &b] {
        let found = node.search("치킨", None, 10, None).await.unwrap();
        let got: Vec<&str> = found.results.iter().map(|h| h.message.text.as_str()).collect();
        assert_eq!(got, ["좋아, 치킨!", "오늘 저녁에 치킨 먹을래?"], "newest first");
        assert_eq!(node.search("会議", None, 10, None).await.unwrap().results.len(), 1);
        assert_eq!(node.search("CHICKEN", None, 10, None).await.unwrap().results.len(), 1);
    }
    let page = b.search("치킨", Some("n1"), 1, None).await.unwrap();
    assert!(page.more);
    assert_eq!(page.results[0].title, "n1");

    let page = a.history_page("n2", 3, None, None).await.unwrap();
    assert_eq!(page.messages.len(), 3);
    assert!(page.more, "one older message");
    let older = a.history_page("n2", 3, Some(&page.messages[0].id), None).await.unwrap();
    assert_eq!((older.messages.len(), older.more), (1, false));

    let mut exported = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = a.export(None, cursor.as_deref(), 3).await.unwrap();
        exported.extend(page.conversations.into_iter().flat_map(|c| c.messages));
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let got: Vec<&str> = exported.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(got, texts, "everything, oldest first");

    // The inbox: any conversation can be marked read, a group's too.
    assert_eq!(b.mark_conversation_read("n1").await.unwrap(), texts.len());
    let group = a.group_create("산책", &["n2"], None).await.unwrap();
    let mut b_events = b.events();
    let sent = a.group_send("산책", "7시에 만나").await.unwrap();
    wait_event(&mut b_events, |e| match e {
        Event::MessageReceived { message } if message.id == sent.id => Some(()),
        _ => None,
    })
    .await;
    let unread = |list: Vec<chingu::node::ConversationView>| list.iter().map(|c| c.unread).sum::<u32>();
    assert_eq!(unread(b.conversations().await.unwrap()), 1);
    assert_eq!(b.mark_conversation_read(&group.group_id).await.unwrap(), 1);
    assert_eq!(unread(b.conversations().await.unwrap()), 0, "stays read after a reload");
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mutual_add_scenario_finds_every_pair() {
    use chingu::testnet::scenarios::{self, Scenario, ScenarioOptions};
    use chingu::testnet::{TestNet, TestNetOptions};
    let mut net = TestNet::start(TestNetOptions::new(6), |_| {}).await.unwrap();
    let readiness = net.wait_ready(DEADLINE, |_| {}).await;
    let options = ScenarioOptions {
        messages: 0,
        rate: 0.0,
        group_size: 0,
        ..ScenarioOptions::default()
    };
    let report = scenarios::run(&mut net, readiness, Some(Scenario::MutualAdd), &options)
        .await
        .unwrap();
    println!("{}", serde_json::to_string(&report.figures).unwrap());
    assert_eq!(report.figures["pairs"], 3);
    assert_eq!(report.figures["found_both"], 3, "{:?}", report.figures);
    assert!(report.figures["hellos_sent"].as_u64().unwrap() >= 3);
    net.shutdown().await;
}
