//! Score text: every quality signal of dataprep-quality on every document, for auditing and
//! re-thresholding.
//!
//! ```text
//! cargo run --release -p dataprep --example score_text                       # bundled sample
//! cargo run --release -p dataprep --example score_text -- --input docs.jsonl --output DIR \
//!     [--langid whatlang|lingua|hybrid]
//! ```
//!
//! `--help` lists the flags and their defaults; `RUST_LOG` sets the log level (default `info`,
//! on stderr). `--langid` picks the language-ID backend (default: dataprep-text's default,
//! `hybrid` with the facade's `lingua` feature, which `scripts/dev example` turns on, and
//! `whatlang` without it); `lingua` and `hybrid` need that feature.
//!
//! The input is JSONL with a `text` field (and an `id`; the line number is used without one).
//! Every filter runs on every document with datatrove's English defaults, whatever the others
//! decide, so that a document's scores say everything about it.
//!
//! Output layout in `--output` (default `target/score_text`):
//! - `scores.jsonl`   one line per input document: `id`, `language` (ISO 639-1), `language_score`,
//!   `filters` (`gopher_quality`, `gopher_repetition`, `c4_quality`, `fineweb_quality`, each
//!   `{keep, reason, scores}`), `exact_cluster` and `near_cluster` (the id of the document kept
//!   for its exact / MinHash near-duplicate cluster, datatrove preset; its own id when unique),
//!   `pii` (counts by type)
//! - `kept.jsonl`     the input documents that pass all four filters and are the kept member of
//!   their exact and near clusters
//! - `rejected.jsonl` the other documents with `reasons` (`<filter>:<reason>`, `exact_duplicate`,
//!   `near_duplicate`), and input lines that are not a document (bad JSON, no `text`) with `error`
//! - `summary.json`   counts: lines, documents, invalid, kept, rejected, rejections by reason,
//!   languages, PII by type
//!
//! Without `--input` it scores a bundled sample: the 78 span-dedup test documents of
//! dataprep-quality (prose in several languages with repeated boilerplate and exact copies)
//! followed by the quickstart sample (short documents, duplicates, one bad JSON line, one record
//! without `text`, and English documents passing or failing each filter).

#[path = "common/cli.rs"]
pub(crate) mod cli;

use std::collections::BTreeMap;
use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Parser;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use dataprep::core::atomic::TempFile;

use dataprep::quality::dedup::minhash::{MinHashConfig, MinHasher, near_clusters};
use dataprep::quality::dedup::{TextNorm, exact_clusters};
use dataprep::quality::filters::{
    C4Quality, FineWebQuality, GopherQuality, GopherRepetition, QualityFilter, iso639_1,
};
use dataprep::quality::pii::{self, PiiConfig, PiiKind};
use dataprep::text::langid::Backend;
use serde_json::{Map, Value, json};

const SAMPLE: [&str; 2] = [
    include_str!("../crates/quality/tests/data/span_corpus.jsonl"),
    include_str!("data/quickstart.jsonl"),
];

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "score_text",
    version,
    about = "Score every document of a JSONL file with every quality signal of dataprep-quality \
             (language, Gopher, C4, FineWeb, exact and near duplicates, PII), for auditing and \
             re-thresholding.",
    after_help = "Without --input it scores a bundled sample. Log level: RUST_LOG (default info), on stderr."
)]
pub(crate) struct Args {
    /// JSONL input with a `text` field (and an `id`) [default: the bundled sample]
    #[arg(long, value_name = "FILE.jsonl")]
    pub(crate) input: Option<PathBuf>,
    /// Output folder for scores.jsonl, kept.jsonl, rejected.jsonl and summary.json
    #[arg(long, value_name = "DIR", default_value = "target/score_text")]
    pub(crate) output: PathBuf,
    // The help names the library's default backend.
    #[arg(long, value_name = "BACKEND", value_parser = langid_backend(), help = langid_help())]
    pub(crate) langid: Option<Backend>,
}

