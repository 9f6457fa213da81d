//! Activity series: the unit activities are recommended by. A campus runs the same club
//! meeting, league or lecture series week after week under titles such as
//! `摄影社活动日（第12期）`; what a student joins is the series, and what we point them to
//! is its next session. The series of an activity is its title with the instance marker
//! removed ([`series_of`]), so no extra column is needed in the contract.

use std::collections::HashMap;

use datafusion::prelude::SessionContext;
use futures::TryStreamExt;

use super::people::People;
use super::RecommendError;
use crate::features::cols::{micros, strs};
use crate::schema::time::Micros;

/// Sessions older than this (before D) and no session after D: the series has ended and
/// is not recommended any more.
pub const ACTIVE_WITHIN_DAYS: i64 = 180;

/// The series key of an activity title: the title with its instance marker removed — a
/// trailing bracketed part holding a digit or `第` (`（第12期）`, `(3)`, `【第二场】`), a
/// trailing `第N期/场/次/讲/届/轮` and a trailing number (`#3`, `-03`) — and surrounding
/// space trimmed. A title without a marker is its own series.
pub fn series_of(title: &str) -> String {
    let mut t = title.trim();
    loop {
        let before = t;
        t = strip_bracketed(t).trim_end();
        t = strip_ordinal(t).trim_end();
        t = strip_number(t).trim_end();
        if t == before || t.is_empty() {
            break;
        }
    }
    if t.is_empty() {
        title.trim().to_string()
    } else {
        t.to_string()
    }
}

const OPEN: [char; 4] = ['（', '(', '【', '['];
const CLOSE: [char; 4] = ['）', ')', '】', ']'];

fn strip_bracketed(t: &str) -> &str {
    let Some(last) = t.chars().last() else { return t };
    let Some(k) = CLOSE.iter().position(|c| *c == last) else { return t };
    let Some(open) = t.rfind(OPEN[k]) else { return t };
    let inner = &t[open + OPEN[k].len_utf8()..t.len() - last.len_utf8()];
    if inner.chars().any(|c| c.is_ascii_digit() || c == '第' || is_cjk_numeral(c)) {
        &t[..open]
    } else {
        t
    }
}

fn is_cjk_numeral(c: char) -> bool {
    "一二三四五六七八九十百零〇".contains(c)
}

fn strip_ordinal(t: &str) -> &str {
    let Some(last) = t.chars().last() else { return t };
    if !"期场次讲届轮".contains(last) {
        return t;
    }
    let body = &t[..t.len() - last.len_utf8()];
    let num = body.trim_end_matches(|c: char| c.is_ascii_digit() || is_cjk_numeral(c));
    // Only with `第`: `统一场` is a name, `第一场` a marker.
    match num.strip_suffix('第') {
        Some(rest) if num.len() < body.len() => rest,
        _ => t,
    }
}

fn strip_number(t: &str) -> &str {
    let body = t.trim_end_matches(|c: char| c.is_ascii_digit());
    if body.len() == t.len() || body.is_empty() {
        return t;
    }
    // Only a number set apart (`#3`, `-03`, `No.3`), not one that is part of a name (`C919`).
    match body.chars().last() {
        Some('#' | '-' | '_' | ' ' | '.' | '＃') => body.trim_end_matches(['#', '-', '_', ' ', '.', '＃']),
        _ => t,
    }
}

/// The series of the store's activities.
#[derive(Debug, Default)]
pub struct Catalogue {
    /// Series names, sorted (the index is the series id).
    pub names: Vec<String>,
    /// Category of each series (of its latest session).
    pub category: Vec<String>,
    /// Each series' sessions: (start, activity_id, location), by start.
    pub sessions: Vec<Vec<(Micros, String, String)>>,
    /// activity_id → (series, start).
    pub by_activity: HashMap<String, (u32, Micros)>,
}

/// A series' next session after the cut-off.
#[derive(Debug, Clone)]
pub struct Next {
    /// activity_id.
    pub activity_id: String,
    /// Start.
    pub start: Micros,
    /// Location ("" unknown).
    pub location: String,
}

