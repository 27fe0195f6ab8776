//! A group whose members sit behind every kind of network at once (`chingu lab group`):
//! members are spread round-robin over the NAT types asked for, one site each. The first
//! member befriends the others by number (each adds it back), creates the group with
//! everyone it found, and then all members send in turn at a fixed total rate. Every
//! message should reach every other member exactly once.
//!
//! The members' first messages are reported apart (`setup`): each member sends one as
//! soon as everyone joined, and the measured run starts once they all arrived (or the
//! deadline passed). A new group's first messages wait on what a group does once — the
//! members' connections to each other (through relays between NAT'd members) and their
//! sender keys, sent over 1:1 sessions opened on those connections — while the run at the
//! given rate measures the group as people use it afterwards.

use std::time::Duration;

use serde::Serialize;
use serde_json::json;
use tokio::time::Instant;

use super::link::{Backend, LinkParams};
use super::nat::NatType;
use super::procs::LabNode;
use super::report::{Delivery, PathReport};
use super::scenarios::{deliver, found, peer_path, wait_joined, wait_member};
use super::{Lab, LabError, LabOptions};

/// How the group runs.
#[derive(Debug, Clone)]
pub struct GroupOptions {
    /// Members, the creator included.
    pub members: usize,
    /// Messages in total, sent by the members in turn.
    pub messages: usize,
    /// Messages per second, all members together.
    pub rate: f64,
    /// Longest wait of each step.
    pub deadline: Duration,
}

impl Default for GroupOptions {
    fn default() -> Self {
        Self {
            members: 10,
            messages: 200,
            rate: 20.0,
            deadline: Duration::from_secs(60),
        }
    }
}

/// One member.
#[derive(Debug, Clone, Serialize)]
pub struct MemberReport {
    /// Its node's label.
    pub label: String,
    /// Its network.
    pub nat: NatType,
    /// The creator found it and it found the creator.
    pub found: bool,
    /// It reported the group joined.
    pub joined: bool,
    /// How the creator is connected to it at the end (`self` for the creator).
    pub path_from_creator: PathReport,
}

/// What the group did.
#[derive(Debug, Clone, Serialize)]
pub struct GroupReport {
    /// The run's id.
    pub run_id: String,
    /// How links were emulated.
    pub links: Backend,
    /// Delay, jitter and loss per uplink and direction.
    pub link: LinkParams,
    /// Messages per second asked for.
    pub rate: f64,
    /// The members (the creator first).
    pub members: Vec<MemberReport>,
    /// From the contacts being added until the creator and the last member found each other.
    pub discovery_ms: Option<f64>,
    /// Each member's first message (one each, sent in turn at the given rate as soon as
    /// everyone joined), counted per copy: the group's set-up.
    pub setup: Delivery,
    /// The messages at the given rate once the set-up is over, counted per copy.
    pub delivery: Delivery,
    /// How long the whole run took.
    pub duration_ms: u64,
}

/// Runs the group over `types` (round-robin; every type when empty).
pub async fn run_group(options: &LabOptions, group: &GroupOptions, types: &[NatType]) -> Result<GroupReport, LabError> {
    let started = Instant::now();
    let types = if types.is_empty() { &NatType::ALL[..] } else { types };
    let sites: Vec<NatType> = (0..group.members.max(2)).map(|i| types[i % types.len()]).collect();
    let mut lab = Lab::start(options, "group", sites.clone()).await?;
    let mut nodes = Vec::new();
    for site in 0..sites.len() {
        nodes.push(lab.start_user(site).await?);
    }
    let report = run_on(&nodes, group).await;
    futures::future::join_all(nodes.into_iter().map(LabNode::stop)).await;
    let (links, link, run_id) = (lab.topology.backend, lab.topology.params, lab.run_id().to_owned());
    lab.shutdown().await;
    let (members, discovery_ms, setup, delivery) = report;
    Ok(GroupReport {
        run_id,
        links,
        link,
        rate: group.rate,
        members,
        discovery_ms,
        setup,
        delivery,
        duration_ms: started.elapsed().as_millis() as u64,
    })
}

