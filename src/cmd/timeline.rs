//! `coroner timeline`: the notable events on one UTC timeline, the incidents found in the
//! request windows with their markers, and what was read.

use std::io::{self, IsTerminal, Write};

use anyhow::anyhow;

use super::{report, Exit};
use crate::cli::TimelineArgs;
use crate::config::thresholds;
use crate::event::{Nanos, KIND_REQUEST};
use crate::timeline::{Collapser, Findings};
use crate::{render, Config};

pub fn run(args: TimelineArgs, now: Nanos) -> anyhow::Result<Exit> {
    let cfg = Config::from_args(&args.input, now).map_err(|e| anyhow!(e))?;
    let (th, detect_after) = thresholds(&args.analysis).map_err(|e| anyhow!(e))?;
    let mut runs = Collapser::new(th.hold_s * 1_000_000_000);
    let (run, sunk) = crate::read_lent(&cfg, false, |ev| {
        if ev.is_notable() || (args.all && &*ev.kind != KIND_REQUEST) {
            runs.push(ev);
        }
        Ok::<(), io::Error>(())
    })?;
    sunk?;
    let findings = Findings::new(run, runs.finish(), &th, detect_after)?;
    let mut out = io::stdout().lock();
    if args.json {
        render::json::write_pretty(&mut out, &render::json::timeline(&findings))
            .map_err(io::Error::from)?;
        out.write_all(b"\n")?;
    } else {
        let colour = io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        out.write_all(render::text::timeline(&findings, colour).as_bytes())?;
    }
    out.flush()?;
    Ok(report(&findings.run))
}
