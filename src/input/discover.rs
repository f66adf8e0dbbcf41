//! From INPUT arguments to a list of sources, in a stable order.

use std::path::PathBuf;
use std::sync::Arc;

use walkdir::WalkDir;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputKind {
    Stdin,
    File(PathBuf),
    /// Bytes already in memory, read like a file: for the fuzz targets and tests that
    /// drive a source without a file.
    #[doc(hidden)]
    Bytes(Arc<[u8]>),
}

/// One source of lines: a file or stdin.
#[derive(Clone, Debug)]
pub struct Input {
    /// How the source is named in every output (the path as given, or `-`).
    pub name: String,
    pub kind: InputKind,
    /// Size on disk, when known (for progress).
    pub size: Option<u64>,
}

/// Expands the INPUT arguments. Directories are walked recursively, sorted by name;
/// entries that cannot be read are returned as messages, and the walk goes on.
pub fn discover(args: &[String]) -> (Vec<Input>, Vec<String>) {
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    let mut stdin_seen = false;
    for arg in args {
        if arg == "-" {
            if !stdin_seen {
                inputs.push(Input {
                    name: "-".into(),
                    kind: InputKind::Stdin,
                    size: None,
                });
                stdin_seen = true;
            }
            continue;
        }
        let path = PathBuf::from(arg);
        match std::fs::metadata(&path) {
            Err(e) => problems.push(format!("{arg}: cannot read: {e}")),
            Ok(m) if m.is_dir() => walk(&path, &mut inputs, &mut problems),
            Ok(m) => inputs.push(Input {
                name: arg.clone(),
                kind: InputKind::File(path),
                size: Some(m.len()),
            }),
        }
    }
    (inputs, problems)
}

fn walk(dir: &PathBuf, inputs: &mut Vec<Input>, problems: &mut Vec<String>) {
    let walker = WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter();
    for entry in walker {
        match entry {
            Err(e) => {
                let at = e
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| dir.display().to_string());
                let why = if e.loop_ancestor().is_some() {
                    "symlink loop, skipped".to_string()
                } else {
                    e.io_error()
                        .map_or_else(|| e.to_string(), |io| io.to_string())
                };
                problems.push(format!("{at}: cannot read: {why}"));
            }
            Ok(e) if e.file_type().is_dir() => {}
            Ok(e) if !e.file_type().is_file() => {
                // reading a FIFO would wait for a writer forever; a device has no end
                problems.push(format!(
                    "{}: cannot read: not a regular file (a FIFO, socket or device), skipped",
                    e.path().display()
                ));
            }
            Ok(e) => {
                let size = e.metadata().ok().map(|m| m.len());
                inputs.push(Input {
                    name: e.path().display().to_string(),
                    kind: InputKind::File(e.path().to_path_buf()),
                    size,
                });
            }
        }
    }
}
