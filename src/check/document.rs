//! A postmortem, read for what it claims: the stated window (start and end), how long
//! the outage lasted, the times to detect or resolve, shares and counts of users and
//! requests, the timeline entries and the named root cause — each with its line.
//!
//! Consumes Markdown or plain text in the shapes of `tests/seeds/`; guarantees every
//! claim's time is a UTC instant, placed by stated rules (see [`Placing`]) and marked
//! `dated: false` when no date could be found for it. Nothing here panics on any text.

use std::sync::LazyLock;

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone};
use chrono_tz::Tz;
use regex::Regex;

use super::clock::{dates, times, zones, Clock, Day, Hit, Zone};
use crate::event::Nanos;

/// How sure the writer was: `approximately 16 hours`, `over 1,500`, `nearly 120,000`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Hedge {
    Exact,
    About,
    AtLeast,
    AtMost,
}

/// A number as written: its value, the finest step it was written to, and its hedge.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Amount {
    pub value: f64,
    /// Seconds for durations (`16 hours` → 3600), else 0.
    pub precision: f64,
    pub hedge: Hedge,
}

/// A point in time as the document states it, on the UTC clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stamp {
    pub ns: Nanos,
    /// False when the document gave no date for it (and no logs did): the day is a
    /// placeholder and only the order and the spans between times mean anything.
    pub dated: bool,
    /// How finely it was written: 60 s for `10:00 PM`, 3600 s for `10 PM`.
    pub precision_s: i64,
    pub about: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Population {
    /// Users, customers, clients (the logs count client keys: IPs).
    Users,
    Requests,
    FailedRequests,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Detect,
    Acknowledge,
    Mitigate,
    Resolve,
}

/// What a timeline entry says happened, read from its words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Trigger,
    ImpactStart,
    Detected,
    Acknowledged,
    Escalated,
    Mitigated,
    Resolved,
}

#[derive(Clone, Debug, PartialEq)]
pub enum What {
    /// The stated start of the outage.
    Start(Stamp),
    /// The stated end.
    End(Stamp),
    /// How long the outage lasted.
    Duration(Amount),
    /// Time from the start to a phase (`Time to detect: 5 minutes`).
    Elapsed(Phase, Amount),
    /// A percentage of a population; with `N of M` in the same line when written.
    Share {
        population: Population,
        percent: Amount,
        of_counts: Option<(f64, f64)>,
    },
    /// A count of a population; `whole` when written as `N of M`.
    Count {
        population: Population,
        value: Amount,
        whole: Option<f64>,
    },
    /// A timeline entry.
    Entry {
        at: Stamp,
        text: String,
        role: Option<Role>,
    },
    /// The named root cause.
    Cause(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Claim {
    /// 1-based line in the document.
    pub line: usize,
    /// The words of the claim, as written (emphasis removed).
    pub quote: String,
    pub what: What,
}

/// Where the zone of the document's times came from.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneFrom {
    /// Named in the document (`UTC`, `(GMT)`, `PST`).
    Document,
    /// `--tz`.
    Option,
    /// Nothing said: UTC assumed.
    Assumed,
}

#[derive(Clone, Debug)]
pub struct Document {
    pub lines: usize,
    pub claims: Vec<Claim>,
    /// The zone used for times that name none, and where it came from.
    pub zone: String,
    pub zone_from: ZoneFrom,
    /// What was assumed to read it (zone, dates), for the reader.
    pub notes: Vec<String>,
}

/// Why a document cannot be read at all.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DocumentError {
    #[error("the postmortem is empty")]
    Empty,
    #[error("the postmortem is not text (a binary file?): {0}")]
    Binary(String),
}

/// The rules for placing a time that carries no date or zone on the UTC clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct Placing {
    /// `--tz`: the zone of times when the document names none.
    pub tz: Option<Tz>,
    /// The logs' incident start: the date of times no preceding date in the document
    /// covers.
    pub anchor: Option<Nanos>,
}

/// Decodes the bytes of a postmortem: UTF-8 text, a BOM allowed; binary refused.
pub fn decode(bytes: &[u8]) -> Result<String, DocumentError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(DocumentError::Empty);
    }
    if bytes.contains(&0) {
        return Err(DocumentError::Binary("it contains NUL bytes".into()));
    }
    let text = String::from_utf8_lossy(bytes);
    let bad = text.chars().filter(|c| *c == '\u{FFFD}').count();
    let controls = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
        .count();
    let n = text.chars().count().max(1);
    if (bad + controls) * 20 > n {
        return Err(DocumentError::Binary(format!(
            "{} of its {n} characters are not text",
            bad + controls
        )));
    }
    Ok(text.into_owned())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Section {
    Other,
    Summary,
    Impact,
    Timeline,
    Cause,
    /// Lessons, corrective measures, tasks: what will be done, not what happened.
    Followup,
}

fn section_of(heading: &str) -> Option<Section> {
    let h = heading.to_lowercase();
    Some(if h.contains("timeline") || h.contains("chronology") {
        Section::Timeline
    } else if h.contains("root cause") || h.contains("cause analysis") {
        Section::Cause
    } else if [
        "lesson",
        "corrective",
        "preventa",
        "action item",
        "task",
        "follow",
        "improve",
    ]
    .iter()
    .any(|k| h.contains(k))
    {
        Section::Followup
    } else if h.contains("impact") {
        Section::Impact
    } else if h.contains("summary") || h.contains("duration") || h.contains("date and time") {
        Section::Summary
    } else if h.contains("resolution") || h.contains("recovery") || h.contains("detail") {
        Section::Other
    } else {
        return None;
    })
}

