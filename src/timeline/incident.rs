//! Incidents: each span of breaching windows, with its markers (impact start, detected,
//! acknowledged, escalated, mitigated, resolved), its trigger candidates, and its figures.
//!
//! Every marker says whether it was `observed` (a log line states it) or `inferred` (a
//! rule put it there), which rule, and the lines behind it.

use std::collections::BTreeSet;

use serde::Serialize;

use super::runs::{Entry, Evidence};
use crate::event::Nanos;
use crate::impact::analysis::percentile;
use crate::impact::buckets::LATENCY_BINS;
use crate::impact::{Analysis, Buckets, Thresholds, WindowSignal};
use crate::time::NANOS_PER_SEC;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Observed,
    Inferred,
}

#[derive(Clone, Debug, Serialize)]
pub struct Marker {
    #[serde(skip)]
    pub ts: Nanos,
    pub confidence: Confidence,
    pub rule: String,
    pub evidence: Vec<Evidence>,
}

/// A change or fault before impact start that may have set it off.
#[derive(Clone, Debug, Serialize)]
pub struct Trigger {
    #[serde(skip)]
    pub ts: Nanos,
    pub kind: String,
    pub role: &'static str,
    /// Seconds before impact start.
    pub lead_s: f64,
    pub summary: String,
    pub count: u64,
    pub evidence: Vec<Evidence>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct BackendFigures {
    pub name: String,
    pub requests: u64,
    pub failed: u64,
    pub share: f64,
}

/// p50/p95/p99 latency (ms) during the impact and in the baseline.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LatencyFigures {
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub baseline_p50_ms: Option<f64>,
    pub baseline_p95_ms: Option<f64>,
    pub baseline_p99_ms: Option<f64>,
}

/// Error-budget burn against `--slo` over `--slo-period`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SloFigures {
    pub objective: f64,
    pub period_days: f64,
    /// Failures the period allows, at the baseline request rate.
    pub budget_requests: f64,
    /// Share of that budget this incident used (1.0 = all of it).
    pub budget_burned: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct IdsAlertFigure {
    pub signature: String,
    pub severity: String,
    pub count: u64,
}

/// What the incident cost, over [impact start, mitigated].
#[derive(Clone, Debug, Default, Serialize)]
pub struct Figures {
    pub duration_s: Option<f64>,
    pub ttd_s: Option<f64>,
    pub tta_s: Option<f64>,
    pub ttm_s: Option<f64>,
    pub ttr_s: Option<f64>,
    pub requests_total: u64,
    pub requests_failed: u64,
    pub requests_lost: Option<u64>,
    pub error_rate: f64,
    pub clients_total: u64,
    pub clients_affected: u64,
    /// Seconds per client granule: 1 unless the client sets outgrew their memory budget,
    /// when the window was widened to whole granules for the two counts above.
    pub clients_granule_s: u64,
    pub client_key: &'static str,
    pub error_rate_peak: f64,
    #[serde(serialize_with = "ser_opt_ts")]
    pub error_rate_peak_at: Option<Nanos>,
    pub latency: LatencyFigures,
    pub slo: Option<SloFigures>,
    pub backends: Vec<BackendFigures>,
    /// IDS alerts from the lead-up to resolution, by signature.
    pub ids_alerts: Vec<IdsAlertFigure>,
    /// Distinct terms of leader elections in the incident.
    pub leader_changes: u64,
    pub hosts_disk_full: Vec<String>,
    pub hosts_oom: Vec<String>,
}

