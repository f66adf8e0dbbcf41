//! Claims held against the document itself (the stated window, durations, order,
//! detection before resolution, percentages that add up) and against an incident the
//! logs show (markers, figures, trigger candidates, timeline entries).

use super::document::{Amount, Hedge, Phase, Population, Role, Stamp};
use super::render::{percent, span, when};
use super::{Against, Claim, Document, Finding, Tolerances, Verdict, What, HEDGE_FACTOR};
use crate::event::Nanos;
use crate::time::NANOS_PER_SEC;
use crate::timeline::{Confidence, Entry, Findings, Incident, Marker, Trigger};

fn finding(c: &Claim, subject: &'static str, verdict: Verdict, against: Against) -> Finding {
    Finding {
        line: Some(c.line),
        verdict,
        subject,
        claim: c.quote.clone(),
        against,
        stated: None,
        found: None,
        detail: String::new(),
        evidence: Vec::new(),
    }
}

fn hedged(x: f64, hedge: bool) -> f64 {
    if hedge {
        x * HEDGE_FACTOR
    } else {
        x
    }
}

fn secs(ns: Nanos) -> f64 {
    ns as f64 / NANOS_PER_SEC as f64
}

/// The tolerance for a stated time: the configured one or the time's own precision,
/// whichever is coarser; doubled when hedged.
fn time_tol(s: &Stamp, tol: &Tolerances) -> f64 {
    hedged(tol.time_s.max(s.precision_s) as f64, s.about)
}

/// Does `a` (stated) hold against `actual`, within `tol`, given its hedge?
fn within(stated: f64, actual: f64, tol: f64, hedge: Hedge) -> bool {
    match hedge {
        Hedge::AtLeast => actual >= stated - tol,
        Hedge::AtMost => actual <= stated + tol,
        _ => (stated - actual).abs() <= tol,
    }
}

fn verdict(ok: bool) -> Verdict {
    if ok {
        Verdict::Confirmed
    } else {
        Verdict::Contradicted
    }
}

/// The tolerance for a stated duration against `actual` seconds.
fn duration_tol(a: &Amount, actual: f64, tol: &Tolerances) -> f64 {
    hedged(
        (tol.duration_ratio * actual)
            .max(a.precision)
            .max(2.0 * tol.time_s as f64),
        a.hedge != Hedge::Exact,
    )
}

fn off_by(stated: f64, actual: f64, tol: f64, unit: fn(f64) -> String) -> String {
    format!(
        "off by {}; tolerance ±{}",
        unit((stated - actual).abs()),
        unit(tol)
    )
}

fn first(doc: &Document, pick: impl Fn(&What) -> Option<Stamp>) -> Option<(&Claim, Stamp)> {
    doc.claims
        .iter()
        .find_map(|c| pick(&c.what).map(|s| (c, s)))
}

fn start_of(doc: &Document) -> Option<(&Claim, Stamp)> {
    first(doc, |w| match w {
        What::Start(s) => Some(*s),
        _ => None,
    })
}

fn end_of(doc: &Document) -> Option<(&Claim, Stamp)> {
    first(doc, |w| match w {
        What::End(s) => Some(*s),
        _ => None,
    })
}

fn entries(doc: &Document) -> impl Iterator<Item = (&Claim, Stamp, &str, Option<Role>)> {
    doc.claims.iter().filter_map(|c| match &c.what {
        What::Entry { at, text, role } => Some((c, *at, text.as_str(), *role)),
        _ => None,
    })
}

/// The entry that states a phase: the first detection, acknowledgement and mitigation,
/// the last resolution.
fn phase_entry(doc: &Document, role: Role) -> Option<(&Claim, Stamp)> {
    let mut it = entries(doc)
        .filter(|e| e.3 == Some(role))
        .map(|e| (e.0, e.1));
    if role == Role::Resolved {
        it.last()
    } else {
        it.next()
    }
}

fn phase_role(p: Phase) -> Role {
    match p {
        Phase::Detect => Role::Detected,
        Phase::Acknowledge => Role::Acknowledged,
        Phase::Mitigate => Role::Mitigated,
        Phase::Resolve => Role::Resolved,
    }
}

fn phase_name(p: Phase) -> &'static str {
    match p {
        Phase::Detect => "time to detect",
        Phase::Acknowledge => "time to acknowledge",
        Phase::Mitigate => "time to mitigate",
        Phase::Resolve => "time to resolve",
    }
}

fn population_name(p: Population, share: bool) -> &'static str {
    match (p, share) {
        (Population::Users, true) => "users affected",
        (Population::Users, false) => "users",
        (Population::Requests, _) => "requests",
        (Population::FailedRequests, true) => "error rate",
        (Population::FailedRequests, false) => "failed requests",
    }
}

fn count_text(a: &Amount) -> String {
    let n = crate::render::thousands(a.value.round().max(0.0) as u64);
    match a.hedge {
        Hedge::Exact => n,
        Hedge::About => format!("~{n}"),
        Hedge::AtLeast => format!("≥ {n}"),
        Hedge::AtMost => format!("≤ {n}"),
    }
}

