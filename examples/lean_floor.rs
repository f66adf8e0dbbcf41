//! A floor for `coroner timeline` on a HAProxy log: about the least a hand-written
//! program does to get the counts its impact figures are made of. It decodes and splits
//! as `decode_ceiling` does, then per line reads the client address, the accept date (to
//! the second; the day's date read once per day), the server, the total time, status and
//! bytes, and folds them into per-second buckets by server (requests, status classes,
//! bytes, a latency histogram) and per-minute sets of distinct clients, all and served a
//! 5xx, numbered densely. No definitions, no reorder window, no clock-skew samples, no
//! events for the lines that are not requests, no rejects kept: what is left when
//! everything coroner adds for its users is taken away.
//!
//! By itself it reads only as far as the bytes field, so a line damaged after it still
//! counts. `--check` also checks the rest of the line as HAProxy's HTTP format has it
//! (cookies, termination state, connection counts, queues, captured headers, the quoted
//! request) and that it is UTF-8: what telling a parsed line from a rejected one costs
//! at the least, which coroner must do.
//!
//! `cargo run --release --example lean_floor -- [--check] FILE.gz` (`benches/compare.sh`
//! runs both beside the ceiling.)

use rustc_hash::FxHashMap as HashMap;
use std::io::Read;

#[derive(Default, Clone)]
struct Bucket {
    requests: u32,
    status: [u32; 5],
    bytes: u64,
    latency: [u16; 32],
}

fn num(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 19 {
        return None;
    }
    let mut n = 0u64;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + d as u64;
    }
    Some(n)
}

fn v4(b: &[u8]) -> Option<u32> {
    let mut a = 0u32;
    let mut parts = 0;
    for p in b.split(|&c| c == b'.') {
        let n = num(p)?;
        if n > 255 || p.len() > 3 {
            return None;
        }
        a = a << 8 | n as u32;
        parts += 1;
    }
    (parts == 4).then_some(a)
}

struct Fold {
    servers: HashMap<Vec<u8>, u32>,
    buckets: Vec<Bucket>,
    index: HashMap<(i64, u32), usize>,
    last: Option<(i64, u32)>,
    cur: usize,
    bins: Vec<u8>,
    ids: HashMap<u32, u32>,
    /// Per minute: the clients seen, and those served a 5xx.
    clients: HashMap<i64, (Vec<u32>, Vec<u32>)>,
    check: bool,
    day: Vec<u8>,
    day_secs: i64,
    rejected: u64,
}

