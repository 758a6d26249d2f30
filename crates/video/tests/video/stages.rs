use dataprep_core::{Pipeline, Record, Value, VecDataset, VecSink};
use dataprep_video::ShotConfig;
use dataprep_video::stages::{DetectShotsStage, ProbeVideoStage, VideoSource};

use super::common::{av_clip, tmp};

#[test]
fn probe_and_shots_over_records_with_per_record_errors() {
    let d = tmp();
    let p = av_clip(d.path(), "a.mp4", 64, 48, 25, 1.0);
    let bytes = std::fs::read(&p).unwrap();
    let ds = VecDataset::new(vec![
        Record::new()
            .with_key("ok")
            .with("video", Value::Bytes(bytes)),
        Record::new()
            .with_key("bad")
            .with("video", Value::Bytes(vec![1, 2, 3])),
    ]);
    let mut sink = VecSink::default();
    let mut rejects = VecSink::default();
    let src = VideoSource::Bytes("video".into());
    let summary = Pipeline::new(&ds)
        .stage(ProbeVideoStage::new(src.clone()))
        .stage(DetectShotsStage::new(src, ShotConfig::default()))
        .sink(&mut sink)
        .rejects(&mut rejects)
        .run()
        .unwrap();
    assert_eq!(summary.written, 1);
    assert_eq!(summary.failed, 1);
    let r = &sink.records()[0];
    assert_eq!(r.u64("width").unwrap(), 64);
    assert_eq!(r.f64("fps").unwrap(), 25.0);
    assert_eq!(r.u64("frames").unwrap(), 25);
    assert_eq!(r.str("codec").unwrap(), "h264");
    // testsrc2 has no cuts.
    assert_eq!(r.list("cuts_frames").unwrap().len(), 0);
}
