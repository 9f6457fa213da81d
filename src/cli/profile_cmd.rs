//! `radar profile` and `radar timeline`: one student's profile or process record, masked
//! for the viewer; `radar profile --all` builds and stores every profile.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
use arrow::array::{RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};

use super::args::{ProfileArgs, ProfileFormat, TimelineArgs};
use super::output::write_batches;
use super::{default_format, Failure, Settings};
use crate::profile::access::{self, Grants, Viewer};
use crate::profile::{self, serving, ProfileError, Scope};
use crate::schema::time::{date_to_days, parse_date};
use crate::store::Store;
use crate::warnings::db::OpsDb;

fn fail(e: ProfileError) -> Failure {
    if e.is_config() {
        Failure::Usage(e.into())
    } else {
        Failure::Job(e.into())
    }
}

fn date_arg(given: Option<&str>) -> Result<Option<i32>, Failure> {
    match given {
        None => Ok(None),
        Some(s) => parse_date(s)
            .map(|d| Some(date_to_days(d)))
            .ok_or_else(|| super::usage(format!("--as-of `{s}` is not a date"), "use YYYY-MM-DD")),
    }
}

/// Students per chunk of the nightly build: memory stays flat while the queries still
/// amortise their scans.
const CHUNK: usize = 5_000;

/// Builds and stores every student's profile as of `as_of`; returns how many.
pub(super) async fn build_all(store: &Store, as_of: i32, s: &Settings) -> Result<usize, Failure> {
    profile::build::build_and_publish(store, as_of, s.tz, CHUNK).await.map_err(fail)
}

async fn viewer(store: &Store, id: Option<&str>) -> Result<Option<Viewer>, Failure> {
    match id {
        None => Ok(None),
        Some(id) => Ok(Some(access::viewer(store, id).await.map_err(fail)?)),
    }
}

fn audit(
    store: &Store,
    s: &Settings,
    v: Option<&Viewer>,
    action: &str,
    student: &str,
    g: Grants,
) -> Result<(), Failure> {
    if let Some(v) = v {
        let db = OpsDb::open(store.root()).map_err(crate::Error::from)?;
        access::audit(&db, s.now, &v.staff_id, action, student, g).map_err(fail)?;
    }
    Ok(())
}

/// `radar profile`.
pub(super) async fn profile(a: ProfileArgs, s: &Settings) -> Result<(), Failure> {
    let store = Store::open_existing(&s.store).map_err(crate::Error::from)?;
    let given = date_arg(a.as_of.as_deref())?;
    if a.all {
        let as_of = match given {
            Some(d) => d,
            None => {
                crate::models::analysis::resolve_as_of(&store, None, s.now, s.tz).map_err(|e| Failure::Job(e.into()))?
            }
        };
        let n = build_all(&store, as_of, s).await?;
        if !s.quiet {
            eprintln!("radar: {n} profiles built as of {}", crate::schema::time::days_to_date(as_of));
        }
        return Ok(());
    }
    let Some(id) = a.student_id.as_deref() else {
        return Err(super::usage("no student id", "pass STUDENT_ID or --all"));
    };
    let built = serving::built_as_of(store.root()).map_err(fail)?;
    let wanted = given.map(|d| crate::schema::time::days_to_date(d).to_string());
    let t = std::time::Instant::now();
    let cached = match (&built, &wanted) {
        (Some(_), None) => serving::read(store.root(), id).map_err(fail)?,
        (Some(b), Some(w)) if b == w => serving::read(store.root(), id).map_err(fail)?,
        _ => None,
    };
    if s.verbose > 0 && cached.is_some() {
        eprintln!("radar: profile read from the serving copy in {:.3} ms", t.elapsed().as_secs_f64() * 1e3);
    }
    let p = match cached {
        Some(p) => p,
        None => {
            let as_of = match given {
                Some(d) => d,
                None => crate::models::analysis::resolve_as_of(&store, None, s.now, s.tz)
                    .map_err(|e| Failure::Job(e.into()))?,
            };
            let mut one = profile::build(&store, as_of, s.tz, &Scope::One(id.to_string())).await.map_err(fail)?;
            one.pop().ok_or_else(|| fail(ProfileError::UnknownStudent(id.to_string())))?
        }
    };
    let v = viewer(&store, a.viewer.as_deref()).await?;
    let g = access::grants(v.as_ref(), &p);
    let shown = access::apply(&p, g);
    audit(&store, s, v.as_ref(), "profile.view", id, g)?;
    let text = match a.format {
        ProfileFormat::Text => profile::render::text::render(&shown),
        ProfileFormat::Json => serde_json::to_string_pretty(&shown).context("formatting")? + "\n",
        ProfileFormat::Html => profile::render::html::render(&shown).map_err(fail)?,
    };
    match &a.output {
        Some(path) => std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes()).context("writing output")?;
            out.flush().context("writing output")?;
        }
    }
    Ok(())
}

/// `radar timeline`.
pub(super) async fn timeline(a: TimelineArgs, s: &Settings) -> Result<(), Failure> {
    let store = Store::open_existing(&s.store).map_err(crate::Error::from)?;
    let until = match date_arg(a.as_of.as_deref())? {
        Some(d) => crate::features::clock::LocalClock::new(s.tz).midnight(d),
        None => s.now,
    };
    let ctx = store.session().await.map_err(crate::Error::from)?;
    let tables = store.table_names().into_iter().collect();
    // The basics decide who may read the notes; they also reject an unknown student.
    let mut one = profile::build::basics_only(&store, &a.student_id).await.map_err(fail)?;
    let scope = Scope::One(a.student_id.clone());
    let mut by = profile::timeline::collect(&store, &ctx, &tables, &scope, until, until, s.tz).await.map_err(fail)?;
    one.timeline = by.remove(&a.student_id).unwrap_or_default();
    let v = viewer(&store, a.viewer.as_deref()).await?;
    let g = access::grants(v.as_ref(), &one);
    let shown = access::apply(&one, g);
    audit(&store, s, v.as_ref(), "timeline.view", &a.student_id, g)?;
    let e = &shown.timeline;
    let text = |f: &dyn Fn(&profile::doc::TimelineEvent) -> Option<String>| {
        Arc::new(StringArray::from(e.iter().map(f).collect::<Vec<_>>()))
    };
    let schema = Schema::new(vec![
        Field::new("at", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), false),
        Field::new("source", DataType::Utf8, false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("title_zh", DataType::Utf8, false),
        Field::new("title_en", DataType::Utf8, false),
        Field::new("by", DataType::Utf8, true),
        Field::new("ref_id", DataType::Utf8, false),
        Field::new("note", DataType::Utf8, true),
    ]);
    let batch = RecordBatch::try_new(
        Arc::new(schema),
        vec![
            Arc::new(TimestampMicrosecondArray::from_iter_values(e.iter().map(|x| x.at_micros)).with_timezone("UTC")),
            text(&|x| Some(x.source.clone())),
            text(&|x| Some(x.kind.clone())),
            text(&|x| Some(x.title_zh.clone())),
            text(&|x| Some(x.title_en.clone())),
            text(&|x| x.by.clone()),
            text(&|x| Some(x.ref_id.clone())),
            text(&|x| match (&x.note.value, x.note.masked) {
                (Some(n), _) => Some(n.clone()),
                (None, true) => Some("(restricted)".into()),
                (None, false) => None,
            }),
        ],
    )
    .context("formatting")?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    write_batches(&mut out, &[batch], default_format(a.format), s.tz).context("writing output")?;
    out.flush().context("writing output")?;
    Ok(())
}
