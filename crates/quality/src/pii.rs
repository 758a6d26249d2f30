//! PII detection and redaction: e-mail addresses, public IPv4/IPv6 addresses, phone numbers
//! (international `+`/`00` forms and common national forms), credit-card numbers (Luhn and
//! issuer prefix), IBANs (country length and mod-97), US SSNs, and secrets (known API-key
//! prefixes, private-key headers, JWTs, and high-entropy tokens).
//!
//! [`detect`] returns non-overlapping [`PiiMatch`]es in text order; [`redact`] replaces them by
//! a [`PiiAction`] — a typed placeholder (`<EMAIL>`), a mask (`*` for every letter and digit), a
//! salted hash (`<EMAIL:1f2e…>`), or a consistent fake (the same input and salt always give the
//! same fake, of the same kind) — and counts them per kind. [`PiiStage`] does this on records.
//!
//! Speed: one combined regex (ASCII classes only, so it runs on the lazy DFA) finds candidate
//! spans in a single pass; each candidate is then classified and validated (checksums, ranges,
//! entropy). Prose is mostly rejected by the DFA without any validation work.
//!
//! Time is linear in the text length on every input, not only on prose (issue 19: a long run of
//! digits was quadratic). Two limits make it so. The patterns follow the real-world limits of
//! their formats: an e-mail local part has at most 64 bytes and a domain label at most 63
//! (RFC 5321 and RFC 1035), so the search never has to read to the end of a long run to rule an
//! address out; a domain longer than 253 bytes is not an address. And no candidate is longer
//! than [`PiiConfig::max_candidate_len`] (4096 bytes by default): each kind is matched only in
//! that many bytes from a candidate's start, so a token, JWT or key longer than that is not
//! reported (raise the limit to find longer ones; the time per candidate grows with it).
//!
//! ```
//! use dataprep_quality::pii::{PiiAction, PiiConfig, PiiKind, detect, redact};
//! let text = "Mail jane.doe@example.org or call +44 20 7946 0958; card 4111 1111 1111 1111.";
//! let kinds: Vec<PiiKind> = detect(text, &PiiConfig::default()).iter().map(|m| m.kind).collect();
//! assert_eq!(kinds, [PiiKind::Email, PiiKind::Phone, PiiKind::CreditCard]);
//! let r = redact(text, &PiiConfig::default().with_action(PiiAction::Redact));
//! assert_eq!(r.text, "Mail <EMAIL> or call <PHONE>; card <CREDIT_CARD>.");
//! assert_eq!(r.counts.get("credit_card"), Some(&1));
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use dataprep_core::stage::config_json;
use dataprep_core::{Action, Context, Record, RecordError, Stage};
use regex::bytes::Regex;
use serde::{Deserialize, Serialize};

/// A kind of PII.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PiiKind {
    /// An e-mail address.
    Email,
    /// A public IPv4 address (not private, loopback, link-local, shared, documentation,
    /// benchmarking, multicast or reserved).
    Ipv4,
    /// A public IPv6 address (global unicast `2000::/3`, not documentation `2001:db8::/32`).
    Ipv6,
    /// A phone number: `+CC …` or `00CC …` (8–15 digits), North American `(NXX) NXX-XXXX`, or a
    /// national number starting with `0` in two or three groups (9–11 digits).
    Phone,
    /// A payment-card number: 13–19 digits, Luhn-valid, with a known issuer prefix.
    CreditCard,
    /// An IBAN: known country, its length, and mod-97 = 1.
    Iban,
    /// A US social security number `AAA-GG-SSSS` (not area 000, 666 or 9xx, group 00, serial 0000).
    UsSsn,
    /// A secret: a known API-key prefix (AWS, GitHub, Slack, Stripe, Google, OpenAI, Hugging
    /// Face), a private-key header, a JWT, or a high-entropy token.
    Secret,
}

impl PiiKind {
    /// Every kind, in the order of [`PiiKind::name`] sorting.
    pub const ALL: [PiiKind; 8] = [
        PiiKind::Email,
        PiiKind::Ipv4,
        PiiKind::Ipv6,
        PiiKind::Phone,
        PiiKind::CreditCard,
        PiiKind::Iban,
        PiiKind::UsSsn,
        PiiKind::Secret,
    ];

    /// The snake-case name (`credit_card`), used in counts and scores.
    pub fn name(self) -> &'static str {
        match self {
            PiiKind::Email => "email",
            PiiKind::Ipv4 => "ipv4",
            PiiKind::Ipv6 => "ipv6",
            PiiKind::Phone => "phone",
            PiiKind::CreditCard => "credit_card",
            PiiKind::Iban => "iban",
            PiiKind::UsSsn => "us_ssn",
            PiiKind::Secret => "secret",
        }
    }

    /// The placeholder of [`PiiAction::Redact`] (`<EMAIL>`).
    pub fn placeholder(self) -> &'static str {
        match self {
            PiiKind::Email => "<EMAIL>",
            PiiKind::Ipv4 => "<IPV4>",
            PiiKind::Ipv6 => "<IPV6>",
            PiiKind::Phone => "<PHONE>",
            PiiKind::CreditCard => "<CREDIT_CARD>",
            PiiKind::Iban => "<IBAN>",
            PiiKind::UsSsn => "<US_SSN>",
            PiiKind::Secret => "<SECRET>",
        }
    }

    /// The kind by [`PiiKind::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        PiiKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl fmt::Display for PiiKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One detected span (byte offsets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PiiMatch {
    /// The kind.
    pub kind: PiiKind,
    /// Start byte offset.
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
}

