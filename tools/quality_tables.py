#!/usr/bin/env python3
"""Generates crates/quality/src/generated/word_tables.rs: the data of the English word tokenizer that
datatrove 0.10.1 uses (spaCy's blank "en" tokenizer + sentencizer) and datatrove's punctuation sets.

    pip install datatrove==0.10.1 spacy==3.8.18
    python3 tools/quality_tables.py > crates/quality/src/generated/word_tables.rs

Only data is exported; the algorithms are written in Rust (crates/quality/src/words/mod.rs):
- the prefix, suffix and infix rules of `spacy.blank("en").tokenizer`, converted from their regular
  expressions (parsed with Python's own regex parser) into a small rule form: lookbehind sets, a body
  (alternatives of character sequences, optionally ending in a greedy repeat) and a lookahead set;
- the special cases (`tokenizer.rules`: contractions, abbreviations, emoticons), with their tokens;
- spaCy's URL pattern (`tokenizer.url_match`);
- the sentencizer's punctuation characters;
- datatrove's PUNCTUATION_SET and TERMINAL_PUNCTUATION (datatrove.utils.text).
spaCy is MIT-licensed; datatrove is Apache-2.0.
"""
import re
import re._constants as C
import re._parser as P
import sys

import spacy
import datatrove
from datatrove.utils.text import PUNCTUATION_SET, TERMINAL_PUNCTUATION
from spacy.attrs import ORTH
from spacy.pipeline import Sentencizer

nlp = spacy.blank("en")
tok = nlp.tokenizer
D = nlp.Defaults

sets: dict[tuple, int] = {}


def set_id(ranges):
    # normalise: sorted, merged
    rs = sorted(ranges)
    merged = []
    for a, b in rs:
        if merged and a <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    key = tuple(merged)
    if key not in sets:
        sets[key] = len(sets)
    return sets[key]


def class_ranges(items):
    out = []
    for op, av in items:
        if op is C.LITERAL:
            out.append((av, av))
        elif op is C.RANGE:
            out.append(av)
        elif op is C.NEGATE:
            raise ValueError("negated class")
        elif op is C.CATEGORY:
            raise ValueError(f"category {av}")
        else:
            raise ValueError(f"class item {op}")
    return out


def atom(node):
    op, av = node
    if op is C.LITERAL:
        return ("Char", av)
    if op is C.IN:
        return ("Set", set_id(class_ranges(av)))
    raise ValueError(f"atom {op}")


def body_alternatives(seq):
    """A body: a list of alternatives, each a list of atoms (Char / Set / Repeat)."""
    if len(seq) == 1 and seq[0][0] is C.SUBPATTERN:
        return body_alternatives(list(seq[0][1][3]))
    if len(seq) == 1 and seq[0][0] is C.BRANCH:
        alts = []
        for branch in seq[0][1][1]:
            alts.extend(body_alternatives(list(branch)))
        return alts
    atoms = []
    for i, node in enumerate(seq):
        op, av = node
        if op is C.MAX_REPEAT:
            lo, hi, inner = av
            assert hi is C.MAXREPEAT and len(inner) == 1 and i == len(seq) - 1, node
            a = atom(inner[0])
            atoms.append(("Repeat", a, lo))
        elif op is C.BRANCH or op is C.SUBPATTERN:
            # literal alternation inside a sequence (e.g. currencies): expand the product
            rest = body_alternatives([node])
            prefix = atoms
            tail = body_alternatives(list(seq[i + 1 :])) if i + 1 < len(seq) else [[]]
            return [prefix + r + t for r in rest for t in tail]
        else:
            atoms.append(atom(node))
    return [atoms]


def convert(pattern):
    seq = list(P.parse(pattern))
    behind, ahead = [], None
    if seq and seq[0][0] is C.ASSERT and seq[0][1][0] == -1:
        for node in seq[0][1][1]:
            a = atom(node)
            behind.append(a)
        seq = seq[1:]
    if seq and seq[-1][0] in (C.ASSERT, C.ASSERT_NOT) and seq[-1][1][0] == 1:
        neg = seq[-1][0] is C.ASSERT_NOT
        inner = seq[-1][1][1]
        assert len(inner) == 1, pattern
        ahead = (neg, atom(inner[0]))
        seq = seq[:-1]
    return behind, body_alternatives(seq), ahead


def rust_char(c):
    return "'\\u{%x}'" % c


