//! Recommendations (智能推荐): activities and clubs, library books, support resources and
//! peer mentors for every active student, as of a date D, each with a reason in Chinese
//! and English.
//!
//! ```text
//!  activities ─► series (title without `（第N期）`) ─┐
//!  participation (time = the activity's start) ───┼► user × series ─► item CF ─┐
//!  library_loans (class = CLC letters) ────────────┴► user × class ─► item CF ─┤ popularity fills
//!  ops.sqlite open warnings + student_term ─► resources.toml ─────────────────┤ (college+cohort,
//!  student_term (failed, then improved) ─► peer mentors ───────────────────────┤  then campus)
//!                                                                              ▼
//!                                              ranked per student ─► `recommendations`
//! ```
//!
//! Everything is as of D: participation whose activity started before D 00:00 local,
//! loans borrowed before it, warnings raised by it and still open, terms begun before it;
//! the next session pointed to is the first at or after it. Only ids, college, major,
//! cohort, degree level and status are read about students — never names or the
//! protected columns — and reasons name series, classes, rules and terms, never people.
//!
//! Layer: reads store tables and the warnings' operational store
//! ([`crate::warnings::db::OpsDb`]); only the command line depends on this module.

pub mod books;
pub mod cf;
pub mod evaluate;
pub mod mentor;
mod model;
pub mod people;
pub mod ranking;
pub mod resources;
pub mod series;
mod suggest;
pub mod table;

use std::time::Instant;

use serde::Serialize;

pub use model::Model;
pub use resources::Resources;

use crate::features::FeatureError;
use crate::schema::time::{date_to_days, parse_date, Micros};
use crate::store::{Store, StoreError};
use crate::warnings::WarningError;

/// Errors of the recommender.
#[derive(Debug, thiserror::Error)]
pub enum RecommendError {
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A query failed.
    #[error("query: {0}")]
    Query(#[from] datafusion::error::DataFusionError),
    /// A query result is not shaped as expected.
    #[error(transparent)]
    Shape(#[from] FeatureError),
    /// Building a batch failed.
    #[error("arrow: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    /// Reading open warnings failed.
    #[error(transparent)]
    Warnings(#[from] WarningError),
    /// The student id is not in `students`.
    #[error("unknown student {0}")]
    UnknownStudent(String),
    /// The resource file is not usable (exit code 2).
    #[error("resources {file}: {msg}")]
    Resources {
        /// File.
        file: String,
        /// Every problem.
        msg: String,
    },
    /// A setting is not usable (exit code 2).
    #[error("{what}: {hint}")]
    Config {
        /// What is wrong.
        what: String,
        /// What to do about it.
        hint: String,
    },
}

impl RecommendError {
    /// Whether this is a usage or configuration error (exit code 2).
    pub fn is_config(&self) -> bool {
        matches!(self, RecommendError::Resources { .. } | RecommendError::Config { .. })
    }
}

/// What a suggestion is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A support resource (listed first among equal scores).
    Resource,
    /// A peer mentor.
    Mentor,
    /// An activity series.
    Activity,
    /// Library books of a CLC class.
    Book,
}

impl Kind {
    /// The `kind` column value.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Resource => "resource",
            Kind::Mentor => "mentor",
            Kind::Activity => "activity",
            Kind::Book => "book",
        }
    }

    /// Parses a `kind` column value.
    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Resource, Kind::Mentor, Kind::Activity, Kind::Book].into_iter().find(|k| k.name() == s)
    }
}

/// One suggestion: a row of the `recommendations` table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// Student.
    pub student_id: String,
    /// As-of date (days since epoch).
    pub as_of: i32,
    /// 1 = best, per student across kinds.
    pub rank: i64,
    /// Kind.
    pub kind: Kind,
    /// Series name, CLC class, resource id or the peer's student_id.
    pub item_id: String,
    /// Title, Chinese.
    pub title: String,
    /// Title, English.
    pub title_en: String,
    /// A JSON object: the next session, the book, where the resource is, the peer's terms.
    pub detail: Option<String>,
    /// Ranking score, 0–1 (the bands are in `src/recommend/suggest.rs`).
    pub score: f64,
    /// Why, Chinese.
    pub reason_zh: String,
    /// Why, English.
    pub reason_en: String,
}

