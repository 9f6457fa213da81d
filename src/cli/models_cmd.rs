//! `radar train`, `radar score` and `radar models`.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
use arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt64Array};
use arrow::datatypes::{Field, Schema};

use super::args::{ModelsAction, ModelsArgs, OutputFormat, ScoreArgs, TrainArgs};
use super::output::write_batches;
use super::{default_format, usage, Failure, Settings};
use crate::models::estimator::Params;
use crate::models::features::Feature;
use crate::models::registry::{ModelFile, Registry};
use crate::models::train::{default_candidates, TrainOptions, Windows};
use crate::models::{score, train, ModelError};
use crate::schema::time::{date_to_days, days_to_date, parse_date};
use crate::store::Store;

fn m(e: ModelError) -> Failure {
    crate::Error::from(e).into()
}

fn date_arg(flag: &str, t: &str) -> Result<i32, Failure> {
    parse_date(t).map(date_to_days).ok_or_else(|| usage(format!("{flag} `{t}` is not a date"), "use YYYY-MM-DD"))
}

fn stamp(s: &Settings) -> String {
    chrono::DateTime::from_timestamp_micros(s.now)
        .map(|t| t.with_timezone(&s.tz).to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
        .unwrap_or_default()
}

fn print(batch: RecordBatch, format: Option<OutputFormat>, s: &Settings) -> Result<(), Failure> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    write_batches(&mut out, &[batch], default_format(format), s.tz).context("writing output")?;
    out.flush().context("writing output")?;
    Ok(())
}

fn table(cols: Vec<(&str, ArrayRef)>) -> Result<RecordBatch, Failure> {
    let schema = Schema::new(cols.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect::<Vec<_>>());
    Ok(RecordBatch::try_new(Arc::new(schema), cols.into_iter().map(|(_, a)| a).collect()).context("formatting")?)
}

fn strings(v: Vec<String>) -> ArrayRef {
    Arc::new(StringArray::from(v))
}

fn floats(v: Vec<Option<f64>>) -> ArrayRef {
    Arc::new(Float64Array::from(v))
}

/// `radar train`.
pub(super) async fn train_cmd(a: TrainArgs, s: &Settings) -> Result<(), Failure> {
    // The name becomes a directory: refused before hours of training, not after.
    crate::models::registry::check_name(&a.name).map_err(m)?;
    let features = match &a.features {
        Some(list) => list
            .split(',')
            .map(|f| f.parse::<Feature>().map_err(ModelError::from))
            .collect::<Result<_, _>>()
            .map_err(m)?,
        None => Feature::ALL.to_vec(),
    };
    let windows = match (a.week, a.train_as_of.is_empty()) {
        (Some(w), true) => Windows::Week(w),
        (None, false) => Windows::Dates {
            train: a.train_as_of.iter().map(|t| date_arg("--train-as-of", t)).collect::<Result<_, _>>()?,
            test: a.test_as_of.iter().map(|t| date_arg("--test-as-of", t)).collect::<Result<_, _>>()?,
        },
        _ => {
            return Err(usage(
                "give either --week N or --train-as-of DATE (with --test-as-of)",
                "see radar train --help",
            ))
        }
    };
    let mut candidates = default_candidates(a.seed);
    match a.family.as_str() {
        "all" => {}
        "logistic" => candidates.retain(|p| matches!(p, Params::Logistic { .. })),
        "forest" => candidates.retain(|p| matches!(p, Params::Forest { .. })),
        other => return Err(usage(format!("--family `{other}`"), "use all, logistic or forest")),
    }
    let opts = TrainOptions {
        name: a.name.clone(),
        target: a.target,
        windows,
        test_cohorts: (!a.test_cohort.is_empty()).then(|| a.test_cohort.clone()),
        features,
        candidates,
        alert_share: a.alert_share,
        tz: s.tz,
        created_at: stamp(s),
    };
    let store = Store::open_existing(&s.store).map_err(|e| m(e.into()))?;
    let mut model = train::train(&store, &opts).await.map_err(m)?;
    let reg = Registry::new(&a.models);
    let path = reg.save(&mut model).map_err(m)?;
    if a.nightly {
        reg.set_nightly(&model.name).map_err(m)?;
    }
    if !s.quiet {
        eprintln!("radar: saved {} ({}) — {}", path.display(), model.params.label(), model.split);
    }
    print(summary(&model)?, a.format, s)
}