/// The document against itself.
pub fn against_document(doc: &Document, tol: &Tolerances) -> Vec<Finding> {
    let mut out = Vec::new();
    let start = start_of(doc);
    let end = end_of(doc);
    let window = match (start, end) {
        (Some((sc, s)), Some((ec, e))) => {
            if e.ns <= s.ns {
                let mut f = finding(sc, "window", Verdict::Contradicted, Against::Document);
                f.stated = Some(format!("{} → {}", when(s.ns, s.dated), when(e.ns, e.dated)));
                f.detail = "the stated end is not after the stated start".into();
                out.push(f);
                None
            } else {
                let len = span(secs(e.ns - s.ns));
                for (c, subject, detail) in [
                    (
                        sc,
                        "start",
                        format!("before the stated end; the window is {len}"),
                    ),
                    (
                        ec,
                        "end",
                        format!("after the stated start; the window is {len}"),
                    ),
                ] {
                    let mut f = finding(c, subject, Verdict::Confirmed, Against::Document);
                    f.stated = Some(when(if subject == "start" { s.ns } else { e.ns }, s.dated));
                    f.detail = detail;
                    out.push(f);
                }
                Some((s, e))
            }
        }
        _ => None,
    };
    let window_len = window.map(|(s, e)| secs(e.ns - s.ns));
    let window_text = window.map(|(s, e)| {
        format!(
            "the stated window {} → {}",
            when(s.ns, s.dated),
            when(e.ns, e.dated)
        )
    });

    for c in &doc.claims {
        match &c.what {
            What::Duration(a) => {
                let (Some(len), Some(wt), Some((s, _))) = (window_len, &window_text, window) else {
                    continue;
                };
                // The outage may be told as the whole window, or as the impact up to
                // the stated mitigation or resolution.
                let mut spans = vec![(wt.clone(), len)];
                for role in [Role::Mitigated, Role::Resolved] {
                    if let Some((ec, e)) = phase_entry(doc, role).filter(|(_, e)| e.ns > s.ns) {
                        spans.push((
                            format!(
                                "the stated start to line {} ({})",
                                ec.line,
                                when(e.ns, e.dated)
                            ),
                            secs(e.ns - s.ns),
                        ));
                    }
                }
                let spans: Vec<(String, Option<f64>)> =
                    spans.into_iter().map(|(n, v)| (n, Some(v))).collect();
                out.push(against_spans(
                    c,
                    "duration",
                    Against::Document,
                    a,
                    &spans,
                    tol,
                ));
            }
            What::Elapsed(p, a) => {
                let (Some((_, s)), Some((ec, e))) = (start, phase_entry(doc, phase_role(*p)))
                else {
                    continue;
                };
                let len = secs(e.ns - s.ns);
                let t = duration_tol(a, len, tol);
                let ok = within(a.value, len, t, a.hedge);
                let mut f = finding(c, phase_name(*p), verdict(ok), Against::Document);
                f.stated = Some(span(a.value));
                f.found = Some(span(len));
                f.detail = format!(
                    "the stated start {} to line {} ({}) is {}; {}",
                    when(s.ns, s.dated),
                    ec.line,
                    when(e.ns, e.dated),
                    span(len),
                    off_by(a.value, len, t, span)
                );
                out.push(f);
            }
            What::Share {
                population,
                percent: p,
                of_counts,
            } => {
                let subject = population_name(*population, true);
                if p.value > 100.0 {
                    let mut f = finding(c, subject, Verdict::Contradicted, Against::Document);
                    f.stated = Some(percent(p.value));
                    f.detail = "a share cannot exceed 100%".into();
                    out.push(f);
                } else if let Some((part, whole)) = of_counts.filter(|(_, w)| *w > 0.0) {
                    let actual = part / whole * 100.0;
                    let t = hedged(tol.share_points, p.hedge != Hedge::Exact);
                    let ok = within(p.value, actual, t, p.hedge);
                    let mut f = finding(c, subject, verdict(ok), Against::Document);
                    f.stated = Some(percent(p.value));
                    f.found = Some(percent(actual));
                    f.detail = format!(
                        "the same line's {} of {} is {}; off by {:.1} points; tolerance ±{:.1}",
                        crate::render::thousands(part as u64),
                        crate::render::thousands(whole as u64),
                        percent(actual),
                        (p.value - actual).abs(),
                        t
                    );
                    out.push(f);
                }
            }
            What::Count {
                population,
                value,
                whole: Some(whole),
            } if value.value > *whole => {
                let mut f = finding(
                    c,
                    population_name(*population, false),
                    Verdict::Contradicted,
                    Against::Document,
                );
                f.stated = Some(count_text(value));
                f.detail = format!(
                    "the part is larger than the whole ({})",
                    crate::render::thousands(*whole as u64)
                );
                out.push(f);
            }
            _ => {}
        }
    }

    // Shares of users in one line must not add up past 100%.
    let mut by_line: std::collections::BTreeMap<usize, Vec<(&Claim, f64)>> = Default::default();
    for c in &doc.claims {
        if let What::Share {
            population: Population::Users,
            percent: p,
            ..
        } = &c.what
        {
            by_line.entry(c.line).or_default().push((c, p.value));
        }
    }
    for list in by_line.values().filter(|l| l.len() > 1) {
        let sum: f64 = list.iter().map(|x| x.1).sum();
        if sum > 100.0 + tol.share_points {
            let c = list[list.len() - 1].0;
            let mut f = finding(
                c,
                "users affected",
                Verdict::Contradicted,
                Against::Document,
            );
            f.stated = Some(
                list.iter()
                    .map(|x| percent(x.1))
                    .collect::<Vec<_>>()
                    .join(" + "),
            );
            f.found = Some(percent(sum));
            f.detail = format!(
                "the shares of users in this line add up to {}",
                percent(sum)
            );
            out.push(f);
        }
    }

    // Timeline entries: in order, inside the stated window.
    let mut prev: Option<(&Claim, Stamp)> = None;
    for (c, at, _, role) in entries(doc) {
        let t = time_tol(&at, tol);
        let mut bad = false;
        if let Some((pc, p)) = prev {
            let slack = t.max(time_tol(&p, tol));
            if secs(p.ns - at.ns) > slack {
                let mut f = finding(c, "order", Verdict::Contradicted, Against::Document);
                f.stated = Some(when(at.ns, at.dated));
                f.found = Some(when(p.ns, p.dated));
                f.detail = format!(
                    "listed after line {} ({}) but {} earlier",
                    pc.line,
                    when(p.ns, p.dated),
                    span(secs(p.ns - at.ns))
                );
                out.push(f);
                bad = true;
            }
        }
        if prev.is_none_or(|(_, p)| at.ns >= p.ns) {
            prev = Some((c, at));
        }
        if let (Some((s, e)), Some(wt)) = (window, &window_text) {
            let lead_up = role == Some(Role::Trigger) && at.ns < s.ns;
            let before = secs(s.ns - at.ns) > t.max(time_tol(&s, tol));
            let after = secs(at.ns - e.ns) > t.max(time_tol(&e, tol));
            if (before && !lead_up) || after {
                let mut f = finding(c, "timeline", Verdict::Contradicted, Against::Document);
                f.stated = Some(when(at.ns, at.dated));
                f.detail = format!(
                    "{} {wt}",
                    if before {
                        "before the start of"
                    } else {
                        "after the end of"
                    }
                );
                out.push(f);
                bad = true;
            }
        }
        if !bad && (window.is_some() || entries(doc).count() > 1) {
            let mut f = finding(c, "timeline", Verdict::Confirmed, Against::Document);
            f.stated = Some(when(at.ns, at.dated));
            f.detail = if window.is_some() {
                "in order, inside the stated window".into()
            } else {
                "in order".into()
            };
            out.push(f);
        }
    }

    // Detection and mitigation come before resolution.
    if let Some((rc, r)) = phase_entry(doc, Role::Resolved) {
        for (role, name) in [
            (Role::Detected, "detection"),
            (Role::Mitigated, "mitigation"),
        ] {
            let Some((c, at)) = phase_entry(doc, role) else {
                continue;
            };
            if secs(at.ns - r.ns) > time_tol(&at, tol).max(time_tol(&r, tol)) {
                let mut f = finding(c, name, Verdict::Contradicted, Against::Document);
                f.stated = Some(when(at.ns, at.dated));
                f.found = Some(when(r.ns, r.dated));
                f.detail = format!(
                    "the {name} comes after the resolution on line {} ({})",
                    rc.line,
                    when(r.ns, r.dated)
                );
                out.push(f);
            }
        }
    }
    out
}

