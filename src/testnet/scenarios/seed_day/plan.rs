//! The seed-day schedule, drawn in advance from the seed: every message (when, 1:1 or
//! group, who to whom), every absence (a user's node stopped and later restarted from its
//! home) and every introduction (two users adding each other's numbers). The same seed
//! and inputs give the same plan; the run then follows it on the clock.
//!
//! - Messages go out at `rate` per second; each is a group message with probability
//!   [`GROUP_SHARE`], else 1:1 between friends, in either direction. A user is never
//!   picked as the sender from [`guard`] before leaving until [`guard`] after returning.
//! - Absences: one per [`ABSENCE_EVERY`] of the run (at least one), starting evenly
//!   between 10 % and 60 % of it, each lasting [`ABSENCE_LENGTH`] (at most a quarter of
//!   the run); overlapping absences are of different users. With a churn share (a soak),
//!   instead as many absences of [`SOAK_ABSENCE_LENGTH`] as keep that share of the users
//!   away on average, starting evenly over the whole run (ending before it does); at
//!   least two users always stay online.
//! - Introductions: one per [`INTRODUCTION_EVERY`] (at least one), evenly between 5 % and
//!   60 % of the run, of two users who are not friends and stay online meanwhile. Their
//!   1:1 messages start [`settle`] after the introduction.

use std::collections::HashSet;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Share of group messages among all messages.
pub const GROUP_SHARE: f64 = 0.2;
/// One absence per this much of the run.
pub const ABSENCE_EVERY: Duration = Duration::from_secs(10);
/// How long a user stays offline.
pub const ABSENCE_LENGTH: Duration = Duration::from_secs(15);
/// How long a user stays offline in a soak (`churn`): longer, so that the moves (one
/// node stopped or started at a time, in one process) keep up with the plan.
pub const SOAK_ABSENCE_LENGTH: Duration = Duration::from_secs(60);
/// One introduction per this much of the run.
pub const INTRODUCTION_EVERY: Duration = Duration::from_secs(5);
/// Longest an introduction is expected to take (its users stay online meanwhile).
pub const INTRODUCTION_WINDOW: Duration = Duration::from_secs(30);
/// Tries at drawing a sender before scanning for any possible one.
const DRAWS: usize = 64;

/// Who sends a message to whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Traffic {
    /// 1:1, node `from` to node `to`.
    Direct {
        /// Sender node.
        from: usize,
        /// Recipient node.
        to: usize,
    },
    /// To the group at index `group` of the plan's groups, by member node `from`.
    Group {
        /// Group index.
        group: usize,
        /// Sender node.
        from: usize,
    },
}

impl Traffic {
    /// The sender node.
    pub fn from(&self) -> usize {
        match *self {
            Traffic::Direct { from, .. } | Traffic::Group { from, .. } => from,
        }
    }
}

/// One planned message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedSend {
    /// Its sequence number (its text carries it).
    pub seq: usize,
    /// When, from the start of the run.
    pub at: Duration,
    /// Who to whom.
    pub traffic: Traffic,
}

/// A user offline for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Absence {
    /// The user's node.
    pub node: usize,
    /// When the node stops.
    pub leave: Duration,
    /// When it is restarted.
    pub back: Duration,
}

/// Two users adding each other's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Introduction {
    /// When.
    pub at: Duration,
    /// One user's node.
    pub a: usize,
    /// The other's.
    pub b: usize,
}

/// What the plan is drawn from.
#[derive(Debug, Clone)]
pub struct PlanInput {
    /// Nodes of users (who send, receive, leave and return).
    pub users: Vec<usize>,
    /// Friend pairs at the start.
    pub friendships: Vec<(usize, usize)>,
    /// Members of each group (nodes).
    pub groups: Vec<Vec<usize>>,
    /// Messages in all.
    pub messages: usize,
    /// Messages per second.
    pub rate: f64,
    /// Seed of every random choice.
    pub seed: u64,
    /// Share of users away at any time, on average (`None`: one absence per
    /// [`ABSENCE_EVERY`] in the run's middle).
    pub churn: Option<f64>,
}

/// The whole schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Messages, in time order.
    pub sends: Vec<PlannedSend>,
    /// Absences, by leaving time.
    pub absences: Vec<Absence>,
    /// Introductions, in time order.
    pub introductions: Vec<Introduction>,
}

/// The run's length for `messages` at `rate`.
pub fn length(messages: usize, rate: f64) -> Duration {
    Duration::from_secs_f64(messages as f64 / rate.max(1e-9))
}

/// No sends this long around an absence (1 s, or 5 % of a short run).
pub fn guard(length: Duration) -> Duration {
    Duration::from_secs(1).min(length / 20)
}

/// Friends from an introduction talk from this long after it (10 s, or a fifth of a
/// short run).
pub fn settle(length: Duration) -> Duration {
    Duration::from_secs(10).min(length / 5)
}

/// `count` instants spread evenly over `[from, to)` of `length`.
fn spread(count: usize, length: Duration, from: f64, to: f64) -> impl Iterator<Item = Duration> {
    (0..count).map(move |i| length.mul_f64(from + (to - from) * i as f64 / count as f64))
}

