//! The sources' clocks against each other: skew estimated from the requests two sources
//! both logged (a load balancer and the backend behind it), reported, applied when asked.
//!
//! Consumes the request samples the scan keeps per source
//! ([`SourceStats::requests_sample`], keyed by client, path and status) after a read.
//! Produces a [`ClockSkew`]: for each stream of files (the rotations of one log are one
//! stream, one clock) whose clock could be placed, its offset against a reference stream,
//! the number of request pairs the estimate rests on and their spread
//! ([`crate::time::estimate`] says how).
//!
//! The rule, stated in every output:
//! - only streams with at least [`MIN_PAIRS`] sampled requests take part (the
//!   [`MAX_STREAMS`] busiest);
//! - the reference is the stream with the most requests (the front tier sees every
//!   request its backends see), ties by name;
//! - each other stream is compared with the reference; one that shares no requests with it
//!   is compared with the streams already placed, busiest first, and its offset is the
//!   sum along the way (`against` names the stream it was compared with);
//! - an estimate needs [`MIN_PAIRS`] matched requests and a pairing that is not
//!   ambiguous; a stream without one is listed as not placed, never given a guess.
//!
//! Offsets are measured on the instants as read, after any `--skew`: the correction a
//! stream needs is `−offset`, on top of the skew it already has.

use std::collections::BTreeMap;

use crate::event::Nanos;
use crate::scan::SourceStats;
use crate::time::{estimate_sampled, Sampler, DEFAULT_MAX_OFFSET, MIN_PAIRS};
use crate::timeline::stream_of;
use crate::Config;

/// Streams compared at most (the busiest): each pair costs an estimate.
pub const MAX_STREAMS: usize = 24;

/// How the reference is chosen, for the outputs.
pub const RULE: &str =
    "request pairs (same client, path and status) against the stream with the most requests";

/// What was done with an estimate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Reported only (no `--auto-skew`).
    Reported,
    /// Applied by `--auto-skew`.
    Applied,
    /// Not applied: an explicit `--skew` matches the stream, and wins.
    ExplicitSkew,
    /// Not applied: stdin cannot be read twice (`--auto-skew` reads files twice).
    Stdin,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Reported => "reported",
            Status::Applied => "applied",
            Status::ExplicitSkew => "not applied: --skew given",
            Status::Stdin => "not applied: stdin is read once",
        }
    }
}

/// One stream's clock, placed against the reference.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamSkew {
    /// The stream: its files' path without rotation suffixes (`-` for stdin).
    pub stream: String,
    pub inputs: Vec<String>,
    /// The stream it was compared with (the reference, or one placed through it).
    pub against: String,
    /// How far the stream's clock reads ahead of the reference's (negative: behind).
    pub offset: Nanos,
    /// Request pairs the last comparison rests on, and their spread (MAD).
    pub pairs: usize,
    pub spread: Nanos,
    /// The `--skew` the stream was read with.
    pub given: Nanos,
    pub status: Status,
}

impl StreamSkew {
    /// The shift that puts the stream on the reference's clock, to the millisecond (an
    /// estimate is not finer than that).
    pub fn correction(&self) -> Nanos {
        let ms = 1_000_000;
        -(self.offset as f64 / ms as f64).round() as Nanos * ms
    }

    /// The `--skew` option that reads the stream on the reference's clock (its current
    /// skew plus the correction), quoted for a shell.
    pub fn skew_arg(&self) -> String {
        let glob = if self.stream == "-" {
            "-".to_string()
        } else {
            format!("{}*", glob_escape(&self.stream))
        };
        let value = format!("{glob}={}", seconds(self.given + self.correction()));
        format!("--skew '{}'", value.replace('\'', r"'\''"))
    }
}

/// The skew found between the streams of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClockSkew {
    /// The reference stream, when any stream had requests enough.
    pub reference: Option<String>,
    /// `--auto-skew` was given.
    pub auto: bool,
    /// Placed streams, the reference excluded, in the order they were placed.
    pub estimates: Vec<StreamSkew>,
    /// Streams with requests enough whose clock could not be placed.
    pub unplaced: Vec<String>,
}

/// A stream's files and their pooled sample.
struct Stream<'a> {
    name: &'a str,
    inputs: Vec<&'a str>,
    sample: Sampler,
    requests: u64,
    given: Nanos,
}

