use super::scope::{Directory, Scope, StaffRef, StudentRef};
use super::*;

fn accounts() -> (tempfile::TempDir, Accounts) {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = Accounts::open(dir.path()).expect("open");
    (dir, a)
}

#[test]
fn passwords_and_tokens_are_stored_only_as_hashes_and_check() {
    let (_d, a) = accounts();
    a.add("c1", Role::Counsellor, Some("C1"), None, "correct horse", 0).expect("add");
    let stored: String =
        a.db.conn.query_row("SELECT password_hash FROM users WHERE username = 'c1'", [], |r| r.get(0)).expect("row");
    assert!(stored.starts_with("$argon2id$") && !stored.contains("correct horse"));
    assert_eq!(a.login("c1", "correct horse", 1).expect("login").staff_id.as_deref(), Some("C1"));
    assert!(matches!(a.login("c1", "wrong", 2), Err(AccountError::BadLogin)));
    let (info, token) = a.create_token("c1", Some(100), false, 3).expect("token");
    let stored: String =
        a.db.conn
            .query_row("SELECT secret_digest FROM api_tokens WHERE token_id = ?1", [&info.token_id], |r| r.get(0))
            .expect("row");
    assert!(!token.contains(&stored) && token.starts_with("rdr_"));
    assert_eq!(a.by_token(&token, 50).expect("lookup").map(|(acc, _)| acc.username), Some("c1".into()));
    assert!(a.by_token(&token, 100).expect("expired").is_none(), "expired at 100");
    assert!(a.by_token(&format!("{token}x"), 50).expect("tampered").is_none());
    assert!(a.revoke_token(&info.token_id).expect("revoke"));
    assert!(a.by_token(&token, 50).expect("revoked").is_none());
}

#[test]
fn five_failed_logins_lock_the_name_for_a_while_known_or_not() {
    let (_d, a) = accounts();
    a.add("c1", Role::Counsellor, Some("C1"), None, "correct horse", 0).expect("add");
    let min = 60_000_000;
    for i in 0..4 {
        assert!(matches!(a.login("c1", "nope", i * min), Err(AccountError::BadLogin)));
    }
    assert!(matches!(a.login("c1", "nope", 4 * min), Err(AccountError::Locked { .. })));
    // Locked: even the right password is refused…
    assert!(matches!(a.login("c1", "correct horse", 5 * min), Err(AccountError::Locked { .. })));
    // …until the window has passed since the last failure.
    assert!(a.login("c1", "correct horse", 4 * min + LOCK_WINDOW + 1).is_ok());
    for i in 0..5 {
        let _ = a.login("ghost", "x", i);
    }
    assert!(matches!(a.login("ghost", "x", 6), Err(AccountError::Locked { .. })));
}

#[test]
fn sessions_expire_and_end_and_a_disabled_account_loses_them() {
    let (_d, a) = accounts();
    a.add("m1", Role::Mentor, Some("M1"), None, "correct horse", 0).expect("add");
    let s = a.create_session("m1", 0).expect("session");
    assert!(a.by_session(&s.id, 1).expect("live").is_some());
    assert!(a.by_session(&s.id, SESSION_TTL).expect("expired").is_none());
    let s2 = a.create_session("m1", 10).expect("session");
    a.end_session(&s2.id).expect("end");
    assert!(a.by_session(&s2.id, 11).expect("ended").is_none());
    let s3 = a.create_session("m1", 10).expect("session");
    a.set_disabled("m1", true).expect("disable");
    assert!(a.by_session(&s3.id, 11).expect("disabled").is_none());
    assert!(matches!(a.login("m1", "correct horse", 12), Err(AccountError::Disabled)));
}

