//! The typology's features and the words that describe them: which `student_week`
//! column each reads, how it is summarised, and the English and Chinese phrases for a
//! high or low centroid.

/// How a feature is summarised over the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Summary {
    /// Mean over the weeks with a value (counts per week, or a mean level).
    PerWeek,
    /// Mean per week divided by 7: a share of days.
    ShareOfDays,
}

/// A typology feature: its source column and the words that describe a high or low value.
#[derive(Debug, Clone, Copy)]
pub struct Feature {
    /// Output name.
    pub name: &'static str,
    /// `student_week` column.
    pub source: &'static str,
    /// Summary over the window.
    pub summary: Summary,
    /// (English, Chinese) for a high value.
    pub high: (&'static str, &'static str),
    /// (English, Chinese) for a low value.
    pub low: (&'static str, &'static str),
}

const fn f(
    name: &'static str,
    source: &'static str,
    summary: Summary,
    high: (&'static str, &'static str),
    low: (&'static str, &'static str),
) -> Feature {
    Feature { name, source, summary, high, low }
}

/// The typology's features (regularity and activity; no spending, no protected column).
pub const FEATURES: [Feature; 11] = [
    f(
        "breakfast_days_per_week",
        "breakfast_days",
        Summary::PerWeek,
        ("regular breakfasts", "规律吃早餐"),
        ("rarely eats breakfast", "很少吃早餐"),
    ),
    f(
        "meals_per_week",
        "meals",
        Summary::PerWeek,
        ("eats most meals in the canteen", "多在食堂就餐"),
        ("few canteen meals", "较少在食堂就餐"),
    ),
    f("wake_up_minutes", "wake_up_minutes", Summary::PerWeek, ("late riser", "起床较晚"), ("early riser", "早起")),
    f(
        "orderliness",
        "orderliness",
        Summary::PerWeek,
        ("very regular daily routine", "作息规律"),
        ("irregular daily routine", "作息不规律"),
    ),
    f(
        "meal_time_entropy",
        "meal_time_entropy",
        Summary::PerWeek,
        ("irregular meal times", "就餐时间不固定"),
        ("fixed meal times", "就餐时间固定"),
    ),
    f(
        "late_returns_per_week",
        "late_returns",
        Summary::PerWeek,
        ("frequent late returns", "经常晚归"),
        ("rarely returns late", "很少晚归"),
    ),
    f(
        "night_online_hours_per_week",
        "night_online_hours",
        Summary::PerWeek,
        ("heavy night-time internet use", "深夜上网多"),
        ("little night-time internet use", "深夜很少上网"),
    ),
    f(
        "library_visits_per_week",
        "library_visits",
        Summary::PerWeek,
        ("frequent library visits", "常去图书馆"),
        ("rarely visits the library", "很少去图书馆"),
    ),
    f(
        "online_hours_per_week",
        "online_hours",
        Summary::PerWeek,
        ("long hours online", "上网时间长"),
        ("little time online", "上网时间短"),
    ),
    f(
        "activity_hours_per_week",
        "activity_hours",
        Summary::PerWeek,
        ("active in campus activities", "积极参加校园活动"),
        ("few campus activities", "较少参加校园活动"),
    ),
    f(
        "no_trace_share",
        "no_trace_days",
        Summary::ShareOfDays,
        ("often a whole day without a campus trace", "常有整日无校园记录"),
        ("on campus nearly every day", "几乎每天都在校园"),
    ),
];

/// The `student_week` columns the typology reads.
pub const FEATURE_SOURCES: [&str; 11] = [
    "breakfast_days",
    "meals",
    "wake_up_minutes",
    "orderliness",
    "meal_time_entropy",
    "late_returns",
    "night_online_hours",
    "library_visits",
    "online_hours",
    "activity_hours",
    "no_trace_days",
];

/// Smallest |centroid z| that describes a cluster.
pub const DESCRIBE_MIN_Z: f64 = 0.5;

/// Short label and description of a centroid (z per feature), in English and Chinese:
/// (label_en, label_zh, description_en, description_zh).
pub fn describe(features: &[Feature], z: &[f64]) -> (String, String, String, String) {
    let mut order: Vec<usize> = (0..z.len()).filter(|&j| z[j].abs() >= DESCRIBE_MIN_Z).collect();
    order.sort_by(|&a, &b| z[b].abs().total_cmp(&z[a].abs()).then(a.cmp(&b)));
    order.truncate(3);
    if order.is_empty() {
        let en = "Typical: close to the campus average on every measure";
        let zh = "均衡型：各项指标接近全校平均";
        return (en.into(), zh.into(), en.into(), zh.into());
    }
    let words = |j: usize| if z[j] > 0.0 { features[j].high } else { features[j].low };
    let (ae, az) = archetype(features[order[0]].source, z[order[0]] > 0.0);
    let en: Vec<&str> = order.iter().map(|&j| words(j).0).collect();
    let zh: Vec<&str> = order.iter().map(|&j| words(j).1).collect();
    let en_z: Vec<String> = order.iter().map(|&j| format!("{} (z {:+.1})", words(j).0, z[j])).collect();
    let zh_z: Vec<String> = order.iter().map(|&j| format!("{}（z {:+.1}）", words(j).1, z[j])).collect();
    let short = order.len().min(2);
    (
        format!("{ae}: {}", en[..short].join(", ")),
        format!("{az}：{}", zh[..short].join("、")),
        format!("{ae}: {}", en_z.join(", ")),
        format!("{az}：{}", zh_z.join("、")),
    )
}

/// A one-word archetype from the most distinctive feature and its direction.
fn archetype(source: &str, high: bool) -> (&'static str, &'static str) {
    match (source, high) {
        ("night_online_hours" | "late_returns" | "wake_up_minutes", true) | ("breakfast_days", false) => {
            ("Night owl", "夜猫子型")
        }
        ("library_visits", true) => ("Studious", "学习型"),
        ("breakfast_days" | "orderliness", true) | ("wake_up_minutes" | "meal_time_entropy", false) => {
            ("Early riser", "早起规律型")
        }
        ("activity_hours", true) => ("Active", "活跃型"),
        ("online_hours", true) => ("Online", "网络型"),
        ("no_trace_days", true) | ("meals", false) => ("Often away", "离校较多型"),
        ("orderliness", false) | ("meal_time_entropy", true) => ("Irregular", "作息不规律型"),
        ("meals", true) | ("no_trace_days", false) => ("Campus-bound", "校园常驻型"),
        _ => ("Low-key", "低调型"),
    }
}
