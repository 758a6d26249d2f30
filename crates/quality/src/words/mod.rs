//! Word and sentence splitting exactly as datatrove 0.10.1 does it for English: spaCy's blank
//! `en` tokenizer (`split_into_words`) and its sentencizer (`split_into_sentences`).
//!
//! The quality filters count words, word lengths, stop words and n-grams, so their decisions near a
//! threshold depend on where words are split: `don't` is `do` + `n't`, `U.S.` stays whole,
//! `3km` is `3` + `km`, `(hello)` is three tokens and a URL is one. UAX #29 words
//! ([`dataprep_text::segment::words`]) differ on all of these, hence this port. The algorithm is
//! spaCy's (`tokenizer.pyx`: whitespace split, special cases, prefix/suffix loop, URL match, infixes,
//! special-case matcher); its data — rules, ~1,350 special cases, character classes — is generated
//! from spaCy by `tools/quality_tables.py` into `src/generated/word_tables.rs`.
//!
//! ```
//! use dataprep_quality::words::{split_into_words, split_into_sentences};
//! assert_eq!(split_into_words("Don't stop (now), it's 3km."), ["Do", "n't", "stop", "(", "now", ")", ",", "it", "'s", "3", "km", "."]);
//! assert_eq!(split_into_sentences("One. Two!  Three"), ["One.", " Two!", "  Three"]);
//! ```

pub(crate) mod rules;
#[rustfmt::skip]
#[allow(clippy::all, clippy::pedantic, unreachable_pub)]
use crate::generated::word_tables as tables;

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::pyuni::{is_punct_category, is_space};
use rules::RuleSet;

/// One token of spaCy's `Doc`: a slice of the text (`start` is its byte offset); whitespace runs
/// other than a single space are tokens too (`is_space`), as in spaCy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    /// The token text.
    pub text: &'a str,
    /// Byte offset in the text.
    pub start: usize,
    /// True for a whitespace token.
    pub is_space: bool,
}

struct Tokenizer {
    specials: HashMap<&'static str, &'static [&'static str]>,
    /// The longest special case (bytes): longer strings are never looked up, so that the affix
    /// loop does not hash the whole remaining string at every step (quadratic on a long run of
    /// prefix characters such as `{[({[(…`).
    max_special_len: usize,
    prefixes: RuleSet,
    suffixes: RuleSet,
    infixes: RuleSet,
    url: fancy_regex::Regex,
    /// Special cases that contain affixes, keyed by their text: the token lengths (bytes) of
    /// their affix tokenization, which spaCy's special-case matcher looks for in the token stream.
    matcher: HashMap<&'static str, Vec<usize>>,
    max_pattern_tokens: usize,
    sent_punct: Vec<char>,
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokenizer")
            .field("specials", &self.specials.len())
            .finish()
    }
}

static TOKENIZER: LazyLock<Tokenizer> = LazyLock::new(|| {
    let mut t = Tokenizer {
        specials: tables::SPECIALS.iter().copied().collect(),
        max_special_len: tables::SPECIALS
            .iter()
            .map(|(s, _)| s.len())
            .max()
            .unwrap_or(0),
        prefixes: RuleSet::new(tables::PREFIXES),
        suffixes: RuleSet::new(tables::SUFFIXES),
        infixes: RuleSet::new(tables::INFIXES),
        // The pattern is spaCy's own and is known to compile; a failure is a bug caught by tests.
        url: fancy_regex::Regex::new(tables::URL_PATTERN).expect("spaCy URL pattern compiles"),
        matcher: HashMap::new(),
        max_pattern_tokens: 0,
        sent_punct: tables::SENT_PUNCT.to_vec(),
    };
    let mut pieces = Vec::new();
    let mut infix_buf = Vec::new();
    for &(s, _) in tables::SPECIALS {
        infix_buf.clear();
        t.infixes.find_infixes(s, &mut infix_buf);
        if t.prefixes.find_prefix(s) != 0
            || t.suffixes.find_suffix(s) != 0
            || !infix_buf.is_empty()
            || s.contains(' ')
        {
            pieces.clear();
            t.tokenize_span(s, 0, false, &mut pieces);
            let lens: Vec<usize> = pieces.iter().map(|p| p.text.len()).collect();
            t.max_pattern_tokens = t.max_pattern_tokens.max(lens.len());
            t.matcher.insert(s, lens);
        }
    }
    t
});