/// The incident a document is about: the one whose span overlaps its stated window
/// most, else the one that starts nearest its stated start, else the longest.
pub fn pick_incident(doc: &Document, f: &Findings) -> Option<usize> {
    let span_of = |i: &Incident| (i.impact_start.ts, i.resolved.ts.max(i.mitigated.ts));
    let start = start_of(doc).filter(|(_, s)| s.dated).map(|(_, s)| s.ns);
    let end = end_of(doc).filter(|(_, s)| s.dated).map(|(_, s)| s.ns);
    let indexed = f.incidents.iter().enumerate();
    match (start, end) {
        (Some(s), Some(e)) if e > s => indexed
            .max_by_key(|(_, i)| {
                let (a, b) = span_of(i);
                let overlap = (b.min(e) - a.max(s)).max(0);
                (overlap, -(a - s).abs())
            })
            .map(|(k, _)| k),
        (Some(s), _) => indexed
            .min_by_key(|(_, i)| (i.impact_start.ts - s).abs())
            .map(|(k, _)| k),
        _ => indexed
            .max_by(|a, b| {
                let d = |i: &Incident| i.figures.duration_s.unwrap_or(0.0);
                d(a.1).total_cmp(&d(b.1))
            })
            .map(|(k, _)| k),
    }
}

