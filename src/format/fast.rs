//! Hand-written tokenizers for the busiest patterns (access logs, nginx's error log): the
//! same fields as the pattern's regex, found without a regex engine.
//!
//! A definition's pattern opts in with `"fast": "<name>"`. The tokenizer either returns
//! exactly the spans the regex would report (the same leftmost-first, greedy/lazy choices)
//! or **declines**, and the regex decides. It never says "no match": a line it does not
//! understand is the regex's to judge. So a tokenizer can only be wrong by accepting a
//! line with other spans than the regex; the sample checker (`check.rs`) and the
//! differential tests (`tests/it/fast_paths.rs`) compare both on every sample, corpus
//! line and generated variant.
//!
//! How exactness is kept: every choice point of the regex (an optional group, an
//! alternation, a quantifier that could stop early) is taken in the regex's order of
//! preference, and a preferred option is only abandoned where it fails *locally* — where
//! no continuation could rescue it. A failure anywhere else declines.
//!
//! Costs: no allocation, one pass over the line's bytes (memchr for the long runs).
//! Regexes are compiled with ASCII classes (`\s`, `\d`, `\w` are ASCII), which is what
//! the byte tests here implement.

use memchr::memchr;

/// Most fields a fast pattern may have (the ALB's 38, and a little room): the spans are
/// moved with each match, so no bigger than they need be.
pub const MAX_FIELDS: usize = 40;

/// A field's byte range in the line; `NONE` when the group did not take part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span(u32, u32);

impl Span {
    pub const NONE: Span = Span(u32::MAX, 0);

    pub fn get(self) -> Option<std::ops::Range<usize>> {
        (self.0 != u32::MAX).then_some(self.0 as usize..self.1 as usize)
    }

    /// The range when the group took part and is not empty.
    #[inline]
    pub fn non_empty(self) -> Option<std::ops::Range<usize>> {
        // `NONE` starts after it ends.
        (self.0 < self.1).then_some(self.0 as usize..self.1 as usize)
    }
}

pub type Spans = [Span; MAX_FIELDS];

/// A tokenizer and the field names it fills (slot `i` holds `fields[i]`).
pub struct FastPath {
    pub name: &'static str,
    pub fields: &'static [&'static str],
    /// Fills the spans (all `NONE` on entry); false declines.
    pub parse: fn(&[u8], &mut Spans) -> bool,
    /// As `parse`, for the next line of a stream: what the line before left in the memo
    /// may spare reading a prefix the two share. The spans are the same as `parse`'s.
    pub parse_next: Option<ParseNext>,
}

/// A tokenizer that keeps a memo from line to line ([`FastPath::parse_next`]).
pub type ParseNext = fn(&[u8], &mut Spans, &mut Memo) -> bool;

impl FastPath {
    /// [`FastPath::parse`] of one of a stream's lines, the memo kept from line to line.
    #[inline]
    pub fn parse_next(&self, b: &[u8], s: &mut Spans, memo: &mut Memo) -> bool {
        match self.parse_next {
            Some(f) => f(b, s, memo),
            None => (self.parse)(b, s),
        }
    }
}

/// The longest prefix a [`Memo`] keeps.
const MEMO_BYTES: usize = 64;

/// What a tokenizer keeps of the line before: a prefix it read whole, and the spans it
/// found there. Its choices in that prefix depended on those bytes alone, so a line that
/// starts with the same bytes has the same spans there, and is read on from its end.
#[derive(Clone, Debug)]
pub struct Memo {
    len: usize,
    bytes: [u8; MEMO_BYTES],
    spans: [Span; 4],
}

impl Default for Memo {
    fn default() -> Self {
        Memo {
            len: 0,
            bytes: [0; MEMO_BYTES],
            spans: [Span::NONE; 4],
        }
    }
}

impl Memo {
    /// The spans of the prefix kept, when `b` starts with it (and it is not empty).
    #[inline]
    fn prefix_of(&self, b: &[u8]) -> Option<(usize, [Span; 4])> {
        let n = self.len;
        let head = b.get(..n)?;
        (n > 0 && crate::same_bytes(head, &self.bytes[..n])).then_some((n, self.spans))
    }

    /// Keeps `b[..n]`, read whole, and the spans found in it.
    fn keep(&mut self, b: &[u8], n: usize, spans: &[Span]) {
        if n > MEMO_BYTES || spans.len() > self.spans.len() {
            self.len = 0;
            return;
        }
        self.bytes[..n].copy_from_slice(&b[..n]);
        self.spans[..spans.len()].copy_from_slice(spans);
        self.len = n;
    }
}

pub static FAST_PATHS: &[FastPath] = &[
    FastPath {
        name: "haproxy_http",
        fields: haproxy::FIELDS,
        parse: haproxy::parse,
        parse_next: Some(haproxy::parse_next),
    },
    FastPath {
        name: "nginx_combined",
        fields: nginx::FIELDS,
        parse: nginx::parse,
        parse_next: None,
    },
    FastPath {
        name: "apache_access",
        fields: apache::FIELDS,
        parse: apache::parse,
        parse_next: None,
    },
    FastPath {
        name: "aws_alb",
        fields: alb::FIELDS,
        parse: alb::parse,
        parse_next: None,
    },
    FastPath {
        name: "traefik",
        fields: traefik::FIELDS,
        parse: traefik::parse,
        parse_next: None,
    },
    FastPath {
        name: "klog",
        fields: klog::FIELDS,
        parse: klog::parse,
        parse_next: None,
    },
    FastPath {
        name: "nginx_error",
        fields: nginx_error::FIELDS,
        parse: nginx_error::parse,
        parse_next: None,
    },
];

const _: () = {
    let mut i = 0;
    while i < FAST_PATHS.len() {
        assert!(FAST_PATHS[i].fields.len() <= MAX_FIELDS);
        i += 1;
    }
};

pub fn by_name(name: &str) -> Option<&'static FastPath> {
    FAST_PATHS.iter().find(|f| f.name == name)
}

