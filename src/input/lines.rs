//! Cutting a byte stream into lines with memchr, in one reused buffer.
//!
//! A line longer than the maximum is cut there (the rest up to its newline is skipped and
//! the line is marked `cut`); CRLF endings lose their `\r`; a last line without a newline
//! is still a line. A read error ends the stream after every complete line before it.

use std::io::{self, Read};

use super::ahead::ReadAhead;
use super::Tape;

/// One line as read: its bytes (without the newline) and whether it was cut.
pub struct RawLine<'a> {
    pub bytes: &'a [u8],
    pub cut: bool,
}

pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    /// Start of unread data in `buf`.
    start: usize,
    /// End of valid data in `buf`.
    end: usize,
    eof: bool,
    max_line: usize,
    /// Skipping the tail of a cut line until its newline.
    skipping: bool,
    /// A read error held back until the lines before it are handed out.
    pending_error: Option<io::Error>,
    /// The rest of `inner`, read on a thread of its own: its buffers are taken whole.
    ahead: Option<ReadAhead>,
}

impl<R: Read> LineReader<R> {
    pub fn new(inner: R, max_line: usize) -> Self {
        LineReader {
            inner,
            buf: vec![0; 256 * 1024],
            start: 0,
            end: 0,
            eof: false,
            max_line: max_line.max(1),
            skipping: false,
            pending_error: None,
            ahead: None,
        }
    }

    /// The next line, `None` at the end. An `Err` is a read error (damaged input): the
    /// lines before it have all been returned; a partial last line is returned first.
    pub fn next_line(&mut self) -> io::Result<Option<RawLine<'_>>> {
        loop {
            let data = &self.buf[self.start..self.end];
            if let Some(i) = memchr::memchr(b'\n', data) {
                let line_start = self.start;
                self.start += i + 1;
                if self.skipping {
                    self.skipping = false;
                    continue;
                }
                if i > self.max_line {
                    return Ok(Some(self.make_line(
                        line_start,
                        line_start + self.max_line,
                        true,
                    )));
                }
                return Ok(Some(self.make_line(line_start, line_start + i, false)));
            }
            // No newline yet: more than the maximum is a line to cut. Exactly the maximum
            // is not (its newline may come with the next read).
            let pending = self.end - self.start;
            if !self.skipping && pending > self.max_line {
                let line_start = self.start;
                self.start += self.max_line;
                self.skipping = true;
                return Ok(Some(self.make_line(
                    line_start,
                    line_start + self.max_line,
                    true,
                )));
            }
            if self.skipping {
                self.start = self.end;
            }
            if self.eof {
                if self.start < self.end && !self.skipping {
                    let (s, e) = (self.start, self.end);
                    self.start = self.end;
                    return Ok(Some(self.make_line(s, e, false)));
                }
                return match self.pending_error.take() {
                    Some(e) => Err(e),
                    None => Ok(None),
                };
            }
            self.refill()?;
        }
    }

    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The reader underneath. Bytes it has handed over but that were not cut into lines
    /// yet are lost: callers that need them record what they read (see `Tape`).
    pub fn into_inner(self) -> R {
        self.inner
    }

    fn make_line(&self, s: usize, mut e: usize, cut: bool) -> RawLine<'_> {
        if !cut && e > s && self.buf[e - 1] == b'\r' {
            e -= 1;
        }
        RawLine {
            bytes: &self.buf[s..e],
            cut,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        if self.ahead.is_some() {
            return self.refill_ahead();
        }
        // Move the unread tail to the front, grow if a long line needs room.
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            let grown = (self.buf.len() * 2).min(self.max_line + 64 * 1024);
            self.buf.resize(grown.max(self.buf.len() + 1), 0);
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // Hand out what is buffered first; the error comes after.
                    self.eof = true;
                    if self.start < self.end {
                        self.pending_error = Some(e);
                        return Ok(());
                    }
                    return Err(e);
                }
            }
        }
    }
}

impl<R> LineReader<R> {
    /// The next buffer from the thread reading ahead. A buffer ends at a line's end
    /// (where it holds one): when every line before it was handed out, it becomes this
    /// reader's buffer as it is; a part line still waiting has the new bytes put after it.
    fn refill_ahead(&mut self) -> io::Result<()> {
        let Some(ahead) = self.ahead.as_mut() else {
            return Ok(());
        };
        let drained = self.start == self.end;
        let spent = if drained {
            (self.start, self.end) = (0, 0);
            std::mem::take(&mut self.buf)
        } else {
            Vec::new()
        };
        match ahead.next_buffer(spent) {
            Ok(Some((next, n))) if drained => {
                self.end = n;
                self.buf = next;
            }
            Ok(Some((next, n))) => {
                self.buf.truncate(self.end);
                self.buf.drain(..self.start);
                self.buf.extend_from_slice(&next[..n]);
                (self.start, self.end) = (0, self.buf.len());
                ahead.give_back(next);
            }
            Ok(None) => self.eof = true,
            Err(e) => {
                // Hand out what is buffered first; the error comes after.
                self.eof = true;
                if self.start < self.end {
                    self.pending_error = Some(e);
                } else {
                    return Err(e);
                }
            }
        }
        Ok(())
    }
}

