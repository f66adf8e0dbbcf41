//! Golden files: the text timeline, the JSON timeline and the Markdown report of every
//! shipped scenario, compared with samples/<scenario>/expected/. After an intended
//! change, re-bless them with `CORONER_BLESS=1 cargo test golden`.

use std::path::Path;

use crate::support::{coroner, root};

const SCENARIOS: &[&str] = &[
    "ids-disk-full",
    "lb-single-backend",
    "auth-503",
    "firewall-drop",
];

fn check(path: &Path, actual: &str) {
    if std::env::var_os("CORONER_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with CORONER_BLESS=1 to create it)",
            path.display()
        )
    });
    if expected != actual {
        let (n, (want, got)) = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .unwrap_or((
                expected.lines().count().min(actual.lines().count()),
                ("<end>", "<end>"),
            ));
        panic!(
            "{} differs at line {}:\n  expected: {want}\n  actual:   {got}\n(CORONER_BLESS=1 re-blesses after an intended change)",
            path.display(),
            n + 1
        );
    }
}

fn output(args: &[&str]) -> String {
    let out = coroner().current_dir(root()).args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_scenario_renders_as_its_golden_files() {
    for s in SCENARIOS {
        let logs = format!("samples/{s}/logs/");
        let expected = root().join("samples").join(s).join("expected");
        check(
            &expected.join("timeline.txt"),
            &output(&["timeline", &logs]),
        );
        check(
            &expected.join("timeline.json"),
            &output(&["timeline", "--json", &logs]),
        );
        check(
            &expected.join("report.md"),
            &output(&["report", "--slo", "99.9", &logs]),
        );
    }
}

#[test]
fn the_chart_is_an_svg_with_every_server_and_marker() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart.svg");
    let md = output(&[
        "report",
        "--chart",
        chart.to_str().unwrap(),
        "samples/lb-single-backend/logs/",
    ]);
    assert!(
        md.contains(&format!("]({})", chart.display())),
        "the report links the chart"
    );
    let svg = std::fs::read_to_string(&chart).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_string()))
        .collect();
    for want in [
        "be_api/app1",
        "be_api/app4",
        "error rate (%, right axis)",
        "trigger 21:57",
        "impact start 21:57",
        "detected 21:59",
        "mitigated 00:01",
        "resolved 02:00",
    ] {
        assert!(
            texts.iter().any(|t| t == want),
            "no '{want}' in the chart's text: {texts:?}"
        );
    }
    let lines = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .count();
    assert!(
        lines >= 6,
        "one line per server and the error rate: {lines}"
    );
}
