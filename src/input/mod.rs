//! Inputs: which sources there are, how their bytes are decoded, how lines are cut.
//!
//! Consumes INPUT arguments (files, directories walked in a stable order, `-` for stdin);
//! guarantees a stream of lines per source with every byte accounted for: complete lines,
//! lines cut at the maximum length (counted), invalid UTF-8 decoded lossily (counted), and
//! decoding damage reported with its byte offset.

mod decode;
mod discover;
mod lines;

pub use decode::{open, Compression, Opened};
pub use discover::{discover, Input, InputKind};
pub use lines::{LineReader, RawLine};

/// The default cut for over-long lines.
pub const DEFAULT_MAX_LINE: usize = 1 << 20;
