//! coroner reconstructs the timeline of an outage from the logs it left behind.
//!
//! The pipeline, top to bottom (see [`read`]):
//!
//! 1. **inputs** ([`input`]): files, directories walked in a stable order, stdin;
//!    decoded by magic bytes (gzip, multi-member included; zstd; plain).
//! 2. **lines** ([`input::LineReader`]): memchr over a reused buffer; CRLF, over-long
//!    lines and invalid UTF-8 handled and counted.
//! 3. **detect** ([`format::detect`]): each source's format from its first lines; each
//!    line's format when the stream is mixed.
//! 4. **parse** ([`format::Format`]): declarative definitions (`parsers/*.json`) turn a
//!    line into an [`event::Event`] — classified kind, request roles, typed fields.
//! 5. **time** ([`time`]): one UTC clock — zones, yearless stamps, epochs, skew.
//!    With `--auto-skew`, the files are read once before, only to estimate the skew
//!    between sources that logged the same requests ([`clocks`]), then read again with it.
//! 6. **order** ([`merge`]): a bounded reorder window per source, then a k-way merge by
//!    (time, source, line).
//! 7. **sink**: the command's consumer (NDJSON writer, timeline collector); requests are
//!    meanwhile folded into per-second buckets per source ([`impact`]), merged at the end.
//! 8. **clocks** ([`clocks`]): the skew between sources that logged the same requests,
//!    estimated from each source's request sample, reported in every output.
//! 9. **analysis** ([`impact::analyse`], [`timeline`]): windows, baseline, incidents,
//!    markers, figures.
//!
//! Every line read is accounted for: `lines = parsed + rejected`, per source.

pub mod check;
pub mod cli;
pub mod clocks;
pub mod cmd;
pub mod config;
pub mod event;
pub mod format;
#[doc(hidden)]
pub mod fuzzing;
pub mod impact;
pub mod input;
pub mod merge;
mod progress;
pub mod render;
pub mod scan;
pub mod time;
pub mod timeline;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, Context, Result};

use clocks::ClockSkew;
pub use config::Config;
use event::{Event, Nanos};
use format::Registry;
use input::{Input, InputKind};
use scan::{prepare, year_source, ScanOptions, SourceStats};
use time::ClockSettings;

/// Are `a` and `b` (as long as each other) the same bytes? Compared a word at a time,
/// for the short prefixes and stamps of the hot path, with no call to `memcmp`.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    debug_assert_eq!(a.len(), b.len());
    let (mut a, mut b) = (a, b);
    let word = |x: &[u8]| u64::from_le_bytes(x[..8].try_into().expect("eight bytes"));
    while a.len() >= 8 && b.len() >= 8 {
        if word(a) != word(b) {
            return false;
        }
        (a, b) = (&a[8..], &b[8..]);
    }
    word_le(a) == word_le(b)
}

/// Up to eight bytes as one little-endian word, zero-padded: as `u64::from_le_bytes` of
/// the bytes copied into a zeroed array, with no call to `memcpy` for the short copy.
pub(crate) fn word_le(b: &[u8]) -> u64 {
    let n = b.len();
    match n {
        0 => 0,
        // First, middle and last byte (some of them the same byte).
        1..=3 => {
            b[0] as u64 | (b[n / 2] as u64) << (8 * (n / 2)) | (b[n - 1] as u64) << (8 * (n - 1))
        }
        // Two four-byte words that overlap (or meet) in the middle.
        4..=8 => {
            let lo = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64;
            let hi = u32::from_le_bytes([b[n - 4], b[n - 3], b[n - 2], b[n - 1]]) as u64;
            lo | hi << (8 * (n - 4))
        }
        _ => u64::from_le_bytes(b[..8].try_into().expect("eight bytes")),
    }
}

#[cfg(test)]
mod word_tests {
    proptest::proptest! {
        #[test]
        fn a_word_is_its_bytes_zero_padded(b in proptest::collection::vec(proptest::num::u8::ANY, 0..=8)) {
            let mut w = [0u8; 8];
            w[..b.len()].copy_from_slice(&b);
            proptest::prop_assert_eq!(super::word_le(&b), u64::from_le_bytes(w));
        }

        #[test]
        fn the_same_bytes_are_equal_slices(
            a in proptest::collection::vec(0u8..3, 0..30),
            flip in proptest::option::of(0usize..30),
        ) {
            let mut b = a.clone();
            if let Some(i) = flip.filter(|&i| i < b.len()) {
                b[i] ^= 0x80;
            }
            proptest::prop_assert_eq!(super::same_bytes(&a, &b), a == b);
        }
    }
}

