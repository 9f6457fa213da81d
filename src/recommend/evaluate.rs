//! `radar evaluate recommendations`: does CF find what students went on to join?
//!
//! Protocol (leave-latest-out, as of D): for every active student, walk back from their
//! latest participation before D and hold out the first `holdout` distinct series met
//! (all of the student's participations of those series leave the training data); train
//! on everything else (every student's remaining history); rank `k` series for the
//! student with each method and count the held-out series found: recall@k (found / held
//! out) and NDCG@k (a find at rank r counts 1/log2(r+1), over the ideal). Students with
//! fewer than `holdout + 1` distinct series are skipped and counted. Books: the same with
//! each reader's latest loans' CLC classes.
//!
//! Methods: `item_cf` (what `radar recommend` serves: item CF with the college-and-cohort
//! pseudo-item, then the popularity fills), `item_cf_plain` (the same without the
//! pseudo-item), `popularity` (the most-joined items of the training data the student has
//! not joined: the baseline), `popularity_college_cohort` (the student's college and
//! cohort first, then campus).

use serde::Serialize;

use super::books::Loans;
use super::cf::{CfParams, Interactions, ItemCf};
use super::people::People;
use super::ranking::{group_counts, Ranker};
use super::series::{self, Catalogue};
use super::{cut_off, RecommendError, RecommendOptions};
use crate::schema::time::Micros;
use crate::store::Store;

/// One line of the evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalRow {
    /// `activities` or `books`.
    pub what: String,
    /// `item_cf`, `popularity` or `popularity_college_cohort`.
    pub method: String,
    /// Students evaluated.
    pub students: usize,
    /// Students skipped (fewer than holdout + 1 distinct items).
    pub skipped: usize,
    /// Mean recall@k.
    pub recall_at_k: f64,
    /// Mean NDCG@k.
    pub ndcg_at_k: f64,
    /// recall@k over the popularity baseline's.
    pub lift_vs_popularity: Option<f64>,
}

/// recall@k: share of the held-out items among the first k ranked.
pub fn recall_at_k(ranked: &[u32], held: &[u32], k: usize) -> f64 {
    if held.is_empty() {
        return 0.0;
    }
    let hits = ranked.iter().take(k).filter(|i| held.contains(i)).count();
    hits as f64 / held.len() as f64
}

/// NDCG@k with binary relevance.
pub fn ndcg_at_k(ranked: &[u32], held: &[u32], k: usize) -> f64 {
    let gain = |r: usize| 1.0 / ((r + 2) as f64).log2();
    let dcg: f64 = ranked.iter().take(k).enumerate().filter(|(_, i)| held.contains(i)).map(|(r, _)| gain(r)).sum();
    let ideal: f64 = (0..held.len().min(k)).map(gain).sum();
    if ideal > 0.0 {
        dcg / ideal
    } else {
        0.0
    }
}

/// Splits each eligible user's latest `holdout` distinct items off (see the module doc).
/// Returns the training data and the held-out items per user (empty: not evaluated).
pub fn split(m: &Interactions, holdout: usize, eligible: &[bool]) -> (Interactions, Vec<Vec<u32>>) {
    let mut train = m.clone();
    let mut held = vec![Vec::new(); m.rows.len()];
    for (u, row) in train.rows.iter_mut().enumerate() {
        if !eligible.get(u).copied().unwrap_or(false) || row.len() < holdout + 1 {
            continue;
        }
        let mut order: Vec<(Micros, u32)> = row.iter().map(|e| (e.last, e.item)).collect();
        // Latest first; equal times: the larger item first, so the split is deterministic.
        order.sort_unstable_by(|a, b| b.cmp(a));
        held[u] = order.iter().take(holdout).map(|x| x.1).collect();
        row.retain(|e| !held[u].contains(&e.item));
    }
    (train, held)
}

