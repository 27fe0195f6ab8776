//! `--scenario chaos`: users as separate `chingu run` processes, killed with SIGKILL at
//! random and started again, under mixed 1:1 and group traffic; then every message whose
//! send was answered must be in its sender's and every recipient's history exactly once.
//!
//! The test net's in-process nodes are the always-on part (node 0 keeps mailboxes).
//! `--processes` users join it: pairs of friends (0–1, 2–3, …), and a group of
//! `--group-size` of them created by user 0, who befriends each member; then user 0 links
//! `--devices` more devices to its account (SPEC.md §8.5), each a process of its own. For
//! `--duration` seconds at `--rate` messages per second, a running node picked at random
//! sends: a person 80 % to its friend and 20 % to the group, a linked device to user 0's
//! friend (through user 0); meanwhile every `--kill-every` seconds (on average) a running
//! node — a person's or a linked device's — is killed and started again after up to
//! [`MAX_DOWNTIME`]. Then all run, and the histories are read until nothing answered is
//! missing, or [`DELIVERY_DEADLINE`].
//!
//! Reported: kills and restarts (how long each took to answer again, and any that failed),
//! sends answered and cut short by a kill, lost and duplicate copies per path, and every
//! input the users refused over the run (by protocol and reason, from their `rejected`
//! events). A sender never reuses a nonce after a crash (it encrypts only inside a nonce
//! reservation already on disk: SPEC.md §6.4, protocol/session.md §5.2), and a frame
//! under a nonce its receiver has seen is refused as a `replay` without being stored — so
//! a reused nonce would show as a lost message; `dm.replay` alone counts honest re-sends
//! whose acknowledgement a kill cut.

mod cluster;
mod ledger;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use serde_json::{json, Map, Value};
use tokio::time::Instant;

use super::ScenarioOptions;
use crate::testnet::stats::{round, Summary};
use crate::testnet::{TestNet, TestNetError};
use cluster::User;
use ledger::{Check, Roster, Sent, To};

/// How long the traffic runs without `--duration`.
const DEFAULT_DURATION: Duration = Duration::from_secs(60);
/// Longest a killed user stays down.
const MAX_DOWNTIME: Duration = Duration::from_secs(3);
/// Longest the set-up (friends found, group joined) may take.
const SETUP_DEADLINE: Duration = Duration::from_secs(120);
/// Longest wait, after the last send, for every answered message to be everywhere.
const DELIVERY_DEADLINE: Duration = Duration::from_secs(180);
/// Longest between two reads of all histories while waiting.
const CHECK_EVERY: Duration = Duration::from_secs(2);

/// The `chaos` section of the report.
#[derive(Debug, Serialize)]
struct ChaosReport {
    processes: usize,
    /// User 0's linked devices.
    devices: usize,
    group_members: usize,
    duration_s: f64,
    rate: f64,
    kill_every_s: f64,
    /// Nodes killed with SIGKILL.
    kills: usize,
    /// Of those, by node (`p<i>`, or a linked device's name).
    kills_by_node: BTreeMap<String, usize>,
    /// Kills the user came back from (started again, same home).
    kills_survived: usize,
    /// Time from the restart to its control API answering.
    restart: Summary,
    /// Tries to start a killed user that failed (and why).
    restart_failures: Vec<String>,
    /// Picks that found no running user.
    skipped: usize,
    /// After the last send, until nothing answered was missing (none: it never was).
    converged_after_ms: Option<f64>,
    one_to_one: ledger::PathCheck,
    linked_devices: ledger::PathCheck,
    group: ledger::PathCheck,
    /// Input the users refused over the run, `protocol.reason` → count.
    rejected: BTreeMap<String, u64>,
}