static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(?:[-*+•]\s+|\d+[.)]\s+)?(?:#{1,6}\s*)?([A-Za-z][A-Za-z /&()'-]{0,40}?)\s*:\s*(.*)$",
    )
    .expect("regex")
});
static BULLET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:[-*+•]\s+|\d+[.)]\s+)?").expect("regex"));
static DURATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)(\d+(?:\.\d+)?)(?:\s+|-)(days?|hours?|hrs?|minutes?|mins?|seconds?|secs?)\b
          | (\d+(?:\.\d+)?)([dhms])\b",
    )
    .expect("regex")
});
static PERCENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(\d+(?:\.\d+)?)\s*(?:%|percent\b)").expect("regex"));
static SHARE_OF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:of\s+(?:(?:the|our|all|active|total|incoming|affected|api)\s+)*)?(users|customers|clients|visitors|people|accounts|requests|calls|traffic|sign-ins|logins)\b")
        .expect("regex")
});
const NUMBER: &str = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(\s*(?:k|thousand|million|m)\b)?";
const NOUN: &str = r"((?:[a-z-]+\s+){0,2}?)(users|customers|clients|visitors|people|accounts|requests|calls|transactions|sign-ins|logins|errors|failures)\b";
static COUNT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"(?i){NUMBER}\s+{NOUN}")).expect("regex"));
static PART_OF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i){NUMBER}\s+(?:out\s+)?of\s+(?:the\s+|all\s+)?{NUMBER}\s+{NOUN}"
    ))
    .expect("regex")
});

const OUTAGE_WORDS: &[&str] = &[
    "outage",
    "disruption",
    "downtime",
    "down ",
    "inaccessible",
    "unavailable",
    "lasted",
    "lasting",
    "incident",
    "impact",
    "degrad",
    "interruption",
    "offline",
];
const FAILURE_WORDS: &[&str] = &[
    "fail",
    "error",
    "5xx",
    "503",
    "502",
    "504",
    "timeout",
    "timed out",
    "dropped",
    "lost",
    "rejected",
    "never arrived",
];

/// The hedge written just before `start` (`approximately`, `~`, `over`, `nearly`…) and
/// where its words begin.
fn hedge_at(line: &str, start: usize) -> (Hedge, usize) {
    const WORDS: &[(&str, Hedge)] = &[
        ("approximately", Hedge::About),
        ("approx.", Hedge::About),
        ("approx", Hedge::About),
        ("about", Hedge::About),
        ("around", Hedge::About),
        ("roughly", Hedge::About),
        ("circa", Hedge::About),
        ("some", Hedge::About),
        ("estimated", Hedge::About),
        ("nearly", Hedge::About),
        ("almost", Hedge::About),
        ("close to", Hedge::About),
        ("~", Hedge::About),
        ("≈", Hedge::About),
        ("more than", Hedge::AtLeast),
        ("at least", Hedge::AtLeast),
        ("upwards of", Hedge::AtLeast),
        ("in excess of", Hedge::AtLeast),
        ("over", Hedge::AtLeast),
        ("less than", Hedge::AtMost),
        ("fewer than", Hedge::AtMost),
        ("at most", Hedge::AtMost),
        ("up to", Hedge::AtMost),
        ("under", Hedge::AtMost),
    ];
    // ASCII lower-casing keeps byte offsets.
    let before = line[..start].trim_end().to_ascii_lowercase();
    for (w, h) in WORDS {
        if before.ends_with(w) {
            let at = before.len() - w.len();
            let boundary = before[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric());
            if boundary || !w.chars().all(char::is_alphabetic) {
                return (*h, at);
            }
        }
    }
    (Hedge::Exact, start)
}

fn hedge_before(line: &str, start: usize) -> Hedge {
    hedge_at(line, start).0
}

/// Where a hedge word starts before `start`, to quote it with the number.
fn hedge_start(line: &str, start: usize) -> usize {
    hedge_at(line, start).1
}

fn number(text: &str, scale: Option<&str>) -> Option<f64> {
    let v: f64 = text.replace(',', "").parse().ok()?;
    let k = match scale.map(|s| s.trim().to_lowercase()) {
        Some(s) if s == "k" || s == "thousand" => 1e3,
        Some(s) if s == "m" || s == "million" => 1e6,
        _ => 1.0,
    };
    Some(v * k)
}

fn unit_seconds(unit: &str) -> f64 {
    match unit.to_ascii_lowercase().chars().next() {
        Some('d') => 86_400.0,
        Some('h') => 3_600.0,
        Some('m') => 60.0,
        _ => 1.0,
    }
}

