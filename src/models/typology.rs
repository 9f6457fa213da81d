//! Lifestyle typology (guideline item 1.6, "one-click profiles"): students clustered by
//! the regularity and activity of their campus life, each cluster described in plain words.
//!
//! Method, for the active students with at least one `student_week` row in the last
//! `weeks` complete weeks before D:
//! 1. Per student, the [`FEATURES`] (per-week means over the weeks with a value; the
//!    no-trace share is no-trace days / 7). A feature no student has (its record kind is
//!    not sent) is dropped; a student's missing value is imputed with the feature's median
//!    and the count is reported in `notes`.
//! 2. z-scores (mean 0, standard deviation 1; a constant feature is dropped).
//! 3. k-means (linfa, k-means++ initialisation, 10 runs, fixed seed) for every k in
//!    2..=8 — unless k is given — and the k with the highest mean silhouette on a
//!    deterministic sample of at most [`SILHOUETTE_SAMPLE`] students is kept. The inertia
//!    (sum of squared distances to the nearest centroid, z units) is reported per k.
//! 4. Clusters are numbered by size (0 = largest) and described from the features whose
//!    centroid z is largest in magnitude (|z| ≥ 0.5, at most three).
//!
//! Protected columns are never read (see [`super::analysis::PROTECTED`]).

use linfa::prelude::Fit;
use linfa::DatasetBase;
use linfa_clustering::KMeans;
use ndarray::{Array2, ArrayView1, Axis};
use rand_xoshiro::rand_core::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;
use serde::Serialize;

use super::analysis::{median, AnalysisError, Window};
use crate::schema::time::days_to_date;
pub use words::{describe, Feature, Summary, DESCRIBE_MIN_Z, FEATURES, FEATURE_SOURCES};

pub mod table;
mod words;

/// Students in the silhouette sample at most.
pub const SILHOUETTE_SAMPLE: usize = 2_000;

/// Settings of a typology run.
#[derive(Debug, Clone)]
pub struct TypologyOptions {
    /// Complete weeks before D.
    pub weeks: usize,
    /// Fixed number of clusters (else chosen by silhouette over `ks`).
    pub k: Option<usize>,
    /// Candidate k.
    pub ks: std::ops::RangeInclusive<usize>,
    /// Seed of the k-means initialisation.
    pub seed: u64,
}

impl Default for TypologyOptions {
    fn default() -> Self {
        TypologyOptions { weeks: 8, k: None, ks: 2..=8, seed: 20_251 }
    }
}

/// The criterion for one k.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KScore {
    /// Number of clusters.
    pub k: usize,
    /// Mean silhouette on the sample (−1..1, higher is better).
    pub silhouette: f64,
    /// Sum of squared distances to the nearest centroid (z units).
    pub inertia: f64,
}

/// One feature of a centroid.
#[derive(Debug, Clone, Serialize)]
pub struct CentroidValue {
    /// Feature name.
    pub feature: String,
    /// In the feature's units.
    pub raw: f64,
    /// In standard deviations from the mean of all students.
    pub z: f64,
}

/// One cluster.
#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    /// Id (0 = largest).
    pub cluster: usize,
    /// Students.
    pub size: usize,
    /// Share of the students clustered.
    pub share: f64,
    /// Short label.
    pub label_en: String,
    /// Short label (Chinese).
    pub label_zh: String,
    /// Plain-words description.
    pub description_en: String,
    /// Plain-words description (Chinese).
    pub description_zh: String,
    /// Centroid per feature.
    pub centroid: Vec<CentroidValue>,
}

/// A student's cluster.
#[derive(Debug, Clone, Serialize)]
pub struct Assignment {
    /// Student.
    pub student_id: String,
    /// Cluster id.
    pub cluster: usize,
}

/// The result of a typology run.
#[derive(Debug, Clone, Serialize)]
pub struct Typology {
    /// As-of date.
    pub as_of: String,
    /// First and last Monday of the window.
    pub weeks: (String, String),
    /// Chosen k.
    pub k: usize,
    /// `silhouette` (chosen) or `given`.
    pub chosen_by: String,
    /// Criterion per k tried.
    pub criterion: Vec<KScore>,
    /// Features used (after dropping).
    pub features: Vec<String>,
    /// What was dropped or imputed.
    pub notes: Vec<String>,
    /// Active students left out for lack of any row in the window.
    pub without_data: usize,
    /// Clusters by size.
    pub clusters: Vec<Cluster>,
    /// Per student.
    pub students: Vec<Assignment>,
}

/// Per-student feature values (rows: students with data) before standardising.
#[derive(Debug, Clone)]
pub struct FeatureTable {
    /// Student ids (rows).
    pub ids: Vec<String>,
    /// Feature definitions (columns).
    pub features: Vec<Feature>,
    /// Values; `None` missing.
    pub values: Vec<Vec<Option<f64>>>,
}

