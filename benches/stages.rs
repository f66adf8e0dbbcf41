//! One benchmark per pipeline stage (issue #8): decode, split, parse, time
//! normalization, writing events as NDJSON, merge of k sources, bucket folding, analysis. Inputs are generated
//! HAProxy lines (`common.rs`); throughputs are in bytes of plain text or in items.
//!
//! `cargo bench --bench stages`

mod common;

use std::io::{Cursor, Read, Write};
use std::sync::Arc;

use coroner::event::{Event, Request, Severity, TimeFlags};
use coroner::format::{LineAt, LineView};
use coroner::impact::{analyse, Buckets, Thresholds};
use coroner::input::LineReader;
use coroner::merge::kway;
use coroner::render::ndjson::EventWriter;
use coroner::time::TsFormat;
use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn text(n: usize) -> Vec<u8> {
    let mut t = common::haproxy_lines(n).join("\n");
    t.push('\n');
    t.into_bytes()
}

fn quick<'c>(
    c: &'c mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'c, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1));
    g
}

fn decode_and_split(c: &mut Criterion) {
    let plain = text(100_000);
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    e.write_all(&plain).unwrap();
    let gz = e.finish().unwrap();
    let mut g = quick(c, "stage");
    g.throughput(Throughput::Bytes(plain.len() as u64));
    g.bench_function("decode gzip (flate2, zlib-rs)", |b| {
        let mut buf = vec![0u8; 256 << 10];
        b.iter(|| {
            let mut d = flate2::read::MultiGzDecoder::new(&gz[..]);
            let mut n = 0;
            loop {
                let k = d.read(&mut buf).unwrap();
                if k == 0 {
                    break;
                }
                n += k;
            }
            black_box(n)
        })
    });
    g.bench_function("decode gzip + split lines", |b| {
        b.iter(|| {
            let d = flate2::read::MultiGzDecoder::new(&gz[..]);
            let mut r = LineReader::new(d, 1 << 20);
            let mut n = 0usize;
            while let Some(l) = r.next_line().unwrap() {
                n += l.bytes.len();
            }
            black_box(n)
        })
    });
    g.bench_function("split lines (plain)", |b| {
        b.iter(|| {
            let mut r = LineReader::new(Cursor::new(&plain[..]), 1 << 20);
            let mut n = 0usize;
            while let Some(l) = r.next_line().unwrap() {
                n += l.bytes.len();
            }
            black_box(n)
        })
    });
    g.finish();
}

fn parse_and_time(c: &mut Criterion) {
    let reg = common::registry();
    let lines = common::haproxy_lines(20_000);
    let mut g = quick(c, "stage");
    g.throughput(Throughput::Elements(lines.len() as u64));
    let mut parser = common::parser(&reg, "haproxy_http");
    g.bench_function("match haproxy line (tokenizer)", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for l in &lines {
                let view = LineView::new(l);
                n += parser.parse(&view).map(|(_, m)| m.strength()).unwrap_or(0);
            }
            black_box(n)
        })
    });
    let stamps: Vec<&str> = lines
        .iter()
        .map(|l| &l[l.find('[').unwrap() + 1..l.find(']').unwrap()])
        .collect();
    let fmt = TsFormat::from_spec("%d/%b/%Y:%H:%M:%S%.f").unwrap();
    let mut clock = common::clock();
    g.bench_function("time: parse + normalize (haproxy stamp)", |b| {
        b.iter(|| {
            let mut sum = 0i64;
            for s in &stamps {
                let (raw, _) = fmt.parse(s).unwrap();
                sum = sum.wrapping_add(clock.resolve(raw).unwrap().0);
            }
            black_box(sum)
        })
    });
    g.finish();
}

/// `events`' last stage: HAProxy events written as NDJSON, by hand (what `events`
/// does) beside serde_json's writer (the same bytes, checked by a property test).
fn write_events(c: &mut Criterion) {
    let reg = common::registry();
    let lines = common::haproxy_lines(5_000);
    let mut parser = common::parser(&reg, "haproxy_http");
    let mut clock = common::clock();
    let source: Arc<str> = Arc::from("lb1.log");
    let events: Vec<Event> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let view = LineView::new(l);
            let (fi, m) = parser.parse(&view).ok()?;
            let at = LineAt {
                source_id: 0,
                source: &source,
                line: i as u64 + 1,
            };
            Some(
                reg.formats()[fi]
                    .build(m, l, &mut clock, &at, false)
                    .ok()?
                    .event,
            )
        })
        .collect();
    let mut g = quick(c, "stage");
    g.throughput(Throughput::Elements(events.len() as u64));
    let mut writer = EventWriter::default();
    let mut out = Vec::new();
    g.bench_function("write events as NDJSON (by hand)", |b| {
        b.iter(|| {
            out.clear();
            for ev in &events {
                writer.write(&mut out, ev);
                out.push(b'\n');
            }
            black_box(out.len())
        })
    });
    g.bench_function("write events as NDJSON (serde_json)", |b| {
        b.iter(|| {
            out.clear();
            for ev in &events {
                coroner::render::json::write_line(&mut out, ev).unwrap();
                out.push(b'\n');
            }
            black_box(out.len())
        })
    });
    g.finish();
}

