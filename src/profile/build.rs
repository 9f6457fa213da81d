//! Builds profiles as of a date for one student or every student, reading each source
//! once (grouped by student), so the nightly build of 30,000 profiles costs a few scans.

use std::collections::{HashMap, HashSet};

use chrono_tz::Tz;
use datafusion::prelude::SessionContext;

use super::doc::*;
use super::rows::{lit, query};
use super::{sources, timeline, ProfileError};
use crate::features::clock::LocalClock;
use crate::features::week::ts_lit;
use crate::schema::time::{days_to_date, format_timestamp};
use crate::store::Store;
use crate::warnings::db::{Filter, OpsDb};

/// Whose profiles to build.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Every student who is not withdrawn or graduated.
    All,
    /// One student, whatever the status.
    One(String),
    /// The students of [`Scope::All`] with ids from the first to the second, inclusive:
    /// the nightly build goes chunk by chunk so that its memory does not grow with the campus.
    Range(String, String),
}

impl Scope {
    /// The SQL condition selecting the scope's rows by the student id column `col`.
    pub fn sql(&self, col: &str) -> String {
        match self {
            Scope::All => "TRUE".into(),
            Scope::One(id) => format!("{col} = {}", lit(id)),
            Scope::Range(lo, hi) => format!("{col} BETWEEN {} AND {}", lit(lo), lit(hi)),
        }
    }
}

/// Weeks of life pattern and attendance shown.
pub const WEEKS: usize = 12;

/// Life-pattern measures: `student_week` column, labels, unit, scale applied to values.
pub const LIFE: [(&str, &str, &str, &str, f64); 8] = [
    ("meals", "用餐次数", "meals", "meals/week", 1.0),
    ("breakfast_days", "吃早餐天数", "breakfast days", "days/week", 1.0),
    ("wake_up_minutes", "起床时间（估计）", "wake-up time (proxy)", "hour of day", 1.0 / 60.0),
    ("orderliness", "作息规律性", "regularity", "0–1", 1.0),
    ("late_returns", "晚归次数", "late returns", "nights/week", 1.0),
    ("night_online_hours", "深夜上网时长", "late-night online", "h/week", 1.0),
    ("online_hours", "上网时长", "online time", "h/week", 1.0),
    ("library_visits", "图书馆到访", "library visits", "visits/week", 1.0),
];

type Life = (&'static str, &'static str, &'static str, &'static str, f64);

/// What every chunk of one build shares, read once: the store snapshot (session and
/// table names), the record kinds the campus sends, and the weekly window with its
/// measures and cohort medians (the same for every chunk).
pub struct Snapshot {
    ctx: SessionContext,
    tables: HashSet<String>,
    sent: HashSet<&'static str>,
    weeks: Vec<String>,
    life: Vec<&'static Life>,
    medians: HashMap<(i64, String), Vec<Option<f64>>>,
}

impl Snapshot {
    /// Opens the store as of `as_of` (days since epoch).
    pub async fn new(store: &Store, as_of: i32) -> Result<Snapshot, ProfileError> {
        let ctx = store.session().await?;
        let tables: HashSet<String> = store.table_names().into_iter().collect();
        if !tables.contains("students") {
            return Err(ProfileError::NoData("the store has no students: ingest first".into()));
        }
        let sent = sources::sent(&ctx, &tables).await?;
        let weeks: Vec<String> =
            crate::models::analysis::window_weeks(as_of, WEEKS).iter().map(|w| days_to_date(*w).to_string()).collect();
        let mut snap = Snapshot { ctx, tables, sent, weeks, life: Vec::new(), medians: HashMap::new() };
        if snap.tables.contains("student_week") {
            let schema = snap.ctx.table("student_week").await?.schema().clone();
            snap.life = LIFE.iter().filter(|m| schema.field_with_unqualified_name(m.0).is_ok()).collect();
            snap.medians = snap.cohort_medians().await?;
        }
        Ok(snap)
    }

    fn window(&self) -> (String, String) {
        (self.weeks.first().cloned().unwrap_or_default(), self.weeks.last().cloned().unwrap_or_default())
    }

