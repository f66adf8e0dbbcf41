//! `coroner check`: the seed postmortems against themselves (seed 004's "approximately
//! 16 hours" for a 28-hour window is found; the consistent ones give no contradiction),
//! drafts with planted errors against the shipped samples (each error found), an
//! accurate draft written from a sample's truth (passes), and input that must not panic.

use serde_json::Value;

use crate::support::{coroner, root, write};

/// `coroner check --json` over `args`: the JSON and the exit code.
fn check_json(args: &[&str]) -> (Value, i32) {
    let out = coroner()
        .arg("check")
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): stdout={} stderr={}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, out.status.code().unwrap_or(-1))
}

/// A postmortem in a temporary folder (kept while the folder lives).
fn temp_doc(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "pm.md", text.as_bytes());
    (dir, p.display().to_string())
}

fn path(rel: &str) -> String {
    root().join(rel).display().to_string()
}

fn seed(prefix: &str) -> String {
    let dir = root().join("tests/seeds");
    let name = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .find(|n| n.starts_with(prefix))
        .unwrap_or_else(|| panic!("no seed {prefix}"));
    dir.join(name).display().to_string()
}

fn findings<'a>(v: &'a Value, verdict: &str) -> Vec<&'a Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["verdict"] == verdict)
        .collect()
}

/// The 1-based line of `doc` holding `needle`.
fn line_of(doc: &str, needle: &str) -> u64 {
    let text = std::fs::read_to_string(doc).unwrap();
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in {doc}")) as u64
        + 1
}

/// A contradiction of `subject` on `line`, checked against `against`.
fn contradiction<'a>(v: &'a Value, subject: &str, line: u64, against: &str) -> Option<&'a Value> {
    findings(v, "contradicted")
        .into_iter()
        .find(|f| f["subject"] == subject && f["line"] == line && f["against"] == against)
}

#[test]
fn seed_004_sixteen_hours_for_a_28_hour_window_is_contradicted() {
    let doc = seed("004_");
    let (v, code) = check_json(&[&doc]);
    assert_eq!(code, 1, "{v:#}");
    let line = line_of(&doc, "approximately 16 hours");
    let f = contradiction(&v, "duration", line, "document")
        .unwrap_or_else(|| panic!("no duration contradiction on line {line}: {v:#}"));
    assert_eq!(f["stated"], "16h 00m");
    // The window its own dates give; the nearest span it states (to the resolution
    // entry, 27 hours) is no closer to 16.
    let detail = f["detail"].as_str().unwrap();
    assert!(detail.contains("2023-06-07 14:00 UTC: 28h 00m"), "{detail}");
    assert!(detail.contains("off by 11h 00m"), "{detail}");
    assert!(f["claim"].as_str().unwrap().contains("16 hours"), "{f:#}");
    // The only contradiction in the document.
    assert_eq!(findings(&v, "contradicted").len(), 1, "{v:#}");
    assert_eq!(v["schema"], 1);
    assert_eq!(v["summary"]["contradicted"], 1);
}

#[test]
fn consistent_seeds_give_no_false_contradiction() {
    for prefix in ["000_", "001_", "002_", "003_"] {
        let doc = seed(prefix);
        let (v, code) = check_json(&[&doc]);
        assert_eq!(code, 0, "{doc}: {v:#}");
        assert!(findings(&v, "contradicted").is_empty(), "{doc}: {v:#}");
        // Each seed states a window, and the check found it.
        let subjects: Vec<&str> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["verdict"] == "confirmed")
            .map(|f| f["subject"].as_str().unwrap())
            .collect();
        assert!(
            subjects.contains(&"start") && subjects.contains(&"end"),
            "{doc}: {subjects:?}"
        );
    }
}