/// Runs the scenario; the net's node 0 must keep mailboxes ([`super::dm::node_settings`]).
pub async fn run(net: &mut TestNet, options: &ScenarioOptions) -> Result<Map<String, Value>, TestNetError> {
    let error = super::dm::scenario_error("chaos");
    // Friends come in pairs.
    let processes = (options.processes.max(2) + 1) & !1;
    let group_size = options.group_size.clamp(2, processes);
    let duration = options.duration.unwrap_or(DEFAULT_DURATION);
    let bootstrap = net.nodes[0].addr.to_string();
    let dir = net.root().join("chaos");
    std::fs::create_dir_all(&dir).map_err(|e| error(format!("{}: {e}", dir.display())))?;
    let starts = (0..processes).map(|i| User::start(&dir, i, bootstrap.clone()));
    let mut users: Vec<User> = futures::future::try_join_all(starts).await.map_err(&error)?;
    let members: Vec<usize> = (0..group_size).collect();
    let group = set_up(&users, &members).await.map_err(&error)?;
    let roster = Roster {
        people: processes,
        devices: options.devices.min(crate::account::MAX_DEVICES - 1),
    };
    for k in 1..=roster.devices {
        let device = users[0]
            .link_device(&dir, &format!("p0-device{k}"), bootstrap.clone())
            .await
            .map_err(&error)?;
        users.push(device);
    }
    let users = Arc::new(users);

    let until = Instant::now() + duration;
    let traffic = Traffic {
        users: users.clone(),
        roster,
        group: group.clone(),
        members: members.clone(),
    };
    // Separate random streams from one seed: the kills do not shift the traffic's draws.
    let sending = traffic.run(options.rate, until, StdRng::seed_from_u64(options.seed));
    let killing = kill_and_restart(&users, options.kill_every, until, StdRng::seed_from_u64(!options.seed));
    let ((sent, skipped), outcome) = tokio::join!(sending, killing);
    let Chaos {
        kills,
        kills_by_node,
        mut restarts,
        mut failures,
    } = outcome;
    // Everyone runs again for the check (a user whose restart failed is tried once more).
    for user in users.iter().filter(|u| u.process().is_none()) {
        match user.restart().await {
            Ok(r) => restarts.push(r.took.as_secs_f64() * 1000.0),
            Err(e) => failures.push(e),
        }
    }

    let last_send = Instant::now();
    let deadline = last_send + DELIVERY_DEADLINE;
    let (check, converged) = loop {
        let check = ledger::check(&users, roster, &sent, &group, &members)
            .await
            .map_err(&error)?;
        if check.complete() || Instant::now() >= deadline {
            let converged = check
                .complete()
                .then(|| round(last_send.elapsed().as_secs_f64() * 1000.0));
            break (check, converged);
        }
        // Read again once any user reports something (a message, a sync), or in a while.
        let wait_until = deadline.min(Instant::now() + CHECK_EVERY);
        futures::future::select_all(users.iter().map(|u| Box::pin(u.next_event(wait_until)))).await;
    };
    let Check {
        one_to_one,
        linked_devices,
        group: group_check,
    } = check;
    let mut rejected = BTreeMap::new();
    for user in users.iter() {
        user.events.scan(0, |events| {
            for (_, e) in events.iter().filter(|(_, e)| e["type"] == "rejected") {
                let key = format!(
                    "{}.{}",
                    e["protocol"].as_str().unwrap_or("?"),
                    e["reason"].as_str().unwrap_or("?")
                );
                *rejected.entry(key).or_insert(0u64) += 1;
            }
        });
    }
    for user in users.iter() {
        user.stop().await;
    }
    let report = ChaosReport {
        processes,
        devices: roster.devices,
        group_members: members.len(),
        duration_s: duration.as_secs_f64(),
        rate: options.rate,
        kill_every_s: options.kill_every.as_secs_f64(),
        kills,
        kills_by_node,
        kills_survived: restarts.len(),
        restart: Summary::of(&restarts),
        restart_failures: failures,
        skipped,
        converged_after_ms: converged,
        one_to_one,
        linked_devices,
        group: group_check,
        rejected,
    };
    let mut map = Map::new();
    map.insert(
        "chaos".into(),
        serde_json::to_value(report).map_err(|e| error(e.to_string()))?,
    );
    Ok(map)
}

