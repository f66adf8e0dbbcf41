//! Integration tests, one binary: they drive the library and the `coroner` binary over
//! the real corpus (tests/corpus, with its PROVENANCE.md) and generated inputs.

mod cli;
mod corpus;
mod definitions;
mod incidents;
mod merge_props;
mod samples;
mod support;
