//! `coroner events`: every normalized event as NDJSON, in time order.

use std::io::{self, BufWriter, Write};

use anyhow::anyhow;

use super::{report, Exit};
use crate::cli::EventsArgs;
use crate::event::Nanos;
use crate::Config;

pub fn run(args: EventsArgs, now: Nanos) -> anyhow::Result<Exit> {
    let cfg = Config::from_args(&args.input, now).map_err(|e| anyhow!(e))?;
    let mut out = BufWriter::with_capacity(256 * 1024, io::stdout().lock());
    let (run, sunk) = crate::read(&cfg, !args.notable, |ev| {
        if args.notable && !ev.is_notable() {
            return Ok(());
        }
        crate::render::json::write_line(&mut out, &ev).map_err(io::Error::from)?;
        out.write_all(b"\n")
    })?;
    sunk.and_then(|_| out.flush())?;
    for e in &run.clocks.estimates {
        eprintln!(
            "coroner: clock skew: {} reads {} ({} request pairs); {}: {}",
            crate::render::clean(&e.stream),
            crate::render::text::ahead(e.offset),
            e.pairs,
            e.status.as_str(),
            crate::render::clean(&e.skew_arg()),
        );
    }
    Ok(report(&run))
}
