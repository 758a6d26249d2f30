#!/usr/bin/env python3
"""Golden ids for the fast byte-level BPE path of dataprep-text, from Hugging Face `tokenizers`
(the Python wheel, which pre-tokenizes with Oniguruma).

Trains a GPT-2-style byte-level BPE on crates/text/tests/data/multilingual.txt, adds plain
(normalized) tokens next to the special one, and writes
  crates/text/tests/data/bpe_gpt2like.json          the tokenizer
  crates/text/tests/data/bpe_gpt2like_goldens.json  {"tokenizers": version, "cases": [{text, ids}]}
with `encode(text, add_special_tokens=False).ids` for every line of the text (newline kept),
the whole text, and a few edge strings; and
  crates/text/tests/data/onig_gpt2_classes.txt      the class Oniguruma gives every code point
in the GPT-2 pattern, as ranges `first last L|N|S` (hex; code points not listed are "other"):
found by which run it joins in the wheel's ByteLevel pre-tokenizer ("a"+c one piece: L;
"1"+c: N; "."+c: other; else whitespace).

    pip install tokenizers==0.23.3
    python3 tools/fast_bpe_goldens.py
"""
import json
import pathlib

import tokenizers
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

data = pathlib.Path(__file__).resolve().parent.parent / "crates/text/tests/data"
text = (data / "multilingual.txt").read_text(encoding="utf-8")
lines = text.splitlines(keepends=True)

tok = Tokenizer(models.BPE())
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tok.decoder = decoders.ByteLevel()
tok.post_processor = processors.ByteLevel(trim_offsets=False)
trainer = trainers.BpeTrainer(
    vocab_size=800,
    min_frequency=1,
    special_tokens=[AddedToken("<|endoftext|>", special=True, normalized=False)],
    initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    show_progress=False,
)
tok.train_from_iterator(lines * 3, trainer=trainer)
tok.add_tokens([AddedToken("hello", normalized=True), AddedToken("[X]", normalized=True)])
tok.add_special_tokens([AddedToken("<pad>", special=True, normalized=False)])
tok.save(str(data / "bpe_gpt2like.json"), pretty=True)

edge = [
    "",
    " ",
    "<|endoftext|>hello<pad>[X]",
    "a<|endoftext|> b <pad>\n",
    "'s'S''s 're 'll 'd 'm 't 've",
    "  \t\n\u00a0\u3000\u2028\u0085x  ",
    "٣٤ ١٢ ०१ ๑๒ Ⅻ ½ 𝟎",
    "e\u0301\u0301 👨\u200d👩\u200d👧 🇫🇷",
]
cases = [{"text": t, "ids": tok.encode(t, add_special_tokens=False).ids} for t in lines + [text] + edge]
out = {"tokenizers": tokenizers.__version__, "cases": cases}
(data / "bpe_gpt2like_goldens.json").write_text(json.dumps(out, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
print(f"{len(cases)} cases, tokenizers {tokenizers.__version__}")

bl = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
ranges = []
for cp in range(0x110000):
    if 0xD800 <= cp <= 0xDFFF:
        continue
    c = chr(cp)
    if len(bl.pre_tokenize_str("a" + c)) == 1:
        k = "L"
    elif len(bl.pre_tokenize_str("1" + c)) == 1:
        k = "N"
    elif len(bl.pre_tokenize_str("." + c)) == 1:
        continue
    else:
        k = "S"
    if ranges and ranges[-1][2] == k and ranges[-1][1] == cp - 1:
        ranges[-1][1] = cp
    else:
        ranges.append([cp, cp, k])
with open(data / "onig_gpt2_classes.txt", "w", encoding="ascii") as f:
    f.write(f"# tokenizers {tokenizers.__version__} (Oniguruma): GPT-2 pattern classes, first last class (hex)\n")
    for a, b, k in ranges:
        f.write(f"{a:x} {b:x} {k}\n")
print(f"{len(ranges)} class ranges")
