//! Sources that fall silent while the others go on: lost logs, a dead host, or traffic
//! that stopped. Rotated files are one stream (`haproxy.log`, `haproxy.log.1`,
//! `haproxy.log.2.gz`…): a stream is silent where none of its files has a line.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::{Entry, Evidence};
use crate::event::{Nanos, Severity};
use crate::scan::SourceStats;

/// The shortest silence reported, whatever the stream's usual pace.
const GAP_MIN: Nanos = 15 * 60 * 1_000_000_000;
/// A silence must also be this many times the stream's mean interval between lines…
const PACE_FACTOR: f64 = 20.0;
/// …and, in a stream where long silences are routine (bursty logs such as etcd's), this
/// many times its median silence.
const ROUTINE_FACTOR: f64 = 3.0;

/// The stream a file belongs to: its path without rotation suffixes.
pub fn stream_of(path: &str) -> &str {
    let mut s = path;
    for ext in [".gz", ".zst", ".bz2", ".xz"] {
        s = s.strip_suffix(ext).unwrap_or(s);
    }
    // haproxy.log.3 → haproxy.log; syslog-20240405 → syslog
    if let Some((head, tail)) = s.rsplit_once(['.', '-']) {
        if !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) {
            return head;
        }
    }
    s
}

/// One entry per silence of a stream that other streams talked through.
pub fn silences(sources: &[SourceStats]) -> Vec<Entry> {
    let mut streams: BTreeMap<&str, Vec<&SourceStats>> = BTreeMap::new();
    for s in sources.iter().filter(|s| s.first_ts.is_some()) {
        streams.entry(stream_of(&s.input)).or_default().push(s);
    }
    // Each stream's coverage: its silences, between and inside its files.
    let mut found: Vec<(&str, Nanos, Nanos, Option<Evidence>)> = Vec::new();
    for (name, files) in &streams {
        let mut spans: Vec<(Nanos, Nanos, &SourceStats)> = files
            .iter()
            .filter_map(|s| Some((s.first_ts?, s.last_ts?, *s)))
            .collect();
        spans.sort_by_key(|x| x.0);
        let (first, last) = (
            spans[0].0,
            spans.iter().map(|x| x.1).max().unwrap_or(spans[0].1),
        );
        let lines: u64 = files.iter().map(|s| s.parsed).sum();
        let pace = (last - first) as f64 / lines.max(1) as f64;
        // Every silence of the stream: between its files, and inside them.
        let mut all: Vec<(Nanos, Nanos, Option<Evidence>)> = Vec::new();
        let mut covered_to = spans[0].1;
        for w in spans.windows(2) {
            covered_to = covered_to.max(w[0].1);
            if w[1].0 - covered_to > 0 {
                all.push((covered_to, w[1].0, None));
            }
        }
        for s in files {
            for g in &s.silences {
                let ev = Evidence {
                    source: Arc::from(s.input.as_str()),
                    line: g.line,
                    text: g.text.clone(),
                };
                all.push((g.from, g.to, Some(ev)));
            }
        }
        let mut lengths: Vec<Nanos> = all
            .iter()
            .map(|(f, t, _)| t - f)
            .filter(|d| *d >= GAP_MIN)
            .collect();
        lengths.sort_unstable();
        let routine = if lengths.len() >= 3 {
            ROUTINE_FACTOR * lengths[lengths.len() / 2] as f64
        } else {
            0.0
        };
        let threshold = (GAP_MIN as f64).max(PACE_FACTOR * pace).max(routine);
        for (from, to, ev) in all {
            if (to - from) as f64 >= threshold {
                found.push((name, from, to, ev));
            }
        }
    }
    // Only silences others talked through: another stream has lines on both sides.
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for (name, from, to, ev) in found {
        let others = streams
            .iter()
            .filter(|(n, _)| **n != name)
            .any(|(_, files)| {
                let f = files.iter().filter_map(|s| s.first_ts).min();
                let l = files.iter().filter_map(|s| s.last_ts).max();
                f.is_some_and(|f| f < from) && l.is_some_and(|l| l > to)
            });
        if !others || !seen.insert((name, from)) {
            continue;
        }
        let hours = (to - from) as f64 / 3.6e12;
        out.push(Entry {
            ts: from,
            ts_prec: 3,
            end: to,
            end_prec: 3,
            kind: Arc::from("source.gap"),
            severity: Severity::Warning,
            count: 1,
            component: Some(name.to_string()),
            hosts: BTreeSet::new(),
            template: String::new(),
            summary: format!(
                "no lines from {name} for {} while other sources went on",
                if hours >= 1.0 {
                    format!("{hours:.1} h")
                } else {
                    format!("{:.0} min", hours * 60.0)
                }
            ),
            marker: None,
            evidence: ev.into_iter().collect(),
            terms: BTreeSet::new(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotated_files_are_one_stream() {
        assert_eq!(stream_of("lb1/haproxy.log.2.gz"), "lb1/haproxy.log");
        assert_eq!(stream_of("lb1/haproxy.log.1"), "lb1/haproxy.log");
        assert_eq!(stream_of("lb1/haproxy.log"), "lb1/haproxy.log");
        assert_eq!(stream_of("host/syslog-20240405.gz"), "host/syslog");
        assert_eq!(stream_of("eve.json"), "eve.json");
    }
}
