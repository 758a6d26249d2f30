//! Format standardisation: one document schema and a chat/messages schema with validation and
//! rendering to chat templates.
//!
//! ```
//! use dataprep_text::format::{Message, render_chatml, validate_messages};
//! let chat = [Message::new("system", "Be brief."), Message::new("user", "Hi"), Message::new("assistant", "Hello!")];
//! validate_messages(&chat)?;
//! assert_eq!(
//!     render_chatml(&chat, false),
//!     "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n"
//! );
//! # Ok::<(), dataprep_text::Error>(())
//! ```

use dataprep_core::stage::config_json;
use dataprep_core::{Action, Context, Record, RecordError, Stage, Value};
use serde::{Deserialize, Serialize};

/// The standard document fields, in order: `id`, `text`, `source`, `url`, `licence`, `language`,
/// `metadata` (a struct of every other input field).
pub const DOCUMENT_FIELDS: [&str; 7] = [
    "id", "text", "source", "url", "licence", "language", "metadata",
];

/// Input field names accepted for each standard field, first match wins (common layouts: C4,
/// RedPajama, The Pile, Dolma, FineWeb, OSCAR, Wikipedia dumps).
const ALIASES: [(&str, &[&str]); 6] = [
    ("id", &["id", "doc_id", "document_id", "uuid", "key"]),
    (
        "text",
        &[
            "text",
            "content",
            "raw_content",
            "body",
            "document",
            "article",
        ],
    ),
    (
        "source",
        &["source", "dataset", "meta.source", "pile_set_name"],
    ),
    ("url", &["url", "link", "uri", "source_url", "warc_url"]),
    ("licence", &["licence", "license", "licenses"]),
    ("language", &["language", "lang", "lang_id", "locale"]),
];

/// Converts a record of a common layout to the standard document schema: known aliases are
/// renamed (`content` → `text`, `license` → `licence`, `lang` → `language` …), absent standard
/// fields become null, `id` falls back to the record key, and every other field moves into
/// `metadata`.
///
/// # Errors
/// A record error (kind `field`) when no text field is found or it is not a string.
///
/// ```
/// use dataprep_core::Record;
/// use dataprep_text::format::to_document;
/// let rec = Record::new().with("content", "hello").with("license", "cc-by").with("score", 0.9);
/// let doc = to_document(rec.with_key("k7"))?;
/// assert_eq!(doc.str("id")?, "k7");
/// assert_eq!(doc.str("text")?, "hello");
/// assert_eq!(doc.str("licence")?, "cc-by");
/// # Ok::<(), dataprep_core::RecordError>(())
/// ```
pub fn to_document(record: Record) -> Result<Record, RecordError> {
    let (key, mut fields) = record.into_parts();
    let mut take = |names: &[&str]| {
        names.iter().find_map(|n| {
            let i = fields
                .iter()
                .position(|(k, v)| k == n && !matches!(v, Value::Null))?;
            Some(fields.remove(i).1)
        })
    };
    let mut out: Vec<(String, Value)> = Vec::with_capacity(7);
    for (name, aliases) in ALIASES {
        let v = take(aliases).unwrap_or(Value::Null);
        out.push((name.to_owned(), v));
    }
    match &out[1].1 {
        Value::Str(_) => {}
        Value::Null => {
            return Err(RecordError::new(
                dataprep_core::RecordErrorKind::Field,
                "no text field (text, content, raw_content, body, document, article)",
            )
            .with_key(key));
        }
        other => {
            return Err(RecordError::new(
                dataprep_core::RecordErrorKind::Field,
                format!("text field is {}, expected string", other.type_name()),
            )
            .with_key(key));
        }
    }
    if matches!(out[0].1, Value::Null) {
        out[0].1 = Value::Str(key.clone());
    } else if let Value::Int(i) = out[0].1 {
        out[0].1 = Value::Str(i.to_string());
    } else if let Value::UInt(i) = out[0].1 {
        out[0].1 = Value::Str(i.to_string());
    }
    out.push(("metadata".to_owned(), Value::Struct(fields)));
    Ok(Record::from_parts(key, out))
}

/// A stage applying [`to_document`].
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct DocumentStage;

impl Stage for DocumentStage {
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }

    fn name(&self) -> &str {
        "document"
    }

    fn config(&self) -> serde_json::Value {
        config_json(self)
    }

    fn process(&self, record: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        *record = to_document(std::mem::take(record))?;
        Ok(Action::Keep)
    }
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// `system`, `user`, `assistant` or `tool`.
    pub role: String,
    /// The text.
    pub content: String,
}

