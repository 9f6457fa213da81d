//! `GET /api/v1/dashboard`: warnings of the caller's scope counted by category, level and
//! status, overall and per ISO week of creation; how long warnings waited for a first
//! human response (median and p90, overall and per week); open cases per counsellor.
//! Counts only: no student is named, so an analyst's dashboard needs no pseudonyms.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::Json;
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{allow, DASHBOARD_READERS};
use crate::accounts::scope::{Directory, Scope};
use crate::schema::time::Micros;
use crate::service::auth::Caller;
use crate::service::error::ApiError;
use crate::service::AppState;
use crate::warnings::db::OPEN;

/// Query of `GET /dashboard`.
#[derive(Debug, Deserialize, IntoParams, ToSchema)]
pub struct DashboardQuery {
    /// How many ISO weeks, ending with the current one, the weekly series cover (1–104, default 12).
    pub weeks: Option<u32>,
}

/// Warnings counted three ways.
#[derive(Debug, Default, Clone, Serialize, ToSchema, PartialEq)]
pub struct Counts {
    /// All of them.
    pub total: u64,
    /// By category.
    pub by_category: BTreeMap<String, u64>,
    /// By current level (`red`, `orange`, `yellow`).
    pub by_level: BTreeMap<String, u64>,
    /// By current status.
    pub by_status: BTreeMap<String, u64>,
}

/// Response times: from a warning's creation to its first human action (acknowledge,
/// start, resolve, false positive or an intervention), in hours.
#[derive(Debug, Default, Clone, Serialize, ToSchema, PartialEq)]
pub struct ResponseTimes {
    /// Warnings that got a response.
    pub responded: u64,
    /// Warnings still waiting for one.
    pub waiting: u64,
    /// Median hours.
    pub median_hours: Option<f64>,
    /// 90th percentile hours.
    pub p90_hours: Option<f64>,
}

/// One ISO week of creation.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Week {
    /// `YYYY-Www`.
    pub week: String,
    /// Its Monday, `YYYY-MM-DD`.
    pub week_start: String,
    /// Warnings created that week, by category, level and (current) status.
    pub counts: Counts,
    /// Response times of the warnings created that week.
    pub response: ResponseTimes,
}

/// A counsellor's open cases.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct CounsellorLoad {
    /// Staff id.
    pub counsellor_id: String,
    /// Open warnings (`new`, `acknowledged`, `in_progress`).
    pub open: u64,
    /// Of which still `new`.
    pub new: u64,
    /// Open ones by level.
    pub by_level: BTreeMap<String, u64>,
}

/// The dashboard.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Dashboard {
    /// The scope counted (`all`, `college:<id>`, `counsellor:<id>`, … or `nobody`).
    pub scope: String,
    /// Every warning of the scope.
    pub counts: Counts,
    /// Response times over every warning of the scope.
    pub response: ResponseTimes,
    /// The weekly series, oldest first; weeks without warnings are zero.
    pub weeks: Vec<Week>,
    /// Open cases per counsellor, most first.
    pub open_per_counsellor: Vec<CounsellorLoad>,
}

/// The warnings' dashboard of the caller's scope.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "leaders",
    params(DashboardQuery),
    responses((status = 200, body = Dashboard), (status = 401), (status = 403)))]
pub async fn get_dashboard(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<DashboardQuery>,
) -> Result<Json<Dashboard>, ApiError> {
    Ok(Json(dashboard(&state, &caller, q.weeks).await?))
}

/// Builds the dashboard for `caller` and writes its audit row (the pages call this too).
pub async fn dashboard(state: &AppState, caller: &Caller, weeks: Option<u32>) -> Result<Dashboard, ApiError> {
    allow(caller, &DASHBOARD_READERS)?;
    let weeks = weeks.unwrap_or(12).clamp(1, 104);
    let dir = state.directory().await?;
    let db = state.ops()?;
    let scope = caller.scope.clone();
    let (tz, now) = (state.tz(), state.now());
    let rows = tokio::task::spawn_blocking(move || load(&db, &dir, &scope)).await.map_err(ApiError::internal)??;
    let d = build(&rows, scope_name(&caller.scope), tz, now, weeks);
    let detail = serde_json::json!({ "warnings": d.counts.total, "weeks": weeks });
    caller.audit(state, "dashboard.view", None, 0, detail)?;
    Ok(d)
}

