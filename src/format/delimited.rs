//! Self-describing delimited logs (Zeek's TSV writer): a header block of `#` directives
//! names the fields of the data lines after it.
//!
//! The header is per-source state: a source remembers the last block it saw, and a new
//! block (it starts with `#separator`) replaces it, so concatenated logs read right. A data
//! line is split by the separator into exactly as many values as `#fields` names; `-` (the
//! unset field) is absent, `(empty)` is an empty set or string, `\xNN` and `\\` escapes are
//! decoded, and values are typed by `#types` (`count`, `port` → int; `time`, `interval`,
//! `double` → float; `bool`; `set[…]`/`vector[…]` → arrays).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

/// The header in force for a source.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    pub separator: String,
    pub set_separator: String,
    pub empty_field: String,
    pub unset_field: String,
    /// `#path`: the log's name (`conn`, `notice`…), offered as the field `_path`.
    pub path: Option<String>,
    pub fields: Vec<String>,
    pub types: Vec<String>,
    index: HashMap<String, usize>,
    /// The field names as events keep them (shared, not copied per line); `keys[0]` is
    /// `_path`.
    keys: Vec<Arc<str>>,
}

impl Default for Header {
    fn default() -> Self {
        Header {
            separator: "\t".into(),
            set_separator: ",".into(),
            empty_field: "(empty)".into(),
            unset_field: "-".into(),
            path: None,
            fields: Vec::new(),
            types: Vec::new(),
            index: HashMap::new(),
            keys: vec![Arc::from(PATH_FIELD)],
        }
    }
}

/// The field that holds `#path`.
pub const PATH_FIELD: &str = "_path";

/// Directives after `#separator`, each followed by the separator and its value(s).
const DIRECTIVES: &[&str] = &[
    "set_separator",
    "empty_field",
    "unset_field",
    "path",
    "open",
    "close",
    "fields",
    "types",
];

impl Header {
    /// If `text` is a header directive, applies it and says so. `#separator` starts a new
    /// block (everything the previous block said is forgotten); `#open`/`#close` carry
    /// nothing the data lines need.
    pub fn apply(&mut self, text: &str) -> bool {
        let Some(rest) = text.strip_prefix('#') else {
            return false;
        };
        if let Some(value) = rest
            .strip_prefix("separator")
            .and_then(|r| r.strip_prefix([' ', '\t']))
        {
            let sep = unescape(value.trim_end_matches(['\r', '\n']));
            *self = Header::default();
            if !sep.is_empty() {
                self.separator = sep.into_owned();
            }
            return true;
        }
        for name in DIRECTIVES {
            let Some(after) = rest.strip_prefix(name) else {
                continue;
            };
            let value = if after.is_empty() {
                ""
            } else if let Some(v) = after.strip_prefix(self.separator.as_str()) {
                v
            } else {
                continue;
            };
            match *name {
                "set_separator" => self.set_separator = unescape(value).into_owned(),
                "empty_field" => self.empty_field = unescape(value).into_owned(),
                "unset_field" => self.unset_field = unescape(value).into_owned(),
                "path" => self.path = Some(unescape(value).into_owned()),
                "fields" => {
                    self.fields = value
                        .split(self.separator.as_str())
                        .map(|f| unescape(f).into_owned())
                        .collect();
                    self.index = self
                        .fields
                        .iter()
                        .enumerate()
                        .map(|(i, f)| (f.clone(), i))
                        .collect();
                    self.keys.truncate(1);
                    self.keys
                        .extend(self.fields.iter().map(|f| Arc::from(f.as_str())));
                }
                "types" => {
                    self.types = value
                        .split(self.separator.as_str())
                        .map(str::to_string)
                        .collect();
                }
                _ => {}
            }
            return true;
        }
        false
    }

    /// The values of a data line: one per field named by `#fields`, else `None` (no
    /// header yet, a different number of values, or a directive).
    pub fn split<'a>(&self, text: &'a str) -> Option<Vec<&'a str>> {
        if self.fields.is_empty() || text.starts_with('#') {
            return None;
        }
        let values: Vec<&str> = text.split(self.separator.as_str()).collect();
        (values.len() == self.fields.len()).then_some(values)
    }

    /// Values that are set (neither unset nor empty): how much a line explains.
    pub fn set_count(&self, values: &[&str]) -> usize {
        values.iter().filter(|v| self.is_set(v)).count()
    }

    fn is_set(&self, v: &str) -> bool {
        !v.is_empty() && v != self.unset_field && v != self.empty_field
    }

    /// A field's text, unescaped; `None` when unset, empty or unknown.
    pub fn text<'a>(&'a self, values: &[&'a str], name: &str) -> Option<Cow<'a, str>> {
        if name == PATH_FIELD && !self.index.contains_key(name) {
            return self
                .path
                .as_deref()
                .filter(|p| !p.is_empty())
                .map(Cow::Borrowed);
        }
        let v = *values.get(*self.index.get(name)?)?;
        self.is_set(v).then(|| unescape(v))
    }

    /// A field's value, typed by `#types`; `None` when unset or unknown.
    pub fn value(&self, values: &[&str], name: &str) -> Option<Value> {
        if name == PATH_FIELD && !self.index.contains_key(name) {
            return self.path.clone().map(Value::String);
        }
        let i = *self.index.get(name)?;
        let v = *values.get(i)?;
        if v == self.unset_field {
            return None;
        }
        let ty = self.types.get(i).map_or("string", String::as_str);
        let element = ty
            .strip_prefix("set[")
            .or_else(|| ty.strip_prefix("vector["))
            .or_else(|| ty.strip_prefix("table["))
            .and_then(|t| t.strip_suffix(']'));
        match element {
            Some(_) if v == self.empty_field => Some(Value::Array(Vec::new())),
            Some(el) => Some(Value::Array(
                v.split(self.set_separator.as_str())
                    .map(|e| typed(el, &unescape(e)))
                    .collect(),
            )),
            None if v == self.empty_field => Some(Value::String(String::new())),
            None => Some(typed(ty, &unescape(v))),
        }
    }

    /// Every field a data line can have (`_path` included when the header has one), as
    /// events keep the names.
    pub fn field_keys(&self) -> impl Iterator<Item = &Arc<str>> {
        let path = self.path.is_some() && !self.index.contains_key(PATH_FIELD);
        self.keys.iter().skip(usize::from(!path))
    }
}

