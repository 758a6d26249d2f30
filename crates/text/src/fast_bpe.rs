//! An ids-only encoder for byte-level BPE tokenizers (GPT-2 style), giving exactly the ids of
//! `tokenizers`' `encode_fast(text, false)` without its offset bookkeeping.
//!
//! [`FastBpe::from_tokenizer`] accepts a tokenizer only when every step it runs is one this
//! module reproduces exactly:
//! - no normalizer, no truncation, no padding; a post-processor that leaves the ids alone when
//!   no special tokens are added (none, `ByteLevel`, `RobertaProcessing`, `BertProcessing`, a
//!   `TemplateProcessing` with `$A` once, or a `Sequence` of those);
//! - pre-tokenizer `ByteLevel` (either `add_prefix_space`, either `use_regex`), alone or as the
//!   only member of a `Sequence`;
//! - model BPE without dropout, continuing-subword prefix, end-of-word suffix or byte fallback
//!   (`ignore_merges`, `unk_token` and `fuse_unk` are honoured as `tokenizers` 0.23 does);
//! - any added tokens (`single_word`, `lstrip`, `rstrip`, `normalized`, `special` and
//!   `encode_special_tokens` honoured as `tokenizers` does).
//!
//! The steps, in the order `tokenizers` applies them:
//! 1. Added tokens are split out, first the non-normalized ones over the whole text, then the
//!    normalized ones over the gaps, each with a leftmost-longest automaton (`daachorse`, the same
//!    matcher `tokenizers` builds), with `tokenizers`' rules for `single_word` (`\w` before or
//!    after rejects a match), `lstrip` / `rstrip` (`\s` around it joins it) and
//!    `encode_special_tokens` (special tokens are not split out).
//! 2. Each remaining segment gets a leading space when `add_prefix_space` is set and it does not
//!    start with one, then is cut by a hand-written scanner equal to the GPT-2 pattern
//!    `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`. Its character
//!    classes are taken from `regex-syntax`, the parser whose Unicode tables the `fancy-regex`
//!    build of `tokenizers` matches with, so they are equal by construction.
//! 3. Each piece's bytes start as one symbol each (the byte-level alphabet), and the lowest-rank
//!    merge, leftmost on ties, is applied until none applies. Results are kept in a per-thread
//!    cache of words (words up to 256 bytes, at most 8 MiB per encoder and thread, for the last 4
//!    encoders a thread used).

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use daachorse::{DoubleArrayAhoCorasick, DoubleArrayAhoCorasickBuilder, MatchKind};
use regex_syntax::hir::{Class, HirKind};
use rustc_hash::FxHashMap;
use serde_json::Value as Json;
use tokenizers::Tokenizer;
use tokenizers::models::ModelWrapper;

/// Words longer than this (in bytes) are not cached.
const CACHE_MAX_WORD: usize = 256;
/// The per-thread cache of one encoder is emptied when its words and ids take this many bytes
/// (counting 64 bytes of overhead per word).
const CACHE_BYTES: usize = 8 << 20;
/// Words of up to this many symbols are merged by a linear scan, longer ones with a heap.
const LINEAR_MAX: usize = 48;
/// No merge for this pair.
const NO_MERGE: u64 = u64::MAX;

/// The character classes of the GPT-2 pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class4 {
    /// `\p{L}`
    Letter,
    /// `\p{N}`
    Number,
    /// `\s` (`White_Space`)
    Space,
    /// Everything else.
    Other,
}

/// Class lookup: a flat table for the BMP, sorted ranges above it.
struct Classes {
    bmp: Vec<Class4>,
    astral: Vec<(u32, u32, Class4)>,
}

fn unicode_ranges(pattern: &str) -> Vec<(u32, u32)> {
    // Constant patterns (tested): a parse failure would be a regex-syntax bug, so an empty class
    // is the total fallback rather than a panic.
    let Ok(hir) = regex_syntax::parse(pattern) else {
        return Vec::new();
    };
    match hir.kind() {
        HirKind::Class(Class::Unicode(c)) => c
            .ranges()
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect(),
        _ => Vec::new(),
    }
}

