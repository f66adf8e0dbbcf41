//! Clock skew through the binary: an HAProxy front tier and the Envoy sidecar behind it log
//! the same requests (the same client, path and status), the Envoy host's clock 2.5 s
//! ahead. `coroner` must find the offset, say how to apply it, apply it with
//! `--auto-skew`, leave unrelated sources alone, and let an explicit `--skew` win.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::support::{coroner, events_cli, timeline_json, write};

const MS: i64 = 1_000_000;
/// 2024-04-04T22:00:00Z
const T0: i64 = 1_712_268_000_000 * MS;
/// How far the Envoy host's clock reads ahead.
const TRUTH: i64 = 2_500 * MS;
const SHARED: usize = 1_000;

/// SplitMix64, for deterministic traffic.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n
    }
}

fn utc(ns: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(ns)
}

/// One request through the front tier: its accept instant (true time) and what identifies
/// it; `to_app`: whether it reached the Envoy-fronted backend.
struct Req {
    t: i64,
    client: String,
    path: String,
    status: u16,
    to_app: bool,
    /// Line numbers in the two logs (1-based), set once the logs are written.
    lb_line: u64,
    app_line: u64,
}

/// Traffic at ~20 requests a second from 20 clients over 10 paths, so a key repeats
/// every few seconds; `SHARED` reach the backend, 300 go elsewhere. `client_net` sets the
/// clients' network (two runs with different ones share no client).
fn traffic(client_net: u8, seed: u64) -> Vec<Req> {
    let mut rng = Rng(seed);
    let paths = [
        "/",
        "/login",
        "/api/items",
        "/api/cart",
        "/api/cart/checkout",
        "/api/items?page=2",
        "/static/app.js",
        "/api/user",
        "/api/search?q=shoes",
        "/favicon.ico",
    ];
    (0..SHARED + 300)
        .map(|i| Req {
            t: T0 + i as i64 * 40 * MS + rng.below(30) as i64 * MS,
            client: format!("10.{client_net}.{}.{}", rng.below(2), 10 + rng.below(10)),
            path: paths[rng.below(paths.len() as u64) as usize].to_string(),
            status: [200, 200, 200, 200, 304, 404, 503][rng.below(7) as usize],
            to_app: i % 13 != 0,
            lb_line: 0,
            app_line: 0,
        })
        .collect()
}

/// The HAProxy log (the front tier's clock is the true one) and the Envoy log (2.5 s ahead,
/// plus 1–4 ms for the request to get there; with health checks of its own), written
/// under `dir`. Returns the requests with their line numbers.
fn write_logs(dir: &Path, client_net: u8, seed: u64) -> (Vec<Req>, PathBuf, PathBuf) {
    let mut reqs = traffic(client_net, seed);
    // Exactly SHARED requests reach the backend.
    let mut kept = 0;
    for r in &mut reqs {
        r.to_app = r.to_app && kept < SHARED;
        kept += r.to_app as usize;
    }
    assert_eq!(kept, SHARED);
    let mut rng = Rng(seed ^ 0x5eed);
    let mut lb = String::new();
    // (instant on the app's clock, line, index of the request or none)
    let mut app: Vec<(i64, String, Option<usize>)> = Vec::new();
    for (i, r) in reqs.iter_mut().enumerate() {
        let (tr, tt) = (2 + rng.below(40), 5 + rng.below(60));
        let backend = if r.to_app {
            "be_app/app1"
        } else {
            "be_static/static1"
        };
        lb.push_str(&format!(
            "{}:{} [{}] fe_web {backend} 0/0/1/{tr}/{tt} {} 512 - - ---- 3/3/1/1/0 0/0 \"GET {} HTTP/1.1\"\n",
            r.client,
            30_000 + i,
            utc(r.t).format("%d/%b/%Y:%H:%M:%S%.3f"),
            r.status,
            r.path
        ));
        r.lb_line = i as u64 + 1;
        if r.to_app {
            let at = r.t + TRUTH + (1 + rng.below(4) as i64) * MS;
            app.push((
                at,
                format!(
                    "[{}] \"GET {} HTTP/1.1\" {} - 0 512 {tr} {tr} \"{}\" \"Mozilla/5.0\" \"-\" \"app\" \"10.2.0.11:8080\"\n",
                    utc(at).format("%Y-%m-%dT%H:%M:%S%.3fZ"),
                    r.path,
                    r.status,
                    r.client
                ),
                Some(i),
            ));
        }
    }
    // The sidecar's own health checks, every half second.
    for k in 0..120 {
        let at = T0 + TRUTH + k * 500 * MS + 7 * MS;
        app.push((
            at,
            format!(
                "[{}] \"GET /healthz HTTP/1.1\" 200 - 0 2 1 1 \"10.2.0.1\" \"kube-probe/1.29\" \"-\" \"app\" \"127.0.0.1:8080\"\n",
                utc(at).format("%Y-%m-%dT%H:%M:%S%.3fZ")
            ),
            None,
        ));
    }
    app.sort_by_key(|(at, _, _)| *at);
    let mut text = String::new();
    for (n, (_, line, req)) in app.iter().enumerate() {
        text.push_str(line);
        if let Some(i) = req {
            reqs[*i].app_line = n as u64 + 1;
        }
    }
    let lb_path = write(dir, "lb1/haproxy.log", lb.as_bytes());
    let app_path = write(dir, "app1/envoy.log", text.as_bytes());
    (reqs, lb_path, app_path)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `coroner events ARGS`: (source, line) → (instant in ns, time flags).
fn events(args: &[&str]) -> HashMap<(String, u64), (i64, Vec<String>)> {
    events_cli(args)
        .into_iter()
        .map(|v| {
            let ts = DateTime::parse_from_rfc3339(v["ts"].as_str().unwrap())
                .unwrap()
                .timestamp_nanos_opt()
                .unwrap();
            let flags = v["time"]
                .as_array()
                .map(|a| a.iter().map(|f| f.as_str().unwrap().to_string()).collect())
                .unwrap_or_default();
            let at = (
                v["source"].as_str().unwrap().to_string(),
                v["line"].as_u64().unwrap(),
            );
            (at, (ts, flags))
        })
        .collect()
}

/// The `time` object of the source read from `input`.
fn time_of<'v>(v: &'v serde_json::Value, input: &Path) -> &'v serde_json::Value {
    let sources = v["sources"].as_array().unwrap();
    &sources.iter().find(|x| x["input"] == s(input)).unwrap()["time"]
}

