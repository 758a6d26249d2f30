//! HTML → main-content text.
//!
//! Parsing is html5ever's (through `scraper`), the HTML5 algorithm browsers use, so broken,
//! unclosed and deeply nested markup is handled as a browser would; the tree is walked
//! iteratively (no recursion), so nesting depth cannot overflow the stack.
//!
//! Extraction keeps headings (`# `…), paragraphs (separated by blank lines), list items (`- `)
//! and preformatted text; it drops scripts, styles, navigation, headers, footers, asides, forms and
//! elements whose class or id names boilerplate (menu, sidebar, cookie, banner, breadcrumb,
//! share, comment, advert…), and blocks without telling names by their content: link lists and
//! link bars by link density, widgets by their form controls (see [`HtmlConfig`]). When the page
//! has `<main>` or `<article>`, only that is kept. The title, `<html lang>` and meta description
//! are returned alongside. Quality on a labelled set against trafilatura: `docs/text.md`.
//!
//! ```
//! use dataprep_text::html::{extract, HtmlConfig};
//! let page = r#"<html lang="en"><head><title>T</title>
//!   <meta name="description" content="About T"><script>var x;</script></head>
//!   <body><nav><a href="/">Home</a></nav><main><h1>Heading</h1><p>First <b>para</b>.</p>
//!   <ul><li>one</li><li>two</li></ul></main><footer>© 2026</footer></body></html>"#;
//! let doc = extract(page, &HtmlConfig::default());
//! assert_eq!(doc.text, "# Heading\n\nFirst para.\n\n- one\n- two");
//! assert_eq!((doc.title.as_deref(), doc.language.as_deref()), (Some("T"), Some("en")));
//! assert_eq!(doc.description.as_deref(), Some("About T"));
//! ```

use dataprep_core::stage::config_json;
use dataprep_core::{Action, Context, Record, RecordError, Stage, Value};
use std::collections::HashMap;

use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node, Selector};
use serde::{Deserialize, Serialize};

/// Extraction options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct HtmlConfig {
    /// Prefix headings with `#` marks (default true); otherwise they are plain paragraphs.
    pub markdown_headings: bool,
    /// Prefix list items with `- ` (default true).
    pub list_markers: bool,
    /// Restrict to `<main>`/`<article>` when present (default true).
    pub main_only: bool,
    /// Inputs longer than this many bytes are cut (at a character boundary) before parsing.
    pub max_bytes: usize,
    /// A `div`, `section`, `span`, list or `dl` with at least [`MIN_LINKS`] links whose link text
    /// is more than this share of its text is dropped as a link list (menus, share buttons,
    /// related links, footers without telling class names); one with at least [`MIN_LINKS`]
    /// links, under 150 characters and more than half this share is dropped as a link bar
    /// (breadcrumbs). Default 0.5; 1.0 turns both off.
    pub max_link_density: f64,
    /// Drop a `div`, `section`, `span` or list with a form control (`input`, `textarea`,
    /// `select`, `button` outside `pre`) and under 400 characters of text: search boxes, cookie
    /// banners, newsletter sign-ups (default true).
    pub drop_widgets: bool,
    /// Start tags nested deeper than this are dropped before parsing, with their end tags (their
    /// text is kept); the number dropped is [`HtmlDocument::deep_tags_dropped`]. Default
    /// [`DEFAULT_MAX_DEPTH`] (256). Why: the HTML5 tree builder looks up the stack of open
    /// elements for most start tags, so a page of 100 000 nested `<div>`s took time quadratic
    /// in its depth (3.7 s for 400 kB, 1 300× an ordinary page). The depth is counted by a
    /// light scan of the tags (void elements, self-closing tags, tags with optional end tags
    /// such as `p`, `li` or `td`, and the content of `script`, `style` and the other raw-text
    /// elements are not counted), so it can only overestimate the parser's own depth; real
    /// pages stay far below 256.
    pub max_depth: usize,
}

/// The default [`HtmlConfig::max_depth`].
pub const DEFAULT_MAX_DEPTH: usize = 256;

