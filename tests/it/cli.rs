//! The binary, driven as users drive it: stdin, directories, compression, damage, exit
//! codes, pipes.

use std::io::Write;
use std::process::{Command as Std, Stdio};

use crate::support::{coroner, corpus, events_cli, gzip, timeline_json, write};

const HAPROXY: &str = "haproxy/generated-haproxy-2.6-rsyslog-traditional.log";
const ETCD: &str = "etcd/generated-etcd-3.4.23-zap-n2.log";

/// Output times carry each source's precision: compare them as instants, not as text.
fn instant(ts: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(ts)
        .unwrap()
        .timestamp_nanos_opt()
        .unwrap()
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(corpus(rel)).unwrap()
}

fn source<'a>(v: &'a serde_json::Value, suffix: &str) -> &'a serde_json::Value {
    v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["input"].as_str().unwrap().ends_with(suffix))
        .unwrap_or_else(|| panic!("no source {suffix} in {v}"))
}

#[test]
fn stdin_is_read_when_no_input_is_given_and_with_dash() {
    for args in [vec!["timeline", "--json"], vec!["timeline", "--json", "-"]] {
        let out = coroner()
            .args(&args)
            .write_stdin(read(HAPROXY))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let s = &v["sources"][0];
        assert_eq!(s["input"], "-");
        assert_eq!(s["format"], "haproxy_http");
        assert_eq!(s["lines"], 351);
        assert_eq!(s["parsed"], 351);
        assert_eq!(s["rejected"], 0);
    }
}

#[test]
fn a_directory_of_mixed_files_becomes_one_ordered_timeline() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "lb/haproxy.log", &read(HAPROXY));
    write(dir.path(), "etcd/n2.log", &read(ETCD));
    write(
        dir.path(),
        "nginx/access.log",
        &read("nginx_access/generated-nginx-1.22-combined.log"),
    );
    let (v, code) = timeline_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(source(&v, "haproxy.log")["format"], "haproxy_http");
    assert_eq!(source(&v, "n2.log")["format"], "etcd");
    assert_eq!(source(&v, "access.log")["format"], "nginx_access");
    // stable order: the walk is sorted by name
    let names: Vec<&str> = v["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["input"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let ts: Vec<i64> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| instant(e["ts"].as_str().unwrap()))
        .collect();
    assert!(ts.len() > 10);
    assert!(ts.windows(2).all(|w| w[0] <= w[1]), "timeline out of order");
    for s in v["sources"].as_array().unwrap() {
        assert_eq!(
            s["lines"].as_u64(),
            Some(s["parsed"].as_u64().unwrap() + s["rejected"].as_u64().unwrap())
        );
    }
}

