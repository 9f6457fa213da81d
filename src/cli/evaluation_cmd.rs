//! `radar evaluate students` (comprehensive evaluation, 德智体美劳) and `radar evaluate
//! community` (guideline indicators of the student community). Results go to stdout,
//! a summary to stderr; ids and aggregates only.

use std::io::Write;

use anyhow::Context;
use arrow::array::RecordBatch;

use super::args::{CommunityBy, EvalCommunityArgs, EvalStudentsArgs};
use super::output::write_batches;
use super::{default_format, Failure, Settings};
use crate::evaluation::community::community_batch;
use crate::evaluation::indicators::resolve;
use crate::evaluation::tables::{students_batch, weights_batch};
use crate::evaluation::{
    community_indicators, evaluate_students, write_evaluation, CommunityOptions, EvalOptions, EvaluationError,
    ExpertWeights, GroupBy, IndicatorSet, WeightStatus, DIMENSIONS, EVALUATION_WEIGHTS, STUDENT_EVALUATION,
};
use crate::store::Store;

fn fail(e: EvaluationError) -> Failure {
    if e.is_config() {
        Failure::Usage(e.into())
    } else {
        Failure::Job(e.into())
    }
}

fn emit(b: &RecordBatch, format: Option<super::args::OutputFormat>, s: &Settings) -> Result<(), Failure> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    write_batches(&mut out, std::slice::from_ref(b), default_format(format), s.tz).context("writing output")?;
    out.flush().context("writing output")?;
    Ok(())
}

/// `radar evaluate students`.
pub(super) async fn students(a: EvalStudentsArgs, s: &Settings) -> Result<(), Failure> {
    let indicators = IndicatorSet::load(resolve(a.indicators).as_deref()).map_err(fail)?;
    let weights = match &a.weights {
        Some(p) => Some(ExpertWeights::load(p).map_err(fail)?),
        None => None,
    };
    if let Some(w) = &weights {
        w.check(&indicators).map_err(fail)?;
    }
    let store = Store::open_existing(&s.store).map_err(crate::Error::from)?;
    let opts = EvalOptions { term: a.term, now: s.now, tz: s.tz, indicators, weights };
    let r = evaluate_students(&store, &opts).await.map_err(fail)?;
    if !a.no_write {
        write_evaluation(&store, &r).await.map_err(fail)?;
    }
    let batch = if a.show_weights { weights_batch(&r) } else { students_batch(&r) }.map_err(fail)?;
    emit(&batch, a.format, s)?;
    if !s.quiet {
        let list = |st: WeightStatus| {
            let v = r.with_status(st);
            if v.is_empty() {
                String::new()
            } else {
                format!(" ({})", v.join(", "))
            }
        };
        for w in r.weights.iter().filter(|w| w.status != WeightStatus::Used && !w.note.is_empty()) {
            eprintln!("evaluate: {} [{}]: {}", w.indicator, w.status.name(), w.note);
        }
        let dims: Vec<String> =
            DIMENSIONS.iter().map(|d| format!("{} {:.3}", d.name(), r.dimension_weights[d.index()])).collect();
        eprintln!(
            "evaluate {} (window {}, as of {}): {} students, {} weights from {}; indicators: {} used, \
             {} constant{}, {} without values{}, {} unavailable{}; dimension weights in the total: {}; {} ({:.2} s)",
            r.term.term,
            r.term.describe(),
            crate::schema::time::days_to_date(r.term.as_of),
            r.students.len(),
            r.method.name(),
            r.indicators_source,
            r.with_status(WeightStatus::Used).len(),
            r.with_status(WeightStatus::Constant).len(),
            list(WeightStatus::Constant),
            r.with_status(WeightStatus::NoValues).len(),
            list(WeightStatus::NoValues),
            r.with_status(WeightStatus::Unavailable).len(),
            list(WeightStatus::Unavailable),
            dims.join(", "),
            if a.no_write {
                "not written (--no-write)".to_string()
            } else {
                format!("written to {STUDENT_EVALUATION} and {EVALUATION_WEIGHTS}")
            },
            r.seconds
        );
    }
    Ok(())
}

/// `radar evaluate community`.
pub(super) async fn community(a: EvalCommunityArgs, s: &Settings) -> Result<(), Failure> {
    let t0 = std::time::Instant::now();
    let store = Store::open_existing(&s.store).map_err(crate::Error::from)?;
    let by = match a.by {
        CommunityBy::Campus => GroupBy::Campus,
        CommunityBy::Building => GroupBy::Building,
        CommunityBy::College => GroupBy::College,
    };
    let opts = CommunityOptions { month: a.month, by, now: s.now, tz: s.tz };
    let r = community_indicators(&store, &opts).await.map_err(fail)?;
    emit(&community_batch(&r).map_err(fail)?, a.format, s)?;
    if !s.quiet {
        for n in &r.notes {
            eprintln!("evaluate community: {n}");
        }
        let met = r.rows.iter().filter(|x| x.met == Some(true)).count();
        let unknown = r.rows.iter().filter(|x| x.met.is_none()).count();
        eprintln!(
            "evaluate community {}{} by {}: {} rows, {} met, {} not met, {} without data ({:.2} s)",
            r.month,
            if r.complete { "" } else { " (not complete: counted up to the clock's date)" },
            by.name(),
            r.rows.len(),
            met,
            r.rows.len() - met - unknown,
            unknown,
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
