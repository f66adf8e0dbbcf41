//! A reader that keeps a copy of what is read through it, so that a source's first bytes
//! can be read again from the start once its shape is known (a JSON or YAML document, a
//! journal export), after its first lines were cut for detection.

use std::io::{self, Cursor, Read};

/// Records the bytes read through it, up to a limit.
pub struct Tape {
    inner: Box<dyn Read + Send>,
    /// The copy; `None` once recording stopped or the limit was passed.
    recorded: Option<Vec<u8>>,
    limit: usize,
    overflowed: bool,
}

impl Tape {
    /// Records up to `limit` bytes.
    pub fn recording(inner: Box<dyn Read + Send>, limit: usize) -> Self {
        Tape {
            inner,
            recorded: Some(Vec::new()),
            limit,
            overflowed: false,
        }
    }

    /// Records nothing.
    pub fn plain(inner: Box<dyn Read + Send>) -> Self {
        Tape {
            inner,
            recorded: None,
            limit: 0,
            overflowed: false,
        }
    }

    /// Is the copy complete, so that [`Tape::rewind`] can go back to the first byte?
    pub fn can_rewind(&self) -> bool {
        self.recorded.is_some() && !self.overflowed
    }

    /// Stops recording and frees the copy.
    pub fn stop(&mut self) {
        self.recorded = None;
    }

    /// The reader underneath, taken out to be read elsewhere (by a
    /// read-ahead thread, `input::ahead`) once recording stopped; this tape then
    /// reads nothing. `None` while recording.
    pub fn take_rest(&mut self) -> Option<Box<dyn Read + Send>> {
        if self.recorded.is_some() {
            return None;
        }
        Some(std::mem::replace(&mut self.inner, Box::new(io::empty())))
    }

    /// Puts back the reader [`Tape::take_rest`] took.
    pub fn put_back(&mut self, inner: Box<dyn Read + Send>) {
        self.inner = inner;
    }

    /// The whole stream from its first byte: the copy, then the rest (`rest: false`: the
    /// copy alone, when the stream is known to be broken after it). `None` when the copy
    /// is incomplete (recording stopped, or the limit was passed).
    pub fn rewind(self, rest: bool) -> Option<Box<dyn Read + Send>> {
        if self.overflowed {
            return None;
        }
        let copy = Cursor::new(self.recorded?);
        Some(if rest {
            Box::new(copy.chain(self.inner))
        } else {
            Box::new(copy)
        })
    }
}

impl Read for Tape {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(copy) = &mut self.recorded {
            if copy.len() + n > self.limit {
                self.recorded = None;
                self.overflowed = true;
            } else {
                copy.extend_from_slice(&buf[..n]);
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewinds_to_the_first_byte() {
        let mut t = Tape::recording(Box::new(&b"hello world"[..]), 100);
        let mut head = [0u8; 5];
        t.read_exact(&mut head).unwrap();
        let mut all = String::new();
        t.rewind(true).unwrap().read_to_string(&mut all).unwrap();
        assert_eq!(all, "hello world");
    }

    #[test]
    fn a_copy_past_its_limit_cannot_rewind() {
        let mut t = Tape::recording(Box::new(&b"hello world"[..]), 4);
        let mut head = [0u8; 5];
        t.read_exact(&mut head).unwrap();
        assert!(t.rewind(true).is_none());
        let mut t = Tape::plain(Box::new(&b"x"[..]));
        t.read_exact(&mut [0u8; 1]).unwrap();
        assert!(t.rewind(true).is_none());
    }
}
