//! samplegen: writes deterministic incident samples (logs of several hosts,
//! rotated and gzip'd, plus a truth.json) that reconstruct real postmortems.

mod alertmanager;
mod etcd;
mod haproxy;
mod json;
mod k8s;
mod nginx;
mod output;
mod pagerduty;
mod rng;
mod scenarios;
mod suricata;
mod syslog;
mod time;
mod traffic;
mod truth;

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "samplegen",
    about = "Generate deterministic incident log samples for coroner"
)]
struct Cli {
    /// Scenario to generate, or "all": ids-disk-full, lb-single-backend, auth-503, firewall-drop
    #[arg(long)]
    scenario: String,
    /// Output folder; each scenario goes to DIR/<scenario>/ (replaced if present)
    #[arg(long)]
    out: PathBuf,
    /// Seed (default: fixed per scenario)
    #[arg(long)]
    seed: Option<u64>,
    /// Scale the request traffic until the LB access logs reach about this
    /// many uncompressed bytes (e.g. 200MB, 2GB, 1.5GiB)
    #[arg(long, value_parser = parse_size)]
    size: Option<u64>,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.trim().parse().map_err(|_| format!("bad size: {s}"))?;
    let m: f64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1.0,
        "K" | "KB" => 1e3,
        "M" | "MB" => 1e6,
        "G" | "GB" => 1e9,
        "KIB" => 1024.0,
        "MIB" => 1024.0 * 1024.0,
        "GIB" => 1024.0 * 1024.0 * 1024.0,
        u => return Err(format!("unknown size unit {u}")),
    };
    Ok((n * m) as u64)
}

fn dir_bytes(p: &std::path::Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(p) else {
        return std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    };
    rd.flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_bytes(&e.path()),
            _ => e.metadata().map(|m| m.len()).unwrap_or(0),
        })
        .sum()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let names: Vec<&str> = if cli.scenario == "all" {
        scenarios::NAMES.to_vec()
    } else if scenarios::NAMES.contains(&cli.scenario.as_str()) {
        vec![cli.scenario.as_str()]
    } else {
        eprintln!(
            "samplegen: unknown scenario {:?} (known: {}, all)",
            cli.scenario,
            scenarios::NAMES.join(", ")
        );
        return ExitCode::from(2);
    };
    let opts = scenarios::Opts {
        out: cli.out.clone(),
        seed: cli.seed,
        size: cli.size,
    };
    for name in names {
        let started = std::time::Instant::now();
        match scenarios::run(name, &opts) {
            Ok(t) => {
                let secs = started.elapsed().as_secs_f64();
                let written: u64 = t
                    .files
                    .iter()
                    .map(|f| dir_bytes(&cli.out.join(name).join("logs").join(&f.path)))
                    .sum();
                eprintln!(
                    "{name}: {} files, {} LB requests ({} failed), {:.1} MB on disk, {:.1} s",
                    t.files.len(),
                    t.requests_total,
                    t.requests_failed,
                    written as f64 / 1e6,
                    secs
                );
            }
            Err(e) => {
                eprintln!("samplegen: {name}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
