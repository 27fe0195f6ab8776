//! `testnet --scenario seed-day` end to end on a small net: a mailbox and five users,
//! one group of three, four seconds of mixed traffic with an absence and an
//! introduction. Nothing is lost or duplicated and the report has every field.

use crate::common;
use std::time::Duration;

use serde_json::Value;

use chingu::testnet::scenarios::{Scenario, ScenarioOptions};

/// Every field of the seed-day report, by path.
const FIELDS: &[&str] = &[
    "seed",
    "rate",
    "duration_s",
    "run_s",
    "users",
    "friendships",
    "groups",
    "group_size",
    "planned",
    "sent",
    "send_errors",
    "offered_per_s",
    "absences",
    "dm/sent",
    "dm/delivered",
    "dm/lost",
    "dm/duplicates",
    "group/sent",
    "group/expected_deliveries",
    "group/delivered",
    "group/lost",
    "group/duplicates",
    "group/repaired",
    "lost",
    "duplicates",
    "latency/dm_online/p50_ms",
    "latency/dm_online/p99_ms",
    "latency/dm_mailbox/p99_ms",
    "latency/dm_deposit/p99_ms",
    "latency/group/p50_ms",
    "latency/group/p99_ms",
    "latency/group_catch_up/p99_ms",
    "latency/discovery/p50_ms",
    "discovery/introductions",
    "discovery/expected",
    "discovery/found",
    "cpu_s",
    "cpu_s_per_1000_messages",
    "rss/peak_bytes",
    "rss/start_bytes",
    "rss/end_bytes",
    "trend/rss_mib_per_min",
    "trend/rss_mib_per_min_second_half",
    "trend/heap_mib_per_min",
    "trend/fds_per_min",
    "trend/cpu_cores_per_min",
    "trend/cpu_cores_per_min_second_half",
    "trend/rss_max_bytes",
    "trend/cpu_cores_mean",
    "fsyncs/method",
    "events/lagged",
    "events/latency_samples_missing",
    "events/waited_for_discovery",
    "samples",
];

fn field<'a>(report: &'a Value, path: &str) -> &'a Value {
    path.split('/').fold(report, |value, key| &value[key])
}

fn number(report: &Value, path: &str) -> f64 {
    field(report, path)
        .as_f64()
        .unwrap_or_else(|| panic!("{path} is not a number in {report:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_seed_day_loses_nothing_and_reports_every_figure() {
    let options = ScenarioOptions {
        rate: 20.0,
        group_size: 3,
        duration: Some(Duration::from_secs(4)),
        seed: 7,
        ..ScenarioOptions::default()
    };
    let report = common::net::scenario_report(6, Scenario::SeedDay, &options).await;

    for path in FIELDS {
        assert!(!field(&report, path).is_null(), "no {path} in {report:#}");
    }
    let syncs = &report["fsyncs"];
    assert!(
        syncs["total"].is_u64() || syncs["unavailable"].is_string(),
        "disk syncs are counted or the report says why: {syncs:#}"
    );
    assert!(!report["samples"].as_array().unwrap().is_empty());

    assert_eq!(number(&report, "planned"), 80.0, "20 msg/s for 4 s");
    assert_eq!(number(&report, "sent"), 80.0, "{report:#}");
    assert_eq!(number(&report, "send_errors"), 0.0, "{report:#}");
    assert_eq!(number(&report, "lost"), 0.0, "{report:#}");
    assert_eq!(number(&report, "duplicates"), 0.0, "{report:#}");
    assert_eq!(number(&report, "absences"), 1.0, "the user came back: {report:#}");
    assert_eq!(
        number(&report, "discovery/found"),
        number(&report, "discovery/expected"),
        "{report:#}"
    );
    assert!(number(&report, "discovery/introductions") >= 1.0);
    for path in [
        "latency/dm_online/count",
        "latency/group/count",
        "latency/discovery/count",
    ] {
        assert!(number(&report, path) > 0.0, "no {path}: {report:#}");
    }
    assert!(number(&report, "cpu_s_per_1000_messages") > 0.0);
}
