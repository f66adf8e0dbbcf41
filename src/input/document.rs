//! Whole documents: a source that is one JSON or YAML document over many lines, such as
//! `kubectl get events -o json` (`{"items": […]}`, pretty-printed) or `-o yaml`.
//!
//! The document is read whole (at most [`DOCUMENT_LIMIT`] bytes) and parsed; each element
//! of its `items` (or of a top-level array) becomes one record, and so does any other
//! top-level value (several may follow each other, as `jq .` writes them). Each record
//! starts on the physical line where its item starts; the lines between items frame them.
//! A document that does not parse to its end keeps the records before the damage; the
//! lines from there on are unreadable, and the damage is said with its byte offset.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};
use yaml_rust2::Yaml;

use super::{Chunk, ChunkKind};
use crate::format::MAX_JSON_DEPTH;

/// The largest document read whole (decoded bytes).
pub const DOCUMENT_LIMIT: usize = 256 << 20;

/// Alias expansions allowed in a YAML document (values copied), against alias bombs.
const ALIAS_BUDGET: usize = 10_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Json,
    Yaml,
}

impl Shape {
    pub fn name(self) -> &'static str {
        match self {
            Shape::Json => "JSON",
            Shape::Yaml => "YAML",
        }
    }

    /// Does a source whose first lines are `lines` start like a document? JSON: its first
    /// non-blank character opens an object or an array, and those lines are valid JSON as
    /// far as they go (`[2024-04-04 22:00:01] …` is a log line, not an array). YAML: its
    /// first line (after comments) is `---`, `apiVersion:` or `items:`, as `kubectl -o
    /// yaml` writes.
    pub fn sniff(lines: &[String]) -> Option<Shape> {
        let mut non_blank = lines
            .iter()
            .map(|l| l.trim_start_matches('\u{feff}').trim_start())
            .filter(|l| !l.is_empty());
        let first = non_blank.clone().next()?;
        if first.starts_with(['{', '[']) {
            return json_so_far(lines).then_some(Shape::Json);
        }
        let first = non_blank.find(|l| !l.starts_with('#'))?.trim_end();
        let yaml = first == "---"
            || first.starts_with("--- ")
            || first.starts_with("apiVersion:")
            || first.starts_with("items:");
        yaml.then_some(Shape::Yaml)
    }
}

/// Are these lines JSON values, the last perhaps unfinished?
fn json_so_far(lines: &[String]) -> bool {
    let text = lines.join("\n");
    let text = text.trim_start_matches('\u{feff}');
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<serde::de::IgnoredAny>();
    loop {
        match values.next() {
            None => return true,
            Some(Ok(_)) => {}
            Some(Err(e)) => return e.is_eof(),
        }
    }
}

/// Reads a whole document into chunks that cover each of its physical lines once.
pub fn read(bytes: &[u8], shape: Shape) -> Vec<Chunk> {
    let text = String::from_utf8_lossy(bytes);
    let bad_lines = match std::str::from_utf8(bytes) {
        Ok(_) => Vec::new(),
        Err(_) => invalid_lines(bytes),
    };
    let index = LineIndex::new(&text);
    let (items, failure) = match shape {
        Shape::Json => json_items(&text, &index),
        Shape::Yaml => yaml_items(&text, &index),
    };
    assemble(&text, &index, &bad_lines, items, failure, shape)
}

/// One record of a document and the lines it takes.
#[derive(Debug)]
struct Item {
    value: Value,
    first: u64,
    last: u64,
}

/// Where a document stops parsing, and the first line that is lost.
#[derive(Debug)]
struct Failure {
    offset: usize,
    message: String,
    from_line: u64,
}

/// The start of each physical line.
struct LineIndex {
    starts: Vec<usize>,
    total: u64,
    len: usize,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        let total = super::count_lines(text.as_bytes());
        starts.truncate(total as usize);
        LineIndex {
            starts,
            total,
            len: text.len(),
        }
    }

    /// The line (1-based) holding byte `offset`.
    fn line_of(&self, offset: usize) -> u64 {
        (self.starts.partition_point(|&s| s <= offset) as u64).max(1)
    }

    /// The byte offset where `line` (1-based) starts.
    fn start(&self, line: u64) -> usize {
        match line {
            0 => 0,
            l => self.starts.get(l as usize - 1).copied().unwrap_or(self.len),
        }
    }
}

