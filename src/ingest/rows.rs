//! A stream of records with where each came from: a file, or the replay queue.

use super::prefetch::Prefetch;
use super::quarantine::{Entry, Waiting};
use super::record::Record;
use super::source::{RawFormat, Source};
use super::IngestError;
use crate::schema::KindSpec;

/// Where a record came from, for its quarantine entry.
pub struct Origin<'a> {
    /// File as given on the command line.
    pub file: &'a str,
    /// Hash of the file's content.
    pub source_hash: &'a str,
}

/// Records to check and store.
pub trait Rows {
    /// The next record; false at the end.
    fn next(&mut self, rec: &mut Record) -> Result<bool, IngestError>;
    /// Fills `rec.raw`.
    fn fill_raw(&self, rec: &mut Record);
    /// Where the current record came from.
    fn origin(&self) -> Origin<'_>;
    /// Fills in the physical lines of entries whose reader knew only a byte offset.
    fn resolve_lines(&mut self, _entries: &mut [Entry]) -> Result<(), IngestError> {
        Ok(())
    }
}

/// The records of one file, read ahead on another thread.
pub struct FileRows {
    prefetch: Prefetch,
    raw: RawFormat,
    /// File as given.
    pub file: String,
    /// Content hash.
    pub source_hash: String,
}

impl FileRows {
    /// Starts reading `source`.
    pub fn new(source: Source, file: String, source_hash: String) -> Self {
        let raw = source.raw_format();
        FileRows { prefetch: Prefetch::start(source), raw, file, source_hash }
    }

    /// Columns not in the contract (known once everything is read).
    pub fn extra_columns(&mut self) -> Result<Vec<String>, IngestError> {
        Ok(self.prefetch.source()?.extra_columns())
    }
}

impl Rows for FileRows {
    fn next(&mut self, rec: &mut Record) -> Result<bool, IngestError> {
        self.prefetch.next(rec)
    }
    fn fill_raw(&self, rec: &mut Record) {
        self.raw.fill(rec)
    }
    fn origin(&self) -> Origin<'_> {
        Origin { file: &self.file, source_hash: &self.source_hash }
    }
    fn resolve_lines(&mut self, entries: &mut [Entry]) -> Result<(), IngestError> {
        let offsets: Vec<u64> = entries.iter().filter_map(|e| e.byte).collect();
        if offsets.is_empty() {
            return Ok(());
        }
        let Source::Csv(csv) = self.prefetch.source()? else { return Ok(()) };
        let lines = csv.lines_at(&offsets)?;
        for (e, line) in entries.iter_mut().filter(|e| e.byte.is_some()).zip(lines) {
            e.line = Some(line);
        }
        Ok(())
    }
}

/// Rows waiting for their student, re-read from their stored cells.
pub struct ReplayRows {
    kind: &'static KindSpec,
    items: Vec<Waiting>,
    pos: usize,
}

impl ReplayRows {
    /// Replays `items`, all of `kind`.
    pub fn new(kind: &'static KindSpec, items: Vec<Waiting>) -> Self {
        ReplayRows { kind, items, pos: 0 }
    }
}

impl Rows for ReplayRows {
    fn next(&mut self, rec: &mut Record) -> Result<bool, IngestError> {
        let Some(w) = self.items.get(self.pos) else {
            return Ok(false);
        };
        self.pos += 1;
        rec.clear(self.kind.columns.len());
        rec.line = w.line;
        rec.row = w.row;
        let cells: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&w.payload).unwrap_or_default();
        for (i, c) in self.kind.columns.iter().enumerate() {
            if let Some(serde_json::Value::String(s)) = cells.get(c.name) {
                rec.push_cell(i, s);
            }
        }
        Ok(true)
    }
    fn fill_raw(&self, rec: &mut Record) {
        super::source::fill_raw_json(rec, self.kind);
    }
    fn origin(&self) -> Origin<'_> {
        match self.items.get(self.pos.wrapping_sub(1)) {
            Some(w) => Origin { file: &w.file, source_hash: &w.source_hash },
            None => Origin { file: "", source_hash: "" },
        }
    }
}

/// Every contract cell as a JSON object of strings (for the replay queue); columns the
/// contract does not list were never read into `rec`, so they cannot reach it.
pub fn payload(rec: &Record, kind: &KindSpec) -> String {
    let map: serde_json::Map<String, serde_json::Value> = kind
        .columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((c.name.to_string(), serde_json::Value::String(rec.cell(i)?.to_string()))))
        .collect();
    serde_json::Value::Object(map).to_string()
}
