//! Seed 004: a firewall change meant to restrict HTTPS to one address range
//! removes the rule that let everyone in; UFW drops every incoming connection
//! to the LB for 27 hours (the postmortem says 16) until the rule is put back.

use super::{Extra, Page, Router, Story};
use crate::haproxy::{self, Lb, Load, Outcome};
use crate::k8s::{self, Cluster};
use crate::output::{Ctx, Line, Spec, Tag, write_lines};
use crate::rng::{self, Rng};
use crate::syslog::{self, Host};
use crate::time::{self, MIN, SEC, Us};
use crate::traffic::{self, Mix, Population, Request, Traffic};
use crate::truth::{self, Truth};
use std::path::Path;

const DOMAIN: &str = "example.com";
const WEB: [&str; 3] = ["web1", "web2", "web3"];

struct Plan {
    seed: u64,
    start: Us,
    end: Us,
    /// `ufw delete allow 443/tcp` on lb1 / lb2.
    block: [Us; 2],
    /// `ufw allow 443/tcp` on lb1 / lb2.
    fix: [Us; 2],
    lbs: Vec<Lb>,
}

impl Plan {
    fn new(seed: u64) -> Plan {
        let start = time::at("2023-06-06T09:00:00Z");
        let lbs = super::lb_hosts(start)
            .into_iter()
            .enumerate()
            .map(|(i, host)| Lb {
                host,
                frontend: "fe_https~",
                domain: DOMAIN,
                pids: vec![(start - 86_400 * SEC, [3011, 2986][i])],
            })
            .collect();
        Plan {
            seed,
            start,
            end: time::at("2023-06-07T14:30:00Z"),
            block: [
                time::at("2023-06-06T09:58:05.412Z"),
                time::at("2023-06-06T09:58:44.190Z"),
            ],
            fix: [
                time::at("2023-06-07T12:58:40.207Z"),
                time::at("2023-06-07T12:59:13.880Z"),
            ],
            lbs,
        }
    }

    /// After the fix, users come back over the next hour.
    fn return_factor(&self, t: Us) -> f64 {
        if t < self.fix[0] {
            1.0
        } else {
            (0.25 + 0.75 * ((t - self.fix[0]) as f64 / (50 * MIN) as f64)).min(1.0)
        }
    }
}

struct Route<'a> {
    plan: &'a Plan,
    r: Rng,
    rr: usize,
}

impl Router for Route<'_> {
    fn route(&mut self, req: &Request, tr: &Traffic) -> Outcome {
        let p = self.plan;
        let t = req.t;
        // lb1 serves the VIP; lb2 is the keepalived standby.
        if t >= p.block[0] && t < p.fix[0] {
            // established keep-alive connections survive a little (conntrack)
            if !(req.fresh || t > p.block[0] + 8 * SEC) {
                self.rr = (self.rr + 1) % 3;
                return haproxy::healthy(
                    req,
                    &tr.pop,
                    &mut self.r,
                    "be_web",
                    WEB[self.rr],
                    1.0,
                    Load {
                        rate: 0.2,
                        servers: 3,
                    },
                );
            }
            return Outcome::lost();
        }
        self.rr = (self.rr + 1) % 3;
        let load = Load {
            rate: tr.req_rate(t),
            servers: 3,
        };
        let mut o = haproxy::healthy(req, &tr.pop, &mut self.r, "be_web", WEB[self.rr], 1.0, load);
        haproxy::noise(&mut o, req, &mut self.r);
        o
    }
}

impl Story for Plan {
    fn traffic(&self, mult: f64) -> (Traffic, Box<dyn Router + '_>) {
        let mut r = rng::stream(self.seed, "population");
        let pop = Population::new(&mut r, super::clients(8_000, mult), &[1, 0]);
        let fix = self.fix[0];
        let back = move |t: Us| {
            if t < fix {
                1.0
            } else {
                (0.25 + 0.75 * ((t - fix) as f64 / (50 * MIN) as f64)).min(1.0)
            }
        };
        let rate: traffic::RateFn = Box::new(move |t| 0.45 * traffic::diurnal(t) * back(t));
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
                rr: 0,
            }),
        )
    }

    fn lbs(&self) -> &[Lb] {
        &self.lbs
    }
}

/// UFW logs the dropped SYNs of the lost requests, rate-limited to 3/min
/// with a burst of 10 (ufw "logging low").
struct Firewall {
    host: Host,
    r: Rng,
    tokens: f64,
    last: Us,
    lines: Vec<Line>,
    spec: Spec,
}

