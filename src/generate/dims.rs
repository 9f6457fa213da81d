//! The dimension files (students, staff, courses, activities, calendar) as rows.

use super::catalog::COLLEGES;
use super::rows::{Form, Rows};
use super::sim::Out;
use super::{Campus, K};

/// Rows of the five dimension kinds.
pub fn dimensions(c: &Campus) -> Out {
    let mut out = Out::new();
    students(c, &mut out.rows[K::Students as usize]);
    staff(c, &mut out.rows[K::Staff as usize]);
    courses(c, &mut out.rows[K::Courses as usize]);
    activities(c, &mut out.rows[K::Activities as usize]);
    super::leave::calendar(&c.cal, &mut out.rows[K::Calendar as usize]);
    out
}

fn students(c: &Campus, r: &mut Rows) {
    for s in &c.people.students {
        let class = &c.people.classes[s.class];
        let (college, majors) = COLLEGES[class.college];
        r.s(&s.id).s(&s.name).s(s.gender).s(college).s(majors[class.major].0);
        r.s(&class.id).int(i64::from(class.cohort)).s(class.degree.name());
        match &s.dorm {
            Some(d) => r.s(&d.building).int(i64::from(d.floor)).s(&d.room),
            None => r.null().null().null(),
        };
        r.s(&s.counsellor);
        match &s.mentor {
            Some(m) => r.s(m),
            None => r.null(),
        };
        r.s(s.political).s(s.province).s(s.aid).s(s.status);
    }
}

fn staff(c: &Campus, r: &mut Rows) {
    for s in &c.people.staff {
        r.s(&s.id).s(&s.name).s(s.role).s(&s.college).s(&s.building);
    }
}

fn courses(c: &Campus, r: &mut Rows) {
    for k in &c.cur.courses {
        r.s(&k.id).s(&k.name);
        r.with(|t| t.push_str(&super::truth::credits_text(k.credits)));
        r.s(k.category).s(k.college);
    }
}

fn activities(c: &Campus, r: &mut Rows) {
    for (i, a) in c.activities.iter().enumerate() {
        // Exports differ: most activity systems write an offset, some naive local time.
        let form = if i % 4 == 3 { Form::Naive } else { Form::Offset };
        r.s(&a.id).s(&a.title).s(a.category).s(a.dimension).s(a.organiser);
        r.ts(&c.cal, a.start, form).ts(&c.cal, a.end, form).s(a.location);
    }
}
