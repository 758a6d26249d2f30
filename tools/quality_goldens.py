#!/usr/bin/env python3
"""Golden values for dataprep-quality from datatrove 0.10.1 (the reference implementation).

    pip install datatrove==0.10.1 spacy==3.8.18 tldextract pyahocorasick
    python3 tools/quality_corpus.py     # (re)builds the corpus, optional
    python3 tools/quality_goldens.py

Reads crates/quality/tests/data/corpus.jsonl and writes crates/quality/tests/data/goldens.jsonl:
one line per document with, for each filter run with datatrove's defaults (English), the decision
of datatrove's own `filter()` (`keep`, `reason`) and the values it measures (computed with
datatrove's own helpers, following the filter's code without its early exits); plus the word
tokenization (`n_words`, FNV-1a 64 of the words joined by NUL) and the sentence count.
Also writes tokens.jsonl: the full spaCy word lists and sentence splits of tricky strings.

Filters: GopherQualityFilter, GopherRepetitionFilter, C4QualityFilter (FNV-1a 64 and length of the edited text),
C4ParagraphFilter, FineWebQualityFilter, C4BadWordsFilter (with the word list in
tests/data/badwords.txt, as a user-supplied list), URLFilter (use_integrated_lists=False with the
block lists in tests/data/url_lists.json).
"""
import json
import os
from collections import Counter

import numpy as np

import datatrove.pipeline.filters.c4_filters as c4mod
from datatrove.data import Document
from datatrove.pipeline.filters import (
    C4BadWordsFilter,
    C4ParagraphFilter,
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
    URLFilter,
)
from datatrove.pipeline.filters.gopher_quality_filter import STOP_WORDS
from datatrove.pipeline.filters.gopher_repetition_filter import (
    find_all_duplicate,
    find_duplicates,
    find_top_duplicate,
    get_n_grams,
)
from datatrove.utils.text import PUNCTUATION_SET, TERMINAL_PUNCTUATION, split_into_sentences, split_into_words

DATA = os.path.join(os.path.dirname(__file__), "..", "crates", "quality", "tests", "data")


def fnv1a64(s: str) -> int:
    h = 0xCBF29CE484222325
    for b in s.encode("utf-8"):
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def ratio(a, b):
    return None if b == 0 else a / b


def gopher_quality_values(text):
    words = split_into_words(text)
    n_words = len(words)
    non_symbol = [w for w in words if any(ch not in PUNCTUATION_SET for ch in w)]
    lines = text.splitlines()
    return {
        "n_words": n_words,
        "n_non_symbol_words": len(non_symbol),
        "avg_word_length": float(np.mean([len(w) for w in non_symbol])) if non_symbol else None,
        "hash_ratio": ratio(text.count("#"), n_words),
        "ellipsis_ratio": ratio(text.count("...") + text.count("…"), n_words),
        "bullet_lines_ratio": ratio(sum(s.lstrip().startswith("•") or s.lstrip().startswith("-") for s in lines), len(lines)),
        "end_ellipsis_lines_ratio": ratio(sum(s.rstrip().endswith("...") or s.rstrip().endswith("…") for s in lines), len(lines)),
        "alpha_words_ratio": ratio(sum(any(c.isalpha() for c in w) for w in words), n_words),
        "stop_words": len(set(STOP_WORDS).intersection(set(words))),
    }


def gopher_repetition_values(text):
    if not text:
        return {}
    out = {}
    paragraphs = GopherRepetitionFilter().paragraph_exp.split(text.strip())
    d, c = find_duplicates(paragraphs)
    out["dup_para_frac"] = d / len(paragraphs)
    out["dup_para_char_frac"] = c / len(text)
    lines = GopherRepetitionFilter()._line_splitter.split(text)
    d, c = find_duplicates(lines)
    out["dup_line_frac"] = d / len(lines)
    out["dup_line_char_frac"] = c / len(text)
    words = split_into_words(text)
    for n in (2, 3, 4):
        grams = get_n_grams(words, n)
        out[f"top_{n}_gram_char_frac"] = find_top_duplicate(grams) / len(text) if grams else 0.0
    for n in range(5, 11):
        out[f"dup_{n}_gram_char_frac"] = find_all_duplicate(words, n) / len(text)
    return out