/// Friends found both ways, then the group created by user 0 and joined by every
/// member; returns the group's id.
async fn set_up(users: &[User], members: &[usize]) -> Result<String, String> {
    let mut friendships: Vec<(usize, usize)> = (0..users.len() / 2).map(|k| (2 * k, 2 * k + 1)).collect();
    friendships.extend(members.iter().filter(|&&m| m > 1).map(|&m| (0, m)));
    for &(a, b) in &friendships {
        users[a]
            .call(
                "contacts.add",
                json!({ "phone": users[b].phone, "name": users[b].label }),
            )
            .await?;
        users[b]
            .call(
                "contacts.add",
                json!({ "phone": users[a].phone, "name": users[a].label }),
            )
            .await?;
    }
    let until = Instant::now() + SETUP_DEADLINE;
    for &(a, b) in &friendships {
        for (x, y) in [(a, b), (b, a)] {
            while !users[x].has_found(&users[y].label).await {
                if Instant::now() >= until {
                    return Err(format!(
                        "{} did not find {} within {SETUP_DEADLINE:?}",
                        users[x].label, users[y].label
                    ));
                }
                users[x].next_event(until).await;
            }
        }
    }
    let names: Vec<&str> = members[1..].iter().map(|&m| users[m].label.as_str()).collect();
    let created = users[0]
        .call("groups.create", json!({ "name": "chaos 동창회", "members": names }))
        .await?;
    let group = created["group_id"].as_str().unwrap_or_default().to_owned();
    for &m in members {
        loop {
            let groups = users[m].call("groups.list", json!({})).await?;
            let active = groups.as_array().is_some_and(|gs| {
                gs.iter()
                    .any(|g| g["group_id"] == group.as_str() && g["active"] == true)
            });
            if active {
                break;
            }
            if Instant::now() >= until {
                return Err(format!(
                    "{} did not join the group within {SETUP_DEADLINE:?}",
                    users[m].label
                ));
            }
            users[m].next_event(until).await;
        }
    }
    Ok(group)
}

/// What the traffic needs: the nodes and who is who, the group and who is in it.
struct Traffic {
    users: Arc<Vec<User>>,
    roster: Roster,
    group: String,
    members: Vec<usize>,
}

impl Traffic {
    /// Sends at `rate` until `until`: a running node picked at random, 80 % to its
    /// person's friend and 20 % to the group (when a member; linked devices are not). Each send runs on its own, so a kill cuts
    /// only the sends of its user. Returns what was offered, and the picks that found
    /// the user down.
    async fn run(&self, rate: f64, until: Instant, mut rng: StdRng) -> (Vec<Sent>, usize) {
        let mut pacer = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(0.1)));
        pacer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut sends = tokio::task::JoinSet::new();
        let (mut seq, mut skipped) = (0usize, 0usize);
        while Instant::now() < until {
            pacer.tick().await;
            let (from, to_group) = (rng.gen_range(0..self.users.len()), rng.gen_bool(0.2));
            if self.users[from].process().is_none() {
                skipped += 1;
                continue;
            }
            seq += 1;
            let to = if to_group && self.members.contains(&from) {
                To::Group
            } else {
                To::Friend(self.roster.friend_of(from))
            };
            let text = format!("chaos {seq:06} from p{from} 안녕하세요");
            let (method, params) = match to {
                To::Group => ("groups.send", json!({ "group": self.group, "text": text })),
                To::Friend(f) => ("messages.send", json!({ "contact": self.users[f].label, "text": text })),
            };
            let users = self.users.clone();
            sends.spawn(async move {
                let acked = users[from].call(method, params).await.is_ok();
                Sent { from, to, text, acked }
            });
        }
        let mut sent = Vec::with_capacity(seq);
        while let Some(outcome) = sends.join_next().await {
            sent.extend(outcome.ok());
        }
        (sent, skipped)
    }
}

/// What the killing did.
struct Chaos {
    kills: usize,
    kills_by_node: BTreeMap<String, usize>,
    /// Milliseconds each restart took.
    restarts: Vec<f64>,
    failures: Vec<String>,
}

/// Until `until`: waits a random time around `every`, kills a running user with SIGKILL
/// and starts it again after a random downtime (both within [`MAX_DOWNTIME`]).
async fn kill_and_restart(users: &[User], every: Duration, until: Instant, mut rng: StdRng) -> Chaos {
    let mut chaos = Chaos {
        kills: 0,
        kills_by_node: BTreeMap::new(),
        restarts: Vec::new(),
        failures: Vec::new(),
    };
    loop {
        let wait = every.mul_f64(rng.gen_range(0.5..1.5));
        let downtime = MAX_DOWNTIME.mul_f64(rng.gen_range(0.0..1.0));
        let victim = rng.gen_range(0..users.len());
        if Instant::now() + wait >= until {
            return chaos;
        }
        tokio::time::sleep(wait).await;
        if !users[victim].kill().await {
            continue;
        }
        chaos.kills += 1;
        *chaos.kills_by_node.entry(users[victim].label.clone()).or_default() += 1;
        tokio::time::sleep(downtime).await;
        match users[victim].restart().await {
            Ok(restart) => {
                chaos.restarts.push(restart.took.as_secs_f64() * 1000.0);
                chaos.failures.extend(restart.failures);
            }
            Err(e) => chaos.failures.push(e),
        }
    }
}
