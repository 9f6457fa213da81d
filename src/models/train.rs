//! Training: time-based backtest over candidates, calibration on out-of-fold scores,
//! test metrics, a one-feature baseline and the fairness report.
//!
//! The split is never random within a term: the test rows are a later term than the
//! training rows, or, when the store holds one term with outcomes, the newest cohort(s)
//! while training uses the earlier ones. Students whose outcome was already recorded at
//! the cut-off (withdrawn before it) are left out of both: the model is for students who
//! are still registered.

use std::collections::{BTreeSet, HashMap};

use datafusion::prelude::SessionContext;

use super::calibrate::Calibrator;
use super::dataset::{self, Frame, Outcome};
use super::estimator::{Estimator, Params};
use super::fairness::{self, FairnessReport};
use super::features::{Feature, Protected, ProtectedAttribute, Source};
use super::metrics::{self, BinaryMetrics};
use super::prep::Prep;
use super::registry::{Baseline, Candidate, ModelFile, Submodel, Target, Window};
use super::term::{self, Cutoff};
use super::{collect, ModelError};
use crate::features::cols::strs;
use crate::schema::time::{date_to_days, days_to_date};
use crate::store::Store;

/// How to pick the cut-offs.
#[derive(Debug, Clone, PartialEq)]
pub enum Windows {
    /// Week N of every term with coursework and grades; the latest term is the test.
    Week(u32),
    /// Explicit as-of dates (days since epoch) for training and test.
    Dates {
        /// Training cut-offs.
        train: Vec<i32>,
        /// Test cut-offs.
        test: Vec<i32>,
    },
}

/// What `radar train` was asked.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Registry name.
    pub name: String,
    /// Target.
    pub target: Target,
    /// Cut-offs.
    pub windows: Windows,
    /// Test on these cohorts (train on the others) instead of a later term.
    pub test_cohorts: Option<Vec<i64>>,
    /// Features (default: all).
    pub features: Vec<Feature>,
    /// Candidates (default: [`default_candidates`]).
    pub candidates: Vec<Params>,
    /// Share of students an alert list should hold (sets the operating threshold);
    /// `None` = the training base rate.
    pub alert_share: Option<f64>,
    /// Campus time zone.
    pub tz: chrono_tz::Tz,
    /// `created_at` stamp.
    pub created_at: String,
}

/// Logistic regression at three penalties and two forests.
pub fn default_candidates(seed: u64) -> Vec<Params> {
    vec![
        Params::Logistic { alpha: 0.1 },
        Params::Logistic { alpha: 1.0 },
        Params::Logistic { alpha: 10.0 },
        Params::Forest { trees: 40, max_depth: 6, min_leaf: 20, feature_share: 0.6, seed },
        Params::Forest { trees: 40, max_depth: 10, min_leaf: 10, feature_share: 0.6, seed },
    ]
}

/// Labelled rows of one cut-off.
pub struct Labelled {
    /// The cut-off.
    pub cut: Cutoff,
    /// Features.
    pub frame: Frame,
    /// Labels.
    pub y: Vec<bool>,
}

fn label(target: Target, o: &Outcome) -> bool {
    match target {
        Target::AnyFail => o.failed_courses > 0,
        Target::Credits6 => o.failed_credits >= 6.0 - 1e-9,
    }
}

/// Rows with a known term outcome that was not yet recorded at the cut-off.
pub async fn labelled(
    ctx: &SessionContext,
    tables: &BTreeSet<String>,
    cut: Cutoff,
    features: &[Feature],
    target: Target,
) -> Result<Labelled, ModelError> {
    let outcomes = dataset::outcomes(ctx, tables, &cut.term).await?;
    let students: Vec<(String, Option<i64>)> = dataset::population(ctx, tables, &cut)
        .await?
        .into_iter()
        .filter(|(id, _)| outcomes.get(id).is_some_and(|o| o.first_recorded >= cut.as_of))
        .collect();
    let frame = dataset::build(ctx, tables, &cut, &students, features).await?;
    let y = frame.ids.iter().map(|id| outcomes.get(id).is_some_and(|o| label(target, o))).collect();
    Ok(Labelled { cut, frame, y })
}

