//! The progress bar: bytes read over all inputs, on stderr, only when it is a terminal.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    bytes: Arc<AtomicU64>,
    done: Arc<AtomicBool>,
    ticker: Option<JoinHandle<()>>,
}

impl Progress {
    /// `total`: the inputs' size when all are files (stdin has none).
    pub fn start(show: bool, total: Option<u64>) -> Progress {
        let bytes = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let ticker = show.then(|| {
            let (bytes, done) = (bytes.clone(), done.clone());
            std::thread::spawn(move || {
                let bar = match total {
                    Some(t) => ProgressBar::new(t).with_style(
                        ProgressStyle::with_template(
                            "{spinner} reading {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left) {wide_bar}",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                    ),
                    None => ProgressBar::new_spinner().with_style(
                        ProgressStyle::with_template("{spinner} reading {bytes} ({bytes_per_sec})")
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    ),
                };
                while !done.load(Ordering::Relaxed) {
                    bar.set_position(bytes.load(Ordering::Relaxed));
                    std::thread::sleep(Duration::from_millis(100));
                }
                bar.finish_and_clear();
            })
        });
        Progress {
            bytes,
            done,
            ticker,
        }
    }

    /// The counter sources add their raw bytes to.
    pub fn counter(&self) -> Arc<AtomicU64> {
        self.bytes.clone()
    }

    pub fn finish(mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
    }
}
