//! Which format a source is, from its first lines; and which format each line is.
//!
//! A format claims a line when one of its patterns matches and its timestamp parses.
//! The source's format is the one that claims the most of its first lines (ties: the one
//! its path names, then the one that explains more fields). Lines are then tried against the formats seen, the most
//! specific first, and — for mixed streams — against every other format when none fits.

use std::sync::Arc;

use super::{DefKind, Header, LineView, Match, Registry, Reject};

/// Are header directives source state here: a delimited format is known (and no other
/// format is forced)?
fn reads_headers(reg: &Registry, forced: Option<usize>) -> bool {
    reg.reads_headers() && forced.is_none_or(|f| reg.formats()[f].kind == DefKind::Delimited)
}

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
/// `path` (the source's name) breaks ties through the formats' path hints. Header
/// directives (`#fields`…) are source state: each line is judged with the header in force
/// where it stands, and the directives themselves are claimed by the delimited formats.
pub fn detect(reg: &Registry, path: &str, lines: &[String], forced: Option<usize>) -> Detection {
    let reads_headers = reads_headers(reg, forced);
    let mut headers = vec![Header::default()];
    let mut current = Header::default();
    let mut changed = false;
    // each non-blank line, with the index of its header (`None`: it is a directive)
    let mut at: Vec<(&str, Option<usize>)> = Vec::new();
    for l in lines.iter().filter(|l| !l.trim().is_empty()) {
        if reads_headers && current.apply(l) {
            changed = true;
            at.push((l, None));
            continue;
        }
        if changed {
            headers.push(current.clone());
            changed = false;
        }
        at.push((l, Some(headers.len() - 1)));
    }
    let directives = at.iter().filter(|(_, h)| h.is_none()).count();
    // Each line, and the line inside its envelope if it has one: a format claims the
    // line when it fits either.
    let views: Vec<(LineView<'_>, Option<LineView<'_>>)> = at
        .iter()
        .filter_map(|&(l, h)| {
            let h = &headers[h?];
            let inner = reg.peel(l).map(|(_, r)| LineView::with_header(&l[r], h));
            Some((LineView::with_header(l, h), inner))
        })
        .collect();
    let mut scores = Vec::new();
    for (i, f) in reg.formats().iter().enumerate() {
        if forced.is_some_and(|x| x != i) || f.is_envelope() {
            continue;
        }
        let (mut claimed, mut strength) = (0usize, 0usize);
        for (whole, inner) in &views {
            let fits = |v: &LineView<'_>| {
                f.matches(v)
                    .filter(|m| m.time.is_ok())
                    .map(|m| m.strength())
            };
            if let Some(s) = inner.as_ref().and_then(fits).or_else(|| fits(whole)) {
                claimed += 1;
                strength += s;
            }
        }
        if f.kind == DefKind::Delimited && reads_headers {
            claimed += directives;
            strength += directives;
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
        looked_at: at.len(),
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
    /// The source's delimited header, when directives are read (see [`Header`]).
    header: Arc<Header>,
    reads_headers: bool,
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
            reads_headers: reads_headers(&reg, d.forced),
            reg,
            order,
            forced: d.forced.is_some(),
            header: Arc::new(Header::default()),
        }
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.reg
    }

    /// If `text` is a header directive (`#fields…`), it becomes part of the source's
    /// header (a `#separator` starts a new one) and true is returned: the line is read.
    pub fn directive(&mut self, text: &str) -> bool {
        self.reads_headers && text.starts_with('#') && Arc::make_mut(&mut self.header).apply(text)
    }

    /// The header in force: view the source's lines with it.
    pub fn header(&self) -> Arc<Header> {
        self.header.clone()
    }

    /// The format and match of a line: the first format (in order) whose pattern
    /// matches with a valid timestamp; failing that, every other format is tried (mixed
    /// input), and one that fits joins the order. A line matched only with a bad
    /// timestamp is rejected with that reason.
    /// The format tried first (the lean lane's: see [`super::Format::lean_fast`]).
    pub fn first(&self) -> Option<usize> {
        self.order.first().copied()
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    /// The format detected for a source named `path` whose first 200 lines (what a scan
    /// looks at) are those of the corpus file `file`.
    fn primary(path: &str, file: &str) -> String {
        let reg = Registry::builtin().unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        let lines: Vec<String> = std::fs::read_to_string(dir.join(file))
            .unwrap()
            .lines()
            .take(200)
            .map(str::to_string)
            .collect();
        let d = detect(&reg, path, &lines, None);
        reg.formats()[d.primary().unwrap()].id.to_string()
    }

    /// A combined log, which Apache's and nginx's definitions read alike, is the one its
    /// path names, and named for neither, Apache's (the first); Apache's own additions (a
    /// vhost prefix, a duration) make it Apache's unless its path names nginx. Both are
    /// read by tokenizers.
    #[test]
    fn a_combined_log_is_the_format_its_path_names() {
        let combined = "apache_access/generated-apache-2.4.71-combined.log";
        assert_eq!(
            primary("/var/log/nginx/access.log", combined),
            "nginx_access"
        );
        assert_eq!(
            primary("/var/log/apache2/access.log", combined),
            "apache_access"
        );
        assert_eq!(primary("access.log", combined), "apache_access");
        let vhost = "apache_access/generated-apache-2.4.71-vhost-combined-usec.log";
        assert_eq!(primary("access.log", vhost), "apache_access");
        assert_eq!(primary("/var/log/nginx/access.log", vhost), "nginx_access");
    }
}
