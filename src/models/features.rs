//! The closed list of model inputs.
//!
//! A model can only be trained on [`Feature`]s, and no variant reads a protected or
//! sensitive column of the contract (`gender`, `hometown_province`, `political_status`,
//! `financial_aid_level`): those are reachable only as [`Protected`] values, which the
//! fairness report takes and the feature matrix has no way to accept. Asking for one by
//! name is refused with [`FeatureNameError::Protected`]:
//!
//! ```
//! use campus_radar::models::features::{Feature, FeatureNameError};
//! assert!(matches!("gender".parse::<Feature>(), Err(FeatureNameError::Protected(_))));
//! assert!("lms_clicks_28d".parse::<Feature>().is_ok());
//! ```
//!
//! and a protected value cannot be turned into a model column:
//!
//! ```compile_fail
//! use campus_radar::models::features::{Feature, Protected};
//! fn sneak(p: Protected) -> Feature { p.into() }
//! ```
//!
//! Spending is also kept out of the academic model: it proxies family income, which the
//! fairness report checks rather than the model learning it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The source record kind a feature is computed from (a source a campus does not send
/// leaves the feature null, and the model imputes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// `learning_events`.
    LearningEvents,
    /// `coursework`.
    Coursework,
    /// `attendance`.
    Attendance,
    /// `grades` of earlier terms.
    Grades,
    /// `student_week` (card, gates, Wi-Fi), from the nightly refresh.
    StudentWeek,
}

impl Source {
    /// The table name.
    pub fn table(self) -> &'static str {
        match self {
            Source::LearningEvents => "learning_events",
            Source::Coursework => "coursework",
            Source::Attendance => "attendance",
            Source::Grades => "grades",
            Source::StudentWeek => "student_week",
        }
    }
}

/// How a raw value is transformed before standardising.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    /// As it is.
    Identity,
    /// `ln(1 + x)`: counts with long tails (clicks).
    Log1p,
}

macro_rules! features {
    ($( $v:ident => $name:literal, $src:ident, $tr:ident, $en:literal, $zh:literal; )*) => {
        /// A model input, computed for a student as of a cut-off date from records before it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Feature { $( #[doc = $en] $v, )* }

        impl Feature {
            /// Every feature, in matrix column order.
            pub const ALL: &'static [Feature] = &[ $( Feature::$v, )* ];

            /// The stable name used in model files and output.
            pub fn name(self) -> &'static str {
                match self { $( Feature::$v => $name, )* }
            }

            /// Where it comes from.
            pub fn source(self) -> Source {
                match self { $( Feature::$v => Source::$src, )* }
            }

            /// Transform before standardising.
            pub fn transform(self) -> Transform {
                match self { $( Feature::$v => Transform::$tr, )* }
            }

            /// What it means, for counsellors (English).
            pub fn describe_en(self) -> &'static str {
                match self { $( Feature::$v => $en, )* }
            }

            /// What it means, for counsellors (Chinese).
            pub fn describe_zh(self) -> &'static str {
                match self { $( Feature::$v => $zh, )* }
            }
        }
    };
}

