//! Seeds 001 and 003: a config reload with a typo in the server pool sends all
//! traffic to app1; it saturates (latency, then 503 sQ--, 504 sH--, 502 from
//! its own nginx) until a corrected config is reloaded.

use super::{Extra, Page, Router, Story};
use crate::alertmanager::Alert;
use crate::haproxy::{self, Cause, Lb, Load, Outcome};
use crate::k8s::Cluster;
use crate::nginx;
use crate::output::{Ctx, Line, Spec, Stream, write_lines};
use crate::rng::{self, Rng};
use crate::syslog::{self, Host};
use crate::time::{self, MIN, MS, SEC, Us};
use crate::traffic::{self, Mix, Population, Request, Traffic};
use crate::truth::{self, Truth};
use std::path::Path;

const DOMAIN: &str = "example.com";
const APPS: [&str; 4] = ["app1", "app2", "app3", "app4"];
const PROXIES: &[&str] = &["fe_https", "be_api", "be_stats"];

struct Plan {
    seed: u64,
    start: Us,
    end: Us,
    routine: [Us; 2],
    bad: [Us; 2],
    fix: [Us; 2],
    /// app1 failing its health checks on one LB: (lb, down, up).
    flaps: [(usize, Us, Us); 2],
    lbs: Vec<Lb>,
}

impl Plan {
    fn new(seed: u64) -> Plan {
        let start = time::at("2024-02-13T21:00:00Z");
        let routine = [
            time::at("2024-02-13T21:14:05.210Z"),
            time::at("2024-02-13T21:14:31.877Z"),
        ];
        let bad = [
            time::at("2024-02-13T21:57:02.412Z"),
            time::at("2024-02-13T21:57:20.093Z"),
        ];
        let fix = [
            time::at("2024-02-14T00:00:12.318Z"),
            time::at("2024-02-14T00:00:19.760Z"),
        ];
        let hosts = super::lb_hosts(start);
        let lbs = hosts
            .into_iter()
            .enumerate()
            .map(|(i, host)| Lb {
                host,
                frontend: "fe_https~",
                domain: DOMAIN,
                pids: super::pids([2241, 2209][i], &[routine[i], bad[i], fix[i]], start),
            })
            .collect();
        Plan {
            seed,
            start,
            end: time::at("2024-02-14T02:30:00Z"),
            routine,
            bad,
            fix,
            flaps: [
                (
                    0,
                    time::at("2024-02-13T22:31:07.000Z"),
                    time::at("2024-02-13T22:31:27.000Z"),
                ),
                (
                    1,
                    time::at("2024-02-13T23:12:40.000Z"),
                    time::at("2024-02-13T23:12:54.000Z"),
                ),
            ],
            lbs,
        }
    }

    /// How overloaded app1 is (0..1).
    fn stress(&self, t: Us) -> f64 {
        let on = ((t - self.bad[0]) as f64 / (150 * SEC) as f64).clamp(0.0, 1.0);
        let off = 1.0 - ((t - self.fix[1]) as f64 / (70 * SEC) as f64).clamp(0.0, 1.0);
        let wave = 0.85 + 0.15 * ((t - self.bad[0]) as f64 / (17.0 * 60.0 * 1e6)).sin();
        on * off * wave
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
        let (lb, t) = (req.lb as usize, req.t);
        let typo = t >= p.bad[lb] && t < p.fix[lb];
        let rate = tr.req_rate(t) / 2.0;
        if typo
            && p.flaps
                .iter()
                .any(|(l, a, b)| *l == lb && t >= *a && t < *b)
        {
            let mut o = Outcome::blank("be_api", "app1");
            o.conns = [(rate * 9.0) as u32 + 30, (rate * 9.0) as u32 + 28, 0, 0];
            o.no_server();
            return o;
        }
        let server = if typo {
            "app1"
        } else {
            self.rr[lb] = (self.rr[lb] + 1) % 4;
            APPS[self.rr[lb]]
        };
        let stress = if server == "app1" { p.stress(t) } else { 0.0 };
        let load = Load {
            rate,
            servers: if typo { 1 } else { 4 },
        };
        let r = &mut self.r;
        let mut o = haproxy::healthy(req, &tr.pop, r, "be_api", server, 1.0 + 30.0 * stress, load);
        if stress <= 0.02 {
            haproxy::noise(&mut o, req, r);
            return o;
        }
        let q = (stress * 70.0 * (0.6 + 0.8 * rng::unit(r))) as u32;
        o.conns = [
            o.conns[0] + (stress * 60.0) as u32,
            o.conns[1] + (stress * 58.0) as u32,
            64 + q,
            64,
        ];
        let u = rng::unit(r);
        let pf = 0.28 * stress;
        if u < pf * 0.4 {
            o.queue_timeout(20_000, [q + 12, q + 12]);
        } else if u < pf * 0.75 {
            o.timers[1] = (rng::lognormal(r, 2500.0, 0.6) * stress) as i32;
            o.server_timeout(30_000);
            o.queue = [0, 0];
        } else if u < pf {
            o.server_error(502, rng::range(r, 0, 3) as i32);
        } else {
            let wait = ((rng::lognormal(r, 2200.0, 0.7) * stress) as i32).min(19_000);
            o.timers[1] = wait;
            o.timers[4] += wait;
            if let Some(s) = o.served.as_mut() {
                s.end_ms += wait;
            }
            o.queue = [q / 3, q / 3];
        }
        o
    }
}