/// The typology features of the students with data in the window.
pub fn feature_table(w: &Window) -> FeatureTable {
    let rows: Vec<usize> = (0..w.ids.len()).filter(|&s| w.has_rows[s]).collect();
    let features: Vec<Feature> = FEATURES.iter().copied().filter(|f| w.values.contains_key(f.source)).collect();
    let values = rows
        .iter()
        .map(|&s| {
            features
                .iter()
                .map(|f| w.mean(f.source, s).map(|m| if f.summary == Summary::ShareOfDays { m / 7.0 } else { m }))
                .collect()
        })
        .collect();
    FeatureTable { ids: rows.iter().map(|&s| w.ids[s].clone()).collect(), features, values }
}

/// Drops all-null and constant features, imputes medians, returns (raw, z, kept features,
/// mean, sd, notes).
/// (raw, z, kept features, means, standard deviations, notes).
type Prepared = (Array2<f64>, Array2<f64>, Vec<Feature>, Vec<f64>, Vec<f64>, Vec<String>);

fn prepare(t: &FeatureTable) -> Prepared {
    let n = t.ids.len();
    let mut notes = Vec::new();
    let mut cols: Vec<(Feature, Vec<f64>)> = Vec::new();
    for (j, f) in t.features.iter().enumerate() {
        let present: Vec<f64> = t.values.iter().filter_map(|r| r[j]).collect();
        let Some(m) = median(&present) else {
            notes.push(format!("{}: no student has a value (source not sent), dropped", f.name));
            continue;
        };
        if present.len() < n {
            notes.push(format!(
                "{}: {} of {} students missing, imputed with the median {:.3}",
                f.name,
                n - present.len(),
                n,
                m
            ));
        }
        cols.push((*f, t.values.iter().map(|r| r[j].unwrap_or(m)).collect()));
    }
    let mut kept = Vec::new();
    let (mut means, mut sds) = (Vec::new(), Vec::new());
    let mut raw_cols = Vec::new();
    for (f, v) in cols {
        let mean = v.iter().sum::<f64>() / n.max(1) as f64;
        let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n.max(1) as f64).sqrt();
        if sd < 1e-12 {
            notes.push(format!("{}: the same for every student, dropped", f.name));
            continue;
        }
        kept.push(f);
        means.push(mean);
        sds.push(sd);
        raw_cols.push(v);
    }
    let d = kept.len();
    let raw = Array2::from_shape_fn((n, d), |(i, j)| raw_cols[j][i]);
    let z = Array2::from_shape_fn((n, d), |(i, j)| (raw[[i, j]] - means[j]) / sds[j]);
    (raw, z, kept, means, sds, notes)
}

fn dist2(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    a.iter().zip(b.iter()).map(|(x, y)| (x - y).powi(2)).sum()
}

/// k-means with a fixed seed: (centroids, assignment, inertia).
pub fn kmeans(z: &Array2<f64>, k: usize, seed: u64) -> Result<(Array2<f64>, Vec<usize>, f64), AnalysisError> {
    let rng = Xoshiro256Plus::seed_from_u64(seed);
    let data = DatasetBase::from(z.clone());
    let model = KMeans::params_with_rng(k, rng)
        .max_n_iterations(300)
        .tolerance(1e-6)
        .fit(&data)
        .map_err(|e| AnalysisError::Cluster(e.to_string()))?;
    let c = model.centroids().clone();
    let mut inertia = 0.0;
    let assign = z
        .axis_iter(Axis(0))
        .map(|row| {
            let (best, d) = (0..c.nrows())
                .map(|j| (j, dist2(row, c.row(j))))
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap_or((0, 0.0));
            inertia += d;
            best
        })
        .collect();
    Ok((c, assign, inertia))
}

/// Evenly spaced rows: all when `n <= max`.
pub fn sample_rows(n: usize, max: usize) -> Vec<usize> {
    if n <= max {
        return (0..n).collect();
    }
    (0..max).map(|i| i * n / max).collect()
}

/// Mean silhouette of an assignment over the sample rows (Euclidean distance).
pub fn silhouette(z: &Array2<f64>, assign: &[usize], k: usize, sample: &[usize]) -> f64 {
    if sample.len() < 2 {
        return 0.0;
    }
    let mut total = 0.0;
    for &i in sample {
        let (mut sum, mut cnt) = (vec![0.0; k], vec![0usize; k]);
        for &j in sample {
            if i != j {
                sum[assign[j]] += dist2(z.row(i), z.row(j)).sqrt();
                cnt[assign[j]] += 1;
            }
        }
        let own = assign[i];
        if cnt[own] == 0 {
            continue; // a singleton in the sample scores 0
        }
        let a = sum[own] / cnt[own] as f64;
        let b =
            (0..k).filter(|&c| c != own && cnt[c] > 0).map(|c| sum[c] / cnt[c] as f64).fold(f64::INFINITY, f64::min);
        if b.is_finite() {
            total += (b - a) / a.max(b).max(1e-12);
        }
    }
    total / sample.len() as f64
}

