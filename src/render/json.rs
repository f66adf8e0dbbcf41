//! The timeline as one JSON object, schema 1 (documented in the README). Keys keep their
//! order; times are RFC 3339 UTC strings.

use serde_json::{json, Value};

use crate::clocks::{self, ClockSkew, Status};
use crate::time::rfc3339;
use crate::timeline::{Entry, Findings, Incident, Marker, Trigger};

pub const SCHEMA: u32 = 1;

/// `{ts, end, kind, severity, count, component, hosts, summary, marker, evidence[]}`.
pub fn entry(e: &Entry) -> Value {
    json!({
        "ts": rfc3339(e.ts, e.ts_prec),
        "end": rfc3339(e.end, e.end_prec),
        "kind": &*e.kind,
        "severity": e.severity,
        "count": e.count,
        "component": e.component,
        "hosts": e.hosts,
        "summary": e.summary,
        "marker": e.marker,
        "evidence": e.evidence,
    })
}

/// `{ts, confidence, rule, evidence[]}`.
pub fn marker(m: &Marker) -> Value {
    json!({
        "ts": rfc3339(m.ts, 3),
        "confidence": m.confidence,
        "rule": m.rule,
        "evidence": m.evidence,
    })
}

fn trigger(t: &Trigger) -> Value {
    json!({
        "ts": rfc3339(t.ts, 3),
        "kind": t.kind,
        "role": t.role,
        "lead_s": t.lead_s,
        "count": t.count,
        "summary": t.summary,
        "evidence": t.evidence,
    })
}

fn incident(i: &Incident, f: &Findings) -> Value {
    json!({
        "signals": i.signals,
        "window": {
            "from": rfc3339(f.analysis.window_start(i.first_window), 0),
            "to": rfc3339(f.analysis.window_end(i.last_window), 0),
        },
        "markers": {
            "impact_start": marker(&i.impact_start),
            "detected": marker(&i.detected),
            "acknowledged": i.acknowledged.as_ref().map(marker),
            "escalated": i.escalated.as_ref().map(marker),
            "mitigated": marker(&i.mitigated),
            "resolved": marker(&i.resolved),
        },
        "trigger": i.trigger.iter().map(trigger).collect::<Vec<_>>(),
        "figures": i.figures,
        "timeline": i.entries.iter().map(|&k| entry(&f.entries[k])).collect::<Vec<_>>(),
    })
}

/// `{rule, reference, auto, estimates[], unplaced[]}`.
pub fn clock_skew(c: &ClockSkew) -> Value {
    let estimates: Vec<Value> = c
        .estimates
        .iter()
        .map(|e| {
            json!({
                "stream": e.stream,
                "inputs": e.inputs,
                "against": e.against,
                "offset_s": e.offset as f64 / 1e9,
                "pairs": e.pairs,
                "spread_s": e.spread as f64 / 1e9,
                "applied": e.status == Status::Applied,
                "status": e.status.as_str(),
                "skew": e.skew_arg(),
            })
        })
        .collect();
    json!({
        "rule": clocks::RULE,
        "reference": c.reference,
        "auto": c.auto,
        "estimates": estimates,
        "unplaced": c.unplaced,
    })
}

pub fn timeline(f: &Findings) -> Value {
    let a = &f.analysis;
    json!({
        "schema": SCHEMA,
        "generator": concat!("coroner ", env!("CARGO_PKG_VERSION")),
        "sources": f.run.sources,
        "clock_skew": clock_skew(&f.run.clocks),
        "analysis": {
            "requests_from": a.tier,
            "window_s": a.window_s,
            "windows": a.windows.len(),
            "baseline": {
                "from": rfc3339(a.baseline.from_s * 1_000_000_000, 0),
                "to": rfc3339(a.baseline.to_s * 1_000_000_000, 0),
                "given": a.baseline.given,
                "windows": a.baseline.windows,
                "error_rate": a.baseline.error_rate,
                "requests_per_window": a.baseline.requests,
                "p95_ms": a.baseline.p95_ms,
            },
        },
        "incidents": f.incidents.iter().map(|i| incident(i, f)).collect::<Vec<_>>(),
        "timeline": f.outside().map(entry).collect::<Vec<_>>(),
        "warnings": f.run.warnings,
    })
}