/// Bounded channel between a source and the merge, in batches: this many batches in
/// flight across all sources (at least one per source, at most four).
const CHANNEL_BATCHES: usize = 32;

/// What a run read, and what it has to say about it.
#[derive(Debug, Default)]
pub struct Run {
    pub sources: Vec<SourceStats>,
    /// Every source's request buckets, merged.
    pub buckets: impact::Buckets,
    /// The skew between sources that logged the same requests.
    pub clocks: ClockSkew,
    pub warnings: Vec<String>,
    /// Some input was unreadable or damaged: exit code 2.
    pub damaged: bool,
}

impl Run {
    pub fn lines(&self) -> u64 {
        self.sources.iter().map(|s| s.lines).sum()
    }
    pub fn parsed(&self) -> u64 {
        self.sources.iter().map(|s| s.parsed).sum()
    }
    pub fn rejected(&self) -> u64 {
        self.sources.iter().map(|s| s.rejected).sum()
    }
}

/// Events held for reordering, across all the sources of a run, when the events come
/// whole to the merge (`timeline`'s notable events): a share per input file.
const REORDER_BUDGET: usize = 40_000;
/// Lines held for reordering, across all the sources of a run, when events come to the
/// merge as lines (`events`), shared by the bytes each stream reads ([`line_shares`]).
/// A held line takes about 1.4 kB: 24,000 of them are some 35 MB.
const LINES_BUDGET: usize = 24_000;
/// Events per batch to the merge, across all the sources of a run (64 to 512 a source).
const BATCH_BUDGET: usize = 8_192;

/// The built-in formats plus `--parsers DIR`.
pub fn load_registry(parsers: Option<&std::path::Path>) -> Result<Registry> {
    let mut reg = Registry::builtin().map_err(|e| anyhow!("built-in format definitions: {e}"))?;
    if let Some(dir) = parsers {
        reg.add_dir(dir).map_err(|e| anyhow!("{e}"))?;
    }
    Ok(reg)
}