/// What to do with a detected span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiAction {
    /// Replace by the typed placeholder (`<EMAIL>`).
    #[default]
    Redact,
    /// Replace every ASCII letter and digit by `*`, keeping the punctuation and length.
    Mask,
    /// Replace by `<KIND:hash>`: the first 16 hex digits of a BLAKE3 keyed hash of the value
    /// under a key derived from the salt.
    Hash,
    /// Replace by a fake value of the same kind derived from the salted hash, so one input always
    /// gets the same fake. Fake IPs are documentation addresses and fake SSNs have area 9xx, so
    /// they are not detected again.
    Fake,
    /// Detect and count only.
    Keep,
}

/// Configuration of detection and redaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PiiConfig {
    /// The kinds to detect.
    pub kinds: Vec<PiiKind>,
    /// The action.
    pub action: PiiAction,
    /// The salt of [`PiiAction::Hash`] and [`PiiAction::Fake`].
    pub salt: String,
    /// Minimum length of a generic high-entropy token.
    pub secret_min_len: usize,
    /// Minimum Shannon entropy (bits per character) of a generic high-entropy token.
    pub secret_min_entropy: f64,
    /// Maximum length in bytes of a detected span (default [`PiiConfig::MAX_CANDIDATE_LEN`]).
    /// Each kind is matched only in this many bytes from a candidate's start, which bounds the
    /// work per candidate; longer secrets, tokens and JWTs are not reported. Values below 64
    /// are treated as 64.
    #[serde(default = "default_max_candidate_len")]
    pub max_candidate_len: usize,
}

fn default_max_candidate_len() -> usize {
    PiiConfig::MAX_CANDIDATE_LEN
}

impl Default for PiiConfig {
    fn default() -> Self {
        PiiConfig {
            kinds: PiiKind::ALL.to_vec(),
            action: PiiAction::Redact,
            salt: String::new(),
            secret_min_len: 24,
            secret_min_entropy: 4.0,
            max_candidate_len: PiiConfig::MAX_CANDIDATE_LEN,
        }
    }
}

impl PiiConfig {
    /// The default [`PiiConfig::max_candidate_len`]: 4096 bytes, above the longest API keys
    /// (under 200 bytes) and common JWTs (under 2 KB).
    pub const MAX_CANDIDATE_LEN: usize = 4096;

    /// Sets the kinds to detect.
    #[must_use]
    pub fn with_kinds(mut self, kinds: impl IntoIterator<Item = PiiKind>) -> Self {
        self.kinds = kinds.into_iter().collect();
        self
    }

    /// Sets the action.
    #[must_use]
    pub fn with_action(mut self, action: PiiAction) -> Self {
        self.action = action;
        self
    }

    /// Sets the salt.
    #[must_use]
    pub fn with_salt(mut self, salt: impl Into<String>) -> Self {
        self.salt = salt.into();
        self
    }

    /// Sets [`PiiConfig::max_candidate_len`], the longest span reported.
    ///
    /// ```
    /// use dataprep_quality::pii::{PiiConfig, detect};
    /// let token = format!("key {}", "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7".repeat(5)); // 135 bytes
    /// assert_eq!(detect(&token, &PiiConfig::default()).len(), 1);
    /// assert!(detect(&token, &PiiConfig::default().with_max_candidate_len(128)).is_empty());
    /// ```
    #[must_use]
    pub fn with_max_candidate_len(mut self, max_len: usize) -> Self {
        self.max_candidate_len = max_len;
        self
    }

    /// Sets the generic-secret limits (length, entropy in bits per character).
    #[must_use]
    pub fn with_secret_limits(mut self, min_len: usize, min_entropy: f64) -> Self {
        self.secret_min_len = min_len;
        self.secret_min_entropy = min_entropy;
        self
    }
}

// The candidate patterns, ASCII only. Each alternative is also compiled alone (anchored) to
// classify a candidate. The e-mail local part (64 bytes) and domain labels (63 bytes) are
// bounded by their RFC limits: unbounded, the combined search had to read to the end of any long
// run of letters or digits to rule out an address, at every candidate in the run.
const EMAIL: &str = r"[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}";
const SECRET_PREFIX: &str = r"(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{60,}|xox[abposr]-[A-Za-z0-9\-]{10,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_\-]{35}|sk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}|hf_[A-Za-z0-9]{30,}|-----BEGIN [A-Z ]{0,64}PRIVATE KEY-----|eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}";
const IBAN: &str = r"[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?";
const CARD: &str = r"[0-9]{4}(?:[ \-]?[0-9]{2,4}){2,4}[0-9]?";
const SSN: &str = r"[0-9]{3}-[0-9]{2}-[0-9]{4}";
const IPV4: &str = r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}";
const IPV6: &str = r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3})?";
const PHONE: &str = r"(?:\+|00)[1-9][0-9]{0,2}(?:[ .\-]?\(?[0-9]{1,5}\)?){2,5}|\([2-9][0-9]{2}\) ?[2-9][0-9]{2}[ .\-][0-9]{4}|[2-9][0-9]{2}[.\-][2-9][0-9]{2}[.\-][0-9]{4}|0[1-9][0-9]{0,4}[ \-][0-9]{2,4}(?:[ \-][0-9]{2,4}){1,3}";
const TOKEN: &str = r"[A-Za-z0-9_+\-]{16,}={0,2}";

