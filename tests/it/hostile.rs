//! Hostile input: the damaged and the malicious, as incident logs come. Each case says
//! what the user is told (stderr, the source's `damage`), the exit code, and that every
//! line read is parsed or rejected — with one `--rejects` row per rejected line. Then the
//! inputs the fuzz targets found, replayed through the same harnesses.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{coroner, corpus, gzip, root, write};

const ETCD: &str = "etcd/generated-etcd-3.4.23-zap-n2.log";
const ETCD_LINES: u64 = 143;

fn etcd() -> Vec<u8> {
    std::fs::read(corpus(ETCD)).unwrap()
}

/// An etcd (zap JSON) line at `ts`.
fn etcd_line(ts: &str, msg: &str) -> String {
    format!(r#"{{"level":"warn","ts":"{ts}","caller":"x/y.go:1","msg":"{msg}"}}"#)
}

/// What a run said: the JSON timeline, the exit code, stderr, the `--rejects` rows.
struct Outcome {
    v: Value,
    code: i32,
    err: String,
    rejects: Vec<String>,
}

impl Outcome {
    fn source(&self, suffix: &str) -> &Value {
        self.v["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["input"].as_str().unwrap().ends_with(suffix))
            .unwrap_or_else(|| panic!("no source {suffix} in {}", self.v["sources"]))
    }

    /// (lines, parsed, rejected) of a source.
    fn counts(&self, suffix: &str) -> (u64, u64, u64) {
        let s = self.source(suffix);
        let n = |k: &str| s[k].as_u64().unwrap();
        (n("lines"), n("parsed"), n("rejected"))
    }

    fn damage(&self, suffix: &str) -> &str {
        self.source(suffix)["damage"].as_str().unwrap_or("")
    }
}

/// `coroner timeline --json --rejects FILE ARGS…`, with every source's accounting checked:
/// lines = parsed + rejected, one `--rejects` row per rejected line, and the stderr
/// summary line (when input was damaged) agreeing with the sources.
fn timeline(args: &[&str]) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let rejects = dir.path().join("rejects.tsv");
    let out = coroner()
        .args(["timeline", "--json", "--rejects"])
        .arg(&rejects)
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}); stderr: {err}"));
    let rows = std::fs::read(&rejects).unwrap();
    let rejects: Vec<String> = String::from_utf8_lossy(&rows)
        .lines()
        .map(String::from)
        .collect();
    let o = Outcome {
        v,
        code: out.status.code().unwrap_or(-1),
        err,
        rejects,
    };
    let (mut lines, mut parsed, mut rejected) = (0, 0, 0);
    for s in o.v["sources"].as_array().unwrap() {
        let (l, p, r) = o.counts(s["input"].as_str().unwrap());
        assert_eq!(l, p + r, "lines = parsed + rejected: {s}");
        (lines, parsed, rejected) = (lines + l, parsed + p, rejected + r);
    }
    assert_eq!(
        o.rejects.len() as u64,
        rejected,
        "one --rejects row per rejected line"
    );
    if o.code == 2 {
        let summary = format!("lines: {parsed} parsed, {rejected} rejected");
        assert!(
            o.err.contains(&format!("; {lines} lines")) || lines >= 1000,
            "{}",
            o.err
        );
        assert!(o.err.contains(&summary) || lines >= 1000, "{}", o.err);
    }
    o
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `coroner ARGS…`, which must fail (exit 1) with one line on stderr and nothing on
/// stdout: that line.
fn fatal(args: &[&str]) -> String {
    let out = coroner().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(out.stdout.is_empty(), "{args:?}");
    err
}

/// `coroner events FILE`, parsed.
fn events(p: &Path) -> Vec<Value> {
    let out = coroner().arg("events").arg(p).output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn an_empty_file_is_read_and_said_to_be_empty() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "empty.log", b"");
    let o = timeline(&[path(&p)]);
    assert_eq!(o.code, 0, "{}", o.err);
    assert_eq!(o.counts("empty.log"), (0, 0, 0));
    assert!(o.err.contains("empty.log: empty (no lines)"), "{}", o.err);
}

#[test]
fn a_gzip_header_alone_is_damage_at_its_offset() {
    let dir = tempfile::tempdir().unwrap();
    let header = &gzip(b"")[..10];
    let p = write(dir.path(), "header.log.gz", header);
    let o = timeline(&[path(&p)]);
    assert_eq!(o.code, 2, "{}", o.err);
    assert_eq!(o.counts("header.log.gz"), (0, 0, 0));
    assert!(
        o.err
            .contains("header.log.gz: gzip stream damaged near compressed byte 10"),
        "{}",
        o.err
    );
    assert!(o.err.contains("1 source(s) read, 1 damaged"), "{}", o.err);
}

