//! The timeline: notable events collapsed into runs, and the incidents found in the
//! request windows, with their markers, trigger candidates and figures.
//!
//! Consumes notable events in time order and the analysis of the request buckets;
//! guarantees that every entry carries the log lines behind it (evidence) and that every
//! marker says whether it was observed in a log or inferred, and by which rule.

mod gaps;
mod incident;
mod report;
mod runs;

pub use gaps::{silences, stream_of};
pub use incident::{
    find_incidents, BackendFigures, Confidence, Figures, IdsAlertFigure, Incident, LatencyFigures,
    Marker, SloFigures, Trigger,
};
pub use report::Findings;
pub use runs::{template, Collapser, Entry, Evidence};
