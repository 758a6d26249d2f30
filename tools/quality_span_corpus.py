#!/usr/bin/env python3
"""Builds crates/quality/tests/data/span_corpus.jsonl, the span-dedup (sentence dedup) corpus.

    python3 tools/quality_span_corpus.py

Standard library only, seeded, so the output is reproducible. Each document is one or more
paragraphs of the parity corpus' prose (tools/quality_corpus_base.py, written for this project)
with "boilerplate" blocks of 3 to 6 sentences planted in it: newsletter and cookie notices,
author bios, disclaimers, in English, German, French, Spanish, Italian and Polish. A block planted
in several documents is a repeated 3-sentence span; variants change case, punctuation and spacing
(datatrove's `simplify_text` makes them equal), cut a block to 2 sentences (no match), repeat a
block twice in one document, put blocks at the start, middle or end, and make short hosts that
fall below 50 words once the block is removed, or documents made only of blocks.

Fields: `id`, `lang`, `variant` (what was planted), `text`.
"""
import json
import os
import random

from quality_corpus_base import BASE

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "crates", "quality", "tests", "data", "span_corpus.jsonl")

BLOCKS = {
    "en-newsletter": ("en", [
        "Sign up for our weekly newsletter to get the best stories delivered to your inbox.",
        "We never share your address with third parties and you can unsubscribe at any time.",
        "Every issue includes a short reading list chosen by our editors.",
        "Subscribers also receive early invitations to our events.",
    ]),
    "en-cookies": ("en", [
        "This website uses cookies to improve your experience while you navigate through the site.",
        "Some of these cookies are essential for the basic functions of the website.",
        "Other cookies help us understand how visitors use the pages, so that we can improve them.",
        "You can change your preferences in the settings panel at the bottom of the page.",
        "By continuing to browse you agree to the use of cookies as described in our policy.",
    ]),
    "en-bio": ("en", [
        "Anna Petrov is a freelance writer based in Leeds.",
        "She covers local history, gardening and public transport for several regional papers.",
        "Her first book, a guide to the canals of the north, was published last year.",
        "When she is not writing she volunteers at the town museum.",
    ]),
    "en-disclaimer": ("en", [
        "The information on this page is provided for general guidance only.",
        "It does not constitute professional advice and should not be relied on as such.",
        "Always consult a qualified specialist before making decisions about your health or finances.",
    ]),
    "de-hinweis": ("de", [
        "Diese Seite verwendet Cookies, um die Nutzung der Website zu verbessern.",
        "Einige Cookies sind für den Betrieb der Seite unbedingt erforderlich.",
        "Andere helfen uns zu verstehen, wie Besucher die Inhalte nutzen.",
        "Sie können Ihre Einstellungen jederzeit am Ende der Seite ändern.",
    ]),
    "fr-abonnement": ("fr", [
        "Abonnez-vous à notre lettre d'information pour recevoir nos articles chaque semaine.",
        "Votre adresse ne sera jamais transmise à des tiers.",
        "Vous pouvez vous désabonner à tout moment en un seul clic.",
        "Chaque numéro contient une sélection de lectures proposée par la rédaction.",
    ]),
    "es-aviso": ("es", [
        "La información de esta página tiene un carácter meramente orientativo.",
        "No sustituye el consejo de un profesional cualificado.",
        "Consulte siempre a un especialista antes de tomar una decisión importante.",
        "El autor no se hace responsable del uso que se haga de este contenido.",
    ]),
    "it-autore": ("it", [
        "Marco Bellini è un giornalista che vive a Torino.",
        "Scrive di viaggi in treno, di cucina regionale e di piccoli musei di provincia.",
        "Il suo ultimo libro racconta le ferrovie secondarie del Piemonte.",
        "Nel tempo libero restaura vecchie biciclette.",
    ]),
    "pl-stopka": ("pl", [
        "Wszystkie prawa do tekstów i zdjęć zastrzeżone.",
        "Kopiowanie treści bez zgody redakcji jest zabronione.",
        "W sprawie współpracy prosimy o kontakt przez formularz na stronie.",
        "Odpowiadamy na wiadomości w ciągu dwóch dni roboczych.",
    ]),
}

# Prose hosts: paragraphs of the base documents that read as articles.
HOST_IDS = [
    "en-article-lighthouse", "en-news-council", "en-blog-bread", "en-science-abstract", "en-wiki-river",
    "en-recipe-soup", "en-forum-laptop", "en-history-canal", "en-letter-neighbour", "en-story-fox",
    "en-howto-bike", "de-article-wald", "fr-article-marche", "es-article-huerto", "it-article-treno",
    "pt-article-biblioteca", "nl-article-fiets", "pl-article-gory", "ru-article-reka", "sv-article-sjo",
]


