//! CSV input: byte records from the `csv` crate, decoded per record so that one
//! undecodable row is a `bad_row` rather than a failed file.

use std::io::Read;
use std::path::PathBuf;

use super::files::{Encoding, InputFile};
use super::record::Record;
use super::source::{is_blanked, map_header, open_bytes, ByteCounter};
use super::IngestError;
use crate::schema::KindSpec;

/// A CSV file being read.
pub struct CsvSource {
    pub(super) kind: &'static KindSpec,
    path: PathBuf,
    reader: csv::Reader<Box<dyn Read + Send>>,
    gzip: bool,
    encoding: Encoding,
    /// Contract column → header position.
    map: Vec<Option<usize>>,
    width: usize,
    extra: Vec<String>,
    record: csv::ByteRecord,
    rows: u64,
}

impl CsvSource {
    /// Opens the file and reads and checks its header.
    pub fn open(f: &InputFile, encoding: Encoding, counter: &ByteCounter) -> Result<CsvSource, IngestError> {
        let bytes = open_bytes(&f.path, f.gzip, counter)?;
        let mut reader = csv::ReaderBuilder::new().flexible(true).has_headers(false).from_reader(bytes);
        let mut head = csv::ByteRecord::new();
        let got = reader.read_byte_record(&mut head).map_err(|e| IngestError::csv(&f.path, e))?;
        if !got || head.iter().all(|h| h.is_empty()) {
            return Err(IngestError::NoHeader { path: f.path.clone() });
        }
        let mut header = Vec::with_capacity(head.len());
        for (i, h) in head.iter().enumerate() {
            let h = if i == 0 { h.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(h) } else { h };
            let mut s = String::new();
            if !encoding.decode_into(h, &mut s) {
                return Err(IngestError::NoHeader { path: f.path.clone() });
            }
            header.push(s);
        }
        let (map, extra) = map_header(f.kind, &header, &f.path)?;
        Ok(CsvSource {
            kind: f.kind,
            path: f.path.clone(),
            reader,
            gzip: f.gzip,
            encoding,
            map,
            width: header.len(),
            extra,
            record: csv::ByteRecord::new(),
            rows: 0,
        })
    }

    /// Columns not in the contract.
    pub fn extra_columns(&self) -> Vec<String> {
        self.extra.clone()
    }

    /// Reads the next record.
    pub fn next(&mut self, rec: &mut Record) -> Result<bool, IngestError> {
        loop {
            let got = self.reader.read_byte_record(&mut self.record).map_err(|e| IngestError::csv(&self.path, e))?;
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
        // The physical line is worked out later, and only for rows that need one.
        rec.line = None;
        rec.byte = self.record.position().map(|p| p.byte());
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
                rec.cells[ci] = rec.phys.get(*p).copied();
            }
        }
        Ok(true)
    }

    /// Physical lines of the records found at `offsets` (ascending), by reading the file again.
    pub fn lines_at(&self, offsets: &[u64]) -> Result<Vec<u64>, IngestError> {
        let counter = super::source::ByteCounter::default();
        let reader = open_bytes(&self.path, self.gzip, &counter)?;
        lines_at(reader, offsets).map_err(|e| IngestError::read(&self.path, e))
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
                    rec.phys.push((base + r.start as u32, base + r.end as u32));
                }
            }
            return true;
        }
        for field in self.record.iter() {
            let start = rec.buf.len() as u32;
            if !self.encoding.decode_into(field, &mut rec.buf) {
                rec.buf.clear();
                rec.phys.clear();
                return false;
            }
            rec.phys.push((start, rec.buf.len() as u32));
        }
        true
    }

    fn decode_lossy(&mut self, rec: &mut Record) {
        rec.buf.clear();
        rec.phys.clear();
        for field in self.record.iter() {
            let start = rec.buf.len() as u32;
            rec.buf.push_str(&String::from_utf8_lossy(field));
            rec.phys.push((start, rec.buf.len() as u32));
        }
    }

    /// What `raw` needs to know of this file's header.
    pub fn raw_format(&self) -> CsvRaw {
        CsvRaw { kind: self.kind, map: self.map.clone(), width: self.width }
    }
}