impl Story for Plan {
    fn traffic(&self, mult: f64) -> (Traffic, Box<dyn Router + '_>) {
        let mut r = rng::stream(self.seed, "population");
        let pop = Population::new(&mut r, super::clients(9_000, mult), &[1, 1]);
        let rate: traffic::RateFn = Box::new(|t| 0.95 * traffic::diurnal(t));
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
                rr: [0, 2],
            }),
        )
    }

    fn lbs(&self) -> &[Lb] {
        &self.lbs
    }
}

/// app1's nginx (TZ=Europe/Berlin): access log and error log.
struct App1 {
    access: Stream,
    error: Stream,
    conn: u64,
}

const BERLIN: i32 = 60;

impl Extra for App1 {
    fn on(&mut self, ctx: &mut Ctx, req: &Request, o: &Outcome, pop: &Population) {
        if o.server != "app1" {
            return;
        }
        let Some(s) = o.served else { return };
        self.conn += 1 + req.seq % 3;
        let end = req.t + Us::from(s.end_ms.max(0)) * MS + 300;
        let mut b = Vec::with_capacity(300);
        nginx::push_access(&mut b, req, pop, end, BERLIN, (s.status, s.body), DOMAIN);
        self.access.push(end, b);
        self.access.advance(ctx, req.t);
        if s.status == 502 && o.cause == Cause::Incident {
            let c = &pop.clients[req.client as usize];
            let path = req.path();
            let line = format!("{} {path} HTTP/1.1", req.tpl().method);
            let msg = format!(
                "connect() to unix:/run/gunicorn.sock failed (11: Resource temporarily unavailable) while connecting to upstream{}",
                nginx::ctx(
                    &c.ip,
                    &req.host(DOMAIN),
                    &line,
                    &format!("http://unix:/run/gunicorn.sock:{path}"),
                    &req.host(DOMAIN)
                )
            );
            let text = nginx::error(
                end + i64::from(BERLIN) * MIN,
                "error",
                1187,
                Some(self.conn),
                &msg,
            );
            self.error.push(end, text.into_bytes());
        }
        self.error.advance(ctx, req.t);
    }

    fn finish(self: Box<Self>, ctx: &mut Ctx) {
        self.access.finish(ctx);
        self.error.finish(ctx);
    }
}

