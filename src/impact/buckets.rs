//! Per-second request buckets per (tier, backend, server), with client sets.
//!
//! Memory: the buckets grow with the time span and the number of servers, not with the
//! input's size. The distinct-client sets would grow with span × clients seen per
//! second, so they are kept per *granule* of seconds: one second while they fit
//! [`CLIENT_SET_BUDGET`] (one budget for all the sources read at once), and twice as long each time they outgrow it (neighbouring sets
//! united). Counts stay exact over whole granules; a window's edges are widened to the
//! granule, which the figures report (`clients_granule_s`).

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rustc_hash::{FxBuildHasher, FxHashMap};

use roaring::RoaringBitmap;

use crate::event::{Nanos, RequestRef};
use crate::time::NANOS_PER_SEC;

/// Latency histogram: bin `i` holds latencies in [1.4^(i-1), 1.4^i) ms; bin 0 is < 1 ms.
pub const LATENCY_BINS: usize = 48;
const LATENCY_GROWTH: f64 = 1.4;

/// Most buckets of one second kept open ([`Buckets::open`]): a second's servers are
/// looked up among them one by one.
const OPEN_BUCKETS: usize = 16;

/// Heap bytes the client sets of a run may take before granules double.
pub const CLIENT_SET_BUDGET: usize = 32 << 20;
/// The longest client granule, in seconds (longer than the span of any instant read).
const MAX_GRANULE: i64 = 1 << 34;
/// Client insertions between two checks of the sets' size.
const CLIENT_CHECK_EVERY: u32 = 1 << 18;
/// Clients a table sharing its numbering holds back before numbering them all under one
/// lock (and the bytes of their texts, for clients that are not IPv4 addresses).
const PENDING_CLIENTS: usize = 4096;
const PENDING_TEXT: usize = 1 << 20;
/// Granules whose held ids' table keeps its room between unions.
const HELD_GRANULES: usize = 4096;

/// What the streams read at once share about clients: one budget for their client sets
/// — half for the run's table, half split between the streams by the bytes each reads,
/// each table held to its own share, so what a table holds (and its granule) does not
/// depend on how the threads ran — and one numbering of the clients (a client seen by
/// every load balancer and backend is numbered once for the run, not once per stream).
#[derive(Debug)]
pub struct ClientBudget {
    limit: usize,
    /// The streams' weights (bytes to read), together.
    weights: AtomicU64,
    ids: Mutex<ClientIds>,
}

impl ClientBudget {
    pub fn new(limit: usize) -> Arc<ClientBudget> {
        Arc::new(ClientBudget {
            limit,
            weights: AtomicU64::new(0),
            ids: Mutex::new(ClientIds::default()),
        })
    }

    /// The weights of all the streams that draw on the budget (before they start).
    pub fn set_weights(&self, total: u64) {
        self.weights.store(total, Ordering::Relaxed);
    }

    /// The share of a stream of `weight`: all of the streams' half when no weights are
    /// set.
    fn stream_limit(&self, weight: u64) -> usize {
        let total = self.weights.load(Ordering::Relaxed).max(weight).max(1);
        ((self.limit / 2) as u128 * weight.min(total) as u128 / total as u128) as usize
    }

    /// An empty table for the run, numbering clients as the streams do: the streams
    /// hand it what they have settled; it holds half the budget.
    pub fn run_table(self: &Arc<Self>) -> Buckets {
        Buckets {
            shared: Some(self.clone()),
            limit: (self.limit / 2).max(1),
            ..Buckets::default()
        }
    }

    fn ids(&self) -> std::sync::MutexGuard<'_, ClientIds> {
        // The numbering stays whole even if a holder panicked (it only adds entries).
        self.ids.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Interned names: small ids in bucket keys and client sets. Each name is stored once,
/// in one arena (a client table of 300k addresses is a few MB).
#[derive(Clone, Debug, Default)]
pub struct Interner {
    table: hashbrown::HashTable<u32>,
    text: String,
    /// End of each name in `text` (it starts where the previous one ends).
    ends: Vec<usize>,
    /// The names last asked for, as (first eight bytes, length, id + 1; 0: none), in
    /// turn: runs of one name, and a few servers taking turns, skip the hash.
    recent: [(u64, u32, u32); RECENT_NAMES],
    /// The slot of `recent` to fill next.
    next_recent: usize,
}

/// Client ids: dense small numbers (the client sets are compact over them). An IPv4
/// address, as nearly every client is, is looked up by its 32-bit value (one probe, no
/// text kept); any other client text is interned.
#[derive(Clone, Debug, Default)]
pub struct ClientIds {
    /// (address, id)
    v4: hashbrown::HashTable<(u32, u32)>,
    names: Interner,
    /// The id of each name in `names`.
    name_ids: Vec<u32>,
    /// Per id: the address, or `1 << 32` plus the name's index in `names`.
    keys: Vec<u64>,
}

impl ClientIds {
    pub fn id(&mut self, client: &str) -> u32 {
        match parse_v4(client.as_bytes()) {
            Some(a) => self.id_of_key(a as u64),
            None => {
                let n = self.names.id(client);
                self.id_of_key((1 << 32) | n as u64)
            }
        }
    }

    fn id_of_key(&mut self, key: u64) -> u32 {
        let next = self.keys.len() as u32;
        if key >> 32 != 0 {
            let n = (key & 0xffff_ffff) as usize;
            if n < self.name_ids.len() {
                return self.name_ids[n];
            }
            self.name_ids.push(next);
            self.keys.push(key);
            return next;
        }
        let a = key as u32;
        let hash = v4_hash(a);
        let keys = &mut self.keys;
        match self.v4.entry(hash, |&(x, _)| x == a, |&(x, _)| v4_hash(x)) {
            hashbrown::hash_table::Entry::Occupied(e) => e.get().1,
            hashbrown::hash_table::Entry::Vacant(e) => {
                e.insert((a, next));
                keys.push(key);
                next
            }
        }
    }