impl FastPath {
    /// The tokenizer's slots by field name, sorted by name (for binary search).
    pub fn index(&'static self) -> &'static [(&'static str, u8)] {
        static INDEX: std::sync::OnceLock<Vec<Vec<(&'static str, u8)>>> =
            std::sync::OnceLock::new();
        let all = INDEX.get_or_init(|| {
            FAST_PATHS
                .iter()
                .map(|f| {
                    let mut v: Vec<(&'static str, u8)> = f
                        .fields
                        .iter()
                        .enumerate()
                        .map(|(i, n)| (*n, i as u8))
                        .collect();
                    v.sort_unstable();
                    v
                })
                .collect()
        });
        let at = FAST_PATHS
            .iter()
            .position(|f| std::ptr::eq(f, self))
            .expect("a fast path is one of FAST_PATHS");
        &all[at]
    }
}

/// A cursor over a line's bytes.
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// Where the first whitespace byte of `b` is (its length if none).
fn first_space(b: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let mut i = 0;
    while i + 8 <= b.len() {
        let w = u64::from_le_bytes(b[i..i + 8].try_into().expect("eight bytes"));
        // The lowest byte below 0x21 is flagged exactly (higher flags may be borrows).
        let below = w.wrapping_sub(ONES * 0x21) & !w & HIGH;
        if below == 0 {
            i += 8;
            continue;
        }
        let k = i + (below.trailing_zeros() / 8) as usize;
        if is_space(b[k]) {
            return k;
        }
        // A control byte that is not whitespace: go on after it.
        i = k + 1;
    }
    i + b[i..]
        .iter()
        .position(|&c| is_space(c))
        .unwrap_or(b.len() - i)
}

// Byte classes, as the regexes' ASCII classes see them: a run of a class set is one
// table load and test per byte.
const SPACE: u16 = 1;
const DIGIT: u16 = 2;
/// `\w`
const WORD: u16 = 4;
const UPPER: u16 = 8;
const LOWER: u16 = 16;
const DOT: u16 = 32;
const DASH: u16 = 64;
const COLON: u16 = 128;
const TILDE: u16 = 256;
const SLASH: u16 = 512;
const COMMA: u16 = 1024;
const QUOTE: u16 = 2048;

static CLASS: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let mut k = 0;
        if matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
            k |= SPACE;
        }
        if b.is_ascii_digit() {
            k |= DIGIT;
        }
        if b.is_ascii_alphanumeric() || b == b'_' {
            k |= WORD;
        }
        if b.is_ascii_uppercase() {
            k |= UPPER;
        }
        if b.is_ascii_lowercase() {
            k |= LOWER;
        }
        k |= match b {
            b'.' => DOT,
            b'-' => DASH,
            b':' => COLON,
            b'~' => TILDE,
            b'/' => SLASH,
            b',' => COMMA,
            b'"' => QUOTE,
            _ => 0,
        };
        t[c] = k;
        c += 1;
    }
    t
};

fn class(b: u8) -> u16 {
    CLASS[b as usize]
}

impl<'a> Cur<'a> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    #[inline]
    fn at(&self, k: usize) -> Option<u8> {
        self.b.get(self.i + k).copied()
    }
    #[inline]
    fn lit(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    /// The maximal run of bytes satisfying `ok` (possibly empty): its span.
    #[inline]
    fn run(&mut self, ok: impl Fn(u8) -> bool) -> Span {
        let start = self.i;
        let rest = &self.b[start.min(self.b.len())..];
        self.i = start + rest.iter().position(|&c| !ok(c)).unwrap_or(rest.len());
        Span(start as u32, self.i as u32)
    }
    /// The maximal run of bytes in any of the classes `set` (possibly empty).
    #[inline]
    fn run_in(&mut self, set: u16) -> Span {
        let (b, start) = (self.b, self.i);
        let mut i = start;
        while i < b.len() && class(b[i]) & set != 0 {
            i += 1;
        }
        self.i = i;
        Span(start as u32, i as u32)
    }
    /// A non-empty maximal run of bytes in the classes `set`.
    #[inline]
    fn run1_in(&mut self, set: u16) -> Option<Span> {
        let s = self.run_in(set);
        (s.1 > s.0).then_some(s)
    }
    /// A non-empty maximal run of bytes in none of the classes `stop`.
    #[inline]
    fn run1_out(&mut self, stop: u16) -> Option<Span> {
        let (b, start) = (self.b, self.i);
        let mut i = start;
        while i < b.len() && class(b[i]) & stop == 0 {
            i += 1;
        }
        self.i = i;
        (i > start).then_some(Span(start as u32, i as u32))
    }
    /// Bytes of exactly this shape: `9` a digit, `A` an uppercase and `a` a lowercase
    /// letter, any other byte itself.
    /// (Inlined with its constant shape, the loop unrolls into one test per byte.)
    #[inline(always)]
    fn shape<const N: usize>(&mut self, shape: &[u8; N]) -> bool {
        let Some(t) = self.b.get(self.i..self.i + N) else {
            return false;
        };
        let mut ok = true;
        for k in 0..N {
            let x = t[k];
            ok &= match shape[k] {
                b'9' => x.is_ascii_digit(),
                b'A' => x.is_ascii_uppercase(),
                b'a' => x.is_ascii_lowercase(),
                s => x == s,
            };
        }
        if ok {
            self.i += N;
        }
        ok
    }
    /// A non-empty maximal run.
    #[inline]
    fn run1(&mut self, ok: impl Fn(u8) -> bool) -> Option<Span> {
        let s = self.run(ok);
        (s.1 > s.0).then_some(s)
    }
    /// `\S+` followed by a space (consumed): the token's span.
    #[inline]
    fn token_sp(&mut self) -> Option<Span> {
        let s = self.non_space()?;
        self.lit(b' ').then_some(s)
    }
    /// `\S+`: the maximal non-empty run of bytes that are not whitespace, found eight
    /// bytes at a time (every whitespace byte is below `!`).
    #[inline]
    fn non_space(&mut self) -> Option<Span> {
        let start = self.i.min(self.b.len());
        // A one-byte token (HAProxy's `-` cookies) without the word loop.
        if let [x, b' ', ..] = self.b[start..] {
            if !is_space(x) {
                self.i = start + 1;
                return Some(Span(start as u32, start as u32 + 1));
            }
        }
        self.i = start + first_space(&self.b[start..]);
        (self.i > start).then_some(Span(start as u32, self.i as u32))
    }
    /// `-?\d+`, `\+?\d+`: an optional sign byte then digits.
    #[inline]
    fn signed(&mut self, sign: u8) -> Option<Span> {
        let start = self.i;
        let from = start + (self.b.get(start) == Some(&sign)) as usize;
        self.digits_from(start, from)
    }
    #[inline]
    fn digits(&mut self) -> Option<Span> {
        self.digits_from(self.i, self.i)
    }
    /// At least one digit at `from`: the span from `start` to the last of them.
    #[inline]
    fn digits_from(&mut self, start: usize, from: usize) -> Option<Span> {
        let b = self.b;
        let mut i = from;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == from {
            return None;
        }
        self.i = i;
        Some(Span(start as u32, i as u32))
    }
    /// Exactly `n` bytes satisfying `ok`.
    #[inline]
    fn exactly(&mut self, n: usize, ok: impl Fn(u8) -> bool) -> bool {
        if (0..n).all(|k| self.at(k).is_some_and(&ok)) {
            self.i += n;
            true
        } else {
            false
        }
    }
    fn rest_is_space(&self) -> bool {
        self.b[self.i..].iter().all(|&c| is_space(c))
    }
}

/// `\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d` (CLF date and time, no zone).
fn clf_datetime(c: &mut Cur<'_>) -> bool {
    c.shape(b"99/Aaa/9999:99:99:99")
}

/// `\[(\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d\ [-+]\d{4})\]\ ` (CLF's bracketed stamp and
/// the space after it): the stamp's span.
fn clf_stamp(c: &mut Cur<'_>) -> Option<Span> {
    c.lit(b'[').then_some(())?;
    let t = c.i;
    let ok = clf_datetime(c) && c.lit(b' ') && (c.lit(b'-') || c.lit(b'+')) && c.shape(b"9999");
    ok.then_some(())?;
    let stamp = Span(t as u32, c.i as u32);
    (c.lit(b']') && c.lit(b' ')).then_some(stamp)
}

/// HAProxy's HTTP log (`parsers/haproxy_http.json`, pattern `http`).
mod haproxy {
    use super::*;

    pub const FIELDS: &[&str] = &[
        "syslog_ts",
        "host",
        "program",
        "pid",
        "client_ip",
        "client_port",
        "accept_date",
        "frontend",
        "ssl",
        "backend",
        "server",
        "extra",
        "tq",
        "tw",
        "tc",
        "tr",
        "tt",
        "status",
        "bytes",
        "req_cookie",
        "res_cookie",
        "termination_state",
        "actconn",
        "feconn",
        "beconn",
        "srv_conn",
        "retries",
        "srv_queue",
        "backend_queue",
        "req_headers",
        "res_headers",
        "method",
        "path",
        "protocol",
    ];
    const SYSLOG_TS: usize = 0;
    const HOST: usize = 1;
    const PROGRAM: usize = 2;
    const PID: usize = 3;
    const CLIENT_IP: usize = 4;
    const CLIENT_PORT: usize = 5;
    const ACCEPT_DATE: usize = 6;
    const FRONTEND: usize = 7;
    const SSL: usize = 8;
    const BACKEND: usize = 9;
    const SERVER: usize = 10;
    const EXTRA: usize = 11;
    const TQ: usize = 12;
    const STATUS: usize = 17;
    const BYTES: usize = 18;
    const REQ_COOKIE: usize = 19;
    const RES_COOKIE: usize = 20;
    const TERMINATION: usize = 21;
    const ACTCONN: usize = 22;
    const SRV_QUEUE: usize = 27;
    const BACKEND_QUEUE: usize = 28;
    const REQ_HEADERS: usize = 29;
    const RES_HEADERS: usize = 30;
    const METHOD: usize = 31;
    const PATH: usize = 32;
    const PROTOCOL: usize = 33;

    /// `[A-Z][a-z]{2}\ [\ \d]?\d\ \d\d:\d\d:\d\d`
    fn syslog_ts(c: &mut Cur<'_>) -> Option<Span> {
        let start = c.i;
        let d = |x: u8| x.is_ascii_digit();
        let ok = c.shape(b"Aaa ")
            // `[\ \d]?\d\ `: two places (" 4", "14") or one ("4")
            && ((c.at(0).is_some_and(|x| x == b' ' || d(x))
                && c.at(1).is_some_and(d)
                && c.at(2) == Some(b' ')
                && {
                    c.i += 2;
                    true
                })
                || c.shape(b"9"))
            && c.shape(b" 99:99:99");
        ok.then_some(Span(start as u32, c.i as u32))
    }

    /// The optional syslog envelope `ts host program[pid]: `; `None` when the line does
    /// not start with it (then the regex skips the group too).
    fn envelope(c: &mut Cur<'_>, s: &mut Spans) -> Option<()> {
        s[SYSLOG_TS] = syslog_ts(c)?;
        c.lit(b' ').then_some(())?;
        s[HOST] = c.token_sp()?;
        s[PROGRAM] = c.run1_in(WORD | DOT | DASH)?;
        if c.lit(b'[') {
            s[PID] = c.digits()?;
            c.lit(b']').then_some(())?;
        }
        (c.lit(b':') && c.lit(b' ')).then_some(())
    }

    /// `-?\d+/-?\d+/-?\d+/-?\d+/\+?\d+` followed by a space: the five timers' spans.
    #[inline]
    fn timers(c: &mut Cur<'_>) -> Option<[Span; 5]> {
        let mut t = [Span::NONE; 5];
        for slot in t.iter_mut().take(4) {
            *slot = c.signed(b'-')?;
            c.lit(b'/').then_some(())?;
        }
        t[4] = c.signed(b'+')?;
        c.lit(b' ').then_some(t)
    }

    pub fn parse(b: &[u8], s: &mut Spans) -> bool {
        body(b, s, None).is_some()
    }

    /// The memo keeps the syslog envelope (`Feb 13 21:00:00 lb1 haproxy[2241]: `): a
    /// busy log's lines share it for a second at a time.
    pub fn parse_next(b: &[u8], s: &mut Spans, memo: &mut Memo) -> bool {
        body(b, s, Some(memo)).is_some()
    }