    /// Each life measure's median per (cohort, week) of the window.
    async fn cohort_medians(&self) -> Result<HashMap<(i64, String), Vec<Option<f64>>>, ProfileError> {
        let (first, last) = self.window();
        let meds: String = self.life.iter().map(|m| format!(", median(CAST(w.{0} AS DOUBLE)) AS {0}", m.0)).collect();
        let sql = format!(
            "SELECT CAST(s.cohort AS BIGINT) AS cohort, CAST(w.week_start AS VARCHAR) AS week{meds} \
             FROM student_week w JOIN students s ON s.student_id = w.student_id \
             WHERE w.week_start BETWEEN DATE '{first}' AND DATE '{last}' GROUP BY 1, 2"
        );
        let mut r = query(&self.ctx, &sql).await?;
        let mut by = HashMap::new();
        for i in 0..r.len {
            let c = (r.i(i, "cohort")?.unwrap_or_default(), r.text(i, "week")?);
            let mut v = Vec::with_capacity(self.life.len());
            for m in &self.life {
                v.push(r.f(i, m.0)?.map(|x| x * m.4));
            }
            by.insert(c, v);
        }
        Ok(by)
    }
}

/// Builds the profiles of `scope` as of `as_of` (days since epoch), with every personal
/// field filled in: mask with [`super::access`] before showing or storing them for SQL.
pub async fn build(store: &Store, as_of: i32, tz: Tz, scope: &Scope) -> Result<Vec<Profile>, ProfileError> {
    build_in(store, &Snapshot::new(store, as_of).await?, as_of, tz, scope).await
}

/// [`build`] on an opened snapshot.
pub async fn build_in(
    store: &Store,
    snap: &Snapshot,
    as_of: i32,
    tz: Tz,
    scope: &Scope,
) -> Result<Vec<Profile>, ProfileError> {
    let mut profiles = basics(&snap.ctx, as_of, scope).await?;
    if let Scope::One(id) = scope {
        if profiles.is_empty() {
            return Err(ProfileError::UnknownStudent(id.clone()));
        }
    }
    let index: HashMap<String, usize> = profiles.iter().enumerate().map(|(i, p)| (p.student_id.clone(), i)).collect();
    let ctx_ = Ctx { snap, ctx: &snap.ctx, as_of, scope, index: &index };
    ctx_.terms(&mut profiles).await?;
    ctx_.weeks(&mut profiles).await?;
    ctx_.evaluation(&mut profiles).await?;
    ctx_.lifestyle(&mut profiles).await?;
    ctx_.recommendations(&mut profiles).await?;
    warnings(store, scope, tz, &index, &mut profiles)?;
    let until = LocalClock::new(tz).midnight(as_of);
    for (id, events) in timeline::collect(store, &snap.ctx, &snap.tables, scope, until, until, tz).await? {
        if let Some(&i) = index.get(&id) {
            profiles[i].timeline = events;
        }
    }
    sources::fill(&snap.ctx, &snap.sent, as_of, tz, scope, &index, &mut profiles).await?;
    Ok(profiles)
}

/// One student's basic information only (no other section), or `UnknownStudent`.
pub async fn basics_only(store: &Store, id: &str) -> Result<Profile, ProfileError> {
    let ctx = store.session().await?;
    if !store.table_names().iter().any(|t| t == "students") {
        return Err(ProfileError::UnknownStudent(id.into()));
    }
    let mut v = basics(&ctx, 0, &Scope::One(id.into())).await?;
    v.pop().ok_or_else(|| ProfileError::UnknownStudent(id.into()))
}

