//! The timeline for a terminal: aligned columns, UTC stated, colour only when asked.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use super::{clean, thousands, times};
use crate::clocks::{self, ClockSkew};
use crate::event::Severity;
use crate::impact::WindowSignal;
use crate::time::rfc3339;
use crate::time::MIN_PAIRS;
use crate::timeline::{Confidence, Entry, Findings, Incident, Marker};
use crate::Run;

const SUMMARY_MAX: usize = 180;

fn style_of(s: Severity) -> Style {
    match s {
        Severity::Critical => Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
        Severity::Error => Style::new().fg_color(Some(AnsiColor::Red.into())),
        Severity::Warning => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
        Severity::Notice => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
        _ => Style::new(),
    }
}

/// `2026-11-21 04:24:50.123` (UTC), at the given precision (milliseconds at most).
fn when(ns: i64, prec: u8) -> String {
    let t = rfc3339(ns, prec.min(3));
    t.trim_end_matches('Z').replacen('T', " ", 1)
}

fn cut(s: &str, max: usize) -> String {
    let first = s.lines().next().unwrap_or("");
    let mut out: String = first.chars().take(max).collect();
    if first.chars().count() > max || s.contains('\n') {
        out.push('…');
    }
    out
}

/// `4h 02m`, `3m 12s`, `39s`.
pub fn human(secs: f64) -> String {
    let s = secs.round().max(0.0) as i64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d {:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// Aligned entry lines; the marker an entry sets stands out.
fn entries<'a>(out: &mut String, list: impl Iterator<Item = &'a Entry>, colour: bool) {
    let list: Vec<&Entry> = list.collect();
    let rows: Vec<[String; 5]> = list
        .iter()
        .map(|e| {
            let kind = if e.count > 1 {
                format!("{} ×{}", e.kind, thousands(e.count))
            } else {
                e.kind.to_string()
            };
            let hosts = e.hosts.iter().cloned().collect::<Vec<_>>().join(",");
            [
                when(e.ts, e.ts_prec),
                e.severity.as_str().to_string(),
                kind,
                clean(e.component.as_deref().unwrap_or("-"))
                    .chars()
                    .take(28)
                    .collect(),
                clean(if hosts.is_empty() { "-" } else { &hosts })
                    .chars()
                    .take(20)
                    .collect(),
            ]
        })
        .collect();
    let mut w = [0usize; 5];
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let bold = Style::new().bold();
    for (e, r) in list.iter().zip(&rows) {
        let st = if colour {
            style_of(e.severity)
        } else {
            Style::new()
        };
        let mark = match e.marker {
            Some(m) if colour => format!("{}▶ {m}{} ", bold.render(), bold.render_reset()),
            Some(m) => format!("▶ {m} "),
            None => String::new(),
        };
        let until = if e.count > 1 && e.end > e.ts {
            format!(" (until {})", &when(e.end, 0)[11..])
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {:<w0$}  {}{:<w1$}{}  {}{:<w2$}{}  {:<w3$}  {:<w4$}  {mark}{}{until}",
            r[0],
            st.render(),
            r[1],
            st.render_reset(),
            st.render(),
            r[2],
            st.render_reset(),
            r[3],
            r[4],
            clean(&cut(&e.summary, SUMMARY_MAX)),
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3],
            w4 = w[4],
        );
    }
    if list.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
}

fn marker_line(out: &mut String, name: &str, m: Option<&Marker>, start: i64) {
    let Some(m) = m else {
        let _ = writeln!(out, "  {name:<13} -");
        return;
    };
    let rel = if m.ts >= start {
        format!("+{}", human((m.ts - start) as f64 / 1e9))
    } else {
        format!("-{}", human((start - m.ts) as f64 / 1e9))
    };
    let conf = match m.confidence {
        Confidence::Observed => "observed",
        Confidence::Inferred => "inferred",
    };
    let source = m
        .evidence
        .first()
        .map(|e| format!(" [{}:{}]", clean(&e.source), e.line))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  {name:<13} {}  {rel:>9}  {conf:<8}  {}{source}",
        when(m.ts, 3),
        clean(&m.rule)
    );
}

fn signal_name(s: &WindowSignal) -> &'static str {
    match s {
        WindowSignal::ErrorRate => "error rate",
        WindowSignal::Cessation => "traffic stopped",
        WindowSignal::Imbalance => "one server took its pool",
        WindowSignal::Latency => "latency",
    }
}

