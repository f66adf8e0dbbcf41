//! `coroner`: parse the command line, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use coroner::cli::Cli;
use coroner::cmd::{dispatch, is_broken_pipe, usage_error, Exit};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                usage_error(std::env::args_os())
            } else {
                Exit::Ok
            }
            .into();
        }
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64);
    match dispatch(cli, now) {
        Ok(exit) => exit.into(),
        Err(e) if is_broken_pipe(&e) => Exit::Ok.into(),
        Err(e) => {
            eprintln!("coroner: error: {e:#}");
            Exit::Fatal.into()
        }
    }
}