impl Default for HtmlConfig {
    fn default() -> Self {
        Self {
            markdown_headings: true,
            list_markers: true,
            main_only: true,
            max_bytes: 16 << 20,
            max_link_density: 0.5,
            drop_widgets: true,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

impl HtmlConfig {
    /// Sets [`HtmlConfig::markdown_headings`].
    #[must_use]
    pub fn with_markdown_headings(mut self, markdown_headings: bool) -> Self {
        self.markdown_headings = markdown_headings;
        self
    }

    /// Sets [`HtmlConfig::list_markers`].
    #[must_use]
    pub fn with_list_markers(mut self, list_markers: bool) -> Self {
        self.list_markers = list_markers;
        self
    }

    /// Sets [`HtmlConfig::main_only`].
    #[must_use]
    pub fn with_main_only(mut self, main_only: bool) -> Self {
        self.main_only = main_only;
        self
    }

    /// Sets [`HtmlConfig::max_bytes`].
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: usize) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// Sets [`HtmlConfig::max_link_density`].
    #[must_use]
    pub fn with_max_link_density(mut self, max_link_density: f64) -> Self {
        self.max_link_density = max_link_density;
        self
    }

    /// Sets [`HtmlConfig::drop_widgets`].
    #[must_use]
    pub fn with_drop_widgets(mut self, drop_widgets: bool) -> Self {
        self.drop_widgets = drop_widgets;
        self
    }

    /// Sets [`HtmlConfig::max_depth`].
    #[must_use]
    pub fn with_max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }
}

/// The result of [`extract`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HtmlDocument {
    /// The main-content text.
    pub text: String,
    /// `<title>`.
    pub title: Option<String>,
    /// `<html lang>` (or `xml:lang`).
    pub language: Option<String>,
    /// `<meta name="description">` (or `og:description`).
    pub description: Option<String>,
    /// Start tags dropped for nesting deeper than [`HtmlConfig::max_depth`].
    #[serde(default)]
    pub deep_tags_dropped: u64,
}

const SKIP_TAGS: &[&str] = &[
    "script", "style", "noscript", "nav", "footer", "header", "aside", "form", "iframe", "svg",
    "template", "button", "select", "textarea", "head", "object", "embed", "canvas", "menu",
];
const BOILERPLATE: &[&str] = &[
    "nav",
    "menu",
    "footer",
    "sidebar",
    "cookie",
    "banner",
    "breadcrumb",
    "share",
    "social",
    "comment",
    "advert",
    "promo",
    "newsletter",
    "related",
    "popup",
    "subscribe",
    "site-header",
    "masthead",
];
const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "blockquote",
    "pre",
    "table",
    "tr",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "figure",
    "figcaption",
    "address",
    "hr",
    "body",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "td",
    "th",
];

/// Whether an element is boilerplate. Inside `pre` (`in_code`) only the tag and attributes are
/// judged, not class names: syntax highlighters name their spans `hljs-comment`,
/// `token comment`, … and those are code.
fn is_boilerplate(el: &scraper::node::Element, in_code: bool) -> bool {
    if SKIP_TAGS.contains(&el.name()) {
        return true;
    }
    if el.attr("hidden").is_some() || el.attr("aria-hidden") == Some("true") {
        return true;
    }
    if matches!(
        el.attr("role"),
        Some("navigation" | "banner" | "contentinfo" | "complementary")
    ) {
        return true;
    }
    if in_code {
        return false;
    }
    let names = el.id().into_iter().chain(el.classes());
    for n in names {
        let n = n.to_ascii_lowercase();
        if BOILERPLATE.iter().any(|b| n.contains(b)) {
            return true;
        }
    }
    false
}

/// The least number of links for [`HtmlConfig::max_link_density`] to apply.
pub const MIN_LINKS: usize = 3;

/// Elements the link-density and widget rules judge.
const LINK_LIST_TAGS: &[&str] = &["div", "section", "span", "ul", "ol", "dl"];

/// Text characters (whitespace excluded), link text characters, links and form controls under an
/// element.
#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    text: usize,
    link_text: usize,
    links: usize,
    controls: usize,
}

/// [`Stats`] of each element that [`LINK_LIST_TAGS`] names, in one iterative pass (script and
/// style text not counted; buttons inside `pre`, such as "copy" buttons of code blocks, are not
/// controls).
fn link_stats(root: ElementRef<'_>) -> HashMap<ego_tree::NodeId, Stats> {
    let mut stats = HashMap::new();
    // Open elements with their running stats.
    let mut stack: Vec<(ego_tree::NodeId, &str, Stats)> = Vec::new();
    let mut pre_open = 0usize;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => match node.value() {
                Node::Element(el) => {
                    let mut st = Stats::default();
                    let control = match el.name() {
                        "textarea" | "select" => true,
                        "input" => el.attr("type") != Some("hidden"),
                        "button" => pre_open == 0,
                        _ => false,
                    };
                    st.controls = usize::from(control);
                    pre_open += usize::from(el.name() == "pre");
                    stack.push((node.id(), el.name(), st));
                }
                Node::Text(t) => {
                    if let Some(top) = stack.last_mut().filter(|top| {
                        !matches!(top.1, "script" | "style" | "noscript" | "template")
                    }) {
                        top.2.text += t.chars().filter(|c| !c.is_whitespace()).count();
                    }
                }
                _ => {}
            },
            Edge::Close(node) => {
                if !matches!(node.value(), Node::Element(_)) {
                    continue;
                }
                let Some((id, name, mut st)) = stack.pop() else {
                    continue;
                };
                pre_open = pre_open.saturating_sub(usize::from(name == "pre"));
                if name == "a" {
                    st.link_text = st.text;
                    st.links += 1;
                }
                if LINK_LIST_TAGS.contains(&name) {
                    stats.insert(id, st);
                }
                if let Some(parent) = stack.last_mut() {
                    parent.2.text += st.text;
                    parent.2.link_text += st.link_text;
                    parent.2.links += st.links;
                    parent.2.controls += st.controls;
                }
            }
        }
    }
    stats
}

