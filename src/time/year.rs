//! The year of yearless stamps (syslog RFC 3164, klog).
//!
//! Rules, in order: `--year`; else the source's own full dates; else other sources' full
//! dates in the same run; else the gzip header's mtime; else the file's mtime; else a
//! stated guess. A Dec→Jan step inside a source moves to the next year; a jump back of
//! more than a day without one (a clock reset) is reported, not absorbed.

use chrono::{Datelike, NaiveDateTime};

use crate::event::Nanos;

/// Where the first year of a yearless source comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YearSource {
    /// `--year`.
    Flag(i32),
    /// The source's own first full date (seen among its first lines).
    OwnDates(Nanos),
    /// Full dates seen in other sources of the run (an instant among them).
    OtherSources(Nanos),
    /// The gzip header's modification time.
    GzipMtime(Nanos),
    /// The file's modification time.
    FileMtime(Nanos),
    /// Nothing to go on: the run's start time, said loudly.
    Guess(Nanos),
}

impl YearSource {
    pub fn describe(&self) -> String {
        match self {
            YearSource::Flag(y) => format!("--year {y}"),
            YearSource::OwnDates(_) => "the source's own dates".into(),
            YearSource::OtherSources(_) => "other sources' dates".into(),
            YearSource::GzipMtime(_) => "gzip header mtime".into(),
            YearSource::FileMtime(_) => "file mtime".into(),
            YearSource::Guess(_) => "guessed (no --year, no dated source, no file date)".into(),
        }
    }
}

/// Per-source year state.
#[derive(Clone, Debug)]
pub struct YearAnchor {
    source: YearSource,
    year: Option<i32>,
    last: Option<NaiveDateTime>,
    /// Set once the source's own full dates fixed the year.
    from_own_dates: bool,
    pub rollovers: u32,
    pub clock_jumps: Vec<(NaiveDateTime, NaiveDateTime)>,
}

impl YearAnchor {
    pub fn new(source: YearSource) -> Self {
        YearAnchor {
            source,
            year: None,
            last: None,
            from_own_dates: false,
            rollovers: 0,
            clock_jumps: Vec::new(),
        }
    }

    pub fn source(&self) -> YearSource {
        self.source
    }

    /// How the year was found, for the run summary.
    pub fn describe(&self) -> String {
        if self.from_own_dates {
            "the source's own dates".into()
        } else {
            self.source.describe()
        }
    }

    /// The last date-time observed or completed.
    pub(super) fn last(&self) -> Option<NaiveDateTime> {
        self.last
    }

    /// Another stamp in the second of the last one, read by [`super::SourceClock::again`]:
    /// observing or completing it would change nothing but the last date-time.
    pub(super) fn again(&mut self, dt: NaiveDateTime) {
        self.last = Some(dt);
    }

    /// Would observing a full date of `year` ([`YearAnchor::observe_full`]) leave the
    /// year as it is?
    pub(super) fn holds_year(&self, year: i32) -> bool {
        matches!(self.source, YearSource::Flag(_))
            || (self.from_own_dates && self.year == Some(year))
    }

    /// A full date seen in the same source: the best anchor (unless `--year` was given).
    pub fn observe_full(&mut self, dt: NaiveDateTime) {
        if !matches!(self.source, YearSource::Flag(_)) {
            self.year = Some(dt.year());
            self.from_own_dates = true;
        }
        self.last = Some(dt);
    }

    /// Completes a yearless date-time (given with a placeholder year).
    pub fn complete(&mut self, dt: NaiveDateTime) -> Option<NaiveDateTime> {
        let year = match self.year {
            Some(y) => y,
            None => {
                let y = self.first_year(dt);
                self.year = Some(y);
                y
            }
        };
        let mut full = with_year(dt, year)?;
        if let Some(last) = self.last {
            if last.month() == 12 && full.month() == 1 {
                self.year = Some(year + 1);
                self.rollovers += 1;
                full = with_year(dt, year + 1)?;
            } else if full < last - chrono::Duration::days(1) {
                self.clock_jumps.push((last, full));
            }
        }
        self.last = Some(full);
        Some(full)
    }

    fn first_year(&self, dt: NaiveDateTime) -> i32 {
        let (anchor, not_after) = match self.source {
            YearSource::Flag(y) => return y,
            YearSource::OwnDates(ns) | YearSource::OtherSources(ns) | YearSource::Guess(ns) => {
                (ns, false)
            }
            YearSource::GzipMtime(ns) | YearSource::FileMtime(ns) => (ns, true),
        };
        let a = chrono::DateTime::from_timestamp_nanos(anchor).naive_utc();
        let slack = chrono::Duration::days(1);
        let candidates = [a.year() - 1, a.year(), a.year() + 1];
        candidates
            .into_iter()
            .filter_map(|y| with_year(dt, y).map(|d| (y, d)))
            .filter(|(_, d)| !not_after || *d <= a + slack)
            .min_by_key(|(_, d)| (*d - a).num_seconds().abs())
            .map(|(y, _)| y)
            .unwrap_or(a.year())
    }
}

fn with_year(dt: NaiveDateTime, year: i32) -> Option<NaiveDateTime> {
    dt.with_year(year)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(y: i32, mo: u32, day: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, day)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
    }
    fn ns(y: i32, mo: u32, day: u32) -> Nanos {
        d(y, mo, day).and_utc().timestamp_nanos_opt().unwrap()
    }

    #[test]
    fn december_to_january_moves_to_the_next_year() {
        let mut a = YearAnchor::new(YearSource::Flag(2023));
        assert_eq!(a.complete(d(2000, 12, 31)), Some(d(2023, 12, 31)));
        assert_eq!(a.complete(d(2000, 1, 1)), Some(d(2024, 1, 1)));
        assert_eq!(a.rollovers, 1);
    }

    #[test]
    fn mtime_anchor_never_puts_dates_after_the_file_was_written() {
        // File written on 2025-01-02; a line from Dec 30 belongs to 2024.
        let mut a = YearAnchor::new(YearSource::FileMtime(ns(2025, 1, 2)));
        assert_eq!(a.complete(d(2000, 12, 30)), Some(d(2024, 12, 30)));
    }

    #[test]
    fn other_sources_anchor_picks_the_nearest_year() {
        let mut a = YearAnchor::new(YearSource::OtherSources(ns(2024, 4, 4)));
        assert_eq!(a.complete(d(2000, 4, 5)), Some(d(2024, 4, 5)));
    }

    #[test]
    fn own_full_dates_win_over_other_anchors() {
        let mut a = YearAnchor::new(YearSource::FileMtime(ns(2030, 1, 1)));
        a.observe_full(d(2026, 11, 21));
        assert_eq!(a.complete(d(2000, 11, 21)), Some(d(2026, 11, 21)));
        assert_eq!(a.describe(), "the source's own dates");
    }

    #[test]
    fn a_clock_reset_is_reported() {
        let mut a = YearAnchor::new(YearSource::Flag(2024));
        a.complete(d(2000, 6, 10));
        a.complete(d(2000, 3, 1));
        assert_eq!(a.clock_jumps.len(), 1);
    }
}
