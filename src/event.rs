//! The normalized event: what every parser produces and every later stage consumes.
//!
//! Guarantees: `ts` is a UTC instant in nanoseconds; `ts_raw` is the text it came from;
//! `time` says how the instant was obtained (year inferred, zone assumed, skew applied,
//! reordered). `source` and `line` point back at the exact input line.

use serde::Serialize;
use std::borrow::Cow;
use std::sync::Arc;

/// Nanoseconds since the Unix epoch, UTC.
pub type Nanos = i64;

/// Index of an input in the run (stable: the order inputs were given/walked).
pub type SourceId = u32;

/// How severe an event is, on one scale for every format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Debug,
    Info,
    Notice,
    Warning,
    Error,
    Critical,
}

impl Severity {
    /// Reads a severity name as written in definitions (`warn`, `err`, `crit`… accepted).
    pub fn from_name(s: &str) -> Option<Severity> {
        Some(match s.to_ascii_lowercase().as_str() {
            "trace" | "debug" | "dbug" | "d" => Severity::Debug,
            "info" | "information" | "informational" | "i" => Severity::Info,
            "notice" | "n" => Severity::Notice,
            "warn" | "warning" | "w" => Severity::Warning,
            "err" | "error" | "e" => Severity::Error,
            "crit" | "critical" | "fatal" | "panic" | "alert" | "emerg" | "emergency" | "f" => {
                Severity::Critical
            }
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Debug => "debug",
            Severity::Info => "info",
            Severity::Notice => "notice",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Critical => "critical",
        }
    }
}

/// How an event's instant was obtained. Serialized as a list of flag names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeFlags(u16);

impl TimeFlags {
    pub const YEAR_INFERRED: TimeFlags = TimeFlags(1);
    pub const ZONE_ASSUMED: TimeFlags = TimeFlags(2);
    pub const SKEW_APPLIED: TimeFlags = TimeFlags(4);
    pub const REORDERED: TimeFlags = TimeFlags(8);
    pub const LATE: TimeFlags = TimeFlags(16);
    pub const DST_AMBIGUOUS: TimeFlags = TimeFlags(32);
    pub const DST_GAP: TimeFlags = TimeFlags(64);
    pub const LEAP_SECOND: TimeFlags = TimeFlags(128);
    pub const TIME_INHERITED: TimeFlags = TimeFlags(256);

    pub(crate) const NAMES: [(TimeFlags, &'static str); 9] = [
        (Self::YEAR_INFERRED, "year_inferred"),
        (Self::ZONE_ASSUMED, "zone_assumed"),
        (Self::SKEW_APPLIED, "skew_applied"),
        (Self::REORDERED, "reordered"),
        (Self::LATE, "late"),
        (Self::DST_AMBIGUOUS, "dst_ambiguous"),
        (Self::DST_GAP, "dst_gap"),
        (Self::LEAP_SECOND, "leap_second"),
        (Self::TIME_INHERITED, "time_inherited"),
    ];

    pub fn contains(self, other: TimeFlags) -> bool {
        self.0 & other.0 == other.0
    }
    pub fn insert(&mut self, other: TimeFlags) {
        self.0 |= other.0;
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Self::NAMES
            .into_iter()
            .filter(move |(f, _)| self.contains(*f))
            .map(|(_, n)| n)
    }
}

impl Serialize for TimeFlags {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.names())
    }
}

/// The request-shaped part of a load-balancer or access-log line.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Request {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub termination: Option<String>,
    /// Failed from the user's point of view: status >= 500 or an LB-generated failure.
    pub failed: bool,
    /// The load balancer itself failed the request (no server, connect/queue timeout…).
    pub lb_failure: bool,
}

/// A request's roles borrowed from its line: what the analysis folds in, with no copy.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestRef<'a> {
    pub status: Option<u16>,
    pub backend: Option<Cow<'a, str>>,
    pub server: Option<Cow<'a, str>>,
    pub client: Option<Cow<'a, str>>,
    pub method: Option<Cow<'a, str>>,
    pub path: Option<Cow<'a, str>>,
    pub latency_ms: Option<f64>,
    pub bytes: Option<u64>,
    pub termination: Option<Cow<'a, str>>,
    pub failed: bool,
    pub lb_failure: bool,
}

impl RequestRef<'_> {
    pub fn into_owned(self) -> Request {
        let own = |c: Option<Cow<'_, str>>| c.map(Cow::into_owned);
        Request {
            status: self.status,
            backend: own(self.backend),
            server: own(self.server),
            client: own(self.client),
            method: own(self.method),
            path: own(self.path),
            latency_ms: self.latency_ms,
            bytes: self.bytes,
            termination: own(self.termination),
            failed: self.failed,
            lb_failure: self.lb_failure,
        }
    }
}

