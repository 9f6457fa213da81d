//! Participation (activity hours per 德智体美劳 dimension), LMS activity, and which
//! record kinds the store holds at all.

use std::sync::Arc;

use datafusion::prelude::SessionContext;
use futures::TryStreamExt;
use hashbrown::HashMap;

use super::{dow, each_batch, key, since_filter, Key, Students, Trace, WeekParams};
use crate::features::clock::{monday_of, LocalClock};
use crate::features::cols::{floats, ints, micros, strs};
use crate::features::FeatureError;
use crate::schema::time::Micros;

/// The five evaluation dimensions, in output order.
pub const DIMENSIONS: [&str; 5] = ["moral", "intellectual", "physical", "aesthetic", "labour"];

/// One student-week of participation and LMS activity.
#[derive(Debug, Clone, Default)]
pub struct OtherWeek {
    /// Participation hours per dimension (summed sorted at emit time, so the float sum
    /// does not depend on the order rows arrive in).
    pub hours: Vec<(u8, f64)>,
    /// Whether a participation in a known activity falls in the week (defines the row).
    pub participated: bool,
    /// LMS clicks.
    pub clicks: i64,
    /// Bit `dow` = LMS activity that day.
    pub lms_days: u8,
    /// First activities (no trace: LMS activity does not count for `no_trace_days`).
    pub trace: Trace,
}

/// Folds participation and learning events from `since` on.
pub async fn fold(
    ctx: SessionContext,
    students: Arc<Students>,
    params: WeekParams,
    since: Option<Micros>,
) -> Result<HashMap<Key, OtherWeek>, FeatureError> {
    let mut clock = LocalClock::new(params.tz);
    let mut out: HashMap<Key, OtherWeek> = HashMap::new();
    // Participation in an activity not in `activities` counts in no week (inner join).
    let sql = format!(
        "SELECT p.student_id, p.hours, a.start_ts, a.dimension FROM participation p \
         JOIN activities a ON p.activity_id = a.activity_id WHERE {} AND a.start_ts < {}",
        since_filter("a.start_ts", since),
        super::ts_lit(clock.midnight(params.as_of))
    );
    each_batch(&ctx, &sql, |b| {
        let (sid, hours, start, dim) =
            (strs(b, "student_id")?, floats(b, "hours")?, micros(b, "start_ts")?, strs(b, "dimension")?);
        for i in 0..b.num_rows() {
            let Some(s) = students.get(sid.get(i)) else { continue };
            let (day, _) = clock.local(start.value(i));
            let w = out.entry(key(s, monday_of(day))).or_default();
            w.participated = true;
            if let Some(d) = DIMENSIONS.iter().position(|x| *x == dim.get(i)) {
                w.hours.push((d as u8, hours.value(i)));
            }
        }
        Ok(())
    })
    .await?;
    let sql = format!("SELECT student_id, ts, clicks FROM learning_events WHERE {}", since_filter("ts", since));
    each_batch(&ctx, &sql, |b| {
        let (sid, ts, clicks) = (strs(b, "student_id")?, micros(b, "ts")?, ints(b, "clicks")?);
        for i in 0..b.num_rows() {
            let Some(s) = students.get(sid.get(i)) else { continue };
            let (day, tod) = clock.local(ts.value(i));
            let w = out.entry(key(s, monday_of(day))).or_default();
            w.clicks += clicks.value(i);
            w.lms_days |= 1 << dow(day);
            w.trace.note(dow(day), tod, false);
        }
        Ok(())
    })
    .await?;
    Ok(out)
}

/// Record kinds with at least one record visible to this refresh.
#[derive(Debug, Clone, Copy, Default)]
pub struct Present {
    /// card_transactions.
    pub card: bool,
    /// access_events.
    pub access: bool,
    /// network_sessions.
    pub network: bool,
    /// attendance.
    pub attendance: bool,
    /// participation.
    pub participation: bool,
    /// learning_events.
    pub learning: bool,
}

async fn any(ctx: &SessionContext, table: &str) -> Result<bool, FeatureError> {
    let batches: Vec<arrow::array::RecordBatch> =
        ctx.sql(&format!("SELECT 1 FROM {table} LIMIT 1")).await?.execute_stream().await?.try_collect().await?;
    Ok(batches.iter().any(|b| b.num_rows() > 0))
}

/// Which kinds the store holds (absent data is not absent activity: features of an
/// absent kind are null, not 0).
pub async fn present_kinds(ctx: &SessionContext) -> Result<Present, FeatureError> {
    Ok(Present {
        card: any(ctx, "card_transactions").await?,
        access: any(ctx, "access_events").await?,
        network: any(ctx, "network_sessions").await?,
        attendance: any(ctx, "attendance").await?,
        participation: any(ctx, "participation").await?,
        learning: any(ctx, "learning_events").await?,
    })
}
