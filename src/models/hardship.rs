//! Hidden hardship (隐形资助): a continuous score that ranks students by how likely their
//! spending and eating patterns show financial hardship, as a candidate list for staff to
//! verify in person. It is never a decision: no aid is granted or withdrawn by it.
//!
//! Over the last `weeks` (default 4) complete weeks before D, per active student:
//! - `spend_per_meal` = canteen spend / meals,
//! - `spend_per_purchase` = canteen spend / canteen purchases,
//! - `other_spend_per_week` = (total spend − canteen spend) per week with a row.
//!
//! Each is turned into a robust z-score within the student's (major, cohort) group —
//! (group median − value) / (1.4826 × MAD), so *lower* spending scores *higher*, clipped to
//! ±[`Z_CLIP`]; a group with fewer than [`MIN_GROUP`] scored students is compared with the
//! whole campus instead. The score is the weighted mean ([`WEIGHTS`]) of the z-scores the
//! student has. A student with fewer than `min_meals_per_week` × `weeks` canteen meals
//! gets no score: little canteen spending then says more about eating elsewhere than
//! about money. Many meals on campus are thus the evidence gate, and low spend per meal
//! the signal.
//!
//! Inputs: `meals`, `canteen_purchases`, `canteen_spend`, `total_spend` of `student_week`
//! and (major, cohort). Protected columns are never read; `financial_aid_level` is read
//! only afterwards, to report how many candidates already receive aid ([`aid_report`]).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use datafusion::prelude::SessionContext;
use futures::TryStreamExt;
use serde::Serialize;

use super::analysis::{median, roc_auc, AnalysisError, Window};
use crate::features::cols::strs;
use crate::schema::time::days_to_date;

/// The `student_week` columns the score reads.
pub const SOURCES: [&str; 4] = ["meals", "canteen_purchases", "canteen_spend", "total_spend"];

/// The score's components and their weights (documented; they sum to 1).
pub const WEIGHTS: [(&str, f64); 3] =
    [("spend_per_meal", 0.4), ("spend_per_purchase", 0.3), ("other_spend_per_week", 0.3)];

/// Robust z-scores are clipped to ± this.
pub const Z_CLIP: f64 = 4.0;
/// Fewest scored students for a group to be its own reference.
pub const MIN_GROUP: usize = 10;

/// What the list is and is not.
pub const NOTE_EN: &str = "Candidates for human verification only (e.g. a counsellor's confidential talk); \
     not a decision about any student's aid.";
/// The same in Chinese.
pub const NOTE_ZH: &str = "仅为供人工核实的候选名单（如辅导员保密谈心），不作为任何资助认定或取消的依据。";

/// Settings of a hardship run.
#[derive(Debug, Clone)]
pub struct HardshipOptions {
    /// Complete weeks before D.
    pub weeks: usize,
    /// Canteen meals per week of the window needed for a score.
    pub min_meals_per_week: f64,
    /// Candidates listed (default: the top 5% of scored students).
    pub top: Option<usize>,
}

impl Default for HardshipOptions {
    fn default() -> Self {
        HardshipOptions { weeks: 4, min_meals_per_week: 5.0, top: None }
    }
}

/// One scored student.
#[derive(Debug, Clone, Serialize)]
pub struct Scored {
    /// Student.
    pub student_id: String,
    /// Score (higher = more likely hardship; about a robust z).
    pub score: f64,
    /// Rank, 1 = highest score.
    pub rank: usize,
    /// In the candidate list.
    pub candidate: bool,
    /// Canteen meals in the window.
    pub meals: f64,
    /// Canteen spend per meal (yuan).
    pub spend_per_meal: Option<f64>,
    /// The reference group's median of it.
    pub cohort_spend_per_meal: Option<f64>,
    /// Canteen spend per purchase.
    pub spend_per_purchase: Option<f64>,
    /// The reference group's median of it.
    pub cohort_spend_per_purchase: Option<f64>,
    /// Spend outside the canteen per week.
    pub other_spend_per_week: Option<f64>,
    /// The reference group's median of it.
    pub cohort_other_spend_per_week: Option<f64>,
    /// Evidence in words.
    pub evidence_en: String,
    /// Evidence in words (Chinese).
    pub evidence_zh: String,
}

/// The result of a hardship run.
#[derive(Debug, Clone, Serialize)]
pub struct Hardship {
    /// As-of date.
    pub as_of: String,
    /// First and last Monday of the window.
    pub weeks: (String, String),
    /// What the list is.
    pub note_en: String,
    /// What the list is (Chinese).
    pub note_zh: String,
    /// Component weights.
    pub weights: BTreeMap<String, f64>,
    /// Meals needed for a score.
    pub min_meals: f64,
    /// Active students.
    pub students: usize,
    /// Students with too few meals for a score.
    pub unscored: usize,
    /// Candidates listed.
    pub candidates: usize,
    /// Scored students by rank.
    pub scored: Vec<Scored>,
}

