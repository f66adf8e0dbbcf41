//! The real corpus (tests/corpus, see its PROVENANCE.md): every file of a covered folder
//! is detected as a format whose id starts with the folder's name, and at least 99% of its
//! non-blank lines parse — or it is listed below with the reason.

use std::path::Path;

use coroner::cli::InputArgs;
use coroner::{read, Config};

use crate::support::{corpus, root};

/// Corpus folders whose formats are built in.
const COVERED: &[&str] = &[
    "alertmanager",
    "apache_access",
    "apache_error",
    "aws_alb",
    "aws_elb_classic",
    "docker_logrus",
    "enospc_app",
    "etcd",
    "haproxy",
    "journald_json",
    "k8s_events_json",
    "klog",
    "nginx_access",
    "nginx_error",
    "snort",
    "suricata_eve",
    "suricata_fastlog",
    "syslog_rfc3164",
    "syslog_rfc5424",
    "traefik",
    "zeek_json",
    "zeek_tsv",
    "zookeeper",
];

/// Files that do not (yet) meet the bar, and why. `max_rejected` bounds the damage.
const EXCEPTIONS: &[(&str, u64, &str)] = &[
    ("snort/generated-snort-3.12.2-alert_fast.txt.gz", 45, "Snort wrote '01/01--5:00:00.000000' for packets stamped at epoch 0: not a time"),
    ("snort/generated-snort-3.12.2-alert_json.txt.gz", 45, "Snort wrote '01/01--5:00:00.000000' for packets stamped at epoch 0: not a time"),
    ("syslog_rfc3164/lnav-logfile_syslog_fr.log", 1, "French month name 'août': chrono reads English month names only"),
    ("enospc_app/generated-etcd-3.4.23-zap-wal-enospc-panic.log", 0, "a category of lines, not a format: read as etcd (disk_full classified), fully parsed"),
    ("enospc_app/generated-nginx-1.22-error-disk-full.log", 0, "a category of lines, not a format: read as nginx_error (disk_full classified), fully parsed"),
];

pub fn args(inputs: Vec<String>) -> InputArgs {
    InputArgs {
        inputs,
        since: None,
        until: None,
        tz: None,
        source_tz: vec![],
        year: None,
        skew: vec![],
        auto_skew: false,
        log_format: None,
        parsers: None,
        rejects: None,
        reorder_window: "60s".into(),
        max_line: coroner::input::DEFAULT_MAX_LINE,
        max_depth: coroner::format::MAX_JSON_DEPTH,
        threads: None,
        no_progress: true,
    }
}

fn blank_lines(path: &Path) -> u64 {
    let data = std::fs::read(path).unwrap();
    let data = if data.starts_with(&[0x1f, 0x8b]) {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&data[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        data
    };
    let text = String::from_utf8_lossy(&data);
    text.lines().filter(|l| l.trim().is_empty()).count() as u64
}

#[test]
fn corpus_files_are_detected_and_parse() {
    let mut failures = Vec::new();
    for folder in COVERED {
        let dir = corpus(folder);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for path in files {
            let rel = path.strip_prefix(root().join("tests/corpus")).unwrap();
            let rel = rel.to_string_lossy().to_string();
            let cfg = Config::from_args(&args(vec![path.display().to_string()]), 0).unwrap();
            let (run, _) = read(&cfg, false, |_| Ok::<(), ()>(())).unwrap();
            let s = &run.sources[0];
            assert_eq!(s.lines, s.parsed + s.rejected, "{rel}: accounting");
            let exception = EXCEPTIONS.iter().find(|e| e.0 == rel);
            if let Some((_, max, _)) = exception {
                if s.rejected > *max {
                    failures.push(format!(
                        "{rel}: {} rejected, exception allows {max}",
                        s.rejected
                    ));
                }
                continue;
            }
            let format = s.format.clone().unwrap_or_default();
            if !format.starts_with(folder) {
                failures.push(format!("{rel}: detected as '{format}'"));
            }
            let blank = blank_lines(&path);
            let nonblank = s.lines - blank;
            let rejected = s.rejected - blank.min(s.rejected);
            if nonblank > 0 && (rejected as f64) > 0.01 * nonblank as f64 {
                failures.push(format!(
                    "{rel}: {rejected} of {nonblank} non-blank lines rejected, e.g. {:?}",
                    s.reject_examples.first()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "corpus failures:\n{}",
        failures.join("\n")
    );
}

/// The incident lines of the corpus get the kinds the timeline depends on.
#[test]
fn incident_lines_of_the_corpus_are_classified() {
    let cases: &[(&str, &[(&str, usize)])] = &[
        (
            "haproxy/generated-haproxy-2.6-rsyslog-traditional.log",
            &[
                ("lb.backend_down", 3),
                ("lb.backend_up", 3),
                ("lb.no_server", 1),
            ],
        ),
        (
            "haproxy/generated-haproxy-2.6-raw-stdout.log",
            &[
                ("lb.backend_down", 3),
                ("lb.backend_up", 3),
                ("lb.no_server", 1),
            ],
        ),
        (
            "etcd/generated-etcd-3.4.23-zap-n2.log",
            &[
                ("orch.leader_lost", 1),
                ("orch.leader_elected", 1),
                ("orch.election", 1),
            ],
        ),
        (
            "enospc_app/generated-etcd-3.4.23-zap-wal-enospc-panic.log",
            &[("host.disk_full", 1)],
        ),
    ];
    for (file, want) in cases {
        let cfg = Config::from_args(&args(vec![corpus(file).display().to_string()]), 0).unwrap();
        let mut kinds = std::collections::BTreeMap::<String, usize>::new();
        let _ = read(&cfg, false, |e| {
            *kinds.entry(e.kind.to_string()).or_default() += 1;
            Ok::<(), ()>(())
        })
        .unwrap();
        for (kind, n) in *want {
            let got = kinds.get(*kind).copied().unwrap_or(0);
            assert!(
                got >= *n,
                "{file}: expected at least {n} {kind}, got {got} ({kinds:?})"
            );
        }
    }
}

/// HAProxy's failing requests are counted as failures, including those without a 5xx.
#[test]
fn haproxy_failures_are_counted_exactly() {
    let file = corpus("haproxy/generated-haproxy-2.6-rsyslog-traditional.log");
    let text = std::fs::read_to_string(&file).unwrap();
    // Count by hand: status >= 500, or <NOSRV>, or a server-side termination state.
    let expected = text
        .lines()
        .filter(|l| l.contains(" [") && l.contains("/Nov/"))
        .filter(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let status: u16 = f.get(10).and_then(|s| s.parse().ok()).unwrap_or(0);
            let term = f.get(14).copied().unwrap_or("");
            status >= 500
                || l.contains("<NOSRV>")
                || term.starts_with(['s', 'S', 'R', 'I', 'D', 'K'])
        })
        .count() as u64;
    let cfg = Config::from_args(&args(vec![file.display().to_string()]), 0).unwrap();
    let (run, _) = read(&cfg, false, |_| Ok::<(), ()>(())).unwrap();
    assert!(expected > 0);
    assert_eq!(run.sources[0].requests_failed, expected);
    assert_eq!(run.sources[0].requests, 344);
}