/// The candidate search is the leftmost-first alternation of all the patterns, in priority
/// order, split in two: the e-mail pattern alone and the alternation of the others. The e-mail
/// local part's bounded repetition, in one automaton with the other patterns, multiplied the
/// lazy DFA's states (a cache that thrashes on random base64); alone it stays small.
struct Patterns {
    /// Every alternative but the e-mail, unanchored.
    rest: Regex,
    /// The e-mail alternative, unanchored.
    email: Regex,
    /// Every alternative alone, anchored, in priority order.
    each: Vec<(Cand, Regex)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cand {
    Email,
    SecretPrefix,
    Iban,
    Card,
    Ssn,
    Ipv4,
    Ipv6,
    Phone,
    Token,
}

impl Cand {
    /// True when a match of this pattern can start with `b` (saves the regex calls that would
    /// fail on the first byte).
    fn may_start_with(self, b: u8) -> bool {
        match self {
            Cand::Email => b.is_ascii_alphanumeric(),
            Cand::SecretPrefix => b"AGgxsrhe-".contains(&b),
            Cand::Iban => b.is_ascii_uppercase(),
            Cand::Card | Cand::Ssn | Cand::Ipv4 => b.is_ascii_digit(),
            Cand::Ipv6 => b.is_ascii_hexdigit() || b == b':',
            Cand::Phone => b.is_ascii_digit() || b == b'+' || b == b'(',
            Cand::Token => is_word_byte(b) || b == b'+' || b == b'-',
        }
    }

    fn kind(self) -> PiiKind {
        match self {
            Cand::Email => PiiKind::Email,
            Cand::SecretPrefix | Cand::Token => PiiKind::Secret,
            Cand::Iban => PiiKind::Iban,
            Cand::Card => PiiKind::CreditCard,
            Cand::Ssn => PiiKind::UsSsn,
            Cand::Ipv4 => PiiKind::Ipv4,
            Cand::Ipv6 => PiiKind::Ipv6,
            Cand::Phone => PiiKind::Phone,
        }
    }
}

static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    let list = [
        (Cand::Email, EMAIL),
        (Cand::SecretPrefix, SECRET_PREFIX),
        (Cand::Iban, IBAN),
        (Cand::Card, CARD),
        (Cand::Ssn, SSN),
        (Cand::Ipv4, IPV4),
        (Cand::Ipv6, IPV6),
        (Cand::Phone, PHONE),
        (Cand::Token, TOKEN),
    ];
    let rest = list[1..]
        .iter()
        .map(|(_, p)| format!("(?:{p})"))
        .collect::<Vec<_>>()
        .join("|");
    let rest = Regex::new(&format!("(?-u:{rest})")).expect("PII pattern");
    let email = Regex::new(&format!("(?-u:{EMAIL})")).expect("PII pattern");
    let each = list
        .iter()
        .map(|&(c, p)| {
            (
                c,
                Regex::new(&format!("(?-u:\\A(?:{p}))")).expect("PII pattern"),
            )
        })
        .collect();
    Patterns { rest, email, each }
});

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

fn card_issuer(d: &[u8]) -> bool {
    let p = |n: usize| -> u32 {
        d[..n]
            .iter()
            .fold(0u32, |a, &b| a * 10 + u32::from(b - b'0'))
    };
    let len = d.len();
    match d[0] {
        b'4' => matches!(len, 13 | 16 | 19),
        b'5' => (51..=55).contains(&p(2)) && len == 16,
        b'2' => (2221..=2720).contains(&p(4)) && len == 16,
        b'3' => {
            (matches!(p(2), 34 | 37) && len == 15)
                || (p(2) == 35 && (16..=19).contains(&len))
                || ((matches!(p(2), 36 | 38 | 39) || (300..=305).contains(&p(3)))
                    && (14..=19).contains(&len))
        }
        b'6' => {
            (p(4) == 6011 || p(2) == 65 || (644..=649).contains(&p(3)) || p(2) == 62)
                && (16..=19).contains(&len)
        }
        _ => false,
    }
}

/// IBAN lengths by country (SWIFT registry, the common ones).
fn iban_len(cc: &[u8]) -> Option<usize> {
    Some(match cc {
        b"AD" => 24,
        b"AE" => 23,
        b"AL" => 28,
        b"AT" => 20,
        b"AZ" => 28,
        b"BA" => 20,
        b"BE" => 16,
        b"BG" => 22,
        b"BH" => 22,
        b"BR" => 29,
        b"CH" => 21,
        b"CR" => 22,
        b"CY" => 28,
        b"CZ" => 24,
        b"DE" => 22,
        b"DK" => 18,
        b"DO" => 28,
        b"EE" => 20,
        b"EG" => 29,
        b"ES" => 24,
        b"FI" => 18,
        b"FO" => 18,
        b"FR" => 27,
        b"GB" => 22,
        b"GE" => 22,
        b"GI" => 23,
        b"GL" => 18,
        b"GR" => 27,
        b"GT" => 28,
        b"HR" => 21,
        b"HU" => 28,
        b"IE" => 22,
        b"IL" => 23,
        b"IS" => 26,
        b"IT" => 27,
        b"JO" => 30,
        b"KW" => 30,
        b"KZ" => 20,
        b"LB" => 28,
        b"LI" => 21,
        b"LT" => 20,
        b"LU" => 20,
        b"LV" => 21,
        b"MC" => 27,
        b"MD" => 24,
        b"ME" => 22,
        b"MK" => 19,
        b"MR" => 27,
        b"MT" => 31,
        b"MU" => 30,
        b"NL" => 18,
        b"NO" => 15,
        b"PK" => 24,
        b"PL" => 28,
        b"PS" => 29,
        b"PT" => 25,
        b"QA" => 29,
        b"RO" => 24,
        b"RS" => 22,
        b"SA" => 24,
        b"SE" => 24,
        b"SI" => 19,
        b"SK" => 24,
        b"SM" => 27,
        b"TN" => 24,
        b"TR" => 26,
        b"UA" => 29,
        b"VG" => 24,
        b"XK" => 20,
        _ => return None,
    })
}