impl Message {
    /// A message.
    pub fn new(role: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            role: role.into(),
            content: content.into(),
        }
    }
}

pub use crate::error::ChatError;

/// Validates roles and turn order: an optional first `system` message, then a `user` turn,
/// then `user`/`assistant` alternating, with `tool` messages only after an `assistant` or
/// another `tool`, and `assistant` allowed after `tool`; no empty content.
///
/// # Errors
/// [`crate::Error::Chat`] with the first [`ChatError`] found.
pub fn validate_messages(messages: &[Message]) -> crate::Result<()> {
    Ok(check_messages(messages)?)
}

fn check_messages(messages: &[Message]) -> Result<(), ChatError> {
    if messages.is_empty() {
        return Err(ChatError::Empty);
    }
    let mut prev = "start";
    for (index, m) in messages.iter().enumerate() {
        let role = m.role.as_str();
        if !matches!(role, "system" | "user" | "assistant" | "tool") {
            return Err(ChatError::UnknownRole {
                index,
                role: m.role.clone(),
            });
        }
        if m.content.trim().is_empty() {
            return Err(ChatError::EmptyContent { index });
        }
        let ok = match (prev, role) {
            ("start", "system" | "user") => true,
            (_, "system") => return Err(ChatError::SystemNotFirst { index }),
            ("system", "user") | ("user", "assistant") | ("assistant", "user") => true,
            ("assistant" | "tool", "tool") | ("tool", "assistant" | "user") => true,
            _ => false,
        };
        if !ok {
            return Err(ChatError::TurnOrder {
                index,
                role: m.role.clone(),
                previous: prev.to_owned(),
            });
        }
        prev = role;
    }
    Ok(())
}

/// Renders ChatML (`<|im_start|>role\ncontent<|im_end|>\n`), optionally ending with
/// `<|im_start|>assistant\n` as a generation prompt.
pub fn render_chatml(messages: &[Message], add_generation_prompt: bool) -> String {
    let t = ChatTemplate::chatml();
    render(messages, &t, add_generation_prompt)
}

/// A user-supplied chat template: each message is rendered with `message` where `{role}` and
/// `{content}` are replaced; `prefix` and `suffix` wrap the conversation; `generation_prompt`
/// is appended on request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatTemplate {
    /// Before the first message.
    pub prefix: String,
    /// Per message, with `{role}` and `{content}`.
    pub message: String,
    /// After the last message.
    pub suffix: String,
    /// Appended when a generation prompt is requested.
    pub generation_prompt: String,
}

impl ChatTemplate {
    /// A template from its parts.
    pub fn new(
        prefix: impl Into<String>,
        message: impl Into<String>,
        suffix: impl Into<String>,
        generation_prompt: impl Into<String>,
    ) -> Self {
        Self {
            prefix: prefix.into(),
            message: message.into(),
            suffix: suffix.into(),
            generation_prompt: generation_prompt.into(),
        }
    }

    /// ChatML.
    pub fn chatml() -> Self {
        Self::new(
            "",
            "<|im_start|>{role}\n{content}<|im_end|>\n",
            "",
            "<|im_start|>assistant\n",
        )
    }
}

/// Renders messages with a template. Placeholders are replaced in one pass, so a `{content}`
/// inside a message is left as it is.
///
/// ```
/// use dataprep_text::format::{ChatTemplate, Message, render};
/// let t = ChatTemplate::new("<s>", "[{role}] {content}\n", "</s>", "[assistant] ");
/// assert_eq!(render(&[Message::new("user", "say {role}")], &t, true), "<s>[user] say {role}\n</s>[assistant] ");
/// ```
pub fn render(
    messages: &[Message],
    template: &ChatTemplate,
    add_generation_prompt: bool,
) -> String {
    let mut out = template.prefix.clone();
    for m in messages {
        let mut rest = template.message.as_str();
        while let Some(i) = rest.find('{') {
            out.push_str(&rest[..i]);
            let tail = &rest[i..];
            if let Some(t) = tail.strip_prefix("{role}") {
                out.push_str(&m.role);
                rest = t;
            } else if let Some(t) = tail.strip_prefix("{content}") {
                out.push_str(&m.content);
                rest = t;
            } else {
                out.push('{');
                rest = &tail[1..];
            }
        }
        out.push_str(rest);
    }
    out.push_str(&template.suffix);
    if add_generation_prompt {
        out.push_str(&template.generation_prompt);
    }
    out
}

