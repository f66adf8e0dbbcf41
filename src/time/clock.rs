//! A source's clock: zone for naive stamps, year for yearless ones, and skew.

use chrono_tz::Tz;

use super::stamp::unleap;
use super::{resolve_local, RawTime, YearAnchor, YearSource};
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
}

impl SourceClock {
    pub fn new(settings: ClockSettings) -> Self {
        SourceClock {
            years: YearAnchor::new(settings.year),
            settings,
            zone_assumed: 0,
            year_inferred: 0,
            last: None,
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
}
