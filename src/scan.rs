//! One source from bytes to ordered events: open and decode, cut lines, detect the
//! format, parse each line, put it on the UTC clock, restore order.
//!
//! Most sources are read line by line. Some are framed first (see [`crate::input`]): a
//! whole JSON or YAML document (a `kubectl get events` EventList) and a journal export
//! are read as chunks of lines, each chunk one record (or the lines that frame them), and
//! each record is parsed as if it were one line (a document's events are then sorted by
//! time: its items have no order of their own). Header directives of delimited formats
//! (Zeek's `#fields`) are read lines that set the source's header.
//!
//! Guarantees per source: `lines = parsed + rejected`; damaged input (a decoding error,
//! invalid UTF-8, a cut line, a document cut short) is counted and described; nothing
//! here panics on any input.

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::event::{Event, Nanos, Request, RequestRef, TimeFlags, KIND_REQUEST};
use crate::format::{
    detect,
    fast::{Memo, Span, Spans, MAX_FIELDS},
    json_deeper_than, Detection, LineAt, LineParser, LineView, Registry, Reject,
};
use crate::impact::Buckets;
use crate::input::document::{self, Shape, DOCUMENT_LIMIT};
use crate::input::export::ExportReader;
use crate::input::{open, Chunk, ChunkKind, Compression, Input, InputKind, LineReader, Tape};
use crate::merge::{Keyed, Reorder};
use crate::time::{
    request_key, ClockSettings, Observation, RawTime, Sampler, SourceClock, YearSource,
    NANOS_PER_SEC,
};

/// Lines looked at to detect a source's format.
const DETECT_LINES: usize = 200;
/// Events per batch sent to the merge, at most (a run of many sources uses smaller ones).
pub const BATCH: usize = 512;
/// Examples of rejected lines kept per source for the summary.
const REJECT_EXAMPLES: usize = 3;

/// A silence inside a source shorter than this is not recorded.
pub const SILENCE_MIN: Nanos = 10 * 60 * 1_000_000_000;
/// Silences recorded per source, at most.
pub const SILENCES_KEPT: usize = 64;

/// A stretch with no line in a source: from the line before to the line after.
#[derive(Clone, Debug)]
pub struct Silence {
    pub from: Nanos,
    pub to: Nanos,
    /// The line after the silence, and its text.
    pub line: u64,
    pub text: String,
}

/// Where rejected lines go with `--rejects FILE`: `source<TAB>line<TAB>reason<TAB>text`.
pub type RejectsOut = Arc<Mutex<Box<dyn Write + Send>>>;

/// What the run says about one source: every line accounted for.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SourceStats {
    pub input: String,
    /// Silences inside the source longer than [`SILENCE_MIN`] (at most [`SILENCES_KEPT`]).
    #[serde(skip)]
    pub silences: Vec<Silence>,
    pub format: Option<String>,
    pub confidence: f64,
    pub compression: &'static str,
    pub lines: u64,
    pub parsed: u64,
    pub rejected: u64,
    /// Lines joined to the record before them (counted in `parsed`).
    pub continued: u64,
    pub invalid_utf8: u64,
    pub cut_lines: u64,
    pub reordered: u64,
    pub late: u64,
    /// Of the late lines, those that came within the reorder window: it was full (its
    /// share of the run's) and had sent later lines early.
    pub late_crowded: u64,
    /// Request lines, and those that failed (counted here when not listed).
    pub requests: u64,
    pub requests_failed: u64,
    /// Events outside `--since/--until`.
    pub filtered_out: u64,
    #[serde(serialize_with = "ser_opt_ts")]
    pub first_ts: Option<Nanos>,
    #[serde(serialize_with = "ser_opt_ts")]
    pub last_ts: Option<Nanos>,
    /// Zone used for stamps without an offset.
    pub tz: String,
    pub time: TimeAssumptions,
    /// Formats of the source's lines, by count (mixed sources have several).
    pub formats: BTreeMap<String, u64>,
    /// Why reading stopped early or never started, with the byte offset.
    pub damage: Option<String>,
    pub reject_examples: Vec<RejectExample>,
    /// A bounded sample of the source's requests, to estimate clock skew against other
    /// sources ([`crate::clocks`]).
    #[serde(skip)]
    pub requests_sample: Sampler,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct TimeAssumptions {
    pub zone_assumed: u64,
    pub year_inferred: u64,
    pub year_from: Option<String>,
    pub skew_s: f64,
    /// Where a non-zero skew came from: `--skew` or `--auto-skew` (set by the run).
    pub skew_from: Option<&'static str>,
    pub year_rollovers: u32,
    pub clock_jumps_back: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct RejectExample {
    pub line: u64,
    pub reason: String,
    pub text: String,
}

fn ser_opt_ts<S: serde::Serializer>(v: &Option<Nanos>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(ns) => s.serialize_str(&crate::time::rfc3339(*ns, 9)),
        None => s.serialize_none(),
    }
}

impl SourceStats {
    /// Input was damaged or partly unreadable (exit code 2).
    pub fn damaged(&self) -> bool {
        self.damage.is_some() || self.invalid_utf8 > 0 || self.cut_lines > 0
    }
}

/// A line taken during detection, replayed when the source is scanned.
struct Peeked {
    text: String,
    cut: bool,
    lossy: bool,
}

type Export = ExportReader<BufReader<Box<dyn Read + Send>>>;

/// How a source is read.
enum Body {
    /// Line by line: the lines taken for detection, then the rest.
    Lines {
        peeked: Vec<Peeked>,
        reader: Option<LineReader<Tape>>,
    },
    /// In chunks of lines (a document, a journal export): those taken for detection (all
    /// of a document's), then the rest.
    Chunks {
        peeked: Vec<Chunk>,
        rest: Option<Export>,
    },
}

/// How a source's lines make records, from its first lines.
enum Framing {
    Lines,
    Document(Shape),
    Export,
}

/// A source opened and detected, ready to stream.
pub struct Prepared {
    pub input: Input,
    pub id: u32,
    body: Body,
    raw_offset: Arc<AtomicU64>,
    compression: Compression,
    pub detection: Detection,
    /// The first full date among the first lines (anchors other sources' years).
    pub first_dated: Option<Nanos>,
    pub gzip_mtime: Option<Nanos>,
    pub file_mtime: Option<Nanos>,
    damage: Option<String>,
    /// About how many bytes the source decodes to (to share streams out evenly).
    plain_size: u64,
}