async fn basics(ctx: &SessionContext, as_of: i32, scope: &Scope) -> Result<Vec<Profile>, ProfileError> {
    let status = match scope {
        Scope::All | Scope::Range(..) => "status IN ('active', 'suspended')",
        Scope::One(_) => "TRUE",
    };
    let sql = format!(
        "SELECT student_id, name, gender, college, major, class_id, CAST(cohort AS BIGINT) AS cohort, degree_level, \
         dorm_building, CAST(dorm_floor AS BIGINT) AS dorm_floor, dorm_room, counsellor_id, mentor_id, \
         political_status, hometown_province, financial_aid_level, status FROM students WHERE {} AND {status} \
         ORDER BY student_id",
        scope.sql("student_id")
    );
    let mut r = query(ctx, &sql).await?;
    let date = days_to_date(as_of).to_string();
    let mut out = Vec::with_capacity(r.len);
    for i in 0..r.len {
        let room = match (r.i(i, "dorm_floor")?, r.s(i, "dorm_room")?) {
            (None, None) => None,
            (f, room) => {
                Some(format!("{}{}", f.map(|f| format!("{f}F ")).unwrap_or_default(), room.unwrap_or_default()))
            }
        };
        out.push(Profile {
            student_id: r.text(i, "student_id")?,
            as_of: date.clone(),
            basic: Basic {
                name: Masked::shown(r.s(i, "name")?),
                gender: r.text(i, "gender")?,
                college: r.text(i, "college")?,
                major: r.text(i, "major")?,
                class_id: r.text(i, "class_id")?,
                cohort: r.i(i, "cohort")?.unwrap_or_default(),
                degree_level: r.text(i, "degree_level")?,
                dorm_building: r.s(i, "dorm_building")?,
                dorm_room: Masked::shown(room),
                counsellor_id: r.text(i, "counsellor_id")?,
                mentor_id: r.s(i, "mentor_id")?,
                status: r.text(i, "status")?,
                political_status: Masked::shown(r.s(i, "political_status")?),
                financial_aid_level: Masked::shown(r.s(i, "financial_aid_level")?),
                hometown_province: Masked::shown(r.s(i, "hometown_province")?),
            },
            ..Profile::default()
        });
    }
    Ok(out)
}

struct Ctx<'a> {
    snap: &'a Snapshot,
    ctx: &'a SessionContext,
    as_of: i32,
    scope: &'a Scope,
    index: &'a HashMap<String, usize>,
}

