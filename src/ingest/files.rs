//! Which files an ingest reads and what each holds: kind from the name, format from the
//! extension (interfaces.md, "Files and record kinds").

use std::path::{Path, PathBuf};

use crate::schema::{KindSpec, ALL_KINDS};

/// Input file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSV with a header row.
    Csv,
    /// One JSON object per line.
    Ndjson,
    /// Parquet.
    Parquet,
}

/// Text encoding of CSV and NDJSON input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 (a leading byte-order mark is tolerated).
    #[default]
    Utf8,
    /// GB18030, a superset of GBK and GB2312.
    Gb18030,
}

impl Encoding {
    /// Parses `utf-8`, `gb18030` or `gbk` (any case).
    pub fn parse(s: &str) -> Option<Encoding> {
        match s.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            // encoding_rs decodes GBK with the GB18030 decoder, a strict superset.
            "gb18030" | "gbk" | "gb2312" => Some(Encoding::Gb18030),
            _ => None,
        }
    }

    /// Decodes `bytes` onto `out`; false (and `out` unchanged) if they do not decode.
    pub fn decode_into(self, bytes: &[u8], out: &mut String) -> bool {
        match self {
            Encoding::Utf8 => match std::str::from_utf8(bytes) {
                Ok(s) => {
                    out.push_str(s);
                    true
                }
                Err(_) => false,
            },
            Encoding::Gb18030 => {
                match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
                    Some(s) => {
                        out.push_str(&s);
                        true
                    }
                    None => false,
                }
            }
        }
    }
}

/// A file to ingest with its kind and format.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// Path as given on the command line (or joined to the given directory).
    pub path: PathBuf,
    /// Record kind.
    pub kind: &'static KindSpec,
    /// Format.
    pub format: Format,
    /// Gzip-compressed.
    pub gzip: bool,
}

/// Splits `name` into (stem, format, gzip) by its extensions.
pub fn split_name(name: &str) -> Option<(&str, Format, bool)> {
    let (name, gzip) = match name.strip_suffix(".gz") {
        Some(n) => (n, true),
        None => (name, false),
    };
    let (stem, ext) = name.rsplit_once('.')?;
    let format = match ext.to_ascii_lowercase().as_str() {
        "csv" => Format::Csv,
        "ndjson" | "jsonl" => Format::Ndjson,
        "parquet" => Format::Parquet,
        _ => return None,
    };
    Some((stem, format, gzip))
}

/// The kind a file stem names: the stem equals a kind or starts with it followed by
/// `-`, `_` or `.`; the longest such kind wins.
pub fn kind_of_stem(stem: &str) -> Option<&'static KindSpec> {
    ALL_KINDS
        .iter()
        .copied()
        .filter(|k| stem == k.name || stem.strip_prefix(k.name).is_some_and(|rest| rest.starts_with(['-', '_', '.'])))
        .max_by_key(|k| k.name.len())
}

/// Why a path was not taken.
#[derive(Debug, Clone)]
pub enum Skip {
    /// A file named on the command line that matches no kind or format (an error).
    Unmatched(PathBuf),
    /// A file inside a named directory that matches nothing (listed, not an error).
    Ignored(PathBuf),
}

/// Expands command-line paths into input files; `kind` overrides name-based detection.
pub fn expand(paths: &[PathBuf], kind: Option<&'static KindSpec>) -> (Vec<InputFile>, Vec<Skip>) {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect())
                .unwrap_or_default();
            entries.sort();
            for e in entries {
                match classify(&e, kind) {
                    Some(f) => files.push(f),
                    None => skipped.push(Skip::Ignored(e)),
                }
            }
        } else {
            match classify(p, kind) {
                Some(f) => files.push(f),
                None => skipped.push(Skip::Unmatched(p.clone())),
            }
        }
    }
    (files, skipped)
}

fn classify(path: &Path, kind: Option<&'static KindSpec>) -> Option<InputFile> {
    let name = path.file_name()?.to_str()?;
    let (stem, format, gzip) = split_name(name)?;
    let kind = kind.or_else(|| kind_of_stem(stem))?;
    Some(InputFile { path: path.to_path_buf(), kind, format, gzip })
}

/// Orders files so that dimensions come first (students, staff, courses, activities),
/// then events in the order given.
pub fn order(files: &mut [InputFile]) {
    let rank = |f: &InputFile| {
        if f.kind.is_event() {
            ALL_KINDS.len()
        } else {
            ALL_KINDS.iter().position(|k| k.name == f.kind.name).unwrap_or(0)
        }
    };
    files.sort_by_key(rank);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_names() {
        let k = |n: &str| split_name(n).and_then(|(s, _, _)| kind_of_stem(s)).map(|k| k.name);
        assert_eq!(k("card_transactions.csv"), Some("card_transactions"));
        assert_eq!(k("card_transactions-2025-09.ndjson"), Some("card_transactions"));
        assert_eq!(k("students_2025.csv.gz"), Some("students"));
        assert_eq!(k("grades.2025.parquet"), Some("grades"));
        assert_eq!(k("studentsx.csv"), None);
        assert_eq!(k("students.txt"), None);
        assert_eq!(split_name("a.jsonl.gz").map(|t| (t.1, t.2)), Some((Format::Ndjson, true)));
    }
}