fn incident(out: &mut String, n: usize, i: &Incident, f: &Findings, colour: bool) {
    let start = i.impact_start.ts;
    let signals: Vec<&str> = i.signals.iter().map(signal_name).collect();
    let head = format!(
        "Incident {n} — {} → {} UTC ({}), signals: {}",
        when(start, 0),
        when(i.mitigated.ts, 0),
        human((i.mitigated.ts - start) as f64 / 1e9),
        signals.join(", ")
    );
    let bold = if colour {
        Style::new().bold()
    } else {
        Style::new()
    };
    let _ = writeln!(out, "{}{head}{}", bold.render(), bold.render_reset());
    marker_line(out, "impact start", Some(&i.impact_start), start);
    marker_line(out, "detected", Some(&i.detected), start);
    marker_line(out, "acknowledged", i.acknowledged.as_ref(), start);
    marker_line(out, "escalated", i.escalated.as_ref(), start);
    marker_line(out, "mitigated", Some(&i.mitigated), start);
    marker_line(out, "resolved", Some(&i.resolved), start);
    for (k, t) in i.trigger.iter().enumerate() {
        let count = times(t.count);
        let _ = writeln!(
            out,
            "  {:<13} {}  {:>9}  {:<8}  {}: {}{count}",
            if k == 0 { "trigger?" } else { "" },
            when(t.ts, 3),
            format!("-{}", human(t.lead_s)),
            t.role,
            t.kind,
            clean(&cut(&t.summary, 100)),
        );
    }
    let fig = &i.figures;
    let mut lost = fig.requests_lost.map_or(String::new(), |l| {
        format!("; about {} requests lost", thousands(l))
    });
    if fig.clients_granule_s > 1 {
        lost.push_str(&format!(
            " (clients counted in {} s granules)",
            fig.clients_granule_s
        ));
    }
    let _ = writeln!(
        out,
        "  {:<13} {} of {} requests failed ({:.1}%); {} of {} clients ({}) hit a failure{lost}",
        "impact",
        thousands(fig.requests_failed),
        thousands(fig.requests_total),
        fig.error_rate * 100.0,
        thousands(fig.clients_affected),
        thousands(fig.clients_total),
        fig.client_key,
    );
    let _ = writeln!(out);
    entries(out, i.entries.iter().map(|&k| &f.entries[k]), colour);
    let _ = writeln!(out);
}

/// The incidents with their markers and timelines, the rest of the timeline, then the
/// sources table.
pub fn timeline(f: &Findings, colour: bool) -> String {
    let mut out = String::new();
    let run = &f.run;
    let _ = writeln!(
        out,
        "Timeline (UTC) — {} incident(s), {} entries from {} source(s), {} lines read",
        f.incidents.len(),
        thousands(f.entries.len() as u64),
        run.sources.len(),
        thousands(run.lines())
    );
    if let Some(tier) = &f.analysis.tier {
        let b = &f.analysis.baseline;
        let _ = writeln!(
            out,
            "Requests from {tier} in {}s windows; healthy baseline {} → {}: {:.2}% errors, {:.0} requests per window",
            f.analysis.window_s,
            when(b.from_s * 1_000_000_000, 0),
            when(b.to_s * 1_000_000_000, 0),
            b.error_rate * 100.0,
            b.requests
        );
    }
    let _ = writeln!(out);
    for (n, i) in f.incidents.iter().enumerate() {
        incident(&mut out, n + 1, i, f, colour);
    }
    let title = if f.incidents.is_empty() {
        "Timeline"
    } else {
        "Outside the incidents"
    };
    let _ = writeln!(out, "{title}");
    entries(&mut out, f.outside(), colour);
    let _ = writeln!(out);
    out.push_str(&sources(run));
    out.push_str(&clock_skew(&run.clocks));
    out
}

