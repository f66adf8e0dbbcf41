//! `coroner events`: one event as one line of compact JSON, written straight into a
//! buffer.
//!
//! The bytes are exactly those serde_json writes through [`super::json::write_line`]
//! (same keys in the same order, same escapes, terminal-safe), which the tests check
//! against it. Writing them by hand is several times cheaper: a string with nothing to
//! escape (nearly every log field) is found so in one vectorized pass and copied whole,
//! where serde_json looks each byte up in a table and the terminal-safe filter scans each
//! fragment again; a stamp's date and time of day are formatted once a second.

use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde_json::Value;

use crate::event::{Event, Request, TimeFlags};

/// Writes events as NDJSON lines; it remembers the last second's RFC 3339 text, and
/// field names as written.
#[derive(Default)]
pub struct EventWriter {
    /// The second whose `YYYY-MM-DDTHH:MM:SS` is in `prefix`.
    second: Option<i64>,
    prefix: Vec<u8>,
    /// Field names (shared with their definition, so each is one allocation for the
    /// run) as written, by address and length. The name is kept with its text, so its
    /// address cannot be reused for another while it is here.
    keys: FxHashMap<(usize, usize), WrittenName>,
}

/// A field name, and its text as written.
type WrittenName = (Arc<str>, Box<[u8]>);

/// Names an [`EventWriter`] keeps at most (a directory of Zeek logs brings a header's
/// names per file).
const KEYS_KEPT: usize = 4096;

const NANOS: i64 = 1_000_000_000;

impl EventWriter {
    /// Appends `ev` as one line of JSON (with no newline) to `out`.
    pub fn write(&mut self, out: &mut Vec<u8>, ev: &Event) {
        out.extend_from_slice(b"{\"ts\":\"");
        self.stamp(out, ev.ts, ev.ts_prec);
        out.extend_from_slice(b"\",\"ts_raw\":");
        string(out, &ev.ts_raw);
        if !ev.time.is_empty() {
            out.extend_from_slice(b",\"time\":");
            flags(out, ev.time);
        }
        pair(out, b",\"source\":", &ev.source);
        out.extend_from_slice(b",\"line\":");
        out.extend_from_slice(itoa::Buffer::new().format(ev.line).as_bytes());
        pair(out, b",\"format\":", &ev.format);
        if let Some(h) = &ev.host {
            pair(out, b",\"host\":", h);
        }
        if let Some(c) = &ev.component {
            pair(out, b",\"component\":", c);
        }
        pair(out, b",\"kind\":", &ev.kind);
        out.extend_from_slice(b",\"severity\":\"");
        out.extend_from_slice(ev.severity.as_str().as_bytes());
        out.extend_from_slice(b"\",\"message\":");
        string(out, &ev.message);
        if let Some(r) = &ev.raw {
            pair(out, b",\"text\":", r);
        }
        if let Some(r) = &ev.request {
            out.extend_from_slice(b",\"request\":");
            request(out, r);
        }
        if !ev.fields.is_empty() {
            out.extend_from_slice(b",\"fields\":");
            let mut sep = b'{';
            for (k, v) in ev.fields.entries() {
                out.push(sep);
                sep = b',';
                self.key(out, k);
                out.push(b':');
                value(out, v);
            }
            out.push(b'}');
        }
        out.push(b'}');
    }

    /// A field's name as a JSON string, escaped once.
    fn key(&mut self, out: &mut Vec<u8>, name: &Arc<str>) {
        let at = (name.as_ptr() as usize, name.len());
        if let Some((_, text)) = self.keys.get(&at) {
            out.extend_from_slice(text);
            return;
        }
        let start = out.len();
        string(out, name);
        if self.keys.len() >= KEYS_KEPT {
            self.keys.clear();
        }
        let text = Box::from(&out[start..]);
        self.keys.insert(at, (name.clone(), text));
    }