async fn run_on(nodes: &[LabNode], group: &GroupOptions) -> (Vec<MemberReport>, Option<f64>, Delivery, Delivery) {
    let until = Instant::now() + group.deadline;
    futures::future::join_all(nodes.iter().map(|n| wait_joined(n, until))).await;
    let creator = &nodes[0];
    let name = |i: usize| format!("m{i}");
    let froms: Vec<usize> = nodes.iter().map(|n| n.events.len()).collect();
    let added = Instant::now();
    for (i, member) in nodes.iter().enumerate().skip(1) {
        let _ = creator
            .call("contacts.add", json!({ "phone": member.phone, "name": name(i) }))
            .await;
        let _ = member
            .call("contacts.add", json!({ "phone": creator.phone, "name": "creator" }))
            .await;
    }
    let until = Instant::now() + group.deadline;
    let finds = nodes.iter().enumerate().skip(1).map(|(i, member)| {
        let (froms, name) = (&froms, name(i));
        async move {
            let there = found(creator, &name, &member.phone, froms[0], added, until).await;
            let back = found(member, "creator", &creator.phone, froms[i], added, until).await;
            match (there, back) {
                (Ok(a), Ok(b)) => Some(a.max(b)),
                _ => None,
            }
        }
    });
    let found_ms: Vec<Option<f64>> = futures::future::join_all(finds).await;
    let discovery_ms = found_ms
        .iter()
        .all(Option::is_some)
        .then(|| found_ms.iter().flatten().fold(0.0, |a: f64, b| a.max(*b)));

    let mut joined = vec![true; nodes.len()];
    let members: Vec<String> = (1..nodes.len())
        .filter(|i| found_ms[i - 1].is_some())
        .map(name)
        .collect();
    let (setup, delivery) = if members.is_empty() {
        let failed = || Delivery::failed("the creator found no member".into());
        (failed(), failed())
    } else {
        let froms: Vec<usize> = nodes.iter().map(|n| n.events.len()).collect();
        match creator
            .call("groups.create", json!({ "name": "lab 동창회", "members": members }))
            .await
        {
            Err(e) => (Delivery::failed(e.to_string()), Delivery::failed(e.to_string())),
            Ok(created) => {
                let id = created["group_id"].as_str().unwrap_or_default().to_owned();
                let until = Instant::now() + group.deadline;
                let waits = nodes
                    .iter()
                    .enumerate()
                    .skip(1)
                    .map(|(i, n)| wait_member(n, froms[i], &id, until));
                for (i, ok) in futures::future::join_all(waits).await.into_iter().enumerate() {
                    joined[i + 1] = ok;
                }
                let in_group: Vec<&LabNode> = nodes.iter().zip(&joined).filter(|(_, j)| **j).map(|(n, _)| n).collect();
                let pace = Duration::from_secs_f64(1.0 / group.rate.max(0.01));
                let setup = deliver(&in_group, in_group.len(), pace, group.deadline, |from, _| {
                    (
                        "groups.send",
                        json!({ "group": id, "text": format!("hello from member {from}") }),
                    )
                })
                .await;
                let delivery = deliver(&in_group, group.messages, pace, group.deadline, |_, k| {
                    ("groups.send", json!({ "group": id, "text": format!("group {k}") }))
                })
                .await;
                (setup, delivery)
            }
        }
    };
    let mut reports = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        reports.push(MemberReport {
            label: node.label.clone(),
            nat: node.host.nat,
            found: i == 0 || found_ms[i - 1].is_some(),
            joined: joined[i],
            path_from_creator: if i == 0 {
                PathReport {
                    path: "self".into(),
                    source: "inferred",
                    addrs: Vec::new(),
                }
            } else {
                peer_path(creator, &node.peer_id).await
            },
        });
    }
    (reports, discovery_ms, setup, delivery)
}
