#!/usr/bin/env python3
"""trafilatura side of the HTML extraction benchmark (same page set as crates/text/benches/text.rs).

    pip install trafilatura
    python3 tools/text_bench_html.py
"""
import os
import time

import trafilatura

pages = []
for root, dirs, files in os.walk("/usr/share"):
    for f in files:
        p = os.path.join(root, f)
        if f.endswith(".html") and not os.path.islink(p) and os.path.getsize(p) > 4096:
            pages.append(p)
pages = sorted(pages)[:300]
html = [open(p, "rb").read().decode("utf-8", "replace") for p in pages]
mb = sum(len(h.encode("utf-8")) for h in html) / 1e6
t = time.perf_counter()
out = [trafilatura.extract(h, include_comments=False) or "" for h in html]
dt = time.perf_counter() - t
print(f"trafilatura: {len(html)} pages, {mb:.1f} MB, {len(html)/dt:.0f} docs/s, {mb/dt:.1f} MB/s, "
      f"{sum(len(o) for o in out)} text chars, {sum(1 for o in out if not o)} empty")