/// Byte offsets of YAML markers, which count characters (and whose lines also end at a
/// lone `\r`, so only their offsets are used).
struct Chars<'t> {
    text: &'t str,
    ascii: bool,
    /// The byte offset of every `STEP`th character.
    marks: Vec<usize>,
}

impl<'t> Chars<'t> {
    const STEP: usize = 4096;

    fn new(text: &'t str) -> Self {
        let ascii = text.is_ascii();
        let marks = if ascii {
            Vec::new()
        } else {
            text.char_indices()
                .step_by(Self::STEP)
                .map(|(i, _)| i)
                .collect()
        };
        Chars { text, ascii, marks }
    }

    fn byte(&self, m: &Marker) -> usize {
        let c = m.index();
        if self.ascii {
            return c.min(self.text.len());
        }
        let k = (c / Self::STEP).min(self.marks.len().saturating_sub(1));
        let from = self.marks.get(k).copied().unwrap_or(0);
        let rest = &self.text[from..];
        from + rest
            .char_indices()
            .nth(c - k * Self::STEP)
            .map_or(rest.len(), |(i, _)| i)
    }
}

/// Lines (1-based) that are not valid UTF-8.
fn invalid_lines(bytes: &[u8]) -> Vec<u64> {
    bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, l)| std::str::from_utf8(l).is_err())
        .map(|(i, _)| i as u64 + 1)
        .collect()
}

/// Items and the lines between them, in line order; after a failure, the rest of the
/// document is one unreadable chunk.
fn assemble(
    text: &str,
    index: &LineIndex,
    bad_lines: &[u64],
    items: Vec<Item>,
    failure: Option<Failure>,
    shape: Shape,
) -> Vec<Chunk> {
    let bad = |lo: u64, hi: u64| {
        (bad_lines.partition_point(|&l| l <= hi) - bad_lines.partition_point(|&l| l < lo)) as u64
    };
    let chunk = |line: u64, lines: u64, kind: ChunkKind| Chunk {
        line,
        lines,
        invalid_utf8: if lines == 0 {
            0
        } else {
            bad(line, line + lines - 1)
        },
        cut_lines: 0,
        kind,
    };
    let total = index.total;
    let records = items.len();
    let mut chunks = Vec::with_capacity(items.len() * 2 + 2);
    // the first line not yet in a chunk
    let mut next = 1u64;
    for item in items {
        if item.first > next {
            chunks.push(chunk(next, item.first - next, ChunkKind::Frame));
            next = item.first;
        }
        let hi = item.last.min(total);
        let lines = (hi + 1).saturating_sub(next);
        chunks.push(Chunk {
            line: item.first.max(1),
            ..chunk(next, lines, ChunkKind::Record(item.value))
        });
        next += lines;
    }
    match failure {
        None => {
            if next <= total {
                chunks.push(chunk(next, total + 1 - next, ChunkKind::Frame));
            }
        }
        Some(f) => {
            let from = f.from_line.max(next);
            if from > next {
                chunks.push(chunk(next, from - next, ChunkKind::Frame));
            }
            let line = index.line_of(f.offset);
            let damage = format!(
                "{} document damaged at byte {} (line {line}): {}; the {records} record(s) before it were read",
                shape.name(),
                f.offset,
                f.message
            );
            let lines = (total + 1).saturating_sub(from);
            let text = text.get(index.start(from)..).unwrap_or("").to_string();
            chunks.push(chunk(
                from,
                lines,
                ChunkKind::Unreadable {
                    reason: format!("damaged {} document: {}", shape.name(), f.message),
                    text,
                    damage: Some(damage),
                },
            ));
        }
    }
    chunks
}

// ---------------------------------------------------------------------------------------
// JSON

/// A parse error: where, and what.
type Fail = (usize, String);

/// Walks the top level of a JSON text; serde_json parses each value.
struct JsonCursor<'t> {
    text: &'t str,
    pos: usize,
}

