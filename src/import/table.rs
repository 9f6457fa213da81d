//! Reading a source table (`NAME.csv` or `NAME.csv.gz`, streamed, columns by name) and
//! writing a contract file (`<kind>.csv` via `<kind>.csv.tmp` and a rename).

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use super::{ImportError, Rejection};
use crate::schema::KindSpec;

/// Finds `NAME.csv` or `NAME.csv.gz` in `dir` (exactly one of them).
pub(crate) fn locate(dir: &Path, table: &str) -> Result<PathBuf, ImportError> {
    let plain = dir.join(format!("{table}.csv"));
    let gz = dir.join(format!("{table}.csv.gz"));
    match (plain.is_file(), gz.is_file()) {
        (true, false) => Ok(plain),
        (false, true) => Ok(gz),
        (true, true) => Err(ImportError::AmbiguousTable { dir: dir.to_path_buf(), table: table.to_string() }),
        (false, false) => Err(ImportError::MissingTable { dir: dir.to_path_buf(), table: table.to_string() }),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// A source table read row by row; fields are fetched by the position of their column in
/// the list given to [`Input::open`].
pub(crate) struct Input {
    path: PathBuf,
    /// File name (for reports).
    pub file: String,
    reader: csv::Reader<Box<dyn Read>>,
    cols: Vec<usize>,
    names: &'static [&'static str],
    record: csv::StringRecord,
    /// Data rows read so far (unreadable rows included).
    pub rows: u64,
    /// Physical line of the current row.
    pub line: u64,
}

/// One step of [`Input::next`].
pub(crate) enum Step {
    /// A row is available through [`Input::get`].
    Row,
    /// A row that cannot be read (wrong number of fields, not UTF-8): a `bad_row`.
    Bad,
}

impl Input {
    /// Opens `dir/table.csv[.gz]` and checks that every column in `names` is in its header.
    pub(crate) fn open(dir: &Path, table: &str, names: &'static [&'static str]) -> Result<Input, ImportError> {
        let path = locate(dir, table)?;
        let f = File::open(&path).map_err(|source| ImportError::Open { path: path.clone(), source })?;
        let gz = path.extension().is_some_and(|e| e == "gz");
        let raw: Box<dyn Read> = if gz {
            Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 16, f)))
        } else {
            Box::new(f)
        };
        let mut reader = csv::ReaderBuilder::new().buffer_capacity(1 << 16).from_reader(raw);
        let header = reader
            .headers()
            .map_err(|e| ImportError::Read { path: path.clone(), line: 1, message: e.to_string() })?
            .clone();
        if header.is_empty() || (header.len() == 1 && header.get(0).is_some_and(str::is_empty)) {
            return Err(ImportError::NoHeader { path });
        }
        let mut cols = Vec::with_capacity(names.len());
        for name in names {
            // A UTF-8 byte-order mark before the first name is tolerated.
            let at = header.iter().position(|h| h.trim_start_matches('\u{feff}') == *name);
            match at {
                Some(i) => cols.push(i),
                None => return Err(ImportError::MissingColumn { path, column: (*name).to_string() }),
            }
        }
        let file = file_name(&path);
        Ok(Input { path, file, reader, cols, names, record: csv::StringRecord::new(), rows: 0, line: 1 })
    }

    /// The next row; `None` at the end.
    pub(crate) fn next(&mut self) -> Result<Option<Step>, ImportError> {
        match self.reader.read_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                self.rows += 1;
                self.line = self.record.position().map_or(self.line + 1, |p| p.line());
                Ok(Some(Step::Row))
            }
            Err(e) => {
                let pos = match e.kind() {
                    csv::ErrorKind::UnequalLengths { pos, .. } => Some(pos.as_ref().map(|p| p.line())),
                    csv::ErrorKind::Utf8 { pos, .. } => Some(pos.as_ref().map(|p| p.line())),
                    _ => None,
                };
                match pos {
                    Some(line) => {
                        self.rows += 1;
                        self.line = line.unwrap_or(self.line + 1);
                        Ok(Some(Step::Bad))
                    }
                    None => Err(ImportError::Read { path: self.path.clone(), line: self.line, message: e.to_string() }),
                }
            }
        }
    }

    /// Field `i` (position in the `names` given to [`Input::open`]) of the current row.
    pub(crate) fn get(&self, i: usize) -> &str {
        self.cols.get(i).and_then(|&c| self.record.get(c)).unwrap_or("")
    }

    /// A rejection of the current row.
    pub(crate) fn reject(&self, reason: &'static str, column: Option<usize>, ids: String) -> Rejection {
        Rejection {
            file: self.file.clone(),
            line: self.line,
            reason,
            column: column.and_then(|c| self.names.get(c).copied()),
            ids,
        }
    }
}

/// A contract file being written: header from the kind's columns, rows in contract order.
pub(crate) struct Output {
    path: PathBuf,
    tmp: PathBuf,
    writer: csv::Writer<BufWriter<File>>,
    width: usize,
    /// Data rows written.
    pub rows: u64,
}

impl Output {
    /// Creates `dir/<kind>.csv.tmp` and writes the header.
    pub(crate) fn create(dir: &Path, kind: &str) -> Result<Output, ImportError> {
        let kind = KindSpec::by_name(kind).ok_or_else(|| ImportError::Bug(format!("no record kind `{kind}`")))?;
        let path = dir.join(format!("{}.csv", kind.name));
        let tmp = dir.join(format!("{}.csv.tmp", kind.name));
        let f = File::create(&tmp).map_err(|source| ImportError::Write { path: tmp.clone(), source })?;
        let mut writer = csv::WriterBuilder::new().from_writer(BufWriter::with_capacity(1 << 16, f));
        let names: Vec<&str> = kind.columns.iter().map(|c| c.name).collect();
        writer.write_record(&names).map_err(|e| write_error(&tmp, e))?;
        Ok(Output { path, tmp, writer, width: names.len(), rows: 0 })
    }

    /// Writes one row (as many fields as the kind has columns).
    pub(crate) fn row(&mut self, fields: &[&str]) -> Result<(), ImportError> {
        debug_assert_eq!(fields.len(), self.width, "{}", self.path.display());
        self.writer.write_record(fields).map_err(|e| write_error(&self.tmp, e))?;
        self.rows += 1;
        Ok(())
    }

    /// Flushes and renames the file into place; returns (file name, rows).
    pub(crate) fn finish(mut self) -> Result<(String, u64), ImportError> {
        self.writer.flush().map_err(|source| ImportError::Write { path: self.tmp.clone(), source })?;
        let inner = self
            .writer
            .into_inner()
            .map_err(|e| ImportError::Write { path: self.tmp.clone(), source: std::io::Error::other(e.to_string()) })?;
        let file =
            inner.into_inner().map_err(|e| ImportError::Write { path: self.tmp.clone(), source: e.into_error() })?;
        file.sync_all().map_err(|source| ImportError::Write { path: self.tmp.clone(), source })?;
        std::fs::rename(&self.tmp, &self.path)
            .map_err(|source| ImportError::Write { path: self.path.clone(), source })?;
        Ok((file_name(&self.path), self.rows))
    }
}

fn write_error(path: &Path, e: csv::Error) -> ImportError {
    let source = match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    };
    ImportError::Write { path: path.to_path_buf(), source }
}

/// Writes `bytes` to `path` through `path.tmp` and a rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ImportError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let write = || -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    };
    write().map_err(|source| ImportError::Write { path: tmp.clone(), source })?;
    std::fs::rename(&tmp, path).map_err(|source| ImportError::Write { path: path.to_path_buf(), source })
}
