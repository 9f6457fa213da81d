//! `radar notify`: the nightly notification step, now (see docs/notifications.md).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use arrow::array::{ArrayRef, RecordBatch, StringArray, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema};

use super::args::NotifyArgs;
use super::output::write_batches;
use super::{default_format, usage, Failure, Settings};
use crate::notify::{self, NotifyConfig, NotifyReport, Options};
use crate::service::config::{Overrides, ServiceConfig};

/// The `[notify]` table of `path` (or ./radar.toml), the whole file checked as
/// `radar serve` checks it (a key it does not know is an error naming it, exit 2).
pub(super) fn load(path: Option<&Path>) -> Result<NotifyConfig, Failure> {
    let path = path.map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("radar.toml"));
    let file = ServiceConfig::load(Some(&path), &Overrides::default())
        .map_err(|e| usage(e.to_string(), "pass --config with the radar.toml holding [notify]"))?;
    let cfg = NotifyConfig::from_table(file.notify.as_ref()).map_err(crate::Error::from)?;
    Ok(cfg)
}

pub(super) async fn run(args: NotifyArgs, s: &Settings) -> Result<(), Failure> {
    let cfg = load(args.config.as_deref())?;
    if !s.store.is_dir() {
        return Err(usage(format!("no store at {}", s.store.display()), "pass --store or set RADAR_STORE"));
    }
    let opts = Options { dry_run: args.dry_run, ..Options::default() };
    let rep = notify::run(&s.store, &cfg, s.now, &opts).await.map_err(crate::Error::from)?;
    let batch = report_batch(&rep).context("formatting the report")?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    write_batches(&mut out, &[batch], default_format(args.format), s.tz).context("writing output")?;
    out.flush().context("writing output")?;
    if !s.quiet {
        eprintln!(
            "notify: {} sent, {} failed, {} skipped, {} attempts{}",
            rep.sent,
            rep.failed,
            rep.skipped,
            rep.attempts,
            if args.dry_run { " (dry run: nothing sent)" } else { "" }
        );
    }
    if rep.failed > 0 {
        eprintln!("radar: {} message(s) failed; their warnings are tried again on the next run", rep.failed);
        return Err(Failure::Reported);
    }
    Ok(())
}

/// One row per message: `kind, channel, staff_id, warning_ids, status, attempts, error`.
pub(super) fn report_batch(r: &NotifyReport) -> Result<RecordBatch, arrow::error::ArrowError> {
    let m = &r.messages;
    let text = |f: fn(&notify::MessageReport) -> String| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(m.iter().map(f)))
    };
    RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("kind", DataType::Utf8, false),
            Field::new("channel", DataType::Utf8, false),
            Field::new("staff_id", DataType::Utf8, false),
            Field::new("warning_ids", DataType::Utf8, false),
            Field::new("status", DataType::Utf8, false),
            Field::new("attempts", DataType::UInt64, false),
            Field::new("error", DataType::Utf8, true),
        ])),
        vec![
            text(|x| x.kind.to_string()),
            text(|x| x.channel.to_string()),
            text(|x| x.staff_id.clone()),
            text(|x| x.warning_ids.join(" ")),
            text(|x| x.status.to_string()),
            Arc::new(UInt64Array::from_iter_values(m.iter().map(|x| u64::from(x.attempts)))),
            Arc::new(StringArray::from(m.iter().map(|x| x.error.as_deref()).collect::<Vec<_>>())),
        ],
    )
}
