//! `coroner timeline`: the notable events on one UTC timeline, and what was read.

use std::io::{self, IsTerminal, Write};

use anyhow::anyhow;

use super::{report, Exit};
use crate::cli::TimelineArgs;
use crate::event::{Nanos, KIND_REQUEST};
use crate::{render, Config};

pub fn run(args: TimelineArgs, now: Nanos) -> anyhow::Result<Exit> {
    let cfg = Config::from_args(&args.input, now).map_err(|e| anyhow!(e))?;
    let mut events = Vec::new();
    let (run, sunk) = crate::read(&cfg, false, |ev| {
        if ev.is_notable() || (args.all && &*ev.kind != KIND_REQUEST) {
            events.push(ev);
        }
        Ok::<(), io::Error>(())
    })?;
    sunk?;
    let mut out = io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &render::json::timeline(&events, &run))
            .map_err(io::Error::from)?;
        out.write_all(b"\n")?;
    } else {
        let colour = io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        out.write_all(render::text::timeline(&events, &run, colour).as_bytes())?;
    }
    out.flush()?;
    Ok(report(&run))
}
