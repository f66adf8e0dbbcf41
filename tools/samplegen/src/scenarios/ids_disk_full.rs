//! Seed 000: Suricata on both load balancers logs ever more until their data
//! disks fill; the reverse-proxy containers there stall (504/502, sH--);
//! stopping the IDS (inline, NFQUEUE, fail-closed) cuts the LBs off the
//! cluster network: every backend goes DOWN (<NOSRV> 503) and etcd loses its
//! leader; starting the IDS again restores the network, a leader is elected
//! and the backends come back.

use super::{Extra, Page, Router, Story};
use crate::etcd::{self, Member};
use crate::haproxy::{self, Cause, Lb, Load, Outcome, Reload};
use crate::k8s::{self, Cluster};
use crate::nginx;
use crate::output::{Ctx, Line, Spec, Stream, Tag, write_lines};

use crate::rng::{self, Rng};
use crate::syslog::{self, Host};
use crate::time::{self, HOUR, MS, SEC, Us};
use crate::traffic::{self, Mix, Population, Request, Traffic};
use crate::truth::{self, Truth};
use std::path::Path;

const DOMAIN: &str = "example.net";
const RP: [&str; 2] = ["rp1", "rp2"];
const PROXIES: &[&str] = &["fe_https", "be_app", "be_stats"];
const UPSTREAMS: [&str; 3] = ["10.0.2.21:8000", "10.0.2.22:8000", "10.0.2.23:8000"];

struct Plan {
    seed: u64,
    start: Us,
    end: Us,
    routine: [Us; 2],
    full1: [Us; 2],
    freed: [Us; 2],
    full2: [Us; 2],
    stop: [Us; 2],
    restart: [Us; 2],
    lbs: Vec<Lb>,
}

impl Plan {
    fn new(seed: u64) -> Plan {
        let start = time::at("2024-04-04T21:00:00Z");
        let routine = [
            time::at("2024-04-04T21:20:10.512Z"),
            time::at("2024-04-04T21:20:40.833Z"),
        ];
        let lbs = super::lb_hosts(start)
            .into_iter()
            .enumerate()
            .map(|(i, host)| Lb {
                host,
                frontend: "fe_https~",
                domain: DOMAIN,
                pids: super::pids([1402, 1388][i], &[routine[i]], start),
            })
            .collect();
        Plan {
            seed,
            start,
            end: time::at("2024-04-05T03:30:00Z"),
            routine,
            full1: [
                time::at("2024-04-04T21:58:41.205Z"),
                time::at("2024-04-04T22:00:02.731Z"),
            ],
            freed: [
                time::at("2024-04-04T22:35:40.118Z"),
                time::at("2024-04-04T22:41:15.940Z"),
            ],
            full2: [
                time::at("2024-04-04T22:52:10.377Z"),
                time::at("2024-04-04T22:58:30.602Z"),
            ],
            stop: [
                time::at("2024-04-04T23:20:05.310Z"),
                time::at("2024-04-04T23:20:41.702Z"),
            ],
            restart: [
                time::at("2024-04-05T02:35:10.415Z"),
                time::at("2024-04-05T02:35:52.208Z"),
            ],
            lbs,
        }
    }

    /// Host `k` is cut off the cluster network (IDS stopped, NFQUEUE fail-closed).
    fn cut(&self, k: usize) -> (Us, Us) {
        (self.stop[k] + 520 * MS, self.restart[k] + 810 * MS)
    }

    /// When rp`k` cannot serve LB `l`: both hosts must be on the network.
    fn unreachable(&self, l: usize, k: usize) -> (Us, Us) {
        let (a, b) = self.cut(k);
        if l == k {
            (a, b)
        } else {
            let (c, d) = self.cut(l);
            (a.min(c), b.max(d))
        }
    }

    /// HAProxy on `l` marks rp`k` DOWN / UP (fall 3, rise 2, inter 2s, downinter 30s).
    fn down_up(&self, l: usize, k: usize) -> (Us, Us) {
        let (a, b) = self.unreachable(l, k);
        let lag_down = if l == k { 15_204 * MS } else { 7_113 * MS };
        let lag_up = [[11_340, 19_822], [4_611, 26_097]][l][k] * MS;
        (a + lag_down, b + lag_up)
    }

    /// How badly rp`k` is stalled by its full disk (0..1).
    fn degraded(&self, k: usize, t: Us) -> f64 {
        if t < self.full1[k] + 25 * SEC || t >= self.stop[k] {
            return 0.0;
        }
        ((t - self.full1[k] - 25 * SEC) as f64 / (90 * SEC) as f64).min(1.0)
    }

    /// Is the IDS able to write eve.json on host `k`?
    fn eve_writing(&self, k: usize, t: Us) -> bool {
        !(t >= self.full1[k] && t < self.freed[k] || t >= self.full2[k] && t < self.restart[k])
    }

