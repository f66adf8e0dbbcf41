//! The four incident scenarios and the machinery they share: sizing, the
//! two passes over the traffic (find the impact window, then write), and the
//! truth file.

pub mod auth_503;
pub mod firewall_drop;
pub mod ids_disk_full;
pub mod lb_single_backend;

use crate::haproxy::{self, Lb, Outcome};
use crate::output::{Ctx, Line, Spec, Stream};
use crate::time::Us;
use crate::traffic::{Population, Request, Traffic};
use crate::truth::{Stats, Truth, Window};
use std::io;
use std::path::{Path, PathBuf};

pub const NAMES: &[&str] = &[
    "ids-disk-full",
    "lb-single-backend",
    "auth-503",
    "firewall-drop",
];

pub struct Opts {
    pub out: PathBuf,
    pub seed: Option<u64>,
    /// Target size of the LB access logs, uncompressed bytes.
    pub size: Option<u64>,
}

/// Decides the LB outcome of each request.
pub trait Router {
    fn route(&mut self, req: &Request, tr: &Traffic) -> Outcome;
}

/// A scenario's request traffic.
pub trait Story {
    /// A fresh traffic source and router; `mult` scales the request rate.
    fn traffic(&self, mult: f64) -> (Traffic, Box<dyn Router + '_>);
    fn lbs(&self) -> &[Lb];
}

/// Outputs driven by requests besides the LB logs (a backend's nginx logs).
pub trait Extra {
    fn on(&mut self, ctx: &mut Ctx, req: &Request, o: &Outcome, pop: &Population);
    fn finish(self: Box<Self>, ctx: &mut Ctx);
}

/// Rate multiplier so the LB access logs come to about `size` bytes.
pub fn multiplier(story: &dyn Story, size: Option<u64>) -> f64 {
    let Some(target) = size else { return 1.0 };
    let (mut tr, mut router) = story.traffic(1.0);
    let mut bytes = 0u64;
    let mut b = Vec::with_capacity(400);
    while let Some(req) = tr.next() {
        let o = router.route(&req, &tr);
        if o.lost {
            continue;
        }
        let lb = &story.lbs()[req.lb as usize];
        b.clear();
        haproxy::push_line(&mut b, lb, &req, &o, &tr.pop, lb.emit_time(&req, &o));
        bytes += b.len() as u64 + 1;
    }
    (target as f64 / bytes.max(1) as f64).max(0.001)
}

/// Pass 1: the incident's impact window.
pub fn window(story: &dyn Story, mult: f64) -> Window {
    let (mut tr, mut router) = story.traffic(mult);
    let mut w = Window::default();
    while let Some(req) = tr.next() {
        let o = router.route(&req, &tr);
        w.see(&req, &o);
    }
    w
}

/// Pass 2: write the LB logs (one rotated haproxy.log per LB, with its state
/// lines merged in) and the extra outputs; count requests for the truth.
pub fn write_traffic(
    ctx: &mut Ctx,
    story: &dyn Story,
    mult: f64,
    w: Window,
    specs: Vec<(Spec, Vec<Line>)>,
    mut extra: Option<Box<dyn Extra>>,
) -> Stats {
    let (mut tr, mut router) = story.traffic(mult);
    let mut streams: Vec<Stream> = specs
        .into_iter()
        .map(|(spec, side)| Stream::new(ctx, spec, side))
        .collect();
    let mut st = Stats::new(w, tr.pop.len());
    let lbs = story.lbs();
    while let Some(req) = tr.next() {
        let o = router.route(&req, &tr);
        st.see(&req, &o);
        if let Some(x) = extra.as_mut() {
            x.on(ctx, &req, &o, &tr.pop);
        }
        if o.lost {
            continue;
        }
        let lb = &lbs[req.lb as usize];
        let emit = lb.emit_time(&req, &o);
        let mut b = Vec::with_capacity(360);
        haproxy::push_line(&mut b, lb, &req, &o, &tr.pop, emit);
        let s = &mut streams[req.lb as usize];
        s.push(emit + lb.host.offset, b);
        s.advance(ctx, req.t + lb.host.offset);
    }
    for s in streams {
        s.finish(ctx);
    }
    if let Some(x) = extra {
        x.finish(ctx);
    }
    st
}

pub fn write_truth(dir: &Path, t: &Truth) -> io::Result<()> {
    let mut s = serde_json::to_string_pretty(t).map_err(io::Error::other)?;
    s.push('\n');
    std::fs::write(dir.join("truth.json"), s)
}

pub fn run(name: &str, opts: &Opts) -> io::Result<Truth> {
    let dir = opts.out.join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    // Logs go under logs/ so that `coroner timeline <scenario>/logs/` reads only logs;
    // truth.json (paths relative to logs/) and expected outputs sit beside it.
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs)?;
    let truth = match name {
        "ids-disk-full" => ids_disk_full::generate(&logs, opts.seed.unwrap_or(0), opts.size),
        "lb-single-backend" => {
            lb_single_backend::generate(&logs, opts.seed.unwrap_or(1), opts.size)
        }
        "auth-503" => auth_503::generate(&logs, opts.seed.unwrap_or(2), opts.size),
        "firewall-drop" => firewall_drop::generate(&logs, opts.seed.unwrap_or(4), opts.size),
        other => return Err(io::Error::other(format!("unknown scenario {other}"))),
    };
    write_truth(&dir, &truth)?;
    Ok(truth)
}