impl JsonCursor<'_> {
    fn skip_ws(&mut self) {
        let b = self.text.as_bytes();
        while self.pos < b.len() && matches!(b[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn fail(&self, what: &str) -> Fail {
        let found = match self.peek() {
            None => "the end of the input".to_string(),
            Some(b) if b.is_ascii_graphic() => format!("'{}'", b as char),
            Some(b) => format!("byte 0x{b:02x}"),
        };
        (self.pos, format!("expected {what}, found {found}"))
    }

    /// One JSON value at the cursor.
    fn value<T: DeserializeOwned>(&mut self) -> Result<T, Fail> {
        let rest = &self.text[self.pos..];
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<T>();
        match stream.next() {
            Some(Ok(v)) => {
                self.pos += stream.byte_offset();
                Ok(v)
            }
            Some(Err(e)) if e.is_eof() => Err((self.text.len(), error_message(&e))),
            Some(Err(e)) => Err((self.pos + error_offset(rest, &e), error_message(&e))),
            None => Err(self.fail("a value")),
        }
    }

    /// `[ value, … ]`: each element an item.
    fn elements(&mut self, index: &LineIndex, items: &mut Vec<Item>) -> Result<(), Fail> {
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            let start = self.pos;
            let value = self.value::<Value>()?;
            items.push(Item {
                value,
                first: index.line_of(start),
                last: index.line_of(self.pos - 1),
            });
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.fail("',' or ']' after an item")),
            }
        }
    }

    /// `{ … }`: its `items` array gives the items; an object without one is one item.
    fn object(&mut self, index: &LineIndex, items: &mut Vec<Item>) -> Result<(), Fail> {
        let start = self.pos;
        self.pos += 1;
        let mut map = Map::new();
        let mut listed = false;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws();
                if self.peek() != Some(b'"') {
                    return Err(self.fail("a key"));
                }
                let key: String = self.value()?;
                self.skip_ws();
                if self.peek() != Some(b':') {
                    return Err(self.fail("':'"));
                }
                self.pos += 1;
                self.skip_ws();
                if key == "items" && !listed && self.peek() == Some(b'[') {
                    self.elements(index, items)?;
                    listed = true;
                } else {
                    let v: Value = self.value()?;
                    map.insert(key, v);
                }
                self.skip_ws();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.fail("',' or '}'")),
                }
            }
        }
        if !listed {
            items.push(Item {
                value: Value::Object(map),
                first: index.line_of(start),
                last: index.line_of(self.pos - 1),
            });
        }
        Ok(())
    }
}

/// The byte offset (in `text`) of a serde_json error, from its line and column.
fn error_offset(text: &str, e: &serde_json::Error) -> usize {
    let line_start = if e.line() <= 1 {
        0
    } else {
        memchr::memchr_iter(b'\n', text.as_bytes())
            .nth(e.line() - 2)
            .map_or(text.len(), |i| i + 1)
    };
    (line_start + e.column().saturating_sub(1)).min(text.len())
}

/// serde_json's message without its own (relative) position.
fn error_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn json_items(text: &str, index: &LineIndex) -> (Vec<Item>, Option<Failure>) {
    let mut c = JsonCursor {
        text,
        pos: if text.starts_with('\u{feff}') { 3 } else { 0 },
    };
    let mut items = Vec::new();
    loop {
        c.skip_ws();
        let Some(b) = c.peek() else { break };
        let (start, before) = (c.pos, items.len());
        let parsed = match b {
            b'{' => c.object(index, &mut items),
            b'[' => c.elements(index, &mut items),
            _ => c.value::<Value>().map(|value| {
                items.push(Item {
                    value,
                    first: index.line_of(start),
                    last: index.line_of(c.pos.saturating_sub(1)),
                })
            }),
        };
        if let Err((offset, message)) = parsed {
            // lost: from this value's start, or the line after its last complete item
            let from_line = items[before..]
                .last()
                .map_or(index.line_of(start), |i| i.last + 1);
            return (
                items,
                Some(Failure {
                    offset,
                    message,
                    from_line,
                }),
            );
        }
    }
    (items, None)
}