/// What coroner can see in logs, and the words that name it.
struct Family {
    words: &'static [&'static str],
    kinds: &'static [&'static str],
    /// The kinds are generic (a service starting): the entry must name one of the words.
    named: bool,
    /// Can be a root cause.
    cause: bool,
}

const FAMILIES: &[Family] = &[
    Family {
        words: &[
            "load balancer",
            "load-balancer",
            "load balancing",
            "haproxy",
            "server pool",
            "pool",
            "backend",
            "reload",
        ],
        kinds: &[
            "lb.reload",
            "lb.backend_down",
            "lb.no_server",
            "lb.backend_up",
        ],
        named: false,
        cause: true,
    },
    Family {
        words: &["firewall", "ufw", "iptables", "nftables", "security group"],
        kinds: &["fw.change", "fw.drop"],
        named: false,
        cause: true,
    },
    Family {
        words: &["disk", "disk space", "no space", "storage"],
        kinds: &["host.disk_full"],
        named: false,
        cause: true,
    },
    Family {
        words: &["memory", "oom", "out of memory"],
        kinds: &["host.oom"],
        named: false,
        cause: true,
    },
    Family {
        words: &["ids", "intrusion", "suricata", "snort"],
        kinds: &[
            "service.stopped",
            "service.started",
            "service.failed",
            "ids.alert",
        ],
        named: true,
        cause: true,
    },
    Family {
        words: &[
            "leader",
            "etcd",
            "raft",
            "election",
            "quorum",
            "orchestration",
        ],
        kinds: &["orch.leader_lost", "orch.election", "orch.leader_elected"],
        named: false,
        cause: true,
    },
    Family {
        words: &[
            "deploy",
            "deployment",
            "deployed",
            "rollout",
            "rolled out",
            "release",
            "scaled",
        ],
        kinds: &["orch.scaled"],
        named: false,
        cause: true,
    },
    Family {
        words: &["node not ready", "notready"],
        kinds: &["orch.node_not_ready"],
        named: false,
        cause: true,
    },
    Family {
        words: &["alert", "alerts", "paged", "page"],
        kinds: &["alert.firing", "page.triggered"],
        named: false,
        cause: false,
    },
];

/// Does `text` (lower case) hold `word` as a word?
fn has_word(text: &str, word: &str) -> bool {
    let mut from = 0;
    while let Some(i) = text[from..].find(word) {
        let at = from + i;
        let ok_before = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let ok_after = text[at + word.len()..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric());
        if ok_before && ok_after {
            return true;
        }
        from = at + word.len();
    }
    false
}

fn families(text: &str, causes_only: bool) -> Vec<&'static Family> {
    let t = text.to_lowercase();
    FAMILIES
        .iter()
        .filter(|f| !causes_only || f.cause)
        .filter(|f| f.words.iter().any(|w| has_word(&t, w)))
        .collect()
}

fn fits(fams: &[&Family], kind: &str, summary: &str) -> bool {
    let s = summary.to_lowercase();
    fams.iter()
        .any(|f| f.kinds.contains(&kind) && (!f.named || f.words.iter().any(|w| has_word(&s, w))))
}

fn marker_text(name: &str, m: &Marker) -> String {
    let how = match m.confidence {
        Confidence::Observed => "observed",
        Confidence::Inferred => "inferred",
    };
    format!("{name} {} ({how})", when(m.ts, true))
}

/// Which of the incident's markers and trigger the document covers.
#[derive(Default)]
struct Covered {
    start: bool,
    trigger: bool,
    detected: bool,
    acknowledged: bool,
    escalated: bool,
    mitigated: bool,
    resolved: bool,
}

