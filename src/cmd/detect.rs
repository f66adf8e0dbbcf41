//! `coroner detect`: which format each input is, with confidence.

use std::io::{self, Write};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use serde_json::json;

use super::Exit;
use crate::cli::DetectArgs;
use crate::input::discover;
use crate::scan::{prepare, ScanOptions};

pub fn run(args: DetectArgs) -> anyhow::Result<Exit> {
    let registry = Arc::new(crate::load_registry(args.parsers.as_deref())?);
    let opts = ScanOptions {
        reorder_window: 0,
        reorder_max: 1,
        ..ScanOptions::with_defaults(registry.clone())
    };
    let inputs = if args.inputs.is_empty() {
        vec!["-".to_string()]
    } else {
        args.inputs.clone()
    };
    let (inputs, problems) = discover(&inputs);
    let mut exit = if problems.is_empty() {
        Exit::Ok
    } else {
        Exit::Damaged
    };
    for p in &problems {
        eprintln!("coroner: warning: {p}");
    }
    let mut rows = Vec::new();
    for (i, input) in inputs.into_iter().enumerate() {
        let p = prepare(input, i as u32, &opts, Arc::new(AtomicU64::new(0)));
        let d = &p.detection;
        let name = |i: usize| registry.formats()[i].id.to_string();
        rows.push((
            p.input.name.clone(),
            d.primary().map(name),
            d.confidence(),
            d.looked_at,
            d.scores
                .iter()
                .skip(1)
                .take(3)
                .map(|s| name(s.format))
                .collect::<Vec<_>>(),
        ));
    }
    let mut out = io::stdout().lock();
    if args.json {
        let list: Vec<_> = rows
            .iter()
            .map(|(input, format, conf, n, others)| {
                json!({"input": input, "format": format, "confidence": conf, "lines_examined": n, "also": others})
            })
            .collect();
        crate::render::json::write_pretty(&mut out, &list).map_err(io::Error::from)?;
        writeln!(out)?;
    } else {
        let w = rows
            .iter()
            .map(|r| r.0.chars().count())
            .max()
            .unwrap_or(5)
            .max(5);
        writeln!(out, "{:<w$}  {:<24}  confidence", "input", "format")?;
        for (input, format, conf, n, others) in &rows {
            let also = if others.is_empty() {
                String::new()
            } else {
                format!("  (also fits: {})", others.join(", "))
            };
            writeln!(
                out,
                "{:<w$}  {:<24}  {:>5.1}% of {} lines{}",
                crate::render::clean(input),
                format.as_deref().unwrap_or("unknown"),
                conf * 100.0,
                n,
                also
            )?;
            if format.is_none() {
                exit = Exit::Damaged;
            }
        }
    }
    out.flush()?;
    Ok(exit)
}
