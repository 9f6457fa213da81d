//! Who may see which personal fields of a profile, and the audit log of disclosures.
//!
//! Without a viewer (`--as`) every personal field is masked: the name keeps its first
//! character (`张**`), room, political status, aid level, home province and staff notes
//! are withheld. A named staff member sees what the role needs for this student:
//!
//! | viewer | name | room | political / aid / home | staff notes | screening band |
//! |---|---|---|---|---|---|
//! | the student's counsellor | ✓ | ✓ | ✓ | ✓ | ✓ |
//! | psychologist | ✓ | ✓ | | ✓ | ✓ |
//! | the student's mentor | ✓ | | | | |
//! | leader / party secretary of the student's college, career advisor | ✓ | | | | |
//! | any other staff | | | | | |
//!
//! Every lookup by a named viewer is written to `audit_log` in ops.sqlite (who, when,
//! which student, what was shown), ids only. Real authentication comes with the web
//! service; the CLI trusts `--as` as the warnings commands trust `--by`.

use rusqlite::params;

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
    /// Psychological screening bands.
    pub psych: bool,
}

impl Grants {
    /// Everything (the serving copy keeps it; renderings never use it without a viewer).
    pub const ALL: Grants = Grants { name: true, room: true, sensitive: true, notes: true, psych: true };

    /// The granted fields, for the audit log.
    pub fn fields(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        for (on, f) in [
            (self.name, "name"),
            (self.room, "room"),
            (self.sensitive, "sensitive"),
            (self.notes, "notes"),
            (self.psych, "psych"),
        ] {
            if on {
                v.push(f);
            }
        }
        v
    }
}

/// What `viewer` (none = anonymous) may see of `p`.
pub fn grants(viewer: Option<&Viewer>, p: &Profile) -> Grants {
    let Some(v) = viewer else { return Grants::default() };
    let b = &p.basic;
    let same_college = v.college.as_deref() == Some(b.college.as_str());
    if v.staff_id == b.counsellor_id {
        return Grants::ALL;
    }
    match v.role.as_str() {
        "psychologist" => Grants { name: true, room: true, notes: true, psych: true, sensitive: false },
        _ if b.mentor_id.as_deref() == Some(v.staff_id.as_str()) => Grants { name: true, ..Grants::default() },
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
    for e in &mut p.timeline {
        let allowed = if e.source == "assessment" { g.psych } else { g.notes };
        if !allowed {
            withhold(&mut e.note);
        }
    }
    p
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

const AUDIT: &str = "CREATE TABLE IF NOT EXISTS audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    student_id TEXT NOT NULL,
    detail TEXT NOT NULL
)";

/// Records that `actor` did `action` on `student` seeing `granted` fields.
pub fn audit(db: &OpsDb, at: Micros, actor: &str, action: &str, student: &str, g: Grants) -> Result<(), ProfileError> {
    let e = crate::warnings::WarningError::from;
    db.conn.execute_batch(AUDIT).map_err(e)?;
    let detail = serde_json::json!({ "shown": g.fields() }).to_string();
    db.conn
        .execute(
            "INSERT INTO audit_log (at, actor, action, student_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![at, actor, action, student, detail],
        )
        .map_err(e)?;
    Ok(())
}

/// Records that `actor` did `action` with a `detail` that holds no personal data (e.g. a
/// `radar sql` query's hash and row count); `student` is empty when no student is concerned.
pub fn audit_detail(
    db: &OpsDb,
    at: Micros,
    actor: &str,
    action: &str,
    student: &str,
    detail: &str,
) -> Result<(), ProfileError> {
    let e = crate::warnings::WarningError::from;
    db.conn.execute_batch(AUDIT).map_err(e)?;
    db.conn
        .execute(
            "INSERT INTO audit_log (at, actor, action, student_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![at, actor, action, student, detail],
        )
        .map_err(e)?;
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
}
