//! Order: a bounded reorder window per source, then a k-way merge across sources.
//!
//! Guarantees: events leave a source in time order unless they arrive later than the
//! window allows (then they are flagged `late`, counted, and passed on at once with their
//! true time — never clamped); the merged stream is ordered by (time, source, line), so
//! the output is deterministic. Events of the same time, source and line (the elements
//! of one line's array) keep the order they were read in.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};
use std::sync::{Arc, Mutex};

use crate::event::{Event, Nanos, TimeFlags};

/// Anything ordered by its event's (time, source, line).
pub trait Keyed {
    fn key(&self) -> Key;
}

impl Keyed for Event {
    fn key(&self) -> Key {
        (self.ts, self.source_id, self.line)
    }
}

/// An event already written out (by [`Reorder::push_with`]'s caller), with its place.
#[derive(Debug)]
pub struct Line {
    pub key: Key,
    pub text: Box<[u8]>,
}

impl Keyed for Line {
    fn key(&self) -> Key {
        self.key
    }
}

/// An item ordered by its key, then by its arrival (ties keep the order they came in:
/// the elements of one line's array, say).
struct ByKey<T>(T, u64);

impl<T: Keyed> ByKey<T> {
    fn order(&self) -> (Key, u64) {
        (self.0.key(), self.1)
    }
}

impl<T: Keyed> PartialEq for ByKey<T> {
    fn eq(&self, o: &Self) -> bool {
        self.order() == o.order()
    }
}
impl<T: Keyed> Eq for ByKey<T> {}
impl<T: Keyed> PartialOrd for ByKey<T> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<T: Keyed> Ord for ByKey<T> {
    fn cmp(&self, o: &Self) -> Ordering {
        self.order().cmp(&o.order())
    }
}

/// Restores the order of one source's slightly out-of-order events (or of what they
/// were made into on arrival).
pub struct Reorder<T = Event> {
    window: Nanos,
    max_held: usize,
    /// What arrived in order, oldest first: most of a log, held and released with no
    /// heap work.
    run: VecDeque<T>,
    /// What arrived before something later than it, numbered by arrival.
    held: BinaryHeap<Reverse<ByKey<T>>>,
    arrivals: u64,
    max_seen: Nanos,
    last_out: Nanos,
    /// Events that arrived before an earlier-stamped one (moved into place).
    pub reordered: u64,
    /// Events that arrived after the window had passed them (emitted out of order).
    pub late: u64,
    /// Of those, the ones that arrived within the window: it had sent later events
    /// early, holding all it may.
    pub crowded: u64,
}

impl<T: Keyed> Reorder<T> {
    pub fn new(window: Nanos, max_held: usize) -> Self {
        Reorder {
            window,
            max_held: max_held.max(1),
            run: VecDeque::new(),
            held: BinaryHeap::new(),
            arrivals: 0,
            max_seen: Nanos::MIN,
            last_out: Nanos::MIN,
            reordered: 0,
            late: 0,
            crowded: 0,
        }
    }

    /// Whether the window holds more than it may.
    fn over(&self) -> bool {
        self.run.len() + self.held.len() > self.max_held
    }

    /// Takes an event of time `ts`, as `make` makes it given the flags its arrival
    /// earns (reordered, late); pushes onto `out` whatever can no longer be preceded.
    pub fn push_with(&mut self, ts: Nanos, make: impl FnOnce(TimeFlags) -> T, out: &mut Vec<T>) {
        let mut flags = TimeFlags::default();
        if ts < self.max_seen {
            flags.insert(TimeFlags::REORDERED);
            self.reordered += 1;
        }
        if ts < self.last_out {
            flags.insert(TimeFlags::LATE);
            self.late += 1;
            // Released by time alone, everything sent is older than the window: a late
            // event within it came after events sent early, the window being full.
            self.crowded += u64::from(ts >= self.max_seen.saturating_sub(self.window));
            out.push(make(flags));
            return;
        }
        self.max_seen = self.max_seen.max(ts);
        let item = make(flags);
        if self.run.back().is_none_or(|last| last.key() <= item.key()) {
            self.run.push_back(item);
        } else {
            self.arrivals += 1;
            self.held.push(Reverse(ByKey(item, self.arrivals)));
        }
        let horizon = self.max_seen.saturating_sub(self.window);
        while let Some((first, _)) = self.first() {
            if first.0 > horizon && !self.over() {
                break;
            }
            self.pop_into(out);
        }
    }

