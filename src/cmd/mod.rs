//! One module per subcommand, each with a `run`.

pub mod check;
pub mod detect;
pub mod events;
pub mod formats;
pub mod report;
pub mod timeline;

use std::io;
use std::process::ExitCode;

use anyhow::anyhow;

use crate::cli::{AnalysisArgs, Cli, Command, InputArgs};
use crate::config::thresholds;
use crate::event::Nanos;
use crate::timeline::{Collapser, Findings};
use crate::{Config, Run};

/// How a run ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Ok,
    /// A fatal error.
    Fatal,
    /// Done, but some input was unreadable or damaged (said on stderr).
    Damaged,
    /// `coroner check`: some claim of the postmortem is contradicted.
    Contradicted,
    /// `coroner check`: the check could not be done (said on stderr).
    Unchecked,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(match e {
            Exit::Ok => 0,
            Exit::Fatal => 1,
            Exit::Damaged => 2,
            Exit::Contradicted => 1,
            Exit::Unchecked => 2,
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
        Command::Check(a) => check::run(a, now),
    }
}

/// Exit code of a command line clap refused: `coroner check` keeps 1 for contradicted
/// claims, so its usage errors are 2.
pub fn usage_error(args: impl IntoIterator<Item = std::ffi::OsString>) -> Exit {
    if args.into_iter().nth(1).is_some_and(|a| a == "check") {
        Exit::Unchecked
    } else {
        Exit::Fatal
    }
}

/// Reads the inputs and analyses them as `coroner report` does: notable events collapsed
/// into runs, the request windows analysed, the incidents and their markers found.
pub fn analyse(input: &InputArgs, analysis: &AnalysisArgs, now: Nanos) -> anyhow::Result<Findings> {
    let cfg = Config::from_args(input, now).map_err(|e| anyhow!(e))?;
    let (th, detect_after) = thresholds(analysis).map_err(|e| anyhow!(e))?;
    let mut runs = Collapser::new(th.hold_s * 1_000_000_000);
    let (run, sunk) = crate::read_lent(&cfg, false, |ev| {
        if ev.is_notable() {
            runs.push(ev);
        }
        Ok::<(), io::Error>(())
    })?;
    sunk?;
    Findings::new(run, runs.finish(), &th, detect_after)
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
