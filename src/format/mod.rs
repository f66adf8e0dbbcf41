//! Formats: declarative definitions (`parsers/*.json`) compiled into line parsers.
//!
//! Consumes a line of text; produces an [`Event`] with its instant resolved by the
//! source's clock, its kind classified by the definition's rules, and its request roles
//! typed — or a [`Reject`] that says why. Parsing is pure: the year and zone come in
//! through the [`SourceClock`].

mod check;
mod def;
mod delimited;
mod detect;
pub mod fast;
mod jdoc;
mod nesting;
mod record;
mod registry;

pub use check::{check_samples, Problem};
pub use def::{Def, DefKind, FieldType};
pub use delimited::Header;
pub use detect::{detect, Detection, LineParser, Score};
pub use jdoc::Doc;
pub use nesting::{json_deeper_than, MAX_JSON_DEPTH};
pub use record::{json_path, LineView, Record, Template};
pub(crate) use registry::load;
pub use registry::{Origin, Registry};

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use regex::bytes::Regex;
use serde_json::Value;

use crate::event::{
    Event, Fields as EventFields, Nanos, RequestRef, Severity, TimeFlags, KIND_LOG, KIND_REQUEST,
};
use crate::time::{RawTime, SourceClock, StampError, TsFormat};
use fast::Spans;

/// Why a line was not turned into an event.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Reject {
    #[error("no known format matches")]
    NoFormat,
    #[error("empty line")]
    Empty,
    #[error("no timestamp field present")]
    NoTimestamp,
    #[error("{0}")]
    BadTimestamp(StampError),
    #[error("timestamp '{0}' is out of range (coroner reads 1908 to 2199)")]
    OutOfRange(String),
    #[error("JSON nested deeper than {0} levels (--max-depth)")]
    TooDeep(usize),
}

/// A definition problem, naming the file and the field.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {field}: {message}")]
pub struct DefError {
    pub file: String,
    pub field: String,
    pub message: String,
}

