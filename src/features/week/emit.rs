//! Turns the per-kind accumulators into `student_week` rows: every week from a student's
//! first to last week with a record, zero-filled, with nulls for kinds the store lacks.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Date32Builder, Decimal128Builder, Float64Builder, Int64Builder, RecordBatch, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use hashbrown::HashMap;

use super::access::{library_chain, AccessPart, AccessWeek};
use super::attend::{streaks, AttendPart, AttendWeek, Streak};
use super::card::{entropy, CardWeek, BINS};
use super::network::NetWeek;
use super::other::{OtherWeek, Present, DIMENSIONS};
use super::prior::Prior;
use super::{key, unkey, Key, Students, Trace, WeekParams, BATCH_ROWS};
use crate::features::clock::{LocalClock, HOUR, MINUTE};
use crate::features::FeatureError;

/// The accumulators of every kind.
pub struct Parts {
    /// Card transactions.
    pub card: HashMap<Key, CardWeek>,
    /// Access events.
    pub access: AccessPart,
    /// Network sessions.
    pub network: HashMap<Key, NetWeek>,
    /// Attendance.
    pub attend: AttendPart,
    /// Participation and LMS.
    pub other: HashMap<Key, OtherWeek>,
}

const COLUMNS: &[(&str, Kind)] = &[
    ("meals", Kind::Int),
    ("breakfast_days", Kind::Int),
    ("canteen_spend", Kind::Money),
    ("total_spend", Kind::Money),
    ("meal_time_entropy", Kind::Float),
    ("late_returns", Kind::Int),
    ("library_visits", Kind::Int),
    ("online_hours", Kind::Float),
    ("night_online_hours", Kind::Float),
    ("attendance_rate", Kind::Float),
    ("activity_hours", Kind::Float),
    ("no_trace_days", Kind::Int),
    ("canteen_purchases", Kind::Int),
    ("shower_count", Kind::Int),
    ("shower_time_entropy", Kind::Float),
    ("orderliness", Kind::Float),
    ("wake_up_minutes", Kind::Float),
    ("wake_up_days", Kind::Int),
    ("lms_clicks", Kind::Int),
    ("lms_active_days", Kind::Int),
    ("attendance_sessions", Kind::Int),
    ("attendance_absences", Kind::Int),
    ("absent_streak", Kind::Int),
    ("present_streak", Kind::Int),
    ("activity_hours_moral", Kind::Float),
    ("activity_hours_intellectual", Kind::Float),
    ("activity_hours_physical", Kind::Float),
    ("activity_hours_aesthetic", Kind::Float),
    ("activity_hours_labour", Kind::Float),
];

#[derive(Clone, Copy)]
enum Kind {
    Int,
    Float,
    Money,
}

/// The output schema of `student_week`.
pub fn schema() -> SchemaRef {
    let mut fields =
        vec![Field::new("student_id", DataType::Utf8, false), Field::new("week_start", DataType::Date32, false)];
    for (name, kind) in COLUMNS {
        let ty = match kind {
            Kind::Int => DataType::Int64,
            Kind::Float => DataType::Float64,
            Kind::Money => DataType::Decimal128(18, 2),
        };
        fields.push(Field::new(*name, ty, true));
    }
    fields.push(Field::new("library_last_visit", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), true));
    Arc::new(Schema::new(fields))
}

enum Col {
    Int(Int64Builder),
    Float(Float64Builder),
    Money(Decimal128Builder),
}

/// One value of a row.
#[derive(Clone, Copy)]
enum V {
    I(Option<i64>),
    F(Option<f64>),
}

struct Builder {
    ids: StringBuilder,
    weeks: Date32Builder,
    cols: Vec<Col>,
    last_visit: TimestampMicrosecondBuilder,
    rows: usize,
}

impl Builder {
    fn new() -> Builder {
        let cols = COLUMNS
            .iter()
            .map(|(_, k)| match k {
                Kind::Int => Col::Int(Int64Builder::new()),
                Kind::Float => Col::Float(Float64Builder::new()),
                Kind::Money => Col::Money(Decimal128Builder::new().with_data_type(DataType::Decimal128(18, 2))),
            })
            .collect();
        Builder {
            ids: StringBuilder::new(),
            weeks: Date32Builder::new(),
            cols,
            last_visit: TimestampMicrosecondBuilder::new().with_timezone("UTC"),
            rows: 0,
        }
    }