    /// The client text of an id (for the tests: the figures need counts only).
    #[cfg(test)]
    fn name(&self, id: u32) -> String {
        let key = self.keys[id as usize];
        if key >> 32 == 0 {
            std::net::Ipv4Addr::from(key as u32).to_string()
        } else {
            self.names.name((key & 0xffff_ffff) as u32).to_string()
        }
    }

    /// The id in `self` of each id of `other` (new ones added).
    fn remap(&mut self, other: &ClientIds) -> Vec<u32> {
        other
            .keys
            .iter()
            .map(|&k| {
                if k >> 32 == 0 {
                    self.id_of_key(k)
                } else {
                    self.id(other.names.name((k & 0xffff_ffff) as u32))
                }
            })
            .collect()
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.keys.len()
    }
}

fn v4_hash(a: u32) -> u64 {
    (a as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// A dotted-quad IPv4 address as std reads one (four decimal parts of 0–255, no
/// leading zeros), without its general parser.
fn parse_v4(b: &[u8]) -> Option<u32> {
    if b.len() < 7 || b.len() > 15 {
        return None;
    }
    let digit = |i: usize| {
        b.get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|c| (c - b'0') as u32)
    };
    let (mut addr, mut i) = (0u32, 0);
    for k in 0..4 {
        if k > 0 {
            (b.get(i) == Some(&b'.')).then_some(())?;
            i += 1;
        }
        // One to three digits, no leading zero, at most 255.
        let mut part = digit(i)?;
        i += 1;
        if let Some(d) = digit(i) {
            if part == 0 {
                return None;
            }
            part = part * 10 + d;
            i += 1;
            if let Some(d) = digit(i) {
                part = part * 10 + d;
                i += 1;
                if part > 255 {
                    return None;
                }
            }
        }
        addr = addr << 8 | part;
    }
    (i == b.len()).then_some(addr)
}

/// Names an [`Interner`] finds without its hash table.
const RECENT_NAMES: usize = 8;

/// The first eight bytes of `b` (zero-padded), as one word.
fn head8(b: &[u8]) -> u64 {
    crate::word_le(&b[..b.len().min(8)])
}

fn name_of<'t>(text: &'t str, ends: &[usize], id: u32) -> &'t str {
    let i = id as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &text[start..ends[i]]
}

impl Interner {
    pub fn id(&mut self, name: &str) -> u32 {
        let b = name.as_bytes();
        let (head, len) = (head8(b), u32::try_from(b.len()).unwrap_or(u32::MAX));
        for &(h, l, plus1) in &self.recent {
            // A name of at most eight bytes is its head and length; a longer one is
            // compared whole.
            if h == head && l == len && plus1 != 0 && (b.len() <= 8 || self.name(plus1 - 1) == name)
            {
                return plus1 - 1;
            }
        }
        let id = self.lookup(name);
        self.recent[self.next_recent] = (head, len, id.saturating_add(1));
        self.next_recent = (self.next_recent + 1) % RECENT_NAMES;
        id
    }

    fn lookup(&mut self, name: &str) -> u32 {
        let hash = FxBuildHasher.hash_one(name);
        let (text, ends) = (&self.text, &self.ends);
        if let Some(&id) = self.table.find(hash, |&id| name_of(text, ends, id) == name) {
            return id;
        }
        let id = u32::try_from(self.ends.len()).expect("fewer than 4 billion distinct names");
        self.text.push_str(name);
        self.ends.push(self.text.len());
        let (text, ends) = (&self.text, &self.ends);
        self.table.insert_unique(hash, id, |&id| {
            FxBuildHasher.hash_one(name_of(text, ends, id))
        });
        id
    }
    pub fn name(&self, id: u32) -> &str {
        name_of(&self.text, &self.ends, id)
    }
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// Where a bucket is: the second, and which tier (format), backend and server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BucketKey {
    pub second: i64,
    pub tier: u32,
    pub backend: u32,
    pub server: u32,
}

/// What one second of one server saw. Compact on purpose: a day of a busy fleet is
/// hundreds of thousands of these.
#[derive(Clone, Debug, Default)]
pub struct Bucket {
    pub requests: u32,
    pub failed: u32,
    pub lb_failed: u32,
    /// 1xx-2xx, 3xx, 4xx, 5xx, no status.
    pub status: [u32; 5],
    pub bytes: u64,
    pub first_ts: Nanos,
    pub last_ts: Nanos,
    /// The first and last failed request (meaningful when `failed > 0`: see
    /// [`Bucket::failures`]).
    first_failed: Nanos,
    last_failed: Nanos,
    /// Counts saturate at 65,535 per bin (one server, one second).
    pub latency: Option<Box<[u16; LATENCY_BINS]>>,
}

/// The distinct clients of one granule of one tier (kept per granule, not per server:
/// the figures count clients across the tier, and this keeps the sets few).
#[derive(Clone, Debug, Default)]
pub struct ClientSets {
    pub seen: RoaringBitmap,
    pub failed: RoaringBitmap,
}

pub fn latency_bin(ms: f64) -> usize {
    // Most latencies are whole milliseconds, and short: their bins are looked up.
    const WHOLE: usize = 4096;
    static BINS: std::sync::OnceLock<[u8; WHOLE]> = std::sync::OnceLock::new();
    let whole = ms as usize;
    if whole < WHOLE && whole as f64 == ms {
        let bins = BINS.get_or_init(|| std::array::from_fn(|i| bin_of(i as f64) as u8));
        return bins[whole] as usize;
    }
    bin_of(ms)
}

fn bin_of(ms: f64) -> usize {
    if ms < 1.0 {
        return 0;
    }
    ((ms.ln() / LATENCY_GROWTH.ln()).floor() as usize + 1).min(LATENCY_BINS - 1)
}

