//! Progress bars on a terminal (indicatif); nothing when stderr is a pipe.

use std::sync::atomic::Ordering;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use crate::ingest::{ByteCounter, FileReport, Progress};

/// Draws one bar per file, by bytes read.
pub struct Bars {
    current: Mutex<Option<(ProgressBar, ByteCounter)>>,
}

impl Bars {
    pub fn new() -> Self {
        Bars { current: Mutex::new(None) }
    }
}

impl Progress for Bars {
    fn file_started(&self, file: &str, bytes: u64, read: &ByteCounter) {
        let bar = ProgressBar::new(bytes);
        let style = ProgressStyle::with_template("{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_prefix(file.to_string());
        if let Ok(mut cur) = self.current.lock() {
            *cur = Some((bar, read.clone()));
        }
    }

    fn tick(&self) {
        if let Ok(cur) = self.current.lock() {
            if let Some((bar, read)) = cur.as_ref() {
                bar.set_position(read.load(Ordering::Relaxed));
            }
        }
    }

    fn file_finished(&self, _report: &FileReport) {
        if let Ok(mut cur) = self.current.lock() {
            if let Some((bar, _)) = cur.take() {
                bar.finish_and_clear();
            }
        }
    }
}