/// Whether the element's stats make it a link list, a link bar or a widget.
fn is_link_list_or_widget(st: &Stats, config: &HtmlConfig) -> bool {
    let density = st.link_text as f64 / st.text.max(1) as f64;
    let link_list = st.links >= MIN_LINKS && density > config.max_link_density;
    // Breadcrumbs and similar one-line link bars.
    let link_bar = st.links >= MIN_LINKS
        && st.text < 150
        && density > config.max_link_density / 2.0
        && config.max_link_density < 1.0;
    let widget = config.drop_widgets && st.controls > 0 && st.text < 400;
    link_list || link_bar || widget
}

fn clean_inline(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Debug, Default)]
struct Builder {
    blocks: Vec<String>,
    current: String,
    prefix: String,
    list_run: bool,
}

impl Builder {
    fn flush(&mut self) {
        let text = clean_inline(&self.current);
        self.current.clear();
        if !text.is_empty() {
            let is_item = self.prefix == "- ";
            let block = format!("{}{}", self.prefix, text);
            if is_item && self.list_run {
                if let Some(last) = self.blocks.last_mut() {
                    last.push('\n');
                    last.push_str(&block);
                }
            } else {
                self.blocks.push(block);
            }
            self.list_run = is_item;
        } else if !self.prefix.is_empty() && self.prefix != "- " {
            self.list_run = false;
        }
        self.prefix.clear();
    }
}

fn walk(root: ElementRef<'_>, config: &HtmlConfig) -> String {
    let mut b = Builder::default();
    let stats = if config.max_link_density < 1.0 || config.drop_widgets {
        link_stats(root)
    } else {
        HashMap::new()
    };
    let link_list = |id: ego_tree::NodeId| {
        stats
            .get(&id)
            .is_some_and(|st| is_link_list_or_widget(st, config))
    };
    let mut skip: Option<ego_tree::NodeId> = None;
    let mut pre_depth = 0usize;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if skip.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Element(el) => {
                        if is_boilerplate(el, pre_depth > 0)
                            || (pre_depth == 0 && link_list(node.id()))
                        {
                            skip = Some(node.id());
                            continue;
                        }
                        let name = el.name();
                        if name == "br" {
                            b.current.push('\n');
                            if pre_depth == 0 {
                                b.flush();
                            }
                        } else if BLOCK_TAGS.contains(&name) {
                            b.flush();
                            if name == "li" && config.list_markers {
                                b.prefix = "- ".into();
                            } else if let Some(level) = name
                                .strip_prefix('h')
                                .and_then(|l| l.parse::<usize>().ok())
                                .filter(|l| (1..=6).contains(l))
                            {
                                b.list_run = false;
                                if config.markdown_headings {
                                    b.prefix = format!("{} ", "#".repeat(level));
                                }
                            } else if name != "li" {
                                b.list_run = b.list_run && matches!(name, "ul" | "ol");
                            }
                            if name == "pre" {
                                pre_depth += 1;
                            }
                        } else if matches!(name, "td" | "th") {
                            b.current.push(' ');
                        }
                    }
                    Node::Text(t) => {
                        if pre_depth > 0 {
                            // Keep preformatted lines: one block per line.
                            let mut lines = t.split('\n').peekable();
                            while let Some(line) = lines.next() {
                                b.current.push_str(line);
                                if lines.peek().is_some() {
                                    b.flush();
                                }
                            }
                        } else {
                            b.current.push_str(t);
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if skip == Some(node.id()) {
                    skip = None;
                    b.current.push(' ');
                    continue;
                }
                if skip.is_some() {
                    continue;
                }
                if let Node::Element(el) = node.value() {
                    if BLOCK_TAGS.contains(&el.name()) {
                        b.flush();
                        if el.name() == "pre" {
                            pre_depth = pre_depth.saturating_sub(1);
                        }
                    } else {
                        b.current.push_str(if el.name() == "td" { " " } else { "" });
                    }
                }
            }
        }
    }
    b.flush();
    b.blocks.join("\n\n")
}

