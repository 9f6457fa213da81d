//! The population: colleges and majors in use, classes, students with their dorms,
//! counsellors (~200 students each) and mentors (at most 8 each), and the other staff.

use rand::Rng;

use super::calendar::Term;
use super::catalog::{COLLEGES, GIVEN_F, GIVEN_M, PROVINCES, SURNAMES};
use super::truth::{draw_traits, Traits};
use super::{seeded, Stream};

/// Degree level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Degree {
    /// Bachelor, 8 semesters.
    Under,
    /// Master, 6 semesters.
    Master,
    /// Doctoral, 8 semesters.
    Doctor,
}

impl Degree {
    /// Contract value.
    pub fn name(self) -> &'static str {
        match self {
            Degree::Under => "undergraduate",
            Degree::Master => "master",
            Degree::Doctor => "doctoral",
        }
    }
}

/// A class (班级): students of one major, cohort and degree taught together.
#[derive(Debug, Clone)]
pub struct Class {
    /// `计科2301`.
    pub id: String,
    /// College index into `COLLEGES`.
    pub college: usize,
    /// Major index within the college.
    pub major: usize,
    /// Year of enrolment.
    pub cohort: i32,
    /// Degree.
    pub degree: Degree,
}

/// A dorm bed.
#[derive(Debug, Clone)]
pub struct Dorm {
    /// Building id.
    pub building: String,
    /// Floor.
    pub floor: u32,
    /// Room number.
    pub room: String,
}

/// A student and their hidden traits.
#[derive(Debug, Clone)]
pub struct Student {
    /// Index in the population (the per-student RNG is derived from it).
    pub idx: u32,
    /// `student_id`.
    pub id: String,
    /// Personal name.
    pub name: String,
    /// `M` / `F`.
    pub gender: &'static str,
    /// Class index.
    pub class: usize,
    /// Dorm bed; `None` lives off campus.
    pub dorm: Option<Dorm>,
    /// Counsellor staff id.
    pub counsellor: String,
    /// Mentor staff id.
    pub mentor: Option<String>,
    /// Political status.
    pub political: &'static str,
    /// Home province ("" unknown).
    pub province: &'static str,
    /// Financial aid level.
    pub aid: &'static str,
    /// Enrolment status.
    pub status: &'static str,
    /// Planted truth.
    pub traits: Traits,
}

/// A staff member.
#[derive(Debug, Clone)]
pub struct Staff {
    /// `staff_id` (leading zeros).
    pub id: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: &'static str,
    /// College name or "".
    pub college: String,
    /// Community building or "".
    pub building: String,
}

/// Everything about who is on campus.
#[derive(Debug, Default)]
pub struct People {
    /// Classes.
    pub classes: Vec<Class>,
    /// Students in id order.
    pub students: Vec<Student>,
    /// Staff.
    pub staff: Vec<Staff>,
    /// Colleges in use.
    pub colleges: usize,
    /// Beds taken: men's, women's and graduate buildings.
    beds: [usize; 3],
}

/// Builds `n` students on a campus whose academic year starts in `year`.
pub fn build(n: u32, year: i32, first: Term, seed: u64, start_day: i32, days: i32) -> People {
    let mut rng = seeded(seed, 0, Stream::Campus);
    let majors: Vec<(usize, usize)> = major_order().into_iter().take(major_count(n)).collect();
    let colleges = majors.iter().map(|m| m.0).max().map_or(1, |m| m + 1);
    let mut p = People { colleges, ..People::default() };
    add_fixed_staff(&mut p, &mut rng);
    // Degree mix: 82% bachelor, 15% master, 3% doctoral, spread over majors and cohorts.
    let plan: [(Degree, f64, &[i32]); 3] = [
        (Degree::Under, 0.82, &[0, 1, 2, 3]),
        (Degree::Master, 0.15, &[0, 1, 2]),
        (Degree::Doctor, 0.03, &[0, 1, 2, 3]),
    ];
    let mut left = n as usize;
    for (di, (degree, share, ages)) in plan.iter().enumerate() {
        let groups = majors.len() * ages.len();
        let total = if di == 2 { left } else { ((f64::from(n) * share).round() as usize).min(left) };
        left -= total;
        for g in 0..groups {
            let size = total / groups + usize::from(g < total % groups);
            let (c, m) = majors[g % majors.len()];
            let cohort = year - ages[g / majors.len()];
            add_group(&mut p, &mut rng, (c, m, cohort, *degree), size, seed, first, (start_day, days));
        }
    }
    assign_counsellors(&mut p);
    p
}