impl Tokenizer {
    /// spaCy `_tokenize_affixes` + `_apply_special_cases`, appending to `out`.
    fn tokenize<'a>(&self, text: &'a str, out: &mut Vec<Token<'a>>) {
        let Some(first) = text.chars().next() else {
            return;
        };
        let mut in_ws = is_space(first);
        let mut start = 0;
        for (i, c) in text.char_indices() {
            if is_space(c) != in_ws {
                if start < i {
                    self.chunk(text, start, i, in_ws, out);
                }
                start = if c == ' ' { i + 1 } else { i };
                in_ws = !in_ws;
            }
        }
        if start < text.len() {
            self.chunk(text, start, text.len(), in_ws, out);
        }
    }

    /// One whitespace-delimited span (or a run of whitespace).
    fn chunk<'a>(
        &self,
        text: &'a str,
        start: usize,
        end: usize,
        ws: bool,
        out: &mut Vec<Token<'a>>,
    ) {
        let span = &text[start..end];
        if ws {
            // No affix or infix rule matches whitespace: a run is one token (special or not).
            out.push(Token {
                text: span,
                start,
                is_space: true,
            });
            return;
        }
        let first = out.len();
        let special = self.tokenize_span(span, start, true, out);
        if !special && out.len() - first >= 2 {
            self.apply_special_matcher(text, first, out);
        }
    }

    fn push_special<'a>(&self, s: &'a str, offset: usize, toks: &[&str], out: &mut Vec<Token<'a>>) {
        let mut pos = 0;
        for t in toks {
            let len = t.len().min(s.len() - pos);
            out.push(Token {
                text: &s[pos..pos + len],
                start: offset + pos,
                is_space: false,
            });
            pos += len;
        }
    }

    /// `_try_specials_and_cache` + `_tokenize` for a non-whitespace span. Returns true when the
    /// whole span was a special case.
    fn tokenize_span<'a>(
        &self,
        span: &'a str,
        offset: usize,
        with_specials: bool,
        out: &mut Vec<Token<'a>>,
    ) -> bool {
        if with_specials && let Some(toks) = self.specials.get(span) {
            self.push_special(span, offset, toks, out);
            return true;
        }
        // _split_affixes: byte ranges of prefixes, the core and suffixes.
        let mut lo = 0;
        let mut hi = span.len();
        let mut prefixes: Vec<(usize, usize)> = Vec::new();
        let mut suffixes: Vec<(usize, usize)> = Vec::new();
        let mut last_size = usize::MAX;
        let is_special = |s: &str| {
            with_specials && s.len() <= self.max_special_len && self.specials.contains_key(s)
        };
        while lo < hi && hi - lo != last_size {
            let string = &span[lo..hi];
            if is_special(string) {
                break;
            }
            last_size = hi - lo;
            let pre_len = self.prefixes.find_prefix(string);
            if pre_len != 0 {
                let minus_pre = &string[pre_len..];
                if !minus_pre.is_empty() && is_special(minus_pre) {
                    prefixes.push((lo, lo + pre_len));
                    lo += pre_len;
                    break;
                }
            }
            let suf_len = self.suffixes.find_suffix(&string[pre_len..]);
            if suf_len != 0 {
                let minus_suf = &string[..string.len() - suf_len];
                if !minus_suf.is_empty() && is_special(minus_suf) {
                    suffixes.push((hi - suf_len, hi));
                    hi -= suf_len;
                    break;
                }
            }
            if pre_len != 0 && suf_len != 0 && pre_len + suf_len <= string.len() {
                prefixes.push((lo, lo + pre_len));
                suffixes.push((hi - suf_len, hi));
                lo += pre_len;
                hi -= suf_len;
            } else if pre_len != 0 {
                prefixes.push((lo, lo + pre_len));
                lo += pre_len;
            } else if suf_len != 0 {
                suffixes.push((hi - suf_len, hi));
                hi -= suf_len;
            }
        }
        // _attach_tokens
        let tok = |a: usize, b: usize| Token {
            text: &span[a..b],
            start: offset + a,
            is_space: false,
        };
        for &(a, b) in &prefixes {
            out.push(tok(a, b));
        }
        if lo < hi {
            let core = &span[lo..hi];
            if let Some(toks) = self.specials.get(core).filter(|_| with_specials) {
                self.push_special(core, offset + lo, toks, out);
            } else {
                let mut infixes = Vec::new();
                self.infixes.find_infixes(core, &mut infixes);
                if infixes.is_empty() || self.url.is_match(core).unwrap_or(false) {
                    out.push(tok(lo, hi));
                } else {
                    let mut start = 0;
                    for &(is, ie) in &infixes {
                        if is == 0 {
                            // `infix_start == start_before_infixes`: an infix at the very start is skipped.
                            continue;
                        }
                        if is != start {
                            out.push(tok(lo + start, lo + is));
                        }
                        if is != ie {
                            out.push(tok(lo + is, lo + ie));
                        }
                        start = ie;
                    }
                    if start < core.len() {
                        out.push(tok(lo + start, hi));
                    }
                }
            }
        }
        for &(a, b) in suffixes.iter().rev() {
            out.push(tok(a, b));
        }
        false
    }

    /// spaCy's `_apply_special_cases` within one whitespace-delimited span whose tokens are
    /// `out[first..]`: a special case whose affix tokenization appears as consecutive tokens is
    /// merged back into its special tokens (for example `Mr.Smith` → `Mr.`, `Smith`).
    fn apply_special_matcher<'a>(&self, text: &'a str, first: usize, out: &mut Vec<Token<'a>>) {
        let n = out.len() - first;
        let mut matches: Vec<(usize, usize)> = Vec::new(); // (start, end) token indices
        for i in 0..n {
            let s0 = out[first + i].start;
            for len in 1..=self.max_pattern_tokens.min(n - i) {
                let last = &out[first + i + len - 1];
                let sub = &text[s0..last.start + last.text.len()];
                if let Some(lens) = self.matcher.get(sub)
                    && lens.len() == len
                    && lens
                        .iter()
                        .zip(&out[first + i..first + i + len])
                        .all(|(&l, t)| l == t.text.len())
                {
                    matches.push((i, i + len));
                }
            }
        }
        if matches.is_empty() {
            return;
        }
        // _filter_special_spans: longest first (ties: later start first); a span is kept when
        // neither its first nor its last token was covered by an earlier one.
        matches.sort_by_key(|&(s, e)| (e - s, s));
        let mut seen = vec![false; n];
        let mut kept = Vec::new();
        for &(s, e) in matches.iter().rev() {
            if !seen[s] && !seen[e - 1] {
                kept.push((s, e));
            }
            for x in &mut seen[s..e] {
                *x = true;
            }
        }
        kept.sort_unstable();
        let old: Vec<Token<'a>> = out.drain(first..).collect();
        let mut i = 0;
        for (s, e) in kept {
            out.extend_from_slice(&old[i..s]);
            let a = old[s].start;
            let b = old[e - 1].start + old[e - 1].text.len();
            let sub = &text[a..b];
            match self.specials.get(sub) {
                Some(toks) => self.push_special(sub, a, toks, out),
                None => out.extend_from_slice(&old[s..e]),
            }
            i = e;
        }
        out.extend_from_slice(&old[i..]);
    }
}