    fn body(b: &[u8], s: &mut Spans, memo: Option<&mut Memo>) -> Option<()> {
        let mut c = Cur { b, i: 0 };
        // The envelope is optional and preferred: a line that starts like a syslog stamp
        // but is not one cannot be a bare HAProxy line either (`[\w.:-]+:` cannot take
        // the stamp's space), so anything short of a whole envelope declines. It reads
        // no byte past its end.
        let kept = memo.as_deref().and_then(|m| m.prefix_of(b));
        if let Some((n, spans)) = kept {
            s[SYSLOG_TS..=PID].copy_from_slice(&spans);
            c.i = n;
        } else if b.first().is_some_and(|x| x.is_ascii_uppercase())
            && b.get(1).is_some_and(|x| x.is_ascii_lowercase())
        {
            envelope(&mut c, s)?;
            if let Some(m) = memo {
                m.keep(b, c.i, &s[SYSLOG_TS..=PID]);
            }
        }
        // `[\w.:-]+:\d+\ `: the run up to the first byte outside the class, split at its
        // last `:` (greedy), the port all digits.
        let run = c.run1_in(WORD | DOT | COLON | DASH)?;
        c.lit(b' ').then_some(())?;
        let tok = &b[run.0 as usize..run.1 as usize];
        let colon = run.0 as usize + tok.iter().rposition(|&c| c == b':')?;
        let port = Span(colon as u32 + 1, run.1);
        if colon == run.0 as usize
            || port.1 == port.0
            || !b[colon + 1..run.1 as usize].iter().all(u8::is_ascii_digit)
        {
            return None;
        }
        s[CLIENT_IP] = Span(run.0, colon as u32);
        s[CLIENT_PORT] = port;
        // `\[date(\.\d+)?\]\ `
        c.lit(b'[').then_some(())?;
        let start = c.i;
        clf_datetime(&mut c).then_some(())?;
        if c.peek() == Some(b'.') && c.at(1).is_some_and(|x| x.is_ascii_digit()) {
            c.i += 1;
            c.digits()?;
        }
        s[ACCEPT_DATE] = Span(start as u32, c.i as u32);
        (c.lit(b']') && c.lit(b' ')).then_some(())?;
        // `[^\s~]+(~)?\ `
        s[FRONTEND] = c.run1_out(SPACE | TILDE)?;
        if c.peek() == Some(b'~') {
            s[SSL] = Span(c.i as u32, c.i as u32 + 1);
            c.i += 1;
        }
        c.lit(b' ').then_some(())?;
        // `[^\s/]+/\S+\ `
        s[BACKEND] = c.run1_out(SPACE | SLASH)?;
        c.lit(b'/').then_some(())?;
        s[SERVER] = c.token_sp()?;
        // `(?:(\S+)\ )?` then the timers: the extra field is preferred, and fails only
        // where the token after it cannot be the timers. Nearly always the next token is
        // the timers and the status follows: then there is no extra field. Otherwise both
        // are read as timers, and the extra field is taken exactly when the second reads.
        let first = c.i;
        let mut probe = Cur { b, i: c.i };
        let t = match timers(&mut probe) {
            Some(t1) => {
                let after = probe.i;
                // A status next (`\d{3} `, `-1 `) cannot start timers: no extra field.
                let status_next = match b.get(after..after + 4) {
                    Some([x, y, z, b' ']) => {
                        x.is_ascii_digit() && y.is_ascii_digit() && z.is_ascii_digit()
                    }
                    Some([b'-', b'1', b' ', _]) => true,
                    _ => false,
                };
                if status_next {
                    c.i = after;
                    t1
                } else {
                    match timers(&mut probe) {
                        Some(t2) => {
                            s[EXTRA] = Span(first as u32, after as u32 - 1);
                            c.i = probe.i;
                            t2
                        }
                        None => {
                            c.i = after;
                            t1
                        }
                    }
                }
            }
            None => {
                s[EXTRA] = c.token_sp()?;
                timers(&mut c)?
            }
        };
        s[TQ..TQ + 5].copy_from_slice(&t);
        // `(\d{3}|-1)\ (\+?\d+)\ `
        let st = c.i;
        if !(c.shape(b"999") || c.shape(b"-1")) {
            return None;
        }
        s[STATUS] = Span(st as u32, c.i as u32);
        c.lit(b' ').then_some(())?;
        s[BYTES] = c.signed(b'+')?;
        c.lit(b' ').then_some(())?;
        s[REQ_COOKIE] = c.token_sp()?;
        s[RES_COOKIE] = c.token_sp()?;
        // `[-A-Za-z]{4}\ `
        let ts = c.i;
        c.exactly(4, |x| x == b'-' || x.is_ascii_alphabetic())
            .then_some(())?;
        s[TERMINATION] = Span(ts as u32, c.i as u32);
        c.lit(b' ').then_some(())?;
        // `\d+/\d+/\d+/\d+/\+?\d+\ \d+/\d+`
        for k in 0..4 {
            s[ACTCONN + k] = c.digits()?;
            c.lit(b'/').then_some(())?;
        }
        s[ACTCONN + 4] = c.signed(b'+')?;
        c.lit(b' ').then_some(())?;
        s[SRV_QUEUE] = c.digits()?;
        c.lit(b'/').then_some(())?;
        s[BACKEND_QUEUE] = c.digits()?;
        // `(?:\ \{([^}]*)\}?)?`: a cut header block runs to the end of the line.
        if c.peek() == Some(b' ') && c.at(1) == Some(b'{') {
            c.i += 2;
            let end = memchr(b'}', &b[c.i..]).map_or(b.len(), |k| c.i + k);
            s[REQ_HEADERS] = Span(c.i as u32, end as u32);
            c.i = end;
            c.lit(b'}');
        }
        // `(?:\ \{([^}]*)\})?`: only with its closing brace.
        if c.peek() == Some(b' ') && c.at(1) == Some(b'{') {
            if let Some(end) = memchr(b'}', &b[c.i + 2..]) {
                s[RES_HEADERS] = Span(c.i as u32 + 2, (c.i + 2 + end) as u32);
                c.i += 2 + end + 1;
            }
        }
        // `(?:\ "([A-Z]+)\ (\S+?)(?:\ (HTTP/[\d.]+))?"?)?\s*$`
        if c.peek() == Some(b' ') && c.at(1) == Some(b'"') {
            c.i += 2;
            s[METHOD] = c.run1_in(UPPER)?;
            c.lit(b' ').then_some(())?;
            let path = c.non_space()?;
            // The lazy path ends as early as the rest allows: before a final `"` when
            // only spaces follow it, else at the end of the token.
            let tail_quote = b[path.1 as usize - 1] == b'"' && path.1 - path.0 >= 2;
            if tail_quote && c.rest_is_space() {
                s[PATH] = Span(path.0, path.1 - 1);
                return Some(());
            }
            s[PATH] = path;
            // `(?:\ (HTTP/[\d.]+))?` is preferred; then `"?\s*$`.
            if c.peek() == Some(b' ') && b[c.i + 1..].starts_with(b"HTTP/") {
                let save = c.i;
                c.i += 6;
                let v = c.run_in(DIGIT | DOT);
                if v.1 > v.0 {
                    s[PROTOCOL] = Span(save as u32 + 1, v.1);
                    c.lit(b'"');
                    if c.rest_is_space() {
                        return Some(());
                    }
                    // A longer protocol run cannot help; without it the rest is
                    // ` HTTP/…`, not spaces: the regex's own backtracking ends the same
                    // way only if a shorter version run fits, which it cannot.
                    return None;
                }
                c.i = save;
            }
            c.lit(b'"');
        }
        c.rest_is_space().then_some(())
    }
}

/// nginx's combined log (`parsers/nginx_access.json`, pattern `combined`).
mod nginx {
    use super::*;

    pub const FIELDS: &[&str] = &[
        "forwarded",
        "client_ip",
        "ident",
        "user",
        "time",
        "method",
        "path",
        "protocol",
        "bad_request",
        "status",
        "bytes",
        "referer",
        "user_agent",
        "rest",
    ];
    const FORWARDED: usize = 0;
    const CLIENT_IP: usize = 1;
    const IDENT: usize = 2;
    const USER: usize = 3;
    const TIME: usize = 4;
    const METHOD: usize = 5;
    const PATH: usize = 6;
    const PROTOCOL: usize = 7;
    const BAD_REQUEST: usize = 8;
    const STATUS: usize = 9;
    const BYTES: usize = 10;
    const REFERER: usize = 11;
    const USER_AGENT: usize = 12;
    const REST: usize = 13;

    pub fn parse(b: &[u8], s: &mut Spans) -> bool {
        body(b, s).is_some()
    }

