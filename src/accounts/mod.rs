//! Accounts of the web service and of `radar users` / `radar tokens`: who may log in,
//! with which role, linked to which `staff` or `students` record.
//!
//! The tables live in `<store>/ops.sqlite` beside the warnings' lifecycle, so an account,
//! its sessions and the audit of what it did are one backup. Secrets are never stored:
//! passwords as argon2id hashes (PHC strings), API tokens and session ids as SHA-256
//! digests (they are long random values, so a slow hash adds nothing). What a role may
//! see is decided in [`scope`]; what of a student a staff member sees in
//! [`crate::profile::access`].

pub mod scope;
mod secrets;
mod tables;

use std::path::Path;

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

pub use secrets::pseudonym;
pub use secrets::same as same_secret;
use secrets::{digest, random_hex};

use crate::schema::time::Micros;
use crate::warnings::db::OpsDb;

/// Failed logins that lock an account…
pub const LOCK_AFTER: i64 = 5;
/// …when they fall within this window, for this long (µs).
pub const LOCK_WINDOW: Micros = 15 * 60 * 1_000_000;
/// A session lasts this long from login (µs).
pub const SESSION_TTL: Micros = 8 * 3600 * 1_000_000;

/// A role of service.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Accounts, audit, runs; no student data unless linked to a staff record.
    Admin,
    /// Everyone, pseudonymised; read-only SQL.
    Analyst,
    /// Their college.
    Leader,
    /// The students whose `counsellor_id` is theirs.
    Counsellor,
    /// The students whose `mentor_id` is theirs.
    Mentor,
    /// Their college, or everyone when their staff record has no college.
    Psychologist,
    /// Themself.
    Student,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 7] =
        [Role::Admin, Role::Analyst, Role::Leader, Role::Counsellor, Role::Mentor, Role::Psychologist, Role::Student];

    /// The role named `s`.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Leader => "leader",
            Role::Counsellor => "counsellor",
            Role::Mentor => "mentor",
            Role::Psychologist => "psychologist",
            Role::Student => "student",
        }
    }

    /// Whether the role works from a `staff` record.
    pub fn is_staff(self) -> bool {
        matches!(self, Role::Leader | Role::Counsellor | Role::Mentor | Role::Psychologist)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// The `staff` record it acts as.
    pub staff_id: Option<String>,
    /// The `students` record it is.
    pub student_id: Option<String>,
    /// A disabled account cannot log in and its tokens and sessions stop working.
    pub disabled: bool,
}

/// An API token's public part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// Id (`radar tokens revoke ID`).
    pub token_id: String,
    /// Owner.
    pub username: String,
    /// Made for `POST /api/v1/events/{kind}` only.
    pub ingest_only: bool,
    /// Expiry (µs), if any.
    pub expires_at: Option<Micros>,
}

/// A browser session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The cookie value (only its digest is stored).
    pub id: String,
    /// The token forms must carry.
    pub csrf: String,
    /// End of the session (µs).
    pub expires_at: Micros,
}

