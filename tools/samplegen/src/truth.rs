//! The ground truth a scenario writes next to its logs (truth.json).

use crate::haproxy::Outcome;
use crate::output::{Ctx, FileEntry, Mark};
use crate::time::{self, Us};
use crate::traffic::Request;
use serde::Serialize;
use std::collections::BTreeMap;

/// A set of client indices.
pub struct Bits(Vec<u64>);

impl Bits {
    pub fn new(n: usize) -> Bits {
        Bits(vec![0; n.div_ceil(64)])
    }
    pub fn set(&mut self, i: u32) {
        self.0[(i / 64) as usize] |= 1 << (i % 64);
    }
    pub fn count(&self) -> u64 {
        self.0.iter().map(|w| u64::from(w.count_ones())).sum()
    }
}

/// Pass 1: where the incident's failing (or missing) requests begin and end.
#[derive(Default, Clone, Copy)]
pub struct Window {
    pub start: Option<Us>,
    pub end: Option<Us>,
}

impl Window {
    pub fn see(&mut self, req: &Request, o: &Outcome) {
        if o.cause == crate::haproxy::Cause::Incident && (o.lost || o.failed()) {
            self.start = Some(self.start.map_or(req.t, |s| s.min(req.t)));
            self.end = Some(self.end.map_or(req.t, |e| e.max(req.t)));
        }
    }

    pub fn contains(&self, t: Us) -> bool {
        matches!((self.start, self.end), (Some(s), Some(e)) if t >= s && t <= e)
    }
}

/// Pass 2: request and client counts over the LB request lines.
pub struct Stats {
    pub window: Window,
    pub total: u64,
    pub failed: u64,
    pub lost: u64,
    clients: Bits,
    affected: Bits,
    pub win_total: u64,
    pub win_failed: u64,
    win_clients: Bits,
    win_affected: Bits,
}

impl Stats {
    pub fn new(window: Window, n: usize) -> Stats {
        Stats {
            window,
            total: 0,
            failed: 0,
            lost: 0,
            clients: Bits::new(n),
            affected: Bits::new(n),
            win_total: 0,
            win_failed: 0,
            win_clients: Bits::new(n),
            win_affected: Bits::new(n),
        }
    }

    pub fn see(&mut self, req: &Request, o: &Outcome) {
        if o.lost {
            self.lost += 1;
            return;
        }
        let failed = o.failed();
        self.total += 1;
        self.clients.set(req.client);
        if failed {
            self.failed += 1;
            self.affected.set(req.client);
        }
        if self.window.contains(req.t) {
            self.win_total += 1;
            self.win_clients.set(req.client);
            if failed {
                self.win_failed += 1;
                self.win_affected.set(req.client);
            }
        }
    }
}

#[derive(Serialize)]
pub struct Impact {
    pub requests_total: u64,
    pub requests_failed: u64,
    pub clients_total: u64,
    pub clients_affected: u64,
}

#[derive(Serialize)]
pub struct Truth {
    pub schema: u32,
    pub scenario: String,
    pub seed: u64,
    pub impact_start: Option<String>,
    pub impact_end: Option<String>,
    pub trigger: Option<Mark>,
    pub mitigation: Option<Mark>,
    pub detected: Option<Mark>,
    pub resolved: Option<Mark>,
    pub requests_total: u64,
    pub requests_failed: u64,
    pub impact: Impact,
    pub clients_total: u64,
    pub clients_affected: u64,
    pub requests_lost: Option<u64>,
    pub leader_changes: u64,
    pub clock_offsets: BTreeMap<String, f64>,
    pub files: Vec<FileEntry>,
    pub order: Vec<String>,
}

pub struct Facts {
    pub scenario: &'static str,
    pub seed: u64,
    pub lost_matters: bool,
    pub leader_changes: u64,
    pub offsets: Vec<(&'static str, Us)>,
}

pub fn build(ctx: &mut Ctx, st: &Stats, f: Facts) -> Truth {
    let mut files = std::mem::take(&mut ctx.files);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut kinds: Vec<(&str, Us)> = ctx.kinds.iter().map(|(k, t)| (*k, *t)).collect();
    kinds.sort_by_key(|(k, t)| (*t, *k));
    Truth {
        schema: 1,
        scenario: f.scenario.to_string(),
        seed: f.seed,
        impact_start: st.window.start.map(time::rfc3339_ms),
        impact_end: st.window.end.map(time::rfc3339_ms),
        trigger: ctx.marks.get("trigger").cloned(),
        mitigation: ctx.marks.get("mitigation").cloned(),
        detected: ctx.marks.get("detected").cloned(),
        resolved: ctx.marks.get("resolved").cloned(),
        requests_total: st.total,
        requests_failed: st.failed,
        impact: Impact {
            requests_total: st.win_total,
            requests_failed: st.win_failed,
            clients_total: st.win_clients.count(),
            clients_affected: st.win_affected.count(),
        },
        clients_total: st.clients.count(),
        clients_affected: st.affected.count(),
        requests_lost: f.lost_matters.then_some(st.lost),
        leader_changes: f.leader_changes,
        clock_offsets: f
            .offsets
            .iter()
            .map(|(h, o)| (h.to_string(), *o as f64 / 1e6))
            .collect(),
        files,
        order: kinds.into_iter().map(|(k, _)| k.to_string()).collect(),
    }
}