    fn body(b: &[u8], s: &mut Spans) -> Option<()> {
        let mut c = Cur { b, i: 0 };
        // `^(.*?)\s*`: the lazy prefix is tried empty first; a line that does not parse
        // with it empty declines (the regex then looks for a later start).
        s[FORWARDED] = Span(0, 0);
        c.run(is_space);
        // `([^\s,"]+)\ (\S+)\ (\S+)\ `
        s[CLIENT_IP] = c.run1_out(SPACE | COMMA | QUOTE)?;
        c.lit(b' ').then_some(())?;
        s[IDENT] = c.token_sp()?;
        s[USER] = c.token_sp()?;
        s[TIME] = clf_stamp(&mut c)?;
        // `"(?:method\ path(?:\ protocol)?|bad_request)"\ `: both alternatives close at
        // the first `"` after the opening one, so the first is taken when it fits there.
        c.lit(b'"').then_some(())?;
        let open = c.i;
        let close = open + memchr(b'"', &b[open..])?;
        let mut r = Cur {
            b: &b[..close],
            i: open,
        };
        let first = (|| {
            let m = r.run1_in(UPPER)?;
            r.lit(b' ').then_some(())?;
            let p = r.non_space()?;
            let proto = if r.lit(b' ') {
                Some(Span(r.i as u32, close as u32))
            } else if r.i == close {
                None
            } else {
                return None;
            };
            Some((m, p, proto))
        })();
        match first {
            Some((m, p, proto)) => {
                s[METHOD] = m;
                s[PATH] = p;
                if let Some(pr) = proto {
                    s[PROTOCOL] = pr;
                }
            }
            None => s[BAD_REQUEST] = Span(open as u32, close as u32),
        }
        c.i = close + 1;
        c.lit(b' ').then_some(())?;
        // `(\d{3})\ (\d+|-)`
        let st = c.i;
        c.shape(b"999").then_some(())?;
        s[STATUS] = Span(st as u32, c.i as u32);
        c.lit(b' ').then_some(())?;
        s[BYTES] = match c.digits() {
            Some(d) => d,
            None if c.lit(b'-') => Span(c.i as u32 - 1, c.i as u32),
            None => return None,
        };
        // `(?:\ "([^"]*)"\ "([^"]*)")?(.*)$`: the rest always matches, so the pair is
        // taken exactly when it is there.
        let save = c.i;
        let pair = (|| {
            c.lit(b' ').then_some(())?;
            let r = quoted(&mut c)?;
            c.lit(b' ').then_some(())?;
            let u = quoted(&mut c)?;
            Some((r, u))
        })();
        match pair {
            Some((r, u)) => {
                s[REFERER] = r;
                s[USER_AGENT] = u;
            }
            None => c.i = save,
        }
        s[REST] = Span(c.i as u32, b.len() as u32);
        // `.` does not match `\n`: a line holding one is the regex's.
        memchr(b'\n', &b[c.i..]).is_none().then_some(())
    }
}

/// `"([^"]*)"` at the cursor: the inside's span.
fn quoted(c: &mut Cur<'_>) -> Option<Span> {
    c.lit(b'"').then_some(())?;
    let end = c.i + memchr(b'"', &c.b[c.i..])?;
    let s = Span(c.i as u32, end as u32);
    c.i = end + 1;
    Some(s)
}

/// `"((?:[^"\\]|\\.)*)"` at the cursor: the inside's span. Escapes are units (a
/// backslash and the byte after it, not a newline), so the only place the run can end
/// with a quote next is the first unescaped quote.
fn escaped(c: &mut Cur<'_>) -> Option<Span> {
    c.lit(b'"').then_some(())?;
    let start = c.i;
    loop {
        c.i += memchr::memchr2(b'"', b'\\', &c.b[c.i..])?;
        if c.b[c.i] == b'"' {
            break;
        }
        c.at(1).filter(|&x| x != b'\n')?;
        c.i += 2;
    }
    let span = Span(start as u32, c.i as u32);
    c.i += 1;
    Some(span)
}

/// Apache httpd's access log (`parsers/apache_access.json`, pattern `access`): common,
/// combined, vhost_combined, with an optional `%D`.
///
/// Every piece of the regex but three reads one way only: `\S+\ ` ends at the first
/// whitespace byte, the quoted strings at their first unescaped quote, digit runs where
/// the digits end (the next piece needs a space or the end). The three choices are tried
/// in the regex's order, the later ones only when the earlier fail further on: the
/// `%v` prefix (taken, else the line from its start), the request (`method path
/// protocol`, the same with a path that drops a final quote, `-`, any escaped text),
/// and the optional groups after the status (each taken, else left out).
mod apache {
    use super::*;

    pub const FIELDS: &[&str] = &[
        "vhost",
        "vhost_port",
        "client",
        "ident",
        "user",
        "time",
        "method",
        "path",
        "protocol",
        "bad_request",
        "status",
        "bytes",
        "referer",
        "user_agent",
        "forwarded_for",
        "duration_us",
    ];
    const VHOST: usize = 0;
    const VHOST_PORT: usize = 1;
    const CLIENT: usize = 2;
    const IDENT: usize = 3;
    const USER: usize = 4;
    const TIME: usize = 5;
    const METHOD: usize = 6;
    const PATH: usize = 7;
    const PROTOCOL: usize = 8;
    const BAD_REQUEST: usize = 9;
    const STATUS: usize = 10;
    const BYTES: usize = 11;
    const REFERER: usize = 12;
    const USER_AGENT: usize = 13;
    const FORWARDED_FOR: usize = 14;
    const DURATION_US: usize = 15;

    pub fn parse(b: &[u8], s: &mut Spans) -> bool {
        // `^(?:vhost(?::port)?\ )?`, preferred.
        if let Some((vhost, port, at)) = vhost(b) {
            if rest(b, at, s) {
                s[VHOST] = vhost;
                if let Some(p) = port {
                    s[VHOST_PORT] = p;
                }
                return true;
            }
            s.fill(Span::NONE);
        }
        rest(b, 0, s)
    }

    /// `([A-Za-z0-9][A-Za-z0-9.-]*)(?::(\d+))?\ `: the vhost, its port, where the rest
    /// starts. The name ends where its class does, the port where its digits do; either
    /// must be followed by the space.
    fn vhost(b: &[u8]) -> Option<(Span, Option<Span>, usize)> {
        if !b.first()?.is_ascii_alphanumeric() {
            return None;
        }
        let mut c = Cur { b, i: 0 };
        let name = c.run_in(UPPER | LOWER | DIGIT | DOT | DASH);
        if c.lit(b':') {
            if let Some(port) = c.digits() {
                if c.lit(b' ') {
                    return Some((name, Some(port), c.i));
                }
            }
            // Without the port, the name must be followed by the space: it is not.
            return None;
        }
        c.lit(b' ').then_some((name, None, c.i))
    }

    /// The line from `at` on, after the vhost prefix or in its place: true when the regex's
    /// rest matches there, its groups in `s`.
    fn rest(b: &[u8], at: usize, s: &mut Spans) -> bool {
        let mut c = Cur { b, i: at };
        let head = (|| {
            s[CLIENT] = c.token_sp()?;
            s[IDENT] = c.token_sp()?;
            s[USER] = c.token_sp()?;
            s[TIME] = clf_stamp(&mut c)?;
            c.lit(b'"').then_some(())
        })();
        if head.is_none() {
            return false;
        }
        let open = c.i;
        // `(?P<method>[A-Z]+)\ (?P<path>\S+)(?:\ (?P<protocol>[A-Z]+/[\d.]+))?`, then `"`.
        let mut r = Cur { b, i: open };
        let method = r.run1_in(UPPER).filter(|_| r.lit(b' '));
        let run = method.and_then(|_| r.non_space());
        if let (Some(m), Some(run)) = (method, run) {
            // The whole run as the path, with the protocol after it.
            let mut p = Cur {
                b,
                i: run.1 as usize,
            };
            let proto = (|| {
                p.lit(b' ').then_some(())?;
                let start = p.i;
                p.run1_in(UPPER)?;
                p.lit(b'/').then_some(())?;
                p.run1_in(DIGIT | DOT)?;
                let proto = Span(start as u32, p.i as u32);
                p.lit(b'"').then_some(proto)
            })();
            if let Some(proto) = proto {
                if tail(b, p.i, s) {
                    (s[METHOD], s[PATH], s[PROTOCOL]) = (m, run, proto);
                    return true;
                }
            }
            // A shorter path is followed by a byte of the run, never the protocol's
            // space: only a quote that ends the run can close it.
            if run.1 - run.0 >= 2 && b[run.1 as usize - 1] == b'"' && tail(b, run.1 as usize, s) {
                (s[METHOD], s[PATH]) = (m, Span(run.0, run.1 - 1));
                return true;
            }
        }
        // `-`
        if b.get(open) == Some(&b'-') && b.get(open + 1) == Some(&b'"') && tail(b, open + 2, s) {
            return true;
        }
        // `(?P<bad_request>(?:[^"\\]|\\.)*)`
        let mut q = Cur { b, i: open - 1 };
        if let Some(bad) = escaped(&mut q) {
            if tail(b, q.i, s) {
                s[BAD_REQUEST] = bad;
                return true;
            }
        }
        false
    }

    /// `\ (\d{3})\ (\d+|-)` then the optional `\ "referer"\ "agent"`, `\ "forwarded"`,
    /// `\ (\d+)`, then `\s*$`, from `at` (just after the request's closing quote).
    fn tail(b: &[u8], at: usize, s: &mut Spans) -> bool {
        let mut c = Cur { b, i: at };
        let head = (|| {
            c.lit(b' ').then_some(())?;
            let st = c.i;
            c.shape(b"999").then_some(())?;
            let status = Span(st as u32, c.i as u32);
            c.lit(b' ').then_some(())?;
            let bytes = match c.digits() {
                Some(d) => d,
                None if c.lit(b'-') => Span(c.i as u32 - 1, c.i as u32),
                None => return None,
            };
            Some((status, bytes))
        })();
        let Some((status, bytes)) = head else {
            return false;
        };
        // Each optional group reads one way where it starts: taken when it reads, left
        // out when what follows fails with it, in the regex's order.
        let pair = |i: usize| {
            let mut c = Cur { b, i };
            c.lit(b' ').then_some(())?;
            let r = escaped(&mut c)?;
            c.lit(b' ').then_some(())?;
            let u = escaped(&mut c)?;
            Some((r, u, c.i))
        };
        let one = |i: usize| {
            let mut c = Cur { b, i };
            c.lit(b' ').then_some(())?;
            let f = escaped(&mut c)?;
            Some((f, c.i))
        };
        let number = |i: usize| {
            let mut c = Cur { b, i };
            c.lit(b' ').then_some(())?;
            let d = c.digits()?;
            Some((d, c.i))
        };
        let end = |i: usize| b[i..].iter().all(|&x| is_space(x));
        let i = c.i;
        for g1 in [pair(i), None] {
            let i1 = g1.map_or(i, |(.., e)| e);
            for g2 in [one(i1), None] {
                let i2 = g2.map_or(i1, |(_, e)| e);
                for g3 in [number(i2), None] {
                    let i3 = g3.map_or(i2, |(_, e)| e);
                    if end(i3) {
                        (s[STATUS], s[BYTES]) = (status, bytes);
                        if let Some((r, u, _)) = g1 {
                            (s[REFERER], s[USER_AGENT]) = (r, u);
                        }
                        if let Some((f, _)) = g2 {
                            s[FORWARDED_FOR] = f;
                        }
                        if let Some((d, _)) = g3 {
                            s[DURATION_US] = d;
                        }
                        return true;
                    }
                }
            }
        }
        false
    }
}

/// The AWS Application Load Balancer access log (`parsers/aws_alb.json`, pattern
/// `entry`).
mod alb {
    use super::*;

