//! The students recommendations are for and learn from. Only ids, college, major, cohort,
//! degree level and status are read from `students`: never names, and none of the
//! protected or sensitive columns (gender, province, political status, aid level).

use std::collections::HashMap;

use datafusion::prelude::SessionContext;
use futures::TryStreamExt;

use super::RecommendError;
use crate::features::cols::{ints, strs};

/// Every student of the store (any status: graduates' histories teach the recommender
/// too), sorted by id.
#[derive(Debug, Default)]
pub struct People {
    /// student_id, sorted.
    pub ids: Vec<String>,
    /// College names, sorted; [`People::college`] indexes it.
    pub colleges: Vec<String>,
    /// College of each student.
    pub college: Vec<u32>,
    /// (college, major) of each student, as one index.
    pub major: Vec<u32>,
    /// Cohort (year of enrolment).
    pub cohort: Vec<i32>,
    /// Degree level.
    pub degree: Vec<String>,
    /// Status `active`.
    pub active: Vec<bool>,
    index: HashMap<String, u32>,
}

impl People {
    /// Reads `students`.
    pub async fn load(ctx: &SessionContext, tables: &[String]) -> Result<People, RecommendError> {
        let mut rows: Vec<(String, String, String, i32, String, bool)> = Vec::new();
        if tables.iter().any(|t| t == "students") {
            let sql = "SELECT student_id, college, major, CAST(cohort AS BIGINT) AS cohort, degree_level, status \
                       FROM students";
            let mut stream = ctx.sql(sql).await?.execute_stream().await?;
            while let Some(b) = stream.try_next().await? {
                let (id, college, major) = (strs(&b, "student_id")?, strs(&b, "college")?, strs(&b, "major")?);
                let (cohort, degree, status) = (ints(&b, "cohort")?, strs(&b, "degree_level")?, strs(&b, "status")?);
                for i in 0..b.num_rows() {
                    rows.push((
                        id.get(i).to_string(),
                        college.get(i).to_string(),
                        major.get(i).to_string(),
                        cohort.value(i) as i32,
                        degree.get(i).to_string(),
                        status.get(i) == "active",
                    ));
                }
            }
        }
        rows.sort();
        rows.dedup_by(|a, b| a.0 == b.0);
        let mut colleges: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
        colleges.sort();
        colleges.dedup();
        let mut majors: Vec<(String, String)> = rows.iter().map(|r| (r.1.clone(), r.2.clone())).collect();
        majors.sort();
        majors.dedup();
        let mut p = People { colleges, ..People::default() };
        for (i, (id, college, major, cohort, degree, active)) in rows.into_iter().enumerate() {
            let c = p.colleges.binary_search(&college).unwrap_or(0);
            let m = majors.binary_search(&(college, major)).unwrap_or(0);
            p.index.insert(id.clone(), i as u32);
            p.ids.push(id);
            p.college.push(c as u32);
            p.major.push(m as u32);
            p.cohort.push(cohort);
            p.degree.push(degree);
            p.active.push(active);
        }
        Ok(p)
    }

    /// Number of students.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Index of a student id.
    pub fn index(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    /// Year of study at the as-of date (1 = first year): academic years start in August.
    pub fn year_of_study(&self, u: usize, as_of: i32) -> i32 {
        use chrono::Datelike;
        let d = crate::schema::time::days_to_date(as_of);
        let year = if d.month() >= 8 { d.year() } else { d.year() - 1 };
        year - self.cohort[u] + 1
    }

    /// Cold-start group of a student: college and cohort.
    pub fn group(&self, u: usize) -> (u32, i32) {
        (self.college[u], self.cohort[u])
    }

    /// Every student's group as one key ([`group_key`]).
    pub fn group_keys(&self) -> Vec<u64> {
        (0..self.len()).map(|u| group_key(self.group(u))).collect()
    }
}

/// A (college, cohort) group as one number.
pub fn group_key((college, cohort): (u32, i32)) -> u64 {
    (u64::from(college) << 32) | u64::from(cohort as u32)
}