/// Requests a stream folds between two hand-overs to the run's table.
const HAND_OVER_EVERY: u32 = 1 << 20;

/// Options the scan needs from the run.
pub struct ScanOptions {
    pub registry: Arc<Registry>,
    pub forced_format: Option<usize>,
    pub max_line: usize,
    /// JSON lines nested deeper than this are rejected (`--max-depth`).
    pub max_depth: usize,
    pub reorder_window: Nanos,
    /// Events a source's reorder window holds at most, in [`scan`] (a run's streams
    /// are given theirs: [`StreamPlan`]).
    pub reorder_max: usize,
    /// Events per batch sent to the merge.
    pub batch: usize,
    /// The budget the sources' distinct-client sets share (their granule doubles past it).
    pub client_budget: Arc<crate::impact::ClientBudget>,
    /// The run's bucket table: each stream moves its settled seconds into it as it
    /// reads, so a second's buckets are held once, not once per stream.
    pub run_table: Arc<Mutex<Buckets>>,
    pub since: Option<Nanos>,
    pub until: Option<Nanos>,
    /// Pass request events on (events command) or only count them (timeline).
    pub forward_requests: bool,
    /// Fold the requests that are only counted into the bucket tables, for the analysis
    /// (`timeline`, `report`). `events --notable` counts them and has no analysis.
    pub fold_requests: bool,
    pub rejects: Option<RejectsOut>,
}

impl ScanOptions {
    /// The options of a plain run over `registry`: every limit at its default, no
    /// time bounds, requests folded, no rejects file.
    pub fn with_defaults(registry: Arc<crate::format::Registry>) -> Self {
        ScanOptions {
            registry,
            forced_format: None,
            max_line: crate::input::DEFAULT_MAX_LINE,
            max_depth: crate::format::MAX_JSON_DEPTH,
            reorder_window: 60_000_000_000,
            reorder_max: 10_000,
            batch: BATCH,
            client_budget: crate::impact::ClientBudget::new(crate::impact::CLIENT_SET_BUDGET),
            run_table: Default::default(),
            since: None,
            until: None,
            forward_requests: false,
            fold_requests: true,
            rejects: None,
        }
    }
}

/// Opens a source and detects its format from its first lines. A source that is a
/// document or a journal export is framed into records here, and detected on those.
pub fn prepare(input: Input, id: u32, opts: &ScanOptions, progress: Arc<AtomicU64>) -> Prepared {
    let mut p = Prepared {
        input,
        id,
        body: Body::Lines {
            peeked: Vec::new(),
            reader: None,
        },
        raw_offset: Arc::new(AtomicU64::new(0)),
        compression: Compression::None,
        detection: detect(&opts.registry, "", &[], opts.forced_format),
        first_dated: None,
        gzip_mtime: None,
        file_mtime: None,
        damage: None,
        plain_size: 0,
    };
    let opened = match open(&p.input, progress) {
        Ok(o) => o,
        Err(e) => {
            p.damage = Some(format!("cannot read: {e}"));
            return p;
        }
    };
    p.raw_offset = opened.raw_offset;
    p.compression = opened.compression;
    p.plain_size = plain_size(&p.input, p.compression);
    p.gzip_mtime = opened.gzip_mtime;
    p.file_mtime = opened.file_mtime;
    // The first bytes are recorded, to be read again whole if the source is a document.
    let tape = Tape::recording(opened.reader, DOCUMENT_LIMIT);
    let mut reader = LineReader::new(tape, opts.max_line);
    let mut peeked = Vec::new();
    while peeked.len() < DETECT_LINES {
        match reader.next_line() {
            Ok(Some(l)) => {
                let text = String::from_utf8_lossy(l.bytes);
                peeked.push(Peeked {
                    lossy: matches!(text, std::borrow::Cow::Owned(_)),
                    text: text.into_owned(),
                    cut: l.cut,
                });
            }
            Ok(None) => break,
            Err(e) => {
                p.damage = Some(damage_text(&e, p.compression, &p.raw_offset));
                break;
            }
        }
    }
    let texts: Vec<String> = peeked.iter().map(|l| l.text.clone()).collect();
    p.detection = detect(&opts.registry, &p.input.name, &texts, opts.forced_format);
    let framing = framing(&texts, &p.detection);
    let texts = if !matches!(framing, Framing::Lines) && reader.get_mut().can_rewind() {
        // read again from the first byte (the copy alone when reading broke early)
        let stream = reader.into_inner().rewind(p.damage.is_none());
        // framed: detected on its first records; else the body says how it is read
        stream
            .and_then(|s| frame(&mut p, s, framing, opts))
            .unwrap_or(texts)
    } else {
        reader.get_mut().stop();
        let reader = p.damage.is_none().then_some(reader);
        p.body = Body::Lines { peeked, reader };
        texts
    };
    p.first_dated = first_dated(opts, &p.detection, &texts);
    p
}

/// Line by line, unless the first lines show a journal export, or a document that the
/// line formats do not explain (they claim less than half of its first lines).
fn framing(texts: &[String], d: &Detection) -> Framing {
    if ExportReader::<&[u8]>::sniff(texts) {
        return Framing::Export;
    }
    let claimed = d.scores.first().map_or(0, |s| s.claimed);
    match Shape::sniff(texts) {
        Some(shape) if claimed * 2 < d.looked_at || d.looked_at == 0 => Framing::Document(shape),
        _ => Framing::Lines,
    }
}

