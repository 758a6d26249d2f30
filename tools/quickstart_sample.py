#!/usr/bin/env python3
"""Builds examples/data/quickstart.jsonl: the hand-written short documents (kept as they are)
followed by longer English documents adapted from crates/quality/tests/data/corpus.jsonl (written
for this project, MIT OR Apache-2.0), chosen so that every quickstart stage has something to do.

Run from the repository root: python3 tools/quickstart_sample.py (standard library only).
"""
import json

OUT = "examples/data/quickstart.jsonl"
CORPUS = "crates/quality/tests/data/corpus.jsonl"
SOURCE = "quality-corpus"

# (corpus id, what the quickstart does with it under datatrove's English defaults)
PICKS = [
    ("en-article-lighthouse.orig", "kept"),
    ("en-news-council.orig", "kept"),
    ("en-blog-bread.orig", "kept"),
    ("en-wiki-river.orig", "kept"),
    ("en-forum-laptop.orig", "kept"),
    ("en-history-canal.orig", "kept"),
    ("en-letter-neighbour.orig", "kept, PII redacted"),
    ("en-faq-library.orig", "kept"),
    ("en-story-fox.orig", "kept"),
    ("en-howto-bike.orig", "kept"),
    ("en-terms.orig", "kept"),
    ("en-chat-support.orig", "kept"),
    ("en-article-lighthouse.bullets", "gopher_quality: gopher_too_many_bullets"),
    ("en-news-council.hashes", "gopher_quality: gopher_too_many_hashes"),
    ("en-news-council.duplines", "gopher_repetition: dup_line_frac"),
    ("en-chat-support.ngram", "gopher_repetition: duplicated_6_n_grams"),
    ("en-news-council.cut50", "c4_quality: too_few_sentences"),
    ("en-howto-bike.c4edit", "c4_quality: lorem_ipsum"),
    ("en-letter-neighbour.c4edit", "c4_quality: curly_bracket"),
    ("en-blog-bread.shortlines", "fineweb_quality: short_line_ratio (after C4's line removal)"),
    ("en-story-fox.dupparas", "fineweb_quality: char_dup_ratio"),
    ("en-wiki-river.dupparas", "exact_dedup: C4's edit leaves en-wiki-river.orig's text"),
    ("en-history-canal.hashes", "exact_dedup: the same words as en-history-canal.orig"),
    ("en-news-council.endellipsis", "near_dedup (of en-news-council.orig)"),
]

PII = (
    "If anything comes up while we are away, you can e-mail me at joan.whitfield@example.com "
    "or ring me on +44 20 7946 0958."
)


def main():
    with open(OUT, encoding="utf-8") as f:
        own = [l.rstrip("\n") for l in f if f'"source": "{SOURCE}"' not in l]
    corpus = {}
    with open(CORPUS, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            corpus[d["id"]] = d
    out = list(own)
    n = 100
    for cid, _ in PICKS:
        d = corpus[cid]
        text = d["text"]
        if cid == "en-letter-neighbour.orig":
            text = text.replace("\n\nWith best wishes,", " " + PII + "\n\nWith best wishes,")
        rec = {"id": f"doc-{n:03d}", "text": text, "url": d["url"], "source": SOURCE, "origin": cid}
        out.append(json.dumps(rec, ensure_ascii=False))
        n += 1
    # An exact copy of a kept document with untidy whitespace: dropped by exact_dedup.
    d = corpus["en-story-fox.orig"]
    rec = {
        "id": f"doc-{n:03d}",
        "text": "  " + d["text"].replace(". ", ".   ").replace("\n\n", " \n\n\n") + "\n",
        "url": d["url"],
        "source": SOURCE,
        "origin": "en-story-fox.orig (whitespace changed)",
    }
    out.append(json.dumps(rec, ensure_ascii=False))
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
