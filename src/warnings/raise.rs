//! Turns a night's candidates into warnings without flooding anyone:
//! - **de-duplication**: a condition that is still there updates its one open warning
//!   (level, reason, evidence) instead of raising a new one each night;
//! - **cooldown**: after a warning is resolved or marked false positive, the same rule
//!   stays quiet for that student for `cooldown_days`;
//! - **capacity**: each counsellor gets at most `capacity` new warnings per night, the
//!   most urgent first (level, then category weight, then how far past the threshold);
//!   the rest are deferred and come back the next night if the condition holds.
//!
//! Re-running a raise for the same as-of changes nothing.

use std::collections::HashMap;

use rusqlite::params;

use super::db::OpsDb;
use super::detect::Candidate;
use super::inputs::Inputs;
use super::rules::RuleSet;
use super::WarningError;
use crate::schema::time::Micros;

/// What a raise did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RaiseReport {
    /// As-of date.
    pub as_of: String,
    /// Rules version.
    pub rules_version: String,
    /// Students looked at.
    pub students: usize,
    /// Rule firings.
    pub candidates: usize,
    /// New warnings.
    pub raised: usize,
    /// Open warnings updated (same condition, or escalated).
    pub updated: usize,
    /// Escalated open warnings (level went up).
    pub escalated: usize,
    /// Open warnings whose condition had cleared and came back.
    pub reactivated: usize,
    /// Firings held back by the per-counsellor capacity.
    pub deferred: usize,
    /// Firings held back by the cooldown.
    pub suppressed: usize,
    /// Open warnings after the raise.
    pub open: usize,
    /// Seconds.
    pub seconds: f64,
}

/// Rank of a level: red 3, orange 2, yellow 1.
pub fn level_rank(level: &str) -> i64 {
    match level {
        "red" => 3,
        "orange" => 2,
        "yellow" => 1,
        _ => 0,
    }
}

/// Priority: 100 per level step plus 60 per category weight, then the severity; with the
/// default weights a safety yellow (a student unseen for a day) outranks an academic
/// orange, and any red outranks any yellow.
pub fn priority(rules: &RuleSet, c: &Candidate) -> f64 {
    level_rank(c.level) as f64 * 100.0 + rules.category_weight(&c.category) * 60.0 + c.severity.clamp(0.0, 9.99)
}

