//! Random values, digests and the pseudonym key.

use hmac::{Hmac, Mac};
use rand::RngCore;
use rusqlite::OptionalExtension;
use sha2::{Digest, Sha256};

use super::AccountError;
use crate::warnings::db::OpsDb;

/// An argon2id hash of a random password nobody knows: verifying against it makes a
/// login for an unknown name cost as much as one for a known name.
pub fn dummy_phc() -> &'static str {
    static PHC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PHC.get_or_init(|| super::hash_password(&random_hex(16)).unwrap_or_default())
}

/// `n` random bytes as hex.
pub fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// SHA-256 of `s`, hex.
pub fn digest(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Constant-time comparison of two digests.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The store's key for pseudonyms, made on first use.
pub fn pseudonym_key(db: &OpsDb) -> Result<Vec<u8>, AccountError> {
    let found: Option<Vec<u8>> =
        db.conn.query_row("SELECT value FROM service_keys WHERE name = 'pseudonym'", [], |r| r.get(0)).optional()?;
    if let Some(k) = found {
        return Ok(k);
    }
    let mut k = vec![0u8; 32];
    rand::rng().fill_bytes(&mut k);
    // Two first uses racing: the first insert wins and both read it back.
    db.conn.execute("INSERT OR IGNORE INTO service_keys (name, value) VALUES ('pseudonym', ?1)", [&k])?;
    Ok(db.conn.query_row("SELECT value FROM service_keys WHERE name = 'pseudonym'", [], |r| r.get(0))?)
}

/// A stable pseudonym of a student id under `key`: `P` and 12 hex digits of an
/// HMAC-SHA256, so the same student reads the same across queries and days without the
/// id being recoverable from it.
pub fn pseudonym(key: &[u8], student_id: &str) -> String {
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(m) => m,
        // HMAC takes keys of any length; this branch is unreachable in practice.
        Err(_) => return format!("P{}", &digest(student_id)[..12]),
    };
    mac.update(student_id.as_bytes());
    format!("P{}", &hex::encode(mac.finalize().into_bytes())[..12])
}
