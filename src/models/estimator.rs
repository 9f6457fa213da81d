//! The two model families, fitted with linfa and stored as plain numbers.
//!
//! - **Logistic regression** (linfa-logistic, L2-regularised). Explanation of a student:
//!   contribution_j = coefficient_j × standardised value_j; the intercept plus the
//!   contributions is exactly the score's log-odds.
//! - **Random forest** of linfa-trees decision trees on bootstrap samples and feature
//!   subsets. linfa's trees predict a class, not a probability, so after fitting, each tree's
//!   splits are copied out and every node gets the positive share of the training rows
//!   that reach it (Laplace-smoothed); the forest's probability is the mean leaf share.
//!   Explanation: the path method of Saabas (2014) — along a student's path, each split
//!   moves the share from the parent's value to the child's, and that move is credited to
//!   the split feature; averaged over trees, the root value plus the contributions is
//!   exactly the forest's probability.
//!
//! Both are stored in our own serde structs, so a saved model scores identically and does
//! not depend on linfa's internal layout between versions.

use linfa::prelude::*;
use linfa::Dataset;
use linfa_logistic::LogisticRegression;
use linfa_trees::{DecisionTree, TreeNode};
use ndarray::{Array1, Array2, ArrayView1, Axis};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::ModelError;

/// Hyper-parameters of one candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "snake_case")]
pub enum Params {
    /// L2-regularised logistic regression.
    Logistic {
        /// Penalty weight.
        alpha: f64,
    },
    /// Random forest of decision trees.
    Forest {
        /// Trees.
        trees: usize,
        /// Maximum depth.
        max_depth: usize,
        /// Minimum rows in a leaf.
        min_leaf: usize,
        /// Share of the features each tree sees.
        feature_share: f64,
        /// Seed.
        seed: u64,
    },
}

impl Params {
    /// Short label, e.g. `logistic(alpha=1)`.
    pub fn label(&self) -> String {
        match self {
            Params::Logistic { alpha } => format!("logistic(alpha={alpha})"),
            Params::Forest { trees, max_depth, min_leaf, .. } => {
                format!("forest(trees={trees}, depth={max_depth}, min_leaf={min_leaf})")
            }
        }
    }
}

/// A fitted model (before calibration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "snake_case")]
pub enum Estimator {
    /// Logistic regression.
    Logistic {
        /// Intercept (log-odds).
        #[serde(with = "super::exact::one")]
        intercept: f64,
        /// One coefficient per standardised feature.
        #[serde(with = "super::exact::many")]
        coefficients: Vec<f64>,
    },
    /// Random forest.
    Forest {
        /// The trees.
        trees: Vec<Tree>,
    },
}

/// One tree: node 0 is the root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    /// Nodes.
    pub nodes: Vec<Node>,
}

/// A tree node; a leaf has no split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Positive share of the training rows reaching the node.
    #[serde(with = "super::exact::one")]
    pub value: f64,
    /// The split; a leaf has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<Split>,
}

/// Go to `left` when `x[feature] < threshold`, else to `right`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Split {
    /// Feature column.
    pub feature: usize,
    /// Threshold.
    #[serde(with = "super::exact::one")]
    pub threshold: f64,
    /// Left child node.
    pub left: usize,
    /// Right child node.
    pub right: usize,
}

impl Estimator {
    /// Fits a candidate on standardised rows `x` and labels `y`.
    pub fn fit(params: &Params, x: &Array2<f64>, y: &[bool]) -> Result<Estimator, ModelError> {
        let pos = y.iter().filter(|b| **b).count();
        if pos == 0 || pos == y.len() {
            return Err(ModelError::NoData(format!(
                "the training rows hold only one outcome ({pos} of {} positive)",
                y.len()
            )));
        }
        match params {
            Params::Logistic { alpha } => fit_logistic(*alpha, x, y),
            Params::Forest { trees, max_depth, min_leaf, feature_share, seed } => {
                fit_forest(*trees, *max_depth, *min_leaf, *feature_share, *seed, x, y)
            }
        }
    }

