//! The Journal Export Format (`journalctl -o export`): entries are blocks of `KEY=VALUE`
//! lines separated by a blank line; a value that is not printable text (a newline in it,
//! say) is written as `KEY`, a newline, its length as a little-endian u64, its bytes and a
//! newline.
//!
//! Each entry becomes one record, a JSON object of strings as `journalctl -o json` writes
//! it (a field given twice becomes an array), covering every physical line of the entry
//! and the blank line after it. The bytes are read as bytes (a binary value's length may
//! hold a newline byte); lines are counted as the line reader counts them. A length that
//! cannot be right, or a stream that ends inside a binary value, is damage: the entry is
//! unreadable and so is every line after it (counted, rejected), since the framing is lost.

use std::io::{self, BufRead, Read};

use serde_json::{Map, Value};

use super::{Chunk, ChunkKind};

/// A binary value longer than this is taken as damage (its length is read from the data).
const MAX_BINARY: u64 = 64 << 20;
/// Lines per chunk when the rest of a damaged stream is handed over as unreadable.
const REST_LINES: usize = 1024;

pub struct ExportReader<R> {
    inner: R,
    /// Physical lines consumed.
    line: u64,
    /// Decoded bytes consumed.
    offset: u64,
    max_line: usize,
    /// A read error that ended the stream (for the caller to describe).
    error: Option<io::Error>,
    state: State,
    /// Bytes of a line were consumed without its end (inside a binary value).
    open_line: bool,
}

#[derive(PartialEq)]
enum State {
    Entries,
    /// The framing is lost: the rest is read as unreadable lines.
    Lost,
    Done,
}

impl<R: BufRead> ExportReader<R> {
    pub fn new(inner: R, max_line: usize) -> Self {
        ExportReader {
            inner,
            line: 0,
            offset: 0,
            max_line: max_line.max(1),
            error: None,
            state: State::Entries,
            open_line: false,
        }
    }

    /// Does a source whose first lines are these start like a journal export: a
    /// `KEY=VALUE` line first, and `__CURSOR=` or `__REALTIME_TIMESTAMP=` in the first entry?
    pub fn sniff(lines: &[String]) -> bool {
        let mut entry = lines
            .iter()
            .skip_while(|l| l.is_empty())
            .take_while(|l| !l.is_empty());
        let Some(first) = entry.next() else {
            return false;
        };
        let is_field = |l: &str| {
            l.split_once('=')
                .is_some_and(|(k, _)| is_field_name(k.as_bytes()))
        };
        is_field(first)
            && std::iter::once(first)
                .chain(entry)
                .any(|l| l.starts_with("__CURSOR=") || l.starts_with("__REALTIME_TIMESTAMP="))
    }

