//! Every built-in definition passes its own samples; bad definitions are rejected with
//! a message naming the file and the field.

use coroner::format::{check_samples, Registry};

use crate::support::{coroner, write};

#[test]
fn every_builtin_definition_passes_its_samples() {
    let reg = Registry::builtin().expect("built-ins compile");
    let mut failures = Vec::new();
    for f in reg.formats() {
        // Rule regexes of built-ins compile on first use: every one must compile.
        if let Err(e) = f.compile_lazy() {
            failures.push(format!("{}: {e}", f.id));
        }
        for p in check_samples(f) {
            failures.push(format!("{}: {p}", f.id));
        }
    }
    assert!(
        failures.is_empty(),
        "sample failures:\n{}",
        failures.join("\n")
    );
    assert!(reg.formats().len() >= 4);
}

#[test]
fn format_ids_are_unique() {
    let reg = Registry::builtin().unwrap();
    let mut ids: Vec<_> = reg.formats().iter().map(|f| f.id.to_string()).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n);
}

const GOOD: &str = r#"{
  "id": "myapp", "title": "my app", "kind": "regex",
  "patterns": [{"name": "line", "regex": "^(?P<ts>\\S+) (?P<msg>.*)$"}],
  "timestamp": [{"field": "ts", "format": "rfc3339"}],
  "message": "msg",
  "classify": [{"regex": "^boom", "kind": "service.failed", "severity": "error"}],
  "samples": [
    {"line": "2024-04-04T22:00:00Z hello", "ts": "2024-04-04T22:00:00Z", "kind": "log"},
    {"line": "2024-04-04T22:00:01Z boom now", "ts": "2024-04-04T22:00:01Z", "kind": "service.failed"}
  ]
}"#;

#[test]
fn user_definitions_load_and_parse() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "defs/myapp.json", GOOD.as_bytes());
    let log = write(
        dir.path(),
        "app.log",
        b"2024-04-04T22:00:00Z starting\n2024-04-04T22:00:05Z boom: disk on fire\n",
    );
    let out = coroner()
        .args(["timeline", "--parsers"])
        .arg(dir.path().join("defs"))
        .arg(&log)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("service.failed"), "{text}");
    assert!(text.contains("myapp"), "{text}");
}

/// Each broken definition is rejected, naming the file and the field at fault.
#[test]
fn bad_definitions_name_the_file_and_the_field() {
    let cases = [
        (GOOD.replace("\"regex\": \"^(?P<ts>", "\"regx\": \"^(?P<ts>"), "regx"),
        (GOOD.replace("\"format\": \"rfc3339\"", "\"format\": \"%Q%Q\""), "timestamp[0].format"),
        (GOOD.replace("(?P<msg>.*)$", "(?P<msg>.*$"), "patterns[0] (line).regex"),
        (GOOD.replace("\"kind\": \"service.failed\"}\n", "\"kind\": \"log\"}\n"), "samples[1].kind"),
        (GOOD.replace(",\n    {\"line\": \"2024-04-04T22:00:01Z boom now\", \"ts\": \"2024-04-04T22:00:01Z\", \"kind\": \"service.failed\"}", ""), "classify[0]"),
        (GOOD.replace("\"ts\": \"2024-04-04T22:00:00Z\", \"kind\"", "\"ts\": \"2024-04-04T22:00:09Z\", \"kind\""), "samples[0].ts"),
        (GOOD.replace("\"title\": \"my app\", ", ""), "title"),
    ];
    for (text, field) in cases {
        assert_ne!(text, GOOD, "case for {field} did not change the definition");
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "bad.json", text.as_bytes());
        let out = coroner()
            .args(["formats", "--parsers"])
            .arg(dir.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{field}: {err}");
        assert!(err.contains("bad.json"), "{field}: {err}");
        assert!(err.contains(field), "expected field {field} in: {err}");
    }
}
