//! Dates, clock times and zones as people write them in a postmortem: `10:00 PM`,
//! `2:00 PM UTC`, `22:00 UTC`, `June 6, 2023, 10:00 AM`, `February 13th, 2024`,
//! `2024-04-04 22:00`, `(GMT)`, `PST`, `UTC+2`.
//!
//! Pure functions over one line of text; each hit carries its byte span so the caller
//! can tell which date a time is attached to and which zone follows it.

use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveTime};
use regex::Regex;

/// Something found in a line, with its byte span.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit<T> {
    pub start: usize,
    pub end: usize,
    pub value: T,
}

/// A calendar date; the year may be left out (`June 6`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Day {
    pub year: Option<i32>,
    pub month: u32,
    pub day: u32,
}

impl Day {
    /// The date, taking `year` when the text gave none.
    pub fn with_year(self, year: i32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year.unwrap_or(year), self.month, self.day)
    }
}

/// A time of day and how finely it was written (seconds): `10 PM` is to the hour,
/// `10:00 PM` to the minute, `22:00:07` to the second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    pub time: NaiveTime,
    pub precision_s: i64,
}

/// A zone named in the text: its name as written and its offset east of UTC (seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zone {
    pub name: String,
    pub offset_s: i32,
}

const MONTHS: &str = r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?";

static ISO_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(\d{4})[-/](\d{1,2})[-/](\d{1,2})").expect("regex"));
static MONTH_FIRST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?ix)\b({MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b (?:,?\s+(\d{{4}})\b)?"
    ))
    .expect("regex")
});
static DAY_FIRST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?ix)\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({MONTHS})\b\.? (?:,?\s+(\d{{4}})\b)?"
    ))
    .expect("regex")
});
/// `22:00`, `2:00 PM`, `02:00:07 a.m.`; the character before must not be a digit or `:`.
static HM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:\s*([ap])\.?\s?m\b\.?)?")
        .expect("regex")
});
/// `10 PM`, `3pm`.
static H_AMPM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(\d{1,2})\s*([ap])\.?\s?m\b\.?").expect("regex"));
static ZONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(?:(UTC|GMT)(?:\s?([+-])(\d{1,2})(?::?(\d{2}))?)?|(PST|PDT|EST|EDT|CST|CDT|MST|MDT|CET|CEST|EET|EEST|BST|JST|AEST|AEDT))\b",
    )
    .expect("regex")
});

fn month_number(name: &str) -> Option<u32> {
    let n = name.to_ascii_lowercase();
    let m = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .position(|p| n.starts_with(p))?;
    Some(m as u32 + 1)
}

/// Keeps `day` when it is a real date (a leap year stands in for a missing year).
fn push_valid(out: &mut Vec<Hit<Day>>, m: regex::Match<'_>, day: Day) {
    if NaiveDate::from_ymd_opt(day.year.unwrap_or(2000), day.month, day.day).is_some() {
        out.push(Hit {
            start: m.start(),
            end: m.end(),
            value: day,
        });
    }
}

/// The dates written in `line`, in order.
pub fn dates(line: &str) -> Vec<Hit<Day>> {
    let mut out: Vec<Hit<Day>> = Vec::new();
    for c in ISO_DATE.captures_iter(line) {
        let m = c.get(0).expect("match");
        let num = |i: usize| c.get(i).and_then(|x| x.as_str().parse::<u32>().ok());
        let (Some(y), Some(mo), Some(d)) = (num(1), num(2), num(3)) else {
            continue;
        };
        push_valid(
            &mut out,
            m,
            Day {
                year: Some(y as i32),
                month: mo,
                day: d,
            },
        );
    }
    for (re, month_at, day_at) in [(&*MONTH_FIRST, 1, 2), (&*DAY_FIRST, 2, 1)] {
        for c in re.captures_iter(line) {
            let m = c.get(0).expect("match");
            if out.iter().any(|h| h.start < m.end() && m.start() < h.end) {
                continue;
            }
            let Some(month) = c.get(month_at).and_then(|x| month_number(x.as_str())) else {
                continue;
            };
            let Some(d) = c.get(day_at).and_then(|x| x.as_str().parse::<u32>().ok()) else {
                continue;
            };
            // "May 2" is a date; "may 2 servers" is rarely one, but the lower-case verb
            // is far more common than the month: only a capitalised May counts.
            if c.get(month_at).is_some_and(|x| x.as_str() == "may") {
                continue;
            }
            let year = c.get(3).and_then(|x| x.as_str().parse().ok());
            push_valid(
                &mut out,
                m,
                Day {
                    year,
                    month,
                    day: d,
                },
            );
        }
    }
    out.sort_by_key(|h| h.start);
    out
}