/// The document against the incident `i` of the logs' findings `f`.
pub fn against_logs(doc: &Document, f: &Findings, i: &Incident, tol: &Tolerances) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut covered = Covered::default();
    let fig = &i.figures;
    let action = i
        .entries
        .iter()
        .map(|&k| &f.entries[k])
        .find(|e| e.marker == Some("mitigated"));

    // A stated time against one or more instants of the logs: the nearest decides.
    let at_time = |c: &Claim,
                   subject: &'static str,
                   s: &Stamp,
                   cands: &[(&str, &Marker)],
                   strict: bool|
     -> (Finding, usize) {
        let t = time_tol(s, tol);
        let (k, (name, m)) = cands
            .iter()
            .enumerate()
            .min_by_key(|(_, (_, m))| (m.ts - s.ns).abs())
            .expect("candidates");
        let d = secs(s.ns - m.ts);
        let ok = d.abs() <= t;
        let v = if ok {
            Verdict::Confirmed
        } else if strict {
            Verdict::Contradicted
        } else {
            Verdict::Unsupported
        };
        let mut out = finding(c, subject, v, Against::Logs);
        out.stated = Some(when(s.ns, s.dated));
        out.found = Some(when(m.ts, true));
        out.detail = format!(
            "{}; {} {}; tolerance ±{}",
            cands
                .iter()
                .map(|(n, m)| marker_text(n, m))
                .collect::<Vec<_>>()
                .join("; "),
            span(d.abs()),
            if d > 0.0 { "later" } else { "earlier" },
            span(t)
        );
        if ok {
            out.detail = format!("{}; within ±{}", marker_text(name, m), span(t));
        }
        out.evidence = m.evidence.clone();
        (out, k)
    };

    let mitigated_cands: Vec<(&str, Marker)> = {
        let mut v = vec![("impact ended", i.mitigated.clone())];
        if let Some(e) = action {
            v.push((
                "mitigating action",
                Marker {
                    ts: e.ts,
                    confidence: Confidence::Observed,
                    rule: String::new(),
                    evidence: e.evidence.iter().take(1).cloned().collect(),
                },
            ));
        }
        v
    };
    let mit: Vec<(&str, &Marker)> = mitigated_cands.iter().map(|(n, m)| (*n, m)).collect();

    for c in &doc.claims {
        match &c.what {
            What::Start(s) => {
                let (f, _) = at_time(c, "start", s, &[("impact started", &i.impact_start)], true);
                covered.start = true;
                out.push(f);
            }
            What::End(s) => {
                let mut cands = mit.clone();
                cands.push(("resolved", &i.resolved));
                let (f, k) = at_time(c, "end", s, &cands, true);
                if k == cands.len() - 1 {
                    covered.resolved = true;
                } else {
                    covered.mitigated = true;
                }
                out.push(f);
            }
            What::Duration(a) => {
                let cands = [
                    (
                        "impact (impact start → mitigated)".to_string(),
                        fig.duration_s,
                    ),
                    ("impact start → resolved".to_string(), fig.ttr_s),
                ];
                out.push(against_spans(c, "duration", Against::Logs, a, &cands, tol));
            }
            What::Elapsed(p, a) => {
                let v = match p {
                    Phase::Detect => fig.ttd_s,
                    Phase::Acknowledge => fig.tta_s,
                    Phase::Mitigate => fig.ttm_s,
                    Phase::Resolve => fig.ttr_s,
                };
                out.push(against_spans(
                    c,
                    phase_name(*p),
                    Against::Logs,
                    a,
                    &[("from impact start".to_string(), v)],
                    tol,
                ));
            }
            What::Share {
                population,
                percent: p,
                ..
            } => out.push(share_against_logs(c, *population, p, i, tol)),
            What::Count {
                population, value, ..
            } => out.push(count_against_logs(c, *population, value, i, tol)),
            What::Entry { at, text, role } => {
                let f = match role {
                    Some(Role::ImpactStart) => {
                        covered.start = true;
                        at_time(
                            c,
                            "impact start",
                            at,
                            &[("impact started", &i.impact_start)],
                            true,
                        )
                        .0
                    }
                    Some(Role::Detected) => {
                        covered.detected = true;
                        let strict = i.detected.confidence == Confidence::Observed;
                        let (mut f, _) =
                            at_time(c, "detection", at, &[("detected", &i.detected)], strict);
                        if !strict && f.verdict != Verdict::Confirmed {
                            f.detail = format!("no alert or page in the logs; {}", f.detail);
                        }
                        f
                    }
                    Some(Role::Acknowledged) => match &i.acknowledged {
                        Some(m) => {
                            covered.acknowledged = true;
                            at_time(c, "acknowledgement", at, &[("acknowledged", m)], true).0
                        }
                        None => nothing(
                            c,
                            "acknowledgement",
                            at,
                            "no page acknowledgement in the logs",
                        ),
                    },
                    Some(Role::Escalated) => match &i.escalated {
                        Some(m) => {
                            covered.escalated = true;
                            let strict = m.confidence == Confidence::Observed;
                            at_time(c, "escalation", at, &[("escalated", m)], strict).0
                        }
                        None => nothing(c, "escalation", at, "no escalation in the logs"),
                    },
                    Some(Role::Mitigated) => {
                        covered.mitigated = true;
                        at_time(c, "mitigation", at, &mit, true).0
                    }
                    Some(Role::Resolved) => {
                        covered.resolved = true;
                        // "Resolved" in prose often means fixed: the mitigation counts.
                        let strict = i.resolved.confidence == Confidence::Observed
                            || at.ns < i.mitigated.ts - (time_tol(at, tol) * 1e9) as i64;
                        let mut cands = vec![("resolved", &i.resolved)];
                        cands.extend(mit.iter().copied());
                        let (f, k) = at_time(c, "resolution", at, &cands, strict);
                        if k > 0 {
                            covered.mitigated = true;
                        }
                        f
                    }
                    Some(Role::Trigger) | None => {
                        let f = entry_against_logs(c, at, text, f, i, tol);
                        if f.verdict == Verdict::Confirmed
                            && f.found.as_deref()
                                == i.trigger.first().map(|t| when(t.ts, true)).as_deref()
                        {
                            covered.trigger = true;
                        }
                        f
                    }
                };
                out.push(f);
            }
            What::Cause(text) => {
                let f = cause_against_logs(c, text, i);
                covered.trigger |= f.verdict == Verdict::Confirmed;
                out.push(f);
            }
        }
    }

    // What the document leaves out.
    let mut omitted = |subject: &'static str, name: &str, m: &Marker| {
        out.push(Finding {
            line: None,
            verdict: Verdict::Omitted,
            subject,
            claim: String::new(),
            against: Against::Logs,
            stated: None,
            found: Some(when(m.ts, true)),
            detail: format!(
                "the document does not say when {name}: {}",
                marker_text(name, m)
            ),
            evidence: m.evidence.clone(),
        });
    };
    if !covered.start {
        omitted("impact start", "impact started", &i.impact_start);
    }
    if !covered.detected && i.detected.confidence == Confidence::Observed {
        omitted("detection", "it was detected", &i.detected);
    }
    if let Some(m) = i
        .escalated
        .as_ref()
        .filter(|m| m.confidence == Confidence::Observed)
    {
        if !covered.escalated {
            omitted("escalation", "it was escalated", m);
        }
    }
    if !covered.mitigated {
        omitted("mitigation", "impact ended", &i.mitigated);
    }
    if !covered.resolved && i.resolved.confidence == Confidence::Observed {
        omitted("resolution", "it was resolved", &i.resolved);
    }
    if let Some(t) = i.trigger.first().filter(|_| !covered.trigger) {
        out.push(Finding {
            line: None,
            verdict: Verdict::Omitted,
            subject: "trigger",
            claim: String::new(),
            against: Against::Logs,
            stated: None,
            found: Some(when(t.ts, true)),
            detail: format!(
                "the document names no cause or entry matching the first trigger candidate: {}",
                trigger_text(t)
            ),
            evidence: t.evidence.clone(),
        });
    }
    out
}

