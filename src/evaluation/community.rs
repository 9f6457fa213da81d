//! Guideline indicators of the student community for one calendar month, from `students`
//! (active ones), `staff` and `process_records`:
//!
//! | indicator | item | unit | met when |
//! |---|---|---|---|
//! | `mentor_load_le_10` | 2.8 | mentor | ≤ 10 active students name the mentor |
//! | `mentor_meetings_ge_2` | 2.8 | mentor with ≥ 1 active student | ≥ 2 `mentor_meeting` records by the mentor in the month |
//! | `mentor_meetings_median` | 2.8 | the group | median of those counts ≥ 2 |
//! | `leader_contacts_ge_2` | 2.6 | staff with role `leader` | ≥ 2 `leader_visit` records by the leader in the month |
//! | `counsellor_stationed` | 2.2 | dorm building with active residents | a staff member with role `counsellor` has that `building` |
//! | `counsellor_assigned` | 2.2 | dorm building with active residents | every resident's `counsellor_id` is a staff member with role `counsellor` |
//! | `party_building_coverage` | 1.3 | dorm building with active residents | ≥ 1 resident `party_member` or `probationary_member` |
//! | `party_floor_coverage` | 1.3, 1.5 | (building, floor) with active residents | the same on that floor |
//!
//! Mentors are the staff with role `mentor` and every staff id an active student names as
//! `mentor_id`. Shares have target 1 (the guideline asks it of every mentor, leader,
//! building and floor). `--by college` groups mentors and leaders by `staff.college` (a
//! mentor missing from `staff` by the college most of their students are in) and buildings
//! and floors by the colleges of their residents (a building counts for every college
//! with residents in it; whether it is covered is a property of the building); `--by
//! building` groups by dorm building, mentors and leaders by `staff.building` (`-` when
//! empty). A kind the campus does not send leaves its indicators null ("no data", never
//! "no activity").
//!
//! Political status is read as one yes/no per resident inside the query and leaves this
//! module only as counts per building or floor; no student is ever listed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

use super::students::{has_rows, session};
use super::{collect, EvaluationError};
use crate::features::clock::LocalClock;
use crate::features::cols::{bools, ints, strs};
use crate::features::week::ts_lit;
use crate::schema::time::{date_to_days, days_to_date, Micros};
use crate::store::Store;

/// How rows are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// One group: the whole campus.
    Campus,
    /// Dorm building.
    Building,
    /// College.
    College,
}

impl GroupBy {
    /// Name as in the output.
    pub fn name(self) -> &'static str {
        match self {
            GroupBy::Campus => "campus",
            GroupBy::Building => "building",
            GroupBy::College => "college",
        }
    }
}

/// What to compute.
#[derive(Debug, Clone)]
pub struct CommunityOptions {
    /// `YYYY-MM`; `None` = the last complete calendar month before the clock's date.
    pub month: Option<String>,
    /// Grouping.
    pub by: GroupBy,
    /// The clock.
    pub now: Micros,
    /// Campus time zone.
    pub tz: Tz,
}

/// One (group, indicator) row.
#[derive(Debug, Clone, PartialEq)]
pub struct CommunityRow {
    /// `campus`, `building` or `college`.
    pub group_by: &'static str,
    /// The group (`campus`, a building id, a college).
    pub group: String,
    /// Indicator.
    pub indicator: &'static str,
    /// Guideline item(s).
    pub guideline_item: &'static str,
    /// Share (or median); null when the data is not sent or there is nothing to count.
    pub value: Option<f64>,
    /// Target.
    pub target: f64,
    /// `value ≥ target`.
    pub met: Option<bool>,
    /// Units meeting the requirement.
    pub numerator: Option<i64>,
    /// Units counted.
    pub denominator: Option<i64>,
    /// Ids of staff, buildings or floors short of it, and medians (never a student).
    pub detail: String,
}

/// The result of [`community_indicators`].
#[derive(Debug, Clone)]
pub struct CommunityReport {
    /// `YYYY-MM`.
    pub month: String,
    /// Whether the month had ended by D (else it is counted up to D).
    pub complete: bool,
    /// Grouping.
    pub by: GroupBy,
    /// Rows, by group then indicator.
    pub rows: Vec<CommunityRow>,
    /// Which kinds were missing.
    pub notes: Vec<String>,
}