    pub const FIELDS: &[&str] = &[
        "type",
        "time",
        "elb",
        "client_ip",
        "client_port",
        "target",
        "target_ip",
        "target_port",
        "request_processing_time",
        "target_processing_time",
        "response_processing_time",
        "status_pair",
        "elb_status_code",
        "target_status_code",
        "received_bytes",
        "sent_bytes",
        "method",
        "url",
        "path",
        "protocol",
        "user_agent",
        "ssl_cipher",
        "ssl_protocol",
        "target_group_arn",
        "target_group",
        "trace_id",
        "domain_name",
        "chosen_cert_arn",
        "matched_rule_priority",
        "request_creation_time",
        "actions_executed",
        "redirect_url",
        "error_reason",
        "target_port_list",
        "target_status_code_list",
        "classification",
        "classification_reason",
        "conn_trace_id",
    ];
    const TYPE: usize = 0;
    const TIME: usize = 1;
    const ELB: usize = 2;
    const CLIENT_IP: usize = 3;
    const TARGET: usize = 5;
    const TARGET_IP: usize = 6;
    const RPT: usize = 8;
    const STATUS_PAIR: usize = 11;
    const ELB_STATUS: usize = 12;
    const TARGET_STATUS: usize = 13;
    const RECEIVED: usize = 14;
    const SENT: usize = 15;
    const METHOD: usize = 16;
    const URL: usize = 17;
    const PATH: usize = 18;
    const PROTOCOL: usize = 19;
    const USER_AGENT: usize = 20;
    const SSL_CIPHER: usize = 21;
    const SSL_PROTOCOL: usize = 22;
    const TG_ARN: usize = 23;
    const TG: usize = 24;
    const TRACE_ID: usize = 25;
    const PRIORITY: usize = 28;
    const CREATION: usize = 29;
    const ACTIONS: usize = 30;
    const PORT_LIST: usize = 33;
    const CONN_TRACE_ID: usize = 37;

    pub fn parse(b: &[u8], s: &mut Spans) -> bool {
        body(b, s).is_some()
    }

    /// `\[?([^\s\]]+?)\]?:(\d+)` over a whole token: (ip, port).
    fn endpoint(b: &[u8], tok: Span) -> Option<(Span, Span)> {
        let (mut a, z) = (tok.0 as usize, tok.1 as usize);
        if b[a] == b'[' {
            a += 1;
        }
        let colon = a + memchr::memrchr(b':', &b[a..z])?;
        if colon + 1 == z || !b[colon + 1..z].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let mut end = colon;
        if end > a && b[end - 1] == b']' {
            end -= 1;
        }
        if end == a || b[a..end].contains(&b']') {
            return None;
        }
        Some((Span(a as u32, end as u32), Span(colon as u32 + 1, z as u32)))
    }

    /// `\d{3}|-` as a whole token.
    fn code(b: &[u8], t: Span) -> bool {
        let v = &b[t.0 as usize..t.1 as usize];
        v == b"-" || (v.len() == 3 && v.iter().all(u8::is_ascii_digit))
    }

    fn body(b: &[u8], s: &mut Spans) -> Option<()> {
        let mut c = Cur { b, i: 0 };
        let t = c.token_sp()?;
        let ty = &b[t.0 as usize..t.1 as usize];
        matches!(
            ty,
            b"http" | b"https" | b"h2" | b"grpc" | b"grpcs" | b"ws" | b"wss"
        )
        .then_some(())?;
        s[TYPE] = t;
        // `\d{4}-\d\d-\d\dT\S+\ `
        let t = c.token_sp()?;
        let v = &b[t.0 as usize..t.1 as usize];
        let d = |i: usize| v.get(i).is_some_and(u8::is_ascii_digit);
        let ok = (0..4).all(d)
            && v.get(4) == Some(&b'-')
            && d(5)
            && d(6)
            && v.get(7) == Some(&b'-')
            && d(8)
            && d(9)
            && v.get(10) == Some(&b'T')
            && v.len() > 11;
        ok.then_some(())?;
        s[TIME] = t;
        s[ELB] = c.token_sp()?;
        let t = c.token_sp()?;
        let (ip, port) = endpoint(b, t)?;
        s[CLIENT_IP] = ip;
        s[CLIENT_IP + 1] = port;
        // `(-|\[?ip\]?:port)\ `
        let t = c.token_sp()?;
        s[TARGET] = t;
        if &b[t.0 as usize..t.1 as usize] != b"-" {
            let (ip, port) = endpoint(b, t)?;
            s[TARGET_IP] = ip;
            s[TARGET_IP + 1] = port;
        }
        // three `-?[\d.]+` times
        for k in 0..3 {
            let t = c.token_sp()?;
            let v = &b[t.0 as usize..t.1 as usize];
            let v = v.strip_prefix(b"-").unwrap_or(v);
            (!v.is_empty() && v.iter().all(|x| x.is_ascii_digit() || *x == b'.')).then_some(())?;
            s[RPT + k] = t;
        }
        let e = c.token_sp()?;
        let t = c.token_sp()?;
        (code(b, e) && code(b, t)).then_some(())?;
        s[ELB_STATUS] = e;
        s[TARGET_STATUS] = t;
        s[STATUS_PAIR] = Span(e.0, t.1);
        for slot in [RECEIVED, SENT] {
            let t = c.token_sp()?;
            let v = &b[t.0 as usize..t.1 as usize];
            (v == b"-" || v.iter().all(u8::is_ascii_digit)).then_some(())?;
            s[slot] = t;
        }
        // `"(?:method\ url\ protocol|[^"]*)"\ `: the first alternative is taken when it
        // fits; its url may hold a `"`, so it may close later than the second would —
        // anything that fails after it declines.
        c.lit(b'"').then_some(())?;
        let open = c.i;
        let mut r = Cur { b, i: open };
        let first = (|| {
            let m = r.run1(|x| x.is_ascii_uppercase())?;
            r.lit(b' ').then_some(())?;
            let url = r.run(|x| !is_space(x));
            r.lit(b' ').then_some(())?;
            let proto_end = r.i + memchr(b'"', &b[r.i..])?;
            // `(?:[a-z0-9]+://[^/\s]*)?(/\S*)?` must cover the url
            let u = &b[url.0 as usize..url.1 as usize];
            let scheme = u
                .iter()
                .take_while(|x| x.is_ascii_lowercase() || x.is_ascii_digit())
                .count();
            let path_at = if scheme > 0 && u[scheme..].starts_with(b"://") {
                scheme + 3 + memchr(b'/', &u[scheme + 3..]).unwrap_or(u.len() - scheme - 3)
            } else {
                0
            };
            let path = match u.get(path_at) {
                None => None,
                Some(b'/') => Some(Span(url.0 + path_at as u32, url.1)),
                Some(_) => return None,
            };
            Some((m, url, path, Span(r.i as u32, proto_end as u32), proto_end))
        })();
        match first {
            Some((m, url, path, proto, end)) => {
                s[METHOD] = m;
                s[URL] = url;
                if let Some(p) = path {
                    s[PATH] = p;
                }
                s[PROTOCOL] = proto;
                c.i = end + 1;
            }
            None => c.i = open + memchr(b'"', &b[open..])? + 1,
        }
        c.lit(b' ').then_some(())?;
        // `"((?:[^"\\]|\\.)*)"\ `
        c.lit(b'"').then_some(())?;
        let ua = c.i;
        loop {
            match c.peek()? {
                b'"' => break,
                b'\\' => {
                    (c.at(1)? != b'\n').then_some(())?;
                    c.i += 2;
                }
                _ => c.i += 1,
            }
        }
        s[USER_AGENT] = Span(ua as u32, c.i as u32);
        c.i += 1;
        c.lit(b' ').then_some(())?;
        s[SSL_CIPHER] = c.token_sp()?;
        s[SSL_PROTOCOL] = c.token_sp()?;
        // `(arn:\S*?:targetgroup/([^/\s]+)/\S+|\S+)\ `: the first `:targetgroup/` after
        // `arn:` with a name and a `/` and more after it.
        let t = c.token_sp()?;
        s[TG_ARN] = t;
        let v = &b[t.0 as usize..t.1 as usize];
        if v.starts_with(b"arn:") {
            const MARK: &[u8] = b":targetgroup/";
            let mut from = 4;
            while let Some(k) = memchr::memmem::find(&v[from..], MARK) {
                let at = from + k + MARK.len();
                let name = v[at..].iter().take_while(|x| **x != b'/').count();
                if name > 0 && at + name + 1 < v.len() {
                    s[TG] = Span(t.0 + at as u32, t.0 + (at + name) as u32);
                    break;
                }
                from += k + 1;
            }
        }
        for k in 0..3 {
            s[TRACE_ID + k] = quoted(&mut c)?;
            c.lit(b' ').then_some(())?;
        }
        // `(-?\d+|-)\ (\S+)\ `
        let t = c.token_sp()?;
        let v = &b[t.0 as usize..t.1 as usize];
        let digits = v.strip_prefix(b"-").unwrap_or(v);
        (v == b"-" || (!digits.is_empty() && digits.iter().all(u8::is_ascii_digit)))
            .then_some(())?;
        s[PRIORITY] = t;
        s[CREATION] = c.token_sp()?;
        for k in 0..3 {
            if k > 0 {
                c.lit(b' ').then_some(())?;
            }
            s[ACTIONS + k] = quoted(&mut c)?;
        }
        // `(?:\ "…"\ "…"\ "…"\ "…")?`: taken when all four are there and what follows
        // can end the line (a space or nothing); else the regex would read on without
        // them, which is the regex's to do.
        let save = c.i;
        let four = (|| {
            let mut v = [Span::NONE; 4];
            for x in &mut v {
                c.lit(b' ').then_some(())?;
                *x = quoted(&mut c)?;
            }
            Some(v)
        })();
        match four {
            Some(v) if c.peek().is_none_or(|x| x == b' ') => {
                s[PORT_LIST..PORT_LIST + 4].copy_from_slice(&v);
            }
            Some(_) => return None,
            None => c.i = save,
        }
        // `(?:\ (\S+))?(?:\ .*)?$`
        if c.peek() == Some(b' ') && c.at(1).is_some_and(|x| !is_space(x)) {
            c.i += 1;
            s[CONN_TRACE_ID] = c.non_space()?;
        }
        let rest = &b[c.i..];
        (rest.is_empty() || (rest[0] == b' ' && memchr(b'\n', rest).is_none())).then_some(())
    }
}

/// nginx's error log (`parsers/nginx_error.json`, pattern `entry`).
///
/// The regex is a fixed head, a lazy `(.*?)` message, then a suffix S of seven optional
/// `, name: value` groups and `\s*$`. The message is the shortest one after which S
/// matches to the end of the text, and S's own choices are the regex's first in order
/// of preference. S can only start at a `,` (every group opens with one) or where the
/// rest of the text is whitespace (all groups skipped, `\s*$`), so those are the only
/// message ends tried, in ascending order.
mod nginx_error {
    use super::*;

