//! The sample checker: a definition's samples are its tests. Run by the test suite over
//! the built-ins and at load time over `--parsers` files.
//!
//! Every sample must parse to its stated instant, kind and fields; every pattern and every
//! classification rule must be exercised by at least one sample.

use std::sync::Arc;

use serde_json::Value;

use super::{DefKind, Format, Header, LineAt, LineView};
use crate::event::Severity;
use crate::time::{parse_instant, rfc3339, ClockSettings, SourceClock, YearSource};

/// One problem found in a definition, with the field it concerns.
#[derive(Debug, Clone)]
pub struct Problem {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Checks a format against its own samples; an empty list means it passes.
pub fn check_samples(format: &Format) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut problem = |field: String, message: String| problems.push(Problem { field, message });
    let samples = &format.def.samples;
    if samples.is_empty() {
        problem(
            "samples".into(),
            "a format needs at least one sample line".into(),
        );
    }
    let mut patterns_hit = vec![false; format.pattern_names().count()];
    let mut rules_hit = vec![false; format.rule_count()];
    let source: Arc<str> = Arc::from("sample");
    for (i, s) in samples.iter().enumerate() {
        let at = format!("samples[{i}]");
        let Some(want_ts) = parse_instant(&s.ts) else {
            problem(
                format!("{at}.ts"),
                format!("'{}' is not an RFC 3339 instant", s.ts),
            );
            continue;
        };
        let year = chrono::DateTime::from_timestamp_nanos(want_ts).naive_utc();
        let mut clock = SourceClock::new(ClockSettings {
            zone: None,
            year: YearSource::Flag(chrono::Datelike::year(&year)),
            skew: 0,
        });
        clock.last = Some(want_ts);
        let mut header = Header::default();
        for (j, h) in s.header.iter().enumerate() {
            if !header.apply(h) {
                problem(
                    format!("{at}.header[{j}]"),
                    "not a header directive ('#separator', '#fields'…)".into(),
                );
            }
        }
        if format.kind == DefKind::Delimited && header.fields.is_empty() {
            problem(
                format!("{at}.header"),
                "a delimited format's sample needs its header, with '#fields'".into(),
            );
            continue;
        }
        for f in format.fast_patterns() {
            if let Some((Some(fast), regex)) = format.fast_vs_regex(f, &s.line) {
                if fast != regex {
                    let differ: Vec<String> = fast
                        .iter()
                        .zip(
                            regex
                                .iter()
                                .chain(std::iter::repeat(&(String::new(), None))),
                        )
                        .filter(|(a, b)| a.1 != b.1)
                        .map(|(a, b)| format!("{}: {:?} vs {:?}", a.0, a.1, b.1))
                        .collect();
                    problem(
                        format!("{at}.line"),
                        format!(
                            "the tokenizer and the regex of pattern {f} disagree ({})",
                            if regex.is_empty() {
                                "the regex does not match".to_string()
                            } else {
                                differ.join("; ")
                            }
                        ),
                    );
                }
            }
        }
        let view = LineView::with_header(&s.line, &header);
        let Some(m) = format.matches(&view) else {
            problem(format!("{at}.line"), "no pattern matches the line".into());
            continue;
        };
        let built = match format.build(
            m,
            &s.line,
            &mut clock,
            &LineAt {
                source_id: 0,
                source: &source,
                line: 1,
            },
            false,
        ) {
            Ok(b) => b,
            Err(e) => {
                problem(format!("{at}.line"), format!("does not parse: {e}"));
                continue;
            }
        };
        patterns_hit[built.pattern] = true;
        if let Some(r) = built.rule {
            rules_hit[r] = true;
        }
        let ev = &built.event;
        if ev.ts != want_ts {
            problem(
                format!("{at}.ts"),
                format!("expected {}, got {}", s.ts, rfc3339(ev.ts, 9)),
            );
        }
        if *ev.kind != s.kind {
            problem(
                format!("{at}.kind"),
                format!("expected '{}', got '{}'", s.kind, ev.kind),
            );
        }
        if let Some(want) = &s.severity {
            match Severity::from_name(want) {
                Some(w) if w == ev.severity => {}
                _ => problem(
                    format!("{at}.severity"),
                    format!("expected '{want}', got '{}'", ev.severity.as_str()),
                ),
            }
        }
        for (what, want, got) in [
            ("component", &s.component, &ev.component),
            ("host", &s.host, &ev.host),
        ] {
            if want.is_some() && want != got {
                problem(
                    format!("{at}.{what}"),
                    format!("expected {want:?}, got {got:?}"),
                );
            }
        }
        for (name, want) in &s.fields {
            let got = ev.fields.get(name);
            if got != Some(want) {
                problem(
                    format!("{at}.fields.{name}"),
                    format!(
                        "expected {want}, got {}",
                        got.map_or("nothing".into(), Value::to_string)
                    ),
                );
            }
        }
        if !s.request.is_empty() {
            let got = ev
                .request
                .as_ref()
                .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
                .unwrap_or(Value::Null);
            for (name, want) in &s.request {
                let g = got.get(name);
                if g != Some(want) {
                    problem(
                        format!("{at}.request.{name}"),
                        format!(
                            "expected {want}, got {}",
                            g.map_or("nothing".into(), Value::to_string)
                        ),
                    );
                }
            }
        }
        for (j, c) in s.continued_by.iter().enumerate() {
            if !format.continues(c) {
                problem(
                    format!("{at}.continued_by[{j}]"),
                    "the continuation rule does not take this line".into(),
                );
            }
        }
    }
    for (name, hit) in format.pattern_names().zip(&patterns_hit) {
        if !hit {
            problem(
                format!("patterns.{name}"),
                "no sample covers this pattern".into(),
            );
        }
    }
    for (i, hit) in rules_hit.iter().enumerate() {
        if !hit {
            problem(
                format!("classify[{i}]"),
                "no sample exercises this rule".into(),
            );
        }
    }
    problems
}