/// Two rotations in one file (two members), cut inside the second member, and cut just
/// after the first member's end inside the second's header: the first member is read
/// whole either way; a cut exactly at the member boundary is a complete file.
#[test]
fn a_multi_member_gzip_cut_mid_member_or_between_members() {
    let text = etcd();
    let half = text.len() / 2;
    let split = half + text[half..].iter().position(|&b| b == b'\n').unwrap() + 1;
    let first = gzip(&text[..split]);
    let second = gzip(&text[split..]);
    let first_lines = coroner::input::count_lines(&text[..split]);
    let mut whole = first.clone();
    whole.extend(&second);
    let dir = tempfile::tempdir().unwrap();
    for (name, at, damaged) in [
        ("mid-member.gz", first.len() + second.len() / 2, true),
        ("in-header.gz", first.len() + 4, true),
        ("at-boundary.gz", first.len(), false),
    ] {
        let p = write(dir.path(), name, &whole[..at]);
        let o = timeline(&[path(&p)]);
        let (lines, parsed, rejected) = o.counts(name);
        if damaged {
            assert_eq!(o.code, 2, "{name}: {}", o.err);
            let said = format!("{name}: gzip stream damaged near compressed byte ");
            assert!(o.err.contains(&said), "{name}: {}", o.err);
            assert!(o.damage(name).contains("the lines before it were read"));
            assert!(lines >= first_lines, "{name}: the first member is whole");
            assert!(lines < ETCD_LINES, "{name}");
            // a line cut by the damage is rejected, all before it parse
            assert!(rejected <= 1 && parsed >= first_lines, "{name}");
        } else {
            assert_eq!(o.code, 0, "{name}: {}", o.err);
            assert_eq!((lines, rejected), (first_lines, 0), "{name}");
        }
    }
}

#[test]
fn a_corrupt_crc_is_damage_after_the_data_it_covers() {
    let text = etcd();
    let mut data = gzip(&text);
    let crc = data.len() - 8;
    data[crc] ^= 0xff;
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "bad-crc.log.gz", &data);
    let o = timeline(&[path(&p)]);
    assert_eq!(o.code, 2, "{}", o.err);
    assert!(
        o.err
            .contains("bad-crc.log.gz: gzip stream damaged near compressed byte")
            && o.err.contains("checksum"),
        "{}",
        o.err
    );
    assert_eq!(o.counts("bad-crc.log.gz"), (ETCD_LINES, ETCD_LINES, 0));
}

#[test]
fn a_zstd_frame_cut_short_keeps_the_lines_before_the_cut() {
    // zstd decodes whole blocks (128 KiB): the lines of the blocks before the cut are
    // read. Distinct lines, so that the blocks are many.
    let total = 20_000u64;
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let text: String = (0..total)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            etcd_line("2026-11-21T04:25:00Z", &format!("{i} {x:016x}")) + "\n"
        })
        .collect();
    let text = text.into_bytes();
    let z = zstd::encode_all(&text[..], 3).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "cut.log.zst", &z[..z.len() * 2 / 3]);
    let o = timeline(&[path(&p)]);
    assert_eq!(o.code, 2, "{}", o.err);
    assert!(
        o.err
            .contains("cut.log.zst: zstd stream damaged near compressed byte"),
        "{}",
        o.err
    );
    let (lines, parsed, _) = o.counts("cut.log.zst");
    assert!(lines > total / 3 && lines < total, "{lines}");
    assert!(
        parsed + 1 >= lines,
        "at most the line cut by the damage is rejected"
    );
}

/// Bytes from a seeded generator: every line is counted and rejected; the invalid
/// UTF-8 is said.
#[test]
fn random_bytes_are_counted_and_rejected() {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let data: Vec<u8> = (0..256 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "noise.bin", &data);
    let o = timeline(&[path(&p)]);
    assert_eq!(o.code, 2, "{}", o.err);
    let lines = coroner::input::count_lines(&data);
    assert_eq!(o.counts("noise.bin"), (lines, 0, lines));
    assert!(
        o.err.contains("noise.bin: ") && o.err.contains("with invalid UTF-8, decoded lossily"),
        "{}",
        o.err
    );
    assert!(o.rejects[0].starts_with(&format!("{}\t1\t", path(&p))));
}