/// The streams of the sources, busiest first (ties by name), with samples enough.
fn streams(sources: &[SourceStats]) -> Vec<Stream<'_>> {
    let mut by_name: BTreeMap<&str, Stream<'_>> = BTreeMap::new();
    for s in sources {
        let name = stream_of(&s.input);
        let st = by_name.entry(name).or_insert_with(|| Stream {
            name,
            inputs: Vec::new(),
            sample: Sampler::default(),
            requests: 0,
            given: (s.time.skew_s * 1e9).round() as Nanos,
        });
        st.inputs.push(&s.input);
        st.sample.absorb(&s.requests_sample);
        st.requests += s.requests;
    }
    let mut list: Vec<Stream<'_>> = by_name
        .into_values()
        .filter(|s| s.sample.observations().len() >= MIN_PAIRS)
        .collect();
    // Stable: ties keep name order.
    list.sort_by_key(|s| std::cmp::Reverse(s.requests));
    list.truncate(MAX_STREAMS);
    list
}

/// Places the streams' clocks (see the module documentation). `reference`: a stream to
/// use as the reference when it takes part (to keep the one of an earlier read).
pub fn estimate(sources: &[SourceStats], reference: Option<&str>) -> ClockSkew {
    let list = streams(sources);
    let Some(r) = reference
        .and_then(|n| list.iter().position(|s| s.name == n))
        .or((!list.is_empty()).then_some(0))
    else {
        return ClockSkew::default();
    };
    // (stream index, offset against the reference)
    let mut placed: Vec<(usize, Nanos)> = vec![(r, 0)];
    let mut out = ClockSkew {
        reference: Some(list[r].name.to_string()),
        ..ClockSkew::default()
    };
    let mut open: Vec<usize> = (0..list.len()).filter(|&i| i != r).collect();
    loop {
        let before = open.len();
        open.retain(|&u| {
            let found = placed.iter().find_map(|&(p, off)| {
                estimate_sampled(&list[p].sample, &list[u].sample, DEFAULT_MAX_OFFSET)
                    .map(|e| (p, off + e.offset, e))
            });
            let Some((p, offset, e)) = found else {
                return true;
            };
            placed.push((u, offset));
            out.estimates.push(StreamSkew {
                stream: list[u].name.to_string(),
                inputs: list[u].inputs.iter().map(|i| i.to_string()).collect(),
                against: list[p].name.to_string(),
                offset,
                pairs: e.pairs,
                spread: e.spread,
                given: list[u].given,
                status: Status::Reported,
            });
            false
        });
        if open.is_empty() || open.len() == before {
            break;
        }
    }
    out.unplaced = open.iter().map(|&u| list[u].name.to_string()).collect();
    out
}

impl ClockSkew {
    /// Decides what `--auto-skew` does with each estimate: applied, unless an explicit
    /// `--skew` matches one of the stream's files or the stream is stdin.
    pub fn decide(&mut self, cfg: &Config) {
        self.auto = cfg.auto_skew;
        for e in &mut self.estimates {
            e.status = if !cfg.auto_skew {
                Status::Reported
            } else if e.inputs.iter().any(|i| cfg.explicit_skew(i).is_some()) {
                Status::ExplicitSkew
            } else if e.inputs.iter().any(|i| i == "-") {
                Status::Stdin
            } else {
                Status::Applied
            };
        }
    }

    /// The skew `--auto-skew` applies to an input, if any.
    pub fn applied_to(&self, input: &str) -> Option<Nanos> {
        self.estimates
            .iter()
            .find(|e| e.status == Status::Applied && e.inputs.iter().any(|i| i == input))
            .map(StreamSkew::correction)
    }

    /// Adds what a later read found about streams this one did not see (stdin, read only
    /// in the second pass of `--auto-skew`).
    pub fn add_unseen(&mut self, later: ClockSkew) {
        let known = |s: &str, me: &ClockSkew| {
            me.reference.as_deref() == Some(s)
                || me.estimates.iter().any(|e| e.stream == s)
                || me.unplaced.iter().any(|u| u == s)
        };
        if self.reference.is_none() {
            self.reference = later.reference.clone();
        }
        for e in later.estimates {
            if !known(&e.stream, self) {
                self.estimates.push(e);
            }
        }
        for u in later.unplaced {
            if !known(&u, self) {
                self.unplaced.push(u);
            }
        }
    }
}