/// How many majors a campus of `n` students uses: about 800 students a major.
fn major_count(n: u32) -> usize {
    let all: usize = COLLEGES.iter().map(|c| c.1.len()).sum();
    (n as usize).div_ceil(800).clamp(3, all)
}

/// Majors round-robin over colleges, so a small campus still has several colleges.
fn major_order() -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for m in 0..3 {
        for (c, (_, majors)) in COLLEGES.iter().enumerate() {
            if m < majors.len() {
                out.push((c, m));
            }
        }
    }
    out
}

fn name(rng: &mut impl Rng, male: bool) -> String {
    let pool = if male { GIVEN_M } else { GIVEN_F };
    let mut s = SURNAMES[rng.random_range(0..SURNAMES.len())].to_string();
    s.push_str(pool[rng.random_range(0..pool.len())]);
    if rng.random::<f32>() < 0.65 {
        s.push_str(pool[rng.random_range(0..pool.len())]);
    }
    s
}

fn add_staff(p: &mut People, rng: &mut impl Rng, role: &'static str, college: &str, bld: &str) -> String {
    let id = format!("{:05}", p.staff.len() + 1);
    let male = rng.random::<bool>();
    p.staff.push(Staff {
        id: id.clone(),
        name: name(rng, male),
        role,
        college: college.to_string(),
        building: bld.to_string(),
    });
    id
}

fn add_fixed_staff(p: &mut People, rng: &mut impl Rng) {
    for (c, (college, _)) in COLLEGES.iter().enumerate().take(p.colleges) {
        add_staff(p, rng, "leader", college, "");
        add_staff(p, rng, "party_secretary", college, &format!("D{:02}", c + 1));
    }
    add_staff(p, rng, "psychologist", "", "D02");
    add_staff(p, rng, "psychologist", "", "D32");
    add_staff(p, rng, "career_advisor", "", "D03");
}

type Group = (usize, usize, i32, Degree);

fn add_group(
    p: &mut People,
    rng: &mut impl Rng,
    (college, major, cohort, degree): Group,
    size: usize,
    seed: u64,
    first: Term,
    window: (i32, i32),
) {
    let per_class = if degree == Degree::Under { 32 } else { 40 };
    let short = COLLEGES[college].1[major].1;
    let base = p.classes.len();
    let tag = match degree {
        Degree::Under => "",
        Degree::Master => "硕",
        Degree::Doctor => "博",
    };
    for k in 0..size.div_ceil(per_class) {
        p.classes.push(Class {
            id: format!("{short}{tag}{:02}{:02}", cohort % 100, k + 1),
            college,
            major,
            cohort,
            degree,
        });
    }
    let digit = match degree {
        Degree::Under => 1,
        Degree::Master => 2,
        Degree::Doctor => 3,
    };
    let mentor_size = if degree == Degree::Under { 8 } else { 5 };
    let mut mentor = String::new();
    for seq in 0..size {
        let idx = p.students.len() as u32;
        let mut srng = seeded(seed, u64::from(idx), Stream::Traits);
        let female_share = [0.3, 0.6, 0.8, 0.3, 0.2, 0.7, 0.45, 0.6, 0.45, 0.3, 0.7, 0.55][college];
        let male = srng.random::<f64>() >= female_share;
        let id = format!("{cohort}{:02}{:02}{digit}{:03}", college + 1, major + 1, seq + 1);
        let senior = degree != Degree::Under || first.semester_of(cohort) >= 7;
        let traits = draw_traits(&mut srng, senior, window);
        if seq % mentor_size == 0 {
            mentor = add_staff(p, rng, "mentor", COLLEGES[college].0, "");
        }
        let freshman_without_mentor = degree == Degree::Under && first.semester_of(cohort) <= 1 && college % 2 == 1;
        let dorm = (!traits.off_campus).then(|| dorm_for(p, male, degree));
        p.students.push(Student {
            idx,
            id,
            name: name(&mut srng, male),
            gender: if male { "M" } else { "F" },
            class: base + seq / per_class,
            dorm,
            counsellor: String::new(),
            mentor: (!freshman_without_mentor).then(|| mentor.clone()),
            political: political(&mut srng, first.semester_of(cohort), degree),
            province: province(&mut srng),
            aid: aid_level(&mut srng, traits.hardship),
            status: if srng.random::<f32>() < 0.004 { "suspended" } else { "active" },
            traits,
        });
    }
}