    /// Flushes everything held, in order.
    pub fn finish(&mut self, out: &mut Vec<T>) {
        while self.first().is_some() {
            self.pop_into(out);
        }
    }

    /// The key of the first item held, and whether it waits in the queue (else in the
    /// heap). On a tie the queue's goes first: it arrived first.
    fn first(&self) -> Option<(Key, bool)> {
        let run = self.run.front().map(Keyed::key);
        let heap = self.held.peek().map(|Reverse(ByKey(t, _))| t.key());
        match (run, heap) {
            (Some(r), Some(h)) => Some(if r <= h { (r, true) } else { (h, false) }),
            (Some(r), None) => Some((r, true)),
            (None, h) => h.map(|h| (h, false)),
        }
    }

    fn pop_into(&mut self, out: &mut Vec<T>) {
        let item = match self.first() {
            Some((_, true)) => self.run.pop_front(),
            Some((_, false)) => self.held.pop().map(|Reverse(ByKey(t, _))| t),
            None => None,
        };
        if let Some(item) = item {
            self.last_out = self.last_out.max(item.key().0);
            out.push(item);
        }
    }
}

impl Reorder<Event> {
    /// Takes an event; pushes onto `out` whatever can no longer be preceded.
    pub fn push(&mut self, mut ev: Event, out: &mut Vec<Event>) {
        self.push_with(
            ev.ts,
            |flags| {
                ev.time.insert(flags);
                ev
            },
            out,
        );
    }
}

/// An event's place in the merged stream: (time, source, line).
pub type Key = (Nanos, u32, u64);

/// A batch being read by the merge: the key of its next item, and the item.
pub trait Cursor {
    type Item<'a>
    where
        Self: 'a;
    /// The next item's key, `None` when the batch is spent.
    fn peek(&self) -> Option<Key>;
    /// Takes the next item (there is one: [`Cursor::peek`] said so).
    fn take(&mut self) -> Option<Self::Item<'_>>;
}

impl Cursor for std::vec::IntoIter<Event> {
    type Item<'a> = Event;
    fn peek(&self) -> Option<Key> {
        self.as_slice().first().map(Keyed::key)
    }
    fn take(&mut self) -> Option<Event> {
        self.next()
    }
}

/// Spent batches of events on their way back to the thread that built them, to be freed
/// there. glibc's `free` of memory another thread allocated takes that thread's arena
/// lock, and an event is some thirty allocations: freed by the merge, the two threads
/// queued on the lock (on 100 k nginx error lines, 10 k futex calls; freed here, the
/// run's CPU time fell by 40%).
#[derive(Default)]
pub struct Grave(Mutex<Vec<Vec<Event>>>);

impl Grave {
    /// A spent batch, to be freed by [`Grave::empty`].
    pub fn bury(&self, batch: Vec<Event>) {
        if let Ok(mut v) = self.0.lock() {
            v.push(batch);
        }
    }

    /// Events buried and not yet freed.
    pub fn buried(&self) -> usize {
        self.0.lock().map_or(0, |v| v.iter().map(Vec::len).sum())
    }

    /// Frees the batches buried since last time (on the thread that built them).
    pub fn empty(&self) {
        let spent = self.0.lock().map(|mut v| std::mem::take(&mut *v));
        drop(spent);
    }
}

/// A batch of events lent to the merge's sink one by one; spent, it goes to its
/// [`Grave`].
pub struct EventsCursor {
    batch: Vec<Event>,
    next: usize,
    grave: Arc<Grave>,
}

impl EventsCursor {
    pub fn new(batch: Vec<Event>, grave: Arc<Grave>) -> Self {
        EventsCursor {
            batch,
            next: 0,
            grave,
        }
    }
}

impl Drop for EventsCursor {
    fn drop(&mut self) {
        self.grave.bury(std::mem::take(&mut self.batch));
    }
}

