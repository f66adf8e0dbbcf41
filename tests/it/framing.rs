//! Sources whose records are not one per line, on the real corpus: Kubernetes EventList
//! documents (`kubectl get events -o json|yaml`), journal exports (`journalctl -o export`)
//! and Zeek TSV logs, whose `#fields` headers are per-source state. Every physical line is
//! counted once; damage is said with its byte offset, and what came before it is kept.

use std::collections::BTreeMap;
use std::path::Path;

use coroner::event::Event;
use coroner::scan::SourceStats;
use coroner::{read, Config};

use crate::corpus::args;
use crate::support::{coroner, corpus, timeline_json, write};

const ETCD_JSON: &str = "k8s_events_json/mg-aws-openshift-etcd-events.json.gz";
const ETCD_YAML: &str = "k8s_events_json/mg-aws-openshift-etcd-events.yaml.gz";
const KCM_JSON: &str = "k8s_events_json/mg-aws-openshift-kube-controller-manager-events.json.gz";
const KCM_YAML: &str = "k8s_events_json/mg-aws-openshift-kube-controller-manager-events.yaml.gz";
const INSIGHTS: &str = "k8s_events_json/insights-sample-events-openshift-machine-api.json";
const EXPORT: &str = "journald_json/generated-systemd-252-journalctl-o-export.export";
const JOURNAL_JSON: &str = "journald_json/generated-systemd-252-journalctl-o-json.json";

/// A file's bytes, gunzipped when gzip'd.
fn bytes(path: &Path) -> Vec<u8> {
    let data = std::fs::read(path).unwrap();
    if !data.starts_with(&[0x1f, 0x8b]) {
        return data;
    }
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(&data[..])
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn text(rel: &str) -> String {
    String::from_utf8(bytes(&corpus(rel))).unwrap()
}

/// Physical lines, as the line reader counts them.
fn physical_lines(b: &[u8]) -> u64 {
    let n = b.iter().filter(|&&c| c == b'\n').count() as u64;
    n + u64::from(!b.is_empty() && !b.ends_with(b"\n"))
}

/// Reads one input through the library: its stats and every event.
fn run(path: &Path) -> (SourceStats, Vec<Event>) {
    let cfg = Config::from_args(&args(vec![path.display().to_string()]), 0).unwrap();
    let mut events = Vec::new();
    let (run, _) = read(&cfg, true, |e| {
        events.push(e);
        Ok::<(), ()>(())
    })
    .unwrap();
    let s = run.sources.into_iter().next().unwrap();
    assert_eq!(
        s.lines,
        s.parsed + s.rejected,
        "{}: accounting",
        path.display()
    );
    (s, events)
}

fn reason(e: &Event) -> &str {
    e.fields
        .get("reason")
        .and_then(|r| r.as_str())
        .unwrap_or("")
}

fn count<'a>(it: impl Iterator<Item = &'a str>) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for k in it {
        *m.entry(k.to_string()).or_default() += 1;
    }
    m
}

