//! Property tests of the order stage: the merge of sorted sources is sorted, loses
//! nothing, and is stable on ties; the reorder window restores bounded disorder.

use std::sync::Arc;

use coroner::event::{Event, Severity, TimeFlags};
use coroner::merge::{kway, EventsCursor, Grave, Lines, LinesCursor, Reorder};
use proptest::prelude::*;

fn ev(ts: i64, source: u32, line: u64) -> Event {
    Event {
        ts,
        ts_prec: 0,
        ts_raw: String::new(),
        time: TimeFlags::default(),
        source_id: source,
        source: Arc::from("s"),
        line,
        format: Arc::from("f"),
        host: None,
        component: None,
        kind: Arc::from("log"),
        severity: Severity::Info,
        message: String::new(),
        raw: None,
        request: None,
        fields: Default::default(),
    }
}

proptest! {
    #[test]
    fn merge_of_sorted_sources_is_sorted_complete_and_stable(
        sources in prop::collection::vec(prop::collection::vec(0i64..50, 0..40), 1..6),
        batch in 1usize..7,
    ) {
        // Each source sorted by time; line numbers increase within a source.
        let streams: Vec<Vec<Event>> = sources.iter().enumerate().map(|(s, ts)| {
            let mut ts = ts.clone();
            ts.sort();
            ts.iter().enumerate().map(|(i, t)| ev(*t, s as u32, i as u64 + 1)).collect()
        }).collect();
        let total: usize = streams.iter().map(Vec::len).sum();
        let mut batches: Vec<std::vec::IntoIter<Vec<Event>>> = streams.iter().map(|s| {
            s.chunks(batch).map(|c| c.to_vec()).collect::<Vec<_>>().into_iter()
        }).collect();
        let mut out = Vec::new();
        kway(streams.len(), |i| batches[i].next().map(Vec::into_iter), |e: Event| { out.push((e.ts, e.source_id, e.line)); Ok::<(), ()>(()) }).unwrap();
        prop_assert_eq!(out.len(), total);
        let mut sorted = out.clone();
        sorted.sort();
        prop_assert_eq!(&out, &sorted);

        // Lent: the same events in the same order, and every batch back in its grave.
        let graves: Vec<Arc<Grave>> = streams.iter().map(|_| Arc::default()).collect();
        let mut batches: Vec<std::vec::IntoIter<Vec<Event>>> = streams.iter().map(|s| {
            s.chunks(batch).map(|c| c.to_vec()).collect::<Vec<_>>().into_iter()
        }).collect();
        let mut lent = Vec::new();
        kway(streams.len(), |i| batches[i].next().map(|b| EventsCursor::new(b, graves[i].clone())), |e: &Event| { lent.push((e.ts, e.source_id, e.line)); Ok::<(), ()>(()) }).unwrap();
        prop_assert_eq!(&lent, &out);
        for (g, s) in graves.iter().zip(&streams) {
            prop_assert_eq!(g.buried(), s.len());
            g.empty();
            prop_assert_eq!(g.buried(), 0);
        }
    }

    /// Lines written on the sources' threads merge as their events do, whatever their
    /// order within a source (a late event) and whether they are empty (left out).
    #[test]
    fn lines_merge_as_their_events(
        sources in prop::collection::vec(prop::collection::vec((0i64..50, any::<bool>()), 0..40), 1..6),
        batch in 1usize..7,
    ) {
        let streams: Vec<Vec<(Event, bool)>> = sources.iter().enumerate().map(|(s, ts)| {
            ts.iter().enumerate().map(|(i, (t, keep))| (ev(*t, s as u32, i as u64 + 1), *keep)).collect()
        }).collect();
        let mut by_events = Vec::new();
        let mut batches: Vec<_> = streams.iter().map(|s| {
            s.chunks(batch).map(|c| c.iter().map(|(e, _)| e.clone()).collect::<Vec<_>>()).collect::<Vec<_>>().into_iter()
        }).collect();
        kway(streams.len(), |i| batches[i].next().map(Vec::into_iter), |e: Event| {
            by_events.push(format!("{} {} {}", e.ts, e.source_id, e.line));
            Ok::<(), ()>(())
        }).unwrap();
        let kept: std::collections::HashSet<String> = streams.iter().flatten()
            .filter(|(_, keep)| *keep)
            .map(|(e, _)| format!("{} {} {}", e.ts, e.source_id, e.line))
            .collect();
        let mut lines: Vec<_> = streams.iter().map(|s| {
            s.chunks(batch).map(|c| {
                let mut l = Lines::default();
                for (e, keep) in c {
                    if *keep {
                        l.bytes.extend_from_slice(format!("{} {} {}", e.ts, e.source_id, e.line).as_bytes());
                    }
                    l.ends.push(((e.ts, e.source_id, e.line), l.bytes.len()));
                }
                LinesCursor::from(l)
            }).collect::<Vec<_>>().into_iter()
        }).collect();
        let mut by_lines = Vec::new();
        kway(streams.len(), |i| lines[i].next(), |l: &[u8]| {
            if !l.is_empty() {
                by_lines.push(String::from_utf8(l.to_vec()).unwrap());
            }
            Ok::<(), ()>(())
        }).unwrap();
        let expected: Vec<String> = by_events.into_iter().filter(|k| kept.contains(k)).collect();
        prop_assert_eq!(by_lines, expected);
    }

    /// Events of one line (the same time, source and line) leave in the order they
    /// came, whether they arrived in order or had to be put back.
    #[test]
    fn reorder_keeps_the_events_of_one_line_in_their_order(
        lines in prop::collection::vec((0i64..20, 1usize..4), 1..30),
    ) {
        let mut r = Reorder::new(5, 1_000_000);
        let mut out = Vec::new();
        for (n, (t, parts)) in lines.iter().enumerate() {
            for part in 0..*parts {
                let mut e = ev(*t, 0, n as u64 + 1);
                e.message = part.to_string();
                r.push(e, &mut out);
            }
        }
        r.finish(&mut out);
        for w in out.windows(2) {
            if w[0].line == w[1].line {
                prop_assert!(w[0].message < w[1].message, "{} then {}", w[0].message, w[1].message);
            }
        }
    }

    #[test]
    fn reorder_restores_disorder_within_the_window(
        ts in prop::collection::vec(0i64..1000, 0..200),
        jitter in prop::collection::vec(0i64..10, 200),
    ) {
        // True times sorted, arrival with up to 9 units of lateness: window 10 fixes it.
        let mut sorted = ts.clone();
        sorted.sort();
        let mut arrivals: Vec<(i64, i64, u64)> = sorted.iter().enumerate()
            .map(|(i, t)| (t + jitter[i % jitter.len()], *t, i as u64 + 1)).collect();
        arrivals.sort();
        let mut r = Reorder::new(10, 1_000_000);
        let mut out = Vec::new();
        for (_, t, line) in &arrivals {
            r.push(ev(*t, 0, *line), &mut out);
        }
        r.finish(&mut out);
        prop_assert_eq!(r.late, 0);
        let times: Vec<i64> = out.iter().map(|e| e.ts).collect();
        prop_assert_eq!(times, sorted);
    }
}

