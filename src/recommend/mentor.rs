//! Peer mentors (朋辈导师): a student who is struggling (an open academic warning, or failed
//! credits) is pointed to a student of the same major from an earlier cohort who failed
//! credits in a term and then raised their GPA — someone who has been there and got out.
//!
//! From `student_term` (terms that started before D). A peer qualifies with a term of
//! failed credits and a later term whose GPA is at least [`MIN_GAIN`] higher. Peers are
//! shared out: each mentee gets the qualifying peer with the fewest mentees so far (at
//! most [`MAX_MENTEES`]; past that, the one with the largest gain), mentees in id order,
//! so the pairing does not depend on who asks.

use std::collections::BTreeMap;

use arrow::array::Array;

use datafusion::prelude::SessionContext;
use futures::TryStreamExt;

use super::people::People;
use super::RecommendError;
use crate::features::cols::{floats, strs};

/// GPA gain that counts as having improved.
pub const MIN_GAIN: f64 = 0.3;
/// Mentees per peer before a peer is reused.
pub const MAX_MENTEES: usize = 3;

/// One student's term.
#[derive(Debug, Clone, PartialEq)]
pub struct TermRow {
    /// `YYYY-YYYY-N`.
    pub term: String,
    /// Failed credits at first sitting.
    pub failed: f64,
    /// GPA (None without graded credits).
    pub gpa: Option<f64>,
}

/// A peer's story: the term they failed credits in and their GPA then and later.
#[derive(Debug, Clone, PartialEq)]
pub struct Story {
    /// The peer (student index).
    pub peer: u32,
    /// Term with failed credits.
    pub term: String,
    /// Failed credits in it.
    pub failed: f64,
    /// GPA that term.
    pub gpa_before: f64,
    /// GPA of their latest later term.
    pub gpa_after: f64,
    /// That later term.
    pub term_after: String,
}

/// Reads `student_term` for terms starting before D (the date a term starts: 1 September,
/// 15 February, 1 July of its academic year).
pub async fn load_terms(
    ctx: &SessionContext,
    tables: &[String],
    people: &People,
    as_of: i32,
) -> Result<Vec<Vec<TermRow>>, RecommendError> {
    let mut out: Vec<Vec<TermRow>> = vec![Vec::new(); people.len()];
    if !tables.iter().any(|t| t == "student_term") {
        return Ok(out);
    }
    let sql = "SELECT student_id, term, CAST(failed_credits AS DOUBLE) AS failed, CAST(gpa AS DOUBLE) AS gpa \
               FROM student_term";
    let mut stream = ctx.sql(sql).await?.execute_stream().await?;
    while let Some(b) = stream.try_next().await? {
        let (sid, term, failed, gpa) =
            (strs(&b, "student_id")?, strs(&b, "term")?, floats(&b, "failed")?, floats(&b, "gpa")?);
        for i in 0..b.num_rows() {
            let Some(u) = people.index(sid.get(i)) else { continue };
            if term_start(term.get(i)).is_none_or(|d| d >= as_of) {
                continue;
            }
            let g = (!gpa.is_null(i)).then(|| gpa.value(i));
            let f = if failed.is_null(i) { 0.0 } else { failed.value(i) };
            out[u as usize].push(TermRow { term: term.get(i).to_string(), failed: f, gpa: g });
        }
    }
    for rows in &mut out {
        rows.sort_by(|a, b| a.term.cmp(&b.term));
    }
    Ok(out)
}

/// First day (days since epoch) of a term `YYYY-YYYY-N`.
pub fn term_start(term: &str) -> Option<i32> {
    if !crate::schema::time::is_valid_term(term) {
        return None;
    }
    let y: i32 = term[..4].parse().ok()?;
    let (year, month, day) = match &term[10..] {
        "1" => (y, 9, 1),
        "2" => (y + 1, 2, 15),
        _ => (y + 1, 7, 1),
    };
    chrono::NaiveDate::from_ymd_opt(year, month, day).map(crate::schema::time::date_to_days)
}

