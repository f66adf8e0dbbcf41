//! Fuzzing harnesses, one per stage: each takes arbitrary bytes, drives that stage as the
//! pipeline does, and panics when an invariant breaks — nothing may panic, every line is
//! parsed or rejected, log text never reaches the output raw. The cargo-fuzz targets in
//! `fuzz/` are one call each; the test suite replays every input they found
//! (`tests/fuzz-regressions/TARGET/`) through the same functions.

use std::io::{self, Read};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, OnceLock};

use crate::event::Nanos;
use crate::format::{check_samples, load, DefKind, Header, LineAt, LineView, Origin, Registry};
use crate::impact::Thresholds;
use crate::input::{count_lines, open, Compression, Input, InputKind, LineReader};
use crate::render::{is_hostile, json, markdown, text};
use crate::scan::{prepare, scan, year_source, ScanOptions};
use crate::time::{
    parse_instant, rfc3339, ClockSettings, RawTime, SourceClock, TsFormat, YearSource,
};
use crate::timeline::{Collapser, Findings};
use crate::Run;

/// A fixed "now" (2024-04-04T22:00:00Z): runs must not depend on the wall clock.
const NOW: Nanos = 1_712_268_000_000_000_000;
/// Decoded bytes looked at, at most: a few compressed bytes can expand without bound
/// (the line reader streams them; here they would be held).
const DECODED_MAX: u64 = 64 << 20;

fn registry() -> &'static Arc<Registry> {
    static BUILTIN: OnceLock<Arc<Registry>> = OnceLock::new();
    BUILTIN.get_or_init(|| Arc::new(Registry::builtin().expect("built-in definitions")))
}

fn input(data: &[u8]) -> Input {
    Input {
        name: "fuzz".into(),
        kind: InputKind::Bytes(Arc::from(data)),
        size: Some(data.len() as u64),
    }
}

/// Decoding by magic bytes (gzip, zstd, plain): errors are fine, panics are not; plain
/// input comes back byte for byte.
pub fn decode(data: &[u8]) {
    let opened = open(&input(data), Arc::new(AtomicU64::new(0))).expect("memory opens");
    let compression = opened.compression;
    let mut out = Vec::new();
    let read = opened.reader.take(DECODED_MAX).read_to_end(&mut out);
    if compression == Compression::None {
        assert!(read.is_ok());
        assert_eq!(out, data, "plain input is passed through");
    }
}

/// Hands out its bytes `step` at a time, as a pipe or a decoder might.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Line splitting: the first byte picks the maximum line length (1–64) and the read size;
/// the lines must be exactly the input's, split at `\n`, one `\r` before it dropped,
/// and cut (flagged) when, and only when, longer than the maximum.
pub fn lines(data: &[u8]) {
    let Some((&ctl, data)) = data.split_first() else {
        return;
    };
    let max_line = 1 + (ctl & 0x3f) as usize;
    let step = 1 + (ctl >> 6) as usize * 7;
    let mut reader = LineReader::new(Trickle { data, step }, max_line);
    let mut got = Vec::new();
    while let Some(l) = reader.next_line().expect("memory reads") {
        got.push((l.bytes.to_vec(), l.cut));
    }
    let mut want: Vec<(Vec<u8>, bool)> = data
        .split(|&b| b == b'\n')
        .map(|l| match l.len() > max_line {
            true => (l[..max_line].to_vec(), true),
            false => (l.strip_suffix(b"\r").unwrap_or(l).to_vec(), false),
        })
        .collect();
    if data.is_empty() || data.ends_with(b"\n") {
        want.pop();
    }
    let show = |l: Option<&(Vec<u8>, bool)>| {
        l.map(|(b, cut)| (String::from_utf8_lossy(b).into_owned(), *cut))
    };
    if let Some(i) = (0..got.len().max(want.len())).find(|&i| got.get(i) != want.get(i)) {
        let (got, want) = (show(got.get(i)), show(want.get(i)));
        panic!("line {}, max {max_line}: got {got:?}, want {want:?}", i + 1);
    }
    assert_eq!(got.len() as u64, count_lines(data));
}

/// Every format of `kind` on every line (a delimited header is kept as it comes, an
/// envelope is peeled): matching and building an event may fail, never panic.
/// The tokenizers against their regexes, and the lean lane against the general path, on
/// one line: where the fast side takes the line, both must read it the same.
fn agree(formats: &[&Arc<crate::format::Format>], line: &str) {
    let clock = || {
        SourceClock::new(ClockSettings {
            zone: None,
            year: YearSource::Flag(2024),
            skew: 0,
        })
    };
    for f in formats {
        for p in f.fast_patterns() {
            if let Some((Some(fast), regex)) = f.fast_vs_regex(p, line) {
                assert_eq!(
                    fast, regex,
                    "{}: tokenizer and regex differ on {line:?}",
                    f.id
                );
            }
        }
        if f.has_lean_lane() {
            let (lean, general) =
                f.lean_vs_general(line, &mut (clock(), Default::default()), &mut clock());
            if lean.is_some() {
                assert_eq!(
                    lean, general,
                    "{}: lean lane and general path differ on {line:?}",
                    f.id
                );
            }
        }
    }
}