/// spaCy's tokens of `text` (English rules), whitespace tokens included.
pub fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::with_capacity(text.len() / 5 + 1);
    TOKENIZER.tokenize(text, &mut out);
    out
}

/// datatrove's `split_into_words(text, "eng")`: spaCy's tokens without the whitespace ones.
pub fn split_into_words(text: &str) -> Vec<&str> {
    let mut toks = Vec::with_capacity(text.len() / 5 + 1);
    TOKENIZER.tokenize(text, &mut toks);
    toks.into_iter()
        .filter(|t| !t.is_space)
        .map(|t| t.text)
        .collect()
}

/// The sentence starts found by spaCy's sentencizer over `toks` (token indices).
fn sentence_starts(toks: &[Token<'_>]) -> Vec<usize> {
    let mut starts = Vec::new();
    if toks.is_empty() {
        return starts;
    }
    starts.push(0);
    let mut seen_period = false;
    let punct = &TOKENIZER.sent_punct;
    for (i, t) in toks.iter().enumerate() {
        let mut cs = t.text.chars();
        let in_punct_chars = match (cs.next(), cs.next()) {
            (Some(c), None) => punct.binary_search(&c).is_ok(),
            _ => false,
        };
        let is_punct = !t.is_space && t.text.chars().all(is_punct_category);
        if seen_period && !is_punct && !in_punct_chars {
            if *starts.last().unwrap_or(&usize::MAX) != i {
                starts.push(i);
            }
            seen_period = false;
        } else if in_punct_chars {
            seen_period = true;
        }
    }
    starts
}

/// spaCy's sentence spans over `text` (the sentencizer's `(sent.start_char, sent.end_char)`,
/// byte offsets): a sentence ends at the end of its last token, so a single space after it is in
/// no span. Empty when the text has no tokens.
pub fn sentence_spans(text: &str) -> Vec<(usize, usize)> {
    let toks = tokens(text);
    let starts = sentence_starts(&toks);
    let mut out = Vec::with_capacity(starts.len());
    for (k, &s) in starts.iter().enumerate() {
        let last = match starts.get(k + 1) {
            Some(&next) => toks[next - 1],
            None => toks[toks.len() - 1],
        };
        out.push((toks[s].start, last.start + last.text.len()));
    }
    out
}

/// datatrove's `split_into_sentences(text, "eng")`: the text cut after the last token of each
/// sentence of spaCy's sentencizer (so the pieces concatenate to the text; whitespace between
/// sentences starts the next piece). A text without tokens is one piece.
pub fn split_into_sentences(text: &str) -> Vec<&str> {
    let spans = sentence_spans(text);
    if spans.is_empty() {
        return vec![text];
    }
    let mut out = Vec::with_capacity(spans.len());
    let mut a = 0;
    let n = spans.len();
    for (k, &(_, b)) in spans.iter().enumerate() {
        let b = if k + 1 == n { text.len() } else { b };
        out.push(&text[a..b]);
        a = b;
    }
    out
}

/// The number of sentences of [`split_into_sentences`] (without building them).
pub fn count_sentences(text: &str) -> usize {
    let toks = tokens(text);
    sentence_starts(&toks).len().max(1)
}

/// datatrove's `PUNCTUATION_SET` membership (punctuation, ASCII controls, terminal punctuation).
pub(crate) fn in_punctuation_set(c: char) -> bool {
    tables::PUNCTUATION_SET.binary_search(&c).is_ok()
}

/// datatrove's `TERMINAL_PUNCTUATION` membership.
pub(crate) fn is_terminal_punctuation(c: char) -> bool {
    tables::TERMINAL_PUNCTUATION.binary_search(&c).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spacy_examples() {
        let w = |s| split_into_words(s);
        assert_eq!(
            w("Mr.Smith went to the U.S. yesterday."),
            [
                "Mr.",
                "Smith",
                "went",
                "to",
                "the",
                "U.S.",
                "yesterday",
                "."
            ]
        );
        assert_eq!(
            w("Visit https://example.com/a-b?c=d now"),
            ["Visit", "https://example.com/a-b?c=d", "now"]
        );
        assert_eq!(
            w("well-known 10-20 a/b"),
            ["well", "-", "known", "10", "-", "20", "a", "/", "b"]
        );
        assert_eq!(
            w("\"Hello,\" she said... :)"),
            ["\"", "Hello", ",", "\"", "she", "said", "...", ":)"]
        );
        assert_eq!(w(""), Vec::<&str>::new());
        assert_eq!(w("  \n "), Vec::<&str>::new());
    }
}
