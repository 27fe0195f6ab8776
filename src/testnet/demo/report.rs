//! The demo's figures, kept apart from the net that produces them: per delivery path,
//! how many message copies were sent, how many arrived, and how long they took from the
//! sender's `send` to the recipient's `message_received` event.

use std::time::Duration;

use serde::Serialize;

/// The ways a message travels in the demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Path {
    /// 1:1, both people online: straight over their session.
    Online,
    /// 1:1 to someone offline: sealed on a mailbox, fetched when they are back.
    Mailbox,
    /// A group (gossipsub).
    Group,
    /// A flash meetup (a group joined by code).
    Meetup,
}

impl Path {
    /// Every path, in the order the demo walks them.
    pub const ALL: [Path; 4] = [Path::Online, Path::Mailbox, Path::Group, Path::Meetup];
}

/// The figures of one path. A copy is one message to one recipient (a group message to
/// two members is two copies).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PathStats {
    /// Copies sent.
    pub sent: usize,
    /// Copies that reached their recipient before the deadline.
    pub delivered: usize,
    /// Copies that did not.
    pub lost: usize,
    /// Send → received, median (ms); `None` if nothing arrived.
    pub p50_ms: Option<f64>,
    /// Send → received, slowest (ms).
    pub max_ms: Option<f64>,
}

/// The demo's outcome: figures per path and the total wall time.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// (path, figures), in [`Path::ALL`] order.
    pub paths: Vec<(Path, PathStats)>,
    /// From the first node's start to the summary (ms).
    pub total_ms: u64,
}

impl Report {
    /// Copies lost over every path.
    pub fn lost(&self) -> usize {
        self.paths.iter().map(|(_, stats)| stats.lost).sum()
    }
}

/// Collects the outcome of every copy while the demo runs.
#[derive(Debug, Default)]
pub struct Tally {
    copies: Vec<(Path, Option<Duration>)>,
}

impl Tally {
    /// Records one copy on `path`: its latency if it arrived, `None` if it was lost.
    pub fn record(&mut self, path: Path, latency: Option<Duration>) {
        self.copies.push((path, latency));
    }

    /// The figures of one path.
    pub fn stats(&self, path: Path) -> PathStats {
        let mut latencies: Vec<f64> = Vec::new();
        let mut sent = 0;
        for (_, latency) in self.copies.iter().filter(|(p, _)| *p == path) {
            sent += 1;
            if let Some(latency) = latency {
                latencies.push(latency.as_secs_f64() * 1000.0);
            }
        }
        latencies.sort_by(f64::total_cmp);
        PathStats {
            sent,
            delivered: latencies.len(),
            lost: sent - latencies.len(),
            p50_ms: median(&latencies),
            max_ms: latencies.last().copied(),
        }
    }

    /// The report of every path, with the demo's total wall time.
    pub fn report(&self, total: Duration) -> Report {
        Report {
            paths: Path::ALL.iter().map(|path| (*path, self.stats(*path))).collect(),
            total_ms: total.as_millis() as u64,
        }
    }
}

/// The median of sorted values (the mean of the middle two for an even count).
fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Option<Duration> {
        Some(Duration::from_millis(n))
    }

    #[test]
    fn a_path_counts_copies_and_their_latencies() {
        let mut tally = Tally::default();
        for latency in [ms(30), ms(10), ms(20), None] {
            tally.record(Path::Group, latency);
        }
        tally.record(Path::Online, ms(5));
        let group = tally.stats(Path::Group);
        assert_eq!((group.sent, group.delivered, group.lost), (4, 3, 1));
        assert_eq!(group.p50_ms, Some(20.0));
        assert_eq!(group.max_ms, Some(30.0));
        assert_eq!(tally.stats(Path::Online).p50_ms, Some(5.0));
    }

    #[test]
    fn an_even_count_takes_the_mean_of_the_middle_two() {
        let mut tally = Tally::default();
        for latency in [ms(40), ms(10), ms(20), ms(30)] {
            tally.record(Path::Meetup, latency);
        }
        assert_eq!(tally.stats(Path::Meetup).p50_ms, Some(25.0));
    }

    #[test]
    fn an_unused_or_fully_lost_path_has_no_latency() {
        let mut tally = Tally::default();
        tally.record(Path::Mailbox, None);
        let report = tally.report(Duration::from_secs(2));
        let stats: Vec<_> = report.paths.iter().map(|(p, s)| (*p, s.clone())).collect();
        assert_eq!(stats.len(), 4, "every path is reported");
        let mailbox = &stats[1].1;
        assert_eq!((mailbox.sent, mailbox.lost, mailbox.p50_ms), (1, 1, None));
        assert_eq!(stats[0].1, PathStats::default());
        assert_eq!((report.lost(), report.total_ms), (1, 2000));
    }
}
