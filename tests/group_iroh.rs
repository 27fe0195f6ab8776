//! `testnet --scenario group-iroh` (cargo feature `iroh-baseline`): iroh-gossip members
//! on loopback deliver every message once, and the report has its CPU and memory.
#![cfg(feature = "iroh-baseline")]

use crate::common;
use chingu::testnet::scenarios::{Scenario, ScenarioOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iroh_gossip_members_on_loopback_get_every_message_once() {
    let options = ScenarioOptions {
        messages: 40,
        rate: 100.0,
        group_size: 4,
        ..ScenarioOptions::default()
    };
    let report = common::net::scenario_report(2, Scenario::GroupIroh, &options).await;
    assert_eq!(report["scenario"], "group-iroh");
    common::net::assert_every_message_once(&report, 120);
    assert!(report["p99_ms"].as_f64().unwrap() > 0.0, "{report:#}");
    for key in ["wall_s", "cpu_s", "cpu_cores", "rss_start_bytes", "rss_peak_bytes"] {
        assert!(report["usage"][key].is_number(), "no usage.{key}: {report:#}");
    }
}