#[test]
fn late_lines_keep_their_true_time_and_are_counted() {
    let mut r = Reorder::new(5, 1_000);
    let mut out = Vec::new();
    for (t, line) in [(100, 1), (200, 2), (300, 3), (150, 4)] {
        r.push(ev(t, 0, line), &mut out);
    }
    r.finish(&mut out);
    assert_eq!(r.late, 1);
    // 150 came after the window had passed it (300 − 5): not a full window's doing.
    assert_eq!(r.crowded, 0);
    let late = out.iter().find(|e| e.line == 4).unwrap();
    assert_eq!(late.ts, 150, "never clamped to a neighbour");
    assert!(late.time.contains(TimeFlags::LATE));
}

/// A full window sends its oldest early, in order; a line that then comes behind them,
/// though within the window, is late and counted as the full window's doing.
#[test]
fn a_full_window_sends_its_oldest_early() {
    let mut r = Reorder::new(1_000, 10);
    let mut out = Vec::new();
    for i in 0..50 {
        r.push(ev(i, 0, i as u64 + 1), &mut out);
    }
    // All within the window, but it holds 10 at most.
    assert_eq!(out.len(), 40);
    assert!(out.windows(2).all(|w| w[0].ts <= w[1].ts));
    r.push(ev(30, 0, 51), &mut out);
    assert!(out.last().unwrap().time.contains(TimeFlags::LATE));
    // Within the window (49 − 1,000), late only because the full window sent 30 early.
    assert_eq!((r.late, r.crowded), (1, 1));
    r.finish(&mut out);
    assert_eq!(out.len(), 51);
}
