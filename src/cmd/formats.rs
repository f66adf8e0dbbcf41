//! `coroner formats`: the known log formats, with their origin.

use std::io::{self, Write};

use serde_json::json;

use super::Exit;
use crate::cli::FormatsArgs;

pub fn run(args: FormatsArgs) -> anyhow::Result<Exit> {
    let reg = crate::load_registry(args.parsers.as_deref())?;
    let mut out = io::stdout().lock();
    if args.json {
        let list: Vec<_> = reg
            .formats()
            .iter()
            .map(|f| {
                json!({
                    "id": &*f.id,
                    "title": f.title,
                    "origin": f.origin.to_string(),
                    "patterns": f.pattern_names().collect::<Vec<_>>(),
                    "samples": f.def.samples.len(),
                })
            })
            .collect();
        crate::render::json::write_pretty(&mut out, &list).map_err(io::Error::from)?;
        writeln!(out)?;
    } else {
        let w = reg.formats().iter().map(|f| f.id.len()).max().unwrap_or(2);
        let o = reg
            .formats()
            .iter()
            .map(|f| f.origin.to_string().len())
            .max()
            .unwrap_or(6);
        writeln!(out, "{:<w$}  {:<o$}  title", "id", "origin")?;
        for f in reg.formats() {
            writeln!(
                out,
                "{:<w$}  {:<o$}  {}",
                f.id,
                f.origin.to_string(),
                f.title
            )?;
        }
    }
    out.flush()?;
    Ok(Exit::Ok)
}