def paragraphs(doc_id):
    doc = next(d for d in BASE if d["id"] == doc_id)
    return doc["lang"], [p.strip() for p in doc["text"].split("\n\n") if p.strip()]


def vary(sentences, rng, how):
    """The block's text, changed in ways simplify_text undoes (or not, for `cut`)."""
    s = list(sentences)
    if how == "upper":
        s = [x.upper() for x in s]
    elif how == "punct":
        s = [x.replace(",", " ,").replace(".", "!") for x in s]
    elif how == "spaces":
        return "  ".join(x.replace(" ", "   ", 1) for x in s)
    elif how == "newlines":
        return "\n".join(s)
    elif how == "cut":
        s = s[:2]
    elif how == "diacritics":
        s = [x.replace("é", "e").replace("ü", "u").replace("ó", "o") for x in s]
    return " ".join(s)


def main():
    rng = random.Random(20261204)
    block_ids = sorted(BLOCKS)
    hosts = [paragraphs(h) for h in HOST_IDS]
    docs = []

    def add(variant, lang, parts):
        docs.append(dict(id=f"span-{len(docs):03d}", lang=lang, variant=variant, text="\n\n".join(parts)))

    # 1. Hosts with one block at the start, middle or end (most blocks recur across documents).
    hows = ["plain", "plain", "plain", "upper", "punct", "spaces", "newlines", "cut", "diacritics"]
    for i in range(40):
        lang, paras = hosts[i % len(hosts)]
        b = block_ids[rng.randrange(len(block_ids))]
        how = hows[rng.randrange(len(hows))]
        k = rng.randint(1, min(3, len(paras)))
        start = rng.randrange(len(paras) - k + 1)
        body = paras[start:start + k]
        pos = rng.choice(["start", "middle", "end"])
        block = vary(BLOCKS[b][1], rng, how)
        if pos == "start":
            parts = [block] + body
        elif pos == "end":
            parts = body + [block]
        else:
            parts = body[:1] + [block] + body[1:]
        add(f"{b}:{how}:{pos}", lang, parts)

    # 2. Two blocks in one document, and a block repeated twice in one document.
    for i in range(10):
        lang, paras = hosts[(i * 7 + 3) % len(hosts)]
        b1, b2 = rng.sample(block_ids, 2)
        body = paras[: rng.randint(1, 2)]
        if i % 3 == 0:
            parts = [vary(BLOCKS[b1][1], rng, "plain")] + body + [vary(BLOCKS[b1][1], rng, "plain")]
            add(f"{b1}:twice", lang, parts)
        else:
            parts = body[:1] + [vary(BLOCKS[b1][1], rng, "plain")] + body[1:] + [vary(BLOCKS[b2][1], rng, "plain")]
            add(f"{b1}+{b2}", lang, parts)

    # 3. Short hosts: below 50 words or 3 sentences once the block is gone.
    for i in range(12):
        lang, paras = hosts[(i * 5 + 1) % len(hosts)]
        words = paras[-1].split()
        short = " ".join(words[: rng.randint(8, 45)]).rstrip(",;:") + "."
        b = block_ids[rng.randrange(len(block_ids))]
        parts = [short, vary(BLOCKS[b][1], rng, "plain")] if i % 2 else [vary(BLOCKS[b][1], rng, "plain"), short]
        add(f"{b}:short-host", lang, parts)

    # 4. Documents made only of blocks, and blocks with a sentence of their own inserted.
    for i in range(5):
        bs = rng.sample(block_ids, 2)
        add("only-blocks", BLOCKS[bs[0]][0], [vary(BLOCKS[b][1], rng, "plain") for b in bs])
    for i in range(3):
        b = block_ids[rng.randrange(len(block_ids))]
        s = list(BLOCKS[b][1])
        s.insert(2, "This sentence was added by the editor of this particular page.")
        lang, paras = hosts[(i * 3 + 2) % len(hosts)]
        add(f"{b}:interrupted", lang, paras[:2] + [" ".join(s)])

    # 5. Exact copies of earlier documents, and untouched hosts (no block at all).
    for i in (0, 7, 21):
        d = docs[i]
        add(f"copy-of-{d['id']}", d["lang"], [d["text"]])
    for i in range(5):
        lang, paras = hosts[(i * 11 + 4) % len(hosts)]
        add("no-block", lang, paras[:3])

    with open(OUT, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    print(f"wrote {len(docs)} documents to {OUT}")


if __name__ == "__main__":
    main()
