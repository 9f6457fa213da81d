//! The profile document: what one student's one-click profile holds, as of a date.
//! Serialised as JSON into the serving copy and the `student_profiles` table; the text
//! and html renderings read only this.

use serde::{Deserialize, Serialize};

/// One student's profile as of a date.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Profile {
    /// Student.
    pub student_id: String,
    /// As-of date `YYYY-MM-DD` (data before its 00:00 local).
    pub as_of: String,
    /// Basic information; personal fields are masked unless the viewer may see them.
    pub basic: Basic,
    /// The 德智体美劳 evaluation of the latest evaluated term, if any.
    pub evaluation: Option<Evaluation>,
    /// Grades, attendance and coursework by term and week.
    pub academic: Academic,
    /// Weekly life pattern against the student's own baseline and the cohort.
    pub life: Life,
    /// Lifestyle type from the typology, if computed.
    pub lifestyle: Option<Lifestyle>,
    /// Open warnings, most urgent first.
    pub warnings: Vec<WarningItem>,
    /// Ranked recommendations.
    pub recommendations: Vec<Recommendation>,
    /// The process record (过程记录), oldest first.
    pub timeline: Vec<TimelineEvent>,
    /// Which record kinds hold data for the student, and which do not.
    pub sources: Sources,
}

/// Basic information.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Basic {
    /// Name (personal).
    pub name: Masked,
    /// `M` / `F`.
    pub gender: String,
    /// College.
    pub college: String,
    /// Major.
    pub major: String,
    /// Class.
    pub class_id: String,
    /// Cohort.
    pub cohort: i64,
    /// Degree level.
    pub degree_level: String,
    /// Dorm building (not personal on its own: a building holds hundreds).
    pub dorm_building: Option<String>,
    /// Dorm floor and room (personal).
    pub dorm_room: Masked,
    /// Counsellor id.
    pub counsellor_id: String,
    /// Mentor id.
    pub mentor_id: Option<String>,
    /// Enrolment status.
    pub status: String,
    /// Political status (sensitive).
    pub political_status: Masked,
    /// Financial aid level (sensitive).
    pub financial_aid_level: Masked,
    /// Home province (sensitive).
    pub hometown_province: Masked,
}

/// A personal value: shown, or withheld from this viewer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Masked {
    /// The value when shown; a masked form (e.g. `张*`) or `None` when withheld.
    pub value: Option<String>,
    /// Whether it is withheld or masked.
    pub masked: bool,
}

impl Masked {
    /// A value shown as is.
    pub fn shown(v: Option<String>) -> Masked {
        Masked { value: v, masked: false }
    }
}

/// The 德智体美劳 evaluation.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Evaluation {
    /// Term evaluated.
    pub term: String,
    /// `entropy` or `expert` weights.
    pub method: String,
    /// Five dimensions in the order moral, intellectual, physical, aesthetic, labour.
    pub dimensions: Vec<DimensionScore>,
    /// Overall score 0–100.
    pub total: Option<f64>,
    /// Overall percentile within major and cohort, 0–1.
    pub total_pct: Option<f64>,
}

/// One dimension's score.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct DimensionScore {
    /// `moral`, `intellectual`, ….
    pub dimension: String,
    /// 0–100.
    pub score: Option<f64>,
    /// Percentile within major and cohort, 0–1.
    pub pct: Option<f64>,
}

/// Academic trend.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Academic {
    /// Per term, oldest first.
    pub terms: Vec<TermResult>,
    /// Weekly attendance rate, oldest first (null weeks had no sessions).
    pub attendance: Vec<WeekValue>,
}

/// One term's results.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TermResult {
    /// Term.
    pub term: String,
    /// GPA (0–4).
    pub gpa: Option<f64>,
    /// Rank percentile within major and cohort.
    pub gpa_rank_pct: Option<f64>,
    /// Attempted credits.
    pub attempted_credits: Option<f64>,
    /// Failed credits.
    pub failed_credits: Option<f64>,
    /// Coursework items missing, share of those due.
    pub coursework_missing_rate: Option<f64>,
    /// Mean coursework score.
    pub coursework_mean: Option<f64>,
}