/// One of [`Backend::NAMES`], parsed by the library (which names the missing feature).
fn langid_backend() -> impl TypedValueParser<Value = Backend> {
    PossibleValuesParser::new(Backend::NAMES).try_map(|name| name.parse::<Backend>())
}

/// The `--langid` help, with the library's default backend.
fn langid_help() -> String {
    format!(
        "Language-ID backend: whatlang, lingua, or hybrid (whatlang when reliable, else lingua; \
         lingua and hybrid need the `lingua` feature) [default: {}, the library's default]",
        Backend::default().name()
    )
}

/// One input document.
struct Doc {
    id: String,
    text: String,
    raw: Value,
}

/// Everything measured on one document, except the clusters.
struct Scored {
    language: Value,
    language_score: Value,
    filters: Map<String, Value>,
    rejections: Vec<String>,
    pii: BTreeMap<&'static str, u64>,
}

fn score(
    text: &str,
    langid: Backend,
    filters: &[&dyn QualityFilter],
    pii_cfg: &PiiConfig,
) -> Scored {
    let (language, language_score) = match langid.detect(text) {
        Some(d) => (
            json!(iso639_1(&d.language).unwrap_or(d.language.as_str())),
            json!(d.confidence),
        ),
        None => (Value::Null, Value::Null),
    };
    let mut out = Map::new();
    let mut rejections = Vec::new();
    for f in filters {
        let r = f.apply(text);
        let scores: Map<String, Value> = r
            .scores
            .iter()
            .map(|&(k, v)| (k.to_owned(), json!(v)))
            .collect();
        if let Some(reason) = r.reason() {
            rejections.push(format!("{}:{reason}", f.name()));
        }
        out.insert(
            f.name().to_owned(),
            json!({ "keep": r.is_keep(), "reason": r.reason(), "scores": scores }),
        );
    }
    let mut counts: BTreeMap<&'static str, u64> =
        PiiKind::ALL.iter().map(|k| (k.name(), 0)).collect();
    for m in pii::detect(text, pii_cfg) {
        *counts.entry(m.kind.name()).or_default() += 1;
    }
    Scored {
        language,
        language_score,
        filters: out,
        rejections,
        pii: counts,
    }
}

/// Writes `lines` to `path` crash-safely (the library's temporary file, fsync, rename).
fn write_lines(path: &Path, lines: impl IntoIterator<Item = String>) -> Result<(), Box<dyn Error>> {
    let (tmp, file) = TempFile::create(path)?;
    let mut w = std::io::BufWriter::new(file);
    for l in lines {
        w.write_all(l.as_bytes())?;
        w.write_all(b"\n")?;
    }
    tmp.commit(w.into_inner().map_err(|e| e.into_error())?)?;
    Ok(())
}

fn main() -> std::process::ExitCode {
    cli::exit_code(try_main())
}

