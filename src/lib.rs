//! # campus-radar
//!
//! Turns a university's scattered campus records into early warnings and student
//! profiles (一站式学生社区 guideline, item 1.6).
//!
//! ## Architecture
//!
//! Data flows one way; a module uses only modules above it:
//!
//! ```text
//!  files (CSV / NDJSON / Parquet, .gz, UTF-8 / GB18030)
//!    │
//!    ▼
//!  schema   the campus-records contract as data: kinds, columns, types, keys, sensitivity
//!    │        ├─ generate: a fabricated campus in the contract format + planted truth
//!    │        └─ import:   an outside data set (OULAD) mapped onto contract files
//!    ▼
//!  ingest   read → check (reason codes, in contract order) → de-duplicate by key hash
//!    │        ├─ good rows ───────────────► store: <kind>          (Delta table)
//!    │        ├─ bad rows ────────────────► store: quarantine      (+ quarantine_replay)
//!    │        └─ one row per file ────────► store: ingest_runs
//!    ▼
//!  store    Delta Lake tables under one directory; DataFusion SQL over all of them;
//!    │        multi-table publish (`_published.json`)
//!    ▼
//!  pipeline the refresh DAG from pipelines/*.toml: as-of views of the record kinds,
//!    │        validation, one step = one Delta commit
//!    ├─ features   built-in steps (student_week, student_week_baseline)
//!    ▼
//!  refresh  plan (full or incremental from a week), run the DAG, publish, refresh_runs
//!    │
//!    ▼
//!  models   features as of a cut-off → linfa logistic regression / forest, backtest,
//!    │        calibration, explanations, fairness → registry (models/) → risk_scores;
//!    │        lifestyle typology (k-means), hidden-hardship score
//!    ▼
//!  warnings rules.toml over the published features as of D → explained candidates →
//!    │        dedup / cooldown / capacity → ops.sqlite (lifecycle, interventions) → lists,
//!    │        xlsx, `warnings` in SQL, evaluation against planted truth
//!    ▼
//!  evaluation indicators.toml (SQL over the record kinds as of D) → entropy or expert
//!    │        weights → 德智体美劳 scores and percentiles → student_evaluation,
//!    │        evaluation_weights; community indicators of guideline items 1.3–2.8
//!  recommend activity series and library classes by item-based CF, support resources
//!    │        matched to open warnings (resources.toml), peer mentors from student_term,
//!    │        cold-start popularity → `recommendations`; leave-latest-out evaluation
//!    ▼
//!  profile  one-click profiles as of D from the published tables (features, evaluation,
//!    │        typology, recommendations) and ops.sqlite (warnings, lifecycle) → masked
//!    │        by viewer + audit_log; profiles.sqlite (point reads) + student_profiles;
//!    │        the process record (timeline); text / json / html with inline SVG charts
//!    ▼
//!  nightly  one night of the schedule: refresh → nightly score → warnings → products
//!    │        (typology, evaluation, recommendations, profiles); failures in refresh_runs
//!    ▼
//!  cli      `radar ingest | sql | demo | generate | import | refresh | runs | pipelines |
//!            schedule | warnings | evaluate | train | score | models | typology | hardship |
//!            recommend | profile | timeline`
//! ```
//!
//! The web service will slot in between `profile` and `cli` and read only from the store;
//! `profile` reads the tables of `evaluation` and `recommend`, not the modules;
//! `warnings` reads the models' `risk_scores` table, not the models module;
//! `recommend` reads store tables and the warnings' operational store, and only `cli`
//! depends on it.
//!
//! ## Example
//!
//! ```no_run
//! # async fn run() -> campus_radar::Result<()> {
//! use campus_radar::ingest::{self, Encoding, IngestOptions, NoProgress};
//! use campus_radar::store::Store;
//!
//! let store = Store::open(std::path::Path::new("radar-data"))?;
//! let tz = chrono_tz::Asia::Shanghai;
//! let now = campus_radar::schema::time::parse_clock("2025-09-22", tz).unwrap_or_default();
//! let opts = IngestOptions { kind: None, encoding: Encoding::Utf8, tz, now, batch_rows: 65_536 };
//! let outcome = ingest::ingest(&store, &["sample_data/campus".into()], &opts, &NoProgress).await?;
//! for r in &outcome.reports {
//!     println!("{}: {} stored, {} quarantined", r.file, r.stored, r.quarantined);
//! }
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod accounts;
pub mod cli;
pub mod error;
pub mod evaluation;
pub mod failpoint;
pub mod features;
pub mod generate;
pub mod import;
pub mod ingest;
pub mod models;
pub mod nightly;
pub mod notify;
pub mod pipeline;
pub mod profile;
#[cfg(test)]
mod proptext;
pub mod recommend;
pub mod refresh;
pub mod schema;
pub mod service;
pub mod store;
pub mod warnings;

pub use error::{Error, Result};
