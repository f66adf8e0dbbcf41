//! The report's figures hold up to a recount: on the LB-typo scenario the failed requests
//! of the impact window equal the failing lines of its LB logs in that window, counted
//! here from the raw files, and the clients affected equal the generator's truth.

use std::collections::HashSet;
use std::io::Read;

use chrono::NaiveDateTime;
use serde_json::Value;

use crate::support::{root, timeline_json};

fn ns(ts: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(ts)
        .unwrap()
        .timestamp_nanos_opt()
        .unwrap()
}

/// (accept instant, failed, client) of every HAProxy request line of the scenario.
fn lb_requests(logs: &std::path::Path) -> Vec<(i64, bool, String)> {
    let mut out = Vec::new();
    for lb in ["lb1", "lb2"] {
        for entry in std::fs::read_dir(logs.join(lb)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if !name.starts_with("haproxy.log") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let mut text = String::new();
            if bytes.starts_with(&[0x1f, 0x8b]) {
                flate2::read::MultiGzDecoder::new(&bytes[..])
                    .read_to_string(&mut text)
                    .unwrap();
            } else {
                text = String::from_utf8(bytes).unwrap();
            }
            for line in text.lines() {
                // `<syslog> client:port [dd/Mon/yyyy:HH:MM:SS.mmm] fe be/srv timers status bytes - - TERM ...`
                let Some(open) = line.find(" [") else {
                    continue;
                };
                let Some(close) = line[open..].find("] ") else {
                    continue;
                };
                let stamp = &line[open + 2..open + close];
                let Ok(t) = NaiveDateTime::parse_from_str(stamp, "%d/%b/%Y:%H:%M:%S%.3f") else {
                    continue;
                };
                let head: Vec<&str> = line[..open].split_whitespace().collect();
                let client = head.last().unwrap().rsplit_once(':').unwrap().0.to_string();
                let rest: Vec<&str> = line[open + close + 2..].split_whitespace().collect();
                let server = rest[1].split('/').nth(1).unwrap_or("");
                let status: u16 = rest[3].parse().unwrap_or(0);
                let term = rest[7];
                let failed = status >= 500
                    || server == "<NOSRV>"
                    || term.starts_with(['s', 'S', 'R', 'I', 'D', 'K']);
                out.push((t.and_utc().timestamp_nanos_opt().unwrap(), failed, client));
            }
        }
    }
    out
}

#[test]
fn lb_typo_figures_match_a_recount_and_the_truth() {
    let dir = root().join("samples/lb-single-backend");
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    let (v, _) = timeline_json(&[dir.join("logs").to_str().unwrap()]);
    let i = &v["incidents"][0];
    let (start, end) = (
        ns(i["markers"]["impact_start"]["ts"].as_str().unwrap()),
        ns(i["markers"]["mitigated"]["ts"].as_str().unwrap()),
    );
    // the figures cover whole seconds from impact start to mitigation
    let (lo, hi) = (
        start.div_euclid(1_000_000_000),
        end.div_euclid(1_000_000_000),
    );
    let inside: Vec<_> = lb_requests(&dir.join("logs"))
        .into_iter()
        .filter(|(t, _, _)| (lo..=hi).contains(&t.div_euclid(1_000_000_000)))
        .collect();
    let failed = inside.iter().filter(|r| r.1).count() as u64;
    let fig = &i["figures"];
    assert_eq!(fig["requests_total"].as_u64().unwrap(), inside.len() as u64);
    assert_eq!(fig["requests_failed"].as_u64().unwrap(), failed);
    let affected: HashSet<&str> = inside
        .iter()
        .filter(|r| r.1)
        .map(|r| r.2.as_str())
        .collect();
    assert_eq!(
        fig["clients_affected"].as_u64().unwrap(),
        affected.len() as u64
    );
    assert_eq!(fig["clients_affected"], truth["impact"]["clients_affected"]);
}
