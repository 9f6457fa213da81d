//! `radar import oulad DIR --out OUT`: maps a data set onto contract files, prints a
//! summary (stdout, in `--format`) and the rejected rows (stderr); exit 1 if any row was
//! rejected (the files and `import_report.json` are written all the same).

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};

use super::args::{ImportArgs, ImportSource};
use super::output::write_batches;
use super::{default_format, Failure, Settings};
use crate::import::{self, ImportReport};

/// Rejections printed on stderr (all are in `import_report.json`, up to its own limit).
const SHOWN: usize = 20;

pub(super) fn run(a: ImportArgs, s: &Settings) -> Result<(), Failure> {
    match a.source {
        ImportSource::Oulad { dir, out, format } => {
            let started = Instant::now();
            let report = import::oulad::import(&dir, &out).map_err(crate::Error::from)?;
            let seconds = started.elapsed().as_secs_f64();
            let batch = summary(&report).context("formatting the summary")?;
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            write_batches(&mut stdout, &[batch], default_format(format), s.tz).context("writing output")?;
            stdout.flush().context("writing output")?;
            diagnostics(&report, s);
            if !s.quiet {
                eprintln!("radar import oulad: {} in {seconds:.2} s", out.join("import_report.json").display());
                let now = report
                    .latest_event_date
                    .as_deref()
                    .and_then(crate::schema::time::parse_date)
                    .and_then(|d| d.succ_opt())
                    .map_or_else(|| "<a date after the data>".to_string(), |d| d.to_string());
                eprintln!("ingest with the clock --now {now} (the day after the latest event):");
                eprintln!("radar --now {now} ingest {}", out.display());
            }
            if report.rows_rejected > 0 {
                eprintln!(
                    "radar: {} row(s) rejected; see {}",
                    report.rows_rejected,
                    out.join("import_report.json").display()
                );
                return Err(Failure::Reported);
            }
            Ok(())
        }
    }
}

fn diagnostics(report: &ImportReport, s: &Settings) {
    if report.rows_rejected == 0 {
        return;
    }
    for r in report.rejections.iter().take(SHOWN) {
        let column = r.column.map(|c| format!(" ({c})")).unwrap_or_default();
        eprintln!("radar: {}:{}: {}{column}: {}", r.file, r.line, r.reason, r.ids);
    }
    let more = report.rows_rejected.saturating_sub(SHOWN as u64);
    if more > 0 && !s.quiet {
        eprintln!("radar: … and {more} more rejected row(s)");
    }
    if !s.quiet {
        let parts: Vec<String> = report.rejected_by_reason.iter().map(|(k, v)| format!("{k} {v}")).collect();
        eprintln!("radar: rejected by reason: {}", parts.join(", "));
    }
}

/// One row per input table and output kind (plus the coursework parts).
fn summary(report: &ImportReport) -> Result<RecordBatch, arrow::error::ArrowError> {
    let (mut side, mut table, mut file, mut rows, mut rejected) = (vec![], vec![], vec![], vec![], vec![]);
    for i in &report.inputs {
        side.push("input".to_string());
        table.push(i.table.clone());
        file.push(i.file.clone());
        rows.push(i.rows_read as i64);
        rejected.push(Some(i.rows_rejected as i64));
    }
    for o in &report.outputs {
        side.push("output".to_string());
        table.push(o.kind.clone());
        file.push(o.file.clone());
        rows.push(o.rows_written as i64);
        rejected.push(None);
        for (part, n) in &o.parts {
            side.push("output".to_string());
            table.push(format!("{} ({part})", o.kind));
            file.push(o.file.clone());
            rows.push(*n as i64);
            rejected.push(None);
        }
    }
    let schema = Schema::new(vec![
        Field::new("side", DataType::Utf8, false),
        Field::new("table", DataType::Utf8, false),
        Field::new("file", DataType::Utf8, false),
        Field::new("rows", DataType::Int64, false),
        Field::new("rejected", DataType::Int64, true),
    ]);
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(side)),
        Arc::new(StringArray::from(table)),
        Arc::new(StringArray::from(file)),
        Arc::new(Int64Array::from(rows)),
        Arc::new(Int64Array::from(rejected)),
    ];
    RecordBatch::try_new(Arc::new(schema), columns)
}
