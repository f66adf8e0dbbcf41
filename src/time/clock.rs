//! A source's clock: zone for naive stamps, year for yearless ones, and skew.

use chrono::{Datelike, Timelike};
use chrono_tz::Tz;

use super::stamp::{fraction_ns, unleap};
use super::{resolve_local, Marks, RawTime, YearAnchor, YearSource};
use crate::event::{Nanos, TimeFlags};

/// The instants a source's times may resolve to: 1908-01-01 (inclusive) to 2200-01-01
/// (exclusive), 292 years, so that the difference of any two fits in an `i64` of
/// nanoseconds with room to spare — silences, runs, windows and phases subtract instants
/// everywhere. A stamp beyond is corrupt, not history: it is rejected as out of range.
pub const EARLIEST: Nanos = -1_956_614_400 * 1_000_000_000;
pub const LATEST: Nanos = 7_258_118_400 * 1_000_000_000 - 1;

/// What the run decided for one source's time.
#[derive(Clone, Debug)]
pub struct ClockSettings {
    /// Zone for stamps without an offset; `None` means UTC (and says so).
    pub zone: Option<Tz>,
    pub year: YearSource,
    /// Added to every instant of the source (`--skew`).
    pub skew: Nanos,
}

/// Turns raw times into UTC instants for one source, remembering what it assumed.
#[derive(Clone, Debug)]
pub struct SourceClock {
    settings: ClockSettings,
    pub years: YearAnchor,
    /// Stamps that needed the zone (no offset in the text).
    pub zone_assumed: u64,
    /// Stamps that needed a year.
    pub year_inferred: u64,
    /// The last instant resolved (for lines that inherit it).
    pub last: Option<Nanos>,
    /// The last two stamps [`SourceClock::remember`] kept, and which was read last. A
    /// stamp that needed its year completed is kept only while nothing else is resolved;
    /// one with its year stays past others (see [`SourceClock::again`]).
    memo: [Option<Memo>; 2],
    hot: usize,
}

/// The longest stamp [`SourceClock::remember`] keeps.
const MEMO_TEXT: usize = 48;
const MEMO_WORDS: usize = MEMO_TEXT / 8;

/// A stamp just resolved, with where its fraction digits are: the next line of a busy log
/// most often has the same stamp but for those digits, and then its instant is this one's
/// second plus its own fraction. When its seconds digits are known too, and every second
/// of its minute resolves alike, it stands for the whole minute: a log stamped when
/// requests start but written when they end interleaves many seconds (a request that
/// took 30 s is written among those that started 30 s later).
#[derive(Clone, Debug)]
struct Memo {
    /// The stamp format that read it (its address: the run's formats do not move).
    format: usize,
    len: usize,
    text: [u8; MEMO_TEXT],
    /// `text` as little-endian words, its digits that may differ (fraction, seconds)
    /// and the bytes past its end zeroed, and the mask that zeroes them
    /// ([`Memo::seal`]): a stamp fits when its words, masked, are these.
    words: [u64; MEMO_WORDS],
    mask: [u64; MEMO_WORDS],
    /// The fraction's digits in `text` (empty: it had none).
    frac: std::ops::Range<usize>,
    /// The seconds' two digits in `text`, before the fraction (empty: the memo stands
    /// for its second only).
    secs: std::ops::Range<usize>,
    /// The instant, the flags and the stamp's precision, its fraction taken off (and
    /// its seconds, when `secs` is not empty).
    base: Nanos,
    flags: TimeFlags,
    prec: u8,
    /// The year anchor's last date-time, its fraction taken off (and its seconds), and
    /// its year.
    wall: chrono::NaiveDateTime,
    year: i32,
    /// What resolving it counted.
    zone_assumed: bool,
    year_inferred: bool,
}

impl Memo {
    /// Is `b`, read by `format`, this stamp but for its fraction digits? (Or but for its
    /// seconds digits too, when it stands for its minute.)
    #[inline(always)]
    fn fits(&self, format: usize, b: &[u8]) -> bool {
        if self.format != format || b.len() != self.len {
            return false;
        }
        let mut differ = 0;
        for (k, w) in b.chunks(8).take(MEMO_WORDS).enumerate() {
            differ |= (crate::word_le(w) & self.mask[k]) ^ self.words[k];
        }
        differ == 0
    }