/// For every shared request: the Envoy event's instant minus the HAProxy event's.
fn gaps(
    reqs: &[Req],
    ev: &HashMap<(String, u64), (i64, Vec<String>)>,
    lb: &Path,
    app: &Path,
) -> Vec<i64> {
    reqs.iter()
        .filter(|r| r.to_app)
        .map(|r| {
            let a = &ev[&(s(lb).to_string(), r.lb_line)];
            let b = &ev[&(s(app).to_string(), r.app_line)];
            b.0 - a.0
        })
        .collect()
}

#[test]
fn a_2_5_s_skew_is_estimated_within_50_ms_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (reqs, lb, app) = write_logs(dir.path(), 1, 7);
    let (v, code) = timeline_json(&[s(dir.path())]);
    assert_eq!(code, 0);
    let c = &v["clock_skew"];
    assert_eq!(
        c["reference"],
        s(&lb),
        "the front tier has the most requests"
    );
    assert_eq!(c["auto"], false);
    let e = &c["estimates"][0];
    assert_eq!(c["estimates"].as_array().unwrap().len(), 1, "{c}");
    assert_eq!(e["stream"], s(&app));
    assert_eq!(e["against"], s(&lb));
    let (offset, pairs, spread) = (
        e["offset_s"].as_f64().unwrap(),
        e["pairs"].as_u64().unwrap(),
        e["spread_s"].as_f64().unwrap(),
    );
    eprintln!(
        "true offset 2.500 s; estimated {offset:.4} s from {pairs} pairs, spread ±{spread:.4} s"
    );
    assert!((offset - 2.5).abs() < 0.05, "{e}");
    assert!((950..=1_050).contains(&pairs), "{e}");
    assert!(spread < 0.01, "{e}");
    assert_eq!(e["applied"], false);
    assert_eq!(e["status"], "reported");
    // Nothing was shifted.
    for src in v["sources"].as_array().unwrap() {
        assert_eq!(src["time"]["skew_s"], 0.0);
        assert_eq!(src["time"]["skew_from"], serde_json::Value::Null);
    }

    // The option it suggests, given back, puts the backend on the front tier's clock.
    let option = e["skew"].as_str().unwrap();
    let value = option
        .strip_prefix("--skew '")
        .and_then(|o| o.strip_suffix('\''))
        .unwrap();
    let (glob, shift) = value.rsplit_once('=').unwrap();
    assert_eq!(glob, format!("{}*", s(&app)));
    let shift: f64 = shift.strip_suffix('s').unwrap().parse().unwrap();
    assert!((shift + offset).abs() < 0.001, "{option} for {offset}");
    let ev = events(&["--skew", value, s(dir.path())]);
    for g in gaps(&reqs, &ev, &lb, &app) {
        assert!(
            (-50 * MS..=50 * MS).contains(&g),
            "{g} ns apart after {option}"
        );
    }

    // The text output says the same, with the option.
    let out = coroner().arg("timeline").arg(dir.path()).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let section = &text[text.find("Clock skew").expect("a clock skew section")..];
    assert!(section.contains("s ahead"), "{section}");
    assert!(section.contains(option), "{section}");
    assert!(section.contains("reported"), "{section}");
}