/// A value of one week.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct WeekValue {
    /// Monday `YYYY-MM-DD`.
    pub week_start: String,
    /// Value.
    pub value: Option<f64>,
}

/// Life pattern.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Life {
    /// The weeks shown, oldest first.
    pub weeks: Vec<String>,
    /// One entry per measure.
    pub measures: Vec<LifeMeasure>,
}

/// One life-pattern measure over the weeks.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LifeMeasure {
    /// `student_week` column.
    pub feature: String,
    /// Label, Chinese.
    pub label_zh: String,
    /// Label, English.
    pub label_en: String,
    /// Unit, English (`meals/week`, `h/week`, …).
    pub unit: String,
    /// Values per week (aligned with [`Life::weeks`]).
    pub values: Vec<Option<f64>>,
    /// The latest week with a value, which the comparisons below are about.
    pub latest_week: Option<String>,
    /// The student's own baseline mean (before the latest week).
    pub baseline: Option<f64>,
    /// z of the latest week against the baseline.
    pub baseline_z: Option<f64>,
    /// The cohort's median in that week.
    pub cohort_median: Option<f64>,
    /// The student's percentile in the cohort in that week.
    pub cohort_pct: Option<f64>,
}

/// Lifestyle type.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Lifestyle {
    /// Cluster number.
    pub cluster: i64,
    /// Label, Chinese.
    pub label_zh: String,
    /// Label, English.
    pub label_en: String,
    /// Date of the typology run.
    pub as_of: String,
}

/// An open warning.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct WarningItem {
    /// Id.
    pub warning_id: String,
    /// Category.
    pub category: String,
    /// Level.
    pub level: String,
    /// Status.
    pub status: String,
    /// Rule.
    pub rule: String,
    /// Reason, Chinese.
    pub reason_zh: String,
    /// Reason, English.
    pub reason_en: String,
    /// Created, RFC 3339 local.
    pub created_at: String,
    /// Drawn from a psychological screening: level, rule and reasons need the psych grant.
    #[serde(default)]
    pub restricted: bool,
}

/// A recommendation.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Recommendation {
    /// Rank, 1 = best.
    pub rank: i64,
    /// `activity`, `book`, `resource`, `mentor`.
    pub kind: String,
    /// Item id.
    pub item_id: String,
    /// Title, Chinese.
    pub title: String,
    /// Title, English.
    pub title_en: String,
    /// Reason, Chinese.
    pub reason_zh: String,
    /// Reason, English.
    pub reason_en: String,
}

/// One entry of the process record.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TimelineEvent {
    /// When, RFC 3339 in the campus zone (a date for date-only records).
    pub at: String,
    /// Sort key: UTC microseconds.
    pub at_micros: i64,
    /// Where it comes from: `process_record`, `warning`, `intervention`, `award`,
    /// `participation`, `term_result`, `assessment`.
    pub source: String,
    /// The record's kind within the source (`talk`, `raised`, `scholarship`, …).
    pub kind: String,
    /// What happened, Chinese.
    pub title_zh: String,
    /// What happened, English.
    pub title_en: String,
    /// Who recorded it (staff id), if anyone.
    pub by: Option<String>,
    /// The source record's id.
    pub ref_id: String,
    /// Free text written by staff (personal): shown only to viewers who may read it.
    pub note: Masked,
    /// Health data (a psych consultation, or an event of a warning drawn from a
    /// screening): its kind, title and author need the psych grant.
    #[serde(default)]
    pub restricted: bool,
}

/// Data sources for the student.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Sources {
    /// Kinds with records of the student (recent ones: in the 28 days before the as-of date).
    pub present: Vec<String>,
    /// Kinds the campus sends but that hold nothing for the student.
    pub missing: Vec<String>,
    /// Kinds the campus does not send at all.
    pub not_sent: Vec<String>,
}
