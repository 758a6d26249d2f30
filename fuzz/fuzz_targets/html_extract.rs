//! Arbitrary bytes (lossily decoded, as the HTML stage does with bad UTF-8) through the HTML
//! main-content extractor: never a panic, bounded input, and the same output twice.
#![no_main]

use dataprep_text::html::{HtmlConfig, extract};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let html = String::from_utf8_lossy(data);
    let mut config = HtmlConfig::default();
    config.max_bytes = 64 << 10;
    let doc = extract(&html, &config);
    // The extractor never invents text longer than its (cut) input plus its own markup.
    assert!(doc.text.len() <= 4 * config.max_bytes + 64, "text grew to {} bytes", doc.text.len());
    assert_eq!(doc, extract(&html, &config), "extraction is not deterministic");
});