impl Extra for Firewall {
    fn on(&mut self, _ctx: &mut Ctx, req: &Request, o: &Outcome, pop: &Population) {
        if !o.lost {
            return;
        }
        let ip = &pop.clients[req.client as usize].ip;
        self.tokens = (self.tokens + (req.t - self.last) as f64 / (20 * SEC) as f64).min(10.0);
        self.last = req.t;
        if self.tokens < 1.0 || ip.contains(':') {
            return;
        }
        self.tokens -= 1.0;
        let mut l = syslog::ufw_block(&self.host, &mut self.r, req.t, ip, 443, false);
        l.kind("fw.drop");
        self.lines.push(l);
    }

    fn finish(self: Box<Self>, ctx: &mut Ctx) {
        write_lines(ctx, self.spec, self.lines);
    }
}

fn lb_syslog(p: &Plan, i: usize, r: &mut Rng) -> Vec<Line> {
    let h = &p.lbs[i].host;
    let mut v = syslog::noise(h, r, p.start, p.end, true);
    let user = "netops";
    v.extend(syslog::sudo(
        h,
        time::at("2023-06-06T09:14:22Z") + i as Us * 41 * SEC,
        user,
        "/usr/sbin/ufw allow proto tcp from 10.0.5.0/24 to any port 9100",
    ));
    for l in v.iter_mut().rev().take(3) {
        if l.text.contains("COMMAND=") {
            l.kind("fw.change");
        }
    }
    let b = p.block[i];
    v.extend(syslog::sudo(
        h,
        b - 17 * SEC,
        user,
        "/usr/sbin/ufw allow proto tcp from 10.20.0.0/16 to any port 8443",
    ));
    let mut cut = syslog::sudo(h, b, user, "/usr/sbin/ufw delete allow 443/tcp");
    if i == 0 {
        cut[0].mark("trigger", "fw.change");
    }
    v.extend(cut);
    v.extend(syslog::sudo(
        h,
        b + 25 * SEC,
        user,
        "/usr/sbin/ufw status numbered",
    ));
    let f = p.fix[i];
    v.extend(syslog::sudo(
        h,
        f - 50 * SEC,
        user,
        "/usr/sbin/ufw status verbose",
    ));
    let mut fix = syslog::sudo(h, f, user, "/usr/sbin/ufw allow 443/tcp");
    if i == 0 {
        fix[0].mark("mitigation", "fw.change");
    }
    v.extend(fix);
    v
}

fn alerts(p: &Plan, r: &mut Rng) -> Vec<Line> {
    let am = super::alertmanager();
    let mut v = Vec::new();
    let mut a = am.alert(
        &[
            ("alertname", "BlackboxProbeFailed"),
            ("instance", "https://www.example.com/"),
            ("job", "blackbox"),
            ("severity", "critical"),
        ],
        &[
            ("summary", "Probe of https://www.example.com/ failed"),
            ("description", "probe_success has been 0 for 2 minutes."),
        ],
        time::at("2023-06-06T10:00:02.877Z"),
        "probe_success{job=\"blackbox\"} == 0",
        rng::hex(r, 16),
    );
    a.ends = Some(p.fix[0] + 62 * SEC);
    v.extend(am.lifecycle(
        &a,
        &["alertname", "instance"],
        4 * 3600 * SEC,
        Some("detected"),
    ));
    let mut b = am.alert(
        &[
            ("alertname", "HAProxyNoTraffic"),
            ("frontend", "fe_https"),
            ("job", "haproxy"),
            ("severity", "warning"),
        ],
        &[(
            "summary",
            "Frontend fe_https received no requests for 5 minutes",
        )],
        time::at("2023-06-06T10:04:33.110Z"),
        "sum by (proxy) (rate(haproxy_frontend_http_requests_total{proxy=\"fe_https\"}[5m])) == 0",
        rng::hex(r, 16),
    );
    b.ends = Some(p.fix[0] + 5 * MIN);
    v.extend(am.lifecycle(&b, &["alertname", "frontend"], 4 * 3600 * SEC, None));
    v
}