#[test]
fn accounts_need_their_link_and_a_real_password() {
    let (_d, a) = accounts();
    assert!(a.add("c", Role::Counsellor, None, None, "correct horse", 0).is_err());
    assert!(a.add("s", Role::Student, None, None, "correct horse", 0).is_err());
    assert!(a.add("s", Role::Student, None, Some("S1"), "short", 0).is_err());
    assert!(a.add("bad name", Role::Analyst, None, None, "correct horse", 0).is_err());
    a.add("an", Role::Analyst, None, None, "correct horse", 0).expect("analyst");
    assert!(matches!(a.add("an", Role::Analyst, None, None, "correct horse", 0), Err(AccountError::Exists(_))));
    assert_eq!(generate_password().len(), 16);
}

fn dir() -> Directory {
    let st = |id: &str, college: &str, c: &str, m: Option<&str>| StudentRef {
        student_id: id.into(),
        college: college.into(),
        counsellor_id: c.into(),
        mentor_id: m.map(Into::into),
        class_id: "K".into(),
        status: "active".into(),
    };
    let sf = |id: &str, role: &str, college: Option<&str>| StaffRef {
        staff_id: id.into(),
        role: role.into(),
        college: college.map(Into::into),
    };
    Directory::from_records(
        vec![st("S1", "CS", "C1", Some("M1")), st("S2", "CS", "C2", None), st("S3", "EE", "C3", Some("M1"))],
        vec![
            sf("C1", "counsellor", Some("CS")),
            sf("M1", "mentor", Some("CS")),
            sf("L1", "leader", Some("CS")),
            sf("P1", "psychologist", None),
            sf("P2", "psychologist", Some("EE")),
        ],
    )
}

fn acc(role: Role, staff: Option<&str>, student: Option<&str>) -> Account {
    Account {
        username: "u".into(),
        role,
        staff_id: staff.map(Into::into),
        student_id: student.map(Into::into),
        disabled: false,
    }
}

#[test]
fn each_role_sees_exactly_its_students() {
    let d = dir();
    let seen = |a: Account| d.students_in(&d.scope_of(&a)).into_iter().map(String::from).collect::<Vec<_>>();
    assert_eq!(seen(acc(Role::Counsellor, Some("C1"), None)), ["S1"]);
    assert_eq!(seen(acc(Role::Mentor, Some("M1"), None)), ["S1", "S3"]);
    assert_eq!(seen(acc(Role::Leader, Some("L1"), None)), ["S1", "S2"]);
    assert_eq!(seen(acc(Role::Psychologist, Some("P1"), None)), ["S1", "S2", "S3"]);
    assert_eq!(seen(acc(Role::Psychologist, Some("P2"), None)), ["S3"]);
    assert_eq!(seen(acc(Role::Student, None, Some("S2"))), ["S2"]);
    assert_eq!(seen(acc(Role::Analyst, None, None)), ["S1", "S2", "S3"]);
    assert!(d.scope_of(&acc(Role::Analyst, None, None)).pseudonymised());
    assert!(seen(acc(Role::Admin, None, None)).is_empty());
    assert_eq!(seen(acc(Role::Admin, Some("C1"), None)), ["S1"], "an admin linked to a counsellor");
    // A link to a staff record that does not exist sees nobody.
    assert!(seen(acc(Role::Counsellor, Some("C9"), None)).is_empty());
    let c1 = d.scope_of(&acc(Role::Counsellor, Some("C1"), None));
    assert!(d.sees(&c1, "S1") && !d.sees(&c1, "S2") && !d.sees(&c1, "nope"));
    assert!(!d.sees(&Scope::Student("S9".into()), "S9"), "a student not on record");
}

#[test]
fn pseudonyms_are_stable_per_key_and_hide_the_id() {
    let (_d, a) = accounts();
    let k = a.pseudonym_key().expect("key");
    assert_eq!(k, a.pseudonym_key().expect("again"));
    let p = pseudonym(&k, "S1");
    assert_eq!(p, pseudonym(&k, "S1"));
    assert_ne!(p, pseudonym(&k, "S2"));
    assert_ne!(p, pseudonym(&[1u8; 32], "S1"));
    assert!(p.starts_with('P') && p.len() == 13 && !p.contains("S1"));
}
