//! A fixed-layout reader for the strftime patterns access logs use (`%d/%b/%Y:%H:%M:%S
//! %z`, `%b %e %H:%M:%S%.f`, `%Y/%m/%d %H:%M:%S`…): the pattern is compiled once into
//! byte steps, and a stamp is read without chrono's general parser. It reads what
//! chrono would, the same way (numbers of one or two digits, spaces skipped before a
//! number, `%.f` optional), and declines — `None`, so chrono reads the stamp — whenever
//! the text strays from the plain case: non-ASCII bytes, signed years, a leap second,
//! anything left over. Tests hold it to chrono on every stamp it accepts.

use chrono::format::{Fixed, Item, Numeric};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
}

#[derive(Clone, Debug)]
enum Step {
    Literal(Box<[u8]>),
    /// chrono's `Item::Space`: any run of whitespace, none included.
    Space,
    /// One or two digits (four for the year), after any spaces.
    Number(Field),
    /// `%b`: a three-letter month name, any case.
    MonthName,
    /// `%.f`: nothing, or `.` and 1–9 digits.
    Fraction,
    /// `%z`: `±HHMM` or `±HH:MM`, after any spaces.
    Offset,
}

/// A compiled pattern; see the module's text.
#[derive(Clone, Debug)]
pub struct Layout {
    steps: Vec<Step>,
    /// Names this layout to the per-thread cache of its last stamp (unique per compile).
    id: u64,
}

static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// What a stamp read by a layout says: its wall time, its offset when the pattern has
/// one, and the number of fraction digits written (`None`: the pattern's `%.f` was
/// absent from the text, or the pattern has none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Read {
    pub dt: NaiveDateTime,
    pub offset_s: Option<i32>,
    pub fraction_digits: Option<u8>,
}

const MONTHS: [&[u8; 3]; 12] = [
    b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec",
];