/// Settings.
#[derive(Debug, Clone)]
pub struct RecommendOptions {
    /// Activity series per student.
    pub activities: usize,
    /// Book classes per student.
    pub books: usize,
    /// Item-based CF settings for activity series.
    pub cf: cf::CfParams,
    /// Item-based CF settings for book classes.
    pub book_cf: cf::CfParams,
    /// Fewest students of a college and cohort for an item to count as popular there.
    pub min_group: u32,
    /// Support resources.
    pub resources: Resources,
}

impl RecommendOptions {
    /// Defaults with these resources.
    pub fn new(resources: Resources) -> RecommendOptions {
        RecommendOptions {
            activities: 10,
            books: 5,
            cf: cf::CfParams::activities(),
            book_cf: cf::CfParams::books(),
            min_group: 3,
            resources,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecommendReport {
    /// As-of date, `YYYY-MM-DD`.
    pub as_of: String,
    /// Active students.
    pub students: usize,
    /// Rows written.
    pub rows: usize,
    /// Rows per kind: resource, mentor, activity, book.
    pub by_kind: [usize; 4],
    /// Active students without any participation before D (cold start for activities).
    pub cold_start: usize,
    /// Activity series and book classes known.
    pub series: usize,
    /// Book classes known.
    pub classes: usize,
    /// Seconds reading and fitting, ranking, writing.
    pub seconds: [f64; 3],
}

/// The instant of D 00:00 local: data strictly before it is what D knows.
pub fn cut_off(as_of: i32, tz: chrono_tz::Tz) -> Micros {
    crate::features::clock::LocalClock::new(tz).midnight(as_of)
}

/// The as-of date: the given `YYYY-MM-DD`, else the latest successful refresh's, else the
/// local date of `now`.
pub fn resolve_as_of(
    store: &Store,
    given: Option<&str>,
    now: Micros,
    tz: chrono_tz::Tz,
) -> Result<i32, RecommendError> {
    if let Some(s) = given {
        return parse_date(s).map(date_to_days).ok_or_else(|| RecommendError::Config {
            what: format!("--as-of `{s}` is not a date"),
            hint: "use YYYY-MM-DD".into(),
        });
    }
    Ok(crate::refresh::published_as_of(store, now, tz)?)
}

/// Computes the recommendations of every active student as of D (days since epoch) and
/// replaces D's rows of the `recommendations` table in one commit.
pub async fn refresh(
    store: &Store,
    as_of: i32,
    tz: chrono_tz::Tz,
    opts: &RecommendOptions,
) -> Result<RecommendReport, RecommendError> {
    let t0 = Instant::now();
    let model = Model::build(store, as_of, tz, opts, None).await?;
    let t1 = Instant::now();
    let rows = model.recommend_all();
    let t2 = Instant::now();
    table::write(store, as_of, &rows).await?;
    let mut by_kind = [0usize; 4];
    for r in &rows {
        by_kind[r.kind as usize] += 1;
    }
    let p = model.people();
    Ok(RecommendReport {
        as_of: crate::schema::time::days_to_date(as_of).to_string(),
        students: p.active.iter().filter(|a| **a).count(),
        rows: rows.len(),
        by_kind,
        cold_start: model.cold_start(),
        series: model.series_count(),
        classes: model.class_count(),
        seconds: [(t1 - t0).as_secs_f64(), (t2 - t1).as_secs_f64(), t2.elapsed().as_secs_f64()],
    })
}

/// Computes one student's recommendations as of D without writing them (any status).
pub async fn for_student(
    store: &Store,
    student_id: &str,
    as_of: i32,
    tz: chrono_tz::Tz,
    opts: &RecommendOptions,
) -> Result<Vec<Recommendation>, RecommendError> {
    let model = Model::build(store, as_of, tz, opts, Some(student_id)).await?;
    let u = model.people().index(student_id).ok_or_else(|| RecommendError::UnknownStudent(student_id.to_string()))?;
    Ok(model.recommend(u as usize))
}