struct Resident {
    college: String,
    building: Option<String>,
    floor: Option<i64>,
    counsellor: String,
    mentor: Option<String>,
    party: bool,
}

struct StaffMember {
    role: String,
    college: String,
    building: String,
}

/// A unit counted by an indicator: the groups it belongs to and whether it meets the
/// requirement (`None` when the data to tell is not sent), with a label for the detail.
struct Unit {
    groups: Vec<String>,
    ok: Option<bool>,
    count: Option<i64>,
    label: String,
}

struct Spec {
    indicator: &'static str,
    item: &'static str,
}

const MENTOR_LOAD: Spec = Spec { indicator: "mentor_load_le_10", item: "2.8" };
const MENTOR_MEETINGS: Spec = Spec { indicator: "mentor_meetings_ge_2", item: "2.8" };
const MENTOR_MEDIAN: Spec = Spec { indicator: "mentor_meetings_median", item: "2.8" };
const LEADERS: Spec = Spec { indicator: "leader_contacts_ge_2", item: "2.6" };
const STATIONED: Spec = Spec { indicator: "counsellor_stationed", item: "2.2" };
const ASSIGNED: Spec = Spec { indicator: "counsellor_assigned", item: "2.2" };
const PARTY_BUILDINGS: Spec = Spec { indicator: "party_building_coverage", item: "1.3" };
const PARTY_FLOORS: Spec = Spec { indicator: "party_floor_coverage", item: "1.3, 1.5" };

/// The month window: first day, first day after, both as days since epoch.
pub fn month_window(month: Option<&str>, as_of: i32) -> Result<(String, i32, i32), EvaluationError> {
    let first = match month {
        Some(m) => NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .ok()
            .filter(|_| m.len() == 7)
            .ok_or_else(|| EvaluationError::config(format!("--month `{m}` is not a month"), "use YYYY-MM"))?,
        None => {
            let d = days_to_date(as_of);
            let (y, m) = if d.month() == 1 { (d.year() - 1, 12) } else { (d.year(), d.month() - 1) };
            NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d)
        }
    };
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    }
    .unwrap_or(first);
    let (start, end) = (date_to_days(first), date_to_days(next));
    if start >= as_of {
        return Err(EvaluationError::config(
            format!("--month {} has not begun by the clock's date {}", first.format("%Y-%m"), days_to_date(as_of)),
            "give an earlier month, or set --now",
        ));
    }
    Ok((first.format("%Y-%m").to_string(), start, end))
}