static CLASSES: LazyLock<Classes> = LazyLock::new(|| {
    let mut bmp = vec![Class4::Other; 0x1_0000];
    let mut astral = Vec::new();
    for (pattern, class) in [
        (r"\p{L}", Class4::Letter),
        (r"\p{N}", Class4::Number),
        (r"\s", Class4::Space),
    ] {
        for (lo, hi) in unicode_ranges(pattern) {
            for cp in lo..=hi.min(0xFFFF) {
                bmp[cp as usize] = class;
            }
            if hi > 0xFFFF {
                astral.push((lo.max(0x1_0000), hi, class));
            }
        }
    }
    astral.sort_unstable_by_key(|r| r.0);
    Classes { bmp, astral }
});

impl Classes {
    fn of(&self, c: char) -> Class4 {
        let cp = u32::from(c);
        if cp < 0x1_0000 {
            return self.bmp[cp as usize];
        }
        let i = self.astral.partition_point(|r| r.0 <= cp);
        match i.checked_sub(1).map(|i| self.astral[i]) {
            Some((_, hi, class)) if cp <= hi => class,
            _ => Class4::Other,
        }
    }

    /// The class and UTF-8 length of the character starting at byte `i` of `s`.
    #[inline]
    fn at(&self, s: &str, i: usize) -> (Class4, usize) {
        let b = s.as_bytes()[i];
        if b < 0x80 {
            return (self.bmp[usize::from(b)], 1);
        }
        match s[i..].chars().next() {
            Some(c) => (self.of(c), c.len_utf8()),
            None => (Class4::Other, 1),
        }
    }
}

/// The end of the GPT-2 pre-tokenizer match that starts at byte `i` (< `s.len()`, a char
/// boundary) of `s`. Every character matches one of the alternatives, so matches tile the text.
fn piece_end(classes: &Classes, s: &str, i: usize) -> usize {
    let b = s.as_bytes();
    let len = b.len();
    // 's|'t|'re|'ve|'m|'ll|'d
    if b[i] == b'\'' && i + 1 < len {
        match (b[i + 1], b.get(i + 2)) {
            (b's' | b't' | b'm' | b'd', _) => return i + 2,
            (b'r' | b'v', Some(b'e')) | (b'l', Some(b'l')) => return i + 3,
            _ => {}
        }
    }
    let run = |mut j: usize, class: Class4| {
        while j < len {
            let (k, l) = classes.at(s, j);
            if k != class {
                break;
            }
            j += l;
        }
        j
    };
    //  ?\p{L}+|  ?\p{N}+|  ?[^\s\p{L}\p{N}]+ with the optional space
    if b[i] == b' ' && i + 1 < len {
        let (k, l) = classes.at(s, i + 1);
        if k != Class4::Space {
            return run(i + 1 + l, k);
        }
    }
    let (k, l) = classes.at(s, i);
    if k != Class4::Space {
        return run(i + l, k);
    }
    // \s+(?!\S)|\s+ : the whole run at the end of the text; otherwise the run without its last
    // character (which then starts the next match), unless the run is one character.
    let mut j = i + l;
    let mut last = i;
    while j < len {
        let (k, l) = classes.at(s, j);
        if k != Class4::Space {
            break;
        }
        last = j;
        j += l;
    }
    if j == len || last == i { j } else { last }
}

