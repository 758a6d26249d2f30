//! dataprep-text: text preparation for generative-AI training data.
//!
//! Every capability is a plain function on `&str` and a [`Stage`](dataprep_core::Stage) over
//! records with a configurable text field and a serde config:
//!
//! | module | functions | stage |
//! |---|---|---|
//! | [`normalize`] | Unicode forms, mojibake repair (ftfy parity), ANSI, backspaces, control characters, line endings, quotes, dashes, whitespace | [`normalize::NormalizeStage`] |
//! | [`segment`] | words, sentences (UAX #29), lines, paragraphs, counts | [`segment::SegmentStage`] |
//! | [`clean`] | Markdown stripping (pulldown-cmark), URL and e-mail stripping, repeated-line removal | [`clean::CleanStage`] |
//! | [`format`](mod@format) | standard document schema from common layouts; chat messages: validation, ChatML and user templates | [`format::DocumentStage`], [`format::ChatStage`] |
//! | [`html`] | HTML → main-content text with headings, paragraphs and lists; title, language, description (html5ever via scraper) | [`html::HtmlStage`] |
//! | [`langid`] | language + confidence per document or per paragraph (whatlang, embedded; lingua with the feature `lingua`) | [`langid::LanguageIdStage`], [`langid::LanguageFilterStage`] |
//! | [`tokenize`] | load `tokenizer.json`, train BPE / WordPiece / Unigram, batch encoding, packing, `.bin` token shards | [`tokenize::EncodeStage`] |
//!
//! Design decisions:
//! - Functions return `Cow<str>`, borrowing when the text is already clean, so a pass over clean
//!   data allocates nothing.
//! - Well-kept crates do the Unicode work (`unicode-normalization`, `unicode-segmentation`) and
//!   the tokenization (`tokenizers`, the library behind Hugging Face's fast tokenizers, built
//!   without network or C code); only what has no crate (mojibake repair, packing, shards) is
//!   written here — and an ids-only encoder for GPT-2-style byte-level BPE tokenizers, which
//!   gives exactly `tokenizers`' ids several times faster by skipping its offset bookkeeping
//!   (see [`tokenize::TextTokenizer::is_fast_path`]).
//! - Bad input never panics: text is `&str` (invalid UTF-8 is rejected by the reader as a record
//!   error), and every step is total.
//!
//! See `docs/text.md` for the guide and `docs/performance.md` for measurements.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod clean;
pub mod format;
pub mod html;
pub mod jinja;
pub mod langid;
pub mod normalize;
pub mod segment;
#[cfg(feature = "parquet")]
pub mod token_parquet;
pub mod tokenize;

mod error;
mod fast_bpe;
#[rustfmt::skip]
mod generated;
pub use error::{Error, Result};
