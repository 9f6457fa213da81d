//! `/`: the morning inbox. The caller's warnings (the same list, scope and masking as
//! `GET /api/v1/warnings`), filtered and sorted by plain GET forms; each warning's evidence
//! in words with a small inline chart of its trend; acknowledge, start, resolve, mark a
//! false positive or log an intervention with plain form posts (CSRF token) that redirect
//! back to the same list — no page is left and no script is needed.

use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::accounts::scope::Scope;
use crate::accounts::Role;
use crate::profile::render::svg::{self, Line};
use crate::service::api::warnings::{self as api, ListQuery};
use crate::service::api::{allow, WARNING_READERS, WARNING_WRITERS};
use crate::service::auth::{Caller, PageCaller};
use crate::service::error::ApiError;
use crate::service::pages::{error_page, render, Lang};
use crate::service::AppState;
use crate::warnings::db::{WarningRow, INTERVENTIONS};

const TEMPLATE: &str = include_str!("templates/inbox.html");

/// The inbox and its form posts.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(inbox))
        .route("/warnings/{warning_id}/act", post(act))
        .route("/warnings/{warning_id}/log", post(log))
}

/// The API caller behind a page caller.
pub fn as_caller(pc: &PageCaller) -> &Caller {
    pc
}

/// Query of `/`: the API's filters plus a sort order and the outcome of the last action.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InboxQuery {
    /// `open` (default), `all` or one status.
    pub status: Option<String>,
    /// Level.
    pub level: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// `priority` (default), `newest`, `oldest`, `level`.
    pub sort: Option<String>,
    /// Outcome of the last action: `ok`, `conflict`, `bad`.
    pub done: Option<String>,
}

fn empty_none(v: &Option<String>) -> Option<String> {
    v.clone().filter(|s| !s.is_empty())
}

fn level_rank(l: &str) -> u8 {
    match l {
        "red" => 0,
        "orange" => 1,
        "yellow" => 2,
        _ => 3,
    }
}

/// Sorts the list as asked (the API's order is most urgent first per counsellor).
pub fn sort(rows: &mut [WarningRow], how: &str) {
    match how {
        "newest" => rows.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.warning_id.cmp(&b.warning_id))),
        "oldest" => rows.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.warning_id.cmp(&b.warning_id))),
        "level" => {
            rows.sort_by(|a, b| level_rank(&a.level).cmp(&level_rank(&b.level)).then(b.priority.total_cmp(&a.priority)))
        }
        _ => rows.sort_by(|a, b| b.priority.total_cmp(&a.priority).then(a.warning_id.cmp(&b.warning_id))),
    }
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64().filter(|x| x.is_finite())
}