impl Catalogue {
    /// Reads `activities` (every row: future sessions are what we point to).
    pub async fn load(ctx: &SessionContext, tables: &[String]) -> Result<Catalogue, RecommendError> {
        let mut rows: Vec<(String, String, Micros, String, String)> = Vec::new();
        if tables.iter().any(|t| t == "activities") {
            let sql = "SELECT activity_id, title, category, start_ts, location FROM activities";
            let mut stream = ctx.sql(sql).await?.execute_stream().await?;
            while let Some(b) = stream.try_next().await? {
                let (id, title, cat) = (strs(&b, "activity_id")?, strs(&b, "title")?, strs(&b, "category")?);
                let (start, loc) = (micros(&b, "start_ts")?, strs(&b, "location")?);
                for i in 0..b.num_rows() {
                    let l = if loc.is_null(i) { String::new() } else { loc.get(i).to_string() };
                    rows.push((
                        series_of(title.get(i)),
                        id.get(i).to_string(),
                        start.value(i),
                        cat.get(i).to_string(),
                        l,
                    ));
                }
            }
        }
        let mut names: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        names.sort();
        names.dedup();
        let index: HashMap<&str, u32> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i as u32)).collect();
        let mut c = Catalogue {
            category: vec![String::new(); names.len()],
            sessions: vec![Vec::new(); names.len()],
            ..Catalogue::default()
        };
        rows.sort_by(|a, b| (a.2, &a.1).cmp(&(b.2, &b.1)));
        for (series, id, start, cat, loc) in rows {
            let k = index.get(series.as_str()).copied().unwrap_or(0);
            c.category[k as usize] = cat;
            c.by_activity.insert(id.clone(), (k, start));
            c.sessions[k as usize].push((start, id, loc));
        }
        c.names = names;
        Ok(c)
    }

    /// Whether a series still runs at the cut-off: a session within [`ACTIVE_WITHIN_DAYS`]
    /// before it, or one after it.
    pub fn running(&self, cut: Micros) -> Vec<bool> {
        let since = cut - ACTIVE_WITHIN_DAYS * crate::schema::time::DAY_MICROS;
        self.sessions.iter().map(|s| s.last().is_some_and(|x| x.0 >= since)).collect()
    }

    /// The first session of each series starting at or after the cut-off.
    pub fn next_sessions(&self, cut: Micros) -> Vec<Option<Next>> {
        self.sessions
            .iter()
            .map(|s| {
                let i = s.partition_point(|x| x.0 < cut);
                s.get(i).map(|x| Next { activity_id: x.1.clone(), start: x.0, location: x.2.clone() })
            })
            .collect()
    }
}

/// Participation before the cut-off as (student, series, start) — the time of a
/// participation is its activity's start. Rows of unknown activities or students are
/// left out (nothing to group or time them by).
pub async fn participations(
    ctx: &SessionContext,
    tables: &[String],
    cat: &Catalogue,
    people: &People,
    cut: Micros,
) -> Result<Vec<(u32, u32, Micros)>, RecommendError> {
    let mut out = Vec::new();
    if !tables.iter().any(|t| t == "participation") {
        return Ok(out);
    }
    let mut stream = ctx.sql("SELECT student_id, activity_id FROM participation").await?.execute_stream().await?;
    while let Some(b) = stream.try_next().await? {
        let (sid, aid) = (strs(&b, "student_id")?, strs(&b, "activity_id")?);
        for i in 0..b.num_rows() {
            let (Some(&(k, start)), Some(u)) = (cat.by_activity.get(aid.get(i)), people.index(sid.get(i))) else {
                continue;
            };
            if start < cut {
                out.push((u, k, start));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::series_of;

    #[test]
    fn instance_markers_are_removed() {
        assert_eq!(series_of("摄影社活动日（第12期）"), "摄影社活动日");
        assert_eq!(series_of("篮球联赛 第3场"), "篮球联赛");
        assert_eq!(series_of("学术讲座第十二讲"), "学术讲座");
        assert_eq!(series_of("英语角(3)"), "英语角");
        assert_eq!(series_of("Robotics club #14"), "Robotics club");
        assert_eq!(series_of("校园歌手大赛【第二场】"), "校园歌手大赛");
        assert_eq!(series_of("C919 参观"), "C919 参观");
        assert_eq!(series_of("统一场"), "统一场");
        assert_eq!(series_of("新生（本科）见面会"), "新生（本科）见面会");
        assert_eq!(series_of("（第1期）"), "（第1期）");
    }
}