    /// The read error that ended the stream, if one did.
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// The next entry, with the lines it takes.
    fn entry(&mut self) -> Option<Chunk> {
        let first = self.line + 1;
        let mut fields = Map::new();
        let (mut lossy, mut cut) = (0u64, 0u64);
        let mut text: Vec<u8> = Vec::new();
        let mut problem: Option<String> = None;
        let mut line = Vec::new();
        loop {
            line.clear();
            let (n, newline, was_cut) = match read_line(&mut self.inner, &mut line, self.max_line) {
                Ok(r) => r,
                Err(e) => {
                    self.error = Some(e);
                    self.state = State::Done;
                    problem = Some("the stream ends inside this entry (read error)".into());
                    break;
                }
            };
            if n == 0 {
                self.state = State::Done;
                break;
            }
            self.offset += n as u64;
            self.line += 1;
            cut += u64::from(was_cut);
            if line.is_empty() {
                if fields.is_empty() && problem.is_none() {
                    continue; // blank lines before an entry
                }
                break;
            }
            text.extend_from_slice(&line);
            text.push(b'\n');
            if let Some(eq) = memchr::memchr(b'=', &line) {
                let (key, lossy_key) = decode(&line[..eq]);
                let (value, lossy_value) = decode(&line[eq + 1..]);
                lossy += u64::from(lossy_key || lossy_value);
                insert(&mut fields, key, value);
            } else if is_field_name(&line) {
                let name = String::from_utf8_lossy(&line).into_owned();
                match self.binary(&name, &mut text) {
                    Ok((value, was_lossy)) => {
                        self.open_line = false;
                        lossy += u64::from(was_lossy);
                        insert(&mut fields, name, value);
                    }
                    Err(why) => {
                        let damage = format!(
                            "journal export damaged at byte {}: {why}; the lines from here on are not read as entries",
                            self.offset
                        );
                        self.state = State::Lost;
                        return Some(Chunk {
                            line: first,
                            lines: self.line + 1 - first,
                            invalid_utf8: lossy,
                            cut_lines: cut,
                            kind: ChunkKind::Unreadable {
                                reason: format!("damaged journal export: {why}"),
                                text: String::from_utf8_lossy(&text).into_owned(),
                                damage: Some(damage),
                            },
                        });
                    }
                }
            } else {
                problem.get_or_insert_with(|| {
                    format!(
                        "line {} is neither KEY=VALUE nor a binary field's name",
                        self.line
                    )
                });
            }
            if !newline {
                self.state = State::Done;
                break;
            }
        }
        let lines = (self.line + 1).saturating_sub(first);
        if lines == 0 {
            return None;
        }
        let kind = match problem {
            Some(reason) => ChunkKind::Unreadable {
                reason,
                text: String::from_utf8_lossy(&text).into_owned(),
                damage: None,
            },
            None if fields.is_empty() => ChunkKind::Frame,
            None => ChunkKind::Record(Value::Object(fields)),
        };
        Some(Chunk {
            line: first,
            lines,
            invalid_utf8: lossy,
            cut_lines: cut,
            kind,
        })
    }

    /// A binary value after its name: length, bytes, newline. Counts the lines of the
    /// bytes it consumes (a length or a value may hold newlines), even when it fails, and
    /// adds the value's text to `text`.
    fn binary(&mut self, name: &str, text: &mut Vec<u8>) -> Result<(String, bool), String> {
        let cut_short = || format!("the stream ends inside binary field {name}");
        let mut len = Vec::with_capacity(8);
        let read = (&mut self.inner).take(8).read_to_end(&mut len);
        self.consumed(&len);
        read.map_err(|e| format!("{} ({e})", cut_short()))?;
        let len: [u8; 8] = len.try_into().map_err(|_| cut_short())?;
        let n = u64::from_le_bytes(len);
        if n > MAX_BINARY {
            return Err(format!(
                "binary field {name} claims {n} bytes (more than {MAX_BINARY})"
            ));
        }
        let mut data = Vec::with_capacity(n as usize);
        let read = (&mut self.inner).take(n).read_to_end(&mut data);
        self.consumed(&data);
        read.map_err(|e| format!("{} ({e})", cut_short()))?;
        if data.len() as u64 != n {
            return Err(cut_short());
        }
        let mut end = Vec::with_capacity(1);
        let read = (&mut self.inner).take(1).read_to_end(&mut end);
        self.consumed(&end);
        read.map_err(|e| format!("{} ({e})", cut_short()))?;
        match end.first() {
            Some(b'\n') => {}
            Some(_) => return Err(format!("binary field {name} is not followed by a newline")),
            None => return Err(cut_short()),
        }
        let (value, lossy) = decode(&data);
        text.extend_from_slice(value.as_bytes());
        text.push(b'\n');
        Ok((value, lossy))
    }

    /// Bytes read outside `read_line`: their newlines end lines; bytes after the last one
    /// open a line that the next read closes.
    fn consumed(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.offset += bytes.len() as u64;
        let newlines = memchr::memchr_iter(b'\n', bytes).count() as u64;
        self.line += newlines;
        self.open_line = if newlines > 0 {
            !bytes.ends_with(b"\n")
        } else {
            true
        };
    }

