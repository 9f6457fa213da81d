//! One student's ranked list with its reasons. Kinds are put on one scale so that a
//! single rank orders them: the score bands say how sure and how urgent a suggestion is.
//!
//! | suggestion | score |
//! |---|---|
//! | resource matched to an open warning | its `priority` in resources.toml (0.9–0.98) |
//! | peer mentor | 0.9 |
//! | resource for a situation (year of study, failed credits) | its `priority` (0.5–0.7) |
//! | activity series by CF | 0.5 + 0.3 × score / the student's best CF score |
//! | book class by CF | 0.4 + 0.3 × score / best |
//! | popular in college and cohort (activity / book) | 0.3 / 0.25 + 0.1 × share of the group's top |
//! | popular across campus (activity / book) | 0.2 / 0.15 + 0.1 × share of the campus top |
//!
//! Ties: resource, mentor, activity, book; then item id.

use chrono::TimeZone;
use serde_json::json;

use super::books::class_titles;
use super::model::Model;
use super::ranking::{Pick, Ranker, Source};
use super::resources::Situation;
use super::{Kind, Recommendation};

/// Score of a peer-mentor suggestion.
const MENTOR_SCORE: f64 = 0.9;

struct Draft {
    kind: Kind,
    item_id: String,
    title: String,
    title_en: String,
    detail: Option<String>,
    score: f64,
    reason_zh: String,
    reason_en: String,
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

impl Model {
    /// Every active student's list, by student id.
    pub fn recommend_all(&self) -> Vec<Recommendation> {
        let active = self.people.active.iter().enumerate().filter(|(_, a)| **a);
        active.flat_map(|(u, _)| self.recommend(u)).collect()
    }

