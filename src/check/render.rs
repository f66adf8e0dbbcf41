//! A check's findings for people (aligned text), for a document (Markdown) and for
//! programs (JSON, schema 1, documented in the README). Times are UTC and say so;
//! document and log text is escaped.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};
use chrono::{DateTime, Timelike, Utc};
use serde_json::{json, Value};

use super::{Against, Check, Finding, Verdict, HEDGE_FACTOR};
use crate::event::Nanos;
use crate::render::{clean, markdown::escape, thousands};

pub const SCHEMA: u32 = 1;

/// `2024-02-13 21:57:23 UTC` (seconds only when there are any); without a date,
/// `21:57 UTC (no date)`.
pub fn when(ns: Nanos, dated: bool) -> String {
    let t = DateTime::<Utc>::from_timestamp_nanos(ns);
    let clock = if t.second() == 0 && t.nanosecond() < 500_000_000 {
        "%H:%M"
    } else {
        "%H:%M:%S"
    };
    if dated {
        format!("{} UTC", t.format(&format!("%Y-%m-%d {clock}")))
    } else {
        format!("{} UTC (no date)", t.format(clock))
    }
}

/// `28h 00m`, `45m`, `2m 17s`, `39s`.
pub fn span(secs: f64) -> String {
    let s = secs.abs().round() as i64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 if s % 60 == 0 => format!("{}m", s / 60),
        60..=3599 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// `78.9%`, `75%`.
pub fn percent(x: f64) -> String {
    if (x - x.round()).abs() < 0.05 {
        format!("{:.0}%", x)
    } else {
        format!("{x:.1}%")
    }
}

fn tolerances(c: &Check) -> String {
    let t = &c.tolerances;
    let times = if t.time_s > 0 {
        format!(
            "times ±{} (or as coarsely as written)",
            span(t.time_s as f64)
        )
    } else {
        "times as finely as written (10:00 PM: ±1m)".to_string()
    };
    format!(
        "{times}, durations ±{:.0}%, shares ±{:.1} points, counts ±{:.0}%; ×{HEDGE_FACTOR:.0} for hedged claims (approximately, about, ~, nearly)",
        t.duration_ratio * 100.0,
        t.share_points,
        t.count_ratio * 100.0
    )
}

fn held(c: &Check) -> String {
    match (&c.logs, &c.held) {
        (None, _) => "against itself (no logs given)".to_string(),
        (Some(f), None) => format!(
            "against itself: the logs ({} sources, {} lines) show no incident",
            f.run.sources.len(),
            thousands(f.run.lines())
        ),
        (Some(f), Some(h)) => format!(
            "against itself and the logs ({} sources, {} lines): the incident from {} (impact ended {}, resolved {}; {}s windows)",
            f.run.sources.len(),
            thousands(f.run.lines()),
            when(h.impact_start, true),
            when(h.mitigated, true),
            when(h.resolved, true),
            h.window_s
        ),
    }
}

fn zone(c: &Check) -> String {
    let from = match c.document.zone_from {
        super::document::ZoneFrom::Document => "named in the document",
        super::document::ZoneFrom::Option => "from --tz",
        super::document::ZoneFrom::Assumed => "assumed",
    };
    format!(
        "All times UTC; the document's times without a zone are read in {} ({from}).",
        c.document.zone
    )
}

fn tally(c: &Check) -> String {
    Verdict::ALL
        .iter()
        .map(|v| format!("{} {}", c.count(*v), v.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn against(a: Against) -> &'static str {
    match a {
        Against::Document => "document",
        Against::Logs => "logs",
    }
}

fn verdict_style(v: Verdict) -> Style {
    match v {
        Verdict::Contradicted => Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
        Verdict::Unsupported => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
        Verdict::Omitted => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
        Verdict::Confirmed => Style::new().fg_color(Some(AnsiColor::Green.into())),
    }
}

fn cut(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
}

fn line_no(f: &Finding) -> String {
    f.line.map_or("-".to_string(), |l| l.to_string())
}

/// Aligned text: one row per finding (line, verdict, subject, the claim quoted), then
/// what the document or the logs say, and the log lines behind it.
pub fn text(c: &Check, colour: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "coroner check: {}, held {}", clean(&c.path), held(c));
    let _ = writeln!(out, "{}", zone(c));
    let _ = writeln!(out, "Tolerances: {}.", tolerances(c));
    let _ = writeln!(out);
    let w_line = c
        .findings
        .iter()
        .map(|f| line_no(f).len())
        .max()
        .unwrap_or(1)
        .max(4);
    let w_subject = c
        .findings
        .iter()
        .map(|f| f.subject.len())
        .max()
        .unwrap_or(7)
        .max(7);
    let w_verdict = 12;
    let indent = " ".repeat(2 + w_line + 2 + w_verdict + 2 + w_subject + 2);
    let _ = writeln!(
        out,
        "  {:>w_line$}  {:<w_verdict$}  {:<w_subject$}  claim",
        "line", "verdict", "subject"
    );
    for f in &c.findings {
        let st = if colour {
            verdict_style(f.verdict)
        } else {
            Style::new()
        };
        let claim = if f.claim.is_empty() {
            "(not in the document)".to_string()
        } else {
            format!("\"{}\"", cut(&clean(&f.claim), 100))
        };
        let _ = writeln!(
            out,
            "  {:>w_line$}  {}{:<w_verdict$}{}  {:<w_subject$}  {claim}",
            line_no(f),
            st.render(),
            f.verdict.as_str(),
            st.render_reset(),
            f.subject,
        );
        let _ = writeln!(out, "{indent}{}: {}", against(f.against), clean(&f.detail));
        for e in &f.evidence {
            let _ = writeln!(
                out,
                "{indent}  {}:{}  {}",
                clean(&e.source),
                e.line,
                cut(&clean(&e.text), 120)
            );
        }
    }
    if c.findings.is_empty() {
        let _ = writeln!(out, "  (no findings)");
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}.", tally(c));
    if !c.notes.is_empty() {
        let _ = writeln!(out, "Notes:");
        for n in &c.notes {
            let _ = writeln!(out, "  - {}", clean(n));
        }
    }
    out
}

/// Markdown: a table of findings, ready to paste under the postmortem.
pub fn markdown(c: &Check) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Postmortem check: {}\n", escape(&c.path));
    let _ = writeln!(
        out,
        "_Held {} by coroner {}. {}_\n",
        escape(&held(c)),
        env!("CARGO_PKG_VERSION"),
        escape(&zone(c))
    );
    let _ = writeln!(out, "**{}.**\n", tally(c));
    let _ = writeln!(out, "Tolerances: {}.\n", escape(&tolerances(c)));
    let _ = writeln!(
        out,
        "| Line | Verdict | Subject | Claim | Against | What it says |"
    );
    let _ = writeln!(out, "|---:|---|---|---|---|---|");
    for f in &c.findings {
        let verdict = if f.verdict == Verdict::Contradicted {
            format!("**{}**", f.verdict.as_str())
        } else {
            f.verdict.as_str().to_string()
        };
        let claim = if f.claim.is_empty() {
            "—".to_string()
        } else {
            format!("“{}”", escape(&cut(&f.claim, 100)))
        };
        let mut says = escape(&f.detail);
        for e in &f.evidence {
            let _ = write!(
                says,
                "<br>`{}:{}`",
                clean(&e.source).replace('`', "'"),
                e.line
            );
        }
        let _ = writeln!(
            out,
            "| {} | {verdict} | {} | {claim} | {} | {says} |",
            line_no(f),
            f.subject,
            against(f.against)
        );
    }
    if !c.notes.is_empty() {
        let _ = writeln!(out, "\n## Notes\n");
        for n in &c.notes {
            let _ = writeln!(out, "- {}", escape(n));
        }
    }
    out
}

/// One JSON object, schema 1 (documented in the README).
pub fn json(c: &Check) -> Value {
    let logs = c.logs.as_ref().map(|f| {
        json!({
            "sources": f.run.sources.len(),
            "lines": f.run.lines(),
            "incidents": f.incidents.len(),
            "held_against": c.held,
        })
    });
    let t = &c.tolerances;
    json!({
        "schema": SCHEMA,
        "generator": concat!("coroner ", env!("CARGO_PKG_VERSION")),
        "document": {
            "path": c.path,
            "lines": c.document.lines,
            "claims": c.document.claims.len(),
            "zone": c.document.zone,
            "zone_from": c.document.zone_from,
        },
        "logs": logs,
        "tolerances": {
            "time_s": t.time_s,
            "duration_ratio": t.duration_ratio,
            "share_points": t.share_points,
            "count_ratio": t.count_ratio,
            "hedge_factor": HEDGE_FACTOR,
        },
        "summary": Verdict::ALL.iter().map(|v| (v.as_str().to_string(), json!(c.count(*v)))).collect::<serde_json::Map<_, _>>(),
        "findings": c.findings,
        "notes": c.notes,
        "warnings": c.logs.as_ref().map_or(&[][..], |f| &f.run.warnings[..]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_times_read_well() {
        assert_eq!(span(57_600.0), "16h 00m");
        assert_eq!(span(100_800.0), "28h 00m");
        assert_eq!(span(2_700.0), "45m");
        assert_eq!(span(137.0), "2m 17s");
        assert_eq!(span(39.4), "39s");
        assert_eq!(
            when(1_707_861_443_452_000_000, true),
            "2024-02-13 21:57:23 UTC"
        );
        assert_eq!(
            when(1_707_861_600_000_000_000, false),
            "22:00 UTC (no date)"
        );
        assert_eq!(percent(78.94), "78.9%");
        assert_eq!(percent(75.0), "75%");
    }
}