    /// Probability of the positive outcome for one standardised row.
    pub fn predict(&self, z: ArrayView1<f64>) -> f64 {
        match self {
            Estimator::Logistic { intercept, coefficients } => {
                sigmoid(intercept + coefficients.iter().zip(z.iter()).map(|(c, v)| c * v).sum::<f64>())
            }
            Estimator::Forest { trees } => {
                trees.iter().map(|t| t.nodes[t.leaf(z)].value).sum::<f64>() / trees.len().max(1) as f64
            }
        }
    }

    /// Probabilities for every row.
    pub fn predict_all(&self, x: &Array2<f64>) -> Vec<f64> {
        x.axis_iter(Axis(0)).map(|r| self.predict(r)).collect()
    }

    /// `(base, contributions)`: for logistic regression in log-odds (base = intercept), for
    /// a forest in probability (base = mean root value); base + Σ contributions equals the
    /// log-odds or the probability.
    pub fn explain(&self, z: ArrayView1<f64>) -> (f64, Vec<f64>) {
        match self {
            Estimator::Logistic { intercept, coefficients } => {
                (*intercept, coefficients.iter().zip(z.iter()).map(|(c, v)| c * v).collect())
            }
            Estimator::Forest { trees } => {
                let mut contrib = vec![0.0; z.len()];
                let mut base = 0.0;
                for t in trees {
                    base += t.nodes[0].value;
                    let mut i = 0;
                    while let Some(Split { feature: f, threshold: th, left: l, right: r }) = t.nodes[i].split {
                        let next = if z[f] < th { l } else { r };
                        contrib[f] += t.nodes[next].value - t.nodes[i].value;
                        i = next;
                    }
                }
                let n = trees.len().max(1) as f64;
                (base / n, contrib.iter().map(|c| c / n).collect())
            }
        }
    }

    /// Whether explanations are in log-odds (logistic) rather than probability (forest).
    pub fn explains_log_odds(&self) -> bool {
        matches!(self, Estimator::Logistic { .. })
    }
}

impl Estimator {
    /// Checks a loaded estimator against its model's `features` columns: a logistic model
    /// has one finite coefficient per feature; every tree node's split names a feature
    /// column and points to children after it (which makes every walk from the root end),
    /// and every node value is a probability.
    pub fn check(&self, features: usize) -> Result<(), String> {
        match self {
            Estimator::Logistic { intercept, coefficients } => {
                if coefficients.len() != features {
                    return Err(format!("{} coefficients for {features} features", coefficients.len()));
                }
                if !intercept.is_finite() || coefficients.iter().any(|c| !c.is_finite()) {
                    return Err("a coefficient or the intercept is not a finite number".into());
                }
                Ok(())
            }
            Estimator::Forest { trees } => {
                if trees.is_empty() {
                    return Err("a forest without trees".into());
                }
                for (t, tree) in trees.iter().enumerate() {
                    tree.check(features).map_err(|e| format!("tree {t}: {e}"))?;
                }
                Ok(())
            }
        }
    }
}

impl Tree {
    fn check(&self, features: usize) -> Result<(), String> {
        let n = self.nodes.len();
        if n == 0 {
            return Err("no nodes".into());
        }
        for (i, node) in self.nodes.iter().enumerate() {
            if !(0.0..=1.0).contains(&node.value) {
                return Err(format!("node {i}: value {} is not a probability", node.value));
            }
            let Some(s) = node.split else { continue };
            if s.feature >= features {
                return Err(format!("node {i}: split on feature {} of {features}", s.feature));
            }
            if s.threshold.is_nan() {
                return Err(format!("node {i}: threshold is not a number"));
            }
            // Children come after their parent (pre-order), so no walk can loop.
            for child in [s.left, s.right] {
                if child <= i || child >= n {
                    return Err(format!("node {i}: child {child} is not a later node of {n}"));
                }
            }
        }
        Ok(())
    }