/// Per-student components (index = student in the window); `None` unscored.
fn components(w: &Window, min_meals: f64) -> Vec<Option<(f64, [Option<f64>; 3])>> {
    (0..w.ids.len())
        .map(|s| {
            let meals = w.sum("meals", s)?;
            if meals < min_meals || meals <= 0.0 {
                return None;
            }
            let canteen = w.sum("canteen_spend", s)?;
            let per_meal = Some(canteen / meals);
            let per_purchase = w.sum("canteen_purchases", s).filter(|p| *p > 0.0).map(|p| canteen / p);
            let other =
                w.sum("total_spend", s).map(|t| (t - canteen).max(0.0) / w.count("total_spend", s).max(1) as f64);
            Some((meals, [per_meal, per_purchase, other]))
        })
        .collect()
}

/// Median and robust scale (1.4826 × MAD) of values.
fn robust(v: &[f64]) -> Option<(f64, f64)> {
    let m = median(v)?;
    let dev: Vec<f64> = v.iter().map(|x| (x - m).abs()).collect();
    Some((m, 1.4826 * median(&dev)?))
}

/// Scores the students of a window.
pub fn score(w: &Window, opts: &HardshipOptions) -> Hardship {
    let min_meals = opts.min_meals_per_week * w.weeks.len() as f64;
    let comp = components(w, min_meals);
    // Reference (median, scale) per group and component; campus-wide as the fallback.
    let mut refs: Vec<[Option<(f64, f64)>; 3]> = vec![[None; 3]; w.groups];
    let mut campus = [None; 3];
    for (c, slot) in campus.iter_mut().enumerate() {
        let all: Vec<f64> = comp.iter().flatten().filter_map(|(_, v)| v[c]).collect();
        *slot = robust(&all);
        for (g, r) in refs.iter_mut().enumerate() {
            let v: Vec<f64> = (0..w.ids.len())
                .filter(|&s| w.group[s] == g)
                .filter_map(|s| comp[s].as_ref().and_then(|(_, v)| v[c]))
                .collect();
            r[c] = if v.len() >= MIN_GROUP { robust(&v) } else { None };
        }
    }
    let mut scored: Vec<Scored> = Vec::new();
    for (s, cs) in comp.iter().enumerate() {
        let Some((meals, v)) = cs else { continue };
        let (mut num, mut den) = (0.0, 0.0);
        let mut med = [None; 3];
        for c in 0..3 {
            let r = refs[w.group[s]][c].filter(|(_, sc)| *sc > 1e-9).or(campus[c]);
            let (Some(x), Some((m, sc))) = (v[c], r) else { continue };
            med[c] = Some(m);
            let z = ((m - x) / sc.max(1e-9)).clamp(-Z_CLIP, Z_CLIP);
            num += WEIGHTS[c].1 * z;
            den += WEIGHTS[c].1;
        }
        if den == 0.0 {
            continue;
        }
        let pct = |x: Option<f64>, m: Option<f64>| match (x, m) {
            (Some(x), Some(m)) if m > 0.0 => format!("{:.0}%", 100.0 * x / m),
            _ => "-".into(),
        };
        let yuan = |x: Option<f64>| x.map_or("-".into(), |x| format!("{x:.1}"));
        let weeks = w.weeks.len();
        scored.push(Scored {
            student_id: w.ids[s].clone(),
            score: num / den,
            rank: 0,
            candidate: false,
            meals: *meals,
            spend_per_meal: v[0],
            cohort_spend_per_meal: med[0],
            spend_per_purchase: v[1],
            cohort_spend_per_purchase: med[1],
            other_spend_per_week: v[2],
            cohort_other_spend_per_week: med[2],
            evidence_en: format!(
                "{meals:.0} canteen meals in {weeks} weeks at {} yuan per meal ({} of the cohort median {}); \
                 {} yuan a week outside the canteen (median {})",
                yuan(v[0]),
                pct(v[0], med[0]),
                yuan(med[0]),
                yuan(v[2]),
                yuan(med[2])
            ),
            evidence_zh: format!(
                "近{weeks}周食堂就餐{meals:.0}次，每餐{}元，为同专业同年级中位数{}元的{}；食堂外每周消费{}元（中位数{}元）",
                yuan(v[0]),
                yuan(med[0]),
                pct(v[0], med[0]),
                yuan(v[2]),
                yuan(med[2])
            ),
        });
    }
    scored.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.student_id.cmp(&b.student_id)));
    let top = opts.top.unwrap_or_else(|| (scored.len() as f64 * 0.05).ceil() as usize).min(scored.len());
    for (i, x) in scored.iter_mut().enumerate() {
        x.rank = i + 1;
        x.candidate = i < top;
    }
    Hardship {
        as_of: days_to_date(w.as_of).to_string(),
        weeks: (
            w.weeks.first().map(|d| days_to_date(*d).to_string()).unwrap_or_default(),
            w.weeks.last().map(|d| days_to_date(*d).to_string()).unwrap_or_default(),
        ),
        note_en: NOTE_EN.into(),
        note_zh: NOTE_ZH.into(),
        weights: WEIGHTS.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        min_meals,
        students: w.ids.len(),
        unscored: w.ids.len() - scored.len(),
        candidates: top,
        scored,
    }
}

