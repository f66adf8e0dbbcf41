//! Seed 002: a reload with a wrong port for the authentication pool; every
//! auth server fails its health checks and /auth/* and /login answer 503
//! (<NOSRV>) for everyone who tries to sign in, while other paths stay healthy.

use super::{Page, Router, Story};
use crate::haproxy::{self, Lb, Load, Outcome};
use crate::k8s::{self, Cluster};
use crate::output::{Ctx, Line, Spec, Tag, write_lines};
use crate::rng::{self, Rng};
use crate::syslog;
use crate::time::{self, MS, SEC, Us};
use crate::traffic::{self, Class, Mix, Population, Request, Traffic};
use crate::truth::{self, Truth};
use std::path::Path;

const DOMAIN: &str = "example.org";
const WEB: [&str; 3] = ["web1", "web2", "web3"];
const AUTH: [&str; 3] = ["auth1", "auth2", "auth3"];
const PROXIES: &[&str] = &["fe_https", "be_web", "be_auth", "be_stats"];

struct Plan {
    seed: u64,
    start: Us,
    end: Us,
    routine: [Us; 2],
    bad: [Us; 2],
    fix: [Us; 2],
    lbs: Vec<Lb>,
}

/// Health checks: inter 2s, fall 3 -> the pool is seen down ~6 s after the reload.
fn down_at(bad: Us, i: usize) -> Us {
    bad + 5_100 * MS + i as Us * 610 * MS
}

impl Plan {
    fn new(seed: u64) -> Plan {
        let start = time::at("2023-11-13T01:00:00Z");
        let routine = [
            time::at("2023-11-13T01:24:10.080Z"),
            time::at("2023-11-13T01:24:44.612Z"),
        ];
        let bad = [
            time::at("2023-11-13T01:58:20.350Z"),
            time::at("2023-11-13T01:58:41.904Z"),
        ];
        let fix = [
            time::at("2023-11-13T04:00:05.121Z"),
            time::at("2023-11-13T04:00:31.533Z"),
        ];
        let lbs = super::lb_hosts(start)
            .into_iter()
            .enumerate()
            .map(|(i, host)| Lb {
                host,
                frontend: "fe_https~",
                domain: DOMAIN,
                pids: super::pids([1877, 1912][i], &[routine[i], bad[i], fix[i]], start),
            })
            .collect();
        Plan {
            seed,
            start,
            end: time::at("2023-11-13T06:20:00Z"),
            routine,
            bad,
            fix,
            lbs,
        }
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
        let auth = matches!(req.class(), Class::Auth | Class::Login);
        let (backend, pool): (&'static str, &[&'static str]) = if auth {
            ("be_auth", &AUTH)
        } else {
            ("be_web", &WEB)
        };
        self.rr[lb] = (self.rr[lb] + 1) % pool.len();
        let server = pool[self.rr[lb]];
        let load = Load {
            rate: tr.req_rate(t) / 2.0,
            servers: 3,
        };
        let mut o = haproxy::healthy(req, &tr.pop, &mut self.r, backend, server, 1.0, load);
        let broken = auth && t >= p.bad[lb] && t < p.fix[lb];
        if !broken {
            haproxy::noise(&mut o, req, &mut self.r);
        } else if t < down_at(p.bad[lb], 2) {
            // wrong port: connection refused, retried, then 503
            o.conn_refused(3);
        } else {
            o.no_server();
        }
        o
    }
}