/// The clock times written in `line`, in order. Digits glued to other digits or to
/// letters (`v1:20`, `10:00:00:00`) and ratios such as `3:1` are not times.
pub fn times(line: &str) -> Vec<Hit<Clock>> {
    let bytes = line.as_bytes();
    let glued_before = |i: usize| {
        i > 0 && {
            let b = bytes[i - 1];
            b.is_ascii_alphanumeric() && b != b'T' || b == b':' || b == b'.' || b == b'/'
        }
    };
    let glued_after = |i: usize| match bytes.get(i) {
        Some(b) if b.is_ascii_digit() => true,
        Some(b':') => bytes.get(i + 1).is_some_and(u8::is_ascii_digit),
        _ => false,
    };
    let mut out: Vec<Hit<Clock>> = Vec::new();
    for c in HM.captures_iter(line) {
        let m = c.get(0).expect("match");
        let digits_end = c.get(3).or(c.get(2)).expect("minutes").end();
        if glued_before(m.start()) || glued_after(digits_end) {
            continue;
        }
        let num = |i: usize| c.get(i).and_then(|x| x.as_str().parse::<u32>().ok());
        let (Some(h), Some(mi)) = (num(1), num(2)) else {
            continue;
        };
        let s = num(3);
        let Some(hour) = c.get(4).map_or(Some(h), |ap| twelve_hour(h, ap.as_str())) else {
            continue;
        };
        let Some(time) = NaiveTime::from_hms_opt(hour, mi, s.unwrap_or(0)) else {
            continue;
        };
        out.push(Hit {
            start: m.start(),
            end: m.end(),
            value: Clock {
                time,
                precision_s: if s.is_some() { 1 } else { 60 },
            },
        });
    }
    for c in H_AMPM.captures_iter(line) {
        let m = c.get(0).expect("match");
        if glued_before(m.start()) || out.iter().any(|h| h.start < m.end() && m.start() < h.end) {
            continue;
        }
        let Some(h) = c.get(1).and_then(|x| x.as_str().parse::<u32>().ok()) else {
            continue;
        };
        let Some(hour) = twelve_hour(h, &c[2]) else {
            continue;
        };
        out.push(Hit {
            start: m.start(),
            end: m.end(),
            value: Clock {
                time: NaiveTime::from_hms_opt(hour, 0, 0).expect("valid hour"),
                precision_s: 3600,
            },
        });
    }
    out.sort_by_key(|h| h.start);
    out
}

/// `12 AM` is midnight, `12 PM` noon.
fn twelve_hour(h: u32, ap: &str) -> Option<u32> {
    if !(1..=12).contains(&h) {
        return None;
    }
    let pm = ap.eq_ignore_ascii_case("p");
    Some(match (h, pm) {
        (12, false) => 0,
        (12, true) => 12,
        (h, false) => h,
        (h, true) => h + 12,
    })
}