/// Where the merged events go.
pub enum Output<'a, E> {
    /// Each event, in time order.
    Events(&'a mut dyn FnMut(Event) -> Result<(), E>),
    /// Each event lent, in time order; it is freed by the thread that built it.
    Lent(&'a mut dyn FnMut(&Event) -> Result<(), E>),
    /// Each event as text `render` wrote on its source's thread (nothing, for an event
    /// it leaves out), in time order. The text is made where the event was built, while
    /// it is still in that core's cache, and the event is freed by the thread that
    /// allocated it. This is `events`: no analysis follows, so the requests it only
    /// counts (`--notable`) are not folded into bucket tables, and the run's are empty.
    Lines {
        render: Render,
        sink: &'a mut dyn FnMut(&[u8]) -> Result<(), E>,
    },
}

/// Writes an event (or nothing) at the end of a buffer, with a writer kept per source.
pub type Render = fn(&mut render::ndjson::EventWriter, &Event, &mut Vec<u8>);

/// Runs the pipeline over the configured inputs; every event, in time order, goes to
/// `sink` (requests only when `forward_requests`). A sink error (a closed stdout) stops
/// the reading quietly and is handed back.
pub fn read<E: Send>(
    cfg: &Config,
    forward_requests: bool,
    mut sink: impl FnMut(Event) -> Result<(), E>,
) -> Result<(Run, Result<(), E>)> {
    read_to(cfg, forward_requests, Output::Events(&mut sink))
}

/// [`read`], with each event lent to `sink` (and freed where it was built).
pub fn read_lent<E: Send>(
    cfg: &Config,
    forward_requests: bool,
    mut sink: impl FnMut(&Event) -> Result<(), E>,
) -> Result<(Run, Result<(), E>)> {
    read_to(cfg, forward_requests, Output::Lent(&mut sink))
}

/// [`read`], with the events going to `output`.
pub fn read_to<E: Send>(
    cfg: &Config,
    forward_requests: bool,
    output: Output<'_, E>,
) -> Result<(Run, Result<(), E>)> {
    let registry = Arc::new(load_registry(cfg.parsers.as_deref())?);
    let forced_format = match &cfg.log_format {
        None => None,
        Some(id) => Some(registry.index_of(id).ok_or_else(|| {
            anyhow!("--log-format {id}: no such format (coroner formats lists them)")
        })?),
    };
    let rejects = match &cfg.rejects {
        None => None,
        Some(p) => {
            let f = File::create(p).with_context(|| format!("--rejects {}", p.display()))?;
            let w: Box<dyn Write + Send> = Box::new(BufWriter::new(f));
            Some(Arc::new(Mutex::new(w)))
        }
    };
    let mut opts = ScanOptions {
        registry,
        forced_format,
        max_line: cfg.max_line,
        max_depth: cfg.max_depth,
        reorder_window: cfg.reorder_window,
        reorder_max: 10_000,
        batch: scan::BATCH,
        client_budget: impact::ClientBudget::new(impact::CLIENT_SET_BUDGET),
        run_table: Default::default(),
        since: cfg.since,
        until: cfg.until,
        forward_requests,
        fold_requests: !matches!(output, Output::Lines { .. }),
        rejects: rejects.clone(),
    };

    // 1. inputs
    let (inputs, problems) = input::discover(&cfg.inputs);
    // Every input is read at once (the merge needs all of them), each stream (a log and
    // its rotations) with its own reorder buffer: the buffers have a share each of one
    // budget (set in `pass`), so `events` over a directory of many files stays bounded.
    // A stream holding its share releases its oldest early; what arrives later still
    // keeps its true time (flagged).
    opts.batch = (BATCH_BUDGET / inputs.len().max(1)).clamp(64, scan::BATCH);
    let mut run = Run {
        damaged: !problems.is_empty(),
        warnings: problems,
        ..Run::default()
    };

    // 5. --auto-skew: a first read of the files, for their request samples only
    let estimated = if cfg.auto_skew {
        let files: Vec<Input> = inputs
            .iter()
            .filter(|i| i.kind != InputKind::Stdin)
            .cloned()
            .collect();
        let quiet = ScanOptions {
            registry: opts.registry.clone(),
            forward_requests: false,
            fold_requests: false,
            rejects: None,
            client_budget: impact::ClientBudget::new(impact::CLIENT_SET_BUDGET),
            run_table: Default::default(),
            ..opts
        };
        let mut nothing = |_: &Event| Ok::<(), E>(());
        let first = pass(cfg, files, quiet, &|_| None, Output::Lent(&mut nothing))?;
        let mut c = clocks::estimate(&first.sources, None);
        c.decide(cfg);
        Some(c)
    } else {
        None
    };

    // 2–7. the read
    let applied = |name: &str| estimated.as_ref().and_then(|c| c.applied_to(name));
    let read = pass(cfg, inputs, opts, &applied, output)?;
    run.sources = read.sources;
    run.buckets = read.buckets;

    // 8. clocks
    let reference = estimated.as_ref().and_then(|c| c.reference.clone());
    let mut found = clocks::estimate(&run.sources, reference.as_deref());
    found.decide(cfg);
    run.clocks = match estimated {
        Some(mut c) => {
            c.add_unseen(found);
            c
        }
        None => found,
    };
    for s in &mut run.sources {
        s.time.skew_from = if cfg.explicit_skew(&s.input).is_some() {
            Some("--skew")
        } else if run.clocks.applied_to(&s.input).is_some() {
            Some("--auto-skew")
        } else {
            None
        };
        s.requests_sample = Default::default();
    }

    if let Some(r) = rejects {
        if let Ok(mut w) = r.lock() {
            w.flush().context("writing --rejects")?;
        }
    }
    for s in &run.sources {
        run.damaged |= s.damaged();
        run.warnings.extend(source_warnings(s));
    }
    if cfg.auto_skew && run.sources.iter().any(|s| s.input == "-") {
        run.warnings.push(
            "--auto-skew: stdin is read once, so it is not shifted (its estimate, if any, is reported); save it to a file to have it shifted".into(),
        );
    }
    Ok((run, read.sunk))
}

/// What one read of the inputs gives back.
struct Pass<E> {
    sources: Vec<SourceStats>,
    buckets: impact::Buckets,
    sunk: Result<(), E>,
}

/// Reads `inputs` once: opens, decodes and detects them all, sets each source's clock
/// (`auto_skew`: the skew `--auto-skew` applies to a source, unless `--skew` names it),
/// then parses and orders each source on its own thread and merges them into `output`.
fn pass<E: Send>(
    cfg: &Config,
    inputs: Vec<Input>,
    opts: ScanOptions,
    auto_skew: &dyn Fn(&str) -> Option<Nanos>,
    output: Output<'_, E>,
) -> Result<Pass<E>> {
    let opts = Arc::new(opts);
    let files = inputs.len();
    let progress = progress::Progress::start(cfg.progress, inputs.iter().map(|i| i.size).sum());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(inputs.len() + 4)
        .build()
        .context("starting the runtime")?;

    // 2–3. open, decode, cut the first lines and detect, all sources at once
    let prepared = rt.block_on(async {
        let tasks: Vec<_> = inputs
            .into_iter()
            .enumerate()
            .map(|(i, input)| {
                let (opts, bytes) = (opts.clone(), progress.counter());
                tokio::task::spawn_blocking(move || prepare(input, i as u32, &opts, bytes))
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.map_err(|e| anyhow!("a source failed: {e}"))?);
        }
        Ok::<_, anyhow::Error>(out)
    })?;

    // 4–5. each source's clock: zone, year anchor, skew
    let dated: Vec<Option<Nanos>> = prepared.iter().map(|p| p.first_dated).collect();
    let clocks: Vec<ClockSettings> = prepared
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let others = dated
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .filter_map(|(_, d)| *d)
                .min();
            let name = &p.input.name;
            ClockSettings {
                zone: cfg.zone_for(name),
                year: year_source(cfg.year, p, others, cfg.now),
                skew: cfg
                    .explicit_skew(name)
                    .or_else(|| auto_skew(name))
                    .unwrap_or(0),
            }
        })
        .collect();

    // 4–6. parse, normalize and order each stream (a log and its rotations) on its own
    // thread
    let cores = cfg
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let streams = scan::streams(prepared.into_iter().zip(clocks).collect(), cores);
    opts.client_budget
        .set_weights(streams.iter().map(|files| scan::weight_of(files)).sum());
    *opts.run_table.lock().unwrap_or_else(|e| e.into_inner()) = opts.client_budget.run_table();
    // A core no stream (nor, when every event comes to this thread, the merge) keeps
    // busy decodes a stream ahead of its parsing. Lines cost the merge little.
    let merge_busy = opts.forward_requests && matches!(output, Output::Events(_) | Output::Lent(_));
    let busy = streams.len() + usize::from(merge_busy);
    let ahead = scan::read_ahead_plan(&streams, cores.saturating_sub(busy));
    // What the reorder windows may hold, a share each, fixed before the read. Lines
    // (`events`): a stream's share (a source's files, its rotations, read through one
    // window) goes by the bytes it reads. Whole events: an even share per input file.
    let held = match output {
        Output::Lines { .. } => line_shares(
            &streams
                .iter()
                .map(|f| scan::weight_of(f))
                .collect::<Vec<_>>(),
        ),
        Output::Events(_) | Output::Lent(_) => {
            vec![(REORDER_BUDGET / files.max(1)).clamp(1_000, 10_000); streams.len()]
        }
    };
    let ahead = (ahead.into_iter().zip(held))
        .map(|(read_ahead, held)| scan::StreamPlan { read_ahead, held });
    let in_flight = (CHANNEL_BATCHES / streams.len().max(1)).clamp(1, 4);
    let streams: Vec<_> = streams.into_iter().zip(ahead).collect();
    // 6–7. merge across streams into the output, on this thread
    let (handles, sunk) = match output {
        Output::Events(sink) => {
            let (mut rx, handles) =
                spawn_streams(&rt, &opts, streams, in_flight, || scan::AsEvents, |_| |b| b);
            let n = rx.len();
            let sunk = merge::kway(n, |i| rx[i].blocking_recv().map(Vec::into_iter), sink);
            (handles, sunk)
        }
        Output::Lent(sink) => {
            let graves: Vec<Arc<merge::Grave>> = streams.iter().map(|_| Arc::default()).collect();
            // Each stream frees what the merge is done with as it sends its next batch.
            let bundle = |i: usize| {
                let grave: Arc<merge::Grave> = graves[i].clone();
                move |b| {
                    grave.empty();
                    b
                }
            };
            let (mut rx, handles) =
                spawn_streams(&rt, &opts, streams, in_flight, || scan::AsEvents, bundle);
            let n = rx.len();
            let cursor = |i: usize| {
                (rx[i].blocking_recv()).map(|b| merge::EventsCursor::new(b, graves[i].clone()))
            };
            (handles, merge::kway(n, cursor, sink))
        }
        Output::Lines { render, sink } => {
            let pack = || AsLines {
                render,
                writer: Default::default(),
                scratch: Vec::new(),
            };
            let pool = Arc::new(merge::LinePool::default());
            let filled = pool.clone();
            let bundle = move |batch| lines_of(batch, filled.take());
            let bundles = |_| bundle.clone();
            let (mut rx, handles) = spawn_streams(&rt, &opts, streams, in_flight, pack, bundles);
            let n = rx.len();
            let cursor = |i: usize| {
                (rx[i].blocking_recv()).map(|l| merge::LinesCursor::pooled(l, pool.clone()))
            };
            (handles, merge::kway(n, cursor, sink))
        }
    };

    let mut sources = Vec::new();
    let mut rests = Vec::new();
    for (ids, h) in handles {
        let (stats, rest) = rt
            .block_on(h)
            .map_err(|e| anyhow!("a source failed: {e}"))?;
        sources.extend(ids.into_iter().zip(stats));
        rests.push(rest);
    }
    // What the streams handed over as they read, then what each kept at its end.
    let mut buckets =
        std::mem::take(&mut *opts.run_table.lock().unwrap_or_else(|e| e.into_inner()));
    for rest in rests {
        buckets.merge(rest);
    }
    let mut out = Pass {
        sources: Vec::new(),
        buckets,
        sunk,
    };
    // The inputs' order, whatever the streams'.
    sources.sort_by_key(|(id, _)| *id);
    out.sources = sources.into_iter().map(|(_, s)| s).collect();
    progress.finish();
    Ok(out)
}

