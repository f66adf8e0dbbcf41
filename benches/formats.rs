//! Parse throughput per format (issue #3): each definition's own sample lines (real
//! lines from the corpus or the format's documentation), parsed and built into events
//! as `coroner events` does; for the access-log formats also the lean lane and the lean path of
//! `coroner timeline` (roles only), on generated lines.
//!
//! `cargo bench --bench formats` prints lines/s (criterion's "thrpt", elements); the
//! mean line length is printed first so MB/s follows.

mod common;

use std::sync::Arc;

use coroner::format::fast::{Memo, Span, MAX_FIELDS};
use coroner::format::{Header, LineAt, LineView};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

/// Lines per iteration: the samples repeated to about this many.
const BATCH: usize = 2000;

fn per_format(c: &mut Criterion) {
    let reg = common::registry();
    let source: Arc<str> = Arc::from("bench");
    let mut g = c.benchmark_group("parse+build");
    g.sample_size(10)
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_millis(800));
    for f in reg.formats() {
        if f.is_envelope() {
            continue;
        }
        let samples = &f.def.samples;
        let mut header = Header::default();
        for s in samples {
            for h in &s.header {
                header.apply(h);
            }
        }
        let lines: Vec<&str> = samples
            .iter()
            .map(|s| s.line.as_str())
            .cycle()
            .take(BATCH.max(samples.len()))
            .collect();
        let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
        eprintln!(
            "{:<22} {:>5.0} bytes/line",
            f.id,
            bytes as f64 / lines.len() as f64
        );
        g.throughput(Throughput::Elements(lines.len() as u64));
        let mut parser = common::parser(&reg, &f.id);
        let mut clock = common::clock();
        g.bench_function(&*f.id, |b| {
            b.iter(|| {
                let mut n = 0usize;
                for (i, l) in lines.iter().enumerate() {
                    let view = LineView::with_header(l, &header);
                    if let Ok((fi, m)) = parser.parse(&view) {
                        let at = LineAt {
                            source_id: 0,
                            source: &source,
                            line: i as u64,
                        };
                        if let Ok(b) = reg.formats()[fi].build(m, l, &mut clock, &at, false) {
                            n += b.event.message.len();
                        }
                    }
                }
                black_box(n)
            })
        });
    }
    g.finish();
}

/// The access-log formats on the path `timeline` takes: match, time, request roles.
fn lean(c: &mut Criterion) {
    let reg = common::registry();
    let mut g = c.benchmark_group("lean request");
    g.sample_size(10)
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1));
    // ALB: no generator; the definition's own (real, documented) request lines repeated.
    let alb: Vec<String> = reg
        .get("aws_alb")
        .expect("aws_alb")
        .def
        .samples
        .iter()
        .filter(|s| s.kind == coroner::event::KIND_REQUEST)
        .map(|s| s.line.clone())
        .cycle()
        .take(20_000)
        .collect();
    let inputs = [
        ("haproxy_http", common::haproxy_lines(20_000), "generated"),
        ("nginx_access", common::nginx_lines(20_000), "generated"),
        // The same combined lines, as Apache's definition reads them.
        ("apache_access", common::nginx_lines(20_000), "generated"),
        ("aws_alb", alb, "samples"),
    ];
    for (id, lines, from) in &inputs {
        let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
        eprintln!(
            "{id:<22} {:>5.0} bytes/line ({from})",
            bytes as f64 / lines.len() as f64
        );
        g.throughput(Throughput::Elements(lines.len() as u64));
        // What `timeline` does: the lean lane, from the tokenizer's spans.
        let format = reg.get(id).expect("a built-in");
        let mut spans = [Span::NONE; MAX_FIELDS];
        let mut memo = Memo::default();
        let mut clock = common::clock();
        g.bench_function(format!("{id} lane"), |b| {
            b.iter(|| {
                let mut failed = 0usize;
                for l in lines {
                    let (_, _, r) = format
                        .lean_fast(l, &mut spans, &mut memo, &mut clock)
                        .expect("the lane takes it")
                        .expect("a time");
                    failed += r.failed as usize;
                }
                black_box(failed)
            })
        });
        // The general path: a match, then its request.
        let mut parser = common::parser(&reg, id);
        let mut clock = common::clock();
        g.bench_function(*id, |b| {
            b.iter(|| {
                let mut failed = 0usize;
                for l in lines {
                    let view = LineView::new(l);
                    let (fi, m) = parser.parse(&view).expect("parses");
                    let r = reg.formats()[fi]
                        .lean_request(&m, &mut clock)
                        .expect("a request")
                        .expect("a time");
                    failed += r.2.failed as usize;
                }
                black_box(failed)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, lean, per_format);
criterion_main!(benches);