/// The zones named in `line`, in order. Abbreviations are read with their usual North
/// American / European meaning (`CST` is US Central); `IST`, used for three zones, is not
/// read at all.
pub fn zones(line: &str) -> Vec<Hit<Zone>> {
    let mut out = Vec::new();
    for c in ZONE.captures_iter(line) {
        let m = c.get(0).expect("match");
        let (name, offset_s) = if let Some(abbr) = c.get(5) {
            let h = match abbr.as_str() {
                "PST" => -8,
                "PDT" | "MST" => -7,
                "MDT" | "CST" => -6,
                "CDT" | "EST" => -5,
                "EDT" => -4,
                "CET" | "BST" => 1,
                "CEST" | "EET" => 2,
                "EEST" => 3,
                "JST" => 9,
                "AEST" => 10,
                _ => 11, // AEDT
            };
            (abbr.as_str().to_string(), h * 3600)
        } else {
            let sign = if c.get(2).is_some_and(|s| s.as_str() == "-") {
                -1
            } else {
                1
            };
            let h: i32 = c.get(3).map_or(0, |x| x.as_str().parse().unwrap_or(0));
            let mi: i32 = c.get(4).map_or(0, |x| x.as_str().parse().unwrap_or(0));
            if h > 14 || mi > 59 {
                continue;
            }
            (m.as_str().replace(' ', ""), sign * (h * 3600 + mi * 60))
        };
        out.push(Hit {
            start: m.start(),
            end: m.end(),
            value: Zone { name, offset_s },
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn clock_values(line: &str) -> Vec<(NaiveTime, i64)> {
        times(line)
            .into_iter()
            .map(|h| (h.value.time, h.value.precision_s))
            .collect()
    }

    #[test]
    fn reads_the_clock_shapes_of_the_seeds() {
        assert_eq!(clock_values("10:00 PM: Issue detected"), [(t(22, 0), 60)]);
        assert_eq!(clock_values("12:00 AM: corrected"), [(t(0, 0), 60)]);
        assert_eq!(clock_values("12:30 PM lunch"), [(t(12, 30), 60)]);
        assert_eq!(
            clock_values("from 2:00 PM to 3:30 PM UTC"),
            [(t(14, 0), 60), (t(15, 30), 60)]
        );
        assert_eq!(clock_values("at 22:00 UTC"), [(t(22, 0), 60)]);
        assert_eq!(clock_values("10:00: alert fired"), [(t(10, 0), 60)]);
        assert_eq!(
            clock_values("02:00 AM to 06:00 a.m."),
            [(t(2, 0), 60), (t(6, 0), 60)]
        );
        assert_eq!(clock_values("around 10 PM"), [(t(22, 0), 3600)]);
        assert_eq!(
            clock_values("2024-04-04T22:00:07Z"),
            [(NaiveTime::from_hms_opt(22, 0, 7).unwrap(), 1)]
        );
    }

    #[test]
    fn ratios_versions_and_bad_clocks_are_not_times() {
        assert!(times("a 3:1 ratio").is_empty());
        assert!(times("v1:20 build").is_empty());
        assert!(times("25:00").is_empty());
        assert!(times("13:00 PM").is_empty());
        assert!(times("10:00:00:00").is_empty());
        assert!(times("ports 80:443").is_empty());
    }

    #[test]
    fn reads_dates_in_their_usual_shapes() {
        let d = |s: &str| dates(s).into_iter().map(|h| h.value).collect::<Vec<_>>();
        let day = |y, m, dd| Day {
            year: y,
            month: m,
            day: dd,
        };
        assert_eq!(d("2024-04-04 22:00 UTC"), [day(Some(2024), 4, 4)]);
        assert_eq!(d("June 6, 2023, 10:00 AM"), [day(Some(2023), 6, 6)]);
        assert_eq!(d("February 13th, 2024, 10:00 PM"), [day(Some(2024), 2, 13)]);
        assert_eq!(d("Tuesday, November 14, 2023"), [day(Some(2023), 11, 14)]);
        assert_eq!(d("On April 4th at 22:00"), [day(None, 4, 4)]);
        assert_eq!(d("13 February 2024"), [day(Some(2024), 2, 13)]);
        assert!(d("this may 2 servers").is_empty());
        assert!(d("February 30, 2024").is_empty());
    }

    #[test]
    fn reads_zones_and_offsets() {
        let z = |s: &str| {
            zones(s)
                .into_iter()
                .map(|h| (h.value.name, h.value.offset_s))
                .collect::<Vec<_>>()
        };
        assert_eq!(z("2:00 AM (GMT)"), [("GMT".to_string(), 0)]);
        assert_eq!(z("10:00 PST"), [("PST".to_string(), -8 * 3600)]);
        assert_eq!(z("10:00 UTC+5:30"), [("UTC+5:30".to_string(), 19_800)]);
        assert_eq!(z("10:00 UTC-4"), [("UTC-4".to_string(), -4 * 3600)]);
        assert!(z("an ISTANBUL outage, utc").is_empty());
    }
}
