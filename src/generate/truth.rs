//! Planted ground truth: each student's hidden traits, distress episodes, lost-contact
//! spells and academic failures, written to `DIR/truth/` (never into the contract files).
//! The files are described in [`README`], which is also written to `DIR/truth/README.md`.

use rand::Rng;

use super::calendar::DAY;
use super::rows::push_date;

/// The truth directory's README.
pub const README: &str = "# Planted ground truth of a generated campus

Written by `radar generate`; never part of the contract files, so nothing the engine
ingests can see it. Dates are local (campus time zone), weeks start on Monday.

## students.csv — one row per student
`student_id, diligence, ability, hardship, night_owl, library_regular, gym_regular,
sociability, off_campus, distress, lost_contact`

- `diligence` 0–1: drives attendance, punctual submissions, LMS activity.
- `ability` (exam-score scale): mean of the student's exam scores before penalties.
- `hardship`: real financial hardship. Such students spend less per meal (about 0.6×)
  and buy less in shops, but do not eat fewer meals. `financial_aid_level` follows it
  only loosely: some hardship is hidden (`none`/`general`), some aid is not needed.
- `night_owl`: online after midnight, late dorm returns, few breakfasts.
- `library_regular`, `gym_regular`, `sociability` (0–1, activities), `off_campus`
  (no dorm; comes through the campus gates on days with classes).
- `distress`, `lost_contact`: the student has a row in the files below.

## distress.csv — one row per distress episode
`student_id, onset_week, decline_weeks, severity, term, failed_courses`

From `onset_week` (the Monday of the week it starts) the student's days decline gradually
over `decline_weeks` (2–4) weeks down to `1 - severity` of normal: fewer canteen meals and
breakfasts, later nights (dorm returns and time online after midnight), fewer library
visits, more absences, less LMS activity, fewer and later coursework submissions, fewer
activities; then it stays low to the end of the window. Exam scores of the term drop by
up to 25 points, so most episodes end in failed courses. `failed_courses` counts failed
first attempts in `term` as written to grades.csv; it is empty when the term's grades
fall after the window.

## lost_contact.csv — one row per spell
`student_id, first_day, last_day, days`

From `first_day` 00:00 to the end of `last_day` (local, at least 3 days) the student has
no record of any kind in any file: no card, access, network, LMS, attendance, coursework,
loan, participation, process record, assessment, award or grade row whose event time or
date (every timestamp column but a coursework `due_at`, which is a deadline, not a trace)
falls in the spell. The student has left campus without a word; the roll-call system
records sign-ins only, so no `absent` rows either. Spells lie inside the window. A
lost-contact student files no leave request at all (leave_requests.csv): the spell is
unannounced.

## Leave requests (in leave_requests.csv, not here)
A resident who goes home over a holiday or vacation (no record on campus those days)
files an approved `home` leave from the morning of the first day away to the return day
(`end_ts` may lie after the window when the vacation does); `returned_at` is filled on the
return day when it falls inside the window, except for about one in ten who never report
back although their records resume (not overdue: they are back). Short `sick` and
`personal` leaves in term time do not take the student off campus; some personal ones are
refused (`approved` false).

## academic_failure.csv — one row per student and term with ≥ 6 failed credits
`student_id, term, attempted_credits, failed_credits`

Computed from the written grades.csv and courses.csv with the definitions of
features.md (`student_term`): first attempts, score < 60 or status absent/cheating.

## dirty.csv — only with `--dirty RATE`
`file, line, row, column, reason`: every injected row. `file` is relative to the output
directory; `line` the physical line (CSV: header = line 1; NDJSON: the line; empty for
Parquet); `row` the 1-based data row; `column` the contract column the engine names
(empty for `bad_row` and `duplicate`); `reason` a contract reason code or `duplicate`
(an exact copy of an earlier row: counted as a duplicate, not quarantined). Ingesting the
dirty set with the clock `radar generate` prints quarantines exactly the non-duplicate rows
and stores exactly the rows of the clean set. `gb18030/` holds GB18030 copies of the
dimension files (ingest them with `--encoding gb18030`); they change nothing.
";

/// A distress episode.
#[derive(Debug, Clone, Copy)]
pub struct Distress {
    /// First day of the decline.
    pub onset: i32,
    /// Days until the low point.
    pub decline: i32,
    /// Share of normal behaviour lost at the low point.
    pub severity: f32,
}

/// A student's hidden traits.
#[derive(Debug, Clone)]
pub struct Traits {
    /// 0–1.
    pub diligence: f32,
    /// Mean exam score.
    pub ability: f32,
    /// Real financial hardship.
    pub hardship: bool,
    /// Online after midnight.
    pub night_owl: bool,
    /// Visits the library most days.
    pub library_regular: bool,
    /// Goes to the gym.
    pub gym_regular: bool,
    /// 0–1, activities.
    pub sociability: f32,
    /// No dorm.
    pub off_campus: bool,
    /// Spending multiplier.
    pub spend: f32,
    /// Breakfast probability on a normal weekday.
    pub breakfast: f32,
    /// Favourite canteen.
    pub canteen: usize,
    /// Distress episode.
    pub distress: Option<Distress>,
    /// Lost-contact spell: first day and length.
    pub lost: Option<(i32, i32)>,
    /// Stays on campus in vacations.
    pub stays: bool,
}