impl LineReader<Tape> {
    /// Reads the rest of the tape on a thread of its own (`input::ahead`), once it stopped
    /// recording: false when it cannot (still recording, or no thread to be had).
    pub fn read_ahead(&mut self) -> bool {
        let Some(rest) = self.inner.take_rest() else {
            return false;
        };
        match ReadAhead::start(rest) {
            Ok(ahead) => {
                self.ahead = Some(ahead);
                true
            }
            Err((_, rest)) => {
                self.inner.put_back(rest);
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<(String, bool)> {
        let mut r = LineReader::new(input, max);
        let mut out = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            out.push((String::from_utf8_lossy(l.bytes).into_owned(), l.cut));
        }
        out
    }

    #[test]
    fn splits_crlf_and_keeps_a_last_line_without_newline() {
        let got = lines(b"a\r\nb\n\nc", 100);
        let want: Vec<(String, bool)> = ["a", "b", "", "c"]
            .iter()
            .map(|s| (s.to_string(), false))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn cuts_over_long_lines_and_skips_their_tail() {
        let got = lines(b"0123456789\nok\n", 4);
        assert_eq!(
            got,
            vec![("0123".to_string(), true), ("ok".to_string(), false)]
        );
    }

    /// Regression (fuzz target `lines`): a line of exactly the maximum length, its
    /// newline not read yet, was flagged cut (and counted) though nothing was cut.
    #[test]
    fn a_line_of_exactly_the_maximum_is_not_cut() {
        assert_eq!(lines(b"abcd", 4), vec![("abcd".to_string(), false)]);
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(1).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut r = LineReader::new(OneByte(b"abcd\nabcde\n"), 4);
        let l = r.next_line().unwrap().unwrap();
        assert_eq!((l.bytes, l.cut), (&b"abcd"[..], false));
        let l = r.next_line().unwrap().unwrap();
        assert_eq!((l.bytes, l.cut), (&b"abcd"[..], true));
        assert!(r.next_line().unwrap().is_none());
    }

    #[test]
    fn long_lines_across_many_reads() {
        let mut data = vec![b'x'; 700_000];
        data.push(b'\n');
        data.extend_from_slice(b"tail\n");
        let got = lines(&data, 1 << 20);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0.len(), 700_000);
        assert_eq!(got[1].0, "tail");
    }

    #[test]
    fn a_read_error_comes_after_the_lines_before_it() {
        struct Broken(bool);
        impl Read for Broken {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "corrupt"));
                }
                self.0 = true;
                buf[..6].copy_from_slice(b"one\ntw");
                Ok(6)
            }
        }
        let mut r = LineReader::new(Broken(false), 100);
        assert_eq!(r.next_line().unwrap().unwrap().bytes, b"one");
        assert_eq!(r.next_line().unwrap().unwrap().bytes, b"tw");
        assert!(r.next_line().is_err());
    }

    /// Every line, flag and error as read inline, through a [`Tape`] read ahead after
    /// `peek` lines: `data` fed `step` bytes a read, then an error if `fail`.
    fn both_ways(data: &[u8], max: usize, step: usize, peek: usize, fail: bool) {
        struct Feed {
            data: Vec<u8>,
            step: usize,
            fail: bool,
        }
        impl Read for Feed {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.data.is_empty() {
                    return match self.fail {
                        true => Err(io::Error::new(io::ErrorKind::InvalidData, "corrupt")),
                        false => Ok(0),
                    };
                }
                let n = self.step.min(buf.len()).min(self.data.len());
                buf[..n].copy_from_slice(&self.data[..n]);
                self.data.drain(..n);
                Ok(n)
            }
        }
        let read = |ahead: bool| {
            let feed = Feed {
                data: data.to_vec(),
                step,
                fail,
            };
            let mut r = LineReader::new(Tape::plain(Box::new(feed)), max);
            let mut out = Vec::new();
            loop {
                if ahead && out.len() == peek {
                    assert!(r.read_ahead());
                }
                match r.next_line() {
                    Ok(Some(l)) => out.push(Ok((l.bytes.to_vec(), l.cut))),
                    Ok(None) => break,
                    Err(e) => {
                        out.push(Err(e.kind()));
                        break;
                    }
                }
            }
            out
        };
        let (inline, ahead) = (read(false), read(true));
        assert!(
            inline == ahead,
            "{} lines inline, {} ahead",
            inline.len(),
            ahead.len()
        );
    }

    #[test]
    fn read_ahead_gives_the_lines_read_inline() {
        let mut data = Vec::new();
        for i in 0..60_000u32 {
            let n = (i * 7919 % 97) as usize;
            data.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, n));
            data.extend_from_slice(if i % 5 == 0 { b"\r\n" } else { b"\n" });
            if i % 20_000 == 7 {
                data.extend(std::iter::repeat_n(b'L', 600_000));
                data.push(b'\n');
            }
        }
        data.extend_from_slice(b"last, without newline");
        for (max, step, peek, fail) in [
            (1 << 20, 1 << 20, 0, false),
            (1 << 20, 70_001, 3, true),
            (4096, 300_000, 100, false),
            (50, 8192, 1, true),
        ] {
            both_ways(&data, max, step, peek, fail);
        }
    }
}
