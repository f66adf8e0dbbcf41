//! The fast tokenizers (`src/format/fast.rs`) against the regexes they stand in for: on
//! every line of the corpus and the samples, and on mutated variants, a tokenizer that
//! accepts a line must report exactly the regex's fields.

use std::io::Read;
use std::path::Path;

use coroner::format::Registry;
use proptest::prelude::*;

use crate::support::{corpus, root};

static REG: std::sync::LazyLock<Registry> =
    std::sync::LazyLock::new(|| Registry::builtin().unwrap());

fn lines_of(path: &Path) -> Vec<String> {
    let mut raw = Vec::new();
    std::fs::File::open(path)
        .unwrap()
        .read_to_end(&mut raw)
        .unwrap();
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap();
        raw = out;
    }
    String::from_utf8_lossy(&raw)
        .lines()
        .map(str::to_string)
        .collect()
}

/// (format id, files whose lines exercise its tokenizer)
fn cases() -> Vec<(&'static str, Vec<std::path::PathBuf>)> {
    let in_dir = |d: std::path::PathBuf| -> Vec<std::path::PathBuf> {
        let mut v: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        v.sort();
        v
    };
    // Under each sample host, `<sub>/<prefix>*` files, or `<sub>*` files beside a
    // `<sub>.log`.
    let samples = |sub: &str, prefix: &str| -> Vec<std::path::PathBuf> {
        let mut v = Vec::new();
        for s in in_dir(root().join("samples")) {
            let logs = s.join("logs");
            if !logs.is_dir() {
                continue;
            }
            for host in in_dir(logs) {
                let d = host.join(sub);
                if d.is_dir() {
                    v.extend(in_dir(d).into_iter().filter(|p| {
                        p.file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
                    }));
                } else if host.join(format!("{sub}.log")).exists() {
                    for p in in_dir(host.clone()) {
                        if p.file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with(sub))
                        {
                            v.push(p);
                        }
                    }
                }
            }
        }
        v
    };
    let mut haproxy = in_dir(corpus("haproxy"));
    haproxy.extend(samples("haproxy", "access"));
    let mut nginx = in_dir(corpus("nginx_access"));
    nginx.extend(in_dir(corpus("apache_access")));
    nginx.extend(samples("nginx", "access"));
    // Apache's tokenizer on its own corpus and on nginx's lines (the same combined shape).
    let apache = nginx.clone();
    let mut nginx_error = in_dir(corpus("nginx_error"));
    nginx_error.extend(
        in_dir(corpus("enospc_app"))
            .into_iter()
            .filter(|p| p.to_string_lossy().contains("nginx")),
    );
    nginx_error.extend(samples("nginx", "error"));
    vec![
        ("haproxy_http", haproxy),
        ("nginx_access", nginx),
        ("apache_access", apache),
        ("aws_alb", in_dir(corpus("aws_alb"))),
        ("nginx_error", nginx_error),
        ("klog", in_dir(corpus("klog"))),
        ("traefik", in_dir(corpus("traefik"))),
    ]
}

#[test]
fn tokenizers_agree_with_their_regexes_on_every_real_line() {
    let reg = &*REG;
    for (id, files) in cases() {
        let f = reg.get(id).unwrap();
        let patterns = f.fast_patterns();
        assert!(!patterns.is_empty(), "{id} has a tokenizer");
        let (mut lines, mut accepted, mut regex_matched) = (0usize, 0usize, 0usize);
        for path in &files {
            for line in lines_of(path) {
                lines += 1;
                for &p in &patterns {
                    let (fast, regex) = f.fast_vs_regex(p, &line).unwrap();
                    regex_matched += !regex.is_empty() as usize;
                    if let Some(fast) = fast {
                        accepted += 1;
                        assert_eq!(fast, regex, "{id}: {}: {line}", path.display());
                    }
                }
            }
        }
        // The corpus has a handful of ALB lines (AWS's documentation examples); the
        // definition's samples and the mutations below cover it further.
        assert!(
            lines
                > if matches!(id, "aws_alb" | "traefik") {
                    0
                } else {
                    1000
                },
            "{id}: {lines} lines read"
        );
        // The tokenizers must carry the load: nearly every line the regex takes is theirs.
        assert!(
            accepted * 100 >= regex_matched * 95,
            "{id}: the tokenizer accepted {accepted} of the {regex_matched} lines the regex takes ({lines} lines)"
        );
    }
}