/// The GPT-2 byte → character table (`bytes_to_unicode`).
fn byte_chars() -> [char; 256] {
    let mut out = ['\0'; 256];
    let mut n = 0u32;
    for b in 0..=255u8 {
        let printable = matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
        let cp = if printable {
            u32::from(b)
        } else {
            n += 1;
            255 + n
        };
        out[usize::from(b)] = char::from_u32(cp).unwrap_or('\0');
    }
    out
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Encoders whose words one thread keeps at a time (the least recently added is dropped).
const CACHE_ENCODERS: usize = 4;

/// Merged words and the bytes they take.
#[derive(Default)]
struct Words {
    map: FxHashMap<Box<[u8]>, Box<[u32]>>,
    bytes: usize,
}

/// Words already merged by this thread, per encoder.
#[derive(Default)]
struct WordCache {
    slots: Vec<(u64, Words)>,
}

impl WordCache {
    fn words(&mut self, owner: u64) -> &mut Words {
        let i = match self.slots.iter().position(|s| s.0 == owner) {
            Some(i) => i,
            None => {
                if self.slots.len() >= CACHE_ENCODERS {
                    self.slots.remove(0);
                }
                self.slots.push((owner, Words::default()));
                self.slots.len() - 1
            }
        };
        &mut self.slots[i].1
    }
}

thread_local! {
    static CACHE: RefCell<WordCache> = RefCell::new(WordCache::default());
}

/// The exact ids-only encoder for a qualifying byte-level BPE tokenizer.
pub(crate) struct FastBpe {
    id: u64,
    add_prefix_space: bool,
    use_regex: bool,
    /// The id of each byte's symbol, `u32::MAX` when the vocabulary lacks it.
    byte_ids: [u32; 256],
    unk: Option<u32>,
    fuse_unk: bool,
    /// `(left << 32 | right)` → `(rank << 32 | new id)`.
    merges: FxHashMap<u64, u64>,
    /// With `ignore_merges`: the vocabulary by byte string.
    whole_words: Option<FxHashMap<Box<[u8]>, u32>>,
    /// Added tokens matched on the raw text (`normalized: false`).
    raw_added: Option<DoubleArrayAhoCorasick<u32>>,
    /// Added tokens matched on the (identity-)normalized gaps (`normalized: true`).
    normalized_added: Option<DoubleArrayAhoCorasick<u32>>,
    /// Options of the added tokens that have any.
    added_flags: FxHashMap<u32, AddedFlags>,
    /// The word-cache budget ([`CACHE_BYTES`]; smaller in tests).
    cache_bytes: usize,
}

impl std::fmt::Debug for FastBpe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FastBpe")
            .field("add_prefix_space", &self.add_prefix_space)
            .field("use_regex", &self.use_regex)
            .field("merges", &self.merges.len())
            .field("ignore_merges", &self.whole_words.is_some())
            .field("unk", &self.unk)
            .finish_non_exhaustive()
    }
}

/// Whether a post-processor (its JSON) leaves the ids of one sequence untouched when no special
/// tokens are added: `ByteLevel` (offsets only), `RobertaProcessing` and `BertProcessing` (they
/// add nothing then), a `TemplateProcessing` whose single template holds `$A` exactly once (its
/// special tokens are skipped then), and a `Sequence` of those.
fn post_processor_keeps_ids(pp: &Json) -> bool {
    match pp.get("type").and_then(Json::as_str) {
        Some("ByteLevel" | "RobertaProcessing" | "BertProcessing") => true,
        Some("TemplateProcessing") => {
            let Some(single) = pp.get("single").and_then(Json::as_array) else {
                return false;
            };
            let sequences: Vec<&Json> = single.iter().filter_map(|p| p.get("Sequence")).collect();
            let specials = single
                .iter()
                .filter(|p| p.get("SpecialToken").is_some())
                .count();
            matches!(sequences.as_slice(), [a] if a.get("id").and_then(Json::as_str) == Some("A"))
                && sequences.len() + specials == single.len()
        }
        Some("Sequence") => pp
            .get("processors")
            .and_then(Json::as_array)
            .is_some_and(|ps| ps.iter().all(post_processor_keeps_ids)),
        _ => false,
    }
}

fn build_added(pairs: Vec<(String, u32)>) -> Result<Option<DoubleArrayAhoCorasick<u32>>, ()> {
    if pairs.is_empty() {
        return Ok(None);
    }
    DoubleArrayAhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .build_with_values(pairs)
        .map(Some)
        .map_err(|_| ())
}

/// One piece of a text after the added tokens are split out.
enum Segment<'a> {
    Added(u32),
    Text(&'a str),
}

/// The `single_word` / `lstrip` / `rstrip` options of an added token, and whether it is a
/// special token left to the model (`encode_special_tokens`).
#[derive(Debug, Clone, Copy, Default)]
struct AddedFlags {
    single_word: bool,
    lstrip: bool,
    rstrip: bool,
    skip: bool,
}

/// `\w` (the `regex` crate's Unicode word characters, which `tokenizers` tests `single_word`
/// with).
static WORD_CHARS: LazyLock<Vec<(u32, u32)>> = LazyLock::new(|| unicode_ranges(r"\w"));

fn is_word_char(c: char) -> bool {
    let cp = u32::from(c);
    let ranges = &*WORD_CHARS;
    let i = ranges.partition_point(|r| r.0 <= cp);
    i > 0 && cp <= ranges[i - 1].1
}

fn is_space(c: char) -> bool {
    CLASSES.of(c) == Class4::Space
}