/// A path as a glob that matches it literally.
fn glob_escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '*' | '?' | '[' | ']' | '{' | '}' | '\\' => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            c => out.push(c),
        }
    }
    out
}

/// Signed seconds to the millisecond, as `--skew` reads them: `-2.5s`, `+0.013s`, `+0s`.
pub fn seconds(ns: Nanos) -> String {
    let ms = (ns as f64 / 1e6).round() as i64;
    let sign = if ms < 0 { '-' } else { '+' };
    let (s, frac) = (ms.abs() / 1000, ms.abs() % 1000);
    let frac = format!("{frac:03}");
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{sign}{s}s")
    } else {
        format!("{sign}{s}.{frac}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{parse_duration, Observation};

    const MS: Nanos = 1_000_000;
    const T0: Nanos = 1_712_268_000_000_000_000;

    /// A source with `n` requests, one every 100 ms, keys `salt + i`, stamped `offset`
    /// ahead.
    fn source(name: &str, n: u64, salt: u64, offset: Nanos) -> SourceStats {
        let mut s = SourceStats {
            input: name.into(),
            requests: n,
            ..SourceStats::default()
        };
        for i in 0..n {
            let ts = T0 + i as Nanos * 100 * MS + offset;
            s.requests_sample.push(Observation { ts, key: salt + i });
        }
        s
    }

    #[test]
    fn streams_are_placed_against_the_busiest_directly_or_through_another() {
        let sources = [
            // The front tier sees keys 0..2000; app1 the first half, 2.5 s ahead.
            source("lb/haproxy.log", 1_000, 0, 0),
            source("lb/haproxy.log.1.gz", 1_000, 1_000, 100_000 * MS),
            source("app1/envoy.log", 500, 0, 2_500 * MS),
            // Another tier, 1.3 s ahead (1.2 s behind app1).
            source("db/proxy.log", 300, 0, 1_300 * MS),
            // Nothing shared.
            source("other/access.log", 400, 1 << 40, 0),
            // Too few requests to take part.
            source("tiny.log", 5, 0, 0),
        ];
        let c = estimate(&sources, None);
        assert_eq!(c.reference.as_deref(), Some("lb/haproxy.log"));
        let got: Vec<(&str, &str, Nanos, usize)> = c
            .estimates
            .iter()
            .map(|e| (&*e.stream, &*e.against, e.offset, e.pairs))
            .collect();
        assert_eq!(
            got,
            [
                ("app1/envoy.log", "lb/haproxy.log", 2_500 * MS, 500),
                ("db/proxy.log", "lb/haproxy.log", 1_300 * MS, 300),
            ]
        );
        assert_eq!(c.unplaced, ["other/access.log"]);
        // Without the front tier, app1 is the reference.
        let c = estimate(&sources[2..4], Some("app1/envoy.log"));
        assert_eq!(c.estimates[0].offset, -1_200 * MS);
        assert_eq!(c.estimates[0].against, "app1/envoy.log");
    }

    #[test]
    fn the_skew_option_reads_back_as_the_correction() {
        let e = StreamSkew {
            stream: "logs/app [1]/envoy.log".into(),
            inputs: vec![],
            against: "lb".into(),
            offset: 2_503_400_000,
            pairs: 10,
            spread: 0,
            given: 0,
            status: Status::Reported,
        };
        assert_eq!(e.correction(), -2_503 * MS);
        assert_eq!(e.skew_arg(), "--skew 'logs/app [[]1[]]/envoy.log*=-2.503s'");
        let given = StreamSkew {
            given: 1_000 * MS,
            stream: "it's".into(),
            ..e
        };
        assert_eq!(given.skew_arg(), r"--skew 'it'\''s*=-1.503s'");
        for ns in [0, 2_500 * MS, -17_000 * MS, 13 * MS, -1] {
            let text = seconds(ns);
            let back = parse_duration(&text).unwrap();
            assert!((back - ns).abs() <= MS / 2, "{ns} → {text} → {back}");
        }
        assert_eq!(seconds(0), "+0s");
        assert_eq!(seconds(-2_500 * MS), "-2.5s");
    }
}
