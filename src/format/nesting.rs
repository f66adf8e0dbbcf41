//! How deep a JSON line nests, counted before it is parsed. serde_json refuses anything
//! nested deeper than its recursion limit and says only that the text is not JSON: the
//! line would then be rejected as "no known format matches". Counting first turns that
//! into a clear, counted rejection at `--max-depth`, and keeps the parse (and the drop of
//! the parsed value) bounded whatever the input.

/// The deepest nesting serde_json parses (its recursion limit of 128 refuses the 128th
/// level): the default and the ceiling of `--max-depth`.
pub const MAX_JSON_DEPTH: usize = 127;

/// Does `text` open more than `limit` arrays or objects inside each other? Brackets
/// inside strings do not count; the text need not be valid JSON.
pub fn json_deeper_than(text: &str, limit: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in text.as_bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(n: usize) -> String {
        format!("{}1{}", "[".repeat(n), "]".repeat(n))
    }

    #[test]
    fn the_ceiling_is_what_serde_json_parses() {
        let ok = nested(MAX_JSON_DEPTH);
        let deep = nested(MAX_JSON_DEPTH + 1);
        assert!(serde_json::from_str::<serde_json::Value>(&ok).is_ok());
        assert!(!json_deeper_than(&ok, MAX_JSON_DEPTH));
        let e = serde_json::from_str::<serde_json::Value>(&deep).unwrap_err();
        assert!(e.to_string().contains("recursion limit"), "{e}");
        assert!(json_deeper_than(&deep, MAX_JSON_DEPTH));
    }

    #[test]
    fn brackets_in_strings_do_not_count() {
        assert!(!json_deeper_than(r#"{"a": "[[[[\"[[[", "b": [1]}"#, 2));
        assert!(json_deeper_than(r#"{"a": "\\", "b": [[1]]}"#, 2));
        assert!(!json_deeper_than("{}{}{}", 1));
    }
}