// ---------------------------------------------------------------------------------------
// YAML

/// A collection being built.
struct Node {
    value: Value,
    /// For a mapping: the key read, waiting for its value.
    key: Option<String>,
    anchor: usize,
    line: u64,
    /// Its elements are items (a document's `items`, or a top-level sequence).
    list: bool,
    /// A mapping whose `items` gave the items.
    listed: bool,
}

/// Builds values from the parser's events; items are taken out as they complete.
struct Builder<'t> {
    text: &'t str,
    index: &'t LineIndex,
    chars: Chars<'t>,
    stack: Vec<Node>,
    items: Vec<Item>,
    /// Items of the open list whose last line is not known yet.
    open_item: Option<usize>,
    /// Anchored values, with their node count and nesting depth.
    anchors: HashMap<usize, (Value, usize, usize)>,
    budget: usize,
    doc_line: u64,
    error: Option<(usize, String)>,
}

impl Builder<'_> {
    /// The line (as the line reader counts them) of a marker.
    fn line(&self, m: &Marker) -> u64 {
        self.index.line_of(self.chars.byte(m))
    }

    /// The line an end marker closes: the line before it when the marker is the first
    /// token of its line (block style ends at the next token), else its own.
    fn end_line(&self, m: &Marker) -> u64 {
        let at = self.chars.byte(m);
        let line = self.index.line_of(at);
        let start = self.index.start(line).min(at);
        let prefix = self.text.get(start..at).unwrap_or("");
        if prefix.chars().all(|c| c == ' ' || c == '\t' || c == '-') {
            line.saturating_sub(1)
        } else {
            line
        }
    }

    fn complete(&mut self, value: Value, anchor: usize, line: u64) {
        if anchor > 0 {
            let (n, depth) = shape(&value);
            self.anchors.insert(anchor, (value.clone(), n, depth));
        }
        let Some(parent) = self.stack.last_mut() else {
            // a document's root: one record, unless its items were taken out already
            if !value.is_null() {
                self.open_item = Some(self.items.len());
                self.items.push(Item {
                    value,
                    first: line,
                    last: u64::MAX,
                });
            }
            return;
        };
        if parent.list {
            if let Some(prev) = self.open_item.take() {
                self.items[prev].last = self.items[prev].last.min(line.saturating_sub(1));
            }
            self.open_item = Some(self.items.len());
            self.items.push(Item {
                value,
                first: line,
                last: u64::MAX,
            });
            return;
        }
        match &mut parent.value {
            Value::Array(a) => a.push(value),
            Value::Object(m) => match parent.key.take() {
                None => parent.key = Some(key_text(value)),
                Some(k) => {
                    m.insert(k, value);
                }
            },
            _ => {}
        }
    }

    fn close_item(&mut self, last: u64) {
        if let Some(i) = self.open_item.take() {
            let item = &mut self.items[i];
            item.last = item.last.min(last.max(item.first));
        }
    }

    /// Values nest no deeper than JSON lines may (`MAX_JSON_DEPTH`): records are
    /// serialized and dropped recursively, and a YAML document can nest without bound
    /// (block indentation, alias chains).
    fn deeper(&self, levels: usize) -> Result<(), String> {
        if self.stack.len() + levels > MAX_JSON_DEPTH {
            return Err(format!("nested deeper than {MAX_JSON_DEPTH} levels"));
        }
        Ok(())
    }

    fn event(&mut self, ev: Event, mark: Marker) -> Result<(), String> {
        let line = self.line(&mark);
        match ev {
            Event::DocumentStart => {
                self.doc_line = line;
                // Anchors belong to their document: a later one cannot refer to them.
                self.anchors.clear();
            }
            Event::DocumentEnd | Event::StreamEnd => {
                let last = self.end_line(&mark);
                self.close_item(last);
            }
            Event::SequenceStart(anchor, _) => {
                self.deeper(1)?;
                let list = match self.stack.as_slice() {
                    [] => true,
                    [root] => root.key.as_deref() == Some("items") && !root.listed,
                    _ => false,
                };
                self.stack.push(Node {
                    value: Value::Array(Vec::new()),
                    key: None,
                    anchor,
                    line,
                    list,
                    listed: false,
                });
            }
            Event::MappingStart(anchor, _) => {
                self.deeper(1)?;
                self.stack.push(Node {
                    value: Value::Object(Map::new()),
                    key: None,
                    anchor,
                    line,
                    list: false,
                    listed: false,
                })
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(node) = self.stack.pop() else {
                    return Ok(());
                };
                if node.list {
                    let last = self.end_line(&mark);
                    self.close_item(last);
                    if let Some(root) = self.stack.last_mut() {
                        root.key = None;
                        root.listed = true;
                    }
                    return Ok(());
                }
                if node.listed && self.stack.is_empty() {
                    return Ok(());
                }
                self.complete(node.value, node.anchor, node.line);
            }
            Event::Scalar(v, style, anchor, tag) => {
                self.complete(scalar(v, style, tag.as_ref()), anchor, line);
            }
            Event::Alias(id) => {
                let (value, n, depth) =
                    self.anchors
                        .get(&id)
                        .cloned()
                        .unwrap_or((Value::Null, 1, 0));
                self.deeper(depth)?;
                self.budget = self
                    .budget
                    .checked_sub(n)
                    .ok_or("too many alias expansions")?;
                self.complete(value, 0, line);
            }
            Event::Nothing | Event::StreamStart => {}
        }
        Ok(())
    }
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self.event(ev, mark) {
            self.error = Some((self.chars.byte(&mark), e));
        }
    }
}

