//! CTC forced alignment: the most likely path through the CTC trellis for a known token sequence.
//!
//! Input: frame log-probabilities (T × C) from any acoustic model, the target token ids and the
//! blank id. Output: a label per frame (blank or token), per-token frame spans and scores — what
//! `torchaudio.functional.forced_align` + `merge_tokens` returned before torchaudio 2.9 removed it.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One aligned token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenSpan {
    /// The token id.
    pub token: usize,
    /// Index in the target sequence.
    pub index: usize,
    /// First frame.
    pub start: usize,
    /// One past the last frame.
    pub end: usize,
    /// Mean probability (`exp(log p)`) of the token over its frames.
    pub score: f32,
}

/// A forced alignment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alignment {
    /// Per frame: the token id emitted, or the blank id.
    pub labels: Vec<usize>,
    /// Per frame: the log-probability of that label.
    pub frame_log_probs: Vec<f32>,
    /// Per target token, its frames and score.
    pub spans: Vec<TokenSpan>,
    /// Total log-probability of the path.
    pub log_prob: f64,
}

/// Viterbi forced alignment over the CTC trellis.
///
/// Requires `T ≥ L + R` where `R` is the number of adjacent repeated tokens (each repeat needs a
/// blank between). Ties are broken toward staying in the same state, then the previous state.
///
/// # Errors
/// [`Error::Alignment`] for an impossible alignment, an id ≥ C, a blank among the targets
/// or NaN log-probabilities.
///
/// ```
/// use ndarray::array;
/// let lp = array![[-0.1f32, -2.5, -3.0], [-2.0, -0.2, -3.0], [-0.3, -2.0, -2.0], [-3.0, -2.0, -0.1]]
///     .mapv(|v| v);
/// let a = dataprep_audio::ctc::forced_align(&lp, &[1, 2], 0)?;
/// assert_eq!(a.labels, vec![0, 1, 0, 2]);
/// assert_eq!((a.spans[0].start, a.spans[0].end), (1, 2));
/// # Ok::<(), dataprep_audio::Error>(())
/// ```
pub fn forced_align(log_probs: &Array2<f32>, targets: &[usize], blank: usize) -> Result<Alignment> {
    let (t_len, c) = log_probs.dim();
    if blank >= c {
        return Err(Error::Alignment(format!("blank {blank} ≥ classes {c}")));
    }
    if let Some(&bad) = targets.iter().find(|&&x| x >= c || x == blank) {
        return Err(Error::Alignment(format!(
            "target id {bad} is the blank or ≥ classes {c}"
        )));
    }
    if log_probs.iter().any(|v| v.is_nan() || *v == f32::INFINITY) {
        return Err(Error::Alignment("NaN or +inf log-probability".into()));
    }
    let l = targets.len();
    let repeats = targets.windows(2).filter(|w| w[0] == w[1]).count();
    if t_len < l + repeats || t_len == 0 {
        return Err(Error::Alignment(format!(
            "{t_len} frames cannot hold {l} tokens with {repeats} repeats"
        )));
    }
    let s_len = 2 * l + 1;
    let label = |s: usize| {
        if s.is_multiple_of(2) {
            blank
        } else {
            targets[s / 2]
        }
    };
    let neg = f64::NEG_INFINITY;
    let mut alpha = vec![neg; s_len];
    let mut back = vec![0u8; t_len * s_len]; // 0 stay, 1 from s-1, 2 from s-2
    alpha[0] = f64::from(log_probs[[0, blank]]);
    if s_len > 1 {
        alpha[1] = f64::from(log_probs[[0, label(1)]]);
    }
    let mut next = vec![neg; s_len];
    for t in 1..t_len {
        for s in 0..s_len {
            let mut best = alpha[s];
            let mut from = 0u8;
            if s >= 1 && alpha[s - 1] > best {
                best = alpha[s - 1];
                from = 1;
            }
            if s >= 2 && s % 2 == 1 && label(s) != label(s - 2) && alpha[s - 2] > best {
                best = alpha[s - 2];
                from = 2;
            }
            next[s] = best + f64::from(log_probs[[t, label(s)]]);
            back[t * s_len + s] = from;
        }
        std::mem::swap(&mut alpha, &mut next);
    }
    let mut s = s_len - 1;
    if s_len > 1 && alpha[s_len - 2] > alpha[s_len - 1] {
        s = s_len - 2;
    }
    let total = alpha[s];
    if total == neg {
        return Err(Error::Alignment("every path has zero probability".into()));
    }
    let mut states = vec![0usize; t_len];
    for t in (0..t_len).rev() {
        states[t] = s;
        if t > 0 {
            s -= back[t * s_len + s] as usize;
        }
    }
    let labels: Vec<usize> = states.iter().map(|&s| label(s)).collect();
    let frame_log_probs: Vec<f32> = labels
        .iter()
        .enumerate()
        .map(|(t, &k)| log_probs[[t, k]])
        .collect();
    let mut spans = Vec::with_capacity(l);
    let mut t = 0;
    while t < t_len {
        let st = states[t];
        if st % 2 == 1 {
            let a = t;
            while t < t_len && states[t] == st {
                t += 1;
            }
            let score = frame_log_probs[a..t].iter().map(|v| v.exp()).sum::<f32>() / (t - a) as f32;
            spans.push(TokenSpan {
                token: targets[st / 2],
                index: st / 2,
                start: a,
                end: t,
                score,
            });
        } else {
            t += 1;
        }
    }
    Ok(Alignment {
        labels,
        frame_log_probs,
        spans,
        log_prob: total,
    })
}
