//! The decompression ceiling that `benches/compare.sh` measures coroner against: gzip
//! (flate2 with the zlib-rs backend, as coroner reads it) decoded and split into lines,
//! nothing else. Prints the line count.
//!
//! `cargo run --release --example decode_ceiling -- FILE.gz`

use std::io::Read;

fn main() -> std::io::Result<()> {
    let path = std::env::args()
        .nth(1)
        .expect("usage: decode_ceiling FILE.gz");
    let file = std::fs::File::open(path)?;
    let mut d = flate2::read::MultiGzDecoder::new(std::io::BufReader::with_capacity(1 << 20, file));
    let mut buf = vec![0u8; 1 << 20];
    let (mut lines, mut bytes) = (0u64, 0u64);
    loop {
        let n = d.read(&mut buf)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
    }
    println!("{lines} lines, {bytes} bytes");
    Ok(())
}
