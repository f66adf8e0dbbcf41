//! Seeded randomness. Every generator draws from its own ChaCha8 stream derived
//! from the scenario seed and a stream name, so adding noise to one log never
//! shifts the bytes of another.

use rand::{Rng as _, SeedableRng};
pub use rand_chacha::ChaCha8Rng as Rng;

/// A stream for `name` under `seed` (FNV-1a of the name mixed into the seed).
pub fn stream(seed: u64, name: &str) -> Rng {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    Rng::seed_from_u64(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ h)
}

pub fn unit(r: &mut Rng) -> f64 {
    r.random::<f64>()
}

pub fn chance(r: &mut Rng, p: f64) -> bool {
    unit(r) < p
}

pub fn range(r: &mut Rng, lo: u64, hi: u64) -> u64 {
    r.random_range(lo..hi)
}

pub fn pick<'a, T>(r: &mut Rng, xs: &'a [T]) -> &'a T {
    &xs[r.random_range(0..xs.len())]
}

/// Pick by integer weight.
pub fn weighted<'a, T>(r: &mut Rng, xs: &'a [(T, u32)]) -> &'a T {
    let total: u32 = xs.iter().map(|x| x.1).sum();
    let mut k = r.random_range(0..total);
    for (v, w) in xs {
        if k < *w {
            return v;
        }
        k -= w;
    }
    &xs[xs.len() - 1].0
}

/// Exponential with the given mean.
pub fn exp(r: &mut Rng, mean: f64) -> f64 {
    -mean * (1.0 - unit(r)).ln()
}

pub fn normal(r: &mut Rng) -> f64 {
    let u1 = 1.0 - unit(r);
    let u2 = unit(r);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Log-normal with the given median and log-space sigma.
pub fn lognormal(r: &mut Rng, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(r)).exp()
}

pub fn hex(r: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b"0123456789abcdef"[r.random_range(0..16)]))
        .collect()
}

pub fn alnum_upper(r: &mut Rng, n: usize) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..n)
        .map(|_| char::from(A[r.random_range(0..A.len())]))
        .collect()
}

/// Zipf-like popularity over `n` ranks (rank 0 most popular).
pub struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize, s: f64) -> Zipf {
        let mut cdf = Vec::with_capacity(n);
        let mut acc = 0.0;
        for i in 0..n {
            acc += 1.0 / ((i + 1) as f64).powf(s);
            cdf.push(acc);
        }
        for c in &mut cdf {
            *c /= acc;
        }
        Zipf { cdf }
    }

    pub fn sample(&self, r: &mut Rng) -> usize {
        let u = unit(r);
        self.cdf.partition_point(|&c| c < u).min(self.cdf.len() - 1)
    }
}