#[test]
fn seeds_with_a_timeline_have_it_in_order_across_midnight() {
    // Seed 001's timeline runs 10:00 PM → 12:00 AM → 2:00 AM: the dateless times move
    // to the next day and stay inside the stated window.
    let doc = seed("001_");
    let (v, _) = check_json(&[&doc]);
    let entries: Vec<&Value> = findings(&v, "confirmed")
        .into_iter()
        .filter(|f| f["subject"] == "timeline")
        .collect();
    assert_eq!(entries.len(), 7, "{v:#}");
    let midnight = entries
        .iter()
        .find(|f| f["claim"].as_str().unwrap().starts_with("12:00 AM"))
        .unwrap();
    assert_eq!(midnight["stated"], "2024-02-14 00:00 UTC");
}

#[test]
fn planted_errors_in_a_draft_are_each_found_against_the_logs() {
    let doc = path("tests/postmortems/lb-single-backend-planted.md");
    let logs = path("samples/lb-single-backend/logs");
    let (v, code) = check_json(&[&doc, &logs]);
    assert_eq!(code, 1, "{v:#}");

    // A wrong start: 21:30, where the logs show impact from 21:57:23.
    let f = contradiction(&v, "start", line_of(&doc, "Incident Start:"), "logs")
        .unwrap_or_else(|| panic!("wrong start not found: {v:#}"));
    assert_eq!(f["found"], "2024-02-13 21:57:23 UTC");
    // A wrong duration: 45 minutes, against the document's own window and the logs.
    let line = line_of(&doc, "impact lasted 45 minutes");
    assert!(
        contradiction(&v, "duration", line, "document").is_some(),
        "{v:#}"
    );
    let f = contradiction(&v, "duration", line, "logs").unwrap();
    assert_eq!(f["found"], "2h 03m");
    // A wrong share: 40% of clients, where 1,093 of 1,386 (78.9%) were hit.
    let f = contradiction(
        &v,
        "users affected",
        line_of(&doc, "40% of clients"),
        "logs",
    )
    .unwrap_or_else(|| panic!("wrong share not found: {v:#}"));
    assert_eq!(f["found"], "78.9%");
    // An entry out of order: the 22:05 acknowledgement listed after 22:40.
    assert!(
        contradiction(&v, "order", line_of(&doc, "22:05 —"), "document").is_some(),
        "{v:#}"
    );
    // Nothing else is contradicted.
    assert_eq!(findings(&v, "contradicted").len(), 6, "{v:#}");
}

#[test]
fn an_accurate_draft_written_from_the_truth_passes() {
    let doc = path("tests/postmortems/lb-single-backend-accurate.md");
    let logs = path("samples/lb-single-backend/logs");
    let (v, code) = check_json(&[&doc, &logs]);
    assert_eq!(code, 0, "{v:#}");
    assert!(findings(&v, "contradicted").is_empty(), "{v:#}");
    // Every marker and the trigger are in the draft: nothing omitted.
    assert!(findings(&v, "omitted").is_empty(), "{v:#}");
    let confirmed: Vec<&str> = findings(&v, "confirmed")
        .iter()
        .filter(|f| f["against"] == "logs")
        .map(|f| f["subject"].as_str().unwrap())
        .collect();
    for subject in [
        "start",
        "end",
        "duration",
        "error rate",
        "failed requests",
        "users affected",
        "root cause",
        "detection",
        "acknowledgement",
        "escalation",
        "mitigation",
        "resolution",
    ] {
        assert!(confirmed.contains(&subject), "{subject}: {confirmed:?}");
    }
    assert_eq!(
        v["logs"]["held_against"]["impact_start"],
        "2024-02-13T21:57:23.452Z"
    );
}

