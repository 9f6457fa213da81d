//! Campus life beyond classes: library loans, activity participation, staff process
//! records (more for students in distress or hardship), screenings and fitness tests,
//! awards and discipline.

use rand::Rng;

use super::calendar::{Term, DAY, HOUR};
use super::catalog::{reading_class, CLC};
use super::people::Degree;
use super::sim::Sim;
use super::taste::Taste;
use super::K;

const TALKS: [&str; 6] = [
    "了解近期学习生活情况，状态良好。",
    "新学期学业规划沟通，目标明确。",
    "宿舍关系沟通，已协调。",
    "谈心谈话：近期压力较大，已给出时间管理建议。",
    "家庭经济情况了解，介绍勤工助学岗位。",
    "近期作息不规律、缺课增多，已提醒并约定回访。",
];
const MEETINGS: [&str; 4] = [
    "讨论本学期选课与学习计划。",
    "指导课程设计选题。",
    "交流科研兴趣，推荐阅读文献。",
    "复盘上学期成绩，制定补弱计划。",
];

impl Sim<'_> {
    /// A loan borrowed at `t`, due in 30 days at 23:59:59, returned later or not yet; its
    /// class follows the reader's major and interests (see `catalog::reading_class`).
    pub fn loan(&mut self, t: i64) {
        if !self.ok(t) {
            return;
        }
        let due = (t / DAY + 30) * DAY + DAY - 1;
        let back = t + self.rng.random_range(2 * DAY..40 * DAY);
        let returned = (self.chance(0.6) && self.ok(back)).then_some(back);
        // Two of a reader's three classes follow the major, the third is their own.
        let (c, s) = (self.c, self.s);
        let theme = self.taste.get_or_insert_with(|| Taste::draw(c, s)).top_theme();
        let class = &c.people.classes[s.class];
        let k = reading_class(class.college, class.major, theme, s.idx, self.rng.random_range(0..3));
        let clc = CLC[k];
        // The same draw as ever, skewed: a few books of a class are borrowed by many.
        let u = f64::from(self.rng.random_range(1_000_000..3_000_000) - 1_000_000) / 2_000_000.0;
        let book = k * 1_000 + (u.powi(3) * 400.0) as usize;
        let form = self.pick_form(40, 10);
        let (cal, sid) = (self.cal(), self.s);
        let r = self.start(K::Loans, "L");
        r.s(&sid.id).s(&format!("B{book:07}")).s(clc).ts(cal, t, form).ts(cal, due, form);
        match returned {
            Some(b) => r.ts(cal, b, form),
            None => r.null(),
        };
    }

    /// Activities of the week the student joins: more for sociable students, fewer in distress.
    pub fn participation(&mut self, monday: i32) {
        let w = ((monday - self.c.cal.start) / 7) as usize;
        let c = self.c;
        let (Some(old), Some(range)) = (c.legacy_weeks.get(w).cloned(), c.activity_weeks.get(w).cloned()) else {
            return;
        };
        if old.is_empty() || range.is_empty() {
            return;
        }
        let f = f64::from(self.s.traits.wellbeing(monday + 3));
        let rate = f64::from(self.s.traits.sociability) * 1.2 * f;
        let n = (rate + self.rng.random::<f64>() - 0.5).max(0.0) as usize;
        let s = self.s;
        for _ in 0..n {
            // The life stream draws exactly what the first generator drew for a
            // participation (its slot, role and verification, see legacy.rs), so every
            // other kind stays as it was; which activity is joined comes from the taste
            // stream.
            let slot = c.legacy[self.rng.random_range(old.clone())];
            if !self.ok(slot.0) {
                continue;
            }
            let r: f64 = self.rng.random();
            let lucky = (slot.1 + 2 * DAY < c.window.1).then(|| self.chance(0.9));
            let taste = self.taste.get_or_insert_with(|| Taste::draw(c, s));
            let a = &c.activities[taste.choose(&c.activities, range.clone())];
            let lucky = lucky.unwrap_or_else(|| taste.chance(0.9));
            if !self.ok(a.start) {
                continue;
            }
            let role = if r < 0.05 {
                "organiser"
            } else if r < 0.17 {
                "volunteer"
            } else {
                "participant"
            };
            let hours = if role == "organiser" { a.hours + 10 } else { a.hours };
            let verified = a.end + 2 * DAY < c.window.1 && lucky;
            let row = self.start(K::Participation, "PA");
            row.s(&s.id).s(&a.id).s(role).dec1(hours).s(if verified { "true" } else { "false" });
        }
    }

    /// Staff records of the week: talks, mentor meetings, consultations, visits.
    pub fn process_records(&mut self, monday: i32) {
        let s = self.s;
        let t = &s.traits;
        let f = t.wellbeing(monday + 3);
        let after = t.distress.is_some_and(|d| monday >= d.onset + 7);
        let c = &self.c.people;
        let college = c.classes[s.class].college;
        let talk = 0.01 + if after { 0.3 } else { 0.0 } + if t.hardship { 0.02 } else { 0.0 };
        if self.chance(talk) {
            let text = TALKS[if after { 5 } else { self.rng.random_range(0..5) }];
            self.process(monday, &s.counsellor, "talk", 30, text);
        }
        if let Some(m) = &s.mentor {
            if self.chance(0.06) {
                let text = MEETINGS[self.rng.random_range(0..MEETINGS.len())];
                self.process(monday, m, "mentor_meeting", 45, text);
            }
        }
        if after && f < 0.7 && self.chance(0.2) {
            let psy = self.c.roles.psychologist.clone();
            self.process(monday, &psy, "psych_consult", 50, "心理咨询：情绪低落、睡眠差，约定每周随访。");
        }
        if t.hardship && self.chance(0.004) {
            self.process(monday, &s.counsellor, "home_visit", 40, "电话家访：了解家庭经济情况，介绍资助政策。");
        }
        if self.chance(0.003) {
            let leader = self.c.roles.leaders.get(college).cloned().unwrap_or_default();
            self.process(monday, &leader, "leader_visit", 30, "学院领导走访宿舍，了解生活与学习情况。");
        }
        let senior = self.c.people.classes[s.class].degree != Degree::Under
            || Term::around(monday).semester_of(self.c.people.classes[s.class].cohort) >= 7;
        if senior && self.chance(0.03) {
            let adv = self.c.roles.career.clone();
            self.process(monday, &adv, "career_guidance", 45, "简历修改与求职咨询。");
        }
        if matches!(s.political, "party_member" | "probationary_member") && self.chance(0.1) {
            let sec = self.c.roles.secretaries.get(college).cloned().unwrap_or_default();
            self.process(monday, &sec, "party_activity", 120, "参加支部主题党日活动。");
        }
    }

    fn process(&mut self, monday: i32, staff: &str, kind: &str, minutes: i64, summary: &str) {
        let day = monday + self.rng.random_range(0..5);
        let t = self.between(day, 9.0, 17.5);
        if !self.ok(t) || staff.is_empty() {
            return;
        }
        let form = self.pick_form(30, 0);
        let follow = ["1", "0", "0", ""][self.rng.random_range(0..4)];
        let (cal, sid) = (self.cal(), self.s);
        let r = self.start(K::Process, "PR");
        r.s(&sid.id).s(staff).ts(cal, t, form).s(kind).int(minutes).s(summary);
        if follow.is_empty() {
            r.null()
        } else {
            r.s(follow)
        };
    }

    /// An award or disciplinary record on a day (dropped outside the window).
    pub fn award(&mut self, day: i32, kind: &str, level: &str, title: &str) {
        if !self.ok(i64::from(day) * DAY + 12 * HOUR) || !self.ok(i64::from(day) * DAY) {
            return;
        }
        let sid = self.s;
        let r = self.start(K::Awards, "AW");
        r.s(&sid.id).date(day).s(kind).s(level).s(title);
    }

    /// Psychological screening of freshmen (re-screening in distress), fitness tests,
    /// and scholarships at the start of the autumn term.
    pub fn assessments(&mut self) {
        let mut term = Term::around(self.c.cal.start);
        while term.first_day() < self.c.cal.end() {
            let class = &self.c.people.classes[self.s.class];
            let sem = term.semester_of(class.cohort);
            let first = term.first_day();
            if sem == 1 && class.degree != Degree::Doctor {
                let score = (128.0 + 20.0 * (self.rng.random::<f64>() * 2.0 - 1.0) * 1.5).max(90.0) as i64;
                self.assessment(first + 8 + (self.s.idx % 3) as i32, "psych_screening", score * 10);
            }
            if term.n == 1 && class.degree == Degree::Under && sem % 2 == 1 {
                let score = (760.0 + 90.0 * (self.rng.random::<f64>() * 2.0 - 1.0) * 1.5).clamp(400.0, 980.0) as i64;
                self.assessment(first + 49 + (self.s.idx % 5) as i32, "physical_fitness", score);
            }
            if term.n == 1 && sem >= 3 {
                self.scholarship(first + 21);
            }
            term = term.next();
        }
        if let Some(d) = self.s.traits.distress {
            if self.chance(0.35) {
                let score = self.rng.random_range(165..230) * 10;
                let r0 = self.rng.random_range(0..7);
                self.assessment(d.onset + 14 + r0, "psych_screening", score);
            }
        }
    }

    fn assessment(&mut self, day: i32, kind: &str, tenths: i64) {
        let t = self.between(day, 14.0, 17.5);
        if !self.ok(t) {
            return;
        }
        let v = tenths / 10;
        let level = match kind {
            "psych_screening" if v < 160 => "normal",
            "psych_screening" if v < 200 => "attention",
            "psych_screening" => "high_risk",
            _ if v >= 90 => "excellent",
            _ if v >= 80 => "good",
            _ if v >= 60 => "pass",
            _ => "fail",
        };
        let form = self.pick_form(50, 10);
        let (cal, sid) = (self.cal(), self.s);
        let r = self.start(K::Assessments, "AS");
        r.s(&sid.id).ts(cal, t, form).s(kind).dec1(tenths).s(level);
    }

    /// Scholarships and honours follow ability (the grades' mean).
    fn scholarship(&mut self, day: i32) {
        let a = self.s.traits.ability;
        if a >= 92.0 {
            self.award(day, "scholarship", "national", "国家奖学金");
        } else if a >= 88.0 {
            self.award(day, "scholarship", "school", "校一等奖学金");
        } else if a >= 85.0 {
            self.award(day, "scholarship", "school", "校二等奖学金");
        } else if a >= 83.0 && self.chance(0.4) {
            self.award(day, "honour", "school", "三好学生");
        }
    }
}
