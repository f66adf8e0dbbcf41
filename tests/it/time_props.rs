//! Time you can trust, end to end.
//!
//! - Property tests: a timestamp formatted with chrono in each shape the built-in formats
//!   read, in UTC, Europe/Berlin, America/New_York and Asia/Kolkata, parses back (through
//!   `TsFormat`, and `SourceClock` for naive and yearless shapes) to the same instant, with
//!   the precision it was written with; wall times in DST gaps and overlaps follow the
//!   stated rule.
//! - Table tests: real lines of the corpus (each row names its file) come out of
//!   `coroner::read` at the exact RFC 3339 UTC instant, sub-second digits included.
//! - Edges through the binary: DST transitions, a Dec 31 → Jan 1 syslog file (year from
//!   `--year`, the file's mtime, a gzip header's mtime), leap-second text `23:59:60`.

use std::io::Read;
use std::path::Path;

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use coroner::event::{Event, Nanos, TimeFlags};
use coroner::time::{rfc3339, ClockSettings, RawTime, SourceClock, TsFormat, YearSource};
use coroner::Config;
use proptest::prelude::*;

use crate::corpus::args;
use crate::support::{coroner, corpus, events_cli, timeline_json, write};

const NS: Nanos = 1_000_000_000;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

const ZONES: [&str; 4] = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"];

fn tz(name: &str) -> Tz {
    name.parse().unwrap()
}

/// Any of the four zones.
fn zone() -> impl Strategy<Value = Tz> {
    prop::sample::select(ZONES.to_vec()).prop_map(tz)
}

/// 1910-01-01 ..= 2199-12-31, any nanosecond. From 1910 on, all four zones have
/// whole-minute offsets (before, local mean times such as Berlin's +00:53:28).
fn instant() -> impl Strategy<Value = Nanos> {
    let lo = ymd(1910, 1, 1).and_utc().timestamp();
    let hi = ymd(2200, 1, 1).and_utc().timestamp();
    (lo..hi, 0..NS).prop_map(|(s, n)| s * NS + n)
}

/// Sub-second digits a source writes: none, milli, micro, nano.
fn digits() -> impl Strategy<Value = u8> {
    prop::sample::select(vec![0u8, 3, 6, 9])
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
}

/// `ns` cut to `digits` sub-second digits (towards the past, as a writer does).
fn truncate(ns: Nanos, digits: u8) -> Nanos {
    let unit = 10i64.pow(9 - digits as u32);
    ns - ns.rem_euclid(unit)
}

/// The chrono item for `digits` sub-second digits with a leading dot.
fn frac(digits: u8) -> &'static str {
    match digits {
        0 => "",
        3 => "%.3f",
        6 => "%.6f",
        _ => "%.9f",
    }
}

fn utc(ns: Nanos) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(ns)
}

fn parse(spec: &str, text: &str) -> (RawTime, u8) {
    TsFormat::from_spec(spec)
        .unwrap()
        .parse(text)
        .unwrap_or_else(|e| panic!("{spec}: {e}"))
}

/// A source clock reading naive stamps in `zone`, yearless ones in `year`.
fn clock(zone: Tz, year: i32) -> SourceClock {
    SourceClock::new(ClockSettings {
        zone: Some(zone),
        year: YearSource::Flag(year),
        skew: 0,
    })
}

/// Output precision classes (what `rfc3339` is given): 0, 3, 6 or 9.
fn class(digits: usize) -> u8 {
    match digits {
        0 => 0,
        1..=3 => 3,
        4..=6 => 6,
        _ => 9,
    }
}

/// `n` cases, and no regression files written into the tree.
fn cases(n: u32) -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(n)
    }
}

fn flag_names(f: TimeFlags) -> Vec<&'static str> {
    f.names().collect()
}

/// The events of `text`, written to a file called `name` and read by `coroner::read`
/// with `extra` options applied; every line must parse.
fn read_text(
    name: &str,
    text: &str,
    extra: impl FnOnce(&mut coroner::cli::InputArgs),
) -> Vec<Event> {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), name, text.as_bytes());
    read_path(&path, extra)
}

fn read_path(path: &Path, extra: impl FnOnce(&mut coroner::cli::InputArgs)) -> Vec<Event> {
    let mut a = args(vec![path.display().to_string()]);
    extra(&mut a);
    // `now` is far from every date below: a year taken from it would show.
    let now = ymd(2031, 6, 15).and_utc().timestamp_nanos_opt().unwrap();
    let cfg = Config::from_args(&a, now).unwrap();
    let mut events = Vec::new();
    let (run, sunk) = coroner::read(&cfg, true, |e| {
        events.push(e);
        Ok::<(), ()>(())
    })
    .unwrap();
    sunk.unwrap();
    let s = &run.sources[0];
    assert_eq!(
        s.rejected,
        0,
        "{}: rejected {:?}",
        path.display(),
        s.reject_examples
    );
    events
}

fn with(tz: Option<&str>, year: Option<i32>) -> impl FnOnce(&mut coroner::cli::InputArgs) {
    let tz = tz.map(str::to_string);
    move |a| {
        a.tz = tz;
        a.year = year;
    }
}

/// `(line, ts, time flags)` of each event of `coroner events`, by line number.
fn by_line(events: &[serde_json::Value]) -> Vec<(u64, String, Vec<String>)> {
    let mut v: Vec<_> = events
        .iter()
        .map(|e| {
            let flags = e["time"]
                .as_array()
                .map(|a| a.iter().map(|f| f.as_str().unwrap().to_string()).collect())
                .unwrap_or_default();
            (
                e["line"].as_u64().unwrap(),
                e["ts"].as_str().unwrap().to_string(),
                flags,
            )
        })
        .collect();
    v.sort();
    v
}

// ---------------------------------------------------------------------------------------
// Property tests: format, parse, same instant
// ---------------------------------------------------------------------------------------

/// Shapes that carry their offset: `(definition spec, chrono pattern)`; the fraction
/// goes where `{f}` is.
const WITH_OFFSET: &[(&str, &str)] = &[
    // RFC 3339 / ISO 8601 with ±HH:MM (zap, logrus, Alertmanager, syslog 5424, Suricata EVE)
    ("rfc3339", "%Y-%m-%dT%H:%M:%S{f}%:z"),
    // ±HHMM (rsyslog with a numeric zone, Suricata EVE's +0000)
    ("rfc3339", "%Y-%m-%dT%H:%M:%S{f}%z"),
    // a space instead of the T
    ("rfc3339", "%Y-%m-%d %H:%M:%S{f}%:z"),
    // CLF (nginx, Apache, Traefik): seconds, ±HHMM
    ("%d/%b/%Y:%H:%M:%S %z", "%d/%b/%Y:%H:%M:%S %z"),
];

/// Shapes without an offset, with a year: read in the source's zone.
const NAIVE: &[(&str, &str)] = &[
    ("rfc3339", "%Y-%m-%dT%H:%M:%S{f}"),
    // log4j / ZooKeeper: a comma before the milliseconds
    ("rfc3339", "%Y-%m-%d %H:%M:%S,%3f"),
    // HAProxy accept date
    ("%d/%b/%Y:%H:%M:%S%.f", "%d/%b/%Y:%H:%M:%S{f}"),
    // nginx error log, etcd capnslog's raft stamp
    ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M:%S"),
    // Apache error log
    ("%a %b %d %H:%M:%S%.f %Y", "%a %b %d %H:%M:%S{f} %Y"),
    // Suricata fast.log
    ("%m/%d/%Y-%H:%M:%S%.f", "%m/%d/%Y-%H:%M:%S{f}"),
];

/// Shapes without a year (and without an offset): `--year` and the zone complete them.
const YEARLESS: &[(&str, &str)] = &[
    // syslog RFC 3164 (single-digit days padded with a space), journalctl short-precise
    ("%b %e %H:%M:%S%.f", "%b %e %H:%M:%S{f}"),
    // HAProxy's syslog prefix
    ("%b %e %H:%M:%S", "%b %e %H:%M:%S"),
    // klog / glog header: MMDD hh:mm:ss.uuuuuu
    ("%m%d %H:%M:%S%.f", "%m%d %H:%M:%S{f}"),
    // Snort fast/full alerts
    ("%m/%d-%H:%M:%S%.f", "%m/%d-%H:%M:%S{f}"),
];