/// Clusters the students of a feature table.
pub fn cluster(t: &FeatureTable, opts: &TypologyOptions) -> Result<Typology, AnalysisError> {
    let (raw, z, kept, _means, _sds, notes) = prepare(t);
    let n = t.ids.len();
    if kept.is_empty() {
        return Err(AnalysisError::NoData("no typology feature has values in the window".into()));
    }
    let ks: Vec<usize> = match opts.k {
        Some(k) => vec![k],
        None => opts.ks.clone().collect(),
    };
    let ks: Vec<usize> = ks.into_iter().filter(|&k| k >= 1 && k < n).collect();
    if ks.is_empty() {
        return Err(AnalysisError::NoData(format!("{n} students with data: too few to cluster")));
    }
    let sample = sample_rows(n, SILHOUETTE_SAMPLE);
    let mut criterion = Vec::new();
    let mut best: Option<(f64, Array2<f64>, Vec<usize>, usize)> = None;
    for &k in &ks {
        let (c, assign, inertia) = kmeans(&z, k, opts.seed)?;
        let s = if k >= 2 { silhouette(&z, &assign, k, &sample) } else { 0.0 };
        criterion.push(KScore { k, silhouette: s, inertia });
        if best.as_ref().is_none_or(|b| s > b.0 + 1e-12) {
            best = Some((s, c, assign, k));
        }
    }
    let Some((_, centroids, assign, k)) = best else { return Err(AnalysisError::Cluster("no fit".into())) };
    // Number clusters by size, largest first.
    let mut sizes: Vec<(usize, usize)> = (0..k).map(|c| (c, assign.iter().filter(|&&a| a == c).count())).collect();
    sizes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut new_id = vec![0; k];
    for (i, (c, _)) in sizes.iter().enumerate() {
        new_id[*c] = i;
    }
    let clusters = sizes
        .iter()
        .enumerate()
        .map(|(id, &(c, size))| {
            let members: Vec<usize> = (0..n).filter(|&i| assign[i] == c).collect();
            let zc: Vec<f64> = centroids.row(c).to_vec();
            let centroid = kept
                .iter()
                .enumerate()
                .map(|(j, f)| {
                    let m = members.iter().map(|&i| raw[[i, j]]).sum::<f64>() / members.len().max(1) as f64;
                    CentroidValue { feature: f.name.to_string(), raw: m, z: zc[j] }
                })
                .collect();
            let (label_en, label_zh, de, dz) = describe(&kept, &zc);
            let share = size as f64 / n as f64;
            Cluster {
                cluster: id,
                size,
                share,
                label_en,
                label_zh,
                description_en: format!("{de}; {size} students ({:.1}%)", share * 100.0),
                description_zh: format!("{dz}；{size} 人（{:.1}%）", share * 100.0),
                centroid,
            }
        })
        .collect();
    let students =
        t.ids.iter().zip(&assign).map(|(id, &a)| Assignment { student_id: id.clone(), cluster: new_id[a] }).collect();
    Ok(Typology {
        as_of: String::new(),
        weeks: (String::new(), String::new()),
        k,
        chosen_by: if opts.k.is_some() { "given".into() } else { "silhouette".into() },
        criterion,
        features: kept.iter().map(|f| f.name.to_string()).collect(),
        notes,
        without_data: 0,
        clusters,
        students,
    })
}

/// The typology of a loaded window.
pub fn run(w: &Window, opts: &TypologyOptions) -> Result<Typology, AnalysisError> {
    let t = feature_table(w);
    if t.ids.is_empty() {
        return Err(AnalysisError::NoData(format!(
            "no active student has a student_week row in the {} weeks before {}",
            w.weeks.len(),
            days_to_date(w.as_of)
        )));
    }
    let mut out = cluster(&t, opts)?;
    out.as_of = days_to_date(w.as_of).to_string();
    out.weeks = (
        w.weeks.first().map(|d| days_to_date(*d).to_string()).unwrap_or_default(),
        w.weeks.last().map(|d| days_to_date(*d).to_string()).unwrap_or_default(),
    );
    out.without_data = w.ids.len() - t.ids.len();
    Ok(out)
}

#[cfg(test)]
mod tests;