/// The EventLists give one event per item, each at the line where its item starts, with
/// the kinds their reasons say; JSON and YAML of the same list agree.
#[test]
fn event_lists_give_one_event_per_item_in_json_and_yaml() {
    for (json, yaml) in [(ETCD_JSON, ETCD_YAML), (KCM_JSON, KCM_YAML)] {
        let mut seen = Vec::new();
        for (rel, item_start) in [(json, "        {"), (yaml, "- ")] {
            let doc = text(rel);
            let lines: Vec<&str> = doc.lines().collect();
            let items = lines.iter().filter(|l| l.starts_with(item_start)).count();
            let said = |r: &str| {
                doc.matches(&format!("\"reason\": \"{r}\""))
                    .count()
                    .max(doc.matches(&format!("\n  reason: {r}\n")).count())
            };
            let (s, events) = run(&corpus(rel));
            assert_eq!(s.format.as_deref(), Some("k8s_events_json"), "{rel}");
            assert_eq!(s.lines, physical_lines(doc.as_bytes()), "{rel}");
            assert_eq!((s.parsed, s.rejected), (s.lines, 0), "{rel}");
            assert_eq!(s.damage, None, "{rel}");
            assert_eq!(events.len(), items, "{rel}: one event per item");
            for e in &events {
                let at = lines[e.line as usize - 1];
                assert!(at.starts_with(item_start), "{rel}:{}: {at}", e.line);
            }
            let reasons = count(events.iter().map(reason));
            let kinds = count(events.iter().map(|e| &*e.kind));
            for r in ["Killing", "Unhealthy", "LeaderElection", "Started"] {
                assert_eq!(reasons.get(r).copied().unwrap_or(0), said(r), "{rel}: {r}");
            }
            let get = |k: &str| kinds.get(k).copied().unwrap_or(0);
            assert_eq!(get("service.stopped"), said("Killing"), "{rel}: {kinds:?}");
            assert_eq!(get("orch.leader_elected"), said("LeaderElection"), "{rel}");
            assert_eq!(get("service.started"), said("Started"), "{rel}");
            assert!(
                events.windows(2).all(|w| w[0].ts <= w[1].ts),
                "{rel}: a document's events come in time order"
            );
            let mut same: Vec<_> = events
                .iter()
                .map(|e| (e.ts, e.kind.to_string(), e.message.clone()))
                .collect();
            same.sort();
            seen.push(same);
        }
        assert_eq!(seen[0], seen[1], "{json} and {yaml} differ");
    }
    // the counts the corpus is known for
    let (_, etcd) = run(&corpus(ETCD_YAML));
    let (_, kcm) = run(&corpus(KCM_JSON));
    assert_eq!((etcd.len(), kcm.len()), (242, 303));
    assert_eq!(etcd.iter().filter(|e| reason(e) == "Unhealthy").count(), 15);
    assert_eq!(kcm.iter().filter(|e| reason(e) == "Killing").count(), 36);
    assert_eq!(
        kcm.iter().filter(|e| reason(e) == "LeaderElection").count(),
        11
    );
}

#[test]
fn the_insights_event_list_keeps_its_offsets() {
    let (s, events) = run(&corpus(INSIGHTS));
    assert_eq!((s.lines, s.parsed), (18, 18));
    let got: Vec<_> = events
        .iter()
        .map(|e| (e.line, e.ts_raw.as_str(), e.severity.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (3, "2022-08-24T11:40:44+02:00", "warning"),
            (10, "2022-08-24T11:41:05+02:00", "warning")
        ]
    );
    assert_eq!(events[0].ts, 1_661_334_044_000_000_000);
}

#[test]
fn an_event_list_on_stdin_is_read_as_a_document() {
    let out = coroner()
        .args(["timeline", "--json", "-"])
        .write_stdin(bytes(&corpus(KCM_YAML)))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["sources"][0];
    assert_eq!(s["format"], "k8s_events_json");
    assert_eq!(s["lines"], 8252);
    assert_eq!(s["parsed"], 8252);
    assert_eq!(s["formats"]["k8s_events_json"], 303);
}

