//! The profile as one self-contained html page: inline CSS, inline SVG charts and a few
//! lines of inline script for the language switch — nothing loads from the network.
//! Rendered with minijinja (auto-escaping), so no field can inject markup.

use minijinja::{context, Environment, Value};

use super::super::build::DIMENSIONS;
use super::super::doc::Profile;
use super::super::ProfileError;
use super::svg::{self, Line};
use super::{num, pct, shown};

const TEMPLATE: &str = include_str!("profile.html");

/// The profile's charts as (title zh, title en, inline SVG); the service's profile page
/// shows the same ones.
pub fn charts(p: &Profile) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    if let Some(e) = &p.evaluation {
        let axes: Vec<_> = e
            .dimensions
            .iter()
            .zip(DIMENSIONS)
            .map(|(d, (_, zh, en))| (zh.to_string(), en.to_string(), d.score, d.pct))
            .collect();
        out.push(("综合评价（德智体美劳）".into(), "Comprehensive evaluation".into(), svg::radar(&axes)));
    }
    if !p.academic.terms.is_empty() {
        let xs: Vec<String> = p.academic.terms.iter().map(|t| t.term.clone()).collect();
        let gpa: Vec<Option<f64>> = p.academic.terms.iter().map(|t| t.gpa).collect();
        let failed: Vec<Option<f64>> = p.academic.terms.iter().map(|t| t.failed_credits).collect();
        out.push((
            "学期绩点".into(),
            "GPA by term".into(),
            svg::lines(("绩点", "GPA"), &xs, &[Line { values: &gpa, colour: "#2563eb", dashed: false }], &[]),
        ));
        out.push((
            "不及格学分".into(),
            "Failed credits by term".into(),
            svg::lines(
                ("不及格学分", "failed credits"),
                &xs,
                &[Line { values: &failed, colour: "#dc2626", dashed: false }],
                &[],
            ),
        ));
    }
    if p.academic.attendance.iter().any(|w| w.value.is_some()) {
        let xs: Vec<String> = p.academic.attendance.iter().map(|w| w.week_start.clone()).collect();
        let v: Vec<Option<f64>> = p.academic.attendance.iter().map(|w| w.value).collect();
        out.push((
            "每周出勤率".into(),
            "Weekly attendance".into(),
            svg::lines(("出勤率", "attendance"), &xs, &[Line { values: &v, colour: "#059669", dashed: false }], &[]),
        ));
    }
    for m in &p.life.measures {
        if m.values.iter().all(Option::is_none) {
            continue;
        }
        let mut refs = Vec::new();
        if let Some(b) = m.baseline {
            refs.push((b, "#7c3aed", "本人基线", "own baseline"));
        }
        if let Some(c) = m.cohort_median {
            refs.push((c, "#f59e0b", "同年级中位数", "cohort median"));
        }
        out.push((
            m.label_zh.clone(),
            format!("{} ({})", m.label_en, m.unit),
            svg::lines(
                (&m.label_zh, &m.label_en),
                &p.life.weeks,
                &[Line { values: &m.values, colour: "#2563eb", dashed: false }],
                &refs,
            ),
        ));
    }
    out
}

/// Renders `p` (already masked for the viewer) as a complete html document.
pub fn render(p: &Profile) -> Result<String, ProfileError> {
    let mut env = Environment::new();
    env.add_template("profile.html", TEMPLATE).map_err(|e| ProfileError::Render(e.to_string()))?;
    let t = env.get_template("profile.html").map_err(|e| ProfileError::Render(e.to_string()))?;
    let charts: Vec<Value> = charts(p)
        .into_iter()
        .map(|(zh, en, s)| context! { zh => zh, en => en, svg => Value::from_safe_string(s) })
        .collect();
    let b = &p.basic;
    let basic = vec![
        ("姓名", "Name", shown(&b.name)),
        ("性别", "Gender", b.gender.clone()),
        ("学院", "College", b.college.clone()),
        ("专业", "Major", b.major.clone()),
        ("班级", "Class", b.class_id.clone()),
        ("年级", "Cohort", b.cohort.to_string()),
        ("层次", "Degree level", b.degree_level.clone()),
        ("状态", "Status", b.status.clone()),
        ("宿舍楼", "Dorm building", b.dorm_building.clone().unwrap_or_else(|| "–".into())),
        ("房间", "Room", shown(&b.dorm_room)),
        ("辅导员", "Counsellor", b.counsellor_id.clone()),
        ("学业导师", "Mentor", b.mentor_id.clone().unwrap_or_else(|| "–".into())),
        ("政治面貌", "Political status", shown(&b.political_status)),
        ("资助等级", "Financial aid", shown(&b.financial_aid_level)),
        ("生源地", "Home province", shown(&b.hometown_province)),
    ];
    let terms: Vec<Value> = p
        .academic
        .terms
        .iter()
        .map(|t| {
            context! { term => t.term, gpa => num(t.gpa, 2), rank => pct(t.gpa_rank_pct),
            attempted => num(t.attempted_credits, 1), failed => num(t.failed_credits, 1),
            missing => pct(t.coursework_missing_rate), mean => num(t.coursework_mean, 1) }
        })
        .collect();
    let life: Vec<Value> = p
        .life
        .measures
        .iter()
        .map(|m| {
            context! { zh => m.label_zh, en => m.label_en, unit => m.unit,
            latest => num(m.values.iter().rev().find_map(|v| *v), 1), week => m.latest_week, baseline => num(m.baseline, 1),
            z => num(m.baseline_z, 1), median => num(m.cohort_median, 1), pct => pct(m.cohort_pct) }
        })
        .collect();
    let evaluation = p.evaluation.as_ref().map(|e| {
        let dims: Vec<Value> = e
            .dimensions
            .iter()
            .zip(DIMENSIONS)
            .map(|(d, (_, zh, en))| context! { zh => zh, en => en, score => num(d.score, 1), pct => pct(d.pct) })
            .collect();
        context! { term => e.term, method => e.method, dims => dims, total => num(e.total, 1),
        total_pct => pct(e.total_pct) }
    });
    let timeline: Vec<Value> = p
        .timeline
        .iter()
        .rev()
        .map(|e| {
            context! { at => e.at, source => e.source, zh => e.title_zh, en => e.title_en,
            by => e.by, note => e.note.value, masked => e.note.masked }
        })
        .collect();
    t.render(context! {
        p => Value::from_serialize(p),
        basic => basic,
        charts => charts,
        terms => terms,
        life => life,
        evaluation => evaluation,
        timeline => timeline,
    })
    .map_err(|e| ProfileError::Render(e.to_string()))
}
