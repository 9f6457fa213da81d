//! Writing: the contract files (in blocks handed over by `pipeline`), the truth files,
//! `truth/dirty.csv` and the GB18030 copies.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::dirty::{inject, Dirt, Entry};
use super::encode::{csv, csv_header, encode, parquet_schema, Chunk};
use super::sim::Out;
use super::truth;
use super::{dims, seeded, Campus, GenerateError, GenerateOptions, OutFormat, Stream, Summary};
use crate::schema::time::{date_start, days_to_date, format_timestamp};
use crate::schema::ALL_KINDS;

/// Per file (relative path, rows, bytes), the dirty.csv lines and their number.
type Written = (Vec<(String, u64, u64)>, String, u64);

enum Sink {
    Text(BufWriter<File>, PathBuf),
    Parquet(Box<ArrowWriter<File>>, PathBuf),
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> GenerateError + '_ {
    move |source| GenerateError::Io { path: path.to_path_buf(), source }
}

fn create(path: &Path) -> Result<File, GenerateError> {
    File::create(path).map_err(io(path))
}

pub(super) struct Writer {
    dir: PathBuf,
    format: OutFormat,
    sinks: Vec<Sink>,
    rows: Vec<u64>,
    dirty: String,
    dirty_rows: u64,
}

impl Writer {
    fn open(dir: &Path, format: OutFormat) -> Result<Writer, GenerateError> {
        let ext = match format {
            OutFormat::Csv => "csv",
            OutFormat::Ndjson => "ndjson",
            OutFormat::Parquet => "parquet",
        };
        let mut sinks = Vec::new();
        for kind in ALL_KINDS.iter() {
            let path = dir.join(format!("{}.{ext}", kind.name));
            let file = create(&path)?;
            sinks.push(match format {
                OutFormat::Parquet => {
                    let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
                    let w = ArrowWriter::try_new(file, parquet_schema(kind), Some(props))
                        .map_err(|e| GenerateError::Parquet { path: path.clone(), message: e.to_string() })?;
                    Sink::Parquet(Box::new(w), path)
                }
                _ => {
                    let mut w = BufWriter::with_capacity(1 << 20, file);
                    if format == OutFormat::Csv {
                        w.write_all(&csv_header(kind)).map_err(io(&path))?;
                    }
                    Sink::Text(w, path)
                }
            });
        }
        Ok(Writer {
            dir: dir.to_path_buf(),
            format,
            sinks,
            rows: vec![0; ALL_KINDS.len()],
            dirty: String::new(),
            dirty_rows: 0,
        })
    }

    pub(super) fn put(&mut self, k: usize, chunk: Chunk, n: usize, entries: &[Entry]) -> Result<(), GenerateError> {
        let name = self.file_name(k);
        for (at, column, reason) in entries {
            let row = self.rows[k] + *at as u64 + 1;
            let line = match self.format {
                OutFormat::Csv => (row + 1).to_string(),
                OutFormat::Ndjson => row.to_string(),
                OutFormat::Parquet => String::new(),
            };
            self.dirty.push_str(&format!("{name},{line},{row},{column},{reason}\n"));
            self.dirty_rows += 1;
        }
        self.rows[k] += n as u64;
        match (&mut self.sinks[k], chunk) {
            (Sink::Text(w, p), Chunk::Bytes(b)) => w.write_all(&b).map_err(io(p)),
            (Sink::Parquet(w, p), Chunk::Batch(b)) => {
                w.write(&b).map_err(|e| GenerateError::Parquet { path: p.clone(), message: e.to_string() })
            }
            (_, Chunk::Failed(e)) => Err(GenerateError::Bug(format!("{name}: {e}"))),
            _ => Err(GenerateError::Bug("chunk and sink formats differ".into())),
        }
    }

    fn file_name(&self, k: usize) -> String {
        let path = match &self.sinks[k] {
            Sink::Text(_, p) | Sink::Parquet(_, p) => p,
        };
        path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default()
    }

    fn finish(self) -> Result<Written, GenerateError> {
        let mut files = Vec::new();
        for (k, sink) in self.sinks.into_iter().enumerate() {
            let path = match sink {
                Sink::Text(mut w, p) => {
                    w.flush().map_err(io(&p))?;
                    p
                }
                Sink::Parquet(w, p) => {
                    w.close().map_err(|e| GenerateError::Parquet { path: p.clone(), message: e.to_string() })?;
                    p
                }
            };
            let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            let rel = path.strip_prefix(&self.dir).unwrap_or(&path).to_string_lossy().into_owned();
            files.push((rel, self.rows[k], bytes));
        }
        Ok((files, self.dirty, self.dirty_rows))
    }
}