/// A representative latency (ms) for a bin: the geometric middle of its range.
pub fn latency_of_bin(bin: usize) -> f64 {
    if bin == 0 {
        return 0.5;
    }
    LATENCY_GROWTH.powf(bin as f64 - 0.5)
}

impl Bucket {
    #[inline(always)]
    fn add(&mut self, ts: Nanos, r: &RequestRef<'_>) {
        if self.requests == 0 {
            self.first_ts = ts;
            self.last_ts = ts;
        }
        self.requests = self.requests.saturating_add(1);
        self.first_ts = self.first_ts.min(ts);
        self.last_ts = self.last_ts.max(ts);
        let class = match r.status {
            Some(100..=299) => 0,
            Some(300..=399) => 1,
            Some(400..=499) => 2,
            Some(500..=599) => 3,
            _ => 4,
        };
        self.status[class] = self.status[class].saturating_add(1);
        self.bytes = self.bytes.saturating_add(r.bytes.unwrap_or(0));
        if let Some(ms) = r.latency_ms {
            let h = self
                .latency
                .get_or_insert_with(|| Box::new([0; LATENCY_BINS]));
            let bin = &mut h[latency_bin(ms)];
            *bin = bin.saturating_add(1);
        }
        if r.failed {
            if self.failed == 0 {
                (self.first_failed, self.last_failed) = (ts, ts);
            }
            self.failed = self.failed.saturating_add(1);
            self.lb_failed = self.lb_failed.saturating_add(r.lb_failure as u32);
            self.first_failed = self.first_failed.min(ts);
            self.last_failed = self.last_failed.max(ts);
        }
    }

    /// The first and last failed request, when one failed.
    pub fn failures(&self) -> Option<(Nanos, Nanos)> {
        (self.failed > 0).then_some((self.first_failed, self.last_failed))
    }

    /// Adds `other` (whose client ids are already in this table's numbering).
    pub fn merge(&mut self, other: &Bucket) {
        if other.requests == 0 {
            return;
        }
        if self.requests == 0 {
            self.first_ts = other.first_ts;
            self.last_ts = other.last_ts;
        }
        if let Some((first, last)) = other.failures() {
            if self.failed == 0 {
                (self.first_failed, self.last_failed) = (first, last);
            }
            self.first_failed = self.first_failed.min(first);
            self.last_failed = self.last_failed.max(last);
        }
        self.requests = self.requests.saturating_add(other.requests);
        self.failed = self.failed.saturating_add(other.failed);
        self.lb_failed = self.lb_failed.saturating_add(other.lb_failed);
        for i in 0..5 {
            self.status[i] = self.status[i].saturating_add(other.status[i]);
        }
        self.bytes = self.bytes.saturating_add(other.bytes);
        self.first_ts = self.first_ts.min(other.first_ts);
        self.last_ts = self.last_ts.max(other.last_ts);
        if let Some(h) = &other.latency {
            let mine = self
                .latency
                .get_or_insert_with(|| Box::new([0; LATENCY_BINS]));
            for (a, b) in mine.iter_mut().zip(h.iter()) {
                *a = a.saturating_add(*b);
            }
        }
    }
}

/// A bucket table: the request side of a run (or of one source).
#[derive(Clone, Debug, Default)]
pub struct Buckets {
    pub tiers: Interner,
    pub backends: Interner,
    pub servers: Interner,
    pub clients: ClientIds,
    /// Read through [`Buckets::map`], on a settled table.
    map: FxHashMap<BucketKey, Bucket>,
    /// The buckets of the newest second, kept out of the map while it is read (at most
    /// [`OPEN_BUCKETS`]): a request in time order folds into one of them with no hash
    /// probe. They join the map when a later second starts and when the table settles.
    open: Vec<(BucketKey, Bucket)>,
    /// Distinct clients per (tier, first second of the granule).
    clients_by_granule: FxHashMap<(u32, i64), ClientSets>,
    /// Seconds per client granule: 1, doubled whenever the sets outgrow their budget.
    client_granule: i64,
    /// Client insertions since the sets' size was last checked.
    client_adds: u32,
    /// The run's client numbering and budget, when this table shares them (`None`: a
    /// numbering of its own).
    shared: Option<Arc<ClientBudget>>,
    /// Bytes its client sets may hold (0: [`CLIENT_SET_BUDGET`]).
    limit: usize,
    /// Requests per tier (by tier id) that named a server (the load-balancer view).
    with_server: Vec<u64>,
    /// Clients not yet numbered (a table sharing the run's numbering); their texts.
    pending: Vec<Pending>,
    pending_text: String,
    numbered: Vec<u32>,
    /// Numbered clients not yet in their sets, by (tier, granule): all, and those with a
    /// failure. At most [`CLIENT_CHECK_EVERY`] and a pending batch: the size check unites
    /// them first.
    held: FxHashMap<(u32, i64), (Vec<u32>, Vec<u32>)>,
    /// The latest second folded in, and requests folded since the last split.
    newest: i64,
    since_split: u32,
}

#[derive(Clone, Copy, Debug)]
struct Pending {
    tier: u32,
    second: i64,
    client: PendingClient,
    failed: bool,
}

#[derive(Clone, Copy, Debug)]
enum PendingClient {
    V4(u32),
    /// A range of `pending_text`.
    Text(usize, usize),
}

impl Buckets {
    /// A table whose client sets draw on `budget` with the run's other sources.
    pub fn sharing(budget: Arc<ClientBudget>) -> Buckets {
        Buckets::sharing_weighted(budget, u64::MAX)
    }

    /// A stream's table: `weight` of the weights the budget was told of.
    pub fn sharing_weighted(budget: Arc<ClientBudget>, weight: u64) -> Buckets {
        Buckets {
            limit: budget.stream_limit(weight).max(1),
            shared: Some(budget),
            ..Buckets::default()
        }
    }