/// Computes the community indicators (see the module documentation).
pub async fn community_indicators(store: &Store, opts: &CommunityOptions) -> Result<CommunityReport, EvaluationError> {
    let as_of = crate::refresh::as_of_date(None, opts.now, opts.tz);
    let (month, start, end) = month_window(opts.month.as_deref(), as_of)?;
    let (ctx, kinds) = session(store, as_of, opts.tz).await?;
    let mut present = BTreeMap::new();
    let mut notes = Vec::new();
    if !has_rows(&ctx, &kinds, &mut present, "students").await? {
        return Err(EvaluationError::NoData("the store has no students: ingest students first".into()));
    }
    let has_staff = has_rows(&ctx, &kinds, &mut present, "staff").await?;
    let has_process = has_rows(&ctx, &kinds, &mut present, "process_records").await?;
    if !has_staff {
        notes.push("staff not sent: leader and counsellor indicators are null".to_string());
    }
    if !has_process {
        notes.push("process_records not sent: meeting and contact indicators are null".to_string());
    }
    let residents = read_students(&ctx).await?;
    let staff = if has_staff { read_staff(&ctx).await? } else { BTreeMap::new() };
    let clock = LocalClock::new(opts.tz);
    let (lo, hi) = (clock.midnight(start), clock.midnight(end.min(as_of)));
    let counts = if has_process { read_counts(&ctx, lo, hi).await? } else { HashMap::new() };

    let by = opts.by;
    let mut rows = Vec::new();
    // Mentors.
    let mut mentees: BTreeMap<String, Vec<&Resident>> = BTreeMap::new();
    for (id, s) in &staff {
        if s.role == "mentor" {
            mentees.entry(id.clone()).or_default();
        }
    }
    for r in &residents {
        if let Some(m) = &r.mentor {
            mentees.entry(m.clone()).or_default().push(r);
        }
    }
    let staff_group = |id: &str, fallback: &[&Resident]| -> String {
        let s = staff.get(id);
        match by {
            GroupBy::Campus => "campus".to_string(),
            GroupBy::Building => s.map(|s| s.building.clone()).filter(|b| !b.is_empty()).unwrap_or_else(|| "-".into()),
            GroupBy::College => s
                .map(|s| s.college.clone())
                .filter(|c| !c.is_empty())
                .or_else(|| majority(fallback.iter().map(|r| r.college.as_str())))
                .unwrap_or_else(|| "-".into()),
        }
    };
    let load: Vec<Unit> = mentees
        .iter()
        .map(|(id, st)| Unit {
            groups: vec![staff_group(id, st)],
            ok: Some(st.len() <= 10),
            count: Some(st.len() as i64),
            label: format!("{id} ({})", st.len()),
        })
        .collect();
    let meet_count = |id: &str, kind: &str| counts.get(&(id.to_string(), kind.to_string())).copied().unwrap_or(0);
    let meetings: Vec<Unit> = mentees
        .iter()
        .filter(|(_, st)| !st.is_empty())
        .map(|(id, st)| {
            let n = has_process.then(|| meet_count(id, "mentor_meeting"));
            Unit {
                groups: vec![staff_group(id, st)],
                ok: n.map(|n| n >= 2),
                count: n,
                label: format!("{id} ({})", n.unwrap_or(0)),
            }
        })
        .collect();
    let leaders: Vec<Unit> = staff
        .iter()
        .filter(|(_, s)| s.role == "leader")
        .map(|(id, _)| {
            let n = has_process.then(|| meet_count(id, "leader_visit"));
            Unit {
                groups: vec![staff_group(id, &[])],
                ok: n.map(|n| n >= 2),
                count: n,
                label: format!("{id} ({})", n.unwrap_or(0)),
            }
        })
        .collect();
    // Buildings and floors with active residents.
    let mut buildings: BTreeMap<&str, Vec<&Resident>> = BTreeMap::new();
    let mut floors: BTreeMap<(&str, i64), Vec<&Resident>> = BTreeMap::new();
    let mut no_floor = 0usize;
    for r in &residents {
        let Some(b) = r.building.as_deref() else { continue };
        buildings.entry(b).or_default().push(r);
        match r.floor {
            Some(f) => floors.entry((b, f)).or_default().push(r),
            None => no_floor += 1,
        }
    }
    let place_groups = |b: &str, rs: &[&Resident]| -> Vec<String> {
        match by {
            GroupBy::Campus => vec!["campus".to_string()],
            GroupBy::Building => vec![b.to_string()],
            GroupBy::College => rs.iter().map(|r| r.college.clone()).collect::<BTreeSet<_>>().into_iter().collect(),
        }
    };
    let stationed: BTreeSet<&str> = staff
        .values()
        .filter(|s| s.role == "counsellor" && !s.building.is_empty())
        .map(|s| s.building.as_str())
        .collect();
    let is_counsellor = |id: &str| staff.get(id).is_some_and(|s| s.role == "counsellor");
    let unit = |b: &str, rs: &[&Resident], ok: Option<bool>, label: String| Unit {
        groups: place_groups(b, rs),
        ok,
        count: None,
        label,
    };
    let station: Vec<Unit> =
        buildings.iter().map(|(b, rs)| unit(b, rs, has_staff.then(|| stationed.contains(b)), b.to_string())).collect();
    let assigned: Vec<Unit> = buildings
        .iter()
        .map(|(b, rs)| unit(b, rs, has_staff.then(|| rs.iter().all(|r| is_counsellor(&r.counsellor))), b.to_string()))
        .collect();
    let party_b: Vec<Unit> =
        buildings.iter().map(|(b, rs)| unit(b, rs, Some(rs.iter().any(|r| r.party)), b.to_string())).collect();
    let party_f: Vec<Unit> =
        floors.iter().map(|((b, f), rs)| unit(b, rs, Some(rs.iter().any(|r| r.party)), format!("{b}/{f}"))).collect();

    let info = Info { has_staff, has_process, no_floor };
    let all: Vec<(Spec, Vec<Unit>)> = vec![
        (MENTOR_LOAD, load),
        (MENTOR_MEETINGS, meetings),
        (LEADERS, leaders),
        (STATIONED, station),
        (ASSIGNED, assigned),
        (PARTY_BUILDINGS, party_b),
        (PARTY_FLOORS, party_f),
    ];
    let mut groups: BTreeSet<String> = BTreeSet::new();
    for (_, units) in &all {
        for u in units {
            groups.extend(u.groups.iter().cloned());
        }
    }
    if by == GroupBy::Campus {
        groups.insert("campus".into());
    }
    for g in &groups {
        for (spec, units) in &all {
            let mine: Vec<&Unit> = units.iter().filter(|u| u.groups.contains(g)).collect();
            if mine.is_empty() && by != GroupBy::Campus {
                continue;
            }
            rows.push(share_row(by, g, spec, &mine, &info));
            if spec.indicator == MENTOR_MEETINGS.indicator {
                rows.push(median_row(by, g, &mine, has_process, &month));
            }
        }
    }
    Ok(CommunityReport { month, complete: end <= as_of, by, rows, notes })
}