fn iban_valid(s: &[u8]) -> bool {
    let c: Vec<u8> = s.iter().copied().filter(|&b| b != b' ').collect();
    if c.len() < 15 || iban_len(&c[..2]) != Some(c.len()) {
        return false;
    }
    let mut rem = 0u32;
    for &b in c[4..].iter().chain(&c[..4]) {
        let v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => return false,
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

fn ssn_valid(s: &[u8]) -> bool {
    let area = &s[..3];
    area != b"000" && area != b"666" && area[0] != b'9' && &s[4..6] != b"00" && &s[7..] != b"0000"
}

fn ipv4_public(a: Ipv4Addr) -> bool {
    let [o0, o1, o2, _] = a.octets();
    !(o0 == 0
        || o0 == 10
        || o0 == 127
        || (o0 == 100 && (64..128).contains(&o1))
        || (o0 == 169 && o1 == 254)
        || (o0 == 172 && (16..32).contains(&o1))
        || (o0 == 192 && o1 == 0 && (o2 == 0 || o2 == 2))
        || (o0 == 192 && o1 == 168)
        || (o0 == 198 && (o1 == 18 || o1 == 19))
        || (o0 == 198 && o1 == 51 && o2 == 100)
        || (o0 == 203 && o1 == 0 && o2 == 113)
        || o0 >= 224)
}

fn ipv6_public(a: Ipv6Addr) -> bool {
    if let Some(v4) = a.to_ipv4_mapped() {
        return ipv4_public(v4);
    }
    let s = a.segments();
    (s[0] & 0xe000) == 0x2000 && !(s[0] == 0x2001 && s[1] == 0x0db8)
}

fn entropy(s: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Validates a candidate of `cand` spanning exactly `s`.
fn validate(cand: Cand, s: &[u8], cfg: &PiiConfig) -> bool {
    match cand {
        Cand::Email => true,
        Cand::SecretPrefix => true,
        Cand::Iban => iban_valid(s),
        Cand::Card => {
            // At most 25 bytes (the pattern); the digits on the stack.
            let mut d = [0u8; 32];
            let mut n = 0;
            for &b in s.iter().filter(|b| b.is_ascii_digit()).take(d.len()) {
                d[n] = b;
                n += 1;
            }
            let d = &d[..n];
            // Separators, if any, must be one kind.
            let mut seps = s.iter().filter(|b| !b.is_ascii_digit());
            let first = seps.next();
            (13..=19).contains(&d.len())
                && seps.all(|b| Some(b) == first)
                && card_issuer(d)
                && luhn(d)
        }
        Cand::Ssn => ssn_valid(s),
        Cand::Ipv4 => std::str::from_utf8(s)
            .ok()
            .and_then(|t| t.parse::<Ipv4Addr>().ok())
            .is_some_and(ipv4_public),
        Cand::Ipv6 => {
            s.iter().filter(|&&b| b == b':').count() >= 2
                && std::str::from_utf8(s)
                    .ok()
                    .and_then(|t| t.parse::<Ipv6Addr>().ok())
                    .is_some_and(ipv6_public)
        }
        Cand::Phone => {
            let n = s.iter().filter(|b| b.is_ascii_digit()).count();
            let intl = s[0] == b'+' || s.starts_with(b"00");
            let parens_ok = s.iter().filter(|&&b| b == b'(').count()
                == s.iter().filter(|&&b| b == b')').count();
            // `ddd-dd-dddd` is SSN-shaped (an invalid SSN), not a phone number.
            let ssn_shaped = s.len() == 11 && s[3] == b'-' && s[6] == b'-';
            parens_ok
                && !ssn_shaped
                && if intl {
                    (8..=15).contains(&(n - usize::from(s.starts_with(b"00")) * 2))
                } else {
                    (9..=11).contains(&n)
                }
        }
        Cand::Token => {
            let has = |f: fn(&u8) -> bool| s.iter().any(f);
            s.len() >= cfg.secret_min_len
                && has(u8::is_ascii_digit)
                && has(u8::is_ascii_uppercase)
                && has(u8::is_ascii_lowercase)
                && entropy(s) >= cfg.secret_min_entropy
        }
    }
}

/// True when a match may end at `e`: the end of the text, or not inside a longer word or number.
fn end_ok(bytes: &[u8], e: usize) -> bool {
    e == bytes.len()
        || !is_word_byte(bytes[e - 1])
        || !(is_word_byte(bytes[e])
            || (matches!(bytes[e], b'.' | b'-' | b'@')
                && e + 1 < bytes.len()
                && bytes[e + 1].is_ascii_alphanumeric()))
}

/// The longest e-mail domain (RFC 1035).
const MAX_DOMAIN_LEN: usize = 253;

/// The first kind (in priority order) whose pattern matches at `s` and validates; a match that
/// fails is retried without its trailing separated groups (a phone number followed by a year).
/// Each pattern sees only `cfg.max_candidate_len + 1` bytes from `s` (the extra byte tells a
/// match that ends at the limit from one that goes on), so the work per candidate is bounded.
fn classify(bytes: &[u8], s: usize, prev: u8, cfg: &PiiConfig) -> Option<(PiiKind, usize)> {
    let max_len = cfg.max_candidate_len.max(64);
    let window = &bytes[s..bytes.len().min(s.saturating_add(max_len + 1))];
    for (cand, re) in &PATTERNS.each {
        if !cfg.kinds.contains(&cand.kind())
            || (prev == b'-' && *cand != Cand::SecretPrefix)
            || !cand.may_start_with(bytes[s])
        {
            continue;
        }
        let Some(mm) = re.find(window) else {
            continue;
        };
        if mm.end() > max_len {
            continue;
        }
        let mut e = s + mm.end();
        loop {
            if end_ok(bytes, e)
                && validate(*cand, &bytes[s..e], cfg)
                && (*cand != Cand::Email || email_domain_ok(&bytes[s..e]))
            {
                return Some((cand.kind(), e));
            }
            match bytes[s..e].iter().rposition(|&b| b == b' ' || b == b'-') {
                Some(k) if k > 0 && matches!(cand, Cand::Iban | Cand::Card | Cand::Phone) => {
                    e = s + k;
                }
                _ => break,
            }
        }
    }
    None
}

/// The leftmost match of a regex at or after a position, remembered while it is still ahead:
/// no match starts between the position it was searched from and its start, so it is also the
/// leftmost match from any position up to its start (the patterns have no look-around), and
/// "none" stays none. Each search then reads a part of the text that the next one does not
/// (but for the few bytes past a match that decided its end), whichever of the two searches
/// drives the loop.
struct Ahead<'r> {
    re: &'r Regex,
    found: Option<Option<(usize, usize)>>,
}

impl<'r> Ahead<'r> {
    fn new(re: &'r Regex) -> Self {
        Ahead { re, found: None }
    }

    /// The leftmost match starting at or after `pos` (`pos` never decreases between calls).
    fn at(&mut self, bytes: &[u8], pos: usize) -> Option<(usize, usize)> {
        match self.found {
            Some(Some((s, _))) if s < pos => {}
            Some(found) => return found,
            None => {}
        }
        let found = self.re.find_at(bytes, pos).map(|m| (m.start(), m.end()));
        self.found = Some(found);
        found
    }
}

/// True when the domain of the address `s` has at most 253 bytes.
fn email_domain_ok(s: &[u8]) -> bool {
    s.iter()
        .position(|&b| b == b'@')
        .is_some_and(|at| s.len() - at - 1 <= MAX_DOMAIN_LEN)
}

/// Detects PII in `text`: non-overlapping matches in text order, of the configured kinds.
///
/// Linear in the text length on any input (see the [module documentation](self) for the limits
/// that make it so): on long runs of digits, letters, separators or `@` it takes a small multiple
/// of the time on prose (docs/performance.md, "Pathological inputs").
pub fn detect(text: &str, cfg: &PiiConfig) -> Vec<PiiMatch> {
    let pats = &*PATTERNS;
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    let mut email = Ahead::new(&pats.email);
    let mut rest = Ahead::new(&pats.rest);
    while pos < bytes.len() {
        // The leftmost-first match of the whole alternation: the leftmost start, and at one
        // start the e-mail first (it is the first alternative).
        let Some((s, end)) = (match (email.at(bytes, pos), rest.at(bytes, pos)) {
            (Some(e), Some(r)) => Some(if e.0 <= r.0 { e } else { r }),
            (e, r) => e.or(r),
        }) else {
            break;
        };
        let mut next = end.max(s + 1);
        // A candidate must start at a word boundary, not inside an address, path or number.
        let boundary = s == 0 || !is_word_byte(bytes[s - 1]) || !is_word_byte(bytes[s]);
        let prev = if s > 0 { bytes[s - 1] } else { b' ' };
        if boundary
            && !matches!(prev, b'@' | b'.' | b'/')
            && let Some((kind, e)) = classify(bytes, s, prev, cfg)
        {
            out.push(PiiMatch {
                kind,
                start: s,
                end: e,
            });
            next = e;
        }
        // Skip to the next character boundary.
        while next < bytes.len() && !text.is_char_boundary(next) {
            next += 1;
        }
        pos = next;
    }
    out
}

/// The result of [`redact`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Redacted {
    /// The text with every match replaced (unchanged for [`PiiAction::Keep`]).
    pub text: String,
    /// Matches per kind name (only kinds that occurred).
    pub counts: BTreeMap<&'static str, u64>,
}

fn keyed(salt: &str, kind: PiiKind, value: &str) -> [u8; 32] {
    let key = blake3::derive_key("dataprep-quality 2026 pii salt", salt.as_bytes());
    let mut h = blake3::Hasher::new_keyed(&key);
    h.update(kind.name().as_bytes());
    h.update(&[0]);
    h.update(value.as_bytes());
    *h.finalize().as_bytes()
}

fn fake(kind: PiiKind, h: &[u8; 32], original: &str) -> String {
    let n = u64::from_le_bytes(h[..8].try_into().expect("8 bytes"));
    match kind {
        PiiKind::Email => format!("user{:06}@example.com", n % 1_000_000),
        PiiKind::Ipv4 => {
            let nets = ["192.0.2", "198.51.100", "203.0.113"];
            format!("{}.{}", nets[(n % 3) as usize], 1 + (n >> 8) % 254)
        }
        PiiKind::Ipv6 => format!("2001:db8::{:x}:{:x}", (n >> 16) & 0xffff, n & 0xffff),
        PiiKind::Phone => format!("+1 555 01{:02}", n % 100),
        PiiKind::CreditCard => {
            // A Luhn-valid 16-digit number in the 4000 00 test range.
            let mut d: Vec<u8> = b"400000".to_vec();
            let mut x = n;
            for _ in 0..9 {
                d.push(b'0' + (x % 10) as u8);
                x /= 10;
            }
            for c in b'0'..=b'9' {
                d.push(c);
                if luhn(&d) {
                    break;
                }
                d.pop();
            }
            String::from_utf8(d).expect("ascii")
        }
        PiiKind::Iban => format!("XX00FAKE{:014}", n % 100_000_000_000_000),
        PiiKind::UsSsn => format!(
            "9{:02}-{:02}-{:04}",
            n % 100,
            (n >> 8) % 100,
            (n >> 16) % 10_000
        ),
        PiiKind::Secret => {
            let hex: String = h.iter().map(|b| format!("{b:02x}")).collect();
            let len = original.len().clamp(8, 64);
            format!("FAKE_{}", &hex[..len.min(hex.len())])
        }
    }
}

/// Detects PII and applies the configured action; counts per kind.
pub fn redact(text: &str, cfg: &PiiConfig) -> Redacted {
    let matches = detect(text, cfg);
    let mut counts = BTreeMap::new();
    for m in &matches {
        *counts.entry(m.kind.name()).or_insert(0) += 1;
    }
    if cfg.action == PiiAction::Keep || matches.is_empty() {
        return Redacted {
            text: text.to_owned(),
            counts,
        };
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for m in &matches {
        out.push_str(&text[last..m.start]);
        let value = &text[m.start..m.end];
        match cfg.action {
            PiiAction::Redact | PiiAction::Keep => out.push_str(m.kind.placeholder()),
            PiiAction::Mask => out.extend(
                value
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { '*' } else { c }),
            ),
            PiiAction::Hash => {
                let h = keyed(&cfg.salt, m.kind, value);
                let p = m.kind.placeholder();
                out.push_str(&p[..p.len() - 1]);
                out.push(':');
                for b in &h[..8] {
                    out.push_str(&format!("{b:02x}"));
                }
                out.push('>');
            }
            PiiAction::Fake => out.push_str(&fake(m.kind, &keyed(&cfg.salt, m.kind, value), value)),
        }
        last = m.end;
    }
    out.push_str(&text[last..]);
    Redacted { text: out, counts }
}

/// [`redact`] as a pipeline [`Stage`]: rewrites the text field and records the count of every
/// configured kind as a score `scores.pii.<kind>` (zeros included). Keeps every record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PiiStage {
    /// The detection and action.
    config: PiiConfig,
    /// The text field.
    field: String,
}

