//! Impact: request events folded into per-second buckets while streaming, then analysed
//! per window (the only place polars is used).
//!
//! Consumes request events; guarantees memory that grows with buckets, backends and
//! distinct clients, never with lines. Bucket tables are a monoid: they merge by addition
//! (and client sets by union), so sources fold in parallel and merge at the end.

pub mod analysis;
pub mod buckets;

pub use analysis::{analyse, Analysis, Thresholds, Window, WindowSignal};
pub use buckets::{Bucket, BucketKey, Buckets, ClientBudget, CLIENT_SET_BUDGET};
