//! Integration tests, one binary: they drive the library and the `coroner` binary over
//! the real corpus (tests/corpus, with its PROVENANCE.md) and generated inputs.

mod check;
mod cli;
mod corpus;
mod definitions;
mod fast_paths;
mod framing;
mod golden;
mod hostile;
mod incidents;
mod merge_props;
mod report;
mod samples;
mod skew;
mod support;
mod time_props;
