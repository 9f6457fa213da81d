//! The process record (过程记录): one time-ordered list per student merging staff process
//! records, warnings and their lifecycle, interventions, awards and discipline, verified
//! activity participation (经历认证), term results and assessments.

use std::collections::{HashMap, HashSet};

use chrono_tz::Tz;
use datafusion::prelude::SessionContext;

use super::build::{ts, Scope};
use super::doc::{Masked, TimelineEvent};
use super::rows::{query, Rows};
use super::ProfileError;
use crate::features::clock::LocalClock;
use crate::schema::time::{format_timestamp, parse_date, Micros};
use crate::store::Store;
use crate::warnings::db::OpsDb;

type ByStudent = HashMap<String, Vec<TimelineEvent>>;

/// The timelines of `scope`: records before `until` and operational events (warnings,
/// lifecycle, interventions) at or before `ops_until`, oldest first. Notes are filled in;
/// mask them with [`super::access`] before showing.
pub async fn collect(
    store: &Store,
    ctx: &SessionContext,
    tables: &HashSet<String>,
    scope: &Scope,
    until: Micros,
    ops_until: Micros,
    tz: Tz,
) -> Result<ByStudent, ProfileError> {
    let mut out = ByStudent::new();
    let who = |col: &str| scope.sql(col);
    let before = ts(until);
    if tables.contains("process_records") {
        let sql = format!(
            "SELECT record_id, student_id, staff_id, CAST(ts AS BIGINT) AS t, kind, duration_min, summary, \
             follow_up FROM process_records WHERE ts < {before} AND {}",
            who("student_id")
        );
        process_records(query(ctx, &sql).await?, tz, &mut out)?;
    }
    if tables.contains("awards") {
        let sql = format!(
            "SELECT record_id, student_id, CAST(ts AS VARCHAR) AS d, kind, level, title FROM awards \
             WHERE CAST(ts AS DATE) < CAST({before} AS DATE) AND {}",
            who("student_id")
        );
        awards(query(ctx, &sql).await?, tz, &mut out)?;
    }
    if tables.contains("participation") && tables.contains("activities") {
        let sql = format!(
            "SELECT p.participation_id, p.student_id, p.role, CAST(p.hours AS DOUBLE) AS hours, \
             CAST(a.start_ts AS BIGINT) AS t, a.title, a.category, a.dimension FROM participation p \
             JOIN activities a ON a.activity_id = p.activity_id WHERE p.verified AND a.start_ts < {before} AND {}",
            who("p.student_id")
        );
        participation(query(ctx, &sql).await?, tz, &mut out)?;
    }
    if tables.contains("grades") && tables.contains("student_term") {
        let sql = format!(
            "SELECT t.student_id, t.term, t.gpa, t.failed_credits, t.attempted_credits, CAST(g.d AS VARCHAR) AS d \
             FROM student_term t JOIN (SELECT student_id, term, max(recorded_at) AS d FROM grades \
             WHERE attempt = 1 AND recorded_at < CAST({before} AS DATE) GROUP BY 1, 2) g \
             ON g.student_id = t.student_id AND g.term = t.term WHERE {}",
            who("t.student_id")
        );
        terms(query(ctx, &sql).await?, tz, &mut out)?;
    }
    if tables.contains("assessments") {
        let sql = format!(
            "SELECT assessment_id, student_id, CAST(ts AS BIGINT) AS t, kind, CAST(score AS DOUBLE) AS score, level \
             FROM assessments WHERE ts < {before} AND {}",
            who("student_id")
        );
        assessments(query(ctx, &sql).await?, tz, &mut out)?;
    }
    if OpsDb::exists(store.root()) {
        let range = match scope {
            Scope::One(id) => Some((id.as_str(), id.as_str())),
            Scope::Range(lo, hi) => Some((lo.as_str(), hi.as_str())),
            Scope::All => None,
        };
        ops(&OpsDb::open(store.root())?, range, ops_until, tz, &mut out)?;
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| a.at_micros.cmp(&b.at_micros).then_with(|| a.ref_id.cmp(&b.ref_id)));
    }
    Ok(out)
}

fn push(out: &mut ByStudent, student: String, e: TimelineEvent) {
    out.entry(student).or_default().push(e);
}

fn kind_zh(kind: &str) -> &str {
    match kind {
        "talk" => "谈心谈话",
        "mentor_meeting" => "导师一对一交流",
        "psych_consult" => "心理咨询",
        "home_visit" => "家访",
        "leader_visit" => "领导走访",
        "career_guidance" => "生涯指导",
        "party_activity" => "党团活动",
        "scholarship" => "奖学金",
        "honour" => "荣誉称号",
        "competition" => "竞赛获奖",
        "disciplinary" => "违纪处分",
        "psych_screening" => "心理筛查",
        "physical_fitness" => "体质测试",
        other => other,
    }
}

