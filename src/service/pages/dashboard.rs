//! `/dashboard`: the leader's (and analyst's, admin's) view of the API's dashboard —
//! weekly warnings by category, level and status, response times, and open cases per
//! counsellor, as inline SVG inside `#dashboard`.

use axum::extract::{Query, State};
use axum::response::Html;

use super::charts::{hbars, lines, stacked_bars, Series};
use super::{category_label, level_colour, level_label, status_colour, status_label, PALETTE};
use super::{OrPage, PageError};
use crate::service::api::admin::dashboard::{dashboard, Dashboard, DashboardQuery};
use crate::service::auth::PageCaller;
use crate::service::pages::{render, Lang};
use crate::service::AppState;

const LEVELS: [&str; 3] = ["red", "orange", "yellow"];

/// `GET /dashboard`.
pub async fn page(
    State(state): State<AppState>,
    page: PageCaller,
    lang: Lang,
    Query(q): Query<DashboardQuery>,
) -> Result<Html<String>, PageError> {
    let d = dashboard(&state, &page.0, q.weeks).await.or_page(lang)?;
    let charts = charts(&d, &lang);
    let ctx = serde_json::json!({ "d": d, "charts": charts, "weeks": d.weeks.len() });
    render(&state, Some(&page), lang, include_str!("templates/dashboard.html"), "dashboard.html", ctx).or_page(lang)
}

/// The dashboard's charts as SVG text.
pub fn charts(d: &Dashboard, lang: &Lang) -> serde_json::Value {
    let xs: Vec<String> = d.weeks.iter().map(|w| w.week_start.clone()).collect();
    let mut categories: Vec<&String> = d.counts.by_category.keys().collect();
    categories.sort();
    let by_category: Vec<Series<u64>> = categories
        .iter()
        .enumerate()
        .map(|(i, c)| Series {
            label: category_label(lang, c),
            colour: PALETTE[i % PALETTE.len()],
            values: d.weeks.iter().map(|w| w.counts.by_category.get(*c).copied().unwrap_or(0)).collect(),
        })
        .collect();
    let by_level: Vec<Series<u64>> = LEVELS
        .iter()
        .map(|l| Series {
            label: level_label(lang, l),
            colour: level_colour(l),
            values: d.weeks.iter().map(|w| w.counts.by_level.get(*l).copied().unwrap_or(0)).collect(),
        })
        .collect();
    let by_status: Vec<Series<u64>> = crate::warnings::db::STATUSES
        .iter()
        .map(|s| Series {
            label: status_label(lang, s),
            colour: status_colour(s),
            values: d.weeks.iter().map(|w| w.counts.by_status.get(*s).copied().unwrap_or(0)).collect(),
        })
        .collect();
    let response = [
        Series {
            label: lang.pick("中位数", "median").into(),
            colour: "#2563eb",
            values: d.weeks.iter().map(|w| w.response.median_hours).collect(),
        },
        Series {
            label: "p90".into(),
            colour: "#f59e0b",
            values: d.weeks.iter().map(|w| w.response.p90_hours).collect(),
        },
    ];
    let loads: Vec<(String, Vec<u64>)> = d
        .open_per_counsellor
        .iter()
        .take(30)
        .map(|l| (l.counsellor_id.clone(), LEVELS.iter().map(|v| l.by_level.get(*v).copied().unwrap_or(0)).collect()))
        .collect();
    let level_keys: Vec<Series<()>> = LEVELS
        .iter()
        .map(|l| Series { label: level_label(lang, l), colour: level_colour(l), values: Vec::new() })
        .collect();
    serde_json::json!({
        "category": stacked_bars(lang.pick("每周新增预警：按类别", "New warnings per week, by category"), &xs, &by_category),
        "level": stacked_bars(lang.pick("每周新增预警：按等级", "New warnings per week, by level"), &xs, &by_level),
        "status": stacked_bars(lang.pick("每周新增预警：按当前状态", "New warnings per week, by current status"), &xs, &by_status),
        "response": lines(lang.pick("首次响应用时（小时）", "Time to first response (hours)"), &xs, &response, "h"),
        "counsellors": hbars(lang.pick("各辅导员未结案例", "Open cases per counsellor"), &loads, &level_keys),
    })
}