fn haproxy_side(p: &Plan, lb: usize) -> Vec<Line> {
    let l = &p.lbs[lb];
    let mut v = super::reload_trail(
        l,
        lb,
        [p.routine[lb], p.bad[lb], p.fix[lb]],
        [2231, 2197][lb],
        PROXIES,
        (40_000, 9_000),
    );
    for (fl, down, up) in p.flaps {
        if fl != lb {
            continue;
        }
        let w = l.pid_at(down);
        let msg = haproxy::server_down(
            "be_api",
            "app1",
            "Layer7 timeout, check duration: 2001ms",
            0,
            64,
        );
        v.push(haproxy::state(l, down, w, &msg).kinded("lb.backend_down"));
        v.push(haproxy::state(
            l,
            down,
            w,
            &haproxy::stderr("WARNING", w, &msg),
        ));
        v.push(haproxy::state(l, down, w, &haproxy::no_server("be_api")).kinded("lb.no_server"));
        v.push(haproxy::state(
            l,
            down,
            w,
            &haproxy::stderr("ALERT", w, "backend 'be_api' has no server available!"),
        ));
        let msg = haproxy::server_up("be_api", "app1", 1_240, 1);
        v.push(haproxy::state(l, up, w, &msg).kinded("lb.backend_up"));
        v.push(haproxy::state(
            l,
            up,
            w,
            &haproxy::stderr("WARNING", w, &msg),
        ));
    }
    v
}

fn lb_syslog(p: &Plan, lb: usize, r: &mut Rng) -> Vec<Line> {
    let h = &p.lbs[lb].host;
    let mut v = syslog::noise(h, r, p.start, p.end, true);
    v.extend(super::systemd_reload(h, p.routine[lb], "deploy"));
    v.extend(super::systemd_reload(h, p.bad[lb], "deploy"));
    v.extend(super::systemd_reload(h, p.fix[lb], "deploy"));
    v.extend(syslog::sudo(
        h,
        p.bad[lb] - 40 * SEC,
        "deploy",
        "/usr/bin/cp /home/deploy/haproxy.cfg.new /etc/haproxy/haproxy.cfg",
    ));
    v.extend(syslog::sudo(
        h,
        p.bad[lb] - 20 * SEC,
        "deploy",
        "/usr/sbin/haproxy -c -f /etc/haproxy/haproxy.cfg",
    ));
    v.extend(syslog::sudo(
        h,
        p.fix[lb] - 35 * SEC,
        "deploy",
        "/usr/bin/cp /etc/haproxy/haproxy.cfg.bak-20240213 /etc/haproxy/haproxy.cfg",
    ));
    v
}

fn alerts(r: &mut Rng) -> Vec<Line> {
    let am = super::alertmanager();
    let mut v = Vec::new();
    let mut a = am.alert(
        &[("alertname", "KubePodCrashLooping"), ("namespace", "platform"), ("pod", "notifier-6d9f7c8b5d-x2kqp"), ("container", "notifier"), ("severity", "warning")],
        &[("summary", "Pod is crash looping."), ("description", "Pod platform/notifier-6d9f7c8b5d-x2kqp (notifier) is in waiting state (reason: \"CrashLoopBackOff\").")],
        time::at("2024-02-13T21:22:14.501Z"),
        "max_over_time(kube_pod_container_status_waiting_reason{job=\"kube-state-metrics\",reason=\"CrashLoopBackOff\"}[5m]) >= 1",
        rng::hex(r, 16),
    );
    a.ends = Some(time::at("2024-02-13T21:41:44.501Z"));
    v.extend(am.lifecycle(&a, &["alertname", "namespace"], 4 * 3600 * SEC, None));
    let mut a: Alert = am.alert(
        &[("alertname", "HAProxyHighHTTP5xxRate"), ("backend", "be_api"), ("job", "haproxy"), ("severity", "critical")],
        &[
            ("summary", "HAProxy backend be_api is returning many 5xx"),
            ("description", "More than 5% of requests to be_api failed over the last 2 minutes."),
            ("runbook_url", "https://runbooks.example.com/haproxy/high-5xx"),
        ],
        time::at("2024-02-13T21:59:40.118Z"),
        "sum by (backend) (rate(haproxy_backend_http_responses_total{code=\"5xx\"}[2m])) / sum by (backend) (rate(haproxy_backend_http_responses_total[2m])) > 0.05",
        rng::hex(r, 16),
    );
    a.ends = Some(time::at("2024-02-14T00:06:40.118Z"));
    v.extend(am.lifecycle(
        &a,
        &["alertname", "backend"],
        4 * 3600 * SEC,
        Some("detected"),
    ));
    let mut b = am.alert(
        &[("alertname", "HAProxyBackendLatencyHigh"), ("backend", "be_api"), ("job", "haproxy"), ("severity", "warning")],
        &[("summary", "p99 response time of be_api above 2s")],
        time::at("2024-02-13T22:00:55.118Z"),
        "histogram_quantile(0.99, sum by (le, backend) (rate(haproxy_backend_http_response_time_seconds_bucket[5m]))) > 2",
        rng::hex(r, 16),
    );
    b.ends = Some(time::at("2024-02-14T00:08:25.118Z"));
    v.extend(am.lifecycle(&b, &["alertname", "backend"], 4 * 3600 * SEC, None));
    v
}

