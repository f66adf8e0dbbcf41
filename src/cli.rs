//! The command line, as clap sees it. Turned once into a validated [`crate::Config`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "coroner",
    version,
    about = "Reconstructs the timeline of an outage from the logs it left behind",
    long_about = "Reconstructs the timeline of an outage from the logs it left behind.\n\n\
Point it at IDS, load-balancer, orchestrator, host and alerting logs — files, directories \
(walked recursively), gzip/zstd or plain, or `-` for stdin — and it puts every line on one \
UTC clock, merges them, and lists what happened.",
    after_help = "Examples:\n  \
coroner timeline samples/lb-single-backend/\n  \
ssh lb1 'cat /var/log/haproxy.log*' | coroner timeline -\n  \
coroner report --chart timeline.svg incident-logs/ > timeline.md\n  \
kubectl get events -A -o json | coroner timeline - lb-logs/\n  \
coroner events --since 2024-04-04T21:00:00Z logs/ | jq 'select(.kind == \"lb.backend_down\")'\n  \
coroner detect logs/\n  \
coroner check postmortem.md incident-logs/\n\n\
Exit codes: 0 ok; 1 fatal error; 2 ok, but some input was unreadable or damaged. \
`coroner check` differs: 1 when a claim is contradicted, 2 when it cannot check."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// The notable events of all inputs on one UTC timeline, and what was read
    Timeline(TimelineArgs),
    /// The Timeline and Impact sections of a postmortem, as Markdown (and a chart)
    Report(ReportArgs),
    /// Every normalized event as NDJSON (one JSON object per line), in time order
    Events(EventsArgs),
    /// The known log formats and where their definitions come from
    Formats(FormatsArgs),
    /// Which format each input is, with the share of its first lines that fit
    Detect(DetectArgs),
    /// Hold a written postmortem against itself and against the logs
    #[command(
        long_about = "Hold a written postmortem against itself and against the logs.\n\n\
Reads POSTMORTEM (Markdown or plain text) for its claims: the stated start and end \
(`Duration: June 6, 2023, 10:00 AM - June 7, 2023, 2:00 PM (UTC)`, `Incident Start:`), how \
long it lasted (`approximately 16 hours`, `2h 30m`), time to detect or resolve, shares and \
counts of users and requests (`75% of users`, `~3,000 users`, `1,234 requests failed`), \
timeline entries (`10:05 PM: ...`) and the root cause.\n\n\
Without INPUT, the document is held against itself: durations against the stated window, \
timeline entries in order and inside it, detection and mitigation before resolution, \
percentages that add up. With INPUT, also against the incident coroner reconstructs from \
the logs (the same analysis as `coroner report`): start, end, durations, users affected, \
failed requests, the root cause against the trigger candidates, each timeline entry \
against the nearest matching event; and the markers and trigger the document leaves out.\n\n\
Each finding is contradicted, unsupported (nothing to hold it against), omitted or \
confirmed. A time holds within --time-tolerance (default: the analysis window with logs) or \
as coarsely as it was written; a hedged claim (approximately, about, ~, nearly) gets twice \
the tolerance; `over N` and `under N` are bounds.\n\n\
Times without a zone take the zone the document names most (UTC, GMT, PST, UTC+2...), else \
--tz, else UTC (said in the notes). Times without a date take the date written just before \
them, else the day that puts them nearest the time before them (a timeline passing midnight \
moves to the next day), else the incident date of the logs.",
        after_help = "Examples:\n  \
coroner check postmortem.md                              # the document against itself\n  \
coroner check postmortem.md incident-logs/               # and against the logs\n  \
coroner check --format markdown postmortem.md logs/ > check.md\n  \
coroner check --json --time-tolerance 10m postmortem.md logs/ | jq '.findings[] | select(.verdict == \"contradicted\")'\n\n\
Exit codes: 0 no claim contradicted; 1 some claim contradicted; 2 the check could not be \
done (unreadable postmortem, bad option) or some log input was unreadable or damaged."
    )]
    Check(CheckArgs),
}

#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Files, directories (walked recursively) or `-` for stdin. With none, stdin is
    /// read when it is not a terminal.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,

    /// Only events at or after this instant (RFC 3339, e.g. 2024-04-04T21:00:00Z)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Only events before this instant (RFC 3339)
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Zone of timestamps that carry no offset (IANA name, e.g. Europe/Berlin). Default UTC.
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,

    /// Zone for the sources whose path matches GLOB (repeatable), e.g. 'nginx/*=Europe/Berlin'
    #[arg(long = "source-tz", value_name = "GLOB=ZONE")]
    pub source_tz: Vec<String>,

    /// Year of yearless timestamps (syslog RFC 3164, klog). Default: inferred from the
    /// source's own dates, other sources, or the file's date.
    #[arg(long, value_name = "YYYY")]
    pub year: Option<i32>,

    /// Shift the sources matching GLOB by a signed duration (repeatable), e.g. 'lb2/*=-3.2s'
    #[arg(long, value_name = "GLOB=±DURATION")]
    pub skew: Vec<String>,

    /// Estimate the clock skew between sources that logged the same requests (always
    /// reported) and apply it: files are read twice; stdin is read once, so its skew is
    /// only reported. An explicit --skew for a source wins
    #[arg(long = "auto-skew")]
    pub auto_skew: bool,

    /// Read every input as this format (see `coroner formats`) instead of detecting it
    #[arg(long = "log-format", value_name = "NAME")]
    pub log_format: Option<String>,

    /// Extra format definitions (*.json), checked against their samples when loaded
    #[arg(long, value_name = "DIR")]
    pub parsers: Option<PathBuf>,

    /// Write every line that could not be parsed to FILE (source, line, reason, text; TSV)
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,

    /// Lines this far out of order within a source are put back in order
    #[arg(
        long = "reorder-window",
        value_name = "DURATION",
        default_value = "60s"
    )]
    pub reorder_window: String,

    /// Lines longer than this many bytes are cut there (at least 64): counted, and said
    /// on stderr with exit code 2. Memory per source grows to about this much.
    #[arg(long = "max-line", value_name = "BYTES", default_value_t = crate::input::DEFAULT_MAX_LINE)]
    pub max_line: usize,

    /// JSON lines nested deeper than this many arrays or objects are rejected (counted,
    /// with that reason); at most 127, the JSON parser's own limit
    #[arg(long = "max-depth", value_name = "LEVELS", default_value_t = crate::format::MAX_JSON_DEPTH)]
    pub max_depth: usize,

    /// Cores to keep busy (default: all this machine has). Each log is read on a
    /// thread of its own whatever this says; the cores decide how a log's many rotations
    /// are split to be read side by side, and whether a gzip'd log decodes on a core of
    /// its own ahead of its parsing (when cores outnumber the logs)
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,

    /// No progress bar (it is shown only when stderr is a terminal anyway)
    #[arg(long = "no-progress")]
    pub no_progress: bool,
}