    /// The rest of a stream whose framing is lost: unreadable lines, in batches.
    fn rest(&mut self) -> Option<Chunk> {
        let first = self.line + 1;
        let mut text = Vec::new();
        let mut line = Vec::new();
        let (mut lines, mut lossy, mut cut) = (0u64, 0u64, 0u64);
        while lines < REST_LINES as u64 {
            line.clear();
            match read_line(&mut self.inner, &mut line, self.max_line) {
                Ok((0, ..)) => {
                    // a line opened inside the damaged value, never closed
                    lines += u64::from(std::mem::take(&mut self.open_line));
                    self.state = State::Done;
                    break;
                }
                Ok((n, newline, was_cut)) => {
                    self.open_line = false;
                    self.offset += n as u64;
                    lines += 1;
                    cut += u64::from(was_cut);
                    let (t, l) = decode(&line);
                    lossy += u64::from(l);
                    text.extend_from_slice(t.as_bytes());
                    text.push(b'\n');
                    if !newline {
                        self.state = State::Done;
                        break;
                    }
                }
                Err(e) => {
                    self.error = Some(e);
                    self.state = State::Done;
                    break;
                }
            }
        }
        self.line += lines;
        (lines > 0).then(|| Chunk {
            line: first,
            lines,
            invalid_utf8: lossy,
            cut_lines: cut,
            kind: ChunkKind::Unreadable {
                reason: "after damage in the journal export".into(),
                text: String::from_utf8_lossy(&text).into_owned(),
                damage: None,
            },
        })
    }
}

impl<R: BufRead> Iterator for ExportReader<R> {
    type Item = Chunk;

    fn next(&mut self) -> Option<Chunk> {
        match self.state {
            State::Entries => self.entry(),
            State::Lost => self.rest(),
            State::Done => None,
        }
    }
}

/// A journal field name: upper-case letters, digits and `_`, not starting with a digit.
fn is_field_name(b: &[u8]) -> bool {
    !b.is_empty()
        && b.len() <= 256
        && !b[0].is_ascii_digit()
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
}

/// Text of bytes, and whether they had to be decoded lossily.
fn decode(b: &[u8]) -> (String, bool) {
    match std::str::from_utf8(b) {
        Ok(s) => (s.to_string(), false),
        Err(_) => (String::from_utf8_lossy(b).into_owned(), true),
    }
}

/// A field given twice becomes an array of its values, as `journalctl -o json` writes it.
fn insert(fields: &mut Map<String, Value>, key: String, value: String) {
    match fields.get_mut(&key) {
        None => {
            fields.insert(key, Value::String(value));
        }
        Some(Value::Array(a)) => a.push(Value::String(value)),
        Some(old) => {
            let first = old.take();
            *old = Value::Array(vec![first, Value::String(value)]);
        }
    }
}

