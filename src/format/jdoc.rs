//! A JSON line parsed once, borrowing its strings from the line.
//!
//! `serde_json::Value` (with `preserve_order`) allocates every key and hashes it with
//! SipHash on insert and on every lookup; a JSON format reads a dozen declared fields of
//! an object it then throws away. [`Doc`] keeps keys and unescaped strings as slices of
//! the line, objects as vectors of pairs in the order written (lookups are a short linear
//! scan), and is turned into a `Value` only for the fields an event keeps.
//!
//! Semantics follow `serde_json::Value` where they differ at all: with a key written
//! twice, the last value wins; depth is bounded by serde_json's recursion limit.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

/// A parsed JSON value borrowing from its text.
#[derive(Clone, Debug, PartialEq)]
pub enum Doc<'a> {
    Null,
    Bool(bool),
    Num(Number),
    Str(Cow<'a, str>),
    Arr(Vec<Doc<'a>>),
    Obj(Vec<(Cow<'a, str>, Doc<'a>)>),
}

impl<'a> Doc<'a> {
    /// Parses a JSON text.
    pub fn parse(text: &'a str) -> serde_json::Result<Doc<'a>> {
        serde_json::from_str(text)
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Doc::Obj(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Doc::Null)
    }

    pub fn as_array(&self) -> Option<&[Doc<'a>]> {
        match self {
            Doc::Arr(a) => Some(a),
            _ => None,
        }
    }

    /// The value of `key` in an object (the last one written, as serde_json keeps).
    pub fn get(&self, key: &str) -> Option<&Doc<'a>> {
        match self {
            Doc::Obj(pairs) => pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The same value as a `serde_json::Value`.
    pub fn to_value(&self) -> Value {
        match self {
            Doc::Null => Value::Null,
            Doc::Bool(b) => Value::Bool(*b),
            Doc::Num(n) => Value::Number(n.clone()),
            Doc::Str(s) => Value::String(s.to_string()),
            Doc::Arr(a) => Value::Array(a.iter().map(Doc::to_value).collect()),
            Doc::Obj(pairs) => {
                let mut m = serde_json::Map::with_capacity(pairs.len());
                for (k, v) in pairs {
                    m.insert(k.to_string(), v.to_value());
                }
                Value::Object(m)
            }
        }
    }
}

/// A string that borrows from the input when it has no escapes.
struct Str<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(s.to_string())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Deserialize<'de> for Doc<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Doc<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Doc<'de>, E> {
                Ok(Doc::Null)
            }
            fn visit_none<E>(self) -> Result<Doc<'de>, E> {
                Ok(Doc::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Doc<'de>, E> {
                Ok(Doc::Bool(b))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Doc<'de>, E> {
                Ok(Doc::Num(n.into()))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Doc<'de>, E> {
                Ok(Doc::Num(n.into()))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Doc<'de>, E> {
                Ok(Number::from_f64(n).map_or(Doc::Null, Doc::Num))
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Doc<'de>, E> {
                Ok(Doc::Str(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Doc<'de>, E> {
                Ok(Doc::Str(Cow::Owned(s.to_string())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Doc<'de>, E> {
                Ok(Doc::Str(Cow::Owned(s)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Doc<'de>, A::Error> {
                let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(x) = seq.next_element()? {
                    v.push(x);
                }
                Ok(Doc::Arr(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Doc<'de>, A::Error> {
                let mut v = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
                while let Some(Str(k)) = map.next_key()? {
                    v.push((k, map.next_value()?));
                }
                Ok(Doc::Obj(v))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shape converts to the `Value` serde_json would have parsed.
    #[test]
    fn same_value_as_serde_json() {
        for text in [
            r#"{"a":1,"b":"x","c":[1,2.5,-3,null,true],"d":{"e":"f\"g","h":{}},"i":""}"#,
            r#"{"k":1,"k":2}"#,
            r#"{"big":18446744073709551615,"neg":-9223372036854775808,"f":1e300}"#,
            r#"{"esc":"\u00e9\n\t","u":"é"}"#,
            r#"[]"#,
            r#""s""#,
        ] {
            let doc = Doc::parse(text).unwrap();
            let want: Value = serde_json::from_str(text).unwrap();
            assert_eq!(doc.to_value(), want, "{text}");
        }
    }

    #[test]
    fn strings_borrow_unless_escaped() {
        let doc = Doc::parse(r#"{"plain":"abc","esc":"a\"b"}"#).unwrap();
        assert!(matches!(
            doc.get("plain"),
            Some(Doc::Str(Cow::Borrowed("abc")))
        ));
        assert!(matches!(doc.get("esc"), Some(Doc::Str(Cow::Owned(s))) if s == "a\"b"));
        assert_eq!(
            Doc::parse(r#"{"k":1,"k":2}"#).unwrap().get("k"),
            Some(&Doc::Num(2.into()))
        );
    }

    #[test]
    fn rejects_what_serde_json_rejects() {
        for bad in [r#"{"a":}"#, r#"{"a":1"#, "{1:2}", "nul", r#"{"a":1}x"#] {
            assert!(Doc::parse(bad).is_err(), "{bad}");
            assert!(serde_json::from_str::<Value>(bad).is_err(), "{bad}");
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(Doc::parse(&deep).is_err(), "recursion limit");
    }
}