impl FastBpe {
    /// Splits `text` on the added tokens of `trie` as `tokenizers`' `find_matches` does: a
    /// leftmost-longest match is skipped when it is a special token under
    /// `encode_special_tokens` or a `single_word` token inside a word; `lstrip` / `rstrip`
    /// widen it over the whitespace before / after it.
    fn split_on(
        &self,
        trie: Option<&DoubleArrayAhoCorasick<u32>>,
        text: &str,
        f: &mut impl FnMut(Segment<'_>),
    ) {
        let Some(trie) = trie else {
            if !text.is_empty() {
                f(Segment::Text(text));
            }
            return;
        };
        let mut at = 0;
        for m in trie.leftmost_find_iter(text) {
            let (mut start, mut stop, id) = (m.start(), m.end(), m.value());
            if let Some(flags) = self.added_flags.get(&id) {
                if flags.skip {
                    continue;
                }
                if flags.single_word {
                    let before = text[..start].chars().next_back().is_some_and(is_word_char);
                    let after = text[stop..].chars().next().is_some_and(is_word_char);
                    if before || after {
                        continue;
                    }
                }
                if flags.lstrip {
                    let kept = text[..start].trim_end_matches(is_space).len();
                    start = kept.max(at);
                }
                if flags.rstrip {
                    let rest = &text[stop..];
                    stop += rest.len() - rest.trim_start_matches(is_space).len();
                }
            }
            if at < start {
                f(Segment::Text(&text[at..start]));
            }
            f(Segment::Added(id));
            at = stop;
        }
        if at < text.len() {
            f(Segment::Text(&text[at..]));
        }
    }
}

impl FastBpe {
    /// The encoder for `tok`, or `None` when `tok` is not exactly a configuration this module
    /// reproduces (see the module docs).
    pub(crate) fn from_tokenizer(tok: &Tokenizer) -> Option<Self> {
        if tok.get_normalizer().is_some()
            || tok.get_truncation().is_some()
            || tok.get_padding().is_some()
        {
            return None;
        }
        if let Some(pp) = tok.get_post_processor()
            && !post_processor_keeps_ids(&serde_json::to_value(pp).ok()?)
        {
            return None;
        }
        let pre = serde_json::to_value(tok.get_pre_tokenizer()?).ok()?;
        let byte_level = match pre.get("type")?.as_str()? {
            "ByteLevel" => pre,
            "Sequence" => match pre.get("pretokenizers")?.as_array()?.as_slice() {
                [one] if one.get("type")?.as_str()? == "ByteLevel" => one.clone(),
                _ => return None,
            },
            _ => return None,
        };
        let add_prefix_space = byte_level.get("add_prefix_space")?.as_bool()?;
        let use_regex = match byte_level.get("use_regex") {
            None => true,
            Some(v) => v.as_bool()?,
        };

        let ModelWrapper::BPE(bpe) = tok.get_model() else {
            return None;
        };
        if bpe.dropout.is_some_and(|d| d != 0.0)
            || bpe.byte_fallback
            || bpe
                .continuing_subword_prefix
                .as_deref()
                .is_some_and(|p| !p.is_empty())
            || bpe
                .end_of_word_suffix
                .as_deref()
                .is_some_and(|p| !p.is_empty())
        {
            return None;
        }
        let model = serde_json::to_value(bpe).ok()?;
        let vocab: FxHashMap<&str, u32> = model
            .get("vocab")?
            .as_object()?
            .iter()
            .map(|(k, v)| Some((k.as_str(), u32::try_from(v.as_u64()?).ok()?)))
            .collect::<Option<_>>()?;
        let mut merges = FxHashMap::default();
        let mut joined = String::new();
        for (rank, m) in model.get("merges")?.as_array()?.iter().enumerate() {
            let (a, b) = match m {
                Json::Array(p) => match p.as_slice() {
                    [Json::String(a), Json::String(b)] => (a.as_str(), b.as_str()),
                    _ => return None,
                },
                Json::String(s) => s.split_once(' ')?,
                _ => return None,
            };
            joined.clear();
            joined.push_str(a);
            joined.push_str(b);
            let key = (u64::from(*vocab.get(a)?) << 32) | u64::from(*vocab.get(b)?);
            let value = (u64::try_from(rank).ok()? << 32) | u64::from(*vocab.get(joined.as_str())?);
            merges.insert(key, value);
        }

        let chars = byte_chars();
        let mut byte_ids = [u32::MAX; 256];
        let mut buf = [0u8; 4];
        for (b, c) in chars.iter().enumerate() {
            if let Some(&id) = vocab.get(&*c.encode_utf8(&mut buf)) {
                byte_ids[b] = id;
            }
        }
        let unk = match &bpe.unk_token {
            None => None,
            // tokenizers fails on an unknown byte when the unk token is not in the vocabulary.
            Some(u) => match vocab.get(u.as_str()) {
                Some(&id) => Some(id),
                None if byte_ids.contains(&u32::MAX) => return None,
                None => None,
            },
        };
        let whole_words = bpe.ignore_merges.then(|| {
            let mut char_bytes: FxHashMap<char, u8> = FxHashMap::default();
            for (b, c) in chars.iter().enumerate() {
                char_bytes.insert(*c, u8::try_from(b).unwrap_or(0));
            }
            vocab
                .iter()
                .filter_map(|(tok, &id)| {
                    let bytes: Option<Box<[u8]>> =
                        tok.chars().map(|c| char_bytes.get(&c).copied()).collect();
                    bytes.map(|b| (b, id))
                })
                .collect()
        });

        let added = tok.get_added_vocabulary();
        let encode_special = added.get_encode_special_tokens();
        let mut raw = Vec::new();
        let mut normalized = Vec::new();
        let mut added_flags = FxHashMap::default();
        for (&id, t) in tok.get_added_tokens_decoder().iter() {
            if t.content.is_empty() {
                continue;
            }
            let flags = AddedFlags {
                single_word: t.single_word,
                lstrip: t.lstrip,
                rstrip: t.rstrip,
                skip: encode_special && added.is_special_token(&t.content),
            };
            if flags.single_word || flags.lstrip || flags.rstrip || flags.skip {
                added_flags.insert(id, flags);
            }
            if t.normalized {
                normalized.push((t.content.clone(), id));
            } else {
                raw.push((t.content.clone(), id));
            }
        }
        Some(Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            add_prefix_space,
            use_regex,
            byte_ids,
            unk,
            fuse_unk: bpe.fuse_unk,
            merges,
            whole_words,
            raw_added: build_added(raw).ok()?,
            normalized_added: build_added(normalized).ok()?,
            added_flags,
            cache_bytes: CACHE_BYTES,
        })
    }