fn try_main() -> Result<(), Box<dyn Error>> {
    cli::init_tracing();
    let args = Args::parse();
    cli::require_input(args.input.as_deref())?;
    let langid = args.langid.unwrap_or_default();
    std::fs::create_dir_all(&args.output)?;
    let input = match &args.input {
        Some(p) => std::fs::read_to_string(p)?,
        None => SAMPLE.concat(),
    };

    let mut docs = Vec::new();
    let mut invalid = Vec::new();
    let mut lines = 0u64;
    for (n, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        lines += 1;
        let parsed: Result<Value, String> = serde_json::from_str(line).map_err(|e| e.to_string());
        match parsed {
            Ok(raw) => match raw.get("text").and_then(Value::as_str) {
                Some(text) => {
                    let id = match raw.get("id") {
                        Some(Value::String(s)) => s.clone(),
                        Some(v) if !v.is_null() => v.to_string(),
                        _ => format!("line-{}", n + 1),
                    };
                    docs.push(Doc {
                        id,
                        text: text.to_owned(),
                        raw,
                    });
                }
                None => invalid.push(
                    json!({ "line": n + 1, "error": "no string field `text`", "record": raw }),
                ),
            },
            Err(e) => invalid.push(json!({ "line": n + 1, "error": e, "input": line })),
        }
    }

    let gopher_quality = GopherQuality::default();
    let gopher_repetition = GopherRepetition::default();
    let c4 = C4Quality::default();
    let fineweb = FineWebQuality::default();
    let filters: [&dyn QualityFilter; 4] = [&gopher_quality, &gopher_repetition, &c4, &fineweb];
    let pii_cfg = PiiConfig::default();

    // Per-document scores on all cores, in input order.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = docs.len().div_ceil(threads).max(1);
    let scored: Vec<Scored> = std::thread::scope(|s| {
        let handles: Vec<_> = docs
            .chunks(chunk)
            .map(|c| {
                let filters = &filters;
                let pii_cfg = &pii_cfg;
                s.spawn(move || {
                    c.iter()
                        .map(|d| score(&d.text, langid, filters, pii_cfg))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("scoring thread"))
            .collect()
    });
    let texts: Vec<&str> = docs.iter().map(|d| d.text.as_str()).collect();
    let exact = exact_clusters(&texts, &TextNorm::default());
    let near = near_clusters(&texts, &MinHasher::new(MinHashConfig::datatrove())?);

    let mut score_lines = Vec::with_capacity(docs.len());
    let mut kept = Vec::new();
    let mut rejected = Vec::new();
    let mut by_reason: BTreeMap<String, u64> = BTreeMap::new();
    let mut languages: BTreeMap<String, u64> = BTreeMap::new();
    let mut pii_total: BTreeMap<&'static str, u64> = BTreeMap::new();
    for (i, (d, s)) in docs.iter().zip(scored).enumerate() {
        let mut reasons = s.rejections;
        if exact[i] != i {
            reasons.push("exact_duplicate".into());
        }
        if near[i] != i {
            reasons.push("near_duplicate".into());
        }
        let lang = s.language.as_str().unwrap_or("und").to_owned();
        *languages.entry(lang).or_default() += 1;
        for (k, v) in &s.pii {
            *pii_total.entry(k).or_default() += v;
        }
        score_lines.push(
            json!({
                "id": d.id,
                "language": s.language,
                "language_score": s.language_score,
                "filters": s.filters,
                "exact_cluster": docs[exact[i]].id,
                "near_cluster": docs[near[i]].id,
                "pii": s.pii,
            })
            .to_string(),
        );
        if reasons.is_empty() {
            kept.push(d.raw.to_string());
        } else {
            for r in &reasons {
                *by_reason.entry(r.clone()).or_default() += 1;
            }
            let mut rec = d.raw.clone();
            if let Value::Object(m) = &mut rec {
                m.insert("reasons".into(), json!(reasons));
            }
            rejected.push(rec.to_string());
        }
    }
    let (n_kept, n_rejected) = (kept.len(), rejected.len());
    rejected.extend(invalid.iter().map(Value::to_string));

    let out = &args.output;
    write_lines(&out.join("scores.jsonl"), score_lines)?;
    write_lines(&out.join("kept.jsonl"), kept)?;
    write_lines(&out.join("rejected.jsonl"), rejected)?;
    let summary = json!({
        "lines": lines,
        "documents": docs.len(),
        "invalid": invalid.len(),
        "kept": n_kept,
        "rejected": n_rejected,
        "rejected_by_reason": by_reason,
        "languages": languages,
        "pii": pii_total,
    });
    write_lines(
        &out.join("summary.json"),
        [serde_json::to_string_pretty(&summary)?],
    )?;

    println!(
        "input:  {}",
        args.input
            .as_ref()
            .map_or("bundled sample".into(), |p| p.display().to_string())
    );
    println!(
        "{lines} lines: {} documents ({n_kept} kept, {n_rejected} rejected), {} invalid",
        docs.len(),
        invalid.len()
    );
    for (r, n) in &by_reason {
        println!("  {n:6}  {r}");
    }
    for name in [
        "scores.jsonl",
        "kept.jsonl",
        "rejected.jsonl",
        "summary.json",
    ] {
        println!("  wrote {}", out.join(name).display());
    }
    assert_eq!(
        lines as usize,
        n_kept + n_rejected + invalid.len(),
        "counts must add up"
    );
    Ok(())
}
