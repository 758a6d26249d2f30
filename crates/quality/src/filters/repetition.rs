//! Gopher repetition heuristics (Rae et al. 2021, table A1) as datatrove's
//! `GopherRepetitionFilter`.

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use super::gopher::setter;
use super::{
    Decider, FilterResult, MissingScore, QualityFilter, Verdict, decide_from, run_decide, to_f64,
};
use crate::pyuni;
use crate::words::split_into_words;

/// Gopher repetition filter; `Default` is datatrove's defaults. A `None` limit disables its check.
///
/// Scores (all fractions of the text's characters unless said otherwise): `chars` (the text
/// length in code points), `dup_para_frac` / `dup_line_frac` (fractions of paragraphs / lines that
/// repeat an earlier one), `dup_para_char_frac`, `dup_line_char_frac`,
/// `top_{n}_gram_char_frac` (characters covered by the most frequent word n-gram, `n` in
/// `top_n_grams`) and `dup_{n}_gram_char_frac` (characters in repeated word n-grams, `n` in
/// `dup_n_grams`). Paragraphs are split on `\n\n+`, lines on `\n+`, words as datatrove
/// ([`crate::words`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct GopherRepetition {
    /// Maximum duplicate line fraction (0.3).
    pub dup_line_frac: Option<f64>,
    /// Maximum duplicate paragraph fraction (0.3).
    pub dup_para_frac: Option<f64>,
    /// Maximum duplicate line character fraction (0.2).
    pub dup_line_char_frac: Option<f64>,
    /// Maximum duplicate paragraph character fraction (0.2).
    pub dup_para_char_frac: Option<f64>,
    /// `(n, max fraction)` for the top n-gram (2: 0.2, 3: 0.18, 4: 0.16); `n` in 1..=4.
    pub top_n_grams: Vec<(usize, f64)>,
    /// `(n, max fraction)` for duplicated n-grams (5: 0.15 … 10: 0.10).
    pub dup_n_grams: Vec<(usize, f64)>,
    /// Measure every value (default) rather than stopping at the first failing check, which is
    /// faster on rejected documents but leaves later scores out (and re-thresholding needs them).
    pub all_scores: bool,
}

impl Default for GopherRepetition {
    fn default() -> Self {
        GopherRepetition {
            dup_line_frac: Some(0.3),
            dup_para_frac: Some(0.3),
            dup_line_char_frac: Some(0.2),
            dup_para_char_frac: Some(0.2),
            top_n_grams: vec![(2, 0.2), (3, 0.18), (4, 0.16)],
            dup_n_grams: vec![
                (5, 0.15),
                (6, 0.14),
                (7, 0.13),
                (8, 0.12),
                (9, 0.11),
                (10, 0.10),
            ],
            all_scores: true,
        }
    }
}

const TOP_NAMES: [&str; 5] = [
    "top_0_gram_char_frac",
    "top_1_gram_char_frac",
    "top_2_gram_char_frac",
    "top_3_gram_char_frac",
    "top_4_gram_char_frac",
];
const TOP_REASONS: [&str; 5] = [
    "top_0_gram",
    "top_1_gram",
    "top_2_gram",
    "top_3_gram",
    "top_4_gram",
];

fn dup_name(n: usize) -> Option<(&'static str, &'static str)> {
    const NAMES: [(&str, &str); 21] = [
        ("dup_0_gram_char_frac", "duplicated_0_n_grams"),
        ("dup_1_gram_char_frac", "duplicated_1_n_grams"),
        ("dup_2_gram_char_frac", "duplicated_2_n_grams"),
        ("dup_3_gram_char_frac", "duplicated_3_n_grams"),
        ("dup_4_gram_char_frac", "duplicated_4_n_grams"),
        ("dup_5_gram_char_frac", "duplicated_5_n_grams"),
        ("dup_6_gram_char_frac", "duplicated_6_n_grams"),
        ("dup_7_gram_char_frac", "duplicated_7_n_grams"),
        ("dup_8_gram_char_frac", "duplicated_8_n_grams"),
        ("dup_9_gram_char_frac", "duplicated_9_n_grams"),
        ("dup_10_gram_char_frac", "duplicated_10_n_grams"),
        ("dup_11_gram_char_frac", "duplicated_11_n_grams"),
        ("dup_12_gram_char_frac", "duplicated_12_n_grams"),
        ("dup_13_gram_char_frac", "duplicated_13_n_grams"),
        ("dup_14_gram_char_frac", "duplicated_14_n_grams"),
        ("dup_15_gram_char_frac", "duplicated_15_n_grams"),
        ("dup_16_gram_char_frac", "duplicated_16_n_grams"),
        ("dup_17_gram_char_frac", "duplicated_17_n_grams"),
        ("dup_18_gram_char_frac", "duplicated_18_n_grams"),
        ("dup_19_gram_char_frac", "duplicated_19_n_grams"),
        ("dup_20_gram_char_frac", "duplicated_20_n_grams"),
    ];
    NAMES.get(n).copied()
}

