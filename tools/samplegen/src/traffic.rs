//! The request traffic model: a population of clients with Zipf-like activity
//! (a few heavy API integrations and NAT gateways, a long tail of people),
//! sessions arriving as a Poisson process whose rate follows the time of day,
//! and each session a burst of page, asset, API and auth requests.
//! Requests come out in accept-time order; the LB outcome of each is decided
//! by the scenario (see `Outcome`).

use crate::rng::{self, Rng, Zipf};
use crate::time::{MS, SEC, Us};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Browser,
    Mobile,
    Bot,
}

pub struct Client {
    pub ip: String,
    pub ua: &'static str,
    pub kind: Kind,
    pub lb: u8,
}

const BROWSER_UA: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:123.0) Gecko/20100101 Firefox/123.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:122.0) Gecko/20100101 Firefox/122.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
];
const MOBILE_UA: &[&str] = &[
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.6167.164 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.230 Mobile Safari/537.36",
    "CloudConsole/5.12.1 (iPhone; iOS 17.3.1; Scale/3.00)",
    "CloudConsole/5.12.0 (Android 14; Pixel 7)",
];
const BOT_UA: &[&str] = &[
    "python-requests/2.31.0",
    "Go-http-client/2.0",
    "Go-http-client/1.1",
    "curl/7.81.0",
    "okhttp/4.12.0",
    "cloud-cli/2.8.4 (linux; amd64)",
    "Terraform/1.7.3 terraform-provider-cloud/0.19.2",
    "axios/1.6.7",
];

/// First octets of plausible public IPv4 space (no private, loopback, CGNAT,
/// multicast or reserved blocks).
const V4_FIRST: &[u8] = &[
    24, 31, 37, 45, 46, 50, 62, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82,
    83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 104, 107, 108, 109, 136,
    141, 145, 151, 152, 154, 158, 162, 173, 174, 176, 178, 185, 188, 193, 194, 195, 212, 213, 217,
];

pub struct Population {
    pub clients: Vec<Client>,
    zipf: Zipf,
}

impl Population {
    /// `n` clients; `lb_weights` says how DNS round robin spreads them over the LBs.
    pub fn new(r: &mut Rng, n: usize, lb_weights: &[u32]) -> Population {
        let lbs: Vec<(u8, u32)> = lb_weights
            .iter()
            .enumerate()
            .map(|(i, w)| (i as u8, *w))
            .collect();
        let mut clients = Vec::with_capacity(n);
        let mut seen = std::collections::HashSet::with_capacity(n);
        for rank in 0..n {
            let kind = if rank < 40 {
                *rng::weighted(r, &[(Kind::Bot, 6), (Kind::Browser, 2), (Kind::Mobile, 2)])
            } else {
                *rng::weighted(
                    r,
                    &[(Kind::Browser, 62), (Kind::Mobile, 31), (Kind::Bot, 7)],
                )
            };
            let ip = if rng::chance(r, 0.035) {
                format!(
                    "2001:db8:{:x}:{:x}::{:x}",
                    rng::range(r, 1, 0xffff),
                    rng::range(r, 0, 0xffff),
                    rng::range(r, 1, 0xffff)
                )
            } else {
                format!(
                    "{}.{}.{}.{}",
                    rng::pick(r, V4_FIRST),
                    rng::range(r, 0, 256),
                    rng::range(r, 0, 256),
                    rng::range(r, 1, 255)
                )
            };
            if !seen.insert(ip.clone()) {
                continue;
            }
            let ua = match kind {
                Kind::Browser => *rng::pick(r, BROWSER_UA),
                Kind::Mobile => *rng::pick(r, MOBILE_UA),
                Kind::Bot => *rng::pick(r, BOT_UA),
            };
            let lb = *rng::weighted(r, &lbs);
            clients.push(Client { ip, ua, kind, lb });
        }
        let zipf = Zipf::new(clients.len(), 0.8);
        Population { clients, zipf }
    }