fn nothing(c: &Claim, subject: &'static str, at: &Stamp, why: &str) -> Finding {
    let mut f = finding(c, subject, Verdict::Unsupported, Against::Logs);
    f.stated = Some(when(at.ns, at.dated));
    f.detail = why.to_string();
    f
}

/// A stated duration against the spans the logs give.
fn against_spans(
    c: &Claim,
    subject: &'static str,
    against: Against,
    a: &Amount,
    cands: &[(String, Option<f64>)],
    tol: &Tolerances,
) -> Finding {
    let known: Vec<(&str, f64)> = cands
        .iter()
        .filter_map(|(n, v)| v.map(|v| (n.as_str(), v)))
        .collect();
    let Some((name, best)) = known
        .iter()
        .copied()
        .min_by(|x, y| (x.1 - a.value).abs().total_cmp(&(y.1 - a.value).abs()))
    else {
        let mut f = finding(c, subject, Verdict::Unsupported, against);
        f.stated = Some(span(a.value));
        f.detail = "nothing to hold it against".into();
        return f;
    };
    let t = duration_tol(a, best, tol);
    let ok = within(a.value, best, t, a.hedge);
    let mut f = finding(c, subject, verdict(ok), against);
    f.stated = Some(span(a.value));
    f.found = Some(span(best));
    f.detail = if ok {
        format!("{name}: {}; within ±{}", span(best), span(t))
    } else {
        format!(
            "{}; {}",
            known
                .iter()
                .map(|(n, v)| format!("{n}: {}", span(*v)))
                .collect::<Vec<_>>()
                .join("; "),
            off_by(a.value, best, t, span)
        )
    };
    f
}

