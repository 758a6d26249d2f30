#!/usr/bin/env python3
"""HF `datasets.map` with a fast tokenizer on the lines written by `cargo bench -p dataprep-text
--bench text` (target/text_bench_lines.txt, target/text_bench_tokenizer.json).

    pip install datasets tokenizers
    python3 tools/text_bench_hf.py
"""
import time

from datasets import Dataset
from tokenizers import Tokenizer

tok = Tokenizer.from_file("target/text_bench_tokenizer.json")
lines = open("target/text_bench_lines.txt", encoding="utf-8").read().split("\n")[:-1]
lines = [l + "\n" for l in lines]
ds = Dataset.from_dict({"text": lines})


def enc(batch):
    return {"tokens": [e.ids for e in tok.encode_batch(batch["text"], add_special_tokens=False)]}


best = 1e9
for _ in range(3):
    t = time.perf_counter()
    out = ds.map(enc, batched=True, batch_size=1000, load_from_cache_file=False, keep_in_memory=True)
    best = min(best, time.perf_counter() - t)
print(f"datasets.map + tokenizers encode_batch, {len(lines)} records: {best*1000:.1f} ms, {len(lines)/best:.0f} records/s")
t = time.perf_counter()
tok.encode_batch(lines, add_special_tokens=False)
print(f"tokenizers encode_batch alone: {(time.perf_counter()-t)*1000:.1f} ms")
