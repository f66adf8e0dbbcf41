//! Clock skew between two sources that saw the same traffic.
//!
//! A load balancer's log and a backend's access log record the same requests on two
//! clocks. Pairing the records of the same request and looking at the differences of
//! their stamps estimates how far one clock is from the other.
//!
//! Consumes two samples of [`Observation`]s (one per source): a request's instant on that
//! source's clock and a key that names the request on both sides ([`request_key`]: a hash
//! of its request id when the sources log one, else of its client, path and status).
//! Produces a [`SkewEstimate`]: the offset `b − a` (add `−offset` to `b`'s instants to put
//! them on `a`'s clock, e.g. `--skew 'b-glob=-offset'`), the number of pairs it rests on,
//! and their spread. Pure: no I/O, no clock, deterministic for a given input (the order of
//! the observations does not matter).
//!
//! # How ([`estimate`])
//!
//! 1. **Vote.** For every observation of `a`, every observation of `b` with the same key
//!    within `±max_offset` is a candidate pair and votes for its difference `tb − ta`,
//!    with weight `1/m` where `m` is the number of candidates of that observation (so a key
//!    that repeats — the same client fetching the same path every second — cannot
//!    outvote keys that are unique). Observations with more than [`MAX_CANDIDATES`]
//!    candidates say nothing and do not vote. The densest [`VOTE_WIDTH`] window of the
//!    votes is the coarse offset; it must hold at least twice the weight of any window
//!    away from it, else the traffic is ambiguous (periodic keys only, or nothing shared)
//!    and there is no estimate.
//! 2. **Match.** Per key, pairs are taken greedily by their nearness to the coarse offset
//!    (each observation used at most once, raw differences within `±max_offset`): the
//!    nearest-in-time pairing once `b` is shifted back by the coarse offset. Pairing by raw
//!    nearest time instead would pair a request with the previous one of the same key
//!    whenever the key repeats faster than the skew.
//! 3. **Refine.** The median of the matched differences, then a trimmed set: the pairs
//!    within `3 × 1.4826 × MAD` of the median (at least ±1 ms), whose mean is the offset.
//!    `pairs` counts that trimmed set; `spread` is the MAD (median absolute deviation,
//!    unscaled) of its differences around the offset: half the pairs lie within
//!    `offset ± spread`. Fewer than [`MIN_PAIRS`] pairs: no estimate. A spread wider than
//!    [`MAX_SPREAD`] (plus a quarter of the quanta, below) is no estimate either: the
//!    delay between the two records of a request varies too much (a backend that stamps
//!    the end of requests that take seconds) for a clock offset to be told from it.
//!
//! # Coarse stamps
//!
//! A source that stamps whole seconds (nginx's `$time_local`, CLF) truncates: its stamp is
//! on average half a second before the true time, and the differences of its pairs spread
//! over a second. [`estimate_quantized`] takes each side's quantum (the unit of its
//! stamps, [`Sampler::quantum`]): the votes are counted in windows at least as wide as
//! both quanta together, and the offset is corrected by half the difference of the quanta.
//! The spread then includes the quantization (about a quarter of the coarser quantum).
//!
//! What is estimated is the difference between what the two sources stamp for the same
//! request: with an LB that stamps the accept time and a backend that stamps the end of
//! the request, the backend's typical latency is part of it (and of the spread). One
//! constant offset per pair of sources; drift over the sample is not modelled.
//!
//! # Memory
//!
//! The estimator holds its two inputs and, per key, the instants of `b` (and of `a`) —
//! linear in the samples. Callers keep the samples bounded with a [`Sampler`] per source
//! (at most `cap` observations, [`DEFAULT_SAMPLE`] suggested): it keeps a request according
//! to a hash of its key, so both sources keep the same keys and the pairs survive the
//! sampling; [`estimate_sampled`] compares two samplers at a common level.

use std::collections::HashMap;

use super::NANOS_PER_SEC;
use crate::event::{Nanos, RequestRef};

/// A request as seen by one source: its instant on that source's clock and its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Observation {
    pub ts: Nanos,
    pub key: u64,
}

/// The estimated offset between two sources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SkewEstimate {
    /// `b − a`: how far `b`'s clock reads ahead of `a`'s (negative: behind).
    pub offset: Nanos,
    /// Matched pairs the offset rests on (after trimming outliers).
    pub pairs: usize,
    /// MAD, unscaled: the median of `|(tb − ta) − offset|` over those pairs.
    pub spread: Nanos,
}