/// The NJUST-style rule of `pipelines/warnings/rules.toml` (`economic.hidden_hardship`):
/// at least `min_meals` canteen meals over the window, canteen spend summed over it at most
/// `max_share_of_median` × the (major, cohort) median and in the lowest `max_pct` of it.
#[derive(Debug, Clone, Copy)]
pub struct NjustRule {
    /// Meals over the window.
    pub min_meals: f64,
    /// Share of the cohort median.
    pub max_share_of_median: f64,
    /// Cohort percentile (strictly lower / (n − 1)).
    pub max_pct: f64,
}

impl Default for NjustRule {
    fn default() -> Self {
        NjustRule { min_meals: 56.0, max_share_of_median: 0.8, max_pct: 0.12 }
    }
}

/// Which students of the window the rule flags.
pub fn njust_rule(w: &Window, rule: &NjustRule) -> Vec<bool> {
    let spend: Vec<Option<f64>> = (0..w.ids.len()).map(|s| w.sum("canteen_spend", s)).collect();
    let mut groups: Vec<Vec<f64>> = vec![Vec::new(); w.groups];
    for (s, v) in spend.iter().enumerate() {
        if let Some(v) = v {
            groups[w.group[s]].push(*v);
        }
    }
    for g in &mut groups {
        g.sort_by(f64::total_cmp);
    }
    (0..w.ids.len())
        .map(|s| {
            let (Some(v), Some(meals)) = (spend[s], w.sum("meals", s)) else { return false };
            let g = &groups[w.group[s]];
            let pct = match g.len() {
                0 => return false,
                1 => 0.0,
                n => g.partition_point(|x| *x < v - 1e-9) as f64 / (n - 1) as f64,
            };
            meals >= rule.min_meals
                && median(g).is_some_and(|m| v <= rule.max_share_of_median * m)
                && pct <= rule.max_pct
        })
        .collect()
}

/// How many of the candidates already have each `financial_aid_level` — read after
/// scoring, for the report only.
pub async fn aid_report(ctx: &SessionContext, ids: &[String]) -> Result<BTreeMap<String, usize>, AnalysisError> {
    let mut out = BTreeMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let want: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
    let sql = "SELECT student_id, financial_aid_level FROM students";
    let batches: Vec<arrow::array::RecordBatch> = ctx.sql(sql).await?.execute_stream().await?.try_collect().await?;
    for b in batches {
        let (id, aid) = (strs(&b, "student_id")?, strs(&b, "financial_aid_level")?);
        for r in 0..b.num_rows() {
            if want.contains(id.get(r)) {
                let level = if aid.is_null(r) || aid.get(r).is_empty() { "unknown" } else { aid.get(r) };
                *out.entry(level.to_string()).or_insert(0) += 1;
            }
        }
    }
    Ok(out)
}

/// Planted truth: student → hardship, from `DIR/truth/students.csv` (or `DIR/students.csv`).
pub fn load_truth(dir: &Path) -> Result<HashMap<String, bool>, AnalysisError> {
    let t = if dir.join("truth").is_dir() { dir.join("truth") } else { dir.to_path_buf() };
    let p = t.join("students.csv");
    let err = |m: String| AnalysisError::Truth { file: p.display().to_string(), msg: m };
    let mut r = csv::Reader::from_path(&p).map_err(|e| err(e.to_string()))?;
    let h = r.headers().map_err(|e| err(e.to_string()))?.clone();
    let (Some(i), Some(j)) = (h.iter().position(|c| c == "student_id"), h.iter().position(|c| c == "hardship")) else {
        return Err(err("no student_id or hardship column".into()));
    };
    let mut out = HashMap::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| err(e.to_string()))?;
        out.insert(rec.get(i).unwrap_or_default().to_string(), rec.get(j) == Some("true"));
    }
    Ok(out)
}