    /// Alerts per second of the noisy signature on host `k`.
    fn storm(&self, k: usize, t: Us) -> f64 {
        let from = time::at("2024-04-04T21:05:00Z") + k as Us * 70 * SEC;
        if t < from || t >= self.stop[k] {
            return 0.0;
        }
        (0.01 * ((t - from) as f64 / (9.0 * 60.0 * 1e6)).exp()).min(1.6)
    }
}

struct Route<'a> {
    plan: &'a Plan,
    r: Rng,
    rr: [usize; 2],
}

impl Router for Route<'_> {
    fn route(&mut self, req: &Request, tr: &Traffic) -> Outcome {
        let p = self.plan;
        let (l, t) = (req.lb as usize, req.t);
        let up: Vec<usize> = (0..2)
            .filter(|&k| {
                let (d, u) = p.down_up(l, k);
                t < d || t >= u
            })
            .collect();
        let load = Load {
            rate: tr.req_rate(t) / 2.0,
            servers: up.len().max(1) as u32,
        };
        if up.is_empty() {
            let mut o = Outcome::blank("be_app", RP[0]);
            o.conns = [
                (load.rate * 6.0) as u32 + 9,
                (load.rate * 6.0) as u32 + 8,
                0,
                0,
            ];
            o.no_server();
            return o;
        }
        self.rr[l] = (self.rr[l] + 1) % up.len();
        let k = up[self.rr[l]];
        let r = &mut self.r;
        let (ua, ub) = p.unreachable(l, k);
        let reachable = t < ua || t >= ub;
        let sev = p.degraded(k, t);
        let mut o = haproxy::healthy(req, &tr.pop, r, "be_app", RP[k], 1.0 + 6.0 * sev, load);
        if !reachable {
            if l == k {
                // local nginx is up but cannot reach the apps: 504 after proxy_connect_timeout
                o.server_error(504, 5_001);
            } else {
                // connect timeout, retried on the other server if that one still works
                let other = 1 - k;
                let (oa, ob) = p.unreachable(l, other);
                let (od, ou) = p.down_up(l, other);
                if (t < oa || t >= ob) && (t < od || t >= ou) && rng::chance(r, 0.7) {
                    o.server = RP[other];
                    o.timers[2] += 5_001;
                    o.timers[4] += 5_001;
                    o.retries = 1;
                    o.redispatch = true;
                } else {
                    let tr0 = o.timers[0];
                    o.timers = [tr0, 0, -1, -1, tr0 + 15_004];
                    o.status = 503;
                    o.bytes = 217;
                    o.term = "sC--";
                    o.retries = 3;
                    o.cause = Cause::Incident;
                    o.served = None;
                }
            }
            return o;
        }
        if sev > 0.0 && rng::chance(r, 0.36 * sev) {
            let u = rng::unit(r);
            if u < 0.45 {
                o.server_error(504, 20_001);
            } else if u < 0.70 {
                o.server_timeout(30_000);
                o.served = None;
            } else if u < 0.90 {
                o.server_error(502, 1 + rng::range(r, 0, 400) as i32);
            } else {
                o.conn_refused(3);
                o.server = RP[k];
            }
            return o;
        }
        haproxy::noise(&mut o, req, r);
        o
    }
}

impl Story for Plan {
    fn traffic(&self, mult: f64) -> (Traffic, Box<dyn Router + '_>) {
        let mut r = rng::stream(self.seed, "population");
        let pop = Population::new(&mut r, super::clients(9_000, mult), &[1, 1]);
        let rate: traffic::RateFn = Box::new(|t| 0.9 * traffic::diurnal(t));
        let tr = Traffic::new(
            rng::stream(self.seed, "traffic"),
            pop,
            rate,
            mult,
            Mix::default(),
            self.start,
            self.end,
        );
        (
            tr,
            Box::new(Route {
                plan: self,
                r: rng::stream(self.seed, "route"),
                rr: [0, 1],
            }),
        )
    }

    fn lbs(&self) -> &[Lb] {
        &self.lbs
    }
}

/// The reverse-proxy containers' nginx error logs (UTC), one per LB.
struct RpErrors {
    logs: Vec<Stream>,
    conn: [u64; 2],
    offsets: [Us; 2],
}

