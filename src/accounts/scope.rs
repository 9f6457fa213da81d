//! Which students an account may see: decided here, once, for every route of the service
//! and every command that names a viewer.
//!
//! A staff role's scope follows the `staff` record it is linked to and the current
//! `students` records (service.md): a counsellor sees the students whose `counsellor_id`
//! is theirs, a mentor those whose `mentor_id` is, a leader their college, a psychologist
//! their college or, without one, everyone; a student themself; an analyst everyone but
//! pseudonymised; an admin nobody unless linked to a staff record, whose role then
//! decides. A staff link to a record that does not exist (left, or mistyped) sees nobody.

use std::collections::HashMap;

use super::{Account, AccountError, Role};
use crate::profile::access::Viewer;
use crate::store::Store;

/// The students an account may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Nobody.
    Nobody,
    /// Everyone, pseudonymised (analyst).
    All,
    /// Everyone, named (a psychologist without a college).
    Everyone,
    /// The students of a counsellor.
    Counsellor(String),
    /// The students of a mentor.
    Mentor(String),
    /// A college (leader; psychologist with a college).
    College(String),
    /// One student.
    Student(String),
}

impl Scope {
    /// Whether student ids are replaced by pseudonyms and names withheld.
    pub fn pseudonymised(&self) -> bool {
        matches!(self, Scope::All)
    }

    /// A short description without personal data, for `/me` and the audit log.
    pub fn describe(&self) -> serde_json::Value {
        match self {
            Scope::Nobody => serde_json::json!({"kind": "none"}),
            Scope::All => serde_json::json!({"kind": "all", "pseudonymised": true}),
            Scope::Everyone => serde_json::json!({"kind": "all"}),
            Scope::Counsellor(s) => serde_json::json!({"kind": "counsellor", "staff_id": s}),
            Scope::Mentor(s) => serde_json::json!({"kind": "mentor", "staff_id": s}),
            Scope::College(c) => serde_json::json!({"kind": "college", "college": c}),
            Scope::Student(s) => serde_json::json!({"kind": "student", "student_id": s}),
        }
    }
}

/// A student as far as scopes go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudentRef {
    /// Id.
    pub student_id: String,
    /// College.
    pub college: String,
    /// Counsellor's staff id.
    pub counsellor_id: String,
    /// Mentor's staff id.
    pub mentor_id: Option<String>,
    /// Class.
    pub class_id: String,
    /// `active`, `suspended`, …
    pub status: String,
}

/// A staff member as far as scopes go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRef {
    /// Id.
    pub staff_id: String,
    /// Role of the `staff` record.
    pub role: String,
    /// College.
    pub college: Option<String>,
}

/// Who is who: the current `students` and `staff` records.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    students: HashMap<String, StudentRef>,
    staff: HashMap<String, StaffRef>,
    sorted: Vec<String>,
}

impl Directory {
    /// Reads `students` and `staff` from the store (either may be missing: nobody then).
    pub async fn load(store: &Store) -> Result<Directory, AccountError> {
        use crate::profile::rows::query;
        let tables = store.table_names();
        let ctx = store.session().await.map_err(crate::profile::ProfileError::from)?;
        let mut dir = Directory::default();
        if tables.iter().any(|t| t == "students") {
            let mut r =
                query(&ctx, "SELECT student_id, college, counsellor_id, mentor_id, class_id, status FROM students")
                    .await?;
            for i in 0..r.len {
                let s = StudentRef {
                    student_id: r.text(i, "student_id")?,
                    college: r.text(i, "college")?,
                    counsellor_id: r.text(i, "counsellor_id")?,
                    mentor_id: r.s(i, "mentor_id")?,
                    class_id: r.text(i, "class_id")?,
                    status: r.text(i, "status")?,
                };
                dir.students.insert(s.student_id.clone(), s);
            }
        }
        if tables.iter().any(|t| t == "staff") {
            let mut r = query(&ctx, "SELECT staff_id, role, college FROM staff").await?;
            for i in 0..r.len {
                let s = StaffRef {
                    staff_id: r.text(i, "staff_id")?,
                    role: r.text(i, "role")?,
                    college: r.s(i, "college")?,
                };
                dir.staff.insert(s.staff_id.clone(), s);
            }
        }
        dir.sorted = dir.students.keys().cloned().collect();
        dir.sorted.sort();
        Ok(dir)
    }

