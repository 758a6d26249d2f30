#!/usr/bin/env python3
"""MinHash golden values for dataprep-quality from datatrove 0.10.1.

    pip install datatrove==0.10.1 spacy==3.8.18 xxhash
    python3 tools/quality_minhash_goldens.py

Reads crates/quality/tests/data/corpus.jsonl (and tricky.txt) and writes
crates/quality/tests/data/minhash_goldens.jsonl:
- one `params` line: the first 8 permutation parameters (a, b) datatrove draws for 14x8 hashes
  with seed 1, and the first 4 for 20x13 (the nemo shape);
- one line per document: FNV-1a 64 of datatrove's `simplify_text` output, the number of word
  5-gram shingles, and FNV-1a 64 of the 112-value signature joined by "," (empty when the
  document has fewer than 5 words); the full signature for the first 3 documents;
- one `simplify` line per line of tricky.txt with the simplified text itself.

xxhash >= 4 no longer hashes `str`; datatrove 0.10.1 passes `str`, which older xxhash encoded as
UTF-8, so the script encodes to UTF-8 itself.
"""
import json
import os

import xxhash

import datatrove.utils.hashes.xxhash as dxx

dxx.xxhash64 = lambda s: xxhash.xxh64_intdigest(s.encode("utf-8") if isinstance(s, str) else s)
dxx.xxhash32 = lambda s: xxhash.xxh32_intdigest(s.encode("utf-8") if isinstance(s, str) else s)

from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature  # noqa: E402
from datatrove.utils.text import simplify_text  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "crates", "quality", "tests", "data")


def fnv1a64(s: str) -> str:
    h = 0xCBF29CE484222325
    for b in s.encode("utf-8"):
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def main():
    sig = MinhashDedupSignature(output_folder="/tmp/unused_minhash", config=MinhashConfig())
    nemo = MinhashDedupSignature(
        output_folder="/tmp/unused_minhash", config=MinhashConfig(num_buckets=20, hashes_per_bucket=13)
    )
    a, b = sig.parameters
    na, nb = nemo.parameters
    out = [
        {
            "kind": "params",
            "a": [int(x) for x in a[0][:8]],
            "b": [int(x) for x in b[0][:8]],
            "nemo_a": [int(x) for x in na[0][:4]],
            "nemo_b": [int(x) for x in nb[0][:4]],
        }
    ]
    with open(os.path.join(DATA, "corpus.jsonl"), encoding="utf-8") as f:
        docs = [json.loads(line) for line in f]
    for i, d in enumerate(docs):
        text = d["text"]
        shingles = sig.get_shingles(text)
        rec = {
            "kind": "doc",
            "id": d["id"],
            "simplified": fnv1a64(simplify_text(text)),
            "n_shingles": int(shingles.size),
            "signature": "",
        }
        if shingles.size:
            flat = [int(v) for band in sig.get_signature(shingles) for v in band]
            rec["signature"] = fnv1a64(",".join(map(str, flat)))
            if i < 3:
                rec["full"] = flat
        out.append(rec)
    with open(os.path.join(DATA, "tricky.txt"), encoding="utf-8") as f:
        for line in f.read().split("\n"):
            out.append({"kind": "simplify", "text": line, "simplified": simplify_text(line)})
    with open(os.path.join(DATA, "minhash_goldens.jsonl"), "w", encoding="utf-8") as f:
        for r in out:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
