//! `radar warnings …` and `radar evaluate warnings`.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::Arc;

use anyhow::Context;
use arrow::array::{RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};

use super::args::{
    EvaluateArgs, EvaluateWhat, OutputFormat, RulesAction, WarningsAction, WarningsArgs, WarningsFormat,
};
use super::output::write_batches;
use super::refresh_cmd::load_rules;
use super::{default_format, usage, Failure, Settings};
use crate::profile::access;
use crate::store::{collect_stream, Store};
use crate::warnings::db::{Action, Filter, OpsDb, INTERVENTIONS, OPEN, STATUSES};
use crate::warnings::rules::{Check, CATEGORIES, LEVELS};
use crate::warnings::{audit, export, WarningError};

fn w(e: WarningError) -> Failure {
    crate::Error::from(e).into()
}

pub(super) async fn run(args: WarningsArgs, s: &Settings) -> Result<(), Failure> {
    match args.action {
        None => list(args, s).await,
        Some(WarningsAction::Rules { action }) => rules(action, s),
        Some(WarningsAction::Raise { rules }) => {
            let store = Store::open_existing(&s.store).map_err(crate::Error::from)?;
            let rules = load_rules(rules)?;
            let r = crate::warnings::raise(&store, &rules, s.tz, s.now).await.map_err(w)?;
            if !s.quiet {
                eprintln!(
                    "warnings as of {}: {} candidates, {} new, {} updated ({} escalated), {} deferred by capacity, \
                     {} in cooldown; {} open ({:.2} s)",
                    r.as_of,
                    r.candidates,
                    r.raised,
                    r.updated,
                    r.escalated,
                    r.deferred,
                    r.suppressed,
                    r.open,
                    r.seconds
                );
            }
            Ok(())
        }
        Some(WarningsAction::Ack(t)) => transition(t, Action::Ack, s).await,
        Some(WarningsAction::Start(t)) => transition(t, Action::Start, s).await,
        Some(WarningsAction::Resolve(t)) => transition(t, Action::Resolve, s).await,
        Some(WarningsAction::FalsePositive(t)) => transition(t, Action::FalsePositive, s).await,
        Some(WarningsAction::Log(l)) => {
            if !INTERVENTIONS.contains(&l.kind.as_str()) {
                return Err(usage(
                    format!("--kind `{}` is not known", l.kind),
                    format!("use one of {}", INTERVENTIONS.join(", ")),
                ));
            }
            let store = Store::open_existing(&s.store).map_err(crate::Error::from)?;
            check_staff(&store, &l.by).await?;
            let mut db = OpsDb::open(store.root()).map_err(w)?;
            let note = super::note::read(l.note.as_deref(), l.note_file.as_deref())?.unwrap_or_default();
            let id = db.log_intervention(&l.id, &l.kind, &l.by, &note, s.now).map_err(w)?;
            if !s.quiet {
                eprintln!("logged {} ({}) on warning {}", id, l.kind, l.id);
            }
            Ok(())
        }
        Some(WarningsAction::Show { id, format, viewer }) => show(&id, format, viewer.as_deref(), s).await,
    }
}

/// The `--as` staff member as a profile viewer, for the same masking as the profile.
async fn profile_viewer(store: &Store, id: &str) -> Result<access::Viewer, Failure> {
    access::viewer(store, id).await.map_err(|e| {
        if e.is_config() {
            Failure::Usage(e.into())
        } else {
            Failure::Job(e.into())
        }
    })
}

async fn check_staff(store: &Store, by: &str) -> Result<(), Failure> {
    if !store.table_names().iter().any(|t| t == "staff") {
        return Ok(());
    }
    let sql = format!("SELECT COUNT(*) AS n FROM staff WHERE staff_id = '{}'", by.replace('\'', "''"));
    let batches =
        collect_stream(store.query(&sql).await.map_err(crate::Error::from)?).await.map_err(crate::Error::from)?;
    let n = batches
        .first()
        .and_then(|b| b.column(0).as_any().downcast_ref::<arrow::array::Int64Array>().map(|a| a.value(0)))
        .unwrap_or(0);
    if n == 0 {
        return Err(Failure::Job(anyhow::anyhow!("--by `{by}` is not a staff id in the store")));
    }
    Ok(())
}

