//! `testnet --scenario group` end to end on a small net: six members get every message
//! once, and the report shows the members' gossipsub meshes as they stand when sending
//! starts.

use crate::common;
use chingu::testnet::scenarios::{Scenario, ScenarioOptions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_group_gets_every_message_and_the_report_shows_its_meshes() {
    let options = ScenarioOptions {
        messages: 30,
        rate: 30.0,
        group_size: 6,
        ..ScenarioOptions::default()
    };
    let report = common::net::scenario_report(7, Scenario::Group, &options).await;
    common::net::assert_every_message_once(&report, 150);

    let samples = report["gossip"].as_array().expect("gossip samples");
    let first = samples.first().unwrap_or_else(|| panic!("no sample: {report:#}"));
    assert_eq!(first["at_s"], 0, "sampled as sending starts: {first:#}");
    let parts = first["mesh_parts"].as_u64().unwrap();
    assert!((1..=6).contains(&parts), "{first:#}");
    // A mesh may exceed D_hi between heartbeats (grafts are accepted, the heartbeat
    // prunes): only fellow members are in it.
    let most = first["mesh"]["max"].as_u64().unwrap();
    assert!((1..=5).contains(&most), "members have mesh peers: {first:#}");
    assert!(
        first["gossip_peers"]["max"].as_u64().unwrap() <= 5,
        "only fellow members: {first:#}"
    );
    for key in [
        "without_mesh",
        "scores_below_0",
        "scores_below_gossip",
        "scores_below_publish",
        "scores_graylisted",
    ] {
        assert!(first[key].is_u64(), "no {key}: {first:#}");
    }
}