pub fn generate(dir: &Path, seed: u64, size: Option<u64>) -> Truth {
    let p = Plan::new(seed);
    let mult = super::multiplier(&p, size);
    let w = super::window(&p, mult);
    let mut ctx = Ctx::new(dir.to_path_buf());
    let (start, end) = (p.start, p.end);

    let app1 = Host::new(
        "app1",
        "10.0.3.11",
        "fa:16:3e:19:aa:31",
        start - 90 * 86_400 * SEC,
    );
    let mut specs = Vec::new();
    for (i, l) in p.lbs.iter().enumerate() {
        let name = l.host.name;
        let mut spec = Spec::rotated(
            format!("{name}/haproxy.log"),
            "haproxy_http",
            super::hourly(start, end, &l.host),
        );
        if i == 0 {
            spec = spec.split(time::at("2024-02-13T21:30:00Z"));
        }
        specs.push((spec, haproxy_side(&p, i)));
    }
    let midnight = time::at("2024-02-14T00:00:00Z");
    let extra = App1 {
        access: Stream::new(
            &ctx,
            Spec::rotated(
                "app1/nginx/access.log",
                "nginx_access",
                super::hourly(start, end, &app1),
            ),
            Vec::new(),
        ),
        error: Stream::new(
            &ctx,
            Spec::plain("app1/nginx/error.log", "nginx_error"),
            Vec::new(),
        ),
        conn: 48_211_000,
    };
    let st = super::write_traffic(&mut ctx, &p, mult, w, specs, Some(Box::new(extra)));

    for (i, l) in p.lbs.iter().enumerate() {
        let h = &l.host;
        let mut r = rng::stream(seed, &format!("syslog-{}", h.name));
        let lines = lb_syslog(&p, i, &mut r);
        write_lines(
            &mut ctx,
            Spec::rotated(
                format!("{}/syslog", h.name),
                "syslog_rfc3164",
                vec![midnight + h.offset],
            ),
            lines,
        );
        super::eve(
            &mut ctx,
            seed,
            h,
            (start, end),
            &|_| true,
            &|_| 0.0,
            super::eve_hourly(h, start, end),
        );
    }
    let mut r = rng::stream(seed, "syslog-app1");
    let lines = syslog::noise(&app1, &mut r, start, end, false);
    write_lines(
        &mut ctx,
        Spec::rotated("app1/syslog", "syslog_rfc3164", vec![midnight]),
        lines,
    );

    let mut r = rng::stream(seed, "k8s");
    let mut k = Cluster::new(48_117_201);
    let lines = k.noise(
        &mut r,
        start,
        end,
        &["node1", "node2", "node3", "node4"],
        None,
    );
    write_lines(
        &mut ctx,
        Spec::plain("cp1/k8s-events.json", "k8s_events_json"),
        lines,
    );

    let page = Page {
        trigger: time::at("2024-02-13T22:00:11Z"),
        ack: time::at("2024-02-13T22:05:43Z"),
        escalate: Some(time::at("2024-02-13T22:40:20Z")),
        resolve: time::at("2024-02-14T02:00:31Z"),
    };
    super::write_paging(
        &mut ctx,
        seed,
        alerts,
        (
            4_127,
            "HAProxyHighHTTP5xxRate: HAProxy backend be_api is returning many 5xx",
            "[FIRING:1] HAProxyHighHTTP5xxRate be_api (haproxy critical)",
        ),
        &page,
    );

    truth::build(
        &mut ctx,
        &st,
        truth::Facts {
            scenario: "lb-single-backend",
            seed,
            lost_matters: false,
            leader_changes: 0,
            offsets: vec![("lb2", p.lbs[1].host.offset)],
        },
    )
}