/// Generates and writes everything.
pub fn run(c: &Campus, o: &GenerateOptions) -> Result<Summary, GenerateError> {
    let truth_dir = o.out.join("truth");
    std::fs::create_dir_all(&truth_dir).map_err(io(&truth_dir))?;
    let now = date_start(days_to_date(c.cal.end()), o.tz).unwrap_or(c.window.1 * 1_000_000);
    let dirt = Dirt { rate: o.dirty, force: o.dirty > 0.0, bad_rows: o.format != OutFormat::Parquet, now, tz: o.tz };
    remove_stale(&o.out, o.dirty > 0.0)?;
    let mut w = Writer::open(&o.out, o.format)?;
    let dims = dims::dimensions(c);
    let mut rng = seeded(o.seed, u64::MAX, Stream::Dirty);
    // Dimensions in ALL_KINDS order: the calendar comes after the four older ones, so their
    // dirty draws are what they were before it existed.
    for (k, kind) in ALL_KINDS.iter().enumerate().filter(|(_, k)| !k.is_event()) {
        let (rows, entries) = if o.dirty > 0.0 {
            inject(&dims.rows[k], kind, &dirt, &mut rng)
        } else {
            (dims.rows[k].clone(), Vec::new())
        };
        w.put(k, encode(&rows, kind, o.format), rows.len(), &entries)?;
    }
    let (failure, distress) = super::pipeline::blocks(c, o, &dirt, &mut w)?;
    let (files, dirty, dirty_rows) = w.finish()?;
    write_truth(c, &truth_dir, &failure, &distress)?;
    if o.dirty > 0.0 {
        put(&truth_dir.join("dirty.csv"), format!("file,line,row,column,reason\n{dirty}").as_bytes())?;
        gb18030(&o.out.join("gb18030"), &dims)?;
    }
    Ok(Summary { now: format_timestamp(now, o.tz), files, dirty_rows })
}

/// Removes what an earlier run into the same directory left and this one would not
/// overwrite (contract files of another format, dirty lists and copies), so an ingest of
/// the directory sees exactly this campus.
fn remove_stale(dir: &Path, dirty: bool) -> Result<(), GenerateError> {
    let mut stale: Vec<PathBuf> = Vec::new();
    for kind in ALL_KINDS.iter() {
        for ext in ["csv", "ndjson", "parquet"] {
            stale.push(dir.join(format!("{}.{ext}", kind.name)));
        }
        if !dirty {
            stale.push(dir.join("gb18030").join(format!("{}.csv", kind.name)));
        }
    }
    if !dirty {
        stale.push(dir.join("truth").join("dirty.csv"));
    }
    for p in stale {
        match std::fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(GenerateError::Io { path: p, source: e }),
            _ => {}
        }
    }
    if !dirty {
        // Only an empty directory is removed; anything else in it is the user's.
        let _ = std::fs::remove_dir(dir.join("gb18030"));
    }
    Ok(())
}

fn put(path: &Path, bytes: &[u8]) -> Result<(), GenerateError> {
    std::fs::write(path, bytes).map_err(io(path))
}

fn write_truth(c: &Campus, dir: &Path, failure: &str, distress: &str) -> Result<(), GenerateError> {
    let mut students = truth::STUDENTS_HEADER.to_string();
    let mut lost = truth::LOST_HEADER.to_string();
    for s in &c.people.students {
        students.push_str(&truth::student_line(&s.id, &s.traits));
        if let (Some(spell), "active") = (s.traits.lost, s.status) {
            lost.push_str(&truth::lost_line(&s.id, spell));
        }
    }
    put(&dir.join("students.csv"), students.as_bytes())?;
    put(&dir.join("lost_contact.csv"), lost.as_bytes())?;
    put(&dir.join("academic_failure.csv"), format!("{}{failure}", truth::FAILURE_HEADER).as_bytes())?;
    put(&dir.join("distress.csv"), format!("{}{distress}", truth::DISTRESS_HEADER).as_bytes())?;
    put(&dir.join("README.md"), truth::README.as_bytes())
}

/// GB18030 copies of the (clean) dimension files.
fn gb18030(dir: &Path, dims: &Out) -> Result<(), GenerateError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    for (k, kind) in ALL_KINDS.iter().enumerate().filter(|(_, k)| !k.is_event()) {
        let mut text = csv_header(kind);
        text.extend(csv(&dims.rows[k]));
        let utf8 = String::from_utf8_lossy(&text);
        let (bytes, _, _) = encoding_rs::GB18030.encode(&utf8);
        put(&dir.join(format!("{}.csv", kind.name)), &bytes)?;
    }
    Ok(())
}