/// A stream's reading, on a thread of its own: its results, and the files it read.
type StreamTask = (
    Vec<u32>,
    tokio::task::JoinHandle<(Vec<SourceStats>, impact::Buckets)>,
);

/// Starts each stream's reading on a blocking thread, its events packed by a `pack` of
/// its own (made by `packer`); each sends its ordered batches, bundled by a bundler of
/// its own (`bundler(i)` for the `i`th stream, run on its thread), to a channel of its
/// own.
fn spawn_streams<P, B, F>(
    rt: &tokio::runtime::Runtime,
    opts: &Arc<ScanOptions>,
    streams: Vec<(Vec<(scan::Prepared, ClockSettings)>, scan::StreamPlan)>,
    in_flight: usize,
    packer: impl Fn() -> P,
    bundler: impl Fn(usize) -> F,
) -> (Vec<tokio::sync::mpsc::Receiver<B>>, Vec<StreamTask>)
where
    P: scan::Pack + Send + 'static,
    B: Send + 'static,
    F: FnMut(Vec<P::Out>) -> B + Send + 'static,
{
    let mut receivers = Vec::new();
    let mut handles = Vec::new();
    for (i, (files, plan)) in streams.into_iter().enumerate() {
        let (tx, rx) = tokio::sync::mpsc::channel::<B>(in_flight);
        let opts = opts.clone();
        let ids: Vec<u32> = files.iter().map(|(p, _)| p.id).collect();
        let (pack, mut bundle) = (packer(), bundler(i));
        handles.push((
            ids,
            rt.spawn_blocking(move || {
                scan::scan_stream(files, &opts, plan, pack, |batch| {
                    tx.blocking_send(bundle(batch)).is_ok()
                })
            }),
        ));
        receivers.push(rx);
    }
    (receivers, handles)
}

