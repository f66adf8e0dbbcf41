//! `coroner report`: the Timeline and Impact sections of a postmortem, as Markdown to
//! paste, with an optional SVG chart.

use std::io::{self, Write};

use anyhow::{anyhow, Context};

use super::{report as warn_and_exit, Exit};
use crate::cli::ReportArgs;
use crate::config::thresholds;
use crate::event::Nanos;
use crate::timeline::{Collapser, Findings};
use crate::{render, Config};

pub fn run(args: ReportArgs, now: Nanos) -> anyhow::Result<Exit> {
    let cfg = Config::from_args(&args.input, now).map_err(|e| anyhow!(e))?;
    let (th, detect_after) = thresholds(&args.analysis).map_err(|e| anyhow!(e))?;
    let mut runs = Collapser::new(th.hold_s * 1_000_000_000);
    let (run, sunk) = crate::read(&cfg, false, |ev| {
        if ev.is_notable() {
            runs.push(&ev);
        }
        Ok::<(), io::Error>(())
    })?;
    sunk?;
    let findings = Findings::new(run, runs.finish(), &th, detect_after)?;
    let chart = match &args.chart {
        None => None,
        Some(path) => match render::chart::svg(&findings) {
            Some(svg) => {
                std::fs::write(path, svg).with_context(|| format!("--chart {}", path.display()))?;
                Some(path.display().to_string())
            }
            None => {
                eprintln!(
                    "coroner: warning: no request windows to chart; {} not written",
                    path.display()
                );
                None
            }
        },
    };
    let mut out = io::stdout().lock();
    out.write_all(render::markdown::report(&findings, chart.as_deref()).as_bytes())?;
    out.flush()?;
    Ok(warn_and_exit(&findings.run))
}