async fn transition(t: super::args::TransitionArgs, action: Action, s: &Settings) -> Result<(), Failure> {
    let store = Store::open_existing(&s.store).map_err(crate::Error::from)?;
    check_staff(&store, &t.by).await?;
    let note = super::note::read(t.note.as_deref(), t.note_file.as_deref())?;
    let mut db = OpsDb::open(store.root()).map_err(w)?;
    let row = db.transition(&t.id, action, &t.by, note.as_deref(), s.now).map_err(w)?;
    if !s.quiet {
        eprintln!("warning {} is now {}", row.warning_id, row.status);
    }
    Ok(())
}

fn statuses(given: &str) -> Result<Vec<String>, Failure> {
    match given {
        "open" => Ok(OPEN.iter().map(|s| s.to_string()).collect()),
        "all" => Ok(Vec::new()),
        list => {
            let v: Vec<String> = list.split(',').map(|x| x.trim().to_string()).collect();
            for x in &v {
                if !STATUSES.contains(&x.as_str()) {
                    return Err(usage(
                        format!("--status `{x}` is not a status"),
                        format!("use open, all or a comma list of {}", STATUSES.join(", ")),
                    ));
                }
            }
            Ok(v)
        }
    }
}

async fn names(store: &Store) -> Result<HashMap<String, String>, Failure> {
    let mut out = HashMap::new();
    if !store.table_names().iter().any(|t| t == "students") {
        return Ok(out);
    }
    let stream = store.query("SELECT student_id, name FROM students").await.map_err(crate::Error::from)?;
    for b in collect_stream(stream).await.map_err(crate::Error::from)? {
        let (ids, n) = (
            crate::store::text_column(&b, 0).map_err(crate::Error::from)?,
            crate::store::text_column(&b, 1).map_err(crate::Error::from)?,
        );
        for i in 0..b.num_rows() {
            out.insert(ids.value(i).to_string(), n.value(i).to_string());
        }
    }
    Ok(out)
}

/// One audit row per listing: a table on the terminal is `warnings.list`, anything else
/// (csv, json, ndjson, xlsx, to a file or a pipe) is `warnings.export`; ids, the filter
/// and the number of students only.
fn list_audit(
    db: &OpsDb,
    a: &WarningsArgs,
    f: &Filter,
    format: WarningsFormat,
    rows: &[crate::warnings::db::WarningRow],
    s: &Settings,
) -> Result<(), Failure> {
    let export = format != WarningsFormat::Table || a.output.is_some();
    let action = if export { "warnings.export" } else { "warnings.list" };
    let students: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.student_id.as_str()).collect();
    let filter = serde_json::json!({
        "counsellor": f.counsellor, "college": f.college, "level": f.level, "category": f.category,
        "student": f.student, "statuses": f.statuses, "today": a.today,
    });
    let subject = f.student.clone().or_else(|| f.counsellor.clone()).unwrap_or_default();
    let detail = serde_json::json!({
        "format": format!("{format:?}").to_lowercase(),
        "to": if a.output.is_some() { "file" } else { "stdout" },
        "with_names": a.with_names,
        "warnings": rows.len(),
        "filter": filter,
    });
    audit::record_with(db, s.now, &audit::actor(a.viewer.as_deref()), action, &subject, students.len() as u64, &detail)
        .map_err(w)
}

