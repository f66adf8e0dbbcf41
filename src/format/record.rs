//! A matched line, seen through field names: regex captures, a JSON object, or the
//! values of a delimited line named by its source's header.

use std::borrow::Cow;
use std::cell::OnceCell;

use serde_json::Value;

use super::delimited::Header;
use super::fast::Spans;
use super::jdoc::Doc;

/// One line, with its JSON parse done at most once however many formats look at it, and
/// the header of its source (for delimited formats).
pub struct LineView<'a> {
    pub text: &'a str,
    json: OnceCell<Option<Doc<'a>>>,
    header: Option<&'a Header>,
}

impl<'a> LineView<'a> {
    pub fn new(text: &'a str) -> Self {
        LineView {
            text,
            json: OnceCell::new(),
            header: None,
        }
    }

    /// A line of a source whose delimited header is `header`.
    pub fn with_header(text: &'a str, header: &'a Header) -> Self {
        LineView {
            header: Some(header),
            ..LineView::new(text)
        }
    }

    /// The header in force for the line, if its source has one.
    pub fn header(&self) -> Option<&'a Header> {
        self.header
    }

    /// The line as a JSON object, if it is one.
    pub fn json(&self) -> Option<&Doc<'a>> {
        self.json
            .get_or_init(|| {
                let t = self.text.trim_start();
                if !t.starts_with('{') {
                    return None;
                }
                Doc::parse(t).ok().filter(Doc::is_object)
            })
            .as_ref()
    }
}

/// The fields of a matched line.
// The tokenizer's spans live inline (384 bytes): boxing them would allocate per line.
#[allow(clippy::large_enum_variant)]
pub enum Record<'a> {
    Regex(regex::bytes::Captures<'a>),
    /// The fields a fast tokenizer found: spans of `text`, named by `names` (sorted by
    /// name, with each name's slot).
    Spans {
        text: &'a str,
        spans: Spans,
        names: &'static [(&'static str, u8)],
    },
    /// A JSON object; `parent` is the line's object when this is an element of an array
    /// in it (looked up after the element).
    Json {
        item: &'a Doc<'a>,
        parent: Option<&'a Doc<'a>>,
    },
    /// A delimited line: its values, named by the header.
    Delimited {
        header: &'a Header,
        values: Vec<&'a str>,
    },
}

impl<'a> Record<'a> {
    /// A field's text; `None` when absent, empty, or JSON null.
    pub fn text(&self, name: &str) -> Option<Cow<'a, str>> {
        match self {
            Record::Regex(c) => c
                .name(name)
                .map(|m| m.as_bytes())
                .filter(|s| !s.is_empty())
                .map(utf8),
            Record::Spans { names, .. } => names
                .binary_search_by(|(n, _)| (*n).cmp(name))
                .ok()
                .and_then(|i| self.slot_text(names[i].1)),
            Record::Json { .. } => self.json(name).and_then(json_text),
            Record::Delimited { header, values } => header.text(values, name),
        }
    }

    /// The text of a regex's group by index (`Regex` records only).
    pub fn group_text(&self, group: usize) -> Option<Cow<'a, str>> {
        match self {
            Record::Regex(c) => c
                .get(group)
                .map(|m| m.as_bytes())
                .filter(|s| !s.is_empty())
                .map(utf8),
            _ => None,
        }
    }

    /// The text of a tokenizer's slot (`Spans` records only).
    pub fn slot_text(&self, slot: u8) -> Option<Cow<'a, str>> {
        match self {
            Record::Spans { text, spans, .. } => spans[slot as usize]
                .get()
                .filter(|r| !r.is_empty())
                .and_then(|r| text.get(r))
                .map(Cow::Borrowed),
            _ => None,
        }
    }

    /// A field's JSON value, as found (JSON) or as text (regex).
    pub fn value(&self, name: &str) -> Option<Value> {
        match self {
            Record::Regex(_) | Record::Spans { .. } => {
                self.text(name).map(|s| Value::String(s.into_owned()))
            }
            Record::Json { .. } => self.json(name).filter(|v| !v.is_null()).map(Doc::to_value),
            Record::Delimited { header, values } => header.value(values, name),
        }
    }

    /// Is the field there (not absent, not empty text, not JSON null)? As
    /// `value(name).is_some()`, without building the value.
    pub fn has(&self, name: &str) -> bool {
        match self {
            Record::Json { .. } => self.json(name).is_some_and(|v| !v.is_null()),
            Record::Delimited { header, values } => header.value(values, name).is_some(),
            Record::Regex(_) | Record::Spans { .. } => self.text(name).is_some(),
        }
    }

    fn json(&self, name: &str) -> Option<&'a Doc<'a>> {
        match self {
            Record::Json { item, parent } => {
                json_path(item, name).or_else(|| parent.and_then(|p| json_path(p, name)))
            }
            Record::Regex(_) | Record::Spans { .. } | Record::Delimited { .. } => None,
        }
    }
}

