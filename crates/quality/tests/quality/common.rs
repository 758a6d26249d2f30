//! Shared fixtures: the parity corpus and datatrove's golden values (`tools/quality_goldens.py`).

use std::sync::LazyLock;

/// One corpus document.
#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct Doc {
    pub(crate) id: String,
    pub(crate) lang: String,
    #[allow(dead_code)]
    pub(crate) variant: String,
    pub(crate) url: String,
    pub(crate) text: String,
}

pub(crate) static CORPUS: LazyLock<Vec<Doc>> = LazyLock::new(|| {
    include_str!("../data/corpus.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("corpus line"))
        .collect()
});

pub(crate) static GOLDENS: LazyLock<Vec<serde_json::Value>> = LazyLock::new(|| {
    include_str!("../data/goldens.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("golden line"))
        .collect()
});

/// FNV-1a 64, as in the golden script.
pub(crate) fn fnv1a64(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
