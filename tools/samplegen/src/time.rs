//! Time as microseconds since the Unix epoch (UTC), and the timestamp shapes
//! the real log writers use. Nothing here reads the system clock.

/// Microseconds since 1970-01-01T00:00:00Z.
pub type Us = i64;

pub const MS: Us = 1_000;
pub const SEC: Us = 1_000_000;
pub const MIN: Us = 60 * SEC;
pub const HOUR: Us = 60 * MIN;
pub const DAY: Us = 24 * HOUR;

const MON: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Parse an RFC 3339 UTC instant ("2024-04-04T22:00:00Z").
pub fn at(s: &str) -> Us {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("bad time {s}: {e}"))
        .timestamp_micros()
}

/// Broken-down UTC time.
#[derive(Clone, Copy)]
pub struct Civil {
    pub y: i64,
    pub mo: u32,
    pub d: u32,
    pub h: u32,
    pub mi: u32,
    pub s: u32,
    pub us: u32,
}

/// Howard Hinnant's civil_from_days.
pub fn civil(t: Us) -> Civil {
    let secs = t.div_euclid(SEC);
    let us = t.rem_euclid(SEC) as u32;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400) as u32;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(mo <= 2);
    Civil {
        y,
        mo,
        d,
        h: sod / 3600,
        mi: sod / 60 % 60,
        s: sod % 60,
        us,
    }
}

fn push2(b: &mut Vec<u8>, v: u32) {
    b.push(b'0' + (v / 10 % 10) as u8);
    b.push(b'0' + (v % 10) as u8);
}

fn push_n(b: &mut Vec<u8>, v: u32, width: usize) {
    let mut tmp = [b'0'; 10];
    let mut x = v;
    for i in (0..width).rev() {
        tmp[i] = b'0' + (x % 10) as u8;
        x /= 10;
    }
    b.extend_from_slice(&tmp[..width]);
}

fn push_hms(b: &mut Vec<u8>, c: &Civil) {
    push2(b, c.h);
    b.push(b':');
    push2(b, c.mi);
    b.push(b':');
    push2(b, c.s);
}

/// RFC 3164 header time: "Apr  4 22:00:01" (space-padded day, no year).
pub fn push_syslog(b: &mut Vec<u8>, t: Us) {
    let c = civil(t);
    b.extend_from_slice(MON[c.mo as usize - 1].as_bytes());
    b.push(b' ');
    if c.d < 10 {
        b.push(b' ');
        b.push(b'0' + c.d as u8);
    } else {
        push2(b, c.d);
    }
    b.push(b' ');
    push_hms(b, &c);
}

/// HAProxy accept date: "04/Apr/2024:22:00:01.123".
pub fn push_haproxy(b: &mut Vec<u8>, t: Us) {
    let c = civil(t);
    push2(b, c.d);
    b.push(b'/');
    b.extend_from_slice(MON[c.mo as usize - 1].as_bytes());
    b.push(b'/');
    push_n(b, c.y as u32, 4);
    b.push(b':');
    push_hms(b, &c);
    b.push(b'.');
    push_n(b, c.us / 1000, 3);
}

/// nginx $time_local: "04/Apr/2024:22:00:01 +0100" for a zone `offset_min` east of UTC.
pub fn push_nginx_local(b: &mut Vec<u8>, t: Us, offset_min: i32) {
    let c = civil(t + Us::from(offset_min) * MIN);
    push2(b, c.d);
    b.push(b'/');
    b.extend_from_slice(MON[c.mo as usize - 1].as_bytes());
    b.push(b'/');
    push_n(b, c.y as u32, 4);
    b.push(b':');
    push_hms(b, &c);
    b.push(b' ');
    b.push(if offset_min < 0 { b'-' } else { b'+' });
    let o = offset_min.unsigned_abs();
    push2(b, o / 60);
    push2(b, o % 60);
}

/// nginx error log: "2024/04/04 22:00:01" (local time, no zone).
pub fn push_nginx_error(b: &mut Vec<u8>, t: Us) {
    let c = civil(t);
    push_n(b, c.y as u32, 4);
    b.push(b'/');
    push2(b, c.mo);
    b.push(b'/');
    push2(b, c.d);
    b.push(b' ');
    push_hms(b, &c);
}

fn push_date_iso(b: &mut Vec<u8>, c: &Civil) {
    push_n(b, c.y as u32, 4);
    b.push(b'-');
    push2(b, c.mo);
    b.push(b'-');
    push2(b, c.d);
    b.push(b'T');
    push_hms(b, c);
}

fn string(f: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut b = Vec::with_capacity(32);
    f(&mut b);
    String::from_utf8(b).expect("ascii")
}

/// "2024-04-04T22:00:01.123Z" (zap, Alertmanager, truth).
pub fn rfc3339_ms(t: Us) -> String {
    string(|b| {
        let c = civil(t);
        push_date_iso(b, &c);
        b.push(b'.');
        push_n(b, c.us / 1000, 3);
        b.push(b'Z');
    })
}

/// "2024-04-04T22:00:01Z" (Kubernetes, PagerDuty).
pub fn rfc3339_s(t: Us) -> String {
    string(|b| {
        push_date_iso(b, &civil(t));
        b.push(b'Z');
    })
}

/// Suricata EVE: "2024-04-04T22:00:01.123456+0000".
pub fn push_suricata(b: &mut Vec<u8>, t: Us) {
    let c = civil(t);
    push_date_iso(b, &c);
    b.push(b'.');
    push_n(b, c.us, 6);
    b.extend_from_slice(b"+0000");
}

pub fn suricata(t: Us) -> String {
    string(|b| push_suricata(b, t))
}

pub fn syslog(t: Us) -> String {
    string(|b| push_syslog(b, t))
}

pub fn nginx_error(t: Us) -> String {
    string(|b| push_nginx_error(b, t))
}

/// Truncate to the whole second.
pub fn floor_s(t: Us) -> Us {
    t - t.rem_euclid(SEC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let t = at("2024-04-04T22:00:01.123456Z");
        assert_eq!(syslog(t), "Apr  4 22:00:01");
        let mut b = Vec::new();
        push_haproxy(&mut b, t);
        assert_eq!(b, b"04/Apr/2024:22:00:01.123");
        assert_eq!(rfc3339_ms(t), "2024-04-04T22:00:01.123Z");
        assert_eq!(suricata(t), "2024-04-04T22:00:01.123456+0000");
        let mut b = Vec::new();
        push_nginx_local(&mut b, t, 60);
        assert_eq!(b, b"04/Apr/2024:23:00:01 +0100");
        assert_eq!(nginx_error(t), "2024/04/04 22:00:01");
        assert_eq!(syslog(at("2023-11-13T01:02:03Z")), "Nov 13 01:02:03");
    }
}
