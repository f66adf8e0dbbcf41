//! HAProxy 2.6: the outcome of a request at the load balancer (timers,
//! status, bytes, termination state, connection counts) and the httplog line
//! as rsyslog writes it (RFC 3164 header + HAProxy's own accept date), plus the
//! state lines: server DOWN/UP, "has no server available!", reloads.

use crate::output::Line;
use crate::rng::{self, Rng};
use crate::syslog::Host;
use crate::time::{self, MS, Us};
use crate::traffic::{Class, Kind, Population, Request, push_i32, push_u32};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Cause {
    None,
    Noise,
    Incident,
}

/// What the backend's own access log saw of a request.
#[derive(Clone, Copy)]
pub struct Served {
    pub status: u16,
    pub body: u32,
    /// When it logged the request, ms after the LB accepted it.
    pub end_ms: i32,
}

#[derive(Clone)]
pub struct Outcome {
    pub backend: &'static str,
    pub server: &'static str,
    /// TR/Tw/Tc/Tr/Ta in ms (-1 when the phase never completed).
    pub timers: [i32; 5],
    pub status: u16,
    pub bytes: u32,
    pub term: &'static str,
    /// actconn/feconn/beconn/srv_conn.
    pub conns: [u32; 4],
    pub retries: u8,
    pub redispatch: bool,
    /// srv_queue/backend_queue.
    pub queue: [u32; 2],
    pub cause: Cause,
    /// The request never reached the LB (dropped before it).
    pub lost: bool,
    pub served: Option<Served>,
}

pub const NOSRV: &str = "<NOSRV>";

impl Outcome {
    /// The ground truth's definition of a failed request: a 5xx, or a failure the
    /// load balancer itself made (no server; a server-side, resource, internal, down or
    /// killed termination state). Client aborts and timeouts (`C…`, `c…`) are not
    /// failures of the service.
    pub fn failed(&self) -> bool {
        let t = self.term.as_bytes();
        self.status >= 500
            || self.server == NOSRV
            || matches!(t[0], b's' | b'S' | b'R' | b'I' | b'D' | b'K')
    }

    pub fn ta(&self) -> i32 {
        self.timers[4]
    }

    pub fn lost() -> Outcome {
        Outcome {
            lost: true,
            cause: Cause::Incident,
            ..Outcome::blank("", "")
        }
    }

    pub fn blank(backend: &'static str, server: &'static str) -> Outcome {
        Outcome {
            backend,
            server,
            timers: [0, 0, 0, 0, 0],
            status: 200,
            bytes: 0,
            term: "----",
            conns: [1, 1, 1, 1],
            retries: 0,
            redispatch: false,
            queue: [0, 0],
            cause: Cause::None,
            lost: false,
            served: None,
        }
    }

    /// HAProxy answered 503 itself because no server was usable.
    pub fn no_server(&mut self) {
        self.server = NOSRV;
        self.timers = [self.timers[0], -1, -1, -1, self.timers[0].max(0)];
        self.status = 503;
        self.bytes = 217;
        self.term = "SC--";
        self.conns[3] = 0;
        self.served = None;
        self.cause = Cause::Incident;
    }

    /// `timeout server` expired before the response headers (504 sH--).
    pub fn server_timeout(&mut self, timeout_ms: i32) {
        let [tr, tw, tc, _, _] = self.timers;
        self.timers = [tr, tw, tc, -1, tr + tw + tc + timeout_ms + 1];
        self.status = 504;
        self.bytes = 198;
        self.term = "sH--";
        self.cause = Cause::Incident;
        self.served = self.served.map(|_| Served {
            status: 499,
            body: 0,
            end_ms: self.timers[4],
        });
    }

    /// `timeout queue` expired while waiting for a server slot (503 sQ--).
    pub fn queue_timeout(&mut self, timeout_ms: i32, queue: [u32; 2]) {
        let tr = self.timers[0];
        self.timers = [tr, timeout_ms + 1, -1, -1, tr + timeout_ms + 1];
        self.status = 503;
        self.bytes = 217;
        self.term = "sQ--";
        self.queue = queue;
        self.cause = Cause::Incident;
        self.served = None;
    }

