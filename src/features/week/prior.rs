//! Chain states carried across the `since` boundary of an incremental run, read from the
//! published row of the week before `since`.

use datafusion::prelude::SessionContext;
use hashbrown::{HashMap, HashSet};

use super::attend::Streak;
use super::{each_batch, Students, WeekParams};
use crate::features::cols::{ints, micros, strs};
use crate::features::FeatureError;
use crate::schema::time::{days_to_date, Micros};

/// States at the end of the week before `since`.
#[derive(Debug, Default)]
pub struct Prior {
    /// Students with a row in that week: their rows continue from `since`.
    pub has_row: HashSet<u32>,
    /// Last counted library visit.
    pub library_last: HashMap<u32, Micros>,
    /// Attendance streaks.
    pub streak: HashMap<u32, Streak>,
}

impl Prior {
    /// Reads the states; empty for a full run.
    pub async fn load(ctx: &SessionContext, params: &WeekParams, students: &Students) -> Result<Prior, FeatureError> {
        let mut prior = Prior::default();
        let (Some(since), Some(previous)) = (params.since, params.previous.as_ref()) else {
            return Ok(prior);
        };
        let week = days_to_date(since - 7).format("%Y-%m-%d");
        let sql = format!(
            "SELECT student_id, library_last_visit, absent_streak, present_streak FROM {previous} \
             WHERE week_start = DATE '{week}'"
        );
        each_batch(ctx, &sql, |b| {
            let (sid, lib) = (strs(b, "student_id")?, micros(b, "library_last_visit")?);
            let (absent, present) = (ints(b, "absent_streak")?, ints(b, "present_streak")?);
            for i in 0..b.num_rows() {
                let Some(s) = students.get(sid.get(i)) else { continue };
                prior.has_row.insert(s);
                if !arrow::array::Array::is_null(lib, i) {
                    prior.library_last.insert(s, lib.value(i));
                }
                if !arrow::array::Array::is_null(absent, i) {
                    prior.streak.insert(s, Streak { absent: absent.value(i), attended: present.value(i) });
                }
            }
            Ok(())
        })
        .await?;
        Ok(prior)
    }
}