#[test]
fn every_member_of_a_multi_member_gzip_is_read() {
    let text = read(HAPROXY);
    let half = text.len() / 2;
    let cut = half + text[half..].iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut data = gzip(&text[..cut]);
    data.extend(gzip(&text[cut..]));
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "rotated.log.gz", &data);
    let (v, code) = timeline_json(&[p.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(v["sources"][0]["lines"], 351);
    assert_eq!(v["sources"][0]["compression"], "gzip");
}

#[test]
fn compression_is_found_by_magic_not_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let z = zstd::encode_all(&read(ETCD)[..], 3).unwrap();
    let p1 = write(dir.path(), "etcd.log", &z); // zstd without a .zst name
    let p2 = write(dir.path(), "plain.gz", &read(HAPROXY)); // plain text named .gz
    let (v, code) = timeline_json(&[p1.to_str().unwrap(), p2.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(source(&v, "etcd.log")["compression"], "zstd");
    assert_eq!(source(&v, "etcd.log")["format"], "etcd");
    assert_eq!(source(&v, "plain.gz")["compression"], "plain");
    assert_eq!(source(&v, "plain.gz")["parsed"], 351);
}

#[test]
fn a_truncated_gzip_yields_the_lines_before_the_damage_and_exit_2() {
    let whole = gzip(&read(HAPROXY));
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "cut.log.gz", &whole[..whole.len() * 2 / 3]);
    let other = write(dir.path(), "ok.log", &read(ETCD));
    let out = coroner()
        .args(["timeline", "--json"])
        .arg(&p)
        .arg(&other)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cut.log.gz"), "{err}");
    assert!(err.contains("byte"), "names the offset: {err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = source(&v, "cut.log.gz");
    let lines = s["lines"].as_u64().unwrap();
    assert!(lines > 100 && lines < 351, "{lines}");
    assert!(s["damage"].as_str().unwrap().contains("gzip"));
    assert_eq!(
        source(&v, "ok.log")["rejected"],
        0,
        "the other input is still read"
    );
}

#[test]
fn unreadable_inputs_are_reported_and_the_rest_is_read() {
    let out = coroner()
        .args(["timeline", "--json", "/nonexistent/file.log"])
        .arg(corpus(ETCD))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/file.log"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["sources"].as_array().unwrap().len(), 1);
}

#[test]
fn invalid_utf8_and_overlong_lines_are_counted_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = read(ETCD);
    data.extend_from_slice(b"{\"level\":\"info\",\"ts\":\"2026-11-21T04:30:00.000Z\",\"msg\":\"bad \xff\xfe bytes\"}\n");
    data.extend_from_slice(format!("{}\n", "x".repeat(5000)).as_bytes());
    let p = write(dir.path(), "damaged.log", &data);
    let out = coroner()
        .args(["timeline", "--json", "--max-line", "4096"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["sources"][0];
    assert_eq!(s["invalid_utf8"], 1);
    assert_eq!(s["cut_lines"], 1);
    assert_eq!(s["lines"], 145);
    assert_eq!(s["rejected"], 1, "the cut line does not parse");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("invalid UTF-8") && err.contains("cut"),
        "{err}"
    );
}

#[test]
fn mixed_formats_on_stdin_are_detected_line_by_line() {
    let mut data = read(HAPROXY);
    data.extend(read(ETCD));
    data.extend(read("syslog_rfc3164/lnav-logfile_syslog.log"));
    let out = coroner()
        .args(["timeline", "--json", "-"])
        .write_stdin(data)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &v["sources"][0]["formats"];
    assert_eq!(f["haproxy_http"], 351);
    assert_eq!(f["etcd"], 143);
    assert_eq!(f["syslog_rfc3164"], 4);
    assert_eq!(v["sources"][0]["rejected"], 0);
}

/// Lines out of order are flagged as they arrive (reordered; late past the window),
/// through the lines each source's thread writes; `--notable` is the whole stream,
/// filtered, in the same order.
#[test]
fn events_flag_what_arrived_out_of_order_and_notable_is_the_stream_filtered() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(
        dir.path(),
        "app.log",
        b"2024-03-01T10:00:00Z host app[1]: error: disk full\n\
          2024-03-01T10:00:05Z host app[1]: info: tick\n\
          2024-03-01T10:00:02Z host app[1]: error: late by three seconds\n\
          2024-03-01T10:01:00Z host app[1]: info: tick\n\
          2024-03-01T10:00:03Z host app[1]: error: disk full, later than the window\n\
          2024-03-01T10:01:01Z host app[1]: warning: last\n",
    );
    // Another source's notable event falls between the late line's time and its place.
    let other = write(
        dir.path(),
        "other.log",
        b"2024-03-01T10:00:04Z other app[2]: error: disk full on b\n",
    );
    let (path, other) = (log.to_str().unwrap(), other.to_str().unwrap());
    let all = events_cli(&["--reorder-window", "10s", path, other]);
    let said = |e: &serde_json::Value| e["message"].as_str().unwrap().to_string();
    let flags = |e: &serde_json::Value| e.get("time").cloned().unwrap_or_default().to_string();
    let order: Vec<String> = all.iter().map(said).collect();
    assert_eq!(all.len(), 7, "{order:?}");
    let late = all.iter().find(|e| said(e).contains("later than")).unwrap();
    assert!(flags(late).contains("\"late\""), "{late}");
    let moved = all
        .iter()
        .find(|e| said(e).contains("three seconds"))
        .unwrap();
    assert!(
        flags(moved).contains("\"reordered\"") && !flags(moved).contains("\"late\""),
        "{moved}"
    );
    // Put back in place: after 10:00:00, before 10:00:05.
    let at = |needle: &str| order.iter().position(|m| m.contains(needle)).unwrap();
    assert!(at("disk full") < at("three seconds") && at("three seconds") < at("tick"));

    let notable = events_cli(&["--notable", "--reorder-window", "10s", path, other]);
    let kept: Vec<&serde_json::Value> = all.iter().filter(|e| e["severity"] != "info").collect();
    assert_eq!(notable.iter().collect::<Vec<_>>(), kept);
}

#[test]
fn events_are_ndjson_in_time_order() {
    let out = coroner()
        .args(["events"])
        .arg(corpus(HAPROXY))
        .arg(corpus("nginx_access/generated-nginx-1.22-combined.log"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let events: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 351 + 378);
    let ts: Vec<i64> = events
        .iter()
        .map(|e| instant(e["ts"].as_str().unwrap()))
        .collect();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]));
    let e = &events[0];
    for key in [
        "ts", "ts_raw", "source", "line", "format", "kind", "severity", "message",
    ] {
        assert!(e.get(key).is_some(), "missing {key}: {e}");
    }
    // nginx wrote +0100: its stamps are honoured, not assumed
    let n = events
        .iter()
        .find(|e| e["format"] == "nginx_access")
        .unwrap();
    assert!(n["ts_raw"].as_str().unwrap().ends_with("+0100"));
    assert!(
        n.get("time").is_none(),
        "offset given, nothing assumed: {n}"
    );
}

