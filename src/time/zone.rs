//! Zones for stamps that carry no offset. Stated DST rule: in an overlap (a wall time
//! that happens twice) the earlier instant is taken and flagged `dst_ambiguous`; in a gap
//! (a wall time that never happens) the offset in force before the gap is used and the
//! event flagged `dst_gap`.

use chrono::{NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

use crate::event::{Nanos, TimeFlags};

/// Reads an IANA zone name (`Europe/Berlin`, `UTC`).
pub fn parse_zone(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>().map_err(|_| {
        format!("unknown time zone '{name}': use an IANA name such as UTC, Europe/Berlin or America/New_York")
    })
}

/// The UTC instant of a wall-clock time in `tz`, with the DST flags applied.
pub fn resolve_local(dt: NaiveDateTime, tz: Tz) -> Option<(Nanos, TimeFlags)> {
    use chrono::LocalResult;
    let mut flags = TimeFlags::default();
    let utc = match tz.from_local_datetime(&dt) {
        LocalResult::Single(t) => t.naive_utc(),
        LocalResult::Ambiguous(a, _) => {
            flags.insert(TimeFlags::DST_AMBIGUOUS);
            a.naive_utc()
        }
        LocalResult::None => {
            flags.insert(TimeFlags::DST_GAP);
            let before = dt - chrono::Duration::hours(3);
            let off = tz
                .offset_from_local_datetime(&before)
                .earliest()?
                .fix()
                .local_minus_utc();
            dt - chrono::Duration::seconds(off as i64)
        }
    };
    Some((utc.and_utc().timestamp_nanos_opt()?, flags))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, 0)
            .unwrap()
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Nanos {
        at(y, mo, d, h, mi).and_utc().timestamp_nanos_opt().unwrap()
    }

    #[test]
    fn berlin_spring_gap_uses_the_offset_before() {
        let tz = parse_zone("Europe/Berlin").unwrap();
        let (ns, f) = resolve_local(at(2024, 3, 31, 2, 30), tz).unwrap();
        assert_eq!(ns, utc(2024, 3, 31, 1, 30));
        assert!(f.contains(TimeFlags::DST_GAP));
    }

    #[test]
    fn new_york_fall_overlap_takes_the_earlier_instant() {
        let tz = parse_zone("America/New_York").unwrap();
        let (ns, f) = resolve_local(at(2024, 11, 3, 1, 30), tz).unwrap();
        assert_eq!(ns, utc(2024, 11, 3, 5, 30)); // EDT, -4
        assert!(f.contains(TimeFlags::DST_AMBIGUOUS));
        let (ns, f) = resolve_local(at(2024, 11, 3, 3, 0), tz).unwrap();
        assert_eq!(ns, utc(2024, 11, 3, 8, 0)); // EST, -5
        assert!(f.is_empty());
    }

    #[test]
    fn unknown_zone_is_a_clear_error() {
        assert!(parse_zone("Mars/Olympus").unwrap_err().contains("IANA"));
    }
}