impl Fold {
    fn line(&mut self, l: &[u8]) -> Option<()> {
        // "Mon DD HH:MM:SS host proc[pid]: ip:port [dd/Mon/yyyy:HH:MM:SS.mmm] fe be/srv t/t/t/t/t status bytes ..."
        let mut colon = 0;
        loop {
            colon += memchr::memchr(b']', &l[colon..])? + 1;
            if l[colon..].starts_with(b": ") {
                colon += 2;
                break;
            }
        }
        let mut it = l[colon..].split(|&c| c == b' ').filter(|t| !t.is_empty());
        let client = it.next()?;
        let ip = &client[..memchr::memrchr(b':', client)?];
        let date = it.next()?;
        let _fe = it.next()?;
        let bs = it.next()?;
        let timers = it.next()?;
        let status = num(it.next()?)?;
        let bytes = num(it.next()?)?;
        if self.check {
            // The rest of the line as HAProxy's HTTP format has it, checked as coroner
            // must to tell a parsed line from a rejected one: two cookies, the
            // termination state, five connection counts, two queues, the captured
            // headers and the quoted request, and the line valid UTF-8.
            simdutf8::basic::from_utf8(l).ok()?;
            it.next()?; // the request cookie
            it.next()?; // the response cookie
            let term = it.next()?;
            (term.len() == 4).then_some(())?;
            let counts = |t: &[u8], n: usize| {
                let mut k = 0;
                for p in t.split(|&c| c == b'/') {
                    let p = p.strip_prefix(b"+").unwrap_or(p);
                    num(p)?;
                    k += 1;
                }
                (k == n).then_some(())
            };
            counts(it.next()?, 5)?;
            counts(it.next()?, 2)?;
            // The captured headers, up to their `}`, then the request.
            let open = colon + memchr::memchr(b'{', &l[colon..])?;
            let close = open + memchr::memchr(b'}', &l[open..])?;
            let rest = l.get(close + 2..)?;
            (rest.len() >= 2 && rest[0] == b'"' && rest[rest.len() - 1] == b'"').then_some(())?;
            let request = &rest[1..rest.len() - 1];
            let sp = memchr::memchr(b' ', request)?;
            (sp > 0 && request[..sp].iter().all(u8::is_ascii_uppercase)).then_some(())?;
        }
        // [13/Feb/2024:21:00:00.011]
        if date.len() < 22 || date[0] != b'[' {
            return None;
        }
        let (dpart, hms) = (&date[1..12], &date[13..21]);
        if dpart != self.day.as_slice() {
            let day =
                chrono::NaiveDate::parse_from_str(std::str::from_utf8(dpart).ok()?, "%d/%b/%Y")
                    .ok()?;
            self.day = dpart.to_vec();
            self.day_secs = day.and_hms_opt(0, 0, 0)?.and_utc().timestamp();
        }
        let h = num(&hms[0..2])? as i64;
        let m = num(&hms[3..5])? as i64;
        let s = num(&hms[6..8])? as i64;
        let second = self.day_secs + h * 3600 + m * 60 + s;
        let slash = memchr::memchr(b'/', bs)?;
        let n = self.servers.len() as u32;
        let server = match self.servers.get(&bs[slash + 1..]) {
            Some(&id) => id,
            None => *self.servers.entry(bs[slash + 1..].to_vec()).or_insert(n),
        };
        let tt = timers
            .rsplit(|&c| c == b'/')
            .next()
            .and_then(num)
            .unwrap_or(0);
        if self.last != Some((second, server)) {
            self.last = Some((second, server));
            self.cur = match self.index.get(&(second, server)) {
                Some(&i) => i,
                None => {
                    self.buckets.push(Bucket::default());
                    self.index.insert((second, server), self.buckets.len() - 1);
                    self.buckets.len() - 1
                }
            };
        }
        let b = &mut self.buckets[self.cur];
        b.requests += 1;
        let class = match status {
            100..=299 => 0,
            300..=399 => 1,
            400..=499 => 2,
            500..=599 => 3,
            _ => 4,
        };
        b.status[class] += 1;
        b.bytes += bytes;
        let bin = match self.bins.get(tt as usize) {
            Some(&b) => b as usize,
            None => ((tt as f64).ln() / 1.4f64.ln()) as usize + 1,
        };
        b.latency[bin.min(31)] += 1;
        if let Some(a) = v4(ip) {
            let n = self.ids.len() as u32;
            let id = *self.ids.entry(a).or_insert(n);
            let (seen, failed) = self.clients.entry(second / 60).or_default();
            seen.push(id);
            if status >= 500 {
                failed.push(id);
            }
        }
        Some(())
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    let path = args
        .iter()
        .find(|a| *a != "--check")
        .expect("usage: lean_floor [--check] FILE.gz");
    let file = std::fs::File::open(path)?;
    let mut d = flate2::read::MultiGzDecoder::new(std::io::BufReader::with_capacity(1 << 20, file));
    let mut buf = vec![0u8; 1 << 20];
    let mut keep = 0;
    let mut f = Fold {
        servers: HashMap::default(),
        buckets: Vec::new(),
        index: HashMap::default(),
        last: None,
        cur: 0,
        bins: (0..4096u32)
            .map(|t| {
                if t == 0 {
                    0
                } else {
                    ((t as f64).ln() / 1.4f64.ln()) as u8 + 1
                }
            })
            .collect(),
        ids: HashMap::default(),
        clients: HashMap::default(),
        day: Vec::new(),
        day_secs: 0,
        rejected: 0,
        check,
    };
    let mut lines = 0u64;
    loop {
        if keep == buf.len() {
            // A line longer than the buffer: room for the rest of it.
            buf.resize(buf.len() * 2, 0);
        }
        let n = d.read(&mut buf[keep..])?;
        if n == 0 {
            if keep > 0 {
                // The last line, with no newline after it.
                lines += 1;
                if f.line(&buf[..keep]).is_none() {
                    f.rejected += 1;
                }
            }
            break;
        }
        let end = keep + n;
        let mut at = 0;
        while let Some(nl) = memchr::memchr(b'\n', &buf[at..end]) {
            lines += 1;
            if f.line(&buf[at..at + nl]).is_none() {
                f.rejected += 1;
            }
            at += nl + 1;
        }
        buf.copy_within(at..end, 0);
        keep = end - at;
    }
    let mut distinct = 0;
    for (seen, failed) in f.clients.values_mut() {
        for v in [seen, failed] {
            v.sort_unstable();
            v.dedup();
            distinct += v.len();
        }
    }
    let requests: u64 = f.buckets.iter().map(|b| b.requests as u64).sum();
    let errors: u64 = f.buckets.iter().map(|b| b.status[3] as u64).sum();
    println!(
        "{lines} lines, {} rejected, {requests} requests ({errors} 5xx), {} buckets, {} clients, \
         {distinct} client-minutes",
        f.rejected,
        f.buckets.len(),
        f.ids.len()
    );
    Ok(())
}