/// First and last day (exclusive) of a term's period, from its name.
pub fn period(term: &str) -> Option<(i32, i32)> {
    let mut it = term.split('-');
    let y: i32 = it.next()?.parse().ok()?;
    let _ = it.next()?;
    let n: u8 = it.next()?.parse().ok()?;
    let d = |y, m| chrono::NaiveDate::from_ymd_opt(y, m, 1).map(date_to_days);
    match n {
        1 => Some((d(y, 8)?, d(y + 1, 2)?)),
        2 => Some((d(y + 1, 2)?, d(y + 1, 8)?)),
        _ => None,
    }
}

/// The as-of date of week `week` of every term that has coursework and grades, oldest first.
pub async fn week_cutoffs(
    ctx: &SessionContext,
    tables: &BTreeSet<String>,
    week: u32,
    tz: chrono_tz::Tz,
) -> Result<Vec<i32>, ModelError> {
    if !tables.contains("coursework") || !tables.contains("grades") {
        return Err(ModelError::NoData("training needs coursework and grades in the store".into()));
    }
    let sql = "SELECT DISTINCT term FROM coursework INTERSECT SELECT DISTINCT term FROM grades ORDER BY term";
    let mut out = Vec::new();
    for b in collect(ctx, sql).await? {
        let t = strs(&b, "term")?;
        for r in 0..b.num_rows() {
            let Some((_, end)) = period(t.get(r)) else { continue };
            let whole = term::cutoff(ctx, tables, end - 1, tz).await?;
            out.push(whole.term_start + 7 * week as i32);
        }
    }
    Ok(out)
}

async fn protected(
    ctx: &SessionContext,
    ids: &[String],
    attribute: ProtectedAttribute,
) -> Result<Vec<Protected>, ModelError> {
    let col = attribute.column();
    let mut by_id: HashMap<String, String> = HashMap::new();
    for b in collect(ctx, &format!("SELECT student_id, \"{col}\" AS g FROM students")).await? {
        let (id, g) = (strs(&b, "student_id")?, strs(&b, "g")?);
        for r in 0..b.num_rows() {
            if !g.is_null(r) {
                by_id.insert(id.get(r).to_string(), g.get(r).to_string());
            }
        }
    }
    Ok(ids.iter().map(|id| Protected::new(attribute, by_id.get(id).cloned())).collect())
}

fn concat(parts: &[Labelled]) -> (Frame, Vec<bool>) {
    let features = parts.first().map(|p| p.frame.features.clone()).unwrap_or_default();
    let mut f = Frame { ids: Vec::new(), cohort: Vec::new(), features, x: Vec::new() };
    let mut y = Vec::new();
    for p in parts {
        f.ids.extend(p.frame.ids.iter().cloned());
        f.cohort.extend(p.frame.cohort.iter().copied());
        f.x.extend(p.frame.x.iter().copied());
        y.extend(p.y.iter().copied());
    }
    (f, y)
}

fn window(l: &Labelled, cohorts: &[i64]) -> Window {
    Window {
        term: l.cut.term.clone(),
        as_of: days_to_date(l.cut.as_of).to_string(),
        term_start: days_to_date(l.cut.term_start).to_string(),
        cohorts: cohorts.to_vec(),
        rows: l.y.len(),
        positives: l.y.iter().filter(|b| **b).count(),
    }
}

fn split_cohorts(parts: Vec<Labelled>, test: &[i64]) -> (Vec<Labelled>, Vec<Labelled>) {
    let (mut tr, mut te) = (Vec::new(), Vec::new());
    // Training uses only cohorts that enrolled before every test cohort.
    let first = test.iter().min().copied().unwrap_or(i64::MIN);
    for p in parts {
        let side: Vec<Option<bool>> = p
            .frame
            .cohort
            .iter()
            .map(|c| match c {
                Some(c) if test.contains(c) => Some(true),
                Some(c) if *c < first => Some(false),
                _ => None,
            })
            .collect();
        let pick = |want: bool| Labelled {
            cut: p.cut.clone(),
            frame: p.frame.filter(|r| side[r] == Some(want)),
            y: p.y.iter().zip(&side).filter(|(_, t)| **t == Some(want)).map(|(y, _)| *y).collect(),
        };
        tr.push(pick(false));
        te.push(pick(true));
    }
    (tr, te)
}