fn short(v: f64) -> String {
    let s = format!("{:.2}", v);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A warning's evidence in words, in the page's language, and a small chart of the values
/// it saw over weeks or terms (when the evidence has a series).
pub fn evidence(evidence: &str, lang: &Lang) -> (String, Option<String>) {
    let Ok(e) = serde_json::from_str::<Value>(evidence) else { return (String::new(), None) };
    if e.get("restricted").and_then(Value::as_bool) == Some(true) {
        return (lang.pick("详情受限", "details restricted").to_string(), None);
    }
    let feature = e.get("feature").and_then(Value::as_str).unwrap_or_default();
    let (zh, en) = crate::warnings::detect::label(feature);
    let mut parts: Vec<String> = Vec::new();
    if let Some(v) = e.get("value").and_then(num) {
        parts.push(format!("{}{} {}", lang.pick(zh, en), lang.pick("：", ":"), short(v)));
    }
    if let Some(b) = e.get("baseline").and_then(num) {
        parts.push(format!("{} {}", lang.pick("本人基线", "own baseline"), short(b)));
    }
    if let Some(p) = e.get("cohort_pct").and_then(num) {
        parts.push(format!("{} {:.0}%", lang.pick("同年级百分位", "cohort percentile"), p * 100.0));
    }
    let missing: Vec<&str> = e
        .get("sources_missing")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !missing.is_empty() {
        parts.push(format!("{}{}", lang.pick("缺少数据：", "no data from: "), missing.join(", ")));
    }
    let trend = e.get("trend").cloned().unwrap_or(Value::Null);
    if let Some(m) = trend.get("method").and_then(Value::as_str) {
        parts.push(format!("{}{m}", lang.pick("方法：", "method: ")));
    }
    let words = parts.join(lang.pick("；", "; "));
    let values: Vec<Option<f64>> =
        trend.get("values").and_then(Value::as_array).map(|a| a.iter().map(num).collect()).unwrap_or_default();
    let xs: Vec<String> = ["weeks", "terms"]
        .iter()
        .find_map(|k| trend.get(*k).and_then(Value::as_array))
        .map(|a| a.iter().map(|x| x.as_str().unwrap_or_default().to_string()).collect())
        .unwrap_or_default();
    let chart = (values.iter().flatten().count() >= 2 && xs.len() == values.len()).then(|| {
        let refs: Vec<(f64, &str, &str, &str)> = e
            .get("baseline")
            .and_then(num)
            .map(|b| vec![(b, "#7c3aed", "本人基线", "own baseline")])
            .unwrap_or_default();
        svg::lines((zh, en), &xs, &[Line { values: &values, colour: "#dc2626", dashed: false }], &refs)
    });
    (words, chart)
}

/// The lifecycle actions open from `status`: (target status, label zh, label en).
pub fn actions(status: &str) -> Vec<(&'static str, &'static str, &'static str)> {
    let mut v = Vec::new();
    if status == "new" {
        v.push(("acknowledged", "确认", "Acknowledge"));
    }
    if matches!(status, "new" | "acknowledged") {
        v.push(("in_progress", "开始处理", "Start"));
    }
    if matches!(status, "new" | "acknowledged" | "in_progress") {
        v.push(("resolved", "已解决", "Resolve"));
        v.push(("false_positive", "误报", "False positive"));
    }
    v
}

fn kinds(lang: &Lang) -> Vec<Value> {
    let names =
        [("talk", "谈心谈话"), ("referral", "转介"), ("home_visit", "家访"), ("aid", "资助"), ("other", "其他")];
    INTERVENTIONS
        .iter()
        .map(|k| {
            let zh = names.iter().find(|(n, _)| n == k).map_or(*k, |(_, z)| *z);
            json!({ "kind": k, "label": lang.pick(zh, k) })
        })
        .collect()
}

/// `GET /`: the caller's inbox. A student goes to their own page, an admin to the dashboard.
pub async fn inbox(
    State(state): State<AppState>,
    pc: PageCaller,
    lang: Lang,
    q: Result<Query<InboxQuery>, QueryRejection>,
) -> Response {
    inbox_page(&state, &pc, lang, q).await.unwrap_or_else(|e| error_page(lang, &e))
}

async fn inbox_page(
    state: &AppState,
    pc: &PageCaller,
    lang: Lang,
    q: Result<Query<InboxQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let caller = as_caller(pc);
    if let Scope::Student(own) = &caller.scope {
        return Ok(Redirect::to(&format!("/students/{own}")).into_response());
    }
    if caller.account.role == Role::Admin {
        return Ok(Redirect::to("/dashboard").into_response());
    }
    allow(caller, &WARNING_READERS)?;
    // A query that does not parse shows the default list.
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let lq = ListQuery {
        status: empty_none(&q.status),
        level: empty_none(&q.level),
        category: empty_none(&q.category),
        ..ListQuery::default()
    };
    let (mut rows, problem) = match api::visible(state, caller, &lq).await {
        Ok(rows) => (rows, None),
        // A tampered filter shows an empty list with a note, not an error page.
        Err(_) => (Vec::new(), Some(lang.pick("筛选条件无效", "invalid filter").to_string())),
    };
    let sort_by = q.sort.clone().unwrap_or_else(|| "priority".into());
    sort(&mut rows, &sort_by);
    caller.audit(
        state,
        "warnings.list",
        None,
        api::students(&rows),
        json!({ "page": "inbox", "warnings": rows.len(), "filter": lq.audit_filter() }),
    )?;
    let can_act = caller.require(&WARNING_WRITERS).is_ok() && !caller.ingest_only;
    let tz = state.tz();
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            let (words, chart) = evidence(&r.evidence, &lang);
            let acts: Vec<Value> = actions(&r.status)
                .into_iter()
                .map(|(to, zh, en)| json!({ "to": to, "label": lang.pick(zh, en) }))
                .collect();
            json!({
                "id": r.warning_id, "student_id": r.student_id, "category": r.category, "level": r.level,
                "status": r.status, "rule": r.rule,
                "created": crate::schema::time::format_timestamp(r.created_at, tz).get(..10).unwrap_or_default(),
                "reason": lang.pick(&r.reason_zh, &r.reason_en), "words": words, "chart": chart,
                "actions": acts, "open": !acts_empty(&r.status),
            })
        })
        .collect();
    let back = back_url(&q, &lang);
    let ctx = json!({
        "warnings": items,
        "count": rows.len(),
        "students": api::students(&rows),
        "can_act": can_act,
        "kinds": kinds(&lang),
        "q": { "status": q.status.clone().unwrap_or_default(), "level": q.level.clone().unwrap_or_default(),
               "category": q.category.clone().unwrap_or_default(), "sort": sort_by },
        "back": back,
        "done": q.done,
        "problem": problem,
    });
    Ok(render(state, Some(pc), lang, TEMPLATE, "inbox.html", ctx)?.into_response())
}

