//! `testnet --scenario chaos` end to end, small: four users and a device linked to the
//! first one's account, each a separate `chingu run` process, killed with SIGKILL at
//! random and started again while they chat 1:1 and in a group. Every message whose send
//! was answered is in its sender's and each recipient's history exactly once — on both
//! devices of the person with two — every killed node came back, and no frame failed to
//! decrypt (a reused nonce or a lost key would). The scenario waits on events and reads
//! histories with deadlines; nothing here depends on timing.

use crate::common::{count, testnet_report};

#[test]
fn users_killed_at_random_lose_and_duplicate_nothing() {
    let report = testnet_report(&[
        "--nodes",
        "1",
        "--scenario",
        "chaos",
        "--processes",
        "4",
        "--group-size",
        "4",
        "--rate",
        "20",
        "--duration",
        "8",
        "--kill-every",
        "2",
        "--devices",
        "1",
    ]);
    let chaos = &report["chaos"];
    // Kills come every 1–3 s over 8 s of traffic.
    assert!(count(chaos, "kills") >= 1, "{chaos:#}");
    assert_eq!(count(chaos, "kills_survived"), count(chaos, "kills"), "{chaos:#}");
    assert_eq!(chaos["restart_failures"], serde_json::json!([]), "{chaos:#}");
    assert_eq!(count(chaos, "devices"), 1, "{chaos:#}");
    for path in ["one_to_one", "linked_devices", "group"] {
        assert!(count(chaos, &format!("{path}/acked")) > 0, "{chaos:#}");
        assert_eq!(count(chaos, &format!("{path}/lost")), 0, "{chaos:#}");
        assert_eq!(count(chaos, &format!("{path}/duplicates")), 0, "{chaos:#}");
    }
    assert!(chaos["converged_after_ms"].is_f64(), "{chaos:#}");
    let rejected = chaos["rejected"].as_object().expect("a map");
    assert!(
        rejected.keys().all(|reason| !reason.contains("decrypt")),
        "{rejected:?}"
    );
}
