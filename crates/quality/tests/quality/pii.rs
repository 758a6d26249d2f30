//! PII precision and recall per kind on the labelled set built by `tools/quality_pii_testset.py`
//! (exact span and kind must match), redaction round trips, and robustness.

use std::collections::BTreeMap;

use dataprep_core::{Context, Record, Stage};
use dataprep_quality::pii::{PiiAction, PiiConfig, PiiKind, PiiStage, detect, redact};
use proptest::prelude::*;

#[derive(serde::Deserialize)]
struct Labelled {
    text: String,
    spans: Vec<(usize, usize, String)>,
}

fn labelled() -> Vec<Labelled> {
    include_str!("../data/pii_labelled.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn precision_and_recall_per_kind() {
    let cfg = PiiConfig::default();
    // kind -> (true positives, false positives, false negatives)
    let mut m: BTreeMap<String, (u32, u32, u32)> = BTreeMap::new();
    let mut errors = Vec::new();
    for d in labelled() {
        let got: Vec<(usize, usize, String)> = detect(&d.text, &cfg)
            .into_iter()
            .map(|m| (m.start, m.end, m.kind.name().to_owned()))
            .collect();
        for g in &got {
            let e = m.entry(g.2.clone()).or_default();
            if d.spans.contains(g) {
                e.0 += 1;
            } else {
                e.1 += 1;
                errors.push(format!(
                    "FP {} {:?} in {:?}",
                    g.2,
                    &d.text[g.0..g.1],
                    d.text
                ));
            }
        }
        for s in &d.spans {
            if !got.contains(s) {
                m.entry(s.2.clone()).or_default().2 += 1;
                errors.push(format!("FN {} {:?}", s.2, &d.text[s.0..s.1]));
            }
        }
    }
    for e in &errors {
        eprintln!("{e}");
    }
    let (mut tp, mut fp, mut fneg) = (0, 0, 0);
    for (k, &(t, f, n)) in &m {
        let p = f64::from(t) / f64::from(t + f).max(1.0);
        let r = f64::from(t) / f64::from(t + n).max(1.0);
        eprintln!("| {k} | {} | {t} | {f} | {n} | {p:.3} | {r:.3} |", t + n);
        assert!(p >= 0.95 && r >= 0.95, "{k}: precision {p}, recall {r}");
        tp += t;
        fp += f;
        fneg += n;
    }
    assert_eq!(m.len(), 8, "{m:?}");
    let p = f64::from(tp) / f64::from(tp + fp);
    let r = f64::from(tp) / f64::from(tp + fneg);
    eprintln!(
        "| all | {} | {tp} | {fp} | {fneg} | {p:.3} | {r:.3} |",
        tp + fneg
    );
    assert!(p >= 0.98 && r >= 0.98, "overall precision {p}, recall {r}");
}

#[test]
fn stage_config_and_fingerprint() {
    let stage = PiiStage::new(PiiConfig::default()).with_field("body");
    assert_eq!(stage.config(), &PiiConfig::default());
    assert_eq!(stage.field(), "body");
    assert_eq!(
        Stage::config(&stage).to_string(),
        r#"{"config":{"kinds":["email","ipv4","ipv6","phone","credit_card","iban","us_ssn","secret"],"action":"redact","salt":"","secret_min_len":24,"secret_min_entropy":4.0,"max_candidate_len":4096},"field":"body"}"#
    );
}

#[test]
fn stage_counts_and_redacts() {
    let stage = PiiStage::new(PiiConfig::default());
    let cx = Context::new("pii", 0);
    let mut r = Record::new().with("text", "mail a.b@example.com, ip 8.8.8.8, ip 1.1.1.1");
    stage.process(&mut r, &cx).unwrap();
    assert_eq!(r.str("text").unwrap(), "mail <EMAIL>, ip <IPV4>, ip <IPV4>");
    assert_eq!(r.score("pii", "ipv4"), Some(2.0));
    assert_eq!(r.score("pii", "email"), Some(1.0));
    assert_eq!(r.score("pii", "phone"), Some(0.0));
    // Only the configured kinds.
    let only = PiiConfig::default().with_kinds([PiiKind::Email]);
    assert_eq!(
        redact("8.8.8.8 x@example.com", &only).text,
        "8.8.8.8 <EMAIL>"
    );
    // Redacted text has nothing left to detect.
    for d in labelled().iter().take(100) {
        let red = redact(&d.text, &PiiConfig::default());
        assert!(
            detect(&red.text, &PiiConfig::default()).is_empty(),
            "{}",
            red.text
        );
        let n: u64 = red.counts.values().sum();
        assert_eq!(n as usize, detect(&d.text, &PiiConfig::default()).len());
        // Mask keeps the length.
        let masked = redact(&d.text, &PiiConfig::default().with_action(PiiAction::Mask));
        assert_eq!(masked.text.len(), d.text.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn never_panics_and_spans_are_ordered(s in "\\PC{0,300}|[0-9a-zA-Z@.:+ ()-]{0,300}") {
        for action in [PiiAction::Redact, PiiAction::Mask, PiiAction::Hash, PiiAction::Fake] {
            let _ = redact(&s, &PiiConfig::default().with_action(action));
        }
        let ms = detect(&s, &PiiConfig::default());
        for w in ms.windows(2) {
            prop_assert!(w[0].end <= w[1].start);
        }
        for m in &ms {
            prop_assert!(s.is_char_boundary(m.start) && s.is_char_boundary(m.end) && m.start < m.end);
        }
    }
}