    fn push(&mut self, id: &str, week: i32, values: &[V], last_visit: Option<i64>) {
        self.ids.append_value(id);
        self.weeks.append_value(week);
        for (c, v) in self.cols.iter_mut().zip(values) {
            match (c, v) {
                (Col::Int(b), V::I(x)) => b.append_option(*x),
                (Col::Money(b), V::I(x)) => b.append_option(x.map(i128::from)),
                (Col::Float(b), V::F(x)) => b.append_option(*x),
                (Col::Int(b), V::F(_)) => b.append_null(),
                (Col::Money(b), V::F(_)) => b.append_null(),
                (Col::Float(b), V::I(_)) => b.append_null(),
            }
        }
        self.last_visit.append_option(last_visit);
        self.rows += 1;
    }

    fn finish(&mut self) -> Result<RecordBatch, FeatureError> {
        let mut arrays: Vec<ArrayRef> = vec![Arc::new(self.ids.finish()), Arc::new(self.weeks.finish())];
        for c in &mut self.cols {
            arrays.push(match c {
                Col::Int(b) => Arc::new(b.finish()),
                Col::Float(b) => Arc::new(b.finish()),
                Col::Money(b) => Arc::new(b.finish()),
            });
        }
        arrays.push(Arc::new(self.last_visit.finish().with_timezone("UTC")));
        self.rows = 0;
        Ok(RecordBatch::try_new(schema(), arrays)?)
    }
}

fn count(bits: u32, present: bool) -> V {
    V::I(present.then_some(i64::from(bits.count_ones())))
}

fn int(x: i64, present: bool) -> V {
    V::I(present.then_some(x))
}

fn sorted_sum(mut xs: Vec<f64>) -> f64 {
    xs.sort_unstable_by(f64::total_cmp);
    // Fold from +0.0: an empty `Sum` of floats is -0.0.
    xs.iter().fold(0.0, |a, b| a + b)
}

/// Builds the rows of the recomputed weeks.
pub fn emit(
    students: &Students,
    params: &WeekParams,
    span: Option<(i32, i32)>,
    prior: &Prior,
    present: &Present,
    mut parts: Parts,
) -> Result<Vec<RecordBatch>, FeatureError> {
    let mut clock = LocalClock::new(params.tz);
    let since = params.since.unwrap_or(i32::MIN);
    // Weeks that hold a row-defining record, per student.
    let mut range: HashMap<u32, (i32, i32)> = HashMap::new();
    let mut define = |k: Key| {
        let (s, w) = unkey(k);
        let r = range.entry(s).or_insert((w, w));
        r.0 = r.0.min(w);
        r.1 = r.1.max(w);
    };
    parts.card.keys().copied().for_each(&mut define);
    parts.access.weeks.iter().filter(|(_, a)| a.trace.days != 0).for_each(|(k, _)| define(*k));
    parts.network.keys().copied().for_each(&mut define);
    parts.attend.weeks.keys().copied().for_each(&mut define);
    parts.other.iter().filter(|(_, o)| o.participated).for_each(|(k, _)| define(*k));

    // The two history chains are independent: one thread each.
    let (ins, sessions) = (std::mem::take(&mut parts.access.library_ins), std::mem::take(&mut parts.attend.sessions));
    let tz = params.tz;
    let (library, streak) = std::thread::scope(|scope| {
        let lib = scope.spawn(|| library_chain(ins, &prior.library_last, &mut LocalClock::new(tz)));
        let streak = streaks(sessions, &prior.streak, &mut clock);
        (lib.join(), streak)
    });
    let library = library.map_err(|_| FeatureError::Task("library chain worker panicked".into()))?;

    let mut order: Vec<(u32, (i32, i32))> = range.into_iter().collect();
    order.sort_unstable();
    let rows = Rows { students, since, span, prior, present, parts: &parts, library: &library, streak: &streak };
    // Students are independent here: two threads each build the rows of half of them.
    let (a, b) = order.split_at(order.len().div_ceil(2));
    let (left, right) = std::thread::scope(|scope| {
        let left = scope.spawn(|| rows.build(a));
        let right = rows.build(b);
        (left.join(), right)
    });
    let mut out = left.map_err(|_| FeatureError::Task("student_week worker panicked".into()))??;
    out.extend(right?);
    if out.is_empty() {
        out.push(Builder::new().finish()?);
    }
    Ok(out)
}

struct Rows<'a> {
    students: &'a Students,
    since: i32,
    span: Option<(i32, i32)>,
    prior: &'a Prior,
    present: &'a Present,
    parts: &'a Parts,
    library: &'a HashMap<Key, (i64, i64)>,
    streak: &'a HashMap<Key, Streak>,
}