    pub const FIELDS: &[&str] = &[
        "time",
        "level",
        "pid",
        "tid",
        "connection",
        "msg",
        "client",
        "server",
        "method",
        "path",
        "protocol",
        "bad_request",
        "subrequest",
        "upstream",
        "upstream_host",
        "host_header",
        "referrer",
    ];
    const TIME: usize = 0;
    const LEVEL: usize = 1;
    const PID: usize = 2;
    const TID: usize = 3;
    const CONNECTION: usize = 4;
    const MSG: usize = 5;
    const CLIENT: usize = 6;
    const SERVER: usize = 7;
    const METHOD: usize = 8;
    const PATH: usize = 9;
    const PROTOCOL: usize = 10;
    const BAD_REQUEST: usize = 11;
    const SUBREQUEST: usize = 12;
    const UPSTREAM: usize = 13;
    const UPSTREAM_HOST: usize = 14;
    const HOST_HEADER: usize = 15;
    const REFERRER: usize = 16;

    /// The optional groups' openings, in the regex's order. None is a prefix of another,
    /// so at most one group can start at a given byte.
    const OPENINGS: [&[u8]; 7] = [
        b", client: ",
        b", server: ",
        b", request: \"",
        b", subrequest: \"",
        b", upstream: \"",
        b", host: \"",
        b", referrer: \"",
    ];
    const G_CLIENT: usize = 0;
    const G_SERVER: usize = 1;
    const G_REQUEST: usize = 2;
    const G_SUBREQUEST: usize = 3;
    const G_UPSTREAM: usize = 4;
    const G_HOST: usize = 5;
    const G_REFERRER: usize = 6;

    /// Groups taken, summed over every message end tried, before the line is left to the
    /// regex (real lines take five or six; only a message full of `, client: `-like text
    /// gets near it).
    const BUDGET: u32 = 64;

    /// The suffix being matched: the line, where its trailing whitespace starts, and the
    /// groups left to try before declining.
    struct Tail<'a> {
        b: &'a [u8],
        /// The least `t` with `b[t..]` all whitespace: `\s*$` matches at `i` iff `i >= t`.
        ws: usize,
        budget: u32,
    }

    pub fn parse(b: &[u8], s: &mut Spans) -> bool {
        body(b, s).is_some()
    }

    fn body(b: &[u8], s: &mut Spans) -> Option<()> {
        let mut c = Cur { b, i: 0 };
        // `\d{4}/\d\d/\d\d\ \d\d:\d\d:\d\d\ `
        let d = |x: u8| x.is_ascii_digit();
        let ok = c.exactly(4, d)
            && c.lit(b'/')
            && c.exactly(2, d)
            && c.lit(b'/')
            && c.exactly(2, d)
            && c.lit(b' ')
            && c.exactly(2, d)
            && c.lit(b':')
            && c.exactly(2, d)
            && c.lit(b':')
            && c.exactly(2, d);
        ok.then_some(())?;
        s[TIME] = Span(0, c.i as u32);
        // `\ \[([a-z]+)\]\ (\d+)\#(\d+):\ `: each run is followed by a byte outside its
        // class, so each is the maximal run.
        (c.lit(b' ') && c.lit(b'[')).then_some(())?;
        s[LEVEL] = c.run1(|x| x.is_ascii_lowercase())?;
        (c.lit(b']') && c.lit(b' ')).then_some(())?;
        s[PID] = c.digits()?;
        c.lit(b'#').then_some(())?;
        s[TID] = c.digits()?;
        (c.lit(b':') && c.lit(b' ')).then_some(())?;
        // `(?:\*(\d+)\ )?`, preferred. Were the rest to fail with it, it would fail
        // without it too (the message could then only end earlier inside `*N `, where S
        // cannot start unless only whitespace follows, which S would take later as
        // well): such a line declines below either way.
        if c.peek() == Some(b'*') {
            let mut p = Cur { b, i: c.i + 1 };
            if let Some(n) = p.digits() {
                if p.lit(b' ') {
                    s[CONNECTION] = n;
                    c.i = p.i;
                }
            }
        }
        // `(.*?)`: ends at `limit` at the latest (`.` is not `\n`).
        let start = c.i;
        let limit = memchr(b'\n', &b[start..]).map_or(b.len(), |k| start + k);
        let ws = b.len() - b.iter().rev().take_while(|&&x| is_space(x)).count();
        let mut t = Tail {
            b,
            ws,
            budget: BUDGET,
        };
        // Before `ws`, only a `,` can start S; from `ws` on, S is `\s*$` alone.
        let mut at = start;
        let upto = limit.min(ws);
        while at < upto {
            let Some(k) = memchr(b',', &b[at..upto]) else {
                break;
            };
            let comma = at + k;
            if t.suffix(comma, 0, s)? {
                s[MSG] = Span(start as u32, comma as u32);
                return Some(());
            }
            at = comma + 1;
        }
        let end = ws.max(start);
        (end <= limit).then_some(())?;
        s[MSG] = Span(start as u32, end as u32);
        Some(())
    }

    impl Tail<'_> {
        /// S from `at` with groups `k..` still allowed: `Some(true)` when it matches to the
        /// end (its spans filled), `Some(false)` when it cannot, `None` when the budget
        /// ran out. Spans are written only on the way back from a match, so a failed
        /// attempt leaves none behind.
        fn suffix(&mut self, at: usize, k: usize, s: &mut Spans) -> Option<bool> {
            let b = self.b;
            let Some(g) = OPENINGS.iter().position(|o| b[at..].starts_with(o)) else {
                // No group here: `\s*$`.
                return Some(at >= self.ws);
            };
            // A group before `k` opens here: none of `k..` can, and `\s*$` cannot take
            // the `,`. The same when group `g` fails: skipping it leaves the `,`.
            if g < k {
                return Some(false);
            }
            self.budget = self.budget.checked_sub(1)?;
            let v = at + OPENINGS[g].len();
            match g {
                // `([^,]*)`, greedy: to the next `,` or the end. Any shorter value is
                // followed by a byte that is neither `,` nor (with a `,` or the end
                // still to come) the start of an all-whitespace rest.
                G_CLIENT | G_SERVER => {
                    let end = memchr(b',', &b[v..]).map_or(b.len(), |e| v + e);
                    let ok = self.suffix(end, g + 1, s)?;
                    if ok {
                        let slot = if g == G_CLIENT { CLIENT } else { SERVER };
                        s[slot] = Span(v as u32, end as u32);
                    }
                    Some(ok)
                }
                G_REQUEST => self.request(v, s),
                // `"((?:[a-z]+://)?([^/"]*)[^"]*)"`: the value runs to the first `"`
                // whatever the split inside it, so the preferred split (the scheme when
                // there is one, the longest host) is the one reported.
                G_UPSTREAM => {
                    let Some(e) = memchr(b'"', &b[v..]) else {
                        return Some(false);
                    };
                    let end = v + e;
                    if !self.suffix(end + 1, g + 1, s)? {
                        return Some(false);
                    }
                    let val = &b[v..end];
                    let scheme = val.iter().take_while(|x| x.is_ascii_lowercase()).count();
                    let host = if scheme > 0 && val[scheme..].starts_with(b"://") {
                        v + scheme + 3
                    } else {
                        v
                    };
                    let host_end = memchr(b'/', &b[host..end]).map_or(end, |e| host + e);
                    s[UPSTREAM] = Span(v as u32, end as u32);
                    s[UPSTREAM_HOST] = Span(host as u32, host_end as u32);
                    Some(true)
                }
                // `"([^"]*)"`: to the first `"`.
                _ => {
                    let Some(e) = memchr(b'"', &b[v..]) else {
                        return Some(false);
                    };
                    let end = v + e;
                    let ok = self.suffix(end + 1, g + 1, s)?;
                    if ok {
                        let slot = match g {
                            G_SUBREQUEST => SUBREQUEST,
                            G_HOST => HOST_HEADER,
                            _ => {
                                debug_assert_eq!(g, G_REFERRER);
                                REFERRER
                            }
                        };
                        s[slot] = Span(v as u32, end as u32);
                    }
                    Some(ok)
                }
            }
        }

