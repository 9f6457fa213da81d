//! Who may see what of a student, decided in one place for every rendering (profile
//! JSON, text and html, the timeline, recommendations, the masked `student_profiles`
//! table), and the audit of each disclosure.
//!
//! Without a viewer (`--as`) every personal field is masked: the name keeps its first
//! character (`张**`), room, political status, aid level, home province and staff notes
//! are withheld. A named staff member sees what the role needs for this student:
//!
//! | viewer | name | room | political / aid / home | staff notes | psych | peer mentors |
//! |---|---|---|---|---|---|---|
//! | the student's counsellor | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ |
//! | psychologist | ✓ | ✓ | | ✓ | ✓ | |
//! | the student's mentor | ✓ | | | | | ✓ |
//! | leader / party secretary of the student's college, career advisor | ✓ | | | | | |
//! | any other staff | | | | | | |
//!
//! *psych* covers health data: screening bands (timeline notes), warnings drawn from a
//! screening (their level, rule and reasons, in the warning list and in the timeline's
//! titles), psychological consultations (kind, title and who held them), and
//! recommendation reasons that name such a warning. Without it these read as a neutral
//! "details restricted". *peer mentors*: the peer-mentor suggestion names another student,
//! so only the staff who arrange it see it (and never that student's grades: the
//! suggestion does not carry them, see `recommend::suggest`).
//!
//! Every lookup by a named viewer is written to `audit_log` in ops.sqlite (who, when,
//! which student, what was shown), ids only, through [`crate::warnings::audit`]. Real
//! authentication comes with the web service; the CLI trusts `--as` as the warnings
//! commands trust `--by`.

use super::doc::{Masked, Profile};
use super::ProfileError;
use crate::schema::time::Micros;
use crate::warnings::db::OpsDb;

/// A staff member looking at a profile.
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    /// Staff id.
    pub staff_id: String,
    /// Role from `staff`.
    pub role: String,
    /// College from `staff`.
    pub college: Option<String>,
}

/// What a viewer may see of one student.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Grants {
    /// Full name.
    pub name: bool,
    /// Dorm floor and room.
    pub room: bool,
    /// Political status, financial aid level, home province.
    pub sensitive: bool,
    /// Staff's free-text notes.
    pub notes: bool,
    /// Health data: screening bands, screening-based warnings, psych consultations.
    pub psych: bool,
    /// Peer-mentor suggestions (they name another student).
    pub peers: bool,
}

impl Grants {
    /// Everything (the serving copy keeps it; renderings never use it without a viewer).
    pub const ALL: Grants = Grants { name: true, room: true, sensitive: true, notes: true, psych: true, peers: true };

    /// The granted fields, for the audit log.
    pub fn fields(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        for (on, f) in [
            (self.name, "name"),
            (self.room, "room"),
            (self.sensitive, "sensitive"),
            (self.notes, "notes"),
            (self.psych, "psych"),
            (self.peers, "peers"),
        ] {
            if on {
                v.push(f);
            }
        }
        v
    }
}

/// What a student sees of their own record: their own personal fields, but not staff
/// notes, health data (screening bands and warnings drawn from them) or peer-mentor
/// suggestions (which name another student).
pub const OWN: Grants = Grants { name: true, room: true, sensitive: true, notes: false, psych: false, peers: false };

/// What `viewer` (none = anonymous) may see of `p`.
pub fn grants(viewer: Option<&Viewer>, p: &Profile) -> Grants {
    let Some(v) = viewer else { return Grants::default() };
    let b = &p.basic;
    let same_college = v.college.as_deref() == Some(b.college.as_str());
    if v.staff_id == b.counsellor_id {
        return Grants::ALL;
    }
    match v.role.as_str() {
        "psychologist" => Grants { name: true, room: true, notes: true, psych: true, ..Grants::default() },
        _ if b.mentor_id.as_deref() == Some(v.staff_id.as_str()) => {
            Grants { name: true, peers: true, ..Grants::default() }
        }
        "leader" | "party_secretary" if same_college => Grants { name: true, ..Grants::default() },
        "career_advisor" => Grants { name: true, ..Grants::default() },
        _ => Grants::default(),
    }
}

/// The first character and one `*` per further character.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

fn withhold(m: &mut Masked) {
    if m.value.is_some() {
        *m = Masked { value: None, masked: true };
    }
}

/// What a warning drawn from a screening shows without the psych grant.
pub const RESTRICTED: &str = "restricted";
/// A warning drawn from a screening, to a viewer without the psych grant (Chinese).
pub const WARNING_ZH: &str = "心理健康相关预警（详情仅限授权人员查看）";
/// The same in English.
pub const WARNING_EN: &str = "wellbeing warning (details restricted)";
const REASON_ZH: &str = "与一项需授权查看的预警相关（详情受限）";
const REASON_EN: &str = "matched to an open warning (details restricted)";