#[test]
fn auto_skew_puts_both_sources_on_one_clock() {
    let dir = tempfile::tempdir().unwrap();
    let (reqs, lb, app) = write_logs(dir.path(), 1, 7);
    // Before: 2.5 s apart.
    let before = events(&[s(dir.path())]);
    for g in gaps(&reqs, &before, &lb, &app) {
        assert!((TRUTH..=TRUTH + 5 * MS).contains(&g), "{g}");
    }
    // After: the Envoy events moved back by the estimate, flagged; HAProxy's untouched.
    let after = events(&["--auto-skew", s(dir.path())]);
    for g in gaps(&reqs, &after, &lb, &app) {
        assert!((-50 * MS..=50 * MS).contains(&g), "{g} ns apart");
    }
    for ((source, _), (_, flags)) in &after {
        let shifted = flags.iter().any(|f| f == "skew_applied");
        assert_eq!(shifted, source == s(&app), "{source}: {flags:?}");
    }
    for r in reqs.iter().filter(|r| r.to_app) {
        let key = (s(&lb).to_string(), r.lb_line);
        assert_eq!(after[&key].0, before[&key].0);
    }
    // And the run says what it applied.
    let (v, _) = timeline_json(&["--auto-skew", s(dir.path())]);
    let e = &v["clock_skew"]["estimates"][0];
    assert_eq!(e["applied"], true);
    assert_eq!(v["clock_skew"]["auto"], true);
    let time = time_of(&v, &app);
    assert_eq!(time["skew_from"], "--auto-skew");
    let applied = time["skew_s"].as_f64().unwrap();
    assert!((applied + 2.5).abs() < 0.05, "{applied}");
}

#[test]
fn sources_without_shared_requests_get_no_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let (_, lb, _) = write_logs(&dir.path().join("a"), 1, 7);
    // The backend of another front tier: other clients, other requests.
    let (_, _, app) = write_logs(&dir.path().join("b"), 2, 8);
    let (v, _) = timeline_json(&[s(&lb), s(&app)]);
    let c = &v["clock_skew"];
    assert_eq!(c["estimates"], serde_json::json!([]), "{c}");
    assert_eq!(c["unplaced"].as_array().unwrap().len(), 1, "{c}");
    // Nothing said in the text unless asked; with --auto-skew, said once, nothing moved.
    let text = |extra: &[&str]| {
        let out = coroner()
            .arg("timeline")
            .args(extra)
            .args([&lb, &app])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(!text(&[]).contains("Clock skew"));
    let asked = text(&["--auto-skew"]);
    assert!(asked.contains("Clock skew"), "{asked}");
    assert!(asked.contains("no estimate"), "{asked}");
    let ev = events(&["--auto-skew", s(&lb), s(&app)]);
    assert!(ev
        .values()
        .all(|(_, f)| !f.iter().any(|f| f == "skew_applied")));
}

#[test]
fn an_explicit_skew_wins_over_the_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let (reqs, lb, app) = write_logs(dir.path(), 1, 7);
    let ev = events(&["--auto-skew", "--skew", "*/app1/*=-1s", s(dir.path())]);
    for g in gaps(&reqs, &ev, &lb, &app) {
        assert!((TRUTH - 1_000 * MS..=TRUTH - 995 * MS).contains(&g), "{g}");
    }
    let (v, _) = timeline_json(&["--auto-skew", "--skew", "*/app1/*=-1s", s(dir.path())]);
    let e = &v["clock_skew"]["estimates"][0];
    assert_eq!(e["applied"], false);
    assert_eq!(e["status"], "not applied: --skew given");
    // Measured on top of the given skew: 1.5 s left; the option says the whole of it.
    assert!((e["offset_s"].as_f64().unwrap() - 1.5).abs() < 0.05, "{e}");
    let offset = e["offset_s"].as_f64().unwrap();
    let total: f64 = e["skew"]
        .as_str()
        .unwrap()
        .rsplit_once('=')
        .unwrap()
        .1
        .trim_end_matches("s'")
        .parse()
        .unwrap();
    assert!((total - (-1.0 - offset)).abs() < 0.001, "{e}");
    let time = time_of(&v, &app);
    assert_eq!(time["skew_from"], "--skew");
    assert_eq!(time["skew_s"], -1.0);
}

#[test]
fn stdin_is_estimated_but_not_shifted() {
    let dir = tempfile::tempdir().unwrap();
    let (_, lb, app) = write_logs(dir.path(), 1, 7);
    let out = coroner()
        .args(["timeline", "--json", "--auto-skew", "-", s(&lb)])
        .write_stdin(std::fs::read(&app).unwrap())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = &v["clock_skew"]["estimates"][0];
    assert_eq!(e["stream"], "-", "{v}");
    assert_eq!(e["applied"], false);
    assert_eq!(e["status"], "not applied: stdin is read once");
    assert!((e["offset_s"].as_f64().unwrap() - 2.5).abs() < 0.05, "{e}");
    assert_eq!(
        e["skew"].as_str().unwrap().split('=').next(),
        Some("--skew '-")
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("stdin is read once"), "{stderr}");
}