/// A document cut short keeps the items before the cut; the lines from the damaged item
/// on are rejected, one `--rejects` row each, and the damage is said with its offset.
#[test]
fn a_damaged_event_list_keeps_what_came_before_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let json = text(ETCD_JSON);
    let cut = &json[..json.len() / 2];
    let complete = cut
        .lines()
        .filter(|l| *l == "        }," || *l == "        }")
        .count();
    let mut yaml = text(ETCD_YAML);
    let bad = yaml.find("\n  reason: Killing\n").unwrap();
    yaml.insert_str(bad + 1, "  message: \"unterminated\n   x: [\n");
    let yaml_complete = yaml[..bad].lines().filter(|l| l.starts_with("- ")).count() - 1;
    for (name, doc, items) in [
        ("cut.json", cut.to_string(), complete),
        ("bad.yaml", yaml, yaml_complete),
    ] {
        let path = write(dir.path(), name, doc.as_bytes());
        let rejects = dir.path().join(format!("{name}.rejects"));
        let (v, code) = timeline_json(&[
            "--rejects",
            rejects.to_str().unwrap(),
            path.to_str().unwrap(),
        ]);
        assert_eq!(code, 2, "{name}: damaged input exits 2");
        let s = &v["sources"][0];
        let lines = physical_lines(doc.as_bytes());
        assert_eq!(s["lines"], lines, "{name}");
        let (parsed, rejected) = (
            s["parsed"].as_u64().unwrap(),
            s["rejected"].as_u64().unwrap(),
        );
        assert_eq!(parsed + rejected, lines, "{name}");
        assert!(rejected > 0, "{name}");
        assert_eq!(s["formats"]["k8s_events_json"], items as u64, "{name}: {s}");
        let damage = s["damage"].as_str().unwrap();
        assert!(
            damage.contains("document damaged at byte"),
            "{name}: {damage}"
        );
        let rows = std::fs::read_to_string(&rejects).unwrap();
        assert_eq!(
            rows.lines().count() as u64,
            rejected,
            "{name}: one row per line"
        );
        let first: Vec<&str> = rows.lines().next().unwrap().split('\t').collect();
        assert!(first[2].starts_with("damaged"), "{name}: {first:?}");
    }
}

/// The journal export gives the very events of the same journal as `-o json`, each at
/// the line where its entry starts, and every physical line (binary values hold newlines)
/// is read.
#[test]
fn a_journal_export_reads_as_its_json_export() {
    let raw = bytes(&corpus(EXPORT));
    let (s, export) = run(&corpus(EXPORT));
    let (_, json) = run(&corpus(JOURNAL_JSON));
    assert_eq!(s.format.as_deref(), Some("journald_json"));
    assert_eq!(s.lines, physical_lines(&raw));
    assert_eq!((s.parsed, s.rejected, s.invalid_utf8), (4784, 0, 0));
    let key = |e: &Event| {
        (
            e.ts,
            e.kind.to_string(),
            e.message.clone(),
            e.host.clone(),
            e.component.clone(),
        )
    };
    assert_eq!(export.len(), 193);
    assert_eq!(
        export.iter().map(key).collect::<Vec<_>>(),
        json.iter().map(key).collect::<Vec<_>>()
    );
    let lines: Vec<&[u8]> = raw.split(|&b| b == b'\n').collect();
    for e in &export {
        assert!(
            lines[e.line as usize - 1].starts_with(b"__CURSOR="),
            "{}",
            e.line
        );
    }
}

#[test]
fn a_cut_journal_export_is_damage_with_every_line_counted() {
    let raw = bytes(&corpus(EXPORT));
    let at = raw.windows(11).position(|w| w == b"SYSLOG_RAW\n").unwrap() + 11 + 12;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "cut.export", &raw[..at]);
    let (v, code) = timeline_json(&[path.to_str().unwrap()]);
    assert_eq!(code, 2);
    let s = &v["sources"][0];
    assert_eq!(s["lines"], physical_lines(&raw[..at]));
    assert_eq!(
        s["parsed"].as_u64().unwrap() + s["rejected"].as_u64().unwrap(),
        physical_lines(&raw[..at])
    );
    let damage = s["damage"].as_str().unwrap();
    assert!(
        damage.contains("binary field SYSLOG_RAW") && damage.contains("at byte"),
        "{damage}"
    );
    assert!(s["formats"]["journald_json"].as_u64().unwrap() > 0);
}

