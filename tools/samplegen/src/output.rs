//! Log files on disk: rotation into `name`, `name.1`, `name.2.gz` …, gzip
//! members with an explicit mtime and no file name, line counting for the
//! ground truth, and a bounded reorder buffer for logs whose lines are written
//! in completion order (HAProxy logs a request when it ends).

use crate::time::{self, Us};
use flate2::{Compression, GzBuilder};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

/// One line of a small (in-memory) log.
pub struct Line {
    /// Time as written by the host (its clock), for order and rotation.
    pub ts: Us,
    /// Time the line states (what a reader would parse), for the truth.
    pub at: Us,
    /// True UTC time of the event, for the order of the story.
    pub true_at: Us,
    pub text: String,
    pub mark: Option<&'static str>,
    pub kind: Option<&'static str>,
}

impl Line {
    pub fn new(ts: Us, text: String) -> Line {
        Line {
            ts,
            at: time::floor_s(ts),
            true_at: ts,
            text,
            mark: None,
            kind: None,
        }
    }

    /// The same line, tagged with an event kind of the story.
    pub fn kinded(mut self, k: &'static str) -> Line {
        self.kind = Some(k);
        self
    }
}

/// Builder helpers on the last line pushed to a Vec<Line>.
pub trait Tag {
    fn kind(&mut self, k: &'static str) -> &mut Line;
    fn mark(&mut self, m: &'static str, k: &'static str) -> &mut Line;
}

impl Tag for Line {
    fn kind(&mut self, k: &'static str) -> &mut Line {
        self.kind = Some(k);
        self
    }
    fn mark(&mut self, m: &'static str, k: &'static str) -> &mut Line {
        self.mark = Some(m);
        self.kind = Some(k);
        self
    }
}

#[derive(Clone, serde::Serialize)]
pub struct FileEntry {
    pub path: String,
    pub format: &'static str,
    pub lines: u64,
}

#[derive(Clone, serde::Serialize)]
pub struct Mark {
    pub kind: String,
    pub file: String,
    pub line: u64,
    pub ts: String,
    pub text: String,
    #[serde(skip)]
    pub at: Us,
}

/// What a scenario run collects for its truth.json.
pub struct Ctx {
    pub dir: PathBuf,
    pub files: Vec<FileEntry>,
    pub marks: BTreeMap<&'static str, Mark>,
    pub kinds: BTreeMap<&'static str, Us>,
}

impl Ctx {
    pub fn new(dir: PathBuf) -> Ctx {
        Ctx {
            dir,
            files: Vec::new(),
            marks: BTreeMap::new(),
            kinds: BTreeMap::new(),
        }
    }

    /// Note that an event of kind `k` happened at true time `t`.
    pub fn note_kind(&mut self, k: &'static str, t: Us) {
        let e = self.kinds.entry(k).or_insert(t);
        *e = (*e).min(t);
    }

    fn record(&mut self, l: &Line, path: &str, lineno: u64) {
        if let Some(k) = l.kind {
            let e = self.kinds.entry(k).or_insert(l.true_at);
            *e = (*e).min(l.true_at);
        }
        if let Some(m) = l.mark {
            let new = Mark {
                kind: l.kind.unwrap_or("").to_string(),
                file: path.to_string(),
                line: lineno,
                ts: time::rfc3339_ms(l.at),
                text: l.text.clone(),
                at: l.at,
            };
            match self.marks.get(m) {
                Some(old) if old.at <= new.at => {}
                _ => {
                    self.marks.insert(m, new);
                }
            }
        }
    }
}

/// How a log is laid out on disk.
#[derive(Clone)]
pub struct Spec {
    /// Path relative to the scenario folder, e.g. "lb1/haproxy.log".
    pub rel: String,
    pub format: &'static str,
    /// Host-clock times at which the file was rotated (ascending).
    pub rotations: Vec<Us>,
    /// Rotated files numbered >= this are gzip'd (logrotate delaycompress: 2).
    pub gz_from: usize,
    /// Write the oldest gzip'd file as two concatenated gzip members, split at this time.
    pub split_at: Option<Us>,
}

impl Spec {
    pub fn plain(rel: impl Into<String>, format: &'static str) -> Spec {
        Spec {
            rel: rel.into(),
            format,
            rotations: Vec::new(),
            gz_from: 2,
            split_at: None,
        }
    }

    pub fn rotated(rel: impl Into<String>, format: &'static str, rotations: Vec<Us>) -> Spec {
        Spec {
            rotations,
            ..Spec::plain(rel, format)
        }
    }