impl Layout {
    /// The layout of a pattern's items, when every item is one it reads and each of
    /// month, day, hour, minute and second appears exactly once (the year at most once;
    /// without it the stamp is yearless). `None`: chrono reads this pattern.
    pub fn compile(items: &[Item<'_>]) -> Option<Layout> {
        let mut steps = Vec::new();
        let mut seen = Vec::new();
        for item in items {
            let step = match item {
                Item::Literal(s) => Step::Literal(s.as_bytes().into()),
                Item::OwnedLiteral(s) => Step::Literal(s.as_bytes().into()),
                Item::Space(_) | Item::OwnedSpace(_) => Step::Space,
                Item::Numeric(n, _) => Step::Number(match n {
                    Numeric::Year => Field::Year,
                    Numeric::Month => Field::Month,
                    Numeric::Day => Field::Day,
                    Numeric::Hour => Field::Hour,
                    Numeric::Minute => Field::Minute,
                    Numeric::Second => Field::Second,
                    _ => return None,
                }),
                Item::Fixed(Fixed::ShortMonthName) => Step::MonthName,
                Item::Fixed(Fixed::Nanosecond) => Step::Fraction,
                Item::Fixed(Fixed::TimezoneOffset) => Step::Offset,
                _ => return None,
            };
            match &step {
                Step::Literal(b) if !b.is_ascii() || b.iter().any(u8::is_ascii_whitespace) => {
                    return None
                }
                Step::Number(f) => seen.push(*f),
                Step::MonthName => seen.push(Field::Month),
                Step::Fraction | Step::Offset if steps.iter().any(|s| same_kind(s, &step)) => {
                    return None
                }
                _ => {}
            }
            steps.push(step);
        }
        let once = |f: Field| seen.iter().filter(|&&x| x == f).count() == 1;
        let all = [
            Field::Month,
            Field::Day,
            Field::Hour,
            Field::Minute,
            Field::Second,
        ];
        let year = seen.iter().filter(|&&x| x == Field::Year).count();
        (all.into_iter().all(once) && year <= 1).then(|| Layout {
            steps,
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// Reads `text` (the year is `year` when the pattern has none). `None`: declined.
    pub fn read(&self, text: &str, year: i32) -> Option<Read> {
        self.read_marked(text, year).map(|(r, _)| r)
    }

    /// This layout's name for caches: no two compiled layouts share it.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// [`Layout::read`], and where the fraction's digits are in `text` when it has some,
    /// and the seconds' when they are two digits right where the step starts. A stamp
    /// that differs from `text` only in the fraction digits (as many, all digits) reads
    /// as the same wall time with the other fraction; only in the seconds digits (two
    /// digits, at most 59), as the same with the other second: every other step sees the
    /// same bytes.
    pub fn read_marked(&self, text: &str, year: i32) -> Option<(Read, Marks)> {
        let b = text.as_bytes();
        let mut marked = None;
        let mut secs = None;
        let mut i = 0;
        let mut v = [0u32; 6];
        v[0] = u32::try_from(year).ok()?;
        let (mut offset_s, mut nanos, mut fraction_digits) = (None, 0, None);
        for step in &self.steps {
            match step {
                Step::Literal(lit) => {
                    if !b[i..].starts_with(lit) {
                        return None;
                    }
                    i += lit.len();
                }
                Step::Space => i = spaces(b, i)?,
                Step::Number(f) => {
                    let at = i;
                    i = spaces(b, i)?;
                    let max = if *f == Field::Year { 4 } else { 2 };
                    if *f == Field::Year && matches!(b.get(i), Some(b'+' | b'-')) {
                        return None;
                    }
                    let (n, len) = digits(&b[i..], max);
                    if len == 0 {
                        return None;
                    }
                    v[*f as usize] = n;
                    if *f == Field::Second && len == 2 && i == at {
                        secs = Some(i..i + 2);
                    }
                    i += len;
                }
                Step::MonthName => {
                    let name = b.get(i..i + 3)?;
                    let lower = [name[0] | 0x20, name[1] | 0x20, name[2] | 0x20];
                    let m = MONTHS.iter().position(|m| **m == lower)?;
                    if !name.iter().all(u8::is_ascii_alphabetic) {
                        return None;
                    }
                    v[Field::Month as usize] = m as u32 + 1;
                    i += 3;
                }
                Step::Fraction => {
                    if b.get(i) == Some(&b'.') {
                        let (n, len) = digits(&b[i + 1..], 9);
                        if len == 0 || b.get(i + 1 + len).is_some_and(u8::is_ascii_digit) {
                            return None;
                        }
                        nanos = n * 10u32.pow(9 - len as u32);
                        fraction_digits = Some(len as u8);
                        marked = Some(i + 1..i + 1 + len);
                        i += 1 + len;
                    }
                }
                Step::Offset => {
                    i = spaces(b, i)?;
                    let sign = match b.get(i)? {
                        b'+' => 1,
                        b'-' => -1,
                        _ => return None,
                    };
                    let (h, hl) = digits(&b[i + 1..], 2);
                    if hl != 2 {
                        return None;
                    }
                    i += 3;
                    if b.get(i) == Some(&b':') {
                        i += 1;
                    }
                    let (m, ml) = digits(&b[i..], 2);
                    if ml != 2 || h > 23 || m > 59 {
                        return None;
                    }
                    i += 2;
                    offset_s = Some(sign * (h * 3600 + m * 60) as i32);
                }
            }
        }
        if i != b.len() || v[Field::Second as usize] > 59 {
            return None;
        }
        let date = NaiveDate::from_ymd_opt(v[0] as i32, v[1], v[2])?;
        let time = NaiveTime::from_hms_nano_opt(v[3], v[4], v[5], nanos)?;
        let read = Read {
            dt: date.and_time(time),
            offset_s,
            fraction_digits,
        };
        Some((read, Marks { frac: marked, secs }))
    }
}

/// Where a stamp's fraction digits and seconds digits are ([`Layout::read_marked`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    pub frac: Option<std::ops::Range<usize>>,
    pub secs: Option<std::ops::Range<usize>>,
}

fn same_kind(a: &Step, b: &Step) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// Past any ASCII spaces and tabs; `None` at other whitespace (chrono trims Unicode
/// whitespace, which is not this reader's business).
fn spaces(b: &[u8], mut i: usize) -> Option<usize> {
    while let Some(&c) = b.get(i) {
        match c {
            b' ' | b'\t' => i += 1,
            b'\n' | b'\r' | 0x0b | 0x0c => return None,
            c if c >= 0x80 => return None,
            _ => break,
        }
    }
    Some(i)
}

/// Up to `max` leading digits: their value and count.
fn digits(b: &[u8], max: usize) -> (u32, usize) {
    let mut n = 0u32;
    let mut len = 0;
    while len < max {
        match b.get(len) {
            Some(c @ b'0'..=b'9') => {
                n = n * 10 + (c - b'0') as u32;
                len += 1;
            }
            _ => break,
        }
    }
    (n, len)
}

/// The patterns of the built-in definitions a layout reads, and a yearless one with an
/// offset (for the tests here and in `stamp.rs`).
#[cfg(test)]
pub(crate) const PLAIN_PATTERNS: [&str; 10] = [
    "%d/%b/%Y:%H:%M:%S %z",
    "%d/%b/%Y:%H:%M:%S%.f",
    "%b %e %H:%M:%S%.f",
    "%b %e %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%m/%d-%H:%M:%S%.f",
    "%m%d %H:%M:%S%.f",
    "%m/%d/%Y-%H:%M:%S%.f",
    "%b %e %H:%M:%S %z",
];

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::format::StrftimeItems;

    fn layout(p: &str) -> Option<Layout> {
        let items: Vec<Item<'_>> = StrftimeItems::new(p).collect();
        Layout::compile(&items)
    }

    #[test]
    fn compiles_the_access_log_patterns_and_not_the_others() {
        for p in PLAIN_PATTERNS {
            assert!(layout(p).is_some(), "{p}");
        }
        for p in [
            "%a %b %d %H:%M:%S%.f %Y", // weekday: chrono checks it
            "%y-%m-%d %H:%M:%S",       // two-digit year
            "%Y-%m-%d %H:%M",          // no seconds
            "%Y-%m-%d %I:%M:%S %p",    // 12-hour clock
            "%d %d/%b %H:%M:%S",       // day twice
            "%Y-%m-%d %H:%M:%S%.3f",   // fixed fraction width
        ] {
            assert!(layout(p).is_none(), "{p}");
        }
    }

    #[test]
    fn reads_like_chrono_and_declines_the_rest() {
        let l = layout("%d/%b/%Y:%H:%M:%S %z").unwrap();
        let r = l.read("13/Feb/2024:21:00:00 +0100", 0).unwrap();
        assert_eq!(r.dt.to_string(), "2024-02-13 21:00:00");
        assert_eq!(r.offset_s, Some(3600));
        assert_eq!(r.fraction_digits, None);
        assert_eq!(
            l.read("13/Feb/2024:21:00:00 -05:30", 0).unwrap().offset_s,
            Some(-19800)
        );
        let l = layout("%b %e %H:%M:%S%.f").unwrap();
        let r = l.read("Feb  6 12:14:14.65", 2000).unwrap();
        assert_eq!(r.dt.to_string(), "2000-02-06 12:14:14.650");
        assert_eq!(r.fraction_digits, Some(2));
        for bad in [
            "Feb  6 12:14:60",            // leap second: chrono's way
            "Feb 30 12:14:14",            // no such day
            "Feb  6 12:14:14.",           // a dot without digits
            "Feb  6 12:14:14.1234567890", // ten digits
            "Feb  6 12:14:14 ",           // left over
            "Fév  6 12:14:14",            // not ASCII
            "Feb\u{a0}6 12:14:14",        // Unicode space
            "Feb  6 24:14:14",
        ] {
            assert!(l.read(bad, 2000).is_none(), "{bad}");
        }
    }
}
