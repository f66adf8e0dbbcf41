//! The on-disk schema of a format definition (`parsers/*.json`), as written by people.
//! Unknown keys are errors, so a typo in a definition is caught where it is made.

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Def {
    /// Format id; starts with the corpus folder's name (`haproxy_http`).
    pub id: String,
    pub title: String,
    /// Where the format's shape and samples come from.
    #[serde(default)]
    pub origin: String,
    /// `regex` (one named-capture regex per pattern), `json` (one object per line) or
    /// `delimited` (Zeek-style `#fields` headers name the values of the lines after them).
    pub kind: DefKind,
    pub patterns: Vec<PatternDef>,
    /// Timestamp candidates, tried in order: the first field present and parsing wins.
    pub timestamp: Vec<TimestampDef>,
    /// Types of fields (`int`, `float`, `string`); untyped fields are strings.
    #[serde(default)]
    pub fields: BTreeMap<String, FieldType>,
    #[serde(default)]
    pub severity: Option<SeverityDef>,
    /// Field name or `{template}` for the host (a list: the first that renders wins).
    #[serde(default)]
    pub host: Option<OneOrMany>,
    /// Field name or `{template}` for the component (service, backend, pod…).
    #[serde(default)]
    pub component: Option<OneOrMany>,
    /// Field name or `{template}` for the message; default: the whole line.
    #[serde(default)]
    pub message: Option<OneOrMany>,
    /// Roles of fields for request lines.
    #[serde(default)]
    pub request: Option<RequestDef>,
    /// Classification rules: the first that matches gives the kind.
    #[serde(default)]
    pub classify: Vec<RuleDef>,
    /// A line matching this regex continues the previous record (multi-line records).
    #[serde(default)]
    pub continuation: Option<String>,
    /// This format wraps other lines (the CRI container-log prefix): the named field
    /// holds the inner line, which is parsed by its own format. When no format takes the
    /// inner line, the envelope's own event stands.
    #[serde(default)]
    pub envelope: Option<String>,
    /// A regex on the source's path: breaks ties between formats that explain a source
    /// equally well (Apache and nginx write byte-identical combined lines).
    #[serde(default)]
    pub path_hint: Option<String>,
    pub samples: Vec<SampleDef>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DefKind {
    Regex,
    Json,
    Delimited,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternDef {
    pub name: String,
    /// `regex` kind: the pattern, with named captures; `(?x)` mode is encouraged. A list
    /// of strings is joined with newlines (so `(?x)` comments can end).
    #[serde(default)]
    pub regex: Option<Lines>,
    /// `regex` kind: a built-in tokenizer that finds the same fields without the regex
    /// engine (`haproxy_http`, `nginx_combined`, `aws_alb`, `nginx_error`, `klog`, `traefik`; see
    /// `src/format/fast.rs`). It must name exactly the regex's captures; on a line it does
    /// not understand, the regex decides.
    #[serde(default)]
    pub fast: Option<String>,
    /// `json` and `delimited` kinds: keys (dotted paths) that must be present.
    #[serde(default)]
    pub require: Vec<String>,
    /// `json` and `delimited` kinds: field → regex that must match its value.
    #[serde(default)]
    pub when: BTreeMap<String, String>,
    /// Kind given to lines of this pattern before classification (`http.request` makes
    /// them requests).
    #[serde(default)]
    pub kind: Option<String>,
    /// Lines of this pattern carry no time: they take the previous line's (flagged
    /// `time_inherited`), e.g. HAProxy's state lines on stdout.
    #[serde(default)]
    pub inherit_time: bool,
    /// `json` kind: a path to an array; the line gives one event per element, whose
    /// fields are looked up in the element first, then in the line's object.
    #[serde(default)]
    pub each: Option<String>,
    /// Timestamp candidates for lines of this pattern, instead of the format's.
    #[serde(default)]
    pub timestamp: Vec<TimestampDef>,
}

/// One template, or several tried in order.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn items(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(s) => vec![s.as_str()],
            OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// A string, or a list of lines joined with `\n`.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum Lines {
    One(String),
    Many(Vec<String>),
}

impl Lines {
    pub fn joined(&self) -> String {
        match self {
            Lines::One(s) => s.clone(),
            Lines::Many(v) => v.join("\n"),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimestampDef {
    pub field: String,
    /// `rfc3339`, `epoch`, `epoch_s|ms|us|ns`, or a chrono strftime pattern.
    pub format: String,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    String,
    Int,
    Float,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityDef {
    pub field: String,
    /// Raw value (case-insensitive) → severity name; unmapped values are read by name.
    #[serde(default)]
    pub map: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RequestDef {
    pub status: Option<String>,
    pub backend: Option<String>,
    pub server: Option<String>,
    pub client: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub latency: Option<String>,
    /// Unit of `latency`: `ms` (default), `s`, `us`, `ns`.
    #[serde(default)]
    pub latency_unit: Option<String>,
    pub bytes: Option<String>,
    pub termination: Option<String>,
    /// Conditions that make a request an LB-generated failure even without a 5xx.
    #[serde(default)]
    pub lb_failure: Vec<MatchDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchDef {
    pub field: String,
    pub regex: String,
    /// A second condition that must hold too (e.g. a 5xx *and* no target status).
    #[serde(default)]
    pub and: Option<Box<MatchDef>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    /// The field the regex is run on (default: the message).
    #[serde(default)]
    pub field: Option<String>,
    pub regex: String,
    pub kind: String,
    #[serde(default)]
    pub severity: Option<String>,
    /// Component template for events of this rule (captures of `regex` may be used).
    #[serde(default)]
    pub component: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleDef {
    pub line: String,
    /// Expected instant, RFC 3339 UTC. Yearless samples take the year from it.
    pub ts: String,
    pub kind: String,
    #[serde(default)]
    pub severity: Option<String>,
    #[serde(default)]
    pub component: Option<String>,
    #[serde(default)]
    pub host: Option<String>,
    /// Expected field values (typed).
    #[serde(default)]
    pub fields: BTreeMap<String, serde_json::Value>,
    /// Expected request roles (`status`, `server`, `failed`, `lb_failure`…).
    #[serde(default)]
    pub request: BTreeMap<String, serde_json::Value>,
    /// Lines that follow and must be joined to this record.
    #[serde(default)]
    pub continued_by: Vec<String>,
    /// `delimited` kind: the header lines (`#separator`, `#fields`…) in force for `line`.
    #[serde(default)]
    pub header: Vec<String>,
}
