//! Repeated notable events collapse into runs: same kind, component and message template
//! (numbers, addresses, ids and durations masked, Drain-style), no longer apart than the
//! run gap. A day-long storm of identical errors reads as one entry.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap;
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

    /// Becomes `ev`'s evidence, in the room it has.
    fn set(&mut self, ev: &Event) {
        self.source.clone_from(&ev.source);
        self.line = ev.line;
        self.text.clear();
        self.text.push_str(ev.text());
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
    // An ASCII line (nearly every one) is split and trimmed by bytes: within ASCII,
    // Unicode's whitespace and alphanumerics are ASCII's.
    if first.is_ascii() {
        // `char::is_whitespace` within ASCII (`u8::is_ascii_whitespace` leaves out \x0b).
        let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r');
        let b = first.as_bytes();
        let (mut i, mut at) = (0, 0);
        while at < b.len() {
            if space(&b[at]) {
                at += 1;
                continue;
            }
            let len = b[at..].iter().position(space).unwrap_or(b.len() - at);
            let tok = &first[at..at + len];
            let core = tok.trim_matches(|c: char| !c.is_ascii_alphanumeric());
            push_token(&mut out, i, core, tok);
            (i, at) = (i + 1, at + len);
        }
        return out;
    }
    by_chars(first, out)
}

/// [`template`] of a line by its characters (any text).
fn by_chars(first: &str, mut out: String) -> String {
    for (i, tok) in first.split_whitespace().enumerate() {
        let core = tok.trim_matches(|c: char| !c.is_alphanumeric());
        push_token(&mut out, i, core, tok);
    }
    out
}

/// The `i`th token of a template, masked when its `core` (the token trimmed to its
/// alphanumerics) varies: it has a digit, or is a long hex run.
fn push_token(out: &mut String, i: usize, core: &str, tok: &str) {
    if i > 0 {
        out.push(' ');
    }
    let core = core.as_bytes();
    let variable = core.iter().any(u8::is_ascii_digit)
        || (core.len() >= 8 && core.iter().all(u8::is_ascii_hexdigit));
    out.push_str(if variable { "<*>" } else { tok });
}

/// Folds notable events (in time order) into runs, in bounded memory: one entry per run.
pub struct Collapser {
    gap: Nanos,
    entries: Vec<Entry>,
    open: FxHashMap<(Arc<str>, Option<String>, String), usize>,
    /// The last line of each run, kept aside until the run ends.
    last: FxHashMap<usize, Evidence>,
}

impl Collapser {
    /// `gap`: alike events further apart than this start a new run.
    pub fn new(gap: Nanos) -> Self {
        Collapser {
            gap,
            entries: Vec::new(),
            open: FxHashMap::default(),
            last: FxHashMap::default(),
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
                // Most events of a run repeat its host and term: nothing is copied then.
                if let Some(h) = ev.host.as_ref().filter(|h| !e.hosts.contains(*h)) {
                    e.hosts.insert(h.clone());
                }
                let term = ev.fields.get("term").and_then(|t| t.as_str());
                if let Some(t) = term.filter(|t| !e.terms.contains(*t)) {
                    e.terms.insert(t.to_string());
                }
                if e.evidence.len() < 2 {
                    e.evidence.push(Evidence::of(ev));
                } else {
                    // The run's last line so far, written over the one before.
                    match self.last.entry(i) {
                        std::collections::hash_map::Entry::Occupied(mut o) => o.get_mut().set(ev),
                        std::collections::hash_map::Entry::Vacant(v) => {
                            v.insert(Evidence::of(ev));
                        }
                    }
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

    proptest::proptest! {
        #[test]
        fn an_ascii_line_is_templated_as_by_its_characters(
            line in "([ \t\x0b\x0c\r\x1c-\x1f]{0,2}[-a-f0-9A-Z:./<>_,()*\x00-\x08]{0,12}){0,8}"
        ) {
            proptest::prop_assert_eq!(template(&line), by_chars(&line, String::new()));
        }
    }

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