/// Frames a source read again from its first byte: sets its body and detects its format
/// on its first records, whose texts are returned. `None`: read it line by line after all
/// (the body is set when that is already decided).
fn frame(
    p: &mut Prepared,
    mut stream: Box<dyn Read + Send>,
    framing: Framing,
    opts: &ScanOptions,
) -> Option<Vec<String>> {
    let mut peeked = Vec::new();
    let mut rest = None;
    match framing {
        Framing::Lines => return None,
        Framing::Document(shape) => {
            let mut bytes = Vec::new();
            if let Err(e) = (&mut stream)
                .take(DOCUMENT_LIMIT as u64 + 1)
                .read_to_end(&mut bytes)
            {
                p.damage
                    .get_or_insert_with(|| damage_text(&e, p.compression, &p.raw_offset));
            }
            if bytes.len() > DOCUMENT_LIMIT {
                p.damage = Some(format!(
                    "a {} document larger than {} MiB is not read as a document: its lines are read one by one",
                    shape.name(),
                    DOCUMENT_LIMIT >> 20
                ));
                let again: Box<dyn Read + Send> =
                    Box::new(std::io::Cursor::new(bytes).chain(stream));
                p.body = Body::Lines {
                    peeked: Vec::new(),
                    reader: Some(LineReader::new(Tape::plain(again), opts.max_line)),
                };
                return None;
            }
            peeked = document::read(&bytes, shape);
        }
        Framing::Export => {
            let mut export =
                ExportReader::new(BufReader::with_capacity(128 * 1024, stream), opts.max_line);
            let mut records = 0;
            while records < DETECT_LINES {
                let Some(c) = export.next() else { break };
                records += usize::from(matches!(c.kind, ChunkKind::Record(_)));
                peeked.push(c);
            }
            rest = Some(export);
        }
    }
    let texts: Vec<String> = peeked
        .iter()
        .filter_map(|c| match &c.kind {
            ChunkKind::Record(v) => Some(v.to_string()),
            _ => None,
        })
        .take(DETECT_LINES)
        .collect();
    p.detection = detect(&opts.registry, &p.input.name, &texts, opts.forced_format);
    p.body = Body::Chunks { peeked, rest };
    Some(texts)
}

/// The first full date among a source's first lines (or records).
fn first_dated(opts: &ScanOptions, d: &Detection, texts: &[String]) -> Option<Nanos> {
    let mut parser = LineParser::new(opts.registry.clone(), d);
    texts.iter().find_map(|t| {
        if parser.directive(t) {
            return None;
        }
        let header = parser.header();
        let view = LineView::with_header(t, &header);
        parser.parse(&view).ok()?.1.time.ok()?.0.dated()
    })
}

/// A `--rejects` field: one row per rejected line, whatever the path, the reason (it may
/// quote a field with a newline in it) or the text hold; a tab is escaped too except in
/// the text, the last column, which stays as it was read.
fn tsv(s: &str, tabs: bool) -> std::borrow::Cow<'_, str> {
    let special = |c: char| c == '\n' || c == '\r' || (tabs && c == '\t');
    if !s.contains(special) {
        return s.into();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' if tabs => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.into()
}

fn damage_text(e: &std::io::Error, c: Compression, offset: &AtomicU64) -> String {
    let at = offset.load(Ordering::Relaxed);
    match c {
        Compression::None => format!("read error after {at} bytes: {e}"),
        _ => format!(
            "{} stream damaged near compressed byte {at}: {e}; the lines before it were read",
            c.name()
        ),
    }
}

/// The year source of a source: `--year`, else its own full dates (among its first
/// lines), else other sources' full dates, else its gzip header's mtime, else its file
/// mtime, else a stated guess. Full dates seen later in the source take over as they come.
pub fn year_source(
    flag: Option<i32>,
    p: &Prepared,
    others_dated: Option<Nanos>,
    now: Nanos,
) -> YearSource {
    if let Some(y) = flag {
        return YearSource::Flag(y);
    }
    if let Some(ns) = p.first_dated {
        return YearSource::OwnDates(ns);
    }
    if let Some(ns) = others_dated {
        return YearSource::OtherSources(ns);
    }
    if let Some(ns) = p.gzip_mtime {
        return YearSource::GzipMtime(ns);
    }
    if let Some(ns) = p.file_mtime {
        return YearSource::FileMtime(ns);
    }
    YearSource::Guess(now)
}

/// What a source's thread makes of each event it sends on, once the event's arrival
/// has been flagged (reordered, late).
pub trait Pack {
    type Out: Keyed + Send + 'static;
    fn pack(&mut self, ev: Event) -> Self::Out;
}

/// Events sent on as they are.
pub struct AsEvents;

impl Pack for AsEvents {
    type Out = Event;
    fn pack(&mut self, ev: Event) -> Event {
        ev
    }
}

/// The state of one source being scanned.
struct Scanner<'o, P: Pack> {
    opts: &'o ScanOptions,
    name: Arc<str>,
    id: u32,
    clock: SourceClock,
    parser: LineParser,
    reorder: Reorder<P::Out>,
    pack: P,
    batch: Vec<P::Out>,
    /// The last record, held until the next line shows it has no continuation.
    pending: Option<(Event, usize)>,
    /// A document's events, held to be sorted: its items have no time order of their own
    /// (kubectl lists events by name), and it is in memory anyway.
    sorting: Option<Vec<Event>>,
    line_no: u64,
    stats: SourceStats,
    /// Requests folded into per-second buckets as they stream by.
    buckets: Buckets,
    /// The format the parser tries first, when it has a lean lane; its scratch spans.
    lean_format: Option<usize>,
    spans: Spans,
    /// What the lean lane's tokenizer keeps from one line to the next.
    memo: Memo,
    /// Lines the lean lane folded (counted under its format when the file ends).
    lean_folded: u64,
    /// The lean format's tier id in `buckets`, once it has folded a line.
    lean_tier: Option<u32>,
}

impl<'o, P: Pack> Scanner<'o, P> {
    fn line(&mut self, text: &str, cut: bool, lossy: bool) {
        self.line_no += 1;
        let stats = &mut self.stats;
        stats.lines += 1;
        stats.cut_lines += cut as u64;
        stats.invalid_utf8 += lossy as u64;
        // A writer that crashed leaves NULs where its last blocks were (allocated, never
        // written); the first line written after the restart follows them on the same
        // line. It is read without them.
        let text = match text.as_bytes().first() {
            Some(0) => text.trim_start_matches('\0'),
            _ => text,
        };
        if let Some((ev, f)) = &mut self.pending {
            if self.parser.registry().formats()[*f].continues(text) {
                ev.continue_with(text);
                stats.parsed += 1;
                stats.continued += 1;
                return;
            }
        }
        // A line that starts with a visible ASCII byte (nearly all) is neither blank nor
        // indented: both trims are spared.
        let first = text.as_bytes().first().copied().unwrap_or(b' ');
        let visible = (b'!'..=b'~').contains(&first);
        if !visible && text.trim().is_empty() {
            return self.reject(text, Reject::Empty);
        }
        if self.parser.directive(text) {
            self.stats.parsed += 1;
            return;
        }
        let max_depth = self.opts.max_depth;
        let object = if visible {
            first == b'{'
        } else {
            text.trim_start().starts_with('{')
        };
        if object && json_deeper_than(text, max_depth) {
            return self.reject(text, Reject::TooDeep(max_depth));
        }
        match self.events_of(text, false) {
            Ok((events, f)) => {
                self.stats.parsed += 1;
                // A request the lean lane folded has no event.
                if !events.is_empty() {
                    self.hold(events, f);
                }
            }
            Err(reason) => self.reject(text, reason),
        }
    }

