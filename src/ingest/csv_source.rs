//! CSV input: byte records from the `csv` crate, decoded per record so that one
//! undecodable row is a `bad_row` rather than a failed file.

use std::collections::VecDeque;
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::files::{Encoding, InputFile};
use super::record::Record;
use super::source::{has_personal, is_personal, map_header, open_bytes, ByteCounter};
use super::IngestError;
use crate::schema::KindSpec;

/// A CSV file being read.
pub struct CsvSource {
    pub(super) kind: &'static KindSpec,
    path: PathBuf,
    reader: csv::Reader<NewlineTap>,
    lines: Arc<Mutex<LineIndex>>,
    encoding: Encoding,
    /// Contract column → header position.
    map: Vec<Option<usize>>,
    /// Header position → contract column.
    inverse: Vec<Option<usize>>,
    width: usize,
    extra: Vec<String>,
    record: csv::ByteRecord,
    rows: u64,
    /// Physical field spans of the current record in `Record::buf`.
    phys: Vec<(u32, u32)>,
}

impl CsvSource {
    /// Opens the file and reads and checks its header.
    pub fn open(
        f: &InputFile,
        encoding: Encoding,
        counter: &ByteCounter,
    ) -> Result<CsvSource, IngestError> {
        let lines = Arc::new(Mutex::new(LineIndex::default()));
        let bytes = NewlineTap {
            inner: open_bytes(&f.path, f.gzip, counter)?,
            lines: lines.clone(),
            seen: 0,
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .from_reader(bytes);
        let mut head = csv::ByteRecord::new();
        let got = reader
            .read_byte_record(&mut head)
            .map_err(|e| IngestError::csv(&f.path, e))?;
        if !got || head.iter().all(|h| h.is_empty()) {
            return Err(IngestError::NoHeader {
                path: f.path.clone(),
            });
        }
        let mut header = Vec::with_capacity(head.len());
        for (i, h) in head.iter().enumerate() {
            let h = if i == 0 {
                h.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(h)
            } else {
                h
            };
            let mut s = String::new();
            if !encoding.decode_into(h, &mut s) {
                return Err(IngestError::NoHeader {
                    path: f.path.clone(),
                });
            }
            header.push(s);
        }
        let (map, extra) = map_header(f.kind, &header, &f.path)?;
        let mut inverse = vec![None; header.len()];
        for (ci, pos) in map.iter().enumerate() {
            if let Some(p) = pos {
                inverse[*p] = Some(ci);
            }
        }
        Ok(CsvSource {
            kind: f.kind,
            path: f.path.clone(),
            reader,
            lines,
            encoding,
            map,
            inverse,
            width: header.len(),
            extra,
            record: csv::ByteRecord::new(),
            rows: 0,
            phys: Vec::new(),
        })
    }

    /// Columns not in the contract.
    pub fn extra_columns(&self) -> Vec<String> {
        self.extra.clone()
    }

    /// Reads the next record.
    pub fn next(&mut self, rec: &mut Record) -> Result<bool, IngestError> {
        loop {
            let got = self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(|e| IngestError::csv(&self.path, e))?;
            if !got {
                return Ok(false);
            }
            // A blank line is not a data row (the csv crate yields it as one empty field).
            if self.record.len() == 1 && self.record.as_slice().is_empty() && self.width > 1 {
                continue;
            }
            break;
        }
        self.rows += 1;
        rec.clear(self.kind.columns.len());
        rec.row = self.rows;
        rec.line = self.record.position().map(|p| self.line_of(p.byte()));
        self.phys.clear();
        if self.record.len() != self.width {
            rec.bad = Some("wrong number of fields");
            self.decode_lossy(rec);
            return Ok(true);
        }
        if !self.decode(rec) {
            rec.bad = Some("text does not decode");
            self.decode_lossy(rec);
            return Ok(true);
        }
        for (ci, pos) in self.map.iter().enumerate() {
            if let Some(p) = pos {
                rec.cells[ci] = self.phys.get(*p).copied();
            }
        }
        Ok(true)
    }

    fn line_of(&self, byte: u64) -> u64 {
        self.lines.lock().map(|mut l| l.line_at(byte)).unwrap_or(0)
    }

    fn decode(&mut self, rec: &mut Record) -> bool {
        if self.encoding == Encoding::Utf8 {
            // Delimiters and quotes are ASCII, so a record decodes iff its concatenated
            // fields do: one check per record instead of one per field.
            if !Encoding::Utf8.decode_into(self.record.as_slice(), &mut rec.buf) {
                return false;
            }
            let base = 0u32;
            for i in 0..self.record.len() {
                if let Some(r) = self.record.range(i) {
                    self.phys.push((base + r.start as u32, base + r.end as u32));
                }
            }
            return true;
        }
        for field in self.record.iter() {
            let start = rec.buf.len() as u32;
            if !self.encoding.decode_into(field, &mut rec.buf) {
                rec.buf.clear();
                self.phys.clear();
                return false;
            }
            self.phys.push((start, rec.buf.len() as u32));
        }
        true
    }

    fn decode_lossy(&mut self, rec: &mut Record) {
        rec.buf.clear();
        self.phys.clear();
        for field in self.record.iter() {
            let start = rec.buf.len() as u32;
            rec.buf.push_str(&String::from_utf8_lossy(field));
            self.phys.push((start, rec.buf.len() as u32));
        }
    }

    /// Re-serialises the record as CSV with personal-data fields blanked. A row whose
    /// fields cannot be matched to the header keeps nothing when the kind holds personal
    /// data: a shifted field could carry a name into `raw`.
    pub fn fill_raw(&self, rec: &mut Record) {
        if rec.bad.is_some() && self.record.len() != self.width && has_personal(self.kind) {
            rec.raw.clear();
            return;
        }
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let fields: Vec<&str> = self
            .phys
            .iter()
            .enumerate()
            .map(|(pos, (s, e))| {
                let personal = self
                    .inverse
                    .get(pos)
                    .copied()
                    .flatten()
                    .is_some_and(|ci| is_personal(self.kind, ci));
                if personal {
                    ""
                } else {
                    rec.buf.get(*s as usize..*e as usize).unwrap_or("")
                }
            })
            .collect();
        let _ = w.write_record(&fields);
        let mut out = w.into_inner().unwrap_or_default();
        if out.last() == Some(&b'\n') {
            out.pop();
        }
        rec.raw = String::from_utf8_lossy(&out).into_owned();
    }
}

/// Physical line numbers from byte offsets. The csv crate's record position points at
/// the terminator or blank lines before a record (its own line count treats `\r\n`
/// unevenly), and the contract's line is the physical one; so line breaks are counted as
/// the bytes stream past, and a record starts after any run of `\r`/`\n` at its position.
#[derive(Default)]
struct LineIndex {
    /// Offsets of `\r` (false) and `\n` (true) bytes not yet passed by a record start.
    pending: VecDeque<(u64, bool)>,
    /// Newlines already passed.
    passed: u64,
}

impl LineIndex {
    /// The 1-based line of a record found at `byte`; offsets must not decrease.
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut pos = byte;
        while let Some(&(off, newline)) = self.pending.front() {
            if off > pos {
                break;
            }
            if off == pos {
                pos += 1;
            }
            self.passed += u64::from(newline);
            self.pending.pop_front();
        }
        self.passed + 1
    }
}

