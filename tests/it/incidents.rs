//! Incident finding on the shipped samples, against the generator's ground truth:
//! one incident per scenario (none on the healthy stretches), impact start and
//! mitigation within one analysis window, the true trigger ranked first, the paging
//! trail observed at the instants the truth states, and the IDS cascade in order.

use serde_json::Value;

use crate::support::{root, timeline_json};

const SCENARIOS: &[&str] = &[
    "ids-disk-full",
    "lb-single-backend",
    "auth-503",
    "firewall-drop",
];
/// lb2's clock is 3.2 s fast in every scenario: lines it wrote may lead the truth by that.
const SKEW_NS: i64 = 3_300_000_000;

fn ns(ts: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(ts)
        .unwrap()
        .timestamp_nanos_opt()
        .unwrap()
}

fn run(scenario: &str) -> (Value, Value) {
    let dir = root().join("samples").join(scenario);
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    let (v, code) = timeline_json(&[dir.join("logs").to_str().unwrap()]);
    assert_eq!(code, 0, "{scenario}");
    (v, truth)
}

#[test]
fn each_scenario_is_one_incident_with_markers_that_match_the_truth() {
    for scenario in SCENARIOS {
        let (v, truth) = run(scenario);
        let incidents = v["incidents"].as_array().unwrap();
        assert_eq!(
            incidents.len(),
            1,
            "{scenario}: exactly one incident, none on the healthy stretches"
        );
        let i = &incidents[0];
        let window = v["analysis"]["window_s"].as_i64().unwrap() * 1_000_000_000;
        let m = &i["markers"];
        for key in [
            "impact_start",
            "detected",
            "acknowledged",
            "escalated",
            "mitigated",
            "resolved",
        ] {
            let marker = &m[key];
            if marker.is_null() {
                continue;
            }
            for field in ["ts", "confidence", "rule", "evidence"] {
                assert!(
                    marker.get(field).is_some(),
                    "{scenario}: {key} lacks {field}"
                );
            }
        }
        let close = |what: &str, got: &Value, want: &str, tol: i64| {
            let d = (ns(got.as_str().unwrap()) - ns(want)).abs();
            assert!(
                d <= tol,
                "{scenario}: {what} {got} vs truth {want} ({:.1}s apart)",
                d as f64 / 1e9
            );
        };
        close(
            "impact_start",
            &m["impact_start"]["ts"],
            truth["impact_start"].as_str().unwrap(),
            window,
        );
        close(
            "mitigated",
            &m["mitigated"]["ts"],
            truth["impact_end"].as_str().unwrap(),
            window,
        );

        // The true trigger ranks first (same kind, at its time, up to lb2's skew).
        let t = &i["trigger"][0];
        assert_eq!(
            t["kind"], truth["trigger"]["kind"],
            "{scenario}: trigger {t}"
        );
        close(
            "trigger",
            &t["ts"],
            truth["trigger"]["ts"].as_str().unwrap(),
            SKEW_NS,
        );

        // The mitigation is attributed to the true action.
        let ev = &m["mitigated"]["evidence"][0];
        let want = &truth["mitigation"];
        assert!(
            ev["source"]
                .as_str()
                .unwrap()
                .ends_with(want["file"].as_str().unwrap())
                && ev["line"] == want["line"]
                || ev["text"]
                    .as_str()
                    .unwrap()
                    .contains(want["text"].as_str().unwrap().split(": ").last().unwrap()),
            "{scenario}: mitigation evidence {ev} vs truth {want}"
        );

        // Detection and resolution, observed at the instants the truth states.
        for (marker, key) in [("detected", "detected"), ("resolved", "resolved")] {
            if truth[key].is_null() {
                continue;
            }
            assert_eq!(m[marker]["confidence"], "observed", "{scenario}: {marker}");
            close(
                marker,
                &m[marker]["ts"],
                truth[key]["ts"].as_str().unwrap(),
                1_000_000,
            );
        }
    }
}

#[test]
fn traffic_cessation_counts_lost_requests() {
    let (v, truth) = run("firewall-drop");
    let i = &v["incidents"][0];
    assert_eq!(i["signals"], serde_json::json!(["cessation"]));
    let lost = i["figures"]["requests_lost"].as_f64().unwrap();
    let want = truth["requests_lost"].as_f64().unwrap();
    // an estimate from the baseline rate: within 10% of what the generator withheld
    assert!(
        (lost - want).abs() <= 0.10 * want,
        "lost {lost} vs truth {want}"
    );
}

#[test]
fn the_ids_cascade_reads_in_order() {
    let (v, truth) = run("ids-disk-full");
    let timeline = v["incidents"][0]["timeline"].as_array().unwrap();
    // Each kind of the story appears at or after the one before it (up to lb2's skew).
    let mut at = i64::MIN;
    for kind in truth["order"].as_array().unwrap() {
        let next = timeline
            .iter()
            .filter(|e| e["kind"] == *kind)
            .map(|e| ns(e["ts"].as_str().unwrap()))
            .find(|t| *t >= at.saturating_sub(SKEW_NS))
            .unwrap_or_else(|| panic!("{kind} missing after {at} in the incident timeline"));
        at = at.max(next);
    }
    assert_eq!(v["incidents"][0]["trigger"][0]["kind"], "host.disk_full");
}

#[test]
fn streams_that_fall_silent_are_reported_as_gaps() {
    let gaps = |v: &Value| -> Vec<(String, i64, i64)> {
        let mut all: Vec<&Value> = v["timeline"].as_array().unwrap().iter().collect();
        for i in v["incidents"].as_array().unwrap() {
            all.extend(i["timeline"].as_array().unwrap());
        }
        all.into_iter()
            .filter(|e| e["kind"] == "source.gap")
            .map(|e| {
                (
                    e["component"].as_str().unwrap().to_string(),
                    ns(e["ts"].as_str().unwrap()),
                    ns(e["end"].as_str().unwrap()),
                )
            })
            .collect()
    };
    // The firewall dropped everything: the LB's log (all its rotations) fell silent.
    let (v, truth) = run("firewall-drop");
    let lb = gaps(&v)
        .into_iter()
        .find(|g| g.0.ends_with("lb1/haproxy.log"))
        .expect("a gap in lb1's HAProxy log");
    assert!(lb.2 - lb.1 > 26 * 3_600 * 1_000_000_000, "{lb:?}");
    let start = ns(truth["impact_start"].as_str().unwrap());
    assert!(
        (lb.1 - start).abs() < 60 * 1_000_000_000,
        "the silence starts with the impact"
    );
    // The IDS fell silent when the disk filled.
    let (v, truth) = run("ids-disk-full");
    let ids = gaps(&v)
        .into_iter()
        .find(|g| g.0.ends_with("lb1/suricata/eve.json"))
        .expect("a gap in lb1's EVE log");
    let full = ns(truth["trigger"]["ts"].as_str().unwrap());
    assert!((ids.1 - full).abs() < 60 * 1_000_000_000, "{ids:?}");
    // Bursty logs (etcd) and healthy streams are not reported.
    assert!(
        gaps(&v).iter().all(|g| !g.0.contains("etcd")),
        "{:?}",
        gaps(&v)
    );
    let (v, _) = run("lb-single-backend");
    assert!(gaps(&v).is_empty(), "{:?}", gaps(&v));
}