/// The durations written in `line` (`approximately 16 hours`, `2h 30m`, `90-minute`,
/// `1 hour and 30 minutes`): (start, end, amount).
pub fn durations(line: &str) -> Vec<(usize, usize, Amount)> {
    let mut parts: Vec<(usize, usize, f64, f64)> = Vec::new();
    for c in DURATION.captures_iter(line) {
        let m = c.get(0).expect("match");
        if line[..m.start()]
            .chars()
            .next_back()
            .is_some_and(|ch| ch.is_alphanumeric() || ch == '.' || ch == ':' || ch == ',')
        {
            continue;
        }
        let (num, unit) = match (c.get(1), c.get(2), c.get(3), c.get(4)) {
            (Some(n), Some(u), _, _) | (_, _, Some(n), Some(u)) => (n.as_str(), u.as_str()),
            _ => continue,
        };
        let Ok(v) = num.parse::<f64>() else { continue };
        let unit_s = unit_seconds(unit);
        parts.push((m.start(), m.end(), v * unit_s, unit_s));
    }
    let mut out: Vec<(usize, usize, Amount)> = Vec::new();
    for (s, e, secs, step) in parts {
        if let Some(last) = out.last_mut() {
            let gap = line[last.1..s].trim().trim_matches(',').trim();
            if gap.is_empty() || gap.eq_ignore_ascii_case("and") {
                last.1 = e;
                last.2.value += secs;
                last.2.precision = last.2.precision.min(step);
                continue;
            }
        }
        out.push((
            s,
            e,
            Amount {
                value: secs,
                precision: step,
                hedge: hedge_before(line, s),
            },
        ));
    }
    out
}

/// The percentages of a known population written in `line`.
pub fn shares(line: &str) -> Vec<(usize, usize, Population, Amount)> {
    let lower = line.to_ascii_lowercase();
    let failing = FAILURE_WORDS.iter().any(|w| lower.contains(w));
    let mut out = Vec::new();
    for c in PERCENT.captures_iter(line) {
        let m = c.get(0).expect("match");
        let Some(v) = c.get(1).and_then(|x| x.as_str().parse::<f64>().ok()) else {
            continue;
        };
        let after = &line[m.end()..];
        let before = lower[..m.start()].trim_end();
        let rate_before = ["error rate", "failure rate", "error-rate"]
            .iter()
            .any(|k| {
                before.ends_with(k) || before.rsplit_once(k).is_some_and(|(_, gap)| gap.len() < 16)
            });
        let (population, end) = match SHARE_OF.captures(after) {
            Some(p) => {
                let noun = p[1].to_lowercase();
                let end = m.end() + p.get(0).expect("match").end();
                if ["requests", "calls", "traffic", "sign-ins", "logins"].contains(&noun.as_str()) {
                    if !failing {
                        continue;
                    }
                    (Population::FailedRequests, end)
                } else {
                    (Population::Users, end)
                }
            }
            None if rate_before => (Population::FailedRequests, m.end()),
            None => continue,
        };
        out.push((
            hedge_start(line, m.start()),
            end,
            population,
            Amount {
                value: v,
                precision: 0.0,
                hedge: hedge_before(line, m.start()),
            },
        ));
    }
    out
}

fn population_of(adjectives: &str, noun: &str, after: &str) -> Population {
    let noun = noun.to_lowercase();
    if [
        "users",
        "customers",
        "clients",
        "visitors",
        "people",
        "accounts",
    ]
    .contains(&noun.as_str())
    {
        return Population::Users;
    }
    let adjectives = adjectives.to_lowercase();
    let next: String = after.chars().take(30).collect::<String>().to_lowercase();
    if noun == "errors"
        || noun == "failures"
        || ["fail", "error", "dropped", "lost", "rejected"]
            .iter()
            .any(|w| adjectives.contains(w) || next.trim_start().starts_with(w))
        || next.contains("failed")
        || next.contains("were lost")
        || next.contains("never arrived")
    {
        Population::FailedRequests
    } else {
        Population::Requests
    }
}

/// The counts of users or requests written in `line`: (start, end, population, value,
/// whole when written `N of M`).
pub fn counts(line: &str) -> Vec<(usize, usize, Population, Amount, Option<f64>)> {
    let mut out: Vec<(usize, usize, Population, Amount, Option<f64>)> = Vec::new();
    let glued = |s: usize| {
        line[..s]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '$' || c == '€' || c == '£' || c == '.')
    };
    for c in PART_OF.captures_iter(line) {
        let m = c.get(0).expect("match");
        if glued(m.start()) {
            continue;
        }
        let (Some(part), Some(whole)) = (
            number(&c[1], c.get(2).map(|x| x.as_str())),
            number(&c[3], c.get(4).map(|x| x.as_str())),
        ) else {
            continue;
        };
        let population = population_of(&c[5], &c[6], &line[m.end()..]);
        out.push((
            hedge_start(line, m.start()),
            m.end(),
            population,
            Amount {
                value: part,
                precision: 0.0,
                hedge: hedge_before(line, m.start()),
            },
            Some(whole),
        ));
    }
    for c in COUNT.captures_iter(line) {
        let m = c.get(0).expect("match");
        if glued(m.start()) || out.iter().any(|o| o.0 <= m.start() && m.start() < o.1) {
            continue;
        }
        let Some(v) = number(&c[1], c.get(2).map(|x| x.as_str())) else {
            continue;
        };
        let noun = c[4].to_lowercase();
        // `503 errors` is a status code, not a count.
        if c.get(2).is_none()
            && !c[1].contains(',')
            && (100.0..600.0).contains(&v)
            && v.fract() == 0.0
            && (noun == "errors" || c[3].to_lowercase().contains("error"))
        {
            continue;
        }
        let population = population_of(&c[3], &noun, &line[m.end()..]);
        out.push((
            hedge_start(line, m.start()),
            m.end(),
            population,
            Amount {
                value: v,
                precision: 0.0,
                hedge: hedge_before(line, m.start()),
            },
            None,
        ));
    }
    out.sort_by_key(|o| o.0);
    out
}