    /// Fills `words` and `mask` from `text` and the digits that may differ.
    fn seal(&mut self) {
        let mut keep = [0xffu8; MEMO_TEXT];
        keep[self.len..].fill(0);
        keep[self.frac.clone()].fill(0);
        keep[self.secs.clone()].fill(0);
        for k in 0..MEMO_WORDS {
            let at = k * 8..k * 8 + 8;
            self.mask[k] = crate::word_le(&keep[at.clone()]);
            self.words[k] = crate::word_le(&self.text[at]) & self.mask[k];
        }
    }

    /// The second of `b` (which [`Memo::fits`]) when the memo stands for its minute: its
    /// two digits, at most 59 (a leap second is resolved in full). `Some(0)` for a memo
    /// of one second; `None`: not a second the memo can answer.
    #[inline(always)]
    fn second(&self, b: &[u8]) -> Option<u32> {
        if self.secs.is_empty() {
            return Some(0);
        }
        let d = &b[self.secs.clone()];
        let (t, u) = (d[0].wrapping_sub(b'0'), d[1].wrapping_sub(b'0'));
        (t <= 5 && u <= 9).then_some(t as u32 * 10 + u as u32)
    }
}

impl SourceClock {
    pub fn new(settings: ClockSettings) -> Self {
        SourceClock {
            years: YearAnchor::new(settings.year),
            settings,
            zone_assumed: 0,
            year_inferred: 0,
            last: None,
            memo: [None, None],
            hot: 0,
        }
    }

    pub fn zone_name(&self) -> String {
        self.settings
            .zone
            .map_or_else(|| "UTC".to_string(), |z| z.name().to_string())
    }

    pub fn skew(&self) -> Nanos {
        self.settings.skew
    }

    /// Learns from a time without resolving anything (an envelope's stamp anchors the
    /// year of the line inside it).
    pub fn observe(&mut self, raw: RawTime) {
        self.forget_yearless();
        match raw {
            RawTime::Instant(ns) => self
                .years
                .observe_full(chrono::DateTime::from_timestamp_nanos(ns).naive_utc()),
            RawTime::Local {
                dt,
                year_known: true,
            }
            | RawTime::Offset {
                dt,
                year_known: true,
                ..
            } => self.years.observe_full(dt),
            _ => {}
        }
    }

    /// A wall time with its year: as written, else completed by the year anchor (and
    /// counted). Then a leap second is moved to the next minute (after the year, so that
    /// `Dec 31 23:59:60` lands in the next year).
    fn wall(
        &mut self,
        dt: chrono::NaiveDateTime,
        year_known: bool,
    ) -> Option<(chrono::NaiveDateTime, TimeFlags)> {
        let dt = if year_known {
            self.years.observe_full(dt);
            dt
        } else {
            self.year_inferred += 1;
            self.years.complete(dt)?
        };
        let (dt, leap) = unleap(dt)?;
        let mut f = TimeFlags::default();
        if leap {
            f.insert(TimeFlags::LEAP_SECOND);
        }
        if !year_known {
            f.insert(TimeFlags::YEAR_INFERRED);
        }
        Some((dt, f))
    }

    /// The UTC instant of a raw time, and how it was obtained. `None`: out of range.
    pub fn resolve(&mut self, raw: RawTime) -> Option<(Nanos, TimeFlags)> {
        self.forget_yearless();
        let (mut ns, mut flags) = match raw {
            RawTime::Previous => {
                let mut f = TimeFlags::default();
                f.insert(TimeFlags::TIME_INHERITED);
                return self.last.map(|ns| (ns, f));
            }
            RawTime::Instant(ns) => {
                let dt = chrono::DateTime::from_timestamp_nanos(ns).naive_utc();
                self.years.observe_full(dt);
                (ns, TimeFlags::default())
            }
            RawTime::Local { dt, year_known } => {
                let (dt, mut f) = self.wall(dt, year_known)?;
                self.zone_assumed += 1;
                let ns = match self.settings.zone {
                    Some(tz) => {
                        let (ns, dst) = resolve_local(dt, tz)?;
                        f.insert(dst);
                        ns
                    }
                    None => dt.and_utc().timestamp_nanos_opt()?,
                };
                f.insert(TimeFlags::ZONE_ASSUMED);
                (ns, f)
            }
            RawTime::Offset {
                dt,
                offset_s,
                year_known,
            } => {
                let (dt, f) = self.wall(dt, year_known)?;
                let ns = dt
                    .and_utc()
                    .timestamp_nanos_opt()?
                    .checked_sub(offset_s as i64 * 1_000_000_000)?;
                (ns, f)
            }
        };
        if self.settings.skew != 0 {
            ns = ns.checked_add(self.settings.skew)?;
            flags.insert(TimeFlags::SKEW_APPLIED);
        }
        if !(EARLIEST..=LATEST).contains(&ns) {
            return None;
        }
        self.last = Some(ns);
        Some((ns, flags))
    }