impl Story for Plan {
    fn traffic(&self, mult: f64) -> (Traffic, Box<dyn Router + '_>) {
        let mut r = rng::stream(self.seed, "population");
        let pop = Population::new(&mut r, super::clients(9_000, mult), &[1, 1]);
        let rate: traffic::RateFn = Box::new(|t| 1.5 * traffic::diurnal(t));
        let mix = Mix {
            browser_login: 0.5,
            mobile_refresh: 0.75,
            bot_token: 0.55,
        };
        let tr = Traffic::new(
            rng::stream(self.seed, "traffic"),
            pop,
            rate,
            mult,
            mix,
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

fn haproxy_side(p: &Plan, lb: usize) -> Vec<Line> {
    let l = &p.lbs[lb];
    let mut v = super::reload_trail(
        l,
        lb,
        [p.routine[lb], p.bad[lb], p.fix[lb]],
        [1869, 1904][lb],
        PROXIES,
        (21_000, 4_000),
    );
    let w = l.pid_at(p.bad[lb]);
    for (i, s) in AUTH.iter().enumerate() {
        let t = down_at(p.bad[lb], i);
        let msg = haproxy::server_down(
            "be_auth",
            s,
            "Layer4 connection problem, info: \"Connection refused\", check duration: 0ms",
            2 - i as u32,
            0,
        );
        v.push(haproxy::state(l, t, w, &msg).kinded("lb.backend_down"));
        v.push(haproxy::state(
            l,
            t,
            w,
            &haproxy::stderr("WARNING", w, &msg),
        ));
    }
    let t = down_at(p.bad[lb], 2);
    v.push(haproxy::state(l, t, w, &haproxy::no_server("be_auth")).kinded("lb.no_server"));
    v.push(haproxy::state(
        l,
        t,
        w,
        &haproxy::stderr("ALERT", w, "backend 'be_auth' has no server available!"),
    ));
    v
}

fn alerts(p: &Plan, r: &mut Rng) -> Vec<Line> {
    let am = super::alertmanager();
    let mut v = Vec::new();
    let mut a = am.alert(
        &[
            ("alertname", "HAProxyBackendDown"),
            ("backend", "be_auth"),
            ("job", "haproxy"),
            ("severity", "critical"),
        ],
        &[
            ("summary", "HAProxy backend be_auth has no server available"),
            (
                "runbook_url",
                "https://runbooks.example.org/haproxy/backend-down",
            ),
        ],
        time::at("2023-11-13T01:59:26.540Z"),
        "haproxy_backend_active_servers{proxy=\"be_auth\"} == 0",
        rng::hex(r, 16),
    );
    a.ends = Some(p.fix[1] + 45 * SEC);
    v.extend(am.lifecycle(
        &a,
        &["alertname", "backend"],
        4 * 3600 * SEC,
        Some("detected"),
    ));
    let mut b = am.alert(
        &[
            ("alertname", "BlackboxProbeFailed"),
            ("instance", "https://console.example.org/login"),
            ("job", "blackbox"),
            ("severity", "warning"),
        ],
        &[(
            "summary",
            "Probe of https://console.example.org/login failed",
        )],
        time::at("2023-11-13T02:00:12.905Z"),
        "probe_success == 0",
        rng::hex(r, 16),
    );
    b.ends = Some(p.fix[1] + 75 * SEC);
    v.extend(am.lifecycle(&b, &["alertname", "instance"], 4 * 3600 * SEC, None));
    v
}

/// The deploy that looked guilty for a while: auth-api rolled out minutes before.
fn red_herring(k: &mut Cluster, r: &mut Rng) -> Vec<Line> {
    let t = time::at("2023-11-13T01:41:12Z");
    let rs = "auth-api-7f9c5d6b8d";
    let dep = k8s::Obj {
        kind: "Deployment",
        ns: "identity",
        name: "auth-api",
        field_path: None,
    };
    let mut v = vec![k.event(
        r,
        t,
        t,
        &k8s::Ev {
            obj: dep,
            reason: "ScalingReplicaSet",
            message: &format!("Scaled up replica set {rs} to 1"),
            warning: false,
            component: "deployment-controller",
            host: None,
            count: 1,
        },
    )];
    v[0].kind("orch.scaled");
    let dep = k8s::Obj {
        kind: "Deployment",
        ns: "identity",
        name: "auth-api",
        field_path: None,
    };
    let t2 = t + 95 * SEC;
    v.push(k.event(
        r,
        t2,
        t2,
        &k8s::Ev {
            obj: dep,
            reason: "ScalingReplicaSet",
            message: "Scaled down replica set auth-api-5b8d9c7f44 to 0 from 3",
            warning: false,
            component: "deployment-controller",
            host: None,
            count: 1,
        },
    ));
    v
}

pub fn generate(dir: &Path, seed: u64, size: Option<u64>) -> Truth {
    let p = Plan::new(seed);
    let mult = super::multiplier(&p, size);
    let w = super::window(&p, mult);
    let mut ctx = Ctx::new(dir.to_path_buf());
    let (start, end) = (p.start, p.end);
    let mut specs = Vec::new();
    for (i, l) in p.lbs.iter().enumerate() {
        let mut spec = Spec::rotated(
            format!("{}/haproxy.log", l.host.name),
            "haproxy_http",
            super::hourly(start, end, &l.host),
        );
        if i == 0 {
            spec = spec.split(time::at("2023-11-13T01:30:00Z"));
        }
        specs.push((spec, haproxy_side(&p, i)));
    }
    let st = super::write_traffic(&mut ctx, &p, mult, w, specs, None);

    for (i, l) in p.lbs.iter().enumerate() {
        let h = &l.host;
        let mut r = rng::stream(seed, &format!("syslog-{}", h.name));
        let mut lines = syslog::noise(h, &mut r, start, end, true);
        lines.extend(super::systemd_reload(h, p.routine[i], "deploy"));
        lines.extend(super::systemd_reload(h, p.bad[i], "deploy"));
        lines.extend(super::systemd_reload(h, p.fix[i], "deploy"));
        lines.extend(syslog::sudo(
            h,
            p.bad[i] - 31 * SEC,
            "deploy",
            "/usr/bin/vim /etc/haproxy/haproxy.cfg",
        ));
        lines.extend(syslog::sudo(
            h,
            p.fix[i] - 48 * SEC,
            "deploy",
            "/usr/bin/vim /etc/haproxy/haproxy.cfg",
        ));
        write_lines(
            &mut ctx,
            Spec::plain(format!("{}/syslog", h.name), "syslog_rfc3164"),
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
    let mut r = rng::stream(seed, "k8s");
    let mut k = Cluster::new(7_301_118);
    let mut lines = k.noise(&mut r, start, end, &["node1", "node2", "node3"], None);
    lines.extend(red_herring(&mut k, &mut r));
    write_lines(
        &mut ctx,
        Spec::plain("cp1/k8s-events.json", "k8s_events_json"),
        lines,
    );

    let page = Page {
        trigger: time::at("2023-11-13T01:59:57Z"),
        ack: time::at("2023-11-13T02:10:31Z"),
        escalate: Some(time::at("2023-11-13T03:30:12Z")),
        resolve: time::at("2023-11-13T06:00:40Z"),
    };
    super::write_paging(
        &mut ctx,
        seed,
        |r| alerts(&p, r),
        (
            2_318,
            "HAProxyBackendDown: HAProxy backend be_auth has no server available",
            "[FIRING:1] HAProxyBackendDown be_auth (haproxy critical)",
        ),
        &page,
    );

    truth::build(
        &mut ctx,
        &st,
        truth::Facts {
            scenario: "auth-503",
            seed,
            lost_matters: false,
            leader_changes: 0,
            offsets: vec![("lb2", p.lbs[1].host.offset)],
        },
    )
}