    /// A directory from records in hand (tests, and callers that have them).
    pub fn from_records(students: Vec<StudentRef>, staff: Vec<StaffRef>) -> Directory {
        let mut sorted: Vec<String> = students.iter().map(|s| s.student_id.clone()).collect();
        sorted.sort();
        Directory {
            students: students.into_iter().map(|s| (s.student_id.clone(), s)).collect(),
            staff: staff.into_iter().map(|s| (s.staff_id.clone(), s)).collect(),
            sorted,
        }
    }

    /// A student.
    pub fn student(&self, id: &str) -> Option<&StudentRef> {
        self.students.get(id)
    }

    /// A staff member.
    pub fn staff(&self, id: &str) -> Option<&StaffRef> {
        self.staff.get(id)
    }

    /// Number of students.
    pub fn len(&self) -> usize {
        self.students.len()
    }

    /// Whether there are no students.
    pub fn is_empty(&self) -> bool {
        self.students.is_empty()
    }

    /// The scope of an account.
    pub fn scope_of(&self, a: &Account) -> Scope {
        let staff = a.staff_id.as_deref().and_then(|id| self.staff(id));
        match a.role {
            Role::Analyst => Scope::All,
            Role::Student => a.student_id.clone().map_or(Scope::Nobody, Scope::Student),
            Role::Counsellor => staff.map_or(Scope::Nobody, |s| Scope::Counsellor(s.staff_id.clone())),
            Role::Mentor => staff.map_or(Scope::Nobody, |s| Scope::Mentor(s.staff_id.clone())),
            Role::Leader => staff.and_then(|s| s.college.clone()).map_or(Scope::Nobody, Scope::College),
            Role::Psychologist => match staff {
                None => Scope::Nobody,
                Some(s) => s.college.clone().map_or(Scope::Everyone, Scope::College),
            },
            // An admin linked to a staff record sees what that record's role would.
            Role::Admin => match staff {
                None => Scope::Nobody,
                Some(s) => match Role::parse(&s.role) {
                    Some(r) if r.is_staff() => self.scope_of(&Account { role: r, ..a.clone() }),
                    _ => Scope::Nobody,
                },
            },
        }
    }

    /// Whether `scope` covers `student_id`: THE check behind every student and warning.
    pub fn sees(&self, scope: &Scope, student_id: &str) -> bool {
        match scope {
            Scope::Nobody => false,
            Scope::Student(s) => s == student_id && self.students.contains_key(student_id),
            Scope::All | Scope::Everyone => self.students.contains_key(student_id),
            _ => self.student(student_id).is_some_and(|s| covers(scope, s)),
        }
    }

    /// The students `scope` covers, sorted.
    pub fn students_in(&self, scope: &Scope) -> Vec<&str> {
        match scope {
            Scope::Nobody => Vec::new(),
            Scope::Student(s) => self.students.get_key_value(s).map(|(k, _)| k.as_str()).into_iter().collect(),
            Scope::All | Scope::Everyone => self.sorted.iter().map(String::as_str).collect(),
            _ => self
                .sorted
                .iter()
                .filter(|id| self.student(id).is_some_and(|s| covers(scope, s)))
                .map(String::as_str)
                .collect(),
        }
    }

    /// The staff record of an account as a profile viewer (what of a student it sees is
    /// then [`crate::profile::access::grants`]).
    pub fn viewer(&self, a: &Account) -> Option<Viewer> {
        let s = self.staff(a.staff_id.as_deref()?)?;
        Some(Viewer { staff_id: s.staff_id.clone(), role: s.role.clone(), college: s.college.clone() })
    }
}

fn covers(scope: &Scope, s: &StudentRef) -> bool {
    match scope {
        Scope::Counsellor(id) => &s.counsellor_id == id,
        Scope::Mentor(id) => s.mentor_id.as_deref() == Some(id.as_str()),
        Scope::College(c) => &s.college == c,
        Scope::Student(id) => &s.student_id == id,
        Scope::All | Scope::Everyone => true,
        Scope::Nobody => false,
    }
}