    /// The server refused connections; after `retries` HAProxy gives up (503 SC--).
    pub fn conn_refused(&mut self, retries: u8) {
        let tr = self.timers[0];
        let ta = tr + 1000 * i32::from(retries.saturating_sub(1)) + 1;
        self.timers = [tr, 0, -1, -1, ta];
        self.status = 503;
        self.bytes = 217;
        self.term = "SC--";
        self.retries = retries;
        self.cause = Cause::Incident;
        self.served = None;
    }

    /// The server answered with an error of its own (e.g. nginx 502/504).
    pub fn server_error(&mut self, status: u16, tr_ms: i32) {
        let [t0, tw, tc, _, _] = self.timers;
        self.timers = [t0, tw, tc, tr_ms, t0 + tw + tc + tr_ms + 1];
        self.status = status;
        self.bytes = if status == 504 { 345 } else { 339 };
        self.term = "----";
        self.cause = Cause::Incident;
        self.served = Some(Served {
            status,
            body: self.bytes - 178,
            end_ms: self.timers[4] - 1,
        });
    }
}

fn status_for(req: &Request, kind: Kind, r: &mut Rng) -> u16 {
    let tpl = req.tpl();
    let u = rng::unit(r);
    match (tpl.class, tpl.method) {
        (Class::Static, _) => {
            if u < 0.35 {
                304
            } else {
                200
            }
        }
        (Class::Page, _) => {
            if u < 0.006 {
                404
            } else {
                200
            }
        }
        (Class::Login, "POST") => {
            if u < 0.11 {
                200
            } else {
                302
            }
        }
        (Class::Login, _) => 200,
        (Class::Auth, "POST") => {
            if u < 0.04 {
                401
            } else {
                200
            }
        }
        (Class::Auth, _) => {
            if u < 0.015 {
                401
            } else {
                200
            }
        }
        (Class::Api, m) => {
            if kind == Kind::Bot && u < 0.004 {
                429
            } else if u < 0.02 {
                404
            } else if u < 0.026 {
                401
            } else if m == "POST" && u < 0.04 {
                400
            } else {
                200
            }
        }
    }
}

fn bytes_for(req: &Request, status: u16, r: &mut Rng) -> u32 {
    let (lo, hi) = req.tpl().bytes;
    match status {
        200 => lo + rng::range(r, 0, u64::from(hi - lo) + 1) as u32,
        304 => 172 + rng::range(r, 0, 60) as u32,
        302 => 412 + rng::range(r, 0, 40) as u32,
        404 => 392 + rng::range(r, 0, 90) as u32,
        401 => 301 + rng::range(r, 0, 40) as u32,
        429 => 318,
        400 => 356 + rng::range(r, 0, 80) as u32,
        _ => 250 + rng::range(r, 0, 150) as u32,
    }
}

/// Load at the LB when the request is handled, for the connection counters.
#[derive(Clone, Copy)]
pub struct Load {
    /// Requests per second through this LB.
    pub rate: f64,
    /// Servers sharing the backend.
    pub servers: u32,
}

/// A healthy request: `slow` scales the server response time.
pub fn healthy(
    req: &Request,
    pop: &Population,
    r: &mut Rng,
    backend: &'static str,
    server: &'static str,
    slow: f64,
    load: Load,
) -> Outcome {
    let kind = pop.clients[req.client as usize].kind;
    let tpl = req.tpl();
    let status = status_for(req, kind, r);
    let bytes = bytes_for(req, status, r);
    let t_req = match rng::unit(r) {
        u if u < 0.80 => 0,
        u if u < 0.92 => 1,
        _ => 2 + rng::exp(r, 9.0) as i32,
    };
    let t_conn = match rng::unit(r) {
        u if u < 0.70 => 0,
        u if u < 0.97 => 1,
        _ => 2 + rng::range(r, 0, 3) as i32,
    };
    let median = if status == 304 || status >= 400 {
        1.5
    } else {
        tpl.median_ms
    };
    let t_resp = (rng::lognormal(r, median * slow, 0.55) as i32).clamp(0, 29_000);
    let speed = rng::lognormal(r, 2500.0, 0.9); // bytes per ms to the client
    let t_data = if bytes > 20_000 {
        (f64::from(bytes) / speed) as i32
    } else {
        rng::range(r, 0, 2) as i32
    };
    let ta = t_req + t_conn + t_resp + t_data;
    let fe = (load.rate * 4.0 * (0.7 + 0.6 * rng::unit(r))) as u32 + 1;
    let act = fe + u32::from(rng::chance(r, 0.3));
    let inflight = load.rate * (f64::from(t_resp.max(1)) / 1000.0) * slow;
    let be = (inflight * (0.5 + rng::unit(r)) * 2.0) as u32 + 1;
    let srv = (be / load.servers.max(1)).max(1);
    Outcome {
        backend,
        server,
        timers: [t_req, 0, t_conn, t_resp, ta],
        status,
        bytes,
        term: "----",
        conns: [act, fe, be, srv],
        retries: 0,
        redispatch: false,
        queue: [0, 0],
        cause: Cause::None,
        lost: false,
        served: Some(Served {
            status,
            body: bytes.saturating_sub(190),
            end_ms: t_conn + t_resp + t_data,
        }),
    }
}

