#!/usr/bin/env python3
"""Builds crates/quality/tests/data/corpus.jsonl, the parity corpus of dataprep-quality.

    python3 tools/quality_corpus.py            # needs datatrove==0.10.1 + spacy (for word counts)

The base documents (tools/quality_corpus_base.py) were written for this project in 17 languages
and many web genres. From each, seeded variants are derived that sit near the thresholds of the
datatrove filters: documents cut to about 50 words, lines and paragraphs duplicated up to about
30 %, hashtags and ellipses added up to a ratio of about 0.1, bullets, lines ending in ellipses,
numbers replacing words (alpha ratio near 0.8), stop words removed, lines broken short (FineWeb's
short-line and newline ratios), terminal punctuation removed (line-punctuation ratio), C4's
JavaScript/policy/curly-bracket/lorem-ipsum triggers, citations, long words, repeated n-grams,
and a few degenerate documents (empty, whitespace, one word, control characters).
Every document carries a `url` for the URL filter. Output: one JSON object per line
`{"id", "lang", "variant", "url", "text"}`, deterministic (seeded).
"""
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))
from quality_corpus_base import BASE  # noqa: E402

from datatrove.utils.text import PUNCTUATION_SET, split_into_words  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "quality", "tests", "data", "corpus.jsonl")
rng = random.Random(20261125)

STOP = ["the", "be", "to", "of", "and", "that", "have", "with"]


def n_nonsym(text):
    return sum(1 for w in split_into_words(text) if any(c not in PUNCTUATION_SET for c in w))


def cut_to_words(text, target):
    """The shortest prefix of `text` (cut at whitespace) with `target` non-symbol words."""
    cuts = [i for i, c in enumerate(text) if c.isspace()] + [len(text)]
    lo, hi = 0, len(cuts) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if n_nonsym(text[: cuts[mid]]) >= target:
            hi = mid
        else:
            lo = mid + 1
    return text[: cuts[lo]].rstrip()


def lines_of(text):
    return text.split("\n")


def dup_lines(text, frac):
    lines = [l for l in lines_of(text)]
    nonempty = [l for l in lines if l.strip()]
    if not nonempty:
        return text
    k = max(1, int(round(len(lines) * frac / (1 - frac))))
    for _ in range(k):
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(nonempty))
    return "\n".join(lines)


def dup_paragraphs(text, frac):
    paras = [p for p in text.split("\n\n") if p.strip()]
    if not paras:
        return text
    k = max(1, int(round(len(paras) * frac / (1 - frac))))
    for _ in range(k):
        paras.insert(rng.randrange(len(paras) + 1), rng.choice(paras))
    return "\n\n".join(paras)


def add_symbols(text, sym, ratio):
    words = text.split(" ")
    n = len(split_into_words(text))
    k = max(1, int(n * ratio))
    for _ in range(k):
        i = rng.randrange(len(words))
        if sym == "#":
            words[i] = "#" + words[i]
        else:
            words[i] = words[i] + sym
    return " ".join(words)


def bullets(text, frac):
    lines = lines_of(text)
    out = []
    for l in lines:
        if rng.random() < frac:
            out.append(rng.choice(["- ", "• ", "  - ", "-"]) + l)
        else:
            out.append(l)
    return "\n".join(out)


def end_ellipsis(text, frac):
    lines = lines_of(text)
    return "\n".join(
        (l.rstrip(".!?") + rng.choice(["...", "…", "... "])) if l.strip() and rng.random() < frac else l for l in lines
    )


def numbers(text, frac):
    words = text.split(" ")
    return " ".join(str(rng.randrange(1, 10**rng.randrange(1, 6))) if rng.random() < frac else w for w in words)


def drop_stop_words(text, keep):
    words = text.split(" ")
    kept = set(rng.sample(STOP, keep))
    return " ".join(w for w in words if not (w in STOP and w not in kept))


def short_lines(text, words_per_line):
    words = text.split()
    out, i = [], 0
    while i < len(words):
        k = max(1, int(rng.gauss(words_per_line, 1.0)))
        out.append(" ".join(words[i : i + k]))
        i += k
    return "\n".join(out)


def strip_terminal(text, frac):
    lines = lines_of(text)
    return "\n".join(l.rstrip(".!?\"'") if rng.random() < frac else l for l in lines)


def repeat_phrase(text, n_words, times):
    words = text.split()
    if len(words) < n_words + 1:
        return text
    i = rng.randrange(len(words) - n_words)
    phrase = " ".join(words[i : i + n_words])
    paras = text.split("\n\n")
    for _ in range(times):
        j = rng.randrange(len(paras))
        paras[j] = paras[j] + " " + phrase
    return "\n\n".join(paras)


def c4_edit(text, kind):
    lines = lines_of(text)
    i = rng.randrange(len(lines) + 1)
    extra = {
        "javascript": "Please enable JavaScript to view the comments powered by our partner.",
        "policy": "By using this site you agree to our privacy policy and our use of cookies.",
        "curly": "The settings are stored as {\"theme\": \"dark\"} in the profile file.",
        "lorem": "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
        "citation": "This claim has been disputed by several historians.[3][citation needed]",
        "longword": "The identifier was " + "x" * 1001 + " according to the log.",
        "noterminal": "Read more about this topic in our archive",
        "ellipsis": "And then the story continued in the next issue...",
    }[kind]
    lines.insert(i, extra)
    return "\n".join(lines)


