//! Suricata 7 EVE JSON as a live sensor writes it: alert, flow, anomaly and
//! stats events, with real Community IDs (v1, seed 0).

use crate::json::Obj;
use crate::output::Line;
use crate::rng::{self, Rng};
use crate::syslog::Host;
use crate::time::{self, SEC, Us};
use std::net::IpAddr;

/// An IDS signature.
pub struct Sig {
    pub sid: u32,
    pub rev: u32,
    pub msg: &'static str,
    pub category: &'static str,
    pub severity: u8,
}

pub const BACKGROUND: &[Sig] = &[
    Sig {
        sid: 2_001_219,
        rev: 20,
        msg: "ET SCAN Potential SSH Scan",
        category: "Attempted Information Leak",
        severity: 2,
    },
    Sig {
        sid: 2_010_937,
        rev: 3,
        msg: "ET SCAN Suspicious inbound to mySQL port 3306",
        category: "Potentially Bad Traffic",
        severity: 2,
    },
    Sig {
        sid: 2_402_000,
        rev: 6_934,
        msg: "ET DROP Dshield Block Listed Source group 1",
        category: "Misc Attack",
        severity: 2,
    },
    Sig {
        sid: 2_013_028,
        rev: 7,
        msg: "ET POLICY curl User-Agent Outbound",
        category: "Attempted Information Leak",
        severity: 2,
    },
    Sig {
        sid: 2_221_010,
        rev: 1,
        msg: "SURICATA HTTP unable to match response to request",
        category: "Generic Protocol Command Decode",
        severity: 3,
    },
];

/// The noisy signature of the IDS storm (ids-disk-full).
pub const STORM: Sig = Sig {
    sid: 2_210_045,
    rev: 2,
    msg: "SURICATA STREAM Packet with invalid ack",
    category: "Generic Protocol Command Decode",
    severity: 3,
};

// --- SHA-1 and base64, just enough for the Community ID ---------------------

fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let mut msg = data.to_vec();
    let bits = (data.len() as u64) * 8;
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bits.to_be_bytes());
    for chunk in msg.chunks(64) {
        let mut w = [0u32; 80];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([
                chunk[4 * i],
                chunk[4 * i + 1],
                chunk[4 * i + 2],
                chunk[4 * i + 3],
            ]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (i, v) in h.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&v.to_be_bytes());
    }
    out
}

fn base64(data: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                s.push(char::from(T[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                s.push('=');
            }
        }
    }
    s
}

