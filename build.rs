//! Embeds `parsers/*.json` into the binary as the built-in format definitions.

use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=parsers");
    let root = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&root).join("parsers");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("parsers/ directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = String::from("/// Built-in definitions: (file name, text).\npub static BUILTIN_PARSERS: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = format!("parsers/{}", f.file_name().unwrap().to_string_lossy());
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            f.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("builtin_parsers.rs");
    fs::write(dest, out).expect("write builtin_parsers.rs");
}