fn share_against_logs(
    c: &Claim,
    population: Population,
    p: &Amount,
    i: &Incident,
    tol: &Tolerances,
) -> Finding {
    let fig = &i.figures;
    let subject = population_name(population, true);
    let cands: Vec<(String, f64)> = match population {
        Population::Users if fig.requests_lost.is_some() => Vec::new(),
        Population::Users if fig.clients_total > 0 => vec![(
            format!(
                "{} of {} clients ({}) hit at least one failure",
                crate::render::thousands(fig.clients_affected),
                crate::render::thousands(fig.clients_total),
                fig.client_key
            ),
            fig.clients_affected as f64 / fig.clients_total as f64 * 100.0,
        )],
        Population::Users => Vec::new(),
        _ => {
            let mut v = vec![
                (
                    "error rate over the impact".to_string(),
                    fig.error_rate * 100.0,
                ),
                (
                    "peak error rate of a window".to_string(),
                    fig.error_rate_peak * 100.0,
                ),
            ];
            if let Some(lost) = fig.requests_lost {
                let all = (fig.requests_total + lost) as f64;
                if all > 0.0 {
                    v.push((
                        "failed and lost requests over expected traffic".to_string(),
                        (fig.requests_failed + lost) as f64 / all * 100.0,
                    ));
                }
            }
            v
        }
    };
    let mut f = finding(c, subject, Verdict::Unsupported, Against::Logs);
    f.stated = Some(percent(p.value));
    let Some((name, best)) = cands
        .iter()
        .min_by(|x, y| (x.1 - p.value).abs().total_cmp(&(y.1 - p.value).abs()))
    else {
        f.detail = if fig.requests_lost.is_some() {
            "traffic stopped: the users who could not connect never reached the logs".into()
        } else {
            "the logs name no clients".into()
        };
        return f;
    };
    let t = hedged(tol.share_points, p.hedge != Hedge::Exact);
    let ok = within(p.value, *best, t, p.hedge);
    f.verdict = verdict(ok);
    f.found = Some(percent(*best));
    f.detail = format!(
        "{name}: {}; off by {:.1} points; tolerance ±{:.1}",
        percent(*best),
        (p.value - best).abs(),
        t
    );
    f
}

fn count_against_logs(
    c: &Claim,
    population: Population,
    a: &Amount,
    i: &Incident,
    tol: &Tolerances,
) -> Finding {
    let fig = &i.figures;
    let subject = population_name(population, false);
    let cands: Vec<(&str, u64)> = match population {
        Population::Users => vec![
            ("clients affected", fig.clients_affected),
            ("clients seen during the impact", fig.clients_total),
        ],
        Population::Requests => {
            let mut v = vec![("requests during the impact", fig.requests_total)];
            if let Some(lost) = fig.requests_lost {
                v.push((
                    "requests expected during the impact",
                    fig.requests_total + lost,
                ));
            }
            v
        }
        Population::FailedRequests => {
            let mut v = vec![("failed requests", fig.requests_failed)];
            if let Some(lost) = fig.requests_lost {
                v.push(("requests lost (traffic stopped)", lost));
                v.push(("failed and lost requests", fig.requests_failed + lost));
            }
            v
        }
    };
    let (name, best) = cands
        .iter()
        .copied()
        .min_by(|x, y| {
            (x.1 as f64 - a.value)
                .abs()
                .total_cmp(&(y.1 as f64 - a.value).abs())
        })
        .unwrap_or(("", 0));
    let t = hedged(tol.count_ratio * best as f64, a.hedge != Hedge::Exact).max(1.0);
    let ok = within(a.value, best as f64, t, a.hedge);
    // The logs count client keys (IPs), not people: a users count that differs is not
    // disproved by them.
    let v = match (ok, population) {
        (true, _) => Verdict::Confirmed,
        (false, Population::Users) => Verdict::Unsupported,
        (false, _) => Verdict::Contradicted,
    };
    let mut f = finding(c, subject, v, Against::Logs);
    f.stated = Some(count_text(a));
    f.found = Some(crate::render::thousands(best));
    f.detail = format!(
        "{}{}",
        cands
            .iter()
            .map(|(n, v)| format!("{n}: {}", crate::render::thousands(*v)))
            .collect::<Vec<_>>()
            .join("; "),
        match (ok, population) {
            (true, _) => format!("; {name} within ±{}", crate::render::thousands(t as u64)),
            (false, Population::Users) =>
                format!("; the logs count {}s, not people", fig.client_key),
            (false, _) => format!(
                "; off by {}; tolerance ±{}",
                crate::render::thousands((a.value - best as f64).abs() as u64),
                crate::render::thousands(t as u64)
            ),
        }
    );
    f
}

