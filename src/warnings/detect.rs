//! Evaluates the rules over the inputs: one candidate per student and firing rule, with
//! its level, a priority statistic and the evidence that explains it.
//!
//! A rule never fires on a source the student has no data for (a student on mobile data
//! leaves no Wi-Fi sessions; absent data is not absent activity): such a source is
//! listed in the evidence as missing instead.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::absence::{calendar_label, excused_hours, leave_days, overdue};
use super::inputs::{Inputs, TRACE_SOURCES};
use super::rules::{
    render, Agg, Change, Check, Composite, DormNight, LeaveOverdue, Risk, Rule, RuleSet, Screening, Silence, Term,
    Threshold,
};
use super::trend::{cusum, mann_kendall, mean, median, robust_scale, theil_sen};
use crate::features::clock::LocalClock;
use crate::schema::time::days_to_date;

const HOUR: i64 = 3_600_000_000;

/// A rule firing for a student.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Student index in [`Inputs::students`].
    pub student: usize,
    /// Rule id.
    pub rule: String,
    /// Category.
    pub category: String,
    /// Level.
    pub level: &'static str,
    /// The rule's statistic, normalised to "how far past yellow" (for priority).
    pub severity: f64,
    /// `feature, value, baseline, cohort_pct, trend, sources_used, sources_missing`.
    pub evidence: Value,
    /// Reason, Chinese.
    pub reason_zh: String,
    /// Reason, English.
    pub reason_en: String,
}

/// What a check found before the common parts (sources, reasons) are added.
struct Hit {
    level: &'static str,
    severity: f64,
    feature: String,
    value: Option<f64>,
    baseline: Option<f64>,
    cohort_pct: Option<f64>,
    trend: Value,
    vars: BTreeMap<&'static str, String>,
}

/// Runs every rule; composite rules see the others' results. Signals that do not stand
/// alone and signals a composite folded in are left out.
pub fn detect(rules: &RuleSet, inp: &Inputs) -> Vec<Candidate> {
    let out = signals(rules, inp);
    fold(rules, inp, out)
}

/// Every non-composite rule firing, including signals that do not stand alone.
pub fn signals(rules: &RuleSet, inp: &Inputs) -> Vec<Candidate> {
    let mut ctx = Shared::new(inp);
    ctx.leave_rule = rules.rules.iter().any(|r| matches!(r.check, Check::Leave(_)));
    let mut out: Vec<Candidate> = Vec::new();
    // A holiday or vacation changes everybody's weeks; the change rules hold back while
    // three or more of the last seven days were quiet on campus (or, with a calendar, were
    // holiday or vacation days).
    let holiday = (ctx.quiet & 0x7f).count_ones() >= 3;
    if holiday {
        tracing::info!(calendar = calendar_label(inp), "holiday on most of the last 7 days: change rules hold back");
    }
    for rule in rules.rules.iter().filter(|r| !matches!(r.check, Check::Composite(_))) {
        if holiday && matches!(rule.check, Check::Change(_)) {
            continue;
        }
        let cohort = match &rule.check {
            Check::Threshold(t) => group_aggregates(t, inp, &ctx),
            _ => Vec::new(),
        };
        for s in 0..inp.students.len() {
            if rule.sources.iter().any(|src| !inp.has_source(s, src)) {
                continue;
            }
            let hit = match &rule.check {
                Check::Change(c) => change(c, inp, &ctx, s),
                Check::Threshold(t) => threshold(t, inp, &cohort, s),
                Check::Term(t) => term(t, inp, s),
                Check::Screening(x) => screening(x, inp, s),
                Check::Silence(x) => silence(x, inp, &ctx, s),
                Check::DormNight(x) => dorm_night(x, inp, &ctx, s),
                Check::Leave(x) => leave_overdue(x, inp, s),
                Check::Risk(x) => risk(x, inp, s),
                Check::Composite(_) => None,
            };
            if let Some(h) = hit {
                out.push(finish(rule, inp, s, h));
            }
        }
    }
    out
}