    /// Every event but the last is complete; the last may still be continued.
    fn hold(&mut self, events: Vec<Event>, f: usize) {
        if let Some(all) = &mut self.sorting {
            all.extend(events);
            return;
        }
        for ev in events {
            if let Some((prev, _)) = self.pending.replace((ev, f)) {
                self.deliver(prev);
            }
        }
    }

    /// A chunk of a framed source: its lines are read (they frame records or are one),
    /// or rejected (a record no format takes, lines that could not be read).
    fn chunk(&mut self, c: Chunk) {
        let stats = &mut self.stats;
        stats.lines += c.lines;
        stats.invalid_utf8 += c.invalid_utf8;
        stats.cut_lines += c.cut_lines;
        self.line_no = c.line;
        match c.kind {
            ChunkKind::Frame => self.stats.parsed += c.lines,
            ChunkKind::Record(value) => {
                let text = value.to_string();
                match self.events_of(&text, true) {
                    Ok((events, f)) => {
                        self.stats.parsed += c.lines;
                        self.hold(events, f);
                    }
                    Err(reason) => {
                        self.stats.rejected += c.lines;
                        self.reject_row(c.line, &reason.to_string(), &text);
                    }
                }
            }
            ChunkKind::Unreadable {
                reason,
                text,
                damage,
            } => {
                if damage.is_some() && self.stats.damage.is_none() {
                    self.stats.damage = damage;
                }
                self.stats.rejected += c.lines;
                for (i, l) in text.lines().take(c.lines as usize).enumerate() {
                    self.reject_row(c.line + i as u64, &reason, l);
                }
            }
        }
        self.line_no = c.line + c.lines.saturating_sub(1);
    }

    /// The events of one line: peeled out of its envelope if it has one (the envelope's
    /// own event stands when nothing takes the inner line), one per element for `each`
    /// patterns. Any element that cannot be built rejects the whole line.
    /// `record`: the line is the compact JSON of a record of a framed source (a document's
    /// item, a journal export entry), with no envelope.
    fn events_of(&mut self, text: &str, record: bool) -> Result<(Vec<Event>, usize), Reject> {
        // The run's registry, borrowed for the options' lifetime (not this scanner's, and
        // without an atomic count on every line).
        let opts: &'o ScanOptions = self.opts;
        let reg = &opts.registry;
        let lean = !opts.forward_requests;
        let peeled = if record { None } else { reg.peel(text) };
        // A request line that is only counted is folded straight into the buckets: by the
        // lean lane when the source's first format has one, else from its match.
        if lean && !record && peeled.is_none() && self.sorting.is_none() {
            if let Some(f) = self.lean_format {
                let format = &reg.formats()[f];
                if let Some(r) =
                    format.lean_fast(text, &mut self.spans, &mut self.memo, &mut self.clock)
                {
                    let (ts, prec, request) = r?;
                    self.lean_folded += 1;
                    let tier = match self.lean_tier {
                        Some(t) => t,
                        None => *self.lean_tier.insert(self.buckets.tier_id(&format.id)),
                    };
                    self.fold(None, tier, ts, prec, &request, text);
                    return Ok((Vec::new(), f));
                }
            }
        }
        let name = self.name.clone();
        let at = LineAt {
            source_id: self.id,
            source: &name,
            line: self.line_no,
        };
        let header = self.parser.header();
        if record {
            let view = LineView::new(text);
            let (f, m) = self.parser.parse(&view)?;
            return self.build(f, m, text, text, &at, lean);
        }
        let outer = LineView::with_header(text, &header);
        if lean && peeled.is_none() && self.sorting.is_none() {
            let (f, m) = self.parser.parse(&outer)?;
            let format = &reg.formats()[f];
            if let Some(r) = format.lean_request(&m, &mut self.clock) {
                let (ts, prec, request) = r?;
                let tier = self.buckets.tier_id(&format.id);
                self.fold(Some(&format.id), tier, ts, prec, &request, text);
                return Ok((Vec::new(), f));
            }
            return self.build(f, m, text, text, &at, lean);
        }
        let envelope = peeled.as_ref().and_then(|(e, _)| {
            let m = reg.formats()[*e].matches(&outer)?;
            if let Ok((raw, ..)) = &m.time {
                self.clock.observe(*raw);
            }
            Some((*e, m))
        });
        // The inner line first; else the whole line (a line that merely starts with a
        // stamp like the envelope's); else the envelope's own event.
        let body = peeled.clone().map_or(text, |(_, r)| &text[r]);
        let inner = LineView::with_header(body, &header);
        let inner_parsed = if peeled.is_some() {
            self.parser.parse(&inner).ok()
        } else {
            None
        };
        // The envelope's exact instant (a container runtime's UTC nanoseconds).
        let envelope_instant = envelope.as_ref().and_then(|(_, m)| match &m.time {
            Ok((raw @ RawTime::Instant(_), prec, stamp)) => Some((*raw, *prec, stamp.to_string())),
            _ => None,
        });
        let (f, m, built_from) = match inner_parsed {
            Some((f, m)) => (f, m, body),
            None => match (self.parser.parse(&outer), envelope) {
                (Ok((f, m)), _) => (f, m, text),
                (Err(_), Some((e, m))) => (e, m, text),
                (Err(reason), None) => return Err(reason),
            },
        };
        let mut built = self.build(f, m, built_from, text, &at, lean)?;
        // An inner stamp that needed an assumed zone or year yields to the envelope's
        // exact instant (klog inside a CRI line read with --tz would shift by the zone).
        if let (Some((raw, prec, stamp)), true) = (envelope_instant, built_from.len() != text.len())
        {
            for ev in &mut built.0 {
                if ev.time.contains(TimeFlags::ZONE_ASSUMED)
                    || ev.time.contains(TimeFlags::YEAR_INFERRED)
                {
                    if let Some((ns, flags)) = self.clock.resolve(raw) {
                        ev.ts = ns;
                        ev.ts_prec = prec;
                        ev.ts_raw = stamp.clone();
                        ev.time = flags;
                    }
                }
            }
        }
        Ok(built)
    }