impl PiiStage {
    /// A stage over `text` with this config.
    pub fn new(config: PiiConfig) -> Self {
        PiiStage {
            config,
            field: "text".into(),
        }
    }

    /// Sets the text field.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// The detection and action.
    pub fn config(&self) -> &PiiConfig {
        &self.config
    }

    /// The text field.
    pub fn field(&self) -> &str {
        &self.field
    }
}

impl Stage for PiiStage {
    fn name(&self) -> &str {
        "pii"
    }

    fn config(&self) -> serde_json::Value {
        config_json(self)
    }

    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }

    fn process(&self, record: &mut Record, cx: &Context) -> Result<Action, RecordError> {
        let r = redact(record.str(&self.field)?, &self.config);
        for k in &self.config.kinds {
            let n = r.counts.get(k.name()).copied().unwrap_or(0);
            record.set_score(cx.stage(), k.name(), n as f64);
        }
        if self.config.action != PiiAction::Keep {
            record.set(self.field.clone(), r.text);
        }
        Ok(Action::Keep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::Strategy;

    fn kinds(t: &str) -> Vec<(PiiKind, &str)> {
        detect(t, &PiiConfig::default())
            .into_iter()
            .map(|m| (m.kind, &t[m.start..m.end]))
            .collect()
    }

    #[test]
    fn validators() {
        assert!(luhn(b"4111111111111111"));
        assert!(!luhn(b"4111111111111112"));
        assert!(iban_valid(b"GB82 WEST 1234 5698 7654 32"));
        assert!(!iban_valid(b"GB82 WEST 1234 5698 7654 33"));
        assert!(iban_valid(b"DE89370400440532013000"));
        assert!(ssn_valid(b"123-45-6789"));
        assert!(!ssn_valid(b"666-45-6789") && !ssn_valid(b"912-45-6789"));
    }

    #[test]
    fn examples() {
        assert_eq!(
            kinds("from 8.8.8.8 and 10.0.0.1"),
            [(PiiKind::Ipv4, "8.8.8.8")]
        );
        assert_eq!(
            kinds("v6 2606:4700:4700::1111 not fe80::1 nor 2001:db8::1"),
            [(PiiKind::Ipv6, "2606:4700:4700::1111")]
        );
        assert_eq!(kinds("SSN 123-45-6789."), [(PiiKind::UsSsn, "123-45-6789")]);
        assert_eq!(
            kinds("key AKIAIOSFODNN7EXAMPLE here"),
            [(PiiKind::Secret, "AKIAIOSFODNN7EXAMPLE")]
        );
        assert_eq!(
            kinds("at 10:30:00 on 2024-01-02, version 1.2.3, ISBN 978-3-16-148410-0"),
            []
        );
        assert_eq!(kinds("In 1999 there were 4000 people."), []);
    }

    #[test]
    fn actions_are_consistent() {
        let t = "a@b.example.com and a@b.example.com";
        let cfg = PiiConfig::default().with_salt("s1");
        let h = redact(t, &cfg.clone().with_action(PiiAction::Hash)).text;
        let parts: Vec<&str> = h.split(" and ").collect();
        assert_eq!(parts[0], parts[1]);
        assert!(parts[0].starts_with("<EMAIL:") && parts[0].len() == "<EMAIL:>".len() + 16);
        let other = redact(
            t,
            &PiiConfig::default()
                .with_salt("s2")
                .with_action(PiiAction::Hash),
        );
        assert_ne!(h, other.text);
        let f = redact(t, &cfg.clone().with_action(PiiAction::Fake)).text;
        let parts: Vec<&str> = f.split(" and ").collect();
        assert_eq!(parts[0], parts[1]);
        assert!(parts[0].ends_with("@example.com"));
        assert_eq!(
            redact("ip 8.8.4.4", &cfg.clone().with_action(PiiAction::Mask)).text,
            "ip *.*.*.*"
        );
        for k in PiiKind::ALL {
            let fk = fake(k, &keyed("x", k, "v"), "value-value-value");
            assert!(!fk.is_empty());
        }
        // Fake IPs and SSNs are not PII again.
        let f = redact("8.8.8.8 123-45-6789", &cfg.with_action(PiiAction::Fake)).text;
        assert!(detect(&f, &PiiConfig::default()).is_empty(), "{f}");
    }

    #[test]
    fn limits_of_the_formats() {
        let cfg = PiiConfig::default();
        // E-mail: local part up to 64 bytes, domain up to 253.
        let local = "a".repeat(64);
        let t = format!("to {local}@example.com now");
        assert_eq!(kinds(&t), [(PiiKind::Email, &t[3..t.len() - 4])]);
        let t = format!("to a{local}@example.com now");
        assert!(detect(&t, &cfg.clone().with_kinds([PiiKind::Email])).is_empty());
        let domain = format!("{}.example.com", vec!["b".repeat(60); 4].join("."));
        let (ok, long) = (&domain[2..], &domain[1..]);
        assert_eq!((ok.len(), long.len()), (253, 254));
        let t = format!("x@{ok} x@{long}");
        let m = detect(&t, &cfg.clone().with_kinds([PiiKind::Email]));
        assert_eq!(m.len(), 1);
        assert_eq!(&t[m[0].start..m[0].end], format!("x@{ok}"));
        // A label of 64 bytes is not a domain label.
        let t = format!("x@{}.com", "c".repeat(64));
        assert!(detect(&t, &cfg.clone().with_kinds([PiiKind::Email])).is_empty());
        let t = format!("x@{}.com", "c".repeat(63));
        assert_eq!(detect(&t, &cfg).len(), 1);
    }

    #[test]
    fn max_candidate_len_is_the_longest_span() {
        // A high-entropy token of exactly the limit is reported; one byte more is not.
        let unit = b"aB3dE6gH9jK2mN5pQ8sT1vW4yZ7";
        for max_len in [64, 100, 4096] {
            let cfg = PiiConfig::default().with_max_candidate_len(max_len);
            let token: String = (0..max_len + 1).map(|i| char::from(unit[i % 27])).collect();
            let at = format!("k {} k", &token[..max_len]);
            assert_eq!(
                kinds_with(&at, &cfg),
                [(PiiKind::Secret, &at[2..2 + max_len])]
            );
            let over = format!("k {token} k");
            assert_eq!(kinds_with(&over, &cfg), [], "{max_len}");
        }
        // Below 64 counts as 64; the default is MAX_CANDIDATE_LEN.
        let t = format!("k {} k", "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7".repeat(2));
        assert_eq!(
            kinds_with(&t, &PiiConfig::default().with_max_candidate_len(0)).len(),
            1
        );
        assert_eq!(
            PiiConfig::default().max_candidate_len,
            PiiConfig::MAX_CANDIDATE_LEN
        );
        // A JWT longer than the limit is not reported either.
        let jwt = format!(
            "eyJhbGciOiJIUzI1NiJ9.eyJ{}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
            "c3ViIjoiMTIzNDU2Nzg5MCJ9".repeat(10)
        );
        let cfg = PiiConfig::default().with_kinds([PiiKind::Secret]);
        assert_eq!(kinds_with(&jwt, &cfg).len(), 1);
        assert!(kinds_with(&jwt, &cfg.with_max_candidate_len(jwt.len() - 1)).is_empty());
        // Configs written before the field existed still load, with the default.
        let mut json = serde_json::to_value(PiiConfig::default()).unwrap();
        json.as_object_mut().unwrap().remove("max_candidate_len");
        let back: PiiConfig = serde_json::from_value(json).unwrap();
        assert_eq!(back, PiiConfig::default());
    }

    fn kinds_with<'t>(t: &'t str, cfg: &PiiConfig) -> Vec<(PiiKind, &'t str)> {
        detect(t, cfg)
            .into_iter()
            .map(|m| (m.kind, &t[m.start..m.end]))
            .collect()
    }

    /// The detector before issue 19 (unbounded patterns, whole-text searches), quadratic on long
    /// runs: the reference that [`detect`] must agree with wherever no limit is reached.
    mod reference {
        use super::super::*;

        const EMAIL: &str = r"[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}";
        const SECRET_PREFIX: &str = r"(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{60,}|xox[abposr]-[A-Za-z0-9\-]{10,}|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_\-]{35}|sk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}|hf_[A-Za-z0-9]{30,}|-----BEGIN [A-Z ]*PRIVATE KEY-----|eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}";

        struct Old {
            all: regex::Regex,
            each: Vec<(Cand, regex::Regex)>,
        }

        static OLD: LazyLock<Old> = LazyLock::new(|| {
            let list = [
                (Cand::Email, EMAIL),
                (Cand::SecretPrefix, SECRET_PREFIX),
                (Cand::Iban, IBAN),
                (Cand::Card, CARD),
                (Cand::Ssn, SSN),
                (Cand::Ipv4, IPV4),
                (Cand::Ipv6, IPV6),
                (Cand::Phone, PHONE),
                (Cand::Token, TOKEN),
            ];
            let all = list
                .iter()
                .map(|(_, p)| format!("(?:{p})"))
                .collect::<Vec<_>>()
                .join("|");
            Old {
                all: regex::Regex::new(&format!("(?-u:{all})")).unwrap(),
                each: list
                    .iter()
                    .map(|&(c, p)| (c, regex::Regex::new(&format!("(?-u:\\A(?:{p}))")).unwrap()))
                    .collect(),
            }
        });

        fn classify(text: &str, s: usize, prev: u8, cfg: &PiiConfig) -> Option<(PiiKind, usize)> {
            let bytes = text.as_bytes();
            for (cand, re) in &OLD.each {
                if !cfg.kinds.contains(&cand.kind())
                    || (prev == b'-' && *cand != Cand::SecretPrefix)
                {
                    continue;
                }
                let Some(mm) = re.find(&text[s..]) else {
                    continue;
                };
                let mut e = s + mm.end();
                loop {
                    if end_ok(bytes, e) && validate(*cand, &bytes[s..e], cfg) {
                        return Some((cand.kind(), e));
                    }
                    match bytes[s..e].iter().rposition(|&b| b == b' ' || b == b'-') {
                        Some(k)
                            if k > 0 && matches!(cand, Cand::Iban | Cand::Card | Cand::Phone) =>
                        {
                            e = s + k;
                        }
                        _ => break,
                    }
                }
            }
            None
        }

        pub(super) fn detect(text: &str, cfg: &PiiConfig) -> Vec<PiiMatch> {
            let bytes = text.as_bytes();
            let mut out = Vec::new();
            let mut pos = 0;
            while pos < bytes.len() {
                let Some(m) = OLD.all.find_at(text, pos) else {
                    break;
                };
                let s = m.start();
                let mut next = m.end().max(s + 1);
                let boundary = s == 0 || !is_word_byte(bytes[s - 1]) || !is_word_byte(bytes[s]);
                let prev = if s > 0 { bytes[s - 1] } else { b' ' };
                if boundary
                    && !matches!(prev, b'@' | b'.' | b'/')
                    && let Some((kind, e)) = classify(text, s, prev, cfg)
                {
                    out.push(PiiMatch {
                        kind,
                        start: s,
                        end: e,
                    });
                    next = e;
                }
                while next < bytes.len() && !text.is_char_boundary(next) {
                    next += 1;
                }
                pos = next;
            }
            out
        }
    }

    /// The longest run of bytes in `class`.
    fn longest_run(t: &str, class: impl Fn(u8) -> bool) -> usize {
        t.as_bytes()
            .split(|&b| !class(b))
            .map(<[u8]>::len)
            .max()
            .unwrap_or(0)
    }

    /// True when `t` cannot reach a limit that [`detect`] has and the reference has not.
    fn within_limits(t: &str) -> bool {
        longest_run(t, |b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b)) < 64
            && longest_run(t, |b| b.is_ascii_uppercase() || b == b' ') < 64
    }

    fn configs() -> Vec<PiiConfig> {
        let mut v = vec![PiiConfig::default()];
        // One kind at a time: candidates of the others no longer shadow it.
        v.extend(PiiKind::ALL.map(|k| PiiConfig::default().with_kinds([k])));
        v.push(PiiConfig::default().with_secret_limits(16, 3.0));
        v
    }

    #[test]
    fn same_matches_as_the_reference_on_the_labelled_set() {
        let cfgs = configs();
        let mut n = 0;
        for line in include_str!("../tests/data/pii_labelled.jsonl").lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let t = v["text"].as_str().unwrap();
            for cfg in &cfgs {
                assert_eq!(detect(t, cfg), reference::detect(t, cfg), "{t:?} {cfg:?}");
            }
            n += 1;
        }
        assert!(n > 100, "{n} labelled documents");
    }

    /// Pieces of PII and of its look-alikes, joined at random.
    fn pieces() -> impl Strategy<Value = String> {
        const PIECES: &[&str] = &[
            "0",
            "1",
            "4",
            "9",
            "00",
            "1111",
            "4111",
            "123",
            "45",
            "6789",
            "a",
            "b",
            "x",
            "Z",
            "Q",
            "k",
            " ",
            " ",
            " ",
            "-",
            "-",
            ".",
            ".",
            "+",
            "@",
            "@",
            ":",
            "::",
            "(",
            ")",
            "/",
            "=",
            "_",
            "%",
            "é",
            "\n",
            "eyJ",
            "eyJhbGciOi",
            "sk-",
            "sk_live_",
            "ghp_",
            "hf_",
            "AKIA",
            "xoxb-",
            "-----BEGIN ",
            "RSA ",
            "PRIVATE KEY-----",
            "@example.com",
            ".org",
            "+44 ",
            "+1 (",
            "00",
            "GB82",
            "WEST",
            "DE89",
            "2001:",
            "2606:4700",
            "fe80",
            "8.8.",
            "10.",
            "192.168.",
            "123-45-",
            "555-",
            "(555) ",
            "aB3dE6gH9jK2mN5p",
        ];
        proptest::collection::vec(proptest::sample::select(PIECES), 0..40).prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]

        #[test]
        fn same_matches_as_the_reference(t in pieces()) {
            if within_limits(&t) {
                for cfg in configs() {
                    proptest::prop_assert_eq!(detect(&t, &cfg), reference::detect(&t, &cfg), "{:?}", cfg);
                }
            }
        }

        #[test]
        fn same_matches_as_the_reference_on_short_texts(t in "[0-9a-fA-Z@.:+ ()=_-]{0,63}") {
            for cfg in configs() {
                proptest::prop_assert_eq!(detect(&t, &cfg), reference::detect(&t, &cfg), "{:?}", cfg);
            }
        }
    }
}