fn fold(rules: &RuleSet, inp: &Inputs, mut out: Vec<Candidate>) -> Vec<Candidate> {
    // A composite absorbs the signals it counts: one warning that names them all,
    // rather than one per signal.
    let mut absorbed = std::collections::HashSet::new();
    let mut composites = Vec::new();
    for rule in &rules.rules {
        if let Check::Composite(c) = &rule.check {
            for (s, h) in composite(c, &out, inp.students.len()) {
                absorbed.extend(c.rules.iter().map(|r| (s, r.clone())));
                composites.push(finish(rule, inp, s, h));
            }
        }
    }
    // Signals that do not stand alone only ever count towards a composite.
    out.retain(|c| !absorbed.contains(&(c.student, c.rule.clone())) && rules.get(&c.rule).is_none_or(|r| r.alone));
    out.extend(composites);
    out
}

fn finish(rule: &Rule, inp: &Inputs, s: usize, mut h: Hit) -> Candidate {
    let used: Vec<&str> = rule.sources.iter().map(String::as_str).filter(|src| inp.has_source(s, src)).collect();
    let missing: Vec<&str> = super::rules::SOURCES.iter().copied().filter(|src| !inp.has_source(s, src)).collect();
    let r3 = |v: Option<f64>| v.map(round3);
    h.vars.insert("value", fmt(h.value));
    h.vars.insert("baseline", fmt(h.baseline));
    h.vars.insert("cohort_pct", h.cohort_pct.map_or_else(|| "-".into(), |p| format!("{:.0}%", p * 100.0)));
    let mut evidence = json!({
        "feature": h.feature,
        "value": r3(h.value),
        "baseline": r3(h.baseline),
        "cohort_pct": r3(h.cohort_pct),
        "trend": h.trend,
        "sources_used": used,
        "sources_missing": missing,
    });
    // Rules that leave holidays out say whose holidays: the calendar's or inferred ones.
    if matches!(rule.check, Check::Change(_) | Check::Silence(_) | Check::DormNight(_) | Check::Composite(_)) {
        evidence["calendar"] = json!(calendar_label(inp));
    }
    Candidate {
        student: s,
        rule: rule.id.clone(),
        category: rule.category.clone(),
        level: h.level,
        severity: h.severity,
        evidence,
        reason_zh: render(&rule.reason_zh, &h.vars),
        reason_en: render(&rule.reason_en, &h.vars),
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

fn fmt(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(x) if (x - x.round()).abs() < 1e-9 => format!("{}", x.round() as i64),
        Some(x) if x.abs() >= 10.0 => format!("{x:.0}"),
        Some(x) => format!("{x:.1}"),
    }
}

/// Per-run precomputations shared by the rules.
struct Shared {
    /// feature → [group][week] median, falling back to the campus median for small groups.
    medians: BTreeMap<String, Vec<Vec<Option<f64>>>>,
    /// Students of each group.
    members: Vec<Vec<usize>>,
    /// Quiet days (holidays): bit i = D − 1 − i; the calendar's when one was sent.
    quiet: u64,
    /// Whether a leave rule raises overdue students (the silence rule then leaves them to it).
    leave_rule: bool,
}

/// Smallest group whose own median is used; smaller ones use the campus median.
const MIN_GROUP: usize = 8;

impl Shared {
    fn new(inp: &Inputs) -> Shared {
        let mut members = vec![Vec::new(); inp.groups];
        for (i, s) in inp.students.iter().enumerate() {
            members[s.group].push(i);
        }
        let nw = inp.weeks.len();
        let mut medians = BTreeMap::new();
        for (f, m) in &inp.weekly {
            let mut out = vec![vec![None; nw]; inp.groups];
            for w in 0..nw {
                let all: Vec<f64> = m.iter().filter_map(|v| v[w]).collect();
                let campus = median(&all);
                for (g, mem) in members.iter().enumerate() {
                    let vals: Vec<f64> = mem.iter().filter_map(|&s| m[s][w]).collect();
                    out[g][w] = if vals.len() >= MIN_GROUP { median(&vals) } else { campus };
                }
            }
            medians.insert(f.clone(), out);
        }
        let quiet = inp.calendar.unwrap_or_else(|| quiet_days(inp));
        Shared { medians, members, quiet, leave_rule: false }
    }

    /// Cohort percentile of a student's value of week `w`.
    fn week_pct(&self, inp: &Inputs, feature: &str, s: usize, w: usize) -> Option<f64> {
        let m = inp.weekly.get(feature)?;
        let x = m[s][w]?;
        let mut vals: Vec<f64> = self.members[inp.students[s].group].iter().filter_map(|&o| m[o][w]).collect();
        vals.sort_by(f64::total_cmp);
        sorted_pct(&vals, x)
    }
}

/// Days on which anyone at all left a trace on campus (the store's history).
fn campus_days(inp: &Inputs) -> u64 {
    inp.traces.iter().map(on_campus_days).fold(0, |a, b| a | b)
}

/// Days with a trace of a kind left on campus.
pub fn on_campus_days(t: &super::inputs::Traces) -> u64 {
    TRACE_SOURCES
        .iter()
        .zip(t.days.iter())
        .filter(|((k, _, _), _)| super::inputs::on_campus(k))
        .fold(0, |a, (_, d)| a | d)
}

/// Days on which more than a quarter of the normally active students left no trace at
/// all (public holidays, vacations): silences over them are not counted.
fn quiet_days(inp: &Inputs) -> u64 {
    let any: Vec<u64> = inp.traces.iter().map(on_campus_days).collect();
    // Students present on at least half of the days the campus saw anyone (so the first
    // weeks of a new store work too).
    let campus_days = any.iter().fold(0u64, |a, b| a | b).count_ones();
    let active: Vec<u64> = any.iter().copied().filter(|d| d.count_ones() * 2 >= campus_days.max(1)).collect();
    if active.is_empty() {
        return 0;
    }
    let mut quiet = 0u64;
    for bit in 0..super::inputs::TRACE_DAYS {
        let silent = active.iter().filter(|d| *d & (1 << bit) == 0).count();
        if silent as f64 > 0.25 * active.len() as f64 {
            quiet |= 1 << bit;
        }
    }
    quiet
}

fn week_names(inp: &Inputs, from: usize) -> Vec<String> {
    inp.weeks[from..].iter().map(|w| days_to_date(*w).to_string()).collect()
}

fn change(c: &Change, inp: &Inputs, ctx: &Shared, s: usize) -> Option<Hit> {
    let m = inp.weekly.get(&c.feature)?;
    let med = ctx.medians.get(&c.feature)?;
    let g = inp.students[s].group;
    let additive = super::inputs::ADDITIVE.contains(&c.feature.as_str());
    let nw = if additive { inp.weeks.len() } else { inp.complete };
    let span = c.baseline_weeks + c.recent_weeks;
    if nw < span {
        return None;
    }
    let start = nw - span;
    let raw = &m[s][start..];
    // Cohort-adjusted: a holiday week that moves everybody moves nobody.
    let resid: Vec<Option<f64>> = (start..nw).map(|w| Some(m[s][w]? - med[g][w]?)).collect();
    let base: Vec<f64> = resid[..c.baseline_weeks].iter().flatten().copied().collect();
    let recent: Vec<f64> = resid[c.baseline_weeks..].iter().flatten().copied().collect();
    if base.len() < c.min_baseline_weeks || recent.is_empty() || raw[span - 1].is_none() {
        return None;
    }
    let centre = median(&base)?;
    let scale = robust_scale(&base, c.min_scale);
    let sign = c.direction.sign();
    let z: Vec<f64> = recent.iter().map(|r| sign * (r - centre) / scale).collect();
    let stat = cusum(&z, c.allowance);
    let level = c.levels.level(stat, true)?;
    let base_raw: Vec<f64> = raw[..c.baseline_weeks].iter().flatten().copied().collect();
    let recent_raw: Vec<f64> = raw[c.baseline_weeks..].iter().flatten().copied().collect();
    let (bm, rm) = (mean(&base_raw)?, mean(&recent_raw)?);
    let delta = sign * (rm - bm);
    if delta < c.min_change || (bm.abs() > 1e-9 && delta / bm.abs() < c.min_relative) {
        return None;
    }
    let pct = ctx.week_pct(inp, &c.feature, s, nw - 1);
    if let (Some(guard), Some(p)) = (c.cohort_pct, pct) {
        let ok = match c.direction {
            super::rules::Direction::Down => p <= guard,
            super::rules::Direction::Up => p >= guard,
        };
        if !ok {
            return None;
        }
    }
    let series: Vec<f64> = raw.iter().flatten().copied().collect();
    let mk = mann_kendall(&series);
    if let Some(p) = c.trend_p {
        if mk.p > p || (mk.s as f64) * sign <= 0.0 {
            return None;
        }
    }
    let slope = theil_sen(&series);
    let mut vars = BTreeMap::new();
    vars.insert("weeks", c.recent_weeks.to_string());
    vars.insert("recent", fmt(Some(rm)));
    vars.insert(
        "change_pct",
        if bm.abs() > 1e-9 { format!("{:.0}%", 100.0 * (rm - bm).abs() / bm.abs()) } else { "-".into() },
    );
    let yellow = c.levels.yellow.or(c.levels.orange).or(c.levels.red).unwrap_or(1.0).max(1e-9);
    Some(Hit {
        level,
        severity: stat / yellow,
        feature: c.feature.clone(),
        value: raw[span - 1],
        baseline: Some(bm),
        cohort_pct: pct,
        trend: json!({
            "method": "cusum",
            "weeks": week_names(inp, start),
            "last_week_days": if inp.partial_days > 0 && additive { inp.partial_days } else { 7 },
            "values": raw.iter().map(|v| v.map(round3)).collect::<Vec<_>>(),
            "recent_mean": round3(rm),
            "baseline_median_vs_cohort": round3(centre),
            "robust_sd": round3(scale),
            "cusum": round3(stat),
            "theil_sen_slope": slope.map(round3),
            "mann_kendall_s": mk.s,
            "mann_kendall_p": round3(mk.p),
        }),
        vars,
    })
}

fn aggregate(values: &[Option<f64>], agg: Agg) -> (Option<f64>, usize) {
    let v: Vec<f64> = values.iter().flatten().copied().collect();
    let n = v.len();
    let a = match agg {
        Agg::Mean => mean(&v),
        Agg::Sum => (!v.is_empty()).then(|| v.iter().fold(0.0, |a, b| a + b)),
        Agg::Min => v.iter().copied().reduce(f64::min),
        Agg::Max => v.iter().copied().reduce(f64::max),
    };
    (a, n)
}

fn window<'a>(inp: &'a Inputs, feature: &str, s: usize, weeks: usize) -> Option<&'a [Option<f64>]> {
    let m = inp.weekly.get(feature)?;
    let nw = inp.complete;
    (nw >= weeks).then(|| &m[s][nw - weeks..nw])
}