#[test]
fn seed_004_against_the_firewall_logs_contradicts_16_hours_and_lists_omissions() {
    let doc = seed("004_");
    let logs = path("samples/firewall-drop/logs");
    let (v, code) = check_json(&[&doc, &logs]);
    assert_eq!(code, 1, "{v:#}");
    let line = line_of(&doc, "approximately 16 hours");
    assert!(
        contradiction(&v, "duration", line, "logs").is_some(),
        "{v:#}"
    );
    // The firewall change is the trigger the document names.
    let cause = findings(&v, "confirmed")
        .into_iter()
        .find(|f| f["subject"] == "root cause")
        .unwrap_or_else(|| panic!("{v:#}"));
    assert!(
        cause["detail"].as_str().unwrap().contains("fw.change"),
        "{cause:#}"
    );
    // The escalation at 17:00:20 is in the logs, not in the document.
    let omitted: Vec<&str> = findings(&v, "omitted")
        .iter()
        .map(|f| f["subject"].as_str().unwrap())
        .collect();
    assert!(omitted.contains(&"escalation"), "{omitted:?}");
    // Traffic stopped: the share of users cannot be held against the logs.
    let users = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["subject"] == "users affected" && f["against"] == "logs")
        .unwrap();
    assert_eq!(users["verdict"], "unsupported");
}

#[test]
fn text_and_markdown_say_the_same_for_people() {
    let doc = seed("004_");
    let out = coroner().args(["check", &doc]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("All times UTC"), "{text}");
    let row = text
        .lines()
        .find(|l| l.contains("contradicted") && l.contains("duration"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(row.contains("\"approximately 16 hours\""), "{row}");
    assert!(text.contains("28h 00m"), "{text}");
    assert!(text.contains("1 contradicted, "), "{text}");

    let out = coroner()
        .args(["check", "--format", "markdown", &doc])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("| Line | Verdict | Subject | Claim | Against | What it says |"));
    assert!(
        md.contains("| **contradicted** | duration | “approximately 16 hours” |"),
        "{md}"
    );
}

#[test]
fn bad_postmortems_are_a_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let empty = write(dir.path(), "empty.md", b"");
    let binary = write(
        dir.path(),
        "core.bin",
        b"\x7fELF\x02\x01\x01\0\0\0\x03\0>\0",
    );
    let missing = dir.path().join("missing.md");
    for (p, says) in [
        (&empty, "empty"),
        (&binary, "not text"),
        (&missing, "reading the postmortem"),
    ] {
        let out = coroner()
            .args(["check", &p.display().to_string()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", p.display());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // A usage error of check is 2 too: 1 means contradicted.
    let out = coroner().args(["check", "--bogus"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_postmortem_without_dates_or_zone_is_checked_for_order_and_says_so() {
    let (_dir, doc) = temp_doc(
        "Timeline\n10:00: alert fired\n10:30: config rolled back\n10:10: engineer paged\n",
    );
    let (v, code) = check_json(&[&doc]);
    assert_eq!(code, 1, "{v:#}");
    let order = contradiction(&v, "order", 4, "document").unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(order["stated"], "10:10 UTC (no date)");
    let notes: Vec<&str> = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(notes.iter().any(|n| n.contains("read as UTC")), "{notes:?}");
    assert!(
        notes.iter().any(|n| n.contains("gives no date")),
        "{notes:?}"
    );
    assert_eq!(v["document"]["zone_from"], "assumed");

    // --tz gives the zone when the document names none.
    let (v, _) = check_json(&["--tz", "Europe/Berlin", &doc]);
    assert_eq!(v["document"]["zone"], "Europe/Berlin");
    assert_eq!(v["document"]["zone_from"], "option");
}

#[test]
fn tolerances_are_options() {
    // 82 minutes for 2:00 PM → 3:30 PM is within the default 10% (9 minutes), not within
    // 5% (4.5 minutes).
    let (_dir, doc) = temp_doc(
        "Duration: June 5, 2024, from 2:00 PM to 3:30 PM UTC. This 82-minute outage hurt.\n",
    );
    let (v, code) = check_json(&[&doc]);
    assert_eq!(code, 0, "{v:#}");
    let (v, code) = check_json(&["--duration-tolerance", "5", &doc]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["tolerances"]["duration_ratio"], 0.05);
}
