#!/usr/bin/env python3
"""Decontamination golden values (and timing) for dataprep-quality from datatrove 0.10.1.

    pip install datatrove==0.10.1 spacy==3.8.18 xxhash tokenizers
    python3 tools/quality_decontam_goldens.py

Benchmarks: the passages of crates/quality/tests/data/decontam_benchmarks.jsonl (`task`,
`text`; written for this project: quiz questions, and sentences lifted from a few corpus
documents, some re-cased or re-punctuated). datatrove's NGramsDecontIndexer.compute_hashes (12-
grams, default normalisation; the indexer's lighteval loading is not needed and not used) builds
the index, written as datatrove's `<task>.index.hashes` files; NGramsDecontFilter then checks
every document of crates/quality/tests/data/corpus.jsonl. Writes
crates/quality/tests/data/decontam_goldens.jsonl: per document `id`, `contaminated` and the
`task` datatrove reports. Prints datatrove's docs/s over the corpus' English documents (the
`decontamination_en_docs` criterion group uses the first of every 6 as the benchmark there).
"""
import json
import os
import tempfile
import time
from collections import defaultdict
from types import SimpleNamespace

import numpy as np
import xxhash

import datatrove.utils.hashes.xxhash as dxx

dxx.xxhash64 = lambda s: xxhash.xxh64_intdigest(s.encode("utf-8") if isinstance(s, str) else s)

from datatrove.data import Document  # noqa: E402
from datatrove.pipeline.decont.n_grams import NGramsDecontConfig, NGramsDecontFilter, NGramsDecontIndexer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "crates", "quality", "tests", "data")


def build_index(folder, tasks):
    """tasks: list of (task, text). Writes datatrove's index files."""
    # NGramsDecontIndexer's own compute_hashes, on a stand-in `self` (its constructor insists
    # on lighteval, which only its task loading needs).
    from datatrove.utils.hashing import create_hash_func
    from datatrove.utils.typeshelper import Languages
    from datatrove.utils.word_tokenizers import load_word_tokenizer

    config = NGramsDecontConfig()
    indexer = SimpleNamespace(
        config=config,
        tokenizer=load_word_tokenizer(Languages.english),
        hash_func=create_hash_func(config.hash_config),
    )
    hashes = defaultdict(set)
    for task, text in tasks:
        hashes[task].update(NGramsDecontIndexer.compute_hashes(indexer, text))
    os.makedirs(folder, exist_ok=True)
    for task, hs in hashes.items():
        np.array(sorted(hs), dtype="<u8").tofile(os.path.join(folder, f"{task}.index.hashes"))


def run_filter(folder, docs):
    f = NGramsDecontFilter(index_folder=folder)
    out = []
    for d in docs:
        doc = Document(text=d["text"], id=d["id"])
        r = f.filter(doc)
        kept = r is True
        out.append({"id": d["id"], "contaminated": not kept, "task": doc.metadata.get("contaminated_task")})
    return out


def main():
    with open(os.path.join(DATA, "corpus.jsonl"), encoding="utf-8") as fh:
        corpus = [json.loads(line) for line in fh]
    with open(os.path.join(DATA, "decontam_benchmarks.jsonl"), encoding="utf-8") as fh:
        bench = [json.loads(line) for line in fh]
    with tempfile.TemporaryDirectory() as tmp:
        build_index(tmp, [(b["task"], b["text"]) for b in bench])
        gold = run_filter(tmp, corpus)
    with open(os.path.join(DATA, "decontam_goldens.jsonl"), "w", encoding="utf-8") as fh:
        for g in gold:
            fh.write(json.dumps(g, ensure_ascii=False) + "\n")
    print("contaminated:", sum(g["contaminated"] for g in gold), "of", len(gold))

    en = [d for d in corpus if d["lang"] == "en"]
    with tempfile.TemporaryDirectory() as tmp:
        build_index(tmp, [("bench", d["text"]) for d in en[::6]])
        best = None
        for _ in range(3):
            t0 = time.perf_counter()
            run_filter(tmp, en)
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
    print(f"datatrove NGramsDecontFilter: {len(en)} docs, best {best:.3f} s, {len(en) / best:.0f} docs/s")


if __name__ == "__main__":
    main()
