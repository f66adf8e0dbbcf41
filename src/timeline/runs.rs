//! Repeated notable events collapse into runs: same kind, component and message template
//! (numbers, addresses, ids and durations masked, Drain-style), no longer apart than the
//! run gap. A day-long storm of identical errors reads as one entry.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use serde::Serialize;

use crate::event::{Event, Nanos, Severity};

/// A log line behind an entry.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Evidence {
    pub source: Arc<str>,
    pub line: u64,
    pub text: String,
}

impl Evidence {
    pub fn of(ev: &Event) -> Evidence {
        Evidence {
            source: ev.source.clone(),
            line: ev.line,
            text: ev.text().to_string(),
        }
    }
}

/// A timeline entry: one event, or a run of alike events.
#[derive(Clone, Debug)]
pub struct Entry {
    pub ts: Nanos,
    pub ts_prec: u8,
    pub end: Nanos,
    pub end_prec: u8,
    pub kind: Arc<str>,
    pub severity: Severity,
    pub count: u64,
    pub component: Option<String>,
    pub hosts: BTreeSet<String>,
    pub template: String,
    /// The first event's message (first line).
    pub summary: String,
    /// The marker this entry sets, if any.
    pub marker: Option<&'static str>,
    /// The first two lines and the last one.
    pub evidence: Vec<Evidence>,
    /// Raft/election terms seen in the run (to count leader changes once per term).
    pub terms: BTreeSet<String>,
}

/// Masks the variable parts of a message: tokens with digits (numbers, addresses, ids,
/// durations, times) and long hex runs become `<*>`.
pub fn template(message: &str) -> String {
    let first = message.lines().next().unwrap_or("");
    let mut out = String::with_capacity(first.len());
    for (i, tok) in first.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let core = tok.trim_matches(|c: char| !c.is_alphanumeric());
        let variable = core.bytes().any(|b| b.is_ascii_digit())
            || (core.len() >= 8 && core.bytes().all(|b| b.is_ascii_hexdigit()));
        if variable {
            out.push_str("<*>");
        } else {
            out.push_str(tok);
        }
    }
    out
}

/// Folds notable events (in time order) into runs, in bounded memory: one entry per run.
pub struct Collapser {
    gap: Nanos,
    entries: Vec<Entry>,
    open: HashMap<(Arc<str>, Option<String>, String), usize>,
    /// The last line of each run, kept aside until the run ends.
    last: HashMap<usize, Evidence>,
}

impl Collapser {
    /// `gap`: alike events further apart than this start a new run.
    pub fn new(gap: Nanos) -> Self {
        Collapser {
            gap,
            entries: Vec::new(),
            open: HashMap::new(),
            last: HashMap::new(),
        }
    }

    pub fn push(&mut self, ev: &Event) {
        let tpl = template(&ev.message);
        let key = (ev.kind.clone(), ev.component.clone(), tpl);
        if let Some(&i) = self.open.get(&key) {
            let e = &mut self.entries[i];
            if ev.ts - e.end <= self.gap {
                e.count += 1;
                if ev.ts >= e.end {
                    e.end = ev.ts;
                    e.end_prec = ev.ts_prec;
                }
                e.severity = e.severity.max(ev.severity);
                if let Some(h) = &ev.host {
                    e.hosts.insert(h.clone());
                }
                if let Some(t) = ev.fields.get("term").and_then(|t| t.as_str()) {
                    e.terms.insert(t.to_string());
                }
                if e.evidence.len() < 2 {
                    e.evidence.push(Evidence::of(ev));
                } else {
                    self.last.insert(i, Evidence::of(ev));
                }
                return;
            }
        }
        let i = self.entries.len();
        self.entries.push(Entry {
            ts: ev.ts,
            ts_prec: ev.ts_prec,
            end: ev.ts,
            end_prec: ev.ts_prec,
            kind: ev.kind.clone(),
            severity: ev.severity,
            count: 1,
            component: ev.component.clone(),
            hosts: ev.host.iter().cloned().collect(),
            template: key.2.clone(),
            summary: ev.message.lines().next().unwrap_or("").to_string(),
            marker: None,
            evidence: vec![Evidence::of(ev)],
            terms: ev
                .fields
                .get("term")
                .and_then(|t| t.as_str())
                .map(|t| t.to_string())
                .into_iter()
                .collect(),
        });
        self.open.insert(key, i);
    }

    /// The runs, in order of their first event.
    pub fn finish(mut self) -> Vec<Entry> {
        for (i, ev) in self.last.drain() {
            self.entries[i].evidence.push(ev);
        }
        self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_mask_what_varies() {
        assert_eq!(
            template("Server be_app/app1 is DOWN, reason: Layer4 timeout, check duration: 2001ms."),
            "Server <*> is DOWN, reason: <*> timeout, check duration: <*>"
        );
        assert_eq!(
            template("raft.node: f7e8277a780431ad elected leader 5b5909e5adf749b8 at term 3"),
            "raft.node: <*> elected leader <*> at term <*>"
        );
        assert_eq!(
            template("write error on /var/log/suricata/eve.json: No space left on device"),
            "write error on /var/log/suricata/eve.json: No space left on device"
        );
    }
}
