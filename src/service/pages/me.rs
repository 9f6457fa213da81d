//! `/me`: a student's own page — their profile (masked as `profile::access::OWN` says: no
//! staff notes, no health details, no peer suggestions naming another student), their
//! recommendations, and which kinds of data the campus holds about them. Staff reach it
//! too and see their account and scope.

use axum::extract::State;
use axum::response::Html;
use serde_json::{json, Value};

use super::{OrPage, PageError};
use crate::accounts::scope::Scope;
use crate::profile::access;
use crate::profile::doc::Profile;
use crate::profile::render::{html, shown};
use crate::profile::{serving, ProfileError};
use crate::service::api::admin::dashboard::scope_name;
use crate::service::auth::PageCaller;
use crate::service::error::ApiError;
use crate::service::pages::{render, Lang};
use crate::service::AppState;

/// `GET /me`.
pub async fn page(State(state): State<AppState>, page: PageCaller, lang: Lang) -> Result<Html<String>, PageError> {
    let caller = &page.0;
    let account = json!({
        "username": caller.account.username,
        "role": caller.account.role.as_str(),
        "staff_id": caller.account.staff_id,
        "scope": scope_name(&caller.scope),
    });
    let Scope::Student(own) = &caller.scope else {
        return render(
            &state,
            Some(&page),
            lang,
            include_str!("templates/me.html"),
            "me.html",
            json!({ "account": account }),
        )
        .or_page(lang);
    };
    let dir = state.directory().await.or_page(lang)?;
    if !caller.sees(&dir, own) {
        return Err(PageError(lang, ApiError::not_found()));
    }
    let p = access::apply(&load(&state, own).await.or_page(lang)?, access::OWN);
    caller
        .audit(&state, "profile.view", Some(own), 1, json!({ "shown": access::OWN.fields(), "page": "me" }))
        .or_page(lang)?;
    let charts: Vec<Value> =
        html::charts(&p).into_iter().map(|(zh, en, svg)| json!({ "title": lang.pick(&zh, &en), "svg": svg })).collect();
    let b = &p.basic;
    let basic: Vec<Value> = [
        (lang.pick("姓名", "Name"), shown(&b.name)),
        (lang.pick("学号", "Student id"), p.student_id.clone()),
        (lang.pick("学院", "College"), b.college.clone()),
        (lang.pick("专业", "Major"), b.major.clone()),
        (lang.pick("班级", "Class"), b.class_id.clone()),
        (lang.pick("年级", "Cohort"), b.cohort.to_string()),
        (lang.pick("宿舍", "Dorm"), b.dorm_building.clone().unwrap_or_else(|| "–".into())),
        (lang.pick("辅导员", "Counsellor"), b.counsellor_id.clone()),
    ]
    .into_iter()
    .map(|(k, v)| json!({ "k": k, "v": v }))
    .collect();
    let recs: Vec<Value> = p
        .recommendations
        .iter()
        .map(|r| json!({ "kind": r.kind, "title": lang.pick(&r.title, &r.title_en), "reason": lang.pick(&r.reason_zh, &r.reason_en) }))
        .collect();
    let kinds = |v: &[String]| -> Vec<String> { v.iter().map(|k| kind_label(&lang, k)).collect() };
    // The student record itself is always held: it is what every other kind hangs on.
    let mut held = vec![kind_label(&lang, "students")];
    held.extend(kinds(&p.sources.present));
    let ctx = json!({
        "account": account,
        "student_id": p.student_id,
        "as_of": p.as_of,
        "basic": basic,
        "charts": charts,
        "recommendations": recs,
        "held": held,
        "missing": kinds(&p.sources.missing),
        "not_sent": kinds(&p.sources.not_sent),
    });
    render(&state, Some(&page), lang, include_str!("templates/me.html"), "me.html", ctx).or_page(lang)
}

/// A record kind in words.
pub fn kind_label(lang: &Lang, kind: &str) -> String {
    let (zh, en) = match kind {
        "students" => ("学籍与基本信息", "enrolment and basic record"),
        "card_transactions" => ("校园卡消费", "campus card transactions"),
        "access_events" => ("门禁出入", "building access"),
        "network_sessions" => ("校园网上网", "campus network sessions"),
        "attendance" => ("课堂考勤", "class attendance"),
        "learning_events" => ("在线学习平台", "online learning activity"),
        "library_loans" => ("图书借阅", "library loans"),
        "coursework" => ("课程作业", "coursework"),
        "grades" => ("成绩", "grades"),
        "participation" => ("活动参与", "activity participation"),
        "process_records" => ("谈话与走访记录", "staff contact records"),
        "assessments" => ("心理测评", "wellbeing screenings"),
        "awards" => ("奖惩", "awards and sanctions"),
        other => (other, other),
    };
    format!("{} ({kind})", lang.pick(zh, en))
}

/// The student's stored profile (the nightly serving copy), or one built now when the
/// store has no build yet.
async fn load(state: &AppState, id: &str) -> Result<Profile, ApiError> {
    if let Some(p) = serving::read(state.root(), id)? {
        return Ok(p);
    }
    let store = state.store();
    let as_of = crate::refresh::published_as_of(store, state.now(), state.tz()).map_err(ProfileError::from)?;
    let mut one = crate::profile::build(store, as_of, state.tz(), &crate::profile::Scope::One(id.to_string())).await?;
    one.pop().ok_or_else(ApiError::not_found)
}