/// How many of something happen once per `every` over `length` (at least one).
fn occurrences(length: Duration, every: Duration) -> usize {
    ((length.as_secs_f64() / every.as_secs_f64()).round() as usize).max(1)
}

impl Plan {
    /// Draws the plan.
    pub fn draw(input: &PlanInput) -> Self {
        let mut rng = StdRng::seed_from_u64(input.seed);
        let length = length(input.messages, input.rate);
        let absences = draw_absences(input, length, &mut rng);
        let away = |node: usize, from: Duration, to: Duration| {
            absences.iter().any(|a| a.node == node && a.leave < to && a.back > from)
        };
        let introductions = draw_introductions(input, length, &mut rng, &away);
        let guard = guard(length);
        let can_send = |node: usize, at: Duration| !away(node, at.saturating_sub(guard), at + guard);
        let settle = settle(length);
        let mut sends = Vec::with_capacity(input.messages);
        for seq in 0..input.messages {
            let at = Duration::from_secs_f64(seq as f64 / input.rate);
            let friends: Vec<(usize, usize)> = input
                .friendships
                .iter()
                .copied()
                .chain(introductions.iter().filter(|i| i.at + settle <= at).map(|i| (i.a, i.b)))
                .collect();
            let group_first = !input.groups.is_empty() && rng.gen_bool(GROUP_SHARE);
            let traffic = if group_first {
                draw_group_send(&input.groups, at, &mut rng, &can_send)
                    .or_else(|| draw_direct_send(&friends, at, &mut rng, &can_send))
            } else {
                draw_direct_send(&friends, at, &mut rng, &can_send)
                    .or_else(|| draw_group_send(&input.groups, at, &mut rng, &can_send))
            };
            if let Some(traffic) = traffic {
                sends.push(PlannedSend { seq, at, traffic });
            }
        }
        Plan {
            sends,
            absences,
            introductions,
        }
    }
}

fn draw_absences(input: &PlanInput, length: Duration, rng: &mut StdRng) -> Vec<Absence> {
    let duration = match input.churn {
        Some(_) => SOAK_ABSENCE_LENGTH,
        None => ABSENCE_LENGTH,
    }
    .min(length / 4);
    let guard = guard(length);
    let (count, from, to) = match input.churn {
        Some(share) => {
            let away = share.clamp(0.0, 1.0) * input.users.len() as f64 * length.as_secs_f64();
            let last = 1.0 - (duration + guard).as_secs_f64() / length.as_secs_f64().max(1e-9);
            (
                (away / duration.as_secs_f64().max(1e-9)).round() as usize,
                0.0,
                last.max(0.0),
            )
        }
        None => (occurrences(length, ABSENCE_EVERY), 0.1, 0.6),
    };
    let mut absences: Vec<Absence> = Vec::new();
    for leave in spread(count, length, from, to) {
        let back = leave + duration;
        let free: Vec<usize> = input
            .users
            .iter()
            .copied()
            .filter(|&u| {
                !absences
                    .iter()
                    .any(|a| a.node == u && a.leave < back + guard && a.back + guard > leave)
            })
            .collect();
        // Keep at least two users online.
        let away_now = absences.iter().filter(|a| a.back + guard > leave).count();
        if free.is_empty() || away_now + 2 >= input.users.len() {
            continue;
        }
        let node = free[rng.gen_range(0..free.len())];
        absences.push(Absence { node, leave, back });
    }
    absences
}

fn draw_introductions(
    input: &PlanInput,
    length: Duration,
    rng: &mut StdRng,
    away: &impl Fn(usize, Duration, Duration) -> bool,
) -> Vec<Introduction> {
    let mut friends: HashSet<(usize, usize)> = input.friendships.iter().map(|&(a, b)| (a.min(b), a.max(b))).collect();
    let window = INTRODUCTION_WINDOW.min(length.mul_f64(0.3));
    let guard = guard(length);
    let mut introductions = Vec::new();
    for at in spread(occurrences(length, INTRODUCTION_EVERY), length, 0.05, 0.6) {
        let online = |u: usize| !away(u, at.saturating_sub(guard), at + window);
        let candidates: Vec<usize> = input.users.iter().copied().filter(|&u| online(u)).collect();
        for _ in 0..DRAWS {
            if candidates.len() < 2 {
                break;
            }
            let a = candidates[rng.gen_range(0..candidates.len())];
            let b = candidates[rng.gen_range(0..candidates.len())];
            if a != b && friends.insert((a.min(b), a.max(b))) {
                introductions.push(Introduction { at, a, b });
                break;
            }
        }
    }
    introductions
}

fn draw_group_send(
    groups: &[Vec<usize>],
    at: Duration,
    rng: &mut StdRng,
    can_send: &impl Fn(usize, Duration) -> bool,
) -> Option<Traffic> {
    if groups.is_empty() {
        return None;
    }
    let group = rng.gen_range(0..groups.len());
    let senders: Vec<usize> = groups[group].iter().copied().filter(|&m| can_send(m, at)).collect();
    let from = *senders.get(rng.gen_range(0..senders.len().max(1)))?;
    Some(Traffic::Group { group, from })
}