/// Duplicate elements and their characters (datatrove's `find_duplicates`).
pub(crate) fn find_duplicates<'a>(items: impl Iterator<Item = &'a str>) -> (usize, usize, usize) {
    let mut seen: FxHashSet<&str> = FxHashSet::default();
    let (mut total, mut dups, mut chars) = (0, 0, 0);
    for s in items {
        total += 1;
        if !seen.insert(s) {
            dups += 1;
            chars += pyuni::len(s);
        }
    }
    (total, dups, chars)
}

/// Splits on runs of `\n` of at least `min` characters (`re.split("\n{min,}")`).
fn split_newlines(text: &str, min: usize) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut pos = 0;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let mut search = pos;
        loop {
            match memchr::memchr(b'\n', &bytes[search..]) {
                None => {
                    done = true;
                    return Some(&text[pos..]);
                }
                Some(i) => {
                    let start = search + i;
                    let mut end = start;
                    while end < bytes.len() && bytes[end] == b'\n' {
                        end += 1;
                    }
                    if end - start >= min {
                        let piece = &text[pos..start];
                        pos = end;
                        return Some(piece);
                    }
                    search = end;
                }
            }
        }
    })
}

const MOD: u64 = (1 << 61) - 1;
const BASE: u64 = 0x1f3d_5b79_a2c4_e681 % MOD;

#[inline]
fn mulmod(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    let r = ((p & u128::from(MOD)) + (p >> 61)) as u64;
    if r >= MOD { r - MOD } else { r }
}

/// Word statistics shared by the n-gram measures.
struct WordStats {
    ids: Vec<u32>,
    /// Characters per word.
    chars: Vec<u32>,
    /// Polynomial hash of the word's bytes and `BASE^len`, to hash concatenations.
    hash: Vec<(u64, u64)>,
    bytes: Vec<u32>,
}

impl WordStats {
    fn new(words: &[&str]) -> Self {
        let mut intern: FxHashMap<&str, u32> = FxHashMap::default();
        let mut s = WordStats {
            ids: Vec::with_capacity(words.len()),
            chars: Vec::with_capacity(words.len()),
            hash: Vec::with_capacity(words.len()),
            bytes: Vec::with_capacity(words.len()),
        };
        for w in words {
            let next = intern.len() as u32;
            s.ids.push(*intern.entry(w).or_insert(next));
            s.chars.push(pyuni::len(w) as u32);
            let (mut h, mut p) = (0u64, 1u64);
            for &b in w.as_bytes() {
                h = mulmod(h, BASE) + u64::from(b) + 1;
                if h >= MOD {
                    h -= MOD;
                }
                p = mulmod(p, BASE);
            }
            s.hash.push((h, p));
            s.bytes.push(w.len() as u32);
        }
        s
    }

    /// datatrove's `find_top_duplicate(get_n_grams(words, n))`: characters of the most frequent
    /// space-joined n-gram times its count (ties: the first seen); `None` without n-grams.
    fn top_ngram_chars(&self, n: usize) -> Option<usize> {
        if n == 0 || n > 4 || self.ids.len() < n {
            return None;
        }
        let mut counts: FxHashMap<u128, (u32, u32)> = FxHashMap::default();
        let mut best: Option<(u32, u32, usize)> = None; // (count, first index, start)
        for i in 0..=self.ids.len() - n {
            let mut key = 0u128;
            for k in 0..n {
                key |= u128::from(self.ids[i + k]) << (32 * k);
            }
            let e = counts.entry(key).or_insert((0, i as u32));
            e.0 += 1;
            let (count, first) = *e;
            let better = match best {
                None => true,
                Some((bc, bf, _)) => count > bc || (count == bc && first < bf),
            };
            if better {
                best = Some((count, first, first as usize));
            }
        }
        let (count, _, start) = best?;
        let chars: usize = self.chars[start..start + n]
            .iter()
            .map(|&c| c as usize)
            .sum::<usize>()
            + n
            - 1;
        Some(chars * count as usize)
    }

    /// datatrove's `find_all_duplicate(words, n)`: characters of n-grams (compared as
    /// concatenated strings) that repeat an earlier one, skipping ahead past each repeat.
    fn dup_ngram_chars(&self, n: usize) -> usize {
        let len = self.ids.len();
        if n == 0 || len < n {
            return 0;
        }
        let mut seen: FxHashSet<(u64, u32)> = FxHashSet::default();
        let (mut repeated, mut idx) = (0usize, 0usize);
        while idx < len - n + 1 {
            let mut h = 0u64;
            let mut bytes = 0u32;
            for k in idx..idx + n {
                let (wh, wp) = self.hash[k];
                h = mulmod(h, wp) + wh;
                if h >= MOD {
                    h -= MOD;
                }
                bytes += self.bytes[k];
            }
            if seen.insert((h, bytes)) {
                idx += 1;
            } else {
                repeated += self.chars[idx..idx + n]
                    .iter()
                    .map(|&c| c as usize)
                    .sum::<usize>();
                idx += n;
            }
        }
        repeated
    }
}