    /// The events of a match (one per element for `each` patterns): any that cannot be
    /// built rejects the whole line.
    fn build(
        &mut self,
        f: usize,
        m: crate::format::Match<'_>,
        built_from: &str,
        text: &str,
        at: &LineAt<'_>,
        lean: bool,
    ) -> Result<(Vec<Event>, usize), Reject> {
        let opts: &'o ScanOptions = self.opts;
        let format = &opts.registry.formats()[f];
        let matches = format.each(&m).unwrap_or_else(|| vec![m]);
        let mut events = Vec::with_capacity(matches.len());
        for m in matches {
            let mut ev = format
                .build(m, built_from, &mut self.clock, at, lean)?
                .event;
            if built_from.len() != text.len() && !(lean && &*ev.kind == KIND_REQUEST) {
                ev.raw = Some(text.to_string());
            }
            events.push(ev);
        }
        Ok((events, f))
    }

    fn reject(&mut self, text: &str, reason: Reject) {
        self.stats.rejected += 1;
        self.reject_row(self.line_no, &reason.to_string(), text);
    }

    /// Keeps a rejected line (or record) for the summary and `--rejects` (the counts are
    /// the caller's).
    fn reject_row(&mut self, line: u64, reason: &str, text: &str) {
        if self.stats.reject_examples.len() < REJECT_EXAMPLES {
            self.stats.reject_examples.push(RejectExample {
                line,
                reason: reason.to_string(),
                text: text.chars().take(300).collect(),
            });
        }
        if let Some(out) = &self.opts.rejects {
            if let Ok(mut w) = out.lock() {
                let (name, reason) = (tsv(&self.name, true), tsv(reason, true));
                let text = tsv(text, false);
                let _ = writeln!(w, "{name}\t{line}\t{reason}\t{text}");
            }
        }
    }

    /// A complete event: counted, filtered by time, ordered, batched.
    fn deliver(&mut self, ev: Event) {
        if !self.account(&ev.format, ev.ts, ev.line, || ev.text().to_string()) {
            return;
        }
        if &*ev.kind == KIND_REQUEST {
            let r = ev.request.as_ref().map(Request::as_ref).unwrap_or_default();
            self.count_request(ev.ts, ev.ts_prec, &r);
            // Requests are either folded into buckets for the analysis (timeline, report)
            // or passed on (events), never both; `events --notable` only counts them.
            if !self.opts.forward_requests {
                if ev.request.is_some() && self.opts.fold_requests {
                    self.buckets.add(&ev.format, ev.ts, &r);
                    self.hand_over();
                }
                return;
            }
        }
        let pack = &mut self.pack;
        let ts = ev.ts;
        let make = |flags| {
            let mut ev = ev;
            ev.time.insert(flags);
            pack.pack(ev)
        };
        self.reorder.push_with(ts, make, &mut self.batch);
    }

    /// A request line that only needs counting (`timeline`, `report`): folded into the
    /// buckets straight from the line's fields, with no event built. `count`: the format
    /// to count the line under (`None`: the caller counted it).
    fn fold(
        &mut self,
        count: Option<&str>,
        tier: u32,
        ts: Nanos,
        prec: u8,
        r: &RequestRef<'_>,
        text: &str,
    ) {
        if let Some((ev, _)) = self.pending.take() {
            self.deliver(ev);
        }
        if let Some(format) = count {
            self.count_format(format);
        }
        if !self.admit(ts, self.line_no, || text.to_string()) {
            return;
        }
        self.count_request(ts, prec, r);
        if self.opts.fold_requests {
            self.buckets.add_in(tier, ts, r);
            self.hand_over();
        }
    }

    /// Every [`HAND_OVER_EVERY`] requests: the buckets of seconds well behind the newest
    /// (by the reorder window and a minute) go to the run's table.
    fn hand_over(&mut self) {
        if self.buckets.since_split() < HAND_OVER_EVERY {
            return;
        }
        let behind = self.opts.reorder_window / NANOS_PER_SEC + 60;
        let part = self
            .buckets
            .split_before(self.buckets.newest().saturating_sub(behind));
        let mut run = self
            .opts
            .run_table
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        run.merge(part);
    }

    /// Counts an event of `format` at `ts`: false when it falls outside `--since`/
    /// `--until`. A silence of the source before it is kept, with its text.
    fn account(
        &mut self,
        format: &str,
        ts: Nanos,
        line: u64,
        text: impl FnOnce() -> String,
    ) -> bool {
        self.count_format(format);
        self.admit(ts, line, text)
    }

    fn count_format(&mut self, format: &str) {
        let formats = &mut self.stats.formats;
        match formats.get_mut(format) {
            Some(n) => *n += 1,
            None => {
                formats.insert(format.to_string(), 1);
            }
        }
    }

    /// False when `ts` falls outside `--since`/`--until`. A silence of the source
    /// before it is kept, with its text.
    fn admit(&mut self, ts: Nanos, line: u64, text: impl FnOnce() -> String) -> bool {
        let stats = &mut self.stats;
        let opts = self.opts;
        if opts.since.is_some_and(|s| ts < s) || opts.until.is_some_and(|u| ts >= u) {
            stats.filtered_out += 1;
            return false;
        }
        if let Some(last) = stats.last_ts {
            if ts - last >= SILENCE_MIN && stats.silences.len() < SILENCES_KEPT {
                stats.silences.push(Silence {
                    from: last,
                    to: ts,
                    line,
                    text: text(),
                });
            }
        }
        stats.first_ts = Some(stats.first_ts.map_or(ts, |t| t.min(ts)));
        stats.last_ts = Some(stats.last_ts.map_or(ts, |t| t.max(ts)));
        true
    }

    fn count_request(&mut self, ts: Nanos, prec: u8, r: &RequestRef<'_>) {
        let stats = &mut self.stats;
        stats.requests += 1;
        stats.requests_failed += r.failed as u64;
        if let Some(key) = request_key(r, None) {
            stats.requests_sample.push(Observation { ts, key });
            stats.requests_sample.note_digits(prec);
        }
    }

    fn take_batch(&mut self) -> Option<Vec<P::Out>> {
        let n = self.opts.batch.max(1);
        (self.batch.len() >= n).then(|| std::mem::replace(&mut self.batch, Vec::with_capacity(n)))
    }

    /// Sends on a document's events, in time order (ties: in line order).
    fn sorted(&mut self) {
        let Some(mut all) = self.sorting.take() else {
            return;
        };
        all.sort_by_key(|e| (e.ts, e.line));
        for ev in all {
            self.deliver(ev);
        }
    }

