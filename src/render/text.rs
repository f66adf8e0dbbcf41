//! The timeline for a terminal: aligned columns, UTC stated, colour only when asked.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use super::{clean, thousands};
use crate::event::{Event, Severity};
use crate::time::rfc3339;
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

/// `2026-11-21 04:24:50.123` (UTC), at the source's precision (milliseconds at most).
fn when(ev: &Event) -> String {
    let t = rfc3339(ev.ts, ev.ts_prec.min(3));
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

/// The timeline of notable events, then the sources table.
pub fn timeline(events: &[Event], run: &Run, colour: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Timeline (UTC) — {} notable event(s) from {} source(s), {} lines read",
        thousands(events.len() as u64),
        run.sources.len(),
        thousands(run.lines())
    );
    let _ = writeln!(out);
    let rows: Vec<[String; 5]> = events
        .iter()
        .map(|e| {
            [
                when(e),
                e.severity.as_str().to_string(),
                e.kind.to_string(),
                clean(e.component.as_deref().unwrap_or("-"))
                    .chars()
                    .take(28)
                    .collect(),
                clean(e.host.as_deref().unwrap_or("-"))
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
    for (e, r) in events.iter().zip(&rows) {
        let st = if colour {
            style_of(e.severity)
        } else {
            Style::new()
        };
        let _ = writeln!(
            out,
            "{:<w0$}  {}{:<w1$}{}  {}{:<w2$}{}  {:<w3$}  {:<w4$}  {}",
            r[0],
            st.render(),
            r[1],
            st.render_reset(),
            st.render(),
            r[2],
            st.render_reset(),
            r[3],
            r[4],
            clean(&cut(&e.message, SUMMARY_MAX)),
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3],
            w4 = w[4],
        );
    }
    if events.is_empty() {
        let _ = writeln!(out, "  (no notable events)");
    }
    let _ = writeln!(out);
    out.push_str(&sources(run));
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
        if s.late > 0 {
            parts.push(format!("{} line(s) later than the reorder window", s.late));
        }
        if !parts.is_empty() {
            notes.push(format!("{}: {}", clean(&s.input), parts.join("; ")));
        }
    }
    notes
}