async fn list(a: WarningsArgs, s: &Settings) -> Result<(), Failure> {
    if let Some(l) = &a.level {
        if !LEVELS.contains(&l.as_str()) {
            return Err(usage(format!("--level `{l}` is not a level"), "use red, orange or yellow"));
        }
    }
    if let Some(c) = &a.category {
        if !CATEGORIES.contains(&c.as_str()) {
            return Err(usage(
                format!("--category `{c}` is not a category"),
                format!("use one of {}", CATEGORIES.join(", ")),
            ));
        }
    }
    let store = Store::open_existing(&s.store).map_err(crate::Error::from)?;
    let db = OpsDb::open(store.root()).map_err(w)?;
    let raised_at = if a.today { db.last_raise().map_err(w)? } else { None };
    // With a viewer the level is matched after masking: a restricted warning's level is
    // not theirs to filter on.
    let f = Filter {
        counsellor: a.counsellor.clone(),
        college: a.college.clone(),
        level: if a.viewer.is_some() { None } else { a.level.clone() },
        category: a.category.clone(),
        statuses: statuses(&a.status)?,
        student: a.student.clone(),
        raised_at,
    };
    if let Some(v) = &a.viewer {
        check_staff(&store, v).await?;
    }
    let mut rows = db.list(&f).map_err(w)?;
    if let Some(v) = &a.viewer {
        let viewer = profile_viewer(&store, v).await?;
        for r in &mut rows {
            let g = access::warning_grants(Some(&viewer), r);
            access::warning_row(r, g);
        }
        rows.retain(|r| a.level.as_deref().is_none_or(|l| r.level == l));
    }
    let names = if a.with_names { Some(names(&store).await?) } else { None };
    let format = a.format.unwrap_or(if std::io::stdout().is_terminal() && a.output.is_none() {
        WarningsFormat::Table
    } else {
        WarningsFormat::Csv
    });
    if format == WarningsFormat::Xlsx && a.output.is_none() && std::io::stdout().is_terminal() {
        return Err(usage("xlsx is binary and stdout is a terminal", "add --output FILE.xlsx or redirect stdout"));
    }
    list_audit(&db, &a, &f, format, &rows, s)?;
    let bytes = match format {
        WarningsFormat::Xlsx => export::xlsx(&rows, names.as_ref(), s.tz).map_err(w)?,
        other => {
            let batch = export::batch(&rows, names.as_ref()).map_err(w)?;
            let of = match other {
                WarningsFormat::Table => OutputFormat::Table,
                WarningsFormat::Json => OutputFormat::Json,
                WarningsFormat::Ndjson => OutputFormat::Ndjson,
                _ => OutputFormat::Csv,
            };
            let mut buf = Vec::new();
            write_batches(&mut buf, &[batch], of, s.tz).context("formatting output")?;
            buf
        }
    };
    match &a.output {
        Some(p) => std::fs::write(p, &bytes).with_context(|| format!("writing {}", p.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes).context("writing output")?;
            out.flush().context("writing output")?;
        }
    }
    if !s.quiet && a.output.is_some() {
        eprintln!("{} warnings written", rows.len());
    }
    Ok(())
}

async fn show(id: &str, format: Option<OutputFormat>, viewer: Option<&str>, s: &Settings) -> Result<(), Failure> {
    if let Some(v) = viewer {
        check_staff(&Store::open_existing(&s.store).map_err(crate::Error::from)?, v).await?;
    }
    let db = OpsDb::open(&s.store).map_err(w)?;
    let mut row = db.get(id).map_err(w)?.ok_or_else(|| w(WarningError::NotFound(id.to_string())))?;
    if let Some(v) = viewer {
        let store = Store::open_existing(&s.store).map_err(crate::Error::from)?;
        let viewer = profile_viewer(&store, v).await?;
        let g = access::warning_grants(Some(&viewer), &row);
        access::warning_row(&mut row, g);
    }
    // Audited before anything is printed: a disclosure is never unrecorded.
    let detail = serde_json::json!({ "student": row.student_id });
    audit::record_with(&db, s.now, &audit::actor(viewer), "warnings.show", id, 1, &detail).map_err(w)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let batch = export::batch(std::slice::from_ref(&row), None).map_err(w)?;
    write_batches(&mut out, &[batch], default_format(format), s.tz).context("writing output")?;
    let history = crate::warnings::db::history_batch(&db, id).map_err(w)?;
    writeln!(out).context("writing output")?;
    write_batches(&mut out, &[history], default_format(format), s.tz).context("writing output")?;
    out.flush().context("writing output")?;
    Ok(())
}

fn rules(action: RulesAction, s: &Settings) -> Result<(), Failure> {
    match action {
        RulesAction::Validate { rules } => {
            let r = load_rules(rules)?;
            if !s.quiet {
                eprintln!("{}: version {}, {} rules, ok", r.source, r.version, r.rules.len());
            }
            Ok(())
        }
        RulesAction::List { rules, format } => {
            let r = load_rules(rules)?;
            let kind = |c: &Check| match c {
                Check::Change(_) => "change",
                Check::Threshold(_) => "threshold",
                Check::Term(_) => "term",
                Check::Screening(_) => "screening",
                Check::Silence(_) => "silence",
                Check::DormNight(_) => "dorm_night",
                Check::Leave(_) => "leave",
                Check::Composite(_) => "composite",
                Check::Risk(_) => "risk",
            };
            let col = |v: Vec<String>| Arc::new(StringArray::from(v)) as arrow::array::ArrayRef;
            let batch = RecordBatch::try_new(
                Arc::new(Schema::new(vec![
                    Field::new("id", DataType::Utf8, false),
                    Field::new("category", DataType::Utf8, false),
                    Field::new("type", DataType::Utf8, false),
                    Field::new("sources", DataType::Utf8, false),
                    Field::new("reason_en", DataType::Utf8, false),
                ])),
                vec![
                    col(r.rules.iter().map(|x| x.id.clone()).collect()),
                    col(r.rules.iter().map(|x| x.category.clone()).collect()),
                    col(r.rules.iter().map(|x| kind(&x.check).to_string()).collect()),
                    col(r.rules.iter().map(|x| x.sources.join(" ")).collect()),
                    col(r.rules.iter().map(|x| x.reason_en.clone()).collect()),
                ],
            )
            .context("formatting")?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write_batches(&mut out, &[batch], default_format(format), s.tz).context("writing output")?;
            out.flush().context("writing output")?;
            Ok(())
        }
    }
}