fn ip_bytes(ip: &str) -> Vec<u8> {
    match ip.parse::<IpAddr>().expect("ip") {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

/// Community ID v1 (seed 0) of a TCP/UDP flow.
pub fn community_id(src: &str, sport: u16, dst: &str, dport: u16, proto: u8) -> String {
    let (a, b) = (ip_bytes(src), ip_bytes(dst));
    let (a, ap, b, bp) = if (a.clone(), sport) <= (b.clone(), dport) {
        (a, sport, b, dport)
    } else {
        (b, dport, a, sport)
    };
    let mut d = vec![0u8, 0];
    d.extend_from_slice(&a);
    d.extend_from_slice(&b);
    d.push(proto);
    d.push(0);
    d.extend_from_slice(&ap.to_be_bytes());
    d.extend_from_slice(&bp.to_be_bytes());
    format!("1:{}", base64(&sha1(&d)))
}

/// Suricata prints IPv6 addresses fully expanded.
pub fn eve_ip(ip: &str) -> String {
    match ip.parse::<IpAddr>().expect("ip") {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => a
            .segments()
            .iter()
            .map(|s| format!("{s:04x}"))
            .collect::<Vec<_>>()
            .join(":"),
    }
}

/// One sensor (one LB); keeps its counters for the stats events.
pub struct Sensor {
    pub host: Host,
    pub iface: &'static str,
    /// Mean seconds between sampled flow events.
    pub flow_gap: f64,
    pub started: Us,
    pub alerts: u64,
    pub flows: u64,
    pub pkts: u64,
}

pub struct Flow<'a> {
    pub src: &'a str,
    pub sport: u16,
    pub dst: &'a str,
    pub dport: u16,
    pub tcp: bool,
    pub app: &'a str,
    pub start: Us,
}

impl Sensor {
    fn head(&self, t: Us, flow_id: u64, ev: &str, f: &Flow) -> Obj {
        let v6 = f.src.contains(':');
        Obj::new()
            .s("timestamp", &time::suricata(t + self.host.offset))
            .n("flow_id", flow_id)
            .s("in_iface", self.iface)
            .s("event_type", ev)
            .s("src_ip", &eve_ip(f.src))
            .n("src_port", f.sport)
            .s("dest_ip", &eve_ip(f.dst))
            .n("dest_port", f.dport)
            .s("proto", if f.tcp { "TCP" } else { "UDP" })
            .n("ip_v", if v6 { 6 } else { 4 })
    }

    fn line(&self, t: Us, text: String) -> Line {
        let mut l = Line::new(t + self.host.offset, text);
        l.true_at = t;
        l
    }

    pub fn alert(&mut self, r: &mut Rng, t: Us, sig: &Sig, f: &Flow) -> Line {
        self.alerts += 1;
        let flow_id = rng::range(r, 1 << 48, 1 << 51);
        let (pts, ptc) = (rng::range(r, 1, 12), rng::range(r, 0, 10));
        let proto = if f.tcp { 6 } else { 17 };
        let mut o = self
            .head(t, flow_id, "alert", f)
            .s("pkt_src", "wire/pcap")
            .s(
                "community_id",
                &community_id(f.src, f.sport, f.dst, f.dport, proto),
            )
            .raw(
                "alert",
                &Obj::new()
                    .s("action", "allowed")
                    .n("gid", 1)
                    .n("signature_id", sig.sid)
                    .n("rev", sig.rev)
                    .s("signature", sig.msg)
                    .s("category", sig.category)
                    .n("severity", sig.severity)
                    .done(),
            );
        if !f.app.is_empty() {
            o = o.s("app_proto", f.app);
        }
        let text = o
            .s("direction", "to_server")
            .raw(
                "flow",
                &Obj::new()
                    .n("pkts_toserver", pts)
                    .n("pkts_toclient", ptc)
                    .n("bytes_toserver", pts * rng::range(r, 60, 700))
                    .n("bytes_toclient", ptc * rng::range(r, 60, 1400))
                    .s("start", &time::suricata(f.start + self.host.offset))
                    .s("src_ip", &eve_ip(f.src))
                    .s("dest_ip", &eve_ip(f.dst))
                    .n("src_port", f.sport)
                    .n("dest_port", f.dport)
                    .done(),
            )
            .done();
        self.line(t, text)
    }

    pub fn flow(&mut self, r: &mut Rng, t: Us, f: &Flow, alerted: bool) -> Line {
        self.flows += 1;
        let flow_id = rng::range(r, 1 << 48, 1 << 51);
        let proto = if f.tcp { 6 } else { 17 };
        let (pts, ptc) = (rng::range(r, 4, 40), rng::range(r, 3, 60));
        self.pkts += pts + ptc;
        let age = (t - f.start) / SEC;
        let mut flow = Obj::new()
            .n("pkts_toserver", pts)
            .n("pkts_toclient", ptc)
            .n("bytes_toserver", pts * rng::range(r, 66, 600))
            .n("bytes_toclient", ptc * rng::range(r, 66, 1448))
            .s("start", &time::suricata(f.start + self.host.offset))
            .s(
                "end",
                &time::suricata(t - rng::range(r, 1, 30) as Us * SEC + self.host.offset),
            )
            .n("age", age)
            .s("state", if f.tcp { "closed" } else { "established" })
            .s("reason", "timeout")
            .raw("alerted", if alerted { "true" } else { "false" });
        if !f.app.is_empty() {
            flow = flow.n("tx_cnt", rng::range(r, 1, 9));
        }
        let mut o = self
            .head(t, flow_id, "flow", f)
            .s("app_proto", if f.app.is_empty() { "failed" } else { f.app })
            .raw("flow", &flow.done())
            .s(
                "community_id",
                &community_id(f.src, f.sport, f.dst, f.dport, proto),
            );
        if f.tcp {
            o = o.raw(
                "tcp",
                r#"{"tcp_flags":"1b","tcp_flags_ts":"1b","tcp_flags_tc":"1b","syn":true,"fin":true,"psh":true,"ack":true,"state":"closed","ts_max_regions":1,"tc_max_regions":1}"#,
            );
        }
        self.line(t, o.done())
    }

    pub fn anomaly(&mut self, r: &mut Rng, t: Us, f: &Flow, event: &str) -> Line {
        let flow_id = rng::range(r, 1 << 48, 1 << 51);
        let proto = if f.tcp { 6 } else { 17 };
        let text = self
            .head(t, flow_id, "anomaly", f)
            .s("pkt_src", "wire/pcap")
            .s(
                "community_id",
                &community_id(f.src, f.sport, f.dst, f.dport, proto),
            )
            .raw(
                "anomaly",
                &Obj::new().s("type", "stream").s("event", event).done(),
            )
            .done();
        self.line(t, text)
    }

    pub fn stats(&mut self, t: Us) -> Line {
        let up = (t - self.started) / SEC;
        let pkts = self.pkts + (up as u64) * 41;
        let bytes = pkts * 612;
        let tcp = pkts * 9 / 10;
        let udp = pkts - tcp;
        let flows = self.flows + (up as u64) / 3;
        let stats = Obj::new()
            .n("uptime", up)
            .raw("capture", &Obj::new().n("kernel_packets", pkts).n("kernel_drops", 0).n("errors", 0).done())
            .raw(
                "decoder",
                &Obj::new()
                    .n("pkts", pkts)
                    .n("bytes", bytes)
                    .n("invalid", pkts / 40_000)
                    .n("ipv4", pkts * 97 / 100)
                    .n("ipv6", pkts * 3 / 100)
                    .n("ethernet", pkts)
                    .n("tcp", tcp)
                    .n("udp", udp)
                    .n("icmpv4", up / 7)
                    .n("icmpv6", up / 19)
                    .n("avg_pkt_size", 612)
                    .n("max_pkt_size", 1514)
                    .done(),
            )
            .raw(
                "tcp",
                &Obj::new()
                    .n("syn", flows * 9 / 10)
                    .n("synack", flows * 9 / 10)
                    .n("rst", flows / 30)
                    .n("sessions", flows * 9 / 10)
                    .n("ssn_memcap_drop", 0)
                    .n("reassembly_gap", flows / 5000)
                    .n("memuse", 6_553_600)
                    .n("reassembly_memuse", 1_212_416)
                    .done(),
            )
            .raw(
                "flow",
                &Obj::new()
                    .n("memcap", 0)
                    .n("total", flows)
                    .n("active", 40 + up % 37)
                    .n("tcp", flows * 9 / 10)
                    .n("udp", flows / 10)
                    .n("icmpv4", up / 60)
                    .n("icmpv6", up / 300)
                    .n("spare", 9_800)
                    .n("emerg_mode_entered", 0)
                    .n("emerg_mode_over", 0)
                    .n("memuse", 7_394_304)
                    .done(),
            )
            .raw(
                "detect",
                &Obj::new()
                    .raw(
                        "engines",
                        &format!(
                            "[{{\"id\":0,\"last_reload\":\"{}\",\"rules_loaded\":43216,\"rules_failed\":0,\"rules_skipped\":0}}]",
                            time::suricata(self.started + self.host.offset)
                        ),
                    )
                    .n("alert", self.alerts)
                    .n("alert_queue_overflow", 0)
                    .n("alerts_suppressed", self.alerts / 9)
                    .done(),
            )
            .raw(
                "app_layer",
                &Obj::new()
                    .raw(
                        "flow",
                        &Obj::new()
                            .n("http", flows / 9)
                            .n("tls", flows * 7 / 10)
                            .n("dns_udp", flows / 12)
                            .n("failed_tcp", flows / 50)
                            .n("failed_udp", flows / 80)
                            .done(),
                    )
                    .raw("tx", &Obj::new().n("http", flows / 4).n("tls", 0).n("dns_udp", flows / 6).done())
                    .done(),
            )
            .done();
        let text = Obj::new()
            .s("timestamp", &time::suricata(t + self.host.offset))
            .s("event_type", "stats")
            .raw("stats", &stats)
            .done();
        self.line(t, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn community_id_reference() {
        // Reference values from the Community ID spec's test vectors.
        assert_eq!(
            community_id("128.232.110.120", 34855, "66.35.250.204", 80, 6),
            "1:LQU9qZlK+B5F3KDmev6m5PMibrg="
        );
        assert_eq!(base64(b"ab"), "YWI=");
    }
}

/// A sensor's routine output between `start` and `end` (true times): stats
/// every 5 minutes, a sample of flows, a few alerts and anomalies, plus `storm`
/// alerts per second of the noisy signature. Nothing is written while
/// `writing(t)` is false (IDS stopped, disk full).
pub fn background(
    s: &mut Sensor,
    r: &mut Rng,
    start: Us,
    end: Us,
    writing: &dyn Fn(Us) -> bool,
    storm: &dyn Fn(Us) -> f64,
) -> Vec<Line> {
    use crate::syslog::random_v4;
    let mut v = Vec::new();
    let lb_ip = s.host.ip;
    let public = "198.51.100.20";
    let mut t = start;
    let mut next_stats = start + (300 - (start / SEC) % 300) * SEC;
    while t < end {
        // flows: a sample
        t += rng::exp(r, s.flow_gap * SEC as f64) as Us + 1;
        if t >= next_stats {
            if writing(next_stats) {
                v.push(s.stats(next_stats));
            }
            next_stats += 300 * SEC;
        }
        if !writing(t) || t >= end {
            continue;
        }
        let src = random_v4(r);
        let sport = rng::range(r, 32_768, 61_000) as u16;
        let f = Flow {
            src: &src,
            sport,
            dst: public,
            dport: 443,
            tcp: true,
            app: "tls",
            start: t - rng::range(r, 1, 120) as Us * SEC,
        };
        v.push(s.flow(r, t, &f, false));
        // a background alert now and then (~every 6 minutes)
        if rng::chance(r, s.flow_gap / 360.0) {
            let sig = rng::pick(r, BACKGROUND);
            let src = random_v4(r);
            let f = match sig.sid {
                2_001_219 => Flow {
                    src: &src,
                    sport,
                    dst: public,
                    dport: 22,
                    tcp: true,
                    app: "",
                    start: t,
                },
                2_010_937 => Flow {
                    src: &src,
                    sport,
                    dst: public,
                    dport: 3306,
                    tcp: true,
                    app: "",
                    start: t,
                },
                2_013_028 => Flow {
                    src: lb_ip,
                    sport,
                    dst: &src,
                    dport: 80,
                    tcp: true,
                    app: "http",
                    start: t,
                },
                2_221_010 => Flow {
                    src: &src,
                    sport,
                    dst: public,
                    dport: 80,
                    tcp: true,
                    app: "http",
                    start: t,
                },
                _ => Flow {
                    src: &src,
                    sport,
                    dst: public,
                    dport: 443,
                    tcp: true,
                    app: "",
                    start: t,
                },
            };
            v.push(s.alert(r, t + 1_000, sig, &f));
        }
        if rng::chance(r, s.flow_gap / 1600.0) {
            let f = Flow {
                src: &src,
                sport,
                dst: public,
                dport: 443,
                tcp: true,
                app: "",
                start: t,
            };
            v.push(s.anomaly(r, t + 2_000, &f, "stream.est_packet_out_of_window"));
        }
    }
    // the storm of one noisy signature, as a Poisson process of varying rate
    let mut t = start;
    while t < end {
        let rate = storm(t);
        if rate <= 0.0 {
            t += 30 * SEC;
            continue;
        }
        t += rng::exp(r, SEC as f64 / rate.max(0.01)) as Us + 1;
        if t >= end || !writing(t) {
            continue;
        }
        let src = random_v4(r);
        let sport = rng::range(r, 32_768, 61_000) as u16;
        let f = Flow {
            src: &src,
            sport,
            dst: public,
            dport: 443,
            tcp: true,
            app: "tls",
            start: t - rng::range(r, 1, 30) as Us * SEC,
        };
        if rng::chance(r, 0.8) {
            v.push(s.alert(r, t, &STORM, &f));
        } else {
            v.push(s.anomaly(r, t, &f, "stream.pkt_invalid_ack"));
        }
    }
    v
}
