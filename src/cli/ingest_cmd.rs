//! `radar ingest`: files → store, a summary per file.

use std::io::Write;

use anyhow::Context;

use super::args::{IngestArgs, OutputFormat};
use super::output::write_batches;
use super::progress::Bars;
use super::{usage, Failure, Settings};
use crate::ingest::{self, Encoding, FileReport, IngestOptions, IngestOutcome, NoProgress, Progress};
use crate::schema::KindSpec;
use crate::store::Store;

pub(super) async fn run(args: IngestArgs, s: &Settings) -> Result<(), Failure> {
    let opts = options(&args, s)?;
    let store = Store::open(&s.store).map_err(crate::Error::from)?;
    let _writer = super::writer_lock(&store, "ingest", s.wait).await?;
    let bars = Bars::new();
    let progress: &dyn Progress = if s.progress() { &bars } else { &NoProgress };
    let mut outcome = IngestOutcome::default();
    if !args.paths.is_empty() {
        outcome = ingest::ingest(&store, &args.paths, &opts, progress).await.map_err(crate::Error::from)?;
    }
    if args.replay_quarantine {
        let replayed = ingest::replay_quarantine(&store, &opts, progress).await.map_err(crate::Error::from)?;
        outcome.reports.extend(replayed.reports);
    }
    finish(&outcome, args.format, s)
}

pub(super) fn options(args: &IngestArgs, s: &Settings) -> Result<IngestOptions, Failure> {
    let kind = match &args.kind {
        Some(k) => Some(KindSpec::by_name(k).ok_or_else(|| {
            let names: Vec<&str> = crate::schema::ALL_KINDS.iter().map(|k| k.name).collect();
            usage(format!("unknown record kind `{k}`"), format!("use one of {}", names.join(", ")))
        })?),
        None => None,
    };
    let encoding = Encoding::parse(&args.encoding)
        .ok_or_else(|| usage(format!("unknown encoding `{}`", args.encoding), "use utf-8, gb18030 or gbk"))?;
    Ok(IngestOptions { kind, encoding, tz: s.tz, now: s.now, batch_rows: args.batch_rows.max(1) })
}

/// Prints the summary (stderr, or stdout in a format) and sets the exit code.
pub(super) fn finish(outcome: &IngestOutcome, format: Option<OutputFormat>, s: &Settings) -> Result<(), Failure> {
    if !s.quiet {
        for p in &outcome.ignored {
            eprintln!("radar: skipped {} (matches no record kind)", p.display());
        }
        for r in &outcome.reports {
            eprintln!("{}", summary_line(r));
        }
    }
    for r in outcome.reports.iter().filter(|r| r.status != "ok") {
        eprintln!("radar: {}", r.error.as_deref().unwrap_or("failed"));
    }
    if let Some(format) = format {
        let batch = crate::ingest::runs::to_batch(&outcome.reports).context("formatting the summary")?;
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        write_batches(&mut out, &[batch], format, s.tz).context("writing output")?;
        out.flush().context("writing output")?;
    }
    if outcome.any_failed() {
        Err(Failure::Reported)
    } else {
        Ok(())
    }
}

fn summary_line(r: &FileReport) -> String {
    let mut line = format!(
        "{} [{}]: {} read, {} stored, {} duplicates, {} quarantined",
        r.file,
        if r.kind.is_empty() { "?" } else { &r.kind },
        r.rows_read,
        r.stored,
        r.duplicates,
        r.quarantined
    );
    if !r.quarantined_by_reason.is_empty() {
        let parts: Vec<String> = r.quarantined_by_reason.iter().map(|(k, v)| format!("{k} {v}")).collect();
        line.push_str(&format!(" ({})", parts.join(", ")));
    }
    if !r.ignored_columns.is_empty() {
        line.push_str(&format!("; ignored columns: {}", r.ignored_columns.join(", ")));
    }
    if r.status != "ok" {
        line.push_str(" — FAILED");
    }
    line
}
