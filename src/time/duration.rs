//! Signed durations as people write them: `2.5s`, `-3s`, `+250ms`, `1h30m`, `90`, `5m`.

use crate::event::Nanos;

/// Parses a signed duration into nanoseconds. A bare number is seconds.
pub fn parse_duration(text: &str) -> Result<Nanos, String> {
    let s = text.trim();
    let (sign, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (-1i128, &s[1..]),
        Some(b'+') => (1, &s[1..]),
        _ => (1, s),
    };
    if rest.is_empty() {
        return Err(format!(
            "'{text}' is not a duration (try 2.5s, 500ms, 1h30m)"
        ));
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(num_end);
        if num.is_empty() {
            return Err(format!(
                "'{text}' is not a duration (try 2.5s, 500ms, 1h30m)"
            ));
        }
        let unit_end = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_end);
        let scale: i128 = match unit.trim() {
            "ns" => 1,
            "us" | "µs" => 1_000,
            "ms" => 1_000_000,
            "" | "s" | "sec" | "secs" => 1_000_000_000,
            "m" | "min" | "mins" => 60_000_000_000,
            "h" | "hr" | "hours" => 3_600_000_000_000,
            "d" | "days" => 86_400_000_000_000,
            other => return Err(format!("unknown unit '{other}' in duration '{text}'")),
        };
        total += decimal_times(num, scale).ok_or_else(|| format!("'{text}' is out of range"))?;
        rest = next;
    }
    i64::try_from(sign * total).map_err(|_| format!("'{text}' is out of range"))
}

/// `num` (decimal text) × `scale`, exactly, truncating below 1 ns.
fn decimal_times(num: &str, scale: i128) -> Option<i128> {
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    if frac.contains('.') || (int.is_empty() && frac.is_empty()) {
        return None;
    }
    let i: i128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut v = i.checked_mul(scale)?;
    let mut place = scale;
    for d in frac.bytes().take(18) {
        place /= 10;
        v += (d - b'0') as i128 * place;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_shapes_people_write() {
        assert_eq!(parse_duration("2.5s"), Ok(2_500_000_000));
        assert_eq!(parse_duration("-3s"), Ok(-3_000_000_000));
        assert_eq!(parse_duration("+250ms"), Ok(250_000_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse_duration("90"), Ok(90_000_000_000));
        assert!(parse_duration("abc").is_err());
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("").is_err());
    }
}
