//! Arbitrary bytes through the image decoder with tight limits: a typed error or an image that
//! respects the limits, never a panic or an allocation past `max_alloc`.
#![no_main]

use dataprep_image::{DecodeOptions, Limits, decode, probe};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default()
        .with_max_pixels(1 << 20)
        .with_max_dimensions(4096, 4096)
        .with_max_bytes(1 << 20);
    let opts = DecodeOptions::default().with_limits(limits);
    let probed = probe(data, &limits);
    if let Ok(decoded) = decode(data, &opts) {
        let (w, h) = (decoded.image.width() as u64, decoded.image.height() as u64);
        assert!(w * h <= limits.max_pixels, "{w}x{h} past the pixel limit");
        assert!((1..=8).contains(&decoded.orientation));
        let (_, pw, ph) = probed.expect("decoded but the probe failed");
        assert_eq!((pw, ph), (decoded.source_width, decoded.source_height));
    }
});