/// The digits a pattern actually writes (patterns without `{f}` have their own).
fn written_digits(pattern: &str, digits: u8) -> u8 {
    if pattern.contains("{f}") {
        digits
    } else if pattern.contains("%3f") {
        3
    } else {
        0
    }
}

proptest! {
    #![proptest_config(cases(256))]

    /// Stamps with an offset parse to their instant, whatever zone wrote them, and the
    /// source's zone does not touch them.
    #[test]
    fn stamps_with_an_offset_round_trip(
        ns in instant(), zone in zone(), digits in digits(),
        shape in 0..WITH_OFFSET.len(), reader_zone in zone(),
    ) {
        let (spec, pattern) = WITH_OFFSET[shape];
        let digits = written_digits(pattern, digits);
        let ns = truncate(ns, digits);
        let text = utc(ns).with_timezone(&zone).format(&pattern.replace("{f}", frac(digits))).to_string();
        let (raw, prec) = parse(spec, &text);
        prop_assert_eq!(raw, RawTime::Instant(ns), "{}", text);
        prop_assert_eq!(prec, digits, "{}", text);
        let (resolved, flags) = clock(reader_zone, 1999).resolve(raw).unwrap();
        prop_assert_eq!(resolved, ns);
        prop_assert!(flags.is_empty(), "{:?}", flag_names(flags));
    }

    /// `Z` and any number of fraction digits (CRI and `kubectl logs --timestamps` write 9,
    /// Windows-born stamps 7, Zeek 6).
    #[test]
    fn rfc3339_utc_with_any_fraction_length_round_trips(ns in instant(), n in 0usize..=9) {
        let ns = truncate(ns, n as u8);
        let mut text = utc(ns).format("%Y-%m-%dT%H:%M:%S").to_string();
        if n > 0 {
            let f = format!("{:09}", ns.rem_euclid(NS));
            text.push('.');
            text.push_str(&f[..n]);
        }
        text.push('Z');
        let (raw, prec) = parse("rfc3339", &text);
        prop_assert_eq!(raw, RawTime::Instant(ns), "{}", text);
        prop_assert_eq!(prec, class(n), "{}", text);
    }

    /// Naive stamps are wall times of the source's zone: outside DST edges (tested on
    /// their own below) they resolve to the instant they were written at.
    #[test]
    fn naive_stamps_round_trip_in_the_source_zone(
        ns in instant(), zone in zone(), digits in digits(), shape in 0..NAIVE.len(),
    ) {
        let (spec, pattern) = NAIVE[shape];
        let digits = written_digits(pattern, digits);
        let ns = truncate(ns, digits);
        let local = utc(ns).with_timezone(&zone).naive_local();
        prop_assume!(matches!(zone.from_local_datetime(&local), LocalResult::Single(_)));
        let text = local.format(&pattern.replace("{f}", frac(digits))).to_string();
        let (raw, prec) = parse(spec, &text);
        prop_assert!(matches!(raw, RawTime::Local { year_known: true, .. }), "{:?}", raw);
        prop_assert_eq!(prec, digits, "{}", text);
        // The year flag must not matter for a stamp that has its year.
        let (resolved, flags) = clock(zone, 1999).resolve(raw).unwrap();
        prop_assert_eq!(resolved, ns, "{} in {}", text, zone);
        prop_assert_eq!(flag_names(flags), vec!["zone_assumed"]);
    }

    /// Yearless stamps take `--year` (the year of the wall time) and the zone.
    #[test]
    fn yearless_stamps_round_trip_with_the_year_and_zone(
        ns in instant(), zone in zone(), digits in digits(), shape in 0..YEARLESS.len(),
    ) {
        use chrono::Datelike;
        let (spec, pattern) = YEARLESS[shape];
        let digits = written_digits(pattern, digits);
        let ns = truncate(ns, digits);
        let local = utc(ns).with_timezone(&zone).naive_local();
        prop_assume!(matches!(zone.from_local_datetime(&local), LocalResult::Single(_)));
        let text = local.format(&pattern.replace("{f}", frac(digits))).to_string();
        let (raw, prec) = parse(spec, &text);
        prop_assert!(matches!(raw, RawTime::Local { year_known: false, .. }), "{:?}", raw);
        prop_assert_eq!(prec, digits, "{}", text);
        let (resolved, flags) = clock(zone, local.year()).resolve(raw).unwrap();
        prop_assert_eq!(resolved, ns, "{} in {} ({})", text, zone, local.year());
        prop_assert_eq!(flag_names(flags), vec!["year_inferred", "zone_assumed"]);
    }

    /// Epoch integers: the unit told by the definition, or by magnitude (`epoch`) for
    /// instants from 1973-03-03 on (before that, milliseconds look like seconds).
    #[test]
    fn epoch_integers_round_trip_by_unit_and_by_magnitude(
        ns in instant(), unit in 0usize..4, by_magnitude in any::<bool>(),
    ) {
        let (spec, scale, digits) = [
            ("epoch_s", NS, 0u8),
            ("epoch_ms", 1_000_000, 3),
            ("epoch_us", 1_000, 6),
            ("epoch_ns", 1, 9),
        ][unit];
        let ns = ns.div_euclid(scale) * scale;
        let magnitude_ok = ns >= 100_000_000_000 * 1_000_000;
        let spec = if by_magnitude && magnitude_ok { "epoch" } else { spec };
        let text = (ns / scale).to_string();
        let (raw, prec) = parse(spec, &text);
        prop_assert_eq!(raw, RawTime::Instant(ns), "{} as {}", text, spec);
        prop_assert_eq!(prec, digits);
    }

    /// Decimal epoch seconds (Zeek's floats, nginx's `$msec`), also negative ones.
    #[test]
    fn decimal_epoch_seconds_round_trip(ns in instant(), n in 1usize..=9, auto in any::<bool>()) {
        let ns = truncate(ns, n as u8);
        let sign = if ns < 0 { "-" } else { "" };
        let f = format!("{:09}", ns.unsigned_abs() % NS as u64);
        let text = format!("{sign}{}.{}", ns.unsigned_abs() / NS as u64, &f[..n]);
        let spec = if auto { "epoch" } else { "epoch_s" };
        let (raw, prec) = parse(spec, &text);
        prop_assert_eq!(raw, RawTime::Instant(ns), "{}", text);
        prop_assert_eq!(prec, class(n), "{}", text);
    }

    /// Decimal epoch milliseconds (Opsgenie-style `1712268001123.456`).
    #[test]
    fn decimal_epoch_millis_round_trip(ms in 100_000_000_000i64..7_000_000_000_000, us in 0i64..1000) {
        let text = format!("{ms}.{us:03}");
        let ns = ms * 1_000_000 + us * 1_000;
        for spec in ["epoch", "epoch_ms"] {
            let (raw, prec) = parse(spec, &text);
            prop_assert_eq!(raw, RawTime::Instant(ns), "{}", text);
            prop_assert_eq!(prec, 6);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Property test through the pipeline: generated lines of the built-in formats
// ---------------------------------------------------------------------------------------

/// A built-in format's line at a given instant: how to write it, and what it takes.
struct LineShape {
    format: &'static str,
    /// Writes the line for an instant seen in the zone.
    line: fn(DateTime<Tz>) -> String,
    /// Sub-second digits written.
    digits: u8,
    /// No offset in the text: read in `--tz` (so DST edges are left out).
    naive: bool,
    /// No year in the text: `--year` and the Dec→Jan rollover.
    yearless: bool,
}

/// Epoch seconds as Zeek's JSON writer prints them (`JSON::TS_EPOCH`): a double in its
/// shortest form, microseconds at most (`1521911720.5`, `1521911720.629574`).
fn zeek_float(ns: Nanos) -> String {
    let micros = ns.div_euclid(1_000);
    let secs: f64 = format!(
        "{}.{:06}",
        micros.div_euclid(1_000_000),
        micros.rem_euclid(1_000_000)
    )
    .parse()
    .unwrap();
    format!("{secs:?}")
}

const LINE_SHAPES: &[LineShape] = &[
    LineShape {
        format: "nginx_error",
        line: |t| {
            format!("{} [error] 3454#3454: *7 upstream timed out (110: Connection timed out) while reading response header from upstream", t.format("%Y/%m/%d %H:%M:%S"))
        },
        digits: 0,
        naive: true,
        yearless: false,
    },
    LineShape {
        format: "haproxy_http",
        line: |t| {
            format!("10.0.0.1:39344 [{}] fe_web be_app/app1 0/0/0/1/1 200 207 - - ---- 1/1/0/0/0 0/0 {{shop.example.test|curl/7.88.1}} \"GET /api/items HTTP/1.1\"", t.format("%d/%b/%Y:%H:%M:%S%.3f"))
        },
        digits: 3,
        naive: true,
        yearless: false,
    },
    LineShape {
        format: "syslog_rfc3164",
        line: |t| {
            format!(
                "{} web01 sshd[812]: Connection closed by 10.0.0.9 port 52144",
                t.format("%b %e %H:%M:%S")
            )
        },
        digits: 0,
        naive: true,
        yearless: true,
    },
    LineShape {
        // journalctl -o short-precise
        format: "syslog_rfc3164",
        line: |t| {
            format!(
                "{} web01 sshd[812]: Connection closed by 10.0.0.9 port 52144",
                t.format("%b %e %H:%M:%S%.6f")
            )
        },
        digits: 6,
        naive: true,
        yearless: true,
    },
    LineShape {
        format: "snort_fast",
        line: |t| {
            format!(
                r#"{} [**] [1:1000003:1] "LOCAL INFO TLS client hello" [**] [Classification: Generic Protocol Command Decode] [Priority: 3] {{TCP}} 192.168.56.1:49365 -> 192.168.56.101:443"#,
                t.format("%m/%d-%H:%M:%S%.6f")
            )
        },
        digits: 6,
        naive: true,
        yearless: true,
    },
    LineShape {
        format: "suricata_fastlog",
        line: |t| {
            format!("{}  [**] [1:8000001:1] LOCAL POLICY HTTP request by command-line client [**] [Classification: Potential Corporate Privacy Violation] [Priority: 1] {{TCP}} 127.0.0.1:65182 -> 127.0.0.1:8080", t.format("%m/%d/%Y-%H:%M:%S%.6f"))
        },
        digits: 6,
        naive: true,
        yearless: false,
    },
    LineShape {
        format: "apache_error",
        line: |t| {
            format!("[{}] [core:notice] [pid 16497:tid 16497] AH00094: Command line: 'apache2 -d . -f httpd.conf'", t.format("%a %b %d %H:%M:%S%.6f %Y"))
        },
        digits: 6,
        naive: true,
        yearless: false,
    },
    LineShape {
        format: "zookeeper",
        line: |t| {
            format!("{} [myid:1] - INFO  [QuorumPeer[myid=1](plain=0.0.0.0:2181)(secure=disabled):Leader@581] - LEADING - LEADER ELECTION TOOK - 12 MS", t.format("%Y-%m-%d %H:%M:%S,%3f"))
        },
        digits: 3,
        naive: true,
        yearless: false,
    },
    LineShape {
        // a CRI log file: the runtime's nanosecond stamp in front of plain output
        // (klog's CRI pattern or the CRI envelope itself may claim it)
        format: "klog|cri",
        line: |t| {
            format!(
                "{} stdout F Copying system trust bundle",
                t.with_timezone(&Utc).format("%Y-%m-%dT%H:%M:%S%.9fZ")
            )
        },
        digits: 9,
        naive: false,
        yearless: false,
    },
    LineShape {
        format: "suricata_eve",
        line: |t| {
            format!(
                r#"{{"timestamp":"{}","flow_id":1215563011741264,"event_type":"alert","src_ip":"127.0.0.1","src_port":65182,"dest_ip":"127.0.0.1","dest_port":8080,"proto":"TCP","alert":{{"action":"allowed","gid":1,"signature_id":8000001,"rev":1,"signature":"LOCAL POLICY HTTP request by command-line client","category":"Potential Corporate Privacy Violation","severity":1}}}}"#,
                t.format("%Y-%m-%dT%H:%M:%S%.6f%z")
            )
        },
        digits: 6,
        naive: false,
        yearless: false,
    },
    LineShape {
        format: "klog",
        line: |t| {
            format!(
                "I{}   27020 loader.go:402] Config loaded from file:  kubeconfig.yaml",
                t.format("%m%d %H:%M:%S%.6f")
            )
        },
        digits: 6,
        naive: true,
        yearless: true,
    },
    LineShape {
        // nginx's and Apache's combined format are the same: either may claim it
        format: "nginx_access|apache_access",
        line: |t| {
            format!(
                "10.0.0.1 - - [{}] \"GET /api/items HTTP/1.1\" 200 12 \"-\" \"curl/7.88.1\"",
                t.format("%d/%b/%Y:%H:%M:%S %z")
            )
        },
        digits: 0,
        naive: false,
        yearless: false,
    },
    LineShape {
        format: "etcd",
        line: |t| {
            format!(
                r#"{{"level":"info","ts":"{}","caller":"etcdserver/server.go:2054","msg":"published local member to cluster through raft"}}"#,
                t.format("%Y-%m-%dT%H:%M:%S%.3f%:z")
            )
        },
        digits: 3,
        naive: false,
        yearless: false,
    },
    LineShape {
        format: "journald_json",
        line: |t| {
            format!(
                r#"{{"__REALTIME_TIMESTAMP":"{}","_HOSTNAME":"web01","SYSLOG_IDENTIFIER":"sshd","PRIORITY":"6","MESSAGE":"Connection closed by 10.0.0.9 port 52144"}}"#,
                t.timestamp_micros()
            )
        },
        digits: 6,
        naive: false,
        yearless: false,
    },
    LineShape {
        format: "zeek_json",
        line: |t| {
            format!(
                r#"{{"_path":"weird","ts":{},"uid":"CsPzgh4tp5lHBTnsrf","id.orig_h":"10.47.1.152","id.orig_p":49562,"id.resp_h":"23.217.103.245","id.resp_p":80,"name":"TCP_ack_underflow_or_misorder","notice":false,"peer":"zeek"}}"#,
                zeek_float(t.timestamp_nanos_opt().unwrap())
            )
        },
        digits: 6,
        naive: false,
        yearless: false,
    },
];

proptest! {
    #![proptest_config(cases(48))]

    /// Up to 40 lines of one built-in format, 0 to 20 days apart (so a year's end is
    /// crossed through December and January: yearless stamps roll over by the documented
    /// Dec→Jan rule), written in a zone: `coroner::read` with
    /// `--tz` (and `--year` for yearless shapes) gives back every instant, at the
    /// precision written, and the flags that say how.
    #[test]
    fn generated_lines_of_every_format_come_back_at_their_instant(
        shape in 0..LINE_SHAPES.len(), zone in zone(),
        start in 631_152_000i64..2_871_763_200, // 1990 .. 2061
        gaps in prop::collection::vec((0i64..20 * 86_400, 0..NS), 1..40),
    ) {
        use chrono::Datelike;
        let s = &LINE_SHAPES[shape];
        let mut t = start * NS;
        let mut instants = Vec::new();
        for (secs, nanos) in gaps {
            t += secs * NS + nanos;
            let ns = truncate(t, s.digits);
            let local = utc(ns).with_timezone(&zone);
            // Wall times in DST gaps/overlaps have their own test.
            if s.naive && !matches!(zone.from_local_datetime(&local.naive_local()), LocalResult::Single(_)) {
                continue;
            }
            instants.push(ns);
        }
        prop_assume!(!instants.is_empty());
        instants.dedup();
        let text: String = instants
            .iter()
            .map(|&ns| format!("{}\n", (s.line)(utc(ns).with_timezone(&zone))))
            .collect();
        let year = utc(instants[0]).with_timezone(&zone).year();
        let events = read_text("generated.log", &text, with(Some(zone.name()), Some(year)));
        let got: Vec<(String, String, Vec<&str>)> = events
            .iter()
            .map(|e| {
                let format = if s.format.split('|').any(|f| f == &*e.format) { s.format } else { &*e.format };
                (format.to_string(), rfc3339(e.ts, e.ts_prec), flag_names(e.time))
            })
            .collect();
        let seconds = |ns: Nanos| {
            // Zeek drops a float's trailing zeros: it gives fewer digits then.
            let digits = match s.format {
                "zeek_json" => class(zeek_float(ns).split_once('.').map_or(0, |(_, f)| f.len())),
                _ => s.digits,
            };
            match digits {
                0 => chrono::SecondsFormat::Secs,
                3 => chrono::SecondsFormat::Millis,
                6 => chrono::SecondsFormat::Micros,
                _ => chrono::SecondsFormat::Nanos,
            }
        };
        let mut flags = Vec::new();
        if s.yearless {
            flags.push("year_inferred");
        }
        if s.naive {
            flags.push("zone_assumed");
        }
        let want: Vec<(String, String, Vec<&str>)> = instants
            .iter()
            .map(|&ns| (s.format.to_string(), utc(ns).to_rfc3339_opts(seconds(ns), true), flags.clone()))
            .collect();
        prop_assert_eq!(got, want, "{}", text);
    }
}

// ---------------------------------------------------------------------------------------
// DST: the stated rule, on every transition day
// ---------------------------------------------------------------------------------------

/// The days of `year` on which `zone`'s offset changes.
fn transition_days(zone: Tz, year: i32) -> Vec<NaiveDate> {
    use chrono::Datelike;
    let offset = |d: NaiveDate| {
        zone.offset_from_utc_datetime(&d.and_hms_opt(12, 0, 0).unwrap())
            .fix()
            .local_minus_utc()
    };
    NaiveDate::from_ymd_opt(year, 1, 1)
        .unwrap()
        .iter_days()
        .take_while(|d| d.year() == year)
        .filter(|d| d.pred_opt().is_some_and(|p| offset(p) != offset(*d)))
        .collect()
}

proptest! {
    #![proptest_config(cases(256))]

    /// Any wall time on a transition day (Europe/Berlin, America/New_York, 1980–2037):
    /// a time that happens once is that instant; one that happens twice takes the
    /// earlier instant, flagged `dst_ambiguous`; one that never happens takes the offset
    /// in force before the gap (so it lands as far past the gap's start as it was
    /// written), flagged `dst_gap`.
    #[test]
    fn dst_edges_follow_the_stated_rule(
        zone in prop::sample::select(vec!["Europe/Berlin", "America/New_York"]).prop_map(tz),
        year in 1980i32..2038, which in any::<prop::sample::Index>(),
        secs in 0i64..86_400, nanos in 0i64..NS,
    ) {
        let days = transition_days(zone, year);
        prop_assume!(!days.is_empty());
        let day = days[which.index(days.len())];
        let wall = day.and_hms_opt(0, 0, 0).unwrap()
            + Duration::seconds(secs) + Duration::nanoseconds(nanos);
        let text = wall.format("%Y-%m-%dT%H:%M:%S%.9f").to_string();
        let (raw, _) = parse("rfc3339", &text);
        let (ns, flags) = clock(zone, year).resolve(raw).unwrap();
        let at = |t: DateTime<Tz>| t.timestamp_nanos_opt().unwrap();
        match zone.from_local_datetime(&wall) {
            LocalResult::Single(t) => {
                prop_assert_eq!(ns, at(t));
                prop_assert_eq!(flag_names(flags), vec!["zone_assumed"]);
            }
            LocalResult::Ambiguous(x, y) => {
                prop_assert_eq!(ns, at(x).min(at(y)), "{}", text);
                prop_assert_eq!(flag_names(flags), vec!["zone_assumed", "dst_ambiguous"]);
            }
            LocalResult::None => {
                // The offset before: the one six hours earlier on the wall clock.
                let before = zone.from_local_datetime(&(wall - Duration::hours(6)))
                    .single().unwrap().offset().fix().local_minus_utc() as i64;
                let expected = (wall - Duration::seconds(before)).and_utc().timestamp_nanos_opt().unwrap();
                prop_assert_eq!(ns, expected, "{}", text);
                // Both zones spring forward by an hour: 02:30 reads as 03:30.
                let shown = utc(ns).with_timezone(&zone).naive_local();
                prop_assert_eq!(shown, wall + Duration::hours(1));
                prop_assert_eq!(flag_names(flags), vec!["zone_assumed", "dst_gap"]);
            }
        }
    }
}

/// (wall time, expected UTC instant, expected time flags)
type DstCase<'a> = (&'a str, &'a str, &'a [&'a str]);

/// nginx error lines (local time, no zone) around the 2024 transitions, through the
/// binary with `--tz`: each wall time's instant and flags.
#[test]
fn dst_edges_through_the_binary() {
    let cases: &[(&str, &[DstCase])] = &[
        (
            "Europe/Berlin",
            &[
                // spring forward: 02:00–03:00 does not exist
                ("2024/03/31 01:59:59", "2024-03-31T00:59:59Z", &[]),
                ("2024/03/31 02:00:00", "2024-03-31T01:00:00Z", &["dst_gap"]),
                ("2024/03/31 02:30:00", "2024-03-31T01:30:00Z", &["dst_gap"]),
                ("2024/03/31 02:59:59", "2024-03-31T01:59:59Z", &["dst_gap"]),
                ("2024/03/31 03:00:00", "2024-03-31T01:00:00Z", &[]),
                // fall back: 02:00–03:00 happens twice
                ("2024/10/27 01:59:59", "2024-10-26T23:59:59Z", &[]),
                (
                    "2024/10/27 02:00:00",
                    "2024-10-27T00:00:00Z",
                    &["dst_ambiguous"],
                ),
                (
                    "2024/10/27 02:30:00",
                    "2024-10-27T00:30:00Z",
                    &["dst_ambiguous"],
                ),
                (
                    "2024/10/27 02:59:59",
                    "2024-10-27T00:59:59Z",
                    &["dst_ambiguous"],
                ),
                ("2024/10/27 03:00:00", "2024-10-27T02:00:00Z", &[]),
            ],
        ),
        (
            "America/New_York",
            &[
                ("2024/03/10 01:59:59", "2024-03-10T06:59:59Z", &[]),
                ("2024/03/10 02:00:00", "2024-03-10T07:00:00Z", &["dst_gap"]),
                ("2024/03/10 02:30:00", "2024-03-10T07:30:00Z", &["dst_gap"]),
                ("2024/03/10 03:00:00", "2024-03-10T07:00:00Z", &[]),
                ("2024/11/03 00:59:59", "2024-11-03T04:59:59Z", &[]),
                (
                    "2024/11/03 01:00:00",
                    "2024-11-03T05:00:00Z",
                    &["dst_ambiguous"],
                ),
                (
                    "2024/11/03 01:30:00",
                    "2024-11-03T05:30:00Z",
                    &["dst_ambiguous"],
                ),
                (
                    "2024/11/03 01:59:59",
                    "2024-11-03T05:59:59Z",
                    &["dst_ambiguous"],
                ),
                ("2024/11/03 02:00:00", "2024-11-03T07:00:00Z", &[]),
            ],
        ),
    ];
    for (zone, rows) in cases {
        let dir = tempfile::tempdir().unwrap();
        let text: String = rows
            .iter()
            .map(|(wall, _, _)| {
                format!("{wall} [error] 3454#3454: *1 connect() failed (111: Connection refused) while connecting to upstream\n")
            })
            .collect();
        let path = write(dir.path(), "nginx/error.log", text.as_bytes());
        // Only the zone's flags: a gap's times land before 03:00's instant, so the order
        // stage also flags the 03:00 line (reordered, late), which is not the point here.
        let got: Vec<_> = by_line(&events_cli(&["--tz", zone, path.to_str().unwrap()]))
            .into_iter()
            .map(|(line, ts, flags)| {
                let zone_flags = flags
                    .into_iter()
                    .filter(|f| f == "zone_assumed" || f.starts_with("dst_"))
                    .collect();
                (line, ts, zone_flags)
            })
            .collect();
        let want: Vec<(u64, String, Vec<String>)> = rows
            .iter()
            .enumerate()
            .map(|(i, (_, ts, flags))| {
                let mut f = vec!["zone_assumed".to_string()];
                f.extend(flags.iter().map(|s| s.to_string()));
                (i as u64 + 1, ts.to_string(), f)
            })
            .collect();
        assert_eq!(got, want, "{zone}");
    }
}

// ---------------------------------------------------------------------------------------
// Real lines of the corpus, exact output
// ---------------------------------------------------------------------------------------

struct Row {
    /// The corpus file the line is from (tests/corpus/…).
    file: &'static str,
    line: &'static str,
    tz: Option<&'static str>,
    year: Option<i32>,
    format: &'static str,
    /// RFC 3339 UTC at the source's precision.
    ts: &'static str,
    flags: &'static [&'static str],
}

const fn row(
    file: &'static str,
    line: &'static str,
    format: &'static str,
    ts: &'static str,
) -> Row {
    Row {
        file,
        line,
        tz: None,
        year: None,
        format,
        ts,
        flags: &[],
    }
}

impl Row {
    const fn tz(mut self, tz: &'static str) -> Row {
        self.tz = Some(tz);
        self
    }
    const fn year(mut self, year: i32) -> Row {
        self.year = Some(year);
        self
    }
    const fn flags(mut self, flags: &'static [&'static str]) -> Row {
        self.flags = flags;
        self
    }
}

const ZONE: &[&str] = &["zone_assumed"];
const YEAR_ZONE: &[&str] = &["year_inferred", "zone_assumed"];

/// Stamps with an offset (or `Z`): the offset is honoured, `--tz` is not used.
const OFFSET_ROWS: &[Row] = &[
    row("zeek_json/zed-sample-data-notice.json",
        r#"{"_path":"notice","_write_ts":"2018-03-24T17:15:20.629574Z","ts":"2018-03-24T17:15:20.629574Z","uid":"CmC9kY1X0u9nP78KZc","id.orig_h":"10.164.94.120","id.orig_p":39611,"id.resp_h":"10.47.3.200","id.resp_p":443,"fuid":"FGP2jt4dhD3bYZ923k","proto":"tcp","note":"SSL::Invalid_Server_Cert","msg":"SSL certificate validation failed with (unable to get local issuer certificate)","sub":"unstructuredName=1315656901\\,564d7761726520496e632e,CN=localhost.localdomain,emailAddress=ssl-certificates@vmware.com,OU=VMware ESX Server Default Certificate,O=VMware\\, Inc,L=Palo Alto,ST=California,C=US","src":"10.164.94.120","dst":"10.47.3.200","p":443,"actions":["Notice::ACTION_LOG"],"email_dest":[],"suppress_for":3600.0}"#,
        "zeek_json", "2018-03-24T17:15:20.629574Z"),
    row("syslog_rfc3164/beats-system-syslog-suse-syslog.log",
        "2018-08-14T14:30:02.203151+02:00 linux-sqrz systemd[4179]: Stopped target Basic System.",
        "syslog_rfc3164", "2018-08-14T12:30:02.203151Z").tz("America/New_York"),
    row("syslog_rfc3164/beats-system-syslog-tz-offset.log",
        "1986-04-26T01:23:45.101+0400 rmbkmonitor04 shutdown[2649]: shutting down for system halt",
        "syslog_rfc3164", "1986-04-25T21:23:45.101Z"),
    row("etcd/mg-aws-etcd-member.log",
        "2021-08-03T09:26:39.812571965Z 30c29f1b390a6a04, started, ip-10-0-189-142.ec2.internal, https://10.0.189.142:2380, https://10.0.189.142:2379,unixs://10.0.189.142:0, false",
        // alone, the bare CRI line is claimed by klog's CRI pattern: the stamp is the point
        "klog", "2021-08-03T09:26:39.812571965Z"),
    row("nginx_access/generated-nginx-1.22-combined.log",
        r#"127.0.0.1 - - [21/Nov/2026:05:24:19 +0100] "GET /api/items HTTP/1.1" 200 12 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0""#,
        "nginx_access", "2026-11-21T04:24:19Z").tz("America/New_York"),
    row("apache_access/generated-apache-2.4.71-combined.log",
        r#"127.0.0.1 - - [21/Nov/2026:10:07:21 +0530] "GET /api/items?id=7 HTTP/1.1" 200 12 "-" "Go-http-client/1.1""#,
        "apache_access", "2026-11-21T04:37:21Z"),
    row("traefik/beats-traefik-access-test.log",
        r#"192.168.33.1 - - [02/Oct/2017:20:22:07 +0000] "GET /ui/favicons/favicon-16x16.png HTTP/1.1" 304 0 "http://example.com/login" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/61.0.3163.100 Safari/537.36" 262 "Host-host-1" "http://172.19.0.3:5601" 2ms"#,
        "traefik", "2017-10-02T20:22:07Z"),
    row("etcd/generated-etcd-3.4.23-zap-n1.log",
        r#"{"level":"info","ts":"2026-11-21T04:24:27.782Z","caller":"embed/etcd.go:117","msg":"configuring peer listeners","listen-peer-urls":["http://127.0.0.1:22380"]}"#,
        "etcd", "2026-11-21T04:24:27.782Z"),
    row("aws_alb/otel-alb_al_valid_logs.log",
        r#"https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90"#,
        "aws_alb", "2018-07-02T22:23:00.186641Z"),
    row("alertmanager/generated-alertmanager-0.25-server-logfmt.log",
        r#"ts=2026-11-21T04:34:49.653Z caller=main.go:241 level=info msg="Starting Alertmanager" version="(version=0.25.0, branch=debian/sid, revision=0.25.0-1+b4)""#,
        "alertmanager_logfmt", "2026-11-21T04:34:49.653Z"),
    row("docker_logrus/insights-sample-cluster-samples-operator-logrus.log",
        r#"time="2021-05-24T16:37:58Z" level=info msg="processing subdir python from dir /opt/openshift/operator/x86_64""#,
        "docker_logrus", "2021-05-24T16:37:58Z"),
    row("syslog_rfc5424/lnav-logfile_with_zones.log",
        r#"2022-08-27T17:22:01.694554+03:00 space01.global-acme.entp CRON 20856 - -  (root) CMD (   /usr/bin/nice -n 10 /opt/acme/bin/mem_usage_monitor.py >/dev/null 2>&1)"#,
        "syslog_rfc5424", "2022-08-27T14:22:01.694554Z"),
    row("klog/mg-aws-kube-apiserver.log.gz",
        "2021-08-03T09:37:46.110309751Z Copying system trust bundle",
        "klog", "2021-08-03T09:37:46.110309751Z").year(2019),
];

/// Stamps without an offset: UTC unless `--tz` says otherwise, flagged `zone_assumed`.
const NAIVE_ROWS: &[Row] = &[
    row("syslog_rfc3164/beats-system-syslog-tz-offset.log",
        "2019-06-14T10:40:20.912134 localhost sudo: pam_unix(sudo-i:session): session opened for user root by userauth3(uid=0)",
        "syslog_rfc3164", "2019-06-14T10:40:20.912134Z").flags(ZONE),
    row("syslog_rfc3164/beats-system-syslog-tz-offset.log",
        "2019-06-14T10:40:20.912134 localhost sudo: pam_unix(sudo-i:session): session opened for user root by userauth3(uid=0)",
        "syslog_rfc3164", "2019-06-14T05:10:20.912134Z").tz("Asia/Kolkata").flags(ZONE),
    // HAProxy's accept date, milliseconds, raw (stdout) and behind an rsyslog prefix
    // (the accept date wins over the prefix and gives the year).
    row("haproxy/generated-haproxy-2.6-raw-stdout.log",
        r#"::1:39344 [21/Nov/2026:04:24:19.991] fe_web be_app/app1 0/0/0/1/1 200 207 - - ---- 1/1/0/0/0 0/0 {shop.example.test|Go-http-client/1.1} "GET /api/items?id=42&sort=desc HTTP/1.1""#,
        "haproxy_http", "2026-11-21T04:24:19.991Z").flags(ZONE),
    row("haproxy/generated-haproxy-2.6-rsyslog-traditional.log",
        r#"Nov 21 04:24:19 lb01 haproxy[3453]: ::1:39344 [21/Nov/2026:04:24:19.991] fe_web be_app/app1 0/0/0/1/1 200 207 - - ---- 1/1/0/0/0 0/0 {shop.example.test|Go-http-client/1.1} "GET /api/items?id=42&sort=desc HTTP/1.1""#,
        "haproxy_http", "2026-11-21T03:24:19.991Z").tz("Europe/Berlin").flags(ZONE),
    // The nginx of this corpus ran at +01:00 (its access log says so).
    row("nginx_error/generated-nginx-1.22-error.log",
        "2026/11/21 05:24:17 [notice] 3454#3454: using the \"epoll\" event method",
        "nginx_error", "2026-11-21T04:24:17Z").tz("Europe/Berlin").flags(ZONE),
    // And the Apache at +05:30.
    row("apache_error/generated-apache-2.4.71-error.log",
        "[Sat Nov 21 10:07:19.623961 2026] [mpm_event:notice] [pid 16497:tid 16497] AH00489: Apache/2.4.71 (Debian) configured -- resuming normal operations",
        "apache_error", "2026-11-21T04:37:19.623961Z").tz("Asia/Kolkata").flags(ZONE),
    row("apache_error/beats-apache-error-test.log",
        "[Mon Dec 26 16:22:08 2016] [error] [client 192.168.33.1] File does not exist: /var/www/favicon.ico",
        "apache_error", "2016-12-26T16:22:08Z").flags(ZONE),
    row("zookeeper/generated-zookeeper-3.8.0-ensemble-myid1.log",
        "2026-11-21 04:31:55,636 [myid:] - INFO  [main:QuorumPeerConfig@177] - Reading configuration from: zoo1.cfg",
        "zookeeper", "2026-11-21T04:31:55.636Z").flags(ZONE),
    row("etcd/generated-etcd-3.4.23-capnslog-n1.log",
        "2026-11-21 04:27:45.361958 I | etcdmain: etcd Version: 3.4.23",
        "etcd_capnslog", "2026-11-21T04:27:45.361958Z").flags(ZONE),
    row("suricata_fastlog/generated-suricata-8.0.6-fast.log",
        "12/18/2024-15:10:13.533499  [**] [1:8000001:1] LOCAL POLICY HTTP request by command-line client [**] [Classification: Potential Corporate Privacy Violation] [Priority: 1] {TCP} 127.0.0.1:65182 -> 127.0.0.1:8080",
        "suricata_fastlog", "2024-12-18T15:10:13.533499Z").flags(ZONE),
];

/// Yearless stamps: `--year`, the zone, flagged `year_inferred` and `zone_assumed`.
const YEARLESS_ROWS: &[Row] = &[
    // syslog RFC 3164, single-digit day padded with a space
    row("syslog_rfc3164/lnav-logfile_syslog.log",
        "Nov  3 09:23:38 veridian automount[7998]: lookup(file): lookup for foobar failed",
        "syslog_rfc3164", "2007-11-03T09:23:38Z").year(2007).flags(YEAR_ZONE),
    row("syslog_rfc3164/lnav-logfile_syslog.log",
        "Nov  3 09:23:38 veridian automount[7998]: lookup(file): lookup for foobar failed",
        "syslog_rfc3164", "2007-11-03T13:23:38Z").year(2007).tz("America/New_York").flags(YEAR_ZONE), // EDT until Nov 4 in 2007
    row("klog/generated-kubectl-1.32.4-klog-v6-v8.log",
        "I1121 04:30:48.504620   27020 loader.go:402] Config loaded from file:  kubeconfig.yaml",
        "klog", "2026-11-21T04:30:48.504620Z").year(2026).flags(YEAR_ZONE),
    row("klog/lnav-logfile_glog.log",
        "E0517 15:04:22.619632 1952452992 logging_unittest.cc:253] Log every 3, iteration 19",
        "klog", "2019-05-17T19:04:22.619632Z").year(2019).tz("America/New_York").flags(YEAR_ZONE),
    // journald-wrapped klog: the klog stamp is the event's
    row("klog/insights-sample-node-kubelet-journal.log",
        r#"Nov 10 14:17:44.067049 ci-ln-b3f5vqb-72292-v2kk6-master-0 kubenswrapper[2296]: I1110 14:17:44.066997    2296 patch_prober.go:28] interesting pod/etcd-guard-ci-ln-b3f5vqb-72292-v2kk6-master-0 container/guard namespace/openshift-etcd: Readiness probe status=failure output="Get \"https://10.0.0.5:9980/readyz\": dial tcp 10.0.0.5:9980: connect: connection refused" start-of-body="#,
        "klog", "2023-11-10T14:17:44.066997Z").year(2023).flags(YEAR_ZONE),
    row("snort/generated-snort-3.12.2-alert_fast.txt.gz",
        r#"03/06-14:12:22.417615 [**] [1:1000003:1] "LOCAL INFO TLS client hello" [**] [Classification: Generic Protocol Command Decode] [Priority: 3] {TCP} 192.168.56.1:49365 -> 192.168.56.101:443"#,
        "snort_fast", "2015-03-06T14:12:22.417615Z").year(2015).flags(YEAR_ZONE),
];

/// Epoch stamps.
const EPOCH_ROWS: &[Row] = &[
    // journald's __REALTIME_TIMESTAMP: microseconds as a string
    row(
        "journald_json/lnav-logfile_journald.json",
        r#"{ "__CURSOR" : "s=e991dd5775894620914f2f7126aae6c1;i=372a;b=0dc874d3fbd44bdbb6fbcfaa27481492;m=24ea327;t=573f280a663fd;x=9ceeb77ef4331563", "__REALTIME_TIMESTAMP" : "1534860261221373", "__MONOTONIC_TIMESTAMP" : "38708007", "_BOOT_ID" : "0dc874d3fbd44bdbb6fbcfaa27481492", "PRIORITY" : "1", "_MACHINE_ID" : "1234567890abcdef1234567890abcdef", "_HOSTNAME" : "imx6ul-medusa", "SYSLOG_FACILITY" : "3", "_UID" : "0", "_GID" : "0", "_SYSTEMD_SLICE" : "system.slice", "_CAP_EFFECTIVE" : "3fffffffff", "_TRANSPORT" : "stdout", "_STREAM_ID" : "d6422e98dfb24d128e274f917f04362f", "SYSLOG_IDENTIFIER" : "python", "_PID" : "184", "_COMM" : "python", "_EXE" : "/usr/bin/python2.7", "_CMDLINE" : "/usr/bin/python -u /usr/bin/medusa/GpsLocator/GpsLocator.py", "_SYSTEMD_CGROUP" : "/system.slice/medusa-GpsLocator.service", "_SYSTEMD_UNIT" : "medusa-GpsLocator.service", "_SYSTEMD_INVOCATION_ID" : "e8fb03c1b8bf47b8ac2fc82f9870fd57", "MESSAGE" : "GPS Reference longitude: 7.358143333" }"#,
        "journald_json",
        "2018-08-21T14:04:21.221373Z",
    ),
];

fn check_rows(rows: &[Row]) {
    let mut failures = Vec::new();
    for r in rows {
        let name = Path::new(r.file).file_name().unwrap().to_str().unwrap();
        let name = name.trim_end_matches(".gz");
        let events = read_text(name, &format!("{}\n", r.line), with(r.tz, r.year));
        let got = match events.as_slice() {
            [e] => (
                e.format.to_string(),
                rfc3339(e.ts, e.ts_prec),
                flag_names(e.time),
                e.ts_raw.clone(),
            ),
            other => {
                failures.push(format!("{}: {} events", r.file, other.len()));
                continue;
            }
        };
        let want = (r.format.to_string(), r.ts.to_string(), r.flags.to_vec());
        if (got.0.clone(), got.1.clone(), got.2.clone()) != want {
            failures.push(format!(
                "{} (tz {:?}, year {:?}):\n  got  {:?}\n  want {:?}",
                r.file, r.tz, r.year, got, want
            ));
        }
        if !r.line.contains(&got.3) || got.3.is_empty() {
            failures.push(format!(
                "{}: raw stamp {:?} is not from the line",
                r.file, got.3
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn corpus_lines_with_an_offset_keep_it() {
    check_rows(OFFSET_ROWS);
}

#[test]
fn corpus_lines_without_an_offset_take_the_zone() {
    check_rows(NAIVE_ROWS);
}

#[test]
fn corpus_yearless_lines_take_the_year_and_the_zone() {
    check_rows(YEARLESS_ROWS);
}

#[test]
fn corpus_epoch_lines() {
    check_rows(EPOCH_ROWS);
}

/// Zeek's JSON writer stamps `ts` as an epoch float by default (`JSON::TS_EPOCH`): the
/// first record of zeek_json/zed-sample-data-notice.json with the float its TSV twin
/// (zeek_tsv/zed-sample-data-notice.log, first record) gives for the same instant.
#[test]
fn zeek_epoch_floats() {
    let tsv = std::fs::read_to_string(corpus("zeek_tsv/zed-sample-data-notice.log")).unwrap();
    let float = tsv
        .lines()
        .find(|l| !l.starts_with('#'))
        .unwrap()
        .split('\t')
        .next()
        .unwrap();
    assert_eq!(float, "1521911720.629574");
    let line = OFFSET_ROWS[0].line.replace(
        r#""ts":"2018-03-24T17:15:20.629574Z""#,
        &format!(r#""ts":{float}"#),
    );
    assert!(line.contains(r#""ts":1521911720.629574,"#));
    let events = read_text("notice.json", &format!("{line}\n"), |_| {});
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(&*e.format, "zeek_json");
    assert_eq!(rfc3339(e.ts, e.ts_prec), "2018-03-24T17:15:20.629574Z");
    assert!(e.time.is_empty());
}

/// Every line of the tables above is a line of the file it cites.
#[test]
fn table_lines_are_real_corpus_lines() {
    for r in OFFSET_ROWS
        .iter()
        .chain(NAIVE_ROWS)
        .chain(YEARLESS_ROWS)
        .chain(EPOCH_ROWS)
    {
        let data = std::fs::read(corpus(r.file)).unwrap();
        let data = if data.starts_with(&[0x1f, 0x8b]) {
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(&data[..])
                .read_to_end(&mut out)
                .unwrap();
            out
        } else {
            data
        };
        let text = String::from_utf8_lossy(&data);
        assert!(
            text.lines().any(|l| l == r.line),
            "{}: line not found: {}",
            r.file,
            r.line
        );
    }
}

// ---------------------------------------------------------------------------------------
// Years: Dec 31 → Jan 1
// ---------------------------------------------------------------------------------------

const NEW_YEAR: &str = "\
Dec 31 23:59:58 lb01 haproxy[3453]: Server be_app/app2 is DOWN, reason: Layer4 connection problem, info: \"Connection refused\", check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.
Dec 31 23:59:59 lb01 systemd[1]: Reloading HAProxy Load Balancer...
Jan  1 00:00:00 lb01 haproxy[3453]: Server be_app/app2 is UP, reason: Layer4 check passed, check duration: 0ms. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.
Jan  1 00:00:01 lb01 systemd[1]: Reloaded HAProxy Load Balancer.
";

const NEW_YEAR_TS: [&str; 4] = [
    "2023-12-31T23:59:58Z",
    "2023-12-31T23:59:59Z",
    "2024-01-01T00:00:00Z",
    "2024-01-01T00:00:01Z",
];

fn set_mtime(path: &Path, at: DateTime<Utc>) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(at.into()).unwrap();
}

fn new_year_events(path: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<&str> = extra.to_vec();
    args.push(path.to_str().unwrap());
    by_line(&events_cli(&args))
        .into_iter()
        .map(|(_, ts, _)| ts)
        .collect()
}

fn new_year_source(path: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args: Vec<&str> = extra.to_vec();
    args.push(path.to_str().unwrap());
    let (v, code) = timeline_json(&args);
    assert_eq!(code, 0);
    v["sources"][0].clone()
}

#[test]
fn dec_31_to_jan_1_with_year_flag_moves_to_the_next_year() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "lb01/syslog", NEW_YEAR.as_bytes());
    assert_eq!(new_year_events(&path, &["--year", "2023"]), NEW_YEAR_TS);
    let s = new_year_source(&path, &["--year", "2023"]);
    assert_eq!(s["format"], "syslog_rfc3164");
    assert_eq!(s["first_ts"], "2023-12-31T23:59:58.000000000Z");
    assert_eq!(s["last_ts"], "2024-01-01T00:00:01.000000000Z");
    assert_eq!(s["time"]["year_rollovers"], 1);
    assert_eq!(s["time"]["year_inferred"], 4);
    assert_eq!(s["time"]["clock_jumps_back"], 0);
}

/// No `--year`: the file was written just after midnight, so Dec 31 is the year before.
#[test]
fn dec_31_to_jan_1_with_the_file_mtime() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "lb01/syslog", NEW_YEAR.as_bytes());
    set_mtime(&path, Utc.with_ymd_and_hms(2024, 1, 1, 0, 5, 0).unwrap());
    assert_eq!(new_year_events(&path, &[]), NEW_YEAR_TS);
    let s = new_year_source(&path, &[]);
    assert_eq!(s["time"]["year_from"], "file mtime");
    assert_eq!(s["time"]["year_rollovers"], 1);
}

/// A rotated, gzip'd syslog: the gzip header's mtime anchors the year, ahead of the
/// file's own mtime (set years later here, as a copy would).
#[test]
fn dec_31_to_jan_1_in_a_gzip_whose_header_mtime_anchors_the_year() {
    use std::io::Write;
    let mtime = Utc.with_ymd_and_hms(2024, 1, 1, 0, 5, 0).unwrap();
    let mut gz = flate2::GzBuilder::new()
        .mtime(mtime.timestamp() as u32)
        .write(Vec::new(), flate2::Compression::default());
    gz.write_all(NEW_YEAR.as_bytes()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "lb01/syslog.1.gz", &gz.finish().unwrap());
    set_mtime(&path, Utc.with_ymd_and_hms(2030, 7, 1, 0, 0, 0).unwrap());
    assert_eq!(new_year_events(&path, &[]), NEW_YEAR_TS);
    let s = new_year_source(&path, &[]);
    assert_eq!(s["compression"], "gzip");
    assert_eq!(s["time"]["year_from"], "gzip header mtime");
}

/// A host whose clock was reset (a dead RTC battery, a VM restored from a snapshot): its
/// syslog jumps back by days without a Dec → Jan step. The times are kept as written, the
/// jump is counted and said out loud, and no year is moved.
#[test]
fn a_jump_back_of_more_than_a_day_is_reported_as_a_clock_reset() {
    let text = "\
Jun 10 14:02:11 lb01 kernel: [812345.120000] EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm haproxy: reading directory lblock 0
Jun 10 14:02:12 lb01 systemd[1]: Stopping HAProxy Load Balancer...
Mar  1 00:00:07 lb01 systemd[1]: Starting HAProxy Load Balancer...
Mar  1 00:00:08 lb01 systemd[1]: Started HAProxy Load Balancer.
";
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "lb01/syslog", text.as_bytes());
    assert_eq!(
        new_year_events(&path, &["--year", "2024"]),
        [
            "2024-06-10T14:02:11Z",
            "2024-06-10T14:02:12Z",
            "2024-03-01T00:00:07Z",
            "2024-03-01T00:00:08Z",
        ]
    );
    let s = new_year_source(&path, &["--year", "2024"]);
    assert_eq!(s["time"]["clock_jumps_back"], 1);
    assert_eq!(s["time"]["year_rollovers"], 0);
    let out = coroner()
        .args(["timeline", "--year", "2024"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("clock jumps back by more than a day 1 time(s)"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------
// Leap seconds
// ---------------------------------------------------------------------------------------

/// `23:59:60` is read as the first instant of the next minute (an i64 of nanoseconds has
/// no leap seconds), keeps its sub-second digits and its raw text, and sorts between its
/// neighbours — in every shape that can write it.
#[test]
fn leap_second_text_is_the_next_minute() {
    let cases: &[(&str, Option<i32>, &str, &str)] = &[
        // (file name, --year, line, expected instant)
        (
            "etcd.log",
            None,
            r#"{"level":"warn","ts":"2016-12-31T23:59:60.250Z","caller":"etcdserver/raft.go:415","msg":"leader failed to send out heartbeat on time"}"#,
            "2017-01-01T00:00:00.250Z",
        ),
        (
            "syslog",
            Some(2016),
            "Dec 31 23:59:60 ntp1 kernel: [1234.5678] Clock: inserting leap second 23:59:60 UTC",
            "2017-01-01T00:00:00Z",
        ),
        (
            "access.log",
            None,
            r#"10.0.0.1 - - [31/Dec/2016:23:59:60 +0000] "GET / HTTP/1.1" 200 12 "-" "curl/7.88.1""#,
            "2017-01-01T00:00:00Z",
        ),
        (
            "haproxy.log",
            None,
            r#"10.0.0.1:39344 [31/Dec/2016:23:59:60.123] fe_web be_app/app1 0/0/0/1/1 200 207 - - ---- 1/1/0/0/0 0/0 "GET / HTTP/1.1""#,
            "2017-01-01T00:00:00.123Z",
        ),
    ];
    for (name, year, line, want) in cases {
        let events = read_text(name, &format!("{line}\n"), with(None, *year));
        assert_eq!(events.len(), 1, "{line}");
        let e = &events[0];
        assert_eq!(rfc3339(e.ts, e.ts_prec), *want, "{line}");
        assert!(e.ts_raw.contains(":60"), "raw text kept: {:?}", e.ts_raw);
    }
    // Between its neighbours, in order, none reordered or late.
    let text = "\
{\"level\":\"info\",\"ts\":\"2016-12-31T23:59:59.900Z\",\"caller\":\"a.go:1\",\"msg\":\"before\"}
{\"level\":\"info\",\"ts\":\"2016-12-31T23:59:60.100Z\",\"caller\":\"a.go:1\",\"msg\":\"leap\"}
{\"level\":\"info\",\"ts\":\"2017-01-01T00:00:00.200Z\",\"caller\":\"a.go:1\",\"msg\":\"after\"}
";
    let events = read_text("etcd.log", text, |_| {});
    let got: Vec<(u64, String)> = events
        .iter()
        .map(|e| (e.line, rfc3339(e.ts, e.ts_prec)))
        .collect();
    assert_eq!(
        got,
        [
            (1, "2016-12-31T23:59:59.900Z".to_string()),
            (2, "2017-01-01T00:00:00.100Z".to_string()),
            (3, "2017-01-01T00:00:00.200Z".to_string()),
        ]
    );
    // Neither reordered nor late; the leap second says what was done to it.
    let flags: Vec<Vec<&str>> = events.iter().map(|e| flag_names(e.time)).collect();
    assert_eq!(flags, [vec![], vec!["leap_second"], vec![]]);
}

/// The leap second's adjustment is provenance like any other.
#[test]
fn leap_second_text_is_flagged() {
    let line = r#"{"level":"warn","ts":"2016-12-31T23:59:60.250Z","caller":"etcdserver/raft.go:415","msg":"leader failed to send out heartbeat on time"}"#;
    let events = read_text("etcd.log", &format!("{line}\n"), |_| {});
    assert_eq!(flag_names(events[0].time), vec!["leap_second"]);
}

// ---------------------------------------------------------------------------------------
// Strftime patterns of user definitions (`--parsers`)
// ---------------------------------------------------------------------------------------

/// A dotted date (`04.04.2024`, common in European logs): the precision is the
/// fraction's, not the date's.
#[test]
fn user_pattern_with_a_dotted_date_keeps_its_precision() {
    let (raw, prec) = parse("%d.%m.%Y %H:%M:%S%.f", "04.04.2024 22:00:01.123456");
    assert_eq!(prec, 6);
    let (ns, _) = clock(Tz::UTC, 1999).resolve(raw).unwrap();
    assert_eq!(rfc3339(ns, prec), "2024-04-04T22:00:01.123456Z");
}

/// A yearless stamp with an offset still needs its year.
#[test]
fn user_yearless_pattern_with_an_offset_takes_the_year() {
    let (raw, _) = parse("%b %e %H:%M:%S %z", "Apr  4 22:00:01 +0200");
    let (ns, flags) = clock(Tz::UTC, 2024).resolve(raw).unwrap();
    assert_eq!(rfc3339(ns, 0), "2024-04-04T20:00:01Z");
    assert!(flags.contains(TimeFlags::YEAR_INFERRED));
}

/// … and its Dec → Jan step moves to the next year, like any yearless stamp; a leap
/// second on Dec 31 lands on Jan 1 of the next year, flagged.
#[test]
fn user_yearless_pattern_with_an_offset_rolls_over_and_keeps_leap_seconds() {
    let mut c = clock(tz("Europe/Berlin"), 2023);
    let mut at = |text: &str| {
        let (raw, _) = parse("%b %e %H:%M:%S %z", text);
        let (ns, flags) = c.resolve(raw).unwrap();
        (rfc3339(ns, 0), flag_names(flags))
    };
    assert_eq!(
        at("Dec 31 23:59:59 +0100"),
        ("2023-12-31T22:59:59Z".into(), vec!["year_inferred"])
    );
    assert_eq!(
        at("Jan  1 00:00:01 +0100"),
        ("2023-12-31T23:00:01Z".into(), vec!["year_inferred"])
    );
    assert_eq!(c.years.rollovers, 1);
    // The offset is the stamp's: the clock's zone (Berlin) is not assumed.
    assert_eq!(c.zone_assumed, 0);

    let mut c = clock(Tz::UTC, 2016);
    let (raw, _) = parse("%b %e %H:%M:%S %z", "Dec 31 23:59:60 +0000");
    let (ns, flags) = c.resolve(raw).unwrap();
    assert_eq!(rfc3339(ns, 0), "2017-01-01T00:00:00Z");
    assert_eq!(flag_names(flags), vec!["year_inferred", "leap_second"]);
}

// ---------------------------------------------------------------------------------------
// Container-log prefixes
// ---------------------------------------------------------------------------------------

/// A CRI line carries the runtime's exact UTC stamp (nanoseconds, `Z`); the klog line
/// inside has a naive, yearless one. With `--tz` set for the host logs of the run, the
/// line must still land at the runtime's instant, not be read as Berlin wall time.
#[test]
fn cri_prefixed_klog_line_keeps_the_runtime_instant_under_tz() {
    // klog/mg-aws-kube-controller-manager-standby.log
    let line = "2021-08-03T09:30:17.926207010Z I0803 09:30:17.925218       1 feature_gate.go:244] feature gates: &{map[APIPriorityAndFairness:true]}";
    let runtime = DateTime::parse_from_rfc3339("2021-08-03T09:30:17.926207010Z")
        .unwrap()
        .timestamp_nanos_opt()
        .unwrap();
    let events = read_text(
        "kube-controller-manager.log",
        &format!("{line}\n"),
        with(Some("Europe/Berlin"), None),
    );
    let e = &events[0];
    assert!(
        (e.ts - runtime).abs() < NS,
        "at {} (flags {:?}), the runtime says {}",
        rfc3339(e.ts, e.ts_prec),
        flag_names(e.time),
        rfc3339(runtime, 9)
    );
    assert!(!e.time.contains(TimeFlags::ZONE_ASSUMED));
}

/// The same line without `--tz`: the klog stamp still lacks a year, so the runtime's
/// complete UTC stamp is the event's, to the nanosecond; the format is still klog's.
#[test]
fn cri_prefixed_klog_line_without_tz() {
    // klog/mg-aws-kube-controller-manager-standby.log
    let line = "2021-08-03T09:30:17.926207010Z I0803 09:30:17.925218       1 feature_gate.go:244] feature gates: &{map[APIPriorityAndFairness:true]}";
    let events = read_text("kube-controller-manager.log", &format!("{line}\n"), |_| {});
    let e = &events[0];
    assert_eq!(&*e.format, "klog");
    assert_eq!(rfc3339(e.ts, e.ts_prec), "2021-08-03T09:30:17.926207010Z");
    assert_eq!(e.ts_raw, "2021-08-03T09:30:17.926207010Z");
    assert!(!e.time.contains(TimeFlags::YEAR_INFERRED));
}