struct Pattern {
    name: String,
    /// A built-in's is compiled when first used: detection passes most formats' over
    /// on their first byte or their tokenizer, and compiling all of them was most of the
    /// start-up time.
    regex: Option<LazyRegex>,
    require: Vec<String>,
    when: Vec<(String, Regex)>,
    kind: Arc<str>,
    inherit_time: bool,
    each: Option<String>,
    /// The pattern's own timestamp candidates (else the format's).
    timestamps: Vec<(String, TsFormat)>,
    /// Named captures of the regex (the fields a line of this pattern can have).
    captures: Vec<String>,
    /// The same, as events keep them.
    capture_keys: Vec<CaptureKey>,
    /// A tokenizer that finds the same captures without the regex, and its slots by
    /// field name (sorted by name).
    fast: Option<(&'static fast::FastPath, &'static [(&'static str, u8)])>,
    /// The tokenizer slot of each timestamp candidate (the pattern's, else the
    /// format's), when the pattern has a tokenizer.
    time_slots: Vec<Option<u8>>,
    /// For a regex anchored at the start: the bytes a matching line's first positions
    /// can hold, when the regex says ([`lead_of`]; a line starting otherwise is not tried).
    lead: Option<Box<[ByteSet]>>,
}

/// A regex error on one line: the regex crate draws a syntax error over several (the
/// pattern, a caret under the place, the message); this keeps the message and the place.
fn regex_error(e: &regex::Error) -> String {
    let regex::Error::Syntax(text) = e else {
        return e.to_string();
    };
    let lines: Vec<&str> = text.lines().collect();
    let message = lines
        .iter()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or(text.as_str());
    // the caret line sits under the pattern line, both indented by four spaces
    let at = lines
        .iter()
        .skip(2)
        .find_map(|l| l.strip_prefix("    ").and_then(|c| c.find('^')));
    match at {
        Some(i) => format!("{message} (at character {})", i + 1),
        None => message.to_string(),
    }
}

/// The bytes a line matched by the regex `src` can start with: `None` unless the regex is
/// anchored at the start and its literal prefixes are few and none is empty.
/// A regex's syntax tree, read as [`build_regex`] reads it.
fn hir_of(src: &str) -> Option<regex_syntax::hir::Hir> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(src)
        .ok()
}

/// The named groups of a regex, in order, each with its group number (as the compiled
/// regex numbers them: by opening parenthesis). Read from the syntax tree, so a built-in
/// pattern's regex need not be compiled to know its fields.
fn capture_names(hir: &regex_syntax::hir::Hir) -> Vec<(usize, String)> {
    use regex_syntax::hir::HirKind;
    fn walk(h: &regex_syntax::hir::Hir, out: &mut Vec<(usize, String)>) {
        match h.kind() {
            HirKind::Capture(c) => {
                if let Some(n) = &c.name {
                    out.push((c.index as usize, n.to_string()));
                }
                walk(&c.sub, out);
            }
            HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().for_each(|h| walk(h, out)),
            HirKind::Repetition(r) => walk(&r.sub, out),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(hir, &mut out);
    out.sort_by_key(|(i, _)| *i);
    out
}

/// A set of bytes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct ByteSet([u64; 4]);

impl ByteSet {
    const NONE: ByteSet = ByteSet([0; 4]);
    fn add(&mut self, b: u8) {
        self.0[(b >> 6) as usize] |= 1 << (b & 63);
    }
    fn add_range(&mut self, from: u8, to: u8) {
        for b in from..=to {
            self.add(b);
        }
    }
    #[inline]
    fn has(&self, b: u8) -> bool {
        self.0[(b >> 6) as usize] >> (b & 63) & 1 != 0
    }
    fn union(&mut self, other: &ByteSet) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a |= b;
        }
    }
}

/// Leading positions read from a regex, at most this many.
const LEAD_MAX: usize = 16;

/// For a regex anchored at the start: the bytes each of a matching line's first
/// positions can hold, as far as the regex fixes them (`^\d{4}-` gives four digit sets
/// and `-`). Each set may hold more than the regex allows there, never less: a line whose
/// first bytes fall outside cannot match. `None` when the regex is not anchored.
fn lead_of(hir: &regex_syntax::hir::Hir) -> Option<Box<[ByteSet]>> {
    use regex_syntax::hir::{Class, HirKind, Look};
    if !hir.properties().look_set_prefix().contains(Look::Start) {
        return None;
    }
    /// Appends the positions `h` fixes; true when `h` always matches exactly those
    /// (the positions after it are then read on), false when what follows is unknown.
    fn walk(h: &regex_syntax::hir::Hir, out: &mut Vec<ByteSet>) -> bool {
        if out.len() >= LEAD_MAX {
            return false;
        }
        match h.kind() {
            HirKind::Empty | HirKind::Look(_) => true,
            HirKind::Literal(lit) => {
                for &b in lit.0.iter().take(LEAD_MAX - out.len()) {
                    let mut one = ByteSet::NONE;
                    one.add(b);
                    out.push(one);
                }
                out.len() < LEAD_MAX
            }
            HirKind::Class(Class::Bytes(c)) => {
                let mut set = ByteSet::NONE;
                for r in c.iter() {
                    set.add_range(r.start(), r.end());
                }
                out.push(set);
                true
            }
            HirKind::Class(Class::Unicode(c)) => {
                // One character: its ASCII members, or the first byte of any longer one
                // (what follows is then unknown).
                let mut set = ByteSet::NONE;
                let mut wide = false;
                for r in c.iter() {
                    let (from, to) = (r.start() as u32, r.end() as u32);
                    if from < 0x80 {
                        set.add_range(from as u8, to.min(0x7f) as u8);
                    }
                    wide |= to >= 0x80;
                }
                if wide {
                    set.add_range(0x80, 0xff);
                }
                out.push(set);
                !wide
            }
            HirKind::Repetition(r) => {
                for _ in 0..r.min {
                    if !walk(&r.sub, out) {
                        return false;
                    }
                }
                r.max == Some(r.min)
            }
            HirKind::Capture(c) => walk(&c.sub, out),
            HirKind::Concat(items) => items.iter().all(|i| walk(i, out)),
            HirKind::Alternation(alts) => {
                // Where every alternative fixes a position, it holds one of theirs.
                let leads: Vec<Vec<ByteSet>> = alts
                    .iter()
                    .map(|a| {
                        let mut v = Vec::new();
                        walk(a, &mut v);
                        v
                    })
                    .collect();
                let common = leads.iter().map(Vec::len).min().unwrap_or(0);
                for i in 0..common.min(LEAD_MAX - out.len()) {
                    let mut set = ByteSet::NONE;
                    for l in &leads {
                        set.union(&l[i]);
                    }
                    out.push(set);
                }
                false
            }
        }
    }
    let mut lead = Vec::new();
    walk(hir, &mut lead);
    Some(lead.into_boxed_slice())
}

impl Pattern {
    /// Can a line starting so match the regex? (False only when it certainly cannot.)
    fn may_start(&self, text: &str) -> bool {
        let Some(lead) = &self.lead else {
            return true;
        };
        let b = text.as_bytes();
        b.len() >= lead.len() && lead.iter().zip(b).all(|(set, &x)| set.has(x))
    }

    /// The tokenizer slot that holds field `name`, if the pattern has a tokenizer.
    fn slot_of(&self, name: &str) -> Option<u8> {
        let (_, index) = self.fast.as_ref()?;
        let i = index.binary_search_by(|(n, _)| (*n).cmp(name)).ok()?;
        Some(index[i].1)
    }

    /// Do a JSON record's keys and values satisfy `require` and `when`?
    fn fits(&self, rec: &Record<'_>) -> bool {
        self.require.iter().all(|k| rec.has(k))
            && self
                .when
                .iter()
                .all(|(f, r)| rec.text(f).is_some_and(|t| r.is_match(t.as_bytes())))
    }
}

/// A regex compiled when first used. Built-in definitions are compiled lazily (most of
/// a run's formats never classify a line, and compiling every rule of every format cost
/// most of the start-up time); the test suite compiles every one of them. Definitions
/// from `--parsers` are compiled when loaded, so their errors name the file and field.
struct LazyRegex {
    src: String,
    cell: std::sync::OnceLock<(Regex, GroupNames)>,
}

/// A regex's named groups: index, and the name as events keep it.
type GroupNames = Vec<(usize, Arc<str>)>;

impl LazyRegex {
    fn compiled(&self) -> &(Regex, GroupNames) {
        self.cell.get_or_init(|| {
            Self::named(
                build_regex(&self.src).expect("built-in regexes compile (tests/it/definitions.rs)"),
            )
        })
    }

    /// A compiled regex with its named groups.
    fn named(r: Regex) -> (Regex, GroupNames) {
        let names = r
            .capture_names()
            .enumerate()
            .filter_map(|(i, n)| Some((i, Arc::from(n?))))
            .collect();
        (r, names)
    }

    fn get(&self) -> &Regex {
        &self.compiled().0
    }

    /// The named groups: index and name.
    fn names(&self) -> &[(usize, Arc<str>)] {
        &self.compiled().1
    }
}

/// Bytes, ASCII classes by default (`\d`, `\w`, `\s` are ASCII; `(?u)` turns Unicode back
/// on): small automata, fast captures.
fn build_regex(src: &str) -> Result<Regex, regex::Error> {
    regex::bytes::RegexBuilder::new(src)
        .unicode(false)
        .size_limit(16 << 20)
        .build()
}

struct Rule {
    field: Option<String>,
    regex: LazyRegex,
    kind: Arc<str>,
    severity: Option<Severity>,
    component: Option<Template>,
}

/// A named capture as events keep it: the name, its group in the regex, its slot in the
/// tokenizer and its declared type (`fields`), looked up once when the pattern is built
/// rather than for every field of every line.
struct CaptureKey {
    name: Arc<str>,
    group: usize,
    slot: Option<u8>,
    ty: Option<FieldType>,
}

/// A field a role reads, with its slot in each pattern's tokenizer (resolved once, so the
/// hot path does not look names up).
struct Field {
    name: String,
    /// Per pattern: the tokenizer slot holding this field, if the pattern has a tokenizer.
    slots: Vec<Option<u8>>,
    /// The first pattern's (the lean lane's), at hand.
    first_slot: Option<u8>,
}

impl Field {
    fn new(name: &str, patterns: &[Pattern]) -> Field {
        let slots: Vec<Option<u8>> = patterns.iter().map(|p| p.slot_of(name)).collect();
        Field {
            name: name.to_string(),
            first_slot: slots.first().copied().flatten(),
            slots,
        }
    }

    /// The field's text in a record of pattern `pattern`.
    fn text<'a>(&self, rec: &Record<'a>, pattern: usize) -> Option<Cow<'a, str>> {
        match (rec, self.slots.get(pattern).copied().flatten()) {
            (Record::Spans { .. }, Some(slot)) => rec.slot_text(slot),
            _ => rec.text(&self.name),
        }
    }
}

struct RequestRoles {
    status: Option<Field>,
    backend: Option<Field>,
    server: Option<Field>,
    client: Option<Field>,
    method: Option<Field>,
    path: Option<Field>,
    latency: Option<Field>,
    latency_to_ms: f64,
    bytes: Option<Field>,
    termination: Option<Field>,
    lb_failure: Vec<Vec<(Field, Matcher)>>,
}

/// `s` without its leading `+` signs (as `trim_start_matches('+')`, without the
/// pattern machinery).
fn plus_trimmed(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| b == b'+').count();
    &s[n..]
}

/// A tokenizer slot's text in `text`; `None` when the slot took no part or is empty.
fn span_text<'a>(text: &'a str, spans: &Spans, slot: u8) -> Option<&'a str> {
    text.get(spans.get(slot as usize)?.non_empty()?)
}

/// A field's text, or its bytes: what a number is read from.
trait AsBytes {
    fn as_bytes(&self) -> &[u8];
}

impl AsBytes for Cow<'_, str> {
    fn as_bytes(&self) -> &[u8] {
        str::as_bytes(self)
    }
}

impl AsBytes for &[u8] {
    fn as_bytes(&self) -> &[u8] {
        self
    }
}

/// [`span_text`]'s bytes, for a number read from them. No character boundary is checked:
/// a span cut inside a character holds a byte that no number reads, so the number is
/// `None` there as it is when [`span_text`] finds no text.
fn span_bytes<'a>(text: &'a str, spans: &Spans, slot: u8) -> Option<&'a [u8]> {
    text.as_bytes().get(spans.get(slot as usize)?.non_empty()?)
}