/// Records the offset of every line-break byte read through it.
struct NewlineTap {
    inner: Box<dyn Read + Send>,
    lines: Arc<Mutex<LineIndex>>,
    seen: u64,
}

impl Read for NewlineTap {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut l) = self.lines.lock() {
            let base = self.seen;
            let breaks = buf[..n]
                .iter()
                .enumerate()
                .filter(|(_, b)| matches!(**b, b'\n' | b'\r'));
            l.pending
                .extend(breaks.map(|(i, b)| (base + i as u64, *b == b'\n')));
        }
        self.seen += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_physical_newlines() {
        let lines = |data: &[u8]| {
            let tap = NewlineTap {
                inner: Box::new(std::io::Cursor::new(data.to_vec())),
                lines: Default::default(),
                seen: 0,
            };
            let index = tap.lines.clone();
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(tap);
            let mut rec = csv::ByteRecord::new();
            let mut out = Vec::new();
            while r.read_byte_record(&mut rec).unwrap_or(false) {
                let byte = rec.position().map_or(0, |p| p.byte());
                out.push(index.lock().map(|mut l| l.line_at(byte)).unwrap_or(0));
            }
            out
        };
        assert_eq!(lines(b"a,b\n1,2\n3,4\n"), [1, 2, 3]);
        assert_eq!(lines(b"a,b\r\n1,2\r\n3,4\r\n"), [1, 2, 3]);
        assert_eq!(lines(b"a,b\n\n\n1,2\n\"x\ny\",3\n4,5"), [1, 4, 5, 7]);
        assert_eq!(lines(b"a,b\r\n\r\n1,2\r\n"), [1, 3]);
    }
}