fn ser_opt_ts<S: serde::Serializer>(v: &Option<Nanos>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(ns) => s.serialize_str(&crate::time::rfc3339(*ns, 0)),
        None => s.serialize_none(),
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Incident {
    pub signals: BTreeSet<WindowSignal>,
    #[serde(skip)]
    pub first_window: usize,
    #[serde(skip)]
    pub last_window: usize,
    pub impact_start: Marker,
    pub detected: Marker,
    pub acknowledged: Option<Marker>,
    pub escalated: Option<Marker>,
    pub mitigated: Marker,
    pub resolved: Marker,
    pub trigger: Vec<Trigger>,
    pub figures: Figures,
    /// Indices of the timeline entries that belong to the incident (with its lead-up).
    #[serde(skip)]
    pub entries: Vec<usize>,
}

const CHANGES: &[&str] = &[
    "lb.reload",
    "fw.change",
    "orch.scaled",
    "service.stopped",
    "service.started",
];
const FAULTS: &[&str] = &[
    "host.disk_full",
    "host.oom",
    "lb.backend_down",
    "lb.no_server",
    "orch.leader_lost",
    "orch.node_not_ready",
    "service.failed",
    "ids.alert",
];
/// What people (or automation) do to mitigate…
const ACTIONS: &[&str] = &["lb.reload", "service.started", "fw.change", "orch.scaled"];
/// …and the signs of recovery that follow.
const RECOVERIES: &[&str] = &["lb.backend_up", "orch.leader_elected"];
/// A fault this soon after a change is most likely its consequence (seconds).
const CONSEQUENCE_S: i64 = 120;
/// How far before impact start a change or fault may be (seconds).
const TRIGGER_LOOKBACK_S: i64 = 1800;
/// An IDS alert run counts as a fault only when it is a storm.
const IDS_STORM: u64 = 100;

fn observed(entry: &Entry, rule: &str) -> Marker {
    Marker {
        ts: entry.ts,
        confidence: Confidence::Observed,
        rule: rule.to_string(),
        evidence: entry.evidence.iter().take(2).cloned().collect(),
    }
}

fn inferred(ts: Nanos, rule: String) -> Marker {
    Marker {
        ts,
        confidence: Confidence::Inferred,
        rule,
        evidence: Vec::new(),
    }
}

fn secs(ns: Nanos) -> f64 {
    ns as f64 / 1e9
}

/// Finds the incidents of the analysis and sets their markers from the timeline entries.
pub fn find_incidents(
    analysis: &Analysis,
    buckets: &Buckets,
    entries: &mut [Entry],
    th: &Thresholds,
    detect_after_windows: i64,
) -> Vec<Incident> {
    let Some(tier_name) = analysis.tier.as_deref() else {
        return Vec::new();
    };
    let Some(tier) = (0..buckets.tiers.len() as u32).find(|t| buckets.tiers.name(*t) == tier_name)
    else {
        return Vec::new();
    };
    let w = analysis.window_s * NANOS_PER_SEC;
    let hold = th.hold_s * NANOS_PER_SEC;
    let tier_buckets: Vec<_> = buckets
        .map()
        .iter()
        .filter(|(k, _)| k.tier == tier)
        .collect();
    let mut out = Vec::new();
    for span in &analysis.spans {
        let from = analysis.window_start(span.first);
        let to = analysis.window_end(span.last);
        let errors = span.signals.contains(&WindowSignal::ErrorRate);
        let cessation = span.signals.contains(&WindowSignal::Cessation);

        // Impact start: the first failing request (or the last request before the traffic
        // stopped) around the first breaching window.
        let in_range = |lo: Nanos, hi: Nanos| {
            tier_buckets.iter().filter(move |(k, _)| {
                k.second * NANOS_PER_SEC >= lo && k.second * NANOS_PER_SEC < hi
            })
        };
        let threshold = th
            .error_rate_min
            .max(th.error_rate_factor * analysis.baseline.error_rate);
        let first_failed = onset(
            in_range(from - w, from + w),
            threshold,
            analysis.window_s.min(60),
        );
        let last_before_silence = in_range(from - w, from + w).map(|(_, b)| b.last_ts).max();
        let impact_start = if cessation && !errors {
            match last_before_silence {
                Some(t) => inferred(t, "traffic stopped: last request before the silence".into()),
                None => inferred(
                    from,
                    "traffic stopped: start of the first quiet window".into(),
                ),
            }
        } else {
            match first_failed.filter(|_| errors) {
                Some(t) => inferred(
                    t,
                    "first failing request of the first breaching window".into(),
                ),
                None => inferred(
                    from,
                    format!(
                        "start of the first breaching window ({})",
                        signal_names(&span.signals)
                    ),
                ),
            }
        };
        let start = impact_start.ts;

        // Mitigated: the last failing request, or the first request after the silence.
        let last_failed = offset(
            in_range(to - 2 * w, to + w),
            threshold,
            analysis.window_s.min(60),
        );
        let back = tier_buckets
            .iter()
            .filter(|(k, _)| k.second * NANOS_PER_SEC >= to - w)
            .map(|(_, b)| b.first_ts)
            .min();
        let mitigated_ts = if cessation && !errors {
            back.unwrap_or(to)
        } else {
            last_failed.filter(|_| errors).unwrap_or(to)
        };
        // The nearest preceding action (a reload, a restart, a rule change), else the
        // nearest sign of recovery. Skewed clocks get a minute of slack.
        let nearest = |kinds: &[&str], slack: Nanos| {
            entries
                .iter()
                .enumerate()
                .filter(|(_, e)| kinds.contains(&&*e.kind))
                .filter(|(_, e)| e.ts >= start && e.ts <= mitigated_ts + slack)
                .max_by_key(|(i, e)| (e.ts, std::cmp::Reverse(*i)))
                .map(|(i, _)| i)
        };
        let slack = 60 * NANOS_PER_SEC;
        let action = nearest(ACTIONS, 0)
            .or_else(|| nearest(RECOVERIES, 0))
            .or_else(|| nearest(ACTIONS, slack))
            .or_else(|| nearest(RECOVERIES, slack));
        let mut mitigated = inferred(
            mitigated_ts,
            format!(
                "healthy from here on for at least the hold time ({}s){}",
                th.hold_s,
                action.map_or(String::new(), |i| format!(
                    "; nearest action: {} {}",
                    entries[i].kind, entries[i].summary
                ))
            ),
        );
        if let Some(i) = action {
            mitigated.evidence = entries[i].evidence.iter().take(2).cloned().collect();
            entries[i].marker.get_or_insert("mitigated");
        }

        // Detection, acknowledgement, escalation, resolution: the paging trail.
        let first_of = |kinds: &[&str], after: Nanos, entries: &[Entry]| {
            entries
                .iter()
                .enumerate()
                .filter(|(_, e)| {
                    kinds.contains(&&*e.kind) && e.ts >= after && e.ts <= mitigated_ts + hold
                })
                .min_by_key(|(_, e)| e.ts)
                .map(|(i, _)| i)
        };
        let detected = match first_of(&["alert.firing", "page.triggered"], start - w, entries) {
            Some(i) => {
                entries[i].marker.get_or_insert("detected");
                observed(&entries[i], "first alert or page after impact start")
            }
            None => inferred(
                start + detect_after_windows * w,
                format!("no alert or page: impact start + {detect_after_windows} windows"),
            ),
        };
        let acknowledged = first_of(&["page.acknowledged"], detected.ts, entries).map(|i| {
            entries[i].marker.get_or_insert("acknowledged");
            observed(&entries[i], "first acknowledgement")
        });
        let escalated = match first_of(&["page.escalated"], detected.ts, entries) {
            Some(i) => {
                entries[i].marker.get_or_insert("escalated");
                Some(observed(&entries[i], "page escalated"))
            }
            None => (span.first..=span.last)
                .find(|i| analysis.windows[*i].error_rate >= 0.5)
                .map(|i| {
                    inferred(
                        analysis.window_start(i),
                        "more than half of the requests failed".into(),
                    )
                }),
        };
        let resolve_after = |kinds: &[&str], entries: &[Entry]| {
            entries
                .iter()
                .enumerate()
                .filter(|(_, e)| kinds.contains(&&*e.kind) && e.ts >= mitigated_ts)
                .min_by_key(|(_, e)| e.ts)
                .map(|(i, _)| i)
        };
        let resolved = match resolve_after(&["page.resolved"], entries)
            .or_else(|| resolve_after(&["alert.resolved"], entries))
        {
            Some(i) => {
                entries[i].marker.get_or_insert("resolved");
                observed(&entries[i], "explicit resolve after mitigation")
            }
            None => inferred(
                mitigated_ts + hold,
                "no resolve: mitigated + hold time".into(),
            ),
        };

        // Trigger candidates: changes and faults in the lookback, nearest first.
        let mut trigger: Vec<(usize, Trigger)> = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.ts <= start && e.ts >= start - TRIGGER_LOOKBACK_S * NANOS_PER_SEC)
            .filter_map(|(i, e)| {
                let role = if CHANGES.contains(&&*e.kind) {
                    "change"
                } else if FAULTS.contains(&&*e.kind)
                    && (&*e.kind != "ids.alert" || e.count >= IDS_STORM)
                {
                    "fault"
                } else {
                    return None;
                };
                Some((
                    i,
                    Trigger {
                        ts: e.ts,
                        kind: e.kind.to_string(),
                        role,
                        lead_s: secs(start - e.ts),
                        summary: e.summary.clone(),
                        count: e.count,
                        evidence: e.evidence.iter().take(2).cloned().collect(),
                    },
                ))
            })
            .collect();
        trigger.sort_by(|a, b| a.1.lead_s.total_cmp(&b.1.lead_s).then(a.0.cmp(&b.0)));
        // A fault that closely follows a change is most likely its consequence: the
        // change goes first.
        if let Some(top) = trigger
            .first()
            .filter(|t| t.1.role == "fault")
            .map(|t| t.1.ts)
        {
            if let Some(k) = trigger.iter().position(|t| {
                t.1.role == "change"
                    && t.1.ts <= top
                    && top - t.1.ts <= CONSEQUENCE_S * NANOS_PER_SEC
            }) {
                let change = trigger.remove(k);
                trigger.insert(0, change);
            }
        }
        if let Some((i, _)) = trigger.first() {
            entries[*i].marker.get_or_insert("trigger");
        }
        let trigger: Vec<Trigger> = trigger.into_iter().map(|(_, t)| t).take(5).collect();

        let mut figures = figures(
            &tier_buckets,
            buckets,
            analysis,
            start,
            mitigated_ts,
            cessation,
            [
                detected.ts,
                acknowledged.as_ref().map_or(0, |m| m.ts),
                resolved.ts,
            ],
            acknowledged.is_some(),
        );
        let peak = (span.first..=span.last).max_by(|a, b| {
            analysis.windows[*a]
                .error_rate
                .total_cmp(&analysis.windows[*b].error_rate)
        });
        if let Some(p) = peak {
            figures.error_rate_peak = analysis.windows[p].error_rate;
            figures.error_rate_peak_at = Some(analysis.window_start(p));
        }
        if let Some(objective) = th.slo {
            let per_second = analysis.baseline.requests / analysis.window_s as f64;
            let budget = (1.0 - objective) * per_second * th.slo_period_s as f64;
            let spent = figures.requests_failed as f64 + figures.requests_lost.unwrap_or(0) as f64;
            figures.slo = Some(SloFigures {
                objective,
                period_days: th.slo_period_s as f64 / 86_400.0,
                budget_requests: budget,
                budget_burned: if budget > 0.0 { spent / budget } else { 0.0 },
            });
        }
        let lead_from = trigger.last().map_or(start, |t| t.ts).min(start) - w;
        let entry_ids: Vec<usize> = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.ts >= lead_from && e.ts <= resolved.ts.max(mitigated_ts) + w)
            .map(|(i, _)| i)
            .collect();
        entry_figures(&mut figures, entry_ids.iter().map(|&i| &entries[i]));
        out.push(Incident {
            signals: span.signals.clone(),
            first_window: span.first,
            last_window: span.last,
            impact_start,
            detected,
            acknowledged,
            escalated,
            mitigated,
            resolved,
            trigger,
            figures,
            entries: entry_ids,
        });
    }
    out
}

