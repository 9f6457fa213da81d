//! `radar recommend` and `radar evaluate recommendations`. Lists go to stdout in the
//! usual formats; summaries and timings to stderr. Ids only, never names.

use std::sync::Arc;
use std::time::Instant;

use arrow::array::{ArrayRef, Date32Array, Float64Array, Int64Array, StringArray, UInt64Array};

use super::analysis_cmd::{batch, emit};
use super::args::{OutputFormat, RecommendArgs};
use super::{default_format, usage, Failure, Settings};
use crate::profile::{self, access, ProfileError};
use crate::recommend::{self, table, RecommendError, RecommendOptions, Resources};
use crate::store::Store;
use crate::warnings::db::{Filter, OpsDb, OPEN};

fn fail(e: RecommendError) -> Failure {
    crate::Error::from(e).into()
}

fn strings(v: Vec<String>) -> ArrayRef {
    Arc::new(StringArray::from(v))
}

/// `radar recommend`.
pub(super) async fn run(a: RecommendArgs, s: &Settings) -> Result<(), Failure> {
    if a.n == 0 {
        return Err(usage("-n 0 lists nothing", "use -n 1 or more"));
    }
    let t0 = Instant::now();
    let opts = RecommendOptions::new(Resources::resolve(a.resources.as_deref()).map_err(fail)?);
    let store = Store::open_existing(&s.store).map_err(crate::Error::from)?;
    let as_of = recommend::resolve_as_of(&store, a.as_of.as_deref(), s.now, s.tz).map_err(fail)?;
    if a.all {
        let r = recommend::refresh(&store, as_of, s.tz, &opts).await.map_err(fail)?;
        if !s.quiet {
            eprintln!(
                "recommendations as of {}: {} students ({} without activity records), {} rows \
                 ({} resources, {} mentors, {} activities, {} books) from {} series and {} book classes; \
                 read+fit {:.2} s, rank {:.2} s, write {:.2} s, total {:.2} s",
                r.as_of,
                r.students,
                r.cold_start,
                r.rows,
                r.by_kind[0],
                r.by_kind[1],
                r.by_kind[2],
                r.by_kind[3],
                r.series,
                r.classes,
                r.seconds[0],
                r.seconds[1],
                r.seconds[2],
                t0.elapsed().as_secs_f64()
            );
        }
        if let Some(format) = a.format {
            let b = batch(vec![
                ("as_of", strings(vec![r.as_of.clone()])),
                ("students", Arc::new(UInt64Array::from(vec![r.students as u64]))),
                ("rows", Arc::new(UInt64Array::from(vec![r.rows as u64]))),
                ("resources", Arc::new(UInt64Array::from(vec![r.by_kind[0] as u64]))),
                ("mentors", Arc::new(UInt64Array::from(vec![r.by_kind[1] as u64]))),
                ("activities", Arc::new(UInt64Array::from(vec![r.by_kind[2] as u64]))),
                ("books", Arc::new(UInt64Array::from(vec![r.by_kind[3] as u64]))),
                ("cold_start", Arc::new(UInt64Array::from(vec![r.cold_start as u64]))),
                ("seconds", Arc::new(Float64Array::from(vec![(t0.elapsed().as_secs_f64() * 100.0).round() / 100.0]))),
            ])?;
            emit(&b, format, s)?;
        }
        return Ok(());
    }
    let Some(id) = a.student else {
        return Err(usage("name a student or use --all", "radar recommend STUDENT_ID, or radar recommend --all"));
    };
    let stored = table::read(&store, as_of, &id).await.map_err(fail)?.filter(|rows| !rows.is_empty());
    let (rows, from) = match stored {
        Some(rows) => (rows, "the recommendations table"),
        None => (recommend::for_student(&store, &id, as_of, s.tz, &opts).await.map_err(fail)?, "computed now"),
    };
    let rows = for_viewer(&store, &id, a.viewer.as_deref(), rows, s).await?;
    let rows: Vec<_> = rows.into_iter().take(a.n).collect();
    let b = batch(vec![
        ("student_id", strings(rows.iter().map(|r| r.student_id.clone()).collect())),
        ("as_of", Arc::new(Date32Array::from(rows.iter().map(|r| r.as_of).collect::<Vec<_>>()))),
        ("rank", Arc::new(Int64Array::from(rows.iter().map(|r| r.rank).collect::<Vec<_>>()))),
        ("kind", strings(rows.iter().map(|r| r.kind.name().to_string()).collect())),
        ("item_id", strings(rows.iter().map(|r| r.item_id.clone()).collect())),
        ("title", strings(rows.iter().map(|r| r.title.clone()).collect())),
        ("title_en", strings(rows.iter().map(|r| r.title_en.clone()).collect())),
        ("detail", Arc::new(StringArray::from(rows.iter().map(|r| r.detail.clone()).collect::<Vec<_>>()))),
        ("score", Arc::new(Float64Array::from(rows.iter().map(|r| r.score).collect::<Vec<_>>()))),
        ("reason_zh", strings(rows.iter().map(|r| r.reason_zh.clone()).collect())),
        ("reason_en", strings(rows.iter().map(|r| r.reason_en.clone()).collect())),
    ])?;
    emit(&b, default_format(a.format), s)?;
    if s.verbose > 0 {
        eprintln!(
            "recommendations for {id} as of {} ({from}, {:.2} s)",
            crate::schema::time::days_to_date(as_of),
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// The rows `viewer` (none = anonymous) may see, re-ranked 1..n, through the same grants
/// as the profile ([`access`]); a named viewer's look is audited.
async fn for_viewer(
    store: &Store,
    id: &str,
    viewer: Option<&str>,
    rows: Vec<recommend::Recommendation>,
    s: &Settings,
) -> Result<Vec<recommend::Recommendation>, Failure> {
    let pfail = |e: ProfileError| if e.is_config() { Failure::Usage(e.into()) } else { Failure::Job(e.into()) };
    let basics = profile::build::basics_only(store, id).await.map_err(pfail)?;
    let v = match viewer {
        Some(staff) => Some(access::viewer(store, staff).await.map_err(pfail)?),
        None => None,
    };
    let g = access::grants(v.as_ref(), &basics);
    // Reading must not create ops.sqlite; an audited view writes to it anyway.
    let db = match OpsDb::exists(store.root()) || v.is_some() {
        true => Some(OpsDb::open(store.root()).map_err(crate::Error::from)?),
        false => None,
    };
    let f = Filter {
        statuses: OPEN.iter().map(|x| x.to_string()).collect(),
        student: Some(id.into()),
        ..Filter::default()
    };
    let hidden: Vec<String> = match &db {
        Some(db) if !g.psych => {
            let open = db.list(&f).map_err(crate::Error::from)?;
            open.into_iter().filter(|w| crate::warnings::draws_on_screening(&w.evidence)).map(|w| w.rule).collect()
        }
        _ => Vec::new(),
    };
    let mut docs: Vec<profile::doc::Recommendation> = rows
        .iter()
        .map(|r| profile::doc::Recommendation {
            rank: r.rank,
            kind: r.kind.name().to_string(),
            reason_zh: r.reason_zh.clone(),
            reason_en: r.reason_en.clone(),
            ..Default::default()
        })
        .collect();
    access::recommendation_reasons(&mut docs, &hidden);
    let mut out = Vec::with_capacity(rows.len());
    for (mut r, d) in rows.into_iter().zip(docs) {
        if r.kind.name() == "mentor" && !g.peers {
            continue;
        }
        r.reason_zh = d.reason_zh;
        r.reason_en = d.reason_en;
        r.rank = out.len() as i64 + 1;
        out.push(r);
    }
    if let (Some(v), Some(db)) = (&v, &db) {
        let detail = serde_json::json!({ "shown": g.fields(), "rows": out.len() });
        crate::warnings::audit::record_with(db, s.now, &v.staff_id, "recommend.view", id, 1, &detail)
            .map_err(crate::Error::from)?;
    }
    Ok(out)
}

/// `radar evaluate recommendations`.
pub(super) async fn evaluate(
    as_of: Option<&str>,
    holdout: usize,
    k: usize,
    format: Option<OutputFormat>,
    s: &Settings,
) -> Result<(), Failure> {
    if holdout == 0 || k == 0 {
        return Err(usage("--holdout and --k must be at least 1", "e.g. --holdout 2 --k 10"));
    }
    let t0 = Instant::now();
    let opts = RecommendOptions::new(Resources::builtin().map_err(fail)?);
    let store = Store::open_existing(&s.store).map_err(crate::Error::from)?;
    let as_of = recommend::resolve_as_of(&store, as_of, s.now, s.tz).map_err(fail)?;
    let rows = recommend::evaluate::evaluate(&store, as_of, s.tz, &opts, holdout, k).await.map_err(fail)?;
    let r4 = |x: f64| (x * 1e4).round() / 1e4;
    let b = batch(vec![
        ("what", strings(rows.iter().map(|r| r.what.clone()).collect())),
        ("method", strings(rows.iter().map(|r| r.method.clone()).collect())),
        ("students", Arc::new(UInt64Array::from(rows.iter().map(|r| r.students as u64).collect::<Vec<_>>()))),
        ("recall_at_k", Arc::new(Float64Array::from(rows.iter().map(|r| r4(r.recall_at_k)).collect::<Vec<_>>()))),
        ("ndcg_at_k", Arc::new(Float64Array::from(rows.iter().map(|r| r4(r.ndcg_at_k)).collect::<Vec<_>>()))),
        (
            "lift_vs_popularity",
            Arc::new(Float64Array::from(rows.iter().map(|r| r.lift_vs_popularity.map(r4)).collect::<Vec<_>>())),
        ),
        ("skipped", Arc::new(UInt64Array::from(rows.iter().map(|r| r.skipped as u64).collect::<Vec<_>>()))),
        ("k", Arc::new(UInt64Array::from(vec![k as u64; rows.len()]))),
        ("holdout", Arc::new(UInt64Array::from(vec![holdout as u64; rows.len()]))),
    ])?;
    emit(&b, default_format(format), s)?;
    if !s.quiet {
        eprintln!(
            "evaluate recommendations as of {}: latest {holdout} distinct items held out per student, top {k} scored ({:.2} s)",
            crate::schema::time::days_to_date(as_of),
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