/// A copy of `p` with what `g` does not grant masked or withheld.
pub fn apply(p: &Profile, g: Grants) -> Profile {
    let mut p = p.clone();
    let b = &mut p.basic;
    if !g.name {
        if let Some(n) = &b.name.value {
            b.name = Masked { value: Some(mask_name(n)), masked: true };
        }
    }
    if !g.room {
        withhold(&mut b.dorm_room);
    }
    if !g.sensitive {
        withhold(&mut b.political_status);
        withhold(&mut b.financial_aid_level);
        withhold(&mut b.hometown_province);
    }
    // Rule ids of health warnings: a recommendation reason naming one gives it away.
    let mut hidden_rules: Vec<String> = Vec::new();
    for w in p.warnings.iter_mut().filter(|w| w.restricted && !g.psych) {
        hidden_rules.push(std::mem::replace(&mut w.rule, RESTRICTED.into()));
        w.level = RESTRICTED.into();
        w.reason_zh = WARNING_ZH.into();
        w.reason_en = WARNING_EN.into();
    }
    p.recommendations.retain(|r| g.peers || r.kind != "mentor");
    recommendation_reasons(&mut p.recommendations, &hidden_rules);
    timeline(&mut p.timeline, g);
    p
}

/// A warning row (list, export, `warnings show`) as a viewer with grants `g` sees it: one
/// drawn from a screening keeps its id, student, category and status, but its level,
/// rule, reasons, evidence and priority read as restricted without the psych grant.
pub fn warning_row(row: &mut crate::warnings::db::WarningRow, g: Grants) {
    if g.psych || !crate::warnings::draws_on_screening(&row.evidence) {
        return;
    }
    row.level = RESTRICTED.into();
    row.max_level = RESTRICTED.into();
    row.rule = RESTRICTED.into();
    row.reason_zh = WARNING_ZH.into();
    row.reason_en = WARNING_EN.into();
    row.evidence = serde_json::json!({
        "feature": null, "value": null, "baseline": null, "cohort_pct": null, "trend": null,
        "sources_used": [], "sources_missing": [], "restricted": true,
    })
    .to_string();
    row.priority = 0.0;
}

/// What `viewer` may see of a warning's student, from the warning row alone (its
/// counsellor and college): enough for the psych grant, which only the student's
/// counsellor and psychologists hold.
pub fn warning_grants(viewer: Option<&Viewer>, row: &crate::warnings::db::WarningRow) -> Grants {
    let stub = Profile {
        basic: super::doc::Basic {
            college: row.college.clone(),
            counsellor_id: row.counsellor_id.clone(),
            ..Default::default()
        },
        ..Profile::default()
    };
    grants(viewer, &stub)
}

/// Recommendation reasons that name one of `hidden_rules` read as a neutral reason.
pub fn recommendation_reasons(recs: &mut [super::doc::Recommendation], hidden_rules: &[String]) {
    for r in recs {
        if hidden_rules.iter().any(|h| r.reason_zh.contains(h.as_str()) || r.reason_en.contains(h.as_str())) {
            r.reason_zh = REASON_ZH.into();
            r.reason_en = REASON_EN.into();
        }
    }
}

/// Masks a timeline for a viewer with grants `g`.
pub fn timeline(events: &mut [super::doc::TimelineEvent], g: Grants) {
    for e in events {
        let allowed = if e.source == "assessment" { g.psych } else { g.notes };
        if !allowed {
            withhold(&mut e.note);
        }
        if e.restricted && !g.psych {
            withhold(&mut e.note);
            e.by = None;
            if e.source != "warning" {
                e.kind = RESTRICTED.into();
            }
            if e.source == "process_record" {
                e.title_zh = "谈话记录（详情受限）".into();
                e.title_en = "staff contact (details restricted)".into();
            } else {
                let wid = e.ref_id.split('#').next().unwrap_or_default().to_string();
                e.title_zh = format!("预警 {wid}：{WARNING_ZH}");
                e.title_en = format!("warning {wid}: {WARNING_EN}");
            }
        }
    }
}

/// Looks up a staff member as a viewer.
pub async fn viewer(store: &crate::store::Store, staff_id: &str) -> Result<Viewer, ProfileError> {
    let ctx = store.session().await?;
    if !store.table_names().iter().any(|t| t == "staff") {
        return Err(ProfileError::UnknownStaff(staff_id.into()));
    }
    let sql = format!("SELECT staff_id, role, college FROM staff WHERE staff_id = {}", super::rows::lit(staff_id));
    let mut r = super::rows::query(&ctx, &sql).await?;
    if r.len == 0 {
        return Err(ProfileError::UnknownStaff(staff_id.into()));
    }
    Ok(Viewer { staff_id: r.text(0, "staff_id")?, role: r.text(0, "role")?, college: r.s(0, "college")? })
}

