//! Percentiles within a group, as `gpa_rank_pct` of `spec/features.md`: among the group's
//! students with a value, (number with a strictly lower value) / (n − 1); 0.0 when n = 1;
//! null when the value is null. Values are compared rounded to 9 decimals, so summation
//! noise does not break ties.

use std::collections::HashMap;

fn key(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}

/// The percentile of every value within its group (`groups[i]` is value i's group).
pub fn within_groups(values: &[Option<f64>], groups: &[usize]) -> Vec<Option<f64>> {
    let mut members: HashMap<usize, Vec<f64>> = HashMap::new();
    for (v, g) in values.iter().zip(groups) {
        if let Some(x) = v {
            members.entry(*g).or_default().push(key(*x));
        }
    }
    for m in members.values_mut() {
        m.sort_by(f64::total_cmp);
    }
    values
        .iter()
        .zip(groups)
        .map(|(v, g)| {
            let x = key((*v)?);
            let m = members.get(g)?;
            let n = m.len();
            if n <= 1 {
                return Some(0.0);
            }
            let lower = m.partition_point(|y| *y < x);
            Some(lower as f64 / (n - 1) as f64)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_within_groups_follow_gpa_rank_pct() {
        // Group 0: 10, 20, 20, 30 → lower counts 0, 1, 1, 3 over n − 1 = 3.
        // Group 1: a single student → 0. Group 2: null stays null and is not counted.
        let v = [Some(20.0), Some(10.0), Some(30.0), Some(20.000_000_000_1), Some(99.0), None, Some(5.0)];
        let g = [0, 0, 0, 0, 1, 2, 2];
        let p = within_groups(&v, &g);
        assert_eq!(p, vec![Some(1.0 / 3.0), Some(0.0), Some(1.0), Some(1.0 / 3.0), Some(0.0), None, Some(0.0)]);
    }
}