        /// `(?:([A-Z]+)\ (\S+)(?:\ ([^"]*))?|([^"]*))"` from `v` (after the opening `"`),
        /// then S from the subrequest group on; the alternatives in the regex's order.
        fn request(&mut self, v: usize, s: &mut Spans) -> Option<bool> {
            let b = self.b;
            const NEXT: usize = G_REQUEST + 1;
            // The method is the maximal `[A-Z]` run (a shorter one is not followed by a
            // space), the path's longest choice the maximal `\S` run.
            let m = v + b[v..].iter().take_while(|x| x.is_ascii_uppercase()).count();
            if m > v && b.get(m) == Some(&b' ') {
                let p = m + 1;
                let pe = p + b[p..].iter().take_while(|&&x| !is_space(x)).count();
                if pe > p {
                    // The longest path: only `\ ([^"]*)"` can follow it (the byte after it
                    // is whitespace, so not `"`); the protocol runs to the first `"`.
                    if b.get(pe) == Some(&b' ') {
                        if let Some(e) = memchr(b'"', &b[pe + 1..]) {
                            let q = pe + 1 + e;
                            if self.suffix(q + 1, NEXT, s)? {
                                s[METHOD] = Span(v as u32, m as u32);
                                s[PATH] = Span(p as u32, pe as u32);
                                s[PROTOCOL] = Span(pe as u32 + 1, q as u32);
                                return Some(true);
                            }
                        }
                    }
                    // Shorter paths: followed by a non-space, so no protocol; they fit
                    // only where that byte is the closing `"`, longest first.
                    let mut hi = pe;
                    while let Some(k) = memchr::memrchr(b'"', &b[p + 1..hi]) {
                        let q = p + 1 + k;
                        if self.suffix(q + 1, NEXT, s)? {
                            s[METHOD] = Span(v as u32, m as u32);
                            s[PATH] = Span(p as u32, q as u32);
                            return Some(true);
                        }
                        hi = q;
                    }
                }
            }
            // `([^"]*)"`: to the first `"`.
            let Some(e) = memchr(b'"', &b[v..]) else {
                return Some(false);
            };
            let q = v + e;
            let ok = self.suffix(q + 1, NEXT, s)?;
            if ok {
                s[BAD_REQUEST] = Span(v as u32, q as u32);
            }
            Some(ok)
        }
    }
}

/// Tokenizers against their regexes on raw bytes (the integration tests can only hand
/// them `&str`): invalid UTF-8 and control bytes, spans compared by position.
/// klog (`parsers/klog.json`, pattern `klog`): `Lmmdd hh:mm:ss.uuuuuu thread file:line] msg`,
/// bare, after a container-runtime stamp, or after a journalctl prefix.
///
/// The regex's choices are all decided by a byte: the optional prefix is the CRI stamp
/// only when the line starts with a digit, the journal prefix only when it starts with
/// three letters, and bare klog only when it starts with `[IWEF]` and a digit. So a
/// prefix that matches but is followed by no klog line leaves the regex nothing else to
/// try: the tokenizer declines and the regex fails too. Every run (`\d+`, `\S+`,
/// `[\w./@-]+`, `[^\s:\]]+`) is followed by a byte it cannot contain, so only its
/// longest length can fit.
mod klog {
    use super::*;

    pub const FIELDS: &[&str] = &[
        "cri_ts",
        "journal_ts",
        "host",
        "program",
        "pid",
        "level",
        "klog_ts",
        "thread",
        "file",
        "line",
        "msg",
    ];
    const CRI_TS: usize = 0;
    const JOURNAL_TS: usize = 1;
    const HOST: usize = 2;
    const PROGRAM: usize = 3;
    const PID: usize = 4;
    const LEVEL: usize = 5;
    const KLOG_TS: usize = 6;
    const THREAD: usize = 7;
    const FILE: usize = 8;
    const LINE: usize = 9;
    const MSG: usize = 10;

    pub fn parse(b: &[u8], s: &mut Spans) -> bool {
        body(b, s).is_some()
    }

    fn d(x: u8) -> bool {
        x.is_ascii_digit()
    }

    /// `\d\d:\d\d:\d\d`
    fn hms(c: &mut Cur<'_>) -> bool {
        c.exactly(2, d) && c.lit(b':') && c.exactly(2, d) && c.lit(b':') && c.exactly(2, d)
    }

    /// `(?:\.\d+)?`: taken when a dot is followed by a digit (then all the digits).
    fn fraction(c: &mut Cur<'_>) {
        if c.peek() == Some(b'.') && c.at(1).is_some_and(d) {
            c.i += 1;
            c.run(d);
        }
    }

    /// `\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?\ (?:(?:stdout|stderr)\ [FP]\ )?`
    fn cri(c: &mut Cur<'_>, s: &mut Spans) -> Option<()> {
        let t = c.i;
        let ok = c.exactly(4, d)
            && c.lit(b'-')
            && c.exactly(2, d)
            && c.lit(b'-')
            && c.exactly(2, d)
            && c.lit(b'T')
            && hms(c);
        ok.then_some(())?;
        fraction(c);
        // the zone: `Z`, or a sign, two digits, an optional colon, two digits
        if c.peek() == Some(b'Z') {
            c.i += 1;
        } else if matches!(c.peek(), Some(b'+' | b'-')) {
            let save = c.i;
            c.i += 1;
            // `:?` is taken when there; not taking it cannot help (digits would then have
            // to start at the colon)
            let ok = c.exactly(2, d) && {
                c.lit(b':');
                c.exactly(2, d)
            };
            if !ok {
                c.i = save;
            }
        }
        s[CRI_TS] = Span(t as u32, c.i as u32);
        c.lit(b' ').then_some(())?;
        let rest = &c.b[c.i..];
        if (rest.starts_with(b"stdout ") || rest.starts_with(b"stderr "))
            && matches!(rest.get(7), Some(b'F' | b'P'))
            && rest.get(8) == Some(&b' ')
        {
            c.i += 9;
        }
        Some(())
    }

    /// `[A-Za-z]{3}\ [\ \d]?\d\ \d\d:\d\d:\d\d(?:\.\d+)?\ (\S+)\ ([\w./@-]+)(?:\[(\d+)\])?:\ `
    fn journal(c: &mut Cur<'_>, s: &mut Spans) -> Option<()> {
        let t = c.i;
        (c.exactly(3, |x| x.is_ascii_alphabetic()) && c.lit(b' ')).then_some(())?;
        // `[\ \d]?\d\ `: two bytes then a space, or one digit then a space
        let (c1, c2, c3) = (c.at(0), c.at(1), c.at(2));
        if c1.is_some_and(|x| x == b' ' || d(x)) && c2.is_some_and(d) && c3 == Some(b' ') {
            c.i += 2;
        } else if c1.is_some_and(d) && c2 == Some(b' ') {
            c.i += 1;
        } else {
            return None;
        }
        (c.lit(b' ') && hms(c)).then_some(())?;
        fraction(c);
        s[JOURNAL_TS] = Span(t as u32, c.i as u32);
        c.lit(b' ').then_some(())?;
        s[HOST] = c.token_sp()?;
        s[PROGRAM] =
            c.run1(|x| x.is_ascii_alphanumeric() || matches!(x, b'_' | b'.' | b'/' | b'@' | b'-'))?;
        if c.peek() == Some(b'[') {
            // `(?:\[(\d+)\])?:`: taken exactly when `[digits]` is there (a `[` cannot be
            // the colon that follows otherwise)
            c.i += 1;
            s[PID] = c.digits()?;
            c.lit(b']').then_some(())?;
        }
        (c.lit(b':') && c.lit(b' ')).then_some(())
    }

    fn body(b: &[u8], s: &mut Spans) -> Option<()> {
        let mut c = Cur { b, i: 0 };
        match b.first() {
            Some(x) if d(*x) => cri(&mut c, s)?,
            Some(x) if x.is_ascii_alphabetic() && !b.get(1).is_some_and(|y| d(*y)) => {
                journal(&mut c, s)?
            }
            _ => {}
        }
        // `([IWEF])(\d{4}\ \d\d:\d\d:\d\d\.\d{6})\ +(\d+)\ `
        let l = c.i;
        matches!(c.peek(), Some(b'I' | b'W' | b'E' | b'F')).then_some(())?;
        c.i += 1;
        s[LEVEL] = Span(l as u32, c.i as u32);
        let t = c.i;
        let ok = c.exactly(4, d) && c.lit(b' ') && hms(&mut c) && c.lit(b'.') && c.exactly(6, d);
        ok.then_some(())?;
        s[KLOG_TS] = Span(t as u32, c.i as u32);
        c.run1(|x| x == b' ')?;
        s[THREAD] = c.digits()?;
        c.lit(b' ').then_some(())?;
        // `([^\s:\]]+):(\d+)\]\ ?(.*)$`
        s[FILE] = c.run1(|x| !is_space(x) && x != b':' && x != b']')?;
        c.lit(b':').then_some(())?;
        s[LINE] = c.digits()?;
        c.lit(b']').then_some(())?;
        c.lit(b' ');
        s[MSG] = Span(c.i as u32, b.len() as u32);
        // `.` does not match `\n`: a line holding one is the regex's.
        memchr(b'\n', &b[c.i..]).is_none().then_some(())
    }
}

/// Traefik's access log (`parsers/traefik.json`, pattern `access`): CLF, then the request
/// count, router and server URL, and the duration.
///
/// At every choice point the regex's first preference is taken; when what follows it
/// fails the tokenizer declines rather than backtrack, so what it accepts is the regex's
/// own first success. A preference is passed over only where it cannot match at all
/// (no method: the request is `bad_request`; the router, which is lazy, grows only past
/// bytes where `" "` or ` "` cannot follow it).
mod traefik {
    use super::*;