/// A crashed writer leaves a block of NULs where its last lines were, and the next line
/// written after a restart is glued to them: that line is still read. NULs inside a
/// line are kept, and shown escaped.
#[test]
fn nul_bytes_inside_and_before_lines() {
    let text = String::from_utf8(etcd()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut data = Vec::new();
    data.extend(format!("{}\n{}\n", lines[0], lines[1]).as_bytes());
    data.extend(vec![0u8; 4096]);
    data.extend(format!("{}\n", lines[2]).as_bytes());
    data.extend(etcd_line("2026-11-21T04:25:00Z", "nul\\u0000 in a field").as_bytes());
    data.extend(b"\n");
    data.extend(etcd_line("2026-11-21T04:25:01Z", "raw nul \0 in a string").as_bytes());
    data.extend(b"\n");
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "nul.log", &data);
    let o = timeline(&[path(&p)]);
    assert_eq!(o.code, 0, "{}", o.err);
    assert_eq!(o.counts("nul.log"), (5, 4, 1), "{:?}", o.rejects);
    assert!(
        o.rejects[0].contains("\t5\tno known format matches\t"),
        "{:?}",
        o.rejects
    );
    let text = coroner().arg("timeline").arg(&p).output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("nul\\u{0} in a field"), "{text}");
    assert!(!text.contains('\0'));
}

/// A 100 MB line (a writer that lost its newlines) is cut at `--max-line`, counted and
/// rejected; the lines around it are read.
#[test]
fn a_100_mb_line_is_cut_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("huge.log");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
        writeln!(f, "{}", etcd_line("2026-11-21T04:25:00Z", "before")).unwrap();
        let block = vec![b'A'; 1 << 20];
        for _ in 0..100 {
            f.write_all(&block).unwrap();
        }
        writeln!(f).unwrap();
        writeln!(f, "{}", etcd_line("2026-11-21T04:25:01Z", "after")).unwrap();
    }
    let o = timeline(&[path(&p)]);
    assert_eq!(o.code, 2, "{}", o.err);
    assert_eq!(o.counts("huge.log"), (3, 2, 1));
    assert_eq!(o.source("huge.log")["cut_lines"], 1);
    assert!(
        o.err.contains("huge.log: 1 over-long line(s) cut"),
        "{}",
        o.err
    );
    let row: Vec<&str> = o.rejects[0].splitn(4, '\t').collect();
    assert_eq!(
        (row[1], row[3].len()),
        ("2", 1 << 20),
        "cut at the default 1 MiB"
    );
    // a lower bound is obeyed too
    let o = timeline(&["--max-line", "64", path(&p)]);
    assert_eq!(
        o.counts("huge.log"),
        (3, 0, 3),
        "all three are longer than 64 bytes"
    );
    assert_eq!(o.source("huge.log")["cut_lines"], 3);
}

/// Invalid UTF-8 inside fields (a URL, a user agent) is decoded lossily: the line still
/// parses, is counted, and the run says so.
#[test]
fn invalid_utf8_in_fields_is_decoded_lossily() {
    let haproxy = "Nov 21 04:24:50 lb1 haproxy[1]: 10.0.0.1:5000 [21/Nov/2026:04:24:50.100] fe be/s1 0/0/1/2/3 200 100 - - ---- 1/1/0/0/0 0/0 \"GET /caf\u{e9}\u{fffd}? HTTP/1.1\"\n";
    let mut data = haproxy.replace('\u{fffd}', "\u{1}").into_bytes();
    let at = data.iter().position(|&b| b == 1).unwrap();
    data.splice(at..=at, [0xff, 0xfe]);
    let eve = b"{\"timestamp\":\"2026-11-21T04:24:51.000000+0000\",\"event_type\":\"alert\",\"src_ip\":\"10.0.0.9\",\"alert\":{\"signature\":\"UA \xc3\x28 bad\",\"severity\":2},\"http\":{\"http_user_agent\":\"\xed\xa0\x80\"}}";
    data.extend(eve);
    data.push(b'\n');
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "mixed.log", &data);
    let o = timeline(&[path(&p)]);
    assert_eq!(o.code, 2, "{}", o.err);
    assert_eq!(o.counts("mixed.log"), (2, 2, 0), "{:?}", o.rejects);
    assert_eq!(o.source("mixed.log")["invalid_utf8"], 2);
    assert!(
        o.err
            .contains("mixed.log: 2 line(s) with invalid UTF-8, decoded lossily"),
        "{}",
        o.err
    );
    let events = events(&p);
    assert_eq!(events[0]["request"]["path"], "/caf\u{e9}\u{fffd}\u{fffd}?");
    assert_eq!(events[1]["message"], "UA \u{fffd}( bad");
}