    /// `crate::time::rfc3339(ns, prec)` without the `Z`'s quote: the date and time of
    /// day from chrono (once a second), the fraction's digits by hand.
    fn stamp(&mut self, out: &mut Vec<u8>, ns: i64, prec: u8) {
        let second = ns.div_euclid(NANOS);
        let Some(start) = second.checked_mul(NANOS) else {
            // The first second of i64 time starts before it.
            out.extend_from_slice(crate::time::rfc3339(ns, prec).as_bytes());
            return;
        };
        if self.second != Some(second) {
            let whole = crate::time::rfc3339(start, 0);
            self.prefix.clear();
            self.prefix
                .extend_from_slice(whole.strip_suffix('Z').unwrap_or(&whole).as_bytes());
            self.second = Some(second);
        }
        out.extend_from_slice(&self.prefix);
        let digits = match prec {
            0 => 0,
            1..=3 => 3,
            4..=6 => 6,
            _ => 9,
        };
        if digits > 0 {
            let frac = ns.rem_euclid(NANOS) as u32;
            let mut buf = [b'0'; 10];
            buf[0] = b'.';
            let mut v = frac / 10u32.pow(9 - digits);
            for k in (1..=digits as usize).rev() {
                buf[k] = b'0' + (v % 10) as u8;
                v /= 10;
            }
            out.extend_from_slice(&buf[..=digits as usize]);
        }
        out.push(b'Z');
    }
}

/// A key (with the comma before it) and its string value.
fn pair(out: &mut Vec<u8>, key: &[u8], value: &str) {
    out.extend_from_slice(key);
    string(out, value);
}

fn flags(out: &mut Vec<u8>, time: TimeFlags) {
    let mut sep = b'[';
    for name in time.names() {
        out.push(sep);
        sep = b',';
        string(out, name);
    }
    if sep == b'[' {
        out.push(b'[');
    }
    out.push(b']');
}

fn request(out: &mut Vec<u8>, r: &Request) {
    let mut sep = b'{';
    let mut key = |out: &mut Vec<u8>, name: &str| {
        out.push(sep);
        sep = b',';
        out.push(b'"');
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\":");
    };
    if let Some(s) = r.status {
        key(out, "status");
        out.extend_from_slice(itoa::Buffer::new().format(s).as_bytes());
    }
    for (name, v) in [
        ("backend", &r.backend),
        ("server", &r.server),
        ("client", &r.client),
        ("method", &r.method),
        ("path", &r.path),
    ] {
        if let Some(v) = v {
            key(out, name);
            string(out, v);
        }
    }
    if let Some(l) = r.latency_ms {
        key(out, "latency_ms");
        float(out, l);
    }
    if let Some(b) = r.bytes {
        key(out, "bytes");
        out.extend_from_slice(itoa::Buffer::new().format(b).as_bytes());
    }
    if let Some(t) = &r.termination {
        key(out, "termination");
        string(out, t);
    }
    key(out, "failed");
    out.extend_from_slice(if r.failed { b"true" } else { b"false" });
    key(out, "lb_failure");
    out.extend_from_slice(if r.lb_failure { b"true" } else { b"false" });
    out.push(b'}');
}

/// A float as serde_json writes it (its own shortest form; `null` when not finite).
fn float(out: &mut Vec<u8>, f: f64) {
    // Writing into a Vec cannot fail, nor can serializing a float.
    let _ = serde_json::to_writer(&mut *out, &f);
}

fn value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::String(s) => string(out, s),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                out.extend_from_slice(itoa::Buffer::new().format(u).as_bytes());
            } else if let Some(i) = n.as_i64() {
                out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
            } else {
                float(out, n.as_f64().unwrap_or(f64::NAN));
            }
        }
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Null => out.extend_from_slice(b"null"),
        // Nested values (JSON formats keep them) are rare: serde_json writes them.
        nested => {
            // Writing into a Vec cannot fail, nor can serializing a Value.
            let _ = super::json::write_line(&mut *out, nested);
        }
    }
}

/// Whether a byte needs a look: a control, `"`, `\`, DEL or any byte of a non-ASCII
/// character (a few are hostile to a terminal).
#[inline(always)]
fn odd(c: u8) -> u8 {
    u8::from(c < 0x20) | u8::from(c == b'"') | u8::from(c == b'\\') | u8::from(c >= 0x7f)
}

