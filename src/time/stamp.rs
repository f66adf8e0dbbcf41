//! Timestamp text → an instant or a local date-time, as a format definition says.
//!
//! Pure: no zone, year or clock is consulted here. Stamps without an offset come back as
//! [`RawTime::Local`]; yearless ones say so, for [`super::SourceClock`] to complete. A
//! stamp with an offset is an [`RawTime::Instant`], unless the text alone cannot fix the
//! instant — no year, or a leap second to be flagged — then it is a [`RawTime::Offset`].
//!
//! Leap seconds (`23:59:60`) are kept in chrono's representation (second 59, nanoseconds
//! from 1,000,000,000) inside the date-time; the clock moves them to the first instant of
//! the next minute and flags them, after the year is known (so `Dec 31 23:59:60` becomes
//! Jan 1 of the year after the source's).

use chrono::format::{parse, Item, Parsed, StrftimeItems};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use super::layout::{Layout, Marks};
use crate::event::Nanos;

/// The placeholder year for yearless stamps (a leap year, so `Feb 29` parses).
pub const PLACEHOLDER_YEAR: i32 = 2000;

/// What a timestamp text says, before zone and year are applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawTime {
    /// A full instant (the text had an offset, or was an epoch).
    Instant(Nanos),
    /// A wall-clock time without offset; `year_known` is false for yearless formats
    /// (then the year is [`PLACEHOLDER_YEAR`]). `dt` may be a leap second.
    Local { dt: NaiveDateTime, year_known: bool },
    /// A wall-clock time with its own offset (seconds east of UTC) that still needs the
    /// clock: yearless (`%b %e %H:%M:%S %z`), or a leap second. `dt` is the wall time.
    Offset {
        dt: NaiveDateTime,
        offset_s: i32,
        year_known: bool,
    },
    /// The line has no time of its own: it takes the previous line's (flagged).
    Previous,
}

impl RawTime {
    /// The instant when the text alone fixes it, year included (a `Local` stamp read as
    /// UTC: good enough to anchor years, not to place an event).
    pub fn dated(self) -> Option<Nanos> {
        match self {
            RawTime::Instant(ns) => Some(ns),
            RawTime::Local {
                dt,
                year_known: true,
            } => dt.and_utc().timestamp_nanos_opt(),
            RawTime::Offset {
                dt,
                offset_s,
                year_known: true,
            } => dt
                .and_utc()
                .timestamp_nanos_opt()?
                .checked_sub(offset_s as i64 * 1_000_000_000),
            _ => None,
        }
    }
}

