//! Key de-duplication with 128-bit key hashes.
//!
//! Holding the keys themselves would cost ~40 bytes a key plus the string; a 128-bit
//! xxh3 hash is 16 bytes, so 45 million stored keys fit in about 1.1 GiB of hash table,
//! and the chance of any false "duplicate" among them is about 45e6² / 2^129 ≈ 3e-24.

use std::hash::{BuildHasher, Hasher};

use hashbrown::HashSet;

/// A key's 128-bit hash.
pub type KeyHash = u128;

/// Hashes key parts (joined with a separator byte that cannot occur in UTF-8 text).
pub fn hash_key<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> KeyHash {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for (i, p) in parts.into_iter().enumerate() {
        if i > 0 {
            h.update(&[0xff]);
        }
        h.update(p);
    }
    h.digest128()
}

/// The key hash is already uniformly distributed: use its low bits as the table hash.
#[derive(Default, Clone, Copy)]
pub struct PassThrough;

/// Hasher for [`PassThrough`].
#[derive(Default)]
pub struct PassThroughHasher(u64);

impl Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 ^= u64::from_le_bytes(b);
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 = v as u64;
    }
}

impl BuildHasher for PassThrough {
    type Hasher = PassThroughHasher;
    fn build_hasher(&self) -> PassThroughHasher {
        PassThroughHasher::default()
    }
}

/// A set of stored key hashes.
#[derive(Default, Clone)]
pub struct KeySet {
    set: HashSet<KeyHash, PassThrough>,
}

impl KeySet {
    /// Number of keys.
    pub fn len(&self) -> usize {
        self.set.len()
    }
    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
    /// Adds a key; false when it was there already.
    pub fn insert(&mut self, k: KeyHash) -> bool {
        self.set.insert(k)
    }
    /// Whether a key is present.
    pub fn contains(&self, k: &KeyHash) -> bool {
        self.set.contains(k)
    }
    /// Removes a key.
    pub fn remove(&mut self, k: &KeyHash) {
        self.set.remove(k);
    }
    /// Reserves room for more keys.
    pub fn reserve(&mut self, n: usize) {
        self.set.reserve(n);
    }
}

/// The key hash of every row of a batch, from the key columns' text forms (the same
/// canonical texts the validator hashes: integers in decimal, text as is).
pub fn batch_key_hashes(
    batch: &arrow::array::RecordBatch,
    key_cols: &[usize],
) -> Result<Vec<KeyHash>, arrow::error::ArrowError> {
    use arrow::array::{Array, AsArray};
    let texts = key_cols
        .iter()
        .map(|&c| arrow::compute::cast(batch.column(c), &arrow::datatypes::DataType::Utf8))
        .collect::<Result<Vec<_>, _>>()?;
    let texts: Vec<_> = texts.iter().map(|a| a.as_string::<i32>()).collect();
    Ok((0..batch.num_rows())
        .map(|i| hash_key(texts.iter().map(|a| if a.is_valid(i) { a.value(i).as_bytes() } else { b"" as &[u8] })))
        .collect())
}