/// Rare background failures that happen on any healthy day.
pub fn noise(o: &mut Outcome, req: &Request, r: &mut Rng) {
    let u = rng::unit(r);
    let big = matches!(req.class(), Class::Static | Class::Page);
    if u < 0.0007 {
        o.status = 500;
        o.bytes = 262 + rng::range(r, 0, 140) as u32;
        o.cause = Cause::Noise;
        o.served = o.served.map(|s| Served {
            status: 500,
            body: o.bytes - 190,
            ..s
        });
    } else if u < 0.0009 {
        let tc = o.timers[2];
        o.timers = [
            o.timers[0],
            0,
            tc,
            -1,
            o.timers[0] + tc + 2 + rng::range(r, 0, 40) as i32,
        ];
        o.status = 502;
        o.bytes = 209;
        o.term = "SH--";
        o.cause = Cause::Noise;
        o.served = None;
    } else if big && u < 0.0022 {
        o.term = "CD--";
        o.bytes = o.bytes / 3 + 17;
        o.cause = Cause::Noise;
    } else if big && u < 0.005 {
        o.term = "cD--";
        o.timers[4] += 30_000;
        o.bytes /= 2;
    }
}

/// One LB: its host (name, clock offset) and HAProxy worker pids over time.
pub struct Lb {
    pub host: Host,
    pub frontend: &'static str,
    pub domain: &'static str,
    /// (from accept time, worker pid), ascending.
    pub pids: Vec<(Us, u32)>,
}

impl Lb {
    pub fn pid_at(&self, t: Us) -> u32 {
        let i = self.pids.partition_point(|(from, _)| *from <= t);
        self.pids[i.saturating_sub(1)].1
    }

    /// When the request line is logged (end of the transaction), true time.
    pub fn emit_time(&self, req: &Request, o: &Outcome) -> Us {
        req.t + Us::from(o.ta().max(0)) * MS + (req.seq % 997) as Us
    }
}

/// Format the httplog line as rsyslog's traditional file format writes it.
pub fn push_line(b: &mut Vec<u8>, lb: &Lb, req: &Request, o: &Outcome, pop: &Population, emit: Us) {
    let c = &pop.clients[req.client as usize];
    let off = lb.host.offset;
    time::push_syslog(b, emit + off);
    b.push(b' ');
    b.extend_from_slice(lb.host.name.as_bytes());
    b.extend_from_slice(b" haproxy[");
    push_u32(b, lb.pid_at(req.t));
    b.extend_from_slice(b"]: ");
    b.extend_from_slice(c.ip.as_bytes());
    b.push(b':');
    push_u32(b, u32::from(req.port));
    b.extend_from_slice(b" [");
    time::push_haproxy(b, req.t + off);
    b.extend_from_slice(b"] ");
    b.extend_from_slice(lb.frontend.as_bytes());
    b.push(b' ');
    b.extend_from_slice(o.backend.as_bytes());
    b.push(b'/');
    b.extend_from_slice(o.server.as_bytes());
    b.push(b' ');
    for (i, v) in o.timers.iter().enumerate() {
        if i > 0 {
            b.push(b'/');
        }
        push_i32(b, *v);
    }
    b.push(b' ');
    push_u32(b, u32::from(o.status));
    b.push(b' ');
    push_u32(b, o.bytes);
    b.extend_from_slice(b" - - ");
    b.extend_from_slice(o.term.as_bytes());
    b.push(b' ');
    for v in o.conns {
        push_u32(b, v);
        b.push(b'/');
    }
    if o.redispatch {
        b.push(b'+');
    }
    push_u32(b, u32::from(o.retries));
    b.push(b' ');
    push_u32(b, o.queue[0]);
    b.push(b'/');
    push_u32(b, o.queue[1]);
    b.extend_from_slice(b" {");
    b.extend_from_slice(req.host_prefix().as_bytes());
    b.extend_from_slice(lb.domain.as_bytes());
    b.push(b'|');
    let ua = c.ua.as_bytes();
    b.extend_from_slice(&ua[..ua.len().min(64)]);
    b.extend_from_slice(b"} \"");
    b.extend_from_slice(req.tpl().method.as_bytes());
    b.push(b' ');
    req.push_path(b);
    b.extend_from_slice(if c.kind == Kind::Browser {
        b" HTTP/2.0\""
    } else {
        b" HTTP/1.1\""
    });
}

