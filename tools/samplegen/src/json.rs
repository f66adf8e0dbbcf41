//! JSON string escaping as the real writers do it: Go's encoding/json also
//! escapes `&`, `<`, `>` as \u0026, \u003c, \u003e (Alertmanager), zap and
//! Suricata do not.

pub fn push_str(b: &mut String, s: &str, go_html: bool) {
    b.push('"');
    for ch in s.chars() {
        match ch {
            '"' => b.push_str("\\\""),
            '\\' => b.push_str("\\\\"),
            '\n' => b.push_str("\\n"),
            '\r' => b.push_str("\\r"),
            '\t' => b.push_str("\\t"),
            '&' if go_html => b.push_str("\\u0026"),
            '<' if go_html => b.push_str("\\u003c"),
            '>' if go_html => b.push_str("\\u003e"),
            c if (c as u32) < 0x20 => b.push_str(&format!("\\u{:04x}", c as u32)),
            c => b.push(c),
        }
    }
    b.push('"');
}

pub fn quote(s: &str) -> String {
    let mut b = String::with_capacity(s.len() + 2);
    push_str(&mut b, s, false);
    b
}

/// A compact JSON object built key by key, in the writer's own key order.
pub struct Obj {
    buf: String,
    first: bool,
    go_html: bool,
}

impl Obj {
    pub fn new() -> Obj {
        Obj {
            buf: String::from("{"),
            first: true,
            go_html: false,
        }
    }

    pub fn go() -> Obj {
        Obj {
            go_html: true,
            ..Obj::new()
        }
    }

    fn key(&mut self, k: &str) {
        if !self.first {
            self.buf.push(',');
        }
        self.first = false;
        push_str(&mut self.buf, k, false);
        self.buf.push(':');
    }

    pub fn s(mut self, k: &str, v: &str) -> Obj {
        self.key(k);
        push_str(&mut self.buf, v, self.go_html);
        self
    }

    pub fn n(mut self, k: &str, v: impl std::fmt::Display) -> Obj {
        self.key(k);
        self.buf.push_str(&v.to_string());
        self
    }

    /// A raw JSON value (object, array, bool, null).
    pub fn raw(mut self, k: &str, v: &str) -> Obj {
        self.key(k);
        self.buf.push_str(v);
        self
    }

    pub fn done(mut self) -> String {
        self.buf.push('}');
        self.buf
    }
}

/// A JSON array of already-encoded values.
pub fn arr(items: &[String]) -> String {
    format!("[{}]", items.join(","))
}