impl Traits {
    /// Share of normal behaviour on a day: 1 outside a distress episode.
    pub fn wellbeing(&self, day: i32) -> f32 {
        match self.distress {
            Some(d) if day >= d.onset => {
                let p = ((day - d.onset + 1) as f32 / d.decline as f32).min(1.0);
                1.0 - d.severity * p
            }
            _ => 1.0,
        }
    }

    /// Whether a local time falls in the lost-contact spell.
    pub fn silent(&self, t: i64) -> bool {
        self.lost.is_some_and(|(d, n)| {
            let day = t.div_euclid(DAY) as i32;
            day >= d && day < d + n
        })
    }
}

/// Draws a student's traits; `window` is (first day, number of days).
pub fn draw_traits(rng: &mut impl Rng, senior: bool, (start, days): (i32, i32)) -> Traits {
    let u: f32 = rng.random();
    let diligence = 0.3 + 0.68 * u.powf(0.6);
    let noise: f32 = rng.random::<f32>() + rng.random::<f32>() + rng.random::<f32>() - 1.5;
    let hardship = rng.random::<f32>() < 0.13;
    let night_owl = rng.random::<f32>() < 0.15;
    let weeks = days / 7;
    let distress = (weeks >= 3 && rng.random::<f32>() < 0.04).then(|| Distress {
        onset: start + 7 * rng.random_range(1..=(weeks - 2).max(1)),
        decline: 7 * rng.random_range(2..=4),
        severity: rng.random_range(0.55..0.85),
    });
    let lost = (days >= 7 && rng.random::<f32>() < 0.012).then(|| {
        let n = rng.random_range(3..=6).min(days);
        (start + rng.random_range(0..=days - n), n)
    });
    Traits {
        diligence,
        ability: 60.0 + 26.0 * diligence + 12.0 * noise,
        hardship,
        night_owl,
        library_regular: rng.random::<f32>() < 0.15 + 0.35 * diligence,
        gym_regular: rng.random::<f32>() < 0.22,
        sociability: rng.random(),
        off_campus: rng.random::<f32>() < if senior { 0.18 } else { 0.03 },
        spend: rng.random_range(0.85..1.3) * if hardship { 0.6 } else { 1.0 },
        breakfast: rng.random_range(0.35..0.95) * if night_owl { 0.5 } else { 1.0 },
        canteen: rng.random_range(0..4),
        distress,
        lost,
        stays: rng.random::<f32>() < 0.12,
    }
}

/// Header of students.csv.
pub const STUDENTS_HEADER: &str = "student_id,diligence,ability,hardship,night_owl,library_regular,gym_regular,sociability,off_campus,distress,lost_contact\n";
/// Header of distress.csv.
pub const DISTRESS_HEADER: &str = "student_id,onset_week,decline_weeks,severity,term,failed_courses\n";
/// Header of lost_contact.csv.
pub const LOST_HEADER: &str = "student_id,first_day,last_day,days\n";
/// Header of academic_failure.csv.
pub const FAILURE_HEADER: &str = "student_id,term,attempted_credits,failed_credits\n";

/// The students.csv line of a student.
pub fn student_line(id: &str, t: &Traits) -> String {
    format!(
        "{id},{:.3},{:.1},{},{},{},{},{:.3},{},{},{}\n",
        t.diligence,
        t.ability,
        t.hardship,
        t.night_owl,
        t.library_regular,
        t.gym_regular,
        t.sociability,
        t.off_campus,
        t.distress.is_some(),
        t.lost.is_some()
    )
}

/// The lost_contact.csv line of a spell.
pub fn lost_line(id: &str, (first, n): (i32, i32)) -> String {
    let mut s = format!("{id},");
    push_date(&mut s, first);
    s.push(',');
    push_date(&mut s, first + n - 1);
    s.push_str(&format!(",{n}\n"));
    s
}

/// The distress.csv line of an episode; `failed` is `None` when the term's grades are
/// not in the window.
pub fn distress_line(id: &str, d: &Distress, term: &str, failed: Option<usize>) -> String {
    let mut s = format!("{id},");
    push_date(&mut s, d.onset);
    let failed = failed.map(|f| f.to_string()).unwrap_or_default();
    s.push_str(&format!(",{},{:.2},{term},{failed}\n", d.decline / 7, d.severity));
    s
}

/// Credits in tenths as text.
pub fn credits_text(tenths: i64) -> String {
    if tenths % 10 == 0 {
        format!("{}", tenths / 10)
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}