/// Each cohort group's aggregates of a threshold rule's feature, sorted (once per rule).
fn group_aggregates(t: &Threshold, inp: &Inputs, ctx: &Shared) -> Vec<Vec<f64>> {
    ctx.members
        .iter()
        .map(|mem| {
            let mut v: Vec<f64> = mem
                .iter()
                .filter_map(|&o| {
                    let (a, k) = aggregate(window(inp, &t.feature, o, t.weeks)?, t.agg);
                    a.filter(|_| k >= t.min_weeks)
                })
                .collect();
            v.sort_by(f64::total_cmp);
            v
        })
        .collect()
}

/// Percentile of `x` among sorted values as features.md ranks: strictly lower / (n − 1).
fn sorted_pct(sorted: &[f64], x: f64) -> Option<f64> {
    match sorted.len() {
        0 => None,
        1 => Some(0.0),
        n => Some(sorted.partition_point(|v| *v < x - 1e-9) as f64 / (n - 1) as f64),
    }
}

fn threshold(t: &Threshold, inp: &Inputs, cohort: &[Vec<f64>], s: usize) -> Option<Hit> {
    for q in &t.require {
        let (a, _) = aggregate(window(inp, &q.feature, s, q.weeks)?, q.agg);
        if !q.op.holds(a?, q.value) {
            return None;
        }
    }
    let w = window(inp, &t.feature, s, t.weeks)?;
    let (value, n) = aggregate(w, t.agg);
    let value = value?;
    if n < t.min_weeks {
        return None;
    }
    let pct = {
        let vals = &cohort[inp.students[s].group];
        if let Some(share) = t.max_share_of_median {
            if median(vals).is_some_and(|m| value > share * m) {
                return None;
            }
        }
        sorted_pct(vals, value)
    };
    let stat = if t.on == "cohort_pct" { pct? } else { value };
    let level = t.levels.level(stat, t.higher_is_worse)?;
    let yellow = t.levels.yellow.or(t.levels.orange).or(t.levels.red).unwrap_or(1.0);
    let severity = if t.higher_is_worse { stat / yellow.max(1e-9) } else { (yellow + 1e-3) / (stat + 1e-3) };
    let mut vars = BTreeMap::new();
    vars.insert("weeks", t.weeks.to_string());
    Some(Hit {
        level,
        severity,
        feature: t.feature.clone(),
        value: Some(value),
        baseline: None,
        cohort_pct: pct,
        trend: json!({
            "method": format!("{:?} over {} weeks", t.agg, t.weeks).to_lowercase(),
            "weeks": inp.weeks[inp.complete - t.weeks..inp.complete].iter().map(|w| days_to_date(*w).to_string()).collect::<Vec<_>>(),
            "values": w.iter().map(|v| v.map(round3)).collect::<Vec<_>>(),
        }),
        vars,
    })
}

