//! The timeline as one JSON object, schema 1 (documented in the README).

use serde_json::{json, Value};

use crate::event::Event;
use crate::time::rfc3339;
use crate::Run;

pub const SCHEMA: u32 = 1;

/// One timeline entry: `{ts, end, kind, severity, count, component, hosts, summary,
/// marker, evidence[]}`.
pub fn entry(ev: &Event) -> Value {
    json!({
        "ts": rfc3339(ev.ts, ev.ts_prec),
        "end": rfc3339(ev.ts, ev.ts_prec),
        "kind": &*ev.kind,
        "severity": ev.severity,
        "count": 1,
        "component": ev.component,
        "hosts": ev.host.iter().collect::<Vec<_>>(),
        "summary": ev.message.lines().next().unwrap_or(""),
        "marker": Value::Null,
        "evidence": [evidence(ev)],
    })
}

/// `{source, line, text}`: the log line behind an entry.
pub fn evidence(ev: &Event) -> Value {
    json!({"source": &*ev.source, "line": ev.line, "text": ev.text()})
}

pub fn timeline(events: &[Event], run: &Run) -> Value {
    json!({
        "schema": SCHEMA,
        "generator": concat!("coroner ", env!("CARGO_PKG_VERSION")),
        "sources": run.sources,
        "timeline": events.iter().map(entry).collect::<Vec<_>>(),
        "warnings": run.warnings,
    })
}