    /// Compress rotated files from `.n` on.
    pub fn gz_from(mut self, n: usize) -> Spec {
        self.gz_from = n;
        self
    }

    pub fn split(mut self, at: Us) -> Spec {
        self.split_at = Some(at);
        self
    }

    fn seg_path(&self, seg: usize) -> String {
        let n = self.rotations.len() - seg;
        match n {
            0 => self.rel.clone(),
            n if n >= self.gz_from => format!("{}.{n}.gz", self.rel),
            n => format!("{}.{n}", self.rel),
        }
    }
}

enum Msg {
    Data(Vec<u8>),
    /// End the current gzip member; its mtime.
    Member(u32),
}

/// A gzip file compressed on its own thread.
struct GzFile {
    tx: Option<SyncSender<Msg>>,
    handle: Option<JoinHandle<io::Result<()>>>,
    buf: Vec<u8>,
}

const CHUNK: usize = 256 * 1024;

impl GzFile {
    fn create(path: &Path) -> io::Result<GzFile> {
        let file = File::create(path)?;
        let (tx, rx) = sync_channel::<Msg>(8);
        let handle = std::thread::spawn(move || -> io::Result<()> {
            let header = |w| {
                GzBuilder::new()
                    .mtime(0)
                    .operating_system(3)
                    .write(w, Compression::new(6))
            };
            let mut members: Vec<(u64, u32)> = Vec::new();
            let mut start = 0u64;
            let mut w = Some(BufWriter::with_capacity(CHUNK, file));
            let mut enc = None;
            for msg in rx {
                match msg {
                    Msg::Data(d) => {
                        if enc.is_none() {
                            let mut ww = w.take().expect("writer");
                            start = ww.stream_position()?;
                            enc = Some(header(ww));
                        }
                        enc.as_mut().expect("encoder").write_all(&d)?;
                    }
                    Msg::Member(mtime) => {
                        if let Some(e) = enc.take() {
                            w = Some(e.finish()?);
                            members.push((start, mtime));
                        }
                    }
                }
            }
            if let Some(e) = enc.take() {
                w = Some(e.finish()?);
            }
            let Some(w) = w else { return Ok(()) };
            let mut f = w.into_inner().map_err(|e| e.into_error())?;
            for (off, mtime) in members {
                f.seek(SeekFrom::Start(off + 4))?;
                f.write_all(&mtime.to_le_bytes())?;
            }
            f.flush()
        });
        Ok(GzFile {
            tx: Some(tx),
            handle: Some(handle),
            buf: Vec::with_capacity(CHUNK),
        })
    }

    fn write(&mut self, line: &[u8]) {
        self.buf.extend_from_slice(line);
        self.buf.push(b'\n');
        if self.buf.len() >= CHUNK {
            self.flush_buf();
        }
    }

    fn flush_buf(&mut self) {
        let d = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .as_ref()
            .expect("open")
            .send(Msg::Data(d))
            .expect("gzip thread");
    }

    fn end_member(&mut self, mtime: u32) {
        self.flush_buf();
        self.tx
            .as_ref()
            .expect("open")
            .send(Msg::Member(mtime))
            .expect("gzip thread");
    }

    fn close(mut self, mtime: u32) -> io::Result<()> {
        self.end_member(mtime);
        drop(self.tx.take());
        self.handle
            .take()
            .expect("thread")
            .join()
            .expect("gzip thread panicked")
    }
}

enum Seg {
    Plain(BufWriter<File>),
    Gz(GzFile),
}

/// A rotated log being written in time order.
pub struct LogFile {
    spec: Spec,
    seg: usize,
    cur: Option<(Seg, PathBuf)>,
    lines: u64,
    last_ts: Us,
    split_done: bool,
    entries: Vec<FileEntry>,
    dir: PathBuf,
}

fn mtime_secs(t: Us) -> u32 {
    u32::try_from(t.div_euclid(time::SEC)).unwrap_or(0)
}

impl LogFile {
    pub fn new(ctx: &Ctx, spec: Spec) -> LogFile {
        LogFile {
            spec,
            seg: 0,
            cur: None,
            lines: 0,
            last_ts: 0,
            split_done: false,
            entries: Vec::new(),
            dir: ctx.dir.clone(),
        }
    }