type Row<'a> = &'a (&'a crate::impact::BucketKey, &'a crate::impact::Bucket);

/// Per second of the tier: (requests, failed, first failure, last failure).
type PerSecond = std::collections::BTreeMap<i64, (u64, u64, Option<Nanos>, Option<Nanos>)>;

fn per_second<'a>(buckets: impl Iterator<Item = Row<'a>>) -> PerSecond {
    let mut out = PerSecond::new();
    for (k, b) in buckets {
        let e = out.entry(k.second).or_default();
        e.0 += b.requests as u64;
        e.1 += b.failed as u64;
        let (first, last) = b.failures().unzip();
        e.2 = [e.2, first].into_iter().flatten().min();
        e.3 = [e.3, last].into_iter().flatten().max();
    }
    out
}

/// Do the seconds in `range` fail above `threshold`?
fn failing(s: &PerSecond, range: impl std::ops::RangeBounds<i64>, threshold: f64) -> bool {
    let (r, f) = s
        .range(range)
        .fold((0, 0), |(r, f), (_, x)| (r + x.0, f + x.1));
    r > 0 && f as f64 / r as f64 > threshold
}

/// The first failing request after which failures stay above `threshold` for the next
/// `ahead_s` seconds: the onset, not a routine 5xx that happened to come first.
fn onset<'a>(
    buckets: impl Iterator<Item = Row<'a>>,
    threshold: f64,
    ahead_s: i64,
) -> Option<Nanos> {
    let s = per_second(buckets);
    s.iter()
        .filter(|(_, x)| x.1 > 0)
        .find(|(t, _)| failing(&s, **t..**t + ahead_s.max(1), threshold))
        .and_then(|(_, x)| x.2)
}