    fn leaf(&self, z: ArrayView1<f64>) -> usize {
        let mut i = 0;
        while let Some(Split { feature: f, threshold: th, left: l, right: r }) = self.nodes[i].split {
            i = if z[f] < th { l } else { r };
        }
        i
    }
}

fn sigmoid(v: f64) -> f64 {
    1.0 / (1.0 + (-v).exp())
}

fn fit_logistic(alpha: f64, x: &Array2<f64>, y: &[bool]) -> Result<Estimator, ModelError> {
    let targets: Array1<usize> = y.iter().map(|b| usize::from(*b)).collect();
    let data = Dataset::new(x.clone(), targets);
    let fitted = LogisticRegression::default()
        .alpha(alpha)
        .max_iterations(300)
        .fit(&data)
        .map_err(|e| ModelError::Fit(format!("logistic regression: {e}")))?;
    // linfa calls the larger class "positive"; flip the signs when that is "no failure".
    let sign = if fitted.labels().pos.class == 1 { 1.0 } else { -1.0 };
    Ok(Estimator::Logistic {
        intercept: sign * fitted.intercept(),
        coefficients: fitted.params().iter().map(|c| sign * c).collect(),
    })
}

fn fit_forest(
    trees: usize,
    max_depth: usize,
    min_leaf: usize,
    share: f64,
    seed: u64,
    x: &Array2<f64>,
    y: &[bool],
) -> Result<Estimator, ModelError> {
    let (n, p) = x.dim();
    let k = ((p as f64 * share).ceil() as usize).clamp(1, p);
    let plans: Vec<(Vec<usize>, Vec<usize>)> = {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..trees)
            .map(|_| {
                let rows: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
                let mut cols: Vec<usize> = (0..p).collect();
                cols.shuffle(&mut rng);
                cols.truncate(k);
                cols.sort_unstable();
                (rows, cols)
            })
            .collect()
    };
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(trees.max(1));
    let chunks: Vec<&[(Vec<usize>, Vec<usize>)]> = plans.chunks(trees.div_ceil(workers).max(1)).collect();
    let results: Vec<Result<Vec<Tree>, ModelError>> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                s.spawn(move || {
                    chunk.iter().map(|(rows, cols)| fit_tree(x, y, rows, cols, max_depth, min_leaf)).collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(ModelError::Fit("a tree worker panicked".into()))))
            .collect()
    });
    let mut out = Vec::with_capacity(trees);
    for r in results {
        out.extend(r?);
    }
    Ok(Estimator::Forest { trees: out })
}

fn fit_tree(
    x: &Array2<f64>,
    y: &[bool],
    rows: &[usize],
    cols: &[usize],
    max_depth: usize,
    min_leaf: usize,
) -> Result<Tree, ModelError> {
    let sub = x.select(Axis(0), rows).select(Axis(1), cols);
    let targets: Array1<usize> = rows.iter().map(|&r| usize::from(y[r])).collect();
    let data = Dataset::new(sub, targets);
    let fitted: DecisionTree<f64, usize> = DecisionTree::params()
        .max_depth(Some(max_depth))
        .min_weight_leaf(min_leaf as f32)
        .min_weight_split(2.0 * min_leaf as f32)
        .fit(&data)
        .map_err(|e| ModelError::Fit(format!("decision tree: {e}")))?;
    let mut nodes = Vec::new();
    copy_node(fitted.root_node(), cols, &mut nodes);
    // Node values: the positive share of this tree's bootstrap rows reaching each node.
    let mut counts = vec![(0.0f64, 0.0f64); nodes.len()];
    for &r in rows {
        let z = x.row(r);
        let mut at = 0;
        loop {
            counts[at].0 += f64::from(u8::from(y[r]));
            counts[at].1 += 1.0;
            match nodes[at].split {
                Some(Split { feature: f, threshold: th, left: l, right: rr }) => at = if z[f] < th { l } else { rr },
                None => break,
            }
        }
    }
    for (node, (pos, n)) in nodes.iter_mut().zip(counts) {
        node.value = (pos + 1.0) / (n + 2.0);
    }
    Ok(Tree { nodes })
}

