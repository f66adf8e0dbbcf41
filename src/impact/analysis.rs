//! The window analysis: the front tier's buckets resampled to windows (polars
//! `group_by_dynamic`), a robust healthy baseline (medians), and the windows whose
//! signals breach it. Contiguous breaches that persist become incident spans.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use polars::prelude::*;
use serde::Serialize;

use super::buckets::{latency_of_bin, Buckets, LATENCY_BINS};
use crate::event::Nanos;
use crate::time::NANOS_PER_SEC;

/// Every threshold of incident finding; each has a command-line option.
#[derive(Clone, Debug)]
pub struct Thresholds {
    /// Window length in seconds; `None`: chosen so the span has at least ~60 windows.
    pub window_s: Option<i64>,
    /// Healthy period given by the user (`--baseline START..END`).
    pub baseline: Option<(Nanos, Nanos)>,
    /// A window breaches on errors above max(this, factor × baseline rate).
    pub error_rate_min: f64,
    pub error_rate_factor: f64,
    /// Windows with fewer requests cannot breach on their error rate.
    pub min_requests: u64,
    /// Traffic below this share of the baseline rate is cessation…
    pub cessation_ratio: f64,
    /// …if the baseline carried at least this many requests per window.
    pub volume_floor: f64,
    /// One server taking this share of a pool that had ≥ 2 active servers.
    pub imbalance_share: f64,
    /// p95 latency above max(min, factor × baseline p95).
    pub latency_factor: f64,
    pub latency_min_ms: f64,
    /// Anomalies must last this many windows…
    pub persist: usize,
    /// …and quiet stretches shorter than the hold time are bridged (seconds).
    pub hold_s: i64,
    /// Availability objective (e.g. 0.999) and its period (seconds), for budget burn.
    pub slo: Option<f64>,
    pub slo_period_s: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            window_s: None,
            baseline: None,
            error_rate_min: 0.05,
            error_rate_factor: 5.0,
            min_requests: 10,
            cessation_ratio: 0.10,
            volume_floor: 20.0,
            imbalance_share: 0.90,
            latency_factor: 5.0,
            latency_min_ms: 500.0,
            persist: 3,
            hold_s: 300,
            slo: None,
            slo_period_s: 30 * 86_400,
        }
    }
}

/// Which signal a window breached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowSignal {
    ErrorRate,
    Cessation,
    Imbalance,
    Latency,
}

/// One analysis window of the front tier.
#[derive(Clone, Debug, Serialize)]
pub struct Window {
    pub start_s: i64,
    pub requests: u64,
    pub failed: u64,
    pub lb_failed: u64,
    pub error_rate: f64,
    /// The largest share one server took of its pool (pools that had ≥ 2 servers).
    pub top_share: f64,
    pub top_server: Option<String>,
    pub p95_ms: Option<f64>,
    pub signals: Vec<WindowSignal>,
}

/// The healthy baseline the windows are judged against.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Baseline {
    pub from_s: i64,
    pub to_s: i64,
    pub windows: usize,
    pub given: bool,
    pub error_rate: f64,
    pub requests: f64,
    pub p95_ms: Option<f64>,
}