    /// Ends the file: its last record delivered, its figures taken. The reorder window,
    /// the batch and the buckets go on to the next file of the stream.
    fn finish_file(
        mut self,
        (reordered, late, crowded): (u64, u64, u64),
    ) -> (SourceStats, Carry<P>) {
        if let Some((ev, _)) = self.pending.take() {
            self.deliver(ev);
        }
        if let Some(f) = self.lean_format.filter(|_| self.lean_folded > 0) {
            let format = &self.opts.registry.formats()[f].id;
            *self.stats.formats.entry(format.to_string()).or_default() += self.lean_folded;
        }
        let clock = &self.clock;
        let stats = &mut self.stats;
        stats.requests_sample.shrink();
        stats.reordered = self.reorder.reordered - reordered;
        stats.late = self.reorder.late - late;
        stats.late_crowded = self.reorder.crowded - crowded;
        stats.tz = clock.zone_name();
        stats.time = TimeAssumptions {
            zone_assumed: clock.zone_assumed,
            year_inferred: clock.year_inferred,
            year_from: (clock.year_inferred > 0).then(|| clock.years.describe()),
            skew_s: clock.skew() as f64 / 1e9,
            skew_from: None,
            year_rollovers: clock.years.rollovers,
            clock_jumps_back: clock.years.clock_jumps.len(),
        };
        let carry = Carry {
            reorder: self.reorder,
            pack: self.pack,
            batch: self.batch,
            buckets: self.buckets,
        };
        (self.stats, carry)
    }
}

/// What one file of a stream hands to the next.
struct Carry<P: Pack> {
    reorder: Reorder<P::Out>,
    pack: P,
    batch: Vec<P::Out>,
    buckets: Buckets,
}

/// Streams one prepared source on its own: every event goes to `emit` in ordered
/// batches; `emit` returning false (the consumer is gone) stops reading. Returns what was
/// read and the source's request buckets, whole (with what it handed to
/// `opts.run_table` as it read).
pub fn scan(
    p: Prepared,
    clock: ClockSettings,
    opts: &ScanOptions,
    emit: impl FnMut(Vec<Event>) -> bool,
) -> (SourceStats, Buckets) {
    let plan = StreamPlan {
        read_ahead: false,
        held: opts.reorder_max,
    };
    let (mut stats, rest) = scan_stream(vec![(p, clock)], opts, plan, AsEvents, emit);
    let mut all = std::mem::take(&mut *opts.run_table.lock().unwrap_or_else(|e| e.into_inner()));
    all.merge(rest);
    (stats.remove(0), all)
}

/// How one stream is read.
#[derive(Clone, Debug)]
pub struct StreamPlan {
    /// Decode on a thread of its own ([`read_ahead_plan`]).
    pub read_ahead: bool,
    /// Events its reorder window may hold: its share of the run's, fixed before the
    /// read.
    pub held: usize,
}

/// Streams the files of one log, oldest first, as one source would be: one reorder
/// window, one batch and one bucket table across them (one table for a day of rotated
/// files, not one per file); the figures stay per file.
pub fn scan_stream<P: Pack>(
    files: Vec<(Prepared, ClockSettings)>,
    opts: &ScanOptions,
    plan: StreamPlan,
    pack: P,
    mut emit: impl FnMut(Vec<P::Out>) -> bool,
) -> (Vec<SourceStats>, Buckets) {
    let n = opts.batch.max(1);
    let mut emit = |batch| emit_in_chunks(batch, n, &mut emit);
    let read_ahead = plan.read_ahead;
    let mut carry = Carry {
        reorder: Reorder::new(opts.reorder_window, plan.held),
        pack,
        batch: Vec::with_capacity(opts.batch.max(1)),
        buckets: Buckets::sharing_weighted(opts.client_budget.clone(), weight_of(&files)),
    };
    let mut open = true;
    let mut stats = Vec::with_capacity(files.len());
    for (p, clock) in files {
        let (s, c) = scan_file(p, clock, opts, read_ahead, carry, &mut emit, &mut open);
        stats.push(s);
        carry = c;
    }
    carry.reorder.finish(&mut carry.batch);
    if open && !carry.batch.is_empty() {
        emit(carry.batch);
    }
    carry.buckets.settle();
    (stats, carry.buckets)
}

/// Sends `batch` on in batches of at most `n` items. A reorder window releases all it
/// holds at once at a stream's end, after a silence longer than the window, and when a
/// document's items are sorted: as one batch, those lines would be copied into one block
/// while the window still held them (30 MB for a busy HAProxy stream's window).
fn emit_in_chunks<T>(batch: Vec<T>, n: usize, emit: &mut impl FnMut(Vec<T>) -> bool) -> bool {
    if batch.len() <= n {
        return emit(batch);
    }
    let mut items = batch.into_iter();
    loop {
        let chunk: Vec<T> = items.by_ref().take(n).collect();
        if chunk.is_empty() {
            return true;
        }
        if !emit(chunk) {
            return false;
        }
    }
}

