//! Arbitrary bytes through the audio decoder (with and without an extension hint): a typed error
//! or audio whose channels have one length and whose duration respects the limit.
//!
//! symphonia itself can panic on hostile headers (an overflow in the WAV `fmt ` parser, see
//! `corpus/audio_decode/wav_huge_channels.wav`); `decode` contains that with `catch_unwind` and
//! returns `dataprep_audio::Error::Corrupt`. libfuzzer-sys's panic hook would abort on that contained panic,
//! so the hook is replaced by a silent one: a panic that escapes `decode` still reaches
//! libfuzzer-sys's own `catch_unwind` around the target and aborts the run.
#![no_main]

use std::sync::Once;

use dataprep_audio::{DecodeLimits, decode};
use libfuzzer_sys::fuzz_target;

static HOOK: Once = Once::new();

fuzz_target!(|data: &[u8]| {
    HOOK.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let limits = DecodeLimits::default().with_max_duration_s(600.0).with_max_bytes(1 << 20);
    for hint in [None, Some("wav"), Some("mp3"), Some("flac"), Some("ogg")] {
        if let Ok(audio) = decode(data, hint, &limits) {
            assert!(audio.sample_rate > 0, "zero sample rate");
            let n = audio.channels.first().map_or(0, Vec::len);
            assert!(audio.channels.iter().all(|c| c.len() == n), "ragged channels");
            assert!(n as f64 / f64::from(audio.sample_rate) <= 600.0 + 1.0, "past the duration limit");
        }
    }
});
