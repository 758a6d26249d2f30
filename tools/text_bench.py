#!/usr/bin/env python3
"""Python side of the dataprep-text benchmarks (docs/performance.md, section dataprep-text).

    pip install lingua-language-detector
    python3 tools/text_bench.py

Builds the same corpus as crates/text/benches/text.rs and prints NFKC MB/s
(unicodedata.normalize) and language-ID docs/s and accuracy (lingua, high-accuracy mode,
restricted to the 12 labelled languages) on crates/text/tests/data/langid_labelled.tsv.
"""
import time
import unicodedata

rows = [l.rstrip("\n").split("\t", 1) for l in open("crates/text/tests/data/langid_labelled.tsv", encoding="utf-8")]
texts = [t for _, t in rows]
corpus = "".join(f"{texts[i % len(texts)]} ｆｕｌｌｗｉｄｔｈ ﬁ ① café {i}\n" for i in range(100_000))
mb = len(corpus.encode("utf-8")) / 1e6

best = 1e9
for _ in range(5):
    t = time.perf_counter()
    out = unicodedata.normalize("NFKC", corpus)
    best = min(best, time.perf_counter() - t)
print(f"NFKC unicodedata: {mb:.1f} MB in {best*1000:.1f} ms = {mb/best:.0f} MB/s")
lines = corpus.splitlines()
t = time.perf_counter()
for l in lines:
    unicodedata.normalize("NFKC", l)
dt = time.perf_counter() - t
print(f"NFKC unicodedata per line: {mb/dt:.0f} MB/s")

try:
    from lingua import Language, LanguageDetectorBuilder
except ImportError:
    print("lingua not installed: pip install lingua-language-detector")
    raise SystemExit(0)
codes = {"eng": Language.ENGLISH, "deu": Language.GERMAN, "fra": Language.FRENCH, "spa": Language.SPANISH,
         "ita": Language.ITALIAN, "por": Language.PORTUGUESE, "nld": Language.DUTCH, "rus": Language.RUSSIAN,
         "pol": Language.POLISH, "tur": Language.TURKISH, "jpn": Language.JAPANESE, "cmn": Language.CHINESE}
back = {v: k for k, v in codes.items()}
for name, builder in [
    ("lingua 12 languages", LanguageDetectorBuilder.from_languages(*codes.values())),
    ("lingua all languages", LanguageDetectorBuilder.from_all_languages()),
]:
    det = builder.with_preloaded_language_models().build()
    reps = 20
    t = time.perf_counter()
    for _ in range(reps):
        ok = sum(1 for lab, text in rows if back.get(det.detect_language_of(text)) == lab)
    dt = time.perf_counter() - t
    print(f"{name}: accuracy {ok}/{len(rows)}, {reps*len(rows)/dt:.0f} docs/s")