fn first_text(doc: &Html, selector: &str) -> Option<String> {
    let sel = Selector::parse(selector).ok()?;
    let el = doc.select(&sel).next()?;
    Some(clean_inline(&el.text().collect::<String>())).filter(|s| !s.is_empty())
}

fn meta(doc: &Html, selector: &str) -> Option<String> {
    let sel = Selector::parse(selector).ok()?;
    doc.select(&sel)
        .find_map(|e| e.value().attr("content"))
        .map(clean_inline)
        .filter(|s| !s.is_empty())
}

/// Extracts the main-content text, title, language and description of an HTML page. Total:
/// any input, however broken, gives a (possibly empty) result.
pub fn extract(html: &str, config: &HtmlConfig) -> HtmlDocument {
    let mut end = html.len().min(config.max_bytes);
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    let (limited, deep_tags_dropped) = limit_depth(&html[..end], config.max_depth);
    let doc = Html::parse_document(&limited);
    let root = doc.root_element();
    let language = root
        .value()
        .attr("lang")
        .or_else(|| root.value().attr("xml:lang"))
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let title = first_text(&doc, "title");
    let description = meta(&doc, r#"meta[name="description" i]"#)
        .or_else(|| meta(&doc, r#"meta[property="og:description"]"#));
    let main = if config.main_only {
        ["main", "article", "[role=main]"].iter().find_map(|s| {
            let sel = Selector::parse(s).ok()?;
            doc.select(&sel)
                .max_by_key(|e| e.text().map(str::len).sum::<usize>())
        })
    } else {
        None
    };
    let body = Selector::parse("body")
        .ok()
        .and_then(|s| doc.select(&s).next());
    let text = walk(main.or(body).unwrap_or(root), config);
    HtmlDocument {
        text,
        title,
        language,
        description,
        deep_tags_dropped,
    }
}

/// Elements that are never nested (void), or whose end tag is optional and implied by their
/// siblings, so they do not count toward the depth.
const NO_DEPTH: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "param", "keygen", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rp",
    "rt", "rb", "rtc", "thead", "tbody", "tfoot", "colgroup", "caption", "html", "head", "body",
];
/// Elements whose content is text up to their end tag.
const RAW_TEXT: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
];

/// Drops start tags nested deeper than `max_depth` (by a light scan of the tags, see
/// [`HtmlConfig::max_depth`]) and the end tags that close them; returns the page and the
/// number of start tags dropped. Linear in the page; borrowed when nothing is dropped.
fn limit_depth(html: &str, max_depth: usize) -> (std::borrow::Cow<'_, str>, u64) {
    use std::borrow::Cow;
    let b = html.as_bytes();
    // Fewer tags than the bound cannot nest deeper than it.
    if b.iter().filter(|&&c| c == b'<').count() <= max_depth {
        return (Cow::Borrowed(html), 0);
    }
    let mut out = String::new();
    let mut copied = 0;
    let mut depth = 0usize;
    let mut dropped_open: HashMap<String, u64> = HashMap::new();
    let mut dropped = 0u64;
    let name_end = |mut j: usize| {
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'-' || b[j] == b':') {
            j += 1;
        }
        j
    };
    // The end of a tag starting at `i` (after its `>`), skipping quoted attribute values.
    let tag_end = |mut j: usize| {
        let mut quote = 0u8;
        while j < b.len() {
            let c = b[j];
            if quote != 0 {
                if c == quote {
                    quote = 0;
                }
            } else if c == b'"' || c == b'\'' {
                quote = c;
            } else if c == b'>' {
                return j + 1;
            }
            j += 1;
        }
        b.len()
    };
    let mut i = 0;
    while let Some(k) = b[i..].iter().position(|&c| c == b'<') {
        let lt = i + k;
        let next = b.get(lt + 1).copied().unwrap_or(0);
        if next == b'!' {
            i = if b[lt..].starts_with(b"<!--") {
                html[lt + 4..]
                    .find("-->")
                    .map_or(b.len(), |e| lt + 4 + e + 3)
            } else {
                tag_end(lt + 1)
            };
            continue;
        }
        if next == b'/' {
            let ne = name_end(lt + 2);
            let name = html[lt + 2..ne].to_ascii_lowercase();
            let end = tag_end(ne);
            if let Some(n) = dropped_open.get_mut(&name).filter(|n| **n > 0) {
                *n -= 1;
                out.push_str(&html[copied..lt]);
                copied = end;
            } else if !name.is_empty() && !NO_DEPTH.contains(&name.as_str()) {
                depth = depth.saturating_sub(1);
            }
            i = end.max(lt + 1);
            continue;
        }
        if !next.is_ascii_alphabetic() {
            i = lt + 1;
            continue;
        }
        let ne = name_end(lt + 1);
        let name = html[lt + 1..ne].to_ascii_lowercase();
        let end = tag_end(ne);
        let self_closing = end >= 2 && b[end - 2] == b'/' && b[end - 1] == b'>';
        if RAW_TEXT.contains(&name.as_str()) {
            // Skip to the end tag of the raw-text element (its content is not markup).
            let mut j = end;
            i = loop {
                let Some(e) = html[j..].find("</") else {
                    break b.len();
                };
                let at = j + e;
                let tail = &b[at + 2..];
                if tail.len() >= name.len()
                    && tail[..name.len()].eq_ignore_ascii_case(name.as_bytes())
                {
                    break at;
                }
                j = at + 2;
            };
            continue;
        }
        if !self_closing && !NO_DEPTH.contains(&name.as_str()) {
            if depth >= max_depth {
                out.push_str(&html[copied..lt]);
                copied = end;
                *dropped_open.entry(name).or_default() += 1;
                dropped += 1;
            } else {
                depth += 1;
            }
        }
        i = end.max(lt + 1);
    }
    if dropped == 0 {
        return (Cow::Borrowed(html), 0);
    }
    out.push_str(&html[copied..]);
    (Cow::Owned(out), dropped)
}