    /// One student's ranked list.
    pub fn recommend(&self, u: usize) -> Vec<Recommendation> {
        let mut d = Vec::new();
        self.resources(u, &mut d);
        self.mentor(u, &mut d);
        self.activities(u, &mut d);
        self.books(u, &mut d);
        d.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.kind.cmp(&b.kind)).then(a.item_id.cmp(&b.item_id)));
        d.into_iter()
            .enumerate()
            .map(|(i, x)| Recommendation {
                student_id: self.people.ids[u].clone(),
                as_of: self.as_of,
                rank: i as i64 + 1,
                kind: x.kind,
                item_id: x.item_id,
                title: x.title,
                title_en: x.title_en,
                detail: x.detail,
                score: round4(x.score),
                reason_zh: x.reason_zh,
                reason_en: x.reason_en,
            })
            .collect()
    }

    fn group_name(&self, u: usize) -> (String, i32) {
        let c = self.people.college[u] as usize;
        (self.people.colleges.get(c).cloned().unwrap_or_default(), self.people.cohort[u])
    }

    fn ranker<'a>(&'a self, items: &'a super::model::Items) -> Ranker<'a> {
        Ranker {
            cf: Some(&items.cf),
            campus: &items.campus,
            groups: Some(&items.groups),
            allowed: &items.allowed,
            min_group: self.opts.min_group,
            cut: self.cut,
        }
    }

    fn activities(&self, u: usize, out: &mut Vec<Draft>) {
        let a = &self.acts;
        let row = &a.m.rows[u];
        let picks = self.ranker(a).rank(row, self.people.group(u), self.opts.activities);
        let cold = row.is_empty();
        let (college, cohort) = self.group_name(u);
        for Pick { item, source } in picks {
            let name = &a.names[item as usize];
            let category = self.category.get(item as usize).map_or("", String::as_str);
            let next = self.next.get(item as usize).and_then(Option::as_ref);
            let (mut zh, mut en, score) = match source {
                Source::Cf { relative, because: Some(b), .. } => {
                    let b = a.names.get(b as usize).map_or("", String::as_str);
                    (
                        format!("与你一样参加过“{b}”的同学也常参加“{name}”"),
                        format!("students who joined {b} also joined {name}"),
                        0.5 + 0.3 * relative,
                    )
                }
                Source::Cf { relative, because: None, .. } => (
                    format!("和你同学院同年级、兴趣相近的同学常参加“{name}”"),
                    format!("students of your college and cohort with interests like yours join {name}"),
                    0.5 + 0.3 * relative,
                ),
                Source::Group { n, relative } => (
                    format!("{college}{cohort}级同学中参加较多的活动（{n}人参加过）"),
                    format!("popular with your college's {cohort} cohort ({n} students joined)"),
                    0.3 + 0.1 * relative,
                ),
                Source::Campus { n, relative } => (
                    format!("全校参加较多的活动（{n}人参加过）"),
                    format!("popular across campus ({n} students joined)"),
                    0.2 + 0.1 * relative,
                ),
            };
            if cold {
                zh = format!("你还没有活动记录，先看看：{zh}");
                en = format!("you have no activity record yet, so: {en}");
            }
            let detail = next.map(|x| {
                let local = self.tz.timestamp_micros(x.start).single();
                if let Some(t) = local {
                    zh.push_str(&format!("；下一期 {}", t.format("%-m月%-d日 %H:%M")));
                    en.push_str(&format!("; next session {}", t.format("%Y-%m-%d %H:%M")));
                }
                let start = crate::schema::time::format_timestamp(x.start, self.tz);
                json!({ "activity_id": x.activity_id, "start": start, "location": x.location }).to_string()
            });
            out.push(Draft {
                kind: Kind::Activity,
                item_id: name.clone(),
                title: name.clone(),
                title_en: if category.is_empty() { name.clone() } else { format!("{name} ({category})") },
                detail,
                score,
                reason_zh: zh,
                reason_en: en,
            });
        }
    }

    fn books(&self, u: usize, out: &mut Vec<Draft>) {
        let b = &self.books;
        let row = &b.m.rows[u];
        let picks = self.ranker(b).rank(row, self.people.group(u), self.opts.books);
        let cold = row.is_empty();
        let (college, cohort) = self.group_name(u);
        for Pick { item, source } in picks {
            let class = &b.names[item as usize];
            let because = match source {
                Source::Cf { because, .. } => because,
                _ => None,
            };
            let book = self.top_books.get(because, item);
            let eg_zh = book.map(|x| format!("，例如 {}", x.0)).unwrap_or_default();
            let eg_en = book.map(|x| format!(", e.g. {}", x.0)).unwrap_or_default();
            let (mut zh, mut en, score) = match source {
                Source::Cf { relative, because: Some(f), .. } => {
                    let from = b.names.get(f as usize).map_or("", String::as_str);
                    (
                        format!("与你一样借阅过{from}类图书的读者也常借阅{class}类图书{eg_zh}"),
                        format!("readers who borrowed {from} books also borrow {class} books{eg_en}"),
                        0.4 + 0.3 * relative,
                    )
                }
                Source::Cf { relative, because: None, .. } => (
                    format!("和你同学院同年级、阅读兴趣相近的读者常借阅{class}类图书{eg_zh}"),
                    format!("readers of your college and cohort with interests like yours borrow {class} books{eg_en}"),
                    0.4 + 0.3 * relative,
                ),
                Source::Group { n, relative } => (
                    format!("{college}{cohort}级同学借阅较多的{class}类图书（{n}人借过）{eg_zh}"),
                    format!("{class} books are popular with your college's {cohort} cohort ({n} readers){eg_en}"),
                    0.25 + 0.1 * relative,
                ),
                Source::Campus { n, relative } => (
                    format!("全校借阅较多的{class}类图书（{n}人借过）{eg_zh}"),
                    format!("{class} books are popular across campus ({n} readers){eg_en}"),
                    0.15 + 0.1 * relative,
                ),
            };
            if cold {
                zh = format!("你还没有借阅记录，先看看：{zh}");
                en = format!("you have no loans yet, so: {en}");
            }
            let (title, title_en) = class_titles(class);
            out.push(Draft {
                kind: Kind::Book,
                item_id: class.clone(),
                title,
                title_en,
                detail: book.map(|x| json!({ "book_id": x.0, "readers": x.1 }).to_string()),
                score,
                reason_zh: zh,
                reason_en: en,
            });
        }
    }

    fn resources(&self, u: usize, out: &mut Vec<Draft>) {
        let a = &self.acts;
        let joined: Vec<(&str, &str)> = a.m.rows[u]
            .iter()
            .map(|e| {
                let i = e.item as usize;
                (a.names[i].as_str(), self.category.get(i).map_or("", String::as_str))
            })
            .collect();
        let s = Situation {
            warnings: self.warnings[u].iter().collect(),
            failed_credits: self.failed[u],
            year_of_study: self.people.year_of_study(u, self.as_of),
            degree: &self.people.degree[u],
            joined,
        };
        for m in self.opts.resources.matching(&s) {
            let Some(r) = self.opts.resources.resources.iter().find(|r| r.id == m.id) else { continue };
            let detail = json!({ "where_zh": r.where_zh, "where_en": r.where_en, "warnings": m.warnings });
            out.push(Draft {
                kind: Kind::Resource,
                item_id: r.id.clone(),
                title: r.title_zh.clone(),
                title_en: r.title_en.clone(),
                detail: Some(detail.to_string()),
                score: m.priority,
                reason_zh: m.reason_zh,
                reason_en: m.reason_en,
            });
        }
    }

    /// The peer's id is the suggestion (staff arrange the meeting), but never the peer's
    /// grades: another student's failed credits and GPA are theirs, so neither the
    /// reason nor the detail carries them, and renderings show the row only to viewers
    /// with the peer-mentor grant (`profile::access`).
    fn mentor(&self, u: usize, out: &mut Vec<Draft>) {
        let Some(s) = self.mentors.get(&(u as u32)) else { return };
        let peer = s.peer as usize;
        let cohort = self.people.cohort[peer];
        let warned = self.warnings[u].iter().any(|w| w.category == "academic");
        let (why_zh, why_en) = if warned {
            ("你有学业预警尚未关闭", "an academic warning is open for you")
        } else {
            ("你有课程未通过", "you have failed credits")
        };
        out.push(Draft {
            kind: Kind::Mentor,
            item_id: self.people.ids[peer].clone(),
            title: format!("朋辈导师：同专业{cohort}级同学"),
            title_en: format!("Peer mentor: a student of your major, cohort {cohort}"),
            detail: Some(json!({ "cohort": cohort }).to_string()),
            score: MENTOR_SCORE,
            reason_zh: format!("{why_zh}；这位同专业{cohort}级同学也曾遇到学业困难并走了出来，可以找这位同学交流学习经验"),
            reason_en: format!(
                "{why_en}; this student of your major (cohort {cohort}) went through a difficult term and got back on track"
            ),
        });
    }
}