fn copy_node(node: &TreeNode<f64, usize>, cols: &[usize], out: &mut Vec<Node>) -> usize {
    let me = out.len();
    out.push(Node { value: 0.5, split: None });
    if node.is_leaf() {
        return me;
    }
    let children = node.children();
    let (Some(Some(left)), Some(Some(right))) = (children.first(), children.get(1)) else {
        return me;
    };
    let (f, th, _) = node.split();
    let l = copy_node(left, cols, out);
    let r = copy_node(right, cols, out);
    out[me].split = Some(Split { feature: cols.get(f).copied().unwrap_or(0), threshold: th, left: l, right: r });
    me
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy(n: usize) -> (Array2<f64>, Vec<bool>) {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut x = Array2::zeros((n, 3));
        let mut y = Vec::new();
        for r in 0..n {
            for c in 0..3 {
                x[[r, c]] = rng.random_range(-2.0..2.0);
            }
            let logit = 2.0 * x[[r, 0]] - 1.0 * x[[r, 1]];
            y.push(rng.random::<f64>() < sigmoid(logit));
        }
        (x, y)
    }

    #[test]
    fn logistic_learns_signs_and_explains_exactly() {
        let (x, y) = toy(2000);
        let m = Estimator::fit(&Params::Logistic { alpha: 0.1 }, &x, &y).unwrap();
        let Estimator::Logistic { coefficients, .. } = &m else { panic!("family") };
        assert!(coefficients[0] > 1.0 && coefficients[1] < -0.4 && coefficients[2].abs() < 0.3, "{coefficients:?}");
        let (base, c) = m.explain(x.row(5));
        let p = m.predict(x.row(5));
        assert!((sigmoid(base + c.iter().sum::<f64>()) - p).abs() < 1e-12);
    }

    #[test]
    fn forest_contributions_sum_to_its_probability() {
        let (x, y) = toy(1500);
        let params = Params::Forest { trees: 12, max_depth: 5, min_leaf: 10, feature_share: 0.7, seed: 3 };
        let m = Estimator::fit(&params, &x, &y).unwrap();
        for r in [0, 17, 400] {
            let (base, c) = m.explain(x.row(r));
            assert!((base + c.iter().sum::<f64>() - m.predict(x.row(r))).abs() < 1e-9);
        }
        // The informative feature carries the most credit on average.
        let mut total = [0.0; 3];
        for r in 0..200 {
            for (t, v) in total.iter_mut().zip(m.explain(x.row(r)).1) {
                *t += v.abs();
            }
        }
        assert!(total[0] > total[2] * 2.0, "{total:?}");
        let again = Estimator::fit(&params, &x, &y).unwrap();
        // linfa sums class weights over a HashMap, so near-tied splits can differ between
        // fits in the last bits: the same seed gives the same forest up to such ties.
        let (pa, pb) = (m.predict_all(&x), again.predict_all(&x));
        let mean_gap = pa.iter().zip(&pb).map(|(a, b)| (a - b).abs()).sum::<f64>() / pa.len() as f64;
        assert!(mean_gap < 0.02, "{mean_gap}");
    }

    #[test]
    fn saved_models_score_identically() {
        let (x, y) = toy(800);
        for params in [
            Params::Logistic { alpha: 1.0 },
            Params::Forest { trees: 5, max_depth: 4, min_leaf: 10, feature_share: 1.0, seed: 9 },
        ] {
            let m = Estimator::fit(&params, &x, &y).unwrap();
            let text = serde_json::to_string(&m).unwrap();
            let back: Estimator = serde_json::from_str(&text).unwrap();
            assert_eq!(back, m, "{}", params.label());
            assert_eq!(back.predict_all(&x), m.predict_all(&x));
        }
    }
}
