//! The profile as text for a terminal: labels in Chinese with English after them.

use std::fmt::Write;

use super::super::build::DIMENSIONS;
use super::super::doc::Profile;
use super::{num, pct, shown};

/// Renders `p` (already masked for the viewer).
pub fn render(p: &Profile) -> String {
    let mut s = String::new();
    let b = &p.basic;
    let _ = writeln!(s, "学生画像 Student profile  {}  (as of {})", p.student_id, p.as_of);
    let _ = writeln!(s, "\n基本信息 Basic information");
    let _ = writeln!(s, "  姓名 name: {}   性别 gender: {}", shown(&b.name), b.gender);
    let _ = writeln!(s, "  学院 college: {}   专业 major: {}   班级 class: {}", b.college, b.major, b.class_id);
    let _ = writeln!(s, "  年级 cohort: {}   层次 level: {}   状态 status: {}", b.cohort, b.degree_level, b.status);
    let _ = writeln!(
        s,
        "  宿舍 dorm: {} {}   辅导员 counsellor: {}   导师 mentor: {}",
        b.dorm_building.as_deref().unwrap_or("–"),
        shown(&b.dorm_room),
        b.counsellor_id,
        b.mentor_id.as_deref().unwrap_or("–")
    );
    let _ = writeln!(
        s,
        "  政治面貌 political status: {}   资助 aid: {}   生源地 home: {}",
        shown(&b.political_status),
        shown(&b.financial_aid_level),
        shown(&b.hometown_province)
    );
    let _ = writeln!(s, "\n综合评价 Comprehensive evaluation (德智体美劳)");
    match &p.evaluation {
        None => {
            let _ = writeln!(s, "  not evaluated yet (radar evaluate students)");
        }
        Some(e) => {
            let _ = writeln!(s, "  term {} ({} weights)", e.term, e.method);
            for (d, (_, zh, en)) in e.dimensions.iter().zip(DIMENSIONS) {
                let _ =
                    writeln!(s, "  {zh} {en:<13} {:>6}  percentile in major+cohort {}", num(d.score, 1), pct(d.pct));
            }
            let _ = writeln!(s, "  总分 total         {:>6}  percentile {}", num(e.total, 1), pct(e.total_pct));
        }
    }
    let _ = writeln!(s, "\n学业 Academic trend");
    for t in &p.academic.terms {
        let _ = writeln!(
            s,
            "  {}  GPA {}  rank {}  credits {} failed {}  coursework missing {} mean {}",
            t.term,
            num(t.gpa, 2),
            pct(t.gpa_rank_pct),
            num(t.attempted_credits, 1),
            num(t.failed_credits, 1),
            pct(t.coursework_missing_rate),
            num(t.coursework_mean, 1)
        );
    }
    let att: Vec<String> = p.academic.attendance.iter().map(|w| pct(w.value)).collect();
    if !att.is_empty() {
        let _ = writeln!(s, "  出勤 attendance by week: {}", att.join(" "));
    }
    let _ = writeln!(s, "\n生活规律 Life pattern (latest week | own baseline | z | cohort median | cohort pct)");
    for m in &p.life.measures {
        let latest = m.values.iter().rev().find_map(|v| *v);
        let _ = writeln!(
            s,
            "  {} {:<22} {} {:>7} | {:>7} | {:>5} | {:>7} | {}",
            m.label_zh,
            m.label_en,
            m.latest_week.as_deref().unwrap_or("–"),
            num(latest, 1),
            num(m.baseline, 1),
            num(m.baseline_z, 1),
            num(m.cohort_median, 1),
            pct(m.cohort_pct)
        );
    }
    if let Some(l) = &p.lifestyle {
        let _ = writeln!(s, "\n生活类型 Lifestyle type: {} / {}", l.label_zh, l.label_en);
    }
    let _ = writeln!(s, "\n当前预警 Open warnings ({})", p.warnings.len());
    for w in &p.warnings {
        let _ = writeln!(s, "  {} {} {} {} [{}]", w.warning_id, w.level, w.category, w.status, w.rule);
        let _ = writeln!(s, "      {}\n      {}", w.reason_zh, w.reason_en);
    }
    let _ = writeln!(s, "\n推荐 Recommendations ({})", p.recommendations.len());
    for r in &p.recommendations {
        let _ = writeln!(s, "  {}. [{}] {} / {}", r.rank, r.kind, r.title, r.title_en);
        let _ = writeln!(s, "      {}\n      {}", r.reason_zh, r.reason_en);
    }
    let _ = writeln!(s, "\n过程记录 Process record ({} entries, latest 15)", p.timeline.len());
    for e in p.timeline.iter().rev().take(15).rev() {
        let note = e.note.value.as_deref().map(|n| format!(" — {n}")).unwrap_or_default();
        let _ = writeln!(s, "  {}  {}  {}{note}", e.at, e.title_zh, e.title_en);
    }
    let _ = writeln!(s, "\n数据来源 Data sources");
    let _ = writeln!(s, "  present: {}", p.sources.present.join(", "));
    let _ = writeln!(s, "  missing for this student: {}", p.sources.missing.join(", "));
    let _ = writeln!(s, "  not sent by the campus: {}", p.sources.not_sent.join(", "));
    s
}