/// A peer's best story: the failed term followed by the largest GPA gain (to the latest
/// later term with a GPA), if the gain reaches [`MIN_GAIN`].
pub fn story(peer: u32, terms: &[TermRow]) -> Option<Story> {
    let (term_after, gpa_after) = terms.iter().rev().find_map(|t| t.gpa.map(|g| (t.term.clone(), g)))?;
    terms
        .iter()
        .filter(|t| t.failed > 0.0 && t.term < term_after)
        .filter_map(|t| t.gpa.map(|g| (t, g)))
        .filter(|(_, g)| gpa_after - g >= MIN_GAIN)
        .max_by(|a, b| (gpa_after - a.1).total_cmp(&(gpa_after - b.1)).then(b.0.term.cmp(&a.0.term)))
        .map(|(t, g)| Story {
            peer,
            term: t.term.clone(),
            failed: t.failed,
            gpa_before: g,
            gpa_after,
            term_after: term_after.clone(),
        })
}

/// Pairs every mentee with a peer; `mentees` is in id order.
pub fn assign(people: &People, terms: &[Vec<TermRow>], mentees: &[u32]) -> BTreeMap<u32, Story> {
    // Active peers with a story, per major.
    let mut peers: BTreeMap<u32, Vec<Story>> = BTreeMap::new();
    for (u, rows) in terms.iter().enumerate() {
        if !people.active[u] {
            continue;
        }
        if let Some(s) = story(u as u32, rows) {
            peers.entry(people.major[u]).or_default().push(s);
        }
    }
    let mut load: BTreeMap<u32, usize> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for &m in mentees {
        let (major, cohort) = (people.major[m as usize], people.cohort[m as usize]);
        let Some(list) = peers.get(&major) else { continue };
        let gain = |s: &Story| s.gpa_after - s.gpa_before;
        let choice = list.iter().filter(|s| people.cohort[s.peer as usize] < cohort && s.peer != m).min_by(|a, b| {
            let (la, lb) = (load.get(&a.peer).copied().unwrap_or(0), load.get(&b.peer).copied().unwrap_or(0));
            let (fa, fb) = (la >= MAX_MENTEES, lb >= MAX_MENTEES);
            fa.cmp(&fb)
                .then(if fa { std::cmp::Ordering::Equal } else { la.cmp(&lb) })
                .then(gain(b).total_cmp(&gain(a)))
                .then(a.peer.cmp(&b.peer))
        });
        if let Some(s) = choice {
            *load.entry(s.peer).or_default() += 1;
            out.insert(m, s.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(term: &str, failed: f64, gpa: f64) -> TermRow {
        TermRow { term: term.into(), failed, gpa: Some(gpa) }
    }

    #[test]
    fn a_story_needs_a_failed_term_and_a_later_gain() {
        let rows = [t("2023-2024-1", 0.0, 2.5), t("2023-2024-2", 6.0, 1.4), t("2024-2025-1", 0.0, 2.9)];
        let s = story(7, &rows).expect("a story");
        assert_eq!((s.term.as_str(), s.gpa_before, s.gpa_after), ("2023-2024-2", 1.4, 2.9));
        // No gain large enough.
        assert!(story(7, &[t("2023-2024-2", 6.0, 2.8), t("2024-2025-1", 0.0, 2.9)]).is_none());
        // Failing in the latest term is no story yet.
        assert!(story(7, &[t("2023-2024-2", 0.0, 3.0), t("2024-2025-1", 3.0, 1.0)]).is_none());
        assert_eq!(
            term_start("2025-2026-1"),
            chrono::NaiveDate::from_ymd_opt(2025, 9, 1).map(crate::schema::time::date_to_days)
        );
        assert_eq!(term_start("2025-2027-1"), None);
    }
}
