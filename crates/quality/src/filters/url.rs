//! URL block lists as datatrove's `URLFilter` (with user-supplied lists).

use std::collections::BTreeSet;
use std::path::Path;

use aho_corasick::AhoCorasick;
use serde::{Deserialize, Serialize};

use super::{
    Decider, FilterResult, MissingScore, QualityFilter, Verdict, decide_from, run_decide, to_f64,
};

/// Drops documents by their URL (the `url` field), in datatrove's order: the registered domain
/// (public-suffix list, ICANN section, as `tldextract`) is block-listed → `domain`; the full host
/// is → `subdomain`; the URL itself is → `url`; a banned word is one of the URL's alphanumeric
/// runs → `hard_blacklisted`; at least `soft_word_threshold` soft-banned words are →
/// `soft_blacklisted`; a banned sub-word occurs in the URL with non-alphanumerics removed,
/// lower-cased → `blacklisted_subword`.
///
/// Lists are the user's: datatrove's bundled lists (UT1 blacklists, CC BY-SA) are not shipped;
/// [`UrlFilter::from_dir`] reads lists in datatrove's file layout.
///
/// Scores: `domain_blocked`, `subdomain_blocked`, `url_blocked` (0 or 1), `banned_words`,
/// `soft_banned_words`, `banned_subwords` (counts).
///
/// ```
/// use dataprep_quality::filters::{QualityFilter, UrlFilter};
/// let f = UrlFilter::default().with_domains(["spam-example.biz"]).with_banned_words(["casino"]);
/// assert_eq!(f.apply("https://www.spam-example.biz/a").reason(), Some("domain"));
/// assert_eq!(f.apply("https://ok.example.org/best-casino-deals").reason(), Some("hard_blacklisted"));
/// assert!(f.apply("https://ok.example.org/casinos").is_keep());
/// ```
#[derive(Clone, Serialize, Deserialize)]
#[serde(from = "UrlSpec", into = "UrlSpec")]
#[non_exhaustive]
pub struct UrlFilter {
    spec: UrlSpec,
    subwords: Option<AhoCorasick>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct UrlSpec {
    soft_word_threshold: usize,
    domains: BTreeSet<String>,
    urls: BTreeSet<String>,
    banned_words: BTreeSet<String>,
    banned_subwords: BTreeSet<String>,
    soft_banned_words: BTreeSet<String>,
}

impl Default for UrlSpec {
    fn default() -> Self {
        UrlSpec {
            soft_word_threshold: 2,
            domains: BTreeSet::new(),
            urls: BTreeSet::new(),
            banned_words: BTreeSet::new(),
            banned_subwords: BTreeSet::new(),
            soft_banned_words: BTreeSet::new(),
        }
    }
}

impl From<UrlSpec> for UrlFilter {
    fn from(spec: UrlSpec) -> Self {
        let subwords = AhoCorasick::new(&spec.banned_subwords).ok();
        UrlFilter { spec, subwords }
    }
}

impl From<UrlFilter> for UrlSpec {
    fn from(f: UrlFilter) -> Self {
        f.spec
    }
}

impl std::fmt::Debug for UrlFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.spec;
        f.debug_struct("UrlFilter")
            .field("soft_word_threshold", &s.soft_word_threshold)
            .field("domains", &s.domains.len())
            .field("urls", &s.urls.len())
            .field("banned_words", &s.banned_words.len())
            .field("banned_subwords", &s.banned_subwords.len())
            .field("soft_banned_words", &s.soft_banned_words.len())
            .finish()
    }
}

impl PartialEq for UrlFilter {
    fn eq(&self, other: &Self) -> bool {
        self.spec == other.spec
    }
}

impl Default for UrlFilter {
    fn default() -> Self {
        UrlSpec::default().into()
    }
}