    /// Keeps `text`, just read by `format` as `raw` (precision `prec`) and resolved as
    /// `ns` with `flags`, for [`SourceClock::again`]. `frac`: where its fraction digits are
    /// (`0..0`: it has none), as the format's layout vouches that a stamp differing only
    /// in them (as many, all digits) reads as the same wall time with the other fraction.
    #[allow(clippy::too_many_arguments)]
    pub fn remember(
        &mut self,
        format: usize,
        text: &str,
        marks: Marks,
        raw: RawTime,
        prec: u8,
        ns: Nanos,
        flags: TimeFlags,
    ) {
        let b = text.as_bytes();
        let frac = marks.frac.unwrap_or(0..0);
        // A leap second, or a wall time the zone skips or repeats, is resolved each time.
        let odd = [
            TimeFlags::LEAP_SECOND,
            TimeFlags::DST_GAP,
            TimeFlags::DST_AMBIGUOUS,
        ];
        if b.len() > MEMO_TEXT || frac.end > b.len() || odd.iter().any(|&f| flags.contains(f)) {
            return;
        }
        let (Some(f), Some(last)) = (fraction_ns(&b[frac.clone()]), self.years.last()) else {
            return;
        };
        let (Some(wall), Some(base)) = (last.with_nanosecond(0), ns.checked_sub(f as i64)) else {
            return;
        };
        if last.nanosecond() != f {
            return;
        }
        let (zone_assumed, year_inferred) = match raw {
            RawTime::Local { year_known, .. } => (true, !year_known),
            RawTime::Offset { year_known, .. } => (false, !year_known),
            RawTime::Instant(_) => (false, false),
            RawTime::Previous => return,
        };
        let mut m = Memo {
            format,
            len: b.len(),
            text: [0; MEMO_TEXT],
            words: [0; MEMO_WORDS],
            mask: [0; MEMO_WORDS],
            frac,
            secs: 0..0,
            base,
            flags,
            prec,
            wall,
            year: wall.year(),
            zone_assumed,
            year_inferred,
        };
        if let Some(secs) = marks.secs.filter(|_| !year_inferred) {
            m.secs = secs;
            match m.second(b).filter(|&sec| sec == wall.second()) {
                Some(sec) if m.secs.end <= m.frac.start || m.frac.is_empty() => {
                    let minute = (
                        wall.with_second(0),
                        base.checked_sub(sec as i64 * 1_000_000_000),
                    );
                    match minute {
                        (Some(w), Some(ns)) if self.minute_alike(w, ns, zone_assumed) => {
                            (m.wall, m.base) = (w, ns);
                        }
                        _ => m.secs = 0..0,
                    }
                }
                _ => m.secs = 0..0,
            }
        }
        m.text[..b.len()].copy_from_slice(b);
        m.seal();
        // In place of the one less lately read (what is left of either is of a stamp with
        // its year: resolving this one forgot the others).
        self.hot ^= 1;
        self.memo[self.hot] = Some(m);
    }

    /// Does every second of the minute of wall time `wall` (its first second) resolve as
    /// `ns` plus that second, with no flag of its own? Always, but for a wall time read
    /// in an assumed zone whose offset changes within that minute (a transition at an
    /// odd second, as some zones' first ones are) or skips or repeats it.
    fn minute_alike(&self, wall: chrono::NaiveDateTime, ns: Nanos, zone_assumed: bool) -> bool {
        let Some(tz) = self.settings.zone.filter(|_| zone_assumed) else {
            return true;
        };
        let at = |s: i64| {
            let dt = wall.checked_add_signed(chrono::TimeDelta::seconds(s))?;
            let (t, flags) = resolve_local(dt, tz)?;
            (flags == TimeFlags::default()).then(|| t.checked_add(self.settings.skew))?
        };
        at(0) == Some(ns) && at(59) == ns.checked_add(59_000_000_000)
    }