    pub fn len(&self) -> usize {
        self.clients.len()
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Class {
    Page,
    Static,
    Api,
    Auth,
    Login,
}

pub struct Tpl {
    pub method: &'static str,
    pub path: &'static str,
    pub class: Class,
    /// Median server response time (ms).
    pub median_ms: f64,
    /// Response size range (bytes, headers included).
    pub bytes: (u32, u32),
}

const fn t(
    method: &'static str,
    path: &'static str,
    class: Class,
    median_ms: f64,
    bytes: (u32, u32),
) -> Tpl {
    Tpl {
        method,
        path,
        class,
        median_ms,
        bytes,
    }
}

/// Request templates; `{id}`, `{n}`, `{h}`, `{fn}` are filled from the request's parameters.
pub const TPLS: &[Tpl] = &[
    t("GET", "/", Class::Page, 18.0, (4200, 6800)),
    t("GET", "/dashboard", Class::Page, 35.0, (8100, 12900)),
    t("GET", "/projects/{id}", Class::Page, 42.0, (9300, 15800)),
    t(
        "GET",
        "/static/js/app.{h}.js",
        Class::Static,
        2.0,
        (182_000, 421_000),
    ),
    t(
        "GET",
        "/static/css/main.{h}.css",
        Class::Static,
        1.0,
        (41_000, 88_000),
    ),
    t("GET", "/favicon.ico", Class::Static, 1.0, (1150, 1150)),
    t(
        "GET",
        "/static/img/logo.svg",
        Class::Static,
        1.0,
        (3470, 3470),
    ),
    t("GET", "/api/v1/projects", Class::Api, 28.0, (1400, 9800)),
    t(
        "GET",
        "/api/v1/projects/{id}",
        Class::Api,
        22.0,
        (800, 4100),
    ),
    t(
        "GET",
        "/api/v1/projects/{id}/functions",
        Class::Api,
        31.0,
        (1200, 14_000),
    ),
    t(
        "POST",
        "/api/v1/functions/{fn}/invoke",
        Class::Api,
        180.0,
        (310, 5200),
    ),
    t(
        "GET",
        "/api/v1/functions/{fn}/logs?since={n}m",
        Class::Api,
        95.0,
        (2100, 48_000),
    ),
    t(
        "GET",
        "/api/v1/usage?period=30d",
        Class::Api,
        64.0,
        (900, 2600),
    ),
    t(
        "PUT",
        "/api/v1/projects/{id}/settings",
        Class::Api,
        45.0,
        (420, 980),
    ),
    t(
        "GET",
        "/api/v1/deployments?project={id}&limit=20",
        Class::Api,
        52.0,
        (1800, 22_000),
    ),
    t("POST", "/auth/token", Class::Auth, 85.0, (1400, 1900)),
    t("POST", "/auth/refresh", Class::Auth, 38.0, (1300, 1800)),
    t("GET", "/auth/userinfo", Class::Auth, 12.0, (560, 910)),
    t(
        "GET",
        "/auth/.well-known/openid-configuration",
        Class::Auth,
        3.0,
        (2240, 2240),
    ),
    t("GET", "/login", Class::Login, 9.0, (5100, 5600)),
    t("POST", "/login", Class::Login, 120.0, (420, 640)),
];

const P_ROOT: u16 = 0;
const P_DASH: u16 = 1;
const P_PROJECT: u16 = 2;
const S_FIRST: u16 = 3;
const S_LAST: u16 = 6;
const A_FIRST: u16 = 7;
const A_LAST: u16 = 14;
const AUTH_TOKEN: u16 = 15;
const AUTH_REFRESH: u16 = 16;
const AUTH_USERINFO: u16 = 17;
const AUTH_OIDC: u16 = 18;
const LOGIN_GET: u16 = 19;
const LOGIN_POST: u16 = 20;

const FUNCS: &[&str] = &[
    "resize-image",
    "send-invoice",
    "sync-crm",
    "thumbnail",
    "nightly-report",
    "webhook-relay",
    "pdf-render",
    "geo-lookup",
    "score-lead",
    "ingest-events",
];

#[derive(Clone, Copy)]
pub struct Request {
    /// True accept time.
    pub t: Us,
    pub client: u32,
    pub lb: u8,
    pub port: u16,
    pub tpl: u16,
    pub p1: u32,
    pub p2: u32,
    /// First request on a new connection (TLS handshake time in TR).
    pub fresh: bool,
    pub seq: u64,
}

impl Request {
    pub fn tpl(&self) -> &'static Tpl {
        &TPLS[self.tpl as usize]
    }

    pub fn class(&self) -> Class {
        self.tpl().class
    }

    pub fn host(&self, domain: &str) -> String {
        match self.class() {
            Class::Api => format!("api.{domain}"),
            _ => format!("console.{domain}"),
        }
    }

    /// Host prefix, so the hot path does not allocate.
    pub fn host_prefix(&self) -> &'static str {
        match self.class() {
            Class::Api => "api.",
            _ => "console.",
        }
    }