/// Stamps at the edges of time: those outside 1908..2199 (any two instants read must
/// subtract without overflow) are rejected with that reason, whether or not a nanosecond
/// clock could hold them; before 1970 and a leap second are read. Both edges in one
/// source: the silence between them is 292 years.
#[test]
fn timestamps_at_the_edges_of_time() {
    let cases = [
        ("0000-01-01T00:00:00Z", None),
        ("9999-12-31T23:59:59Z", None),
        ("2300-01-01T00:00:00Z", None),
        ("1907-12-31T23:59:59.999Z", None),
        ("2200-01-01T00:00:00Z", None),
        // a stamp quoting a newline and a tab: still one --rejects row
        ("2024-04-04T22:00:00Z\\n\\tforged row", None),
        ("1969-12-31T23:59:59.5Z", Some("1969-12-31T23:59:59.500Z")),
        ("1908-01-01T00:00:00Z", Some("1908-01-01T00:00:00Z")),
        ("2016-12-31T23:59:60Z", Some("2017-01-01T00:00:00Z")),
        (
            "2199-12-31T23:59:59.999999999Z",
            Some("2199-12-31T23:59:59.999999999Z"),
        ),
    ];
    let mut data = String::new();
    for (ts, _) in &cases {
        data += &etcd_line(ts, "edge");
        data.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "edges.log", data.as_bytes());
    let o = timeline(&[path(&p)]);
    assert_eq!(o.code, 0, "{}", o.err);
    assert_eq!(o.counts("edges.log"), (10, 4, 6));
    for (row, (ts, _)) in o.rejects.iter().zip(&cases[..5]) {
        let want = format!("timestamp '{ts}' is out of range (coroner reads 1908 to 2199)");
        assert!(row.contains(&want), "{row}");
    }
    let forged: Vec<&str> = o.rejects[5].split('\t').collect();
    assert_eq!(forged.len(), 4, "{forged:?}");
    assert!(
        forged[2].starts_with("timestamp '2024-04-04T22:00:00Z\\n\\tforged row' does not match"),
        "{forged:?}"
    );
    let events = events(&p);
    let got: Vec<&str> = events.iter().map(|e| e["ts"].as_str().unwrap()).collect();
    let mut want: Vec<&str> = cases.iter().filter_map(|c| c.1).collect();
    want.sort();
    assert_eq!(got, want);
    // the text timeline draws them too
    let text = coroner().arg("timeline").arg(&p).output().unwrap();
    assert_eq!(text.status.code(), Some(0));
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("1908-01-01 00:00:00") && text.contains("2199-12-31"),
        "{text}"
    );
}

/// JSON nested 10,000 deep is rejected with the reason, not read as "no format"; the
/// limit is `--max-depth` (at most 127, serde_json's own).
#[test]
fn json_nested_10000_deep_is_a_counted_rejection() {
    let deep = format!("{{\"ts\":{}1{}}}", "[".repeat(10_000), "]".repeat(10_000));
    let shallow = r#"{"level":"warn","ts":"2026-11-21T04:25:00Z","msg":"m","x":{"a":{"b":[1]}}}"#;
    let data = format!(
        "{}\n{deep}\n{shallow}\n",
        etcd_line("2026-11-21T04:24:59Z", "ok")
    );
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "deep.log", data.as_bytes());
    let o = timeline(&[path(&p)]);
    assert_eq!(o.code, 0, "{}", o.err);
    assert_eq!(o.counts("deep.log"), (3, 2, 1));
    assert!(
        o.rejects[0].contains("\t2\tJSON nested deeper than 127 levels (--max-depth)\t"),
        "{:?}",
        o.rejects
    );
    let o = timeline(&["--max-depth", "3", path(&p)]);
    assert_eq!(o.counts("deep.log"), (3, 1, 2));
    assert!(o.rejects[1].contains("\t3\tJSON nested deeper than 3 levels"));
    let err = fatal(&["timeline", "--max-depth", "500", path(&p)]);
    assert!(err.contains("--max-depth 500: between 1 and 127"), "{err}");
}