    /// Coarsens the client sets until they fit this table's limit.
    fn check_clients(&mut self) {
        self.settle();
        let limit = match self.limit {
            0 => CLIENT_SET_BUDGET,
            n => n,
        };
        self.fit_clients(limit);
    }

    /// Numbers the clients held back and puts every id held in its set. The figures
    /// read a settled table.
    pub fn settle(&mut self) {
        self.close_open();
        self.number_pending();
        self.unite_held();
    }

    /// Numbers the clients held back (under the run's lock, once for all of them) and
    /// holds their ids by granule, to be put in the sets together ([`Buckets::unite_held`]).
    fn number_pending(&mut self) {
        let Some(shared) = self.shared.clone() else {
            return;
        };
        if self.pending.is_empty() {
            return;
        }
        let mut numbered = std::mem::take(&mut self.numbered);
        numbered.clear();
        {
            let mut ids = shared.ids();
            numbered.extend(self.pending.iter().map(|p| match p.client {
                PendingClient::V4(a) => ids.id_of_key(a as u64),
                PendingClient::Text(from, to) => ids.id(&self.pending_text[from..to]),
            }));
        }
        // Requests come in time order, mostly: one lookup per run of a granule.
        let g = self.granule();
        let granule = |p: &Pending| (p.tier, p.second.div_euclid(g) * g);
        let mut i = 0;
        while i < self.pending.len() {
            let key = granule(&self.pending[i]);
            let (seen, failed) = self.held.entry(key).or_default();
            while let Some(p) = self.pending.get(i).filter(|p| granule(p) == key) {
                seen.push(numbered[i]);
                if p.failed {
                    failed.push(numbered[i]);
                }
                i += 1;
            }
        }
        self.client_adds += self.pending.len() as u32;
        self.pending.clear();
        self.pending_text.clear();
        self.numbered = numbered;
        if self.client_adds >= CLIENT_CHECK_EVERY {
            self.client_adds = 0;
            self.check_clients();
        }
    }

    /// Puts the ids held into their granules' sets: each granule's sorted, each id once,
    /// and united with its set in one merge per container. One id at a time, each would
    /// move the tail of its container's sorted array (clients are numbered as first seen,
    /// so a second's ids are scattered over the numbering), and a coarse granule's arrays
    /// hold thousands.
    fn unite_held(&mut self) {
        for (key, (mut seen, mut failed)) in self.held.drain() {
            let sets = self.clients_by_granule.entry(key).or_default();
            for (set, ids) in [(&mut sets.seen, &mut seen), (&mut sets.failed, &mut failed)] {
                ids.sort_unstable();
                ids.dedup();
                match RoaringBitmap::from_sorted_iter(ids.iter().copied()) {
                    Ok(add) => *set |= add,
                    Err(_) => set.extend(ids.iter().copied()),
                }
            }
        }
        // A sparse log may hold many granules at once (one request each): their table's
        // room is not kept. (Dropping it whole each time costs more memory than it
        // saves: the heap fragments.)
        self.held.shrink_to(HELD_GRANULES);
    }

    fn insert_client(&mut self, tier: u32, second: i64, id: u32, failed: bool) {
        let g = self.granule();
        let sets = self
            .clients_by_granule
            .entry((tier, second.div_euclid(g) * g))
            .or_default();
        sets.seen.insert(id);
        if failed {
            sets.failed.insert(id);
        }
        self.client_adds += 1;
        if self.client_adds >= CLIENT_CHECK_EVERY {
            self.client_adds = 0;
            self.check_clients();
        }
    }

    /// Requests folded in since the last [`Buckets::split_before`].
    pub fn since_split(&self) -> u32 {
        self.since_split
    }

    /// The latest second folded in.
    pub fn newest(&self) -> i64 {
        self.newest
    }

    /// Takes out what is before `cut` (seconds): the buckets of earlier seconds, the
    /// client sets of granules that end by then, and the server counts. What is left is
    /// the rest (more may still be folded into either; a merge adds them up).
    pub fn split_before(&mut self, cut: i64) -> Buckets {
        self.settle();
        self.since_split = 0;
        let mut part = Buckets {
            tiers: self.tiers.clone(),
            backends: self.backends.clone(),
            servers: self.servers.clone(),
            shared: self.shared.clone(),
            client_granule: self.client_granule,
            with_server: std::mem::take(&mut self.with_server),
            ..Buckets::default()
        };
        part.map.extend(self.map.extract_if(|k, _| k.second < cut));
        // The map keeps its capacity: it refills to the same size before the next hand-over.
        let g = self.granule();
        let done = self
            .clients_by_granule
            .extract_if(|(_, start), _| start.saturating_add(g) <= cut);
        part.clients_by_granule.extend(done);
        self.clients_by_granule.shrink_to_fit();
        part
    }

    /// Folds one request event in.
    pub fn add(&mut self, tier: &str, ts: Nanos, r: &RequestRef<'_>) {
        let tier = self.tier_id(tier);
        self.add_in(tier, ts, r);
    }

    /// The id of a tier (format) name, for [`Buckets::add_in`]. It stays the tier's id
    /// in these buckets, whatever is split off them.
    pub fn tier_id(&mut self, tier: &str) -> u32 {
        self.tiers.id(tier)
    }