/// An unsigned number's text, as `str::parse::<u64>` reads it (an optional `+`, then
/// digits) without its general code.
fn unsigned(b: &[u8]) -> Option<u64> {
    let digits = b.strip_prefix(b"+").unwrap_or(b);
    if digits.is_empty() {
        return None;
    }
    // Nineteen digits or fewer cannot overflow: no check per digit.
    if digits.len() <= 19 {
        let mut n = 0u64;
        for &c in digits {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            n = n * 10 + d as u64;
        }
        return Some(n);
    }
    digits.iter().try_fold(0u64, |n, &c| {
        c.is_ascii_digit()
            .then(|| n.checked_mul(10)?.checked_add((c - b'0') as u64))
            .flatten()
    })
}

/// A number's text as f64; whole numbers (most latencies) without the float parser.
fn decimal(s: &[u8]) -> Option<f64> {
    if !s.is_empty() && s.len() <= 15 && s.iter().all(u8::is_ascii_digit) {
        return Some(s.iter().fold(0u64, |n, b| n * 10 + (b - b'0') as u64) as f64);
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// A role's test of a field: a regex, or what its plainest shapes say without the
/// regex engine (`^<NOSRV>$`: the text is exactly this; `^[sSRIDK]`: its first byte is
/// one of these), which `lb_failure` runs on every request line.
enum Matcher {
    Equals(Box<[u8]>),
    FirstByte(Box<[bool; 256]>),
    Regex(Regex),
}

impl Matcher {
    fn new(src: &str, regex: Regex) -> Matcher {
        use regex_syntax::hir::{Class, HirKind, Look};
        let parsed = regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(src);
        let Ok(hir) = parsed else {
            return Matcher::Regex(regex);
        };
        let HirKind::Concat(parts) = hir.kind() else {
            return Matcher::Regex(regex);
        };
        let look = |h: &regex_syntax::hir::Hir, l: Look| *h.kind() == HirKind::Look(l);
        match parts.as_slice() {
            [a, lit, b] if look(a, Look::Start) && look(b, Look::End) => match lit.kind() {
                HirKind::Literal(l) => Matcher::Equals(l.0.clone()),
                _ => Matcher::Regex(regex),
            },
            [a, class] if look(a, Look::Start) => match class.kind() {
                HirKind::Class(Class::Bytes(c)) => {
                    let mut set = Box::new([false; 256]);
                    for r in c.ranges() {
                        for b in r.start()..=r.end() {
                            set[b as usize] = true;
                        }
                    }
                    Matcher::FirstByte(set)
                }
                _ => Matcher::Regex(regex),
            },
            _ => Matcher::Regex(regex),
        }
    }

    fn is_match(&self, text: &[u8]) -> bool {
        match self {
            Matcher::Equals(b) => text == &b[..],
            Matcher::FirstByte(set) => text.first().is_some_and(|&b| set[b as usize]),
            Matcher::Regex(r) => r.is_match(text),
        }
    }
}

/// Templates tried in order: the first that renders wins.
struct Templates(Vec<Template>);

impl Templates {
    fn render<'r>(&self, lookup: impl Fn(&str) -> Option<Cow<'r, str>> + Copy) -> Option<String> {
        self.0.iter().find_map(|t| t.render(lookup))
    }
}

/// A compiled format definition.
pub struct Format {
    pub id: Arc<str>,
    pub title: String,
    pub origin: Origin,
    pub kind: DefKind,
    patterns: Vec<Pattern>,
    timestamps: Vec<(String, TsFormat)>,
    field_types: BTreeMap<String, FieldType>,
    /// The declared fields as events keep them.
    field_keys: Vec<(Arc<str>, FieldType)>,
    severity: Option<(String, HashMap<String, Severity>)>,
    host: Templates,
    component: Templates,
    message: Templates,
    request: Option<RequestRoles>,
    rules: Vec<Rule>,
    continuation: Option<Regex>,
    envelope: Option<String>,
    path_hint: Option<Regex>,
    pub def: Def,
}

/// For tests: a request read from a line, or why not (`None`: not this format's).
pub type LeanRead = Option<Result<(Nanos, u8, crate::event::Request), Reject>>;

/// A record's fields as (name, text) pairs.
pub type Fields = Vec<(String, Option<String>)>;

/// A line matched by a pattern of a format.
pub struct Match<'a> {
    pub pattern: usize,
    pub record: Record<'a>,
    /// The line's time as its text says it (before zone/year), with precision and text.
    pub time: Result<(RawTime, u8, Cow<'a, str>), Reject>,
    /// How much of the line the match explains (fields found): ranks formats. A
    /// tokenizer's is counted when asked ([`Match::strength`]): only detection asks.
    strength: usize,
}

impl Match<'_> {
    /// How much of the line the match explains (fields found): ranks formats.
    pub fn strength(&self) -> usize {
        match &self.record {
            Record::Spans { spans, names, .. } => (spans.iter().take(names.len()))
                .filter(|s| s.get().is_some_and(|r| !r.is_empty()))
                .count(),
            _ => self.strength,
        }
    }
}

/// What a built event came from (for the sample checker's coverage).
pub struct Built {
    pub event: Event,
    pub pattern: usize,
    pub rule: Option<usize>,
}

/// Where an event is from, for building it.
pub struct LineAt<'s> {
    pub source_id: u32,
    pub source: &'s Arc<str>,
    pub line: u64,
}

