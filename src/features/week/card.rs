//! Card transactions: meals, breakfasts, spending, meal-time and shower-time entropy.

use std::sync::Arc;

use datafusion::prelude::SessionContext;
use hashbrown::HashMap;

use super::{dow, each_batch, key, since_filter, Key, Students, Trace, WeekParams};
use crate::features::clock::{monday_of, LocalClock, HOUR, MINUTE};
use crate::features::cols::{bools, decimals, micros, strs};
use crate::features::FeatureError;
use crate::schema::time::Micros;

/// Half-hour bins of a day.
pub const BINS: usize = 48;

/// One student-week of card activity.
#[derive(Debug, Clone)]
pub struct CardWeek {
    /// Bit `dow * 3 + slot` = a canteen purchase in that meal slot on that day.
    pub meals: u32,
    /// Bit `dow` = a canteen purchase in the breakfast slot that day.
    pub breakfast: u8,
    /// Canteen purchase total in cents.
    pub canteen_cents: i64,
    /// Purchase total in cents.
    pub total_cents: i64,
    /// Canteen purchases per half-hour of the day.
    pub meal_bins: [u32; BINS],
    /// Shower purchases per half-hour of the day.
    pub shower_bins: [u32; BINS],
    /// Traces and first activities.
    pub trace: Trace,
}

impl Default for CardWeek {
    fn default() -> Self {
        CardWeek {
            meals: 0,
            breakfast: 0,
            canteen_cents: 0,
            total_cents: 0,
            meal_bins: [0; BINS],
            shower_bins: [0; BINS],
            trace: Trace::default(),
        }
    }
}

/// Meal slot of a local time of day: breakfast [06:00, 10:00), lunch [10:00, 14:30),
/// dinner [16:00, 20:30).
pub fn slot(tod: i64) -> Option<usize> {
    if (6 * HOUR..10 * HOUR).contains(&tod) {
        Some(0)
    } else if (10 * HOUR..14 * HOUR + 30 * MINUTE).contains(&tod) {
        Some(1)
    } else if (16 * HOUR..20 * HOUR + 30 * MINUTE).contains(&tod) {
        Some(2)
    } else {
        None
    }
}

/// Half-hour bin of a time of day.
pub fn bin(tod: i64) -> usize {
    ((tod / (30 * MINUTE)) as usize).min(BINS - 1)
}

/// Folds every card transaction from `since` on.
pub async fn fold(
    ctx: SessionContext,
    students: Arc<Students>,
    params: WeekParams,
    since: Option<Micros>,
) -> Result<HashMap<Key, CardWeek>, FeatureError> {
    let mut clock = LocalClock::new(params.tz);
    let mut out: HashMap<Key, CardWeek> = HashMap::new();
    let sql = format!(
        "SELECT student_id, ts, amount, kind = 'purchase' AS purchase, \
         merchant_category = 'canteen' AS canteen, merchant_category = 'shower' AS shower \
         FROM card_transactions WHERE {}",
        since_filter("ts", since)
    );
    each_batch(&ctx, &sql, |b| {
        let (sid, ts, amount) = (strs(b, "student_id")?, micros(b, "ts")?, decimals(b, "amount")?);
        let (purchase, canteen, shower) = (bools(b, "purchase")?, bools(b, "canteen")?, bools(b, "shower")?);
        for i in 0..b.num_rows() {
            let Some(s) = students.get(sid.get(i)) else { continue };
            let (day, tod) = clock.local(ts.value(i));
            let d = dow(day);
            let w = out.entry(key(s, monday_of(day))).or_default();
            w.trace.note(d, tod, true);
            if !purchase.value(i) {
                continue;
            }
            let cents = amount.value(i) as i64;
            w.total_cents += cents;
            if canteen.value(i) {
                w.canteen_cents += cents;
                w.meal_bins[bin(tod)] += 1;
                if let Some(sl) = slot(tod) {
                    w.meals |= 1 << (d * 3 + sl);
                    if sl == 0 {
                        w.breakfast |= 1 << d;
                    }
                }
            } else if shower.value(i) {
                w.shower_bins[bin(tod)] += 1;
            }
        }
        Ok(())
    })
    .await?;
    Ok(out)
}

/// Shannon entropy in bits of a histogram; `None` with fewer than 2 observations.
pub fn entropy(bins: &[u32]) -> Option<f64> {
    let n: u32 = bins.iter().sum();
    if n < 2 {
        return None;
    }
    let n = f64::from(n);
    let h = bins.iter().filter(|&&c| c > 0).map(|&c| f64::from(c) / n).map(|p| -p * p.log2()).sum::<f64>();
    Some(if h == 0.0 { 0.0 } else { h })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_boundaries() {
        assert_eq!(slot(6 * HOUR - 1), None);
        assert_eq!(slot(6 * HOUR), Some(0));
        assert_eq!(slot(10 * HOUR), Some(1));
        assert_eq!(slot(14 * HOUR + 30 * MINUTE), None);
        assert_eq!(slot(16 * HOUR), Some(2));
        assert_eq!(slot(20 * HOUR + 30 * MINUTE), None);
    }

    #[test]
    fn entropy_values() {
        let mut b = [0u32; BINS];
        b[3] = 1;
        assert_eq!(entropy(&b), None);
        b[3] = 2;
        assert_eq!(entropy(&b), Some(0.0));
        b[4] = 2;
        assert_eq!(entropy(&b), Some(1.0));
    }
}