fn term(t: &Term, inp: &Inputs, s: usize) -> Option<Hit> {
    let rows = &inp.terms.get(&(t.table.clone(), t.feature.clone()))?[s];
    let (label, value) = if t.scope == "total" {
        let v: Vec<f64> = rows.iter().filter_map(|(_, v)| *v).collect();
        ("all terms".to_string(), (!v.is_empty()).then(|| v.iter().fold(0.0, |a, b| a + b))?)
    } else {
        let (term, v) = rows.last()?;
        for q in &t.require {
            let other = &inp.terms.get(&(t.table.clone(), q.feature.clone()))?[s];
            let ov = other.iter().find(|(tt, _)| tt == term).and_then(|(_, v)| *v)?;
            if !q.op.holds(ov, q.value) {
                return None;
            }
        }
        (term.clone(), (*v)?)
    };
    let level = t.levels.level(value, t.higher_is_worse)?;
    let yellow = t.levels.yellow.or(t.levels.orange).or(t.levels.red).unwrap_or(1.0);
    let severity = if t.higher_is_worse { value / yellow.max(1e-9) } else { (yellow + 1.0) / (value + 1.0) };
    let earlier: Vec<f64> = rows.iter().rev().skip(1).filter_map(|(_, v)| *v).collect();
    let mut vars = BTreeMap::new();
    vars.insert("term", label.clone());
    Some(Hit {
        level,
        severity,
        feature: format!("{}.{}", t.table, t.feature),
        value: Some(value),
        baseline: if t.scope == "latest" { mean(&earlier) } else { None },
        cohort_pct: None,
        trend: json!({
            "method": t.scope,
            "terms": rows.iter().map(|(t, _)| t.clone()).collect::<Vec<_>>(),
            "values": rows.iter().map(|(_, v)| v.map(round3)).collect::<Vec<_>>(),
        }),
        vars,
    })
}

