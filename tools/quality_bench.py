#!/usr/bin/env python3
"""Reference timings for docs/performance.md (dataprep-quality), one process, one core.

    pip install datatrove==0.10.1 spacy==3.8.18 tokenizers xxhash datasketch==2.0.0 rensa==0.5.0
    python3 tools/quality_bench.py

Same documents as `cargo bench -p dataprep-quality --bench quality`: the 237 English documents of
crates/quality/tests/data/corpus.jsonl. Prints docs/s for datatrove's four filters (their own
`filter()`), datatrove's MinHash signature (shingling included), and datasketch / rensa MinHash
with 112 permutations + LSH with 14 bands x 8 rows over the same word 5-gram shingles
(precomputed with datatrove's shingling, so their time excludes normalisation and tokenization).
Both libraries run single-threaded here. The Rust rows to compare them with are
`dedup_en_docs/minhash_lsh_given_shingle_bytes_{datatrove,fast32}` (the same shingles, hashed,
signed and inserted into fresh LSH buckets inside the timing).
"""
import json
import os
import time

import xxhash

import datatrove.utils.hashes.xxhash as dxx

dxx.xxhash64 = lambda s: xxhash.xxh64_intdigest(s.encode("utf-8") if isinstance(s, str) else s)

from datatrove.data import Document  # noqa: E402
from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature  # noqa: E402
from datatrove.pipeline.filters import (  # noqa: E402
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
)
from datatrove.utils.text import ngrams, simplify_text  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def best_of(fn, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main():
    only_minhash = os.environ.get("ONLY_MINHASH") == "1"
    with open(os.path.join(HERE, "..", "crates", "quality", "tests", "data", "corpus.jsonl"), encoding="utf-8") as f:
        texts = [d["text"] for d in map(json.loads, f) if d["lang"] == "en"]
    n = len(texts)
    print(f"{n} English documents")
    filters = {
        "gopher_quality": GopherQualityFilter(),
        "gopher_repetition": GopherRepetitionFilter(),
        "c4_quality": C4QualityFilter(),
        "fineweb_quality": FineWebQualityFilter(),
    }
    if only_minhash:
        filters = {}
    for f in list(filters.values())[:1]:  # warm up (spaCy load)
        f.filter(Document(text=texts[0], id="0"))
    total = 0.0
    for name, f in filters.items():
        t = best_of(lambda: [f.filter(Document(text=x, id=str(i))) for i, x in enumerate(texts)])
        total += t
        print(f"datatrove {name}: {n / t:.0f} docs/s")
    if total:
        print(f"datatrove all four: {n / total:.0f} docs/s")

    sig = MinhashDedupSignature(output_folder="/tmp/unused_minhash", config=MinhashConfig())
    def signatures():
        for x in texts:
            sh = sig.get_shingles(x)
            if sh.size:  # as MinhashDedupSignature.run: no signature without shingles
                sig.get_signature(sh)

    t = best_of(signatures)
    print(f"datatrove minhash signature (5-gram words, 14x8): {n / t:.0f} docs/s")

    tok = sig.word_tokenizer
    shingles = [[" ".join(g).encode() for g in ngrams(tok.word_tokenize(simplify_text(x)), 5)] for x in texts]

    from datasketch import MinHash, MinHashLSH

    def ds():
        lsh = MinHashLSH(threshold=0.72, num_perm=112, params=(14, 8))
        for i, s in enumerate(shingles):
            m = MinHash(num_perm=112, seed=1)
            m.update_batch(s)
            lsh.insert(str(i), m)

    t = best_of(ds)
    print(f"datasketch MinHash(112) + MinHashLSH(14x8), shingles given: {n / t:.0f} docs/s")

    import rensa

    def rs():
        lsh = rensa.RMinHashLSH(threshold=0.72, num_perm=112, num_bands=14)
        for i, s in enumerate(shingles):
            m = rensa.RMinHash(num_perm=112, seed=1)
            m.update(s)
            lsh.insert(i, m)

    t = best_of(rs)
    print(f"rensa RMinHash(112) + RMinHashLSH(14 bands), shingles given: {n / t:.0f} docs/s")


if __name__ == "__main__":
    main()
