//! The validated configuration of a run: every option parsed and checked once.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use globset::{Glob, GlobMatcher};

use crate::cli::{AnalysisArgs, InputArgs};
use crate::event::Nanos;
use crate::format::MAX_JSON_DEPTH;
use crate::impact::Thresholds;
use crate::time::{parse_duration, parse_instant, parse_zone};

#[derive(Clone, Debug)]
pub struct Config {
    pub inputs: Vec<String>,
    pub zone: Option<Tz>,
    pub source_zones: Vec<(GlobMatcher, Tz)>,
    pub year: Option<i32>,
    pub skews: Vec<(GlobMatcher, Nanos)>,
    /// Apply the estimated clock skews (`--auto-skew`).
    pub auto_skew: bool,
    pub log_format: Option<String>,
    pub parsers: Option<PathBuf>,
    pub since: Option<Nanos>,
    pub until: Option<Nanos>,
    pub rejects: Option<PathBuf>,
    pub progress: bool,
    pub reorder_window: Nanos,
    pub max_line: usize,
    /// JSON lines nested deeper are rejected (1 to [`MAX_JSON_DEPTH`]).
    pub max_depth: usize,
    /// The run's start (only used to state a guessed year, never as a default year).
    pub now: Nanos,
    /// Cores to keep busy (`--threads`; `None`: all there are).
    pub threads: Option<usize>,
}

impl Config {
    /// Validates the input options. `now` is injected (tests pin it).
    pub fn from_args(a: &InputArgs, now: Nanos) -> Result<Config, String> {
        let mut inputs = a.inputs.clone();
        if inputs.is_empty() {
            if std::io::stdin().is_terminal() {
                return Err(
                    "no input: give files, directories, or - for stdin (see coroner --help)".into(),
                );
            }
            inputs.push("-".into());
        }
        let zone = a.tz.as_deref().map(parse_zone).transpose()?;
        let source_zones = a
            .source_tz
            .iter()
            .map(|s| {
                let (g, z) = split_assignment(s, "--source-tz", "GLOB=ZONE")?;
                Ok((g, parse_zone(z)?))
            })
            .collect::<Result<_, String>>()?;
        let skews = a
            .skew
            .iter()
            .map(|s| {
                let (g, d) = split_assignment(s, "--skew", "GLOB=±DURATION")?;
                Ok((g, parse_duration(d)?))
            })
            .collect::<Result<_, String>>()?;
        let instant = |flag: &str, v: &Option<String>| {
            v.as_deref()
                .map(|s| {
                    parse_instant(s).ok_or_else(|| {
                        format!(
                            "{flag} '{s}': expected an RFC 3339 time such as 2024-04-04T22:00:00Z"
                        )
                    })
                })
                .transpose()
        };
        if let Some(y) = a.year {
            if !(1908..=2199).contains(&y) {
                return Err(format!("--year {y}: must be between 1908 and 2199"));
            }
        }
        if !(1..=MAX_JSON_DEPTH).contains(&a.max_depth) {
            return Err(format!(
                "--max-depth {}: between 1 and {MAX_JSON_DEPTH} (the JSON parser's own limit)",
                a.max_depth
            ));
        }
        let reorder_window =
            parse_duration(&a.reorder_window).map_err(|e| format!("--reorder-window: {e}"))?;
        if reorder_window < 0 {
            return Err("--reorder-window must not be negative".into());
        }
        Ok(Config {
            inputs,
            zone,
            source_zones,
            year: a.year,
            skews,
            auto_skew: a.auto_skew,
            log_format: a.log_format.clone(),
            parsers: a.parsers.clone(),
            since: instant("--since", &a.since)?,
            until: instant("--until", &a.until)?,
            rejects: a.rejects.clone(),
            progress: !a.no_progress && std::io::stderr().is_terminal(),
            reorder_window,
            max_line: a.max_line.max(64),
            max_depth: a.max_depth,
            now,
            threads: a.threads.map(usize::from),
        })
    }