fn risk(x: &Risk, inp: &Inputs, s: usize) -> Option<Hit> {
    let row = inp.risk[s]
        .iter()
        .filter(|r| x.model.as_ref().is_none_or(|m| r.model.split('@').next() == Some(m.as_str())))
        .max_by(|a, b| a.score.total_cmp(&b.score))?;
    let level = x.levels.level(row.score, true)?;
    let yellow = x.levels.yellow.or(x.levels.orange).or(x.levels.red).unwrap_or(0.5).max(1e-9);
    let mut vars = BTreeMap::new();
    vars.insert("score", format!("{:.0}%", row.score * 100.0));
    vars.insert("model", row.model.clone());
    vars.insert("reasons", if row.reasons_en.is_empty() { "-".into() } else { row.reasons_en.clone() });
    vars.insert("reasons_zh", if row.reasons_zh.is_empty() { "-".into() } else { row.reasons_zh.clone() });
    Some(Hit {
        level,
        severity: row.score / yellow,
        feature: "risk_scores.score".into(),
        value: Some(row.score),
        baseline: None,
        cohort_pct: None,
        trend: json!({ "method": format!("model {}", row.model), "reasons_en": row.reasons_en, "reasons_zh": row.reasons_zh }),
        vars,
    })
}

fn screening(x: &Screening, inp: &Inputs, s: usize) -> Option<Hit> {
    let lo = inp.as_of_ts - x.within_days * 24 * HOUR;
    let (t, _, score, band) = inp.screenings[s].iter().rev().find(|(t, k, _, _)| *t >= lo && *k == x.kind)?;
    let mapped = band.as_ref().and_then(|b| x.level_map.get(b)).and_then(|l| match l.as_str() {
        "red" => Some("red"),
        "orange" => Some("orange"),
        "yellow" => Some("yellow"),
        _ => None,
    });
    let level = mapped.or_else(|| x.levels.level(*score, true))?;
    let yellow = x.levels.yellow.unwrap_or(1.0).max(1e-9);
    let mut vars = BTreeMap::new();
    vars.insert("band", band.clone().unwrap_or_else(|| "-".into()));
    vars.insert("days", ((inp.as_of_ts - t) / (24 * HOUR)).to_string());
    Some(Hit {
        level,
        severity: score / yellow,
        feature: x.kind.clone(),
        value: Some(*score),
        baseline: None,
        cohort_pct: None,
        trend: json!({ "method": "latest result", "band": band, "days_ago": (inp.as_of_ts - t) / (24 * HOUR) }),
        vars,
    })
}