    fn close_seg(&mut self) -> io::Result<()> {
        if let Some((seg, path)) = self.cur.take() {
            match seg {
                Seg::Plain(mut w) => w.flush()?,
                Seg::Gz(g) => g.close(mtime_secs(self.last_ts))?,
            }
            let when = std::time::UNIX_EPOCH
                + std::time::Duration::from_secs(u64::from(mtime_secs(self.last_ts)));
            File::options()
                .write(true)
                .open(&path)?
                .set_modified(when)?;
            self.entries.push(FileEntry {
                path: self.spec.seg_path(self.seg),
                format: self.spec.format,
                lines: self.lines,
            });
        }
        Ok(())
    }

    /// Write one line (no trailing newline); returns (relative path, 1-based line number).
    pub fn write(&mut self, ts: Us, line: &[u8]) -> (String, u64) {
        let seg = self.spec.rotations.partition_point(|&r| r <= ts);
        if seg != self.seg || self.cur.is_none() {
            if seg != self.seg {
                self.close_seg().expect("close log");
                self.seg = seg;
            }
            let rel = self.spec.seg_path(seg);
            let path = self.dir.join(&rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            let w = if rel.ends_with(".gz") {
                Seg::Gz(GzFile::create(&path).expect("create gz"))
            } else {
                Seg::Plain(BufWriter::with_capacity(
                    CHUNK,
                    File::create(&path).expect("create"),
                ))
            };
            self.cur = Some((w, path));
            self.lines = 0;
            self.split_done = false;
        }
        let split = self.spec.split_at;
        let (w, _) = self.cur.as_mut().expect("open");
        match w {
            Seg::Plain(w) => {
                w.write_all(line).expect("write");
                w.write_all(b"\n").expect("write");
            }
            Seg::Gz(g) => {
                if let Some(at) = split
                    && !self.split_done
                    && ts >= at
                    && self.lines > 0
                {
                    g.end_member(mtime_secs(self.last_ts));
                    self.split_done = true;
                }
                g.write(line);
            }
        }
        self.lines += 1;
        self.last_ts = ts;
        (self.spec.seg_path(self.seg), self.lines)
    }

    pub fn finish(mut self, ctx: &mut Ctx) {
        self.close_seg().expect("close log");
        ctx.files.append(&mut self.entries);
    }
}

/// Write a small log whose lines are all in memory.
pub fn write_lines(ctx: &mut Ctx, spec: Spec, mut lines: Vec<Line>) {
    lines.sort_by_key(|l| l.ts);
    let mut f = LogFile::new(ctx, spec);
    for l in &lines {
        let (path, n) = f.write(l.ts, l.text.as_bytes());
        ctx.record(l, &path, n);
    }
    f.finish(ctx);
}

/// A streamed log: lines arrive in start order and are written in completion
/// order; a few pre-built lines (state changes, reloads) are merged in.
pub struct Stream {
    file: LogFile,
    heap: BinaryHeap<Reverse<(Us, u64, Vec<u8>)>>,
    seq: u64,
    side: Vec<Line>,
    side_pos: usize,
}

impl Stream {
    pub fn new(ctx: &Ctx, spec: Spec, mut side: Vec<Line>) -> Stream {
        side.sort_by_key(|l| l.ts);
        Stream {
            file: LogFile::new(ctx, spec),
            heap: BinaryHeap::new(),
            seq: 0,
            side,
            side_pos: 0,
        }
    }

    pub fn push(&mut self, ts: Us, line: Vec<u8>) {
        self.seq += 1;
        self.heap.push(Reverse((ts, self.seq, line)));
    }

    fn side_upto(&mut self, ctx: &mut Ctx, upto: Us) {
        while self.side_pos < self.side.len() && self.side[self.side_pos].ts <= upto {
            let l = &self.side[self.side_pos];
            let (path, n) = self.file.write(l.ts, l.text.as_bytes());
            ctx.record(l, &path, n);
            self.side_pos += 1;
        }
    }

    /// Write every buffered line that ends at or before `upto`.
    pub fn advance(&mut self, ctx: &mut Ctx, upto: Us) {
        while let Some(Reverse((ts, _, _))) = self.heap.peek() {
            if *ts > upto {
                break;
            }
            let Reverse((ts, _, line)) = self.heap.pop().expect("peeked");
            self.side_upto(ctx, ts);
            self.file.write(ts, &line);
        }
    }

    pub fn finish(mut self, ctx: &mut Ctx) {
        self.advance(ctx, Us::MAX);
        self.side_upto(ctx, Us::MAX);
        self.file.finish(ctx);
    }
}