/// What a timeline entry's words say happened. Strongest first: an entry that says
/// "resolved" after "monitoring" is a resolution.
pub fn role_of(text: &str) -> Option<Role> {
    let t = text.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if has(&["escalat"]) {
        Some(Role::Escalated)
    } else if has(&[
        "resolved",
        "fully restored",
        "restoration",
        "full service",
        "back to normal",
        "returned to normal",
        "return to normal",
        "fully recovered",
        "all clear",
        "incident closed",
    ]) {
        Some(Role::Resolved)
    } else if has(&[
        "corrected",
        "fixed",
        "rectified",
        "reverted",
        "rolled back",
        "rollback",
        "re-enabled",
        "redeployed",
        "mitigat",
        "fix applied",
        "applied the fix",
        "restarted",
        "impact ends",
    ]) {
        Some(Role::Mitigated)
    } else if has(&["acknowledg", "on-call", "on call"]) {
        Some(Role::Acknowledged)
    } else if has(&[
        "detected",
        "alert",
        "paged",
        "noticed",
        "reported",
        "notified",
        "notification",
    ]) {
        Some(Role::Detected)
    } else if has(&[
        "impact begins",
        "impact began",
        "outage began",
        "outage started",
        "started failing",
        "began failing",
        "errors began",
        "errors started",
        "first errors",
    ]) {
        Some(Role::ImpactStart)
    } else if has(&[
        "deployed",
        "deployment",
        "rolled out",
        "pushed",
        "config change",
        "configuration change",
        "reloaded",
        "upgrade",
        "trigger",
    ]) {
        Some(Role::Trigger)
    } else {
        None
    }
}

/// Emphasis and code marks removed, so offsets refer to the words.
fn plain(line: &str) -> String {
    line.replace("**", "")
        .replace("__", "")
        .replace('`', "")
        .trim_end()
        .to_string()
}

fn is_heading(raw: &str, text: &str) -> Option<String> {
    let t = raw.trim();
    if let Some(h) = t.strip_prefix('#') {
        return Some(h.trim_start_matches('#').trim().to_string());
    }
    if t.len() > 4 && t.starts_with("**") && t.trim_end_matches(':').ends_with("**") {
        return Some(text.trim().trim_end_matches(':').to_string());
    }
    let words = text.split_whitespace().count();
    let bare = text.trim().trim_end_matches(':');
    if (1..=6).contains(&words)
        && !bare.contains(['.', ',', ':'])
        && !bare.chars().any(|c| c.is_ascii_digit())
        && bare.chars().next().is_some_and(|c| c.is_uppercase())
        && section_of(bare).is_some()
    {
        return Some(bare.to_string());
    }
    None
}

/// Places times on the UTC clock, in document order.
struct Dater {
    rules: Placing,
    /// The zone of times that name none.
    zone: DocZone,
    prev: Option<(NaiveDateTime, bool)>,
    /// A date seen since the last time.
    fresh: Option<NaiveDate>,
    year: Option<i32>,
    first_date: Option<NaiveDate>,
    used_anchor: bool,
    used_later: bool,
    floating: bool,
}

#[derive(Clone, Debug)]
enum DocZone {
    Fixed(Zone),
    Tz(Tz),
}

impl DocZone {
    fn to_utc(&self, local: NaiveDateTime) -> Option<Nanos> {
        match self {
            DocZone::Fixed(z) => (local - Duration::seconds(z.offset_s as i64))
                .and_utc()
                .timestamp_nanos_opt(),
            DocZone::Tz(tz) => crate::time::resolve_local(local, *tz).map(|(ns, _)| ns),
        }
    }

    fn to_local(&self, ns: Nanos) -> NaiveDateTime {
        let utc = chrono::DateTime::from_timestamp_nanos(ns).naive_utc();
        match self {
            DocZone::Fixed(z) => utc + Duration::seconds(z.offset_s as i64),
            DocZone::Tz(tz) => {
                let off = tz.offset_from_utc_datetime(&utc).fix().local_minus_utc();
                utc + Duration::seconds(off as i64)
            }
        }
    }
}

/// The day in `[base - 1, base + 1]` that puts `t` closest to `near`.
fn closest(near: NaiveDateTime, t: NaiveTime) -> NaiveDateTime {
    let d = near.date();
    [d.pred_opt(), Some(d), d.succ_opt()]
        .into_iter()
        .flatten()
        .map(|day| day.and_time(t))
        .min_by_key(|c| (*c - near).num_seconds().abs())
        .unwrap_or(near)
}

impl Dater {
    fn full(&mut self, d: Day) -> Option<NaiveDate> {
        let year = d
            .year
            .or(self.year)
            .or(self.first_date.map(|f| chrono::Datelike::year(&f)))
            .or(self
                .rules
                .anchor
                .map(|a| chrono::Datelike::year(&self.zone.to_local(a))))?;
        if d.year.is_some() {
            self.year = d.year;
        }
        d.with_year(year)
    }