    pub fn push_path(&self, b: &mut Vec<u8>) {
        let mut rest = self.tpl().path;
        while let Some(i) = rest.find('{') {
            b.extend_from_slice(&rest.as_bytes()[..i]);
            let j = rest[i..].find('}').expect("closing brace") + i;
            match &rest[i + 1..j] {
                "id" => push_u32(b, 1000 + self.p1 % 9000),
                "n" => push_u32(b, [5, 15, 30, 60][(self.p2 % 4) as usize]),
                "h" => {
                    let h = (u64::from(self.p1 % 6) + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                    b.extend_from_slice(format!("{:08x}", h >> 32).as_bytes());
                }
                "fn" => b.extend_from_slice(FUNCS[(self.p2 as usize) % FUNCS.len()].as_bytes()),
                other => panic!("unknown placeholder {other}"),
            }
            rest = &rest[j + 1..];
        }
        b.extend_from_slice(rest.as_bytes());
    }

    pub fn path(&self) -> String {
        let mut b = Vec::new();
        self.push_path(&mut b);
        String::from_utf8(b).expect("ascii path")
    }
}

pub fn push_u32(b: &mut Vec<u8>, mut v: u32) {
    let mut tmp = [0u8; 10];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    b.extend_from_slice(&tmp[i..]);
}

pub fn push_i32(b: &mut Vec<u8>, v: i32) {
    if v < 0 {
        b.push(b'-');
    }
    push_u32(b, v.unsigned_abs());
}

/// How sessions are composed; scenarios may tune it.
#[derive(Clone, Copy)]
pub struct Mix {
    /// Share of browser sessions that start with the login form.
    pub browser_login: f64,
    /// Share of mobile sessions that start with a token refresh.
    pub mobile_refresh: f64,
    /// Share of bot sessions that start by getting a token.
    pub bot_token: f64,
}

impl Default for Mix {
    fn default() -> Mix {
        Mix {
            browser_login: 0.3,
            mobile_refresh: 0.65,
            bot_token: 0.4,
        }
    }
}

/// Sessions per second as a function of time, before the size multiplier.
pub type RateFn = Box<dyn Fn(Us) -> f64>;

/// A smooth day curve: busiest mid-afternoon UTC, quietest around 03:00.
pub fn diurnal(t: Us) -> f64 {
    let h = (t.rem_euclid(86_400 * SEC)) as f64 / (3600.0 * SEC as f64);
    0.55 + 0.45 * ((h - 15.0) / 24.0 * std::f64::consts::TAU).cos()
}

pub struct Traffic {
    r: Rng,
    pub pop: Population,
    rate: RateFn,
    mult: f64,
    mix: Mix,
    next_session: Us,
    end: Us,
    heap: BinaryHeap<Reverse<Pending>>,
    seq: u64,
}

/// A scheduled request, ordered by (time, sequence).
struct Pending(Request);

impl PartialEq for Pending {
    fn eq(&self, o: &Self) -> bool {
        (self.0.t, self.0.seq) == (o.0.t, o.0.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Pending {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.0.t, self.0.seq).cmp(&(o.0.t, o.0.seq))
    }
}

impl Traffic {
    pub fn new(
        r: Rng,
        pop: Population,
        rate: RateFn,
        mult: f64,
        mix: Mix,
        start: Us,
        end: Us,
    ) -> Traffic {
        let mut tr = Traffic {
            r,
            pop,
            rate,
            mult,
            mix,
            next_session: start,
            end,
            heap: BinaryHeap::new(),
            seq: 0,
        };
        tr.next_session = start + tr.gap(start);
        tr
    }

    /// Expected requests per second at `t` (for connection counts).
    pub fn req_rate(&self, t: Us) -> f64 {
        (self.rate)(t) * self.mult * 5.0
    }

    fn gap(&mut self, t: Us) -> Us {
        let rate = ((self.rate)(t) * self.mult).max(1e-6);
        (rng::exp(&mut self.r, 1.0 / rate) * SEC as f64) as Us + 1
    }

    fn push(&mut self, req: Request) {
        if req.t < self.end {
            self.heap.push(Reverse(Pending(req)));
        }
    }