pub fn parse(kind: DefKind, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let reg = registry();
    let source: Arc<str> = Arc::from("fuzz");
    let formats: Vec<_> = reg.formats().iter().filter(|f| f.kind == kind).collect();
    let mut clocks: Vec<SourceClock> = formats
        .iter()
        .enumerate()
        .map(|(i, _)| {
            SourceClock::new(ClockSettings {
                zone: (i % 2 == 1).then_some(chrono_tz::Europe::Berlin),
                year: YearSource::Guess(NOW),
                skew: if i % 3 == 1 { -1_500_000_001 } else { 0 },
            })
        })
        .collect();
    let mut header = Header::default();
    for (n, line) in text.split('\n').enumerate() {
        if kind == DefKind::Delimited && header.apply(line) {
            continue;
        }
        let peeled = reg.peel(line).map(|(_, r)| &line[r]);
        let at = LineAt {
            source_id: 0,
            source: &source,
            line: n as u64 + 1,
        };
        if kind == DefKind::Regex {
            agree(&formats, line);
        }
        for (f, clock) in formats.iter().zip(&mut clocks) {
            let _ = f.continues(line);
            for body in [Some(line), peeled].into_iter().flatten() {
                let view = LineView::with_header(body, &header);
                let Some(m) = f.matches(&view) else { continue };
                let each = f.each(&m);
                for m in each.unwrap_or_else(|| vec![m]) {
                    let _ = f.build(m, body, clock, &at, n % 2 == 0);
                }
            }
        }
    }
}

/// Every timestamp format of the built-in definitions (the first byte picks one; 255:
/// the first line is a strftime pattern of its own), then resolved in a few zones:
/// instants survive a round trip through RFC 3339.
pub fn timestamp(data: &[u8]) {
    let Some((&ctl, rest)) = data.split_first() else {
        return;
    };
    let rest = String::from_utf8_lossy(rest);
    let (fmt, text) = if ctl == 255 {
        let (spec, text) = rest.split_once('\n').unwrap_or((&rest, ""));
        match TsFormat::from_spec(spec) {
            Ok(f) => (f, text),
            Err(_) => return,
        }
    } else {
        let specs = timestamp_specs();
        let spec = &specs[ctl as usize % specs.len()];
        (TsFormat::from_spec(spec).expect("built-in spec"), &*rest)
    };
    let Ok((raw, prec)) = fmt.parse(text) else {
        return;
    };
    assert!(prec <= 9);
    if let RawTime::Instant(ns) = raw {
        assert_eq!(parse_instant(&rfc3339(ns, 9)), Some(ns), "{text:?}");
    }
    let zones = [
        None,
        Some(chrono_tz::Europe::Berlin),
        Some(chrono_tz::America::New_York),
        Some(chrono_tz::Australia::Lord_Howe),
    ];
    for zone in zones {
        for year in [YearSource::Flag(2024), YearSource::Guess(NOW)] {
            let mut clock = SourceClock::new(ClockSettings {
                zone,
                year,
                skew: 0,
            });
            clock.observe(raw);
            if let Some((ns, _)) = clock.resolve(raw) {
                let _ = rfc3339(ns, prec);
            }
        }
    }
}

fn timestamp_specs() -> &'static [String] {
    static SPECS: OnceLock<Vec<String>> = OnceLock::new();
    SPECS.get_or_init(|| {
        let mut specs: Vec<String> = ["rfc3339", "epoch", "epoch_s", "epoch_ms", "epoch_us"]
            .into_iter()
            .chain(["epoch_ns"])
            .map(String::from)
            .collect();
        for f in registry().formats() {
            let def = &f.def;
            let own = def.patterns.iter().flat_map(|p| &p.timestamp);
            for t in def.timestamp.iter().chain(own) {
                if !specs.contains(&t.format) {
                    specs.push(t.format.clone());
                }
            }
        }
        specs
    })
}

/// A format definition, as `--parsers DIR` loads it: compiled, then checked against its
/// samples. Errors are fine (they name the file and field), panics are not.
pub fn definition(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // as `--parsers DIR` loads it: from a file, every regex compiled (and checked) at load
    if let Ok(format) = load("fuzz.json", text, Origin::File("fuzz.json".into())) {
        let _ = check_samples(&format);
    }
}

/// The whole pipeline on one source of arbitrary bytes: decode, frame, detect, parse,
/// order, collapse, analyse, render. Every line is parsed or rejected; plain input has
/// as many lines as its newlines say; no rendering lets a control character through.
pub fn pipeline(data: &[u8]) {
    let opts = ScanOptions {
        max_line: 1024,
        ..ScanOptions::with_defaults(registry().clone())
    };
    let p = prepare(input(data), 0, &opts, Arc::new(AtomicU64::new(0)));
    let clock = ClockSettings {
        zone: None,
        year: year_source(None, &p, None, NOW),
        skew: 0,
    };
    let th = Thresholds::default();
    let mut runs = Collapser::new(th.hold_s * 1_000_000_000);
    let (stats, buckets) = scan(p, clock, &opts, |batch| {
        batch
            .iter()
            .filter(|e| e.is_notable())
            .for_each(|e| runs.push(e));
        true
    });
    assert_eq!(stats.lines, stats.parsed + stats.rejected, "{stats:?}");
    if stats.compression == Compression::None.name() {
        assert_eq!(stats.lines, count_lines(data), "{stats:?}");
    }
    let run = Run {
        damaged: stats.damaged(),
        sources: vec![stats],
        buckets,
        clocks: Default::default(),
        warnings: Vec::new(),
    };
    let findings = Findings::new(run, runs.finish(), &th, 2).expect("analysis");
    let raw = |c: char| is_hostile(c) && c != '\n';
    let out = text::timeline(&findings, false);
    assert!(!out.contains(raw), "text output: {out}");
    let out = markdown::report(&findings, None);
    assert!(!out.contains(raw), "Markdown output: {out}");
    let mut out = Vec::new();
    json::write_line(&mut out, &json::timeline(&findings)).expect("JSON");
    let out = String::from_utf8(out).expect("UTF-8");
    assert!(!out.contains(is_hostile), "JSON output: {out}");
}
