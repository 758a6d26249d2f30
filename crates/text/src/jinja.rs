//! Hugging Face chat templates: the Jinja `chat_template` of a `tokenizer_config.json`, rendered
//! with minijinja in the environment `transformers`' `apply_chat_template` uses (`trim_blocks`,
//! `lstrip_blocks`, a `raise_exception` function, the `tojson` filter and Python string methods
//! such as `.strip()` and `.startswith()`).
//!
//! ```
//! use dataprep_text::format::Message;
//! use dataprep_text::jinja::JinjaTemplate;
//! let t = JinjaTemplate::new(
//!     "{% for m in messages %}<|{{ m.role }}|>\n{{ m.content | trim }}{{ eos_token }}\n{% endfor %}\
//!      {% if add_generation_prompt %}<|assistant|>\n{% endif %}",
//! )?
//! .with_special_tokens("<s>", "</s>");
//! let text = t.render(&[Message::new("user", " Hi ")], true)?;
//! assert_eq!(text, "<|user|>\nHi</s>\n<|assistant|>\n");
//! # Ok::<(), dataprep_text::Error>(())
//! ```

use dataprep_core::{Action, Context, Record, RecordError, RecordErrorKind, Stage};
use minijinja::{Environment, Error as JinjaError, ErrorKind, Value as JinjaValue};
use serde::{Deserialize, Serialize};

use crate::format::{ChatError, Message, valid_messages};

/// The name the template is stored under in its environment.
const NAME: &str = "chat_template";

/// A compiled chat template with its special tokens.
#[derive(Debug)]
pub struct JinjaTemplate {
    env: Environment<'static>,
    source: String,
    bos_token: String,
    eos_token: String,
}

fn template_error(e: &JinjaError) -> ChatError {
    // The chain carries the line and the cause (`raise_exception`'s message among them).
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    ChatError::Template(msg)
}

/// `transformers`' `tojson` filter: Python's `json.dumps(x, ensure_ascii=False, indent=indent)`,
/// so `", "` and `": "` between items (`","` and newlines with an indent) and keys in insertion
/// order (minijinja's `tojson` is compact and escapes HTML characters).
fn tojson(value: JinjaValue, kwargs: minijinja::value::Kwargs) -> Result<String, JinjaError> {
    let indent: Option<usize> = kwargs.get("indent")?;
    kwargs.assert_all_used()?;
    let json = serde_json::to_value(&value)
        .map_err(|e| JinjaError::new(ErrorKind::InvalidOperation, e.to_string()))?;
    let mut out = String::new();
    write_json(&mut out, &json, indent, 0);
    Ok(out)
}

fn write_json(out: &mut String, v: &serde_json::Value, indent: Option<usize>, depth: usize) {
    use serde_json::Value as J;
    let newline = |out: &mut String, depth: usize| {
        if let Some(n) = indent {
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', n * depth));
        }
    };
    let sep = if indent.is_some() { "," } else { ", " };
    match v {
        J::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(sep);
                }
                newline(out, depth + 1);
                write_json(out, item, indent, depth + 1);
            }
            newline(out, depth);
            out.push(']');
        }
        J::Object(map) if !map.is_empty() => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(sep);
                }
                newline(out, depth + 1);
                out.push_str(&J::String(k.clone()).to_string());
                out.push_str(": ");
                write_json(out, item, indent, depth + 1);
            }
            newline(out, depth);
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

impl JinjaTemplate {
    /// Compiles a template.
    ///
    /// # Errors
    /// [`crate::Error::Chat`] ([`ChatError::Template`]) on a syntax error.
    pub fn new(source: impl Into<String>) -> crate::Result<Self> {
        let source = source.into();
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_function(
            "raise_exception",
            |msg: String| -> Result<JinjaValue, JinjaError> {
                Err(JinjaError::new(ErrorKind::InvalidOperation, msg))
            },
        );
        env.add_filter("tojson", tojson);
        env.add_template_owned(NAME, source.clone())
            .map_err(|e| template_error(&e))?;
        Ok(Self {
            env,
            source,
            bos_token: String::new(),
            eos_token: String::new(),
        })
    }

