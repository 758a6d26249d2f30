//! Seeded randomness that never depends on scheduling: every random choice about a record draws
//! from an RNG derived from (root seed, stage, record key).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The RNG type handed to stages: ChaCha8, whose output is specified and portable.
pub type RecordRng = ChaCha8Rng;

/// A 32-byte seed derived from a root seed, a purpose (stage name) and a key, with BLAKE3 in
/// key-derivation mode: distinct inputs give independent streams.
pub fn derive_seed(root: u64, purpose: &str, key: &str) -> [u8; 32] {
    let mut h = blake3::Hasher::new_derive_key("dataprep 2026 record rng v1");
    h.update(&root.to_le_bytes());
    h.update(&(purpose.len() as u64).to_le_bytes());
    h.update(purpose.as_bytes());
    h.update(key.as_bytes());
    *h.finalize().as_bytes()
}

/// The RNG for one record in one stage.
///
/// ```
/// use rand::RngExt;
/// let a: u64 = dataprep_core::rng::record_rng(42, "sample", "doc-1").random();
/// let b: u64 = dataprep_core::rng::record_rng(42, "sample", "doc-1").random();
/// let c: u64 = dataprep_core::rng::record_rng(42, "sample", "doc-2").random();
/// assert_eq!(a, b);
/// assert_ne!(a, c);
/// ```
pub fn record_rng(root: u64, stage: &str, key: &str) -> RecordRng {
    ChaCha8Rng::from_seed(derive_seed(root, stage, key))
}