/// One stream of several Zeek logs: each header block replaces the one before, so every
/// data line is named by its own log's `#fields`; a data line before any header is not.
#[test]
fn zeek_headers_are_per_source_state() {
    let parts = [
        "zeek_tsv/lnav-logfile_bro_conn.log",
        "zeek_tsv/zed-sample-data-notice.log",
        "zeek_tsv/lnav-logfile_bro_http.log",
        "zeek_tsv/zed-sample-data-weird-first3000.log.gz",
    ];
    let mut stream = Vec::new();
    let mut data_lines = Vec::new();
    for p in parts {
        let t = text(p);
        data_lines.push(t.lines().filter(|l| !l.starts_with('#')).count());
        stream.extend_from_slice(t.as_bytes());
    }
    // a data line with no header before it
    let orphan = text(parts[0]).lines().nth(9).unwrap().to_string() + "\n";
    let mut all = orphan.into_bytes();
    all.extend(stream);
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "zeek-stream.log", &all);
    let (s, events) = run(&path);
    assert_eq!(s.format.as_deref(), Some("zeek_tsv"));
    assert_eq!(s.lines, physical_lines(&all));
    assert_eq!(s.rejected, 1, "{:?}", s.reject_examples);
    assert_eq!(s.reject_examples[0].line, 1);
    let kinds = count(events.iter().map(|e| &*e.kind));
    assert_eq!(kinds["ids.alert"], data_lines[1], "{kinds:?}");
    assert_eq!(kinds["http.request"], data_lines[2]);
    assert_eq!(kinds["ids.anomaly"], data_lines[3]);
    assert_eq!(s.requests as usize, data_lines[2]);
    let notice = events.iter().find(|e| &*e.kind == "ids.alert").unwrap();
    assert_eq!(
        notice.component.as_deref(),
        Some("SSL::Invalid_Server_Cert")
    );
    assert_eq!(notice.fields["id.resp_p"], 443);
    assert_eq!(notice.fields["_path"], "notice");
    let conn = events
        .iter()
        .find(|e| e.fields.get("_path") == Some(&"conn".into()))
        .unwrap();
    assert_eq!(conn.fields["tunnel_parents"], serde_json::json!([]));
    assert!(
        !conn.fields.contains_key("service"),
        "unset fields are absent"
    );
}

/// A log line that opens with a bracket is a log line, not a JSON document.
#[test]
fn a_line_starting_with_a_bracket_is_not_a_document() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "app.log",
        b"[2024-04-04 22:00:01] ERROR boom\n[2024-04-04 22:00:02] INFO ok\n",
    );
    let (s, _) = run(&path);
    assert_eq!((s.lines, s.rejected), (2, 2));
    assert_eq!(s.damage, None);
}

/// Documents and exports cut anywhere: no panic, every line counted.
#[test]
fn framed_sources_cut_anywhere_are_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    for rel in [INSIGHTS, KCM_JSON, KCM_YAML, EXPORT] {
        let all = bytes(&corpus(rel));
        for i in 1..=12 {
            let at = all.len() * i / 13 + i * 7 % 5;
            let cut = &all[..at.min(all.len())];
            let path = write(dir.path(), &format!("cut{i}"), cut);
            let (s, _) = run(&path);
            assert_eq!(s.lines, physical_lines(cut), "{rel} cut at {at}");
        }
    }
}

mod props {
    use coroner::input::document::{self, Shape};
    use coroner::input::export::ExportReader;
    use coroner::input::{count_lines, Chunk};
    use proptest::prelude::*;

    /// Chunks cover every line once, in order.
    fn covered(chunks: &[Chunk]) -> u64 {
        let mut next = 1;
        for c in chunks {
            assert!(c.lines == 0 || c.line <= next, "gap before {c:?}");
            next += c.lines;
        }
        next - 1
    }

