//! One module per subcommand, each with a `run`.

pub mod detect;
pub mod events;
pub mod formats;
pub mod report;
pub mod timeline;

use std::io;
use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::event::Nanos;
use crate::Run;

/// How a run ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Ok,
    /// A fatal error.
    Fatal,
    /// Done, but some input was unreadable or damaged (said on stderr).
    Damaged,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(match e {
            Exit::Ok => 0,
            Exit::Fatal => 1,
            Exit::Damaged => 2,
        })
    }
}

pub fn dispatch(cli: Cli, now: Nanos) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Timeline(a) => timeline::run(a, now),
        Command::Report(a) => report::run(a, now),
        Command::Events(a) => events::run(a, now),
        Command::Formats(a) => formats::run(a),
        Command::Detect(a) => detect::run(a),
    }
}

/// Is this error a closed stdout (`| head`)? Then we stop quietly.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Warnings and, when input was damaged, a one-line summary, on stderr.
pub fn report(run: &Run) -> Exit {
    for w in &run.warnings {
        eprintln!("coroner: warning: {}", crate::render::clean(w));
    }
    if run.damaged {
        let damaged = run.sources.iter().filter(|s| s.damaged()).count();
        eprintln!(
            "coroner: {} source(s) read, {} damaged or unreadable; {} lines: {} parsed, {} rejected",
            run.sources.len(),
            damaged + run.warnings.iter().filter(|w| w.contains("cannot read")).count(),
            crate::render::thousands(run.lines()),
            crate::render::thousands(run.parsed()),
            crate::render::thousands(run.rejected()),
        );
        Exit::Damaged
    } else {
        Exit::Ok
    }
}