    pub const FIELDS: &[&str] = &[
        "client",
        "ident",
        "user",
        "time",
        "method",
        "path",
        "protocol",
        "bad_request",
        "status_to_server",
        "status",
        "bytes",
        "referer",
        "user_agent",
        "request_count",
        "router",
        "server_url",
        "duration_ms",
    ];
    const CLIENT: usize = 0;
    const IDENT: usize = 1;
    const USER: usize = 2;
    const TIME: usize = 3;
    const METHOD: usize = 4;
    const PATH: usize = 5;
    const PROTOCOL: usize = 6;
    const BAD_REQUEST: usize = 7;
    const STATUS_TO_SERVER: usize = 8;
    const STATUS: usize = 9;
    const BYTES: usize = 10;
    const REFERER: usize = 11;
    const USER_AGENT: usize = 12;
    const REQUEST_COUNT: usize = 13;
    const ROUTER: usize = 14;
    const SERVER_URL: usize = 15;
    const DURATION_MS: usize = 16;

    pub fn parse(b: &[u8], s: &mut Spans) -> bool {
        body(b, s).is_some()
    }

    fn body(b: &[u8], s: &mut Spans) -> Option<()> {
        let mut c = Cur { b, i: 0 };
        s[CLIENT] = c.token_sp()?;
        s[IDENT] = c.token_sp()?;
        s[USER] = c.token_sp()?;
        s[TIME] = clf_stamp(&mut c)?;
        c.lit(b'"').then_some(())?;
        // `(?:([A-Z]+)\ (\S+)(?:\ ([^"]*))?|([^"]*))"`
        let open = c.i;
        let method = c.run1(|x| x.is_ascii_uppercase());
        let first = method.filter(|_| c.lit(b' ')).and_then(|m| {
            let p = c.non_space()?;
            Some((m, p))
        });
        match first {
            Some((m, p)) => {
                s[METHOD] = m;
                s[PATH] = p;
                if c.lit(b' ') {
                    let end = c.i + memchr(b'"', &b[c.i..]).unwrap_or(b.len() - c.i);
                    s[PROTOCOL] = Span(c.i as u32, end as u32);
                    c.i = end;
                }
            }
            None => {
                // the first alternative cannot match here at all
                c.i = open;
                let end = c.i + memchr(b'"', &b[c.i..])?;
                s[BAD_REQUEST] = Span(c.i as u32, end as u32);
                c.i = end;
            }
        }
        (c.lit(b'"') && c.lit(b' ')).then_some(())?;
        // `((\d{3}|-)\ (\d+|-)\ "…"\ "…"\ (\d+)\ "([^"]*?)(?:"\ |\ )"([^"]*)")`
        let group = c.i;
        let st = c.i;
        if !(c.exactly(3, |x| x.is_ascii_digit()) || c.lit(b'-')) {
            return None;
        }
        s[STATUS] = Span(st as u32, c.i as u32);
        c.lit(b' ').then_some(())?;
        s[BYTES] = match c.digits() {
            Some(d) => d,
            None if c.lit(b'-') => Span(c.i as u32 - 1, c.i as u32),
            None => return None,
        };
        c.lit(b' ').then_some(())?;
        s[REFERER] = escaped(&mut c)?;
        c.lit(b' ').then_some(())?;
        s[USER_AGENT] = escaped(&mut c)?;
        c.lit(b' ').then_some(())?;
        s[REQUEST_COUNT] = c.digits()?;
        (c.lit(b' ') && c.lit(b'"')).then_some(())?;
        // the lazy router: the first end where `" "` or ` "` follows; it cannot pass a quote
        let r = c.i;
        loop {
            match c.peek()? {
                b'"' if c.at(1) == Some(b' ') && c.at(2) == Some(b'"') => {
                    s[ROUTER] = Span(r as u32, c.i as u32);
                    c.i += 3;
                    break;
                }
                b'"' => return None,
                b' ' if c.at(1) == Some(b'"') => {
                    s[ROUTER] = Span(r as u32, c.i as u32);
                    c.i += 2;
                    break;
                }
                _ => c.i += 1,
            }
        }
        let u = c.i;
        c.i += memchr(b'"', &b[c.i..])?;
        s[SERVER_URL] = Span(u as u32, c.i as u32);
        c.i += 1;
        s[STATUS_TO_SERVER] = Span(group as u32, c.i as u32);
        // `\ (\d+)ms\s*$`
        c.lit(b' ').then_some(())?;
        s[DURATION_MS] = c.digits()?;
        (c.lit(b'm') && c.lit(b's') && c.rest_is_space()).then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Registry;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn first_space_is_the_first_whitespace_byte(
            b in proptest::collection::vec(prop::sample::select(
                vec![b'a', b'/', b' ', b'\t', b'\n', b'\r', 0x0b, 0x0c, 0x00, 0x1f, 0x20, 0x21, 0x80, 0xa0, 0xff]), 0..40),
        ) {
            let want = b.iter().position(|&c| is_space(c)).unwrap_or(b.len());
            prop_assert_eq!(first_space(&b), want);
        }
    }

    static REG: std::sync::LazyLock<Registry> =
        std::sync::LazyLock::new(|| Registry::builtin().unwrap());

    /// Does the format's tokenizer accept `line`? When it does, its spans must be the
    /// regex's, position for position.
    fn accepts(id: &str, line: &[u8]) -> bool {
        let f = REG.get(id).unwrap();
        let p = f.patterns.iter().find(|p| p.fast.is_some()).unwrap();
        let (fp, _) = p.fast.unwrap();
        let mut spans = [Span::NONE; MAX_FIELDS];
        if !(fp.parse)(line, &mut spans) {
            return false;
        }
        let shown = line.escape_ascii().to_string();
        let caps = p
            .regex
            .as_ref()
            .unwrap()
            .get()
            .captures(line)
            .unwrap_or_else(|| panic!("accepted a line the regex rejects: {shown}"));
        for (i, name) in fp.fields.iter().enumerate() {
            let want = caps.name(name).map(|m| m.range());
            assert_eq!(spans[i].get(), want, "{id}.{name}: {shown}");
        }
        true
    }

    const NGX_ERROR: &[&[u8]] = &[
        b"2026/11/21 05:24:25 [error] 3458#3458: *23 upstream timed out (110: Connection timed out) while reading response header from upstream, client: ::1, server: shop.example.test, request: \"GET /slow/report?range=30d HTTP/1.1\", upstream: \"http://127.0.0.1:18083/slow/report?range=30d\", host: \"shop.example.test\"",
        b"2016/10/25 14:49:34 [error] 54053#0: *1 open() \"/x\" failed (2: No such file or directory), client: 127.0.0.1, server: localhost, request: \"GET /favicon.ico HTTP/1.1\", subrequest: \"/auth\", upstream: \"fastcgi://unix:/run/php.sock:\", host: \"localhost:8080\", referrer: \"http://localhost:8080/\"",
        b"2026/11/21 05:26:58 [notice] 3456#3456: signal 3 (SIGQUIT) received from 15930, shutting down",
    ];

    #[test]
    fn nginx_error_on_bytes_that_are_not_utf8() {
        let h = b"2026/11/21 05:24:25 [error] 3458#3458: ";
        let accepted: &[&[u8]] = &[
            b"*1 caf\xc3, client: \xff\xfe, request: \"GET /\xff HTTP/1.1\", host: \"\x80\"",
            b"*1 \xff\xff, request: \"\xc3\xa9 x\"",
            b"*1 x, client: a\x0b",
            b"*1 x\x0b\x0c\r\t ",
            b"*1 x, request: \"GET /a\x0bHTTP/1.1\"",
            b"*1 x, upstream: \"\xffa://b/c\"",
            b"*1 x, client: a\nb, host: \"c\nd\"\n",
        ];
        for tail in accepted {
            let line = [&h[..], tail].concat();
            assert!(accepts("nginx_error", &line), "{}", line.escape_ascii());
        }
        for l in NGX_ERROR {
            assert!(accepts("nginx_error", l), "{}", l.escape_ascii());
        }
    }

    fn piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            Just(b" ".to_vec()),
            Just(b"\"".to_vec()),
            Just(b",".to_vec()),
            Just(b", ".to_vec()),
            Just(b"/".to_vec()),
            Just(b":".to_vec()),
            Just(b"*".to_vec()),
            Just(b"\t".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"\x0b".to_vec()),
            Just(b"\xff".to_vec()),
            Just(b"\xc3".to_vec()),
            Just(b"\xc3\xa9".to_vec()),
            Just(b"HTTP/1.1".to_vec()),
            Just(b"GET".to_vec()),
            Just(b"http://".to_vec()),
            Just(b", client: ".to_vec()),
            Just(b", server: ".to_vec()),
            Just(b", request: \"".to_vec()),
            Just(b", subrequest: \"".to_vec()),
            Just(b", upstream: \"".to_vec()),
            Just(b", host: \"".to_vec()),
            Just(b", referrer: \"".to_vec()),
            "[0-9]{1,4}".prop_map(String::into_bytes),
            "[a-z]{1,5}".prop_map(String::into_bytes),
            "[A-Z]{1,3}".prop_map(String::into_bytes),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

        /// A line with stretches replaced by random pieces, at any byte.
        #[test]
        fn nginx_error_agrees_on_mutated_bytes(
            which in 0..NGX_ERROR.len(),
            edits in proptest::collection::vec(
                (0usize..400, 0usize..30, proptest::collection::vec(piece(), 0..5)),
                1..4,
            ),
        ) {
            let mut line = NGX_ERROR[which].to_vec();
            for (at, cut, insert) in edits {
                let at = at.min(line.len());
                let end = (at + cut).min(line.len());
                line.splice(at..end, insert.concat());
            }
            accepts("nginx_error", &line);
        }
    }
}
