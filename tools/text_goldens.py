#!/usr/bin/env python3
"""Golden values for dataprep-text normalisation, computed by the reference library ftfy.

Writes crates/text/tests/data/ftfy_goldens.json. Run from the workspace root:

    pip install ftfy==6.3.1
    python3 tools/text_goldens.py

The tests read the committed JSON and never need Python.
"""
import json
import unicodedata

import ftfy


def sloppy_cp1252(data: bytes) -> str:
    """Decode like ftfy's 'sloppy-windows-1252': cp1252, undefined bytes as Latin-1."""
    out = []
    for b in data:
        try:
            out.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(b))
    return "".join(out)


CLEAN = [
    "café",
    "naïve résumé",
    "Thé “quoted” text — with dashes…",
    "Grüße aus Köln, schöne Straße",
    "¿Dónde está el niño?",
    "Ça va très bien, à bientôt",
    "привет, мир",
    "Γειά σου κόσμε",
    "日本語のテキスト",
    "emoji 😀 and 👍",
    "It’s a “test” – OK",
    "São Paulo é ótimo",
    "Zürich – Genève",
    "€100 or £80 or ¥9000",
    "Ångström and Øresund",
    "łódź żółć",
]

cases = []
for text in CLEAN:
    raw = text.encode("utf-8")
    for name, bad in (("cp1252", sloppy_cp1252(raw)), ("latin1", raw.decode("latin-1"))):
        cases.append(
            {
                "input": bad,
                "mangled_as": name,
                "fix_encoding": ftfy.fix_encoding(bad),
                "fix_text": ftfy.fix_text(bad),
            }
        )
    # Clean text must pass through.
    cases.append(
        {
            "input": text,
            "mangled_as": "none",
            "fix_encoding": ftfy.fix_encoding(text),
            "fix_text": ftfy.fix_text(text),
        }
    )

# Mojibake embedded in otherwise good text (ftfy decode_inconsistent_utf8).
for text in ["The café is nice – isn’t it?", "Price: €5 — cheap"]:
    bad = sloppy_cp1252(text.encode("utf-8"))
    mixed = "Good line: naïve.\n" + bad
    cases.append(
        {
            "input": mixed,
            "mangled_as": "mixed",
            "fix_encoding": ftfy.fix_encoding(mixed),
            "fix_text": ftfy.fix_text(mixed),
        }
    )

# Other ftfy default steps: terminal escapes, line breaks, control characters.
for s in [
    "\x1b[31mred\x1b[0m text",
    "line one\r\nline two\rline three",
    "tab\tand\x00nul\x07bell",
    "ﬁne ﬂour",
]:
    cases.append(
        {"input": s, "mangled_as": "other", "fix_encoding": ftfy.fix_encoding(s), "fix_text": ftfy.fix_text(s)}
    )

# restore_byte_a0: mojibake whose 0xA0 bytes (the second byte of "à", "Р", "Π", of a no-break
# space, of "†") were replaced by ASCII spaces, mangled as sloppy-cp1252 and as Latin-1.
A0_TEXTS = [
    "voilà tout",
    "à la carte",
    "café à la mode",
    "Россия и Рим",
    "Πάνω στο βουνό",
    "price 10\u00a0€ today",
    "Note† here",
    "पाठ पढ़ो",
    "às vezes àquele",
    "Šta ima novog",
]
for text in A0_TEXTS:
    raw = text.encode("utf-8")
    for name, bad in (("cp1252_a0", sloppy_cp1252(raw)), ("latin1_a0", raw.decode("latin-1"))):
        bad = bad.replace("\u00a0", " ")
        cases.append(
            {"input": bad, "mangled_as": name, "fix_encoding": ftfy.fix_encoding(bad), "fix_text": ftfy.fix_text(bad)}
        )
for s in ["Å i Sverige", "Ð a b", "MAÇÃ VERDE", "Ãƒ quele", "The Â price", "cafÃ©Â "]:
    cases.append(
        {"input": s, "mangled_as": "a0_edge", "fix_encoding": ftfy.fix_encoding(s), "fix_text": ftfy.fix_text(s)}
    )

# HTML entities (ftfy unescape_html="auto": decoded unless the text looks like HTML, per line up to
# the first line containing "<"), alone and mixed with mojibake.
for s in [
    "Tom &amp; Jerry",
    "&lt;p&gt; is a tag",
    "P&eacute;rez, P&EACUTE;REZ, BUNDESSTRA&SZLIG;E",
    "&ntilde; &Ntilde; &NTILDE; &nTILDE;",
    "&Jscr;ohn &HilbertSpace;ancock &checkmark;",
    "caf&#233; caf&#xE9; caf&#XE9; &#65;&#x42;",
    "&#0; &#1; &#128; &#150; &#x110000; &#xD800; &#99999999999999999999; &#59; &#x3b;",
    "&bogus; &amp &#; &#x; &#12ab; this&not that &AMP; &nbsp;x",
    "&amp;amp; &amp;lt;b&amp;gt;",
    "&averyveryveryverylongname; &abcdefghijklmnopqrstuvwxy;",
    "a &amp; b\n<p>&amp; c</p>\n&amp; d",
    "a &amp; b\nc &amp; d\n",
    "<b>bold</b> &amp; more",
    "cafÃ© &amp; croissants",
    "It&#8217;s &ldquo;quoted&rdquo; &mdash; caf&eacute;",
    "&Atilde;&copy; is mojibake",
    "ampersand at the end &",
    # Mixtures: entities, mojibake with lost 0xA0 bytes, terminal escapes and line breaks.
    "Ã  la carte &amp; cafÃ©\r\n&eacute;t&eacute;",
    "\x1b[1mvoilÃ  &lt;tout&gt;\x1b[0m",
    "line &amp; one\nline <two> &amp;\nÃ  trois &amp;",
    "Ð Ð¾Ñ\x81Ñ\x81Ð¸Ñ\x8f &mdash; Ð Ð¸Ð¼ &#8211; Noteâ€  here",
    "&Atilde;&nbsp;la carte",
    "caf&Atilde;&copy; &amp;amp; &#x1F600; &#128512;",
    "ﬁne &ldquo;ﬂour&rdquo; Â price",
]:
    cases.append({"input": s, "mangled_as": "html", "fix_encoding": ftfy.fix_encoding(s), "fix_text": ftfy.fix_text(s)})

nfkc = [
    {"input": s, "nfc": unicodedata.normalize("NFC", s), "nfkc": unicodedata.normalize("NFKC", s),
     "nfd": unicodedata.normalize("NFD", s), "nfkd": unicodedata.normalize("NFKD", s)}
    for s in ["ﬁ ① ｆｕｌｌ", "e\u0301 Å", "㍿ ½ ™", "한국어", "x²"]
]

out = {
    "generator": "tools/text_goldens.py",
    "ftfy_version": ftfy.__version__,
    "unicodedata_version": unicodedata.unidata_version,
    "cases": cases,
    "unicode": nfkc,
}
with open("crates/text/tests/data/ftfy_goldens.json", "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(len(cases), "cases")