/// A haproxy.log line from the worker or master (state changes, reloads).
pub fn state(lb: &Lb, t: Us, pid: u32, msg: &str) -> Line {
    crate::syslog::line(&lb.host, t, &format!("haproxy[{pid}]"), msg)
}

pub fn server_down(backend: &str, server: &str, reason: &str, left: u32, sessions: u32) -> String {
    format!(
        "Server {backend}/{server} is DOWN, reason: {reason}. {left} active and 0 backup servers left. {sessions} sessions active, 0 requeued, 0 remaining in queue."
    )
}

pub fn server_up(backend: &str, server: &str, check_ms: u32, online: u32) -> String {
    format!(
        "Server {backend}/{server} is UP, reason: Layer7 check passed, code: 200, check duration: {check_ms}ms. {online} active and 0 backup servers online. 0 sessions requeued, 0 total in queue."
    )
}

pub fn no_server(backend: &str) -> String {
    format!("backend {backend} has no server available!")
}

/// The same events as HAProxy's stderr writes them (journald -> rsyslog).
pub fn stderr(level: &str, pid: u32, msg: &str) -> String {
    format!("{:<11}({pid}) : {msg}", format!("[{level}]"))
}

/// A reload in master-worker mode: the master forks a new worker, the new
/// worker starts its proxies, the old one stops its own and exits.
pub struct Reload<'a> {
    pub master: u32,
    pub old: u32,
    pub new: u32,
    pub proxies: &'a [&'a str],
    /// Connections served by the old worker, per proxy.
    pub cumulated: u64,
}

pub fn reload_lines(lb: &Lb, t: Us, rl: &Reload) -> Vec<Line> {
    let mut v = vec![state(
        lb,
        t,
        rl.master,
        &stderr("NOTICE", rl.master, "Reloading HAProxy"),
    )];
    let mut tt = t + 31 * MS;
    for p in rl.proxies {
        v.push(state(lb, tt, rl.new, &format!("Proxy {p} started.")));
        tt += MS;
    }
    v.push(state(
        lb,
        tt,
        rl.master,
        &stderr(
            "NOTICE",
            rl.master,
            &format!("New worker ({}) forked", rl.new),
        ),
    ));
    v.push(state(
        lb,
        tt,
        rl.master,
        &stderr("NOTICE", rl.master, "Loading success."),
    ));
    tt += 2 * MS;
    for p in rl.proxies {
        let kind = if p.starts_with("fe") {
            "frontend"
        } else {
            "backend"
        };
        v.push(state(
            lb,
            tt,
            rl.old,
            &format!("Stopping {kind} {p} in 0 ms."),
        ));
    }
    for p in rl.proxies {
        let (fe, be) = if p.starts_with("fe") {
            (rl.cumulated, 0)
        } else {
            (0, rl.cumulated)
        };
        v.push(state(
            lb,
            tt,
            rl.old,
            &format!("Proxy {p} stopped (cumulated conns: FE: {fe}, BE: {be})."),
        ));
    }
    tt += 1700 * MS;
    v.push(state(
        lb,
        tt,
        rl.master,
        &stderr(
            "WARNING",
            rl.master,
            &format!("Former worker ({}) exited with code 0 (Exit)", rl.old),
        ),
    ));
    v
}
