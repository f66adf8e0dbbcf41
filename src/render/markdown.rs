//! The postmortem sections as Markdown: Issue Summary, Timeline (markers in bold, evidence
//! as footnotes to `source:line`), Impact, Sources. Log text is escaped so it can never
//! break the document's structure.

use std::fmt::Write;

use super::text::{ahead, human, millis};
use super::{thousands, times};
use crate::clocks::{self, ClockSkew, Status};
use crate::impact::WindowSignal;
use crate::time::rfc3339;
use crate::timeline::{Confidence, Entry, Evidence, Findings, Incident, Marker};

/// Escapes Markdown's special characters in running text (and control characters).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if super::is_hostile(c) => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// Log text inside a code span: backticks cannot close it, controls are escaped.
fn code(s: &str) -> String {
    let clean = super::clean(s).replace('`', "'").replace(['\n', '\r'], " ");
    let clean: String = clean.chars().take(400).collect();
    format!("`{clean}`")
}

/// Footnotes: each distinct `source:line` cited once, numbered in order of citation.
#[derive(Default)]
struct Notes {
    list: Vec<(String, u64, String)>,
    base: String,
}

impl Notes {
    fn cite(&mut self, e: &Evidence) -> String {
        let src = e
            .source
            .strip_prefix(&self.base)
            .unwrap_or(&e.source)
            .to_string();
        let n = match self
            .list
            .iter()
            .position(|(s, l, _)| *s == src && *l == e.line)
        {
            Some(i) => i + 1,
            None => {
                self.list.push((src, e.line, e.text.clone()));
                self.list.len()
            }
        };
        format!("[^{n}]")
    }

    fn cite_all(&mut self, ev: &[Evidence]) -> String {
        ev.iter().map(|e| self.cite(e)).collect::<Vec<_>>().join("")
    }
}

/// The directory all sources share, stated once so paths stay short.
fn common_dir(f: &Findings) -> String {
    let names: Vec<&str> = f.run.sources.iter().map(|s| s.input.as_str()).collect();
    let Some(first) = names.first() else {
        return String::new();
    };
    let mut prefix = first.to_string();
    for n in &names[1..] {
        while !n.starts_with(&prefix) {
            prefix.pop();
        }
    }
    match prefix.rfind('/') {
        Some(i) => prefix[..=i].to_string(),
        None => String::new(),
    }
}

fn hm(ns: i64) -> String {
    rfc3339(ns, 0)[11..19].to_string()
}

fn day(ns: i64) -> String {
    rfc3339(ns, 0)[..10].to_string()
}

fn signal(s: &WindowSignal) -> &'static str {
    match s {
        WindowSignal::ErrorRate => "error rate",
        WindowSignal::Cessation => "traffic stopped",
        WindowSignal::Imbalance => "one server took its pool",
        WindowSignal::Latency => "latency",
    }
}

fn confidence(m: &Marker) -> &'static str {
    match m.confidence {
        Confidence::Observed => "observed",
        Confidence::Inferred => "inferred",
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn ms(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| {
        format!("{} ms", thousands(v.round() as u64))
    })
}

/// Worth a line in a postmortem: markers, changes, faults, alerts, pages, orchestration,
/// and storms (a run of at least 100 drops or IDS alerts).
fn worth_telling(e: &Entry) -> bool {
    if e.marker.is_some() {
        return true;
    }
    match &*e.kind {
        "log" => false,
        "fw.drop" | "ids.alert" | "ids.anomaly" => e.count >= 100,
        "page.assigned" => false,
        _ => true,
    }
}

struct Line {
    ts: i64,
    text: String,
}