fn scan_file<P: Pack>(
    p: Prepared,
    clock: ClockSettings,
    opts: &ScanOptions,
    read_ahead: bool,
    carry: Carry<P>,
    emit: &mut impl FnMut(Vec<P::Out>) -> bool,
    still_open: &mut bool,
) -> (SourceStats, Carry<P>) {
    let before = (
        carry.reorder.reordered,
        carry.reorder.late,
        carry.reorder.crowded,
    );
    let parser = LineParser::new(opts.registry.clone(), &p.detection);
    let lean_format = (parser.first()).filter(|&f| opts.registry.formats()[f].has_lean_lane());
    let mut sc = Scanner {
        lean_format,
        spans: [Span::NONE; MAX_FIELDS],
        memo: Memo::default(),
        lean_folded: 0,
        lean_tier: None,
        opts,
        name: Arc::from(p.input.name.as_str()),
        id: p.id,
        clock: SourceClock::new(clock),
        parser,
        reorder: carry.reorder,
        pack: carry.pack,
        batch: carry.batch,
        pending: None,
        sorting: None,
        line_no: 0,
        buckets: carry.buckets,
        stats: SourceStats {
            input: p.input.name.clone(),
            format: p
                .detection
                .primary()
                .map(|i| opts.registry.formats()[i].id.to_string()),
            confidence: p.detection.confidence(),
            compression: p.compression.name(),
            damage: p.damage.clone(),
            ..SourceStats::default()
        },
    };
    let mut open = *still_open;
    match p.body {
        Body::Lines { peeked, reader } => {
            for l in &peeked {
                sc.line(&l.text, l.cut, l.lossy);
                if let Some(b) = sc.take_batch() {
                    open = open && emit(b);
                }
            }
            if let Some(mut reader) = reader {
                if read_ahead && p.compression != Compression::None {
                    reader.read_ahead();
                }
                while open {
                    match reader.next_line() {
                        Ok(Some(l)) => {
                            // Validated with SIMD (most lines are valid, and std's
                            // check is a tenth of a line's cost); lossy only if not.
                            let text = match simdutf8::basic::from_utf8(l.bytes) {
                                Ok(t) => std::borrow::Cow::Borrowed(t),
                                Err(_) => String::from_utf8_lossy(l.bytes),
                            };
                            let lossy = matches!(text, std::borrow::Cow::Owned(_));
                            sc.line(&text, l.cut, lossy);
                            if let Some(b) = sc.take_batch() {
                                open = emit(b);
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            sc.stats.damage = Some(damage_text(&e, p.compression, &p.raw_offset));
                            break;
                        }
                    }
                }
            }
        }
        Body::Chunks { peeked, rest } => {
            if rest.is_none() {
                sc.sorting = Some(Vec::new());
            }
            for c in peeked {
                sc.chunk(c);
                if let Some(b) = sc.take_batch() {
                    open = open && emit(b);
                }
            }
            sc.sorted();
            if let Some(mut rest) = rest {
                while open {
                    let Some(c) = rest.next() else { break };
                    sc.chunk(c);
                    if let Some(b) = sc.take_batch() {
                        open = emit(b);
                    }
                }
                if let Some(e) = rest.take_error() {
                    sc.stats.damage = Some(damage_text(&e, p.compression, &p.raw_offset));
                }
            }
        }
    }
    *still_open = open;
    sc.finish_file(before)
}

/// The files of `prepared` grouped into streams, each oldest first: the rotations of one
/// log (`haproxy.log`, `haproxy.log.1`, `haproxy.log.2.gz`…; `syslog-20240405`) read
/// in the same format are one stream. Any other file is a stream of its own. Streams
/// keep the order of their first file. A stream of many files is cut into up to `cores`
/// runs of consecutive files of about the same size, read side by side (each run is in
/// time order, as the merge needs).
pub fn streams<T>(prepared: Vec<(Prepared, T)>, cores: usize) -> Vec<Vec<(Prepared, T)>> {
    let mut out: Vec<Vec<(Prepared, T)>> = Vec::new();
    let mut keys: Vec<Option<(String, Option<usize>)>> = Vec::new();
    for (p, t) in prepared {
        let key = (p.input.kind != InputKind::Stdin)
            .then(|| rotation_of(&p.input.name))
            .map(|(base, _)| (base.to_string(), p.detection.primary()));
        match key
            .as_ref()
            .and_then(|k| keys.iter().position(|x| x.as_ref() == Some(k)))
        {
            Some(i) => out[i].push((p, t)),
            None => {
                keys.push(key);
                out.push(vec![(p, t)]);
            }
        }
    }
    for files in &mut out {
        // Oldest first: as the names say, then by the first full date read.
        files.sort_by_key(|(p, _)| {
            let (_, age) = rotation_of(&p.input.name);
            (std::cmp::Reverse(age), p.first_dated)
        });
    }
    out.into_iter()
        .flat_map(|files| runs(files, cores))
        .collect()
}

/// Which of `streams` decode on a thread of their own ([`LineReader::read_ahead`]): with
/// `spare` cores beyond one a stream, the largest compressed streams, one a core. (A
/// plain file's reading costs little; a gzip stream's decoding is a third of its time.)
pub fn read_ahead_plan<T>(streams: &[Vec<(Prepared, T)>], spare: usize) -> Vec<bool> {
    let mut order: Vec<usize> = (0..streams.len())
        .filter(|&i| {
            streams[i]
                .iter()
                .any(|(p, _)| p.compression != Compression::None)
        })
        .collect();
    order.sort_by_key(|&i| std::cmp::Reverse(weight_of(&streams[i])));
    let mut plan = vec![false; streams.len()];
    for i in order.into_iter().take(spare) {
        plan[i] = true;
    }
    plan
}

/// About how many bytes `input` decodes to: its size, or for gzip the size its trailer
/// states (modulo 4 GiB, so never taken below the compressed size), else four times it.
fn plain_size(input: &Input, compression: Compression) -> u64 {
    use std::io::{Seek, SeekFrom};
    let raw = input.size.unwrap_or(0);
    let trailer = || -> Option<u64> {
        let InputKind::File(path) = &input.kind else {
            return None;
        };
        let mut f = std::fs::File::open(path).ok()?;
        f.seek(SeekFrom::End(-4)).ok()?;
        let mut b = [0u8; 4];
        f.read_exact(&mut b).ok()?;
        Some(u32::from_le_bytes(b) as u64).filter(|&n| n >= raw)
    };
    match compression {
        Compression::None => raw,
        Compression::Gzip => trailer().unwrap_or(raw.saturating_mul(4)),
        Compression::Zstd => raw.saturating_mul(4),
    }
}

/// A stream's weight: about how many bytes its files decode to.
pub fn weight_of<T>(files: &[(Prepared, T)]) -> u64 {
    files.iter().map(|(p, _)| p.plain_size.max(1)).sum()
}

/// `files` cut into at most `n` runs of consecutive files, each about `1/n` of the bytes.
fn runs<T>(files: Vec<(Prepared, T)>, n: usize) -> Vec<Vec<(Prepared, T)>> {
    let total = weight_of(&files);
    let n = n.clamp(1, files.len().max(1)) as u64;
    let mut out = vec![Vec::new()];
    let mut done = 0u64;
    for (p, t) in files {
        // A new run starts once the runs so far hold their share of the bytes.
        let runs = out.len() as u64;
        if runs < n && !out[out.len() - 1].is_empty() && done * n >= total * runs {
            out.push(Vec::new());
        }
        done += p.plain_size.max(1);
        out.last_mut().expect("one run at least").push((p, t));
    }
    out
}

/// A file's log and its age among the log's rotations (0 for the live file, larger for
/// older ones): `haproxy.log.2.gz` is (`haproxy.log`, 2); `syslog-20240405` is (`syslog`,
/// older than `syslog-20240406`); `haproxy.log` itself is (`haproxy.log`, 0). Only
/// logrotate's shapes count: a number after a dot, or an eight-digit date after a dash
/// (`web-1` and `web-2` are two logs).
fn rotation_of(path: &str) -> (&str, u64) {
    let mut s = path;
    for ext in [".gz", ".zst", ".bz2", ".xz"] {
        s = s.strip_suffix(ext).unwrap_or(s);
    }
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if let Some((head, tail)) = s.rsplit_once('.') {
        if digits(tail) && tail.len() <= 4 && !head.is_empty() && !head.ends_with('/') {
            return (head, tail.parse().unwrap_or(0));
        }
    }
    if let Some((head, tail)) = s.rsplit_once('-') {
        if digits(tail) && tail.len() == 8 && !head.is_empty() {
            return (head, 100_000_000 - tail.parse::<u64>().unwrap_or(0));
        }
    }
    (s, 0)
}

#[cfg(test)]
mod stream_tests {
    use super::*;

    fn prepared(name: &str, data: &[u8]) -> Prepared {
        let opts = ScanOptions {
            max_line: 1024,
            ..ScanOptions::with_defaults(Arc::new(crate::format::Registry::builtin().unwrap()))
        };
        let input = Input {
            name: name.into(),
            kind: InputKind::Bytes(Arc::from(data)),
            size: Some(data.len() as u64),
        };
        prepare(input, 0, &opts, Arc::new(AtomicU64::new(0)))
    }

    /// Spare cores go to the compressed streams, the largest first; a plain file reads
    /// inline whatever is spare.
    #[test]
    fn spare_cores_decode_the_largest_compressed_streams_ahead() {
        let line = b"Feb 13 21:00:12 lb1 haproxy[2241]: 10.0.0.1:4000 [13/Feb/2024:21:00:12.130] fe be/app2 1/0/1/22/24 200 3826 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"\n";
        let text = |n: usize| line.repeat(n);
        let gz = |n: usize| {
            use std::io::Write;
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&text(n)).unwrap();
            e.finish().unwrap()
        };
        let streams = vec![
            vec![(prepared("small.log.gz", &gz(10)), ())],
            vec![(prepared("plain.log", &text(5000)), ())],
            vec![(prepared("large.log.gz", &gz(1000)), ())],
        ];
        assert_eq!(read_ahead_plan(&streams, 0), [false, false, false]);
        assert_eq!(read_ahead_plan(&streams, 1), [false, false, true]);
        assert_eq!(read_ahead_plan(&streams, 2), [true, false, true]);
        assert_eq!(read_ahead_plan(&streams, 8), [true, false, true]);
    }

    /// 100 HAProxy lines over two seconds, each second's stamps going backwards.
    fn two_seconds_backwards() -> Prepared {
        let data: String = (0..100)
            .map(|i| {
                format!(
                    "Feb 13 21:00:{:02} lb1 haproxy[2241]: 10.0.0.1:4000 [13/Feb/2024:21:00:{:02}.{:03}] fe be/app2 1/0/1/22/24 200 3826 - - ---- 1/1/1/1/0 0/0 \"GET / HTTP/1.1\"\n",
                    i / 50,
                    i / 50,
                    999 - i % 50
                )
            })
            .collect();
        prepared("lb1.log", data.as_bytes())
    }

    /// Reads one stream of `p` under `opts`: what it counted, its bucket table, and the
    /// size and stamps of each batch it sent.
    fn stream(p: Prepared, opts: &ScanOptions) -> (SourceStats, Buckets, Vec<usize>, Vec<Nanos>) {
        let plan = StreamPlan {
            read_ahead: false,
            held: 1_000,
        };
        let clock = ClockSettings {
            zone: None,
            year: YearSource::Flag(2024),
            skew: 0,
        };
        let (mut sizes, mut stamps) = (Vec::new(), Vec::new());
        let (mut stats, buckets) = scan_stream(vec![(p, clock)], opts, plan, AsEvents, |b| {
            sizes.push(b.len());
            stamps.extend(b.iter().map(|e| e.ts));
            true
        });
        (stats.remove(0), buckets, sizes, stamps)
    }

    fn options() -> ScanOptions {
        ScanOptions::with_defaults(Arc::new(crate::format::Registry::builtin().unwrap()))
    }

    /// A window released whole (here at the stream's end: 60 s of window, 2 s of log)
    /// still leaves in batches of the run's size, in order, none lost.
    #[test]
    fn a_window_released_whole_leaves_in_batches() {
        let opts = ScanOptions {
            batch: 8,
            forward_requests: true,
            ..options()
        };
        let (_, _, sizes, stamps) = stream(two_seconds_backwards(), &opts);
        assert_eq!(sizes.iter().sum::<usize>(), 100);
        assert!(sizes.iter().all(|&n| n <= 8), "{sizes:?}");
        assert!(stamps.is_sorted());
    }

    /// Requests only counted (`events --notable`) are counted, and sampled for the
    /// clocks, with no bucket table filled; the analysis's reading fills one.
    #[test]
    fn requests_only_counted_fill_no_buckets() {
        let folded = stream(two_seconds_backwards(), &options());
        let opts = ScanOptions {
            fold_requests: false,
            ..options()
        };
        let counted = stream(two_seconds_backwards(), &opts);
        for (stats, buckets, ..) in [&folded, &counted] {
            assert_eq!((stats.parsed, stats.requests), (100, 100));
            assert_eq!(stats.requests_sample.seen(), 100);
            assert!(buckets.tiers.len() <= 1);
        }
        assert_eq!(
            folded.1.map().values().map(|b| b.requests).sum::<u32>(),
            100
        );
        assert!(counted.1.map().is_empty());
    }

    #[test]
    fn rotations_name_their_log_and_age() {
        assert_eq!(rotation_of("lb1/haproxy.log"), ("lb1/haproxy.log", 0));
        assert_eq!(rotation_of("lb1/haproxy.log.1"), ("lb1/haproxy.log", 1));
        assert_eq!(
            rotation_of("lb1/haproxy.log.12.gz"),
            ("lb1/haproxy.log", 12)
        );
        assert_eq!(rotation_of("eve.json.2.zst"), ("eve.json", 2));
        assert_eq!(rotation_of("access.log.gz"), ("access.log", 0));
        let (log, newer) = rotation_of("/var/log/syslog-20240406");
        let (_, older) = rotation_of("/var/log/syslog-20240405.gz");
        assert_eq!(log, "/var/log/syslog");
        assert!(older > newer && newer > 0);
        // not rotations: two logs each
        assert_eq!(rotation_of("web-1"), ("web-1", 0));
        assert_eq!(rotation_of("v1.20240405"), ("v1.20240405", 0));
    }
}
