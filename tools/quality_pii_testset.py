#!/usr/bin/env python3
"""Builds the labelled PII test set of dataprep-quality (no dependencies beyond Python 3).

    python3 tools/quality_pii_testset.py

Writes crates/quality/tests/data/pii_labelled.jsonl: one line per text with `text` and `spans`
([start_byte, end_byte, kind]). Positive values are generated independently of the Rust detector:
Luhn-valid card numbers from real issuer ranges, IBANs with computed mod-97 check digits, public
IPs checked with `ipaddress.is_global`, SSNs from valid ranges, phone numbers in international and
national formats of several countries, and secrets in the published formats of AWS, GitHub, Slack,
Stripe, Google, OpenAI and Hugging Face keys, plus JWTs and random high-entropy tokens. Hard
negatives: Luhn-invalid card-like numbers, private/reserved IPs, IBANs with a wrong checksum,
invalid SSNs, dates, times, prices, versions, ISBNs, UUIDs, git hashes, order numbers, long words.
"""
import base64
import ipaddress
import json
import os
import random
import string

R = random.Random(20261204)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "crates", "quality", "tests", "data", "pii_labelled.jsonl")

FILLER = [
    "The committee met on Tuesday to review the annual budget.",
    "Please find the revised schedule attached below.",
    "Our team will follow up after the conference in Lisbon.",
    "Thanks again for your patience while we sort this out.",
    "The river flooded twice last spring, damaging several farms.",
    "She studied the manuscript for hours before writing her notes.",
    "Let me know if anything in the report is unclear.",
    "The museum reopens next month with a new exhibition.",
]


def luhn_complete(prefix, length):
    digits = prefix + "".join(R.choice(string.digits) for _ in range(length - len(prefix) - 1))
    for c in string.digits:
        d = digits + c
        s = 0
        for i, ch in enumerate(reversed(d)):
            v = int(ch)
            if i % 2 == 1:
                v *= 2
                if v > 9:
                    v -= 9
            s += v
        if s % 10 == 0:
            return d
    raise AssertionError


