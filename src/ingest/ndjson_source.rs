//! NDJSON input: one JSON object per line, keys = contract column names.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};

use serde_json::Value as Json;

use super::files::{Encoding, InputFile};
use super::record::Record;
use super::source::{fill_raw_json, open_bytes, ByteCounter};
use super::IngestError;
use crate::schema::KindSpec;

/// An NDJSON file being read.
pub struct NdjsonSource {
    pub(super) kind: &'static KindSpec,
    path: std::path::PathBuf,
    reader: BufReader<Box<dyn Read + Send>>,
    encoding: Encoding,
    line: Vec<u8>,
    lines: u64,
    rows: u64,
    extra: BTreeSet<String>,
}

impl NdjsonSource {
    /// Opens the file.
    pub fn open(f: &InputFile, encoding: Encoding, counter: &ByteCounter) -> Result<NdjsonSource, IngestError> {
        let reader = BufReader::with_capacity(1 << 16, open_bytes(&f.path, f.gzip, counter)?);
        Ok(NdjsonSource {
            kind: f.kind,
            path: f.path.clone(),
            reader,
            encoding,
            line: Vec::new(),
            lines: 0,
            rows: 0,
            extra: BTreeSet::new(),
        })
    }

    /// Keys not in the contract.
    pub fn extra_columns(&self) -> Vec<String> {
        self.extra.iter().cloned().collect()
    }

    /// Reads the next non-blank line as a record.
    pub fn next(&mut self, rec: &mut Record) -> Result<bool, IngestError> {
        loop {
            self.line.clear();
            let n = self.reader.read_until(b'\n', &mut self.line).map_err(|e| IngestError::read(&self.path, e))?;
            if n == 0 {
                return Ok(false);
            }
            self.lines += 1;
            while matches!(self.line.last(), Some(b'\n' | b'\r')) {
                self.line.pop();
            }
            if self.lines == 1 && self.line.starts_with(b"\xEF\xBB\xBF") {
                self.line.drain(..3);
            }
            if !self.line.iter().all(u8::is_ascii_whitespace) {
                break;
            }
        }
        self.rows += 1;
        rec.clear(self.kind.columns.len());
        rec.row = self.rows;
        rec.line = Some(self.lines);
        if !self.encoding.decode_into(&self.line, &mut rec.text) {
            rec.bad = Some("text does not decode");
            return Ok(true);
        }
        let obj = match serde_json::from_str::<Json>(&rec.text) {
            Ok(Json::Object(map)) => map,
            Ok(_) => {
                rec.bad = Some("line is not a JSON object");
                return Ok(true);
            }
            Err(_) => {
                rec.bad = Some("malformed JSON");
                return Ok(true);
            }
        };
        for (key, value) in &obj {
            match self.kind.index_of(key) {
                Some(i) => push_json(rec, i, value),
                None if self.extra.len() < 64 => {
                    self.extra.insert(key.clone());
                }
                None => {}
            }
        }
        Ok(true)
    }
}

/// The contract keys of the line as a JSON object, sensitive ones blanked. A line that is
/// not a JSON object (or does not decode) has no keys to trust, so it keeps nothing: its
/// entry's line number points at it in the file.
pub fn fill_raw(kind: &KindSpec, rec: &mut Record) {
    if rec.bad.is_some() {
        rec.raw.clear();
    } else {
        fill_raw_json(rec, kind);
    }
}

fn push_json(rec: &mut Record, i: usize, value: &Json) {
    match value {
        Json::Null => {}
        Json::String(s) => rec.push_cell(i, s),
        Json::Bool(b) => rec.push_cell(i, if *b { "true" } else { "false" }),
        Json::Number(n) => rec.push_cell(i, &n.to_string()),
        other => rec.push_cell(i, &other.to_string()),
    }
}