impl Extra for RpErrors {
    fn on(&mut self, ctx: &mut Ctx, req: &Request, o: &Outcome, pop: &Population) {
        let k = if o.server == RP[0] { 0 } else { 1 };
        self.conn[k] += 1 + req.seq % 4;
        if o.cause == Cause::Incident && o.server != haproxy::NOSRV && o.served.is_some() {
            let c = &pop.clients[req.client as usize];
            let path = req.path();
            let rl = format!("{} {path} HTTP/1.1", req.tpl().method);
            let up = UPSTREAMS[(req.seq % 3) as usize];
            let host = req.host(DOMAIN);
            let (level, msg, at) = match o.status {
                504 if o.timers[3] > 10_000 => (
                    "error",
                    format!(
                        "upstream timed out (110: Connection timed out) while reading response header from upstream{}",
                        nginx::ctx(&c.ip, "_", &rl, &format!("http://{up}{path}"), &host)
                    ),
                    o.timers[3],
                ),
                504 => (
                    "error",
                    format!(
                        "upstream timed out (110: Connection timed out) while connecting to upstream{}",
                        nginx::ctx(&c.ip, "_", &rl, &format!("http://{up}{path}"), &host)
                    ),
                    o.timers[3],
                ),
                502 => (
                    "crit",
                    format!(
                        "pwrite() \"/var/cache/nginx/proxy_temp/{}/{:02}/00000{:05}\" failed (28: No space left on device) while reading upstream{}",
                        req.seq % 10,
                        req.seq % 100,
                        req.seq % 100_000,
                        nginx::ctx(&c.ip, "_", &rl, &format!("http://{up}{path}"), &host)
                    ),
                    o.timers[3],
                ),
                _ => return,
            };
            let t = req.t + Us::from(at.max(0)) * MS;
            let th = t + self.offsets[k];
            ctx.note_kind("lb.upstream_error", t);
            self.logs[k].push(
                th,
                nginx::error(th, level, 31, Some(self.conn[k]), &msg).into_bytes(),
            );
        }
        self.logs[k].advance(ctx, req.t + self.offsets[k]);
    }

    fn finish(self: Box<Self>, ctx: &mut Ctx) {
        for s in self.logs {
            s.finish(ctx);
        }
    }
}

/// nginx errors from HAProxy's health checks while the host is cut off (downinter 30s).
fn check_errors(p: &Plan, k: usize, r: &mut Rng) -> Vec<Line> {
    let (a, b) = p.cut(k);
    let lb_ip = p.lbs[k].host.ip;
    let mut v = Vec::new();
    let mut t = a + 1_300 * MS;
    let mut first = true;
    let mut i = 0;
    while t < b {
        let up = UPSTREAMS[i % 3];
        let ctx = nginx::ctx(
            lb_ip,
            "_",
            "GET /healthz HTTP/1.0",
            &format!("http://{up}/healthz"),
            lb_ip,
        );
        let msg = if i % 3 == 2 {
            format!(
                "no live upstreams while connecting to upstream{}",
                ctx.replace(&format!("http://{up}"), "http://app_pool")
            )
        } else {
            format!(
                "upstream timed out (110: Connection timed out) while connecting to upstream{ctx}"
            )
        };
        let th = t + p.lbs[k].host.offset;
        let mut l = Line::new(
            th,
            nginx::error(th, "error", 31, Some(900_000 + i as u64), &msg),
        );
        l.true_at = t;
        if first {
            l.kind("lb.upstream_error");
            first = false;
        }
        v.push(l);
        i += 1;
        t += if t < a + 20 * SEC { 2 * SEC } else { 30 * SEC } + rng::range(r, 0, 40_000) as Us;
    }
    v
}

fn haproxy_side(p: &Plan, l: usize) -> Vec<Line> {
    let lb = &p.lbs[l];
    let master = [1396, 1381][l];
    let w = lb.pid_at(p.stop[l]);
    let rl = Reload {
        master,
        old: lb.pid_at(p.routine[l] - 1),
        new: w,
        proxies: PROXIES,
        cumulated: 18_000,
    };
    let mut v = haproxy::reload_lines(lb, p.routine[l], &rl);
    let mut events: Vec<(Us, bool, usize)> = Vec::new();
    for k in 0..2 {
        let (d, u) = p.down_up(l, k);
        events.push((d, true, k));
        events.push((u, false, k));
    }
    events.sort();
    let mut alive = 2u32;
    for (t, down, k) in events {
        if down {
            alive -= 1;
            let reason = if l == k {
                "Layer7 wrong status, code: 504, info: \"Gateway Time-out\", check duration: 5003ms"
            } else {
                "Layer4 timeout, check duration: 2001ms"
            };
            let msg = haproxy::server_down("be_app", RP[k], reason, alive, 3);
            v.push(haproxy::state(lb, t, w, &msg).kinded("lb.backend_down"));
            v.push(haproxy::state(
                lb,
                t,
                w,
                &haproxy::stderr("WARNING", w, &msg),
            ));
            if alive == 0 {
                v.push(
                    haproxy::state(lb, t, w, &haproxy::no_server("be_app")).kinded("lb.no_server"),
                );
                v.push(haproxy::state(
                    lb,
                    t,
                    w,
                    &haproxy::stderr("ALERT", w, "backend 'be_app' has no server available!"),
                ));
            }
        } else {
            alive += 1;
            let msg = haproxy::server_up("be_app", RP[k], 3 + k as u32, alive);
            v.push(haproxy::state(lb, t, w, &msg).kinded("lb.backend_up"));
            v.push(haproxy::state(
                lb,
                t,
                w,
                &haproxy::stderr("WARNING", w, &msg),
            ));
        }
    }
    v
}