#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let line = std::str::from_utf8(&read(HAPROXY))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string()
        + "\n";
    let big = write(dir.path(), "big.log", line.repeat(200_000).as_bytes());
    let bin = assert_cmd::cargo::cargo_bin("coroner");
    let out = Std::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' events '{}' | head -n 1; echo \"status=${{PIPESTATUS:-x}}\"",
            bin.display(),
            big.display()
        ))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.is_empty(), "stderr should be quiet: {err}");
    let mut child = Std::new(&bin)
        .args(["events"])
        .arg(&big)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    use std::io::Read;
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn yearless_syslog_takes_year_from_flag_and_rolls_over_at_new_year() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "syslog",
        b"Dec 31 23:59:58 h app[1]: Stopped before midnight\nJan  1 00:00:02 h app[1]: Stopped after midnight\n",
    );
    let (v, _) = timeline_json(&["--year", "2023", p.to_str().unwrap()]);
    let ts: Vec<&str> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ts"].as_str().unwrap())
        .collect();
    assert_eq!(ts, ["2023-12-31T23:59:58Z", "2024-01-01T00:00:02Z"]);
    assert_eq!(v["sources"][0]["time"]["year_rollovers"], 1);
}

#[test]
fn yearless_syslog_takes_year_from_other_sources_then_gzip_mtime() {
    let dir = tempfile::tempdir().unwrap();
    let sys = b"Nov 21 04:25:00 lb01 systemd[1]: Stopped Suricata IDS.\n";
    let p = write(dir.path(), "syslog", sys);
    let (v, _) = timeline_json(&[p.to_str().unwrap(), corpus(ETCD).to_str().unwrap()]);
    let e = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["kind"] == "service.stopped"
                && e["evidence"][0]["text"]
                    .as_str()
                    .unwrap()
                    .contains("Suricata")
        })
        .unwrap();
    assert_eq!(e["ts"], "2026-11-21T04:25:00Z");
    assert_eq!(
        source(&v, "syslog")["time"]["year_from"],
        "other sources' dates"
    );

    // alone, gzip'd with a header mtime in 2019: the year comes from the header
    let mut gz = flate2::GzBuilder::new()
        .mtime(1_574_400_000)
        .write(Vec::new(), flate2::Compression::default()); // 2019-11-22
    gz.write_all(sys).unwrap();
    let g = write(dir.path(), "syslog.1.gz", &gz.finish().unwrap());
    let (v, _) = timeline_json(&[g.to_str().unwrap()]);
    assert_eq!(v["timeline"][0]["ts"], "2019-11-21T04:25:00Z");
    assert_eq!(v["sources"][0]["time"]["year_from"], "gzip header mtime");
}

#[test]
fn tz_applies_to_naive_stamps_only() {
    let (v, _) = timeline_json(&["--tz", "Europe/Berlin", corpus(HAPROXY).to_str().unwrap()]);
    // 04:24:50 Berlin (CET, +1) is 03:24:50 UTC
    let down = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "lb.backend_down")
        .unwrap();
    assert_eq!(down["ts"], "2026-11-21T03:24:50Z");
    assert_eq!(v["sources"][0]["tz"], "Europe/Berlin");
    let out = coroner()
        .args(["timeline", "--tz", "Mars/Base"])
        .arg(corpus(HAPROXY))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("IANA"));
}

#[test]
fn rejects_are_written_with_source_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = read(ETCD);
    data.extend_from_slice(b"this is not a log line\n");
    let p = write(dir.path(), "x.log", &data);
    let rej = dir.path().join("rejects.tsv");
    let out = coroner()
        .args(["timeline", "--rejects"])
        .arg(&rej)
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let r = std::fs::read_to_string(&rej).unwrap();
    assert_eq!(r.lines().count(), 1);
    assert!(
        r.contains("\t144\t") && r.ends_with("this is not a log line\n"),
        "{r}"
    );
}

