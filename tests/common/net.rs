//! In-process test nets for the integration tests: nodes that find each other by phone
//! number, and waits on events with a deadline (never sleeping).

use std::time::Duration;

use futures::StreamExt;

use chingu::config::{Config, Discoverable};
use chingu::model::MessageState;
use chingu::testnet::{TestNet, TestNetOptions};
use chingu::{Event, NodeHandle};

pub const DEADLINE: Duration = Duration::from_secs(60);

pub fn settings(mailbox: bool) -> Config {
    let mut config = Config::default();
    config.discovery.discoverable = Discoverable::Contacts;
    config.mailbox.serve = mailbox;
    config
}

/// A net of plain nodes (plus a mailbox node first when `with_mailbox`).
pub async fn net(people: usize, with_mailbox: bool) -> TestNet {
    let mut net = TestNet::start(TestNetOptions::new(0), |_| {}).await.unwrap();
    if with_mailbox {
        net.add_node_with(settings(true)).await.unwrap();
    }
    for _ in 0..people {
        net.add_node_with(settings(false)).await.unwrap();
    }
    net.wait_ready(DEADLINE, |_| {}).await;
    net.wait_joined(DEADLINE).await;
    net
}

/// Makes `a` and `b` mutual contacts and waits until each found the other.
pub async fn befriend(net: &TestNet, a: usize, b: usize) {
    let (na, nb) = (net.nodes[a].node().clone(), net.nodes[b].node().clone());
    na.add_contact(&net.nodes[b].phone.to_string(), &format!("n{b}"))
        .await
        .unwrap();
    nb.add_contact(&net.nodes[a].phone.to_string(), &format!("n{a}"))
        .await
        .unwrap();
    found(&na, &format!("n{b}"), 0).await;
    found(&nb, &format!("n{a}"), 0).await;
}

