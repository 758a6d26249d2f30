#!/usr/bin/env python3
"""Labelled set for HTML main-content extraction: real documentation wrapped in boilerplate.

Takes the main content of HTML documentation shipped in Debian packages (Node.js API docs,
MIT; libffi manual, Expat; libxslt/libexslt gtk-doc reference, MIT; Valgrind manual, GPL-2+,
used for measurement only and never committed), removes the pages' own navigation, and wraps the
content into a realistic web page with boilerplate of known kinds: header with search form,
navigation menu, breadcrumbs, cookie banner, share buttons, related links, comment section,
sidebar, newsletter form, footer, scripts and styles. Each boilerplate block is labelled in one
of three styles, chosen per page with a fixed seed: `semantic` (nav/aside/footer/header tags,
ARIA roles), `named` (divs whose class names say what they are) or `plain` (divs with hashed
class names, as many sites built with CSS-in-JS have). The content sits in `<article>`,
`<main>`, a `div.entry-content` or a plain div. The ground truth is the text of the content.

    pip install lxml
    python3 tools/html_quality_gen.py                   # -> target/html_quality/{pages,truth}/
    python3 tools/html_quality_gen.py --commit 12       # also the small committed subset

Writes `manifest.json` (source file, licence, content wrapper, boilerplate blocks with style and
a signature sentence per block, used by tools/html_quality_score.py to measure leaks per kind).
"""
import argparse
import glob
import hashlib
import json
import os
import random
import re

import lxml.html

FAMILIES = [
    # (glob, licence, content root XPath, XPaths removed inside the root)
    ("/usr/share/doc/nodejs/api/*.html", "MIT (Node.js)", "//*[@id='apicontent']", []),
    (
        "/usr/share/doc/libffi8/html/*.html",
        "Expat (libffi)",
        "//body/div[contains(@class,'section') or contains(@class,'chapter')]",
        [".//div[contains(@class,'header')]", ".//div[contains(@class,'nav-panel')]", ".//hr",
         ".//table[contains(@class,'menu')]", ".//*[contains(@class,'menu')]"],
    ),
    (
        "/usr/share/doc/libxslt1-dev/gtk-doc/html/*/*.html",
        "MIT (libxslt)",
        "//body",
        [".//table[contains(@class,'navigation')]", ".//div[contains(@class,'footer')]", ".//hr"],
    ),
    (
        "/usr/share/doc/valgrind/html/*.html",
        "GPL-2.0+ (Valgrind; measurement only, not committed)",
        "//div[contains(@class,'chapter') or contains(@class,'sect1') or contains(@class,'book')]",
        [".//div[contains(@class,'toc')]", ".//div[contains(@class,'navheader')]",
         ".//div[contains(@class,'navfooter')]"],
    ),
]
COMMITTABLE = ("MIT (Node.js)", "Expat (libffi)", "MIT (libxslt)")

WORDS = re.compile(r"\w+", re.UNICODE)
BLOCKS = ["p", "div", "section", "article", "li", "ul", "ol", "dl", "dt", "dd", "pre", "table", "tr",
          "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "br", "hr", "figure", "figcaption"]


def hashed(rng):
    return "css-" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(6))


def links(rng, items, cls=None):
    lis = "".join(f'<li><a href="/{re.sub(r"[^a-z]+", "-", t.lower())}">{t}</a></li>' for t in items)
    c = f' class="{cls}"' if cls else ""
    return f"<ul{c}>{lis}</ul>"


SITE_MENU = ["Home", "Documentation", "Downloads", "Community", "Blog", "Events", "About us", "Contact"]
SIDEBAR_POSTS = ["Ten tips for faster builds", "Understanding memory leaks", "Release notes 4.2",
                 "Getting started with plugins", "Why we moved to Rust", "Debugging in production"]
TAGS = ["performance", "tutorial", "security", "api", "release", "tooling", "testing"]
COMMENTERS = ["maria_k", "dev_ops_dan", "Li Wei", "throwaway42", "Ana P."]
COMMENTS = [
    "Great write-up, thanks! This finally helped me fix my broken setup after two days.",
    "Does anyone know whether this still works on the older release? Mine crashes on startup.",
    "I disagree with the second point, in my experience the defaults are good enough.",
    "Bookmarked. Would love a follow-up post with more real-world examples please.",
    "Thanks for sharing, worked like a charm on my laptop.",
]