/// Windows that breached, contiguous after bridging, lasting long enough.
#[derive(Clone, Debug, Serialize)]
pub struct Span {
    pub first: usize,
    pub last: usize,
    pub signals: BTreeSet<WindowSignal>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Analysis {
    pub tier: Option<String>,
    pub window_s: i64,
    pub windows: Vec<Window>,
    pub baseline: Baseline,
    pub spans: Vec<Span>,
    /// What the analysis had to leave out or change to stay bounded, for the user.
    pub notes: Vec<String>,
}

/// Requests further than this from the rest of their tier's traffic are set aside: one
/// line stamped 1910 among a day of 2024 would stretch the windows over a century.
pub const MAX_GAP_S: i64 = 30 * 86_400;
/// The most windows an analysis uses; a longer span gets longer windows.
pub const MAX_WINDOWS: i64 = 200_000;

impl Analysis {
    pub fn window_start(&self, i: usize) -> Nanos {
        self.windows[i].start_s * NANOS_PER_SEC
    }
    pub fn window_end(&self, i: usize) -> Nanos {
        (self.windows[i].start_s + self.window_s) * NANOS_PER_SEC
    }
}

/// Per window index: pool → (server, requests).
type PoolCounts = HashMap<usize, BTreeMap<String, Vec<(String, u64)>>>;

/// Window lengths to choose from (seconds).
const WINDOWS: [i64; 8] = [1, 5, 10, 30, 60, 300, 900, 3600];

/// The largest standard window that still gives the span ≥ 60 windows.
pub fn auto_window(span_s: i64) -> i64 {
    WINDOWS
        .iter()
        .rev()
        .copied()
        .find(|w| span_s / w >= 60)
        .unwrap_or(1)
}

/// Analyses the front tier of `buckets`.
pub fn analyse(buckets: &Buckets, th: &Thresholds) -> PolarsResult<Analysis> {
    let Some(tier) = buckets.front_tier() else {
        return Ok(Analysis::default());
    };
    let mut rows: Vec<_> = buckets
        .map()
        .iter()
        .filter(|(k, _)| k.tier == tier)
        .collect();
    rows.sort_unstable_by_key(|(k, _)| (k.second, k.backend, k.server));
    let mut notes = Vec::new();
    // The tier's traffic as runs with no gap over MAX_GAP_S: the busiest is analysed.
    let (mut best, mut start, mut sum) = ((0, 0, 0u64), 0, 0u64);
    for i in 0..=rows.len() {
        let gap = i == rows.len() || (i > 0 && rows[i].0.second - rows[i - 1].0.second > MAX_GAP_S);
        if gap && i > start {
            if sum > best.2 || best.1 == best.0 {
                best = (start, i, sum);
            }
            start = i;
            sum = 0;
        }
        if i < rows.len() {
            sum += rows[i].1.requests as u64;
        }
    }
    if best.1 - best.0 < rows.len() {
        let total: u64 = rows.iter().map(|(_, b)| b.requests as u64).sum();
        notes.push(format!(
            "{} request(s) stamped more than {} days away from the rest of their traffic were set aside (not in the windows or figures)",
            total - best.2,
            MAX_GAP_S / 86_400
        ));
        rows = rows[best.0..best.1].to_vec();
    }
    let (Some(lo), Some(hi)) = (
        rows.first().map(|(k, _)| k.second),
        rows.last().map(|(k, _)| k.second),
    ) else {
        return Ok(Analysis::default());
    };
    let mut w = th
        .window_s
        .unwrap_or_else(|| auto_window(hi - lo + 1))
        .max(1);
    let fit = (hi - lo + MAX_WINDOWS) / MAX_WINDOWS; // ceil((hi - lo + 1) / MAX_WINDOWS)
    if w < fit {
        let longer = WINDOWS.iter().copied().find(|x| *x >= fit).unwrap_or(fit);
        notes.push(format!(
            "windows of {w} s would be more than {MAX_WINDOWS} over this span: {longer} s used"
        ));
        w = longer;
    }

    // The bucket table as a frame: one row per (second, pool, server).
    let df = DataFrame::new_infer_height(vec![
        Column::new(
            "sec".into(),
            rows.iter().map(|(k, _)| k.second).collect::<Vec<i64>>(),
        ),
        Column::new(
            "pool".into(),
            rows.iter()
                .map(|(k, _)| buckets.backends.name(k.backend))
                .collect::<Vec<&str>>(),
        ),
        Column::new(
            "server".into(),
            rows.iter()
                .map(|(k, _)| buckets.servers.name(k.server))
                .collect::<Vec<&str>>(),
        ),
        Column::new(
            "requests".into(),
            rows.iter()
                .map(|(_, b)| b.requests as u64)
                .collect::<Vec<u64>>(),
        ),
        Column::new(
            "failed".into(),
            rows.iter()
                .map(|(_, b)| b.failed as u64)
                .collect::<Vec<u64>>(),
        ),
        Column::new(
            "lb_failed".into(),
            rows.iter()
                .map(|(_, b)| b.lb_failed as u64)
                .collect::<Vec<u64>>(),
        ),
    ])?
    .lazy()
    .sort(["sec"], Default::default());

    let dynamic = |by: Vec<Expr>| {
        let opts = DynamicGroupOptions {
            every: Duration::new(w),
            period: Duration::new(w),
            offset: Duration::new(0),
            label: Label::Left,
            include_boundaries: false,
            closed_window: ClosedWindow::Left,
            start_by: StartBy::WindowBound,
            ..Default::default()
        };
        df.clone().group_by_dynamic(col("sec"), by, opts)
    };
    let totals = dynamic(vec![])
        .agg([
            col("requests").sum(),
            col("failed").sum(),
            col("lb_failed").sum(),
        ])
        .collect()?;
    let per_server = dynamic(vec![col("pool"), col("server")])
        .agg([col("requests").sum()])
        .collect()?;

    // Every window of the tier's coverage, empty ones included.
    let first = lo.div_euclid(w) * w;
    let count = ((hi - first) / w + 1) as usize;
    let mut windows: Vec<Window> = (0..count)
        .map(|i| Window {
            start_s: first + i as i64 * w,
            requests: 0,
            failed: 0,
            lb_failed: 0,
            error_rate: 0.0,
            top_share: 0.0,
            top_server: None,
            p95_ms: None,
            signals: Vec::new(),
        })
        .collect();
    let index = |start: i64| ((start - first) / w) as usize;
    {
        let starts = totals.column("sec")?.i64()?;
        let req = totals.column("requests")?.u64()?;
        let fail = totals.column("failed")?.u64()?;
        let lbf = totals.column("lb_failed")?.u64()?;
        for i in 0..totals.height() {
            let (Some(s), r, f, l) = (starts.get(i), req.get(i), fail.get(i), lbf.get(i)) else {
                continue;
            };
            let win = &mut windows[index(s)];
            win.requests = r.unwrap_or(0);
            win.failed = f.unwrap_or(0);
            win.lb_failed = l.unwrap_or(0);
            win.error_rate = if win.requests > 0 {
                win.failed as f64 / win.requests as f64
            } else {
                0.0
            };
        }
    }
    // Per-window server counts by pool.
    let mut pools: PoolCounts = HashMap::new();
    {
        let starts = per_server.column("sec")?.i64()?;
        let pool = per_server.column("pool")?.str()?;
        let server = per_server.column("server")?.str()?;
        let req = per_server.column("requests")?.u64()?;
        for i in 0..per_server.height() {
            let (Some(s), Some(p), Some(sv), Some(r)) =
                (starts.get(i), pool.get(i), server.get(i), req.get(i))
            else {
                continue;
            };
            pools
                .entry(index(s))
                .or_default()
                .entry(p.to_string())
                .or_default()
                .push((sv.to_string(), r));
        }
    }
    // p95 latency per window, from the buckets' histograms.
    let mut hist: HashMap<usize, [u64; LATENCY_BINS]> = HashMap::new();
    for (k, b) in &rows {
        if let Some(h) = &b.latency {
            let acc = hist
                .entry(index(k.second.div_euclid(w) * w))
                .or_insert([0; LATENCY_BINS]);
            for (a, x) in acc.iter_mut().zip(h.iter()) {
                *a += *x as u64;
            }
        }
    }
    for (i, h) in hist {
        windows[i].p95_ms = percentile(&h, 0.95);
    }

    let baseline = choose_baseline(&windows, &pools, w, th)?;
    let active = active_pools(&pools, &windows, &baseline);
    for (i, win) in windows.iter_mut().enumerate() {
        if let Some((share, server)) = top_share(pools.get(&i), &active, th.min_requests) {
            win.top_share = share;
            win.top_server = Some(server);
        }
        win.signals = signals(win, &baseline, th, !active.is_empty());
    }
    let spans = spans(&windows, w, th);
    Ok(Analysis {
        tier: Some(buckets.tiers.name(tier).to_string()),
        window_s: w,
        windows,
        baseline,
        spans,
        notes,
    })
}

/// The latency (ms) below which `q` of the histogram's requests fall.
pub fn percentile(h: &[u64; LATENCY_BINS], q: f64) -> Option<f64> {
    let total: u64 = h.iter().sum();
    if total == 0 {
        return None;
    }
    let want = (total as f64 * q).ceil() as u64;
    let mut seen = 0;
    for (bin, n) in h.iter().enumerate() {
        seen += n;
        if seen >= want {
            return Some(latency_of_bin(bin));
        }
    }
    Some(latency_of_bin(LATENCY_BINS - 1))
}

/// Medians of a set of windows, computed by polars.
fn medians(windows: &[&Window]) -> PolarsResult<(f64, f64, Option<f64>)> {
    let df = DataFrame::new_infer_height(vec![
        Column::new(
            "error_rate".into(),
            windows.iter().map(|w| w.error_rate).collect::<Vec<f64>>(),
        ),
        Column::new(
            "requests".into(),
            windows
                .iter()
                .map(|w| w.requests as f64)
                .collect::<Vec<f64>>(),
        ),
        Column::new(
            "p95".into(),
            windows
                .iter()
                .map(|w| w.p95_ms)
                .collect::<Vec<Option<f64>>>(),
        ),
    ])?
    .lazy()
    .select([
        col("error_rate").median(),
        col("requests").median(),
        col("p95").median(),
    ])
    .collect()?;
    let get = |c: &str| -> PolarsResult<Option<f64>> { Ok(df.column(c)?.f64()?.get(0)) };
    Ok((
        get("error_rate")?.unwrap_or(0.0),
        get("requests")?.unwrap_or(0.0),
        get("p95")?,
    ))
}

/// `--baseline`, else the windows before the first breach (judged against the median of
/// all windows), else all windows. Medians, never means.
fn choose_baseline(
    windows: &[Window],
    pools: &PoolCounts,
    w: i64,
    th: &Thresholds,
) -> PolarsResult<Baseline> {
    let make = |sel: Vec<&Window>, given: bool| -> PolarsResult<Baseline> {
        let (error_rate, requests, p95_ms) = medians(&sel)?;
        Ok(Baseline {
            from_s: sel.first().map_or(0, |w| w.start_s),
            to_s: sel.last().map_or(0, |x| x.start_s + w),
            windows: sel.len(),
            given,
            error_rate,
            requests,
            p95_ms,
        })
    };
    if let Some((from, to)) = th.baseline {
        let sel: Vec<&Window> = windows
            .iter()
            .filter(|x| x.start_s * NANOS_PER_SEC >= from && (x.start_s + w) * NANOS_PER_SEC <= to)
            .collect();
        if !sel.is_empty() {
            return make(sel, true);
        }
    }
    // Judge the first breach against the windows that carried traffic: when the silence
    // is most of the span, the median of all windows would be zero.
    let busy: Vec<&Window> = windows.iter().filter(|x| x.requests > 0).collect();
    let all = if busy.is_empty() {
        make(windows.iter().collect(), false)?
    } else {
        make(busy, false)?
    };
    let active = active_pools(pools, windows, &all);
    let first_breach = windows.iter().enumerate().position(|(i, x)| {
        let mut x = x.clone();
        if let Some((share, _)) = top_share(pools.get(&i), &active, th.min_requests) {
            x.top_share = share;
        }
        !signals(&x, &all, th, !active.is_empty()).is_empty()
    });
    match first_breach {
        Some(i) if i >= th.persist.max(3) => make(windows[..i].iter().collect(), false),
        _ => Ok(all),
    }
}

/// Pools that had ≥ 2 servers each carrying ≥ 5% of the pool in the baseline.
fn active_pools(pools: &PoolCounts, windows: &[Window], b: &Baseline) -> BTreeSet<String> {
    let mut per_pool: BTreeMap<&str, BTreeMap<&str, u64>> = BTreeMap::new();
    for (i, win) in windows.iter().enumerate() {
        if win.start_s < b.from_s || win.start_s >= b.to_s {
            continue;
        }
        for (pool, servers) in pools.get(&i).into_iter().flatten() {
            for (s, n) in servers {
                *per_pool.entry(pool).or_default().entry(s).or_default() += n;
            }
        }
    }
    per_pool
        .into_iter()
        .filter(|(_, servers)| {
            let total: u64 = servers.values().sum();
            servers
                .values()
                .filter(|n| **n as f64 >= 0.05 * total as f64)
                .count()
                >= 2
        })
        .map(|(p, _)| p.to_string())
        .collect()
}

/// The largest share a single server took of an active pool in one window.
fn top_share(
    pools: Option<&BTreeMap<String, Vec<(String, u64)>>>,
    active: &BTreeSet<String>,
    min_requests: u64,
) -> Option<(f64, String)> {
    let mut best: Option<(f64, String)> = None;
    for (pool, servers) in pools? {
        if !active.contains(pool) {
            continue;
        }
        let total: u64 = servers.iter().map(|(_, n)| n).sum();
        if total < min_requests {
            continue;
        }
        if let Some((s, n)) = servers.iter().max_by_key(|(_, n)| *n) {
            let share = *n as f64 / total as f64;
            if best.as_ref().is_none_or(|(b, _)| share > *b) {
                best = Some((share, format!("{pool}/{s}")));
            }
        }
    }
    best
}

fn signals(win: &Window, b: &Baseline, th: &Thresholds, has_pools: bool) -> Vec<WindowSignal> {
    let mut out = Vec::new();
    let error_threshold = th.error_rate_min.max(th.error_rate_factor * b.error_rate);
    if win.requests >= th.min_requests && win.error_rate > error_threshold {
        out.push(WindowSignal::ErrorRate);
    }
    if b.requests >= th.volume_floor && (win.requests as f64) < th.cessation_ratio * b.requests {
        out.push(WindowSignal::Cessation);
    }
    if has_pools && win.top_share >= th.imbalance_share {
        out.push(WindowSignal::Imbalance);
    }
    if let (Some(p95), Some(base)) = (win.p95_ms, b.p95_ms) {
        if win.requests >= th.min_requests && p95 > th.latency_min_ms.max(th.latency_factor * base)
        {
            out.push(WindowSignal::Latency);
        }
    }
    out
}

/// Breaching windows → spans: quiet stretches shorter than the hold time are bridged;
/// a span must cover at least `persist` windows.
fn spans(windows: &[Window], w: i64, th: &Thresholds) -> Vec<Span> {
    let bridge = (th.hold_s / w).max(0) as usize;
    let mut out: Vec<Span> = Vec::new();
    let mut cur: Option<Span> = None;
    let mut quiet = 0usize;
    for (i, win) in windows.iter().enumerate() {
        if win.signals.is_empty() {
            quiet += 1;
            if quiet > bridge {
                if let Some(s) = cur.take() {
                    if s.last + 1 - s.first >= th.persist {
                        out.push(s);
                    }
                }
            }
            continue;
        }
        quiet = 0;
        match cur.as_mut() {
            Some(s) => {
                s.last = i;
                s.signals.extend(win.signals.iter().copied());
            }
            None => {
                cur = Some(Span {
                    first: i,
                    last: i,
                    signals: win.signals.iter().copied().collect(),
                })
            }
        }
    }
    if let Some(s) = cur {
        if s.last + 1 - s.first >= th.persist {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Request;

    fn add(b: &mut Buckets, sec: i64, server: &str, status: u16, n: usize) {
        for k in 0..n {
            let r = Request {
                status: Some(status),
                backend: Some("be".into()),
                server: Some(server.into()),
                client: Some(format!("10.0.0.{}", k % 50)),
                failed: status >= 500,
                ..Request::default()
            };
            b.add("haproxy_http", sec * NANOS_PER_SEC + k as i64, &r.as_ref());
        }
        b.settle();
    }

    #[test]
    fn picks_the_window_for_60_windows() {
        assert_eq!(auto_window(59), 1);
        assert_eq!(auto_window(3600), 60);
        assert_eq!(auto_window(6 * 3600), 300);
    }

    #[test]
    fn an_error_storm_becomes_one_span_with_the_signal_named() {
        let mut b = Buckets::default();
        for s in 0..600 {
            let bad = (300..420).contains(&s);
            add(&mut b, s, "a", if bad { 503 } else { 200 }, 5);
            add(&mut b, s, "b", 200, 5);
        }
        let a = analyse(
            &b,
            &Thresholds {
                window_s: Some(10),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(a.window_s, 10);
        assert_eq!(a.spans.len(), 1, "{:?}", a.spans);
        let s = &a.spans[0];
        assert_eq!(a.windows[s.first].start_s, 300);
        assert_eq!(a.windows[s.last].start_s, 410);
        assert!(s.signals.contains(&WindowSignal::ErrorRate));
        assert_eq!(a.baseline.error_rate, 0.0);
    }

    #[test]
    fn traffic_that_stops_is_cessation_and_imbalance_is_seen() {
        let mut b = Buckets::default();
        // silence at 200..400, healthy again, then one server takes the pool at 1000..1300
        // (further apart than the 5-minute hold, so two spans)
        for s in 0..1000 {
            if !(200..400).contains(&s) {
                add(&mut b, s, "a", 200, 3);
                add(&mut b, s, "b", 200, 3);
            }
        }
        for s in 1000..1300 {
            add(&mut b, s, "a", 200, 6);
        }
        let a = analyse(
            &b,
            &Thresholds {
                window_s: Some(10),
                ..Default::default()
            },
        )
        .unwrap();
        let sig: Vec<_> = a.spans.iter().map(|s| s.signals.clone()).collect();
        assert_eq!(a.spans.len(), 2, "{sig:?}");
        assert!(sig[0].contains(&WindowSignal::Cessation));
        assert!(sig[1].contains(&WindowSignal::Imbalance));
    }

    #[test]
    fn a_healthy_log_has_no_span() {
        let mut b = Buckets::default();
        for s in 0..3600 {
            add(
                &mut b,
                s,
                if s % 2 == 0 { "a" } else { "b" },
                if s % 97 == 0 { 500 } else { 200 },
                4,
            );
        }
        let a = analyse(&b, &Thresholds::default()).unwrap();
        assert!(a.spans.is_empty(), "{:?}", a.spans);
    }
}