/// Silence in hours over `[from_h, to_h)`, leaving out the hours that fall on quiet
/// (holiday) days and the `excused` spans (approved leave; sorted, disjoint).
fn effective_hours(
    from_h: i64,
    to_h: i64,
    inp: &Inputs,
    quiet: u64,
    excused: &[(i64, i64)],
    clock: &mut LocalClock,
) -> i64 {
    if to_h <= from_h {
        return 0;
    }
    let mut hours = to_h - from_h - quiet_hours(from_h, to_h, inp, quiet, clock);
    for &(a, b) in excused {
        let (a, b) = (a.max(from_h), b.min(to_h));
        if b > a {
            hours -= b - a - quiet_hours(a, b, inp, quiet, clock);
        }
    }
    hours.max(0)
}

/// Hours of `[from_h, to_h)` on quiet days.
fn quiet_hours(from_h: i64, to_h: i64, inp: &Inputs, quiet: u64, clock: &mut LocalClock) -> i64 {
    let mut hours = 0;
    let (d0, _) = clock.local(from_h * HOUR);
    let (d1, _) = clock.local((to_h - 1) * HOUR);
    for d in d0..=d1 {
        let back = i64::from(inp.as_of) - 1 - i64::from(d);
        if (0..64).contains(&back) && quiet & (1 << back) != 0 {
            let (start, end) = (clock.midnight(d) / HOUR, clock.midnight(d + 1) / HOUR);
            hours += (to_h.min(end) - from_h.max(start)).max(0);
        }
    }
    hours
}

