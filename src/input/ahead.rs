//! Reading ahead on a thread of its own: a gzip stream decodes serially, and a third of a
//! busy source's time is its decoding. When a core would otherwise sit idle (fewer
//! streams than cores), the decoder runs on it, a few buffers ahead of the parser.
//!
//! What the reader underneath gives comes out the same, in the same order, with its
//! error (after every byte read before it). Each buffer ends at the end of a line where
//! it holds one (the part line after it starts the next buffer), so that the line reader
//! takes buffers whole, with no copy ([`ReadAhead::next_buffer`]). The memory is bounded:
//! [`CHUNKS`] buffers of about [`CHUNK`] bytes go round between the two threads.

use std::io::{self, Read};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;

/// Bytes read into one buffer at a time.
pub const CHUNK: usize = 256 * 1024;
/// Buffers going round: filled ones waiting for the parser, and the one it reads.
pub const CHUNKS: usize = 4;

enum Piece {
    /// A buffer and how many of its bytes were read (the rest is room, kept so that
    /// the buffer is not cleared each time round).
    Bytes(Vec<u8>, usize),
    /// The reader underneath failed: nothing follows.
    Failed(io::Error),
}

/// A reader's bytes, read on another thread and handed over a buffer at a time.
pub struct ReadAhead {
    /// Filled buffers, in order; the thread hangs up at the end.
    filled: Option<Receiver<Piece>>,
    /// Buffers read out, going back to be filled.
    empty: Option<SyncSender<Vec<u8>>>,
    thread: Option<JoinHandle<()>>,
}

impl ReadAhead {
    /// Starts reading `inner` on a thread; `Err` (with `inner` back) when no thread can
    /// be started, and the caller reads it itself.
    pub fn start(inner: Box<dyn Read + Send>) -> Result<Self, (io::Error, Box<dyn Read + Send>)> {
        let (to_parser, filled) = sync_channel::<Piece>(CHUNKS);
        let (empty, to_fill) = sync_channel::<Vec<u8>>(CHUNKS);
        for _ in 0..CHUNKS {
            // Cannot fail: the channel holds CHUNKS and its receiver is alive.
            let _ = empty.send(Vec::new());
        }
        // The reader goes to the thread through a slot it can be taken back from.
        let slot = std::sync::Arc::new(std::sync::Mutex::new(Some(inner)));
        let theirs = slot.clone();
        let spawned = std::thread::Builder::new()
            .name("coroner-read-ahead".into())
            .spawn(move || {
                let taken = theirs.lock().unwrap_or_else(|e| e.into_inner()).take();
                if let Some(inner) = taken {
                    fill(inner, &to_fill, &to_parser);
                }
            });
        match spawned {
            Ok(thread) => Ok(ReadAhead {
                filled: Some(filled),
                empty: Some(empty),
                thread: Some(thread),
            }),
            Err(e) => {
                let inner = slot
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take()
                    .expect("the thread never started, so the reader is still there");
                Err((e, inner))
            }
        }
    }
}

