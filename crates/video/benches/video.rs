//! Benchmarks of dataprep-video (filled in with the shot detector and frame extraction).
fn main() {}