fn silence(x: &Silence, inp: &Inputs, ctx: &Shared, s: usize) -> Option<Hit> {
    let tr = &inp.traces[s];
    let hist = x.history_days.min(super::inputs::TRACE_DAYS) as u32;
    let mask = if hist >= 64 { u64::MAX } else { (1u64 << hist) - 1 };
    let mut clock = LocalClock::new(inp.tz.unwrap_or(chrono_tz::Asia::Shanghai));
    // A student overdue from leave is raised by the leave rule, not twice.
    if ctx.leave_rule && overdue(inp, s).is_some() {
        return None;
    }
    // Days on approved leave are neither usual nor unusual for this student.
    let away = leave_days(inp, s, &mut clock);
    let any = on_campus_days(tr);
    let normal_days = (any & mask & !ctx.quiet & !away).count_ones();
    let usable = (mask & !ctx.quiet & !away & campus_days(inp)).count_ones();
    if usable < x.min_history_days.max(1) {
        return None;
    }
    if f64::from(normal_days) < x.min_active_share * f64::from(usable) {
        return None;
    }
    let now_h = inp.as_of_ts / HOUR;
    let last = *tr.hours.last()?;
    let lo_h = now_h - i64::from(hist) * 24;
    let excused = excused_hours(inp.leaves_of(s), lo_h.min(last), now_h);
    let silent = effective_hours(last + 1, now_h, inp, ctx.quiet, &excused, &mut clock);
    let longest = tr
        .hours
        .windows(2)
        .filter(|w| w[0] >= lo_h)
        .map(|w| effective_hours(w[0] + 1, w[1], inp, ctx.quiet, &excused, &mut clock))
        .max()
        .unwrap_or(0);
    if x.beyond_own_longest && silent <= longest {
        return None;
    }
    let level = x.levels.level(silent as f64, true)?;
    let normal: Vec<&str> = TRACE_SOURCES
        .iter()
        .enumerate()
        .filter(|(k, _)| (tr.days[*k] & mask).count_ones() as f64 >= x.min_active_share * f64::from(usable) * 0.5)
        .map(|(_, (n, _, _))| *n)
        .collect();
    let mut vars = BTreeMap::new();
    vars.insert("hours", silent.to_string());
    vars.insert("longest", longest.to_string());
    let yellow = x.levels.yellow.unwrap_or(24.0).max(1.0);
    let last_seen = crate::schema::time::format_timestamp(last * HOUR, inp.tz.unwrap_or(chrono_tz::Asia::Shanghai));
    Some(Hit {
        level,
        severity: silent as f64 / yellow,
        feature: "hours_without_trace".into(),
        value: Some(silent as f64),
        baseline: Some(longest as f64),
        cohort_pct: None,
        trend: json!({
            "method": "silence against own longest",
            "last_trace_hour": last_seen,
            "own_longest_hours": longest,
            "history_days": hist,
            "kinds_normally_left": normal,
        }),
        vars,
    })
}

fn dorm_night(x: &DormNight, inp: &Inputs, ctx: &Shared, s: usize) -> Option<Hit> {
    if !inp.students[s].resident {
        return None;
    }
    let ev = &inp.dorm[s];
    if ev.is_empty() {
        return None;
    }
    let clock = LocalClock::new(inp.tz.unwrap_or(chrono_tz::Asia::Shanghai));
    // Night of date N is read at N + 1, check_hour; the last complete one is N = D − 2.
    let mut states: Vec<Option<bool>> = Vec::new();
    for back in (0..x.history_days).rev() {
        let n = inp.as_of - 2 - back as i32;
        let at = clock.instant(n + 1, x.check_hour * HOUR);
        let quiet_bit = i64::from(inp.as_of) - 1 - i64::from(n);
        if (0..64).contains(&quiet_bit) && ctx.quiet & (1 << quiet_bit) != 0 {
            states.push(None);
            continue;
        }
        // On approved leave the student is expected away.
        if inp.leaves_of(s).iter().filter_map(|l| l.excused()).any(|(a, b)| a <= at && at < b) {
            states.push(None);
            continue;
        }
        let last = ev.iter().rev().find(|(t, _)| *t < at && *t >= at - 24 * HOUR);
        states.push(last.map(|(_, is_in)| *is_in));
    }
    let known: Vec<bool> = states.iter().flatten().copied().collect();
    if known.len() < 10 {
        return None;
    }
    let home = known.iter().filter(|b| **b).count();
    if (home as f64) < x.min_return_share * known.len() as f64 {
        return None;
    }
    let away = states.iter().rev().take_while(|s| **s == Some(false)).count();
    let level = x.levels.level(away as f64, true)?;
    let mut vars = BTreeMap::new();
    vars.insert("nights", away.to_string());
    let share = home as f64 / known.len() as f64;
    vars.insert("share", format!("{:.0}%", share * 100.0));
    Some(Hit {
        level,
        severity: away as f64 / x.levels.yellow.unwrap_or(1.0).max(1.0),
        feature: "nights_away_from_dorm".into(),
        value: Some(away as f64),
        baseline: Some(round3(share)),
        cohort_pct: None,
        trend: json!({
            "method": "dorm state at night against own return rate",
            "nights_known": known.len(),
            "return_share": round3(share),
            "last_nights_in_dorm": states.iter().rev().take(7).collect::<Vec<_>>(),
        }),
        vars,
    })
}