def card():
    prefix, length = R.choice([("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15), ("6011", 16), ("35", 16)])
    d = luhn_complete(prefix + "".join(R.choice(string.digits) for _ in range(6 - len(prefix))), length)
    style = R.choice(["plain", "space", "dash"])
    if style == "plain":
        return d
    sep = " " if style == "space" else "-"
    if length == 15:
        return sep.join([d[:4], d[4:10], d[10:]])
    return sep.join(d[i : i + 4] for i in range(0, 16, 4))


def bad_card():
    d = card().replace(" ", "").replace("-", "")
    last = str((int(d[-1]) + R.randint(1, 9)) % 10)
    return d[:-1] + last


IBAN_FORMATS = {"DE": "8n10n", "GB": "4a14n", "FR": "10n11c2n", "ES": "20n", "NL": "4a10n", "IT": "1a10n12c", "BE": "12n", "CH": "5n12c", "PL": "24n", "SE": "20n"}


def bban(fmt):
    out, num = "", ""
    for ch in fmt:
        if ch.isdigit():
            num += ch
            continue
        n = int(num)
        num = ""
        pool = {"n": string.digits, "a": string.ascii_uppercase, "c": string.ascii_uppercase + string.digits}[ch]
        out += "".join(R.choice(pool) for _ in range(n))
    return out


def iban(valid=True):
    cc = R.choice(list(IBAN_FORMATS))
    b = bban(IBAN_FORMATS[cc])
    rearranged = b + cc + "00"
    num = int("".join(str(int(c, 36)) for c in rearranged))
    check = 98 - num % 97
    if not valid:
        check = (check + R.randint(1, 50)) % 97 + 2
    s = f"{cc}{check:02d}{b}"
    if R.random() < 0.5:
        s = " ".join(s[i : i + 4] for i in range(0, len(s), 4))
    return s


def public_ipv4():
    while True:
        a = ipaddress.IPv4Address(R.getrandbits(32))
        if a.is_global and not a.is_multicast and int(str(a).split(".")[0]) < 224:
            return str(a)


def private_ipv4():
    return R.choice(["10.%d.%d.%d", "192.168.%d.%d", "172.16.%d.%d", "127.0.%d.%d"]).replace("%d", "{}").format(*[R.randint(0, 255) for _ in range(3)]) if False else R.choice([
        f"10.{R.randint(0,255)}.{R.randint(0,255)}.{R.randint(1,254)}",
        f"192.168.{R.randint(0,255)}.{R.randint(1,254)}",
        f"172.{R.randint(16,31)}.{R.randint(0,255)}.{R.randint(1,254)}",
        f"127.0.0.{R.randint(1,254)}",
        f"192.0.2.{R.randint(1,254)}",
    ])


def public_ipv6():
    while True:
        a = ipaddress.IPv6Address((0x2000 + R.randint(0, 0x1FFF)) << 112 | R.getrandbits(112))
        if a.is_global and not str(a).startswith("2001:db8"):
            return a.compressed if R.random() < 0.7 else a.exploded


def private_ipv6():
    return R.choice(["fe80::1", f"fe80::{R.randint(1,0xffff):x}:{R.randint(1,0xffff):x}", "::1", f"fd00::{R.randint(1,0xffff):x}", f"2001:db8::{R.randint(1,0xffff):x}"])


def ssn(valid=True):
    if valid:
        area = R.choice([x for x in range(1, 900) if x != 666])
        return f"{area:03d}-{R.randint(1,99):02d}-{R.randint(1,9999):04d}"
    return R.choice([f"000-{R.randint(1,99):02d}-{R.randint(1,9999):04d}", f"666-{R.randint(1,99):02d}-{R.randint(1,9999):04d}", f"9{R.randint(0,99):02d}-{R.randint(1,99):02d}-{R.randint(1,9999):04d}", f"{R.randint(1,665):03d}-00-{R.randint(1,9999):04d}"])


def dig(n):
    return "".join(R.choice(string.digits) for _ in range(n))


def phone():
    return R.choice([
        lambda: f"+1 {R.randint(201,989)} {R.randint(201,989)} {dig(4)}",
        lambda: f"+1-{R.randint(201,989)}-{R.randint(201,989)}-{dig(4)}",
        lambda: f"+44 20 {dig(4)} {dig(4)}",
        lambda: f"+44 7{dig(3)} {dig(6)}",
        lambda: f"+49 30 {dig(7)}",
        lambda: f"+49 (0)89 {dig(7)}",
        lambda: f"+33 1 {dig(2)} {dig(2)} {dig(2)} {dig(2)}",
        lambda: f"+81 3-{dig(4)}-{dig(4)}",
        lambda: f"+91 9{dig(4)} {dig(5)}",
        lambda: f"+55 11 9{dig(4)}-{dig(4)}",
        lambda: f"0049 89 {dig(7)}",
        lambda: f"({R.randint(201,989)}) {R.randint(201,989)}-{dig(4)}",
        lambda: f"{R.randint(201,989)}-{R.randint(201,989)}-{dig(4)}",
        lambda: f"020 {dig(4)} {dig(4)}",
        lambda: f"06 {dig(2)} {dig(2)} {dig(2)} {dig(2)}"[:14],
    ])()


def rnd(pool, n):
    return "".join(R.choice(pool) for _ in range(n))


AN = string.ascii_letters + string.digits


def secret():
    return R.choice([
        lambda: "AKIA" + rnd(string.ascii_uppercase + string.digits, 16),
        lambda: "ghp_" + rnd(AN, 36),
        lambda: "xoxb-" + dig(11) + "-" + dig(12) + "-" + rnd(AN, 24),
        lambda: "sk_live_" + rnd(AN, 24),
        lambda: "AIza" + rnd(AN + "_-", 35),
        lambda: "sk-proj-" + rnd(AN, 48),
        lambda: "hf_" + rnd(AN, 34),
        lambda: "eyJ" + base64.urlsafe_b64encode(json.dumps({"alg": "HS256"}).encode()).decode().rstrip("=")[3:] + "." + base64.urlsafe_b64encode(json.dumps({"sub": dig(8)}).encode()).decode().rstrip("=") + "." + rnd(AN + "_-", 43),
        lambda: "".join(R.choice(AN) for _ in range(R.randint(32, 48))),
    ])()


def email():
    first = R.choice(["jane", "j.smith", "mario.rossi", "li.wei", "anna-maria", "support", "o.connor", "dev+alerts", "k_tanaka", "zoe99"])
    dom = R.choice(["example.com", "mail.example.org", "uni-example.edu", "corp.example.co.uk", "example.io", "xn--bcher-kva.example"])
    return f"{first}@{dom}"


NEGATIVES = [
    lambda: f"on {R.randint(2000,2030)}-{R.randint(1,12):02d}-{R.randint(1,28):02d}",
    lambda: f"at {R.randint(0,23):02d}:{R.randint(0,59):02d}:{R.randint(0,59):02d}",
    lambda: f"costs ${R.randint(1,9999)}.{R.randint(0,99):02d}",
    lambda: f"version {R.randint(0,9)}.{R.randint(0,20)}.{R.randint(0,99)}",
    lambda: f"ISBN 978-{R.randint(0,9)}-{dig(2)}-{dig(6)}-{R.randint(0,9)}",
    lambda: "uuid " + "-".join(rnd("0123456789abcdef", n) for n in (8, 4, 4, 4, 12)),
    lambda: "commit " + rnd("0123456789abcdef", 40),
    lambda: f"order #{dig(8)}",
    lambda: f"population of {R.randint(1000,99999999):,}",
    lambda: "card " + bad_card(),
    lambda: "server " + private_ipv4(),
    lambda: "host " + private_ipv6(),
    lambda: "account " + iban(valid=False),
    lambda: "id " + ssn(valid=False),
    lambda: "the " + R.choice(["internationalization", "counterrevolutionaries", "electroencephalography", "state-of-the-art-approaches"]),
    lambda: f"in {R.randint(1500,2024)} about {R.randint(2,999)} people",
    lambda: f"ratio {R.randint(1,99)}:{R.randint(1,99)}",
    lambda: f"zip {dig(5)}-{dig(4)}",
    lambda: f"page {R.randint(1,500)} of {R.randint(500,900)}",
    lambda: f"https://example.com/docs/page-{dig(3)}?ref=home",
]

POSITIVES = [
    ("email", email, ["Write to {} for details.", "Contact: {}", "Email {}, or reply here."]),
    ("credit_card", card, ["Card number {} was charged.", "Pay with {} please.", "cc: {}"]),
    ("iban", lambda: iban(True), ["Transfer to {} by Friday.", "IBAN: {}", "Account {} (savings)."]),
    ("ipv4", public_ipv4, ["Requests came from {} overnight.", "Ping {} to check.", "ip={}"]),
    ("ipv6", public_ipv6, ["The client at {} connected.", "Address {} is blocked."]),
    ("us_ssn", lambda: ssn(True), ["SSN {} on file.", "Her social security number is {}."]),
    ("phone", phone, ["Call {} after 5pm.", "Phone: {}", "Reach us at {} any time."]),
    ("secret", secret, ["export API_KEY={}", "token: {}", "Use key {} for the test."]),
]


def main():
    rows = []
    for i in range(480):
        parts, spans = [R.choice(FILLER)], []
        pos_n = R.choice([0, 1, 1, 2])
        neg_n = R.choice([0, 1, 2])
        items = [("pos", R.choice(POSITIVES)) for _ in range(pos_n)] + [("neg", R.choice(NEGATIVES)) for _ in range(neg_n)]
        R.shuffle(items)
        for kind, item in items:
            prefix = " ".join(parts) + " "
            if kind == "pos":
                label, gen, templates = item
                value = gen()
                t = R.choice(templates)
                before = t.split("{}")[0]
                start = len((prefix + before).encode())
                spans.append([start, start + len(value.encode()), label])
                parts.append(t.format(value))
            else:
                parts.append("Note " + item() + ".")
        if R.random() < 0.5:
            parts.append(R.choice(FILLER))
        text = " ".join(parts)
        for s, e, _ in spans:
            assert text.encode()[s:e]
        rows.append({"text": text, "spans": spans})
    with open(OUT, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
