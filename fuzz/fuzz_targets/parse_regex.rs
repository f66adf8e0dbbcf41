#![no_main]
//! Every built-in regex format on every line: see `coroner::fuzzing::parse`.

use coroner::format::DefKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| coroner::fuzzing::parse(DefKind::Regex, data));