/// Evaluates activities and books as of D.
pub async fn evaluate(
    store: &Store,
    as_of: i32,
    tz: chrono_tz::Tz,
    opts: &RecommendOptions,
    holdout: usize,
    k: usize,
) -> Result<Vec<EvalRow>, RecommendError> {
    let ctx = store.session().await?;
    let tables = store.table_names();
    let people = People::load(&ctx, &tables).await?;
    let cut = cut_off(as_of, tz);
    let cat = Catalogue::load(&ctx, &tables).await?;
    let triples = series::participations(&ctx, &tables, &cat, &people, cut).await?;
    let acts = Interactions::from_triples(people.len(), cat.names.len(), triples);
    let mut out = matrix("activities", &acts, &people, &cat.running(cut), opts.cf, opts.min_group, holdout, k, cut);
    let loans = Loans::load(&ctx, &tables, &people, cut).await?;
    let books = Interactions::from_triples(people.len(), loans.classes.len(), loans.triples);
    let all = vec![true; books.items];
    out.extend(matrix("books", &books, &people, &all, opts.book_cf, opts.min_group, holdout, k, cut));
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn matrix(
    what: &str,
    m: &Interactions,
    people: &People,
    allowed: &[bool],
    params: CfParams,
    mg: u32,
    holdout: usize,
    k: usize,
    cut: Micros,
) -> Vec<EvalRow> {
    let (train, held) = split(m, holdout, &people.active);
    let cf = ItemCf::fit(&train, params, Some(&people.group_keys()));
    let plain = ItemCf::fit(&train, CfParams { group_weight: 0.0, ..params }, None);
    let campus = train.popularity();
    let groups = group_counts(&train, people);
    let rankers = [
        ("item_cf", Ranker { cf: Some(&cf), campus: &campus, groups: Some(&groups), allowed, min_group: mg, cut }),
        (
            "item_cf_plain",
            Ranker { cf: Some(&plain), campus: &campus, groups: Some(&groups), allowed, min_group: mg, cut },
        ),
        ("popularity", Ranker { cf: None, campus: &campus, groups: None, allowed, min_group: mg, cut }),
        (
            "popularity_college_cohort",
            Ranker { cf: None, campus: &campus, groups: Some(&groups), allowed, min_group: mg, cut },
        ),
    ];
    let evaluated: Vec<usize> = (0..held.len()).filter(|&u| !held[u].is_empty()).collect();
    let skipped =
        (0..people.len()).filter(|&u| people.active[u] && !m.rows[u].is_empty() && held[u].is_empty()).count();
    let mut rows: Vec<EvalRow> = rankers
        .iter()
        .map(|(name, r)| {
            let (mut recall, mut ndcg) = (0.0, 0.0);
            for &u in &evaluated {
                let ranked: Vec<u32> = r.rank(&train.rows[u], people.group(u), k).iter().map(|p| p.item).collect();
                recall += recall_at_k(&ranked, &held[u], k);
                ndcg += ndcg_at_k(&ranked, &held[u], k);
            }
            let n = evaluated.len().max(1) as f64;
            EvalRow {
                what: what.to_string(),
                method: name.to_string(),
                students: evaluated.len(),
                skipped,
                recall_at_k: recall / n,
                ndcg_at_k: ndcg / n,
                lift_vs_popularity: None,
            }
        })
        .collect();
    let base = rows.iter().find(|r| r.method == "popularity").map(|r| r.recall_at_k).unwrap_or(0.0);
    for r in &mut rows {
        r.lift_vs_popularity = (base > 0.0).then(|| r.recall_at_k / base);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recall_and_ndcg_on_a_hand_worked_list() {
        // Held out {7, 3}; ranked 5, 7, 1, 3 → hits at ranks 2 and 4.
        let ranked = [5, 7, 1, 3];
        assert_eq!(recall_at_k(&ranked, &[7, 3], 10), 1.0);
        assert_eq!(recall_at_k(&ranked, &[7, 3], 2), 0.5);
        // DCG = 1/log2(3) + 1/log2(5); IDCG = 1 + 1/log2(3).
        let want = (1.0 / 3f64.log2() + 1.0 / 5f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        assert!((ndcg_at_k(&ranked, &[7, 3], 10) - want).abs() < 1e-12);
        assert!((ndcg_at_k(&[7, 3], &[7, 3], 10) - 1.0).abs() < 1e-12);
        assert_eq!(ndcg_at_k(&[1, 2], &[7], 10), 0.0);
    }

    #[test]
    fn the_latest_distinct_items_are_held_out() {
        let m = Interactions::from_triples(2, 4, vec![(0, 0, 1), (0, 1, 5), (0, 2, 3), (0, 0, 9), (1, 3, 1)]);
        let (train, held) = split(&m, 2, &[true, true]);
        // User 0: item 0 last at 9, item 1 at 5 → held out; item 2 stays.
        assert_eq!(held[0], vec![0, 1]);
        assert_eq!(train.rows[0].iter().map(|e| e.item).collect::<Vec<_>>(), vec![2]);
        // User 1 has one item: skipped, kept whole for training.
        assert!(held[1].is_empty());
        assert_eq!(train.rows[1].len(), 1);
    }
}