/// A capture's text: borrowed when it is valid UTF-8 (std's check has an ASCII fast
/// path that `from_utf8_lossy` lacks), else with replacement characters.
fn utf8(b: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

/// `a.b.c` in a JSON object; a literal key containing dots (Zeek's `id.orig_h`) wins.
pub fn json_path<'v, 'a>(v: &'v Doc<'a>, path: &str) -> Option<&'v Doc<'a>> {
    if !v.is_object() {
        return None;
    }
    if let Some(x) = v.get(path) {
        return Some(x);
    }
    if !path.contains('.') {
        return None;
    }
    let mut cur = v;
    for part in path.split('.') {
        cur = match cur {
            Doc::Obj(_) => cur.get(part)?,
            Doc::Arr(a) => a.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn json_text<'v>(v: &'v Doc<'_>) -> Option<Cow<'v, str>> {
    match v {
        Doc::Null => None,
        Doc::Str(s) if s.is_empty() => None,
        Doc::Str(s) => Some(Cow::Borrowed(s)),
        Doc::Bool(b) => Some(Cow::Owned(b.to_string())),
        Doc::Num(n) => Some(Cow::Owned(n.to_string())),
        other => Some(Cow::Owned(other.to_value().to_string())),
    }
}

/// A field name or a `{field}` template (`{backend}/{server}`).
#[derive(Clone, Debug)]
pub enum Template {
    Field(String),
    Parts(Vec<Part>),
}

#[derive(Clone, Debug)]
pub enum Part {
    Lit(String),
    Field(String),
}

impl Template {
    pub fn parse(s: &str) -> Result<Template, String> {
        if !s.contains('{') {
            return Ok(Template::Field(s.to_string()));
        }
        let mut parts = Vec::new();
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Lit(rest[..open].to_string()));
            }
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| format!("unclosed '{{' in template '{s}'"))?;
            let name = &rest[open + 1..open + close];
            if name.is_empty() {
                return Err(format!("empty '{{}}' in template '{s}'"));
            }
            parts.push(match name.strip_prefix('=') {
                Some(lit) => Part::Lit(lit.to_string()),
                None => Part::Field(name.to_string()),
            });
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Lit(rest.to_string()));
        }
        Ok(Template::Parts(parts))
    }

    /// Fields the template reads.
    pub fn fields(&self) -> Vec<&str> {
        match self {
            Template::Field(f) => vec![f.as_str()],
            Template::Parts(p) => p
                .iter()
                .filter_map(|p| match p {
                    Part::Field(f) => Some(f.as_str()),
                    Part::Lit(_) => None,
                })
                .collect(),
        }
    }

    /// Renders with `lookup`; `None` when none of its fields is present (a missing one
    /// among present ones renders as `-`).
    pub fn render<'r>(&self, lookup: impl Fn(&str) -> Option<Cow<'r, str>>) -> Option<String> {
        match self {
            Template::Field(f) => lookup(f).map(Cow::into_owned),
            Template::Parts(parts) => {
                let mut out = String::new();
                let mut any = false;
                for p in parts {
                    match p {
                        Part::Lit(l) => out.push_str(l),
                        Part::Field(f) => match lookup(f) {
                            Some(v) => {
                                any = true;
                                out.push_str(&v);
                            }
                            None => out.push('-'),
                        },
                    }
                }
                let literal_only = parts.iter().all(|p| matches!(p, Part::Lit(_)));
                (any || literal_only).then_some(out)
            }
        }
    }
}