def c4_sentences(text, n_lines):
    lines = [l for l in lines_of(text) if l.strip()]
    return "\n".join(lines[:n_lines])


def c4_paragraph(text, target):
    # three lines around `target` characters each
    flat = " ".join(text.split())
    out = []
    pos = 0
    for _ in range(3):
        n = target + rng.randrange(-6, 7)
        out.append(flat[pos : pos + n])
        pos += n
    return "\n".join(out)


def url_for(doc_id, k):
    hosts = [
        "example.org", "news.example.com", "blog.example.net", "shop.example.co.uk", "forum.example.de",
        "casino-bonus.example.com", "www.spam-example.biz", "cheap-pills.example.info", "example.blogspot.com",
        "adult.example.xxx", "sub.tracker.example.org", "wiki.example.org",
    ]
    host = hosts[k % len(hosts)]
    path = doc_id.replace("-", "/")
    extras = ["", "?ref=home", "#top", "/index.html", "/free-casino-bonus", "/porn-videos", "/sex-tips"]
    return f"https://{host}/{path}{extras[k % len(extras)]}"


VARIANTS = [
    ("orig", lambda t: t),
    ("cut50", lambda t: cut_to_words(t, rng.choice([48, 49, 50, 51, 52]))),
    ("duplines", lambda t: dup_lines(t, rng.uniform(0.15, 0.45))),
    ("dupparas", lambda t: dup_paragraphs(t, rng.uniform(0.15, 0.45))),
    ("hashes", lambda t: add_symbols(t, "#", rng.uniform(0.07, 0.13))),
    ("ellipses", lambda t: add_symbols(t, rng.choice(["...", "…"]), rng.uniform(0.07, 0.13))),
    ("bullets", lambda t: bullets(t, rng.uniform(0.8, 1.0))),
    ("endellipsis", lambda t: end_ellipsis(t, rng.uniform(0.2, 0.45))),
    ("numbers", lambda t: numbers(t, rng.uniform(0.12, 0.28))),
    ("stopwords", lambda t: drop_stop_words(cut_to_words(t, rng.choice([55, 70])), rng.choice([0, 1, 2]))),
    ("shortlines", lambda t: short_lines(t, rng.uniform(2.5, 6.0))),
    ("noterminal", lambda t: strip_terminal(t, rng.uniform(0.75, 0.95))),
    ("ngram", lambda t: repeat_phrase(t, rng.choice([2, 3, 4, 5, 7, 10]), rng.choice([3, 6, 10, 16]))),
    ("c4edit", lambda t: c4_edit(t, rng.choice(["javascript", "policy", "curly", "lorem", "citation", "longword", "noterminal", "ellipsis"]))),
    ("c4few", lambda t: c4_sentences(t, rng.choice([2, 3, 4, 5, 6]))),
    ("c4para", lambda t: c4_paragraph(t, rng.choice([195, 200, 205]))),
]

DEGENERATE = [
    ("empty", ""),
    ("spaces", "   \n\n \t "),
    ("oneword", "Hello"),
    ("newlines", "a\nb\nc\nd\ne\nf\ng"),
    ("controls", "Text with\x00control\x01 characters\x1f and a\x0cform feed. " * 12),
    ("nbsp", "Words\u00a0separated\u00a0by\u00a0no-break\u00a0spaces and the thin\u2009space too. " * 10),
    ("crlf", "First line of the page.\r\nSecond line of the page.\r\n\r\nThird, after a blank line.\r\n" * 6),
    ("bad1", "This darn printer jammed again, and the heckler said heck, what a bloody mess. " * 4),
    ("bad2", "Crapshoot and heckle and bloodybrilliant are fine words; casino_royale is a name. " * 4),
    ("bad3", "DARN IT, the CASINO was closed and the cheap flights were gone!!! Bloody-minded people. " * 3),
    ("bad4", "Dang it! Viagra-like spam, xxx-rated offers, and crap... " * 4),
    ("emoji", "Great day at the beach 🌊☀️🏖️! We swam, ate ice cream 🍦 and watched the sunset 🌅. " * 8),
]


def main():
    docs = []
    for b in BASE:
        for vi, (name, fn) in enumerate(VARIANTS):
            # every base gets the original; other variants are sampled to keep the corpus small
            if name != "orig" and rng.random() > 0.5:
                continue
            text = fn(b["text"])
            did = f"{b['id']}.{name}"
            docs.append(dict(id=did, lang=b["lang"], variant=name, url=url_for(did, len(docs)), text=text))
    for name, text in DEGENERATE:
        did = f"degenerate.{name}"
        docs.append(dict(id=did, lang="en", variant=name, url=url_for(did, len(docs)), text=text))
    with open(OUT, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    print(f"{len(docs)} documents -> {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
