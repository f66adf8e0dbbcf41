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
    /// The first bytes a line an envelope takes may start with (256: an empty line).
    envelope_starts: Box<[bool; 257]>,
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
            envelope_starts: Box::new([false; 257]),
        };
        reg.index();
        Ok(reg)
    }

    fn index(&mut self) {
        self.envelopes = (0..self.formats.len())
            .filter(|&i| self.formats[i].is_envelope())
            .collect();
        for (b, may) in self.envelope_starts.iter_mut().enumerate() {
            let first = u8::try_from(b).ok();
            *may = self
                .envelopes
                .iter()
                .any(|&e| self.formats[e].may_start_with(first));
        }
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
        let first = text.as_bytes().first().map_or(256, |&b| b as usize);
        if !self.envelope_starts[first] {
            return None;
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    static REG: std::sync::LazyLock<Registry> =
        std::sync::LazyLock::new(|| Registry::builtin().unwrap());

    proptest! {
        /// The first-byte table only spares offering a line to envelopes that cannot take it.
        #[test]
        fn peeling_skips_only_lines_no_envelope_takes(
            first in prop::sample::select(vec!["", "2", "F", "{", " ", "\u{e9}"]),
            rest in prop::sample::select(vec![
                "",
                "024-04-04T22:00:01.123456789Z stdout F hello",
                "2024-04-04T22:00:01.123456789Z stderr P part",
                "eb 13 21:00:00 lb1 haproxy[2241]: x",
            ]),
        ) {
            let text = format!("{first}{rest}");
            let every = REG
                .envelopes()
                .find_map(|e| REG.formats()[e].inner_range(&text).map(|r| (e, r)));
            prop_assert_eq!(REG.peel(&text), every);
        }
    }

    #[test]
    fn a_cri_line_is_peeled_and_a_syslog_line_is_not() {
        assert!(REG
            .peel("2024-04-04T22:00:01.123456789Z stdout F hello")
            .is_some());
        assert!(REG.peel("Feb 13 21:00:00 lb1 haproxy[2241]: x").is_none());
        assert!(REG.peel("").is_none());
    }
}