/// Looks `contact` up until it is found with at least `mailboxes` mailboxes listed.
pub async fn found(node: &NodeHandle, contact: &str, mailboxes: usize) {
    tokio::time::timeout(DEADLINE, async {
        loop {
            let view = node.lookup_contact(contact).await.unwrap();
            if view.state == "found" && view.mailboxes >= mailboxes {
                return;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{contact} not found with {mailboxes} mailboxes"));
}

/// Waits for an event matching `pick` on a subscription taken before the action.
pub async fn wait_event<T>(events: &mut chingu::node::EventStream, mut pick: impl FnMut(&Event) -> Option<T>) -> T {
    tokio::time::timeout(DEADLINE, async {
        while let Some(event) = events.next().await {
            if let Some(found) = pick(&event) {
                return found;
            }
        }
        panic!("event stream ended")
    })
    .await
    .expect("event in time")
}

/// Waits until every id in `ids` reached `state` on `events`.
pub async fn wait_states(events: &mut chingu::node::EventStream, ids: &[String], state: MessageState) {
    let mut waiting: std::collections::HashSet<String> = ids.iter().cloned().collect();
    wait_event(events, |e| match e {
        Event::MessageState { id, state: s, .. } if *s == state => {
            waiting.remove(id);
            waiting.is_empty().then_some(())
        }
        _ => None,
    })
    .await
}

/// Waits out `window` on `events` and panics if one of them is `unwanted`: a check that
/// something did not happen gives it the time it would have taken.
pub async fn never(
    events: &mut chingu::node::EventStream,
    window: Duration,
    what: &str,
    mut unwanted: impl FnMut(&Event) -> bool,
) {
    let deadline = tokio::time::Instant::now() + window;
    while let Ok(Some(event)) = tokio::time::timeout_at(deadline, events.next()).await {
        assert!(!unwanted(&event), "{what}: {event:?}");
    }
}

/// Proves that node `victim` still serves, after an attack: a fresh honest node joins
/// the net, becomes its friend (a record published and looked up each way over the DHT)
/// and gets a message delivered to it (a 1:1 handshake, a frame and its acknowledgement).
pub async fn still_serves(net: &mut TestNet, victim: usize) {
    net.add_node_with(settings(false)).await.unwrap();
    let running = net.nodes.iter().filter(|n| n.handle.is_some()).count();
    assert_eq!(
        net.wait_ready(DEADLINE, |_| {}).await.ready,
        running,
        "every running node ready"
    );
    assert_eq!(net.wait_joined(DEADLINE).await, running, "every running node joined");
    let fresh = net.nodes.len() - 1;
    befriend(net, victim, fresh).await;
    let sender = net.nodes[fresh].node().clone();
    let mut events = sender.events();
    let sent = sender
        .send(&format!("n{victim}"), "are you still there?")
        .await
        .unwrap();
    wait_states(&mut events, &[sent.id], MessageState::Delivered).await;
}

/// Waits for a `group_changed` event with `change` on `events`.
pub async fn group_changed(events: &mut chingu::node::EventStream, change: &str) -> chingu::node::GroupView {
    wait_event(events, |e| match e {
        Event::GroupChanged { group, change: c } if c == change => Some(chingu::node::GroupView::clone(group)),
        _ => None,
    })
    .await
}

/// Polls a group's history until it holds `count` messages (or the deadline passes; the
/// panic then shows what the node holds and its counters, to tell why).
pub async fn wait_history(node: &NodeHandle, group: &str, count: usize) -> Vec<chingu::node::MessageView> {
    let reached = tokio::time::timeout(DEADLINE, async {
        let mut changes = node.events();
        loop {
            let history = node.group_history(group, 1000, None).await.unwrap();
            if history.len() >= count {
                return history;
            }
            // Wake on the next event (a message, a state change) or every second.
            let _ = tokio::time::timeout(Duration::from_secs(1), changes.next()).await;
        }
    })
    .await;
    match reached {
        Ok(history) => history,
        Err(_) => {
            let texts: Vec<String> = node
                .group_history(group, 1000, None)
                .await
                .map(|h| h.into_iter().map(|m| m.text).collect())
                .unwrap_or_default();
            let groups = node.groups().await.unwrap_or_default();
            let status = node.status().await.ok();
            panic!(
                "the group history did not reach {count} messages: it holds {texts:?}; groups {groups:?}; \
                 group counters {:?}; rejected {:?}; failures {:?}; {} peers connected",
                status.as_ref().map(|s| &s.groups),
                status.as_ref().map(|s| &s.rejected),
                status.as_ref().map(|s| &s.failures),
                status.as_ref().map_or(0, |s| s.connected_peers),
            )
        }
    }
}

/// Three nodes: node 0 befriends nodes 1 and 2 and creates the group `name` with both;
/// returns once both joined.
pub async fn group_of_three(name: &str) -> (TestNet, chingu::node::GroupView) {
    let net = net(3, false).await;
    befriend(&net, 0, 1).await;
    befriend(&net, 0, 2).await;
    let mut bob_events = net.nodes[1].node().events();
    let mut carol_events = net.nodes[2].node().events();
    let group = net.nodes[0]
        .node()
        .group_create(name, &["n1", "n2"], None)
        .await
        .unwrap();
    group_changed(&mut bob_events, "joined").await;
    group_changed(&mut carol_events, "joined").await;
    (net, group)
}

/// Checks a group scenario's report: `expected` deliveries, each made once.
pub fn assert_every_message_once(report: &serde_json::Value, expected: u64) {
    assert_eq!(report["expected_deliveries"], expected, "{report:#}");
    assert_eq!(report["delivered"], expected, "{report:#}");
    assert_eq!(report["lost"], 0, "{report:#}");
    assert_eq!(report["duplicates"], 0, "{report:#}");
}

/// Runs `scenario` on a fresh test net of `nodes` nodes (with the scenario's own node
/// settings) and returns its JSON report.
pub async fn scenario_report(
    nodes: usize,
    scenario: chingu::testnet::scenarios::Scenario,
    options: &chingu::testnet::scenarios::ScenarioOptions,
) -> serde_json::Value {
    let mut net_options = TestNetOptions::new(nodes);
    net_options.node_settings = scenario.node_settings();
    let mut net = TestNet::start(net_options, |_| {}).await.unwrap();
    let readiness = net.wait_ready(DEADLINE, |_| {}).await;
    let report = chingu::testnet::scenarios::run(&mut net, readiness, Some(scenario), options)
        .await
        .unwrap();
    net.shutdown().await;
    serde_json::to_value(&report).unwrap()
}