/// Trains, backtests and returns the model file (not yet saved).
pub async fn train(store: &Store, opts: &TrainOptions) -> Result<ModelFile, ModelError> {
    if opts.features.is_empty() || opts.candidates.is_empty() {
        return Err(ModelError::Invalid("no features or no candidates to train".into()));
    }
    let ctx = store.session().await?;
    let tables: BTreeSet<String> = store.table_names().into_iter().collect();
    let (train_days, test_days) = match &opts.windows {
        Windows::Dates { train, test } => (train.clone(), test.clone()),
        Windows::Week(w) => {
            let mut all = week_cutoffs(&ctx, &tables, *w, opts.tz).await?;
            if all.len() >= 2 && opts.test_cohorts.is_none() {
                let last = all.pop().unwrap_or_default();
                (all, vec![last])
            } else {
                (all, Vec::new())
            }
        }
    };
    let load = |days: Vec<i32>| {
        let (ctx, tables) = (&ctx, &tables);
        async move {
            let mut v = Vec::new();
            for d in days {
                let cut = term::cutoff(ctx, tables, d, opts.tz).await?;
                v.push(labelled(ctx, tables, cut, &opts.features, opts.target).await?);
            }
            Ok::<_, ModelError>(v)
        }
    };
    let train_parts = load(train_days).await?;
    let mut test_parts = load(test_days).await?;
    let (train_parts, test_cohorts, split) = if test_parts.is_empty() {
        let cohorts = match &opts.test_cohorts {
            Some(c) => c.clone(),
            None => {
                let newest = train_parts.iter().flat_map(|p| p.frame.cohort.iter().flatten()).max().copied();
                newest.into_iter().collect()
            }
        };
        let (tr, te) = split_cohorts(train_parts, &cohorts);
        test_parts = te;
        let label =
            format!("cohort: test on cohort(s) {cohorts:?}, train on the cohorts enrolled before, same cut-off");
        (tr, cohorts, label)
    } else {
        (train_parts, Vec::new(), "time: test on a later term than every training term".to_string())
    };
    let (train_f, ytr) = concat(&train_parts);
    let (test_f, yte) = concat(&test_parts);
    if train_f.is_empty() || test_f.is_empty() {
        return Err(ModelError::NoData(format!(
            "{} training and {} test rows with outcomes: need both (are grades ingested for those terms?)",
            train_f.len(),
            test_f.len()
        )));
    }
    tracing::info!(train = train_f.len(), test = test_f.len(), "training rows");
    let main = fit_best(&train_f, &ytr, &test_f, &yte, &opts.candidates)?;

    // Students without earlier grades (freshmen) are scored by a model that never saw
    // grade history: one trained with history would read their missing history as average.
    let no_hist_test = no_history(&test_f);
    let uses_history =
        main.prep.columns.iter().any(|c| c.feature.parse::<Feature>().is_ok_and(|f| f.source() == Source::Grades));
    let no_history_model = if uses_history {
        let keep: Vec<Feature> = train_f.features.iter().copied().filter(|f| f.source() != Source::Grades).collect();
        let rows: Vec<usize> = (0..test_f.len()).filter(|&r| no_hist_test[r]).collect();
        let enough = rows.len() >= 20 && rows.iter().any(|&r| yte[r]) && rows.iter().any(|&r| !yte[r]);
        let (te, yt) = if enough {
            (test_f.filter(|r| no_hist_test[r]).select(&keep), rows.iter().map(|&r| yte[r]).collect())
        } else {
            (test_f.select(&keep), yte.clone())
        };
        Some(fit_best(&train_f.select(&keep), &ytr, &te, &yt, &opts.candidates)?)
    } else {
        None
    };
    let mut raw_test = main.raw_test.clone();
    let mut cal_test: Vec<f64> = raw_test.iter().map(|p| main.calibrator.apply(*p)).collect();
    if let Some(fb) = &no_history_model {
        let x = fb.prep.matrix(&test_f)?;
        for r in (0..test_f.len()).filter(|&r| no_hist_test[r]) {
            raw_test[r] = fb.estimator.predict(x.row(r));
            cal_test[r] = fb.calibrator.apply(raw_test[r]);
        }
    }
    let cal_train: Vec<f64> = main.oof.iter().map(|p| main.calibrator.apply(*p)).collect();
    let base_rate = ytr.iter().filter(|b| **b).count() as f64 / ytr.len() as f64;
    let threshold = fairness::operating_threshold(&cal_train, &ytr, opts.alert_share.unwrap_or(base_rate));
    let Fitted { params, prep, estimator, calibrator, candidates, .. } = main;

    let baseline = baseline(&prep, &train_f, &test_f, &ytr, &yte)?;
    let mut fair = Vec::new();
    for attr in [ProtectedAttribute::Gender, ProtectedAttribute::College] {
        let groups = protected(&ctx, &test_f.ids, attr).await?;
        fair.extend(fairness_report(attr, &cal_test, &yte, &groups, threshold));
    }
    let test_windows = test_parts.iter().map(|p| window(p, &test_cohorts)).collect();
    let train_cohorts: Vec<i64> = if test_cohorts.is_empty() {
        Vec::new()
    } else {
        let set: BTreeSet<i64> = train_f.cohort.iter().flatten().copied().collect();
        set.into_iter().collect()
    };
    Ok(ModelFile {
        name: opts.name.clone(),
        version: String::new(),
        created_at: opts.created_at.clone(),
        target: opts.target,
        params,
        prep,
        estimator,
        calibrator,
        threshold,
        split,
        train: train_parts.iter().map(|p| window(p, &train_cohorts)).collect(),
        test: test_windows,
        candidates,
        metrics: BinaryMetrics::compute(&cal_test, &yte),
        raw_brier: metrics::brier(&raw_test, &yte),
        reliability: metrics::reliability_table(&cal_test, &yte, 10),
        baseline,
        fairness: fair,
        no_history: no_history_model.map(|f| Submodel {
            params: f.params,
            prep: f.prep,
            estimator: f.estimator,
            calibrator: f.calibrator,
            candidates: f.candidates,
            test_rows: no_hist_test.iter().filter(|b| **b).count(),
        }),
    })
}