    /// Folds one request event into the tier of id `tier` ([`Buckets::tier_id`]).
    pub fn add_in(&mut self, tier: u32, ts: Nanos, r: &RequestRef<'_>) {
        let key = BucketKey {
            second: ts.div_euclid(NANOS_PER_SEC),
            tier,
            backend: self.backends.id(r.backend.as_deref().unwrap_or("-")),
            server: self.servers.id(r.server.as_deref().unwrap_or("-")),
        };
        self.newest = self.newest.max(key.second);
        self.since_split = self.since_split.saturating_add(1);
        if r.server.is_some() {
            self.count_with_server(key.tier, 1);
        }
        if let Some(c) = r.client.as_deref() {
            if self.shared.is_some() {
                let client = match parse_v4(c.as_bytes()) {
                    Some(a) => PendingClient::V4(a),
                    None => {
                        let start = self.pending_text.len();
                        self.pending_text.push_str(c);
                        PendingClient::Text(start, self.pending_text.len())
                    }
                };
                self.pending.push(Pending {
                    tier: key.tier,
                    second: key.second,
                    client,
                    failed: r.failed,
                });
                if self.pending.len() >= PENDING_CLIENTS || self.pending_text.len() >= PENDING_TEXT
                {
                    self.number_pending();
                }
            } else {
                let id = self.clients.id(c);
                self.insert_client(key.tier, key.second, id, r.failed);
            }
        }
        let open = self.open_second();
        if key.second > open {
            self.close_open();
        }
        if let Some((_, b)) = self.open.iter_mut().find(|(k, _)| *k == key) {
            b.add(ts, r);
        } else if self.open.len() < OPEN_BUCKETS && key.second >= open {
            let mut b = Bucket::default();
            b.add(ts, r);
            self.open.push((key, b));
        } else {
            // A late request, or a second with more servers than are kept open.
            self.map.entry(key).or_default().add(ts, r);
        }
    }

    /// Counts `n` requests of tier `tier` that named a server.
    fn count_with_server(&mut self, tier: u32, n: u64) {
        let t = tier as usize;
        if t >= self.with_server.len() {
            self.with_server.resize(t + 1, 0);
        }
        self.with_server[t] += n;
    }

    /// Requests of each tier that named a server (by tier name), those with any.
    pub fn with_server(&self) -> BTreeMap<&str, u64> {
        (0u32..)
            .zip(&self.with_server)
            .filter(|(_, n)| **n > 0)
            .map(|(t, n)| (self.tiers.name(t), *n))
            .collect()
    }

    /// The second of the open buckets (`i64::MIN` when none is open).
    fn open_second(&self) -> i64 {
        self.open.first().map_or(i64::MIN, |(k, _)| k.second)
    }

