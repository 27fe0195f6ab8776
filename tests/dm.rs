//! 1:1 messages between real nodes on loopback: delivery and acknowledgement, read
//! receipts, offline delivery through a mailbox, restarts, messages from strangers, and
//! garbage on the wire. Every wait is on an event or a state, with a deadline.

use crate::common::net::{befriend, found, net, wait_event, wait_states, DEADLINE};
use chingu::model::MessageState;
use chingu::Event;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn friends_exchange_messages_once_each_with_receipts() {
    let net = net(2, false).await;
    befriend(&net, 0, 1).await;
    let (alice, bob) = (net.nodes[0].node().clone(), net.nodes[1].node().clone());
    let mut alice_events = alice.events();
    let mut bob_events = bob.events();

    let mut ids = Vec::new();
    for i in 0..25 {
        let sent = alice.send("n1", &format!("안녕 {i}")).await.unwrap();
        assert_eq!(sent.state, MessageState::Queued, "on disk before send returns");
        ids.push(sent.id);
    }
    wait_states(&mut alice_events, &ids, MessageState::Delivered).await;
    let mut received = 0;
    wait_event(&mut bob_events, |e| match e {
        Event::MessageReceived { .. } => {
            received += 1;
            (received == ids.len()).then_some(())
        }
        _ => None,
    })
    .await;
    let history = bob.history("n0", 100, None).await.unwrap();
    assert_eq!(history.len(), 25, "each message stored exactly once");
    assert_eq!(history[0].text, "안녕 0", "in order");
    assert!(history.iter().all(|m| m.state == MessageState::Received));

    assert_eq!(bob.mark_read("n0").await.unwrap(), 25);
    wait_states(&mut alice_events, &ids, MessageState::Read).await;

    // A reply goes the other way on bob's own session.
    let reply = bob.send("n0", "잘 지내?").await.unwrap();
    wait_states(&mut bob_events, &[reply.id], MessageState::Delivered).await;
    let status = alice.status().await.unwrap();
    assert_eq!(status.messages.outbox, 0);
    assert_eq!(status.messages.received, 1);
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_friend_gets_messages_from_a_mailbox_after_restart() {
    let mut net = net(2, true).await;
    let (alice_i, bob_i) = (1, 2);
    befriend(&net, alice_i, bob_i).await;
    let alice = net.nodes[alice_i].node().clone();
    // Bob registers with the mailbox node and republishes; Alice sees the mailbox.
    found(&alice, "n2", 1).await;
    net.stop_node(bob_i).await.unwrap();

    let mut alice_events = alice.events();
    let sent = alice.send("n2", "보고 싶어").await.unwrap();
    wait_states(&mut alice_events, std::slice::from_ref(&sent.id), MessageState::Sent).await;
    let mailbox = net.nodes[0].node().status().await.unwrap().mailbox.unwrap();
    assert!(mailbox.items >= 1, "the sealed message waits on the mailbox");

    net.restart_node(bob_i).await.unwrap();
    let bob = net.nodes[bob_i].node().clone();
    let mut bob_events = bob.events();
    if bob.history("n1", 10, None).await.unwrap().is_empty() {
        wait_event(&mut bob_events, |e| {
            matches!(e, Event::MessageReceived { .. }).then_some(())
        })
        .await;
    }
    let history = bob.history("n1", 10, None).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].text, "보고 싶어");
    wait_states(&mut alice_events, &[sent.id], MessageState::Delivered).await;
    net.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invited_friend_is_verified_by_the_first_message_not_by_the_handshake() {
    let net = net(2, false).await;
    let (host, guest) = (net.nodes[0].node().clone(), net.nodes[1].node().clone());
    let invite = host.create_invite(3600).await.unwrap();
    let added = tokio::time::timeout(DEADLINE, async {
        loop {
            if let Ok(view) = guest.add_contact_from_invite(&invite.code, "Host").await {
                return view;
            }
        }
    })
    .await
    .expect("the invite record is found");
    assert_eq!(added.state, "verified");
    let mut host_events = host.events();
    guest.send("Host", "thanks for the invite").await.unwrap();
    let message = wait_event(&mut host_events, |e| match e {
        Event::MessageReceived { message } => Some(message.clone()),
        _ => None,
    })
    .await;
    assert_eq!(
        message.state,
        MessageState::Received,
        "a verified friend, not a request"
    );
    let contacts = host.contacts().await.unwrap();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].state, "verified");
    assert_eq!(contacts[0].phone, net.nodes[1].phone.to_string());
    net.shutdown().await;
}