/// One fitted candidate family member with its calibration.
struct Fitted {
    params: Params,
    prep: Prep,
    estimator: Estimator,
    calibrator: Calibrator,
    candidates: Vec<Candidate>,
    raw_test: Vec<f64>,
    oof: Vec<f64>,
}

/// Fits every candidate on the training rows, keeps the best test AUC, and calibrates it on
/// out-of-fold training scores.
fn fit_best(
    train_f: &Frame,
    ytr: &[bool],
    test_f: &Frame,
    yte: &[bool],
    cands: &[Params],
) -> Result<Fitted, ModelError> {
    let prep = Prep::fit(train_f)?;
    let (xtr, xte) = (prep.matrix(train_f)?, prep.matrix(test_f)?);
    let mut candidates = Vec::new();
    let mut best: Option<(usize, f64, Estimator, Vec<f64>)> = None;
    for (i, params) in cands.iter().enumerate() {
        let est = Estimator::fit(params, &xtr, ytr)?;
        let p = est.predict_all(&xte);
        let m = BinaryMetrics::compute(&p, yte);
        let auc = m.auc.unwrap_or(f64::NEG_INFINITY);
        tracing::info!(candidate = %params.label(), auc, "backtest");
        if best.as_ref().is_none_or(|b| auc > b.1) {
            best = Some((i, auc, est, p));
        }
        candidates.push(Candidate { params: params.clone(), test: m, chosen: false });
    }
    let Some((chosen, _, estimator, raw_test)) = best else {
        return Err(ModelError::Invalid("no candidates".into()));
    };
    candidates[chosen].chosen = true;
    let params = cands[chosen].clone();
    // Calibration on out-of-fold scores of the training rows (5 folds by student).
    let oof = out_of_fold(&params, &xtr, ytr, &train_f.ids)?;
    let (half_a, half_b): (Vec<usize>, Vec<usize>) = (0..oof.len()).partition(|i| i % 2 == 0);
    let pick = |ix: &[usize], v: &[f64]| ix.iter().map(|&i| v[i]).collect::<Vec<f64>>();
    let pick_y = |ix: &[usize]| ix.iter().map(|&i| ytr[i]).collect::<Vec<bool>>();
    let (kind, _) =
        super::calibrate::choose(&pick(&half_a, &oof), &pick_y(&half_a), &pick(&half_b, &oof), &pick_y(&half_b));
    // The kind is chosen on halves of the out-of-fold scores; the chosen kind is refitted on all.
    let calibrator = match &kind {
        Calibrator::Platt { .. } => Calibrator::fit_platt(&oof, ytr).unwrap_or(kind),
        Calibrator::Isotonic { .. } => Calibrator::fit_isotonic(&oof, ytr).unwrap_or(kind),
        Calibrator::Identity => kind,
    };
    Ok(Fitted { params, prep, estimator, calibrator, candidates, raw_test, oof })
}