/// Kubernetes EventLists nested 10,000 deep — JSON, YAML flow style, YAML block style
/// (indentation, which no YAML parser limit stops): damage said at its byte offset, the
/// lines from the damaged item on rejected, no crash.
#[test]
fn a_document_nested_10000_deep_is_damage() {
    let (open, close) = ("[".repeat(10_000), "]".repeat(10_000));
    let cases = [
        (
            "deep.json",
            format!("{{\n\"kind\": \"EventList\",\n\"items\": [\n{open}1{close}\n]\n}}\n"),
            "recursion limit exceeded",
        ),
        (
            "flow.yaml",
            format!("apiVersion: v1\nitems:\n- {open}1{close}\nkind: List\n"),
            "recursion limit exceeded",
        ),
        (
            "block.yaml",
            format!(
                "apiVersion: v1\nitems:\n- {}1\nkind: List\n",
                "- ".repeat(10_000)
            ),
            "nested deeper than 127 levels",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, doc, why) in cases {
        let p = write(dir.path(), name, doc.as_bytes());
        let o = timeline(&[path(&p)]);
        assert_eq!(o.code, 2, "{name}: {}", o.err);
        let (lines, _, rejected) = o.counts(name);
        assert_eq!(lines, coroner::input::count_lines(doc.as_bytes()), "{name}");
        assert!(rejected >= 1, "{name}: {:?}", o.rejects);
        assert_eq!(o.rejects.len() as u64, rejected, "{name}");
        let damage = o.damage(name);
        assert!(
            damage.contains("document damaged at byte") && damage.contains(why),
            "{name}: {damage}"
        );
    }
}

/// A YAML document whose mapping keys are mappings, 60 deep (found by the pipeline
/// fuzzer): each key is written as text, and each level's text would hold the escapes
/// of the one inside it twice over. Key texts are capped, so it is read at once.
#[test]
fn mapping_keys_nested_60_deep_are_read_at_once() {
    let doc = format!("---\n[{}{}]\n", "{".repeat(60), "}".repeat(60));
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "keys.yaml", doc.as_bytes());
    let o = timeline(&[path(&p)]);
    let (lines, parsed, rejected) = o.counts("keys.yaml");
    assert_eq!(lines, 2);
    assert_eq!(parsed + rejected, lines);
    assert!(o.rejects.iter().all(|r| r.len() < 4096), "{:?}", o.rejects);
}

/// Sample logs of an incident, with an IDS storm in its lead-up whose payload carries
/// terminal escapes and Markdown: no output lets them through raw or lets them break its
/// structure.
mod ids_payload {
    use super::*;

    /// ESC sequences (clear screen, set title, hyperlink), a bell, C1 CSI, bidi override;
    /// Markdown that would close a table cell, a code span, start a link, a footnote or
    /// an HTML tag; and a newline.
    pub const SIGNATURE: &str = "ET EXPLOIT \u{1b}[2J\u{1b}]0;pwned\u{7}\u{1b}]8;;http://evil/\u{1b}\\link\u{9b}31m \u{202e}txt.exe | `rm -rf /` *x* _y_ <script>alert(1)</script> [click](http://evil) [^1] # h\nnext";

    pub fn storm(dir: &Path) -> PathBuf {
        let mut data = String::new();
        for i in 0..120 {
            let v = serde_json::json!({
                "timestamp": format!("2024-02-13T21:5{}:{:02}.000000+0000", i / 60, i % 60),
                "event_type": "alert",
                "host": "lb1\u{1b}[8m|`h`",
                "src_ip": "203.0.113.7",
                "alert": {"signature": SIGNATURE, "signature_id": 1, "severity": 1},
            });
            data += &v.to_string();
            data.push('\n');
        }
        // the same payload written raw, as a broken sensor might: not JSON, rejected
        data += "{\"timestamp\":\"2024-02-13T21:52:00.000000+0000\",\"event_type\":\"alert\",\"alert\":{\"signature\":\"raw \u{1b}[2J\"}}\n";
        write(dir, "ids/eve.json", data.as_bytes())
    }

    fn run(cmd: &str, eve: &Path) -> (String, i32) {
        let out = coroner()
            .arg(cmd)
            .arg(root().join("samples/lb-single-backend/logs"))
            .arg(eve)
            .output()
            .unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(!err.contains('\u{1b}'), "stderr: {err}");
        (
            String::from_utf8(out.stdout).unwrap(),
            out.status.code().unwrap(),
        )
    }

    fn raw(c: char) -> bool {
        (c.is_control() && c != '\n') || ('\u{202a}'..='\u{202e}').contains(&c)
    }

    #[test]
    fn the_text_timeline_shows_escapes_escaped() {
        let dir = tempfile::tempdir().unwrap();
        let eve = storm(dir.path());
        let (text, code) = run("timeline", &eve);
        assert_eq!(code, 0);
        assert!(!text.contains(raw), "{text}");
        assert!(text.contains("ids.alert ×120"), "{text}");
        assert!(
            text.contains("ET EXPLOIT \\u{1b}[2J\\u{1b}]0;pwned\\u{7}"),
            "{text}"
        );
        assert!(text.contains("\\u{202e}txt.exe"), "{text}");
    }

