//! `radar typology`, `radar hardship` and `radar evaluate hardship`: the analysis models
//! over the published features. Results go to stdout (table, csv, json) and to the store
//! tables `student_typology` and `hardship_scores` (replaced on each run); diagnostics
//! go to stderr.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int32Array, RecordBatch, StringArray, UInt64Array,
};
use arrow::datatypes::{Field, Schema};
use datafusion::prelude::SessionContext;
use serde_json::json;

use super::args::{HardshipArgs, OutputFormat, TypologyArgs};
use super::output::write_batches;
use super::{default_format, usage, Failure, Settings};
use crate::models::analysis::{load_window, resolve_as_of, write_table, AnalysisError};
use crate::models::hardship::{self, HardshipOptions, NjustRule};
use crate::models::typology;
use crate::store::Store;

/// Store table of the latest typology run.
pub use crate::models::typology::table::TYPOLOGY_TABLE;
/// Store table of the latest hardship run.
pub const HARDSHIP_TABLE: &str = "hardship_scores";

fn fail(e: AnalysisError) -> Failure {
    if e.is_config() {
        Failure::Usage(e.into())
    } else {
        Failure::Job(e.into())
    }
}

async fn open(s: &Settings) -> Result<(Store, SessionContext), Failure> {
    let store = Store::open_existing(&s.store).map_err(crate::Error::from)?;
    let ctx = store.session().await.map_err(crate::Error::from).context("opening the store")?;
    Ok((store, ctx))
}

fn check_weeks(weeks: usize) -> Result<(), Failure> {
    if weeks == 0 || weeks > 52 {
        return Err(usage(format!("--weeks {weeks} is out of range"), "use 1 to 52 complete weeks"));
    }
    Ok(())
}

fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn strings<'a>(v: impl IntoIterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from(v.into_iter().collect::<Vec<_>>()))
}

fn floats(v: impl IntoIterator<Item = Option<f64>>) -> ArrayRef {
    Arc::new(Float64Array::from(v.into_iter().map(|x| x.map(r3)).collect::<Vec<_>>()))
}

/// A batch of named, nullable columns for output.
pub(super) fn batch(cols: Vec<(&str, ArrayRef)>) -> Result<RecordBatch, Failure> {
    let fields: Vec<Field> = cols.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect();
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), cols.into_iter().map(|(_, a)| a).collect())
        .context("formatting")?)
}

/// Writes one batch to stdout in `format`.
pub(super) fn emit(b: &RecordBatch, format: OutputFormat, s: &Settings) -> Result<(), Failure> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    write_batches(&mut out, std::slice::from_ref(b), format, s.tz).context("writing output")?;
    out.flush().context("writing output")?;
    Ok(())
}

fn emit_json(v: &serde_json::Value, format: OutputFormat) -> Result<(), Failure> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let text = if format == OutputFormat::Json { serde_json::to_string_pretty(v) } else { serde_json::to_string(v) };
    writeln!(out, "{}", text.context("formatting")?).context("writing output")?;
    out.flush().context("writing output")?;
    Ok(())
}

/// Clusters the students as of `as_of` and replaces `student_typology` (also run nightly).
async fn typology_table(
    store: &Store,
    ctx: &SessionContext,
    as_of: i32,
    weeks: usize,
    k: Option<usize>,
) -> Result<(typology::Typology, RecordBatch), Failure> {
    typology::table::write_typology(store, ctx, as_of, weeks, k).await.map_err(fail)
}