def rust_atom(a):
    if a[0] == "Char":
        return f"Atom::Char({rust_char(a[1])})"
    if a[0] == "Set":
        return f"Atom::Set({a[1]})"
    inner = a[1]
    assert inner[0] == "Char"
    return f"Atom::Repeat({rust_char(inner[1])}, {a[2]})"


def rust_rule(pattern):
    behind, alts, ahead = convert(pattern)
    # check: every alternative regex-matches its own literal expansion (when it is literal)
    b = "&[" + ", ".join(rust_atom(a) for a in behind) + "]"
    alts_s = "&[" + ", ".join("&[" + ", ".join(rust_atom(a) for a in alt) + "]" for alt in alts) + "]"
    if ahead is None:
        ah = "None"
    else:
        ah = f"Some(({'true' if ahead[0] else 'false'}, {rust_atom(ahead[1])}))"
    return f"    Rule {{ behind: {b}, alts: {alts_s}, ahead: {ah} }}, // {pattern[:60]!r}"


def rust_str(s):
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            out.append("\\u{%x}" % ord(ch))
    return '"' + "".join(out) + '"'


lines = []
w = lines.append
w("// @generated by tools/quality_tables.py — do not edit.")
w(f"// Source: spaCy {spacy.__version__} `spacy.blank(\"en\")` (MIT) and datatrove {datatrove.__version__ if hasattr(datatrove, '__version__') else '0.10.1'} (Apache-2.0).")
w("#![allow(clippy::all)]")
w("use super::{Atom, Rule};")
w("")
prefixes = [p for p in D.prefixes if p.strip()]
suffixes = [p for p in D.suffixes if p.strip()]
infixes = [p for p in D.infixes if p.strip()]
w("/// spaCy English prefix rules, in order (`^(?:a|b|…)`).")
w("pub(crate) static PREFIXES: &[Rule] = &[")
for p in prefixes:
    w(rust_rule(p))
w("];")
w("/// spaCy English suffix rules (`(?:a$|b$|…)`, searched).")
w("pub(crate) static SUFFIXES: &[Rule] = &[")
for p in suffixes:
    w(rust_rule(p))
w("];")
w("/// spaCy English infix rules, in order (`finditer`).")
w("pub(crate) static INFIXES: &[Rule] = &[")
for p in infixes:
    w(rust_rule(p))
w("];")

# special cases
rules = tok.rules
w("/// spaCy English special cases: string → tokens.")
w("pub(crate) static SPECIALS: &[(&str, &[&str])] = &[")
for k in sorted(rules):
    toks = [t[ORTH] for t in rules[k]]
    w(f"    ({rust_str(k)}, &[{', '.join(rust_str(t) for t in toks)}]),")
w("];")

url = tok.url_match.__self__.pattern
assert url.startswith("(?u)")
w("/// spaCy's URL pattern (`tokenizer.url_match`), Python syntax without the leading `(?u)`.")
w(f"pub(crate) static URL_PATTERN: &str = {rust_str(url[4:])};")

w("/// The sentencizer's punctuation characters.")
w("pub(crate) static SENT_PUNCT: &[char] = &[" + ", ".join(rust_char(ord(c)) for c in sorted(Sentencizer.default_punct_chars)) + "];")
w("/// datatrove's `PUNCTUATION_SET` (punctuation, ASCII control characters and terminal punctuation).")
w("pub(crate) static PUNCTUATION_SET: &[char] = &[" + ", ".join(rust_char(ord(c)) for c in sorted(PUNCTUATION_SET)) + "];")
w("/// datatrove's `TERMINAL_PUNCTUATION`.")
w("pub(crate) static TERMINAL_PUNCTUATION: &[char] = &[" + ", ".join(rust_char(ord(c)) for c in sorted(TERMINAL_PUNCTUATION)) + "];")

w("/// Character sets used by the rules: sorted, merged inclusive code point ranges.")
w("pub(crate) static SETS: &[&[(u32, u32)]] = &[")
for key, i in sorted(sets.items(), key=lambda kv: kv[1]):
    w("    &[" + ", ".join(f"(0x{a:x}, 0x{b:x})" for a, b in key) + "],")
w("];")

# self-check: the converted prefix literals are what the regexes match
for p in prefixes:
    behind, alts, ahead = convert(p)
    for alt in alts:
        if all(a[0] == "Char" for a in alt):
            s = "".join(chr(a[1]) for a in alt)
            assert re.match(p, s + ("x" if ahead and ahead[0] else "")), (p, s)

print("\n".join(lines))