#[test]
fn skew_shifts_a_source_and_says_so() {
    let (v, _) = timeline_json(&[
        "--skew",
        "*haproxy*=-2.5s",
        corpus(HAPROXY).to_str().unwrap(),
    ]);
    let down = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "lb.backend_down")
        .unwrap();
    assert_eq!(down["ts"], "2026-11-21T04:24:47.500Z");
    assert_eq!(v["sources"][0]["time"]["skew_s"], -2.5);
}

#[test]
fn text_timeline_states_utc_and_accounts_for_lines() {
    let out = coroner()
        .arg("timeline")
        .arg(corpus(HAPROXY))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("Timeline (UTC)"), "{text}");
    assert!(text.contains("lb.no_server"));
    assert!(text.contains("Sources (times UTC)"));
    assert!(!text.contains('\u{1b}'), "no colour when not a terminal");
}

/// Regression: the totals row can be wider than every source row (it once underflowed
/// the padding and panicked).
#[test]
fn totals_wider_than_any_source_are_aligned() {
    let dir = tempfile::tempdir().unwrap();
    let line = std::str::from_utf8(&read(ETCD))
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_string()
        + "\n";
    let a = write(dir.path(), "a.log", line.repeat(600).as_bytes());
    let b = write(dir.path(), "b.log", line.repeat(600).as_bytes());
    let out = coroner().arg("timeline").arg(&a).arg(&b).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let total = text
        .lines()
        .find(|l| l.trim_start().starts_with("total"))
        .unwrap();
    assert!(total.contains("1,200"), "{total}");
}

#[test]
fn detect_and_formats_answer() {
    let out = coroner()
        .arg("detect")
        .arg(corpus(HAPROXY))
        .arg(corpus(ETCD))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("haproxy_http") && text.contains("etcd") && text.contains("100.0%"),
        "{text}"
    );
    let out = coroner().args(["formats", "--json"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == "syslog_rfc3164" && f["origin"] == "built-in"));
}

#[test]
fn bad_options_are_fatal_with_a_clear_word() {
    for args in [
        vec!["timeline", "--since", "yesterday-ish", "x"],
        vec!["timeline", "--log-format", "nope", "x"],
        vec!["timeline", "--skew", "noequals", "x"],
        vec!["nosuchcommand"],
    ] {
        let out = coroner().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
}

/// With a core to spare (`-j 2`, one log), a gzip'd log decodes on a thread of its own
/// ahead of its parsing; with `-j 1` it decodes inline. The timeline is the same, and so
/// is damage: the lines before it, the offset, the exit code.
#[test]
fn decoding_ahead_on_a_spare_core_changes_nothing() {
    let logs = crate::support::root().join("samples/lb-single-backend/logs/lb1");
    let mut text = Vec::new();
    for old in [
        "haproxy.log.5.gz",
        "haproxy.log.4.gz",
        "haproxy.log.3.gz",
        "haproxy.log.2.gz",
    ] {
        use std::io::Read;
        let gz = std::fs::read(logs.join(old)).unwrap();
        flate2::read::MultiGzDecoder::new(&gz[..])
            .read_to_end(&mut text)
            .unwrap();
    }
    for plain in ["haproxy.log.1", "haproxy.log"] {
        text.extend(std::fs::read(logs.join(plain)).unwrap());
    }
    let whole = gzip(&text);
    assert!(
        text.len() > 2 * 256 * 1024,
        "more than one read-ahead buffer"
    );
    let dir = tempfile::tempdir().unwrap();
    let ok = write(dir.path(), "lb1.log.gz", &whole);
    let cut = write(dir.path(), "cut.log.gz", &whole[..whole.len() * 2 / 3]);
    for p in [ok, cut] {
        let run = |j: &str| {
            coroner()
                .args(["timeline", "--json", "-j", j])
                .arg(&p)
                .output()
                .unwrap()
        };
        let (inline, ahead) = (run("1"), run("2"));
        assert_eq!(inline.status.code(), ahead.status.code(), "{}", p.display());
        assert_eq!(
            String::from_utf8_lossy(&inline.stderr),
            String::from_utf8_lossy(&ahead.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&ahead.stdout).unwrap();
        assert!(v["sources"][0]["lines"].as_u64().unwrap() > 1000);
        assert!(
            inline.stdout == ahead.stdout,
            "{}: the timelines differ",
            p.display()
        );
    }
}