fn acts_empty(status: &str) -> bool {
    actions(status).is_empty()
}

/// The inbox URL with the current filters, to come back to after an action.
fn back_url(q: &InboxQuery, lang: &Lang) -> String {
    let mut parts = Vec::new();
    for (k, v) in [("status", &q.status), ("level", &q.level), ("category", &q.category), ("sort", &q.sort)] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            parts.push(format!("{k}={}", url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()));
        }
    }
    if lang.is_en() {
        parts.push("lang=en".into());
    }
    if parts.is_empty() {
        "/".into()
    } else {
        format!("/?{}", parts.join("&"))
    }
}

/// Where a form post returns to: a local path only (never another site), with the outcome.
pub fn back_to(back: Option<&str>, done: &str, anchor: &str) -> String {
    let base = back.filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\')).unwrap_or("/");
    let base = base.split('#').next().unwrap_or("/");
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}done={done}#{anchor}")
}

/// The fields of the action form.
#[derive(Debug, Deserialize)]
pub struct ActForm {
    /// The session's CSRF token.
    pub csrf: String,
    /// Target status.
    pub to: String,
    /// Optional note.
    pub note: Option<String>,
    /// The page to return to.
    pub back: Option<String>,
}

/// The fields of the intervention form.
#[derive(Debug, Deserialize)]
pub struct LogForm {
    /// The session's CSRF token.
    pub csrf: String,
    /// Intervention kind.
    pub kind: String,
    /// What was done.
    pub note: Option<String>,
    /// The page to return to.
    pub back: Option<String>,
}

/// `ok`, or the outcome a page shows for a refused change (409 `conflict`, 400 `bad`);
/// anything else (403, 404) is answered as it is.
fn outcome(r: Result<(), ApiError>) -> Result<&'static str, Response> {
    match r {
        Ok(()) => Ok("ok"),
        Err(e) => {
            let resp = e.into_response();
            match resp.status().as_u16() {
                409 => Ok("conflict"),
                400 => Ok("bad"),
                _ => Err(resp),
            }
        }
    }
}

/// `POST /warnings/{id}/act`: a lifecycle change from the inbox or a profile page.
pub async fn act(
    State(state): State<AppState>,
    pc: PageCaller,
    Path(id): Path<String>,
    form: Result<Form<ActForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let caller = as_caller(&pc);
    let Form(f) = form.map_err(|e| ApiError::bad_request(e.body_text()))?;
    caller.check_csrf(&f.csrf)?;
    let done = match outcome(api::change(&state, caller, &id, &f.to, f.note.as_deref()).await.map(|_| ())) {
        Ok(d) => d,
        Err(resp) => return Ok(resp),
    };
    Ok(Redirect::to(&back_to(f.back.as_deref(), done, &format!("w-{id}"))).into_response())
}

/// `POST /warnings/{id}/log`: an intervention from the inbox or a profile page.
pub async fn log(
    State(state): State<AppState>,
    pc: PageCaller,
    Path(id): Path<String>,
    form: Result<Form<LogForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let caller = as_caller(&pc);
    let Form(f) = form.map_err(|e| ApiError::bad_request(e.body_text()))?;
    caller.check_csrf(&f.csrf)?;
    let note = f.note.unwrap_or_default();
    let done = match outcome(api::log(&state, caller, &id, &f.kind, &note).await.map(|_| ())) {
        Ok(d) => d,
        Err(resp) => return Ok(resp),
    };
    Ok(Redirect::to(&back_to(f.back.as_deref(), done, &format!("w-{id}"))).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_stays_on_this_site() {
        assert_eq!(back_to(Some("/?level=red"), "ok", "w-W1"), "/?level=red&done=ok#w-W1");
        assert_eq!(back_to(Some("https://evil.example/"), "ok", "w-W1"), "/?done=ok#w-W1");
        assert_eq!(back_to(Some("//evil.example/"), "ok", "w-W1"), "/?done=ok#w-W1");
        assert_eq!(back_to(None, "conflict", "w-W1"), "/?done=conflict#w-W1");
    }

    #[test]
    fn actions_follow_the_lifecycle() {
        let tos = |s: &str| actions(s).into_iter().map(|a| a.0).collect::<Vec<_>>();
        assert_eq!(tos("new"), ["acknowledged", "in_progress", "resolved", "false_positive"]);
        assert_eq!(tos("acknowledged"), ["in_progress", "resolved", "false_positive"]);
        assert_eq!(tos("in_progress"), ["resolved", "false_positive"]);
        assert!(tos("resolved").is_empty());
    }
}
