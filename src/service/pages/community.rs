//! `/community`: the guideline's community indicators of a month as a table, met or not
//! at a glance (the same rows as `GET /api/v1/community`).

use axum::extract::{Query, State};
use axum::response::Html;

use super::{OrPage, PageError};
use crate::service::api::admin::community::{community, CommunityQuery};
use crate::service::auth::PageCaller;
use crate::service::pages::{render, Lang};
use crate::service::AppState;

/// `GET /community`.
pub async fn page(
    State(state): State<AppState>,
    page: PageCaller,
    lang: Lang,
    Query(q): Query<CommunityQuery>,
) -> Result<Html<String>, PageError> {
    let c = community(&state, &page.0, &q).await.or_page(lang)?;
    let rows: Vec<serde_json::Value> = c
        .rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "row": r,
                "label": indicator_label(&lang, &r.indicator),
                "value": r.value.map(|v| if r.indicator.ends_with("median") { format!("{v:.1}") } else { format!("{:.0}%", v * 100.0) }),
            })
        })
        .collect();
    let ctx = serde_json::json!({ "c": c, "rows": rows, "by": c.by, "month": c.month });
    render(&state, Some(&page), lang, include_str!("templates/community.html"), "community.html", ctx).or_page(lang)
}

/// An indicator's name in the page's language.
pub fn indicator_label(lang: &Lang, indicator: &str) -> String {
    let (zh, en) = match indicator {
        "mentor_load_le_10" => ("导师带学生不超过 10 人", "mentors with ≤ 10 students"),
        "mentor_meetings_ge_2" => ("导师每月见面 ≥ 2 次", "mentors meeting ≥ 2 times a month"),
        "mentor_meetings_median" => ("导师见面次数中位数", "median mentor meetings"),
        "leader_contacts_ge_2" => ("领导每月走访 ≥ 2 次", "leaders visiting ≥ 2 times a month"),
        "counsellor_stationed" => ("辅导员入驻楼栋", "buildings with a stationed counsellor"),
        "counsellor_assigned" => ("住户均有辅导员", "buildings whose residents all have a counsellor"),
        "party_building_coverage" => ("楼栋党员覆盖", "buildings with a party member"),
        "party_floor_coverage" => ("楼层党员覆盖", "floors with a party member"),
        other => (other, other),
    };
    lang.pick(zh, en).to_string()
}
