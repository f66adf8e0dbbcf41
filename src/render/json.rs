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