fn entry_line(e: &Entry, notes: &mut Notes) -> String {
    let what = match e.marker {
        Some("trigger") => "**Trigger:** ".to_string(),
        Some("detected") => "**Detected:** ".to_string(),
        Some("acknowledged") => "**Acknowledged:** ".to_string(),
        Some("escalated") => "**Escalated:** ".to_string(),
        Some("mitigated") => "**Mitigation:** ".to_string(),
        Some("resolved") => "**Resolved:** ".to_string(),
        _ => String::new(),
    };
    let count = times(e.count);
    let hosts = if e.hosts.is_empty() {
        String::new()
    } else {
        format!(
            " on {}",
            e.hosts
                .iter()
                .map(|h| escape(h))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let until = if e.count > 1 && e.end > e.ts {
        format!(" (until {} UTC)", hm(e.end))
    } else {
        String::new()
    };
    format!(
        "{what}`{}`{count}{hosts}: {}{until} {}",
        e.kind,
        escape(&e.summary.chars().take(200).collect::<String>()),
        notes.cite_all(&e.evidence)
    )
}

fn marker_line(label: &str, m: &Marker, notes: &mut Notes) -> String {
    let cites = notes.cite_all(&m.evidence);
    format!(
        "**{label}** ({}): {} {cites}",
        confidence(m),
        escape(&m.rule)
    )
}

fn timeline(out: &mut String, i: &Incident, f: &Findings, notes: &mut Notes) {
    let mut lines: Vec<Line> = i
        .entries
        .iter()
        .map(|&k| &f.entries[k])
        .filter(|e| worth_telling(e))
        .map(|e| Line {
            ts: e.ts,
            text: entry_line(e, notes),
        })
        .collect();
    // Inferred markers have no entry of their own: they get a line.
    let mut add = |label: &str, m: &Marker, lines: &mut Vec<Line>| {
        lines.push(Line {
            ts: m.ts,
            text: marker_line(label, m, notes),
        })
    };
    add("Impact begins", &i.impact_start, &mut lines);
    if i.detected.confidence == Confidence::Inferred {
        add("Detected", &i.detected, &mut lines);
    }
    if let Some(e) = i
        .escalated
        .as_ref()
        .filter(|m| m.confidence == Confidence::Inferred)
    {
        add("Escalated", e, &mut lines);
    }
    add("Impact ends", &i.mitigated, &mut lines);
    if i.resolved.confidence == Confidence::Inferred {
        add("Resolved", &i.resolved, &mut lines);
    }
    lines.sort_by_key(|l| l.ts);
    let mut last_day = String::new();
    for l in lines {
        let d = day(l.ts);
        let stamp = if d != last_day {
            format!("{d} {}", hm(l.ts))
        } else {
            hm(l.ts)
        };
        last_day = d;
        let _ = writeln!(out, "- **{stamp} UTC** — {}", l.text.trim_end());
    }
}

fn summary(out: &mut String, n: usize, i: &Incident, f: &Findings, notes: &mut Notes) {
    let fig = &i.figures;
    let start = i.impact_start.ts;
    let _ = writeln!(
        out,
        "## Issue Summary{}\n",
        if n > 1 {
            format!(" (incident {n})")
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        out,
        "- **Duration:** {} {} UTC → {} {} UTC: {} of impact ({}); detected to resolved: {}.",
        day(start),
        hm(start),
        day(i.mitigated.ts),
        hm(i.mitigated.ts),
        human(fig.duration_s.unwrap_or(0.0)),
        i.signals.iter().map(signal).collect::<Vec<_>>().join(", "),
        human((i.resolved.ts - i.detected.ts) as f64 / 1e9),
    );
    let lost = fig.requests_lost.map_or(String::new(), |l| {
        format!("; about {} requests never arrived", thousands(l))
    });
    let peak = fig.error_rate_peak_at.map_or(String::new(), |at| {
        format!(
            ", peaking at {} in the window from {} UTC",
            pct(fig.error_rate_peak),
            hm(at)
        )
    });
    let clients_share = if fig.clients_total > 0 {
        format!(
            " ({})",
            pct(fig.clients_affected as f64 / fig.clients_total as f64)
        )
    } else {
        String::new()
    };
    let clients_share = if fig.clients_granule_s > 1 {
        format!(
            "{clients_share}, counted in {} s granules,",
            fig.clients_granule_s
        )
    } else {
        clients_share
    };
    let _ = writeln!(
        out,
        "- **Impact:** {} of {} requests failed ({}{peak}); {} of {} clients{clients_share} hit at least one failure{lost}.",
        thousands(fig.requests_failed),
        thousands(fig.requests_total),
        pct(fig.error_rate),
        thousands(fig.clients_affected),
        thousands(fig.clients_total),
    );
    if i.trigger.is_empty() {
        let _ = writeln!(
            out,
            "- **Trigger candidates:** none found in the 30 minutes before impact."
        );
    } else {
        let _ = writeln!(out, "- **Trigger candidates** (nearest first):");
        for t in &i.trigger {
            let count = times(t.count);
            let _ = writeln!(
                out,
                "  1. {} `{}`{count} at {} UTC, {} before impact: {} {}",
                t.role,
                t.kind,
                hm(t.ts),
                human(t.lead_s),
                escape(&t.summary.chars().take(160).collect::<String>()),
                notes.cite_all(&t.evidence[..t.evidence.len().min(1)])
            );
        }
    }
    let _ = writeln!(
        out,
        "- **Detection:** {} UTC, {} after impact began ({}). {}",
        hm(i.detected.ts),
        human((i.detected.ts - start) as f64 / 1e9),
        confidence(&i.detected),
        notes.cite_all(&i.detected.evidence[..i.detected.evidence.len().min(1)])
    );
    let _ = writeln!(
        out,
        "- **Resolution:** impact ended {} UTC; {}. Resolved {} UTC ({}). {}",
        hm(i.mitigated.ts),
        escape(&i.mitigated.rule),
        hm(i.resolved.ts),
        confidence(&i.resolved),
        notes.cite_all(&i.mitigated.evidence[..i.mitigated.evidence.len().min(1)])
    );
    let _ = writeln!(out);
    let _ = f;
}

fn impact(out: &mut String, i: &Incident) {
    let fig = &i.figures;
    let dur = |s: Option<f64>, m: Option<&Marker>| {
        s.map_or("-".to_string(), |v| {
            format!(
                "{}{}",
                human(v),
                m.map_or(String::new(), |m| format!(" ({})", confidence(m)))
            )
        })
    };
    let _ = writeln!(out, "## Impact\n");
    let _ = writeln!(out, "| Measure | Value |\n|---|---|");
    let mut row = |k: &str, v: String| {
        let _ = writeln!(out, "| {k} | {} |", v.replace('|', "\\|"));
    };
    row(
        "Impact (impact start → mitigated)",
        dur(fig.duration_s, Some(&i.mitigated)),
    );
    row("Time to detect", dur(fig.ttd_s, Some(&i.detected)));
    row(
        "Time to acknowledge",
        dur(fig.tta_s, i.acknowledged.as_ref()),
    );
    row("Time to mitigate", dur(fig.ttm_s, Some(&i.mitigated)));
    row("Time to resolve", dur(fig.ttr_s, Some(&i.resolved)));
    row("Requests during impact", thousands(fig.requests_total));
    row(
        "Failed requests",
        format!(
            "{} ({})",
            thousands(fig.requests_failed),
            pct(fig.error_rate)
        ),
    );
    if let Some(at) = fig.error_rate_peak_at {
        row(
            "Peak error rate",
            format!("{} (window from {} UTC)", pct(fig.error_rate_peak), hm(at)),
        );
    }
    if let Some(l) = fig.requests_lost {
        row(
            "Requests lost (traffic stopped)",
            format!("about {}", thousands(l)),
        );
    }
    row(
        "Clients affected",
        format!(
            "{} of {} ({})",
            thousands(fig.clients_affected),
            thousands(fig.clients_total),
            fig.client_key
        ),
    );
    let l = &fig.latency;
    row(
        "Latency p50 / p95 / p99",
        format!(
            "{} / {} / {} (baseline {} / {} / {})",
            ms(l.p50_ms),
            ms(l.p95_ms),
            ms(l.p99_ms),
            ms(l.baseline_p50_ms),
            ms(l.baseline_p95_ms),
            ms(l.baseline_p99_ms)
        ),
    );
    if let Some(s) = &fig.slo {
        row(
            &format!(
                "Error budget ({}% over {} days)",
                s.objective * 100.0,
                s.period_days
            ),
            format!(
                "{} of a budget of {} failed requests",
                pct(s.budget_burned),
                thousands(s.budget_requests.round() as u64)
            ),
        );
    }
    row("Leader changes", fig.leader_changes.to_string());
    if !fig.hosts_disk_full.is_empty() {
        row(
            "Hosts with a full disk",
            escape(&fig.hosts_disk_full.join(", ")),
        );
    }
    if !fig.hosts_oom.is_empty() {
        row("Hosts with OOM kills", escape(&fig.hosts_oom.join(", ")));
    }
    let alerts: u64 = fig.ids_alerts.iter().map(|a| a.count).sum();
    row("IDS alerts (lead-up to resolution)", thousands(alerts));
    let _ = writeln!(out);
    if !fig.backends.is_empty() {
        let _ = writeln!(
            out,
            "| Backend / server | Requests | Failed | Share |\n|---|---:|---:|---:|"
        );
        for b in &fig.backends {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                escape(&b.name),
                thousands(b.requests),
                thousands(b.failed),
                pct(b.share)
            );
        }
        let _ = writeln!(out);
    }
    if !fig.ids_alerts.is_empty() {
        let _ = writeln!(out, "| IDS signature | Severity | Alerts |\n|---|---|---:|");
        for a in fig.ids_alerts.iter().take(10) {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                escape(&a.signature),
                a.severity,
                thousands(a.count)
            );
        }
        let _ = writeln!(out);
    }
}

/// The clocks placed against the reference, when any was.
fn clock_skew(out: &mut String, c: &ClockSkew, base: &str) {
    let (Some(reference), false) = (&c.reference, c.estimates.is_empty()) else {
        return;
    };
    let rel = |s: &str| escape(s.strip_prefix(base).unwrap_or(s));
    let _ = writeln!(
        out,
        "Clock skew, from {} (reference {}):\n",
        clocks::RULE,
        rel(reference)
    );
    for e in &c.estimates {
        let via = if &e.against == reference {
            String::new()
        } else {
            format!(" (via {})", rel(&e.against))
        };
        let done = match e.status {
            Status::Applied => format!(
                "shifted by {} (--auto-skew)",
                clocks::seconds(e.correction())
            ),
            _ => format!("{}; {}", e.status.as_str(), code(&e.skew_arg())),
        };
        let _ = writeln!(
            out,
            "- {}: {}{via}, {} request pairs, spread ±{}; {done}",
            rel(&e.stream),
            ahead(e.offset),
            thousands(e.pairs as u64),
            millis(e.spread),
        );
    }
    let _ = writeln!(out);
}

fn sources(out: &mut String, f: &Findings, base: &str) {
    let _ = writeln!(out, "## Sources\n");
    if !base.is_empty() {
        let base = super::clean(base).replace('`', "'");
        let _ = writeln!(out, "Paths are relative to `{base}`.\n");
    }
    let _ = writeln!(
        out,
        "| Source | Format | Lines | Parsed | Rejected | Zone | Year |\n|---|---|---:|---:|---:|---|---|"
    );
    for s in &f.run.sources {
        let name = s.input.strip_prefix(base).unwrap_or(&s.input);
        let year = s
            .time
            .year_from
            .clone()
            .unwrap_or_else(|| "in the stamps".into());
        let zone = if s.time.zone_assumed > 0 {
            format!("{} (assumed)", s.tz)
        } else {
            "in the stamps".into()
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            escape(name),
            s.format.as_deref().unwrap_or("?"),
            thousands(s.lines),
            thousands(s.parsed),
            thousands(s.rejected),
            escape(&zone),
            escape(&year)
        );
    }
    let _ = writeln!(
        out,
        "| **total** | | {} | {} | {} | | |\n",
        thousands(f.run.lines()),
        thousands(f.run.parsed()),
        thousands(f.run.rejected())
    );
    clock_skew(out, &f.run.clocks, base);
    for w in &f.run.warnings {
        let _ = writeln!(out, "- Warning: {}", escape(w));
    }
}

/// The whole report. `chart`: the path of the SVG to link, if one was drawn.
pub fn report(f: &Findings, chart: Option<&str>) -> String {
    let base = common_dir(f);
    let mut notes = Notes {
        base: base.clone(),
        ..Notes::default()
    };
    let mut out = String::new();
    let _ = writeln!(out, "# Incident report\n");
    let _ = writeln!(
        out,
        "_Reconstructed by coroner {} from {} sources ({} lines). All times are UTC; every timeline line cites the log line behind it._\n",
        env!("CARGO_PKG_VERSION"),
        f.run.sources.len(),
        thousands(f.run.lines())
    );
    if f.incidents.is_empty() {
        let _ = writeln!(
            out,
            "No incident: no window breached the thresholds for {} windows or more.\n",
            3
        );
    }
    for (n, i) in f.incidents.iter().enumerate() {
        summary(&mut out, n + 1, i, f, &mut notes);
        if let Some(path) = chart {
            let _ = writeln!(
                out,
                "![Requests and error rate per window]({})\n",
                path.replace(' ', "%20")
            );
        }
        let _ = writeln!(out, "## Timeline\n");
        timeline(&mut out, i, f, &mut notes);
        let _ = writeln!(out);
        impact(&mut out, i);
    }
    sources(&mut out, f, &base);
    if !notes.list.is_empty() {
        let _ = writeln!(out, "\n## Evidence\n");
        for (n, (src, line, text)) in notes.list.iter().enumerate() {
            let _ = writeln!(
                out,
                "[^{}]: `{}:{}` {}",
                n + 1,
                super::clean(src).replace('`', "'"),
                line,
                code(text)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_text_cannot_break_the_document() {
        assert_eq!(
            escape("a|b *c* [x](y) <img> `z`"),
            "a\\|b \\*c\\* \\[x\\](y) \\<img\\> \\`z\\`"
        );
        assert_eq!(escape("two\nlines"), "two lines");
        assert_eq!(code("a`b\u{1b}[31m"), "`a'b\\u{1b}[31m`");
    }
}