/// The lean lane (`timeline` and `report` fold a request line from its tokenizer's spans,
/// with no match built) reads every real line it takes as the general path does: the
/// same instant, precision and request, or the same rejection.
#[test]
fn the_lean_lane_reads_every_real_line_as_the_general_path() {
    use coroner::time::{ClockSettings, SourceClock, YearSource};
    let reg = &*REG;
    let clock = || {
        SourceClock::new(ClockSettings {
            zone: None,
            year: YearSource::Flag(2024),
            skew: 0,
        })
    };
    let mut laned = 0;
    for (id, files) in cases() {
        let f = reg.get(id).unwrap();
        if !f.has_lean_lane() {
            continue;
        }
        // The lean lane's clock and tokenizer memo go from line to line, as in a scan.
        let mut lean = (clock(), coroner::format::fast::Memo::default());
        let mut general = clock();
        let mut taken = 0;
        for path in &files {
            for line in lines_of(path) {
                let (a, b) = f.lean_vs_general(&line, &mut lean, &mut general);
                // Declined, the line goes the general way (another pattern may take it).
                if a.is_some() {
                    assert_eq!(a, b, "{id}: {}: {line}", path.display());
                }
                taken += matches!(a, Some(Ok(_))) as usize;
            }
        }
        assert!(taken > 0, "{id}: no line took the lean lane");
        laned += 1;
    }
    // The access logs: HAProxy, nginx, the ALB, Traefik.
    assert!(laned >= 4, "{laned} formats have a lean lane");
}

#[test]
fn tokenizers_agree_on_every_definition_sample() {
    let reg = &*REG;
    let mut accepted = 0;
    for f in reg.formats() {
        for p in f.fast_patterns() {
            for sample in &f.def.samples {
                if let Some((Some(fast), regex)) = f.fast_vs_regex(p, &sample.line) {
                    accepted += 1;
                    assert_eq!(fast, regex, "{}: {}", f.id, sample.line);
                }
            }
        }
    }
    assert!(accepted >= 10, "{accepted} samples taken by tokenizers");
}

/// Lines the tokenizer must take (with the regex's fields), and lines at its choice points
/// it may take or decline (when it takes one, it has the regex's fields).
fn accepts_and_agrees<S: AsRef<str>>(id: &str, accepted: &[S], edges: &[S]) {
    let f = REG.get(id).unwrap();
    for l in accepted.iter().map(AsRef::as_ref) {
        let (fast, regex) = f.fast_vs_regex(0, l).unwrap();
        assert!(!regex.is_empty(), "the regex takes: {l}");
        assert_eq!(fast.as_ref(), Some(&regex), "accepted, same fields: {l}");
    }
    for l in edges.iter().map(AsRef::as_ref) {
        if let Some((Some(fast), regex)) = f.fast_vs_regex(0, l) {
            assert_eq!(fast, regex, "{l}");
        }
    }
}

#[test]
fn klog_tokenizer_agrees_on_edge_lines() {
    let accepted = [
        "I0404 22:00:01.123456 1 a.go:1] m",
        "I0404 22:00:01.123456       1 a.go:1]m",
        "I0404 22:00:01.123456 1 a.go:1]",
        "I0404 22:00:01.123456 1 a.go:1] ",
        "W0404 22:00:01.123456 1 a/b/c.go:10]  two spaces",
        "F0404 22:00:01.123456 1 a.go:1] é \"quoted\" ] : [",
        "2024-04-04T22:00:01Z I0404 22:00:01.123456 1 a.go:1] m",
        "2024-04-04T22:00:01.5Z stdout P E0404 22:00:01.123456 1 a.go:1] m",
        "2024-04-04T22:00:01.5+05:30 I0404 22:00:01.123456 1 a.go:1] m",
        "2024-04-04T22:00:01-0700 I0404 22:00:01.123456 1 a.go:1] m",
        "2024-04-04T22:00:01 I0404 22:00:01.123456 1 a.go:1] m",
        "Apr 14 22:00:01 host kubelet[1]: I0404 22:00:01.123456 1 a.go:1] m",
        "Apr  4 22:00:01.5 host k.u/b@e-x_1: I0404 22:00:01.123456 1 a.go:1] m",
        "apr 4 22:00:01 host kubelet: I0404 22:00:01.123456 1 a.go:1] m",
    ];
    // Lines at each choice point the regex may still take or refuse: agree or decline.
    let edges = [
        "I0404 22:00:01.12345 1 a.go:1] short fraction",
        "I0404 22:00:01.123456 1 a.go] no line",
        "I0404 22:00:01.123456 1 a:b.go:1] colon in file",
        "I0404 22:00:01.123456 x a.go:1] no thread",
        "X0404 22:00:01.123456 1 a.go:1] level",
        "I0404 22:00:01.123456 1 a.go:1] m\nnext",
        "2024-04-04T22:00:01.Z I0404 22:00:01.123456 1 a.go:1] dot without digits",
        "2024-04-04T22:00:01+05: I0404 22:00:01.123456 1 a.go:1] cut zone",
        "2024-04-04T22:00:01Z stdout X I0404 22:00:01.123456 1 a.go:1] bad tag",
        "2024-04-04T22:00:01Z stdout F plain text",
        "Apr 4  22:00:01 host p: I0404 22:00:01.123456 1 a.go:1] m",
        "Apr 144 22:00:01 host p: I0404 22:00:01.123456 1 a.go:1] m",
        "Apr 14 22:00:01 host p[x]: I0404 22:00:01.123456 1 a.go:1] m",
        "Apr 14 22:00:01 host p[1] : I0404 22:00:01.123456 1 a.go:1] m",
        "Apr 14 22:00:01 host p: plain text",
        "Ab 14 22:00:01 host p: I0404 22:00:01.123456 1 a.go:1] m",
        "",
        "I",
    ];
    accepts_and_agrees("klog", &accepted, &edges);
}