/// The scope as a short label.
pub fn scope_name(s: &Scope) -> String {
    match s {
        Scope::Nobody => "nobody".into(),
        Scope::All => "all".into(),
        Scope::Everyone => "everyone".into(),
        Scope::Counsellor(id) => format!("counsellor:{id}"),
        Scope::Mentor(id) => format!("mentor:{id}"),
        Scope::College(c) => format!("college:{c}"),
        Scope::Student(_) => "student".into(),
    }
}

/// What the dashboard needs of one warning.
#[derive(Debug, Clone)]
pub struct Row {
    /// Counsellor.
    pub counsellor_id: String,
    /// Category.
    pub category: String,
    /// Current level.
    pub level: String,
    /// Current status.
    pub status: String,
    /// Creation instant.
    pub created_at: Micros,
    /// First human action, if any.
    pub first_response: Option<Micros>,
}

/// Every warning of the scope with its first human response.
fn load(db: &crate::warnings::db::OpsDb, dir: &Directory, scope: &Scope) -> Result<Vec<Row>, ApiError> {
    // `radar` writes the raise, escalate and reopen events; every other `by` is a person.
    let mut st = db.conn.prepare(
        "SELECT w.student_id, w.counsellor_id, w.category, w.level, w.status, w.created_at, \
         (SELECT MIN(e.at) FROM warning_events e WHERE e.warning_id = w.warning_id AND e.by <> 'radar') \
         FROM warnings w ORDER BY w.seq",
    )?;
    let mut out = Vec::new();
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let student: String = r.get(0)?;
        if !dir.sees(scope, &student) {
            continue;
        }
        out.push(Row {
            counsellor_id: r.get(1)?,
            category: r.get(2)?,
            level: r.get(3)?,
            status: r.get(4)?,
            created_at: r.get(5)?,
            first_response: r.get(6)?,
        });
    }
    Ok(out)
}

/// The ISO week of an instant in the campus zone: (`YYYY-Www`, its Monday).
pub fn iso_week(t: Micros, tz: Tz) -> Option<(String, NaiveDate)> {
    let d = chrono::DateTime::from_timestamp_micros(t)?.with_timezone(&tz).date_naive();
    let w = d.iso_week();
    let monday = NaiveDate::from_isoywd_opt(w.year(), w.week(), Weekday::Mon)?;
    Some((format!("{}-W{:02}", w.year(), w.week()), monday))
}

/// Assembles the dashboard from the scope's rows (pure: tested without a store).
pub fn build(rows: &[Row], scope: String, tz: Tz, now: Micros, weeks: u32) -> Dashboard {
    let mut series: Vec<(String, NaiveDate, Vec<&Row>)> = Vec::new();
    if let Some((_, this_monday)) = iso_week(now, tz) {
        for back in (0..weeks as i64).rev() {
            let monday = this_monday - Duration::weeks(back);
            let iso = monday.iso_week();
            series.push((format!("{}-W{:02}", iso.year(), iso.week()), monday, Vec::new()));
        }
    }
    for r in rows {
        if let Some((_, monday)) = iso_week(r.created_at, tz) {
            if let Some(slot) = series.iter_mut().find(|s| s.1 == monday) {
                slot.2.push(r);
            }
        }
    }
    let all: Vec<&Row> = rows.iter().collect();
    Dashboard {
        scope,
        counts: counts(&all),
        response: response(&all),
        weeks: series
            .into_iter()
            .map(|(week, monday, rs)| Week {
                week,
                week_start: monday.to_string(),
                counts: counts(&rs),
                response: response(&rs),
            })
            .collect(),
        open_per_counsellor: loads(rows),
    }
}

fn counts(rows: &[&Row]) -> Counts {
    let mut c = Counts { total: rows.len() as u64, ..Counts::default() };
    for r in rows {
        *c.by_category.entry(r.category.clone()).or_default() += 1;
        *c.by_level.entry(r.level.clone()).or_default() += 1;
        *c.by_status.entry(r.status.clone()).or_default() += 1;
    }
    c
}