/// Events written as lines by `render` as they arrive, while they are still in the
/// cache of the core that built them; they are freed there, and what the reorder window
/// holds is the line.
struct AsLines {
    render: Render,
    writer: render::ndjson::EventWriter,
    scratch: Vec<u8>,
}

impl scan::Pack for AsLines {
    type Out = merge::Line;
    fn pack(&mut self, ev: Event) -> merge::Line {
        self.scratch.clear();
        (self.render)(&mut self.writer, &ev, &mut self.scratch);
        merge::Line {
            key: merge::Keyed::key(&ev),
            text: Box::from(&self.scratch[..]),
        }
    }
}

/// The lines each stream's reorder window may hold, of [`LINES_BUDGET`] for the run, by
/// the bytes each reads (`weights`), and at least 1,000: a busy log gets what quiet
/// ones would not use. The shares are fixed before the read, so what a full window
/// sends early, and so the output, does not depend on which thread gets there first.
fn line_shares(weights: &[u64]) -> Vec<usize> {
    let total = weights.iter().sum::<u64>().max(1) as u128;
    (weights.iter())
        .map(|&w| ((LINES_BUDGET as u128 * w as u128 / total) as usize).max(1_000))
        .collect()
}

/// A batch of lines in one buffer (`out`, empty, perhaps with room from a batch spent
/// before). An event `render` left out keeps its place, empty: a late event is merged
/// where it would be in the whole stream (`--notable` is the whole stream, filtered).
fn lines_of(batch: Vec<merge::Line>, mut out: merge::Lines) -> merge::Lines {
    out.ends.reserve(batch.len());
    out.bytes.reserve(batch.iter().map(|l| l.text.len()).sum());
    for l in &batch {
        out.bytes.extend_from_slice(&l.text);
        out.ends.push((l.key, out.bytes.len()));
    }
    out
}

