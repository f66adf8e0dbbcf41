//! The known formats: built-ins embedded at build time, plus `--parsers DIR` files
//! (checked against their samples when loaded; a file with the same id replaces the
//! built-in).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{check_samples, Def, DefError, DefKind, Format};

include!(concat!(env!("OUT_DIR"), "/builtin_parsers.rs"));

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    BuiltIn,
    File(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::BuiltIn => f.write_str("built-in"),
            Origin::File(p) => write!(f, "{}", p.display()),
        }
    }
}

pub struct Registry {
    formats: Vec<Arc<Format>>,
    /// The envelope formats among them (every line is offered to each).
    envelopes: Vec<usize>,
}

impl Registry {
    /// The built-in formats. Their samples are checked by the test suite, not at startup.
    pub fn builtin() -> Result<Registry, DefError> {
        let mut formats = Vec::new();
        for (name, text) in BUILTIN_PARSERS {
            formats.push(Arc::new(load(name, text, Origin::BuiltIn)?));
        }
        let mut reg = Registry {
            formats,
            envelopes: Vec::new(),
        };
        reg.index();
        Ok(reg)
    }

    fn index(&mut self) {
        self.envelopes = (0..self.formats.len())
            .filter(|&i| self.formats[i].is_envelope())
            .collect();
    }

    /// Adds the definitions of `dir` (`*.json`), each checked against its samples.
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), DefError> {
        let entries = std::fs::read_dir(dir).map_err(|e| DefError {
            file: dir.display().to_string(),
            field: "-".into(),
            message: format!("cannot read the directory: {e}"),
        })?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        for path in paths {
            let name = path.display().to_string();
            let text = std::fs::read_to_string(&path).map_err(|e| DefError {
                file: name.clone(),
                field: "-".into(),
                message: format!("cannot read: {e}"),
            })?;
            let format = load(&name, &text, Origin::File(path.clone()))?;
            let problems = check_samples(&format);
            if let Some(first) = problems.first() {
                return Err(DefError {
                    file: name,
                    field: first.field.clone(),
                    message: if problems.len() > 1 {
                        format!(
                            "{} (and {} more problems)",
                            first.message,
                            problems.len() - 1
                        )
                    } else {
                        first.message.clone()
                    },
                });
            }
            self.formats.retain(|f| f.id != format.id);
            self.formats.push(Arc::new(format));
            self.index();
        }
        Ok(())
    }

    pub fn formats(&self) -> &[Arc<Format>] {
        &self.formats
    }

    /// Envelope formats (CRI prefix…): peeled off before a line is parsed.
    pub fn envelopes(&self) -> impl Iterator<Item = usize> + '_ {
        self.envelopes.iter().copied()
    }

    /// If an envelope wraps `text`: the envelope format and the inner line's range.
    pub fn peel(&self, text: &str) -> Option<(usize, std::ops::Range<usize>)> {
        self.envelopes()
            .find_map(|e| self.formats[e].inner_range(text).map(|r| (e, r)))
    }

    /// Are there delimited formats, whose header directives (`#fields`…) are source state?
    pub fn reads_headers(&self) -> bool {
        self.formats.iter().any(|f| f.kind == DefKind::Delimited)
    }

    pub fn get(&self, id: &str) -> Option<&Arc<Format>> {
        self.formats.iter().find(|f| &*f.id == id)
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.formats.iter().position(|f| &*f.id == id)
    }
}

/// Parses and compiles one definition file.
pub fn load(name: &str, text: &str, origin: Origin) -> Result<Format, DefError> {
    let def: Def = serde_json::from_str(text).map_err(|e| DefError {
        file: name.to_string(),
        field: field_of_serde_error(&e.to_string()),
        message: e.to_string(),
    })?;
    Format::compile(def, name, origin)
}

/// serde says "unknown field `regx`, expected …" or "missing field `id`": name it.
fn field_of_serde_error(msg: &str) -> String {
    msg.split('`').nth(1).unwrap_or("-").to_string()
}
