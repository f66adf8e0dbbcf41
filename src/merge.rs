//! Order: a bounded reorder window per source, then a k-way merge across sources.
//!
//! Guarantees: events leave a source in time order unless they arrive later than the
//! window allows (then they are flagged `late`, counted, and passed on at once with their
//! true time — never clamped); the merged stream is ordered by (time, source, line), so
//! the output is deterministic.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use crate::event::{Event, Nanos, TimeFlags};

/// An event ordered by (time, source, line).
struct ByTime(Event);

impl ByTime {
    fn key(&self) -> (Nanos, u32, u64) {
        (self.0.ts, self.0.source_id, self.0.line)
    }
}
impl PartialEq for ByTime {
    fn eq(&self, o: &Self) -> bool {
        self.key() == o.key()
    }
}
impl Eq for ByTime {}
impl PartialOrd for ByTime {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for ByTime {
    fn cmp(&self, o: &Self) -> Ordering {
        self.key().cmp(&o.key())
    }
}

/// Restores the order of one source's slightly out-of-order events.
pub struct Reorder {
    window: Nanos,
    max_held: usize,
    held: BinaryHeap<Reverse<ByTime>>,
    max_seen: Nanos,
    last_out: Nanos,
    /// Events that arrived before an earlier-stamped one (moved into place).
    pub reordered: u64,
    /// Events that arrived after the window had passed them (emitted out of order).
    pub late: u64,
}

impl Reorder {
    pub fn new(window: Nanos, max_held: usize) -> Self {
        Reorder {
            window,
            max_held: max_held.max(1),
            held: BinaryHeap::new(),
            max_seen: Nanos::MIN,
            last_out: Nanos::MIN,
            reordered: 0,
            late: 0,
        }
    }

    /// Takes an event; pushes onto `out` whatever can no longer be preceded.
    pub fn push(&mut self, mut ev: Event, out: &mut Vec<Event>) {
        if ev.ts < self.max_seen {
            ev.time.insert(TimeFlags::REORDERED);
            self.reordered += 1;
        }
        if ev.ts < self.last_out {
            ev.time.insert(TimeFlags::LATE);
            self.late += 1;
            out.push(ev);
            return;
        }
        self.max_seen = self.max_seen.max(ev.ts);
        self.held.push(Reverse(ByTime(ev)));
        let horizon = self.max_seen.saturating_sub(self.window);
        while let Some(Reverse(top)) = self.held.peek() {
            if top.0.ts > horizon && self.held.len() <= self.max_held {
                break;
            }
            self.pop_into(out);
        }
    }

    /// Flushes everything held, in order.
    pub fn finish(&mut self, out: &mut Vec<Event>) {
        while !self.held.is_empty() {
            self.pop_into(out);
        }
    }

    fn pop_into(&mut self, out: &mut Vec<Event>) {
        if let Some(Reverse(ByTime(ev))) = self.held.pop() {
            self.last_out = self.last_out.max(ev.ts);
            out.push(ev);
        }
    }
}

/// Merges per-source streams (each a sequence of batches) into one, by (time, source,
/// line). `next_batch(i)` returns source `i`'s next batch, or `None` at its end.
/// `sink` gets every event once; its error stops the merge.
pub fn kway<E>(
    sources: usize,
    mut next_batch: impl FnMut(usize) -> Option<Vec<Event>>,
    mut sink: impl FnMut(Event) -> Result<(), E>,
) -> Result<(), E> {
    let mut cursors: Vec<std::vec::IntoIter<Event>> = Vec::with_capacity(sources);
    let mut heap = BinaryHeap::new();
    for i in 0..sources {
        cursors.push(Vec::new().into_iter());
        if let Some(ev) = advance(i, &mut cursors, &mut next_batch) {
            heap.push(Reverse((ByTime(ev), i)));
        }
    }
    while let Some(Reverse((ByTime(ev), i))) = heap.pop() {
        sink(ev)?;
        if let Some(next) = advance(i, &mut cursors, &mut next_batch) {
            heap.push(Reverse((ByTime(next), i)));
        }
    }
    Ok(())
}

fn advance(
    i: usize,
    cursors: &mut [std::vec::IntoIter<Event>],
    next_batch: &mut impl FnMut(usize) -> Option<Vec<Event>>,
) -> Option<Event> {
    loop {
        if let Some(ev) = cursors[i].next() {
            return Some(ev);
        }
        cursors[i] = next_batch(i)?.into_iter();
    }
}
