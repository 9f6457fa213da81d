//! `/students/{student_id}`: the one-click profile page — basics, the 德智体美劳 radar and
//! the trend charts (the same inline SVG as `radar profile --format html`), open warnings
//! with their actions, recommendations, which data kinds the campus holds, and (for staff)
//! the process record. Masked and audited exactly as the API's profile and timeline.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::inbox::{actions, as_caller};
use crate::profile::build::DIMENSIONS;
use crate::profile::render::{html, num, pct, shown};
use crate::service::api::students as api;
use crate::service::api::{allow, PROFILE_READERS, TIMELINE_READERS, WARNING_WRITERS};
use crate::service::auth::PageCaller;
use crate::service::error::ApiError;
use crate::service::pages::{error_page, render, Lang};
use crate::service::AppState;

const TEMPLATE: &str = include_str!("templates/student.html");

/// The profile page.
pub fn routes() -> Router<AppState> {
    Router::new().route("/students/{student_id}", get(page))
}

/// `GET /students/{student_id}`.
pub async fn page(State(state): State<AppState>, pc: PageCaller, lang: Lang, Path(id): Path<String>) -> Response {
    profile_page(&state, &pc, lang, &id).await.unwrap_or_else(|e| error_page(lang, &e))
}

async fn profile_page(state: &AppState, pc: &PageCaller, lang: Lang, id: &str) -> Result<Response, ApiError> {
    let state = state.clone();
    let caller = as_caller(pc);
    allow(caller, &PROFILE_READERS)?;
    let (real, p, g) = api::shown(&state, caller, id).await?;
    caller.audit(&state, "profile.view", Some(&real), 1, json!({ "shown": g.fields(), "page": true }))?;
    let timeline = if allow(caller, &TIMELINE_READERS).is_ok() {
        let (_, t, tg) = api::events(&state, caller, id).await?;
        caller.audit(
            &state,
            "timeline.view",
            Some(&real),
            1,
            json!({ "shown": tg.fields(), "events": t.events.len(), "page": true }),
        )?;
        Some(t.events)
    } else {
        None
    };
    let charts: Vec<Value> =
        html::charts(&p).into_iter().map(|(zh, en, svg)| json!({ "title": lang.pick(&zh, &en), "svg": svg })).collect();
    let b = &p.basic;
    let basic: Vec<(&str, String)> = vec![
        (lang.pick("姓名", "Name"), shown(&b.name)),
        (lang.pick("性别", "Gender"), b.gender.clone()),
        (lang.pick("学院", "College"), b.college.clone()),
        (lang.pick("专业", "Major"), b.major.clone()),
        (lang.pick("班级", "Class"), b.class_id.clone()),
        (lang.pick("年级", "Cohort"), b.cohort.to_string()),
        (lang.pick("状态", "Status"), b.status.clone()),
        (lang.pick("宿舍楼", "Dorm building"), b.dorm_building.clone().unwrap_or_else(|| "–".into())),
        (lang.pick("房间", "Room"), shown(&b.dorm_room)),
        (lang.pick("辅导员", "Counsellor"), b.counsellor_id.clone()),
        (lang.pick("学业导师", "Mentor"), b.mentor_id.clone().unwrap_or_else(|| "–".into())),
        (lang.pick("政治面貌", "Political status"), shown(&b.political_status)),
        (lang.pick("资助等级", "Financial aid"), shown(&b.financial_aid_level)),
        (lang.pick("生源地", "Home province"), shown(&b.hometown_province)),
    ];
    let basic: Vec<Value> = basic.into_iter().map(|(k, v)| json!({ "k": k, "v": v })).collect();
    let evaluation = p.evaluation.as_ref().map(|e| {
        let dims: Vec<Value> = e
            .dimensions
            .iter()
            .zip(DIMENSIONS)
            .map(|(d, (_, zh, en))| json!({ "name": lang.pick(zh, en), "score": num(d.score, 1), "pct": pct(d.pct) }))
            .collect();
        json!({ "term": e.term, "dims": dims, "total": num(e.total, 1), "total_pct": pct(e.total_pct) })
    });
    let can_act = allow(caller, &WARNING_WRITERS).is_ok();
    let warnings: Vec<Value> = p
        .warnings
        .iter()
        .map(|w| {
            let acts: Vec<Value> = actions(&w.status)
                .into_iter()
                .map(|(to, zh, en)| json!({ "to": to, "label": lang.pick(zh, en) }))
                .collect();
            json!({ "id": w.warning_id, "level": w.level, "category": w.category, "status": w.status,
                    "reason": lang.pick(&w.reason_zh, &w.reason_en), "actions": acts })
        })
        .collect();
    let recs: Vec<Value> = p
        .recommendations
        .iter()
        .map(|r| json!({ "kind": r.kind, "title": lang.pick(&r.title, &r.title_en), "reason": lang.pick(&r.reason_zh, &r.reason_en) }))
        .collect();
    let timeline: Option<Vec<Value>> = timeline.map(|events| {
        events
            .iter()
            .rev()
            .map(|e| {
                json!({ "at": e.at, "source": e.source, "title": lang.pick(&e.title_zh, &e.title_en),
                        "by": e.by, "note": e.note.value, "masked": e.note.masked })
            })
            .collect()
    });
    let back = format!("/students/{}{}", p.student_id, if lang.is_en() { "?lang=en" } else { "" });
    let ctx = json!({
        "student_id": p.student_id,
        "as_of": p.as_of,
        "basic": basic,
        "evaluation": evaluation,
        "charts": charts,
        "lifestyle": p.lifestyle.as_ref().map(|l| lang.pick(&l.label_zh, &l.label_en).to_string()),
        "warnings": warnings,
        "can_act": can_act && !caller.scope.pseudonymised(),
        "recommendations": recs,
        "timeline": timeline,
        "sources": p.sources,
        "back": back,
    });
    Ok(render(&state, Some(pc), lang, TEMPLATE, "student.html", ctx)?.into_response())
}