/// Beds fill building by building: 6 floors × 30 rooms × 4 beds; men from D01, women
/// from D31, graduate students in G buildings.
fn dorm_for(p: &mut People, male: bool, degree: Degree) -> Dorm {
    let (prefix, first, slot) = match (degree, male) {
        (Degree::Under, true) => ("D", 1, 0),
        (Degree::Under, false) => ("D", 31, 1),
        _ => ("G", 1, 2),
    };
    let bed = p.beds[slot];
    p.beds[slot] += 1;
    let (building, rest) = (bed / 720, bed % 720);
    let (floor, room) = (rest / 120 + 1, rest % 120 / 4 + 1);
    Dorm {
        building: format!("{prefix}{:02}", first + building),
        floor: floor as u32,
        room: format!("{floor}{room:02}"),
    }
}

fn political(rng: &mut impl Rng, sem: i32, degree: Degree) -> &'static str {
    const V: [&str; 5] = ["party_member", "probationary_member", "activist", "league_member", "masses"];
    let w: [u32; 5] = match (degree, sem) {
        (Degree::Under, s) if s >= 5 => [10, 6, 14, 62, 8],
        (Degree::Under, _) => [1, 2, 10, 80, 7],
        _ => [30, 8, 10, 45, 7],
    };
    pick(rng, &V, &w)
}

fn province(rng: &mut impl Rng) -> &'static str {
    if rng.random::<f32>() < 0.04 {
        return "";
    }
    let names: Vec<&'static str> = PROVINCES.iter().map(|p| p.0).collect();
    let w: Vec<u32> = PROVINCES.iter().map(|p| p.1).collect();
    pick(rng, &names, &w)
}

/// Recognised aid mostly follows real hardship, but not always: hidden hardship exists.
fn aid_level(rng: &mut impl Rng, hardship: bool) -> &'static str {
    const V: [&str; 4] = ["none", "general", "hardship", "special_hardship"];
    let w: [u32; 4] = if hardship { [15, 15, 45, 25] } else { [86, 12, 2, 0] };
    pick(rng, &V, &w)
}

/// A weighted choice.
pub fn pick<T: Copy>(rng: &mut impl Rng, values: &[T], weights: &[u32]) -> T {
    let total: u32 = weights.iter().sum();
    let mut x = rng.random_range(0..total.max(1));
    for (v, w) in values.iter().zip(weights) {
        if x < *w {
            return *v;
        }
        x -= w;
    }
    values[values.len() - 1]
}

/// About 200 students per counsellor: students of one college and cohort (graduate
/// students per college) in contiguous chunks.
fn assign_counsellors(p: &mut People) {
    let mut groups: std::collections::BTreeMap<(usize, i32), Vec<usize>> = Default::default();
    for (i, s) in p.students.iter().enumerate() {
        let c = &p.classes[s.class];
        let cohort = if c.degree == Degree::Under { c.cohort } else { 0 };
        groups.entry((c.college, cohort)).or_default().push(i);
    }
    let mut rng = seeded(0, 0, Stream::Campus);
    for ((college, _), members) in groups {
        let k = members.len().div_ceil(200);
        let ids: Vec<String> = (0..k)
            .map(|j| add_staff(p, &mut rng, "counsellor", COLLEGES[college].0, &format!("D{:02}", 1 + j % 40)))
            .collect();
        for (j, i) in members.iter().enumerate() {
            p.students[*i].counsellor = ids[j * k / members.len()].clone();
        }
    }
}