    fn session(&mut self, t0: Us) {
        let client = self.pop.zipf.sample(&mut self.r) as u32;
        let c = &self.pop.clients[client as usize];
        let (kind, lb) = (c.kind, c.lb);
        let r = &mut self.r;
        let mut plan: Vec<(u16, f64)> = Vec::with_capacity(24);
        match kind {
            Kind::Browser => {
                if rng::chance(r, self.mix.browser_login) {
                    plan.push((LOGIN_GET, 0.0));
                    if rng::chance(r, 0.5) {
                        plan.push((AUTH_OIDC, 0.05));
                    }
                    plan.push((LOGIN_POST, rng::exp(r, 9.0) + 2.0));
                    plan.push((P_DASH, 0.3));
                } else {
                    plan.push((*rng::pick(r, &[P_ROOT, P_DASH, P_DASH, P_PROJECT]), 0.0));
                }
                for s in S_FIRST..=S_LAST {
                    if rng::chance(r, 0.3) {
                        plan.push((s, 0.02 + rng::unit(r) * 0.2));
                    }
                }
                if rng::chance(r, 0.45) {
                    plan.push((AUTH_USERINFO, 0.2));
                }
                let n = 1 + rng::exp(r, 2.0) as usize;
                for _ in 0..n.min(30) {
                    let tpl = rng::range(r, A_FIRST as u64, A_LAST as u64 + 1) as u16;
                    plan.push((tpl, rng::exp(r, 6.0)));
                    if rng::chance(r, 0.08) {
                        plan.push((P_PROJECT, rng::exp(r, 5.0)));
                    }
                }
                if rng::chance(r, 0.15) {
                    plan.push((AUTH_REFRESH, rng::exp(r, 20.0)));
                }
            }
            Kind::Mobile => {
                if rng::chance(r, self.mix.mobile_refresh) {
                    plan.push((AUTH_REFRESH, 0.0));
                }
                if rng::chance(r, 0.3) {
                    plan.push((AUTH_USERINFO, 0.3));
                }
                let n = 1 + rng::exp(r, 3.0) as usize;
                for _ in 0..n.min(25) {
                    let tpl = rng::range(r, A_FIRST as u64, A_LAST as u64 + 1) as u16;
                    plan.push((tpl, rng::exp(r, 7.0)));
                }
            }
            Kind::Bot => {
                if rng::chance(r, self.mix.bot_token) {
                    plan.push((AUTH_TOKEN, 0.0));
                }
                let n = 2 + rng::exp(r, 5.0) as usize;
                for _ in 0..n.min(60) {
                    let tpl = *rng::weighted(
                        r,
                        &[
                            (7u16, 3),
                            (8, 4),
                            (9, 2),
                            (10, 6),
                            (11, 2),
                            (12, 1),
                            (14, 2),
                        ],
                    );
                    plan.push((tpl, rng::exp(r, 1.6)));
                }
            }
        }
        let p1 = rng::range(r, 0, 1 << 20) as u32;
        let mut t = t0;
        let mut port = rng::range(r, 32_768, 61_000) as u16;
        let mut last = t0 - 3600 * SEC;
        for (tpl, gap_s) in plan {
            t += (gap_s * SEC as f64) as Us + rng::range(&mut self.r, 0, 4 * MS as u64) as Us;
            let fresh = t - last > 10 * SEC;
            if fresh {
                port = port
                    .wrapping_add(rng::range(&mut self.r, 1, 400) as u16)
                    .max(1024);
            }
            last = t;
            self.seq += 1;
            let p2 = rng::range(&mut self.r, 0, 1 << 16) as u32;
            let tpl_p1 = if matches!(TPLS[tpl as usize].class, Class::Api | Class::Page) {
                p1 + (p2 % 3)
            } else {
                p1
            };
            let req = Request {
                t,
                client,
                lb,
                port,
                tpl,
                p1: tpl_p1,
                p2,
                fresh,
                seq: self.seq,
            };
            self.push(req);
        }
    }
}

impl Iterator for Traffic {
    type Item = Request;

    fn next(&mut self) -> Option<Request> {
        loop {
            let top = self.heap.peek().map(|Reverse(p)| p.0.t);
            match top {
                Some(t) if t <= self.next_session || self.next_session >= self.end => {
                    return self.heap.pop().map(|Reverse(p)| p.0);
                }
                _ if self.next_session < self.end => {
                    let t0 = self.next_session;
                    self.session(t0);
                    self.next_session = t0 + self.gap(t0);
                }
                _ => return None,
            }
        }
    }
}