fn event(ts: i64, source: &Arc<str>, format: &Arc<str>, kind: &Arc<str>, line: u64) -> Event {
    Event {
        ts,
        ts_prec: 3,
        ts_raw: String::new(),
        time: TimeFlags::default(),
        source_id: 0,
        source: source.clone(),
        line,
        format: format.clone(),
        host: None,
        component: None,
        kind: kind.clone(),
        severity: Severity::Info,
        message: String::new(),
        raw: None,
        request: None,
        fields: Default::default(),
    }
}

fn merge(c: &mut Criterion) {
    let (source, format, kind): (Arc<str>, Arc<str>, Arc<str>) =
        (Arc::from("s"), Arc::from("f"), Arc::from("log"));
    const TOTAL: usize = 100_000;
    let mut g = quick(c, "merge");
    g.throughput(Throughput::Elements(TOTAL as u64));
    for k in [2usize, 8, 32] {
        g.bench_with_input(BenchmarkId::new("k sources", k), &k, |b, &k| {
            b.iter_batched(
                || {
                    (0..k)
                        .map(|s| {
                            let evs: Vec<Event> = (0..TOTAL / k)
                                .map(|i| {
                                    let ts = (i * k + s) as i64 * 1_000_000 + (s as i64 % 3);
                                    event(ts, &source, &format, &kind, i as u64)
                                })
                                .collect();
                            evs.chunks(512).map(|c| c.to_vec()).collect::<Vec<_>>()
                        })
                        .map(|batches| batches.into_iter())
                        .collect::<Vec<_>>()
                },
                |mut streams| {
                    let mut n = 0usize;
                    kway::<_, ()>(
                        streams.len(),
                        |i| streams[i].next().map(Vec::into_iter),
                        |_| {
                            n += 1;
                            Ok(())
                        },
                    )
                    .unwrap();
                    black_box(n)
                },
                criterion::BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

fn buckets_and_analysis(c: &mut Criterion) {
    let reg = common::registry();
    let lines = common::haproxy_lines(100_000);
    let mut parser = common::parser(&reg, "haproxy_http");
    let mut clock = common::clock();
    let f = &reg.formats()[reg.index_of("haproxy_http").unwrap()];
    let reqs: Vec<(i64, Request)> = lines
        .iter()
        .map(|l| {
            let view = LineView::new(l);
            let (_, m) = parser.parse(&view).unwrap();
            let (ts, _, r) = f.lean_request(&m, &mut clock).unwrap().unwrap();
            (ts, r.into_owned())
        })
        .collect();
    let mut g = quick(c, "stage");
    g.throughput(Throughput::Elements(reqs.len() as u64));
    g.bench_function("fold requests into buckets", |b| {
        b.iter(|| {
            let mut bk = Buckets::default();
            for (ts, r) in &reqs {
                bk.add("haproxy_http", *ts, &r.as_ref());
            }
            bk.settle();
            black_box(bk.map().len())
        })
    });
    g.finish();
    // A day of one LB tier: 86,400 s × 6 servers, about 10 requests a second each.
    let mut day = Buckets::default();
    for s in 0..86_400i64 {
        for k in 0..6usize {
            let (_, r) = &reqs[(s as usize * 6 + k) % reqs.len()];
            for j in 0..10 {
                day.add(
                    "haproxy_http",
                    s * 1_000_000_000 + j * 1_000_000,
                    &r.as_ref(),
                );
            }
        }
    }
    day.settle();
    let mut g = quick(c, "stage");
    g.throughput(Throughput::Elements(day.map().len() as u64));
    g.bench_function("analysis (a day of buckets, 6 servers)", |b| {
        b.iter(|| black_box(analyse(&day, &Thresholds::default()).unwrap().windows.len()))
    });
    g.finish();
}

criterion_group!(
    benches,
    decode_and_split,
    parse_and_time,
    write_events,
    merge,
    buckets_and_analysis
);
criterion_main!(benches);
