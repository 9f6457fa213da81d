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