/// One evaluation figure.
#[derive(Debug, Clone, Serialize)]
pub struct Metric {
    /// `score` or `njust_rule`.
    pub method: String,
    /// Metric name.
    pub metric: String,
    /// Value.
    pub value: Option<f64>,
    /// Students it is computed over (or the k of a top-k list).
    pub n: usize,
    /// The target, if any.
    pub target: String,
}

/// The score and the rule side by side against the planted truth. The population is the
/// window's active students found in the truth; `auc` is over the scored students (both
/// methods), `auc_all` over everyone (unscored students ranked last).
pub fn evaluate(w: &Window, h: &Hardship, rule: &[bool], truth: &HashMap<String, bool>) -> Vec<Metric> {
    let m = |method: &str, metric: &str, value: Option<f64>, n: usize, target: &str| Metric {
        method: method.into(),
        metric: metric.into(),
        value,
        n,
        target: target.into(),
    };
    let pop: Vec<usize> = (0..w.ids.len()).filter(|&s| truth.contains_key(&w.ids[s])).collect();
    let label = |s: usize| truth.get(&w.ids[s]).copied().unwrap_or(false);
    let score: HashMap<&str, f64> = h.scored.iter().map(|x| (x.student_id.as_str(), x.score)).collect();
    let scored: Vec<usize> = pop.iter().copied().filter(|&s| score.contains_key(w.ids[s].as_str())).collect();
    let pos = pop.iter().filter(|&&s| label(s)).count();
    let neg = pop.len() - pos;
    let ratio = |a: usize, b: usize| (b > 0).then(|| a as f64 / b as f64);
    let mut out = vec![
        m("truth", "students", Some(pop.len() as f64), pop.len(), ""),
        m("truth", "hardship", Some(pos as f64), pop.len(), ""),
    ];
    // The score.
    let sv: Vec<f64> = scored.iter().map(|&s| score[w.ids[s].as_str()]).collect();
    let sl: Vec<bool> = scored.iter().map(|&s| label(s)).collect();
    out.push(m("score", "auc", roc_auc(&sv, &sl), scored.len(), ">= 0.90"));
    let all: Vec<f64> = pop.iter().map(|&s| score.get(w.ids[s].as_str()).copied().unwrap_or(f64::MIN)).collect();
    let al: Vec<bool> = pop.iter().map(|&s| label(s)).collect();
    out.push(m("score", "auc_all", roc_auc(&all, &al), pop.len(), ""));
    out.push(m("score", "coverage", ratio(scored.len(), pop.len()), pop.len(), ""));
    let ranked: Vec<bool> = h.scored.iter().filter_map(|x| truth.get(&x.student_id).copied()).collect();
    let top5 = (ranked.len() as f64 * 0.05).ceil() as usize;
    for (name, k) in [("at_k_positives", pos), ("at_top_5pct", top5)] {
        let hit = ranked.iter().take(k).filter(|&&l| l).count();
        out.push(m("score", &format!("precision_{name}"), ratio(hit, k.min(ranked.len())), k, ""));
        out.push(m("score", &format!("recall_{name}"), ratio(hit, pos), k, ""));
    }
    // The rule.
    let flagged = pop.iter().filter(|&&s| rule[s]).count();
    let tp = pop.iter().filter(|&&s| rule[s] && label(s)).count();
    let rv: Vec<f64> = scored.iter().map(|&s| f64::from(u8::from(rule[s]))).collect();
    out.push(m("njust_rule", "auc", roc_auc(&rv, &sl), scored.len(), ""));
    let ra: Vec<f64> = pop.iter().map(|&s| f64::from(u8::from(rule[s]))).collect();
    out.push(m("njust_rule", "auc_all", roc_auc(&ra, &al), pop.len(), ""));
    out.push(m("njust_rule", "flagged", Some(flagged as f64), pop.len(), ""));
    out.push(m("njust_rule", "tpr", ratio(tp, pos), pos, ""));
    out.push(m("njust_rule", "fpr", ratio(flagged - tp, neg), neg, ""));
    out.push(m("njust_rule", "precision", ratio(tp, flagged), flagged, ""));
    // The score's list cut at the rule's size, for a like-for-like precision.
    let hit = ranked.iter().take(flagged).filter(|&&l| l).count();
    out.push(m("score", "precision_at_rule_size", ratio(hit, flagged.min(ranked.len())), flagged, ""));
    out
}

#[cfg(test)]
mod tests;
