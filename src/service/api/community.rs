//! `GET /api/v1/community`: the guideline's community indicators
//! (`evaluation::community`, as `radar evaluate community` computes them) for one month.
//! An analyst chooses the grouping (campus, college or building); a leader sees their
//! college's rows only. The rows name staff, buildings and floors short of a requirement,
//! never a student.

use axum::extract::{Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{allow, COMMUNITY_READERS};
use crate::accounts::scope::Scope;
use crate::evaluation::community::{community_indicators, CommunityOptions, CommunityRow, GroupBy};
use crate::evaluation::EvaluationError;
use crate::service::auth::Caller;
use crate::service::error::ApiError;
use crate::service::AppState;

/// Query of `GET /community`.
#[derive(Debug, Default, Deserialize, IntoParams, ToSchema)]
pub struct CommunityQuery {
    /// `YYYY-MM`; default the last complete month before the clock's date.
    pub month: Option<String>,
    /// `campus` (default), `college` or `building`; a leader always gets their college.
    pub by: Option<String>,
}

/// One (group, indicator) row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Indicator {
    /// `campus`, `college` or `building`.
    pub group_by: String,
    /// The group.
    pub group: String,
    /// Indicator name.
    pub indicator: String,
    /// Guideline item(s).
    pub guideline_item: String,
    /// Share or median; null without data.
    pub value: Option<f64>,
    /// Target.
    pub target: f64,
    /// Whether the target is met; null without data.
    pub met: Option<bool>,
    /// Units meeting it.
    pub numerator: Option<i64>,
    /// Units counted.
    pub denominator: Option<i64>,
    /// Staff, buildings or floors short of it (never a student).
    pub detail: String,
}

/// The indicators of one month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Community {
    /// `YYYY-MM`.
    pub month: String,
    /// Whether the month had ended by the clock's date.
    pub complete: bool,
    /// The grouping.
    pub by: String,
    /// Rows by group, then indicator.
    pub rows: Vec<Indicator>,
    /// Kinds the campus does not send, and what that leaves null.
    pub notes: Vec<String>,
}

impl From<&CommunityRow> for Indicator {
    fn from(r: &CommunityRow) -> Self {
        Indicator {
            group_by: r.group_by.into(),
            group: r.group.clone(),
            indicator: r.indicator.into(),
            guideline_item: r.guideline_item.into(),
            value: r.value,
            target: r.target,
            met: r.met,
            numerator: r.numerator,
            denominator: r.denominator,
            detail: r.detail.clone(),
        }
    }
}

/// The guideline's community indicators.
#[utoipa::path(get, path = "/api/v1/community", tag = "leaders",
    params(CommunityQuery),
    responses((status = 200, body = Community), (status = 400), (status = 401), (status = 403)))]
pub async fn get_community(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<CommunityQuery>,
) -> Result<Json<Community>, ApiError> {
    Ok(Json(community(&state, &caller, &q).await?))
}

/// Computes the indicators for `caller` and writes the audit row (the page calls this too).
pub async fn community(state: &AppState, caller: &Caller, q: &CommunityQuery) -> Result<Community, ApiError> {
    allow(caller, &COMMUNITY_READERS)?;
    // A leader's scope is their college: other colleges' rows are not theirs to see.
    let college = match &caller.scope {
        Scope::All => None,
        Scope::College(c) => Some(c.clone()),
        _ => return Err(ApiError::forbidden()),
    };
    let by = match (&college, q.by.as_deref().unwrap_or("campus")) {
        (Some(_), _) => GroupBy::College,
        (None, "campus") => GroupBy::Campus,
        (None, "college") => GroupBy::College,
        (None, "building") => GroupBy::Building,
        (None, other) => {
            return Err(ApiError::bad_request(format!("by `{other}`: use campus, college or building")));
        }
    };
    let opts = CommunityOptions { month: q.month.clone(), by, now: state.now(), tz: state.tz() };
    let out = match community_indicators(state.store(), &opts).await {
        Ok(r) => Community {
            month: r.month.clone(),
            complete: r.complete,
            by: by.name().into(),
            rows: r
                .rows
                .iter()
                .filter(|row| college.as_deref().is_none_or(|c| row.group == c))
                .map(Indicator::from)
                .collect(),
            notes: r.notes.clone(),
        },
        Err(e) if e.is_config() => return Err(ApiError::bad_request(e.to_string())),
        Err(EvaluationError::NoData(why)) => Community {
            month: q.month.clone().unwrap_or_default(),
            complete: false,
            by: by.name().into(),
            rows: Vec::new(),
            notes: vec![why],
        },
        Err(e) => return Err(ApiError::internal(e)),
    };
    let detail = serde_json::json!({ "month": out.month, "by": out.by, "rows": out.rows.len() });
    caller.audit(state, "community.view", None, 0, detail)?;
    Ok(out)
}