/// datatrove's `normalize`: drop everything but ASCII letters and digits, lower-case.
fn normalize_word(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// datatrove's `parse_list`: skip lines starting with `#`, normalise or strip.
fn parse_list<S: AsRef<str>>(
    items: impl IntoIterator<Item = S>,
    normalize: bool,
) -> BTreeSet<String> {
    items
        .into_iter()
        .filter(|x| !x.as_ref().starts_with('#') && !x.as_ref().is_empty())
        .map(|x| {
            if normalize {
                normalize_word(x.as_ref())
            } else {
                x.as_ref().trim().to_owned()
            }
        })
        .collect()
}

/// The registered domain (ICANN public suffix + one label) and the full host, as `tldextract`
/// computes `registered_domain` and `fqdn` (empty when the host has no public suffix, as for IP
/// addresses).
pub(crate) fn domains_of(url: &str) -> (String, String) {
    let host = match url::Url::parse(url) {
        Ok(u) => u.host_str().unwrap_or("").to_owned(),
        Err(_) => {
            // tldextract also accepts bare hosts ("example.com/path").
            match url::Url::parse(&format!("http://{url}")) {
                Ok(u) => u.host_str().unwrap_or("").to_owned(),
                Err(_) => String::new(),
            }
        }
    };
    let host = host.trim_end_matches('.').to_owned();
    if host.is_empty() || host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
        return (String::new(), String::new());
    }
    // The ICANN suffix: psl returns the longest rule, which may be a private one
    // ("github.io"); tldextract ignores private rules by default.
    let mut suffix: Option<String> = None;
    let mut candidate: &str = &host;
    loop {
        match psl::suffix(candidate.as_bytes()) {
            Some(s) if s.typ() == Some(psl::Type::Icann) => {
                suffix = std::str::from_utf8(s.as_bytes()).ok().map(str::to_owned);
                break;
            }
            Some(s) if s.typ() == Some(psl::Type::Private) => {
                let text = std::str::from_utf8(s.as_bytes()).unwrap_or("");
                match text.split_once('.') {
                    Some((_, rest)) if !rest.is_empty() => {
                        candidate = &host[host.len() - rest.len()..]
                    }
                    _ => break,
                }
            }
            _ => break,
        }
    }
    let Some(suffix) = suffix.filter(|s| s.len() < host.len()) else {
        return (String::new(), String::new());
    };
    let head = &host[..host.len() - suffix.len() - 1];
    let domain = head.rsplit('.').next().unwrap_or("");
    if domain.is_empty() {
        return (String::new(), String::new());
    }
    (format!("{domain}.{suffix}"), host)
}

impl UrlFilter {
    fn rebuild(mut self) -> Self {
        self.subwords = AhoCorasick::new(&self.spec.banned_subwords).ok();
        self
    }

    /// Block-lists registered domains or full hosts.
    #[must_use]
    pub fn with_domains<S: AsRef<str>>(mut self, domains: impl IntoIterator<Item = S>) -> Self {
        self.spec.domains.extend(parse_list(domains, false));
        self
    }

    /// Block-lists exact URLs.
    #[must_use]
    pub fn with_urls<S: AsRef<str>>(mut self, urls: impl IntoIterator<Item = S>) -> Self {
        self.spec.urls.extend(parse_list(urls, false));
        self
    }

    /// Bans words (a URL component equal to one drops the document).
    #[must_use]
    pub fn with_banned_words<S: AsRef<str>>(mut self, words: impl IntoIterator<Item = S>) -> Self {
        self.spec.banned_words.extend(parse_list(words, true));
        self
    }

    /// Bans sub-words (a substring of the normalised URL drops the document).
    #[must_use]
    pub fn with_banned_subwords<S: AsRef<str>>(
        mut self,
        words: impl IntoIterator<Item = S>,
    ) -> Self {
        self.spec.banned_subwords.extend(parse_list(words, true));
        self.rebuild()
    }

    /// Soft-bans words (`soft_word_threshold` of them drop the document).
    #[must_use]
    pub fn with_soft_banned_words<S: AsRef<str>>(
        mut self,
        words: impl IntoIterator<Item = S>,
    ) -> Self {
        self.spec.soft_banned_words.extend(parse_list(words, true));
        self
    }

