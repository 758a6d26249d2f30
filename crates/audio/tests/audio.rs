//! Integration tests of dataprep-audio.

mod audio {
    mod augment;
    mod common;
    mod ctc;
    mod decode;
    mod denoise;
    mod features;
    #[cfg(feature = "ffmpeg")]
    mod ffmpeg;
    mod interop;
    mod probe;
    mod resample_quality;
    mod signal;
    mod stages;
    mod subtitles;
    mod vad;
}
