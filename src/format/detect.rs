//! Which format a source is, from its first lines; and which format each line is.
//!
//! A format claims a line when one of its patterns matches and its timestamp parses.
//! The source's format is the one that claims the most of its first lines (ties: the one
//! that explains more fields). Lines are then tried against the formats seen, the most
//! specific first, and — for mixed streams — against every other format when none fits.

use std::sync::Arc;

use super::{LineView, Match, Registry, Reject};

/// How one format fared on a source's first lines.
#[derive(Clone, Debug)]
pub struct Score {
    pub format: usize,
    pub claimed: usize,
    /// The source's path matches the format's `path_hint`.
    pub hinted: bool,
    /// Mean fields explained per claimed line.
    pub strength: f64,
}

#[derive(Clone, Debug)]
pub struct Detection {
    /// Non-empty lines looked at.
    pub looked_at: usize,
    /// Formats that claimed at least one line, best first.
    pub scores: Vec<Score>,
    /// Set when the format was forced (`--log-format`).
    pub forced: Option<usize>,
}

impl Detection {
    /// The source's format: the forced one, else the one claiming the most lines.
    pub fn primary(&self) -> Option<usize> {
        self.forced
            .or_else(|| self.scores.first().map(|s| s.format))
    }

    /// Share of the lines looked at that the primary format claims.
    pub fn confidence(&self) -> f64 {
        match (self.scores.first(), self.looked_at) {
            (_, 0) | (None, _) => 0.0,
            (Some(s), n) => s.claimed as f64 / n as f64,
        }
    }
}

/// Scores every format of the registry on `lines` (inside their envelopes, if any).
/// `path` (the source's name) breaks ties through the formats' path hints.
pub fn detect(reg: &Registry, path: &str, lines: &[String], forced: Option<usize>) -> Detection {
    // Each line, and the line inside its envelope if it has one: a format claims the
    // line when it fits either.
    let views: Vec<(LineView<'_>, Option<LineView<'_>>)> = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let inner = reg.peel(l).map(|(_, r)| LineView::new(&l[r]));
            (LineView::new(l), inner)
        })
        .collect();
    let mut scores = Vec::new();
    for (i, f) in reg.formats().iter().enumerate() {
        if forced.is_some_and(|x| x != i) || f.is_envelope() {
            continue;
        }
        let (mut claimed, mut strength) = (0usize, 0usize);
        for (whole, inner) in &views {
            let fits =
                |v: &LineView<'_>| f.matches(v).filter(|m| m.time.is_ok()).map(|m| m.strength);
            if let Some(s) = inner.as_ref().and_then(fits).or_else(|| fits(whole)) {
                claimed += 1;
                strength += s;
            }
        }
        if claimed > 0 {
            scores.push(Score {
                format: i,
                claimed,
                hinted: f.hinted_by(path),
                strength: strength as f64 / claimed as f64,
            });
        }
    }
    scores.sort_by(|a, b| {
        b.claimed
            .cmp(&a.claimed)
            .then(b.hinted.cmp(&a.hinted))
            .then(b.strength.total_cmp(&a.strength))
            .then(a.format.cmp(&b.format))
    });
    Detection {
        looked_at: views.len(),
        scores,
        forced,
    }
}

/// Picks the format of each line of one source.
pub struct LineParser {
    reg: Arc<Registry>,
    /// Formats to try, most specific first.
    order: Vec<usize>,
    forced: bool,
}

impl LineParser {
    pub fn new(reg: Arc<Registry>, d: &Detection) -> Self {
        let order = match d.forced {
            Some(f) => vec![f],
            None => {
                let mut s = d.scores.clone();
                s.sort_by(|a, b| {
                    b.hinted
                        .cmp(&a.hinted)
                        .then(b.strength.total_cmp(&a.strength))
                        .then(a.format.cmp(&b.format))
                });
                s.into_iter().map(|s| s.format).collect()
            }
        };
        LineParser {
            reg,
            order,
            forced: d.forced.is_some(),
        }
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.reg
    }

    /// The format and match of a line: the first format (in order) whose pattern
    /// matches with a valid timestamp; failing that, every other format is tried (mixed
    /// input), and one that fits joins the order. A line matched only with a bad
    /// timestamp is rejected with that reason.
    pub fn parse<'a>(&mut self, view: &'a LineView<'a>) -> Result<(usize, Match<'a>), Reject> {
        let mut bad_time = None;
        for &f in &self.order {
            if let Some(m) = self.reg.formats()[f].matches(view) {
                match &m.time {
                    Ok(_) => return Ok((f, m)),
                    Err(e) => {
                        bad_time.get_or_insert_with(|| e.clone());
                    }
                }
            }
        }
        if !self.forced {
            for f in 0..self.reg.formats().len() {
                if self.order.contains(&f) || self.reg.formats()[f].is_envelope() {
                    continue;
                }
                if let Some(m) = self.reg.formats()[f].matches(view) {
                    if m.time.is_ok() {
                        self.order.push(f);
                        return Ok((f, m));
                    }
                    if let Err(e) = &m.time {
                        bad_time.get_or_insert_with(|| e.clone());
                    }
                }
            }
        }
        Err(bad_time.unwrap_or(Reject::NoFormat))
    }
}