/// `radar typology`.
pub(super) async fn typology(a: TypologyArgs, s: &Settings) -> Result<(), Failure> {
    check_weeks(a.weeks)?;
    if let Some(k) = a.k {
        if !(2..=20).contains(&k) {
            return Err(usage(format!("--k {k} is out of range"), "use 2 to 20 clusters, or leave --k out"));
        }
    }
    let t0 = Instant::now();
    let (store, ctx) = open(s).await?;
    let as_of = resolve_as_of(&store, a.as_of.as_deref(), s.now, s.tz).map_err(fail)?;
    let (r, stored) = typology_table(&store, &ctx, as_of, a.weeks, a.k).await?;

    let format = default_format(a.format);
    match format {
        OutputFormat::Json | OutputFormat::Ndjson => {
            let mut v = serde_json::to_value(&r).context("formatting")?;
            if !a.students {
                if let Some(o) = v.as_object_mut() {
                    o.remove("students");
                }
            }
            emit_json(&v, format)?;
        }
        _ if a.students => emit(&stored, format, s)?,
        _ => {
            let c = &r.clusters;
            let mut cols: Vec<(&str, ArrayRef)> = vec![
                ("cluster", Arc::new(Int32Array::from(c.iter().map(|x| x.cluster as i32).collect::<Vec<_>>()))),
                ("size", Arc::new(UInt64Array::from(c.iter().map(|x| x.size as u64).collect::<Vec<_>>()))),
                ("share", floats(c.iter().map(|x| Some(x.share)))),
                ("label_en", strings(c.iter().map(|x| x.label_en.as_str()))),
                ("label_zh", strings(c.iter().map(|x| x.label_zh.as_str()))),
                ("description_en", strings(c.iter().map(|x| x.description_en.as_str()))),
            ];
            let names: Vec<(String, String)> = r.features.iter().map(|f| (f.clone(), format!("{f}_z"))).collect();
            if format == OutputFormat::Csv {
                cols.push(("description_zh", strings(c.iter().map(|x| x.description_zh.as_str()))));
                for (j, (raw, z)) in names.iter().enumerate() {
                    cols.push((raw.as_str(), floats(c.iter().map(|x| Some(x.centroid[j].raw)))));
                    cols.push((z.as_str(), floats(c.iter().map(|x| Some(x.centroid[j].z)))));
                }
            }
            emit(&batch(cols)?, format, s)?;
        }
    }
    if !s.quiet {
        let crit: Vec<String> = r
            .criterion
            .iter()
            .map(|c| format!("k={}: silhouette {:.3}, inertia {:.0}", c.k, c.silhouette, c.inertia))
            .collect();
        for note in &r.notes {
            eprintln!("typology: {note}");
        }
        eprintln!(
            "typology as of {} (weeks {}..{}): k = {} ({}); {}; {} students clustered, {} without data; \
             written to {} ({:.2} s)",
            r.as_of,
            r.weeks.0,
            r.weeks.1,
            r.k,
            if r.chosen_by == "given" { "given" } else { "highest mean silhouette" },
            crit.join("; "),
            r.students.len(),
            r.without_data,
            TYPOLOGY_TABLE,
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// `radar hardship`.
pub(super) async fn hardship(a: HardshipArgs, s: &Settings) -> Result<(), Failure> {
    check_weeks(a.weeks)?;
    let t0 = Instant::now();
    let (store, ctx) = open(s).await?;
    let as_of = resolve_as_of(&store, a.as_of.as_deref(), s.now, s.tz).map_err(fail)?;
    let w = load_window(&ctx, as_of, a.weeks, &hardship::SOURCES).await.map_err(fail)?;
    let h = hardship::score(&w, &HardshipOptions { weeks: a.weeks, top: a.top, ..HardshipOptions::default() });
    let cands: Vec<&hardship::Scored> = h.scored.iter().filter(|x| x.candidate).collect();
    let ids: Vec<String> = cands.iter().map(|x| x.student_id.clone()).collect();
    // Read after scoring, for the report only.
    let aid = hardship::aid_report(&ctx, &ids).await.map_err(fail)?;

    let n = h.scored.len();
    let stored = batch(vec![
        ("student_id", strings(h.scored.iter().map(|x| x.student_id.as_str()))),
        ("as_of", Arc::new(Date32Array::from(vec![as_of; n]))),
        ("score", floats(h.scored.iter().map(|x| Some(x.score)))),
        ("rank", Arc::new(Int32Array::from(h.scored.iter().map(|x| x.rank as i32).collect::<Vec<_>>()))),
        ("candidate", Arc::new(BooleanArray::from(h.scored.iter().map(|x| x.candidate).collect::<Vec<_>>()))),
    ])?;
    write_table(&store, HARDSHIP_TABLE, stored).await.map_err(fail)?;

    let format = default_format(a.format);
    match format {
        OutputFormat::Json | OutputFormat::Ndjson => {
            let v = json!({
                "as_of": h.as_of,
                "weeks": h.weeks,
                "note_en": h.note_en,
                "note_zh": h.note_zh,
                "weights": h.weights,
                "min_meals": h.min_meals,
                "students": h.students,
                "scored": n,
                "unscored": h.unscored,
                "aid_levels_of_candidates": aid,
                "candidates": cands,
            });
            emit_json(&v, format)?;
        }
        _ => {
            let mut cols: Vec<(&str, ArrayRef)> = vec![
                ("rank", Arc::new(Int32Array::from(cands.iter().map(|x| x.rank as i32).collect::<Vec<_>>()))),
                ("student_id", strings(cands.iter().map(|x| x.student_id.as_str()))),
                ("score", floats(cands.iter().map(|x| Some(x.score)))),
                ("meals", floats(cands.iter().map(|x| Some(x.meals)))),
                ("spend_per_meal", floats(cands.iter().map(|x| x.spend_per_meal))),
                ("cohort_spend_per_meal", floats(cands.iter().map(|x| x.cohort_spend_per_meal))),
            ];
            if format == OutputFormat::Csv {
                cols.push(("spend_per_purchase", floats(cands.iter().map(|x| x.spend_per_purchase))));
                cols.push(("cohort_spend_per_purchase", floats(cands.iter().map(|x| x.cohort_spend_per_purchase))));
                cols.push(("other_spend_per_week", floats(cands.iter().map(|x| x.other_spend_per_week))));
                cols.push(("cohort_other_spend_per_week", floats(cands.iter().map(|x| x.cohort_other_spend_per_week))));
                cols.push(("evidence_zh", strings(cands.iter().map(|x| x.evidence_zh.as_str()))));
            }
            cols.push(("evidence_en", strings(cands.iter().map(|x| x.evidence_en.as_str()))));
            emit(&batch(cols)?, format, s)?;
        }
    }
    if !s.quiet {
        let aided: usize = aid.iter().filter(|(k, _)| !matches!(k.as_str(), "none" | "unknown")).map(|(_, v)| v).sum();
        let levels: Vec<String> = aid.iter().map(|(k, v)| format!("{k} {v}")).collect();
        eprintln!("hardship: {}", h.note_en);
        eprintln!("hardship: {}", h.note_zh);
        eprintln!(
            "hardship as of {} (weeks {}..{}): {} students scored, {} with fewer than {} canteen meals not scored; \
             {} candidates listed, {} of them already receive aid ({}); written to {} ({:.2} s)",
            h.as_of,
            h.weeks.0,
            h.weeks.1,
            n,
            h.unscored,
            h.min_meals,
            cands.len(),
            aided,
            if levels.is_empty() { "-".into() } else { levels.join(", ") },
            HARDSHIP_TABLE,
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// `radar evaluate hardship --truth DIR`.
pub(super) async fn evaluate_hardship(
    truth: &Path,
    as_of: Option<&str>,
    weeks: usize,
    format: Option<OutputFormat>,
    s: &Settings,
) -> Result<(), Failure> {
    check_weeks(weeks)?;
    let t0 = Instant::now();
    let truth = hardship::load_truth(truth).map_err(fail)?;
    let (store, ctx) = open(s).await?;
    let as_of = resolve_as_of(&store, as_of, s.now, s.tz).map_err(fail)?;
    let w = load_window(&ctx, as_of, weeks, &hardship::SOURCES).await.map_err(fail)?;
    let h = hardship::score(&w, &HardshipOptions { weeks, ..HardshipOptions::default() });
    let rule = hardship::njust_rule(&w, &NjustRule::default());
    let m = hardship::evaluate(&w, &h, &rule, &truth);
    let b = batch(vec![
        ("method", strings(m.iter().map(|x| x.method.as_str()))),
        ("metric", strings(m.iter().map(|x| x.metric.as_str()))),
        (
            "value",
            Arc::new(Float64Array::from(
                m.iter().map(|x| x.value.map(|v| (v * 1e4).round() / 1e4)).collect::<Vec<_>>(),
            )),
        ),
        ("n", Arc::new(UInt64Array::from(m.iter().map(|x| x.n as u64).collect::<Vec<_>>()))),
        ("target", strings(m.iter().map(|x| x.target.as_str()))),
    ])?;
    emit(&b, default_format(format), s)?;
    if !s.quiet {
        eprintln!(
            "evaluate hardship as of {} (weeks {}..{}): {} ({:.2} s)",
            h.as_of,
            h.weeks.0,
            h.weeks.1,
            hardship::NOTE_EN,
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