/// Writes the candidates of the raise as of `as_of_ts` into the operational store.
pub fn reconcile(
    db: &mut OpsDb,
    rules: &RuleSet,
    inp: &Inputs,
    mut cands: Vec<Candidate>,
    as_of_ts: Micros,
    now: Micros,
) -> Result<RaiseReport, WarningError> {
    let mut rep = RaiseReport { candidates: cands.len(), students: inp.students.len(), ..RaiseReport::default() };
    rep.rules_version = rules.version.clone();
    cands.sort_by(|a, b| priority(rules, b).total_cmp(&priority(rules, a)).then(a.student.cmp(&b.student)));
    let cooldown = rules.settings.cooldown_days * 24 * 3_600_000_000;
    let tx = db.conn.transaction()?;
    {
        // New warnings already raised by this as-of (a re-run) count against capacity.
        let mut taken: HashMap<String, usize> = HashMap::new();
        {
            let mut st = tx.prepare("SELECT counsellor_id, COUNT(*) FROM warnings WHERE created_at = ?1 GROUP BY 1")?;
            let rows = st.query_map([as_of_ts], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            for r in rows {
                let (c, n) = r?;
                taken.insert(c, n as usize);
            }
        }
        let mut open_q = tx.prepare(
            "SELECT warning_id, level, max_level, evidence, created_at, active FROM warnings \
             WHERE student_id = ?1 AND rule = ?2 AND status IN ('new', 'acknowledged', 'in_progress')",
        )?;
        let mut closed_q = tx.prepare(
            "SELECT MAX(closed_at) FROM warnings WHERE student_id = ?1 AND rule = ?2 \
             AND status IN ('resolved', 'false_positive')",
        )?;
        let mut seen: Vec<String> = Vec::new();
        for c in &cands {
            let st = &inp.students[c.student];
            let evidence = c.evidence.to_string();
            let prio = priority(rules, c);
            let open: Option<(String, String, String, String, i64, i64)> = open_q
                .query_row(params![st.id, c.rule], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
                })
                .ok();
            if let Some((id, level, max_level, old_ev, created, active)) = open {
                seen.push(id.clone());
                if created > as_of_ts {
                    continue; // an older night replayed: leave newer state alone
                }
                if active == 0 {
                    // The condition had cleared and is back: a new episode on the same open
                    // warning, surfaced again (updated_at) and logged, not a second warning.
                    tx.execute(
                        "UPDATE warnings SET level = ?2, reason_zh = ?3, reason_en = ?4, evidence = ?5, priority = ?6, \
                         updated_at = MAX(updated_at, ?7), last_seen = ?7, active = 1, \
                         max_level = CASE WHEN ?8 > 0 THEN ?2 ELSE max_level END WHERE warning_id = ?1",
                        params![
                            id,
                            c.level,
                            c.reason_zh,
                            c.reason_en,
                            evidence,
                            prio,
                            as_of_ts,
                            i64::from(level_rank(c.level) > level_rank(&max_level))
                        ],
                    )?;
                    let status: String =
                        tx.query_row("SELECT status FROM warnings WHERE warning_id = ?1", [&id], |r| r.get(0))?;
                    tx.execute(
                        "INSERT INTO warning_events (warning_id, at, by, action, from_status, to_status, level, note) \
                         VALUES (?1, ?2, 'radar', 'reactivate', ?3, ?3, ?4, 'condition back after it had cleared')",
                        params![id, as_of_ts, status, c.level],
                    )?;
                    rep.updated += 1;
                    rep.reactivated += 1;
                    continue;
                }
                let changed = level != c.level || old_ev != evidence;
                if changed {
                    let up = level_rank(c.level) > level_rank(&max_level);
                    let max = if up { c.level.to_string() } else { max_level };
                    tx.execute(
                        "UPDATE warnings SET level = ?2, max_level = ?3, reason_zh = ?4, reason_en = ?5, evidence = ?6, \
                         priority = ?7, updated_at = MAX(updated_at, ?8), last_seen = ?8, active = 1 WHERE warning_id = ?1",
                        params![id, c.level, max, c.reason_zh, c.reason_en, evidence, prio, as_of_ts],
                    )?;
                    if up {
                        rep.escalated += 1;
                        let status: String =
                            tx.query_row("SELECT status FROM warnings WHERE warning_id = ?1", [&id], |r| r.get(0))?;
                        tx.execute(
                            "INSERT INTO warning_events (warning_id, at, by, action, from_status, to_status, level, note) \
                             VALUES (?1, ?2, 'radar', 'escalate', ?3, ?3, ?4, ?5)",
                            params![id, as_of_ts, status, c.level, format!("{level} -> {}", c.level)],
                        )?;
                    }
                    rep.updated += 1;
                } else {
                    tx.execute(
                        "UPDATE warnings SET last_seen = MAX(last_seen, ?2), active = 1 WHERE warning_id = ?1",
                        params![id, as_of_ts],
                    )?;
                }
                continue;
            }
            let closed: Option<i64> = closed_q.query_row(params![st.id, c.rule], |r| r.get(0))?;
            if closed.is_some_and(|t| t + cooldown > as_of_ts) {
                rep.suppressed += 1;
                continue;
            }
            let n = taken.entry(st.counsellor.clone()).or_insert(0);
            if *n >= rules.settings.capacity {
                rep.deferred += 1;
                continue;
            }
            *n += 1;
            let seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM warnings", [], |r| r.get(0))?;
            let id = format!("W{seq:06}");
            tx.execute(
                "INSERT INTO warnings (seq, warning_id, student_id, counsellor_id, college, category, level, max_level, \
                 status, created_at, updated_at, closed_at, rule, rules_version, reason_zh, reason_en, evidence, priority, \
                 last_seen, active) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 'new', ?8, ?8, NULL, ?9, ?10, ?11, ?12, ?13, \
                 ?14, ?8, 1)",
                params![
                    seq,
                    id,
                    st.id,
                    st.counsellor,
                    st.college,
                    c.category,
                    c.level,
                    as_of_ts,
                    c.rule,
                    rules.version,
                    c.reason_zh,
                    c.reason_en,
                    evidence,
                    prio
                ],
            )?;
            tx.execute(
                "INSERT INTO warning_events (warning_id, at, by, action, from_status, to_status, level, note) \
                 VALUES (?1, ?2, 'radar', 'raise', NULL, 'new', ?3, NULL)",
                params![id, as_of_ts, c.level],
            )?;
            seen.push(id);
            rep.raised += 1;
        }
        // Open warnings whose condition no longer holds stay open (a person closes them)
        // but are marked inactive so the list can say so.
        tx.execute(
            "UPDATE warnings SET active = 0 WHERE status IN ('new', 'acknowledged', 'in_progress') AND last_seen < ?1",
            [as_of_ts],
        )?;
        rep.open = tx.query_row(
            "SELECT COUNT(*) FROM warnings WHERE status IN ('new', 'acknowledged', 'in_progress')",
            [],
            |r| r.get::<_, i64>(0),
        )? as usize;
        tx.execute("DELETE FROM raise_runs WHERE as_of = ?1", [as_of_ts])?;
        tx.execute(
            "INSERT INTO raise_runs (as_of, ran_at, rules_version, candidates, raised, updated, deferred, suppressed, open) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                as_of_ts,
                now,
                rules.version,
                rep.candidates as i64,
                rep.raised as i64,
                rep.updated as i64,
                rep.deferred as i64,
                rep.suppressed as i64,
                rep.open as i64
            ],
        )?;
    }
    tx.commit()?;
    Ok(rep)
}