struct Info {
    has_staff: bool,
    has_process: bool,
    no_floor: usize,
}

fn share_row(by: GroupBy, g: &str, spec: &Spec, units: &[&Unit], info: &Info) -> CommunityRow {
    let known: Vec<bool> = units.iter().filter_map(|u| u.ok).collect();
    let (num, den) = (known.iter().filter(|k| **k).count() as i64, known.len() as i64);
    let value = (den > 0).then(|| num as f64 / den as f64);
    let failing: Vec<&Unit> = units.iter().copied().filter(|u| u.ok == Some(false)).collect();
    // Null numerator and denominator only when the data to tell is not sent.
    let counted = units.is_empty() || !known.is_empty();
    CommunityRow {
        group_by: by.name(),
        group: g.to_string(),
        indicator: spec.indicator,
        guideline_item: spec.item,
        value,
        target: 1.0,
        met: value.map(|v| v >= 1.0 - 1e-12),
        numerator: counted.then_some(num),
        denominator: counted.then_some(den),
        detail: detail(spec.indicator, units, &failing, info),
    }
}

fn detail(indicator: &str, all: &[&Unit], failing: &[&Unit], info: &Info) -> String {
    let staff = [LEADERS.indicator, STATIONED.indicator, ASSIGNED.indicator].contains(&indicator);
    let process = [MENTOR_MEETINGS.indicator, LEADERS.indicator].contains(&indicator);
    if staff && !info.has_staff {
        return "staff not sent".into();
    }
    if process && !info.has_process {
        return "process_records not sent".into();
    }
    if all.is_empty() {
        return "nothing to count".into();
    }
    let list = short_list(failing);
    match indicator {
        "mentor_load_le_10" => {
            let max = all.iter().filter_map(|x| x.count).max().unwrap_or(0);
            format!("max {max} active students per mentor; over 10: {list}")
        }
        "mentor_meetings_ge_2" => {
            format!("median {} mentor_meeting records per mentor; below 2: {list}", fmt_median(all))
        }
        "leader_contacts_ge_2" => {
            format!("median {} leader_visit records per leader; below 2: {list}", fmt_median(all))
        }
        "counsellor_stationed" => format!("buildings without a counsellor stationed: {list}"),
        "counsellor_assigned" => {
            format!("buildings with a resident whose counsellor_id is no counsellor in staff: {list}")
        }
        "party_building_coverage" => format!("buildings without a resident party member: {list}"),
        _ => {
            let mut s = format!("floors without a resident party member: {list}");
            if info.no_floor > 0 {
                s.push_str(&format!("; {} residents without a floor not counted", info.no_floor));
            }
            s
        }
    }
}

