//! What the storage benches share: where their generated data lives, and a seeded generator.

use std::path::{Path, PathBuf};

/// Generated bench data: `$DATAPREP_BENCH_DATA`, else `target/bench-data` (kept between runs).
pub(crate) fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("DATAPREP_BENCH_DATA") {
        return PathBuf::from(d);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("bench-data")
}

/// Deterministic xorshift64*.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    /// The next 64 random bits.
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (with the small modulo bias a bench can live with).
    #[allow(dead_code)] // not every bench draws bounded numbers
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