fn leave_overdue(x: &LeaveOverdue, inp: &Inputs, s: usize) -> Option<Hit> {
    // "No trace since" means nothing without a source of traces on campus for the student.
    if on_campus_days(&inp.traces[s]) == 0 {
        return None;
    }
    let l = overdue(inp, s)?;
    let hours = (inp.as_of_ts - l.end) / HOUR;
    let level = x.levels.level(hours as f64, true)?;
    let tz = inp.tz.unwrap_or(chrono_tz::Asia::Shanghai);
    let planned = crate::schema::time::format_timestamp(l.end, tz);
    let last = inp.traces[s].hours.last().map(|h| crate::schema::time::format_timestamp(h * HOUR, tz));
    let mut vars = BTreeMap::new();
    vars.insert("hours", hours.to_string());
    vars.insert("kind", l.kind.clone());
    vars.insert("planned", planned.clone());
    Some(Hit {
        level,
        severity: hours as f64 / x.levels.yellow.unwrap_or(24.0).max(1.0),
        feature: "hours_overdue_from_leave".into(),
        value: Some(hours as f64),
        baseline: None,
        cohort_pct: None,
        trend: json!({
            "method": "approved leave past its planned return, not reported back, no trace since",
            "leave_id": l.id,
            "leave_kind": l.kind,
            "planned_start": crate::schema::time::format_timestamp(l.start, tz),
            "planned_return": planned,
            "last_trace_hour": last,
        }),
        vars,
    })
}

fn composite(c: &Composite, found: &[Candidate], n: usize) -> Vec<(usize, Hit)> {
    let mut per: Vec<Vec<&Candidate>> = vec![Vec::new(); n];
    for cand in found.iter().filter(|x| c.rules.contains(&x.rule)) {
        per[cand.student].push(cand);
    }
    let mut out = Vec::new();
    for (s, list) in per.into_iter().enumerate() {
        let count = list.len() as f64;
        let Some(level) = c.levels.level(count, true) else { continue };
        let names: Vec<String> = list
            .iter()
            .map(|x| x.evidence.get("feature").and_then(Value::as_str).unwrap_or(&x.rule).to_string())
            .collect();
        let mut vars = BTreeMap::new();
        vars.insert("count", list.len().to_string());
        vars.insert("features", names.join(", "));
        vars.insert("features_zh", names.iter().map(|n| label(n).0).collect::<Vec<_>>().join("、"));
        vars.insert("features_en", names.iter().map(|n| label(n).1).collect::<Vec<_>>().join(", "));
        out.push((
            s,
            Hit {
                level,
                severity: count / c.levels.yellow.unwrap_or(1.0).max(1.0)
                    + list.iter().map(|x| x.severity).fold(0.0, f64::max) / 10.0,
                feature: "signals".into(),
                value: Some(count),
                baseline: None,
                cohort_pct: None,
                trend: json!({
                    "method": "rules firing together",
                    "rules": list.iter().map(|x| json!({"rule": x.rule, "level": x.level, "feature": x.evidence.get("feature")})).collect::<Vec<_>>(),
                }),
                vars,
            },
        ));
    }
    out
}

/// Words a counsellor reads for a feature: (Chinese, English).
pub fn label(feature: &str) -> (&str, &str) {
    match feature {
        "meals" => ("就餐次数", "meals"),
        "breakfast_days" => ("吃早餐", "breakfasts"),
        "late_returns" => ("晚归", "late nights"),
        "night_online_hours" => ("凌晨上网", "night-time online hours"),
        "library_visits" => ("去图书馆", "library visits"),
        "orderliness" => ("作息规律", "daily regularity"),
        "attendance_rate" => ("出勤", "attendance"),
        "lms_clicks" => ("网络学习", "online learning"),
        "canteen_spend" => ("食堂消费", "canteen spending"),
        other => (other, other),
    }
}