/// Writes a CSV record's `raw`: the contract's columns, in contract order, re-serialised
/// as one CSV line, with personal, protected and sensitive columns blanked. Columns the
/// contract does not list (a phone number, an ID card number) are never copied.
#[derive(Debug, Clone)]
pub struct CsvRaw {
    kind: &'static KindSpec,
    /// Contract column → header position.
    map: Vec<Option<usize>>,
    width: usize,
}

impl CsvRaw {
    /// Fills `rec.raw`. A row whose field count differs from the header's keeps nothing:
    /// its fields cannot be matched to columns, so any of them could be a shifted name or
    /// an extra column. Its entry's line number points at it in the file.
    pub fn fill(&self, rec: &mut Record) {
        rec.raw.clear();
        if rec.phys.len() != self.width {
            return;
        }
        let fields: Vec<&str> = self
            .map
            .iter()
            .enumerate()
            .map(|(ci, pos)| match pos {
                Some(p) if !is_blanked(self.kind, ci) => {
                    rec.phys.get(*p).and_then(|(s, e)| rec.buf.get(*s as usize..*e as usize)).unwrap_or("")
                }
                _ => "",
            })
            .collect();
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
        let _ = w.write_record(&fields);
        let mut out = w.into_inner().unwrap_or_default();
        if out.last() == Some(&b'\n') {
            out.pop();
        }
        rec.raw = String::from_utf8_lossy(&out).into_owned();
    }
}

/// The 1-based physical lines of records that the csv reader found at byte `offsets`
/// (ascending). The reader's position points at the line break or blank lines before a
/// record (and its own line count treats `\r\n` unevenly), so a record starts after any
/// run of `\r`/`\n` at its position. Done in a second pass, only for quarantined rows,
/// because tracking lines for every row cost 5% of ingest time.
fn lines_at(mut reader: impl Read, offsets: &[u64]) -> std::io::Result<Vec<u64>> {
    let mut out = Vec::with_capacity(offsets.len());
    let (mut newlines, mut pos) = (0u64, 0u64);
    let mut target = offsets.first().copied();
    let mut buf = vec![0u8; 1 << 16];
    'read: while let Some(mut t) = target {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let mut i = 0usize;
        while i < n {
            if pos + (i as u64) < t {
                let end = n.min((t - pos) as usize);
                newlines += memchr::memchr_iter(b'\n', &buf[i..end]).count() as u64;
                i = end;
                continue;
            }
            match buf[i] {
                b'\n' | b'\r' => {
                    newlines += u64::from(buf[i] == b'\n');
                    t += 1;
                    i += 1;
                }
                _ => {
                    out.push(newlines + 1);
                    match offsets.get(out.len()) {
                        Some(&next) => t = next,
                        None => break 'read,
                    }
                }
            }
        }
        pos += n as u64;
        target = Some(t);
    }
    out.resize(offsets.len(), newlines + 1);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_physical_newlines() {
        let lines = |data: &[u8]| {
            let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(data);
            let mut rec = csv::ByteRecord::new();
            let mut offsets = Vec::new();
            while r.read_byte_record(&mut rec).unwrap_or(false) {
                offsets.push(rec.position().map_or(0, |p| p.byte()));
            }
            lines_at(data, &offsets).unwrap_or_default()
        };
        assert_eq!(lines(b"a,b\n1,2\n3,4\n"), [1, 2, 3]);
        assert_eq!(lines(b"a,b\r\n1,2\r\n3,4\r\n"), [1, 2, 3]);
        assert_eq!(lines(b"a,b\n\n\n1,2\n\"x\ny\",3\n4,5"), [1, 4, 5, 7]);
        assert_eq!(lines(b"a,b\r\n\r\n1,2\r\n"), [1, 3]);
    }
}