/// The team restarting the database on the wrong hunch.
fn red_herring(k: &mut Cluster, r: &mut Rng) -> Vec<Line> {
    let mut v = Vec::new();
    for (at, node) in [
        ("2023-06-06T11:21:40Z", "node2"),
        ("2023-06-06T13:05:12Z", "node3"),
    ] {
        let t = time::at(at);
        let c = "spec.containers{postgres}";
        let o = k8s::Obj {
            kind: "Pod",
            ns: "data",
            name: "postgres-0",
            field_path: Some(c),
        };
        v.push(k.event(
            r,
            t,
            t,
            &k8s::Ev {
                obj: o,
                reason: "Killing",
                message: "Stopping container postgres",
                warning: false,
                component: "kubelet",
                host: Some(node),
                count: 1,
            },
        ));
        let o = k8s::Obj {
            kind: "Pod",
            ns: "data",
            name: "postgres-0",
            field_path: Some(c),
        };
        let t2 = t + 41 * SEC;
        v.push(k.event(
            r,
            t2,
            t2,
            &k8s::Ev {
                obj: o,
                reason: "Started",
                message: "Started container postgres",
                warning: false,
                component: "kubelet",
                host: Some(node),
                count: 1,
            },
        ));
    }
    v
}

pub fn generate(dir: &Path, seed: u64, size: Option<u64>) -> Truth {
    let p = Plan::new(seed);
    let _ = p.return_factor(p.start);
    let mult = super::multiplier(&p, size);
    let w = super::window(&p, mult);
    let mut ctx = Ctx::new(dir.to_path_buf());
    let (start, end) = (p.start, p.end);
    let lb1 = &p.lbs[0].host;
    let rot = [
        "2023-06-06T09:30:00Z",
        "2023-06-06T10:00:00Z",
        "2023-06-07T14:00:00Z",
        "2023-06-07T14:15:00Z",
    ]
    .map(time::at)
    .to_vec();
    let spec = Spec::rotated("lb1/haproxy.log", "haproxy_http", rot)
        .split(time::at("2023-06-06T09:15:00Z"));
    let midnight = time::at("2023-06-07T00:00:00Z");
    let noon = time::at("2023-06-07T12:00:00Z");
    let mut r = rng::stream(seed, "syslog-lb1");
    let syslog1 = lb_syslog(&p, 0, &mut r);
    let fw = Firewall {
        host: lb1.clone(),
        r: rng::stream(seed, "ufw"),
        tokens: 10.0,
        last: start,
        lines: syslog1,
        spec: Spec::rotated("lb1/syslog", "syslog_rfc3164", vec![midnight, noon]).gz_from(1),
    };
    // lb2 (standby) carries no client traffic: its haproxy stream stays empty.
    let spec2 = Spec::plain("lb2/haproxy.log", "haproxy_http");
    let st = super::write_traffic(
        &mut ctx,
        &p,
        mult,
        w,
        vec![(spec, Vec::new()), (spec2, Vec::new())],
        Some(Box::new(fw)),
    );

    let h2 = &p.lbs[1].host;
    let mut r = rng::stream(seed, "syslog-lb2");
    let lines = lb_syslog(&p, 1, &mut r);
    write_lines(
        &mut ctx,
        Spec::rotated(
            "lb2/syslog",
            "syslog_rfc3164",
            vec![midnight + h2.offset, noon + h2.offset],
        )
        .gz_from(1),
        lines,
    );
    for l in &p.lbs {
        let spec = Spec::rotated(
            format!("{}/suricata/eve.json", l.host.name),
            "suricata_eve",
            vec![midnight + l.host.offset, noon + l.host.offset],
        )
        .gz_from(1);
        super::eve(
            &mut ctx,
            seed,
            &l.host,
            (start, end),
            &|_| true,
            &|_| 0.0,
            spec,
        );
    }
    let mut r = rng::stream(seed, "k8s");
    let mut k = Cluster::new(3_870_455);
    let mut lines = k.noise(&mut r, start, end, &["node1", "node2", "node3"], None);
    lines.extend(red_herring(&mut k, &mut r));
    write_lines(
        &mut ctx,
        Spec::plain("cp1/k8s-events.json", "k8s_events_json"),
        lines,
    );

    let page = Page {
        trigger: time::at("2023-06-06T10:00:33Z"),
        ack: time::at("2023-06-06T10:06:10Z"),
        escalate: Some(time::at("2023-06-06T17:00:20Z")),
        resolve: time::at("2023-06-07T14:00:15Z"),
    };
    super::write_paging(
        &mut ctx,
        seed,
        |r| alerts(&p, r),
        (
            981,
            "BlackboxProbeFailed: Probe of https://www.example.com/ failed",
            "[FIRING:1] BlackboxProbeFailed https://www.example.com/ (blackbox critical)",
        ),
        &page,
    );

    truth::build(
        &mut ctx,
        &st,
        truth::Facts {
            scenario: "firewall-drop",
            seed,
            lost_matters: true,
            leader_changes: 0,
            offsets: vec![("lb2", h2.offset)],
        },
    )
}