    /// The zone for a source's naive stamps: the first `--source-tz` that matches, else
    /// `--tz`, else UTC (`None`).
    pub fn zone_for(&self, source: &str) -> Option<Tz> {
        self.source_zones
            .iter()
            .find(|(g, _)| matches(g, source))
            .map(|(_, z)| *z)
            .or(self.zone)
    }

    /// The skew of a source: the first `--skew` that matches, else none.
    pub fn skew_for(&self, source: &str) -> Nanos {
        self.explicit_skew(source).unwrap_or(0)
    }

    /// The first `--skew` that matches a source, if any.
    pub fn explicit_skew(&self, source: &str) -> Option<Nanos> {
        self.skews
            .iter()
            .find(|(g, _)| matches(g, source))
            .map(|(_, d)| *d)
    }
}

/// A glob matches the source's path as given, or its file name.
fn matches(g: &GlobMatcher, source: &str) -> bool {
    g.is_match(source)
        || Path::new(source)
            .file_name()
            .is_some_and(|n| g.is_match(Path::new(n)))
}

fn split_assignment<'a>(
    s: &'a str,
    flag: &str,
    shape: &str,
) -> Result<(GlobMatcher, &'a str), String> {
    let (g, v) = s
        .rsplit_once('=')
        .ok_or_else(|| format!("{flag} '{s}': expected {shape}"))?;
    let glob = Glob::new(g)
        .map_err(|e| format!("{flag} '{s}': bad glob: {e}"))?
        .compile_matcher();
    Ok((glob, v))
}

/// The validated analysis options.
pub fn thresholds(a: &AnalysisArgs) -> Result<(Thresholds, i64), String> {
    let window_s = a
        .window
        .as_deref()
        .map(|w| {
            let ns = parse_duration(w).map_err(|e| format!("--window: {e}"))?;
            if ns < 1_000_000_000 || ns % 1_000_000_000 != 0 {
                return Err(format!(
                    "--window {w}: a whole number of seconds, at least 1s"
                ));
            }
            Ok(ns / 1_000_000_000)
        })
        .transpose()?;
    let baseline = a
        .baseline
        .as_deref()
        .map(|b| {
            let (from, to) = b
                .split_once("..")
                .ok_or_else(|| format!("--baseline {b}: expected START..END"))?;
            let t = |s: &str| {
                parse_instant(s).ok_or_else(|| format!("--baseline: '{s}' is not an RFC 3339 time"))
            };
            let (from, to) = (t(from)?, t(to)?);
            if from >= to {
                return Err(format!("--baseline {b}: START must be before END"));
            }
            Ok((from, to))
        })
        .transpose()?;
    let hold = parse_duration(&a.hold).map_err(|e| format!("--hold: {e}"))?;
    let slo = a
        .slo
        .map(|p| {
            if p > 0.0 && p < 100.0 {
                Ok(p / 100.0)
            } else {
                Err(format!(
                    "--slo {p}: a percentage between 0 and 100, e.g. 99.9"
                ))
            }
        })
        .transpose()?;
    let slo_period = parse_duration(&a.slo_period).map_err(|e| format!("--slo-period: {e}"))?;
    if slo_period <= 0 {
        return Err("--slo-period must be positive".into());
    }
    for (name, v) in [
        ("--error-rate", a.error_rate),
        ("--cessation", a.cessation),
        ("--imbalance", a.imbalance),
    ] {
        if !(0.0..=1.0).contains(&v) {
            return Err(format!("{name} {v}: a ratio between 0 and 1"));
        }
    }
    Ok((
        Thresholds {
            window_s,
            baseline,
            error_rate_min: a.error_rate,
            error_rate_factor: a.error_factor,
            cessation_ratio: a.cessation,
            imbalance_share: a.imbalance,
            latency_factor: a.latency_factor,
            persist: a.persist.max(1),
            hold_s: (hold / 1_000_000_000).max(0),
            slo,
            slo_period_s: slo_period / 1_000_000_000,
            ..Thresholds::default()
        },
        a.detect_after,
    ))
}