/// A stage that replaces an HTML field by its main-content text and adds `title`, `html_lang`
/// and `description` fields (null when absent).
///
/// ```
/// use dataprep_core::{Context, Record, Stage};
/// use dataprep_text::html::HtmlStage;
/// let mut rec = Record::new().with("text", "<p>Hello <i>world</i></p><script>x()</script>");
/// HtmlStage::default().process(&mut rec, &Context::new("html", 0))?;
/// assert_eq!(rec.str("text")?, "Hello world");
///
/// // The options of `extract`, the field read and the field written:
/// use dataprep_text::html::HtmlConfig;
/// let stage = HtmlStage::new(HtmlConfig::default()).with_field("html").with_output("text");
/// let mut rec = Record::new().with("html", "<p>Hi</p>");
/// stage.process(&mut rec, &Context::new("html", 0))?;
/// assert_eq!(rec.str("text")?, "Hi");
/// # Ok::<(), dataprep_core::RecordError>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct HtmlStage {
    /// The HTML field (default `text`); a bytes field is decoded as UTF-8 with replacement.
    field: String,
    /// The output text field (default: the same field).
    output: Option<String>,
    /// Extraction options.
    config: HtmlConfig,
}

impl HtmlStage {
    /// A stage extracting with `config` from the field `text` into the same field.
    pub fn new(config: HtmlConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// Reads the HTML from `field` (default `text`).
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// Writes the text to `output` (default: the field read, replacing the HTML).
    #[must_use]
    pub fn with_output(mut self, output: impl Into<String>) -> Self {
        self.output = Some(output.into());
        self
    }

    /// The extraction options.
    pub fn config(&self) -> &HtmlConfig {
        &self.config
    }

    /// The field read.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The field written.
    pub fn output(&self) -> &str {
        self.output.as_deref().unwrap_or(&self.field)
    }
}

impl Default for HtmlStage {
    fn default() -> Self {
        Self {
            field: "text".into(),
            output: None,
            config: HtmlConfig::default(),
        }
    }
}

impl Stage for HtmlStage {
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }

    fn name(&self) -> &str {
        "html"
    }

    fn config(&self) -> serde_json::Value {
        config_json(self)
    }

    fn process(&self, record: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let doc = match record.require(&self.field)? {
            Value::Bytes(b) => extract(&String::from_utf8_lossy(b), &self.config),
            _ => extract(record.str(&self.field)?, &self.config),
        };
        let opt = |s: Option<String>| s.map_or(Value::Null, Value::Str);
        record.set(self.output.as_deref().unwrap_or(&self.field), doc.text);
        record.set("title", opt(doc.title));
        record.set("html_lang", opt(doc.language));
        record.set("description", opt(doc.description));
        Ok(Action::Keep)
    }
}