def fineweb_values(text):
    lines = [l for l in text.split("\n") if l.strip() != ""]
    if not lines:
        return {}
    stop_chars = tuple(TERMINAL_PUNCTUATION)
    words = split_into_words(text)
    return {
        "line_punct_ratio": sum(1 for l in lines if l.endswith(stop_chars)) / len(lines),
        "short_line_ratio": sum(1 for l in lines if len(l) <= 30) / len(lines),
        "char_dup_ratio": ratio(find_duplicates(lines)[1], len(text.replace("\n", ""))),
        "list_ratio": ratio(text.count("\n"), len(words)),
    }


def c4_paragraph_values(text):
    lines = text.split("\n")
    top = sorted((len(l) for l in lines), reverse=True)[:3]
    return {"lines": len(lines), "third_longest_line": top[2] if len(top) >= 3 else None}


def decision(res):
    if isinstance(res, tuple):
        return {"keep": bool(res[0]), "reason": res[1]}
    return {"keep": bool(res), "reason": None}


def main():
    with open(os.path.join(DATA, "badwords.txt"), encoding="utf-8") as f:
        badwords_path = f.name
    c4mod.cached_asset_path_or_download = lambda *a, **k: badwords_path
    with open(os.path.join(DATA, "url_lists.json"), encoding="utf-8") as f:
        url_lists = json.load(f)

    gq, gr, c4q, c4p, fw = (
        GopherQualityFilter(),
        GopherRepetitionFilter(),
        C4QualityFilter(),
        C4ParagraphFilter(),
        FineWebQualityFilter(),
    )
    bad = C4BadWordsFilter(default_language="en")
    urlf = URLFilter(
        use_integrated_lists=False,
        extra_domains=url_lists["domains"],
        extra_urls=url_lists["urls"],
        banned_words=url_lists["banned_words"],
        banned_subwords=url_lists["banned_subwords"],
        soft_banned_words=url_lists["soft_banned_words"],
    )

    out = []
    with open(os.path.join(DATA, "corpus.jsonl"), encoding="utf-8") as f:
        docs = [json.loads(l) for l in f]
    for d in docs:
        text = d["text"]
        words = split_into_words(text)
        rec = {
            "id": d["id"],
            "n_words": len(words),
            "words_fnv": f"{fnv1a64(chr(0).join(words)):016x}",
            "n_sentences": len(split_into_sentences(text)) if text else 0,
        }
        doc = lambda: Document(text=text, id=d["id"], metadata={"url": d["url"]})  # noqa: E731
        r = decision(gq.filter(doc()))
        r["values"] = gopher_quality_values(text)
        rec["gopher_quality"] = r
        r = decision(gr.filter(doc()))
        r["values"] = gopher_repetition_values(text)
        rec["gopher_repetition"] = r
        dd = doc()
        r = decision(c4q.filter(dd))
        if r["keep"]:
            r["text_fnv"] = f"{fnv1a64(dd.text):016x}"
            r["text_len"] = len(dd.text)
        rec["c4_quality"] = r
        r = decision(c4p.filter(doc()))
        r["values"] = c4_paragraph_values(text)
        rec["c4_paragraph"] = r
        r = decision(fw.filter(doc()))
        r["values"] = fineweb_values(text)
        rec["fineweb_quality"] = r
        rec["c4_badwords"] = decision(bad.filter(doc()))
        rec["url_filter"] = decision(urlf.filter(doc()))
        out.append(rec)
    with open(os.path.join(DATA, "goldens.jsonl"), "w", encoding="utf-8") as f:
        for rec in out:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")

    with open(os.path.join(DATA, "tricky.txt"), encoding="utf-8") as f:
        tricky = [l.rstrip("\n").replace("\\n", "\n") for l in f if l.strip() and not l.startswith("//")]
    with open(os.path.join(DATA, "tokens.jsonl"), "w", encoding="utf-8") as f:
        for t in tricky:
            f.write(json.dumps({"text": t, "words": split_into_words(t), "sentences": split_into_sentences(t)}, ensure_ascii=False) + "\n")

    for name in ("gopher_quality", "gopher_repetition", "c4_quality", "c4_paragraph", "fineweb_quality", "c4_badwords", "url_filter"):
        c = Counter(r[name]["reason"] if not r[name]["keep"] else "keep" for r in out)
        print(name, dict(c))


if __name__ == "__main__":
    main()
