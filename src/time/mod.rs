//! Time: from raw timestamp text to one UTC clock.
//!
//! Consumes the timestamp text a format definition points at; guarantees a UTC instant in
//! nanoseconds with the source's precision, and flags that say how it was obtained
//! (year inferred, zone assumed, DST rule applied). The year and the zone are injected
//! through [`SourceClock`], never read from the system clock.

mod clock;
mod duration;
mod layout;
mod skew;
mod stamp;
mod year;
mod zone;

pub use clock::{ClockSettings, SourceClock};
pub use duration::parse_duration;
pub use layout::Marks;
pub use skew::{
    estimate, estimate_sampled, request_key, Observation, Sampler, SkewEstimate,
    DEFAULT_MAX_OFFSET, DEFAULT_SAMPLE, MIN_PAIRS,
};
pub use stamp::{RawTime, StampError, TsFormat};
pub use year::{YearAnchor, YearSource};
pub use zone::{parse_zone, resolve_local};

use crate::event::Nanos;
use chrono::{DateTime, SecondsFormat, Utc};

pub const NANOS_PER_SEC: i64 = 1_000_000_000;

/// RFC 3339 UTC text for an instant, with `prec` sub-second digits (0, 3, 6 or 9).
pub fn rfc3339(ns: Nanos, prec: u8) -> String {
    let dt = DateTime::<Utc>::from_timestamp_nanos(ns);
    let f = match prec {
        0 => SecondsFormat::Secs,
        1..=3 => SecondsFormat::Millis,
        4..=6 => SecondsFormat::Micros,
        _ => SecondsFormat::Nanos,
    };
    dt.to_rfc3339_opts(f, true)
}

/// `HH:MM:SS` of an instant, UTC (for compact text output).
pub fn hms(ns: Nanos) -> String {
    DateTime::<Utc>::from_timestamp_nanos(ns)
        .format("%H:%M:%S")
        .to_string()
}

/// `YYYY-MM-DD HH:MM:SS` of an instant, UTC.
pub fn date_hms(ns: Nanos) -> String {
    DateTime::<Utc>::from_timestamp_nanos(ns)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Parses an absolute RFC 3339 / ISO 8601 instant given on the command line.
pub fn parse_instant(s: &str) -> Option<Nanos> {
    TsFormat::Iso8601.parse(s).ok()?.0.dated()
}