    fn place(&mut self, attached: Option<NaiveDate>, t: NaiveTime) -> (NaiveDateTime, bool) {
        let placed = if let Some(d) = attached.or(self.fresh) {
            (d.and_time(t), true)
        } else if let Some((prev, dated)) = self.prev {
            (closest(prev, t), dated)
        } else if let Some(a) = self.rules.anchor {
            self.used_anchor = true;
            (closest(self.zone.to_local(a), t), true)
        } else if let Some(d) = self.first_date {
            self.used_later = true;
            (d.and_time(t), true)
        } else {
            self.floating = true;
            let base = NaiveDate::from_ymd_opt(2000, 1, 1).expect("date");
            (base.and_time(t), false)
        };
        self.prev = Some(placed);
        self.fresh = None;
        placed
    }
}

/// The zone for the time at `at` in a line: the first zone named after it, else the last
/// one named before it, else the document's.
fn zone_at(line_zones: &[Hit<Zone>], at: usize, doc: &DocZone) -> DocZone {
    line_zones
        .iter()
        .find(|z| z.start >= at)
        .or_else(|| line_zones.iter().rev().find(|z| z.end <= at))
        .map_or_else(|| doc.clone(), |z| DocZone::Fixed(z.value.clone()))
}

/// The date a time is attached to: one written right before it (`June 6, 2023, 10:00
/// AM`, `2024-04-04 22:00`, `on June 5, 2024, from 2:00 PM`).
fn attached_date(line: &str, day_hits: &[Hit<Day>], t: &Hit<Clock>) -> Option<usize> {
    day_hits.iter().rposition(|d| {
        d.end <= t.start && {
            let gap = line[d.end..t.start].trim().trim_matches(',').trim();
            let gap = gap.to_lowercase();
            gap.is_empty() || ["at", "from", "@", "t", ", at", "by"].contains(&gap.as_str())
        }
    })
}

struct Placed {
    start: usize,
    end: usize,
    stamp: Stamp,
}