    #[test]
    fn json_escapes_them_and_keeps_them_exact() {
        let dir = tempfile::tempdir().unwrap();
        let eve = storm(dir.path());
        let o = timeline(&[
            root()
                .join("samples/lb-single-backend/logs")
                .to_str()
                .unwrap(),
            path(&eve),
        ]);
        assert_eq!(o.code, 0, "{}", o.err);
        assert_eq!(o.counts("ids/eve.json"), (121, 120, 1));
        assert!(o.rejects[0].contains("no known format matches"));
        let json = coroner()
            .args(["timeline", "--json"])
            .arg(root().join("samples/lb-single-backend/logs"))
            .arg(&eve)
            .output()
            .unwrap()
            .stdout;
        assert!(!json.iter().any(|&b| b < b' ' && b != b'\n'));
        let json = String::from_utf8(json).unwrap();
        assert!(!json.contains(raw), "C1 and bidi controls are escaped too");
        assert!(json.contains(r"\u009b31m \u202etxt.exe"), "{json}");
        let all = serde_json::to_string(&o.v).unwrap();
        let v: Value = serde_json::from_str(&all).unwrap();
        let storm = v["incidents"][0]["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "ids.alert" && e["count"] == 120)
            .expect("the storm is in the incident's lead-up");
        let first_line = SIGNATURE.lines().next().unwrap();
        assert_eq!(storm["summary"], first_line, "JSON keeps the text exact");
        let line_1 = std::fs::read_to_string(&eve)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .to_string();
        assert_eq!(storm["evidence"][0]["text"], line_1.as_str());
        assert_eq!(storm["count"], 120);
    }

    /// Table rows keep their columns; no link, tag, footnote or code span is opened by
    /// the log text; no raw control reaches the document.
    #[test]
    fn the_markdown_report_keeps_its_structure() {
        let dir = tempfile::tempdir().unwrap();
        let eve = storm(dir.path());
        let (md, code) = run("report", &eve);
        assert_eq!(code, 0);
        assert!(!md.contains(raw), "{md}");
        assert!(
            md.contains("\\u{1b}\\[2J"),
            "the escapes are shown, escaped: {md}"
        );
        let unescaped_pipes = |l: &str| {
            let b = l.as_bytes();
            (0..b.len())
                .filter(|&i| b[i] == b'|' && (i == 0 || b[i - 1] != b'\\'))
                .count()
        };
        let mut columns = None;
        let mut rows = 0;
        for line in md.lines() {
            if line.starts_with('|') {
                let n = unescaped_pipes(line);
                let want = *columns.get_or_insert(n);
                assert_eq!(n, want, "a row with other columns than its header: {line}");
                rows += 1;
            } else {
                columns = None;
            }
        }
        let sig_row = md
            .lines()
            .find(|l| l.starts_with("| ET EXPLOIT"))
            .expect("the IDS signature table names it");
        assert_eq!(unescaped_pipes(sig_row), 4, "{sig_row}");
        assert!(rows > 10);
        // outside the evidence footnotes (code spans), nothing opens unescaped
        let prose: String = md
            .lines()
            .filter(|l| !l.starts_with("[^"))
            .collect::<Vec<_>>()
            .join("\n");
        for needle in ["<script>", "](http://evil)", " *x* ", "`rm", "[^1] #"] {
            let raw = prose
                .match_indices(needle)
                .any(|(i, _)| !prose[..i].ends_with('\\'));
            assert!(!raw, "{needle} unescaped: {md}");
        }
        assert!(
            !prose.contains("\nnext"),
            "the newline in the payload starts no line"
        );
        assert!(md.contains("\\<script\\>") && md.contains("\\[click\\](http://evil)"));
        // the storm is a timeline bullet with its evidence
        let bullet = md
            .lines()
            .find(|l| l.starts_with("- **") && l.contains("`ids.alert` ×120"))
            .expect("the storm is told");
        let cites = bullet.matches("[^").count();
        assert!(cites >= 1, "{bullet}");
        // every footnote cited is defined once, on one line
        let defs: Vec<&str> = md.lines().filter(|l| l.starts_with("[^")).collect();
        for n in 1..=defs.len() {
            assert!(
                defs[n - 1].starts_with(&format!("[^{n}]: `")),
                "{}",
                defs[n - 1]
            );
        }
    }
}

/// A directory with a dangling symlink, a symlink loop, a FIFO and (when not root) a
/// file nobody may read: each is named on stderr, the rest is read, exit 2.
#[test]
#[cfg(unix)]
fn a_directory_with_unreadable_entries() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let good = write(&logs, "a/good.log", &etcd());
    symlink(logs.join("nowhere.log"), logs.join("a/dangling.log")).unwrap();
    symlink(&logs, logs.join("a/loop")).unwrap();
    let fifo = logs.join("a/pipe.log");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.unwrap().success(), "mkfifo");
    let locked = write(&logs, "b/locked.log", &etcd());
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads a file whatever its mode: that case is checked only when it can be.
    let privileged = std::fs::File::open(&locked).is_ok();
    if privileged {
        eprintln!("a_directory_with_unreadable_entries: running as root, mode 000 does not stop reading: that case is skipped");
    }
    let o = timeline(&[path(&logs)]);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(o.code, 2, "{}", o.err);
    let said = |what: &str| assert!(o.err.contains(what), "expected {what:?} in: {}", o.err);
    said(&format!(
        "{}: cannot read: No such file or directory",
        path(&logs.join("a/dangling.log"))
    ));
    said(&format!(
        "{}: cannot read: symlink loop, skipped",
        path(&logs.join("a/loop"))
    ));
    said(&format!(
        "{}: cannot read: not a regular file (a FIFO, socket or device), skipped",
        path(&fifo)
    ));
    assert_eq!(o.counts(path(&good)), (ETCD_LINES, ETCD_LINES, 0));
    if privileged {
        assert_eq!(o.counts("locked.log"), (ETCD_LINES, ETCD_LINES, 0));
        said("3 damaged or unreadable");
    } else {
        said(&format!(
            "{}: cannot read: Permission denied",
            path(&locked)
        ));
        said("4 damaged or unreadable");
    }
}

