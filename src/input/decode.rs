//! Opening a source and decoding it by magic bytes (never by name): gzip (every member of
//! a multi-member file), zstd, or plain text.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use flate2::bufread::MultiGzDecoder;

use super::{Input, InputKind};
use crate::event::Nanos;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "plain",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// An opened source: a decoded byte stream and what was learned while opening it.
pub struct Opened {
    pub reader: Box<dyn Read + Send>,
    pub compression: Compression,
    /// Compressed (on-disk) bytes consumed so far: the offset in damage reports.
    pub raw_offset: Arc<AtomicU64>,
    /// The gzip header's mtime, when set.
    pub gzip_mtime: Option<Nanos>,
    /// The file's mtime, when it is a file.
    pub file_mtime: Option<Nanos>,
}

/// Counts the bytes read through it, and adds them to the run's progress counter.
struct Counting<R> {
    inner: R,
    offset: Arc<AtomicU64>,
    progress: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.offset.fetch_add(n as u64, Ordering::Relaxed);
        self.progress.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// Opens an input and picks its decoder from the first bytes.
pub fn open(input: &Input, progress: Arc<AtomicU64>) -> io::Result<Opened> {
    let raw_offset = Arc::new(AtomicU64::new(0));
    let (inner, file_mtime): (Box<dyn Read + Send>, Option<Nanos>) = match &input.kind {
        InputKind::Stdin => (Box::new(io::stdin()), None),
        InputKind::Bytes(b) => (Box::new(io::Cursor::new(b.clone())), None),
        InputKind::File(path) => {
            let f = File::open(path)?;
            let mtime = f
                .metadata()
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos() as Nanos);
            (Box::new(f), mtime)
        }
    };
    let mut counting = Counting {
        inner,
        offset: raw_offset.clone(),
        progress,
    };
    let head = read_head(&mut counting)?;
    let (compression, gzip_mtime) = if head.starts_with(&GZIP_MAGIC) {
        let mtime = head
            .get(4..8)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .filter(|&t| t != 0)
            .map(|t| t as Nanos * 1_000_000_000);
        (Compression::Gzip, mtime)
    } else if head.starts_with(&ZSTD_MAGIC) {
        (Compression::Zstd, None)
    } else {
        (Compression::None, None)
    };
    let stream = io::Cursor::new(head).chain(counting);
    let reader: Box<dyn Read + Send> = match compression {
        Compression::Gzip => Box::new(MultiGzDecoder::new(BufReader::with_capacity(
            128 * 1024,
            stream,
        ))),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(stream)?),
        Compression::None => Box::new(stream),
    };
    Ok(Opened {
        reader,
        compression,
        raw_offset,
        gzip_mtime,
        file_mtime,
    })
}

/// Reads the first bytes (enough for any magic and the gzip mtime), even from a pipe
/// that delivers them one at a time.
fn read_head<R: Read>(r: &mut R) -> io::Result<Vec<u8>> {
    let mut head = vec![0u8; 10];
    let mut got = 0;
    while got < head.len() {
        match r.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    head.truncate(got);
    Ok(head)
}