/// The thread's work: fills each empty buffer from `inner` and sends it on, until the end
/// of `inner`, its error, or the parser's hanging up. A buffer is sent up to its last
/// newline; the part line after it goes first into the next buffer.
fn fill(
    mut inner: Box<dyn Read + Send>,
    to_fill: &Receiver<Vec<u8>>,
    to_parser: &SyncSender<Piece>,
) {
    let mut part: Vec<u8> = Vec::new();
    while let Ok(mut buf) = to_fill.recv() {
        let from = part.len();
        if buf.len() < from + CHUNK {
            buf.resize(from + CHUNK, 0);
        }
        buf[..from].copy_from_slice(&part);
        part.clear();
        let mut n = from;
        let mut failed = None;
        // A buffer goes on full (fewer hand-overs), or at the end, or before an error.
        while n < buf.len() {
            match inner.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        let end = n < buf.len();
        if !end {
            if let Some(k) = memchr::memrchr(b'\n', &buf[from..n]) {
                part.extend_from_slice(&buf[from + k + 1..n]);
                n = from + k + 1;
            }
        }
        if n > 0 && to_parser.send(Piece::Bytes(buf, n)).is_err() {
            return;
        }
        if let Some(e) = failed {
            let _ = to_parser.send(Piece::Failed(e));
            return;
        }
        if end {
            return;
        }
    }
}

impl ReadAhead {
    /// The next filled buffer and how many of its bytes were read (`None` at the end),
    /// taking back `spent` to be filled again. An error comes after every buffer before
    /// it, and ends the stream.
    pub fn next_buffer(&mut self, spent: Vec<u8>) -> io::Result<Option<(Vec<u8>, usize)>> {
        self.give_back(spent);
        let Some(filled) = &self.filled else {
            return Ok(None);
        };
        match filled.recv() {
            Ok(Piece::Bytes(b, n)) => Ok(Some((b, n))),
            Ok(Piece::Failed(e)) => {
                self.filled = None;
                Err(e)
            }
            // The thread hung up: the reader underneath ended.
            Err(_) => {
                self.filled = None;
                Ok(None)
            }
        }
    }

    /// Hands a buffer back to be filled (dropped when there is no room or no thread).
    pub fn give_back(&mut self, spent: Vec<u8>) {
        if let Some(empty) = &self.empty {
            let _ = empty.try_send(spent);
        }
    }
}

impl Drop for ReadAhead {
    /// Hangs up, so that the thread stops at its next hand-over, and waits for it: the
    /// reader underneath (a file, a pipe) is closed when this is.
    fn drop(&mut self) {
        self.filled = None;
        self.empty = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Gives its bytes `step` at a time, then fails with `fail` if set.
    struct Trickle {
        data: Vec<u8>,
        step: usize,
        fail: Option<io::ErrorKind>,
        interrupt: bool,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.interrupt {
                self.interrupt = false;
                return Err(io::ErrorKind::Interrupted.into());
            }
            self.interrupt = true;
            if self.data.is_empty() {
                return match self.fail {
                    Some(k) => Err(io::Error::new(k, "broken")),
                    None => Ok(0),
                };
            }
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data.drain(..n);
            Ok(n)
        }
    }

    /// Every byte `r` hands over, and the error it ends with, if any.
    fn read_all(r: &mut ReadAhead) -> (Vec<u8>, Option<io::ErrorKind>) {
        let (mut out, mut spent) = (Vec::new(), Vec::new());
        loop {
            match r.next_buffer(spent) {
                Ok(Some((b, n))) => {
                    out.extend_from_slice(&b[..n]);
                    spent = b;
                }
                Ok(None) => return (out, None),
                Err(e) => return (out, Some(e.kind())),
            }
        }
    }

    fn ahead(data: &[u8], step: usize, fail: Option<io::ErrorKind>) -> ReadAhead {
        let t = Trickle {
            data: data.to_vec(),
            step,
            fail,
            interrupt: false,
        };
        ReadAhead::start(Box::new(t)).unwrap_or_else(|_| panic!("a thread"))
    }

    #[test]
    fn gives_every_byte_in_order_across_many_buffers() {
        let data: Vec<u8> = (0..CHUNK * 3 + 1234).map(|i| (i % 251) as u8).collect();
        let (got, err) = read_all(&mut ahead(&data, 100_000, None));
        assert_eq!(err, None);
        assert!(got == data, "the bytes differ");
    }

    #[test]
    fn an_error_comes_after_every_byte_before_it() {
        let data = vec![7u8; CHUNK + 10];
        let mut r = ahead(&data, 4096, Some(io::ErrorKind::InvalidData));
        let (got, err) = read_all(&mut r);
        assert_eq!(got.len(), data.len());
        assert_eq!(err, Some(io::ErrorKind::InvalidData));
        // and the end after it
        assert!(r.next_buffer(Vec::new()).unwrap().is_none());
    }

    #[test]
    fn buffers_end_at_line_ends_and_part_lines_move_on() {
        let line = b"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwx\n";
        let data: Vec<u8> = line.repeat(3 * CHUNK / line.len() + 5);
        let mut r = ahead(&data, 50_000, None);
        let (mut all, mut spent, mut buffers) = (Vec::new(), Vec::new(), 0);
        while let Some((b, n)) = r.next_buffer(spent).unwrap() {
            assert!(b[..n].ends_with(b"\n"), "buffer {buffers} ends mid-line");
            all.extend_from_slice(&b[..n]);
            spent = b;
            buffers += 1;
        }
        assert!(buffers > 3);
        assert!(all == data, "the bytes differ");
        // a line longer than a buffer comes in pieces, all of it
        let long = [vec![b'x'; CHUNK * 2 + 7], b"\nshort\n".to_vec()].concat();
        let (got, err) = read_all(&mut ahead(&long, 100_000, None));
        assert_eq!(err, None);
        assert!(got == long);
    }

    #[test]
    fn an_empty_reader_ends_at_once() {
        let (got, err) = read_all(&mut ahead(b"", 1, None));
        assert!(got.is_empty());
        assert_eq!(err, None);
    }

    #[test]
    fn dropping_it_half_read_stops_the_thread() {
        let data = vec![1u8; CHUNK * (CHUNKS + 4)];
        let mut r = ahead(&data, CHUNK, None);
        assert!(r.next_buffer(Vec::new()).unwrap().is_some());
        drop(r); // joins the thread: the test would hang if it did not stop
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn reads_as_the_reader_underneath(
            len in 0usize..3 * CHUNK,
            step in 1usize..70_000,
            fail in proptest::bool::ANY,
        ) {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
            let fail = fail.then_some(io::ErrorKind::UnexpectedEof);
            let (got, err) = read_all(&mut ahead(&data, step, fail));
            prop_assert!(got == data);
            prop_assert_eq!(err, fail);
        }
    }
}