/// A wider spread than this (plus a quarter of the quanta): no estimate.
pub const MAX_SPREAD: Nanos = 250_000_000;
/// Fewer matched pairs than this: no estimate.
pub const MIN_PAIRS: usize = 10;
/// A suggested `max_offset`: hosts without NTP drift by seconds, rarely by more.
pub const DEFAULT_MAX_OFFSET: Nanos = 30 * NANOS_PER_SEC;
/// A suggested [`Sampler`] capacity (16 bytes an observation).
pub const DEFAULT_SAMPLE: usize = 20_000;
/// Width of the window in which candidate differences are counted (step 1), at least.
pub const VOTE_WIDTH: Nanos = 100_000_000;
/// An observation with more candidates than this within `±max_offset` does not vote,
/// and is matched only among its nearest this many candidates.
pub const MAX_CANDIDATES: usize = 16;
/// The trimmed set never narrows below `median ± MIN_TRIM`.
const MIN_TRIM: Nanos = 1_000_000;

/// The key that names a request on both sides: its request id when there is one (`-` and
/// empty count as none), else its client, path and status together (`None` when one of
/// them is missing). Id keys and tuple keys never collide with each other.
///
/// Use ids only when both sources log them: a request keyed by id on one side and by
/// (client, path, status) on the other matches nothing. The hash is a fixed 64-bit mix over
/// tagged, length-prefixed fields: stable across runs, platforms and Rust releases.
pub fn request_key(r: &RequestRef<'_>, request_id: Option<&str>) -> Option<u64> {
    if let Some(id) = request_id
        .map(str::trim)
        .filter(|id| !id.is_empty() && *id != "-")
    {
        return Some(Key::new().byte(b'i').field(id.as_bytes()).finish());
    }
    let client = r.client.as_deref()?;
    let path = r.path.as_deref()?;
    let status = r.status?;
    Some(
        Key::new()
            .byte(b'r')
            .field(client.as_bytes())
            .field(path.as_bytes())
            .field(&status.to_le_bytes())
            .finish(),
    )
}

/// A stable 64-bit hash read eight bytes at a time (little-endian words, each mixed in
/// by a multiply and a shift; SplitMix64's finalizer at the end). Not a per-process
/// hasher: the same fields give the same key on every run and platform.
struct Key(u64);

impl Key {
    fn new() -> Self {
        Key(0xcbf2_9ce4_8422_2325)
    }
    fn word(mut self, w: u64) -> Self {
        self.0 = (self.0 ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 ^= self.0 >> 29;
        self
    }
    fn byte(self, b: u8) -> Self {
        self.word(b as u64)
    }
    /// A field, prefixed by its length so that `("ab","c")` and `("a","bc")` differ.
    fn field(mut self, bytes: &[u8]) -> Self {
        self = self.word(bytes.len() as u64);
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self = self.word(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            self = self.word(crate::word_le(rest));
        }
        self
    }
    fn finish(self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Instants per key, sorted.
fn by_key(obs: &[Observation]) -> HashMap<u64, Vec<Nanos>> {
    let mut m: HashMap<u64, Vec<Nanos>> = HashMap::new();
    for o in obs {
        m.entry(o.key).or_default().push(o.ts);
    }
    for v in m.values_mut() {
        v.sort_unstable();
    }
    m
}

/// The index range of `sorted` within `[lo, hi]`.
fn within(sorted: &[Nanos], lo: Nanos, hi: Nanos) -> std::ops::Range<usize> {
    sorted.partition_point(|t| *t < lo)..sorted.partition_point(|t| *t <= hi)
}

/// Estimates the offset `b − a` between two sources from their observations of the same
/// requests (see the module documentation for the method). `max_offset` bounds the
/// offset looked for (and the time apart two records of one request may be); `None` when
/// there are fewer than [`MIN_PAIRS`] pairs or the pairing is ambiguous.
pub fn estimate(a: &[Observation], b: &[Observation], max_offset: Nanos) -> Option<SkewEstimate> {
    estimate_quantized(a, 0, b, 0, max_offset)
}

/// [`estimate`] for stamps truncated to a quantum (`qa`, `qb`: 1 s for whole seconds,
/// 1 ms for milliseconds, 0 for exact; see "Coarse stamps" above).
pub fn estimate_quantized(
    a: &[Observation],
    qa: Nanos,
    b: &[Observation],
    qb: Nanos,
    max_offset: Nanos,
) -> Option<SkewEstimate> {
    if max_offset <= 0 || qa < 0 || qb < 0 {
        return None;
    }
    let ak = by_key(a);
    let bk = by_key(b);
    let width = VOTE_WIDTH.max(qa.saturating_add(qb));
    let coarse = vote(&ak, &bk, max_offset, width)?;
    let mut diffs = match_pairs(&ak, &bk, coarse, max_offset);
    let e = refine(&mut diffs)?;
    if e.spread > MAX_SPREAD + (qa.saturating_add(qb)) / 4 {
        return None;
    }
    // Truncation puts each stamp half a quantum early on average.
    Some(SkewEstimate {
        offset: e.offset + (qb - qa) / 2,
        ..e
    })
}

/// Step 1: the densest window of weighted candidate differences.
fn vote(
    ak: &HashMap<u64, Vec<Nanos>>,
    bk: &HashMap<u64, Vec<Nanos>>,
    max_offset: Nanos,
    width: Nanos,
) -> Option<Nanos> {
    let mut votes: Vec<(Nanos, f64)> = Vec::new();
    for (key, ta) in ak {
        let Some(tb) = bk.get(key) else { continue };
        for &t in ta {
            let r = within(
                tb,
                t.saturating_sub(max_offset),
                t.saturating_add(max_offset),
            );
            let m = r.len();
            if m == 0 || m > MAX_CANDIDATES {
                continue;
            }
            let w = 1.0 / m as f64;
            votes.extend(tb[r].iter().map(|&u| (u - t, w)));
        }
    }
    if votes.is_empty() {
        return None;
    }
    // Sorted by difference, then weight: a total order, so the result does not depend on
    // the (hash map) order the votes were collected in.
    votes.sort_unstable_by(|x, y| x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)));
    let windows = window_weights(&votes, width);
    let (best_start, best_weight) = windows
        .iter()
        .enumerate()
        .max_by(|x, y| x.1 .0.total_cmp(&y.1 .0).then(y.0.cmp(&x.0)))
        .map(|(i, w)| (i, w.0))?;
    let best_end = windows[best_start].1;
    let lo = votes[best_start].0;
    // The strongest window clear of the best one (by a window's width on either side).
    let rival = windows
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            let d = votes[*i].0;
            d + width < lo - width || d > lo + 2 * width
        })
        .map(|(_, w)| w.0)
        .fold(0.0f64, f64::max);
    if best_weight < 2.0 * rival {
        return None;
    }
    // The weighted median of the votes in the best window.
    let inside = &votes[best_start..best_end];
    let half = best_weight / 2.0;
    let mut acc = 0.0;
    for &(d, w) in inside {
        acc += w;
        if acc >= half {
            return Some(d);
        }
    }
    inside.last().map(|v| v.0)
}