/// What can go wrong with accounts.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// The operational database.
    #[error("operational database: {0}")]
    Db(#[from] rusqlite::Error),
    /// Opening it.
    #[error(transparent)]
    Ops(#[from] crate::warnings::WarningError),
    /// Reading `students` / `staff` from the store.
    #[error(transparent)]
    Profile(#[from] crate::profile::ProfileError),
    /// No such account.
    #[error("no account `{0}`")]
    Unknown(String),
    /// The name is taken.
    #[error("account `{0}` exists already")]
    Exists(String),
    /// Username or password wrong (which one is not said).
    #[error("wrong username or password")]
    BadLogin,
    /// Too many failed logins.
    #[error("too many failed logins: try again in {minutes} minutes")]
    Locked {
        /// Minutes left.
        minutes: i64,
    },
    /// The account is disabled.
    #[error("account is disabled")]
    Disabled,
    /// An argument is not usable.
    #[error("{0}")]
    Invalid(String),
    /// Hashing failed.
    #[error("password hashing: {0}")]
    Hash(String),
}

impl AccountError {
    /// Whether the user gave something unusable (exit code 2).
    pub fn is_config(&self) -> bool {
        matches!(self, AccountError::Invalid(_) | AccountError::Unknown(_) | AccountError::Exists(_))
    }
}

/// The account tables of one store.
pub struct Accounts {
    db: OpsDb,
}

fn account(r: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    let role: String = r.get(1)?;
    Ok(Account {
        username: r.get(0)?,
        // An unknown role string (a newer version's) grants nothing: it reads as a student
        // without a student id, whose scope is empty.
        role: Role::parse(&role).unwrap_or(Role::Student),
        staff_id: r.get(2)?,
        student_id: r.get(3)?,
        disabled: r.get::<_, i64>(4)? != 0,
    })
}

const ACCOUNT_COLS: &str = "username, role, staff_id, student_id, disabled";

fn hash_password(pw: &str) -> Result<String, AccountError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(pw.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

fn verify_password(pw: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(pw.as_bytes(), &h).is_ok())
}

/// A password generated for a new account or a reset: 16 characters from an alphabet
/// without look-alikes.
pub fn generate_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

fn check_username(u: &str) -> Result<(), AccountError> {
    let ok = !u.is_empty()
        && u.len() <= 64
        && u.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'));
    if ok {
        Ok(())
    } else {
        Err(AccountError::Invalid("a username is 1–64 characters of letters, digits and `_ - . @`".into()))
    }
}

impl Accounts {
    /// Opens the account tables of the store at `root` (creating them).
    pub fn open(root: &Path) -> Result<Accounts, AccountError> {
        let db = OpsDb::open(root)?;
        tables::ensure(&db)?;
        Ok(Accounts { db })
    }

    /// The operational database underneath (for the audit log).
    pub fn db(&self) -> &OpsDb {
        &self.db
    }

    /// Adds an account. A staff role needs `staff_id`, `student` needs `student_id`
    /// (whether the record exists is checked by the caller, who has the store).
    pub fn add(
        &self,
        username: &str,
        role: Role,
        staff_id: Option<&str>,
        student_id: Option<&str>,
        password: &str,
        now: Micros,
    ) -> Result<Account, AccountError> {
        check_username(username)?;
        if role.is_staff() && staff_id.is_none() {
            return Err(AccountError::Invalid(format!("role {role} needs --staff-id")));
        }
        if role == Role::Student && student_id.is_none() {
            return Err(AccountError::Invalid("role student needs --student-id".into()));
        }
        if role == Role::Student && staff_id.is_some() || role != Role::Student && student_id.is_some() {
            return Err(AccountError::Invalid("only a student account links to a student record".into()));
        }
        if password.chars().count() < 8 {
            return Err(AccountError::Invalid("a password has at least 8 characters".into()));
        }
        if self.get(username)?.is_some() {
            return Err(AccountError::Exists(username.into()));
        }
        let hash = hash_password(password)?;
        self.db.conn.execute(
            "INSERT INTO users (username, role, staff_id, student_id, password_hash, disabled, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)",
            params![username, role.as_str(), staff_id, student_id, hash, now],
        )?;
        self.get(username)?.ok_or_else(|| AccountError::Unknown(username.into()))
    }

    /// Every account, by name.
    pub fn list(&self) -> Result<Vec<Account>, AccountError> {
        let mut st = self.db.conn.prepare(&format!("SELECT {ACCOUNT_COLS} FROM users ORDER BY username"))?;
        let rows = st.query_map([], account)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// One account.
    pub fn get(&self, username: &str) -> Result<Option<Account>, AccountError> {
        Ok(self
            .db
            .conn
            .query_row(&format!("SELECT {ACCOUNT_COLS} FROM users WHERE username = ?1"), [username], account)
            .optional()?)
    }

    /// Disables or enables an account; disabling ends its sessions.
    pub fn set_disabled(&self, username: &str, disabled: bool) -> Result<(), AccountError> {
        let n = self
            .db
            .conn
            .execute("UPDATE users SET disabled = ?2 WHERE username = ?1", params![username, disabled as i64])?;
        if n == 0 {
            return Err(AccountError::Unknown(username.into()));
        }
        if disabled {
            self.db.conn.execute("DELETE FROM sessions WHERE username = ?1", [username])?;
        }
        Ok(())
    }

    /// Sets a new password, ends the account's sessions and clears its failed logins.
    pub fn set_password(&self, username: &str, password: &str) -> Result<(), AccountError> {
        if password.chars().count() < 8 {
            return Err(AccountError::Invalid("a password has at least 8 characters".into()));
        }
        let hash = hash_password(password)?;
        let n =
            self.db.conn.execute("UPDATE users SET password_hash = ?2 WHERE username = ?1", params![username, hash])?;
        if n == 0 {
            return Err(AccountError::Unknown(username.into()));
        }
        self.db.conn.execute("DELETE FROM sessions WHERE username = ?1", [username])?;
        self.db.conn.execute("DELETE FROM login_failures WHERE username = ?1", [username])?;
        Ok(())
    }

    /// Checks a login. Failures are counted per username (known or not, so that
    /// throttling does not tell which names exist); the `LOCK_AFTER`th failure within
    /// `LOCK_WINDOW` locks the name until the window has passed since the last one.
    pub fn login(&self, username: &str, password: &str, now: Micros) -> Result<Account, AccountError> {
        let since = now - LOCK_WINDOW;
        let (failures, last): (i64, Option<Micros>) = self.db.conn.query_row(
            "SELECT COUNT(*), MAX(at) FROM login_failures WHERE username = ?1 AND at > ?2",
            params![username, since],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if failures >= LOCK_AFTER {
            let until = last.unwrap_or(now) + LOCK_WINDOW;
            return Err(AccountError::Locked { minutes: ((until - now) / 60_000_000).max(1) });
        }
        let stored: Option<(String, i64)> = self
            .db
            .conn
            .query_row("SELECT password_hash, disabled FROM users WHERE username = ?1", [username], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        // An unknown name still costs one hash, so timing does not tell names apart.
        let ok = match &stored {
            Some((phc, _)) => verify_password(password, phc),
            None => {
                let _ = verify_password(password, secrets::dummy_phc());
                false
            }
        };
        if !ok {
            self.db
                .conn
                .execute("INSERT INTO login_failures (username, at) VALUES (?1, ?2)", params![username, now])?;
            if failures + 1 >= LOCK_AFTER {
                return Err(AccountError::Locked { minutes: LOCK_WINDOW / 60_000_000 });
            }
            return Err(AccountError::BadLogin);
        }
        if stored.is_some_and(|(_, d)| d != 0) {
            return Err(AccountError::Disabled);
        }
        self.db.conn.execute("DELETE FROM login_failures WHERE username = ?1", [username])?;
        self.get(username)?.ok_or_else(|| AccountError::Unknown(username.into()))
    }

    /// Makes an API token for `username`; returns its info and the secret token (shown once).
    pub fn create_token(
        &self,
        username: &str,
        expires_at: Option<Micros>,
        ingest_only: bool,
        now: Micros,
    ) -> Result<(TokenInfo, String), AccountError> {
        if self.get(username)?.is_none() {
            return Err(AccountError::Unknown(username.into()));
        }
        let token_id = random_hex(6);
        let secret = random_hex(24);
        self.db.conn.execute(
            "INSERT INTO api_tokens (token_id, username, secret_digest, ingest_only, created_at, expires_at, revoked) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)",
            params![token_id, username, digest(&secret), ingest_only as i64, now, expires_at],
        )?;
        let info = TokenInfo { token_id: token_id.clone(), username: username.into(), ingest_only, expires_at };
        Ok((info, format!("rdr_{token_id}_{secret}")))
    }

    /// Revokes a token; false when there is no such token.
    pub fn revoke_token(&self, token_id: &str) -> Result<bool, AccountError> {
        Ok(self.db.conn.execute("UPDATE api_tokens SET revoked = 1 WHERE token_id = ?1", [token_id])? > 0)
    }

    /// Tokens (not revoked), by owner.
    pub fn tokens(&self) -> Result<Vec<TokenInfo>, AccountError> {
        let mut st = self.db.conn.prepare(
            "SELECT token_id, username, ingest_only, expires_at FROM api_tokens WHERE revoked = 0 ORDER BY username, created_at",
        )?;
        let rows = st
            .query_map([], |r| {
                Ok(TokenInfo {
                    token_id: r.get(0)?,
                    username: r.get(1)?,
                    ingest_only: r.get::<_, i64>(2)? != 0,
                    expires_at: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The account a presented token belongs to, if the token is valid now and the
    /// account enabled.
    pub fn by_token(&self, token: &str, now: Micros) -> Result<Option<(Account, TokenInfo)>, AccountError> {
        let Some((token_id, secret)) = token.strip_prefix("rdr_").and_then(|t| t.split_once('_')) else {
            return Ok(None);
        };
        let row: Option<(String, String, i64, Option<Micros>)> = self
            .db
            .conn
            .query_row(
                "SELECT username, secret_digest, ingest_only, expires_at FROM api_tokens \
                 WHERE token_id = ?1 AND revoked = 0",
                [token_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((username, stored, ingest_only, expires_at)) = row else { return Ok(None) };
        if !secrets::same(&digest(secret), &stored) || expires_at.is_some_and(|e| e <= now) {
            return Ok(None);
        }
        let Some(acc) = self.get(&username)?.filter(|a| !a.disabled) else { return Ok(None) };
        let info = TokenInfo { token_id: token_id.into(), username, ingest_only: ingest_only != 0, expires_at };
        Ok(Some((acc, info)))
    }

    /// Starts a browser session.
    pub fn create_session(&self, username: &str, now: Micros) -> Result<Session, AccountError> {
        let s = Session { id: random_hex(32), csrf: random_hex(16), expires_at: now + SESSION_TTL };
        // Expired sessions are swept here rather than by a timer.
        self.db.conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?;
        self.db.conn.execute(
            "INSERT INTO sessions (id_digest, username, csrf, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![digest(&s.id), username, s.csrf, now, s.expires_at],
        )?;
        Ok(s)
    }

    /// The account of a session cookie, if the session is live and the account enabled.
    pub fn by_session(&self, id: &str, now: Micros) -> Result<Option<(Account, Session)>, AccountError> {
        let row: Option<(String, String, Micros)> = self
            .db
            .conn
            .query_row(
                "SELECT username, csrf, expires_at FROM sessions WHERE id_digest = ?1 AND expires_at > ?2",
                params![digest(id), now],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((username, csrf, expires_at)) = row else { return Ok(None) };
        let Some(acc) = self.get(&username)?.filter(|a| !a.disabled) else { return Ok(None) };
        Ok(Some((acc, Session { id: id.into(), csrf, expires_at })))
    }

    /// Ends a session.
    pub fn end_session(&self, id: &str) -> Result<(), AccountError> {
        self.db.conn.execute("DELETE FROM sessions WHERE id_digest = ?1", [digest(id)])?;
        Ok(())
    }

    /// The store's pseudonym key (made on first use).
    pub fn pseudonym_key(&self) -> Result<Vec<u8>, AccountError> {
        secrets::pseudonym_key(&self.db)
    }
}

#[cfg(test)]
mod tests;