fn draw_direct_send(
    friends: &[(usize, usize)],
    at: Duration,
    rng: &mut StdRng,
    can_send: &impl Fn(usize, Duration) -> bool,
) -> Option<Traffic> {
    if friends.is_empty() {
        return None;
    }
    let pick = |(a, b): (usize, usize), flip: bool| {
        let (from, to) = if flip { (b, a) } else { (a, b) };
        if can_send(from, at) {
            Some(Traffic::Direct { from, to })
        } else if can_send(to, at) {
            Some(Traffic::Direct { from: to, to: from })
        } else {
            None
        }
    };
    for _ in 0..DRAWS {
        let pair = friends[rng.gen_range(0..friends.len())];
        if let Some(traffic) = pick(pair, rng.gen_bool(0.5)) {
            return Some(traffic);
        }
    }
    friends.iter().find_map(|&pair| pick(pair, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(seed: u64, messages: usize, rate: f64) -> PlanInput {
        let users: Vec<usize> = (1..=40).collect();
        PlanInput {
            friendships: (1..40).step_by(2).map(|i| (i, i + 1)).collect(),
            groups: users.chunks(5).map(<[usize]>::to_vec).collect(),
            users,
            messages,
            rate,
            seed,
            churn: None,
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_plan() {
        let plan = Plan::draw(&input(7, 5_000, 100.0));
        assert_eq!(plan, Plan::draw(&input(7, 5_000, 100.0)));
        assert_ne!(plan, Plan::draw(&input(8, 5_000, 100.0)));
    }

    #[test]
    fn a_fifth_of_the_messages_go_to_groups() {
        let plan = Plan::draw(&input(1, 20_000, 200.0));
        assert_eq!(plan.sends.len(), 20_000, "every message has a sender");
        let groups = plan
            .sends
            .iter()
            .filter(|s| matches!(s.traffic, Traffic::Group { .. }))
            .count();
        let share = groups as f64 / plan.sends.len() as f64;
        assert!((share - GROUP_SHARE).abs() < 0.02, "group share {share}");
    }

    #[test]
    fn nobody_sends_while_away_and_absences_end_in_time() {
        let (messages, rate) = (12_000, 100.0); // 120 s
        let input = input(3, messages, rate);
        let plan = Plan::draw(&input);
        let length = length(messages, rate);
        assert_eq!(plan.absences.len(), 12);
        assert!(plan.absences.iter().all(|a| a.back <= length.mul_f64(0.85)));
        for send in &plan.sends {
            let from = send.traffic.from();
            assert!(
                !plan
                    .absences
                    .iter()
                    .any(|a| a.node == from && a.leave <= send.at + guard(length) && send.at <= a.back + guard(length)),
                "{send:?} while away"
            );
        }
    }

    #[test]
    fn a_churn_share_keeps_that_share_of_users_away_over_the_whole_run() {
        let (messages, rate) = (60_000, 100.0); // 600 s
        let input = PlanInput {
            churn: Some(0.3),
            ..input(9, messages, rate)
        };
        let plan = Plan::draw(&input);
        let length = length(messages, rate);
        // 30 % of 40 users for 600 s, in absences of 60 s: 120 of them.
        assert_eq!(plan.absences.len(), 120);
        assert!(plan.absences.iter().all(|a| a.back + guard(length) <= length));
        assert!(plan.absences.first().is_some_and(|a| a.leave < length / 100));
        // Away at each second: 12 users on average, and never fewer than 2 online.
        let away_at = |t: Duration| plan.absences.iter().filter(|a| a.leave <= t && t < a.back).count();
        let seconds: Vec<usize> = (0..600).map(|s| away_at(Duration::from_secs(s))).collect();
        let mean = seconds.iter().sum::<usize>() as f64 / seconds.len() as f64;
        assert!((mean - 12.0).abs() < 1.0, "{mean} away on average");
        assert!(seconds.iter().all(|&away| away + 2 <= input.users.len()));
    }

    #[test]
    fn introductions_are_of_strangers_who_then_talk() {
        let input = input(5, 6_000, 100.0); // 60 s
        let plan = Plan::draw(&input);
        assert_eq!(plan.introductions.len(), 12);
        let length = length(6_000, 100.0);
        for intro in &plan.introductions {
            assert!(
                !input.friendships.contains(&(intro.a, intro.b)) && !input.friendships.contains(&(intro.b, intro.a))
            );
            let talked = plan.sends.iter().any(|s| {
                s.at >= intro.at + settle(length)
                    && matches!(s.traffic, Traffic::Direct { from, to } if (from, to) == (intro.a, intro.b) || (from, to) == (intro.b, intro.a))
            });
            assert!(
                talked || intro.at + settle(length) > length.mul_f64(0.9),
                "{intro:?} never talked"
            );
        }
    }

    #[test]
    fn short_runs_still_have_an_absence_and_an_introduction() {
        let plan = Plan::draw(&input(1, 100, 20.0)); // 5 s
        assert_eq!((plan.absences.len(), plan.introductions.len()), (1, 1));
        assert_eq!(plan.sends.len(), 100);
    }
}