    /// The template named `default` (or the only one) of a `tokenizer_config.json`, with its
    /// `bos_token` and `eos_token` (a string, or an object with `content`).
    ///
    /// # Errors
    /// [`crate::Error::Chat`] ([`ChatError::Template`]) when the JSON has no usable `chat_template` or it does not compile.
    pub fn from_tokenizer_config(json: &str) -> crate::Result<Self> {
        let cfg: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| ChatError::Template(format!("tokenizer_config.json: {e}")))?;
        let source = match cfg.get("chat_template") {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Array(list)) => {
                let named = |name: &str| {
                    list.iter()
                        .find(|t| t.get("name").and_then(|n| n.as_str()) == Some(name))
                };
                let pick = named("default").or(if list.len() == 1 { list.first() } else { None });
                pick.and_then(|t| t.get("template"))
                    .and_then(|t| t.as_str())
                    .ok_or_else(|| {
                        ChatError::Template("no `default` template in chat_template".into())
                    })?
                    .to_owned()
            }
            _ => return Err(ChatError::Template("no chat_template in the config".into()).into()),
        };
        let token = |key: &str| match cfg.get(key) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) => v
                .get("content")
                .and_then(|c| c.as_str())
                .unwrap_or_default()
                .to_owned(),
            None => String::new(),
        };
        Ok(Self::new(source)?.with_special_tokens(token("bos_token"), token("eos_token")))
    }

    /// Sets `bos_token` and `eos_token` as the template sees them.
    #[must_use]
    pub fn with_special_tokens(mut self, bos: impl Into<String>, eos: impl Into<String>) -> Self {
        self.bos_token = bos.into();
        self.eos_token = eos.into();
        self
    }

    /// The template source.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Renders `messages` (`role`, `content`), with `add_generation_prompt`, `bos_token` and
    /// `eos_token` in the context.
    ///
    /// # Errors
    /// [`crate::Error::Chat`] ([`ChatError::Template`]) when rendering fails, including a template's own
    /// `raise_exception` (for example on a role it does not accept).
    pub fn render(
        &self,
        messages: &[Message],
        add_generation_prompt: bool,
    ) -> crate::Result<String> {
        let tmpl = self
            .env
            .get_template(NAME)
            .map_err(|e| template_error(&e))?;
        tmpl.render(minijinja::context! {
            messages => messages,
            add_generation_prompt => add_generation_prompt,
            bos_token => &self.bos_token,
            eos_token => &self.eos_token,
        })
        .map_err(|e| template_error(&e).into())
    }
}

/// A stage that renders a messages field (default `messages`) with a [`JinjaTemplate`] into a
/// text field (default `text`). A conversation that fails validation (roles, turn order, empty
/// content) is dropped with reason `invalid_chat`; a messages field of the wrong shape, or a
/// template that fails on this conversation (its `raise_exception`), is a record error.
#[derive(Debug)]
#[non_exhaustive]
pub struct JinjaChatStage {
    config: JinjaChatConfig,
    template: JinjaTemplate,
}

/// The serde configuration of [`JinjaChatStage`] (the template, not serialisable, is the
/// stage's second argument).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct JinjaChatConfig {
    /// The messages field (default `messages`).
    pub field: String,
    /// The output field (default `text`).
    pub output: String,
    /// End with the template's generation prompt (default false).
    pub add_generation_prompt: bool,
}

impl Default for JinjaChatConfig {
    fn default() -> Self {
        Self {
            field: "messages".into(),
            output: "text".into(),
            add_generation_prompt: false,
        }
    }
}

impl JinjaChatConfig {
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

    /// Ends every rendering with the generation prompt.
    #[must_use]
    pub fn with_generation_prompt(mut self, on: bool) -> Self {
        self.add_generation_prompt = on;
        self
    }
}

impl JinjaChatStage {
    /// A stage rendering with `template` as `config` says.
    pub fn new(config: JinjaChatConfig, template: JinjaTemplate) -> Self {
        Self { config, template }
    }

    /// The configuration.
    pub fn config(&self) -> &JinjaChatConfig {
        &self.config
    }

    /// The template.
    pub fn template(&self) -> &JinjaTemplate {
        &self.template
    }

    /// Sets the messages field.
    #[deprecated(since = "0.1.0", note = "use `JinjaChatConfig::with_field`")]
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.config.field = field.into();
        self
    }

    /// Sets the output field.
    #[deprecated(since = "0.1.0", note = "use `JinjaChatConfig::with_output`")]
    #[must_use]
    pub fn with_output(mut self, output: impl Into<String>) -> Self {
        self.config.output = output.into();
        self
    }

    /// Ends every rendering with the generation prompt.
    #[deprecated(
        since = "0.1.0",
        note = "use `JinjaChatConfig::with_generation_prompt`"
    )]
    #[must_use]
    pub fn with_generation_prompt(mut self, on: bool) -> Self {
        self.config.add_generation_prompt = on;
        self
    }
}

impl Stage for JinjaChatStage {
    fn version(&self) -> &str {
        concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))
    }

    fn name(&self) -> &str {
        "chat_template"
    }

    fn config(&self) -> serde_json::Value {
        serde_json::json!({
            "field": self.config.field,
            "output": self.config.output,
            "add_generation_prompt": self.config.add_generation_prompt,
            "template": self.template.source,
            "bos_token": self.template.bos_token,
            "eos_token": self.template.eos_token,
        })
    }

    fn process(&self, record: &mut Record, _cx: &Context) -> Result<Action, RecordError> {
        let Some(messages) = valid_messages(record, &self.config.field)? else {
            return Ok(Action::drop("invalid_chat"));
        };
        let text = self
            .template
            .render(&messages, self.config.add_generation_prompt)
            .map_err(|e| RecordError::new(RecordErrorKind::Process, e.to_string()))?;
        record.set(self.config.output.as_str(), text);
        Ok(Action::Keep)
    }
}
