//! Cleaning: Markdown stripping, URL and e-mail stripping, removal of repeated boilerplate
//! lines.
//!
//! ```
//! use dataprep_text::clean::{strip_markdown, strip_urls, strip_emails, remove_repeated_lines};
//! assert_eq!(strip_markdown("# Title\n\nSome *bold* [link](https://x.invalid)."), "Title\n\nSome bold link.");
//! assert_eq!(strip_urls("see https://x.invalid/a?b=1, now"), "see , now");
//! assert_eq!(strip_emails("mail me@example.com."), "mail .");
//! assert_eq!(remove_repeated_lines("Menu\nA\nMenu\nB\nMenu", 2), "A\nB");
//! ```

use std::borrow::Cow;
use std::collections::HashMap;

use dataprep_core::stage::config_json;
use dataprep_core::{Action, Context, Record, RecordError, Stage};
use pulldown_cmark::{Event, Parser, TagEnd};
use serde::{Deserialize, Serialize};

/// Markdown → plain text (CommonMark, pulldown-cmark): markup, link targets, images' URLs and
/// HTML tags are removed; text, link text, image alt text and code are kept; blocks are
/// separated by blank lines, list items and code lines by line breaks.
pub fn strip_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ev in Parser::new(text) {
        match ev {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_)
                | TagEnd::List(_)
                | TagEnd::Table,
            ) => out.push_str("\n\n"),
            Event::End(TagEnd::Item | TagEnd::TableRow | TagEnd::TableHead) => out.push('\n'),
            Event::End(TagEnd::TableCell) => out.push(' '),
            _ => {}
        }
    }
    // Collapse the separators we produced.
    let mut res = String::with_capacity(out.len());
    let mut newlines = 0;
    for c in out.trim().chars() {
        if c == '\n' {
            newlines += 1;
            if newlines <= 2 {
                res.push(c);
            }
        } else {
            newlines = 0;
            res.push(c);
        }
    }
    res
}

fn replace_tokens<'a>(
    text: &'a str,
    replacement: &str,
    is_target: impl Fn(&str) -> bool,
) -> Cow<'a, str> {
    let mut out = String::new();
    let mut last = 0;
    let mut changed = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        while i < text.len() && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let token = &text[start..i];
        // Trailing punctuation is not part of a URL/e-mail; leading brackets neither.
        let core_start =
            start + (token.len() - token.trim_start_matches(['(', '<', '[', '"', '\'']).len());
        let core = text[core_start..i]
            .trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '>', ']', '"', '\'']);
        if !core.is_empty() && is_target(core) {
            out.push_str(&text[last..core_start]);
            out.push_str(replacement);
            last = core_start + core.len();
            changed = true;
        }
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

fn is_url(t: &str) -> bool {
    let l = t.get(..8).unwrap_or(t).to_ascii_lowercase();
    l.starts_with("http://")
        || l.starts_with("https://")
        || l.starts_with("ftp://")
        || l.starts_with("www.")
}

fn is_email(t: &str) -> bool {
    let Some((local, domain)) = t.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "._%+-".contains(c))
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || ".-".contains(c))
}

/// Removes URLs (`http://`, `https://`, `ftp://`, `www.` tokens), keeping surrounding
/// punctuation.
pub fn strip_urls(text: &str) -> Cow<'_, str> {
    replace_tokens(text, "", is_url)
}

/// Replaces URLs (as [`strip_urls`] finds them) with `placeholder`.
///
/// ```
/// use dataprep_text::clean::replace_urls;
/// assert_eq!(replace_urls("see (https://x.invalid/a), now", "<URL>"), "see (<URL>), now");
/// ```
pub fn replace_urls<'a>(text: &'a str, placeholder: &str) -> Cow<'a, str> {
    replace_tokens(text, placeholder, is_url)
}

/// Removes e-mail addresses (`local@domain.tld` tokens).
pub fn strip_emails(text: &str) -> Cow<'_, str> {
    replace_tokens(text, "", is_email)
}

/// Replaces e-mail addresses (as [`strip_emails`] finds them) with `placeholder`.
///
/// ```
/// use dataprep_text::clean::replace_emails;
/// assert_eq!(replace_emails("mail me@example.com.", "<EMAIL>"), "mail <EMAIL>.");
/// ```
pub fn replace_emails<'a>(text: &'a str, placeholder: &str) -> Cow<'a, str> {
    replace_tokens(text, placeholder, is_email)
}

/// Removes every occurrence of a non-blank line that occurs at least `min_repeats` times in the
/// text (menus, cookie notices, "Share this" lines repeated through a page). Lines are compared
/// after trimming. `min_repeats` below 2 is treated as 2.
pub fn remove_repeated_lines(text: &str, min_repeats: usize) -> Cow<'_, str> {
    let min = min_repeats.max(2);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for l in text.lines() {
        let t = l.trim();
        if !t.is_empty() {
            *counts.entry(t).or_default() += 1;
        }
    }
    if counts.values().all(|&c| c < min) {
        return Cow::Borrowed(text);
    }
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| counts.get(l.trim()).is_none_or(|&c| c < min))
        .collect();
    Cow::Owned(kept.join("\n"))
}

/// Configuration of [`CleanStage`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct CleanConfig {
    /// The text field (default `text`).
    pub field: String,
    /// Strip Markdown (default false).
    pub strip_markdown: bool,
    /// Strip URLs (default false).
    pub strip_urls: bool,
    /// What a stripped URL becomes (default empty, e.g. `<URL>`).
    pub url_placeholder: String,
    /// Strip e-mail addresses (default false).
    pub strip_emails: bool,
    /// What a stripped e-mail address becomes (default empty, e.g. `<EMAIL>`).
    pub email_placeholder: String,
    /// Remove lines repeated at least this many times (0 = off, the default).
    pub repeated_lines: usize,
}

impl Default for CleanConfig {
    fn default() -> Self {
        Self {
            field: "text".into(),
            strip_markdown: false,
            strip_urls: false,
            url_placeholder: String::new(),
            strip_emails: false,
            email_placeholder: String::new(),
            repeated_lines: 0,
        }
    }
}

/// A stage applying the enabled cleaning steps (Markdown, URLs, e-mails, repeated lines, in
/// that order) to a text field.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CleanStage {
    config: CleanConfig,
}

impl CleanStage {
    /// A stage with a configuration.
    pub fn new(config: CleanConfig) -> Self {
        Self { config }
    }

    /// The configuration.
    pub fn config(&self) -> &CleanConfig {
        &self.config
    }
}

impl Stage for CleanStage {
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }

    fn name(&self) -> &str {
        "clean"
    }

    fn config(&self) -> serde_json::Value {
        config_json(&self.config)
    }

    fn process(&self, record: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let c = &self.config;
        let text = record.str(&c.field)?;
        let mut cur: Cow<'_, str> = if c.strip_markdown {
            Cow::Owned(strip_markdown(text))
        } else {
            Cow::Borrowed(text)
        };
        if c.strip_urls {
            cur = Cow::Owned(replace_urls(&cur, &c.url_placeholder).into_owned());
        }
        if c.strip_emails {
            cur = Cow::Owned(replace_emails(&cur, &c.email_placeholder).into_owned());
        }
        if c.repeated_lines > 0 {
            cur = Cow::Owned(remove_repeated_lines(&cur, c.repeated_lines).into_owned());
        }
        if let Cow::Owned(s) = cur {
            record.set(c.field.as_str(), s);
        }
        Ok(Action::Keep)
    }
}