/// The backtest table of a model: every candidate, the calibrated choice and the baseline.
fn summary(model: &ModelFile) -> Result<RecordBatch, Failure> {
    let mut name = Vec::new();
    let mut vals: [Vec<Option<f64>>; 3] = Default::default();
    let mut n = Vec::new();
    for c in &model.candidates {
        name.push(format!("{}{}", c.params.label(), if c.chosen { " (chosen, raw)" } else { "" }));
        vals[0].push(c.test.auc);
        vals[1].push(c.test.pr_auc);
        vals[2].push(c.test.brier);
        n.push(c.test.n as u64);
    }
    name.push(format!("{} + {} calibration", model.params.label(), model.calibrator.name()));
    vals[0].push(model.metrics.auc);
    vals[1].push(model.metrics.pr_auc);
    vals[2].push(model.metrics.brier);
    n.push(model.metrics.n as u64);
    if let Some(b) = &model.baseline {
        name.push(format!("baseline: {}", b.feature));
        vals[0].push(b.metrics.auc);
        vals[1].push(b.metrics.pr_auc);
        vals[2].push(b.metrics.brier);
        n.push(b.metrics.n as u64);
    }
    let [auc, pr, brier] = vals;
    table(vec![
        ("model", strings(name)),
        ("test_auc", floats(auc)),
        ("test_pr_auc", floats(pr)),
        ("test_brier", floats(brier)),
        ("test_rows", Arc::new(UInt64Array::from(n))),
    ])
}