    /// The ids of `text`, as `tokenizers`' `encode_fast(text, false)` gives them.
    pub(crate) fn encode(&self, text: &str) -> Vec<u32> {
        let mut out = Vec::with_capacity(text.len() / 3 + 1);
        let run = |cache: &mut Words, out: &mut Vec<u32>| {
            let mut on_segment = |seg: Segment<'_>| match seg {
                Segment::Added(id) => out.push(id),
                Segment::Text(s) => self.encode_segment(s, cache, out),
            };
            let normalized = self.normalized_added.as_ref();
            let mut first = |seg: Segment<'_>| match seg {
                Segment::Added(id) => on_segment(Segment::Added(id)),
                Segment::Text(s) => {
                    self.split_on(normalized, s, &mut on_segment);
                }
            };
            self.split_on(self.raw_added.as_ref(), text, &mut first);
        };
        let cached = CACHE.try_with(|c| {
            let Ok(mut c) = c.try_borrow_mut() else {
                return false;
            };
            run(c.words(self.id), &mut out);
            true
        });
        if !matches!(cached, Ok(true)) {
            out.clear();
            run(&mut Words::default(), &mut out);
        }
        out
    }

    fn encode_segment(&self, seg: &str, cache: &mut Words, out: &mut Vec<u32>) {
        let prefixed;
        let s = if self.add_prefix_space && !seg.starts_with(' ') {
            prefixed = format!(" {seg}");
            prefixed.as_str()
        } else {
            seg
        };
        if !self.use_regex {
            self.word(s.as_bytes(), cache, out);
            return;
        }
        let classes = &*CLASSES;
        let mut i = 0;
        while i < s.len() {
            let end = piece_end(classes, s, i);
            self.word(&s.as_bytes()[i..end], cache, out);
            i = end;
        }
    }

    fn word(&self, w: &[u8], cache: &mut Words, out: &mut Vec<u32>) {
        if let Some(words) = &self.whole_words
            && let Some(&id) = words.get(w)
        {
            out.push(id);
            return;
        }
        if let [b] = w {
            let id = self.byte_ids[usize::from(*b)];
            if id != u32::MAX {
                out.push(id);
                return;
            }
        }
        let cacheable = w.len() <= CACHE_MAX_WORD;
        if cacheable && let Some(ids) = cache.map.get(w) {
            out.extend_from_slice(ids);
            return;
        }
        let start = out.len();
        self.merge_word(w, out);
        if cacheable {
            let ids = &out[start..];
            let size = 64 + w.len() + 4 * ids.len();
            if cache.bytes + size > self.cache_bytes {
                cache.map.clear();
                cache.bytes = 0;
            }
            cache.bytes += size;
            cache.map.insert(w.into(), ids.into());
        }
    }

    #[inline]
    fn pair(&self, a: u32, b: u32) -> u64 {
        self.merges
            .get(&((u64::from(a) << 32) | u64::from(b)))
            .copied()
            .unwrap_or(NO_MERGE)
    }

    /// The initial symbols of a word: one per byte, unknown bytes as `tokenizers` treats them
    /// (dropped without an unk token, else the unk token, consecutive ones fused with
    /// `fuse_unk`).
    fn symbols(&self, w: &[u8]) -> Vec<u32> {
        let mut syms = Vec::with_capacity(w.len());
        let mut pending_unk = false;
        for &b in w {
            let id = self.byte_ids[usize::from(b)];
            if id != u32::MAX {
                if pending_unk {
                    syms.extend(self.unk);
                    pending_unk = false;
                }
                syms.push(id);
            } else if self.unk.is_some() {
                if pending_unk && !self.fuse_unk {
                    syms.extend(self.unk);
                }
                pending_unk = true;
            }
        }
        if pending_unk {
            syms.extend(self.unk);
        }
        syms
    }

    fn merge_word(&self, w: &[u8], out: &mut Vec<u32>) {
        let syms = self.symbols(w);
        if syms.len() <= LINEAR_MAX {
            self.merge_linear(syms, out);
        } else {
            self.merge_heap(&syms, out);
        }
    }

    /// Merges by scanning for the lowest-rank pair (leftmost on ties) each round.
    fn merge_linear(&self, mut syms: Vec<u32>, out: &mut Vec<u32>) {
        let mut pairs: Vec<u64> = syms.windows(2).map(|p| self.pair(p[0], p[1])).collect();
        loop {
            let mut best = NO_MERGE;
            let mut at = 0;
            for (k, &p) in pairs.iter().enumerate() {
                if p < best {
                    best = p;
                    at = k;
                }
            }
            if best == NO_MERGE {
                break;
            }
            syms[at] = best as u32;
            syms.remove(at + 1);
            pairs.remove(at);
            if at > 0 {
                pairs[at - 1] = self.pair(syms[at - 1], syms[at]);
            }
            if at < pairs.len() {
                pairs[at] = self.pair(syms[at], syms[at + 1]);
            }
        }
        out.extend_from_slice(&syms);
    }

    /// The same merges in O(n log n) for long words: a min-heap of (rank, position) over a
    /// linked list of symbols; entries whose pair changed since they were pushed are skipped.
    fn merge_heap(&self, syms: &[u32], out: &mut Vec<u32>) {
        const NONE: usize = usize::MAX;
        let n = syms.len();
        let mut id = syms.to_vec();
        let mut next: Vec<usize> = (1..=n).map(|i| if i == n { NONE } else { i }).collect();
        let mut prev: Vec<usize> = (0..n).map(|i| i.checked_sub(1).unwrap_or(NONE)).collect();
        let mut alive = vec![true; n];
        let mut heap: BinaryHeap<Reverse<(u64, usize)>> = BinaryHeap::with_capacity(n);
        for i in 0..n.saturating_sub(1) {
            let p = self.pair(id[i], id[i + 1]);
            if p != NO_MERGE {
                heap.push(Reverse((p, i)));
            }
        }
        while let Some(Reverse((p, pos))) = heap.pop() {
            let right = next[pos];
            if !alive[pos] || right == NONE || self.pair(id[pos], id[right]) != p {
                continue;
            }
            id[pos] = p as u32;
            alive[right] = false;
            next[pos] = next[right];
            if next[pos] != NONE {
                prev[next[pos]] = pos;
            }
            if prev[pos] != NONE {
                let q = self.pair(id[prev[pos]], id[pos]);
                if q != NO_MERGE {
                    heap.push(Reverse((q, prev[pos])));
                }
            }
            if next[pos] != NONE {
                let q = self.pair(id[pos], id[next[pos]]);
                if q != NO_MERGE {
                    heap.push(Reverse((q, pos)));
                }
            }
        }
        let mut i = if n == 0 { NONE } else { 0 };
        while i != NONE {
            out.push(id[i]);
            i = next[i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenize::{ModelKind, TextTokenizer, TrainConfig};
    use proptest::prelude::*;
    use tokenizers::pre_tokenizers::byte_level::ByteLevel;
    use tokenizers::{OffsetReferential, OffsetType, PreTokenizedString, PreTokenizer};

    fn trained() -> &'static TextTokenizer {
        static TOK: LazyLock<TextTokenizer> = LazyLock::new(|| {
            let texts = [
                "the cat sat on the mat, and the dog's bone isn't there",
                "aaaa aaaa bbbb 1234 5678 ééé ünïcödé 東京都 東京 😀😀",
                "    indented code\n\tand tabs\r\n done",
            ];
            TextTokenizer::train(
                &TrainConfig::new(ModelKind::Bpe, 400),
                texts.iter().copied(),
            )
            .unwrap()
        });
        &TOK
    }

    fn pieces(s: &str) -> Vec<String> {
        let chars = byte_chars();
        let mut out = Vec::new();
        let mut i = 0;
        while i < s.len() {
            let e = piece_end(&CLASSES, s, i);
            out.push(
                s.as_bytes()[i..e]
                    .iter()
                    .map(|&b| chars[usize::from(b)])
                    .collect(),
            );
            i = e;
        }
        out
    }

    fn reference_pieces(s: &str) -> Vec<String> {
        let bl = ByteLevel::default().add_prefix_space(false);
        let mut pre = PreTokenizedString::from(s);
        bl.pre_tokenize(&mut pre).unwrap();
        pre.get_splits(OffsetReferential::Normalized, OffsetType::None)
            .into_iter()
            .map(|(p, _, _)| p.to_owned())
            .collect()
    }

    #[test]
    fn byte_table_is_gpt2s() {
        let chars = byte_chars();
        let reference = ByteLevel::alphabet();
        assert_eq!(
            chars.iter().collect::<std::collections::HashSet<_>>().len(),
            256
        );
        assert!(chars.iter().all(|c| reference.contains(c)));
        assert_eq!(chars[usize::from(b' ')], 'Ġ');
        assert_eq!(chars[usize::from(b'\n')], 'Ċ');
        assert_eq!(chars[usize::from(b'A')], 'A');
    }

    #[test]
    fn classes_come_from_the_tables() {
        let c = &*CLASSES;
        assert_eq!(c.of('a'), Class4::Letter);
        assert_eq!(c.of('東'), Class4::Letter);
        assert_eq!(c.of('٣'), Class4::Number);
        assert_eq!(c.of('Ⅻ'), Class4::Number);
        assert_eq!(c.of('\u{3000}'), Class4::Space);
        assert_eq!(c.of('\u{85}'), Class4::Space);
        assert_eq!(c.of('\u{200B}'), Class4::Other);
        assert_eq!(c.of('\u{301}'), Class4::Other);
        assert_eq!(c.of('😀'), Class4::Other);
        assert_eq!(c.of('𝐀'), Class4::Letter);
        assert_eq!(c.of('𝟎'), Class4::Number);
    }

    /// Every BMP code point, and above it every class-range boundary (±2) plus a sample, in the
    /// contexts that tell the four classes apart, is cut exactly as the `fancy-regex`
    /// pre-tokenizer of `tokenizers` cuts it.
    #[test]
    fn scanner_equals_the_regex_on_code_points() {
        let mut cps: Vec<u32> = (0..0x1_0000).collect();
        for &(lo, hi, _) in &CLASSES.astral {
            cps.extend(lo.saturating_sub(2)..=lo + 2);
            cps.extend(hi.saturating_sub(2)..=hi + 2);
            cps.extend((lo..=hi).step_by(97));
        }
        cps.extend((0x1_0000..=0x10_FFFF).step_by(211));
        cps.sort_unstable();
        cps.dedup();
        let all: Vec<char> = cps.into_iter().filter_map(char::from_u32).collect();
        for chunk in all.chunks(8192) {
            let mut s = String::new();
            for &c in chunk {
                for ctx in ["a", "1", ".", " "] {
                    s.push_str(ctx);
                    s.push(c);
                }
                s.push(c);
                s.push('\n');
            }
            assert_eq!(
                pieces(&s),
                reference_pieces(&s),
                "chunk from {:?}",
                chunk[0]
            );
        }
    }

    /// The classes equal Oniguruma's (the Python wheel of `tokenizers`) on every Unicode scalar
    /// value: `tests/data/onig_gpt2_classes.txt`, written by `tools/fast_bpe_goldens.py`.
    #[test]
    fn classes_equal_oniguruma_on_every_code_point() {
        let golden = include_str!("../tests/data/onig_gpt2_classes.txt");
        let mut want = vec![Class4::Other; 0x11_0000];
        for line in golden.lines().filter(|l| !l.starts_with('#')) {
            let mut f = line.split(' ');
            let lo = u32::from_str_radix(f.next().unwrap(), 16).unwrap();
            let hi = u32::from_str_radix(f.next().unwrap(), 16).unwrap();
            let class = match f.next().unwrap() {
                "L" => Class4::Letter,
                "N" => Class4::Number,
                "S" => Class4::Space,
                other => panic!("class {other}"),
            };
            for cp in lo..=hi {
                want[cp as usize] = class;
            }
        }
        let mut differ = 0;
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            if CLASSES.of(c) != want[u32::from(c) as usize] {
                differ += 1;
            }
        }
        assert_eq!(differ, 0);
        assert_eq!(golden.lines().count(), 832);
    }

    #[test]
    fn scanner_cases() {
        for s in [
            "",
            "'s 's ''s 'S 're 'rex 'll 'l 'd",
            "a  b   c \t d\n\n e  ",
            "   ",
            " \u{a0}x\u{3000}\u{2028}\u{85}y",
            "x\r\n",
            "٣٤ 12ab ab12 ½",
        ] {
            assert_eq!(pieces(s), reference_pieces(s), "{s:?}");
        }
    }

    #[test]
    fn long_runs_match() {
        let tok = trained();
        let fast = FastBpe::from_tokenizer(tok.inner()).unwrap();
        for s in [
            " ".repeat(300_000) + "a",
            "a".repeat(300_000),
            "ab ".repeat(100_000),
            "\u{3000}".repeat(100_000) + "x",
            "!?".repeat(100_000),
        ] {
            let want = tok.inner().encode_fast(s.as_str(), false).unwrap();
            assert_eq!(fast.encode(&s), want.get_ids(), "{:?}", &s[..10]);
        }
    }

    /// A cache emptied every few words still gives the same ids, and stays within its budget.
    #[test]
    fn small_cache_budget() {
        let tok = trained();
        let mut fast = FastBpe::from_tokenizer(tok.inner()).unwrap();
        fast.cache_bytes = 300;
        let text = "the cat sat on the mat, and the dog's bone isn't there; ".repeat(20)
            + "ééé ünïcödé 東京都 東京 😀😀 aaaa bbbb 1234";
        let want = tok.inner().encode_fast(text.as_str(), false).unwrap();
        assert_eq!(fast.encode(&text), want.get_ids());
        CACHE.with(|c| {
            let mut c = c.borrow_mut();
            let words = c.words(fast.id);
            assert!(!words.map.is_empty());
            assert!(words.bytes <= 300, "{}", words.bytes);
        });
    }

    proptest! {
        /// The heap merge equals the linear merge on any word of the trained vocabulary.
        #[test]
        fn heap_merge_equals_linear(word in "[a-z éü東京😀0-9]{0,80}") {
            let tok = trained();
            let fast = FastBpe::from_tokenizer(tok.inner()).unwrap();
            let syms = fast.symbols(word.as_bytes());
            let (mut a, mut b) = (Vec::new(), Vec::new());
            fast.merge_linear(syms.clone(), &mut a);
            fast.merge_heap(&syms, &mut b);
            prop_assert_eq!(a, b);
        }
    }
}