fn process_records(mut r: Rows, tz: Tz, out: &mut ByStudent) -> Result<(), ProfileError> {
    for i in 0..r.len {
        let t = r.i(i, "t")?.unwrap_or_default();
        let kind = r.text(i, "kind")?;
        let mins = r.i(i, "duration_min")?.map(|m| format!(", {m} min")).unwrap_or_default();
        let follow = r.s(i, "follow_up")?.filter(|f| f == "true").map(|_| "（需跟进）").unwrap_or_default();
        let follow_en = if follow.is_empty() { "" } else { " (follow-up)" };
        let e = TimelineEvent {
            at: format_timestamp(t, tz),
            at_micros: t,
            source: "process_record".into(),
            title_zh: format!("{}{follow}", kind_zh(&kind)),
            title_en: format!("{}{mins}{follow_en}", kind.replace('_', " ")),
            restricted: kind == "psych_consult",
            kind,
            by: r.s(i, "staff_id")?,
            ref_id: r.text(i, "record_id")?,
            note: Masked::shown(r.s(i, "summary")?),
        };
        push(out, r.text(i, "student_id")?, e);
    }
    Ok(())
}

fn date_micros(d: &str, tz: Tz) -> i64 {
    let days = parse_date(d).map(crate::schema::time::date_to_days).unwrap_or_default();
    LocalClock::new(tz).midnight(days)
}

fn awards(mut r: Rows, tz: Tz, out: &mut ByStudent) -> Result<(), ProfileError> {
    for i in 0..r.len {
        let d = r.text(i, "d")?;
        let kind = r.text(i, "kind")?;
        let level = r.text(i, "level")?;
        let title = r.text(i, "title")?;
        let e = TimelineEvent {
            at_micros: date_micros(&d, tz),
            at: d,
            source: "award".into(),
            title_zh: format!("{}：{title}（{level}）", kind_zh(&kind)),
            title_en: format!("{kind}: {title} ({level})"),
            kind,
            by: None,
            ref_id: r.text(i, "record_id")?,
            note: Masked::default(),
            restricted: false,
        };
        push(out, r.text(i, "student_id")?, e);
    }
    Ok(())
}

fn participation(mut r: Rows, tz: Tz, out: &mut ByStudent) -> Result<(), ProfileError> {
    for i in 0..r.len {
        let t = r.i(i, "t")?.unwrap_or_default();
        let hours = r.f(i, "hours")?.unwrap_or_default();
        let title = r.text(i, "title")?;
        let role = r.text(i, "role")?;
        let dim = r.text(i, "dimension")?;
        let e = TimelineEvent {
            at: format_timestamp(t, tz),
            at_micros: t,
            source: "participation".into(),
            kind: r.text(i, "category")?,
            title_zh: format!("经历认证：{title}（{role}，{hours} 小时）"),
            title_en: format!("verified activity: {title} ({role}, {hours} h, {dim})"),
            by: None,
            ref_id: r.text(i, "participation_id")?,
            note: Masked::default(),
            restricted: false,
        };
        push(out, r.text(i, "student_id")?, e);
    }
    Ok(())
}

fn fmt2(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.2}")).unwrap_or_else(|| "–".into())
}

fn terms(mut r: Rows, tz: Tz, out: &mut ByStudent) -> Result<(), ProfileError> {
    for i in 0..r.len {
        let d = r.text(i, "d")?;
        let term = r.text(i, "term")?;
        let (gpa, failed) = (fmt2(r.f(i, "gpa")?), r.f(i, "failed_credits")?.unwrap_or_default());
        let att = r.f(i, "attempted_credits")?.unwrap_or_default();
        let e = TimelineEvent {
            at_micros: date_micros(&d, tz),
            at: d,
            source: "term_result".into(),
            kind: "term".into(),
            title_zh: format!("{term} 学期成绩：GPA {gpa}，修读 {att} 学分，不及格 {failed} 学分"),
            title_en: format!("{term} results: GPA {gpa}, {att} credits attempted, {failed} failed"),
            by: None,
            ref_id: term,
            note: Masked::default(),
            restricted: false,
        };
        push(out, r.text(i, "student_id")?, e);
    }
    Ok(())
}