def block(kind, style, rng, title):
    """One boilerplate block: (html, signature sentence)."""
    tag = lambda semantic, named: (semantic if style == "semantic" else "div",  # noqa: E731
                                   "" if style == "semantic" else
                                   f' class="{named if style == "named" else hashed(rng)}"')
    if kind == "header":
        sig = "Open source tools for developers since 2009"
        t, a = tag("header", "site-header")
        search = '<form action="/search"><input name="q" placeholder="Search the site"><button>Search</button></form>'
        if style != "semantic":
            search = f'<div class="{hashed(rng)}"><input name="q"> <span>Search</span></div>'
        return f'<{t}{a}><a href="/" class="logo">DevHub</a> <span>{sig}</span>{search}</{t}>', sig
    if kind == "nav":
        sig = "Skip to the main menu of the site"
        t, a = tag("nav", "main-menu")
        return f'<{t}{a}><span>{sig}</span>{links(rng, SITE_MENU)}</{t}>', sig
    if kind == "breadcrumb":
        sig = "You are here"
        t, a = tag("nav", "breadcrumbs")
        crumbs = " &raquo; ".join(f'<a href="/{x.lower()}">{x}</a>' for x in ["Home", "Docs", "Reference"])
        return f'<{t}{a}>{sig}: {crumbs} &raquo; <span>{title}</span></{t}>', sig
    if kind == "cookie":
        sig = "We use cookies to improve your experience and to analyse our traffic"
        a = f' class="{"cookie-consent" if style != "plain" else hashed(rng)}"'
        role = ' role="dialog"' if style == "semantic" else ""
        return (f'<div{a}{role}><p>{sig}. By clicking accept you agree to our use of cookies, '
                f'see our <a href="/privacy">privacy policy</a>.</p><button>Accept all</button>'
                f'<button>Reject</button></div>'), sig
    if kind == "share":
        sig = "Share this page with your friends"
        a = f' class="{"share-buttons" if style != "plain" else hashed(rng)}"'
        btns = " ".join(f'<a href="https://{s.lower()}.example/share">{s}</a>' for s in ["Twitter", "Facebook", "LinkedIn", "Reddit", "Email"])
        return f'<div{a}><span>{sig}</span> {btns}</div>', sig
    if kind == "related":
        sig = "Related articles you might also like"
        t, a = tag("aside", "related-posts")
        return f'<{t}{a}><h3>{sig}</h3>{links(rng, rng.sample(SIDEBAR_POSTS, 4))}</{t}>', sig
    if kind == "comments":
        sig = "Leave a reply to join the discussion"
        t, a = tag("section", "comments")
        if style == "semantic":
            a = ' id="comments"'
        n = rng.randint(2, 4)
        items = "".join(
            f'<div class="{"comment" if style != "plain" else hashed(rng)}"><p><b>{rng.choice(COMMENTERS)}</b> '
            f'<time>3 days ago</time></p><p>{c}</p><a href="#reply">Reply</a></div>'
            for c in rng.sample(COMMENTS, n))
        return (f'<{t}{a}><h2>{n} Comments</h2>{items}<p>{sig}.</p><form><textarea></textarea>'
                f'<button>Post comment</button></form></{t}>'), sig
    if kind == "sidebar":
        sig = "Popular posts this week"
        t, a = tag("aside", "sidebar")
        tags = " ".join(f'<a href="/tag/{x}">{x}</a>' for x in rng.sample(TAGS, 5))
        return f'<{t}{a}><h3>{sig}</h3>{links(rng, rng.sample(SIDEBAR_POSTS, 5))}<h3>Tags</h3><p>{tags}</p></{t}>', sig
    if kind == "newsletter":
        sig = "Subscribe to our weekly newsletter"
        a = f' class="{"newsletter-signup" if style != "plain" else hashed(rng)}"'
        return (f'<div{a}><h3>{sig}</h3><p>Get the best articles in your inbox every Friday. '
                f'No spam, unsubscribe at any time.</p><input type="email"><button>Sign up</button></div>'), sig
    if kind == "footer":
        sig = "All rights reserved by the DevHub community"
        t, a = tag("footer", "site-footer")
        return (f'<{t}{a}>{links(rng, ["Privacy policy", "Terms of use", "Imprint", "Careers", "Press"])}'
                f'<p>Copyright 2009-2026. {sig}.</p></{t}>'), sig
    raise ValueError(kind)


CSS = "body{font-family:sans-serif;margin:0}.layout{display:flex}.sidebar{width:300px}"
JS_HEAD = "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}gtag('js',new Date());"
JS_TAIL = "document.querySelectorAll('.share a').forEach(function(a){a.addEventListener('click',track)});"


