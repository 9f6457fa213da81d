//! One kind's ranked list for one student: collaborative filtering first; what it cannot
//! fill (a new student, a student with one rare series) comes from what is popular with
//! the student's college and cohort, then across campus — each pick says which source it
//! came from, so the reason can say so. The evaluation ranks with the same function.

use std::collections::HashMap;

use super::cf::{by_popularity, Event, Interactions, ItemCf};
use super::people::{group_key, People};
use crate::schema::time::Micros;

/// Where a pick came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source {
    /// Item-based CF: score, relative score (best = 1) and the item explaining it.
    Cf {
        /// CF score.
        score: f64,
        /// Score over the student's best CF score.
        relative: f64,
        /// The student's item that contributed most; `None`: only their college and cohort.
        because: Option<u32>,
    },
    /// Popular in the student's college and cohort: distinct students and their share of
    /// the group's most popular item.
    Group {
        /// Students of the group who joined it.
        n: u32,
        /// n over the group's top count.
        relative: f64,
    },
    /// Popular across campus.
    Campus {
        /// Students who joined it.
        n: u32,
        /// n over the campus top count.
        relative: f64,
    },
}

/// A ranked item.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pick {
    /// Item index.
    pub item: u32,
    /// Source.
    pub source: Source,
}

/// Popularity per (college, cohort) group: distinct students per item.
pub fn group_counts(m: &Interactions, people: &People) -> HashMap<(u32, i32), Vec<u32>> {
    let mut g: HashMap<(u32, i32), Vec<u32>> = HashMap::new();
    for (u, row) in m.rows.iter().enumerate() {
        if row.is_empty() || u >= people.len() {
            continue;
        }
        let counts = g.entry(people.group(u)).or_insert_with(|| vec![0; m.items]);
        for e in row {
            counts[e.item as usize] += 1;
        }
    }
    g
}

/// What ranking needs besides the student.
pub struct Ranker<'a> {
    /// The CF model (None: popularity only, the baseline).
    pub cf: Option<&'a ItemCf>,
    /// Campus popularity.
    pub campus: &'a [u32],
    /// Group popularity (None: campus only).
    pub groups: Option<&'a HashMap<(u32, i32), Vec<u32>>>,
    /// Items that may be suggested at all (a series still running).
    pub allowed: &'a [bool],
    /// Fewest students of a group for an item to count as popular there.
    pub min_group: u32,
    /// Cut-off (for CF recency weights).
    pub cut: Micros,
}

impl Ranker<'_> {
    /// The top `n` items for a student with history `row` in `group`.
    pub fn rank(&self, row: &[Event], group: (u32, i32), n: usize) -> Vec<Pick> {
        let mut taken = vec![false; self.allowed.len()];
        for e in row {
            if let Some(t) = taken.get_mut(e.item as usize) {
                *t = true;
            }
        }
        let mut out: Vec<Pick> = Vec::with_capacity(n);
        if let Some(cf) = self.cf {
            let scored = cf.score(row, self.cut, self.allowed, Some(group_key(group)));
            let best = scored.first().map_or(1.0, |s| s.score);
            for s in scored.into_iter().take(n) {
                taken[s.item as usize] = true;
                let source = Source::Cf { score: s.score, relative: s.score / best, because: s.because };
                out.push(Pick { item: s.item, source });
            }
        }
        if let Some(counts) = self.groups.and_then(|g| g.get(&group)) {
            let top = counts.iter().copied().max().unwrap_or(0).max(1);
            for i in by_popularity(counts) {
                if out.len() >= n || counts[i as usize] < self.min_group {
                    break;
                }
                if self.open(i, &taken) {
                    taken[i as usize] = true;
                    let c = counts[i as usize];
                    out.push(Pick { item: i, source: Source::Group { n: c, relative: f64::from(c) / f64::from(top) } });
                }
            }
        }
        let top = self.campus.iter().copied().max().unwrap_or(0).max(1);
        for i in by_popularity(self.campus) {
            if out.len() >= n {
                break;
            }
            if self.open(i, &taken) {
                taken[i as usize] = true;
                let c = self.campus[i as usize];
                out.push(Pick { item: i, source: Source::Campus { n: c, relative: f64::from(c) / f64::from(top) } });
            }
        }
        out
    }

    fn open(&self, i: u32, taken: &[bool]) -> bool {
        self.allowed.get(i as usize).copied().unwrap_or(false) && !taken.get(i as usize).copied().unwrap_or(true)
    }
}