pub(super) async fn evaluate(args: EvaluateArgs, s: &Settings) -> Result<(), Failure> {
    match args.what {
        EvaluateWhat::Students(a) => super::evaluation_cmd::students(a, s).await,
        EvaluateWhat::Community(a) => super::evaluation_cmd::community(a, s).await,
        EvaluateWhat::Hardship { truth, as_of, weeks, format } => {
            super::analysis_cmd::evaluate_hardship(&truth, as_of.as_deref(), weeks, format, s).await
        }
        EvaluateWhat::Recommendations { as_of, holdout, k, format } => {
            super::recommend_cmd::evaluate(as_of.as_deref(), holdout, k, format, s).await
        }
        EvaluateWhat::Warnings { truth, per_rule, rules, format } => {
            let rules = load_rules(rules)?;
            let span = rules
                .rules
                .iter()
                .find_map(|r| match &r.check {
                    Check::Silence(x) => x.levels.yellow,
                    _ => None,
                })
                .unwrap_or(24.0) as i64;
            if !OpsDb::exists(&s.store) {
                return Err(Failure::Job(anyhow::anyhow!(
                    "{} has no warnings yet: refresh night by night first (`radar refresh --from D1 --as-of D2`)",
                    s.store.display()
                )));
            }
            let db = OpsDb::open(&s.store).map_err(w)?;
            let (metrics, per) =
                crate::warnings::evaluate::evaluate(&db, &truth, s.tz, rules.settings.capacity, span).map_err(w)?;
            let schema = Arc::new(Schema::new(vec![
                Field::new("category", DataType::Utf8, false),
                Field::new("metric", DataType::Utf8, false),
                Field::new("value", DataType::Float64, true),
                Field::new("n", DataType::UInt64, false),
                Field::new("target", DataType::Utf8, false),
            ]));
            let batch = RecordBatch::try_new(
                schema,
                vec![
                    Arc::new(StringArray::from(metrics.iter().map(|m| m.category.clone()).collect::<Vec<_>>())),
                    Arc::new(StringArray::from(metrics.iter().map(|m| m.metric.clone()).collect::<Vec<_>>())),
                    Arc::new(arrow::array::Float64Array::from(metrics.iter().map(|m| m.value).collect::<Vec<_>>())),
                    Arc::new(arrow::array::UInt64Array::from(metrics.iter().map(|m| m.n as u64).collect::<Vec<_>>())),
                    Arc::new(StringArray::from(metrics.iter().map(|m| m.target.clone()).collect::<Vec<_>>())),
                ],
            )
            .context("formatting")?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write_batches(&mut out, &[batch], default_format(format), s.tz).context("writing output")?;
            if per_rule {
                let keys = ["rule", "category", "warnings", "truth_precision", "marked_false_positive"];
                let fields: Vec<Field> = keys.iter().map(|k| Field::new(*k, DataType::Utf8, false)).collect();
                let cols = keys
                    .iter()
                    .map(|k| {
                        Arc::new(StringArray::from(
                            per.iter().map(|r| r.get(*k).cloned().unwrap_or_default()).collect::<Vec<_>>(),
                        )) as arrow::array::ArrayRef
                    })
                    .collect();
                let b = RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).context("formatting")?;
                writeln!(out).context("writing output")?;
                write_batches(&mut out, &[b], default_format(format), s.tz).context("writing output")?;
            }
            out.flush().context("writing output")?;
            Ok(())
        }
    }
}
