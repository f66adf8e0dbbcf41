//! `coroner report`: the Timeline and Impact sections of a postmortem, as Markdown to
//! paste, with an optional SVG chart.

use std::io::{self, Write};

use anyhow::Context;

use super::{analyse, report as warn_and_exit, Exit};
use crate::cli::ReportArgs;
use crate::event::Nanos;
use crate::render;

pub fn run(args: ReportArgs, now: Nanos) -> anyhow::Result<Exit> {
    let findings = analyse(&args.input, &args.analysis, now)?;
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
