//! `coroner check`: a written postmortem held against itself and, when logs are given,
//! against the incident coroner reconstructs from them.
//!
//! Exit codes differ from the other commands, like `diff`'s: 0 no claim contradicted, 1
//! some claim contradicted, 2 the check could not be done (or some log input was
//! unreadable).

use std::io::{self, IsTerminal, Read, Write};

use anyhow::{anyhow, bail, Context};

use super::{analyse, is_broken_pipe, report as warn_and_exit, Exit};
use crate::check::{decode, Check, Placing, Tolerances};
use crate::cli::{CheckArgs, CheckFormat};
use crate::event::Nanos;
use crate::time::{parse_duration, parse_zone};

pub fn run(args: CheckArgs, now: Nanos) -> anyhow::Result<Exit> {
    match check(args, now) {
        Err(e) if !is_broken_pipe(&e) => {
            eprintln!("coroner: error: {e:#}");
            Ok(Exit::Unchecked)
        }
        other => other,
    }
}

fn ratio(flag: &str, percent: f64) -> anyhow::Result<f64> {
    if !(percent.is_finite() && percent >= 0.0) {
        bail!("{flag} {percent}: a percentage, 0 or more");
    }
    Ok(percent / 100.0)
}

fn check(args: CheckArgs, now: Nanos) -> anyhow::Result<Exit> {
    let path = args.postmortem.clone();
    if path == "-" && args.input.inputs.iter().any(|i| i == "-") {
        bail!("stdin cannot be both the postmortem and a log input");
    }
    let bytes = if path == "-" {
        let mut b = Vec::new();
        io::stdin()
            .read_to_end(&mut b)
            .context("reading the postmortem from stdin")?;
        b
    } else {
        std::fs::read(&path).with_context(|| format!("reading the postmortem {path}"))?
    };
    let text = decode(&bytes).map_err(|e| anyhow!("{path}: {e}"))?;

    let time_tolerance = args
        .time_tolerance
        .as_deref()
        .map(|t| {
            let ns = parse_duration(t).map_err(|e| anyhow!("--time-tolerance: {e}"))?;
            if ns < 0 {
                bail!("--time-tolerance must not be negative");
            }
            Ok(ns / 1_000_000_000)
        })
        .transpose()?;
    let share_points = args.share_tolerance;
    if !(share_points.is_finite() && (0.0..=100.0).contains(&share_points)) {
        bail!("--share-tolerance {share_points}: percentage points between 0 and 100");
    }
    let tolerances = Tolerances {
        time_s: 0,
        duration_ratio: ratio("--duration-tolerance", args.duration_tolerance)?,
        share_points,
        count_ratio: ratio("--count-tolerance", args.count_tolerance)?,
    };
    let tz = args
        .input
        .tz
        .as_deref()
        .map(parse_zone)
        .transpose()
        .map_err(|e| anyhow!(e))?;

    // Without INPUT the document is held against itself only: a piped stdin is not
    // taken for logs (pass `-` for that).
    let logs = if args.input.inputs.is_empty() {
        None
    } else {
        Some(analyse(&args.input, &args.analysis, now)?)
    };
    let result = Check::run(
        path,
        &text,
        Placing { tz, anchor: None },
        logs,
        time_tolerance,
        tolerances,
    );

    let mut out = io::stdout().lock();
    let format = if args.json {
        CheckFormat::Json
    } else {
        args.format
    };
    match format {
        CheckFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &crate::check::render::json(&result))
                .map_err(io::Error::from)?;
            out.write_all(b"\n")?;
        }
        CheckFormat::Markdown => {
            out.write_all(crate::check::render::markdown(&result).as_bytes())?
        }
        CheckFormat::Text => {
            let colour = io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            out.write_all(crate::check::render::text(&result, colour).as_bytes())?;
        }
    }
    out.flush()?;
    let damaged = result
        .logs
        .as_ref()
        .is_some_and(|f| warn_and_exit(&f.run) == Exit::Damaged);
    Ok(if result.contradicted() {
        Exit::Contradicted
    } else if damaged {
        Exit::Damaged
    } else {
        Exit::Ok
    })
}
