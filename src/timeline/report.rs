//! Everything a run found, for the renderers: what was read, the timeline entries, the
//! window analysis and the incidents.

use crate::impact::{analyse, Analysis, Thresholds};
use crate::Run;

use super::{find_incidents, Entry, Incident};

pub struct Findings {
    pub run: Run,
    pub analysis: Analysis,
    pub entries: Vec<Entry>,
    pub incidents: Vec<Incident>,
}

impl Findings {
    /// Analyses the run's buckets and finds the incidents among the entries.
    pub fn new(
        mut run: Run,
        mut entries: Vec<Entry>,
        th: &Thresholds,
        detect_after_windows: i64,
    ) -> anyhow::Result<Findings> {
        let analysis = analyse(&run.buckets, th)?;
        run.warnings.extend(analysis.notes.iter().cloned());
        // Streams that fell silent while others went on join the timeline, in order.
        entries.extend(super::silences(&run.sources));
        entries.sort_by_key(|e| e.ts);
        let incidents = find_incidents(
            &analysis,
            &run.buckets,
            &mut entries,
            th,
            detect_after_windows,
        );
        Ok(Findings {
            run,
            analysis,
            entries,
            incidents,
        })
    }

    /// Entries that belong to no incident.
    pub fn outside(&self) -> impl Iterator<Item = &Entry> {
        let inside: std::collections::HashSet<usize> = self
            .incidents
            .iter()
            .flat_map(|i| i.entries.iter().copied())
            .collect();
        self.entries
            .iter()
            .enumerate()
            .filter(move |(i, _)| !inside.contains(i))
            .map(|(_, e)| e)
    }
}