impl Cursor for EventsCursor {
    type Item<'a> = &'a Event;
    fn peek(&self) -> Option<Key> {
        self.batch.get(self.next).map(Keyed::key)
    }
    fn take(&mut self) -> Option<&Event> {
        self.next += 1;
        self.batch.get(self.next - 1)
    }
}

/// Events already written as lines, on their source's thread: each line's key and
/// where it ends in `bytes`.
#[derive(Default)]
pub struct Lines {
    pub ends: Vec<(Key, usize)>,
    pub bytes: Vec<u8>,
}

/// Spent [`Lines`], kept for the threads that fill them: a batch's buffer is reused,
/// not freed by the merge and mapped afresh (and zeroed) by the next batch.
#[derive(Default)]
pub struct LinePool(Mutex<Vec<Lines>>);

/// Buffers a pool keeps, at most.
const POOLED: usize = 16;

impl LinePool {
    /// An empty batch, with the room of a spent one when there is one.
    pub fn take(&self) -> Lines {
        self.0
            .lock()
            .map(|mut v| v.pop())
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    fn give(&self, mut lines: Lines) {
        lines.ends.clear();
        lines.bytes.clear();
        if let Ok(mut v) = self.0.lock() {
            if v.len() < POOLED {
                v.push(lines);
            }
        }
    }
}

/// [`Lines`] being read; spent, they go back to their pool.
pub struct LinesCursor {
    lines: Lines,
    next: usize,
    pool: Option<Arc<LinePool>>,
}

impl LinesCursor {
    pub fn pooled(lines: Lines, pool: Arc<LinePool>) -> Self {
        LinesCursor {
            lines,
            next: 0,
            pool: Some(pool),
        }
    }
}

impl From<Lines> for LinesCursor {
    fn from(lines: Lines) -> Self {
        LinesCursor {
            lines,
            next: 0,
            pool: None,
        }
    }
}

impl Drop for LinesCursor {
    fn drop(&mut self) {
        if let Some(pool) = &self.pool {
            pool.give(std::mem::take(&mut self.lines));
        }
    }
}

impl Cursor for LinesCursor {
    type Item<'a> = &'a [u8];
    fn peek(&self) -> Option<Key> {
        self.lines.ends.get(self.next).map(|(k, _)| *k)
    }
    fn take(&mut self) -> Option<&[u8]> {
        let (_, end) = *self.lines.ends.get(self.next)?;
        let start = self.next.checked_sub(1).map_or(0, |p| self.lines.ends[p].1);
        self.next += 1;
        self.lines.bytes.get(start..end)
    }
}

/// Merges per-source streams (each a sequence of batches) into one, by (time, source,
/// line). `next_batch(i)` returns source `i`'s next batch, or `None` at its end.
/// `sink` gets every item once; its error stops the merge.
pub fn kway<C: Cursor, E>(
    sources: usize,
    mut next_batch: impl FnMut(usize) -> Option<C>,
    mut sink: impl FnMut(C::Item<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let mut cursors: Vec<Option<C>> = (0..sources).map(|_| None).collect();
    // The next key of each source still going, with the source.
    let mut heap = BinaryHeap::new();
    for i in 0..sources {
        if let Some(k) = advance(i, &mut cursors, &mut next_batch) {
            heap.push(Reverse((k, i)));
        }
    }
    while let Some(Reverse((_, i))) = heap.pop() {
        if let Some(item) = cursors[i].as_mut().and_then(C::take) {
            sink(item)?;
        }
        if let Some(k) = advance(i, &mut cursors, &mut next_batch) {
            heap.push(Reverse((k, i)));
        }
    }
    Ok(())
}

/// The key of source `i`'s next item, reading its next batch when one is spent.
fn advance<C: Cursor>(
    i: usize,
    cursors: &mut [Option<C>],
    next_batch: &mut impl FnMut(usize) -> Option<C>,
) -> Option<Key> {
    loop {
        if let Some(k) = cursors[i].as_ref().and_then(C::peek) {
            return Some(k);
        }
        cursors[i] = Some(next_batch(i)?);
    }
}