impl Ctx<'_> {
    fn has(&self, t: &str) -> bool {
        self.snap.tables.contains(t)
    }

    async fn terms(&self, p: &mut [Profile]) -> Result<(), ProfileError> {
        if !self.has("student_term") {
            return Ok(());
        }
        let cw = if self.has("student_term_coursework") {
            "LEFT JOIN student_term_coursework c ON c.student_id = t.student_id AND c.term = t.term"
        } else {
            "LEFT JOIN (SELECT '' AS student_id, '' AS term, CAST(NULL AS DOUBLE) AS missing_rate, \
             CAST(NULL AS DOUBLE) AS mean_score) c ON c.student_id = t.student_id AND c.term = t.term"
        };
        let sql = format!(
            "SELECT t.student_id, t.term, t.gpa, t.gpa_rank_pct, t.attempted_credits, t.failed_credits, \
             c.missing_rate, c.mean_score FROM student_term t {cw} WHERE {} ORDER BY t.student_id, t.term",
            self.scope.sql("t.student_id")
        );
        let mut r = query(self.ctx, &sql).await?;
        for i in 0..r.len {
            let Some(&s) = self.index.get(&r.text(i, "student_id")?) else { continue };
            p[s].academic.terms.push(TermResult {
                term: r.text(i, "term")?,
                gpa: r.f(i, "gpa")?,
                gpa_rank_pct: r.f(i, "gpa_rank_pct")?,
                attempted_credits: r.f(i, "attempted_credits")?,
                failed_credits: r.f(i, "failed_credits")?,
                coursework_missing_rate: r.f(i, "missing_rate")?,
                coursework_mean: r.f(i, "mean_score")?,
            });
        }
        Ok(())
    }

    async fn weeks(&self, p: &mut [Profile]) -> Result<(), ProfileError> {
        if !self.has("student_week") {
            return Ok(());
        }
        let (names, have) = (&self.snap.weeks, &self.snap.life);
        let cols: String = have.iter().map(|m| format!(", w.{}", m.0)).collect();
        let (first, last) = self.snap.window();
        let sql = format!(
            "SELECT w.student_id, CAST(w.week_start AS VARCHAR) AS week, w.attendance_rate{cols} FROM student_week w \
             WHERE w.week_start BETWEEN DATE '{first}' AND DATE '{last}' AND {}",
            self.scope.sql("w.student_id")
        );
        let pos: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
        for prof in p.iter_mut() {
            prof.life.weeks = names.clone();
            prof.academic.attendance = names.iter().map(|w| WeekValue { week_start: w.clone(), value: None }).collect();
            prof.life.measures = have
                .iter()
                .map(|m| LifeMeasure {
                    feature: m.0.into(),
                    label_zh: m.1.into(),
                    label_en: m.2.into(),
                    unit: m.3.into(),
                    values: vec![None; names.len()],
                    ..LifeMeasure::default()
                })
                .collect();
        }
        let mut r = query(self.ctx, &sql).await?;
        for i in 0..r.len {
            let Some(&s) = self.index.get(&r.text(i, "student_id")?) else { continue };
            let Some(&w) = pos.get(r.text(i, "week")?.as_str()) else { continue };
            p[s].academic.attendance[w].value = r.f(i, "attendance_rate")?;
            for (k, m) in have.iter().enumerate() {
                let v = r.f(i, m.0)?.map(|v| v * m.4);
                p[s].life.measures[k].values[w] = v;
            }
        }
        for prof in p.iter_mut() {
            for m in prof.life.measures.iter_mut() {
                m.latest_week = m.values.iter().rposition(Option::is_some).map(|w| names[w].clone());
            }
        }
        for prof in p.iter_mut() {
            let cohort = prof.basic.cohort;
            for (k, m) in prof.life.measures.iter_mut().enumerate() {
                let Some(w) = &m.latest_week else { continue };
                let medians = self.snap.medians.get(&(cohort, w.clone()));
                m.cohort_median = medians.and_then(|v| v.get(k).copied().flatten());
            }
        }
        self.baselines(p, have, &first, &last).await
    }

    async fn baselines(&self, p: &mut [Profile], have: &[&Life], first: &str, last: &str) -> Result<(), ProfileError> {
        if !self.has("student_week_baseline") {
            return Ok(());
        }
        let feats: Vec<String> = have.iter().map(|m| lit(m.0)).collect();
        let sql = format!(
            "SELECT student_id, feature, CAST(week_start AS VARCHAR) AS week, baseline_mean, baseline_z, cohort_pct \
             FROM student_week_baseline WHERE week_start BETWEEN DATE '{first}' AND DATE '{last}' \
             AND feature IN ({}) AND {}",
            feats.join(", "),
            self.scope.sql("student_id")
        );
        let mut r = query(self.ctx, &sql).await?;
        for i in 0..r.len {
            let Some(&s) = self.index.get(&r.text(i, "student_id")?) else { continue };
            let f = r.text(i, "feature")?;
            let Some(k) = have.iter().position(|m| m.0 == f) else { continue };
            let m = &mut p[s].life.measures[k];
            if m.latest_week.as_deref() != Some(r.text(i, "week")?.as_str()) {
                continue;
            }
            m.baseline = r.f(i, "baseline_mean")?.map(|v| v * have[k].4);
            m.baseline_z = r.f(i, "baseline_z")?;
            m.cohort_pct = r.f(i, "cohort_pct")?;
        }
        Ok(())
    }

    async fn evaluation(&self, p: &mut [Profile]) -> Result<(), ProfileError> {
        if !self.has("student_evaluation") {
            return Ok(());
        }
        let sql = format!("SELECT * FROM student_evaluation WHERE {} ORDER BY term", self.scope.sql("student_id"));
        let mut r = query(self.ctx, &sql).await?;
        for i in 0..r.len {
            let Some(&s) = self.index.get(&r.text(i, "student_id")?) else { continue };
            let mut dims = Vec::new();
            for d in DIMENSIONS {
                dims.push(DimensionScore {
                    dimension: d.0.into(),
                    score: r.f(i, d.0)?,
                    pct: r.f(i, &format!("{}_pct", d.0))?,
                });
            }
            // Ordered by term: the last row of a student is the latest term.
            p[s].evaluation = Some(Evaluation {
                term: r.text(i, "term")?,
                method: r.text(i, "method")?,
                dimensions: dims,
                total: r.f(i, "total")?,
                total_pct: r.f(i, "total_pct")?,
            });
        }
        Ok(())
    }

    async fn lifestyle(&self, p: &mut [Profile]) -> Result<(), ProfileError> {
        if !self.has("student_typology") {
            return Ok(());
        }
        let sql = format!(
            "SELECT student_id, CAST(cluster AS BIGINT) AS cluster, label_zh, label_en, CAST(as_of AS VARCHAR) AS d \
             FROM student_typology WHERE {}",
            self.scope.sql("student_id")
        );
        let mut r = query(self.ctx, &sql).await?;
        for i in 0..r.len {
            let Some(&s) = self.index.get(&r.text(i, "student_id")?) else { continue };
            p[s].lifestyle = Some(Lifestyle {
                cluster: r.i(i, "cluster")?.unwrap_or_default(),
                label_zh: r.text(i, "label_zh")?,
                label_en: r.text(i, "label_en")?,
                as_of: r.text(i, "d")?,
            });
        }
        Ok(())
    }

    async fn recommendations(&self, p: &mut [Profile]) -> Result<(), ProfileError> {
        if !self.has("recommendations") {
            return Ok(());
        }
        let d = days_to_date(self.as_of);
        let sql = format!(
            "SELECT student_id, CAST(rank AS BIGINT) AS rank, kind, item_id, title, title_en, reason_zh, reason_en \
             FROM recommendations WHERE as_of = (SELECT max(as_of) FROM recommendations WHERE as_of <= DATE '{d}') \
             AND {} ORDER BY student_id, rank",
            self.scope.sql("student_id")
        );
        let mut r = query(self.ctx, &sql).await?;
        for i in 0..r.len {
            let Some(&s) = self.index.get(&r.text(i, "student_id")?) else { continue };
            if p[s].recommendations.len() >= 10 {
                continue;
            }
            p[s].recommendations.push(Recommendation {
                rank: r.i(i, "rank")?.unwrap_or_default(),
                kind: r.text(i, "kind")?,
                item_id: r.text(i, "item_id")?,
                title: r.text(i, "title")?,
                title_en: r.text(i, "title_en")?,
                reason_zh: r.text(i, "reason_zh")?,
                reason_en: r.text(i, "reason_en")?,
            });
        }
        Ok(())
    }
}