fn median_row(by: GroupBy, g: &str, units: &[&Unit], has_process: bool, month: &str) -> CommunityRow {
    let counts: Vec<i64> = units.iter().filter_map(|u| u.count).collect();
    let value = if has_process { median(&counts) } else { None };
    CommunityRow {
        group_by: by.name(),
        group: g.to_string(),
        indicator: MENTOR_MEDIAN.indicator,
        guideline_item: MENTOR_MEDIAN.item,
        value,
        target: 2.0,
        met: value.map(|v| v >= 2.0),
        numerator: has_process.then(|| counts.iter().sum()),
        denominator: has_process.then_some(counts.len() as i64),
        detail: if has_process {
            format!("median one-to-one meetings per mentor in {month}; numerator = meetings, denominator = mentors")
        } else {
            "process_records not sent".into()
        },
    }
}

fn median(v: &[i64]) -> Option<f64> {
    let mut s = v.to_vec();
    s.sort_unstable();
    let n = s.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(s[n / 2] as f64),
        _ => Some((s[n / 2 - 1] + s[n / 2]) as f64 / 2.0),
    }
}

fn fmt_median(u: &[&Unit]) -> String {
    let counts: Vec<i64> = u.iter().filter_map(|x| x.count).collect();
    median(&counts).map_or("-".into(), |m| format!("{m}"))
}

/// Up to 10 labels of the units, then how many more.
fn short_list(u: &[&Unit]) -> String {
    if u.is_empty() {
        return "none".into();
    }
    let mut s: Vec<String> = u.iter().take(10).map(|x| x.label.clone()).collect();
    if u.len() > 10 {
        s.push(format!("… {} more", u.len() - 10));
    }
    s.join(", ")
}

fn majority<'a>(v: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut n: BTreeMap<&str, usize> = BTreeMap::new();
    for x in v {
        *n.entry(x).or_default() += 1;
    }
    // The largest count; ties go to the first name in order.
    n.into_iter()
        .fold(None, |best: Option<(&str, usize)>, (k, c)| match best {
            Some((_, b)) if b >= c => best,
            _ => Some((k, c)),
        })
        .map(|(k, _)| k.to_string())
}

async fn read_students(ctx: &datafusion::prelude::SessionContext) -> Result<Vec<Resident>, EvaluationError> {
    // Political status becomes one yes/no inside the query; nothing else of it is read.
    let sql = "SELECT college, dorm_building, dorm_floor, counsellor_id, mentor_id, \
               political_status IN ('party_member', 'probationary_member') AS party \
               FROM students WHERE status = 'active'";
    let mut out = Vec::new();
    for b in collect(ctx, sql).await? {
        let (college, building, floor) = (strs(&b, "college")?, strs(&b, "dorm_building")?, ints(&b, "dorm_floor")?);
        let (counsellor, mentor, party) = (strs(&b, "counsellor_id")?, strs(&b, "mentor_id")?, bools(&b, "party")?);
        for r in 0..b.num_rows() {
            let text = |s: &crate::features::cols::Strs<'_>| {
                Some(s.get(r).trim().to_string()).filter(|v| !s.is_null(r) && !v.is_empty())
            };
            out.push(Resident {
                college: college.get(r).to_string(),
                building: text(&building),
                floor: (!floor.is_null(r)).then(|| floor.value(r)),
                counsellor: counsellor.get(r).to_string(),
                mentor: text(&mentor),
                party: !party.is_null(r) && party.value(r),
            });
        }
    }
    Ok(out)
}

async fn read_staff(
    ctx: &datafusion::prelude::SessionContext,
) -> Result<BTreeMap<String, StaffMember>, EvaluationError> {
    let mut out = BTreeMap::new();
    for b in collect(ctx, "SELECT staff_id, role, college, building FROM staff").await? {
        let (id, role, college, building) =
            (strs(&b, "staff_id")?, strs(&b, "role")?, strs(&b, "college")?, strs(&b, "building")?);
        for r in 0..b.num_rows() {
            let opt = |s: &crate::features::cols::Strs<'_>| {
                if s.is_null(r) {
                    String::new()
                } else {
                    s.get(r).trim().to_string()
                }
            };
            out.insert(
                id.get(r).to_string(),
                StaffMember { role: role.get(r).to_string(), college: opt(&college), building: opt(&building) },
            );
        }
    }
    Ok(out)
}