/// Reads the claims of a postmortem. `rules` say how to place times without a date or
/// zone; what was assumed is said in `notes`.
pub fn parse(text: &str, rules: Placing) -> Document {
    let lines: Vec<&str> = text.lines().collect();

    // The document's zone: the one it names most (the first, on a tie).
    let mut named: Vec<(Zone, usize)> = Vec::new();
    for l in &lines {
        for z in zones(l) {
            match named.iter_mut().find(|(n, _)| n.name == z.value.name) {
                Some(n) => n.1 += 1,
                None => named.push((z.value, 1)),
            }
        }
    }
    let mut notes = Vec::new();
    let (zone, zone_name, zone_from) = match named.iter().max_by_key(|(_, n)| *n) {
        Some((z, _)) => {
            let best = named
                .iter()
                .find(|(_, n)| *n == named.iter().map(|x| x.1).max().unwrap_or(0))
                .map_or(z, |x| &x.0);
            if named.len() > 1 {
                notes.push(format!(
                    "the document names several zones ({}): times that name none are read in {}",
                    named
                        .iter()
                        .map(|(z, _)| z.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    best.name
                ));
            }
            (
                DocZone::Fixed(best.clone()),
                best.name.clone(),
                ZoneFrom::Document,
            )
        }
        None => match rules.tz {
            Some(tz) => (DocZone::Tz(tz), tz.name().to_string(), ZoneFrom::Option),
            None => {
                notes.push(
                    "the document names no time zone and no --tz was given: its times are read as UTC"
                        .into(),
                );
                (
                    DocZone::Fixed(Zone {
                        name: "UTC".into(),
                        offset_s: 0,
                    }),
                    "UTC".into(),
                    ZoneFrom::Assumed,
                )
            }
        },
    };
    let first_date = lines
        .iter()
        .flat_map(|l| dates(l))
        .find_map(|d| d.value.year.and_then(|y| d.value.with_year(y)));
    let mut dater = Dater {
        rules,
        zone: zone.clone(),
        prev: None,
        fresh: None,
        year: None,
        first_date,
        used_anchor: false,
        used_later: false,
        floating: false,
    };

    let mut claims = Vec::new();
    let mut section = Section::Other;
    let mut cause: Option<(usize, String)> = None;
    let mut cause_open = false;
    let mut section_cause: Option<(usize, String)> = None;
    let mut section_cause_open = false;
    for (i, raw) in lines.iter().enumerate() {
        let n = i + 1;
        let line = plain(raw);
        if line.trim().is_empty() {
            cause_open = false;
            section_cause_open = false;
            continue;
        }
        let label = LABEL.captures(&line).map(|c| {
            (
                c[1].trim().to_lowercase(),
                c.get(2).map_or(line.len(), |m| m.start()),
            )
        });
        let has_value = label
            .as_ref()
            .is_some_and(|(_, at)| !line[*at..].trim().is_empty());
        if !has_value {
            if let Some(h) = is_heading(raw, &line) {
                if let Some(s) = section_of(&h) {
                    section = s;
                    cause_open = false;
                    section_cause_open = false;
                    continue;
                }
            }
        }

        // Every time of the line, placed in document order.
        let day_hits = dates(&line);
        let clock_hits = times(&line);
        let line_zones = zones(&line);
        let mut placed = Vec::new();
        let mut next_day = 0;
        for t in &clock_hits {
            while next_day < day_hits.len() && day_hits[next_day].end <= t.start {
                let d = day_hits[next_day].value;
                if let Some(full) = dater.full(d) {
                    dater.fresh = Some(full);
                }
                next_day += 1;
            }
            let attached =
                attached_date(&line, &day_hits, t).and_then(|k| dater.full(day_hits[k].value));
            let (local, dated) = dater.place(attached, t.value.time);
            let z = zone_at(&line_zones, t.end, &zone);
            let Some(ns) = z.to_utc(local) else { continue };
            let start = attached_date(&line, &day_hits, t).map_or(t.start, |k| day_hits[k].start);
            let zone_end = line_zones
                .iter()
                .find(|z| {
                    z.start >= t.end && line[t.end..z.start].trim_matches([' ', '(']).is_empty()
                })
                .map_or(t.end, |z| {
                    z.end + usize::from(line[z.end..].starts_with(')'))
                });
            placed.push(Placed {
                start,
                end: zone_end,
                stamp: Stamp {
                    ns,
                    dated,
                    precision_s: t.value.precision_s,
                    about: hedge_before(&line, start) != Hedge::Exact,
                },
            });
        }
        for d in &day_hits[next_day..] {
            if let Some(full) = dater.full(d.value) {
                dater.fresh = Some(full);
            }
        }

        if section == Section::Followup {
            continue;
        }
        let quote = |s: usize, e: usize| line[s..e].trim().to_string();

        // A timeline entry: a line that opens with a time (after a bullet and a date).
        let body_at = BULLET.find(&line).map_or(0, |m| m.end());
        if let Some(p) = placed.first().filter(|p| {
            p.start >= body_at
                && line[body_at..p.start].trim().is_empty()
                && (section == Section::Timeline || label.is_none())
        }) {
            let rest = line[p.end..].trim_start();
            let sep = rest.chars().next();
            if matches!(sep, Some(':' | '-' | '–' | '—' | '|')) || rest.is_empty() {
                let text = rest
                    .trim_start_matches([':', '-', '–', '—', '|'])
                    .trim()
                    .to_string();
                if !text.is_empty() {
                    claims.push(Claim {
                        line: n,
                        quote: line[body_at..].trim().to_string(),
                        what: What::Entry {
                            at: p.stamp,
                            role: role_of(&text),
                            text,
                        },
                    });
                    continue;
                }
            }
        }

        let key = label
            .as_ref()
            .filter(|_| has_value)
            .map(|(k, _)| k.as_str())
            .unwrap_or("");
        let is = |words: &[&str]| words.iter().any(|w| key.contains(w));
        let timeish = is(&[
            "duration",
            "downtime",
            "outage window",
            "period",
            "date and time",
        ]);
        if is(&["time to", "ttd", "tta", "ttm", "ttr", "mttr", "mttd"]) {
            let phase = if is(&["detect", "ttd"]) {
                Some(Phase::Detect)
            } else if is(&["acknowledg", "tta"]) {
                Some(Phase::Acknowledge)
            } else if is(&["mitigat", "ttm"]) {
                Some(Phase::Mitigate)
            } else if is(&["resol", "recover", "restor", "ttr"]) {
                Some(Phase::Resolve)
            } else {
                None
            };
            if let (Some(phase), Some((s, e, a))) = (phase, durations(&line).first().copied()) {
                claims.push(Claim {
                    line: n,
                    quote: quote(hedge_start(&line, s), e),
                    what: What::Elapsed(phase, a),
                });
            }
            continue;
        }
        if timeish && placed.len() >= 2 {
            let (a, b) = (&placed[0], &placed[placed.len() - 1]);
            claims.push(Claim {
                line: n,
                quote: quote(a.start, a.end),
                what: What::Start(a.stamp),
            });
            claims.push(Claim {
                line: n,
                quote: quote(b.start, b.end),
                what: What::End(b.stamp),
            });
        } else if let Some(p) = placed.first() {
            let words: Vec<&str> = key.split_whitespace().collect();
            let last = words.last().copied().unwrap_or("");
            let stamp_claim = if last == "start" || key.ends_with("start time") || key == "began" {
                Some(What::Start(p.stamp))
            } else if last == "end" || key.ends_with("end time") || key == "ended" {
                Some(What::End(p.stamp))
            } else if is(&["detect"]) && !is(&["initial"]) || key == "detected at" {
                Some(What::Entry {
                    at: p.stamp,
                    text: line[p.end..].trim().to_string(),
                    role: Some(Role::Detected),
                })
            } else if key.starts_with("resolved") || key == "resolution time" {
                Some(What::Entry {
                    at: p.stamp,
                    text: line[p.end..].trim().to_string(),
                    role: Some(Role::Resolved),
                })
            } else {
                None
            };
            if let Some(w) = stamp_claim {
                claims.push(Claim {
                    line: n,
                    quote: quote(p.start, p.end),
                    what: w,
                });
            }
        }

        // How long it lasted: in the summary's or impact's words about the outage.
        let lower = line.to_ascii_lowercase();
        let about_outage = timeish || OUTAGE_WORDS.iter().any(|w| lower.contains(w));
        if about_outage && matches!(section, Section::Summary | Section::Impact | Section::Other)
            || timeish
        {
            for (s, e, a) in durations(&line) {
                let before = lower[..s].trim_end();
                if [
                    "every",
                    "within",
                    "after",
                    "per",
                    "each",
                    "last",
                    "next",
                    "for the past",
                ]
                .iter()
                .any(|w| before.ends_with(w))
                    || lower[e..].trim_start().starts_with("ago")
                    || lower[e..].trim_start().starts_with("later")
                {
                    continue;
                }
                claims.push(Claim {
                    line: n,
                    quote: quote(hedge_start(&line, s), e),
                    what: What::Duration(a),
                });
            }
        }

        // Shares and counts of users and requests.
        let counted = counts(&line);
        for (s, e, population, percent) in shares(&line) {
            let of_counts = counted
                .iter()
                .find(|c| c.2 == population && c.4.is_some())
                .map(|c| (c.3.value, c.4.unwrap_or(0.0)));
            claims.push(Claim {
                line: n,
                quote: quote(s, e),
                what: What::Share {
                    population,
                    percent,
                    of_counts,
                },
            });
        }
        for (s, e, population, value, whole) in counted {
            claims.push(Claim {
                line: n,
                quote: quote(s, e),
                what: What::Count {
                    population,
                    value,
                    whole,
                },
            });
        }

        // The root cause: the first `Root Cause:` line (with its sub-bullets when it
        // has no words of its own), else the first paragraph of its section.
        let labelled_cause = label.as_ref().is_some_and(|(k, _)| k.contains("cause"));
        if cause.is_none() && labelled_cause {
            let value = label.as_ref().map_or("", |(_, at)| line[*at..].trim());
            cause = Some((n, value.to_string()));
            cause_open = value.is_empty();
            section_cause_open = false;
        } else if cause_open || section_cause_open {
            let target = if cause_open {
                cause.as_mut()
            } else {
                section_cause.as_mut()
            };
            if let Some((_, text)) = target {
                if text.len() < 1_000 {
                    if !text.is_empty() {
                        text.push(' ');
                    }
                    text.push_str(line[body_at..].trim());
                }
            }
        } else if cause.is_none()
            && section_cause.is_none()
            && section == Section::Cause
            && label.is_none()
        {
            section_cause = Some((n, line[body_at..].trim().to_string()));
            section_cause_open = true;
        }
    }
    if let Some((line, text)) = cause
        .or(section_cause)
        .filter(|(_, t)| !t.trim().is_empty())
    {
        claims.push(Claim {
            line,
            quote: text.chars().take(120).collect(),
            what: What::Cause(text),
        });
    }
    claims.sort_by_key(|c| c.line);

    if dater.used_anchor {
        notes.push(
            "times without a date before them take their date from the incident in the logs".into(),
        );
    }
    if dater.used_later {
        notes.push(
            "times before the document's first date take that date (no earlier date and no logs)"
                .into(),
        );
    }
    if dater.floating {
        notes.push(
            "the document gives no date: its times are checked for order and spans only".into(),
        );
    }
    Document {
        lines: lines.len(),
        claims,
        zone: zone_name,
        zone_from,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amounts(line: &str) -> Vec<(f64, Hedge)> {
        durations(line)
            .into_iter()
            .map(|(_, _, a)| (a.value, a.hedge))
            .collect()
    }

    #[test]
    fn reads_durations_as_people_write_them() {
        assert_eq!(
            amounts("inaccessible for approximately 16 hours."),
            [(57_600.0, Hedge::About)]
        );
        assert_eq!(amounts("down for 2h 30m"), [(9_000.0, Hedge::Exact)]);
        assert_eq!(amounts("It took 45 minutes"), [(2_700.0, Hedge::Exact)]);
        assert_eq!(
            amounts("This 90-minute disruption"),
            [(5_400.0, Hedge::Exact)]
        );
        assert_eq!(
            amounts("lasted 1 hour and 30 minutes"),
            [(5_400.0, Hedge::Exact)]
        );
        assert_eq!(amounts("~3 days"), [(259_200.0, Hedge::About)]);
        assert!(amounts("HTTP 503 errors; v2 rollout").is_empty());
        let (s, e, _) = durations("for approximately 16 hours.")[0];
        assert_eq!(
            &"for approximately 16 hours."[hedge_start("for approximately 16 hours.", s)..e],
            "approximately 16 hours"
        );
    }

    #[test]
    fn reads_shares_of_users_and_error_rates() {
        let s = |line: &str| {
            shares(line)
                .into_iter()
                .map(|(a, b, p, x)| (line[a..b].to_string(), p, x.value, x.hedge))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            s("affecting approximately 75% of users."),
            [(
                "approximately 75% of users".to_string(),
                Population::Users,
                75.0,
                Hedge::About
            )]
        );
        assert_eq!(
            s("causing 80% of users to experience errors")[0].1,
            Population::Users
        );
        assert_eq!(s("Approximately 80% of the users were affected")[0].2, 80.0);
        assert_eq!(
            s("the error rate peaked at 30.5%")[0].1,
            Population::FailedRequests
        );
        assert_eq!(s("12% of requests failed")[0].1, Population::FailedRequests);
        assert!(s("100% of the traffic went to app1").is_empty());
        assert!(s("disk at 95% capacity").is_empty());
    }

    #[test]
    fn reads_counts_of_users_and_requests() {
        let c = |line: &str| {
            counts(line)
                .into_iter()
                .map(|(_, _, p, a, w)| (p, a.value, a.hedge, w))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            c("1,234 requests failed"),
            [(Population::FailedRequests, 1234.0, Hedge::Exact, None)]
        );
        assert_eq!(
            c("~3,000 users could not log in"),
            [(Population::Users, 3000.0, Hedge::About, None)]
        );
        assert_eq!(
            c("affected nearly 120,000 active users"),
            [(Population::Users, 120_000.0, Hedge::About, None)]
        );
        assert_eq!(
            c("over 2.5k failed requests"),
            [(Population::FailedRequests, 2500.0, Hedge::AtLeast, None)]
        );
        assert_eq!(
            c("1,571 of 7,215 requests failed"),
            [(
                Population::FailedRequests,
                1571.0,
                Hedge::Exact,
                Some(7215.0)
            )]
        );
        assert_eq!(
            c("we served 13,700 requests"),
            [(Population::Requests, 13_700.0, Hedge::Exact, None)]
        );
        assert!(c("locked out with 503 errors").is_empty());
        assert!(c("over 1,500 complaints and $25,000 lost").is_empty());
    }

    #[test]
    fn reads_roles_of_timeline_entries() {
        assert_eq!(
            role_of("Issue detected through monitoring alerts"),
            Some(Role::Detected)
        );
        assert_eq!(
            role_of("Incident escalated to the infrastructure team"),
            Some(Role::Escalated)
        );
        assert_eq!(
            role_of("Load balancer configuration corrected"),
            Some(Role::Mitigated)
        );
        assert_eq!(
            role_of("Service fully restored; monitoring in place"),
            Some(Role::Resolved)
        );
        assert_eq!(
            role_of("On-call engineer received the alert"),
            Some(Role::Acknowledged)
        );
        assert_eq!(role_of("Engineers began investigating"), None);
    }

    fn utc(s: &str) -> Nanos {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_nanos_opt()
            .unwrap()
    }

    #[test]
    fn a_timeline_that_passes_midnight_moves_to_the_next_day() {
        let doc = parse(
            "Duration: February 13th, 2024, 10:00 PM - February 14th, 2024, 2:00 AM (GMT)\n\
             Timeline:\n\
             10:00 PM: Issue detected through monitoring alerts.\n\
             11:15 PM: Root cause identified.\n\
             12:00 AM: Configuration corrected.\n\
             2:00 AM: Service fully restored.\n",
            Placing::default(),
        );
        let at: Vec<(usize, Nanos)> = doc
            .claims
            .iter()
            .filter_map(|c| match &c.what {
                What::Entry { at, .. } | What::Start(at) | What::End(at) => Some((c.line, at.ns)),
                _ => None,
            })
            .collect();
        assert_eq!(
            at,
            [
                (1, utc("2024-02-13T22:00:00Z")),
                (1, utc("2024-02-14T02:00:00Z")),
                (3, utc("2024-02-13T22:00:00Z")),
                (4, utc("2024-02-13T23:15:00Z")),
                (5, utc("2024-02-14T00:00:00Z")),
                (6, utc("2024-02-14T02:00:00Z")),
            ]
        );
        assert_eq!(doc.zone, "GMT");
        assert!(doc.notes.is_empty(), "{:?}", doc.notes);
    }

    #[test]
    fn zone_and_date_rules_are_stated() {
        let doc = parse("Timeline\n10:00: alert fired\n", Placing::default());
        assert_eq!(doc.zone_from, ZoneFrom::Assumed);
        assert_eq!(doc.notes.len(), 2, "{:?}", doc.notes);
        let Some(What::Entry { at, .. }) = doc.claims.first().map(|c| &c.what) else {
            panic!("{:?}", doc.claims)
        };
        assert!(!at.dated);

        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let anchor = utc("2024-02-13T21:57:23Z");
        let doc = parse(
            "Timeline\n23:00: alert fired\n",
            Placing {
                tz: Some(berlin),
                anchor: Some(anchor),
            },
        );
        assert_eq!(doc.zone_from, ZoneFrom::Option);
        let Some(What::Entry { at, .. }) = doc.claims.first().map(|c| &c.what) else {
            panic!("{:?}", doc.claims)
        };
        assert_eq!(at.ns, utc("2024-02-13T22:00:00Z"));
        assert!(at.dated);
    }

    #[test]
    fn letters_that_change_length_in_lower_case_do_not_shift_offsets() {
        let doc = parse(
            "İİİİ outage lasted approximately 16 hours, İİ 40% of users\n",
            Placing::default(),
        );
        let quotes: Vec<&str> = doc.claims.iter().map(|c| c.quote.as_str()).collect();
        assert_eq!(quotes, ["approximately 16 hours", "40% of users"]);
    }

    #[test]
    fn refuses_empty_and_binary_documents() {
        assert_eq!(decode(b"  \n\t"), Err(DocumentError::Empty));
        assert!(matches!(
            decode(b"\x7fELF\x02\x01\x01\0\0\0"),
            Err(DocumentError::Binary(_))
        ));
        assert!(matches!(
            decode(&[0xff, 0xfe, 0xfd, 0xfc, b'a']),
            Err(DocumentError::Binary(_))
        ));
        assert_eq!(decode(b"\xEF\xBB\xBFDuration: 1h").unwrap(), "Duration: 1h");
    }
}