fn lb_syslog(p: &Plan, k: usize, r: &mut Rng) -> Vec<Line> {
    let h = &p.lbs[k].host;
    let mut v = syslog::noise(h, r, p.start, p.end, true);
    v.extend(super::systemd_reload(h, p.routine[k], "deploy"));
    // the data disk is full: suricata and dockerd cannot write
    let cid = [
        "4f1c9a07e3b2d85c6a0f1e2d3c4b5a69788f6e5d4c3b2a1908f7e6d5c4b3a291",
        "9be0f2c1d4a3b6e5f8071a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f",
    ][k];
    let mut first = true;
    for (a, b) in [(p.full1[k], p.freed[k]), (p.full2[k], p.stop[k])] {
        let mut t = a;
        while t < b {
            let mut l = if rng::chance(r, 0.35) {
                syslog::line(
                    h,
                    t,
                    "suricata[1034]",
                    "Error: eve-log: write to /data/suricata/eve.json failed: No space left on device",
                )
            } else {
                let ts = time::rfc3339_ms(t + h.offset)
                    .replace('Z', &format!("{:06}Z", rng::range(r, 0, 1_000_000)));
                syslog::line(
                    h,
                    t,
                    "dockerd[912]",
                    &format!(
                        "time=\"{ts}\" level=error msg=\"Error writing log message\" driver=json-file error=\"write /data/docker/containers/{cid}/{cid}-json.log: no space left on device\""
                    ),
                )
            };
            if first {
                if k == 0 {
                    l.mark("trigger", "host.disk_full");
                } else {
                    l.kind("host.disk_full");
                }
                first = false;
            }
            v.push(l);
            t += ((3.0 + rng::exp(r, 40.0)) * SEC as f64) as Us;
        }
    }
    // freeing space: prune, compress the IDS log
    let f = p.freed[k];
    v.extend(syslog::sudo(
        h,
        f - 95 * SEC,
        "deploy",
        "/usr/bin/df -h /data",
    ));
    v.extend(syslog::sudo(
        h,
        f - 60 * SEC,
        "deploy",
        "/usr/bin/docker system prune -af",
    ));
    v.extend(syslog::sudo(
        h,
        f - 5 * SEC,
        "deploy",
        "/usr/bin/mv /data/suricata/eve.json /data/suricata/eve.json.1",
    ));
    v.extend(syslog::sudo(h, f, "deploy", "/usr/bin/kill -HUP 1034"));
    v.extend(syslog::sudo(
        h,
        f + 30 * SEC,
        "deploy",
        "/usr/bin/gzip /data/suricata/eve.json.1",
    ));
    // stopping the IDS
    let s = p.stop[k];
    v.extend(syslog::sudo(
        h,
        s - 2 * SEC,
        "deploy",
        "/usr/bin/systemctl stop suricata",
    ));
    let mut l = syslog::line(h, s, "systemd[1]", "Stopping Suricata IDS/IDP daemon...");
    l.kind("service.stopped");
    v.push(l);
    v.push(syslog::line(
        h,
        s + 40 * MS,
        "suricata[1034]",
        "Notice: suricata: Signal Received.  Stopping engine.",
    ));
    v.push(syslog::line(
        h,
        s + 1_210 * MS,
        "systemd[1]",
        "suricata.service: Deactivated successfully.",
    ));
    v.push(
        syslog::line(
            h,
            s + 1_212 * MS,
            "systemd[1]",
            "Stopped Suricata IDS/IDP daemon.",
        )
        .kinded("service.stopped"),
    );
    v.push(syslog::line(
        h,
        s + 1_214 * MS,
        "systemd[1]",
        &format!(
            "suricata.service: Consumed {}h {}min {}.{:03}s CPU time.",
            3 + k,
            12 + 7 * k,
            41 - 9 * k,
            203 + 311 * k
        ),
    ));
    // the NFS mount that carries the certificates hangs while cut off
    let (a, b) = p.cut(k);
    v.push(syslog::kernel(
        h,
        a + 181 * SEC + 77 * MS,
        "nfs: server nfs1 not responding, still trying",
    ));
    v.push(syslog::kernel(
        h,
        a + 3 * 60 * SEC + 2_411 * MS,
        "nfs: server nfs1 not responding, still trying",
    ));
    v.push(syslog::kernel(
        h,
        b + 12 * SEC + 913 * MS,
        "nfs: server nfs1 OK",
    ));
    // starting it again
    let s = p.restart[k];
    v.extend(syslog::sudo(
        h,
        s - 3 * SEC,
        "deploy",
        "/usr/bin/systemctl start suricata",
    ));
    v.push(syslog::line(
        h,
        s - 400 * MS,
        "systemd[1]",
        "Starting Suricata IDS/IDP daemon...",
    ));
    v.push(syslog::line(
        h,
        s - 120 * MS,
        "suricata[20417]",
        "Notice: suricata: This is Suricata version 7.0.3 RELEASE running in SYSTEM mode",
    ));
    let mut l = syslog::line(h, s, "systemd[1]", "Started Suricata IDS/IDP daemon.");
    if k == 0 {
        l.mark("mitigation", "service.started");
    } else {
        l.kind("service.started");
    }
    v.push(l);
    v.push(syslog::line(
        h,
        s + 3_915 * MS,
        "suricata[20417]",
        "Notice: threads: Threads created -> RX: 2 W: 2 FM: 1 FR: 1   Engine started.",
    ));
    v
}