fn assessments(mut r: Rows, tz: Tz, out: &mut ByStudent) -> Result<(), ProfileError> {
    for i in 0..r.len {
        let t = r.i(i, "t")?.unwrap_or_default();
        let kind = r.text(i, "kind")?;
        // A screening's score and band are health data: only the band, and only as a note
        // that access control may withhold. A fitness score is shown.
        let (zh, en, note) = if kind == "psych_screening" {
            ("心理筛查".to_string(), "psychological screening".to_string(), r.s(i, "level")?)
        } else {
            let s = fmt2(r.f(i, "score")?);
            (format!("体质测试：{s} 分"), format!("fitness test: {s}"), None)
        };
        let e = TimelineEvent {
            at: format_timestamp(t, tz),
            at_micros: t,
            source: "assessment".into(),
            kind,
            title_zh: zh,
            title_en: en,
            by: None,
            ref_id: r.text(i, "assessment_id")?,
            note: Masked::shown(note),
            restricted: false,
        };
        push(out, r.text(i, "student_id")?, e);
    }
    Ok(())
}

/// A warning's lifecycle event or intervention, as ops.sqlite holds it.
struct OpsEvent {
    student_id: String,
    warning_id: String,
    category: String,
    rule: String,
    at: i64,
    by: String,
    action: String,
    from: Option<String>,
    to: String,
    level: String,
    note: Option<String>,
    seq: i64,
    evidence: String,
}

fn ops(
    db: &OpsDb,
    range: Option<(&str, &str)>,
    until: Micros,
    tz: Tz,
    out: &mut ByStudent,
) -> Result<(), ProfileError> {
    let filter = if range.is_some() { "w.student_id BETWEEN ?1 AND ?3" } else { "?1 IS NULL AND ?3 IS NULL" };
    let sql = format!(
        "SELECT w.student_id, w.warning_id, w.category, w.rule, e.at, e.by, e.action, e.from_status, e.to_status, \
         e.level, e.note, e.event_id, w.evidence FROM warning_events e JOIN warnings w ON w.warning_id = e.warning_id \
         WHERE {filter} AND e.at <= ?2 \
         UNION ALL SELECT w.student_id, w.warning_id, w.category, w.rule, i.at, i.by, 'intervention', NULL, i.kind, \
         w.level, i.note, i.seq, w.evidence FROM interventions i JOIN warnings w ON w.warning_id = i.warning_id \
         WHERE {filter} AND i.at <= ?2"
    );
    let mut st = db.conn.prepare(&sql).map_err(crate::warnings::WarningError::from)?;
    let rows = st
        .query_map(rusqlite::params![range.map(|r| r.0), until, range.map(|r| r.1)], |r| {
            Ok(OpsEvent {
                student_id: r.get("student_id")?,
                warning_id: r.get("warning_id")?,
                category: r.get("category")?,
                rule: r.get("rule")?,
                at: r.get("at")?,
                by: r.get("by")?,
                action: r.get("action")?,
                from: r.get("from_status")?,
                to: r.get("to_status")?,
                level: r.get("level")?,
                note: r.get("note")?,
                seq: r.get("event_id")?,
                evidence: r.get("evidence")?,
            })
        })
        .map_err(crate::warnings::WarningError::from)?;
    for row in rows {
        let OpsEvent {
            student_id: sid,
            warning_id: wid,
            category,
            rule,
            at,
            by,
            action,
            from,
            to,
            level,
            note,
            seq,
            evidence,
        } = row.map_err(crate::warnings::WarningError::from)?;
        let (source, zh, en) = if action == "intervention" {
            ("intervention", format!("干预（{to}）：预警 {wid}"), format!("intervention ({to}) on warning {wid}"))
        } else if from.is_none() {
            (
                "warning",
                format!("预警 {wid}：{category}/{level}（{rule}）"),
                format!("warning {wid} raised: {category}/{level} ({rule})"),
            )
        } else {
            let f = from.clone().unwrap_or_default();
            ("warning", format!("预警 {wid} 状态 {f} → {to}"), format!("warning {wid} {action}: {f} → {to}"))
        };
        let e = TimelineEvent {
            at: format_timestamp(at, tz),
            at_micros: at,
            source: source.into(),
            kind: if source == "intervention" { to.clone() } else { action.clone() },
            title_zh: zh,
            title_en: en,
            by: (by != "radar" && !by.is_empty()).then_some(by),
            ref_id: format!("{wid}#{seq}"),
            note: Masked::shown(note),
            restricted: crate::warnings::draws_on_screening(&evidence),
        };
        push(out, sid, e);
    }
    Ok(())
}