/// For each start `i`: the weight of the votes in `[d_i, d_i + width]` and the end
/// (exclusive) of that window. Two pointers over the sorted votes.
fn window_weights(votes: &[(Nanos, f64)], width: Nanos) -> Vec<(f64, usize)> {
    let mut out = Vec::with_capacity(votes.len());
    let (mut end, mut sum) = (0usize, 0.0f64);
    for i in 0..votes.len() {
        while end < votes.len() && votes[end].0 <= votes[i].0 + width {
            sum += votes[end].1;
            end += 1;
        }
        out.push((sum, end));
        sum -= votes[i].1;
    }
    out
}

/// Step 2: greedy pairing per key by nearness to the coarse offset. Returns the
/// differences `tb − ta` of the pairs.
fn match_pairs(
    ak: &HashMap<u64, Vec<Nanos>>,
    bk: &HashMap<u64, Vec<Nanos>>,
    coarse: Nanos,
    max_offset: Nanos,
) -> Vec<Nanos> {
    let mut diffs = Vec::new();
    let mut cands: Vec<(Nanos, usize, usize)> = Vec::new();
    for (key, ta) in ak {
        let Some(tb) = bk.get(key) else { continue };
        cands.clear();
        for (i, &t) in ta.iter().enumerate() {
            let raw = within(
                tb,
                t.saturating_sub(max_offset),
                t.saturating_add(max_offset),
            );
            if raw.is_empty() {
                continue;
            }
            // Expand outwards from where `t + coarse` would sit: nearest first.
            let target = t.saturating_add(coarse);
            let mid = tb[raw.clone()].partition_point(|u| *u < target) + raw.start;
            let (mut l, mut r) = (mid, mid);
            for _ in 0..MAX_CANDIDATES {
                let left = (l > raw.start).then(|| target - tb[l - 1]);
                let right = (r < raw.end).then(|| tb[r] - target);
                match (left, right) {
                    (Some(dl), Some(dr)) if dl <= dr => {
                        l -= 1;
                        cands.push((dl, i, l));
                    }
                    (_, Some(dr)) => {
                        cands.push((dr, i, r));
                        r += 1;
                    }
                    (Some(dl), None) => {
                        l -= 1;
                        cands.push((dl, i, l));
                    }
                    (None, None) => break,
                }
            }
        }
        cands.sort_unstable();
        let mut used_a = vec![false; ta.len()];
        let mut used_b = vec![false; tb.len()];
        for &(_, i, j) in &cands {
            if !used_a[i] && !used_b[j] {
                used_a[i] = true;
                used_b[j] = true;
                diffs.push(tb[j] - ta[i]);
            }
        }
    }
    diffs
}