/// The high bit of each byte of `x` (eight bytes, little end first) that needs a look,
/// or of a byte after one: nonzero exactly when some byte does. The usual word tricks: a
/// byte below 0x20 borrows in `x - 0x20…` where it had no high bit; a byte equal to `q`
/// is a zero byte of `x ^ q…`; a byte of 0x80 or more shows its own high bit.
#[inline(always)]
fn odd_word(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v;
    let below = x.wrapping_sub(ONES * 0x20) & !x;
    let quote = zero(x ^ (ONES * u64::from(b'"')));
    let backslash = zero(x ^ (ONES * u64::from(b'\\')));
    let del = zero(x ^ (ONES * 0x7f));
    (below | quote | backslash | del | x) & HIGH
}

/// The length of the run at the start of `b` with no byte that needs a look: eight bytes
/// at a time; the last few in the word that ends the string (bytes already passed
/// change nothing), or, in a string shorter than a word, padded with a plain byte.
#[inline]
fn plain_run(b: &[u8]) -> usize {
    let n = b.len();
    let first_odd = |from: usize| from + b[from..].iter().take_while(|&&c| odd(c) == 0).count();
    let mut i = 0;
    while i + 8 <= n {
        if odd_word(u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"))) != 0 {
            return first_odd(i);
        }
        i += 8;
    }
    if i == n {
        return n;
    }
    let last = match b.get(n.saturating_sub(8)..) {
        Some(w) if n >= 8 => u64::from_le_bytes(w.try_into().expect("8 bytes")),
        _ => b
            .iter()
            .enumerate()
            .fold(u64::from_le_bytes(*b"aaaaaaaa"), |w, (k, &c)| {
                (w & !(0xff << (8 * k))) | u64::from(c) << (8 * k)
            }),
    };
    if odd_word(last) == 0 {
        n
    } else {
        first_odd(i)
    }
}