async fn read_counts(
    ctx: &datafusion::prelude::SessionContext,
    lo: Micros,
    hi: Micros,
) -> Result<HashMap<(String, String), i64>, EvaluationError> {
    let sql = format!(
        "SELECT staff_id, kind, CAST(COUNT(*) AS BIGINT) AS n FROM process_records \
         WHERE kind IN ('mentor_meeting', 'leader_visit') AND ts >= {} AND ts < {} GROUP BY staff_id, kind",
        ts_lit(lo),
        ts_lit(hi)
    );
    let mut out = HashMap::new();
    for b in collect(ctx, &sql).await? {
        let (id, kind, n) = (strs(&b, "staff_id")?, strs(&b, "kind")?, ints(&b, "n")?);
        for r in 0..b.num_rows() {
            out.insert((id.get(r).to_string(), kind.get(r).to_string()), n.value(r));
        }
    }
    Ok(out)
}

/// The rows as a batch: `group_by, group, indicator, guideline_item, value, target, met,
/// numerator, denominator, detail, month`.
pub fn community_batch(r: &CommunityReport) -> Result<RecordBatch, EvaluationError> {
    let rows = &r.rows;
    let text =
        |f: &dyn Fn(&CommunityRow) -> &str| -> ArrayRef { Arc::new(StringArray::from_iter_values(rows.iter().map(f))) };
    let schema = Schema::new(vec![
        Field::new("group_by", DataType::Utf8, false),
        Field::new("group", DataType::Utf8, false),
        Field::new("indicator", DataType::Utf8, false),
        Field::new("guideline_item", DataType::Utf8, false),
        Field::new("value", DataType::Float64, true),
        Field::new("target", DataType::Float64, false),
        Field::new("met", DataType::Boolean, true),
        Field::new("numerator", DataType::Int64, true),
        Field::new("denominator", DataType::Int64, true),
        Field::new("detail", DataType::Utf8, false),
        Field::new("month", DataType::Utf8, false),
    ]);
    let cols: Vec<ArrayRef> = vec![
        text(&|x| x.group_by),
        text(&|x| x.group.as_str()),
        text(&|x| x.indicator),
        text(&|x| x.guideline_item),
        Arc::new(Float64Array::from_iter(rows.iter().map(|x| x.value))),
        Arc::new(Float64Array::from_iter_values(rows.iter().map(|x| x.target))),
        Arc::new(BooleanArray::from_iter(rows.iter().map(|x| x.met))),
        Arc::new(Int64Array::from_iter(rows.iter().map(|x| x.numerator))),
        Arc::new(Int64Array::from_iter(rows.iter().map(|x| x.denominator))),
        text(&|x| x.detail.as_str()),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|_| r.month.as_str()))),
    ];
    Ok(RecordBatch::try_new(Arc::new(schema), cols)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> i32 {
        crate::schema::time::parse_date(s).map(date_to_days).unwrap_or_default()
    }

    #[test]
    fn the_default_month_is_the_last_complete_one() {
        assert_eq!(
            month_window(None, day("2025-09-22")).unwrap(),
            ("2025-08".into(), day("2025-08-01"), day("2025-09-01"))
        );
        assert_eq!(month_window(None, day("2025-10-01")).unwrap().0, "2025-09");
        assert_eq!(month_window(None, day("2026-01-05")).unwrap().0, "2025-12");
        assert_eq!(month_window(Some("2025-12"), day("2026-03-01")).unwrap().2, day("2026-01-01"));
        assert!(month_window(Some("2025-13"), day("2026-03-01")).unwrap_err().is_config());
        assert!(month_window(Some("2025-9"), day("2026-03-01")).unwrap_err().is_config());
        assert!(month_window(Some("2026-03"), day("2026-03-01")).unwrap_err().is_config());
    }

    #[test]
    fn medians_and_majorities() {
        assert_eq!(median(&[3, 1, 2]), Some(2.0));
        assert_eq!(median(&[4, 1, 2, 3]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(majority(["b", "a", "b", "a"].into_iter()), Some("a".into()));
        assert_eq!(majority(["b", "a", "b"].into_iter()), Some("b".into()));
    }
}
