#!/usr/bin/env python3
"""Span-dedup golden values for dataprep-quality from datatrove 0.10.1's sentence dedup.

    pip install datatrove==0.10.1 spacy==3.8.18 xxhash
    python3 tools/quality_span_corpus.py   # (re)builds the corpus
    python3 tools/quality_span_goldens.py

Runs datatrove's three steps (SentenceDedupSignature -> SentenceFindDedups -> SentenceDedupFilter)
with the default SentDedupConfig (3 sentences, min_doc_words 50, min_num_sentences 3, XXH64) and
the default English word tokenizer (spaCy blank "en" + sentencizer; nothing is downloaded) on
crates/quality/tests/data/span_corpus.jsonl, as one input file (rank 0 of 1), and writes
crates/quality/tests/data/span_goldens.jsonl: per document `mode`, `id`, `kept` and, when kept,
the output `text`.

Two modes:
- `within`: all documents, no index (spans repeated inside the corpus are removed from all but
  their first occurrence);
- `index`: SentenceDedupBuildIndex over the first 20 documents, then the other documents deduped
  against that index only (only_dedup_in_index=True);
- `lines`: all documents, spans of 3 lines instead of sentences (split_sentences=False).

xxhash >= 4 no longer hashes `str`; datatrove 0.10.1 passes `str`, which older xxhash encoded as
UTF-8, so the script encodes to UTF-8 itself.
"""
import json
import os
import tempfile

import xxhash

import datatrove.utils.hashes.xxhash as dxx

dxx.xxhash64 = lambda s: xxhash.xxh64_intdigest(s.encode("utf-8") if isinstance(s, str) else s)
dxx.xxhash32 = lambda s: xxhash.xxh32_intdigest(s.encode("utf-8") if isinstance(s, str) else s)

from datatrove.data import Document  # noqa: E402
from datatrove.pipeline.dedup.sentence_dedup import (  # noqa: E402
    SentDedupConfig,
    SentenceDedupBuildIndex,
    SentenceDedupFilter,
    SentenceDedupSignature,
    SentenceFindDedups,
)

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "crates", "quality", "tests", "data")
INDEXED = 20


def docs_of(rows):
    return [Document(text=r["text"], id=r["id"]) for r in rows]


def run(rows, tmp, index_rows=None, config=None):
    config = config or SentDedupConfig()
    sigs, dups, index = (os.path.join(tmp, x) for x in ("sigs", "dups", "index"))
    index_folder = None
    if index_rows is not None:
        isigs = os.path.join(tmp, "index_sigs")
        SentenceDedupSignature(output_folder=isigs, config=config).run(iter(docs_of(index_rows)), rank=0)
        SentenceDedupBuildIndex(data_folder=isigs, output_folder=index, index_name="base", config=config).run()
        index_folder = index
    SentenceDedupSignature(output_folder=sigs, config=config).run(iter(docs_of(rows)), rank=0)
    SentenceFindDedups(data_folder=sigs, output_folder=dups, index_folder=index_folder, config=config).run(rank=0)
    kept = {
        d.id: d.text
        for d in SentenceDedupFilter(data_folder=dups, config=config).run(iter(docs_of(rows)), rank=0)
    }
    return kept


def main():
    with open(os.path.join(DATA, "span_corpus.jsonl"), encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    out = []
    for mode in ("within", "index", "lines"):
        with tempfile.TemporaryDirectory() as tmp:
            if mode == "within":
                subset, kept = rows, run(rows, tmp)
            elif mode == "lines":
                subset, kept = rows, run(rows, tmp, config=SentDedupConfig(split_sentences=False))
            else:
                subset = rows[INDEXED:]
                kept = run(subset, tmp, index_rows=rows[:INDEXED])
        for r in subset:
            g = {"mode": mode, "id": r["id"], "kept": r["id"] in kept}
            if g["kept"]:
                g["text"] = kept[r["id"]]
                g["edited"] = kept[r["id"]] != r["text"]
            out.append(g)
    with open(os.path.join(DATA, "span_goldens.jsonl"), "w", encoding="utf-8") as f:
        for g in out:
            f.write(json.dumps(g, ensure_ascii=False) + "\n")
    for mode in ("within", "index", "lines"):
        gs = [g for g in out if g["mode"] == mode]
        print(
            mode,
            len(gs),
            "kept",
            sum(g["kept"] and not g["edited"] for g in gs),
            "edited",
            sum(g["kept"] and g["edited"] for g in gs),
            "dropped",
            sum(not g["kept"] for g in gs),
        )


if __name__ == "__main__":
    main()
