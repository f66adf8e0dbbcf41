//! One source from bytes to ordered events: open and decode, cut lines, detect the
//! format, parse each line, put it on the UTC clock, restore order.
//!
//! Guarantees per source: `lines = parsed + rejected`; damaged input (a decoding error,
//! invalid UTF-8, a cut line) is counted and described; nothing here panics on any input.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::event::{Event, Nanos, KIND_REQUEST};
use crate::format::{detect, Detection, LineAt, LineParser, LineView, Registry, Reject};
use crate::impact::Buckets;
use crate::input::{open, Compression, Input, LineReader};
use crate::merge::Reorder;
use crate::time::{ClockSettings, RawTime, SourceClock, YearSource};

/// Lines looked at to detect a source's format.
const DETECT_LINES: usize = 200;
/// Events per batch sent to the merge.
pub const BATCH: usize = 512;
/// Examples of rejected lines kept per source for the summary.
const REJECT_EXAMPLES: usize = 3;

/// Where rejected lines go with `--rejects FILE`: `source<TAB>line<TAB>reason<TAB>text`.
pub type RejectsOut = Arc<Mutex<Box<dyn Write + Send>>>;

/// What the run says about one source: every line accounted for.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SourceStats {
    pub input: String,
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
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct TimeAssumptions {
    pub zone_assumed: u64,
    pub year_inferred: u64,
    pub year_from: Option<String>,
    pub skew_s: f64,
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

/// A source opened and detected, ready to stream.
pub struct Prepared {
    pub input: Input,
    pub id: u32,
    reader: Option<LineReader<Box<dyn std::io::Read + Send>>>,
    raw_offset: Arc<AtomicU64>,
    compression: Compression,
    peeked: Vec<Peeked>,
    pub detection: Detection,
    /// The first full date among the first lines (anchors other sources' years).
    pub first_dated: Option<Nanos>,
    pub gzip_mtime: Option<Nanos>,
    pub file_mtime: Option<Nanos>,
    damage: Option<String>,
}

/// Options the scan needs from the run.
pub struct ScanOptions {
    pub registry: Arc<Registry>,
    pub forced_format: Option<usize>,
    pub max_line: usize,
    pub reorder_window: Nanos,
    pub reorder_max: usize,
    pub since: Option<Nanos>,
    pub until: Option<Nanos>,
    /// Pass request events on (events command) or only count them (timeline).
    pub forward_requests: bool,
    pub rejects: Option<RejectsOut>,
}

/// Opens a source and detects its format from its first lines.
pub fn prepare(input: Input, id: u32, opts: &ScanOptions, progress: Arc<AtomicU64>) -> Prepared {
    let mut p = Prepared {
        input,
        id,
        reader: None,
        raw_offset: Arc::new(AtomicU64::new(0)),
        compression: Compression::None,
        peeked: Vec::new(),
        detection: detect(&opts.registry, "", &[], opts.forced_format),
        first_dated: None,
        gzip_mtime: None,
        file_mtime: None,
        damage: None,
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
    p.gzip_mtime = opened.gzip_mtime;
    p.file_mtime = opened.file_mtime;
    let mut reader = LineReader::new(opened.reader, opts.max_line);
    while p.peeked.len() < DETECT_LINES {
        match reader.next_line() {
            Ok(Some(l)) => {
                let text = String::from_utf8_lossy(l.bytes);
                p.peeked.push(Peeked {
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
    if p.damage.is_none() {
        p.reader = Some(reader);
    }
    let texts: Vec<String> = p.peeked.iter().map(|l| l.text.clone()).collect();
    p.detection = detect(&opts.registry, &p.input.name, &texts, opts.forced_format);
    let mut parser = LineParser::new(opts.registry.clone(), &p.detection);
    p.first_dated = texts.iter().find_map(|t| {
        let view = LineView::new(t);
        match parser.parse(&view).ok()?.1.time.ok()?.0 {
            RawTime::Instant(ns) => Some(ns),
            RawTime::Local {
                dt,
                year_known: true,
            } => dt.and_utc().timestamp_nanos_opt(),
            RawTime::Local { .. } | RawTime::Previous => None,
        }
    });
    p
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

/// The state of one source being scanned.
struct Scanner<'o> {
    opts: &'o ScanOptions,
    name: Arc<str>,
    id: u32,
    clock: SourceClock,
    parser: LineParser,
    reorder: Reorder,
    batch: Vec<Event>,
    /// The last record, held until the next line shows it has no continuation.
    pending: Option<(Event, usize)>,
    line_no: u64,
    stats: SourceStats,
    /// Requests folded into per-second buckets as they stream by.
    buckets: Buckets,
}

impl Scanner<'_> {
    fn line(&mut self, text: &str, cut: bool, lossy: bool) {
        self.line_no += 1;
        let stats = &mut self.stats;
        stats.lines += 1;
        stats.cut_lines += cut as u64;
        stats.invalid_utf8 += lossy as u64;
        if let Some((ev, f)) = &mut self.pending {
            if self.parser.registry().formats()[*f].continues(text) {
                ev.continue_with(text);
                stats.parsed += 1;
                stats.continued += 1;
                return;
            }
        }
        if text.trim().is_empty() {
            return self.reject(text, Reject::Empty);
        }
        match self.events_of(text) {
            Ok((events, f)) => {
                self.stats.parsed += 1;
                // Every event but the last is complete; the last may still be continued.
                for ev in events {
                    if let Some((prev, _)) = self.pending.replace((ev, f)) {
                        self.deliver(prev);
                    }
                }
            }
            Err(reason) => self.reject(text, reason),
        }
    }

    /// The events of one line: peeled out of its envelope if it has one (the envelope's
    /// own event stands when nothing takes the inner line), one per element for `each`
    /// patterns. Any element that cannot be built rejects the whole line.
    fn events_of(&mut self, text: &str) -> Result<(Vec<Event>, usize), Reject> {
        let reg = self.parser.registry().clone();
        let lean = !self.opts.forward_requests;
        let at = LineAt {
            source_id: self.id,
            source: &self.name,
            line: self.line_no,
        };
        let peeled = reg.peel(text);
        let outer = LineView::new(text);
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
        let inner = LineView::new(body);
        let inner_parsed = if peeled.is_some() {
            self.parser.parse(&inner).ok()
        } else {
            None
        };
        let (f, m, built_from) = match inner_parsed {
            Some((f, m)) => (f, m, body),
            None => match (self.parser.parse(&outer), envelope) {
                (Ok((f, m)), _) => (f, m, text),
                (Err(_), Some((e, m))) => (e, m, text),
                (Err(reason), None) => return Err(reason),
            },
        };
        let matches = reg.formats()[f].each(&m).unwrap_or_else(|| vec![m]);
        let format = &reg.formats()[f];
        let mut events = Vec::with_capacity(matches.len());
        for m in matches {
            let mut ev = format
                .build(m, built_from, &mut self.clock, &at, lean)?
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
        if self.stats.reject_examples.len() < REJECT_EXAMPLES {
            self.stats.reject_examples.push(RejectExample {
                line: self.line_no,
                reason: reason.to_string(),
                text: text.chars().take(300).collect(),
            });
        }
        if let Some(out) = &self.opts.rejects {
            if let Ok(mut w) = out.lock() {
                let _ = writeln!(w, "{}\t{}\t{}\t{}", self.name, self.line_no, reason, text);
            }
        }
    }

    /// A complete event: counted, filtered by time, ordered, batched.
    fn deliver(&mut self, ev: Event) {
        let stats = &mut self.stats;
        *stats.formats.entry(ev.format.to_string()).or_default() += 1;
        let opts = self.opts;
        if opts.since.is_some_and(|s| ev.ts < s) || opts.until.is_some_and(|u| ev.ts >= u) {
            stats.filtered_out += 1;
            return;
        }
        stats.first_ts = Some(stats.first_ts.map_or(ev.ts, |t| t.min(ev.ts)));
        stats.last_ts = Some(stats.last_ts.map_or(ev.ts, |t| t.max(ev.ts)));
        if &*ev.kind == KIND_REQUEST {
            stats.requests += 1;
            if let Some(r) = &ev.request {
                stats.requests_failed += r.failed as u64;
                self.buckets.add(&ev.format, ev.ts, r);
            }
            if !opts.forward_requests {
                return;
            }
        }
        self.reorder.push(ev, &mut self.batch);
    }

    fn take_batch(&mut self) -> Option<Vec<Event>> {
        (self.batch.len() >= BATCH)
            .then(|| std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH)))
    }

    fn finish(mut self) -> (SourceStats, Vec<Event>, Buckets) {
        if let Some((ev, _)) = self.pending.take() {
            self.deliver(ev);
        }
        self.reorder.finish(&mut self.batch);
        let clock = &self.clock;
        let stats = &mut self.stats;
        stats.reordered = self.reorder.reordered;
        stats.late = self.reorder.late;
        stats.tz = clock.zone_name();
        stats.time = TimeAssumptions {
            zone_assumed: clock.zone_assumed,
            year_inferred: clock.year_inferred,
            year_from: (clock.year_inferred > 0).then(|| clock.years.describe()),
            skew_s: clock.skew() as f64 / 1e9,
            year_rollovers: clock.years.rollovers,
            clock_jumps_back: clock.years.clock_jumps.len(),
        };
        (self.stats, self.batch, self.buckets)
    }
}

/// Streams a prepared source: every event goes to `emit` in ordered batches; `emit`
/// returning false (the consumer is gone) stops reading. Returns what was read and the
/// source's request buckets.
pub fn scan(
    p: Prepared,
    clock: ClockSettings,
    opts: &ScanOptions,
    mut emit: impl FnMut(Vec<Event>) -> bool,
) -> (SourceStats, Buckets) {
    let mut sc = Scanner {
        opts,
        name: Arc::from(p.input.name.as_str()),
        id: p.id,
        clock: SourceClock::new(clock),
        parser: LineParser::new(opts.registry.clone(), &p.detection),
        reorder: Reorder::new(opts.reorder_window, opts.reorder_max),
        batch: Vec::with_capacity(BATCH),
        pending: None,
        line_no: 0,
        buckets: Buckets::default(),
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
    let mut open = true;
    for l in &p.peeked {
        sc.line(&l.text, l.cut, l.lossy);
        if let Some(b) = sc.take_batch() {
            open = open && emit(b);
        }
    }
    if let Some(mut reader) = p.reader {
        while open {
            match reader.next_line() {
                Ok(Some(l)) => {
                    let text = String::from_utf8_lossy(l.bytes);
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
    let (stats, rest, buckets) = sc.finish();
    if open && !rest.is_empty() {
        emit(rest);
    }
    (stats, buckets)
}