/// What a source's reading has to tell the user.
fn source_warnings(s: &SourceStats) -> Vec<String> {
    let mut w = Vec::new();
    let name = &s.input;
    if let Some(d) = &s.damage {
        w.push(format!("{name}: {d}"));
    } else if s.lines == 0 {
        // a log emptied by a full disk or a rotation is worth a word, not an exit code
        w.push(format!("{name}: empty (no lines)"));
    }
    if s.invalid_utf8 > 0 {
        w.push(format!(
            "{name}: {} line(s) with invalid UTF-8, decoded lossily",
            s.invalid_utf8
        ));
    }
    if s.cut_lines > 0 {
        w.push(format!("{name}: {} over-long line(s) cut", s.cut_lines));
    }
    let past = s.late - s.late_crowded;
    if past > 0 {
        w.push(format!(
            "{name}: {past} line(s) later than the reorder window, kept at their true time but out of order (raise --reorder-window)",
        ));
    }
    if s.late_crowded > 0 {
        w.push(format!(
            "{name}: {} line(s) within the reorder window but after later lines it sent early, being full; kept at their true time but out of order (fewer inputs at once leave each a larger share)",
            s.late_crowded
        ));
    }
    if s.time.clock_jumps_back > 0 {
        w.push(format!(
            "{name}: the clock jumps back by more than a day {} time(s) (a reset?); times kept as written",
            s.time.clock_jumps_back
        ));
    }
    if let Some(y) = &s.time.year_from {
        if y.starts_with("guessed") {
            w.push(format!(
                "{name}: yearless timestamps, year {y}: pass --year"
            ));
        }
    }
    w
}

#[cfg(test)]
mod share_tests {
    use super::{line_shares, LINES_BUDGET};

    /// The busy logs share the budget by their bytes; a quiet one keeps its 1,000.
    #[test]
    fn windows_share_the_lines_by_the_bytes_read() {
        let shares = line_shares(&[600, 300, 100, 0]);
        assert_eq!(
            shares[..3],
            [LINES_BUDGET * 6 / 10, LINES_BUDGET * 3 / 10, 2_400]
        );
        assert_eq!(shares[3], 1_000);
        assert_eq!(line_shares(&[]), Vec::<usize>::new());
        assert_eq!(line_shares(&[0, 0]), [1_000, 1_000]);
    }
}