/// The longest text a mapping key that is itself a collection becomes.
const KEY_TEXT_MAX: usize = 1024;

/// A mapping key as text (JSON keys are strings). A collection is written as JSON, cut
/// to [`KEY_TEXT_MAX`] bytes: a key nested in a key nested in a key… would otherwise
/// double its escapes at each level (`{{{{…}}}}` of 50 levels: petabytes).
fn key_text(v: Value) -> String {
    match v {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => {
            let mut s = other.to_string();
            if s.len() > KEY_TEXT_MAX {
                let mut end = KEY_TEXT_MAX;
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                s.truncate(end);
                s.push('…');
            }
            s
        }
    }
}

/// Values in a tree (what an alias to it costs) and how deep it nests (a scalar: 0;
/// `[]`: 1; `[[1]]`: 2).
fn shape(v: &Value) -> (usize, usize) {
    let (mut n, mut depth) = (0, 0);
    let mut todo = vec![(v, 0)];
    while let Some((v, d)) = todo.pop() {
        n += 1;
        depth = depth.max(d + usize::from(v.is_array() || v.is_object()));
        match v {
            Value::Array(a) => todo.extend(a.iter().map(|v| (v, d + 1))),
            Value::Object(m) => todo.extend(m.values().map(|v| (v, d + 1))),
            _ => {}
        }
    }
    (n, depth)
}

/// A scalar, resolved as YAML 1.2's core schema says: quoted is text; plain may be null,
/// a boolean or a number; `!!str` and other tags keep the text.
fn scalar(v: String, style: TScalarStyle, tag: Option<&Tag>) -> Value {
    if style != TScalarStyle::Plain || tag.is_some_and(|t| t.suffix != "null") {
        return Value::String(v);
    }
    match Yaml::from_str(&v) {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Integer(i) => Value::from(i),
        Yaml::Real(r) => r
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::String(v), Value::Number),
        _ => Value::String(v),
    }
}