    /// Sets the number of soft-banned words that drops a document (2).
    #[must_use]
    pub fn with_soft_word_threshold(mut self, n: usize) -> Self {
        self.spec.soft_word_threshold = n;
        self
    }

    /// Reads lists in datatrove's layout from a directory: `domains`, `urls` (one per line, as
    /// in datatrove's extracted blacklist archive), `banned_words.txt`, `banned_subwords.txt`,
    /// `soft_banned_words.txt`; missing files are skipped.
    ///
    /// # Errors
    /// A file exists but cannot be read.
    pub fn from_dir(dir: impl AsRef<Path>) -> crate::Result<Self> {
        let dir = dir.as_ref();
        let read = |name: &str| -> crate::Result<Option<String>> {
            let p = dir.join(name);
            match std::fs::read_to_string(&p) {
                Ok(t) => Ok(Some(t)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(crate::Error::io(p, e)),
            }
        };
        let mut f = UrlFilter::default();
        if let Some(t) = read("domains")? {
            f = f.with_domains(t.lines());
        }
        if let Some(t) = read("urls")? {
            f = f.with_urls(t.lines());
        }
        if let Some(t) = read("banned_words.txt")? {
            f = f.with_banned_words(t.lines());
        }
        if let Some(t) = read("banned_subwords.txt")? {
            f = f.with_banned_subwords(t.lines());
        }
        if let Some(t) = read("soft_banned_words.txt")? {
            f = f.with_soft_banned_words(t.lines());
        }
        Ok(f)
    }

    /// Measures every value for a URL.
    pub fn measure(&self, url: &str) -> Vec<(&'static str, f64)> {
        let s = &self.spec;
        let (registered, fqdn) = domains_of(url);
        let words: BTreeSet<&str> = url
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let hard = s
            .banned_words
            .iter()
            .filter(|w| words.contains(w.as_str()))
            .count();
        let soft = s
            .soft_banned_words
            .iter()
            .filter(|w| words.contains(w.as_str()))
            .count();
        let subwords = match &self.subwords {
            Some(ac) if !s.banned_subwords.is_empty() => {
                ac.find_overlapping_iter(&normalize_word(url)).count()
            }
            _ => 0,
        };
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        vec![
            ("domain_blocked", flag(s.domains.contains(&registered))),
            ("subdomain_blocked", flag(s.domains.contains(&fqdn))),
            ("url_blocked", flag(s.urls.contains(url))),
            ("banned_words", to_f64(hard)),
            ("soft_banned_words", to_f64(soft)),
            ("banned_subwords", to_f64(subwords)),
        ]
    }
}

impl QualityFilter for UrlFilter {
    fn name(&self) -> &str {
        "url_filter"
    }

    fn config(&self) -> serde_json::Value {
        super::cfg(&self.spec)
    }

    fn default_field(&self) -> &str {
        "url"
    }

    fn apply(&self, url: &str) -> FilterResult {
        let scores = self.measure(url);
        FilterResult::new(decide_from(self, &scores), scores)
    }

    fn decide(&self, score: &dyn Fn(&str) -> Option<f64>) -> Result<Verdict, MissingScore> {
        let d = Decider::new(self.name(), score);
        run_decide(|| {
            d.above("domain_blocked", Some(0.0), "domain")?;
            d.above("subdomain_blocked", Some(0.0), "subdomain")?;
            d.above("url_blocked", Some(0.0), "url")?;
            d.above("banned_words", Some(0.0), "hard_blacklisted")?;
            // `count >= threshold` on integers
            let soft_limit = to_f64(self.spec.soft_word_threshold) - 1.0;
            d.above("soft_banned_words", Some(soft_limit), "soft_blacklisted")?;
            d.above("banned_subwords", Some(0.0), "blacklisted_subword")?;
            Ok(())
        })
    }
}