impl Request {
    /// The same request, borrowed.
    pub fn as_ref(&self) -> RequestRef<'_> {
        fn b(s: &Option<String>) -> Option<Cow<'_, str>> {
            s.as_deref().map(Cow::Borrowed)
        }
        RequestRef {
            status: self.status,
            backend: b(&self.backend),
            server: b(&self.server),
            client: b(&self.client),
            method: b(&self.method),
            path: b(&self.path),
            latency_ms: self.latency_ms,
            bytes: self.bytes,
            termination: b(&self.termination),
            failed: self.failed,
            lb_failure: self.lb_failure,
        }
    }
}

/// An event's typed fields in the order found, with names shared with the definition
/// they come from (no per-event copy of a name, no hashing). Serialized as a JSON object.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fields(Vec<(Arc<str>, serde_json::Value)>);

impl Fields {
    pub fn with_capacity(n: usize) -> Fields {
        Fields(Vec::with_capacity(n))
    }

    pub fn get(&self, name: &str) -> Option<&serde_json::Value> {
        self.0.iter().find(|(k, _)| &**k == name).map(|(_, v)| v)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets `name`, replacing a value it already has.
    pub fn insert(&mut self, name: &Arc<str>, value: serde_json::Value) {
        match self.0.iter_mut().find(|(k, _)| **k == **name) {
            Some((_, v)) => *v = value,
            None => self.0.push((name.clone(), value)),
        }
    }

    /// Adds a field the caller knows is not there yet (names of one source are unique).
    pub(crate) fn push_new(&mut self, name: &Arc<str>, value: serde_json::Value) {
        debug_assert!(!self.contains_key(name), "field {name} set twice");
        self.0.push((name.clone(), value));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &serde_json::Value)> {
        self.0.iter().map(|(k, v)| (&**k, v))
    }

    /// The fields with their shared names.
    pub(crate) fn entries(&self) -> &[(Arc<str>, serde_json::Value)] {
        &self.0
    }
}

impl std::ops::Index<&str> for Fields {
    type Output = serde_json::Value;
    fn index(&self, name: &str) -> &serde_json::Value {
        self.get(name)
            .unwrap_or_else(|| panic!("no field named {name:?}"))
    }
}

impl Serialize for Fields {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (&**k, v)))
    }
}

/// One normalized log record.
#[derive(Clone, Debug)]
pub struct Event {
    /// UTC instant, nanoseconds since the epoch.
    pub ts: Nanos,
    /// Sub-second digits the source gave (0, 3, 6 or 9): output keeps that precision.
    pub ts_prec: u8,
    pub ts_raw: String,
    pub time: TimeFlags,
    pub source_id: SourceId,
    pub source: Arc<str>,
    pub line: u64,
    pub format: Arc<str>,
    pub host: Option<String>,
    pub component: Option<String>,
    pub kind: Arc<str>,
    pub severity: Severity,
    pub message: String,
    /// The line itself, when the message is only part of it (JSON formats, templates).
    pub raw: Option<String>,
    pub request: Option<Request>,
    pub fields: Fields,
}

impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("ts", &crate::time::rfc3339(self.ts, self.ts_prec))?;
        m.serialize_entry("ts_raw", &self.ts_raw)?;
        if !self.time.is_empty() {
            m.serialize_entry("time", &self.time)?;
        }
        m.serialize_entry("source", &*self.source)?;
        m.serialize_entry("line", &self.line)?;
        m.serialize_entry("format", &*self.format)?;
        if let Some(h) = &self.host {
            m.serialize_entry("host", h)?;
        }
        if let Some(c) = &self.component {
            m.serialize_entry("component", c)?;
        }
        m.serialize_entry("kind", &*self.kind)?;
        m.serialize_entry("severity", &self.severity)?;
        m.serialize_entry("message", &self.message)?;
        if let Some(r) = &self.raw {
            m.serialize_entry("text", r)?;
        }
        if let Some(r) = &self.request {
            m.serialize_entry("request", r)?;
        }
        if !self.fields.is_empty() {
            m.serialize_entry("fields", &self.fields)?;
        }
        m.end()
    }
}

/// The kind given to plain request lines: counted, never listed.
pub const KIND_REQUEST: &str = "http.request";
/// The kind of a line that parsed but matched no classification rule.
pub const KIND_LOG: &str = "log";

impl Event {
    /// The log line(s) behind the event: the evidence.
    pub fn text(&self) -> &str {
        self.raw.as_deref().unwrap_or(&self.message)
    }

    /// Joins a continuation line to the record.
    pub fn continue_with(&mut self, line: &str) {
        self.message.push('\n');
        self.message.push_str(line);
        if let Some(r) = &mut self.raw {
            r.push('\n');
            r.push_str(line);
        }
    }

    /// Notable events are what the timeline lists: every classified event, and
    /// unclassified lines at warning or above. Plain requests never are (they are counted).
    pub fn is_notable(&self) -> bool {
        match &*self.kind {
            KIND_REQUEST => false,
            KIND_LOG => self.severity >= Severity::Warning,
            _ => true,
        }
    }
}