/// Records that `actor` did `action` on `student` seeing `granted` fields (one student
/// disclosed).
pub fn audit(db: &OpsDb, at: Micros, actor: &str, action: &str, student: &str, g: Grants) -> Result<(), ProfileError> {
    let detail = serde_json::json!({ "shown": g.fields() });
    crate::warnings::audit::record_with(db, at, actor, action, student, 1, &detail)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::doc::{Basic, TimelineEvent};

    fn student() -> Profile {
        Profile {
            basic: Basic {
                name: Masked::shown(Some("欧阳修文".into())),
                college: "CS".into(),
                counsellor_id: "C1".into(),
                mentor_id: Some("M1".into()),
                political_status: Masked::shown(Some("party_member".into())),
                dorm_room: Masked::shown(Some("3F 301".into())),
                ..Basic::default()
            },
            timeline: vec![
                TimelineEvent {
                    source: "process_record".into(),
                    note: Masked::shown(Some("n".into())),
                    ..Default::default()
                },
                TimelineEvent {
                    source: "assessment".into(),
                    note: Masked::shown(Some("high_risk".into())),
                    ..Default::default()
                },
            ],
            ..Profile::default()
        }
    }

    fn v(id: &str, role: &str, college: Option<&str>) -> Viewer {
        Viewer { staff_id: id.into(), role: role.into(), college: college.map(String::from) }
    }

    #[test]
    fn each_role_gets_what_the_table_in_the_module_docs_says() {
        let p = student();
        assert_eq!(grants(None, &p), Grants::default());
        assert_eq!(grants(Some(&v("C1", "counsellor", None)), &p), Grants::ALL);
        assert_eq!(grants(Some(&v("C9", "counsellor", Some("CS"))), &p), Grants::default());
        let psy = grants(Some(&v("P1", "psychologist", None)), &p);
        assert!(psy.psych && psy.notes && psy.name && !psy.sensitive);
        let mentor = grants(Some(&v("M1", "mentor", None)), &p);
        assert!(mentor.name && !mentor.notes && !mentor.room);
        assert!(grants(Some(&v("L1", "leader", Some("CS"))), &p).name);
        assert!(!grants(Some(&v("L2", "leader", Some("Maths"))), &p).name);
    }

    #[test]
    fn masking_keeps_the_first_character_and_withholds_the_rest() {
        let m = apply(&student(), Grants { notes: true, ..Grants::default() });
        assert_eq!(m.basic.name.value.as_deref(), Some("欧***"));
        assert!(m.basic.political_status.value.is_none() && m.basic.political_status.masked);
        assert!(m.basic.dorm_room.masked);
        // Notes are granted but screening bands are not.
        assert_eq!(m.timeline[0].note.value.as_deref(), Some("n"));
        assert!(m.timeline[1].note.value.is_none() && m.timeline[1].note.masked);
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn health_data_and_peer_mentors_need_their_grants() {
        use crate::profile::doc::{Recommendation, WarningItem};
        let mut p = student();
        p.warnings.push(WarningItem {
            warning_id: "W1".into(),
            category: "wellbeing".into(),
            level: "red".into(),
            rule: "wellbeing.screening".into(),
            reason_en: "screening scored 213 (high_risk)".into(),
            restricted: true,
            ..Default::default()
        });
        p.recommendations = vec![
            Recommendation { kind: "mentor".into(), item_id: "PEER".into(), ..Default::default() },
            Recommendation {
                kind: "resource".into(),
                reason_en: "a wellbeing warning is open (wellbeing.screening)".into(),
                ..Default::default()
            },
        ];
        p.timeline.push(TimelineEvent {
            source: "process_record".into(),
            kind: "psych_consult".into(),
            title_en: "psych consult, 50 min".into(),
            by: Some("PSY1".into()),
            restricted: true,
            ..Default::default()
        });
        p.timeline.push(TimelineEvent {
            source: "warning".into(),
            ref_id: "W1#3".into(),
            title_en: "warning W1 raised: wellbeing/red (wellbeing.screening)".into(),
            restricted: true,
            ..Default::default()
        });
        let mentor = apply(&p, Grants { name: true, peers: true, ..Grants::default() });
        let text = serde_json::to_string(&mentor).unwrap_or_default();
        for secret in ["213", "high_risk", "wellbeing.screening", "red", "psych", "PSY1"] {
            assert!(!text.contains(secret), "{secret} shown without the psych grant: {text}");
        }
        assert_eq!(mentor.recommendations.len(), 2, "the mentor sees the peer");
        assert_eq!(mentor.timeline[3].title_en, "warning W1: wellbeing warning (details restricted)");
        let leader = apply(&p, Grants { name: true, ..Grants::default() });
        assert!(leader.recommendations.iter().all(|r| r.kind != "mentor"));
        let psy = apply(&p, Grants { psych: true, notes: true, ..Grants::default() });
        assert_eq!(psy.warnings[0], p.warnings[0]);
        assert_eq!(psy.timeline[2..], p.timeline[2..]);
        assert!(psy.recommendations.iter().all(|r| r.kind != "mentor"));
    }
}