def wrap(content_html, title, rng):
    style = rng.choices(["semantic", "named", "plain"], weights=[35, 40, 25])[0]
    wrapper = rng.choice(["article", "main", "entry-content", "plain"])
    kinds = ["header", "nav", "footer"] + [k for k in ["breadcrumb", "cookie", "share", "related", "comments",
                                                        "sidebar", "newsletter"] if rng.random() < 0.6]
    blocks = {k: block(k, style, rng, title) for k in kinds}
    h = lambda k: blocks[k][0] if k in blocks else ""  # noqa: E731
    inner = h("share") + content_html + h("share").replace("Share this page", "Share this page")
    after = h("related") + h("comments")
    if wrapper in ("article", "main"):
        main = f"<{wrapper}>{inner}{after if wrapper == 'article' else ''}</{wrapper}>" + (after if wrapper == "main" else "")
    elif wrapper == "entry-content":
        main = f'<div class="post"><div class="entry-content">{inner}</div>{after}</div>'
    else:
        main = f'<div class="{hashed(rng)}"><div>{inner}</div>{after}</div>'
    cookie_top = rng.random() < 0.5
    page = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | DevHub</title>'
        f'<meta name="description" content="{title} documentation"><style>{CSS}</style>'
        f'<script>{JS_HEAD}</script></head><body>'
        + (h("cookie") if cookie_top else "")
        + h("header") + h("nav") + h("breadcrumb")
        + f'<div class="layout">{main}{h("sidebar")}</div>'
        + h("newsletter") + h("footer")
        + ("" if cookie_top else h("cookie"))
        + f"<script>{JS_TAIL}</script><noscript>Please enable JavaScript to use all features.</noscript>"
        "</body></html>"
    )
    meta = {"style": style, "wrapper": wrapper,
            "blocks": [{"kind": k, "signature": blocks[k][1]} for k in kinds]}
    return page, meta


def content_of(path, root_xpath, removals):
    doc = lxml.html.parse(path).getroot()
    roots = doc.xpath(root_xpath)
    if not roots:
        return None
    root = max(roots, key=lambda r: len(r.text_content()))
    for xp in removals:
        for el in root.xpath(xp):
            if el.getparent() is not None:
                el.drop_tree()
    # Scripts, styles and controls (the "copy" buttons of code blocks) are not content.
    for el in root.xpath(".//script|.//style|.//button|.//input|.//select|.//textarea"):
        el.drop_tree()
    # Block boundaries separate words in the ground truth as they do on screen.
    for el in root.iter(*BLOCKS):
        el.text = "\n" + (el.text or "")
        el.tail = "\n" + (el.tail or "")
    title = (doc.findtext(".//title") or os.path.basename(path)).strip()
    inner = (root.text or "") + "".join(lxml.html.tostring(c, encoding="unicode") for c in root)
    truth = " ".join(root.text_content().split())
    return title, inner, truth


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="target/html_quality")
    ap.add_argument("--per-family", type=int, default=30)
    ap.add_argument("--commit", type=int, default=0, help="also write this many committable pages")
    ap.add_argument("--seed", type=int, default=20261204)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(f"{args.out}/pages", exist_ok=True)
    os.makedirs(f"{args.out}/truth", exist_ok=True)
    manifest = []
    for pattern, licence, root_xpath, removals in FAMILIES:
        files = sorted(p for p in glob.glob(pattern) if os.path.getsize(p) > 4096 and not os.path.islink(p))
        picked = 0
        for path in files:
            if picked >= args.per_family:
                break
            got = content_of(path, root_xpath, removals)
            if got is None or len(WORDS.findall(got[2])) < 150:
                continue
            title, inner, truth = got
            page, meta = wrap(inner, title, rng)
            name = f"{len(manifest):03d}"
            with open(f"{args.out}/pages/{name}.html", "w", encoding="utf-8") as f:
                f.write(page)
            with open(f"{args.out}/truth/{name}.txt", "w", encoding="utf-8") as f:
                f.write(truth + "\n")
            manifest.append({"name": name, "source": path, "licence": licence, **meta,
                             "sha256": hashlib.sha256(page.encode()).hexdigest()})
            picked += 1
    with open(f"{args.out}/manifest.json", "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
    print(len(manifest), "pages in", args.out)
    if args.commit:
        dest = "crates/text/tests/data/html_quality"
        os.makedirs(dest, exist_ok=True)
        sub = [m for m in manifest if m["licence"] in COMMITTABLE]
        # Smallest pages of each style first, so the subset stays small and covers all styles.
        chosen = []
        for style in ["semantic", "named", "plain"]:
            cands = sorted((m for m in sub if m["style"] == style),
                           key=lambda m: os.path.getsize(f"{args.out}/pages/{m['name']}.html"))
            chosen += cands[: args.commit // 3]
        chosen.sort(key=lambda m: m["name"])
        for m in chosen:
            for kind, ext in (("pages", "html"), ("truth", "txt")):
                with open(f"{args.out}/{kind}/{m['name']}.{ext}", encoding="utf-8") as f:
                    data = f.read()
                with open(f"{dest}/{m['name']}.{ext}", "w", encoding="utf-8") as f:
                    f.write(data)
        with open(f"{dest}/manifest.json", "w", encoding="utf-8") as f:
            json.dump(chosen, f, indent=1)
        print(len(chosen), "pages committed to", dest)


if __name__ == "__main__":
    main()