    /// Drops what the memo keeps of stamps whose year was completed: another time read
    /// may move the year anchor they were completed by.
    fn forget_yearless(&mut self) {
        for m in &mut self.memo {
            if m.as_ref().is_some_and(|m| m.year_inferred) {
                *m = None;
            }
        }
    }

    /// The instant of `text`, read by `format`, when it is one of the last two stamps
    /// remembered but for its fraction digits: what [`SourceClock::resolve`] would give,
    /// with the same counts, flags and precision, without reading or resolving. Two,
    /// because a log stamped when requests start but written when they end goes back and
    /// forth across each second's turn.
    ///
    /// A stamp with its year resolves the same whatever was resolved since; resolving it
    /// moves the year anchor's last date-time, and sets its year from it, so it is
    /// answered here only while the anchor already holds that year. A stamp whose year
    /// was completed is kept only while nothing else is resolved.
    pub fn again(&mut self, format: usize, text: &str) -> Option<(Nanos, TimeFlags, u8)> {
        let b = text.as_bytes();
        let years = &self.years;
        let fits = |m: &Option<Memo>| {
            m.as_ref()
                .is_some_and(|m| m.fits(format, b) && (m.year_inferred || years.holds_year(m.year)))
        };
        if !fits(&self.memo[self.hot]) {
            if !fits(&self.memo[self.hot ^ 1]) {
                return None;
            }
            // The other second is the current one now: it is tried first. A stamp whose
            // year was completed from the anchor's last date-time, which this one moves,
            // would not complete the same again.
            if self.memo[self.hot]
                .as_ref()
                .is_some_and(|m| m.year_inferred)
            {
                self.memo[self.hot] = None;
            }
            self.hot ^= 1;
        }
        let m = self.memo[self.hot].as_ref()?;
        let (s, e) = (m.frac.start, m.frac.end);
        let f = fraction_ns(&b[s..e])?;
        let sec = m.second(b)?;
        let ns = m.base + sec as i64 * 1_000_000_000 + f as i64;
        if !(EARLIEST..=LATEST).contains(&ns) {
            return None;
        }
        let wall = if m.secs.is_empty() {
            m.wall
        } else {
            m.wall.with_second(sec)?
        };
        self.years.again(wall.with_nanosecond(f)?);
        self.zone_assumed += m.zone_assumed as u64;
        self.year_inferred += m.year_inferred as u64;
        self.last = Some(ns);
        Some((ns, m.flags, m.prec))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::TsFormat;
    use proptest::prelude::*;

    /// What a clock has counted and remembers, its memo aside.
    fn state(c: &SourceClock) -> String {
        format!(
            "{:?} {} {} {:?}",
            c.years, c.zone_assumed, c.year_inferred, c.last
        )
    }

    /// Each stamp read and resolved in full, and read through the memo as the lean lane
    /// does: the same instants, flags, precisions and clock state. Each stamp is read by
    /// the format of its spec, all on one clock.
    fn agree(specs: &[&str], zone: Option<Tz>, skew: Nanos, stamps: &[(usize, String)]) {
        let fmts: Vec<TsFormat> = specs
            .iter()
            .map(|s| TsFormat::from_spec(s).unwrap())
            .collect();
        let settings = ClockSettings {
            zone,
            year: YearSource::Guess(1_700_000_000 * 1_000_000_000),
            skew,
        };
        let (mut full, mut lean) = (
            SourceClock::new(settings.clone()),
            SourceClock::new(settings),
        );
        for (k, s) in stamps {
            let (fmt, spec) = (&fmts[*k], specs[*k]);
            let key = std::ptr::from_ref(fmt) as usize;
            let want = fmt
                .parse(s)
                .ok()
                .and_then(|(raw, prec)| Some((full.resolve(raw)?, prec)))
                .map(|((ns, f), prec)| (ns, f, prec));
            let got = match lean.again(key, s) {
                Some(hit) => Some(hit),
                None => fmt.parse(s).ok().and_then(|(raw, prec)| {
                    let (ns, f) = lean.resolve(raw)?;
                    if let Some(marks) = fmt.marks(s) {
                        lean.remember(key, s, marks, raw, prec, ns, f);
                    }
                    Some((ns, f, prec))
                }),
            };
            assert_eq!(got, want, "{spec} {s:?}");
            assert_eq!(state(&lean), state(&full), "{spec} {s:?}");
        }
    }

    /// A UTC clock with no year given.
    fn clock() -> SourceClock {
        SourceClock::new(ClockSettings {
            zone: None,
            year: YearSource::Guess(0),
            skew: 0,
        })
    }

    /// Reads and resolves `s` in full, and has the clock remember it, as the lean lane
    /// does on a miss: its instant.
    fn read(c: &mut SourceClock, fmt: &TsFormat, s: &str) -> Nanos {
        let key = std::ptr::from_ref(fmt) as usize;
        let (raw, prec) = fmt.parse(s).unwrap();
        let (ns, f) = c.resolve(raw).unwrap();
        c.remember(key, s, fmt.marks(s).unwrap(), raw, prec, ns, f);
        ns
    }

    #[test]
    fn a_stamp_in_the_last_ones_minute_is_not_read_again() {
        let fmt = TsFormat::from_spec("%d/%b/%Y:%H:%M:%S%.f").unwrap();
        let key = std::ptr::from_ref(&fmt) as usize;
        let mut c = clock();
        let ns = read(&mut c, &fmt, "13/Feb/2024:21:00:07.011");
        let (again, _, _) = c.again(key, "13/Feb/2024:21:00:07.987").unwrap();
        assert_eq!(again - ns, 976_000_000);
        let (again, _, _) = c.again(key, "13/Feb/2024:21:00:00.011").unwrap();
        assert_eq!(ns - again, 7_000_000_000);
        let (again, _, _) = c.again(key, "13/Feb/2024:21:00:59.999").unwrap();
        assert_eq!(again - ns, 52_988_000_000);
        // Not another minute, a leap second, nor a second that is not two digits.
        assert!(c.again(key, "13/Feb/2024:21:01:07.011").is_none());
        assert!(c.again(key, "13/Feb/2024:21:00:60.011").is_none());
        assert!(c.again(key, "13/Feb/2024:21:00:7a.011").is_none());
        assert!(c.again(key, "13/Feb/2024:21:00:00.01").is_none());
        assert!(c.again(key + 1, "13/Feb/2024:21:00:00.011").is_none());
        // A stamp with its year stays known past others resolved…
        let (raw2, _) = fmt.parse("13/Feb/2024:21:01:01.002").unwrap();
        c.resolve(raw2).unwrap();
        assert!(c.again(key, "13/Feb/2024:21:00:00.5").is_none());
        assert!(c.again(key, "13/Feb/2024:21:00:00.500").is_some());
        // …but not past one of another year, which moved the year anchor.
        let (raw3, _) = fmt.parse("13/Feb/2023:21:00:00.011").unwrap();
        c.resolve(raw3).unwrap();
        assert!(c.again(key, "13/Feb/2024:21:00:00.500").is_none());
    }

    #[test]
    fn a_yearless_stamp_is_forgotten_when_another_is_resolved() {
        let fmt = TsFormat::from_spec("%b %e %H:%M:%S%.f").unwrap();
        let key = std::ptr::from_ref(&fmt) as usize;
        let mut c = clock();
        read(&mut c, &fmt, "Feb 13 21:00:00.011");
        assert!(c.again(key, "Feb 13 21:00:00.500").is_some());
        let (raw, _) = fmt.parse("Feb 13 21:00:00.011").unwrap();
        c.resolve(raw).unwrap();
        assert!(c.again(key, "Feb 13 21:00:00.500").is_none());
    }

    /// Stamps that go back and forth across a minute's turn (a log stamped at each
    /// request's start, written at its end) are all read through the memo.
    #[test]
    fn two_minutes_in_turn_are_both_remembered() {
        let fmt = TsFormat::from_spec("%d/%b/%Y:%H:%M:%S%.f").unwrap();
        let key = std::ptr::from_ref(&fmt) as usize;
        let mut c = clock();
        read(&mut c, &fmt, "13/Feb/2024:21:00:59.900");
        read(&mut c, &fmt, "13/Feb/2024:21:01:00.002");
        let at = |c: &mut SourceClock, s: &str| c.again(key, s).map(|(ns, _, _)| ns);
        let base = at(&mut c, "13/Feb/2024:21:00:00.000").unwrap();
        assert_eq!(
            at(&mut c, "13/Feb/2024:21:01:30.000"),
            Some(base + 90_000_000_000)
        );
        assert_eq!(
            at(&mut c, "13/Feb/2024:21:00:00.999"),
            Some(base + 999_000_000)
        );
        assert_eq!(at(&mut c, "13/Feb/2024:21:02:00.000"), None);
    }

    /// A minute in which the zone's offset changes at an odd second (Monrovia left its
    /// mean time, −0:44:30, at what would have been 00:00 on 1972-01-07, and the clock
    /// went to 00:44:30) stands for its own second only; the same minute a day later
    /// stands for itself whole.
    #[test]
    fn a_minute_the_zone_cuts_stands_for_its_second_only() {
        let fmt = TsFormat::from_spec("%d/%b/%Y:%H:%M:%S").unwrap();
        let key = std::ptr::from_ref(&fmt) as usize;
        let mut c = SourceClock::new(ClockSettings {
            zone: Some(chrono_tz::Africa::Monrovia),
            year: YearSource::Guess(0),
            skew: 0,
        });
        read(&mut c, &fmt, "07/Jan/1972:00:44:45");
        assert!(c.again(key, "07/Jan/1972:00:44:45").is_some());
        assert!(c.again(key, "07/Jan/1972:00:44:50").is_none());
        read(&mut c, &fmt, "08/Jan/1972:00:44:45");
        assert!(c.again(key, "08/Jan/1972:00:44:50").is_some());
    }

    fn stamps() -> impl Strategy<Value = Vec<(usize, String)>> {
        // Seconds where something happens: a year's end (rollover of yearless stamps), a
        // leap second, Berlin's autumn hour that comes twice and spring hour that never does.
        let seconds = prop::sample::select(vec![
            (2023, 12, 31, 23, 59, 59),
            (2024, 1, 1, 0, 0, 0),
            (2016, 12, 31, 23, 59, 60),
            (2024, 10, 27, 2, 30, 0),
            (2024, 3, 31, 2, 30, 0),
            (2024, 2, 13, 21, 0, 0),
            (2024, 2, 13, 21, 0, 1),
            // Other seconds of those minutes: one memo may answer for the whole minute.
            (2023, 12, 31, 23, 59, 7),
            (2016, 12, 31, 23, 59, 30),
            (2024, 10, 27, 2, 30, 45),
            (2024, 3, 31, 2, 30, 45),
            (2024, 2, 13, 21, 0, 59),
            // Monrovia's minute cut by its mean time's end (see the test above).
            (1972, 1, 7, 0, 44, 29),
            (1972, 1, 7, 0, 44, 30),
            (1972, 1, 7, 0, 44, 59),
        ]);
        let frac = prop::option::of("[0-9]{1,10}");
        prop::collection::vec((0usize..4, seconds, frac), 1..24).prop_map(|v| {
            v.into_iter()
                .map(|(f, (y, mo, d, h, mi, s), frac)| {
                    const MONTHS: [&str; 12] = [
                        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                        "Nov", "Dec",
                    ];
                    let m = MONTHS[mo - 1];
                    let frac = frac.map(|x| format!(".{x}")).unwrap_or_default();
                    let text = match f {
                        0 => format!("{d:02}/{m}/{y}:{h:02}:{mi:02}:{s:02}{frac}"),
                        1 => format!("{m} {d:>2} {h:02}:{mi:02}:{s:02}{frac}"),
                        2 => format!("{mo:02}{d:02} {h:02}:{mi:02}:{s:02}{frac}"),
                        _ => format!("{d:02}/{m}/{y}:{h:02}:{mi:02}:{s:02} +0100"),
                    };
                    (f, text)
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn the_memo_resolves_as_the_clock_does(
            v in stamps(),
            zone in prop::sample::select(vec![
                None,
                Some(chrono_tz::Europe::Berlin),
                Some(chrono_tz::Africa::Monrovia),
            ]),
            skew in prop::sample::select(vec![0, 1_500_000_000, -250_000]),
        ) {
            const SPECS: [&str; 4] = [
                "%d/%b/%Y:%H:%M:%S%.f",
                "%b %e %H:%M:%S%.f",
                "%m%d %H:%M:%S%.f",
                "%d/%b/%Y:%H:%M:%S %z",
            ];
            for (k, spec) in SPECS.iter().enumerate() {
                let mine: Vec<(usize, String)> =
                    v.iter().filter(|(f, _)| *f == k).map(|(_, s)| (0, s.clone())).collect();
                agree(&[spec], zone, skew, &mine);
            }
            // All on one clock: stamps of one format between those of others.
            agree(&SPECS, zone, skew, &v);
        }
    }
}