features! {
    LmsClicksTerm => "lms_clicks_per_week", LearningEvents, Log1p,
        "online-learning clicks per week this term", "本学期每周线上学习点击数";
    LmsClicks7d => "lms_clicks_7d", LearningEvents, Log1p,
        "online-learning clicks in the last 7 days", "近7天线上学习点击数";
    LmsClicks28d => "lms_clicks_28d", LearningEvents, Log1p,
        "online-learning clicks in the last 28 days", "近28天线上学习点击数";
    LmsActiveShare => "lms_active_day_share", LearningEvents, Identity,
        "share of days this term with online learning", "本学期有线上学习的天数占比";
    LmsActiveDays28d => "lms_active_days_28d", LearningEvents, Identity,
        "days with online learning in the last 28 days", "近28天有线上学习的天数";
    LmsDaysSinceLast => "lms_days_since_last", LearningEvents, Log1p,
        "days since the last online-learning activity", "距上次线上学习的天数";
    LmsTrend => "lms_trend", LearningEvents, Identity,
        "change in online learning, last 14 days against the 14 before (log ratio)",
        "线上学习变化（近14天对比之前14天，对数比）";
    LmsPreTermClicks => "lms_clicks_before_term", LearningEvents, Log1p,
        "online-learning clicks in the 4 weeks before the term started", "开学前4周线上学习点击数";
    CwDue => "coursework_due", Coursework, Identity,
        "coursework items due so far this term", "本学期已到期的作业数";
    CwMissingShare => "coursework_missing_share", Coursework, Identity,
        "share of due coursework not handed in", "已到期作业未交比例";
    CwLateShare => "coursework_late_share", Coursework, Identity,
        "share of handed-in coursework that was late", "已交作业中迟交比例";
    CwMeanScore => "coursework_mean_score", Coursework, Identity,
        "mean mark of handed-in coursework (weighted)", "已交作业平均成绩（加权）";
    CwMinScore => "coursework_min_score", Coursework, Identity,
        "lowest coursework mark so far", "作业最低成绩";
    CwWeightedToDate => "coursework_score_to_date", Coursework, Identity,
        "marks earned so far out of the coursework due (missing counts 0)", "已到期作业得分率（未交计0）";
    AttRateTerm => "attendance_rate_term", Attendance, Identity,
        "class attendance rate this term", "本学期出勤率";
    AttRate28d => "attendance_rate_28d", Attendance, Identity,
        "class attendance rate in the last 28 days", "近28天出勤率";
    AttAbsencesTerm => "absences_per_week", Attendance, Identity,
        "absences per week this term", "本学期每周缺勤次数";
    PriorFailedCredits => "prior_failed_credits", Grades, Log1p,
        "failed credits in earlier terms", "以往学期不及格学分";
    PriorGpa => "prior_gpa", Grades, Identity,
        "grade point average of earlier terms", "以往学期平均绩点";
    PriorFailShare => "prior_fail_share", Grades, Identity,
        "share of earlier courses failed", "以往课程不及格比例";
    PriorTerms => "prior_terms", Grades, Identity,
        "earlier terms with grades", "以往有成绩的学期数";
    Meals4w => "meals_per_week", StudentWeek, Identity,
        "canteen meals per week (last 4 weeks)", "近4周每周食堂用餐次数";
    Breakfast4w => "breakfast_days_per_week", StudentWeek, Identity,
        "days with breakfast per week (last 4 weeks)", "近4周每周吃早餐天数";
    NoTrace4w => "no_trace_days_per_week", StudentWeek, Identity,
        "days per week without any campus trace (last 4 weeks)", "近4周每周无校园记录天数";
    NightOnline4w => "night_online_hours_per_week", StudentWeek, Identity,
        "hours online between midnight and 6 am per week (last 4 weeks)", "近4周每周凌晨上网小时数";
    LateReturns4w => "late_returns_per_week", StudentWeek, Identity,
        "late returns to the dorm per week (last 4 weeks)", "近4周每周晚归次数";
    Library4w => "library_visits_per_week", StudentWeek, Identity,
        "library visits per week (last 4 weeks)", "近4周每周图书馆到访次数";
    Online4w => "online_hours_per_week", StudentWeek, Identity,
        "hours online per week (last 4 weeks)", "近4周每周上网小时数";
    WakeUp4w => "wake_up_minutes", StudentWeek, Identity,
        "usual first campus activity, minutes after midnight (last 4 weeks)", "近4周每天首次校园活动时间（分钟）";
    Orderliness4w => "orderliness", StudentWeek, Identity,
        "regularity of daily routine (last 4 weeks)", "近4周作息规律度";
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a name is not a model input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeatureNameError {
    /// A protected or sensitive attribute of the contract.
    #[error("`{0}` is a protected or sensitive attribute and is never a model input")]
    Protected(String),
    /// Not a feature at all.
    #[error("unknown feature `{name}`{}", hint.as_ref().map(|h| format!(" (did you mean `{h}`?)")).unwrap_or_default())]
    Unknown {
        /// The name given.
        name: String,
        /// The closest feature name.
        hint: Option<String>,
    },
}

/// The protected and sensitive columns of `students` (campus-records.md).
pub const PROTECTED_COLUMNS: &[&str] = &["gender", "hometown_province", "political_status", "financial_aid_level"];

impl FromStr for Feature {
    type Err = FeatureNameError;

    fn from_str(s: &str) -> Result<Feature, FeatureNameError> {
        let s = s.trim();
        if PROTECTED_COLUMNS.contains(&s.to_ascii_lowercase().as_str()) {
            return Err(FeatureNameError::Protected(s.to_string()));
        }
        if let Some(f) = Feature::ALL.iter().find(|f| f.name() == s) {
            return Ok(*f);
        }
        let hint = Feature::ALL
            .iter()
            .map(|f| (strsim::jaro_winkler(f.name(), s), f.name()))
            .filter(|(d, _)| *d > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, n)| n.to_string());
        Err(FeatureNameError::Unknown { name: s.to_string(), hint })
    }
}

/// Which protected attribute a [`Protected`] value holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProtectedAttribute {
    /// `students.gender`.
    Gender,
    /// `students.college` — not sensitive in the contract, but a group the fairness report
    /// compares; it stays out of the model so a college's students are not judged by it.
    College,
}

impl ProtectedAttribute {
    /// The column name.
    pub fn column(self) -> &'static str {
        match self {
            ProtectedAttribute::Gender => "gender",
            ProtectedAttribute::College => "college",
        }
    }
}

/// A group label for fairness reports. Deliberately has no conversion into a [`Feature`]
/// or a matrix column: the only consumer is the fairness report.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Protected {
    attribute: ProtectedAttribute,
    value: Option<String>,
}

impl Protected {
    /// A group label (crate-internal: only the fairness loader builds these).
    pub(crate) fn new(attribute: ProtectedAttribute, value: Option<String>) -> Protected {
        Protected { attribute, value }
    }

    /// The attribute.
    pub fn attribute(&self) -> ProtectedAttribute {
        self.attribute
    }

    /// The group, `None` when unknown.
    pub fn group(&self) -> Option<&str> {
        self.value.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for f in Feature::ALL {
            assert!(seen.insert(f.name()), "duplicate {}", f.name());
            assert_eq!(f.name().parse::<Feature>(), Ok(*f));
        }
    }

    #[test]
    fn protected_columns_are_refused_by_name() {
        for p in PROTECTED_COLUMNS {
            assert_eq!(p.parse::<Feature>(), Err(FeatureNameError::Protected(p.to_string())));
            assert!(Feature::ALL.iter().all(|f| !f.name().contains(p)));
        }
        assert!(matches!(
            "lms_clicks_28".parse::<Feature>(),
            Err(FeatureNameError::Unknown { hint: Some(h), .. }) if h == "lms_clicks_28d"
        ));
    }
}