/// A JSON string: quoted, escaped as serde_json escapes, with the characters a terminal
/// acts on as `\uXXXX` (see [`super::json::write_line`]).
fn string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    if plain_run(b) == b.len() {
        out.extend_from_slice(b);
        out.push(b'"');
        return;
    }
    let mut from = 0;
    let mut i = 0;
    while i < b.len() {
        i += plain_run(&b[i..]);
        let Some(&c) = b.get(i) else { break };
        let (short, len, code) = match c {
            b'"' => (b'"', 1, 0),
            b'\\' => (b'\\', 1, 0),
            0x08 => (b'b', 1, 0),
            0x0c => (b'f', 1, 0),
            b'\n' => (b'n', 1, 0),
            b'\r' => (b'r', 1, 0),
            b'\t' => (b't', 1, 0),
            0..0x20 | 0x7f => (0, 1, u32::from(c)),
            _ => {
                // A non-ASCII character: escaped only when hostile.
                let ch = s[i..].chars().next().expect("a character starts here");
                if !super::is_hostile(ch) {
                    i += ch.len_utf8();
                    continue;
                }
                (0, ch.len_utf8(), ch as u32)
            }
        };
        out.extend_from_slice(&b[from..i]);
        if short == 0 {
            out.extend_from_slice(b"\\u");
            for shift in [12, 8, 4, 0] {
                out.push(HEX[((code >> shift) & 0xf) as usize]);
            }
        } else {
            out.extend_from_slice(&[b'\\', short]);
        }
        i += len;
        from = i;
    }
    out.extend_from_slice(&b[from..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Fields, Severity};
    use proptest::prelude::*;

    fn serde_line(ev: &Event) -> String {
        let mut v = Vec::new();
        crate::render::json::write_line(&mut v, ev).unwrap();
        String::from_utf8(v).unwrap()
    }

    fn ours(ev: &Event) -> String {
        let mut v = Vec::new();
        EventWriter::default().write(&mut v, ev);
        String::from_utf8(v).unwrap()
    }

    const TEXT: &str = "[ -~\t\n\r\u{0}-\u{1f}\u{7f}-\u{a0}é\u{61c}\u{200e}\u{202a}-\u{202e}\u{2066}-\u{2069}\u{2028}\u{10000}\"\\\\]{0,24}";

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            TEXT.prop_map(Value::String),
            any::<u64>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            any::<bool>().prop_map(Value::Bool),
            Just(Value::Null),
            prop::collection::vec(TEXT, 0..3)
                .prop_map(|v| serde_json::json!({"a": v, "b\u{9b}": 1.5})),
        ]
    }

    fn request() -> impl Strategy<Value = Request> {
        let s = || proptest::option::of(TEXT);
        (
            proptest::option::of(any::<u16>()),
            (s(), s(), s(), s(), s()),
            proptest::option::of(prop_oneof![any::<f64>(), Just(f64::NAN), 0.0..5e3]),
            proptest::option::of(any::<u64>()),
            s(),
            any::<(bool, bool)>(),
        )
            .prop_map(
                |(
                    status,
                    (backend, server, client, method, path),
                    latency_ms,
                    bytes,
                    termination,
                    (failed, lb_failure),
                )| Request {
                    status,
                    backend,
                    server,
                    client,
                    method,
                    path,
                    latency_ms,
                    bytes,
                    termination,
                    failed,
                    lb_failure,
                },
            )
    }

    prop_compose! {
        fn event()(
            ts in any::<i64>(),
            ts_prec in 0u8..12,
            ts_raw in TEXT,
            time in 0u16..512,
            line in any::<u64>(),
            strings in (TEXT, TEXT, TEXT, TEXT),
            host in proptest::option::of(TEXT),
            component in proptest::option::of(TEXT),
            severity in 0usize..6,
            raw in proptest::option::of(TEXT),
            request in proptest::option::of(request()),
            fields in prop::collection::vec(("[a-z_\u{85}\"]{1,8}", value()), 0..5),
        ) -> Event {
            let (source, format, kind, message) = strings;
            let mut f = Fields::default();
            for (k, v) in fields {
                f.insert(&Arc::from(k.as_str()), v);
            }
            let mut flags = TimeFlags::default();
            for bit in 0..9 {
                if time & (1 << bit) != 0 {
                    flags.insert(TimeFlags::NAMES[bit].0);
                }
            }
            Event {
                ts,
                ts_prec,
                ts_raw,
                time: flags,
                source_id: 0,
                source: Arc::from(source.as_str()),
                line,
                format: Arc::from(format.as_str()),
                host,
                component,
                kind: Arc::from(kind.as_str()),
                severity: [Severity::Debug, Severity::Info, Severity::Notice, Severity::Warning, Severity::Error, Severity::Critical][severity],
                message,
                raw,
                request,
                fields: f,
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Byte for byte what serde_json writes, whatever the text holds.
        #[test]
        fn writes_what_serde_json_writes(ev in event()) {
            prop_assert_eq!(ours(&ev), serde_line(&ev));
        }

        /// One writer across events (the names and second it remembers) changes nothing.
        #[test]
        fn one_writer_writes_every_event_as_serde_json(evs in prop::collection::vec(event(), 1..5)) {
            let mut w = EventWriter::default();
            for ev in evs.iter().chain(evs.iter()) {
                let mut v = Vec::new();
                w.write(&mut v, ev);
                prop_assert_eq!(String::from_utf8(v).unwrap(), serde_line(ev));
            }
        }

        /// One writer across stamps (the second it remembers) changes nothing.
        #[test]
        fn the_remembered_second_is_the_second(ts in prop::collection::vec(-5_000_000_000i64..5_000_000_000, 1..8), prec in 0u8..10) {
            let mut w = EventWriter::default();
            for t in ts {
                let mut v = Vec::new();
                w.stamp(&mut v, t, prec);
                prop_assert_eq!(String::from_utf8(v).unwrap(), crate::time::rfc3339(t, prec));
            }
        }
    }

    proptest! {
        /// The word test finds the first byte the byte test finds.
        #[test]
        fn the_plain_run_ends_at_the_first_odd_byte(b in prop::collection::vec(any::<u8>(), 0..40)) {
            let first = b.iter().position(|&c| odd(c) != 0).unwrap_or(b.len());
            prop_assert_eq!(plain_run(&b), first);
        }
    }

    #[test]
    fn escapes_as_json_and_for_a_terminal() {
        let mut v = Vec::new();
        string(&mut v, "a\"b\\c\nd\u{1b}[31m\u{9b}e\u{202e}f\u{7f}é");
        assert_eq!(
            String::from_utf8(v).unwrap(),
            r#""a\"b\\c\nd\u001b[31m\u009be\u202ef\u007fé""#
        );
    }
}
