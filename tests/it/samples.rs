//! The shipped samples (samples/<scenario>/, written by tools/samplegen) against their
//! ground truth: every file detected as its format and fully parsed, counts exact, and
//! every marker line of the story read as the kind and instant the truth states.

use std::collections::{BTreeMap, HashSet};

use coroner::{read, Config};
use serde_json::Value;

use crate::corpus::args;
use crate::support::root;

const SCENARIOS: &[&str] = &[
    "ids-disk-full",
    "lb-single-backend",
    "auth-503",
    "firewall-drop",
];
const MARKERS: &[&str] = &["trigger", "mitigation", "detected", "resolved"];

fn instant(ts: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(ts)
        .unwrap()
        .timestamp_nanos_opt()
        .unwrap()
}

#[test]
fn every_sample_parses_fully_and_matches_its_truth() {
    for scenario in SCENARIOS {
        let dir = root().join("samples").join(scenario);
        let truth: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap())
                .unwrap();
        let logs = dir.join("logs");
        let prefix = format!("{}/", logs.display());
        let rel = |source: &str| source.strip_prefix(&prefix).unwrap_or(source).to_string();

        let wanted: HashSet<(String, u64)> = MARKERS
            .iter()
            .filter_map(|m| truth[m].as_object())
            .map(|m| {
                (
                    m["file"].as_str().unwrap().to_string(),
                    m["line"].as_u64().unwrap(),
                )
            })
            .collect();
        let mut seen: BTreeMap<(String, u64), Vec<(String, i64)>> = BTreeMap::new();
        let cfg = Config::from_args(&args(vec![logs.display().to_string()]), 0).unwrap();
        let (run, _) = read(&cfg, true, |e| {
            let key = (rel(&e.source), e.line);
            if wanted.contains(&key) {
                seen.entry(key)
                    .or_default()
                    .push((e.kind.to_string(), e.ts));
            }
            Ok::<(), ()>(())
        })
        .unwrap();

        // Files: each detected as the truth's format, every line parsed.
        let files: BTreeMap<String, (String, u64)> = truth["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let path = f["path"].as_str().unwrap().to_string();
                (
                    path,
                    (
                        f["format"].as_str().unwrap().to_string(),
                        f["lines"].as_u64().unwrap(),
                    ),
                )
            })
            .collect();
        assert_eq!(
            run.sources.len(),
            files.len(),
            "{scenario}: one source per file"
        );
        for s in &run.sources {
            let path = rel(&s.input);
            let (format, lines) = &files[&path];
            let got = s.format.as_deref().unwrap_or("?");
            assert!(
                got.starts_with(format.as_str()),
                "{scenario}/{path}: detected {got}, truth {format}"
            );
            assert_eq!(s.lines, *lines, "{scenario}/{path}: lines");
            assert_eq!(s.rejected, 0, "{scenario}/{path}: {:?}", s.reject_examples);
            assert!(s.damage.is_none(), "{scenario}/{path}: {:?}", s.damage);
        }

        // Requests: the LB logs' request lines and failures, exactly.
        let lb = run
            .sources
            .iter()
            .filter(|s| s.format.as_deref() == Some("haproxy_http"));
        let (total, failed) = lb.fold((0, 0), |(t, f), s| (t + s.requests, f + s.requests_failed));
        assert_eq!(
            total,
            truth["requests_total"].as_u64().unwrap(),
            "{scenario}: requests"
        );
        assert_eq!(
            failed,
            truth["requests_failed"].as_u64().unwrap(),
            "{scenario}: failed"
        );

        // Markers: the line the truth names gives an event of that kind at that instant.
        for m in MARKERS {
            let Some(want) = truth[m].as_object() else {
                continue;
            };
            let key = (
                want["file"].as_str().unwrap().to_string(),
                want["line"].as_u64().unwrap(),
            );
            let kind = want["kind"].as_str().unwrap();
            let ts = instant(want["ts"].as_str().unwrap());
            let got = seen.get(&key).cloned().unwrap_or_default();
            assert!(
                got.iter().any(|(k, t)| k == kind && *t == ts),
                "{scenario}: {m} at {key:?} should be {kind} at {}, got {got:?}",
                want["ts"]
            );
        }
    }
}
