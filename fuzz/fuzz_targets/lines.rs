#![no_main]
//! See `coroner::fuzzing::lines` for what this target drives and checks.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| coroner::fuzzing::lines(data));