/// `10 ms`, `0.4 ms`.
pub fn millis(ns: i64) -> String {
    let ms = ns as f64 / 1e6;
    if ms.abs() >= 10.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

/// `2.500 s ahead`, `0.120 s behind`, `in step`.
pub fn ahead(offset: i64) -> String {
    let s = offset as f64 / 1e9;
    match offset {
        0 => "in step".into(),
        o if o > 0 => format!("{s:.3} s ahead"),
        _ => format!("{:.3} s behind", -s),
    }
}

/// The clocks placed against the reference: shown when there is an estimate, or when
/// `--auto-skew` asked for them.
pub fn clock_skew(c: &ClockSkew) -> String {
    let mut out = String::new();
    if c.estimates.is_empty() && !c.auto {
        return out;
    }
    let Some(reference) = &c.reference else {
        let _ = writeln!(
            out,
            "\nClock skew: no estimate — no source logged {MIN_PAIRS} requests or more"
        );
        return out;
    };
    let _ = writeln!(
        out,
        "\nClock skew — from {}; reference {}",
        clocks::RULE,
        clean(reference)
    );
    let header = ["stream", "clock", "pairs", "spread", "status", "to apply"];
    let rows: Vec<[String; 6]> = c
        .estimates
        .iter()
        .map(|e| {
            let via = if &e.against == reference {
                String::new()
            } else {
                format!(" (via {})", clean(&e.against))
            };
            [
                clean(&e.stream).into_owned(),
                format!("{}{via}", ahead(e.offset)),
                thousands(e.pairs as u64),
                format!("±{}", millis(e.spread)),
                e.status.as_str().to_string(),
                clean(&e.skew_arg()).into_owned(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        let mut w = [0usize; 6];
        for r in std::iter::once(&header.map(String::from)).chain(&rows) {
            for (i, cell) in r.iter().enumerate() {
                w[i] = w[i].max(cell.chars().count());
            }
        }
        let line = |r: &[String]| {
            let mut l = String::from(" ");
            for (i, cell) in r.iter().enumerate() {
                let pad = " ".repeat(w[i] - cell.chars().count());
                if i == 2 || i == 3 {
                    l.push_str(&format!(" {pad}{cell}"));
                } else {
                    l.push_str(&format!(" {cell}{pad}"));
                }
            }
            l.trim_end().to_string()
        };
        let _ = writeln!(out, "{}", line(&header.map(String::from)));
        for r in &rows {
            let _ = writeln!(out, "{}", line(r));
        }
    } else {
        let _ = writeln!(
            out,
            "  no estimate: no other source shares {MIN_PAIRS} requests or more with it"
        );
    }
    if !c.unplaced.is_empty() {
        let names: Vec<String> = c.unplaced.iter().map(|u| clean(u).into_owned()).collect();
        let _ = writeln!(
            out,
            "  no estimate (fewer than {MIN_PAIRS} shared requests, or ambiguous): {}",
            names.join(", ")
        );
    }
    out
}

/// The per-source table: what was read, parsed, rejected, and when.
pub fn sources(run: &Run) -> String {
    let mut out = String::from("Sources (times UTC)\n");
    let header = [
        "input", "format", "lines", "parsed", "rejected", "requests", "failed", "first", "last",
    ];
    let rows: Vec<[String; 9]> = run
        .sources
        .iter()
        .map(|s| {
            let t = |v: Option<i64>| v.map_or("-".to_string(), crate::time::date_hms);
            [
                clean(&s.input).into_owned(),
                s.format.clone().unwrap_or_else(|| "?".into()),
                thousands(s.lines),
                thousands(s.parsed),
                thousands(s.rejected),
                thousands(s.requests),
                thousands(s.requests_failed),
                t(s.first_ts),
                t(s.last_ts),
            ]
        })
        .collect();
    let total = [
        "total".to_string(),
        String::new(),
        thousands(run.lines()),
        thousands(run.parsed()),
        thousands(run.rejected()),
        thousands(run.sources.iter().map(|s| s.requests).sum()),
        thousands(run.sources.iter().map(|s| s.requests_failed).sum()),
        String::new(),
        String::new(),
    ];
    let show_total = run.sources.len() > 1;
    let hdr: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let mut w = vec![0usize; header.len()];
    let all = std::iter::once(&hdr[..])
        .chain(rows.iter().map(|r| &r[..]))
        .chain(show_total.then_some(&total[..]));
    for r in all {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut l = String::from(" ");
        for (i, c) in cells.iter().enumerate() {
            let pad = " ".repeat(w[i].saturating_sub(c.chars().count()));
            // numbers right-aligned, text left-aligned
            if (2..=6).contains(&i) {
                l.push_str(&format!(" {pad}{c}"));
            } else {
                l.push_str(&format!(" {c}{pad}"));
            }
        }
        l.trim_end().to_string()
    };
    let _ = writeln!(out, "{}", line(&hdr));
    for r in &rows {
        let _ = writeln!(out, "{}", line(r));
    }
    if show_total {
        let _ = writeln!(out, "{}", line(&total));
    }
    let notes = assumptions(run);
    if !notes.is_empty() {
        out.push('\n');
        for n in notes {
            let _ = writeln!(out, "  {n}");
        }
    }
    out
}

/// Time assumptions, one line per source that made any.
fn assumptions(run: &Run) -> Vec<String> {
    let mut notes = Vec::new();
    for s in &run.sources {
        let t = &s.time;
        let mut parts = Vec::new();
        if t.zone_assumed > 0 {
            parts.push(format!(
                "{} stamp(s) without offset read as {}",
                thousands(t.zone_assumed),
                s.tz
            ));
        }
        if let Some(y) = &t.year_from {
            parts.push(format!(
                "year of {} yearless stamp(s) from {y}",
                thousands(t.year_inferred)
            ));
        }
        if t.year_rollovers > 0 {
            parts.push(format!("{} Dec→Jan rollover(s)", t.year_rollovers));
        }
        if t.skew_s != 0.0 {
            parts.push(format!("shifted by {:+}s (--skew)", t.skew_s));
        }
        let (late, crowded) = (s.late, s.late_crowded);
        if late > 0 {
            parts.push(match crowded {
                0 => format!("{late} line(s) later than the reorder window"),
                c if c == late => format!("{late} line(s) out of order, the reorder window full"),
                c => format!(
                    "{late} line(s) out of order ({} later than the reorder window, {c} with it full)",
                    late - c
                ),
            });
        }
        if !parts.is_empty() {
            notes.push(format!("{}: {}", clean(&s.input), parts.join("; ")));
        }
    }
    notes
}
