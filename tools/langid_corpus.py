#!/usr/bin/env python3
"""Builds crates/text/tests/data/langid_real.jsonl: real multilingual documents for the
language-ID agreement test (see crates/text/tests/data/langid_real.md for provenance/licences).

Source: the manual pages of Debian 12 packages (nothing is downloaded at test time). Install
them first (as root):

    apt-get install --no-install-recommends manpages manpages-de manpages-fr manpages-es \
      manpages-it manpages-pl manpages-nl manpages-pt-br manpages-ru manpages-tr manpages-ja \
      manpages-zh manpages-cs manpages-sv manpages-uk manpages-ro manpages-hu manpages-da \
      manpages-fi manpages-vi manpages-id

Each document is the description section (the top-level section after the header line, NAME
and SYNOPSIS, whatever their translated titles) of one page, rendered with `man -E UTF-8 -l` at 100 columns,
paragraphs re-flowed and joined by blank lines, cut at a paragraph (else word) boundary to
200–900 characters. PER_LANG pages per language are taken evenly spaced from the package's
sorted page list (then the pages in between), skipping pages with too little text. The label is the package's language —
manpages-l10n leaves untranslated paragraphs in English, so labels are not ground truth; the
test measures agreement with lingua, not accuracy. Deterministic for a given package set.

    python3 tools/langid_corpus.py   # rewrites the JSONL, prints counts
"""
import json
import os
import re
import subprocess

PER_LANG = 14
MIN_CHARS, MAX_CHARS = 200, 900
# ISO 639-3 (whatlang's codes) → Debian package, manual directory
LANGS = [
    ("eng", "manpages", ""),
    ("deu", "manpages-de", "de"),
    ("fra", "manpages-fr", "fr"),
    ("spa", "manpages-es", "es"),
    ("ita", "manpages-it", "it"),
    ("por", "manpages-pt-br", "pt_BR"),
    ("nld", "manpages-nl", "nl"),
    ("rus", "manpages-ru", "ru"),
    ("pol", "manpages-pl", "pl"),
    ("tur", "manpages-tr", "tr"),
    ("jpn", "manpages-ja", "ja"),
    ("cmn", "manpages-zh", "zh_CN"),
    ("ces", "manpages-cs", "cs"),
    ("swe", "manpages-sv", "sv"),
    ("ukr", "manpages-uk", "uk"),
    ("ron", "manpages-ro", "ro"),
    ("hun", "manpages-hu", "hu"),
    ("dan", "manpages-da", "da"),
    ("fin", "manpages-fi", "fi"),
    ("vie", "manpages-vi", "vi"),
    ("ind", "manpages-id", "id"),
]
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "text", "tests",
                   "data", "langid_real.jsonl")


def pages(pkg, d):
    files = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True, check=True).stdout
    prefix = "/usr/share/man/" + (d + "/" if d else "")
    out = []
    for f in files.split("\n"):
        if f.startswith(prefix) and re.search(r"/man[1-8]/[^/]+\.gz$", f) and not os.path.islink(f):
            if d or f.count("/") == 5:  # English: /usr/share/man/manN/x.gz only
                out.append(f)
    return sorted(out)


def render(path):
    env = dict(os.environ, MANWIDTH="100", LANG="C.UTF-8", MAN_KEEP_FORMATTING="")
    r = subprocess.run(["man", "-E", "UTF-8", "-l", path], capture_output=True, env=env)
    col = subprocess.run(["col", "-bx"], input=r.stdout, capture_output=True)
    return col.stdout.decode("utf-8", "replace")


def description(page):
    sections, cur = [], None
    for line in page.split("\n"):
        if line and not line[0].isspace():
            cur = []
            sections.append(cur)
        elif cur is not None:
            cur.append(line.strip())
    # skip the header line, NAME and SYNOPSIS; the footer line is a section with no body
    body = [s for s in sections[3:] if any(s)]
    if not body:
        return ""
    paras, p = [], []
    for line in body[0] + [""]:
        if line:
            p.append(line)
        elif p:
            joined = re.sub(r"(\w)[-\u2010] (\w)", r"\1\2", " ".join(p))  # hyphenation
            paras.append(re.sub(r"[ \t]+", " ", joined))  # justification spaces
            p = []
    return paras


def document(paras):
    text = ""
    for p in paras:
        cand = p if not text else text + "\n\n" + p
        if len(cand) > MAX_CHARS:
            if not text:
                cut = cand[:MAX_CHARS]
                text = cut[: cut.rfind(" ")] if " " in cut[MAX_CHARS // 2:] else cut
            break
        text = cand
    return text if len(text) >= MIN_CHARS else ""


def main():
    rows = []
    for code, pkg, d in LANGS:
        files = pages(pkg, d)
        step = max(1, len(files) // (PER_LANG * 3))
        taken = 0
        for f in files[::step] + [f for i, f in enumerate(files) if i % step]:
            text = document(description(render(f)))
            if not text:
                continue
            rows.append({"lang": code, "source": f"{pkg}:{os.path.basename(f)[:-3]}", "text": text})
            taken += 1
            if taken == PER_LANG:
                break
        print(code, pkg, len(files), "pages,", taken, "documents")
    with open(OUT, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(len(rows), "documents,", os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