/// One line into `out` (without its newline), cut at `max` bytes (the rest skipped).
/// Returns the bytes consumed (0 at the end), whether a newline ended it, and whether it
/// was cut.
fn read_line<R: BufRead>(
    r: &mut R,
    out: &mut Vec<u8>,
    max: usize,
) -> io::Result<(usize, bool, bool)> {
    let (mut consumed, mut cut) = (0, false);
    loop {
        let buf = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok((consumed, false, cut));
        }
        let (take, found) = match memchr::memchr(b'\n', buf) {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        let data = &buf[..take - usize::from(found)];
        let room = max.saturating_sub(out.len());
        if data.len() > room {
            cut = true;
            out.extend_from_slice(&data[..room]);
        } else {
            out.extend_from_slice(data);
        }
        r.consume(take);
        consumed += take;
        if found {
            return Ok((consumed, true, cut));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn binary(name: &str, value: &[u8]) -> Vec<u8> {
        let mut b = format!("{name}\n").into_bytes();
        b.extend_from_slice(&(value.len() as u64).to_le_bytes());
        b.extend_from_slice(value);
        b.push(b'\n');
        b
    }

    fn chunks(data: &[u8]) -> Vec<Chunk> {
        ExportReader::new(data, 1 << 20).collect()
    }

    fn export() -> Vec<u8> {
        let mut d =
            b"__CURSOR=s=1\n__REALTIME_TIMESTAMP=1795236048613648\nMESSAGE=hello\n".to_vec();
        d.extend(binary("SYSLOG_RAW", b"<134>Nov 21 line one\n"));
        d.extend(b"PRIORITY=6\n\n__REALTIME_TIMESTAMP=1795236048613649\n");
        // a length whose bytes hold a newline (10), and a value with one
        d.extend(binary("MESSAGE", b"two\nlines"));
        d.extend(b"MESSAGE=again\n");
        d
    }

    #[test]
    fn entries_become_objects_covering_every_line() {
        let data = export();
        let c = chunks(&data);
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].line, c[0].lines), (1, 8));
        assert_eq!(
            c[0].kind,
            ChunkKind::Record(json!({
                "__CURSOR": "s=1", "__REALTIME_TIMESTAMP": "1795236048613648",
                "MESSAGE": "hello", "SYSLOG_RAW": "<134>Nov 21 line one\n", "PRIORITY": "6"
            }))
        );
        assert_eq!(c[1].line, 9);
        assert_eq!(
            c[1].lines + c[0].lines,
            crate::input::count_lines(&data),
            "lines as the line reader counts them"
        );
        let ChunkKind::Record(v) = &c[1].kind else {
            panic!()
        };
        assert_eq!(v["MESSAGE"], json!(["two\nlines", "again"]));
    }

    #[test]
    fn a_cut_binary_value_is_damage_and_the_rest_is_counted() {
        let mut data = export();
        let at = data.len() - 20;
        data.truncate(at);
        let c = chunks(&data);
        let total: u64 = c.iter().map(|c| c.lines).sum();
        assert_eq!(total, crate::input::count_lines(&data));
        assert!(matches!(
            &c.last().unwrap().kind,
            ChunkKind::Unreadable { damage: Some(d), .. } if d.contains("at byte")
        ));

        let mut bomb = b"__CURSOR=x\n".to_vec();
        bomb.extend(b"DATA\n\xff\xff\xff\xff\xff\xff\xff\x7f");
        bomb.extend(b"\nMESSAGE=a\n\nMESSAGE=b\n");
        let c = chunks(&bomb);
        let total: u64 = c.iter().map(|c| c.lines).sum();
        assert_eq!(total, crate::input::count_lines(&bomb));
        assert!(c.iter().all(|c| !matches!(c.kind, ChunkKind::Record(_))));
    }

    #[test]
    fn junk_lines_reject_their_entry_only() {
        let data = b"__CURSOR=a\nnot a field\n\n__CURSOR=b\nMESSAGE=ok\n";
        let c = chunks(data);
        assert!(matches!(
            c[0].kind,
            ChunkKind::Unreadable { damage: None, .. }
        ));
        assert!(matches!(c[1].kind, ChunkKind::Record(_)));
        assert_eq!(c[0].lines + c[1].lines, 5);
    }

    #[test]
    fn sniffs_an_export() {
        let l = |t: &str| t.lines().map(str::to_string).collect::<Vec<_>>();
        assert!(ExportReader::<&[u8]>::sniff(&l(
            "__CURSOR=s\n_HOSTNAME=a\n"
        )));
        assert!(ExportReader::<&[u8]>::sniff(&l(
            "\nMESSAGE=x\n__REALTIME_TIMESTAMP=1\n"
        )));
        assert!(!ExportReader::<&[u8]>::sniff(&l(
            "MESSAGE=x\n\n__CURSOR=s\n"
        )));
        assert!(!ExportReader::<&[u8]>::sniff(&l("level=info msg=x\n")));
    }
}