fn response(rows: &[&Row]) -> ResponseTimes {
    let mut hours: Vec<f64> = rows
        .iter()
        .filter_map(|r| r.first_response.map(|t| (t - r.created_at).max(0) as f64 / 3_600_000_000.0))
        .collect();
    hours.sort_by(f64::total_cmp);
    ResponseTimes {
        responded: hours.len() as u64,
        waiting: (rows.len() - hours.len()) as u64,
        median_hours: quantile(&hours, 0.5),
        p90_hours: quantile(&hours, 0.9),
    }
}

/// The `q` quantile of sorted values, interpolating between neighbours.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let pos = q.clamp(0.0, 1.0) * last as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    let v = sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64);
    Some((v * 100.0).round() / 100.0)
}

fn loads(rows: &[Row]) -> Vec<CounsellorLoad> {
    let mut by: BTreeMap<&str, CounsellorLoad> = BTreeMap::new();
    for r in rows.iter().filter(|r| OPEN.contains(&r.status.as_str())) {
        let l = by.entry(&r.counsellor_id).or_insert_with(|| CounsellorLoad {
            counsellor_id: r.counsellor_id.clone(),
            open: 0,
            new: 0,
            by_level: BTreeMap::new(),
        });
        l.open += 1;
        l.new += u64::from(r.status == "new");
        *l.by_level.entry(r.level.clone()).or_default() += 1;
    }
    let mut v: Vec<CounsellorLoad> = by.into_values().collect();
    v.sort_by(|a, b| b.open.cmp(&a.open).then_with(|| a.counsellor_id.cmp(&b.counsellor_id)));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Micros = 3_600_000_000;

    fn row(c: &str, cat: &str, level: &str, status: &str, created: Micros, resp: Option<Micros>) -> Row {
        Row {
            counsellor_id: c.into(),
            category: cat.into(),
            level: level.into(),
            status: status.into(),
            created_at: created,
            first_response: resp,
        }
    }

    #[test]
    fn weeks_response_times_and_loads() {
        let tz: Tz = "Asia/Shanghai".parse().expect("tz");
        // 2025-09-22 08:00 +08:00 is a Monday (ISO week 39).
        let now = crate::schema::time::parse_timestamp("2025-09-22T08:00:00+08:00", tz).expect("now");
        let last_week = now - 7 * 24 * H;
        let rows = vec![
            row("C1", "academic", "red", "new", now - H, None),
            row("C1", "academic", "yellow", "acknowledged", last_week, Some(last_week + 2 * H)),
            row("C2", "life", "orange", "resolved", last_week, Some(last_week + 10 * H)),
            row("C2", "life", "orange", "in_progress", last_week, Some(last_week + 4 * H)),
            // Before the window: in the totals, not in the series.
            row("C2", "life", "yellow", "false_positive", now - 30 * 7 * 24 * H, Some(now - 30 * 7 * 24 * H + H)),
        ];
        let d = build(&rows, "all".into(), tz, now, 2);
        assert_eq!(d.counts.total, 5);
        assert_eq!(d.counts.by_category["life"], 3);
        assert_eq!(d.counts.by_level["orange"], 2);
        assert_eq!(d.weeks.iter().map(|w| w.week.as_str()).collect::<Vec<_>>(), ["2025-W38", "2025-W39"]);
        assert_eq!(d.weeks[0].week_start, "2025-09-15");
        assert_eq!(d.weeks[0].counts.total, 3);
        assert_eq!(d.weeks[1].counts.by_status["new"], 1);
        assert_eq!(d.weeks[0].response.median_hours, Some(4.0));
        assert_eq!(d.weeks[0].response.p90_hours, Some(8.8));
        assert_eq!((d.response.responded, d.response.waiting), (4, 1));
        assert_eq!(d.response.median_hours, Some(3.0));
        let loads: Vec<(&str, u64, u64)> =
            d.open_per_counsellor.iter().map(|l| (l.counsellor_id.as_str(), l.open, l.new)).collect();
        assert_eq!(loads, [("C1", 2, 1), ("C2", 1, 0)]);
    }

    #[test]
    fn quantiles_interpolate_and_are_none_when_empty() {
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[3.0], 0.9), Some(3.0));
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), Some(2.5));
    }
}