/// Population size for a rate multiplier.
pub fn clients(base: usize, mult: f64) -> usize {
    ((base as f64) * mult.sqrt().max(1.0)) as usize
}

/// Times of HAProxy worker reloads -> pid table for an LB.
pub fn pids(first: u32, reloads: &[Us], start: Us) -> Vec<(Us, u32)> {
    let mut v = vec![(start - 86_400_000_000, first)];
    let mut p = first;
    for (i, t) in reloads.iter().enumerate() {
        p += 1_117 + 731 * i as u32;
        v.push((*t, p));
    }
    v
}

use crate::alertmanager::Am;
use crate::output::Tag;
use crate::pagerduty::{Pd, Ref};
use crate::rng::{self, Rng};
use crate::syslog::{self, Host};
use crate::time::{DAY, SEC};

/// lb1 (true clock) and lb2 (3.2 s fast), booted weeks before the incident.
pub fn lb_hosts(start: Us) -> [Host; 2] {
    [
        Host::new(
            "lb1",
            "10.0.1.11",
            "fa:16:3e:4c:21:0b",
            start - 41 * DAY - 3_721 * SEC,
        ),
        Host::new(
            "lb2",
            "10.0.1.12",
            "fa:16:3e:7d:90:e2",
            start - 17 * DAY - 18_113 * SEC,
        )
        .skewed(3_200_000),
    ]
}

pub const ONCALL: Ref = Ref {
    id: "PD4N0RT",
    name: "Dana Ortiz",
};
pub const INFRA: Ref = Ref {
    id: "PS4MPTL",
    name: "Sam Patel",
};

pub fn alertmanager() -> Am {
    Am {
        receiver: "pagerduty-and-archive",
        external_url: "http://alertmanager.mon.internal:9093",
        prometheus: "http://prometheus.mon.internal:9090",
        cluster: "prod-eu-1",
    }
}

pub fn pagerduty(r: &mut Rng, number: u32, title: &str) -> Pd {
    Pd {
        sub: "acme-cloud",
        service: Ref {
            id: "PX1W9KQ",
            name: "Public API",
        },
        team: Ref {
            id: "PT7INFR",
            name: "Platform",
        },
        integration: Ref {
            id: "P8AMGR1",
            name: "Prometheus Alertmanager",
        },
        incident_id: format!("Q{}", rng::alnum_upper(r, 13)),
        number,
        title: title.to_string(),
    }
}

/// The page of an incident: triggered (detected), assigned, acknowledged,
/// escalated, resolved.
pub struct Page {
    pub trigger: Us,
    pub ack: Us,
    pub escalate: Option<Us>,
    pub resolve: Us,
}

/// The paging trail of a scenario: its Alertmanager webhook payloads, and the
/// PagerDuty log of its page (`number`, `title`; `details` of the trigger).
pub fn write_paging(
    ctx: &mut Ctx,
    seed: u64,
    alerts: impl FnOnce(&mut Rng) -> Vec<Line>,
    (number, title, details): (u32, &str, &str),
    page: &Page,
) {
    let mut r = rng::stream(seed, "alerts");
    crate::output::write_lines(
        ctx,
        Spec::plain("mon1/alertmanager-webhook.ndjson", "alertmanager"),
        alerts(&mut r),
    );
    let mut r = rng::stream(seed, "pagerduty");
    let pd = pagerduty(&mut r, number, title);
    let lines = page_lines(&pd, &mut r, page, details);
    crate::output::write_lines(
        ctx,
        Spec::plain("pagerduty/log_entries.ndjson", "pagerduty"),
        lines,
    );
}

