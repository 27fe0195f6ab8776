//! `testnet --scenario relay-load` end to end, small: a real `chingu run --role relay`
//! process on 127.0.0.1 capped at 10 reservations and 3 (+ the probe) circuits, asked for
//! 12 reservations and 6 circuits by bare swarms. Everything within the caps is accepted
//! and carries its data, everything over them is refused (by the clients' account and by
//! the relay's own counters), the circuit asking for twice the byte cap is cut by the
//! relay, and the relay still serves a new circuit afterwards. The scenario waits on events
//! with deadlines; nothing here depends on timing.

use crate::common::{count as number, testnet_report};

#[test]
fn a_loaded_relay_enforces_its_caps_and_keeps_serving() {
    let report = testnet_report(&[
        "--nodes",
        "1",
        "--scenario",
        "relay-load",
        "--reservations",
        "10",
        "--circuits",
        "3",
        "--duration",
        "2",
    ]);
    assert_eq!(report["scenario"], "relay-load", "{report:#}");
    assert_eq!(report["relay"]["role"], "relay", "a real relay process: {report:#}");

    // Reservations: the 10 within the cap accepted, the 2 over it refused, on both sides.
    assert_eq!(number(&report, "reservations/asked"), 12);
    assert_eq!(number(&report, "reservations/accepted"), 10, "{report:#}");
    assert_eq!(number(&report, "reservations/refused"), 2, "{report:#}");
    assert_eq!(number(&report, "reservations/failed"), 0, "{report:#}");
    assert_eq!(
        number(&report, "relay_counters/reservations_accepted"),
        10,
        "{report:#}"
    );
    assert_eq!(
        number(&report, "relay_counters/reservations_refused/reservations_full"),
        2,
        "{report:#}"
    );

    // Circuits: 3 and the probe opened, the 2 over the cap refused, on both sides.
    assert_eq!(number(&report, "circuits/opened"), 4, "{report:#}");
    assert_eq!(number(&report, "circuits/refused"), 2, "{report:#}");
    assert_eq!(number(&report, "circuits/failed"), 0, "{report:#}");
    assert_eq!(
        number(&report, "relay_counters/circuits_refused/circuits_full"),
        2,
        "{report:#}"
    );
    assert_eq!(report["counters_agree"], true, "{report:#}");

    // Circuits within the byte cap carry all their data, both ways.
    let each_way = number(&report, "circuits/bytes_each_way");
    assert!(each_way > 0);
    assert_eq!(
        number(&report, "circuits/bytes_per_circuit/min"),
        2 * each_way,
        "{report:#}"
    );
    assert_eq!(number(&report, "circuits/cut_within_cap"), 0, "{report:#}");

    // The probe asked for twice the cap: the relay cut it before the cap went through.
    let cap = number(&report, "byte_cap/circuit_bytes");
    assert_eq!(report["byte_cap"]["cut"], true, "{report:#}");
    let delivered = number(&report, "byte_cap/delivered_bytes");
    assert!(delivered > 0 && delivered <= cap, "{delivered} of {cap}: {report:#}");

    // And the relay still serves: the probe's slot came free and a new circuit echoed.
    assert_eq!(report["serving_after"], true, "{report:#}");
    assert!(number(&report, "circuits_after_cut") <= 3, "{report:#}");
    for path in [
        "relay_rss/idle_bytes",
        "relay_rss/with_reservations_bytes",
        "relay_rss/peak_with_circuits_bytes",
    ] {
        assert!(number(&report, path) > 0, "no {path}: {report:#}");
    }
    assert!(report["relay_cpu"]["circuit_phase_s"].is_f64(), "{report:#}");
}
