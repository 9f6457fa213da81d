//! `radar generate`: checks the flags into [`GenerateOptions`], generates, and prints the
//! files written and the `--now` to ingest them with.

use super::args::{GenFormat, GenerateArgs};
use super::{usage, Failure, Settings};
use crate::generate::{self, GenerateOptions, OutFormat, Summary};
use crate::schema::time::parse_date;

/// The checked options of a `radar generate` call.
pub(super) fn options(a: &GenerateArgs, s: &Settings) -> Result<GenerateOptions, Failure> {
    let start = parse_date(&a.start)
        .ok_or_else(|| usage(format!("--start `{}` is not a date", a.start), "use YYYY-MM-DD, e.g. 2025-09-08"))?;
    let weekday = chrono::Datelike::weekday(&start).num_days_from_monday();
    if weekday != 0 && !s.quiet {
        let monday = start - chrono::Days::new(u64::from(weekday));
        eprintln!("radar generate: weeks start on Monday; starting on {monday} instead of {start}");
    }
    Ok(GenerateOptions {
        students: a.students,
        weeks: a.weeks,
        start,
        seed: a.seed,
        out: a.out.clone(),
        format: match a.format {
            GenFormat::Csv => OutFormat::Csv,
            GenFormat::Ndjson => OutFormat::Ndjson,
            GenFormat::Parquet => OutFormat::Parquet,
        },
        dirty: a.dirty,
        tz: s.tz,
        threads: a.threads.clamp(1, 64),
    })
}

pub(super) fn run(a: GenerateArgs, s: &Settings) -> Result<(), Failure> {
    let o = options(&a, s)?;
    let summary = generate::generate(&o).map_err(crate::Error::from)?;
    if !s.quiet {
        report(&summary);
    }
    println!("radar --now {} --tz {} ingest {}", summary.now, s.tz.name(), o.out.display());
    Ok(())
}

fn report(s: &Summary) {
    let (mut rows, mut bytes) = (0, 0);
    for (file, r, b) in &s.files {
        eprintln!("{file:<28} {r:>12} rows {b:>14} bytes");
        rows += r;
        bytes += b;
    }
    eprintln!("{:<28} {rows:>12} rows {bytes:>14} bytes", "total");
    if s.dirty_rows > 0 {
        eprintln!("{} injected rows listed in truth/dirty.csv", s.dirty_rows);
    }
    eprintln!("ingest with the clock --now {} (the Monday after the last week):", s.now);
}