/// Reads a messages field (a list of structs with string `role` and `content`).
///
/// # Errors
/// [`crate::Error::Chat`] ([`ChatError::Shape`]) when the value has another shape.
pub fn messages_from_value(value: &Value) -> crate::Result<Vec<Message>> {
    Ok(parse_messages(value)?)
}

fn parse_messages(value: &Value) -> Result<Vec<Message>, ChatError> {
    let list = value
        .as_list()
        .ok_or_else(|| ChatError::Shape(format!("expected a list, found {}", value.type_name())))?;
    list.iter()
        .enumerate()
        .map(|(i, v)| {
            let Value::Struct(fields) = v else {
                return Err(ChatError::Shape(format!("message {i} is not a struct")));
            };
            let get = |k: &str| {
                fields
                    .iter()
                    .find(|(n, _)| n == k)
                    .and_then(|(_, v)| v.as_str())
                    .map(str::to_owned)
                    .ok_or_else(|| ChatError::Shape(format!("message {i}: no string `{k}`")))
            };
            Ok(Message {
                role: get("role")?,
                content: get("content")?,
            })
        })
        .collect()
}

/// The messages of `field`, `None` when they fail [`validate_messages`] (the chat stages drop
/// those as `invalid_chat`); a field of the wrong shape is a record error.
pub(crate) fn valid_messages(
    record: &Record,
    field: &str,
) -> Result<Option<Vec<Message>>, RecordError> {
    let messages = parse_messages(record.require(field)?)
        .map_err(|e| RecordError::new(dataprep_core::RecordErrorKind::Field, e.to_string()))?;
    Ok(check_messages(&messages).is_ok().then_some(messages))
}

/// The configuration of [`ChatStage`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ChatConfig {
    /// The messages field (default `messages`).
    pub field: String,
    /// The output field (default `text`).
    pub output: String,
    /// The template (default ChatML).
    pub template: ChatTemplate,
}

impl Default for ChatConfig {
    fn default() -> Self {
        Self {
            field: "messages".into(),
            output: "text".into(),
            template: ChatTemplate::chatml(),
        }
    }
}

impl ChatConfig {
    /// Sets the messages field.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
    }

    /// Sets the output field.
    #[must_use]
    pub fn with_output(mut self, output: impl Into<String>) -> Self {
        self.output = output.into();
        self
    }

    /// Sets the template.
    #[must_use]
    pub fn with_template(mut self, template: ChatTemplate) -> Self {
        self.template = template;
        self
    }
}

/// A stage that validates a messages field (default `messages`) and writes the rendered text
/// (default field `text`). An invalid conversation (roles, turn order, empty content) is
/// dropped with reason `invalid_chat`; a messages field of the wrong shape is a record error.
///
/// ```
/// use dataprep_core::{Context, Record, Stage, Value};
/// use dataprep_text::format::{ChatConfig, ChatStage};
/// let stage = ChatStage::new(ChatConfig::default().with_field("conv"));
/// let msg = Value::Struct(vec![("role".into(), "user".into()), ("content".into(), "Hi".into())]);
/// let mut rec = Record::new().with("conv", Value::List(vec![msg]));
/// stage.process(&mut rec, &Context::new("chat", 0))?;
/// assert_eq!(rec.str("text")?, "<|im_start|>user\nHi<|im_end|>\n");
/// # Ok::<(), dataprep_core::RecordError>(())
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChatStage {
    config: ChatConfig,
}

impl ChatStage {
    /// A stage with a configuration.
    pub fn new(config: ChatConfig) -> Self {
        Self { config }
    }

    /// The configuration.
    pub fn config(&self) -> &ChatConfig {
        &self.config
    }
}

impl Stage for ChatStage {
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }

    fn name(&self) -> &str {
        "chat"
    }

    fn config(&self) -> serde_json::Value {
        config_json(&self.config)
    }

    fn process(&self, record: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let Some(messages) = valid_messages(record, &self.config.field)? else {
            return Ok(Action::drop("invalid_chat"));
        };
        let text = render(&messages, &self.config.template, false);
        record.set(self.config.output.as_str(), text);
        Ok(Action::Keep)
    }
}