/// JSON as serde_json writes it, with the characters JSON leaves raw but a terminal acts
/// on — DEL, the C1 controls (U+009B starts an escape sequence, like ESC `[`), the bidi
/// overrides — written as `\uXXXX`: the same JSON value, safe to print.
struct TerminalSafe<F>(F);

/// Bytes that start such a character in UTF-8 (a quick test before looking closer).
/// Each of them is 0x7f or above: a fragment with no such byte (most of a log's text) is
/// passed in one pass over its bytes with no early exit, which the compiler vectorizes,
/// and no memchr set-up, which costs more than the search on fragments this short.
fn may_be_hostile(s: &str) -> bool {
    let b = s.as_bytes();
    // `c | (c + 1)` has its top bit set exactly when `c >= 0x7f` (0xff wraps to 0).
    let high = b.iter().fold(0u8, |m, &c| m | c | c.wrapping_add(1)) & 0x80 != 0;
    high && has_lead_byte(b)
}

/// Whether `b` has a byte that starts a hostile character (0x7f, 0xc2, 0xd8, 0xe2).
fn has_lead_byte(b: &[u8]) -> bool {
    memchr::memchr3(0x7f, 0xc2, 0xd8, b).is_some() || memchr::memchr(0xe2, b).is_some()
}

macro_rules! forward {
    ($($name:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {$(
        fn $name<W: ?Sized + std::io::Write>(&mut self, w: &mut W $(, $arg: $ty)*) -> std::io::Result<()> {
            self.0.$name(w $(, $arg)*)
        }
    )*};
}

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for TerminalSafe<F> {
    forward!(
        begin_array(),
        end_array(),
        begin_array_value(first: bool),
        end_array_value(),
        begin_object(),
        end_object(),
        begin_object_key(first: bool),
        end_object_key(),
        begin_object_value(),
        end_object_value(),
    );

    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        if !may_be_hostile(fragment) {
            return w.write_all(fragment.as_bytes());
        }
        let mut from = 0;
        for (i, c) in fragment.char_indices() {
            if super::is_hostile(c) {
                w.write_all(&fragment.as_bytes()[from..i])?;
                write!(w, "\\u{:04x}", c as u32)?;
                from = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[from..])
    }
}

/// `value` as indented JSON, terminal-safe.
pub fn write_pretty<W: std::io::Write>(
    w: W,
    value: &impl serde::Serialize,
) -> serde_json::Result<()> {
    let f = TerminalSafe(serde_json::ser::PrettyFormatter::new());
    value.serialize(&mut serde_json::Serializer::with_formatter(w, f))
}

/// `value` as one line of JSON, terminal-safe.
pub fn write_line<W: std::io::Write>(
    w: W,
    value: &impl serde::Serialize,
) -> serde_json::Result<()> {
    let f = TerminalSafe(serde_json::ser::CompactFormatter);
    value.serialize(&mut serde_json::Serializer::with_formatter(w, f))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// The quick test passes no fragment that the byte search would stop.
        #[test]
        fn the_quick_test_is_the_byte_search(s in "[ -~\u{7f}-\u{9f}\u{a0}-\u{ff}\u{600}-\u{61f}\u{2000}-\u{206f}\u{10000}]{0,80}") {
            prop_assert_eq!(super::may_be_hostile(&s), super::has_lead_byte(s.as_bytes()));
        }
    }

    #[test]
    fn every_hostile_character_is_caught_by_the_quick_test() {
        for c in (0x7f..=0x9f)
            .chain([0x61c, 0x200e, 0x200f])
            .chain(0x202a..=0x202e)
            .chain(0x2066..=0x2069)
        {
            let c = char::from_u32(c).unwrap();
            assert!(super::super::is_hostile(c));
            assert!(super::may_be_hostile(&format!("plain {c} text")), "{c:?}");
        }
        assert!(!super::may_be_hostile("GET /index.html?q=1 HTTP/1.1 ~ !"));
    }

    #[test]
    fn terminal_controls_json_leaves_raw_are_escaped() {
        let v = serde_json::json!({"s": "a\u{1b}[2J b\u{9b}31m c\u{7f} d\u{202e}e é ✓"});
        let mut out = Vec::new();
        super::write_line(&mut out, &v).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            r#"{"s":"a\u001b[2J b\u009b31m c\u007f d\u202ee é ✓"}"#
        );
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), v);
    }
}
