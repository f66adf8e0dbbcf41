//! Renderers: text for people, JSON for programs. Log text never reaches a terminal raw:
//! control characters are escaped.

pub mod chart;
pub mod json;
pub mod markdown;
pub mod ndjson;
pub mod text;

use std::borrow::Cow;

/// Characters that must not reach a terminal or a document raw: controls (C0, DEL, C1:
/// terminal escape sequences start with them) and the bidirectional overrides and
/// isolates, which make a terminal show text in another order than it is written.
pub fn is_hostile(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
}

/// Log text made safe for a terminal or a document: hostile characters escaped.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hostile) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' => out.push_str("    "),
            c if is_hostile(c) => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// ` ×1,234` for a run of more than one line, else nothing.
pub fn times(count: u64) -> String {
    if count > 1 {
        format!(" ×{}", thousands(count))
    } else {
        String::new()
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_sequences() {
        assert_eq!(clean("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(clean("plain"), "plain");
        assert_eq!(clean("csi\u{9b}2J"), "csi\\u{9b}2J");
        assert_eq!(clean("a\u{202e}exe.txt"), "a\\u{202e}exe.txt");
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
