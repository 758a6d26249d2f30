#!/usr/bin/env python3
"""datatrove 0.10.1 sentence dedup timing, the reference side of the `span_dedup` criterion group
(crates/quality/benches/quality.rs) on the same documents: the 78 documents of
crates/quality/tests/data/span_corpus.jsonl repeated 13 times, each copy with its own first
sentence ("Copy {k} of document {i} starts here. ").

    pip install datatrove==0.10.1 spacy==3.8.18 xxhash tokenizers
    python3 tools/quality_span_bench.py

Runs SentenceDedupSignature -> SentenceFindDedups -> SentenceDedupFilter (one process, rank 0 of
1, local temporary folders) a few times and prints the best docs/s.
"""
import json
import os
import tempfile
import time

import xxhash

import datatrove.utils.hashes.xxhash as dxx

dxx.xxhash64 = lambda s: xxhash.xxh64_intdigest(s.encode("utf-8") if isinstance(s, str) else s)

from datatrove.data import Document  # noqa: E402
from datatrove.pipeline.dedup.sentence_dedup import (  # noqa: E402
    SentDedupConfig,
    SentenceDedupFilter,
    SentenceDedupSignature,
    SentenceFindDedups,
)

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "crates", "quality", "tests", "data")


def main():
    with open(os.path.join(DATA, "span_corpus.jsonl"), encoding="utf-8") as f:
        base = [json.loads(line)["text"] for line in f]
    texts = [f"Copy {k} of document {i} starts here. {t}" for k in range(13) for i, t in enumerate(base)]
    config = SentDedupConfig()
    best = None
    for _ in range(3):
        with tempfile.TemporaryDirectory() as tmp:
            docs = [Document(text=t, id=str(i)) for i, t in enumerate(texts)]
            t0 = time.perf_counter()
            SentenceDedupSignature(output_folder=f"{tmp}/sigs", config=config).run(iter(docs), rank=0)
            SentenceFindDedups(data_folder=f"{tmp}/sigs", output_folder=f"{tmp}/dups", config=config).run(rank=0)
            kept = sum(1 for _ in SentenceDedupFilter(data_folder=f"{tmp}/dups", config=config).run(iter(docs), rank=0))
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
    print(f"datatrove sentence dedup: {len(texts)} docs, kept {kept}, best {best:.3f} s, {len(texts) / best:.0f} docs/s")


if __name__ == "__main__":
    main()