    /// The open buckets into the map.
    fn close_open(&mut self) {
        for (k, b) in self.open.drain(..) {
            match self.map.entry(k) {
                std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().merge(&b),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(b);
                }
            }
        }
    }

    /// The buckets by second, tier, backend and server. The table must be settled
    /// ([`Buckets::settle`]): the newest second's buckets are not in the map before.
    pub fn map(&self) -> &FxHashMap<BucketKey, Bucket> {
        debug_assert!(
            self.open.is_empty(),
            "a bucket table read before it settled"
        );
        &self.map
    }

    /// Seconds per client granule.
    pub fn granule(&self) -> i64 {
        self.client_granule.max(1)
    }

    /// Heap bytes the client sets hold (about: each container's values with the slack
    /// of a growing vector, plus its own header and the allocator's). An array is counted
    /// by its values, 8 bytes each (roaring's own count, 4 bytes a value, and room to
    /// double), not by its capacity: the capacity depends on how the ids came (one at a
    /// time, or united in batches), and the measure, and so where granules coarsen, must
    /// depend on the ids alone.
    pub fn client_set_bytes(&self) -> usize {
        fn heap(b: &RoaringBitmap) -> usize {
            let st = b.statistics();
            let values = st.n_values_array_containers as u64 * 8
                + st.n_bytes_run_containers * 3 / 2
                + st.n_bytes_bitset_containers;
            std::mem::size_of::<RoaringBitmap>() + st.n_containers as usize * 64 + values as usize
        }
        self.clients_by_granule
            .values()
            .map(|s| 48 + heap(&s.seen) + heap(&s.failed))
            .sum()
    }

    /// Doubles the granule until the client sets fit `budget` bytes (the table settled
    /// first: no id is held at the granule it had).
    pub fn fit_clients(&mut self, budget: usize) {
        self.settle();
        while self.client_set_bytes() > budget && self.can_coarsen() {
            self.coarsen_to(self.granule() * 2);
        }
    }

    /// Would a coarser granule unite anything? Not when each tier has one set left (the
    /// sets of other tiers, or of other sources, are what is over the budget), nor past
    /// the longest granule (2^34 s spans every instant coroner reads).
    fn can_coarsen(&self) -> bool {
        let mut tiers: Vec<u32> = self.clients_by_granule.keys().map(|(t, _)| *t).collect();
        tiers.sort_unstable();
        tiers.dedup();
        self.granule() < MAX_GRANULE && self.clients_by_granule.len() > tiers.len()
    }

    /// Unites the client sets into granules of `g` seconds (a multiple of the current).
    fn coarsen_to(&mut self, g: i64) {
        if g <= self.granule() {
            return;
        }
        let old = std::mem::take(&mut self.clients_by_granule);
        for ((tier, start), sets) in old {
            let mine = self
                .clients_by_granule
                .entry((tier, start.div_euclid(g) * g))
                .or_default();
            mine.seen |= sets.seen;
            mine.failed |= sets.failed;
        }
        self.client_granule = g;
    }

    /// Adds another table: names re-interned, counts added, client sets united.
    pub fn merge(&mut self, mut other: Buckets) {
        self.settle();
        other.settle();
        let same_ids = match (&self.shared, &other.shared) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        let empty =
            self.map.is_empty() && self.clients_by_granule.is_empty() && self.tiers.is_empty();
        if empty && (same_ids || self.shared.is_none()) {
            // Into an empty table: the other one, moved (not copied), with its numbering;
            // this table's limit stays.
            let limit = self.limit;
            *self = other;
            self.limit = limit;
            self.check_clients();
            return;
        }
        let remap = |from: &Interner, to: &mut Interner| -> Vec<u32> {
            (0..from.len() as u32)
                .map(|i| to.id(from.name(i)))
                .collect()
        };
        let tiers = remap(&other.tiers, &mut self.tiers);
        let backends = remap(&other.backends, &mut self.backends);
        let servers = remap(&other.servers, &mut self.servers);
        // Client ids: the same numbering, or the other's renumbered into this one's.
        let clients: Vec<u32> = if same_ids {
            Vec::new()
        } else {
            let theirs = match &other.shared {
                Some(s) => s.ids().clone(),
                None => std::mem::take(&mut other.clients),
            };
            match &self.shared {
                Some(s) => s.ids().remap(&theirs),
                None => self.clients.remap(&theirs),
            }
        };
        let identity = clients.iter().enumerate().all(|(i, c)| i as u32 == *c);
        for (t, n) in other.with_server.into_iter().enumerate() {
            self.count_with_server(tiers[t], n);
        }
        for (k, b) in other.map {
            let key = BucketKey {
                second: k.second,
                tier: tiers[k.tier as usize],
                backend: backends[k.backend as usize],
                server: servers[k.server as usize],
            };
            self.map.entry(key).or_default().merge(&b);
        }
        // Granules are powers of two seconds: the coarser one is a multiple of the other.
        let g = self.granule().max(other.client_granule.max(1));
        self.coarsen_to(g);
        for ((tier, start), mut sets) in other.clients_by_granule {
            if !identity {
                sets.seen = sets.seen.iter().map(|c| clients[c as usize]).collect();
                sets.failed = sets.failed.iter().map(|c| clients[c as usize]).collect();
            }
            let mine = self
                .clients_by_granule
                .entry((tiers[tier as usize], start.div_euclid(g) * g))
                .or_default();
            mine.seen |= &sets.seen;
            mine.failed |= &sets.failed;
        }
        self.check_clients();
    }

    /// Distinct clients of a tier over [from, to] (seconds): all, and those with a failure.
    /// Counted over whole granules: the window is widened to the granules it touches.
    pub fn clients_between(&self, tier: u32, from: i64, to: i64) -> (u64, u64) {
        let g = self.granule();
        let (lo, hi) = (from.div_euclid(g) * g, to.div_euclid(g) * g);
        let (mut seen, mut failed) = (RoaringBitmap::new(), RoaringBitmap::new());
        for ((t, s), sets) in &self.clients_by_granule {
            if *t == tier && (lo..=hi).contains(s) {
                seen |= &sets.seen;
                failed |= &sets.failed;
            }
        }
        (seen.len(), failed.len())
    }

    /// The tier that speaks for the users: the one with most requests naming a server
    /// (the load balancer), else the one with most requests.
    pub fn front_tier(&self) -> Option<u32> {
        let mut totals: HashMap<u32, u64> = HashMap::new();
        for (k, b) in &self.map {
            *totals.entry(k.tier).or_default() += b.requests as u64;
        }
        let by_server = (0u32..)
            .zip(&self.with_server)
            .filter(|(_, n)| **n > 0)
            .max_by_key(|(t, n)| (**n, std::cmp::Reverse(*t)))
            .map(|(t, _)| t);
        by_server.or_else(|| {
            totals
                .iter()
                .max_by_key(|(t, n)| (**n, std::cmp::Reverse(**t)))
                .map(|(t, _)| *t)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(
        status: u16,
        server: &'static str,
        client: &'static str,
        failed: bool,
    ) -> RequestRef<'static> {
        RequestRef {
            status: Some(status),
            backend: Some("be".into()),
            server: Some(server.into()),
            client: Some(client.into()),
            failed,
            latency_ms: Some(12.0),
            ..RequestRef::default()
        }
    }

    #[test]
    fn open_buckets_hold_what_the_map_would() {
        // 20 servers (more than are kept open), seconds read out of order now and then.
        let mut b = Buckets::default();
        let mut expect: std::collections::BTreeMap<(i64, String), (u32, u32, Nanos, Nanos)> =
            Default::default();
        let mut x = 7u64;
        for i in 0..5000i64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let late = (x >> 60) == 0;
            let second = i / 100 - if late { 3 } else { 0 };
            let ts = second * NANOS_PER_SEC + (x >> 40) as i64 % NANOS_PER_SEC;
            let server = format!("s{}", (x >> 33) % 20);
            let failed = (x >> 20).is_multiple_of(9);
            let r = RequestRef {
                server: Some(server.as_str().into()),
                ..req(if failed { 503 } else { 200 }, "-", "c", failed)
            };
            b.add("t", ts, &r);
            if i % 777 == 0 {
                b.settle(); // mid-second: the second's buckets are opened again after
            }
            let e = expect.entry((second, server)).or_insert((0, 0, ts, ts));
            (e.0, e.1) = (e.0 + 1, e.1 + failed as u32);
            (e.2, e.3) = (e.2.min(ts), e.3.max(ts));
        }
        b.settle();
        let got: std::collections::BTreeMap<(i64, String), (u32, u32, Nanos, Nanos)> = b
            .map()
            .iter()
            .map(|(k, v)| {
                let name = b.servers.name(k.server).to_string();
                (
                    (k.second, name),
                    (v.requests, v.failed, v.first_ts, v.last_ts),
                )
            })
            .collect();
        assert_eq!(got, expect);
    }

    #[test]
    fn merging_two_tables_equals_folding_everything_into_one() {
        let lines = [
            (1_000_000_000i64, req(200, "a", "c1", false)),
            (1_200_000_000, req(503, "b", "c2", true)),
            (2_000_000_000, req(200, "a", "c2", false)),
            (2_500_000_000, req(502, "a", "c3", true)),
        ];
        let mut whole = Buckets::default();
        let (mut left, mut right) = (Buckets::default(), Buckets::default());
        for (i, (ts, r)) in lines.iter().enumerate() {
            whole.add("haproxy_http", *ts, r);
            if i % 2 == 0 { &mut left } else { &mut right }.add("haproxy_http", *ts, r);
        }
        left.merge(right);
        whole.settle();
        let sum = |b: &Buckets| {
            let mut v: Vec<(i64, String, u64, u64, u64, u64)> = b
                .map
                .iter()
                .map(|(k, x)| {
                    let (seen, failed) = b.clients_between(k.tier, k.second, k.second);
                    (
                        k.second,
                        b.servers.name(k.server).to_string(),
                        x.requests as u64,
                        x.failed as u64,
                        seen,
                        failed,
                    )
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(sum(&whole), sum(&left));
        assert_eq!(left.clients_between(0, 0, 10), (3, 2));
    }

    #[test]
    fn client_sets_coarsen_to_their_budget_and_count_whole_granules() {
        // 64 seconds, 50 of 200 clients each (they come back, as real clients do)
        let who = |s: i64, c: i64| (s * 7 + c) % 200;
        let mut b = Buckets::default();
        for s in 0..64i64 {
            for c in 0..50 {
                let client = format!("10.0.0.{}", who(s, c));
                let r = RequestRef {
                    client: Some(client.as_str().into()),
                    failed: s == 10 && c < 5,
                    ..req(200, "a", "x", false)
                };
                b.add("t", s * NANOS_PER_SEC, &r);
            }
        }
        assert_eq!(b.granule(), 1);
        assert_eq!(b.clients_between(0, 10, 10), (50, 5));
        assert_eq!(b.clients.len(), 200);
        let before = b.client_set_bytes();
        b.fit_clients(before / 4);
        let g = b.granule();
        assert!(g >= 4, "granule {g}");
        assert!(b.client_set_bytes() <= before / 4);
        // exact over whole granules; a one-second window widens to its granule
        assert_eq!(b.clients_between(0, 0, 63), (200, 5));
        let lo = 10 / g * g;
        let mut want = std::collections::BTreeSet::new();
        for s in lo..lo + g {
            want.extend((0..50).map(|c| who(s, c)));
        }
        assert_eq!(b.clients_between(0, 10, 10), (want.len() as u64, 5));
        // a table merged in takes the coarser granule
        let mut fine = Buckets::default();
        fine.add("t", 100 * NANOS_PER_SEC, &req(503, "a", "new", true));
        fine.merge(b);
        assert_eq!(fine.granule(), g);
        assert_eq!(fine.clients_between(0, 0, 200), (201, 6));
        assert_eq!(fine.clients.id("new"), 0);
        let id = fine.clients.id("10.0.0.7");
        assert_eq!(fine.clients.name(id), "10.0.0.7");
        assert_eq!(fine.clients.len(), 201);
    }

    #[test]
    fn a_table_split_and_merged_back_is_the_same_table() {
        let budget = ClientBudget::new(CLIENT_SET_BUDGET);
        let fill = |b: &mut Buckets, from: i64, to: i64| {
            for s in from..to {
                for c in 0..20u32 {
                    let client = format!("10.0.{}.{}", c, s % 7);
                    let server = if c % 3 == 0 { "a" } else { "b" };
                    let r = RequestRef {
                        client: Some(client.as_str().into()),
                        ..req(if c == 5 { 503 } else { 200 }, server, "x", c == 5)
                    };
                    b.add("t", s * NANOS_PER_SEC + c as i64, &r);
                }
            }
        };
        let mut whole = Buckets::sharing(budget.clone());
        fill(&mut whole, 0, 300);
        fill(&mut whole, 100, 120); // late arrivals
        whole.settle();

        let mut run = Buckets::default();
        let mut stream = Buckets::sharing(budget.clone());
        fill(&mut stream, 0, 200);
        assert_eq!(stream.newest(), 199);
        run.merge(stream.split_before(150));
        assert!(stream.map.keys().all(|k| k.second >= 150));
        fill(&mut stream, 200, 300);
        fill(&mut stream, 100, 120);
        run.merge(stream.split_before(250));
        run.merge(stream);

        let sorted = |b: &Buckets| {
            let mut v: Vec<(i64, String, u32, u32, [u32; 5])> = (b.map.iter())
                .map(|(k, x)| {
                    let server = b.servers.name(k.server).to_string();
                    (k.second, server, x.requests, x.failed, x.status)
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(sorted(&run), sorted(&whole));
        assert_eq!(run.with_server(), whole.with_server());
        for (from, to) in [(0, 299), (100, 119), (140, 160)] {
            assert_eq!(
                run.clients_between(0, from, to),
                whole.clients_between(0, from, to)
            );
        }
    }

    #[test]
    fn client_ids_are_dense_over_addresses_and_names() {
        let mut c = ClientIds::default();
        let texts = [
            "10.0.0.1",
            "2001:db8::1",
            "10.0.0.2",
            "10.0.0.1",
            "010.0.0.1",
            "2001:db8::1",
        ];
        let ids: Vec<u32> = texts.iter().map(|t| c.id(t)).collect();
        assert_eq!(ids, [0, 1, 2, 0, 3, 1]);
        assert_eq!(c.len(), 4);
        for (t, id) in texts.iter().zip(&ids) {
            assert_eq!(c.name(*id), *t);
        }
        let mut other = ClientIds::default();
        let theirs: Vec<u32> = ["2001:db8::1", "192.168.1.1", "10.0.0.2", "x"]
            .iter()
            .map(|t| other.id(t))
            .collect();
        let map = c.remap(&other);
        assert_eq!(
            theirs.iter().map(|&i| map[i as usize]).collect::<Vec<_>>(),
            [1, 4, 2, 5]
        );
        assert_eq!(c.name(5), "x");
    }

    proptest::proptest! {
        #[test]
        fn interned_ids_number_names_in_order_of_first_sight(
            names in proptest::collection::vec("(app|app1|backend_with_a_long_name)[0-9]{0,2}", 0..200)
        ) {
            let mut interner = Interner::default();
            let mut first_seen: Vec<&str> = Vec::new();
            for n in &names {
                let id = interner.id(n);
                let want = first_seen.iter().position(|s| s == n).unwrap_or_else(|| {
                    first_seen.push(n);
                    first_seen.len() - 1
                });
                proptest::prop_assert_eq!(id as usize, want);
                proptest::prop_assert_eq!(interner.name(id), n.as_str());
            }
        }

        #[test]
        fn parse_v4_is_std(s in "[0-9.]{0,16}|([0-9]{1,4}\\.){3}[0-9]{1,4}|0*[0-9]{1,3}(\\.0*[0-9]{1,3}){3}") {
            let std = s.parse::<std::net::Ipv4Addr>().ok().map(u32::from);
            proptest::prop_assert_eq!(parse_v4(s.as_bytes()), std);
        }
    }

    #[test]
    fn each_table_keeps_to_its_share_of_the_budget() {
        let fill = |b: &mut Buckets, offset: u32| {
            for s in 0..600i64 {
                for c in 0..100u32 {
                    let client = format!("c{}", offset + (s as u32 * 13 + c) % 5_000);
                    let r = RequestRef {
                        client: Some(client.as_str().into()),
                        ..req(200, "a", "x", false)
                    };
                    b.add("t", s * NANOS_PER_SEC, &r);
                }
            }
            b.check_clients();
        };
        let alone = {
            let mut b = Buckets::default();
            fill(&mut b, 0);
            b.client_set_bytes()
        };
        // Two streams of the same weight share half of a budget as big as one table's
        // sets: a quarter each.
        let budget = ClientBudget::new(alone);
        budget.set_weights(2);
        let (mut x, mut y) = (
            Buckets::sharing_weighted(budget.clone(), 1),
            Buckets::sharing_weighted(budget.clone(), 1),
        );
        fill(&mut x, 0);
        fill(&mut y, 100_000);
        for b in [&x, &y] {
            assert!(b.granule() > 1);
            assert!(
                b.client_set_bytes() <= alone / 4,
                "{} > {}",
                b.client_set_bytes(),
                alone / 4
            );
        }
        // What a table holds does not depend on the other's progress: y again, alone.
        let mut again = Buckets::sharing_weighted(budget.clone(), 1);
        fill(&mut again, 100_000);
        assert_eq!(again.granule(), y.granule());
        // The run's table holds half, whatever comes first.
        let mut all = budget.run_table();
        all.merge(y);
        all.merge(x);
        assert!(all.client_set_bytes() <= alone / 2);
        assert_eq!(all.limit, alone / 2);
        assert_eq!(all.clients_between(0, 0, 599).0, 10_000);
    }

    #[test]
    fn a_budget_nothing_can_meet_stops_coarsening() {
        // two tiers, one second each: coarsening cannot unite anything
        let mut b = Buckets::default();
        b.add("a", NANOS_PER_SEC, &req(200, "s", "c1", false));
        b.add("b", NANOS_PER_SEC, &req(200, "s", "c2", false));
        b.fit_clients(0);
        assert_eq!(b.granule(), 1);
        // a share nothing fits: the table coarsens as far as it helps, then stops
        let budget = ClientBudget::new(1);
        let mut x = Buckets::sharing(budget.clone());
        for s in 0..100i64 {
            x.add(
                "t",
                s * 1_000_000 * NANOS_PER_SEC,
                &req(200, "s", "c", false),
            );
        }
        x.check_clients();
        assert_eq!(x.clients_by_granule.len(), 1);
        assert!(x.granule() <= MAX_GRANULE);
        assert_eq!(x.clients_between(0, 0, 100_000_000).0, 1);
    }

    /// The ids of a granule united in batches (settled in between, as the size checks
    /// and hand-overs do) measure as the same ids put in at once: the granules coarsen
    /// at the same points however the reading was cut. Measured by the arrays'
    /// capacity, they would not: a union leaves an array the room of both batches,
    /// duplicates and all.
    #[test]
    fn sets_united_in_batches_measure_as_one() {
        let fold = |settle_every: usize| {
            let mut b = Buckets::sharing(ClientBudget::new(CLIENT_SET_BUDGET));
            for i in 0..8192usize {
                let client = format!("10.0.{}.{}", i % 7, (i * 31) % 100 + 1);
                let r = RequestRef {
                    client: Some(client.as_str().into()),
                    ..req(503, "s", "-", true)
                };
                b.add("t", (i as i64 / 3000) * NANOS_PER_SEC, &r);
                if (i + 1) % settle_every == 0 {
                    b.settle();
                }
            }
            b.settle();
            (b.client_set_bytes(), b.clients_between(0, 0, 10))
        };
        let whole = fold(usize::MAX);
        assert_eq!(whole.1, (700, 700));
        for every in [4096, 1000, 333, 1] {
            assert_eq!(fold(every), whole, "settled every {every}");
        }
    }

    #[test]
    fn whole_latencies_are_looked_up_in_their_bins() {
        for ms in (0..5000)
            .map(f64::from)
            .chain([0.5, 1.5, 4095.9, 1e7, f64::NAN])
        {
            assert_eq!(latency_bin(ms), bin_of(ms), "{ms}");
        }
    }

    #[test]
    fn latency_bins_are_monotonic_and_bounded() {
        let mut last = 0;
        for ms in [0.1, 1.0, 2.0, 10.0, 100.0, 1e3, 1e4, 1e9] {
            let b = latency_bin(ms);
            assert!(b >= last && b < LATENCY_BINS);
            last = b;
        }
        let mid = latency_of_bin(latency_bin(100.0));
        assert!((70.0..143.0).contains(&mid), "{mid}");
    }
}