const IDS: [&str; 3] = ["8e9e05c52164694d", "91bc3c398fb3c146", "fd422379fda50e48"];

/// The three etcd members (lb1, lb2, cp1): routine lines, then the story.
fn etcd_logs(p: &Plan, cp1: &Host, r: &mut Rng) -> [Vec<Line>; 3] {
    let m: Vec<Member> = vec![
        Member {
            name: "lb1",
            id: IDS[0],
            host: p.lbs[0].host.clone(),
            peer_url: "https://10.0.1.11:2380",
        },
        Member {
            name: "lb2",
            id: IDS[1],
            host: p.lbs[1].host.clone(),
            peer_url: "https://10.0.1.12:2380",
        },
        Member {
            name: "cp1",
            id: IDS[2],
            host: cp1.clone(),
            peer_url: "https://10.0.1.21:2380",
        },
    ];
    let _ = (m[0].name, m[0].peer_url);
    let mut out: [Vec<Line>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    // routine: hourly compaction (leader lb1, term 7), slow applies
    let mut rev = 48_117_220i64;
    let mut t = p.start - p.start.rem_euclid(HOUR) + HOUR + 37 * SEC;
    while t < p.end {
        let leader = if t < p.stop[0] { 0 } else { 2 };
        let no_quorum = t >= p.cut(1).0 && t < p.restart[0];
        if !no_quorum {
            for (i, mem) in m.iter().enumerate() {
                let cut = (i < 2) && t >= p.cut(i).0 && t < p.cut(i).1;
                if !cut {
                    out[i].extend(etcd::compaction(
                        mem,
                        t + i as Us * 3 * MS,
                        rev,
                        i == leader,
                    ));
                }
            }
        }
        rev += 41_000 + rng::range(r, 0, 9_000) as i64;
        t += HOUR;
    }
    for (i, mem) in m.iter().enumerate() {
        let mut t = p.start + rng::range(r, 0, 1_800) as Us * SEC;
        while t < p.end {
            let cut = (i < 2 && t >= p.cut(i).0 && t < p.cut(i).1)
                || (i == 2 && t >= p.cut(1).0 && t < p.restart[0]);
            if !cut {
                out[i].push(etcd::slow_apply(mem, r, t));
            }
            t += ((600.0 + rng::exp(r, 2400.0)) * SEC as f64) as Us;
        }
    }
    let (a_cut, a_back) = p.cut(0);
    let (b_cut, b_back) = p.cut(1);
    let streams = ["stream Message", "stream MsgApp v2"];
    let lost = |out: &mut [Vec<Line>; 3], i: usize, peer: usize, t: Us| {
        for (j, s) in streams.iter().enumerate() {
            out[i].push(etcd::lost_stream(
                &m[i],
                t + j as Us * MS,
                IDS[peer],
                s,
                "read tcp: i/o timeout",
            ));
        }
        out[i].push(etcd::peer_inactive(
            &m[i],
            t + 2 * MS,
            IDS[peer],
            &format!(
                "failed to read {} on stream MsgApp v2 (read tcp: i/o timeout)",
                IDS[peer]
            ),
        ));
    };
    let back = |out: &mut [Vec<Line>; 3], i: usize, peer: usize, t: Us| {
        out[i].push(etcd::peer_active(&m[i], t, IDS[peer]));
        for (j, s) in streams.iter().enumerate() {
            out[i].push(etcd::established(
                &m[i],
                t + (1 + j as Us) * MS,
                IDS[peer],
                s,
            ));
        }
    };
    // lb1 is cut: it steps down; cp1 wins an election with lb2's vote (term 8)
    lost(&mut out, 0, 1, a_cut + 1_900 * MS);
    lost(&mut out, 0, 2, a_cut + 1_950 * MS);
    lost(&mut out, 1, 0, a_cut + 2_010 * MS);
    lost(&mut out, 2, 0, a_cut + 2_030 * MS);
    out[0].extend(etcd::step_down(&m[0], a_cut + 5_020 * MS, 7));
    let e = a_cut + 7_412 * MS;
    let mut c = prevote(&m[2], e, 7, &[IDS[0], IDS[1]], 7, 912_301);
    c.push(etcd::rec(
        &m[2],
        e + MS,
        "info",
        "raft/raft.go:830",
        &format!(
            "{} received MsgPreVoteResp from {} at term 7",
            IDS[2], IDS[1]
        ),
        &[],
    ));
    c.push(etcd::rec(
        &m[2],
        e + MS,
        "info",
        "raft/raft.go:1295",
        &format!(
            "{} has received 2 MsgPreVoteResp votes and 0 vote rejections",
            IDS[2]
        ),
        &[],
    ));
    let mut w = etcd::win(&m[2], e + 2 * MS, 8, &[IDS[0], IDS[1]], 7, 912_301);
    w.retain(|l| {
        !l.text.contains(&format!("MsgVoteResp from {}", IDS[0]))
            && !l.text.contains("is starting a new election")
    });
    for l in w.iter_mut() {
        l.text = l
            .text
            .replace("has received 3 MsgVoteResp", "has received 2 MsgVoteResp");
    }
    w.insert(4, etcd::lost_leader(&m[2], e + 2 * MS, IDS[0], 8));
    c.extend(w);
    out[2].extend(c);
    out[1].push(etcd::rec(&m[1], e + MS, "info", "raft/raft.go:966", &format!("{} [logterm: 7, index: 912301, vote: 0] cast MsgPreVote for {} [logterm: 7, index: 912301] at term 7", IDS[1], IDS[2]), &[]));
    let mut f = etcd::vote_for(&m[1], e + 2 * MS, IDS[2], 7, 8, 7, 912_301);
    f.insert(3, etcd::lost_leader(&m[1], e + 3 * MS, IDS[0], 8));
    out[1].extend(f);
    // lb2 is cut as well: cp1 loses quorum; nobody can win any more
    lost(&mut out, 1, 2, b_cut + 1_870 * MS);
    lost(&mut out, 2, 1, b_cut + 1_890 * MS);
    out[2].extend(etcd::step_down(&m[2], b_cut + 5_100 * MS, 8));
    // isolated members keep campaigning (pre-vote, election timeout 10 s)
    let alone = [
        (0, a_cut + 9 * SEC, a_back, 7u64),
        (1, b_cut + 8 * SEC, b_back, 8),
        (2, b_cut + 14 * SEC, a_back, 8),
    ];
    for (i, from, until, term) in alone {
        let mut t = from + rng::range(r, 0, 2_000_000) as Us;
        let mut first = i == 1;
        while t < until {
            let peers: Vec<&str> = (0..3).filter(|&j| j != i).map(|j| IDS[j]).collect();
            let idx = [912_288, 912_344, 912_344][i];
            out[i].extend(prevote(
                &m[i],
                t,
                term,
                &peers,
                if i == 0 { 7 } else { 8 },
                idx,
            ));
            if first {
                out[i].push(etcd::lost_leader(&m[i], t + MS, IDS[2], term));
                first = false;
            }
            t += ((10.0 + 10.0 * rng::unit(r)) * SEC as f64) as Us;
        }
    }
    // lb1 is back: cp1 (longer log) wins with lb1's vote (term 9)
    back(&mut out, 0, 2, a_back + 300 * MS);
    back(&mut out, 2, 0, a_back + 310 * MS);
    let e = a_back + 2_530 * MS;
    let mut c = prevote(&m[2], e, 8, &[IDS[0], IDS[1]], 8, 912_344);
    c.push(etcd::rec(
        &m[2],
        e + MS,
        "info",
        "raft/raft.go:830",
        &format!(
            "{} received MsgPreVoteResp from {} at term 8",
            IDS[2], IDS[0]
        ),
        &[],
    ));
    c.push(etcd::rec(
        &m[2],
        e + MS,
        "info",
        "raft/raft.go:1295",
        &format!(
            "{} has received 2 MsgPreVoteResp votes and 0 vote rejections",
            IDS[2]
        ),
        &[],
    ));
    let mut w = etcd::win(&m[2], e + 2 * MS, 9, &[IDS[0], IDS[1]], 8, 912_344);
    w.retain(|l| {
        !l.text.contains(&format!("MsgVoteResp from {}", IDS[1]))
            && !l.text.contains("is starting a new election")
    });
    for l in w.iter_mut() {
        l.text = l
            .text
            .replace("has received 3 MsgVoteResp", "has received 2 MsgVoteResp");
    }
    c.extend(w);
    out[2].extend(c);
    out[0].push(etcd::rec(&m[0], e + MS, "info", "raft/raft.go:966", &format!("{} [logterm: 7, index: 912288, vote: 0] cast MsgPreVote for {} [logterm: 8, index: 912344] at term 7", IDS[0], IDS[2]), &[]));
    out[0].extend(etcd::vote_for(&m[0], e + 2 * MS, IDS[2], 7, 9, 8, 912_344));
    // lb2 is back and follows
    back(&mut out, 1, 2, b_back + 280 * MS);
    back(&mut out, 2, 1, b_back + 295 * MS);
    out[1].extend(etcd::rejoin(&m[1], b_back + 410 * MS, IDS[2], 8, 9));
    out
}

fn prevote(m: &Member, t: Us, term: u64, peers: &[&str], logterm: u64, index: u64) -> Vec<Line> {
    let mut v = vec![
        etcd::rec(
            m,
            t,
            "info",
            "raft/raft.go:923",
            &format!("{} is starting a new election at term {term}", m.id),
            &[],
        )
        .kinded("orch.election"),
        etcd::rec(
            m,
            t,
            "info",
            "raft/raft.go:713",
            &format!("{} became pre-candidate at term {term}", m.id),
            &[],
        ),
        etcd::rec(
            m,
            t,
            "info",
            "raft/raft.go:824",
            &format!(
                "{} received MsgPreVoteResp from {} at term {term}",
                m.id, m.id
            ),
            &[],
        ),
    ];
    for p in peers {
        v.push(etcd::rec(m, t, "info", "raft/raft.go:811", &format!("{} [logterm: {logterm}, index: {index}] sent MsgPreVote request to {p} at term {term}", m.id), &[]));
    }
    v
}

fn k8s_events(p: &Plan, r: &mut Rng) -> Vec<Line> {
    let mut k = Cluster::new(201_733_904);
    let quiet = (p.cut(1).0 + 5 * SEC, p.restart[0] + 3 * SEC);
    let mut v = k.noise(
        r,
        p.start,
        p.end,
        &["node1", "node2", "node3", "node4"],
        Some(quiet),
    );
    let t = p.restart[0] + 21 * SEC;
    let o = k8s::Obj {
        kind: "Node",
        ns: "",
        name: "lb2",
        field_path: None,
    };
    v.push(
        k.event(
            r,
            t,
            t,
            &k8s::Ev {
                obj: o,
                reason: "NodeNotReady",
                message: "Node lb2 status is now: NodeNotReady",
                warning: false,
                component: "node-controller",
                host: None,
                count: 1,
            },
        )
        .kinded("orch.node_not_ready"),
    );
    let t = p.restart[1] + 14 * SEC;
    let o = k8s::Obj {
        kind: "Node",
        ns: "",
        name: "lb2",
        field_path: None,
    };
    v.push(k.event(
        r,
        t,
        t,
        &k8s::Ev {
            obj: o,
            reason: "NodeReady",
            message: "Node lb2 status is now: NodeReady",
            warning: false,
            component: "kubelet",
            host: Some("lb2"),
            count: 1,
        },
    ));
    v
}

fn alerts(p: &Plan, r: &mut Rng) -> Vec<Line> {
    let am = super::alertmanager();
    let mut v = Vec::new();
    let mut n = am.alert(
        &[
            ("alertname", "KubeDeploymentReplicasMismatch"),
            ("namespace", "apps"),
            ("deployment", "search-indexer"),
            ("severity", "warning"),
        ],
        &[(
            "summary",
            "Deployment has not matched the expected number of replicas.",
        )],
        time::at("2024-04-04T21:11:48.300Z"),
        "kube_deployment_spec_replicas != kube_deployment_status_replicas_available",
        rng::hex(r, 16),
    );
    n.ends = Some(time::at("2024-04-04T21:27:18.300Z"));
    v.extend(am.lifecycle(&n, &["alertname", "namespace"], 4 * HOUR, None));
    let specs: [(&str, &str, &str, &'static str, &str, &str, bool); 3] = [
        (
            "HAProxyHighHTTP5xxRate",
            "be_app",
            "HAProxy backend be_app is returning many 5xx",
            "sum by (backend) (rate(haproxy_backend_http_responses_total{code=\"5xx\"}[2m])) / sum by (backend) (rate(haproxy_backend_http_responses_total[2m])) > 0.05",
            "2024-04-04T22:03:15.204Z",
            "2024-04-05T02:37:30.204Z",
            true,
        ),
        (
            "HAProxyBackendDown",
            "be_app",
            "HAProxy backend be_app has no server available",
            "haproxy_backend_active_servers{proxy=\"be_app\"} == 0",
            "2024-04-04T23:21:02.551Z",
            "2024-04-05T02:36:32.551Z",
            false,
        ),
        (
            "EtcdNoLeader",
            "",
            "etcd cluster has no leader",
            "etcd_server_has_leader{job=\"etcd\"} == 0",
            "2024-04-04T23:21:50.009Z",
            "2024-04-05T02:35:50.009Z",
            false,
        ),
    ];
    for (name, backend, summary, expr, s, e, first) in specs {
        let labels: Vec<(&str, &str)> = if backend.is_empty() {
            vec![
                ("alertname", name),
                ("job", "etcd"),
                ("severity", "critical"),
            ]
        } else {
            vec![
                ("alertname", name),
                ("backend", backend),
                ("job", "haproxy"),
                ("severity", "critical"),
            ]
        };
        let mut a = am.alert(
            &labels,
            &[("summary", summary)],
            time::at(s),
            expr,
            rng::hex(r, 16),
        );
        a.ends = Some(time::at(e));
        let group: &[&str] = if backend.is_empty() {
            &["alertname", "job"]
        } else {
            &["alertname", "backend"]
        };
        v.extend(am.lifecycle(
            &a,
            group,
            4 * HOUR,
            if first { Some("detected") } else { None },
        ));
    }
    let _ = p;
    v
}

pub fn generate(dir: &Path, seed: u64, size: Option<u64>) -> Truth {
    let p = Plan::new(seed);
    let mult = super::multiplier(&p, size);
    let w = super::window(&p, mult);
    let mut ctx = Ctx::new(dir.to_path_buf());
    let (start, end) = (p.start, p.end);
    let cp1 = Host::new(
        "cp1",
        "10.0.1.21",
        "fa:16:3e:02:5c:7e",
        start - 63 * 86_400 * SEC,
    );
    let mut specs = Vec::new();
    let mut nginx_logs = Vec::new();
    for (i, l) in p.lbs.iter().enumerate() {
        let h = &l.host;
        let mut spec = Spec::rotated(
            format!("{}/haproxy.log", h.name),
            "haproxy_http",
            super::hourly(start, end, h),
        );
        if i == 0 {
            spec = spec.split(time::at("2024-04-04T21:30:00Z"));
        }
        specs.push((spec, haproxy_side(&p, i)));
        let mut r = rng::stream(seed, &format!("checks-{}", h.name));
        let side = check_errors(&p, i, &mut r);
        nginx_logs.push(Stream::new(
            &ctx,
            Spec::rotated(
                format!("{}/nginx/error.log", h.name),
                "nginx_error",
                super::hourly(start, end, h),
            ),
            side,
        ));
    }
    let extra = RpErrors {
        logs: nginx_logs,
        conn: [1_220_931, 1_198_402],
        offsets: [0, p.lbs[1].host.offset],
    };
    let st = super::write_traffic(&mut ctx, &p, mult, w, specs, Some(Box::new(extra)));

    let midnight = time::at("2024-04-05T00:00:00Z");
    for (k, l) in p.lbs.iter().enumerate() {
        let h = &l.host;
        let mut r = rng::stream(seed, &format!("syslog-{}", h.name));
        let lines = lb_syslog(&p, k, &mut r);
        write_lines(
            &mut ctx,
            Spec::rotated(
                format!("{}/syslog", h.name),
                "syslog_rfc3164",
                vec![midnight + h.offset],
            ),
            lines,
        );
        let spec = Spec::rotated(
            format!("{}/suricata/eve.json", h.name),
            "suricata_eve",
            vec![p.freed[k] + h.offset, p.restart[k] + h.offset],
        )
        .gz_from(1);
        super::eve(
            &mut ctx,
            seed,
            h,
            (start, end),
            &|t| p.eve_writing(k, t),
            &|t| p.storm(k, t),
            spec,
        );
    }
    let mut r = rng::stream(seed, "syslog-cp1");
    let lines = syslog::noise(&cp1, &mut r, start, end, false);
    write_lines(
        &mut ctx,
        Spec::rotated("cp1/syslog", "syslog_rfc3164", vec![midnight]),
        lines,
    );
    let mut r = rng::stream(seed, "etcd");
    let logs = etcd_logs(&p, &cp1, &mut r);
    for (i, lines) in logs.into_iter().enumerate() {
        let h = if i < 2 { &p.lbs[i].host } else { &cp1 };
        write_lines(
            &mut ctx,
            Spec::rotated(
                format!("{}/etcd/etcd.log", h.name),
                "etcd",
                super::hourly(start, end, h),
            )
            .gz_from(1),
            lines,
        );
    }
    let mut r = rng::stream(seed, "k8s");
    write_lines(
        &mut ctx,
        Spec::plain("cp1/k8s-events.json", "k8s_events_json"),
        k8s_events(&p, &mut r),
    );
    let page = Page {
        trigger: time::at("2024-04-04T22:03:46Z"),
        ack: time::at("2024-04-04T22:09:12Z"),
        escalate: Some(time::at("2024-04-04T23:31:40Z")),
        resolve: time::at("2024-04-05T03:00:20Z"),
    };
    super::write_paging(
        &mut ctx,
        seed,
        |r| alerts(&p, r),
        (
            3_391,
            "HAProxyHighHTTP5xxRate: HAProxy backend be_app is returning many 5xx",
            "[FIRING:1] HAProxyHighHTTP5xxRate be_app (haproxy critical)",
        ),
        &page,
    );

    truth::build(
        &mut ctx,
        &st,
        truth::Facts {
            scenario: "ids-disk-full",
            seed,
            lost_matters: false,
            leader_changes: 2,
            offsets: vec![("lb2", p.lbs[1].host.offset)],
        },
    )
}