/// How incidents are found; every threshold of DESIGN.md is an option.
#[derive(Args, Debug, Clone)]
pub struct AnalysisArgs {
    /// Analysis window (e.g. 30s, 5m). Default: chosen so the span has at least ~60 windows
    #[arg(long, value_name = "DURATION")]
    pub window: Option<String>,
    /// A healthy period to judge against, START..END (RFC 3339). Default: the windows
    /// before the first breach (medians)
    #[arg(long, value_name = "START..END")]
    pub baseline: Option<String>,
    /// A window breaches when its error rate exceeds max(this, --error-factor × baseline)
    #[arg(long = "error-rate", value_name = "RATIO", default_value_t = 0.05)]
    pub error_rate: f64,
    #[arg(long = "error-factor", value_name = "X", default_value_t = 5.0)]
    pub error_factor: f64,
    /// Traffic below this share of the baseline rate is cessation
    #[arg(long = "cessation", value_name = "RATIO", default_value_t = 0.10)]
    pub cessation: f64,
    /// One server taking this share of a pool that had ≥ 2 active servers is imbalance
    #[arg(long = "imbalance", value_name = "RATIO", default_value_t = 0.90)]
    pub imbalance: f64,
    /// p95 latency above this factor × baseline (and above 500 ms) breaches
    #[arg(long = "latency-factor", value_name = "X", default_value_t = 5.0)]
    pub latency_factor: f64,
    /// Breaches must last this many windows to make an incident
    #[arg(long, value_name = "WINDOWS", default_value_t = 3)]
    pub persist: usize,
    /// Healthy for this long means mitigated; shorter quiet stretches are bridged
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub hold: String,
    /// Without an alert or page, detection is inferred this many windows after impact start
    #[arg(long = "detect-after", value_name = "WINDOWS", default_value_t = 2)]
    pub detect_after: i64,
    /// Availability objective in percent (e.g. 99.9): report the error-budget burn
    #[arg(long, value_name = "PERCENT")]
    pub slo: Option<f64>,
    /// The period the error budget is counted over
    #[arg(long = "slo-period", value_name = "DURATION", default_value = "30d")]
    pub slo_period: String,
}

#[derive(Args, Debug)]
pub struct TimelineArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    /// One JSON object (schema 1, documented in the README) instead of text
    #[arg(long)]
    pub json: bool,
    /// List info-level unclassified lines too (by default only classified events and
    /// warnings or worse are listed)
    #[arg(long)]
    pub all: bool,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    /// Also draw requests and error rate per server, with the markers, as an SVG (linked
    /// from the Markdown)
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct EventsArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Only notable events (no plain requests, no info-level unclassified lines)
    #[arg(long)]
    pub notable: bool,
}

#[derive(Args, Debug)]
pub struct FormatsArgs {
    /// Extra format definitions (*.json)
    #[arg(long, value_name = "DIR")]
    pub parsers: Option<PathBuf>,
    /// JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct DetectArgs {
    /// Files, directories or `-` for stdin
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Extra format definitions (*.json)
    #[arg(long, value_name = "DIR")]
    pub parsers: Option<PathBuf>,
    /// JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

/// What `coroner check` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Aligned text for people
    Text,
    /// A Markdown table to paste under the postmortem
    Markdown,
    /// One JSON object (schema 1, documented in the README)
    Json,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// The postmortem: Markdown or plain text, or `-` for stdin
    #[arg(value_name = "POSTMORTEM")]
    pub postmortem: String,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// Same as --format json
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// A stated time holds within this of what it is checked against (or as coarsely as
    /// it was written). Default: the analysis window with logs, else 0
    #[arg(long = "time-tolerance", value_name = "DURATION")]
    pub time_tolerance: Option<String>,
    /// A stated duration holds within this share of the duration found
    #[arg(
        long = "duration-tolerance",
        value_name = "PERCENT",
        default_value_t = 10.0
    )]
    pub duration_tolerance: f64,
    /// A stated percentage holds within this many percentage points
    #[arg(long = "share-tolerance", value_name = "POINTS", default_value_t = 5.0)]
    pub share_tolerance: f64,
    /// A stated count holds within this share of the count found
    #[arg(
        long = "count-tolerance",
        value_name = "PERCENT",
        default_value_t = 10.0
    )]
    pub count_tolerance: f64,
}