fn median_sorted(v: &[Nanos]) -> Nanos {
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) / 2
    }
}

/// Median absolute deviation of `v` around `c`.
fn mad(v: &[Nanos], c: Nanos) -> Nanos {
    let mut dev: Vec<Nanos> = v.iter().map(|d| (d - c).abs()).collect();
    dev.sort_unstable();
    median_sorted(&dev)
}

/// Step 3: median, trimmed set, mean.
fn refine(diffs: &mut [Nanos]) -> Option<SkewEstimate> {
    if diffs.len() < MIN_PAIRS {
        return None;
    }
    diffs.sort_unstable();
    let med = median_sorted(diffs);
    let sigma = (mad(diffs, med) as f64 * 1.4826) as Nanos;
    let bound = (3 * sigma).max(MIN_TRIM);
    let kept = &diffs[within(diffs, med - bound, med + bound)];
    if kept.len() < MIN_PAIRS {
        return None;
    }
    let sum: i128 = kept.iter().map(|&d| d as i128).sum();
    let offset = (sum / kept.len() as i128) as Nanos;
    Some(SkewEstimate {
        offset,
        pairs: kept.len(),
        spread: mad(kept, offset),
    })
}

/// A bounded, deterministic sample of one source's observations.
///
/// Keeps a request when the low `level` bits of a mix of its key are all zero: at level
/// `l`, one key in `2^l`, the same keys in every source. When more than `cap`
/// observations are held, the level goes up (halving the kept keys) until they fit; the
/// level never goes down. Two sources sampled at different levels are compared at the
/// higher one ([`estimate_sampled`]), so both hold the same keys and the pairs of a kept
/// key are all there. Memory: at most `cap` observations (16 bytes each).
#[derive(Clone, Debug)]
pub struct Sampler {
    cap: usize,
    level: u32,
    kept: Vec<Observation>,
    seen: u64,
    quantum: Nanos,
}

/// A bijective 64-bit mix (SplitMix64's finalizer): the key's bits, evenly spread.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn kept_at(key: u64, level: u32) -> bool {
    mix(key).trailing_zeros() >= level
}

impl Sampler {
    /// A sampler that holds at most `cap` observations (at least 1).
    pub fn new(cap: usize) -> Self {
        Sampler {
            cap: cap.max(1),
            level: 0,
            kept: Vec::new(),
            seen: 0,
            quantum: 0,
        }
    }

    /// Gives back the room a full sampler no longer needs (when its source is read).
    pub fn shrink(&mut self) {
        self.kept.shrink_to_fit();
    }

    pub fn push(&mut self, o: Observation) {
        self.seen += 1;
        if !kept_at(o.key, self.level) {
            return;
        }
        self.kept.push(o);
        while self.kept.len() > self.cap && self.level < u64::BITS {
            self.level += 1;
            let level = self.level;
            self.kept.retain(|o| kept_at(o.key, level));
        }
        // Only a key that mixes to 0 survives level 64: keep the bound all the same.
        self.kept.truncate(self.cap);
    }

    /// Notes the sub-second digits (0, 3, 6, 9) of a stamp pushed: the coarsest sets
    /// [`Sampler::quantum`].
    pub fn note_digits(&mut self, digits: u8) {
        let q = match digits {
            0 => NANOS_PER_SEC,
            1..=3 => 1_000_000,
            4..=6 => 1_000,
            _ => 1,
        };
        self.quantum = self.quantum.max(q);
    }

    /// The unit the source's stamps are truncated to (0: not said, taken as exact).
    pub fn quantum(&self) -> Nanos {
        self.quantum
    }

    /// Keys are kept with probability `2^-level`.
    pub fn level(&self) -> u32 {
        self.level
    }

    /// Observations pushed, kept or not.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    pub fn observations(&self) -> &[Observation] {
        &self.kept
    }

    /// The observations a sampler at `level` (≥ this one's) would have kept.
    pub fn at_level(&self, level: u32) -> Vec<Observation> {
        self.kept
            .iter()
            .copied()
            .filter(|o| kept_at(o.key, level))
            .collect()
    }
}

impl Default for Sampler {
    /// A sampler of [`DEFAULT_SAMPLE`] observations (it allocates on its first push).
    fn default() -> Self {
        Sampler::new(DEFAULT_SAMPLE)
    }
}

