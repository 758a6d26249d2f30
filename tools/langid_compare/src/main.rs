use lingua::{Language, LanguageDetectorBuilder};
use std::time::Instant;
fn code(l: Language) -> &'static str {
    use Language::*;
    match l { English=>"eng", German=>"deu", French=>"fra", Spanish=>"spa", Italian=>"ita", Portuguese=>"por", Dutch=>"nld", Russian=>"rus", Polish=>"pol", Turkish=>"tur", Japanese=>"jpn", Chinese=>"cmn", _=>"?" }
}
fn main() {
    let data = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    let rows: Vec<(&str, &str)> = data.lines().filter_map(|l| l.split_once('\t')).collect();
    let reps = 200;
    // whatlang, all 69 languages
    let t = Instant::now(); let mut ok = 0;
    for _ in 0..reps { ok = 0; for (lab, text) in &rows { if whatlang::detect(text).map(|i| i.lang().code()) == Some(lab) { ok += 1; } } }
    let s = t.elapsed().as_secs_f64();
    println!("whatlang(all 69): accuracy {}/{} docs/s {:.0}", ok, rows.len(), (reps*rows.len()) as f64 / s);
    // whatlang restricted to the 12
    let allow: Vec<whatlang::Lang> = ["eng","deu","fra","spa","ita","por","nld","rus","pol","tur","jpn","cmn"].iter().map(|c| whatlang::Lang::from_code(*c).unwrap()).collect();
    let wd = whatlang::Detector::with_allowlist(allow);
    let t = Instant::now(); let mut ok = 0;
    for _ in 0..reps { ok = 0; for (lab, text) in &rows { if wd.detect(text).map(|i| i.lang().code()) == Some(lab) { ok += 1; } } }
    let s = t.elapsed().as_secs_f64();
    println!("whatlang(12): accuracy {}/{} docs/s {:.0}", ok, rows.len(), (reps*rows.len()) as f64 / s);
    let t0 = Instant::now();
    let det = LanguageDetectorBuilder::from_all_languages().with_preloaded_language_models().build();
    println!("lingua load {:.2}s", t0.elapsed().as_secs_f64());
    let reps = 20;
    let t = Instant::now(); let mut ok = 0;
    for _ in 0..reps { ok = 0; for (lab, text) in &rows { if det.detect_language_of(*text).map(code) == Some(lab) { ok += 1; } } }
    let s = t.elapsed().as_secs_f64();
    println!("lingua(12, high accuracy): accuracy {}/{} docs/s {:.0}", ok, rows.len(), (reps*rows.len()) as f64 / s);
    let det = LanguageDetectorBuilder::from_all_languages().with_low_accuracy_mode().with_preloaded_language_models().build();
    let t = Instant::now(); let mut ok = 0;
    for _ in 0..reps { ok = 0; for (lab, text) in &rows { if det.detect_language_of(*text).map(code) == Some(lab) { ok += 1; } } }
    let s = t.elapsed().as_secs_f64();
    println!("lingua(12, low accuracy): accuracy {}/{} docs/s {:.0}", ok, rows.len(), (reps*rows.len()) as f64 / s);
    for (lab, text) in &rows { let w = whatlang::detect(text).map(|i| i.lang().code()); if w != Some(lab) { println!("whatlang miss {lab} -> {w:?}: {text}"); } }
}
