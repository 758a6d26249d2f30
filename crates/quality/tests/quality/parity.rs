//! Keep/drop parity with datatrove 0.10.1 on the committed corpus (goldens made by
//! `tools/quality_goldens.py`): the same decision and the same reason, per filter.

use dataprep_quality::filters::{
    BadWords, C4Paragraph, C4Quality, FineWebQuality, GopherQuality, GopherRepetition,
    QualityFilter, UrlFilter,
};

use super::common::{CORPUS, GOLDENS, fnv1a64};

#[test]
fn quality_stage_config_and_fingerprint() {
    use dataprep_core::Stage;
    use dataprep_quality::filters::QualityStage;
    let stage = QualityStage::new(GopherQuality::default())
        .with_field("body")
        .with_edit_text(false);
    assert_eq!(
        stage.config().min_doc_words,
        GopherQuality::default().min_doc_words
    );
    assert_eq!((stage.field(), stage.edit_text()), ("body", false));
    assert_eq!(
        Stage::config(&stage).to_string(),
        r#"{"filter":{"min_doc_words":50,"max_doc_words":100000,"min_avg_word_length":3.0,"max_avg_word_length":10.0,"max_symbol_word_ratio":0.1,"max_bullet_lines_ratio":0.9,"max_ellipsis_lines_ratio":0.3,"min_alpha_words_ratio":0.8,"min_stop_words":2,"stop_words":["the","be","to","of","and","that","have","with"]},"field":"body","edit_text":false}"#
    );
}

fn url_filter() -> UrlFilter {
    let lists: serde_json::Value =
        serde_json::from_str(include_str!("../data/url_lists.json")).unwrap();
    let list = |k: &str| -> Vec<String> {
        lists[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    UrlFilter::default()
        .with_domains(list("domains"))
        .with_urls(list("urls"))
        .with_banned_words(list("banned_words"))
        .with_banned_subwords(list("banned_subwords"))
        .with_soft_banned_words(list("soft_banned_words"))
}

/// Agreement of `filter` with the golden `name` over the corpus; every disagreement listed.
fn agreement(name: &str, filter: &dyn QualityFilter) -> (usize, Vec<String>) {
    let mut agree = 0;
    let mut diffs = Vec::new();
    for (doc, gold) in CORPUS.iter().zip(GOLDENS.iter()) {
        assert_eq!(
            gold["id"],
            doc.id.as_str(),
            "goldens and corpus out of step"
        );
        let input = if filter.default_field() == "url" {
            doc.url.as_str()
        } else {
            doc.text.as_str()
        };
        let r = filter.apply(input);
        let g = &gold[name];
        let want_keep = g["keep"].as_bool().unwrap();
        let want_reason = g["reason"].as_str();
        let mut same = r.is_keep() == want_keep && (want_keep || r.reason() == want_reason);
        // C4 edits the text of a kept document: the edit must be datatrove's too.
        if same && want_keep && g.get("text_fnv").is_some() {
            let edited = r.text.as_deref().unwrap_or(&doc.text);
            same = fnv1a64(edited) == g["text_fnv"].as_str().unwrap();
        }
        if same {
            agree += 1;
        } else {
            diffs.push(format!(
                "{}: ours keep={} reason={:?}, datatrove keep={want_keep} reason={want_reason:?}",
                doc.id,
                r.is_keep(),
                r.reason()
            ));
        }
    }
    (agree, diffs)
}

#[test]
fn keep_drop_decisions_match_datatrove_per_filter() {
    let badwords = BadWords::new(include_str!("../data/badwords.txt").lines());
    let filters: [(&str, Box<dyn QualityFilter>); 7] = [
        ("gopher_quality", Box::new(GopherQuality::default())),
        ("gopher_repetition", Box::new(GopherRepetition::default())),
        ("c4_quality", Box::new(C4Quality::default())),
        ("c4_paragraph", Box::new(C4Paragraph::default())),
        ("fineweb_quality", Box::new(FineWebQuality::default())),
        ("c4_badwords", Box::new(badwords)),
        ("url_filter", Box::new(url_filter())),
    ];
    let n = CORPUS.len();
    assert!(n >= 300, "corpus too small: {n}");
    let languages: std::collections::BTreeSet<&str> =
        CORPUS.iter().map(|d| d.lang.as_str()).collect();
    assert!(languages.len() >= 3, "corpus languages: {languages:?}");
    let mut failed = Vec::new();
    for (name, f) in &filters {
        let (agree, diffs) = agreement(name, f.as_ref());
        let rate = agree as f64 / n as f64;
        eprintln!(
            "{name}: {agree}/{n} = {:.2}% agree with datatrove",
            100.0 * rate
        );
        for d in diffs.iter().take(10) {
            eprintln!("  {d}");
        }
        if rate < 0.99 {
            failed.push(format!("{name}: {:.2}%", 100.0 * rate));
        }
    }
    assert!(failed.is_empty(), "below 99% agreement: {failed:?}");
}