/// A value as its Zeek type says; text when it does not parse as that type.
fn typed(ty: &str, s: &str) -> Value {
    let text = || Value::String(s.to_string());
    match ty {
        "count" | "int" | "port" => s.parse::<i64>().map(Value::from).unwrap_or_else(|_| text()),
        "double" | "interval" | "time" => s
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(text, Value::Number),
        "bool" => match s {
            "T" => Value::Bool(true),
            "F" => Value::Bool(false),
            _ => text(),
        },
        _ => text(),
    }
}

/// Decodes `\xNN` and `\\` (Zeek's escapes for separators, non-printable bytes and the
/// backslash itself); bytes that are not UTF-8 are decoded lossily.
pub fn unescape(s: &str) -> Cow<'_, str> {
    if !s.contains('\\') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if b.get(i + 1) == Some(&b'\\') {
                out.push(b'\\');
                i += 2;
                continue;
            }
            if b.get(i + 1) == Some(&b'x') {
                let hex = b
                    .get(i + 2..i + 4)
                    .and_then(|h| std::str::from_utf8(h).ok());
                if let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    out.push(byte);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(b[i]);
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(s) => Cow::Owned(s),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCK: &[&str] = &[
        "#separator \\x09",
        "#set_separator\t,",
        "#empty_field\t(empty)",
        "#unset_field\t-",
        "#path\tconn",
        "#open\t2017-04-16-21-36-10",
        "#fields\tts\tuid\tid.orig_h\tservice\ttunnel_parents\tlocal_orig\torig_bytes",
        "#types\ttime\tstring\taddr\tstring\tset[string]\tbool\tcount",
    ];

    fn header() -> Header {
        let mut h = Header::default();
        for l in BLOCK {
            assert!(h.apply(l), "{l}");
        }
        h
    }

    #[test]
    fn a_header_block_names_and_types_the_fields() {
        let h = header();
        assert_eq!(h.separator, "\t");
        assert_eq!(h.path.as_deref(), Some("conn"));
        let line = "1320279554.496300\tCg9x\t192.168.2.76\t-\t(empty)\tT\t389";
        let v = h.split(line).unwrap();
        assert_eq!(h.text(&v, "uid").as_deref(), Some("Cg9x"));
        assert_eq!(h.text(&v, "service"), None);
        assert_eq!(h.value(&v, "service"), None);
        assert_eq!(h.value(&v, "tunnel_parents"), Some(Value::Array(vec![])));
        assert_eq!(h.value(&v, "local_orig"), Some(Value::Bool(true)));
        assert_eq!(h.value(&v, "orig_bytes"), Some(Value::from(389)));
        assert_eq!(h.text(&v, PATH_FIELD).as_deref(), Some("conn"));
        assert_eq!(h.set_count(&v), 5);
        assert!(h.split("1\t2").is_none(), "wrong number of values");
    }

    #[test]
    fn a_new_block_replaces_the_old_one() {
        let mut h = header();
        assert!(h.apply("#close\t2017-04-16-21-36-10"));
        assert!(h.apply("#separator \\x7c"));
        assert!(h.fields.is_empty() && h.path.is_none());
        assert!(h.apply("#fields|ts|msg"));
        let v = h.split("1.5|a\\x7cb").unwrap();
        assert_eq!(h.text(&v, "msg").as_deref(), Some("a|b"));
    }

    #[test]
    fn escapes_are_decoded_and_sets_split() {
        assert_eq!(unescape("a\\\\,b\\x09c"), "a\\,b\tc");
        assert_eq!(unescape("\\x4"), "\\x4");
        assert_eq!(unescape("\\xff"), "\u{fffd}");
        let mut h = Header::default();
        h.apply("#fields\tts\tnames");
        h.apply("#types\ttime\tvector[string]");
        let v = h.split("1\ta,b\\x2cc").unwrap();
        assert_eq!(h.value(&v, "names"), Some(serde_json::json!(["a", "b,c"])));
    }

    #[test]
    fn other_comment_lines_are_not_directives() {
        let mut h = Header::default();
        assert!(!h.apply("# a comment"));
        assert!(!h.apply("#fieldsets"));
        assert!(!h.apply("plain"));
    }
}
