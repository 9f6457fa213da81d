//! `radar refresh`, `radar runs` and `radar schedule`.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
use arrow::array::{BooleanArray, Float64Array, RecordBatch, StringArray, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema};
use indicatif::{ProgressBar, ProgressStyle};

use super::args::{RefreshArgs, RunsArgs, ScheduleArgs};
use super::output::write_batches;
use super::{default_format, usage, Failure, Settings};
use crate::nightly::at::{next_run, parse_at};
use crate::refresh::{self, Quiet, RefreshOptions, RefreshProgress, RefreshReport};
use crate::schema::time::{parse_date, Micros};
use crate::store::{collect_stream, Store};

/// A spinner per step on a terminal.
struct Spinner {
    bar: ProgressBar,
}

impl RefreshProgress for Spinner {
    fn step_started(&self, step: &str, index: usize, total: usize) {
        self.bar.set_message(format!("step {}/{total}: {step}", index + 1));
    }
    fn step_done(&self, step: &str, rows: u64, skipped: bool) {
        let what = if skipped { "nothing to recompute".to_string() } else { format!("{rows} rows") };
        self.bar.println(format!("  {step}: {what}"));
    }
}

fn options(
    as_of: Option<&str>,
    full: bool,
    wait: bool,
    pipelines: Option<std::path::PathBuf>,
    s: &Settings,
    now: Micros,
) -> Result<RefreshOptions, Failure> {
    let as_of = match as_of {
        Some(t) => Some(parse_date(t).ok_or_else(|| usage(format!("--as-of `{t}` is not a date"), "use YYYY-MM-DD"))?),
        None => None,
    };
    Ok(RefreshOptions { as_of, full, wait, tz: s.tz, now, pipelines: crate::pipeline::resolve_dir(pipelines) })
}

async fn run_once(store: &Store, opts: &RefreshOptions, s: &Settings) -> Result<RefreshReport, Failure> {
    let spinner = Spinner { bar: ProgressBar::new_spinner() };
    let progress: &dyn RefreshProgress = if s.progress() {
        spinner.bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        spinner.bar.enable_steady_tick(std::time::Duration::from_millis(120));
        &spinner
    } else {
        &Quiet
    };
    let result = refresh::refresh(store, opts, progress).await;
    spinner.bar.finish_and_clear();
    result.map_err(|e| crate::Error::from(e).into())
}

pub(super) async fn run(args: RefreshArgs, s: &Settings) -> Result<(), Failure> {
    let store = Store::open_existing(&s.store).map_err(crate::Error::from)?;
    let rules = if args.no_warnings { None } else { Some(load_rules(args.rules.clone())?) };
    let opts = options(args.as_of.as_deref(), args.full, s.wait, args.pipelines.clone(), s, s.now)?;
    let nights: Vec<Option<String>> = match &args.from {
        None => vec![args.as_of.clone()],
        Some(from) => {
            let bad = |t: &str| usage(format!("`{t}` is not a date"), "use YYYY-MM-DD");
            let first = parse_date(from).ok_or_else(|| bad(from))?;
            let last = match &opts.as_of {
                Some(d) => *d,
                None => crate::schema::time::days_to_date(refresh::as_of_date(None, s.now, s.tz)),
            };
            if first > last {
                return Err(usage(format!("--from {from} is after the as-of date {last}"), "swap the dates"));
            }
            first.iter_days().take_while(|d| *d <= last).map(|d| Some(d.to_string())).collect()
        }
    };
    let mut reports = Vec::new();
    for (i, night) in nights.iter().enumerate() {
        let mut o = options(night.as_deref(), args.full && i == 0, s.wait, args.pipelines.clone(), s, s.now)?;
        o.pipelines = opts.pipelines.clone();
        let report = run_once(&store, &o, s).await?;
        if !s.quiet {
            eprintln!("refresh {} as of {}: {} ({})", report.run_id, report.as_of, report.mode, report.detail);
            if nights.len() == 1 {
                for st in &report.steps {
                    let what =
                        if st.skipped { "nothing to recompute".to_string() } else { format!("{} rows", st.rows) };
                    eprintln!("  {}: {what} in {:.2} s", st.step, st.seconds);
                }
            }
        }
        super::models_cmd::nightly_score(&store, &args.models, &report.as_of, s).await?;
        if let Some(rules) = &rules {
            let w = crate::warnings::raise(&store, rules, s.tz, s.now).await.map_err(crate::Error::from)?;
            if !s.quiet {
                eprintln!(
                    "  warnings: {} new, {} updated ({} escalated), {} deferred by capacity, {} in cooldown; {} open \
                     in {:.2} s",
                    w.raised, w.updated, w.escalated, w.deferred, w.suppressed, w.open, w.seconds
                );
            }
        }
        // Profiles show the newest night only: a catch-up run builds them once, at the end.
        if i + 1 == nights.len() && !args.no_profiles {
            super::nightly::products(&store, &report.as_of, s).await?;
        }
        reports.push(report);
    }
    if let Some(format) = args.format {
        let batches =
            reports.iter().map(report_batch).collect::<Result<Vec<_>, _>>().context("formatting the summary")?;
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        write_batches(&mut out, &batches, format, s.tz).context("writing output")?;
        out.flush().context("writing output")?;
    }
    Ok(())
}

