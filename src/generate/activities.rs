//! Second-classroom activities (第二课堂) of the window: a campus-wide list, more in term
//! time than in vacations, mostly on evenings and weekends.

use rand::Rng;

use super::calendar::{Calendar, DayKind, Local, DAY, HOUR};
use super::rows::push_date;
use super::{seeded, Stream};

/// An activity.
#[derive(Debug, Clone)]
pub struct Activity {
    /// `activity_id`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Category.
    pub category: &'static str,
    /// Dimension (德智体美劳).
    pub dimension: &'static str,
    /// Organiser.
    pub organiser: &'static str,
    /// Start, local.
    pub start: Local,
    /// End, local.
    pub end: Local,
    /// Location.
    pub location: &'static str,
    /// Duration in tenths of an hour.
    pub hours: i64,
}

type Template = (&'static str, &'static str, &'static str, &'static str, &'static str, i64);

const TEMPLATES: [Template; 10] = [
    ("volunteer", "moral", "社区志愿服务", "校青年志愿者协会", "学生社区服务站", 30),
    ("club", "aesthetic", "社团活动日", "校学生会", "大学生活动中心", 20),
    ("sports", "physical", "院系篮球联赛", "体育部", "东区篮球场", 20),
    ("arts", "aesthetic", "校园歌手大赛", "校团委", "大学生活动中心", 25),
    ("labour", "labour", "社区农园劳动实践", "学生社区管理中心", "社区农园", 30),
    ("academic", "intellectual", "学术讲座", "科研处", "学术报告厅", 15),
    ("party", "moral", "党课学习", "校党委组织部", "党员之家", 20),
    ("ideological", "moral", "主题班会", "学生工作部", "社区活动室", 10),
    ("career", "intellectual", "职业生涯规划讲座", "就业指导中心", "一站式服务大厅", 15),
    ("volunteer", "labour", "校园环境志愿清洁", "校青年志愿者协会", "西区湖畔", 25),
];

/// The activities of the window, in start order, and the index range of each week.
pub fn build(cal: &Calendar, students: u32, seed: u64) -> (Vec<Activity>, Vec<std::ops::Range<usize>>) {
    let mut rng = seeded(seed, 2, Stream::Campus);
    let per_week = (students / 300).max(4) as usize;
    let mut all = Vec::new();
    let mut weeks = Vec::new();
    for w in 0..cal.weeks as i32 {
        let first = all.len();
        let monday = cal.start + 7 * w;
        let quiet = cal.kind(monday) == DayKind::Vacation;
        let n = if quiet { per_week / 4 + 1 } else { per_week };
        let mut week: Vec<Activity> = (0..n).map(|_| one(&mut rng, monday)).collect();
        week.sort_by_key(|a| a.start);
        for a in &mut week {
            let mut date = String::new();
            push_date(&mut date, monday);
            a.id = format!("ACT{}{:05}", date.replace('-', ""), all.len() + 1);
            all.push(a.clone());
        }
        weeks.push(first..all.len());
    }
    (all, weeks)
}

fn one(rng: &mut impl Rng, monday: i32) -> Activity {
    let t = TEMPLATES[rng.random_range(0..TEMPLATES.len())];
    let d = rng.random_range(0..7);
    let hour = if d >= 5 { [9, 14, 15][rng.random_range(0..3)] } else { [15, 16, 19, 19][rng.random_range(0..4)] };
    let start = i64::from(monday + d) * DAY + hour * HOUR + 30 * 60 * rng.random_range(0..2);
    Activity {
        id: String::new(),
        title: format!("{}（第{}期）", t.2, rng.random_range(1..40)),
        category: t.0,
        dimension: t.1,
        organiser: t.3,
        start,
        end: start + t.5 * 360,
        location: t.4,
        hours: t.5,
    }
}