/// `radar score`.
pub(super) async fn score_cmd(a: ScoreArgs, s: &Settings) -> Result<(), Failure> {
    let reg = Registry::new(&a.models);
    let model = reg.load(&a.model).map_err(m)?;
    let as_of = match &a.as_of {
        Some(t) => date_arg("--as-of", t)?,
        None => crate::refresh::as_of_date(None, s.now, s.tz),
    };
    let store = Store::open_existing(&s.store).map_err(|e| m(e.into()))?;
    let (_, mut rows) = score::score(&store, &model, as_of, s.tz).await.map_err(m)?;
    if !a.no_write {
        score::write(&store, &model, as_of, &rows).await.map_err(m)?;
    }
    if !s.quiet {
        let alerts = rows.iter().filter(|r| r.alert).count();
        eprintln!(
            "radar: scored {} students as of {} with {}@{} ({} at or above the threshold {:.3})",
            rows.len(),
            days_to_date(as_of),
            model.name,
            model.version,
            alerts,
            model.threshold
        );
    }
    rows.sort_by(|x, y| y.score.total_cmp(&x.score).then_with(|| x.student_id.cmp(&y.student_id)));
    let mut cols: Vec<(&str, ArrayRef)> = vec![
        ("student_id", strings(rows.iter().map(|r| r.student_id.clone()).collect())),
        ("score", floats(rows.iter().map(|r| Some(r.score)).collect())),
    ];
    if a.explain {
        cols.push((
            "known_outcome",
            Arc::new(arrow::array::BooleanArray::from(rows.iter().map(|r| r.known_outcome).collect::<Vec<_>>())),
        ));
        cols.push((
            "alert",
            Arc::new(arrow::array::BooleanArray::from(rows.iter().map(|r| r.alert).collect::<Vec<_>>())),
        ));
        let text = |zh: bool| -> Vec<String> {
            rows.iter()
                .map(|r| {
                    r.reasons
                        .iter()
                        .map(|x| if zh { x.text_zh.clone() } else { x.text_en.clone() })
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .collect()
        };
        cols.push(("reasons_en", strings(text(false))));
        cols.push(("reasons_zh", strings(text(true))));
    }
    print(table(cols)?, a.format, s)
}

/// `radar models`.
pub(super) async fn models_cmd(a: ModelsArgs, s: &Settings) -> Result<(), Failure> {
    let reg = Registry::new(&a.models);
    match a.action {
        ModelsAction::List { format } => {
            let nightly = reg.nightly();
            let mut rows: Vec<ModelFile> = Vec::new();
            for name in reg.names().map_err(m)? {
                for v in reg.versions(&name).map_err(m)? {
                    rows.push(reg.load(&format!("{name}@{v}")).map_err(m)?);
                }
            }
            let active: Vec<String> = rows
                .iter()
                .map(|r| {
                    let mut tags = Vec::new();
                    if reg.active_version(&r.name).ok().as_deref() == Some(r.version.as_str()) {
                        tags.push("active");
                    }
                    if nightly.as_deref() == Some(r.name.as_str()) {
                        tags.push("nightly");
                    }
                    tags.join(",")
                })
                .collect();
            let batch = table(vec![
                ("name", strings(rows.iter().map(|r| r.name.clone()).collect())),
                ("version", strings(rows.iter().map(|r| r.version.clone()).collect())),
                ("status", strings(active)),
                ("target", strings(rows.iter().map(|r| r.target.name().to_string()).collect())),
                (
                    "model",
                    strings(rows.iter().map(|r| format!("{} + {}", r.params.label(), r.calibrator.name())).collect()),
                ),
                ("trained_on", strings(rows.iter().map(|r| windows_text(&r.train)).collect())),
                ("tested_on", strings(rows.iter().map(|r| windows_text(&r.test)).collect())),
                ("test_auc", floats(rows.iter().map(|r| r.metrics.auc).collect())),
                ("test_brier", floats(rows.iter().map(|r| r.metrics.brier).collect())),
                ("created_at", strings(rows.iter().map(|r| r.created_at.clone()).collect())),
            ])?;
            print(batch, format, s)
        }
        ModelsAction::Show { model, json } => {
            let mf = reg.load(&model).map_err(m)?;
            let mut out = std::io::stdout().lock();
            if json {
                let text = serde_json::to_string_pretty(&mf).context("formatting")?;
                writeln!(out, "{text}").context("writing output")?;
                return Ok(());
            }
            write!(out, "{}", crate::models::report::card(&mf)).context("writing output")?;
            Ok(())
        }
        ModelsAction::Activate { model } => {
            let Some((name, version)) = model.split_once('@') else {
                return Err(usage(format!("`{model}`"), "give NAME@VERSION, e.g. campus-risk@v2"));
            };
            reg.activate(name, version).map_err(m)?;
            eprintln!("radar: {name}@{version} is now active");
            Ok(())
        }
        ModelsAction::Features { as_of, format } => {
            let as_of = date_arg("--as-of", &as_of)?;
            let store = Store::open_existing(&s.store).map_err(|e| m(e.into()))?;
            let (cut, frame) = score::features_at(&store, as_of, s.tz, Feature::ALL).await.map_err(m)?;
            if !s.quiet {
                eprintln!(
                    "radar: {} students, term {} (teaching from {}), records before {}",
                    frame.len(),
                    cut.term,
                    days_to_date(cut.term_start),
                    days_to_date(cut.as_of)
                );
            }
            let mut cols: Vec<(&str, ArrayRef)> = vec![("student_id", strings(frame.ids.clone()))];
            for (c, f) in frame.features.iter().enumerate() {
                let v = (0..frame.len()).map(|r| Some(frame.get(r, c)).filter(|v| v.is_finite())).collect();
                cols.push((f.name(), floats(v)));
            }
            print(table(cols)?, format, s)
        }
        ModelsAction::Nightly { name } => {
            reg.load(&name).map_err(m)?;
            reg.set_nightly(&name).map_err(m)?;
            eprintln!("radar: the nightly refresh now scores with {name}");
            Ok(())
        }
    }
}

fn windows_text(w: &[crate::models::registry::Window]) -> String {
    w.iter()
        .map(|w| {
            let co = if w.cohorts.is_empty() { String::new() } else { format!(" cohorts {:?}", w.cohorts) };
            format!("{}@{}{} ({} rows)", w.term, w.as_of, co, w.rows)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// After a refresh: scores with the registry's nightly model, if one is set, and writes
/// `risk_scores` (which the warnings step reads next).
pub(super) async fn nightly_score(
    store: &Store,
    models: &std::path::Path,
    as_of: &str,
    s: &Settings,
) -> Result<(), Failure> {
    let as_of = date_arg("as-of", as_of)?;
    let log = super::nightly::StderrLog { quiet: s.quiet };
    crate::nightly::score_nightly(store, models, as_of, s.tz, &log).await.map_err(m)?;
    Ok(())
}