#[test]
fn traefik_tokenizer_agrees_on_edge_lines() {
    let line = |req: &str, tail: &str| {
        format!(r#"1.2.3.4 - - [02/Oct/2017:20:22:07 +0000] "{req}" {tail}"#)
    };
    let ok_tail = r#"200 12 "-" "ua" 1 "r" "http://s" 5ms"#;
    let accepted = [
        line("GET /a HTTP/1.1", ok_tail),
        line("GET /a ", ok_tail),
        line("GET /a\"b HTTP/1.1", ok_tail),
        line("-", ok_tail),
        line("", ok_tail),
        line("get /a HTTP/1.1", ok_tail),
        line("GET  /a", ok_tail),
        line("GET /a HTTP/1.1", r#"- - "-" "-" 1 "r" "http://s" 5ms"#),
        line(
            "GET /a HTTP/1.1",
            r#"200 12 "a\"b\\" "u\ta" 1 "r" "http://s" 5ms"#,
        ),
        line("GET /a HTTP/1.1", r#"200 12 "-" "ua" 1 "" "" 5ms"#),
        line(
            "GET /a HTTP/1.1",
            r#"200 12 "-" "ua" 1 "r x "http://s" 5ms"#,
        ),
        line(
            "GET /a HTTP/1.1",
            "200 12 \"-\" \"ua\" 1 \"r\" \"http://s\" 5ms \t ",
        ),
    ];
    // Choice points where the first preference fails later: agree or decline.
    let mut edges: Vec<String> = [
        r#"2000 12 "-" "ua" 1 "r" "http://s" 5ms"#,
        r#"200 12 "-" "ua" 1 "r " "http://s" 5ms"#,
        r#"200 12 "-" "ua" 1 "r"x "http://s" 5ms"#,
        r#"200 12 "-\" "ua" 1 "r" "http://s" 5ms"#,
        r#"200 12 "-" "ua" 1 "r" "http://s" 5ms x"#,
        r#"200 12 "-" "ua" 1 "r" "http://s" 5 ms"#,
    ]
    .into_iter()
    .map(|tail| line("GET /a HTTP/1.1", tail))
    .collect();
    edges.extend([
        // `\S+` takes the closing quote into the path first: the regex backtracks
        line("GET /a", ok_tail),
        line("GET /a HTTP/1.1", r#"200 12 "-" "ua\"#),
        line("GET /a\" 200 1 \"x", ok_tail),
        line("GET /a HTTP/1.1\" 200", ok_tail),
        line("GET\t/a HTTP/1.1", ok_tail),
        line("GET /a\tHTTP/1.1", ok_tail),
        line(
            "GET /a HTTP/1.1",
            "200 12 \"-\" \"ua\" 1 \"r\" \"http://s\" 5ms\nx",
        ),
        "1.2.3.4 - - [02/Oct/2017:20:22:07 +0000] \"GET /a".to_string(),
        String::new(),
    ]);
    accepts_and_agrees("traefik", &accepted, &edges);
}

/// Lines that stress the choice points: optional envelope and extra field, cut header
/// blocks, requests without protocol or with a closing quote only, bad requests.
#[test]
fn tokenizers_agree_on_edge_lines() {
    let reg = &*REG;
    let haproxy = reg.get("haproxy_http").unwrap();
    let nginx = reg.get("nginx_access").unwrap();
    let hap = [
        r#"10.0.0.1:4567 [04/Apr/2024:22:00:01.123] fe be/s1 0/0/1/2/3 200 512 - - ---- 1/1/0/0/0 0/0 "GET /a HTTP/1.1""#,
        r#"10.0.0.1:4567 [04/Apr/2024:22:00:01.123] fe~ be/s1 X-extra 0/0/1/2/3 200 512 - - ---- 1/1/0/0/+1 0/0 {h1|h2} {r1} "GET /a HTTP/1.1""#,
        r#"Apr  4 22:00:01 lb1 haproxy[12]: ::1:39344 [04/Apr/2024:22:00:01] fe be/<NOSRV> -1/-1/-1/-1/+0 503 +212 - - SC-- 0/0/0/0/0 0/0 "GET /x""#,
        r#"Apr 14 22:00:01 lb1 haproxy: 1.2.3.4:1 [04/Apr/2024:22:00:01.5] fe be/s 1/2/3/4/5 -1 0 - - CD-- 1/1/1/1/0 0/0 {cut header"#,
        r#"1.2.3.4:1 [04/Apr/2024:22:00:01.5] fe be/s 1/2/3/4/5 200 0 - - ---- 1/1/1/1/0 0/0 "GET /a"b""#,
        r#"1.2.3.4:1 [04/Apr/2024:22:00:01.5] fe be/s 1/2/3/4/5 200 0 - - ---- 1/1/1/1/0 0/0 "GET /a HTTP/1.1 trailing""#,
        r#"1.2.3.4:1 [04/Apr/2024:22:00:01.5] fe be/s 1/2/3/4/5 200 0 - - ---- 1/1/1/1/0 0/0 "GET ""#,
        r#"1.2.3.4:1 [04/Apr/2024:22:00:01.5] fe be/s 1/2/3/4/5 2000 0 - - ---- 1/1/1/1/0 0/0"#,
        r#"1.2.3.4:1 [04/Apr/2024:22:00:01.5] fe be/s 1/2/3/4/5 1/2/3/4/5 200 0 - - ---- 1/1/1/1/0 0/0"#,
        r#"host:name:99 [04/Apr/2024:22:00:01.5] fe be/s 1/2/3/4/5 200 0 - - ---- 1/1/1/1/0 0/0   "#,
    ];
    // Apache's: the `%v` prefix taken or not, each request alternative, the optional
    // groups after the status taken or left out, and lines the regex refuses.
    let apache = reg.get("apache_access").unwrap();
    let apa = [
        r#"1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "GET /a HTTP/1.1" 200 12 "-" "curl/8""#,
        r#"web:80 1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "GET /a HTTP/1.1" 200 12 "-" "curl/8" 6307"#,
        r#"web 1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "GET /a HTTP/1.1" 200 12 "-" "c" "10.0.0.1" 17"#,
        r#"1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "-" 408 -"#,
        r#"1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "GET /a"b" 200 5"#,
        r#"1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "GET /a"" 200 5 "r" "u""#,
        r#"1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "GET /a HTTP/1.1 extra" 200 5"#,
        r#"1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "GET  /a" 200 5"#,
        r#"1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "\x16\x03 \"q\"" 400 0 "-" "-"  "#,
        r#"1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "" 400 0"#,
        r#"1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "GET /a HTTP/1.1" 200 5 x"#,
        r#"1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "GET /a HTTP/1.1" 200 5 "r" "u" x"#,
        r#"1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "GET /a HTTP/1.1" 200 5 "r" "u" "f" 12 x"#,
        r#"1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "GET /a HTTP/1.1" 200 5 12 13"#,
        r#"1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "GET /a HTTP/1.1" 200 5 "r" 12"#,
        r#"1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "GET /a\" 200 5 "#,
        r#"a_b 1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "GET /a HTTP/1.1" 200 5"#,
        r#"h: 1.2.3.4 - [04/Apr/2024:22:00:01 +0000] "GET /a HTTP/1.1" 200 5"#,
        r#"h:1x 1.2.3.4 - [04/Apr/2024:22:00:01 +0000] "GET /a HTTP/1.1" 200 5"#,
        r#"web 1.2.3.4 - [04/Apr/2024:22:00:01 +0000] "GET /a HTTP/1.1" 200 5"#,
        "1.2.3.4\t- - [04/Apr/2024:22:00:01 +0000] \"GET /a HTTP/1.1\" 200 5",
    ];
    for l in apa {
        let (fast, regex) = apache.fast_vs_regex(0, l).unwrap();
        if let Some(fast) = fast {
            assert_eq!(fast, regex, "{l}");
        }
    }
    for l in &apa[..10] {
        assert!(
            apache.fast_vs_regex(0, l).unwrap().0.is_some(),
            "accepted: {l}"
        );
    }
    for l in hap {
        if let Some((Some(fast), regex)) = haproxy.fast_vs_regex(0, l) {
            assert_eq!(fast, regex, "{l}");
        }
    }
    for l in [hap[0], hap[1], hap[2], hap[3]] {
        assert!(
            haproxy.fast_vs_regex(0, l).unwrap().0.is_some(),
            "accepted: {l}"
        );
    }
    let ngx = [
        r#"1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "GET /a HTTP/1.1" 200 12 "-" "curl/8""#,
        r#"1.2.3.4 - bob [04/Apr/2024:22:00:01 -0700] "-" 400 0 "-" "-""#,
        r#"1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "GET  /a" 200 - "-""#,
        r#"1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "GET /a" 200 12 extra"#,
        r#"  1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "\x16\x03" 400 157 "-" "-" rt=0.1"#,
        r#"example.com 1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "GET / HTTP/1.1" 200 1 "-" "-""#,
        r#"10.0.0.1, 1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "GET / HTTP/1.1" 200 1 "-" "-""#,
    ];
    for l in ngx {
        if let Some((Some(fast), regex)) = nginx.fast_vs_regex(0, l) {
            assert_eq!(fast, regex, "{l}");
        }
    }
    for l in [ngx[0], ngx[1], ngx[2], ngx[3], ngx[4]] {
        assert!(
            nginx.fast_vs_regex(0, l).unwrap().0.is_some(),
            "accepted: {l}"
        );
    }
    // nginx_error: (line, accepted?) — the lazy message against the suffix's choices.
    let error = reg.get("nginx_error").unwrap();
    let h = "2026/11/21 05:24:25 [error] 3458#3458: ";
    let err_lines: Vec<(String, bool)> = [
        // the common shapes
        (r#"*23 upstream timed out (110: Connection timed out) while reading response header from upstream, client: ::1, server: shop.example.test, request: "GET /slow/report?range=30d HTTP/1.1", upstream: "http://127.0.0.1:18083/slow/report?range=30d", host: "shop.example.test""#, true),
        (r#"*5 open() "/x/favicon.ico" failed (2: No such file or directory), client: 127.0.0.1, server: localhost, request: "GET /favicon.ico HTTP/1.1", host: "localhost:8080", referrer: "http://localhost:8080/""#, true),
        ("*1 client 127.0.0.1 closed keepalive connection", true),
        ("signal 3 (SIGQUIT) received from 15930, shutting down", true),
        ("gracefully shutting down", true),
        (r#"*9 no live upstreams while connecting to upstream, client: 10.0.0.1, server: _, request: "POST /api HTTP/2.0", subrequest: "/auth", upstream: "fastcgi://unix:/run/php.sock:", host: "a""#, true),
        (r#"*9 x, client: 10.0.0.1, server: s, request: "GET / HTTP/1.1", upstream: "app_pool", host: "a""#, true),
        (r#"*9 x, client: 10.0.0.1, server: s, request: "GET / HTTP/1.1", upstream: "HTTP://a/b", host: "a""#, true),
        (r#"*9 x, client: 10.0.0.1, server: s, request: "GET / HTTP/1.1", upstream: "http://[::1]:80/b""#, true),
        // the message holds `, client: ` text: the first `,` that S fits wins
        (r#"*7 upstream said ", client: evil", client: 1.2.3.4, server: s, request: "GET / HTTP/1.1", host: "h""#, true),
        (r#"*7 a, b, client: c, client: d"#, true),
        (r#"*7 a, server: x, client: y"#, true),
        // request: without protocol, bad requests, a path holding `"`
        (r#"*1 x, client: 1.2.3.4, server: s, request: "GET /a", host: "h""#, true),
        (r#"*1 x, client: 1.2.3.4, server: s, request: "GET /a" b""#, true),
        (r#"*1 x, client: 1.2.3.4, server: s, request: "GET /a"b HTTP/1.1", host: "h""#, true),
        (r#"*1 x, client: 1.2.3.4, server: s, request: "GET /a"b"c", host: "h""#, true),
        (r#"*1 x, client: 1.2.3.4, server: s, request: "-""#, true),
        (r#"*1 x, client: 1.2.3.4, server: s, request: "get /a HTTP/1.1""#, true),
        (r#"*1 x, client: 1.2.3.4, server: s, request: "GET""#, true),
        (r#"*1 x, client: 1.2.3.4, server: s, request: "GET ""#, true),
        (r#"*1 x, client: 1.2.3.4, server: s, request: "GET  /a HTTP/1.1""#, true),
        (r#"*1 x, client: 1.2.3.4, server: s, request: "GET /a HTTP/1.1"#, true),
        (r#"*1 x, client: 1.2.3.4, server: s, request: "GET /a HTTP/1.1", host: "h"#, true),
        (r#"*1 x, request: "GET /a, host: "h""#, true),
        (r#"*1 x, request: "GET /a", host: "h", upstream: "u""#, true),
        ("*1 x, client: 1.2.3.4, server: s, request: \"GET\t/a HTTP/1.1\"", true),
        ("*1 x, client: 1.2.3.4, server: s, request: \"GET /a\tHTTP/1.1\"", true),
        // missing fields, fields out of order, a trailing `,`, empty values, `"` inside
        (r#"*1 x, server: s, host: "h""#, true),
        (r#"*1 x, host: "h", client: 1.2.3.4"#, true),
        (r#"*1 x, referrer: "r", host: "h""#, true),
        (r#"*1 x, client: 1.2.3.4,"#, true),
        (r#"*1 x,"#, true),
        (",", true),
        (r#"*1 x, client: , server: , request: "", subrequest: "", upstream: "", host: "", referrer: """#, true),
        (r#"*1 x, client: 1.2"3, server: a"b, request: "GET /a HTTP/1.1", host: "h""#, true),
        (r#"*1 x, host: "a"b""#, true),
        (r#"*1 x, host: "a", host: "b""#, true),
        (r#"*1 x, upstream: "http://a/b""#, true),
        (r#"*1 x, upstream: "http:/a""#, true),
        (r#"*1 x, upstream: "unterminated"#, true),
        // whitespace: trailing, tabs, line breaks (`.` is not `\n`, `[^,]` is)
        (r#"*1 x, client: 1.2.3.4, host: "h"  "#, true),
        ("*1 x, client: 1.2.3.4, host: \"h\" \t\r\n", true),
        ("*1 x, client: 1.2.3.4\t, server: s", true),
        ("*1 x, client: 1.2.3.4 \n", true),
        ("*1 x, client: a\nb", true),
        ("*1 x\n, client: a", false),
        ("*1 x\ny, client: a", false),
        ("*1 x, client: a, host: \"h\"\nz", false),
        ("*1 ", true),
        ("*1 \n", true),
        ("   ", true),
        ("", true),
        // the connection: absent, malformed
        ("*x oops", true),
        ("* 1 oops", true),
        ("*1oops", true),
        ("*1  two spaces", true),
    ]
    .into_iter()
    .map(|(tail, ok)| (format!("{h}{tail}"), ok))
    .chain([
        // past the tokenizer's budget: it may decline, but must agree if it does not
        (format!("{h}*1 x{}, client: end", ", client: a".repeat(200)), false),
        (format!("{h}*1 x{}z", ", host: \"a\", client: b".repeat(100)), false),
        (format!("{h}*1 x, request: \"GET /{} HTTP/1.1\"", "a\"".repeat(300)), true),
        (format!("{h}*1 x{}", ", request: \"GET /a\"b\"c\"".repeat(50)), false),
    ])
    .chain(
        [
            // heads the regex does not take: the tokenizer must not either
            ("2026/11/21 05:24:25 [Error] 3458#3458: x", false),
            ("2026/11/21 05:24:25 [error] 3458: x", false),
            ("2026/11/21 05:24:25 [error] 3458#3458 x", false),
            ("26/11/21 05:24:25 [error] 3458#3458: x", false),
            ("2026/11/21 05:24:25 [] 3458#3458: x", false),
            ("2026/11/21 05:24:25 [error] #3458: x", false),
            ("2026/11/21 05:24:25 [error] 3458#3458:", false),
        ]
        .into_iter()
        .map(|(l, ok)| (l.to_string(), ok)),
    )
    .collect();
    for (l, should_accept) in &err_lines {
        let (fast, regex) = error.fast_vs_regex(0, l).unwrap();
        if let Some(fast) = fast {
            assert_eq!(fast, regex, "{l:?}");
            assert!(
                !regex.is_empty(),
                "accepted a line the regex rejects: {l:?}"
            );
        }
        if *should_accept {
            assert!(
                error.fast_vs_regex(0, l).unwrap().0.is_some(),
                "accepted: {l:?}"
            );
        }
    }
}

/// Pieces the generated lines are made of: real field shapes and the bytes that sit at
/// the tokenizers' decision points.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(" ".to_string()),
        Just("  ".to_string()),
        Just("\"".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("/".to_string()),
        Just(":".to_string()),
        Just("~".to_string()),
        Just("-".to_string()),
        Just("+".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(",".to_string()),
        Just("\t".to_string()),
        Just("é".to_string()),
        Just("HTTP/1.1".to_string()),
        Just("GET".to_string()),
        Just("\n".to_string()),
        Just("*".to_string()),
        Just(", ".to_string()),
        Just(", client: ".to_string()),
        Just(", server: ".to_string()),
        Just(", request: \"".to_string()),
        Just(", subrequest: \"".to_string()),
        Just(", upstream: \"".to_string()),
        Just(", host: \"".to_string()),
        Just(", referrer: \"".to_string()),
        Just("http://".to_string()),
        Just("stdout F ".to_string()),
        Just("\\".to_string()),
        Just("\" \"".to_string()),
        Just(" \"".to_string()),
        Just("ms".to_string()),
        Just("I0404 ".to_string()),
        Just(".123456".to_string()),
        Just("Z".to_string()),
        Just("T".to_string()),
        Just(".".to_string()),
        Just("go:".to_string()),
        "[0-9]{1,4}",
        "[a-z]{1,5}",
        "[A-Z][a-z]{2}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    /// A real line with a stretch replaced by random pieces.
    #[test]
    fn tokenizers_agree_on_mutated_lines(
        which in 0usize..24,
        at in 0usize..700,
        cut in 0usize..40,
        insert in proptest::collection::vec(piece(), 0..6),
    ) {
        let base = [
            ("haproxy_http", r#"Apr  4 22:00:01 lb1 haproxy[12]: 10.0.0.1:4567 [04/Apr/2024:22:00:01.123] fe~ be/s1 0/0/1/2/3 200 512 - - ---- 1/1/0/0/0 0/0 {h1|h2} {r1} "GET /a?b=c HTTP/1.1""#),
            ("haproxy_http", r#"::1:39344 [04/Apr/2024:22:00:01] fe be/<NOSRV> -1/-1/-1/-1/+0 503 +212 - - SC-- 0/0/0/0/0 0/0 "GET /x""#),
            ("nginx_access", r#"1.2.3.4 - bob [04/Apr/2024:22:00:01 -0700] "GET /a HTTP/1.1" 502 157 "http://r/" "Mozilla/5.0 (X11)" rt=0.1"#),
            ("nginx_access", r#"1.2.3.4 - - [04/Apr/2024:22:00:01 +0000] "-" 400 0 "-" "-""#),
            ("aws_alb", r#"https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 "GET https://www.example.com:443/ HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337281-1d84f3d73c47ec4e58577259" "www.example.com" "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 1 2018-07-02T22:22:48.364000Z "authenticate,forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234"#),
            ("aws_alb", r#"http 2018-11-30T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 [fe80::202:b3ff:fe1e:8329]:443 - 0.000 0.001 -1 502 - 34 366 "- - - " "agent \"x\" y" - - arn:aws:elasticloadbalancing:us-east-2:1:targetgroup/tg/73e2 "Root=1-5" "-" "-" - 2018-11-30T22:22:48.364000Z "forward" "-" "LambdaInvalidResponse""#),
            ("aws_alb", r#"h2 2018-07-02T22:23:00.186641Z app/lb/50dc 10.0.0.9:2817 [2001:db8::1]:80 0.001 0.002 0.003 503 503 1 2 "POST /p?q="x" HTTP/2.0" "ua" c p arn:aws:x:targetgroup/a "t" "d" "c" -1 2018-07-02T22:22:48Z "waf" "-" "-" "a" "b" "c" "d" x y"#),
            ("nginx_error", r#"2026/11/21 05:24:25 [error] 3458#3458: *23 upstream timed out (110: Connection timed out) while reading response header from upstream, client: ::1, server: shop.example.test, request: "GET /slow/report?range=30d HTTP/1.1", upstream: "http://127.0.0.1:18083/slow/report?range=30d", host: "shop.example.test""#),
            ("nginx_error", r#"2016/10/25 14:49:34 [error] 54053#0: *1 open() "/x/favicon.ico" failed (2: No such file or directory), client: 127.0.0.1, server: localhost, request: "GET /favicon.ico HTTP/1.1", subrequest: "/auth", upstream: "fastcgi://unix:/run/php.sock:", host: "localhost:8080", referrer: "http://localhost:8080/""#),
            ("nginx_error", r#"2026/11/21 05:26:58 [notice] 3456#3456: signal 3 (SIGQUIT) received from 15930, shutting down"#),
            ("klog", r#"I0404 22:00:01.123456       1 leaderelection.go:258] successfully acquired lease kube-system/kube-controller-manager"#),
            ("klog", r#"2024-04-04T22:00:01.123456789Z stderr F E0404 22:00:01.123456    12 reflector.go:138] failed to list *v1.Pod: Unauthorized"#),
            ("klog", r#"2021-09-14T14:24:44.078+02:00 W0914 14:24:44.078476 1 x.go:1]no space"#),
            ("klog", r#"Apr  4 22:00:01.123 node-1 kubelet[1234]: I0404 22:00:01.123456    1234 kubelet.go:2420] "SyncLoop ADD" source="api""#),
            ("klog", r#"Sep 14 14:24:44 ip-10-0-1-2 hyperkube: F0914 14:24:44.078476   99 server.go:10] fatal"#),
            ("traefik", r#"192.168.33.1 - - [02/Oct/2017:20:22:07 +0000] "GET /ui/favicons/favicon-16x16.png HTTP/1.1" 304 0 "http://example.com/login" "Mozilla/5.0 (X11; Linux x86_64) \"quoted\"" 12 "Host-example-com-0" "http://172.17.0.3:80" 2ms"#),
            ("traefik", r#"10.0.0.1 - bob [02/Oct/2017:20:22:07 -0700] "-" - - "-" "-" 1 "my router "http://x" 0ms  "#),
            ("traefik", r#"::1 - - [02/Oct/2017:20:22:07 +0000] "POST /a"b HTTP/2.0" 502 157 "-" "curl/8" 3 "web@docker" "http://10.0.0.2:8080" 30001ms"#),
            ("apache_access", r#"203.0.113.9 - - [21/Nov/2026:10:07:21 +0530] "GET /api/items?id=7 HTTP/1.1" 200 212 "-" "Go-http-client/1.1""#),
            ("apache_access", r#"web01.example.test:80 127.0.0.1 - frank [21/Nov/2026:10:07:21 +0530] "GET /a"b HTTP/1.1" 503 - "http://r/\"x\"" "curl/7.88.1" "10.0.0.1, 10.0.0.2" 6307"#),
            ("apache_access", r#"vhost 10.0.0.1 - - [21/Nov/2026:10:07:21 -0000] "-" 408 - "-" "-""#),
            ("apache_access", r#"::1 - - [21/Nov/2026:10:07:21 +0000] "\x16\x03\x01 \"weird\"" 400 226"#),
            ("apache_access", r#"10.0.0.1 - - [21/Nov/2026:10:07:21 +0000] "GET /x"" 200 5 12"#),
            ("apache_access", r#"host:8080 host2 - - [21/Nov/2026:10:07:21 +0000] "POST /p HTTP/2.0" 201 0 "a" "b" 17  "#),
        ];
        let (id, line) = base[which];
        let at = at.min(line.len());
        let at = (0..=at).rev().find(|&i| line.is_char_boundary(i)).unwrap_or(0);
        let end = (at + cut).min(line.len());
        let end = (end..=line.len()).find(|&i| line.is_char_boundary(i)).unwrap();
        let mutated = format!("{}{}{}", &line[..at], insert.concat(), &line[end..]);
        let reg = &*REG;
        let f = reg.get(id).unwrap();
        if let Some((Some(fast), regex)) = f.fast_vs_regex(0, &mutated) {
            prop_assert_eq!(fast, regex, "{}", mutated);
        }
    }

    /// A tokenizer reading a line after another (what the first left in its memo may
    /// spare it a prefix they share) reads it as it would alone: pairs of real lines, one
    /// of them with a stretch replaced (in the shared envelope or after it).
    #[test]
    fn a_line_read_after_another_reads_as_alone(
        which in 0usize..4,
        other in 0usize..4,
        at in 0usize..80,
        cut in 0usize..12,
        insert in proptest::collection::vec(piece(), 0..3),
        mutate_first in any::<bool>(),
    ) {
        let lines = [
            r#"Apr  4 22:00:01 lb1 haproxy[12]: 10.0.0.1:4567 [04/Apr/2024:22:00:01.123] fe~ be/s1 0/0/1/2/3 200 512 - - ---- 1/1/0/0/0 0/0 {h1|h2} {r1} "GET /a?b=c HTTP/1.1""#,
            r#"Apr  4 22:00:01 lb1 haproxy[12]: 10.0.0.2:4568 [04/Apr/2024:22:00:01.125] fe~ be/s2 0/0/1/2/3 503 0 - - sH-- 1/1/0/0/0 0/0 "POST /b HTTP/1.1""#,
            r#"Feb 13 21:00:00 lb1 haproxy[2241]: 188.134.176.122:34364 [13/Feb/2024:21:00:00.011] fe_https~ be_api/app2 0/0/0/11/11 200 5182 - - ---- 731/730/3/1/0 0/0 {console.example.com|Mozilla/5.0} "GET /login HTTP/2.0""#,
            r#"Sep 20 15:44:23 127.0.0.1 haproxy: 127.0.0.1:40962 [20/Sep/2018:15:44:23.285] main app/<NOSRV> -1/-1/1/-1/+2 503 212 - - SC-- 1/1/0/0/0 0/0"#,
        ];
        let (a, b) = (lines[which], lines[other]);
        let target = if mutate_first { a } else { b };
        let at = at.min(target.len());
        let end = (at + cut).min(target.len());
        let mutated = format!("{}{}{}", &target[..at], insert.concat(), &target[end..]);
        let (first, second) = if mutate_first { (mutated.as_str(), b) } else { (a, mutated.as_str()) };
        let f = REG.get("haproxy_http").unwrap();
        let (next, alone) = f.fast_next_vs_alone(0, first, second).unwrap();
        prop_assert_eq!(next, alone, "{} after {}", second, first);
    }
}

/// A regex anchored at the start is not run on a line that cannot start it: the bytes
/// its first positions may hold come from its syntax tree (and every sample still
/// parses, which the sample checker asserts for every definition).
#[test]
fn anchored_patterns_name_the_bytes_a_line_can_start_with() {
    let reg = &*REG;
    let digits: Vec<u8> = (b'0'..=b'9').collect();
    // `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z`: an access log's `178.1…` is not tried
    let cri = reg.get("cri").unwrap().lead_of(0).unwrap();
    assert!(cri.len() >= 16, "{cri:?}");
    assert_eq!(
        cri[..4],
        [
            digits.clone(),
            digits.clone(),
            digits.clone(),
            digits.clone()
        ]
    );
    assert_eq!(cri[4], b"-");
    assert_eq!(cri[10], b"T");
    assert_eq!(
        reg.get("nginx_error").unwrap().lead_of(0).unwrap()[0],
        digits
    );
    // optional syslog prefix: anchored, but a line may start with anything an address can
    assert_eq!(reg.get("haproxy_http").unwrap().lead_of(0), Some(vec![]));
    let mut some = 0;
    for f in reg.formats() {
        for p in 0..f.pattern_names().count() {
            let Some(lead) = f.lead_of(p) else { continue };
            for (i, set) in lead.iter().enumerate() {
                assert!(
                    !set.is_empty(),
                    "{}: pattern {p} position {i} holds nothing",
                    f.id
                );
            }
            some += !lead.is_empty() as usize;
        }
    }
    assert!(some >= 10, "only {some} patterns have a leading filter");
}

/// The leading filter never turns away a line the regex matches: every pattern of every
/// built-in format, on every line of the corpus, and on each line's first bytes
/// changed one at a time.
#[test]
fn the_leading_filter_turns_away_no_line_its_regex_matches() {
    let reg = &*REG;
    let mut lines: Vec<String> = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(corpus(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            lines.extend(lines_of(&file).into_iter().take(100));
        }
    }
    assert!(lines.len() > 2000, "{}", lines.len());
    let mut turned_away = 0;
    for f in reg.formats() {
        for p in 0..f.pattern_names().count() {
            if f.lead_of(p).is_none_or(|l| l.is_empty()) {
                continue;
            }
            for line in &lines {
                let mut variants = vec![line.clone()];
                for i in 0..line.len().min(12) {
                    for b in [b'0', b'a', b'-', b':'] {
                        let mut v = line.clone().into_bytes();
                        v[i] = b;
                        if let Ok(v) = String::from_utf8(v) {
                            variants.push(v);
                        }
                    }
                }
                for v in &variants {
                    let (tried, matched) = f.tried_and_matched(p, v).unwrap();
                    assert!(tried || !matched, "{} pattern {p} turns away {v:?}", f.id);
                    turned_away += !tried as usize;
                }
            }
        }
    }
    assert!(turned_away > 0);
}