/// The last failing request before which failures were above `threshold` for the
/// previous `behind_s` seconds: where the failing stopped, not a straggler after it.
fn offset<'a>(
    buckets: impl Iterator<Item = Row<'a>>,
    threshold: f64,
    behind_s: i64,
) -> Option<Nanos> {
    let s = per_second(buckets);
    s.iter()
        .rev()
        .filter(|(_, x)| x.1 > 0)
        .find(|(t, _)| failing(&s, **t - behind_s.max(1) + 1..=**t, threshold))
        .and_then(|(_, x)| x.3)
}

fn signal_names(s: &BTreeSet<WindowSignal>) -> String {
    s.iter()
        .map(|x| match x {
            WindowSignal::ErrorRate => "error rate",
            WindowSignal::Cessation => "traffic stopped",
            WindowSignal::Imbalance => "one server took the pool",
            WindowSignal::Latency => "latency",
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The figures read off the incident's timeline entries.
fn entry_figures<'a>(f: &mut Figures, list: impl Iterator<Item = &'a Entry>) {
    let mut ids: std::collections::BTreeMap<(String, String), u64> = Default::default();
    let mut terms = BTreeSet::new();
    let (mut disk, mut oom) = (BTreeSet::new(), BTreeSet::new());
    for e in list {
        match &*e.kind {
            "ids.alert" => {
                *ids.entry((e.summary.clone(), e.severity.as_str().to_string()))
                    .or_default() += e.count;
            }
            "orch.leader_elected" => terms.extend(e.terms.iter().cloned()),
            "host.disk_full" => disk.extend(e.hosts.iter().cloned()),
            "host.oom" => oom.extend(e.hosts.iter().cloned()),
            _ => {}
        }
    }
    let mut alerts: Vec<IdsAlertFigure> = ids
        .into_iter()
        .map(|((signature, severity), count)| IdsAlertFigure {
            signature,
            severity,
            count,
        })
        .collect();
    alerts.sort_by(|a, b| b.count.cmp(&a.count).then(a.signature.cmp(&b.signature)));
    f.ids_alerts = alerts;
    f.leader_changes = terms.len() as u64;
    f.hosts_disk_full = disk.into_iter().collect();
    f.hosts_oom = oom.into_iter().collect();
}

#[allow(clippy::too_many_arguments)]
fn figures(
    tier_buckets: &[(&crate::impact::BucketKey, &crate::impact::Bucket)],
    buckets: &Buckets,
    analysis: &Analysis,
    start: Nanos,
    end: Nanos,
    cessation: bool,
    [detected, acknowledged, resolved]: [Nanos; 3],
    has_ack: bool,
) -> Figures {
    let (lo, hi) = (
        start.div_euclid(NANOS_PER_SEC),
        end.div_euclid(NANOS_PER_SEC),
    );
    let mut f = Figures {
        client_key: "client IP",
        duration_s: Some(secs(end - start)),
        ttd_s: Some(secs(detected - start)),
        tta_s: has_ack.then(|| secs(acknowledged - start)),
        ttm_s: Some(secs(end - start)),
        ttr_s: Some(secs(resolved - start)),
        ..Figures::default()
    };
    let mut during = [0u64; LATENCY_BINS];
    let mut before = [0u64; LATENCY_BINS];
    let (b_lo, b_hi) = (analysis.baseline.from_s, analysis.baseline.to_s);
    for (k, b) in tier_buckets {
        let Some(h) = &b.latency else { continue };
        let target = if k.second >= lo && k.second <= hi {
            &mut during
        } else if k.second >= b_lo && k.second < b_hi {
            &mut before
        } else {
            continue;
        };
        for (a, x) in target.iter_mut().zip(h.iter()) {
            *a += *x as u64;
        }
    }
    f.latency = LatencyFigures {
        p50_ms: percentile(&during, 0.50),
        p95_ms: percentile(&during, 0.95),
        p99_ms: percentile(&during, 0.99),
        baseline_p50_ms: percentile(&before, 0.50),
        baseline_p95_ms: percentile(&before, 0.95),
        baseline_p99_ms: percentile(&before, 0.99),
    };
    let mut per_backend: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
    for (k, b) in tier_buckets {
        if k.second < lo || k.second > hi {
            continue;
        }
        f.requests_total += b.requests as u64;
        f.requests_failed += b.failed as u64;
        let name = format!(
            "{}/{}",
            buckets.backends.name(k.backend),
            buckets.servers.name(k.server)
        );
        let e = per_backend.entry(name).or_default();
        e.0 += b.requests as u64;
        e.1 += b.failed as u64;
    }
    f.error_rate = if f.requests_total > 0 {
        f.requests_failed as f64 / f.requests_total as f64
    } else {
        0.0
    };
    if let Some((k, _)) = tier_buckets.first() {
        (f.clients_total, f.clients_affected) = buckets.clients_between(k.tier, lo, hi);
        f.clients_granule_s = buckets.granule() as u64;
    }
    if cessation {
        let expected = analysis.baseline.requests / analysis.window_s as f64 * secs(end - start);
        f.requests_lost = Some((expected - f.requests_total as f64).max(0.0).round() as u64);
    }
    f.backends = per_backend
        .into_iter()
        .map(|(name, (r, x))| BackendFigures {
            name,
            requests: r,
            failed: x,
            share: if f.requests_total > 0 {
                r as f64 / f.requests_total as f64
            } else {
                0.0
            },
        })
        .collect();
    f
}