/// Rows with no earlier grades (`prior_terms` 0 or unknown); none when the frame lacks it.
pub fn no_history(frame: &Frame) -> Vec<bool> {
    match frame.features.iter().position(|f| *f == Feature::PriorTerms) {
        Some(c) => (0..frame.len()).map(|r| !(frame.get(r, c) > 0.0)).collect(),
        None => vec![false; frame.len()],
    }
}

fn fairness_report(
    attr: ProtectedAttribute,
    scores: &[f64],
    labels: &[bool],
    groups: &[Protected],
    threshold: f64,
) -> Option<FairnessReport> {
    let g: Vec<Option<String>> = groups.iter().map(|p| p.group().map(str::to_string)).collect();
    fairness::fairness_report(attr.column(), scores, labels, &g, threshold, 30)
}

/// Out-of-fold raw scores: each training row scored by a model fitted without its fold.
fn out_of_fold(params: &Params, x: &ndarray::Array2<f64>, y: &[bool], ids: &[String]) -> Result<Vec<f64>, ModelError> {
    const FOLDS: u64 = 5;
    let fold: Vec<u64> = ids.iter().map(|id| xxhash_rust::xxh3::xxh3_64(id.as_bytes()) % FOLDS).collect();
    let mut out = vec![f64::NAN; y.len()];
    for k in 0..FOLDS {
        let (fit, hold): (Vec<usize>, Vec<usize>) = (0..y.len()).partition(|&i| fold[i] != k);
        if hold.is_empty() || fit.is_empty() {
            continue;
        }
        let xf = x.select(ndarray::Axis(0), &fit);
        let yf: Vec<bool> = fit.iter().map(|&i| y[i]).collect();
        let est = Estimator::fit(params, &xf, &yf)?;
        for &i in &hold {
            out[i] = est.predict(x.row(i));
        }
    }
    Ok(out)
}

fn baseline(
    prep: &Prep,
    train: &Frame,
    test: &Frame,
    ytr: &[bool],
    yte: &[bool],
) -> Result<Option<Baseline>, ModelError> {
    let order = [Feature::LmsClicksTerm, Feature::AttRateTerm, Feature::CwMeanScore];
    let Some(f) = order.iter().find(|f| prep.columns.iter().any(|c| c.feature == f.name())) else {
        return Ok(None);
    };
    let c = train.features.iter().position(|x| x == f).unwrap_or(0);
    let one = |fr: &Frame| Frame {
        ids: fr.ids.clone(),
        cohort: fr.cohort.clone(),
        features: vec![*f],
        x: (0..fr.len()).map(|r| fr.get(r, c)).collect(),
    };
    let (tr, te) = (one(train), one(test));
    let p1 = Prep::fit(&tr)?;
    let est = Estimator::fit(&Params::Logistic { alpha: 1.0 }, &p1.matrix(&tr)?, ytr)?;
    let p = est.predict_all(&p1.matrix(&te)?);
    Ok(Some(Baseline { feature: format!("{} alone (logistic)", f.name()), metrics: BinaryMetrics::compute(&p, yte) }))
}
