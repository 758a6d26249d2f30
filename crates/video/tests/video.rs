//! Integration tests of dataprep-video, on media generated with the `ffmpeg` CLI.

mod video {
    mod bad_input;
    mod clips;
    mod common;
    mod frames;
    mod inputs;
    mod probe;
    mod scene;
    mod stages;
    mod standardize;
    mod subtitles;
    mod transcode;
}