    /// Bytes that look like a document or an export more often than noise does.
    fn near(shape: u8) -> impl Strategy<Value = Vec<u8>> {
        let pieces: &[&[u8]] = match shape {
            0 => &[
                b"{",
                b"}",
                b"[",
                b"]",
                b"\"items\"",
                b":",
                b",",
                b"\"a\"",
                b"1",
                b"\n",
                b" ",
                b"null",
                b"\"x\\",
                b"\xff",
            ],
            1 => &[
                b"items:\n",
                b"- ",
                b"  ",
                b"a: ",
                b"\"q",
                b"'",
                b"&x ",
                b"*x",
                b"[",
                b"]",
                b"{",
                b"}",
                b"\n",
                b"---\n",
                b"|\n",
                b"\t",
                b"\xc3",
            ],
            _ => &[
                b"__CURSOR=1\n",
                b"MESSAGE=x\n",
                b"DATA\n",
                b"\x03\0\0\0\0\0\0\0",
                b"\x0a\0\0\0\0\0\0\0",
                b"abc",
                b"\n",
                b"=",
                b"\xff\xff\xff\xff\xff\xff\xff\xff",
            ],
        };
        let pieces: Vec<Vec<u8>> = pieces.iter().map(|p| p.to_vec()).collect();
        prop::collection::vec(prop::sample::select(pieces), 0..60).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn json_documents_of_any_bytes_are_accounted_for(b in near(0)) {
            prop_assert_eq!(covered(&document::read(&b, Shape::Json)), count_lines(&b));
        }

        #[test]
        fn yaml_documents_of_any_bytes_are_accounted_for(b in near(1)) {
            prop_assert_eq!(covered(&document::read(&b, Shape::Yaml)), count_lines(&b));
        }

        #[test]
        fn exports_of_any_bytes_are_accounted_for(b in near(2)) {
            let chunks: Vec<Chunk> = ExportReader::new(&b[..], 64).collect();
            prop_assert_eq!(covered(&chunks), count_lines(&b));
        }

        #[test]
        fn noise_is_accounted_for(b in prop::collection::vec(any::<u8>(), 0..400)) {
            prop_assert_eq!(covered(&document::read(&b, Shape::Json)), count_lines(&b));
            prop_assert_eq!(covered(&document::read(&b, Shape::Yaml)), count_lines(&b));
            let chunks: Vec<Chunk> = ExportReader::new(&b[..], 64).collect();
            prop_assert_eq!(covered(&chunks), count_lines(&b));
        }
    }
}

/// An Opsgenie alert-log response as the API pretty-prints it is a document; its `data`
/// entries become events. An OSSEC alerts.log record spans several lines.
#[test]
fn documented_multi_line_shapes_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let logs = r#"{
    "data": [
        {
            "log": "Alert acknowledged via web",
            "type": "system",
            "owner": "john.doe@example.com",
            "createdAt": "2017-09-12T13:47:34.589Z",
            "offset": "1505224054589_1505224054589000000"
        },
        {
            "log": "Viewed on [web]",
            "type": "alertRecipient",
            "owner": "john.doe@example.com",
            "createdAt": "2017-09-12T13:46:01.271Z",
            "offset": "1505223961271_1505223961271000000"
        }
    ],
    "took": 0.041,
    "requestId": "6df7ab1e-2f0e-4a6b-9a8c-2e0d5b9a1c3f"
}
"#;
    let (s, events) = run(&write(dir.path(), "opsgenie-logs.json", logs.as_bytes()));
    assert_eq!(s.format.as_deref(), Some("opsgenie"));
    assert_eq!((s.lines, s.parsed), (20, 20));
    let kinds: Vec<_> = events
        .iter()
        .map(|e| (e.line, e.kind.to_string()))
        .collect();
    assert_eq!(kinds, [(1, "log".into()), (1, "page.acknowledged".into())]);

    let alerts = "** Alert 1388966567.30521: - syslog,sshd,authentication_failed,\n\
        2014 Jan 06 00:02:47 ossec-server->/var/log/auth.log\n\
        Rule: 5716 (level 5) -> 'SSHD authentication failed.'\n\
        Src IP: 192.168.1.10\n\
        Jan  6 00:02:46 ossec-server sshd[1234]: Failed password for root from 192.168.1.10 port 50420 ssh2\n\
        \n\
        ** Alert 1388966600.31017: mail  - ossec,syscheck,\n\
        2014 Jan 06 00:03:20 (web01) 192.168.1.20->syscheck\n\
        Rule: 550 (level 7) -> 'Integrity checksum changed.'\n\
        \n";
    let (s, events) = run(&write(dir.path(), "alerts.log", alerts.as_bytes()));
    assert_eq!(s.format.as_deref(), Some("ossec_alerts"));
    assert_eq!((s.lines, s.parsed, s.continued), (10, 10, 8));
    let got: Vec<_> = events
        .iter()
        .map(|e| (e.line, e.kind.to_string()))
        .collect();
    assert_eq!(got, [(1, "ids.alert".into()), (7, "ids.alert".into())]);
}
