//! The rule form of spaCy's prefix, suffix and infix regular expressions, and their matchers with
//! Python `re` semantics (`^(?:…)` match, `(?:…$)` search, `finditer`).
//!
//! Every rule of the English tokenizer has the shape `(?<=B…)(?:A|A|…)(?=L)`: a fixed-width
//! lookbehind of character sets, alternatives of character sequences (the last atom may be a greedy
//! repeat, as in `\.\.+`) and an optional (negative) one-character lookahead.
//! `tools/quality_tables.py` converts spaCy's expressions to this form with Python's own regex
//! parser, so no hand transcription is involved.

use super::tables::SETS;

use crate::generated::{Atom, Rule};

#[inline]
fn in_set(set: u16, c: char) -> bool {
    let ranges = SETS[set as usize];
    let c = c as u32;
    ranges
        .binary_search_by(|&(a, b)| {
            if b < c {
                std::cmp::Ordering::Less
            } else if a > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

#[inline]
fn atom_matches(a: Atom, c: char) -> bool {
    match a {
        Atom::Char(x) | Atom::Repeat(x, _) => x == c,
        Atom::Set(s) => in_set(s, c),
    }
}

/// Matches `alt` at byte `pos` of `s`; returns the end byte.
#[inline]
fn match_alt(alt: &[Atom], s: &str, pos: usize) -> Option<usize> {
    let mut chars = s[pos..].char_indices();
    let mut end = pos;
    for &a in alt {
        match a {
            Atom::Repeat(c, min) => {
                let mut n = 0usize;
                let mut it = s[end..].char_indices().peekable();
                let mut e = end;
                while let Some(&(i, ch)) = it.peek() {
                    if ch != c {
                        break;
                    }
                    n += 1;
                    e = end + i + ch.len_utf8();
                    it.next();
                }
                if n < min as usize {
                    return None;
                }
                return Some(e);
            }
            _ => {
                let (i, ch) = chars.next()?;
                if !atom_matches(a, ch) {
                    return None;
                }
                end = pos + i + ch.len_utf8();
            }
        }
    }
    Some(end)
}

/// The lookbehind holds at byte `pos` (the characters just before `pos` match `behind`).
#[inline]
fn behind_ok(behind: &[Atom], s: &str, pos: usize) -> bool {
    let mut before = s[..pos].chars().rev();
    for &a in behind.iter().rev() {
        match before.next() {
            Some(c) if atom_matches(a, c) => {}
            _ => return false,
        }
    }
    true
}

#[inline]
fn ahead_ok(ahead: Option<(bool, Atom)>, s: &str, end: usize) -> bool {
    match ahead {
        None => true,
        Some((negated, a)) => {
            let hit = s[end..].chars().next().is_some_and(|c| atom_matches(a, c));
            hit != negated
        }
    }
}

/// A rule list with indexes by first and last character, so that a token is checked only against
/// the few alternatives that can match it (the English suffix rules have ~300 alternatives, units
/// and currencies included).
#[derive(Debug)]
pub(crate) struct RuleSet {
    rules: &'static [Rule],
    /// First character → (rule, alternative) in rule order.
    by_first: std::collections::HashMap<char, Vec<(u16, u16)>>,
    /// Alternatives whose first atom is a set, in rule order: (rule, alternative, set).
    first_sets: Vec<(u16, u16, u16)>,
    /// Last character → (rule, alternative).
    by_last: std::collections::HashMap<char, Vec<(u16, u16)>>,
    /// Alternatives whose last atom is a set: (rule, alternative, set).
    last_sets: Vec<(u16, u16, u16)>,
    /// Bit `c` set when an alternative can start with the ASCII character `c`.
    ascii_first: u128,
}

impl RuleSet {
    pub(crate) fn new(rules: &'static [Rule]) -> Self {
        let mut rs = RuleSet {
            rules,
            by_first: Default::default(),
            first_sets: Vec::new(),
            by_last: Default::default(),
            last_sets: Vec::new(),
            ascii_first: 0,
        };
        for (ri, r) in rules.iter().enumerate() {
            for (ai, alt) in r.alts.iter().enumerate() {
                let id = (ri as u16, ai as u16);
                match alt.first() {
                    Some(Atom::Char(c) | Atom::Repeat(c, _)) => {
                        rs.by_first.entry(*c).or_default().push(id)
                    }
                    Some(Atom::Set(s)) => rs.first_sets.push((id.0, id.1, *s)),
                    None => {}
                }
                match alt.last() {
                    Some(Atom::Char(c) | Atom::Repeat(c, _)) => {
                        rs.by_last.entry(*c).or_default().push(id)
                    }
                    Some(Atom::Set(s)) => rs.last_sets.push((id.0, id.1, *s)),
                    None => {}
                }
            }
        }
        for b in 0u8..128 {
            let c = b as char;
            if rs.by_first.contains_key(&c)
                || rs.first_sets.iter().any(|&(_, _, set)| in_set(set, c))
            {
                rs.ascii_first |= 1u128 << b;
            }
        }
        rs
    }

    /// The first alternative (in rule order) matching at byte `pos`, as Python's `re.match` of the
    /// alternation at `pos` would find it: returns its end byte.
    #[inline]
    fn first_match_at(&self, s: &str, pos: usize, cands: &mut Vec<(u16, u16)>) -> Option<usize> {
        let c = s[pos..].chars().next()?;
        cands.clear();
        if let Some(v) = self.by_first.get(&c) {
            cands.extend_from_slice(v);
        }
        for &(r, a, set) in &self.first_sets {
            if in_set(set, c) {
                cands.push((r, a));
            }
        }
        if cands.is_empty() {
            return None;
        }
        cands.sort_unstable();
        for &(ri, ai) in cands.iter() {
            let r = &self.rules[ri as usize];
            if !r.behind.is_empty() && !behind_ok(r.behind, s, pos) {
                continue;
            }
            if let Some(end) = match_alt(r.alts[ai as usize], s, pos)
                && ahead_ok(r.ahead, s, end)
            {
                return Some(end);
            }
        }
        None
    }

    /// Byte length of the prefix found by `^(?:rules)` (0 when none).
    pub(crate) fn find_prefix(&self, s: &str) -> usize {
        let mut cands = Vec::new();
        self.first_match_at(s, 0, &mut cands).unwrap_or(0)
    }

    /// Byte length of the suffix found by searching `(?:r1$|r2$|…)` (0 when none): the match
    /// that starts leftmost (every alternative ends at the end of the string).
    pub(crate) fn find_suffix(&self, s: &str) -> usize {
        let Some(last) = s.chars().next_back() else {
            return 0;
        };
        let mut best: Option<usize> = None;
        let by_char = self.by_last.get(&last).map(Vec::as_slice).unwrap_or(&[]);
        let by_set = self
            .last_sets
            .iter()
            .filter(|&&(_, _, set)| in_set(set, last))
            .map(|&(r, a, _)| (r, a));
        for (ri, ai) in by_char.iter().copied().chain(by_set) {
            let r = &self.rules[ri as usize];
            let alt = r.alts[ai as usize];
            let start = match alt.last() {
                Some(Atom::Repeat(c, min)) => {
                    // `x…x+$`: the leftmost start is the beginning of the trailing run of `c`.
                    let fixed = &alt[..alt.len() - 1];
                    if !fixed.iter().all(|a| matches!(a, Atom::Char(x) if x == c)) {
                        continue;
                    }
                    let run_start = s.trim_end_matches(*c).len();
                    let run_len = s[run_start..].chars().count();
                    if run_len < fixed.len() + *min as usize {
                        continue;
                    }
                    run_start
                }
                _ => {
                    let mut start = s.len();
                    let mut ok = true;
                    let mut rev = s.char_indices().rev();
                    for &a in alt.iter().rev() {
                        match rev.next() {
                            Some((i, c)) if atom_matches(a, c) => start = i,
                            _ => {
                                ok = false;
                                break;
                            }
                        }
                    }
                    if !ok {
                        continue;
                    }
                    start
                }
            };
            if best.is_some_and(|b| b <= start) {
                continue;
            }
            if r.behind.is_empty() || behind_ok(r.behind, s, start) {
                best = Some(start);
            }
        }
        best.map_or(0, |b| s.len() - b)
    }

    /// True when some alternative can start with `c`.
    #[inline]
    fn may_start(&self, c: char) -> bool {
        if c.is_ascii() {
            return self.ascii_first & (1u128 << (c as u32)) != 0;
        }
        self.by_first.contains_key(&c) || self.first_sets.iter().any(|&(_, _, set)| in_set(set, c))
    }

    /// The byte spans found by `finditer` of the alternation of the rules over `s`.
    pub(crate) fn find_infixes(&self, s: &str, out: &mut Vec<(usize, usize)>) {
        out.clear();
        let mut cands = Vec::new();
        let mut pos = 0;
        while pos < s.len() {
            let c = s[pos..].chars().next().unwrap_or('\0');
            if self.may_start(c)
                && let Some(end) = self.first_match_at(s, pos, &mut cands)
                && end > pos
            {
                out.push((pos, end));
                pos = end;
                continue;
            }
            pos += c.len_utf8();
        }
    }
}
