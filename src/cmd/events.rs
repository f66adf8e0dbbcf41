//! `coroner events`: every normalized event as NDJSON, in time order.

use std::io::{self, Write};

use anyhow::anyhow;

use super::{report, Exit};
use crate::cli::EventsArgs;
use crate::event::{Event, Nanos};
use crate::render::ndjson::EventWriter;
use crate::Config;

/// An event as an NDJSON line.
fn every(w: &mut EventWriter, ev: &Event, out: &mut Vec<u8>) {
    w.write(out, ev);
    out.push(b'\n');
}

/// A notable event as an NDJSON line; nothing for any other.
fn notable(w: &mut EventWriter, ev: &Event, out: &mut Vec<u8>) {
    if ev.is_notable() {
        every(w, ev, out);
    }
}

/// Bytes of output gathered before a write.
const OUT_BUFFER: usize = 256 * 1024;

pub fn run(args: EventsArgs, now: Nanos) -> anyhow::Result<Exit> {
    let cfg = Config::from_args(&args.input, now).map_err(|e| anyhow!(e))?;
    let mut out = io::stdout().lock();
    // Lines are written on each source's thread; here they gather in a buffer written
    // out whole when it fills.
    let mut buf = Vec::with_capacity(OUT_BUFFER + 64 * 1024);
    let mut sink = |line: &[u8]| {
        buf.extend_from_slice(line);
        if buf.len() >= OUT_BUFFER {
            out.write_all(&buf)?;
            buf.clear();
        }
        Ok::<(), io::Error>(())
    };
    let render: crate::Render = if args.notable { notable } else { every };
    let output = crate::Output::Lines {
        render,
        sink: &mut sink,
    };
    let (run, sunk) = crate::read_to(&cfg, !args.notable, output)?;
    sunk.and_then(|_| out.write_all(&buf))
        .and_then(|_| out.flush())?;
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