/// Loads the warning rules (`--rules`, else ./pipelines/warnings/rules.toml, else built-in).
pub(super) fn load_rules(given: Option<std::path::PathBuf>) -> Result<crate::warnings::rules::RuleSet, Failure> {
    let path = crate::warnings::rules::resolve(given);
    Ok(crate::warnings::rules::load(path.as_deref()).map_err(crate::Error::from)?)
}

fn report_batch(r: &RefreshReport) -> Result<RecordBatch, arrow::error::ArrowError> {
    let n = r.steps.len();
    let schema = Schema::new(vec![
        Field::new("run_id", DataType::Utf8, false),
        Field::new("as_of", DataType::Utf8, false),
        Field::new("mode", DataType::Utf8, false),
        Field::new("step", DataType::Utf8, false),
        Field::new("rows", DataType::UInt64, false),
        Field::new("skipped", DataType::Boolean, false),
        Field::new("seconds", DataType::Float64, false),
    ]);
    RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(StringArray::from(vec![r.run_id.clone(); n])),
            Arc::new(StringArray::from(vec![r.as_of.clone(); n])),
            Arc::new(StringArray::from(vec![r.mode.clone(); n])),
            Arc::new(StringArray::from(r.steps.iter().map(|s| s.step.clone()).collect::<Vec<_>>())),
            Arc::new(UInt64Array::from(r.steps.iter().map(|s| s.rows).collect::<Vec<_>>())),
            Arc::new(BooleanArray::from(r.steps.iter().map(|s| s.skipped).collect::<Vec<_>>())),
            Arc::new(Float64Array::from(
                r.steps.iter().map(|s| (s.seconds * 1000.0).round() / 1000.0).collect::<Vec<_>>(),
            )),
        ],
    )
}

pub(super) async fn runs(args: RunsArgs, s: &Settings) -> Result<(), Failure> {
    let store = Store::open_existing(&s.store).map_err(crate::Error::from)?;
    let batches = if store.table_names().iter().any(|t| t == refresh::runs::REFRESH_RUNS) {
        let sql = format!(
            "SELECT run_id, started_at, finished_at, as_of, status, mode, since, steps, error \
             FROM refresh_runs ORDER BY started_at DESC, run_id LIMIT {}",
            args.limit
        );
        let stream = store.query(&sql).await.map_err(crate::Error::from)?;
        collect_stream(stream).await.map_err(crate::Error::from)?
    } else {
        vec![RecordBatch::new_empty(refresh::runs::schema())]
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    write_batches(&mut out, &batches, default_format(args.format), s.tz).context("writing output")?;
    out.flush().context("writing output")?;
    Ok(())
}

pub(super) async fn schedule(args: ScheduleArgs, s: &Settings) -> Result<(), Failure> {
    let at = parse_at(&args.at).ok_or_else(|| usage(format!("--at `{}` is not a time", args.at), "use HH:MM"))?;
    let store = Store::open_existing(&s.store).map_err(crate::Error::from)?;
    // A rules file that does not load stops the schedule now, not at 02:30.
    load_rules(args.rules.clone())?;
    let notify = args.config.as_deref().map(|p| super::notify_cmd::load(Some(p))).transpose()?;
    let mut done = 0u32;
    let mut first = args.now_too;
    loop {
        if args.max_runs.is_some_and(|m| done >= m) {
            return Ok(());
        }
        // The schedule follows the wall clock, not --now: it is a long-running process.
        let now = chrono::Utc::now().timestamp_micros();
        if !first {
            let next = next_run(now, at, s.tz);
            if !s.quiet {
                eprintln!("radar: next refresh at {}", crate::schema::time::format_timestamp(next, s.tz));
            }
            tokio::time::sleep(std::time::Duration::from_micros((next - now).max(0) as u64)).await;
        }
        first = false;
        let opts = crate::nightly::NightOptions {
            tz: s.tz,
            now: chrono::Utc::now().timestamp_micros(),
            models: args.models.clone(),
            rules: args.rules.clone(),
            pipelines: args.pipelines.clone(),
            capacity: None,
            holder: format!("radar schedule (pid {})", std::process::id()),
        };
        let log = super::nightly::StderrLog { quiet: s.quiet };
        let report = crate::nightly::run(&store, &opts, &Quiet, &log).await;
        if let Some(cfg) = &notify {
            night_notify(store.root(), cfg, opts.now, s).await;
        }
        // A failed night is recorded in refresh_runs; the schedule carries on, unless a
        // definition is broken (every later night would fail the same way).
        for e in report.failures {
            let stops = e.is_config()
                && matches!(e, crate::nightly::NightError::Refresh(_) | crate::nightly::NightError::Rules(_));
            if stops {
                return Err(Failure::Usage(e.into()));
            }
            eprintln!("radar: scheduled night failed: {e}");
        }
        done += 1;
    }
}

/// Tells counsellors of the night's warnings; a failure is logged and the schedule goes on
/// (undelivered warnings are tried again the next night).
async fn night_notify(root: &std::path::Path, cfg: &crate::notify::NotifyConfig, now: Micros, s: &Settings) {
    match crate::notify::after_night(root, cfg, now).await {
        Ok(r) if !s.quiet || r.failed > 0 => {
            eprintln!("radar: notifications: {} sent, {} failed, {} skipped", r.sent, r.failed, r.skipped)
        }
        Ok(_) => {}
        Err(e) => eprintln!("radar: scheduled notifications failed: {e}"),
    }
}
