//! `--scenario group-compare`: `group`, `group-raw` and `group-iroh` one after another in
//! this process, with the same `--group-size`, `--messages` and `--rate`, so that the
//! three run on the same machine under the same load. Each section is that scenario's
//! report (with `usage`: CPU and memory from its first send to its last arrival); `side_by_side`
//! lines up the figures that matter and the ratios of `group` to each baseline.
//!
//! The iroh baseline is compiled only with the cargo feature [`GROUP_IROH_FEATURE`]
//! (iroh is a heavy dependency CI does not build). Without it, `group-iroh` and
//! `group-compare` stay listed and answer at once, before any node starts, with an
//! error that names the feature and the command that builds it.

use serde_json::{json, Map, Value};

use super::super::{TestNet, TestNetError};
use super::ScenarioOptions;

/// The cargo feature that builds the iroh-gossip baseline.
pub const GROUP_IROH_FEATURE: &str = "iroh-baseline";

/// `--scenario group-iroh`.
pub async fn run_iroh(options: &ScenarioOptions) -> Result<Map<String, Value>, TestNetError> {
    #[cfg(feature = "iroh-baseline")]
    {
        super::group_iroh::run(options.group_size, options.messages, options.rate).await
    }
    #[cfg(not(feature = "iroh-baseline"))]
    {
        let _ = options;
        super::Scenario::GroupIroh.check_available().map(|()| Map::new())
    }
}

/// `--scenario group-compare`.
pub async fn run(net: &mut TestNet, options: &ScenarioOptions) -> Result<Map<String, Value>, TestNetError> {
    super::Scenario::GroupCompare.check_available()?;
    let group = super::group::run(net, options.group_size, options.messages, options.rate).await?;
    let raw = super::group_raw::run(options.group_size, options.messages, options.rate).await?;
    let iroh = run_iroh(options).await?;
    let mut map = Map::new();
    map.insert("side_by_side".into(), side_by_side(&group, &raw, &iroh));
    map.insert("group".into(), Value::Object(group));
    map.insert("group_raw".into(), Value::Object(raw));
    map.insert("group_iroh".into(), Value::Object(iroh));
    Ok(map)
}

/// One row per scenario with deliveries/s, latency, losses, CPU and memory, and the
/// ratios of `group` to each baseline (deliveries/s: higher is better for `group`; p99
/// and CPU per delivery: lower is).
fn side_by_side(group: &Map<String, Value>, raw: &Map<String, Value>, iroh: &Map<String, Value>) -> Value {
    let number = |map: &Map<String, Value>, path: &[&str]| -> f64 {
        let mut value = Some(&Value::Object(map.clone()));
        for key in path {
            value = value.and_then(|v| v.get(key));
        }
        value.and_then(Value::as_f64).unwrap_or(0.0)
    };
    let row = |map: &Map<String, Value>| {
        let delivered = number(map, &["delivered"]);
        let cpu = number(map, &["usage", "cpu_s"]);
        json!({
            "deliveries_per_s": number(map, &["deliveries_per_s"]),
            "p50_ms": number(map, &["p50_ms"]),
            "p99_ms": number(map, &["p99_ms"]),
            "delivered": delivered,
            "lost": number(map, &["lost"]),
            "duplicates": number(map, &["duplicates"]),
            "cpu_s": cpu,
            "cpu_ms_per_delivery": super::super::stats::round(cpu * 1000.0 / delivered.max(1.0)),
            "rss_start_bytes": number(map, &["usage", "rss_start_bytes"]),
            "rss_peak_bytes": number(map, &["usage", "rss_peak_bytes"]),
        })
    };
    let ratio = |a: f64, b: f64| {
        if b > 0.0 {
            super::super::stats::round(a / b)
        } else {
            0.0
        }
    };
    let ratios = |baseline: &Map<String, Value>| {
        let cpu_per = |m: &Map<String, Value>| number(m, &["usage", "cpu_s"]) / number(m, &["delivered"]).max(1.0);
        json!({
            "deliveries_per_s": ratio(number(group, &["deliveries_per_s"]), number(baseline, &["deliveries_per_s"])),
            "p99": ratio(number(group, &["p99_ms"]), number(baseline, &["p99_ms"])),
            "cpu_per_delivery": ratio(cpu_per(group), cpu_per(baseline)),
        })
    };
    json!({
        "group": row(group),
        "group_raw": row(raw),
        "group_iroh": row(iroh),
        "group_vs_raw": ratios(raw),
        "group_vs_iroh": ratios(iroh),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testnet::scenarios::Scenario;

    #[test]
    fn the_iroh_scenarios_name_their_feature_when_it_is_off() {
        for scenario in [Scenario::GroupIroh, Scenario::GroupCompare] {
            let available = scenario.check_available();
            assert_eq!(available.is_ok(), cfg!(feature = "iroh-baseline"), "{available:?}");
            if let Err(e) = available {
                assert!(e.to_string().contains("--features iroh-baseline"), "{e}");
            }
        }
        assert!(Scenario::SeedDay.check_available().is_ok());
    }

    #[test]
    fn side_by_side_lines_up_the_three_and_their_ratios() {
        let run = |per_s: f64, p99: f64, cpu: f64| {
            let value = json!({
                "deliveries_per_s": per_s, "p50_ms": 1.0, "p99_ms": p99, "delivered": 1000,
                "lost": 0, "duplicates": 0, "usage": {"cpu_s": cpu, "rss_peak_bytes": 10},
            });
            value.as_object().cloned().unwrap()
        };
        let table = side_by_side(&run(500.0, 40.0, 4.0), &run(1000.0, 10.0, 1.0), &run(2000.0, 20.0, 2.0));
        assert_eq!(table["group"]["cpu_ms_per_delivery"], 4.0);
        assert_eq!(table["group_raw"]["deliveries_per_s"], 1000.0);
        assert_eq!(table["group_vs_raw"]["deliveries_per_s"], 0.5);
        assert_eq!(table["group_vs_raw"]["p99"], 4.0);
        assert_eq!(table["group_vs_iroh"]["cpu_per_delivery"], 2.0);
    }
}