impl Sampler {
    /// Takes in another sampler's observations (another file of the same stream): the
    /// result is what one sampler would hold had it seen both, at the higher level.
    pub fn absorb(&mut self, other: &Sampler) {
        if other.level > self.level {
            self.level = other.level;
            let level = self.level;
            self.kept.retain(|o| kept_at(o.key, level));
        }
        let seen = self.seen + other.seen;
        self.quantum = self.quantum.max(other.quantum);
        for o in &other.kept {
            self.push(*o);
        }
        self.seen = seen;
    }
}

/// [`estimate`] over two samplers, compared at the higher of their levels.
pub fn estimate_sampled(a: &Sampler, b: &Sampler, max_offset: Nanos) -> Option<SkewEstimate> {
    let level = a.level.max(b.level);
    estimate_quantized(
        &a.at_level(level),
        a.quantum,
        &b.at_level(level),
        b.quantum,
        max_offset,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Request;
    use proptest::prelude::*;

    const MS: Nanos = 1_000_000;
    const S: Nanos = NANOS_PER_SEC;
    /// 2024-04-04T22:00:00Z
    const T0: Nanos = 1_712_268_000 * S;

    /// SplitMix64: a small deterministic generator for the test traffic.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            mix(self.0)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        /// Uniform in `[-r, r]`.
        fn jitter(&mut self, r: Nanos) -> Nanos {
            if r == 0 {
                return 0;
            }
            self.below(2 * r as u64 + 1) as Nanos - r
        }
    }

    fn req(client: &str, path: &str, status: u16) -> Request {
        Request {
            client: Some(client.into()),
            path: Some(path.into()),
            status: Some(status),
            ..Request::default()
        }
    }

    /// A request drawn from a small key space (10 clients × 5 paths × 3 statuses), so
    /// keys repeat every few seconds, faster than the skew.
    fn random_request(rng: &mut Rng) -> Request {
        let client = format!("10.0.0.{}", rng.below(10));
        let path = ["/", "/api/items", "/api/cart", "/login", "/health"][rng.below(5) as usize];
        let status = [200, 200, 200, 404, 502][rng.below(5) as usize];
        req(&client, path, status)
    }

    struct Traffic {
        shared: usize,
        noise: usize,
        offset: Nanos,
        jitter: Nanos,
        seed: u64,
    }

    impl Traffic {
        fn new(shared: usize, offset: Nanos) -> Self {
            Traffic {
                shared,
                noise: 300,
                offset,
                jitter: 20 * MS,
                seed: 7,
            }
        }

        /// Source `a` (the LB) and source `b` (the backend, `offset` ahead, ± jitter):
        /// `shared` requests seen by both, ~20 a second, and `noise` requests seen by only
        /// one of them each, from the same key space. Neither is in time order.
        fn generate(&self) -> (Vec<Observation>, Vec<Observation>) {
            let mut rng = Rng(self.seed);
            let span = (self.shared.max(1) as Nanos) * 50 * MS;
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for i in 0..self.shared {
                let ta = T0 + i as Nanos * 50 * MS + rng.jitter(20 * MS);
                let key = request_key(&random_request(&mut rng).as_ref(), None).unwrap();
                a.push(Observation { ts: ta, key });
                let tb = ta + self.offset + rng.jitter(self.jitter);
                b.push(Observation { ts: tb, key });
            }
            for _ in 0..self.noise {
                for side in [&mut a, &mut b] {
                    let key = request_key(&random_request(&mut rng).as_ref(), None).unwrap();
                    let ts = T0 + rng.below(span as u64) as Nanos;
                    side.push(Observation { ts, key });
                }
            }
            // Out of order on purpose: the estimator must not care.
            b.reverse();
            (a, b)
        }
    }

    fn error_of(e: &SkewEstimate, truth: Nanos) -> Nanos {
        (e.offset - truth).abs()
    }

    #[test]
    fn finds_a_2_5_s_offset_from_1000_shared_requests_within_50_ms() {
        let truth = 2_500 * MS;
        let (a, b) = Traffic::new(1_000, truth).generate();
        let e = estimate(&a, &b, DEFAULT_MAX_OFFSET).expect("an estimate");
        eprintln!(
            "2.5 s skew, 1000 shared + 300 noise each side, ±20 ms jitter: {e:?}, error {} µs",
            error_of(&e, truth) / 1_000
        );
        assert!(error_of(&e, truth) < 50 * MS, "{e:?}");
        // Almost every shared request is matched; uniform ±20 ms jitter: MAD ≈ 10 ms.
        assert!(e.pairs >= 950 && e.pairs <= 1_100, "{e:?}");
        assert!(e.spread > 5 * MS && e.spread < 15 * MS, "{e:?}");
    }

    #[test]
    fn raw_nearest_time_pairing_would_be_fooled_by_this_traffic() {
        // The premise of the test above: keys repeat faster than the skew, so pairing
        // each record with the nearest one of the same key, unshifted, goes wrong.
        let truth = 2_500 * MS;
        let (a, b) = Traffic::new(1_000, truth).generate();
        let bk = by_key(&b);
        let mut naive: Vec<Nanos> = a
            .iter()
            .filter_map(|o| {
                let tb = bk.get(&o.key)?;
                tb.iter().map(|u| u - o.ts).min_by_key(|d| d.abs())
            })
            .collect();
        naive.sort_unstable();
        assert!((median_sorted(&naive) - truth).abs() > 50 * MS);
    }

    #[test]
    fn negative_offsets() {
        for truth in [-2_500 * MS, -300 * MS, -17 * S] {
            let (a, b) = Traffic::new(1_000, truth).generate();
            let e = estimate(&a, &b, DEFAULT_MAX_OFFSET).expect("an estimate");
            assert!(error_of(&e, truth) < 50 * MS, "{truth}: {e:?}");
            // And the other way round: the same offset, negated.
            let e = estimate(&b, &a, DEFAULT_MAX_OFFSET).expect("an estimate");
            assert!(error_of(&e, -truth) < 50 * MS, "{truth} reversed: {e:?}");
        }
    }

    #[test]
    fn no_skew_is_found_as_zero() {
        let (a, b) = Traffic::new(1_000, 0).generate();
        let e = estimate(&a, &b, DEFAULT_MAX_OFFSET).unwrap();
        assert!(e.offset.abs() < 50 * MS, "{e:?}");
    }

    #[test]
    fn too_few_pairs_is_no_estimate() {
        let mut t = Traffic::new(MIN_PAIRS - 1, 2_500 * MS);
        t.noise = 0;
        let (a, b) = t.generate();
        assert_eq!(estimate(&a, &b, DEFAULT_MAX_OFFSET), None);
        assert_eq!(estimate(&[], &b, DEFAULT_MAX_OFFSET), None);
        assert_eq!(estimate(&a, &[], DEFAULT_MAX_OFFSET), None);
    }

    #[test]
    fn sources_without_shared_traffic_have_no_estimate() {
        let (a, _) = Traffic::new(1_000, 0).generate();
        let b: Vec<Observation> = a
            .iter()
            .map(|o| Observation {
                ts: o.ts,
                key: o.key ^ 1,
            })
            .collect();
        assert_eq!(estimate(&a, &b, DEFAULT_MAX_OFFSET), None);
    }

    /// Requests with unique ids, all to the same client, path and status (a health check
    /// every 100 ms): the id names each request, the tuple names none.
    fn health_checks(
        n: usize,
        offset: Nanos,
        with_ids: bool,
    ) -> (Vec<Observation>, Vec<Observation>) {
        let mut rng = Rng(11);
        let r = req("10.1.1.1", "/health", 200);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for i in 0..n {
            let id = format!("req-{i:08x}");
            let key = request_key(&r.as_ref(), with_ids.then_some(id.as_str())).unwrap();
            let ta = T0 + i as Nanos * 100 * MS;
            a.push(Observation { ts: ta, key });
            b.push(Observation {
                ts: ta + offset + rng.jitter(20 * MS),
                key,
            });
        }
        (a, b)
    }

    #[test]
    fn request_ids_are_preferred_when_present() {
        let r = req("10.1.1.1", "/health", 200);
        let other = req("10.9.9.9", "/other", 503);
        // The id decides, whatever the rest says; `-` and blanks are no id.
        assert_eq!(
            request_key(&r.as_ref(), Some("abc")),
            request_key(&other.as_ref(), Some("abc"))
        );
        assert_ne!(
            request_key(&r.as_ref(), Some("abc")),
            request_key(&r.as_ref(), None)
        );
        assert_eq!(
            request_key(&r.as_ref(), Some("-")),
            request_key(&r.as_ref(), None)
        );
        assert_eq!(
            request_key(&r.as_ref(), Some("  ")),
            request_key(&r.as_ref(), None)
        );
        // Tuple keys need all three parts.
        assert_eq!(request_key(&RequestRef::default(), None), None);
        assert_eq!(
            request_key(
                &Request {
                    status: None,
                    ..r.clone()
                }
                .as_ref(),
                None
            ),
            None
        );
        // Stable: a fixed mix, not a per-process hasher.
        assert_eq!(
            request_key(&r.as_ref(), None),
            request_key(&r.clone().as_ref(), None)
        );
        assert_eq!(
            request_key(&r.as_ref(), Some("abc")),
            Some(0xdd4b_96d3_5471_bd3b)
        );

        // Ten health checks a second: by tuple every record has 500 candidates in
        // ±25 s, so nothing can be said; by id, the pairs are exact.
        let truth = 2_500 * MS;
        let (a, b) = health_checks(1_000, truth, false);
        assert_eq!(estimate(&a, &b, 25 * S), None);
        let (a, b) = health_checks(1_000, truth, true);
        let e = estimate(&a, &b, 25 * S).unwrap();
        assert!(error_of(&e, truth) < 50 * MS, "{e:?}");
        assert_eq!(e.pairs, 1_000);
    }

    #[test]
    fn an_offset_beyond_max_offset_is_not_found() {
        let (a, b) = health_checks(1_000, 20 * S, true);
        assert_eq!(estimate(&a, &b, 10 * S), None);
        assert!(estimate(&a, &b, 0).is_none());
    }

    #[test]
    fn outliers_do_not_move_the_estimate() {
        // 10% of the shared requests reach the backend 1–3 s late (slow requests stamped
        // at their end): the trimmed set leaves them out.
        let truth = 2_500 * MS;
        let mut rng = Rng(3);
        let (a, mut b) = health_checks(1_000, truth, true);
        for o in b.iter_mut().step_by(10) {
            o.ts += S + rng.below(2 * S as u64) as Nanos;
        }
        let e = estimate(&a, &b, DEFAULT_MAX_OFFSET).unwrap();
        assert!(error_of(&e, truth) < 5 * MS, "{e:?}");
        assert!(e.pairs >= 880 && e.pairs <= 920, "{e:?}");
    }

    #[test]
    fn the_estimate_does_not_depend_on_input_order() {
        let (mut a, b) = Traffic::new(500, 1_234 * MS).generate();
        let e1 = estimate(&a, &b, DEFAULT_MAX_OFFSET);
        a.reverse();
        let mut rng = Rng(5);
        for i in (1..a.len()).rev() {
            a.swap(i, rng.below(i as u64 + 1) as usize);
        }
        assert_eq!(estimate(&a, &b, DEFAULT_MAX_OFFSET), e1);
    }

    #[test]
    fn sampler_is_bounded_deterministic_and_keeps_the_same_keys_on_both_sides() {
        let (a, b) = Traffic::new(1_000, 2_500 * MS).generate();
        // Unique keys too, so the level has to climb.
        let (ha, hb) = health_checks(20_000, 2_500 * MS, true);
        let (mut sa, mut sb) = (Sampler::new(600), Sampler::new(600));
        for o in a.iter().chain(&ha) {
            sa.push(*o);
            assert!(sa.observations().len() <= 600);
        }
        for o in b.iter().chain(&hb) {
            sb.push(*o);
        }
        assert_eq!(sa.seen(), (a.len() + ha.len()) as u64);
        assert!(sa.level() > 0 && sb.level() > 0);
        // Same keys at a common level.
        let level = sa.level().max(sb.level());
        let keys = |s: &Sampler| {
            let mut k: Vec<u64> = s.at_level(level).iter().map(|o| o.key).collect();
            k.sort_unstable();
            k.dedup();
            k
        };
        let (ka, kb) = (keys(&sa), keys(&sb));
        let shared = ka.iter().filter(|k| kb.binary_search(k).is_ok()).count();
        assert!(shared * 10 >= ka.len() * 9, "{shared} of {}", ka.len());
        // Deterministic.
        let mut again = Sampler::new(600);
        for o in a.iter().chain(&ha) {
            again.push(*o);
        }
        assert_eq!(again.observations(), sa.observations());
        // And the estimate survives the sampling.
        let e = estimate_sampled(&sa, &sb, DEFAULT_MAX_OFFSET).expect("an estimate");
        assert!(error_of(&e, 2_500 * MS) < 50 * MS, "{e:?}");
    }

    #[test]
    fn absorbing_is_sampling_both_at_once() {
        let (a, b) = Traffic::new(1_000, 0).generate();
        let (ha, _) = health_checks(3_000, 0, true);
        let (mut first, mut second, mut both) =
            (Sampler::new(500), Sampler::new(500), Sampler::new(500));
        for o in a.iter().chain(&b).take(400) {
            first.push(*o);
            both.push(*o);
        }
        for o in &ha {
            second.push(*o);
            both.push(*o);
        }
        assert_ne!(first.level(), second.level());
        first.absorb(&second);
        assert_eq!(first.level(), both.level());
        assert_eq!(first.seen(), both.seen());
        let sorted = |s: &Sampler| {
            let mut v = s.observations().to_vec();
            v.sort_unstable_by_key(|o| (o.key, o.ts));
            v
        };
        assert_eq!(sorted(&first), sorted(&both));
    }

    /// Stamps cut to `q` (towards the past, as loggers write them).
    fn truncated(obs: &[Observation], q: Nanos) -> Vec<Observation> {
        obs.iter()
            .map(|o| Observation {
                ts: o.ts - o.ts.rem_euclid(q),
                key: o.key,
            })
            .collect()
    }

    #[test]
    fn whole_second_stamps_on_one_side_are_corrected_for() {
        // An nginx access log (whole seconds) behind an LB that stamps milliseconds.
        for truth in [2_500 * MS, -1_234 * MS, 300 * MS] {
            let (a, b) = Traffic::new(1_000, truth).generate();
            let (a, b) = (truncated(&a, MS), truncated(&b, S));
            // Unaware of the quantum: a 100 ms window cannot hold a second's spread.
            let naive = estimate(&a, &b, DEFAULT_MAX_OFFSET);
            assert!(
                naive.is_none_or(|e| error_of(&e, truth) > 50 * MS),
                "{naive:?}"
            );
            let e = estimate_quantized(&a, MS, &b, S, DEFAULT_MAX_OFFSET).expect("an estimate");
            eprintln!(
                "{truth} ns, whole seconds on one side: {e:?}, error {} µs",
                error_of(&e, truth) / 1_000
            );
            assert!(error_of(&e, truth) < 50 * MS, "{truth}: {e:?}");
            assert!(e.pairs >= 900, "{e:?}");
            // The spread is the quantization's: about a quarter of a second.
            assert!(e.spread > 150 * MS && e.spread < 350 * MS, "{e:?}");
            // And the other way round.
            let e = estimate_quantized(&b, S, &a, MS, DEFAULT_MAX_OFFSET).expect("an estimate");
            assert!(error_of(&e, -truth) < 50 * MS, "{truth} reversed: {e:?}");
        }
        // Sources sharing nothing still have no estimate with wide windows.
        let (a, _) = Traffic::new(1_000, 0).generate();
        let other: Vec<Observation> = truncated(&a, S)
            .iter()
            .map(|o| Observation {
                ts: o.ts,
                key: o.key ^ 1,
            })
            .collect();
        assert_eq!(
            estimate_quantized(&a, MS, &other, S, DEFAULT_MAX_OFFSET),
            None
        );
    }

    #[test]
    fn delays_that_vary_by_seconds_are_no_estimate() {
        // The backend stamps the end of requests that take 0–4 s: the differences say
        // more about latency than about the clocks.
        let mut rng = Rng(9);
        let (a, mut b) = health_checks(1_000, 2_500 * MS, true);
        for o in &mut b {
            o.ts += rng.below(4 * S as u64) as Nanos;
        }
        assert_eq!(estimate(&a, &b, DEFAULT_MAX_OFFSET), None);
    }

    #[test]
    fn samplers_carry_the_coarsest_quantum() {
        let mut s = Sampler::new(10);
        assert_eq!(s.quantum(), 0);
        s.note_digits(3);
        assert_eq!(s.quantum(), MS);
        s.note_digits(9);
        assert_eq!(s.quantum(), MS);
        let mut t = Sampler::new(10);
        t.note_digits(0);
        s.absorb(&t);
        assert_eq!(s.quantum(), S);
    }

    #[test]
    fn sampler_with_room_keeps_everything() {
        let (a, _) = Traffic::new(100, 0).generate();
        let mut s = Sampler::new(10_000);
        a.iter().for_each(|o| s.push(*o));
        assert_eq!(s.level(), 0);
        assert_eq!(s.observations(), &a[..]);
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            failure_persistence: None,
            ..ProptestConfig::with_cases(48)
        })]

        /// Any offset within ±20 s, any jitter up to ±30 ms, any traffic: within 50 ms.
        #[test]
        fn any_offset_is_found_within_50_ms(
            offset in -20_000i64..20_000,
            jitter in 0i64..30,
            seed in any::<u64>(),
            noise in 0usize..500,
        ) {
            let t = Traffic { shared: 1_000, noise, offset: offset * MS, jitter: jitter * MS, seed };
            let (a, b) = t.generate();
            let e = estimate(&a, &b, DEFAULT_MAX_OFFSET);
            prop_assert!(e.is_some());
            let e = e.unwrap();
            prop_assert!(error_of(&e, offset * MS) < 50 * MS, "{:?}", e);
        }
    }
}