impl Rows<'_> {
    fn build(&self, order: &[(u32, (i32, i32))]) -> Result<Vec<RecordBatch>, FeatureError> {
        let Rows { students, since, span, prior, present, parts, library, streak } = *self;
        let mut out = Vec::new();
        let mut b = Builder::new();
        let any_trace_kind = present.card || present.access || present.network;
        let (empty_card, empty_access, empty_net, empty_att, empty_other) = (
            CardWeek::default(),
            AccessWeek::default(),
            NetWeek::default(),
            AttendWeek::default(),
            OtherWeek::default(),
        );
        for &(s, (first, last)) in order {
            let start = if prior.has_row.contains(&s) { since } else { first };
            let mut lib_last = prior.library_last.get(&s).copied();
            let mut st: Streak = prior.streak.get(&s).copied().unwrap_or_default();
            let id = &students.ids[s as usize];
            let mut w = start;
            while w <= last {
                let k = key(s, w);
                let card = parts.card.get(&k).unwrap_or(&empty_card);
                let access = parts.access.weeks.get(&k).unwrap_or(&empty_access);
                let net = parts.network.get(&k).unwrap_or(&empty_net);
                let att = parts.attend.weeks.get(&k).unwrap_or(&empty_att);
                let other = parts.other.get(&k).unwrap_or(&empty_other);
                let (visits, visit_last) = library.get(&k).copied().map_or((0, None), |(n, t)| (n, Some(t)));
                if visit_last.is_some() {
                    lib_last = visit_last;
                }
                if let Some(x) = streak.get(&k) {
                    st = *x;
                }
                let mut trace = Trace::default();
                for t in [&card.trace, &access.trace, &net.trace, &other.trace] {
                    trace.merge(t);
                }
                let no_trace = match (any_trace_kind, span) {
                    (true, Some((lo, hi))) => {
                        let n = (0..7).filter(|i| (lo..=hi).contains(&(w + i)) && trace.days & (1 << i) == 0).count();
                        Some(n as i64)
                    }
                    (true, None) => Some(0),
                    _ => None,
                };
                let wake: Vec<i64> = trace.first.iter().copied().filter(|&t| t != i64::MAX).collect();
                let wake_mean =
                    (!wake.is_empty()).then(|| wake.iter().sum::<i64>() as f64 / wake.len() as f64 / MINUTE as f64);
                let meal_h = if present.card { entropy(&card.meal_bins) } else { None };
                let shower_h = if present.card { entropy(&card.shower_bins) } else { None };
                let norm: Vec<f64> = [meal_h, shower_h].iter().flatten().map(|h| h / (BINS as f64).log2()).collect();
                let orderliness = (!norm.is_empty()).then(|| 1.0 - norm.iter().sum::<f64>() / norm.len() as f64);
                let dims: Vec<V> = (0..DIMENSIONS.len())
                    .map(|d| {
                        let xs = other.hours.iter().filter(|(x, _)| *x as usize == d).map(|(_, h)| *h).collect();
                        V::F(present.participation.then(|| sorted_sum(xs)))
                    })
                    .collect();
                let rated = att.attended + att.absent;
                let pa = present.attendance;
                let canteen_n: u32 = card.meal_bins.iter().sum();
                let shower_n: u32 = card.shower_bins.iter().sum();
                let mut values = vec![
                    count(card.meals, present.card),
                    count(u32::from(card.breakfast), present.card),
                    int(card.canteen_cents, present.card),
                    int(card.total_cents, present.card),
                    V::F(meal_h),
                    count(u32::from(access.late_nights), present.access),
                    int(visits, present.access),
                    V::F(present.network.then(|| net.online as f64 / HOUR as f64)),
                    V::F(present.network.then(|| net.night as f64 / HOUR as f64)),
                    V::F((rated > 0).then(|| att.attended as f64 / rated as f64)),
                    V::F(present.participation.then(|| sorted_sum(other.hours.iter().map(|(_, h)| *h).collect()))),
                    V::I(no_trace),
                    int(i64::from(canteen_n), present.card),
                    int(i64::from(shower_n), present.card),
                    V::F(shower_h),
                    V::F(orderliness),
                    V::F(wake_mean),
                    V::I(Some(wake.len() as i64)),
                    int(other.clicks, present.learning),
                    count(u32::from(other.lms_days), present.learning),
                    int(rated, pa),
                    int(att.absent, pa),
                    int(st.absent, pa),
                    int(st.attended, pa),
                ];
                values.extend(dims);
                b.push(id, w, &values, if present.access { lib_last } else { None });
                if b.rows >= BATCH_ROWS {
                    out.push(b.finish()?);
                }
                w += 7;
            }
        }
        if b.rows > 0 {
            out.push(b.finish()?);
        }
        Ok(out)
    }
}