/// A load balancer's three reloads (routine, the bad config, the fix): the bad one is
/// lb1's trigger, the fix lb1's mitigation; `cumulated` is (base, step) of the
/// connection counts the old workers report.
pub fn reload_trail(
    l: &Lb,
    lb: usize,
    times: [Us; 3],
    master: u32,
    proxies: &'static [&'static str],
    cumulated: (u64, u64),
) -> Vec<Line> {
    let mut v = Vec::new();
    for (i, t) in times.into_iter().enumerate() {
        let rl = crate::haproxy::Reload {
            master,
            old: l.pid_at(t - 1),
            new: l.pid_at(t),
            proxies,
            cumulated: cumulated.0 + cumulated.1 * i as u64,
        };
        let mut lines = haproxy::reload_lines(l, t, &rl);
        match (i, lb) {
            (1, 0) => {
                lines[0].mark("trigger", "lb.reload");
            }
            (2, 0) => {
                lines[0].mark("mitigation", "lb.reload");
            }
            (0, _) => {}
            _ => {
                lines[0].kind("lb.reload");
            }
        }
        v.extend(lines);
    }
    v
}

pub fn page_lines(pd: &Pd, r: &mut Rng, p: &Page, details: &str) -> Vec<Line> {
    let mut v = Vec::new();
    let mut l = pd.trigger(r, p.trigger, details);
    l.mark("detected", "page.triggered");
    v.push(l);
    v.push(pd.assign(r, p.trigger, &ONCALL, crate::pagerduty::Agent::Service));
    let mut l = pd.ack(r, p.ack, &ONCALL);
    l.kind("page.acknowledged");
    v.push(l);
    if let Some(e) = p.escalate {
        let mut l = pd.escalate(r, e, &ONCALL, &INFRA, 2);
        l.kind("page.escalated");
        v.push(l);
        let mut l = pd.ack(r, e + 97 * SEC, &INFRA);
        l.kind = None;
        v.push(l);
    }
    let mut l = pd.resolve(r, p.resolve, &ONCALL);
    l.mark("resolved", "page.resolved");
    v.push(l);
    v
}

/// systemd's lines for `systemctl reload haproxy`, run by `user` via sudo.
pub fn systemd_reload(h: &Host, t: Us, user: &str) -> Vec<Line> {
    let mut v = syslog::sudo(h, t - 900_000, user, "/usr/bin/systemctl reload haproxy");
    v.push(syslog::line(
        h,
        t,
        "systemd[1]",
        "Reloading HAProxy Load Balancer...",
    ));
    v.push(syslog::line(
        h,
        t + 1_800_000,
        "systemd[1]",
        "Reloaded HAProxy Load Balancer.",
    ));
    v
}

/// logrotate run hourly: every full hour strictly inside (start, end), on a host's clock.
pub fn hourly(start: Us, end: Us, h: &Host) -> Vec<Us> {
    let hour = crate::time::HOUR;
    let mut v = Vec::new();
    let mut t = start - start.rem_euclid(hour) + hour;
    while t < end {
        v.push(t + h.offset);
        t += hour;
    }
    v
}

/// The IDS output of an LB (eve.json) laid out as `spec`.
pub fn eve(
    ctx: &mut Ctx,
    seed: u64,
    h: &Host,
    span: (Us, Us),
    writing: &dyn Fn(Us) -> bool,
    storm: &dyn Fn(Us) -> f64,
    spec: Spec,
) {
    let (start, end) = span;
    let mut r = rng::stream(seed, &format!("eve-{}", h.name));
    let mut s = crate::suricata::Sensor {
        host: h.clone(),
        iface: "eth0",
        flow_gap: if end - start > 12 * crate::time::HOUR {
            120.0
        } else {
            40.0
        },
        started: start - 6 * DAY - 7_211 * SEC,
        alerts: 3_120,
        flows: 812_440,
        pkts: 91_220_118,
    };
    let lines = crate::suricata::background(&mut s, &mut r, start, end, writing, storm);
    crate::output::write_lines(ctx, spec, lines);
}

/// eve.json of a host, rotated hourly.
pub fn eve_hourly(h: &Host, start: Us, end: Us) -> Spec {
    Spec::rotated(
        format!("{}/suricata/eve.json", h.name),
        "suricata_eve",
        hourly(start, end, h),
    )
}
