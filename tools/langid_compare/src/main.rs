//! Compares language detectors: whatlang (all 69 languages, or restricted to lingua's 12),
//! lingua (12 languages compiled in, high and low accuracy) and whatlang→lingua hybrids.
//!
//! `cargo run --release --manifest-path tools/langid_compare/Cargo.toml -- FILE`
//! where FILE is a `label<TAB>text` TSV (`crates/text/tests/data/langid_labelled.tsv`) or a
//! JSONL of `{"lang", "text"}` objects (`crates/text/tests/data/langid_real.jsonl`). Prints,
//! per detector: accuracy against the labels, agreement with lingua high accuracy on the
//! documents labelled with one of lingua's 12 languages, how many of the other documents it
//! labels correctly, and documents per second (one thread).
use std::time::Instant;

use lingua::{Language, LanguageDetector, LanguageDetectorBuilder};

const LINGUA12: [&str; 12] = [
    "eng", "deu", "fra", "spa", "ita", "por", "nld", "rus", "pol", "tur", "jpn", "cmn",
];

fn code(l: Language) -> &'static str {
    use Language::*;
    match l {
        English => "eng", German => "deu", French => "fra", Spanish => "spa", Italian => "ita",
        Portuguese => "por", Dutch => "nld", Russian => "rus", Polish => "pol", Turkish => "tur",
        Japanese => "jpn", Chinese => "cmn", _ => "?",
    }
}

fn lingua_top(det: &LanguageDetector, text: &str) -> Option<&'static str> {
    let v = det.compute_language_confidence_values(text);
    let (l, c) = *v.first()?;
    (c > 0.0).then(|| code(l))
}

fn main() {
    let path = std::env::args().nth(1).expect("FILE");
    let data = std::fs::read_to_string(&path).unwrap();
    let rows: Vec<(String, String)> = if path.ends_with(".jsonl") {
        data.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (v["lang"].as_str().unwrap().to_owned(), v["text"].as_str().unwrap().to_owned())
            })
            .collect()
    } else {
        data.lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(a, b)| (a.to_owned(), b.to_owned()))
            .collect()
    };
    let high = LanguageDetectorBuilder::from_all_languages().with_preloaded_language_models().build();
    let low = LanguageDetectorBuilder::from_all_languages()
        .with_low_accuracy_mode()
        .with_preloaded_language_models()
        .build();
    let allow: Vec<whatlang::Lang> =
        LINGUA12.iter().map(|c| whatlang::Lang::from_code(*c).unwrap()).collect();
    let w12 = whatlang::Detector::with_allowlist(allow);
    let reference: Vec<Option<&str>> = rows.iter().map(|(_, t)| lingua_top(&high, t)).collect();

    type Det<'a> = Box<dyn Fn(&str) -> Option<&'static str> + 'a>;
    let wl = |t: &str| whatlang::detect(t).map(|i| i.lang().code());
    let hybrid = |t: &str, min_conf: f64| -> Option<&'static str> {
        match whatlang::detect(t) {
            Some(i) if i.is_reliable() && i.confidence() >= min_conf => Some(i.lang().code()),
            Some(i) if !LINGUA12.contains(&i.lang().code()) && i.is_reliable() => {
                Some(i.lang().code())
            }
            _ => lingua_top(&high, t),
        }
    };
    let dets: Vec<(&str, Det)> = vec![
        ("whatlang (69)", Box::new(wl)),
        ("whatlang among lingua's 12", Box::new(|t| w12.detect(t).map(|i| i.lang().code()))),
        ("lingua low accuracy (12)", Box::new(|t| lingua_top(&low, t))),
        ("hybrid: whatlang if reliable (conf>0.9), else lingua", Box::new(|t| hybrid(t, 0.0))),
        ("hybrid: whatlang if reliable and conf>=0.95, else lingua", Box::new(|t| hybrid(t, 0.95))),
        ("hybrid: whatlang if reliable and conf>=0.99, else lingua", Box::new(|t| hybrid(t, 0.99))),
        ("hybrid: whatlang if reliable and conf>=1.0, else lingua", Box::new(|t| hybrid(t, 1.0))),
        ("lingua high accuracy (12)", Box::new(|t| lingua_top(&high, t))),
    ];
    let in_set: Vec<bool> = rows.iter().map(|(l, _)| LINGUA12.contains(&l.as_str())).collect();
    let n_in = in_set.iter().filter(|&&b| b).count();
    println!("{} documents, {} in lingua's 12 languages", rows.len(), n_in);
    for (name, det) in &dets {
        let t0 = Instant::now();
        let mut reps = 0;
        let mut out = Vec::new();
        while reps == 0 || t0.elapsed().as_secs_f64() < 2.0 {
            out = rows.iter().map(|(_, t)| det(t)).collect::<Vec<_>>();
            reps += 1;
        }
        let rate = (reps * rows.len()) as f64 / t0.elapsed().as_secs_f64();
        let acc = rows.iter().zip(&out).filter(|((l, _), o)| **o == Some(l.as_str())).count();
        let agree = (0..rows.len()).filter(|&i| in_set[i] && out[i] == reference[i]).count();
        let other = (0..rows.len())
            .filter(|&i| !in_set[i] && out[i] == Some(rows[i].0.as_str()))
            .count();
        println!(
            "{name}: accuracy {acc}/{} | agreement with lingua (12 languages) {agree}/{n_in} = {:.1}% | other languages right {other}/{} | {rate:.0} docs/s",
            rows.len(),
            100.0 * agree as f64 / n_in as f64,
            rows.len() - n_in
        );
        if std::env::var_os("VERBOSE").is_some() {
            for i in 0..rows.len() {
                if in_set[i] && out[i] != reference[i] {
                    let snippet: String = rows[i].1.chars().take(70).collect();
                    println!("  {} lingua {:?} got {:?}: {snippet:?}", rows[i].0, reference[i], out[i]);
                }
            }
        }
    }
}