impl Format {
    /// Compiles a definition; `file` names it in errors.
    pub fn compile(def: Def, file: &str, origin: Origin) -> Result<Format, DefError> {
        let err = |field: String, message: String| DefError {
            file: file.to_string(),
            field,
            message,
        };
        let re = |field: String, src: &str| -> Result<Regex, DefError> {
            build_regex(src).map_err(|e| err(field, format!("bad regex: {}", regex_error(&e))))
        };
        let lazy = |field: String, src: &str| -> Result<LazyRegex, DefError> {
            let lazy = LazyRegex {
                src: src.to_string(),
                cell: std::sync::OnceLock::new(),
            };
            if origin != Origin::BuiltIn {
                let _ = lazy.cell.set(LazyRegex::named(re(field, src)?));
            }
            Ok(lazy)
        };
        if def.id.is_empty()
            || !def
                .id
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'_')
        {
            return Err(err("id".into(), "must be non-empty [A-Za-z0-9_]".into()));
        }
        if def.patterns.is_empty() {
            return Err(err(
                "patterns".into(),
                "at least one pattern is needed".into(),
            ));
        }
        let mut patterns = Vec::new();
        for (i, p) in def.patterns.iter().enumerate() {
            let at = format!("patterns[{i}] ({})", p.name);
            let regex = match (def.kind, &p.regex) {
                (DefKind::Regex, Some(r)) => Some(lazy(format!("{at}.regex"), &r.joined())?),
                (DefKind::Regex, None) => {
                    return Err(err(at, "a regex format's pattern needs 'regex'".into()))
                }
                (DefKind::Json | DefKind::Delimited, Some(_)) => {
                    let why = "a json or delimited format's pattern takes 'require'/'when'";
                    return Err(err(at, format!("{why}, not 'regex'")));
                }
                (DefKind::Json | DefKind::Delimited, None) => None,
            };
            if p.each.is_some() && def.kind != DefKind::Json {
                return Err(err(at, "'each' is for json formats".into()));
            }
            let mut when = Vec::new();
            for (f, r) in &p.when {
                when.push((f.clone(), re(format!("{at}.when.{f}"), r)?));
            }
            let mut own_ts = Vec::new();
            for (j, t) in p.timestamp.iter().enumerate() {
                let f = TsFormat::from_spec(&t.format)
                    .map_err(|m| err(format!("{at}.timestamp[{j}].format"), m))?;
                own_ts.push((t.field.clone(), f));
            }
            let hir = regex.as_ref().and_then(|r| hir_of(&r.src));
            let names = hir.as_ref().map(capture_names).unwrap_or_default();
            let captures: Vec<String> = names.iter().map(|(_, n)| n.clone()).collect();
            let fast = match (&p.fast, &regex) {
                (None, _) => None,
                (Some(_), None) => return Err(err(at, "'fast' is for regex patterns".into())),
                (Some(name), Some(_)) => {
                    let fp = fast::by_name(name).ok_or_else(|| {
                        let known: Vec<_> = fast::FAST_PATHS.iter().map(|f| f.name).collect();
                        err(
                            format!("{at}.fast"),
                            format!("unknown tokenizer '{name}' (known: {})", known.join(", ")),
                        )
                    })?;
                    let mut mine: Vec<&str> = fp.fields.to_vec();
                    let mut theirs: Vec<&str> = captures.iter().map(String::as_str).collect();
                    mine.sort_unstable();
                    theirs.sort_unstable();
                    if mine != theirs {
                        return Err(err(
                            format!("{at}.fast"),
                            format!(
                                "tokenizer '{name}' finds [{}] but the regex captures [{}]",
                                mine.join(", "),
                                theirs.join(", ")
                            ),
                        ));
                    }
                    Some((fp, fp.index()))
                }
            };
            let capture_keys = names
                .iter()
                .map(|(i, n)| {
                    let slot = fast.and_then(|(_, index): (_, &[(&str, u8)])| {
                        let k = index.binary_search_by(|(m, _)| (*m).cmp(n)).ok()?;
                        Some(index[k].1)
                    });
                    CaptureKey {
                        name: Arc::from(n.as_str()),
                        group: *i,
                        slot,
                        ty: def.fields.get(n).copied(),
                    }
                })
                .collect();
            let lead = hir.as_ref().and_then(lead_of);
            patterns.push(Pattern {
                lead,
                capture_keys,
                fast,
                time_slots: Vec::new(),
                name: p.name.clone(),
                regex,
                require: p.require.clone(),
                when,
                kind: Arc::from(p.kind.as_deref().unwrap_or(KIND_LOG)),
                inherit_time: p.inherit_time,
                each: p.each.clone(),
                timestamps: own_ts,
                captures,
            });
        }
        if def.timestamp.is_empty() {
            return Err(err(
                "timestamp".into(),
                "at least one timestamp field is needed".into(),
            ));
        }
        let mut timestamps = Vec::new();
        for (i, t) in def.timestamp.iter().enumerate() {
            let f = TsFormat::from_spec(&t.format)
                .map_err(|m| err(format!("timestamp[{i}].format"), m))?;
            timestamps.push((t.field.clone(), f));
        }
        for p in &mut patterns {
            let candidates = if p.timestamps.is_empty() {
                &timestamps
            } else {
                &p.timestamps
            };
            let slots = candidates.iter().map(|(name, _)| p.slot_of(name)).collect();
            p.time_slots = slots;
        }
        // A regex pattern that captures none of its timestamp fields can match no line
        // with a time: say so here, naming the fields, rather than through its samples.
        for (i, p) in patterns.iter().enumerate() {
            let fields: Vec<&str> = match (&p.timestamps, &timestamps) {
                (own, _) if !own.is_empty() => own.iter().map(|(f, _)| f.as_str()).collect(),
                (_, all) => all.iter().map(|(f, _)| f.as_str()).collect(),
            };
            let captures_one = fields.iter().any(|f| p.captures.iter().any(|c| c == f));
            if p.regex.is_some() && !p.inherit_time && !captures_one {
                return Err(err(
                    format!("patterns[{i}] ({})", p.name),
                    format!(
                        "captures none of the timestamp fields ({})",
                        fields.join(", ")
                    ),
                ));
            }
        }
        let severity = match &def.severity {
            None => None,
            Some(s) => {
                let mut map = HashMap::new();
                for (k, v) in &s.map {
                    let sev = Severity::from_name(v).ok_or_else(|| {
                        err(
                            format!("severity.map.{k}"),
                            format!("unknown severity '{v}'"),
                        )
                    })?;
                    map.insert(k.to_ascii_lowercase(), sev);
                }
                Some((s.field.clone(), map))
            }
        };
        let template = |field: &str, t: &Option<String>| -> Result<Option<Template>, DefError> {
            t.as_deref()
                .map(Template::parse)
                .transpose()
                .map_err(|m| err(field.to_string(), m))
        };
        let templates = |field: &str, t: &Option<def::OneOrMany>| -> Result<Templates, DefError> {
            let mut out = Vec::new();
            for (i, s) in t.iter().flat_map(|t| t.items()).enumerate() {
                out.push(Template::parse(s).map_err(|m| err(format!("{field}[{i}]"), m))?);
            }
            Ok(Templates(out))
        };
        let request = match &def.request {
            None => None,
            Some(r) => {
                let latency_to_ms = match r.latency_unit.as_deref().unwrap_or("ms") {
                    "ms" => 1.0,
                    "s" => 1000.0,
                    "us" => 0.001,
                    "ns" => 0.000_001,
                    other => {
                        return Err(err(
                            "request.latency_unit".into(),
                            format!("'{other}' is not one of ms, s, us, ns"),
                        ))
                    }
                };
                let mut lb_failure = Vec::new();
                for (i, m) in r.lb_failure.iter().enumerate() {
                    let mut all = Vec::new();
                    let mut cond = Some(m);
                    let mut at = format!("request.lb_failure[{i}]");
                    while let Some(c) = cond {
                        let regex = re(format!("{at}.regex"), &c.regex)?;
                        all.push((
                            Field::new(&c.field, &patterns),
                            Matcher::new(&c.regex, regex),
                        ));
                        at.push_str(".and");
                        cond = c.and.as_deref();
                    }
                    lb_failure.push(all);
                }
                let field = |n: &Option<String>| n.as_deref().map(|n| Field::new(n, &patterns));
                Some(RequestRoles {
                    status: field(&r.status),
                    backend: field(&r.backend),
                    server: field(&r.server),
                    client: field(&r.client),
                    method: field(&r.method),
                    path: field(&r.path),
                    latency: field(&r.latency),
                    latency_to_ms,
                    bytes: field(&r.bytes),
                    termination: field(&r.termination),
                    lb_failure,
                })
            }
        };
        let mut rules = Vec::new();
        for (i, r) in def.classify.iter().enumerate() {
            let at = format!("classify[{i}]");
            let severity = match &r.severity {
                None => None,
                Some(s) => Some(Severity::from_name(s).ok_or_else(|| {
                    err(format!("{at}.severity"), format!("unknown severity '{s}'"))
                })?),
            };
            rules.push(Rule {
                field: r.field.clone(),
                regex: lazy(format!("{at}.regex"), &r.regex)?,
                kind: Arc::from(r.kind.as_str()),
                severity,
                component: template(&format!("{at}.component"), &r.component)?,
            });
        }
        let continuation = def
            .continuation
            .as_deref()
            .map(|c| re("continuation".into(), c))
            .transpose()?;
        Ok(Format {
            id: Arc::from(def.id.as_str()),
            title: def.title.clone(),
            origin,
            kind: def.kind,
            host: templates("host", &def.host)?,
            component: templates("component", &def.component)?,
            message: templates("message", &def.message)?,
            patterns,
            timestamps,
            field_types: def.fields.clone(),
            field_keys: def
                .fields
                .iter()
                .map(|(k, t)| (Arc::from(k.as_str()), *t))
                .collect(),
            severity,
            request,
            rules,
            continuation,
            envelope: def.envelope.clone(),
            path_hint: def
                .path_hint
                .as_deref()
                .map(|h| re("path_hint".into(), h))
                .transpose()?,
            def,
        })
    }

    pub fn pattern_names(&self) -> impl Iterator<Item = &str> {
        self.patterns.iter().map(|p| p.name.as_str())
    }

    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Does `text` continue a record of this format?
    pub fn continues(&self, text: &str) -> bool {
        self.continuation
            .as_ref()
            .is_some_and(|c| c.is_match(text.as_bytes()))
    }

    /// The first pattern that matches the line.
    pub fn matches<'v>(&self, view: &'v LineView<'_>) -> Option<Match<'v>> {
        match self.kind {
            DefKind::Regex => {
                for (i, p) in self.patterns.iter().enumerate() {
                    if let Some(record) = Self::fast_record(p, view.text) {
                        return Some(Match {
                            pattern: i,
                            time: self.time_of(&record, p),
                            record,
                            strength: 0,
                        });
                    }
                    if let Some(c) = p
                        .regex
                        .as_ref()
                        .filter(|_| p.may_start(view.text))
                        .and_then(|r| r.get().captures(view.text.as_bytes()))
                    {
                        let strength = c.iter().skip(1).flatten().filter(|m| !m.is_empty()).count();
                        let record = Record::Regex(c);
                        return Some(Match {
                            pattern: i,
                            time: self.time_of(&record, p),
                            record,
                            strength,
                        });
                    }
                }
                None
            }
            DefKind::Json => {
                let v = view.json()?;
                for (i, p) in self.patterns.iter().enumerate() {
                    let items = p
                        .each
                        .as_deref()
                        .map(|path| json_path(v, path).and_then(Doc::as_array).unwrap_or(&[]));
                    // An `each` pattern is judged (and timed) by its first element.
                    let judged = match items {
                        Some([first, ..]) => Record::Json {
                            item: first,
                            parent: Some(v),
                        },
                        Some([]) => continue,
                        None => Record::Json {
                            item: v,
                            parent: None,
                        },
                    };
                    if p.fits(&judged) {
                        let strength = 1
                            + p.require.len()
                            + p.when.len()
                            + self
                                .field_types
                                .keys()
                                .filter(|k| judged.text(k).is_some())
                                .count();
                        return Some(Match {
                            pattern: i,
                            time: self.time_of(&judged, p),
                            record: judged,
                            strength,
                        });
                    }
                }
                None
            }
            DefKind::Delimited => {
                let header = view.header()?;
                let values = header.split(view.text)?;
                let strength = 1 + header.set_count(&values);
                let record = Record::Delimited { header, values };
                let i = self.patterns.iter().position(|p| p.fits(&record))?;
                Some(Match {
                    pattern: i,
                    time: self.time_of(&record, &self.patterns[i]),
                    record,
                    strength,
                })
            }
        }
    }

    /// The pattern's tokenizer's record of the line, if it has one and it accepts.
    fn fast_record<'a>(p: &Pattern, text: &'a str) -> Option<Record<'a>> {
        let &(fp, names) = p.fast.as_ref()?;
        let mut spans = [fast::Span::NONE; fast::MAX_FIELDS];
        (fp.parse)(text.as_bytes(), &mut spans).then_some(Record::Spans { text, spans, names })
    }

    /// For tests and the sample checker: the fields of `text` by the pattern's tokenizer
    /// (`None` when it declines) and by its regex (empty when it does not match), as
    /// `(name, value)` lists. `None` for a pattern without a tokenizer.
    #[doc(hidden)]
    pub fn fast_vs_regex(&self, pattern: usize, text: &str) -> Option<(Option<Fields>, Fields)> {
        let p = self.patterns.get(pattern)?;
        p.fast.as_ref()?;
        let list = |r: &Record<'_>| -> Fields {
            p.captures
                .iter()
                .map(|n| (n.clone(), r.text(n).map(Cow::into_owned)))
                .collect()
        };
        let fast = Self::fast_record(p, text).map(|r| list(&r));
        let regex = p
            .regex
            .as_ref()
            .and_then(|r| r.get().captures(text.as_bytes()))
            .map(|c| list(&Record::Regex(c)))
            .unwrap_or_default();
        Some((fast, regex))
    }

    /// For tests: the fields of `text` by the pattern's tokenizer reading it after `prev`
    /// (what `prev` left in the memo may spare it a prefix), and reading it alone.
    /// `None` for a pattern without a tokenizer.
    #[doc(hidden)]
    pub fn fast_next_vs_alone(
        &self,
        pattern: usize,
        prev: &str,
        text: &str,
    ) -> Option<(Option<Fields>, Option<Fields>)> {
        let p = self.patterns.get(pattern)?;
        let &(fp, names) = p.fast.as_ref()?;
        let list = |r: &Record<'_>| -> Fields {
            p.captures
                .iter()
                .map(|n| (n.clone(), r.text(n).map(Cow::into_owned)))
                .collect()
        };
        let mut memo = fast::Memo::default();
        let mut spans = [fast::Span::NONE; fast::MAX_FIELDS];
        fp.parse_next(prev.as_bytes(), &mut spans, &mut memo);
        spans = [fast::Span::NONE; fast::MAX_FIELDS];
        let next = fp
            .parse_next(text.as_bytes(), &mut spans, &mut memo)
            .then(|| list(&Record::Spans { text, spans, names }));
        let alone = Self::fast_record(p, text).map(|r| list(&r));
        Some((next, alone))
    }

    /// For tests: what the lean lane reads of `text` (its clock and tokenizer memo kept
    /// from line to line in `lean`), and what the general path does (the match, when its
    /// stamp reads, then its request), each on its own clock.
    #[doc(hidden)]
    pub fn lean_vs_general(
        &self,
        text: &str,
        lean: &mut (SourceClock, fast::Memo),
        general: &mut SourceClock,
    ) -> (LeanRead, LeanRead) {
        let own = |r: Option<Result<(Nanos, u8, RequestRef<'_>), Reject>>| {
            r.map(|r| r.map(|(ts, prec, req)| (ts, prec, req.into_owned())))
        };
        let mut spans = [fast::Span::NONE; fast::MAX_FIELDS];
        let (clock, memo) = lean;
        let a = own(self.lean_fast(text, &mut spans, memo, clock));
        let view = LineView::new(text);
        let b = self
            .matches(&view)
            .filter(|m| m.time.is_ok())
            .and_then(|m| self.lean_request(&m, general));
        (a, own(b))
    }

    /// For tests: the bytes each leading position of pattern `pattern`'s lines is
    /// limited to (`None`: not anchored; empty: anchored, but no position is fixed).
    #[doc(hidden)]
    pub fn lead_of(&self, pattern: usize) -> Option<Vec<Vec<u8>>> {
        let lead = self.patterns.get(pattern)?.lead.as_ref()?;
        Some(
            lead.iter()
                .map(|set| (0..=255u8).filter(|&b| set.has(b)).collect())
                .collect(),
        )
    }

    /// For tests: does pattern `pattern` let `text` be tried, and does its regex match?
    #[doc(hidden)]
    pub fn tried_and_matched(&self, pattern: usize, text: &str) -> Option<(bool, bool)> {
        let p = self.patterns.get(pattern)?;
        let regex = p.regex.as_ref()?.get();
        Some((p.may_start(text), regex.is_match(text.as_bytes())))
    }

    /// Compiles every regex that is otherwise compiled on first use; the first error.
    #[doc(hidden)]
    pub fn compile_lazy(&self) -> Result<(), String> {
        for (i, r) in self.rules.iter().enumerate() {
            build_regex(&r.regex.src).map_err(|e| format!("classify[{i}].regex: {e}"))?;
        }
        for (i, p) in self.patterns.iter().enumerate() {
            let Some(lazy) = &p.regex else { continue };
            let r = build_regex(&lazy.src).map_err(|e| format!("patterns[{i}].regex: {e}"))?;
            // The fields read from the syntax tree are the compiled regex's groups.
            let compiled: Vec<(Arc<str>, usize)> = (r.capture_names().enumerate())
                .filter_map(|(g, n)| Some((Arc::from(n?), g)))
                .collect();
            let read: Vec<(Arc<str>, usize)> = (p.capture_keys.iter())
                .map(|k| (k.name.clone(), k.group))
                .collect();
            if compiled != read {
                return Err(format!(
                    "patterns[{i}].regex: groups {compiled:?}, read as {read:?}"
                ));
            }
        }
        Ok(())
    }

    /// Patterns with a tokenizer.
    #[doc(hidden)]
    pub fn fast_patterns(&self) -> Vec<usize> {
        (0..self.patterns.len())
            .filter(|&i| self.patterns[i].fast.is_some())
            .collect()
    }

    /// Does the source's path carry this format's hint?
    pub fn hinted_by(&self, path: &str) -> bool {
        self.path_hint
            .as_ref()
            .is_some_and(|h| h.is_match(path.as_bytes()))
    }

    pub fn is_envelope(&self) -> bool {
        self.envelope.is_some()
    }

    /// May a line that starts with `first` (`None`: an empty line) match one of the
    /// patterns? False only when every pattern is anchored to other first bytes.
    pub fn may_start_with(&self, first: Option<u8>) -> bool {
        self.patterns.iter().any(|p| match p.lead.as_deref() {
            None | Some([]) => true,
            Some([set, ..]) => first.is_some_and(|b| set.has(b)),
        })
    }

    /// Where the inner line sits in `text`, if this envelope format wraps it.
    pub fn inner_range(&self, text: &str) -> Option<std::ops::Range<usize>> {
        let field = self.envelope.as_deref()?;
        self.patterns.iter().find_map(|p| {
            if !p.may_start(text) {
                return None;
            }
            let regex = p.regex.as_ref()?.get();
            // Most lines offered are not wrapped (an access log's lines start with a
            // digit, as a CRI stamp does): the match alone is told without building
            // captures, which allocate.
            if !regex.is_match(text.as_bytes()) {
                return None;
            }
            let c = regex.captures(text.as_bytes())?;
            // no inner capture: an empty inner line at the end
            let range = c.name(field).map_or(text.len()..text.len(), |m| m.range());
            // the inner line must start and end on character boundaries
            (text.is_char_boundary(range.start) && text.is_char_boundary(range.end))
                .then_some(range)
        })
    }

    /// For a pattern with `each`: one match per element of the array (the first is `m`
    /// itself). `None` for ordinary patterns.
    pub fn each<'a>(&self, m: &Match<'a>) -> Option<Vec<Match<'a>>> {
        let p = &self.patterns[m.pattern];
        let path = p.each.as_deref()?;
        let Record::Json {
            parent: Some(parent),
            ..
        } = m.record
        else {
            return None;
        };
        let items = json_path(parent, path)?.as_array()?;
        Some(
            items
                .iter()
                .map(|item| {
                    let record = Record::Json {
                        item,
                        parent: Some(parent),
                    };
                    // Each element picks its own pattern among those over the same array.
                    let pattern = self
                        .patterns
                        .iter()
                        .position(|q| q.each.as_deref() == Some(path) && q.fits(&record))
                        .unwrap_or(m.pattern);
                    Match {
                        pattern,
                        time: self.time_of(&record, &self.patterns[pattern]),
                        record,
                        strength: m.strength,
                    }
                })
                .collect(),
        )
    }

    /// The first timestamp field present decides the line's time.
    fn time_of<'a>(
        &self,
        rec: &Record<'a>,
        p: &Pattern,
    ) -> Result<(RawTime, u8, Cow<'a, str>), Reject> {
        self.time_from(p, |k, field| {
            match (rec, p.time_slots.get(k).copied().flatten()) {
                (Record::Spans { .. }, Some(slot)) => rec.slot_text(slot),
                _ => rec.text(field),
            }
        })
    }

    /// [`Format::time_of`] for the spans a pattern's tokenizer found in `text`.
    fn time_of_spans<'a>(
        &self,
        p: &Pattern,
        text: &'a str,
        spans: &Spans,
    ) -> Result<(RawTime, u8, &'a str), Reject> {
        // A field that is not one of the tokenizer's is in no line it takes.
        self.time_from(p, |k, _| {
            let slot = p.time_slots.get(k).copied().flatten()?;
            span_text(text, spans, slot)
        })
    }

    /// The time of the first timestamp candidate whose text `raw_of(k, field)` finds and
    /// whose format reads it.
    #[inline(always)]
    fn time_from<T: AsRef<str> + Default>(
        &self,
        p: &Pattern,
        raw_of: impl Fn(usize, &str) -> Option<T>,
    ) -> Result<(RawTime, u8, T), Reject> {
        if p.inherit_time {
            return Ok((RawTime::Previous, 0, T::default()));
        }
        let mut first_err = None;
        let candidates = if p.timestamps.is_empty() {
            &self.timestamps
        } else {
            &p.timestamps
        };
        for (k, (field, fmt)) in candidates.iter().enumerate() {
            let Some(raw) = raw_of(k, field) else {
                continue;
            };
            match fmt.parse(raw.as_ref()) {
                Ok((t, prec)) => return Ok((t, prec, raw)),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        Err(first_err.map_or(Reject::NoTimestamp, Reject::BadTimestamp))
    }

    /// A sub-second skew makes the shifted instant as precise as the skew.
    fn skewed_prec(prec: u8, clock: &SourceClock) -> u8 {
        match clock.skew() {
            s if s % 1_000_000 != 0 => prec.max(9),
            s if s % 1_000_000_000 != 0 => prec.max(3),
            _ => prec,
        }
    }

    /// The instant of a line's time on the source's clock, its flags and precision.
    fn instant(
        raw_time: RawTime,
        prec: u8,
        text: &str,
        clock: &mut SourceClock,
    ) -> Result<(Nanos, TimeFlags, u8), Reject> {
        let prec = Self::skewed_prec(prec, clock);
        let (ts, time) = clock.resolve(raw_time).ok_or_else(|| match raw_time {
            RawTime::Previous => Reject::NoTimestamp,
            _ => Reject::OutOfRange(text.to_string()),
        })?;
        Ok((ts, time, prec))
    }

    /// For a caller that only counts requests: a plain request line's instant,
    /// precision and roles, with no event built. `None` when the match needs an event
    /// (not a request, one event per element, or a format with continuation lines).
    #[allow(clippy::type_complexity)]
    pub fn lean_request<'a>(
        &self,
        m: &Match<'a>,
        clock: &mut SourceClock,
    ) -> Option<Result<(Nanos, u8, RequestRef<'a>), Reject>> {
        let p = &self.patterns[m.pattern];
        if &*p.kind != KIND_REQUEST || p.each.is_some() || self.continuation.is_some() {
            return None;
        }
        Some(match &m.time {
            Err(e) => Err(e.clone()),
            Ok((raw, prec, text)) => Self::instant(*raw, *prec, text, clock)
                .map(|(ts, _, prec)| (ts, prec, self.request_ref(&m.record, m.pattern))),
        })
    }

    /// Can a line of this format take the lean lane ([`Format::lean_fast`])? When its
    /// first pattern is a request pattern read by a tokenizer, each line one event, with
    /// no continuation lines.
    pub fn has_lean_lane(&self) -> bool {
        self.patterns
            .first()
            .is_some_and(|p| p.fast.is_some() && &*p.kind == KIND_REQUEST && p.each.is_none())
            && self.continuation.is_none()
            && self.kind == DefKind::Regex
    }

    /// The lean lane, for a source whose lines are counted, not kept: a line this format
    /// takes first ([`LineParser::first`]) is tokenized into `spans` and its request
    /// read from them, with no match built. The same as [`Format::matches`] then
    /// [`Format::lean_request`] give. `None`: the tokenizer declines the line, or its
    /// stamp does not read, and the general path decides (another format may take it).
    pub fn lean_fast<'a>(
        &self,
        text: &'a str,
        spans: &mut Spans,
        memo: &mut fast::Memo,
        clock: &mut SourceClock,
    ) -> Option<Result<(Nanos, u8, RequestRef<'a>), Reject>> {
        let p = self.patterns.first()?;
        let (fp, _) = p.fast?;
        spans.fill(fast::Span::NONE);
        if !fp.parse_next(text.as_bytes(), spans, memo) {
            return None;
        }
        let spans: &Spans = spans;
        let time = match self.time_again(p, text, spans, clock) {
            Some(hit) => Ok(hit),
            None => {
                let (raw, prec, stamp) = self.time_of_spans(p, text, spans).ok()?;
                let resolved = Self::instant(raw, prec, stamp, clock);
                if let Ok((ts, flags, _)) = resolved {
                    self.remember_time(p, text, spans, stamp, raw, prec, ts, flags, clock);
                }
                resolved.map(|(ts, _, prec)| (ts, prec))
            }
        };
        Some(time.map(|(ts, prec)| {
            let r = self.request_of(
                |f| span_text(text, spans, f.first_slot?).map(Cow::Borrowed),
                |f| span_bytes(text, spans, f.first_slot?),
            );
            (ts, prec, r)
        }))
    }

    /// The lean lane's first stamp candidate, with its format: the stamp a line's time
    /// is read from whenever its text is there (and reads).
    fn first_stamp<'a>(
        &'a self,
        p: &'a Pattern,
        text: &'a str,
        spans: &Spans,
    ) -> Option<(&'a str, &'a TsFormat)> {
        if p.inherit_time {
            return None;
        }
        let candidates = if p.timestamps.is_empty() {
            &self.timestamps
        } else {
            &p.timestamps
        };
        let (_, fmt) = candidates.first()?;
        let slot = p.time_slots.first().copied().flatten()?;
        Some((span_text(text, spans, slot)?, fmt))
    }

    /// The line's instant and precision when its stamp is the one the clock resolved
    /// last but for the fraction digits ([`SourceClock::again`]): most lines of a busy log.
    fn time_again(
        &self,
        p: &Pattern,
        text: &str,
        spans: &Spans,
        clock: &mut SourceClock,
    ) -> Option<(Nanos, u8)> {
        let (stamp, fmt) = self.first_stamp(p, text, spans)?;
        let (ts, _, prec) = clock.again(std::ptr::from_ref(fmt) as usize, stamp)?;
        Some((ts, Self::skewed_prec(prec, clock)))
    }

    /// Has the clock keep the stamp just resolved when it was the first candidate's, read
    /// by its layout.
    #[allow(clippy::too_many_arguments)]
    fn remember_time(
        &self,
        p: &Pattern,
        text: &str,
        spans: &Spans,
        stamp: &str,
        raw: RawTime,
        prec: u8,
        ts: Nanos,
        flags: TimeFlags,
        clock: &mut SourceClock,
    ) {
        let Some((first, fmt)) = self.first_stamp(p, text, spans) else {
            return;
        };
        if !std::ptr::eq(first, stamp) {
            return;
        }
        if let Some(marks) = fmt.marks(stamp) {
            let key = std::ptr::from_ref(fmt) as usize;
            clock.remember(key, stamp, marks, raw, prec, ts, flags);
        }
    }

    /// Builds the event of a matched line. `lean`: the caller only counts requests, so a
    /// request's message and typed fields are left empty (its roles are kept).
    pub fn build(
        &self,
        m: Match<'_>,
        text: &str,
        clock: &mut SourceClock,
        at: &LineAt<'_>,
        lean: bool,
    ) -> Result<Built, Reject> {
        let rec = &m.record;
        let pattern = &self.patterns[m.pattern];

        let (raw_time, prec, ts_raw) = m.time?;
        let (ts, time, prec) = Self::instant(raw_time, prec, &ts_raw, clock)?;

        let lookup = |f: &str| rec.text(f);
        let lean = lean && &*pattern.kind == KIND_REQUEST;
        let message = if lean {
            String::new()
        } else {
            self.message
                .render(lookup)
                .unwrap_or_else(|| text.to_string())
        };
        let mut severity = self
            .severity
            .as_ref()
            .and_then(|(f, map)| {
                let raw = rec.text(f)?;
                map.get(&raw.to_ascii_lowercase())
                    .copied()
                    .or_else(|| Severity::from_name(&raw))
            })
            .unwrap_or(Severity::Info);
        let mut component = self.component.render(lookup);
        let host = self.host.render(lookup);
        let mut kind = pattern.kind.clone();
        let mut fields = if lean {
            EventFields::default()
        } else {
            self.typed_fields(rec, pattern)
        };

        let mut rule_hit = None;
        let request = if &*kind == KIND_REQUEST {
            let r = self.request_ref(rec, m.pattern).into_owned();
            if r.failed {
                severity = Severity::Error;
            }
            Some(r)
        } else {
            for (i, rule) in self.rules.iter().enumerate() {
                let subject: Cow<'_, str> = match &rule.field {
                    Some(f) => match rec.text(f) {
                        Some(v) => v,
                        None => continue,
                    },
                    None => Cow::Borrowed(message.as_str()),
                };
                let Some(caps) = rule.regex.get().captures(subject.as_bytes()) else {
                    continue;
                };
                kind = rule.kind.clone();
                if let Some(s) = rule.severity {
                    severity = s;
                }
                for (i, name) in rule.regex.names() {
                    if let Some(v) = caps.get(*i) {
                        let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                        fields.insert(name, Value::String(v));
                    }
                }
                if let Some(t) = &rule.component {
                    let c = t.render(|f| {
                        caps.name(f)
                            .map(|m| Cow::Owned(String::from_utf8_lossy(m.as_bytes()).into_owned()))
                            .or_else(|| rec.text(f).map(|c| Cow::Owned(c.into_owned())))
                    });
                    if c.is_some() {
                        component = c;
                    }
                }
                rule_hit = Some(i);
                break;
            }
            None
        };

        Ok(Built {
            event: Event {
                ts,
                ts_prec: prec,
                ts_raw: ts_raw.into_owned(),
                time,
                source_id: at.source_id,
                source: at.source.clone(),
                line: at.line,
                format: self.id.clone(),
                host,
                component,
                kind,
                severity,
                raw: (!lean && message != text).then(|| text.to_string()),
                message,
                request,
                fields,
            },
            pattern: m.pattern,
            rule: rule_hit,
        })
    }

    /// The fields of the record, typed as the definition says: every named capture of a
    /// regex pattern; the declared fields of a JSON record; every field of a delimited line
    /// that is not unset (typed by its header unless the definition says otherwise).
    fn typed_fields(&self, rec: &Record<'_>, pattern: &Pattern) -> EventFields {
        let typed = |ty: Option<FieldType>, text: Cow<'_, str>| -> Value {
            match ty {
                Some(FieldType::Int) => {
                    if let Ok(n) = text.trim_start_matches('+').parse::<i64>() {
                        return Value::from(n);
                    }
                }
                Some(FieldType::Float) => {
                    if let Some(n) = text
                        .parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                    {
                        return Value::Number(n);
                    }
                }
                _ => {}
            }
            Value::String(text.into_owned())
        };
        // A declared type also applies to a value that came as a JSON or Zeek string.
        let retype = |name: &str, v: Value| -> Value {
            match (self.field_types.get(name), v) {
                (ty @ Some(FieldType::Int | FieldType::Float), Value::String(s)) => {
                    typed(ty.copied(), Cow::Owned(s))
                }
                (_, v) => v,
            }
        };
        match rec {
            Record::Regex(_) | Record::Spans { .. } => {
                let mut out = EventFields::with_capacity(pattern.capture_keys.len());
                for k in &pattern.capture_keys {
                    let text = match (rec, k.slot) {
                        (Record::Spans { .. }, Some(s)) => rec.slot_text(s),
                        _ => rec.group_text(k.group),
                    };
                    if let Some(text) = text {
                        out.push_new(&k.name, typed(k.ty, text));
                    }
                }
                out
            }
            Record::Json { .. } => {
                let mut out = EventFields::with_capacity(self.field_keys.len());
                for (name, _) in &self.field_keys {
                    if let Some(v) = rec.value(name) {
                        out.push_new(name, retype(name, v));
                    }
                }
                out
            }
            Record::Delimited { header, values } => {
                let mut out = EventFields::default();
                for name in header.field_keys() {
                    if let Some(v) = header.value(values, name) {
                        out.insert(name, retype(name, v));
                    }
                }
                out
            }
        }
    }

    /// The request roles of a record of pattern `pattern`, borrowed from the line.
    pub(crate) fn request_ref<'a>(&self, rec: &Record<'a>, pattern: usize) -> RequestRef<'a> {
        self.request_of(|f| f.text(rec, pattern), |f| f.text(rec, pattern))
    }

    /// A request's roles, each field's text by `text_of`; the numbers read from
    /// `bytes_of`, the same text as bytes.
    #[inline(always)]
    fn request_of<'a, B: AsBytes>(
        &self,
        text_of: impl Fn(&Field) -> Option<Cow<'a, str>>,
        bytes_of: impl Fn(&Field) -> Option<B>,
    ) -> RequestRef<'a> {
        let Some(roles) = &self.request else {
            return RequestRef::default();
        };
        let get = |f: &Option<Field>| f.as_ref().and_then(&text_of);
        let number = |f: &Option<Field>| f.as_ref().and_then(&bytes_of);
        let status = number(&roles.status)
            .and_then(|s| unsigned(s.as_bytes()))
            .and_then(|s| u16::try_from(s).ok());
        let latency_ms = number(&roles.latency)
            .and_then(|s| decimal(plus_trimmed(s.as_bytes())))
            .filter(|v| *v >= 0.0)
            .map(|v| v * roles.latency_to_ms);
        let bytes = number(&roles.bytes).and_then(|s| unsigned(plus_trimmed(s.as_bytes())));
        let lb_failure = roles.lb_failure.iter().any(|all| {
            all.iter()
                .all(|(f, r)| text_of(f).is_some_and(|v| r.is_match(v.as_bytes())))
        });
        RequestRef {
            status,
            backend: get(&roles.backend),
            server: get(&roles.server),
            client: get(&roles.client),
            method: get(&roles.method),
            path: get(&roles.path),
            latency_ms,
            bytes,
            termination: get(&roles.termination),
            failed: lb_failure || status.is_some_and(|s| s >= 500),
            lb_failure,
        }
    }
}

