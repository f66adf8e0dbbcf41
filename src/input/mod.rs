//! Inputs: which sources there are, how their bytes are decoded, how lines are cut.
//!
//! Consumes INPUT arguments (files, directories walked in a stable order, `-` for stdin);
//! guarantees a stream of lines per source with every byte accounted for: complete lines,
//! lines cut at the maximum length (counted), invalid UTF-8 decoded lossily (counted), and
//! decoding damage reported with its byte offset.
//!
//! Sources whose records span several lines are framed here too, into [`Chunk`]s that
//! cover every physical line once: whole documents (a `kubectl get events -o json|yaml`
//! EventList, see [`document`]) and journal exports (`journalctl -o export`, see
//! [`export`]).

mod ahead;
mod decode;
mod discover;
pub mod document;
pub mod export;
mod lines;
mod tape;

pub use decode::{open, Compression, Opened};
pub use discover::{discover, Input, InputKind};
pub use lines::{LineReader, RawLine};
pub use tape::Tape;

/// The default cut for over-long lines.
pub const DEFAULT_MAX_LINE: usize = 1 << 20;

/// A run of physical lines read as one: the chunks of a source cover each of its lines
/// exactly once, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// The first physical line (1-based): the evidence line of a record.
    pub line: u64,
    /// How many physical lines it covers (0 when it shares its line with the chunk before).
    pub lines: u64,
    /// Of those, lines that were not valid UTF-8 (decoded lossily).
    pub invalid_utf8: u64,
    /// Of those, lines cut at the maximum length.
    pub cut_lines: u64,
    pub kind: ChunkKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ChunkKind {
    /// Lines that frame the records (a document's `{"items": [`, `kind: EventList`,
    /// blank lines): read, no record of their own.
    Frame,
    /// One record, parsed: an item of a document, an entry of a journal export.
    Record(serde_json::Value),
    /// Lines that could not be read as records, each rejected for `reason`; `text` holds
    /// them. `damage`: the source is damaged here (reading stopped, or a document is cut
    /// short), said with the byte offset.
    Unreadable {
        reason: String,
        text: String,
        damage: Option<String>,
    },
}

/// Physical lines of `text` as the line reader counts them: a last line without a
/// newline still counts.
pub fn count_lines(text: &[u8]) -> u64 {
    let n = memchr::memchr_iter(b'\n', text).count() as u64;
    n + u64::from(!text.is_empty() && !text.ends_with(b"\n"))
}
