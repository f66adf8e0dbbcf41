//! `coroner check`: a written postmortem held against itself and against the logs.
//!
//! Consumes a postmortem (Markdown or plain text, read by [`document`]) and, when logs
//! are given, the [`Findings`] of the same analysis `coroner report` runs. Guarantees one
//! finding or more per claim — each with its line, what the document or the logs say
//! instead, and a [`Verdict`] — plus the markers and the trigger the document leaves
//! out. Tolerances are stated in every output.

pub mod clock;
pub mod document;
pub mod render;
mod verify;

use serde::Serialize;

pub use document::{decode, parse, Claim, Document, DocumentError, Placing, What};
pub use verify::{against_document, against_logs, pick_incident, unchecked};

use crate::event::Nanos;
use crate::timeline::{Evidence, Findings};

/// How a claim fares. Ordered from worst to best.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The logs, or the document itself, say otherwise, beyond the tolerance.
    Contradicted,
    /// Nothing to hold it against: the logs cannot show it, or show nothing near it.
    Unsupported,
    /// A marker or the trigger the logs show and the document leaves out.
    Omitted,
    /// Within the tolerance of what the logs or the document say.
    Confirmed,
}

impl Verdict {
    pub const ALL: [Verdict; 4] = [
        Verdict::Contradicted,
        Verdict::Unsupported,
        Verdict::Omitted,
        Verdict::Confirmed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Contradicted => "contradicted",
            Verdict::Unsupported => "unsupported",
            Verdict::Omitted => "omitted",
            Verdict::Confirmed => "confirmed",
        }
    }
}

/// What a finding was checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Against {
    Document,
    Logs,
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// The claim's line in the document; `None` for what it leaves out.
    pub line: Option<usize>,
    pub verdict: Verdict,
    /// What the claim is about: `start`, `end`, `duration`, `users affected`, `order`…
    pub subject: &'static str,
    /// The claim's words, as written.
    pub claim: String,
    pub against: Against,
    /// The claim's value, normalized (`16h 00m`, `2023-06-06 10:00 UTC`, `75%`).
    pub stated: Option<String>,
    /// What the document or the logs give instead (or confirm).
    pub found: Option<String>,
    /// One sentence: the difference and the tolerance, or why it cannot be checked.
    pub detail: String,
    /// The log lines behind `found`.
    pub evidence: Vec<Evidence>,
}

/// How far a claim may be from what it is checked against. A hedged claim
/// (`approximately`, `about`, `~`, `nearly`) gets [`HEDGE_FACTOR`] times as much.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Tolerances {
    /// For times: this, or the precision the time was written to when coarser. Default:
    /// the analysis window with logs (the resolution of what they show), else 0.
    pub time_s: i64,
    /// For durations, as a share of the duration found (and never less than twice the
    /// time tolerance, as both ends may be off).
    pub duration_ratio: f64,
    /// For percentages, in percentage points.
    pub share_points: f64,
    /// For counts, as a share of the count found.
    pub count_ratio: f64,
}

pub const HEDGE_FACTOR: f64 = 2.0;

/// The incident the document was held against.
#[derive(Clone, Debug, Serialize)]
pub struct Held {
    pub incidents: usize,
    #[serde(skip)]
    pub index: usize,
    #[serde(serialize_with = "ser_ts")]
    pub impact_start: Nanos,
    #[serde(serialize_with = "ser_ts")]
    pub mitigated: Nanos,
    #[serde(serialize_with = "ser_ts")]
    pub resolved: Nanos,
    pub window_s: i64,
}

fn ser_ts<S: serde::Serializer>(v: &Nanos, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::time::rfc3339(*v, 3))
}

/// Everything `coroner check` found.
pub struct Check {
    /// The postmortem as named on the command line.
    pub path: String,
    pub document: Document,
    /// The logs' analysis, when logs were given.
    pub logs: Option<Findings>,
    pub held: Option<Held>,
    pub tolerances: Tolerances,
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
}

impl Check {
    /// Holds `document` against itself and, when given, against `logs`.
    pub fn run(
        path: String,
        text: &str,
        placing: Placing,
        logs: Option<Findings>,
        time_tolerance_s: Option<i64>,
        mut tolerances: Tolerances,
    ) -> Check {
        let mut document = parse(text, placing);
        let mut notes = Vec::new();
        let mut held = None;
        let mut findings;
        match &logs {
            Some(f) => {
                tolerances.time_s = time_tolerance_s.unwrap_or(f.analysis.window_s);
                match pick_incident(&document, f) {
                    Some(k) => {
                        let i = &f.incidents[k];
                        // Times with no date before them take the incident's date.
                        document = parse(
                            text,
                            Placing {
                                anchor: Some(i.impact_start.ts),
                                ..placing
                            },
                        );
                        if f.incidents.len() > 1 {
                            notes.push(format!(
                                "the logs hold {} incidents: the document is held against the one from {}",
                                f.incidents.len(),
                                render::when(i.impact_start.ts, true)
                            ));
                        }
                        held = Some(Held {
                            incidents: f.incidents.len(),
                            index: k,
                            impact_start: i.impact_start.ts,
                            mitigated: i.mitigated.ts,
                            resolved: i.resolved.ts,
                            window_s: f.analysis.window_s,
                        });
                        findings = against_document(&document, &tolerances);
                        findings.extend(against_logs(&document, f, i, &tolerances));
                    }
                    None => {
                        notes.push(
                            "the logs show no incident: the document is held against itself only"
                                .into(),
                        );
                        findings = against_document(&document, &tolerances);
                    }
                }
            }
            None => {
                tolerances.time_s = time_tolerance_s.unwrap_or(0);
                findings = against_document(&document, &tolerances);
            }
        }
        findings.extend(unchecked(&document, &findings, logs.is_some()));
        findings.sort_by_key(|f| (f.line.is_none(), f.line, f.verdict));
        notes.splice(0..0, document.notes.iter().cloned());
        if document.claims.is_empty() {
            notes.push(
                "no claim found: no stated times, durations, shares, counts, timeline or root cause"
                    .into(),
            );
        }
        Check {
            path,
            document,
            logs,
            held,
            tolerances,
            findings,
            notes,
        }
    }

    pub fn count(&self, v: Verdict) -> usize {
        self.findings.iter().filter(|f| f.verdict == v).count()
    }

    pub fn contradicted(&self) -> bool {
        self.count(Verdict::Contradicted) > 0
    }
}