/// A timeline entry with no marker role: the nearest log entry of a kind its words name.
fn entry_against_logs(
    c: &Claim,
    at: &Stamp,
    text: &str,
    f: &Findings,
    i: &Incident,
    tol: &Tolerances,
) -> Finding {
    let fams = families(text, false);
    let t = time_tol(at, tol);
    let mut out = finding(c, "timeline", Verdict::Unsupported, Against::Logs);
    out.stated = Some(when(at.ns, at.dated));
    // Finding the cause is people's work; a reload, a restart, a rule change is logged.
    const HAPPENINGS: &[&str] = &[
        "down", "reload", "restart", "stop", "start", "disabl", "enabl", "fail", "full", "drop",
        "elect", "lost", "chang", "deploy", "scal", "fire", "alert", "rule", "remov", "appl",
        "fill", "crash", "kill", "block",
    ];
    let lower = text.to_lowercase();
    let happened = lower
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| HAPPENINGS.iter().any(|s| w.starts_with(s)));
    if fams.is_empty() || !happened {
        out.detail = "names nothing the logs record (people's actions are not in the logs)".into();
        return out;
    }
    let near: Option<&Entry> = f
        .entries
        .iter()
        .filter(|e| fits(&fams, &e.kind, &e.summary))
        .min_by_key(|e| (e.ts - at.ns).abs());
    // A trigger candidate may be outside the entries' kinds (an IDS storm).
    let trig = i
        .trigger
        .iter()
        .filter(|tr| fits(&fams, &tr.kind, &tr.summary))
        .min_by_key(|tr| (tr.ts - at.ns).abs());
    let (ts, kind, summary, evidence) = match (near, trig) {
        (Some(e), Some(tr)) if (tr.ts - at.ns).abs() < (e.ts - at.ns).abs() => (
            tr.ts,
            tr.kind.as_str(),
            tr.summary.as_str(),
            tr.evidence.clone(),
        ),
        (Some(e), _) => (e.ts, &*e.kind, e.summary.as_str(), e.evidence.clone()),
        (None, Some(tr)) => (
            tr.ts,
            tr.kind.as_str(),
            tr.summary.as_str(),
            tr.evidence.clone(),
        ),
        (None, None) => {
            out.detail = "the logs hold no event of the kind it names".into();
            return out;
        }
    };
    let d = secs(at.ns - ts);
    out.found = Some(when(ts, true));
    out.evidence = evidence.into_iter().take(1).collect();
    let what = format!(
        "`{kind}` at {}: {}",
        when(ts, true),
        crate::render::clean(summary)
    );
    if d.abs() <= t {
        out.verdict = Verdict::Confirmed;
        out.detail = format!("{what}; within ±{}", span(t));
    } else {
        out.detail = format!(
            "nearest matching event {what}; {} {}; tolerance ±{}",
            span(d.abs()),
            if d > 0.0 { "later" } else { "earlier" },
            span(t)
        );
    }
    out
}

/// `change `lb.reload` ×2 at …, 21s before impact: Reloading HAProxy`.
fn trigger_text(t: &Trigger) -> String {
    format!(
        "{} `{}` ×{} at {}, {} before impact: {}",
        t.role,
        t.kind,
        t.count,
        when(t.ts, true),
        span(t.lead_s),
        crate::render::clean(&t.summary)
    )
}

/// The named root cause against the trigger candidates.
fn cause_against_logs(c: &Claim, text: &str, i: &Incident) -> Finding {
    let fams = families(text, true);
    let mut f = finding(c, "root cause", Verdict::Unsupported, Against::Logs);
    let list = |n: usize| {
        i.trigger
            .iter()
            .take(n)
            .map(|t| format!("{} `{}` at {}", t.role, t.kind, when(t.ts, true)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    f.stated = Some(
        fams.iter()
            .map(|x| x.words[0])
            .collect::<Vec<_>>()
            .join(", "),
    )
    .filter(|s| !s.is_empty());
    if fams.is_empty() {
        f.detail = format!(
            "names nothing the logs can show; the trigger candidates are: {}",
            if i.trigger.is_empty() {
                "none".to_string()
            } else {
                list(3)
            }
        );
        return f;
    }
    if i.trigger.is_empty() {
        f.detail = "the logs show no change or fault in the 30 minutes before impact start".into();
        return f;
    }
    match i
        .trigger
        .iter()
        .position(|t| fits(&fams, &t.kind, &t.summary))
    {
        Some(k) => {
            let t = &i.trigger[k];
            f.verdict = Verdict::Confirmed;
            f.found = Some(format!("{} {}", t.role, t.kind));
            f.detail = format!(
                "trigger candidate {} of {}: {}",
                k + 1,
                i.trigger.len(),
                trigger_text(t)
            );
            f.evidence = t.evidence.iter().take(1).cloned().collect();
        }
        None => {
            f.verdict = Verdict::Contradicted;
            f.found = Some(list(1));
            f.detail = format!(
                "no trigger candidate of that kind in the 30 minutes before impact start; the candidates are: {}",
                list(3)
            );
            f.evidence = i.trigger[0].evidence.iter().take(1).cloned().collect();
        }
    }
    f
}

/// Claims nothing could be held against get one `unsupported` finding each, so every
/// claim is accounted for.
pub fn unchecked(doc: &Document, done: &[Finding], logs: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in &doc.claims {
        if done
            .iter()
            .any(|f| f.line == Some(c.line) && f.claim == c.quote)
        {
            continue;
        }
        let subject = match &c.what {
            What::Start(_) => "start",
            What::End(_) => "end",
            What::Duration(_) => "duration",
            What::Elapsed(p, _) => phase_name(*p),
            What::Share { population, .. } => population_name(*population, true),
            What::Count { population, .. } => population_name(*population, false),
            What::Entry { .. } => "timeline",
            What::Cause(_) => "root cause",
        };
        let mut f = finding(c, subject, Verdict::Unsupported, Against::Document);
        f.detail = if logs {
            "nothing in the document or the logs to hold it against".into()
        } else {
            "nothing in the document to hold it against (give logs to check it)".into()
        };
        out.push(f);
    }
    out
}