fn yaml_items(text: &str, index: &LineIndex) -> (Vec<Item>, Option<Failure>) {
    let mut b = Builder {
        text,
        index,
        chars: Chars::new(text),
        stack: Vec::new(),
        items: Vec::new(),
        open_item: None,
        anchors: HashMap::new(),
        budget: ALIAS_BUDGET,
        doc_line: 1,
        error: None,
    };
    // Events one by one: `Parser::load` recurses once per nesting level, and block
    // indentation nests without limit (a stack overflow on `- - - … 1`).
    let mut parser = Parser::new_from_str(text);
    let parsed = loop {
        match parser.next_token() {
            Ok((ev, mark)) => {
                let end = ev == Event::StreamEnd;
                b.on_event(ev, mark);
                if end || b.error.is_some() {
                    break Ok(());
                }
            }
            Err(e) => break Err(e),
        }
    };
    let error = b.error.take().or_else(|| {
        parsed
            .err()
            .map(|e| (b.chars.byte(e.marker()), e.info().to_string()))
    });
    let Some((offset, message)) = error else {
        return (b.items, None);
    };
    // lost: the item being built (from its first line), else the document being built
    let list = b.stack.iter().position(|n| n.list);
    let from_line = match list.and_then(|i| b.stack.get(i + 1)) {
        Some(partial) => partial.line,
        None if list.is_some() => index.line_of(offset),
        None => b.doc_line,
    };
    if let Some(i) = b.open_item.take() {
        let item = &mut b.items[i];
        item.last = item.last.min(from_line.saturating_sub(1)).max(item.first);
    }
    // items are taken out only once complete: they all stand
    let after_items = b.items.last().map_or(0, |i| i.last.saturating_add(1));
    let from_line = from_line.max(after_items);
    (
        b.items,
        Some(Failure {
            offset,
            message,
            from_line,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn records(chunks: &[Chunk]) -> Vec<(u64, u64, Value)> {
        chunks
            .iter()
            .filter_map(|c| match &c.kind {
                ChunkKind::Record(v) => Some((c.line, c.lines, v.clone())),
                _ => None,
            })
            .collect()
    }

    /// Every line is in exactly one chunk, in order.
    fn assert_covers(chunks: &[Chunk], text: &str) {
        let mut next = 1;
        for c in chunks {
            if c.lines > 0 {
                assert!(c.line <= next, "gap before {c:?}");
            }
            next += c.lines;
        }
        assert_eq!(next - 1, count_lines(text), "{chunks:#?}");
    }

    fn count_lines(text: &str) -> u64 {
        crate::input::count_lines(text.as_bytes())
    }

    const PRETTY: &str = "{\n  \"apiVersion\": \"v1\",\n  \"items\": [\n    {\n      \"reason\": \"A\"\n    },\n    {\n      \"reason\": \"B\",\n      \"n\": [1,\n 2]\n    }\n  ],\n  \"kind\": \"List\"\n}\n";

    #[test]
    fn a_json_event_list_gives_its_items_with_their_first_lines() {
        let chunks = read(PRETTY.as_bytes(), Shape::Json);
        assert_covers(&chunks, PRETTY);
        let r = records(&chunks);
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].0, r[0].1), (4, 3));
        assert_eq!((r[1].0, r[1].1), (7, 5));
        assert_eq!(r[1].2["reason"], "B");
    }

    #[test]
    fn arrays_objects_and_concatenated_values_are_records() {
        let text = "[{\"a\":1},{\"a\":2}]\n{\"b\":3}\n{\"items\":[]}\n";
        let chunks = read(text.as_bytes(), Shape::Json);
        assert_covers(&chunks, text);
        let r = records(&chunks);
        assert_eq!(r.len(), 3);
        assert_eq!(r[1].2, json!({"a": 2}));
        assert_eq!((r[1].0, r[1].1), (1, 0), "shares its line with the first");
        assert_eq!((r[2].0, r[2].1), (2, 1));
    }

    #[test]
    fn a_truncated_json_document_keeps_the_items_before_the_damage() {
        let cut = &PRETTY[..PRETTY.find("\"n\"").unwrap()];
        let chunks = read(cut.as_bytes(), Shape::Json);
        assert_covers(&chunks, cut);
        assert_eq!(records(&chunks).len(), 1);
        let last = chunks.last().unwrap();
        let ChunkKind::Unreadable { damage, text, .. } = &last.kind else {
            panic!("{last:?}")
        };
        assert_eq!(last.line, 7);
        assert!(text.starts_with("    {"), "{text}");
        let damage = damage.as_deref().unwrap();
        assert!(damage.contains("at byte"), "{damage}");
    }

    #[test]
    fn garbage_is_damage_not_a_panic() {
        for text in [
            "{",
            "[",
            "{\"items\": [1,",
            "{\"a\" 1}",
            "[}",
            "\u{feff}{}",
            "{}}",
        ] {
            let chunks = read(text.as_bytes(), Shape::Json);
            assert_covers(&chunks, text);
        }
    }

    const YAML: &str = "---\napiVersion: v1\nitems:\n- apiVersion: v1\n  message: Successfully pulled\n    in 5.8s\n  count: 2\n- reason: B\n  list:\n  - a\n  block: |\n    one\n    two\nkind: EventList\nmetadata:\n  resourceVersion: \"\"\n";

    #[test]
    fn a_yaml_event_list_gives_its_items_with_their_first_lines() {
        let chunks = read(YAML.as_bytes(), Shape::Yaml);
        assert_covers(&chunks, YAML);
        let r = records(&chunks);
        assert_eq!(r.len(), 2, "{chunks:#?}");
        assert_eq!((r[0].0, r[0].1), (4, 4));
        assert_eq!(r[0].2["message"], "Successfully pulled in 5.8s");
        assert_eq!(r[0].2["count"], 2);
        assert_eq!((r[1].0, r[1].1), (8, 6));
        assert_eq!(r[1].2["block"], "one\ntwo\n");
    }

    #[test]
    fn a_damaged_yaml_document_keeps_the_items_before_the_damage() {
        let text = "items:\n- a: 1\n  b: 2\n- c: \"unterminated\n  d: 3\n- e: 4\n";
        let chunks = read(text.as_bytes(), Shape::Yaml);
        assert_covers(&chunks, text);
        assert_eq!(records(&chunks).len(), 1, "{chunks:#?}");
        let last = chunks.last().unwrap();
        assert_eq!(last.line, 4);
        assert!(matches!(last.kind, ChunkKind::Unreadable { .. }));
    }

    #[test]
    fn yaml_scalars_follow_the_core_schema_and_aliases_are_bounded() {
        let text = "- {a: 1, b: \"1\", c: true, d: ~, e: 1.5, f: !!str 2, g: x}\n";
        let r = records(&read(text.as_bytes(), Shape::Yaml));
        assert_eq!(
            r[0].2,
            json!({"a": 1, "b": "1", "c": true, "d": null, "e": 1.5, "f": "2", "g": "x"})
        );
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("a{}", i - 1)
            };
            bomb.push_str(&format!(
                "a{i}: &a{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let chunks = read(bomb.as_bytes(), Shape::Yaml);
        assert_covers(&chunks, &bomb);
        assert!(matches!(
            chunks.last().unwrap().kind,
            ChunkKind::Unreadable { .. }
        ));
    }

    #[test]
    fn a_yaml_alias_does_not_reach_into_an_earlier_document() {
        let text = "---\n- {a: &secret [1, 2]}\n---\n- {b: *secret}\n";
        let chunks = read(text.as_bytes(), Shape::Yaml);
        assert_covers(&chunks, text);
        let r = records(&chunks);
        assert_eq!(r.len(), 2, "{chunks:#?}");
        assert_eq!(r[0].2, json!({"a": [1, 2]}));
        assert_ne!(
            r[1].2["b"],
            json!([1, 2]),
            "alias resolved across documents"
        );
    }

    #[test]
    fn sniffs_documents() {
        let lines = |t: &str| t.lines().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(Shape::sniff(&lines("\n  {\n")), Some(Shape::Json));
        assert_eq!(Shape::sniff(&lines("[\n {\"a\": [1,\n")), Some(Shape::Json));
        assert_eq!(
            Shape::sniff(&lines("{\"a\":1}\n{\"b\":")),
            Some(Shape::Json)
        );
        assert_eq!(Shape::sniff(&lines("[2024-04-04 22:00:01] ERROR x")), None);
        assert_eq!(Shape::sniff(&lines("{oops}")), None);
        assert_eq!(
            Shape::sniff(&lines("# c\n---\napiVersion: v1")),
            Some(Shape::Yaml)
        );
        assert_eq!(Shape::sniff(&lines("apiVersion: v1\n")), Some(Shape::Yaml));
        assert_eq!(Shape::sniff(&lines("Nov 21 04:40:48 host x")), None);
    }
}