impl GopherRepetition {
    setter! {
        /// Sets `dup_line_frac`.
        with_dup_line_frac: dup_line_frac: Option<f64>;
        /// Sets `dup_para_frac`.
        with_dup_para_frac: dup_para_frac: Option<f64>;
        /// Sets `dup_line_char_frac`.
        with_dup_line_char_frac: dup_line_char_frac: Option<f64>;
        /// Sets `dup_para_char_frac`.
        with_dup_para_char_frac: dup_para_char_frac: Option<f64>;
        /// Sets the top n-gram limits.
        with_top_n_grams: top_n_grams: Vec<(usize, f64)>;
        /// Sets the duplicated n-gram limits.
        with_dup_n_grams: dup_n_grams: Vec<(usize, f64)>;
        /// Measure every value (true) or stop at the first failing check.
        with_all_scores: all_scores: bool;
    }

    fn stop_here(&self, scores: &[(&'static str, f64)]) -> bool {
        if self.all_scores {
            return false;
        }
        let get = |name: &str| scores.iter().find(|(k, _)| *k == name).map(|&(_, v)| v);
        matches!(self.decide(&get), Ok(v) if !v.is_keep())
    }

    /// Measures the values (all of them unless `all_scores` is false and a check fails early).
    pub fn measure(&self, text: &str) -> Vec<(&'static str, f64)> {
        let n_chars = pyuni::len(text);
        let mut scores = vec![("chars", to_f64(n_chars))];
        if n_chars == 0 {
            return scores;
        }
        let total = to_f64(n_chars);
        let (n, d, c) = find_duplicates(split_newlines(pyuni::strip(text), 2));
        scores.push(("dup_para_frac", to_f64(d) / to_f64(n)));
        scores.push(("dup_para_char_frac", to_f64(c) / total));
        if self.stop_here(&scores) {
            return scores;
        }
        let (n, d, c) = find_duplicates(split_newlines(text, 1));
        scores.push(("dup_line_frac", to_f64(d) / to_f64(n)));
        scores.push(("dup_line_char_frac", to_f64(c) / total));
        if self.stop_here(&scores) {
            return scores;
        }
        let words = split_into_words(text);
        let stats = WordStats::new(&words);
        for &(n, _) in &self.top_n_grams {
            let Some(name) = TOP_NAMES.get(n) else {
                continue;
            };
            let v = stats.top_ngram_chars(n).map_or(0.0, |c| to_f64(c) / total);
            scores.push((name, v));
            if self.stop_here(&scores) {
                return scores;
            }
        }
        for &(n, _) in &self.dup_n_grams {
            let Some((name, _)) = dup_name(n) else {
                continue;
            };
            scores.push((name, to_f64(stats.dup_ngram_chars(n)) / total));
            if self.stop_here(&scores) {
                return scores;
            }
        }
        scores
    }
}

impl QualityFilter for GopherRepetition {
    fn name(&self) -> &str {
        "gopher_repetition"
    }

    fn config(&self) -> serde_json::Value {
        super::cfg(self)
    }

    fn apply(&self, text: &str) -> FilterResult {
        let scores = self.measure(text);
        FilterResult::new(decide_from(self, &scores), scores)
    }

    fn decide(&self, score: &dyn Fn(&str) -> Option<f64>) -> Result<Verdict, MissingScore> {
        let d = Decider::new(self.name(), score);
        run_decide(|| {
            if d.get("chars")? == 0.0 {
                return Err(Decider::drop("empty"));
            }
            d.above("dup_para_frac", self.dup_para_frac, "dup_para_frac")?;
            d.above(
                "dup_para_char_frac",
                self.dup_para_char_frac,
                "dup_para_char_frac",
            )?;
            d.above("dup_line_frac", self.dup_line_frac, "dup_line_frac")?;
            d.above(
                "dup_line_char_frac",
                self.dup_line_char_frac,
                "dup_line_char_frac",
            )?;
            for &(n, frac) in &self.top_n_grams {
                if let (Some(name), Some(reason)) = (TOP_NAMES.get(n), TOP_REASONS.get(n)) {
                    d.above(name, Some(frac), *reason)?;
                }
            }
            for &(n, frac) in &self.dup_n_grams {
                if let Some((name, reason)) = dup_name(n) {
                    d.above(name, Some(frac), reason)?;
                }
            }
            Ok(())
        })
    }
}
