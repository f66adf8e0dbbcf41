//! Inputs shared by the benchmarks: deterministic, realistic access-log lines.

#![allow(dead_code)]

use coroner::format::{Detection, LineParser, Registry};
use coroner::time::{ClockSettings, SourceClock, YearSource};
use std::sync::Arc;

/// `n` HAProxy HTTP lines in time order (1,000 requests a second over 6 servers and
/// 5,000 clients, 2% of them 503s), as the sample generator writes them.
pub fn haproxy_lines(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let s = i / 1000;
            let (h, m, sec) = (22 + s / 3600 % 2, s / 60 % 60, s % 60);
            let ms = i % 1000;
            let status = if i % 50 == 0 { 503 } else { 200 };
            format!(
                "10.{}.{}.{}:{} [04/Apr/2024:{h:02}:{m:02}:{sec:02}.{ms:03}] www~ app/web{} 0/0/1/{}/{} {status} {} - - ---- 120/120/12/3/0 0/0 \"GET /api/v1/items/{}?page={} HTTP/1.1\"",
                i % 5000 / 250,
                i % 250,
                (i * 7) % 200 + 1,
                30000 + i % 30000,
                i % 6 + 1,
                i % 40,
                i % 40 + 2,
                512 + i % 4096,
                i % 977,
                i % 9,
            )
        })
        .collect()
}

/// `n` nginx combined lines.
pub fn nginx_lines(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let s = i / 1000;
            format!(
                "10.{}.{}.{} - - [04/Apr/2024:22:{:02}:{:02} +0000] \"GET /api/v1/items/{} HTTP/1.1\" {} {} \"-\" \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\"",
                i % 5000 / 250,
                i % 250,
                (i * 7) % 200 + 1,
                s / 60 % 60,
                s % 60,
                i % 977,
                if i % 50 == 0 { 502 } else { 200 },
                512 + i % 4096,
            )
        })
        .collect()
}

pub fn registry() -> Arc<Registry> {
    Arc::new(Registry::builtin().expect("built-in definitions"))
}

/// A parser forced to one format, as `--log-format` makes it.
pub fn parser(reg: &Arc<Registry>, id: &str) -> LineParser {
    let d = Detection {
        looked_at: 0,
        scores: Vec::new(),
        forced: reg.index_of(id),
    };
    LineParser::new(reg.clone(), &d)
}

pub fn clock() -> SourceClock {
    SourceClock::new(ClockSettings {
        zone: None,
        year: YearSource::Flag(2024),
        skew: 0,
    })
}