/// A definition whose regex would backtrack catastrophically elsewhere runs in linear
/// time here (the regex crate has no backtracking); one too big to compile is refused.
#[test]
fn a_definition_with_a_catastrophic_regex() {
    let def = |regex: &str| {
        serde_json::json!({
            "id": "evil", "title": "evil", "kind": "regex",
            "patterns": [{"name": "line", "regex": regex}],
            "timestamp": [{"field": "ts", "format": "rfc3339"}],
            "samples": [{"line": "2024-04-04T22:00:00Z aaaa", "ts": "2024-04-04T22:00:00Z", "kind": "log"}]
        })
        .to_string()
    };
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "defs/evil.json",
        def(r"^(?P<ts>\S+) (?P<msg>(a|aa|a+)+)+$").as_bytes(),
    );
    let mut log = String::from("2024-04-04T22:00:00Z aaaa\n2024-04-04T22:00:01Z ");
    log += &"a".repeat(200_000);
    log += "!\n";
    let p = write(dir.path(), "evil.log", log.as_bytes());
    let started = std::time::Instant::now();
    let o = timeline(&[
        "--log-format",
        "evil",
        "--parsers",
        path(&dir.path().join("defs")),
        path(&p),
    ]);
    assert!(
        started.elapsed().as_secs() < 60,
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(o.code, 0, "{}", o.err);
    assert_eq!(o.counts("evil.log"), (2, 1, 1));
    // a regex past the compiled-size limit is named, file and field
    write(
        dir.path(),
        "big/evil.json",
        def(r"^(?P<ts>\S+) (?P<msg>(\w{1000}){1000})$").as_bytes(),
    );
    let err = fatal(&[
        "timeline",
        "--parsers",
        path(&dir.path().join("big")),
        path(&p),
    ]);
    assert!(
        err.contains("evil.json: patterns[0] (line).regex: bad regex"),
        "{err}"
    );
    assert!(err.contains("size limit"), "{err}");
}