/// The five dimensions with their Chinese and English names, in 德智体美劳 order.
pub const DIMENSIONS: [(&str, &str, &str); 5] = [
    ("moral", "德", "moral"),
    ("intellectual", "智", "intellectual"),
    ("physical", "体", "physical"),
    ("aesthetic", "美", "aesthetic"),
    ("labour", "劳", "labour"),
];

fn warnings(
    store: &Store,
    scope: &Scope,
    tz: Tz,
    index: &HashMap<String, usize>,
    p: &mut [Profile],
) -> Result<(), ProfileError> {
    if !OpsDb::exists(store.root()) {
        return Ok(());
    }
    let db = OpsDb::open(store.root())?;
    let student = match scope {
        Scope::One(id) => Some(id.clone()),
        Scope::All | Scope::Range(..) => None,
    };
    let filter = Filter {
        statuses: vec!["new".into(), "acknowledged".into(), "in_progress".into()],
        student,
        ..Filter::default()
    };
    let mut rows = db.list(&filter)?;
    rows.sort_by(|a, b| b.priority.total_cmp(&a.priority).then_with(|| a.warning_id.cmp(&b.warning_id)));
    for w in rows {
        let Some(&s) = index.get(&w.student_id) else { continue };
        p[s].warnings.push(WarningItem {
            warning_id: w.warning_id,
            category: w.category,
            level: w.level,
            status: w.status,
            rule: w.rule,
            reason_zh: w.reason_zh,
            reason_en: w.reason_en,
            created_at: format_timestamp(w.created_at, tz),
            restricted: crate::warnings::draws_on_screening(&w.evidence),
        });
    }
    Ok(())
}

/// The ids of the students [`Scope::All`] covers, in order.
pub async fn all_ids(store: &Store) -> Result<Vec<String>, ProfileError> {
    let ctx = store.session().await?;
    let sql = "SELECT student_id FROM students WHERE status IN ('active', 'suspended') ORDER BY student_id";
    let mut r = query(&ctx, sql).await?;
    (0..r.len).map(|i| r.text(i, "student_id")).collect()
}

/// Builds every profile as of `as_of` in chunks of `chunk` students and publishes them
/// (see [`super::serving::Publisher`]); returns how many.
pub async fn build_and_publish(store: &Store, as_of: i32, tz: Tz, chunk: usize) -> Result<usize, ProfileError> {
    let ids = all_ids(store).await?;
    let snap = Snapshot::new(store, as_of).await?;
    let mut out = super::serving::Publisher::begin(store, as_of)?;
    for part in ids.chunks(chunk.max(1)) {
        let (Some(lo), Some(hi)) = (part.first(), part.last()) else { continue };
        let profiles = build_in(store, &snap, as_of, tz, &Scope::Range(lo.clone(), hi.clone())).await?;
        out.add(&profiles)?;
    }
    out.finish(store).await
}

/// A timestamp literal for SQL.
pub fn ts(t: i64) -> String {
    ts_lit(t)
}