/// A leap second (`23:59:60`, in chrono's representation) moved to the first instant of
/// the next minute; `true` when it was one.
pub fn unleap(dt: NaiveDateTime) -> Option<(NaiveDateTime, bool)> {
    use chrono::Timelike;
    let ns = dt.nanosecond();
    if ns < 1_000_000_000 {
        return Some((dt, false));
    }
    let rolled = dt
        .with_nanosecond(ns - 1_000_000_000)?
        .checked_add_signed(chrono::TimeDelta::seconds(1))?;
    Some((rolled, true))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StampError {
    #[error("timestamp '{0}' does not match {1}")]
    NoMatch(String, String),
    #[error("timestamp '{0}' is out of range (coroner reads 1908 to 2199)")]
    OutOfRange(String),
}

/// A timestamp shape, as named in a format definition's `format`.
#[derive(Clone, Debug)]
pub enum TsFormat {
    /// `rfc3339`/`iso8601`: `YYYY-MM-DD[T ]HH:MM[:SS[.f]][Z|±HH:MM|±HHMM|±HH]`.
    Iso8601,
    /// `epoch` (unit by magnitude), `epoch_s`, `epoch_ms`, `epoch_us`, `epoch_ns`:
    /// integer or decimal text.
    Epoch(EpochUnit),
    /// A chrono strftime pattern; without `%Y`/`%y` it is yearless.
    Strftime {
        pattern: String,
        items: Vec<Item<'static>>,
        has_year: bool,
        /// The pattern as byte steps, when it is one of the plain shapes.
        layout: Option<Layout>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EpochUnit {
    Auto,
    Seconds,
    Millis,
    Micros,
    Nanos,
}

impl TsFormat {
    /// Reads a definition's format name or strftime pattern.
    pub fn from_spec(spec: &str) -> Result<TsFormat, String> {
        Ok(match spec {
            "rfc3339" | "iso8601" => TsFormat::Iso8601,
            "epoch" => TsFormat::Epoch(EpochUnit::Auto),
            "epoch_s" => TsFormat::Epoch(EpochUnit::Seconds),
            "epoch_ms" => TsFormat::Epoch(EpochUnit::Millis),
            "epoch_us" => TsFormat::Epoch(EpochUnit::Micros),
            "epoch_ns" => TsFormat::Epoch(EpochUnit::Nanos),
            p => {
                let items: Vec<Item<'static>> = StrftimeItems::new(p)
                    .map(|i| i.to_owned())
                    .collect::<Vec<_>>();
                if items.iter().any(|i| matches!(i, Item::Error)) {
                    return Err(format!("'{p}' is not a valid strftime pattern"));
                }
                let has_year = p.contains("%Y") || p.contains("%y") || p.contains("%G");
                TsFormat::Strftime {
                    pattern: p.to_string(),
                    layout: Layout::compile(&items),
                    items,
                    has_year,
                }
            }
        })
    }

    fn describe(&self) -> String {
        match self {
            TsFormat::Iso8601 => "ISO 8601".into(),
            TsFormat::Epoch(_) => "epoch".into(),
            TsFormat::Strftime { pattern, .. } => format!("'{pattern}'"),
        }
    }

    /// Parses `text`; returns the time and the number of sub-second digits it carried.
    pub fn parse(&self, text: &str) -> Result<(RawTime, u8), StampError> {
        let no_match = || StampError::NoMatch(text.to_string(), self.describe());
        match self {
            TsFormat::Iso8601 => parse_iso8601(text).ok_or_else(no_match)?,
            TsFormat::Epoch(unit) => parse_epoch(text, *unit).ok_or_else(no_match)?,
            TsFormat::Strftime {
                pattern,
                items,
                has_year,
                layout,
            } => {
                if let Some(l) = layout {
                    let cached = LAYOUT_CACHE.with(|c| c.borrow().get(l.id(), *has_year, text));
                    if let Some(hit) = cached.or_else(|| read_layout(l, text, *has_year)) {
                        return Ok(hit);
                    }
                }
                if let Some(hit) = SECOND_CACHE.with(|c| c.borrow().get(pattern, text)) {
                    return Ok(hit);
                }
                let parsed = parse_strftime(text, items, *has_year).ok_or_else(no_match)?;
                if let Some(r) = parsed {
                    SECOND_CACHE.with(|c| c.borrow_mut().put(pattern, text, r));
                }
                parsed
            }
        }
        .ok_or_else(|| StampError::OutOfRange(text.to_string()))
    }

    /// Where the fraction digits and the seconds digits of `text` are, when this format
    /// has just read it by its layout on this thread ([`Layout::read_marked`]): then a
    /// stamp that differs from `text` only in those digits reads as the same wall time
    /// with the other fraction, or second. `None` when that is not known.
    pub fn marks(&self, text: &str) -> Option<Marks> {
        let TsFormat::Strftime {
            layout: Some(l),
            has_year,
            ..
        } = self
        else {
            return None;
        };
        LAYOUT_CACHE.with(|c| {
            let c = c.borrow();
            let b = text.as_bytes();
            (c.id == l.id() && c.has_year == *has_year && c.text.get(..c.len) == Some(b)).then(
                || Marks {
                    frac: Some(c.frac.clone()).filter(|f| !f.is_empty()),
                    secs: c.secs.clone(),
                },
            )
        })
    }
}

thread_local! {
    static LAYOUT_CACHE: std::cell::RefCell<LayoutCache> =
        const { std::cell::RefCell::new(LayoutCache::EMPTY) };
    static SECOND_CACHE: std::cell::RefCell<SecondCache> = std::cell::RefCell::new(SecondCache::default());
}

/// The longest stamp [`LayoutCache`] keeps.
const LAYOUT_CACHE_TEXT: usize = 48;

/// The last stamp a layout read on this thread, with where its fraction digits are: the
/// next line of a busy log most often has the same stamp but for those digits, and then
/// only they are read (a compare of the rest, no calendar arithmetic).
struct LayoutCache {
    /// The layout's id (0: empty) and whether its pattern has the year.
    id: u64,
    has_year: bool,
    len: usize,
    text: [u8; LAYOUT_CACHE_TEXT],
    /// The fraction's digits in `text` (empty: it had none).
    frac: std::ops::Range<usize>,
    /// The seconds' digits in `text`, when two digits right where their step began.
    secs: Option<std::ops::Range<usize>>,
    /// What the stamp read as, its fraction taken off.
    base: (RawTime, u8),
}

/// `digits` (at most nine ASCII digits) as nanoseconds: `"5"` is 500 ms.
pub(super) fn fraction_ns(digits: &[u8]) -> Option<u32> {
    const SCALE: [u32; 10] = [
        1_000_000_000,
        100_000_000,
        10_000_000,
        1_000_000,
        100_000,
        10_000,
        1_000,
        100,
        10,
        1,
    ];
    let scale = *SCALE.get(digits.len())?;
    let mut ns = 0u32;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        ns = ns * 10 + (c - b'0') as u32;
    }
    Some(ns * scale)
}

impl LayoutCache {
    const EMPTY: LayoutCache = LayoutCache {
        id: 0,
        has_year: false,
        len: 0,
        text: [0; LAYOUT_CACHE_TEXT],
        frac: 0..0,
        secs: None,
        base: (RawTime::Previous, 0),
    };

    fn get(&self, id: u64, has_year: bool, text: &str) -> Option<(RawTime, u8)> {
        let b = text.as_bytes();
        if self.id != id || self.has_year != has_year || b.len() != self.len {
            return None;
        }
        let (s, e) = (self.frac.start, self.frac.end);
        if b[..s] != self.text[..s] || b[e..] != self.text[e..self.len] {
            return None;
        }
        let ns = fraction_ns(&b[s..e])?;
        let (base, prec) = self.base;
        Some((refraction(base, 0, ns)?, prec))
    }

    /// Remembers what `text` read as; `marks`: where its fraction digits (`ns` their
    /// value) and seconds digits are.
    fn put(
        &mut self,
        id: u64,
        has_year: bool,
        text: &str,
        marks: Marks,
        ns: u32,
        read: (RawTime, u8),
    ) {
        self.id = 0;
        let b = text.as_bytes();
        if b.len() > LAYOUT_CACHE_TEXT {
            return;
        }
        let Some(base) = refraction(read.0, ns, 0) else {
            return;
        };
        self.text[..b.len()].copy_from_slice(b);
        (self.id, self.has_year, self.len) = (id, has_year, b.len());
        self.frac = marks.frac.unwrap_or(0..0);
        self.secs = marks.secs;
        self.base = (base, read.1);
    }
}

/// `t`, whose fraction of a second is `from` nanoseconds, with `to` instead. `None` for
/// a time that has none of its own, or out of range.
fn refraction(t: RawTime, from: u32, to: u32) -> Option<RawTime> {
    Some(match t {
        RawTime::Instant(t) => RawTime::Instant((t - from as i64).checked_add(to as i64)?),
        RawTime::Local { dt, year_known } => RawTime::Local {
            dt: dt.with_nanosecond(to)?,
            year_known,
        },
        RawTime::Offset {
            dt,
            offset_s,
            year_known,
        } => RawTime::Offset {
            dt: dt.with_nanosecond(to)?,
            offset_s,
            year_known,
        },
        RawTime::Previous => return None,
    })
}

/// The last strftime stamp parsed on this thread, minus its fraction of a second: log
/// lines come many to a second, and a stamp that differs from the previous one only in
/// its fraction digits is the same second plus another fraction. chrono's general
/// parser is the slowest part of reading an access-log line; this skips it for all but
/// the first line of each second.
#[derive(Default)]
struct SecondCache {
    pattern: String,
    /// The stamp with its fraction digits cut out.
    key: String,
    digits: usize,
    /// The stamp's time with its fraction taken off (never a leap second).
    base: Option<(RawTime, u8)>,
}

/// Where the fraction digits of a stamp are (the last `.` or `,` after a digit, followed
/// by 1..=9 digits), and their value in nanoseconds.
fn fraction_at(text: &str) -> Option<(std::ops::Range<usize>, u32)> {
    let b = text.as_bytes();
    let dot = (1..b.len())
        .rev()
        .find(|&i| (b[i] == b'.' || b[i] == b',') && b[i - 1].is_ascii_digit())?;
    let n = b[dot + 1..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if n == 0 || n > 9 {
        return None;
    }
    let (ns, _) = fraction(b, dot + 1);
    Some((dot + 1..dot + 1 + n, ns))
}

impl SecondCache {
    fn get(&self, pattern: &str, text: &str) -> Option<(RawTime, u8)> {
        let (base, prec) = self.base?;
        let (r, ns) = fraction_at(text)?;
        let (head, tail) = (&text[..r.start], &text[r.end..]);
        let same = r.len() == self.digits
            && self.key.len() == head.len() + tail.len()
            && self.key.as_bytes()[..head.len()] == *head.as_bytes()
            && self.key.as_bytes()[head.len()..] == *tail.as_bytes()
            && self.pattern == pattern;
        if !same {
            return None;
        }
        Some(match base {
            RawTime::Instant(t) => (RawTime::Instant(t + ns as i64), prec),
            RawTime::Local { dt, year_known } => (
                RawTime::Local {
                    dt: dt.with_nanosecond(ns)?,
                    year_known,
                },
                prec,
            ),
            _ => return None,
        })
    }

    /// Remembers a parse whose nanoseconds are exactly the stamp's fraction digits.
    fn put(&mut self, pattern: &str, text: &str, parsed: (RawTime, u8)) {
        self.base = None;
        let Some((r, ns)) = fraction_at(text) else {
            return;
        };
        let base = match parsed.0 {
            RawTime::Instant(t) => RawTime::Instant(t - ns as i64),
            RawTime::Local { dt, year_known } if dt.nanosecond() == ns => RawTime::Local {
                dt: match dt.with_nanosecond(0) {
                    Some(d) => d,
                    None => return,
                },
                year_known,
            },
            _ => return,
        };
        // An instant is checked the same way: its nanoseconds within the second.
        if let RawTime::Instant(t) = parsed.0 {
            if t.rem_euclid(1_000_000_000) as u32 != ns {
                return;
            }
        }
        if self.pattern != pattern {
            self.pattern.clear();
            self.pattern.push_str(pattern);
        }
        self.key.clear();
        self.key.push_str(&text[..r.start]);
        self.key.push_str(&text[r.end..]);
        self.digits = r.len();
        self.base = Some((base, parsed.1));
    }
}

/// Outer `None`: no match. Inner `None`: matched but out of the i64-nanosecond range.
type Parse = Option<Option<(RawTime, u8)>>;

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let s = b.get(at..at + n)?;
    let mut v = 0u32;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

/// Fraction digits at `b[at..]` → (nanoseconds, digits consumed, digits counted).
fn fraction(b: &[u8], at: usize) -> (u32, usize) {
    let mut ns = 0u32;
    let mut n = 0usize;
    while let Some(&c) = b.get(at + n) {
        if !c.is_ascii_digit() {
            break;
        }
        if n < 9 {
            ns = ns * 10 + (c - b'0') as u32;
        }
        n += 1;
    }
    for _ in n.min(9)..9 {
        ns *= 10;
    }
    (ns, n)
}

/// Builds the date-time; `sec == 60` is a leap second, in chrono's representation.
fn naive(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, ns: u32) -> Option<NaiveDateTime> {
    let date = NaiveDate::from_ymd_opt(y, mo, d)?;
    let t = if s == 60 {
        NaiveTime::from_hms_nano_opt(h, mi, 59, 1_000_000_000 + ns)?
    } else {
        NaiveTime::from_hms_nano_opt(h, mi, s, ns)?
    };
    Some(date.and_time(t))
}

/// Whether a date-time is a leap second (chrono's representation).
fn is_leap(dt: &NaiveDateTime) -> bool {
    use chrono::Timelike;
    dt.nanosecond() >= 1_000_000_000
}

fn parse_iso8601(text: &str) -> Parse {
    let b = text.trim().as_bytes();
    let y = digits(b, 0, 4)? as i32;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let mo = digits(b, 5, 2)?;
    let d = digits(b, 8, 2)?;
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let h = digits(b, 11, 2)?;
    if b.get(13) != Some(&b':') {
        return None;
    }
    let mi = digits(b, 14, 2)?;
    let mut i = 16;
    let mut s = 0;
    if b.get(i) == Some(&b':') {
        s = digits(b, i + 1, 2)?;
        i += 3;
    }
    let (mut ns, mut prec) = (0, 0);
    if matches!(b.get(i), Some(b'.' | b',')) {
        let (f, n) = fraction(b, i + 1);
        if n == 0 {
            return None;
        }
        ns = f;
        prec = n.min(9) as u8;
        i += 1 + n;
    }
    let dt = naive(y, mo, d, h, mi, s, ns)?;
    let offset_secs: Option<i64> = match b.get(i) {
        None => None,
        Some(b'Z' | b'z') if i + 1 == b.len() => Some(0),
        Some(&sign @ (b'+' | b'-')) => {
            let oh = digits(b, i + 1, 2)? as i64;
            let rest = &b[i + 3..];
            let om = match rest {
                [] => 0,
                [b':', m1, m2] | [m1, m2] => digits(&[*m1, *m2], 0, 2)? as i64,
                _ => return None,
            };
            let secs = oh * 3600 + om * 60;
            Some(if sign == b'-' { -secs } else { secs })
        }
        _ => return None,
    };
    let prec = round_prec(prec);
    Some(match offset_secs {
        None => Some((
            RawTime::Local {
                dt,
                year_known: true,
            },
            prec,
        )),
        // A leap second: the clock rolls it over and flags it.
        Some(off) if is_leap(&dt) => Some((
            RawTime::Offset {
                dt,
                offset_s: off as i32,
                year_known: true,
            },
            prec,
        )),
        Some(off) => dt
            .and_utc()
            .timestamp_nanos_opt()
            .and_then(|ns| ns.checked_sub(off * 1_000_000_000))
            .map(|ns| (RawTime::Instant(ns), prec)),
    })
}

/// Output precision classes: 0, 3, 6 or 9 digits.
fn round_prec(n: u8) -> u8 {
    match n {
        0 => 0,
        1..=3 => 3,
        4..=6 => 6,
        _ => 9,
    }
}

fn parse_epoch(text: &str, unit: EpochUnit) -> Parse {
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() || int.len() > 20 || !int.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let i: i128 = int.parse().ok()?;
    let unit = match unit {
        EpochUnit::Auto => match i {
            0..=99_999_999_999 => EpochUnit::Seconds,
            100_000_000_000..=99_999_999_999_999 => EpochUnit::Millis,
            100_000_000_000_000..=99_999_999_999_999_999 => EpochUnit::Micros,
            _ => EpochUnit::Nanos,
        },
        u => u,
    };
    let scale: i128 = match unit {
        EpochUnit::Seconds => 1_000_000_000,
        EpochUnit::Millis => 1_000_000,
        EpochUnit::Micros => 1_000,
        _ => 1,
    };
    let mut ns = i * scale;
    let mut place = scale;
    for d in frac.bytes().take(9) {
        place /= 10;
        ns += (d - b'0') as i128 * place;
    }
    let digits_given = match unit {
        EpochUnit::Seconds => frac.len().min(9),
        EpochUnit::Millis => 3 + frac.len().min(6),
        EpochUnit::Micros => 6 + frac.len().min(3),
        _ => 9,
    } as u8;
    let ns = if neg { -ns } else { ns };
    Some(
        i64::try_from(ns)
            .ok()
            .map(|ns| (RawTime::Instant(ns), round_prec(digits_given))),
    )
}

/// A stamp read by a layout, in [`parse_strftime`]'s terms; `None` where that reading
/// would fail or is chrono's to make.
/// Reads `text` by its layout, and leaves what it read in [`LAYOUT_CACHE`].
fn read_layout(l: &Layout, text: &str, has_year: bool) -> Option<(RawTime, u8)> {
    let (r, marks) = l.read_marked(text, PLACEHOLDER_YEAR)?;
    let read = read_plain(r, text, has_year)?;
    let ns = r.dt.nanosecond();
    LAYOUT_CACHE.with(|c| c.borrow_mut().put(l.id(), has_year, text, marks, ns, read));
    Some(read)
}

fn read_plain(r: super::layout::Read, text: &str, has_year: bool) -> Option<(RawTime, u8)> {
    let prec = round_prec(r.fraction_digits.map_or(0, |_| frac_digits(text)));
    let (dt, year_known) = (r.dt, has_year);
    let Some(offset_s) = r.offset_s else {
        return Some((RawTime::Local { dt, year_known }, prec));
    };
    if !has_year {
        return Some((
            RawTime::Offset {
                dt,
                offset_s,
                year_known,
            },
            prec,
        ));
    }
    let utc = dt.checked_sub_signed(chrono::TimeDelta::seconds(offset_s as i64))?;
    Some((RawTime::Instant(utc.and_utc().timestamp_nanos_opt()?), prec))
}

fn parse_strftime(text: &str, items: &[Item<'static>], has_year: bool) -> Parse {
    let mut p = Parsed::new();
    parse(&mut p, text.trim(), items.iter()).ok()?;
    if !has_year {
        p.set_year(PLACEHOLDER_YEAR as i64).ok()?;
    }
    let prec = p.nanosecond.map_or(0, |_| frac_digits(text));
    if let Some(offset_s) = p.offset {
        // The wall time as written; the offset is applied by the clock when the year is
        // still to be found or the second is a leap one, else here.
        let dt = p.to_naive_datetime_with_offset(offset_s).ok()?;
        if !has_year || is_leap(&dt) {
            return Some(Some((
                RawTime::Offset {
                    dt,
                    offset_s,
                    year_known: has_year,
                },
                round_prec(prec),
            )));
        }
        let dt = p.to_datetime().ok()?;
        return Some(
            dt.timestamp_nanos_opt()
                .map(|ns| (RawTime::Instant(ns), round_prec(prec))),
        );
    }
    let dt = p.to_naive_datetime_with_offset(0).ok()?;
    Some(Some((
        RawTime::Local {
            dt,
            year_known: has_year,
        },
        round_prec(prec),
    )))
}

/// Digits after the last `.` or `,` that follows a digit and is followed by digits: the
/// fraction of seconds (a dotted date such as `04.04.2024` comes before it).
fn frac_digits(text: &str) -> u8 {
    let b = text.as_bytes();
    for i in (1..b.len()).rev() {
        if (b[i] == b'.' || b[i] == b',') && b[i - 1].is_ascii_digit() {
            let n = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if n > 0 {
                return n.min(9) as u8;
            }
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instant(f: &str, text: &str) -> (Nanos, u8) {
        match TsFormat::from_spec(f).unwrap().parse(text).unwrap() {
            (RawTime::Instant(ns), p) => (ns, p),
            other => panic!("expected instant, got {other:?}"),
        }
    }

    fn local(f: &str, text: &str) -> (String, bool) {
        match TsFormat::from_spec(f).unwrap().parse(text).unwrap().0 {
            RawTime::Local { dt, year_known } => (dt.to_string(), year_known),
            other => panic!("expected local, got {other:?}"),
        }
    }

    #[test]
    fn iso8601_with_every_offset_shape() {
        let z = instant("rfc3339", "2024-04-04T22:00:01.123456789Z");
        assert_eq!(z, (1712268001123456789, 9));
        assert_eq!(
            instant("rfc3339", "2024-04-05T03:30:01.123456789+05:30").0,
            z.0
        );
        assert_eq!(
            instant("rfc3339", "2024-04-05T03:30:01.123456789+0530").0,
            z.0
        );
        assert_eq!(
            instant("rfc3339", "2024-04-04T18:00:01.123456789-04").0,
            z.0
        );
        assert_eq!(instant("rfc3339", "2026-11-21T04:24:27.782Z").1, 3);
        assert_eq!(
            local("rfc3339", "2021-08-03 09:17:41.927442"),
            ("2021-08-03 09:17:41.927442".into(), true)
        );
        assert!(TsFormat::Iso8601.parse("2024-13-04T22:00:01Z").is_err());
        assert!(TsFormat::Iso8601.parse("yesterday").is_err());
    }

    #[test]
    fn leap_second_text_is_kept_for_the_clock_to_flag() {
        let next = instant("rfc3339", "2017-01-01T00:00:00.250Z").0;
        for (f, text) in [
            ("rfc3339", "2016-12-31T23:59:60.250Z"),
            ("rfc3339", "2017-01-01T00:59:60.250+01:00"),
            ("%d/%b/%Y:%H:%M:%S%.f %z", "31/Dec/2016:23:59:60.250 +0000"),
        ] {
            let (raw, prec) = TsFormat::from_spec(f).unwrap().parse(text).unwrap();
            assert!(matches!(raw, RawTime::Offset { .. }), "{text}: {raw:?}");
            assert_eq!(prec, 3);
            assert_eq!(raw.dated(), Some(next), "{text}");
        }
        // Without an offset: a local leap second, in chrono's representation.
        match TsFormat::Iso8601.parse("2016-12-31T23:59:60").unwrap().0 {
            RawTime::Local { dt, .. } => {
                assert!(is_leap(&dt));
                let (rolled, leap) = unleap(dt).unwrap();
                assert!(leap);
                assert_eq!(rolled.to_string(), "2017-01-01 00:00:00");
            }
            other => panic!("{other:?}"),
        }
        // An ordinary second is left alone.
        let dt = NaiveDate::from_ymd_opt(2024, 4, 4)
            .unwrap()
            .and_hms_opt(22, 0, 1)
            .unwrap();
        assert_eq!(unleap(dt), Some((dt, false)));
    }

    #[test]
    fn yearless_pattern_with_an_offset_leaves_the_year_to_the_clock() {
        let (raw, _) = TsFormat::from_spec("%b %e %H:%M:%S %z")
            .unwrap()
            .parse("Apr  4 22:00:01 +0200")
            .unwrap();
        match raw {
            RawTime::Offset {
                dt,
                offset_s,
                year_known,
            } => {
                assert_eq!(dt.to_string(), "2000-04-04 22:00:01");
                assert_eq!(offset_s, 7200);
                assert!(!year_known);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(raw.dated(), None);
    }

    #[test]
    fn epochs_by_magnitude_and_by_unit() {
        let s = 1_712_268_001_000_000_000i64;
        assert_eq!(instant("epoch", "1712268001").0, s);
        assert_eq!(instant("epoch", "1712268001000").0, s);
        assert_eq!(instant("epoch", "1712268001000000").0, s);
        assert_eq!(instant("epoch", "1712268001000000000").0, s);
        assert_eq!(instant("epoch", "1712268001.123456"), (s + 123_456_000, 6));
        assert_eq!(instant("epoch_ms", "1712268001123"), (s + 123_000_000, 3));
        assert!(TsFormat::from_spec("epoch").unwrap().parse("12ab").is_err());
    }

    #[test]
    fn strftime_shapes_of_the_corpus() {
        // CLF with offset
        assert_eq!(
            instant("%d/%b/%Y:%H:%M:%S %z", "10/Oct/2000:13:55:36 -0700").0,
            971_211_336_000_000_000
        );
        // HAProxy accept date, milliseconds, no zone
        assert_eq!(
            local("%d/%b/%Y:%H:%M:%S%.f", "21/Nov/2026:04:24:19.991"),
            ("2026-11-21 04:24:19.991".into(), true)
        );
        // syslog 3164: yearless, space-padded day
        assert_eq!(
            local("%b %e %H:%M:%S", "Nov  3 09:23:38"),
            ("2000-11-03 09:23:38".into(), false)
        );
        assert_eq!(
            local("%b %e %H:%M:%S", "Apr 4 09:23:38"),
            ("2000-04-04 09:23:38".into(), false)
        );
        // nginx error log
        assert_eq!(
            local("%Y/%m/%d %H:%M:%S", "2024/04/04 22:00:01"),
            ("2024-04-04 22:00:01".into(), true)
        );
    }
}

/// The layout reader against chrono's: on every stamp the layout takes, the same time.
#[cfg(test)]
mod layout_agrees {
    use super::*;
    use proptest::prelude::*;

    use crate::time::layout::PLAIN_PATTERNS as PATTERNS;

    fn parts(p: &str) -> (Vec<Item<'static>>, Layout, bool) {
        let TsFormat::Strftime {
            items,
            layout,
            has_year,
            ..
        } = TsFormat::from_spec(p).unwrap()
        else {
            unreachable!()
        };
        (items, layout.expect(p), has_year)
    }

    /// A stamp written by chrono for the pattern, then edited byte by byte.
    fn check(p: &str, secs: i64, nanos: u32, edits: &[(usize, u8, u8)]) {
        let (items, layout, has_year) = parts(p);
        let dt = chrono::DateTime::from_timestamp(secs, nanos)
            .unwrap()
            .naive_utc();
        let offset = chrono::FixedOffset::east_opt((secs % 50_000) as i32).unwrap();
        let mut text = dt
            .and_utc()
            .with_timezone(&offset)
            .format(p)
            .to_string()
            .into_bytes();
        let clean = String::from_utf8(text.clone()).unwrap();
        // A clean stamp is the layout's to read.
        let ours = read_layout(&layout, &clean, has_year);
        assert!(
            ours.is_some() || p.contains("%z") && !has_year,
            "{p}: {clean}"
        );
        for &(at, op, byte) in edits {
            if text.is_empty() {
                break;
            }
            let at = at % text.len();
            match op % 3 {
                0 => text[at] = byte,
                1 => text.insert(at, byte),
                _ => {
                    text.remove(at);
                }
            }
        }
        for t in [clean, String::from_utf8_lossy(&text).into_owned()] {
            if let Some(got) = read_layout(&layout, &t, has_year) {
                let want = parse_strftime(&t, &items, has_year);
                assert_eq!(want, Some(Some(got)), "{p}: {t:?}");
            }
        }
    }

    /// Stamps read one after another (the cache of the last one in play) read as each
    /// does on its own.
    fn check_in_turn(p: &str, secs: i64, nanos: [u32; 3], edit: (usize, u8)) {
        let write = |nanos: u32| {
            let dt = chrono::DateTime::from_timestamp(secs, nanos).unwrap();
            let offset = chrono::FixedOffset::east_opt((secs % 50_000) as i32).unwrap();
            dt.with_timezone(&offset).format(p).to_string()
        };
        let mut texts: Vec<String> = nanos.iter().map(|&n| write(n)).collect();
        let mut edited = texts[1].clone().into_bytes();
        let at = edit.0 % edited.len();
        edited[at] = edit.1;
        texts.push(String::from_utf8_lossy(&edited).into_owned());
        texts.push(texts[0].clone());
        // Each alone: a format of its own, so no stamp before it is cached.
        let alone: Vec<_> = texts
            .iter()
            .map(|t| TsFormat::from_spec(p).unwrap().parse(t).ok())
            .collect();
        let f = TsFormat::from_spec(p).unwrap();
        for (t, want) in texts.iter().zip(alone) {
            assert_eq!(f.parse(t).ok(), want, "{p}: {t:?}");
        }
    }

    #[test]
    fn a_cached_stamp_reads_the_same() {
        let p = "%d/%b/%Y:%H:%M:%S%.f";
        let f = TsFormat::from_spec(p).unwrap();
        let a = f.parse("13/Feb/2024:21:00:00.011").unwrap();
        let b = f.parse("13/Feb/2024:21:00:00.250").unwrap();
        let c = f.parse("13/Feb/2024:21:00:01.250").unwrap();
        let nanos = |t: RawTime| match t {
            RawTime::Local { dt, .. } => dt.and_utc().timestamp_nanos_opt().unwrap(),
            other => panic!("{other:?}"),
        };
        assert_eq!(nanos(b.0) - nanos(a.0), 239_000_000);
        assert_eq!(nanos(c.0) - nanos(b.0), 1_000_000_000);
        assert_eq!((a.1, b.1), (3, 3));
        // Not digits where the fraction was: not the cached stamp's.
        assert!(f.parse("13/Feb/2024:21:00:01.2x0").is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]
        #[test]
        fn in_turn_as_alone(
            p in 0..PATTERNS.len(),
            secs in -2_000_000_000i64..7_000_000_000,
            nanos in proptest::array::uniform3(prop::sample::select(
                vec![0u32, 1, 7_000_000, 250_000_000, 999_999_999, 123_456, 5_000_000])),
            edit in (any::<usize>(), prop::sample::select(b"0123456789.: ".to_vec())),
        ) {
            check_in_turn(PATTERNS[p], secs, nanos, edit);
        }

        #[test]
        fn same_as_chrono(
            p in 0..PATTERNS.len(),
            secs in -2_000_000_000i64..7_000_000_000,
            nanos in 0u32..1_000_000_000,
            edits in proptest::collection::vec(
                (any::<usize>(), any::<u8>(), prop::sample::select(
                    b" 0123459:./+-\tJjFfeEbBaAnN\xc3".to_vec())),
                0..3,
            ),
        ) {
            check(PATTERNS[p], secs, nanos, &edits);
        }
    }
}