#[cfg(test)]
mod number_tests {
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn unsigned_reads_as_std(s in "[+-]?[0-9]{0,22}|\\+\\+[0-9]{1,3}|[0-9 a+]{0,5}") {
            prop_assert_eq!(super::unsigned(s.as_bytes()), s.parse::<u64>().ok());
        }
    }

    #[test]
    fn unsigned_at_the_edges() {
        assert_eq!(super::unsigned(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(super::unsigned(b"18446744073709551616"), None);
        assert_eq!(super::unsigned(b"+7"), Some(7));
        assert_eq!(super::unsigned(b"+"), None);
    }
}

#[cfg(test)]
mod matcher_tests {
    use super::{build_regex, Matcher};
    use proptest::prelude::*;

    const SOURCES: [&str; 7] = [
        "^<NOSRV>$",
        "^[sSRIDK]",
        "^[a-c-]",
        "^CD$",
        "[sS]",
        "^(?i)cd",
        "^\\d{3}$",
    ];

    #[test]
    fn whole_numbers_read_as_the_float_parser_reads_them() {
        for s in [
            "0",
            "7",
            "0012",
            "999999999999999",
            "1.5",
            "-1",
            "",
            "1e3",
            "9999999999999999",
        ] {
            assert_eq!(super::decimal(s.as_bytes()), s.parse::<f64>().ok(), "{s}");
        }
    }

    #[test]
    fn the_plain_shapes_skip_the_regex_engine() {
        let kind = |src: &str| match Matcher::new(src, build_regex(src).unwrap()) {
            Matcher::Equals(_) => "equals",
            Matcher::FirstByte(_) => "first byte",
            Matcher::Regex(_) => "regex",
        };
        assert_eq!(kind("^<NOSRV>$"), "equals");
        assert_eq!(kind("^[sSRIDK]"), "first byte");
        assert_eq!(kind("^(?i)cd"), "regex");
        assert_eq!(kind("[sS]"), "regex");
    }

    proptest! {
        #[test]
        fn a_matcher_says_what_its_regex_says(
            src in 0..SOURCES.len(),
            text in prop::sample::select(vec!["<NOSRV>", "<NOSRV>x", "", "s", "SC--", "----",
                "CD", "cd", "CDx", "b", "-", "123", "1234", "K\n"]),
            tail in "[a-zA-Z<>\\-\\n]{0,3}",
        ) {
            let src = SOURCES[src];
            let regex = build_regex(src).unwrap();
            let m = Matcher::new(src, regex.clone());
            for t in [text.to_string(), format!("{text}{tail}"), tail.clone()] {
                prop_assert_eq!(m.is_match(t.as_bytes()), regex.is_match(t.as_bytes()), "{} on {:?}", src, t);
            }
        }
    }
}