/// A definition missing a required key, one whose timestamp names a field its pattern
/// does not capture, and one with a rule regex that does not compile: refused when
/// loaded, naming the file and the field.
#[test]
fn a_definition_with_a_missing_field() {
    let good = serde_json::json!({
        "id": "app", "title": "app", "kind": "regex",
        "patterns": [{"name": "line", "regex": r"^(?P<ts>\S+) (?P<msg>.*)$"}],
        "timestamp": [{"field": "ts", "format": "rfc3339"}],
        "samples": [{"line": "2024-04-04T22:00:00Z hi", "ts": "2024-04-04T22:00:00Z", "kind": "log"}]
    });
    let mut no_timestamp = good.clone();
    no_timestamp.as_object_mut().unwrap().remove("timestamp");
    let mut unknown_field = good.clone();
    unknown_field["timestamp"][0]["field"] = "time".into();
    // the shape the definition fuzz target found: a classify regex that does not compile
    let mut bad_rule = good.clone();
    bad_rule["classify"] = serde_json::json!([{"regex": "^(?:Started", "kind": "service.start"}]);
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "app.log", b"2024-04-04T22:00:00Z hi\n");
    for (name, def, said) in [
        (
            "no-ts",
            no_timestamp,
            "app.json: timestamp: missing field `timestamp`",
        ),
        (
            "bad-ts",
            unknown_field,
            "app.json: patterns[0] (line): captures none of the timestamp fields (time)",
        ),
        (
            "bad-rule",
            bad_rule,
            "app.json: classify[0].regex: bad regex: unclosed group (at character 2)",
        ),
    ] {
        write(
            dir.path(),
            &format!("{name}/app.json"),
            def.to_string().as_bytes(),
        );
        let defs = dir.path().join(name);
        let err = fatal(&["timeline", "--parsers", path(&defs), path(&log)]);
        assert!(err.contains(said), "{name}: {err}");
    }
}

/// Every input the fuzz targets ever found, replayed through the harness that found it
/// (`tests/fuzz-regressions/TARGET/*`): none may panic again.
#[test]
fn fuzz_regressions_replay() {
    use coroner::format::DefKind;
    use coroner::fuzzing;
    let dir = root().join("tests/fuzz-regressions");
    let mut replayed = 0;
    for target in std::fs::read_dir(&dir).unwrap() {
        let target = target.unwrap().path();
        let name = target.file_name().unwrap().to_str().unwrap().to_string();
        let harness: fn(&[u8]) = match name.as_str() {
            "decode" => fuzzing::decode,
            "lines" => fuzzing::lines,
            "parse_regex" => |d| fuzzing::parse(DefKind::Regex, d),
            "parse_json" => |d| fuzzing::parse(DefKind::Json, d),
            "parse_delimited" => |d| fuzzing::parse(DefKind::Delimited, d),
            "timestamp" => fuzzing::timestamp,
            "definition" => fuzzing::definition,
            "pipeline" => fuzzing::pipeline,
            _ => continue,
        };
        for case in std::fs::read_dir(&target).unwrap() {
            let case = case.unwrap().path();
            let data = std::fs::read(&case).unwrap();
            let r = std::panic::catch_unwind(|| harness(&data));
            assert!(r.is_ok(), "{} panics again", case.display());
            replayed += 1;
        }
    }
    assert!(replayed > 0, "nothing to replay in {}", dir.display());
}

/// nginx access lines, one a second from `start` (seconds after 2024-04-04T00:00:00Z).
fn nginx_lines(start: i64, n: i64) -> String {
    (0..n)
        .map(|i| {
            let t = chrono::DateTime::from_timestamp(1_712_188_800 + start + i, 0).unwrap();
            format!(
                "10.0.0.{} - - [{}] \"GET /a HTTP/1.1\" 200 12 \"-\" \"curl/8\"\n",
                i % 200,
                t.format("%d/%b/%Y:%H:%M:%S +0000")
            )
        })
        .collect()
}

/// One request stamped 1910 among a day's traffic must not stretch the analysis over a
/// century of windows (with `--window 1s`, billions of them): it is set aside, and said.
#[test]
fn a_request_stamped_a_century_off_is_set_aside_not_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = nginx_lines(0, 600);
    log.push_str(
        "10.0.0.9 - - [04/Apr/1910:00:00:00 +0000] \"GET /old HTTP/1.1\" 200 1 \"-\" \"-\"\n",
    );
    let path = write(dir.path(), "access.log", log.as_bytes());
    let o = timeline(&["--window", "1s", path.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.err);
    assert_eq!(o.counts("access.log"), (601, 601, 0));
    assert!(
        o.err.contains("1 request(s) stamped more than 30 days away from the rest of their traffic were set aside"),
        "{}",
        o.err
    );
    assert_eq!(o.v["analysis"]["window_s"], 1);

    // traffic that keeps coming back within 30 days spans months: longer windows, said
    let mut log = String::new();
    for day in [0, 28, 56] {
        log.push_str(&nginx_lines(day * 86_400, 60));
    }
    let path = write(dir.path(), "months.log", log.as_bytes());
    let o = timeline(&["--window", "1s", path.to_str().unwrap()]);
    assert_eq!(o.code, 0, "{}", o.err);
    assert!(
        o.err
            .contains("windows of 1 s would be more than 200000 over this span: 30 s used"),
        "{}",
        o.err
    );
    assert_eq!(o.v["analysis"]["window_s"], 30);
}
